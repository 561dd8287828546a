//! `corsair serve` end to end: the real binary in front of a real upstream on loopback.
//! CORS decisions, forwarding headers, HTTP/2, upgrades, streaming, body limits, admin.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serve_support::{
    ChunkedBody, Gateway, TempDir, TestUpstream, body_len, bounded, exchange, get, parse_response,
    policy, request,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ALLOWED: (&str, &str) = ("origin", "https://app.example");
const EVIL: (&str, &str) = ("origin", "https://evil.example");
/// Some tests run on the multi-thread runtime, the others on the default (per-core).
const MULTI_THREAD: &str = "runtime = \"multi-thread\"";

async fn setup(test: &str, server: &str) -> (TempDir, TestUpstream, Gateway) {
    let upstream = TestUpstream::start().await;
    let dir = TempDir::new(test);
    let file = dir.write(
        "corsair.toml",
        &policy(&format!("upstream = \"{}\"\n{server}", upstream.url())),
    );
    let gateway = Gateway::with_config(&file);
    (dir, upstream, gateway)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflights_are_answered_without_reaching_the_upstream() {
    let (_dir, upstream, gateway) = setup("preflight", "").await;
    let allowed = request(
        gateway.addr,
        "OPTIONS",
        "/items",
        &[
            ALLOWED,
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "content-type"),
        ],
    )
    .await;
    assert_eq!(allowed.status, 204, "{allowed:?}");
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(allowed.header("access-control-allow-methods"), Some("PUT"));
    assert!(allowed.body.is_empty());

    let rejected = request(
        gateway.addr,
        "OPTIONS",
        "/items",
        &[EVIL, ("access-control-request-method", "PUT")],
    )
    .await;
    assert_eq!(rejected.status, 403, "{rejected:?}");
    assert!(
        rejected
            .headers
            .keys()
            .all(|k| !k.starts_with("access-control-")),
        "{rejected:?}"
    );
    assert_eq!(upstream.hits(), 0, "no preflight reaches the upstream");

    // A plain OPTIONS (no Access-Control-Request-Method) is the application's.
    let plain = request(gateway.addr, "OPTIONS", "/items", &[ALLOWED]).await;
    assert_eq!(plain.status, 200);
    assert_eq!(upstream.hits(), 1);

    // The rejection is logged at info with its reason, origin, method and path.
    gateway.wait_for_log(&[
        "CORS request rejected",
        "origin-not-allowed",
        "https://evil.example",
        "OPTIONS",
        "/items",
    ]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actual_requests_are_forwarded_with_cors_headers() {
    let (_dir, upstream, gateway) = setup("actual", "").await;
    let allowed = get(gateway.addr, "/echo?x=1", &[ALLOWED]).await;
    assert_eq!(allowed.status, 200);
    assert!(
        allowed.body_text().starts_with("GET /echo?x=1\n"),
        "{}",
        allowed.body_text()
    );
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(
        allowed.header("access-control-expose-headers"),
        Some("x-upstream")
    );
    assert_eq!(allowed.header("vary"), Some("Origin"));

    // A rejected origin still reaches the application (CORS hides the answer from the
    // page, it does not block the request), with no Access-Control-* at all.
    let rejected = get(gateway.addr, "/hop", &[EVIL]).await;
    assert_eq!(rejected.status, 200);
    assert_eq!(rejected.header("access-control-allow-origin"), None);
    assert_eq!(rejected.header("vary"), Some("Origin"));

    let non_cors = get(gateway.addr, "/echo", &[]).await;
    assert_eq!(non_cors.status, 200);
    assert_eq!(non_cors.header("vary"), Some("Origin"));
    assert_eq!(upstream.hits(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_headers_and_hop_by_hop() {
    let (_dir, upstream, gateway) = setup("forwarding", "").await;
    let echoed = get(
        gateway.addr,
        "/echo",
        &[
            ALLOWED,
            ("host", "api.example:8443"),
            ("x-forwarded-for", "203.0.113.7"),
            ("connection", "close, x-remove-me"),
            ("x-remove-me", "1"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("proxy-authorization", "Basic Zm9vOmJhcg=="),
            ("proxy-connection", "keep-alive"),
            ("upgrade", "h2c"),
            ("x-kept", "yes"),
        ],
    )
    .await;
    assert_eq!(echoed.status, 200, "{echoed:?}");
    let seen = echoed.body_text();
    let has = |line: &str| seen.lines().any(|l| l == line);
    assert!(has("x-forwarded-for: 203.0.113.7, 127.0.0.1"), "{seen}");
    assert!(has("x-forwarded-proto: http"), "{seen}");
    assert!(has("x-forwarded-host: api.example:8443"), "{seen}");
    assert!(has(&format!("host: {}", upstream.addr)), "{seen}");
    assert!(has("x-kept: yes"), "{seen}");
    for gone in [
        "x-remove-me",
        "keep-alive",
        "te",
        "proxy-authorization",
        "proxy-connection",
        "upgrade",
    ] {
        assert!(
            !seen.lines().any(|l| l.starts_with(&format!("{gone}:"))),
            "{gone} was forwarded:\n{seen}"
        );
    }

    // And on the way back.
    let hop = get(gateway.addr, "/hop", &[ALLOWED]).await;
    assert_eq!(hop.status, 200);
    assert_eq!(hop.header("x-kept"), Some("1"));
    for gone in ["x-up", "keep-alive", "proxy-authenticate"] {
        assert_eq!(hop.header(gone), None, "{gone}: {hop:?}");
    }
    // The upstream's own Access-Control-Allow-Origin is replaced by the policy's.
    assert_eq!(
        hop.header("access-control-allow-origin"),
        Some("https://app.example")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preserve_host_sends_the_clients_host() {
    let (_dir, _upstream, gateway) = setup("preserve-host", "preserve_host = true").await;
    let echoed = get(gateway.addr, "/echo", &[("host", "api.example")]).await;
    let seen = echoed.body_text();
    assert!(seen.lines().any(|l| l == "host: api.example"), "{seen}");
    assert!(
        seen.lines().any(|l| l == "x-forwarded-host: api.example"),
        "{seen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_prior_knowledge() {
    let (_dir, upstream, gateway) = setup("h2", MULTI_THREAD).await;
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http();
    let request = hyper::Request::get(format!("http://{}/echo", gateway.addr))
        .header("origin", "https://app.example")
        .body(Empty::new())
        .unwrap();
    let response = bounded("h2 request", client.request(request))
        .await
        .unwrap();
    assert_eq!(response.version(), hyper::Version::HTTP_2);
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let body = bounded("h2 body", response.into_body().collect())
        .await
        .unwrap()
        .to_bytes();
    let seen = String::from_utf8_lossy(&body);
    // HTTP/2's :authority becomes Host and X-Forwarded-Host upstream.
    assert!(
        seen.lines()
            .any(|l| l == format!("x-forwarded-host: {}", gateway.addr)),
        "{seen}"
    );
    assert_eq!(upstream.hits(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_upgrades_pass_through() {
    let (_dir, _upstream, gateway) = setup("websocket", MULTI_THREAD).await;
    bounded("upgrade", async {
        let mut stream = tokio::net::TcpStream::connect(gateway.addr).await.unwrap();
        stream
            .write_all(
                b"GET /ws HTTP/1.1\r\nhost: x\r\norigin: https://app.example\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
            )
            .await
            .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            assert_eq!(stream.read(&mut byte).await.unwrap(), 1, "closed early: {head:?}");
            head.push(byte[0]);
        }
        let response = parse_response(&head);
        assert_eq!(response.status, 101, "{response:?}");
        assert_eq!(response.header("upgrade"), Some("websocket"));
        assert_eq!(response.header("connection"), Some("upgrade"));
        for message in [&b"hello"[..], b"through the gateway"] {
            stream.write_all(message).await.unwrap();
            let mut echoed = vec![0u8; message.len()];
            stream.read_exact(&mut echoed).await.unwrap();
            assert_eq!(echoed, message);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_bodies_stream_both_ways_without_buffering() {
    const SIZE: u64 = 64 * 1024 * 1024;
    let (_dir, _upstream, gateway) = setup("streaming", MULTI_THREAD).await;
    let client: Client<_, ChunkedBody> = Client::builder(TokioExecutor::new()).build_http();

    let upload = hyper::Request::post(format!("http://{}/upload", gateway.addr))
        .header("origin", "https://app.example")
        .body(ChunkedBody::new(SIZE))
        .unwrap();
    let response = bounded("upload", client.request(upload)).await.unwrap();
    assert_eq!(response.status(), 200);
    let counted = bounded("upload answer", response.into_body().collect())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(String::from_utf8_lossy(&counted), SIZE.to_string());

    let download = hyper::Request::get(format!("http://{}/download?bytes={SIZE}", gateway.addr))
        .body(ChunkedBody::new(0))
        .unwrap();
    let response = bounded("download", client.request(download)).await.unwrap();
    assert_eq!(response.status(), 200);
    let received = bounded("download body", body_len(response.into_body()))
        .await
        .unwrap();
    assert_eq!(received, SIZE);

    // 128 MiB went through; the gateway never held more than a sliver of it.
    let peak = gateway.peak_rss_kib();
    assert!(
        peak < 48 * 1024,
        "the gateway's peak RSS is {peak} KiB: bodies were buffered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_bytes_arrive_before_the_upstream_finishes() {
    let (_dir, upstream, gateway) = setup("first-bytes", MULTI_THREAD).await;
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = hyper::Request::get(format!("http://{}/gated", gateway.addr))
        .body(Empty::new())
        .unwrap();
    let response = bounded("gated", client.request(request)).await.unwrap();
    let mut body = response.into_body();
    // The upstream holds "second" back until the gate opens: "first" must get through
    // on its own.
    let first = bounded("first frame", body.frame()).await.unwrap().unwrap();
    assert_eq!(first.into_data().unwrap(), "first");
    upstream.state.gate.notify_one();
    let rest = bounded("rest", body.collect()).await.unwrap().to_bytes();
    assert_eq!(rest, "second");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_bodies_over_the_limit_get_413() {
    let (_dir, upstream, gateway) = setup("body-limit", "max_body_bytes = 1000").await;
    // Declared too large: refused before the upstream.
    let mut declared = String::from(
        "POST /upload HTTP/1.1\r\nhost: x\r\nconnection: close\r\norigin: https://app.example\r\ncontent-length: 2000\r\n\r\n",
    );
    declared.push_str(&"a".repeat(2000));
    let response = parse_response(&exchange(gateway.addr, declared.as_bytes()).await);
    assert_eq!(response.status, 413, "{response:?}");
    assert_eq!(response.json()["error"], "payload_too_large");
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(upstream.hits(), 0);

    // Chunked, found too large while streaming.
    let mut chunked = String::from(
        "POST /upload HTTP/1.1\r\nhost: x\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n",
    );
    for _ in 0..4 {
        chunked.push_str(&format!("258\r\n{}\r\n", "b".repeat(600)));
    }
    chunked.push_str("0\r\n\r\n");
    let response = parse_response(&exchange(gateway.addr, chunked.as_bytes()).await);
    assert_eq!(response.status, 413, "{response:?}");

    // Within the limit: fine.
    let small = "POST /upload HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 10\r\n\r\n0123456789";
    let response = parse_response(&exchange(gateway.addr, small.as_bytes()).await);
    assert_eq!(response.status, 200);
    assert_eq!(response.body_text(), "10");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_and_metrics() {
    let (_dir, _upstream, gateway) = setup("admin", "").await;
    let admin = gateway.admin.unwrap();
    let health = get(admin, "/healthz", &[]).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body_text(), "ok\n");

    get(gateway.addr, "/echo", &[ALLOWED]).await;
    get(gateway.addr, "/echo", &[]).await;
    request(
        gateway.addr,
        "OPTIONS",
        "/echo",
        &[ALLOWED, ("access-control-request-method", "DELETE")],
    )
    .await;
    request(
        gateway.addr,
        "OPTIONS",
        "/echo",
        &[EVIL, ("access-control-request-method", "PUT")],
    )
    .await;

    let metrics = get(admin, "/metrics", &[]).await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/plain; version=0.0.4")),
        "{metrics:?}"
    );
    let text = metrics.body_text();
    for line in [
        "corsair_requests_total{kind=\"actual\",decision=\"allowed\"} 1",
        "corsair_requests_total{kind=\"non-cors\",decision=\"allowed\"} 1",
        "corsair_requests_total{kind=\"preflight\",decision=\"rejected\"} 2",
        "corsair_rejections_total{reason=\"method-not-allowed\"} 1",
        "corsair_rejections_total{reason=\"origin-not-allowed\"} 1",
        "corsair_responses_total{class=\"2xx\"} 2",
        "corsair_responses_total{class=\"4xx\"} 2",
        "corsair_upstream_errors_total{kind=\"connect\"} 0",
        "corsair_request_duration_seconds_count 4",
        "corsair_request_duration_seconds_bucket{le=\"+Inf\"} 4",
        "# TYPE corsair_request_duration_seconds histogram",
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in\n{text}");
    }
    assert_eq!(get(admin, "/nope", &[]).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_clients_survive_upstream_closes() {
    let (_dir, upstream, gateway) = setup("keep-alive", "").await;
    let mut stream = tokio::net::TcpStream::connect(gateway.addr).await.unwrap();
    // The first request goes through the pooled client, the next ones through the
    // connection's dedicated upstream connection, which the upstream closes after
    // `/close`: the requests after it still succeed.
    for (i, path) in [
        "/echo", "/echo", "/close", "/echo", "/close", "/close", "/echo",
    ]
    .iter()
    .enumerate()
    {
        let request = format!(
            "GET {path}?n={i} HTTP/1.1\r\nhost: x\r\norigin: https://app.example\r\nx-forwarded-for: 10.9.8.7\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let response = serve_support::read_response(&mut stream).await;
        assert_eq!(response.status, 200, "request {i}: {response:?}");
        assert_eq!(
            response.header("access-control-allow-origin"),
            Some("https://app.example")
        );
        assert_eq!(response.header("connection"), None, "{response:?}");
        if *path == "/echo" {
            let seen = response.body_text();
            assert!(seen.starts_with(&format!("GET /echo?n={i}\n")), "{seen}");
            assert!(
                seen.lines()
                    .any(|l| l == "x-forwarded-for: 10.9.8.7, 127.0.0.1"),
                "{seen}"
            );
            assert!(
                seen.lines()
                    .any(|l| l == format!("host: {}", upstream.addr)),
                "{seen}"
            );
        }
    }
    assert_eq!(upstream.hits(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_writes_are_refused_before_the_upstream() {
    let upstream = TestUpstream::start().await;
    let dir = TempDir::new("write-protection");
    let config = policy(&format!("upstream = \"{}\"", upstream.url())).replace(
        "[cors]\n",
        "[cors]\ncross_origin_protection = true\ncross_origin_protection_exempt_paths = [\"/hooks\"]\n",
    );
    let gateway = Gateway::with_config(&dir.write("corsair.toml", &config));
    let cross_site = ("sec-fetch-site", "cross-site");
    let refused = request(gateway.addr, "POST", "/echo", &[EVIL, cross_site]).await;
    assert_eq!(refused.status, 403, "{refused:?}");
    assert!(
        refused
            .headers
            .keys()
            .all(|k| !k.starts_with("access-control-")),
        "{refused:?}"
    );
    // A form from another site sends no CORS header but Sec-Fetch-Site: refused too.
    let form = request(gateway.addr, "POST", "/echo", &[cross_site]).await;
    assert_eq!(form.status, 403, "{form:?}");
    assert_eq!(upstream.hits(), 0, "no refused write reaches the upstream");

    let allowed = request(gateway.addr, "POST", "/echo", &[ALLOWED, cross_site]).await;
    assert_eq!(allowed.status, 200, "{allowed:?}");
    let hook = request(gateway.addr, "POST", "/hooks/github", &[EVIL, cross_site]).await;
    assert_eq!(hook.status, 200, "{hook:?}");
    let server = request(gateway.addr, "POST", "/echo", &[]).await;
    assert_eq!(server.status, 200, "{server:?}");
    assert_eq!(upstream.hits(), 3);
    gateway.wait_for_log(&["CORS request rejected", "cross-origin-write-refused"]);

    // The metrics count both refusals under their own reason, the fetch (with an
    // Origin) as an actual request and the form (without one) as a non-CORS one. The
    // hook's write went through, but its origin is still not allowed to read.
    let text = gateway.metrics().await;
    for line in [
        "corsair_rejections_total{reason=\"cross-origin-write-refused\"} 2",
        "corsair_rejections_total{reason=\"origin-not-allowed\"} 1",
        "corsair_rejections_total{reason=\"other\"} 0",
        "corsair_requests_total{kind=\"actual\",decision=\"rejected\"} 2",
        "corsair_requests_total{kind=\"non-cors\",decision=\"rejected\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in\n{text}");
    }
}
