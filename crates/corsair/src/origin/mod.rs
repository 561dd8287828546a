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

pub(crate) use matcher::{OriginMatcher, OriginPredicate};
pub(crate) use pattern::{AllowedOrigin, HostPattern, OriginPattern, PortPattern, parse_allowed};

/// The longest scheme accepted, as in jub0bs/cors: 64 bytes.
const MAX_SCHEME_LEN: usize = 64;
/// The longest host: a 253-byte domain name, or a bracketed IPv6 address.
const MAX_HOST_LEN: usize = 253;
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
        parse_tuple_origin(serialized.as_bytes()).map(|parts| OriginRef {
            serialized,
            scheme: &serialized[..parts.scheme_end],
            host: &serialized[parts.host_start..parts.host_end],
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
    Tuple(OriginRef<'a>),
}

impl<'a> RequestOrigin<'a> {
    /// Parses the value of an `Origin` header; `None` when it is malformed.
    pub(crate) fn parse(value: &'a [u8]) -> Option<Self> {
        if value == b"null" {
            return Some(RequestOrigin::Null);
        }
        // Valid origins are ASCII, so a value that is not UTF-8 is malformed anyway.
        let text = std::str::from_utf8(value).ok()?;
        OriginRef::parse(text).map(RequestOrigin::Tuple)
    }
}

struct TupleParts {
    scheme_end: usize,
    host_start: usize,
    host_end: usize,
    port: Option<u16>,
}

/// The `serialized-origin` grammar of the Fetch Standard: lowercase scheme, `://`,
/// a lowercase domain, dotted-quad IPv4 or bracketed IPv6, and an optional port of
/// one to five digits without a leading zero.
fn parse_tuple_origin(bytes: &[u8]) -> Option<TupleParts> {
    if bytes.len() > MAX_ORIGIN_LEN {
        return None;
    }
    let scheme_end = bytes.iter().position(|&b| b == b':')?;
    if !is_scheme(&bytes[..scheme_end]) || bytes.get(scheme_end..scheme_end + 3)? != b"://" {
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
    // Serializing an origin leaves out the scheme's default port: a browser never sends
    // `https://example.com:443`.
    let scheme = std::str::from_utf8(&bytes[..scheme_end]).ok()?;
    if port.is_some() && port == default_port(scheme) {
        return None;
    }
    Some(TupleParts {
        scheme_end,
        host_start,
        host_end,
        port,
    })
}

pub(crate) fn is_scheme(bytes: &[u8]) -> bool {
    matches!(bytes.first(), Some(b'a'..=b'z'))
        && bytes.len() <= MAX_SCHEME_LEN
        && bytes
            .iter()
            .all(|&b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'+' | b'-' | b'.'))
}

/// Lowercase DNS-like names: labels of 1 to 63 bytes of `a-z 0-9 - _`, at most 253
/// bytes, one trailing dot tolerated (browsers keep it in the origin).
fn is_domain(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_suffix(b".").unwrap_or(bytes);
    !bytes.is_empty()
        && bytes.len() <= MAX_HOST_LEN
        && bytes.split(|&b| b == b'.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .iter()
                    .all(|&b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_'))
        })
}

fn is_ipv6_literal(bytes: &[u8]) -> bool {
    (2..=39).contains(&bytes.len())
        && bytes
            .iter()
            .all(|&b| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b':' | b'.'))
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

/// The default port of the schemes that have one, which a serialized origin omits.
pub(crate) fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ] {
            assert!(OriginRef::parse(ok).is_some(), "{ok}");
        }
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
