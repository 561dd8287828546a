//! `corsair export --target envoy`, against a model of Envoy (no Envoy binary is to be
//! had here): for generated policies, the exported routes are run by a model of Envoy's
//! route matching (`RouteMatch` path and header matchers, `direct_response`,
//! `response_headers_to_remove`/`_to_add`) and of its CORS filter (as
//! `source/extensions/filters/http/cors/cors_filter.cc` does it), and corsair's engine
//! decides the same requests. What a browser makes of each answer (status class, whether
//! the preflight or the response passes the CORS check with and without credentials,
//! max-age, exposed headers, the `Vary` tokens corsair sends) must be the same. Requests
//! corsair finds malformed (no browser sends them) are left out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod export_support;
mod serve_support;

use std::collections::BTreeSet;

use common::{TempDir, arg, corsair};
use export_support::generate::{self, Rng};
use export_support::{OWN_CORS, OWN_VARY, Request, STATUS};
use serde_json::Value;

/// How many policies, and requests for each.
const POLICIES: usize = 30;
const REQUESTS: usize = 400;

/// A response: its status and its headers (lowercase names).
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Response {
    fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn tokens(&self, name: &str) -> BTreeSet<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|t| t.trim_matches([' ', '\t']).to_owned())
            .filter(|t| !t.is_empty())
            .collect()
    }

    fn cors(&self) -> Vec<&(String, String)> {
        self.headers
            .iter()
            .filter(|(n, _)| n.starts_with("access-control-"))
            .collect()
    }
}

/// A request header's lines joined with `,` (as Envoy's header matchers read them).
fn header(request: &Request, name: &str) -> Option<String> {
    let lines: Vec<String> = request
        .headers
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        .collect();
    (!lines.is_empty()).then(|| lines.join(","))
}

fn path(request: &Request) -> &str {
    request.path.split('?').next().unwrap()
}

/// The test upstream's answer (`export_support`'s upstream, in process).
fn upstream(request: &Request) -> Response {
    // `close`: the upstream drops the connection; Envoy's router answers 503 itself,
    // through the filters (the CORS filter's headers included).
    if header(request, STATUS).as_deref() == Some("close") {
        return Response {
            status: 503,
            headers: Vec::new(),
        };
    }
    let status = header(request, STATUS).map_or(200, |s| s.parse().unwrap());
    let mut headers = vec![("x-upstream".to_owned(), "yes".to_owned())];
    if header(request, OWN_CORS).is_some() {
        for (name, value) in [
            ("access-control-allow-origin", "https://upstream.example"),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "PATCH, PURGE"),
            ("access-control-allow-headers", "x-upstream-header"),
            ("access-control-expose-headers", "x-upstream"),
            ("access-control-max-age", "5"),
        ] {
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    if let Some(vary) = header(request, OWN_VARY) {
        headers.push(("vary".to_owned(), vary));
    }
    Response { status, headers }
}

/// A `StringMatcher` (`exact` or `safe_regex`, matched against the whole value).
fn string_matches(matcher: &Value, value: &str) -> bool {
    if let Some(exact) = matcher["exact"].as_str() {
        return value == exact;
    }
    let regex = matcher["safe_regex"]["regex"].as_str().unwrap();
    regex::Regex::new(&format!("^(?:{regex})$"))
        .unwrap()
        .is_match(value)
}

/// A `HeaderMatcher` of a route (`:method` is the request's method).
fn header_matches(matcher: &Value, request: &Request) -> bool {
    let name = matcher["name"].as_str().unwrap();
    let value = if name == ":method" {
        Some(request.method.clone())
    } else {
        header(request, name)
    };
    let value = match value {
        Some(v) => v,
        None if matcher["treat_missing_header_as_empty"] == true => String::new(),
        // A missing header fails the matcher, inverted or not.
        None => return false,
    };
    let result = if matcher["present_match"] == true {
        true
    } else {
        string_matches(&matcher["string_match"], &value)
    };
    result != (matcher["invert_match"] == true)
}

/// Whether a route's `match` takes the request.
fn route_matches(route: &Value, request: &Request) -> bool {
    let m = &route["match"];
    let path_ok = if let Some(prefix) = m["prefix"].as_str() {
        request.path.starts_with(prefix)
    } else {
        let prefix = m["path_separated_prefix"].as_str().unwrap();
        let p = path(request);
        p == prefix || p.starts_with(&format!("{prefix}/"))
    };
    path_ok
        && m["headers"]
            .as_array()
            .is_none_or(|hs| hs.iter().all(|h| header_matches(h, request)))
}

/// The route's `response_headers_to_add`.
fn add_route_headers(route: &Value, headers: &mut Vec<(String, String)>) {
    for add in route["response_headers_to_add"]
        .as_array()
        .into_iter()
        .flatten()
    {
        assert_eq!(add["append_action"], "APPEND_IF_EXISTS_OR_ADD");
        let key = add["header"]["key"].as_str().unwrap().to_ascii_lowercase();
        headers.push((key, add["header"]["value"].as_str().unwrap().to_owned()));
    }
}

/// What Envoy answers, by the model.
fn envoy(config: &Value, request: &Request) -> Response {
    let routes = config["route_config"]["virtual_hosts"][0]["routes"]
        .as_array()
        .unwrap();
    let route = routes
        .iter()
        .find(|r| route_matches(r, request))
        .expect("a route for every path");
    if let Some(status) = route["direct_response"]["status"].as_u64() {
        // No CorsPolicy on such a route: the CORS filter passes.
        assert!(route.get("typed_per_filter_config").is_none());
        let mut headers = Vec::new();
        add_route_headers(route, &mut headers);
        return Response {
            status: u16::try_from(status).unwrap(),
            headers,
        };
    }
    let policy = &route["typed_per_filter_config"]["envoy.filters.http.cors"];
    let origin = header(request, "origin").filter(|o| !o.is_empty());
    let matchers = policy["allow_origin_string_match"].as_array();
    let allowed = |origin: &str| {
        matchers
            .into_iter()
            .flatten()
            .any(|m| string_matches(m, "*") || string_matches(m, origin))
    };
    let requested_method = header(request, "access-control-request-method").unwrap_or_default();
    if let (false, Some(origin)) = (policy.is_null(), &origin) {
        if request.method == "OPTIONS" && !requested_method.is_empty() {
            return preflight(policy, request, origin, allowed(origin));
        }
    }
    let origin = origin.filter(|o| !policy.is_null() && allowed(o));
    forwarded(route, policy, request, origin.as_deref())
}

/// A forwarded request's response: the router finalizes the upstream's headers (the
/// route's removals and additions), then the CORS filter adds its own for an allowed
/// `origin`.
fn forwarded(route: &Value, policy: &Value, request: &Request, origin: Option<&str>) -> Response {
    let mut response = upstream(request);
    let remove: Vec<String> = route["response_headers_to_remove"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| h.as_str().unwrap().to_ascii_lowercase())
        .collect();
    response.headers.retain(|(n, _)| !remove.contains(n));
    add_route_headers(route, &mut response.headers);
    if let Some(origin) = origin {
        set(&mut response.headers, "access-control-allow-origin", origin);
        if policy["allow_credentials"] == true {
            set(
                &mut response.headers,
                "access-control-allow-credentials",
                "true",
            );
        }
        if let Some(expose) = policy["expose_headers"].as_str() {
            set(
                &mut response.headers,
                "access-control-expose-headers",
                expose,
            );
        }
    }
    response
}

fn set(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    headers.retain(|(n, _)| n != name);
    headers.push((name.to_owned(), value.to_owned()));
}

/// The CORS filter's own answer to a preflight.
fn preflight(policy: &Value, request: &Request, origin: &str, allowed: bool) -> Response {
    let mut headers = Vec::new();
    let mut put = |name: &str, value: String| headers.push((name.to_owned(), value));
    if allowed {
        put("access-control-allow-origin", origin.to_owned());
    }
    if policy["allow_credentials"] == true {
        put("access-control-allow-credentials", "true".to_owned());
    }
    if let Some(methods) = policy["allow_methods"].as_str() {
        put(
            "access-control-allow-methods",
            if methods == "*" {
                header(request, "access-control-request-method").unwrap_or_default()
            } else {
                methods.to_owned()
            },
        );
    }
    if let Some(names) = policy["allow_headers"].as_str() {
        put(
            "access-control-allow-headers",
            if names == "*" {
                header(request, "access-control-request-headers").unwrap_or_default()
            } else {
                names.to_owned()
            },
        );
    }
    if let Some(age) = policy["max_age"].as_str() {
        put("access-control-max-age", age.to_owned());
    }
    assert_eq!(policy["forward_not_matching_preflights"], false);
    Response {
        status: 200,
        headers,
    }
}

/// What corsair answers; `None` for a request it finds malformed.
fn reference(policy: &corsair::Policy, request: &Request) -> Option<Response> {
    let mut map = http::HeaderMap::new();
    for (name, value) in &request.headers {
        map.append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_bytes(value).unwrap(),
        );
    }
    let method = http::Method::from_bytes(request.method.as_bytes()).unwrap();
    let decision = policy.decide(&method, path(request), &map);
    if matches!(
        decision.reason(),
        corsair::Reason::MalformedOrigin
            | corsair::Reason::MalformedMethod
            | corsair::Reason::MalformedRequestHeaders
            | corsair::Reason::RequestHeadersTooLong
    ) {
        return None;
    }
    let to_pairs = |map: &http::HeaderMap| -> Vec<(String, String)> {
        map.iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect()
    };
    Some(match decision.action() {
        corsair::Action::Respond(status) => {
            let mut map = http::HeaderMap::new();
            decision.into_headers().apply_to(&mut map);
            Response {
                status: status.as_u16(),
                headers: to_pairs(&map),
            }
        }
        corsair::Action::Forward => {
            let up = upstream(request);
            let mut map = http::HeaderMap::new();
            for (n, v) in &up.headers {
                map.append(
                    http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                    http::HeaderValue::from_str(v).unwrap(),
                );
            }
            decision.into_headers().apply_to(&mut map);
            Response {
                status: up.status,
                headers: to_pairs(&map),
            }
        }
    })
}

/// Whether a browser shares the response with the origin (`include`: credentials mode).
fn shares(response: &Response, origin: &str, include: bool) -> bool {
    let origin_ok = match response.get("access-control-allow-origin") {
        Some("*") => !include,
        Some(value) => value == origin,
        None => false,
    };
    origin_ok && (!include || response.get("access-control-allow-credentials") == Some("true"))
}

/// Whether a browser accepts a preflight answer for the request (Fetch's CORS-preflight
/// fetch: an ok status, the CORS check, the method and the headers).
fn preflight_passes(response: &Response, request: &Request, origin: &str, include: bool) -> bool {
    if response.status / 100 != 2 || !shares(response, origin, include) {
        return false;
    }
    let method = header(request, "access-control-request-method").unwrap();
    let methods = response.tokens("access-control-allow-methods");
    let method_ok = matches!(method.as_str(), "GET" | "HEAD" | "POST")
        || methods.contains(&method)
        || (!include && methods.contains("*"));
    let allowed: BTreeSet<String> = response
        .tokens("access-control-allow-headers")
        .into_iter()
        .map(|t| t.to_ascii_lowercase())
        .collect();
    let requested = header(request, "access-control-request-headers").unwrap_or_default();
    let headers_ok = requested
        .split(',')
        .map(|t| t.trim_matches([' ', '\t']).to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .all(|name| {
            allowed.contains(&name)
                || (!include && allowed.contains("*") && name != "authorization")
        });
    method_ok && headers_ok
}

/// How many answers of each kind the reference gave, so that the test shows coverage.
#[derive(Debug, Default)]
struct Coverage {
    allowed_preflights: usize,
    refused_preflights: usize,
    shared: usize,
    not_shared: usize,
}

/// The differences between the two answers to one request, as a browser sees them.
fn compare(
    request: &Request,
    expected: &Response,
    actual: &Response,
    coverage: &mut Coverage,
) -> Vec<String> {
    let mut out = Vec::new();
    if expected.status / 100 != actual.status / 100 {
        out.push(format!(
            "status {} where corsair sends {}",
            actual.status, expected.status
        ));
    }
    let Some(origin) = header(request, "origin").filter(|o| !o.is_empty()) else {
        return out;
    };
    let is_preflight = request.method == "OPTIONS"
        && header(request, "access-control-request-method").is_some_and(|m| !m.is_empty());
    if is_preflight {
        compare_preflight(request, &origin, expected, actual, &mut out);
    } else {
        compare_actual(&origin, expected, actual, &mut out);
    }
    let lower = |r: &Response| -> BTreeSet<String> {
        r.tokens("vary")
            .into_iter()
            .map(|t| t.to_ascii_lowercase())
            .collect()
    };
    // Envoy's answers to allowed preflights have no Vary (export-lossy-envoy-preflight-vary).
    let allowed_preflight = is_preflight && expected.status / 100 == 2;
    if !allowed_preflight && !lower(expected).is_subset(&lower(actual)) {
        out.push(format!(
            "Vary {:?} lacks corsair's {:?}",
            lower(actual),
            lower(expected)
        ));
    }
    let passes = |include| preflight_passes(expected, request, &origin, include);
    let shared = |include| shares(expected, &origin, include);
    match is_preflight {
        true if passes(false) || passes(true) => coverage.allowed_preflights += 1,
        true => coverage.refused_preflights += 1,
        false if shared(false) || shared(true) => coverage.shared += 1,
        false => coverage.not_shared += 1,
    }
    out
}

/// A preflight: passes for the browser alike, in both credentials modes, with the same
/// max-age; a refused one without CORS headers.
fn compare_preflight(
    request: &Request,
    origin: &str,
    expected: &Response,
    actual: &Response,
    out: &mut Vec<String>,
) {
    for include in [false, true] {
        let e = preflight_passes(expected, request, origin, include);
        let a = preflight_passes(actual, request, origin, include);
        if e != a {
            out.push(format!(
                "preflight passes (credentials {include}): {a}, corsair: {e}"
            ));
        }
        if e && a && expected.get("access-control-max-age") != actual.get("access-control-max-age")
        {
            out.push("max-age differs".to_owned());
        }
    }
    if expected.status == 403 && !actual.cors().is_empty() {
        out.push("CORS headers on a refused preflight".to_owned());
    }
}

/// Another request with an origin: shared alike, in both credentials modes, with the
/// same exposed headers.
fn compare_actual(origin: &str, expected: &Response, actual: &Response, out: &mut Vec<String>) {
    for include in [false, true] {
        let e = shares(expected, origin, include);
        let a = shares(actual, origin, include);
        if e != a {
            out.push(format!("shared (credentials {include}): {a}, corsair: {e}"));
        }
        if e && a
            && expected.tokens("access-control-expose-headers")
                != actual.tokens("access-control-expose-headers")
        {
            out.push("exposed headers differ".to_owned());
        }
    }
}

#[test]
fn envoy_answers_as_corsair_for_a_browser() {
    let dir = TempDir::new("export-envoy-model");
    let mut rng = Rng::new(0x00e1_7e0a);
    let mut coverage = Coverage::default();
    let mut failures = Vec::new();
    let mut policies = 0;
    while policies < POLICIES {
        let generated = generate::policy(&mut rng);
        let Ok(policy) = corsair::Config::from_toml_str(&generated.toml).and_then(|c| c.build())
        else {
            continue;
        };
        let config = dir.write("corsair.toml", &generated.toml);
        let out = dir.path("envoy.yaml");
        let run = corsair([
            "export",
            "--config",
            &arg(&config),
            "--target",
            "envoy",
            "--out",
            &arg(&out),
            "--allow-lossy",
        ]);
        if run.code != 0 {
            // Invalid for the command (a lint error the library builder accepts).
            continue;
        }
        // A policy with an option no edge exports (cross-origin write protection, ...)
        // differs where its finding says: not compared.
        let other_limits = run
            .stderr
            .lines()
            .filter_map(|l| l.strip_prefix("warning[")?.split(']').next())
            .any(|code| {
                code.starts_with("export-lossy-") && code != "export-lossy-envoy-preflight-vary"
            });
        if other_limits {
            continue;
        }
        policies += 1;
        let text = std::fs::read_to_string(&out).unwrap();
        let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let envoy_config = serde_json::to_value(yaml).unwrap();
        for request in generate::requests(
            &mut rng,
            &generated,
            REQUESTS,
            // Requests no browser sends (empty values, repeated lines) are left out:
            // the model reads headers as Envoy's matchers do, one value each.
            generate::Shapes {
                empty_values: false,
                repeated_lines: false,
            },
        ) {
            let Some(expected) = reference(&policy, &request) else {
                continue;
            };
            let actual = envoy(&envoy_config, &request);
            let differences = compare(&request, &expected, &actual, &mut coverage);
            if !differences.is_empty() && failures.len() < 10 {
                failures.push(format!(
                    "{}\n{request}corsair: {expected:?}\nenvoy:   {actual:?}\n{differences:?}",
                    generated.toml
                ));
            }
        }
    }
    eprintln!("{coverage:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        coverage.allowed_preflights > 500
            && coverage.refused_preflights > 500
            && coverage.shared > 500
            && coverage.not_shared > 500,
        "{coverage:?}"
    );
}
