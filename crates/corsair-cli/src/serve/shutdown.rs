//! Graceful shutdown: SIGTERM or SIGINT stops the listeners, every connection is asked
//! to finish its in-flight requests (HTTP/1.1: the current exchange, then close;
//! HTTP/2: GOAWAY), and the process waits for them up to `shutdown_timeout`.

use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::Semaphore;

/// The signals the gateway handles, installed before it starts listening so that none
/// falls back to its default action (ending the process).
pub(crate) struct Signals {
    terminate: Signal,
    interrupt: Signal,
    /// SIGHUP, for the reloader.
    pub(crate) hangup: Option<Signal>,
}

impl Signals {
    /// Installs the handlers.
    pub(crate) fn install() -> Result<Signals, String> {
        let install = |kind: SignalKind, name: &str| {
            signal(kind).map_err(|e| format!("corsair: cannot handle {name}: {e}\n"))
        };
        Ok(Signals {
            terminate: install(SignalKind::terminate(), "SIGTERM")?,
            interrupt: install(SignalKind::interrupt(), "SIGINT")?,
            hangup: Some(install(SignalKind::hangup(), "SIGHUP")?),
        })
    }

    /// Resolves at SIGTERM or SIGINT, with the signal's name.
    pub(crate) async fn stop_requested(&mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }
}

/// Waits until every connection has given its permit back, at most `timeout`. Returns
/// whether they all did.
pub(crate) async fn drain(permits: Arc<Semaphore>, total: usize, timeout: Duration) -> bool {
    let total = u32::try_from(total).unwrap_or(u32::MAX);
    tokio::time::timeout(timeout, permits.acquire_many(total))
        .await
        .is_ok_and(|permit| permit.is_ok())
}
