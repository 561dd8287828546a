//! One client connection: HTTP/1.1 or HTTP/2 (prior knowledge, or `h2` by ALPN over
//! TLS) through hyper-util's auto server, after the TLS handshake when the gateway
//! serves HTTPS, watched by one clock (request head, upstream exchange and idle
//! timeouts), and drained gracefully at shutdown. An upgraded connection (WebSocket)
//! becomes a tunnel run by the same task, under the same idle clock and slot of
//! `max_connections`, closed at shutdown.

use std::error::Error as StdError;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::HeaderValue;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, Sleep};
use tokio_rustls::TlsAcceptor;

use super::config::ServerConfig;
use super::gate::Gate;
use super::limits::{self, Activity, ClientIo};
use super::metrics::{ClientError, METRICS};
use super::proxy::{self, Gateway, Peer, Tunnel, TunnelSlot};
use super::tls::ClientStream;
use super::upstream;

/// The connection settings shared by every connection.
pub(crate) struct Server {
    builder: auto::Builder<TokioExecutor>,
    /// `tls_cert`, `tls_key`: the TLS handshake comes first.
    tls: Option<TlsAcceptor>,
    header_timeout: Duration,
    idle_timeout: Duration,
    upstream_timeout: Duration,
    /// The shortest of the timeouts: the clock never sleeps longer, so that a request
    /// head or an exchange that starts while it sleeps is never overslept (its deadline
    /// is at least this far away) and the clock need not be reset per request.
    tick: Duration,
}

impl Server {
    /// hyper's server, configured from `[server]`.
    pub(crate) fn new(settings: &ServerConfig, tls: Option<TlsAcceptor>) -> Server {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // No header timer of hyper's: it would arm a timer per request head. The
        // connection's clock enforces `header_timeout` instead (see `limits::Activity`).
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(None)
            .max_buf_size(settings.max_header_bytes)
            .max_headers(settings.max_headers);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_header_list_size(u32::try_from(settings.max_header_bytes).unwrap_or(u32::MAX));
        Server {
            builder,
            tls,
            header_timeout: settings.header_timeout,
            idle_timeout: settings.idle_timeout,
            upstream_timeout: settings.upstream_timeout,
            tick: settings
                .header_timeout
                .min(settings.idle_timeout)
                .min(settings.upstream_timeout),
        }
    }
}

/// How a connection ended.
enum Outcome {
    /// Closed by either side, normally.
    Done,
    /// hyper gave up on it.
    Failed(Box<dyn StdError + Send + Sync>),
    /// Not one byte arrived within `header_timeout`.
    FirstByteTimeout,
    /// A request head did not arrive whole within `header_timeout` (HTTP/1.1).
    HeadTimeout,
    /// Nothing moved for `idle_timeout`.
    Idle,
    /// An HTTP/2 connection had no stream open for `idle_timeout` (not counted yet): it
    /// is sent GOAWAY, then closed.
    Streamless,
}

/// Serves one client connection until it closes, fails, times out, or is drained.
pub(crate) async fn serve(
    server: Arc<Server>,
    gateway: Arc<Gateway>,
    stream: TcpStream,
    peer: SocketAddr,
    mut shutdown: watch::Receiver<bool>,
) {
    METRICS.connection_opened();
    let Some(stream) = handshake(&server, stream).await else {
        METRICS.connection_closed();
        return;
    };
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(ClientIo::new(stream, Arc::clone(&activity)));
    let (dedicated, driver) = upstream::dedicated(Arc::clone(&gateway.upstream_permits));
    let tunnel = Arc::new(TunnelSlot::default());
    // One `Arc` for the connection's part of every request: one count per request.
    let peer = Arc::new(Peer {
        ip: address_value(peer),
        dedicated: Arc::new(dedicated),
        activity: Arc::clone(&activity),
        tunnel: Arc::clone(&tunnel),
        upstream_slots: Arc::new(Semaphore::new(gateway.max_upstream_per_connection)),
    });
    let service = service_fn(move |request| {
        // Counted here, as hyper hands the stream over, not when its task first runs:
        // the clock must not see a connection with a stream just opened as streamless.
        let stream = peer
            .activity
            .is_multiplexed()
            .then(|| peer.activity.stream());
        proxy::handle(Arc::clone(&gateway), Arc::clone(&peer), request, stream)
    });
    // hyper's connection is dropped before `end`, which takes the client's stream back
    // from it (a 408, a 400, a tunnel).
    let outcome = {
        let conn = server.builder.serve_connection_with_upgrades(io, service);
        tokio::pin!(conn);
        watch(
            &server,
            &activity,
            conn,
            |conn| conn.graceful_shutdown(),
            driver,
            &mut shutdown,
        )
        .await
    };
    end(outcome, &server, &activity, &tunnel, shutdown).await;
    METRICS.connection_closed();
}

/// Drives one connection until it ends: hyper's connection (`conn`, drained with
/// `graceful_shutdown` at shutdown), the driver of its dedicated upstream connection,
/// the shutdown signal and the connection's clock, all in the connection's task.
///
/// Each future has a gate: the task wakes a few times per request, and each time polls
/// only what was woken (see `gate`).
async fn watch<C>(
    server: &Server,
    activity: &Activity,
    mut conn: Pin<&mut C>,
    graceful_shutdown: impl Fn(Pin<&mut C>),
    mut driver: upstream::Driver,
    shutdown: &mut watch::Receiver<bool>,
) -> Outcome
where
    C: Future<Output = Result<(), Box<dyn StdError + Send + Sync>>>,
{
    let mut draining = *shutdown.borrow();
    if draining {
        graceful_shutdown(conn.as_mut());
    }
    let changed = shutdown.changed();
    tokio::pin!(changed);
    let sleep = tokio::time::sleep_until(Instant::now());
    tokio::pin!(sleep);
    let mut clock = Clock::new(server, activity, sleep);
    let gates = [Gate::new(), Gate::new(), Gate::new(), Gate::new()];
    let [conn_gate, driver_gate, shutdown_gate, clock_gate] = &gates;
    std::future::poll_fn(|cx| {
        // The two connections hand requests and responses to each other: poll again
        // while one woke the other, a few rounds at most (the task is woken anyway).
        for _ in 0..4 {
            if let Poll::Ready(result) = conn_gate.poll(cx, |cx| conn.as_mut().poll(cx)) {
                return Poll::Ready(match result {
                    Ok(()) => Outcome::Done,
                    Err(e) => Outcome::Failed(e),
                });
            }
            // Never completes: it only drives the dedicated upstream connection.
            let _ = driver_gate.poll(cx, |cx| Pin::new(&mut driver).poll(cx));
            let drain = if !draining
                && shutdown_gate
                    .poll(cx, |cx| changed.as_mut().poll(cx))
                    .is_ready()
            {
                true
            } else if let Poll::Ready(tick) = clock_gate.poll(cx, |cx| clock.poll(cx, draining)) {
                // The clock was set again: its next poll registers the task.
                clock_gate.mark_woken();
                match tick {
                    Tick::Nothing => false,
                    Tick::GoAway => true,
                    Tick::Close(outcome) => return Poll::Ready(outcome),
                }
            } else if conn_gate.is_woken() || driver_gate.is_woken() {
                continue;
            } else {
                break;
            };
            if drain {
                draining = true;
                graceful_shutdown(conn.as_mut());
                conn_gate.mark_woken();
            }
        }
        Poll::Pending
    })
    .await
}

/// A connection's clock: one timer, set to the next deadline of the connection (see
/// [`next_deadline`]).
struct Clock<'a> {
    server: &'a Server,
    activity: &'a Activity,
    sleep: Pin<&'a mut Sleep>,
    /// When an HTTP/2 connection without a stream was sent GOAWAY: it gets one tick
    /// more to close by itself.
    goaway: Option<std::time::Instant>,
}

impl<'a> Clock<'a> {
    /// The clock of a connection that starts now.
    fn new(server: &'a Server, activity: &'a Activity, mut sleep: Pin<&'a mut Sleep>) -> Self {
        let now = std::time::Instant::now();
        sleep
            .as_mut()
            .reset(next_deadline(server, activity, now, None));
        Clock {
            server,
            activity,
            sleep,
            goaway: None,
        }
    }

    /// Ready with what the connection must do when the timer fires; the timer is then
    /// set to the next deadline.
    fn poll(&mut self, cx: &mut Context<'_>, draining: bool) -> Poll<Tick> {
        if self.sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let now = std::time::Instant::now();
        let tick = tick(self.server, self.activity, now, draining, &mut self.goaway);
        let deadline = next_deadline(self.server, self.activity, now, self.goaway);
        self.sleep.as_mut().reset(deadline);
        Poll::Ready(tick)
    }
}

/// The client's address as a header value, for `X-Forwarded-For`.
fn address_value(peer: SocketAddr) -> HeaderValue {
    HeaderValue::from_str(&peer.ip().to_string()).unwrap_or(HeaderValue::from_static("unknown"))
}

/// What a tick of the connection's clock asks of the connection.
enum Tick {
    /// Nothing ran out of time.
    Nothing,
    /// An HTTP/2 connection without a stream for `idle_timeout`: send it GOAWAY.
    GoAway,
    /// Close the connection.
    Close(Outcome),
}

/// A tick of the connection's clock at `now`; `goaway`: when the connection was sent
/// GOAWAY for having no stream, set here when it is.
fn tick(
    server: &Server,
    activity: &Activity,
    now: std::time::Instant,
    draining: bool,
    goaway: &mut Option<std::time::Instant>,
) -> Tick {
    match expired(server, activity, now, *goaway) {
        None => Tick::Nothing,
        Some(Outcome::Streamless) => {
            METRICS.client_error(ClientError::Idle);
            if draining {
                return Tick::Close(Outcome::Idle);
            }
            tracing::debug!("sending GOAWAY to an HTTP/2 connection without a stream");
            *goaway = Some(now);
            Tick::GoAway
        }
        Some(outcome) => Tick::Close(outcome),
    }
}

/// After hyper is done with the connection: runs its tunnel if it was upgraded, or
/// writes what its end calls for (a 408, a 400).
async fn end(
    outcome: Outcome,
    server: &Server,
    activity: &Activity,
    tunnel: &TunnelSlot,
    shutdown: watch::Receiver<bool>,
) {
    match outcome {
        // hyper lets go of an upgraded connection once its 101 is written.
        Outcome::Done => {
            if let Some(tunnel) = tunnel.take() {
                run_tunnel(server, activity, tunnel, shutdown).await;
            }
        }
        Outcome::FirstByteTimeout => tracing::debug!("closing a connection that sent nothing"),
        Outcome::HeadTimeout => head_timeout(activity).await,
        Outcome::Idle | Outcome::Streamless => tracing::debug!("closing an idle connection"),
        Outcome::Failed(error) => failed(&*error, activity).await,
    }
}

/// The TLS handshake, when the gateway serves HTTPS, bounded by `header_timeout` (a
/// client that stalls in it holds a slot of `max_connections` no longer than one that
/// stalls in a request head). `None`: the handshake failed or timed out; the connection
/// is closed.
async fn handshake(server: &Server, stream: TcpStream) -> Option<ClientStream> {
    let Some(acceptor) = &server.tls else {
        return Some(ClientStream::Plain(stream));
    };
    match tokio::time::timeout(server.header_timeout, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => Some(ClientStream::Tls(Box::new(tls))),
        Ok(Err(e)) => {
            METRICS.client_error(ClientError::Malformed);
            tracing::debug!("TLS handshake failed: {e}");
            None
        }
        Err(_) => {
            METRICS.client_error(ClientError::HeaderTimeout);
            tracing::debug!("closing a connection whose TLS handshake did not finish in time");
            None
        }
    }
}

/// Runs an upgraded connection's tunnel until either side closes it, no byte moved
/// either way for `idle_timeout`, or the gateway shuts down (a tunnel has no request
/// boundary to drain at). The connection keeps its slot of `max_connections` meanwhile.
async fn run_tunnel(
    server: &Server,
    activity: &Activity,
    tunnel: Tunnel,
    mut shutdown: watch::Receiver<bool>,
) {
    METRICS.upgraded_opened();
    tokio::pin!(tunnel);
    let mut draining = *shutdown.borrow();
    while !draining {
        let idle_at = activity.last() + server.idle_timeout;
        tokio::select! {
            () = tunnel.as_mut() => break,
            () = tokio::time::sleep_until(Instant::from_std(idle_at)) => {
                if std::time::Instant::now() >= activity.last() + server.idle_timeout {
                    METRICS.client_error(ClientError::Idle);
                    tracing::debug!("closing an idle upgraded connection");
                    break;
                }
            }
            changed = shutdown.changed() => draining = changed.is_err() || *shutdown.borrow(),
        }
    }
    METRICS.upgraded_closed();
}

/// When to look at the clock again: the earliest deadline, but no later than one tick
/// from `now` (see [`Server::tick`]). `goaway`: when a streamless HTTP/2 connection was
/// sent GOAWAY.
fn next_deadline(
    server: &Server,
    activity: &Activity,
    now: std::time::Instant,
    goaway: Option<std::time::Instant>,
) -> Instant {
    let mut deadline = (activity.last() + server.idle_timeout).min(now + server.tick);
    if let Some(since) = activity.head_since() {
        deadline = deadline.min(since + server.header_timeout);
    }
    if let Some(since) = activity.exchange_since() {
        deadline = deadline.min(since + server.upstream_timeout);
    }
    if let Some(since) = activity.streamless_since() {
        deadline = deadline.min(streamless_deadline(server, since, goaway));
    }
    Instant::from_std(deadline)
}

/// When an HTTP/2 connection without a stream since `since` is sent GOAWAY, or, once it
/// was (`goaway`), closed.
fn streamless_deadline(
    server: &Server,
    since: std::time::Instant,
    goaway: Option<std::time::Instant>,
) -> std::time::Instant {
    match goaway {
        Some(at) => at + server.tick,
        None => since + server.idle_timeout,
    }
}

/// Whether a clock ran out. An exchange with the upstream that ran out of time is told
/// so (it answers 504); the connection goes on. A timeout is counted here, before the
/// connection closes, so that the count is there by the time the client sees the close
/// (an HTTP/2 connection without a stream is counted by the caller as it is sent
/// GOAWAY, and not again when it is closed).
fn expired(
    server: &Server,
    activity: &Activity,
    now: std::time::Instant,
    goaway: Option<std::time::Instant>,
) -> Option<Outcome> {
    if let Some(since) = activity.head_since() {
        if now >= since + server.header_timeout {
            METRICS.client_error(ClientError::HeaderTimeout);
            return Some(if activity.read_any() {
                Outcome::HeadTimeout
            } else {
                Outcome::FirstByteTimeout
            });
        }
    }
    if let Some(since) = activity.exchange_since() {
        if now >= since + server.upstream_timeout {
            activity.expire_exchange();
        }
    }
    // A request waiting for its response head is bounded by upstream_timeout instead.
    // An HTTP/2 connection without a stream is idle even while frames (PINGs) move.
    let streamless = activity
        .streamless_since()
        .is_some_and(|since| now >= streamless_deadline(server, since, goaway));
    if streamless && goaway.is_none() {
        return Some(Outcome::Streamless);
    }
    if streamless || (now >= activity.last() + server.idle_timeout && !activity.is_waiting()) {
        if goaway.is_none() {
            METRICS.client_error(ClientError::Idle);
        }
        return Some(Outcome::Idle);
    }
    None
}

/// A request head did not arrive in time (counted already): 408 when part of one
/// arrived (the client is told why), else the connection is only closed, as an idle
/// keep-alive connection.
async fn head_timeout(activity: &Activity) {
    tracing::debug!("request head timeout");
    if let Some(stream) = activity.take_returned() {
        limits::send_request_timeout(stream).await;
    }
}

/// Counts and logs what hyper refused; answers 408 for a request head that did not
/// arrive in time (hyper only closes).
async fn failed(error: &(dyn StdError + Send + Sync + 'static), activity: &Activity) {
    let Some(hyper_error) = error.downcast_ref::<hyper::Error>() else {
        tracing::debug!("connection error: {error}");
        return;
    };
    if hyper_error.is_timeout() {
        // hyper's own header timer is off (the connection's clock does it), but should
        // it fire, the answer is the same.
        METRICS.client_error(ClientError::HeaderTimeout);
        head_timeout(activity).await;
    } else if hyper_error.is_parse_too_large() {
        METRICS.client_error(ClientError::TooLarge);
        tracing::debug!("request head too large: {hyper_error}");
    } else if hyper_error.is_parse() {
        METRICS.client_error(ClientError::Malformed);
        tracing::debug!("malformed request: {hyper_error}");
    } else {
        tracing::debug!("connection error: {hyper_error}");
    }
}
