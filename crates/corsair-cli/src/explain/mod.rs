//! `corsair explain --config FILE [-X METHOD] [-H 'Name: value']... [--json] PATH`:
//! what the policy does with one request, and why.

use std::path::Path;

use corsair::{Action, Config, Decision, Reason, RequestKind, RouteConfig, Scope};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use serde::Serialize;

use crate::output::{self, Colour, Style};
use crate::policy_file::{self, Loaded};
use crate::presets::Expansion;

mod notes;

use notes::{browser_view, hint, private_network_notes};

/// The request target given on the command line: a path, or a URL whose path is used.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    /// The path the policy routes on (no query).
    pub(crate) path: String,
    /// The query, if any, shown in the echo only.
    pub(crate) query: Option<String>,
}

/// Parses `PATH`: `/api/users`, `/api/users?x=1`, `https://api.example.com/api/users`,
/// or `api.example.com/api/users` (read as `http://`, as curl does). Without a scheme,
/// the part before the first `/` is read as a host only when it looks like one (it has
/// a dot or a port, or is `localhost`): `healthz` is refused, with `/healthz` suggested,
/// rather than read as a host.
pub(crate) fn parse_target(input: &str) -> Result<Target, String> {
    let uri = if input.starts_with('/') {
        Uri::try_from(input).map_err(|e| format!("`{input}` is not a valid request path: {e}"))?
    } else {
        let absolute = if input.contains("://") {
            input.to_owned()
        } else {
            let host = input.split(['/', '?', '#']).next().unwrap_or_default();
            let looks_like_a_host = host.contains(['.', ':'])
                || host.eq_ignore_ascii_case("localhost")
                || host.starts_with('[');
            if !looks_like_a_host {
                return Err(format!(
                    "`{input}` is neither a path nor a URL: a path starts with `/` (did you \
                     mean `/{input}`?), a URL with a scheme (`https://api.example.com/{input}`)"
                ));
            }
            format!("http://{input}")
        };
        let uri = Uri::try_from(absolute.as_str())
            .map_err(|e| format!("`{input}` is neither a path starting with `/` nor a URL: {e}"))?;
        if uri.authority().is_none_or(|a| a.host().is_empty()) {
            return Err(format!("`{input}` is a URL without a host"));
        }
        uri
    };
    let path = match uri.path() {
        "" => "/",
        path => path,
    };
    Ok(Target {
        path: path.to_owned(),
        query: uri.query().map(str::to_owned),
    })
}

/// The `--json` document. Field order and names are part of the documented interface.
#[derive(Serialize)]
struct Explanation {
    /// `non-cors`, `preflight` or `actual`.
    kind: &'static str,
    /// Whether the request may go ahead (`Decision::allowed`).
    allowed: bool,
    /// The stable reason code (`Reason::code`).
    reason: &'static str,
    /// The status of corsair's own answer; `None` (null) when forwarded.
    status: Option<u16>,
    /// The headers corsair adds or sets, lowercase names, in the order sent.
    headers: Vec<(String, String)>,
}

/// Runs `explain`; returns whether the request is allowed. `Err` holds the text to
/// print on standard error for a configuration problem (exit code 2).
pub(crate) fn run(
    config_path: &Path,
    method: &Method,
    request: &[(HeaderName, HeaderValue)],
    target: &Target,
    json: bool,
) -> Result<bool, String> {
    let (config, policy, warnings) = match policy_file::load(config_path) {
        Loaded::Unreadable(finding) => {
            if json {
                crate::lint::print_json(config_path, false, std::slice::from_ref(&finding))?;
            }
            return Err(format!("corsair: {}\n", finding.message));
        }
        Loaded::Invalid(findings) => {
            if json {
                crate::lint::print_json(config_path, false, &findings)?;
            }
            return Err(format!(
                "corsair: {} is not a valid policy\n{}",
                config_path.display(),
                crate::lint::human_styled(config_path, &findings, Style::stderr())
            ));
        }
        Loaded::Valid {
            config,
            policy,
            warnings,
            ..
        } => (config, policy, warnings),
    };
    if !warnings.is_empty() {
        let mut text = String::new();
        let style = Style::stderr();
        for warning in &warnings {
            warning.write_human(&mut text, style);
        }
        output::print_stderr(&text);
    }

    let mut headers = HeaderMap::new();
    for (name, value) in request {
        headers.append(name.clone(), value.clone());
    }
    let decision = policy.decide(method, &target.path, &headers);
    let text = if json {
        let explanation = Explanation {
            kind: decision.kind().as_str(),
            allowed: decision.allowed(),
            reason: decision.reason().code(),
            status: decision.action().status().map(|s| s.as_u16()),
            headers: response_headers(&decision),
        };
        output::json_line(&explanation)?
    } else {
        // The part of the file that decided, as the library routes it.
        let route = match policy.scope_for(&target.path) {
            Scope::Route { index, .. } => config.routes.get(index).map(|r| (index, r)),
            _ => None,
        };
        human(method, request, target, &config, route, &headers, &decision)
    };
    output::print_stdout(&text);
    Ok(decision.allowed())
}

/// The headers of a decision, lowercase names and lossy values, in the order sent.
fn response_headers(decision: &Decision<'_>) -> Vec<(String, String)> {
    decision
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), output::lossy(&value)))
        .collect()
}

/// The width of the labels of the human output (`kind:`, `policy:`, ...).
pub(super) const LABEL_WIDTH: usize = 9;

fn human(
    method: &Method,
    request: &[(HeaderName, HeaderValue)],
    target: &Target,
    config: &Config,
    route: Option<(usize, &RouteConfig)>,
    headers: &HeaderMap,
    decision: &Decision<'_>,
) -> String {
    let style = Style::stdout();
    let mut out = String::new();
    // The request, as curl -v shows it.
    out.push_str(&format!("> {method} {}", target.path));
    if let Some(query) = &target.query {
        out.push('?');
        out.push_str(query);
    }
    out.push('\n');
    for (name, value) in request {
        out.push_str(&format!("> {name}: {}\n", output::lossy(value)));
    }
    out.push('\n');

    let reason = decision.reason();
    output::labelled(&mut out, LABEL_WIDTH, "kind", decision.kind().as_str());
    output::labelled(
        &mut out,
        LABEL_WIDTH,
        "verdict",
        &format!(
            "{} ({}): {reason}",
            match reason {
                Reason::Disabled => style.paint(Colour::Yellow, "not handled"),
                _ if decision.allowed() => style.paint(Colour::Green, "allowed"),
                _ => style.paint(Colour::Red, "rejected"),
            },
            reason.code()
        ),
    );
    let policy = match route {
        Some((i, r)) => format!("routes[{i}] (path = \"{}\")", r.path),
        None => "[cors]".to_owned(),
    };
    output::labelled(&mut out, LABEL_WIDTH, "policy", &policy);
    // The presets in effect there, expanded: the lists the answer was made from.
    let (scope, path, effective) = match route {
        Some((i, r)) => (
            format!("routes[{i}]"),
            Some(&*r.path),
            config.effective_route_policy(r),
        ),
        None => ("cors".to_owned(), None, config.cors.clone()),
    };
    if let Some(expansion) = Expansion::of(scope, path, &effective) {
        output::labelled(&mut out, LABEL_WIDTH, "presets", &expansion.summary());
    }

    let sent = response_headers(decision);
    match decision.action() {
        Action::Forward => {
            output::labelled(
                &mut out,
                LABEL_WIDTH,
                "action",
                "forwarded to the application",
            );
            if sent.is_empty() {
                output::labelled(
                    &mut out,
                    LABEL_WIDTH,
                    "headers",
                    "none (the application's response is left as it is)",
                );
            } else {
                output::labelled(
                    &mut out,
                    LABEL_WIDTH,
                    "headers",
                    "added to the application's response (Vary merged with the application's)",
                );
            }
        }
        Action::Respond(status) => {
            output::labelled(
                &mut out,
                LABEL_WIDTH,
                "action",
                &format!("answered by corsair: {status}"),
            );
            output::labelled(
                &mut out,
                LABEL_WIDTH,
                "headers",
                if sent.is_empty() {
                    "none"
                } else {
                    "sent in corsair's answer"
                },
            );
        }
    }
    for (name, value) in &sent {
        out.push_str(&format!("< {name}: {value}\n"));
    }
    if let Some(view) = browser_view(method, headers, decision) {
        output::labelled(&mut out, LABEL_WIDTH, "browser", &view);
    }

    if reason == Reason::Disabled {
        output::labelled(
            &mut out,
            LABEL_WIDTH,
            "note",
            "corsair adds no CORS header here: the browser blocks the response unless the \
             application sends CORS headers itself",
        );
    } else if !decision.allowed() {
        let note = match decision.kind() {
            _ if reason == Reason::CrossOriginWriteRefused => {
                "corsair answers 403 and the application never sees the request; a script \
                 sees a network error, a form an error page"
            }
            RequestKind::Preflight => {
                "the browser does not send the actual request, and the script sees a network error"
            }
            _ => {
                "no Access-Control-Allow-Origin: the browser hides the response from the script \
                 (the request still reached the application)"
            }
        };
        output::labelled(&mut out, LABEL_WIDTH, "note", note);
        if let Some(hint) = hint(reason, config, route, headers) {
            output::labelled(&mut out, LABEL_WIDTH, "hint", &hint);
        }
    }
    private_network_notes(&mut out, config, route, headers, decision, &sent);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = parse_target("/api/users?x=1").unwrap();
        assert_eq!(
            (t.path.as_str(), t.query.as_deref()),
            ("/api/users", Some("x=1"))
        );
        let t = parse_target("https://api.example.com/a/b?q").unwrap();
        assert_eq!((t.path.as_str(), t.query.as_deref()), ("/a/b", Some("q")));
        assert_eq!(parse_target("https://api.example.com").unwrap().path, "/");
        assert_eq!(parse_target("api.example.com/x").unwrap().path, "/x");
        assert_eq!(parse_target("/a#frag").unwrap().path, "/a");
        assert!(parse_target("/a b").is_err());
        assert!(parse_target("").is_err());
        assert!(parse_target("https:///x").is_err());
        assert_eq!(parse_target("localhost:8080/x").unwrap().path, "/x");
        assert_eq!(parse_target("localhost").unwrap().path, "/");
        assert_eq!(parse_target("[::1]:8080/x").unwrap().path, "/x");
    }

    #[test]
    fn a_bare_word_is_not_a_host() {
        for input in ["healthz", "healthz/live", "api?x=1"] {
            let err = parse_target(input).unwrap_err();
            assert!(err.contains(&format!("did you mean `/{input}`?")), "{err}");
        }
    }
}
