//! Real servers on loopback for the `check` and `audit` tests: axum apps (behind
//! corsair's tower layer or hand-written CORS code) served inside the test process over
//! http or https, and the fixture apps of other frameworks (Starlette with uvicorn,
//! Express with `cors`) run as child processes.
//!
//! The fixtures need Python (starlette, uvicorn) and Node (`npm ci` in
//! tests/fixtures/express). Without them a test prints
//! `corsair-test-skipped: <test>: <why>` and skips, except under CI (`CI=true`), where it
//! fails: `scripts/test` installs them.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;

/// How long a fixture server may take to start on a loaded machine.
const STARTUP: Duration = Duration::from_secs(60);

/// An axum app served on `127.0.0.1:0` by a runtime of its own, stopped when dropped.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// `http` or `https`.
    scheme: &'static str,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestServer {
    /// `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Serves `app` over plain http.
pub fn serve(app: Router) -> TestServer {
    let runtime = runtime();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind a loopback port");
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    TestServer {
        addr,
        scheme: "http",
        runtime: Some(runtime),
    }
}

/// A self-signed certificate for `127.0.0.1` and `localhost`.
pub struct Certificate {
    /// PEM, to give to `--cacert`.
    pub pem: String,
    der: Vec<u8>,
    key_der: Vec<u8>,
}

/// Makes a fresh self-signed certificate.
pub fn certificate() -> Certificate {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("a self-signed certificate");
    Certificate {
        pem: certified.cert.pem(),
        der: certified.cert.der().to_vec(),
        key_der: certified.key_pair.serialize_der(),
    }
}

/// Serves `app` over https (rustls, HTTP/1.1) with `certificate`.
pub fn serve_tls(app: Router, certificate: &Certificate) -> TestServer {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(certificate.der.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certificate.key_der.clone())),
        )
        .expect("a TLS server configuration");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

    let runtime = runtime();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind a loopback port");
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let service = TowerToHyperService::new(app.clone());
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: fine.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    TestServer {
        addr,
        scheme: "https",
        runtime: Some(runtime),
    }
}

/// A loopback address where nothing listens (a port just freed).
pub fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// A loopback server that accepts connections and never answers, for timeouts. It
/// stops when dropped.
pub struct SilentServer {
    /// Where it listens.
    pub addr: SocketAddr,
    _listener: TcpListener,
}

/// Starts a [`SilentServer`]: the kernel completes the handshakes (backlog), nobody
/// reads.
pub fn silent_server() -> SilentServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    SilentServer {
        addr: listener.local_addr().unwrap(),
        _listener: listener,
    }
}

/// A fixture server run as a child process, killed when dropped.
pub struct ChildServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    child: Child,
}

impl ChildServer {
    /// `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fixtures directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Whether the tests run under CI, where every fixture must be available.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `true` when the fixture can run; otherwise fails under CI, or prints why and
/// returns `false` (the caller then skips).
fn available(what: &str, ok: bool, install: &str) -> bool {
    if ok {
        return true;
    }
    assert!(
        !in_ci(),
        "{what} is missing, and CI must run this test: {install} (.ci/run does it)"
    );
    // Past the harness's capture, so that it shows (and `scripts/test` counts the test as
    // skipped) although the test passes: one line, `corsair-test-skipped: <test>: <why>`.
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("unnamed test");
    let _ = writeln!(
        std::io::stderr(),
        "corsair-test-skipped: {test}: {what} is missing; to run this test: {install}"
    );
    false
}

fn succeeds(command: &mut Command) -> bool {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `command` (to which the port is given by `with_port`) and waits until the
/// port accepts connections. A child that dies first (its port taken meanwhile) is
/// started again on another port, up to three times.
fn start(what: &str, mut make: impl FnMut(u16) -> Command) -> ChildServer {
    for _ in 0..3 {
        let port = free_port();
        let mut command = make(port);
        command.stdin(Stdio::null()).stdout(Stdio::null());
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        let mut server = ChildServer { port, child };
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                eprintln!("{what} exited ({status}) before listening; retrying");
                break;
            }
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "{what} did not listen on port {port} within {STARTUP:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        drop(server);
    }
    panic!("{what} could not be started");
}

/// The Starlette fixture (tests/fixtures/starlette_app.py) under uvicorn, or `None`
/// (skip) when Python, starlette or uvicorn is missing outside CI.
pub fn starlette() -> Option<ChildServer> {
    let ok = succeeds(Command::new("python3").args(["-c", "import starlette, uvicorn"]));
    if !available(
        "Python 3 with starlette and uvicorn",
        ok,
        "bash scripts/test installs them into target/venv; or, with that venv's bin first on \
         PATH: python3 -m pip install -r crates/corsair-cli/tests/fixtures/requirements.txt",
    ) {
        return None;
    }
    Some(start("uvicorn (Starlette fixture)", |port| {
        let mut command = Command::new("python3");
        command
            .args(["-m", "uvicorn", "starlette_app:app", "--host", "127.0.0.1"])
            .args(["--port", &port.to_string(), "--log-level", "warning"])
            .current_dir(fixtures());
        command
    }))
}

/// The Express fixture (tests/fixtures/express/server.js), or `None` (skip) when Node
/// or its `node_modules` is missing outside CI.
pub fn express() -> Option<ChildServer> {
    let dir = fixtures().join("express");
    let ok = succeeds(Command::new("node").arg("--version"))
        && dir.join("node_modules/express").is_dir()
        && dir.join("node_modules/cors").is_dir();
    if !available(
        "Node.js with the Express fixture's packages",
        ok,
        "(cd crates/corsair-cli/tests/fixtures/express && npm ci)",
    ) {
        return None;
    }
    Some(start("node (Express fixture)", |port| {
        let mut command = Command::new("node");
        command
            .args(["server.js", &port.to_string()])
            .current_dir(&dir);
        command
    }))
}
