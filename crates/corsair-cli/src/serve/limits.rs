//! Limits against bad clients: the activity clock behind the idle, request-head and
//! upstream timeouts, the optional request body limit, and the answers for what hyper
//! refuses.
//!
//! Which limit does what:
//!
//! | limit | enforced by | answer |
//! |---|---|---|
//! | `max_connections` | a semaphore taken before `accept`, held until the connection (or its upgraded tunnel) closes | none: further connections wait in the listen backlog |
//! | `max_upstream_connections` | a semaphore: a place per open upstream connection (`upstream.rs`) | the request waits for one, within `upstream_timeout`; then 504 |
//! | `max_upstream_per_connection` | a semaphore per client connection, a place per HTTP/2 stream's exchange until its response body ends (`proxy.rs`) | the stream waits for one, within `upstream_timeout`; then 504 |
//! | `max_header_bytes`, `max_headers` | hyper (HTTP/1 read buffer; HTTP/2 header list) | 431, then close |
//! | malformed request | hyper | 400, then close |
//! | malformed request body | hyper, seen by the upstream client (`proxy.rs`) | 400, then close |
//! | `Host` missing, repeated or invalid; `Transfer-Encoding` repeated | `refuse.rs` | 400 |
//! | a transfer coding other than `chunked` | `refuse.rs` | 501 |
//! | a path above the root, `*`, authority-form | `path.rs` | 400 |
//! | `header_timeout` | [`Activity`]: from the accept, then from each answer on (HTTP/1.1; before the first byte on HTTP/2) | 408 when part of a request head arrived, else close |
//! | `idle_timeout` | [`Activity`]: no byte either way, no request waiting for the upstream; an upgraded tunnel: no byte either way; HTTP/2: also no stream open, whatever frames move | close (HTTP/2 without a stream: GOAWAY, then close) |
//! | `upstream_timeout` | [`Activity`] (HTTP/1.1), a timer per request (HTTP/2); from the request head, or from the end of the request body when there is one (an upload is bounded by `idle_timeout` instead) | 504 |
//! | `max_body_bytes` | `Content-Length`, then [`RequestBody`] while streaming | 413 |

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll, ready};
use std::time::Instant;

use atomic_waker::AtomicWaker;
use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::tls::ClientStream;

/// `Activity`'s mark for "no such moment": no request head awaited, no exchange running.
const NONE: u64 = u64::MAX;
/// `Activity`'s mark for an exchange whose clock has not started: the request body is
/// still on its way upstream.
const PENDING: u64 = u64::MAX - 1;

/// The HTTP/2 connection preface: a connection that starts with it is multiplexed, and
/// has no request-head clock (hyper's HTTP/2 server has none either).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The connection's clock: when bytes last moved and which way, when the current
/// request head began to be awaited, and when the current exchange with the upstream
/// started. The connection's task reads it with one timer of its own (`conn.rs`)
/// instead of a timer per request: on HTTP/1.1, both `header_timeout` (per request
/// head, as hyper's own header timer did) and `upstream_timeout` (per exchange) run on
/// it.
///
/// Times are milliseconds after `start`. HTTP/1.1 answers one request at a time, so
/// one head mark and one exchange mark are enough; HTTP/2 requests are bounded by
/// timers of their own (see `proxy.rs`).
pub(crate) struct Activity {
    /// When the connection was accepted; the clock's origin.
    start: Instant,
    /// Milliseconds after `start` of the last read or write of at least one byte.
    last_millis: AtomicU64,
    /// Whether any byte was ever read.
    read_any: AtomicBool,
    /// Whether the last event was a read: the client sent part of a request that was
    /// not answered yet.
    last_was_read: AtomicBool,
    /// The stream, handed back by [`ClientIo`] when hyper drops it with part of a
    /// request unanswered, so that a 408 can still be written.
    returned: Mutex<Option<ClientStream>>,
    /// HTTP/2 requests waiting for the upstream's response head (bounded by
    /// `upstream_timeout`, not by `idle_timeout`).
    waiting: AtomicUsize,
    /// Since when a request head is awaited (the connection was accepted, or the last
    /// request was answered whole), or [`NONE`]: a request is being answered, or the
    /// connection is HTTP/2.
    head_since: AtomicU64,
    /// The parts of the current HTTP/1.1 request still open: its response, and its
    /// request body if it has one. When the last closes, the next head is awaited.
    open_parts: AtomicUsize,
    /// Whether the connection is HTTP/2 (it started with the preface).
    multiplexed: AtomicBool,
    /// Since when the current HTTP/1.1 exchange with the upstream has waited for the
    /// response head, or [`NONE`].
    exchange_since: AtomicU64,
    /// Set by the connection's clock when the current exchange ran out of time.
    exchange_expired: AtomicBool,
    /// The task waiting for the current exchange, woken when it runs out of time.
    exchange_waker: AtomicWaker,
    /// The HTTP/2 streams open (see [`Activity::stream`]).
    streams: AtomicUsize,
    /// Since when no HTTP/2 stream is open (the connection was accepted, or its last
    /// stream ended). Meaningful while `streams` is 0.
    streamless_since: AtomicU64,
}

impl Activity {
    /// A clock for a connection accepted now.
    pub(crate) fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last_millis: AtomicU64::new(0),
            read_any: AtomicBool::new(false),
            last_was_read: AtomicBool::new(false),
            returned: Mutex::new(None),
            waiting: AtomicUsize::new(0),
            head_since: AtomicU64::new(0),
            open_parts: AtomicUsize::new(0),
            multiplexed: AtomicBool::new(false),
            exchange_since: AtomicU64::new(NONE),
            exchange_expired: AtomicBool::new(false),
            exchange_waker: AtomicWaker::new(),
            streams: AtomicUsize::new(0),
            streamless_since: AtomicU64::new(0),
        }
    }

    /// Whether the connection is HTTP/2.
    pub(crate) fn is_multiplexed(&self) -> bool {
        self.multiplexed.load(Relaxed)
    }

    /// Marks an HTTP/2 stream as open until the guard is dropped (with its response's
    /// body). Taken when hyper hands the request over, before its task first runs.
    pub(crate) fn stream(self: &std::sync::Arc<Self>) -> Stream {
        self.streams.fetch_add(1, Relaxed);
        Stream(std::sync::Arc::clone(self))
    }

    /// On HTTP/2, since when no stream is open, if none is: such a connection is idle
    /// whatever frames (PING, SETTINGS) still move.
    pub(crate) fn streamless_since(&self) -> Option<Instant> {
        if !self.multiplexed.load(Relaxed) || self.streams.load(Relaxed) > 0 {
            return None;
        }
        Some(self.at(self.streamless_since.load(Relaxed)))
    }

    /// Marks an HTTP/2 request as waiting for the upstream until the guard is dropped.
    pub(crate) fn waiting(self: &std::sync::Arc<Self>) -> Waiting {
        self.waiting.fetch_add(1, Relaxed);
        Waiting(std::sync::Arc::clone(self))
    }

    /// Whether a request is waiting for the upstream's answer (its body, if any, sent
    /// whole).
    pub(crate) fn is_waiting(&self) -> bool {
        self.waiting.load(Relaxed) > 0
            || !matches!(self.exchange_since.load(Relaxed), NONE | PENDING)
    }

    /// The stream [`ClientIo`] handed back when it was dropped, if it did.
    pub(crate) fn take_returned(&self) -> Option<ClientStream> {
        self.returned.lock().ok().and_then(|mut slot| slot.take())
    }

    /// Milliseconds since `start`.
    fn now_millis(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(PENDING - 1)
    }

    fn touch(&self, read: bool) {
        self.last_millis.store(self.now_millis(), Relaxed);
        if read {
            self.read_any.store(true, Relaxed);
        }
        self.last_was_read.store(read, Relaxed);
    }

    /// When a byte last moved.
    pub(crate) fn last(&self) -> Instant {
        self.at(self.last_millis.load(Relaxed))
    }

    fn at(&self, millis: u64) -> Instant {
        self.start + std::time::Duration::from_millis(millis)
    }

    /// Whether the client has sent anything yet.
    pub(crate) fn read_any(&self) -> bool {
        self.read_any.load(Relaxed)
    }

    /// Whether the client's last bytes were not answered: part of a request head is
    /// waiting, so a 408 makes sense.
    pub(crate) fn last_was_read(&self) -> bool {
        self.last_was_read.load(Relaxed)
    }

    /// Since when a request head is awaited, if one is (HTTP/1.1).
    pub(crate) fn head_since(&self) -> Option<Instant> {
        match self.head_since.load(Relaxed) {
            NONE => None,
            millis => Some(self.at(millis)),
        }
    }

    /// The connection is HTTP/2: no request-head clock from now on.
    fn set_multiplexed(&self) {
        self.multiplexed.store(true, Relaxed);
        self.head_since.store(NONE, Relaxed);
    }

    /// An HTTP/1.1 request head arrived: the head clock stops until the request's
    /// response (see [`Part`]) and its body, if any, are done. Returns the response's
    /// part; `None` on HTTP/2.
    pub(crate) fn request_started(self: std::sync::Arc<Self>) -> Option<Part> {
        if self.multiplexed.load(Relaxed) {
            return None;
        }
        self.head_since.store(NONE, Relaxed);
        self.open_parts.fetch_add(1, Relaxed);
        Some(Part(self))
    }

    /// One more open part of the current request (its request body).
    pub(crate) fn part(self: &std::sync::Arc<Self>) -> Part {
        self.open_parts.fetch_add(1, Relaxed);
        Part(std::sync::Arc::clone(self))
    }

    /// An HTTP/1.1 exchange with the upstream starts: it is bounded by the connection's
    /// clock from `at` (its request arrived then, a moment ago: the clock is not read
    /// again), or, with `None`, from [`Activity::start_exchange`] (once its request body
    /// was sent whole), until the guard is dropped (when the response head arrived, or
    /// the exchange failed or was given up).
    pub(crate) fn exchange(&self, at: Option<Instant>) -> Exchange<'_> {
        let millis = at.map_or(PENDING, |at| self.millis_at(at));
        self.exchange_expired.store(false, Relaxed);
        self.exchange_since.store(millis, Relaxed);
        Exchange(self)
    }

    /// The current exchange's request body was sent whole: its clock starts now.
    pub(crate) fn start_exchange(&self) {
        let now = self.now_millis();
        let _ = self
            .exchange_since
            .compare_exchange(PENDING, now, Relaxed, Relaxed);
    }

    fn millis_at(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.start).as_millis()).unwrap_or(PENDING - 1)
    }

    /// Since when the current exchange has waited, unless it already ran out of time.
    pub(crate) fn exchange_since(&self) -> Option<Instant> {
        if self.exchange_expired.load(Relaxed) {
            return None;
        }
        match self.exchange_since.load(Relaxed) {
            NONE | PENDING => None,
            millis => Some(self.at(millis)),
        }
    }

    /// The connection's clock says the current exchange ran out of time.
    pub(crate) fn expire_exchange(&self) {
        self.exchange_expired.store(true, Relaxed);
        self.exchange_waker.wake();
    }

    /// Whether the current exchange ran out of time; if not, the task of `cx` is woken
    /// when it does.
    pub(crate) fn poll_exchange_expired(&self, cx: &Context<'_>) -> bool {
        self.exchange_waker.register(cx.waker());
        self.exchange_expired.load(Relaxed)
    }
}

/// An open part of an HTTP/1.1 request (its response, or its request body): when the
/// last one is dropped, the connection awaits the next request head, and the head clock
/// starts, as hyper's own header timer started once a response was written whole.
pub(crate) struct Part(std::sync::Arc<Activity>);

impl Drop for Part {
    fn drop(&mut self) {
        if self.0.open_parts.fetch_sub(1, Relaxed) == 1 && !self.0.multiplexed.load(Relaxed) {
            self.0.head_since.store(self.0.now_millis(), Relaxed);
        }
    }
}

/// An HTTP/1.1 exchange with the upstream; see [`Activity::exchange`].
pub(crate) struct Exchange<'a>(&'a Activity);

impl Drop for Exchange<'_> {
    fn drop(&mut self) {
        self.0.exchange_since.store(NONE, Relaxed);
    }
}

/// An open HTTP/2 stream; see [`Activity::stream`].
pub(crate) struct Stream(std::sync::Arc<Activity>);

impl Drop for Stream {
    fn drop(&mut self) {
        if self.0.streams.fetch_sub(1, Relaxed) == 1 {
            self.0.streamless_since.store(self.0.now_millis(), Relaxed);
        }
    }
}

/// An HTTP/2 request waiting for the upstream; see [`Activity::waiting`].
pub(crate) struct Waiting(std::sync::Arc<Activity>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Relaxed);
    }
}

/// A client's stream (TCP, or TLS over it) that records its [`Activity`]. When dropped with part of a
/// request unanswered, it hands the stream back to the activity (see
/// [`Activity::take_returned`]).
pub(crate) struct ClientIo {
    stream: Option<ClientStream>,
    activity: std::sync::Arc<Activity>,
    /// How many bytes of [`H2_PREFACE`] the client sent so far; [`SNIFFED`] once it is
    /// known whether the connection is HTTP/2.
    preface: usize,
}

/// [`ClientIo::preface`] once the protocol is known.
const SNIFFED: usize = usize::MAX;

impl ClientIo {
    /// Wraps a stream.
    pub(crate) fn new(stream: ClientStream, activity: std::sync::Arc<Activity>) -> ClientIo {
        ClientIo {
            stream: Some(stream),
            activity,
            preface: 0,
        }
    }

    /// Compares the first bytes the client sends with the HTTP/2 preface, as hyper's
    /// auto server does to choose the protocol.
    fn sniff(&mut self, read: &[u8]) {
        let expected = H2_PREFACE.get(self.preface..).unwrap_or_default();
        let n = read.len().min(expected.len());
        if read.get(..n) != expected.get(..n) {
            self.preface = SNIFFED;
            return;
        }
        self.preface += n;
        if self.preface == H2_PREFACE.len() {
            self.activity.set_multiplexed();
            self.preface = SNIFFED;
        }
    }

    fn stream(&mut self) -> io::Result<Pin<&mut ClientStream>> {
        match self.stream.as_mut() {
            Some(s) => Ok(Pin::new(s)),
            None => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}

impl Drop for ClientIo {
    fn drop(&mut self) {
        if self.activity.last_was_read() {
            if let Ok(mut slot) = self.activity.returned.lock() {
                *slot = self.stream.take();
            }
        }
    }
}

impl AsyncRead for ClientIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = ready!(this.stream()?.poll_read(cx, buf));
        if buf.filled().len() > before {
            this.activity.touch(true);
            if this.preface != SNIFFED {
                this.sniff(buf.filled().get(before..).unwrap_or_default());
            }
        }
        Poll::Ready(result)
    }
}

impl AsyncWrite for ClientIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = ready!(this.stream()?.poll_write(cx, buf));
        if matches!(result, Ok(n) if n > 0) {
            this.activity.touch(false);
        }
        Poll::Ready(result)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = ready!(this.stream()?.poll_write_vectored(cx, bufs));
        if matches!(result, Ok(n) if n > 0) {
            this.activity.touch(false);
        }
        Poll::Ready(result)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.as_ref().is_some_and(|s| s.is_write_vectored())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().stream()?.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().stream()?.poll_shutdown(cx)
    }
}

/// The request body was larger than `max_body_bytes`.
#[derive(Debug)]
pub(crate) struct BodyTooLarge(pub(crate) u64);

impl fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the request body is larger than {} bytes", self.0)
    }
}

impl StdError for BodyTooLarge {}

/// An error of the client's request body, as the upstream client sees it.
#[derive(Debug)]
pub(crate) enum RequestBodyError {
    /// More than `max_body_bytes`.
    TooLarge(BodyTooLarge),
    /// The client's connection failed.
    Client(hyper::Error),
}

impl fmt::Display for RequestBodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestBodyError::TooLarge(e) => e.fmt(f),
            RequestBodyError::Client(e) => write!(f, "reading the client's request body: {e}"),
        }
    }
}

impl StdError for RequestBodyError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            RequestBodyError::TooLarge(e) => Some(e),
            RequestBodyError::Client(e) => Some(e),
        }
    }
}

/// The client's request body on its way upstream, streamed frame by frame, cut off with
/// an error past `max_body_bytes`.
pub(crate) struct RequestBody {
    /// `None`: an empty body (a request sent again, see `proxy.rs`).
    inner: Option<Incoming>,
    /// Keeps the head clock stopped while the body streams (HTTP/1.1).
    _part: Option<Part>,
    /// The bytes still allowed; `None`: no limit.
    remaining: Option<u64>,
    limit: u64,
    /// Set once the upstream client has taken the whole body, if asked for.
    end: Option<BodyEnd>,
}

/// Whether a [`RequestBody`] was taken whole (see [`RequestBody::track_end`]).
#[derive(Clone, Default)]
pub(crate) struct BodyEnd(std::sync::Arc<EndState>);

#[derive(Default)]
pub(crate) struct EndState {
    ended: AtomicBool,
    /// The task waiting for the end, if any.
    waker: AtomicWaker,
}

impl BodyEnd {
    /// Whether the body was taken whole.
    pub(crate) fn ended(&self) -> bool {
        self.0.ended.load(Relaxed)
    }

    /// Whether the body was taken whole; if not, the task of `cx` is woken when it is.
    pub(crate) fn poll_ended(&self, cx: &Context<'_>) -> bool {
        self.0.waker.register(cx.waker());
        self.ended()
    }

    fn set(&self) {
        if !self.0.ended.swap(true, Relaxed) {
            self.0.waker.wake();
        }
    }
}

impl RequestBody {
    /// Wraps a body, with an optional limit; `part`: the body's part of its request,
    /// closed when the body is dropped.
    pub(crate) fn new(inner: Incoming, limit: Option<u64>, part: Option<Part>) -> RequestBody {
        RequestBody {
            inner: Some(inner),
            _part: part,
            remaining: limit,
            limit: limit.unwrap_or(u64::MAX),
            end: None,
        }
    }

    /// An empty body.
    pub(crate) fn empty() -> RequestBody {
        RequestBody {
            inner: None,
            _part: None,
            remaining: None,
            limit: u64::MAX,
            end: None,
        }
    }

    /// Tells from now on whether the body was taken whole: a response that comes
    /// before then leaves the upstream connection in a state the gateway cannot know
    /// (the upstream may read the rest as the next request), so the connection must not
    /// be reused.
    pub(crate) fn track_end(&mut self) -> BodyEnd {
        let end = self.end.get_or_insert_with(BodyEnd::default).clone();
        if self.inner.as_ref().is_none_or(Body::is_end_stream) {
            end.set();
        }
        end
    }

    /// The handle of [`RequestBody::track_end`], if it was called.
    pub(crate) fn end(&self) -> Option<&BodyEnd> {
        self.end.as_ref()
    }
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = RequestBodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, RequestBodyError>>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let frame = match ready!(Pin::new(&mut *inner).poll_frame(cx)) {
            Some(Ok(frame)) => frame,
            Some(Err(e)) => return Poll::Ready(Some(Err(RequestBodyError::Client(e)))),
            None => {
                if let Some(end) = &this.end {
                    end.set();
                }
                return Poll::Ready(None);
            }
        };
        if let Some(end) = this.end.as_ref().filter(|_| inner.is_end_stream()) {
            end.set();
        }
        if let (Some(remaining), Some(data)) = (this.remaining.as_mut(), frame.data_ref()) {
            let len = u64::try_from(data.len()).unwrap_or(u64::MAX);
            match remaining.checked_sub(len) {
                Some(left) => *remaining = left,
                None => {
                    return Poll::Ready(Some(Err(RequestBodyError::TooLarge(BodyTooLarge(
                        this.limit,
                    )))));
                }
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        let end = self.inner.as_ref().is_none_or(Body::is_end_stream);
        if let Some(tracked) = self.end.as_ref().filter(|_| end) {
            tracked.set();
        }
        end
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), Body::size_hint)
    }
}

/// The answer written on the raw socket when a request head does not arrive in time
/// (hyper only closes the connection).
pub(crate) const REQUEST_TIMEOUT: &[u8] =
    b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";

/// Writes [`REQUEST_TIMEOUT`] on the client's stream, then closes it gently: what the
/// client still sends is read and dropped for a moment, so that the close does not
/// turn into a reset that would destroy the answer before the client reads it.
pub(crate) async fn send_request_timeout(mut stream: ClientStream) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let linger = async {
        stream.write_all(REQUEST_TIMEOUT).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 1024];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), io::Error>(())
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), linger).await;
}
