//! The same small JSON API as `axum.rs`, on actix-web, behind corsair's middleware.
//!
//! ```text
//! cargo run -p corsair-examples --example actix
//! ```
//!
//! It reads `examples/corsair.toml` (or the file named by `CORSAIR_CONFIG`) and listens on
//! `127.0.0.1:8081` (or `CORSAIR_LISTEN`). Try it:
//!
//! ```text
//! curl -si -X OPTIONS http://127.0.0.1:8081/api/items \
//!     -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PUT'
//! curl -si http://127.0.0.1:8081/api/items -H 'Origin: https://admin.example.com'
//! ```
//!
//! Run with `RUST_LOG=corsair=debug` (the default here) to see every decision.

use actix_web::{App, HttpResponse, HttpServer, web};
use corsair::Config;
use serde_json::json;

const DEFAULT_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corsair.toml");

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "corsair=debug,info".into()),
        )
        .init();

    let path = std::env::var("CORSAIR_CONFIG").unwrap_or_else(|_| DEFAULT_CONFIG.to_owned());
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let policy = Config::from_toml_str(&text)
        .and_then(Config::build)
        .map_err(|e| format!("{path}: {e}"))?;
    for warning in policy.warnings() {
        eprintln!("{path}: {warning}");
    }
    // One middleware, shared by every worker: a reconfiguration through
    // `cors.handle()` reaches them all.
    let cors = corsair::actix::Cors::new(policy);

    let addr = std::env::var("CORSAIR_LISTEN").unwrap_or_else(|_| "127.0.0.1:8081".to_owned());
    println!("corsair actix example: http://{addr} (policy {path})");
    HttpServer::new(move || {
        App::new()
            .wrap(cors.clone())
            .route("/api/items", web::get().to(list_items))
            .route("/api/items", web::post().to(create_item))
            .route("/api/items/{id}", web::get().to(get_item))
            .route("/api/items/{id}", web::put().to(update_item))
            .route("/api/items/{id}", web::delete().to(delete_item))
            .route("/public/catalogue", web::get().to(catalogue))
            .route("/healthz", web::get().to(|| async { "ok" }))
    })
    .bind(addr)?
    .run()
    .await?;
    Ok(())
}

fn with_request_id(status: actix_web::http::StatusCode, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("x-request-id", "req-42"))
        .json(body)
}

async fn list_items() -> HttpResponse {
    with_request_id(
        actix_web::http::StatusCode::OK,
        json!([{"id": 1, "name": "anchor"}, {"id": 2, "name": "sail"}]),
    )
}

async fn create_item() -> HttpResponse {
    with_request_id(
        actix_web::http::StatusCode::CREATED,
        json!({"id": 3, "name": "new"}),
    )
}

async fn get_item(id: web::Path<u32>) -> HttpResponse {
    let id = id.into_inner();
    if id > 2 {
        // Errors carry the CORS headers too, so the page can read them.
        return with_request_id(
            actix_web::http::StatusCode::NOT_FOUND,
            json!({"error": "no such item"}),
        );
    }
    with_request_id(actix_web::http::StatusCode::OK, json!({"id": id}))
}

async fn update_item(id: web::Path<u32>) -> HttpResponse {
    with_request_id(
        actix_web::http::StatusCode::OK,
        json!({"id": id.into_inner(), "updated": true}),
    )
}

async fn delete_item() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

async fn catalogue() -> HttpResponse {
    HttpResponse::Ok().json(json!({"items": ["anchor", "sail", "compass"]}))
}
