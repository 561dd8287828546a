//! The demo API of `corsair serve`, in an axum application behind corsair's tower layer.
//!
//! ```text
//! cargo run -p corsair-examples --example axum
//! ```
//!
//! It reads `examples/corsair.toml` (or the file named by `CORSAIR_CONFIG`) and listens on
//! `127.0.0.1:8081` (or `CORSAIR_LISTEN`), so that it can run beside `corsair serve`
//! (8080). The API (`api.rs`) answers exactly as the gateway's demo does. Try it:
//!
//! ```text
//! # a preflight from an allowed origin: 204 with the CORS headers
//! curl -si -X OPTIONS http://127.0.0.1:8081/api/items \
//!     -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PUT' \
//!     -H 'Access-Control-Request-Headers: content-type'
//! # the same from another origin: 403, no CORS headers, the handler never runs
//! curl -si -X OPTIONS http://127.0.0.1:8081/api/items \
//!     -H 'Origin: https://evil.example' -H 'Access-Control-Request-Method: PUT'
//! # an actual request: the application answers, corsair adds the headers
//! curl -si http://127.0.0.1:8081/api/items/1 -H 'Origin: https://admin.example.com'
//! ```
//!
//! Logs go to standard error (every corsair decision at debug; `RUST_LOG` filters them).

use std::process::ExitCode;

use axum::Router;
use axum::ServiceExt;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use corsair::CorsLayer;
use tower_layer::Layer as _;

mod api;
mod setup;

#[tokio::main]
async fn main() -> ExitCode {
    setup::init_logging();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("axum example: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let (path, policy) = setup::load_policy()?;
    let addr = setup::listen_addr("127.0.0.1:8081")?;

    // An application's routes would go here; this one answers everything in `api.rs`.
    let router = Router::new().fallback(serve_api);
    // The layer wraps the whole router rather than going inside it (`router.layer(..)`):
    // preflights are answered before routing, for every path, and axum's method router
    // does not add its `Allow` header to corsair's answers.
    let app = CorsLayer::new(policy).layer(router);

    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("corsair axum example: http://{addr} (policy {path})");
    println!(
        "try: curl -si -X OPTIONS http://{addr}/api/items -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PUT'"
    );
    axum::serve(listener, ServiceExt::<Request>::into_make_service(app))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("server error: {e}"))
}

async fn serve_api(method: Method, uri: Uri) -> Response {
    let (status, body) = api::answer(method.as_str(), uri.path());
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert("x-request-id", HeaderValue::from_static(api::REQUEST_ID));
    response
}
