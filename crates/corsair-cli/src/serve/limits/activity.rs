//! The connection's clock ([`Activity`]) and the guards that mark what is under way on
//! it: an open part of an HTTP/1.1 request ([`OpenPart`]), an HTTP/1.1 exchange with the
//! upstream ([`InFlight`]), an open HTTP/2 stream ([`Stream`]), an HTTP/2 request waiting
//! for the upstream ([`Waiting`]).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::task::Context;
use std::time::Instant;

use atomic_waker::AtomicWaker;

use super::super::tls::ClientStream;

/// `Activity`'s mark for "no such moment": no request head awaited, no exchange running.
const NONE: u64 = u64::MAX;
/// `Activity`'s mark for an exchange whose clock has not started: the request body is
/// still on its way upstream.
const PENDING: u64 = u64::MAX - 1;

/// The connection's clock: when bytes last moved and which way, when the current
/// request head began to be awaited, and when the current exchange with the upstream
/// started. The connection's task reads it with one timer of its own (`conn.rs`)
/// instead of a timer per request: on HTTP/1.1, both `header_timeout` (per request
/// head, as hyper's own header timer did) and `upstream_timeout` (per exchange) run on
/// it.
///
/// Times are milliseconds after `start`. HTTP/1.1 answers one request at a time, so
/// one head mark and one exchange mark are enough; HTTP/2 requests are bounded by
/// timers of their own (see `proxy/clock.rs`).
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
    pub(super) returned: Mutex<Option<ClientStream>>,
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

    pub(super) fn touch(&self, read: bool) {
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
    pub(super) fn set_multiplexed(&self) {
        self.multiplexed.store(true, Relaxed);
        self.head_since.store(NONE, Relaxed);
    }

    /// An HTTP/1.1 request head arrived: the head clock stops until the request's
    /// response (see [`OpenPart`]) and its body, if any, are done. Returns the response's
    /// part; `None` on HTTP/2.
    pub(crate) fn request_started(self: std::sync::Arc<Self>) -> Option<OpenPart> {
        if self.multiplexed.load(Relaxed) {
            return None;
        }
        self.head_since.store(NONE, Relaxed);
        self.open_parts.fetch_add(1, Relaxed);
        Some(OpenPart(self))
    }

    /// One more open part of the current request (its request body).
    pub(crate) fn open_part(self: &std::sync::Arc<Self>) -> OpenPart {
        self.open_parts.fetch_add(1, Relaxed);
        OpenPart(std::sync::Arc::clone(self))
    }

    /// An HTTP/1.1 exchange with the upstream starts: it is bounded by the connection's
    /// clock from `at` (its request arrived then, a moment ago: the clock is not read
    /// again), or, with `None`, from [`Activity::start_exchange`] (once its request body
    /// was sent whole), until the guard is dropped (when the response head arrived, or
    /// the exchange failed or was given up).
    pub(crate) fn exchange(&self, at: Option<Instant>) -> InFlight<'_> {
        let millis = at.map_or(PENDING, |at| self.millis_at(at));
        self.exchange_expired.store(false, Relaxed);
        self.exchange_since.store(millis, Relaxed);
        InFlight(self)
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
pub(crate) struct OpenPart(std::sync::Arc<Activity>);

impl Drop for OpenPart {
    fn drop(&mut self) {
        if self.0.open_parts.fetch_sub(1, Relaxed) == 1 && !self.0.multiplexed.load(Relaxed) {
            self.0.head_since.store(self.0.now_millis(), Relaxed);
        }
    }
}

/// An HTTP/1.1 exchange with the upstream in flight, on the connection's clock until
/// dropped; see [`Activity::exchange`].
pub(crate) struct InFlight<'a>(&'a Activity);

impl Drop for InFlight<'_> {
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
