//! Sending `audit`'s probes: each request and its answer ([`Probe`]), the client that
//! sends them one at a time and counts them ([`Prober`]), and everything they saw
//! ([`Observations`]).

use corsair_browser::{Blocked, PreflightRequest, Profile, ScriptRequest, judge_preflight};
use http::header::{
    ACCEPT, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN, COOKIE, ORIGIN,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use serde::Serialize;

use super::catalogue::Check;
use super::origins::{EVIL, Trusted};
use crate::net::{self, Client, Received};
use crate::output;

/// The method a preflight asks for to see whether methods are echoed.
pub(super) const UNKNOWN_METHOD: &str = "CORSAIRAUDIT";

/// A request and its response, as lines.
#[derive(Clone, Debug, Serialize)]
pub(super) struct Evidence {
    /// `GET URL`, then `name: value` per header sent.
    pub(super) request: Vec<String>,
    /// The status line, then the CORS headers received (`Access-Control-*`, `Vary`,
    /// `Location`).
    pub(super) response: Vec<String>,
}

/// One request sent and its answer.
#[derive(Clone, Debug)]
pub(super) struct Probe {
    /// The Origin sent.
    pub(super) origin: String,
    /// What was sent, as lines.
    request: Vec<String>,
    /// What came back.
    pub(super) received: Received,
}

impl Probe {
    pub(super) fn evidence(&self) -> Evidence {
        let mut response = vec![net::status_line(self.received.status)];
        for (name, value) in &self.received.headers {
            if net::is_cors_relevant(name) {
                response.push(format!("{name}: {}", output::lossy(value)));
            }
        }
        Evidence {
            request: self.request.clone(),
            response,
        }
    }

    /// The values of a header, each trimmed.
    pub(super) fn values(&self, name: &HeaderName) -> Vec<String> {
        self.received
            .headers
            .get_all(name)
            .iter()
            .map(|v| output::lossy(v).trim().to_owned())
            .collect()
    }

    /// `Access-Control-Allow-Origin` when there is exactly one.
    pub(super) fn allow_origin(&self) -> Option<String> {
        match self.values(&ACCESS_CONTROL_ALLOW_ORIGIN).as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        }
    }

    pub(super) fn has(&self, name: &HeaderName) -> bool {
        self.received.headers.contains_key(name)
    }

    /// Whether the response lets a page of the origin sent read it: the origin echoed
    /// byte for byte, as the browser's CORS check wants.
    pub(super) fn allows_its_origin(&self) -> bool {
        self.allow_origin().is_some_and(|o| o == self.origin)
    }

    /// Whether the origin sent is refused: neither echoed nor covered by `*`.
    pub(super) fn is_rejected(&self) -> bool {
        !self.allows_its_origin() && self.allow_origin().is_none_or(|o| o != "*")
    }

    /// `Access-Control-Allow-Credentials: true`.
    pub(super) fn allows_credentials(&self) -> bool {
        self.values(&ACCESS_CONTROL_ALLOW_CREDENTIALS).as_slice() == ["true"]
    }

    /// The items of a comma-separated list header.
    pub(super) fn list(&self, name: &HeaderName) -> Vec<String> {
        self.values(name)
            .iter()
            .flat_map(|v| v.split(',').map(|i| i.trim().to_owned()))
            .filter(|i| !i.is_empty())
            .collect()
    }
}

/// Sends the probes, counting them.
pub(super) struct Prober<'a> {
    client: &'a Client,
    extra: &'a [(HeaderName, HeaderValue)],
    sent: usize,
}

impl<'a> Prober<'a> {
    /// A prober that has sent nothing yet; `extra` goes with every probe but the
    /// preflights.
    pub(super) fn new(client: &'a Client, extra: &'a [(HeaderName, HeaderValue)]) -> Self {
        Prober {
            client,
            extra,
            sent: 0,
        }
    }

    /// How many requests were sent.
    pub(super) fn sent(&self) -> usize {
        self.sent
    }

    /// `GET url` from `origin`, with a cookie as a credentialed request would carry
    /// (some servers answer differently when one is present) and the extra headers.
    async fn simple(&mut self, url: &Uri, origin: &str) -> Result<Option<Probe>, String> {
        let Ok(origin_value) = HeaderValue::from_str(origin) else {
            return Ok(None);
        };
        let mut headers = HeaderMap::new();
        headers.insert(ORIGIN, origin_value);
        headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
        if !self.extra.iter().any(|(n, _)| *n == COOKIE) {
            headers.insert(COOKIE, HeaderValue::from_static("corsair-audit=1"));
        }
        for (name, value) in self.extra {
            if *name != ORIGIN {
                headers.append(name.clone(), value.clone());
            }
        }
        let mut request = http::Request::new(());
        *request.uri_mut() = url.clone();
        *request.headers_mut() = headers;
        self.send(request).await.map(Some)
    }

    /// The preflight a browser sends for `request` (no credentials, no extra header).
    async fn preflight(&mut self, request: &ScriptRequest) -> Result<Probe, String> {
        self.send(PreflightRequest::new(request).to_http()).await
    }

    async fn send(&mut self, request: http::Request<()>) -> Result<Probe, String> {
        let origin = request
            .headers()
            .get(ORIGIN)
            .map(output::lossy)
            .unwrap_or_default();
        let mut lines = vec![format!("{} {}", request.method(), request.uri())];
        for (name, value) in request.headers() {
            lines.push(format!("{name}: {}", output::lossy(value)));
        }
        self.sent += 1;
        let received = self.client.send(request).await?;
        Ok(Probe {
            origin,
            request: lines,
            received,
        })
    }
}

/// Everything the probes saw.
#[derive(Default)]
pub(super) struct Observations {
    /// The trusted origin's baseline.
    pub(super) baseline: Option<Probe>,
    /// Whether the trusted origin is allowed (echoed, or `*`).
    pub(super) baseline_allowed: bool,
    /// Each origin probe, with its check.
    pub(super) origins: Vec<(Check, Probe)>,
    /// The preflight from a rejected origin.
    pub(super) rejected_preflight: Option<Probe>,
    /// The preflight asking for an unknown header, and the header's name.
    pub(super) header_preflight: Option<(Probe, String)>,
    /// The preflight asking for an unknown method.
    pub(super) method_preflight: Option<Probe>,
    /// The preflight with Authorization, and what the browser model made of it.
    pub(super) authorization_preflight: Option<(Probe, Option<Blocked>)>,
    /// The request for a missing resource.
    pub(super) missing: Option<Probe>,
}

impl Observations {
    /// Every probe, the baseline first.
    pub(super) fn all(&self) -> Vec<&Probe> {
        let mut all: Vec<&Probe> = self.baseline.iter().collect();
        all.extend(self.origins.iter().map(|(_, e)| e));
        all.extend(self.rejected_preflight.iter());
        all.extend(self.header_preflight.iter().map(|(e, _)| e));
        all.extend(self.method_preflight.iter());
        all.extend(self.authorization_preflight.iter().map(|(e, _)| e));
        all.extend(self.missing.iter());
        all
    }
}

/// Sends every probe; returns the trusted origin used.
pub(super) async fn send_probes(
    prober: &mut Prober<'_>,
    url: &Uri,
    candidates: &[String],
    seen: &mut Observations,
) -> Result<Trusted, String> {
    let chosen = send_baseline(prober, url, candidates, seen).await?;
    let trusted = chosen
        .as_deref()
        .and_then(Trusted::parse)
        .ok_or_else(|| "no usable trusted origin".to_owned())?;

    for (check, origin) in trusted.probe_origins() {
        if let Some(probe) = prober.simple(url, &origin).await? {
            seen.origins.push((check, probe));
        }
    }

    send_preflights(prober, url, &trusted, seen).await?;

    let missing = missing_resource(url);
    if let Some(probe) = prober.simple(&missing, &trusted.origin).await? {
        seen.missing = Some(probe);
    }
    Ok(trusted)
}

/// The baseline: the first candidate that the server allows, else the first one;
/// returns the candidate chosen.
async fn send_baseline(
    prober: &mut Prober<'_>,
    url: &Uri,
    candidates: &[String],
    seen: &mut Observations,
) -> Result<Option<String>, String> {
    let mut chosen = None;
    for candidate in candidates {
        let Some(probe) = prober.simple(url, candidate).await? else {
            continue;
        };
        let allowed = probe.allows_its_origin() || probe.allow_origin().is_some_and(|o| o == "*");
        let first = seen.baseline.is_none();
        if allowed || first {
            seen.baseline = Some(probe);
            seen.baseline_allowed = allowed;
            chosen = Some(candidate.clone());
        }
        if allowed {
            break;
        }
    }
    Ok(chosen)
}

/// The four preflights: from a rejected origin, with an unknown header, with an unknown
/// method, with Authorization.
async fn send_preflights(
    prober: &mut Prober<'_>,
    url: &Uri,
    trusted: &Trusted,
    seen: &mut Observations,
) -> Result<(), String> {
    let evil = format!("{}://{EVIL}", trusted.scheme);
    if let Some(request) = script_request(
        &evil,
        Method::PUT,
        url,
        &[("content-type", "application/json")],
    ) {
        seen.rejected_preflight = Some(prober.preflight(&request).await?);
    }
    let header = format!("x-corsair-audit-{}", net::unique_token());
    if let Some(request) = script_request(&trusted.origin, Method::GET, url, &[(&header, "1")]) {
        seen.header_preflight = Some((prober.preflight(&request).await?, header));
    }
    let unknown = Method::from_bytes(UNKNOWN_METHOD.as_bytes()).unwrap_or(Method::PATCH);
    if let Some(request) = script_request(&trusted.origin, unknown, url, &[]) {
        seen.method_preflight = Some(prober.preflight(&request).await?);
    }
    if let Some(request) = script_request(
        &trusted.origin,
        Method::GET,
        url,
        &[("authorization", "Bearer corsair-audit")],
    ) {
        let probe = prober.preflight(&request).await?;
        // Judged by the Fetch Standard's text: Chromium, Firefox and Safari let `*`
        // cover Authorization, so the finding is where the two disagree.
        let request = request.with_profile(Profile::Spec);
        let verdict =
            judge_preflight(&request, probe.received.status, &probe.received.headers).err();
        seen.authorization_preflight = Some((probe, verdict));
    }
    Ok(())
}

/// A script's request, as the browser model builds it.
fn script_request(
    origin: &str,
    method: Method,
    url: &Uri,
    headers: &[(&str, &str)],
) -> Option<ScriptRequest> {
    let mut request = ScriptRequest::new(origin, method, url.clone()).ok()?;
    for (name, value) in headers {
        request = request.header(name, value).ok()?;
    }
    Some(request)
}

/// The URL with its last path segment replaced by `corsair-audit-404-<token>`: a
/// resource next to the audited one that surely does not exist.
fn missing_resource(url: &Uri) -> Uri {
    let path = url.path();
    let dir = path
        .rfind('/')
        .map_or("/", |i| path.get(..=i).unwrap_or("/"));
    let path = format!("{dir}corsair-audit-404-{}", net::unique_token());
    let mut parts = url.clone().into_parts();
    parts.path_and_query = path.parse().ok();
    Uri::from_parts(parts).unwrap_or_else(|_| url.clone())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn missing_resources_sit_next_to_the_audited_one() {
        let url: Uri = "http://h.example/api/items?x=1".parse().unwrap();
        let missing = missing_resource(&url).to_string();
        assert!(
            missing.starts_with("http://h.example/api/corsair-audit-404-"),
            "{missing}"
        );
        let root: Uri = "http://h.example".parse().unwrap();
        assert!(
            missing_resource(&root)
                .to_string()
                .starts_with("http://h.example/corsair-audit-404-")
        );
    }
}
