//! Origins: the strict parser for the `Origin` request header, the patterns a policy
//! declares, and the matcher that compares the two.
//!
//! A request's origin is parsed against the Fetch Standard's `serialized-origin`
//! grammar before anything is compared: lowercase scheme and host, no path, no
//! userinfo, a port of one to five digits. Anything else (uppercase, a trailing
//! slash, `%60`, CR/LF, several values) is *malformed* and never allowed. Matching
//! is then structural: scheme, host (exactly, or by whole labels for `*.` patterns)
//! and port; never prefixes, suffixes or substrings of the raw string.

mod matcher;
mod pattern;
#[cfg(feature = "regex")]
pub(crate) mod regex_safety;

pub(crate) use matcher::{OriginMatcher, OriginPredicate};
pub(crate) use pattern::{AllowedOrigin, HostPattern, OriginPattern, PortPattern, parse_allowed};

/// The longest scheme accepted, as in jub0bs/cors: 64 bytes.
const MAX_SCHEME_LEN: usize = 64;
/// The longest host, without the trailing dot of a fully qualified name: 253 bytes.
///
/// This is corsair's bound, and not a rule of browsers: the URL Standard's "domain to
/// ASCII" runs UTS #46 with VerifyDnsLength false (beStrict is false for URLs), so
/// browsers enforce neither DNS's 63-byte label limit nor its 253-byte name limit, and
/// they load pages from hosts that need no DNS lookup (`*.localhost`, which they
/// resolve themselves, a hosts file, a proxy). Labels are therefore not limited; a
/// host over 253 bytes, which no DNS name is, is refused by the request parser and by
/// the policy parser alike, so that the request parser's work stays bounded and every
/// host a policy accepts is one the request parser accepts.
pub(crate) const MAX_HOST_LEN: usize = 253;
/// The longest serialized origin: scheme, `://`, host, `:` and a five-digit port.
pub(crate) const MAX_ORIGIN_LEN: usize = MAX_SCHEME_LEN + 3 + MAX_HOST_LEN + 1 + 5;

/// A request's origin, validated against the `serialized-origin` grammar.
///
/// Borrowed from the request; parsing allocates nothing. This is what an origin
/// predicate receives (see
/// [`Config::allow_origin_predicate`](crate::Config::allow_origin_predicate)).
///
/// ```
/// use corsair::OriginRef;
/// let origin = OriginRef::parse("https://app.example.com:8443").unwrap();
/// assert_eq!(origin.scheme(), "https");
/// assert_eq!(origin.host(), "app.example.com");
/// assert_eq!(origin.port(), Some(8443));
/// assert_eq!(origin.as_str(), "https://app.example.com:8443");
/// assert!(OriginRef::parse("https://App.example.com").is_none());
/// assert!(OriginRef::parse("null").is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OriginRef<'a> {
    serialized: &'a str,
    scheme: &'a str,
    host: &'a str,
    port: Option<u16>,
}

impl<'a> OriginRef<'a> {
    /// Parses a serialized origin, strictly. `null` and anything a browser would not
    /// send give `None`.
    ///
    /// ```
    /// assert!(corsair::OriginRef::parse("http://[::1]:3000").is_some());
    /// assert!(corsair::OriginRef::parse("https://example.com/").is_none());
    /// ```
    pub fn parse(serialized: &'a str) -> Option<Self> {
        TupleOrigin::parse(serialized.as_bytes()).map(|parts| OriginRef {
            serialized,
            scheme: serialized.get(..parts.scheme_end).unwrap_or_default(),
            host: serialized
                .get(parts.host_start..parts.host_end)
                .unwrap_or_default(),
            port: parts.port,
        })
    }

    /// The whole origin, exactly as the request sent it.
    ///
    /// ```
    /// assert_eq!(corsair::OriginRef::parse("http://localhost:8080").unwrap().as_str(), "http://localhost:8080");
    /// ```
    pub fn as_str(&self) -> &'a str {
        self.serialized
    }

    /// The scheme, such as `https`.
    ///
    /// ```
    /// assert_eq!(corsair::OriginRef::parse("http://localhost").unwrap().scheme(), "http");
    /// ```
    pub fn scheme(&self) -> &'a str {
        self.scheme
    }

    /// The host: a domain (punycode), an IPv4 address, or an IPv6 address in brackets.
    ///
    /// ```
    /// assert_eq!(corsair::OriginRef::parse("http://[::1]:8080").unwrap().host(), "[::1]");
    /// ```
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The port, when the origin names one (browsers leave out the scheme's default).
    ///
    /// ```
    /// assert_eq!(corsair::OriginRef::parse("https://example.com").unwrap().port(), None);
    /// ```
    pub fn port(&self) -> Option<u16> {
        self.port
    }
}

/// What the `Origin` header of a request holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestOrigin<'a> {
    /// The opaque origin, serialized as `null`.
    Null,
    /// A scheme, host and port.
    Tuple(TupleOrigin<'a>),
}

impl<'a> RequestOrigin<'a> {
    /// Parses the value of an `Origin` header; `None` when it is malformed.
    pub(crate) fn parse(value: &'a [u8]) -> Option<Self> {
        if value == b"null" {
            return Some(RequestOrigin::Null);
        }
        // One pass over the bytes: the grammar only admits ASCII, so a value that
        // passes it is valid UTF-8 too, and no separate UTF-8 check is needed.
        TupleOrigin::parse(value).map(RequestOrigin::Tuple)
    }
}

/// A request's tuple origin, validated, as byte ranges of the header value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TupleOrigin<'a> {
    pub(crate) bytes: &'a [u8],
    scheme_end: usize,
    host_start: usize,
    host_end: usize,
    pub(crate) port: Option<u16>,
}

impl<'a> TupleOrigin<'a> {
    /// The `serialized-origin` grammar of the Fetch Standard, in one pass: lowercase
    /// scheme, `://`, a lowercase domain, dotted-quad IPv4 or bracketed IPv6, and an
    /// optional port of one to five digits without a leading zero, which is not the
    /// scheme's default.
    pub(crate) fn parse(bytes: &'a [u8]) -> Option<Self> {
        if bytes.len() > MAX_ORIGIN_LEN {
            return None;
        }
        let scheme_end = scheme_len(bytes)?;
        if bytes.get(scheme_end..scheme_end + 3)? != b"://" {
            return None;
        }
        let host_start = scheme_end + 3;
        let rest = &bytes[host_start..];
        let host_end = host_start
            + if rest.first() == Some(&b'[') {
                ipv6_len(rest)?
            } else {
                domain_len(rest)?
            };
        let port = match &bytes[host_end..] {
            [] => None,
            [b':', digits @ ..] => Some(parse_port(digits)?),
            _ => return None,
        };
        // Serializing an origin leaves out the scheme's default port: a browser never
        // sends `https://example.com:443`.
        if port.is_some() && port == default_port_of(&bytes[..scheme_end]) {
            return None;
        }
        Some(TupleOrigin {
            bytes,
            scheme_end,
            host_start,
            host_end,
            port,
        })
    }

    pub(crate) fn scheme(&self) -> &'a [u8] {
        &self.bytes[..self.scheme_end]
    }

    pub(crate) fn host(&self) -> &'a [u8] {
        &self.bytes[self.host_start..self.host_end]
    }

    /// The public view, for predicates and regexes. The grammar only admits ASCII, so
    /// the conversion cannot fail.
    pub(crate) fn origin_ref(&self) -> Option<OriginRef<'a>> {
        let serialized = std::str::from_utf8(self.bytes).ok()?;
        Some(OriginRef {
            serialized,
            scheme: serialized.get(..self.scheme_end)?,
            host: serialized.get(self.host_start..self.host_end)?,
            port: self.port,
        })
    }
}

/// The URL Standard's "ends in a number" for a host's last label (lowercase, without
/// the trailing dot): all digits, or `0x` and hexadecimal digits. Such a host is an
/// IPv4 address to a browser; `a.1a` and `a.0xg` are domains.
pub(crate) fn ends_in_a_number(last_label: &[u8]) -> bool {
    match last_label.strip_prefix(b"0x") {
        Some(hex) => hex.iter().all(u8::is_ascii_hexdigit),
        None => !last_label.is_empty() && last_label.iter().all(u8::is_ascii_digit),
    }
}

/// Whether a host that ends in a number is what a browser sends for it: a canonical
/// dotted quad (no leading zero, each part at most 255), without a trailing dot.
#[cold]
fn is_canonical_ipv4(host: &[u8]) -> bool {
    let mut parts = 0;
    for part in host.split(|&b| b == b'.') {
        parts += 1;
        let canonical = match part {
            [b'0'] => true,
            [b'1'..=b'9', rest @ ..] if rest.len() <= 2 => {
                rest.iter().all(u8::is_ascii_digit)
                    && part.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0')) <= 255
            }
            _ => false,
        };
        if !canonical || parts > 4 {
            return false;
        }
    }
    parts == 4
}

/// Whether `bytes` are one or more dot-separated, non-empty labels of domain
/// characters, as in a host the strict parser accepts (no trailing dot).
pub(crate) fn is_labels(bytes: &[u8]) -> bool {
    let mut label = 0;
    for &b in bytes {
        if CLASS[usize::from(b)] & DOMAIN != 0 {
            label += 1;
        } else if b == b'.' && label > 0 {
            label = 0;
        } else {
            return false;
        }
    }
    label > 0
}

const SCHEME: u8 = 1;
const DOMAIN: u8 = 2;
const IPV6: u8 = 4;

/// The character classes of the grammar, one table lookup a byte.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'+' || c == b'-' || c == b'.' {
            t[b] |= SCHEME;
        }
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_' {
            t[b] |= DOMAIN;
        }
        if c.is_ascii_digit() || matches!(c, b'a'..=b'f') || c == b':' || c == b'.' {
            t[b] |= IPV6;
        }
        b += 1;
    }
    t
};

pub(crate) fn is_scheme(bytes: &[u8]) -> bool {
    matches!(bytes.first(), Some(b'a'..=b'z'))
        && bytes.len() <= MAX_SCHEME_LEN
        && bytes
            .iter()
            .all(|&b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'+' | b'-' | b'.'))
}

/// The length of the scheme at the start of `bytes`: a lowercase letter, then scheme
/// characters up to the first `:`, at most [`MAX_SCHEME_LEN`] bytes.
fn scheme_len(bytes: &[u8]) -> Option<usize> {
    if !matches!(bytes.first(), Some(b'a'..=b'z')) {
        return None;
    }
    // `https` and `http` (valid schemes, the first `:` right after them) without the
    // loop.
    let mut end = if bytes.starts_with(b"https:") {
        5
    } else if bytes.starts_with(b"http:") {
        4
    } else {
        1
    };
    while end < bytes.len() && CLASS[usize::from(bytes[end])] & SCHEME != 0 {
        end += 1;
    }
    (end <= MAX_SCHEME_LEN).then_some(end)
}

/// The length of the bracketed IPv6 host at the start of `rest`: `[`, 2 to 39 IPv6
/// characters, `]`.
fn ipv6_len(rest: &[u8]) -> Option<usize> {
    let close = rest
        .iter()
        .skip(1)
        .position(|&b| CLASS[usize::from(b)] & IPV6 == 0)?
        + 1;
    if rest[close] != b']' || !(2..=39).contains(&(close - 1)) {
        return None;
    }
    Some(close + 1)
}

/// The length of the domain or IPv4 host at the start of `rest`: labels of domain
/// characters separated by dots, not empty; one trailing dot tolerated (browsers keep it
/// in the origin); at most [`MAX_HOST_LEN`] bytes without it (see there: labels have no
/// length limit of their own). A host whose last label is a number must be a
/// dotted-quad IPv4 address.
fn domain_len(rest: &[u8]) -> Option<usize> {
    let n = rest.len();
    let mut j = 0;
    let mut label_start = 0;
    let mut previous_start = 0;
    loop {
        while j < n && CLASS[usize::from(rest[j])] & DOMAIN != 0 {
            j += 1;
        }
        if j < n && rest[j] == b'.' {
            if j == label_start {
                return None;
            }
            j += 1;
            previous_start = label_start;
            label_start = j;
            continue;
        }
        // The end, or the port's `:`, ends the host (anything else is checked by the
        // caller: it is not allowed after a host either).
        break;
    }
    let end = j;
    let trailing_dot = end == label_start && end > 0;
    let len = end - usize::from(trailing_dot);
    if len == 0 || len > MAX_HOST_LEN {
        return None;
    }
    // A host whose last label is a number is an IPv4 address to a browser (the URL
    // Standard's "ends in a number"), which it serializes as a dotted quad: anything
    // else in that form is never sent.
    let last = if trailing_dot {
        previous_start
    } else {
        label_start
    };
    if rest[last].is_ascii_digit()
        && ends_in_a_number(&rest[last..len])
        && !is_canonical_ipv4(&rest[..end])
    {
        return None;
    }
    Some(end)
}

fn parse_port(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || digits[0] == b'0' {
        return None;
    }
    let mut value: u32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(d - b'0');
    }
    u16::try_from(value).ok()
}

/// The default port of the schemes that have one (the URL Standard's special schemes),
/// which a serialized origin omits. Public as `corsair::fetch::default_port`.
///
/// ```
/// use corsair::fetch::default_port;
/// assert_eq!(default_port("https"), Some(443));
/// assert_eq!(default_port("http"), Some(80));
/// assert_eq!(default_port("file"), None);
/// ```
pub fn default_port(scheme: &str) -> Option<u16> {
    default_port_of(scheme.as_bytes())
}

fn default_port_of(scheme: &[u8]) -> Option<u16> {
    match scheme {
        b"http" | b"ws" => Some(80),
        b"https" | b"wss" => Some(443),
        b"ftp" => Some(21),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parser before it was fused into one pass, kept as the reference of the
    /// differential test below.
    mod reference {
        use super::super::{MAX_HOST_LEN, MAX_ORIGIN_LEN, default_port, is_scheme, parse_port};

        pub(super) fn parse(bytes: &[u8]) -> Option<(usize, usize, usize, Option<u16>)> {
            if bytes == b"null" {
                return None;
            }
            let _ = std::str::from_utf8(bytes).ok()?;
            if bytes.len() > MAX_ORIGIN_LEN {
                return None;
            }
            let scheme_end = bytes.iter().position(|&b| b == b':')?;
            if !is_scheme(&bytes[..scheme_end]) || bytes.get(scheme_end..scheme_end + 3)? != b"://"
            {
                return None;
            }
            let host_start = scheme_end + 3;
            let rest = &bytes[host_start..];
            let host_len = if rest.first() == Some(&b'[') {
                let close = rest.iter().position(|&b| b == b']')?;
                if !is_ipv6_literal(&rest[1..close]) {
                    return None;
                }
                close + 1
            } else {
                let len = rest.iter().position(|&b| b == b':').unwrap_or(rest.len());
                if !is_domain(&rest[..len]) {
                    return None;
                }
                len
            };
            let host_end = host_start + host_len;
            let port = match &bytes[host_end..] {
                [] => None,
                [b':', digits @ ..] => Some(parse_port(digits)?),
                _ => return None,
            };
            let scheme = std::str::from_utf8(&bytes[..scheme_end]).ok()?;
            if port.is_some() && port == default_port(scheme) {
                return None;
            }
            Some((scheme_end, host_start, host_end, port))
        }

        /// Lowercase DNS-like names: non-empty labels of `a-z 0-9 - _`, at most 253
        /// bytes, one trailing dot tolerated (browsers keep it in the origin); a name
        /// that ends in a number only as a canonical dotted quad without that dot.
        fn is_domain(bytes: &[u8]) -> bool {
            let bare = bytes.strip_suffix(b".").unwrap_or(bytes);
            let labels_ok = !bare.is_empty()
                && bare.len() <= MAX_HOST_LEN
                && bare.split(|&b| b == b'.').all(|label| {
                    !label.is_empty()
                        && label
                            .iter()
                            .all(|&b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_'))
                });
            if !labels_ok {
                return false;
            }
            let last = bare.rsplit(|&b| b == b'.').next().unwrap_or_default();
            let is_number = last.iter().all(u8::is_ascii_digit)
                || last
                    .strip_prefix(b"0x")
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            if !is_number {
                return true;
            }
            std::str::from_utf8(bytes)
                .ok()
                .and_then(|s| s.parse::<std::net::Ipv4Addr>().ok())
                .is_some_and(|ip| ip.to_string().as_bytes() == bytes)
        }

        fn is_ipv6_literal(bytes: &[u8]) -> bool {
            (2..=39).contains(&bytes.len())
                && bytes
                    .iter()
                    .all(|&b| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b':' | b'.'))
        }
    }

    /// Origins near the edges of the grammar: every prefix of a few long, tricky
    /// values, and mutations of each byte.
    #[test]
    fn one_pass_parser_agrees_with_the_reference() {
        let seeds = [
            "https://example.com",
            "http://[::1]:3000",
            "http://[::ffff:127.0.0.1]:65535",
            "chrome-extension://abcdefghijklmnop",
            "https://a-b_c.example.com.:8443",
            "https://xn--bcher-kva.example",
            "ftp://example.com:21",
            "ws://x:80",
            "wss://x:444",
            "https://example.com:0443",
            "https://[]",
            "https://[a]",
            "http://a..b",
            "a+b.c-d://e",
            "http://127.0.0.1:3000",
            "http://1.2.3.4.",
            "http://a.1a:80",
            "http://a.0x1f",
        ];
        let alphabet = b"aZ09.:/[]-_+@%`\r\n \x7f\xff";
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for seed in seeds {
            let s = seed.as_bytes();
            for end in 0..=s.len() {
                inputs.push(s[..end].to_vec());
            }
            for i in 0..s.len() {
                for &c in alphabet {
                    let mut m = s.to_vec();
                    m[i] = c;
                    inputs.push(m.clone());
                    m.insert(i, c);
                    inputs.push(m);
                }
            }
        }
        let long_label = format!("https://{}.com", "a".repeat(63));
        let too_long_label = format!("https://{}.com", "a".repeat(64));
        let long_host = format!("https://{}", ["abcdefghi"; 25].join("."));
        let long_host_dot = format!("{long_host}.");
        let long_scheme = format!("{}://a", "s".repeat(64));
        let too_long_scheme = format!("{}://a", "s".repeat(65));
        for s in [
            long_label,
            too_long_label,
            long_host,
            long_host_dot,
            long_scheme,
            too_long_scheme,
        ] {
            inputs.push(s.into_bytes());
        }
        for input in inputs {
            let ours = TupleOrigin::parse(&input)
                .map(|o| (o.scheme_end, o.host_start, o.host_end, o.port));
            assert_eq!(
                ours,
                reference::parse(&input),
                "{:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }

    /// The request parser and the policy's origin parser agree on hosts: an exact
    /// entry is accepted exactly when a request with that origin parses, and a `*.`
    /// pattern is accepted exactly when a host under it parses. (Punycode labels are
    /// left out: the policy parser decodes them and refuses invalid ones, which the
    /// request parser does not; see `canonical_host` in `pattern.rs`.)
    #[test]
    fn request_parser_and_policy_parser_agree_on_hosts() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            usize::try_from(seed % n as u64).unwrap_or(0)
        };
        let lengths = [1, 1, 2, 3, 3, 62, 63, 64, 65, 120, 200, 250];
        let mut hosts: Vec<String> = Vec::new();
        for _ in 0..20_000 {
            let labels = 1 + next(5);
            let mut host = String::new();
            for l in 0..labels {
                if l > 0 {
                    host.push('.');
                }
                let numeric = next(3) == 0;
                let alphabet: &[u8] = if numeric { b"0123456789" } else { b"az019-_x" };
                let len = if numeric {
                    1 + next(3)
                } else {
                    lengths[next(lengths.len())]
                };
                if !numeric && next(8) == 0 {
                    host.push_str("0x");
                }
                for _ in 0..len {
                    host.push(char::from(alphabet[next(alphabet.len())]));
                }
            }
            if next(4) == 0 {
                host.push('.');
            }
            hosts.push(host);
        }
        // The edges of the host length, with and without a trailing dot.
        for len in [251, 252, 253, 254, 255] {
            let host = format!("{}.example", "a".repeat(len - 8));
            hosts.push(format!("{host}."));
            hosts.push(host);
        }
        hosts.extend(
            [
                "127.0.0.1",
                "127.0.0.1.",
                "1.2.3",
                "01.2.3.4",
                "256.0.0.1",
                "a.1a",
                "a.0x",
                "a.0x1f",
                "a.0xg",
                "1.2.3.4.5",
                "0.0.0.0",
                "a.b.1",
            ]
            .map(str::to_owned),
        );
        for host in hosts
            .iter()
            .filter(|h| !h.split('.').any(|l| l.starts_with("xn--")))
        {
            let origin = format!("https://{host}");
            let request = TupleOrigin::parse(origin.as_bytes()).is_some();
            let policy = matches!(
                parse_allowed(&origin),
                Ok(AllowedOrigin::Pattern(p)) if p.to_string() == origin
            );
            assert_eq!(
                request, policy,
                "{origin}: request {request}, policy {policy}"
            );
            // `*.domain` for the host's parent domain.
            let Some((_, domain)) = host.split_once('.') else {
                continue;
            };
            if domain.is_empty() || domain == "." {
                continue;
            }
            let pattern = format!("https://*.{domain}");
            let Ok(AllowedOrigin::Pattern(_)) = parse_allowed(&pattern) else {
                // Refused: then no host under it parses (an IP address has no
                // subdomains, and a host that ends in a number is one).
                let under = format!("https://a.{domain}");
                assert!(TupleOrigin::parse(under.as_bytes()).is_none(), "{pattern}");
                assert!(
                    !request || host.parse::<std::net::Ipv4Addr>().is_ok(),
                    "{origin} parses, but {pattern} is refused"
                );
                continue;
            };
            let under = format!("https://a.{domain}");
            assert!(
                TupleOrigin::parse(under.as_bytes()).is_some(),
                "{pattern} is accepted, but {under} never parses"
            );
        }
    }

    #[test]
    fn accepts_what_browsers_send() {
        for ok in [
            "https://example.com",
            "http://localhost:8080",
            "http://127.0.0.1:3000",
            "http://[::1]:3000",
            "https://xn--bcher-kva.example",
            "https://a-b_c.example.com",
            "chrome-extension://abcdefghijklmnop",
            "https://example.com.",
            "http://x:65535",
            "https://a.1a",
            "https://a.0xg",
        ] {
            assert!(OriginRef::parse(ok).is_some(), "{ok}");
        }
        // Labels longer than DNS allows: browsers load `*.localhost` without DNS.
        let long_label = format!("http://{}.localhost:3000", "a".repeat(64));
        assert!(OriginRef::parse(&long_label).is_some());
        assert_eq!(RequestOrigin::parse(b"null"), Some(RequestOrigin::Null));
    }

    #[test]
    fn rejects_what_browsers_never_send() {
        for bad in [
            "",
            "https://",
            "https:/example.com",
            "https//example.com",
            "HTTPS://example.com",
            "https://Example.com",
            "https://example.com/",
            "https://example.com?",
            "https://example.com#",
            "https://user@example.com",
            "https://example.com:",
            "https://example.com:0",
            "https://example.com:443",
            "http://example.com:80",
            "https://example.com:080",
            "https://example.com:65536",
            "https://example.com:123456",
            "https://example..com",
            "https://.example.com",
            "https://example.com%60.evil.net",
            "https://example.com`.evil.net",
            "https://example.com\r\nx: y",
            "https://exa mple.com",
            "https://[::1",
            "https://[::G]",
            "1https://example.com",
            "Null",
            "null ",
            " https://example.com",
            // Hosts that end in a number are IPv4 addresses, sent as dotted quads.
            "http://1.2.3",
            "http://01.2.3.4",
            "http://256.0.0.1",
            "http://127.0.0.1.",
            "http://a.0x1f",
            "http://a.b.1",
        ] {
            assert!(RequestOrigin::parse(bad.as_bytes()).is_none(), "{bad:?}");
        }
        let long = format!("https://{}.com", "a".repeat(400));
        assert!(OriginRef::parse(&long).is_none());
        assert!(RequestOrigin::parse(&[0xff, 0xfe]).is_none());
    }

    #[test]
    fn splits_parts() {
        let o = OriginRef::parse("http://[::1]:3000").unwrap();
        assert_eq!(
            (o.scheme(), o.host(), o.port()),
            ("http", "[::1]", Some(3000))
        );
        let o = OriginRef::parse("https://a.example").unwrap();
        assert_eq!(
            (o.scheme(), o.host(), o.port()),
            ("https", "a.example", None)
        );
    }
}
