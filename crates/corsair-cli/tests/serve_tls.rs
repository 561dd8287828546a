//! `corsair serve` with TLS (`tls_cert`, `tls_key`): CORS answers over HTTPS with
//! HTTP/1.1 and h2 (ALPN), certificate reloads (a good one is taken, a bad one refused),
//! a client that never starts its handshake; and https upstreams (`upstream_ca`).
//! Certificates are made here by rcgen.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serve_support::{Gateway, TempDir, TestUpstream, bounded, get, policy, read_response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// A certificate authority made for one test.
struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).unwrap();
        Ca { cert, key }
    }

    fn pem(&self) -> String {
        self.cert.pem()
    }

    /// A certificate for `localhost` and 127.0.0.1 signed by this CA: (chain PEM, key PEM).
    fn leaf(&self) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

/// A TLS client that trusts only `ca_pem`, offering `alpn`.
fn connector(ca_pem: &str, alpn: &[&[u8]]) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    TlsConnector::from(Arc::new(config))
}

/// Connects with TLS to the gateway as `localhost`.
async fn tls_connect(
    addr: SocketAddr,
    ca_pem: &str,
    alpn: &[&[u8]],
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    connector(ca_pem, alpn)
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

/// One request to `/echo` on a fresh HTTP/1.1 or h2 connection: (status,
/// Access-Control-Allow-Origin).
async fn cors_get(
    addr: SocketAddr,
    ca_pem: &str,
    h2: bool,
    origin: &str,
) -> Result<(u16, Option<String>), String> {
    let (status, allow, _) = cors_get_body(addr, ca_pem, h2, origin).await?;
    Ok((status, allow))
}

/// As [`cors_get`], with the body: the headers the upstream received.
async fn cors_get_body(
    addr: SocketAddr,
    ca_pem: &str,
    h2: bool,
    origin: &str,
) -> Result<(u16, Option<String>, String), String> {
    let alpn: &[&[u8]] = if h2 { &[b"h2"] } else { &[b"http/1.1"] };
    let tls = bounded("TLS handshake", tls_connect(addr, ca_pem, alpn))
        .await
        .map_err(|e| e.to_string())?;
    let negotiated = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
    assert_eq!(negotiated.as_deref(), Some(alpn[0]), "ALPN");
    let request = Request::get(format!("https://localhost:{}/echo", addr.port()))
        .header("origin", origin)
        .body(Empty::<Bytes>::new())
        .unwrap();
    let io = TokioIo::new(tls);
    let response = if h2 {
        let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        bounded("h2 request", sender.send_request(request)).await
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        let mut request = request;
        request.headers_mut().insert(
            "host",
            format!("localhost:{}", addr.port()).parse().unwrap(),
        );
        bounded("HTTP/1.1 request", sender.send_request(request)).await
    }
    .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let allow = response
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = bounded("body", response.into_body().collect())
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, allow, String::from_utf8_lossy(&body).into_owned()))
}

/// A gateway serving HTTPS with a certificate of `ca`, in front of a test upstream.
struct Setup {
    _upstream: TestUpstream,
    dir: TempDir,
    gateway: Gateway,
}

async fn start(test: &str, ca: &Ca, server: &str) -> Setup {
    let upstream = TestUpstream::start().await;
    let dir = TempDir::new(test);
    let (cert, key) = ca.leaf();
    let cert = dir.write("cert.pem", &cert);
    let key = dir.write("key.pem", &key);
    assert_eq!(cert.parent(), key.parent());
    // Relative paths: read from the policy file's directory, not from the gateway's
    // working directory (the test's, elsewhere).
    let file = dir.write(
        "corsair.toml",
        &policy(&format!(
            "upstream = \"{}\"\ntls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n{server}",
            upstream.url(),
        )),
    );
    assert_eq!(file.parent(), cert.parent());
    let gateway = Gateway::with_config(&file);
    Setup {
        _upstream: upstream,
        dir,
        gateway,
    }
}

const ORIGIN: &str = "https://app.example";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_over_tls_with_http1_and_h2() {
    let ca = Ca::new("corsair test CA");
    let setup = start("tls-alpn", &ca, "").await;
    let addr = setup.gateway.addr;
    for h2 in [false, true] {
        let (status, allow, echoed) = cors_get_body(addr, &ca.pem(), h2, ORIGIN).await.unwrap();
        assert_eq!(status, 200, "h2: {h2}");
        assert_eq!(allow.as_deref(), Some(ORIGIN), "h2: {h2}");
        assert!(echoed.contains("x-forwarded-proto: https"), "{echoed}");
        let (status, allow) = cors_get(addr, &ca.pem(), h2, "https://evil.example")
            .await
            .unwrap();
        assert_eq!((status, allow), (200, None), "h2: {h2}");
    }
    // A client that does not trust the CA gets no answer.
    let other = Ca::new("another CA");
    assert!(
        bounded("TLS handshake", tls_connect(addr, &other.pem(), &[b"h2"]))
            .await
            .is_err()
    );
    // Plain HTTP on the TLS port is no request: the connection closes without an answer.
    let plain = serve_support::exchange(addr, b"GET / HTTP/1.1\r\nhost: x\r\n\r\n").await;
    assert!(!plain.starts_with(b"HTTP/1.1 200"), "{plain:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_reloads_take_good_ones_and_refuse_bad_ones() {
    let ca = Ca::new("corsair test CA");
    let setup = start("tls-reload", &ca, "watch = false").await;
    let addr = setup.gateway.addr;
    let dir = &setup.dir;

    // A connection opened before the reloads.
    let tls = bounded("TLS handshake", tls_connect(addr, &ca.pem(), &[b"h2"]))
        .await
        .unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(conn);
    let send = |sender: &mut hyper::client::conn::http2::SendRequest<Empty<Bytes>>| {
        sender.send_request(
            Request::get(format!("https://localhost:{}/echo", addr.port()))
                .header("origin", ORIGIN)
                .body(Empty::new())
                .unwrap(),
        )
    };
    assert_eq!(
        bounded("request", send(&mut sender))
            .await
            .unwrap()
            .status(),
        200
    );

    // A bad certificate: refused, the old one stays.
    dir.write(
        "cert.pem",
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    );
    setup.gateway.signal("HUP");
    setup.gateway.wait_for_log(&[
        "TLS certificate reload refused",
        "keeping the previous certificate",
    ]);
    let (status, allow) = cors_get(addr, &ca.pem(), false, ORIGIN).await.unwrap();
    assert_eq!((status, allow.as_deref()), (200, Some(ORIGIN)));
    // A key that does not match the certificate: refused too.
    let (cert, _) = ca.leaf();
    let (_, other_key) = ca.leaf();
    dir.write("cert.pem", &cert);
    dir.write("key.pem", &other_key);
    setup.gateway.signal("HUP");
    bounded("the second refusal", async {
        while setup.gateway.count_log("TLS certificate reload refused") < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let (status, _) = cors_get(addr, &ca.pem(), true, ORIGIN).await.unwrap();
    assert_eq!(status, 200);

    // A good certificate from another CA: new handshakes get it, the open connection
    // goes on.
    let next = Ca::new("the next CA");
    let (cert, key) = next.leaf();
    dir.write("key.pem", &key);
    dir.write("cert.pem", &cert);
    setup.gateway.signal("HUP");
    setup.gateway.wait_for_log(&["TLS certificate reloaded"]);
    let (status, allow) = cors_get(addr, &next.pem(), false, ORIGIN).await.unwrap();
    assert_eq!((status, allow.as_deref()), (200, Some(ORIGIN)));
    assert!(cors_get(addr, &ca.pem(), false, ORIGIN).await.is_err());
    assert_eq!(
        bounded("request", send(&mut sender))
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_certificate_file_is_reloaded_without_a_signal() {
    let ca = Ca::new("corsair test CA");
    let setup = start("tls-watch", &ca, "").await;
    let addr = setup.gateway.addr;
    let next = Ca::new("the next CA");
    let (cert, key) = next.leaf();
    // Written one after the other: a check between the two sees a key that does not
    // match (refused), the next one the pair.
    setup.dir.write("key.pem", &key);
    setup.dir.write("cert.pem", &cert);
    setup
        .gateway
        .wait_for_log(&["TLS certificate reloaded", "the file changed"]);
    let (status, allow) = cors_get(addr, &next.pem(), true, ORIGIN).await.unwrap();
    assert_eq!((status, allow.as_deref()), (200, Some(ORIGIN)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_handshake_is_closed_within_header_timeout() {
    let ca = Ca::new("corsair test CA");
    let setup = start("tls-stall", &ca, "header_timeout = 1").await;
    let started = Instant::now();
    let mut tcp = TcpStream::connect(setup.gateway.addr).await.unwrap();
    let mut buf = [0u8; 64];
    // No ClientHello: the gateway closes the connection without a byte.
    let read = bounded("the close", tcp.read(&mut buf)).await;
    let elapsed = started.elapsed();
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    // Half a ClientHello is bounded the same way.
    let started = Instant::now();
    let mut tcp = TcpStream::connect(setup.gateway.addr).await.unwrap();
    tcp.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .await
        .unwrap();
    let read = bounded("the close", tcp.read(&mut buf)).await;
    let elapsed = started.elapsed();
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    // The gateway still serves.
    let (status, _) = cors_get(setup.gateway.addr, &ca.pem(), true, ORIGIN)
        .await
        .unwrap();
    assert_eq!(status, 200);
}

#[test]
fn lint_wants_both_tls_files() {
    let dir = TempDir::new("tls-lint");
    let file = dir.write("corsair.toml", &policy("tls_cert = \"cert.pem\"\n"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_corsair"))
        .arg("lint")
        .arg(&file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("tls_cert needs tls_key"), "{text}");
}

#[test]
fn a_bad_certificate_stops_the_start() {
    let dir = TempDir::new("tls-bad-start");
    let cert = dir.write("cert.pem", "not a certificate\n");
    let key = dir.write("key.pem", "not a key\n");
    let file = dir.write(
        "corsair.toml",
        &policy(&format!(
            "tls_cert = \"{}\"\ntls_key = \"{}\"\n",
            cert.display(),
            key.display()
        )),
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_corsair"))
        .args(["serve", "--config"])
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + serve_support::STEP;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("corsair serve started with a bad certificate");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("tls_cert"), "{stderr}");
}

/// The server names (SNI) that an https upstream's clients sent, one a connection.
type ServerNames = Arc<std::sync::Mutex<Vec<Option<String>>>>;

/// An https upstream on 127.0.0.1 with a certificate of `ca`: answers `secure` with
/// `x-upstream: tls`. Returns its address, how many TLS connections it accepted, and
/// the server name each sent.
async fn https_upstream(ca: &Ca) -> (SocketAddr, Arc<std::sync::atomic::AtomicUsize>, ServerNames) {
    use rustls::pki_types::PrivateKeyDer;

    let (cert, key) = ca.leaf();
    let chain: Vec<_> = CertificateDer::pem_slice_iter(cert.as_bytes())
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    let names = ServerNames::default();
    let seen = Arc::clone(&names);
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let count = Arc::clone(&count);
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                // A gateway that refuses the certificate ends the handshake.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                seen.lock()
                    .unwrap()
                    .push(tls.get_ref().1.server_name().map(str::to_owned));
                let service = hyper::service::service_fn(|_request| async {
                    Ok::<_, std::convert::Infallible>(
                        hyper::Response::builder()
                            .header("x-upstream", "tls")
                            .body(http_body_util::Full::new(Bytes::from_static(b"secure")))
                            .unwrap(),
                    )
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (addr, accepted, names)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_upstream_with_a_private_ca() {
    let ca = Ca::new("upstream CA");
    let (addr, accepted, names) = https_upstream(&ca).await;
    let dir = TempDir::new("tls-upstream");
    let ca_file = dir.write("ca.pem", &ca.pem());
    let file = dir.write(
        "corsair.toml",
        &policy(&format!(
            "upstream = \"https://{addr}\"\nupstream_ca = \"{}\"\n",
            ca_file.display()
        )),
    );
    let gateway = Gateway::with_config(&file);
    let response = get(gateway.addr, "/x", &[("origin", ORIGIN)]).await;
    assert_eq!(response.status, 200, "{}", response.body_text());
    assert_eq!(response.body_text(), "secure");
    assert_eq!(response.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(response.header("x-upstream"), Some("tls"));
    // A keep-alive client connection: its requests go through the pooled client, whose
    // TLS connection is reused (one new one at most: the first request's may not be back
    // in the pool yet).
    let before = accepted.load(std::sync::atomic::Ordering::SeqCst);
    let mut tcp = TcpStream::connect(gateway.addr).await.unwrap();
    for _ in 0..3 {
        tcp.write_all(b"GET /y HTTP/1.1\r\nhost: x\r\norigin: https://app.example\r\n\r\n")
            .await
            .unwrap();
        let response = read_response(&mut tcp).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.body_text(), "secure");
    }
    let after = accepted.load(std::sync::atomic::Ordering::SeqCst);
    assert!(after - before <= 1, "{before} then {after} TLS connections");
    // An IP address is no server name: none is sent (RFC 6066 section 3).
    let names = names.lock().unwrap();
    assert_eq!(names.len(), after);
    assert!(names.iter().all(Option::is_none), "{names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_upstream_by_name_gets_its_name_in_sni_and_is_verified_against_it() {
    let ca = Ca::new("upstream CA");
    let (addr, _, names) = https_upstream(&ca).await;
    let dir = TempDir::new("tls-upstream-sni");
    let ca_file = dir.write("ca.pem", &ca.pem());
    let file = dir.write(
        "corsair.toml",
        &policy(&format!(
            "upstream = \"https://localhost:{}\"\nupstream_ca = \"{}\"\n",
            addr.port(),
            ca_file.display()
        )),
    );
    let gateway = Gateway::with_config(&file);
    let response = get(gateway.addr, "/x", &[("origin", ORIGIN)]).await;
    assert_eq!(response.status, 200, "{}", response.body_text());
    assert_eq!(response.body_text(), "secure");
    assert_eq!(*names.lock().unwrap(), [Some("localhost".to_owned())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_upstream_with_an_unknown_ca_is_a_502() {
    let ca = Ca::new("upstream CA");
    let (addr, accepted, _) = https_upstream(&ca).await;
    let dir = TempDir::new("tls-upstream-unknown");
    // Trusts another CA (and the Mozilla roots), not the upstream's.
    let other = dir.write("ca.pem", &Ca::new("another CA").pem());
    let file = dir.write(
        "corsair.toml",
        &policy(&format!(
            "upstream = \"https://{addr}\"\nupstream_ca = \"{}\"\n",
            other.display()
        )),
    );
    let gateway = Gateway::with_config(&file);
    let response = get(gateway.addr, "/x", &[("origin", ORIGIN)]).await;
    assert_eq!(response.status, 502, "{}", response.body_text());
    assert!(
        response
            .body_text()
            .contains("invalid peer certificate: UnknownIssuer"),
        "{}",
        response.body_text()
    );
    assert_eq!(response.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 0);
}
