//! Deciding allocates nothing: every header value is precomputed or a copy of a request
//! header (a reference-count increment). Counted with a counting global allocator, per
//! thread; this is a count, not a timing.
#![allow(clippy::unwrap_used, missing_docs)]

use corsair::{Policy, RouteConfig};
use http::{HeaderMap, HeaderValue, Method};

fn request(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        // Static values, as a server's parser would share its buffer: cloning them
        // never allocates.
        map.append(*name, HeaderValue::from_static(value));
    }
    map
}

#[test]
fn decisions_allocate_nothing() {
    let mut origins: Vec<String> = (0..1000)
        .map(|i| format!("https://app{i}.example"))
        .collect();
    origins.push("https://*.tenants.example.com".to_owned());
    origins.push("http://localhost:*".to_owned());
    let policies = [
        Policy::builder()
            .allow_origins(origins)
            .allow_methods(["PUT", "DELETE"])
            .allow_headers(["content-type", "x-request-id", "authorization"])
            .expose_headers(["x-request-id"])
            .allow_credentials(true)
            .max_age(600)
            .route(
                RouteConfig::new("/public")
                    .allow_origins(["*"])
                    .allow_credentials(false),
            )
            .build()
            .unwrap(),
        Policy::builder()
            .allow_origins(["*"])
            .allow_methods(["*"])
            .allow_headers(["*"])
            .build()
            .unwrap(),
    ];
    let requests = [
        (Method::GET, "/", request(&[])),
        (
            Method::GET,
            "/",
            request(&[("origin", "https://app7.example")]),
        ),
        (
            Method::GET,
            "/",
            request(&[("origin", "https://a.b.tenants.example.com")]),
        ),
        (
            Method::GET,
            "/",
            request(&[("origin", "https://evil.example")]),
        ),
        (
            Method::GET,
            "/",
            request(&[("origin", "https://app7.example/")]),
        ),
        (
            Method::GET,
            "/public/x",
            request(&[("origin", "https://evil.example")]),
        ),
        (
            Method::OPTIONS,
            "/",
            request(&[
                ("origin", "http://localhost:3000"),
                ("access-control-request-method", "PUT"),
                (
                    "access-control-request-headers",
                    "content-type,x-request-id",
                ),
            ]),
        ),
        (
            Method::OPTIONS,
            "/",
            request(&[
                ("origin", "https://app999.example"),
                ("access-control-request-method", "DELETE"),
                ("access-control-request-headers", "x-nope"),
            ]),
        ),
        (
            Method::OPTIONS,
            "/",
            request(&[
                ("origin", "https://app1.example"),
                ("access-control-request-method", "PUT"),
                (
                    "access-control-request-headers",
                    ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
                ),
            ]),
        ),
    ];
    for policy in &policies {
        for (method, path, headers) in &requests {
            // The first call may initialize lazy state (hash seeds, regex caches).
            drop(policy.decide(method, path, headers).into_headers());
            let info = allocation_counter::measure(|| {
                let decision = policy.decide(method, path, headers);
                let _ = std::hint::black_box(decision.into_headers());
            });
            assert_eq!(info.count_total, 0, "{method} {path} {headers:?}");
        }
    }

    // The counter does see allocations: a request list that is not in the form browsers
    // send has to be rewritten for Access-Control-Allow-Headers.
    let unusual = request(&[
        ("origin", "https://app1.example"),
        ("access-control-request-method", "PUT"),
        (
            "access-control-request-headers",
            "Content-Type, X-Request-ID",
        ),
    ]);
    let info = allocation_counter::measure(|| {
        let decision = policies[0].decide(&Method::OPTIONS, "/", &unusual);
        let _ = std::hint::black_box(decision.into_headers());
    });
    assert!(info.count_total > 0);
}
