//! The compiled policy: declared once, checked once, then applied to each request.

use std::collections::HashSet;
use std::fmt;

use http::header::{
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, HeaderMap, HeaderValue, ORIGIN,
};
use http::{Method, StatusCode};

use crate::config::{Config, PolicyConfig, route_sets_origins};
use crate::decision::{
    ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK, Answer, CorsHeaders, Decision, ForwardHeaders,
    HeaderSet, MakeValue, Outcome, PolicyValue, Reason, RequestKind, ToHttp,
};
use crate::error::{Code, ConfigError, Diagnostic, Diagnostics};
use crate::headers::{self, AllowedHeaders, HeadersCheck, NameSet, Vary};
use crate::method::{self, AllowedMethods};
use crate::origin::{AllowedOrigin, OriginMatcher, RequestOrigin, parse_allowed};
use crate::request::RequestHeaders;

/// The most seconds `max_age` may say: Firefox's cap (Chromium caps at 7200, WebKit at 600).
pub const MAX_AGE_LIMIT: u64 = 86_400;
/// Above this `max_age`, Chromium caches a preflight for 7200 seconds only.
pub const MAX_AGE_CHROMIUM_CAP: u64 = 7_200;

const ANY: HeaderValue = HeaderValue::from_static("*");

/// A validated CORS policy, ready to answer requests.
///
/// Build it with [`Policy::builder`] or from a [`Config`] (read from a file with
/// [`Config::from_toml_str`]). Building checks everything and reports every problem at
/// once; a built policy is immutable and cheap to share (wrap it in an `Arc`, or in a
/// [`PolicyHandle`](crate::PolicyHandle) to swap it at run time).
///
/// ```
/// use corsair::{Policy, RequestKind};
/// use http::{HeaderMap, Method};
///
/// let policy = Policy::builder()
///     .allow_origins(["https://app.example.com", "https://*.example.com"])
///     .allow_methods(["GET", "POST", "PUT"])
///     .allow_headers(["content-type"])
///     .allow_credentials(true)
///     .build()?;
///
/// let mut request = HeaderMap::new();
/// request.insert("origin", "https://admin.example.com".parse()?);
/// let decision = policy.decide(&Method::GET, "/users", &request);
/// assert_eq!(decision.kind(), RequestKind::Actual);
/// assert!(decision.allowed());
/// let headers: Vec<_> = decision.headers().iter().collect();
/// assert_eq!(headers[0].1, "https://admin.example.com");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Policy {
    root: Option<Rules>,
    /// Longest prefix first.
    routes: Vec<Route>,
    warnings: Vec<Diagnostic>,
}

struct Route {
    /// The position of the route in the declaration (`routes[index]`).
    index: usize,
    prefix: Box<str>,
    /// `None`: CORS disabled under this prefix.
    rules: Option<Rules>,
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("enabled", &self.root.is_some())
            .field(
                "routes",
                &self.routes.iter().map(|r| &*r.prefix).collect::<Vec<_>>(),
            )
            .field("warnings", &self.warnings.len())
            .finish()
    }
}

/// One policy, compiled: every header value that does not come from the request is
/// computed here, once.
struct Rules {
    origins: OriginMatcher,
    methods: AllowedMethods,
    headers: AllowedHeaders,
    credentials: bool,
    /// Any origin, without credentials: `Access-Control-Allow-Origin: *` for all.
    static_any: bool,
    /// `*`, for `Access-Control-Allow-Origin` under a static `*`.
    any: PolicyValue,
    expose_headers: Option<PolicyValue>,
    max_age: Option<PolicyValue>,
    private_network: bool,
    preflight_status: StatusCode,
    debug: bool,
    /// What preflight answers depend on: Origin, the requested method and headers, and
    /// the private-network request when that is enabled.
    preflight_vary: Vary,
    /// `*` or `*,authorization`, for anonymous `allow_headers = ["*"]`.
    wildcard_allow_headers: PolicyValue,
    /// Debug mode: the full lists, so that the browser names what is missing.
    debug_allow_methods: PolicyValue,
    debug_allow_headers: Option<PolicyValue>,
}

impl Policy {
    /// Starts declaring a policy: an empty [`Config`], whose setters
    /// methods set the `[cors]` fields and whose [`Config::build`] compiles it.
    ///
    /// ```
    /// let policy = corsair::Policy::builder().allow_origins(["https://app.example"]).build()?;
    /// assert!(policy.warnings().is_empty());
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn builder() -> Config {
        Config::default()
    }

    /// Checks a declared policy and compiles it. Every error and warning is reported at
    /// once in the [`ConfigError`]; on success the warnings stay available in
    /// [`Policy::warnings`].
    ///
    /// ```
    /// use corsair::{Code, Config, Policy};
    /// let err = Policy::new(Config::default().allow_origins(["*"]).allow_credentials(true)).unwrap_err();
    /// assert_eq!(err.errors().next().unwrap().code(), Code::WildcardOriginWithCredentials);
    /// ```
    pub fn new(config: Config) -> Result<Policy, ConfigError> {
        let mut diagnostics = Diagnostics::default();
        let root = compile(
            &config.cors,
            &|field| format!("cors.{field}"),
            &mut diagnostics,
        );
        let mut routes = Vec::with_capacity(config.routes.len());
        let mut prefixes = HashSet::new();
        for (i, route) in config.routes.iter().enumerate() {
            let prefix = check_route_path(&route.path, i, &mut diagnostics);
            if let Some(prefix) = &prefix {
                if !prefixes.insert(prefix.clone()) {
                    diagnostics.report(
                        Code::InvalidRoutePath,
                        &format!("routes[{i}].path"),
                        format!("route `{}` is declared twice", route.path),
                    );
                }
            }
            let merged = config.effective_route_policy(route);
            let own_origins = route_sets_origins(&route.policy);
            let source = |field: &str| {
                let origin_field = matches!(field, "allow_origins" | "allow_origin_regexes");
                if route.policy.is_set(field) || (origin_field && own_origins) {
                    format!("routes[{i}].{field}")
                } else {
                    format!("cors.{field}")
                }
            };
            let rules = compile(&merged, &source, &mut diagnostics);
            routes.push(Route {
                index: i,
                prefix: prefix.unwrap_or_default().into_boxed_str(),
                rules,
            });
        }
        if diagnostics.has_errors() {
            return Err(ConfigError::new(diagnostics.into_vec()));
        }
        // Longest prefix first; the sort is stable, so equal lengths keep their order.
        routes.sort_by_key(|r| std::cmp::Reverse(r.prefix.len()));
        Ok(Policy {
            root,
            routes,
            warnings: diagnostics.into_vec(),
        })
    }

    /// The warnings found while building: duplicates, a `max_age` above Chromium's cap, ...
    ///
    /// ```
    /// let policy = corsair::Policy::builder().allow_origins(["*"]).max_age(10_000).build()?;
    /// assert_eq!(policy.warnings()[0].code(), corsair::Code::MaxAgeAboveBrowserCap);
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Decides what to do with a request, given its method, path and headers.
    ///
    /// Allocates nothing: the headers of the decision are precomputed values or copies
    /// of request headers. The decision is also emitted as a `tracing` event at debug
    /// level, target `corsair`, with its reason.
    ///
    /// ```
    /// use corsair::{Action, Reason};
    /// use http::{HeaderMap, Method};
    ///
    /// let policy = corsair::Policy::builder().allow_origins(["https://app.example"]).build()?;
    /// let mut request = HeaderMap::new();
    /// request.insert("origin", "https://evil.example".parse()?);
    /// let decision = policy.decide(&Method::POST, "/transfer", &request);
    /// assert_eq!(decision.reason(), Reason::OriginNotAllowed);
    /// assert_eq!(decision.action(), Action::Forward); // the application still answers
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide<'r>(&self, method: &Method, path: &str, headers: &'r HeaderMap) -> Decision<'r> {
        self.decide_with(method.as_str(), path, headers)
    }

    /// [`Policy::decide`] for any header map that implements [`RequestHeaders`]: the
    /// engine reads the CORS request headers where they are, without copying them.
    /// `method` is the request's method as sent (`"OPTIONS"`, `"GET"`, ...).
    ///
    /// ```
    /// use corsair::RequestKind;
    /// use http::HeaderMap;
    ///
    /// let policy = corsair::Policy::builder().allow_origins(["https://app.example"]).allow_methods(["PUT"]).build()?;
    /// let mut request = HeaderMap::new();
    /// request.insert("origin", "https://app.example".parse()?);
    /// request.insert("access-control-request-method", "PUT".parse()?);
    /// let decision = policy.decide_with("OPTIONS", "/items", &request);
    /// assert_eq!(decision.kind(), RequestKind::Preflight);
    /// assert!(decision.allowed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn decide_with<'r, H: RequestHeaders + ?Sized>(
        &self,
        method: &str,
        path: &str,
        headers: &'r H,
    ) -> Decision<'r> {
        let outcome: Outcome<'r, HeaderValue> =
            self.decide_core::<H, ToHttp<H>, _>(method, path, headers, Reasons::Exact);
        Decision {
            kind: outcome.kind,
            reason: outcome.reason,
            action: outcome.action,
            headers: CorsHeaders::from_set(outcome.headers),
        }
    }

    /// The engine, for every adapter: the decision, with the headers that repeat a
    /// request header borrowed from it and the policy's own values borrowed from the
    /// policy, so that each adapter makes them into its own header values (`M`), and
    /// the decision into its own answer (`A`), built in place.
    ///
    /// When a `tracing` subscriber takes corsair's debug events, the decision is made
    /// out of line with exact reasons, and logged.
    #[inline(always)]
    pub(crate) fn decide_core<'r, H, M, A>(
        &self,
        method: &str,
        path: &str,
        headers: &'r H,
        reasons: Reasons,
    ) -> A
    where
        H: RequestHeaders + ?Sized,
        M: MakeValue<H::Value>,
        A: Answer<'r, M::Out>,
    {
        if tracing::enabled!(target: "corsair", tracing::Level::DEBUG) {
            return self.decide_traced::<H, M, A>(method, path, headers);
        }
        self.decide_quietly::<H, M, A>(method, path, headers, reasons)
    }

    /// [`Policy::decide_core`] with exact reasons, and the decision logged.
    #[cold]
    #[inline(never)]
    fn decide_traced<'r, H, M, A>(&self, method: &str, path: &str, headers: &'r H) -> A
    where
        H: RequestHeaders + ?Sized,
        M: MakeValue<H::Value>,
        A: Answer<'r, M::Out>,
    {
        let traced: Traced<'r, A> =
            self.decide_quietly::<H, M, _>(method, path, headers, Reasons::Exact);
        trace_decision(traced.kind, traced.reason, headers, method, path);
        traced.answer
    }

    /// [`Policy::decide`] for an [`http::Request`].
    ///
    /// ```
    /// let policy = corsair::Policy::builder().allow_origins(["*"]).build()?;
    /// let request = http::Request::get("/").header("origin", "https://a.example").body(())?;
    /// assert!(policy.decide_request(&request).allowed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide_request<'r, B>(&self, request: &'r http::Request<B>) -> Decision<'r> {
        self.decide(request.method(), request.uri().path(), request.headers())
    }

    /// Which part of the policy applies to a request path: the `[[routes]]` entry with
    /// the longest prefix (by whole segments), or the top-level `[cors]`.
    ///
    /// ```
    /// use corsair::{RouteConfig, Scope};
    /// let policy = corsair::Policy::builder()
    ///     .allow_origins(["https://a.example"])
    ///     .route(RouteConfig::new("/public/"))
    ///     .build()?;
    /// assert_eq!(policy.scope_for("/public/x"), Scope::Route { index: 0, path: "/public" });
    /// assert_eq!(policy.scope_for("/publication"), Scope::Cors);
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn scope_for(&self, path: &str) -> Scope<'_> {
        match self.route_for(path) {
            Some(route) => Scope::Route {
                index: route.index,
                path: &route.prefix,
            },
            None => Scope::Cors,
        }
    }

    fn route_for(&self, path: &str) -> Option<&Route> {
        self.routes
            .iter()
            .find(|r| path_has_prefix(path, &r.prefix))
    }

    #[inline]
    fn rules_for(&self, path: &str) -> Option<&Rules> {
        match self.route_for(path) {
            Some(route) => route.rules.as_ref(),
            None => self.root.as_ref(),
        }
    }

    #[inline(always)]
    fn decide_quietly<'r, H, M, A>(
        &self,
        method: &str,
        path: &str,
        headers: &'r H,
        reasons: Reasons,
    ) -> A
    where
        H: RequestHeaders + ?Sized,
        M: MakeValue<H::Value>,
        A: Answer<'r, M::Out>,
    {
        let mut origins = headers.get_all(&ORIGIN);
        let Some(origin) = origins.next() else {
            return match self.rules_for(path) {
                Some(rules) => rules.non_cors::<H::Value, M, A>(),
                None => A::forward(
                    RequestKind::NonCors,
                    Reason::NonCors,
                    ForwardHeaders::default(),
                ),
            };
        };
        // A preflight is an OPTIONS request with Access-Control-Request-Method; the
        // header is looked up once, and only for OPTIONS.
        let mut requested_methods = None;
        if method == "OPTIONS" {
            let mut values = headers.get_all(&ACCESS_CONTROL_REQUEST_METHOD);
            if let Some(first) = values.next() {
                requested_methods = Some((first, values));
            }
        }
        let kind = match requested_methods {
            Some(_) => RequestKind::Preflight,
            None => RequestKind::Actual,
        };
        let Some(rules) = self.rules_for(path) else {
            return A::forward(kind, Reason::Disabled, ForwardHeaders::default());
        };
        // Browsers send one Origin; several can only be forged, and are never allowed.
        let checked = match origins.next() {
            Some(_) => Err(Reason::MalformedOrigin),
            None => rules.check_origin(H::as_bytes(origin), reasons),
        };
        match (requested_methods, checked) {
            // A preflight from an origin that is not allowed is refused here, without
            // the call: its answer is the lone `Vary` of every refused preflight.
            (Some(_), Err(reason)) => A::reject(
                RequestKind::Preflight,
                reason,
                StatusCode::FORBIDDEN,
                rules.preflight_vary,
            ),
            (Some((first, mut rest)), Ok(())) => {
                let several = rest.next().is_some();
                rules.preflight::<H, M, A>(origin, first, several, headers)
            }
            (None, checked) => rules.actual::<H::Value, M, A>(origin, checked),
        }
    }
}

/// The part of a policy that applies to a path; see [`Policy::scope_for`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'p> {
    /// The top-level `[cors]` table.
    Cors,
    /// A `[[routes]]` entry.
    Route {
        /// Its position in the declaration: `routes[index]`.
        index: usize,
        /// Its prefix, normalized (no trailing `/` but for the root).
        path: &'p str,
    },
}

/// Whether the engine must give the exact reason of a rejected origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reasons {
    /// Always: the reason is part of the answer ([`Policy::decide`], `corsair explain`,
    /// the gateway's metrics).
    Exact,
    /// Only when it is logged (a `tracing` subscriber takes corsair's debug events).
    /// The middleware adapters read nothing else of it, and a malformed origin and an
    /// origin that is not allowed get the same response; so under a policy of exact
    /// origins only, an origin that is none of them byte for byte is rejected without
    /// parsing it, as not allowed, and likewise under a policy of exact origins and
    /// `*.` patterns without a port, an origin that is none of them and not
    /// `scheme "://" labels "." domain` for one of its `*.` domains.
    WhenLogged,
}

/// An answer with the kind and reason of the decision, for its `tracing` event.
struct Traced<'r, A> {
    kind: RequestKind,
    reason: Reason<'r>,
    answer: A,
}

impl<'r, T, A: Answer<'r, T>> Answer<'r, T> for Traced<'r, A> {
    #[inline(always)]
    fn forward(kind: RequestKind, reason: Reason<'r>, headers: ForwardHeaders<T>) -> Self {
        Traced {
            kind,
            reason,
            answer: A::forward(kind, reason, headers),
        }
    }

    #[inline(always)]
    fn respond(
        kind: RequestKind,
        reason: Reason<'r>,
        status: StatusCode,
        headers: HeaderSet<T>,
    ) -> Self {
        Traced {
            kind,
            reason,
            answer: A::respond(kind, reason, status, headers),
        }
    }

    #[inline(always)]
    fn reject(kind: RequestKind, reason: Reason<'r>, status: StatusCode, vary: Vary) -> Self {
        Traced {
            kind,
            reason,
            answer: A::reject(kind, reason, status, vary),
        }
    }
}

/// The `tracing` event of a decision; out of line, so that the engine's hot path
/// does not carry it.
#[cold]
#[inline(never)]
fn trace_decision<H: RequestHeaders + ?Sized>(
    kind: RequestKind,
    reason: Reason<'_>,
    headers: &H,
    method: &str,
    path: &str,
) {
    let origin = headers
        .get_all(&ORIGIN)
        .next()
        .map(|v| visible_ascii(H::as_bytes(v)).unwrap_or("<not ASCII>"));
    tracing::debug!(
        target: "corsair",
        kind = kind.as_str(),
        allowed = reason.is_allowed(),
        reason = reason.code(),
        origin,
        method,
        path,
        "CORS {}: {}",
        kind,
        reason,
    );
}

/// The value as `HeaderValue::to_str` gives it: only visible ASCII (and tabs).
fn visible_ascii(bytes: &[u8]) -> Option<&str> {
    if bytes.iter().all(|&b| b == b'\t' || (32..127).contains(&b)) {
        std::str::from_utf8(bytes).ok()
    } else {
        None
    }
}

/// Whether `path` is under `prefix`, by whole segments.
fn path_has_prefix(path: &str, prefix: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) => prefix == "/" || rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

impl Rules {
    fn non_cors<'r, V: ?Sized, M: MakeValue<V>, A: Answer<'r, M::Out>>(&self) -> A {
        // A static `*` goes on every response, CORS or not, so that a cache may serve one
        // for the other (Fetch, "CORS protocol and HTTP caches"). Otherwise the answer to
        // a CORS request would differ, and caches must know: Vary: Origin.
        let headers = if self.static_any {
            ForwardHeaders {
                allow_origin: Some(M::policy(&self.any)),
                expose_headers: self.expose_headers.as_ref().map(M::policy),
                ..ForwardHeaders::default()
            }
        } else {
            ForwardHeaders {
                vary: Vary::ORIGIN,
                ..ForwardHeaders::default()
            }
        };
        A::forward(RequestKind::NonCors, Reason::NonCors, headers)
    }

    /// Whether the origin (the single `Origin` value) is allowed, or why not; see
    /// [`Reasons`] for when a malformed origin may be said not allowed.
    ///
    /// The comparison with the exact origins is inlined into the caller; the rest (the
    /// subdomain fast path, the parser) is a call, whose set-up an allowed exact origin
    /// then does not pay.
    #[inline(always)]
    fn check_origin(&self, origin: &[u8], reasons: Reasons) -> Result<(), Reason<'static>> {
        // The exact-origin fast path: equal bytes, same answer as the parser and the
        // full match (see `OriginMatcher::finish`).
        if self.origins.is_exact(origin) {
            return Ok(());
        }
        // When every origin the policy allows is one of its exact origins, other bytes
        // are rejected whatever the parser says of them: parsing would only tell a
        // malformed origin from a well-formed one, and both get the same answer. (Such
        // a policy has no `*.` pattern, so the subdomain fast path has nothing to add.)
        if reasons == Reasons::WhenLogged && self.origins.allows_only_exact_origins() {
            return Err(Reason::OriginNotAllowed);
        }
        self.check_other_origin(origin, reasons)
    }

    /// [`Rules::check_origin`] for an origin that is none of the exact ones byte for
    /// byte, under a policy with other origins or when the reason is read.
    #[inline(never)]
    fn check_other_origin(&self, origin: &[u8], reasons: Reasons) -> Result<(), Reason<'static>> {
        if self.origins.allows_subdomain_exactly(origin) {
            return Ok(());
        }
        // The same for a policy of exact origins and `*.` patterns without a port:
        // every origin it allows is found by the two fast paths, so other bytes are
        // rejected without parsing them (`OriginMatcher::allows_only_fast_path_origins`).
        if reasons == Reasons::WhenLogged && self.origins.allows_only_fast_path_origins() {
            return Err(Reason::OriginNotAllowed);
        }
        match RequestOrigin::parse(origin) {
            None => Err(Reason::MalformedOrigin),
            Some(o) if !self.origins.allows(&o) => Err(Reason::OriginNotAllowed),
            Some(_) => Ok(()),
        }
    }

    #[inline(always)]
    fn actual<'r, V: ?Sized, M: MakeValue<V>, A: Answer<'r, M::Out>>(
        &self,
        origin: &'r V,
        checked: Result<(), Reason<'static>>,
    ) -> A {
        if let Err(reason) = checked {
            // Nothing for a rejected origin but Vary: its response differs from an
            // allowed one's (for a static `*`, only a malformed origin gets here).
            let headers = ForwardHeaders {
                vary: Vary::ORIGIN,
                owns_cors_headers: true,
                ..ForwardHeaders::default()
            };
            return A::forward(RequestKind::Actual, reason, headers);
        }
        let headers = ForwardHeaders {
            allow_origin: self.allow_origin_value::<V, M>(origin),
            allow_credentials: self.credentials,
            expose_headers: self.expose_headers.as_ref().map(M::policy),
            vary: if self.static_any {
                Vary::NONE
            } else {
                Vary::ORIGIN
            },
            owns_cors_headers: true,
        };
        A::forward(RequestKind::Actual, Reason::Allowed, headers)
    }

    /// Checks `Access-Control-Request-Headers` (its `lines`; `first` is the first)
    /// and gives the `Access-Control-Allow-Headers` to answer, if any.
    #[inline(always)]
    fn allowed_headers<'r, V: ?Sized + 'r, M: MakeValue<V>, I>(
        &self,
        lines: impl Fn() -> I,
        first: Option<&'r V>,
    ) -> Result<Option<M::Out>, Reason<'r>>
    where
        I: Iterator<Item = &'r [u8]>,
    {
        match self.headers.check(&lines) {
            HeadersCheck::Allowed { names: 0, .. } => Ok(None),
            HeadersCheck::Allowed { echo_as_is, .. } => {
                Ok(match (&self.headers, self.credentials) {
                    (AllowedHeaders::Any { .. }, false) => {
                        Some(M::policy(&self.wildcard_allow_headers))
                    }
                    // A single line, already lowercase and comma-joined: repeated as it is.
                    _ if echo_as_is => first.and_then(M::echo),
                    _ => headers::normalized_list(lines()).and_then(M::built),
                })
            }
            HeadersCheck::NotAllowed(name) => Err(Reason::HeaderNotAllowed(name)),
            HeadersCheck::TooLong => Err(Reason::RequestHeadersTooLong),
            HeadersCheck::Malformed => Err(Reason::MalformedRequestHeaders),
        }
    }

    fn allow_origin_value<V: ?Sized, M: MakeValue<V>>(&self, origin: &V) -> Option<M::Out> {
        if self.static_any {
            Some(M::policy(&self.any))
        } else {
            M::echo(origin)
        }
    }

    // Out of line, measured with `insn-count` (tower layer, against the same code
    // inlined into `Cors::call`): allowed preflights -72 to -78 instructions (the
    // adapter's `call` is smaller, fewer registers spilled), actual requests +13. A
    // preflight from an origin that is not allowed does not get here: the caller
    // refuses it inline (measured: those preflights -25 to -31, tower and actix; allowed
    // preflights in the tower layer -37 to -52, the call no longer carrying the result).
    #[inline(never)]
    fn preflight<'r, H, M, A>(
        &self,
        origin: &'r H::Value,
        requested_method: &'r H::Value,
        several_methods: bool,
        request: &'r H,
    ) -> A
    where
        H: RequestHeaders + ?Sized,
        M: MakeValue<H::Value>,
        A: Answer<'r, M::Out>,
    {
        // A preflight's answer always depends on Origin: without it, the same OPTIONS
        // request is not a preflight and goes to the application.
        let vary = self.preflight_vary;
        let reject =
            |reason| A::reject(RequestKind::Preflight, reason, StatusCode::FORBIDDEN, vary);
        let method_bytes = H::as_bytes(requested_method);
        if several_methods || !method::is_token(method_bytes) {
            return reject(Reason::MalformedMethod);
        }
        // Made only for an answer that allows the origin (a rejection drops no clone).
        let allowed_so_far = || HeaderSet {
            allow_origin: self.allow_origin_value::<H::Value, M>(origin),
            allow_credentials: self.credentials,
            vary,
            owns_cors_headers: true,
            ..HeaderSet::default()
        };
        // Debug mode answers a rejected method or header with an ok status and the full
        // lists, so that the browser's console names what is missing. The decision
        // still says rejected.
        let debug_answer = |reason, headers| {
            A::respond(
                RequestKind::Preflight,
                reason,
                self.preflight_status,
                headers,
            )
        };
        if !self.methods.allows(method_bytes) {
            // Tokens are ASCII, so the method is valid UTF-8.
            let reason = Reason::MethodNotAllowed(std::str::from_utf8(method_bytes).unwrap_or(""));
            if self.debug {
                let headers = HeaderSet {
                    allow_methods: Some(M::policy(&self.debug_allow_methods)),
                    ..allowed_so_far()
                };
                return debug_answer(reason, headers);
            }
            return reject(reason);
        }

        // One lookup for the usual request, which sends at most one line; several
        // lines are read again for each pass over them.
        let mut lines = request.get_all(&ACCESS_CONTROL_REQUEST_HEADERS);
        let first = lines.next();
        let checked = match (first, lines.next()) {
            (Some(first_line), Some(second)) => {
                // Several lines (browsers send one): a list too long is refused on this
                // lookup's lines, as soon as their lengths add up past the limit.
                let lengths = [first_line, second].into_iter().chain(lines);
                if self.headers.fits(lengths.map(H::as_bytes)) {
                    self.allowed_headers::<H::Value, M, _>(
                        || {
                            request
                                .get_all(&ACCESS_CONTROL_REQUEST_HEADERS)
                                .map(H::as_bytes)
                        },
                        first,
                    )
                } else {
                    Err(Reason::RequestHeadersTooLong)
                }
            }
            _ => {
                let line = first.map(H::as_bytes);
                self.allowed_headers::<H::Value, M, _>(|| line.into_iter(), first)
            }
        };
        let allow_headers = match checked {
            Ok(allow_headers) => allow_headers,
            Err(reason) => {
                // Only a header that is not allowed gets the debug answer: a list too long or
                // malformed to read has no name for the console to show, and under `*` the
                // full list would be `*`, which the browser would accept.
                if self.debug && matches!(reason, Reason::HeaderNotAllowed(_)) {
                    let headers = HeaderSet {
                        allow_methods: M::echo(requested_method),
                        allow_headers: self.debug_allow_headers.as_ref().map(M::policy),
                        ..allowed_so_far()
                    };
                    return debug_answer(reason, headers);
                }
                return reject(reason);
            }
        };

        // Private Network Access: answered only when asked and enabled. When it is not
        // enabled the request is otherwise answered as usual: browsers do not enforce
        // PNA preflights today, and refusing would break requests they let through.
        let allow_private_network = self.private_network
            && request
                .get_all(&ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK)
                .next()
                .is_some_and(|v| H::as_bytes(v) == b"true");
        A::respond(
            RequestKind::Preflight,
            Reason::Allowed,
            self.preflight_status,
            HeaderSet {
                allow_methods: M::echo(requested_method),
                allow_headers,
                max_age: self.max_age.as_ref().map(M::policy),
                allow_private_network,
                ..allowed_so_far()
            },
        )
    }
}

/// Checks a route's path and returns the prefix it matches with.
fn check_route_path(path: &str, i: usize, diagnostics: &mut Diagnostics) -> Option<String> {
    let field = format!("routes[{i}].path");
    if path.is_empty() {
        // Reported when the file was read (no `path`), or here for the builder.
        diagnostics.report(Code::InvalidRoutePath, &field, "a route's path is empty");
        return None;
    }
    if !path.starts_with('/') {
        diagnostics.report_with_help(
            Code::InvalidRoutePath,
            &field,
            format!("route path `{path}` does not start with `/`"),
            format!("write `/{path}`"),
        );
        return None;
    }
    if path.contains(['*', '?', '#']) {
        let prefix = path.split(['*', '?', '#']).next().unwrap_or("/");
        diagnostics.report_with_help(
            Code::InvalidRoutePath,
            &field,
            format!("route path `{path}` is not a plain path prefix"),
            format!("a route applies to everything under its path: write `{prefix}`"),
        );
        return None;
    }
    let trimmed = path.trim_end_matches('/');
    Some(if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed.to_owned()
    })
}

/// Checks one effective policy and compiles it. `source` names a field as the user
/// wrote it (`cors.max_age`, `routes[1].max_age`). Returns `None` when the policy is
/// disabled (`enabled = false`) or has errors.
fn compile(
    config: &PolicyConfig,
    source: &dyn Fn(&str) -> String,
    diagnostics: &mut Diagnostics,
) -> Option<Rules> {
    let enabled = config.enabled.unwrap_or(true);
    let credentials = config.allow_credentials.unwrap_or(false);
    let errors_before = diagnostics.errors_seen();

    let origins = compile_origins(config, credentials, enabled, source, diagnostics);
    let methods = compile_methods(
        config.allow_methods.as_deref(),
        &source("allow_methods"),
        diagnostics,
    );
    let (headers, debug_allow_headers) = compile_allow_headers(
        config.allow_headers.as_deref(),
        &source("allow_headers"),
        diagnostics,
    );
    let expose_headers = compile_expose_headers(
        config.expose_headers.as_deref(),
        credentials,
        &source("expose_headers"),
        diagnostics,
    );

    let max_age = config.max_age.and_then(|seconds| {
        let field = source("max_age");
        if seconds > MAX_AGE_LIMIT {
            diagnostics.report_with_help(
                Code::MaxAgeTooLarge,
                &field,
                format!("max_age is {seconds}; the most is {MAX_AGE_LIMIT} seconds (a day)"),
                "Firefox caches a preflight for a day at most, Chromium for two hours: a longer cache would keep a revoked policy alive",
            );
            return None;
        }
        if seconds > MAX_AGE_CHROMIUM_CAP {
            diagnostics.report(
                Code::MaxAgeAboveBrowserCap,
                &field,
                format!("max_age is {seconds}; Chromium caches preflights for {MAX_AGE_CHROMIUM_CAP} seconds at most"),
            );
        }
        Some(HeaderValue::from(seconds))
    });

    let preflight_status = match config.preflight_status {
        None => StatusCode::NO_CONTENT,
        Some(code) => match StatusCode::from_u16(code) {
            Ok(status) if status.is_success() => status,
            _ => {
                diagnostics.report_with_help(
                    Code::InvalidPreflightStatus,
                    &source("preflight_status"),
                    format!("preflight_status is {code}; browsers accept only an ok status (200 to 299) for a preflight"),
                    "use 204 (the default) or 200",
                );
                StatusCode::NO_CONTENT
            }
        },
    };

    if !enabled || diagnostics.errors_seen() > errors_before {
        return None;
    }
    let origins = origins?;
    let private_network = config.allow_private_network.unwrap_or(false);
    if private_network && origins.is_any() {
        diagnostics.report_with_help(
            Code::WildcardPrivateNetwork,
            &source("allow_private_network"),
            "allow_private_network with any origin (`*`): every website may reach this private-network service from its visitors' browsers",
            "list the origins that need it",
        );
    }
    let static_any = origins.is_any() && !credentials;
    let mut preflight_vary = Vary::ORIGIN
        .union(Vary::REQUEST_METHOD)
        .union(Vary::REQUEST_HEADERS);
    if private_network {
        preflight_vary = preflight_vary.union(Vary::REQUEST_PRIVATE_NETWORK);
    }
    let wildcard_allow_headers = match headers {
        AllowedHeaders::Any {
            authorization: true,
        } => HeaderValue::from_static("*,authorization"),
        _ => ANY,
    };
    let debug_allow_methods = match &methods {
        AllowedMethods::Any => ANY,
        AllowedMethods::List(list) => joined(
            ["GET", "HEAD", "POST"].into_iter().chain(
                list.iter()
                    .map(|m| &**m)
                    .filter(|m| !method::is_safelisted(m.as_bytes())),
            ),
        )
        .unwrap_or(ANY),
    };
    Some(Rules {
        origins,
        methods,
        headers,
        credentials,
        static_any,
        any: PolicyValue::new(ANY),
        expose_headers: expose_headers.map(PolicyValue::new),
        max_age: max_age.map(PolicyValue::new),
        private_network,
        preflight_status,
        debug: config.debug.unwrap_or(false),
        preflight_vary,
        wildcard_allow_headers: PolicyValue::new(wildcard_allow_headers),
        debug_allow_methods: PolicyValue::new(debug_allow_methods),
        debug_allow_headers: debug_allow_headers.map(PolicyValue::new),
    })
}

fn compile_origins(
    config: &PolicyConfig,
    credentials: bool,
    enabled: bool,
    source: &dyn Fn(&str) -> String,
    diagnostics: &mut Diagnostics,
) -> Option<OriginMatcher> {
    let mut matcher = OriginMatcher::default();
    let field = source("allow_origins");
    let list = config.allow_origins.as_deref().unwrap_or(&[]);
    // A cross-field problem is reported where the user can fix it: at the credentials
    // of a route when only the route turned them on.
    let credentials_field = source("allow_credentials");
    let blame = |entry_field: String| {
        if credentials_field.starts_with("routes") && !entry_field.starts_with("routes") {
            credentials_field.clone()
        } else {
            entry_field
        }
    };
    let null_allowed = config.dangerously_allow_null_origin.unwrap_or(false);
    let insecure_allowed = config.dangerously_allow_insecure_origins.unwrap_or(false);
    let psl_allowed = config
        .dangerously_allow_public_suffix_wildcards
        .unwrap_or(false);
    let others_than_any = list.iter().any(|o| o != "*")
        || config
            .allow_origin_regexes
            .as_ref()
            .is_some_and(|r| !r.is_empty())
        || config.origin_predicate.is_some();
    let mut seen = HashSet::new();
    let mut null_listed = false;

    for (i, entry) in list.iter().enumerate() {
        let entry_field = format!("{field}[{i}]");
        let parsed = match parse_allowed(entry) {
            Ok(parsed) => parsed,
            Err(e) => {
                let mut d = Diagnostic::new(e.code, &entry_field, e.message);
                if let Some(help) = e.help {
                    d = d.with_help(help);
                }
                diagnostics.push(d);
                continue;
            }
        };
        let canonical = match &parsed {
            AllowedOrigin::Any => "*".to_owned(),
            AllowedOrigin::Null => "null".to_owned(),
            AllowedOrigin::Pattern(p) => p.to_string(),
        };
        if !seen.insert(canonical.clone()) {
            diagnostics.report(
                Code::DuplicateEntry,
                &entry_field,
                format!("`{canonical}` is listed more than once"),
            );
            continue;
        }
        match parsed {
            AllowedOrigin::Any => {
                if others_than_any {
                    diagnostics.report_with_help(
                        Code::WildcardOriginMixed,
                        &entry_field,
                        "`*` allows every origin, so listing other origins beside it is a mistake",
                        "keep `*` alone, or remove it and list the origins you trust",
                    );
                }
                if credentials {
                    diagnostics.report_with_help(
                        Code::WildcardOriginWithCredentials,
                        &blame(entry_field),
                        "any origin (`*`) with allow_credentials = true would let every website read your users' authenticated data (browsers also refuse `*` with credentials)",
                        "list the origins you trust, or set allow_credentials = false",
                    );
                }
                matcher.allow_any();
            }
            AllowedOrigin::Null => {
                null_listed = true;
                if !null_allowed {
                    diagnostics.report_with_help(
                        Code::NullOrigin,
                        &entry_field,
                        "the `null` origin is sent by sandboxed iframes, `data:` pages and redirects, so any website can send it",
                        "remove it; if you really must, set dangerously_allow_null_origin = true",
                    );
                }
                matcher.allow_null();
            }
            AllowedOrigin::Pattern(pattern) => {
                if credentials && pattern.is_insecure() && !insecure_allowed {
                    diagnostics.report_with_help(
                        Code::InsecureOrigin,
                        &blame(entry_field.clone()),
                        format!("`{pattern}` is plain http: anyone on the network path can impersonate it and read credentialed responses"),
                        "use https; if you really must, set dangerously_allow_insecure_origins = true",
                    );
                }
                if pattern.is_public_suffix_wildcard() && !psl_allowed {
                    diagnostics.report_with_help(
                        Code::PublicSuffixWildcard,
                        &entry_field,
                        format!("`{pattern}` covers a public suffix: anyone can register a host under it"),
                        "list your own domain (`https://*.yourdomain.example`); if you really must, set dangerously_allow_public_suffix_wildcards = true",
                    );
                }
                if pattern.is_user_content() {
                    diagnostics.report_with_help(
                        Code::UserContentOrigin,
                        &entry_field,
                        format!("`{pattern}` is a site where anyone can publish scripts: trusting it is trusting everyone"),
                        "remove it unless this really is your own origin",
                    );
                }
                matcher.insert(&pattern);
            }
        }
    }

    null_listed |= compile_regexes(config, &mut matcher, credentials, source, diagnostics);
    if let Some(predicate) = &config.origin_predicate {
        matcher.set_predicate(predicate.clone());
    }
    if null_allowed && !null_listed {
        diagnostics.report_with_help(
            Code::UnusedOption,
            &source("dangerously_allow_null_origin"),
            "dangerously_allow_null_origin is set but neither allow_origins nor a regex allows `null`, so it has no effect",
            "remove it",
        );
    }
    let declared = !list.is_empty()
        || config
            .allow_origin_regexes
            .as_ref()
            .is_some_and(|r| !r.is_empty())
        || config.origin_predicate.is_some();
    if enabled && !declared {
        diagnostics.report_with_help(
            Code::NoOrigins,
            &field,
            "no origin is allowed: every CORS request would be rejected",
            "list the origins of your front ends, for example allow_origins = [\"https://app.example.com\"]",
        );
    }
    matcher.finish();
    (!matcher.is_empty()).then_some(matcher)
}

/// Compiles `allow_origin_regexes` into the matcher, refusing (with credentials) every
/// regex that admits origins the lists could not allow safely (see
/// `origin::regex_safety`). Returns whether a regex admits `null`.
#[cfg(feature = "regex")]
fn compile_regexes(
    config: &PolicyConfig,
    matcher: &mut OriginMatcher,
    credentials: bool,
    source: &dyn Fn(&str) -> String,
    diagnostics: &mut Diagnostics,
) -> bool {
    use crate::origin::regex_safety::{self, Flaw};

    let Some(regexes) = config
        .allow_origin_regexes
        .as_deref()
        .filter(|r| !r.is_empty())
    else {
        return false;
    };
    let field = source("allow_origin_regexes");
    let null_allowed = config.dangerously_allow_null_origin.unwrap_or(false);
    let insecure_allowed = config.dangerously_allow_insecure_origins.unwrap_or(false);
    let unsafe_allowed = config
        .dangerously_allow_unsafe_origin_regexes
        .unwrap_or(false);
    let mut admits_null = false;
    let mut kept_unsafe = false;
    let mut anchored = Vec::with_capacity(regexes.len());
    for (i, regex) in regexes.iter().enumerate() {
        let entry_field = format!("{field}[{i}]");
        // Anchored at both ends, whatever the user wrote: `example\.com` must not match
        // `example.com.evil.net`. The regex crate runs in linear time.
        let whole = format!("^(?:{regex})$");
        if let Err(e) = regex::Regex::new(&whole) {
            diagnostics.report(
                Code::InvalidRegex,
                &entry_field,
                format!(
                    "`{regex}` is not a valid regular expression: {}",
                    e.to_string().replace('\n', " ")
                ),
            );
            continue;
        }
        if has_unescaped_dot(regex) {
            diagnostics.report_with_help(
                Code::UnescapedDotInRegex,
                &entry_field,
                format!("`{regex}` has a `.` that matches any character (`wwwaexample.com` for `www.example.com`)"),
                "write `\\.` for a literal dot",
            );
        }
        for finding in regex_safety::analyse(regex) {
            let (code, entry) = match &finding.flaw {
                Flaw::Null => {
                    admits_null = true;
                    if null_allowed {
                        continue;
                    }
                    (Code::NullOrigin, entry_field.clone())
                }
                Flaw::AnyOrigin if !credentials => (Code::AnyOriginRegex, entry_field.clone()),
                _ if !credentials => continue,
                Flaw::Insecure if insecure_allowed => continue,
                Flaw::Unprovable(_) => (Code::UnprovableOriginRegex, entry_field.clone()),
                _ => (Code::UnsafeOriginRegex, entry_field.clone()),
            };
            let message = finding.message(regex);
            if unsafe_allowed && code != Code::NullOrigin && code != Code::AnyOriginRegex {
                kept_unsafe = true;
                tracing::warn!(
                    target: "corsair",
                    field = %entry,
                    code = %code,
                    "dangerously_allow_unsafe_origin_regexes keeps an unsafe origin regex: {message}"
                );
                continue;
            }
            diagnostics.report_with_help(code, &entry, message, finding.help());
        }
        anchored.push(whole);
    }
    if unsafe_allowed && !kept_unsafe {
        diagnostics.report_with_help(
            Code::UnusedOption,
            &source("dangerously_allow_unsafe_origin_regexes"),
            "dangerously_allow_unsafe_origin_regexes is set but no origin regex needs it, so it has no effect",
            "remove it",
        );
    }
    match regex::RegexSet::new(&anchored) {
        Ok(set) if anchored.len() == regexes.len() => matcher.set_regexes(set),
        Ok(_) => {}
        Err(e) => diagnostics.report(Code::InvalidRegex, &field, e.to_string()),
    }
    admits_null
}

#[cfg(not(feature = "regex"))]
fn compile_regexes(
    config: &PolicyConfig,
    _matcher: &mut OriginMatcher,
    _credentials: bool,
    source: &dyn Fn(&str) -> String,
    diagnostics: &mut Diagnostics,
) -> bool {
    if config
        .allow_origin_regexes
        .as_ref()
        .is_some_and(|r| !r.is_empty())
    {
        diagnostics.report_with_help(
            Code::InvalidRegex,
            &source("allow_origin_regexes"),
            "allow_origin_regexes needs corsair's `regex` feature",
            "enable the feature, or use origin patterns such as `https://*.example.com`",
        );
    }
    false
}

/// A `.` outside a character class, not escaped and not repeated (`.*` and `.+` say
/// "anything" on purpose; a lone `.` is usually a dot meant literally).
#[cfg(feature = "regex")]
fn has_unescaped_dot(regex: &str) -> bool {
    let mut escaped = false;
    let mut in_class = false;
    let mut chars = regex.chars().peekable();
    while let Some(c) = chars.next() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '[') => in_class = true,
            (false, ']') => in_class = false,
            (false, '.') if !in_class && !matches!(chars.peek(), Some('*' | '+' | '?' | '{')) => {
                return true;
            }
            _ => {}
        }
    }
    false
}

fn compile_methods(
    list: Option<&[String]>,
    field: &str,
    diagnostics: &mut Diagnostics,
) -> AllowedMethods {
    let list = list.unwrap_or(&[]);
    if list.iter().any(|m| m == "*") {
        for (i, m) in list.iter().enumerate().filter(|(_, m)| *m != "*") {
            diagnostics.report(
                Code::RedundantEntry,
                &format!("{field}[{i}]"),
                format!("`{m}` is already allowed by `*`"),
            );
        }
        return AllowedMethods::Any;
    }
    let mut methods: Vec<Box<str>> = Vec::new();
    for (i, m) in list.iter().enumerate() {
        let entry_field = format!("{field}[{i}]");
        if !method::is_token(m.as_bytes()) {
            diagnostics.report(
                Code::InvalidMethod,
                &entry_field,
                format!("`{m}` is not a valid method name"),
            );
            continue;
        }
        if method::is_forbidden(m) {
            diagnostics.report(
                Code::ForbiddenMethod,
                &entry_field,
                format!("`{m}` is a forbidden method: browsers never let a script send it"),
            );
            continue;
        }
        let normalized = method::normalize(m);
        if normalized == *m && m.bytes().any(|b| b.is_ascii_lowercase()) {
            diagnostics.report_with_help(
                Code::CaseSensitiveMethod,
                &entry_field,
                format!("methods are case-sensitive, and browsers send `{m}` only when a script spells it so"),
                format!("write `{}` for the usual spelling", m.to_ascii_uppercase()),
            );
        }
        if methods.iter().any(|x| **x == *normalized) {
            diagnostics.report(
                Code::DuplicateEntry,
                &entry_field,
                format!("`{m}` is listed more than once"),
            );
            continue;
        }
        methods.push(normalized.into_boxed_str());
    }
    // Sorted: what corsair sends does not depend on the order of the declaration.
    methods.sort_unstable();
    AllowedMethods::List(methods)
}

fn compile_allow_headers(
    list: Option<&[String]>,
    field: &str,
    diagnostics: &mut Diagnostics,
) -> (AllowedHeaders, Option<HeaderValue>) {
    let list = list.unwrap_or(&[]);
    let names = checked_names(
        list,
        field,
        diagnostics,
        |name, entry_field, diagnostics| {
            if headers::is_forbidden_request_header(name) {
                diagnostics.report(
                Code::ForbiddenHeaderName,
                entry_field,
                format!("`{name}` is a forbidden request header: browsers set it themselves and scripts cannot"),
            );
                return false;
            }
            true
        },
    );
    if list.iter().any(|h| h == "*") {
        let authorization = names.iter().any(|n| n == "authorization");
        for (i, h) in list.iter().enumerate() {
            if h != "*" && !h.eq_ignore_ascii_case("authorization") {
                diagnostics.report(
                    Code::RedundantEntry,
                    &format!("{field}[{i}]"),
                    format!("`{h}` is already allowed by `*`"),
                );
            }
        }
        let debug = if authorization {
            "*,authorization"
        } else {
            "*"
        };
        return (
            AllowedHeaders::Any { authorization },
            Some(HeaderValue::from_static(debug)),
        );
    }
    let debug = joined(names.iter().map(String::as_str));
    (AllowedHeaders::List(NameSet::new(names)), debug)
}

fn compile_expose_headers(
    list: Option<&[String]>,
    credentials: bool,
    field: &str,
    diagnostics: &mut Diagnostics,
) -> Option<HeaderValue> {
    let list = list.unwrap_or(&[]);
    if let Some(i) = list.iter().position(|h| h == "*") {
        if credentials {
            diagnostics.report_with_help(
                Code::WildcardExposeWithCredentials,
                &format!("{field}[{i}]"),
                "with credentials, browsers read `*` in Access-Control-Expose-Headers as a header named `*`, so nothing would be exposed",
                "list the headers to expose",
            );
            return None;
        }
        return Some(ANY);
    }
    let names = checked_names(
        list,
        field,
        diagnostics,
        |name, entry_field, diagnostics| {
            if headers::is_forbidden_response_header(name) {
                diagnostics.report(
                    Code::ForbiddenExposeHeader,
                    entry_field,
                    format!("`{name}` is never exposed to scripts, whatever the server says"),
                );
                return false;
            }
            if headers::is_safelisted_response_header(name) {
                diagnostics.report(
                    Code::RedundantEntry,
                    entry_field,
                    format!("`{name}` is a safelisted response header: scripts can always read it"),
                );
                return false;
            }
            true
        },
    );
    joined(names.iter().map(String::as_str))
}

/// Validates a list of header names; returns the good ones, lowercased, sorted, without
/// duplicates and without `*`. Sorted, so that the headers corsair sends do not depend on
/// the order in which the policy listed them.
fn checked_names(
    list: &[String],
    field: &str,
    diagnostics: &mut Diagnostics,
    extra_check: impl Fn(&str, &str, &mut Diagnostics) -> bool,
) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (i, name) in list.iter().enumerate() {
        if name == "*" {
            continue;
        }
        let entry_field = format!("{field}[{i}]");
        if !headers::is_valid_name(name) {
            diagnostics.report(
                Code::InvalidHeaderName,
                &entry_field,
                format!("`{name}` is not a valid header name"),
            );
            continue;
        }
        if !extra_check(name, &entry_field, diagnostics) {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        if names.contains(&lower) {
            diagnostics.report(
                Code::DuplicateEntry,
                &entry_field,
                format!("`{name}` is listed more than once"),
            );
            continue;
        }
        names.push(lower);
    }
    names.sort_unstable();
    names
}

fn joined<'a>(items: impl Iterator<Item = &'a str>) -> Option<HeaderValue> {
    let mut out = String::new();
    for item in items {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(item);
    }
    if out.is_empty() {
        return None;
    }
    HeaderValue::from_str(&out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_whole_segments() {
        assert!(path_has_prefix("/api", "/api"));
        assert!(path_has_prefix("/api/", "/api"));
        assert!(path_has_prefix("/api/users", "/api"));
        assert!(!path_has_prefix("/apiary", "/api"));
        assert!(!path_has_prefix("/ap", "/api"));
        assert!(path_has_prefix("/anything", "/"));
        assert!(path_has_prefix("/", "/"));
    }

    #[test]
    fn route_paths_are_normalized_or_refused() {
        let mut d = Diagnostics::default();
        assert_eq!(
            check_route_path("/api/", 0, &mut d).as_deref(),
            Some("/api")
        );
        assert_eq!(check_route_path("/", 0, &mut d).as_deref(), Some("/"));
        assert_eq!(check_route_path("//", 0, &mut d).as_deref(), Some("/"));
        assert!(!d.has_errors());
        assert_eq!(check_route_path("api", 0, &mut d), None);
        assert_eq!(check_route_path("/api/*", 1, &mut d), None);
        assert_eq!(check_route_path("/a?b", 2, &mut d), None);
        assert_eq!(check_route_path("", 3, &mut d), None);
        assert_eq!(d.errors_seen(), 4);
    }

    #[test]
    fn joined_values() {
        assert_eq!(joined(["a", "b"].into_iter()).unwrap(), "a,b");
        assert_eq!(joined(std::iter::empty()), None);
    }

    #[cfg(feature = "regex")]
    #[test]
    fn unescaped_dots() {
        assert!(has_unescaped_dot("https://www.example\\.com"));
        assert!(!has_unescaped_dot("https://www\\.example\\.com"));
        assert!(!has_unescaped_dot("https://[.]example\\.com"));
        assert!(has_unescaped_dot("https://[a].example\\.com"));
    }
}
