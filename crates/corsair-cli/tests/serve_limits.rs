//! `corsair serve` when things go wrong: upstream down, slow or breaking mid-body;
//! malformed, oversized and slow clients; the connection limit. The gateway answers
//! cleanly and keeps serving the others.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Empty;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serve_support::{
    Gateway, TempDir, TestUpstream, body_len, bounded, exchange, get, parse_response, policy,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ALLOWED: (&str, &str) = ("origin", "https://app.example");
const EVIL: (&str, &str) = ("origin", "https://evil.example");

fn start(test: &str, upstream: &str, server: &str) -> (TempDir, Gateway) {
    let dir = TempDir::new(test);
    let file = dir.write(
        "corsair.toml",
        &policy(&format!("upstream = \"{upstream}\"\n{server}")),
    );
    let gateway = Gateway::with_config(&file);
    (dir, gateway)
}

/// A loopback port with nothing listening on it.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_down_gives_502_with_cors_headers() {
    let (_dir, gateway) = start(
        "upstream-down",
        &format!("http://127.0.0.1:{}", closed_port()),
        "",
    );
    let response = get(gateway.addr, "/items", &[ALLOWED]).await;
    assert_eq!(response.status, 502, "{response:?}");
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(response.header("content-type"), Some("application/json"));
    let json = response.json();
    assert_eq!(json["error"], "bad_gateway");
    assert!(
        json["detail"].as_str().unwrap().contains("connect"),
        "{json}"
    );

    // A rejected origin gets the error too, but nothing to read it with.
    let rejected = get(gateway.addr, "/items", &[EVIL]).await;
    assert_eq!(rejected.status, 502);
    assert_eq!(rejected.header("access-control-allow-origin"), None);
    assert_eq!(
        gateway
            .metric("corsair_upstream_errors_total{kind=\"connect\"}")
            .await,
        2.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_upstream_gives_504() {
    let upstream = TestUpstream::start().await;
    let (_dir, gateway) = start("upstream-timeout", &upstream.url(), "upstream_timeout = 1");
    let started = Instant::now();
    let response = get(gateway.addr, "/slow?ms=10000", &[ALLOWED]).await;
    assert_eq!(response.status, 504, "{response:?}");
    assert!(started.elapsed() < Duration::from_secs(8));
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(response.json()["error"], "gateway_timeout");
    // Fast requests are unaffected.
    assert_eq!(get(gateway.addr, "/slow?ms=10", &[]).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_resetting_mid_body_cuts_the_response_and_nothing_else() {
    let upstream = TestUpstream::start().await;
    let (_dir, gateway) = start("upstream-reset", &upstream.url(), "");
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = hyper::Request::get(format!("http://{}/reset", gateway.addr))
        .header("origin", "https://app.example")
        .body(Empty::new())
        .unwrap();
    let response = bounded("reset", client.request(request)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], "100000");
    // The client sees the body fail, not a short body passed off as whole.
    let body = bounded("reset body", body_len(response.into_body())).await;
    assert!(body.is_err(), "{body:?}");

    assert_eq!(get(gateway.addr, "/echo", &[]).await.status, 200);
    assert_eq!(
        gateway
            .metric("corsair_upstream_errors_total{kind=\"body\"}")
            .await,
        1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_requests_get_400_and_431() {
    let upstream = TestUpstream::start().await;
    let (_dir, gateway) = start("malformed", &upstream.url(), "max_header_bytes = 16384");

    let malformed = exchange(gateway.addr, b"GET / HTTP/1.1\r\nno colon here\r\n\r\n").await;
    assert_eq!(parse_response(&malformed).status, 400);
    let garbage = exchange(
        gateway.addr,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    )
    .await;
    assert_eq!(parse_response(&garbage).status, 400);

    let big = format!(
        "GET / HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let oversized = exchange(gateway.addr, big.as_bytes()).await;
    assert_eq!(parse_response(&oversized).status, 431);

    let mut many = String::from("GET / HTTP/1.1\r\nhost: x\r\n");
    for i in 0..200 {
        many.push_str(&format!("x-h{i}: 1\r\n"));
    }
    many.push_str("\r\n");
    assert_eq!(
        parse_response(&exchange(gateway.addr, many.as_bytes()).await).status,
        431
    );

    // CONNECT is not forwarded: this is not a forward proxy.
    let connect = exchange(
        gateway.addr,
        b"CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(parse_response(&connect).status, 405);

    assert_eq!(upstream.hits(), 0);
    assert_eq!(get(gateway.addr, "/echo", &[]).await.status, 200);
    assert_eq!(
        gateway
            .metric("corsair_client_errors_total{kind=\"header_too_large\"}")
            .await,
        2.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_timed_out_and_others_still_served() {
    let upstream = TestUpstream::start().await;
    let (_dir, gateway) = start(
        "slowloris",
        &upstream.url(),
        "header_timeout = 1\nruntime = \"multi-thread\"",
    );
    let addr = gateway.addr;

    // Twenty clients trickling a request head, one byte every 200 ms.
    let slow: Vec<_> = (0..20)
        .map(|_| {
            tokio::spawn(async move {
                let started = Instant::now();
                let mut stream = TcpStream::connect(addr).await.unwrap();
                let head = b"GET /echo HTTP/1.1\r\nhost: x\r\nx-slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
                for byte in head {
                    if stream.write_all(&[*byte]).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    if started.elapsed() > Duration::from_secs(8) {
                        break;
                    }
                }
                let mut answer = Vec::new();
                let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
                (started.elapsed(), answer)
            })
        })
        .collect();
    // A silent client: connects and sends nothing.
    let silent = tokio::spawn(async move {
        let started = Instant::now();
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut answer = Vec::new();
        let _ =
            tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
        (started.elapsed(), answer)
    });

    // Meanwhile, others are served.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..5 {
        assert_eq!(get(addr, "/echo", &[ALLOWED]).await.status, 200);
    }

    for task in slow {
        let (elapsed, answer) = bounded("slow client", task).await.unwrap();
        assert!(
            elapsed < Duration::from_secs(6),
            "not timed out: {elapsed:?}"
        );
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.1 408"), "{text:?}");
    }
    let (elapsed, answer) = bounded("silent client", silent).await.unwrap();
    assert!(
        elapsed < Duration::from_secs(6),
        "not timed out: {elapsed:?}"
    );
    assert!(answer.is_empty(), "{answer:?}");

    assert_eq!(get(addr, "/echo", &[]).await.status, 200);
    assert_eq!(upstream.hits(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_wait_for_a_free_slot() {
    let upstream = TestUpstream::start().await;
    let (_dir, gateway) = start("max-connections", &upstream.url(), "max_connections = 2");
    let addr = gateway.addr;
    // Two keep-alive connections hold both slots.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /echo HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 4096];
        let n = bounded("held response", stream.read(&mut buf))
            .await
            .unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        held.push(stream);
    }
    // A third waits: no answer while both are held.
    let third = tokio::spawn(async move { get(addr, "/echo", &[]).await.status });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !third.is_finished(),
        "the third connection was served beyond the limit"
    );
    // A slot frees: it is served.
    drop(held.pop());
    assert_eq!(bounded("third", third).await.unwrap(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_but_slow_upstreams_are_not() {
    let upstream = TestUpstream::start().await;
    let (_dir, gateway) = start(
        "idle",
        &upstream.url(),
        "idle_timeout = 1\nupstream_timeout = 10\nheader_timeout = 5",
    );
    // Waiting 2.5 s for the upstream's answer is not idleness.
    let slow = get(gateway.addr, "/slow?ms=2500", &[ALLOWED]).await;
    assert_eq!(slow.status, 200, "{slow:?}");

    // A response whose body stalls is: the connection is closed after a second.
    let started = Instant::now();
    let mut stream = TcpStream::connect(gateway.addr).await.unwrap();
    stream
        .write_all(b"GET /gated HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut received = Vec::new();
    bounded("idle close", stream.read_to_end(&mut received))
        .await
        .unwrap_or(0);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(8),
        "{elapsed:?}"
    );
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("first"), "{text}");
    assert!(!text.contains("second"), "{text}");
    assert_eq!(
        gateway
            .metric("corsair_client_errors_total{kind=\"idle_timeout\"}")
            .await,
        1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_head_on_a_keep_alive_connection_is_timed() {
    let upstream = TestUpstream::start().await;
    let (_dir, gateway) = start(
        "head-per-request",
        &upstream.url(),
        "header_timeout = 1\nidle_timeout = 30",
    );
    let first = "GET /echo HTTP/1.1\r\nhost: x\r\norigin: https://app.example\r\n\r\n";

    // One request answered, then half of a second head, then nothing: 408 after
    // header_timeout, counted from the first answer, not from the accept.
    let trickling = tokio::spawn({
        let addr = gateway.addr;
        async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            tokio::time::sleep(Duration::from_millis(600)).await;
            stream.write_all(first.as_bytes()).await.unwrap();
            let response = serve_support::read_response(&mut stream).await;
            assert_eq!(response.status, 200, "{response:?}");
            let answered = Instant::now();
            tokio::time::sleep(Duration::from_millis(600)).await;
            stream
                .write_all(b"GET /echo HTTP/1.1\r\nhost")
                .await
                .unwrap();
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest).await;
            (answered.elapsed(), rest)
        }
    });
    // One request answered, then silence: closed after header_timeout (an idle
    // keep-alive connection), with no answer; idle_timeout is far longer.
    let silent = tokio::spawn({
        let addr = gateway.addr;
        async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(first.as_bytes()).await.unwrap();
            let response = serve_support::read_response(&mut stream).await;
            assert_eq!(response.status, 200, "{response:?}");
            let answered = Instant::now();
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest).await;
            (answered.elapsed(), rest)
        }
    });

    let (elapsed, rest) = bounded("trickling client", trickling).await.unwrap();
    let text = String::from_utf8_lossy(&rest);
    assert!(text.starts_with("HTTP/1.1 408"), "{text:?}");
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(8),
        "{elapsed:?}"
    );
    let (elapsed, rest) = bounded("silent client", silent).await.unwrap();
    assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(8),
        "{elapsed:?}"
    );
    assert_eq!(
        gateway
            .metric("corsair_client_errors_total{kind=\"header_timeout\"}")
            .await,
        2.0
    );
    assert_eq!(upstream.hits(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_connections_have_no_head_clock() {
    let upstream = TestUpstream::start().await;
    let (_dir, gateway) = start(
        "h2-no-head-clock",
        &upstream.url(),
        "header_timeout = 1\nidle_timeout = 30",
    );
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http();
    // Two requests 2.5 s apart on one HTTP/2 connection: the connection stays open
    // (HTTP/2 has no request heads to time; idle_timeout governs it).
    for i in 0..2 {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(2500)).await;
        }
        let request = hyper::Request::get(format!("http://{}/echo", gateway.addr))
            .body(Empty::new())
            .unwrap();
        let response = bounded("h2 request", client.request(request))
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        bounded("h2 body", body_len(response.into_body()))
            .await
            .unwrap();
    }
    assert_eq!(gateway.metric("corsair_connections_total").await, 1.0);
    assert_eq!(
        gateway
            .metric("corsair_client_errors_total{kind=\"header_timeout\"}")
            .await,
        0.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_timeouts_on_every_path() {
    let upstream = TestUpstream::start().await;
    let (_dir, gateway) = start(
        "upstream-timeout-paths",
        &upstream.url(),
        "upstream_timeout = 1",
    );
    // A keep-alive connection: its first request goes through the pooled client, the
    // next ones through its dedicated upstream connection.
    let mut stream = TcpStream::connect(gateway.addr).await.unwrap();
    for (i, path) in ["/slow?ms=10000", "/echo", "/slow?ms=10000", "/echo"]
        .iter()
        .enumerate()
    {
        let started = Instant::now();
        let request =
            format!("GET {path} HTTP/1.1\r\nhost: x\r\norigin: https://app.example\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let response = serve_support::read_response(&mut stream).await;
        if path.starts_with("/slow") {
            assert_eq!(response.status, 504, "request {i}: {response:?}");
            assert_eq!(response.json()["error"], "gateway_timeout");
            assert!(started.elapsed() < Duration::from_secs(8));
        } else {
            assert_eq!(response.status, 200, "request {i}: {response:?}");
        }
        assert_eq!(
            response.header("access-control-allow-origin"),
            Some("https://app.example")
        );
    }
    // HTTP/2: a timer per request.
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http();
    let request = hyper::Request::get(format!("http://{}/slow?ms=10000", gateway.addr))
        .body(Empty::new())
        .unwrap();
    let response = bounded("h2 request", client.request(request))
        .await
        .unwrap();
    assert_eq!(response.status(), 504);
    assert_eq!(
        gateway
            .metric("corsair_upstream_errors_total{kind=\"timeout\"}")
            .await,
        3.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_rfc_9112_calls_invalid_never_reach_the_upstream() {
    let upstream = TestUpstream::start().await;
    let (_dir, gateway) = start("invalid-heads", &upstream.url(), "");
    let refused: [(&str, u16); 10] = [
        ("GET /echo HTTP/1.1\r\n", 400),
        (
            "GET /echo HTTP/1.1\r\nhost: a.example\r\nhost: b.example\r\n",
            400,
        ),
        ("GET /echo HTTP/1.1\r\nhost: a.example/x\r\n", 400),
        ("GET /echo HTTP/1.1\r\nhost: user@a.example\r\n", 400),
        ("GET a.example:80 HTTP/1.1\r\nhost: a.example\r\n", 400),
        ("OPTIONS * HTTP/1.1\r\nhost: a.example\r\n", 400),
        (
            "POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\ntransfer-encoding: chunked\r\n",
            400,
        ),
        (
            "POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked, chunked\r\n",
            400,
        ),
        (
            "POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: gzip, chunked\r\n",
            501,
        ),
        ("GET /echo HTTP/1.0\r\nhost: a.example:http\r\n", 400),
    ];
    for (head, status) in refused {
        // Without `connection: close`: the gateway closes the connection itself, at
        // once (not after header_timeout, 10 s).
        let request = format!("{head}\r\n0\r\n\r\n");
        let raw = tokio::time::timeout(
            Duration::from_secs(5),
            exchange(gateway.addr, request.as_bytes()),
        )
        .await
        .unwrap_or_else(|_| panic!("{head:?}: the connection was left open"));
        let response = parse_response(&raw);
        assert_eq!(response.status, status, "{head:?}: {response:?}");
    }
    assert_eq!(upstream.hits(), 0);
    // What is valid still passes: HTTP/1.0 without Host, absolute-form, chunked.
    for head in [
        "GET /echo HTTP/1.0\r\n",
        "GET http://gw.example/echo HTTP/1.1\r\nhost: gw.example\r\n",
        "POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n",
    ] {
        let request = format!("{head}connection: close\r\n\r\n0\r\n\r\n");
        let response = parse_response(&exchange(gateway.addr, request.as_bytes()).await);
        assert_eq!(response.status, 200, "{head:?}: {response:?}");
    }
    assert_eq!(upstream.hits(), 3);
}

/// Opens a WebSocket-style tunnel through the gateway to the upstream's `/ws` echo and
/// checks one message goes through.
async fn open_tunnel(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"GET /ws HTTP/1.1\r\nhost: x\r\norigin: https://app.example\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        )
        .await
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = bounded("101 head", stream.read(&mut byte)).await.unwrap();
        assert_eq!(n, 1, "closed early: {head:?}");
        head.push(byte[0]);
    }
    assert_eq!(parse_response(&head).status, 101);
    stream.write_all(b"ping").await.unwrap();
    let mut echoed = [0u8; 4];
    bounded("echo", stream.read_exact(&mut echoed))
        .await
        .unwrap();
    assert_eq!(&echoed, b"ping");
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgraded_connections_count_against_the_limit_and_time_out_when_idle() {
    let upstream = TestUpstream::start().await;
    let (_dir, gateway) = start(
        "upgrade-limits",
        &upstream.url(),
        "idle_timeout = 1\nmax_connections = 1",
    );
    let addr = gateway.addr;
    let mut tunnel = open_tunnel(addr).await;
    assert_eq!(gateway.metric("corsair_upgraded_connections").await, 1.0);
    // The tunnel holds the only slot: another client waits.
    let other = tokio::spawn(async move { get(addr, "/echo", &[]).await.status });
    // Bytes moving keep the tunnel open past idle_timeout.
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        tunnel.write_all(b"ping").await.unwrap();
        let mut echoed = [0u8; 4];
        bounded("echo", tunnel.read_exact(&mut echoed))
            .await
            .unwrap();
    }
    assert!(
        !other.is_finished(),
        "a connection was served beyond the limit while a tunnel was open"
    );
    // Then nothing moves: the tunnel is closed after idle_timeout, and the slot freed.
    let idle = Instant::now();
    let mut rest = Vec::new();
    let _ = bounded("idle tunnel", tunnel.read_to_end(&mut rest)).await;
    let elapsed = idle.elapsed();
    assert!(rest.is_empty(), "{rest:?}");
    assert!(
        elapsed >= Duration::from_millis(700) && elapsed < Duration::from_secs(8),
        "{elapsed:?}"
    );
    assert_eq!(bounded("other", other).await.unwrap(), 200);
    assert_eq!(gateway.metric("corsair_upgraded_connections").await, 0.0);
    assert!(
        gateway
            .metric("corsair_client_errors_total{kind=\"idle_timeout\"}")
            .await
            >= 1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_connections_without_a_stream_time_out_despite_pings() {
    let upstream = TestUpstream::start().await;
    let (_dir, gateway) = start(
        "h2-idle-pings",
        &upstream.url(),
        "idle_timeout = 1\nupstream_timeout = 10",
    );
    // A client that pings every 200 ms, with or without a stream open.
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .timer(hyper_util::rt::TokioTimer::new())
        .http2_keep_alive_interval(Duration::from_millis(200))
        .http2_keep_alive_while_idle(true)
        .build_http();
    // A stream open longer than idle_timeout is not idleness.
    let request = hyper::Request::get(format!("http://{}/slow?ms=2000", gateway.addr))
        .body(Empty::new())
        .unwrap();
    let response = bounded("h2 request", client.request(request))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    bounded("h2 body", body_len(response.into_body()))
        .await
        .unwrap();
    assert_eq!(gateway.metric("corsair_connections_open").await, 1.0);
    // No stream for idle_timeout: closed, pings or not.
    let deadline = Instant::now() + Duration::from_secs(8);
    while gateway.metric("corsair_connections_open").await > 0.0 {
        assert!(
            Instant::now() < deadline,
            "an HTTP/2 connection without a stream stayed open while it pinged"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        gateway
            .metric("corsair_client_errors_total{kind=\"idle_timeout\"}")
            .await,
        1.0
    );
    assert_eq!(gateway.metric("corsair_connections_total").await, 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_timeout_starts_once_the_request_body_is_sent() {
    let upstream = TestUpstream::start().await;
    let (_dir, gateway) = start(
        "upload-time",
        &upstream.url(),
        "upstream_timeout = 1\nidle_timeout = 2",
    );
    // HTTP/1.1, on one keep-alive connection (the pooled client, then the dedicated
    // connection): 10 chunks 250 ms apart, 2.5 s of upload, each within idle_timeout.
    let mut stream = TcpStream::connect(gateway.addr).await.unwrap();
    for i in 0..2 {
        stream
            .write_all(b"POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n")
            .await
            .unwrap();
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(250)).await;
            stream.write_all(&[b'u'; 10]).await.unwrap();
        }
        let response = serve_support::read_response(&mut stream).await;
        assert_eq!(response.status, 200, "upload {i}: {response:?}");
        assert_eq!(response.body_text(), "100");
    }
    // HTTP/2: the same upload on a stream.
    let client: Client<_, http_body_util::channel::Channel<Bytes, std::io::Error>> =
        Client::builder(TokioExecutor::new())
            .http2_only(true)
            .build_http();
    let (mut sender, body) = http_body_util::channel::Channel::new(1);
    let request = hyper::Request::post(format!("http://{}/upload", gateway.addr))
        .body(body)
        .unwrap();
    let response = tokio::spawn(client.request(request));
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        sender
            .send_data(Bytes::from_static(&[b'u'; 10]))
            .await
            .unwrap();
    }
    drop(sender);
    let response = bounded("h2 upload", response).await.unwrap().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        gateway
            .metric("corsair_upstream_errors_total{kind=\"timeout\"}")
            .await,
        0.0
    );

    // Once the body is sent, a slow upstream still gets its upstream_timeout: 504.
    drop(stream);
    let mut stream = TcpStream::connect(gateway.addr).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(
            b"POST /slow?ms=10000 HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\nuuuuuuuuuu",
        )
        .await
        .unwrap();
    let response = serve_support::read_response(&mut stream).await;
    assert_eq!(response.status, 504, "{response:?}");
    assert!(started.elapsed() < Duration::from_secs(8));
    let timeouts = gateway
        .metric("corsair_upstream_errors_total{kind=\"timeout\"}")
        .await;
    assert_eq!(timeouts, 1.0);

    // An upload that stalls is bounded by idle_timeout: closed, no 504.
    drop((stream, client));
    let idle_before = gateway
        .metric("corsair_client_errors_total{kind=\"idle_timeout\"}")
        .await;
    let mut stream = TcpStream::connect(gateway.addr).await.unwrap();
    stream
        .write_all(b"POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nuuuuu")
        .await
        .unwrap();
    let stalled = Instant::now();
    let mut rest = Vec::new();
    let _ = bounded("stalled upload", stream.read_to_end(&mut rest)).await;
    let elapsed = stalled.elapsed();
    let text = String::from_utf8_lossy(&rest);
    assert!(!text.contains("504"), "{text}");
    assert!(
        elapsed >= Duration::from_millis(1700) && elapsed < Duration::from_secs(8),
        "{elapsed:?}"
    );
    assert!(
        gateway
            .metric("corsair_client_errors_total{kind=\"idle_timeout\"}")
            .await
            > idle_before
    );
    assert_eq!(
        gateway
            .metric("corsair_upstream_errors_total{kind=\"timeout\"}")
            .await,
        1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_connections_without_a_stream_are_sent_goaway() {
    let upstream = TestUpstream::start().await;
    let (_dir, gateway) = start("h2-goaway", &upstream.url(), "idle_timeout = 1");
    let tcp = TcpStream::connect(gateway.addr).await.unwrap();
    let (send, mut connection) = h2::client::handshake(tcp).await.unwrap();
    let mut ping_pong = connection.ping_pong().unwrap();
    let driven = tokio::spawn(connection);
    let mut send = bounded("ready", send.ready()).await.unwrap();
    let request = http::Request::get(format!("http://{}/echo", gateway.addr))
        .body(())
        .unwrap();
    let (response, _) = send.send_request(request, true).unwrap();
    let response = bounded("h2 response", response).await.unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    while let Some(chunk) = bounded("h2 body", body.data()).await {
        let chunk = chunk.unwrap();
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    // Pings, and no stream: the gateway says GOAWAY within a few seconds.
    let started = Instant::now();
    while !driven.is_finished() {
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "an HTTP/2 connection without a stream stayed open while it pinged"
        );
        let _ =
            tokio::time::timeout(Duration::from_secs(1), ping_pong.ping(h2::Ping::opaque())).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let error = bounded("ready after close", send.ready())
        .await
        .expect_err("a closed connection");
    assert!(error.is_go_away(), "closed without GOAWAY: {error:?}");
    assert_eq!(error.reason(), Some(h2::Reason::NO_ERROR));
}
