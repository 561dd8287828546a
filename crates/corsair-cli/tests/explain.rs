//! `corsair explain`: decisions, JSON fields, hints and exit codes, on the real binary.
//! Expectations are derived from the policy below, not copied from the output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{Run, TempDir, arg, corsair};
use serde_json::{Value, json};

const APP: &str = "https://app.example.com";
const SUBDOMAIN: &str = "https://admin.example.com";
const EVIL: &str = "https://evil.example";
const EXPOSED: &str = "x-request-id";
const MAX_AGE: u64 = 600;

fn policy_text() -> String {
    format!(
        r#"
[cors]
allow_origins = ["{APP}", "https://*.example.com"]
allow_methods = ["PUT", "PATCH"]
allow_headers = ["content-type", "{EXPOSED}"]
expose_headers = ["{EXPOSED}"]
allow_credentials = true
max_age = {MAX_AGE}

[[routes]]
path = "/internal"
enabled = false

[[routes]]
path = "/public"
allow_origins = ["*"]
allow_credentials = false
"#
    )
}

/// Writes the policy into a directory unique to the test.
fn setup(test: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new(test);
    let file = dir.write("corsair.toml", &policy_text());
    (dir, file)
}

/// `corsair explain --config FILE ARGS...`.
fn explain(file: &Path, args: &[&str]) -> Run {
    let config = arg(file);
    let mut all = vec!["explain", "--config", config.as_str()];
    all.extend_from_slice(args);
    corsair(all)
}

/// The same with `--json`, checking the document's keys.
fn explain_json(file: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let run = explain(file, &all);
    assert_eq!(run.stdout.lines().count(), 1, "one line of JSON: {run:?}");
    let json = run.json();
    let mut keys: Vec<_> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["allowed", "headers", "kind", "reason", "status"]);
    (run.code, json)
}

/// The `headers` array as (name, value) pairs, each checked to be a lowercase pair.
fn headers(json: &Value) -> Vec<(String, String)> {
    json["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            let pair = pair.as_array().unwrap();
            assert_eq!(pair.len(), 2, "{pair:?}");
            let name = pair[0].as_str().unwrap().to_owned();
            assert_eq!(name, name.to_ascii_lowercase());
            (name, pair[1].as_str().unwrap().to_owned())
        })
        .collect()
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn origin(o: &str) -> String {
    format!("Origin: {o}")
}

#[test]
fn non_cors_request() {
    let (_dir, file) = setup("explain-non-cors");
    let (code, json) = explain_json(&file, &["/api/users"]);
    assert_eq!(code, 0);
    assert_eq!(json["kind"], "non-cors");
    assert_eq!(json["allowed"], true);
    assert_eq!(json["reason"], "non-cors");
    assert_eq!(json["status"], Value::Null);
    // Credentialed policy: the answer differs by origin, so caches must know.
    assert_eq!(json["headers"], json!([["vary", "Origin"]]));

    let run = explain(&file, &["/api/users"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.starts_with("> GET /api/users\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("non-cors"), "{}", run.stdout);
    assert!(
        run.stdout.contains("forwarded to the application"),
        "{}",
        run.stdout
    );
}

#[test]
fn allowed_actual_request() {
    let (_dir, file) = setup("explain-allowed-actual");
    for o in [APP, SUBDOMAIN] {
        let (code, json) = explain_json(&file, &["-H", &origin(o), "/api/users"]);
        assert_eq!(code, 0);
        assert_eq!(json["kind"], "actual");
        assert_eq!(json["allowed"], true);
        assert_eq!(json["reason"], "allowed");
        assert_eq!(json["status"], Value::Null);
        let h = headers(&json);
        let names: Vec<_> = h.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "access-control-allow-origin",
                "access-control-allow-credentials",
                "access-control-expose-headers",
                "vary"
            ]
        );
        assert_eq!(header(&h, "access-control-allow-origin"), Some(o));
        assert_eq!(header(&h, "access-control-allow-credentials"), Some("true"));
        assert_eq!(header(&h, "access-control-expose-headers"), Some(EXPOSED));
        assert_eq!(header(&h, "vary"), Some("Origin"));
    }

    let run = explain(&file, &["-X", "DELETE", "-H", &origin(APP), "/api/users/7"]);
    assert_eq!(run.code, 0, "{run:?}");
    let out = &run.stdout;
    assert!(
        out.starts_with(&format!("> DELETE /api/users/7\n> origin: {APP}\n")),
        "{out}"
    );
    assert!(out.contains("allowed (allowed)"), "{out}");
    assert!(out.contains("forwarded to the application"), "{out}");
    assert!(out.contains("added to the application's response"), "{out}");
    assert!(
        out.contains(&format!("< access-control-allow-origin: {APP}\n")),
        "{out}"
    );
    assert!(!out.contains("hint:"), "{out}");
}

#[test]
fn rejected_actual_request() {
    let (_dir, file) = setup("explain-rejected-actual");
    let (code, json) = explain_json(&file, &["-X", "POST", "-H", &origin(EVIL), "/api/transfer"]);
    assert_eq!(code, 1);
    assert_eq!(json["kind"], "actual");
    assert_eq!(json["allowed"], false);
    assert_eq!(json["reason"], "origin-not-allowed");
    assert_eq!(json["status"], Value::Null, "the application still answers");
    let h = headers(&json);
    assert!(
        h.iter().all(|(n, _)| !n.starts_with("access-control-")),
        "{h:?}"
    );
    assert_eq!(h, [("vary".to_owned(), "Origin".to_owned())]);

    let run = explain(&file, &["-X", "POST", "-H", &origin(EVIL), "/api/transfer"]);
    assert_eq!(run.code, 1);
    let out = &run.stdout;
    assert!(out.contains("rejected (origin-not-allowed)"), "{out}");
    assert!(out.contains("forwarded to the application"), "{out}");
    assert!(!out.contains("< access-control-"), "{out}");
    assert!(out.contains("< vary: Origin\n"), "{out}");
    assert!(
        out.contains(&format!("hint:    add \"{EVIL}\" to cors.allow_origins")),
        "{out}"
    );
}

#[test]
fn allowed_preflight() {
    let (_dir, file) = setup("explain-allowed-preflight");
    let args = [
        "-X",
        "OPTIONS",
        "-H",
        &origin(APP),
        "-H",
        "Access-Control-Request-Method: PATCH",
        "-H",
        "Access-Control-Request-Headers: content-type",
        "/api/users/7",
    ];
    let (code, json) = explain_json(&file, &args);
    assert_eq!(code, 0);
    assert_eq!(json["kind"], "preflight");
    assert_eq!(json["allowed"], true);
    assert_eq!(json["reason"], "allowed");
    assert_eq!(json["status"], 204);
    let h = headers(&json);
    assert_eq!(header(&h, "access-control-allow-origin"), Some(APP));
    assert_eq!(header(&h, "access-control-allow-credentials"), Some("true"));
    assert_eq!(
        header(&h, "access-control-allow-methods"),
        Some("PATCH"),
        "echoes the method"
    );
    assert_eq!(
        header(&h, "access-control-allow-headers"),
        Some("content-type")
    );
    assert_eq!(
        header(&h, "access-control-max-age"),
        Some(MAX_AGE.to_string().as_str())
    );
    let vary = header(&h, "vary").unwrap();
    for name in [
        "Origin",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
    ] {
        assert!(vary.contains(name), "{vary}");
    }
    assert_eq!(
        header(&h, "access-control-expose-headers"),
        None,
        "not on a preflight"
    );

    let run = explain(&file, &args);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("kind:    preflight"), "{}", run.stdout);
    assert!(
        run.stdout.contains("answered by corsair: 204 No Content"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("< access-control-allow-methods: PATCH\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn rejected_preflight_gets_only_vary() {
    let (_dir, file) = setup("explain-rejected-preflight");
    // DELETE is not in allow_methods.
    let args = [
        "-X",
        "OPTIONS",
        "-H",
        &origin(APP),
        "-H",
        "Access-Control-Request-Method: DELETE",
        "/api/users/7",
    ];
    let (code, json) = explain_json(&file, &args);
    assert_eq!(code, 1);
    assert_eq!(json["kind"], "preflight");
    assert_eq!(json["allowed"], false);
    assert_eq!(json["reason"], "method-not-allowed");
    assert_eq!(json["status"], 403);
    let h = headers(&json);
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0].0, "vary");

    let run = explain(&file, &args);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("answered by corsair: 403 Forbidden"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("hint:    add \"DELETE\" to cors.allow_methods"),
        "{}",
        run.stdout
    );

    // From an origin that is not allowed, the preflight fails before the method.
    let (code, json) = explain_json(
        &file,
        &[
            "-X",
            "OPTIONS",
            "-H",
            &origin(EVIL),
            "-H",
            "Access-Control-Request-Method: PUT",
            "/",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(json["reason"], "origin-not-allowed");
    assert_eq!(json["status"], 403);
    assert!(headers(&json).iter().all(|(n, _)| n == "vary"));
}

#[test]
fn rejected_preflight_hints() {
    let (_dir, file) = setup("explain-preflight-hints");
    let preflight = |extra: &[&str]| {
        let o = origin(APP);
        let mut args = vec!["-X", "OPTIONS", "-H", o.as_str()];
        args.extend_from_slice(extra);
        args.push("/api");
        explain(&file, &args)
    };

    let run = preflight(&[
        "-H",
        "Access-Control-Request-Method: PUT",
        "-H",
        "Access-Control-Request-Headers: x-foo",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("(header-not-allowed)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("add \"x-foo\" to cors.allow_headers"),
        "{}",
        run.stdout
    );

    // Methods are case-sensitive: `patch` is not the listed `PATCH`.
    let run = preflight(&["-H", "Access-Control-Request-Method: patch"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("(method-not-allowed)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("case-sensitive"), "{}", run.stdout);
    assert!(run.stdout.contains("\"PATCH\""), "{}", run.stdout);

    // A forbidden method: the hint does not advise what lint would refuse.
    let run = preflight(&["-H", "Access-Control-Request-Method: TRACE"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("cannot be added"), "{}", run.stdout);
    assert!(run.stdout.contains("(forbidden-method)"), "{}", run.stdout);
}

#[test]
fn options_without_request_method_is_an_actual_request() {
    let (_dir, file) = setup("explain-options-actual");
    let (code, json) = explain_json(&file, &["-X", "OPTIONS", "-H", &origin(APP), "/api/users"]);
    assert_eq!(code, 0);
    assert_eq!(json["kind"], "actual");
    assert_eq!(json["allowed"], true);
    assert_eq!(json["status"], Value::Null);
    let h = headers(&json);
    assert_eq!(header(&h, "access-control-allow-origin"), Some(APP));
    assert_eq!(header(&h, "access-control-allow-methods"), None);

    let run = explain(&file, &["-X", "OPTIONS", "-H", &origin(APP), "/api/users"]);
    assert!(run.stdout.contains("kind:    actual"), "{}", run.stdout);
    assert!(
        run.stdout.contains("forwarded to the application"),
        "{}",
        run.stdout
    );
}

#[test]
fn disabled_route_is_left_to_the_application() {
    let (_dir, file) = setup("explain-disabled");
    let (code, json) = explain_json(&file, &["-H", &origin(APP), "/internal/metrics"]);
    // corsair does not allow it: it adds nothing, and the browser blocks the response
    // unless the application answers CORS itself.
    assert_eq!(code, 1);
    assert_eq!(json["reason"], "cors-disabled");
    assert_eq!(json["allowed"], false);
    assert_eq!(json["status"], Value::Null);
    assert_eq!(json["headers"], json!([]));

    // Even a preflight from an unknown origin goes to the application.
    let (code, json) = explain_json(
        &file,
        &[
            "-X",
            "OPTIONS",
            "-H",
            &origin(EVIL),
            "-H",
            "Access-Control-Request-Method: PUT",
            "/internal",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(json["kind"], "preflight");
    assert_eq!(json["reason"], "cors-disabled");
    assert_eq!(json["status"], Value::Null);

    let run = explain(&file, &["-H", &origin(APP), "/internal/metrics"]);
    assert!(
        run.stdout.contains("routes[0] (path = \"/internal\")"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("not handled (cors-disabled)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("corsair adds no CORS header here"),
        "{}",
        run.stdout
    );
    // Segment prefixes only: /internalx is not under /internal.
    let (_, json) = explain_json(&file, &["-H", &origin(APP), "/internalx"]);
    assert_eq!(json["reason"], "allowed");
}

#[test]
fn route_from_a_full_url_ignores_the_query() {
    let (_dir, file) = setup("explain-url");
    let url = "https://api.example.com/public/items?page=2";
    let (code, json) = explain_json(&file, &["-H", &origin(EVIL), url]);
    assert_eq!(code, 0);
    assert_eq!(json["reason"], "allowed");
    let h = headers(&json);
    // The route allows any origin without credentials: a static `*`.
    assert_eq!(header(&h, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&h, "access-control-allow-credentials"), None);

    let run = explain(&file, &["-H", &origin(EVIL), url]);
    assert!(
        run.stdout.starts_with("> GET /public/items?page=2\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("routes[1] (path = \"/public\")"),
        "{}",
        run.stdout
    );
}

#[test]
fn several_origin_headers_are_malformed() {
    let (_dir, file) = setup("explain-two-origins");
    let args = ["-H", &origin(APP), "-H", &origin(APP), "/api"];
    let (code, json) = explain_json(&file, &args);
    assert_eq!(code, 1);
    assert_eq!(json["reason"], "malformed-origin");
    let run = explain(&file, &args);
    assert_eq!(
        run.stdout.matches("> origin: ").count(),
        2,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("exactly one Origin"), "{}", run.stdout);

    let (code, json) = explain_json(&file, &["-H", &format!("Origin: {APP}/"), "/api"]);
    assert_eq!(code, 1);
    assert_eq!(json["reason"], "malformed-origin");
}

#[test]
fn usage_errors_exit_2() {
    let (_dir, file) = setup("explain-usage");
    for args in [
        &["-H", "Origin https://app.example.com", "/api"][..],
        &["-H", "no colon at all", "/api"],
        &["-H", ": empty name", "/api"],
        &["-X", "GE T", "/api"],
        &["-X", "", "/api"],
        &["/api with spaces"],
        &[],
    ] {
        let run = explain(&file, args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
        assert!(!run.stderr.is_empty(), "{args:?}: {run:?}");
    }
    let run = explain(&file, &["-H", "bad header", "/api"]);
    assert!(run.stderr.contains("Name: value"), "{}", run.stderr);
    // --config is required.
    assert_eq!(corsair(["explain", "/api"]).code, 2);
}

#[test]
fn header_values_are_trimmed() {
    let (_dir, file) = setup("explain-trim");
    let (code, json) = explain_json(&file, &["-H", &format!("origin:   {APP}  "), "/api"]);
    assert_eq!(code, 0);
    assert_eq!(
        header(&headers(&json), "access-control-allow-origin"),
        Some(APP)
    );
}

#[test]
fn invalid_or_missing_config_exits_2() {
    let dir = TempDir::new("explain-bad-config");
    let bad = dir.write(
        "corsair.toml",
        "[cors]\nallow_origins = [\"*\"]\nallow_credentials = true\n",
    );
    let run = explain(&bad, &["-H", &origin(APP), "/api"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr
            .contains("error[wildcard-origin-with-credentials]"),
        "{}",
        run.stderr
    );

    // With --json, the diagnostics as `lint --json` prints them, and still exit 2.
    let run = explain(&bad, &["--json", "-H", &origin(APP), "/api"]);
    assert_eq!(run.code, 2, "{run:?}");
    let lint = corsair(["lint", "--json", &arg(&bad)]);
    assert_eq!(run.stdout, lint.stdout);
    let json = run.json();
    assert_eq!(json["valid"], false);
    assert_eq!(
        json["diagnostics"][0]["code"],
        "wildcard-origin-with-credentials"
    );
    assert!(run.stderr.contains("is not a valid policy"), "{run:?}");

    let missing = dir.path("absent.toml");
    let run = explain(&missing, &["--json", "/api"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.json()["diagnostics"][0]["code"], "unreadable-file");
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
}

#[test]
fn a_path_without_a_slash_is_refused_not_read_as_a_host() {
    let (_dir, file) = setup("explain-bare-word");
    let run = explain(&file, &["healthz"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr.contains("did you mean `/healthz`?"),
        "{}",
        run.stderr
    );
    // A host with a dot or a port is still a URL, as curl reads it.
    let (code, json) = explain_json(&file, &["-H", &origin(APP), "api.example.com/internal/x"]);
    assert_eq!((code, &json["reason"]), (1, &json!("cors-disabled")));
}

#[test]
fn help_documents_exit_codes() {
    let run = corsair(["explain", "--help"]);
    assert_eq!(run.code, 0);
    for needle in [
        "Exit codes",
        "--config",
        "--header",
        "--request",
        "--json",
        "Example",
    ] {
        assert!(run.stdout.contains(needle), "{needle}: {}", run.stdout);
    }
    // A disabled path exits 1, as `disabled_route_is_left_to_the_application` checks.
    assert!(
        run.stdout
            .contains("1  the request is rejected, or its path is disabled"),
        "{}",
        run.stdout
    );
}

#[test]
fn policy_warnings_go_to_stderr() {
    let dir = TempDir::new("explain-warnings");
    let file = dir.write(
        "corsair.toml",
        &format!("[cors]\nallow_origins = [\"{APP}\"]\nmax_age = 9000\n"),
    );
    let run = explain(&file, &["--json", "-H", &origin(APP), "/"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("warning[max-age-above-browser-cap] cors.max_age: "),
        "{run:?}"
    );
    assert_eq!(run.json()["reason"], "allowed", "stdout stays pure JSON");
}

/// A preflight that asks for private network access.
fn private_network_preflight(path: &str) -> [String; 7] {
    [
        "-X".to_owned(),
        "OPTIONS".to_owned(),
        "-H".to_owned(),
        origin(APP),
        "-H".to_owned(),
        "Access-Control-Request-Method: PUT".to_owned(),
        path.to_owned(),
    ]
}

#[test]
fn private_network_preflight_without_allow_private_network_says_what_browsers_do() {
    let (_dir, file) = setup("explain-private-network-off");
    let mut args: Vec<String> = private_network_preflight("/api/users").to_vec();
    args.splice(
        6..6,
        [
            "-H".to_owned(),
            "Access-Control-Request-Private-Network: true".to_owned(),
        ],
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, json) = explain_json(&file, &args);
    // Answered as without the question: Chromium only warned about a missing answer.
    assert_eq!((code, &json["reason"]), (0, &json!("allowed")));
    let h = headers(&json);
    assert_eq!(header(&h, "access-control-allow-private-network"), None);

    let run = explain(&file, &args);
    assert!(
        run.stdout.contains(
            "a browser that enforces Private Network Access fails this preflight and sends no request"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("hint:    set allow_private_network = true"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Local Network Access"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("No response header grants that permission"),
        "{}",
        run.stdout
    );
}

#[test]
fn private_network_notes_only_where_they_apply() {
    let (dir, file) = setup("explain-private-network-scope");
    let plain: Vec<String> = private_network_preflight("/api/users").to_vec();
    let plain: Vec<&str> = plain.iter().map(String::as_str).collect();
    let run = explain(&file, &plain);
    assert!(!run.stdout.contains("Network Access"), "{}", run.stdout);

    // A policy that answers private-network preflights: the header is sent, and the
    // note says what Local Network Access leaves to the server.
    let text = policy_text().replacen(
        "max_age = 600",
        "max_age = 600\nallow_private_network = true",
        1,
    );
    let pna = dir.write("pna.toml", &text);
    let run = explain(&pna, &plain);
    assert!(
        !run.stdout.contains("fails this preflight"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Local Network Access"),
        "{}",
        run.stdout
    );
    let mut asking: Vec<String> = private_network_preflight("/api/users").to_vec();
    asking.splice(
        6..6,
        [
            "-H".to_owned(),
            "Access-Control-Request-Private-Network: true".to_owned(),
        ],
    );
    let asking: Vec<&str> = asking.iter().map(String::as_str).collect();
    let run = explain(&pna, &asking);
    assert!(
        run.stdout
            .contains("< access-control-allow-private-network: true\n"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("fails this preflight"),
        "{}",
        run.stdout
    );
}

/// The `browser:` line: corsair's answer judged by the browser model in both profiles.
#[test]
fn the_browser_model_judges_the_answer() {
    let (_dir, file) = setup("explain-browser-line");
    let browser_line = |run: &Run| {
        run.stdout
            .lines()
            .find(|l| l.starts_with("browser:"))
            .map(str::to_owned)
            .unwrap_or_default()
    };
    // An allowed credentialed actual request: both read it.
    let run = explain(&file, &["-H", &origin(APP), "/api/users"]);
    assert_eq!(
        browser_line(&run),
        "browser: Chromium and the Fetch Standard let the script read the response (credentials: include)"
    );
    // An allowed preflight passes in both.
    let run = explain(
        &file,
        &[
            "-X",
            "OPTIONS",
            "-H",
            &origin(APP),
            "-H",
            "Access-Control-Request-Method: PUT",
            "-H",
            "Access-Control-Request-Headers: content-type",
            "/api/users",
        ],
    );
    assert_eq!(
        browser_line(&run),
        "browser: Chromium and the Fetch Standard pass the preflight (credentials: include)"
    );
    // A refused one: both block it, for the reason the model gives.
    let run = explain(
        &file,
        &[
            "-X",
            "OPTIONS",
            "-H",
            &origin(EVIL),
            "-H",
            "Access-Control-Request-Method: PUT",
            "/api/users",
        ],
    );
    assert!(
        browser_line(&run)
            .starts_with("browser: Chromium and the Fetch Standard block the preflight ("),
        "{run:?}"
    );
    // Under `*` without credentials, the wildcard answer passes too.
    let run = explain(&file, &["-H", &origin(EVIL), "/public/x"]);
    assert_eq!(
        browser_line(&run),
        "browser: Chromium and the Fetch Standard let the script read the response"
    );
    // A path corsair leaves alone, and a request without Origin, get no such line.
    let run = explain(&file, &["-H", &origin(APP), "/internal/x"]);
    assert_eq!(browser_line(&run), "");
    let run = explain(&file, &["/api/users"]);
    assert_eq!(browser_line(&run), "");
}

#[test]
fn the_presets_in_effect_are_named_with_what_they_add() {
    let dir = TempDir::new("explain-presets");
    let file = dir.write(
        "corsair.toml",
        r#"
[cors]
allow_origins = ["https://app.example.com"]
presets = ["grpc-web"]
"#,
    );
    let run = corsair([
        "explain",
        "--config",
        &arg(&file),
        "-X",
        "OPTIONS",
        "-H",
        "Origin: https://app.example.com",
        "-H",
        "Access-Control-Request-Method: POST",
        "-H",
        "Access-Control-Request-Headers: content-type,x-grpc-web,x-user-agent",
        "/pkg.Service/Call",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(
            "presets: grpc-web: allow_headers + content-type, x-grpc-web, x-user-agent, grpc-timeout; \
             expose_headers + grpc-status, grpc-message, grpc-status-details-bin\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("< access-control-allow-headers: content-type,x-grpc-web,x-user-agent\n")
    );
}

#[test]
fn a_refused_cross_origin_write_is_explained() {
    let dir = TempDir::new("explain-write");
    let file = dir.write(
        "corsair.toml",
        "[cors]\nallow_origins = [\"https://app.example.com\"]\ncross_origin_protection = true\n",
    );
    let run = corsair([
        "explain",
        "--config",
        &arg(&file),
        "-X",
        "POST",
        "-H",
        "Origin: https://evil.example",
        "-H",
        "Sec-Fetch-Site: cross-site",
        "/api/items",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    for line in [
        "verdict: rejected (cross-origin-write-refused)",
        "action:  answered by corsair: 403 Forbidden",
        "note:    corsair answers 403 and the application never sees the request",
        "hint:    add \"https://evil.example\" to cors.allow_origins, or list the path in cross_origin_protection_exempt_paths",
    ] {
        assert!(run.stdout.contains(line), "{line}\n{}", run.stdout);
    }
    let json = corsair([
        "explain",
        "--config",
        &arg(&file),
        "--json",
        "-X",
        "POST",
        "-H",
        "Sec-Fetch-Site: cross-site",
        "/api/items",
    ]);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["reason"], "cross-origin-write-refused");
    assert_eq!(v["status"], 403);
    assert_eq!(v["kind"], "non-cors");
}
