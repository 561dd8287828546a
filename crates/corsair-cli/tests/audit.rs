//! `corsair audit` on the real binary against real servers on loopback: corsair's own
//! tower layer (well configured, and badly through its `dangerously_` options),
//! hand-written CORS code in axum, and apps of other frameworks: Starlette's
//! CORSMiddleware under uvicorn and Express with the `cors` package
//! (tests/fixtures). Each test asserts the exact set of findings.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod servers;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::{Run, corsair};
use corsair::{CorsLayer, Policy};
use serde_json::Value;

const APP: &str = "https://app.example.com";

/// A small API: `/api/items`; everything else is a 404.
fn api() -> Router {
    Router::new().route("/api/items", get(|| async { "[]" }).put(|| async { "{}" }))
}

fn with_policy(policy: corsair::Config) -> servers::TestServer {
    servers::serve(api().layer(CorsLayer::new(policy.build().unwrap())))
}

/// The policy a careful team writes: one origin, credentials, a few methods and headers.
fn good_policy() -> corsair::Config {
    Policy::builder()
        .allow_origins([APP])
        .allow_methods(["GET", "PUT"])
        .allow_headers(["content-type", "authorization"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(600)
}

/// `corsair audit URL --json ARGS...`, checking the document's shape; returns the run,
/// the document and the finding ids sorted.
fn audit(url: &str, args: &[&str]) -> (Run, Value, Vec<String>) {
    let mut all = vec!["audit", url, "--json"];
    all.extend_from_slice(args);
    let run = corsair(all);
    assert_eq!(run.stdout.lines().count(), 1, "one line of JSON: {run:?}");
    let json = run.json();
    assert_eq!(
        keys(&json),
        ["error", "findings", "origin", "probes", "url"],
        "{run:?}"
    );
    let findings = json["findings"].as_array().unwrap();
    let rank = |s: &str| {
        ["high", "medium", "low", "info"]
            .iter()
            .position(|x| *x == s)
    };
    let mut previous = 0;
    for finding in findings {
        assert_eq!(
            keys(finding),
            ["detail", "evidence", "fix", "id", "severity", "title"]
        );
        assert_eq!(keys(&finding["evidence"]), ["request", "response"]);
        let request = finding["evidence"]["request"].as_array().unwrap();
        let response = finding["evidence"]["response"].as_array().unwrap();
        assert!(!request.is_empty() && !response.is_empty(), "{finding}");
        // Sorted by severity.
        let r = rank(finding["severity"].as_str().unwrap()).expect("a known severity");
        assert!(r >= previous, "{json}");
        previous = r;
    }
    if json["error"].is_null() {
        let probes = json["probes"].as_u64().unwrap();
        // The range `corsair audit --help` states.
        assert!(
            (40..=44).contains(&probes),
            "a bounded number of probes: {probes}"
        );
    }
    let mut ids: Vec<String> = findings
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    (run, json, ids)
}

fn keys(json: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    ids.sort();
    ids
}

/// The finding with this id.
fn finding<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {json}"))
}

/// The exit code a set of findings must give: 1 when one is high.
fn expected_code(json: &Value) -> i32 {
    let high = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["severity"] == "high");
    i32::from(high)
}

#[test]
fn a_well_configured_corsair_server_has_no_finding() {
    let server = with_policy(good_policy());
    let url = server.url("/api/items");
    let (run, json, ids) = audit(&url, &["--origin", APP]);
    assert_eq!(ids, sorted(&[]), "{json}");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(json["origin"], APP);
    assert_eq!(json["url"], url);

    let run = corsair(["audit", &url, "--origin", APP]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(&format!(
            "trusted origin: {APP} (allowed: Access-Control-Allow-Origin: {APP}, with credentials)"
        )),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("\nno finding\n"), "{}", run.stdout);
}

#[test]
fn the_trusted_origin_is_derived_from_the_url() {
    // Loopback origins on any port: the URL's own origin is trusted.
    let server = with_policy(
        Policy::builder()
            .allow_origins(["http://127.0.0.1:*"])
            .allow_credentials(true),
    );
    let url = server.url("/api/items");
    let (run, json, ids) = audit(&url, &[]);
    assert_eq!(json["origin"], format!("http://{}", server.addr));
    assert_eq!(ids, sorted(&[]), "{json}");
    assert_eq!(run.code, 0);
}

#[test]
fn corsair_with_a_subdomain_wildcard() {
    // A deliberate `*.example.com`: only the trust in every subdomain is reported, not a
    // suffix match (evilapp.example.com is a subdomain like any other).
    let server = with_policy(good_policy().allow_origins(["https://*.example.com"]));
    let (run, json, ids) = audit(&server.url("/api/items"), &["--origin", APP]);
    assert_eq!(ids, sorted(&["any-subdomain"]), "{json}");
    assert_eq!(finding(&json, "any-subdomain")["severity"], "medium");
    assert_eq!(run.code, 0, "no high finding");
}

#[test]
fn corsair_with_the_null_origin_allowed() {
    let server = with_policy(
        good_policy()
            .allow_origins([APP, "null"])
            .dangerously_allow_null_origin(true),
    );
    let (run, json, ids) = audit(&server.url("/api/items"), &["--origin", APP]);
    assert_eq!(ids, sorted(&["null-origin"]), "{json}");
    let null = finding(&json, "null-origin");
    assert_eq!(null["severity"], "high");
    let request = null["evidence"]["request"].as_array().unwrap();
    assert!(request.contains(&Value::from("origin: null")), "{null}");
    let response = null["evidence"]["response"].as_array().unwrap();
    assert!(
        response.contains(&Value::from("access-control-allow-origin: null")),
        "{null}"
    );
    assert!(
        response.contains(&Value::from("access-control-allow-credentials: true")),
        "{null}"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn corsair_with_http_origins_and_credentials() {
    let server = with_policy(
        good_policy()
            .allow_origins([APP, "http://app.example.com"])
            .dangerously_allow_insecure_origins(true),
    );
    let (run, json, ids) = audit(&server.url("/api/items"), &["--origin", APP]);
    assert_eq!(ids, sorted(&["http-origin-trusted"]), "{json}");
    assert_eq!(finding(&json, "http-origin-trusted")["severity"], "high");
    assert_eq!(run.code, 1);
}

#[test]
fn corsair_with_a_public_suffix_wildcard() {
    // Every GitHub Pages site, where anyone can publish.
    let pages = "https://corsair.github.io";
    let server = with_policy(
        good_policy()
            .allow_origins(["https://*.github.io"])
            .dangerously_allow_public_suffix_wildcards(true),
    );
    let (run, json, ids) = audit(&server.url("/api/items"), &["--origin", pages]);
    assert_eq!(
        ids,
        sorted(&[
            "any-subdomain",
            "substring-match",
            "suffix-match",
            "third-party-origin"
        ]),
        "{json}"
    );
    let third = finding(&json, "third-party-origin");
    assert_eq!(third["severity"], "high");
    assert!(
        third["detail"]
            .as_str()
            .unwrap()
            .contains("https://whatever.github.io"),
        "{third}"
    );
    // psl: github.io is a public suffix, so the registrable domain is corsair.github.io.
    let substring = finding(&json, "substring-match");
    assert!(
        substring["detail"]
            .as_str()
            .unwrap()
            .contains("https://orsair.github.io"),
        "{substring}"
    );
    assert_eq!(finding(&json, "any-subdomain")["severity"], "medium");
    assert_eq!(run.code, 1);
}

/// Hand-written CORS code, as found in the wild.
#[derive(Clone, Copy)]
enum HandWritten {
    /// Echoes the trusted origin without `Vary: Origin`; answers every preflight with
    /// 204, the requested method echoed and `*` headers.
    NoVary,
    /// The trusted origin's Access-Control-Allow-Origin added twice (a proxy and the
    /// application); other origins' preflights refused.
    Duplicate,
    /// `*` with credentials on everything.
    WildcardWithCredentials,
}

fn hand_written(kind: HandWritten) -> servers::TestServer {
    let app = api()
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            hand_written_cors(kind, request, next)
        }));
    servers::serve(app)
}

async fn hand_written_cors(kind: HandWritten, request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let trusted = origin.as_ref().is_some_and(|o| o == APP);
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut headers = HeaderMap::new();
    let mut response = if preflight {
        let requested = request
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .cloned()
            .unwrap();
        match kind {
            HandWritten::NoVary => {
                headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, requested);
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    HeaderValue::from_static("*"),
                );
            }
            HandWritten::Duplicate if !trusted => return StatusCode::FORBIDDEN.into_response(),
            HandWritten::Duplicate | HandWritten::WildcardWithCredentials => {
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    HeaderValue::from_static("GET"),
                );
            }
        }
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    match kind {
        HandWritten::NoVary | HandWritten::Duplicate if trusted => {
            let origin = HeaderValue::from_static(APP);
            headers.append(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            if matches!(kind, HandWritten::Duplicate) {
                headers.append(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                headers.insert(header::VARY, HeaderValue::from_static("Origin"));
            }
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        HandWritten::WildcardWithCredentials => {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        _ => {}
    }
    if origin.is_none() {
        headers.clear();
    }
    response.headers_mut().extend(headers);
    response
}

#[test]
fn hand_written_cors_without_vary() {
    let server = hand_written(HandWritten::NoVary);
    let (run, json, ids) = audit(&server.url("/api/items"), &["--origin", APP]);
    assert_eq!(
        ids,
        sorted(&[
            "authorization-not-covered-by-wildcard",
            "missing-vary-origin",
            "preflight-for-rejected-origin",
            "preflight-reflects-methods",
        ]),
        "{json}"
    );
    assert_eq!(finding(&json, "missing-vary-origin")["severity"], "medium");
    let authorization = finding(&json, "authorization-not-covered-by-wildcard");
    assert_eq!(authorization["severity"], "info");
    let detail = authorization["detail"].as_str().unwrap();
    assert!(
        detail.contains("Chromium, Firefox and Safari let `*` cover Authorization"),
        "{detail}"
    );
    assert!(detail.contains("the Fetch Standard does not"), "{detail}");
    assert_eq!(run.code, 0, "no high finding: {run:?}");
}

#[test]
fn hand_written_cors_with_a_duplicated_header() {
    let server = hand_written(HandWritten::Duplicate);
    let (run, json, ids) = audit(&server.url("/api/items"), &["--origin", APP]);
    assert_eq!(
        ids,
        sorted(&["multiple-allow-origin", "trusted-origin-not-allowed"]),
        "{json}"
    );
    let multiple = finding(&json, "multiple-allow-origin");
    let response = multiple["evidence"]["response"].as_array().unwrap();
    let acao = response
        .iter()
        .filter(|l| {
            l.as_str()
                .unwrap()
                .starts_with("access-control-allow-origin:")
        })
        .count();
    assert_eq!(acao, 2, "{multiple}");
    assert_eq!(run.code, 0);
}

#[test]
fn hand_written_cors_with_a_wildcard_and_credentials() {
    let server = hand_written(HandWritten::WildcardWithCredentials);
    let (run, json, ids) = audit(&server.url("/api/items"), &["--origin", APP]);
    assert_eq!(ids, sorted(&["wildcard-with-credentials"]), "{json}");
    assert_eq!(run.code, 0);
}

#[test]
fn starlette_cors_middleware_misconfigured() {
    let Some(server) = servers::starlette() else {
        return;
    };
    // allow_origin_regex="https://.*example.com", credentials, allow_headers=["*"].
    let (run, json, ids) = audit(&server.url("/regex/items"), &["--origin", APP]);
    assert_eq!(
        ids,
        sorted(&[
            "any-subdomain",
            "credentials-for-rejected-origin",
            "preflight-reflects-headers",
            "suffix-match",
            "unescaped-dot",
        ]),
        "{json}"
    );
    for (id, severity) in [
        ("suffix-match", "high"),
        ("unescaped-dot", "high"),
        ("any-subdomain", "medium"),
        ("credentials-for-rejected-origin", "low"),
        ("preflight-reflects-headers", "low"),
    ] {
        assert_eq!(finding(&json, id)["severity"], severity, "{id}");
    }
    assert_eq!(run.code, expected_code(&json));
    assert_eq!(run.code, 1);

    // allow_origins=["*"] with allow_credentials=True: Starlette reflects any origin.
    let (run, json, ids) = audit(&server.url("/wildcard/items"), &["--origin", APP]);
    assert_eq!(ids, sorted(&["null-origin", "origin-reflection"]), "{json}");
    let reflection = finding(&json, "origin-reflection");
    assert_eq!(reflection["severity"], "high");
    assert!(
        reflection["evidence"]["response"]
            .as_array()
            .unwrap()
            .contains(&Value::from(
                "access-control-allow-origin: https://evil.com"
            )),
        "{reflection}"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn express_cors_package_misconfigured() {
    let Some(server) = servers::express() else {
        return;
    };
    // cors({ origin: true, credentials: true }).
    let (run, json, ids) = audit(&server.url("/api/items"), &["--origin", APP]);
    assert_eq!(
        ids,
        sorted(&[
            "null-origin",
            "origin-reflection",
            "preflight-reflects-headers"
        ]),
        "{json}"
    );
    assert_eq!(finding(&json, "origin-reflection")["severity"], "high");
    assert_eq!(finding(&json, "null-origin")["severity"], "high");
    assert_eq!(run.code, 1);

    // origin: (o, cb) => cb(null, o.includes("example.com")), on one route only.
    let (run, json, ids) = audit(&server.url("/partner/data"), &["--origin", APP]);
    assert_eq!(
        ids,
        sorted(&[
            "any-subdomain",
            "error-response-missing-cors",
            "http-origin-trusted",
            "prefix-match",
            "preflight-reflects-headers",
            "special-characters",
            "suffix-match",
            "unescaped-dot",
        ]),
        "{json}"
    );
    let special = finding(&json, "special-characters");
    assert!(
        special["detail"]
            .as_str()
            .unwrap()
            .contains("echoed 22 of 22"),
        "{special}"
    );
    let missing = finding(&json, "error-response-missing-cors");
    assert!(
        missing["evidence"]["request"][0]
            .as_str()
            .unwrap()
            .contains("/partner/corsair-audit-404-"),
        "{missing}"
    );
    assert_eq!(run.code, 1);

    // The human report.
    let run = corsair(["audit", &server.url("/api/items"), "--origin", APP]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("high    origin-reflection: Any origin is allowed"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("  > origin: https://evil.com\n"));
    assert!(
        run.stdout
            .contains("  < access-control-allow-origin: https://evil.com\n")
    );
    assert!(run.stdout.contains("  fix: Never copy Origin"));
    assert!(
        run.stdout.ends_with("3 findings: 2 high, 1 low\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_unreachable_server_cannot_be_audited() {
    let addr = servers::closed_port();
    let (run, json, ids) = audit(&format!("http://{addr}/"), &["--origin", APP]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(ids.is_empty());
    assert!(
        json["error"].as_str().unwrap().contains("cannot connect"),
        "{json}"
    );
    assert_eq!(json["probes"], 1);
    // Once, and in the singular.
    let human = corsair(["audit", &format!("http://{addr}/"), "--origin", APP]);
    assert_eq!(human.code, 2, "{human:?}");
    assert!(
        human.stdout.contains("probes:         1 request\n"),
        "{}",
        human.stdout
    );
    assert_eq!(human.stdout.matches("cannot connect").count(), 1);
    assert!(
        !human.stdout.contains("tcp connect error"),
        "{}",
        human.stdout
    );

    for args in [
        vec!["audit", "ftp://127.0.0.1/"],
        vec!["audit", "http://127.0.0.1:1/", "--origin", "null"],
        vec![
            "audit",
            "http://127.0.0.1:1/",
            "--origin",
            "https://app.example.com/",
        ],
    ] {
        let run = corsair(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}");
    }
}
