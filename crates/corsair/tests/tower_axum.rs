//! The tower layer inside an axum `Router`, and under hyper's `ServiceBuilder` style,
//! driven with `tower::ServiceExt::oneshot`.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::type_complexity,
    missing_docs
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, options};
use corsair::{Config, CorsLayer, Policy, Preset, RouteConfig};
use http_body_util::BodyExt;
use tower::{ServiceBuilder, ServiceExt};

fn policy() -> Policy {
    Policy::builder()
        .allow_origins(["https://app.example", "https://*.example.com"])
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type", "x-request-id"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(300)
        .route(
            RouteConfig::new("/public")
                .allow_origins(["*"])
                .allow_credentials(false),
        )
        .route(RouteConfig::new("/webdav").enabled(false))
        .build()
        .unwrap()
}

/// A router whose handlers count their calls.
fn app(calls: Arc<AtomicUsize>, layer: CorsLayer) -> Router {
    let counted = move |response: &'static str| {
        let calls = calls.clone();
        move || {
            let calls = calls.clone();
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                let mut headers = HeaderMap::new();
                headers.insert("x-request-id", HeaderValue::from_static("r-1"));
                headers.insert("vary", HeaderValue::from_static("accept-encoding"));
                (headers, response).into_response()
            }
        }
    };
    Router::new()
        .route("/items", get(counted("items")).put(counted("put")))
        .route(
            "/items/{id}",
            options(counted("options")).delete(counted("deleted")),
        )
        .route("/public/catalogue", get(counted("catalogue")))
        .route("/webdav", options(counted("dav")))
        .route(
            "/fail",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route(
            "/leaky",
            get(|| async {
                // An application that sets CORS headers of its own.
                let mut h = HeaderMap::new();
                h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
                h.insert(
                    "access-control-allow-credentials",
                    HeaderValue::from_static("true"),
                );
                (h, "leaky")
            }),
        )
        .layer(layer)
}

async fn send(app: &Router, request: Request<Body>) -> (Response<Body>, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        Response::from_parts(parts, Body::empty()),
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

fn cors_headers(response: &Response<Body>) -> Vec<String> {
    response
        .headers()
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

#[tokio::test]
async fn preflight_is_answered_by_corsair_and_never_reaches_the_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = app(calls.clone(), CorsLayer::new(policy()));
    let request = Request::options("/items/7")
        .header("origin", "https://app.example")
        .header("access-control-request-method", "DELETE")
        .header("access-control-request-headers", "content-type")
        .body(Body::empty())
        .unwrap();
    let (response, body) = send(&app, request).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(body, "");
    let h = response.headers();
    assert_eq!(h["access-control-allow-origin"], "https://app.example");
    assert_eq!(h["access-control-allow-credentials"], "true");
    assert_eq!(h["access-control-allow-methods"], "DELETE");
    assert_eq!(h["access-control-allow-headers"], "content-type");
    assert_eq!(h["access-control-max-age"], "300");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn rejected_preflight_is_a_bare_403_and_never_reaches_the_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = app(calls.clone(), CorsLayer::new(policy()));
    for (origin, method, headers) in [
        ("https://evil.example", "DELETE", ""),
        ("https://app.example", "PATCH", ""),
        ("https://app.example", "DELETE", "x-secret"),
    ] {
        let mut request = Request::options("/items/7")
            .header("origin", origin)
            .header("access-control-request-method", method);
        if !headers.is_empty() {
            request = request.header("access-control-request-headers", headers);
        }
        let (response, body) = send(&app, request.body(Body::empty()).unwrap()).await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{origin} {method} {headers}"
        );
        assert_eq!(body, "");
        assert!(
            cors_headers(&response).is_empty(),
            "{:?}",
            cors_headers(&response)
        );
        assert!(
            response.headers()["vary"]
                .to_str()
                .unwrap()
                .contains("Origin")
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn other_options_requests_reach_the_application() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = app(calls.clone(), CorsLayer::new(policy()));
    // OPTIONS with an Origin but no Access-Control-Request-Method is an actual request.
    let request = Request::options("/items/7")
        .header("origin", "https://app.example")
        .body(Body::empty())
        .unwrap();
    let (response, body) = send(&app, request).await;
    assert_eq!(body, "options");
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    // OPTIONS without Origin: not CORS at all.
    let (_, body) = send(
        &app,
        Request::options("/items/7").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(body, "options");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn actual_requests_get_headers_and_vary_is_merged() {
    let app = app(Arc::default(), CorsLayer::new(policy()));
    let request = Request::get("/items")
        .header("origin", "https://a.example.com")
        .body(Body::empty())
        .unwrap();
    let (response, body) = send(&app, request).await;
    assert_eq!(body, "items");
    let h = response.headers();
    assert_eq!(h["access-control-allow-origin"], "https://a.example.com");
    assert_eq!(h["access-control-allow-credentials"], "true");
    assert_eq!(h["access-control-expose-headers"], "x-request-id");
    assert_eq!(h.get_all("vary").iter().count(), 1);
    assert_eq!(h["vary"], "accept-encoding, Origin");
}

#[tokio::test]
async fn rejected_origin_reaches_the_application_without_cors_headers() {
    let app = app(Arc::default(), CorsLayer::new(policy()));
    for path in ["/items", "/leaky"] {
        let request = Request::get(path)
            .header("origin", "https://app.example.evil.net")
            .body(Body::empty())
            .unwrap();
        let (response, _) = send(&app, request).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            cors_headers(&response).is_empty(),
            "{path}: {:?}",
            cors_headers(&response)
        );
        assert!(
            response.headers()["vary"]
                .to_str()
                .unwrap()
                .contains("Origin")
        );
    }
}

#[tokio::test]
async fn error_responses_carry_the_headers_too() {
    let app = app(Arc::default(), CorsLayer::new(policy()));
    for path in ["/fail", "/no-such-route"] {
        let request = Request::get(path)
            .header("origin", "https://app.example")
            .body(Body::empty())
            .unwrap();
        let (response, _) = send(&app, request).await;
        assert!(response.status().is_server_error() || response.status().is_client_error());
        assert_eq!(
            response.headers()["access-control-allow-origin"],
            "https://app.example",
            "{path}"
        );
    }
}

#[tokio::test]
async fn application_cors_headers_are_replaced() {
    let app = app(Arc::default(), CorsLayer::new(policy()));
    let request = Request::get("/leaky")
        .header("origin", "https://app.example")
        .body(Body::empty())
        .unwrap();
    let (response, _) = send(&app, request).await;
    let h = response.headers();
    assert_eq!(h.get_all("access-control-allow-origin").iter().count(), 1);
    assert_eq!(h["access-control-allow-origin"], "https://app.example");
}

#[tokio::test]
async fn routes_apply() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = app(calls.clone(), CorsLayer::new(policy()));
    let request = Request::get("/public/catalogue")
        .header("origin", "https://anyone.example")
        .body(Body::empty())
        .unwrap();
    let (response, _) = send(&app, request).await;
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(
        response
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    // CORS is off under /webdav: even a preflight-shaped request reaches the application.
    let request = Request::options("/webdav")
        .header("origin", "https://app.example")
        .header("access-control-request-method", "PROPFIND")
        .body(Body::empty())
        .unwrap();
    let (response, body) = send(&app, request).await;
    assert_eq!(body, "dav");
    assert!(cors_headers(&response).is_empty());
}

#[tokio::test]
async fn reconfiguration_is_atomic_and_all_or_nothing() {
    let layer = CorsLayer::new(policy());
    let handle = layer.handle();
    let app = app(Arc::default(), layer);
    let from = |origin: &'static str| {
        Request::get("/items")
            .header("origin", origin)
            .body(Body::empty())
            .unwrap()
    };
    let (response, _) = send(&app, from("https://app.example")).await;
    assert!(
        response
            .headers()
            .contains_key("access-control-allow-origin")
    );

    // An invalid policy is refused whole: the old one stays.
    let bad = Config::default()
        .allow_origins(["https://new.example", "*"])
        .allow_credentials(true);
    assert!(handle.reconfigure(bad).is_err());
    let (response, _) = send(&app, from("https://app.example")).await;
    assert!(
        response
            .headers()
            .contains_key("access-control-allow-origin")
    );
    let (response, _) = send(&app, from("https://new.example")).await;
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );

    // A valid one replaces it for every service the layer made.
    handle
        .reconfigure(Config::default().allow_origins(["https://new.example"]))
        .unwrap();
    let (response, _) = send(&app, from("https://new.example")).await;
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://new.example"
    );
    let (response, _) = send(&app, from("https://app.example")).await;
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

#[tokio::test]
async fn works_with_service_builder_as_hyper_uses_it() {
    let service = ServiceBuilder::new()
        .layer(CorsLayer::new(policy()))
        .service_fn(|_request: Request<String>| async {
            Ok::<_, std::convert::Infallible>(Response::new(String::from("hello")))
        });
    let request = Request::get("/")
        .header("origin", "https://app.example")
        .body(String::new())
        .unwrap();
    let response = service.oneshot(request).await.unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(response.body(), "hello");
}

/// tonic's body type works as is: gRPC-Web clients in browsers need CORS too, and the
/// `grpc-web` preset gives them the headers they send and read.
#[tokio::test]
async fn works_with_tonic_bodies() {
    let service = ServiceBuilder::new()
        .layer(CorsLayer::new(
            Policy::builder()
                .allow_origins(["https://app.example"])
                .preset(Preset::GrpcWeb)
                .build()
                .unwrap(),
        ))
        .service_fn(|_request: Request<tonic::body::Body>| async {
            let mut response = Response::new(tonic::body::Body::empty());
            response
                .headers_mut()
                .insert("grpc-status", HeaderValue::from_static("0"));
            Ok::<_, std::convert::Infallible>(response)
        });
    // What grpc-web's JavaScript client sends on a unary call.
    let preflight = Request::options("/helloworld.Greeter/SayHello")
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-grpc-web,x-user-agent",
        )
        .body(tonic::body::Body::empty())
        .unwrap();
    let response = service.clone().oneshot(preflight).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let allowed = comma_list(response.headers(), "access-control-allow-headers");
    for header in ["content-type", "x-grpc-web", "x-user-agent"] {
        assert!(
            allowed.contains(&header.to_owned()),
            "{header}: {allowed:?}"
        );
    }
    let call = Request::post("/helloworld.Greeter/SayHello")
        .header("origin", "https://app.example")
        .body(tonic::body::Body::empty())
        .unwrap();
    let response = service.oneshot(call).await.unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let exposed = comma_list(response.headers(), "access-control-expose-headers");
    for header in ["grpc-status", "grpc-message"] {
        assert!(
            exposed.contains(&header.to_owned()),
            "{header}: {exposed:?}"
        );
    }
    assert_eq!(response.headers()["grpc-status"], "0");
}

/// The comma-separated values of header `name`, lowercased.
fn comma_list(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .collect()
}

#[tokio::test]
async fn cross_origin_writes_are_refused_before_the_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let protected = Config::default()
        .allow_origins(["https://app.example"])
        .allow_methods(["DELETE"])
        .allow_credentials(true)
        .cross_origin_protection(true)
        .build()
        .unwrap();
    let app = app(calls.clone(), CorsLayer::new(protected));
    let delete = |origin: &str, site: &str| {
        Request::delete("/items/7")
            .header("host", "api.example")
            .header("origin", origin)
            .header("sec-fetch-site", site)
            .body(Body::empty())
            .unwrap()
    };
    // Another site's write: 403, no CORS header, the handler never called.
    let (response, body) = send(&app, delete("https://evil.example", "cross-site")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(body, "");
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    // The allowed origin writes, and reads the answer.
    let (response, body) = send(&app, delete("https://app.example", "cross-site")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body, "deleted");
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    // The same origin writes too.
    let (response, _) = send(&app, delete("https://api.example", "same-origin")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

/// A layer whose lookup allows `https://acme.example` under `/items` only, and counts
/// the lookups.
fn looked_up(
    lookups: Arc<AtomicUsize>,
) -> corsair::AsyncCorsLayer<
    impl Fn(HeaderValue, &http::request::Parts) -> std::future::Ready<bool> + Clone,
> {
    CorsLayer::new(policy()).allow_origins_async(
        move |origin: HeaderValue, request: &http::request::Parts| {
            lookups.fetch_add(1, Ordering::SeqCst);
            // Request-aware: the tenant may call its own paths only.
            std::future::ready(
                origin == "https://acme.example" && request.uri.path().starts_with("/items"),
            )
        },
    )
}

#[tokio::test]
async fn an_async_lookup_allows_origins_the_lists_do_not() {
    let calls = Arc::new(AtomicUsize::new(0));
    let lookups = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route("/items", get(|| async { "items" }))
        .route("/other", get(|| async { "other" }))
        .layer(looked_up(lookups.clone()))
        .layer(axum::middleware::from_fn({
            let calls = calls.clone();
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                calls.fetch_add(1, Ordering::SeqCst);
                next.run(request)
            }
        }));
    let get_from = |origin: &str, path: &str| {
        Request::get(path)
            .header("origin", origin)
            .body(Body::empty())
            .unwrap()
    };
    // A listed origin: no lookup.
    let (response, _) = send(&app, get_from("https://app.example", "/items")).await;
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(lookups.load(Ordering::SeqCst), 0);
    // The tenant: looked up, allowed, with Vary: Origin.
    let (response, body) = send(&app, get_from("https://acme.example", "/items")).await;
    assert_eq!(body, "items");
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://acme.example"
    );
    assert_eq!(
        response.headers()["access-control-allow-credentials"],
        "true"
    );
    assert_eq!(response.headers()["vary"], "Origin");
    assert_eq!(lookups.load(Ordering::SeqCst), 1);
    // The lookup sees the request: not on another path.
    let (response, body) = send(&app, get_from("https://acme.example", "/other")).await;
    assert_eq!(body, "other");
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(response.headers()["vary"], "Origin");
    // Unknown: looked up, refused, as a listed refusal is.
    let (response, _) = send(&app, get_from("https://evil.example", "/items")).await;
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(lookups.load(Ordering::SeqCst), 3);
    // A malformed origin is never looked up.
    let (response, _) = send(&app, get_from("https://EVIL.example/", "/items")).await;
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(lookups.load(Ordering::SeqCst), 3);
    // Preflights too: the tenant's is answered, an unknown one is refused; neither
    // reaches the application.
    let preflight = |origin: &str| {
        Request::options("/items")
            .header("origin", origin)
            .header("access-control-request-method", "PUT")
            .body(Body::empty())
            .unwrap()
    };
    let before = calls.load(Ordering::SeqCst);
    let (response, _) = send(&app, preflight("https://acme.example")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://acme.example"
    );
    assert_eq!(response.headers()["access-control-allow-methods"], "PUT");
    let (response, _) = send(&app, preflight("https://evil.example")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(lookups.load(Ordering::SeqCst), 5);
    // Both passed the outer counter; neither reached a handler (the router answers
    // OPTIONS /items with 405 if it gets one).
    assert_eq!(calls.load(Ordering::SeqCst), before + 2);
}
