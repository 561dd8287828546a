//! What the engine decides for a request, and why.

use std::fmt;
use std::marker::PhantomData;

use http::StatusCode;
use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, HeaderName,
    HeaderValue, VARY,
};

use crate::request::RequestHeaders;
use crate::response::ResponseHeaders;
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
pub struct CorsHeaders {
    pub(crate) allow_origin: Option<HeaderValue>,
    pub(crate) allow_credentials: bool,
    pub(crate) expose_headers: Option<HeaderValue>,
    pub(crate) allow_methods: Option<HeaderValue>,
    pub(crate) allow_headers: Option<HeaderValue>,
    pub(crate) max_age: Option<HeaderValue>,
    pub(crate) allow_private_network: bool,
    pub(crate) vary: Vary,
    /// Whether corsair owns the `Access-Control-*` headers of the response: it then
    /// removes those the application set that it does not send itself.
    pub(crate) owns_cors_headers: bool,
}

pub(crate) const TRUE: HeaderValue = HeaderValue::from_static("true");

impl CorsHeaders {
    /// The headers, in the order corsair sends them, with lowercase names.
    ///
    /// ```
    /// let headers = corsair::CorsHeaders::default();
    /// assert_eq!(headers.iter().count(), 0);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (HeaderName, HeaderValue)> + '_ {
        [
            (ACCESS_CONTROL_ALLOW_ORIGIN, self.allow_origin.clone()),
            (
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                self.allow_credentials.then_some(TRUE),
            ),
            (ACCESS_CONTROL_EXPOSE_HEADERS, self.expose_headers.clone()),
            (ACCESS_CONTROL_ALLOW_METHODS, self.allow_methods.clone()),
            (ACCESS_CONTROL_ALLOW_HEADERS, self.allow_headers.clone()),
            (ACCESS_CONTROL_MAX_AGE, self.max_age.clone()),
            (
                ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
                self.allow_private_network.then_some(TRUE),
            ),
            (
                VARY,
                (!self.vary.is_empty()).then(|| self.vary.header_value()),
            ),
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
        self.owns_cors_headers
    }

    /// The request headers the answer depends on, for `Vary`.
    ///
    /// ```
    /// assert!(corsair::CorsHeaders::default().vary().is_empty());
    /// ```
    pub fn vary(&self) -> Vary {
        self.vary
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
        apply(self.into_set(), &mut Http(headers));
    }

    #[inline]
    pub(crate) fn from_set(set: HeaderSet<HeaderValue>) -> Self {
        CorsHeaders {
            allow_origin: set.allow_origin,
            allow_credentials: set.allow_credentials,
            expose_headers: set.expose_headers,
            allow_methods: set.allow_methods,
            allow_headers: set.allow_headers,
            max_age: set.max_age,
            allow_private_network: set.allow_private_network,
            vary: set.vary,
            owns_cors_headers: set.owns_cors_headers,
        }
    }

    #[inline]
    fn into_set(self) -> HeaderSet<HeaderValue> {
        HeaderSet {
            allow_origin: self.allow_origin,
            allow_credentials: self.allow_credentials,
            expose_headers: self.expose_headers,
            allow_methods: self.allow_methods,
            allow_headers: self.allow_headers,
            max_age: self.max_age,
            allow_private_network: self.allow_private_network,
            vary: self.vary,
            owns_cors_headers: self.owns_cors_headers,
        }
    }
}

/// The CORS headers of a decision, whatever the type of their values: `http` 1
/// values in [`CorsHeaders`], borrowed ones in an [`Outcome`], a framework's own in
/// its adapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeaderSet<T> {
    pub(crate) allow_origin: Option<T>,
    pub(crate) allow_credentials: bool,
    pub(crate) expose_headers: Option<T>,
    pub(crate) allow_methods: Option<T>,
    pub(crate) allow_headers: Option<T>,
    pub(crate) max_age: Option<T>,
    pub(crate) allow_private_network: bool,
    pub(crate) vary: Vary,
    pub(crate) owns_cors_headers: bool,
}

impl<T> Default for HeaderSet<T> {
    fn default() -> Self {
        HeaderSet {
            allow_origin: None,
            allow_credentials: false,
            expose_headers: None,
            allow_methods: None,
            allow_headers: None,
            max_age: None,
            allow_private_network: false,
            vary: Vary::NONE,
            owns_cors_headers: false,
        }
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

/// How an adapter makes the values of the engine's answer its own: a request
/// header repeated (the allowed origin, the requested method and header list), one of
/// the policy's, or one built for this request (the rare normalized header list).
/// The engine calls it as it decides, so that no intermediate form is built.
pub(crate) trait MakeValue<V: ?Sized> {
    type Out;
    fn echo(value: &V) -> Option<Self::Out>;
    fn policy(value: &PolicyValue) -> Self::Out;
    fn built(value: HeaderValue) -> Option<Self::Out>;
}

/// `http` 1 values, for [`Decision`], from any [`RequestHeaders`].
pub(crate) struct ToHttp<H: ?Sized>(PhantomData<H>);

impl<H: RequestHeaders + ?Sized> MakeValue<H::Value> for ToHttp<H> {
    type Out = HeaderValue;

    fn echo(value: &H::Value) -> Option<HeaderValue> {
        H::to_header_value(value)
    }

    fn policy(value: &PolicyValue) -> HeaderValue {
        value.value.clone()
    }

    fn built(value: HeaderValue) -> Option<HeaderValue> {
        Some(value)
    }
}

/// What the engine decides, with the adapter's header values.
#[derive(Debug)]
pub(crate) struct Outcome<'r, T> {
    pub(crate) kind: RequestKind,
    pub(crate) reason: Reason<'r>,
    pub(crate) action: Action,
    pub(crate) headers: HeaderSet<T>,
}

/// What a caller of the engine makes of its decision, built where the engine decides:
/// an adapter keeps only what it uses (a middleware, neither kind nor reason), so that
/// no larger form is built first and moved on.
pub(crate) trait Answer<'r, T> {
    /// The request goes to the application, whose response gets `headers`.
    fn forward(kind: RequestKind, reason: Reason<'r>, headers: ForwardHeaders<T>) -> Self;
    /// corsair answers at once, with `status`, an empty body and `headers` (a
    /// preflight).
    fn respond(
        kind: RequestKind,
        reason: Reason<'r>,
        status: StatusCode,
        headers: HeaderSet<T>,
    ) -> Self;
    /// corsair refuses a preflight: `status`, an empty body, and no header but `vary`
    /// (principle 5: a rejection carries no CORS header). The same answer as
    /// [`Answer::respond`] with that set; an adapter overrides it where the lone `Vary`
    /// costs less to write than the whole set.
    #[inline(always)]
    fn reject(kind: RequestKind, reason: Reason<'r>, status: StatusCode, vary: Vary) -> Self
    where
        Self: Sized,
    {
        Self::respond(
            kind,
            reason,
            status,
            HeaderSet {
                vary,
                owns_cors_headers: true,
                ..HeaderSet::default()
            },
        )
    }
}

impl<'r, T> Answer<'r, T> for Outcome<'r, T> {
    #[inline(always)]
    fn forward(kind: RequestKind, reason: Reason<'r>, headers: ForwardHeaders<T>) -> Self {
        Outcome {
            kind,
            reason,
            action: Action::Forward,
            headers: headers.into_set(),
        }
    }

    #[inline(always)]
    fn respond(
        kind: RequestKind,
        reason: Reason<'r>,
        status: StatusCode,
        headers: HeaderSet<T>,
    ) -> Self {
        Outcome {
            kind,
            reason,
            action: Action::Respond(status),
            headers,
        }
    }
}

/// The response headers corsair writes, but `Vary`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Name {
    AllowOrigin,
    AllowCredentials,
    ExposeHeaders,
    AllowMethods,
    AllowHeaders,
    MaxAge,
    AllowPrivateNetwork,
}

impl Name {
    pub(crate) fn http(self) -> HeaderName {
        match self {
            Name::AllowOrigin => ACCESS_CONTROL_ALLOW_ORIGIN,
            Name::AllowCredentials => ACCESS_CONTROL_ALLOW_CREDENTIALS,
            Name::ExposeHeaders => ACCESS_CONTROL_EXPOSE_HEADERS,
            Name::AllowMethods => ACCESS_CONTROL_ALLOW_METHODS,
            Name::AllowHeaders => ACCESS_CONTROL_ALLOW_HEADERS,
            Name::MaxAge => ACCESS_CONTROL_MAX_AGE,
            Name::AllowPrivateNetwork => ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
        }
    }
}

/// A response's headers as [`apply`] writes them, in the map's own value type.
pub(crate) trait Sink {
    type Value;
    /// `true`, for the credentials and private-network headers.
    fn truth() -> Self::Value;
    fn set(&mut self, name: Name, value: Self::Value);
    fn remove(&mut self, name: Name);
    fn may_have_access_control_headers(&self) -> bool;
    fn merge_vary(&mut self, vary: Vary);
}

/// Writes the headers of a decision into a response; see [`CorsHeaders::apply_to`].
pub(crate) fn apply<S: Sink + ?Sized>(set: HeaderSet<S::Value>, headers: &mut S) {
    if set.owns_cors_headers {
        // Removing a header the response does not have changes nothing: when it has no
        // `Access-Control-*` header at all (a fresh preflight answer, most application
        // responses), the removals are skipped.
        let clean = !headers.may_have_access_control_headers();
        let rejected = set.allow_origin.is_none();
        // The headers of preflight answers are set when corsair sends them. Browsers
        // ignore them on other responses, so the application's own are removed only
        // where nothing at all may go out, for a rejected origin.
        let remove_preflight = rejected && !clean;
        put(headers, Name::AllowOrigin, set.allow_origin, !clean);
        put(
            headers,
            Name::AllowCredentials,
            set.allow_credentials.then(S::truth),
            !clean,
        );
        put(headers, Name::ExposeHeaders, set.expose_headers, !clean);
        put(
            headers,
            Name::AllowMethods,
            set.allow_methods,
            remove_preflight,
        );
        put(
            headers,
            Name::AllowHeaders,
            set.allow_headers,
            remove_preflight,
        );
        put(headers, Name::MaxAge, set.max_age, remove_preflight);
        put(
            headers,
            Name::AllowPrivateNetwork,
            set.allow_private_network.then(S::truth),
            remove_preflight,
        );
    } else {
        put(headers, Name::AllowOrigin, set.allow_origin, false);
        put(headers, Name::ExposeHeaders, set.expose_headers, false);
    }
    headers.merge_vary(set.vary);
}

/// Sets `name` to `value`; without a value, removes it if `remove`.
#[inline(always)]
fn put<S: Sink + ?Sized>(headers: &mut S, name: Name, value: Option<S::Value>, remove: bool) {
    match value {
        Some(value) => headers.set(name, value),
        None if remove => headers.remove(name),
        None => {}
    }
}

/// Any [`ResponseHeaders`], with `http` 1 values.
pub(crate) struct Http<'a, M: ?Sized>(pub(crate) &'a mut M);

/// The headers of a forwarded request (an actual or non-CORS one), kept while the
/// application answers: those of a [`HeaderSet`] that such a decision can have, in
/// less than half its size.
#[derive(Clone, Debug)]
pub(crate) struct ForwardHeaders<V> {
    pub(crate) allow_origin: Option<V>,
    pub(crate) expose_headers: Option<V>,
    pub(crate) allow_credentials: bool,
    pub(crate) vary: Vary,
    pub(crate) owns_cors_headers: bool,
}

impl<V> Default for ForwardHeaders<V> {
    fn default() -> Self {
        ForwardHeaders {
            allow_origin: None,
            expose_headers: None,
            allow_credentials: false,
            vary: Vary::NONE,
            owns_cors_headers: false,
        }
    }
}

impl<V> ForwardHeaders<V> {
    /// The same headers, as a whole set (with no preflight header).
    #[inline(always)]
    pub(crate) fn into_set(self) -> HeaderSet<V> {
        HeaderSet {
            allow_origin: self.allow_origin,
            allow_credentials: self.allow_credentials,
            expose_headers: self.expose_headers,
            vary: self.vary,
            owns_cors_headers: self.owns_cors_headers,
            ..HeaderSet::default()
        }
    }
}

impl<M: ResponseHeaders + ?Sized> Sink for Http<'_, M> {
    type Value = HeaderValue;

    fn truth() -> HeaderValue {
        TRUE
    }

    fn set(&mut self, name: Name, value: HeaderValue) {
        self.0.set(name.http(), value);
    }

    fn remove(&mut self, name: Name) {
        self.0.remove(&name.http());
    }

    fn may_have_access_control_headers(&self) -> bool {
        self.0.may_have_access_control_headers()
    }

    fn merge_vary(&mut self, vary: Vary) {
        vary.merge_into(self.0);
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
        let headers = CorsHeaders {
            allow_origin: Some(HeaderValue::from_static("https://a.example")),
            vary: Vary::ORIGIN,
            owns_cors_headers: true,
            ..CorsHeaders::default()
        };
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
        let rejected = CorsHeaders {
            vary: Vary::ORIGIN,
            owns_cors_headers: true,
            ..CorsHeaders::default()
        };
        rejected.apply_to(&mut response);
        let names: Vec<_> = response.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["vary"]);
    }

    #[test]
    fn unowned_headers_leave_the_application_alone() {
        let mut response = map(&[("access-control-allow-origin", "https://legacy.example")]);
        CorsHeaders {
            vary: Vary::ORIGIN,
            ..CorsHeaders::default()
        }
        .apply_to(&mut response);
        assert_eq!(
            response["access-control-allow-origin"],
            "https://legacy.example"
        );
    }

    #[test]
    fn iteration_order_is_the_sending_order() {
        let headers = CorsHeaders {
            allow_origin: Some(HeaderValue::from_static("*")),
            allow_credentials: true,
            expose_headers: Some(HeaderValue::from_static("x")),
            allow_methods: Some(HeaderValue::from_static("PUT")),
            allow_headers: Some(HeaderValue::from_static("y")),
            max_age: Some(HeaderValue::from_static("5")),
            allow_private_network: true,
            vary: Vary::ORIGIN,
            owns_cors_headers: true,
        };
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
