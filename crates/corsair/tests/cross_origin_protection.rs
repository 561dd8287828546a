//! Cross-origin write protection (`cross_origin_protection`), with the test cases of Go's
//! `net/http` `CrossOriginProtection` (`csrf_test.go`, Go 1.25) and of tower-http 0.7's
//! `CsrfLayer` (`csrf/mod.rs`) ported: Go's trusted origins are the policy's allowed
//! origins, its bypass patterns the exempt paths. The requests target
//! `https://example.com`, whose `Host` is `example.com`.
//!
//! Differences, each on the side of refusing:
//! - Go cleans the path before matching its bypass patterns (`/foo/../bypass/bar` is
//!   exempt there); corsair never exempts a path with a dot segment, which the
//!   application may resolve elsewhere.
//! - tower-http compares an `Origin` with the request-target's authority when the URI
//!   has one (absolute form, HTTP/2's `:authority`); corsair's engine compares it with
//!   the `Host` header only, so a browser without `Sec-Fetch-Site` (before 2023) writing
//!   to its own origin over HTTP/2 is refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use corsair::{Action, Code, Config, Policy, Reason, RequestKind};
use http::{HeaderMap, HeaderValue, Method, StatusCode};

fn protected(config: Config) -> Policy {
    config.cross_origin_protection(true).build().unwrap()
}

/// Go's `NewCrossOriginProtection()` with `AddTrustedOrigin("https://trusted.example")`
/// and `AddInsecureBypassPattern("/bypass/")`.
fn go_policy() -> Policy {
    protected(
        Policy::builder()
            .allow_origins(["https://trusted.example"])
            .cross_origin_protection_exempt_paths(["/bypass/"]),
    )
}

/// The status the request gets: 403 when corsair refuses it, 200 when it reaches the
/// application.
fn status(
    policy: &Policy,
    method: &str,
    path: &str,
    host: Option<&str>,
    origin: Option<&str>,
    sec_fetch_site: Option<&str>,
) -> u16 {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("host", host),
        ("origin", origin),
        ("sec-fetch-site", sec_fetch_site),
    ] {
        if let Some(value) = value {
            headers.insert(name, HeaderValue::from_str(value).unwrap());
        }
    }
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let decision = policy.decide(&method, path, &headers);
    match decision.action() {
        Action::Respond(status) if method != Method::OPTIONS => {
            assert_eq!(decision.reason(), Reason::CrossOriginWriteRefused);
            assert!(
                decision.headers().iter().next().is_none(),
                "no CORS header on a refusal"
            );
            status.as_u16()
        }
        _ => 200,
    }
}

#[test]
fn go_sec_fetch_site() {
    let policy = go_policy();
    let cases = [
        (
            "same-origin allowed",
            "POST",
            Some("same-origin"),
            None,
            200,
        ),
        ("none allowed", "POST", Some("none"), None, 200),
        ("cross-site blocked", "POST", Some("cross-site"), None, 403),
        ("same-site blocked", "POST", Some("same-site"), None, 403),
        ("no header with no origin", "POST", None, None, 200),
        (
            "no header with matching origin",
            "POST",
            None,
            Some("https://example.com"),
            200,
        ),
        (
            "no header with mismatched origin",
            "POST",
            None,
            Some("https://attacker.example"),
            403,
        ),
        (
            "no header with null origin",
            "POST",
            None,
            Some("null"),
            403,
        ),
        ("GET allowed", "GET", Some("cross-site"), None, 200),
        ("HEAD allowed", "HEAD", Some("cross-site"), None, 200),
        ("OPTIONS allowed", "OPTIONS", Some("cross-site"), None, 200),
        ("PUT blocked", "PUT", Some("cross-site"), None, 403),
    ];
    for (name, method, site, origin, want) in cases {
        let got = status(&policy, method, "/", Some("example.com"), origin, site);
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn go_trusted_origin_bypass() {
    let policy = go_policy();
    let cases = [
        (
            "trusted origin without sec-fetch-site",
            "https://trusted.example",
            None,
            200,
        ),
        (
            "trusted origin with cross-site",
            "https://trusted.example",
            Some("cross-site"),
            200,
        ),
        (
            "untrusted origin without sec-fetch-site",
            "https://attacker.example",
            None,
            403,
        ),
        (
            "untrusted origin with cross-site",
            "https://attacker.example",
            Some("cross-site"),
            403,
        ),
    ];
    for (name, origin, site, want) in cases {
        let got = status(
            &policy,
            "POST",
            "/",
            Some("example.com"),
            Some(origin),
            site,
        );
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn go_pattern_bypass() {
    let policy = go_policy();
    let cases = [
        ("bypass path without sec-fetch-site", "/bypass/", None, 200),
        (
            "bypass path with cross-site",
            "/bypass/",
            Some("cross-site"),
            200,
        ),
        ("non-bypass path without sec-fetch-site", "/api/", None, 403),
        (
            "non-bypass path with cross-site",
            "/api/",
            Some("cross-site"),
            403,
        ),
        (
            "bypass path without its trailing slash",
            "/bypass",
            None,
            200,
        ),
        ("under the bypass path", "/bypass/hook", None, 200),
        ("non-bypass path with trailing slash", "/api", None, 403),
        // Go cleans the path first and exempts this one; corsair does not (see above).
        (
            "dot segment into the bypass path",
            "/foo/../bypass/bar",
            None,
            403,
        ),
        (
            "dot segment out of the bypass path",
            "/bypass/../api/bar",
            None,
            403,
        ),
        (
            "encoded dot segment out of the bypass path",
            "/bypass/%2E%2e/api",
            None,
            403,
        ),
        (
            "a prefix of a segment is not a bypass",
            "/bypassed",
            None,
            403,
        ),
    ];
    for (name, path, site, want) in cases {
        let got = status(
            &policy,
            "POST",
            path,
            Some("example.com"),
            Some("https://attacker.example"),
            site,
        );
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn go_server() {
    let policy = go_policy();
    let host = Some("127.0.0.1:8080");
    let cases = [
        (
            "cross-site",
            "/",
            Some("https://attacker.example"),
            Some("cross-site"),
            403,
        ),
        ("same-origin", "/", None, Some("same-origin"), 200),
        (
            "origin matches host",
            "/",
            Some("http://127.0.0.1:8080"),
            None,
            200,
        ),
        (
            "trusted origin",
            "/",
            Some("https://trusted.example"),
            None,
            200,
        ),
        (
            "untrusted origin",
            "/",
            Some("https://attacker.example"),
            None,
            403,
        ),
        (
            "bypass path",
            "/bypass/",
            Some("https://attacker.example"),
            None,
            200,
        ),
    ];
    for (name, path, origin, site, want) in cases {
        assert_eq!(
            status(&policy, "POST", path, host, origin, site),
            want,
            "{name}"
        );
    }
}

#[test]
fn tower_http_trusted_and_untrusted_origins() {
    // test_service_allows_post_from_trusted_origin,
    // test_service_rejects_post_from_untrusted_origin, test_service_allows_safe_method.
    let policy = protected(Policy::builder().allow_origins(["https://example.com"]));
    let host = Some("api.example.net");
    assert_eq!(
        status(
            &policy,
            "POST",
            "/bar",
            host,
            Some("https://example.com"),
            None
        ),
        200
    );
    assert_eq!(
        status(
            &policy,
            "POST",
            "/bar",
            host,
            Some("https://malicious.example"),
            None
        ),
        403
    );
    assert_eq!(
        status(
            &policy,
            "GET",
            "/foo",
            host,
            Some("https://malicious.example"),
            None
        ),
        200
    );
}

#[test]
fn tower_http_origin_host_port_match() {
    // test_middleware_origin_host_port_match, the cases with a Host header and a path
    // as the request target: a strict comparison, ports included.
    let policy = protected(Policy::builder().allow_origins(["https://trusted.example"]));
    let cases = [
        (
            "default port both sides",
            Some("example.com"),
            "https://example.com",
            200,
        ),
        (
            "same non-default port both sides",
            Some("example.com:8443"),
            "https://example.com:8443",
            200,
        ),
        (
            "explicit default port both sides",
            Some("example.com:443"),
            "https://example.com:443",
            200,
        ),
        (
            "mismatched non-default ports",
            Some("example.com:8443"),
            "https://example.com:8444",
            403,
        ),
        (
            "origin has explicit default, host implicit",
            Some("example.com"),
            "https://example.com:443",
            403,
        ),
        (
            "host has explicit default, origin implicit",
            Some("example.com:443"),
            "https://example.com",
            403,
        ),
        (
            "host implicit, origin explicit non-default",
            Some("example.com"),
            "https://example.com:8443",
            403,
        ),
        (
            "malformed host header compared verbatim",
            Some("not a valid authority"),
            "https://example.com",
            403,
        ),
        (
            "missing host and no uri authority",
            None,
            "https://example.com",
            403,
        ),
        (
            "scheme-less origin does not match host",
            Some("example.com:8443"),
            "example.com:8443",
            403,
        ),
        (
            "non-http origin scheme does not enter host fallback",
            Some("example.com:8443"),
            "ftp://example.com:8443",
            403,
        ),
        (
            "host compared without case",
            Some("Example.COM"),
            "https://example.com",
            200,
        ),
    ];
    for (name, host, origin, want) in cases {
        assert_eq!(
            status(&policy, "POST", "/", host, Some(origin), None),
            want,
            "{name}"
        );
    }
}

#[test]
fn off_by_default_and_per_route() {
    let open = Policy::builder()
        .allow_origins(["https://trusted.example"])
        .build()
        .unwrap();
    assert_eq!(
        status(
            &open,
            "POST",
            "/",
            Some("example.com"),
            Some("https://attacker.example"),
            Some("cross-site")
        ),
        200
    );
    // On in [cors], off under /public.
    let config = Config::from_toml_str(
        r#"
        [cors]
        allow_origins = ["https://trusted.example"]
        cross_origin_protection = true

        [[routes]]
        path = "/public"
        cross_origin_protection = false
        "#,
    )
    .unwrap();
    let policy = config.build().unwrap();
    let attack = |path| {
        status(
            &policy,
            "POST",
            path,
            Some("example.com"),
            Some("https://attacker.example"),
            Some("cross-site"),
        )
    };
    assert_eq!(attack("/api/items"), 403);
    assert_eq!(attack("/public/form"), 200);
}

#[test]
fn a_refusal_is_a_decision_like_any_other() {
    let policy = go_policy();
    let mut headers = HeaderMap::new();
    headers.insert(
        "origin",
        HeaderValue::from_static("https://attacker.example"),
    );
    headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
    let decision = policy.decide(&Method::POST, "/api", &headers);
    assert_eq!(decision.kind(), RequestKind::Actual);
    assert!(!decision.allowed());
    assert_eq!(decision.reason().code(), "cross-origin-write-refused");
    assert_eq!(decision.action(), Action::Respond(StatusCode::FORBIDDEN));
    // Without an Origin, a cross-site write is still refused (kind: not CORS).
    headers.remove("origin");
    let decision = policy.decide(&Method::POST, "/api", &headers);
    assert_eq!(decision.kind(), RequestKind::NonCors);
    assert_eq!(decision.reason(), Reason::CrossOriginWriteRefused);
}

#[test]
fn lint_warns_about_credentials_without_it_and_checks_exempt_paths() {
    let warned = Policy::builder()
        .allow_origins(["https://app.example"])
        .allow_credentials(true)
        .build()
        .unwrap();
    let codes: Vec<Code> = warned.warnings().iter().map(|d| d.code()).collect();
    assert_eq!(codes, [Code::UnprotectedWrites]);
    let quiet = protected(
        Policy::builder()
            .allow_origins(["https://app.example"])
            .allow_credentials(true),
    );
    assert!(quiet.warnings().is_empty(), "{:?}", quiet.warnings());

    let err = Policy::builder()
        .allow_origins(["https://app.example"])
        .cross_origin_protection(true)
        .cross_origin_protection_exempt_paths(["hooks", "/hooks/*"])
        .build()
        .unwrap_err();
    let found: Vec<(Code, &str)> = err
        .diagnostics()
        .iter()
        .map(|d| (d.code(), d.field()))
        .collect();
    assert_eq!(
        found,
        [
            (
                Code::InvalidExemptPath,
                "cors.cross_origin_protection_exempt_paths[0]"
            ),
            (
                Code::InvalidExemptPath,
                "cors.cross_origin_protection_exempt_paths[1]"
            ),
        ]
    );
    let unused = Policy::builder()
        .allow_origins(["https://app.example"])
        .cross_origin_protection_exempt_paths(["/hooks"])
        .build()
        .unwrap();
    let codes: Vec<Code> = unused.warnings().iter().map(|d| d.code()).collect();
    assert_eq!(codes, [Code::UnusedOption]);
}

#[test]
fn with_any_origin_it_is_flagged_as_having_no_effect() {
    let policy = protected(Policy::builder().allow_origins(["*"]));
    let found: Vec<(Code, &str)> = policy
        .warnings()
        .iter()
        .map(|d| (d.code(), d.field()))
        .collect();
    assert_eq!(
        found,
        [(Code::UnusedOption, "cors.cross_origin_protection")]
    );
}
