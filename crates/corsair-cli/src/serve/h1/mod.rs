//! corsair's own HTTP/1.1 client, for the dedicated upstream connection of a client
//! connection (see `upstream.rs`), and only for requests without a body.
//!
//! hyper's client puts a request through a channel to a connection future and the
//! response back through a `oneshot`, then feeds the response body through another
//! channel; per forwarded request, that machinery cost about as much as everything else
//! on the upstream side. Here the request's own future writes the request head on the
//! socket (one write) and reads the response head, and the response body reads the
//! socket as the client connection polls it: no channel, no task, no timer.
//! Measured gain: 37,500 → 24,980 user-space instructions per forwarded request (−33 %,
//! `scripts/serve-insn.sh`, against the same build with hyper's client on the dedicated
//! connection; BENCHMARKS.md).
//!
//! Proof that it delivers what hyper's client delivers: the differential test
//! `the_own_client_delivers_what_hypers_client_delivers` (`tests/serve_h1.rs`: 720
//! generated well-formed and hostile responses through both) and the fuzz targets
//! `h1_response` (this parser) and `h1_chunked` (the chunked decoder, against
//! `httparse::parse_chunk_size` too).
//!
//! What it does, per RFC 9112: the request head is written in one go, its headers as
//! `forward.rs` has them forwarded (`forward::write_forwarded`); the response head is
//! parsed with `httparse` (at most [`MAX_HEAD`] bytes and [`MAX_HEADERS`](head::MAX_HEADERS) headers, as
//! hyper's client), its hop-by-hop headers left out; 1xx interim responses are skipped;
//! the body is framed per section 6.3: none for `HEAD`, 204 and 304, chunked (decoded;
//! the client side re-encodes), `Content-Length`, else until the upstream closes. The
//! connection goes back to its [`Slot`] when a body ended cleanly on a connection that
//! stays open (HTTP/1.1 without `Connection: close`, or HTTP/1.0 with `keep-alive`);
//! a body dropped early, or that failed, closes it.
//!
//! With both `Transfer-Encoding` and `Content-Length`, the `Content-Length` is dropped
//! (RFC 9112 section 6.3), as `proxy/send.rs` drops it from hyper's client's responses. One
//! answer differs from hyper's client: a `101` to a request that asked for no upgrade is
//! an error (502), not passed on.

use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker, ready};

use bytes::BytesMut;
use http::{HeaderMap, Response, StatusCode};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::counted::Counted;
use super::forward;

mod body;
mod chunked;
mod error;
mod head;

pub(crate) use body::Body;
pub(crate) use error::Error;
pub(crate) use head::Head;
use head::{Framing, MAX_HEAD, Scratch, parse_head};

/// The first read's size; reads grow up to [`MAX_READ`] while they fill the buffer (a
/// large body streaming).
const READ_SIZE: usize = 8 * 1024;
/// The largest read.
const MAX_READ: usize = 64 * 1024;
/// Below this much free room, the read buffer grows before the next read.
const MIN_ROOM: usize = 1024;

/// Where a connection waits between requests: the client connection's dedicated slot.
#[derive(Default)]
pub(crate) struct Slot(Mutex<Option<Box<Conn>>>);

impl Slot {
    /// The waiting connection, if any.
    pub(crate) fn take(&self) -> Option<Box<Conn>> {
        self.0.lock().ok()?.take()
    }

    /// Puts a connection back for the next request.
    fn put(&self, conn: Box<Conn>) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(conn);
        }
    }
}

/// One upstream connection.
pub(crate) struct Conn {
    /// The socket.
    stream: TcpStream,
    /// Bytes read and not consumed yet. Response heads and body frames are split off it
    /// without copying (header values and frames share its memory).
    read: BytesMut,
    /// The request head, encoded; reused from request to request.
    write: Vec<u8>,
    /// Reused from response to response by the head parser.
    scratch: Scratch,
    /// How much to reserve before the next read.
    read_size: usize,
    /// Its place in the counts of upstream connections, given back when it closes.
    _counted: Counted,
    /// Whether a byte was read since the last request head was written.
    received: bool,
}

impl Conn {
    /// A new connection, counted already. Boxed: a connection lives across requests and
    /// moves with each (into the request's future, the response body, back to its slot),
    /// as one pointer rather than its whole state.
    pub(crate) fn new(stream: TcpStream, counted: Counted) -> Box<Conn> {
        Box::new(Conn {
            stream,
            read: BytesMut::with_capacity(READ_SIZE),
            write: Vec::with_capacity(512),
            scratch: Scratch::default(),
            read_size: READ_SIZE,
            _counted: counted,
            received: false,
        })
    }

    /// Whether a connection that waited in its slot can take a request: the upstream
    /// neither closed it nor sent anything meanwhile. Costs no system call unless the
    /// socket was reported readable. Nothing needs to be woken meanwhile: the readiness
    /// is only looked at, with a waker that does nothing.
    pub(crate) fn still_open(&self) -> bool {
        if !self.read.is_empty() {
            return false;
        }
        let mut cx = Context::from_waker(Waker::noop());
        match self.stream.poll_read_ready(&mut cx) {
            // Nothing happened since the last response.
            Poll::Pending => true,
            Poll::Ready(Err(_)) => false,
            // Readable: a close, stray bytes, or a stale report; look.
            Poll::Ready(Ok(())) => {
                let mut byte = [0u8; 1];
                matches!(self.stream.try_read(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
            }
        }
    }

    /// Writes a request head (a request without a body: no `Content-Length` above 0, no
    /// `Transfer-Encoding`): the request line, then the headers without the hop-by-hop
    /// ones, then the forwarding headers (see `forward::write_forwarded`).
    pub(crate) async fn write_head<B>(
        &mut self,
        request: &http::Request<B>,
        forwarded: &forward::Forwarded<'_>,
    ) -> io::Result<()> {
        let dst = &mut self.write;
        dst.clear();
        dst.extend_from_slice(request.method().as_str().as_bytes());
        dst.push(b' ');
        dst.extend_from_slice(request.uri().path().as_bytes());
        if let Some(query) = request.uri().query() {
            dst.push(b'?');
            dst.extend_from_slice(query.as_bytes());
        }
        dst.extend_from_slice(b" HTTP/1.1\r\n");
        forward::write_forwarded(request.headers(), forwarded, dst);
        dst.extend_from_slice(b"\r\n");
        self.received = false;
        self.stream.write_all(&self.write).await
    }

    /// Whether nothing was read since the last request head was written: a failed
    /// exchange got no byte of an answer.
    pub(crate) fn answered_nothing(&self) -> bool {
        !self.received
    }

    /// The request head written last, encoded, taken out.
    pub(crate) fn take_written(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.write)
    }

    /// Writes a request head encoded already (by [`Conn::take_written`]).
    pub(crate) async fn write_encoded(&mut self, head: Vec<u8>) -> io::Result<()> {
        self.write = head;
        self.received = false;
        self.stream.write_all(&self.write).await
    }

    /// Reads the response head, skipping interim (1xx) responses. `head_request`: the
    /// request was a `HEAD` (the response has no body). `spare`: a cleared header map
    /// to fill (the request's: the maps go round instead of being allocated anew).
    pub(crate) async fn read_head(
        &mut self,
        head_request: bool,
        mut spare: HeaderMap,
    ) -> Result<Head, Error> {
        loop {
            if !self.read.is_empty() {
                if let Some(head) =
                    parse_head(&mut self.read, &mut self.scratch, head_request, &mut spare)?
                {
                    if head.parts.status.is_informational() {
                        if head.parts.status == StatusCode::SWITCHING_PROTOCOLS {
                            return Err(Error::UnexpectedUpgrade);
                        }
                        continue;
                    }
                    return Ok(head);
                }
                if self.read.len() >= MAX_HEAD {
                    return Err(Error::HeadTooLarge);
                }
            }
            let n = std::future::poll_fn(|cx| self.poll_fill(cx))
                .await
                .map_err(Error::Io)?;
            if n == 0 {
                return Err(Error::ClosedBeforeHead);
            }
        }
    }

    /// The response of `head`, with a body that reads the rest from this connection,
    /// which goes back to `slot` afterwards if it can.
    pub(crate) fn into_response(self: Box<Self>, head: Head, slot: &Arc<Slot>) -> Response<Body> {
        let reusable = head.keep_alive && head.framing != Framing::Close;
        let body = Body {
            conn: Some(self),
            framing: head.framing,
            reusable,
            slot: Arc::clone(slot),
        };
        Response::from_parts(head.parts, body)
    }

    /// Reads more into the buffer; `Ok(0)`: the upstream closed the connection.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.read.capacity() - self.read.len() < MIN_ROOM {
            self.read.reserve(self.read_size);
        }
        let room = self.read.capacity() - self.read.len();
        let n = ready!(pin!(self.stream.read_buf(&mut self.read)).poll(cx))?;
        self.received |= n > 0;
        if n == room {
            // The read filled the room: a body streaming; read more at once next time.
            self.read_size = (self.read_size * 2).min(MAX_READ);
        }
        Poll::Ready(Ok(n))
    }
}
