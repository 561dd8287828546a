//! `corsair serve`'s own HTTP/1.1 client, on the dedicated upstream connection of a
//! keep-alive client connection (its second request on; the first goes through the
//! pooled client): every body framing, interim responses, connections the upstream
//! closes, broken and malformed responses, and what is forwarded. Then what every client
//! path (pooled, dedicated hyper connection for requests with a body, corsair's own
//! client) must do alike against hostile or broken upstreams and clients: paths kept
//! under the upstream's prefix, `Transfer-Encoding` over `Content-Length`, cuts kept
//! visible, connections retired after an early answer, headers with `_` dropped. The
//! upstream here is a scripted one that writes exact bytes, so that each case is what a
//! real server could send.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serve_support::{Gateway, TempDir, bounded, exchange, policy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the scripted upstream does after writing a response.
enum Then {
    /// Waits for the next request on the connection.
    KeepOpen,
    /// Closes the connection.
    Close,
    /// Closes the connection a moment later, without having said so.
    CloseAfter(Duration),
    /// Holds the connection open and writes nothing more, until the other side closes.
    Stall,
    /// Resets the connection a moment later (RST, not FIN).
    Reset,
}

/// The response to `method path` (`head`: the whole request head, for `/echo`).
fn script(method: &str, path: &str, head: &str) -> (Vec<u8>, Then) {
    let text = |s: &str| s.as_bytes().to_vec();
    match path {
        "/plain" => (
            text("HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-type: text/plain\r\n\r\nplain"),
            Then::KeepOpen,
        ),
        "/chunked" => (
            text(
                "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-type: text/plain\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nx-trailer: 1\r\n\r\n",
            ),
            Then::KeepOpen,
        ),
        "/chunked-and-length" => (
            text(
                "HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\nC\r\nhello, world\r\n0\r\n\r\n",
            ),
            Then::KeepOpen,
        ),
        "/early" => (
            text("HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\n\r\n"),
            Then::CloseAfter(Duration::from_millis(1000)),
        ),
        "/close-reset" => (
            text("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\npartial"),
            Then::Reset,
        ),
        "/http10-close-delimited" => (
            text("HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the close"),
            Then::Close,
        ),
        "/http10-reset" => (
            text("HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\npartial"),
            Then::Reset,
        ),
        "/close-delimited" => (
            text("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the close"),
            Then::Close,
        ),
        "/head" if method == "HEAD" => (
            text("HTTP/1.1 200 OK\r\ncontent-length: 1234\r\ncontent-type: text/plain\r\n\r\n"),
            Then::KeepOpen,
        ),
        "/204" => (
            text("HTTP/1.1 204 No Content\r\nx-a: 1\r\n\r\n"),
            Then::KeepOpen,
        ),
        "/304" => (
            text("HTTP/1.1 304 Not Modified\r\netag: \"v1\"\r\ncontent-length: 52\r\n\r\n"),
            Then::KeepOpen,
        ),
        "/interim" => (
            text(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </style.css>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfinal",
            ),
            Then::KeepOpen,
        ),
        "/slow" => (
            text("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nslow"),
            Then::KeepOpen,
        ),
        "/drop-when-reused" => (
            text("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfresh"),
            Then::KeepOpen,
        ),
        "/reason" => (
            text("HTTP/1.1 200 Fine Thanks\r\ncontent-length: 2\r\n\r\nok"),
            Then::KeepOpen,
        ),
        "/connection-close" => (
            text("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"),
            Then::Close,
        ),
        "/http10" => (
            text("HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok"),
            Then::Close,
        ),
        "/http10-keep-alive" => (
            text("HTTP/1.0 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok"),
            Then::KeepOpen,
        ),
        "/idle-close" => (
            text("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"),
            Then::CloseAfter(Duration::from_millis(100)),
        ),
        "/hop" => (
            text(
                "HTTP/1.1 200 OK\r\nconnection: x-up, keep-alive\r\nx-up: 1\r\nkeep-alive: timeout=5\r\nproxy-authenticate: Basic\r\nx-kept: 1\r\naccess-control-allow-origin: https://legacy.example\r\ncontent-length: 3\r\n\r\nhop",
            ),
            Then::KeepOpen,
        ),
        "/echo" => {
            let body = head.to_owned();
            (
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                )
                .into_bytes(),
                Then::KeepOpen,
            )
        }
        "/short" => (
            text("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789"),
            Then::CloseAfter(Duration::from_millis(100)),
        ),
        "/short-now" => (
            text("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789"),
            Then::Close,
        ),
        "/stall" => (
            text("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n0123456789"),
            Then::Stall,
        ),
        "/malformed" => (text("HTTP/1.1 2x0 OK\r\n\r\n"), Then::KeepOpen),
        "/not-http" => (text("SSH-2.0-OpenSSH_9.6\r\n\r\n"), Then::KeepOpen),
        "/bad-length" => (
            text("HTTP/1.1 200 OK\r\ncontent-length: 12, 13\r\n\r\nhello, world"),
            Then::KeepOpen,
        ),
        "/huge-head" => {
            let mut head = text("HTTP/1.1 200 OK\r\nx-big: ");
            head.extend(std::iter::repeat_n(b'a', 512 * 1024));
            head.extend_from_slice(b"\r\ncontent-length: 0\r\n\r\n");
            (head, Then::KeepOpen)
        }
        "/many-headers" => {
            let mut head = String::from("HTTP/1.1 200 OK\r\n");
            for i in 0..150 {
                head.push_str(&format!("x-h{i}: 1\r\n"));
            }
            head.push_str("content-length: 0\r\n\r\n");
            (head.into_bytes(), Then::KeepOpen)
        }
        "/upgrade-unasked" => (
            text(
                "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n",
            ),
            Then::KeepOpen,
        ),
        _ => {
            if let Some(case) = path
                .strip_prefix("/gen/")
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| generated().get(i))
            {
                return (case.bytes.clone(), case.end.then());
            }
            (
                text("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"),
                Then::KeepOpen,
            )
        }
    }
}

/// How a generated response ends.
#[derive(Debug, Clone, Copy)]
enum End {
    KeepOpen,
    Close,
    Reset,
}

impl End {
    fn then(self) -> Then {
        match self {
            End::KeepOpen => Then::KeepOpen,
            End::Close => Then::Close,
            End::Reset => Then::Reset,
        }
    }
}

/// A generated upstream response (for the differential test).
struct Generated {
    name: String,
    bytes: Vec<u8>,
    end: End,
    /// Whether the request is a `HEAD`.
    head: bool,
}

/// Every combination of version, status (interim responses first, or none), framing
/// (lengths valid, short, long, listed, repeated, invalid; chunked with extensions and
/// trailers, beside a length, after another coding, before another, malformed, cut;
/// until the close), end (kept open, closed, reset) and method (`GET`, `HEAD`): 720
/// responses an upstream can send, well-formed or not.
fn generated() -> &'static [Generated] {
    static CASES: std::sync::LazyLock<Vec<Generated>> = std::sync::LazyLock::new(|| {
        // (name, head lines, body, whether the body is whole as framed)
        let framings: [(&str, &str, &[u8], bool); 18] = [
            ("length", "content-length: 5\r\n", b"hello", true),
            ("length-short", "content-length: 10\r\n", b"hell", false),
            ("length-long", "content-length: 2\r\n", b"okEXTRA", true),
            ("length-invalid", "content-length: abc\r\n", b"hello", false),
            ("length-list", "content-length: 5, 5\r\n", b"hello", true),
            (
                "length-list-disagree",
                "content-length: 5, 6\r\n",
                b"hello",
                false,
            ),
            (
                "length-twice",
                "content-length: 5\r\ncontent-length: 5\r\n",
                b"hello",
                true,
            ),
            (
                "length-twice-disagree",
                "content-length: 5\r\ncontent-length: 6\r\n",
                b"hello",
                false,
            ),
            (
                "chunked",
                "transfer-encoding: chunked\r\n",
                b"5\r\nhello\r\n0\r\n\r\n",
                true,
            ),
            (
                "chunked-extensions-trailers",
                "transfer-encoding: chunked\r\n",
                b"5;a=b\r\nhello\r\n6 ; c=\"d\"\r\n world\r\n0\r\nx-t: 1\r\n\r\n",
                true,
            ),
            (
                "chunked-and-length",
                "content-length: 3\r\ntransfer-encoding: chunked\r\n",
                b"5\r\nhello\r\n0\r\n\r\n",
                true,
            ),
            (
                "gzip-chunked",
                "transfer-encoding: gzip, chunked\r\n",
                b"5\r\nhello\r\n0\r\n\r\n",
                true,
            ),
            (
                "chunked-gzip",
                "transfer-encoding: chunked, gzip\r\n",
                b"hello",
                false,
            ),
            (
                "chunked-malformed",
                "transfer-encoding: chunked\r\n",
                b"zz\r\nhello\r\n0\r\n\r\n",
                false,
            ),
            (
                "chunked-cut",
                "transfer-encoding: chunked\r\n",
                b"5\r\nhello\r\n",
                false,
            ),
            (
                "chunked-upper",
                "Transfer-Encoding: CHUNKED\r\n",
                b"A\r\n0123456789\r\n0\r\n\r\n",
                true,
            ),
            ("close-delimited", "", b"until the close", false),
            (
                "connection-close",
                "connection: close\r\ncontent-length: 5\r\n",
                b"hello",
                true,
            ),
        ];
        let statuses = [
            ("200", "", "200 OK"),
            ("204", "", "204 No Content"),
            ("304", "", "304 Not Modified"),
            ("404", "", "404 Not Found"),
            (
                "interim-200",
                "100 Continue\r\n\r\nVERSION 103 Early Hints\r\nlink: </a>\r\n\r\n",
                "200 OK",
            ),
        ];
        let mut cases = Vec::new();
        for version in ["HTTP/1.1", "HTTP/1.0"] {
            for (status_name, interim, status) in statuses {
                for (framing, lines, body, whole) in framings {
                    let ends: &[End] = if whole {
                        &[End::KeepOpen, End::Close]
                    } else {
                        &[End::Close, End::Reset]
                    };
                    for end in ends {
                        for head in [false, true] {
                            let interim = interim.replace("VERSION", version);
                            let mut bytes = if interim.is_empty() {
                                Vec::new()
                            } else {
                                format!("{version} {interim}").into_bytes()
                            };
                            bytes.extend_from_slice(
                                format!("{version} {status}\r\nx-case: 1\r\n{lines}\r\n")
                                    .as_bytes(),
                            );
                            bytes.extend_from_slice(body);
                            cases.push(Generated {
                                name: format!(
                                    "{} {version} {status_name} {framing} {end:?}",
                                    if head { "HEAD" } else { "GET" }
                                ),
                                bytes,
                                end: *end,
                                head,
                            });
                        }
                    }
                }
            }
        }
        cases
    });
    &CASES
}

/// What the scripted upstream saw.
#[derive(Default)]
struct Seen {
    /// `(connection number, "METHOD path")` of each request, in order.
    requests: Vec<(usize, String)>,
    /// The connections the other side closed.
    closed: Vec<usize>,
    accepted: usize,
}

/// A scripted HTTP/1.1 upstream on 127.0.0.1:0.
struct RawUpstream {
    addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
}

impl RawUpstream {
    async fn start() -> RawUpstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let shared = Arc::clone(&seen);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let id = {
                    let mut seen = shared.lock().unwrap();
                    seen.accepted += 1;
                    seen.accepted
                };
                tokio::spawn(serve(id, stream, Arc::clone(&shared)));
            }
        });
        RawUpstream { addr, seen }
    }

    /// The connection that served the last request for `path`.
    fn connection_of_last(&self, path: &str) -> usize {
        let seen = self.seen.lock().unwrap();
        seen.requests
            .iter()
            .rev()
            .find(|(_, line)| line.ends_with(&format!(" {path}")))
            .map(|(id, _)| *id)
            .unwrap_or_else(|| panic!("no request for {path}: {:?}", seen.requests))
    }

    /// The requests seen, `METHOD path` each, in order.
    fn requests(&self) -> Vec<String> {
        let seen = self.seen.lock().unwrap();
        seen.requests.iter().map(|(_, line)| line.clone()).collect()
    }

    fn accepted(&self) -> usize {
        self.seen.lock().unwrap().accepted
    }

    fn closed(&self, id: usize) -> bool {
        self.seen.lock().unwrap().closed.contains(&id)
    }
}

async fn serve(id: usize, mut stream: TcpStream, seen: Arc<Mutex<Seen>>) {
    let mut buf = Vec::new();
    // Requests read on this connection.
    let mut served = 0;
    loop {
        served += 1;
        let head = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break buf.drain(..end + 4).collect::<Vec<u8>>();
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => {
                    seen.lock().unwrap().closed.push(id);
                    return;
                }
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&head).into_owned();
        let mut line = head.lines().next().unwrap_or("").split(' ');
        let method = line.next().unwrap_or("").to_owned();
        let target = line.next().unwrap_or("").to_owned();
        let path = target.split('?').next().unwrap_or("").to_owned();
        seen.lock()
            .unwrap()
            .requests
            .push((id, format!("{method} {path}")));
        // Behind a prefix (`/api`), the same routes.
        let route = path.strip_prefix("/api").unwrap_or(&path);
        // The request body is read before the answer, except by `/early`, which
        // answers at once.
        if route != "/early" && !read_request_body(&mut stream, &mut buf, &head).await {
            seen.lock().unwrap().closed.push(id);
            return;
        }
        if route == "/drop-when-reused" && served > 1 {
            // As an upstream whose keep-alive timeout fires as the request arrives.
            let _ = stream.shutdown().await;
            seen.lock().unwrap().closed.push(id);
            return;
        }
        if route == "/slow" {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let (response, then) = script(&method, route, &head);
        if stream.write_all(&response).await.is_err() {
            seen.lock().unwrap().closed.push(id);
            return;
        }
        match then {
            Then::KeepOpen => {}
            Then::Close => {
                let _ = stream.shutdown().await;
                return;
            }
            Then::CloseAfter(delay) => {
                tokio::time::sleep(delay).await;
                return;
            }
            Then::Reset => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let _ = stream.set_zero_linger();
                return;
            }
            Then::Stall => {
                let mut sink = [0u8; 1024];
                while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
                seen.lock().unwrap().closed.push(id);
                return;
            }
        }
    }
}

/// Reads (and drops) the body of the request of `head`, framed by `Content-Length` or
/// chunked (up to the last chunk and an empty trailer section); false if the
/// connection closed first.
async fn read_request_body(stream: &mut TcpStream, buf: &mut Vec<u8>, head: &str) -> bool {
    let lower = head.to_ascii_lowercase();
    let length = lower
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let chunked = lower
        .lines()
        .any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked"));
    loop {
        let end = if chunked {
            buf.windows(5)
                .position(|w| w == b"0\r\n\r\n")
                .map(|p| p + 5)
        } else {
            let n = length.unwrap_or(0);
            (buf.len() >= n).then_some(n)
        };
        if let Some(end) = end {
            buf.drain(..end);
            return true;
        }
        let mut chunk = [0u8; 16 * 1024];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A response read off a keep-alive connection, framed as the gateway framed it.
#[derive(Debug)]
struct Message {
    status_line: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
    /// Whether the body arrived whole (else the connection closed before).
    complete: bool,
}

impl Message {
    fn status(&self) -> u16 {
        self.status_line.split(' ').nth(1).unwrap().parse().unwrap()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A keep-alive client connection to the gateway.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        Client {
            stream: TcpStream::connect(addr).await.unwrap(),
            buf: Vec::new(),
        }
    }

    /// Sends `METHOD path` with an allowed `Origin` and `extra` header lines, and reads
    /// the response.
    async fn send(&mut self, method: &str, path: &str, extra: &str) -> Message {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nhost: gw.example\r\norigin: https://app.example\r\n{extra}\r\n"
        );
        self.stream.write_all(request.as_bytes()).await.unwrap();
        bounded("response", self.read(method == "HEAD")).await
    }

    /// Sends `METHOD path` with an allowed `Origin` and a body, and reads the response.
    async fn send_body(&mut self, method: &str, path: &str, body: &str) -> Message {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nhost: gw.example\r\norigin: https://app.example\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream.write_all(request.as_bytes()).await.unwrap();
        bounded("response", self.read(false)).await
    }

    async fn get(&mut self, path: &str) -> Message {
        self.send("GET", path, "").await
    }

    /// Reads more; false at the end of the stream.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// Takes `n` bytes, reading as needed; `None` if the connection closed first.
    async fn take(&mut self, n: usize) -> Option<Vec<u8>> {
        while self.buf.len() < n {
            if !self.fill().await {
                return None;
            }
        }
        Some(self.buf.drain(..n).collect())
    }

    /// Takes a line (without its CRLF).
    async fn line(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf.drain(..end + 2).collect::<Vec<u8>>();
                return Some(String::from_utf8_lossy(&line[..end]).into_owned());
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    async fn read(&mut self, head_request: bool) -> Message {
        let status_line = self.line().await.expect("a status line");
        let mut headers: HashMap<String, String> = HashMap::new();
        loop {
            let line = self.line().await.expect("a header line");
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers
                .entry(name.trim().to_ascii_lowercase())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(value.trim());
                })
                .or_insert_with(|| value.trim().to_owned());
        }
        let mut message = Message {
            status_line,
            headers,
            body: Vec::new(),
            complete: true,
        };
        let status = message.status();
        if head_request || status == 204 || status == 304 {
            return message;
        }
        if let Some(length) = message.header("content-length") {
            let length: usize = length.parse().unwrap();
            match self.take(length).await {
                Some(body) => message.body = body,
                None => {
                    message.body = std::mem::take(&mut self.buf);
                    message.complete = false;
                }
            }
            return message;
        }
        if message.header("transfer-encoding") != Some("chunked") {
            // Until the close: whether it arrived whole cannot be told.
            while self.fill().await {}
            message.body = std::mem::take(&mut self.buf);
            return message;
        }
        loop {
            let Some(size) = self.line().await else {
                message.complete = false;
                return message;
            };
            let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).unwrap();
            if size == 0 {
                // Trailers, if any, then the empty line.
                while !self.line().await.unwrap_or_default().is_empty() {}
                return message;
            }
            let Some(data) = self.take(size + 2).await else {
                message.complete = false;
                return message;
            };
            message.body.extend_from_slice(&data[..size]);
        }
    }
}

async fn setup(test: &str, server: &str) -> (TempDir, RawUpstream, Gateway) {
    setup_behind(test, "", server).await
}

/// [`setup`] with the upstream URL ending in `prefix` (`/api`, or empty).
async fn setup_behind(test: &str, prefix: &str, server: &str) -> (TempDir, RawUpstream, Gateway) {
    let upstream = RawUpstream::start().await;
    let dir = TempDir::new(test);
    let file = dir.write(
        "corsair.toml",
        &policy(&format!(
            "upstream = \"http://{}{prefix}\"\n{server}",
            upstream.addr
        )),
    );
    let gateway = Gateway::with_config(&file);
    (dir, upstream, gateway)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_body_framing_is_forwarded_and_the_connection_reused() {
    let (_dir, upstream, gateway) = setup("h1-framing", "").await;
    let mut client = Client::connect(gateway.addr).await;
    // The first request goes through the pooled client; the next ones through the
    // dedicated connection.
    assert_eq!(client.get("/plain").await.text(), "plain");
    let pooled = upstream.connection_of_last("/plain");

    let chunked = client.get("/chunked").await;
    assert_eq!(chunked.status(), 200, "{chunked:?}");
    assert_eq!(chunked.text(), "hello, world");
    assert_eq!(chunked.header("content-type"), Some("text/plain"));
    assert_eq!(
        chunked.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    let dedicated = upstream.connection_of_last("/chunked");
    assert_ne!(dedicated, pooled);

    // Transfer-Encoding wins over Content-Length, which is not passed on.
    let both = client.get("/chunked-and-length").await;
    assert_eq!(both.text(), "hello, world", "{both:?}");
    assert_ne!(both.header("content-length"), Some("3"), "{both:?}");

    let head = client.send("HEAD", "/head", "").await;
    assert_eq!(head.status(), 200, "{head:?}");
    assert_eq!(head.header("content-length"), Some("1234"));
    assert!(head.body.is_empty());

    let no_content = client.get("/204").await;
    assert_eq!(no_content.status(), 204, "{no_content:?}");
    assert_eq!(no_content.header("x-a"), Some("1"));
    let not_modified = client.get("/304").await;
    assert_eq!(not_modified.status(), 304, "{not_modified:?}");
    assert_eq!(not_modified.header("etag"), Some("\"v1\""));

    // Interim responses are skipped; the final one is forwarded.
    let interim = client.get("/interim").await;
    assert_eq!(interim.status(), 200, "{interim:?}");
    assert_eq!(interim.text(), "final");
    assert_eq!(interim.header("link"), None);

    // A reason phrase of the upstream's own is passed on.
    let reason = client.get("/reason").await;
    assert_eq!(reason.status_line, "HTTP/1.1 200 Fine Thanks");

    // HTTP/1.0 with keep-alive keeps the connection.
    assert_eq!(client.get("/http10-keep-alive").await.text(), "ok");
    assert_eq!(client.get("/plain").await.text(), "plain");
    for path in [
        "/chunked-and-length",
        "/head",
        "/204",
        "/304",
        "/interim",
        "/reason",
        "/http10-keep-alive",
        "/plain",
    ] {
        assert_eq!(upstream.connection_of_last(path), dedicated, "{path}");
    }
    assert_eq!(upstream.accepted(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_the_upstream_closes_are_not_reused() {
    let (_dir, upstream, gateway) = setup("h1-close", "").await;
    let mut client = Client::connect(gateway.addr).await;
    assert_eq!(client.get("/plain").await.text(), "plain");
    let mut previous = 0;
    // Each of these ends its upstream connection: close-delimited body, `Connection:
    // close`, HTTP/1.0 without keep-alive; the next request opens another one.
    for (path, body) in [
        ("/close-delimited", "until the close"),
        ("/connection-close", "ok"),
        ("/http10", "ok"),
    ] {
        let response = client.get(path).await;
        assert_eq!(response.status(), 200, "{path}: {response:?}");
        assert_eq!(response.text(), body, "{path}");
        assert!(response.complete, "{path}");
        // The client connection stays open (the gateway frames the body itself).
        assert_eq!(response.header("connection"), None, "{path}: {response:?}");
        let used = upstream.connection_of_last(path);
        assert_ne!(used, previous, "{path}");
        previous = used;
    }
    assert_eq!(client.get("/plain").await.text(), "plain");
    assert_ne!(upstream.connection_of_last("/plain"), previous);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_closing_an_idle_connection_is_no_error() {
    let (_dir, upstream, gateway) = setup("h1-idle-close", "").await;
    let mut client = Client::connect(gateway.addr).await;
    assert_eq!(client.get("/plain").await.text(), "plain");
    for _ in 0..3 {
        // Answered with keep-alive, then closed by the upstream while idle: the next
        // request does not fail on the closed connection.
        assert_eq!(client.get("/idle-close").await.text(), "ok");
        let closing = upstream.connection_of_last("/idle-close");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let next = client.get("/plain").await;
        assert_eq!(next.status(), 200, "{next:?}");
        assert_eq!(next.text(), "plain");
        assert_ne!(upstream.connection_of_last("/plain"), closing);
    }
    assert_eq!(
        gateway
            .metric("corsair_upstream_errors_total{kind=\"protocol\"}")
            .await,
        0.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_or_oversized_responses_get_502() {
    let (_dir, upstream, gateway) = setup("h1-malformed", "").await;
    let bad = [
        "/malformed",
        "/not-http",
        "/bad-length",
        "/huge-head",
        "/many-headers",
        "/upgrade-unasked",
    ];
    for path in bad {
        let mut client = Client::connect(gateway.addr).await;
        assert_eq!(client.get("/plain").await.text(), "plain");
        let response = client.get(path).await;
        assert_eq!(response.status(), 502, "{path}: {response:?}");
        assert_eq!(
            response.header("access-control-allow-origin"),
            Some("https://app.example"),
            "{path}"
        );
        let json: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(json["error"], "bad_gateway", "{path}");
        // The client connection goes on, on another upstream connection.
        let broken = upstream.connection_of_last(path);
        assert_eq!(client.get("/plain").await.text(), "plain", "{path}");
        assert_ne!(upstream.connection_of_last("/plain"), broken, "{path}");
    }
    assert_eq!(
        gateway
            .metric("corsair_upstream_errors_total{kind=\"protocol\"}")
            .await,
        bad.len() as f64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_cut_short_cuts_the_response() {
    let (_dir, _upstream, gateway) = setup("h1-short", "").await;
    let mut client = Client::connect(gateway.addr).await;
    assert_eq!(client.get("/plain").await.text(), "plain");
    // Content-Length 100, 10 bytes, then the upstream closes: the client gets the 10
    // bytes and a closed connection, never a short body passed off as whole.
    let short = client.get("/short").await;
    assert_eq!(short.status(), 200, "{short:?}");
    assert_eq!(short.header("content-length"), Some("100"));
    assert!(!short.complete, "{short:?}");
    assert!(short.body.len() < 100);
    // Closed at once after the 10 bytes: whatever the client gets, it is not a whole
    // response.
    let mut client = Client::connect(gateway.addr).await;
    assert_eq!(client.get("/plain").await.text(), "plain");
    client
        .stream
        .write_all(b"GET /short-now HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    bounded("short-now", client.stream.read_to_end(&mut rest))
        .await
        .unwrap_or(0);
    let text = String::from_utf8_lossy(&rest);
    assert!(
        !text.contains("\r\n\r\n") || text.split("\r\n\r\n").nth(1).unwrap().len() < 100,
        "{text:?}"
    );
    assert_eq!(
        gateway
            .metric("corsair_upstream_errors_total{kind=\"body\"}")
            .await,
        2.0
    );
    // Others are unaffected.
    let mut other = Client::connect(gateway.addr).await;
    assert_eq!(other.get("/plain").await.text(), "plain");
    assert_eq!(other.get("/chunked").await.text(), "hello, world");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_leaving_mid_body_closes_the_upstream_connection() {
    let (_dir, upstream, gateway) = setup("h1-leave", "").await;
    let mut client = Client::connect(gateway.addr).await;
    assert_eq!(client.get("/plain").await.text(), "plain");
    client
        .stream
        .write_all(b"GET /stall HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    // The head and the first bytes arrive; then the client leaves.
    assert!(client.line().await.unwrap().starts_with("HTTP/1.1 200"));
    let stalled = upstream.connection_of_last("/stall");
    drop(client);
    // The gateway closes the upstream connection rather than keeping it for later.
    bounded("upstream connection closed", async {
        while !upstream.closed(stalled) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dedicated_connection_forwards_as_the_pooled_client_does() {
    let (_dir, upstream, gateway) = setup("h1-forwarding", "").await;
    let mut client = Client::connect(gateway.addr).await;
    assert_eq!(client.get("/plain").await.text(), "plain");
    let echoed = client
        .send(
            "GET",
            "/echo?x=1&y=%20",
            "x-forwarded-for: 203.0.113.7\r\nconnection: x-remove-me\r\nx-remove-me: 1\r\nte: trailers\r\nproxy-authorization: Basic Zm9v\r\nx-kept: yes\r\n",
        )
        .await;
    assert_eq!(echoed.status(), 200, "{echoed:?}");
    let seen = echoed.text();
    let mut lines = seen.split("\r\n");
    assert_eq!(lines.next(), Some("GET /echo?x=1&y=%20 HTTP/1.1"));
    let lines: Vec<&str> = lines.collect();
    for line in [
        "x-forwarded-for: 203.0.113.7, 127.0.0.1",
        "x-forwarded-proto: http",
        "x-forwarded-host: gw.example",
        &format!("host: {}", upstream.addr),
        "origin: https://app.example",
        "x-kept: yes",
    ] {
        assert!(lines.contains(&line), "no `{line}` in\n{seen}");
    }
    for gone in ["connection", "x-remove-me", "te", "proxy-authorization"] {
        assert!(
            !lines.iter().any(|l| l.starts_with(&format!("{gone}:"))),
            "{gone} was forwarded:\n{seen}"
        );
    }
    assert!(seen.ends_with("\r\n\r\n"), "{seen:?}");

    // And on the way back: hop-by-hop headers go, the policy's CORS headers replace the
    // upstream's.
    let hop = client.get("/hop").await;
    assert_eq!(hop.text(), "hop");
    assert_eq!(hop.header("x-kept"), Some("1"));
    for gone in ["x-up", "keep-alive", "proxy-authenticate"] {
        assert_eq!(hop.header(gone), None, "{gone}: {hop:?}");
    }
    assert_eq!(
        hop.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(
        upstream.connection_of_last("/hop"),
        upstream.connection_of_last("/echo")
    );
}

/// Sends `target` on `client`'s connection and reads the answer.
async fn get_raw(client: &mut Client, target: &str) -> Message {
    client
        .stream
        .write_all(format!("GET {target} HTTP/1.1\r\nhost: gw.example\r\n\r\n").as_bytes())
        .await
        .unwrap();
    bounded("response", client.read(false)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absolute_form_targets_host_wins_over_the_host_header() {
    // RFC 9112 section 3.2.2: with an absolute-form target, the server ignores `Host`.
    let (_dir, _upstream, gateway) = setup("h1-absolute-form", "").await;
    for first in [true, false] {
        // A connection's first request (the pooled client), then a later one (corsair's
        // own client).
        let mut client = Client::connect(gateway.addr).await;
        if !first {
            assert_eq!(client.get("/plain").await.text(), "plain");
        }
        client
            .stream
            .write_all(
                b"GET http://user@target.example:8443/echo HTTP/1.1\r\nhost: other.example\r\n\r\n",
            )
            .await
            .unwrap();
        let echoed = bounded("response", client.read(false)).await;
        assert_eq!(echoed.status(), 200, "{echoed:?}");
        let seen = echoed.text();
        assert!(
            seen.contains("x-forwarded-host: target.example:8443\r\n"),
            "first request {first}:\n{seen}"
        );
        assert!(seen.starts_with("GET /echo HTTP/1.1\r\n"), "{seen}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_never_climb_past_the_upstreams_prefix() {
    // pool_max_idle = 0: no dedicated connection, every request through the pooled
    // client, including those that first tried a dedicated one.
    for (name, server) in [("", ""), ("-pooled", "pool_max_idle = 0")] {
        let (_dir, upstream, gateway) =
            setup_behind(&format!("h1-prefix{name}"), "/api", server).await;
        let mut client = Client::connect(gateway.addr).await;
        // The first request (pooled client), then the dedicated connection's.
        for _ in 0..2 {
            assert_eq!(client.get("/plain").await.text(), "plain", "{server}");
        }
        for escape in [
            "/../admin",
            "/%2e%2e/admin",
            "/%2E%2e/admin",
            "/a/../../admin",
            "/./../admin",
            "/..%2fadmin",
            "/a/..%2F..%2Fadmin",
            "/..\\admin",
            "/..;/admin",
            "http://gw.example/../admin",
        ] {
            let refused = get_raw(&mut client, escape).await;
            assert_eq!(refused.status(), 400, "{escape} {server}: {refused:?}");
            let json: serde_json::Value = serde_json::from_slice(&refused.body).unwrap();
            assert_eq!(json["error"], "bad_request", "{escape}");
        }
        // Dot segments that stay inside are resolved before the prefix is put in front.
        for (inside, seen) in [
            ("/a/../plain?x=1", "GET /api/plain"),
            ("/a/%2e%2e/./b/../plain", "GET /api/plain"),
            ("/x/..", "GET /api/"),
        ] {
            let response = get_raw(&mut client, inside).await;
            assert_ne!(response.status(), 400, "{inside}: {response:?}");
            assert_eq!(upstream.requests().last().unwrap(), seen, "{inside}");
        }
        let requests = upstream.requests();
        assert!(
            requests
                .iter()
                .all(|r| r.starts_with("GET /api/") && !r.contains("..") && !r.contains("%2e")),
            "{server}: {requests:?}"
        );
        assert_eq!(requests.len(), 5, "{server}: {requests:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_prefix_paths_above_the_root_are_refused() {
    let (_dir, upstream, gateway) = setup("h1-root", "").await;
    let mut client = Client::connect(gateway.addr).await;
    for target in ["/../plain", "/%2e%2e/plain", "/a/../../plain"] {
        let refused = get_raw(&mut client, target).await;
        assert_eq!(refused.status(), 400, "{target}: {refused:?}");
    }
    assert_eq!(get_raw(&mut client, "/a/../plain").await.text(), "plain");
    assert_eq!(upstream.requests(), ["GET /plain"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_encoding_overrides_content_length_on_every_client_path() {
    let (_dir, upstream, gateway) = setup("h1-te-cl", "").await;
    let mut client = Client::connect(gateway.addr).await;
    // A connection's first request (the pooled client), a request with a body (a
    // dedicated hyper connection), one without (corsair's own client).
    let first = client.get("/chunked-and-length").await;
    let with_body = client.send_body("POST", "/chunked-and-length", "abc").await;
    let without = client.get("/chunked-and-length").await;
    for (what, response) in [("pooled", first), ("body", with_body), ("own", without)] {
        assert_eq!(response.status(), 200, "{what}: {response:?}");
        assert_eq!(response.text(), "hello, world", "{what}: {response:?}");
        assert!(response.complete, "{what}: {response:?}");
        assert_eq!(
            response.header("content-length"),
            None,
            "{what}: {response:?}"
        );
    }
    assert_eq!(client.get("/plain").await.text(), "plain");
    assert_eq!(upstream.requests().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_cuts_a_close_delimited_body_on_every_client_path() {
    let (_dir, _upstream, gateway) = setup("h1-reset", "").await;
    for path in ["/close-reset", "/http10-reset"] {
        // The pooled client (first request), a dedicated hyper connection (a body),
        // corsair's own client (no body).
        for how in ["pooled", "body", "own"] {
            let mut client = Client::connect(gateway.addr).await;
            if how != "pooled" {
                assert_eq!(client.get("/plain").await.text(), "plain");
            }
            let cut = match how {
                "body" => client.send_body("POST", path, "abc").await,
                _ => client.get(path).await,
            };
            assert_eq!(cut.status(), 200, "{path} {how}: {cut:?}");
            assert!(!cut.complete, "{path} {how}: {cut:?}");
            assert_eq!(
                cut.header("transfer-encoding"),
                Some("chunked"),
                "{path} {how}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http10_close_delimited_bodies_reach_http11_clients_chunked() {
    let (_dir, _upstream, gateway) = setup("h1-http10", "").await;
    for how in ["pooled", "body", "own"] {
        let mut client = Client::connect(gateway.addr).await;
        if how != "pooled" {
            assert_eq!(client.get("/plain").await.text(), "plain");
        }
        let response = match how {
            "body" => {
                client
                    .send_body("POST", "/http10-close-delimited", "abc")
                    .await
            }
            _ => client.get("/http10-close-delimited").await,
        };
        assert!(
            response.status_line.starts_with("HTTP/1.1 200"),
            "{how}: {response:?}"
        );
        assert_eq!(
            response.header("transfer-encoding"),
            Some("chunked"),
            "{how}"
        );
        assert_eq!(response.text(), "until the close", "{how}");
        assert!(response.complete, "{how}: {response:?}");
        // The client connection goes on.
        assert_eq!(client.get("/plain").await.text(), "plain", "{how}");
    }
    // An HTTP/1.0 client gets HTTP/1.0, delimited by the close.
    let raw = exchange(
        gateway.addr,
        b"GET /http10-close-delimited HTTP/1.0\r\nhost: gw.example\r\n\r\n",
    )
    .await;
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.0 200 OK\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nuntil the close"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_before_the_whole_request_body_retires_the_upstream_connection() {
    let (_dir, upstream, gateway) = setup("h1-early", "").await;
    // `/early` answers 413 without reading the body, reads nothing more, and closes a
    // second later: a request sent on that connection meanwhile would get no answer.
    let body = "0123456789abcdefghij";
    let (first, rest) = body.split_at(10);
    // The pooled client (a connection's first request), then a dedicated hyper
    // connection (a later request with a body).
    for how in ["pooled", "dedicated"] {
        let mut client = Client::connect(gateway.addr).await;
        if how == "dedicated" {
            assert_eq!(client.get("/plain").await.text(), "plain");
        }
        let head = format!(
            "POST /early HTTP/1.1\r\nhost: gw.example\r\norigin: https://app.example\r\ncontent-length: {}\r\n\r\n{first}",
            body.len()
        );
        client.stream.write_all(head.as_bytes()).await.unwrap();
        let early = bounded("early answer", client.read(false)).await;
        assert_eq!(early.status(), 413, "{how}: {early:?}");
        let early_connection = upstream.connection_of_last("/early");
        client.stream.write_all(rest.as_bytes()).await.unwrap();
        // The rest of the body is written to the upstream connection.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let next = match how {
            "pooled" => Client::connect(gateway.addr).await.get("/plain").await,
            _ => client.send_body("POST", "/plain", "abc").await,
        };
        assert_eq!(next.status(), 200, "{how}: {next:?}");
        assert_eq!(next.text(), "plain", "{how}");
        assert_ne!(
            upstream.connection_of_last("/plain"),
            early_connection,
            "{how}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_chunked_request_body_is_the_clients_error() {
    let (_dir, _upstream, gateway) = setup("h1-bad-chunk", "").await;
    // The pooled client (a connection's first request), then a dedicated hyper
    // connection (a later request with a body).
    for how in ["pooled", "dedicated"] {
        let mut client = Client::connect(gateway.addr).await;
        if how == "dedicated" {
            assert_eq!(client.get("/plain").await.text(), "plain");
        }
        client
            .stream
            .write_all(
                b"POST /plain HTTP/1.1\r\nhost: gw.example\r\norigin: https://app.example\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n",
            )
            .await
            .unwrap();
        let response = bounded("answer", client.read(false)).await;
        assert_eq!(response.status(), 400, "{how}: {response:?}");
        let json: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(json["error"], "bad_request", "{how}");
    }
    assert_eq!(
        gateway
            .metric("corsair_upstream_errors_total{kind=\"protocol\"}")
            .await,
        0.0
    );
    assert_eq!(
        gateway
            .metric("corsair_client_errors_total{kind=\"malformed\"}")
            .await,
        2.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_with_underscores_are_dropped_unless_configured() {
    for (server, kept) in [("", false), ("forward_underscore_headers = true", true)] {
        let (_dir, _upstream, gateway) = setup("h1-underscore", server).await;
        let mut client = Client::connect(gateway.addr).await;
        let extra = "x_forwarded_for: 203.0.113.66\r\nX_Custom: 1\r\nx-kept: yes\r\n";
        // The pooled client, corsair's own client, a dedicated hyper connection.
        let pooled = client.send("GET", "/echo", extra).await;
        let own = client.send("GET", "/echo", extra).await;
        let head = format!(
            "POST /echo HTTP/1.1\r\nhost: gw.example\r\norigin: https://app.example\r\n{extra}content-length: 3\r\n\r\nabc"
        );
        client.stream.write_all(head.as_bytes()).await.unwrap();
        let body = bounded("response", client.read(false)).await;
        for (how, echoed) in [("pooled", pooled), ("own", own), ("body", body)] {
            let seen = echoed.text().to_ascii_lowercase();
            assert!(seen.contains("\r\nx-kept: yes\r\n"), "{how}: {seen}");
            for name in ["x_forwarded_for:", "x_custom:"] {
                assert_eq!(seen.contains(name), kept, "{server} {how}: {seen}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_decides_on_the_path_the_upstream_gets() {
    // `/private` allows another origin only: a detour through `/public/..` gets the
    // route of the path the upstream serves.
    let routes = "[[routes]]\npath = \"/private\"\nallow_origins = [\"https://other.example\"]";
    let (_dir, upstream, gateway) = setup("h1-route", routes).await;
    let mut client = Client::connect(gateway.addr).await;
    let direct = client.get("/private").await;
    let detour = client.get("/public/../private").await;
    for (what, response) in [("direct", direct), ("detour", detour)] {
        assert_eq!(
            response.header("access-control-allow-origin"),
            None,
            "{what}: {response:?}"
        );
    }
    assert_eq!(
        client
            .get("/public/x/../plain")
            .await
            .header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(
        upstream.requests(),
        ["GET /private", "GET /private", "GET /public/plain"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_connection_closed_without_an_answer_is_retried_once_for_idempotent_requests() {
    let (_dir, upstream, gateway) = setup("h1-retry", "").await;
    let mut client = Client::connect(gateway.addr).await;
    // The first request goes through the pooled client; the next ones through the
    // dedicated connection, which the second one opens.
    assert_eq!(client.get("/plain").await.text(), "plain");
    for method in ["GET", "HEAD", "DELETE", "OPTIONS"] {
        assert_eq!(client.get("/plain").await.text(), "plain", "{method}");
        let reused = upstream.connection_of_last("/plain");
        // Closed by the upstream as it arrives on the reused connection: sent again, once,
        // on a fresh one.
        let response = client.send(method, "/drop-when-reused", "").await;
        assert_eq!(response.status(), 200, "{method}: {response:?}");
        if method != "HEAD" {
            assert_eq!(response.text(), "fresh", "{method}");
        }
        assert_ne!(
            upstream.connection_of_last("/drop-when-reused"),
            reused,
            "{method}"
        );
    }
    // Not idempotent: not sent again.
    assert_eq!(client.get("/plain").await.text(), "plain");
    let before = upstream.requests().len();
    let response = client.send("POST", "/drop-when-reused", "").await;
    assert_eq!(response.status(), 502, "{response:?}");
    assert_eq!(upstream.requests().len(), before + 1);
    assert_eq!(
        gateway
            .metric("corsair_upstream_errors_total{kind=\"protocol\"}")
            .await,
        1.0
    );
}

/// `n` concurrent `GET /slow` on one HTTP/2 connection of `client`; each must get 200.
async fn h2_burst(
    client: &hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Empty<bytes::Bytes>,
    >,
    addr: SocketAddr,
    n: usize,
) {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let request = hyper::Request::get(format!("http://{addr}/slow"))
            .header("origin", "https://app.example")
            .body(http_body_util::Empty::new())
            .unwrap();
        tasks.push(tokio::spawn(client.request(request)));
    }
    for task in tasks {
        let response = bounded("h2 burst", task).await.unwrap().unwrap();
        assert_eq!(response.status(), 200);
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        assert_eq!(&body[..], b"slow");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_connections_are_bounded_per_client_connection_and_in_total() {
    let (_dir, upstream, gateway) = setup(
        "h1-upstream-limits",
        "max_upstream_per_connection = 2\nmax_upstream_connections = 3",
    )
    .await;
    let h2 = || {
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .http2_only(true)
            .build_http()
    };
    // One HTTP/2 connection, 8 streams at once: 2 upstream connections.
    let first = h2();
    h2_burst(&first, gateway.addr, 8).await;
    assert!(upstream.accepted() <= 2, "{}", upstream.accepted());
    assert!(
        gateway
            .metric("corsair_upstream_waits_total{limit=\"per_connection\"}")
            .await
            > 0.0
    );
    // Three HTTP/2 connections at once: 3 upstream connections in all.
    let (second, third) = (h2(), h2());
    tokio::join!(
        h2_burst(&first, gateway.addr, 6),
        h2_burst(&second, gateway.addr, 6),
        h2_burst(&third, gateway.addr, 6),
    );
    assert!(upstream.accepted() <= 3, "{}", upstream.accepted());
    assert!(gateway.metric("corsair_upstream_connections").await <= 3.0);
    assert_eq!(
        gateway
            .metric("corsair_upstream_errors_total{kind=\"timeout\"}")
            .await,
        0.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pooled_connection_closed_without_an_answer_is_retried_once_for_idempotent_requests() {
    let (_dir, upstream, gateway) = setup("h1-retry-pooled", "").await;
    // Each client connection's first request goes through the pooled client, which
    // reuses the upstream connection the previous one left in the pool.
    for method in ["GET", "HEAD", "PUT", "POST"] {
        let mut client = Client::connect(gateway.addr).await;
        assert_eq!(client.get("/plain").await.text(), "plain");
        let pooled = upstream.connection_of_last("/plain");
        drop(client);
        let mut client = Client::connect(gateway.addr).await;
        let extra = if method == "PUT" || method == "POST" {
            "content-length: 0\r\n"
        } else {
            ""
        };
        let before = upstream.requests().len();
        let response = client.send(method, "/drop-when-reused", extra).await;
        if method == "POST" {
            // Not idempotent: not sent again.
            assert_eq!(response.status(), 502, "{method}: {response:?}");
            assert_eq!(upstream.requests().len(), before + 1);
            continue;
        }
        assert_eq!(response.status(), 200, "{method}: {response:?}");
        if method != "HEAD" {
            assert_eq!(response.text(), "fresh", "{method}");
        }
        assert_eq!(upstream.requests().len(), before + 2, "{method}");
        assert_ne!(
            upstream.connection_of_last("/drop-when-reused"),
            pooled,
            "{method}"
        );
    }
    // HTTP/2 requests all go through the pooled client.
    let mut client = Client::connect(gateway.addr).await;
    assert_eq!(client.get("/plain").await.text(), "plain");
    drop(client);
    let h2: hyper_util::client::legacy::Client<_, http_body_util::Empty<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .http2_only(true)
            .build_http();
    let request = hyper::Request::get(format!("http://{}/drop-when-reused", gateway.addr))
        .header("origin", "https://app.example")
        .body(http_body_util::Empty::new())
        .unwrap();
    let response = bounded("h2", h2.request(request)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        gateway
            .metric("corsair_upstream_errors_total{kind=\"protocol\"}")
            .await,
        1.0
    );
}

/// What a client saw of one response, comparable: the status line, the headers (sorted;
/// `date` left out), the body, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Observed {
    /// The connection closed (or stalled) before a whole response head.
    NoResponse,
    Response {
        status_line: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        /// Whether the body arrived whole as framed (a close-delimited one: whether the
        /// connection closed after it, which cannot be told apart: always true).
        complete: bool,
    },
}

impl Observed {
    fn status(&self) -> Option<u16> {
        match self {
            Observed::NoResponse => None,
            Observed::Response { status_line, .. } => {
                status_line.split(' ').nth(1).and_then(|s| s.parse().ok())
            }
        }
    }

    fn complete(&self) -> bool {
        matches!(self, Observed::Response { complete: true, .. })
    }
}

impl Client {
    /// Sends `METHOD path` with an allowed `Origin` and reads what comes back, whatever
    /// it is, within 10 seconds.
    async fn observe(&mut self, method: &str, path: &str) -> Observed {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nhost: gw.example\r\norigin: https://app.example\r\n\r\n"
        );
        if self.stream.write_all(request.as_bytes()).await.is_err() {
            return Observed::NoResponse;
        }
        tokio::time::timeout(Duration::from_secs(10), self.read_any(method == "HEAD"))
            .await
            .unwrap_or(Observed::NoResponse)
    }

    async fn read_any(&mut self, head_request: bool) -> Observed {
        let Some(status_line) = self.line().await else {
            return Observed::NoResponse;
        };
        let mut headers = Vec::new();
        loop {
            let Some(line) = self.line().await else {
                return Observed::NoResponse;
            };
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap_or((&line, ""));
            let name = name.trim().to_ascii_lowercase();
            if name != "date" {
                headers.push((name, value.trim().to_owned()));
            }
        }
        headers.sort();
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut body = Vec::new();
        let mut complete = true;
        if !(head_request || status == 204 || status == 304) {
            if let Some(length) = header("content-length") {
                let length: usize = length.parse().unwrap_or(0);
                match self.take(length).await {
                    Some(data) => body = data,
                    None => {
                        body = std::mem::take(&mut self.buf);
                        complete = false;
                    }
                }
            } else if header("transfer-encoding").as_deref() == Some("chunked") {
                loop {
                    let size = self
                        .line()
                        .await
                        .and_then(|l| usize::from_str_radix(l.split(';').next()?.trim(), 16).ok());
                    let Some(size) = size else {
                        complete = false;
                        break;
                    };
                    if size == 0 {
                        while !self.line().await.unwrap_or_default().is_empty() {}
                        break;
                    }
                    let Some(data) = self.take(size + 2).await else {
                        complete = false;
                        break;
                    };
                    body.extend_from_slice(&data[..size]);
                }
            } else {
                while self.fill().await {}
                body = std::mem::take(&mut self.buf);
            }
        }
        Observed::Response {
            status_line,
            headers,
            body,
            complete,
        }
    }
}

/// Whether the two messages are the same answer: equal; both a `502` from the gateway
/// (whose `detail` words each client's error its own way); or both cut, never presented
/// as whole: the same head and part of the body, or no head at all before the connection
/// ended (how far a cut message gets before the end reaches the client connection is a
/// matter of timing: hyper's server may not have flushed the head yet).
fn same(pooled: &Observed, own: &Observed) -> bool {
    let heads_agree = match (pooled, own) {
        (
            Observed::Response {
                status_line: a,
                headers: ha,
                ..
            },
            Observed::Response {
                status_line: b,
                headers: hb,
                ..
            },
        ) => a == b && ha == hb,
        _ => true,
    };
    pooled == own
        || (pooled.status() == Some(502) && own.status() == Some(502))
        || (!pooled.complete() && !own.complete() && heads_agree)
}

/// Whether `own`, where it differs from `pooled`, is a clearly safer message: hyper's
/// client delivered a message cut short, and corsair's refused it whole (a `502`).
fn safer(pooled: &Observed, own: &Observed) -> bool {
    !pooled.complete() && own.status() == Some(502)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_own_client_delivers_what_hypers_client_delivers() {
    // Differential: each generated upstream response goes through hyper's client (a
    // client connection's first request goes through the pooled client) and through
    // corsair's own client (a body-less request after the first); the client must get
    // the same message from both, or a clearly safer one from corsair's (`safer`).
    let (_dir, _upstream, gateway) = setup("h1-differential", "").await;
    let cases = generated();
    let mut tasks = tokio::task::JoinSet::new();
    let addr = gateway.addr;
    let mut outcomes = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let method = if case.head { "HEAD" } else { "GET" };
        let path = format!("/gen/{i}");
        tasks.spawn(async move {
            let mut fresh = Client::connect(addr).await;
            let pooled = fresh.observe(method, &path).await;
            let mut warm = Client::connect(addr).await;
            let plain = warm.observe("GET", "/plain").await;
            assert_eq!(plain.status(), Some(200), "warm-up: {plain:?}");
            let own = warm.observe(method, &path).await;
            (i, pooled, own)
        });
        // At most 16 cases at once.
        while tasks.len() >= 16 {
            outcomes.push(tasks.join_next().await.unwrap().unwrap());
        }
    }
    while let Some(done) = tasks.join_next().await {
        outcomes.push(done.unwrap());
    }
    outcomes.sort_by_key(|(i, ..)| *i);
    let mut equal = 0;
    let mut safer_own = Vec::new();
    let mut differ = Vec::new();
    for (i, pooled, own) in &outcomes {
        let name = &cases[*i].name;
        if same(pooled, own) {
            equal += 1;
        } else if safer(pooled, own) {
            safer_own.push(format!("{name}\n  hyper: {pooled:?}\n  own:   {own:?}"));
        } else {
            differ.push(format!("{name}\n  hyper: {pooled:?}\n  own:   {own:?}"));
        }
    }
    eprintln!(
        "{} cases: {equal} the same, {} safer through corsair's client, {} different",
        outcomes.len(),
        safer_own.len(),
        differ.len()
    );
    for line in &safer_own {
        eprintln!("safer: {line}");
    }
    assert_eq!(outcomes.len(), 720);
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
