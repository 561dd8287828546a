//! The actix-web adapter (feature `actix`): middleware for `App::wrap` and `Scope::wrap`.
//!
//! It only translates, like the tower adapter: the request's CORS headers go to
//! [`Policy::decide`](crate::Policy::decide); a preflight is answered at once with an
//! empty body; anything else goes to the inner service, and the decision's headers are
//! applied to its response, whatever its status, and to the response of an error the
//! inner service returns.
//!
//! actix-web 4 uses the `http` 0.2 types. The adapter copies nothing: the engine reads
//! the request's CORS headers in actix-web's own map (through [`RequestHeaders`]), and
//! the response gets `http` 0.2 values that are the request's own (the echoed origin,
//! method and header list: a reference-count increment) or computed once, when the
//! policy was built.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header as actix_header;
use actix_web::http::header::{HeaderName as ActixName, HeaderValue as ActixValue};
use actix_web::{Error, HttpResponse, ResponseError};
use http::header::{
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, HeaderName, HeaderValue, ORIGIN,
};
use pin_project_lite::pin_project;

use crate::answer::{Answer, EchoAs, Forwarded, Headers, Value};
use crate::decision::{
    ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK, Action,
    PolicyValue,
};
use crate::handle::PolicyHandle;
use crate::request::RequestHeaders;
use crate::response::{self, ResponseHeaders};
use crate::rules::Reasons;
use crate::vary::Vary;

mod async_origin;

pub use async_origin::{AsyncCors, AsyncCorsFuture, AsyncCorsMiddleware};

const ACTIX_REQUEST_PRIVATE_NETWORK: ActixName =
    ActixName::from_static("access-control-request-private-network");
const ACTIX_ALLOW_PRIVATE_NETWORK: ActixName =
    ActixName::from_static("access-control-allow-private-network");

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
        let Answer {
            action, headers, ..
        } = self.policy.load().decide_core::<_, ActixValue>(
            request.method().as_str(),
            request.path(),
            request.headers(),
            Reasons::WhenLogged,
        );
        match action {
            // A preflight never reaches the application.
            Action::Respond(status) => CorsFuture::respond(request, status, headers),
            Action::Forward => CorsFuture::forward(self.service.call(request), headers),
        }
    }
}

/// An `http` 1 status as actix-web's (`http` 0.2); corsair's statuses all exist in both.
fn actix_status(status: http::StatusCode) -> actix_web::http::StatusCode {
    actix_web::http::StatusCode::from_u16(status.as_u16())
        .unwrap_or(actix_web::http::StatusCode::FORBIDDEN)
}

/// actix-web's own values, for its responses: the request's own, cloned, or the
/// policy's, computed when it was built.
impl Value for ActixValue {
    const TRUE: Self = ActixValue::from_static("true");

    fn vary(vary: Vary) -> Self {
        vary.actix_value()
    }

    fn policy(value: &PolicyValue) -> Self {
        value.actix.clone()
    }

    fn built(value: HeaderValue) -> Option<Self> {
        // The rare request-headers list corsair had to normalize, or a merged `Vary`:
        // copied.
        ActixValue::from_bytes(value.as_bytes()).ok()
    }
}

impl EchoAs<ActixValue> for actix_header::HeaderMap {
    fn echo(value: &ActixValue) -> Option<ActixValue> {
        Some(value.clone())
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
            headers: Option<Forwarded<ActixValue>>,
        },
        Ready { response: Option<ServiceResponse<EitherBody<B, BoxBody>>> },
    }
}

impl<F, B> CorsFuture<F, B> {
    /// corsair's own answer to `request`, with `status` (a preflight, a refused write).
    fn respond(
        request: ServiceRequest,
        status: http::StatusCode,
        headers: Headers<ActixValue>,
    ) -> Self {
        let mut response = HttpResponse::new(actix_status(status));
        response::write(headers, &mut ActixResponse::new(response.headers_mut()));
        CorsFuture {
            state: State::Ready {
                response: Some(request.into_response(response).map_into_right_body()),
            },
        }
    }

    /// The inner service's future, with the headers its response gets.
    fn forward(future: F, headers: Headers<ActixValue>) -> Self {
        CorsFuture {
            state: State::Inner {
                future,
                headers: Some(headers.forwarded()),
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
                        let headers = headers.into_headers();
                        response::write(headers, &mut ActixResponse::new(response.headers_mut()));
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
    headers: Forwarded<ActixValue>,
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
        let headers = self.headers.clone().into_headers();
        response::write(headers, &mut ActixResponse::new(response.headers_mut()));
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

/// actix-web's request header map, read in place by
/// [`Policy::decide_with`](crate::Policy::decide_with) (the middleware does so).
///
/// ```
/// use corsair::RequestHeaders;
/// use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
///
/// let mut map = HeaderMap::new();
/// map.insert(HeaderName::from_static("origin"), HeaderValue::from_static("https://a.example"));
/// assert_eq!(RequestHeaders::get_all(&map, &http::header::ORIGIN).count(), 1);
/// let policy = corsair::Policy::builder().allow_origins(["https://a.example"]).build()?;
/// assert!(policy.decide_with("GET", "/", &map).allowed());
/// # Ok::<(), corsair::ConfigError>(())
/// ```
impl RequestHeaders for actix_header::HeaderMap {
    type Value = ActixValue;
    type Values<'a> = std::slice::Iter<'a, ActixValue>;

    // Inlined: the engine passes its names as constants, so the choice of actix-web's
    // constant below is made when compiling.
    // Measured (`insn-count`): without it, 40 instructions more an actual request, 75 to 145 a preflight.
    #[inline(always)]
    fn get_all<'a>(&'a self, name: &HeaderName) -> Self::Values<'a> {
        // The engine's names, as actix-web's constants: nothing to parse.
        let name = if *name == ORIGIN {
            actix_header::ORIGIN
        } else if *name == ACCESS_CONTROL_REQUEST_METHOD {
            actix_header::ACCESS_CONTROL_REQUEST_METHOD
        } else if *name == ACCESS_CONTROL_REQUEST_HEADERS {
            actix_header::ACCESS_CONTROL_REQUEST_HEADERS
        } else if *name == ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK {
            ACTIX_REQUEST_PRIVATE_NETWORK
        } else {
            return get_all_parsed(self, name);
        };
        actix_header::HeaderMap::get_all(self, &name)
    }

    fn as_bytes(value: &ActixValue) -> &[u8] {
        value.as_bytes()
    }
}

/// The values of a name the engine does not ask for (the trait is public): parsed
/// into actix-web's type first.
#[cold]
#[inline(never)]
fn get_all_parsed<'a>(
    map: &'a actix_header::HeaderMap,
    name: &HeaderName,
) -> std::slice::Iter<'a, ActixValue> {
    match ActixName::from_bytes(name.as_str().as_bytes()) {
        Ok(name) => map.get_all(&name),
        Err(_) => [].iter(),
    }
}

/// A response's actix-web header map, as the middleware writes it: with actix-web's
/// own names and values.
struct ActixResponse<'a> {
    map: &'a mut actix_header::HeaderMap,
    /// Whether the map was empty when corsair started writing to it (its answer to a
    /// preflight, or an application response without headers): then it has no `Vary`
    /// nor `Access-Control-*` header but those corsair wrote, and nothing needs looking
    /// up.
    was_empty: bool,
}

impl<'a> ActixResponse<'a> {
    fn new(map: &'a mut actix_header::HeaderMap) -> Self {
        let was_empty = map.is_empty();
        ActixResponse { map, was_empty }
    }

    /// A name corsair writes, as actix-web's constant (inlined, the choice is made when
    /// compiling); any other, parsed.
    #[inline]
    fn name(name: &HeaderName) -> Option<ActixName> {
        use http::header as h;
        Some(match name {
            n if *n == h::ACCESS_CONTROL_ALLOW_ORIGIN => actix_header::ACCESS_CONTROL_ALLOW_ORIGIN,
            n if *n == h::ACCESS_CONTROL_ALLOW_CREDENTIALS => {
                actix_header::ACCESS_CONTROL_ALLOW_CREDENTIALS
            }
            n if *n == h::ACCESS_CONTROL_EXPOSE_HEADERS => {
                actix_header::ACCESS_CONTROL_EXPOSE_HEADERS
            }
            n if *n == h::ACCESS_CONTROL_ALLOW_METHODS => {
                actix_header::ACCESS_CONTROL_ALLOW_METHODS
            }
            n if *n == h::ACCESS_CONTROL_ALLOW_HEADERS => {
                actix_header::ACCESS_CONTROL_ALLOW_HEADERS
            }
            n if *n == h::ACCESS_CONTROL_MAX_AGE => actix_header::ACCESS_CONTROL_MAX_AGE,
            n if *n == ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK => ACTIX_ALLOW_PRIVATE_NETWORK,
            n if *n == h::VARY => actix_header::VARY,
            n => return ActixName::from_bytes(n.as_str().as_bytes()).ok(),
        })
    }
}

impl ResponseHeaders<ActixValue> for ActixResponse<'_> {
    fn set(&mut self, name: HeaderName, value: ActixValue) {
        if let Some(name) = Self::name(&name) {
            self.map.insert(name, value);
        }
    }

    fn remove(&mut self, name: &HeaderName) {
        if let Some(name) = Self::name(name) {
            self.map.remove(name);
        }
    }

    fn for_each_value(&self, name: &HeaderName, f: &mut dyn FnMut(&[u8])) {
        if let Some(name) = Self::name(name) {
            for value in self.map.get_all(name) {
                f(value.as_bytes());
            }
        }
    }

    fn set_if_absent(&mut self, name: HeaderName, value: ActixValue) -> bool {
        let Some(name) = Self::name(&name) else {
            return false;
        };
        // corsair sets each name once: a map that was empty has none of its own.
        if self.was_empty || !self.map.contains_key(&name) {
            self.map.insert(name, value);
            return true;
        }
        false
    }

    fn may_have_access_control_headers(&self) -> bool {
        // As for `http::HeaderMap`: a scan of a few names saves the lookups.
        !self.was_empty
            && (self.map.len_keys() > 8
                || self
                    .map
                    .keys()
                    .any(|name| name.as_str().starts_with("access-control-")))
    }
}
