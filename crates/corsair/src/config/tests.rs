//! The policy file's reading: every field, its errors and their messages.

use super::*;
use crate::error::Code;

#[test]
fn reads_every_field() {
    let config = Config::from_toml_str(
        r#"
        [cors]
        allow_origins = ["https://a.example"]
        allow_origin_regexes = ["https://b\\.example"]
        allow_methods = ["PUT"]
        allow_headers = ["x-a"]
        expose_headers = ["x-b"]
        allow_credentials = true
        max_age = 10
        allow_private_network = true
        preflight_status = 200
        debug = true
        dangerously_allow_null_origin = true
        dangerously_allow_insecure_origins = true
        dangerously_allow_public_suffix_wildcards = true
        dangerously_allow_unsafe_origin_regexes = true
        presets = ["mcp"]
        cross_origin_protection = true
        cross_origin_protection_exempt_paths = ["/hooks"]
        enabled = true

        [[routes]]
        path = "/p"
        enabled = false
        "#,
    )
    .unwrap();
    for field in PolicyConfig::FIELDS {
        assert!(config.cors.is_set(field), "{field}");
    }
    assert_eq!(config.routes[0].path, "/p");
    assert_eq!(config.routes[0].policy.enabled, Some(false));
}

#[test]
fn reports_every_unknown_field_with_a_suggestion() {
    let err = Config::from_toml_str(
        "server2 = 1\n[cors]\nallow_origin = []\npath = '/x'\n[[routes]]\npath = '/a'\nmax_ages = 1\n",
    )
    .unwrap_err();
    let found: Vec<_> = err
        .errors()
        .map(|d| {
            (
                d.code(),
                d.field().to_owned(),
                d.help().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(found.iter().all(|(c, _, _)| *c == Code::UnknownField));
    let fields: Vec<_> = found.iter().map(|(_, f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "cors.allow_origin",
            "cors.path",
            "routes[0].max_ages",
            "server2"
        ]
    );
    assert_eq!(found[0].2, "did you mean `allow_origins`?");
    assert_eq!(found[1].2, "`path` belongs in a [[routes]] entry");
    assert_eq!(found[2].2, "did you mean `max_age`?");
}

#[test]
fn reports_syntax_and_type_errors() {
    let err = Config::from_toml_str("[cors\n").unwrap_err();
    assert_eq!(err.errors().next().unwrap().code(), Code::InvalidFile);
    let err =
        Config::from_toml_str("[cors]\nmax_age = -1\nallow_credentials = 'yes'\n").unwrap_err();
    let fields: Vec<_> = err.errors().map(|d| d.field()).collect();
    // The policy's own mistake (no origin at all) comes along.
    assert_eq!(
        fields,
        [
            "cors.allow_credentials",
            "cors.max_age",
            "cors.allow_origins"
        ]
    );
    let err = Config::from_toml_str("[[routes]]\nenabled = false\n").unwrap_err();
    assert_eq!(err.errors().next().unwrap().code(), Code::InvalidRoutePath);
}

#[test]
fn syntax_errors_keep_the_toml_crate_layout() {
    let text = "[cors]\nallow_origins = [\"https://a.example\"]\n[[routes]\npath = '/x'\n";
    let err = Config::from_toml_str(text).unwrap_err();
    let d = err.errors().next().unwrap();
    assert_eq!((d.code(), d.field()), (Code::InvalidFile, ""));
    let lines: Vec<&str> = d.message().lines().collect();
    assert_eq!(lines[0], "TOML parse error at line 3, column 10");
    assert_eq!(lines[2], "3 | [[routes]");
    // The caret sits under the column named in the first line.
    assert_eq!(
        lines[3].find('^'),
        Some("3 | ".len() + 9),
        "{}",
        d.message()
    );
    assert!(!d.message().ends_with('\n'));
    // Displayed, every line of it is indented alike, so the caret stays in place.
    let shown = err.to_string();
    let shown: Vec<&str> = shown.lines().collect();
    assert_eq!(
        shown[1],
        "  error[invalid-file] : TOML parse error at line 3, column 10"
    );
    assert_eq!(shown[3], format!("    {}", lines[2]));
    assert_eq!(shown[4], format!("    {}", lines[3]));
}

/// Each wrong value, in a file, and the message it gets.
#[test]
fn wrong_types_are_described_in_plain_words() {
    let cases = [
        (
            "max_age = 'ten'",
            "cors.max_age",
            "`max_age` must be a whole number of seconds, not a string",
            None,
        ),
        (
            "max_age = '600'",
            "cors.max_age",
            "`max_age` must be a whole number of seconds, not a string",
            Some("write it without quotes: max_age = 600"),
        ),
        (
            "max_age = -1",
            "cors.max_age",
            "`max_age` must be a whole number of seconds, not a negative number (-1)",
            None,
        ),
        (
            "max_age = 1.5",
            "cors.max_age",
            "`max_age` must be a whole number of seconds, not a decimal number (1.5)",
            None,
        ),
        (
            "preflight_status = 70000",
            "cors.preflight_status",
            "`preflight_status` must be an HTTP status such as 204, not 70000: that number is too large",
            None,
        ),
        (
            "allow_credentials = 'yes'",
            "cors.allow_credentials",
            "`allow_credentials` must be true or false, not a string",
            None,
        ),
        (
            "allow_credentials = 'true'",
            "cors.allow_credentials",
            "`allow_credentials` must be true or false, not a string",
            Some("write it without quotes: allow_credentials = true"),
        ),
        (
            "debug = 1",
            "cors.debug",
            "`debug` must be true or false, not a whole number",
            None,
        ),
        (
            "allow_methods = 'PUT'",
            "cors.allow_methods",
            "`allow_methods` must be a list of strings, not a string",
            Some("write it in brackets: allow_methods = [\"PUT\"]"),
        ),
        (
            "allow_headers = true",
            "cors.allow_headers",
            "`allow_headers` must be a list of strings, not `true`",
            None,
        ),
        (
            "allow_methods = ['PUT', 7]",
            "cors.allow_methods[1]",
            "each entry of `allow_methods` must be a string, not a whole number",
            None,
        ),
        (
            "expose_headers = {}",
            "cors.expose_headers",
            "`expose_headers` must be a list of strings, not a table",
            None,
        ),
    ];
    for (line, field, message, help) in cases {
        let text = format!("[cors]\nallow_origins = ['https://a.example']\n{line}\n");
        let err = Config::from_toml_str(&text).unwrap_err();
        let found: Vec<_> = err
            .errors()
            .map(|d| (d.code(), d.field(), d.message(), d.help()))
            .collect();
        assert_eq!(found, [(Code::InvalidFile, field, message, help)], "{line}");
    }
    let err =
        Config::from_toml_str("[[routes]]\npath = 3\n[cors]\nallow_origins = ['*']").unwrap_err();
    assert_eq!(
        err.errors().next().unwrap().message(),
        "`path` must be a string such as \"/api\", not a whole number"
    );
}

#[test]
fn routes_override_and_origins_go_together() {
    let config = Config::default()
        .allow_origins(["https://a.example"])
        .allow_origin_predicate(|_| true)
        .max_age(5)
        .route(RouteConfig::new("/x").allow_origins(["*"]));
    let merged = config.effective_route_policy(&config.routes[0]);
    assert_eq!(merged.allow_origins.unwrap(), ["*"]);
    assert!(merged.origin_predicate.is_none());
    assert_eq!(merged.max_age, Some(5));
}

#[test]
fn an_origins_file_is_the_commands_and_says_so() {
    let err = Config::from_toml_str("[cors]\nallow_origins_file = \"origins.txt\"\n").unwrap_err();
    let d = err.errors().next().unwrap();
    assert_eq!(d.code(), Code::UnknownField);
    assert_eq!(d.field(), "cors.allow_origins_file");
    assert!(d.help().unwrap().contains("the corsair command"), "{d}");
}
