//! `corsair check URL --origin ORIGIN [-X METHOD] [-H 'Name: value']... [--credentials]
//! [--cookie C] [--browser chromium|spec] [--json]`: what a browser does with a script's
//! request against a live server. Every decision is the library's browser model's
//! ([`corsair::browser`]), in the chosen profile: this file sends what the model says to
//! send, hands back what came, and prints it. The other profiles then replay the same
//! answers (sending only preflights, GETs and HEADs the first run did not), and a
//! verdict that differs is reported in one line.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use clap::Args;
use corsair::browser::{
    Blocked, CorsFailure, Credentials, Fetching, Outgoing, PreflightCache, PreflightGrant, Profile,
    Progress, Readable, ScriptRequest, is_forbidden_request_header,
};
use http::header::{COOKIE, LOCATION};
use http::{HeaderName, HeaderValue, StatusCode};
use serde::Serialize;

use crate::args;
use crate::net::{self, Client, Received};
use crate::output::{self, Colour, Style};

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
    pub(crate) browser: corsair::browser::Profile,
}

/// The `--json` document. Field order and names are part of the documented interface.
#[derive(Debug, Serialize)]
struct CheckReport {
    /// The URL as given.
    url: String,
    /// The script's origin.
    origin: String,
    /// The method the browser sends (normalized).
    method: String,
    /// `include` with `--credentials`, else `same-origin` (`fetch()`'s default).
    credentials: &'static str,
    /// Whether the script may read the response.
    allowed: bool,
    /// Why not, when the browser blocks it.
    blocked: Option<BlockedReport>,
    /// Why the server could not be tested (no answer, timeout, TLS failure); exit 2.
    error: Option<String>,
    /// Every exchange, in order.
    steps: Vec<Step>,
    /// The headers the script can read from the final response (`response.headers`).
    readable_headers: Vec<(String, String)>,
    /// The browser profile of the verdict: `chromium` or `spec`.
    browser: &'static str,
    /// Where another profile's verdict differs on the same answers; empty otherwise.
    disagreements: Vec<Disagreement>,
}

/// Another profile's verdict, where it differs.
#[derive(Debug, Serialize)]
struct Disagreement {
    /// The other profile.
    browser: &'static str,
    /// Whether that profile lets the script read the response.
    allowed: bool,
    /// Its blocking code, when it blocks.
    code: Option<&'static str>,
    /// The one line `check` prints: who allows, who blocks, and what is safe in both.
    message: String,
}

/// Why the browser blocks the request.
#[derive(Debug, Serialize)]
struct BlockedReport {
    /// The stable code (`Blocked::code`).
    code: &'static str,
    /// The browser's reason (`Blocked`'s Display).
    message: String,
    /// The whole line the browser's console shows.
    console: String,
    /// What to change on the server.
    fix: String,
}

/// One exchange with the server.
#[derive(Debug, Serialize)]
struct Step {
    /// `preflight`, `actual` (the final response) or `redirect` (an actual request
    /// answered with a redirect that the browser follows).
    kind: &'static str,
    /// What was sent.
    request: SentRequest,
    /// What came back; null when nothing did.
    response: Option<ReceivedResponse>,
}

#[derive(Debug, Serialize)]
struct SentRequest {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
}

#[derive(Debug, Serialize)]
struct ReceivedResponse {
    status: u16,
    headers: Vec<(String, String)>,
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
            if let Some(d) = disagreement(args.browser, &outcome, other, &other_outcome) {
                disagreements.push(d);
            }
        }
    }

    let text = if args.json {
        output::json_line(&report(args, &request, shown, &outcome, disagreements))?
    } else {
        human(&request, &shown, &outcome, &disagreements, Style::stdout())
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

/// An exchange of an earlier run: preflight or not, method, URL, and the answer.
type Recorded = (bool, String, String, Received);

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
    let mut used = vec![false; replay.len()];
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
        let replayed = replay
            .iter()
            .enumerate()
            .find(|(i, (p, method, url, _))| {
                !used.get(*i).copied().unwrap_or(true)
                    && *p == preflight
                    && *method == sent.method
                    && *url == sent.url
            })
            .map(|(i, (_, _, _, answer))| (i, answer.clone()));
        let answer = match replayed {
            Some((i, answer)) => {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
                answer
            }
            // Comparing: never send a request with side effects that the user's run
            // did not send.
            None if !replay.is_empty()
                && !preflight
                && sent.method != "GET"
                && sent.method != "HEAD" =>
            {
                return (
                    shown,
                    FetchOutcome::Unsent(format!("{} {}", sent.method, sent.url)),
                    recorded,
                );
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
        recorded.push((
            preflight,
            sent.method.clone(),
            sent.url.clone(),
            answer.clone(),
        ));
        let response = ReceivedResponse {
            status: answer.status.as_u16(),
            headers: net::pairs(&answer.headers),
        };
        let now = started.elapsed();
        let progress = fetching.receive(&mut cache, now, answer.status, &answer.headers);
        let (kind, note) = match &progress {
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
        };
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
            corsair::browser::MaxAge::Absent => "absent (5 s)".to_owned(),
            corsair::browser::MaxAge::Seconds(s) => format!("{s} s"),
            corsair::browser::MaxAge::Negative => "negative".to_owned(),
            corsair::browser::MaxAge::Invalid => "invalid".to_owned(),
        }
    )
}

fn credentials_mode(request: &ScriptRequest) -> &'static str {
    request.credentials().as_str()
}

/// The line saying that two profiles reach different verdicts on the same answers, and
/// what is safe in both; `None` when they agree (both allow, or both block alike).
fn disagreement(
    chosen: Profile,
    outcome: &FetchOutcome,
    other: Profile,
    other_outcome: &FetchOutcome,
) -> Option<Disagreement> {
    let code = |o: &FetchOutcome| match o {
        FetchOutcome::Blocked { blocked, .. } => Some(blocked.code()),
        _ => None,
    };
    let allowed = |o: &FetchOutcome| matches!(o, FetchOutcome::Allowed(_));
    if let FetchOutcome::Unsent(what) = other_outcome {
        return Some(Disagreement {
            browser: other.as_str(),
            allowed: false,
            code: None,
            message: format!(
                "{} would send {what}, which {} does not: not sent, so not compared",
                capitalized(other),
                chosen.display_name()
            ),
        });
    }
    if matches!(other_outcome, FetchOutcome::Error(_))
        || (allowed(outcome) == allowed(other_outcome) && code(outcome) == code(other_outcome))
    {
        return None;
    }
    let verdict = |profile: Profile, o: &FetchOutcome| match o {
        FetchOutcome::Allowed(_) => format!("{} allows it", capitalized(profile)),
        FetchOutcome::Blocked { blocked, .. } => {
            format!("{} blocks it ({})", capitalized(profile), blocked.code())
        }
        FetchOutcome::Error(_) | FetchOutcome::Unsent(_) => {
            format!("{} could not test it", capitalized(profile))
        }
    };
    // The fix comes from a profile that blocks: what to change so that both allow.
    let safe = [outcome, other_outcome].into_iter().find_map(|o| match o {
        FetchOutcome::Blocked {
            blocked,
            request,
            answer,
        } => Some(fix(blocked, request, answer.as_ref())),
        _ => None,
    });
    let mut message = format!(
        "{}; {}",
        verdict(chosen, outcome),
        verdict(other, other_outcome).replacen(
            capitalized(other).as_str(),
            other.display_name(),
            1
        )
    );
    let spec_blocks = [(chosen, outcome), (other, other_outcome)]
        .iter()
        .any(|(p, o)| *p == Profile::Spec && !allowed(o));
    if spec_blocks {
        message.push_str(", and browsers may follow it");
    }
    if let Some(safe) = safe {
        message.push_str(&format!(": to be safe in both, {safe}"));
    }
    Some(Disagreement {
        browser: other.as_str(),
        allowed: allowed(other_outcome),
        code: code(other_outcome),
        message,
    })
}

/// The profile's name at the start of a sentence.
fn capitalized(profile: Profile) -> String {
    let name = profile.display_name();
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn report(
    args: &CheckArgs,
    request: &ScriptRequest,
    shown: Vec<Shown>,
    outcome: &FetchOutcome,
    disagreements: Vec<Disagreement>,
) -> CheckReport {
    let (allowed, blocked, error, readable_headers) = match outcome {
        FetchOutcome::Allowed(readable) => (true, None, None, net::pairs(readable.headers())),
        FetchOutcome::Blocked {
            blocked,
            request,
            answer,
        } => (
            false,
            Some(BlockedReport {
                code: blocked.code(),
                message: blocked.to_string(),
                console: blocked.console_message(request),
                fix: fix(blocked, request, answer.as_ref()),
            }),
            None,
            Vec::new(),
        ),
        FetchOutcome::Error(message) | FetchOutcome::Unsent(message) => {
            (false, None, Some(message.clone()), Vec::new())
        }
    };
    CheckReport {
        url: args.url.clone(),
        origin: args.origin.clone(),
        method: request.method().to_string(),
        credentials: credentials_mode(request),
        allowed,
        blocked,
        error,
        steps: shown.into_iter().map(|s| s.step).collect(),
        readable_headers,
        browser: args.browser.as_str(),
        disagreements,
    }
}

/// The width of the labels of the human output (`verdict:`, `readable:`, ...).
const LABEL_WIDTH: usize = 10;

fn human(
    request: &ScriptRequest,
    shown: &[Shown],
    outcome: &FetchOutcome,
    disagreements: &[Disagreement],
    style: Style,
) -> String {
    let mut out = format!(
        "{} {} from origin {} (credentials: {})\n",
        request.method(),
        request.url(),
        request.origin(),
        credentials_mode(request)
    );
    if !request.is_cors() {
        out.push_str("same-origin: the browser sends it without CORS\n");
    }
    for Shown { step, note } in shown {
        out.push('\n');
        out.push_str(match step.kind {
            "preflight" => "* preflight\n",
            "redirect" => "* actual request (redirected)\n",
            _ => "* actual request\n",
        });
        out.push_str(&format!("> {} {}\n", step.request.method, step.request.url));
        for (name, value) in &step.request.headers {
            out.push_str(&format!("> {name}: {value}\n"));
        }
        if let Some(response) = &step.response {
            let status = StatusCode::from_u16(response.status)
                .map_or_else(|_| response.status.to_string(), net::status_line);
            out.push_str(&format!("< {status}\n"));
            for (name, value) in &response.headers {
                let relevant = HeaderName::from_bytes(name.as_bytes())
                    .is_ok_and(|n| net::is_cors_relevant(&n));
                if relevant {
                    out.push_str(&format!("< {name}: {value}\n"));
                }
            }
        }
        if let Some(note) = note {
            out.push_str(&format!("  {note}\n"));
        }
    }
    out.push('\n');
    match outcome {
        FetchOutcome::Allowed(readable) => {
            output::labelled(
                &mut out,
                LABEL_WIDTH,
                "verdict",
                &format!(
                    "{}: the script can read the response ({})",
                    style.paint(Colour::Green, "allowed"),
                    net::status_line(readable.status())
                ),
            );
            let names: Vec<&str> = readable.headers().keys().map(HeaderName::as_str).collect();
            output::labelled(
                &mut out,
                LABEL_WIDTH,
                "readable",
                &if names.is_empty() {
                    "no response header (only the body and the status)".to_owned()
                } else {
                    names.join(", ")
                },
            );
        }
        FetchOutcome::Blocked {
            blocked,
            request,
            answer,
        } => {
            output::labelled(
                &mut out,
                LABEL_WIDTH,
                "verdict",
                &format!(
                    "{} ({}): {blocked}",
                    style.paint(Colour::Red, "blocked"),
                    blocked.code()
                ),
            );
            output::labelled(
                &mut out,
                LABEL_WIDTH,
                "console",
                &blocked.console_message(request),
            );
            output::labelled(
                &mut out,
                LABEL_WIDTH,
                "fix",
                &fix(blocked, request, answer.as_ref()),
            );
        }
        FetchOutcome::Error(message) | FetchOutcome::Unsent(message) => {
            output::labelled(
                &mut out,
                LABEL_WIDTH,
                "verdict",
                &format!(
                    "{}: {message}",
                    style.paint(Colour::Yellow, "could not test")
                ),
            );
        }
    }
    for d in disagreements {
        output::labelled(&mut out, LABEL_WIDTH, "profiles", &d.message);
    }
    out
}

/// The value of a header, lossy, for the fix texts; several values joined with `, `.
fn header_text(answer: Option<&Received>, name: &str) -> Option<String> {
    let answer = answer?;
    let values: Vec<String> = answer
        .headers
        .get_all(name)
        .iter()
        .map(output::lossy)
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// Whether a list header of the answer has `*` among its items.
fn lists_wildcard(answer: Option<&Received>, name: &str) -> bool {
    header_text(answer, name).is_some_and(|v| v.split(',').any(|item| item.trim() == "*"))
}

/// What to change on the server (or in the request) so that the browser lets the
/// script read the response.
fn fix(blocked: &Blocked, request: &ScriptRequest, answer: Option<&Received>) -> String {
    let origin = request.serialized_origin();
    let status = answer.map(|a| a.status);
    let tainted = if origin == "null" && request.origin() != "null" {
        " (the origin is `null` because a redirect crossed origins: point the script at the \
         final URL, or avoid the cross-origin redirect)"
    } else {
        ""
    };
    match blocked {
        Blocked::Preflight(CorsFailure::MissingAllowOrigin)
            if status.is_some_and(|s| !s.is_success()) =>
        {
            format!(
                "the server refused the preflight ({}) without CORS headers: either it does not \
                 allow origin `{origin}`, method {} or one of the requested headers (a CORS \
                 layer sends no CORS header for a refused preflight; `corsair explain` shows \
                 which part of a corsair policy refuses it), or the OPTIONS request never \
                 reached the CORS layer (authentication or routing in front of it); allow \
                 them and answer the preflight with 204 and Access-Control-Allow-Origin: \
                 {origin}{tainted}",
                status.map_or_else(String::new, net::status_line),
                request.method(),
            )
        }
        Blocked::Preflight(CorsFailure::MissingAllowOrigin)
        | Blocked::Response(CorsFailure::MissingAllowOrigin) => {
            let mut text = format!(
                "make the server answer origin `{origin}` with Access-Control-Allow-Origin: \
                 {origin} (add it to the allowed origins){tainted}"
            );
            if matches!(blocked, Blocked::Response(_)) && status.is_some_and(|s| s.as_u16() >= 400)
            {
                text.push_str(
                    "; this is an error response: the CORS headers must be on error responses \
                     too, or the script sees a network error instead of the status",
                );
            }
            text
        }
        Blocked::Preflight(failure) | Blocked::Response(failure) => match failure {
            CorsFailure::MultipleAllowOrigin(value) => format!(
                "send exactly one Access-Control-Allow-Origin value, `{origin}` (received \
                 `{value}`): usually a proxy and the application both add the header, or the \
                 server lists several origins instead of echoing the one that matches"
            ),
            CorsFailure::WildcardWithCredentials => format!(
                "with credentials the browser refuses `*`: answer with Access-Control-Allow-Origin: \
                 {origin}, Access-Control-Allow-Credentials: true and Vary: Origin (listing the \
                 trusted origins on the server, never reflecting any origin), or make the request \
                 without credentials"
            ),
            CorsFailure::AllowOriginMismatch(value) => format!(
                "the server allows `{value}`, not `{origin}`: Access-Control-Allow-Origin must be \
                 the request's origin byte for byte (scheme, lowercase host, port only when not \
                 the default, no path or trailing slash){tainted}"
            ),
            CorsFailure::InvalidAllowCredentials(value) => format!(
                "with credentials the server must also send Access-Control-Allow-Credentials: true \
                 (exactly `true`, lowercase); it sent {}",
                if value.is_empty() {
                    "none".to_owned()
                } else {
                    format!("`{value}`")
                }
            ),
            _ => "make the response pass the CORS check".to_owned(),
        },
        Blocked::PreflightRedirect(_) => format!(
            "answer the preflight at {} itself with 200 or 204: a preflight never follows a \
             redirect (serve the API at the URL the script uses, or have the script use the \
             final URL)",
            request.url()
        ),
        Blocked::PreflightStatus(status) => format!(
            "answer preflights with 200 or 204 (this one got {}): put the CORS layer in front \
             of authentication and routing, so that preflights, which never carry credentials, \
             are answered before them",
            net::status_line(*status)
        ),
        Blocked::InvalidAllowMethods(value) => format!(
            "Access-Control-Allow-Methods must be a comma-separated list of methods (got \
             `{value}`)"
        ),
        Blocked::InvalidAllowHeaders(value) => format!(
            "Access-Control-Allow-Headers must be a comma-separated list of header names (got \
             `{value}`)"
        ),
        Blocked::MethodNotAllowed(method) => {
            if request.credentials().is_include()
                && lists_wildcard(answer, "access-control-allow-methods")
            {
                format!(
                    "with credentials `*` in Access-Control-Allow-Methods is a method named `*`: \
                     list {method} explicitly"
                )
            } else {
                format!(
                    "add {method} to Access-Control-Allow-Methods (methods are case-sensitive: \
                     exactly `{method}`)"
                )
            }
        }
        Blocked::HeaderNotAllowed(name) => {
            let wildcard = lists_wildcard(answer, "access-control-allow-headers");
            if wildcard && name == "authorization" {
                "list `authorization` in Access-Control-Allow-Headers explicitly: Chromium, \
                 Firefox and Safari let `*` cover it, the Fetch Standard does not"
                    .to_owned()
            } else if wildcard && request.credentials().is_include() {
                format!(
                    "with credentials `*` in Access-Control-Allow-Headers is a header named `*`: \
                     list `{name}` explicitly"
                )
            } else {
                format!("add `{name}` to Access-Control-Allow-Headers")
            }
        }
        Blocked::InvalidRedirectLocation(_) => {
            "send exactly one Location header holding a valid URL".to_owned()
        }
        Blocked::RedirectScheme(_) => "redirect only to http: or https: URLs".to_owned(),
        Blocked::RedirectWithCredentials(_) => {
            "remove the user name and password from the Location URL".to_owned()
        }
        Blocked::TooManyRedirects => format!(
            "the server redirects in a loop (more than 20 redirects, the last to {}): fix the \
             redirect rules",
            header_text(answer, LOCATION.as_str()).unwrap_or_else(|| request.url().to_string())
        ),
        _ => "the browser refuses the request before sending it".to_owned(),
    }
}
