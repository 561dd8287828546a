//! Origin regexes with credentials: every regex that admits origins the lists could not
//! allow safely is refused with `unsafe-origin-regex` (or `unprovable-origin-regex`),
//! naming an origin it admits; safe regexes stay accepted; a property test holds the
//! analysis against a brute-force oracle over generated regexes and origins.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

mod common;

use common::headers;
use corsair::{Code, Config, Policy, Severity};
use http::Method;
use proptest::prelude::*;

fn credentialed(regex: &str) -> Config {
    // Writes protected, as a credentialed policy should be (no `unprotected-writes`).
    Policy::builder()
        .allow_origin_regexes([regex])
        .allow_credentials(true)
        .cross_origin_protection(true)
}

/// The refusal of `regex` with credentials: its code and message.
fn refusal(regex: &str) -> (Code, String) {
    let err = match credentialed(regex).build() {
        Ok(_) => panic!("`{regex}` was accepted with credentials"),
        Err(e) => e,
    };
    // The flaw of the hosts, when there is one besides `null`.
    let d = err
        .errors()
        .find(|d| d.code() != Code::NullOrigin)
        .or_else(|| err.errors().next())
        .unwrap();
    assert_eq!(d.field(), "cors.allow_origin_regexes[0]", "{regex}");
    assert!(d.help().is_some(), "{regex}: a refusal says how to fix it");
    (d.code(), d.message().to_owned())
}

/// The origin a refusal names as evidence, in backquotes after "it admits".
fn evidence(message: &str) -> String {
    let (_, rest) = message.split_once("it admits `").unwrap();
    rest.split('`').next().unwrap().to_owned()
}

fn allows(policy: &Policy, origin: &str) -> bool {
    policy
        .decide(&Method::GET, "/", &headers(&[("origin", origin)]))
        .allowed()
}

#[test]
fn any_origin_with_credentials_is_refused_as_reported() {
    // The reported hole: `.*` with credentials reflected every origin.
    let err = credentialed(".*").build().unwrap_err();
    let codes: Vec<Code> = err.errors().map(|d| d.code()).collect();
    assert!(codes.contains(&Code::UnsafeOriginRegex), "{codes:?}");
    assert!(codes.contains(&Code::NullOrigin), "{codes:?}");
}

#[test]
fn every_unsafe_class_is_refused_with_an_origin_it_really_admits() {
    let cases: &[(&str, &str)] = &[
        (".*", "any origin"),
        ("https://.*", "any origin"),
        (r"https://[a-z]+\.com", "public suffix `.com`"),
        (
            r"https://[a-z0-9-]+\.github\.io",
            "public suffix `.github.io`",
        ),
        (r"https://example\.com.*", "go on after"),
        (r"https://.*example\.com", "end with `example.com`"),
        ("https://app.example.com", "does not spell out"),
        (r"http://app\.example\.com", "plain-http"),
        (r"https?://[a-z]+\.example\.com", "plain-http"),
        (r"https://10\.0\.0\.\d+", "IP addresses"),
    ];
    for (regex, class) in cases {
        let (code, message) = refusal(regex);
        assert_eq!(code, Code::UnsafeOriginRegex, "{regex}: {message}");
        assert!(message.contains(class), "{regex}: {message}");
        // The evidence is true: the same regex, kept with the escape hatch, allows it.
        let shown = evidence(&message);
        let kept = credentialed(regex)
            .dangerously_allow_unsafe_origin_regexes(true)
            .dangerously_allow_null_origin(regex.starts_with(".*"))
            .build()
            .unwrap();
        assert!(
            allows(&kept, &shown),
            "{regex}: evidence {shown} is not admitted"
        );
    }
}

#[test]
fn the_issue_examples_show_the_attack() {
    let (_, message) = refusal(r"https://example\.com.*");
    assert_eq!(evidence(&message), "https://example.com.evil.com");
    let (_, message) = refusal(r"https://.*example\.com");
    assert_eq!(evidence(&message), "https://evilexample.com");
    let (_, message) = refusal(r"https://[a-z]+\.com");
    assert_eq!(evidence(&message), "https://evil.com");
    let (code, message) = refusal("null");
    assert_eq!(code, Code::NullOrigin, "{message}");
}

#[test]
fn safe_regexes_stay_accepted() {
    for regex in [
        r"https://(app|admin)\.example\.com",
        r"https://[a-z0-9-]+\.example\.com",
        r"^https://api-[0-9]+\.example\.com$",
        r"https://pr-\d+\.preview\.example\.com",
        r"https://example\.com(:\d+)?",
        r"http://localhost:\d+",
        r"(https://example\.com|https://example\.org)",
    ] {
        let policy = credentialed(regex).build();
        assert!(policy.is_ok(), "{regex}: {:?}", policy.err());
        assert!(
            policy.unwrap().warnings().is_empty(),
            "{regex} has warnings"
        );
    }
}

#[test]
fn what_cannot_be_proved_is_refused_with_the_reason() {
    let (code, message) = refusal(r"https://\bexample\.com");
    assert_eq!(code, Code::UnprovableOriginRegex, "{message}");
    assert!(message.contains("cannot prove"), "{message}");
}

#[test]
fn without_credentials_any_origin_is_only_a_warning() {
    let policy = Policy::builder()
        .allow_origin_regexes(["https://.*"])
        .build()
        .unwrap();
    let codes: Vec<(Code, Severity)> = policy
        .warnings()
        .iter()
        .map(|d| (d.code(), d.severity()))
        .collect();
    assert!(
        codes.contains(&(Code::AnyOriginRegex, Severity::Warning)),
        "{codes:?}"
    );
}

/// The diagnostics of `regex` without credentials (the policy builds: warnings only).
fn public_warnings(regex: &str, unsafe_allowed: bool) -> Vec<(Code, Severity, String)> {
    let mut config = Policy::builder().allow_origin_regexes([regex]);
    if unsafe_allowed {
        config = config.dangerously_allow_unsafe_origin_regexes(true);
    }
    let policy = match config.build() {
        Ok(policy) => policy,
        Err(e) => panic!("`{regex}` was refused without credentials: {e}"),
    };
    policy
        .warnings()
        .iter()
        .map(|d| (d.code(), d.severity(), d.message().to_owned()))
        .collect()
}

#[test]
fn without_credentials_a_regex_that_admits_other_sites_is_a_warning() {
    // The review's examples: they pass as a public policy, but admit other sites.
    let cases: &[(&str, &str, &str)] = &[
        (
            r"https://.*example\.com",
            "end with `example.com`",
            "https://evilexample.com",
        ),
        (
            r"https://\w+\.example\.com.*",
            "go on after",
            "https://a.example.comaa",
        ),
        (
            r"https://[a-z]+\.com",
            "public suffix `.com`",
            "https://evil.com",
        ),
        (
            r"https://[a-z0-9-]+\.github\.io",
            "public suffix `.github.io`",
            "",
        ),
        (r"https://example\.com.*", "go on after", ""),
        (
            r"https://app\.example.com",
            "does not spell out",
            "https://app.exampleacom",
        ),
    ];
    for (regex, class, example) in cases {
        let warnings = public_warnings(regex, false);
        let broad: Vec<_> = warnings
            .iter()
            .filter(|(code, ..)| *code == Code::BroadOriginRegex)
            .collect();
        assert_eq!(broad.len(), 1, "{regex}: {warnings:?}");
        let (_, severity, message) = broad[0];
        assert_eq!(*severity, Severity::Warning, "{regex}");
        assert!(message.contains(class), "{regex}: {message}");
        if !example.is_empty() {
            assert_eq!(evidence(message), *example, "{regex}: {message}");
        }
        // The same regex with credentials is refused, as before.
        let (code, _) = refusal(regex);
        assert_eq!(code, Code::UnsafeOriginRegex, "{regex}");
    }
    // With help, on the field of the regex.
    let policy = Policy::builder()
        .allow_origin_regexes([
            r"https://(app|admin)\.example\.com",
            r"https://.*example\.com",
        ])
        .build()
        .unwrap();
    let d = &policy.warnings()[0];
    assert_eq!(d.code(), Code::BroadOriginRegex);
    assert_eq!(d.field(), "cors.allow_origin_regexes[1]");
    assert!(d.help().unwrap().contains("your own registrable domain"));
}

#[test]
fn without_credentials_ip_ranges_plain_http_and_the_unprovable_say_nothing() {
    // A risk only for credentialed answers, or unknown: a public answer is fine.
    for regex in [
        r"https://10\.0\.0\.\d+",
        r"http://app\.example\.com",
        r"https?://[a-z]+\.example\.com",
        r"https://\bexample\.com",
        r"https://[a-z0-9-]+\.example\.com",
    ] {
        assert_eq!(public_warnings(regex, false), [], "{regex}");
        // With credentials, each of the flawed ones is still refused.
        if regex != r"https://[a-z0-9-]+\.example\.com" {
            let (code, _) = refusal(regex);
            assert!(
                matches!(code, Code::UnsafeOriginRegex | Code::UnprovableOriginRegex),
                "{regex}: {code}"
            );
        }
    }
}

#[test]
fn the_escape_hatch_does_not_silence_warnings() {
    // dangerously_allow_unsafe_origin_regexes keeps refused regexes; without
    // credentials nothing is refused, so the warnings stay and the option is unused.
    for (regex, code) in [
        (r"https://.*example\.com", Code::BroadOriginRegex),
        ("https://.*", Code::AnyOriginRegex),
    ] {
        let codes: Vec<Code> = public_warnings(regex, true)
            .into_iter()
            .map(|(code, ..)| code)
            .collect();
        assert_eq!(codes, [code, Code::UnusedOption], "{regex}");
    }
}

#[test]
fn the_escape_hatch_is_explicit() {
    let policy = credentialed(r"https://[a-z]+\.com")
        .dangerously_allow_unsafe_origin_regexes(true)
        .build()
        .unwrap();
    assert!(allows(&policy, "https://evil.com"));
    // Set without need, it is flagged as having no effect.
    let policy = credentialed(r"https://[a-z]+\.example\.com")
        .dangerously_allow_unsafe_origin_regexes(true)
        .build()
        .unwrap();
    let codes: Vec<Code> = policy.warnings().iter().map(|d| d.code()).collect();
    assert_eq!(codes, [Code::UnusedOption]);
}

#[cfg(feature = "toml")]
#[test]
fn files_and_routes_are_checked_too() {
    let text = r#"
        [cors]
        allow_origins = ["https://app.example.com"]
        allow_credentials = true

        [[routes]]
        path = "/partners"
        allow_origin_regexes = ["https://.*partner\\.com"]
    "#;
    let err = Config::from_toml_str(text)
        .and_then(Config::build)
        .unwrap_err();
    let d = err.errors().next().unwrap();
    assert_eq!(d.code(), Code::UnsafeOriginRegex);
    assert_eq!(d.field(), "routes[0].allow_origin_regexes[0]");
}

// The property test: regexes assembled from the pieces people write (safe and unsafe),
// origins assembled from the hosts attackers try. Whenever the analysis accepts a regex
// with credentials, every origin the regex admits must be one a list could allow safely.

const SCHEMES: &[&str] = &["https://", "http://", "https?://", ".*", ""];
const PREFIXES: &[&str] = &[
    "",
    r"[a-z]+\.",
    "[a-z0-9-]*",
    ".*",
    ".",
    r"(app|admin)\.",
    r"app\.",
    "app.",
    "[a-z]+",
    r"([a-z]+\.)*",
];
/// A domain piece and the hosts its author means to own (the registrable domains, or
/// the whole host for names without one).
const DOMAINS: &[(&str, &[&str])] = &[
    (r"example\.com", &["example.com"]),
    ("example.com", &["example.com"]),
    (r"example\.(com|org)", &["example.com", "example.org"]),
    ("com", &["com"]),
    (r"github\.io", &["github.io"]),
    (r"example\.co\.uk", &["example.co.uk"]),
    ("localhost", &["localhost"]),
    (r"127\.0\.0\.1", &["127.0.0.1"]),
    ("", &[]),
];
const PORTS: &[&str] = &["", ":[0-9]+", "(:8080)?", ".*"];
const TAILS: &[(&str, &[&str])] = &[("", &[]), (".*", &[]), (r"\.evil\.com", &["evil.com"])];
const HOSTS: &[&str] = &[
    "example.com",
    "app.example.com",
    "admin.example.com",
    "a.b.example.com",
    "evilexample.com",
    "example.com.evil.com",
    "appxexample.com",
    "app.examplexcom",
    "example.org",
    "example.net",
    "evil.com",
    "a.com",
    "com",
    "x.github.io",
    "github.io",
    "example.co.uk",
    "x.example.co.uk",
    "evil.co.uk",
    "localhost",
    "a.localhost",
    "127.0.0.1",
    "10.0.0.1",
    "[::1]",
    "evil.example.com.evil.com",
];

fn owned(host: &str, owners: &[&str]) -> bool {
    let name = host.trim_end_matches('.');
    owners.iter().any(|o| {
        name == *o
            || psl::domain_str(name) == Some(*o)
            || name.ends_with(&format!(".{o}"))
                && (psl::domain_str(o) == Some(*o) || *o == "localhost")
    })
}

fn loopback(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost") || host == "127.0.0.1" || host == "[::1]"
}

/// The oracle: an origin a list of exact origins and `*.` patterns of the owned
/// domains could allow with credentials.
fn safe(origin: &str, owners: &[&str]) -> bool {
    let Some(o) = corsair::OriginRef::parse(origin) else {
        return origin != "null";
    };
    let scheme_ok = o.scheme() == "https" || (o.scheme() == "http" && loopback(o.host()));
    scheme_ok && (owned(o.host(), owners) || loopback(o.host()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn accepted_regexes_admit_only_safe_origins(
        scheme in 0..SCHEMES.len(),
        prefix in 0..PREFIXES.len(),
        domain in 0..DOMAINS.len(),
        port in 0..PORTS.len(),
        tail in 0..TAILS.len(),
        random_host in "[a-z]{1,6}(\\.[a-z]{1,6}){0,2}",
    ) {
        let regex = format!(
            "{}{}{}{}{}",
            SCHEMES[scheme], PREFIXES[prefix], DOMAINS[domain].0, TAILS[tail].0, PORTS[port]
        );
        let owners: Vec<&str> = DOMAINS[domain].1.iter().chain(TAILS[tail].1).copied().collect();
        let Ok(policy) = credentialed(&regex).build() else {
            return Ok(());
        };
        let anchored = regex::Regex::new(&format!("^(?:{regex})$")).unwrap();
        let mut origins = vec!["null".to_owned()];
        for host in HOSTS.iter().copied().chain([random_host.as_str()]) {
            for scheme in ["https", "http"] {
                for port in ["", ":8080"] {
                    origins.push(format!("{scheme}://{host}{port}"));
                }
            }
        }
        for origin in origins {
            if anchored.is_match(&origin) {
                prop_assert!(
                    safe(&origin, &owners),
                    "`{}` was accepted with credentials but admits {}", regex, origin
                );
                prop_assert!(allows(&policy, &origin) || corsair::OriginRef::parse(&origin).is_none());
            }
        }
    }

    #[test]
    fn regexes_of_safe_pieces_are_accepted(
        prefix in prop::sample::select(vec!["", r"[a-z]+\.", r"(app|admin)\.", r"([a-z0-9-]+\.)*", r"api-\d+\."]),
        domain in prop::sample::select(vec![r"example\.com", r"example\.co\.uk", r"my-app\.dev"]),
        port in prop::sample::select(vec!["", ":[0-9]+", "(:8443)?"]),
    ) {
        let regex = format!("https://{prefix}{domain}{port}");
        let built = credentialed(&regex).build();
        prop_assert!(built.is_ok(), "`{}` refused: {:?}", regex, built.err());
    }
}

/// A regex that admits `null`, with `dangerously_allow_null_origin`, allows it: the
/// policy is valid because of that regex, so the regex must be what allows `null` (the
/// matcher never runs regexes on the opaque origin). Without the regex, `null` stays
/// refused.
#[test]
fn a_regex_that_admits_null_allows_it_with_the_option() {
    let decide = |regexes: &[&str]| {
        let policy = corsair::Policy::builder()
            .allow_origins(["https://app.example"])
            .allow_origin_regexes(regexes.iter().copied())
            .dangerously_allow_null_origin(true)
            .build();
        let mut request = http::HeaderMap::new();
        request.insert("origin", http::HeaderValue::from_static("null"));
        policy.map(|p| p.decide(&http::Method::GET, "/", &request).allowed())
    };
    assert_eq!(decide(&[r"null|https://sandbox\.example"]).ok(), Some(true));
    // The option alone, without anything that allows `null`, allows nothing (a
    // warning says it is unused).
    assert_eq!(decide(&[r"https://sandbox\.example"]).ok(), Some(false));
}
