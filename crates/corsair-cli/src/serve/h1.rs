//! corsair's own HTTP/1.1 client, for the dedicated upstream connection of a client
//! connection (see `upstream.rs`), and only for requests without a body.
//!
//! hyper's client puts a request through a channel to a connection future and the
//! response back through a `oneshot`, then feeds the response body through another
//! channel; per forwarded request, that machinery cost about as much as everything else
//! on the upstream side. Here the request's own future writes the request head on the
//! socket (one write) and reads the response head, and the response body reads the
//! socket as the client connection polls it: no channel, no task, no timer.
//!
//! What it does, per RFC 9112: the request head is written in one go, its headers as
//! `forward.rs` has them forwarded (`forward::write_forwarded`); the response head is
//! parsed with `httparse` (at most [`MAX_HEAD`] bytes and [`MAX_HEADERS`] headers, as
//! hyper's client), its hop-by-hop headers left out; 1xx interim responses are skipped;
//! the body is framed per section 6.3: none for `HEAD`, 204 and 304, chunked (decoded;
//! the client side re-encodes), `Content-Length`, else until the upstream closes. The
//! connection goes back to its [`Slot`] when a body ended cleanly on a connection that
//! stays open (HTTP/1.1 without `Connection: close`, or HTTP/1.0 with `keep-alive`);
//! a body dropped early, or that failed, closes it.
//!
//! Two answers differ from hyper's client, both to malformed responses: with both
//! `Transfer-Encoding` and `Content-Length`, the `Content-Length` is dropped (RFC 9112
//! section 6.3; hyper kept it, and the client got a body cut to it), and a `101` to a
//! request that asked for no upgrade is an error (502), not passed on.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker, ready};

use bytes::{Buf, Bytes, BytesMut};
use http::header::CONTENT_LENGTH;
use http::response::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode, Version};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::forward;

/// The largest response head read (hyper's client default buffer limit, 8 KiB + 400 KiB).
pub(crate) const MAX_HEAD: usize = 8192 + 4096 * 100;
/// The most response headers (hyper's client default).
pub(crate) const MAX_HEADERS: usize = 100;
/// The first read's size; reads grow up to [`MAX_READ`] while they fill the buffer (a
/// large body streaming).
const READ_SIZE: usize = 8 * 1024;
/// The largest read.
const MAX_READ: usize = 64 * 1024;
/// Below this much free room, the read buffer grows before the next read.
const MIN_ROOM: usize = 1024;
/// The most bytes of chunk extensions in one body (ignored, but bounded, as hyper does).
const MAX_CHUNK_EXTENSIONS: usize = 16 * 1024;
/// The most bytes of trailers (read and dropped: the client side never forwards them,
/// as `Trailer` is a hop-by-hop header).
const MAX_TRAILERS: usize = 16 * 1024;

/// Why an exchange or a response body failed.
#[derive(Debug)]
pub(crate) enum Error {
    /// Reading or writing the socket failed.
    Io(io::Error),
    /// The upstream closed the connection before the response head was complete.
    ClosedBeforeHead,
    /// The response head is larger than [`MAX_HEAD`].
    HeadTooLarge,
    /// The response head is not HTTP/1.x.
    Parse(httparse::Error),
    /// A header that cannot be: an invalid status, name or value.
    InvalidHead(&'static str),
    /// `Content-Length` is not one number.
    InvalidContentLength,
    /// `Transfer-Encoding` in an HTTP/1.0 response.
    TransferEncodingInHttp10,
    /// `101 Switching Protocols` to a request that asked for no upgrade.
    UnexpectedUpgrade,
    /// The upstream closed the connection before the body was complete.
    ClosedInBody,
    /// The chunked body is malformed.
    InvalidChunk(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "connection error: {e}"),
            Error::ClosedBeforeHead => f.write_str("connection closed before message completed"),
            Error::HeadTooLarge => write!(f, "message head is too large (over {MAX_HEAD} bytes)"),
            Error::Parse(e) => write!(f, "invalid HTTP response: {e}"),
            Error::InvalidHead(what) => write!(f, "invalid HTTP response: {what}"),
            Error::InvalidContentLength => f.write_str("invalid HTTP response: content-length"),
            Error::TransferEncodingInHttp10 => {
                f.write_str("invalid HTTP response: transfer-encoding in HTTP/1.0")
            }
            Error::UnexpectedUpgrade => {
                f.write_str("invalid HTTP response: 101 to a request that asked for no upgrade")
            }
            Error::ClosedInBody => f.write_str("connection closed before the body was complete"),
            Error::InvalidChunk(what) => write!(f, "invalid chunked body: {what}"),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Parse(e) => Some(e),
            _ => None,
        }
    }
}

/// Where a connection waits between requests: the client connection's dedicated slot.
#[derive(Default)]
pub(crate) struct Slot(Mutex<Option<Conn>>);

impl Slot {
    /// The waiting connection, if any.
    pub(crate) fn take(&self) -> Option<Conn> {
        self.0.lock().ok()?.take()
    }

    /// Puts a connection back for the next request.
    fn put(&self, conn: Conn) {
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
    /// The count of open dedicated connections, decremented when this one closes.
    open: &'static AtomicUsize,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How the response body is delimited (RFC 9112 section 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// No body, or no more of it.
    Done,
    /// `Content-Length`: this many bytes left.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked(Chunked),
    /// Until the upstream closes the connection.
    Close,
}

impl Conn {
    /// A new connection; `open` already counts it.
    pub(crate) fn new(stream: TcpStream, open: &'static AtomicUsize) -> Conn {
        Conn {
            stream,
            read: BytesMut::with_capacity(READ_SIZE),
            write: Vec::with_capacity(512),
            scratch: Scratch::default(),
            read_size: READ_SIZE,
            open,
        }
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
    pub(crate) fn into_response(self, head: Head, slot: &Arc<Slot>) -> Response<Body> {
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
        if n == room {
            // The read filled the room: a body streaming; read more at once next time.
            self.read_size = (self.read_size * 2).min(MAX_READ);
        }
        Poll::Ready(Ok(n))
    }
}

/// Parses a complete response head off `read`, if there is one, with the framing of its
/// body (`head_request`: the request was a `HEAD`); `scratch` is reused space, `spare`
/// a cleared map to take for the headers (an empty one is left).
///
/// The hop-by-hop headers (see `forward.rs`) are left out as the head is read, rather
/// than inserted and removed: the head comes out as `forward.rs` would leave it. The
/// framing is read off the same pass.
fn parse_head(
    read: &mut BytesMut,
    scratch: &mut Scratch,
    head_request: bool,
    spare: &mut HeaderMap,
) -> Result<Option<Head>, Error> {
    let mut headers = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    let buf: &[u8] = read;
    let len = match httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut response,
        buf,
        &mut headers,
    ) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(Error::HeadTooLarge),
        Err(e) => return Err(Error::Parse(e)),
    };
    if len > MAX_HEAD {
        return Err(Error::HeadTooLarge);
    }
    let status = response
        .code
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or(Error::InvalidHead("status"))?;
    let version = if response.version == Some(1) {
        Version::HTTP_11
    } else {
        Version::HTTP_10
    };
    // A reason phrase other than the usual one is passed on, as hyper does.
    let reason = response
        .reason
        .filter(|reason| Some(*reason) != status.canonical_reason())
        .map(|r| (offset(buf, r.as_bytes()), r.len()));
    // Header values become slices of the head once it is split off the buffer: note
    // where they are, with their names.
    let Scratch { values, names } = scratch;
    values.clear();
    let mut keep_alive = version == Version::HTTP_11;
    let mut saw_close = false;
    let mut lengths = Lengths::default();
    // Names that `Connection` lists besides the fixed hop-by-hop ones (rare).
    let mut named: Vec<HeaderName> = Vec::new();
    for (i, header) in response.headers.iter().enumerate() {
        let (name, bit) = names.name(i, header.name.as_bytes())?;
        match bit {
            0 => {}
            forward::CONNECTION_BIT => {
                // As hyper: once a `Connection` line says close, it is closed;
                // HTTP/1.0 stays open only when asked to.
                if saw_close || has_token(header.value, "close") {
                    saw_close = true;
                    keep_alive = false;
                } else if !keep_alive {
                    keep_alive = has_token(header.value, "keep-alive");
                }
                // The names it lists go too (usually none besides the fixed ones).
                named.extend(
                    header
                        .value
                        .split(|b| *b == b',')
                        .map(<[u8]>::trim_ascii)
                        .filter(|t| {
                            !forward::HOP_BY_HOP
                                .iter()
                                .any(|h| t.eq_ignore_ascii_case(h.as_str().as_bytes()))
                        })
                        .filter_map(|t| HeaderName::from_bytes(t).ok()),
                );
                continue;
            }
            forward::TRANSFER_ENCODING_BIT => {
                // Chunked when it is the last coding of the last line.
                lengths.transfer_encoding = true;
                lengths.chunked = header
                    .value
                    .rsplit(|b| *b == b',')
                    .next()
                    .is_some_and(|c| c.trim_ascii().eq_ignore_ascii_case(b"chunked"));
                continue;
            }
            _ => continue,
        }
        if name == CONTENT_LENGTH {
            lengths.add_content_length(header.value);
        }
        let start = offset(buf, header.value);
        values.push((name, start, start + header.value.len()));
    }
    let framing = if status.is_informational() {
        Framing::Done
    } else {
        lengths.framing(status, version, head_request)?
    };
    if !named.is_empty() {
        values.retain(|(name, ..)| !named.contains(name));
    }
    if lengths.transfer_encoding {
        // RFC 9112 section 6.3: Transfer-Encoding overrides a Content-Length, which
        // must not be forwarded.
        values.retain(|(name, ..)| name != CONTENT_LENGTH);
    }
    let head = read.split_to(len).freeze();
    // Room for the CORS headers the gateway adds, so that the map need not grow.
    let mut map = std::mem::take(spare);
    map.reserve(values.len() + CORS_HEADERS);
    for (name, start, end) in values.drain(..) {
        let value = head
            .get(start..end)
            .map(|_| head.slice(start..end))
            .ok_or(Error::InvalidHead("header value"))?;
        let value = HeaderValue::from_maybe_shared(value)
            .map_err(|_| Error::InvalidHead("header value"))?;
        map.append(name, value);
    }
    let (mut parts, ()) = Response::new(()).into_parts();
    parts.status = status;
    parts.version = version;
    parts.headers = map;
    if let Some((start, len)) = reason {
        if head.get(start..start + len).is_some() {
            if let Ok(reason) = hyper::ext::ReasonPhrase::try_from(head.slice(start..start + len)) {
                parts.extensions.insert(reason);
            }
        }
    }
    Ok(Some(Head {
        parts,
        keep_alive,
        framing,
    }))
}

/// What the head parser reuses from response to response.
#[derive(Default)]
struct Scratch {
    /// The headers of the head being built: names and where their values are.
    values: Vec<(HeaderName, usize, usize)>,
    /// The header names of the last response.
    names: Names,
}

/// The header names of the last response, by position. An upstream sends the same
/// names in the same order response after response: comparing the bytes with the last
/// response's costs less than building a `HeaderName` anew (a case-folding pass, a
/// lookup, an allocation for a name that is not a standard one).
#[derive(Default)]
struct Names(Vec<KnownName>);

/// A header name as it came, and what it is.
struct KnownName {
    /// The name's bytes, as they came.
    raw: Box<[u8]>,
    /// The name.
    name: HeaderName,
    /// Its bit among the hop-by-hop names (`forward::hop_by_hop_bit`).
    bit: u16,
}

/// How many header positions [`Names`] remembers.
const KNOWN_NAMES: usize = 32;

impl Names {
    /// The name of the `i`-th header, as `raw` came, and its hop-by-hop bit.
    fn name(&mut self, i: usize, raw: &[u8]) -> Result<(HeaderName, u16), Error> {
        if let Some(known) = self.0.get(i) {
            if *known.raw == *raw {
                return Ok((known.name.clone(), known.bit));
            }
        }
        let name = HeaderName::from_bytes(raw).map_err(|_| Error::InvalidHead("header name"))?;
        let bit = forward::hop_by_hop_bit(&name);
        let known = KnownName {
            raw: raw.into(),
            name: name.clone(),
            bit,
        };
        let len = self.0.len();
        if let Some(slot) = self.0.get_mut(i) {
            *slot = known;
        } else if i == len && i < KNOWN_NAMES {
            self.0.push(known);
        }
        Ok((name, bit))
    }
}

/// Where `part` starts in `whole` (`part` is a slice of it, as `httparse` returns).
fn offset(whole: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// The most headers the gateway adds to a response (the CORS headers: allow-origin,
/// allow-credentials, expose-headers, vary), reserved in its header map.
const CORS_HEADERS: usize = 4;

/// What a response head says about its body's length.
#[derive(Default)]
struct Lengths {
    /// `Content-Length`, when every value agreed.
    content_length: Option<u64>,
    /// A `Content-Length` value that is not a number, or two that disagree.
    invalid_length: bool,
    /// Whether there is a `Transfer-Encoding`.
    transfer_encoding: bool,
    /// Whether the last transfer coding is chunked.
    chunked: bool,
}

impl Lengths {
    /// One `Content-Length` line: several values (lines or a list) are fine if they
    /// agree.
    fn add_content_length(&mut self, value: &[u8]) {
        for item in value.split(|b| *b == b',') {
            match digits(item.trim_ascii()) {
                Some(n) if self.content_length.is_none_or(|l| l == n) => {
                    self.content_length = Some(n);
                }
                _ => self.invalid_length = true,
            }
        }
    }

    /// How the body is delimited (RFC 9112 section 6.3), as hyper's client decides it.
    fn framing(&self, status: StatusCode, version: Version, head: bool) -> Result<Framing, Error> {
        if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED || head {
            return Ok(Framing::Done);
        }
        if self.transfer_encoding {
            if version == Version::HTTP_10 {
                return Err(Error::TransferEncodingInHttp10);
            }
            // Not chunked last: until the close.
            return Ok(if self.chunked {
                Framing::Chunked(Chunked::new())
            } else {
                Framing::Close
            });
        }
        if self.invalid_length {
            return Err(Error::InvalidContentLength);
        }
        Ok(match self.content_length {
            Some(0) => Framing::Done,
            Some(n) => Framing::Length(n),
            None => Framing::Close,
        })
    }
}

/// Whether a comma-separated header value lists `token` (case-insensitive).
fn has_token(value: &[u8], token: &str) -> bool {
    value
        .split(|b| *b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

/// A parsed response head.
pub(crate) struct Head {
    /// Status, version and headers (hop-by-hop ones left out).
    parts: Parts,
    /// Whether the connection stays open after this response (per its version and
    /// `Connection`).
    keep_alive: bool,
    /// How its body is delimited.
    framing: Framing,
}

/// A decimal number without sign, or `None`.
fn digits(text: &[u8]) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    text.iter().try_fold(0u64, |n, b| {
        let digit = (*b as char).to_digit(10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// The response body, read from the upstream connection as it is polled.
pub(crate) struct Body {
    /// The connection, while the body reads it.
    conn: Option<Conn>,
    /// What is left of the body, and how it is delimited.
    framing: Framing,
    /// Whether the connection can take another request once the body ended.
    reusable: bool,
    /// Where the connection goes back.
    slot: Arc<Slot>,
}

impl Body {
    /// The body is over (cleanly): the connection goes back to its slot if it can take
    /// another request and the upstream sent nothing beyond the response.
    fn finish(&mut self) {
        self.framing = Framing::Done;
        if let Some(mut conn) = self.conn.take() {
            if self.reusable && conn.read.is_empty() {
                if conn.read.capacity() > 2 * READ_SIZE {
                    // A large body grew the buffer: a waiting connection keeps little.
                    conn.read = BytesMut::new();
                }
                conn.read_size = READ_SIZE;
                self.slot.put(conn);
            }
        }
    }

    fn fail(&mut self, error: Error) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        // The connection is closed: its state is unknown.
        self.conn = None;
        self.framing = Framing::Done;
        Poll::Ready(Some(Err(error)))
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        // A body with nothing left (HEAD, 204, 304, or read whole) gives its connection
        // back; one dropped early closes it.
        if self.framing == Framing::Done {
            self.finish();
        }
    }
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = self.get_mut();
        loop {
            let Some(conn) = this.conn.as_mut() else {
                return Poll::Ready(None);
            };
            match &mut this.framing {
                Framing::Done => {
                    this.finish();
                    return Poll::Ready(None);
                }
                Framing::Length(left) => {
                    if !conn.read.is_empty() {
                        let n = conn
                            .read
                            .len()
                            .min(usize::try_from(*left).unwrap_or(usize::MAX));
                        let data = conn.read.split_to(n).freeze();
                        *left -= data.len() as u64;
                        if *left == 0 {
                            // Bytes beyond Content-Length, if any, keep the connection
                            // from being reused (see `finish`).
                            this.framing = Framing::Done;
                        }
                        return Poll::Ready(Some(Ok(Frame::data(data))));
                    }
                }
                Framing::Chunked(chunked) => match chunked.decode(&mut conn.read) {
                    Ok(Some(Decoded::Data(data))) => {
                        return Poll::Ready(Some(Ok(Frame::data(data))));
                    }
                    Ok(Some(Decoded::End)) => {
                        this.finish();
                        return Poll::Ready(None);
                    }
                    Ok(None) => {}
                    Err(e) => return this.fail(e),
                },
                Framing::Close => {
                    if !conn.read.is_empty() {
                        let data = conn.read.split().freeze();
                        return Poll::Ready(Some(Ok(Frame::data(data))));
                    }
                }
            }
            // The buffer has nothing more for the body: read.
            match ready!(conn.poll_fill(cx)) {
                Ok(0) if this.framing == Framing::Close => {
                    // The normal end of a close-delimited body; the connection is done.
                    this.conn = None;
                    this.framing = Framing::Done;
                    return Poll::Ready(None);
                }
                Ok(0) => return this.fail(Error::ClosedInBody),
                Ok(_) => {}
                Err(e) => return this.fail(Error::Io(e)),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.framing == Framing::Done
    }

    fn size_hint(&self) -> SizeHint {
        match self.framing {
            Framing::Done => SizeHint::with_exact(0),
            Framing::Length(n) => SizeHint::with_exact(n),
            Framing::Chunked(_) | Framing::Close => SizeHint::default(),
        }
    }
}

/// What the chunked decoder found.
enum Decoded {
    /// Body bytes.
    Data(Bytes),
    /// The last chunk and the trailers: the body is over.
    End,
}

/// The chunked decoder's state (RFC 9112 section 7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Chunked {
    /// Where in the framing the decoder is.
    state: ChunkState,
    /// Bytes of chunk extensions seen so far.
    extensions: usize,
    /// Bytes of trailers seen so far.
    trailers: usize,
}

/// Where the chunked decoder is in the framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// In the chunk size: its value and how many hex digits so far.
    Size { size: u64, digits: u8 },
    /// Whitespace after the size.
    SizeSpace { size: u64 },
    /// In a chunk extension (ignored).
    Extension { size: u64 },
    /// After the size line's CR.
    SizeLf { size: u64 },
    /// In the chunk's data: this many bytes left.
    Data { left: u64 },
    /// After the data: CR expected.
    DataCr,
    /// After the data's CR: LF expected.
    DataLf,
    /// In the trailers: the current line's length so far.
    Trailer { line: usize },
    /// After a trailer line's CR; `empty`: the line was empty (the end).
    TrailerLf { empty: bool },
    /// The body is over.
    End,
}

impl Chunked {
    fn new() -> Chunked {
        Chunked {
            state: ChunkState::Size { size: 0, digits: 0 },
            extensions: 0,
            trailers: 0,
        }
    }

    /// Decodes from `buf`: data (split off without copying), the end, or `None` when
    /// `buf` holds nothing more to decode.
    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Decoded>, Error> {
        loop {
            match self.state {
                ChunkState::End => return Ok(Some(Decoded::End)),
                ChunkState::Data { left } => {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let data = buf.split_to(n).freeze();
                    let left = left - data.len() as u64;
                    self.state = if left == 0 {
                        ChunkState::DataCr
                    } else {
                        ChunkState::Data { left }
                    };
                    return Ok(Some(Decoded::Data(data)));
                }
                _ => {
                    let Some(&byte) = buf.first() else {
                        return Ok(None);
                    };
                    buf.advance(1);
                    self.state = self.step(byte)?;
                }
            }
        }
    }

    /// The state after one byte of the framing (anything but data).
    fn step(&mut self, byte: u8) -> Result<ChunkState, Error> {
        use ChunkState::*;
        let next = match (self.state, byte) {
            (Size { size, digits }, b) if b.is_ascii_hexdigit() => {
                if digits >= 16 {
                    return Err(Error::InvalidChunk("chunk size too large"));
                }
                let digit = (b as char).to_digit(16).map_or(0, u64::from);
                let size = size
                    .checked_mul(16)
                    .and_then(|s| s.checked_add(digit))
                    .ok_or(Error::InvalidChunk("chunk size too large"))?;
                Size {
                    size,
                    digits: digits + 1,
                }
            }
            (Size { digits: 0, .. }, _) => return Err(Error::InvalidChunk("no chunk size")),
            (Size { size, .. } | SizeSpace { size }, b' ' | b'\t') => SizeSpace { size },
            (Size { size, .. } | SizeSpace { size }, b';') => Extension { size },
            (Size { size, .. } | SizeSpace { size } | Extension { size }, b'\r') => SizeLf { size },
            (Extension { .. }, b'\n') => {
                return Err(Error::InvalidChunk("line feed in a chunk extension"));
            }
            (Extension { size }, _) => {
                self.extensions += 1;
                if self.extensions > MAX_CHUNK_EXTENSIONS {
                    return Err(Error::InvalidChunk("chunk extensions too large"));
                }
                Extension { size }
            }
            (SizeLf { size: 0 }, b'\n') => Trailer { line: 0 },
            (SizeLf { size }, b'\n') => Data { left: size },
            (DataCr, b'\r') => DataLf,
            (DataLf, b'\n') => Size { size: 0, digits: 0 },
            (Trailer { line }, b'\r') => TrailerLf { empty: line == 0 },
            (Trailer { line }, _) => {
                self.trailers += 1;
                if self.trailers > MAX_TRAILERS {
                    return Err(Error::InvalidChunk("trailers too large"));
                }
                Trailer { line: line + 1 }
            }
            (TrailerLf { empty: true }, b'\n') => End,
            (TrailerLf { empty: false }, b'\n') => Trailer { line: 0 },
            _ => return Err(Error::InvalidChunk("unexpected byte")),
        };
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8], split: usize) -> Result<(Vec<u8>, bool), Error> {
        let mut chunked = Chunked::new();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for piece in input.chunks(split.max(1)) {
            buf.extend_from_slice(piece);
            while let Some(decoded) = chunked.decode(&mut buf)? {
                match decoded {
                    Decoded::Data(data) => out.extend_from_slice(&data),
                    Decoded::End => return Ok((out, buf.is_empty())),
                }
            }
        }
        Ok((out, false))
    }

    #[test]
    fn chunked_bodies_decode_whatever_the_reads() {
        let body = b"5\r\nhello\r\n7;ext=1;x\r\n, world\r\n0\r\nx-sum: 1\r\n\r\n";
        for split in [1, 2, 3, 7, body.len()] {
            let (out, rest_empty) = decode_all(body, split).unwrap();
            assert_eq!(out, b"hello, world", "split {split}");
            assert!(rest_empty);
        }
        let (out, _) = decode_all(b"A \t;e\r\n0123456789\r\n0\r\n\r\n", 4).unwrap();
        assert_eq!(out, b"0123456789");
    }

    #[test]
    fn malformed_chunked_bodies_are_errors() {
        for bad in [
            &b"x\r\n"[..],
            b"\r\n",
            b"5\r\nhelloX\r\n",
            b"5\nhello\r\n",
            b"11111111111111111\r\n",
            b"5;a\nb\r\n",
        ] {
            assert!(
                decode_all(bad, 1).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let mut huge_ext = b"1;".to_vec();
        huge_ext.extend(std::iter::repeat_n(b'a', MAX_CHUNK_EXTENSIONS + 1));
        assert!(decode_all(&huge_ext, 4096).is_err());
    }

    /// Parses a whole response head (`HEAD` request if `head_request`).
    fn parse(text: &str, head_request: bool) -> Result<Head, Error> {
        let mut buf = BytesMut::from(text.as_bytes());
        let head = parse_head(
            &mut buf,
            &mut Scratch::default(),
            head_request,
            &mut HeaderMap::new(),
        )?;
        Ok(head.expect("a complete head"))
    }

    fn framing_of(text: &str, head_request: bool) -> Option<Framing> {
        parse(text, head_request).ok().map(|h| h.framing)
    }

    #[test]
    fn framing_follows_rfc_9112() {
        let ok = "HTTP/1.1 200 OK\r\n";
        let with = |status: &str, headers: &str| format!("{status}{headers}\r\n");
        assert_eq!(
            framing_of(&with(ok, "content-length: 5\r\n"), false),
            Some(Framing::Length(5))
        );
        assert_eq!(
            framing_of(&with(ok, "content-length: 5\r\n"), true),
            Some(Framing::Done)
        );
        for status in [
            "HTTP/1.1 204 No Content\r\n",
            "HTTP/1.1 304 Not Modified\r\n",
        ] {
            assert_eq!(
                framing_of(&with(status, "content-length: 5\r\n"), false),
                Some(Framing::Done)
            );
        }
        assert_eq!(
            framing_of(&with(ok, "transfer-encoding: gzip, chunked\r\n"), false),
            Some(Framing::Chunked(Chunked::new()))
        );
        assert_eq!(
            framing_of(&with(ok, "transfer-encoding: gzip\r\n"), false),
            Some(Framing::Close)
        );
        assert_eq!(framing_of(&with(ok, ""), false), Some(Framing::Close));
        assert_eq!(
            framing_of(
                &with(ok, "content-length: 5\r\ncontent-length: 5, 5\r\n"),
                false
            ),
            Some(Framing::Length(5))
        );
        for bad in ["5, 6", "-5", "", "5a", "99999999999999999999"] {
            let head = with(ok, &format!("content-length: {bad}\r\n"));
            assert_eq!(framing_of(&head, false), None, "{bad}");
        }
        assert_eq!(
            framing_of(
                &with("HTTP/1.0 200 OK\r\n", "transfer-encoding: chunked\r\n"),
                false
            ),
            None
        );
        // Transfer-Encoding wins, and Content-Length is not passed on.
        let both = parse(
            &with(ok, "content-length: 3\r\ntransfer-encoding: chunked\r\n"),
            false,
        )
        .unwrap();
        assert_eq!(both.framing, Framing::Chunked(Chunked::new()));
        assert!(both.parts.headers.is_empty(), "{:?}", both.parts.headers);
    }

    #[test]
    fn keep_alive_per_version_and_connection() {
        let keep = |text: &str| parse(text, false).unwrap().keep_alive;
        assert!(keep("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"));
        assert!(!keep(
            "HTTP/1.1 200 OK\r\nconnection: Close\r\ncontent-length: 0\r\n\r\n"
        ));
        assert!(!keep(
            "HTTP/1.1 200 OK\r\nconnection: close\r\nconnection: keep-alive\r\n\r\n"
        ));
        assert!(!keep("HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n"));
        assert!(keep(
            "HTTP/1.0 200 OK\r\nconnection: Keep-Alive\r\ncontent-length: 0\r\n\r\n"
        ));
    }

    #[test]
    fn hop_by_hop_headers_are_left_out_as_forward_removes_them() {
        let text = "HTTP/1.1 200 OK\r\nx-named: 1\r\nconnection: keep-alive, X-Named, close, te\r\nkeep-alive: timeout=5\r\nproxy-connection: keep-alive\r\nte: trailers\r\ntrailer: x-sum\r\nupgrade: h2c\r\nproxy-authenticate: Basic\r\nproxy-authorization: Basic x\r\nx-kept: 1\r\nx-kept: 2\r\ncontent-length: 0\r\n\r\n";
        let parsed = parse(text, false).unwrap();
        // The same head through a plain parse and `forward::remove_hop_by_hop`.
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        response.parse(text.as_bytes()).unwrap();
        let mut expected = HeaderMap::new();
        for h in response.headers.iter() {
            expected.append(
                HeaderName::from_bytes(h.name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(h.value).unwrap(),
            );
        }
        forward::remove_hop_by_hop(&mut expected, false);
        assert_eq!(parsed.parts.headers, expected);
        assert_eq!(parsed.parts.headers.len(), 3, "{:?}", parsed.parts.headers);
    }

    #[test]
    fn heads_keep_their_values_and_reason() {
        let parsed = parse(
            "HTTP/1.1 404 Nope\r\nContent-Type: text/plain\r\nX-Id:  a b \r\ncontent-length: 0\r\n\r\n",
            false,
        )
        .unwrap();
        assert_eq!(parsed.parts.status, StatusCode::NOT_FOUND);
        assert_eq!(parsed.parts.headers["content-type"], "text/plain");
        assert_eq!(parsed.parts.headers["x-id"], "a b");
        assert_eq!(
            parsed
                .parts
                .extensions
                .get::<hyper::ext::ReasonPhrase>()
                .map(|r| r.as_bytes()),
            Some(&b"Nope"[..])
        );
        let usual = parse("HTTP/1.1 200 OK\r\n\r\n", false).unwrap();
        assert!(
            usual
                .parts
                .extensions
                .get::<hyper::ext::ReasonPhrase>()
                .is_none()
        );
        // Partial heads wait for more; too many headers and garbage are errors.
        let mut buf = BytesMut::from(&b"HTTP/1.1 200 OK\r\ncontent-le"[..]);
        assert!(matches!(
            parse_head(
                &mut buf,
                &mut Scratch::default(),
                false,
                &mut HeaderMap::new()
            ),
            Ok(None)
        ));
        let mut many = String::from("HTTP/1.1 200 OK\r\n");
        for i in 0..=MAX_HEADERS {
            many.push_str(&format!("x-{i}: 1\r\n"));
        }
        many.push_str("\r\n");
        assert!(matches!(parse(&many, false), Err(Error::HeadTooLarge)));
        assert!(matches!(
            parse("SSH-2.0-OpenSSH\r\n\r\n", false),
            Err(Error::Parse(_))
        ));
    }

    #[test]
    fn known_names_are_reused_by_position_and_replaced_when_they_change() {
        let mut names = Names::default();
        let first = names.name(0, b"Content-Type").unwrap();
        assert_eq!(first.0, http::header::CONTENT_TYPE);
        assert_eq!(
            names.name(1, b"Connection").unwrap().1,
            forward::CONNECTION_BIT
        );
        // The same bytes at the same place: the same name.
        assert_eq!(names.name(0, b"Content-Type").unwrap(), first);
        // Other bytes (even in another case): looked up anew.
        assert_eq!(names.name(0, b"X-Id").unwrap().0.as_str(), "x-id");
        assert_eq!(names.name(0, b"x-ID").unwrap().0.as_str(), "x-id");
        assert_eq!(names.name(1, b"Content-Type").unwrap().1, 0);
        assert!(names.name(2, b"bad name").is_err());
        // Far positions are not remembered, but still named.
        assert_eq!(names.name(40, b"x-far").unwrap().0.as_str(), "x-far");
        assert_eq!(names.0.len(), 2);
    }

    #[test]
    fn connection_tokens() {
        assert!(has_token(b"Keep-Alive, Upgrade", "keep-alive"));
        assert!(has_token(b" close ", "close"));
        assert!(!has_token(b"closed", "close"));
    }
}
