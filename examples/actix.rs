//! The demo API of `corsair serve`, in an actix-web application behind corsair's
//! middleware: the twin of `axum.rs`.
//!
//! ```text
//! cargo run -p corsair-examples --example actix
//! ```
//!
//! It reads `examples/corsair.toml` (or the file named by `CORSAIR_CONFIG`) and listens on
//! `127.0.0.1:8082` (or `CORSAIR_LISTEN`). The API (`api.rs`) answers exactly as the
//! gateway's demo does. Try it:
//!
//! ```text
//! curl -si -X OPTIONS http://127.0.0.1:8082/api/items \
//!     -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PUT'
//! curl -si http://127.0.0.1:8082/api/items/1 -H 'Origin: https://admin.example.com'
//! ```
//!
//! Logs go to standard error (every corsair decision at debug; `RUST_LOG` filters them).

use std::process::ExitCode;

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

mod api;
mod setup;

#[actix_web::main]
async fn main() -> ExitCode {
    setup::init_logging();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("actix example: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let (path, policy) = setup::load_policy()?;
    let addr = setup::listen_addr("127.0.0.1:8082")?;
    // One middleware, shared by every worker: a reconfiguration through
    // `cors.handle()` reaches them all.
    let cors = corsair::actix::Cors::new(policy);

    let server = HttpServer::new(move || {
        App::new()
            .wrap(cors.clone())
            // An application's routes would go here; this one answers everything in `api.rs`.
            .default_service(web::to(serve_api))
    })
    .bind(addr)
    .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("corsair actix example: http://{addr} (policy {path})");
    server.run().await.map_err(|e| format!("server error: {e}"))
}

async fn serve_api(request: HttpRequest) -> HttpResponse {
    let (status, body) = api::answer(request.method().as_str(), request.path());
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .content_type("application/json")
        .insert_header(("x-request-id", api::REQUEST_ID))
        .body(body)
}
