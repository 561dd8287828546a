//! Request heads that hyper's server accepts but RFC 9112 calls invalid, refused before
//! the policy and the upstream see them, as nginx refuses them: an HTTP/1.1 request
//! without `Host` or with more than one, an invalid `Host`, and a `Transfer-Encoding`
//! other than one `chunked`. (Targets that are not a path, such as `*` and
//! authority-form, are refused by `path.rs`.)

use std::fmt;

use http::header::{HOST, TRANSFER_ENCODING};
use http::{HeaderMap, StatusCode, Version};

/// Why a request head is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// HTTP/1.1 without `Host` (RFC 9112 section 3.2).
    NoHost,
    /// More than one `Host`.
    ManyHosts,
    /// A `Host` that is not `host[:port]`.
    InvalidHost,
    /// `Transfer-Encoding` on more than one line, or `chunked` more than once.
    RepeatedTransferEncoding,
    /// A transfer coding other than `chunked` (RFC 9112 section 6.1: 501).
    UnknownTransferCoding,
}

impl Refusal {
    /// The status of the answer.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Refusal::UnknownTransferCoding => StatusCode::NOT_IMPLEMENTED,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::NoHost => "an HTTP/1.1 request needs a Host header",
            Refusal::ManyHosts => "the request has more than one Host header",
            Refusal::InvalidHost => "the Host header is not host[:port]",
            Refusal::RepeatedTransferEncoding => "Transfer-Encoding is given more than once",
            Refusal::UnknownTransferCoding => {
                "the only transfer coding the gateway reads is chunked"
            }
        })
    }
}

impl std::error::Error for Refusal {}

/// Checks the head of an HTTP/1.x request (HTTP/2 has `:authority` and no
/// `Transfer-Encoding`; hyper's HTTP/2 server checks those).
pub(crate) fn check(version: Version, headers: &HeaderMap) -> Result<(), Refusal> {
    if version >= Version::HTTP_2 {
        return Ok(());
    }
    let mut hosts = headers.get_all(HOST).iter();
    match (hosts.next(), hosts.next()) {
        (None, _) if version == Version::HTTP_11 => return Err(Refusal::NoHost),
        (None, _) => {}
        (Some(_), Some(_)) => return Err(Refusal::ManyHosts),
        (Some(host), None) => {
            if !valid_host(host.as_bytes()) {
                return Err(Refusal::InvalidHost);
            }
        }
    }
    let mut codings = headers.get_all(TRANSFER_ENCODING).iter();
    match (codings.next(), codings.next()) {
        (None, _) => Ok(()),
        (Some(_), Some(_)) => Err(Refusal::RepeatedTransferEncoding),
        (Some(value), None) => {
            let mut chunked = 0;
            let mut other = false;
            for coding in value.as_bytes().split(|b| *b == b',') {
                if coding.trim_ascii().eq_ignore_ascii_case(b"chunked") {
                    chunked += 1;
                } else {
                    other = true;
                }
            }
            match (chunked, other) {
                (1, false) => Ok(()),
                (0 | 1, true) => Err(Refusal::UnknownTransferCoding),
                _ => Err(Refusal::RepeatedTransferEncoding),
            }
        }
    }
}

/// Whether a `Host` value is `host[:port]` (RFC 3986 section 3.2.2): an IPv6 address in
/// brackets, or a name of unreserved characters and sub-delimiters (see [`reg_name`]); a
/// port of at most five digits that fits 16 bits. Checked byte by byte: the `http`
/// crate's `Authority` parser is not a `Host` check (it takes `user@host`, a port of
/// letters, text after `]`, and copies the value, on every request). The fuzz target
/// `serve_refuse` checks that whatever this accepts, `Authority` reads the same way.
fn valid_host(value: &[u8]) -> bool {
    let (host, port) = match value {
        [b'[', rest @ ..] => {
            let Some(close) = rest.iter().position(|b| *b == b']') else {
                return false;
            };
            let (literal, after) = rest.split_at(close);
            // An IPv6 address (the standard library's parser); no IPvFuture, no zone.
            let literal_ok = std::str::from_utf8(literal)
                .is_ok_and(|text| text.parse::<std::net::Ipv6Addr>().is_ok());
            if !literal_ok {
                return false;
            }
            // `after` starts with the `]`.
            (&b"x"[..], after.get(1..).unwrap_or_default())
        }
        _ => match value.iter().position(|b| *b == b':') {
            Some(colon) => value.split_at(colon),
            None => (value, &b""[..]),
        },
    };
    let name_ok = !host.is_empty() && reg_name(host);
    let port_ok = match port {
        [] => true,
        [b':', digits @ ..] => {
            !digits.is_empty()
                && digits.len() <= 5
                && digits.iter().all(u8::is_ascii_digit)
                && digits
                    .iter()
                    .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
                    <= u32::from(u16::MAX)
        }
        _ => false,
    };
    name_ok && port_ok
}

/// Whether `name` is an RFC 3986 `reg-name` without percent escapes: unreserved
/// characters and sub-delimiters. Percent escapes are refused, as the `http` crate's
/// authority parser refuses them: browsers never send one (the URL parser decodes them
/// before the name is resolved) and no DNS name has one.
fn reg_name(name: &[u8]) -> bool {
    name.iter().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn host_is_required_once_and_valid_on_http_11() {
        let v11 = Version::HTTP_11;
        assert_eq!(check(v11, &headers(&[("host", "api.example")])), Ok(()));
        assert_eq!(check(v11, &headers(&[("host", "127.0.0.1:8080")])), Ok(()));
        for good in [
            "[::1]:80",
            "[::1]",
            "a-b.example",
            "xn--bcher-kva.example:443",
        ] {
            assert_eq!(check(v11, &headers(&[("host", good)])), Ok(()), "{good}");
        }
        assert_eq!(check(v11, &headers(&[])), Err(Refusal::NoHost));
        assert_eq!(
            check(
                v11,
                &headers(&[("host", "a.example"), ("host", "b.example")])
            ),
            Err(Refusal::ManyHosts)
        );
        for bad in [
            "",
            "a b",
            "a/b",
            "user@a.example",
            "a.example:port",
            "a.example:+80",
            "a.example:99999",
            "a.example:",
            ":80",
            "[::1",
            "[]",
            "[::1]x",
            "[9::9:9:9::::9:9]",
            "[1.2.3.4]",
            "a:1:2",
            "%",
            "a%zz",
            "caf%C3%A9.example",
        ] {
            assert_eq!(
                check(v11, &headers(&[("host", bad)])),
                Err(Refusal::InvalidHost),
                "{bad:?}"
            );
        }
        // HTTP/1.0 may leave it out; HTTP/2 has :authority.
        assert_eq!(check(Version::HTTP_10, &headers(&[])), Ok(()));
        assert_eq!(check(Version::HTTP_2, &headers(&[])), Ok(()));
    }

    #[test]
    fn transfer_encoding_is_one_chunked() {
        let with = |te: &[(&'static str, &'static str)]| {
            let mut pairs = vec![("host", "x")];
            pairs.extend_from_slice(te);
            check(Version::HTTP_11, &headers(&pairs))
        };
        assert_eq!(with(&[("transfer-encoding", "chunked")]), Ok(()));
        assert_eq!(with(&[("transfer-encoding", " Chunked ")]), Ok(()));
        assert_eq!(
            with(&[
                ("transfer-encoding", "chunked"),
                ("transfer-encoding", "chunked")
            ]),
            Err(Refusal::RepeatedTransferEncoding)
        );
        assert_eq!(
            with(&[("transfer-encoding", "chunked, chunked")]),
            Err(Refusal::RepeatedTransferEncoding)
        );
        for coding in ["gzip, chunked", "gzip", "identity", ""] {
            let refused = with(&[("transfer-encoding", coding)]);
            assert_eq!(refused, Err(Refusal::UnknownTransferCoding), "{coding:?}");
            assert_eq!(
                refused.map_err(Refusal::status),
                Err(StatusCode::NOT_IMPLEMENTED)
            );
        }
    }
}
