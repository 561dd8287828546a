//! The real-browser conformance suite: Chromium against corsair's browser model, through
//! the tower and actix-web adapters (see the `corsair-browser-suite` crate docs).
//!
//! It needs Debian's Chromium (`apt-get install -y chromium`), Node.js and
//! playwright-core (`npm ci --prefix tests/browser`). When one is missing it fails under
//! CI (`CI=true`) and is skipped elsewhere, with a line `corsair-test-skipped: <test>:
//! <what to install>` that `scripts/test` counts. The table of every case is written to
//! `report.txt` in the work directory (its path is printed), not to the output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::Write;
use std::path::PathBuf;

use corsair_browser_suite::{ADAPTERS, runner};

/// The brief: at least 60 cases per adapter.
const MIN_CASES: usize = 60;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Writes past the test harness's capture, so the report shows in every run.
fn say(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

#[test]
fn chromium_agrees_with_the_browser_model() {
    let tools = match runner::find_tools(&corsair_browser_suite::suite_dir()) {
        Ok(tools) => tools,
        Err(missing) if in_ci() => panic!("real-browser suite cannot run under CI: {missing}"),
        Err(missing) => {
            // Counted as skipped by `scripts/test`.
            say(&format!(
                "corsair-test-skipped: chromium_agrees_with_the_browser_model: {missing}\n"
            ));
            return;
        }
    };
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-suite");
    let run = corsair_browser_suite::run(&tools, &work).unwrap_or_else(|e| panic!("{e}"));
    // The table goes to a file; the output gets its path and the closing lines (and the
    // disagreements, if any).
    let report = work.join("report.txt");
    std::fs::write(&report, &run.report)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", report.display()));
    let summary: String = run
        .report
        .lines()
        .filter(|l| {
            l.starts_with("browser conformance (")
                || l.starts_with("DISAGREEMENT")
                || l.starts_with("  - ")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    say(&format!(
        "\nreal-browser suite: {} (node {}), {:.1} s in the browser; the table of every case is in {}\n{summary}",
        run.browser_version,
        tools.node_version,
        run.browser_time.as_secs_f64(),
        report.display(),
    ));
    for adapter in ADAPTERS {
        let cases = run.rows.iter().filter(|r| r.adapter == adapter).count();
        assert!(cases >= MIN_CASES, "{adapter}: only {cases} cases");
    }
    let disagreements: Vec<_> = run
        .rows
        .iter()
        .filter(|r| !r.agrees())
        .map(|r| format!("{} ({})", r.case, r.adapter))
        .collect();
    assert!(
        disagreements.is_empty(),
        "Chromium and the browser model disagree on {} cases: {}",
        disagreements.len(),
        disagreements.join(", ")
    );
}
