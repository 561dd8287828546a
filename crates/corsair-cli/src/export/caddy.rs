//! The Caddy target: one Caddyfile fragment, imported into the site block that proxies
//! the API. Named matchers decide each case (a CEL expression over the request, with
//! the rules as RE2 conditions, [`super::re2`]); a `route` block then sets and removes
//! the CORS headers of each case (deferred, so that they apply to whatever answers:
//! the upstream, on every status, or the route's own `respond` for preflights).

use std::fmt::Write as _;

use super::answer::{self, Case, Header, Value};
use super::model::{Model, Part, Rules};
use super::re2::{self, Cond};

/// Where the fragment goes, for the header comment.
pub(crate) const PLACE: &str =
    "the site block that proxies the API, with `import FILE` (before its reverse_proxy)";

/// How the fragment works, and Caddy's traps.
pub(crate) const NOTES: &str = "\
#
# Caddy 2.6 and later. The named matchers (@corsair_...) decide; the route block answers
# preflights itself (they never reach the upstream), refuses the cross-origin writes
# that cross_origin_protection refuses, and, for every other request, replaces the
# upstream's CORS headers with corsair's once the response is written, on every status.
# Caddy runs `route` before `reverse_proxy` in its default directive order; inside a
# `handle` of your own, import the file there. The handle_errors block gives the errors
# Caddy makes itself (a 502 when the upstream is down) the same headers: a site that has
# its own handle_errors must take this one's route into it.
# Routes match Caddy's {http.request.uri.path} (decoded), which for unusual paths
# (percent-encoded bytes) differs from the raw path corsair serve matches.
";

/// The placeholders of the request values the cases read.
const ORIGIN: &str = "{http.request.header.Origin}";
const REQUEST_METHOD: &str = "{http.request.header.Access-Control-Request-Method}";
const REQUEST_HEADERS: &str = "{http.request.header.Access-Control-Request-Headers}";
const PATH: &str = "{http.request.uri.path}";

/// Whether a preflight asks for private network access: its (one)
/// `Access-Control-Request-Private-Network` is `true`.
const PRIVATE_NETWORK_ASKED: &str =
    "{http.request.header.Access-Control-Request-Private-Network} == \"true\"";

/// The suffix of the matcher of a case that also asks for private network access.
const PRIVATE_NETWORK_SUFFIX: &str = "_private_network";

/// The fragment.
pub(crate) fn fragment(model: &Model) -> String {
    let mut out = String::new();
    out.push_str(
        "# Which headers the request has (a placeholder cannot tell an empty one from none).\n\
         @corsair_no_origin header !Origin\n\
         @corsair_no_request_method header !Access-Control-Request-Method\n\
         @corsair_no_fetch_site header !Sec-Fetch-Site\n",
    );
    for (index, part) in model.parts.iter().enumerate() {
        let Some(rules) = &part.rules else { continue };
        let _ = writeln!(out, "\n# {} ({})", part.table, prefix_text(part));
        for case in cases() {
            let expression = case_expression(model, index, rules, case);
            let _ = writeln!(out, "@{} expression `{expression}`", matcher(index, case));
            if answer::value(Some(rules), case, Header::AllowPrivateNetwork)
                == Value::PrivateNetworkAsked
            {
                let _ = writeln!(
                    out,
                    "@{}{PRIVATE_NETWORK_SUFFIX} expression `{expression} && {PRIVATE_NETWORK_ASKED}`",
                    matcher(index, case)
                );
            }
        }
    }
    let route = route(model);
    out.push('\n');
    out.push_str(&route);
    // The errors Caddy makes itself (a 502 when the upstream is down) skip the route's
    // deferred changes: the same route again, then the error's own answer.
    out.push_str("\n# The errors Caddy makes itself get the same CORS headers.\nhandle_errors {\n");
    for line in route.lines() {
        let _ = writeln!(out, "    {line}");
    }
    out.push_str("    respond \"{err.status_code} {err.status_text}\" {err.status_code}\n}\n");
    out
}

/// The `route` block: the variables the matchers read, each case's header changes,
/// and the answers of the cases answered at the edge.
fn route(model: &Model) -> String {
    let mut out = String::from("route {\n");
    out.push_str(
        "    vars corsair_origin yes\n    vars @corsair_no_origin corsair_origin no\n    vars corsair_request_method yes\n    vars @corsair_no_request_method corsair_request_method no\n    vars corsair_fetch_site yes\n    vars @corsair_no_fetch_site corsair_fetch_site no\n",
    );
    for (index, part) in model.parts.iter().enumerate() {
        let Some(rules) = &part.rules else { continue };
        for case in cases() {
            write_case_headers(&mut out, &matcher(index, case), Some(rules), case);
        }
    }
    for (index, part) in model.parts.iter().enumerate() {
        let Some(rules) = &part.rules else { continue };
        for case in cases() {
            if let Some(status) = answer::edge_status(rules, case) {
                let _ = writeln!(out, "    respond @{} {status}", matcher(index, case));
            }
        }
    }
    out.push_str("}\n");
    out
}

/// The cases the fragment tells apart: every one but debug mode's, which Caddy's export
/// leaves out (`lossy::no_debug_or_regexes`).
fn cases() -> impl Iterator<Item = Case> {
    Case::ALL
        .into_iter()
        .filter(|c| !matches!(c, Case::DebugMethod | Case::DebugHeaders))
}

/// The name of a case's matcher.
fn matcher(index: usize, case: Case) -> String {
    format!("corsair_r{index}_{}", case.name().replace('-', "_"))
}

fn prefix_text(part: &Part) -> String {
    match &part.prefix {
        Some(prefix) => format!("paths under {prefix}"),
        None => "every other path".to_owned(),
    }
}

/// The header changes of one case: a deferred `header` block (sets and removals of
/// different fields, whose order does not matter), then the `Vary` merge.
fn write_case_headers(out: &mut String, matcher: &str, rules: Option<&Rules>, case: Case) {
    let mut lines = Vec::new();
    for header in Header::ALL {
        match answer::value(rules, case, header) {
            Value::Upstream => {}
            Value::Removed => lines.push(format!("-{}", header.name())),
            Value::Text(text) => lines.push(format!("{} {}", header.name(), quoted(&text))),
            Value::Origin => lines.push(format!("{} {ORIGIN}", header.name())),
            Value::RequestMethod => lines.push(format!("{} {REQUEST_METHOD}", header.name())),
            Value::RequestHeaders => lines.push(format!("{} {REQUEST_HEADERS}", header.name())),
            // Set by its own directive, on the case's matcher that also asks for it.
            Value::PrivateNetworkAsked => {
                let _ = writeln!(
                    out,
                    "    header @{matcher}{PRIVATE_NETWORK_SUFFIX} {{\n        {} \"true\"\n        defer\n    }}",
                    header.name()
                );
            }
        }
    }
    let vary = answer::vary(rules, case);
    // Caddy applies the deferred changes of the last `header` directive first: the
    // default `Vary` (when the response has none) is written first, so that it runs
    // after the merge into an existing one.
    if !vary.is_empty() {
        let _ = writeln!(out, "    header @{matcher} ?Vary {}", quoted(vary));
        let _ = writeln!(
            out,
            "    header @{matcher} {{\n        Vary {} {}\n        defer\n    }}",
            quoted(VARY_WITHOUT_STAR),
            quoted(&format!("${{1}}, {vary}"))
        );
    }
    if !lines.is_empty() {
        let _ = writeln!(out, "    header @{matcher} {{");
        for line in lines {
            let _ = writeln!(out, "        {line}");
        }
        out.push_str("        defer\n    }\n");
    }
}

/// A `Vary` value none of whose elements is `*` (which corsair leaves alone), as one
/// group for the replacement to repeat.
const VARY_WITHOUT_STAR: &str = r"^((?:[ \t]*(?:[^,\s*]|[^,\s][^,]*[^,\s])?[ \t]*)(?:,[ \t]*(?:[^,\s*]|[^,\s][^,]*[^,\s])?[ \t]*)*)$";

/// A Caddyfile quoted token.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The CEL expression of a case in a part: the part's paths, the kind of request, and
/// the rules' verdicts.
fn case_expression(model: &Model, index: usize, rules: &Rules, case: Case) -> String {
    let has_origin = "{http.vars.corsair_origin} == \"yes\"".to_owned();
    let preflight = format!(
        "({{http.request.method}} == \"OPTIONS\" && {has_origin} && {{http.vars.corsair_request_method}} == \"yes\")"
    );
    let origin_ok = re2::origins(&rules.origins, &rules.origin_regexes)
        .map_or_else(|| "false".to_owned(), |cond| cel(&cond, ORIGIN));
    let method_ok = cel(&re2::methods(&rules.methods), REQUEST_METHOD);
    let headers_ok = cel(&re2::request_headers(&rules.headers), REQUEST_HEADERS);
    let names_headers = cel(&Cond::Matches(".*[^ \\t,].*".to_owned()), REQUEST_HEADERS);
    let allowed = format!("({origin_ok} && {method_ok} && ({headers_ok} || !{names_headers}))");
    let refused_write = refused_write(rules);
    let not_refused_write = format!("!{refused_write}");
    let mut all = vec![path_condition(model, index)];
    match case {
        Case::NonCors => all.extend([
            "{http.vars.corsair_origin} == \"no\"".to_owned(),
            not_refused_write,
        ]),
        Case::Actual => all.extend([has_origin, format!("!{preflight}"), origin_ok]),
        Case::Refused => all.extend([
            has_origin,
            format!("!{preflight}"),
            format!("!{origin_ok}"),
            not_refused_write,
        ]),
        Case::Preflight => all.extend([preflight, allowed, format!("!{names_headers}")]),
        Case::PreflightWithHeaders => all.extend([preflight, allowed, names_headers]),
        Case::PreflightRefused => all.extend([preflight, format!("!{allowed}")]),
        // Debug mode is not exported (`lossy::no_debug_or_regexes`): such preflights
        // are refused ones here.
        Case::DebugMethod | Case::DebugHeaders => all.push("false".to_owned()),
        // A request without Origin, or from an origin that is not allowed (never a
        // preflight: OPTIONS is not an unsafe method).
        Case::WriteRefused => all.extend([
            format!("({{http.vars.corsair_origin}} == \"no\" || !{origin_ok})"),
            refused_write,
        ]),
    }
    all.join(" && ")
}

/// Whether cross-origin write protection refuses the request, as corsair decides it
/// (`Rules::refuses_write`): an unsafe method, marked cross-origin by `Sec-Fetch-Site`
/// (anything but `same-origin` and `none`) or, without it, by an `Origin` that is not
/// `http(s)://` and the `Host` (the host without case), on a path that is not exempt.
/// `false` when the protection is off.
fn refused_write(rules: &Rules) -> String {
    let Some(exempt) = &rules.write_protection else {
        return "false".to_owned();
    };
    let unsafe_method = "!({http.request.method} == \"GET\" || {http.request.method} == \"HEAD\" || {http.request.method} == \"OPTIONS\")";
    let site = "{http.request.header.Sec-Fetch-Site}";
    let same_host = format!(
        "(({ORIGIN}.startsWith(\"https://\") && {ORIGIN}.lowerAscii() == \"https://\" + {{http.request.hostport}}.lowerAscii()) || ({ORIGIN}.startsWith(\"http://\") && {ORIGIN}.lowerAscii() == \"http://\" + {{http.request.hostport}}.lowerAscii()))"
    );
    let cross_origin = format!(
        "(({{http.vars.corsair_fetch_site}} == \"yes\" && !({site} == \"same-origin\" || {site} == \"none\")) || ({{http.vars.corsair_fetch_site}} == \"no\" && {{http.vars.corsair_origin}} == \"yes\" && !{same_host}))"
    );
    let mut parts = vec![unsafe_method.to_owned(), cross_origin];
    let prefixes: Vec<String> = exempt
        .iter()
        .map(|p| match p.as_str() {
            "/" => "/.*".to_owned(),
            p => format!("{}(?:/.*)?", super::pcre::escape(p)),
        })
        .collect();
    if !prefixes.is_empty() {
        // A path with a dot segment is never exempt.
        let exempt = Cond::All(vec![
            Cond::Matches(format!("(?:{})", prefixes.join("|"))),
            Cond::Not(Box::new(Cond::Matches(r"(?:.*/)?\.\.?(?:/.*)?".to_owned()))),
        ]);
        parts.push(format!("!{}", cel(&exempt, PATH)));
    }
    format!("({})", parts.join(" && "))
}

/// The paths of a part: under its prefix (whole segments) and under no part before it.
fn path_condition(model: &Model, index: usize) -> String {
    let under = |part: &Part| {
        part.prefix.as_ref().map(|prefix| {
            let prefix = prefix.trim_end_matches('/');
            cel(
                &Cond::Matches(format!("{}(?:/.*)?", super::pcre::escape(prefix))),
                PATH,
            )
        })
    };
    let mut conds: Vec<String> = model.parts[..index]
        .iter()
        .filter_map(under)
        .map(|c| format!("!{c}"))
        .collect();
    if let Some(own) = under(&model.parts[index]) {
        conds.push(own);
    }
    match conds.is_empty() {
        true => "true".to_owned(),
        false => conds.join(" && "),
    }
}

/// A condition as a CEL expression over the placeholder `value`. The expressions are
/// CEL raw strings inside a Caddyfile backquoted token: a backquote is written `\x60`.
fn cel(cond: &Cond, value: &str) -> String {
    match cond {
        Cond::Matches(regex) => {
            let regex = regex.replace("\\`", "\\x60").replace('`', "\\x60");
            format!("{value}.matches(r\"^(?:{regex})$\")")
        }
        Cond::MaxLen(n) => format!("size({value}) <= {n}"),
        Cond::Not(inner) => format!("!{}", cel(inner, value)),
        Cond::All(conds) if conds.is_empty() => "true".to_owned(),
        Cond::Any(conds) if conds.is_empty() => "false".to_owned(),
        Cond::All(conds) => join(conds, value, " && "),
        Cond::Any(conds) => join(conds, value, " || "),
    }
}

fn join(conds: &[Cond], value: &str, operator: &str) -> String {
    let parts: Vec<String> = conds.iter().map(|c| cel(c, value)).collect();
    format!("({})", parts.join(operator))
}
