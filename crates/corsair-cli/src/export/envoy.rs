//! The Envoy target (v3 API): one YAML fragment of an `HttpConnectionManager`, the
//! `envoy.filters.http.cors` filter before the router, and a route configuration with,
//! for each part of the policy, routes that refuse its refused preflights with 403, then
//! its route, with its `CorsPolicy` in `typed_per_filter_config`.
//!
//! What Envoy's CORS filter does (`source/extensions/filters/http/cors/cors_filter.cc`):
//! a request without `Origin` passes untouched. A preflight (`OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`) is answered by the filter with 200, never forwarded
//! when `forward_not_matching_preflights` is false: `Access-Control-Allow-Origin` echoes
//! an allowed origin (and is left out for another), and the other headers are sent
//! whatever the origin: `Access-Control-Allow-Credentials: true` with credentials,
//! `Access-Control-Allow-Methods` and `Access-Control-Allow-Headers` as configured (a
//! configured `*`, exactly, repeats the request's), `Access-Control-Max-Age`. The
//! requested method and headers are not checked. Other responses to an allowed origin
//! (every status, Envoy's own errors included) get `Access-Control-Allow-Origin` (the
//! origin, echoed), `Access-Control-Allow-Credentials` and
//! `Access-Control-Expose-Headers`; the filter sets no `Vary`.
//!
//! So the filter never refuses a preflight: the export puts, before each part's route,
//! routes that match what corsair refuses (the origin, then the method, then the
//! request headers, as RE2 header matchers) and answer 403 without CORS headers
//! (`direct_response`: the filter finds no policy on such a route).

use std::fmt::Write as _;

use super::answer::Header;
use super::envoy_re2;
use super::lossy::{codes, target_finding};
use super::model::{HeaderRule, MethodRule, Model, OriginRule, Part, Rules};
use crate::policy_file::Finding;

/// Where the fragment goes, for the header comment.
pub(crate) const PLACE: &str = "the typed_config of the HttpConnectionManager \
(envoy.filters.network.http_connection_manager) of the listener that proxies the API: \
its http_filters and its route_config";

/// How the fragment works, and Envoy's traps.
pub(crate) const NOTES: &str = "\
#
# Envoy 1.30 or later (forward_not_matching_preflights; v3 API).
# Merge http_filters into yours: the CORS filter before the router, and before any
# filter that answers requests itself (its answers would get no CORS headers). Routes
# are tried in order: for each part of the policy (longest prefix first, then [cors]
# as the prefix /), the routes that answer its refused preflights with 403 (origin,
# method, request headers), then its route, which sets its CorsPolicy in
# typed_per_filter_config (no virtual host does, so a route whose CORS is disabled,
# enabled = false, passes the upstream's headers as they are).
# Edit the placeholders (EDIT): the domains of the virtual host and the cluster of
# each route. path_separated_prefix matches the path without its query, as corsair
# serve does; the connection manager's path normalization (normalize_path,
# merge_slashes), if on, applies first.
# Each route removes the upstream's own CORS headers (response_headers_to_remove acts on
# the upstream's response before the CORS filter adds its own) and appends
# Vary: Origin to every response it forwards. Envoy answers allowed preflights with
# 200 (not preflight_status) and the configured lists of methods and headers (the
# browser finds the requested ones in them), echoes the origin where corsair serve
# sends `*` (the Vary: Origin keeps caches right), and adds nothing to requests
# without Origin.
# Envoy refuses a regex whose RE2 program size is above the runtime value
# re2.max_program_size.error_level (100 by default): the one of a long list of request
# headers can be; Envoy then rejects the configuration, and a layered_runtime entry of
# the bootstrap raises the limit.
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
        if let Some(rules) = &part.rules {
            for (why, matchers) in refusals(rules) {
                write_refusal(&mut out, part, why, &matchers);
            }
        }
        write_route(&mut out, part);
    }
    out
}

/// The indentation of a route's fields.
const INDENT: &str = "          ";

/// The `- match:` of a route: the part's path prefix, and `headers` if any.
fn write_match(out: &mut String, part: &Part, comment: &str, headers: &[String]) {
    let _ = writeln!(out, "        - match:  # {comment}");
    match part.prefix.as_deref() {
        Some(prefix) if prefix != "/" => {
            let _ = writeln!(out, "{INDENT}  path_separated_prefix: {}", quoted(prefix));
        }
        _ => {
            let _ = writeln!(out, "{INDENT}  prefix: \"/\"");
        }
    }
    if !headers.is_empty() {
        let _ = writeln!(out, "{INDENT}  headers:");
        for header in headers {
            out.push_str(header);
        }
    }
}

/// How a header matcher of a route's `match` tests the value.
enum Test<'a> {
    /// The header is present.
    Present,
    /// The value is this, byte for byte.
    Exact(&'a str),
    /// The whole value matches this RE2 expression.
    Regex(&'a str),
}

/// A header matcher of a route's `match`: `invert` inverts the test (a missing header
/// still fails it, unless `missing_is_empty`).
fn matcher(name: &str, test: Test<'_>, invert: bool, missing_is_empty: bool) -> String {
    let mut out = format!("{INDENT}    - name: {}\n", quoted(name));
    let _ = match test {
        Test::Present => writeln!(out, "{INDENT}      present_match: true"),
        Test::Exact(value) => writeln!(
            out,
            "{INDENT}      string_match:\n{INDENT}        exact: {}",
            quoted(value)
        ),
        Test::Regex(regex) => writeln!(
            out,
            "{INDENT}      string_match:\n{INDENT}        safe_regex:\n{INDENT}          regex: {}",
            quoted(regex)
        ),
    };
    if invert {
        let _ = writeln!(out, "{INDENT}      invert_match: true");
    }
    if missing_is_empty {
        let _ = writeln!(out, "{INDENT}      treat_missing_header_as_empty: true");
    }
    out
}

/// The preflights corsair refuses under `rules` (the CORS filter refuses none), each
/// as the header matchers of a route that answers them 403: the origin, then the
/// method, then the request headers, as corsair checks them (routes are tried in
/// order, so each assumes the checks before it passed). The matchers of a route must
/// all match: "none of the allowed origins" is one inverted matcher per origin.
fn refusals(rules: &Rules) -> Vec<(&'static str, Vec<String>)> {
    let preflight = || {
        vec![
            matcher(":method", Test::Exact("OPTIONS"), false, false),
            matcher("origin", Test::Present, false, false),
            matcher("access-control-request-method", Test::Present, false, false),
        ]
    };
    let mut out = Vec::new();
    if let OriginRule::List(entries) = &rules.origins {
        let mut matchers = preflight();
        for entry in entries {
            if let Some(exact) = envoy_re2::exact_origin(entry) {
                matchers.push(matcher("origin", Test::Exact(&exact), true, false));
            } else if let Some(regex) = envoy_re2::origin_pattern(entry) {
                matchers.push(matcher("origin", Test::Regex(&regex), true, false));
            }
        }
        out.push(("origin not allowed", matchers));
    }
    if let MethodRule::List(list) = &rules.methods {
        let mut matchers = preflight();
        let safelisted = ["GET", "HEAD", "POST"].map(str::to_owned);
        for method in safelisted
            .iter()
            .chain(list.iter().filter(|m| !safelisted.contains(m)))
        {
            matchers.push(matcher(
                "access-control-request-method",
                Test::Exact(method),
                true,
                false,
            ));
        }
        out.push(("method not allowed", matchers));
    }
    let headers = headers_refusal(&rules.headers);
    if let Some(headers) = headers {
        let mut matchers = preflight();
        matchers.push(headers);
        out.push(("request headers not allowed", matchers));
    }
    out
}

/// The matcher of the request headers corsair refuses under `rule`, if any: a list
/// refuses a value that is not a list of its names; `*` without `authorization` a value
/// that names it.
fn headers_refusal(rule: &HeaderRule) -> Option<String> {
    let name = "access-control-request-headers";
    match rule {
        HeaderRule::List(names) => Some(matcher(
            name,
            Test::Regex(&envoy_re2::request_headers(names)),
            true,
            true,
        )),
        HeaderRule::Any {
            authorization: false,
        } => Some(matcher(
            name,
            Test::Regex(envoy_re2::NAMES_AUTHORIZATION),
            false,
            false,
        )),
        HeaderRule::Any {
            authorization: true,
        } => None,
    }
}

/// A route that answers a refused preflight: 403 without CORS headers, with the Vary
/// of corsair's preflight answers.
fn write_refusal(out: &mut String, part: &Part, why: &str, matchers: &[String]) {
    write_match(
        out,
        part,
        &format!("{}: preflight refused, {why}", part.table),
        matchers,
    );
    let _ = writeln!(
        out,
        "{INDENT}direct_response:\n{INDENT}  status: 403\n{INDENT}response_headers_to_add:\n{INDENT}  - header:\n{INDENT}      key: Vary\n{INDENT}      value: {}\n{INDENT}    append_action: APPEND_IF_EXISTS_OR_ADD",
        quoted(part.rules.as_ref().map_or("", Rules::preflight_vary))
    );
}

/// One route entry: the match, the placeholder action, the CORS policy and the
/// response headers.
fn write_route(out: &mut String, part: &Part) {
    write_match(out, part, &part.table, &[]);
    let _ = writeln!(
        out,
        "{INDENT}route:\n{INDENT}  cluster: api  # EDIT: the cluster of the API"
    );
    let Some(rules) = &part.rules else {
        let _ = writeln!(
            out,
            "{INDENT}# CORS is disabled here: the upstream's headers pass as they are."
        );
        return;
    };
    let _ = writeln!(
        out,
        "{INDENT}typed_per_filter_config:\n{INDENT}  envoy.filters.http.cors:\n{INDENT}    \"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy"
    );
    write_policy(out, rules, &format!("{INDENT}    "));
    let _ = writeln!(out, "{INDENT}response_headers_to_remove:");
    for header in Header::ALL {
        let _ = writeln!(out, "{INDENT}  - {}", header.name());
    }
    let _ = writeln!(
        out,
        "{INDENT}response_headers_to_add:\n{INDENT}  - header:\n{INDENT}      key: Vary\n{INDENT}      value: Origin\n{INDENT}    append_action: APPEND_IF_EXISTS_OR_ADD"
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
                if let Some(exact) = envoy_re2::exact_origin(entry) {
                    let _ = writeln!(out, "{indent}  - exact: {}", quoted(&exact));
                } else if let Some(regex) = envoy_re2::origin_pattern(entry) {
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

/// `allow_headers`: the list, which the browser checks the requested headers against,
/// or `*`, which the filter turns into the requested headers (those that name
/// `authorization` without corsair allowing it are refused by a route before); `None`
/// for an empty list.
fn allow_headers(rules: &Rules) -> Option<String> {
    match &rules.headers {
        HeaderRule::List(names) if names.is_empty() => None,
        HeaderRule::List(names) => Some(names.join(",")),
        HeaderRule::Any { .. } => Some("*".to_owned()),
    }
}

/// Envoy's own limits for the policy (the options no edge exports are found by
/// `lossy::findings`).
pub(crate) fn findings(model: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    if model.parts.iter().any(|p| p.rules.is_some()) {
        out.push(target_finding(
            codes::ENVOY_PREFLIGHT_VARY,
            String::new(),
            format!(
                "Envoy's CORS filter answers allowed preflights itself, without Vary, and the route's response_headers_to_add do not reach its answers; corsair serve sends Vary: {}, so that a cache that stores OPTIONS responses keeps one origin's answer from another (refused preflights get it from the export's 403 routes)",
                model
                    .parts
                    .iter()
                    .find_map(|p| p.rules.as_ref().map(Rules::preflight_vary))
                    .unwrap_or_default()
            ),
            "make sure no cache between the browser and Envoy stores OPTIONS responses (HTTP caches do not by default)",
        ));
    }
    out
}
