//! Every validation rule: each mistake gets its code, at the field where it is, with a
//! message; all of them are reported at once; warnings do not stop a build.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::type_complexity,
    missing_docs
)]

use corsair::{Code, Config, ConfigError, Policy, RouteConfig, Severity};

fn errors(config: Config) -> ConfigError {
    match config.build() {
        Ok(policy) => panic!(
            "expected errors, got a policy with warnings {:?}",
            policy.warnings()
        ),
        Err(e) => e,
    }
}

fn codes_at(err: &ConfigError) -> Vec<(Code, String)> {
    err.diagnostics()
        .iter()
        .map(|d| (d.code(), d.field().to_owned()))
        .collect()
}

fn single_origin_error(origin: &str) -> (Code, Option<String>) {
    let err = errors(Policy::builder().allow_origins([origin]));
    let d = err.errors().next().unwrap();
    assert_eq!(d.field(), "cors.allow_origins[0]", "{origin}");
    assert!(!d.message().is_empty());
    (d.code(), d.help().map(str::to_owned))
}

#[test]
fn origin_rules() {
    let cases: &[(&str, Code, Option<&str>)] = &[
        ("", Code::InvalidOrigin, None),
        (
            "example.com",
            Code::InvalidOrigin,
            Some("did you mean `https://example.com`?"),
        ),
        ("https://", Code::InvalidOrigin, None),
        ("https://exa mple.com", Code::InvalidOrigin, None),
        (
            "https://example.com/",
            Code::OriginWithPath,
            Some("write it as `https://example.com`"),
        ),
        (
            "https://example.com/app",
            Code::OriginWithPath,
            Some("write it as `https://example.com`"),
        ),
        ("https://example.com?a=1", Code::OriginWithPath, None),
        ("https://example.com#top", Code::OriginWithPath, None),
        (
            "https://admin:pw@example.com",
            Code::OriginWithUserinfo,
            None,
        ),
        (
            "https://Example.com",
            Code::NonCanonicalOrigin,
            Some("write it as `https://example.com`"),
        ),
        (
            "https://example.com:443",
            Code::NonCanonicalOrigin,
            Some("write it as `https://example.com`"),
        ),
        (
            "http://localhost:80",
            Code::NonCanonicalOrigin,
            Some("write it as `http://localhost`"),
        ),
        ("https://ex*.com", Code::InvalidWildcard, None),
        (
            "https://*",
            Code::InvalidWildcard,
            Some("to allow any origin, write `*` alone"),
        ),
        ("null", Code::NullOrigin, None),
        ("https://*.com", Code::PublicSuffixWildcard, None),
        ("https://*.github.io", Code::PublicSuffixWildcard, None),
    ];
    for (origin, code, help) in cases {
        let (found, found_help) = single_origin_error(origin);
        assert_eq!(found, *code, "{origin:?}");
        if let Some(help) = help {
            assert_eq!(found_help.as_deref(), Some(*help), "{origin:?}");
        }
    }
}

#[test]
fn internationalized_names_are_accepted_as_punycode() {
    let policy = Policy::builder()
        .allow_origins(["https://bücher.example"])
        .build()
        .unwrap();
    let mut request = http::HeaderMap::new();
    request.insert("origin", "https://xn--bcher-kva.example".parse().unwrap());
    assert!(policy.decide(&http::Method::GET, "/", &request).allowed());
}

#[test]
fn wildcard_rules() {
    let err = errors(Policy::builder().allow_origins(["*", "https://a.example"]));
    assert_eq!(
        codes_at(&err),
        [(
            Code::WildcardOriginMixed,
            "cors.allow_origins[0]".to_owned()
        )]
    );
    let err = errors(
        Policy::builder()
            .allow_origins(["*"])
            .allow_credentials(true),
    );
    assert_eq!(
        codes_at(&err),
        [(
            Code::WildcardOriginWithCredentials,
            "cors.allow_origins[0]".to_owned()
        )]
    );
    let err = errors(
        Policy::builder()
            .allow_origins(["https://a.example"])
            .allow_credentials(true)
            .expose_headers(["*"]),
    );
    assert_eq!(
        codes_at(&err),
        [(
            Code::WildcardExposeWithCredentials,
            "cors.expose_headers[0]".to_owned()
        )]
    );
}

#[test]
fn dangerous_options_unlock_their_rule_only() {
    let base = || Policy::builder().allow_credentials(true);
    let insecure = errors(base().allow_origins(["http://app.example"]));
    assert_eq!(
        insecure.errors().next().unwrap().code(),
        Code::InsecureOrigin
    );
    base()
        .allow_origins(["http://app.example"])
        .dangerously_allow_insecure_origins(true)
        .build()
        .unwrap();
    // Loopback is not insecure; nor is plain http without credentials.
    base()
        .allow_origins([
            "http://localhost:*",
            "http://127.0.0.1:3000",
            "http://[::1]:8080",
        ])
        .build()
        .unwrap();
    Policy::builder()
        .allow_origins(["http://app.example"])
        .build()
        .unwrap();

    base()
        .allow_origins(["null"])
        .dangerously_allow_null_origin(true)
        .build()
        .unwrap();
    base()
        .allow_origins(["https://*.github.io"])
        .dangerously_allow_public_suffix_wildcards(true)
        .build()
        .unwrap();
    // Each option unlocks only its own rule.
    let err = errors(
        base()
            .allow_origins(["null", "https://*.github.io", "http://app.example"])
            .dangerously_allow_null_origin(true),
    );
    let codes: Vec<_> = err.errors().map(|d| d.code()).collect();
    assert_eq!(codes, [Code::PublicSuffixWildcard, Code::InsecureOrigin]);
}

#[test]
fn method_rules() {
    let err = errors(
        Policy::builder()
            .allow_origins(["https://a.example"])
            .allow_methods(["CONNECT", "trace", "TRACK", "GET POST", "", "PUT"]),
    );
    assert_eq!(
        codes_at(&err),
        [
            (Code::ForbiddenMethod, "cors.allow_methods[0]".to_owned()),
            (Code::ForbiddenMethod, "cors.allow_methods[1]".to_owned()),
            (Code::ForbiddenMethod, "cors.allow_methods[2]".to_owned()),
            (Code::InvalidMethod, "cors.allow_methods[3]".to_owned()),
            (Code::InvalidMethod, "cors.allow_methods[4]".to_owned()),
        ]
    );
}

#[test]
fn header_rules() {
    let err = errors(
        Policy::builder()
            .allow_origins(["https://a.example"])
            .allow_headers([
                "cookie",
                "Sec-Fetch-Mode",
                "proxy-authorization",
                "x a",
                "x-ok",
                "access-control-allow-origin",
            ])
            .expose_headers(["set-cookie", "x:y", "x-ok"]),
    );
    assert_eq!(
        codes_at(&err),
        [
            (
                Code::ForbiddenHeaderName,
                "cors.allow_headers[0]".to_owned()
            ),
            (
                Code::ForbiddenHeaderName,
                "cors.allow_headers[1]".to_owned()
            ),
            (
                Code::ForbiddenHeaderName,
                "cors.allow_headers[2]".to_owned()
            ),
            (Code::InvalidHeaderName, "cors.allow_headers[3]".to_owned()),
            (
                Code::MisplacedCorsHeader,
                "cors.allow_headers[5]".to_owned()
            ),
            (
                Code::ForbiddenExposeHeader,
                "cors.expose_headers[0]".to_owned()
            ),
            (Code::InvalidHeaderName, "cors.expose_headers[1]".to_owned()),
        ]
    );
}

#[test]
fn cors_response_headers_in_allow_headers_are_not_called_forbidden() {
    let err = errors(
        Policy::builder()
            .allow_origins(["https://a.example"])
            .allow_headers([
                "access-control-allow-credentials",
                "Access-Control-Allow-Origin",
                "access-control-max-age",
                "access-control-request-private-network",
                "access-control-request-method",
                "origin",
            ]),
    );
    let found: Vec<_> = err
        .errors()
        .map(|d| (d.code(), d.message().to_owned()))
        .collect();
    assert_eq!(found.len(), 6, "{found:?}");
    for (code, message) in &found[..3] {
        assert_eq!(*code, Code::MisplacedCorsHeader, "{message}");
        assert!(message.contains("is a CORS response header"), "{message}");
        assert!(!message.contains("forbidden"), "{message}");
    }
    assert_eq!(found[3].0, Code::MisplacedCorsHeader);
    assert!(found[3].1.contains("browsers add to preflights themselves"));
    // Fetch's forbidden request headers keep their code and say so.
    for (code, message) in &found[4..] {
        assert_eq!(*code, Code::ForbiddenHeaderName, "{message}");
        assert!(message.contains("forbidden request header"), "{message}");
    }
}

#[test]
fn cors_protocol_headers_are_never_exposed() {
    let names = [
        "origin",
        "Access-Control-Request-Method",
        "access-control-request-headers",
        "access-control-request-private-network",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-max-age",
        "access-control-allow-private-network",
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-expose-headers",
    ];
    let err = errors(
        Policy::builder()
            .allow_origins(["https://a.example"])
            .expose_headers(names.iter().copied().chain(["x-request-id"])),
    );
    let expected: Vec<_> = (0..names.len())
        .map(|i| {
            (
                Code::MisplacedCorsHeader,
                format!("cors.expose_headers[{i}]"),
            )
        })
        .collect();
    assert_eq!(codes_at(&err), expected);
    let messages: Vec<_> = err.errors().map(|d| d.message().to_owned()).collect();
    assert!(messages[0].contains("request header of the CORS protocol"));
    assert!(messages[4].contains("preflight responses, which scripts never see"));
    assert!(messages[8].contains("set by the CORS layer itself"));
    // Names that merely look alike are the application's own headers.
    Policy::builder()
        .allow_origins(["https://a.example"])
        .expose_headers(["x-access-control-allow-origin", "originator"])
        .build()
        .unwrap();
}

#[test]
fn max_age_and_status_rules() {
    let err = errors(
        Policy::builder()
            .allow_origins(["https://a.example"])
            .max_age(86_401)
            .preflight_status(302),
    );
    assert_eq!(
        codes_at(&err),
        [
            (Code::MaxAgeTooLarge, "cors.max_age".to_owned()),
            (
                Code::InvalidPreflightStatus,
                "cors.preflight_status".to_owned()
            ),
        ]
    );
    Policy::builder()
        .allow_origins(["https://a.example"])
        .max_age(86_400)
        .preflight_status(200)
        .build()
        .unwrap();
}

#[test]
fn no_origins_is_an_error() {
    let err = errors(Policy::builder());
    assert_eq!(
        codes_at(&err),
        [(Code::NoOrigins, "cors.allow_origins".to_owned())]
    );
    // Unless CORS is off there.
    Policy::builder().enabled(false).build().unwrap();
}

#[test]
fn every_mistake_is_reported_at_once() {
    let err = errors(
        Policy::builder()
            .allow_origins(["*", "https://a.example/", "null"])
            .allow_credentials(true)
            .allow_methods(["TRACE"])
            .allow_headers(["cookie"])
            .expose_headers(["*"])
            .max_age(100_000),
    );
    let codes: Vec<_> = err.errors().map(|d| d.code()).collect();
    assert_eq!(
        codes,
        [
            Code::WildcardOriginMixed,
            Code::WildcardOriginWithCredentials,
            Code::OriginWithPath,
            Code::NullOrigin,
            Code::ForbiddenMethod,
            Code::ForbiddenHeaderName,
            Code::WildcardExposeWithCredentials,
            Code::MaxAgeTooLarge,
        ]
    );
    let text = err.to_string();
    assert!(text.starts_with("invalid CORS policy: 8 errors"), "{text}");
    assert_eq!(text.lines().count(), 9);
}

#[test]
fn warnings_do_not_stop_the_build() {
    let policy = Policy::builder()
        .allow_origins(["https://a.example", "https://a.example"])
        .allow_methods(["PUT", "patch", "PUT"])
        .allow_headers(["x-a", "X-A"])
        .expose_headers(["content-type"])
        .max_age(7201)
        .build()
        .unwrap();
    let codes: Vec<_> = policy
        .warnings()
        .iter()
        .map(|d| (d.code(), d.field()))
        .collect();
    assert_eq!(
        codes,
        [
            (Code::DuplicateEntry, "cors.allow_origins[1]"),
            (Code::CaseSensitiveMethod, "cors.allow_methods[1]"),
            (Code::DuplicateEntry, "cors.allow_methods[2]"),
            (Code::DuplicateEntry, "cors.allow_headers[1]"),
            (Code::RedundantEntry, "cors.expose_headers[0]"),
            (Code::MaxAgeAboveBrowserCap, "cors.max_age"),
        ]
    );
    assert!(
        policy
            .warnings()
            .iter()
            .all(|d| d.severity() == Severity::Warning)
    );
}

#[test]
fn unused_dangerous_option_is_a_warning() {
    let policy = Policy::builder()
        .allow_origins(["https://a.example"])
        .dangerously_allow_null_origin(true)
        .build()
        .unwrap();
    assert_eq!(policy.warnings()[0].code(), Code::UnusedOption);
}

#[cfg(feature = "regex")]
#[test]
fn regex_rules() {
    let err = errors(
        Policy::builder().allow_origin_regexes([r"https://(a|b\.example", r"https://c\.example"]),
    );
    assert_eq!(
        codes_at(&err),
        [(
            Code::InvalidRegex,
            "cors.allow_origin_regexes[0]".to_owned()
        )]
    );
    let policy = Policy::builder()
        .allow_origin_regexes([r"https://www.example\.com"])
        .build()
        .unwrap();
    assert_eq!(policy.warnings()[0].code(), Code::UnescapedDotInRegex);
    let err = errors(
        Policy::builder()
            .allow_origins(["*"])
            .allow_origin_regexes([r"https://a\.example"]),
    );
    assert_eq!(
        err.errors().next().unwrap().code(),
        Code::WildcardOriginMixed
    );
}

#[cfg(feature = "regex")]
#[test]
fn regexes_are_anchored() {
    let policy = Policy::builder()
        .allow_origin_regexes([r"https://pr-\d+\.preview\.example\.com"])
        .build()
        .unwrap();
    let allowed = |origin: &str| {
        let mut request = http::HeaderMap::new();
        request.insert("origin", origin.parse().unwrap());
        policy.decide(&http::Method::GET, "/", &request).allowed()
    };
    assert!(allowed("https://pr-12.preview.example.com"));
    assert!(!allowed("https://pr-12.preview.example.com.evil.net"));
    assert!(!allowed(
        "https://evil.net/https://pr-12.preview.example.com"
    ));
    assert!(!allowed("http://x.https://pr-1.preview.example.com"));
}

#[test]
fn route_rules() {
    let err = errors(
        Policy::builder()
            .allow_origins(["https://a.example"])
            .route(RouteConfig::new("api"))
            .route(RouteConfig::new("/api/*"))
            .route(RouteConfig::new("/x"))
            .route(RouteConfig::new("/x/"))
            .route(RouteConfig::new("")),
    );
    assert_eq!(
        codes_at(&err),
        [
            (Code::InvalidRoutePath, "routes[0].path".to_owned()),
            (Code::InvalidRoutePath, "routes[1].path".to_owned()),
            (Code::InvalidRoutePath, "routes[3].path".to_owned()),
            (Code::InvalidRoutePath, "routes[4].path".to_owned()),
        ]
    );
}

#[test]
fn route_errors_point_at_the_field_that_causes_them() {
    let err = errors(
        Policy::builder()
            .allow_origins(["*"])
            .route(RouteConfig::new("/account").allow_credentials(true))
            .route(RouteConfig::new("/b").allow_origins(["https://b.example/"])),
    );
    assert_eq!(
        codes_at(&err),
        [
            (
                Code::WildcardOriginWithCredentials,
                "routes[0].allow_credentials".to_owned()
            ),
            (
                Code::OriginWithPath,
                "routes[1].allow_origins[0]".to_owned()
            ),
        ]
    );
    // An inherited mistake is reported once, where it is written.
    let err = errors(
        Policy::builder()
            .allow_origins(["https://a.example/"])
            .route(RouteConfig::new("/x").max_age(1))
            .route(RouteConfig::new("/y").max_age(2)),
    );
    assert_eq!(
        codes_at(&err),
        [(Code::OriginWithPath, "cors.allow_origins[0]".to_owned())]
    );
}

#[cfg(feature = "toml")]
#[test]
fn file_and_policy_mistakes_come_with_their_fields() {
    let text = r#"
        [cors]
        allow_origins = ["https://app.example.com/", "*"]
        allow_credentials = true
        max_age = 90000

        [[routes]]
        path = "/public"
        allow_origins = ["*"]
        allow_credentials = false
        allow_metods = ["PUT"]
    "#;
    // The file mistake and the policy mistakes, in one error.
    let err = Config::from_toml_str(text).unwrap_err();
    let d = err.errors().next().unwrap();
    assert_eq!(
        (d.code(), d.field()),
        (Code::UnknownField, "routes[0].allow_metods")
    );
    assert_eq!(d.help(), Some("did you mean `allow_methods`?"));
    assert_eq!(
        codes_at(&err)[1..],
        [
            (Code::OriginWithPath, "cors.allow_origins[0]".to_owned()),
            (
                Code::WildcardOriginMixed,
                "cors.allow_origins[1]".to_owned()
            ),
            (
                Code::WildcardOriginWithCredentials,
                "cors.allow_origins[1]".to_owned()
            ),
            (Code::MaxAgeTooLarge, "cors.max_age".to_owned()),
        ]
    );

    let config = Config::from_toml_str(&text.replace("allow_metods", "allow_methods")).unwrap();
    let err = config.build().unwrap_err();
    assert_eq!(
        codes_at(&err),
        [
            (Code::OriginWithPath, "cors.allow_origins[0]".to_owned()),
            (
                Code::WildcardOriginMixed,
                "cors.allow_origins[1]".to_owned()
            ),
            (
                Code::WildcardOriginWithCredentials,
                "cors.allow_origins[1]".to_owned()
            ),
            (Code::MaxAgeTooLarge, "cors.max_age".to_owned()),
        ]
    );
}

#[test]
fn every_code_has_a_stable_kebab_case_name() {
    let mut names: Vec<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert!(
        names
            .iter()
            .all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
    );
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Code::ALL.len());
}

#[test]
fn fully_qualified_localhost_is_loopback_with_credentials() {
    // W3C Secure Contexts: `localhost.` and names under `.localhost.` are potentially
    // trustworthy, as `localhost` is.
    let policy = Policy::builder()
        .allow_origins(["http://localhost.:3000", "http://*.localhost.:*"])
        .allow_credentials(true)
        .cross_origin_protection(true)
        .build()
        .unwrap();
    assert!(policy.warnings().is_empty(), "{:?}", policy.warnings());
    let err = errors(
        Policy::builder()
            .allow_origins(["http://localhost.example."])
            .allow_credentials(true),
    );
    assert_eq!(
        codes_at(&err),
        [(Code::InsecureOrigin, "cors.allow_origins[0]".to_owned())]
    );
}
