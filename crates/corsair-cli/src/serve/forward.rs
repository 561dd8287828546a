//! Forwarding done right: the hop-by-hop headers removed both ways, `X-Forwarded-*`
//! added, `Host` as configured.
//!
//! Hop-by-hop headers (RFC 9110 section 7.6.1, RFC 7230 section 6.1): `Connection` and
//! every header it names, `Keep-Alive`, `Proxy-Connection`, `TE`, `Trailer`,
//! `Transfer-Encoding`, `Upgrade`, `Proxy-Authenticate` and `Proxy-Authorization`. An
//! upgrade (WebSocket) keeps `Upgrade` and `Connection: upgrade`.

use http::header::{
    CONNECTION, HOST, HeaderMap, HeaderName, HeaderValue, PROXY_AUTHENTICATE, PROXY_AUTHORIZATION,
    TE, TRAILER, TRANSFER_ENCODING, UPGRADE,
};
use http::{Method, Version};

/// `X-Forwarded-For`.
pub(crate) const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
/// `X-Forwarded-Proto`.
pub(crate) const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
/// `X-Forwarded-Host`.
pub(crate) const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");
const PROXY_CONNECTION: HeaderName = HeaderName::from_static("proxy-connection");
const UPGRADE_TOKEN: HeaderValue = HeaderValue::from_static("upgrade");
const HTTP: HeaderValue = HeaderValue::from_static("http");
/// `X-Forwarded-Proto` for a client that connected with TLS.
const HTTPS: HeaderValue = HeaderValue::from_static("https");

/// The hop-by-hop headers that are always removed (besides those `Connection` names);
/// `Upgrade` last, kept for an upgrade.
pub(crate) const HOP_BY_HOP: [HeaderName; 9] = [
    CONNECTION,
    KEEP_ALIVE,
    PROXY_CONNECTION,
    TE,
    TRAILER,
    TRANSFER_ENCODING,
    PROXY_AUTHENTICATE,
    PROXY_AUTHORIZATION,
    UPGRADE,
];
/// The bit of `Connection` in the set of [`HOP_BY_HOP`] names present.
pub(crate) const CONNECTION_BIT: u16 = 1;
/// The bit of `Transfer-Encoding` in the set of [`HOP_BY_HOP`] names present.
pub(crate) const TRANSFER_ENCODING_BIT: u16 = 1 << 5;
/// The bit of `Upgrade` in the set of [`HOP_BY_HOP`] names present.
const UPGRADE_BIT: u16 = 1 << 8;

/// The bit of `name` in the set of [`HOP_BY_HOP`] names (in that order), or 0.
pub(crate) fn hop_by_hop_bit(name: &HeaderName) -> u16 {
    // A string match: a length test, then at most a comparison or two.
    match name.as_str() {
        "connection" => CONNECTION_BIT,
        "keep-alive" => 1 << 1,
        "proxy-connection" => 1 << 2,
        "te" => 1 << 3,
        "trailer" => 1 << 4,
        "transfer-encoding" => TRANSFER_ENCODING_BIT,
        "proxy-authenticate" => 1 << 6,
        "proxy-authorization" => 1 << 7,
        "upgrade" => UPGRADE_BIT,
        _ => 0,
    }
}

/// Whether a request asks to upgrade the connection (HTTP/1.1 `Upgrade` with
/// `Connection: upgrade`), as a WebSocket handshake does.
pub(crate) fn is_upgrade_request(version: Version, method: &Method, headers: &HeaderMap) -> bool {
    version == Version::HTTP_11
        && method != Method::CONNECT
        && headers.contains_key(UPGRADE)
        && connection_has(headers, "upgrade")
}

/// Whether `Connection` lists `token` (case-insensitive).
fn connection_has(headers: &HeaderMap, token: &str) -> bool {
    headers.get_all(CONNECTION).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    })
}

/// Removes the hop-by-hop headers. With `upgrade`, keeps `Upgrade` and sets
/// `Connection: upgrade`.
///
/// Runs twice per forwarded request, so it looks before it removes: one pass over the
/// names present finds which hop-by-hop headers there are (most messages carry none, or
/// only `Connection`), and only those are removed; a removal costs a hash and a probe.
pub(crate) fn remove_hop_by_hop(headers: &mut HeaderMap, upgrade: bool) {
    let mut present: u16 = 0;
    for name in headers.keys() {
        present |= hop_by_hop_bit(name);
    }
    if upgrade {
        present &= !UPGRADE_BIT;
    }
    if present & CONNECTION_BIT != 0 {
        for name in connection_named(headers) {
            headers.remove(name);
        }
    }
    for (i, name) in HOP_BY_HOP.iter().enumerate() {
        if present & (1 << i) != 0 {
            headers.remove(name);
        }
    }
    if upgrade {
        headers.insert(CONNECTION, UPGRADE_TOKEN);
    }
}

/// The names `Connection` lists that are present, besides the fixed hop-by-hop ones:
/// usually none, so nothing is collected.
fn connection_named(headers: &HeaderMap) -> Vec<HeaderName> {
    headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| {
            !HOP_BY_HOP
                .iter()
                .any(|h| t.eq_ignore_ascii_case(h.as_str()))
                && headers.contains_key(*t)
        })
        .filter_map(|t| HeaderName::from_bytes(t.as_bytes()).ok())
        .collect()
}

/// Removes the headers with `_` in their name. A server that maps header names to
/// variables (CGI, many frameworks) reads `X_Forwarded_For` as `X-Forwarded-For`: the
/// gateway's own `X-Forwarded-*` could be spoofed past it. Looks before it removes: most
/// requests have none.
pub(crate) fn remove_underscored(headers: &mut HeaderMap) {
    if !headers.keys().any(has_underscore) {
        return;
    }
    let underscored: Vec<HeaderName> = headers
        .keys()
        .filter(|name| has_underscore(name))
        .cloned()
        .collect();
    for name in underscored {
        headers.remove(name);
    }
}

/// Whether a header name has a `_`. No early exit: names are short, and a loop
/// without branches runs faster over them.
fn has_underscore(name: &HeaderName) -> bool {
    name.as_str()
        .bytes()
        .fold(false, |found, b| found | (b == b'_'))
}

/// Writes a request's headers as HTTP/1.1 header lines (`name: value` CRLF), as
/// [`remove_hop_by_hop`] (no upgrade) then [`Forwarded::apply`] would leave them, but
/// without changing the map: corsair's own HTTP/1.1 client writes the request head
/// itself, and inserting four headers into a map only to write them out costs more
/// than writing them. The gateway's headers (`Host`, `X-Forwarded-*`) come last.
pub(crate) fn write_forwarded(headers: &HeaderMap, forwarded: &Forwarded<'_>, dst: &mut Vec<u8>) {
    let mut present: u16 = 0;
    for name in headers.keys() {
        present |= hop_by_hop_bit(name);
    }
    let named = if present & CONNECTION_BIT != 0 {
        connection_named(headers)
    } else {
        Vec::new()
    };
    for (name, value) in headers {
        let replaced = name == HOST
            || name == X_FORWARDED_FOR
            || name == X_FORWARDED_PROTO
            || name == X_FORWARDED_HOST;
        if replaced || hop_by_hop_bit(name) != 0 || named.contains(name) {
            continue;
        }
        line(dst, name.as_str().as_bytes(), value.as_bytes());
    }
    let host = match &forwarded.client_host {
        Some(host) if forwarded.preserve_host => host,
        _ => forwarded.upstream_host,
    };
    line(dst, b"host", host.as_bytes());
    dst.extend_from_slice(b"x-forwarded-for: ");
    if !named.contains(&X_FORWARDED_FOR) {
        for value in headers.get_all(X_FORWARDED_FOR) {
            dst.extend_from_slice(value.as_bytes());
            dst.extend_from_slice(b", ");
        }
    }
    dst.extend_from_slice(forwarded.client_ip.as_bytes());
    dst.extend_from_slice(b"\r\n");
    line(dst, b"x-forwarded-proto", forwarded.proto().as_bytes());
    if let Some(host) = &forwarded.client_host {
        line(dst, b"x-forwarded-host", host.as_bytes());
    }
}

/// One header line.
fn line(dst: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    dst.extend_from_slice(name);
    dst.extend_from_slice(b": ");
    dst.extend_from_slice(value);
    dst.extend_from_slice(b"\r\n");
}

/// What the gateway tells the upstream about the client.
pub(crate) struct Forwarded<'a> {
    /// The client's address, as a header value (computed once per connection).
    pub(crate) client_ip: &'a HeaderValue,
    /// The host the client asked for (`Host`, or `:authority` in HTTP/2).
    pub(crate) client_host: Option<HeaderValue>,
    /// The upstream's `host:port`.
    pub(crate) upstream_host: &'a HeaderValue,
    /// Whether to send the client's `Host` upstream.
    pub(crate) preserve_host: bool,
    /// Whether the client connected with TLS.
    pub(crate) https: bool,
}

impl Forwarded<'_> {
    /// `X-Forwarded-Proto`: the client's scheme.
    fn proto(&self) -> HeaderValue {
        if self.https { HTTPS } else { HTTP }
    }

    /// Appends the client to `X-Forwarded-For`, sets `X-Forwarded-Proto` and
    /// `X-Forwarded-Host`, and sets `Host`.
    pub(crate) fn apply(self, headers: &mut HeaderMap) {
        append_forwarded_for(headers, self.client_ip);
        headers.insert(X_FORWARDED_PROTO, self.proto());
        match &self.client_host {
            Some(host) => {
                headers.insert(X_FORWARDED_HOST, host.clone());
            }
            None => {
                headers.remove(X_FORWARDED_HOST);
            }
        }
        let host = match self.client_host {
            Some(host) if self.preserve_host => host,
            _ => self.upstream_host.clone(),
        };
        headers.insert(HOST, host);
    }
}

/// `X-Forwarded-For: <what was there>, <client>`, several headers folded into one.
fn append_forwarded_for(headers: &mut HeaderMap, client_ip: &HeaderValue) {
    let mut existing = headers.get_all(X_FORWARDED_FOR).iter();
    let Some(first) = existing.next() else {
        headers.insert(X_FORWARDED_FOR, client_ip.clone());
        return;
    };
    let mut value = first.as_bytes().to_vec();
    for more in existing {
        value.extend_from_slice(b", ");
        value.extend_from_slice(more.as_bytes());
    }
    value.extend_from_slice(b", ");
    value.extend_from_slice(client_ip.as_bytes());
    match HeaderValue::from_bytes(&value) {
        Ok(v) => {
            headers.insert(X_FORWARDED_FOR, v);
        }
        Err(_) => {
            headers.insert(X_FORWARDED_FOR, client_ip.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (n, v) in pairs {
            m.append(*n, HeaderValue::from_static(v));
        }
        m
    }

    #[test]
    fn hop_by_hop_and_connection_named_headers_go() {
        let mut h = map(&[
            ("connection", "keep-alive, X-Secret"),
            ("connection", "x-other"),
            ("x-secret", "1"),
            ("x-other", "1"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("trailer", "x-sum"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "websocket"),
            ("proxy-authorization", "Basic x"),
            ("proxy-authenticate", "Basic"),
            ("proxy-connection", "keep-alive"),
            ("content-type", "text/plain"),
        ]);
        remove_hop_by_hop(&mut h, false);
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(h["content-type"], "text/plain");
    }

    #[test]
    fn each_hop_by_hop_name_has_its_own_bit() {
        for (i, name) in HOP_BY_HOP.iter().enumerate() {
            assert_eq!(hop_by_hop_bit(name), 1 << i, "{name}");
        }
        assert_eq!(hop_by_hop_bit(&HOST), 0);
    }

    #[test]
    fn upgrades_keep_upgrade() {
        let mut h = map(&[("connection", "Upgrade"), ("upgrade", "websocket")]);
        assert!(is_upgrade_request(Version::HTTP_11, &Method::GET, &h));
        assert!(!is_upgrade_request(Version::HTTP_2, &Method::GET, &h));
        remove_hop_by_hop(&mut h, true);
        assert_eq!(h["upgrade"], "websocket");
        assert_eq!(h["connection"], "upgrade");
    }

    /// The header lines of a map, sorted (order across names carries no meaning).
    fn lines_of(headers: &HeaderMap) -> Vec<String> {
        let mut out = Vec::new();
        for (name, value) in headers {
            out.push(format!("{name}: {}", value.to_str().unwrap()));
        }
        out.sort();
        out
    }

    #[test]
    fn writing_forwarded_headers_equals_applying_them() {
        let ip = HeaderValue::from_static("192.0.2.1");
        let upstream = HeaderValue::from_static("127.0.0.1:3000");
        let cases: [&[(&'static str, &'static str)]; 6] = [
            &[("host", "api.example"), ("origin", "https://app.example")],
            &[],
            &[
                ("host", "api.example"),
                ("x-forwarded-for", "10.0.0.1"),
                ("x-forwarded-for", "10.0.0.2"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-host", "evil.example"),
                ("accept", "a"),
                ("accept", "b"),
            ],
            &[
                ("connection", "keep-alive, x-secret, X-Forwarded-For"),
                ("x-secret", "1"),
                ("x-forwarded-for", "10.0.0.1"),
                ("keep-alive", "timeout=5"),
                ("te", "trailers"),
                ("upgrade", "h2c"),
                ("proxy-authorization", "Basic x"),
                ("x-kept", "yes"),
            ],
            &[("connection", "host"), ("host", "api.example")],
            &[("transfer-encoding", "chunked"), ("trailer", "x-sum")],
        ];
        for pairs in cases {
            for (preserve_host, https) in [(false, false), (true, false), (false, true)] {
                let headers = map(pairs);
                let client_host = headers.get(HOST).cloned();
                let forwarded = || Forwarded {
                    client_ip: &ip,
                    client_host: client_host.clone(),
                    upstream_host: &upstream,
                    preserve_host,
                    https,
                };
                let mut applied = headers.clone();
                remove_hop_by_hop(&mut applied, false);
                forwarded().apply(&mut applied);

                let mut written = Vec::new();
                write_forwarded(&headers, &forwarded(), &mut written);
                let text = String::from_utf8(written).unwrap();
                let mut lines: Vec<String> =
                    text.split_terminator("\r\n").map(str::to_owned).collect();
                lines.sort();
                assert_eq!(lines, lines_of(&applied), "{pairs:?}, {preserve_host}");
            }
        }
    }

    #[test]
    fn underscored_headers_go() {
        let mut h = map(&[
            ("x_forwarded_for", "10.0.0.1"),
            ("x_a", "1"),
            ("x_a", "2"),
            ("x-kept", "1"),
        ]);
        remove_underscored(&mut h);
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(h["x-kept"], "1");
    }

    #[test]
    fn forwarded_headers() {
        let mut h = map(&[
            ("x-forwarded-for", "10.0.0.1"),
            ("x-forwarded-for", "10.0.0.2"),
            ("host", "api.example"),
        ]);
        let ip = HeaderValue::from_static("127.0.0.1");
        let upstream = HeaderValue::from_static("127.0.0.1:3000");
        Forwarded {
            client_ip: &ip,
            client_host: h.get("host").cloned(),
            upstream_host: &upstream,
            preserve_host: false,
            https: false,
        }
        .apply(&mut h);
        assert_eq!(h["x-forwarded-for"], "10.0.0.1, 10.0.0.2, 127.0.0.1");
        assert_eq!(h["x-forwarded-proto"], "http");
        assert_eq!(h["x-forwarded-host"], "api.example");
        assert_eq!(h["host"], "127.0.0.1:3000");
        Forwarded {
            client_ip: &ip,
            client_host: None,
            upstream_host: &upstream,
            preserve_host: false,
            https: true,
        }
        .apply(&mut h);
        assert_eq!(h["x-forwarded-proto"], "https");
    }
}
