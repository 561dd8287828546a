//! corsair's real-browser conformance suite.
//!
//! The suite starts, on loopback, a page server (the main page at
//! `http://127.0.0.1:P1`, another page at `http://localhost:P2`, and a sandboxed iframe
//! whose origin is `null`) and two API servers built from one policy file
//! (`policy.toml`): axum behind corsair's tower layer, and actix-web behind
//! `corsair::actix::Cors`. `run.mjs` drives Debian's Chromium, headless, through
//! playwright-core: every case of [`cases::all`] runs with `fetch()` and/or
//! `XMLHttpRequest` against both servers. For each case the suite compares what
//! Chromium did with what corsair's browser model ([`corsair_browser`], in its
//! `Profile::Chromium`) predicts on the same policy, through the same engine and the
//! same application ([`model`]); [`compare`] says how. [`seeded`] draws 300 of the
//! cases, request and answers, from seeds.
//!
//! The test is `tests/real_browser.rs`; it runs as part of
//! `cargo test --workspace --all-features`.

pub mod app;
pub mod cases;
pub mod compare;
pub mod model;
pub mod runner;
pub mod seeded;
pub mod servers;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use corsair::{Config, Policy};
use corsair_browser::Profile;

use crate::compare::Row;
use crate::model::Origins;
use crate::runner::{Pages, RunInput, Tools};
use crate::servers::Servers;

/// The adapters, as the report names them.
pub const ADAPTERS: [&str; 2] = ["tower", "actix"];

/// How long Chromium may take for the whole matrix.
pub const TIME_LIMIT: Duration = Duration::from_secs(240);

/// This crate's directory: `policy.toml`, `run.mjs`, `node_modules`.
pub fn suite_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The suite's policy (`policy.toml`) for a main page at `page_origin`.
pub fn policy_for(page_origin: &str) -> Result<Policy, String> {
    let path = suite_dir().join("policy.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Config::from_toml_str(&text.replace("{PAGE}", page_origin))
        .and_then(Config::build)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The outcome of a run.
#[derive(Debug)]
pub struct SuiteRun {
    /// One row per case and adapter.
    pub rows: Vec<Row>,
    /// The printed report ([`compare::report`]).
    pub report: String,
    /// Chromium's version.
    pub browser_version: String,
    /// How long Chromium took.
    pub browser_time: Duration,
}

/// Runs the whole suite: servers, Chromium, model, comparison. `work_dir` receives
/// `cases.json`, `results.json` and `run.log`.
pub fn run(tools: &Tools, work_dir: &Path) -> Result<SuiteRun, String> {
    let servers = Servers::start(policy_for)?;
    let all = cases::all();
    let adapters = [
        (ADAPTERS[0], servers.tower_api.clone()),
        (ADAPTERS[1], servers.actix_api.clone()),
    ];
    let mut per_adapter = Vec::new();
    let mut browser_cases = Vec::new();
    for (adapter, api) in adapters {
        let origins = Origins {
            main: servers.main_origin.clone(),
            other: servers.other_origin.clone(),
            api,
        };
        let cases: Vec<_> = all.iter().map(|c| c.for_adapter(adapter)).collect();
        browser_cases.extend(runner::browser_cases(&cases, &origins)?);
        per_adapter.push((adapter, origins, cases));
    }
    let input = RunInput {
        chromium: tools.chromium.display().to_string(),
        pages: Pages {
            main: format!("{}/", servers.main_origin),
            other: format!("{}/", servers.other_origin),
            sandbox: servers.sandbox_page(),
        },
        cookie: runner::cookie(),
        cases: browser_cases,
    };
    let started = Instant::now();
    let output = runner::run_chromium(tools, &input, work_dir, TIME_LIMIT)?;
    let browser_time = started.elapsed();
    let results: HashMap<_, _> = output
        .cases
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();

    // The model gets the same policy, built from the same file.
    let policy = policy_for(&servers.main_origin)?;
    let mut rows = Vec::new();
    // The Fetch Standard's profile, for reference: where it differs from Chromium.
    let mut spec_rows = Vec::new();
    for (adapter, origins, cases) in &per_adapter {
        let log = if *adapter == ADAPTERS[0] {
            servers.tower_log.snapshot()
        } else {
            servers.actix_log.snapshot()
        };
        rows.extend(compare::compare(
            adapter,
            cases,
            &results,
            &log,
            &policy,
            origins,
            Profile::Chromium,
        ));
        spec_rows.extend(compare::compare(
            adapter,
            cases,
            &results,
            &log,
            &policy,
            origins,
            Profile::Spec,
        ));
    }
    drop(servers);
    let mut report = compare::report(&rows, &ADAPTERS);
    report.push_str(&compare::reference_report(
        Profile::Spec,
        &spec_rows,
        &ADAPTERS,
    ));
    Ok(SuiteRun {
        rows,
        report,
        browser_version: output.browser_version,
        browser_time,
    })
}
