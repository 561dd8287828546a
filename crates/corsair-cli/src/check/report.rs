//! `check`'s report: the `--json` document and its parts, the line that compares the
//! browser profiles, and the human output.

use corsair_browser::{Profile, ScriptRequest};
use http::{HeaderName, StatusCode};
use serde::Serialize;

use super::fix::fix;
use super::{CheckArgs, FetchOutcome, Shown};
use crate::net;
use crate::output::{self, Colour, Style};

/// The `--json` document. Field order and names are part of the documented interface.
#[derive(Debug, Serialize)]
pub(super) struct CheckReport {
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
pub(super) struct Disagreement {
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
pub(super) struct BlockedReport {
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
pub(super) struct Step {
    /// `preflight`, `actual` (the final response) or `redirect` (an actual request
    /// answered with a redirect that the browser follows).
    pub(super) kind: &'static str,
    /// What was sent.
    pub(super) request: SentRequest,
    /// What came back; null when nothing did.
    pub(super) response: Option<ReceivedResponse>,
}

#[derive(Debug, Serialize)]
pub(super) struct SentRequest {
    pub(super) method: String,
    pub(super) url: String,
    pub(super) headers: Vec<(String, String)>,
}

#[derive(Debug, Serialize)]
pub(super) struct ReceivedResponse {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
}

fn credentials_mode(request: &ScriptRequest) -> &'static str {
    request.credentials().as_str()
}

/// The line saying that two profiles reach different verdicts on the same answers, and
/// what is safe in both; `None` when they agree (both allow, or both block alike).
pub(super) fn disagreement(
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

/// The `--json` document.
pub(super) fn document(
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

pub(super) fn human(
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
