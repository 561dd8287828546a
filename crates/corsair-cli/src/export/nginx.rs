//! The nginx target: two fragments, one for `http {}` (the `map` blocks that decide,
//! request by request) and one for `server {}` (preflights answered at the edge, the
//! upstream's CORS headers hidden, corsair's added on every status).

use std::fmt::Write as _;

use super::answer::{self, Case, Header, Value};
use super::model::{Model, Part};
use super::nginx_protection as write_protection;
use super::pcre;

/// Where each fragment goes, for the header comments.
pub(crate) const HTTP_PLACE: &str = "the http {} block";
/// See [`HTTP_PLACE`].
pub(crate) const SERVER_PLACE: &str = "each server {} block that proxies the API";

/// How the two nginx fragments work together, and nginx's traps.
pub(crate) const NOTES: &str = "\
#
# The maps (http {}) decide; the server {} part answers preflights before any
# location is chosen (they never reach the upstream), hides the upstream's own CORS
# headers and adds corsair's on every status (`always`).
# nginx's traps: a location with add_header or proxy_hide_header of its own inherits
# none of these: include the server {} file in that location too (it is valid there).
# Routes match nginx's $uri (decoded, slashes merged), which for unusual paths
# (percent-encoded bytes, `//`) differs from the raw path corsair serve matches.
# nginx 1.22 reads only the first line of a repeated request header, and cannot tell
# an empty header from a missing one: requests no browser sends (two Origin lines; an
# empty Origin, Access-Control-Request-Method or Sec-Fetch-Site) get the answer of
# their first line, or of no header, where corsair serve refuses them.
";

/// The route variable's value for a part: `r0`, `r1`, ...
pub(crate) fn route_id(index: usize) -> String {
    format!("r{index}")
}

/// A PCRE regex as an nginx quoted string: backslashes and quotes escaped.
pub(crate) fn quoted(regex: &str) -> String {
    format!("\"{}\"", regex.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The `http {}` fragment: every `map`.
pub(crate) fn http_fragment(model: &Model) -> String {
    let mut out = String::new();
    write_route_map(&mut out, model);
    write_kind_maps(&mut out);
    write_check_maps(&mut out, model);
    write_protection::write_maps(&mut out, model);
    write_case_map(&mut out, model);
    for header in Header::ALL {
        write_header_map(&mut out, model, header);
    }
    write_vary_maps(&mut out, model);
    write_answer_map(&mut out, model);
    out
}

/// The `server {}` fragment.
pub(crate) fn server_fragment(model: &Model) -> String {
    let mut out = String::new();
    let mut statuses: Vec<u16> = model
        .parts
        .iter()
        .filter_map(|p| p.rules.as_ref())
        .flat_map(|r| {
            Case::ALL
                .into_iter()
                .filter_map(|c| answer::edge_status(r, c))
        })
        .collect();
    statuses.sort_unstable();
    statuses.dedup();
    out.push_str(
        "# Preflights are answered here and never forwarded (refused ones with 403), and so\n# are cross-origin writes that cross_origin_protection refuses (403).\n",
    );
    for status in statuses {
        let _ = writeln!(
            out,
            "if ($corsair_answer = {status}) {{\n    return {status};\n}}"
        );
    }
    out.push_str("\n# The upstream's own CORS headers are replaced by corsair's.\n");
    for header in Header::ALL {
        let _ = writeln!(out, "proxy_hide_header {};", header.name());
    }
    out.push_str("\n# corsair's CORS headers, on every status (an empty value adds no header).\n");
    for header in Header::ALL {
        let _ = writeln!(
            out,
            "add_header {} {} always;",
            header.name(),
            variable(header)
        );
    }
    out.push_str("add_header Vary $corsair_vary always;\n");
    out
}

/// The variable holding a header's value.
fn variable(header: Header) -> String {
    let name = header
        .name()
        .trim_start_matches("Access-Control-")
        .to_ascii_lowercase()
        .replace('-', "_");
    format!("$corsair_{name}")
}

/// `$corsair_route`: which part of the policy the path falls under.
fn write_route_map(out: &mut String, model: &Model) {
    out.push_str("# Which part of the policy applies: routes, longest prefix first.\n");
    out.push_str("map $uri $corsair_route {\n");
    for (i, part) in model.parts.iter().enumerate() {
        match &part.prefix {
            Some(prefix) if prefix == "/" => {
                let _ = writeln!(out, "    {} {};", quoted("~^/"), route_id(i));
            }
            Some(prefix) => {
                let regex = format!("~^{}(?:/|$)", pcre::escape(prefix));
                let _ = writeln!(
                    out,
                    "    {} {};  # {}",
                    quoted(&regex),
                    route_id(i),
                    part.table
                );
            }
            None => {
                let _ = writeln!(out, "    default {};  # {}", route_id(i), part.table);
            }
        }
    }
    out.push_str("}\n\n");
}

/// `$corsair_kind`: `n` without Origin, `p` for a preflight, `a` for an actual request.
fn write_kind_maps(out: &mut String) {
    out.push_str(
        "\
# The kind of request: n (no Origin), p (preflight: OPTIONS with
# Access-Control-Request-Method), a (actual).
map $http_origin $corsair_has_origin {
    \"\" 0;
    default 1;
}
map $request_method $corsair_is_options {
    \"~^OPTIONS$\" 1;
    default 0;
}
map $http_access_control_request_method $corsair_has_request_method {
    \"\" 0;
    default 1;
}
map \"$corsair_has_origin$corsair_is_options$corsair_has_request_method\" $corsair_kind {
    \"~^0\" n;
    111 p;
    default a;
}
map $http_access_control_request_private_network $corsair_private_network_asked {
    \"~^true$\" true;
    default \"\";
}
map $http_access_control_request_headers $corsair_names_headers {
    \"~[^ \\t,]\" 1;
    default 0;
}

",
    );
}

/// The origin, method and request-headers checks of each part.
fn write_check_maps(out: &mut String, model: &Model) {
    let enabled = || {
        model
            .parts
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.rules.as_ref().map(|r| (route_id(i), r)))
    };
    out.push_str("# Whether the origin is allowed (exactly the origins corsair allows).\n");
    out.push_str("map \"$corsair_route|$http_origin\" $corsair_origin_ok {\n");
    for (id, rules) in enabled() {
        let start = format!("(?<=^{id}\\|)");
        if let Some(regex) = pcre::origins(&rules.origins, &rules.origin_regexes, &start) {
            let _ = writeln!(out, "    {} 1;", quoted(&format!("~^{id}\\|{regex}$")));
        }
    }
    out.push_str("    default 0;\n}\n\n");
    out.push_str("# Whether the requested method is allowed (byte for byte).\n");
    out.push_str(
        "map \"$corsair_route|$http_access_control_request_method\" $corsair_method_ok {\n",
    );
    for (id, rules) in enabled() {
        let regex = pcre::methods(&rules.methods);
        let _ = writeln!(out, "    {} 1;", quoted(&format!("~^{id}\\|{regex}$")));
        if rules.debug {
            // Debug mode: a method that is not allowed but well-formed.
            let regex = pcre::any_method();
            let _ = writeln!(out, "    {} 2;", quoted(&format!("~^{id}\\|{regex}$")));
        }
    }
    out.push_str("    default 0;\n}\n\n");
    out.push_str("# Whether every requested header is allowed (names without case).\n");
    out.push_str(
        "map \"$corsair_route|$http_access_control_request_headers\" $corsair_headers_ok {\n",
    );
    for (id, rules) in enabled() {
        let regex = pcre::request_headers(&rules.headers);
        let _ = writeln!(out, "    {} 1;", quoted(&format!("~^{id}\\|{regex}$")));
        // Debug mode: the first refused element is a name that is not allowed.
        if let Some(regex) = rules
            .debug
            .then(|| pcre::first_refused_header_is_a_name(&rules.headers))
            .flatten()
        {
            let _ = writeln!(out, "    {} 2;", quoted(&format!("~^{id}\\|{regex}")));
        }
    }
    out.push_str("    default 0;\n}\n\n");
}

/// `$corsair_case`: the part and the case (`r0-actual`, ...); empty where CORS is off.
fn write_case_map(out: &mut String, model: &Model) {
    out.push_str("# The case: part, kind of request, and the checks' verdicts.\n");
    out.push_str(
        "map \"$corsair_route:$corsair_kind$corsair_origin_ok$corsair_method_ok$corsair_headers_ok$corsair_names_headers:$corsair_cross_origin_write\" $corsair_case {\n",
    );
    for (i, part) in model.parts.iter().enumerate() {
        if part.rules.is_none() {
            continue;
        }
        let id = route_id(i);
        if write_protection::is_on(part) {
            // Before the others: an unsafe method, cross-origin, on a path not exempt,
            // without an allowed origin (and not a preflight).
            for flags in ["n[^:]*", "a0[^:]*"] {
                let _ = writeln!(
                    out,
                    "    {} {id}-{};",
                    quoted(&format!("~^{id}:{flags}:1$")),
                    Case::WriteRefused.name()
                );
            }
        }
        let rows = [
            ("n", Case::NonCors),
            ("a1", Case::Actual),
            ("a0", Case::Refused),
            ("p1110", Case::Preflight),
            ("p1111", Case::PreflightWithHeaders),
            // Only debug parts have the verdict 2 (not allowed, but well-formed).
            ("p12", Case::DebugMethod),
            ("p112", Case::DebugHeaders),
            ("p", Case::PreflightRefused),
        ];
        for (flags, case) in rows {
            let _ = writeln!(
                out,
                "    {} {id}-{};",
                quoted(&format!("~^{id}:{flags}")),
                case.name()
            );
        }
    }
    out.push_str("    default \"\";\n}\n\n");
}

/// The nginx form of a header value.
fn nginx_value(value: &Value, header: Header) -> String {
    match value {
        Value::Text(text) => quoted(text),
        Value::Origin => "$http_origin".to_owned(),
        Value::RequestMethod => "$http_access_control_request_method".to_owned(),
        Value::RequestHeaders => "$http_access_control_request_headers".to_owned(),
        Value::PrivateNetworkAsked => "$corsair_private_network_asked".to_owned(),
        Value::Upstream => format!(
            "$upstream_http_{}",
            header.name().to_ascii_lowercase().replace('-', "_")
        ),
        Value::Removed => "\"\"".to_owned(),
    }
}

/// The map of one header's value, case by case; the upstream's where CORS is off.
fn write_header_map(out: &mut String, model: &Model, header: Header) {
    let _ = writeln!(out, "map $corsair_case {} {{", variable(header));
    let _ = writeln!(
        out,
        "    default {};",
        nginx_value(&Value::Upstream, header)
    );
    for (i, part) in model.parts.iter().enumerate() {
        write_header_rows(out, &route_id(i), part, header);
    }
    out.push_str("}\n\n");
}

fn write_header_rows(out: &mut String, id: &str, part: &Part, header: Header) {
    let Some(rules) = &part.rules else {
        return;
    };
    for case in Case::ALL {
        let value = answer::value(Some(rules), case, header);
        if value != Value::Upstream {
            let _ = writeln!(
                out,
                "    {id}-{} {};",
                case.name(),
                nginx_value(&value, header)
            );
        }
    }
}

/// `$corsair_vary`: corsair's `Vary` tokens, unless the upstream's `Vary` is `*`.
fn write_vary_maps(out: &mut String, model: &Model) {
    out.push_str(
        "\
# corsair's Vary tokens, added to the upstream's unless the upstream varies on `*`.
map $upstream_http_vary $corsair_upstream_varies_on_all {
    \"~(?:^|,)[ \\t]*\\\\*[ \\t]*(?:,|$)\" 1;
    default 0;
}
map \"$corsair_upstream_varies_on_all:$corsair_case\" $corsair_vary {
    \"~^1:\" \"\";
",
    );
    for (i, part) in model.parts.iter().enumerate() {
        let Some(rules) = &part.rules else {
            continue;
        };
        for case in Case::ALL {
            let vary = answer::vary(Some(rules), case);
            if !vary.is_empty() {
                let _ = writeln!(
                    out,
                    "    \"0:{}-{}\" {};",
                    route_id(i),
                    case.name(),
                    quoted(vary)
                );
            }
        }
    }
    out.push_str("    default \"\";\n}\n\n");
}

/// `$corsair_answer`: the status of the edge's own answer.
fn write_answer_map(out: &mut String, model: &Model) {
    out.push_str("# The status of the edge's own answer (empty: the request is forwarded).\n");
    out.push_str("map $corsair_case $corsair_answer {\n");
    for (i, part) in model.parts.iter().enumerate() {
        let Some(rules) = &part.rules else {
            continue;
        };
        for case in Case::ALL
            .into_iter()
            .filter(|c| c.is_answered_at_the_edge())
        {
            if let Some(status) = answer::edge_status(rules, case) {
                let _ = writeln!(out, "    {}-{} {status};", route_id(i), case.name());
            }
        }
    }
    out.push_str("    default \"\";\n}\n");
}
