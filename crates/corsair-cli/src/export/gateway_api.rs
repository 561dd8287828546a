//! The Kubernetes Gateway API target: an `HTTPRoute` (gateway.networking.k8s.io/v1,
//! Gateway API v1.6, standard channel, where `HTTPCORSFilter` is since v1.5) with one
//! rule per part of the policy, each a `PathPrefix` match and, where CORS is enabled,
//! a `CORS` filter.
//!
//! What `HTTPCORSFilter` specifies (the CRD's field documentation): an allowed origin
//! is echoed in `Access-Control-Allow-Origin` (or `*` for `allowOrigins: ["*"]`
//! without credentials); `allowMethods` and `allowHeaders` are sent as the list (or, for
//! `*`, the requested ones), for the browser to check; `maxAge` defaults to 5 (the
//! browsers' own default); a preflight from an origin that is not allowed gets an OK
//! status without CORS headers, or 403, as the implementation chooses. `PathPrefix`
//! matches whole path elements (`/api` matches `/api`, `/api/` and `/api/x`, not
//! `/apix`), as corsair's route prefixes, and the longest matching prefix wins across
//! rules and routes.

use std::fmt::Write as _;

use super::lossy::{codes, target_finding};
use super::model::{HeaderRule, MethodRule, Model, OriginEntry, OriginRule, Part, PortRule, Rules};
use crate::policy_file::Finding;

/// Where the file goes, for the header comment.
pub(crate) const PLACE: &str =
    "the cluster with kubectl apply -f, once its placeholders (EDIT) are edited";

/// How the file works, and the API's traps.
pub(crate) const NOTES: &str = "\
#
# Gateway API v1.6 (standard channel): HTTPRoute gateway.networking.k8s.io/v1 with the
# CORS filter (HTTPCORSFilter), which needs a Gateway implementation that supports it.
# Edit the placeholders (EDIT): metadata.name and namespace, parentRefs (the Gateway,
# and its listener's sectionName if any) and each rule's backendRefs (the Service of
# the API and its port). One rule per route of the policy; [cors] is the rule with the
# prefix /. An HTTPRoute holds at most 16 rules: a longer policy is several HTTPRoutes,
# separated by ---, which the longest-prefix precedence keeps in the policy's order.
";

/// The methods `allowMethods` may hold, besides `*`.
const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// The longest list `allowOrigins`, `allowHeaders` and `exposeHeaders` may hold.
const MAX_LIST: usize = 64;

/// The most rules an `HTTPRoute` holds.
const MAX_RULES: usize = 16;

/// The longest origin `allowOrigins` may hold.
const MAX_ORIGIN_LEN: usize = 253;

/// The `CORS` filter of one part, with what it could not hold.
struct Cors {
    /// `allowOrigins`.
    origins: Vec<String>,
    /// `allowCredentials`.
    credentials: bool,
    /// `allowMethods` (empty: left out).
    methods: Vec<String>,
    /// `allowHeaders` (empty: left out).
    headers: Vec<String>,
    /// `exposeHeaders` (empty: left out).
    expose: Vec<String>,
    /// `maxAge` (`None`: left out, the gateway's default of 5 seconds).
    max_age: Option<u64>,
    /// The part's own lossy findings.
    findings: Vec<Finding>,
}

/// A YAML double-quoted scalar (a JSON string is one).
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// The HTTPRoute document(s).
pub(crate) fn fragment(model: &Model) -> String {
    let mut out = String::new();
    let parts: Vec<&Part> = model
        .parts
        .iter()
        .filter(|p| path_unfit(prefix(p)).is_none())
        .collect();
    for (n, parts) in parts.chunks(MAX_RULES).enumerate() {
        if n > 0 {
            out.push_str("---\n");
        }
        let name = if n == 0 {
            "corsair".to_owned()
        } else {
            format!("corsair-{}", n + 1)
        };
        let _ = writeln!(
            out,
            "apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: {name}  # EDIT: the route's name
  namespace: default  # EDIT: the namespace of the API's Service
spec:
  parentRefs:
    - name: gateway  # EDIT: the Gateway that serves the API
  rules:"
        );
        for part in parts {
            write_rule(&mut out, part);
        }
    }
    out
}

/// A part's path prefix (`/` for `[cors]`).
fn prefix(part: &Part) -> &str {
    part.prefix.as_deref().unwrap_or("/")
}

/// Why a `PathPrefix` cannot hold `prefix`, if it cannot: the HTTPRoute CRD's rules for
/// a path value (its pattern and its CEL rules).
fn path_unfit(prefix: &str) -> Option<&'static str> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-/._~!$&'()*+,;=:@%".contains(&b);
    let escapes_ok = prefix
        .split('%')
        .skip(1)
        .all(|rest| rest.len() >= 2 && rest.as_bytes()[..2].iter().all(u8::is_ascii_hexdigit));
    if prefix.len() > 1024 {
        Some("it is longer than 1024 bytes")
    } else if !prefix.bytes().all(allowed) || !escapes_ok {
        Some("it holds a byte a path value may not hold unescaped")
    } else if ["//", "/./", "/../", "%2f", "%2F"]
        .iter()
        .any(|s| prefix.contains(s))
        || prefix.ends_with("/.")
        || prefix.ends_with("/..")
    {
        Some("it holds `//`, a dot segment or an escaped `/`")
    } else {
        None
    }
}

/// One rule: the path match, the CORS filter, the placeholder backend.
fn write_rule(out: &mut String, part: &&Part) {
    let prefix = prefix(part);
    let _ = writeln!(
        out,
        "    - matches:  # {}\n        - path:\n            type: PathPrefix\n            value: {}",
        part.table,
        quoted(prefix)
    );
    match &part.rules {
        Some(rules) => write_filter(out, &cors(part, rules)),
        None => out.push_str("      # CORS is disabled here: no CORS filter.\n"),
    }
    out.push_str(
        "      backendRefs:\n        - name: api  # EDIT: the Service of the API\n          port: 80  # EDIT: its port\n",
    );
}

/// Writes a list field (nothing for an empty list).
fn write_list(out: &mut String, field: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "            {field}:");
    for item in items {
        let _ = writeln!(out, "              - {}", quoted(item));
    }
}

/// The rule's `filters`: the `CORS` filter.
fn write_filter(out: &mut String, cors: &Cors) {
    out.push_str("      filters:\n        - type: CORS\n          cors:\n");
    if cors.origins.is_empty() {
        out.push_str("            allowOrigins: []\n");
    }
    write_list(out, "allowOrigins", &cors.origins);
    if cors.credentials {
        out.push_str("            allowCredentials: true\n");
    }
    write_list(out, "allowMethods", &cors.methods);
    write_list(out, "allowHeaders", &cors.headers);
    write_list(out, "exposeHeaders", &cors.expose);
    if let Some(seconds) = cors.max_age {
        let _ = writeln!(out, "            maxAge: {seconds}");
    }
}

/// The `CORS` filter of one enabled part.
fn cors(part: &Part, rules: &Rules) -> Cors {
    let mut cors = Cors {
        origins: Vec::new(),
        credentials: rules.credentials,
        methods: Vec::new(),
        headers: Vec::new(),
        expose: Vec::new(),
        max_age: None,
        findings: Vec::new(),
    };
    let table = &part.table;
    match &rules.origins {
        OriginRule::Any => cors.origins.push("*".to_owned()),
        OriginRule::List(entries) => {
            for entry in entries {
                // `allowOrigins` is a set: `http://host:*` and `http://host` are
                // both written `http://host`, once.
                if let Some(origin) = origin(entry, table, &mut cors.findings)
                    && !cors.origins.contains(&origin)
                {
                    cors.origins.push(origin);
                }
            }
        }
    }
    cors.origins = limited(cors.origins, table, "allow_origins", &mut cors.findings);
    cors.methods = methods(&rules.methods, table, &mut cors.findings);
    cors.headers = match &rules.headers {
        HeaderRule::Any { authorization } => {
            cors.findings
                .push(request_headers_finding(table, *authorization));
            vec!["*".to_owned()]
        }
        HeaderRule::List(names) => {
            limited(names.clone(), table, "allow_headers", &mut cors.findings)
        }
    };
    let expose: Vec<String> = rules
        .expose_headers
        .as_deref()
        .map(|v| v.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    cors.expose = limited(expose, table, "expose_headers", &mut cors.findings);
    cors.max_age = rules
        .max_age
        .map(|seconds| max_age(seconds, table, &mut cors.findings));
    cors
}

/// The first 64 items, and a finding when there were more.
fn limited(
    mut items: Vec<String>,
    table: &str,
    field: &str,
    findings: &mut Vec<Finding>,
) -> Vec<String> {
    if items.len() > MAX_LIST {
        findings.push(target_finding(
            codes::GATEWAY_API_LIST_LIMIT,
            format!("{table}.{field}"),
            format!(
                "HTTPCORSFilter holds at most {MAX_LIST} entries in a list, and this one has {}: the export keeps the first {MAX_LIST}, and the gateway refuses what only the others allow",
                items.len()
            ),
            "shorten the list (a `*.` pattern for many subdomains), or split the route",
        ));
        items.truncate(MAX_LIST);
    }
    items
}

/// The `allowOrigins` form of an entry, or `None` (with a finding) when it has none.
fn origin(entry: &OriginEntry, table: &str, findings: &mut Vec<Finding>) -> Option<String> {
    let field = format!("{table}.allow_origins");
    let OriginEntry::Pattern {
        scheme,
        host,
        subdomains,
        port,
    } = entry
    else {
        findings.push(origin_finding(&field, "null", "the opaque origin `null`"));
        return None;
    };
    let shown = |port: &str| {
        let star = if *subdomains { "*." } else { "" };
        format!("{scheme}://{star}{host}{port}")
    };
    let written_port = match port {
        PortRule::Default | PortRule::Any => String::new(),
        PortRule::Exact(p) => format!(":{p}"),
    };
    let written = shown(&written_port);
    let why = unfit(scheme, host, &written);
    if let Some(why) = why {
        let original = shown(&match port {
            PortRule::Any => ":*".to_owned(),
            _ => written_port.clone(),
        });
        findings.push(origin_finding(&field, &original, why));
        return None;
    }
    if *port == PortRule::Any {
        findings.push(target_finding(
            codes::GATEWAY_API_ORIGIN_PORT,
            field.clone(),
            format!(
                "allowOrigins has no port wildcard: `{}` is written `{written}`, which allows the scheme's default port only, so the gateway refuses the same host on other ports",
                shown(":*")
            ),
            "list the ports the clients use (`https://host:8443`)",
        ));
    }
    if *subdomains {
        findings.push(target_finding(
            codes::GATEWAY_API_ORIGIN_WILDCARD,
            field,
            format!(
                "`{written}`: Gateway API defines `*` as a greedy match of any number of labels to its left, and implementations translate it each their way (a regex `.*` for some), where corsair serve allows exactly one or more labels `[a-z0-9_-]+` before `.{host}`; origins browsers send get the same answer from an implementation that follows the definition, but a lenient one may allow more"
            ),
            "check how your Gateway implementation matches origin wildcards, or list the subdomains",
        ));
    }
    Some(written)
}

/// Why `allowOrigins` cannot hold an origin (`written`, of `scheme` and `host`), if it
/// cannot.
fn unfit(scheme: &str, host: &str, written: &str) -> Option<&'static str> {
    if scheme != "http" && scheme != "https" {
        Some("its scheme is not http or https")
    } else if !host_fits(host) {
        Some(
            "its host is not DNS labels of letters, digits and `-` (an IPv6 address, `_`, a trailing dot)",
        )
    } else if written.len() > MAX_ORIGIN_LEN {
        Some("it is longer than 253 bytes")
    } else {
        None
    }
}

/// Whether `allowOrigins`' pattern accepts the host: DNS labels of letters, digits and
/// `-`.
fn host_fits(host: &str) -> bool {
    host.split('.').all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

/// The finding of an origin `allowOrigins` cannot hold.
fn origin_finding(field: &str, origin: &str, why: &str) -> Finding {
    target_finding(
        codes::GATEWAY_API_ORIGIN,
        field.to_owned(),
        format!(
            "allowOrigins cannot hold `{origin}`: {why}; the export leaves it out, so the gateway refuses that origin"
        ),
        "serve that origin through corsair serve, or drop it from the policy",
    )
}

/// `allowMethods`: `*`, or the methods of RFC 9110 the list names (others with a
/// finding).
fn methods(rule: &MethodRule, table: &str, findings: &mut Vec<Finding>) -> Vec<String> {
    let MethodRule::List(list) = rule else {
        return vec!["*".to_owned()];
    };
    let (kept, dropped): (Vec<&String>, Vec<&String>) =
        list.iter().partition(|m| METHODS.contains(&m.as_str()));
    if !dropped.is_empty() {
        let names: Vec<&str> = dropped.iter().map(|m| m.as_str()).collect();
        findings.push(target_finding(
            codes::GATEWAY_API_METHOD,
            format!("{table}.allow_methods"),
            format!(
                "allowMethods holds only RFC 9110's methods, uppercase ({}), or `*`: the export leaves out {}, so the gateway's Access-Control-Allow-Methods does not name it and the browser refuses it",
                METHODS.join(", "),
                names.join(", ")
            ),
            "use the uppercase method names, or allow_methods = [\"*\"]",
        ));
    }
    kept.into_iter().cloned().collect()
}

/// The finding of `allow_headers = ["*"]` (`authorization`: listed beside it).
fn request_headers_finding(table: &str, authorization: bool) -> Finding {
    let message = if authorization {
        "allowHeaders cannot hold `*` beside other names: allow_headers = [\"*\", \"authorization\"] is written `*`, which the gateway may send as it is (without credentials), and a browser's `*` never covers Authorization, so it refuses the preflights that ask for it, which corsair serve allows"
    } else {
        "HTTPCORSFilter has no request-header check of its own: allowHeaders `*` lets the gateway repeat the requested headers (with credentials it must), Authorization included, so the browser may send Authorization, which corsair serve allows only when allow_headers names it beside `*`"
    };
    target_finding(
        codes::GATEWAY_API_REQUEST_HEADERS,
        format!("{table}.allow_headers"),
        message.to_owned(),
        "list the request headers the API reads instead of `*`",
    )
}

/// `maxAge`, between 1 and 2^31 - 1 (with a finding when `seconds` is not).
fn max_age(seconds: u64, table: &str, findings: &mut Vec<Finding>) -> u64 {
    let max = u64::from(i32::MAX.unsigned_abs());
    let written = seconds.clamp(1, max);
    if written != seconds {
        findings.push(target_finding(
            codes::GATEWAY_API_MAX_AGE,
            format!("{table}.max_age"),
            format!(
                "maxAge is between 1 and {max}: max_age = {seconds} is written {written}, so browsers cache preflights for {written} seconds (at most their own limit)"
            ),
            "set max_age between 1 and 7200 (Chromium's limit)",
        ));
    }
    written
}

/// Whether corsair serve refuses some preflight a browser can send under `rules`.
fn can_refuse_preflight(rules: &Rules) -> bool {
    rules.origins != OriginRule::Any
        || matches!(rules.methods, MethodRule::List(_))
        || rules.headers
            != HeaderRule::Any {
                authorization: true,
            }
}

/// The Gateway API's own limits for the policy (the options no edge exports are found
/// by `lossy::findings`).
pub(crate) fn findings(model: &Model) -> Vec<Finding> {
    let enabled: Vec<(&Part, &Rules)> = model
        .parts
        .iter()
        .filter_map(|p| p.rules.as_ref().map(|r| (p, r)))
        .collect();
    let mut out = Vec::new();
    if enabled.iter().any(|(_, r)| can_refuse_preflight(r)) {
        out.push(target_finding(
            codes::GATEWAY_API_REFUSED_PREFLIGHT,
            String::new(),
            "HTTPCORSFilter leaves a refused preflight to the implementation: one from an origin the policy does not allow gets an OK status without CORS headers or 403, and one whose method or request headers are not allowed gets an OK status with the allowed lists, which the browser checks; corsair serve answers both 403 without CORS headers. The browser fails such a preflight either way, but a client that reads the status may see 200 or 204".to_owned(),
            "where a refused preflight must be a 403, run corsair serve in front of the API",
        ));
    }
    if !enabled.is_empty() {
        out.push(target_finding(
            codes::GATEWAY_API_UPSTREAM_HEADERS,
            String::new(),
            "HTTPCORSFilter does not say that the gateway removes the upstream's own Access-Control-* headers, and a ResponseHeaderModifier filter could remove the CORS filter's too (the API does not order them): an Access-Control-* header the application sends may reach the browser beside or instead of the gateway's, where corsair serve replaces them".to_owned(),
            "make sure the application sends no Access-Control-* headers behind the gateway",
        ));
        out.push(target_finding(
            codes::GATEWAY_API_VARY,
            String::new(),
            "HTTPCORSFilter does not specify Vary: corsair serve adds Vary: Origin to the responses whose CORS headers depend on the origin, and Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers to preflight answers; without them a shared cache may give one origin's response to another, which the browser then refuses".to_owned(),
            "check that your Gateway implementation sends Vary: Origin, or keep such responses out of shared caches (Cache-Control: private)",
        ));
    }
    for part in &model.parts {
        if let Some(why) = path_unfit(prefix(part)) {
            out.push(target_finding(
                codes::GATEWAY_API_PATH,
                format!("{}.path", part.table),
                format!(
                    "a PathPrefix cannot hold `{}`: {why}; the export leaves the rule out, so its requests get the rule of a shorter prefix",
                    prefix(part)
                ),
                "write the route's path with unreserved characters and percent-escapes only, without `//` or dot segments",
            ));
        }
    }
    for (part, rules) in &enabled {
        out.extend(cors(part, rules).findings);
    }
    out
}
