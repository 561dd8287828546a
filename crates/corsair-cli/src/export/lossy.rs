//! The parts of a policy that an edge configuration cannot express, as lint-style
//! findings with stable codes (`export-lossy-...`), each saying what the edge does
//! instead.

use corsair::{Config, PolicyConfig};

use super::regex_pcre;
use crate::policy_file::Finding;

/// The severity of every lossy finding: the export still works, but differs from
/// `corsair serve` where the finding says.
const SEVERITY: &str = "warning";

/// One option the exported configurations leave out, and how to detect it.
struct Limit {
    /// The stable code.
    code: &'static str,
    /// The field, as written in the file.
    field: &'static str,
    /// Whether a policy table sets the option to something the edge cannot do.
    used: fn(&PolicyConfig) -> bool,
    /// What the edge does instead (`{target}` is replaced by the target's name).
    message: &'static str,
    /// How to avoid the difference.
    help: &'static str,
}

const LIMITS: &[Limit] = &[Limit {
    code: "export-lossy-origin-regex",
    field: "allow_origin_regexes",
    used: |p| {
        p.allow_origin_regexes
            .iter()
            .flatten()
            .any(|r| regex_pcre::translate(r, "^").is_none())
    },
    message: "an origin regex cannot be read by the regex parser of corsair export: {target} leaves that regex out, and refuses the origins that only it allows",
    help: "check the regex with corsair lint, or list the origins in allow_origins",
}];

/// The lossy findings of a valid policy for `target` (`nginx`, ...): one per option
/// in effect in an enabled part of the policy, at the table that sets it.
/// `origins_file`: whether the file names an `allow_origins_file`.
pub(crate) fn findings(config: &Config, origins_file: bool, target: &str) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    limit_findings(config, LIMITS, target, &mut out);
    if origins_file {
        out.push(Finding {
            severity: SEVERITY,
            code: "export-lossy-origins-file",
            field: "allow_origins_file".to_owned(),
            message: format!(
                "the origins of allow_origins_file are copied into the exported configuration: when the file changes, corsair serve reloads it, but {target} keeps the origins of the export"
            ),
            help: Some("export again (and reload the edge) whenever the origins file changes".to_owned()),
        });
    }
    out
}

/// Cross-origin write protection, for the targets that do not implement it.
const CROSS_ORIGIN_PROTECTION: Limit = Limit {
    code: "export-lossy-cross-origin-protection",
    field: "cross_origin_protection",
    used: |p| p.cross_origin_protection == Some(true),
    message: "cross-origin write protection is not exported: {target} forwards cross-origin writes (forms, `text/plain` fetches) from origins the policy does not allow, where corsair serve refuses them with 403",
    help: "protect writes in the application (a CSRF token, or Go's http.CrossOriginProtection), or run corsair serve behind the edge",
};

/// Private Network Access, for the targets that do not implement it.
const PRIVATE_NETWORK: Limit = Limit {
    code: "export-lossy-private-network",
    field: "allow_private_network",
    used: |p| p.allow_private_network == Some(true),
    message: "Private Network Access is not exported: {target} never sends Access-Control-Allow-Private-Network and leaves Access-Control-Request-Private-Network out of Vary",
    help: "Chrome 142 and later send no such preflight (Local Network Access asks the user): remove allow_private_network",
};

/// Adds the findings of cross-origin write protection for a target that does not
/// implement it (none where `out` has them already).
pub(crate) fn unprotected_writes(config: &Config, target: &str, out: &mut Vec<Finding>) {
    limit_findings(config, &[CROSS_ORIGIN_PROTECTION], target, out);
}

/// Debug mode, for the targets that do not implement it.
const DEBUG: Limit = Limit {
    code: "export-lossy-debug",
    field: "debug",
    used: |p| p.debug == Some(true),
    message: "debug mode is not exported: {target} refuses a preflight whose method or headers are not allowed with a bare 403, where corsair serve answers with the full lists so that the browser's console names what is missing",
    help: "debug mode is for development: export the policy without it",
};

/// Origin regexes, for the targets that do not implement them.
const ORIGIN_REGEXES: Limit = Limit {
    code: "export-lossy-origin-regex",
    field: "allow_origin_regexes",
    used: |p| {
        p.allow_origin_regexes
            .as_ref()
            .is_some_and(|r| !r.is_empty())
    },
    message: "origin regexes are not exported: {target} leaves them out, and refuses the origins that only a regex allows",
    help: "list the origins (exact, `*.` subdomain or `:*` port patterns) in allow_origins, or use the nginx or HAProxy export",
};

/// Origin regexes that RE2 cannot express (a half word boundary), for Caddy.
const RE2_ORIGIN_REGEXES: Limit = Limit {
    code: "export-lossy-origin-regex",
    field: "allow_origin_regexes",
    used: |p| {
        p.allow_origin_regexes
            .iter()
            .flatten()
            .any(|r| regex_pcre::translate_re2(r).is_none())
    },
    message: "an origin regex needs a lookaround (a half word boundary such as \\b{start-half}), which {target}'s RE2 regexes do not have: {target} leaves that regex out, and refuses the origins that only it allows",
    help: "write the regex without half word boundaries, or list the origins in allow_origins",
};

/// Adds the findings of debug mode and origin regexes for a target that implements
/// neither.
pub(crate) fn no_debug_or_regexes(config: &Config, target: &str, out: &mut Vec<Finding>) {
    limit_findings(config, &[DEBUG, ORIGIN_REGEXES], target, out);
}

/// Adds the findings of debug mode and of the origin regexes RE2 cannot express, for
/// a target whose regexes are RE2's.
pub(crate) fn no_debug_or_re2_regexes(config: &Config, target: &str, out: &mut Vec<Finding>) {
    limit_findings(config, &[DEBUG, RE2_ORIGIN_REGEXES], target, out);
}

/// Adds the findings of Private Network Access for a target that does not implement it.
pub(crate) fn no_private_network(config: &Config, target: &str, out: &mut Vec<Finding>) {
    limit_findings(config, &[PRIVATE_NETWORK], target, out);
}

/// Adds a finding for each of `limits` in effect in an enabled part of the policy, at
/// the table that sets it, unless `out` has it already.
fn limit_findings(config: &Config, limits: &[Limit], target: &str, out: &mut Vec<Finding>) {
    let parts = std::iter::once(("cors".to_owned(), config.cors.clone(), None)).chain(
        config.routes.iter().enumerate().map(|(i, r)| {
            (
                format!("routes[{i}]"),
                config.effective_route_policy(r),
                Some(&r.policy),
            )
        }),
    );
    for (table, effective, declared) in parts {
        // A part whose CORS is off sends nothing, whatever its options.
        if !effective.enabled.unwrap_or(true) {
            continue;
        }
        for limit in limits.iter().filter(|l| (l.used)(&effective)) {
            let table = match declared {
                Some(route) if (limit.used)(route) => table.as_str(),
                _ => "cors",
            };
            let field = format!("{table}.{}", limit.field);
            if out.iter().any(|f| f.code == limit.code && f.field == field) {
                continue;
            }
            out.push(Finding {
                severity: SEVERITY,
                code: limit.code,
                field,
                message: limit.message.replace("{target}", target),
                help: Some(limit.help.to_owned()),
            });
        }
    }
}

/// The codes of the limits one target has beside the options above (the target's file
/// says when each applies and what its edge does instead).
pub(crate) mod codes {
    /// Envoy: the CORS filter's answers to allowed preflights carry no `Vary`.
    pub(crate) const ENVOY_PREFLIGHT_VARY: &str = "export-lossy-envoy-preflight-vary";
    /// Gateway API: what a refused preflight gets is the implementation's choice.
    pub(crate) const GATEWAY_API_REFUSED_PREFLIGHT: &str =
        "export-lossy-gateway-api-refused-preflight";
    /// Gateway API: `allowHeaders: ["*"]` cannot say whether `Authorization` is allowed.
    pub(crate) const GATEWAY_API_REQUEST_HEADERS: &str = "export-lossy-gateway-api-request-headers";
    /// Gateway API: an origin `allowOrigins` cannot hold (`null`, another scheme than
    /// http and https, an IPv6 or `_` host, too long): left out.
    pub(crate) const GATEWAY_API_ORIGIN: &str = "export-lossy-gateway-api-origin";
    /// Gateway API: a `:*` port, which `allowOrigins` cannot hold: the default port only.
    pub(crate) const GATEWAY_API_ORIGIN_PORT: &str = "export-lossy-gateway-api-origin-port";
    /// Gateway API: a `*.` pattern, whose `*` the API defines as any number of labels.
    pub(crate) const GATEWAY_API_ORIGIN_WILDCARD: &str = "export-lossy-gateway-api-origin-wildcard";
    /// Gateway API: a method `allowMethods` cannot hold (not one of RFC 9110's nine
    /// methods as written there): left out.
    pub(crate) const GATEWAY_API_METHOD: &str = "export-lossy-gateway-api-method";
    /// Gateway API: `max_age = 0` (`maxAge` is at least 1) or above 2^31 - 1.
    pub(crate) const GATEWAY_API_MAX_AGE: &str = "export-lossy-gateway-api-max-age";
    /// Gateway API: more than 64 origins, request headers or exposed headers.
    pub(crate) const GATEWAY_API_LIST_LIMIT: &str = "export-lossy-gateway-api-list-limit";
    /// Gateway API: the upstream's own `Access-Control-*` headers are not removed.
    pub(crate) const GATEWAY_API_UPSTREAM_HEADERS: &str =
        "export-lossy-gateway-api-upstream-headers";
    /// Gateway API: a route path a `PathPrefix` cannot hold (`//`, dot segments, an
    /// escaped `/`, bytes a path may not hold unescaped): the rule is left out.
    pub(crate) const GATEWAY_API_PATH: &str = "export-lossy-gateway-api-path";
    /// Gateway API: `Vary` is the implementation's choice.
    pub(crate) const GATEWAY_API_VARY: &str = "export-lossy-gateway-api-vary";
}

/// A lossy finding of a target's own limit.
pub(crate) fn target_finding(
    code: &'static str,
    field: String,
    message: String,
    help: &str,
) -> Finding {
    Finding {
        severity: SEVERITY,
        code,
        field,
        message,
        help: Some(help.to_owned()),
    }
}
