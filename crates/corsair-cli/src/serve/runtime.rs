//! How client connections are spread over threads (`[server] runtime`):
//!
//! - `per-core` (the default): `workers` threads, each with a single-thread tokio
//!   runtime of its own, as nginx runs one worker process per core. The listener hands
//!   each accepted connection to the next thread in turn, and the connection stays
//!   there: no work stealing, no wake-ups across threads. In `scripts/loadtest.sh` it
//!   serves more requests per second than `multi-thread`, with a lower p99, and more so
//!   on a machine shared with other busy processes (see BENCHMARKS.md). A single busy
//!   connection (an HTTP/2 client multiplexing many streams) can use one core only.
//! - `multi-thread`: one tokio multi-thread runtime with `workers` worker threads;
//!   connections and their requests are scheduled (and stolen) across them. Better when
//!   a few connections carry most of the load.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, mpsc, watch};

use super::conn::{self, Server};
use super::proxy::Gateway;

/// One accepted connection, on its way to a thread.
struct Job {
    stream: std::net::TcpStream,
    peer: SocketAddr,
    permit: OwnedSemaphorePermit,
}

/// The per-core threads, each running its own single-thread runtime.
pub(crate) struct Cores {
    threads: Vec<mpsc::UnboundedSender<Job>>,
    next: usize,
}

impl Cores {
    /// Starts `n` threads serving connections with `server` and `gateway`.
    pub(crate) fn start(
        n: usize,
        server: &Arc<Server>,
        gateway: &Arc<Gateway>,
        stopped: &watch::Receiver<bool>,
    ) -> Result<Cores, String> {
        let mut threads = Vec::with_capacity(n);
        for i in 0..n {
            let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("corsair: cannot start a runtime: {e}\n"))?;
            let server = Arc::clone(server);
            let gateway = Arc::clone(gateway);
            let stopped = stopped.clone();
            std::thread::Builder::new()
                .name(format!("corsair-core-{i}"))
                .spawn(move || {
                    runtime.block_on(async move {
                        while let Some(job) = rx.recv().await {
                            let Ok(stream) = tokio::net::TcpStream::from_std(job.stream) else {
                                continue;
                            };
                            let server = Arc::clone(&server);
                            let gateway = Arc::clone(&gateway);
                            let stopped = stopped.clone();
                            tokio::spawn(async move {
                                conn::serve(server, gateway, stream, job.peer, stopped).await;
                                drop(job.permit);
                            });
                        }
                    });
                })
                .map_err(|e| format!("corsair: cannot start a thread: {e}\n"))?;
            threads.push(tx);
        }
        Ok(Cores { threads, next: 0 })
    }

    /// Hands a connection to the next thread.
    pub(crate) fn dispatch(
        &mut self,
        stream: tokio::net::TcpStream,
        peer: SocketAddr,
        permit: OwnedSemaphorePermit,
    ) {
        let Some(thread) = self.threads.get(self.next) else {
            return;
        };
        self.next = (self.next + 1) % self.threads.len();
        match stream.into_std() {
            Ok(stream) => {
                let _ = thread.send(Job {
                    stream,
                    peer,
                    permit,
                });
            }
            Err(e) => tracing::warn!("cannot hand a connection over: {e}"),
        }
    }
}
