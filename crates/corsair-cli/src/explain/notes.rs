//! What `explain` adds to the policy's answer: what browsers do with it (the browser
//! model's judgement), what Private and Local Network Access mean for the request, and a
//! hint at the list of the policy to change when a request is refused.

use corsair::{Config, Decision, Reason, RequestKind, RouteConfig};
use http::header::ORIGIN;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};

use super::LABEL_WIDTH;
use crate::output;

/// What browsers do with corsair's answer, judged by the browser model (`check`'s) in
/// each profile: one sentence, which says so when Chromium and the Fetch Standard
/// differ. `None` for a request that is not cross-origin or that corsair leaves alone.
///
/// A preflight does not say whether the script sends credentials: the answer is judged
/// as for a credentialed request when it allows credentials, and as for one without
/// otherwise. The preflight's requested headers are judged with the value `0`.
pub(super) fn browser_view(
    method: &Method,
    request: &HeaderMap,
    decision: &Decision<'_>,
) -> Option<String> {
    use corsair_browser::{Credentials, Profile, ScriptRequest, cors_check, judge_preflight};
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
pub(super) fn private_network_notes(
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
pub(super) fn hint(
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
        Reason::CrossOriginWriteRefused if first_origin.is_empty() => {
            "the browser marks the write cross-site (Sec-Fetch-Site) and sends no Origin to \
             allow; list its path in cross_origin_protection_exempt_paths if other sites \
             must post to it"
                .to_owned()
        }
        Reason::CrossOriginWriteRefused => format!(
            "{}, or list the path in cross_origin_protection_exempt_paths (for webhooks and \
             forms other sites must post)",
            add_hint(config, route, List::Origins, first_origin)
        ),
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
