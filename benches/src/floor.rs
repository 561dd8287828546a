//! The floor: the least work any correct CORS middleware must do for the grid's policy
//! when it writes into `http`'s `HeaderMap`, hand-written for this benchmark only.
//!
//! It answers what corsair answers, and nothing more:
//!
//! - an actual request: one lookup of `Origin`; an allowed origin gets
//!   `Access-Control-Allow-Origin` (the origin, or `*`) and `Vary: Origin` (not under
//!   `*`); a rejected one gets `Vary: Origin` alone;
//! - a preflight (`OPTIONS` with `Access-Control-Request-Method`): a fresh response with
//!   `Access-Control-Allow-Origin`, `-Methods`, `-Headers`, `Max-Age` and `Vary` (the
//!   policy's values, built once); a rejected one gets `Vary` alone.
//!
//! It validates nothing (not the `Origin`'s grammar, not the requested method or header
//! names: browsers check those), gives no reason, has no routes, no tracing and no way to
//! swap its policy. Its overhead over the no-CORS service is therefore a lower bound for
//! the overhead of a middleware that writes the same headers into the same map: where
//! even the floor's overhead is above one third of tower-http's, no implementation on
//! `http::HeaderMap` can meet that target (see BENCHMARKS.md).
//!
//! `FloorLayer<true>` (variant `floor-checked`) is the floor with what corsair's design
//! asks beyond it: the checks of [`crate::checks`], a swappable policy and reasons through
//! `tracing`. Its overhead is a lower bound for a middleware that keeps those.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use std::sync::Arc;

use arc_swap::ArcSwap;
use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
    VARY,
};
use http::{HeaderValue, Method, Request, Response};

use crate::checks::Checks;
use crate::{HEADERS, MAX_AGE, METHODS, Origins};

/// FNV-1a: the cheapest usable hash for short keys (no defence against chosen
/// collisions, which a floor does not need).
#[derive(Clone, Copy, Default)]
pub struct Fnv;

impl std::hash::BuildHasher for Fnv {
    type Hasher = FnvHasher;
    fn build_hasher(&self) -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

/// The state of [`Fnv`].
pub struct FnvHasher(u64);

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Which origins the floor allows: the cheapest test for each kind of list.
pub enum Allowed {
    /// Up to four exact origins, compared byte for byte.
    Few(Vec<Vec<u8>>),
    /// More exact origins, in a hash set.
    Many(HashSet<Vec<u8>, Fnv>),
    /// `https://LABELS.DOMAIN` for any of these domains: the host is looked up at each
    /// of its dots, left to right.
    Domains(HashSet<Vec<u8>, Fnv>),
    /// Every origin, answered with `*`.
    Any,
}

impl Allowed {
    /// The allowed origins of the grid's policy for `origins`.
    pub fn new(origins: Origins) -> Self {
        let list = || origins.list().into_iter().map(String::into_bytes);
        match origins {
            Origins::Any => Allowed::Any,
            Origins::Patterns => Allowed::Domains(
                (0..100)
                    .map(|i| format!("tenant{i:02}.example.com").into_bytes())
                    .collect(),
            ),
            _ if origins.list().len() <= 4 => Allowed::Few(list().collect()),
            _ => Allowed::Many(list().collect()),
        }
    }

    /// Whether every origin is allowed (answered with `*`).
    pub fn is_any(&self) -> bool {
        matches!(self, Allowed::Any)
    }

    /// Whether `origin` is allowed.
    #[inline(always)]
    pub fn allows(&self, origin: &[u8]) -> bool {
        match self {
            Allowed::Few(list) => list.iter().any(|o| o == origin),
            Allowed::Many(set) => set.contains(origin),
            Allowed::Domains(domains) => origin.strip_prefix(b"https://").is_some_and(|host| {
                host.iter()
                    .enumerate()
                    .any(|(i, &b)| b == b'.' && i > 0 && domains.contains(&host[i + 1..]))
            }),
            Allowed::Any => true,
        }
    }
}

/// The floor's policy, built once: the grid's policy for one list of origins.
struct Policy {
    allowed: Allowed,
    checks: Checks,
    preflight: http::HeaderMap,
    vary_actual: HeaderValue,
    vary_preflight: HeaderValue,
}

/// The floor as a tower layer; with `CHECKED`, the floor and the checks of
/// [`crate::checks`], its policy swappable (loaded per request from an [`ArcSwap`], the
/// cheapest lock-free swap there is: principle 9) and the reasons of its rejections
/// logged when a `tracing` subscriber asks for them (principle 8).
#[derive(Clone)]
pub struct FloorLayer<const CHECKED: bool = false> {
    policy: Arc<Policy>,
    swappable: Arc<ArcSwap<Policy>>,
}

impl<const CHECKED: bool> FloorLayer<CHECKED> {
    /// The grid's policy for `origins`.
    pub fn new(origins: Origins) -> Self {
        let allowed = Allowed::new(origins);
        let value = |s: String| HeaderValue::from_str(&s).unwrap();
        let vary_preflight = HeaderValue::from_static(
            "origin, access-control-request-method, access-control-request-headers",
        );
        // An allowed preflight's answer; the origin's entry first, a placeholder.
        let mut preflight = http::HeaderMap::new();
        preflight.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        preflight.insert(ACCESS_CONTROL_ALLOW_METHODS, value(METHODS.join(",")));
        preflight.insert(ACCESS_CONTROL_ALLOW_HEADERS, value(HEADERS.join(",")));
        preflight.insert(ACCESS_CONTROL_MAX_AGE, value(MAX_AGE.to_string()));
        preflight.insert(VARY, vary_preflight.clone());
        let policy = Arc::new(Policy {
            allowed,
            checks: Checks::new(origins),
            preflight,
            vary_actual: HeaderValue::from_static("origin"),
            vary_preflight,
        });
        FloorLayer {
            swappable: Arc::new(ArcSwap::new(policy.clone())),
            policy,
        }
    }
}

impl<S, const CHECKED: bool> tower::Layer<S> for FloorLayer<CHECKED> {
    type Service = Floor<S, CHECKED>;

    fn layer(&self, inner: S) -> Floor<S, CHECKED> {
        Floor {
            inner,
            policy: self.policy.clone(),
            swappable: self.swappable.clone(),
        }
    }
}

/// The service of [`FloorLayer`].
pub struct Floor<S, const CHECKED: bool = false> {
    inner: S,
    policy: Arc<Policy>,
    swappable: Arc<ArcSwap<Policy>>,
}

impl<S, B, const CHECKED: bool> tower::Service<Request<B>> for Floor<S, CHECKED>
where
    S: tower::Service<Request<B>, Response = Response<String>>,
    S::Future: Unpin,
{
    type Response = Response<String>;
    type Error = S::Error;
    type Future = FloorFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    #[inline(always)]
    fn call(&mut self, request: Request<B>) -> Self::Future {
        if CHECKED {
            let policy = self.swappable.load();
            answer::<_, _, CHECKED>(&policy, &mut self.inner, request)
        } else {
            answer::<_, _, CHECKED>(&self.policy, &mut self.inner, request)
        }
    }
}

/// The floor's answer to `request` (with the checks, if `CHECKED`).
#[inline(always)]
fn answer<S, B, const CHECKED: bool>(
    policy: &Policy,
    inner: &mut S,
    request: Request<B>,
) -> FloorFuture<S::Future>
where
    S: tower::Service<Request<B>, Response = Response<String>>,
{
    let Some(origin) = request.headers().get(ORIGIN) else {
        return FloorFuture::Inner(inner.call(request), None);
    };
    let mut allowed = policy.allowed.allows(origin.as_bytes());
    if CHECKED {
        allowed = policy.checks.origin(allowed, origin.as_bytes());
    }
    let any = policy.allowed.is_any();
    let requested_method = if request.method() == Method::OPTIONS {
        request.headers().get(ACCESS_CONTROL_REQUEST_METHOD)
    } else {
        None
    };
    if let Some(requested_method) = requested_method {
        if CHECKED && allowed {
            // One lookup: `GetAll` keeps the header's index for every pass.
            let lines = request.headers().get_all(ACCESS_CONTROL_REQUEST_HEADERS);
            allowed = policy.checks.preflight(requested_method.as_bytes(), || {
                lines.iter().map(HeaderValue::as_bytes)
            });
        }
        let mut response = Response::new(String::new());
        if allowed {
            // The policy's answer, built once, cloned; only the origin is written
            // (the first entry, reached without hashing).
            let mut headers = policy.preflight.clone();
            if let Some((_, value)) = headers.iter_mut().next() {
                *value = if any {
                    HeaderValue::from_static("*")
                } else {
                    origin.clone()
                };
            }
            *response.headers_mut() = headers;
        } else {
            response
                .headers_mut()
                .insert(VARY, policy.vary_preflight.clone());
        }
        return FloorFuture::Ready(Some(response));
    }
    let set = Set::of(allowed, any, origin, &policy.vary_actual);
    FloorFuture::Inner(inner.call(request), Some(set))
}

/// What an actual request's response gets.
/// What an actual request's response gets, and how the floor decides it; `V` is the
/// framework's header value type.
pub enum Set<V> {
    /// `Access-Control-Allow-Origin: *`.
    Any,
    /// The origin, echoed, and `Vary`.
    Echo(V, V),
    /// `Vary` alone (a rejected origin).
    Vary(V),
}

impl<V: Clone> Set<V> {
    /// The headers for an actual request from `origin`, allowed or not, under `*` or
    /// not; `vary` is the `Vary` value.
    #[inline(always)]
    pub fn of(allowed: bool, any: bool, origin: &V, vary: &V) -> Self {
        match (allowed, any) {
            (true, true) => Set::Any,
            (true, false) => Set::Echo(origin.clone(), vary.clone()),
            (false, _) => Set::Vary(vary.clone()),
        }
    }
}

/// The future of [`Floor`].
pub enum FloorFuture<F> {
    /// The inner service's, with the headers to set on its response.
    Inner(F, Option<Set<HeaderValue>>),
    /// A preflight's answer.
    Ready(Option<Response<String>>),
}

impl<F, E> Future for FloorFuture<F>
where
    F: Future<Output = Result<Response<String>, E>> + Unpin,
{
    type Output = Result<Response<String>, E>;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            FloorFuture::Inner(future, set) => {
                let mut response = ready!(Pin::new(future).poll(cx))?;
                let headers = response.headers_mut();
                match set.take() {
                    None => {}
                    Some(Set::Any) => {
                        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
                    }
                    Some(Set::Echo(origin, vary)) => {
                        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                        headers.append(VARY, vary);
                    }
                    Some(Set::Vary(vary)) => {
                        headers.append(VARY, vary);
                    }
                }
                Poll::Ready(Ok(response))
            }
            FloorFuture::Ready(response) => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => Poll::Pending,
            },
        }
    }
}
