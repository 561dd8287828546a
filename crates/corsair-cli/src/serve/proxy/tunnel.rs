//! Upgraded connections: the [`TunnelSlot`] where a request leaves its tunnel for the
//! connection's task, and the tunnel itself, copying bytes both ways.

use std::future::Future;
use std::pin::Pin;

use hyper_util::rt::TokioIo;

/// A tunnel between an upgraded client connection and its upstream connection.
pub(crate) type Tunnel = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The tunnel of a connection whose request was upgraded (see [`super::Peer::tunnel`]). The
/// connection's task runs it, so that the tunnel keeps the connection's slot of
/// `max_connections` and its idle clock.
#[derive(Default)]
pub(crate) struct TunnelSlot(std::sync::Mutex<Option<Tunnel>>);

impl TunnelSlot {
    pub(super) fn put(&self, tunnel: Tunnel) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(tunnel);
        }
    }

    /// The tunnel left here, if any.
    pub(crate) fn take(&self) -> Option<Tunnel> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Copies bytes both ways between an upgraded client connection and the upgraded
/// upstream connection, until either side closes (the connection's task also closes it
/// when idle, or at shutdown: see `conn.rs`).
pub(super) async fn tunnel(client: hyper::upgrade::OnUpgrade, upstream: hyper::upgrade::OnUpgrade) {
    let (client, upstream) = match tokio::join!(client, upstream) {
        (Ok(c), Ok(u)) => (c, u),
        (Err(e), _) | (_, Err(e)) => {
            tracing::debug!("upgrade failed: {e}");
            return;
        }
    };
    let mut client = TokioIo::new(client);
    let mut upstream = TokioIo::new(upstream);
    match tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
        Ok((up, down)) => tracing::debug!(up, down, "upgraded connection closed"),
        Err(e) => tracing::debug!("upgraded connection failed: {e}"),
    }
}
