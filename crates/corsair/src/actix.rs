//! The actix-web adapter (feature `actix`): middleware for `App::wrap` and `Scope::wrap`.
//!
//! It only translates, like the tower adapter: the request's CORS headers go to
//! [`Policy::decide`](crate::Policy::decide); a preflight is answered at once with an
//! empty body; anything else goes to the inner service, and the decision's headers are
//! applied to its response, whatever its status, and to the response of an error the
//! inner service returns.
//!
//! actix-web 4 uses the `http` 0.2 types; the adapter converts the four CORS request
//! headers and the response headers it writes, byte for byte.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header as actix_header;
use actix_web::{Error, HttpResponse, ResponseError};
use http::header::{
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, HeaderMap, HeaderName,
    HeaderValue, ORIGIN,
};
use pin_project_lite::pin_project;

use crate::decision::{ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK, Action, CorsHeaders};
use crate::handle::PolicyHandle;
use crate::response::ResponseHeaders;

/// Applies a CORS policy to an actix-web application or scope.
///
/// ```
/// use actix_web::{App, HttpResponse, web};
/// use corsair::Policy;
///
/// let policy = Policy::builder()
///     .allow_origins(["https://app.example.com"])
///     .allow_methods(["GET", "POST", "DELETE"])
///     .allow_headers(["content-type"])
///     .build()?;
/// let cors = corsair::actix::Cors::new(policy);
/// let handle = cors.handle(); // to reconfigure while serving
/// let app = App::new()
///     .wrap(cors)
///     .route("/items", web::get().to(|| async { HttpResponse::Ok().body("[]") }));
/// # let _ = (app, handle);
/// # Ok::<(), corsair::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Cors {
    policy: PolicyHandle,
}

impl Cors {
    /// Middleware for a policy, or for a [`PolicyHandle`] shared with other code.
    ///
    /// ```
    /// let cors = corsair::actix::Cors::new(corsair::Policy::builder().allow_origins(["*"]).build()?);
    /// # let _ = cors;
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn new(policy: impl Into<PolicyHandle>) -> Self {
        Cors {
            policy: policy.into(),
        }
    }

    /// The handle through which the policy of this middleware (in every worker) can be
    /// swapped.
    ///
    /// ```
    /// let cors = corsair::actix::Cors::new(corsair::Policy::builder().allow_origins(["*"]).build()?);
    /// let _handle = cors.handle();
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn handle(&self) -> PolicyHandle {
        self.policy.clone()
    }
}

impl<S, B> Transform<S, ServiceRequest> for Cors
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Transform = CorsMiddleware<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(CorsMiddleware {
            service,
            policy: self.policy.clone(),
        }))
    }
}

/// The service made by [`Cors`].
///
/// ```
/// # use actix_web::{App, HttpResponse, web, test};
/// # #[actix_web::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let cors = corsair::actix::Cors::new(corsair::Policy::builder().allow_origins(["https://a.example"]).build()?);
/// let app = test::init_service(App::new().wrap(cors).route("/", web::get().to(HttpResponse::Ok))).await;
/// let request = test::TestRequest::get().uri("/").insert_header(("origin", "https://a.example")).to_request();
/// let response = test::call_service(&app, request).await;
/// assert_eq!(response.headers().get("access-control-allow-origin").unwrap(), "https://a.example");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct CorsMiddleware<S> {
    service: S,
    policy: PolicyHandle,
}

/// The request headers the engine reads, copied into the `http` 1 types it takes.
fn cors_request_headers(from: &actix_header::HeaderMap) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for name in [
        ORIGIN,
        ACCESS_CONTROL_REQUEST_METHOD,
        ACCESS_CONTROL_REQUEST_HEADERS,
        ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK,
    ] {
        for value in from.get_all(name.as_str()) {
            if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
                headers.append(name.clone(), value);
            }
        }
    }
    headers
}

impl<S, B> Service<ServiceRequest> for CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Future = CorsFuture<S::Future, B>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.service.poll_ready(cx)
    }

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let headers = cors_request_headers(request.headers());
        let Ok(method) = http::Method::from_bytes(request.method().as_str().as_bytes()) else {
            // actix-web only accepts valid methods, so this does not happen; if it did,
            // the request would go through untouched.
            return CorsFuture::inner(self.service.call(request), None);
        };
        let decision = self.policy.load().decide(&method, request.path(), &headers);
        let action = decision.action();
        let cors = decision.into_headers();
        match action {
            Action::Respond(status) => {
                // A preflight never reaches the application.
                let status = actix_web::http::StatusCode::from_u16(status.as_u16())
                    .unwrap_or(actix_web::http::StatusCode::FORBIDDEN);
                let mut response = HttpResponse::new(status);
                cors.apply_to(response.headers_mut());
                CorsFuture::ready(request.into_response(response).map_into_right_body())
            }
            Action::Forward => CorsFuture::inner(self.service.call(request), Some(cors)),
        }
    }
}

pin_project! {
    /// The future of [`CorsMiddleware`]: the inner service's response (or error) with the
    /// CORS headers, or corsair's own answer to a preflight.
    pub struct CorsFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        Inner {
            #[pin]
            future: F,
            headers: Option<CorsHeaders>,
        },
        Ready { response: Option<ServiceResponse<EitherBody<B, BoxBody>>> },
    }
}

impl<F, B> CorsFuture<F, B> {
    fn inner(future: F, headers: Option<CorsHeaders>) -> Self {
        CorsFuture {
            state: State::Inner { future, headers },
        }
    }

    fn ready(response: ServiceResponse<EitherBody<B, BoxBody>>) -> Self {
        CorsFuture {
            state: State::Ready {
                response: Some(response),
            },
        }
    }
}

impl<F, B> Future for CorsFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
    B: MessageBody,
{
    type Output = Result<ServiceResponse<EitherBody<B, BoxBody>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Inner { future, headers } => {
                let result = ready!(future.poll(cx));
                let headers = headers.take();
                match (result, headers) {
                    (Ok(mut response), Some(headers)) => {
                        headers.apply_to(response.headers_mut());
                        Poll::Ready(Ok(response.map_into_left_body()))
                    }
                    (Ok(response), None) => Poll::Ready(Ok(response.map_into_left_body())),
                    // An error the application returns becomes its response later, in
                    // actix-web; wrapped, it carries the CORS headers there too, so the
                    // page can read it (actix-cors loses them).
                    (Err(error), Some(headers)) => {
                        Poll::Ready(Err(Error::from(WithCorsHeaders { error, headers })))
                    }
                    (Err(error), None) => Poll::Ready(Err(error)),
                }
            }
            StateProj::Ready { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                // Polled again after completion: a caller bug, answered without panicking.
                None => Poll::Pending,
            },
        }
    }
}

impl<F, B> std::fmt::Debug for CorsFuture<F, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CorsFuture")
    }
}

/// An error of the application, whose response gets the CORS headers of its request.
struct WithCorsHeaders {
    error: Error,
    headers: CorsHeaders,
}

impl std::fmt::Debug for WithCorsHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.error, f)
    }
}

impl std::fmt::Display for WithCorsHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.error, f)
    }
}

impl ResponseError for WithCorsHeaders {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.error.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let mut response = self.error.error_response();
        self.headers.clone().apply_to(response.headers_mut());
        response
    }
}

/// actix-web's header map, written byte for byte.
impl ResponseHeaders for actix_header::HeaderMap {
    fn set(&mut self, name: HeaderName, value: HeaderValue) {
        let (Ok(name), Ok(value)) = (
            actix_header::HeaderName::from_bytes(name.as_str().as_bytes()),
            actix_header::HeaderValue::from_bytes(value.as_bytes()),
        ) else {
            return;
        };
        self.insert(name, value);
    }

    fn remove(&mut self, name: &HeaderName) {
        actix_header::HeaderMap::remove(self, name.as_str());
    }

    fn for_each_value(&self, name: &HeaderName, f: &mut dyn FnMut(&[u8])) {
        for value in self.get_all(name.as_str()) {
            f(value.as_bytes());
        }
    }
}
