//! Why a browser blocks a fetch: [`Blocked`] and [`CorsFailure`], each with a stable
//! code and the sentence a browser's console would print (modelled on Chromium's).

use std::fmt;

use http::StatusCode;

use super::request::ScriptRequest;

/// Why a response failed the CORS check (Fetch `#concept-cors-check`).
///
/// ```
/// use corsair_browser::CorsFailure;
/// let failure = CorsFailure::MissingAllowOrigin;
/// assert_eq!(failure.code(), "missing-allow-origin");
/// assert_eq!(failure.to_string(),
///     "No 'Access-Control-Allow-Origin' header is present on the requested resource.");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CorsFailure {
    /// No `Access-Control-Allow-Origin` header ("Null is not `null`").
    MissingAllowOrigin,
    /// Several values (several headers, joined with `", "`, or one value with a comma or
    /// a space): it can never equal an origin.
    MultipleAllowOrigin(String),
    /// `*` while the request's credentials mode is `include`.
    WildcardWithCredentials,
    /// A value that is not byte-for-byte the request's serialized origin.
    AllowOriginMismatch(String),
    /// Credentials are included but `Access-Control-Allow-Credentials` is not exactly
    /// `true` (the value, or empty when absent).
    InvalidAllowCredentials(String),
}

impl CorsFailure {
    /// The stable code: `missing-allow-origin`, `multiple-allow-origin`,
    /// `wildcard-origin-with-credentials`, `allow-origin-mismatch` or
    /// `invalid-allow-credentials`.
    ///
    /// ```
    /// use corsair_browser::CorsFailure;
    /// assert_eq!(CorsFailure::WildcardWithCredentials.code(), "wildcard-origin-with-credentials");
    /// ```
    pub const fn code(&self) -> &'static str {
        match self {
            CorsFailure::MissingAllowOrigin => "missing-allow-origin",
            CorsFailure::MultipleAllowOrigin(_) => "multiple-allow-origin",
            CorsFailure::WildcardWithCredentials => "wildcard-origin-with-credentials",
            CorsFailure::AllowOriginMismatch(_) => "allow-origin-mismatch",
            CorsFailure::InvalidAllowCredentials(_) => "invalid-allow-credentials",
        }
    }

    const fn preflight_code(&self) -> &'static str {
        match self {
            CorsFailure::MissingAllowOrigin => "preflight-missing-allow-origin",
            CorsFailure::MultipleAllowOrigin(_) => "preflight-multiple-allow-origin",
            CorsFailure::WildcardWithCredentials => "preflight-wildcard-origin-with-credentials",
            CorsFailure::AllowOriginMismatch(_) => "preflight-allow-origin-mismatch",
            CorsFailure::InvalidAllowCredentials(_) => "preflight-invalid-allow-credentials",
        }
    }
}

impl fmt::Display for CorsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorsFailure::MissingAllowOrigin => f.write_str(
                "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
            ),
            CorsFailure::MultipleAllowOrigin(value) => write!(
                f,
                "The 'Access-Control-Allow-Origin' header contains multiple values '{value}', but only one is allowed."
            ),
            CorsFailure::WildcardWithCredentials => f.write_str(
                "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.",
            ),
            CorsFailure::AllowOriginMismatch(value) => write!(
                f,
                "The 'Access-Control-Allow-Origin' header has a value '{value}' that is not equal to the supplied origin."
            ),
            CorsFailure::InvalidAllowCredentials(value) => write!(
                f,
                "The value of the 'Access-Control-Allow-Credentials' header in the response is '{value}' which must be 'true' when the request's credentials mode is 'include'."
            ),
        }
    }
}

const PREFLIGHT_PREFIX: &str = "Response to preflight request doesn't pass access control check: ";

/// Why a browser refuses a fetch, or refuses to let the script read its response.
///
/// [`code`](Blocked::code) is stable; [`Display`](fmt::Display) gives the sentence a
/// browser's console prints (Chromium's wording), and
/// [`console_message`](Blocked::console_message) the whole console line.
///
/// ```
/// use corsair_browser::{Blocked, CorsFailure};
/// let blocked = Blocked::Preflight(CorsFailure::MissingAllowOrigin);
/// assert_eq!(blocked.code(), "preflight-missing-allow-origin");
/// assert_eq!(blocked.to_string(),
///     "Response to preflight request doesn't pass access control check: \
///      No 'Access-Control-Allow-Origin' header is present on the requested resource.");
/// assert_eq!(Blocked::MethodNotAllowed("PUT".into()).to_string(),
///     "Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Blocked {
    /// The script's origin is neither a serialized origin nor `null` (a mistake of the
    /// caller: no document has such an origin).
    InvalidOrigin(String),
    /// The URL is not an absolute `http:` or `https:` URL.
    UnsupportedUrl(String),
    /// The URL has a user name or password: `fetch()` throws.
    CredentialsInUrl(String),
    /// `CONNECT`, `TRACE` or `TRACK`: `fetch()` throws.
    ForbiddenMethod(String),
    /// A header name or value that `Headers` refuses: `fetch()` throws.
    InvalidHeader(String),
    /// The preflight response failed the CORS check.
    Preflight(CorsFailure),
    /// The preflight was answered with a redirect; preflights never follow redirects.
    PreflightRedirect(StatusCode),
    /// The preflight was answered with a status outside 200–299.
    PreflightStatus(StatusCode),
    /// `Access-Control-Allow-Methods` is not a list of methods.
    InvalidAllowMethods(String),
    /// `Access-Control-Allow-Headers` is not a list of header names.
    InvalidAllowHeaders(String),
    /// The preflight response does not allow the method.
    MethodNotAllowed(String),
    /// The preflight response does not allow this request header (lowercase).
    HeaderNotAllowed(String),
    /// The response (a redirect included) failed the CORS check.
    Response(CorsFailure),
    /// The `Location` of a redirect is not a URL.
    InvalidRedirectLocation(String),
    /// A redirect to a scheme other than `http` and `https`.
    RedirectScheme(String),
    /// A redirect to a URL with a user name or password.
    RedirectWithCredentials(String),
    /// More than 20 redirects.
    TooManyRedirects,
}

impl Blocked {
    /// The stable code, such as `preflight-status` or `header-not-allowed`. A failed CORS
    /// check has the [`CorsFailure::code`], prefixed with `preflight-` for a preflight.
    ///
    /// ```
    /// use corsair_browser::{Blocked, CorsFailure};
    /// assert_eq!(Blocked::Response(CorsFailure::MissingAllowOrigin).code(), "missing-allow-origin");
    /// assert_eq!(Blocked::TooManyRedirects.code(), "too-many-redirects");
    /// ```
    pub const fn code(&self) -> &'static str {
        match self {
            Blocked::InvalidOrigin(_) => "invalid-origin",
            Blocked::UnsupportedUrl(_) => "unsupported-url",
            Blocked::CredentialsInUrl(_) => "credentials-in-url",
            Blocked::ForbiddenMethod(_) => "forbidden-method",
            Blocked::InvalidHeader(_) => "invalid-header",
            Blocked::Preflight(failure) => failure.preflight_code(),
            Blocked::PreflightRedirect(_) => "preflight-redirect",
            Blocked::PreflightStatus(_) => "preflight-status",
            Blocked::InvalidAllowMethods(_) => "invalid-allow-methods",
            Blocked::InvalidAllowHeaders(_) => "invalid-allow-headers",
            Blocked::MethodNotAllowed(_) => "method-not-allowed",
            Blocked::HeaderNotAllowed(_) => "header-not-allowed",
            Blocked::Response(failure) => failure.code(),
            Blocked::InvalidRedirectLocation(_) => "invalid-redirect-location",
            Blocked::RedirectScheme(_) => "redirect-scheme",
            Blocked::RedirectWithCredentials(_) => "redirect-with-credentials",
            Blocked::TooManyRedirects => "too-many-redirects",
        }
    }

    /// Whether this is the CORS policy refusing (what the console reports as "blocked by
    /// CORS policy"), rather than `fetch()` throwing or the network failing.
    ///
    /// ```
    /// use corsair_browser::Blocked;
    /// assert!(Blocked::HeaderNotAllowed("x-foo".into()).is_cors_policy());
    /// assert!(!Blocked::ForbiddenMethod("TRACE".into()).is_cors_policy());
    /// ```
    pub const fn is_cors_policy(&self) -> bool {
        !matches!(
            self,
            Blocked::InvalidOrigin(_)
                | Blocked::UnsupportedUrl(_)
                | Blocked::CredentialsInUrl(_)
                | Blocked::ForbiddenMethod(_)
                | Blocked::InvalidHeader(_)
                | Blocked::InvalidRedirectLocation(_)
                | Blocked::TooManyRedirects
        )
    }

    /// The whole line a browser's console shows for this request, such as
    /// `Access to fetch at 'https://api.example/x' from origin 'https://app.example' has
    /// been blocked by CORS policy: ...`.
    ///
    /// ```
    /// use corsair_browser::{Blocked, ScriptRequest};
    /// let request = ScriptRequest::new("https://app.example", http::Method::PUT,
    ///     http::Uri::from_static("https://api.example/items"))?;
    /// let line = Blocked::MethodNotAllowed("PUT".into()).console_message(&request);
    /// assert_eq!(line, "Access to fetch at 'https://api.example/items' from origin \
    ///     'https://app.example' has been blocked by CORS policy: Method PUT is not \
    ///     allowed by Access-Control-Allow-Methods in preflight response.");
    /// # Ok::<(), corsair_browser::Blocked>(())
    /// ```
    pub fn console_message(&self, request: &ScriptRequest) -> String {
        if !self.is_cors_policy() {
            return match self {
                Blocked::ForbiddenMethod(_)
                | Blocked::CredentialsInUrl(_)
                | Blocked::InvalidHeader(_) => {
                    format!("TypeError: Failed to execute 'fetch' on 'Window': {self}")
                }
                _ => self.to_string(),
            };
        }
        let redirected = match request.url_list().first() {
            Some(first) if request.url_list().len() > 1 => format!(" (redirected from '{first}')"),
            _ => String::new(),
        };
        format!(
            "Access to fetch at '{}'{redirected} from origin '{}' has been blocked by CORS policy: {self}",
            request.url(),
            request.origin(),
        )
    }
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocked::InvalidOrigin(origin) => write!(
                f,
                "'{origin}' is not an origin: a script's origin is `scheme://host[:port]` or `null`."
            ),
            Blocked::UnsupportedUrl(url) => write!(
                f,
                "Fetch API cannot load {url}. URL scheme must be \"http\" or \"https\" for CORS request."
            ),
            Blocked::CredentialsInUrl(url) => write!(
                f,
                "Request cannot be constructed from a URL that includes credentials: {url}"
            ),
            Blocked::ForbiddenMethod(method) => {
                write!(f, "'{method}' HTTP method is unsupported.")
            }
            Blocked::InvalidHeader(what) => write!(f, "Invalid header {what}."),
            Blocked::Preflight(failure) => write!(f, "{PREFLIGHT_PREFIX}{failure}"),
            Blocked::PreflightRedirect(_) => write!(
                f,
                "{PREFLIGHT_PREFIX}Redirect is not allowed for a preflight request."
            ),
            Blocked::PreflightStatus(_) => {
                write!(f, "{PREFLIGHT_PREFIX}It does not have HTTP ok status.")
            }
            Blocked::InvalidAllowMethods(_) => f.write_str(
                "Cannot parse Access-Control-Allow-Methods response header field in preflight response.",
            ),
            Blocked::InvalidAllowHeaders(_) => f.write_str(
                "Cannot parse Access-Control-Allow-Headers response header field in preflight response.",
            ),
            Blocked::MethodNotAllowed(method) => write!(
                f,
                "Method {method} is not allowed by Access-Control-Allow-Methods in preflight response."
            ),
            Blocked::HeaderNotAllowed(name) => write!(
                f,
                "Request header field {name} is not allowed by Access-Control-Allow-Headers in preflight response."
            ),
            Blocked::Response(failure) => failure.fmt(f),
            Blocked::InvalidRedirectLocation(location) => write!(
                f,
                "Redirect location '{location}' is not a valid URL (net::ERR_INVALID_REDIRECT)."
            ),
            Blocked::RedirectScheme(location) => write!(
                f,
                "Redirect location '{location}' has a disallowed scheme for cross-origin requests."
            ),
            Blocked::RedirectWithCredentials(location) => write!(
                f,
                "Redirect location '{location}' contains a username and password, which is disallowed for cross-origin requests."
            ),
            Blocked::TooManyRedirects => {
                f.write_str("The request was redirected more than 20 times (net::ERR_TOO_MANY_REDIRECTS).")
            }
        }
    }
}

impl std::error::Error for Blocked {}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Blocked> {
        let failures = [
            CorsFailure::MissingAllowOrigin,
            CorsFailure::MultipleAllowOrigin("a, b".into()),
            CorsFailure::WildcardWithCredentials,
            CorsFailure::AllowOriginMismatch("x".into()),
            CorsFailure::InvalidAllowCredentials(String::new()),
        ];
        let mut all: Vec<Blocked> = failures.iter().cloned().map(Blocked::Preflight).collect();
        all.extend(failures.iter().cloned().map(Blocked::Response));
        all.extend([
            Blocked::InvalidOrigin("x".into()),
            Blocked::UnsupportedUrl("x".into()),
            Blocked::CredentialsInUrl("x".into()),
            Blocked::ForbiddenMethod("TRACE".into()),
            Blocked::InvalidHeader("x".into()),
            Blocked::PreflightRedirect(StatusCode::FOUND),
            Blocked::PreflightStatus(StatusCode::NOT_FOUND),
            Blocked::InvalidAllowMethods("a b".into()),
            Blocked::InvalidAllowHeaders("a b".into()),
            Blocked::MethodNotAllowed("PUT".into()),
            Blocked::HeaderNotAllowed("x-foo".into()),
            Blocked::InvalidRedirectLocation("x".into()),
            Blocked::RedirectScheme("ftp://x".into()),
            Blocked::RedirectWithCredentials("https://u:p@x".into()),
            Blocked::TooManyRedirects,
        ]);
        all
    }

    #[test]
    fn codes_are_distinct_and_messages_end_with_a_period() {
        let all = all();
        let mut codes: Vec<_> = all.iter().map(Blocked::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        for blocked in &all {
            let text = blocked.to_string();
            assert!(
                text.ends_with('.') || matches!(blocked, Blocked::CredentialsInUrl(_)),
                "{text}"
            );
        }
    }

    #[test]
    fn chromium_wording() {
        assert_eq!(
            Blocked::HeaderNotAllowed("x-foo".into()).to_string(),
            "Request header field x-foo is not allowed by Access-Control-Allow-Headers in preflight response."
        );
        assert_eq!(
            Blocked::PreflightStatus(StatusCode::METHOD_NOT_ALLOWED).to_string(),
            "Response to preflight request doesn't pass access control check: It does not have HTTP ok status."
        );
        assert_eq!(
            Blocked::PreflightRedirect(StatusCode::MOVED_PERMANENTLY).to_string(),
            "Response to preflight request doesn't pass access control check: Redirect is not allowed for a preflight request."
        );
        assert_eq!(
            Blocked::Response(CorsFailure::WildcardWithCredentials).to_string(),
            "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'."
        );
        assert_eq!(
            Blocked::Response(CorsFailure::MultipleAllowOrigin("a, b".into())).to_string(),
            "The 'Access-Control-Allow-Origin' header contains multiple values 'a, b', but only one is allowed."
        );
    }
}
