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

use crate::decision::{
    ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK, Answer, ForwardHeaders, HeaderSet, MakeValue, Name,
    PolicyValue, Reason, RequestKind, Sink, apply,
};
use crate::handle::PolicyHandle;
use crate::request::RequestHeaders;
use crate::response::ResponseHeaders;
use crate::rules::Reasons;
use crate::vary::Vary;

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
        let policy = self.policy.load();
        let plan = policy.decide_core::<_, ToActix, Plan>(
            request.method().as_str(),
            request.path(),
            request.headers(),
            Reasons::WhenLogged,
        );
        match plan {
            Plan::Respond(status, cors) => {
                // A preflight never reaches the application.
                let mut response = HttpResponse::new(actix_status(status));
                apply(cors, &mut Actix::new(response.headers_mut()));
                CorsFuture::ready(request.into_response(response).map_into_right_body())
            }
            Plan::Reject(status, vary) => {
                // A refused preflight: its lone `Vary`, inserted into the empty map.
                let mut response = HttpResponse::new(actix_status(status));
                if !vary.is_empty() {
                    response
                        .headers_mut()
                        .insert(actix_header::VARY, vary.actix_value());
                }
                CorsFuture::ready(request.into_response(response).map_into_right_body())
            }
            Plan::Forward(cors) => CorsFuture::inner(self.service.call(request), Some(cors)),
        }
    }
}

/// What the middleware does with a request, as the engine decides it: neither the
/// kind nor the reason, which only the `tracing` event reads.
enum Plan {
    /// To the application, whose response gets these headers.
    Forward(ForwardHeaders<ActixValue>),
    /// corsair's own answer, with this status and these headers.
    Respond(http::StatusCode, HeaderSet<ActixValue>),
    /// A refused preflight: this status, and no header but this `Vary`.
    Reject(http::StatusCode, Vary),
}

/// An `http` 1 status as actix-web's (`http` 0.2); corsair's statuses all exist in both.
fn actix_status(status: http::StatusCode) -> actix_web::http::StatusCode {
    actix_web::http::StatusCode::from_u16(status.as_u16())
        .unwrap_or(actix_web::http::StatusCode::FORBIDDEN)
}

impl Answer<'_, ActixValue> for Plan {
    #[inline(always)]
    fn forward(_: RequestKind, _: Reason<'_>, headers: ForwardHeaders<ActixValue>) -> Self {
        Plan::Forward(headers)
    }

    #[inline(always)]
    fn respond(
        _: RequestKind,
        _: Reason<'_>,
        status: http::StatusCode,
        headers: HeaderSet<ActixValue>,
    ) -> Self {
        Plan::Respond(status, headers)
    }

    #[inline(always)]
    fn reject(_: RequestKind, _: Reason<'_>, status: http::StatusCode, vary: Vary) -> Self {
        Plan::Reject(status, vary)
    }
}

/// The values of a decision as actix-web's: the request's own, cloned, or the
/// policy's, computed when it was built.
struct ToActix;

impl MakeValue<ActixValue> for ToActix {
    type Out = ActixValue;

    fn echo(value: &ActixValue) -> Option<ActixValue> {
        Some(value.clone())
    }

    fn policy(value: &PolicyValue) -> ActixValue {
        value.actix.clone()
    }

    fn built(value: HeaderValue) -> Option<ActixValue> {
        // The rare request-headers list corsair had to normalize: copied.
        ActixValue::from_bytes(value.as_bytes()).ok()
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
            headers: Option<ForwardHeaders<ActixValue>>,
        },
        Ready { response: Option<ServiceResponse<EitherBody<B, BoxBody>>> },
    }
}

impl<F, B> CorsFuture<F, B> {
    fn inner(future: F, headers: Option<ForwardHeaders<ActixValue>>) -> Self {
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
                        apply(headers.into_set(), &mut Actix::new(response.headers_mut()));
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
    headers: ForwardHeaders<ActixValue>,
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
        apply(
            self.headers.clone().into_set(),
            &mut Actix::new(response.headers_mut()),
        );
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
    // constant below is made when compiling (a call made it at run time, about 38
    // instructions a lookup, `insn-count`).
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

/// A response's actix-web header map, as the middleware writes it.
struct Actix<'a> {
    map: &'a mut actix_header::HeaderMap,
    /// Whether the map was empty when corsair started writing to it (a fresh
    /// preflight answer, or an application response without headers): then it has no
    /// `Vary` nor `Access-Control-*` header, and nothing needs looking up.
    fresh: bool,
}

impl<'a> Actix<'a> {
    fn new(map: &'a mut actix_header::HeaderMap) -> Self {
        let fresh = map.is_empty();
        Actix { map, fresh }
    }

    fn name(name: Name) -> ActixName {
        match name {
            Name::AllowOrigin => actix_header::ACCESS_CONTROL_ALLOW_ORIGIN,
            Name::AllowCredentials => actix_header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            Name::ExposeHeaders => actix_header::ACCESS_CONTROL_EXPOSE_HEADERS,
            Name::AllowMethods => actix_header::ACCESS_CONTROL_ALLOW_METHODS,
            Name::AllowHeaders => actix_header::ACCESS_CONTROL_ALLOW_HEADERS,
            Name::MaxAge => actix_header::ACCESS_CONTROL_MAX_AGE,
            Name::AllowPrivateNetwork => ACTIX_ALLOW_PRIVATE_NETWORK,
        }
    }
}

impl Sink for Actix<'_> {
    type Value = ActixValue;

    fn truth() -> ActixValue {
        const { ActixValue::from_static("true") }
    }

    fn set(&mut self, name: Name, value: ActixValue) {
        self.map.insert(Self::name(name), value);
    }

    fn remove(&mut self, name: Name) {
        self.map.remove(Self::name(name));
    }

    fn may_have_access_control_headers(&self) -> bool {
        // As for `http::HeaderMap`: a scan of a few names saves the lookups.
        !self.fresh
            && (self.map.len_keys() > 8
                || self
                    .map
                    .keys()
                    .any(|name| name.as_str().starts_with("access-control-")))
    }

    fn merge_vary(&mut self, vary: Vary) {
        if vary.is_empty() {
            return;
        }
        if self.fresh || !self.map.contains_key(actix_header::VARY) {
            self.map.insert(actix_header::VARY, vary.actix_value());
            return;
        }
        // The response has a Vary already: merged token by token (a new value).
        vary.merge_into(&mut *self.map);
    }
}
