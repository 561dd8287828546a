//! Connections to the upstream.
//!
//! Two ways, one pool of limits:
//!
//! - **pooled**: hyper-util's pooled client, shared by every client connection. Used for
//!   a client connection's first request, HTTP/2 clients (concurrent streams), upgrades,
//!   whenever a dedicated connection cannot be had, and for every request to an https
//!   upstream (TLS through hyper-rustls; the dedicated path and corsair's own client
//!   speak plain TCP only).
//! - **dedicated**: from its second request on, an HTTP/1.1 keep-alive client connection
//!   gets an upstream connection of its own, used in the client connection's own task:
//!   no pool lookup and no hand-off between tasks (or threads) per request. Requests
//!   without a body (most) go through corsair's own HTTP/1.1 client (`h1/`): the
//!   request's future writes and reads the socket itself, and the response body reads
//!   it as it is polled. Requests with a body (streamed) go through a hyper connection
//!   of their own, driven by the [`Driver`]. At most `pool_max_idle` dedicated
//!   connections exist at once; beyond, the pooled client serves. Dedicated connections
//!   close with their client connection.
//!
//! Every upstream connection, pooled or dedicated, holds one of the
//! `max_upstream_connections` places (see [`Counted`]) while it is open: the pooled
//! client's [`Connector`] waits for one, a dedicated connection is only opened when one
//! is free (half of them at most). How many exchanges one client connection runs at
//! once (`max_upstream_per_connection`) is bounded in `proxy/send.rs`.
//!
//! A request that could not be written on a dedicated connection (the upstream closed it
//! in between) is sent through the pooled client instead, as the pooled client itself
//! retries requests it could not send. A connection the upstream closed while it waited
//! for the next request is seen before it is used (`h1::Conn::still_open`; hyper's
//! connection future sees it by itself), and replaced. When the upstream closes a reused
//! connection after the request was written, before a byte of an answer (its keep-alive
//! timeout may have fired as the request arrived), an idempotent request without a body
//! is sent once more on a fresh connection, as nginx does; the pooled client's requests
//! get the same in `proxy/replay.rs` (`Replay`), on a connection that is not pooled. A
//! connection that
//! answered before
//! the request body was sent whole is never reused: the upstream may read the rest of
//! the body as a request, or stop reading and close (`proxy/send.rs` poisons such a pooled
//! connection; [`Dedicated::send`] drops its sender).

use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Method, Request, Response, Uri};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::{self, Connected, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};

use super::counted::Counted;
use super::forward::{self, Forwarded};
use super::h1;
use super::limits::RequestBody;
use super::metrics::METRICS;

/// A dedicated upstream connection's own future, polled by its client connection's task,
/// with its place in the counts.
type Connection = (
    Pin<Box<http1::Connection<TokioIo<TcpStream>, RequestBody>>>,
    Counted,
);

/// Why a dedicated connection could not give an answer.
pub(crate) enum DedicatedError {
    /// Connecting failed (or timed out: `io::ErrorKind::TimedOut`).
    Connect(std::io::Error),
    /// The exchange failed after the request was (perhaps) written.
    Failed(Box<dyn std::error::Error + Send + Sync>),
    /// No dedicated connection: send it through the pooled client.
    Unavailable(Box<Request<RequestBody>>),
}

/// A dedicated connection's answer.
pub(crate) enum Answer {
    /// From a hyper connection (a request with a body).
    Hyper(Response<Incoming>),
    /// From corsair's own client (a request without a body).
    Own(Response<h1::Body>),
}

/// The dedicated upstream connections of one client connection.
pub(crate) struct Dedicated {
    /// How many requests the client connection has sent.
    requests: AtomicUsize,
    /// The connection for requests without a body, between two requests.
    own: Arc<h1::Slot>,
    /// The sending half, when there is a connection.
    sender: Mutex<Option<SendRequest<RequestBody>>>,
    /// Hands a new connection's future to the [`Driver`].
    driver: mpsc::UnboundedSender<Connection>,
    /// The places of `max_upstream_connections`, shared with the pooled client.
    permits: Arc<Semaphore>,
}

/// Polls the dedicated connection of one client connection. Never completes: select it
/// beside the client connection.
pub(crate) struct Driver {
    incoming: mpsc::UnboundedReceiver<Connection>,
    connection: Option<Connection>,
}

/// A client connection's [`Dedicated`] slot and its [`Driver`].
pub(crate) fn dedicated(permits: Arc<Semaphore>) -> (Dedicated, Driver) {
    let (tx, rx) = mpsc::unbounded_channel();
    (
        Dedicated {
            requests: AtomicUsize::new(0),
            own: Arc::default(),
            sender: Mutex::new(None),
            driver: tx,
            permits,
        },
        Driver {
            incoming: rx,
            connection: None,
        },
    )
}

impl Future for Driver {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        while let Poll::Ready(Some(connection)) = this.incoming.poll_recv(cx) {
            this.connection = Some(connection);
        }
        if let Some((connection, _)) = this.connection.as_mut() {
            if let Poll::Ready(result) = connection.as_mut().poll(cx) {
                if let Err(e) = result {
                    tracing::debug!("dedicated upstream connection: {e}");
                }
                this.connection = None;
            }
        }
        Poll::Pending
    }
}

/// Where a client connection's dedicated connections go, and how many there may be.
pub(crate) struct Target {
    /// The upstream's `host:port`.
    pub(crate) authority: String,
    /// `connect_timeout`.
    pub(crate) connect_timeout: Duration,
    /// The most dedicated connections, over all client connections.
    pub(crate) max: usize,
}

impl Dedicated {
    /// Whether this request should take the dedicated path: the client connection's
    /// second request or later.
    pub(crate) fn wants(&self) -> bool {
        self.requests.fetch_add(1, Ordering::Relaxed) >= 1
    }

    /// Sends a request without a body (origin-form URI) on the dedicated connection of
    /// corsair's own client, connecting first if there is none. The hop-by-hop headers
    /// are still in `request`, and `forwarded` not applied yet: both are done as the
    /// head is written (or to the request, when it goes to the pooled client instead).
    ///
    /// An `async` block rather than an `async fn`: an `async fn` keeps a second copy of
    /// its arguments in its state, and this state is moved with every request's future.
    // The request path's three `async` blocks (`proxy::handle`, `send`, `send_own`), measured
    // together (`scripts/serve-insn.sh`): 220 instructions fewer a preflight, 480 a forwarded one.
    #[allow(clippy::manual_async_fn)]
    pub(crate) fn send_own(
        &self,
        target: &Target,
        request: Request<RequestBody>,
        forwarded: Forwarded<'_>,
    ) -> impl Future<Output = Result<Answer, DedicatedError>> {
        async move {
            let (mut conn, reused) = match self.own.take().filter(|conn| conn.still_open()) {
                Some(conn) => (conn, true),
                // Boxed: connecting is rare, and its state would otherwise enlarge, and be
                // copied with, every request's future.
                None => match Box::pin(self.connect_own(target)).await {
                    Ok(Some(conn)) => (conn, false),
                    Ok(None) => return Err(unavailable(request, forwarded)),
                    Err(e) => return Err(DedicatedError::Connect(e)),
                },
            };
            if let Err(e) = conn.write_head(&request, &forwarded).await {
                if reused {
                    // Closed while it waited (the close was not seen yet): send it anew.
                    return Err(unavailable(request, forwarded));
                }
                return Err(DedicatedError::Failed(Box::new(h1::Error::Io(e))));
            }
            let head_request = request.method() == Method::HEAD;
            let idempotent = is_idempotent(request.method());
            // The request's header map, emptied, takes the response's headers.
            let (mut parts, _) = request.into_parts();
            parts.headers.clear();
            match conn.read_head(head_request, parts.headers).await {
                Ok(head) => Ok(Answer::Own(conn.into_response(head, &self.own))),
                Err(e @ (h1::Error::ClosedBeforeHead | h1::Error::Io(_)))
                    if reused && idempotent && conn.answered_nothing() =>
                {
                    // Boxed: rare, as connecting is.
                    Box::pin(self.send_again(conn, e, target, head_request)).await
                }
                Err(e) => Err(DedicatedError::Failed(Box::new(e))),
            }
        }
    }

    /// Sends the request `failed` wrote last once more, on a fresh connection: `failed`
    /// was reused, and the upstream closed it without a byte of an answer (its
    /// keep-alive timeout may have fired as the request arrived), as nginx does for an
    /// idempotent request. Without a fresh connection, or when it fails too, the exchange
    /// fails.
    async fn send_again(
        &self,
        mut failed: Box<h1::Conn>,
        error: h1::Error,
        target: &Target,
        head_request: bool,
    ) -> Result<Answer, DedicatedError> {
        tracing::debug!(
            "the upstream closed a reused connection without answering ({error}): sending the request again on a fresh one"
        );
        let head = failed.take_written();
        // The failed connection no longer counts against `max`.
        drop(failed);
        let mut conn = match self.connect_own(target).await {
            Ok(Some(conn)) => conn,
            Ok(None) => return Err(DedicatedError::Failed(Box::new(error))),
            Err(e) => return Err(DedicatedError::Connect(e)),
        };
        if let Err(e) = conn.write_encoded(head).await {
            return Err(DedicatedError::Failed(Box::new(h1::Error::Io(e))));
        }
        match conn.read_head(head_request, http::HeaderMap::new()).await {
            Ok(head) => Ok(Answer::Own(conn.into_response(head, &self.own))),
            Err(e) => Err(DedicatedError::Failed(Box::new(e))),
        }
    }

    /// Opens a dedicated connection for corsair's own client, unless the target's
    /// most exist already (`Ok(None)`).
    async fn connect_own(&self, target: &Target) -> std::io::Result<Option<Box<h1::Conn>>> {
        let Some(counted) = Counted::dedicated(&self.permits, target.max) else {
            return Ok(None);
        };
        let stream = open(&target.authority, target.connect_timeout).await?;
        Ok(Some(h1::Conn::new(stream, counted)))
    }

    /// Sends a request (origin-form URI) on the dedicated hyper connection, connecting
    /// first if there is none.
    pub(crate) async fn send(
        &self,
        target: &Target,
        request: Request<RequestBody>,
    ) -> Result<Answer, DedicatedError> {
        let mut sender = match self.ready_sender().await {
            Some(sender) => sender,
            // Boxed: connecting is rare (once per client connection), and its state
            // would otherwise enlarge, and be copied with, every request's future.
            None => match Box::pin(self.connect(target)).await {
                Ok(Some(sender)) => sender,
                Ok(None) => return Err(DedicatedError::Unavailable(Box::new(request))),
                Err(e) => return Err(DedicatedError::Connect(e)),
            },
        };
        let end = request.body().end().cloned();
        match sender.try_send_request(request).await {
            Ok(response) => {
                // A response that came before the request body was sent whole leaves
                // the connection in a state the gateway cannot know: it closes once
                // this exchange is over (the sender dropped).
                if end.is_none_or(|end| end.ended()) {
                    if let Ok(mut slot) = self.sender.lock() {
                        *slot = Some(sender);
                    }
                }
                Ok(Answer::Hyper(response))
            }
            Err(mut e) => match e.take_message() {
                Some(request) => Err(DedicatedError::Unavailable(Box::new(request))),
                None => Err(DedicatedError::Failed(Box::new(e.into_error()))),
            },
        }
    }

    /// The current connection's sender, once it can take a request.
    async fn ready_sender(&self) -> Option<SendRequest<RequestBody>> {
        let mut sender = self.sender.lock().ok()?.take()?;
        if sender.is_closed() {
            return None;
        }
        sender.ready().await.ok()?;
        Some(sender)
    }

    /// Opens a dedicated connection, unless the target's most exist already
    /// (`Ok(None)`).
    async fn connect(&self, target: &Target) -> std::io::Result<Option<SendRequest<RequestBody>>> {
        let Some(counted) = Counted::dedicated(&self.permits, target.max) else {
            return Ok(None);
        };
        let stream = open(&target.authority, target.connect_timeout).await?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(std::io::Error::other)?;
        self.driver
            .send((Box::pin(connection), counted))
            .map_err(|_| std::io::Error::other("the client connection is gone"))?;
        Ok(Some(sender))
    }
}

/// The pooled client's connector: an [`HttpConnector`] (with TLS for an https upstream,
/// through hyper-rustls) that opens a connection only with one of the
/// `max_upstream_connections` places, waiting for one if it must.
#[derive(Clone)]
pub(crate) struct Connector {
    inner: HttpsConnector<HttpConnector>,
    permits: Arc<Semaphore>,
}

impl Connector {
    pub(crate) fn new(inner: HttpsConnector<HttpConnector>, permits: Arc<Semaphore>) -> Connector {
        Connector { inner, permits }
    }
}

/// The TLS client for an https upstream: the Mozilla roots (built in) and the PEM
/// certificates of `upstream_ca`; HTTP/1.1 by ALPN.
pub(crate) fn tls_client(
    upstream_ca: Option<&std::path::Path>,
) -> Result<rustls::ClientConfig, String> {
    crate::net::client_tls(upstream_ca, "upstream_ca")
}

type ConnectFuture =
    Pin<Box<dyn Future<Output = Result<CountedIo, Box<dyn StdError + Send + Sync>>> + Send>>;

impl tower_service::Service<Uri> for Connector {
    type Response = CountedIo;
    type Error = Box<dyn StdError + Send + Sync>;
    type Future = ConnectFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> ConnectFuture {
        let mut inner = self.inner.clone();
        let permits = Arc::clone(&self.permits);
        Box::pin(async move {
            let permit = match Arc::clone(&permits).try_acquire_owned() {
                Ok(permit) => permit,
                Err(_) => {
                    METRICS.upstream_wait(true);
                    permits.acquire_owned().await?
                }
            };
            let counted = Counted::pooled(permit);
            let io = inner.call(uri).await?;
            Ok(CountedIo {
                io,
                _counted: counted,
            })
        })
    }
}

/// A pooled upstream connection (TLS or not), counted while it is open.
pub(crate) struct CountedIo {
    io: MaybeHttpsStream<TokioIo<TcpStream>>,
    _counted: Counted,
}

impl connect::Connection for CountedIo {
    fn connected(&self) -> Connected {
        self.io.connected()
    }
}

impl hyper::rt::Read for CountedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for CountedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// Whether a request may be sent twice (RFC 9110 section 9.2.2).
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

/// A request for the pooled client, with its forwarding headers applied as they would
/// have been for it from the start.
fn unavailable(mut request: Request<RequestBody>, forwarded: Forwarded<'_>) -> DedicatedError {
    forward::remove_hop_by_hop(request.headers_mut(), false);
    forwarded.apply(request.headers_mut());
    DedicatedError::Unavailable(Box::new(request))
}

/// Connects to the upstream within `timeout` (`io::ErrorKind::TimedOut` if not).
async fn open(authority: &str, timeout: Duration) -> std::io::Result<TcpStream> {
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(authority)).await {
        Ok(stream) => stream?,
        Err(_) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "connect timeout",
            ));
        }
    };
    let _ = stream.set_nodelay(true);
    Ok(stream)
}
