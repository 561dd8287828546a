//! The README's "Add it to your axum application", whole: cargo run -p corsair-examples --example quickstart
use axum::{Router, ServiceExt, extract::Request, routing::get};
use corsair::{CorsLayer, Policy};
use tower_layer::Layer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = Policy::builder()
        .allow_origins(["https://app.example.com", "https://*.example.com"])
        .allow_methods(["GET", "POST", "PUT", "DELETE"])
        .allow_headers(["content-type", "authorization"])
        .allow_credentials(true)
        .max_age(600)
        .build()?; // every mistake at once, never a panic

    let router = Router::new().route("/api/items", get(|| async { "[]" }));
    // Wrap the whole router (rather than `router.layer(...)`): preflights are answered
    // before routing, for every path, without axum's `Allow` header.
    let app = CorsLayer::new(policy).layer(router);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, ServiceExt::<Request>::into_make_service(app)).await?;
    Ok(())
}
