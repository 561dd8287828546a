//! The reverse proxy: the policy decides first (preflights are answered here and never
//! reach the upstream), then the request is forwarded (`send.rs`; see `upstream.rs` for
//! which connection takes it) and the CORS headers are applied to whatever comes back,
//! the gateway's own 502 and 504 included.
//!
//! - `send.rs`: forwarding one request, step by step;
//! - `clock.rs`: the time limit of an exchange (`upstream_timeout`);
//! - `replay.rs`: sending a request once more when a pooled connection closed unanswered;
//! - `failure.rs`: the gateway's own answers, and what a failed exchange maps to;
//! - `body.rs`: the response body;
//! - `tunnel.rs`: upgraded connections.

mod body;
mod clock;
mod failure;
mod replay;
mod send;
mod tunnel;

use std::borrow::Cow;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use corsair::{Action, Decision, PolicyHandle};
use http::header::{CONTENT_TYPE, ORIGIN};
use http::{HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::sync::Semaphore;

use super::config::{ServerConfig, Upstream};
use super::limits::{Activity, RequestBody, Stream};
use super::metrics::{ClientError, METRICS};
use super::path;
use super::refuse;
use super::upstream::{self, Connector, Dedicated};

pub(crate) use body::ProxyBody;
use failure::Failure;
pub(crate) use tunnel::{Tunnel, TunnelSlot};

/// Everything a request needs, shared by every connection.
pub(crate) struct Gateway {
    /// The policy, swapped on reload.
    pub(crate) policy: PolicyHandle,
    upstream: Upstream,
    /// The upstream's `host:port`, for `Host`.
    upstream_host: HeaderValue,
    client: Client<Connector, RequestBody>,
    /// A client that keeps no connection: for a request sent again (see [`Replay`]).
    fresh: Client<Connector, RequestBody>,
    /// The places of `max_upstream_connections`, for the pooled client and the
    /// dedicated connections.
    pub(crate) upstream_permits: Arc<Semaphore>,
    /// `max_upstream_per_connection`.
    pub(crate) max_upstream_per_connection: usize,
    preserve_host: bool,
    /// Whether clients connect with TLS (`tls_cert`): `X-Forwarded-Proto: https`.
    client_tls: bool,
    /// Whether the upstream is https: no dedicated connections.
    upstream_tls: bool,
    forward_underscore_headers: bool,
    max_body_bytes: Option<u64>,
    upstream_timeout: Duration,
    /// Where the dedicated upstream connections go, and how many there may be.
    dedicated: upstream::Target,
}

impl Gateway {
    /// A gateway in front of `upstream`, with a pooled HTTP/1.1 client.
    pub(crate) fn new(
        policy: PolicyHandle,
        upstream: Upstream,
        settings: &ServerConfig,
    ) -> Result<Gateway, String> {
        let upstream_tls = upstream.scheme == http::uri::Scheme::HTTPS;
        let upstream_host = HeaderValue::from_str(upstream.authority.as_str())
            .map_err(|e| format!("the upstream's host is not a header value: {e}"))?;
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(settings.connect_timeout));
        // An https upstream goes through the TLS connector; an http one too (it only
        // wraps the TCP connection when the URL is https).
        connector.enforce_http(false);
        let tls = upstream::tls_client(settings.upstream_ca.as_deref())?;
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let upstream_permits = Arc::new(Semaphore::new(settings.max_upstream_connections));
        let connector = Connector::new(connector, Arc::clone(&upstream_permits));
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(settings.pool_idle_timeout)
            .pool_max_idle_per_host(settings.pool_max_idle)
            .build(connector.clone());
        let fresh = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_max_idle_per_host(0)
            .build(connector);
        let connect_to = upstream.connect_to.clone();
        Ok(Gateway {
            policy,
            upstream,
            upstream_host,
            client,
            fresh,
            preserve_host: settings.preserve_host,
            client_tls: settings.tls_cert.is_some(),
            upstream_tls,
            forward_underscore_headers: settings.forward_underscore_headers,
            max_body_bytes: settings.max_body_bytes,
            upstream_timeout: settings.upstream_timeout,
            dedicated: upstream::Target {
                authority: connect_to,
                connect_timeout: settings.connect_timeout,
                // Dedicated connections hold half the places at most: the pooled client
                // always has some (a dedicated one serves only its client connection).
                max: settings
                    .pool_max_idle
                    .min(settings.max_upstream_connections / 2),
            },
            upstream_permits,
            max_upstream_per_connection: settings.max_upstream_per_connection,
        })
    }
}

/// What one connection tells its requests: the client's address, and its dedicated
/// upstream connection.
pub(crate) struct Peer {
    /// The client's IP as a header value, for `X-Forwarded-For`.
    pub(crate) ip: HeaderValue,
    /// The connection's dedicated upstream connection (HTTP/1.1 keep-alive clients).
    pub(crate) dedicated: Arc<Dedicated>,
    /// The connection's activity clock.
    pub(crate) activity: Arc<Activity>,
    /// The upstream exchanges this connection may run at once
    /// (`max_upstream_per_connection`; HTTP/2 streams wait for one).
    pub(crate) upstream_slots: Arc<Semaphore>,
    /// Where an upgraded request leaves its tunnel, for the connection's task to run
    /// once hyper let go of the connection.
    pub(crate) tunnel: Arc<TunnelSlot>,
}

/// Answers one request.
/// `stream`: the HTTP/2 stream's mark, kept open with the response's body.
///
/// An `async` block rather than an `async fn`: an `async fn` keeps a second copy of its
/// arguments in its state, and hyper moves this state with every request.
// The request path's three `async` blocks (`proxy::handle`, `send`, `send_own`), measured
// together (`scripts/serve-insn.sh`): 220 instructions fewer a preflight, 480 a forwarded one.
#[allow(clippy::manual_async_fn)]
pub(crate) fn handle(
    gateway: Arc<Gateway>,
    peer: Arc<Peer>,
    request: Request<Incoming>,
    stream: Option<Stream>,
) -> impl Future<Output = Result<Response<ProxyBody>, Infallible>> {
    async move {
        let started = Instant::now();
        // HTTP/1.1: the head is here; the head clock waits for this request's answer.
        let part = Arc::clone(&peer.activity).request_started();
        let path = match checked_path(&request) {
            Ok(path) => path,
            Err(failure) => {
                let mut response = failure.response();
                METRICS.response(response.status(), started.elapsed());
                response.body_mut().part = part;
                response.body_mut().stream = stream;
                return Ok(response);
            }
        };
        let (action, cors) = {
            let policy = gateway.policy.load();
            let decision = policy.decide(request.method(), &path, request.headers());
            METRICS.decision(&decision);
            if !decision.allowed() {
                log_rejection(&decision, &request);
            }
            (decision.action(), decision.into_headers())
        };
        // `None`: the path as the client sent it.
        let path = match path {
            Cow::Borrowed(_) => None,
            Cow::Owned(path) => Some(path),
        };
        let mut response = match action {
            Action::Respond(status) => {
                let mut response = Response::new(ProxyBody::empty());
                *response.status_mut() = status;
                cors.apply_to(response.headers_mut());
                response
            }
            Action::Forward => {
                // Awaited here rather than in a helper: every level of nested `async fn`
                // moves its whole state (kilobytes) once more per request.
                let h1 = part.is_some();
                let sent = send::send(&gateway, &peer, request, path.as_deref(), h1, started).await;
                let mut response = match sent {
                    Ok(response) => response,
                    Err(failure) => failure.response(),
                };
                cors.apply_to(response.headers_mut());
                response
            }
        };
        METRICS.response(response.status(), started.elapsed());
        response.body_mut().part = part;
        response.body_mut().stream = stream;
        Ok(response)
    }
}

/// The request's path as the policy and the upstream see it, with its dot segments
/// resolved; or why the gateway refuses the request.
fn checked_path(request: &Request<Incoming>) -> Result<Cow<'_, str>, Failure> {
    if let Err(refusal) = refuse::check(request.version(), request.headers()) {
        METRICS.client_error(ClientError::Malformed);
        tracing::debug!("request refused: {refusal}");
        return Err(Failure::Refused(refusal));
    }
    // CONNECT (authority-form, no path) is refused in `send`.
    if request.method() == http::Method::CONNECT {
        return Ok(Cow::Borrowed(request.uri().path()));
    }
    path::normalize(request.uri().path()).map_err(|e| {
        METRICS.client_error(ClientError::Malformed);
        tracing::debug!(uri = %request.uri(), "request refused: {e}");
        Failure::BadRequest(e.to_string())
    })
}

fn log_rejection(decision: &Decision<'_>, request: &Request<Incoming>) {
    let origin = request
        .headers()
        .get(ORIGIN)
        .map(|v| v.to_str().unwrap_or("<not ASCII>"));
    tracing::info!(
        kind = decision.kind().as_str(),
        reason = decision.reason().code(),
        origin,
        method = request.method().as_str(),
        path = request.uri().path(),
        "CORS request rejected: {}",
        decision.reason()
    );
}

/// A small JSON answer of the gateway's own.
pub(crate) fn json_response(status: StatusCode, body: &serde_json::Value) -> Response<ProxyBody> {
    let mut text = body.to_string();
    text.push('\n');
    let mut response = Response::new(ProxyBody::full(Bytes::from(text)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
