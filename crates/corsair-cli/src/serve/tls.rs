//! TLS termination (`tls_cert`, `tls_key`): rustls with the ring provider, ALPN `h2`
//! and `http/1.1`. The certificate is held behind a lock read at each handshake, so a
//! reload swaps it for new handshakes while open connections go on with the one they
//! started with; a certificate that does not load is refused and the old one stays.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::SystemTime;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// The certificate files and the certificate they hold now.
#[derive(Debug)]
pub(crate) struct Certs {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
    /// [`Certs::stamp`] as it was just before the files were read at start: a change
    /// made after that, even before the reloader starts, is seen.
    loaded: [Option<(SystemTime, u64)>; 2],
}

impl Certs {
    /// Loads the certificate chain and its key.
    pub(crate) fn load(cert: &Path, key: &Path) -> Result<Arc<Certs>, String> {
        let loaded = [stamp(cert), stamp(key)];
        let certified = certified_key(cert, key)?;
        Ok(Arc::new(Certs {
            cert: cert.to_owned(),
            key: key.to_owned(),
            current: RwLock::new(Arc::new(certified)),
            loaded,
        }))
    }

    /// The acceptor: ALPN `h2` first, then `http/1.1`.
    pub(crate) fn acceptor(self: &Arc<Self>) -> Result<TlsAcceptor, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot set up TLS: {e}"))?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }

    /// The modification times and sizes of both files, to tell when they change.
    pub(crate) fn stamp(&self) -> [Option<(SystemTime, u64)>; 2] {
        [stamp(&self.cert), stamp(&self.key)]
    }

    /// [`Certs::stamp`] just before the files were read at start.
    pub(crate) fn loaded_stamp(&self) -> [Option<(SystemTime, u64)>; 2] {
        self.loaded
    }

    /// Reads both files again; a certificate that does not load is refused (logged) and
    /// the current one stays.
    pub(crate) fn reload(&self, why: &str) {
        let file = self.cert.display().to_string();
        match certified_key(&self.cert, &self.key) {
            Ok(certified) => {
                if let Ok(mut current) = self.current.write() {
                    *current = Arc::new(certified);
                }
                tracing::info!(file, "TLS certificate reloaded ({why})");
            }
            Err(e) => tracing::error!(
                file,
                "TLS certificate reload refused ({why}): {e}; keeping the previous certificate"
            ),
        }
    }
}

impl ResolvesServerCert for Certs {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current.read().ok().map(|current| Arc::clone(&current))
    }
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}

/// Reads a PEM chain and its PEM key, and checks that the key matches the first
/// certificate.
fn certified_key(cert: &Path, key: &Path) -> Result<CertifiedKey, String> {
    let mut chain = Vec::new();
    let certs = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("cannot read tls_cert {}: {e}", cert.display()))?;
    for c in certs {
        chain.push(c.map_err(|e| format!("cannot read tls_cert {}: {e}", cert.display()))?);
    }
    if chain.is_empty() {
        return Err(format!(
            "tls_cert {}: no PEM certificate in the file",
            cert.display()
        ));
    }
    let private = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("cannot read tls_key {}: {e}", key.display()))?;
    let provider = rustls::crypto::ring::default_provider();
    let certified = CertifiedKey::from_der(chain, private, &provider).map_err(|e| {
        format!(
            "tls_cert {} and tls_key {}: {e}",
            cert.display(),
            key.display()
        )
    })?;
    Ok(certified)
}

/// A client's stream: plain TCP, or TLS over it.
pub(crate) enum ClientStream {
    /// Plain HTTP.
    Plain(TcpStream),
    /// HTTPS, the handshake done.
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for ClientStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            ClientStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ClientStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            ClientStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            ClientStream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            ClientStream::Plain(s) => s.is_write_vectored(),
            ClientStream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_flush(cx),
            ClientStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            ClientStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
