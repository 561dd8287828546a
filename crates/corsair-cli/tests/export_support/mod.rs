//! Shared helpers for the `corsair export` differential tests: a seeded generator of
//! policies and of requests against them, a test upstream, a keep-alive raw HTTP/1.1
//! client, and the browser-relevant view of an answer that the edges must agree on.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod differential;
pub mod generate;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request as HyperRequest, Response};
use hyper_util::rt::TokioIo;

/// One request, as raw as the test sends it.
#[derive(Clone, Debug)]
pub struct Request {
    /// The method.
    pub method: String,
    /// The request target.
    pub path: String,
    /// The headers, in order (a name may repeat; values are raw bytes).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The `Host` header (`edge.test` when `None`).
    pub host: Option<String>,
}

impl Request {
    /// The bytes on the wire (keep-alive; no body).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "{} {} HTTP/1.1\r\nhost: edge.test\r\n",
            self.method, self.path
        )
        .into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} {}", self.method, self.path)?;
        if let Some(host) = &self.host {
            writeln!(f, "  host: {host:?}")?;
        }
        for (name, value) in &self.headers {
            writeln!(f, "  {name}: {:?}", String::from_utf8_lossy(value))?;
        }
        Ok(())
    }
}

/// What a browser reads of an answer: the status class, every `Access-Control-*`
/// header, and the `Vary` tokens.
#[derive(Clone, Debug)]
pub struct Answer {
    /// `2xx`, `4xx`, ...
    pub class: u16,
    /// The status itself (not compared: only its class matters to a browser).
    pub status: u16,
    /// Each `Access-Control-*` header (lowercase name): the list-valued ones
    /// (`-allow-methods`, `-allow-headers`, `-expose-headers`) as lowercase token sets,
    /// joined with `,` in sorted order; the others as their exact values, lines joined
    /// with ` | `.
    pub cors: BTreeMap<String, String>,
    /// The `Vary` tokens of every line, lowercase.
    pub vary: BTreeSet<String>,
}

impl PartialEq for Answer {
    fn eq(&self, other: &Answer) -> bool {
        self.class == other.class && self.cors == other.cors && self.vary == other.vary
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} ({}xx)", self.status, self.class)?;
        for (name, value) in &self.cors {
            writeln!(f, "  {name}: {value}")?;
        }
        writeln!(f, "  vary tokens: {:?}", self.vary)
    }
}

/// The tokens of a comma-separated list, lowercase, without empty elements (RFC 9110
/// section 5.6.1: recipients ignore them).
fn tokens(values: &[String]) -> BTreeSet<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|t| t.trim_matches([' ', '\t']).to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

impl Answer {
    /// The browser-relevant view of a response head.
    pub fn new(status: u16, headers: &[(String, String)]) -> Answer {
        let mut lines: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in headers {
            lines.entry(name.clone()).or_default().push(value.clone());
        }
        let mut cors = BTreeMap::new();
        for (name, values) in &lines {
            if !name.starts_with("access-control-") {
                continue;
            }
            let value = match name.as_str() {
                "access-control-allow-methods"
                | "access-control-allow-headers"
                | "access-control-expose-headers" => {
                    tokens(values).into_iter().collect::<Vec<_>>().join(",")
                }
                _ => values.join(" | "),
            };
            cors.insert(name.clone(), value);
        }
        let vary = lines.get("vary").map(|v| tokens(v)).unwrap_or_default();
        Answer {
            class: status / 100,
            status,
            cors,
            vary,
        }
    }
}

/// A keep-alive connection to an edge, opened again when the edge closes it.
pub struct Client {
    addr: SocketAddr,
    stream: Option<TcpStream>,
}

impl Client {
    /// A client of the edge at `addr` (connects on first use).
    pub fn new(addr: SocketAddr) -> Client {
        Client { addr, stream: None }
    }

    /// Sends the request and reads the answer; retries once on a connection that the
    /// edge closed in between.
    pub fn send(&mut self, request: &Request) -> Answer {
        for attempt in 0..2 {
            if self.stream.is_none() {
                let stream = TcpStream::connect(self.addr).expect("connect to the edge");
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                stream.set_nodelay(true).unwrap();
                self.stream = Some(stream);
            }
            let stream = self.stream.as_mut().unwrap();
            if stream.write_all(&request.to_bytes()).is_err() {
                self.stream = None;
                continue;
            }
            match read_response(stream, request.method == "HEAD") {
                Some((answer, keep)) => {
                    if !keep {
                        self.stream = None;
                    }
                    return answer;
                }
                None if attempt == 0 => self.stream = None,
                None => break,
            }
        }
        panic!("no answer from {} to:\n{request}", self.addr);
    }
}

/// Reads one response; `None` when the connection closed before a status line. The
/// flag says whether the connection stays open.
fn read_response(stream: &mut TcpStream, head_request: bool) -> Option<(Answer, bool)> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let mut keep = !header("connection").is_some_and(|c| c.eq_ignore_ascii_case("close"));
    let no_body = head_request || status == 204 || status == 304 || status < 200;
    if no_body {
    } else if let Some(length) = header("content-length") {
        let mut body = vec![0u8; length.parse().ok()?];
        stream.read_exact(&mut body).ok()?;
    } else if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        read_chunked(stream)?;
    } else {
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        keep = false;
    }
    Some((Answer::new(status, &headers), keep))
}

fn read_line(stream: &mut TcpStream) -> Option<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        stream.read_exact(&mut byte).ok()?;
        line.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&line).trim().to_owned())
}

fn read_chunked(stream: &mut TcpStream) -> Option<()> {
    loop {
        let size_line = read_line(stream)?;
        let size = usize::from_str_radix(size_line.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            // Trailers, then the empty line.
            while !read_line(stream)?.is_empty() {}
            return Some(());
        }
        let mut chunk = vec![0u8; size + 2];
        stream.read_exact(&mut chunk).ok()?;
    }
}

// ---------------------------------------------------------------------------------------
// The upstream.

/// The request header that sets the upstream's status (`close`: no answer at all).
pub const STATUS: &str = "x-upstream-status";
/// The request header that makes the upstream send CORS headers of its own.
pub const OWN_CORS: &str = "x-upstream-cors";
/// The request header whose value the upstream sends as its own `Vary`.
pub const OWN_VARY: &str = "x-upstream-vary";

async fn upstream_answer(request: HyperRequest<Incoming>) -> Response<Full<Bytes>> {
    let headers = request.headers();
    let status = headers
        .get(STATUS)
        .and_then(|v| v.to_str().ok()?.parse::<u16>().ok())
        .unwrap_or(200);
    let mut response = Response::new(Full::new(Bytes::from_static(b"upstream")));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
    let out = response.headers_mut();
    out.insert("x-upstream", "yes".parse().unwrap());
    if headers.contains_key(OWN_CORS) {
        for (name, value) in [
            ("access-control-allow-origin", "https://upstream.example"),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "PATCH, PURGE"),
            ("access-control-allow-headers", "x-upstream-header"),
            ("access-control-expose-headers", "x-upstream"),
            ("access-control-max-age", "5"),
        ] {
            out.insert(name, value.parse().unwrap());
        }
    }
    if let Some(vary) = headers.get(OWN_VARY) {
        out.insert("vary", vary.clone());
    }
    response
}

/// Starts the test upstream on 127.0.0.1 in `runtime`; returns its address.
pub fn start_upstream(runtime: &tokio::runtime::Runtime) -> SocketAddr {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                // `x-upstream-status: close`: the connection is dropped without an
                // answer, and the edges answer 502 themselves.
                let service = service_fn(|request: HyperRequest<Incoming>| async move {
                    if request.headers().get(STATUS).is_some_and(|s| s == "close") {
                        return Err(std::io::Error::other("the test drops the connection"));
                    }
                    Ok(upstream_answer(request).await)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// Whether CI requires every tool (`CI=true`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts connections on `addr` (at most 10 s).
pub fn wait_listening(addr: SocketAddr) -> bool {
    for _ in 0..200 {
        if TcpStream::connect(addr).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}
