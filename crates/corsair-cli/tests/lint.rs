//! `corsair lint`: exit codes, human output and the JSON document, on the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TempDir, arg, corsair};
use serde_json::Value;

const VALID: &str = r#"
[cors]
allow_origins = ["https://app.example.com", "https://*.example.com"]
allow_methods = ["PUT", "DELETE"]
allow_headers = ["content-type"]
allow_credentials = true
cross_origin_protection = true
max_age = 600
"#;

/// Valid, with one warning: a max_age above Chromium's cap (7200) but under the limit.
const VALID_WITH_WARNING: &str = r#"
[cors]
allow_origins = ["https://app.example.com"]
max_age = 9000
"#;

/// Every error at once: the expected (code, field) pairs are listed in `INVALID_ERRORS`.
const INVALID: &str = r#"
[cors]
allow_origins = ["*", "https://app.example.com/", "null"]
allow_credentials = true
allow_methods = ["PUT", "TRACE"]
max_age = 100000
"#;

const INVALID_ERRORS: &[(&str, &str)] = &[
    ("wildcard-origin-mixed", "cors.allow_origins[0]"),
    ("wildcard-origin-with-credentials", "cors.allow_origins[0]"),
    ("origin-with-path", "cors.allow_origins[1]"),
    ("null-origin", "cors.allow_origins[2]"),
    ("forbidden-method", "cors.allow_methods[1]"),
    ("max-age-too-large", "cors.max_age"),
];

#[test]
fn valid_file_exits_0_with_a_summary() {
    let dir = TempDir::new("lint-valid");
    let file = dir.write("corsair.toml", VALID);
    let run = corsair(["lint", &arg(&file)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, format!("{}: valid\n", file.display()));
    assert!(run.stderr.is_empty(), "{run:?}");
}

#[test]
fn warnings_do_not_make_a_file_invalid() {
    let dir = TempDir::new("lint-warning");
    let file = dir.write("corsair.toml", VALID_WITH_WARNING);
    let run = corsair(["lint", &arg(&file)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("warning[max-age-above-browser-cap] cors.max_age: "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with(&format!("{}: valid (1 warning)\n", file.display()))
    );
}

#[test]
fn invalid_file_reports_every_error_at_once() {
    let dir = TempDir::new("lint-invalid");
    let file = dir.write("corsair.toml", INVALID);
    let run = corsair(["lint", &arg(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    for (code, field) in INVALID_ERRORS {
        let line = format!("error[{code}] {field}: ");
        assert!(
            run.stdout.contains(&line),
            "missing `{line}` in:\n{}",
            run.stdout
        );
    }
    // Each error is one line, followed by its help when the library gives one.
    let error_lines = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("error["))
        .count();
    assert_eq!(error_lines, INVALID_ERRORS.len(), "{}", run.stdout);
    let after_null: Vec<_> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("error[null-origin]"))
        .take(2)
        .collect();
    assert!(after_null[1].starts_with("  help: "), "{}", run.stdout);
    assert!(after_null[1].contains("dangerously_allow_null_origin"));
    assert!(run.stdout.ends_with(&format!(
        "{}: {} errors, 0 warnings\n",
        file.display(),
        INVALID_ERRORS.len()
    )));
}

#[test]
fn unknown_field_gets_a_suggestion() {
    let dir = TempDir::new("lint-unknown");
    let file = dir.write(
        "corsair.toml",
        "[cors]\nallow_origin = [\"https://app.example.com\"]\n",
    );
    let run = corsair(["lint", &arg(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .contains("error[unknown-field] cors.allow_origin: "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  help: did you mean `allow_origins`?"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with(": 1 error, 0 warnings\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn syntax_error_is_an_invalid_file() {
    let dir = TempDir::new("lint-syntax");
    let file = dir.write("corsair.toml", "[cors\n");
    let run = corsair(["lint", &arg(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    // The whole file is concerned: no field after the code.
    assert!(
        run.stdout.starts_with("error[invalid-file]: "),
        "{}",
        run.stdout
    );
}

#[test]
fn syntax_error_is_shown_as_toml_shows_it_and_types_in_words() {
    let dir = TempDir::new("lint-syntax-layout");
    let file = dir.write(
        "corsair.toml",
        "[cors]\nallow_origins = [\"https://a.example\"]\n[[routes]\npath = '/x'\n",
    );
    let run = corsair(["lint", &arg(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    let expected = "error[invalid-file]: TOML parse error at line 3, column 10\n  |\n3 | [[routes]\n  |          ^\n";
    assert!(run.stdout.starts_with(expected), "{}", run.stdout);

    let file = dir.write(
        "types.toml",
        "[cors]\nallow_origins = [\"https://a.example\"]\nmax_age = \"ten\"\n",
    );
    let run = corsair(["lint", &arg(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.starts_with(
            "error[invalid-file] cors.max_age: `max_age` must be a whole number of seconds, not a string\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn json_lists_every_diagnostic_with_stable_keys() {
    let dir = TempDir::new("lint-json");
    let file = dir.write("corsair.toml", INVALID);
    let run = corsair(["lint", "--json", &arg(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "one line of JSON");
    let json = run.json();
    let object = json.as_object().unwrap();
    let keys: Vec<_> = object.keys().map(String::as_str).collect();
    let mut expected = ["file", "valid", "errors", "warnings", "diagnostics"];
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    expected.sort_unstable();
    assert_eq!(sorted, expected);

    assert_eq!(json["file"], arg(&file));
    assert_eq!(json["valid"], false);
    assert_eq!(json["errors"], INVALID_ERRORS.len());
    assert_eq!(json["warnings"], 0);
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), INVALID_ERRORS.len());
    for (d, (code, field)) in diagnostics.iter().zip(INVALID_ERRORS) {
        let mut keys: Vec<_> = d.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["code", "field", "help", "message", "severity"]);
        assert_eq!(d["severity"], "error");
        assert_eq!(d["code"], *code);
        assert_eq!(d["field"], *field);
        assert!(!d["message"].as_str().unwrap().is_empty());
        assert!(d["help"].is_string() || d["help"].is_null());
    }
    let null = diagnostics
        .iter()
        .find(|d| d["code"] == "null-origin")
        .unwrap();
    assert!(
        null["help"]
            .as_str()
            .unwrap()
            .contains("dangerously_allow_null_origin")
    );
    let forbidden = diagnostics
        .iter()
        .find(|d| d["code"] == "forbidden-method")
        .unwrap();
    assert!(forbidden["message"].as_str().unwrap().contains("TRACE"));
}

#[test]
fn json_of_a_valid_file_counts_its_warnings() {
    let dir = TempDir::new("lint-json-valid");
    let file = dir.write("corsair.toml", VALID_WITH_WARNING);
    let run = corsair(["lint", &arg(&file), "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let json = run.json();
    assert_eq!(json["valid"], true);
    assert_eq!(json["errors"], 0);
    assert_eq!(json["warnings"], 1);
    assert_eq!(json["diagnostics"][0]["severity"], "warning");
    assert_eq!(json["diagnostics"][0]["code"], "max-age-above-browser-cap");
    assert_eq!(json["diagnostics"][0]["field"], "cors.max_age");
}

#[test]
fn regexes_that_admit_other_sites_are_warned_about_without_credentials() {
    // The review's policy: no credentials, so nothing is refused, but both regexes admit
    // other sites' origins (the unanchored-regex mistake).
    let dir = TempDir::new("lint-broad-regex");
    let file = dir.write(
        "corsair.toml",
        r#"
[cors]
allow_origin_regexes = ["https://.*example\\.com", "https://\\w+\\.example\\.com.*", "https://[a-z]+\\.example\\.com"]
"#,
    );
    let run = corsair(["lint", &arg(&file)]);
    assert_eq!(run.code, 0, "warnings only: {run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", run.stdout);
    assert_eq!(
        lines[0],
        "warning[broad-origin-regex] cors.allow_origin_regexes[0]: `https://.*example\\.com` admits hosts of \
         unboundedly many registrable domains that end with `example.com`, which anyone can register \
         (it admits `https://evilexample.com`)"
    );
    assert!(
        lines[1].starts_with("  help: end the regex with `\\.` and your own registrable domain")
    );
    assert!(
        lines[2].starts_with(
            "warning[broad-origin-regex] cors.allow_origin_regexes[1]: `https://\\w+\\.example\\.com.*` admits hosts that go on after the name it spells out"
        ),
        "{}",
        run.stdout
    );
    assert!(lines[3].starts_with("  help: "), "{}", run.stdout);
    assert_eq!(lines[4], format!("{}: valid (2 warnings)", file.display()));

    // With credentials, the same regexes are errors.
    let file = dir.write(
        "credentialed.toml",
        r#"
[cors]
allow_origin_regexes = ["https://.*example\\.com"]
allow_credentials = true
cross_origin_protection = true
"#,
    );
    let run = corsair(["lint", "--json", &arg(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    let json = run.json();
    assert_eq!(json["diagnostics"][0]["code"], "unsafe-origin-regex");
    assert_eq!(json["diagnostics"][0]["severity"], "error");
    assert_eq!(json["warnings"], 0);
}

#[test]
fn missing_file_is_reported_and_invalid() {
    let dir = TempDir::new("lint-missing");
    let file = dir.path("absent.toml");
    let run = corsair(["lint", &arg(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(run.stderr.contains("cannot read"), "{run:?}");
    assert!(run.stderr.contains(&arg(&file)), "{run:?}");

    let run = corsair(["lint", "--json", &arg(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    let json = run.json();
    assert_eq!(json["valid"], false);
    assert_eq!(json["errors"], 1);
    assert_eq!(json["diagnostics"][0]["code"], "unreadable-file");
    assert_eq!(json["diagnostics"][0]["field"], "");
    assert_eq!(json["diagnostics"][0]["help"], Value::Null);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(corsair(["lint"]).code, 2);
    assert_eq!(corsair(["lint", "a.toml", "--jsn"]).code, 2);
    assert_eq!(corsair(["frobnicate"]).code, 2);
}

#[test]
fn help_and_version() {
    let run = corsair(["--help"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("lint") && run.stdout.contains("explain"));
    assert!(run.stdout.contains("Exit codes"));
    // Every subcommand has its line in the exit-code table, serve included.
    for needle in [
        "serve a policy as a gateway",
        "serve: clean shutdown",
        "serve: the shutdown deadline",
        "serve: the address cannot be bound",
    ] {
        assert!(run.stdout.contains(needle), "{needle}: {}", run.stdout);
    }
    // The audit's request count, stated once and the same in the JSON sample.
    let run = corsair(["audit", "--help"]);
    assert!(run.stdout.contains("40 to 44"), "{}", run.stdout);
    assert!(run.stdout.contains("(43 for"), "{}", run.stdout);
    assert!(run.stdout.contains("\"probes\": 43"), "{}", run.stdout);
    let run = corsair(["--version"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        format!("corsair {}\n", env!("CARGO_PKG_VERSION"))
    );
    let run = corsair(["lint", "--help"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("--json") && run.stdout.contains("Exit codes"));
}

#[test]
fn file_mistakes_and_policy_mistakes_are_reported_in_one_pass() {
    let dir = TempDir::new("lint-one-pass");
    let file = dir.write(
        "corsair.toml",
        "[cors]\nallow_origins = [\"https://app.example.com/\"]\nmax_agee = 60\nallow_credentials = \"yes\"\n",
    );
    let run = corsair(["lint", "--json", &arg(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let found: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("invalid-file", "cors.allow_credentials"),
        ("unknown-field", "cors.max_agee"),
        ("origin-with-path", "cors.allow_origins[0]"),
    ];
    assert_eq!(
        found,
        expected.map(|(c, f)| (c.to_owned(), f.to_owned())),
        "{run:?}"
    );
}

#[test]
fn lint_knows_forward_underscore_headers() {
    let dir = TempDir::new("lint-underscore");
    let valid = dir.write(
        "valid.toml",
        &format!("{VALID}\n[server]\nforward_underscore_headers = true\n"),
    );
    let run = corsair(["lint", &arg(&valid)]);
    assert_eq!(run.code, 0, "{run:?}");
    let wrong = dir.write(
        "wrong.toml",
        &format!("{VALID}\n[server]\nforward_underscore_headers = \"yes\"\nforward_underscore_header = true\n"),
    );
    let run = corsair(["lint", &arg(&wrong)]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .contains("error[invalid-file] server.forward_underscore_headers: "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("  help: did you mean `forward_underscore_headers`?"),
        "{}",
        run.stdout
    );
}

#[test]
fn expand_shows_what_the_presets_add_in_each_scope() {
    let dir = TempDir::new("lint-expand");
    let file = dir.write(
        "corsair.toml",
        r#"
[cors]
allow_origins = ["https://app.example.com"]
allow_headers = ["authorization", "content-type"]
presets = ["mcp"]

[[routes]]
path = "/plain"
presets = []

[[routes]]
path = "/upload"
allow_methods = ["PATCH"]
presets = ["tus"]
"#,
    );
    let run = corsair(["lint", "--expand", "--json", &arg(&file)]);
    assert_eq!(run.code, 0, "{run:?}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let expanded = report["expanded"].as_array().unwrap();
    // [cors] and /upload; /plain has no preset.
    assert_eq!(expanded.len(), 2, "{expanded:?}");
    let cors = &expanded[0];
    assert_eq!(cors["scope"], "cors");
    assert_eq!(cors["allow_methods"], serde_json::json!(["DELETE"]));
    // content-type was listed already: not added twice.
    assert_eq!(
        cors["allow_headers"],
        serde_json::json!(["mcp-session-id", "mcp-protocol-version", "last-event-id"])
    );
    let upload = &expanded[1];
    assert_eq!(upload["scope"], "routes[1]");
    assert_eq!(upload["path"], "/upload");
    assert_eq!(upload["presets"], serde_json::json!(["tus"]));
    assert_eq!(upload["allow_methods"], serde_json::json!(["DELETE"]));
    assert!(
        upload["expose_headers"]
            .as_array()
            .unwrap()
            .contains(&Value::from("location"))
    );

    // Without --expand, the document has no `expanded`.
    let plain = corsair(["lint", "--json", &arg(&file)]);
    let report: Value = serde_json::from_str(&plain.stdout).unwrap();
    assert!(report.get("expanded").is_none());
}

#[test]
fn an_origins_file_is_checked_line_by_line() {
    let dir = TempDir::new("lint-origins-file");
    dir.write(
        "origins.txt",
        "# One origin or pattern a line.\nhttps://a.example\n\n  https://*.tenants.example  \nhttps://B.example\nhttps://c.example/\n",
    );
    let file = dir.write(
        "corsair.toml",
        "[cors]\nallow_origins = [\"https://app.example\"]\nallow_origins_file = \"origins.txt\"\n\n[[routes]]\npath = \"/x\"\nallow_origins_file = \"missing.txt\"\n",
    );
    let run = corsair(["lint", "--json", &arg(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let found: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "unreadable-file".to_owned(),
                "routes[0].allow_origins_file".to_owned()
            ),
            (
                "non-canonical-origin".to_owned(),
                "origins.txt:5".to_owned()
            ),
            ("origin-with-path".to_owned(), "origins.txt:6".to_owned()),
        ],
        "{report}"
    );

    // Fixed, the file's origins are allowed like the listed ones.
    dir.write(
        "origins.txt",
        "https://a.example\nhttps://*.tenants.example\n",
    );
    let fixed = dir.write(
        "corsair.toml",
        "[cors]\nallow_origins = [\"https://app.example\"]\nallow_origins_file = \"origins.txt\"\n",
    );
    assert_eq!(corsair(["lint", &arg(&fixed)]).code, 0);
    let explain = corsair([
        "explain",
        "--config",
        &arg(&fixed),
        "-H",
        "Origin: https://acme.tenants.example",
        "/",
    ]);
    assert_eq!(explain.code, 0, "{explain:?}");
}
