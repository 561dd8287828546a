//! The CORS preflight (Fetch `#cors-preflight-fetch-0`): whether one is needed, the
//! exact request a browser sends, and how it judges the answer.

use http::header::{
    ACCEPT, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, AUTHORIZATION, HeaderMap,
    HeaderValue, LOCATION, ORIGIN,
};
use http::{Method, StatusCode, Uri};

use super::check::{cors_check, get_combined};
use super::profile::Profile;
use super::request::ScriptRequest;
use super::safelist::is_cors_safelisted_method;
use super::verdict::Blocked;
use corsair::fetch::is_token;

/// Whether the request takes the CORS-with-preflight path (Fetch's main fetch): it is a
/// CORS request and either its use-CORS-preflight flag is set, its method is not
/// safelisted, or it has CORS-unsafe request-header names. Whether the preflight is
/// actually sent also depends on the [`PreflightCache`](super::PreflightCache): see
/// [`plan_cached`](super::plan_cached).
///
/// ```
/// use corsair_browser::{needs_preflight, ScriptRequest};
/// use http::{Method, Uri};
/// let url = Uri::from_static("https://api.example/items");
/// let get = ScriptRequest::new("https://app.example", Method::GET, url.clone())?;
/// assert!(!needs_preflight(&get));
/// assert!(needs_preflight(&get.clone().header("x-requested-with", "fetch")?));
/// let put = ScriptRequest::new("https://app.example", Method::PUT, url)?;
/// assert!(needs_preflight(&put));
/// # Ok::<(), corsair_browser::Blocked>(())
/// ```
pub fn needs_preflight(request: &ScriptRequest) -> bool {
    request.is_cors()
        && (request.use_cors_preflight()
            || !is_cors_safelisted_method(request.method())
            || !request
                .profile()
                .unsafe_request_header_names(request.headers())
                .is_empty())
}

/// The preflight request a browser sends: `OPTIONS` to the request's URL with
/// `Accept: */*`, `Origin`, `Access-Control-Request-Method` and, when there are
/// CORS-unsafe header names, `Access-Control-Request-Headers` (lowercase, sorted,
/// deduplicated, joined with `,` and no space). Never any credentials: no `Cookie`, no
/// `Authorization`.
///
/// Browsers also add `User-Agent`, `Referer`, `Accept-Language`, `Accept-Encoding` and
/// `Sec-Fetch-*`; the CORS protocol does not depend on them and the model leaves them out.
///
/// ```
/// use corsair_browser::{PreflightRequest, ScriptRequest};
/// let request = ScriptRequest::new("https://app.example", http::Method::PUT,
///         http::Uri::from_static("https://api.example/items/7"))?
///     .header("X-Request-Id", "1")?
///     .header("Content-Type", "application/json")?
///     .header("Authorization", "Bearer secret")?;
/// let preflight = PreflightRequest::new(&request);
/// assert_eq!(preflight.method(), http::Method::OPTIONS);
/// assert_eq!(preflight.uri(), "https://api.example/items/7");
/// let headers = preflight.headers();
/// assert_eq!(headers["accept"], "*/*");
/// assert_eq!(headers["origin"], "https://app.example");
/// assert_eq!(headers["access-control-request-method"], "PUT");
/// assert_eq!(headers["access-control-request-headers"], "authorization,content-type,x-request-id");
/// assert!(headers.get("authorization").is_none());
/// # Ok::<(), corsair_browser::Blocked>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreflightRequest {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
}

impl PreflightRequest {
    /// The preflight for a request (whether or not one is needed).
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::DELETE, http::Uri::from_static("https://api.example/"))?;
    /// let preflight = corsair_browser::PreflightRequest::new(&request);
    /// assert!(preflight.headers().get("access-control-request-headers").is_none());
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn new(request: &ScriptRequest) -> PreflightRequest {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
        if let Ok(method) = HeaderValue::from_str(request.method().as_str()) {
            headers.insert(ACCESS_CONTROL_REQUEST_METHOD, method);
        }
        let names = request
            .profile()
            .unsafe_request_header_names(request.headers());
        if !names.is_empty() {
            let joined = names
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(",");
            if let Ok(value) = HeaderValue::from_str(&joined) {
                headers.insert(ACCESS_CONTROL_REQUEST_HEADERS, value);
            }
        }
        if let Ok(origin) = HeaderValue::from_str(request.serialized_origin()) {
            headers.insert(ORIGIN, origin);
        }
        PreflightRequest {
            method: Method::OPTIONS,
            uri: request.url().clone(),
            headers,
        }
    }

    /// Always `OPTIONS`.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::DELETE, http::Uri::from_static("https://api.example/"))?;
    /// assert_eq!(corsair_browser::PreflightRequest::new(&request).method(), "OPTIONS");
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request's current URL.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::DELETE, http::Uri::from_static("https://api.example/a?b"))?;
    /// assert_eq!(corsair_browser::PreflightRequest::new(&request).uri().path(), "/a");
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The headers the CORS protocol puts on a preflight.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::DELETE, http::Uri::from_static("https://api.example/"))?;
    /// let preflight = corsair_browser::PreflightRequest::new(&request);
    /// assert_eq!(preflight.headers().len(), 3); // Accept, ACRM, Origin
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// As an [`http::Request`], ready to send or to hand to a server under test.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::DELETE, http::Uri::from_static("https://api.example/"))?;
    /// let http = corsair_browser::PreflightRequest::new(&request).to_http();
    /// assert_eq!(http.method(), http::Method::OPTIONS);
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

/// `Access-Control-Max-Age` as a preflight response gave it. How long a browser then
/// caches the answer depends on the [`CacheProfile`](super::CacheProfile).
///
/// ```
/// use corsair_browser::MaxAge;
/// let mut headers = http::HeaderMap::new();
/// assert_eq!(MaxAge::from_headers(&headers), MaxAge::Absent);
/// headers.insert("access-control-max-age", "600".parse()?);
/// assert_eq!(MaxAge::from_headers(&headers), MaxAge::Seconds(600));
/// headers.insert("access-control-max-age", "-1".parse()?);
/// assert_eq!(MaxAge::from_headers(&headers), MaxAge::Negative);
/// headers.insert("access-control-max-age", "10s".parse()?);
/// assert_eq!(MaxAge::from_headers(&headers), MaxAge::Invalid);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MaxAge {
    /// No `Access-Control-Max-Age` header, or an empty one: the default applies.
    Absent,
    /// `delta-seconds`: digits only (saturating at `u64::MAX`).
    Seconds(u64),
    /// A minus sign and digits: not `delta-seconds`, but Chromium reads it as "do not
    /// cache".
    Negative,
    /// Anything else, several headers included.
    Invalid,
}

impl MaxAge {
    /// Reads `Access-Control-Max-Age` from a response's headers.
    ///
    /// ```
    /// let mut headers = http::HeaderMap::new();
    /// headers.append("access-control-max-age", "5".parse()?);
    /// headers.append("access-control-max-age", "10".parse()?);
    /// assert_eq!(corsair_browser::MaxAge::from_headers(&headers), corsair_browser::MaxAge::Invalid);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_headers(headers: &HeaderMap) -> MaxAge {
        let Some(value) = get_combined(headers, ACCESS_CONTROL_MAX_AGE.as_str()) else {
            return MaxAge::Absent;
        };
        if value.is_empty() {
            // Every browser reads an empty value as an absent one.
            return MaxAge::Absent;
        }
        let all_digits = |bytes: &[u8]| !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit);
        if all_digits(&value) {
            let seconds = value.iter().fold(0u64, |acc, &d| {
                acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
            });
            return MaxAge::Seconds(seconds);
        }
        match value.strip_prefix(b"-") {
            Some(digits) if all_digits(digits) => MaxAge::Negative,
            _ => MaxAge::Invalid,
        }
    }
}

/// What a passing preflight response granted: the methods and header names it listed
/// (the entries a browser caches), its max-age and whether credentials were included.
///
/// ```
/// use corsair_browser::{judge_preflight, MaxAge, ScriptRequest};
/// let request = ScriptRequest::new("https://app.example", http::Method::PUT,
///     http::Uri::from_static("https://api.example/"))?;
/// let mut response = http::HeaderMap::new();
/// response.insert("access-control-allow-origin", "https://app.example".parse()?);
/// response.insert("access-control-allow-methods", "PUT, DELETE".parse()?);
/// let grant = judge_preflight(&request, http::StatusCode::NO_CONTENT, &response)?;
/// assert_eq!(grant.methods(), ["PUT", "DELETE"]);
/// assert!(grant.header_names().is_empty());
/// assert_eq!(grant.max_age(), MaxAge::Absent);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreflightGrant {
    methods: Vec<String>,
    header_names: Vec<String>,
    max_age: MaxAge,
    credentials: bool,
}

impl PreflightGrant {
    /// The methods of `Access-Control-Allow-Methods`, as written (case matters); the
    /// request's method alone when the header is absent and the use-CORS-preflight flag
    /// is set.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::PUT, http::Uri::from_static("https://api.example/"))?;
    /// # let mut response = http::HeaderMap::new();
    /// # response.insert("access-control-allow-origin", "*".parse()?);
    /// # response.insert("access-control-allow-methods", "*".parse()?);
    /// let grant = corsair_browser::judge_preflight(&request, http::StatusCode::OK, &response)?;
    /// assert_eq!(grant.methods(), ["*"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn methods(&self) -> &[String] {
        &self.methods
    }

    /// The header names of `Access-Control-Allow-Headers`, lowercased.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/"))?.header("x-a", "1")?;
    /// # let mut response = http::HeaderMap::new();
    /// # response.insert("access-control-allow-origin", "*".parse()?);
    /// # response.insert("access-control-allow-headers", "X-A, X-B".parse()?);
    /// let grant = corsair_browser::judge_preflight(&request, http::StatusCode::OK, &response)?;
    /// assert_eq!(grant.header_names(), ["x-a", "x-b"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn header_names(&self) -> &[String] {
        &self.header_names
    }

    /// `Access-Control-Max-Age`.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::PUT, http::Uri::from_static("https://api.example/"))?;
    /// # let mut response = http::HeaderMap::new();
    /// # response.insert("access-control-allow-origin", "*".parse()?);
    /// # response.insert("access-control-allow-methods", "PUT".parse()?);
    /// response.insert("access-control-max-age", "600".parse()?);
    /// let grant = corsair_browser::judge_preflight(&request, http::StatusCode::OK, &response)?;
    /// assert_eq!(grant.max_age(), corsair_browser::MaxAge::Seconds(600));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_age(&self) -> MaxAge {
        self.max_age
    }

    /// Whether the request's credentials mode was `include` (the cache entries are then
    /// credentialed).
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::PUT, http::Uri::from_static("https://api.example/"))?;
    /// # let mut response = http::HeaderMap::new();
    /// # response.insert("access-control-allow-origin", "*".parse()?);
    /// # response.insert("access-control-allow-methods", "PUT".parse()?);
    /// let grant = corsair_browser::judge_preflight(&request, http::StatusCode::OK, &response)?;
    /// assert!(!grant.credentials());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn credentials(&self) -> bool {
        self.credentials
    }
}

/// Whether a status is a redirect the network layer would follow (with a `Location`).
pub(crate) fn is_redirect_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// Judges a preflight response for a request, as a browser does:
///
/// 1. a redirect (301, 302, 303, 307, 308 with `Location`) fails: preflights never
///    follow redirects;
/// 2. the CORS check, with the *actual request's* credentials mode;
/// 3. an ok status (200–299);
/// 4. `Access-Control-Allow-Methods` and `Access-Control-Allow-Headers` must parse as
///    lists of tokens (`#method`, `#field-name`);
/// 5. the method must be listed (byte for byte), or be `GET`, `HEAD` or `POST`, or
///    `*` be listed without credentials;
/// 6. `Authorization`, when the request has it, must be listed by name: in
///    [`Profile::Spec`] `*` never covers it; in [`Profile::Chromium`] `*` without
///    credentials does, and Authorization is checked after the other names (step 7);
/// 7. every CORS-unsafe header name must be listed (case-insensitively), or `*` without
///    credentials. The refusal names the first name not listed, in sorted order.
///
/// ```
/// use corsair_browser::{judge_preflight, Blocked, Profile, ScriptRequest};
/// use http::{HeaderMap, StatusCode};
///
/// let request = ScriptRequest::new("https://app.example", http::Method::GET,
///         http::Uri::from_static("https://api.example/"))?
///     .header("Authorization", "Bearer secret")?
///     .with_profile(Profile::Spec);
/// let mut response = HeaderMap::new();
/// response.insert("access-control-allow-origin", "*".parse()?);
/// response.insert("access-control-allow-headers", "*".parse()?);
/// assert_eq!(judge_preflight(&request, StatusCode::NO_CONTENT, &response),
///     Err(Blocked::HeaderNotAllowed("authorization".into())));
/// response.insert("access-control-allow-headers", "*, Authorization".parse()?);
/// assert!(judge_preflight(&request, StatusCode::NO_CONTENT, &response).is_ok());
/// // Chromium lets `*` cover it.
/// response.insert("access-control-allow-headers", "*".parse()?);
/// let request = request.with_profile(Profile::Chromium);
/// assert!(judge_preflight(&request, StatusCode::NO_CONTENT, &response).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn judge_preflight(
    request: &ScriptRequest,
    status: StatusCode,
    headers: &HeaderMap,
) -> Result<PreflightGrant, Blocked> {
    if is_redirect_status(status) && headers.contains_key(LOCATION) {
        return Err(Blocked::PreflightRedirect(status));
    }
    cors_check(request, headers).map_err(Blocked::Preflight)?;
    if !status.is_success() {
        return Err(Blocked::PreflightStatus(status));
    }
    let methods = extract_tokens(headers, ACCESS_CONTROL_ALLOW_METHODS.as_str())
        .map_err(Blocked::InvalidAllowMethods)?;
    let header_names = extract_tokens(headers, ACCESS_CONTROL_ALLOW_HEADERS.as_str())
        .map_err(Blocked::InvalidAllowHeaders)?
        .unwrap_or_default();
    let method = request.method().as_str();
    let methods = match methods {
        Some(methods) => methods,
        None if request.use_cors_preflight() => vec![method.to_owned()],
        None => Vec::new(),
    };
    let include = request.credentials().is_include();

    let method_listed = methods.iter().any(|m| m == method);
    let any_method = !include && methods.iter().any(|m| m == "*");
    if !method_listed && !is_cors_safelisted_method(request.method()) && !any_method {
        return Err(Blocked::MethodNotAllowed(method.to_owned()));
    }

    let listed = |name: &str| header_names.iter().any(|h| h.eq_ignore_ascii_case(name));
    let any_header = !include && header_names.iter().any(|h| h == "*");
    if request.profile() == Profile::Chromium {
        // Chromium checks the other names first, in sorted order, and Authorization
        // last (measured: with `x-custom` and `Authorization` both refused, the console
        // names `x-custom`).
        let refused = request
            .profile()
            .unsafe_request_header_names(request.headers())
            .into_iter()
            .find(|name| *name != AUTHORIZATION && !listed(name.as_str()) && !any_header);
        if let Some(name) = refused {
            return Err(Blocked::HeaderNotAllowed(name.as_str().to_owned()));
        }
        if request.headers().contains_key(AUTHORIZATION)
            && !listed(AUTHORIZATION.as_str())
            && !any_header
        {
            return Err(Blocked::HeaderNotAllowed(AUTHORIZATION.as_str().to_owned()));
        }
        return Ok(grant(methods, header_names, headers, include));
    }
    let wildcard_covers_authorization =
        any_header && request.profile().wildcard_covers_authorization();
    if request.headers().contains_key(AUTHORIZATION)
        && !listed(AUTHORIZATION.as_str())
        && !wildcard_covers_authorization
    {
        return Err(Blocked::HeaderNotAllowed(AUTHORIZATION.as_str().to_owned()));
    }
    for name in request
        .profile()
        .unsafe_request_header_names(request.headers())
    {
        if !listed(name.as_str()) && !any_header {
            return Err(Blocked::HeaderNotAllowed(name.as_str().to_owned()));
        }
    }

    Ok(grant(methods, header_names, headers, include))
}

fn grant(
    methods: Vec<String>,
    header_names: Vec<String>,
    headers: &HeaderMap,
    include: bool,
) -> PreflightGrant {
    PreflightGrant {
        methods,
        header_names: header_names
            .into_iter()
            .map(|h| h.to_ascii_lowercase())
            .collect(),
        max_age: MaxAge::from_headers(headers),
        credentials: include,
    }
}

/// Fetch's "extract header list values" for a `#token` list (`#method`,
/// `#field-name`): `None` when absent, the combined value as the error when an element
/// is not a token. Empty elements are ignored, as the `#` rule allows.
pub(crate) fn extract_tokens(
    headers: &HeaderMap,
    name: &str,
) -> Result<Option<Vec<String>>, String> {
    let Some(combined) = get_combined(headers, name) else {
        return Ok(None);
    };
    let mut tokens = Vec::new();
    for element in combined.split(|&b| b == b',') {
        let element = corsair::fetch::trim_http_whitespace(element);
        if element.is_empty() {
            continue;
        }
        match std::str::from_utf8(element) {
            Ok(token) if is_token(element) => tokens.push(token.to_owned()),
            _ => return Err(String::from_utf8_lossy(&combined).into_owned()),
        }
    }
    Ok(Some(tokens))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;

    fn request(method: &str) -> ScriptRequest {
        ScriptRequest::new(
            "https://app.example",
            Method::from_bytes(method.as_bytes()).unwrap(),
            Uri::from_static("https://api.example/r"),
        )
        .unwrap()
    }

    fn response(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (n, v) in pairs {
            map.append(*n, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn the_preflight_request_is_exact() {
        let r = request("patch")
            .header("X-B", "1")
            .unwrap()
            .header("x-a", "1")
            .unwrap()
            .header("X-A", "2")
            .unwrap()
            .header("accept", "text/html")
            .unwrap()
            .header("cookie", "a=1")
            .unwrap()
            .with_credentials(Credentials::Include);
        let p = PreflightRequest::new(&r);
        let http = p.to_http();
        assert_eq!(http.method(), Method::OPTIONS);
        assert_eq!(http.uri(), "https://api.example/r");
        let names: Vec<_> = http.headers().keys().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), 4);
        assert_eq!(http.headers()["access-control-request-method"], "patch");
        assert_eq!(http.headers()["access-control-request-headers"], "x-a,x-b");
        assert!(!http.headers().contains_key("cookie"));
    }

    #[test]
    fn lists_must_parse() {
        let ok = ("access-control-allow-origin", "*");
        assert_eq!(
            judge_preflight(
                &request("PUT"),
                StatusCode::OK,
                &response(&[ok, ("access-control-allow-methods", "Bad method name")])
            ),
            Err(Blocked::InvalidAllowMethods("Bad method name".into()))
        );
        assert_eq!(
            judge_preflight(
                &request("GET").header("x-a", "1").unwrap(),
                StatusCode::OK,
                &response(&[
                    ok,
                    (
                        "access-control-allow-headers",
                        "x-a, header name with space"
                    )
                ])
            ),
            Err(Blocked::InvalidAllowHeaders(
                "x-a, header name with space".into()
            ))
        );
        // Empty elements and several lines are fine.
        assert!(
            judge_preflight(
                &request("PUT"),
                StatusCode::OK,
                &response(&[
                    ok,
                    ("access-control-allow-methods", ", ,"),
                    ("access-control-allow-methods", "PUT")
                ])
            )
            .is_ok()
        );
    }

    #[test]
    fn absent_methods_and_the_preflight_flag() {
        let ok = response(&[("access-control-allow-origin", "*")]);
        let flagged = request("POST").with_cors_preflight_flag(true);
        let grant = judge_preflight(&flagged, StatusCode::OK, &ok).unwrap();
        assert_eq!(grant.methods(), ["POST"]);
        let custom = request("QUERY").with_cors_preflight_flag(true);
        assert_eq!(
            judge_preflight(&custom, StatusCode::OK, &ok)
                .unwrap()
                .methods(),
            ["QUERY"]
        );
        assert_eq!(
            judge_preflight(&request("QUERY"), StatusCode::OK, &ok),
            Err(Blocked::MethodNotAllowed("QUERY".into()))
        );
    }

    #[test]
    fn redirects_and_statuses() {
        let ok = ("access-control-allow-origin", "*");
        let r = request("PUT");
        let with_location = response(&[ok, ("location", "https://b.example/")]);
        assert_eq!(
            judge_preflight(&r, StatusCode::TEMPORARY_REDIRECT, &with_location),
            Err(Blocked::PreflightRedirect(StatusCode::TEMPORARY_REDIRECT))
        );
        // Without Location, a 3xx is just not ok.
        assert_eq!(
            judge_preflight(&r, StatusCode::FOUND, &response(&[ok])),
            Err(Blocked::PreflightStatus(StatusCode::FOUND))
        );
        // The CORS check comes before the status, as in Chromium.
        assert_eq!(
            judge_preflight(&r, StatusCode::NOT_FOUND, &HeaderMap::new()),
            Err(Blocked::Preflight(crate::CorsFailure::MissingAllowOrigin))
        );
    }

    #[test]
    fn max_age_parsing() {
        for (value, expected) in [
            ("0", MaxAge::Seconds(0)),
            (" 42 ", MaxAge::Seconds(42)),
            ("0600", MaxAge::Seconds(600)),
            ("99999999999999999999999", MaxAge::Seconds(u64::MAX)),
            ("-0", MaxAge::Negative),
            ("-5", MaxAge::Negative),
            ("", MaxAge::Absent),
            ("  ", MaxAge::Absent),
            ("+5", MaxAge::Invalid),
            ("5.0", MaxAge::Invalid),
            ("- 5", MaxAge::Invalid),
            ("-", MaxAge::Invalid),
        ] {
            let headers = response(&[("access-control-max-age", value)]);
            assert_eq!(MaxAge::from_headers(&headers), expected, "{value:?}");
        }
    }
}
