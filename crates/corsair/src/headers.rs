//! Header names: the sets a policy declares, the bounded check of
//! `Access-Control-Request-Headers`, and `Vary` merging.

use http::header::{HeaderValue, VARY};

use crate::method::{is_tchar, is_token};
use crate::response::ResponseHeaders;

/// Under `allow_headers = ["*"]`, the longest `Access-Control-Request-Headers` (all lines
/// together) that corsair reads. Browsers send names only, so this is about two hundred
/// header names; past it the preflight is refused without reading the value.
pub(crate) const MAX_WILDCARD_REQUEST_HEADERS_LEN: usize = 4096;

/// The request headers a policy allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AllowedHeaders {
    /// `*`: every name; `authorization` only when listed too, as Fetch never lets `*`
    /// cover it (`#cors-non-wildcard-request-header-name`).
    Any { authorization: bool },
    /// These lowercase names, sorted.
    List(NameSet),
}

/// A sorted set of lowercase header names, searched without allocating.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct NameSet {
    names: Vec<Box<str>>,
    /// What a valid `Access-Control-Request-Headers` can weigh at most: every name once,
    /// each with a comma and a little whitespace.
    max_request_len: usize,
}

impl NameSet {
    pub(crate) fn new(mut names: Vec<String>) -> Self {
        for n in &mut names {
            n.make_ascii_lowercase();
        }
        names.sort();
        names.dedup();
        let max_request_len = names.iter().map(|n| n.len() + 3).sum::<usize>() + 32;
        NameSet {
            names: names.into_iter().map(String::into_boxed_str).collect(),
            max_request_len,
        }
    }

    /// Case-insensitive membership.
    pub(crate) fn contains(&self, name: &[u8]) -> bool {
        self.names
            .binary_search_by(|probe| {
                let probe = probe.as_bytes();
                probe
                    .iter()
                    .copied()
                    .cmp(name.iter().map(u8::to_ascii_lowercase))
            })
            .is_ok()
    }

    /// Membership of a name known to be lowercase: a byte comparison, linear for
    /// the few names most policies list.
    fn contains_lowercase(&self, name: &[u8]) -> bool {
        if self.names.len() <= 8 {
            self.names.iter().any(|n| n.as_bytes() == name)
        } else {
            self.names
                .binary_search_by(|probe| probe.as_bytes().cmp(name))
                .is_ok()
        }
    }
}

/// The outcome of checking `Access-Control-Request-Headers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeadersCheck<'r> {
    /// Every name is allowed.
    Allowed {
        /// How many names were requested (zero: no `Access-Control-Allow-Headers` needed).
        names: usize,
        /// Whether the single request line is already the lowercase, comma-joined list
        /// that can be echoed as it is (browsers always send that form).
        echo_as_is: bool,
    },
    /// This name is not allowed.
    NotAllowed(&'r str),
    /// Not a comma-separated list of header names.
    Malformed,
    /// Longer than any valid list could be under this policy.
    TooLong,
}

impl AllowedHeaders {
    /// The most bytes a valid request list can have; anything longer is refused before it
    /// is read, so the cost of the check is set by the policy, not by the request.
    fn max_request_len(&self) -> usize {
        match self {
            AllowedHeaders::Any { .. } => MAX_WILDCARD_REQUEST_HEADERS_LEN,
            AllowedHeaders::List(set) => set.max_request_len,
        }
    }

    /// Whether lines of these lengths, added up, are within what a valid list can weigh
    /// under this policy ([`AllowedHeaders::check`] checks it too); stops at the first
    /// line past the limit.
    pub(crate) fn fits<'r>(&self, lines: impl Iterator<Item = &'r [u8]>) -> bool {
        let max = self.max_request_len();
        let mut total = 0usize;
        for line in lines {
            total += line.len();
            if total > max {
                return false;
            }
        }
        true
    }

    /// Whether the name is allowed; `lowercase` says it has no uppercase letter.
    fn allows(&self, name: &[u8], lowercase: bool) -> bool {
        match self {
            AllowedHeaders::Any { authorization } => {
                *authorization || !name.eq_ignore_ascii_case(b"authorization")
            }
            AllowedHeaders::List(set) if lowercase => set.contains_lowercase(name),
            AllowedHeaders::List(set) => set.contains(name),
        }
    }

    /// Checks every name of the `Access-Control-Request-Headers` lines. Optional
    /// whitespace, empty elements and several lines are accepted; names compare
    /// case-insensitively.
    ///
    /// `lines` yields the header's lines; it is called twice (length first, then names).
    pub(crate) fn check<'r, I>(&self, lines: impl Fn() -> I) -> HeadersCheck<'r>
    where
        I: Iterator<Item = &'r [u8]>,
    {
        let mut total = 0;
        let mut count = 0;
        for line in lines() {
            total += line.len();
            count += 1;
            if total > self.max_request_len() {
                return HeadersCheck::TooLong;
            }
        }
        let mut names = 0;
        let mut echo_as_is = count == 1;
        for line in lines() {
            for element in line.split(|&b| b == b',') {
                let name = trim_ows(element);
                if name.len() != element.len() || name.is_empty() {
                    echo_as_is = false;
                }
                if name.is_empty() {
                    continue;
                }
                // One pass: every byte a token character, and whether any is uppercase.
                let (mut all, mut any) = (TCHAR, 0);
                for &b in name {
                    let class = NAME_CLASS[usize::from(b)];
                    all &= class;
                    any |= class;
                }
                if all & TCHAR == 0 {
                    return HeadersCheck::Malformed;
                }
                let lowercase = any & UPPER == 0;
                if !self.allows(name, lowercase) {
                    // Tokens are ASCII, so this is valid UTF-8.
                    return HeadersCheck::NotAllowed(std::str::from_utf8(name).unwrap_or(""));
                }
                if !lowercase {
                    echo_as_is = false;
                }
                names += 1;
            }
        }
        HeadersCheck::Allowed {
            names,
            echo_as_is: echo_as_is && names > 0,
        }
    }
}

const TCHAR: u8 = 1;
const UPPER: u8 = 2;

/// Token characters (RFC 9110) and uppercase letters, one lookup a byte.
const NAME_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if is_tchar(c) {
            t[b] |= TCHAR;
        }
        if c.is_ascii_uppercase() {
            t[b] |= UPPER;
        }
        b += 1;
    }
    t
};

fn trim_ows(bytes: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !is_ows(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// The request names, lowercased and comma-joined, for the rare request that does not
/// send them that way already. Only called after [`AllowedHeaders::check`] succeeded.
pub(crate) fn normalized_list<'r>(lines: impl Iterator<Item = &'r [u8]>) -> Option<HeaderValue> {
    let mut out = Vec::new();
    for line in lines {
        for element in line.split(|&b| b == b',') {
            let name = trim_ows(element);
            if !name.is_empty() {
                if !out.is_empty() {
                    out.push(b',');
                }
                out.extend(name.iter().map(u8::to_ascii_lowercase));
            }
        }
    }
    HeaderValue::from_bytes(&out).ok()
}

/// Whether a name is a valid header name (an RFC 9110 token).
pub(crate) fn is_valid_name(name: &str) -> bool {
    is_token(name.as_bytes())
}

/// The Fetch Standard's forbidden request-header names (`#forbidden-request-header`),
/// lowercase. Shared by the engine's validation and the browser model.
pub(crate) const FORBIDDEN_REQUEST_HEADERS: [&str; 21] = [
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
];

/// Whether a lowercase name is forbidden by Fetch: one of the list, or a `proxy-` or
/// `sec-` name.
pub(crate) fn is_fetch_forbidden_name(lower: &str) -> bool {
    FORBIDDEN_REQUEST_HEADERS.contains(&lower)
        || lower.starts_with("proxy-")
        || lower.starts_with("sec-")
}

/// Whether a name is a forbidden request header (Fetch's list, `proxy-*`, `sec-*`):
/// browsers set these themselves and never let a script set them, so allowing them
/// is a mistake.
pub(crate) fn is_forbidden_request_header(name: &str) -> bool {
    is_fetch_forbidden_name(&name.to_ascii_lowercase())
}

/// What a header name of the CORS protocol (Fetch, "HTTP requests" and "HTTP
/// responses" of the CORS protocol, and the Private Network Access draft) is, for the
/// names that make no sense in `allow_headers` or `expose_headers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CorsProtocolHeader {
    /// `Origin` and `Access-Control-Request-*`: what a browser sends about a CORS
    /// request, never a response header.
    Request,
    /// `Access-Control-Allow-Methods`, `-Allow-Headers`, `-Max-Age`,
    /// `-Allow-Private-Network`: answers to a preflight, whose response scripts never
    /// see.
    PreflightResponse,
    /// `Access-Control-Allow-Origin`, `-Allow-Credentials`, `-Expose-Headers` and any
    /// other `Access-Control-Allow-*`: what the CORS layer itself sets on responses.
    Response,
}

/// Classifies a name of the CORS protocol; `None` for every other name. `Origin` and the
/// whole `Access-Control-*` family are covered.
pub(crate) fn cors_protocol_header(name: &str) -> Option<CorsProtocolHeader> {
    let lower = name.to_ascii_lowercase();
    if lower == "origin" || lower.starts_with("access-control-request-") {
        return Some(CorsProtocolHeader::Request);
    }
    match lower.as_str() {
        "access-control-allow-methods"
        | "access-control-allow-headers"
        | "access-control-max-age"
        | "access-control-allow-private-network" => Some(CorsProtocolHeader::PreflightResponse),
        _ if lower.starts_with("access-control-") => Some(CorsProtocolHeader::Response),
        _ => None,
    }
}

/// `Set-Cookie` and `Set-Cookie2`, which browsers never expose to scripts.
pub(crate) fn is_forbidden_response_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("set-cookie") || name.eq_ignore_ascii_case("set-cookie2")
}

/// Response headers that scripts can always read (`#cors-safelisted-response-header-name`).
pub(crate) fn is_safelisted_response_header(name: &str) -> bool {
    [
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    ]
    .iter()
    .any(|s| s.eq_ignore_ascii_case(name))
}

/// The request headers that a CORS answer can depend on, as a small set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vary(u8);

/// The header value of a [`Vary`] set, as a constant of a header value type with a
/// `const fn from_static` (`http` 1, or actix-web's `http` 0.2): each of the 16 values
/// is checked at compile time rather than on every response.
macro_rules! vary_value {
    ($vary:expr, $value:ty) => {
        vary_value!(@arms $vary, $value, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
    };
    (@arms $vary:expr, $value:ty, $($i:literal)*) => {
        match $vary.0 & 15 {
            $($i => const { <$value>::from_static(Vary::VALUES[$i]) },)*
            _ => <$value>::from_static(""),
        }
    };
}

impl Vary {
    /// No request header.
    pub const NONE: Vary = Vary(0);
    /// `Origin`.
    pub const ORIGIN: Vary = Vary(1);
    /// `Access-Control-Request-Method`.
    pub const REQUEST_METHOD: Vary = Vary(2);
    /// `Access-Control-Request-Headers`.
    pub const REQUEST_HEADERS: Vary = Vary(4);
    /// `Access-Control-Request-Private-Network`.
    pub const REQUEST_PRIVATE_NETWORK: Vary = Vary(8);

    const NAMES: [&'static str; 4] = [
        "Origin",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
        "Access-Control-Request-Private-Network",
    ];

    /// Every combination, comma-joined in a fixed order, so that a `Vary` value never
    /// has to be built per request.
    const VALUES: [&'static str; 16] = [
        "",
        "Origin",
        "Access-Control-Request-Method",
        "Origin, Access-Control-Request-Method",
        "Access-Control-Request-Headers",
        "Origin, Access-Control-Request-Headers",
        "Access-Control-Request-Method, Access-Control-Request-Headers",
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        "Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Private-Network",
        "Access-Control-Request-Method, Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Method, Access-Control-Request-Private-Network",
        "Access-Control-Request-Headers, Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
        "Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
    ];

    /// Both sets together.
    ///
    /// ```
    /// use corsair::Vary;
    /// let v = Vary::ORIGIN.union(Vary::REQUEST_METHOD);
    /// assert!(v.contains(Vary::ORIGIN) && v.contains(Vary::REQUEST_METHOD));
    /// ```
    #[must_use]
    pub const fn union(self, other: Vary) -> Vary {
        Vary(self.0 | other.0)
    }

    /// Whether every header of `other` is in this set.
    ///
    /// ```
    /// assert!(!corsair::Vary::NONE.contains(corsair::Vary::ORIGIN));
    /// ```
    pub const fn contains(self, other: Vary) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether the set is empty.
    ///
    /// ```
    /// assert!(corsair::Vary::NONE.is_empty());
    /// ```
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The `Vary` value for this set, such as `Origin, Access-Control-Request-Method`.
    ///
    /// ```
    /// assert_eq!(corsair::Vary::ORIGIN.as_str(), "Origin");
    /// ```
    pub const fn as_str(self) -> &'static str {
        Self::VALUES[(self.0 & 15) as usize]
    }

    /// [`Vary::as_str`] as a header value, checked at compile time rather than on
    /// every response.
    pub(crate) fn header_value(self) -> HeaderValue {
        vary_value!(self, HeaderValue)
    }

    /// [`Vary::header_value`] for actix-web.
    #[cfg(feature = "actix")]
    pub(crate) fn actix_value(self) -> actix_web::http::header::HeaderValue {
        vary_value!(self, actix_web::http::header::HeaderValue)
    }

    fn without(self, other: Vary) -> Vary {
        Vary(self.0 & !other.0)
    }

    /// Adds the set to a response's `Vary`, token by token: names already there
    /// (in any case) are not repeated, and `Vary: *` is left alone. When the response
    /// has no `Vary` yet, nothing is allocated.
    pub(crate) fn merge_into<M: ResponseHeaders + ?Sized>(self, headers: &mut M) {
        if self.is_empty() {
            return;
        }
        // The usual case, a response without Vary: one lookup.
        if headers.set_if_absent(VARY, self.header_value()) {
            return;
        }
        let mut missing = self;
        let mut existing = false;
        let mut any = false;
        headers.for_each_value(&VARY, &mut |value| {
            existing = true;
            for token in value.split(|&b| b == b',') {
                let token = trim_ows(token);
                if token == b"*" {
                    any = true;
                }
                for (bit, name) in Self::NAMES.iter().enumerate() {
                    if token.eq_ignore_ascii_case(name.as_bytes()) {
                        missing = missing.without(Vary(1 << bit));
                    }
                }
            }
        });
        if any || missing.is_empty() {
            return;
        }
        if !existing {
            // A map whose `set_if_absent` found a value that `for_each_value` does not
            // show: set ours, as for an empty one.
            headers.set(VARY, missing.header_value());
            return;
        }
        let mut merged = Vec::new();
        headers.for_each_value(&VARY, &mut |value| {
            let value = trim_ows(value);
            if !value.is_empty() {
                merged.extend_from_slice(value);
                merged.extend_from_slice(b", ");
            }
        });
        merged.extend_from_slice(missing.as_str().as_bytes());
        if let Ok(value) = HeaderValue::from_bytes(&merged) {
            headers.set(VARY, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn check<'r>(allowed: &AllowedHeaders, lines: &[&'r [u8]]) -> HeadersCheck<'r> {
        allowed.check(|| lines.iter().copied())
    }

    fn list(names: &[&str]) -> AllowedHeaders {
        AllowedHeaders::List(NameSet::new(names.iter().map(|s| s.to_string()).collect()))
    }

    #[test]
    fn list_check_is_case_insensitive_and_tolerant() {
        let allowed = list(&["Content-Type", "x-request-id", "authorization"]);
        assert_eq!(
            check(&allowed, &[b"content-type,x-request-id"]),
            HeadersCheck::Allowed {
                names: 2,
                echo_as_is: true
            }
        );
        assert_eq!(
            check(&allowed, &[b"X-Request-ID , Content-Type"]),
            HeadersCheck::Allowed {
                names: 2,
                echo_as_is: false
            }
        );
        assert_eq!(
            check(&allowed, &[b"content-type", b"authorization"]),
            HeadersCheck::Allowed {
                names: 2,
                echo_as_is: false
            }
        );
        assert_eq!(
            check(&allowed, &[b",,content-type,"]),
            HeadersCheck::Allowed {
                names: 1,
                echo_as_is: false
            }
        );
        assert_eq!(
            check(&allowed, &[b""]),
            HeadersCheck::Allowed {
                names: 0,
                echo_as_is: false
            }
        );
        assert_eq!(
            check(&allowed, &[b"content-type,x-foo"]),
            HeadersCheck::NotAllowed("x-foo")
        );
        assert_eq!(check(&allowed, &[b"content type"]), HeadersCheck::Malformed);
        assert_eq!(
            check(&allowed, &[b"content-type;x"]),
            HeadersCheck::Malformed
        );
    }

    #[test]
    fn list_check_is_bounded_by_the_policy() {
        let allowed = list(&["a", "b"]);
        let commas = vec![b','; 1024];
        assert_eq!(check(&allowed, &[&commas]), HeadersCheck::TooLong);
        let huge = vec![b'a'; 65536];
        assert_eq!(check(&allowed, &[&huge]), HeadersCheck::TooLong);
    }

    #[test]
    fn wildcard_never_covers_authorization_alone() {
        let any = AllowedHeaders::Any {
            authorization: false,
        };
        assert_eq!(
            check(&any, &[b"x-anything,x-else"]),
            HeadersCheck::Allowed {
                names: 2,
                echo_as_is: true
            }
        );
        assert_eq!(
            check(&any, &[b"authorization,x-a"]),
            HeadersCheck::NotAllowed("authorization")
        );
        let any = AllowedHeaders::Any {
            authorization: true,
        };
        assert_eq!(
            check(&any, &[b"Authorization"]),
            HeadersCheck::Allowed {
                names: 1,
                echo_as_is: false
            }
        );
        let long = vec![b'a'; MAX_WILDCARD_REQUEST_HEADERS_LEN + 1];
        assert_eq!(check(&any, &[&long]), HeadersCheck::TooLong);
    }

    #[test]
    fn normalizes_for_echo() {
        let v = normalized_list([&b" X-A ,"[..], b"x-B"].into_iter()).unwrap();
        assert_eq!(v, "x-a,x-b");
    }

    #[test]
    fn forbidden_names() {
        for n in [
            "Cookie",
            "sec-fetch-mode",
            "Proxy-Authorization",
            "origin",
            "Host",
        ] {
            assert!(is_forbidden_request_header(n), "{n}");
        }
        // Fetch does not forbid the CORS response headers as request headers: a script
        // can send them (to no effect), so they are not forbidden request headers.
        for n in [
            "authorization",
            "content-type",
            "x-requested-with",
            "access-control-allow-origin",
            "access-control-allow-credentials",
            "access-control-request-private-network",
        ] {
            assert!(!is_forbidden_request_header(n), "{n}");
        }
    }

    #[test]
    fn cors_protocol_names() {
        use CorsProtocolHeader::*;
        for (n, what) in [
            ("Origin", Some(Request)),
            ("access-control-request-method", Some(Request)),
            ("Access-Control-Request-Headers", Some(Request)),
            ("access-control-request-private-network", Some(Request)),
            ("access-control-allow-methods", Some(PreflightResponse)),
            ("access-control-allow-headers", Some(PreflightResponse)),
            ("access-control-max-age", Some(PreflightResponse)),
            (
                "access-control-allow-private-network",
                Some(PreflightResponse),
            ),
            ("access-control-allow-origin", Some(Response)),
            ("Access-Control-Allow-Credentials", Some(Response)),
            ("access-control-expose-headers", Some(Response)),
            ("x-access-control-allow-origin", None),
            ("originator", None),
            ("etag", None),
        ] {
            assert_eq!(cors_protocol_header(n), what, "{n}");
        }
    }

    #[test]
    fn vary_merges_token_by_token() {
        let mut h = HeaderMap::new();
        Vary::ORIGIN.merge_into(&mut h);
        assert_eq!(h[VARY], "Origin");

        let mut h = HeaderMap::new();
        h.insert(VARY, HeaderValue::from_static("accept-encoding"));
        Vary::ORIGIN.union(Vary::REQUEST_METHOD).merge_into(&mut h);
        assert_eq!(
            h[VARY],
            "accept-encoding, Origin, Access-Control-Request-Method"
        );

        let mut h = HeaderMap::new();
        h.insert(VARY, HeaderValue::from_static("origin"));
        Vary::ORIGIN.merge_into(&mut h);
        assert_eq!(h.get_all(VARY).iter().count(), 1);
        assert_eq!(h[VARY], "origin");

        let mut h = HeaderMap::new();
        h.insert(VARY, HeaderValue::from_static("*"));
        Vary::ORIGIN.merge_into(&mut h);
        assert_eq!(h[VARY], "*");

        let mut h = HeaderMap::new();
        h.append(VARY, HeaderValue::from_static("Accept"));
        h.append(VARY, HeaderValue::from_static("Origin"));
        Vary::ORIGIN.union(Vary::REQUEST_HEADERS).merge_into(&mut h);
        assert_eq!(h.get_all(VARY).iter().count(), 1);
        assert_eq!(h[VARY], "Accept, Origin, Access-Control-Request-Headers");
    }
}
