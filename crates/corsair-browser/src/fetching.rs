//! A fetch driven one exchange at a time: [`Fetching`] says what to send next and judges
//! each answer, while the caller does the I/O however it likes (asynchronously, with
//! timeouts, reporting network failures). [`fetch`](super::fetch) is the same loop with a
//! closure as an infallible network.

use std::time::Duration;

use http::{HeaderMap, StatusCode};

use super::cache::PreflightCache;
use super::expose::{Readable, judge_response};
use super::plan::{ActualRequest, Plan, plan_cached};
use super::preflight::{PreflightGrant, PreflightRequest, judge_preflight, needs_preflight};
use super::redirect::follow_redirect;
use super::request::ScriptRequest;
use super::verdict::Blocked;

/// A fetch in progress: the current hop's request and what the browser sends next.
///
/// Start one with [`Fetching::new`], send [`Fetching::outgoing`], hand the answer to
/// [`Fetching::receive`] and go on with what it returns, until [`Progress::Done`] or a
/// [`Blocked`]. The preflight cache is consulted when each hop is planned and filled
/// when a preflight passes; when a fetch that took the preflight path is blocked, its
/// entries are cleared, as browsers do.
///
/// ```
/// use std::time::Duration;
/// use corsair_browser::{Fetching, Outgoing, PreflightCache, Progress, ScriptRequest};
/// use http::{HeaderMap, HeaderValue, StatusCode};
///
/// let request = ScriptRequest::new("https://app.example", http::Method::PUT,
///     "https://api.example/items/7".parse()?)?;
/// let mut cache = PreflightCache::default();
/// let now = Duration::ZERO;
///
/// let fetching = Fetching::new(request, &cache, now);
/// assert!(matches!(fetching.outgoing(), Outgoing::Preflight(_)));
/// let mut answer = HeaderMap::new();
/// answer.insert("access-control-allow-origin", HeaderValue::from_static("*"));
/// answer.insert("access-control-allow-methods", HeaderValue::from_static("PUT"));
/// let Progress::Preflighted { next, .. } =
///     fetching.receive(&mut cache, now, StatusCode::NO_CONTENT, &answer)? else {
///     unreachable!("the preflight passed")
/// };
/// assert_eq!(next.outgoing().to_http().method(), http::Method::PUT);
///
/// answer.remove("access-control-allow-methods");
/// match next.receive(&mut cache, now, StatusCode::OK, &answer)? {
///     Progress::Done(readable) => assert_eq!(readable.status(), StatusCode::OK),
///     _ => unreachable!("no redirect"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetching {
    request: ScriptRequest,
    plan: Plan,
    /// Whether the hop's preflight (if any) was already answered.
    preflighted: bool,
}

/// The request the browser sends next: a preflight or the actual request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outgoing<'a> {
    /// The CORS preflight (`OPTIONS`).
    Preflight(&'a PreflightRequest),
    /// The request itself.
    Actual(&'a ActualRequest),
}

impl Outgoing<'_> {
    /// As an [`http::Request`] with an empty body.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::DELETE, http::Uri::from_static("https://api.example/x"))?;
    /// let fetching = corsair_browser::Fetching::new(request,
    ///     &corsair_browser::PreflightCache::default(), std::time::Duration::ZERO);
    /// assert_eq!(fetching.outgoing().to_http().method(), http::Method::OPTIONS);
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn to_http(&self) -> http::Request<()> {
        match self {
            Outgoing::Preflight(preflight) => preflight.to_http(),
            Outgoing::Actual(actual) => actual.to_http(),
        }
    }

    /// Whether this is the preflight.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/x"))?;
    /// let fetching = corsair_browser::Fetching::new(request,
    ///     &corsair_browser::PreflightCache::default(), std::time::Duration::ZERO);
    /// assert!(!fetching.outgoing().is_preflight()); // a simple GET
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn is_preflight(&self) -> bool {
        matches!(self, Outgoing::Preflight(_))
    }
}

/// What an answer led to (see [`Fetching::receive`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The preflight passed: what it granted (now in the cache), and the fetch, whose
    /// next request is the actual one.
    Preflighted {
        /// What the preflight response allowed.
        grant: PreflightGrant,
        /// The fetch, going on with the actual request.
        next: Fetching,
    },
    /// The response was a redirect that the browser follows: the next hop, planned
    /// afresh at the new URL (with a new preflight when one is needed).
    Redirected(Fetching),
    /// The final response, as the script may read it.
    Done(Readable),
}

impl Fetching {
    /// Plans the first hop of a script's request, consulting the cache at time `now`.
    ///
    /// ```
    /// use corsair_browser::{Fetching, PreflightCache, ScriptRequest};
    /// let request = ScriptRequest::new("https://app.example", http::Method::GET,
    ///     http::Uri::from_static("https://api.example/x"))?;
    /// let fetching = Fetching::new(request, &PreflightCache::default(), std::time::Duration::ZERO);
    /// assert_eq!(fetching.request().url(), "https://api.example/x");
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn new(request: ScriptRequest, cache: &PreflightCache, now: Duration) -> Fetching {
        let plan = plan_cached(&request, cache, now);
        Fetching {
            request,
            plan,
            preflighted: false,
        }
    }

    /// The current hop's request (after redirects: the redirected one, whose
    /// [`url_list`](ScriptRequest::url_list) tells the way it came). Keep a clone to
    /// word a [`Blocked::console_message`] after [`receive`](Fetching::receive).
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/x"))?;
    /// let fetching = corsair_browser::Fetching::new(request,
    ///     &corsair_browser::PreflightCache::default(), std::time::Duration::ZERO);
    /// assert_eq!(fetching.request().redirect_count(), 0);
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn request(&self) -> &ScriptRequest {
        &self.request
    }

    /// The request to send now.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::PUT, http::Uri::from_static("https://api.example/x"))?;
    /// let fetching = corsair_browser::Fetching::new(request,
    ///     &corsair_browser::PreflightCache::default(), std::time::Duration::ZERO);
    /// assert!(fetching.outgoing().is_preflight());
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn outgoing(&self) -> Outgoing<'_> {
        match &self.plan.preflight {
            Some(preflight) if !self.preflighted => Outgoing::Preflight(preflight),
            _ => Outgoing::Actual(&self.plan.actual),
        }
    }

    /// Judges the answer to [`outgoing`](Fetching::outgoing), received at time `now`:
    /// a preflight with [`judge_preflight`] (storing what it granted in the cache), an
    /// actual request with [`follow_redirect`] and then [`judge_response`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use corsair_browser::{Fetching, PreflightCache, ScriptRequest};
    /// let request = ScriptRequest::new("https://app.example", http::Method::GET,
    ///     http::Uri::from_static("https://api.example/x"))?;
    /// let mut cache = PreflightCache::default();
    /// let fetching = Fetching::new(request, &cache, Duration::ZERO);
    /// let blocked = fetching.receive(&mut cache, Duration::ZERO, http::StatusCode::OK,
    ///     &http::HeaderMap::new()).unwrap_err();
    /// assert_eq!(blocked.code(), "missing-allow-origin");
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn receive(
        self,
        cache: &mut PreflightCache,
        now: Duration,
        status: StatusCode,
        headers: &HeaderMap,
    ) -> Result<Progress, Blocked> {
        let result = self.judge(cache, now, status, headers);
        if result.is_err() && needs_preflight(&self.request) {
            cache.clear(&self.request);
        }
        result
    }

    fn judge(
        &self,
        cache: &mut PreflightCache,
        now: Duration,
        status: StatusCode,
        headers: &HeaderMap,
    ) -> Result<Progress, Blocked> {
        if let Outgoing::Preflight(_) = self.outgoing() {
            let grant = judge_preflight(&self.request, status, headers)?;
            cache.store(&self.request, &grant, now);
            let next = Fetching {
                preflighted: true,
                ..self.clone()
            };
            return Ok(Progress::Preflighted { grant, next });
        }
        match follow_redirect(&self.request, status, headers)? {
            Some(next) => Ok(Progress::Redirected(Fetching::new(next, cache, now))),
            None => judge_response(&self.request, status, headers).map(Progress::Done),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderValue, Method, Uri};

    /// A server that allows PUT from anywhere and redirects `a.example` to `b.example`.
    fn server(request: &http::Request<()>) -> (StatusCode, HeaderMap) {
        let mut headers = HeaderMap::new();
        headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        headers.insert(
            "access-control-allow-methods",
            HeaderValue::from_static("PUT"),
        );
        if request.uri().host() == Some("a.example") && request.method() == Method::PUT {
            headers.insert("location", HeaderValue::from_static("https://b.example/y"));
            return (StatusCode::TEMPORARY_REDIRECT, headers);
        }
        (StatusCode::OK, headers)
    }

    fn put() -> ScriptRequest {
        ScriptRequest::new(
            "https://app.example",
            Method::PUT,
            Uri::from_static("https://a.example/x"),
        )
        .unwrap()
    }

    #[test]
    fn drives_the_same_exchanges_as_fetch() {
        let mut sent_by_fetch = Vec::new();
        let by_fetch =
            super::super::fetch(put(), &mut PreflightCache::default(), Duration::ZERO, |r| {
                sent_by_fetch.push(format!("{} {}", r.method(), r.uri()));
                server(r)
            })
            .unwrap();

        let mut sent = Vec::new();
        let mut cache = PreflightCache::default();
        let mut fetching = Fetching::new(put(), &cache, Duration::ZERO);
        let readable = loop {
            let request = fetching.outgoing().to_http();
            sent.push(format!("{} {}", request.method(), request.uri()));
            let (status, headers) = server(&request);
            fetching = match fetching
                .receive(&mut cache, Duration::ZERO, status, &headers)
                .unwrap()
            {
                Progress::Preflighted { next, .. } | Progress::Redirected(next) => next,
                Progress::Done(readable) => break readable,
            };
        };
        assert_eq!(readable, by_fetch);
        assert_eq!(sent, sent_by_fetch);
        assert_eq!(sent.len(), 4);
    }

    #[test]
    fn a_blocked_preflight_path_clears_the_cache() {
        let mut cache = PreflightCache::default();
        let fetching = Fetching::new(put(), &cache, Duration::ZERO);
        let (status, headers) = server(&fetching.outgoing().to_http());
        let Progress::Preflighted { next, .. } = fetching
            .receive(&mut cache, Duration::ZERO, status, &headers)
            .unwrap()
        else {
            panic!("the preflight passes");
        };
        assert!(!cache.is_empty());
        let blocked = next
            .receive(
                &mut cache,
                Duration::ZERO,
                StatusCode::OK,
                &HeaderMap::new(),
            )
            .unwrap_err();
        assert_eq!(blocked.code(), "missing-allow-origin");
        assert!(cache.is_empty());
    }
}
