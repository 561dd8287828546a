//! The reverse proxy: the policy decides first (preflights are answered here and never
//! reach the upstream), then the request is forwarded (see `upstream.rs` for which
//! connection takes it) and the CORS headers are applied to whatever comes back, the
//! gateway's own 502 and 504 included.

use std::borrow::Cow;
use std::convert::Infallible;
use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use corsair::{Action, Decision, PolicyHandle};
use http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, ORIGIN, TRANSFER_ENCODING};
use http::uri::PathAndQuery;
use http::{HeaderValue, Request, Response, StatusCode, Uri, Version};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{HttpConnector, capture_connection};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::config::{ServerConfig, Upstream};
use super::forward::{self, Forwarded};
use super::h1;
use super::limits::{
    Activity, BodyEnd, BodyTooLarge, Part, RequestBody, RequestBodyError, Stream, Waiting,
};
use super::metrics::{ClientError, METRICS, UpstreamError};
use super::path;
use super::refuse::{self, Refusal};
use super::upstream::{self, Answer, Connector, Dedicated, DedicatedError, is_idempotent};

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
    connect_timeout: Duration,
    /// The most dedicated upstream connections (`pool_max_idle`).
    max_dedicated: usize,
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
            connect_timeout: settings.connect_timeout,
            // Dedicated connections hold half the places at most: the pooled client
            // always has some (a dedicated one serves only its client connection).
            max_dedicated: settings
                .pool_max_idle
                .min(settings.max_upstream_connections / 2),
            upstream_permits,
            max_upstream_per_connection: settings.max_upstream_per_connection,
        })
    }
}

/// What one connection tells its requests: the client's address, and its dedicated
/// upstream connection.
#[derive(Clone)]
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

/// A tunnel between an upgraded client connection and its upstream connection.
pub(crate) type Tunnel = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The tunnel of a connection whose request was upgraded (see [`Peer::tunnel`]). The
/// connection's task runs it, so that the tunnel keeps the connection's slot of
/// `max_connections` and its idle clock.
#[derive(Default)]
pub(crate) struct TunnelSlot(std::sync::Mutex<Option<Tunnel>>);

impl TunnelSlot {
    fn put(&self, tunnel: Tunnel) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(tunnel);
        }
    }

    /// The tunnel left here, if any.
    pub(crate) fn take(&self) -> Option<Tunnel> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Answers one request.
/// `stream`: the HTTP/2 stream's mark, kept open with the response's body.
pub(crate) async fn handle(
    gateway: Arc<Gateway>,
    peer: Peer,
    request: Request<Incoming>,
    stream: Option<Stream>,
) -> Result<Response<ProxyBody>, Infallible> {
    let started = Instant::now();
    // HTTP/1.1: the head is here; the head clock waits for this request's answer.
    let part = Arc::clone(&peer.activity).request_started();
    if let Err(refusal) = refuse::check(request.version(), request.headers()) {
        METRICS.client_error(ClientError::Malformed);
        tracing::debug!("request refused: {refusal}");
        let mut response = Failure::Refused(refusal).response();
        // The head cannot be trusted, nor, with it, where the next request starts.
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        METRICS.response(response.status(), started.elapsed());
        response.body_mut().part = part;
        response.body_mut().stream = stream;
        return Ok(response);
    }
    // The policy and the upstream see the path with its dot segments resolved. CONNECT
    // (authority-form, no path) is refused in `send`.
    let normalized = if request.method() == http::Method::CONNECT {
        Ok(Cow::Borrowed(request.uri().path()))
    } else {
        path::normalize(request.uri().path())
    };
    let path = match normalized {
        Ok(path) => path,
        Err(e) => {
            METRICS.client_error(ClientError::Malformed);
            tracing::debug!(uri = %request.uri(), "request refused: {e}");
            let mut response = Failure::BadRequest(e.to_string()).response();
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
            let sent = send(&gateway, &peer, request, path.as_deref(), h1, started).await;
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

/// Why the gateway answers itself instead of the upstream.
enum Failure {
    BadGateway(String),
    GatewayTimeout(String),
    PayloadTooLarge(u64),
    BadRequest(String),
    /// A request head that RFC 9112 calls invalid.
    Refused(Refusal),
    /// `CONNECT`: the gateway is not a forward proxy.
    Connect,
}

impl Failure {
    fn response(self) -> Response<ProxyBody> {
        let (status, error, detail) = match self {
            Failure::BadGateway(d) => (StatusCode::BAD_GATEWAY, "bad_gateway", d),
            Failure::GatewayTimeout(d) => (StatusCode::GATEWAY_TIMEOUT, "gateway_timeout", d),
            Failure::PayloadTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body is larger than {limit} bytes"),
            ),
            Failure::BadRequest(d) => (StatusCode::BAD_REQUEST, "bad_request", d),
            Failure::Refused(refusal) => {
                let error = match refusal.status() {
                    StatusCode::NOT_IMPLEMENTED => "not_implemented",
                    _ => "bad_request",
                };
                (refusal.status(), error, refusal.to_string())
            }
            Failure::Connect => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "CONNECT is not forwarded: this is a gateway, not a forward proxy".to_owned(),
            ),
        };
        json_response(
            status,
            &serde_json::json!({ "error": error, "detail": detail }),
        )
    }
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

/// Forwards a request that arrived at `started`, for `path` (its path normalized, when
/// that changed it). `h1`: an HTTP/1.1 connection's request, bounded by the
/// connection's clock (one request at a time); else by a timer of its own.
async fn send(
    gateway: &Gateway,
    peer: &Peer,
    mut request: Request<Incoming>,
    path: Option<&str>,
    h1: bool,
    started: Instant,
) -> Result<Response<ProxyBody>, Failure> {
    if let Some(limit) = gateway.max_body_bytes {
        let declared = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit) {
            METRICS.client_error(ClientError::BodyTooLarge);
            return Err(Failure::PayloadTooLarge(limit));
        }
    }
    if request.method() == http::Method::CONNECT {
        return Err(Failure::Connect);
    }
    let upgrade =
        forward::is_upgrade_request(request.version(), request.method(), request.headers());
    let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut request));

    let path = gateway
        .upstream
        .path_for(
            path.unwrap_or(request.uri().path()),
            request.uri().path_and_query(),
        )
        .map_err(Failure::BadRequest)?;
    // An https upstream: every request through the pooled client (see `upstream.rs`).
    let dedicated = !upgrade
        && !gateway.upstream_tls
        && request.version() <= Version::HTTP_11
        && peer.dedicated.wants();
    let client_host = request.headers().get(HOST).cloned().or_else(|| {
        request
            .uri()
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    });
    let (mut parts, body) = request.into_parts();
    if !gateway.forward_underscore_headers {
        forward::remove_underscored(&mut parts.headers);
    }
    // A request body keeps the head clock stopped until it is read whole (HTTP/1.1).
    let has_body = !body.is_end_stream();
    let body_part = (h1 && has_body).then(|| peer.activity.part());
    let forwarded = Forwarded {
        client_ip: &peer.ip,
        client_host,
        upstream_host: &gateway.upstream_host,
        preserve_host: gateway.preserve_host,
        https: gateway.client_tls,
    };
    // Without a body, on the dedicated connection, corsair's own client writes the
    // forwarding headers as it writes the head (`forward::write_forwarded`); hyper's
    // clients need them in the map.
    let own = if dedicated && !has_body {
        Some(forwarded)
    } else {
        forward::remove_hop_by_hop(&mut parts.headers, upgrade);
        forwarded.apply(&mut parts.headers);
        None
    };
    parts.version = Version::HTTP_11;
    parts.uri = if dedicated {
        Uri::from(path)
    } else {
        gateway
            .upstream
            .absolute(path)
            .map_err(Failure::BadRequest)?
    };
    // What it takes to send the request again through the pooled client (see
    // `Replay`): an idempotent request without a body.
    let replay =
        (!dedicated && !has_body && !upgrade && is_idempotent(&parts.method)).then(|| Replay {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            headers: parts.headers.clone(),
        });
    let mut upstream_request = Request::from_parts(
        parts,
        RequestBody::new(body, gateway.max_body_bytes, body_part),
    );
    // A request with a body: if the response comes before the body was sent whole, the
    // upstream connection is not reused (the pooled one is poisoned here, the dedicated
    // one in `upstream.rs`).
    let captured = has_body.then(|| {
        let end = upstream_request.body_mut().track_end();
        (end, capture_connection(&mut upstream_request))
    });

    // The dedicated connection, else (or when it could not take the request) the
    // pooled client; both within `upstream_timeout` (see `Clock`): on HTTP/1.1, the
    // connection's clock tells (no timer per request); on HTTP/2, where requests run
    // side by side, a timer of the request's own. No `async` block around them: a
    // wrapper future would be one more copy of their state per request.
    // With a request body, the clock starts once the body was sent whole: the
    // upload's time is the client's (bounded by `idle_timeout`), not the upstream's.
    let upload = captured.as_ref().map(|(end, _)| end.clone());
    let exchange = h1.then(|| peer.activity.exchange(upload.is_none().then_some(started)));
    let mut clock = Clock {
        kind: if h1 {
            ClockKind::Connection(&peer.activity)
        } else {
            ClockKind::Timer {
                duration: gateway.upstream_timeout,
                activity: &peer.activity,
                armed: None,
            }
        },
        upload,
    };
    if clock.upload.is_none() {
        clock.start();
    }
    // HTTP/2: one of the connection's places for an upstream exchange, held with the
    // response's body (the upstream connection is busy until it ends).
    let slot = if h1 {
        None
    } else {
        let slot = match Arc::clone(&peer.upstream_slots).try_acquire_owned() {
            Ok(slot) => Ok(slot),
            Err(_) => {
                METRICS.upstream_wait(false);
                let acquire = Arc::clone(&peer.upstream_slots).acquire_owned();
                match Bounded::new(&mut clock, acquire).await {
                    Ok(Ok(slot)) => Ok(slot),
                    Ok(Err(_)) | Err(Elapsed) => Err(Elapsed),
                }
            }
        };
        match slot {
            Ok(slot) => Some(slot),
            Err(Elapsed) => {
                METRICS.upstream_error(UpstreamError::Timeout);
                tracing::warn!(upstream = %gateway.upstream, "no upstream connection for this client connection in time");
                return Err(Failure::GatewayTimeout(format!(
                    "no upstream connection within {} s (max_upstream_per_connection)",
                    gateway.upstream_timeout.as_secs_f64()
                )));
            }
        }
    };
    let pooled = |request, clock| Bounded::new(clock, gateway.client.request(request));
    let result = if dedicated {
        // Without a body (no Content-Length above 0, no Transfer-Encoding): corsair's
        // own client; with one, streamed by hyper's.
        let (authority, connect_timeout, max) = (
            gateway.upstream.connect_to.as_str(),
            gateway.connect_timeout,
            gateway.max_dedicated,
        );
        let sent = match own {
            Some(forwarded) => {
                let send = peer.dedicated.send_own(
                    authority,
                    connect_timeout,
                    max,
                    upstream_request,
                    forwarded,
                );
                Bounded::new(&mut clock, send).await
            }
            None => {
                let send = peer
                    .dedicated
                    .send(authority, connect_timeout, max, upstream_request);
                Bounded::new(&mut clock, send).await
            }
        };
        match sent {
            Ok(Ok(answer)) => Ok(Ok(answer)),
            Ok(Err(DedicatedError::Connect(e))) => Ok(Err(Exchange::Connect(e))),
            Ok(Err(DedicatedError::Exchange(e))) => Ok(Err(Exchange::Dedicated(e))),
            Ok(Err(DedicatedError::Unavailable(mut request))) => {
                // Not written: through the pooled client, with an absolute URI (its
                // path has the prefix already).
                let path = request
                    .uri()
                    .path_and_query()
                    .cloned()
                    .unwrap_or_else(|| PathAndQuery::from_static("/"));
                match gateway.upstream.absolute(path) {
                    Ok(uri) => {
                        *request.uri_mut() = uri;
                        pooled(*request, &mut clock)
                            .await
                            .map(|r| r.map(Answer::Hyper).map_err(Exchange::Pooled))
                    }
                    Err(e) => Ok(Err(Exchange::Connect(std::io::Error::other(e)))),
                }
            }
            Err(elapsed) => Err(elapsed),
        }
    } else {
        pooled(upstream_request, &mut clock)
            .await
            .map(|r| r.map(Answer::Hyper).map_err(Exchange::Pooled))
    };
    let result = match (result, replay) {
        (Ok(Err(Exchange::Pooled(e))), Some(replay)) if closed_without_answer(&e) => {
            tracing::debug!(
                "the upstream closed a connection without answering ({}): sending the request again on a fresh one",
                chain(&e)
            );
            Bounded::new(&mut clock, gateway.fresh.request(replay.request()))
                .await
                .map(|r| r.map(Answer::Hyper).map_err(Exchange::Pooled))
        }
        (result, _) => result,
    };
    drop((exchange, clock));
    if let Some((end, captured)) = &captured {
        if !end.ended() {
            if let Some(connected) = captured.connection_metadata().as_ref() {
                connected.poison();
            }
        }
    }
    let answer = match result {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => return Err(classify(&e, &gateway.upstream)),
        Err(Elapsed) => {
            METRICS.upstream_error(UpstreamError::Timeout);
            tracing::warn!(upstream = %gateway.upstream, "the upstream did not answer in time");
            return Err(Failure::GatewayTimeout(format!(
                "the upstream did not answer within {} s",
                gateway.upstream_timeout.as_secs_f64()
            )));
        }
    };

    // The client's connection has a version of its own: hyper's server writes the
    // response's (an HTTP/1.0 upstream's `HTTP/1.0` would make it delimit the body by
    // the close, where a cut could not be seen) and brings it down to HTTP/1.0 for
    // HTTP/1.0 clients.
    match answer {
        Answer::Hyper(mut response) => {
            let switching = response.status() == StatusCode::SWITCHING_PROTOCOLS;
            if let (true, Some(client_upgrade)) = (switching, client_upgrade) {
                let upstream_upgrade = hyper::upgrade::on(&mut response);
                peer.tunnel
                    .put(Box::pin(tunnel(client_upgrade, upstream_upgrade)));
            }
            let (mut parts, body) = response.into_parts();
            if parts.headers.contains_key(TRANSFER_ENCODING) {
                // RFC 9112 section 6.3: Transfer-Encoding overrides a Content-Length
                // (hyper's client decoded the body by it), which must not be passed on.
                parts.headers.remove(CONTENT_LENGTH);
            }
            forward::remove_hop_by_hop(&mut parts.headers, switching && upgrade);
            parts.version = Version::HTTP_11;
            let mut body = ProxyBody::upstream(Inner::Upstream(body));
            body.slot = slot;
            Ok(Response::from_parts(parts, body))
        }
        // Never an upgrade (corsair's own client refuses a 101), and its head comes
        // without the hop-by-hop headers already.
        Answer::Own(mut response) => {
            *response.version_mut() = Version::HTTP_11;
            Ok(response.map(|body| {
                let mut body = ProxyBody::upstream(Inner::Own(body));
                body.slot = slot;
                body
            }))
        }
    }
}

/// An idempotent request without a body, kept to be sent once more on a fresh
/// connection when the pooled one it went on closes without a complete response head
/// (the upstream's keep-alive timeout may have fired as it arrived), as nginx does.
struct Replay {
    method: http::Method,
    uri: Uri,
    headers: http::HeaderMap,
}

impl Replay {
    fn request(self) -> Request<RequestBody> {
        let mut request = Request::new(RequestBody::empty());
        *request.method_mut() = self.method;
        *request.uri_mut() = self.uri;
        *request.headers_mut() = self.headers;
        request
    }
}

/// Whether the pooled client's exchange failed because the upstream closed (or reset)
/// the connection before a complete response head, after the request was sent.
fn closed_without_answer(error: &hyper_util::client::legacy::Error) -> bool {
    if error.is_connect() {
        return false;
    }
    let mut source = error.source();
    while let Some(e) = source {
        if let Some(hyper_error) = e.downcast_ref::<hyper::Error>() {
            if hyper_error.is_incomplete_message() {
                return true;
            }
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionReset {
                return true;
            }
        }
        source = e.source();
    }
    false
}

/// What bounds an exchange with the upstream in time: `upstream_timeout` from its
/// start, which is when its request body, if any, was sent whole.
struct Clock<'a> {
    kind: ClockKind<'a>,
    /// The request body still on its way upstream: the clock starts when it ends.
    upload: Option<BodyEnd>,
}

enum ClockKind<'a> {
    /// The client connection's clock (HTTP/1.1: one exchange at a time).
    Connection(&'a Activity),
    /// A timer of the request's own (HTTP/2), armed when the clock starts, with the
    /// mark that the request is waiting for the upstream.
    Timer {
        duration: Duration,
        activity: &'a Arc<Activity>,
        armed: Option<(Pin<Box<tokio::time::Sleep>>, Waiting)>,
    },
}

impl Clock<'_> {
    /// Starts the clock now.
    fn start(&mut self) {
        match &mut self.kind {
            ClockKind::Connection(activity) => activity.start_exchange(),
            ClockKind::Timer {
                duration,
                activity,
                armed,
            } => {
                *armed = Some((Box::pin(tokio::time::sleep(*duration)), activity.waiting()));
            }
        }
    }

    /// Whether the exchange ran out of time; if not, the task of `cx` is woken when it
    /// does (or when the clock starts).
    fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> bool {
        if let Some(upload) = &self.upload {
            if !upload.poll_ended(cx) {
                return false;
            }
            self.upload = None;
            self.start();
        }
        match &mut self.kind {
            ClockKind::Connection(activity) => activity.poll_exchange_expired(cx),
            ClockKind::Timer { armed, .. } => armed
                .as_mut()
                .is_some_and(|(timer, _)| timer.as_mut().poll(cx).is_ready()),
        }
    }
}

/// The exchange ran out of `upstream_timeout`.
struct Elapsed;

pin_project_lite::pin_project! {
    /// An exchange with the upstream, given up with [`Elapsed`] when its [`Clock`] says
    /// so. A struct rather than an `async` block: it adds no copy of the exchange's
    /// state.
    struct Bounded<'c, 'a, F> {
        clock: &'c mut Clock<'a>,
        #[pin]
        exchange: F,
    }
}

impl<'c, 'a, F> Bounded<'c, 'a, F> {
    fn new(clock: &'c mut Clock<'a>, exchange: F) -> Bounded<'c, 'a, F> {
        Bounded { clock, exchange }
    }
}

impl<F: Future> Future for Bounded<'_, '_, F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.exchange.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        if this.clock.poll_elapsed(cx) {
            Poll::Ready(Err(Elapsed))
        } else {
            Poll::Pending
        }
    }
}

/// Copies bytes both ways between an upgraded client connection and the upgraded
/// upstream connection, until either side closes (the connection's task also closes it
/// when idle, or at shutdown: see `conn.rs`).
async fn tunnel(client: hyper::upgrade::OnUpgrade, upstream: hyper::upgrade::OnUpgrade) {
    let (client, upstream) = match tokio::join!(client, upstream) {
        (Ok(c), Ok(u)) => (c, u),
        (Err(e), _) | (_, Err(e)) => {
            tracing::debug!("upgrade failed: {e}");
            return;
        }
    };
    let mut client = TokioIo::new(client);
    let mut upstream = TokioIo::new(upstream);
    match tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
        Ok((up, down)) => tracing::debug!(up, down, "upgraded connection closed"),
        Err(e) => tracing::debug!("upgraded connection failed: {e}"),
    }
}

/// How an exchange with the upstream failed.
#[derive(Debug)]
enum Exchange {
    /// Through the pooled client.
    Pooled(hyper_util::client::legacy::Error),
    /// Connecting a dedicated connection.
    Connect(std::io::Error),
    /// On a dedicated connection.
    Dedicated(Box<dyn StdError + Send + Sync>),
}

impl Exchange {
    fn error(&self) -> &(dyn StdError + 'static) {
        match self {
            Exchange::Pooled(e) => e,
            Exchange::Connect(e) => e,
            Exchange::Dedicated(e) => &**e,
        }
    }

    fn is_connect(&self) -> bool {
        match self {
            Exchange::Pooled(e) => e.is_connect(),
            Exchange::Connect(_) => true,
            Exchange::Dedicated(_) => false,
        }
    }
}

/// Maps a failed exchange to the gateway's answer, and counts it.
fn classify(exchange: &Exchange, upstream: &Upstream) -> Failure {
    let error = exchange.error();
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    let mut timed_out = false;
    while let Some(e) = source {
        if let Some(too_large) = e.downcast_ref::<BodyTooLarge>() {
            METRICS.client_error(ClientError::BodyTooLarge);
            return Failure::PayloadTooLarge(too_large.0);
        }
        if let Some(RequestBodyError::Client(client)) = e.downcast_ref::<RequestBodyError>() {
            // The client's request body failed (malformed chunked encoding, or the
            // client went away): the client's error, not the upstream's.
            METRICS.client_error(ClientError::Malformed);
            tracing::debug!("the client's request body failed: {client}");
            return Failure::BadRequest(format!("the request body could not be read: {client}"));
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            timed_out |= io.kind() == std::io::ErrorKind::TimedOut;
        }
        source = e.source();
    }
    let detail = chain(error);
    let connect = exchange.is_connect();
    if timed_out && connect {
        METRICS.upstream_error(UpstreamError::Timeout);
        tracing::warn!(%upstream, "cannot connect to the upstream in time: {detail}");
        return Failure::GatewayTimeout(format!(
            "cannot connect to the upstream in time: {detail}"
        ));
    }
    if connect {
        METRICS.upstream_error(UpstreamError::Connect);
        tracing::warn!(%upstream, "cannot connect to the upstream: {detail}");
        return Failure::BadGateway(format!("cannot connect to the upstream: {detail}"));
    }
    METRICS.upstream_error(UpstreamError::Protocol);
    tracing::warn!(%upstream, "the upstream failed: {detail}");
    Failure::BadGateway(format!("the upstream failed: {detail}"))
}

/// An error and its causes, on one line.
fn chain(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let more = e.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = e.source();
    }
    text
}

/// A response body: the upstream's, streamed as it comes, or one of the gateway's own.
pub(crate) struct ProxyBody {
    inner: Inner,
    /// The response's part of its HTTP/1.1 request: when hyper drops the body, the
    /// response was written whole (or given up), and the next request head is awaited.
    part: Option<Part>,
    /// The response's HTTP/2 stream: open until hyper drops the body.
    stream: Option<Stream>,
    /// The client connection's place for an upstream exchange (HTTP/2), held until
    /// the upstream's body is done.
    slot: Option<OwnedSemaphorePermit>,
}

/// The error of a [`ProxyBody`]: the upstream's body failed.
type BodyError = Box<dyn StdError + Send + Sync>;

enum Inner {
    /// Through hyper's client.
    Upstream(Incoming),
    /// Through corsair's own client.
    Own(h1::Body),
    /// The gateway's own, whole.
    Full(Option<Bytes>),
}

impl ProxyBody {
    /// No body.
    pub(crate) fn empty() -> ProxyBody {
        ProxyBody {
            inner: Inner::Full(None),
            part: None,
            stream: None,
            slot: None,
        }
    }

    /// A body of the gateway's own.
    pub(crate) fn full(bytes: Bytes) -> ProxyBody {
        ProxyBody {
            inner: Inner::Full((!bytes.is_empty()).then_some(bytes)),
            part: None,
            stream: None,
            slot: None,
        }
    }

    fn upstream(inner: Inner) -> ProxyBody {
        ProxyBody {
            inner,
            part: None,
            stream: None,
            slot: None,
        }
    }
}

/// Counts and logs a failed upstream body, and passes the error on: hyper then cuts
/// the client's response short (never passing a partial body off as whole).
fn body_failed(error: BodyError) -> BodyError {
    METRICS.upstream_error(UpstreamError::Body);
    tracing::warn!("the upstream's response body failed: {error}");
    error
}

impl Body for ProxyBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        match &mut self.get_mut().inner {
            Inner::Upstream(body) => match Pin::new(body).poll_frame(cx) {
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(body_failed(Box::new(e))))),
                polled => polled.map(|frame| frame.map(|f| f.map_err(BodyError::from))),
            },
            Inner::Own(body) => match Pin::new(body).poll_frame(cx) {
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(body_failed(Box::new(e))))),
                polled => polled.map(|frame| frame.map(|f| f.map_err(BodyError::from))),
            },
            Inner::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Upstream(body) => body.is_end_stream(),
            Inner::Own(body) => body.is_end_stream(),
            Inner::Full(bytes) => bytes.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Upstream(body) => body.size_hint(),
            Inner::Own(body) => body.size_hint(),
            Inner::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
        }
    }
}
