//! What corsair's browser model predicts for a case: each step's script request goes
//! through [`corsair_browser::fetch`] with Chromium's cache lifetimes, and the
//! "network" is the API server simulated exactly: [`Policy::decide`] on each request the
//! model sends, then either the engine's own answer (a preflight) or the test
//! application's answer with the engine's headers applied, as both adapters do.

use std::collections::BTreeMap;
use std::time::Duration;

use corsair::{Action, Policy};
use corsair_browser::{
    self as browser, Blocked, Credentials, PreflightCache, Profile, ScriptRequest,
};
use http::header::{CONTENT_TYPE, HeaderMap};
use http::{Method, StatusCode, Uri};

use crate::app::respond_to;
use crate::cases::{Api, Case, Page, Step};
use crate::servers::Seen;

/// What a script got from one request, in the terms both sides can report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The script could read the response.
    Read {
        /// `response.status`, `xhr.status`.
        status: u16,
        /// `response.url`, `xhr.responseURL`.
        url: String,
        /// The headers the script can see, lowercase names, values of one name joined
        /// with `", "`.
        headers: BTreeMap<String, String>,
    },
    /// The fetch failed (a network error, as the script sees it).
    Blocked,
}

impl Outcome {
    /// `ok 200 [content-type,x-request-id]` or `blocked`.
    pub fn summary(&self) -> String {
        match self {
            Outcome::Read {
                status, headers, ..
            } => {
                let names: Vec<&str> = headers.keys().map(String::as_str).collect();
                format!("ok {status} [{}]", names.join(","))
            }
            Outcome::Blocked => "blocked".to_owned(),
        }
    }
}

/// The model's prediction for one step.
#[derive(Clone, Debug)]
pub struct StepPrediction {
    /// What the script gets.
    pub outcome: Outcome,
    /// Why the model blocks it: the stable code and the sentence a console shows.
    pub blocked: Option<Blocked>,
}

/// The model's prediction for a case.
#[derive(Clone, Debug)]
pub struct Prediction {
    /// One per step.
    pub steps: Vec<StepPrediction>,
    /// Every request the API server receives, in order.
    pub sent: Vec<Seen>,
}

/// Where the case runs: the page origins and the API server's base URL.
#[derive(Clone, Debug)]
pub struct Origins {
    /// `http://127.0.0.1:P1`.
    pub main: String,
    /// `http://localhost:P2`.
    pub other: String,
    /// The API server, `http://127.0.0.1:P`.
    pub api: String,
}

impl Origins {
    /// The serialized origin of a page (`null` for the sandboxed iframe).
    pub fn of(&self, page: Page) -> &str {
        match page {
            Page::Main => &self.main,
            Page::Other => &self.other,
            Page::Null => "null",
        }
    }
}

/// The script request a step makes, as the browser model sees it.
pub fn script_request(
    step: &Step,
    case: &Case,
    origins: &Origins,
) -> Result<ScriptRequest, String> {
    let url: Uri = format!("{}{}", origins.api, step.path(&case.id))
        .parse()
        .map_err(|e| format!("{}: bad URL: {e}", case.id))?;
    let method =
        Method::from_bytes(step.method.as_bytes()).map_err(|e| format!("{}: {e}", case.id))?;
    let mut request = ScriptRequest::new(origins.of(case.page), method, url)
        .map_err(|e| format!("{}: {e}", case.id))?;
    for (name, value) in &step.headers {
        request = request
            .header(name, value)
            .map_err(|e| format!("{}: {e}", case.id))?;
    }
    // A string body comes with `text/plain;charset=UTF-8` unless the script set a type,
    // from fetch() and XMLHttpRequest alike.
    if step.body.is_some() && !request.headers().contains_key(CONTENT_TYPE) {
        request = request
            .header("content-type", "text/plain;charset=UTF-8")
            .map_err(|e| format!("{}: {e}", case.id))?;
    }
    let credentials = match step.api {
        Api::Fetch => step.credentials,
        Api::Xhr if step.credentials == Credentials::Include => Credentials::Include,
        Api::Xhr => Credentials::SameOrigin,
    };
    // XHR: an upload listener and a body set the use-CORS-preflight flag.
    let flag = step.api == Api::Xhr && step.upload_listener && step.body.is_some();
    Ok(request
        .with_credentials(credentials)
        .with_cors_preflight_flag(flag))
}

/// The API server's answer to one request, as the tower and actix adapters give it: the
/// engine's decision, then its own answer or the application's with the headers
/// applied.
pub fn server_answer(policy: &Policy, request: &http::Request<()>) -> (StatusCode, HeaderMap) {
    let decision = policy.decide_request(request);
    match decision.action() {
        Action::Respond(status) => {
            let mut headers = HeaderMap::new();
            decision.into_headers().apply_to(&mut headers);
            (status, headers)
        }
        Action::Forward => {
            let authority = request.uri().authority().map_or("", |a| a.as_str());
            let origin = request
                .headers()
                .get(http::header::ORIGIN)
                .and_then(|o| o.to_str().ok());
            let answer = respond_to(request.method(), request.uri().path(), authority, origin);
            let mut headers = answer.wire_headers();
            decision.into_headers().apply_to(&mut headers);
            (answer.status, headers)
        }
    }
}

/// Whether Chromium's jar has a cookie for this request: the suite's `SameSite=Lax`
/// cookie for `127.0.0.1` goes on credentialed requests to that host from the
/// same-site main page, never on preflights. (Cookies are outside the browser model;
/// this is the suite's knowledge of its own jar.)
fn cookie_goes_with(request: &http::Request<()>, page: Page, credentials: Credentials) -> bool {
    request.method() != Method::OPTIONS
        && credentials == Credentials::Include
        && page == Page::Main
        && request.uri().host() == Some("127.0.0.1")
}

/// Predicts a case in a browser profile of the model. `times` are when the script made
/// each request, from the first one (the preflight cache depends on it); a missing time
/// counts as zero.
pub fn predict(
    policy: &Policy,
    case: &Case,
    origins: &Origins,
    times: &[Duration],
    profile: Profile,
) -> Result<Prediction, String> {
    let mut cache = PreflightCache::new(profile.cache_profile());
    let mut sent = Vec::new();
    let mut steps = Vec::new();
    for (i, step) in case.steps.iter().enumerate() {
        let request = script_request(step, case, origins)?.with_profile(profile);
        let credentials = request.credentials();
        let now = times.get(i).copied().unwrap_or_default();
        let result = browser::fetch(request, &mut cache, now, |r| {
            let authority = r.uri().authority().map_or("", |a| a.as_str());
            let path = r
                .uri()
                .path_and_query()
                .map_or_else(|| r.uri().path().to_owned(), |p| p.as_str().to_owned());
            let mut seen = Seen::new(r.method().as_str(), authority, &path, r.headers());
            seen.cookie = cookie_goes_with(r, case.page, credentials);
            sent.push(seen);
            server_answer(policy, r)
        });
        steps.push(match result {
            Ok(readable) => {
                let mut headers: BTreeMap<String, String> = BTreeMap::new();
                for (name, value) in readable.headers() {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    headers
                        .entry(name.as_str().to_owned())
                        .and_modify(|v| {
                            v.push_str(", ");
                            v.push_str(&value);
                        })
                        .or_insert(value);
                }
                StepPrediction {
                    outcome: Outcome::Read {
                        status: readable.status().as_u16(),
                        url: readable.url().to_string(),
                        headers,
                    },
                    blocked: None,
                }
            }
            Err(blocked) => StepPrediction {
                outcome: Outcome::Blocked,
                blocked: Some(blocked),
            },
        });
    }
    Ok(Prediction { steps, sent })
}
