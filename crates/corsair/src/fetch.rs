//! The Fetch Standard's header grammar and name lists: tokens, whitespace, forbidden
//! request and response headers, safelisted response headers, and the URL Standard's
//! default ports.
//!
//! The engine validates policies against them; the browser model (the
//! `corsair-browser` crate) judges answers with them. They are public so that both
//! sides of CORS read the same lists, not so that corsair's decisions can be tuned:
//! changing them would change what the Fetch Standard says.
//!
//! ```
//! use corsair::fetch;
//! assert!(fetch::is_forbidden_request_header("Cookie"));
//! assert!(fetch::is_safelisted_response_header("Content-Type"));
//! assert!(!fetch::is_safelisted_response_header("x-request-id"));
//! assert_eq!(fetch::trim_http_whitespace(b"\t gzip \r\n"), b"gzip");
//! ```

pub use crate::method::{is_forbidden_method, is_tchar, is_token, normalized_method};
pub use crate::origin::default_port;

/// Removes leading and trailing optional whitespace (RFC 9110 `OWS`: spaces and tabs),
/// as around the elements of a header's comma-separated list.
///
/// ```
/// assert_eq!(corsair::fetch::trim_ows(b" \tx-trace "), b"x-trace");
/// // CR and LF are not OWS.
/// assert_eq!(corsair::fetch::trim_ows(b"x-trace\r\n"), b"x-trace\r\n");
/// ```
pub fn trim_ows(bytes: &[u8]) -> &[u8] {
    trim(bytes, |b| matches!(b, b' ' | b'\t'))
}

/// Removes leading and trailing HTTP whitespace (Fetch: tab, LF, CR, space), as from a
/// header value a script gives.
///
/// ```
/// assert_eq!(corsair::fetch::trim_http_whitespace(b"\r\n application/json \t"), b"application/json");
/// assert_eq!(corsair::fetch::trim_http_whitespace(b" \t "), b"");
/// ```
pub fn trim_http_whitespace(bytes: &[u8]) -> &[u8] {
    trim(bytes, |b| matches!(b, b'\t' | b'\n' | b'\r' | b' '))
}

/// Removes the leading and trailing bytes that are whitespace by `is_ws`.
fn trim(bytes: &[u8], is_ws: impl Fn(u8) -> bool) -> &[u8] {
    let start = bytes.iter().position(|&b| !is_ws(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| !is_ws(b))
        .map_or(start, |i| i + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// Whether a name is a valid header name (an RFC 9110 token).
pub(crate) fn is_valid_name(name: &str) -> bool {
    is_token(name.as_bytes())
}

/// The Fetch Standard's forbidden request-header names (`#forbidden-request-header`),
/// lowercase. Shared by the engine's validation and the browser model. Names starting
/// with `proxy-` or `sec-` are forbidden too: see [`is_fetch_forbidden_name`].
///
/// ```
/// assert!(corsair::fetch::FORBIDDEN_REQUEST_HEADERS.contains(&"cookie"));
/// ```
pub const FORBIDDEN_REQUEST_HEADERS: [&str; 21] = [
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
/// `sec-` name. The name must already be lowercase (as `http::HeaderName`s are); for any
/// case, see [`is_forbidden_request_header`].
///
/// ```
/// use corsair::fetch::is_fetch_forbidden_name;
/// assert!(is_fetch_forbidden_name("host"));
/// assert!(is_fetch_forbidden_name("sec-fetch-mode"));
/// assert!(is_fetch_forbidden_name("proxy-authorization"));
/// assert!(!is_fetch_forbidden_name("authorization"));
/// assert!(!is_fetch_forbidden_name("Host"), "not lowercase");
/// ```
pub fn is_fetch_forbidden_name(lower: &str) -> bool {
    FORBIDDEN_REQUEST_HEADERS.contains(&lower)
        || lower.starts_with("proxy-")
        || lower.starts_with("sec-")
}

/// Whether a name is a forbidden request header (Fetch's list, `proxy-*`, `sec-*`):
/// browsers set these themselves and never let a script set them, so allowing them
/// is a mistake. Any case.
///
/// This is about the name only: Fetch also forbids `X-HTTP-Method-Override` and its
/// kin when their value names a forbidden method, which the browser model checks.
///
/// ```
/// use corsair::fetch::is_forbidden_request_header;
/// assert!(is_forbidden_request_header("Cookie"));
/// assert!(is_forbidden_request_header("Sec-CH-UA"));
/// assert!(!is_forbidden_request_header("Content-Type"));
/// ```
pub fn is_forbidden_request_header(name: &str) -> bool {
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

/// `Set-Cookie` and `Set-Cookie2` (Fetch's forbidden response-header names), which
/// browsers never expose to scripts; any case.
///
/// ```
/// assert!(corsair::fetch::is_forbidden_response_header("Set-Cookie"));
/// assert!(!corsair::fetch::is_forbidden_response_header("etag"));
/// ```
pub fn is_forbidden_response_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("set-cookie") || name.eq_ignore_ascii_case("set-cookie2")
}

/// The response headers that scripts can always read (Fetch
/// `#cors-safelisted-response-header-name`), lowercase. Any other header must be named
/// in `Access-Control-Expose-Headers` for a script to read it.
///
/// ```
/// assert!(corsair::fetch::SAFELISTED_RESPONSE_HEADERS.contains(&"content-type"));
/// ```
pub const SAFELISTED_RESPONSE_HEADERS: [&str; 7] = [
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// Whether scripts can always read a response header; any case.
///
/// ```
/// assert!(corsair::fetch::is_safelisted_response_header("Cache-Control"));
/// assert!(!corsair::fetch::is_safelisted_response_header("ETag"));
/// ```
pub fn is_safelisted_response_header(name: &str) -> bool {
    SAFELISTED_RESPONSE_HEADERS
        .iter()
        .any(|s| s.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
