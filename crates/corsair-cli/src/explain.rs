//! `corsair explain --config FILE [-X METHOD] [-H 'Name: value']... [--json] PATH`:
//! what the policy does with one request, and why.

use std::path::Path;

use corsair::{Action, Config, Decision, Reason, RequestKind, RouteConfig, Scope};
use http::header::ORIGIN;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use serde::Serialize;

use crate::output::{self, Colour, Style};
use crate::policy_file::{self, Loaded};

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
const LABEL_WIDTH: usize = 9;

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

/// What browsers do with corsair's answer, judged by the browser model (`check`'s) in
/// each profile: one sentence, which says so when Chromium and the Fetch Standard
/// differ. `None` for a request that is not cross-origin or that corsair leaves alone.
///
/// A preflight does not say whether the script sends credentials: the answer is judged
/// as for a credentialed request when it allows credentials, and as for one without
/// otherwise. The preflight's requested headers are judged with the value `0`.
fn browser_view(method: &Method, request: &HeaderMap, decision: &Decision<'_>) -> Option<String> {
    use corsair::browser::{Credentials, Profile, ScriptRequest, cors_check, judge_preflight};
    use http::header::{ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD};

    if decision.reason() == Reason::Disabled {
        return None;
    }
    let origin = request.get(ORIGIN)?.to_str().ok()?;
    let mut answer = HeaderMap::new();
    for (name, value) in decision.headers().iter() {
        answer.append(name, value);
    }
    let credentials = if answer.contains_key(http::header::ACCESS_CONTROL_ALLOW_CREDENTIALS) {
        Credentials::Include
    } else {
        Credentials::SameOrigin
    };
    // The request's own URL does not matter to the verdict, only that it is another
    // origin than the page's.
    let url = Uri::from_static("http://corsair-explain.invalid/");
    let judge = |profile: Profile| -> Option<Result<(), String>> {
        match decision.kind() {
            RequestKind::Preflight => {
                let requested = request.get(ACCESS_CONTROL_REQUEST_METHOD)?.as_bytes();
                let method = Method::from_bytes(requested).ok()?;
                let mut script = ScriptRequest::new(origin, method, url.clone())
                    .ok()?
                    .with_credentials(credentials)
                    .with_profile(profile);
                let names = request
                    .get_all(ACCESS_CONTROL_REQUEST_HEADERS)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(','))
                    .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok());
                for name in names {
                    script = script.with_header(name, HeaderValue::from_static("0"));
                }
                let status = decision.action().status()?;
                Some(
                    judge_preflight(&script, status, &answer)
                        .map(|_| ())
                        .map_err(|b| b.code().to_owned()),
                )
            }
            RequestKind::Actual => {
                let script = ScriptRequest::new(origin, method.clone(), url.clone())
                    .ok()?
                    .with_credentials(credentials)
                    .with_profile(profile);
                Some(cors_check(&script, &answer).map_err(|f| f.code().to_owned()))
            }
            _ => None,
        }
    };
    let chromium = judge(Profile::Chromium)?;
    let spec = judge(Profile::Spec)?;
    let what = match decision.kind() {
        RequestKind::Preflight => "the preflight",
        _ => "the response",
    };
    let verdict = |v: &Result<(), String>| match v {
        Ok(()) => match decision.kind() {
            RequestKind::Preflight => "passes".to_owned(),
            _ => "lets the script read it".to_owned(),
        },
        Err(code) => format!("blocks it ({code})"),
    };
    let mode = if credentials == Credentials::Include {
        " (credentials: include)"
    } else {
        ""
    };
    Some(if chromium == spec {
        match (&chromium, decision.kind()) {
            (Ok(()), RequestKind::Preflight) => {
                format!("Chromium and the Fetch Standard pass the preflight{mode}")
            }
            (Ok(()), _) => {
                format!("Chromium and the Fetch Standard let the script read the response{mode}")
            }
            (Err(code), _) => {
                format!("Chromium and the Fetch Standard block {what} ({code}){mode}")
            }
        }
    } else {
        format!(
            "for {what}{mode}, Chromium {}; the Fetch Standard {}",
            verdict(&chromium),
            verdict(&spec)
        )
    })
}

/// `Access-Control-Request-Private-Network`, which browsers sent on Private Network
/// Access preflights.
const REQUEST_PRIVATE_NETWORK: &str = "access-control-request-private-network";

/// What Private Network Access and Local Network Access mean for this request, when the
/// request asks for private network access or the policy answers such requests.
///
/// corsair answers a preflight that asks for private network access under a policy
/// that does not allow it as it would answer it without the question, without
/// `Access-Control-Allow-Private-Network`: Chromium, the only engine that sent these
/// preflights, reported a missing answer as a warning and went on, so refusing the
/// preflight would have broken requests that browser let through. The note says what an
/// enforcing browser does.
fn private_network_notes(
    out: &mut String,
    config: &Config,
    route: Option<(usize, &RouteConfig)>,
    headers: &HeaderMap,
    decision: &Decision<'_>,
    sent: &[(String, String)],
) {
    let asked = headers.get_all(REQUEST_PRIVATE_NETWORK).iter().next();
    let policy_allows = route
        .and_then(|(_, r)| r.policy.allow_private_network)
        .or(config.cors.allow_private_network)
        .unwrap_or(false);
    if asked.is_none() && !policy_allows {
        return;
    }
    let answered = sent
        .iter()
        .any(|(name, value)| name == "access-control-allow-private-network" && value == "true");
    if decision.kind() == RequestKind::Preflight
        && decision.allowed()
        && asked.is_some_and(|v| v.as_bytes() == b"true")
        && !answered
    {
        output::labelled(
            out,
            LABEL_WIDTH,
            "note",
            "the preflight asks for private network access (Access-Control-Request-Private-Network: true) and the answer has no Access-Control-Allow-Private-Network: true, because allow_private_network is off: a browser that enforces Private Network Access fails this preflight and sends no request (Chromium, the only engine that sent these preflights, only warned)",
        );
        output::labelled(
            out,
            LABEL_WIDTH,
            "hint",
            "set allow_private_network = true to answer it, for the browsers that still send these preflights",
        );
    }
    output::labelled(
        out,
        LABEL_WIDTH,
        "note",
        "Chrome 142 and later send no Private Network Access preflight: Local Network Access replaces it with a permission the user grants before a public page may reach a private or loopback address. No response header grants that permission; the server can only answer CORS correctly, which the request still needs",
    );
}

/// A policy list that a hint may point at.
#[derive(Clone, Copy)]
enum List {
    Origins,
    Methods,
    Headers,
}

impl List {
    fn name(self) -> &'static str {
        match self {
            List::Origins => "allow_origins",
            List::Methods => "allow_methods",
            List::Headers => "allow_headers",
        }
    }

    /// Whether the route sets this list itself (rather than inheriting `[cors]`'s).
    /// A route that names any origin source replaces all of `[cors]`'s origins.
    fn set_by(self, route: &RouteConfig) -> bool {
        match self {
            List::Origins => {
                route.policy.allow_origins.is_some() || route.policy.allow_origin_regexes.is_some()
            }
            List::Methods => route.policy.allow_methods.is_some(),
            List::Headers => route.policy.allow_headers.is_some(),
        }
    }

    /// The effective entries for a request under `route`.
    fn entries<'c>(
        self,
        config: &'c Config,
        route: Option<(usize, &'c RouteConfig)>,
    ) -> &'c [String] {
        let policy = match route {
            Some((_, r)) if self.set_by(r) => &r.policy,
            _ => &config.cors,
        };
        let entries = match self {
            List::Origins => &policy.allow_origins,
            List::Methods => &policy.allow_methods,
            List::Headers => &policy.allow_headers,
        };
        entries.as_deref().unwrap_or(&[])
    }

    /// Where the effective list comes from, named as `corsair lint` names fields:
    /// `routes[1].allow_methods` when the route sets it, `cors.allow_methods` otherwise.
    fn field(self, route: Option<(usize, &RouteConfig)>) -> String {
        match route {
            Some((i, r)) if self.set_by(r) => format!("routes[{i}].{}", self.name()),
            _ => format!("cors.{}", self.name()),
        }
    }
}

/// `add "X" to cors.allow_methods`, unless the policy would then be invalid: the
/// library is asked, with `X` added where the hint says, and its first error quoted.
fn add_hint(
    config: &Config,
    route: Option<(usize, &RouteConfig)>,
    list: List,
    item: &str,
) -> String {
    let field = list.field(route);
    let mut changed = config.clone();
    let policy = match route {
        Some((i, r)) if list.set_by(r) => changed.routes.get_mut(i).map(|r| &mut r.policy),
        _ => Some(&mut changed.cors),
    };
    if let Some(policy) = policy {
        let entries = match list {
            List::Origins => &mut policy.allow_origins,
            List::Methods => &mut policy.allow_methods,
            List::Headers => &mut policy.allow_headers,
        };
        entries.get_or_insert_with(Vec::new).push(item.to_owned());
        if let Err(e) = changed.build() {
            if let Some(error) = e.errors().next() {
                return format!(
                    "\"{item}\" cannot be added to {field}: {} ({})",
                    error.message(),
                    error.code().as_str()
                );
            }
        }
    }
    format!("add \"{item}\" to {field}")
}

/// What to change so that a rejected request is allowed (or why it should not be).
fn hint(
    reason: Reason<'_>,
    config: &Config,
    route: Option<(usize, &RouteConfig)>,
    headers: &HeaderMap,
) -> Option<String> {
    let origins: Vec<String> = headers.get_all(ORIGIN).iter().map(output::lossy).collect();
    let first_origin = origins.first().map_or("", String::as_str);
    let hint = match reason {
        Reason::OriginNotAllowed if first_origin == "null" => {
            "the `null` origin comes from sandboxed iframes and `data:` pages, so any site can \
             send it; allowing it takes \"null\" in allow_origins and \
             dangerously_allow_null_origin = true"
                .to_owned()
        }
        Reason::OriginNotAllowed => add_hint(config, route, List::Origins, first_origin),
        Reason::MethodNotAllowed(m) => {
            let listed = List::Methods.entries(config, route);
            match listed.iter().find(|e| e.eq_ignore_ascii_case(m)) {
                Some(spelled) => format!(
                    "methods are case-sensitive: {} has \"{spelled}\" but the request asks for \
                     \"{m}\"; spell it \"{spelled}\" in the script, or add \"{m}\"",
                    List::Methods.field(route)
                ),
                None => {
                    let hint = add_hint(config, route, List::Methods, m);
                    if hint.starts_with("add ") {
                        format!(
                            "{hint} (methods are case-sensitive: exactly as the script sends it)"
                        )
                    } else {
                        hint
                    }
                }
            }
        }
        Reason::HeaderNotAllowed(h) => {
            let wildcard = List::Headers
                .entries(config, route)
                .iter()
                .any(|e| e == "*");
            if wildcard && h.eq_ignore_ascii_case("authorization") {
                format!(
                    "\"*\" never covers authorization: add \"authorization\" to {}",
                    List::Headers.field(route)
                )
            } else {
                add_hint(config, route, List::Headers, h)
            }
        }
        Reason::MalformedOrigin if origins.len() > 1 => {
            "browsers send exactly one Origin header; several can only be forged".to_owned()
        }
        Reason::MalformedOrigin => format!(
            "browsers send Origin exactly as scheme://host[:port]: lowercase, no path or trailing \
             slash, no default port{} (got \"{first_origin}\")",
            if first_origin.is_ascii() {
                ""
            } else {
                ", hosts in punycode (xn--...)"
            }
        ),
        Reason::MalformedMethod => {
            "send exactly one Access-Control-Request-Method header holding a method, such as PUT"
                .to_owned()
        }
        Reason::MalformedRequestHeaders => {
            "Access-Control-Request-Headers must be a comma-separated list of header names, such \
             as content-type,x-request-id"
                .to_owned()
        }
        Reason::RequestHeadersTooLong => format!(
            "Access-Control-Request-Headers names more headers than {} could ever allow",
            List::Headers.field(route)
        ),
        _ => return None,
    };
    Some(hint)
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
