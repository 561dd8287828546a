//! The end-to-end benchmark server (scripts/bench-e2e.sh): an axum application on one
//! thread with no CORS, corsair's layer or tower-http's, for the 1-origin policy.
//!
//! Usage: `bench-server none|same-headers|corsair|tower-http PORT` (`same-headers`: no
//! CORS layer, the handler answers with the headers corsair would add)
//!
//! Ctrl-C (SIGINT) stops it cleanly, so that a profiler running it writes its data
//! (scripts/e2e-insn.sh).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, VARY};
use axum::{Router, routing::get};
use corsair_benches::Origins;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args
        .next()
        .expect("mode: none, same-headers, corsair or tower-http");
    let port: u16 = args.next().expect("port").parse().expect("a port number");
    let app = Router::new().route("/items", get(|| async { "[]" }).put(|| async { "ok" }));
    let app = match mode.as_str() {
        "none" => app,
        // No middleware: the handler itself answers with the headers corsair adds to this
        // response, so that what hyper spends on writing them is measured apart.
        "same-headers" => Router::new().route(
            "/items",
            get(|| async {
                (
                    [
                        (ACCESS_CONTROL_ALLOW_ORIGIN, Origins::One.allowed()),
                        (VARY, "origin"),
                    ],
                    "[]",
                )
            }),
        ),
        "corsair" => app.layer(corsair::CorsLayer::new(Origins::One.corsair())),
        "tower-http" => app.layer(Origins::One.tower_http()),
        other => panic!("unknown mode {other}"),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            // Without a handler the signal would kill the process before a profiler
            // wrapping it could write its data; an error means no signal will come.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
        .unwrap();
}
