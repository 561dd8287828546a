//! `corsair check` on the real binary against real servers on loopback: corsair's own
//! tower layer in axum, over http and https, plus servers that redirect, never answer or
//! do not exist. Expectations follow from the policies below and the Fetch Standard.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod servers;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get};
use common::{Run, TempDir, corsair};
use corsair::{CorsLayer, Policy};
use serde_json::Value;
use servers::TestServer;

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example";

/// The API: items (GET, PUT) with an exposed request id, and `/old`, which moves
/// permanently to `/api/items` with a 308 (method kept).
fn api() -> Router {
    async fn items() -> impl IntoResponse {
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (
                    header::HeaderName::from_static("x-request-id"),
                    HeaderValue::from_static("req-1"),
                ),
                (
                    header::HeaderName::from_static("x-internal"),
                    HeaderValue::from_static("secret"),
                ),
            ],
            "[]",
        )
    }
    Router::new()
        .route("/api/items", get(items).put(items))
        .route("/old", any(|| async { Redirect::permanent("/api/items") }))
}

/// corsair in front of the API: one trusted origin, GET and PUT, two headers, with
/// credentials. `debug` makes refused preflights name what is missing.
fn corsair_server(debug: bool) -> TestServer {
    let policy = Policy::builder()
        .allow_origins([APP])
        .allow_methods(["GET", "PUT"])
        .allow_headers(["content-type", "x-request-id"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(600)
        .debug(debug)
        .build()
        .unwrap();
    servers::serve(api().layer(CorsLayer::new(policy)))
}

/// A public API: any origin, no credentials.
fn public_server() -> TestServer {
    let policy = Policy::builder().allow_origins(["*"]).build().unwrap();
    servers::serve(api().layer(CorsLayer::new(policy)))
}

/// `corsair check URL --origin ORIGIN ARGS... --json`, checking that the output is one
/// JSON document with exactly the documented keys.
fn check_json(url: &str, origin: &str, args: &[&str]) -> (Run, Value) {
    let mut all = vec!["check", url, "--origin", origin, "--json"];
    all.extend_from_slice(args);
    let run = corsair(all);
    assert_eq!(run.stdout.lines().count(), 1, "one line of JSON: {run:?}");
    let json = run.json();
    assert_eq!(
        keys(&json),
        [
            "allowed",
            "blocked",
            "browser",
            "credentials",
            "disagreements",
            "error",
            "method",
            "origin",
            "readable_headers",
            "steps",
            "url"
        ],
        "{run:?}"
    );
    for d in json["disagreements"].as_array().unwrap() {
        assert_eq!(keys(d), ["allowed", "browser", "code", "message"]);
    }
    for step in json["steps"].as_array().unwrap() {
        assert_eq!(keys(step), ["kind", "request", "response"]);
        assert_eq!(keys(&step["request"]), ["headers", "method", "url"]);
        if !step["response"].is_null() {
            assert_eq!(keys(&step["response"]), ["headers", "status"]);
        }
    }
    if !json["blocked"].is_null() {
        assert_eq!(
            keys(&json["blocked"]),
            ["code", "console", "fix", "message"]
        );
    }
    (run, json)
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

/// `(kind, method, url)` of each step.
fn steps(json: &Value) -> Vec<(String, String, String)> {
    json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap().to_owned(),
                s["request"]["method"].as_str().unwrap().to_owned(),
                s["request"]["url"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The value of a header in a `[[name, value], ...]` array.
fn header_in<'a>(headers: &'a Value, name: &str) -> Option<&'a str> {
    headers
        .as_array()
        .unwrap()
        .iter()
        .find(|pair| pair[0] == name)
        .map(|pair| pair[1].as_str().unwrap())
}

fn step(kind: &str, method: &str, url: &str) -> (String, String, String) {
    (kind.to_owned(), method.to_owned(), url.to_owned())
}

#[test]
fn an_allowed_simple_get() {
    let server = corsair_server(false);
    let url = server.url("/api/items");
    let (run, json) = check_json(&url, APP, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(json["allowed"], true);
    assert!(json["blocked"].is_null() && json["error"].is_null());
    assert_eq!(json["method"], "GET");
    assert_eq!(json["credentials"], "same-origin");
    // A safelisted GET: no preflight.
    assert_eq!(steps(&json), [step("actual", "GET", &url)]);
    let actual = &json["steps"][0];
    assert_eq!(
        header_in(&actual["request"]["headers"], "origin"),
        Some(APP)
    );
    assert_eq!(actual["response"]["status"], 200);
    assert_eq!(
        header_in(
            &actual["response"]["headers"],
            "access-control-allow-origin"
        ),
        Some(APP)
    );
    // The script reads the safelisted and the exposed headers, nothing else.
    let readable: Vec<&str> = json["readable_headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_str().unwrap())
        .collect();
    assert!(readable.contains(&"content-type"), "{readable:?}");
    assert!(readable.contains(&"x-request-id"), "{readable:?}");
    assert!(!readable.contains(&"x-internal"), "{readable:?}");

    // The human form shows the exchange and the verdict.
    let run = corsair(["check", &url, "--origin", APP]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(&format!("> GET {url}\n")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(&format!("> origin: {APP}\n")));
    assert!(run.stdout.contains("< 200 OK\n"));
    assert!(
        run.stdout
            .contains(&format!("< access-control-allow-origin: {APP}\n"))
    );
    assert!(run.stdout.contains("< vary: Origin\n"));
    assert!(
        run.stdout
            .contains("verdict:  allowed: the script can read the response (200 OK)")
    );
    assert!(run.stdout.contains("x-request-id"));
    // Headers that do not matter to CORS are not shown.
    assert!(!run.stdout.contains("x-internal"), "{}", run.stdout);
}

#[test]
fn an_allowed_preflighted_put_with_a_custom_header() {
    let server = corsair_server(false);
    let url = server.url("/api/items");
    let (run, json) = check_json(
        &url,
        APP,
        &[
            "-X",
            "put",
            "-H",
            "Content-Type: application/json",
            "-H",
            "X-Request-Id: 7",
            "--credentials",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(json["allowed"], true);
    // fetch() uppercases put.
    assert_eq!(json["method"], "PUT");
    assert_eq!(json["credentials"], "include");
    assert_eq!(
        steps(&json),
        [
            step("preflight", "OPTIONS", &url),
            step("actual", "PUT", &url)
        ]
    );
    let preflight = &json["steps"][0];
    let sent = &preflight["request"]["headers"];
    assert_eq!(
        header_in(sent, "access-control-request-method"),
        Some("PUT")
    );
    assert_eq!(
        header_in(sent, "access-control-request-headers"),
        Some("content-type,x-request-id")
    );
    assert_eq!(header_in(sent, "origin"), Some(APP));
    assert_eq!(preflight["response"]["status"], 204);
    let received = &preflight["response"]["headers"];
    assert_eq!(
        header_in(received, "access-control-allow-methods"),
        Some("PUT")
    );
    assert_eq!(
        header_in(received, "access-control-allow-credentials"),
        Some("true")
    );
    let actual = &json["steps"][1]["request"]["headers"];
    assert_eq!(header_in(actual, "x-request-id"), Some("7"));

    let run = corsair([
        "check",
        &url,
        "--origin",
        APP,
        "-X",
        "PUT",
        "-H",
        "X-Request-Id: 7",
        "--credentials",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("* preflight\n"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("passed: methods PUT; headers x-request-id; max-age 600 s"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("* actual request\n"));
}

#[test]
fn blocked_by_origin() {
    let server = corsair_server(false);
    let url = server.url("/api/items");
    let (run, json) = check_json(&url, EVIL, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(json["allowed"], false);
    let blocked = &json["blocked"];
    assert_eq!(blocked["code"], "missing-allow-origin");
    assert_eq!(
        blocked["message"],
        "No 'Access-Control-Allow-Origin' header is present on the requested resource."
    );
    assert_eq!(
        blocked["console"],
        format!(
            "Access to fetch at '{url}' from origin '{EVIL}' has been blocked by CORS policy: \
             No 'Access-Control-Allow-Origin' header is present on the requested resource."
        )
    );
    assert!(blocked["fix"].as_str().unwrap().contains(EVIL), "{blocked}");
    assert_eq!(json["readable_headers"], Value::Array(Vec::new()));

    let run = corsair(["check", &url, "--origin", EVIL]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("verdict:  blocked (missing-allow-origin)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("console:  Access to fetch at"));
    assert!(
        run.stdout
            .contains("fix:      make the server answer origin")
    );
}

#[test]
fn blocked_by_method() {
    // In debug mode corsair answers with the methods it allows, so the browser (and
    // the model) names the method.
    let server = corsair_server(true);
    let url = server.url("/api/items");
    let (run, json) = check_json(&url, APP, &["-X", "DELETE"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(steps(&json), [step("preflight", "OPTIONS", &url)]);
    let blocked = &json["blocked"];
    assert_eq!(blocked["code"], "method-not-allowed");
    assert_eq!(
        blocked["message"],
        "Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response."
    );
    assert!(
        blocked["fix"]
            .as_str()
            .unwrap()
            .starts_with("add DELETE to Access-Control-Allow-Methods"),
        "{blocked}"
    );

    // Without debug mode the refusal is a 403 without CORS headers: that is what the
    // browser reports, and the fix says where to look.
    let strict = corsair_server(false);
    let url = strict.url("/api/items");
    let (run, json) = check_json(&url, APP, &["-X", "DELETE"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(json["steps"][0]["response"]["status"], 403);
    assert_eq!(json["blocked"]["code"], "preflight-missing-allow-origin");
    assert!(
        json["blocked"]["fix"]
            .as_str()
            .unwrap()
            .contains("refused the preflight (403 Forbidden)"),
        "{}",
        json["blocked"]
    );
}

#[test]
fn blocked_by_header() {
    let server = corsair_server(true);
    let url = server.url("/api/items");
    let (run, json) = check_json(&url, APP, &["-H", "X-Debug: 1"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(steps(&json), [step("preflight", "OPTIONS", &url)]);
    assert_eq!(
        header_in(
            &json["steps"][0]["request"]["headers"],
            "access-control-request-headers"
        ),
        Some("x-debug")
    );
    let blocked = &json["blocked"];
    assert_eq!(blocked["code"], "header-not-allowed");
    assert_eq!(
        blocked["message"],
        "Request header field x-debug is not allowed by Access-Control-Allow-Headers in \
         preflight response."
    );
    assert_eq!(
        blocked["fix"],
        "add `x-debug` to Access-Control-Allow-Headers"
    );
}

#[test]
fn credentials_with_a_wildcard() {
    let server = public_server();
    let url = server.url("/api/items");
    // Without credentials `*` is fine.
    let (run, _) = check_json(&url, APP, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let (run, json) = check_json(&url, APP, &["--credentials"]);
    assert_eq!(run.code, 1, "{run:?}");
    let blocked = &json["blocked"];
    assert_eq!(blocked["code"], "wildcard-origin-with-credentials");
    assert_eq!(
        blocked["message"],
        "The value of the 'Access-Control-Allow-Origin' header in the response must not be \
         the wildcard '*' when the request's credentials mode is 'include'."
    );
    assert!(
        blocked["fix"]
            .as_str()
            .unwrap()
            .contains(&format!("Access-Control-Allow-Origin: {APP}")),
        "{blocked}"
    );
}

#[test]
fn a_redirect_is_followed_with_a_fresh_preflight() {
    let server = corsair_server(false);
    let old = server.url("/old");
    let new = server.url("/api/items");
    let (run, json) = check_json(&old, APP, &["-X", "PUT", "-H", "X-Request-Id: 1"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        steps(&json),
        [
            step("preflight", "OPTIONS", &old),
            step("redirect", "PUT", &old),
            step("preflight", "OPTIONS", &new),
            step("actual", "PUT", &new),
        ]
    );
    let redirect = &json["steps"][1]["response"];
    assert_eq!(redirect["status"], 308);
    assert_eq!(
        header_in(&redirect["headers"], "location"),
        Some("/api/items")
    );
    // Same server, so the origin is not tainted.
    assert_eq!(
        header_in(&json["steps"][3]["request"]["headers"], "origin"),
        Some(APP)
    );

    let run = corsair([
        "check",
        &old,
        "--origin",
        APP,
        "-X",
        "PUT",
        "-H",
        "X-Request-Id: 1",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("* actual request (redirected)\n"));
    assert!(
        run.stdout
            .contains(&format!("redirect followed to {new}\n")),
        "{}",
        run.stdout
    );
}

#[test]
fn an_unreachable_server_cannot_be_tested() {
    let addr = servers::closed_port();
    let url = format!("http://{addr}/api/items");
    let (run, json) = check_json(&url, APP, &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(json["allowed"], false);
    assert!(json["blocked"].is_null());
    let error = json["error"].as_str().unwrap();
    assert!(error.contains("cannot connect"), "{error}");
    assert!(json["steps"][0]["response"].is_null());
    assert!(run.stderr.contains("could not test"), "{run:?}");

    let run = corsair(["check", &url, "--origin", APP]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("verdict:  could not test: "), "{run:?}");
    // Said once: not on stderr too, and "connect" not twice in the reason.
    assert!(run.stderr.is_empty(), "{run:?}");
    assert!(!run.stdout.contains("tcp connect error"), "{run:?}");
}

#[test]
fn urls_without_http_or_https_get_a_hint() {
    let run = corsair(["check", "ftp://127.0.0.1/x", "--origin", APP]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("only http:// and https:// URLs are supported, not ftp://"),
        "{run:?}"
    );
    let run = corsair(["check", "127.0.0.1:59999/api", "--origin", APP]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("did you mean `http://127.0.0.1:59999/api`?"),
        "{run:?}"
    );
}

#[test]
fn a_silent_server_times_out() {
    let server = servers::silent_server();
    let url = format!("http://{}/", server.addr);
    let started = std::time::Instant::now();
    let (run, json) = check_json(&url, APP, &["--timeout", "300ms"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        json["error"]
            .as_str()
            .unwrap()
            .contains("no response within 300ms"),
        "{json}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn https_with_a_private_certificate_authority() {
    let certificate = servers::certificate();
    let policy = Policy::builder().allow_origins([APP]).build().unwrap();
    let server = servers::serve_tls(api().layer(CorsLayer::new(policy)), &certificate);
    let url = server.url("/api/items");
    let dir = TempDir::new("check-https");
    let ca = dir.write("ca.pem", &certificate.pem);
    let ca = common::arg(&ca);

    let (run, json) = check_json(&url, APP, &["--cacert", &ca]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(json["steps"][0]["response"]["status"], 200);

    // Without the certificate the server cannot be trusted: not tested.
    let (run, json) = check_json(&url, APP, &[]);
    assert_eq!(run.code, 2, "{run:?}");
    let error = json["error"].as_str().unwrap();
    assert!(error.to_lowercase().contains("certificate"), "{error}");

    let run = corsair([
        "check",
        &url,
        "--origin",
        APP,
        "--cacert",
        "/nonexistent.pem",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--cacert"), "{run:?}");
}

#[test]
fn forbidden_headers_are_dropped_and_cookies_come_from_the_jar() {
    let server = corsair_server(false);
    let url = server.url("/api/items");
    let (run, json) = check_json(
        &url,
        APP,
        &[
            "-H",
            "Cookie: a=1",
            "--credentials",
            "--cookie",
            "session=42",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("`cookie` is a forbidden request header"),
        "{run:?}"
    );
    assert_eq!(
        header_in(&json["steps"][0]["request"]["headers"], "cookie"),
        Some("session=42")
    );

    // A preflight never carries the cookie; without --credentials none is sent.
    let (run, json) = check_json(
        &url,
        APP,
        &["-X", "PUT", "--credentials", "--cookie", "session=42"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        header_in(&json["steps"][0]["request"]["headers"], "cookie"),
        None
    );
    assert_eq!(
        header_in(&json["steps"][1]["request"]["headers"], "cookie"),
        Some("session=42")
    );
    let (run, json) = check_json(&url, APP, &["--cookie", "session=42"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("--cookie is ignored"), "{run:?}");
    assert_eq!(
        header_in(&json["steps"][0]["request"]["headers"], "cookie"),
        None
    );
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        vec![
            "check",
            "http://127.0.0.1:1/",
            "--origin",
            "https://app.example.com/",
        ],
        vec!["check", "ftp://127.0.0.1/", "--origin", APP],
        vec!["check", "/relative", "--origin", APP],
        vec![
            "check",
            "http://127.0.0.1:1/",
            "--origin",
            APP,
            "-X",
            "TRACE",
        ],
        vec![
            "check",
            "http://127.0.0.1:1/",
            "--origin",
            APP,
            "--timeout",
            "0",
        ],
        vec!["check", "http://127.0.0.1:1/"],
    ] {
        let run = corsair(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn same_origin_requests_need_no_cors() {
    let server = corsair_server(false);
    let url = server.url("/api/items");
    let own = format!("http://{}", server.addr);
    let (run, json) = check_json(&url, &own, &["-X", "PUT", "-H", "X-Anything: 1"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(steps(&json), [step("actual", "PUT", &url)]);
}

/// A hand-written CORS answer that Chromium and the Fetch Standard judge differently:
/// `/star` allows any origin and `Access-Control-Allow-Headers: *`; `/empty-location`
/// answers 302 with an empty `Location`, `/twice` 302 with `Location: /star` twice (both
/// with `Access-Control-Allow-Origin: *`).
fn split_server() -> TestServer {
    async fn star() -> Response {
        (
            [
                ("access-control-allow-origin", "*"),
                ("access-control-allow-headers", "*"),
                ("access-control-allow-methods", "GET, PUT"),
            ],
            "ok",
        )
            .into_response()
    }
    async fn empty_location() -> Response {
        (
            axum::http::StatusCode::FOUND,
            [("access-control-allow-origin", "*"), ("location", "")],
            "",
        )
            .into_response()
    }
    async fn twice() -> Response {
        // A tuple array would insert, keeping one Location: append both.
        let mut response = (axum::http::StatusCode::FOUND, "").into_response();
        let headers = response.headers_mut();
        headers.append("access-control-allow-origin", HeaderValue::from_static("*"));
        headers.append(header::LOCATION, HeaderValue::from_static("/star"));
        headers.append(header::LOCATION, HeaderValue::from_static("/star"));
        response
    }
    servers::serve(
        Router::new()
            .route("/star", any(star))
            .route("/empty-location", any(empty_location))
            .route("/twice", any(twice)),
    )
}

#[test]
fn authorization_under_a_wildcard_splits_the_profiles() {
    let server = split_server();
    let url = server.url("/star");
    let auth = ["-H", "Authorization: Bearer t"];

    // Chromium, the default: allowed, and the line says the spec disagrees.
    let (run, json) = check_json(&url, APP, &auth);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(json["browser"], "chromium");
    let disagreements = json["disagreements"].as_array().unwrap();
    assert_eq!(disagreements.len(), 1, "{json}");
    assert_eq!(disagreements[0]["browser"], "spec");
    assert_eq!(disagreements[0]["allowed"], false);
    assert_eq!(disagreements[0]["code"], "header-not-allowed");
    assert_eq!(
        disagreements[0]["message"],
        "Chromium allows it; the Fetch Standard blocks it (header-not-allowed), and browsers \
         may follow it: to be safe in both, list `authorization` in Access-Control-Allow-Headers \
         explicitly: Chromium, Firefox and Safari let `*` cover it, the Fetch Standard does not"
    );

    // The spec: blocked, and the line says Chromium allows it.
    let (run, json) = check_json(&url, APP, &[&auth[..], &["--browser", "spec"]].concat());
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(json["browser"], "spec");
    assert_eq!(json["blocked"]["code"], "header-not-allowed");
    let disagreements = json["disagreements"].as_array().unwrap();
    assert_eq!(disagreements[0]["browser"], "chromium");
    assert_eq!(disagreements[0]["allowed"], true);
    // The spec's verdict stops at the preflight.
    assert_eq!(steps(&json).len(), 1, "{json}");

    // The text output has the line.
    let run = corsair([
        "check",
        &url,
        "--origin",
        APP,
        "-H",
        "Authorization: Bearer t",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("profiles: "))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(line.starts_with("profiles: Chromium allows it; the Fetch Standard blocks it"));

    // Without Authorization the profiles agree: no line.
    let (run, json) = check_json(&url, APP, &["-X", "PUT", "-H", "X-Custom: 1"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(json["disagreements"].as_array().unwrap().is_empty());
    let run = corsair(["check", &url, "--origin", APP]);
    assert!(!run.stdout.contains("profiles:"), "{}", run.stdout);
}

#[test]
fn client_hints_and_empty_locations_split_the_profiles() {
    let server = split_server();
    // `Save-Data: on` is safelisted in Chromium: no preflight, and `*` allows the GET.
    // The spec preflights it, and `/star` allows that too: both allow, no line.
    let url = server.url("/star");
    let (run, json) = check_json(&url, APP, &["-H", "Save-Data: on"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(steps(&json), [step("actual", "GET", &url)]);
    let (_, json) = check_json(&url, APP, &["-H", "Save-Data: on", "--browser", "spec"]);
    assert_eq!(
        steps(&json),
        [
            step("preflight", "OPTIONS", &url),
            step("actual", "GET", &url)
        ]
    );
    assert!(
        json["disagreements"].as_array().unwrap().is_empty(),
        "{json}"
    );

    // An empty Location: Chromium does not follow it and the script reads the 302; the
    // spec follows it to the same URL until the redirect limit.
    let url = server.url("/empty-location");
    let (run, json) = check_json(&url, APP, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(steps(&json), [step("actual", "GET", &url)]);
    assert_eq!(json["disagreements"][0]["code"], "too-many-redirects");
    let (run, json) = check_json(&url, APP, &["--browser", "spec"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(json["blocked"]["code"], "too-many-redirects");
    assert_eq!(json["disagreements"][0]["allowed"], true);

    let run = corsair(["check", &url, "--origin", APP, "--browser", "firefox"]);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn ranges_and_repeated_locations_split_the_profiles() {
    let server = corsair_server(false);
    let url = server.url("/api/items");
    // Past Chromium's bound the Range needs a preflight, which this policy refuses
    // (`range` is not an allowed header); the spec safelists it.
    let big = ["-H", "Range: bytes=9223372036854775807-"];
    let (run, json) = check_json(&url, APP, &big);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(steps(&json), [step("preflight", "OPTIONS", &url)]);
    assert_eq!(json["disagreements"][0]["browser"], "spec");
    assert_eq!(json["disagreements"][0]["allowed"], true);
    let (run, json) = check_json(&url, APP, &[&big[..], &["--browser", "spec"]].concat());
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(steps(&json), [step("actual", "GET", &url)]);
    assert_eq!(json["disagreements"][0]["browser"], "chromium");
    assert_eq!(json["disagreements"][0]["allowed"], false);
    // A POST the spec would send without a preflight, where Chromium's preflight was
    // refused: not sent just to compare, and the line says so.
    let (run, json) = check_json(&url, APP, &[&big[..], &["-X", "POST"]].concat());
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(steps(&json), [step("preflight", "OPTIONS", &url)]);
    assert_eq!(
        json["disagreements"][0]["message"],
        format!(
            "The Fetch Standard would send POST {url}, which Chromium does not: not sent, so \
             not compared"
        )
    );
    // `BYTES` is not `bytes` in either profile: both preflight, both are refused.
    let (run, json) = check_json(&url, APP, &["-H", "Range: BYTES=0-"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        json["disagreements"].as_array().unwrap().is_empty(),
        "{json}"
    );

    // Two identical Locations: Chromium follows, the spec fails.
    let split = split_server();
    let twice = split.url("/twice");
    let (run, json) = check_json(&twice, APP, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        steps(&json),
        [
            step("redirect", "GET", &twice),
            step("actual", "GET", &split.url("/star"))
        ]
    );
    assert_eq!(
        json["disagreements"][0]["code"], "invalid-redirect-location",
        "{json}"
    );
    let (run, json) = check_json(&twice, APP, &["--browser", "spec"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(json["blocked"]["code"], "invalid-redirect-location");
}
