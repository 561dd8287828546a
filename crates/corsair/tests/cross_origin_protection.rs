//! Cross-origin write protection (`cross_origin_protection`), with the test cases of
//! Go's `net/http` `CrossOriginProtection` (`csrf_test.go` as of Go 1.25.1, which fixed
//! go.dev/issue/75054, CVE-2025-47910) and of tower-http 0.7.0's `CsrfLayer`
//! (`csrf/mod.rs`) ported: Go's trusted origins are the policy's allowed origins, its
//! bypass patterns the exempt paths. The requests target `https://example.com`, whose
//! `Host` is `example.com`. Where corsair answers differently, the test asserts
//! corsair's answer and says so; the differences and their reasons:
//!
//! Corsair refuses what the peer lets through:
//! - A `Sec-Fetch-Site` or `Origin` header that is present but empty is cross-origin;
//!   Go and tower-http take an empty value for a missing header (and let a request
//!   without either through). A browser never sends either header empty.
//! - tower-http compares an `Origin` with the request-target's authority when the URI
//!   has one (absolute form, HTTP/2's `:authority`), and Go with `Request.Host`, which
//!   is the `:authority` over HTTP/2; corsair's engine compares it with the `Host`
//!   header only, so a browser without `Sec-Fetch-Site` (before 2023) writing to its
//!   own origin over HTTP/2 is refused.
//! - An exempt path is a plain path: Go's method-specific patterns (`POST /post-only/`)
//!   and wildcard segments (`/only/{foo}`, which browsers would send as `%7Bfoo%7D`) are
//!   refused by validation (`invalid-exempt-path`).
//! - An allowed origin must be written in its canonical form: the forms tower-http
//!   accepts and then never matches (`https://Example.COM`, `https://example.com:443`)
//!   are refused by validation (`non-canonical-origin`), as is a trailing slash
//!   (`origin-with-path`), which a pre-release of tower-http's normalized away.
//!
//! Corsair lets through what the peer refuses:
//! - An exempt path is a prefix by whole segments, its trailing `/` ignored, as a
//!   route's path is; since go.dev/issue/75054, Go matches a bypass pattern as its
//!   `ServeMux` does: `/bypass/` covers the paths under it but not `/bypass`, and
//!   `/no-trailing` only itself. So `/bypass/` exempts `/bypass` in corsair, and
//!   `/no-trailing` exempts `/no-trailing/` and what is under it. (Go 1.25.0 exempted
//!   `/bypass` and `/foo/../bypass/bar`; corsair refuses the latter, as Go 1.25.1 does:
//!   a path with a dot segment is never exempt.) Go's fix is about a path that its mux
//!   only redirects; corsair neither redirects nor cleans paths: the application gets
//!   the very path that was exempted, and one that routes `/bypass` and `/bypass/...`
//!   to different handlers exempts both by listing `/bypass/`.
//! - Without wildcards or methods, the nearest exempt paths to Go's `/only/{foo}` and
//!   `GET /get-only/` are `/only` and `/get-only/`: they exempt `/only/123/foo`, and
//!   every method under `/get-only/`.
//! - An `Origin` is compared with the `Host` header without ASCII case, as host names
//!   compare (RFC 3986, 3.2.2); Go and tower-http compare bytes.
//! - With an absolute-form request target whose authority is not the `Host` header,
//!   tower-http (and Go) refuse an `Origin` that matches `Host` only; corsair sees no
//!   target authority and lets it through. A browser never sends such a request (it
//!   sends its own `Host` and the origin-form target), and only a browser's writes are
//!   forged.
//!
//! Not ported: Go's `SetDenyHandler` (corsair answers a bare 403) and
//! `AddingBypassesConcurrently` (a policy is immutable: a new one is built and swapped
//! in), and tower-http's rejection-response and `Debug` tests.

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
    status_of_bytes(
        policy,
        method,
        path,
        host.map(str::as_bytes),
        origin.map(str::as_bytes),
        sec_fetch_site.map(str::as_bytes),
    )
}

/// [`status`], with header values that need not be text.
fn status_of_bytes(
    policy: &Policy,
    method: &str,
    path: &str,
    host: Option<&[u8]>,
    origin: Option<&[u8]>,
    sec_fetch_site: Option<&[u8]>,
) -> u16 {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("host", host),
        ("origin", origin),
        ("sec-fetch-site", sec_fetch_site),
    ] {
        if let Some(value) = value {
            headers.insert(name, HeaderValue::from_bytes(value).unwrap());
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
    // Go's patterns `/bypass/`, `/only/{foo}`, `/no-trailing`, `/yes-trailing/`,
    // `PUT /put-only/`, `GET /get-only/` and `POST /post-only/`, each as the nearest
    // exempt path corsair has (see above).
    let policy = protected(
        Policy::builder()
            .allow_origins(["https://trusted.example"])
            .cross_origin_protection_exempt_paths([
                "/bypass/",
                "/only",
                "/no-trailing",
                "/yes-trailing/",
                "/put-only/",
                "/get-only/",
                "/post-only/",
            ]),
    );
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
            "redirect to bypass path without ..",
            "/foo/../bypass/bar",
            None,
            403,
        ),
        // Go: 403 (its mux only redirects `/bypass`); corsair exempts it (see above).
        (
            "redirect to bypass path with trailing slash",
            "/bypass",
            None,
            200,
        ),
        (
            "redirect to non-bypass path with ..",
            "/foo/../api/bar",
            None,
            403,
        ),
        (
            "redirect to non-bypass path with trailing slash",
            "/api",
            None,
            403,
        ),
        ("wildcard bypass", "/only/123", None, 200),
        // Go: 403 (`{foo}` is one segment); corsair's `/only` covers what is under it.
        ("non-wildcard", "/only/123/foo", None, 200),
        // go.dev/issue/75054. Go: 403 for the second and the fourth, which corsair
        // exempts: the trailing `/` of an exempt path does not count (see above).
        ("no trailing slash exact match", "/no-trailing", None, 200),
        ("no trailing slash with slash", "/no-trailing/", None, 200),
        (
            "yes trailing slash exact match",
            "/yes-trailing/",
            None,
            200,
        ),
        (
            "yes trailing slash without slash",
            "/yes-trailing",
            None,
            200,
        ),
        ("method-specific hit", "/post-only/", None, 200),
        // Go: 403 for both (the pattern is for another method); corsair's exempt paths
        // are for every method.
        ("method-specific miss (PUT)", "/put-only/", None, 200),
        ("method-specific miss (GET)", "/get-only/", None, 200),
        // corsair's own cases.
        ("under the bypass path", "/bypass/hook", None, 200),
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
fn go_method_specific_and_wildcard_patterns_are_not_exempt_paths() {
    assert_both_exempt_paths_refused(&["POST /post-only/", "GET /get-only/"]);
    // A wildcard segment is refused, as a glob is: it would exempt nothing Go's pattern
    // does.
    assert_both_exempt_paths_refused(&["/only/{foo}", "/only/}"]);
}

#[test]
fn go_add_trusted_origin_errors() {
    // Go's `AddTrustedOrigin` cases as `allow_origins` entries: each origin Go accepts
    // builds, each one it refuses is refused with the diagnostic that says why.
    let cases: [(&str, &str, Option<Code>); 12] = [
        ("valid origin", "https://example.com", None),
        ("valid origin with port", "https://example.com:8080", None),
        ("http origin", "http://example.com", None),
        ("missing scheme", "example.com", Some(Code::InvalidOrigin)),
        ("missing host", "https://", Some(Code::InvalidOrigin)),
        (
            "trailing slash",
            "https://example.com/",
            Some(Code::OriginWithPath),
        ),
        (
            "with path",
            "https://example.com/path",
            Some(Code::OriginWithPath),
        ),
        (
            "with query",
            "https://example.com?query=value",
            Some(Code::OriginWithPath),
        ),
        (
            "with fragment",
            "https://example.com#fragment",
            Some(Code::OriginWithPath),
        ),
        (
            "invalid url",
            "https://ex ample.com",
            Some(Code::InvalidOrigin),
        ),
        ("empty string", "", Some(Code::InvalidOrigin)),
        ("null", "null", Some(Code::NullOrigin)),
    ];
    for (name, origin, want) in cases {
        let built = Policy::builder()
            .allow_origins([origin])
            .cross_origin_protection(true)
            .build();
        match (built, want) {
            (Ok(policy), None) => {
                // Accepted, and trusted: its cross-site writes pass, another's do not.
                let write = |origin| {
                    status(
                        &policy,
                        "POST",
                        "/",
                        Some("api.example.net"),
                        Some(origin),
                        Some("cross-site"),
                    )
                };
                assert_eq!(write(origin), 200, "{name}");
                assert_eq!(write("https://attacker.example"), 403, "{name}");
            }
            (Err(err), Some(code)) => {
                let found: Vec<(Code, &str)> = err
                    .diagnostics()
                    .iter()
                    .map(|d| (d.code(), d.field()))
                    .collect();
                assert_eq!(found, [(code, "cors.allow_origins[0]")], "{name}");
            }
            (built, want) => panic!("{name}: {origin:?} gave {built:?}, want {want:?}"),
        }
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
    // test_middleware_origin_host_port_match: a strict comparison, ports included. The
    // engine gets the path, not the request target: the cases with a target authority
    // are ported with their Host header (or none).
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
        // The two with a request-target authority (`https://example.com/path`) that
        // is not the Host header: corsair sees only the Host header (see above).
        // tower-http: 200, from the authority; corsair: 403.
        (
            "request-target authority wins over host header (match)",
            Some("other.example"),
            "https://example.com",
            403,
        ),
        // tower-http: 403, the authority is not the origin's; corsair: 200.
        (
            "origin matching host header but not authority is rejected",
            Some("other.example"),
            "https://other.example",
            200,
        ),
        // corsair's own: Go and tower-http compare bytes, and refuse it (see above).
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
fn tower_http_sec_fetch_site_edge_cases() {
    // test_middleware_sec_fetch_site, the cases Go's test does not have.
    let policy = protected(Policy::builder().allow_origins(["https://trusted.example"]));
    const NON_DECODABLE: &[u8] = &[0xFF, 0xFE];
    assert!(
        HeaderValue::from_bytes(NON_DECODABLE)
            .unwrap()
            .to_str()
            .is_err()
    );
    /// A case: its name, `Sec-Fetch-Site`, `Origin` and the status.
    type Case = (
        &'static str,
        Option<&'static [u8]>,
        Option<&'static [u8]>,
        u16,
    );
    let cases: [Case; 4] = [
        (
            "non-decodable origin without sec-fetch-site rejected",
            None,
            Some(NON_DECODABLE),
            403,
        ),
        (
            "non-decodable sec-fetch-site without origin rejected",
            Some(NON_DECODABLE),
            None,
            403,
        ),
        // tower-http (and Go): 200, an empty header counts as none; corsair: 403, any
        // value but `same-origin` and `none` is cross-origin (see above).
        (
            "empty sec-fetch-site without origin allowed",
            Some(b""),
            None,
            403,
        ),
        // tower-http (and Go): 200; corsair: 403, an empty origin is no origin's.
        (
            "empty origin without sec-fetch-site allowed",
            None,
            Some(b""),
            403,
        ),
    ];
    for (name, site, origin, want) in cases {
        let got = status_of_bytes(&policy, "POST", "/", Some(b"example.com"), origin, site);
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn tower_http_bypass_applies_when_origin_unparseable() {
    // test_middleware_bypass (as Go's pattern cases) and
    // test_middleware_bypass_applies_when_origin_unparseable.
    let policy = protected(
        Policy::builder()
            .allow_origins(["https://trusted.example"])
            .cross_origin_protection_exempt_paths(["/bypass"]),
    );
    let unparseable: &[u8] = &[0xFF, 0xFE];
    for site in [None, Some(&b"cross-site"[..])] {
        let write = |path| {
            status_of_bytes(
                &policy,
                "POST",
                path,
                Some(b"example.com"),
                Some(unparseable),
                site,
            )
        };
        assert_eq!(write("/bypass"), 200, "{site:?}");
        assert_eq!(write("/api"), 403, "{site:?}");
    }
}

#[test]
fn tower_http_trusted_origin_strict_byte_match() {
    // test_middleware_trusted_origin_strict_byte_match: a cross-site write from
    // `origin` to `other.example`, with `trusted` allowed.
    let write = |trusted: &str, origin: &str| {
        let policy = protected(Policy::builder().allow_origins([trusted]));
        status(
            &policy,
            "POST",
            "/",
            Some("other.example"),
            Some(origin),
            Some("cross-site"),
        )
    };
    assert_eq!(
        write("https://example.com", "https://example.com"),
        200,
        "exact match trusted"
    );
    assert_eq!(
        write("https://example.com:8443", "https://example.com:8443"),
        200,
        "exact match with non-default port"
    );
    assert_eq!(
        write("https://example.com", "https://example.com:443"),
        403,
        "bare trusted not matched by explicit-default-port origin"
    );
    // tower-http trusts the next ones as written, and they never match a browser's
    // origin; corsair refuses them when the policy is built (see above). With them,
    // the non-canonical forms of test_middleware_trusted_origin_normalization, from a
    // pre-release of tower-http's, which trusted their canonical forms.
    let cases = [
        (
            "host case mismatch not trusted",
            "https://Example.COM",
            Code::NonCanonicalOrigin,
        ),
        (
            "explicit default port not trusted against bare origin",
            "https://example.com:443",
            Code::NonCanonicalOrigin,
        ),
        (
            "scheme and host case folded",
            "HTTPS://Example.COM",
            Code::NonCanonicalOrigin,
        ),
        (
            "trailing slash stripped",
            "https://example.com/",
            Code::OriginWithPath,
        ),
        (
            "default https port stripped",
            "https://example.com:443",
            Code::NonCanonicalOrigin,
        ),
        (
            "default http port stripped",
            "http://example.com:80",
            Code::NonCanonicalOrigin,
        ),
    ];
    for (name, trusted, code) in cases {
        let err = Policy::builder()
            .allow_origins([trusted])
            .cross_origin_protection(true)
            .build()
            .unwrap_err();
        let codes: Vec<Code> = err.diagnostics().iter().map(|d| d.code()).collect();
        assert_eq!(codes, [code], "{name}");
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

    assert_both_exempt_paths_refused(&["hooks", "/hooks/*"]);
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

/// A protected policy with these two exempt paths is refused, with `invalid-exempt-path`
/// at each of them.
fn assert_both_exempt_paths_refused(paths: &[&str; 2]) {
    let err = Policy::builder()
        .allow_origins(["https://app.example"])
        .cross_origin_protection(true)
        .cross_origin_protection_exempt_paths(*paths)
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
        ],
        "{paths:?}"
    );
}
