//! The body of the gateway's responses: the upstream's, streamed as it comes (through
//! hyper's client or corsair's own), or a small one of the gateway's own; it carries the
//! request's marks on the connection's clock until hyper drops it.

use std::error::Error as StdError;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::sync::OwnedSemaphorePermit;

use super::super::h1;
use super::super::limits::{OpenPart, Stream};
use super::super::metrics::{METRICS, UpstreamError};

/// A response body: the upstream's, streamed as it comes, or one of the gateway's own.
pub(crate) struct ProxyBody {
    inner: Inner,
    /// The response's part of its HTTP/1.1 request: when hyper drops the body, the
    /// response was written whole (or given up), and the next request head is awaited.
    pub(super) part: Option<OpenPart>,
    /// The response's HTTP/2 stream: open until hyper drops the body.
    pub(super) stream: Option<Stream>,
    /// The client connection's place for an upstream exchange (HTTP/2), held until
    /// the upstream's body is done.
    pub(super) slot: Option<OwnedSemaphorePermit>,
}

/// The error of a [`ProxyBody`]: the upstream's body failed.
type BodyError = Box<dyn StdError + Send + Sync>;

pub(super) enum Inner {
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

    pub(super) fn upstream(inner: Inner) -> ProxyBody {
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
