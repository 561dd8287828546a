//! `corsair export --target envoy` and `--target gateway-api`, validated against the
//! targets' published schemas (checked-in copies, `tests/fixtures/schemas/README.md`):
//! the Envoy fragment is read as an `HttpConnectionManager` message of Envoy's `.proto`
//! files (every field known, of its type, enum values valid, the `Any` payloads
//! included), the HTTPRoute is validated against the CRD's `openAPIV3Schema` with
//! unknown fields refused (as `kubectl apply --validate=strict`). Fixed policies cover
//! each feature; generated ones (the nginx test's generator) cover their mixes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod export_support;
mod serve_support;

use std::path::{Path, PathBuf};

use common::{TempDir, arg, corsair};
use export_support::generate::{self, Rng};
use prost_reflect::{DescriptorPool, DeserializeOptions, DynamicMessage, MessageDescriptor};

/// How many generated policies each target exports, beside the fixed ones.
const GENERATED: usize = 40;

/// The fixed policies: each feature of the model at least once.
const FIXED: &[(&str, &str)] = &[
    (
        "exact origins",
        "[cors]\nallow_origins = [\"https://app.example.com\", \"http://localhost:3000\"]\nallow_methods = [\"PUT\", \"DELETE\"]\nallow_headers = [\"content-type\", \"x-request-id\"]\nexpose_headers = [\"x-total\"]\nmax_age = 600\n",
    ),
    (
        "patterns and ports",
        "[cors]\nallow_origins = [\"https://*.example.org\", \"http://localhost:*\", \"https://api.example.net:8443\", \"https://*.corp.example:*\", \"http://127.0.0.1:*\"]\nallow_credentials = true\nallow_headers = [\"*\", \"authorization\"]\n",
    ),
    (
        "any origin",
        "[cors]\nallow_origins = [\"*\"]\nallow_methods = [\"*\"]\nallow_headers = [\"*\"]\nexpose_headers = [\"*\"]\n",
    ),
    (
        "credentials and any headers",
        "[cors]\nallow_origins = [\"https://app.example.com\"]\nallow_credentials = true\nallow_methods = [\"*\"]\nallow_headers = [\"*\"]\nmax_age = 0\n",
    ),
    (
        "routes",
        "[cors]\nallow_origins = [\"https://app.example.com\"]\n\n[[routes]]\npath = \"/api\"\nallow_methods = [\"PATCH\", \"x-custom\"]\n\n[[routes]]\npath = \"/api/v2/\"\nallow_origins = [\"*\"]\n\n[[routes]]\npath = \"/internal\"\nenabled = false\n\n[[routes]]\npath = \"/\"\nallow_origins = [\"https://root.example\"]\n",
    ),
    (
        "presets",
        "[cors]\nallow_origins = [\"https://app.example.com\"]\npresets = [\"grpc-web\", \"connect\", \"mcp\", \"tus\"]\n",
    ),
    (
        "unusual origins",
        "[cors]\ndangerously_allow_null_origin = true\nallow_origins = [\"null\", \"http://[::1]:*\", \"chrome-extension://abcdefghijklmnop\", \"https://example.com.\", \"https://xn--bcher-kva.example\"]\n",
    ),
    (
        "ports written away",
        "[cors]\nallow_origins = [\"http://localhost:*\", \"http://localhost\", \"https://*.corp.example:*\", \"https://*.corp.example\"]\n",
    ),
    (
        "odd route paths",
        "[cors]\nallow_origins = [\"https://app.example.com\"]\n\n[[routes]]\npath = \"/a//b\"\nallow_origins = [\"https://b.example\"]\n\n[[routes]]\npath = \"/x y/./z\"\nenabled = false\n\n[[routes]]\npath = \"/caf%C3%A9/\"\nallow_methods = [\"PATCH\"]\n",
    ),
    (
        "disabled by default",
        "[cors]\nenabled = false\n\n[[routes]]\npath = \"/api\"\nenabled = true\nallow_origins = [\"https://app.example.com\"]\n",
    ),
];

/// The checked-in schemas.
fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schemas")
}

/// The messages an Envoy fragment is read as: the connection manager, and the filters'
/// configurations its `Any` fields name.
fn envoy_pool() -> DescriptorPool {
    let files = [
        "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
        "envoy/extensions/filters/http/cors/v3/cors.proto",
        "envoy/extensions/filters/http/router/v3/router.proto",
    ];
    protox::Compiler::new([schemas().join("envoy")])
        .unwrap()
        .include_imports(true)
        .open_files(files)
        .unwrap()
        .descriptor_pool()
}

/// A YAML text as JSON.
fn yaml_documents(text: &str) -> Vec<serde_json::Value> {
    use serde::Deserialize as _;
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| {
            let value = serde_yaml::Value::deserialize(doc).unwrap();
            serde_json::to_value(value).unwrap()
        })
        .collect()
}

/// Reads `json` as an `HttpConnectionManager`, refusing unknown fields.
fn check_envoy(
    hcm: &MessageDescriptor,
    json: &serde_json::Value,
) -> Result<DynamicMessage, String> {
    let options = DeserializeOptions::new().deny_unknown_fields(true);
    DynamicMessage::deserialize_with_options(hcm.clone(), json.clone(), &options)
        .map_err(|e| e.to_string())
}

/// The HTTPRoute v1 schema of the CRD, with unknown fields refused: every object
/// schema that lists its properties gets `additionalProperties: false`.
fn httproute_schema() -> (boon::Schemas, boon::SchemaIndex) {
    let text = std::fs::read_to_string(
        schemas().join("gateway-api/gateway.networking.k8s.io_httproutes.yaml"),
    )
    .unwrap();
    let crd = &yaml_documents(&text)[0];
    let versions = crd["spec"]["versions"].as_array().unwrap();
    let v1 = versions.iter().find(|v| v["name"] == "v1").unwrap();
    let mut schema = v1["schema"]["openAPIV3Schema"].clone();
    close_objects(&mut schema);
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V4);
    compiler.add_resource("urn:httproute", schema).unwrap();
    let mut schemas = boon::Schemas::new();
    let index = compiler.compile("urn:httproute", &mut schemas).unwrap();
    (schemas, index)
}

/// Adds `additionalProperties: false` to every object schema with `properties`.
fn close_objects(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert(
                    "additionalProperties".to_owned(),
                    serde_json::Value::Bool(false),
                );
            }
            map.values_mut().for_each(close_objects);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// Exports `toml` to `target` with `--allow-lossy`; the file's text.
fn export(dir: &TempDir, toml: &str, target: &str) -> Option<String> {
    let config = dir.write("corsair.toml", toml);
    let out = dir.path(&format!("out-{target}.yaml"));
    let _ = std::fs::remove_file(&out);
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
    if run.code != 0 {
        return None;
    }
    Some(std::fs::read_to_string(&out).unwrap())
}

/// The policies of the test: the fixed ones and the valid generated ones.
fn policies() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = FIXED
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    // More parts than an HTTPRoute holds rules (16): two HTTPRoutes.
    let mut many = String::from("[cors]\nallow_origins = [\"https://app.example.com\"]\n");
    for i in 0..20 {
        many.push_str(&format!(
            "\n[[routes]]\npath = \"/r{i}\"\nallow_methods = [\"PUT\"]\n"
        ));
    }
    out.push(("many routes".to_owned(), many));
    let mut rng = Rng::new(0x005c_4e3a);
    for i in 0..GENERATED {
        out.push((format!("generated {i}"), generate::policy(&mut rng).toml));
    }
    out
}

/// Every `safe_regex` value under `json`.
fn regexes<'a>(json: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match json {
        serde_json::Value::Object(map) => {
            if let Some(regex) = map.get("safe_regex").and_then(|r| r["regex"].as_str()) {
                out.push(regex);
            }
            map.values().for_each(|v| regexes(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| regexes(v, out)),
        _ => {}
    }
}

/// Checks what the schema cannot: Envoy's validation rules that the fragment relies on
/// (a `path_separated_prefix` neither ending in `/` nor holding `?` or `#`) and that
/// every `safe_regex` is an RE2-family expression; the number of routes.
fn check_envoy_rules(json: &serde_json::Value) -> usize {
    let routes = json["route_config"]["virtual_hosts"][0]["routes"]
        .as_array()
        .unwrap();
    for route in routes {
        if let Some(prefix) = route["match"]["path_separated_prefix"].as_str() {
            assert!(
                prefix.len() > 1 && !prefix.ends_with('/') && !prefix.contains(['?', '#']),
                "{prefix}"
            );
        }
    }
    let mut found = Vec::new();
    regexes(json, &mut found);
    for regex in found {
        regex::Regex::new(regex).unwrap_or_else(|e| panic!("{regex}: {e}"));
    }
    routes.len()
}

/// The CEL rules of the CRD for a `PathPrefix` value (which the JSON Schema validation
/// does not evaluate), as the CRD words them.
fn check_path_rules(route: &serde_json::Value) {
    let rules = route["spec"]["rules"].as_array().unwrap();
    assert!(rules.len() <= 16);
    let valid =
        regex::Regex::new(r"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$").unwrap();
    for rule in rules {
        for m in rule["matches"].as_array().unwrap() {
            assert_eq!(m["path"]["type"], "PathPrefix");
            let value = m["path"]["value"].as_str().unwrap();
            assert!(value.starts_with('/'), "{value}");
            for bad in ["//", "/./", "/../", "%2f", "%2F", "#"] {
                assert!(!value.contains(bad), "{value}");
            }
            assert!(!value.ends_with("/..") && !value.ends_with("/."), "{value}");
            assert!(valid.is_match(value), "{value}");
        }
    }
}

/// What the CRD says of the CORS filter's lists beyond the JSON Schema: each is a set
/// (`x-kubernetes-list-type: set`: no item twice), and `*` stands alone in
/// `allowOrigins`, `allowMethods` and `allowHeaders` (CEL rules).
fn check_cors_sets(route: &serde_json::Value) {
    for rule in route["spec"]["rules"].as_array().unwrap() {
        for filter in rule["filters"].as_array().into_iter().flatten() {
            let cors = &filter["cors"];
            for field in [
                "allowOrigins",
                "allowMethods",
                "allowHeaders",
                "exposeHeaders",
            ] {
                let Some(items) = cors[field].as_array() else {
                    continue;
                };
                let unique: std::collections::BTreeSet<&str> =
                    items.iter().map(|i| i.as_str().unwrap()).collect();
                assert_eq!(unique.len(), items.len(), "{field}: {items:?}");
                if field != "exposeHeaders" && unique.contains("*") {
                    assert_eq!(items.len(), 1, "{field}: {items:?}");
                }
            }
        }
    }
}

#[test]
fn envoy_output_reads_as_envoy_messages() {
    let dir = TempDir::new("export-schemas-envoy");
    let pool = envoy_pool();
    let hcm = pool
        .get_message_by_name(
            "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        )
        .unwrap();
    let mut checked = 0;
    for (name, toml) in policies() {
        let Some(text) = export(&dir, &toml, "envoy") else {
            assert!(name.starts_with("generated"), "{name}: not exported");
            continue;
        };
        let docs = yaml_documents(&text);
        assert_eq!(docs.len(), 1, "{name}");
        let message = check_envoy(&hcm, &docs[0]).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert!(message.has_field_by_name("route_config"), "{name}");
        assert!(check_envoy_rules(&docs[0]) >= 1, "{name}");
        checked += 1;
    }
    assert!(
        checked >= FIXED.len() + GENERATED / 2,
        "only {checked} policies exported"
    );
}

#[test]
fn gateway_api_output_validates_against_the_crd() {
    let dir = TempDir::new("export-schemas-gateway");
    let (schemas, index) = httproute_schema();
    let mut checked = 0;
    for (name, toml) in policies() {
        let Some(text) = export(&dir, &toml, "gateway-api") else {
            assert!(name.starts_with("generated"), "{name}: not exported");
            continue;
        };
        let docs = yaml_documents(&text);
        let rules: usize = docs
            .iter()
            .map(|d| d["spec"]["rules"].as_array().unwrap().len())
            .sum();
        if name == "many routes" {
            assert_eq!((docs.len(), rules), (2, 21), "{name}");
        }
        for doc in docs {
            if let Err(e) = schemas.validate(&doc, index) {
                panic!("{name}: {e:#}\n{text}");
            }
            assert_eq!(doc["kind"], "HTTPRoute");
            check_path_rules(&doc);
            check_cors_sets(&doc);
        }
        checked += 1;
    }
    assert!(
        checked >= FIXED.len() + GENERATED / 2,
        "only {checked} policies exported"
    );
}

/// A change to a valid document that must make it invalid.
type Edit = fn(&mut serde_json::Value);

#[test]
fn the_validators_refuse_unknown_fields_and_wrong_types() {
    let dir = TempDir::new("export-schemas-negative");
    let toml = FIXED[0].1;
    // Envoy: an unknown field of the CORS policy, a wrong type, an unknown enum value.
    let pool = envoy_pool();
    let hcm = pool
        .get_message_by_name(
            "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        )
        .unwrap();
    let good = yaml_documents(&export(&dir, toml, "envoy").unwrap()).remove(0);
    assert!(check_envoy(&hcm, &good).is_ok());
    let route = |doc: &mut serde_json::Value| -> serde_json::Value {
        doc["route_config"]["virtual_hosts"][0]["routes"][0].take()
    };
    let edits: [(&str, Edit); 3] = [
        ("unknown field", |r| {
            r["typed_per_filter_config"]["envoy.filters.http.cors"]["allow_origin"] = "x".into();
        }),
        ("wrong type", |r| {
            r["typed_per_filter_config"]["envoy.filters.http.cors"]["allow_credentials"] =
                "yes please".into();
        }),
        ("unknown enum value", |r| {
            r["response_headers_to_add"][0]["append_action"] = "APPEND_SOMETIMES".into();
        }),
    ];
    for (what, edit) in edits {
        let mut doc = good.clone();
        let mut r = route(&mut doc);
        edit(&mut r);
        doc["route_config"]["virtual_hosts"][0]["routes"][0] = r;
        assert!(check_envoy(&hcm, &doc).is_err(), "envoy accepted an {what}");
    }
    // Gateway API: an unknown field of the CORS filter, a wrong type, a method not in the enum.
    let (schemas, index) = httproute_schema();
    let good = yaml_documents(&export(&dir, toml, "gateway-api").unwrap()).remove(0);
    assert!(schemas.validate(&good, index).is_ok());
    let edits: [(&str, Edit); 3] = [
        ("unknown field", |c| c["allowOrigin"] = "x".into()),
        ("wrong type", |c| c["maxAge"] = "600".into()),
        ("unknown method", |c| {
            c["allowMethods"] = serde_json::json!(["PROPFIND"])
        }),
    ];
    for (what, edit) in edits {
        let mut doc = good.clone();
        edit(&mut doc["spec"]["rules"][0]["filters"][0]["cors"]);
        assert!(
            schemas.validate(&doc, index).is_err(),
            "the CRD accepted an {what}"
        );
    }
}
