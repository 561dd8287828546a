//! The gateway's counters, kept in atomics and written out in the Prometheus text
//! exposition format (version 0.0.4) by the admin listener's `/metrics`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use corsair::{Decision, Reason, RequestKind};
use http::StatusCode;

/// The process's metrics: one gateway per process.
pub(crate) static METRICS: Metrics = Metrics::new();

/// Request kinds, in label order.
const KINDS: [&str; 3] = ["non-cors", "preflight", "actual"];
/// Decisions, in label order.
const DECISIONS: [&str; 3] = ["allowed", "rejected", "disabled"];
/// Rejection reasons (`Reason::code`), in label order; the last one is for reasons a
/// newer engine may add.
const REASONS: [&str; 9] = [
    "malformed-origin",
    "origin-not-allowed",
    "malformed-method",
    "method-not-allowed",
    "malformed-request-headers",
    "request-headers-too-long",
    "header-not-allowed",
    "cross-origin-write-refused",
    "other",
];
/// The upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Why the upstream could not give an answer (or a whole one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UpstreamError {
    /// It refused or failed the connection: 502.
    Connect,
    /// It did not answer in time (connect or response head): 504.
    Timeout,
    /// It broke the connection or sent something that is not HTTP: 502.
    Protocol,
    /// Its response body ended early (reset mid-body).
    Body,
}

impl UpstreamError {
    const ALL: [UpstreamError; 4] = [
        UpstreamError::Connect,
        UpstreamError::Timeout,
        UpstreamError::Protocol,
        UpstreamError::Body,
    ];

    fn label(self) -> &'static str {
        match self {
            UpstreamError::Connect => "connect",
            UpstreamError::Timeout => "timeout",
            UpstreamError::Protocol => "protocol",
            UpstreamError::Body => "body",
        }
    }
}

/// What went wrong on a client connection, before any request could be answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClientError {
    /// The request head did not arrive in `header_timeout` (408 or close).
    HeaderTimeout,
    /// The request head was larger than `max_header_bytes` or `max_headers` (431).
    TooLarge,
    /// The request was not HTTP, or its body was malformed (400).
    Malformed,
    /// Nothing moved for `idle_timeout`: closed.
    Idle,
    /// The request body was larger than `max_body_bytes` (413).
    BodyTooLarge,
}

impl ClientError {
    const ALL: [ClientError; 5] = [
        ClientError::HeaderTimeout,
        ClientError::TooLarge,
        ClientError::Malformed,
        ClientError::Idle,
        ClientError::BodyTooLarge,
    ];

    fn label(self) -> &'static str {
        match self {
            ClientError::HeaderTimeout => "header_timeout",
            ClientError::TooLarge => "header_too_large",
            ClientError::Malformed => "malformed",
            ClientError::Idle => "idle_timeout",
            ClientError::BodyTooLarge => "body_too_large",
        }
    }
}

/// Counters, gauges and one histogram. All updates are relaxed atomic additions.
pub(crate) struct Metrics {
    requests: [[AtomicU64; 3]; 3],
    rejections: [AtomicU64; REASONS.len()],
    responses: [AtomicU64; 5],
    upstream_errors: [AtomicU64; 4],
    client_errors: [AtomicU64; 5],
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    connections_total: AtomicU64,
    connections_open: AtomicI64,
    upgraded_open: AtomicI64,
    upstream_open: AtomicI64,
    upstream_waits: [AtomicU64; 2],
    reloads: [AtomicU64; 2],
}

#[allow(clippy::declare_interior_mutable_const)]
const ZERO: AtomicU64 = AtomicU64::new(0);
#[allow(clippy::declare_interior_mutable_const)]
const ROW: [AtomicU64; 3] = [ZERO; 3];

impl Metrics {
    const fn new() -> Metrics {
        Metrics {
            requests: [ROW; 3],
            rejections: [ZERO; REASONS.len()],
            responses: [ZERO; 5],
            upstream_errors: [ZERO; 4],
            client_errors: [ZERO; 5],
            latency_buckets: [ZERO; BUCKETS.len()],
            latency_count: ZERO,
            latency_sum_micros: ZERO,
            connections_total: ZERO,
            connections_open: AtomicI64::new(0),
            upgraded_open: AtomicI64::new(0),
            upstream_open: AtomicI64::new(0),
            upstream_waits: [ZERO; 2],
            reloads: [ZERO; 2],
        }
    }

    /// Counts a decision of the engine.
    pub(crate) fn decision(&self, decision: &Decision<'_>) {
        let kind = match decision.kind() {
            RequestKind::NonCors => 0,
            RequestKind::Preflight => 1,
            RequestKind::Actual => 2,
        };
        let outcome = match decision.reason() {
            Reason::Disabled => 2,
            _ if decision.allowed() => 0,
            reason => {
                let code = reason.code();
                let i = REASONS
                    .iter()
                    .position(|r| *r == code)
                    .unwrap_or(REASONS.len() - 1);
                self.rejections[i].fetch_add(1, Relaxed);
                1
            }
        };
        self.requests[kind][outcome].fetch_add(1, Relaxed);
    }

    /// Counts a response sent to a client and how long it took to start it.
    pub(crate) fn response(&self, status: StatusCode, elapsed: Duration) {
        let class = usize::from(status.as_u16() / 100).clamp(1, 5) - 1;
        self.responses[class].fetch_add(1, Relaxed);
        let seconds = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.latency_buckets[i].fetch_add(1, Relaxed);
        }
        self.latency_count.fetch_add(1, Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.latency_sum_micros.fetch_add(micros, Relaxed);
    }

    /// Counts an upstream failure.
    pub(crate) fn upstream_error(&self, error: UpstreamError) {
        let i = UpstreamError::ALL
            .iter()
            .position(|e| *e == error)
            .unwrap_or(0);
        self.upstream_errors[i].fetch_add(1, Relaxed);
    }

    /// Counts a client mistake or timeout.
    pub(crate) fn client_error(&self, error: ClientError) {
        let i = ClientError::ALL
            .iter()
            .position(|e| *e == error)
            .unwrap_or(0);
        self.client_errors[i].fetch_add(1, Relaxed);
    }

    /// A client connection was accepted.
    pub(crate) fn connection_opened(&self) {
        self.connections_total.fetch_add(1, Relaxed);
        self.connections_open.fetch_add(1, Relaxed);
    }

    /// A client connection was closed.
    pub(crate) fn connection_closed(&self) {
        self.connections_open.fetch_sub(1, Relaxed);
    }

    /// A client connection was upgraded: it is a tunnel now.
    pub(crate) fn upgraded_opened(&self) {
        self.upgraded_open.fetch_add(1, Relaxed);
    }

    /// A tunnel was closed.
    pub(crate) fn upgraded_closed(&self) {
        self.upgraded_open.fetch_sub(1, Relaxed);
    }

    /// An upstream connection is being opened (pooled or dedicated).
    pub(crate) fn upstream_opened(&self) {
        self.upstream_open.fetch_add(1, Relaxed);
    }

    /// An upstream connection was closed (or could not be opened).
    pub(crate) fn upstream_closed(&self) {
        self.upstream_open.fetch_sub(1, Relaxed);
    }

    /// A request waited for an upstream connection: `total`: for
    /// `max_upstream_connections`, else for `max_upstream_per_connection`.
    pub(crate) fn upstream_wait(&self, total: bool) {
        self.upstream_waits[usize::from(total)].fetch_add(1, Relaxed);
    }

    /// Counts a reload attempt.
    pub(crate) fn reload(&self, ok: bool) {
        self.reloads[usize::from(!ok)].fetch_add(1, Relaxed);
    }

    /// The Prometheus text exposition.
    pub(crate) fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        family(
            &mut out,
            "corsair_requests_total",
            "counter",
            "Requests by CORS kind and decision.",
        );
        for (k, kind) in KINDS.iter().enumerate() {
            for (d, decision) in DECISIONS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "corsair_requests_total{{kind=\"{kind}\",decision=\"{decision}\"}} {}",
                    self.requests[k][d].load(Relaxed)
                );
            }
        }
        family(
            &mut out,
            "corsair_rejections_total",
            "counter",
            "Rejected CORS requests by reason.",
        );
        for (i, reason) in REASONS.iter().enumerate() {
            let _ = writeln!(
                out,
                "corsair_rejections_total{{reason=\"{reason}\"}} {}",
                self.rejections[i].load(Relaxed)
            );
        }
        family(
            &mut out,
            "corsair_responses_total",
            "counter",
            "Responses sent to clients by status class.",
        );
        for (i, class) in ["1xx", "2xx", "3xx", "4xx", "5xx"].iter().enumerate() {
            let _ = writeln!(
                out,
                "corsair_responses_total{{class=\"{class}\"}} {}",
                self.responses[i].load(Relaxed)
            );
        }
        family(
            &mut out,
            "corsair_upstream_errors_total",
            "counter",
            "Upstream failures: connect (502), timeout (504), protocol (502), body (response cut short).",
        );
        for (i, e) in UpstreamError::ALL.iter().enumerate() {
            let _ = writeln!(
                out,
                "corsair_upstream_errors_total{{kind=\"{}\"}} {}",
                e.label(),
                self.upstream_errors[i].load(Relaxed)
            );
        }
        family(
            &mut out,
            "corsair_client_errors_total",
            "counter",
            "Client connections and requests refused by the limits.",
        );
        for (i, e) in ClientError::ALL.iter().enumerate() {
            let _ = writeln!(
                out,
                "corsair_client_errors_total{{kind=\"{}\"}} {}",
                e.label(),
                self.client_errors[i].load(Relaxed)
            );
        }
        family(
            &mut out,
            "corsair_request_duration_seconds",
            "histogram",
            "Time from a request's head to the head of its response.",
        );
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += self.latency_buckets[i].load(Relaxed);
            let _ = writeln!(
                out,
                "corsair_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.latency_count.load(Relaxed);
        let _ = writeln!(
            out,
            "corsair_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let sum = self.latency_sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "corsair_request_duration_seconds_sum {sum}");
        let _ = writeln!(out, "corsair_request_duration_seconds_count {count}");
        family(
            &mut out,
            "corsair_connections_total",
            "counter",
            "Client connections accepted.",
        );
        let _ = writeln!(
            out,
            "corsair_connections_total {}",
            self.connections_total.load(Relaxed)
        );
        family(
            &mut out,
            "corsair_connections_open",
            "gauge",
            "Client connections open now.",
        );
        let _ = writeln!(
            out,
            "corsair_connections_open {}",
            self.connections_open.load(Relaxed)
        );
        family(
            &mut out,
            "corsair_upgraded_connections",
            "gauge",
            "Upgraded client connections (WebSocket tunnels) open now, also counted in corsair_connections_open.",
        );
        let _ = writeln!(
            out,
            "corsair_upgraded_connections {}",
            self.upgraded_open.load(Relaxed)
        );
        family(
            &mut out,
            "corsair_upstream_connections",
            "gauge",
            "Upstream connections open now (pooled and dedicated), at most max_upstream_connections.",
        );
        let _ = writeln!(
            out,
            "corsair_upstream_connections {}",
            self.upstream_open.load(Relaxed)
        );
        family(
            &mut out,
            "corsair_upstream_waits_total",
            "counter",
            "Requests that waited for an upstream connection, by limit: per_connection (max_upstream_per_connection), total (max_upstream_connections).",
        );
        for (i, limit) in ["per_connection", "total"].iter().enumerate() {
            let _ = writeln!(
                out,
                "corsair_upstream_waits_total{{limit=\"{limit}\"}} {}",
                self.upstream_waits[i].load(Relaxed)
            );
        }
        family(
            &mut out,
            "corsair_reloads_total",
            "counter",
            "Policy reloads by result.",
        );
        for (i, result) in ["ok", "error"].iter().enumerate() {
            let _ = writeln!(
                out,
                "corsair_reloads_total{{result=\"{result}\"}} {}",
                self.reloads[i].load(Relaxed)
            );
        }
        out
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, Method};

    #[test]
    fn decisions_and_latency_are_exposed() {
        let metrics = Metrics::new();
        let policy = corsair::Policy::builder()
            .allow_origins(["https://a.example"])
            .build()
            .unwrap();
        let mut request = HeaderMap::new();
        request.insert("origin", "https://b.example".parse().unwrap());
        metrics.decision(&policy.decide(&Method::GET, "/", &request));
        metrics.response(StatusCode::OK, Duration::from_millis(3));
        let text = metrics.render();
        assert!(text.contains("corsair_requests_total{kind=\"actual\",decision=\"rejected\"} 1"));
        assert!(text.contains("corsair_rejections_total{reason=\"origin-not-allowed\"} 1"));
        assert!(text.contains("corsair_request_duration_seconds_bucket{le=\"0.005\"} 1"));
        assert!(text.contains("corsair_request_duration_seconds_bucket{le=\"0.0025\"} 0"));
        assert!(text.contains("corsair_request_duration_seconds_count 1"));
    }
}
