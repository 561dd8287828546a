//! Cross-origin write protection (`cross_origin_protection`) in real Chromium: a form
//! POST and a `fetch` POST with a `text/plain` body, the two writes a page on any site
//! can send without a preflight, from a page of an allowed origin and from a page of
//! another site. The API (the tower layer in axum) counts what arrived at its door and
//! what reached its handlers: every write arrives; only the allowed origin's reach the
//! application.
//!
//! The pages are `http://127.0.0.1:P` (allowed; same-site with the API on 127.0.0.1,
//! so Chromium sends `Sec-Fetch-Site: same-site`, a cross-origin write that the policy's
//! allowlist lets through) and `http://localhost:P` (another site: `cross-site`).
//!
//! Needs what the real-browser suite needs (Chromium, Node.js, playwright-core); skipped
//! with a `corsair-test-skipped:` line when one is missing, and failed under CI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::HashMap;
use std::io::Write;
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{Html, Response};
use axum::routing::{get, post};
use corsair_browser_suite::runner;

type Counts = Arc<Mutex<HashMap<String, usize>>>;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn count(counts: &Counts, path: &str) {
    *counts.lock().unwrap().entry(path.to_owned()).or_default() += 1;
}

async fn arrival(State(arrivals): State<Counts>, request: Request, next: Next) -> Response {
    if request.method() == http::Method::POST {
        count(&arrivals, request.uri().path());
    }
    next.run(request).await
}

async fn serve(router: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_writes_from_other_sites_never_reach_the_application() {
    let tools = match runner::find_tools(&corsair_browser_suite::suite_dir()) {
        Ok(tools) => tools,
        Err(missing) if in_ci() => panic!("cannot run under CI: {missing}"),
        Err(missing) => {
            let _ = std::io::stderr().write_all(
                format!("corsair-test-skipped: chromium_writes_from_other_sites_never_reach_the_application: {missing}\n")
                    .as_bytes(),
            );
            return;
        }
    };

    let pages = serve(Router::new().route(
        "/",
        get(|| async { Html("<!doctype html><title>page</title><body></body>") }),
    ))
    .await;
    let allowed_page = format!("http://127.0.0.1:{}", pages.port());
    let other_site_page = format!("http://localhost:{}", pages.port());

    let policy = corsair::Policy::builder()
        .allow_origins([allowed_page.as_str()])
        .allow_credentials(true)
        .cross_origin_protection(true)
        .build()
        .unwrap();
    let arrivals: Counts = Counts::default();
    let handled: Counts = Counts::default();
    let handler = {
        let handled = handled.clone();
        move |request: Request| {
            let handled = handled.clone();
            async move {
                count(&handled, request.uri().path());
                "done"
            }
        }
    };
    let api = serve(
        Router::new()
            .route("/form/{name}", post(handler.clone()))
            .route("/fetch/{name}", post(handler))
            .layer(corsair::CorsLayer::new(policy))
            .layer(middleware::from_fn_with_state(arrivals.clone(), arrival)),
    )
    .await;

    let work =
        std::env::temp_dir().join(format!("corsair-write-protection-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let input = work.join("input.json");
    let document = serde_json::json!({
        "chromium": tools.chromium,
        "pages": { "allowed": allowed_page, "other-site": other_site_page },
        "api": format!("http://127.0.0.1:{}", api.port()),
    });
    std::fs::write(&input, document.to_string()).unwrap();
    let suite_dir = tools.suite_dir.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(suite_dir.join("write_protection.mjs"))
            .arg(&input)
            .current_dir(&suite_dir)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&work);
    assert!(
        output.status.success(),
        "node: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    let arrivals = arrivals.lock().unwrap().clone();
    let handled = handled.lock().unwrap().clone();
    // Chromium sent every write: the test would prove nothing otherwise.
    for path in [
        "/form/allowed",
        "/fetch/allowed",
        "/form/other-site",
        "/fetch/other-site",
    ] {
        assert_eq!(arrivals.get(path), Some(&1), "{path} arrived: {arrivals:?}");
    }
    // The allowed origin writes; the other site's form and fetch never reach the handler.
    assert_eq!(handled.get("/form/allowed"), Some(&1), "{handled:?}");
    assert_eq!(handled.get("/fetch/allowed"), Some(&1), "{handled:?}");
    assert_eq!(handled.get("/form/other-site"), None, "{handled:?}");
    assert_eq!(handled.get("/fetch/other-site"), None, "{handled:?}");
}
