//! The engine's answers, table by table, against the WHATWG Fetch Standard (CORS
//! protocol, `#http-requests`, `#http-responses`, `#cors-protocol-and-http-caches`) and
//! the wildcard × credentials matrix of web-platform-tests'
//! `fetch/api/cors/cors-preflight-star.any.js`, seen from the server side.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::type_complexity,
    missing_docs
)]

mod common;

use common::{has_cors_headers, headers, preflight, sent, value};
use corsair::{Action, Config, Policy, Reason, RequestKind};
use http::{Method, StatusCode};

fn policy(config: Config) -> Policy {
    config.build().unwrap()
}

fn app_policy() -> Policy {
    policy(
        Policy::builder()
            .allow_origins([
                "https://app.example",
                "https://*.example.com",
                "http://localhost:*",
            ])
            .allow_methods(["PUT", "DELETE", "PATCH"])
            .allow_headers(["content-type", "x-request-id", "authorization"])
            .expose_headers(["x-total-count"])
            .allow_credentials(true)
            .max_age(600),
    )
}

#[test]
fn classification_follows_the_spec() {
    let p = app_policy();
    let o = ("origin", "https://app.example");
    let acrm = ("access-control-request-method", "PUT");
    let cases: &[(Method, Vec<(&str, &str)>, RequestKind)] = &[
        (Method::GET, vec![], RequestKind::NonCors),
        (Method::OPTIONS, vec![], RequestKind::NonCors),
        (Method::OPTIONS, vec![acrm], RequestKind::NonCors),
        (Method::GET, vec![o], RequestKind::Actual),
        (Method::POST, vec![o, acrm], RequestKind::Actual),
        // OPTIONS with Origin but without Access-Control-Request-Method is an actual
        // request: it goes to the application (WebDAV, API discovery, ...).
        (Method::OPTIONS, vec![o], RequestKind::Actual),
        (Method::OPTIONS, vec![o, acrm], RequestKind::Preflight),
    ];
    for (method, pairs, kind) in cases {
        let request = headers(pairs);
        let decision = p.decide(method, "/", &request);
        assert_eq!(decision.kind(), *kind, "{method} {pairs:?}");
        let forwarded = decision.action() == Action::Forward;
        assert_eq!(
            forwarded,
            *kind != RequestKind::Preflight,
            "{method} {pairs:?}"
        );
    }
}

#[test]
fn allowed_actual_request_gets_exact_origin_credentials_and_exposed_headers() {
    let p = app_policy();
    for origin in [
        "https://app.example",
        "https://a.example.com",
        "https://a.b.example.com",
        "http://localhost:3000",
        "http://localhost",
    ] {
        let request = headers(&[("origin", origin)]);
        let d = p.decide(&Method::GET, "/items", &request);
        assert_eq!(d.reason(), Reason::Allowed, "{origin}");
        assert_eq!(
            sent(&d),
            [
                ("access-control-allow-origin".to_owned(), origin.to_owned()),
                (
                    "access-control-allow-credentials".to_owned(),
                    "true".to_owned()
                ),
                (
                    "access-control-expose-headers".to_owned(),
                    "x-total-count".to_owned()
                ),
                ("vary".to_owned(), "Origin".to_owned()),
            ]
        );
    }
}

#[test]
fn rejected_origins_get_nothing_but_vary() {
    let p = app_policy();
    // Pitfalls P3, P4, P6, P7, P8, P21: suffix, prefix, substring, special characters,
    // scheme downgrade, case.
    for origin in [
        "https://evil.example",
        "https://app.example.evil.net",
        "https://evilapp.example",
        "https://app.exampl",
        "https://example.com",
        "https://xexample.com",
        "http://app.example",
        "https://app.example:8443",
        "https://localhost:3000",
        "null",
    ] {
        let request = headers(&[("origin", origin)]);
        let d = p.decide(&Method::GET, "/", &request);
        assert_eq!(d.reason(), Reason::OriginNotAllowed, "{origin}");
        assert!(!has_cors_headers(&d), "{origin}");
        assert_eq!(value(&d, "vary").as_deref(), Some("Origin"), "{origin}");
        assert_eq!(d.action(), Action::Forward);
    }
}

#[test]
fn malformed_origins_are_never_allowed() {
    let p = app_policy();
    for origin in [
        "https://app.example/",
        "https://APP.example",
        "HTTPS://app.example",
        "https://app.example:443",
        "https://app.example%60.example.com",
        "https://app.example`.example.com",
        "https://user@app.example",
        "app.example",
        "",
        " https://app.example",
        "https://app.example:0",
    ] {
        let request = headers(&[("origin", origin)]);
        let d = p.decide(&Method::GET, "/", &request);
        assert_eq!(d.reason(), Reason::MalformedOrigin, "{origin:?}");
        assert!(!has_cors_headers(&d));
    }
    // Two Origin headers, even identical ones, can only be forged.
    let request = headers(&[
        ("origin", "https://app.example"),
        ("origin", "https://app.example"),
    ]);
    assert_eq!(
        p.decide(&Method::GET, "/", &request).reason(),
        Reason::MalformedOrigin
    );
}

#[test]
fn successful_preflight() {
    let p = app_policy();
    let request = headers(&[
        ("origin", "https://app.example"),
        ("access-control-request-method", "PUT"),
        (
            "access-control-request-headers",
            "content-type,x-request-id",
        ),
    ]);
    let d = preflight(&p, "/items/1", &request);
    assert_eq!(d.reason(), Reason::Allowed);
    assert_eq!(d.action(), Action::Respond(StatusCode::NO_CONTENT));
    assert_eq!(
        sent(&d),
        [
            ("access-control-allow-origin", "https://app.example"),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "PUT"),
            ("access-control-allow-headers", "content-type,x-request-id"),
            ("access-control-max-age", "600"),
            (
                "vary",
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
            ),
        ]
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
    );
}

#[test]
fn preflight_request_headers_tolerate_case_whitespace_and_several_lines() {
    let p = app_policy();
    let request = headers(&[
        ("origin", "https://app.example"),
        ("access-control-request-method", "DELETE"),
        (
            "access-control-request-headers",
            "X-Request-ID , Content-Type",
        ),
        ("access-control-request-headers", "authorization"),
    ]);
    let d = preflight(&p, "/", &request);
    assert_eq!(d.reason(), Reason::Allowed);
    assert_eq!(
        value(&d, "access-control-allow-headers").as_deref(),
        Some("x-request-id,content-type,authorization")
    );
}

/// Three lines: every line counts, for the names (allowed or not) and for the length
/// (the engine's first pass).
#[test]
fn preflight_request_headers_on_three_lines_are_all_read() {
    let p = app_policy();
    let request = |third: &str| {
        headers(&[
            ("origin", "https://app.example"),
            ("access-control-request-method", "DELETE"),
            ("access-control-request-headers", "x-request-id"),
            ("access-control-request-headers", "content-type"),
            ("access-control-request-headers", third),
        ])
    };
    let allowed = request("authorization");
    let d = preflight(&p, "/", &allowed);
    assert_eq!(d.reason(), Reason::Allowed);
    assert_eq!(
        value(&d, "access-control-allow-headers").as_deref(),
        Some("x-request-id,content-type,authorization")
    );
    let refused = request("x-other");
    assert_eq!(
        preflight(&p, "/", &refused).reason(),
        Reason::HeaderNotAllowed("x-other")
    );
    let long = request(&"content-type,".repeat(64));
    assert_eq!(
        preflight(&p, "/", &long).reason(),
        Reason::RequestHeadersTooLong
    );
}

#[test]
fn safelisted_methods_always_pass_and_methods_are_case_sensitive() {
    let p = app_policy();
    let check = |method: &str| {
        let request = headers(&[
            ("origin", "https://app.example"),
            ("access-control-request-method", method),
        ]);
        let reason = preflight(&p, "/", &request).reason();
        reason == Reason::Allowed
    };
    assert!(check("GET"));
    assert!(check("HEAD"));
    assert!(check("POST"));
    assert!(check("PUT"));
    assert!(check("PATCH"));
    // `patch` stays lowercase in Fetch and is another method.
    assert!(!check("patch"));
    assert!(!check("put"));
    assert!(!check("OPTIONS"));
    assert!(
        !check("get"),
        "`get` is not a safelisted method: only GET is"
    );
}

#[test]
fn rejected_preflights_are_bare_403s() {
    let p = app_policy();
    let base = [
        ("origin", "https://app.example"),
        ("access-control-request-method", "PUT"),
    ];
    let cases: Vec<(Vec<(&str, &str)>, Reason<'_>)> = vec![
        (
            vec![
                ("origin", "https://evil.example"),
                ("access-control-request-method", "PUT"),
            ],
            Reason::OriginNotAllowed,
        ),
        (
            vec![
                ("origin", "https://app.example/"),
                ("access-control-request-method", "PUT"),
            ],
            Reason::MalformedOrigin,
        ),
        (
            vec![
                ("origin", "https://app.example"),
                ("access-control-request-method", "MOVE"),
            ],
            Reason::MethodNotAllowed("MOVE"),
        ),
        (
            vec![
                ("origin", "https://app.example"),
                ("access-control-request-method", "PUT DELETE"),
            ],
            Reason::MalformedMethod,
        ),
        (
            vec![
                ("origin", "https://app.example"),
                ("access-control-request-method", "PUT"),
                ("access-control-request-method", "PUT"),
            ],
            Reason::MalformedMethod,
        ),
        (
            vec![
                base[0],
                base[1],
                ("access-control-request-headers", "content-type,x-evil"),
            ],
            Reason::HeaderNotAllowed("x-evil"),
        ),
        (
            vec![
                base[0],
                base[1],
                ("access-control-request-headers", "content type"),
            ],
            Reason::MalformedRequestHeaders,
        ),
    ];
    for (pairs, reason) in cases {
        let request = headers(&pairs);
        let d = preflight(&p, "/", &request);
        assert_eq!(d.reason(), reason, "{pairs:?}");
        assert_eq!(d.action(), Action::Respond(StatusCode::FORBIDDEN));
        assert!(!has_cors_headers(&d), "{pairs:?}");
        assert!(value(&d, "vary").unwrap().starts_with("Origin"));
    }
}

#[test]
fn adversarial_request_headers_are_refused_without_being_read() {
    let p = app_policy();
    let commas = ",".repeat(1024);
    let names = "x-a,".repeat(16 * 1024);
    for acrh in [commas.as_str(), names.as_str()] {
        let request = headers(&[
            ("origin", "https://app.example"),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", acrh),
        ]);
        assert_eq!(
            preflight(&p, "/", &request).reason(),
            Reason::RequestHeadersTooLong
        );
    }
    let mut pairs = vec![
        ("origin", "https://app.example"),
        ("access-control-request-method", "PUT"),
    ];
    pairs.extend(std::iter::repeat_n(
        ("access-control-request-headers", "content-type"),
        100,
    ));
    let request = headers(&pairs);
    assert_eq!(
        preflight(&p, "/", &request).reason(),
        Reason::RequestHeadersTooLong
    );
}

/// The server side of `cors-preflight-star.any.js`: with `*`, what corsair answers is
/// what the browser accepts, and it never relies on `*` where the browser reads it
/// literally (credentials) or never applies it (`Authorization`).
#[test]
fn wildcard_and_credentials_matrix() {
    struct Case {
        credentials: bool,
        methods: &'static [&'static str],
        headers: &'static [&'static str],
        method: &'static str,
        request_headers: &'static str,
        allowed: bool,
        allow_methods: &'static str,
        allow_headers: Option<&'static str>,
    }
    let cases = [
        Case {
            credentials: false,
            methods: &["*"],
            headers: &["*"],
            method: "PATCH",
            request_headers: "x-test",
            allowed: true,
            allow_methods: "PATCH",
            allow_headers: Some("*"),
        },
        Case {
            credentials: false,
            methods: &["*"],
            headers: &["*"],
            method: "patch",
            request_headers: "",
            allowed: true,
            allow_methods: "patch",
            allow_headers: None,
        },
        Case {
            credentials: false,
            methods: &["*"],
            headers: &["*"],
            method: "PUT",
            request_headers: "authorization",
            allowed: false,
            allow_methods: "",
            allow_headers: None,
        },
        Case {
            credentials: false,
            methods: &["*"],
            headers: &["*", "authorization"],
            method: "PUT",
            request_headers: "authorization,x-test",
            allowed: true,
            allow_methods: "PUT",
            allow_headers: Some("*,authorization"),
        },
        // With credentials, `*` is literal to the browser: corsair names what was asked.
        Case {
            credentials: true,
            methods: &["*"],
            headers: &["*"],
            method: "PATCH",
            request_headers: "x-test,x-other",
            allowed: true,
            allow_methods: "PATCH",
            allow_headers: Some("x-test,x-other"),
        },
        Case {
            credentials: true,
            methods: &["*"],
            headers: &["*"],
            method: "DELETE",
            request_headers: "X-Test",
            allowed: true,
            allow_methods: "DELETE",
            allow_headers: Some("x-test"),
        },
        Case {
            credentials: true,
            methods: &["*"],
            headers: &["*"],
            method: "PUT",
            request_headers: "authorization",
            allowed: false,
            allow_methods: "",
            allow_headers: None,
        },
        Case {
            credentials: true,
            methods: &["PUT"],
            headers: &["x-test"],
            method: "PUT",
            request_headers: "x-test",
            allowed: true,
            allow_methods: "PUT",
            allow_headers: Some("x-test"),
        },
        Case {
            credentials: true,
            methods: &["PUT"],
            headers: &["x-test"],
            method: "DELETE",
            request_headers: "",
            allowed: false,
            allow_methods: "",
            allow_headers: None,
        },
    ];
    for (i, c) in cases.iter().enumerate() {
        let origins: &[&str] = if c.credentials {
            &["https://app.example"]
        } else {
            &["*"]
        };
        let p = policy(
            Policy::builder()
                .allow_origins(origins.iter().copied())
                .allow_methods(c.methods.iter().copied())
                .allow_headers(c.headers.iter().copied())
                .allow_credentials(c.credentials),
        );
        let mut pairs = vec![
            ("origin", "https://app.example"),
            ("access-control-request-method", c.method),
        ];
        if !c.request_headers.is_empty() {
            pairs.push(("access-control-request-headers", c.request_headers));
        }
        let request = headers(&pairs);
        let d = preflight(&p, "/", &request);
        assert_eq!(d.allowed(), c.allowed, "case {i}: {:?}", d.reason());
        if c.allowed {
            assert_eq!(
                value(&d, "access-control-allow-methods").as_deref(),
                Some(c.allow_methods),
                "case {i}"
            );
            assert_eq!(
                value(&d, "access-control-allow-headers").as_deref(),
                c.allow_headers,
                "case {i}"
            );
            let expected_origin = if c.credentials {
                "https://app.example"
            } else {
                "*"
            };
            assert_eq!(
                value(&d, "access-control-allow-origin").as_deref(),
                Some(expected_origin)
            );
            assert_eq!(
                value(&d, "access-control-allow-credentials").is_some(),
                c.credentials
            );
        } else {
            assert!(!has_cors_headers(&d), "case {i}");
        }
    }
}

#[test]
fn static_wildcard_policy_needs_no_vary() {
    let p = policy(
        Policy::builder()
            .allow_origins(["*"])
            .expose_headers(["x-total-count"]),
    );
    // Non-CORS and CORS responses are the same, so caches may share them: whatever
    // `Origin` holds, even a value no browser sends, or two of them.
    for pairs in [
        vec![],
        vec![("origin", "https://anyone.example")],
        vec![("origin", "null")],
        vec![("origin", "https://x.example/")],
        vec![
            ("origin", "https://a.example"),
            ("origin", "https://b.example"),
        ],
    ] {
        let request = headers(&pairs);
        let d = p.decide(&Method::GET, "/", &request);
        assert!(d.allowed());
        assert_eq!(
            sent(&d),
            [
                ("access-control-allow-origin".to_owned(), "*".to_owned()),
                (
                    "access-control-expose-headers".to_owned(),
                    "x-total-count".to_owned()
                ),
            ],
            "{pairs:?}"
        );
    }
    // Preflights depend on what is requested, and on Origin being there at all.
    let request = headers(&[
        ("origin", "https://x.example"),
        ("access-control-request-method", "GET"),
    ]);
    assert_eq!(
        value(&preflight(&p, "/", &request), "vary").as_deref(),
        Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
    );
}

#[test]
fn non_cors_responses_vary_on_origin_when_the_answer_depends_on_it() {
    let p = app_policy();
    let request = headers(&[]);
    let d = p.decide(&Method::GET, "/", &request);
    assert_eq!(d.kind(), RequestKind::NonCors);
    assert!(d.allowed());
    assert_eq!(sent(&d), [("vary".to_owned(), "Origin".to_owned())]);
}

#[test]
fn max_age_zero_is_sent_and_absent_is_omitted() {
    let request = headers(&[
        ("origin", "https://a.example"),
        ("access-control-request-method", "GET"),
    ]);
    let zero = policy(
        Policy::builder()
            .allow_origins(["https://a.example"])
            .max_age(0),
    );
    assert_eq!(
        value(&preflight(&zero, "/", &request), "access-control-max-age").as_deref(),
        Some("0")
    );
    let none = policy(Policy::builder().allow_origins(["https://a.example"]));
    assert_eq!(
        value(&preflight(&none, "/", &request), "access-control-max-age"),
        None
    );
}

#[test]
fn preflight_status_is_configurable() {
    let p = policy(
        Policy::builder()
            .allow_origins(["https://a.example"])
            .preflight_status(200),
    );
    let request = headers(&[
        ("origin", "https://a.example"),
        ("access-control-request-method", "GET"),
    ]);
    assert_eq!(
        preflight(&p, "/", &request).action(),
        Action::Respond(StatusCode::OK)
    );
}

#[test]
fn private_network_access_only_when_asked_and_enabled() {
    let ask = headers(&[
        ("origin", "https://a.example"),
        ("access-control-request-method", "GET"),
        ("access-control-request-private-network", "true"),
    ]);
    let dont_ask = headers(&[
        ("origin", "https://a.example"),
        ("access-control-request-method", "GET"),
    ]);
    let on = policy(
        Policy::builder()
            .allow_origins(["https://a.example"])
            .allow_private_network(true),
    );
    let off = policy(Policy::builder().allow_origins(["https://a.example"]));
    let pna = "access-control-allow-private-network";
    assert_eq!(
        value(&preflight(&on, "/", &ask), pna).as_deref(),
        Some("true")
    );
    assert_eq!(value(&preflight(&on, "/", &dont_ask), pna), None);
    assert_eq!(value(&preflight(&off, "/", &ask), pna), None);
    assert!(
        value(&preflight(&on, "/", &ask), "vary")
            .unwrap()
            .ends_with("Access-Control-Request-Private-Network")
    );
    assert!(
        !value(&preflight(&off, "/", &ask), "vary")
            .unwrap()
            .contains("Private-Network")
    );
}

#[test]
fn debug_mode_makes_the_browser_name_the_culprit() {
    let p = policy(
        Policy::builder()
            .allow_origins(["https://a.example"])
            .allow_methods(["PUT"])
            .allow_headers(["content-type"])
            .debug(true),
    );
    // A rejected method: ok status, origin allowed, but the method is not in the list.
    let request = headers(&[
        ("origin", "https://a.example"),
        ("access-control-request-method", "DELETE"),
    ]);
    let d = preflight(&p, "/", &request);
    assert_eq!(d.reason(), Reason::MethodNotAllowed("DELETE"));
    assert!(!d.allowed());
    assert_eq!(d.action(), Action::Respond(StatusCode::NO_CONTENT));
    assert_eq!(
        value(&d, "access-control-allow-origin").as_deref(),
        Some("https://a.example")
    );
    assert_eq!(
        value(&d, "access-control-allow-methods").as_deref(),
        Some("GET,HEAD,POST,PUT")
    );
    // A rejected header: the method passes, the header list does not contain it.
    let request = headers(&[
        ("origin", "https://a.example"),
        ("access-control-request-method", "PUT"),
        ("access-control-request-headers", "content-type,x-secret"),
    ]);
    let d = preflight(&p, "/", &request);
    assert_eq!(d.reason(), Reason::HeaderNotAllowed("x-secret"));
    assert_eq!(
        value(&d, "access-control-allow-methods").as_deref(),
        Some("PUT")
    );
    assert_eq!(
        value(&d, "access-control-allow-headers").as_deref(),
        Some("content-type")
    );
    // A rejected origin is still a bare 403.
    let request = headers(&[
        ("origin", "https://evil.example"),
        ("access-control-request-method", "PUT"),
    ]);
    let d = preflight(&p, "/", &request);
    assert_eq!(d.action(), Action::Respond(StatusCode::FORBIDDEN));
    assert!(!has_cors_headers(&d));
}

#[test]
fn null_origin_only_with_its_dangerous_option() {
    let p = policy(
        Policy::builder()
            .allow_origins(["null", "https://a.example"])
            .dangerously_allow_null_origin(true),
    );
    let request = headers(&[("origin", "null")]);
    let d = p.decide(&Method::GET, "/", &request);
    assert!(d.allowed());
    assert_eq!(
        value(&d, "access-control-allow-origin").as_deref(),
        Some("null")
    );
}

#[test]
fn routes_pick_the_longest_prefix_by_whole_segments() {
    let p = policy(
        Policy::builder()
            .allow_origins(["https://app.example"])
            .allow_credentials(true)
            .route(
                corsair::RouteConfig::new("/public")
                    .allow_origins(["*"])
                    .allow_credentials(false),
            )
            .route(
                corsair::RouteConfig::new("/public/private/").allow_origins(["https://b.example"]),
            )
            .route(corsair::RouteConfig::new("/internal").enabled(false)),
    );
    let from = |origin: &str, path: &str| {
        let request = headers(&[("origin", origin)]);
        let d = p.decide(&Method::GET, path, &request);
        (d.reason().code(), value(&d, "access-control-allow-origin"))
    };
    assert_eq!(
        from("https://x.example", "/public"),
        ("allowed", Some("*".to_owned()))
    );
    assert_eq!(
        from("https://x.example", "/public/a/b"),
        ("allowed", Some("*".to_owned()))
    );
    assert_eq!(
        from("https://x.example", "/publication"),
        ("origin-not-allowed", None)
    );
    assert_eq!(
        from("https://x.example", "/public/private/x"),
        ("origin-not-allowed", None)
    );
    assert_eq!(
        from("https://b.example", "/public/private"),
        ("allowed", Some("https://b.example".to_owned()))
    );
    assert_eq!(
        from("https://app.example", "/internal/metrics"),
        ("cors-disabled", None)
    );
    assert_eq!(
        from("https://app.example", "/api"),
        ("allowed", Some("https://app.example".to_owned()))
    );
    // A disabled route forwards even preflights, untouched.
    let request = headers(&[
        ("origin", "https://app.example"),
        ("access-control-request-method", "PUT"),
    ]);
    let d = preflight(&p, "/internal", &request);
    assert_eq!(d.action(), Action::Forward);
    assert_eq!(d.headers().iter().count(), 0);
}

#[test]
fn a_top_level_disabled_policy_can_enable_routes() {
    let p = policy(
        Policy::builder()
            .allow_origins(["https://app.example"])
            .enabled(false)
            .route(corsair::RouteConfig::new("/api").enabled(true)),
    );
    let request = headers(&[("origin", "https://app.example")]);
    assert_eq!(
        p.decide(&Method::GET, "/", &request).reason(),
        Reason::Disabled
    );
    assert_eq!(
        p.decide(&Method::GET, "/api/x", &request).reason(),
        Reason::Allowed
    );
}

#[test]
fn debug_mode_never_turns_an_unreadable_header_list_into_an_allowance() {
    // Found by the engine-vs-browser cross-check: under `*`, the debug answer's full
    // list would be `*`, which a browser accepts.
    let p = policy(
        Policy::builder()
            .allow_origins(["https://a.example"])
            .allow_headers(["*"])
            .debug(true),
    );
    let long = (0..120)
        .map(|i| format!("x-some-rather-long-header-name-{i:03}"))
        .collect::<Vec<_>>()
        .join(",");
    for acrh in [long.as_str(), "bad header"] {
        let request = headers(&[
            ("origin", "https://a.example"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", acrh),
        ]);
        let d = preflight(&p, "/", &request);
        assert!(!d.allowed());
        assert_eq!(d.action(), Action::Respond(StatusCode::FORBIDDEN));
        assert!(!has_cors_headers(&d));
    }
}
