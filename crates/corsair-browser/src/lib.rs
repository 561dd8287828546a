//! # corsair-browser: what a browser does with CORS answers
//!
//! A model of what a real browser does with a script's cross-origin request, as
//! Chromium does it or as the WHATWG Fetch Standard's text says ([`Profile`]), without
//! doing any I/O. `corsair check` runs it against live servers, and corsair's tests
//! judge the engine's answers with it.
//!
//! The engine ([`corsair::Policy`], in the `corsair` crate) is the server's side of
//! CORS; this crate is the other side, and the engine never uses it: it lives apart so
//! that the middleware's API does not change when the model learns something new about
//! browsers. Both read the Fetch Standard's grammar and name lists from
//! [`corsair::fetch`].
//!
//! Given the request a script wants to make ([`ScriptRequest`]) the model says whether
//! a preflight is needed and exactly what is sent ([`plan`]), how the browser judges the
//! preflight's answer ([`judge_preflight`]), what it caches ([`PreflightCache`]), how it
//! follows redirects ([`follow_redirect`]), and what the script may finally read
//! ([`judge_response`]). Every refusal is a [`Blocked`] with a stable code and the
//! sentence a browser's console prints.
//!
//! The caller does the I/O, so the model drives a real server, a test double or the
//! engine itself equally well. [`fetch`] runs the whole loop with a closure as the
//! network; [`Fetching`] runs it one exchange at a time, for callers whose network is
//! asynchronous or can fail.
//!
//! # Example: step by step
//!
//! ```
//! use std::time::Duration;
//! use corsair_browser::{self as browser, Credentials, PreflightCache, ScriptRequest};
//! use corsair::{Action, Policy};
//! use http::{HeaderMap, StatusCode};
//!
//! let policy = Policy::builder()
//!     .allow_origins(["https://app.example"])
//!     .allow_methods(["PUT"])
//!     .allow_headers(["content-type"])
//!     .allow_credentials(true)
//!     .build()?;
//! // What the server would answer: the engine's decision on an application's 200.
//! let server = |request: &http::Request<()>| {
//!     let decision = policy.decide_request(request);
//!     let status = match decision.action() {
//!         Action::Respond(status) => status,
//!         Action::Forward => StatusCode::OK,
//!     };
//!     let mut headers = HeaderMap::new();
//!     decision.into_headers().apply_to(&mut headers);
//!     (status, headers)
//! };
//!
//! let request = ScriptRequest::new("https://app.example", http::Method::PUT,
//!         "https://api.example/items/7".parse()?)?
//!     .header("Content-Type", "application/json")?
//!     .with_credentials(Credentials::Include);
//! let mut cache = PreflightCache::default();
//! let now = Duration::ZERO;
//!
//! let plan = browser::plan_cached(&request, &cache, now);
//! let preflight = plan.preflight.expect("PUT with JSON needs a preflight");
//! let (status, headers) = server(&preflight.to_http());
//! let grant = browser::judge_preflight(&request, status, &headers)?;
//! cache.store(&request, &grant, now);
//!
//! let (status, headers) = server(&plan.actual.to_http());
//! assert!(browser::follow_redirect(&request, status, &headers)?.is_none());
//! let readable = browser::judge_response(&request, status, &headers)?;
//! assert_eq!(readable.status(), StatusCode::OK);
//!
//! // A second PUT within 5 seconds needs no preflight.
//! assert!(browser::plan_cached(&request, &cache, Duration::from_secs(4)).preflight.is_none());
//!
//! // Without the header allowed, the browser blocks, and says why.
//! let request = request.header("X-Trace", "1")?;
//! let blocked = browser::fetch(request, &mut cache, now, server).unwrap_err();
//! assert_eq!(blocked.to_string(), "Response to preflight request doesn't pass access \
//!     control check: No 'Access-Control-Allow-Origin' header is present on the \
//!     requested resource.");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Where browsers differ from the spec
//!
//! A [`Profile`] selects whose behaviour the model follows where Chromium (measured by
//! the real-browser suite) and the Fetch Standard's text disagree: its documentation
//! lists those differences. [`CacheProfile`] selects the cache lifetimes of a browser.
//! Other differences, where the model follows the spec unless noted:
//!
//! | topic | Fetch Standard (the model) | browsers |
//! |---|---|---|
//! | preflight cache lifetime | 5 s default, no cap ([`CacheProfile::Spec`]) | Chromium caps at 7200 s, Firefox at 86400 s, WebKit at 600 s ([`CacheProfile`]) |
//! | negative `Access-Control-Max-Age` | not `delta-seconds`: 5 s | Chromium: not cached ([`CacheProfile::Chromium`]) |
//! | invalid `Access-Control-Max-Age` | 5 s | Firefox: not cached ([`CacheProfile::Firefox`]); Chromium: 5 s (measured) |
//! | `*` cache entries under credentials | the text would let them match any method or header | Chromium honours `*` only for anonymous entries; the model does too |
//! | cache keys | origin, URL, credentials, network partition | Chromium keeps one answer per URL (a new preflight replaces it: [`CacheProfile::Chromium`] does too); Firefox keeps credentialed and anonymous answers apart (100 entries); otherwise the model keeps per-item entries as the spec, without partitions |
//! | `*` in `Access-Control-Allow-Headers` and `Authorization` | never covered | Chromium, Firefox and Safari cover it; [`Profile::Chromium`] does too |
//! | method case in `Access-Control-Allow-Methods` | case-sensitive | Chromium has had a non-conformant upper-casing path; the model follows the spec |
//! | CORS check before status on a preflight | order unspecified | Chromium reports a missing `Access-Control-Allow-Origin` before a bad status; so does the model |
//! | several `Access-Control-Allow-Origin` values | joined with `", "`: never equal | Chromium calls any value with a comma or space "multiple values"; so does the model's wording |
//! | header values | any bytes but NUL, CR, LF | [`http::HeaderValue`] also refuses other controls: such values cannot be built here, but [`is_cors_safelisted_request_header`] takes bytes |
//!
//! Also outside the model: `no-cors` and `same-origin` request modes, `redirect:
//! "manual"`, referrer policies, service workers, Private Network Access, and the
//! headers browsers add that CORS does not depend on (`User-Agent`, `Sec-Fetch-*`, ...).

#![forbid(unsafe_code)]

mod cache;
mod check;
mod expose;
mod fetching;
mod forbidden;
mod plan;
mod preflight;
mod profile;
mod redirect;
mod request;
mod safelist;
mod url;
mod verdict;

use std::time::Duration;

use http::{HeaderMap, StatusCode};

pub use cache::{CacheProfile, PreflightCache};
pub use check::cors_check;
pub use expose::{
    ExposedHeaders, Readable, SAFELISTED_RESPONSE_HEADERS, is_forbidden_response_header,
    judge_response,
};
pub use fetching::{Fetching, Outgoing, Progress};
pub use forbidden::is_forbidden_request_header;
pub use plan::{ActualRequest, Plan, plan, plan_cached};
pub use preflight::{MaxAge, PreflightGrant, PreflightRequest, judge_preflight, needs_preflight};
pub use profile::{Profile, UnknownProfile};
pub use redirect::follow_redirect;
pub use request::{Credentials, MAX_REDIRECTS, ScriptRequest, normalize_method};
pub use safelist::{
    MAX_SAFELISTED_TOTAL_LEN, MAX_SAFELISTED_VALUE_LEN, MimeType, cors_unsafe_request_header_names,
    is_cors_safelisted_method, is_cors_safelisted_request_header,
    is_cors_unsafe_request_header_byte,
};
pub use verdict::{Blocked, CorsFailure};

/// Runs a whole fetch: plans each hop (consulting and filling the cache at time `now`),
/// sends the preflight and the actual request through `send`, follows redirects and
/// judges the final response. `send` is the network: it gets each request the browser
/// sends and returns the status and headers of the answer.
///
/// When a fetch that took the preflight path fails, the cache entries for its origin and
/// URL are cleared, as browsers do.
///
/// ```
/// use std::time::Duration;
/// use corsair_browser::{fetch, PreflightCache, ScriptRequest};
/// use http::{HeaderMap, StatusCode};
///
/// let request = ScriptRequest::new("https://app.example", http::Method::DELETE,
///     "https://api.example/items/7".parse()?)?;
/// let mut sent = Vec::new();
/// let readable = fetch(request, &mut PreflightCache::default(), Duration::ZERO, |r| {
///     sent.push(format!("{} {}", r.method(), r.uri()));
///     let mut headers = HeaderMap::new();
///     headers.insert("access-control-allow-origin", "*".parse().unwrap());
///     headers.insert("access-control-allow-methods", "DELETE".parse().unwrap());
///     (StatusCode::NO_CONTENT, headers)
/// })?;
/// assert_eq!(readable.status(), StatusCode::NO_CONTENT);
/// assert_eq!(sent, ["OPTIONS https://api.example/items/7", "DELETE https://api.example/items/7"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn fetch<F>(
    request: ScriptRequest,
    cache: &mut PreflightCache,
    now: Duration,
    mut send: F,
) -> Result<Readable, Blocked>
where
    F: FnMut(&http::Request<()>) -> (StatusCode, HeaderMap),
{
    let mut request = request;
    loop {
        let preflight_path = needs_preflight(&request);
        let result = hop(&request, cache, now, &mut send);
        match result {
            Ok(Hop::Redirect(next)) => request = *next,
            Ok(Hop::Done(readable)) => return Ok(readable),
            Err(blocked) => {
                if preflight_path {
                    cache.clear(&request);
                }
                return Err(blocked);
            }
        }
    }
}

enum Hop {
    Redirect(Box<ScriptRequest>),
    Done(Readable),
}

fn hop<F>(
    request: &ScriptRequest,
    cache: &mut PreflightCache,
    now: Duration,
    send: &mut F,
) -> Result<Hop, Blocked>
where
    F: FnMut(&http::Request<()>) -> (StatusCode, HeaderMap),
{
    let plan = plan_cached(request, cache, now);
    if let Some(preflight) = &plan.preflight {
        let (status, headers) = send(&preflight.to_http());
        let grant = judge_preflight(request, status, &headers)?;
        cache.store(request, &grant, now);
    }
    let (status, headers) = send(&plan.actual.to_http());
    match follow_redirect(request, status, &headers)? {
        Some(next) => Ok(Hop::Redirect(Box::new(next))),
        None => judge_response(request, status, &headers).map(Hop::Done),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderValue, Method, Uri};

    #[test]
    fn a_failed_preflight_path_clears_the_cache() {
        let request = ScriptRequest::new(
            "https://app.example",
            Method::PUT,
            Uri::from_static("https://api.example/x"),
        )
        .unwrap();
        let mut cache = PreflightCache::default();
        let mut calls = 0;
        // First answer: preflight passes, actual response lacks ACAO.
        let result = fetch(request.clone(), &mut cache, Duration::ZERO, |r| {
            calls += 1;
            let mut headers = HeaderMap::new();
            if r.method() == Method::OPTIONS {
                headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
                headers.insert(
                    "access-control-allow-methods",
                    HeaderValue::from_static("PUT"),
                );
            }
            (StatusCode::OK, headers)
        });
        assert_eq!(
            result,
            Err(Blocked::Response(CorsFailure::MissingAllowOrigin))
        );
        assert_eq!(calls, 2);
        assert!(cache.is_empty());
    }

    #[test]
    fn redirects_are_followed_with_a_fresh_preflight() {
        let request = ScriptRequest::new(
            "https://app.example",
            Method::PUT,
            Uri::from_static("https://a.example/x"),
        )
        .unwrap();
        let mut sent = Vec::new();
        let readable = fetch(
            request,
            &mut PreflightCache::default(),
            Duration::ZERO,
            |r| {
                sent.push((
                    r.method().to_string(),
                    r.uri().to_string(),
                    r.headers()
                        .get("origin")
                        .map(|o| o.to_str().unwrap().to_owned()),
                ));
                let mut headers = HeaderMap::new();
                headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
                headers.insert(
                    "access-control-allow-methods",
                    HeaderValue::from_static("PUT"),
                );
                if r.uri().host() == Some("a.example") && r.method() == Method::PUT {
                    headers.insert("location", HeaderValue::from_static("https://b.example/y"));
                    return (StatusCode::TEMPORARY_REDIRECT, headers);
                }
                (StatusCode::OK, headers)
            },
        )
        .unwrap();
        assert!(readable.redirected());
        assert_eq!(readable.url(), "https://b.example/y");
        let o = |s: &str| Some(s.to_owned());
        assert_eq!(
            sent,
            [
                (
                    "OPTIONS".into(),
                    "https://a.example/x".into(),
                    o("https://app.example")
                ),
                (
                    "PUT".into(),
                    "https://a.example/x".into(),
                    o("https://app.example")
                ),
                ("OPTIONS".into(), "https://b.example/y".into(), o("null")),
                ("PUT".into(), "https://b.example/y".into(), o("null")),
            ]
        );
    }

    #[test]
    fn redirect_loops_end() {
        let request = ScriptRequest::new(
            "https://app.example",
            Method::GET,
            Uri::from_static("https://a.example/x"),
        )
        .unwrap();
        let mut calls = 0;
        let result = fetch(
            request,
            &mut PreflightCache::default(),
            Duration::ZERO,
            |_| {
                calls += 1;
                let mut headers = HeaderMap::new();
                headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
                headers.insert("location", HeaderValue::from_static("/x"));
                (StatusCode::FOUND, headers)
            },
        );
        assert_eq!(result, Err(Blocked::TooManyRedirects));
        assert_eq!(calls, 21);
    }
}
