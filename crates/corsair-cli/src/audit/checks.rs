//! Judging what `audit`'s probes saw: one function per check, each returning its finding
//! when the observations show the misconfiguration.

use corsair_browser::Blocked;
use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, VARY,
};
use serde::Serialize;

use super::catalogue::{AuditSeverity, Check};
use super::origins::{EVIL, Trusted};
use super::probe::{Evidence, Observations, Probe, UNKNOWN_METHOD};
use crate::net;
use crate::output::{Colour, Style};

/// One misconfiguration.
#[derive(Debug, Serialize)]
pub(super) struct AuditFinding {
    /// The stable id.
    id: &'static str,
    /// `high`, `medium`, `low` or `info`.
    pub(super) severity: &'static str,
    /// One line.
    title: &'static str,
    /// What was seen, and what it lets an attacker do.
    detail: String,
    /// The request and the response that show it.
    evidence: Evidence,
    /// What to change on the server.
    fix: &'static str,
}

impl AuditFinding {
    /// Appends the human form: the severity (in colour when `style` says so), the id and
    /// the title, then the detail, the evidence and the fix, indented.
    pub(super) fn write_human(&self, out: &mut String, style: Style) {
        let colour = match self.severity {
            "high" => Colour::Red,
            "medium" => Colour::Yellow,
            "low" => Colour::Cyan,
            _ => Colour::Dim,
        };
        out.push_str(&format!(
            "\n{} {}: {}\n",
            style.paint(colour, &format!("{:<7}", self.severity)),
            self.id,
            self.title
        ));
        out.push_str(&format!("  {}\n", self.detail));
        for line in &self.evidence.request {
            out.push_str(&format!("  > {line}\n"));
        }
        for line in &self.evidence.response {
            out.push_str(&format!("  < {line}\n"));
        }
        out.push_str(&format!("  fix: {}\n", self.fix));
    }
}

/// A finding with what findings are sorted by.
struct Ranked {
    severity: AuditSeverity,
    check: Check,
    finding: AuditFinding,
}

/// The finding of `check`, shown by `probe`; `credentials` (whether the server allowed
/// credentials too) raises the severity of an origin check.
fn finding(check: Check, credentials: bool, detail: String, probe: &Probe) -> Ranked {
    let severity = check.severity(credentials);
    Ranked {
        severity,
        check,
        finding: AuditFinding {
            id: check.id(),
            severity: severity.as_str(),
            title: check.title(),
            detail,
            evidence: probe.evidence(),
            fix: check.fix(),
        },
    }
}

fn quoted(origins: &[&str]) -> String {
    origins
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Judges the observations: every finding, most severe first.
pub(super) fn findings(trusted: &Trusted, seen: &Observations) -> Vec<AuditFinding> {
    let mut found = origins_allowed(trusted, seen);
    found.extend(wildcard(seen));
    found.extend(missing_vary_origin(seen));
    found.extend(credentials_for_rejected_origin(seen));
    found.extend(preflight_for_rejected_origin(seen));
    found.extend(preflight_reflects_headers(seen));
    found.extend(preflight_reflects_methods(seen));
    found.extend(authorization_not_covered_by_wildcard(seen));
    found.extend(error_response_missing_cors(trusted, seen));
    found.extend(multiple_allow_origin(seen));
    found.extend(trusted_origin_not_allowed(trusted, seen));
    found.sort_by_key(|r| (r.severity, r.check));
    found.into_iter().map(|r| r.finding).collect()
}

/// The origin checks: attackers' origins the server allows, one finding per check.
fn origins_allowed(trusted: &Trusted, seen: &Observations) -> Vec<Ranked> {
    let accepted: Vec<&(Check, Probe)> = seen
        .origins
        .iter()
        .filter(|(_, e)| e.allows_its_origin())
        .collect();
    let reflection = accepted.iter().any(|(c, _)| *c == Check::OriginReflection);
    let mut checks: Vec<Check> = accepted.iter().map(|(c, _)| *c).collect();
    checks.sort();
    checks.dedup();
    checks
        .into_iter()
        // Reflection implies every narrower trick; `null` is reported apart, as servers
        // often special-case it.
        .filter(|check| {
            !reflection || *check == Check::OriginReflection || *check == Check::NullOrigin
        })
        .filter_map(|check| origin_allowed(trusted, seen, &accepted, check))
        .collect()
}

/// The finding of one origin check, from the probes of `accepted` that belong to it.
fn origin_allowed(
    trusted: &Trusted,
    seen: &Observations,
    accepted: &[&(Check, Probe)],
    check: Check,
) -> Option<Ranked> {
    let mine: Vec<&Probe> = accepted
        .iter()
        .filter(|(c, _)| *c == check)
        .map(|(_, e)| e)
        .collect();
    let credentials = mine.iter().any(|e| e.allows_credentials());
    let evidence = mine
        .iter()
        .find(|e| e.allows_credentials() == credentials)
        .copied()?;
    let origins: Vec<&str> = mine.iter().map(|e| e.origin.as_str()).collect();
    let tried = seen.origins.iter().filter(|(c, _)| *c == check).count();
    let mut detail = format!(
        "Access-Control-Allow-Origin echoed {} of {tried} probe origin{}: {}",
        origins.len(),
        if tried == 1 { "" } else { "s" },
        listed(trusted, check, &origins),
    );
    if check == Check::OriginReflection {
        let others = accepted.len().saturating_sub(1);
        detail.push_str(&format!(
            " (and {others} of the other {} probe origins)",
            seen.origins.len().saturating_sub(1)
        ));
    }
    detail.push_str(if credentials {
        ", with Access-Control-Allow-Credentials: true: a page there can read your users' \
         authenticated responses."
    } else {
        ", without credentials: a page there can read what needs no cookie (intranet or \
         IP-restricted data)."
    });
    Some(finding(check, credentials, detail, evidence))
}

/// The origins allowed, quoted; for special characters, the characters, not 22 long
/// origins.
fn listed(trusted: &Trusted, check: Check, origins: &[&str]) -> String {
    if check != Check::SpecialCharacters {
        return quoted(origins);
    }
    let prefix = format!("{}://{}", trusted.scheme, trusted.host);
    let characters: Vec<&str> = origins
        .iter()
        .filter_map(|o| o.strip_prefix(prefix.as_str()))
        .map(|rest| rest.split_once('.').map_or(rest, |(c, _)| c))
        .collect();
    format!(
        "{} (between `{prefix}` and `.{EVIL}`)",
        characters.join(" ")
    )
}

/// `*`, with credentials or without.
fn wildcard(seen: &Observations) -> Option<Ranked> {
    let all = seen.all();
    if let Some(e) = all
        .iter()
        .find(|e| e.allow_origin().as_deref() == Some("*") && e.allows_credentials())
    {
        return Some(finding(
            Check::WildcardWithCredentials,
            false,
            "Browsers refuse this pair for credentialed requests; it is a sign that \
             credentials were meant, and often the step before reflecting Origin."
                .to_owned(),
            e,
        ));
    }
    let e = all
        .iter()
        .find(|e| e.allow_origin().as_deref() == Some("*"))?;
    Some(finding(
        Check::WildcardOrigin,
        false,
        "Every site can read the responses that need no credentials.".to_owned(),
        e,
    ))
}

/// Vary, when Access-Control-Allow-Origin changes with Origin.
fn missing_vary_origin(seen: &Observations) -> Option<Ranked> {
    let simple: Vec<&Probe> = seen
        .baseline
        .iter()
        .chain(seen.origins.iter().map(|(_, e)| e))
        .collect();
    let mut values: Vec<Option<String>> = simple.iter().map(|e| e.allow_origin()).collect();
    values.sort();
    values.dedup();
    if values.len() <= 1 {
        return None;
    }
    let varies = |e: &Probe| {
        e.list(&VARY)
            .iter()
            .any(|v| v.eq_ignore_ascii_case("origin") || v == "*")
    };
    let e = simple
        .iter()
        .find(|e| e.allow_origin().is_some_and(|o| o != "*") && !varies(e))?;
    Some(finding(
        Check::MissingVaryOrigin,
        false,
        "Access-Control-Allow-Origin changes with the request's Origin, but this \
         response has no `Vary: Origin`: a shared or browser cache can serve it to \
         another origin (which then fails), or serve another origin's answer here."
            .to_owned(),
        e,
    ))
}

/// Credentials for origins that get no Access-Control-Allow-Origin.
fn credentials_for_rejected_origin(seen: &Observations) -> Option<Ranked> {
    let e = seen
        .origins
        .iter()
        .map(|(_, e)| e)
        .chain(seen.rejected_preflight.iter())
        .find(|e| !e.has(&ACCESS_CONTROL_ALLOW_ORIGIN) && e.allows_credentials())?;
    Some(finding(
        Check::CredentialsForRejectedOrigin,
        false,
        format!(
            "The origin `{}` gets no Access-Control-Allow-Origin but does get \
             Access-Control-Allow-Credentials: true. Harmless alone, it shows CORS headers \
             computed without the origin check.",
            e.origin
        ),
        e,
    ))
}

/// A preflight from a rejected origin answered with success.
fn preflight_for_rejected_origin(seen: &Observations) -> Option<Ranked> {
    let e = seen.rejected_preflight.as_ref()?;
    let answered = e.received.status.is_success()
        && (e.has(&ACCESS_CONTROL_ALLOW_METHODS) || e.has(&ACCESS_CONTROL_ALLOW_HEADERS))
        && e.is_rejected();
    answered.then(|| {
        finding(
            Check::PreflightForRejectedOrigin,
            false,
            format!(
                "A preflight from `{}`, which gets no Access-Control-Allow-Origin, was \
                 answered {} with the methods and headers allowed.",
                e.origin,
                net::status_line(e.received.status)
            ),
            e,
        )
    })
}

/// A made-up request header echoed by a preflight.
fn preflight_reflects_headers(seen: &Observations) -> Option<Ranked> {
    let (e, header) = seen.header_preflight.as_ref()?;
    let echoed = e
        .list(&ACCESS_CONTROL_ALLOW_HEADERS)
        .iter()
        .any(|h| h.eq_ignore_ascii_case(header));
    echoed.then(|| {
        finding(
            Check::PreflightReflectsHeaders,
            false,
            format!(
                "A preflight asking for the made-up header `{header}` got it back in \
                 Access-Control-Allow-Headers: every header is allowed, Authorization \
                 included."
            ),
            e,
        )
    })
}

/// A made-up method echoed by a preflight.
fn preflight_reflects_methods(seen: &Observations) -> Option<Ranked> {
    let e = seen.method_preflight.as_ref()?;
    let echoed = e
        .list(&ACCESS_CONTROL_ALLOW_METHODS)
        .iter()
        .any(|m| m == UNKNOWN_METHOD);
    echoed.then(|| {
        finding(
            Check::PreflightReflectsMethods,
            false,
            format!(
                "A preflight asking for the made-up method `{UNKNOWN_METHOD}` got it back in \
                 Access-Control-Allow-Methods: every method is allowed."
            ),
            e,
        )
    })
}

/// `Access-Control-Allow-Headers: *` counted on to cover Authorization.
fn authorization_not_covered_by_wildcard(seen: &Observations) -> Option<Ranked> {
    let Some((e, Some(Blocked::HeaderNotAllowed(name)))) = &seen.authorization_preflight else {
        return None;
    };
    let wildcard = e
        .list(&ACCESS_CONTROL_ALLOW_HEADERS)
        .iter()
        .any(|h| h == "*");
    (name == "authorization" && wildcard).then(|| {
        finding(
            Check::AuthorizationNotCoveredByWildcard,
            false,
            "The preflight answer allows `*` headers but does not name Authorization. \
             Chromium, Firefox and Safari let `*` cover Authorization today; the Fetch \
             Standard does not, and a browser that follows it blocks a script that sends \
             Authorization (\"Request header field authorization is not allowed by \
             Access-Control-Allow-Headers in preflight response.\")."
                .to_owned(),
            e,
        )
    })
}

/// An error response without CORS headers for the trusted origin.
fn error_response_missing_cors(trusted: &Trusted, seen: &Observations) -> Option<Ranked> {
    let e = seen.missing.as_ref()?;
    let missing = seen.baseline_allowed
        && e.received.status.as_u16() >= 400
        && !e.has(&ACCESS_CONTROL_ALLOW_ORIGIN);
    missing.then(|| {
        finding(
            Check::ErrorResponseMissingCors,
            false,
            format!(
                "A missing resource answered {} without Access-Control-Allow-Origin for \
                 the trusted origin `{}`: scripts see a network error instead of the status.",
                net::status_line(e.received.status),
                trusted.origin
            ),
            e,
        )
    })
}

/// Several Access-Control-Allow-Origin values in one response.
fn multiple_allow_origin(seen: &Observations) -> Option<Ranked> {
    let all = seen.all();
    let e = all.iter().find(|e| {
        // A comma-separated list in one value too, unless it is the (odd) origin sent.
        let values = e.values(&ACCESS_CONTROL_ALLOW_ORIGIN);
        values.len() > 1 || values.iter().any(|v| v.contains(',') && *v != e.origin)
    })?;
    Some(finding(
        Check::MultipleAllowOrigin,
        false,
        format!(
            "The response to `{}` has {}: browsers refuse it, so no script can read it.",
            e.origin,
            quoted(
                &e.values(&ACCESS_CONTROL_ALLOW_ORIGIN)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
            )
        ),
        e,
    ))
}

/// The trusted origin itself not allowed, so that some checks had nothing to compare.
fn trusted_origin_not_allowed(trusted: &Trusted, seen: &Observations) -> Option<Ranked> {
    if seen.baseline_allowed {
        return None;
    }
    let e = seen.baseline.as_ref()?;
    Some(finding(
        Check::TrustedOriginNotAllowed,
        false,
        format!(
            "`{}` got no single Access-Control-Allow-Origin naming it (or `*`), so the \
             checks that need an allowed origin (error responses, Vary) found nothing to \
             compare.",
            trusted.origin
        ),
        e,
    ))
}
