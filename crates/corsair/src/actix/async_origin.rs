//! The actix-web middleware with an asynchronous, request-aware origin lookup: the same
//! as the tower layer's ([`crate::tower_async`], whose docs give the caching advice).

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, ready};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::HeaderValue as ActixValue;
use actix_web::{Error, HttpRequest};
use pin_project_lite::pin_project;

use super::{Cors, CorsFuture};
use crate::answer::Answer;
use crate::decision::Action;
use crate::handle::PolicyHandle;

impl Cors {
    /// This middleware, with `lookup` asked about each well-formed origin that the
    /// policy's lists do not allow: it gets the origin and the request, and its future
    /// says whether the origin is allowed (see [`crate::tower_async`] for how answers
    /// are made, and for caching advice).
    ///
    /// ```
    /// use actix_web::{App, HttpResponse, test, web};
    /// # #[actix_web::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let policy = corsair::Policy::builder().allow_origins(["https://app.example"]).build()?;
    /// let cors = corsair::actix::Cors::new(policy).allow_origins_async(
    ///     |origin: actix_web::http::header::HeaderValue, _request: &actix_web::HttpRequest| {
    ///         let allowed = origin == "https://acme.example";
    ///         async move { allowed }
    ///     },
    /// );
    /// let app = test::init_service(App::new().wrap(cors).route("/", web::get().to(HttpResponse::Ok))).await;
    /// let request = test::TestRequest::get().uri("/").insert_header(("origin", "https://acme.example")).to_request();
    /// let response = test::call_service(&app, request).await;
    /// assert_eq!(response.headers().get("access-control-allow-origin").unwrap(), "https://acme.example");
    /// # Ok(())
    /// # }
    /// ```
    pub fn allow_origins_async<F, Fut>(self, lookup: F) -> AsyncCors<F>
    where
        F: Fn(ActixValue, &HttpRequest) -> Fut + Clone,
        Fut: Future<Output = bool>,
    {
        AsyncCors {
            policy: self.handle(),
            lookup,
        }
    }
}

/// [`Cors`] with an asynchronous origin lookup; made by [`Cors::allow_origins_async`].
#[derive(Clone, Debug)]
pub struct AsyncCors<F> {
    policy: PolicyHandle,
    lookup: F,
}

impl<S, B, F, Fut> Transform<S, ServiceRequest> for AsyncCors<F>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
    F: Fn(ActixValue, &HttpRequest) -> Fut + Clone,
    Fut: Future<Output = bool>,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Transform = AsyncCorsMiddleware<S, F>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(AsyncCorsMiddleware {
            service: Rc::new(service),
            policy: self.policy.clone(),
            lookup: self.lookup.clone(),
        }))
    }
}

/// The middleware of [`AsyncCors`].
#[derive(Debug)]
pub struct AsyncCorsMiddleware<S, F> {
    service: Rc<S>,
    policy: PolicyHandle,
    lookup: F,
}

impl<S, B, F, Fut> Service<ServiceRequest> for AsyncCorsMiddleware<S, F>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
    F: Fn(ActixValue, &HttpRequest) -> Fut,
    Fut: Future<Output = bool>,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Future = AsyncCorsFuture<S, S::Future, Fut, B>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.service.poll_ready(cx)
    }

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let (
            Answer {
                action, headers, ..
            },
            to_look_up,
        ) = self.policy.load().decide_before_lookup::<_, ActixValue>(
            request.method().as_str(),
            request.path(),
            request.headers(),
        );
        let to_look_up = to_look_up.cloned();
        let state = match to_look_up {
            None => AsyncState::Cors {
                future: match action {
                    Action::Respond(status) => CorsFuture::respond(request, status, headers),
                    Action::Forward => CorsFuture::forward(self.service.call(request), headers),
                },
            },
            Some(origin) => AsyncState::LookingUp {
                lookup: (self.lookup)(origin, request.request()),
                request: Some(request),
                service: Rc::clone(&self.service),
                policy: self.policy.clone(),
            },
        };
        AsyncCorsFuture { state }
    }
}

pin_project! {
    /// The future of [`AsyncCorsMiddleware`]: the origin's lookup, when there is one,
    /// then what [`CorsFuture`] does.
    pub struct AsyncCorsFuture<S, SF, Fut, B> {
        #[pin]
        state: AsyncState<S, SF, Fut, B>,
    }
}

pin_project! {
    #[project = AsyncStateProj]
    enum AsyncState<S, SF, Fut, B> {
        LookingUp {
            #[pin]
            lookup: Fut,
            request: Option<ServiceRequest>,
            service: Rc<S>,
            policy: PolicyHandle,
        },
        Cors { #[pin] future: CorsFuture<SF, B> },
    }
}

impl<S, Fut, B> Future for AsyncCorsFuture<S, S::Future, Fut, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
    Fut: Future<Output = bool>,
{
    type Output = Result<ServiceResponse<EitherBody<B, BoxBody>>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let future = match self.as_mut().project().state.project() {
                AsyncStateProj::Cors { future } => return future.poll(cx),
                AsyncStateProj::LookingUp {
                    lookup,
                    request,
                    service,
                    policy,
                } => {
                    let allowed = ready!(lookup.poll(cx));
                    let Some(request) = request.take() else {
                        // Polled again after completion: a caller bug, answered without
                        // panicking.
                        return Poll::Pending;
                    };
                    let Answer {
                        action, headers, ..
                    } = policy.load().decide_after_lookup::<_, ActixValue>(
                        allowed,
                        request.method().as_str(),
                        request.path(),
                        request.headers(),
                    );
                    match action {
                        Action::Respond(status) => CorsFuture::respond(request, status, headers),
                        Action::Forward => CorsFuture::forward(service.call(request), headers),
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

impl<S, SF, Fut, B> std::fmt::Debug for AsyncCorsFuture<S, SF, Fut, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AsyncCorsFuture")
    }
}
