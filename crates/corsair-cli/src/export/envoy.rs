//! The Envoy target (v3 API): one YAML fragment of an `HttpConnectionManager`, the
//! `envoy.filters.http.cors` filter before the router, and a route configuration with
//! one route per part of the policy, each with its `CorsPolicy` in
//! `typed_per_filter_config`.
//!
//! What Envoy's CORS filter does (`source/extensions/filters/http/cors/cors_filter.cc`):
//! a request without `Origin` passes untouched. A preflight (`OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`) is answered by the filter with 200, never forwarded
//! when `forward_not_matching_preflights` is false: `Access-Control-Allow-Origin` echoes
//! an allowed origin (and is left out for another), and the other headers are sent
//! whatever the origin: `Access-Control-Allow-Credentials: true` with credentials,
//! `Access-Control-Allow-Methods` and `Access-Control-Allow-Headers` as configured (a
//! configured `*`, exactly, repeats the request's), `Access-Control-Max-Age`. The
//! requested method and headers are not checked: the browser checks them against the
//! lists. Other responses to an allowed origin (every status, Envoy's own errors
//! included) get `Access-Control-Allow-Origin` (the origin, echoed),
//! `Access-Control-Allow-Credentials` and `Access-Control-Expose-Headers`; the filter
//! sets no `Vary`.

use std::fmt::Write as _;

use super::answer::Header;
use super::lossy::{codes, target_finding};
use super::model::{HeaderRule, MethodRule, Model, OriginRule, Part, Rules};
use super::re2;
use crate::policy_file::Finding;

/// Where the fragment goes, for the header comment.
pub(crate) const PLACE: &str = "the typed_config of the HttpConnectionManager \
(envoy.filters.network.http_connection_manager) of the listener that proxies the API: \
its http_filters and its route_config";

/// How the fragment works, and Envoy's traps.
pub(crate) const NOTES: &str = "\
#
# Merge http_filters into yours: the CORS filter before the router, and before any
# filter that answers requests itself (its answers would get no CORS headers). Each
# route sets its CorsPolicy in typed_per_filter_config and no virtual host does, so a
# route whose CORS is disabled (enabled = false) passes the upstream's headers as they
# are. Routes are tried in order: longest prefix first, then [cors] as the prefix /.
# Edit the placeholders (EDIT): the domains of the virtual host and the cluster of
# each route. path_separated_prefix matches the path without its query, as corsair
# serve does; the connection manager's path normalization (normalize_path,
# merge_slashes), if on, applies first.
# Each route removes the upstream's own CORS headers (response_headers_to_remove acts on
# the upstream's response before the CORS filter adds its own) and appends
# Vary: Origin to every response it forwards. Envoy answers allowed preflights with
# 200 (not preflight_status), echoes the origin where corsair serve sends `*` (the
# Vary: Origin keeps caches right), and adds nothing to requests without Origin.
";

/// A YAML double-quoted scalar (a JSON string is one).
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// The YAML fragment.
pub(crate) fn fragment(model: &Model) -> String {
    let mut out = String::from(
        "\
http_filters:
  - name: envoy.filters.http.cors
    typed_config:
      \"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors
  - name: envoy.filters.http.router
    typed_config:
      \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
route_config:
  name: corsair
  virtual_hosts:
    - name: corsair
      domains: [\"*\"]  # EDIT: the API's host names
      routes:
",
    );
    for part in &model.parts {
        write_route(&mut out, part);
    }
    out
}

/// One route entry: the match, the placeholder action, the CORS policy and the
/// response headers.
fn write_route(out: &mut String, part: &Part) {
    let indent = "          ";
    match part.prefix.as_deref() {
        Some(prefix) if prefix != "/" => {
            let _ = writeln!(
                out,
                "        - match:  # {}\n{indent}  path_separated_prefix: {}",
                part.table,
                quoted(prefix)
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "        - match:  # {}\n{indent}  prefix: \"/\"",
                part.table
            );
        }
    }
    let _ = writeln!(
        out,
        "{indent}route:\n{indent}  cluster: api  # EDIT: the cluster of the API"
    );
    let Some(rules) = &part.rules else {
        let _ = writeln!(
            out,
            "{indent}# CORS is disabled here: the upstream's headers pass as they are."
        );
        return;
    };
    let _ = writeln!(
        out,
        "{indent}typed_per_filter_config:\n{indent}  envoy.filters.http.cors:\n{indent}    \"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy"
    );
    write_policy(out, rules, &format!("{indent}    "));
    let _ = writeln!(out, "{indent}response_headers_to_remove:");
    for header in Header::ALL {
        let _ = writeln!(out, "{indent}  - {}", header.name());
    }
    let _ = writeln!(
        out,
        "{indent}response_headers_to_add:\n{indent}  - header:\n{indent}      key: Vary\n{indent}      value: Origin\n{indent}    append_action: APPEND_IF_EXISTS_OR_ADD"
    );
}

/// The fields of one `CorsPolicy`, at `indent`.
fn write_policy(out: &mut String, rules: &Rules, indent: &str) {
    match &rules.origins {
        OriginRule::List(entries) if entries.is_empty() => {
            let _ = writeln!(out, "{indent}allow_origin_string_match: []");
        }
        OriginRule::Any => {
            // The filter allows every origin when a matcher matches the string `*`.
            let _ = writeln!(
                out,
                "{indent}allow_origin_string_match:\n{indent}  - exact: \"*\""
            );
        }
        OriginRule::List(entries) => {
            let _ = writeln!(out, "{indent}allow_origin_string_match:");
            for entry in entries {
                if let Some(exact) = re2::exact_origin(entry) {
                    let _ = writeln!(out, "{indent}  - exact: {}", quoted(&exact));
                } else if let Some(regex) = re2::origin_pattern(entry) {
                    let _ = writeln!(
                        out,
                        "{indent}  - safe_regex:\n{indent}      regex: {}",
                        quoted(&regex)
                    );
                }
            }
        }
    }
    if let Some(methods) = allow_methods(&rules.methods) {
        let _ = writeln!(out, "{indent}allow_methods: {}", quoted(&methods));
    }
    if let Some(headers) = allow_headers(rules) {
        let _ = writeln!(out, "{indent}allow_headers: {}", quoted(&headers));
    }
    if let Some(expose) = &rules.expose_headers {
        let _ = writeln!(out, "{indent}expose_headers: {}", quoted(expose));
    }
    if let Some(seconds) = rules.max_age {
        let _ = writeln!(out, "{indent}max_age: {}", quoted(&seconds.to_string()));
    }
    if rules.credentials {
        let _ = writeln!(out, "{indent}allow_credentials: true");
    }
    let _ = writeln!(out, "{indent}forward_not_matching_preflights: false");
}

/// `allow_methods`: `*` (the filter repeats the requested method, as corsair does), or
/// the list, which the browser checks the requested method against (`GET`, `HEAD` and
/// `POST` need no listing); `None` for an empty list.
fn allow_methods(rule: &MethodRule) -> Option<String> {
    match rule {
        MethodRule::Any => Some("*".to_owned()),
        MethodRule::List(list) if list.is_empty() => None,
        MethodRule::List(list) => Some(list.join(",")),
    }
}

/// `allow_headers`, so that the browser allows exactly the headers corsair allows:
/// the list; under `*` with credentials, `*`, which the filter turns into the requested
/// headers (as corsair, but for `authorization`: see [`findings`]); under `*` without
/// credentials, corsair's `*` or `*,authorization`, the former written `*,*` (the same
/// list for a browser), since the filter would repeat the requested headers, and so
/// `Authorization`, for the value `*`.
fn allow_headers(rules: &Rules) -> Option<String> {
    match (&rules.headers, rules.credentials) {
        (HeaderRule::List(names), _) if names.is_empty() => None,
        (HeaderRule::List(names), _) => Some(names.join(",")),
        (HeaderRule::Any { .. }, true) => Some("*".to_owned()),
        (
            HeaderRule::Any {
                authorization: true,
            },
            false,
        ) => Some("*,authorization".to_owned()),
        (
            HeaderRule::Any {
                authorization: false,
            },
            false,
        ) => Some("*,*".to_owned()),
    }
}

/// Whether corsair serve refuses some preflight a browser can send under `rules`.
pub(crate) fn can_refuse_preflight(rules: &Rules) -> bool {
    rules.origins != OriginRule::Any
        || matches!(rules.methods, MethodRule::List(_))
        || rules.headers
            != HeaderRule::Any {
                authorization: true,
            }
}

/// Envoy's own limits for the policy (the options no edge exports are found by
/// `lossy::findings`).
pub(crate) fn findings(model: &Model) -> Vec<Finding> {
    let enabled: Vec<(&Part, &Rules)> = model
        .parts
        .iter()
        .filter_map(|p| p.rules.as_ref().map(|r| (p, r)))
        .collect();
    let mut out = Vec::new();
    if enabled.iter().any(|(_, r)| can_refuse_preflight(r)) {
        out.push(target_finding(
            codes::ENVOY_REFUSED_PREFLIGHT,
            String::new(),
            "Envoy's CORS filter refuses no preflight itself: one from an origin the policy does not allow is answered 200 without Access-Control-Allow-Origin but with the route's other CORS headers (Allow-Credentials, Allow-Methods, Allow-Headers, Max-Age), and one whose method or request headers are not allowed is answered 200 with the allowed lists, which the browser checks; corsair serve answers both 403 without CORS headers. The browser fails such a preflight either way, but a client that reads the status sees 200".to_owned(),
            "where a refused preflight must be a 403, run corsair serve in front of the API, or export to nginx",
        ));
    }
    if !enabled.is_empty() {
        out.push(target_finding(
            codes::ENVOY_PREFLIGHT_VARY,
            String::new(),
            "Envoy's CORS filter answers preflights without Vary, and the route's response_headers_to_add do not reach its answers; corsair serve sends Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers, so that a cache that stores OPTIONS responses keeps one origin's answer from another".to_owned(),
            "make sure no cache between the browser and Envoy stores OPTIONS responses (HTTP caches do not by default)",
        ));
    }
    for (part, rules) in &enabled {
        if rules.credentials
            && rules.headers
                == (HeaderRule::Any {
                    authorization: false,
                })
        {
            out.push(target_finding(
                codes::ENVOY_REQUEST_HEADERS,
                format!("{}.allow_headers", part.table),
                "Envoy's CORS filter does not check the requested headers: with credentials, allow_headers = [\"*\"] makes it repeat every requested header, Authorization included, so the browser sends Authorization, which corsair serve allows only when allow_headers names it beside `*`".to_owned(),
                "list the request headers the API reads, or add \"authorization\" to allow_headers if it is meant",
            ));
        }
    }
    out
}
