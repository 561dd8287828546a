//! The CORS protocol, request by request: what one compiled policy ([`Rules`]) answers
//! to a request that is not CORS, to an actual request and to a preflight.
//!
//! The rules are compiled by `validate`; [`Policy`](crate::Policy) picks the rules of a
//! request's path and calls them.

use http::StatusCode;
use http::header::ACCESS_CONTROL_REQUEST_HEADERS;

use crate::answer::{Answer, EchoAs, Headers, Value};
use crate::decision::{ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK, PolicyValue, Reason, RequestKind};
use crate::headers::{self, AllowedHeaders, HeadersCheck};
use crate::method::{self, AllowedMethods};
use crate::origin::{OriginMatcher, RequestOrigin};
use crate::policy::path_has_prefix;
use crate::request::RequestHeaders;
use crate::vary::Vary;

/// Whether the engine must give the exact reason of a rejected origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reasons {
    /// Always: the reason is part of the answer
    /// ([`Policy::decide`](crate::Policy::decide), `corsair explain`, the gateway's
    /// metrics).
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

/// One policy, compiled: every header value that does not come from the request is
/// computed here, once.
pub(crate) struct Rules {
    pub(crate) origins: OriginMatcher,
    pub(crate) methods: AllowedMethods,
    pub(crate) headers: AllowedHeaders,
    pub(crate) credentials: bool,
    /// Any origin, without credentials: `Access-Control-Allow-Origin: *` for all.
    pub(crate) static_any: bool,
    /// `*`, for `Access-Control-Allow-Origin` under a static `*`.
    pub(crate) any: PolicyValue,
    pub(crate) expose_headers: Option<PolicyValue>,
    pub(crate) max_age: Option<PolicyValue>,
    pub(crate) private_network: bool,
    pub(crate) preflight_status: StatusCode,
    pub(crate) debug: bool,
    /// What preflight answers depend on: Origin, the requested method and headers, and
    /// the private-network request when that is enabled.
    pub(crate) preflight_vary: Vary,
    /// `*` or `*,authorization`, for anonymous `allow_headers = ["*"]`.
    pub(crate) wildcard_allow_headers: PolicyValue,
    /// Debug mode: the full lists, so that the browser names what is missing.
    pub(crate) debug_allow_methods: PolicyValue,
    pub(crate) debug_allow_headers: Option<PolicyValue>,
    /// Cross-origin write protection: the paths it leaves alone (whole-segment
    /// prefixes, as routes), or `None` when it is off.
    pub(crate) write_protection: Option<Box<[Box<str>]>>,
}

impl Rules {
    /// The answer to a request without `Origin`.
    pub(crate) fn non_cors<V: Value>(&self) -> Answer<'static, V> {
        // A static `*` goes on every response, CORS or not, so that a cache may serve one
        // for the other (Fetch, "CORS protocol and HTTP caches"). Otherwise the answer to
        // a CORS request would differ, and caches must know: Vary: Origin.
        let headers = if self.static_any {
            Headers {
                allow_origin: Some(V::policy(&self.any)),
                expose_headers: self.expose_headers.as_ref().map(V::policy),
                ..Headers::default()
            }
        } else {
            Headers {
                vary: Vary::ORIGIN,
                ..Headers::default()
            }
        };
        Answer::forward(RequestKind::NonCors, Reason::NonCors, headers)
    }

    /// Whether the origin (the single `Origin` value) is allowed, or why not; see
    /// [`Reasons`] for when a malformed origin may be said not allowed.
    ///
    /// The comparison with the exact origins is inlined into the caller; the rest (the
    /// subdomain fast path, the parser) is a call, whose set-up an allowed exact origin
    /// then does not pay.
    #[inline]
    pub(crate) fn check_origin(
        &self,
        origin: &[u8],
        reasons: Reasons,
    ) -> Result<(), Reason<'static>> {
        // The exact-origin fast path: equal bytes, same answer as the parser and the
        // full match (see `OriginMatcher::finish`).
        if self.origins.is_exact(origin) {
            return Ok(());
        }
        self.check_other_origin(origin, reasons)
    }

    /// [`Rules::check_origin`] for an origin that is none of the exact ones byte for
    /// byte.
    #[inline(never)]
    fn check_other_origin(&self, origin: &[u8], reasons: Reasons) -> Result<(), Reason<'static>> {
        // A static `*` is the answer to every request, whatever its `Origin` holds: the
        // Fetch Standard's "CORS protocol and HTTP caches" asks for `*` on all responses
        // and no `Vary`, so that a cache may serve any of them for any other. Browsers
        // never send a malformed origin; `*` tells curl nothing it could not read.
        if self.static_any {
            return Ok(());
        }
        // The subdomain fast path, for a policy with `*.` patterns.
        if !self.origins.allows_only_exact_origins()
            && self.origins.allows_subdomain_exactly(origin)
        {
            return Ok(());
        }
        // When every origin the policy allows is found by the two fast paths (exact
        // origins, and `*.` patterns without a port), other bytes are rejected whatever
        // the parser says of them: parsing would only tell a malformed origin from a
        // well-formed one, and both get the same answer
        // (`OriginMatcher::allows_only_fast_path_origins`).
        if reasons == Reasons::WhenLogged && self.origins.allows_only_fast_path_origins() {
            return Err(Reason::OriginNotAllowed);
        }
        match RequestOrigin::parse(origin) {
            None => Err(Reason::MalformedOrigin),
            Some(o) if !self.origins.allows(&o) => Err(Reason::OriginNotAllowed),
            Some(_) => Ok(()),
        }
    }

    /// Whether cross-origin write protection refuses the request: an unsafe method,
    /// marked cross-origin by the browser, on a path that is not exempt. `origin`: the
    /// request's `Origin`, which the caller found not allowed (`None` without one).
    ///
    /// As Go's `http.CrossOriginProtection`: `Sec-Fetch-Site` decides when the browser
    /// sends it (`same-origin` and `none` pass, anything else is cross-origin); without
    /// it (browsers before 2023), an `Origin` whose host and port are the `Host` header's
    /// passes (the scheme is not compared: HSTS covers that case), any other origin is
    /// cross-origin, and a request with neither header is not from a browser, or is
    /// same-origin, and passes. Over HTTP/2 without a `Host` header, such an old
    /// browser's same-origin write is refused: nothing tells it from a cross-origin one.
    pub(crate) fn refuses_write<H: RequestHeaders + ?Sized>(
        &self,
        method: &str,
        path: &str,
        request: &H,
        origin: Option<&[u8]>,
    ) -> bool {
        let Some(exempt) = &self.write_protection else {
            return false;
        };
        if matches!(method, "GET" | "HEAD" | "OPTIONS") {
            return false;
        }
        let cross_origin = match request.get_all(&SEC_FETCH_SITE).next().map(H::as_bytes) {
            Some(b"same-origin" | b"none") => false,
            Some(_) => true,
            None => origin.is_some_and(|origin| !same_host(origin, request)),
        };
        cross_origin && !is_exempt(path, exempt)
    }

    /// The answer to an actual request, whose origin is `checked`.
    pub(crate) fn actual<'r, H: EchoAs<V> + ?Sized, V: Value>(
        &self,
        origin: &'r H::Value,
        checked: Result<(), Reason<'static>>,
    ) -> Answer<'r, V> {
        if let Err(reason) = checked {
            // Nothing for a rejected origin but Vary: its response differs from an
            // allowed one's (a static `*` rejects no origin).
            let headers = Headers {
                vary: Vary::ORIGIN,
                owns_cors_headers: true,
                ..Headers::default()
            };
            return Answer::forward(RequestKind::Actual, reason, headers);
        }
        let headers = Headers {
            allow_origin: self.allow_origin_value::<H, V>(origin),
            allow_credentials: self.credentials,
            expose_headers: self.expose_headers.as_ref().map(V::policy),
            vary: if self.static_any {
                Vary::NONE
            } else {
                Vary::ORIGIN
            },
            owns_cors_headers: true,
            ..Headers::default()
        };
        Answer::forward(RequestKind::Actual, Reason::Allowed, headers)
    }

    /// Checks `Access-Control-Request-Headers` (its `lines`; `first` is the first)
    /// and gives the `Access-Control-Allow-Headers` to answer, if any.
    fn allowed_headers<'r, H: EchoAs<V> + ?Sized + 'r, V: Value, I>(
        &self,
        lines: impl Fn() -> I,
        first: Option<&'r H::Value>,
    ) -> Result<Option<V>, Reason<'r>>
    where
        I: Iterator<Item = &'r [u8]>,
    {
        match self.headers.check(&lines) {
            HeadersCheck::Allowed { names: 0, .. } => Ok(None),
            HeadersCheck::Allowed { echo_as_is, .. } => {
                Ok(match (&self.headers, self.credentials) {
                    (AllowedHeaders::Any { .. }, false) => {
                        Some(V::policy(&self.wildcard_allow_headers))
                    }
                    // A single line, already lowercase and comma-joined: repeated as it is.
                    _ if echo_as_is => first.and_then(H::echo),
                    _ => headers::normalized_list(lines()).and_then(V::built),
                })
            }
            HeadersCheck::NotAllowed(name) => Err(Reason::HeaderNotAllowed(name)),
            HeadersCheck::TooLong => Err(Reason::RequestHeadersTooLong),
            HeadersCheck::Malformed => Err(Reason::MalformedRequestHeaders),
        }
    }

    fn allow_origin_value<H: EchoAs<V> + ?Sized, V: Value>(&self, origin: &H::Value) -> Option<V> {
        if self.static_any {
            Some(V::policy(&self.any))
        } else {
            H::echo(origin)
        }
    }

    /// The answer to a preflight from an allowed origin. Out of line: the middleware's
    /// `call` stays small, and a preflight from an origin that is not allowed does not
    /// get here (the caller refuses it inline).
    #[inline(never)]
    pub(crate) fn preflight<'r, H: EchoAs<V> + ?Sized, V: Value>(
        &self,
        origin: &'r H::Value,
        requested_method: &'r H::Value,
        several_methods: bool,
        request: &'r H,
    ) -> Answer<'r, V> {
        let method_bytes = H::as_bytes(requested_method);
        if several_methods {
            return Answer::refused_preflight(Reason::MalformedMethod, self.preflight_vary);
        }
        if !self.methods.allows(method_bytes) {
            if !method::is_token(method_bytes) {
                return Answer::refused_preflight(Reason::MalformedMethod, self.preflight_vary);
            }
            // Tokens are ASCII, so the method is valid UTF-8.
            let reason = Reason::MethodNotAllowed(std::str::from_utf8(method_bytes).unwrap_or(""));
            return self.refuse::<H, V>(reason, origin, requested_method);
        }
        // One lookup for the usual request, which sends at most one line; several
        // lines are read again for each pass over them.
        let mut lines = request.get_all(&ACCESS_CONTROL_REQUEST_HEADERS);
        let first = lines.next();
        let checked = match (first, lines.next()) {
            (Some(first_line), Some(second)) => self.allowed_header_lines::<H, V>(
                request,
                first_line,
                [first_line, second].into_iter().chain(lines),
            ),
            _ => {
                let line = first.map(H::as_bytes);
                self.allowed_headers::<H, V, _>(|| line.into_iter(), first)
            }
        };
        let allow_headers = match checked {
            Ok(allow_headers) => allow_headers,
            Err(reason) => return self.refuse::<H, V>(reason, origin, requested_method),
        };
        let headers = Headers {
            allow_methods: H::echo(requested_method),
            allow_headers,
            max_age: self.max_age.as_ref().map(V::policy),
            allow_private_network: self.allows_private_network(request),
            ..self.allowed_so_far::<H, V>(origin)
        };
        Answer::preflight(Reason::Allowed, self.preflight_status, headers)
    }

    /// The answer to a preflight whose method or headers are refused: forbidden, with
    /// the preflight's `Vary` alone (its answer always depends on Origin: without it,
    /// the same OPTIONS request is not a preflight and goes to the application).
    ///
    /// Debug mode answers a method or a header that is not allowed with an ok status
    /// and the full lists, so that the browser's console names what is missing; the
    /// decision still says rejected. Only those get the debug answer: a list of headers
    /// too long or malformed to read has no name for the console to show, and under
    /// `*` the full list would be `*`, which the browser would accept.
    fn refuse<'r, H: EchoAs<V> + ?Sized, V: Value>(
        &self,
        reason: Reason<'r>,
        origin: &'r H::Value,
        requested_method: &'r H::Value,
    ) -> Answer<'r, V> {
        let debug_headers = match reason {
            _ if !self.debug => None,
            Reason::MethodNotAllowed(_) => Some(Headers {
                allow_methods: Some(V::policy(&self.debug_allow_methods)),
                ..self.allowed_so_far::<H, V>(origin)
            }),
            Reason::HeaderNotAllowed(_) => Some(Headers {
                allow_methods: H::echo(requested_method),
                allow_headers: self.debug_allow_headers.as_ref().map(V::policy),
                ..self.allowed_so_far::<H, V>(origin)
            }),
            _ => None,
        };
        match debug_headers {
            Some(headers) => Answer::preflight(reason, self.preflight_status, headers),
            None => Answer::refused_preflight(reason, self.preflight_vary),
        }
    }

    /// The headers of every answer that allows a preflight's origin (made only for such
    /// an answer: a rejection drops no clone).
    fn allowed_so_far<H: EchoAs<V> + ?Sized, V: Value>(&self, origin: &H::Value) -> Headers<V> {
        Headers {
            allow_origin: self.allow_origin_value::<H, V>(origin),
            allow_credentials: self.credentials,
            vary: self.preflight_vary,
            owns_cors_headers: true,
            ..Headers::default()
        }
    }

    /// [`Rules::allowed_headers`] for several `Access-Control-Request-Headers` lines
    /// (browsers send one): a list too long is refused on the lines of the first lookup
    /// (`lines`), as soon as their lengths add up past the limit.
    fn allowed_header_lines<'r, H: EchoAs<V> + ?Sized, V: Value>(
        &self,
        request: &'r H,
        first: &'r H::Value,
        lines: impl Iterator<Item = &'r H::Value>,
    ) -> Result<Option<V>, Reason<'r>> {
        if !self.headers.fits(lines.map(H::as_bytes)) {
            return Err(Reason::RequestHeadersTooLong);
        }
        self.allowed_headers::<H, V, _>(
            || {
                request
                    .get_all(&ACCESS_CONTROL_REQUEST_HEADERS)
                    .map(H::as_bytes)
            },
            Some(first),
        )
    }

    /// Whether to answer a Private Network Access preflight (a legacy draft): only when
    /// asked and enabled. When it is not enabled the preflight is otherwise answered as
    /// usual, without the header: Chromium, the only engine that sent these preflights,
    /// reported a missing answer as a warning and went on, so refusing the preflight
    /// would break requests it let through (an enforcing browser fails it; `corsair
    /// explain` says so). Chrome 142 and later send none: Local Network Access asks the
    /// user.
    fn allows_private_network<H: RequestHeaders + ?Sized>(&self, request: &H) -> bool {
        self.private_network
            && request
                .get_all(&ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK)
                .next()
                .is_some_and(|v| H::as_bytes(v) == b"true")
    }
}

/// `Sec-Fetch-Site`: how the request's initiator relates to its target, as the browser
/// (never a script) tells it.
const SEC_FETCH_SITE: http::HeaderName = http::HeaderName::from_static("sec-fetch-site");

/// Whether `origin` is `http` or `https` and its host and port are the request's one
/// `Host`, byte for byte but for case (as Go's and tower-http's: an explicit default
/// port on one side only is not the same host).
fn same_host<H: RequestHeaders + ?Sized>(origin: &[u8], request: &H) -> bool {
    let Some(authority) = origin
        .strip_prefix(b"https://")
        .or_else(|| origin.strip_prefix(b"http://"))
    else {
        return false;
    };
    let mut hosts = request.get_all(&http::header::HOST);
    match (hosts.next(), hosts.next()) {
        (Some(host), None) => H::as_bytes(host).eq_ignore_ascii_case(authority),
        _ => false,
    }
}

/// Whether `path` is under one of the `exempt` prefixes. A path with a dot segment
/// (`..`, `%2e`, ...) is never exempt: the application may resolve `/hooks/../admin` to
/// a path that is not, and an exemption must not be reachable from elsewhere.
fn is_exempt(path: &str, exempt: &[Box<str>]) -> bool {
    !path.split('/').any(is_dot_segment) && exempt.iter().any(|p| path_has_prefix(path, p))
}

/// `.` or `..`, each dot as itself or percent-encoded (`%2e`, `%2E`).
fn is_dot_segment(segment: &str) -> bool {
    let mut rest = segment.as_bytes();
    let mut dots = 0;
    while !rest.is_empty() {
        rest = match rest {
            [b'.', tail @ ..] => tail,
            [b'%', b'2', b'e' | b'E', tail @ ..] => tail,
            _ => return false,
        };
        dots += 1;
    }
    matches!(dots, 1 | 2)
}
