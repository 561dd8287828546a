//! The tower adapter (feature `tower`): a [`Layer`] for axum, hyper and tonic.
//!
//! It only translates: the request goes to [`Policy::decide`](crate::Policy::decide), a
//! preflight is answered at once with an empty body, anything else goes to the inner
//! service and gets the decision's headers on its response, whatever its status.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
    VARY,
};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::decision::{
    Answer, ForwardHeaders, HeaderSet, Http, Reason, RequestKind, TRUE, ToHttp, apply,
};
use crate::fresh;
use crate::handle::PolicyHandle;
use crate::response;
use crate::rules::Reasons;

/// Applies a CORS policy to every request of the services it wraps.
///
/// ```
/// use axum::{Router, routing::get};
/// use corsair::{CorsLayer, Policy};
///
/// let policy = Policy::builder()
///     .allow_origins(["https://app.example.com"])
///     .allow_methods(["GET", "POST", "DELETE"])
///     .allow_headers(["content-type"])
///     .build()?;
/// let app: Router = Router::new()
///     .route("/items", get(|| async { "[]" }))
///     .layer(CorsLayer::new(policy));
/// # Ok::<(), corsair::ConfigError>(())
/// ```
///
/// To change the policy while serving, keep its [`handle`](CorsLayer::handle):
///
/// ```
/// # use corsair::{Config, CorsLayer, Policy};
/// let layer = CorsLayer::new(Policy::builder().allow_origins(["https://a.example"]).build()?);
/// let handle = layer.handle();
/// handle.reconfigure(Config::default().allow_origins(["https://b.example"]))?;
/// # Ok::<(), corsair::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct CorsLayer {
    policy: PolicyHandle,
}

impl CorsLayer {
    /// A layer for a policy, or for a [`PolicyHandle`] shared with other code.
    ///
    /// ```
    /// let layer = corsair::CorsLayer::new(corsair::Policy::builder().allow_origins(["*"]).build()?);
    /// # let _ = layer;
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn new(policy: impl Into<PolicyHandle>) -> Self {
        CorsLayer {
            policy: policy.into(),
        }
    }

    /// The handle through which the policy of this layer (and of every service it made)
    /// can be swapped.
    ///
    /// ```
    /// let layer = corsair::CorsLayer::new(corsair::Policy::builder().allow_origins(["*"]).build()?);
    /// let _handle = layer.handle();
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn handle(&self) -> PolicyHandle {
        self.policy.clone()
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Cors {
            inner,
            policy: self.policy.clone(),
        }
    }
}

/// The service made by [`CorsLayer`].
///
/// ```
/// use tower_layer::Layer;
/// let layer = corsair::CorsLayer::new(corsair::Policy::builder().allow_origins(["*"]).build()?);
/// let service = layer.layer(tower::service_fn(|_req: http::Request<String>| async {
///     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
/// }));
/// # let _ = service;
/// # Ok::<(), corsair::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Cors<S> {
    inner: S,
    policy: PolicyHandle,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Cors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let plan = self
            .policy
            .load()
            .decide_core::<HeaderMap, ToHttp<HeaderMap>, Plan<ResBody>>(
                request.method().as_str(),
                request.uri().path(),
                request.headers(),
                Reasons::WhenLogged,
            );
        ResponseFuture {
            state: match plan {
                Plan::Respond(response) => State::Ready {
                    response: Some(response),
                },
                Plan::Forward(headers) => State::Inner {
                    headers: Some(headers),
                    future: self.inner.call(request),
                },
            },
        }
    }
}

/// What the layer does with a request, as the engine decides it: neither the kind nor
/// the reason, which only the `tracing` event reads.
enum Plan<B> {
    /// To the application, whose response gets these headers.
    Forward(ForwardHeaders<HeaderValue>),
    /// corsair's own answer (a preflight never reaches the application).
    Respond(Response<B>),
}

impl<B: Default> Answer<'_, HeaderValue> for Plan<B> {
    #[inline(always)]
    fn forward(_: RequestKind, _: Reason<'_>, headers: ForwardHeaders<HeaderValue>) -> Self {
        Plan::Forward(headers)
    }

    #[inline(always)]
    fn respond(
        _: RequestKind,
        _: Reason<'_>,
        status: StatusCode,
        headers: HeaderSet<HeaderValue>,
    ) -> Self {
        let mut response = Response::new(B::default());
        *response.status_mut() = status;
        fresh::write(headers, response.headers_mut());
        Plan::Respond(response)
    }
}

/// Writes the headers of a forwarded request into the application's response: what
/// [`apply`] writes, in the same order. A response with no `Access-Control-*` header
/// and no `Vary` (most) has nothing to remove and nothing to merge with, so each header
/// is inserted at once; any other goes through [`apply`].
#[inline(always)]
fn write_forwarded(headers: ForwardHeaders<HeaderValue>, map: &mut HeaderMap) {
    if response::may_have(map, |name| {
        name == VARY || name.as_str().starts_with("access-control-")
    }) {
        apply(headers.into_set(), &mut Http(map));
        return;
    }
    if let Some(value) = headers.allow_origin {
        map.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    // `apply` writes the credentials header only for a decision that owns the CORS
    // headers (one that does not never allows credentials anyway).
    if headers.owns_cors_headers && headers.allow_credentials {
        map.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    }
    if let Some(value) = headers.expose_headers {
        map.insert(ACCESS_CONTROL_EXPOSE_HEADERS, value);
    }
    if !headers.vary.is_empty() {
        map.insert(VARY, headers.vary.header_value());
    }
}

pin_project! {
    /// The future of [`Cors`]: the inner service's response with the CORS headers, or
    /// corsair's own answer to a preflight.
    pub struct ResponseFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        Inner { #[pin] future: F, headers: Option<ForwardHeaders<HeaderValue>> },
        Ready { response: Option<Response<B>> },
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Inner { future, headers } => {
                let mut response = ready!(future.poll(cx))?;
                if let Some(headers) = headers.take() {
                    write_forwarded(headers, response.headers_mut());
                }
                Poll::Ready(Ok(response))
            }
            StateProj::Ready { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                // Polled again after completion: a caller bug, answered without panicking.
                None => Poll::Pending,
            },
        }
    }
}

impl<F, B> std::fmt::Debug for ResponseFuture<F, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResponseFuture")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vary::Vary;

    /// Every shape of forwarded headers, on responses with nothing, other headers,
    /// `Vary`, `Access-Control-*` headers, or more names than are scanned.
    #[test]
    fn forwarded_headers_are_written_as_apply_writes_them() {
        let v = HeaderValue::from_static;
        let responses: Vec<Vec<(&str, &str)>> = vec![
            vec![],
            vec![("content-type", "text/plain")],
            vec![("vary", "accept-encoding")],
            vec![("vary", "origin")],
            vec![("access-control-allow-origin", "*")],
            vec![
                ("access-control-allow-credentials", "true"),
                ("access-control-max-age", "5"),
                ("x-a", "1"),
            ],
            (0..9).map(|_| ("x-many", "1")).collect(),
            vec![
                ("x-0", "1"),
                ("x-1", "1"),
                ("x-2", "1"),
                ("x-3", "1"),
                ("x-4", "1"),
                ("x-5", "1"),
                ("x-6", "1"),
                ("x-7", "1"),
                ("x-8", "1"),
            ],
        ];
        for bits in 0..32u8 {
            let on = |bit: u8| bits & (1 << bit) != 0;
            let headers = ForwardHeaders {
                allow_origin: on(0).then(|| v("https://a.example")),
                expose_headers: on(1).then(|| v("x-id")),
                allow_credentials: on(2),
                vary: if on(3) { Vary::ORIGIN } else { Vary::NONE },
                owns_cors_headers: on(4),
            };
            for response in &responses {
                let mut map = HeaderMap::new();
                for (name, value) in response {
                    map.append(
                        http::HeaderName::from_static(name),
                        HeaderValue::from_static(value),
                    );
                }
                let mut expected = map.clone();
                apply(headers.clone().into_set(), &mut Http(&mut expected));
                write_forwarded(headers.clone(), &mut map);
                assert_eq!(map, expected, "{headers:?} on {response:?}");
                let order = |m: &HeaderMap| m.keys().cloned().collect::<Vec<_>>();
                assert_eq!(order(&map), order(&expected), "{headers:?} on {response:?}");
            }
        }
    }
}
