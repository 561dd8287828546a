//! A small JSON API behind corsair's tower layer.
//!
//! ```text
//! cargo run -p corsair-examples --example axum
//! ```
//!
//! It reads `examples/corsair.toml` (or the file named by `CORSAIR_CONFIG`) and listens on
//! `127.0.0.1:8080` (or `CORSAIR_LISTEN`). Try it:
//!
//! ```text
//! # a preflight from an allowed origin: 204 with the CORS headers
//! curl -si -X OPTIONS http://127.0.0.1:8080/api/items \
//!     -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PUT' \
//!     -H 'Access-Control-Request-Headers: content-type'
//! # the same from another origin: 403, no CORS headers, the handler never runs
//! curl -si -X OPTIONS http://127.0.0.1:8080/api/items \
//!     -H 'Origin: https://evil.example' -H 'Access-Control-Request-Method: PUT'
//! # an actual request: the application answers, corsair adds the headers
//! curl -si http://127.0.0.1:8080/api/items -H 'Origin: https://admin.example.com'
//! ```
//!
//! Run with `RUST_LOG=corsair=debug` to see every decision and its reason.

use std::net::SocketAddr;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use corsair::{Config, CorsLayer};
use serde_json::json;

const DEFAULT_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corsair.toml");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "corsair=debug,info".into()),
        )
        .init();

    let path = std::env::var("CORSAIR_CONFIG").unwrap_or_else(|_| DEFAULT_CONFIG.to_owned());
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    // Every mistake in the file is reported at once, with a code and a fix.
    let policy = Config::from_toml_str(&text)
        .and_then(Config::build)
        .map_err(|e| format!("{path}: {e}"))?;
    for warning in policy.warnings() {
        eprintln!("{path}: {warning}");
    }

    let app = Router::new()
        .route("/api/items", get(list_items).post(create_item))
        .route(
            "/api/items/{id}",
            get(get_item).put(update_item).delete(delete_item),
        )
        .route("/public/catalogue", get(catalogue))
        .route("/healthz", get(|| async { "ok" }))
        .layer(CorsLayer::new(policy));

    let addr: SocketAddr = std::env::var("CORSAIR_LISTEN")
        .unwrap_or_else(|_| "127.0.0.1:8080".to_owned())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("corsair axum example: http://{addr} (policy {path})");
    println!(
        "try: curl -si -X OPTIONS http://{addr}/api/items -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PUT'"
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

fn with_request_id(body: serde_json::Value, status: StatusCode) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert("x-request-id", HeaderValue::from_static("req-42"));
    response
}

async fn list_items() -> Response {
    with_request_id(
        json!([{"id": 1, "name": "anchor"}, {"id": 2, "name": "sail"}]),
        StatusCode::OK,
    )
}

async fn create_item() -> Response {
    with_request_id(json!({"id": 3, "name": "new"}), StatusCode::CREATED)
}

async fn get_item(Path(id): Path<u32>) -> Response {
    if id > 2 {
        // Errors carry the CORS headers too, so the page can read them.
        return with_request_id(json!({"error": "no such item"}), StatusCode::NOT_FOUND);
    }
    with_request_id(json!({"id": id}), StatusCode::OK)
}

async fn update_item(Path(id): Path<u32>) -> Response {
    with_request_id(json!({"id": id, "updated": true}), StatusCode::OK)
}

async fn delete_item(Path(_id): Path<u32>) -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn catalogue() -> Json<serde_json::Value> {
    Json(json!({"items": ["anchor", "sail", "compass"]}))
}
