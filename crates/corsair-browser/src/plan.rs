//! What a browser sends for a script's request: a preflight when one is needed, then the
//! actual request.

use std::time::Duration;

use http::header::{ACCEPT, HeaderMap, HeaderValue, ORIGIN};
use http::{Method, Uri};

use super::cache::PreflightCache;
use super::preflight::{PreflightRequest, needs_preflight};
use super::request::ScriptRequest;

/// The requests a browser sends for one hop of a fetch: the preflight, if one is
/// needed, and then the actual request.
///
/// ```
/// use corsair_browser::{plan, ScriptRequest};
/// let request = ScriptRequest::new("https://app.example", http::Method::PUT,
///     http::Uri::from_static("https://api.example/items/7"))?;
/// let plan = plan(&request);
/// let preflight = plan.preflight.expect("PUT is not safelisted");
/// assert_eq!(preflight.headers()["access-control-request-method"], "PUT");
/// assert_eq!(plan.actual.method(), http::Method::PUT);
/// assert_eq!(plan.actual.headers()["origin"], "https://app.example");
/// # Ok::<(), corsair_browser::Blocked>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The preflight to send first, when the request needs one (and no cache entry
    /// covers it).
    pub preflight: Option<PreflightRequest>,
    /// The request itself, sent once the preflight (if any) passed.
    pub actual: ActualRequest,
}

/// The actual request as the browser sends it: the script's method, URL and headers,
/// plus `Origin` and the default `Accept: */*`. Whether cookies and HTTP authentication
/// go with it is [`ActualRequest::includes_credentials`] (the model has no cookie jar).
///
/// ```
/// use corsair_browser::{plan, ScriptRequest};
/// let request = ScriptRequest::new("https://app.example", http::Method::GET,
///     http::Uri::from_static("https://api.example/items"))?;
/// let actual = plan(&request).actual;
/// assert_eq!(actual.headers()["accept"], "*/*");
/// assert_eq!(actual.headers()["origin"], "https://app.example");
/// assert!(!actual.includes_credentials());
/// # Ok::<(), corsair_browser::Blocked>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActualRequest {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    credentials: bool,
}

impl ActualRequest {
    /// The actual request for one hop of a script's request.
    ///
    /// `Origin` is sent on every CORS request, and on same-origin requests whose method
    /// is neither `GET` nor `HEAD` (as `fetch()` does with the default referrer policy).
    ///
    /// ```
    /// use corsair_browser::{ActualRequest, ScriptRequest};
    /// let same_origin = ScriptRequest::new("https://app.example", http::Method::GET,
    ///     http::Uri::from_static("https://app.example/me"))?;
    /// assert!(ActualRequest::new(&same_origin).headers().get("origin").is_none());
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn new(request: &ScriptRequest) -> ActualRequest {
        let mut headers = request.headers().clone();
        if !headers.contains_key(ACCEPT) {
            headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
        }
        let get_or_head = *request.method() == Method::GET || *request.method() == Method::HEAD;
        if request.is_cors() || !get_or_head {
            if let Ok(origin) = HeaderValue::from_str(request.serialized_origin()) {
                headers.insert(ORIGIN, origin);
            }
        }
        ActualRequest {
            method: request.method().clone(),
            uri: request.url().clone(),
            headers,
            credentials: request.includes_credentials(),
        }
    }

    /// The method (normalized).
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::from_bytes(b"put")?, http::Uri::from_static("https://api.example/"))?;
    /// assert_eq!(corsair_browser::plan(&request).actual.method(), http::Method::PUT);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/x"))?;
    /// assert_eq!(corsair_browser::plan(&request).actual.uri(), "https://api.example/x");
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The headers: the script's, `Origin` and `Accept`.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/x"))?
    /// #     .header("x-foo", "1")?;
    /// assert_eq!(corsair_browser::plan(&request).actual.headers()["x-foo"], "1");
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Whether the browser attaches cookies and HTTP authentication.
    ///
    /// ```
    /// use corsair_browser::{plan, Credentials, ScriptRequest};
    /// let request = ScriptRequest::new("https://app.example", http::Method::GET,
    ///     http::Uri::from_static("https://api.example/x"))?.with_credentials(Credentials::Include);
    /// assert!(plan(&request).actual.includes_credentials());
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn includes_credentials(&self) -> bool {
        self.credentials
    }

    /// As an [`http::Request`] with an empty body.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/x"))?;
    /// let http = corsair_browser::plan(&request).actual.to_http();
    /// assert_eq!(http.uri().path(), "/x");
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn to_http(&self) -> http::Request<()> {
        let mut request = http::Request::new(());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }
}

/// Plans one hop of a fetch, with no preflight cache: the preflight when
/// [`needs_preflight`] says so, then the actual request.
///
/// ```
/// use corsair_browser::{plan, ScriptRequest};
/// let request = ScriptRequest::new("https://app.example", http::Method::POST,
///         http::Uri::from_static("https://api.example/form"))?
///     .header("content-type", "application/x-www-form-urlencoded")?;
/// assert!(plan(&request).preflight.is_none()); // a "simple" request
/// let json = request.header("content-type", "application/json")?;
/// assert!(plan(&json).preflight.is_some());
/// # Ok::<(), corsair_browser::Blocked>(())
/// ```
pub fn plan(request: &ScriptRequest) -> Plan {
    Plan {
        preflight: needs_preflight(request).then(|| PreflightRequest::new(request)),
        actual: ActualRequest::new(request),
    }
}

/// Plans one hop of a fetch, skipping the preflight when the cache covers the method and
/// every CORS-unsafe header name at time `now` (see [`PreflightCache::covers`]).
///
/// ```
/// use std::time::Duration;
/// use corsair_browser::{judge_preflight, plan_cached, PreflightCache, ScriptRequest};
///
/// let request = ScriptRequest::new("https://app.example", http::Method::PUT,
///     http::Uri::from_static("https://api.example/items"))?;
/// let mut cache = PreflightCache::default();
/// let t0 = Duration::ZERO;
/// assert!(plan_cached(&request, &cache, t0).preflight.is_some());
///
/// let mut response = http::HeaderMap::new();
/// response.insert("access-control-allow-origin", "https://app.example".parse()?);
/// response.insert("access-control-allow-methods", "PUT".parse()?);
/// let grant = judge_preflight(&request, http::StatusCode::NO_CONTENT, &response)?;
/// cache.store(&request, &grant, t0);
/// assert!(plan_cached(&request, &cache, t0 + Duration::from_secs(4)).preflight.is_none());
/// assert!(plan_cached(&request, &cache, t0 + Duration::from_secs(5)).preflight.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plan_cached(request: &ScriptRequest, cache: &PreflightCache, now: Duration) -> Plan {
    let preflight = (needs_preflight(request) && !cache.covers(request, now))
        .then(|| PreflightRequest::new(request));
    Plan {
        preflight,
        actual: ActualRequest::new(request),
    }
}
