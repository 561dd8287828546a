//! The compiled policy and its public API: [`Policy`], which picks the rules of a
//! request's path (`[cors]` or a `[[routes]]` entry) and decides, and the `tracing`
//! event of each decision.
//!
//! The per-request CORS protocol is in `rules`; checking and compiling a declared
//! policy is in `validate`.

use std::fmt;

use http::Method;
use http::header::{ACCESS_CONTROL_REQUEST_METHOD, HeaderMap, HeaderValue, ORIGIN};

use crate::answer::{Answer, EchoAs, Headers, Value};
use crate::decision::{CorsHeaders, Decision, Reason, RequestKind};
use crate::error::Diagnostic;
use crate::request::RequestHeaders;
use crate::rules::{Reasons, Rules};

/// The most seconds `max_age` may say: Firefox's cap (Chromium caps at 7200, WebKit at 600).
pub const MAX_AGE_LIMIT: u64 = 86_400;
/// Above this `max_age`, Chromium caches a preflight for 7200 seconds only.
pub const MAX_AGE_CHROMIUM_CAP: u64 = 7_200;

/// A validated CORS policy, ready to answer requests.
///
/// Build it with [`Policy::builder`] or from a [`Config`](crate::Config) (read from a
/// file with [`Config::from_toml_str`](crate::Config::from_toml_str)). Building checks
/// everything and reports every problem at once; a built policy is immutable and cheap
/// to share (wrap it in an `Arc`, or in a [`PolicyHandle`](crate::PolicyHandle) to swap
/// it at run time).
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

/// One `[[routes]]` entry, compiled.
pub(crate) struct Route {
    /// The position of the route in the declaration (`routes[index]`).
    pub(crate) index: usize,
    pub(crate) prefix: Box<str>,
    /// `None`: CORS disabled under this prefix.
    pub(crate) rules: Option<Rules>,
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

impl Policy {
    /// A policy of compiled rules: `root` for `[cors]`, `None` when it is disabled.
    pub(crate) fn compiled(
        root: Option<Rules>,
        mut routes: Vec<Route>,
        warnings: Vec<Diagnostic>,
    ) -> Policy {
        // Longest prefix first; the sort is stable, so equal lengths keep their order.
        routes.sort_by_key(|r| std::cmp::Reverse(r.prefix.len()));
        Policy {
            root,
            routes,
            warnings,
        }
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
        let answer = self.decide_core::<H, HeaderValue>(method, path, headers, Reasons::Exact);
        Decision {
            kind: answer.kind,
            reason: answer.reason,
            action: answer.action,
            headers: CorsHeaders(answer.headers),
        }
    }

    /// The engine, for every adapter: the decision, with header values of the
    /// adapter's type `V` (the request's own, repeated, or the policy's).
    ///
    /// When a `tracing` subscriber takes corsair's debug events, the decision is made
    /// out of line with exact reasons, and logged.
    // Measured (`insn-count`), with `decide_quietly`'s: without both, the actix-web adapter's preflights cost 28 to 36 instructions more (6 % of a refused one).
    #[inline(always)]
    pub(crate) fn decide_core<'r, H: EchoAs<V> + ?Sized, V: Value>(
        &self,
        method: &str,
        path: &str,
        headers: &'r H,
        reasons: Reasons,
    ) -> Answer<'r, V> {
        if tracing::enabled!(target: "corsair", tracing::Level::DEBUG) {
            return self.decide_traced::<H, V>(method, path, headers);
        }
        self.decide_quietly::<H, V>(method, path, headers, reasons, false)
    }

    /// The first half of an adapter with an asynchronous origin lookup: the decision
    /// (with exact reasons), and the origin to look up, if any: the request's `Origin`
    /// when the lists do not allow it and it is a well-formed tuple origin (`null` and
    /// malformed values are never looked up).
    #[cfg(any(feature = "tower", feature = "actix"))]
    pub(crate) fn decide_before_lookup<'r, H: EchoAs<V> + ?Sized, V: Value>(
        &self,
        method: &str,
        path: &str,
        headers: &'r H,
    ) -> (Answer<'r, V>, Option<&'r H::Value>) {
        let answer = self.decide_core::<H, V>(method, path, headers, Reasons::Exact);
        let to_look_up = match answer.reason {
            Reason::OriginNotAllowed => headers
                .get_all(&ORIGIN)
                .next()
                .filter(|o| crate::origin::TupleOrigin::parse(H::as_bytes(o)).is_some()),
            _ => None,
        };
        (answer, to_look_up)
    }

    /// The second half: the answer once the lookup said whether the origin is allowed.
    /// An allowed origin gets the answer the policy gives an allowed origin (with the
    /// same `Vary`), a refused one the answer of an origin that is not allowed; either
    /// is logged as any decision.
    #[cfg(any(feature = "tower", feature = "actix"))]
    pub(crate) fn decide_after_lookup<'r, H: EchoAs<V> + ?Sized, V: Value>(
        &self,
        allowed: bool,
        method: &str,
        path: &str,
        headers: &'r H,
    ) -> Answer<'r, V> {
        if !allowed {
            return self.decide_core::<H, V>(method, path, headers, Reasons::WhenLogged);
        }
        let answer = self.decide_quietly::<H, V>(method, path, headers, Reasons::Exact, true);
        if tracing::enabled!(target: "corsair", tracing::Level::DEBUG) {
            trace_decision(answer.kind, answer.reason, headers, method, path);
        }
        answer
    }

    /// [`Policy::decide_core`] with exact reasons, and the decision logged.
    #[cold]
    #[inline(never)]
    fn decide_traced<'r, H: EchoAs<V> + ?Sized, V: Value>(
        &self,
        method: &str,
        path: &str,
        headers: &'r H,
    ) -> Answer<'r, V> {
        let answer = self.decide_quietly::<H, V>(method, path, headers, Reasons::Exact, false);
        trace_decision(answer.kind, answer.reason, headers, method, path);
        answer
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

    // See `decide_core`'s.
    #[inline(always)]
    fn decide_quietly<'r, H: EchoAs<V> + ?Sized, V: Value>(
        &self,
        method: &str,
        path: &str,
        headers: &'r H,
        reasons: Reasons,
        // An asynchronous lookup allowed the origin: it is not checked again.
        origin_allowed: bool,
    ) -> Answer<'r, V> {
        let mut origins = headers.get_all(&ORIGIN);
        let Some(origin) = origins.next() else {
            return match self.rules_for(path) {
                Some(rules) if rules.refuses_write(method, path, headers, None) => {
                    Answer::refused_write(RequestKind::NonCors)
                }
                Some(rules) => rules.non_cors(),
                None => Answer::forward(RequestKind::NonCors, Reason::NonCors, Headers::default()),
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
            return Answer::forward(kind, Reason::Disabled, Headers::default());
        };
        // Browsers send one Origin; several can only be forged, and are never allowed,
        // but by a static `*`, which answers every request alike (`Rules::check_origin`).
        let checked = match origins.next() {
            Some(_) if !rules.static_any => Err(Reason::MalformedOrigin),
            _ if origin_allowed => Ok(()),
            _ => rules.check_origin(H::as_bytes(origin), reasons),
        };
        match (requested_methods, checked) {
            // A preflight from an origin that is not allowed is refused here, without
            // the call: its answer is the lone `Vary` of every refused preflight.
            (Some(_), Err(reason)) => Answer::refused_preflight(reason, rules.preflight_vary),
            (Some((first, mut rest)), Ok(())) => {
                let several = rest.next().is_some();
                rules.preflight::<H, V>(origin, first, several, headers)
            }
            // An origin that is not allowed may still not write (`cross_origin_protection`).
            (None, Err(_))
                if rules.refuses_write(method, path, headers, Some(H::as_bytes(origin))) =>
            {
                Answer::refused_write(RequestKind::Actual)
            }
            (None, checked) => rules.actual::<H, V>(origin, checked),
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
pub(crate) fn path_has_prefix(path: &str, prefix: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) => prefix == "/" || rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
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
}
