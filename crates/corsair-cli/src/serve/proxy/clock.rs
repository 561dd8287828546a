//! The time limit of an exchange with the upstream (`upstream_timeout`): a [`Clock`]
//! (the connection's on HTTP/1.1, a timer of the request's own on HTTP/2) and
//! [`Bounded`], an exchange given up when its clock runs out.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::super::limits::{Activity, BodyEnd, Waiting};

/// What bounds an exchange with the upstream in time: `upstream_timeout` from its
/// start, which is when its request body, if any, was sent whole.
pub(super) struct Clock<'a> {
    kind: ClockKind<'a>,
    /// The request body still on its way upstream: the clock starts when it ends.
    upload: Option<BodyEnd>,
}

enum ClockKind<'a> {
    /// The client connection's clock (HTTP/1.1: one exchange at a time).
    Connection(&'a Activity),
    /// A timer of the request's own (HTTP/2), armed when the clock starts, with the
    /// mark that the request is waiting for the upstream.
    Timer {
        duration: Duration,
        activity: &'a Arc<Activity>,
        armed: Option<(Pin<Box<tokio::time::Sleep>>, Waiting)>,
    },
}

impl<'a> Clock<'a> {
    /// The clock of an exchange: on HTTP/1.1 (`h1`), the connection's (no timer per
    /// request); on HTTP/2, where requests run side by side, a timer of `duration`.
    /// With a request body still on its way (`upload`), it starts once the body was
    /// sent whole: the upload's time is the client's (bounded by `idle_timeout`), not
    /// the upstream's; else it starts now.
    pub(super) fn new(
        h1: bool,
        duration: Duration,
        activity: &'a Arc<Activity>,
        upload: Option<BodyEnd>,
    ) -> Clock<'a> {
        let mut clock = Clock {
            kind: if h1 {
                ClockKind::Connection(activity)
            } else {
                ClockKind::Timer {
                    duration,
                    activity,
                    armed: None,
                }
            },
            upload,
        };
        if clock.upload.is_none() {
            clock.start();
        }
        clock
    }

    /// Starts the clock now.
    fn start(&mut self) {
        match &mut self.kind {
            ClockKind::Connection(activity) => activity.start_exchange(),
            ClockKind::Timer {
                duration,
                activity,
                armed,
            } => {
                *armed = Some((Box::pin(tokio::time::sleep(*duration)), activity.waiting()));
            }
        }
    }

    /// Whether the exchange ran out of time; if not, the task of `cx` is woken when it
    /// does (or when the clock starts).
    fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> bool {
        if let Some(upload) = &self.upload {
            if !upload.poll_ended(cx) {
                return false;
            }
            self.upload = None;
            self.start();
        }
        match &mut self.kind {
            ClockKind::Connection(activity) => activity.poll_exchange_expired(cx),
            ClockKind::Timer { armed, .. } => armed
                .as_mut()
                .is_some_and(|(timer, _)| timer.as_mut().poll(cx).is_ready()),
        }
    }
}

/// The exchange ran out of `upstream_timeout`.
pub(super) struct Elapsed;

pin_project_lite::pin_project! {
    /// An exchange with the upstream, given up with [`Elapsed`] when its [`Clock`] says
    /// so. A struct rather than an `async` block: it adds no copy of the exchange's
    /// state.
    pub(super) struct Bounded<'c, 'a, F> {
        clock: &'c mut Clock<'a>,
        #[pin]
        exchange: F,
    }
}

impl<'c, 'a, F> Bounded<'c, 'a, F> {
    pub(super) fn new(clock: &'c mut Clock<'a>, exchange: F) -> Bounded<'c, 'a, F> {
        Bounded { clock, exchange }
    }
}

impl<F: Future> Future for Bounded<'_, '_, F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.exchange.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        if this.clock.poll_elapsed(cx) {
            Poll::Ready(Err(Elapsed))
        } else {
            Poll::Pending
        }
    }
}
