//! The tower adapter (feature `tower`): a [`Layer`] for axum, hyper and tonic.
//!
//! It only translates: the request goes to [`Policy::decide`](crate::Policy::decide), a
//! preflight is answered at once with an empty body, anything else goes to the inner
//! service and gets the decision's headers on its response, whatever its status.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::answer::{Answer, Forwarded, Headers};
use crate::decision::Action;
use crate::handle::PolicyHandle;
use crate::preflight_map;
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
        let Answer {
            action, headers, ..
        } = self.policy.load().decide_core::<HeaderMap, HeaderValue>(
            request.method().as_str(),
            request.uri().path(),
            request.headers(),
            Reasons::WhenLogged,
        );
        match action {
            // A preflight never reaches the application.
            Action::Respond(status) => ResponseFuture::respond(status, headers),
            Action::Forward => ResponseFuture::forward(self.inner.call(request), headers),
        }
    }
}

impl<F, B: Default> ResponseFuture<F, B> {
    /// corsair's own answer, with `status` (a preflight, a refused write).
    pub(crate) fn respond(status: StatusCode, headers: Headers<HeaderValue>) -> Self {
        let mut response = Response::new(B::default());
        *response.status_mut() = status;
        preflight_map::write(headers, response.headers_mut());
        ResponseFuture {
            state: State::Ready {
                response: Some(response),
            },
        }
    }

    /// The inner service's future, with the headers its response gets.
    pub(crate) fn forward(future: F, headers: Headers<HeaderValue>) -> Self {
        ResponseFuture {
            state: State::Inner {
                headers: Some(headers.forwarded()),
                future,
            },
        }
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
        Inner { #[pin] future: F, headers: Option<Forwarded<HeaderValue>> },
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
                    response::write(headers.into_headers(), response.headers_mut());
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
