//! A response body, read from the upstream connection as the client connection polls
//! it; chunked bodies decoded (`chunked.rs`).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use hyper::body::{Body as HttpBody, Frame, SizeHint};

use super::chunked::Decoded;
use super::head::Framing;
use super::{Conn, Error, READ_SIZE, Slot};

/// What `poll_frame` answers: the next frame, the end, or not yet.
type NextFrame = Poll<Option<Result<Frame<Bytes>, Error>>>;

/// The response body, read from the upstream connection as it is polled.
pub(crate) struct Body {
    /// The connection, while the body reads it.
    pub(super) conn: Option<Box<Conn>>,
    /// What is left of the body, and how it is delimited.
    pub(super) framing: Framing,
    /// Whether the connection can take another request once the body ended.
    pub(super) reusable: bool,
    /// Where the connection goes back.
    pub(super) slot: Arc<Slot>,
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

    /// The body's next frame, or its end, from what the connection already read; `None`
    /// when the buffer holds nothing more for the body.
    fn buffered(&mut self) -> Option<NextFrame> {
        let Some(conn) = self.conn.as_mut() else {
            return Some(Poll::Ready(None));
        };
        match &mut self.framing {
            Framing::Done => {
                self.finish();
                Some(Poll::Ready(None))
            }
            Framing::Length(left) => {
                if conn.read.is_empty() {
                    return None;
                }
                let n = conn
                    .read
                    .len()
                    .min(usize::try_from(*left).unwrap_or(usize::MAX));
                let data = conn.read.split_to(n).freeze();
                *left -= data.len() as u64;
                if *left == 0 {
                    // Bytes beyond Content-Length, if any, keep the connection from
                    // being reused (see `finish`).
                    self.framing = Framing::Done;
                }
                Some(Poll::Ready(Some(Ok(Frame::data(data)))))
            }
            Framing::Chunked(chunked) => match chunked.decode(&mut conn.read) {
                Ok(Some(Decoded::Data(data))) => Some(Poll::Ready(Some(Ok(Frame::data(data))))),
                Ok(Some(Decoded::End)) => {
                    self.finish();
                    Some(Poll::Ready(None))
                }
                Ok(None) => None,
                Err(e) => Some(self.fail(e)),
            },
            Framing::Close if conn.read.is_empty() => None,
            Framing::Close => Some(Poll::Ready(Some(Ok(Frame::data(
                conn.read.split().freeze(),
            ))))),
        }
    }

    fn fail(&mut self, error: Error) -> NextFrame {
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
            if let Some(next) = this.buffered() {
                return next;
            }
            let Some(conn) = this.conn.as_mut() else {
                return Poll::Ready(None);
            };
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
