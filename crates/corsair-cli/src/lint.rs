//! `corsair lint FILE [--json]`: check a policy file and report every problem at once.

use std::path::Path;

use serde::Serialize;

use crate::output::{self, Colour, Style};
use crate::policy_file::{self, Finding, Loaded};

/// The `--json` document. Field order and names are part of the documented interface.
#[derive(Serialize)]
struct LintReport<'a> {
    /// The file, as given on the command line.
    file: String,
    /// Whether the policy builds (warnings allowed).
    valid: bool,
    /// How many errors.
    errors: usize,
    /// How many warnings.
    warnings: usize,
    /// Every error and warning, in the order found.
    diagnostics: &'a [Finding],
}

/// Runs `lint`; returns whether the policy is valid.
pub(crate) fn run(file: &Path, json: bool) -> Result<bool, String> {
    let findings = match policy_file::load(file) {
        Loaded::Unreadable(finding) => {
            output::print_stderr(&format!("corsair: {}\n", finding.message));
            if json {
                print_json(file, false, std::slice::from_ref(&finding))?;
            }
            return Ok(false);
        }
        Loaded::Invalid(findings) => findings,
        Loaded::Valid { warnings, .. } => warnings,
    };
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let valid = errors == 0;
    if json {
        print_json(file, valid, &findings)?;
    } else {
        output::print_stdout(&human_styled(file, &findings, Style::stdout()));
    }
    Ok(valid)
}

/// Prints the `--json` document (`explain --json` prints it too for a policy it cannot
/// use).
pub(crate) fn print_json(file: &Path, valid: bool, findings: &[Finding]) -> Result<(), String> {
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let report = LintReport {
        file: file.display().to_string(),
        valid,
        errors,
        warnings: findings.len() - errors,
        diagnostics: findings,
    };
    output::print_stdout(&output::json_line(&report)?);
    Ok(())
}

/// The human report, plain: every finding, then a summary line.
pub(crate) fn human(file: &Path, findings: &[Finding]) -> String {
    human_styled(file, findings, Style::PLAIN)
}

/// The human report, in colour when `style` says so.
pub(crate) fn human_styled(file: &Path, findings: &[Finding], style: Style) -> String {
    let mut out = String::new();
    for finding in findings {
        finding.write_human(&mut out, style);
    }
    out.push_str(&summary(file, findings, style));
    out.push('\n');
    out
}

/// `corsair.toml: 2 errors, 1 warning`, or `corsair.toml: valid (1 warning)`.
fn summary(file: &Path, findings: &[Finding], style: Style) -> String {
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let warnings = findings.len() - errors;
    let file = file.display();
    let valid = style.paint(Colour::Green, "valid");
    match (errors, warnings) {
        (0, 0) => format!("{file}: {valid}"),
        (0, w) => format!("{file}: {valid} ({})", output::count(w, "warning")),
        (e, w) => format!(
            "{file}: {}, {}",
            style.paint(Colour::Red, &output::count(e, "error")),
            output::count(w, "warning")
        ),
    }
}
