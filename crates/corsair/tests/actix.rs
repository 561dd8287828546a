//! The actix-web middleware, through `actix_web::test`: the same behaviour as the tower
//! layer, from the same engine.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, test, web};
use corsair::{Config, Policy, RouteConfig};

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

macro_rules! app {
    ($cors:expr, $calls:expr) => {{
        let calls: Arc<AtomicUsize> = $calls;
        let counted = move |body: &'static str| {
            let calls = calls.clone();
            move || {
                let calls = calls.clone();
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    HttpResponse::Ok()
                        .insert_header(("x-request-id", "r-1"))
                        .insert_header(("vary", "accept-encoding"))
                        .body(body)
                }
            }
        };
        test::init_service(
            App::new()
                .wrap($cors)
                .route("/items", web::get().to(counted("items")))
                .route(
                    "/items/{id}",
                    web::method(actix_web::http::Method::OPTIONS).to(counted("options")),
                )
                .route("/items/{id}", web::delete().to(counted("deleted")))
                .route("/public/catalogue", web::get().to(counted("catalogue")))
                .route(
                    "/webdav",
                    web::method(actix_web::http::Method::OPTIONS).to(counted("dav")),
                )
                .route(
                    "/fail",
                    web::get().to(|| async {
                        Err::<HttpResponse, _>(actix_web::error::ErrorInternalServerError("boom"))
                    }),
                )
                .route(
                    "/leaky",
                    web::get().to(|| async {
                        HttpResponse::Ok()
                            .insert_header(("access-control-allow-origin", "*"))
                            .insert_header(("access-control-allow-credentials", "true"))
                            .body("leaky")
                    }),
                ),
        )
        .await
    }};
}

fn header<'a>(headers: &'a actix_web::http::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name}"))
}

fn cors_names(
    response: &actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
) -> Vec<String> {
    response
        .headers()
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

#[actix_web::test]
async fn preflight_is_answered_and_never_reaches_the_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = app!(corsair::actix::Cors::new(policy()), calls.clone());
    let request = test::TestRequest::with_uri("/items/7")
        .method(actix_web::http::Method::OPTIONS)
        .insert_header(("origin", "https://app.example"))
        .insert_header(("access-control-request-method", "DELETE"))
        .insert_header(("access-control-request-headers", "content-type"))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let h = response.headers();
    assert_eq!(
        header(h, "access-control-allow-origin"),
        "https://app.example"
    );
    assert_eq!(header(h, "access-control-allow-credentials"), "true");
    assert_eq!(header(h, "access-control-allow-methods"), "DELETE");
    assert_eq!(header(h, "access-control-allow-headers"), "content-type");
    assert_eq!(header(h, "access-control-max-age"), "300");
    assert_eq!(
        header(h, "vary"),
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    );
    assert_eq!(test::read_body(response).await, "");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[actix_web::test]
async fn rejected_preflight_is_a_bare_403() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = app!(corsair::actix::Cors::new(policy()), calls.clone());
    for (origin, method, headers) in [
        ("https://evil.example", "DELETE", ""),
        ("https://app.example", "PATCH", ""),
        ("https://app.example", "DELETE", "x-secret"),
    ] {
        let mut request = test::TestRequest::with_uri("/items/7")
            .method(actix_web::http::Method::OPTIONS)
            .insert_header(("origin", origin))
            .insert_header(("access-control-request-method", method));
        if !headers.is_empty() {
            request = request.insert_header(("access-control-request-headers", headers));
        }
        let response = test::call_service(&app, request.to_request()).await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{origin} {method} {headers}"
        );
        assert!(cors_names(&response).is_empty());
        // The answer still varies with what the browser asked (a cache must not serve it
        // to another origin or request), and says nothing else.
        assert_eq!(
            header(response.headers(), "vary"),
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
        );
        assert_eq!(response.headers().len(), 1, "{:?}", response.headers());
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[actix_web::test]
async fn other_options_requests_reach_the_application() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = app!(corsair::actix::Cors::new(policy()), calls.clone());
    let request = test::TestRequest::with_uri("/items/7")
        .method(actix_web::http::Method::OPTIONS)
        .insert_header(("origin", "https://app.example"))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        "https://app.example"
    );
    assert_eq!(test::read_body(response).await, "options");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn actual_requests_get_headers_and_vary_is_merged() {
    let app = app!(corsair::actix::Cors::new(policy()), Arc::default());
    let request = test::TestRequest::get()
        .uri("/items")
        .insert_header(("origin", "https://a.example.com"))
        .to_request();
    let response = test::call_service(&app, request).await;
    let h = response.headers();
    assert_eq!(
        header(h, "access-control-allow-origin"),
        "https://a.example.com"
    );
    assert_eq!(header(h, "access-control-allow-credentials"), "true");
    assert_eq!(header(h, "access-control-expose-headers"), "x-request-id");
    assert_eq!(h.get_all("vary").count(), 1);
    assert_eq!(header(h, "vary"), "accept-encoding, Origin");
}

#[actix_web::test]
async fn rejected_origin_gets_no_cors_headers_even_from_the_application() {
    let app = app!(corsair::actix::Cors::new(policy()), Arc::default());
    for path in ["/items", "/leaky"] {
        let request = test::TestRequest::get()
            .uri(path)
            .insert_header(("origin", "https://app.example.evil.net"))
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            cors_names(&response).is_empty(),
            "{path}: {:?}",
            cors_names(&response)
        );
        assert!(header(response.headers(), "vary").contains("Origin"));
    }
}

#[actix_web::test]
async fn errors_and_missing_routes_carry_the_headers() {
    let app = app!(corsair::actix::Cors::new(policy()), Arc::default());
    for (path, status) in [
        ("/fail", StatusCode::INTERNAL_SERVER_ERROR),
        ("/no-such-route", StatusCode::NOT_FOUND),
    ] {
        let request = test::TestRequest::get()
            .uri(path)
            .insert_header(("origin", "https://app.example"))
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(
            header(response.headers(), "access-control-allow-origin"),
            "https://app.example",
            "{path}"
        );
    }
}

#[actix_web::test]
async fn application_cors_headers_are_replaced() {
    let app = app!(corsair::actix::Cors::new(policy()), Arc::default());
    let request = test::TestRequest::get()
        .uri("/leaky")
        .insert_header(("origin", "https://app.example"))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(
        response
            .headers()
            .get_all("access-control-allow-origin")
            .count(),
        1
    );
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        "https://app.example"
    );
}

#[actix_web::test]
async fn routes_apply() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = app!(corsair::actix::Cors::new(policy()), calls.clone());
    let request = test::TestRequest::get()
        .uri("/public/catalogue")
        .insert_header(("origin", "https://anyone.example"))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        "*"
    );
    assert!(
        response
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    let request = test::TestRequest::with_uri("/webdav")
        .method(actix_web::http::Method::OPTIONS)
        .insert_header(("origin", "https://app.example"))
        .insert_header(("access-control-request-method", "PROPFIND"))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert!(cors_names(&response).is_empty());
    assert_eq!(test::read_body(response).await, "dav");
}

#[actix_web::test]
async fn reconfiguration_is_atomic_and_all_or_nothing() {
    let cors = corsair::actix::Cors::new(policy());
    let handle = cors.handle();
    let app = app!(cors, Arc::default());
    let allowed = |origin: &'static str| {
        test::TestRequest::get()
            .uri("/items")
            .insert_header(("origin", origin))
            .to_request()
    };
    let response = test::call_service(&app, allowed("https://app.example")).await;
    assert!(
        response
            .headers()
            .contains_key("access-control-allow-origin")
    );
    let bad = Config::default()
        .allow_origins(["https://new.example", "*"])
        .allow_credentials(true);
    assert!(handle.reconfigure(bad).is_err());
    let response = test::call_service(&app, allowed("https://app.example")).await;
    assert!(
        response
            .headers()
            .contains_key("access-control-allow-origin")
    );
    handle
        .reconfigure(Config::default().allow_origins(["https://new.example"]))
        .unwrap();
    let response = test::call_service(&app, allowed("https://new.example")).await;
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        "https://new.example"
    );
    let response = test::call_service(&app, allowed("https://app.example")).await;
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

/// The engine's four names are read through actix-web's constants; any other name a
/// caller of the public trait asks for is parsed first, and reads the same values.
#[actix_web::test]
async fn request_headers_of_an_actix_map_read_every_name() {
    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
    use corsair::RequestHeaders;

    let mut map = HeaderMap::new();
    for (name, value) in [
        ("origin", "https://app.example"),
        ("access-control-request-method", "PUT"),
        ("access-control-request-headers", "content-type"),
        ("access-control-request-headers", "x-request-id"),
        ("access-control-request-private-network", "true"),
        ("x-custom", "a"),
        ("x-custom", "b"),
    ] {
        map.append(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    let read = |name: &'static str| -> Vec<&[u8]> {
        RequestHeaders::get_all(&map, &http::HeaderName::from_static(name))
            .map(<HeaderMap as RequestHeaders>::as_bytes)
            .collect()
    };
    assert_eq!(read("origin"), [b"https://app.example"]);
    assert_eq!(read("access-control-request-method"), [b"PUT"]);
    assert_eq!(
        read("access-control-request-headers"),
        [&b"content-type"[..], b"x-request-id"]
    );
    assert_eq!(read("access-control-request-private-network"), [b"true"]);
    assert_eq!(read("x-custom"), [b"a", b"b"]);
    assert!(read("x-absent").is_empty());
}

#[actix_web::test]
async fn cross_origin_writes_are_refused_before_the_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let protected = Config::default()
        .allow_origins(["https://app.example"])
        .allow_methods(["DELETE"])
        .allow_credentials(true)
        .cross_origin_protection(true)
        .build()
        .unwrap();
    let app = app!(corsair::actix::Cors::new(protected), calls.clone());
    let delete = |origin: &'static str, site: &'static str| {
        test::TestRequest::with_uri("/items/7")
            .method(actix_web::http::Method::DELETE)
            .insert_header(("host", "api.example"))
            .insert_header(("origin", origin))
            .insert_header(("sec-fetch-site", site))
            .to_request()
    };
    let response = test::call_service(&app, delete("https://evil.example", "cross-site")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(test::read_body(response).await, "");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let response = test::call_service(&app, delete("https://app.example", "cross-site")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        "https://app.example"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn an_async_lookup_allows_origins_the_lists_do_not() {
    let calls = Arc::new(AtomicUsize::new(0));
    let lookups = Arc::new(AtomicUsize::new(0));
    let cors = corsair::actix::Cors::new(policy()).allow_origins_async({
        let lookups = lookups.clone();
        move |origin: actix_web::http::header::HeaderValue, request: &actix_web::HttpRequest| {
            lookups.fetch_add(1, Ordering::SeqCst);
            // Request-aware: the tenant may call /items only.
            let allowed = origin == "https://acme.example" && request.path().starts_with("/items");
            async move { allowed }
        }
    });
    let app = app!(cors, calls.clone());
    let get = |origin: &'static str, path: &'static str| {
        test::TestRequest::with_uri(path)
            .insert_header(("origin", origin))
            .to_request()
    };
    let response = test::call_service(&app, get("https://app.example", "/items")).await;
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        "https://app.example"
    );
    assert_eq!(lookups.load(Ordering::SeqCst), 0);
    let response = test::call_service(&app, get("https://acme.example", "/items")).await;
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        "https://acme.example"
    );
    assert_eq!(
        header(response.headers(), "vary"),
        "accept-encoding, Origin"
    );
    assert_eq!(lookups.load(Ordering::SeqCst), 1);
    let response = test::call_service(&app, get("https://acme.example", "/public/catalogue")).await;
    // Under /public any origin is allowed (`*`): no lookup.
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        "*"
    );
    assert_eq!(lookups.load(Ordering::SeqCst), 1);
    let response = test::call_service(&app, get("https://evil.example", "/items")).await;
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(lookups.load(Ordering::SeqCst), 2);
    let response = test::call_service(&app, get("https://EVIL.example/", "/items")).await;
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(lookups.load(Ordering::SeqCst), 2);
    // The tenant's preflight is answered, an unknown one refused; neither reaches a
    // handler.
    let before = calls.load(Ordering::SeqCst);
    let preflight = |origin: &'static str| {
        test::TestRequest::with_uri("/items/7")
            .method(actix_web::http::Method::OPTIONS)
            .insert_header(("origin", origin))
            .insert_header(("access-control-request-method", "DELETE"))
            .to_request()
    };
    let response = test::call_service(&app, preflight("https://acme.example")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        "https://acme.example"
    );
    let response = test::call_service(&app, preflight("https://evil.example")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(calls.load(Ordering::SeqCst), before);
}
