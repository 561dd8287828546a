//! The HAProxy target: the lines of a `frontend` (or `listen`) section that decide
//! request by request (variables and ACLs), answer preflights and refused writes at the
//! edge (`http-request return`), and set corsair's CORS headers on every response,
//! HAProxy's own errors included (`http-after-response`).

use std::fmt::Write as _;

use super::answer::{self, Case, Header, Value};
use super::model::{Model, Part, Rules};
use super::pcre;

/// Where the fragment goes, for the header comment.
pub(crate) const PLACE: &str = "the frontend (or listen) section that serves the API, before its other http-request rules (HAProxy has no include: paste it)";

/// What the header comment says of HAProxy.
pub(crate) const NOTES: &str = "\
#
# The variables and ACLs decide; `http-request return` answers preflights (never
# forwarded) and refused writes; `http-after-response` sets corsair's CORS headers on
# every response, HAProxy's own errors included, replacing the upstream's.
# Routes match HAProxy's `path` (raw, without the query); corsair serve first resolves
# dot segments. Several Access-Control-Request-Headers lines (no browser sends them)
# are refused here; corsair serve reads them as one list.
";

/// The part variable's value: `r0`, `r1`, ...
fn part_id(index: usize) -> String {
    format!("r{index}")
}

/// A PCRE regex as one HAProxy word: single-quoted (nothing inside is interpreted), its
/// own quotes written `\x27`.
fn quoted(regex: &str) -> String {
    format!("'{}'", regex.replace("\\'", "\\x27").replace('\'', "\\x27"))
}

/// The fragment.
pub(crate) fn fragment(model: &Model) -> String {
    let mut out = String::new();
    write_parts(&mut out, model);
    write_request_acls(&mut out, model);
    write_protection(&mut out, model);
    for (i, part) in model.parts.iter().enumerate() {
        if let Some(rules) = &part.rules {
            write_cases(&mut out, &part_id(i), part, rules);
        }
    }
    write_answers(&mut out, model);
    write_headers(&mut out, model);
    out
}

/// `txn.corsair_part`: which part of the policy the path falls under.
fn write_parts(out: &mut String, model: &Model) {
    out.push_str("# Which part of the policy applies: routes, longest prefix first.\n");
    out.push_str("acl corsair_part_set var(txn.corsair_part) -m found\n");
    for (i, part) in model.parts.iter().enumerate() {
        let condition = match &part.prefix {
            Some(prefix) if prefix == "/" => String::new(),
            Some(prefix) => format!(
                " {{ path -m reg {} }}",
                quoted(&format!("^{}(?:/|$)", pcre::escape(prefix)))
            ),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "http-request set-var(txn.corsair_part) str({}) if !corsair_part_set{condition}  # {}",
            part_id(i),
            part.table
        );
    }
    out.push('\n');
}

/// The request's values and the checks of each part.
fn write_request_acls(out: &mut String, model: &Model) {
    out.push_str(
        "\
# The request's CORS headers, and the checks of each part (exactly what corsair allows).
acl corsair_has_origin req.fhdr_cnt(origin) gt 0
acl corsair_one_origin req.fhdr_cnt(origin) eq 1
acl corsair_asks_method req.fhdr_cnt(access-control-request-method) gt 0
acl corsair_one_method req.fhdr_cnt(access-control-request-method) eq 1
acl corsair_no_headers req.fhdr_cnt(access-control-request-headers) eq 0
acl corsair_one_headers req.fhdr_cnt(access-control-request-headers) eq 1
acl corsair_names_headers req.fhdr(access-control-request-headers) -m reg '[^ \\t,]'
acl corsair_case_set var(txn.corsair_case) -m found
acl corsair_method_token req.fhdr(access-control-request-method) -m reg '^[!#$%&\\x27*+.^_`|~0-9A-Za-z-]+$'
http-request set-var(txn.corsair_origin) req.fhdr(origin) if corsair_one_origin
http-request set-var(txn.corsair_request_method) req.fhdr(access-control-request-method) if corsair_one_method
http-request set-var(txn.corsair_request_headers) req.fhdr(access-control-request-headers) if corsair_one_headers
http-request set-var(txn.corsair_private_network) str(true) if { req.fhdr(access-control-request-private-network,1) -m str true }
",
    );
    for (i, part) in model.parts.iter().enumerate() {
        let Some(rules) = &part.rules else {
            continue;
        };
        let id = part_id(i);
        let _ = writeln!(
            out,
            "acl corsair_part_{id} var(txn.corsair_part) -m str {id}"
        );
        if let Some(regex) = pcre::origins(&rules.origins, &rules.origin_regexes, "^") {
            let _ = writeln!(
                out,
                "acl corsair_origin_ok_{id} req.fhdr(origin) -m reg {}",
                quoted(&format!("^{regex}$"))
            );
        }
        let _ = writeln!(
            out,
            "acl corsair_method_ok_{id} req.fhdr(access-control-request-method) -m reg {}",
            quoted(&format!("^{}$", pcre::methods(&rules.methods)))
        );
        let _ = writeln!(
            out,
            "acl corsair_headers_ok_{id} req.fhdr(access-control-request-headers) -m reg {}",
            quoted(&format!("^{}$", pcre::request_headers(&rules.headers)))
        );
        if let Some(regex) = rules
            .debug
            .then(|| pcre::first_refused_header_is_a_name(&rules.headers))
            .flatten()
        {
            let _ = writeln!(
                out,
                "acl corsair_headers_debug_{id} req.fhdr(access-control-request-headers) -m reg {}",
                quoted(&format!("^{regex}"))
            );
        }
    }
    out.push('\n');
}

/// Whether any part protects writes.
fn protects_writes(model: &Model) -> bool {
    model.parts.iter().any(|p| {
        p.rules
            .as_ref()
            .is_some_and(|r| r.write_protection.is_some())
    })
}

/// `txn.corsair_cross`: an unsafe method the browser marks as cross-origin.
fn write_protection(out: &mut String, model: &Model) {
    if !protects_writes(model) {
        return;
    }
    out.push_str(
        "\
# Cross-origin write protection: an unsafe method (not GET, HEAD, OPTIONS) is
# cross-origin when Sec-Fetch-Site says so (anything but same-origin and none), or,
# without Sec-Fetch-Site, when the Origin is not http(s):// and the Host (any case).
acl corsair_safe_method method GET HEAD OPTIONS
acl corsair_site req.fhdr_cnt(sec-fetch-site) gt 0
acl corsair_site_same req.fhdr(sec-fetch-site,1) -m str same-origin none
http-request set-var(txn.corsair_host) req.fhdr(host),lower if { req.fhdr_cnt(host) eq 1 }
http-request set-var(txn.corsair_origin_host) req.fhdr(origin,1),lower,regsub(^https?://,) if { req.fhdr(origin,1) -m reg ^https?:// }
acl corsair_same_host var(txn.corsair_origin_host),strcmp(txn.corsair_host) eq 0
http-request set-var(txn.corsair_cross) bool(true) if !corsair_safe_method corsair_site !corsair_site_same
http-request set-var(txn.corsair_cross) bool(true) if !corsair_safe_method !corsair_site corsair_has_origin !corsair_same_host
acl corsair_cross var(txn.corsair_cross) -m bool

",
    );
    for (i, part) in model.parts.iter().enumerate() {
        let Some(exempt) = part
            .rules
            .as_ref()
            .and_then(|r| r.write_protection.as_ref())
        else {
            continue;
        };
        if exempt.is_empty() {
            continue;
        }
        let prefixes: Vec<String> = exempt
            .iter()
            .map(|p| match p.as_str() {
                "/" => "/".to_owned(),
                p => format!("{}(?:/|$)", pcre::escape(p)),
            })
            .collect();
        let _ = writeln!(
            out,
            "acl corsair_exempt_{} path -m reg {}",
            part_id(i),
            quoted(&format!("^(?:{})", prefixes.join("|")))
        );
    }
}

/// `txn.corsair_case`: the part and the case (`r0-actual`, ...), first rule that applies.
fn write_cases(out: &mut String, id: &str, part: &Part, rules: &Rules) {
    let _ = writeln!(out, "# The case, under {}.", part.table);
    let set = |out: &mut String, case: Case, conditions: &[String]| {
        let _ = writeln!(
            out,
            "http-request set-var(txn.corsair_case) str({id}-{}) if {}",
            case.name(),
            conditions.join(" || ")
        );
    };
    let base = format!("corsair_part_{id} !corsair_case_set");
    let origin_ok = if rules.static_any() {
        // A static `*` answers several `Origin` headers too.
        format!("corsair_origin_ok_{id}")
    } else if pcre::origins(&rules.origins, &rules.origin_regexes, "^").is_some() {
        format!("corsair_one_origin corsair_origin_ok_{id}")
    } else {
        // No origin allowed: an ACL that never matches.
        "!corsair_has_origin corsair_has_origin".to_owned()
    };
    if let Some(conditions) = write_refused(id, &base, rules) {
        set(out, Case::WriteRefused, &conditions);
    }
    let preflight = format!(
        "{base} METH_OPTIONS corsair_has_origin corsair_asks_method {origin_ok} corsair_one_method corsair_method_ok_{id}"
    );
    set(
        out,
        Case::PreflightWithHeaders,
        &[format!(
            "{preflight} corsair_one_headers corsair_headers_ok_{id} corsair_names_headers"
        )],
    );
    set(
        out,
        Case::Preflight,
        &[
            format!("{preflight} corsair_no_headers"),
            format!(
                "{preflight} corsair_one_headers corsair_headers_ok_{id} !corsair_names_headers"
            ),
        ],
    );
    if rules.debug {
        write_debug_cases(out, id, &base, &origin_ok, rules);
    }
    set(
        out,
        Case::PreflightRefused,
        &[format!(
            "{base} METH_OPTIONS corsair_has_origin corsair_asks_method"
        )],
    );
    set(
        out,
        Case::Actual,
        &[format!("{base} corsair_has_origin {origin_ok}")],
    );
    set(out, Case::Refused, &[format!("{base} corsair_has_origin")]);
    set(out, Case::NonCors, &[base]);
    out.push('\n');
}

/// Debug mode: a preflight from an allowed origin refused for a method that is not
/// allowed (but well-formed), or for a header name that is not allowed, gets an ok
/// answer with the full lists.
fn write_debug_cases(out: &mut String, id: &str, base: &str, origin_ok: &str, rules: &Rules) {
    let preflight = format!(
        "{base} METH_OPTIONS corsair_has_origin corsair_asks_method {origin_ok} corsair_one_method"
    );
    let _ = writeln!(
        out,
        "http-request set-var(txn.corsair_case) str({id}-{}) if {preflight} corsair_method_token !corsair_method_ok_{id}",
        Case::DebugMethod.name()
    );
    if pcre::first_refused_header_is_a_name(&rules.headers).is_some() {
        let _ = writeln!(
            out,
            "http-request set-var(txn.corsair_case) str({id}-{}) if {preflight} corsair_method_ok_{id} corsair_one_headers corsair_headers_debug_{id}",
            Case::DebugHeaders.name()
        );
    }
}

/// The conditions of a refused write, when the part protects writes: an unsafe method,
/// cross-origin, on a path not exempt, without an allowed origin.
fn write_refused(id: &str, base: &str, rules: &Rules) -> Option<Vec<String>> {
    let exempt = rules.write_protection.as_ref()?;
    let exempt = if exempt.is_empty() {
        String::new()
    } else {
        format!(" !corsair_exempt_{id}")
    };
    let refused = format!("{base} corsair_cross{exempt}");
    Some(if rules.static_any() {
        // Every `Origin` is allowed: only a request without one can be refused
        // (`Sec-Fetch-Site` says cross-site).
        vec![format!("{refused} !corsair_has_origin")]
    } else if pcre::origins(&rules.origins, &rules.origin_regexes, "^").is_some() {
        vec![
            format!("{refused} !corsair_one_origin"),
            format!("{refused} !corsair_origin_ok_{id}"),
        ]
    } else {
        vec![refused]
    })
}

/// The edge's own answers: allowed preflights, refused preflights and writes.
fn write_answers(out: &mut String, model: &Model) {
    out.push_str("# Preflights and refused writes are answered here, never forwarded.\n");
    for (i, part) in model.parts.iter().enumerate() {
        let Some(rules) = &part.rules else {
            continue;
        };
        for case in Case::ALL
            .into_iter()
            .filter(|c| c.is_answered_at_the_edge())
        {
            if let Some(status) = answer::edge_status(rules, case) {
                let _ = writeln!(
                    out,
                    "http-request return status {status} if {{ var(txn.corsair_case) -m str {}-{} }}",
                    part_id(i),
                    case.name()
                );
            }
        }
    }
    out.push('\n');
}

/// The HAProxy form of a header value (a log-format string).
fn haproxy_value(value: &Value) -> Option<String> {
    match value {
        Value::Text(text) => Some(format!("\"{}\"", text.replace('%', "%%"))),
        Value::Origin => Some("%[var(txn.corsair_origin)]".to_owned()),
        Value::RequestMethod => Some("%[var(txn.corsair_request_method)]".to_owned()),
        Value::RequestHeaders => Some("%[var(txn.corsair_request_headers)]".to_owned()),
        Value::PrivateNetworkAsked => Some("\"true\"".to_owned()),
        Value::Upstream | Value::Removed => None,
    }
}

/// corsair's headers on every response, case by case, and its `Vary` tokens.
fn write_headers(out: &mut String, model: &Model) {
    out.push_str("# corsair's CORS headers, on every response (the upstream's replaced).\n");
    for header in Header::ALL {
        // Each distinct value, with the cases that send it.
        let mut rows: Vec<(Value, Vec<String>)> = Vec::new();
        for (i, part) in model.parts.iter().enumerate() {
            let Some(rules) = &part.rules else {
                continue;
            };
            for case in Case::ALL {
                let value = answer::value(Some(rules), case, header);
                if value == Value::Upstream {
                    continue;
                }
                let name = format!("{}-{}", part_id(i), case.name());
                match rows.iter_mut().find(|(v, _)| *v == value) {
                    Some((_, cases)) => cases.push(name),
                    None => rows.push((value, vec![name])),
                }
            }
        }
        for (value, cases) in rows {
            let mut condition = format!("{{ var(txn.corsair_case) -m str {} }}", cases.join(" "));
            if value == Value::PrivateNetworkAsked {
                condition.push_str(" { var(txn.corsair_private_network) -m found }");
            }
            let _ = match haproxy_value(&value) {
                Some(v) => writeln!(
                    out,
                    "http-after-response set-header {} {v} if {condition}",
                    header.name()
                ),
                None => writeln!(
                    out,
                    "http-after-response del-header {} if {condition}",
                    header.name()
                ),
            };
        }
    }
    write_vary(out, model);
}

/// corsair's `Vary` tokens, added unless the response varies on `*`.
fn write_vary(out: &mut String, model: &Model) {
    let mut rows: Vec<(&'static str, Vec<String>)> = Vec::new();
    for (i, part) in model.parts.iter().enumerate() {
        let Some(rules) = &part.rules else {
            continue;
        };
        for case in Case::ALL {
            let vary = answer::vary(Some(rules), case);
            if vary.is_empty() {
                continue;
            }
            let name = format!("{}-{}", part_id(i), case.name());
            match rows.iter_mut().find(|(v, _)| *v == vary) {
                Some((_, cases)) => cases.push(name),
                None => rows.push((vary, vec![name])),
            }
        }
    }
    for (vary, cases) in rows {
        let _ = writeln!(
            out,
            "http-after-response add-header Vary \"{vary}\" if {{ var(txn.corsair_case) -m str {} }} !{{ res.hdr(vary) -m str * }}",
            cases.join(" ")
        );
    }
}
