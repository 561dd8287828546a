//! Chromium against the model, case by case: what the script got at each step (blocked
//! or readable, status, final URL, readable headers and their values), every request
//! the API server received (method, host, path, `Origin`, the preflight's
//! `Access-Control-Request-*`, the cookie), and, for each blocked step, the console
//! sentence.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::Duration;

use corsair::Policy;
use corsair_browser::Profile;

use crate::cases::Case;
use crate::model::{Origins, Outcome, predict};
use crate::runner::{CaseResult, StepResult};
use crate::servers::Seen;

/// One line of the report.
#[derive(Clone, Debug)]
pub struct Row {
    /// The case id.
    pub case: String,
    /// What the case checks.
    pub title: &'static str,
    /// `tower` or `actix`.
    pub adapter: &'static str,
    /// What Chromium did, in short.
    pub chromium: String,
    /// What the model predicted, in short.
    pub model: String,
    /// Every difference found (none: they agree).
    pub problems: Vec<String>,
}

impl Row {
    /// Whether Chromium and the model agree.
    pub fn agrees(&self) -> bool {
        self.problems.is_empty()
    }
}

fn observed_outcome(step: &StepResult) -> Outcome {
    if step.outcome != "ok" {
        return Outcome::Blocked;
    }
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &step.headers {
        headers
            .entry(name.to_ascii_lowercase())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(value);
            })
            .or_insert_with(|| value.clone());
    }
    Outcome::Read {
        status: step.status.unwrap_or_default(),
        url: step.url.clone().unwrap_or_default(),
        headers,
    }
}

fn requests_summary(sent: &[Seen]) -> String {
    let preflights = sent.iter().filter(|s| s.is_preflight()).count();
    format!("pf={preflights} req={}", sent.len() - preflights)
}

/// Compares every case of one adapter. `results` are Chromium's, by case id; `log` is
/// what that adapter's API server received.
pub fn compare(
    adapter: &'static str,
    cases: &[Case],
    results: &HashMap<String, CaseResult>,
    log: &[Seen],
    policy: &Policy,
    origins: &Origins,
    profile: Profile,
) -> Vec<Row> {
    cases
        .iter()
        .map(|case| {
            compare_case(
                adapter,
                case,
                results.get(&case.id),
                log,
                policy,
                origins,
                profile,
            )
        })
        .collect()
}

fn compare_case(
    adapter: &'static str,
    case: &Case,
    result: Option<&CaseResult>,
    log: &[Seen],
    policy: &Policy,
    origins: &Origins,
    profile: Profile,
) -> Row {
    let mut row = Row {
        case: case.id.clone(),
        title: case.title,
        adapter,
        chromium: String::new(),
        model: String::new(),
        problems: Vec::new(),
    };
    let Some(result) = result else {
        row.chromium = "no result".to_owned();
        row.problems
            .push("run.mjs reported nothing for this case".to_owned());
        return row;
    };
    let times: Vec<Duration> = result
        .steps
        .iter()
        .map(|s| Duration::from_secs_f64((s.t_ms / 1000.0).max(0.0)))
        .collect();
    let prediction = match predict(policy, case, origins, &times, profile) {
        Ok(p) => p,
        Err(e) => {
            row.problems
                .push(format!("the model cannot run the case: {e}"));
            return row;
        }
    };
    let seen: Vec<Seen> = log
        .iter()
        .filter(|s| s.case() == case.id)
        .cloned()
        .collect();

    let observed: Vec<Outcome> = result.steps.iter().map(observed_outcome).collect();
    row.chromium = format!(
        "{} {}",
        observed
            .iter()
            .map(Outcome::summary)
            .collect::<Vec<_>>()
            .join(" ; "),
        requests_summary(&seen)
    );
    row.model = format!(
        "{} {}",
        prediction
            .steps
            .iter()
            .map(|s| match &s.blocked {
                Some(b) => format!("blocked({})", b.code()),
                None => s.outcome.summary(),
            })
            .collect::<Vec<_>>()
            .join(" ; "),
        requests_summary(&prediction.sent)
    );

    if observed.len() != prediction.steps.len() {
        row.problems.push(format!(
            "chromium ran {} steps, the case has {}",
            observed.len(),
            prediction.steps.len()
        ));
    }
    for (i, (step, (got, predicted))) in result
        .steps
        .iter()
        .zip(observed.iter().zip(&prediction.steps))
        .enumerate()
    {
        if step.outcome == "timeout" {
            row.problems.push(format!("step {}: timed out", i + 1));
        }
        if *got != predicted.outcome {
            row.problems.push(format!(
                "step {}: chromium {got:?} ({}), model {:?} ({})",
                i + 1,
                step.error.as_deref().unwrap_or("no error"),
                predicted.outcome,
                predicted
                    .blocked
                    .as_ref()
                    .map_or_else(|| "allowed".to_owned(), |b| b.code().to_owned()),
            ));
        }
        // The console names the same reason as the model.
        if let Some(blocked) = &predicted.blocked {
            let sentence = blocked.to_string();
            if blocked.is_cors_policy() && !result.console.iter().any(|l| l.contains(&sentence)) {
                row.problems.push(format!(
                    "step {}: no console message says \"{sentence}\"; console: {:?}",
                    i + 1,
                    result.console
                ));
            }
        }
    }
    if seen != prediction.sent {
        let list = |sent: &[Seen]| {
            sent.iter()
                .map(|s| format!("\n      {}", s.describe()))
                .collect::<String>()
        };
        row.problems.push(format!(
            "requests differ:\n    chromium sent:{}\n    model sends:{}",
            list(&seen),
            list(&prediction.sent)
        ));
    }
    if let Some(word) = case.console_names {
        let named = result
            .console
            .iter()
            .any(|l| l.contains("blocked by CORS policy") && l.contains(word));
        if !named {
            row.problems.push(format!(
                "debug mode: no CORS console error names {word}; console: {:?}",
                result.console
            ));
        }
    }
    row
}

/// The report: a table (case, adapter, chromium, model, agree), the details of every
/// disagreement, and a closing line per adapter:
/// `browser conformance (tower): 104 cases, 104 agreements`.
pub fn report(rows: &[Row], adapters: &[&str]) -> String {
    let width = |f: &dyn Fn(&Row) -> usize, header: &str| {
        rows.iter().map(f).max().unwrap_or(0).max(header.len())
    };
    let case_w = width(&|r| r.case.len(), "case");
    let adapter_w = width(&|r| r.adapter.len(), "adapter");
    let chromium_w = width(&|r| r.chromium.len(), "chromium");
    let model_w = width(&|r| r.model.len(), "model");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:case_w$}  {:adapter_w$}  {:chromium_w$}  {:model_w$}  agree",
        "case", "adapter", "chromium", "model"
    );
    for row in rows {
        let _ = writeln!(
            out,
            "{:case_w$}  {:adapter_w$}  {:chromium_w$}  {:model_w$}  {}",
            row.case,
            row.adapter,
            row.chromium,
            row.model,
            if row.agrees() { "yes" } else { "NO" }
        );
    }
    for row in rows.iter().filter(|r| !r.agrees()) {
        let _ = writeln!(
            out,
            "\nDISAGREEMENT {} ({}): {}",
            row.case, row.adapter, row.title
        );
        for problem in &row.problems {
            let _ = writeln!(out, "  - {problem}");
        }
    }
    for adapter in adapters {
        let mine: Vec<&Row> = rows.iter().filter(|r| r.adapter == *adapter).collect();
        let agreements = mine.iter().filter(|r| r.agrees()).count();
        let _ = writeln!(
            out,
            "browser conformance ({adapter}): {} cases, {agreements} agreements",
            mine.len()
        );
    }
    out
}

/// The reference lines for another profile of the model, which the suite does not
/// assert: per adapter, how many cases that profile predicts as Chromium behaved, then
/// the cases (without the adapter prefix) where it does not.
pub fn reference_report(profile: Profile, rows: &[Row], adapters: &[&str]) -> String {
    let mut out = String::new();
    for adapter in adapters {
        let mine: Vec<&Row> = rows.iter().filter(|r| r.adapter == *adapter).collect();
        let agreements = mine.iter().filter(|r| r.agrees()).count();
        let _ = writeln!(
            out,
            "browser conformance ({adapter}, {profile} profile, not asserted): {} cases, \
             {agreements} agreements",
            mine.len()
        );
    }
    let mut differing: Vec<String> = rows
        .iter()
        .filter(|r| !r.agrees())
        .map(|r| {
            r.case
                .strip_prefix(&format!("{}-", r.adapter))
                .unwrap_or(&r.case)
                .to_owned()
        })
        .collect();
    differing.sort_unstable();
    differing.dedup();
    let _ = writeln!(
        out,
        "  {profile} profile differs from Chromium on: {}",
        differing.join(", ")
    );
    out
}
