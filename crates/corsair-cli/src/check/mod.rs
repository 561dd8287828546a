//! `corsair check URL --origin ORIGIN [-X METHOD] [-H 'Name: value']... [--credentials]
//! [--cookie C] [--browser chromium|spec] [--json]`: what a browser does with a script's
//! request against a live server. Every decision is the library's browser model's
//! ([`corsair_browser`]), in the chosen profile: `check` sends what the model says to
//! send, hands back what came, and prints it. The other profiles then replay the same
//! answers (sending only preflights, GETs and HEADs the first run did not), and a
//! verdict that differs is reported in one line.
//!
//! This file runs the fetch and the replays; [`report`] prints them, and [`fix`] says
//! what to change on the server when the browser blocks the request.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use clap::Args;
use corsair_browser::{
    Blocked, Credentials, Fetching, Outgoing, PreflightCache, PreflightGrant, Profile, Progress,
    Readable, ScriptRequest, is_forbidden_request_header,
};
use http::HeaderValue;
use http::header::COOKIE;

use crate::args;
use crate::net::{self, Client, Received};
use crate::output::{self, Style};

mod fix;
mod report;

use report::{ReceivedResponse, SentRequest, Step};

/// What `corsair check` was asked to do: its arguments.
#[derive(Debug, Args)]
#[command(
    mut_arg("method", |a| a.help(
        "The method, as the script writes it (fetch() uppercases only DELETE, GET, HEAD, \
         OPTIONS, POST and PUT)"
    )),
    mut_arg("headers", |a| a.help("A header the script sets, `Name: value`; repeat for several"))
)]
pub(crate) struct CheckArgs {
    /// The URL the script fetches (http:// or https://)
    #[arg(value_name = "URL")]
    pub(crate) url: String,
    /// The origin of the script's page, `scheme://host[:port]` (or `null`)
    #[arg(long, value_name = "ORIGIN")]
    pub(crate) origin: String,
    // -X and -H, as `explain` reads them; their help is the script's (above).
    #[command(flatten)]
    pub(crate) request: args::RequestArgs,
    /// Credentials mode `include` (cookies and HTTP authentication go along)
    #[arg(long)]
    pub(crate) credentials: bool,
    /// Cookies the browser would attach to a credentialed request, `name=value; ...`
    #[arg(long, value_name = "COOKIES")]
    pub(crate) cookie: Option<String>,
    /// Print one JSON object instead of text
    #[arg(long)]
    pub(crate) json: bool,
    // --timeout and --cacert.
    #[command(flatten)]
    pub(crate) client: args::ClientArgs,
    /// Whose behaviour to reproduce: `chromium` (as measured) or `spec` (the Fetch
    /// Standard's text); a verdict the other profile does not share is reported
    #[arg(long, value_name = "PROFILE", default_value = "chromium")]
    pub(crate) browser: corsair_browser::Profile,
}

/// How the fetch ended.
enum FetchOutcome {
    /// The script reads the response.
    Allowed(Readable),
    /// The browser blocks it: why, for which hop's request, and the last answer.
    Blocked {
        blocked: Blocked,
        request: Box<ScriptRequest>,
        answer: Option<Received>,
    },
    /// No answer.
    Error(String),
    /// Comparing profiles: this profile would send this request (`METHOD URL`), which
    /// the first run did not and which may have side effects, so it was not sent.
    Unsent(String),
}

/// A step as printed: the exchange plus a line saying what the browser made of it.
struct Shown {
    step: Step,
    note: Option<String>,
}

/// Runs `check`; `Ok(Some(true))` allowed, `Ok(Some(false))` blocked, `Ok(None)` could
/// not test (the report is printed). `Err` is an argument error, printed on stderr.
pub(crate) fn run(args: &CheckArgs) -> Result<Option<bool>, String> {
    let uri = net::parse_url(&args.url).map_err(|e| format!("corsair: {e}\n"))?;
    let request = ScriptRequest::new(&args.origin, args.request.method.clone(), uri)
        .map_err(|e| format!("corsair: {e}\n"))?
        .with_profile(args.browser);
    let mut request = request.with_credentials(if args.credentials {
        Credentials::Include
    } else {
        Credentials::SameOrigin
    });
    let mut notes = String::new();
    for (name, value) in &args.request.headers {
        if is_forbidden_request_header(name, value) {
            notes.push_str(&format!(
                "corsair: note: `{name}` is a forbidden request header: browsers drop it from \
                 a script's request, and so does this check{}\n",
                if *name == COOKIE {
                    " (use --cookie with --credentials to send cookies as the cookie jar would)"
                } else {
                    ""
                }
            ));
        }
        request = request.with_header(name.clone(), value.clone());
    }
    let cookie = match &args.cookie {
        Some(text) => Some(
            HeaderValue::from_str(text.trim())
                .map_err(|_| format!("corsair: --cookie `{text}` is not a valid header value\n"))?,
        ),
        None => None,
    };
    if cookie.is_some() && !request.includes_credentials() {
        notes.push_str(
            "corsair: note: without --credentials a browser sends no cookies to another \
             origin: --cookie is ignored\n",
        );
    }
    if !notes.is_empty() {
        output::print_stderr(&notes);
    }

    let client = args
        .client
        .client()
        .map_err(|e| format!("corsair: {e}\n"))?;
    let runtime = net::runtime().map_err(|e| format!("corsair: {e}\n"))?;
    let (shown, outcome, recorded) =
        runtime.block_on(drive(&client, request.clone(), cookie.as_ref(), &[]));
    let mut disagreements = Vec::new();
    if !matches!(outcome, FetchOutcome::Error(_)) {
        for other in Profile::ALL.into_iter().filter(|p| *p != args.browser) {
            let (_, other_outcome, _) = runtime.block_on(drive(
                &client,
                request.clone().with_profile(other),
                cookie.as_ref(),
                &recorded,
            ));
            if let Some(d) = report::disagreement(args.browser, &outcome, other, &other_outcome) {
                disagreements.push(d);
            }
        }
    }

    let text = if args.json {
        output::json_line(&report::document(
            args,
            &request,
            shown,
            &outcome,
            disagreements,
        ))?
    } else {
        report::human(&request, &shown, &outcome, &disagreements, Style::stdout())
    };
    output::print_stdout(&text);
    Ok(match outcome {
        FetchOutcome::Allowed(_) => Some(true),
        FetchOutcome::Blocked { .. } => Some(false),
        FetchOutcome::Error(message) | FetchOutcome::Unsent(message) => {
            // On a terminal the JSON already shows the error: say it once.
            if args.json && !std::io::stdout().is_terminal() {
                output::print_stderr(&format!("corsair: could not test: {message}\n"));
            }
            None
        }
    })
}

/// An exchange of an earlier run, to answer the same request of a replay.
#[derive(Clone)]
struct Recorded {
    /// Whether the request was a preflight.
    preflight: bool,
    /// The method sent.
    method: String,
    /// The URL sent.
    url: String,
    /// What came back.
    answer: Received,
}

/// The exchanges of an earlier run that answer a replay, each used once; empty when
/// the run is not a replay.
struct Replay<'a> {
    recorded: &'a [Recorded],
    used: Vec<bool>,
}

impl<'a> Replay<'a> {
    fn new(recorded: &'a [Recorded]) -> Self {
        Replay {
            recorded,
            used: vec![false; recorded.len()],
        }
    }

    /// Whether this run replays another.
    fn is_replay(&self) -> bool {
        !self.recorded.is_empty()
    }

    /// The answer of the first unused exchange of the same kind, method and URL, now
    /// used.
    fn take(&mut self, preflight: bool, sent: &SentRequest) -> Option<Received> {
        let (i, recorded) = self.recorded.iter().enumerate().find(|(i, r)| {
            !self.used.get(*i).copied().unwrap_or(true)
                && r.preflight == preflight
                && r.method == sent.method
                && r.url == sent.url
        })?;
        if let Some(u) = self.used.get_mut(i) {
            *u = true;
        }
        Some(recorded.answer.clone())
    }
}

/// The fetch, one exchange at a time, as the model says. An exchange found in `replay`
/// (same kind, method and URL, first unused one) is answered from there instead of the
/// network. Returns what was shown, the outcome and every exchange made.
async fn drive(
    client: &Client,
    request: ScriptRequest,
    cookie: Option<&HeaderValue>,
    replay: &[Recorded],
) -> (Vec<Shown>, FetchOutcome, Vec<Recorded>) {
    let started = Instant::now();
    let mut cache = PreflightCache::new(request.profile().cache_profile());
    let mut replay = Replay::new(replay);
    let mut recorded = Vec::new();
    let mut fetching = Fetching::new(request, &cache, Duration::ZERO);
    let mut shown = Vec::new();
    loop {
        let current = fetching.request().clone();
        let outgoing = fetching.outgoing();
        let preflight = outgoing.is_preflight();
        let mut http = outgoing.to_http();
        if let (Outgoing::Actual(actual), Some(cookie)) = (outgoing, cookie) {
            // The cookie jar: cookies go with the actual request when the browser
            // attaches credentials, never with a preflight.
            if actual.includes_credentials() {
                http.headers_mut().insert(COOKIE, cookie.clone());
            }
        }
        let sent = SentRequest {
            method: http.method().to_string(),
            url: http.uri().to_string(),
            headers: net::pairs(http.headers()),
        };
        let kind = if preflight { "preflight" } else { "actual" };
        let answer = match replay.take(preflight, &sent) {
            Some(answer) => answer,
            // Comparing: never send a request with side effects that the user's run
            // did not send.
            None if replay.is_replay()
                && !preflight
                && sent.method != "GET"
                && sent.method != "HEAD" =>
            {
                let unsent = FetchOutcome::Unsent(format!("{} {}", sent.method, sent.url));
                return (shown, unsent, recorded);
            }
            None => match client.send(http).await {
                Ok(answer) => answer,
                Err(message) => {
                    shown.push(Shown {
                        step: Step {
                            kind,
                            request: sent,
                            response: None,
                        },
                        note: None,
                    });
                    return (shown, FetchOutcome::Error(message), recorded);
                }
            },
        };
        recorded.push(Recorded {
            preflight,
            method: sent.method.clone(),
            url: sent.url.clone(),
            answer: answer.clone(),
        });
        let response = ReceivedResponse {
            status: answer.status.as_u16(),
            headers: net::pairs(&answer.headers),
        };
        let now = started.elapsed();
        let progress = fetching.receive(&mut cache, now, answer.status, &answer.headers);
        let (kind, note) = judged(kind, &progress, &current);
        shown.push(Shown {
            step: Step {
                kind,
                request: sent,
                response: Some(response),
            },
            note,
        });
        fetching = match progress {
            Ok(Progress::Preflighted { next, .. } | Progress::Redirected(next)) => next,
            Ok(Progress::Done(readable)) => {
                return (shown, FetchOutcome::Allowed(readable), recorded);
            }
            Err(blocked) => {
                return (
                    shown,
                    FetchOutcome::Blocked {
                        blocked,
                        request: Box::new(current),
                        answer: Some(answer),
                    },
                    recorded,
                );
            }
        };
    }
}

/// The kind of a step (`redirect` for an answer the browser follows) and the line
/// saying what the browser made of the answer to `current`.
fn judged(
    kind: &'static str,
    progress: &Result<Progress, Blocked>,
    current: &ScriptRequest,
) -> (&'static str, Option<String>) {
    match progress {
        Ok(Progress::Preflighted { grant, .. }) => (kind, Some(grant_note(grant))),
        Ok(Progress::Redirected(next)) => (
            "redirect",
            Some(format!(
                "redirect followed to {}{}",
                next.request().url(),
                if next.request().serialized_origin() != current.serialized_origin() {
                    "; the redirect crossed origins, so Origin is now `null`"
                } else {
                    ""
                }
            )),
        ),
        Ok(Progress::Done(_)) => (kind, Some("passed the CORS check".to_owned())),
        Err(_) => (kind, None),
    }
}

/// `passed: allows PUT; headers content-type; cached 600 s`.
fn grant_note(grant: &PreflightGrant) -> String {
    let list = |items: &[String]| {
        if items.is_empty() {
            "none listed".to_owned()
        } else {
            items.join(", ")
        }
    };
    format!(
        "passed: methods {}; headers {}; max-age {}",
        list(grant.methods()),
        list(grant.header_names()),
        match grant.max_age() {
            corsair_browser::MaxAge::Absent => "absent (5 s)".to_owned(),
            corsair_browser::MaxAge::Seconds(s) => format!("{s} s"),
            corsair_browser::MaxAge::Negative => "negative".to_owned(),
            corsair_browser::MaxAge::Invalid => "invalid".to_owned(),
        }
    )
}
