//! The built-in demo: a small JSON API on a private loopback port, and the sample policy
//! put in front of it when `corsair serve` runs with no policy file and no upstream.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::proxy::ProxyBody;

/// The sample policy (the same as `examples/corsair.toml`).
pub(crate) const POLICY: &str = r#"
[cors]
allow_origins = [
    "https://app.example.com",
    "https://*.example.com",
    "http://localhost:*",
    "http://127.0.0.1:*",
]
allow_methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
allow_headers = ["content-type", "authorization", "x-request-id"]
expose_headers = ["x-request-id"]
allow_credentials = true
cross_origin_protection = true
max_age = 600

[[routes]]
path = "/public"
allow_origins = ["*"]
allow_credentials = false

[[routes]]
path = "/healthz"
enabled = false
"#;

/// Starts the demo API on `127.0.0.1:0`; returns its address.
pub(crate) async fn spawn() -> Result<SocketAddr, String> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| format!("corsair: cannot start the demo API: {e}\n"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("corsair: cannot start the demo API: {e}\n"))?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service =
                    service_fn(|request| async move { Ok::<_, Infallible>(answer(&request)) });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(addr)
}

/// The curl commands printed at start, for a gateway at `addr`.
pub(crate) fn try_these(addr: SocketAddr) -> String {
    format!(
        "\
the built-in demo API behind a sample policy (no --config, no --upstream); try:

  # an allowed preflight: 204 with the CORS headers, answered by the gateway
  curl -si -X OPTIONS http://{addr}/api/items -H 'Origin: https://app.example.com' \\
      -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: content-type'

  # a rejected preflight: 403, no CORS headers, never reaches the API
  curl -si -X OPTIONS http://{addr}/api/items -H 'Origin: https://evil.example' \\
      -H 'Access-Control-Request-Method: PUT'

  # an actual request: the API answers, the gateway adds the CORS headers
  curl -si http://{addr}/api/items/1 -H 'Origin: https://admin.example.com'

"
    )
}

fn item(method: &Method, id: &str) -> (StatusCode, String) {
    match (method, id) {
        (&Method::GET, "1") => (StatusCode::OK, r#"{"id":1,"name":"anchor"}"#.to_owned()),
        (&Method::GET, "2") => (StatusCode::OK, r#"{"id":2,"name":"compass"}"#.to_owned()),
        (&Method::PUT | &Method::PATCH, "1" | "2") => {
            (StatusCode::OK, format!(r#"{{"id":{id},"updated":true}}"#))
        }
        (&Method::DELETE, "1" | "2") => (StatusCode::NO_CONTENT, String::new()),
        _ => (
            StatusCode::NOT_FOUND,
            r#"{"error":"no such item"}"#.to_owned(),
        ),
    }
}

fn answer(request: &Request<Incoming>) -> Response<ProxyBody> {
    let path = request.uri().path();
    let method = request.method();
    let (status, body) = match (method, path) {
        (&Method::GET, "/api/items") => (
            StatusCode::OK,
            r#"[{"id":1,"name":"anchor"},{"id":2,"name":"compass"}]"#.to_owned(),
        ),
        (&Method::POST, "/api/items") => (StatusCode::CREATED, r#"{"id":3}"#.to_owned()),
        (&Method::GET, "/public/catalogue") => (
            StatusCode::OK,
            r#"{"catalogue":["anchor","compass"]}"#.to_owned(),
        ),
        (&Method::GET, "/healthz") => (StatusCode::OK, r#"{"status":"ok"}"#.to_owned()),
        (m, p) if p.starts_with("/api/items/") => item(m, p.trim_start_matches("/api/items/")),
        _ => (StatusCode::NOT_FOUND, r#"{"error":"not found"}"#.to_owned()),
    };
    let mut response = Response::new(ProxyBody::full(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("x-request-id", HeaderValue::from_static("req-42"));
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_policy_is_the_sample_policy() {
        let sample: toml::Table = include_str!("../../../../examples/corsair.toml")
            .parse()
            .unwrap();
        let demo: toml::Table = super::POLICY.parse().unwrap();
        assert_eq!(demo, sample);
    }
}
