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
        for limit in LIMITS.iter().filter(|l| (l.used)(&effective)) {
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
