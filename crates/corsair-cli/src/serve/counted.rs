//! An upstream connection's place in the counts ([`Counted`]): one of
//! `max_upstream_connections`, and of the dedicated connections (`pool_max_idle`, half
//! of `max_upstream_connections` at most) for a dedicated one. Used by the pooled
//! client's connector and the dedicated connections (`upstream.rs`), and held by
//! corsair's own client's connections (`h1/`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::metrics::METRICS;

/// How many dedicated upstream connections exist now.
static DEDICATED: AtomicUsize = AtomicUsize::new(0);

/// An upstream connection's place in the counts: one of `max_upstream_connections`
/// (and of the dedicated ones), given back when it is dropped with the connection.
pub(crate) struct Counted {
    _permit: OwnedSemaphorePermit,
    dedicated: bool,
}

impl Counted {
    /// A pooled connection's place, with its permit of `max_upstream_connections`.
    pub(crate) fn pooled(permit: OwnedSemaphorePermit) -> Counted {
        Counted::new(permit, false)
    }

    /// A place for one more dedicated connection, unless `max` exist already or
    /// `max_upstream_connections` are open: then the pooled client serves (and waits
    /// for a connection, if it must).
    pub(crate) fn dedicated(permits: &Arc<Semaphore>, max: usize) -> Option<Counted> {
        if DEDICATED.fetch_add(1, Ordering::Relaxed) >= max {
            DEDICATED.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        match Arc::clone(permits).try_acquire_owned() {
            Ok(permit) => Some(Counted::new(permit, true)),
            Err(_) => {
                DEDICATED.fetch_sub(1, Ordering::Relaxed);
                None
            }
        }
    }

    fn new(permit: OwnedSemaphorePermit, dedicated: bool) -> Counted {
        METRICS.upstream_opened();
        Counted {
            _permit: permit,
            dedicated,
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        if self.dedicated {
            DEDICATED.fetch_sub(1, Ordering::Relaxed);
        }
        METRICS.upstream_closed();
    }
}
