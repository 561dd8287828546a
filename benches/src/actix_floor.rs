//! The floor for actix-web: the least work any correct CORS middleware must do for the
//! grid's policy in an actix-web application, hand-written for this benchmark only; the
//! counterpart of [`crate::floor`] (same answers, same omissions: no validation, no
//! reason, no routes, no tracing, no policy swap).
//!
//! It is a middleware as actix-web makes them (a `Transform` and its `Service`), with
//! the response type a middleware needs to answer a preflight itself
//! (`EitherBody<B, BoxBody>`, as corsair and actix-cors have). Its overhead over the
//! application alone is a lower bound for a middleware that writes the same headers
//! into actix-web's map.

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD,
    HeaderValue, ORIGIN, VARY,
};
use actix_web::http::{Method, StatusCode};
use actix_web::{Error, HttpResponse};
use arc_swap::ArcSwap;

use crate::checks::Checks;
use crate::floor::{Allowed, Set};
use crate::{HEADERS, MAX_AGE, METHODS, Origins};

/// The policy, its values built once in actix-web's type.
struct Policy {
    allowed: Allowed,
    checks: Checks,
    methods: HeaderValue,
    headers: HeaderValue,
    max_age: HeaderValue,
    vary_actual: HeaderValue,
    vary_preflight: HeaderValue,
}

/// The floor as an actix-web middleware factory (`App::wrap`); with `CHECKED`, the
/// checked floor (as [`crate::floor::FloorLayer`]: the checks of [`crate::checks`], a
/// swappable policy, reasons through `tracing`).
#[derive(Clone)]
pub struct ActixFloor<const CHECKED: bool = false> {
    policy: Rc<Policy>,
    swappable: Arc<ArcSwap<Policy>>,
}

impl<const CHECKED: bool> ActixFloor<CHECKED> {
    /// The grid's policy for `origins`.
    pub fn new(origins: Origins) -> Self {
        let value = |s: String| HeaderValue::from_str(&s).unwrap();
        let policy = || Policy {
            allowed: Allowed::new(origins),
            checks: Checks::new(origins),
            methods: value(METHODS.join(",")),
            headers: value(HEADERS.join(",")),
            max_age: value(MAX_AGE.to_string()),
            vary_actual: HeaderValue::from_static("origin"),
            vary_preflight: HeaderValue::from_static(
                "origin, access-control-request-method, access-control-request-headers",
            ),
        };
        ActixFloor {
            policy: Rc::new(policy()),
            swappable: Arc::new(ArcSwap::from_pointee(policy())),
        }
    }
}

impl<S, B, const CHECKED: bool> Transform<S, ServiceRequest> for ActixFloor<CHECKED>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: Unpin,
    B: MessageBody + Unpin,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Transform = FloorMiddleware<S, CHECKED>;
    type InitError = ();
    type Future = Ready<Result<FloorMiddleware<S, CHECKED>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(FloorMiddleware {
            service,
            policy: self.policy.clone(),
            swappable: self.swappable.clone(),
        }))
    }
}

/// The service of [`ActixFloor`].
pub struct FloorMiddleware<S, const CHECKED: bool = false> {
    service: S,
    policy: Rc<Policy>,
    swappable: Arc<ArcSwap<Policy>>,
}

impl<S, B, const CHECKED: bool> Service<ServiceRequest> for FloorMiddleware<S, CHECKED>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: Unpin,
    B: MessageBody + Unpin,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Future = FloorFuture<S::Future, B>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.service.poll_ready(cx)
    }

    fn call(&self, request: ServiceRequest) -> Self::Future {
        if CHECKED {
            let policy = self.swappable.load();
            answer::<_, _, CHECKED>(&policy, &self.service, request)
        } else {
            answer::<_, _, CHECKED>(&self.policy, &self.service, request)
        }
    }
}

/// The floor's answer to `request` (with the checks, if `CHECKED`).
#[inline(always)]
fn answer<S, B, const CHECKED: bool>(
    policy: &Policy,
    service: &S,
    request: ServiceRequest,
) -> FloorFuture<S::Future, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    let Some(origin) = request.headers().get(ORIGIN) else {
        return FloorFuture::Inner(service.call(request), None);
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
            let lines = request.headers().get_all(ACCESS_CONTROL_REQUEST_HEADERS);
            allowed = policy.checks.preflight(requested_method.as_bytes(), || {
                lines.clone().map(HeaderValue::as_bytes)
            });
        }
        let mut response = HttpResponse::new(StatusCode::OK);
        let headers = response.headers_mut();
        if allowed {
            let value = if any {
                HeaderValue::from_static("*")
            } else {
                origin.clone()
            };
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
            headers.insert(ACCESS_CONTROL_ALLOW_METHODS, policy.methods.clone());
            headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, policy.headers.clone());
            headers.insert(ACCESS_CONTROL_MAX_AGE, policy.max_age.clone());
        }
        headers.insert(VARY, policy.vary_preflight.clone());
        let response = request.into_response(response).map_into_right_body();
        return FloorFuture::Ready(Some(response));
    }
    let set = Set::of(allowed, any, origin, &policy.vary_actual);
    FloorFuture::Inner(service.call(request), Some(set))
}

/// The future of [`FloorMiddleware`].
pub enum FloorFuture<F, B> {
    /// The application's, with the headers to set on its response.
    Inner(F, Option<Set<HeaderValue>>),
    /// A preflight's answer.
    Ready(Option<ServiceResponse<EitherBody<B, BoxBody>>>),
}

impl<F, B> Future for FloorFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>> + Unpin,
    B: Unpin,
{
    type Output = Result<ServiceResponse<EitherBody<B, BoxBody>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Every field is Unpin (by the bounds).
        match self.get_mut() {
            FloorFuture::Inner(future, set) => {
                let mut response = match Pin::new(future).poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                    Poll::Ready(Ok(response)) => response,
                };
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
                    Some(Set::Vary(vary)) => headers.append(VARY, vary),
                }
                Poll::Ready(Ok(response.map_into_left_body()))
            }
            FloorFuture::Ready(response) => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => Poll::Pending,
            },
        }
    }
}
