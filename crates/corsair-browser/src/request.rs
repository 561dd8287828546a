//! The request a script wants to make: its origin, normalized method, URL, the headers
//! `Headers` lets through (forbidden ones silently dropped), credentials mode and the
//! use-CORS-preflight flag; plus the redirect state a browser keeps for it.

use std::fmt;

use corsair::OriginRef;
use corsair::fetch::{is_forbidden_method, trim_http_whitespace};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, Uri};

use super::forbidden::is_forbidden_request_header;
use super::profile::Profile;
use super::url::{canonical_http_url, has_userinfo, url_origin};
use super::verdict::Blocked;

/// A request's credentials mode (Fetch `#concept-request-credentials-mode`).
///
/// ```
/// use corsair_browser::Credentials;
/// assert_eq!(Credentials::default(), Credentials::SameOrigin);
/// assert_eq!(Credentials::Include.as_str(), "include");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Credentials {
    /// Never send cookies or HTTP authentication.
    Omit,
    /// Send them to the script's own origin only (`fetch()`'s default). For a
    /// cross-origin request this is the same as `Omit`.
    #[default]
    SameOrigin,
    /// Always send them (`credentials: "include"`, `withCredentials = true`); the server
    /// must then answer with its exact origin and `Access-Control-Allow-Credentials: true`.
    Include,
}

impl Credentials {
    /// `"omit"`, `"same-origin"` or `"include"`.
    ///
    /// ```
    /// assert_eq!(corsair_browser::Credentials::Omit.as_str(), "omit");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Credentials::Omit => "omit",
            Credentials::SameOrigin => "same-origin",
            Credentials::Include => "include",
        }
    }

    /// Whether the mode is `include`, the only one the CORS protocol treats differently.
    ///
    /// ```
    /// assert!(!corsair_browser::Credentials::SameOrigin.is_include());
    /// ```
    pub const fn is_include(self) -> bool {
        matches!(self, Credentials::Include)
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The most redirects a fetch follows (Fetch `#http-redirect-fetch`); one more is a
/// [`Blocked::TooManyRedirects`].
///
/// ```
/// assert_eq!(corsair_browser::MAX_REDIRECTS, 20);
/// ```
pub const MAX_REDIRECTS: u8 = 20;

/// The request a script wants to make, as the browser holds it: the script's origin,
/// the normalized method, the URL, the headers that `Headers` let through, the
/// credentials mode and the use-CORS-preflight flag. After a redirect
/// ([`follow_redirect`](super::follow_redirect)) it also remembers the URLs followed and
/// whether the redirects tainted the origin.
///
/// Building one does what `fetch()` and `Headers` do before anything is sent:
///
/// - the method is normalized: `delete`, `get`, `head`, `options`, `post` and `put`
///   are uppercased, every other method is kept as written (`patch` stays `patch`);
///   `CONNECT`, `TRACE` and `TRACK` make `fetch()` throw;
/// - forbidden request headers are dropped silently (`Cookie`, `Origin`, `Host`,
///   `Sec-*`, `Proxy-*`, `X-HTTP-Method-Override: TRACE`, ...), and values lose their
///   leading and trailing whitespace.
///
/// ```
/// use corsair_browser::{Credentials, ScriptRequest};
/// use http::{Method, Uri};
///
/// let request = ScriptRequest::new("https://app.example", Method::from_bytes(b"delete")?,
///         Uri::from_static("https://api.example/items/7"))?
///     .header("X-Request-Id", "42")?
///     .header("Cookie", "session=1")? // forbidden: dropped
///     .with_credentials(Credentials::Include);
/// assert_eq!(request.method(), Method::DELETE);
/// assert_eq!(request.headers().len(), 1);
/// assert!(request.is_cors());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptRequest {
    origin: String,
    method: Method,
    url: Uri,
    /// The URLs before the current one, oldest first.
    previous_urls: Vec<Uri>,
    headers: HeaderMap,
    credentials: Credentials,
    use_cors_preflight: bool,
    redirect_count: u8,
    /// Whether a redirect made the origin serialize as `null`.
    tainted: bool,
    /// Whether an earlier hop already set the response tainting to `cors`.
    cors_tainted: bool,
    /// Whose behaviour the model follows for this request.
    profile: Profile,
}

impl ScriptRequest {
    /// A request from a script whose origin is `origin` (a serialized origin such as
    /// `https://app.example`, or `null`), with no headers, credentials mode
    /// `same-origin` and the use-CORS-preflight flag unset.
    ///
    /// Fails as `fetch()` would for a forbidden method, a URL that is not absolute
    /// `http:`/`https:`, or a URL with a user name or password; and for an `origin` no
    /// document can have.
    ///
    /// ```
    /// use corsair_browser::ScriptRequest;
    /// use http::{Method, Uri};
    /// let url = Uri::from_static("https://api.example/");
    /// assert!(ScriptRequest::new("null", Method::GET, url.clone()).is_ok());
    /// let trace = ScriptRequest::new("https://app.example", Method::TRACE, url.clone());
    /// assert_eq!(trace.unwrap_err().code(), "forbidden-method");
    /// let bad = ScriptRequest::new("https://app.example/", Method::GET, url);
    /// assert_eq!(bad.unwrap_err().code(), "invalid-origin");
    /// ```
    pub fn new(origin: &str, method: Method, url: Uri) -> Result<ScriptRequest, Blocked> {
        if origin != "null" && OriginRef::parse(origin).is_none() {
            return Err(Blocked::InvalidOrigin(origin.to_owned()));
        }
        if is_forbidden_method(method.as_str()) {
            return Err(Blocked::ForbiddenMethod(method.as_str().to_owned()));
        }
        if has_userinfo(&url) {
            return Err(Blocked::CredentialsInUrl(url.to_string()));
        }
        let Some(url) = canonical_http_url(&url) else {
            return Err(Blocked::UnsupportedUrl(url.to_string()));
        };
        Ok(ScriptRequest {
            origin: origin.to_owned(),
            method: normalize_method(method),
            url,
            previous_urls: Vec::new(),
            headers: HeaderMap::new(),
            credentials: Credentials::default(),
            use_cors_preflight: false,
            redirect_count: 0,
            tainted: false,
            cors_tainted: false,
            profile: Profile::default(),
        })
    }

    /// The request an [`http::Request`] describes, made by a script of `origin`: its
    /// method, URI (which must be absolute) and headers.
    ///
    /// ```
    /// use corsair_browser::ScriptRequest;
    /// let http = http::Request::put("https://api.example/items")
    ///     .header("content-type", "application/json")
    ///     .header("host", "evil.example") // forbidden: dropped
    ///     .body(())?;
    /// let request = ScriptRequest::from_http("https://app.example", &http)?;
    /// assert_eq!(request.headers().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_http<B>(
        origin: &str,
        request: &http::Request<B>,
    ) -> Result<ScriptRequest, Blocked> {
        Ok(
            ScriptRequest::new(origin, request.method().clone(), request.uri().clone())?
                .with_headers(request.headers()),
        )
    }

    /// Adds a header as `Headers.append` does: the value loses its leading and trailing
    /// whitespace, and a forbidden request header is dropped without error. Fails, as
    /// `Headers` throws, for an invalid name or value.
    ///
    /// ```
    /// use corsair_browser::ScriptRequest;
    /// let request = ScriptRequest::new("https://app.example", http::Method::GET,
    ///         http::Uri::from_static("https://api.example/"))?
    ///     .header("Accept", "  application/json ")?
    ///     .header("Sec-Fetch-Mode", "navigate")?; // forbidden: dropped
    /// assert_eq!(request.headers()["accept"], "application/json");
    /// assert!(request.headers().get("sec-fetch-mode").is_none());
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn header(self, name: &str, value: impl AsRef<[u8]>) -> Result<ScriptRequest, Blocked> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Blocked::InvalidHeader(format!("name '{name}'")))?;
        let value =
            HeaderValue::from_bytes(trim_http_whitespace(value.as_ref())).map_err(|_| {
                Blocked::InvalidHeader(format!(
                    "value '{}'",
                    String::from_utf8_lossy(value.as_ref()).escape_debug()
                ))
            })?;
        Ok(self.with_header(name, value))
    }

    /// Adds a header (see [`ScriptRequest::header`]), from already valid parts.
    ///
    /// ```
    /// use corsair_browser::ScriptRequest;
    /// use http::header::{HeaderName, HeaderValue};
    /// let request = ScriptRequest::new("https://app.example", http::Method::GET,
    ///         http::Uri::from_static("https://api.example/"))?
    ///     .with_header(HeaderName::from_static("x-foo"), HeaderValue::from_static("1"));
    /// assert_eq!(request.headers()["x-foo"], "1");
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> ScriptRequest {
        let trimmed = trim_http_whitespace(value.as_bytes());
        let value = if trimmed.len() == value.len() {
            value
        } else {
            match HeaderValue::from_bytes(trimmed) {
                Ok(v) => v,
                Err(_) => return self,
            }
        };
        if !is_forbidden_request_header(&name, &value) {
            self.headers.append(name, value);
        }
        self
    }

    /// Adds every header of a map (see [`ScriptRequest::header`]).
    ///
    /// ```
    /// use corsair_browser::ScriptRequest;
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-foo", "1".parse()?);
    /// headers.insert("origin", "https://evil.example".parse()?);
    /// let request = ScriptRequest::new("https://app.example", http::Method::GET,
    ///         http::Uri::from_static("https://api.example/"))?
    ///     .with_headers(&headers);
    /// assert_eq!(request.headers().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_headers(self, headers: &HeaderMap) -> ScriptRequest {
        headers.iter().fold(self, |request, (name, value)| {
            request.with_header(name.clone(), value.clone())
        })
    }

    /// Sets whose behaviour the model follows for this request (see [`Profile`]).
    ///
    /// ```
    /// use corsair_browser::{Profile, ScriptRequest};
    /// let request = ScriptRequest::new("https://app.example", http::Method::GET,
    ///         http::Uri::from_static("https://api.example/"))?
    ///     .with_profile(Profile::Spec);
    /// assert_eq!(request.profile(), Profile::Spec);
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    #[must_use]
    pub fn with_profile(mut self, profile: Profile) -> ScriptRequest {
        self.profile = profile;
        self
    }

    /// Whose behaviour the model follows for this request: [`Profile::Chromium`]
    /// unless [`ScriptRequest::with_profile`] said otherwise.
    ///
    /// ```
    /// use corsair_browser::{Profile, ScriptRequest};
    /// let request = ScriptRequest::new("https://app.example", http::Method::GET,
    ///     http::Uri::from_static("https://api.example/"))?;
    /// assert_eq!(request.profile(), Profile::Chromium);
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Sets the credentials mode.
    ///
    /// ```
    /// use corsair_browser::{Credentials, ScriptRequest};
    /// let request = ScriptRequest::new("https://app.example", http::Method::GET,
    ///         http::Uri::from_static("https://api.example/"))?
    ///     .with_credentials(Credentials::Include);
    /// assert_eq!(request.credentials(), Credentials::Include);
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    #[must_use]
    pub fn with_credentials(mut self, credentials: Credentials) -> ScriptRequest {
        self.credentials = credentials;
        self
    }

    /// Sets the use-CORS-preflight flag, which forces a preflight even for a safelisted
    /// request: `XMLHttpRequest` sets it when an upload listener is registered, `fetch()`
    /// when the body is a `ReadableStream`.
    ///
    /// ```
    /// use corsair_browser::ScriptRequest;
    /// let request = ScriptRequest::new("https://app.example", http::Method::POST,
    ///         http::Uri::from_static("https://api.example/upload"))?
    ///     .with_cors_preflight_flag(true);
    /// assert!(corsair_browser::plan(&request).preflight.is_some());
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    #[must_use]
    pub fn with_cors_preflight_flag(mut self, flag: bool) -> ScriptRequest {
        self.use_cors_preflight = flag;
        self
    }

    /// The script's origin, as given (`null` for an opaque origin).
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/"))?;
    /// assert_eq!(request.origin(), "https://app.example");
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The origin the browser sends in `Origin` and compares with
    /// `Access-Control-Allow-Origin`: the script's origin, or `null` once a redirect
    /// tainted it (Fetch `#serializing-a-request-origin`).
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/"))?;
    /// assert_eq!(request.serialized_origin(), "https://app.example");
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn serialized_origin(&self) -> &str {
        if self.tainted { "null" } else { &self.origin }
    }

    /// The normalized method.
    ///
    /// ```
    /// # use http::Method;
    /// let request = corsair_browser::ScriptRequest::new("https://app.example",
    ///     Method::from_bytes(b"patch")?, http::Uri::from_static("https://api.example/"))?;
    /// assert_eq!(request.method().as_str(), "patch"); // not one of the six normalized
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The current URL (the last one followed), with a lowercase scheme and host and
    /// without the scheme's default port.
    ///
    /// ```
    /// let request = corsair_browser::ScriptRequest::new("https://app.example",
    ///     http::Method::GET, http::Uri::from_static("HTTPS://API.example:443/x"))?;
    /// assert_eq!(request.url(), "https://api.example/x");
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn url(&self) -> &Uri {
        &self.url
    }

    /// Every URL of the fetch, the first one first and the current one last.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/"))?;
    /// assert_eq!(request.url_list().len(), 1);
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn url_list(&self) -> Vec<&Uri> {
        self.previous_urls
            .iter()
            .chain(std::iter::once(&self.url))
            .collect()
    }

    /// The headers the script set, minus the forbidden ones.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/"))?;
    /// assert!(request.headers().is_empty());
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The credentials mode.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/"))?;
    /// assert_eq!(request.credentials(), corsair_browser::Credentials::SameOrigin);
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn credentials(&self) -> Credentials {
        self.credentials
    }

    /// The use-CORS-preflight flag.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/"))?;
    /// assert!(!request.use_cors_preflight());
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn use_cors_preflight(&self) -> bool {
        self.use_cors_preflight
    }

    /// How many redirects were followed.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/"))?;
    /// assert_eq!(request.redirect_count(), 0);
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn redirect_count(&self) -> u8 {
        self.redirect_count
    }

    /// Whether the CORS protocol applies: the URL is cross-origin, or an earlier hop of
    /// the fetch was. A same-origin request (response tainting `basic`) is sent without
    /// preflight and read without any check.
    ///
    /// ```
    /// use corsair_browser::ScriptRequest;
    /// let same = ScriptRequest::new("https://app.example", http::Method::PUT,
    ///     http::Uri::from_static("https://app.example/items"))?;
    /// assert!(!same.is_cors());
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn is_cors(&self) -> bool {
        self.cors_tainted || url_origin(&self.url) != self.origin
    }

    /// Whether the credentials (cookies, HTTP authentication) go with the actual request:
    /// with `include`, or with `same-origin` while the request is not CORS.
    ///
    /// ```
    /// use corsair_browser::{Credentials, ScriptRequest};
    /// let request = ScriptRequest::new("https://app.example", http::Method::GET,
    ///     http::Uri::from_static("https://api.example/"))?;
    /// assert!(!request.includes_credentials());
    /// assert!(request.with_credentials(Credentials::Include).includes_credentials());
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn includes_credentials(&self) -> bool {
        match self.credentials {
            Credentials::Include => true,
            Credentials::SameOrigin => !self.is_cors(),
            Credentials::Omit => false,
        }
    }

    /// The next hop of a redirect: see [`follow_redirect`](super::follow_redirect).
    pub(crate) fn redirected(&self, location: Uri, rewrite_to_get: bool) -> ScriptRequest {
        let mut next = self.clone();
        let location_origin = url_origin(&location);
        let current_origin = url_origin(&self.url);
        if rewrite_to_get {
            next.method = Method::GET;
            for name in [
                "content-encoding",
                "content-language",
                "content-location",
                "content-type",
            ] {
                next.headers.remove(name);
            }
        }
        if location_origin != current_origin {
            // The CORS non-wildcard request-header names: Authorization.
            next.headers.remove(http::header::AUTHORIZATION);
            if self.origin != current_origin {
                next.tainted = true;
            }
        }
        next.cors_tainted = self.is_cors();
        next.redirect_count = self.redirect_count.saturating_add(1);
        next.previous_urls
            .push(std::mem::replace(&mut next.url, location));
        next
    }
}

/// Fetch's method normalization: a case-insensitive match of `DELETE`, `GET`, `HEAD`,
/// `OPTIONS`, `POST` or `PUT` is uppercased; every other method is left as written.
///
/// ```
/// use corsair_browser::normalize_method;
/// use http::Method;
/// assert_eq!(normalize_method(Method::from_bytes(b"pUt")?), Method::PUT);
/// assert_eq!(normalize_method(Method::from_bytes(b"patch")?).as_str(), "patch");
/// # Ok::<(), http::method::InvalidMethod>(())
/// ```
pub fn normalize_method(method: Method) -> Method {
    corsair::fetch::normalized_method(method.as_str())
        .and_then(|name| Method::from_bytes(name.as_bytes()).ok())
        .unwrap_or(method)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, url: &'static str) -> Result<ScriptRequest, Blocked> {
        ScriptRequest::new(
            "https://app.example",
            Method::from_bytes(method.as_bytes()).unwrap(),
            Uri::from_static(url),
        )
    }

    #[test]
    fn methods_are_normalized_as_fetch_does() {
        for (given, normalized) in [
            ("delete", "DELETE"),
            ("Get", "GET"),
            ("head", "HEAD"),
            ("options", "OPTIONS"),
            ("post", "POST"),
            ("pUT", "PUT"),
            ("patch", "patch"),
            ("Patch", "Patch"),
            ("PATCH", "PATCH"),
            ("custom", "custom"),
        ] {
            let r = request(given, "https://api.example/").unwrap();
            assert_eq!(r.method().as_str(), normalized, "{given}");
        }
        for forbidden in ["CONNECT", "trace", "Track"] {
            assert_eq!(
                request(forbidden, "https://api.example/"),
                Err(Blocked::ForbiddenMethod(forbidden.to_owned()))
            );
        }
    }

    #[test]
    fn urls_must_be_absolute_http_without_credentials() {
        assert_eq!(
            request("GET", "ftp://api.example/").unwrap_err().code(),
            "unsupported-url"
        );
        assert_eq!(
            request("GET", "/relative").unwrap_err().code(),
            "unsupported-url"
        );
        assert_eq!(
            request("GET", "https://user:pw@api.example/")
                .unwrap_err()
                .code(),
            "credentials-in-url"
        );
        let r = request("GET", "HTTP://API.Example:80").unwrap();
        assert_eq!(r.url(), "http://api.example/");
        let r = request("GET", "http://[::1]:8080/a?b").unwrap();
        assert_eq!(r.url(), "http://[::1]:8080/a?b");
        assert_eq!(url_origin(r.url()), "http://[::1]:8080");
    }

    #[test]
    fn origins_are_checked() {
        for bad in [
            "",
            "https://App.example",
            "https://app.example/",
            "Null",
            "*",
        ] {
            assert_eq!(
                ScriptRequest::new(bad, Method::GET, Uri::from_static("https://a.example/"))
                    .unwrap_err()
                    .code(),
                "invalid-origin",
                "{bad}"
            );
        }
    }

    #[test]
    fn forbidden_headers_are_dropped() {
        let mut r = request("POST", "https://api.example/").unwrap();
        for name in [
            "Accept-Charset",
            "accept-encoding",
            "access-control-request-headers",
            "Access-Control-Request-Method",
            "connection",
            "content-length",
            "cookie",
            "cookie2",
            "date",
            "dnt",
            "expect",
            "host",
            "keep-alive",
            "origin",
            "referer",
            "set-cookie",
            "te",
            "trailer",
            "transfer-encoding",
            "upgrade",
            "via",
            "proxy-authorization",
            "Proxy-Foo",
            "sec-fetch-site",
            "Sec-Anything",
        ] {
            r = r.header(name, "x").unwrap();
        }
        r = r
            .header("x-http-method-override", "connect")
            .unwrap()
            .header("X-HTTP-Method", "GET,TRACE")
            .unwrap()
            .header("x-method-override", " track ")
            .unwrap();
        assert!(r.headers().is_empty(), "{:?}", r.headers());

        let r = request("POST", "https://api.example/")
            .unwrap()
            .header("x-http-method-override", "PATCH")
            .unwrap()
            .header("x-http-method-override", "\"TRACE,\"")
            .unwrap()
            .header("access-control-allow-origin", "*")
            .unwrap()
            .header("proxy", "1")
            .unwrap()
            .header("authorization", "Bearer 1")
            .unwrap();
        assert_eq!(r.headers().len(), 5);
    }

    #[test]
    fn header_values_are_trimmed_and_checked() {
        let r = request("GET", "https://api.example/")
            .unwrap()
            .header("accept", "\t text/plain \t")
            .unwrap();
        assert_eq!(r.headers()["accept"], "text/plain");
        assert_eq!(
            request("GET", "https://api.example/")
                .unwrap()
                .header("bad name", "x")
                .unwrap_err()
                .code(),
            "invalid-header"
        );
        assert_eq!(
            request("GET", "https://api.example/")
                .unwrap()
                .header("x", "a\0b")
                .unwrap_err()
                .code(),
            "invalid-header"
        );
    }

    #[test]
    fn same_origin_requests_are_not_cors() {
        let r = ScriptRequest::new(
            "http://localhost:3000",
            Method::PUT,
            Uri::from_static("http://localhost:3000/api"),
        )
        .unwrap();
        assert!(!r.is_cors());
        let r = ScriptRequest::new(
            "https://app.example",
            Method::PUT,
            Uri::from_static("https://app.example:443/api"),
        )
        .unwrap();
        assert!(!r.is_cors());
        let r = ScriptRequest::new(
            "https://app.example",
            Method::PUT,
            Uri::from_static("http://app.example/api"),
        )
        .unwrap();
        assert!(r.is_cors());
        let r = ScriptRequest::new("null", Method::GET, Uri::from_static("https://a.example/"))
            .unwrap();
        assert!(r.is_cors());
    }
}
