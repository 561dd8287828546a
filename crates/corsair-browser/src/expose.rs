//! What a script may read of a response: the CORS check first, then the response
//! headers it is allowed to see (Fetch `#cors-safelisted-response-header-name`,
//! `#concept-filtered-response-cors`).

use http::header::{ACCESS_CONTROL_EXPOSE_HEADERS, HeaderMap, HeaderName};
use http::{StatusCode, Uri};

use super::check::cors_check;
use super::preflight::extract_tokens;
use super::request::ScriptRequest;
use super::verdict::Blocked;
use corsair::fetch;

/// The response headers scripts can always read (lowercase).
///
/// ```
/// assert!(corsair_browser::SAFELISTED_RESPONSE_HEADERS.contains(&"content-type"));
/// ```
pub const SAFELISTED_RESPONSE_HEADERS: [&str; 7] = fetch::SAFELISTED_RESPONSE_HEADERS;

/// `Set-Cookie` and `Set-Cookie2`: never readable by a script, whatever the server says.
///
/// ```
/// use corsair_browser::is_forbidden_response_header;
/// assert!(is_forbidden_response_header(&http::header::SET_COOKIE));
/// assert!(!is_forbidden_response_header(&http::header::ETAG));
/// ```
pub fn is_forbidden_response_header(name: &HeaderName) -> bool {
    fetch::is_forbidden_response_header(name.as_str())
}

/// Which headers of a CORS response a script may read, given the response's
/// `Access-Control-Expose-Headers` and whether credentials were included.
///
/// ```
/// use corsair_browser::ExposedHeaders;
/// use http::header::HeaderName;
/// let mut response = http::HeaderMap::new();
/// response.insert("access-control-expose-headers", "X-Total-Count, *".parse()?);
/// let anonymous = ExposedHeaders::from_response(&response, false);
/// assert!(anonymous.exposes(&HeaderName::from_static("x-anything")));
/// let credentialed = ExposedHeaders::from_response(&response, true);
/// assert!(credentialed.exposes(&HeaderName::from_static("x-total-count")));
/// assert!(!credentialed.exposes(&HeaderName::from_static("x-anything")));
/// assert!(credentialed.exposes(&HeaderName::from_static("content-type")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExposedHeaders {
    /// `*` without credentials: every name.
    all: bool,
    /// The listed names, lowercase.
    names: Vec<String>,
}

impl ExposedHeaders {
    /// Reads `Access-Control-Expose-Headers` (a `#field-name` list). A value that does not
    /// parse exposes nothing beyond the safelisted headers; `*` means every header only
    /// when credentials are not included, and is otherwise a name like any other.
    ///
    /// ```
    /// use corsair_browser::ExposedHeaders;
    /// let mut response = http::HeaderMap::new();
    /// response.insert("access-control-expose-headers", "x-a, not a name".parse()?);
    /// let exposed = ExposedHeaders::from_response(&response, false);
    /// assert!(!exposed.exposes(&http::header::HeaderName::from_static("x-a")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_response(headers: &HeaderMap, credentials: bool) -> ExposedHeaders {
        let names = extract_tokens(headers, ACCESS_CONTROL_EXPOSE_HEADERS.as_str())
            .ok()
            .flatten()
            .unwrap_or_default();
        let all = !credentials && names.iter().any(|n| n == "*");
        ExposedHeaders {
            all,
            names: names.into_iter().map(|n| n.to_ascii_lowercase()).collect(),
        }
    }

    /// Whether a script may read this header (Fetch's CORS-safelisted response-header
    /// name, given the exposed list).
    ///
    /// ```
    /// use corsair_browser::ExposedHeaders;
    /// let exposed = ExposedHeaders::from_response(&http::HeaderMap::new(), false);
    /// assert!(exposed.exposes(&http::header::CACHE_CONTROL));
    /// assert!(!exposed.exposes(&http::header::ETAG));
    /// assert!(!exposed.exposes(&http::header::SET_COOKIE));
    /// ```
    pub fn exposes(&self, name: &HeaderName) -> bool {
        let name = name.as_str();
        SAFELISTED_RESPONSE_HEADERS.contains(&name)
            || (!fetch::is_forbidden_response_header(name)
                && (self.all || self.names.iter().any(|n| n == name)))
    }
}

/// A response the script may read: its status, the headers it can see, and the URL it
/// came from (`response.url`, `response.redirected`).
///
/// ```
/// use corsair_browser::{judge_response, ScriptRequest};
/// let request = ScriptRequest::new("https://app.example", http::Method::GET,
///     http::Uri::from_static("https://api.example/items"))?;
/// let mut response = http::HeaderMap::new();
/// response.insert("access-control-allow-origin", "*".parse()?);
/// response.insert("content-type", "application/json".parse()?);
/// response.insert("x-total-count", "3".parse()?);
/// let readable = judge_response(&request, http::StatusCode::OK, &response)?;
/// assert!(readable.headers().contains_key("content-type"));
/// assert!(!readable.headers().contains_key("x-total-count"));
/// assert!(readable.is_cors());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Readable {
    status: StatusCode,
    headers: HeaderMap,
    url: Uri,
    redirected: bool,
    cors: bool,
}

impl Readable {
    /// The status (any status passes the CORS check).
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/"))?;
    /// # let mut response = http::HeaderMap::new();
    /// # response.insert("access-control-allow-origin", "*".parse()?);
    /// let readable = corsair_browser::judge_response(&request, http::StatusCode::NOT_FOUND, &response)?;
    /// assert_eq!(readable.status(), http::StatusCode::NOT_FOUND);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers `response.headers` shows the script.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/"))?;
    /// # let mut response = http::HeaderMap::new();
    /// # response.insert("access-control-allow-origin", "*".parse()?);
    /// let readable = corsair_browser::judge_response(&request, http::StatusCode::OK, &response)?;
    /// assert!(readable.headers().is_empty()); // ACAO itself is not exposed
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The URL of the response: the last URL of the fetch.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/x"))?;
    /// # let mut response = http::HeaderMap::new();
    /// # response.insert("access-control-allow-origin", "*".parse()?);
    /// let readable = corsair_browser::judge_response(&request, http::StatusCode::OK, &response)?;
    /// assert_eq!(readable.url(), "https://api.example/x");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn url(&self) -> &Uri {
        &self.url
    }

    /// Whether the fetch followed at least one redirect.
    ///
    /// ```
    /// # let request = corsair_browser::ScriptRequest::new("https://app.example",
    /// #     http::Method::GET, http::Uri::from_static("https://api.example/x"))?;
    /// # let mut response = http::HeaderMap::new();
    /// # response.insert("access-control-allow-origin", "*".parse()?);
    /// let readable = corsair_browser::judge_response(&request, http::StatusCode::OK, &response)?;
    /// assert!(!readable.redirected());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn redirected(&self) -> bool {
        self.redirected
    }

    /// Whether this is a CORS response (`response.type == "cors"`), rather than a
    /// same-origin (`"basic"`) one.
    ///
    /// ```
    /// let request = corsair_browser::ScriptRequest::new("https://app.example",
    ///     http::Method::GET, http::Uri::from_static("https://app.example/x"))?;
    /// let readable = corsair_browser::judge_response(&request, http::StatusCode::OK,
    ///     &http::HeaderMap::new())?;
    /// assert!(!readable.is_cors());
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn is_cors(&self) -> bool {
        self.cors
    }
}

/// Judges the final response of a fetch: for a CORS request, the
/// [CORS check](super::cors_check) and then the headers the script may read
/// ([`ExposedHeaders`]); for a same-origin request, every header but `Set-Cookie`.
///
/// The status does not matter. A redirect is judged by
/// [`follow_redirect`](super::follow_redirect) first.
///
/// ```
/// use corsair_browser::{judge_response, Blocked, CorsFailure, Credentials, ScriptRequest};
/// let request = ScriptRequest::new("https://app.example", http::Method::GET,
///         http::Uri::from_static("https://api.example/me"))?
///     .with_credentials(Credentials::Include);
/// let mut response = http::HeaderMap::new();
/// response.insert("access-control-allow-origin", "https://app.example".parse()?);
/// assert_eq!(judge_response(&request, http::StatusCode::OK, &response),
///     Err(Blocked::Response(CorsFailure::InvalidAllowCredentials(String::new()))));
/// response.insert("access-control-allow-credentials", "true".parse()?);
/// assert!(judge_response(&request, http::StatusCode::OK, &response).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn judge_response(
    request: &ScriptRequest,
    status: StatusCode,
    headers: &HeaderMap,
) -> Result<Readable, Blocked> {
    let cors = request.is_cors();
    let visible = if cors {
        cors_check(request, headers).map_err(Blocked::Response)?;
        let exposed = ExposedHeaders::from_response(headers, request.credentials().is_include());
        filter(headers, |name| exposed.exposes(name))
    } else {
        filter(headers, |name| !is_forbidden_response_header(name))
    };
    Ok(Readable {
        status,
        headers: visible,
        url: request.url().clone(),
        redirected: request.redirect_count() > 0,
        cors,
    })
}

fn filter(headers: &HeaderMap, keep: impl Fn(&HeaderName) -> bool) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in headers {
        if keep(name) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;
    use http::HeaderValue;

    fn response(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (n, v) in pairs {
            map.append(*n, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn every_safelisted_response_header_is_readable() {
        let exposed = ExposedHeaders::from_response(&HeaderMap::new(), true);
        for name in SAFELISTED_RESPONSE_HEADERS {
            assert!(exposed.exposes(&HeaderName::from_static(name)), "{name}");
        }
        for name in [
            "etag",
            "date",
            "server",
            "access-control-allow-origin",
            "vary",
        ] {
            assert!(!exposed.exposes(&HeaderName::from_static(name)), "{name}");
        }
    }

    #[test]
    fn expose_headers_lists_are_case_insensitive_and_merged() {
        let headers = response(&[
            ("access-control-expose-headers", "X-A"),
            ("access-control-expose-headers", " x-b ,"),
            ("access-control-expose-headers", "set-cookie"),
        ]);
        let exposed = ExposedHeaders::from_response(&headers, false);
        assert!(exposed.exposes(&HeaderName::from_static("x-a")));
        assert!(exposed.exposes(&HeaderName::from_static("x-b")));
        assert!(!exposed.exposes(&HeaderName::from_static("x-c")));
        assert!(!exposed.exposes(&HeaderName::from_static("set-cookie")));
    }

    #[test]
    fn same_origin_responses_hide_only_set_cookie() {
        let request = ScriptRequest::new(
            "https://app.example",
            http::Method::GET,
            Uri::from_static("https://app.example/"),
        )
        .unwrap()
        .with_credentials(Credentials::Include);
        let readable = judge_response(
            &request,
            StatusCode::OK,
            &response(&[("set-cookie", "a=1"), ("set-cookie2", "b"), ("etag", "x")]),
        )
        .unwrap();
        assert_eq!(readable.headers().len(), 1);
        assert!(readable.headers().contains_key("etag"));
    }
}
