//! The real-browser conformance suite: Chromium against corsair's browser model, through
//! the tower and actix-web adapters (see the `corsair-browser-suite` crate docs).
//!
//! It needs Debian's Chromium (`apt-get install -y chromium`), Node.js and
//! playwright-core (`npm ci --prefix tests/browser`). When one is missing it fails under
//! CI (`CI=true`) and is skipped, with a message saying what to install, elsewhere.
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
            say(&format!("\nreal-browser suite SKIPPED: {missing}\n"));
            return;
        }
    };
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-suite");
    let run = corsair_browser_suite::run(&tools, &work).unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::write(work.join("report.txt"), &run.report);
    say(&format!(
        "\nreal-browser suite: {} (node {}), {:.1} s in the browser; files in {}\n{}",
        run.browser_version,
        tools.node_version,
        run.browser_time.as_secs_f64(),
        work.display(),
        run.report
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
