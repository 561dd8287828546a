//! The tower layer with an asynchronous, request-aware origin lookup: origins that come
//! from data (a tenants table, a cache in front of it), beside the policy's lists.
//!
//! The lists are checked first, as in [`CorsLayer`]; only an origin they do not allow,
//! and that is a well-formed serialized origin, is looked up. The lookup sees the origin
//! and the request's method, URI and headers, and answers `true` or `false`; an origin it
//! allows gets the answer an allowed origin gets (with `Vary: Origin`: the answer depends
//! on it), one it refuses the answer of an origin that is not allowed.
//!
//! Lookups run on every request from an origin the lists do not allow, preflights
//! included, so they should be fast: keep the allowed origins in memory (a set reloaded
//! when the data changes, or a cache with a short expiry in front of the database), and
//! remember negative answers too, or anyone can make your service query its database
//! once per request with made-up origins.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::request::Parts;
use http::{HeaderMap, HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::answer::Answer;
use crate::decision::Action;
use crate::handle::PolicyHandle;
use crate::tower::{CorsLayer, ResponseFuture};

impl CorsLayer {
    /// This layer, with `lookup` asked about each well-formed origin that the policy's
    /// lists do not allow: it gets the origin and the request's parts, and its future
    /// says whether the origin is allowed. See the [module docs](crate::tower_async)
    /// for caching advice. The inner service must be `Clone` (as axum's and most tower
    /// services are): it is called once the lookup has answered.
    ///
    /// ```
    /// use std::collections::HashSet;
    /// use std::sync::{Arc, RwLock};
    ///
    /// // Tenants' origins, kept in memory and refreshed elsewhere when the data changes.
    /// let tenants: Arc<RwLock<HashSet<String>>> = Arc::default();
    /// tenants.write().unwrap().insert("https://acme.example".to_owned());
    ///
    /// let policy = corsair::Policy::builder().allow_origins(["https://app.example"]).build()?;
    /// let layer = corsair::CorsLayer::new(policy).allow_origins_async(
    ///     move |origin: http::HeaderValue, _request: &http::request::Parts| {
    ///         let allowed = origin
    ///             .to_str()
    ///             .is_ok_and(|o| tenants.read().is_ok_and(|t| t.contains(o)));
    ///         async move { allowed }
    ///     },
    /// );
    /// # let _ = layer;
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn allow_origins_async<F, Fut>(self, lookup: F) -> AsyncCorsLayer<F>
    where
        F: Fn(HeaderValue, &Parts) -> Fut + Clone,
        Fut: Future<Output = bool>,
    {
        AsyncCorsLayer {
            policy: self.handle(),
            lookup,
        }
    }
}

/// [`CorsLayer`] with an asynchronous origin lookup; made by
/// [`CorsLayer::allow_origins_async`].
#[derive(Clone, Debug)]
pub struct AsyncCorsLayer<F> {
    policy: PolicyHandle,
    lookup: F,
}

impl<S, F: Clone> Layer<S> for AsyncCorsLayer<F> {
    type Service = AsyncCors<S, F>;

    fn layer(&self, inner: S) -> Self::Service {
        AsyncCors {
            inner,
            policy: self.policy.clone(),
            lookup: self.lookup.clone(),
        }
    }
}

/// The service of [`AsyncCorsLayer`].
#[derive(Clone, Debug)]
pub struct AsyncCors<S, F> {
    inner: S,
    policy: PolicyHandle,
    lookup: F,
}

impl<S, F, Fut, ReqBody, ResBody> Service<Request<ReqBody>> for AsyncCors<S, F>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    ResBody: Default,
    F: Fn(HeaderValue, &Parts) -> Fut,
    Fut: Future<Output = bool>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = AsyncResponseFuture<S, S::Future, Request<ReqBody>, Fut, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (
            Answer {
                action, headers, ..
            },
            to_look_up,
        ) = self
            .policy
            .load()
            .decide_before_lookup::<HeaderMap, HeaderValue>(
                request.method().as_str(),
                request.uri().path(),
                request.headers(),
            );
        let to_look_up = to_look_up.cloned();
        let Some(origin) = to_look_up else {
            let future = match action {
                Action::Respond(status) => ResponseFuture::respond(status, headers),
                Action::Forward => ResponseFuture::forward(self.inner.call(request), headers),
            };
            return AsyncResponseFuture {
                state: AsyncState::Cors { future },
            };
        };
        let (parts, body) = request.into_parts();
        let lookup = (self.lookup)(origin, &parts);
        // The service that was made ready goes with the request; this one gets a clone.
        let inner = self.inner.clone();
        AsyncResponseFuture {
            state: AsyncState::LookingUp {
                lookup,
                request: Some(Request::from_parts(parts, body)),
                inner: Some(std::mem::replace(&mut self.inner, inner)),
                policy: self.policy.clone(),
            },
        }
    }
}

pin_project! {
    /// The future of [`AsyncCors`]: the origin's lookup, when there is one, then what
    /// [`Cors`](crate::Cors)'s future does.
    pub struct AsyncResponseFuture<S, SF, Req, Fut, B> {
        #[pin]
        state: AsyncState<S, SF, Req, Fut, B>,
    }
}

pin_project! {
    #[project = AsyncStateProj]
    enum AsyncState<S, SF, Req, Fut, B> {
        LookingUp {
            #[pin]
            lookup: Fut,
            request: Option<Req>,
            inner: Option<S>,
            policy: PolicyHandle,
        },
        Cors { #[pin] future: ResponseFuture<SF, B> },
    }
}

impl<S, Fut, ReqBody, ResBody, E> Future
    for AsyncResponseFuture<S, S::Future, Request<ReqBody>, Fut, ResBody>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>, Error = E>,
    ResBody: Default,
    Fut: Future<Output = bool>,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let future = match self.as_mut().project().state.project() {
                AsyncStateProj::Cors { future } => return future.poll(cx),
                AsyncStateProj::LookingUp {
                    lookup,
                    request,
                    inner,
                    policy,
                } => {
                    let allowed = ready!(lookup.poll(cx));
                    let (Some(request), Some(mut inner)) = (request.take(), inner.take()) else {
                        // Polled again after completion: a caller bug, answered without
                        // panicking.
                        return Poll::Pending;
                    };
                    let Answer {
                        action, headers, ..
                    } = policy.load().decide_after_lookup::<HeaderMap, HeaderValue>(
                        allowed,
                        request.method().as_str(),
                        request.uri().path(),
                        request.headers(),
                    );
                    match action {
                        Action::Respond(status) => ResponseFuture::respond(status, headers),
                        Action::Forward => ResponseFuture::forward(inner.call(request), headers),
                    }
                }
            };
            self.as_mut()
                .project()
                .state
                .set(AsyncState::Cors { future });
        }
    }
}

impl<S, SF, Req, Fut, B> std::fmt::Debug for AsyncResponseFuture<S, SF, Req, Fut, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AsyncResponseFuture")
    }
}
