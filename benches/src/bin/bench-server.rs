//! The end-to-end benchmark server (scripts/bench-e2e.sh): an axum application on one
//! thread with no CORS, corsair's layer or tower-http's, for the 1-origin policy.
//!
//! Usage: `bench-server none|corsair|tower-http PORT`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::{Router, routing::get};
use corsair_benches::Origins;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().expect("mode: none, corsair or tower-http");
    let port: u16 = args.next().expect("port").parse().expect("a port number");
    let app = Router::new().route("/items", get(|| async { "[]" }).put(|| async { "ok" }));
    let app = match mode.as_str() {
        "none" => app,
        "corsair" => app.layer(corsair::CorsLayer::new(Origins::One.corsair())),
        "tower-http" => app.layer(Origins::One.tower_http()),
        other => panic!("unknown mode {other}"),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    axum::serve(listener, app).await.unwrap();
}
