//! CORS-safelisted methods and request headers (Fetch `#cors-safelisted-method`,
//! `#cors-safelisted-request-header`, `#cors-unsafe-request-header-names`), with the
//! WHATWG MIME Sniffing Standard's "parse a MIME type" written out for `Content-Type`
//! and Fetch's "parse a single range header value" for `Range`.

use std::cmp::Ordering;

use http::Method;
use http::header::{HeaderMap, HeaderName};

use super::profile::Profile;
use corsair::fetch::is_tchar;

/// The longest value a safelisted request header may have.
///
/// ```
/// use corsair_browser::{is_cors_safelisted_request_header, MAX_SAFELISTED_VALUE_LEN};
/// let long = vec![b'a'; MAX_SAFELISTED_VALUE_LEN + 1];
/// assert!(!is_cors_safelisted_request_header(b"accept", &long));
/// ```
pub const MAX_SAFELISTED_VALUE_LEN: usize = 128;
/// The most bytes all safelisted request-header values together may have; past it,
/// every one of them counts as unsafe.
///
/// ```
/// use corsair_browser::{cors_unsafe_request_header_names, MAX_SAFELISTED_TOTAL_LEN};
/// let mut headers = http::HeaderMap::new();
/// let value = "a".repeat(128);
/// for _ in 0..=MAX_SAFELISTED_TOTAL_LEN / 128 {
///     headers.append("accept", value.parse()?);
/// }
/// assert_eq!(cors_unsafe_request_header_names(&headers), ["accept"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const MAX_SAFELISTED_TOTAL_LEN: usize = 1024;

/// `GET`, `HEAD` and `POST`, byte for byte (after normalization).
///
/// ```
/// use corsair_browser::is_cors_safelisted_method;
/// use http::Method;
/// assert!(is_cors_safelisted_method(&Method::POST));
/// assert!(!is_cors_safelisted_method(&Method::PUT));
/// assert!(!is_cors_safelisted_method(&Method::from_bytes(b"get")?));
/// # Ok::<(), http::method::InvalidMethod>(())
/// ```
pub fn is_cors_safelisted_method(method: &Method) -> bool {
    *method == Method::GET || *method == Method::HEAD || *method == Method::POST
}

/// Whether a byte makes an `Accept` or `Content-Type` value unsafe: a control byte other
/// than tab, DEL, or one of `"():<>?@[\]{}` (Fetch `#cors-unsafe-request-header-byte`).
///
/// ```
/// use corsair_browser::is_cors_unsafe_request_header_byte;
/// assert!(is_cors_unsafe_request_header_byte(b'"'));
/// assert!(is_cors_unsafe_request_header_byte(0x7f));
/// assert!(!is_cors_unsafe_request_header_byte(b'\t'));
/// assert!(!is_cors_unsafe_request_header_byte(b','));
/// ```
pub fn is_cors_unsafe_request_header_byte(byte: u8) -> bool {
    (byte < 0x20 && byte != 0x09)
        || matches!(
            byte,
            b'"' | b'('
                | b')'
                | b':'
                | b'<'
                | b'>'
                | b'?'
                | b'@'
                | b'['
                | b'\\'
                | b']'
                | b'{'
                | b'}'
                | 0x7f
        )
}

/// Whether a request header (name, value) is CORS-safelisted, so that it needs no
/// preflight by itself. Takes bytes because Fetch allows values (such as control
/// bytes) that [`http::HeaderValue`] does not.
///
/// - The value must be at most 128 bytes.
/// - `Accept`: no CORS-unsafe byte.
/// - `Accept-Language`, `Content-Language`: only `0-9 A-Z a-z`, space and `*,-.;=`.
/// - `Content-Type`: no CORS-unsafe byte, and [`MimeType::parse`] must give the essence
///   `application/x-www-form-urlencoded`, `multipart/form-data` or `text/plain`.
/// - `Range`: `bytes=N-` or `bytes=N-M` (N ≤ M), without whitespace; `bytes` in
///   lowercase.
/// - Any other name is not safelisted.
///
/// This is the Fetch Standard's list; [`Profile::is_safelisted_request_header`] gives
/// a browser's.
///
/// ```
/// use corsair_browser::is_cors_safelisted_request_header as safelisted;
/// assert!(safelisted(b"Content-Type", b"text/plain; charset=utf-8"));
/// assert!(!safelisted(b"content-type", b"application/json"));
/// assert!(safelisted(b"range", b"bytes=200-"));
/// assert!(!safelisted(b"range", b"bytes=-200"));
/// assert!(!safelisted(b"accept-language", b"en@x"));
/// assert!(!safelisted(b"x-requested-with", b"XMLHttpRequest"));
/// ```
pub fn is_cors_safelisted_request_header(name: &[u8], value: &[u8]) -> bool {
    if value.len() > MAX_SAFELISTED_VALUE_LEN {
        return false;
    }
    let is = |expected: &str| name.eq_ignore_ascii_case(expected.as_bytes());
    if is("accept") {
        !value.iter().any(|&b| is_cors_unsafe_request_header_byte(b))
    } else if is("accept-language") || is("content-language") {
        value.iter().all(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b' ' | b'*' | b',' | b'-' | b'.' | b';' | b'=')
        })
    } else if is("content-type") {
        !value.iter().any(|&b| is_cors_unsafe_request_header_byte(b))
            && MimeType::parse_bytes(value).is_some_and(|mime| {
                matches!(
                    mime.essence().as_str(),
                    "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
                )
            })
    } else if is("range") {
        parse_single_range(value, false).is_some_and(|range| range.start.is_some())
    } else {
        false
    }
}

/// The CORS-unsafe request-header names of a header list: the names of headers that are
/// not safelisted, plus every safelisted one when their values add up to more than 1024
/// bytes; byte-lowercased, deduplicated and sorted (Fetch
/// `#cors-unsafe-request-header-names`). This is what `Access-Control-Request-Headers`
/// lists.
///
/// ```
/// use corsair_browser::cors_unsafe_request_header_names;
/// let mut headers = http::HeaderMap::new();
/// headers.insert("x-b", "1".parse()?);
/// headers.insert("content-type", "application/json".parse()?);
/// headers.insert("accept", "text/html".parse()?);
/// headers.insert("x-a", "2".parse()?);
/// let names = cors_unsafe_request_header_names(&headers);
/// assert_eq!(names, ["content-type", "x-a", "x-b"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cors_unsafe_request_header_names(headers: &HeaderMap) -> Vec<HeaderName> {
    unsafe_names(headers.iter().map(|(name, value)| {
        let safe = is_cors_safelisted_request_header(name.as_str().as_bytes(), value.as_bytes());
        (name, value.len(), safe)
    }))
}

/// The unsafe names of (name, value length, safelisted) triples: every name that is not
/// safelisted, plus the safelisted ones when their lengths add up to more than 1024.
fn unsafe_names<'a>(
    headers: impl Iterator<Item = (&'a HeaderName, usize, bool)>,
) -> Vec<HeaderName> {
    let mut unsafe_names = Vec::new();
    let mut potentially_unsafe = Vec::new();
    let mut total = 0usize;
    for (name, len, safe) in headers {
        if safe {
            potentially_unsafe.push(name.clone());
            total = total.saturating_add(len);
        } else {
            unsafe_names.push(name.clone());
        }
    }
    if total > MAX_SAFELISTED_TOTAL_LEN {
        unsafe_names.append(&mut potentially_unsafe);
    }
    // `http` header names are already lowercase.
    unsafe_names.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
    unsafe_names.dedup();
    unsafe_names
}

impl Profile {
    /// Whether a request header (name, value) is CORS-safelisted in this profile.
    ///
    /// [`Profile::Spec`] is [`is_cors_safelisted_request_header`]. [`Profile::Chromium`]
    /// also safelists client hints, each with its value rule: `DPR`, `Device-Memory`
    /// and `Downlink` are `1*DIGIT [ "." 1*DIGIT ]`; `Width`, `Viewport-Width` and `RTT`
    /// are `1*DIGIT`; `ECT` is `slow-2g`, `2g`, `3g` or `4g` (lowercase); `Save-Data`
    /// is `on` (any case); `Intervention` takes any value. The 128-byte limit applies
    /// to all. Chromium's `Range` numbers must be below `i64::MAX`. All of this is
    /// measured by the real-browser suite.
    ///
    /// ```
    /// use corsair_browser::Profile;
    /// assert!(Profile::Chromium.is_safelisted_request_header(b"DPR", b"2.5"));
    /// assert!(!Profile::Chromium.is_safelisted_request_header(b"dpr", b"2."));
    /// assert!(!Profile::Spec.is_safelisted_request_header(b"dpr", b"2.5"));
    /// assert!(Profile::Chromium.is_safelisted_request_header(b"save-data", b"ON"));
    /// assert!(!Profile::Chromium.is_safelisted_request_header(b"range",
    ///     b"bytes=9223372036854775807-"));
    /// assert!(Profile::Spec.is_safelisted_request_header(b"range",
    ///     b"bytes=9223372036854775807-"));
    /// ```
    pub fn is_safelisted_request_header(self, name: &[u8], value: &[u8]) -> bool {
        match self {
            Profile::Spec => is_cors_safelisted_request_header(name, value),
            Profile::Chromium => is_chromium_safelisted(name, value),
        }
    }

    /// The CORS-unsafe request-header names of a header list in this profile, as
    /// [`cors_unsafe_request_header_names`] gives them for [`Profile::Spec`].
    /// [`Profile::Chromium`] joins the values of a name set more than once with `", "`
    /// (as its `Headers` does) and checks the joined value.
    ///
    /// ```
    /// use corsair_browser::Profile;
    /// let mut headers = http::HeaderMap::new();
    /// headers.append("accept", "a".repeat(100).parse()?);
    /// headers.append("accept", "b".repeat(100).parse()?);
    /// assert_eq!(Profile::Chromium.unsafe_request_header_names(&headers), ["accept"]);
    /// assert!(Profile::Spec.unsafe_request_header_names(&headers).is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unsafe_request_header_names(self, headers: &HeaderMap) -> Vec<HeaderName> {
        match self {
            Profile::Spec => cors_unsafe_request_header_names(headers),
            Profile::Chromium => {
                let combined = headers.keys().map(|name| {
                    let value = headers
                        .get_all(name)
                        .iter()
                        .map(|v| v.as_bytes())
                        .collect::<Vec<_>>()
                        .join(&b", "[..]);
                    (name, value)
                });
                unsafe_names(combined.map(|(name, value)| {
                    let safe = is_chromium_safelisted(name.as_str().as_bytes(), &value);
                    (name, value.len(), safe)
                }))
            }
        }
    }
}

/// Chromium's `IsCorsSafelistedHeader` (`services/network/public/cpp/cors/cors.cc`).
fn is_chromium_safelisted(name: &[u8], value: &[u8]) -> bool {
    if value.len() > MAX_SAFELISTED_VALUE_LEN {
        return false;
    }
    let is = |expected: &str| name.eq_ignore_ascii_case(expected.as_bytes());
    let digits = |bytes: &[u8]| !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit);
    if is("dpr") || is("device-memory") || is("downlink") {
        match value.iter().position(|&b| b == b'.') {
            Some(dot) => {
                digits(value.get(..dot).unwrap_or_default())
                    && digits(value.get(dot + 1..).unwrap_or_default())
            }
            None => digits(value),
        }
    } else if is("width") || is("viewport-width") || is("rtt") {
        digits(value)
    } else if is("ect") {
        matches!(value, b"slow-2g" | b"2g" | b"3g" | b"4g")
    } else if is("save-data") {
        value.eq_ignore_ascii_case(b"on")
    } else if is("intervention") {
        true
    } else if is("range") {
        parse_single_range(value, false).is_some_and(|range| {
            range.start.is_some_and(|d| d.below_i64_max())
                && range.end.is_none_or(|d| d.below_i64_max())
        })
    } else {
        is_cors_safelisted_request_header(name, value)
    }
}

/// A MIME type, as the WHATWG MIME Sniffing Standard's "parse a MIME type" returns it:
/// lowercase type and subtype, and the parameters that survived parsing, in order.
///
/// The parse is strict about the type and subtype (tokens, one `/`) and lenient about
/// parameters (bad ones are skipped), exactly as the standard says. Fetch uses it, not
/// the lenient "extract a MIME type", to safelist `Content-Type`.
///
/// ```
/// use corsair_browser::MimeType;
/// let mime = MimeType::parse(" Text/Plain ; Charset=\"utf-8\" ;garbage").unwrap();
/// assert_eq!(mime.essence(), "text/plain");
/// assert_eq!(mime.parameter("charset"), Some("utf-8"));
/// assert!(MimeType::parse("text /plain").is_none());
/// assert!(MimeType::parse("text/plain,").is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MimeType {
    type_: String,
    subtype: String,
    parameters: Vec<(String, String)>,
}

impl MimeType {
    /// Parses a MIME type from a string (each character is a code point).
    ///
    /// ```
    /// assert_eq!(corsair_browser::MimeType::parse("multipart/form-data; boundary=x")
    ///     .unwrap().essence(), "multipart/form-data");
    /// ```
    pub fn parse(input: &str) -> Option<MimeType> {
        parse_mime(&input.chars().collect::<Vec<_>>())
    }

    /// Parses a MIME type from a header value: each byte is the code point of the same
    /// number ("isomorphic decode").
    ///
    /// ```
    /// assert!(corsair_browser::MimeType::parse_bytes(b"text/plain;\xff=1").is_some());
    /// ```
    pub fn parse_bytes(input: &[u8]) -> Option<MimeType> {
        parse_mime(&input.iter().map(|&b| char::from(b)).collect::<Vec<_>>())
    }

    /// The type, such as `text`.
    ///
    /// ```
    /// assert_eq!(corsair_browser::MimeType::parse("TEXT/html").unwrap().type_(), "text");
    /// ```
    pub fn type_(&self) -> &str {
        &self.type_
    }

    /// The subtype, such as `plain`.
    ///
    /// ```
    /// assert_eq!(corsair_browser::MimeType::parse("text/HTML").unwrap().subtype(), "html");
    /// ```
    pub fn subtype(&self) -> &str {
        &self.subtype
    }

    /// The essence: `type/subtype`.
    ///
    /// ```
    /// assert_eq!(corsair_browser::MimeType::parse("text/plain;a=b").unwrap().essence(), "text/plain");
    /// ```
    pub fn essence(&self) -> String {
        format!("{}/{}", self.type_, self.subtype)
    }

    /// The value of a parameter (names are lowercase).
    ///
    /// ```
    /// let mime = corsair_browser::MimeType::parse("text/plain;charset=a;charset=b").unwrap();
    /// assert_eq!(mime.parameter("charset"), Some("a")); // the first one wins
    /// ```
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every parameter, in order.
    ///
    /// ```
    /// let mime = corsair_browser::MimeType::parse("text/plain;a=1;b=\"2\"").unwrap();
    /// assert_eq!(mime.parameters().len(), 2);
    /// ```
    pub fn parameters(&self) -> &[(String, String)] {
        &self.parameters
    }
}

fn is_http_whitespace(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\t' | ' ')
}

fn is_token_char(c: char) -> bool {
    u8::try_from(c).is_ok_and(is_tchar)
}

fn is_quoted_string_token_char(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{80}'..='\u{ff}')
}

/// Collects the characters from `*position` while `keep` holds.
fn collect(input: &[char], position: &mut usize, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::new();
    while let Some(&c) = input.get(*position) {
        if !keep(c) {
            break;
        }
        out.push(c);
        *position += 1;
    }
    out
}

/// "Collect an HTTP quoted string" with extract-value set: `*position` is at `"`.
fn collect_quoted_string(input: &[char], position: &mut usize) -> String {
    let mut value = String::new();
    *position += 1;
    loop {
        value.push_str(&collect(input, position, |c| c != '"' && c != '\\'));
        let Some(&quote_or_backslash) = input.get(*position) else {
            break;
        };
        *position += 1;
        if quote_or_backslash == '\\' {
            let Some(&escaped) = input.get(*position) else {
                value.push('\\');
                break;
            };
            value.push(escaped);
            *position += 1;
        } else {
            break;
        }
    }
    value
}

fn parse_mime(input: &[char]) -> Option<MimeType> {
    // 1. Remove leading and trailing HTTP whitespace.
    let start = input
        .iter()
        .position(|&c| !is_http_whitespace(c))
        .unwrap_or(input.len());
    let end = input
        .iter()
        .rposition(|&c| !is_http_whitespace(c))
        .map_or(start, |i| i + 1);
    let input = input.get(start..end)?;
    let mut position = 0;
    // 3-4. The type: up to `/`, a non-empty token.
    let type_ = collect(input, &mut position, |c| c != '/');
    if type_.is_empty() || !type_.chars().all(is_token_char) {
        return None;
    }
    // 5-6. There must be a `/`.
    if position >= input.len() {
        return None;
    }
    position += 1;
    // 7-9. The subtype: up to `;`, trailing whitespace removed, a non-empty token.
    let subtype = collect(input, &mut position, |c| c != ';');
    let subtype = subtype.trim_end_matches(is_http_whitespace);
    if subtype.is_empty() || !subtype.chars().all(is_token_char) {
        return None;
    }
    let mut mime = MimeType {
        type_: type_.to_ascii_lowercase(),
        subtype: subtype.to_ascii_lowercase(),
        parameters: Vec::new(),
    };
    // 11. Parameters: never a failure, bad ones are skipped.
    while position < input.len() {
        position += 1; // the `;`
        collect(input, &mut position, is_http_whitespace);
        let name = collect(input, &mut position, |c| c != ';' && c != '=').to_ascii_lowercase();
        if let Some(&c) = input.get(position) {
            if c == ';' {
                continue;
            }
            position += 1; // the `=`
        }
        if position >= input.len() {
            break;
        }
        let value = if input.get(position) == Some(&'"') {
            let value = collect_quoted_string(input, &mut position);
            collect(input, &mut position, |c| c != ';');
            value
        } else {
            let value = collect(input, &mut position, |c| c != ';');
            let value = value.trim_end_matches(is_http_whitespace).to_owned();
            if value.is_empty() {
                continue;
            }
            value
        };
        if !name.is_empty()
            && name.chars().all(is_token_char)
            && value.chars().all(is_quoted_string_token_char)
            && !mime.parameters.iter().any(|(n, _)| *n == name)
        {
            mime.parameters.push((name, value));
        }
    }
    Some(mime)
}

/// A run of ASCII digits, compared as the (arbitrarily large) number it spells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Digits<'a>(&'a [u8]);

impl Digits<'_> {
    fn significant(&self) -> &[u8] {
        let zeros = self.0.iter().take_while(|&&b| b == b'0').count();
        self.0.get(zeros..).unwrap_or_default()
    }

    /// Whether the number is below `i64::MAX` (Chromium's bound for a `Range` number,
    /// measured: `i64::MAX` itself needs a preflight).
    fn below_i64_max(&self) -> bool {
        let digits = self.significant();
        digits.len() < 19 || (digits.len() == 19 && digits < b"9223372036854775807".as_slice())
    }

    fn cmp_value(&self, other: &Digits<'_>) -> Ordering {
        let (a, b) = (self.significant(), other.significant());
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    }
}

/// What "parse a single range header value" returns: a start and an end, either of
/// which may be absent (never both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SingleRange<'a> {
    pub(crate) start: Option<Digits<'a>>,
    pub(crate) end: Option<Digits<'a>>,
}

/// Fetch's "parse a single range header value" (`#simple-range-header-value`).
pub(crate) fn parse_single_range(value: &[u8], allow_whitespace: bool) -> Option<SingleRange<'_>> {
    let mut position = 0;
    let take = |position: &mut usize, keep: &dyn Fn(u8) -> bool| {
        let start = *position;
        while value.get(*position).is_some_and(|&b| keep(b)) {
            *position += 1;
        }
        value.get(start..*position).unwrap_or_default()
    };
    let skip_whitespace = |position: &mut usize| {
        if allow_whitespace {
            take(position, &|b| b == b' ' || b == b'\t');
        }
    };
    let unit = take(&mut position, &|b| b.is_ascii_alphabetic());
    // The unit is matched byte for byte: `BYTES=0-` is not a simple range.
    if unit != b"bytes" {
        return None;
    }
    skip_whitespace(&mut position);
    if value.get(position) != Some(&b'=') {
        return None;
    }
    position += 1;
    skip_whitespace(&mut position);
    let start = take(&mut position, &|b| b.is_ascii_digit());
    skip_whitespace(&mut position);
    if value.get(position) != Some(&b'-') {
        return None;
    }
    position += 1;
    skip_whitespace(&mut position);
    let end = take(&mut position, &|b| b.is_ascii_digit());
    if position < value.len() {
        return None;
    }
    let start = (!start.is_empty()).then_some(Digits(start));
    let end = (!end.is_empty()).then_some(Digits(end));
    match (start, end) {
        (None, None) => None,
        (Some(s), Some(e)) if s.cmp_value(&e) == Ordering::Greater => None,
        _ => Some(SingleRange { start, end }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types_parse_as_the_standard_says() {
        let m = MimeType::parse("text/html;charset=\"shift_jis\"iso-2022-jp").unwrap();
        assert_eq!(m.essence(), "text/html");
        assert_eq!(m.parameter("charset"), Some("shift_jis"));
        let m = MimeType::parse("text/plain;charset=\"a\\\"b\\").unwrap();
        assert_eq!(m.parameter("charset"), Some("a\"b\\"));
        let m = MimeType::parse("text/plain;=x;a;b=;c= ;d=\"\"").unwrap();
        assert_eq!(m.parameters(), [("d".to_owned(), String::new())]);
        let m = MimeType::parse("text/plain;a=é").unwrap();
        assert_eq!(m.parameter("a"), Some("é"));
        let m = MimeType::parse("text/plain;a=\u{100}").unwrap();
        assert_eq!(m.parameter("a"), None);
        assert_eq!(
            MimeType::parse("text/plain ").unwrap().essence(),
            "text/plain"
        );
        assert_eq!(
            MimeType::parse("\ttext/plain\n").unwrap().essence(),
            "text/plain"
        );
        for bad in [
            "",
            "text",
            "text/",
            "/plain",
            "text /plain",
            "text/ plain",
            "te xt/plain",
            "text/plain,",
            "text/pl\u{e9}in",
            "\"text\"/plain",
        ] {
            assert!(MimeType::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn ranges_parse_as_fetch_says() {
        let r = parse_single_range(b"bytes=0-", false).unwrap();
        assert_eq!(r.start, Some(Digits(b"0")));
        assert_eq!(r.end, None);
        let r = parse_single_range(b"bytes=-5", false).unwrap();
        assert_eq!(r.start, None);
        assert!(parse_single_range(b"Bytes=-5", false).is_none());
        assert!(parse_single_range(b"BYTES=0-", false).is_none());
        assert!(parse_single_range(b"bytes=-", false).is_none());
        assert!(parse_single_range(b"bytes = 1 - 2", false).is_none());
        assert!(parse_single_range(b"bytes = 1 - 2", true).is_some());
        assert!(parse_single_range(b"bytes=2-1", false).is_none());
        assert!(parse_single_range(b"bytes=002-10", false).is_some());
        assert!(parse_single_range(b"bytes=10-0002", false).is_none());
        let huge = format!("bytes={}-{}", "9".repeat(100), "1".repeat(101));
        assert!(parse_single_range(huge.as_bytes(), false).is_some());
    }

    #[test]
    fn value_rules() {
        assert!(is_cors_safelisted_request_header(b"accept", b""));
        assert!(is_cors_safelisted_request_header(b"ACCEPT", &[b'a'; 128]));
        assert!(!is_cors_safelisted_request_header(b"accept", &[b'a'; 129]));
        assert!(is_cors_safelisted_request_header(
            b"content-language",
            b"en-US, fr;q=0.5 *"
        ));
        assert!(!is_cors_safelisted_request_header(
            b"content-language",
            b"en_US"
        ));
        assert!(!is_cors_safelisted_request_header(
            b"accept-language",
            b"\t"
        ));
        assert!(is_cors_safelisted_request_header(b"accept", b"\t"));
        assert!(!is_cors_safelisted_request_header(
            b"content-type",
            b"text/plain\x7f"
        ));
        assert!(is_cors_safelisted_request_header(
            b"content-type",
            b"APPLICATION/X-WWW-FORM-URLENCODED"
        ));
    }

    #[test]
    fn total_length_makes_safelisted_headers_unsafe() {
        let mut headers = HeaderMap::new();
        let long = "a".repeat(128);
        for name in ["accept", "accept-language", "content-language"] {
            headers.append(name, long.parse().unwrap());
        }
        assert!(cors_unsafe_request_header_names(&headers).is_empty());
        for _ in 0..5 {
            headers.append("accept", long.parse().unwrap());
        }
        // 8 × 128 = 1024: not over.
        assert!(cors_unsafe_request_header_names(&headers).is_empty());
        headers.append("content-type", "text/plain".parse().unwrap());
        assert_eq!(
            cors_unsafe_request_header_names(&headers),
            [
                "accept",
                "accept-language",
                "content-language",
                "content-type"
            ]
        );
    }
}
