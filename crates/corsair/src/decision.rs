//! What the engine decides for a request, and why.

use std::fmt;

use http::StatusCode;
use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, HeaderName,
    HeaderValue, VARY,
};

use crate::answer::{Headers, Value};
use crate::response::{self, ResponseHeaders};
use crate::vary::Vary;

/// `Access-Control-Allow-Private-Network`, which the `http` crate does not name.
pub const ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");
/// `Access-Control-Request-Private-Network`, which the `http` crate does not name.
pub const ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");

/// The three kinds of request of the CORS protocol (Fetch, `#http-requests`).
///
/// ```
/// assert_eq!(corsair::RequestKind::Preflight.as_str(), "preflight");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// No `Origin` header: not a CORS request.
    NonCors,
    /// `OPTIONS` with `Origin` and `Access-Control-Request-Method`. Answered by corsair;
    /// never reaches the application.
    Preflight,
    /// Any other request with `Origin`, `OPTIONS` without `Access-Control-Request-Method`
    /// included. Goes to the application.
    Actual,
}

impl RequestKind {
    /// `"non-cors"`, `"preflight"` or `"actual"`.
    ///
    /// ```
    /// assert_eq!(corsair::RequestKind::NonCors.as_str(), "non-cors");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            RequestKind::NonCors => "non-cors",
            RequestKind::Preflight => "preflight",
            RequestKind::Actual => "actual",
        }
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a request was allowed or rejected. Borrows the offending method or header name
/// from the request.
///
/// ```
/// use corsair::Reason;
/// assert_eq!(Reason::HeaderNotAllowed("x-foo").code(), "header-not-allowed");
/// assert!(!Reason::HeaderNotAllowed("x-foo").is_allowed());
/// assert_eq!(Reason::HeaderNotAllowed("x-foo").to_string(),
///            "request header `x-foo` is not in allow_headers");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason<'r> {
    /// Not a CORS request: nothing to decide.
    NonCors,
    /// CORS is turned off for this path (`enabled = false`): the application answers
    /// alone and corsair adds nothing, so a browser blocks the response unless the
    /// application sends CORS headers itself. Not an allowance.
    Disabled,
    /// The origin, and for a preflight the method and headers, are allowed.
    Allowed,
    /// Several `Origin` headers, or one that is not a serialized origin.
    MalformedOrigin,
    /// The origin is well formed but not allowed.
    OriginNotAllowed,
    /// Several `Access-Control-Request-Method` headers, or one that is not a method.
    MalformedMethod,
    /// The requested method is not allowed.
    MethodNotAllowed(&'r str),
    /// `Access-Control-Request-Headers` is not a list of header names.
    MalformedRequestHeaders,
    /// `Access-Control-Request-Headers` is longer than any allowed list could be.
    RequestHeadersTooLong,
    /// A requested header is not allowed.
    HeaderNotAllowed(&'r str),
    /// Cross-origin write protection (`cross_origin_protection`): an unsafe-method
    /// request (not `GET`, `HEAD` or `OPTIONS`) that the browser marks as cross-origin,
    /// from an origin the policy does not allow, refused with 403 before it reaches the
    /// application.
    CrossOriginWriteRefused,
}

impl Reason<'_> {
    /// The stable code: `allowed`, `origin-not-allowed`, `header-not-allowed`, ...
    ///
    /// ```
    /// assert_eq!(corsair::Reason::MalformedOrigin.code(), "malformed-origin");
    /// ```
    pub const fn code(&self) -> &'static str {
        match self {
            Reason::NonCors => "non-cors",
            Reason::Disabled => "cors-disabled",
            Reason::Allowed => "allowed",
            Reason::MalformedOrigin => "malformed-origin",
            Reason::OriginNotAllowed => "origin-not-allowed",
            Reason::MalformedMethod => "malformed-method",
            Reason::MethodNotAllowed(_) => "method-not-allowed",
            Reason::MalformedRequestHeaders => "malformed-request-headers",
            Reason::RequestHeadersTooLong => "request-headers-too-long",
            Reason::HeaderNotAllowed(_) => "header-not-allowed",
            Reason::CrossOriginWriteRefused => "cross-origin-write-refused",
        }
    }

    /// Whether corsair allows the request: `NonCors` (nothing to allow) and `Allowed`.
    ///
    /// ```
    /// assert!(corsair::Reason::NonCors.is_allowed());
    /// assert!(!corsair::Reason::OriginNotAllowed.is_allowed());
    /// assert!(!corsair::Reason::Disabled.is_allowed());
    /// ```
    pub const fn is_allowed(&self) -> bool {
        matches!(self, Reason::NonCors | Reason::Allowed)
    }

    /// The method or header name the reason is about, if any.
    ///
    /// ```
    /// assert_eq!(corsair::Reason::MethodNotAllowed("PUT").subject(), Some("PUT"));
    /// ```
    pub const fn subject(&self) -> Option<&str> {
        match self {
            Reason::MethodNotAllowed(s) | Reason::HeaderNotAllowed(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NonCors => f.write_str("no Origin header: not a CORS request"),
            Reason::Disabled => f.write_str("CORS is disabled for this path"),
            Reason::Allowed => f.write_str("allowed by the policy"),
            Reason::MalformedOrigin => {
                f.write_str("the Origin header is not a single serialized origin")
            }
            Reason::OriginNotAllowed => f.write_str("the origin is not in allow_origins"),
            Reason::MalformedMethod => {
                f.write_str("Access-Control-Request-Method is not a single method")
            }
            Reason::MethodNotAllowed(m) => write!(f, "method `{m}` is not in allow_methods"),
            Reason::MalformedRequestHeaders => {
                f.write_str("Access-Control-Request-Headers is not a list of header names")
            }
            Reason::RequestHeadersTooLong => f.write_str(
                "Access-Control-Request-Headers is longer than any list this policy allows",
            ),
            Reason::HeaderNotAllowed(h) => {
                write!(f, "request header `{h}` is not in allow_headers")
            }
            Reason::CrossOriginWriteRefused => f.write_str(
                "a cross-origin write (cross_origin_protection): the browser marks the request cross-origin, and its origin is not in allow_origins",
            ),
        }
    }
}

/// What the caller does with the request.
///
/// ```
/// assert_eq!(corsair::Action::Respond(http::StatusCode::NO_CONTENT).status(), Some(http::StatusCode::NO_CONTENT));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Pass the request to the application, then apply [`CorsHeaders`] to its response.
    Forward,
    /// Answer the request at once with this status, an empty body and the [`CorsHeaders`].
    Respond(StatusCode),
}

impl Action {
    /// The status of the answer corsair gives itself, if it gives one.
    ///
    /// ```
    /// assert_eq!(corsair::Action::Forward.status(), None);
    /// ```
    pub const fn status(self) -> Option<StatusCode> {
        match self {
            Action::Forward => None,
            Action::Respond(s) => Some(s),
        }
    }
}

/// The CORS response headers of one decision, computed without allocating: every value
/// is a precomputed one or a copy of a request header.
///
/// ```
/// use http::{HeaderMap, Method};
/// let policy = corsair::Policy::builder().allow_origins(["https://app.example"]).build()?;
/// let mut request = HeaderMap::new();
/// request.insert("origin", "https://app.example".parse()?);
/// let headers = policy.decide(&Method::GET, "/", &request).into_headers();
/// let mut response = HeaderMap::new();
/// headers.apply_to(&mut response);
/// assert_eq!(response["access-control-allow-origin"], "https://app.example");
/// assert_eq!(response["vary"], "Origin");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorsHeaders(pub(crate) Headers<HeaderValue>);

impl CorsHeaders {
    /// The headers, in the order corsair sends them, with lowercase names.
    ///
    /// ```
    /// let headers = corsair::CorsHeaders::default();
    /// assert_eq!(headers.iter().count(), 0);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (HeaderName, HeaderValue)> + '_ {
        let h = &self.0;
        let truth = |on: bool| on.then_some(HeaderValue::TRUE);
        [
            (ACCESS_CONTROL_ALLOW_ORIGIN, h.allow_origin.clone()),
            (ACCESS_CONTROL_ALLOW_CREDENTIALS, truth(h.allow_credentials)),
            (ACCESS_CONTROL_EXPOSE_HEADERS, h.expose_headers.clone()),
            (ACCESS_CONTROL_ALLOW_METHODS, h.allow_methods.clone()),
            (ACCESS_CONTROL_ALLOW_HEADERS, h.allow_headers.clone()),
            (ACCESS_CONTROL_MAX_AGE, h.max_age.clone()),
            (
                ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
                truth(h.allow_private_network),
            ),
            (VARY, (!h.vary.is_empty()).then(|| h.vary.header_value())),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
    }

    /// Whether corsair decides every `Access-Control-*` header of the response: when
    /// true, [`apply_to`](CorsHeaders::apply_to) removes those the application set that
    /// corsair does not send (a rejected origin gets none at all). False for non-CORS
    /// requests and where CORS is disabled.
    ///
    /// ```
    /// let policy = corsair::Policy::builder().allow_origins(["https://a.example"]).build()?;
    /// let mut request = http::HeaderMap::new();
    /// request.insert("origin", "https://b.example".parse()?);
    /// assert!(policy.decide(&http::Method::GET, "/", &request).headers().owns_cors_headers());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn owns_cors_headers(&self) -> bool {
        self.0.owns_cors_headers
    }

    /// The request headers the answer depends on, for `Vary`.
    ///
    /// ```
    /// assert!(corsair::CorsHeaders::default().vary().is_empty());
    /// ```
    pub fn vary(&self) -> Vary {
        self.0.vary
    }

    /// Applies the headers to a response: sets each CORS header (replacing what the
    /// application set), removes the application's own `Access-Control-*` headers where
    /// corsair decides them and sends none (a rejected origin gets none at all), and
    /// merges `Vary` token by token.
    ///
    /// ```
    /// use http::{HeaderMap, HeaderValue};
    /// let mut response = HeaderMap::new();
    /// response.insert("vary", HeaderValue::from_static("accept-encoding"));
    /// let policy = corsair::Policy::builder().allow_origins(["https://app.example"]).build()?;
    /// let mut request = HeaderMap::new();
    /// request.insert("origin", "https://evil.example".parse()?);
    /// policy.decide(&http::Method::GET, "/", &request).into_headers().apply_to(&mut response);
    /// assert!(response.get("access-control-allow-origin").is_none());
    /// assert_eq!(response["vary"], "accept-encoding, Origin");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply_to<M: ResponseHeaders + ?Sized>(self, headers: &mut M) {
        response::write(self.0, headers);
    }
}

/// A header value the policy computed when it was built, in the type of each
/// framework it can be written to.
#[derive(Clone, Debug)]
pub(crate) struct PolicyValue {
    pub(crate) value: HeaderValue,
    #[cfg(feature = "actix")]
    pub(crate) actix: actix_web::http::header::HeaderValue,
}

impl PolicyValue {
    pub(crate) fn new(value: HeaderValue) -> Self {
        // A value made from a copied buffer shares it on its first clone, which
        // allocates: cloned here once, so that no request pays for it.
        drop(value.clone());
        #[cfg(feature = "actix")]
        let actix = {
            use actix_web::http::header::HeaderValue as ActixValue;
            // The same bytes are valid in both versions of `http`.
            let actix =
                ActixValue::from_bytes(value.as_bytes()).unwrap_or(ActixValue::from_static(""));
            drop(actix.clone());
            actix
        };
        PolicyValue {
            value,
            #[cfg(feature = "actix")]
            actix,
        }
    }
}

/// The engine's answer to one request: its kind, the verdict with its reason, what to
/// do, and the headers to send.
///
/// ```
/// use http::{HeaderMap, Method, StatusCode};
/// use corsair::{Action, Reason, RequestKind};
///
/// let policy = corsair::Policy::builder()
///     .allow_origins(["https://app.example"])
///     .allow_methods(["PUT"])
///     .build()?;
/// let mut request = HeaderMap::new();
/// request.insert("origin", "https://app.example".parse()?);
/// request.insert("access-control-request-method", "DELETE".parse()?);
/// let decision = policy.decide(&Method::OPTIONS, "/items/1", &request);
/// assert_eq!(decision.kind(), RequestKind::Preflight);
/// assert_eq!(decision.reason(), Reason::MethodNotAllowed("DELETE"));
/// assert_eq!(decision.action(), Action::Respond(StatusCode::FORBIDDEN));
/// assert_eq!(decision.headers().iter().count(), 1); // only Vary
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision<'r> {
    pub(crate) kind: RequestKind,
    pub(crate) reason: Reason<'r>,
    pub(crate) action: Action,
    pub(crate) headers: CorsHeaders,
}

impl<'r> Decision<'r> {
    /// Non-CORS, preflight or actual.
    ///
    /// ```
    /// let policy = corsair::Policy::builder().allow_origins(["*"]).build()?;
    /// let request = http::HeaderMap::new();
    /// let d = policy.decide(&http::Method::GET, "/", &request);
    /// assert_eq!(d.kind(), corsair::RequestKind::NonCors);
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn kind(&self) -> RequestKind {
        self.kind
    }

    /// Why.
    ///
    /// ```
    /// let policy = corsair::Policy::builder().allow_origins(["*"]).build()?;
    /// let request = http::HeaderMap::new();
    /// let d = policy.decide(&http::Method::GET, "/", &request);
    /// assert_eq!(d.reason(), corsair::Reason::NonCors);
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn reason(&self) -> Reason<'r> {
        self.reason
    }

    /// Whether the request is allowed (always true for non-CORS requests).
    ///
    /// ```
    /// let policy = corsair::Policy::builder().allow_origins(["*"]).build()?;
    /// assert!(policy.decide(&http::Method::GET, "/", &http::HeaderMap::new()).allowed());
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn allowed(&self) -> bool {
        self.reason.is_allowed()
    }

    /// Forward to the application, or answer at once.
    ///
    /// ```
    /// let policy = corsair::Policy::builder().allow_origins(["*"]).build()?;
    /// let request = http::HeaderMap::new();
    /// let d = policy.decide(&http::Method::GET, "/", &request);
    /// assert_eq!(d.action(), corsair::Action::Forward);
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn action(&self) -> Action {
        self.action
    }

    /// The headers corsair adds or sets.
    ///
    /// ```
    /// let policy = corsair::Policy::builder().allow_origins(["*"]).build()?;
    /// let request = http::HeaderMap::new();
    /// let d = policy.decide(&http::Method::GET, "/", &request);
    /// assert_eq!(d.headers().iter().next().unwrap().1, "*");
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn headers(&self) -> &CorsHeaders {
        &self.headers
    }

    /// The headers, owned, once the reason is no longer needed.
    ///
    /// ```
    /// let policy = corsair::Policy::builder().allow_origins(["*"]).build()?;
    /// let headers = policy.decide(&http::Method::GET, "/", &http::HeaderMap::new()).into_headers();
    /// assert!(headers.vary().is_empty());
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn into_headers(self) -> CorsHeaders {
        self.headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (n, v) in pairs {
            m.append(*n, HeaderValue::from_static(v));
        }
        m
    }

    #[test]
    fn owned_headers_replace_and_remove_the_applications() {
        let mut response = map(&[
            ("access-control-allow-origin", "*"),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "GET"),
            ("content-type", "text/plain"),
        ]);
        let headers = CorsHeaders(Headers {
            allow_origin: Some(HeaderValue::from_static("https://a.example")),
            vary: Vary::ORIGIN,
            owns_cors_headers: true,
            ..Headers::default()
        });
        headers.apply_to(&mut response);
        assert_eq!(response["access-control-allow-origin"], "https://a.example");
        assert!(!response.contains_key("access-control-allow-credentials"));
        // Preflight-only headers are ignored by browsers on an actual response: left.
        assert!(response.contains_key("access-control-allow-methods"));
        assert_eq!(response["content-type"], "text/plain");
        assert_eq!(response["vary"], "Origin");
    }

    #[test]
    fn a_rejected_origin_gets_no_access_control_header_at_all() {
        let mut response = map(&[
            ("access-control-allow-origin", "*"),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "GET"),
            ("access-control-max-age", "5"),
        ]);
        let rejected = CorsHeaders(Headers {
            vary: Vary::ORIGIN,
            owns_cors_headers: true,
            ..Headers::default()
        });
        rejected.apply_to(&mut response);
        let names: Vec<_> = response.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["vary"]);
    }

    #[test]
    fn unowned_headers_leave_the_application_alone() {
        let mut response = map(&[("access-control-allow-origin", "https://legacy.example")]);
        CorsHeaders(Headers {
            vary: Vary::ORIGIN,
            ..Headers::default()
        })
        .apply_to(&mut response);
        assert_eq!(
            response["access-control-allow-origin"],
            "https://legacy.example"
        );
    }

    #[test]
    fn iteration_order_is_the_sending_order() {
        let headers = CorsHeaders(Headers {
            allow_origin: Some(HeaderValue::from_static("*")),
            allow_credentials: true,
            expose_headers: Some(HeaderValue::from_static("x")),
            allow_methods: Some(HeaderValue::from_static("PUT")),
            allow_headers: Some(HeaderValue::from_static("y")),
            max_age: Some(HeaderValue::from_static("5")),
            allow_private_network: true,
            vary: Vary::ORIGIN,
            owns_cors_headers: true,
        });
        let names: Vec<_> = headers.iter().map(|(n, _)| n.as_str().to_owned()).collect();
        assert_eq!(
            names,
            [
                "access-control-allow-origin",
                "access-control-allow-credentials",
                "access-control-expose-headers",
                "access-control-allow-methods",
                "access-control-allow-headers",
                "access-control-max-age",
                "access-control-allow-private-network",
                "vary"
            ]
        );
    }

    #[test]
    fn reasons_have_distinct_codes() {
        let reasons = [
            Reason::NonCors,
            Reason::Disabled,
            Reason::Allowed,
            Reason::MalformedOrigin,
            Reason::OriginNotAllowed,
            Reason::MalformedMethod,
            Reason::MethodNotAllowed("X"),
            Reason::MalformedRequestHeaders,
            Reason::RequestHeadersTooLong,
            Reason::HeaderNotAllowed("x"),
        ];
        let mut codes: Vec<_> = reasons.iter().map(Reason::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), reasons.len());
        assert_eq!(reasons.iter().filter(|r| r.is_allowed()).count(), 2);
    }
}
