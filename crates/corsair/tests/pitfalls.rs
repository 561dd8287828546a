//! The pitfall catalogue: every CORS misconfiguration of `docs/DESIGN.md` ("The pitfall
//! catalogue") that a server-side policy can fall into,
//! each with a test showing that corsair refuses the configuration or answers safely.
//! Test names start with the pitfall's number.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

mod common;

use common::{has_cors_headers, headers, sent, value};
use corsair::{Action, Code, Config, Policy, Reason};
use http::{Method, StatusCode};

fn codes(config: Config) -> Vec<Code> {
    match config.build() {
        Ok(policy) => policy.warnings().iter().map(|d| d.code()).collect(),
        Err(e) => e.diagnostics().iter().map(|d| d.code()).collect(),
    }
}

fn credentialed() -> Policy {
    Policy::builder()
        .allow_origins(["https://example.com", "https://*.example.com"])
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .allow_credentials(true)
        .build()
        .unwrap()
}

/// Whether a GET from `origin` is allowed, checking that a rejection sends nothing.
fn allows(policy: &Policy, origin: &str) -> bool {
    let request = headers(&[("origin", origin)]);
    let d = policy.decide(&Method::GET, "/", &request);
    if !d.allowed() {
        assert!(!has_cors_headers(&d), "{origin}: {:?}", sent(&d));
    }
    d.allowed()
}

#[test]
fn p01_origin_reflection_with_credentials_is_impossible() {
    // Any origin with credentials is refused at build time...
    assert!(
        codes(
            Policy::builder()
                .allow_origins(["*"])
                .allow_credentials(true)
        )
        .contains(&Code::WildcardOriginWithCredentials)
    );
    // ...and a credentialed policy echoes only what it lists.
    let p = credentialed();
    for origin in [
        "https://evil.com",
        "https://attacker.example",
        "http://evil.com",
        "https://example.com.evil.com",
    ] {
        assert!(!allows(&p, origin), "{origin}");
    }
}

#[test]
fn p02_null_origin_is_never_trusted_by_accident() {
    assert!(codes(Policy::builder().allow_origins(["null"])).contains(&Code::NullOrigin));
    let p = credentialed();
    let request = headers(&[("origin", "null")]);
    let d = p.decide(&Method::GET, "/", &request);
    assert!(!d.allowed());
    // A rejection is never `Access-Control-Allow-Origin: null` (CVE-2019-9580).
    assert_eq!(value(&d, "access-control-allow-origin"), None);
}

#[test]
fn p03_suffix_tricks_do_not_match() {
    let p = credentialed();
    for origin in [
        "https://evilexample.com",
        "https://notexample.com",
        "https://d3vexample.com",
        "https://attacker-example.com",
    ] {
        assert!(!allows(&p, origin), "{origin}");
    }
}

#[test]
fn p04_prefix_tricks_do_not_match() {
    let p = credentialed();
    for origin in [
        "https://example.com.evil.net",
        "https://example.com.evil.com",
        "https://a.example.com.attacker.com",
    ] {
        assert!(!allows(&p, origin), "{origin}");
    }
}

#[cfg(feature = "regex")]
#[test]
fn p04_regexes_are_anchored() {
    let p = Policy::builder()
        .allow_origin_regexes([r"https://app\.example\.com"])
        .build()
        .unwrap();
    assert!(allows(&p, "https://app.example.com"));
    assert!(!allows(&p, "https://app.example.com.evil.net"));
    assert!(!allows(&p, "https://evil.net.app.example.com"));
}

#[test]
fn p05_unescaped_dots_cannot_happen_in_patterns() {
    let p = Policy::builder()
        .allow_origins(["https://www.example.com"])
        .build()
        .unwrap();
    assert!(!allows(&p, "https://wwwaexample.com"));
    assert!(!allows(&p, "https://wwwxexample.com"));
}

#[cfg(feature = "regex")]
#[test]
fn p05_unescaped_dots_in_regexes_are_flagged() {
    assert!(
        codes(Policy::builder().allow_origin_regexes([r"https://www.example\.com"]))
            .contains(&Code::UnescapedDotInRegex)
    );
}

#[test]
fn p06_substrings_do_not_match() {
    let p = credentialed();
    for origin in [
        "https://example.co",
        "https://xample.com",
        "https://example.c",
    ] {
        assert!(!allows(&p, origin), "{origin}");
    }
}

#[test]
fn p07_special_characters_do_not_confuse_the_parser() {
    let p = credentialed();
    // CORScanner's special_characters_bypass list, inserted before `.evil.com`, and
    // Corsy's underscore and backtick tricks.
    let specials = [
        "_", "-", "\"", "{", "}", "+", "^", "%60", "!", "~", "`", ";", "|", "&", "'", "(", ")",
        "*", ",", "$", "=", "%0b",
    ];
    for c in specials {
        for origin in [
            format!("https://example.com{c}.evil.com"),
            format!("https://www.example.com{c}.evil.com"),
        ] {
            let request = http::HeaderMap::from_iter(
                http::HeaderValue::from_str(&origin)
                    .ok()
                    .map(|v| (http::header::ORIGIN, v)),
            );
            let d = p.decide(&Method::GET, "/", &request);
            assert!(!d.allowed(), "{origin}");
            assert!(!has_cors_headers(&d), "{origin}");
        }
    }
}

#[test]
fn p08_plain_http_origins_are_not_trusted_with_credentials() {
    assert!(
        codes(
            Policy::builder()
                .allow_origins(["http://example.com"])
                .allow_credentials(true)
        )
        .contains(&Code::InsecureOrigin)
    );
    assert!(
        codes(
            Policy::builder()
                .allow_origins(["http://*.example.com"])
                .allow_credentials(true)
        )
        .contains(&Code::InsecureOrigin)
    );
    // A https policy does not match the http origin of the same host.
    assert!(!allows(&credentialed(), "http://example.com"));
    assert!(!allows(&credentialed(), "http://app.example.com"));
}

#[test]
fn p09_wildcards_over_public_suffixes_are_refused() {
    for pattern in [
        "https://*.com",
        "https://*.co.uk",
        "https://*.github.io",
        "https://*.herokuapp.com",
    ] {
        assert!(
            codes(Policy::builder().allow_origins([pattern])).contains(&Code::PublicSuffixWildcard),
            "{pattern}"
        );
    }
    // Subdomain patterns need one label or more: never the bare domain.
    let p = credentialed();
    assert!(allows(&p, "https://a.example.com"));
    assert!(!allows(
        &Policy::builder()
            .allow_origins(["https://*.example.com"])
            .build()
            .unwrap(),
        "https://example.com"
    ));
}

#[test]
fn p10_user_content_origins_are_flagged() {
    for origin in [
        "https://codepen.io",
        "https://jsfiddle.net",
        "http://jsbin.com",
        "https://repl.it",
    ] {
        assert!(
            codes(Policy::builder().allow_origins([origin])).contains(&Code::UserContentOrigin),
            "{origin}"
        );
    }
    assert!(codes(Policy::builder().allow_origins(["https://whatever.github.io"])).is_empty());
}

#[test]
fn p11_any_origin_on_a_private_network_is_flagged() {
    assert!(
        codes(
            Policy::builder()
                .allow_origins(["*"])
                .allow_private_network(true)
        )
        .contains(&Code::WildcardPrivateNetwork)
    );
    assert!(
        codes(
            Policy::builder()
                .allow_origins(["https://intranet.example"])
                .allow_private_network(true)
        )
        .is_empty()
    );
}

#[test]
fn p12_vary_origin_on_every_response_that_depends_on_it() {
    let p = credentialed();
    for pairs in [
        vec![],
        vec![("origin", "https://example.com")],
        vec![("origin", "https://evil.com")],
        vec![("origin", "bad origin")],
    ] {
        let request = headers(&pairs);
        let d = p.decide(&Method::GET, "/", &request);
        assert_eq!(value(&d, "vary").as_deref(), Some("Origin"), "{pairs:?}");
    }
    // Values that would split headers are malformed, never echoed.
    let request = headers(&[("origin", "https://example.com\tx")]);
    let d = p.decide(&Method::GET, "/", &request);
    assert_eq!(d.reason(), Reason::MalformedOrigin);
    assert!(!has_cors_headers(&d));
}

#[test]
fn p13_preflight_caching_is_bounded() {
    assert!(
        codes(
            Policy::builder()
                .allow_origins(["https://a.example"])
                .max_age(86_401)
        )
        .contains(&Code::MaxAgeTooLarge)
    );
    assert!(
        codes(
            Policy::builder()
                .allow_origins(["https://a.example"])
                .max_age(7_201)
        )
        .contains(&Code::MaxAgeAboveBrowserCap)
    );
    // `0` disables caching explicitly; preflights vary on what they depend on.
    let p = Policy::builder()
        .allow_origins(["https://a.example"])
        .max_age(0)
        .build()
        .unwrap();
    let request = headers(&[
        ("origin", "https://a.example"),
        ("access-control-request-method", "GET"),
    ]);
    let d = p.decide(&Method::OPTIONS, "/", &request);
    assert_eq!(value(&d, "access-control-max-age").as_deref(), Some("0"));
    assert_eq!(
        value(&d, "vary").as_deref(),
        Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
    );
}

#[test]
fn p14_wildcards_follow_their_fetch_semantics() {
    // `*` never covers authorization.
    let p = Policy::builder()
        .allow_origins(["*"])
        .allow_headers(["*"])
        .build()
        .unwrap();
    let request = headers(&[
        ("origin", "https://a.example"),
        ("access-control-request-method", "GET"),
        ("access-control-request-headers", "authorization"),
    ]);
    assert_eq!(
        p.decide(&Method::OPTIONS, "/", &request).reason(),
        Reason::HeaderNotAllowed("authorization")
    );
    // With credentials, `*` is literal to browsers: corsair names what is allowed.
    let p = Policy::builder()
        .allow_origins(["https://a.example"])
        .allow_methods(["*"])
        .allow_headers(["*"])
        .allow_credentials(true)
        .build()
        .unwrap();
    let request = headers(&[
        ("origin", "https://a.example"),
        ("access-control-request-method", "PATCH"),
        ("access-control-request-headers", "x-a"),
    ]);
    let d = p.decide(&Method::OPTIONS, "/", &request);
    assert_eq!(
        value(&d, "access-control-allow-methods").as_deref(),
        Some("PATCH")
    );
    assert_eq!(
        value(&d, "access-control-allow-headers").as_deref(),
        Some("x-a")
    );
    assert!(
        codes(
            Policy::builder()
                .allow_origins(["https://a.example"])
                .expose_headers(["*"])
                .allow_credentials(true)
        )
        .contains(&Code::WildcardExposeWithCredentials)
    );
}

#[test]
fn p15_cors_is_not_access_control_rejected_requests_still_reach_the_application() {
    // Documented behaviour: a rejected simple request is forwarded (only its response
    // is hidden from the script); the application must protect itself.
    let request = headers(&[("origin", "https://evil.com")]);
    let d = credentialed().decide(&Method::POST, "/transfer", &request);
    assert!(!d.allowed());
    assert_eq!(d.action(), Action::Forward);
}

#[test]
fn p16_preflights_are_answered_before_anything_else() {
    let request = headers(&[
        ("origin", "https://example.com"),
        ("access-control-request-method", "PUT"),
    ]);
    let d = credentialed().decide(&Method::OPTIONS, "/needs-auth", &request);
    assert_eq!(d.action(), Action::Respond(StatusCode::NO_CONTENT));
}

#[test]
fn p17_requests_are_classified_as_fetch_says() {
    let request = headers(&[("origin", "https://example.com")]);
    let d = credentialed().decide(&Method::OPTIONS, "/", &request);
    assert_eq!(d.kind(), corsair::RequestKind::Actual);
    assert_eq!(d.action(), Action::Forward);
}

#[test]
fn p18_every_status_gets_the_headers() {
    // The engine's answer does not depend on the status: it is applied to whatever the
    // application returns (the tower tests check 404 and 500 end to end).
    let request = headers(&[("origin", "https://example.com")]);
    let d = credentialed().decide(&Method::GET, "/missing", &request);
    let mut response = http::HeaderMap::new();
    d.into_headers().apply_to(&mut response);
    assert_eq!(
        response["access-control-allow-origin"],
        "https://example.com"
    );
}

#[test]
fn p19_one_allow_origin_value_even_when_the_application_sets_one() {
    let request = headers(&[("origin", "https://example.com")]);
    let d = credentialed().decide(&Method::GET, "/", &request);
    let mut response = http::HeaderMap::new();
    response.append("access-control-allow-origin", "*".parse().unwrap());
    response.append(
        "access-control-allow-origin",
        "https://other.example".parse().unwrap(),
    );
    d.into_headers().apply_to(&mut response);
    assert_eq!(
        response
            .get_all("access-control-allow-origin")
            .iter()
            .count(),
        1
    );
    assert_eq!(
        response["access-control-allow-origin"],
        "https://example.com"
    );
}

#[test]
fn p20_allow_credentials_is_exactly_true_or_absent() {
    let request = headers(&[("origin", "https://example.com")]);
    assert_eq!(
        value(
            &credentialed().decide(&Method::GET, "/", &request),
            "access-control-allow-credentials"
        )
        .as_deref(),
        Some("true")
    );
    let anonymous = Policy::builder()
        .allow_origins(["https://example.com"])
        .build()
        .unwrap();
    assert_eq!(
        value(
            &anonymous.decide(&Method::GET, "/", &request),
            "access-control-allow-credentials"
        ),
        None
    );
}

#[test]
fn p21_non_canonical_origins_are_refused_with_the_canonical_form() {
    for (origin, fixed) in [
        ("https://Example.com", "https://example.com"),
        ("https://example.com/", "https://example.com"),
        ("https://example.com:443", "https://example.com"),
    ] {
        let err = Policy::builder()
            .allow_origins([origin])
            .build()
            .unwrap_err();
        assert_eq!(
            err.errors().next().unwrap().help(),
            Some(format!("write it as `{fixed}`").as_str())
        );
    }
}

#[test]
fn p22_request_headers_and_methods_are_never_echoed_blindly() {
    let p = credentialed();
    let request = headers(&[
        ("origin", "https://example.com"),
        ("access-control-request-method", "PUT"),
        (
            "access-control-request-headers",
            "content-type,authorization,x-anything",
        ),
    ]);
    let d = p.decide(&Method::OPTIONS, "/", &request);
    assert_eq!(d.reason(), Reason::HeaderNotAllowed("authorization"));
    assert!(!has_cors_headers(&d));
    let request = headers(&[
        ("origin", "https://example.com"),
        ("access-control-request-method", "DELETE"),
    ]);
    let d = p.decide(&Method::OPTIONS, "/", &request);
    assert_eq!(d.reason(), Reason::MethodNotAllowed("DELETE"));
    assert!(!has_cors_headers(&d));
}
