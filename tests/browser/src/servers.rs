//! The servers the suite starts on loopback, each on a port of its own: the page server
//! (the main page at `http://127.0.0.1:P1`, the other page at `http://localhost:P2`),
//! the axum API server (tower adapter) and the actix-web API server (actix adapter).
//!
//! Both API servers log every request they receive before corsair sees it, preflights
//! included, so the suite can count what Chromium sent.

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};

use actix_web::dev::{ServerHandle, Service};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use corsair::{CorsLayer, PolicyHandle};
use http::header::{
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, COOKIE, HOST, ORIGIN,
};
use http::{HeaderMap, Method, StatusCode};
use tokio::runtime::Runtime;

use crate::app::{AppResponse, respond_to};

/// The cookie the suite puts in Chromium's jar for `127.0.0.1` (`SameSite=Lax`), and
/// looks for in the API servers' logs.
pub const COOKIE_NAME: &str = "sid";

/// One request as an API server received it, with what CORS depends on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seen {
    /// The method, as sent (`patch` stays `patch`).
    pub method: String,
    /// The `Host`: `127.0.0.1:P` or `localhost:P`.
    pub authority: String,
    /// The path and query.
    pub path: String,
    /// `Origin`.
    pub origin: Option<String>,
    /// `Access-Control-Request-Method`.
    pub request_method: Option<String>,
    /// `Access-Control-Request-Headers`.
    pub request_headers: Option<String>,
    /// Whether the suite's cookie came with it.
    pub cookie: bool,
}

impl Seen {
    /// The request's fields, from its parts (`http` 1 types).
    pub fn new(method: &str, authority: &str, path: &str, headers: &HeaderMap) -> Seen {
        let text = |name: &http::HeaderName| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        Seen {
            method: method.to_owned(),
            authority: authority.to_owned(),
            path: path.to_owned(),
            origin: text(&ORIGIN),
            request_method: text(&ACCESS_CONTROL_REQUEST_METHOD),
            request_headers: text(&ACCESS_CONTROL_REQUEST_HEADERS),
            cookie: headers.get_all(COOKIE).iter().any(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .split(';')
                    .any(|c| c.trim().starts_with(&format!("{COOKIE_NAME}=")))
            }),
        }
    }

    /// Whether this is a preflight (`OPTIONS` with `Access-Control-Request-Method`).
    pub fn is_preflight(&self) -> bool {
        self.method == "OPTIONS" && self.request_method.is_some()
    }

    /// The case this request belongs to: the second segment of `/<route>/<case>/...`.
    pub fn case(&self) -> &str {
        self.path.split('/').nth(2).unwrap_or_default()
    }

    /// A short form for reports: `OPTIONS 127.0.0.1:P/strict/c/item origin=... acrm=...`.
    pub fn describe(&self) -> String {
        let mut out = format!("{} {}{}", self.method, self.authority, self.path);
        for (name, value) in [
            ("origin", &self.origin),
            ("acrm", &self.request_method),
            ("acrh", &self.request_headers),
        ] {
            if let Some(value) = value {
                out.push_str(&format!(" {name}={value}"));
            }
        }
        if self.cookie {
            out.push_str(" cookie");
        }
        out
    }
}

/// What an API server received, shared with its logging middleware.
#[derive(Clone, Debug, Default)]
pub struct RequestLog(Arc<Mutex<Vec<Seen>>>);

impl RequestLog {
    fn push(&self, seen: Seen) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(seen);
    }

    /// Everything received so far, in order.
    pub fn snapshot(&self) -> Vec<Seen> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// The running servers. Dropping this stops them.
pub struct Servers {
    runtime: Option<Runtime>,
    actix: Option<(ServerHandle, std::thread::JoinHandle<()>)>,
    /// `http://127.0.0.1:P1`: the main page's origin.
    pub main_origin: String,
    /// `http://localhost:P2`: the other page's origin.
    pub other_origin: String,
    /// `http://127.0.0.1:P3`: the axum API server (tower adapter).
    pub tower_api: String,
    /// What the axum API server received.
    pub tower_log: RequestLog,
    /// `http://127.0.0.1:P4`: the actix-web API server (actix adapter).
    pub actix_api: String,
    /// What the actix-web API server received.
    pub actix_log: RequestLog,
}

impl std::fmt::Debug for Servers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Servers")
            .field("main_origin", &self.main_origin)
            .field("other_origin", &self.other_origin)
            .field("tower_api", &self.tower_api)
            .field("actix_api", &self.actix_api)
            .finish()
    }
}

fn bind() -> Result<(TcpListener, SocketAddr), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let addr = listener.local_addr().map_err(|e| format!("bind: {e}"))?;
    Ok((listener, addr))
}

impl Servers {
    /// Starts every server on `127.0.0.1:0`. `policy` builds the API servers' policy for
    /// the main page's origin (each server gets its own, built from the same file).
    pub fn start(
        policy: impl Fn(&str) -> Result<corsair::Policy, String>,
    ) -> Result<Servers, String> {
        let (main_listener, main_addr) = bind()?;
        let (other_listener, other_addr) = bind()?;
        let (tower_listener, tower_addr) = bind()?;
        let (actix_listener, actix_addr) = bind()?;
        let main_origin = format!("http://127.0.0.1:{}", main_addr.port());
        let tower_policy = policy(&main_origin)?;
        let actix_policy = policy(&main_origin)?;

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("tokio runtime: {e}"))?;
        let tower_log = RequestLog::default();
        {
            let _entered = runtime.enter();
            for (listener, router) in [
                (main_listener, page_router()),
                (other_listener, page_router()),
                (tower_listener, tower_api(tower_policy, tower_log.clone())),
            ] {
                listener
                    .set_nonblocking(true)
                    .map_err(|e| format!("listener: {e}"))?;
                let listener = tokio::net::TcpListener::from_std(listener)
                    .map_err(|e| format!("listener: {e}"))?;
                runtime.spawn(async move {
                    let _ = axum::serve(listener, router).await;
                });
            }
        }

        let actix_log = RequestLog::default();
        let actix = start_actix(actix_listener, actix_policy, actix_log.clone())?;
        Ok(Servers {
            runtime: Some(runtime),
            actix: Some(actix),
            main_origin,
            other_origin: format!("http://localhost:{}", other_addr.port()),
            tower_api: format!("http://127.0.0.1:{}", tower_addr.port()),
            tower_log,
            actix_api: format!("http://127.0.0.1:{}", actix_addr.port()),
            actix_log,
        })
    }

    /// The URL of the page whose sandboxed iframe (`sandbox="allow-scripts"`) has the
    /// opaque origin, serialized `null`.
    pub fn sandbox_page(&self) -> String {
        format!("{}/sandbox", self.main_origin)
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        if let Some((handle, thread)) = self.actix.take() {
            if let Some(runtime) = &self.runtime {
                runtime.block_on(handle.stop(false));
            }
            let _ = thread.join();
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

const BLANK_PAGE: &str = "<!doctype html><meta charset=utf-8><title>corsair browser suite</title>";
const SANDBOX_PAGE: &str = "<!doctype html><meta charset=utf-8><title>sandbox</title>\
    <iframe sandbox=\"allow-scripts\" src=\"/frame\"></iframe>";

/// The pages: `/` and `/frame` are blank, `/sandbox` holds a sandboxed iframe of
/// `/frame`. No CORS here: scripts only run on these pages.
fn page_router() -> axum::Router {
    let html = |body: &'static str| {
        move || async move {
            Response::builder()
                .header("content-type", "text/html; charset=utf-8")
                .header("cache-control", "no-store")
                .body(Body::from(body))
                .unwrap_or_default()
        }
    };
    axum::Router::new()
        .route("/", axum::routing::get(html(BLANK_PAGE)))
        .route("/frame", axum::routing::get(html(BLANK_PAGE)))
        .route("/sandbox", axum::routing::get(html(SANDBOX_PAGE)))
        .route(
            "/favicon.ico",
            axum::routing::get(|| async { StatusCode::NOT_FOUND }),
        )
}

/// The axum API server: the test application behind corsair's tower layer, behind the
/// request log.
fn tower_api(policy: corsair::Policy, log: RequestLog) -> axum::Router {
    axum::Router::new()
        .fallback(axum_app)
        .layer(CorsLayer::new(policy))
        .layer(axum::middleware::from_fn_with_state(log, record))
}

async fn record(State(log): State<RequestLog>, request: Request, next: Next) -> Response {
    let authority = request
        .headers()
        .get(HOST)
        .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned())
        .unwrap_or_default();
    let path = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_owned(),
        |p| p.as_str().to_owned(),
    );
    log.push(Seen::new(
        request.method().as_str(),
        &authority,
        &path,
        request.headers(),
    ));
    next.run(request).await
}

async fn axum_app(request: Request) -> Response {
    let authority = request
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let origin = request
        .headers()
        .get(http::header::ORIGIN)
        .and_then(|o| o.to_str().ok());
    let answer = respond_to(request.method(), request.uri().path(), authority, origin);
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = answer.status;
    for (name, value) in answer.headers {
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// Starts the actix-web API server on its own thread (actix runs its own runtime): the
/// test application behind `corsair::actix::Cors`, behind the request log.
fn start_actix(
    listener: TcpListener,
    policy: corsair::Policy,
    log: RequestLog,
) -> Result<(ServerHandle, std::thread::JoinHandle<()>), String> {
    let cors = corsair::actix::Cors::new(PolicyHandle::new(policy));
    let (sender, receiver) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("actix-api".into())
        .spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let server = actix_web::HttpServer::new(move || {
                    let log = log.clone();
                    actix_web::App::new()
                        .wrap(cors.clone())
                        // Registered last, so it runs first: it sees preflights too.
                        .wrap_fn(move |request, service| {
                            log.push(actix_seen(&request));
                            service.call(request)
                        })
                        .default_service(actix_web::web::to(actix_app))
                })
                .workers(1)
                .disable_signals()
                .listen(listener);
                match server {
                    Ok(server) => {
                        let server = server.run();
                        let _ = sender.send(Ok(server.handle()));
                        let _ = server.await;
                    }
                    Err(e) => {
                        let _ = sender.send(Err(format!("actix-web: {e}")));
                    }
                }
            });
        })
        .map_err(|e| format!("actix thread: {e}"))?;
    let handle = receiver
        .recv()
        .map_err(|e| format!("actix-web did not start: {e}"))??;
    Ok((handle, thread))
}

/// actix-web 4 has `http` 0.2 types: the headers the log needs, byte for byte.
fn to_http_headers(from: &actix_web::http::header::HeaderMap) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in from {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

fn actix_seen(request: &actix_web::dev::ServiceRequest) -> Seen {
    let headers = to_http_headers(request.headers());
    let authority = headers
        .get(HOST)
        .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned())
        .unwrap_or_default();
    let uri = request.uri();
    let path = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    Seen::new(request.method().as_str(), &authority, &path, &headers)
}

/// An application error (5xx): actix-web turns it into its response after the
/// middleware ran, which is the path where CORS headers get lost if an adapter is
/// careless.
#[derive(Debug)]
struct AppError(AppResponse);

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "application error {}", self.0.status)
    }
}

impl actix_web::ResponseError for AppError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::from_u16(self.0.status.as_u16())
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        actix_response(&self.0)
    }
}

fn actix_response(answer: &AppResponse) -> actix_web::HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(answer.status.as_u16())
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = actix_web::HttpResponse::build(status);
    for (name, value) in &answer.headers {
        builder.append_header((*name, value.as_str()));
    }
    builder.body(answer.body.clone())
}

async fn actix_app(request: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, AppError> {
    let method = Method::from_bytes(request.method().as_str().as_bytes()).unwrap_or(Method::GET);
    let authority = request
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let origin = request
        .headers()
        .get("origin")
        .and_then(|o| o.to_str().ok());
    let answer = respond_to(&method, request.path(), authority, origin);
    if answer.status.is_server_error() {
        return Err(AppError(answer));
    }
    Ok(actix_response(&answer))
}
