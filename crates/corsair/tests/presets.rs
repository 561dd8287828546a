//! Presets, tried with the requests their protocols' browser clients send: the preflight
//! a browser makes for each (the method, and the non-safelisted headers the client sets,
//! lowercase, sorted and comma-joined as browsers send them) and the response headers
//! the client must be able to read.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use corsair::{Code, Config, Policy, Preset, RouteConfig};
use http::{HeaderMap, HeaderValue, Method};

const ORIGIN: &str = "https://app.example.com";

fn policy(config: Config) -> Policy {
    match config.build() {
        Ok(policy) => policy,
        Err(e) => panic!("{e}"),
    }
}

fn with_preset(preset: Preset) -> Policy {
    policy(Policy::builder().allow_origins([ORIGIN]).preset(preset))
}

/// The preflight of a request with `method` and the header names `names` (as a browser
/// lists them): allowed, and what the answer allows.
fn preflight(policy: &Policy, path: &str, method: &str, names: &str) -> (bool, Vec<String>) {
    let mut headers = HeaderMap::new();
    headers.insert("origin", HeaderValue::from_static(ORIGIN));
    headers.insert(
        "access-control-request-method",
        HeaderValue::from_str(method).unwrap(),
    );
    if !names.is_empty() {
        headers.insert(
            "access-control-request-headers",
            HeaderValue::from_str(names).unwrap(),
        );
    }
    let decision = policy.decide(&Method::OPTIONS, path, &headers);
    let answer = decision
        .headers()
        .iter()
        .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
        .collect();
    (decision.allowed(), answer)
}

/// The `Access-Control-Expose-Headers` of an allowed actual request's response.
fn exposed(policy: &Policy, method: &Method, path: &str) -> Vec<String> {
    let mut headers = HeaderMap::new();
    headers.insert("origin", HeaderValue::from_static(ORIGIN));
    let decision = policy.decide(method, path, &headers);
    assert!(decision.allowed(), "{:?}", decision.reason());
    decision
        .headers()
        .iter()
        .filter(|(n, _)| n == "access-control-expose-headers")
        .flat_map(|(_, v)| {
            v.to_str()
                .unwrap()
                .split(',')
                .map(|s| s.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn assert_preflight_allowed(policy: &Policy, method: &str, names: &str) {
    let (allowed, answer) = preflight(policy, "/", method, names);
    assert!(allowed, "{method} {names}: {answer:?}");
    if !names.is_empty() {
        assert!(
            answer.contains(&format!("access-control-allow-headers: {names}")),
            "{answer:?}"
        );
    }
}

#[test]
fn grpc_web_calls_from_the_grpc_web_client() {
    // grpc-web (grpc/grpc-web, improbable-eng): POST with
    // `content-type: application/grpc-web+proto`, `x-grpc-web: 1`,
    // `x-user-agent: grpc-web-javascript/0.1`, and `grpc-timeout` with a deadline.
    let policy = with_preset(Preset::GrpcWeb);
    assert_preflight_allowed(&policy, "POST", "content-type,x-grpc-web,x-user-agent");
    assert_preflight_allowed(
        &policy,
        "POST",
        "content-type,grpc-timeout,x-grpc-web,x-user-agent",
    );
    let exposed = exposed(&policy, &Method::POST, "/pkg.Service/Method");
    for name in ["grpc-status", "grpc-message", "grpc-status-details-bin"] {
        assert!(exposed.iter().any(|e| e == name), "{exposed:?}");
    }
}

#[test]
fn connect_calls_from_connect_es() {
    // connect-es: POST with `content-type: application/json` and
    // `connect-protocol-version: 1` (the preflight of the Connect documentation), plus
    // `connect-timeout-ms` with a timeout; and gRPC-Web calls through the same preset.
    let policy = with_preset(Preset::Connect);
    assert_preflight_allowed(&policy, "POST", "connect-protocol-version,content-type");
    assert_preflight_allowed(
        &policy,
        "POST",
        "connect-protocol-version,connect-timeout-ms,content-type",
    );
    assert_preflight_allowed(&policy, "POST", "content-type,x-grpc-web,x-user-agent");
    // A side-effect-free call with GET sets no header: no preflight, and its answer
    // allows the origin.
    assert!(exposed(&policy, &Method::GET, "/pkg.Service/Get").contains(&"grpc-status".to_owned()));
}

#[test]
fn mcp_streamable_http_from_the_typescript_sdk() {
    // The MCP TypeScript SDK's StreamableHTTPClientTransport: POST messages with
    // `content-type: application/json` (and `accept`, safelisted), after `initialize`
    // with `mcp-session-id` and `mcp-protocol-version`; GET for the event stream with
    // `last-event-id` when it resumes; DELETE to end the session.
    let policy = with_preset(Preset::Mcp);
    assert_preflight_allowed(&policy, "POST", "content-type");
    assert_preflight_allowed(
        &policy,
        "POST",
        "content-type,mcp-protocol-version,mcp-session-id",
    );
    assert_preflight_allowed(
        &policy,
        "GET",
        "last-event-id,mcp-protocol-version,mcp-session-id",
    );
    assert_preflight_allowed(&policy, "DELETE", "mcp-protocol-version,mcp-session-id");
    // The client reads the session id from the answer to `initialize`.
    assert_eq!(exposed(&policy, &Method::POST, "/mcp"), ["mcp-session-id"]);
    // Bearer tokens are the server's to allow: the preset does not.
    let (allowed, _) = preflight(&policy, "/", "POST", "authorization,content-type");
    assert!(!allowed);
}

#[test]
fn tus_uploads_from_tus_js_client() {
    // tus-js-client: POST to create (`tus-resumable`, `upload-length`,
    // `upload-metadata`), HEAD to resume, PATCH the bytes (`content-type:
    // application/offset+octet-stream`, `upload-offset`), DELETE to terminate.
    let policy = with_preset(Preset::Tus);
    assert_preflight_allowed(
        &policy,
        "POST",
        "tus-resumable,upload-length,upload-metadata",
    );
    assert_preflight_allowed(&policy, "HEAD", "tus-resumable");
    assert_preflight_allowed(&policy, "PATCH", "content-type,tus-resumable,upload-offset");
    assert_preflight_allowed(&policy, "DELETE", "tus-resumable");
    let exposed = exposed(&policy, &Method::POST, "/files");
    for name in [
        "location",
        "upload-offset",
        "tus-resumable",
        "upload-length",
    ] {
        assert!(exposed.iter().any(|e| e == name), "{name}: {exposed:?}");
    }
}

#[test]
fn without_the_preset_the_same_requests_are_refused() {
    let bare = policy(Policy::builder().allow_origins([ORIGIN]));
    let (allowed, _) = preflight(&bare, "/", "POST", "content-type,x-grpc-web,x-user-agent");
    assert!(!allowed);
    let (allowed, _) = preflight(&bare, "/", "DELETE", "mcp-session-id");
    assert!(!allowed);
}

#[test]
fn presets_are_fields_like_any_other_in_the_file_and_in_routes() {
    let config = Config::from_toml_str(
        r#"
        [cors]
        allow_origins = ["https://app.example.com"]
        allow_headers = ["authorization"]
        presets = ["mcp"]

        [[routes]]
        path = "/uploads"
        presets = ["tus"]
        "#,
    )
    .unwrap();
    let policy = policy(config);
    // [cors]: MCP, and the listed authorization beside it.
    let (allowed, _) = preflight(
        &policy,
        "/mcp",
        "POST",
        "authorization,content-type,mcp-session-id",
    );
    assert!(allowed);
    // The route's presets replace [cors]'s; its inherited lists stay.
    let (allowed, _) = preflight(
        &policy,
        "/uploads/1",
        "PATCH",
        "authorization,upload-offset",
    );
    assert!(allowed);
    let (allowed, _) = preflight(&policy, "/uploads/1", "POST", "mcp-session-id");
    assert!(!allowed);
}

#[test]
fn an_unknown_preset_is_an_error_with_the_nearest_name() {
    let err = Policy::builder()
        .allow_origins([ORIGIN])
        .presets(["grpcweb", "mcp", "mcp"])
        .route(RouteConfig::new("/x").presets(["soap"]))
        .build()
        .unwrap_err();
    let found: Vec<(Code, &str, Option<&str>)> = err
        .diagnostics()
        .iter()
        .map(|d| (d.code(), d.field(), d.help()))
        .collect();
    assert!(
        found.contains(&(
            Code::UnknownPreset,
            "cors.presets[0]",
            Some("did you mean `grpc-web`?")
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(Code::DuplicateEntry, "cors.presets[2]", None)),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            Code::UnknownPreset,
            "routes[0].presets[0]",
            Some("the presets are grpc-web, connect, mcp, tus")
        )),
        "{found:?}"
    );
}
