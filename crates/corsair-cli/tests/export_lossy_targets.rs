//! The lossy diagnostics of `corsair export --target envoy` and `--target gateway-api`:
//! for each code, a policy that has the limit (code, field and what the message names)
//! and one that has not; the exit status (1 and nothing written without
//! `--allow-lossy`, 0 with it) and the differences listed in the file's comments.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Run, TempDir, arg, corsair};

/// One diagnostic as printed: `warning[code] field: message`.
#[derive(Debug)]
struct Diagnostic {
    code: String,
    field: String,
    message: String,
}

/// The diagnostics of a run's standard error.
fn diagnostics(stderr: &str) -> Vec<Diagnostic> {
    stderr
        .lines()
        .filter_map(|line| line.strip_prefix("warning["))
        .map(|rest| {
            let (code, rest) = rest.split_once(']').unwrap();
            let (field, message) = rest.split_once(": ").unwrap();
            Diagnostic {
                code: code.to_owned(),
                field: field.trim().to_owned(),
                message: message.to_owned(),
            }
        })
        .collect()
}

/// Exports `toml` to `target` without `--allow-lossy`.
fn export(dir: &TempDir, toml: &str, target: &str) -> (Run, Vec<Diagnostic>) {
    let config = dir.write("corsair.toml", toml);
    let out = dir.path("out.yaml");
    let _ = std::fs::remove_file(&out);
    let run = corsair([
        "export",
        "--config",
        &arg(&config),
        "--target",
        target,
        "--out",
        &arg(&out),
    ]);
    let found = diagnostics(&run.stderr);
    (run, found)
}

/// The diagnostics with `code`.
fn with_code<'a>(found: &'a [Diagnostic], code: &str) -> Vec<&'a Diagnostic> {
    found.iter().filter(|d| d.code == code).collect()
}

const EXACT: &str = "[cors]\nallow_origins = [\"https://app.example.com\"]\nallow_methods = [\"PUT\"]\nallow_headers = [\"content-type\"]\n";

/// A policy under which corsair serve refuses no preflight a browser sends.
const ALLOW_ALL: &str = "[cors]\nallow_origins = [\"*\"]\nallow_methods = [\"*\"]\nallow_headers = [\"*\", \"authorization\"]\n";

#[test]
fn envoy_differs_only_on_the_vary_of_allowed_preflights() {
    let dir = TempDir::new("lossy-envoy");
    let credentials_any_headers = "[cors]\nallow_origins = [\"https://app.example.com\", \"https://*.example.org:*\"]\nallow_credentials = true\nallow_headers = [\"*\"]\n";
    for toml in [EXACT, ALLOW_ALL, credentials_any_headers] {
        let (run, found) = export(&dir, toml, "envoy");
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, "export-lossy-envoy-preflight-vary");
        assert_eq!(found[0].field, "");
        assert!(
            found[0]
                .message
                .contains("answers allowed preflights itself, without Vary")
        );
    }
    // Where CORS is disabled everywhere, Envoy sends what corsair sends: nothing.
    let (run, found) = export(&dir, "[cors]\nenabled = false\n", "envoy");
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn gateway_api_always_differs_on_refusals_upstream_headers_and_vary() {
    let dir = TempDir::new("lossy-gateway-always");
    let (run, found) = export(&dir, EXACT, "gateway-api");
    assert_eq!(run.code, 1);
    for code in [
        "export-lossy-gateway-api-refused-preflight",
        "export-lossy-gateway-api-upstream-headers",
        "export-lossy-gateway-api-vary",
    ] {
        assert_eq!(with_code(&found, code).len(), 1, "{code}: {found:?}");
    }
    let (_, found) = export(&dir, ALLOW_ALL, "gateway-api");
    assert!(with_code(&found, "export-lossy-gateway-api-refused-preflight").is_empty());
    // Nothing in EXACT that the filter cannot hold.
    let (_, found) = export(&dir, EXACT, "gateway-api");
    assert_eq!(found.len(), 3, "{found:?}");
}

#[test]
fn gateway_api_origins() {
    let dir = TempDir::new("lossy-gateway-origins");
    let toml = "[cors]\ndangerously_allow_null_origin = true\nallow_origins = [\"null\", \"chrome-extension://abcdefghijklmnop\", \"http://[::1]:8080\", \"https://example.com.\", \"http://localhost:*\", \"https://*.example.org\", \"https://app.example.com\"]\n";
    let (_, found) = export(&dir, toml, "gateway-api");
    let dropped = with_code(&found, "export-lossy-gateway-api-origin");
    let named: Vec<&str> = dropped
        .iter()
        .map(|d| d.message.split('`').nth(1).unwrap())
        .collect();
    assert_eq!(
        named,
        [
            "null",
            "chrome-extension://abcdefghijklmnop",
            "http://[::1]:8080",
            "https://example.com."
        ],
        "{found:?}"
    );
    assert!(dropped.iter().all(|d| d.field == "cors.allow_origins"));
    let port = with_code(&found, "export-lossy-gateway-api-origin-port");
    assert_eq!(port.len(), 1);
    assert!(
        port[0]
            .message
            .contains("`http://localhost:*` is written `http://localhost`")
    );
    let wildcard = with_code(&found, "export-lossy-gateway-api-origin-wildcard");
    assert_eq!(wildcard.len(), 1);
    assert!(wildcard[0].message.starts_with("`https://*.example.org`"));
    // What is written: the three origins it can hold.
    let run = corsair_lossy(&dir, toml);
    assert_eq!(run.code, 0);
    let text = std::fs::read_to_string(dir.path("out.yaml")).unwrap();
    let origins: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("allowOrigins:"))
        .skip(1)
        .take_while(|l| l.trim_start().starts_with("- "))
        .map(|l| l.trim_start().trim_start_matches("- ").trim_matches('"'))
        .collect();
    assert_eq!(
        origins,
        [
            "http://localhost",
            "https://*.example.org",
            "https://app.example.com"
        ]
    );
}

/// Exports the last policy written in `dir` with `--allow-lossy`.
fn corsair_lossy(dir: &TempDir, toml: &str) -> Run {
    let config = dir.write("corsair.toml", toml);
    corsair([
        "export",
        "--config",
        &arg(&config),
        "--target",
        "gateway-api",
        "--out",
        &arg(&dir.path("out.yaml")),
        "--allow-lossy",
    ])
}

#[test]
fn gateway_api_methods_headers_max_age_and_lists() {
    let dir = TempDir::new("lossy-gateway-fields");
    let origins: Vec<String> = (0..65)
        .map(|i| format!("\"https://a{i}.example\""))
        .collect();
    let toml = format!(
        "[cors]\nallow_origins = [{}]\nallow_methods = [\"PATCH\", \"x-custom\"]\nallow_headers = [\"*\"]\nmax_age = 0\n\n[[routes]]\npath = \"/b\"\nallow_headers = [\"*\", \"authorization\"]\n",
        origins.join(", ")
    );
    let (_, found) = export(&dir, &toml, "gateway-api");
    let method = with_code(&found, "export-lossy-gateway-api-method");
    assert_eq!(method.len(), 2, "{found:?}");
    assert!(method[0].message.contains("leaves out x-custom,"));
    let headers = with_code(&found, "export-lossy-gateway-api-request-headers");
    let fields: Vec<&str> = headers.iter().map(|d| d.field.as_str()).collect();
    // Routes first (longest prefix first), then [cors], as the edge tries them.
    assert_eq!(fields, ["routes[0].allow_headers", "cors.allow_headers"]);
    assert!(headers[0].message.contains("never covers Authorization"));
    assert!(headers[1].message.contains("Authorization included"));
    let max_age = with_code(&found, "export-lossy-gateway-api-max-age");
    assert_eq!(max_age.len(), 2);
    assert!(max_age[0].message.contains("max_age = 0 is written 1"));
    let limit = with_code(&found, "export-lossy-gateway-api-list-limit");
    assert_eq!(limit.len(), 2);
    assert_eq!(limit[1].field, "cors.allow_origins");
    assert!(limit[0].message.contains("this one has 65"));
    let run = corsair_lossy(&dir, &toml);
    assert_eq!(run.code, 0);
    let text = std::fs::read_to_string(dir.path("out.yaml")).unwrap();
    assert!(text.contains("maxAge: 1\n"));
    assert!(text.contains("\"PATCH\"") && !text.contains("\"x-custom\""));
    assert!(text.contains("https://a63.example") && !text.contains("https://a64.example\""));
}

#[test]
fn gateway_api_paths() {
    let dir = TempDir::new("lossy-gateway-paths");
    let toml = "[cors]\nallow_origins = [\"https://app.example.com\"]\n\n[[routes]]\npath = \"/a//b\"\nenabled = false\n\n[[routes]]\npath = \"/x y\"\nenabled = false\n\n[[routes]]\npath = \"/caf%C3%A9\"\nenabled = false\n";
    let (_, found) = export(&dir, toml, "gateway-api");
    let paths = with_code(&found, "export-lossy-gateway-api-path");
    let fields: Vec<&str> = paths.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields, ["routes[0].path", "routes[1].path"], "{found:?}");
    assert!(
        paths[0]
            .message
            .starts_with("a PathPrefix cannot hold `/a//b`")
    );
    let run = corsair_lossy(&dir, toml);
    assert_eq!(run.code, 0);
    let text = std::fs::read_to_string(dir.path("out.yaml")).unwrap();
    let values: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("value: "))
        .collect();
    assert_eq!(values, ["\"/caf%C3%A9\"", "\"/\""]);
}

#[test]
fn cross_origin_write_protection_is_not_exported() {
    let dir = TempDir::new("lossy-protection");
    let toml = "[cors]\nallow_origins = [\"https://app.example.com\"]\ncross_origin_protection = true\n\n[[routes]]\npath = \"/api\"\nallow_methods = [\"PUT\"]\n";
    for target in ["envoy", "gateway-api"] {
        let (_, found) = export(&dir, toml, target);
        let protection = with_code(&found, "export-lossy-cross-origin-protection");
        assert_eq!(protection.len(), 1, "{target}: {found:?}");
        assert_eq!(protection[0].field, "cors.cross_origin_protection");
        assert!(
            protection[0]
                .message
                .contains(&format!("{target} forwards cross-origin writes"))
        );
    }
}

#[test]
fn exit_status_and_comments() {
    let dir = TempDir::new("lossy-exit");
    for target in ["envoy", "gateway-api"] {
        let (run, found) = export(&dir, EXACT, target);
        assert_eq!(run.code, 1, "{target}");
        assert!(!found.is_empty());
        assert!(!dir.path("out.yaml").exists(), "{target}: written anyway");
        assert!(run.stderr.contains("nothing written"));
        let config = dir.path("corsair.toml");
        let out = dir.path("out.yaml");
        let run = corsair([
            "export",
            "--config",
            &arg(&config),
            "--target",
            target,
            "--out",
            &arg(&out),
            "--allow-lossy",
        ]);
        assert_eq!(run.code, 0, "{target}: {}", run.stderr);
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains("# What this configuration does differently from corsair serve:"));
        for d in &found {
            let line = format!("#   warning[{}]", d.code);
            assert!(text.contains(&line), "{target}: {line} not in the file");
            assert!(
                text.contains(&d.message),
                "{target}: {} not in the file",
                d.message
            );
        }
        assert!(text.starts_with(&format!(
            "# Generated by corsair {} (corsair export --target {target}) from the policy file {}.",
            env!("CARGO_PKG_VERSION"),
            config.display()
        )));
    }
}
