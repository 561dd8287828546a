//! Running Chromium: checking that Chromium, Node.js and playwright-core are there,
//! writing the cases for `run.mjs`, running it, and reading what Chromium did.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::cases::Case;
use crate::model::{Origins, script_request};
use crate::servers::COOKIE_NAME;

/// Debian's Chromium, unless `CORSAIR_CHROMIUM` names another binary.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// What the suite needs, found.
#[derive(Clone, Debug)]
pub struct Tools {
    /// The Chromium binary.
    pub chromium: PathBuf,
    /// `node --version`.
    pub node_version: String,
    /// The directory of `run.mjs` and `node_modules`.
    pub suite_dir: PathBuf,
}

/// Finds Chromium, Node.js and playwright-core, or says what is missing and how to
/// install it.
pub fn find_tools(suite_dir: &Path) -> Result<Tools, String> {
    let chromium = std::env::var_os("CORSAIR_CHROMIUM")
        .map_or_else(|| PathBuf::from(DEFAULT_CHROMIUM), PathBuf::from);
    let mut missing = Vec::new();
    if !chromium.is_file() {
        missing.push(format!(
            "Chromium is not at {} (install it: apt-get install -y chromium)",
            chromium.display()
        ));
    }
    let node_version = Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if node_version.is_none() {
        missing.push("Node.js is not installed (node --version failed)".to_owned());
    }
    if !suite_dir
        .join("node_modules/playwright-core/package.json")
        .is_file()
    {
        missing.push(format!(
            "playwright-core is not installed (run: npm ci --prefix {})",
            suite_dir.display()
        ));
    }
    match node_version {
        Some(node_version) if missing.is_empty() => Ok(Tools {
            chromium,
            node_version,
            suite_dir: suite_dir.to_owned(),
        }),
        _ => Err(missing.join("; ")),
    }
}

/// The input of `run.mjs`.
#[derive(Clone, Debug, Serialize)]
pub struct RunInput {
    /// The Chromium binary.
    pub chromium: String,
    /// Page URLs: `main`, `other`, and `sandbox` (whose iframe is the `null` page).
    pub pages: Pages,
    /// The cookie to put in the jar before the first case.
    pub cookie: CookieSpec,
    /// The cases, run in order.
    pub cases: Vec<BrowserCase>,
}

/// The pages' URLs.
#[derive(Clone, Debug, Serialize)]
pub struct Pages {
    /// The main page.
    pub main: String,
    /// The other page.
    pub other: String,
    /// The page holding the sandboxed iframe.
    pub sandbox: String,
}

/// A cookie for Chromium's jar.
#[derive(Clone, Debug, Serialize)]
pub struct CookieSpec {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// The host it is for.
    pub domain: String,
}

/// A case as `run.mjs` runs it.
#[derive(Clone, Debug, Serialize)]
pub struct BrowserCase {
    /// The case id (it appears in every URL of the case).
    pub id: String,
    /// `main`, `other` or `null`.
    pub page: &'static str,
    /// The requests, in order.
    pub steps: Vec<BrowserStep>,
}

/// A request as `run.mjs` makes it.
#[derive(Clone, Debug, Serialize)]
pub struct BrowserStep {
    /// `fetch` or `xhr`.
    pub api: &'static str,
    /// The method, as the script writes it.
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// The headers the script sets.
    pub headers: Vec<(String, String)>,
    /// `omit`, `same-origin` or `include` (XHR: `include` is `withCredentials`).
    pub credentials: &'static str,
    /// A string body.
    pub body: Option<String>,
    /// XHR: register an upload listener.
    pub upload: bool,
}

/// The cases of one adapter, for `run.mjs`.
pub fn browser_cases(cases: &[Case], origins: &Origins) -> Result<Vec<BrowserCase>, String> {
    cases
        .iter()
        .map(|case| {
            let steps = case
                .steps
                .iter()
                .map(|step| {
                    // The model's request checks the same inputs first.
                    script_request(step, case, origins)?;
                    Ok(BrowserStep {
                        api: step.api.as_str(),
                        method: step.method.to_owned(),
                        url: format!("{}{}", origins.api, step.path(&case.id)),
                        headers: step
                            .headers
                            .iter()
                            .map(|(n, v)| ((*n).to_owned(), v.clone()))
                            .collect(),
                        credentials: step.credentials.as_str(),
                        body: step.body.map(str::to_owned),
                        upload: step.upload_listener,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(BrowserCase {
                id: case.id.clone(),
                page: case.page.as_str(),
                steps,
            })
        })
        .collect()
}

/// The cookie the suite's jar holds: for `127.0.0.1`, `SameSite=Lax`.
pub fn cookie() -> CookieSpec {
    CookieSpec {
        name: COOKIE_NAME.to_owned(),
        value: "suite".to_owned(),
        domain: "127.0.0.1".to_owned(),
    }
}

/// What `run.mjs` reports.
#[derive(Clone, Debug, Deserialize)]
pub struct RunOutput {
    /// Chromium's version string.
    pub browser_version: String,
    /// One per case, in order.
    pub cases: Vec<CaseResult>,
}

/// What Chromium did for one case.
#[derive(Clone, Debug, Deserialize)]
pub struct CaseResult {
    /// The case id.
    pub id: String,
    /// One per step.
    pub steps: Vec<StepResult>,
    /// The console messages that name one of the case's URLs.
    pub console: Vec<String>,
}

/// What the script saw for one request.
#[derive(Clone, Debug, Deserialize)]
pub struct StepResult {
    /// When the request was made, in milliseconds after the case's first one.
    pub t_ms: f64,
    /// `ok`, `blocked` (a network error) or `timeout`.
    pub outcome: String,
    /// The status, when readable.
    pub status: Option<u16>,
    /// The final URL, when readable.
    pub url: Option<String>,
    /// The readable headers (lowercase names, as the script lists them).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The error the script caught.
    pub error: Option<String>,
}

/// Runs `node run.mjs input output` in the suite directory, with a time limit, and
/// reads the output.
pub fn run_chromium(
    tools: &Tools,
    input: &RunInput,
    work_dir: &Path,
    limit: Duration,
) -> Result<RunOutput, String> {
    std::fs::create_dir_all(work_dir).map_err(|e| format!("{}: {e}", work_dir.display()))?;
    let input_path = work_dir.join("cases.json");
    let output_path = work_dir.join("results.json");
    let log_path = work_dir.join("run.log");
    let text = serde_json::to_string_pretty(input).map_err(|e| format!("cases.json: {e}"))?;
    std::fs::write(&input_path, text).map_err(|e| format!("{}: {e}", input_path.display()))?;
    let _ = std::fs::remove_file(&output_path);
    let log =
        std::fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let log_err = log
        .try_clone()
        .map_err(|e| format!("{}: {e}", log_path.display()))?;
    let mut child = Command::new("node")
        .arg(tools.suite_dir.join("run.mjs"))
        .arg(&input_path)
        .arg(&output_path)
        .current_dir(&tools.suite_dir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| format!("node: {e}"))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "run.mjs took more than {} s; its log: {}",
                    limit.as_secs(),
                    log_path.display()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("node: {e}")),
        }
    };
    if !status.success() {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        return Err(format!("run.mjs failed ({status}):\n{log}"));
    }
    let text = std::fs::read_to_string(&output_path)
        .map_err(|e| format!("{}: {e}", output_path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", output_path.display()))
}
