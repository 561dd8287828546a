//! Limits against bad clients: the activity clock behind the idle and first-byte
//! timeouts, the optional request body limit, and the answers for what hyper refuses.
//!
//! Which limit does what:
//!
//! | limit | enforced by | answer |
//! |---|---|---|
//! | `max_connections` | a semaphore taken before `accept` | none: further connections wait in the listen backlog |
//! | `max_header_bytes`, `max_headers` | hyper (HTTP/1 read buffer; HTTP/2 header list) | 431, then close |
//! | malformed request | hyper | 400, then close |
//! | `header_timeout` | hyper's header read timer (HTTP/1), [`Activity`] before the first byte | 408 when part of a request head arrived, else close |
//! | `idle_timeout` | [`Activity`]: no byte either way, no request waiting for the upstream | close |
//! | `max_body_bytes` | `Content-Length`, then [`RequestBody`] while streaming | 413 |

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll, ready};
use std::time::Instant;

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// When bytes last moved on a client connection, and which way.
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
    returned: Mutex<Option<TcpStream>>,
    /// Requests waiting for the upstream's response head (bounded by
    /// `upstream_timeout`, not by `idle_timeout`).
    waiting: AtomicUsize,
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
        }
    }

    /// Marks a request as waiting for the upstream until the guard is dropped.
    pub(crate) fn waiting(self: &std::sync::Arc<Self>) -> Waiting {
        self.waiting.fetch_add(1, Relaxed);
        Waiting(std::sync::Arc::clone(self))
    }

    /// Whether a request is waiting for the upstream.
    pub(crate) fn is_waiting(&self) -> bool {
        self.waiting.load(Relaxed) > 0
    }

    /// The stream [`ClientIo`] handed back when it was dropped, if it did.
    pub(crate) fn take_returned(&self) -> Option<TcpStream> {
        self.returned.lock().ok().and_then(|mut slot| slot.take())
    }

    fn touch(&self, read: bool) {
        let millis = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_millis.store(millis, Relaxed);
        if read {
            self.read_any.store(true, Relaxed);
        }
        self.last_was_read.store(read, Relaxed);
    }

    /// When the connection was accepted.
    pub(crate) fn start(&self) -> Instant {
        self.start
    }

    /// When a byte last moved.
    pub(crate) fn last(&self) -> Instant {
        self.start + std::time::Duration::from_millis(self.last_millis.load(Relaxed))
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
}

/// A request waiting for the upstream; see [`Activity::waiting`].
pub(crate) struct Waiting(std::sync::Arc<Activity>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Relaxed);
    }
}

/// A client's TCP stream that records its [`Activity`]. When dropped with part of a
/// request unanswered, it hands the stream back to the activity (see
/// [`Activity::take_returned`]).
pub(crate) struct ClientIo {
    stream: Option<TcpStream>,
    activity: std::sync::Arc<Activity>,
}

impl ClientIo {
    /// Wraps a stream.
    pub(crate) fn new(stream: TcpStream, activity: std::sync::Arc<Activity>) -> ClientIo {
        ClientIo {
            stream: Some(stream),
            activity,
        }
    }

    fn stream(&mut self) -> io::Result<Pin<&mut TcpStream>> {
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
    inner: Incoming,
    /// The bytes still allowed; `None`: no limit.
    remaining: Option<u64>,
    limit: u64,
}

impl RequestBody {
    /// Wraps a body, with an optional limit.
    pub(crate) fn new(inner: Incoming, limit: Option<u64>) -> RequestBody {
        RequestBody {
            inner,
            remaining: limit,
            limit: limit.unwrap_or(u64::MAX),
        }
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
        let frame = match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
            Some(Ok(frame)) => frame,
            Some(Err(e)) => return Poll::Ready(Some(Err(RequestBodyError::Client(e)))),
            None => return Poll::Ready(None),
        };
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
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The answer written on the raw socket when a request head does not arrive in time
/// (hyper only closes the connection).
pub(crate) const REQUEST_TIMEOUT: &[u8] =
    b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";

/// Writes [`REQUEST_TIMEOUT`] on the client's stream, then closes it gently: what the
/// client still sends is read and dropped for a moment, so that the close does not
/// turn into a reset that would destroy the answer before the client reads it.
pub(crate) async fn send_request_timeout(mut stream: TcpStream) {
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
