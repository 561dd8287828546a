//! The client's stream as hyper sees it ([`ClientIo`]): it records every byte's moment
//! on the connection's [`Activity`], tells HTTP/2 by its preface, and hands the stream
//! back when dropped with a request unanswered, for the 408 written by
//! [`send_request_timeout`].

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::super::tls::ClientStream;
use super::Activity;

/// The HTTP/2 connection preface: a connection that starts with it is multiplexed, and
/// has no request-head clock (hyper's HTTP/2 server has none either).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

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
