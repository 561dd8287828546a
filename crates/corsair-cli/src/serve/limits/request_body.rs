//! The request body limit: [`RequestBody`], the client's body on its way upstream, cut
//! off past `max_body_bytes`, with [`BodyEnd`] telling when it was sent whole.

use std::error::Error as StdError;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::task::{Context, Poll, ready};

use atomic_waker::AtomicWaker;
use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};

use super::OpenPart;

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
    /// `None`: an empty body (a request sent again, see `proxy/replay.rs`).
    inner: Option<Incoming>,
    /// Keeps the head clock stopped while the body streams (HTTP/1.1).
    _part: Option<OpenPart>,
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
struct EndState {
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
    pub(crate) fn new(inner: Incoming, limit: Option<u64>, part: Option<OpenPart>) -> RequestBody {
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
