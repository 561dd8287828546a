//! The network side of `check` and `audit`: an HTTP/1.1 and HTTP/2 client (hyper, with
//! rustls for https) that sends one request at a time under a timeout, and the helpers
//! that print what was sent and received.

use std::error::Error as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::HeaderName;
use http::{HeaderMap, StatusCode};
use http_body_util::{BodyExt, Empty, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::output;

/// The most of a response body read (and thrown away) so that the connection can be
/// reused; a longer body is dropped.
const MAX_DRAINED_BODY: usize = 256 * 1024;

/// Parses the URL to test: an absolute `http://` or `https://` URL with a host. A URL
/// without a scheme gets `http://` suggested; another scheme is refused by name.
pub(crate) fn parse_url(input: &str) -> Result<http::Uri, String> {
    let Some((scheme, _)) = input.split_once("://") else {
        // `mailto:x`, `http:/x`: a scheme, but not followed by `//` (unlike the port of
        // `localhost:8080/api`).
        if let Some((scheme, rest)) = input.split_once(':') {
            let is_scheme = !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphabetic());
            let port = rest.split('/').next().unwrap_or_default();
            let is_port = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
            if is_scheme && !is_port {
                return Err(format!(
                    "`{input}` is not a URL: write it as http://host[:port]/path or \
                     https://host[:port]/path"
                ));
            }
        }
        return Err(if input.starts_with('/') {
            format!(
                "`{input}` is a path: give the whole URL, such as `http://localhost:8080{input}`"
            )
        } else {
            format!(
                "`{input}` has no scheme: did you mean `http://{input}`? (or `https://{input}`)"
            )
        });
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(format!(
            "`{input}`: only http:// and https:// URLs are supported, not {scheme}://"
        ));
    }
    let uri = http::Uri::try_from(input).map_err(|e| format!("`{input}` is not a URL: {e}"))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(format!("`{input}` is a URL without a host"));
    }
    Ok(uri)
}

/// Parses a listening address, `ip:port` or `host:port`: a host name is resolved
/// (`localhost:8080`), and its first address is used.
pub(crate) fn parse_listen(input: &str) -> Result<std::net::SocketAddr, String> {
    use std::net::ToSocketAddrs;

    if let Ok(addr) = input.parse() {
        return Ok(addr);
    }
    let hint = "write host:port, such as 127.0.0.1:8080, localhost:8080 or 0.0.0.0:8080";
    let Some((host, port)) = input.rsplit_once(':') else {
        return Err(format!("`{input}` has no port: {hint}"));
    };
    if host.is_empty() || port.parse::<u16>().is_err() {
        return Err(format!("`{input}` is not an address: {hint}"));
    }
    let mut addrs = input
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve `{host}`: {e}"))?;
    addrs
        .next()
        .ok_or_else(|| format!("`{host}` resolves to no address"))
}

/// What came back: the status line and the headers (the body is read and dropped).
#[derive(Clone, Debug)]
pub(crate) struct Received {
    /// The status.
    pub(crate) status: StatusCode,
    /// Every header, as received.
    pub(crate) headers: HeaderMap,
}

/// An HTTP client with a timeout per request.
pub(crate) struct Client {
    inner: HyperClient<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    timeout: Duration,
}

impl Client {
    /// A client that trusts the Mozilla root certificates (built in, so it works
    /// offline) and the PEM certificates of `cacert`; `timeout` bounds each request,
    /// from connecting to the end of the response headers.
    pub(crate) fn new(timeout: Duration, cacert: Option<&Path>) -> Result<Client, String> {
        let tls = client_tls(cacert, "--cacert")?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout));
        http.set_nodelay(true);
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_all_versions()
            .wrap_connector(http);
        let inner = HyperClient::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(5))
            .build(connector);
        Ok(Client { inner, timeout })
    }

    /// Sends a request with an empty body. `Err` says why no answer came (cannot
    /// connect, TLS failure, timeout, broken response), naming the URL.
    pub(crate) async fn send(&self, request: http::Request<()>) -> Result<Received, String> {
        let url = request.uri().to_string();
        let started = Instant::now();
        let (parts, ()) = request.into_parts();
        let request = http::Request::from_parts(parts, Empty::<Bytes>::new());
        let response = match tokio::time::timeout(self.timeout, self.inner.request(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => return Err(format!("{url}: {}", describe(&e))),
            Err(_) => {
                return Err(format!(
                    "{url}: no response within {} (--timeout)",
                    show_duration(self.timeout)
                ));
            }
        };
        let (parts, body) = response.into_parts();
        // Read a little of the body so that the connection can serve the next probe; a
        // slow, long or broken body does not matter.
        let left = self.timeout.saturating_sub(started.elapsed());
        let _ = tokio::time::timeout(left, Limited::new(body, MAX_DRAINED_BODY).collect()).await;
        Ok(Received {
            status: parts.status,
            headers: parts.headers,
        })
    }
}

/// An error and its causes, `: `-separated, without repeating a cause's text.
fn describe(error: &hyper_util::client::legacy::Error) -> String {
    let mut text = if error.is_connect() {
        "cannot connect".to_owned()
    } else {
        error.to_string()
    };
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // hyper-util's "tcp connect error" only repeats "cannot connect".
        let repeats = error.is_connect() && cause_text == "tcp connect error";
        if !repeats && !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// `10s`, `1500ms`.
pub(crate) fn show_duration(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

/// Every header as `(name, value)` pairs, lowercase names, in order.
pub(crate) fn pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), output::lossy(value)))
        .collect()
}

/// Whether a response header matters to CORS: `Access-Control-*`, `Vary` and `Location`.
pub(crate) fn is_cors_relevant(name: &HeaderName) -> bool {
    let name = name.as_str();
    name.starts_with("access-control-") || name == "vary" || name == "location"
}

/// `200 OK`, `299` (a status without a reason phrase).
pub(crate) fn status_line(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// A process-unique token for the probes' random names (no randomness source needed:
/// the clock and the process id are unique enough to miss every real path).
pub(crate) fn unique_token() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{:x}{:x}", std::process::id(), nanos)
}

/// A Tokio runtime for one command.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// A TLS client configuration that trusts the Mozilla root certificates (built in, so
/// it works offline) and the PEM certificates of `ca`, if given; `label` names the
/// option `ca` came from in errors (`--cacert`, `upstream_ca`).
pub(crate) fn client_tls(ca: Option<&Path>, label: &str) -> Result<rustls::ClientConfig, String> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca {
        let mut added = 0;
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| format!("cannot read {label} {}: {e}", path.display()))?;
        for cert in certs {
            let cert = cert.map_err(|e| format!("cannot read {label} {}: {e}", path.display()))?;
            roots.add(cert).map_err(|e| {
                format!("{label} {}: not a usable certificate: {e}", path.display())
            })?;
            added += 1;
        }
        if added == 0 {
            return Err(format!(
                "{label} {}: no PEM certificate in the file",
                path.display()
            ));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(show_duration(Duration::from_secs(10)), "10s");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn urls() {
        assert!(parse_url("http://127.0.0.1:8080/api").is_ok());
        assert!(parse_url("HTTPS://example.com").is_ok());
        for bad in [
            "",
            "/api",
            "example.com/api",
            "ftp://example.com/",
            "http:///x",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_url("ftp://example.com/").unwrap_err(),
            "`ftp://example.com/`: only http:// and https:// URLs are supported, not ftp://"
        );
        assert_eq!(
            parse_url("127.0.0.1:59999/api").unwrap_err(),
            "`127.0.0.1:59999/api` has no scheme: did you mean `http://127.0.0.1:59999/api`? \
             (or `https://127.0.0.1:59999/api`)"
        );
        assert!(
            parse_url("/api")
                .unwrap_err()
                .contains("`http://localhost:8080/api`")
        );
        assert!(
            parse_url("localhost:8080/api")
                .unwrap_err()
                .contains("did you mean")
        );
        assert!(
            parse_url("example.com")
                .unwrap_err()
                .contains("did you mean")
        );
        for not_a_url in ["http:/x", "mailto:a@example.com", "https:"] {
            let err = parse_url(not_a_url).unwrap_err();
            assert!(err.ends_with("https://host[:port]/path"), "{err}");
        }
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(
            parse_listen("127.0.0.1:8080").unwrap(),
            "127.0.0.1:8080".parse().unwrap()
        );
        assert_eq!(parse_listen("[::1]:0").unwrap(), "[::1]:0".parse().unwrap());
        let local = parse_listen("localhost:8080").unwrap();
        assert!(local.ip().is_loopback() && local.port() == 8080, "{local}");
        for bad in [
            "localhost",
            ":8080",
            "localhost:http",
            "localhost:70000",
            "",
        ] {
            assert!(parse_listen(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn statuses() {
        assert_eq!(status_line(StatusCode::NO_CONTENT), "204 No Content");
        assert_eq!(status_line(StatusCode::from_u16(299).unwrap()), "299");
    }
}
