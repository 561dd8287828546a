//! How client connections are spread over threads (`[server] runtime`):
//!
//! - `per-core` (the default): `workers` threads, each with a single-thread tokio
//!   runtime of its own, as nginx runs one worker process per core. The listener hands
//!   each accepted connection to one thread (see [`choose`]), and the connection stays
//!   there: no work stealing, no wake-ups across threads. In `scripts/loadtest.sh` it
//!   serves more requests per second than `multi-thread`, with a lower p99, and more so
//!   on a machine shared with other busy processes (see BENCHMARKS.md). A single busy
//!   connection (an HTTP/2 client multiplexing many streams) can use one core only.
//! - `multi-thread`: one tokio multi-thread runtime with `workers` worker threads;
//!   connections and their requests are scheduled (and stolen) across them. Better when
//!   a few connections carry most of the load.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, mpsc, watch};

use super::conn::{self, Server};
use super::proxy::Gateway;

/// One accepted connection, on its way to a thread.
struct Job {
    stream: std::net::TcpStream,
    peer: SocketAddr,
    permit: OwnedSemaphorePermit,
    _on_thread: OnThread,
}

/// One connection in a thread's count, for as long as this value lives.
struct OnThread {
    counts: Arc<[AtomicUsize]>,
    thread: usize,
}

impl OnThread {
    fn new(counts: &Arc<[AtomicUsize]>, thread: usize) -> OnThread {
        if let Some(count) = counts.get(thread) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        OnThread {
            counts: Arc::clone(counts),
            thread,
        }
    }
}

impl Drop for OnThread {
    fn drop(&mut self) {
        if let Some(count) = self.counts.get(self.thread) {
            count.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// The per-core threads, each running its own single-thread runtime.
pub(crate) struct Cores {
    threads: Vec<mpsc::UnboundedSender<Job>>,
    /// The connections each thread serves now.
    counts: Arc<[AtomicUsize]>,
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
        let counts = (0..n).map(|_| AtomicUsize::new(0)).collect();
        Ok(Cores {
            threads,
            counts,
            next: 0,
        })
    }

    /// Hands a connection to a thread (see [`choose`]).
    pub(crate) fn dispatch(
        &mut self,
        stream: tokio::net::TcpStream,
        peer: SocketAddr,
        permit: OwnedSemaphorePermit,
    ) {
        let i = choose(incoming_cpu(&stream), &self.counts, self.next);
        let Some(thread) = self.threads.get(i) else {
            return;
        };
        self.next = (i + 1) % self.threads.len();
        match stream.into_std() {
            Ok(stream) => {
                let _ = thread.send(Job {
                    stream,
                    peer,
                    permit,
                    _on_thread: OnThread::new(&self.counts, i),
                });
            }
            Err(e) => tracing::warn!("cannot hand a connection over: {e}"),
        }
    }
}

/// How many connections a thread may serve beyond the least busy thread's (besides an
/// eighth of that thread's count) and still take the connections of its own CPU. 32 lets
/// a client that opens its connections in a burst from one CPU (a load tester's thread, a
/// proxy filling its pool) keep them on one thread.
const SPARE: usize = 32;

/// Which of the threads (their connection counts in `counts`) takes a connection whose
/// packets the kernel handled on CPU `cpu`; `next` is the thread whose turn it is.
///
/// Thread *i* takes the connections that arrive on CPU *i* (modulo the number of
/// threads), as long as it serves no more than an eighth more connections, plus
/// [`SPARE`], than the least busy thread; beyond that, the least busy thread takes it.
/// The connections of one client thread (on loopback) or of one receive queue of the
/// network card then share a thread, which the scheduler keeps beside the work that wakes
/// it, instead of every thread's responses crossing between CPUs. When every connection
/// arrives on one CPU (a network card with one queue), the bound keeps the threads
/// near even: 1,000 connections split about 544 / 456 over two threads. Where the CPU is
/// not known (not Linux), the threads take connections in turn.
///
/// Against taking connections in turn, in `scripts/loadtest.sh` (two threads, wrk's 64
/// connections): preflights from 0.97 to 1.08 of nginx's requests/s, forwarded requests
/// from 1.03 to 1.10 (docs/perf/serve.md).
fn choose(cpu: Option<usize>, counts: &[AtomicUsize], next: usize) -> usize {
    let n = counts.len();
    let Some(cpu) = cpu.filter(|_| n > 0) else {
        return next;
    };
    let count = |i: usize| counts.get(i).map_or(0, |c| c.load(Ordering::Relaxed));
    let own = cpu % n;
    let least = (0..n).min_by_key(|&i| count(i)).unwrap_or(own);
    if count(own) <= count(least) + count(least) / 8 + SPARE {
        own
    } else {
        least
    }
}

/// The CPU on which the kernel last handled the packets of `stream` (`SO_INCOMING_CPU`).
#[cfg(target_os = "linux")]
fn incoming_cpu(stream: &tokio::net::TcpStream) -> Option<usize> {
    // -1 (as a huge number) when the kernel has not recorded one.
    let cpu = socket2::SockRef::from(stream).cpu_affinity().ok()?;
    i32::try_from(cpu).is_ok().then_some(cpu)
}

/// The CPU on which the kernel last handled the packets of `stream`: not known here.
#[cfg(not(target_os = "linux"))]
fn incoming_cpu(_stream: &tokio::net::TcpStream) -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(of: &[usize]) -> Vec<AtomicUsize> {
        of.iter().map(|&c| AtomicUsize::new(c)).collect()
    }

    #[test]
    fn a_connection_goes_to_the_thread_of_its_cpu() {
        let counts = counts(&[10, 10]);
        assert_eq!(choose(Some(0), &counts, 1), 0);
        assert_eq!(choose(Some(1), &counts, 0), 1);
        // More CPUs than threads: CPU modulo threads.
        assert_eq!(choose(Some(5), &counts, 0), 1);
    }

    #[test]
    fn a_thread_takes_its_own_connections_up_to_its_spare() {
        let limit = 40 + 40 / 8 + SPARE;
        assert_eq!(choose(Some(0), &counts(&[limit, 40]), 1), 0);
        assert_eq!(choose(Some(0), &counts(&[limit + 1, 40]), 0), 1);
    }

    #[test]
    fn the_least_busy_thread_takes_the_overflow() {
        let counts = counts(&[500, 70, 60, 200]);
        assert_eq!(choose(Some(0), &counts, 0), 2);
        assert_eq!(choose(Some(3), &counts, 0), 2);
        assert_eq!(choose(Some(1), &counts, 0), 1);
    }

    #[test]
    fn without_a_cpu_the_threads_take_turns() {
        let counts = counts(&[0, 100, 0]);
        assert_eq!(choose(None, &counts, 1), 1);
        assert_eq!(choose(None, &counts, 2), 2);
        assert_eq!(choose(Some(4), &[], 0), 0);
    }

    #[test]
    fn connections_from_one_cpu_spread_once_the_spare_is_used() {
        // Every connection arrives on CPU 0, as with a network card of one queue.
        let shared: Arc<[AtomicUsize]> = counts(&[0, 0]).into();
        let mut held = Vec::new();
        for _ in 0..1000 {
            let i = choose(Some(0), &shared, 0);
            held.push(OnThread::new(&shared, i));
        }
        let (a, b) = (
            shared[0].load(Ordering::Relaxed),
            shared[1].load(Ordering::Relaxed),
        );
        assert_eq!(a + b, 1000);
        assert!(a <= b + b / 8 + SPARE + 1, "{a} against {b}");
        assert!(a >= b, "{a} against {b}");
        drop(held);
        assert_eq!(
            shared[0].load(Ordering::Relaxed) + shared[1].load(Ordering::Relaxed),
            0
        );
    }
}
