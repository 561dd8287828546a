//! `corsair lint FILE [--json] [--expand] [--target EDGE]`: check a policy file and report
//! every problem at once; with `--expand`, also what its presets add to its lists; with
//! `--target`, also what `corsair export` could not express for that edge.

use std::path::Path;

use serde::Serialize;

use crate::export::{self, Target};
use crate::output::{self, Colour, Style};
use crate::policy_file::{self, Finding, Loaded};
use crate::presets::{self, Expansion};

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
    /// With `--expand` and a valid policy: what the presets of each part add.
    #[serde(skip_serializing_if = "Option::is_none")]
    expanded: Option<&'a [Expansion]>,
}

/// Runs `lint`; returns whether the policy is valid. `expand`: also show what the
/// presets add (a valid policy only: an invalid one is not expanded). `target`: also
/// report, as warnings, what `corsair export` cannot express for that edge (a valid
/// policy only); nothing is written.
pub(crate) fn run(
    file: &Path,
    json: bool,
    expand: bool,
    target: Option<Target>,
) -> Result<bool, String> {
    let (findings, expanded) = match policy_file::load(file) {
        Loaded::Unreadable(finding) => {
            output::print_stderr(&format!("corsair: {}\n", finding.message));
            if json {
                print_json(file, false, std::slice::from_ref(&finding))?;
            }
            return Ok(false);
        }
        Loaded::Invalid(findings) => (findings, None),
        Loaded::Valid {
            mut warnings,
            config,
            ..
        } => {
            if let Some(target) = target {
                warnings.extend(export::lossy_findings(&config, file, target));
            }
            (warnings, expand.then(|| Expansion::all(&config)))
        }
    };
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let valid = errors == 0;
    if json {
        print_report(file, valid, &findings, expanded.as_deref())?;
    } else {
        let mut out = human_styled(file, &findings, Style::stdout());
        if let Some(expanded) = &expanded {
            out.push('\n');
            out.push_str(&presets::human(expanded));
        }
        output::print_stdout(&out);
    }
    Ok(valid)
}

/// Prints the `--json` document (`explain --json` prints it too for a policy it cannot
/// use).
pub(crate) fn print_json(file: &Path, valid: bool, findings: &[Finding]) -> Result<(), String> {
    print_report(file, valid, findings, None)
}

/// The `--json` document, with the expansion of the presets when asked.
fn print_report(
    file: &Path,
    valid: bool,
    findings: &[Finding],
    expanded: Option<&[Expansion]>,
) -> Result<(), String> {
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let report = LintReport {
        file: file.display().to_string(),
        valid,
        errors,
        warnings: findings.len() - errors,
        diagnostics: findings,
        expanded,
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
