//! Shared helpers for the `corsair serve` end-to-end tests: a real upstream on loopback
//! (hyper, in the test process), the real `corsair` binary started on port 0, and small
//! raw HTTP/1.1 clients. Everything is bounded in time and uses 127.0.0.1 only.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// The longest any single step of a test may take.
pub const STEP: Duration = Duration::from_secs(30);

/// Awaits a future, failing the test after [`STEP`].
pub async fn bounded<F: std::future::Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(STEP, future).await {
        Ok(output) => output,
        Err(_) => panic!("timed out: {what}"),
    }
}

// ---------------------------------------------------------------------------------------
// The upstream.

/// What the upstream saw.
#[derive(Default)]
pub struct UpstreamState {
    /// Requests received.
    pub hits: AtomicUsize,
    /// Released by the test to let `/gated` finish its body.
    pub gate: Notify,
}

/// A small upstream API on 127.0.0.1:0, served from the test's runtime.
pub struct TestUpstream {
    pub addr: SocketAddr,
    pub state: Arc<UpstreamState>,
}

type UpBody = BoxBody<Bytes, std::io::Error>;

fn full(text: impl Into<Bytes>) -> UpBody {
    Full::new(text.into()).map_err(|e| match e {}).boxed()
}

impl TestUpstream {
    /// Starts the upstream.
    ///
    /// Routes: `/echo` (the request headers, one `name: value` line each, body drained),
    /// `/slow?ms=N`, `/download?bytes=N` (streamed in 64 KiB chunks), `/upload` (counts
    /// the body), `/gated` (`first`, then `second` once the gate opens), `/reset` (says
    /// 100000 bytes, sends 1000, then breaks the connection), `/hop` (hop-by-hop response
    /// headers), `/ws` (WebSocket-style upgrade, then echo); anything else: `ok`.
    pub async fn start() -> TestUpstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(UpstreamState::default());
        let shared = Arc::clone(&state);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, Infallible>(route(state, request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades()
                        .await;
                });
            }
        });
        TestUpstream { addr, state }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests reached it.
    pub fn hits(&self) -> usize {
        self.state.hits.load(Ordering::SeqCst)
    }
}

fn query(request: &Request<Incoming>, key: &str) -> Option<u64> {
    request.uri().query()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.parse().ok())?
    })
}

async fn route(state: Arc<UpstreamState>, mut request: Request<Incoming>) -> Response<UpBody> {
    state.hits.fetch_add(1, Ordering::SeqCst);
    match request.uri().path() {
        "/echo" => {
            let mut text = format!("{} {}\n", request.method(), request.uri());
            for (name, value) in request.headers() {
                text.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("?")));
            }
            let _ = request.into_body().collect().await;
            let mut response = Response::new(full(text));
            response
                .headers_mut()
                .insert("x-upstream", "yes".parse().unwrap());
            response
        }
        "/slow" => {
            let ms = query(&request, "ms").unwrap_or(1000);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Response::new(full("slow done"))
        }
        "/download" => {
            let mut remaining = query(&request, "bytes").unwrap_or(1 << 20);
            let (mut sender, body) =
                http_body_util::channel::Channel::<Bytes, std::io::Error>::new(4);
            tokio::spawn(async move {
                let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
                while remaining > 0 {
                    let n = remaining.min(chunk.len() as u64);
                    if sender.send_data(chunk.slice(..n as usize)).await.is_err() {
                        return;
                    }
                    remaining -= n;
                }
            });
            Response::new(body.boxed())
        }
        "/upload" => {
            let mut body = request.into_body();
            let mut total: u64 = 0;
            while let Some(frame) = body.frame().await {
                match frame {
                    Ok(frame) => {
                        if let Some(data) = frame.data_ref() {
                            total += data.len() as u64;
                        }
                    }
                    Err(_) => break,
                }
            }
            Response::new(full(total.to_string()))
        }
        "/gated" => {
            let (mut sender, body) =
                http_body_util::channel::Channel::<Bytes, std::io::Error>::new(1);
            tokio::spawn(async move {
                let _ = sender.send_data(Bytes::from_static(b"first")).await;
                state.gate.notified().await;
                let _ = sender.send_data(Bytes::from_static(b"second")).await;
            });
            Response::new(body.boxed())
        }
        "/reset" => {
            let (mut sender, body) =
                http_body_util::channel::Channel::<Bytes, std::io::Error>::new(1);
            tokio::spawn(async move {
                let _ = sender.send_data(Bytes::from(vec![b'r'; 1000])).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
                sender.abort(std::io::Error::other("reset mid-body"));
            });
            let mut response = Response::new(body.boxed());
            response
                .headers_mut()
                .insert("content-length", "100000".parse().unwrap());
            response
        }
        "/hop" => {
            let mut response = Response::new(full("hop"));
            let h = response.headers_mut();
            h.insert("connection", "x-up".parse().unwrap());
            h.insert("x-up", "1".parse().unwrap());
            h.insert("keep-alive", "timeout=5".parse().unwrap());
            h.insert("proxy-authenticate", "Basic".parse().unwrap());
            h.insert("x-kept", "1".parse().unwrap());
            h.insert(
                "access-control-allow-origin",
                "https://legacy.example".parse().unwrap(),
            );
            response
        }
        "/ws" => {
            let upgrade = hyper::upgrade::on(&mut request);
            tokio::spawn(async move {
                if let Ok(upgraded) = upgrade.await {
                    let mut io = TokioIo::new(upgraded);
                    let mut buf = [0u8; 1024];
                    loop {
                        match io.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => {
                                if io.write_all(&buf[..n]).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                }
            });
            let mut response = Response::new(full(""));
            *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
            response
                .headers_mut()
                .insert("upgrade", "websocket".parse().unwrap());
            response
                .headers_mut()
                .insert("connection", "upgrade".parse().unwrap());
            response
        }
        "/close" => {
            // hyper closes the connection after this response.
            let mut response = Response::new(full("closing"));
            response
                .headers_mut()
                .insert("connection", "close".parse().unwrap());
            response
        }
        _ => Response::new(full("ok")),
    }
}

/// Drains a body as frames; `Err` if the body failed.
pub async fn body_len(mut body: Incoming) -> Result<u64, hyper::Error> {
    let mut n = 0;
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame?.data_ref() {
            n += data.len() as u64;
        }
    }
    Ok(n)
}

/// A request body of `total` bytes produced in 64 KiB chunks, never held whole.
pub struct ChunkedBody {
    remaining: u64,
    chunk: Bytes,
}

impl ChunkedBody {
    pub fn new(total: u64) -> ChunkedBody {
        ChunkedBody {
            remaining: total,
            chunk: Bytes::from(vec![b'u'; 64 * 1024]),
        }
    }
}

impl hyper::body::Body for ChunkedBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return std::task::Poll::Ready(None);
        }
        let n = this.remaining.min(this.chunk.len() as u64);
        this.remaining -= n;
        std::task::Poll::Ready(Some(Ok(Frame::data(this.chunk.slice(..n as usize)))))
    }
}

// ---------------------------------------------------------------------------------------
// The gateway process.

/// A directory for one test's files, removed when dropped.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(test: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("corsair-serve-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }

    /// Writes a file (atomically: a temporary file renamed over it) and returns its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path.join(name);
        let tmp = self.path.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, contents).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A running `corsair serve`, killed when dropped.
pub struct Gateway {
    child: Child,
    pub addr: SocketAddr,
    pub admin: Option<SocketAddr>,
    pub stdout: Arc<Mutex<Vec<String>>>,
    pub stderr: Arc<Mutex<Vec<String>>>,
}

fn collect(
    reader: impl std::io::Read + Send + 'static,
    into: Arc<Mutex<Vec<String>>>,
    tx: Option<mpsc::Sender<String>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { return };
            if let Some(tx) = &tx {
                let _ = tx.send(line.clone());
            }
            into.lock().unwrap().push(line);
        }
    });
}

impl Gateway {
    /// Starts `corsair serve ARGS` and waits for its `listening on` line.
    pub fn start(args: &[&str]) -> Gateway {
        let mut child = Command::new(env!("CARGO_BIN_EXE_corsair"))
            .arg("serve")
            .args(args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start corsair serve");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        collect(child.stdout.take().unwrap(), Arc::clone(&stdout), Some(tx));
        collect(child.stderr.take().unwrap(), Arc::clone(&stderr), None);
        let mut gateway = Gateway {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            admin: None,
            stdout,
            stderr,
        };
        let deadline = Instant::now() + STEP;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(line) => line,
                Err(_) => panic!(
                    "corsair serve did not start: {:?}\nstderr: {}",
                    gateway.child.try_wait(),
                    gateway.stderr_text()
                ),
            };
            if let Some(addr) = line.strip_prefix("admin on http://") {
                let addr = addr.split_whitespace().next().unwrap();
                gateway.admin = Some(addr.parse().unwrap());
            }
            // The admin line, if any, comes first.
            if let Some(addr) = line
                .strip_prefix("listening on http://")
                .or_else(|| line.strip_prefix("listening on https://"))
            {
                gateway.addr = addr.trim().parse().unwrap();
                break;
            }
        }
        gateway
    }

    /// Starts with a policy file (and `--listen 127.0.0.1:0`).
    pub fn with_config(config: &Path) -> Gateway {
        let config = config.display().to_string();
        Gateway::start(&["--config", &config, "--listen", "127.0.0.1:0"])
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal with `kill -SIG PID`.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} failed");
    }

    pub fn stderr_text(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    pub fn stdout_text(&self) -> String {
        self.stdout.lock().unwrap().join("\n")
    }

    /// Waits until a log line contains every needle.
    pub fn wait_for_log(&self, needles: &[&str]) {
        let deadline = Instant::now() + STEP;
        while Instant::now() < deadline {
            if self
                .stderr
                .lock()
                .unwrap()
                .iter()
                .any(|line| needles.iter().all(|n| line.contains(n)))
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("no log line with {needles:?}:\n{}", self.stderr_text());
    }

    /// How many log lines contain `needle`.
    pub fn count_log(&self, needle: &str) -> usize {
        self.stderr
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// Waits for the process to exit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + STEP;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("corsair serve did not exit:\n{}", self.stderr_text());
    }

    /// The peak resident memory of the process, in KiB (`VmHWM`).
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }

    /// `GET /metrics` on the admin listener.
    pub async fn metrics(&self) -> String {
        let admin = self.admin.expect("an admin listener");
        get(admin, "/metrics", &[]).await.body_text()
    }

    /// The value of one metric line (`name{labels}`), 0 if absent.
    pub async fn metric(&self, series: &str) -> f64 {
        let text = self.metrics().await;
        text.lines()
            .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
            .map_or(0.0, |v| v.trim().parse().unwrap())
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// A raw HTTP/1.1 client.

/// A response read off the wire.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Lowercase names; repeated headers joined with ", ".
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body_text()))
    }
}

/// Parses a whole response (head and body, read until the connection closed).
pub fn parse_response(bytes: &[u8]) -> RawResponse {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut headers: HashMap<String, String> = HashMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim().to_owned();
        headers
            .entry(name)
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let raw = &bytes[split + 4..];
    let body = if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"))
    {
        dechunk(raw)
    } else {
        raw.to_vec()
    };
    RawResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = raw.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = String::from_utf8_lossy(&raw[..end]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
        else {
            return out;
        };
        raw = &raw[end + 2..];
        if size == 0 || raw.len() < size {
            out.extend_from_slice(&raw[..size.min(raw.len())]);
            return out;
        }
        out.extend_from_slice(&raw[..size]);
        raw = raw.get(size + 2..).unwrap_or(&[]);
    }
}

/// Sends raw bytes and reads until the server closes (bounded).
pub async fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    bounded("raw exchange", async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out).await;
        out
    })
    .await
}

/// Reads one response with a `content-length` off a keep-alive connection.
pub async fn read_response(stream: &mut TcpStream) -> RawResponse {
    bounded("keep-alive response", async {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            assert_eq!(stream.read(&mut byte).await.unwrap(), 1, "closed: {head:?}");
            head.push(byte[0]);
        }
        let mut response = parse_response(&head);
        let length: usize = response
            .header("content-length")
            .expect("a content-length")
            .parse()
            .unwrap();
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).await.unwrap();
        response.body = body;
        response
    })
    .await
}

/// One HTTP/1.1 request with `Connection: close`.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> RawResponse {
    let mut text = format!("{method} {path} HTTP/1.1\r\nconnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        text.push_str(&format!("host: {addr}\r\n"));
    }
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    parse_response(&exchange(addr, text.as_bytes()).await)
}

/// `GET path`.
pub async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> RawResponse {
    request(addr, "GET", path, headers).await
}

/// A policy file's text: `[cors]` for `https://app.example` (PUT, content-type,
/// exposing x-upstream), then `[server]` with these extra lines.
pub fn policy(server: &str) -> String {
    format!(
        r#"[cors]
allow_origins = ["https://app.example"]
allow_methods = ["PUT"]
allow_headers = ["content-type"]
expose_headers = ["x-upstream"]

[server]
listen = "127.0.0.1:0"
admin = "127.0.0.1:0"
{server}
"#
    )
}
