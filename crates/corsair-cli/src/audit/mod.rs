//! `corsair audit URL [--origin TRUSTED_ORIGIN] [-H 'Name: value']... [--json]`: probes a
//! live server with the origins and request shapes an attacker would try, and reports
//! each misconfiguration with a severity, the evidence and the fix.
//!
//! The probes: a baseline from the trusted origin; every origin CORScanner and Corsy
//! try (reflection, `null`, prefix, suffix, substring, unescaped dots, special
//! characters, plain http, any subdomain, third-party hosts); four preflights (from a
//! rejected origin, with an unknown header, with an unknown method, with
//! `Authorization`); and a request for a missing resource. 40 to 44 requests
//! (43 for a trusted origin such as `https://app.example.com`: the count depends on its
//! scheme and host), one at a time, each under the timeout.
//!
//! This file runs the command and prints the report; [`origins`] derives the probe
//! origins, [`probe`] sends the probes, [`checks`] judges what they saw, and
//! [`catalogue`] holds every check's id, title, severity and fix.

use std::io::IsTerminal;

use clap::Args;
use corsair_browser::ScriptRequest;
use http::header::ORIGIN;
use http::{HeaderName, HeaderValue, Method, Uri};
use serde::Serialize;

use crate::args;
use crate::net;
use crate::output::{self, Colour};

mod catalogue;
mod checks;
mod origins;
mod probe;

use catalogue::AuditSeverity;
use checks::AuditFinding;
use probe::{Observations, Prober};

/// What `corsair audit` was asked to do: its arguments.
#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// The URL to probe (http:// or https://)
    #[arg(value_name = "URL")]
    pub(crate) url: String,
    /// The origin of the site's own pages, `scheme://host[:port]` (default: derived from
    /// the URL)
    #[arg(long, value_name = "ORIGIN")]
    pub(crate) origin: Option<String>,
    /// A header sent with every probe but the preflights (authentication, say); repeat
    /// for several
    #[arg(
        short = 'H',
        long = "header",
        value_name = "NAME: VALUE",
        value_parser = args::parse_header
    )]
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// Print one JSON object instead of text
    #[arg(long)]
    pub(crate) json: bool,
    // --timeout and --cacert.
    #[command(flatten)]
    pub(crate) client: args::ClientArgs,
}

/// The `--json` document. Field order and names are part of the documented interface.
#[derive(Debug, Serialize)]
struct AuditReport {
    /// The URL as given.
    url: String,
    /// The trusted origin the probes were derived from.
    origin: String,
    /// The findings, most severe first.
    findings: Vec<AuditFinding>,
    /// How many requests were sent.
    probes: usize,
    /// Why the audit could not finish (no answer, timeout, TLS failure); exit 2.
    error: Option<String>,
}

/// Runs `audit`; `Ok(Some(clean))` where `clean` is false when a high-severity finding
/// exists, `Ok(None)` when the audit could not finish (the report is printed). `Err` is
/// an argument error, printed on stderr.
pub(crate) fn run(args: &AuditArgs) -> Result<Option<bool>, String> {
    let url = net::parse_url(&args.url).map_err(|e| format!("corsair: {e}\n"))?;
    // The browser model canonicalizes the URL (lowercase host, no default port).
    let canonical = ScriptRequest::new("null", Method::GET, url)
        .map_err(|e| format!("corsair: {e}\n"))?
        .url()
        .clone();
    let candidates = trusted_candidates(args.origin.as_deref(), &canonical)?;
    if args.headers.iter().any(|(name, _)| *name == ORIGIN) {
        output::print_stderr(
            "corsair: note: -H Origin is ignored: every probe sets its own Origin\n",
        );
    }
    let client = args
        .client
        .client()
        .map_err(|e| format!("corsair: {e}\n"))?;
    let runtime = net::runtime().map_err(|e| format!("corsair: {e}\n"))?;
    let mut prober = Prober::new(&client, &args.headers);
    let mut seen = Observations::default();
    let result = runtime.block_on(probe::send_probes(
        &mut prober,
        &canonical,
        &candidates,
        &mut seen,
    ));
    let (trusted, findings, error) = match result {
        Ok(trusted) => (
            trusted.origin.clone(),
            checks::findings(&trusted, &seen),
            None,
        ),
        Err(message) => (
            candidates.first().cloned().unwrap_or_default(),
            Vec::new(),
            Some(message),
        ),
    };
    let report = AuditReport {
        url: args.url.clone(),
        origin: trusted,
        findings,
        probes: prober.sent(),
        error,
    };
    print(&report, &seen, args.json)
}

/// The trusted origins to try, in order: `--origin`, else those derived from the URL.
fn trusted_candidates(origin: Option<&str>, url: &Uri) -> Result<Vec<String>, String> {
    let Some(origin) = origin else {
        return Ok(origins::derived_origins(url));
    };
    if origin == "null" {
        return Err(
            "corsair: --origin must be the origin of your own pages, `scheme://host[:port]`\n"
                .to_owned(),
        );
    }
    ScriptRequest::new(origin, Method::GET, url.clone())
        .map_err(|e| format!("corsair: --origin: {e}\n"))?;
    Ok(vec![origin.to_owned()])
}

/// Prints the report; returns what `run` returns.
fn print(report: &AuditReport, seen: &Observations, json: bool) -> Result<Option<bool>, String> {
    let text = if json {
        output::json_line(report)?
    } else {
        human(report, seen, output::Style::stdout())
    };
    output::print_stdout(&text);
    if let Some(error) = &report.error {
        // On a terminal the JSON already shows the error: say it once.
        if json && !std::io::stdout().is_terminal() {
            output::print_stderr(&format!("corsair: could not audit: {error}\n"));
        }
        return Ok(None);
    }
    Ok(Some(
        !report
            .findings
            .iter()
            .any(|f| f.severity == AuditSeverity::High.as_str()),
    ))
}

fn human(report: &AuditReport, seen: &Observations, style: output::Style) -> String {
    let mut out = format!("corsair audit {}\n", report.url);
    out.push_str(&format!("trusted origin: {}", report.origin));
    out.push_str(&baseline_note(seen));
    out.push_str(&format!(
        "probes:         {}\n",
        output::count(report.probes, "request")
    ));
    for finding in &report.findings {
        finding.write_human(&mut out, style);
    }
    if let Some(error) = &report.error {
        out.push_str(&format!(
            "\n{}: {error}\n",
            style.paint(Colour::Yellow, "could not audit")
        ));
        return out;
    }
    out.push('\n');
    if report.findings.is_empty() {
        out.push_str(&style.paint(Colour::Green, "no finding"));
        out.push('\n');
    } else {
        out.push_str(&summary(&report.findings));
    }
    out
}

/// What the server made of the trusted origin, ending the `trusted origin:` line.
fn baseline_note(seen: &Observations) -> String {
    let Some(baseline) = &seen.baseline else {
        return "\n".to_owned();
    };
    match baseline.allow_origin() {
        Some(value) if seen.baseline_allowed => format!(
            " (allowed: Access-Control-Allow-Origin: {value}{})\n",
            if baseline.allows_credentials() {
                ", with credentials"
            } else {
                ""
            }
        ),
        _ => " (not allowed by the server)\n".to_owned(),
    }
}

/// `3 findings: 1 high, 2 low`.
fn summary(findings: &[AuditFinding]) -> String {
    let count = |s: AuditSeverity| findings.iter().filter(|f| f.severity == s.as_str()).count();
    let parts: Vec<String> = AuditSeverity::ALL
        .into_iter()
        .filter(|s| count(*s) > 0)
        .map(|s| format!("{} {}", count(s), s.as_str()))
        .collect();
    format!(
        "{}: {}\n",
        output::count(findings.len(), "finding"),
        parts.join(", ")
    )
}
