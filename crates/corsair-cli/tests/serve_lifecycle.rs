//! `corsair serve` over its life: the built-in demo, hot reload (under load, invalid,
//! by file change), graceful shutdown, a bad file at start; and `corsair lint` on a
//! file with a `[server]` table.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serve_support::{Gateway, STEP, TempDir, TestUpstream, bounded, get, policy, request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A policy that allows `origin` only.
fn allowing(origin: &str, upstream: &str, server: &str) -> String {
    format!(
        r#"[cors]
allow_origins = ["{origin}"]

[server]
listen = "127.0.0.1:0"
admin = "127.0.0.1:0"
upstream = "{upstream}"
{server}
"#
    )
}

async fn allowed_origin(gateway: &Gateway, origin: &str) -> bool {
    get(gateway.addr, "/echo", &[("origin", origin)])
        .await
        .header("access-control-allow-origin")
        == Some(origin)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_cors_working() {
    let gateway = Gateway::start(&["--listen", "127.0.0.1:0"]);
    // The curl commands printed at start point at the real address.
    let deadline = Instant::now() + STEP;
    while !gateway.stdout_text().contains("an actual request") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let stdout = gateway.stdout_text();
    assert!(
        stdout.contains(&format!(
            "curl -si -X OPTIONS http://{}/api/items",
            gateway.addr
        )),
        "{stdout}"
    );

    let preflight = request(
        gateway.addr,
        "OPTIONS",
        "/api/items",
        &[
            ("origin", "https://app.example.com"),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "content-type"),
        ],
    )
    .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    let rejected = request(
        gateway.addr,
        "OPTIONS",
        "/api/items",
        &[
            ("origin", "https://evil.example"),
            ("access-control-request-method", "PUT"),
        ],
    )
    .await;
    assert_eq!(rejected.status, 403);
    let actual = get(
        gateway.addr,
        "/api/items/1",
        &[("origin", "https://admin.example.com")],
    )
    .await;
    assert_eq!(actual.status, 200);
    assert_eq!(actual.json()["name"], "anchor");
    assert_eq!(
        actual.header("access-control-allow-origin"),
        Some("https://admin.example.com")
    );
    assert_eq!(
        actual.header("access-control-expose-headers"),
        Some("x-request-id")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_under_load_fails_no_request() {
    let upstream = TestUpstream::start().await;
    let dir = TempDir::new("reload-load");
    let url = upstream.url();
    let file = dir.write(
        "corsair.toml",
        &allowing("https://a.example", &url, "watch = false"),
    );
    let gateway = Gateway::with_config(&file);
    assert!(allowed_origin(&gateway, "https://a.example").await);

    let addr = gateway.addr;
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let load: Vec<_> = (0..4)
        .map(|_| {
            let stop = Arc::clone(&stop);
            let done = Arc::clone(&done);
            tokio::spawn(async move {
                let mut failures = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let response = get(addr, "/echo", &[("origin", "https://a.example")]).await;
                    if response.status != 200 {
                        failures.push(response.status);
                    }
                    done.fetch_add(1, Ordering::SeqCst);
                }
                failures
            })
        })
        .collect();

    // Ten reloads while the requests run, alternating two policies.
    for i in 0..10 {
        let origin = if i % 2 == 0 {
            "https://b.example"
        } else {
            "https://a.example"
        };
        dir.write("corsair.toml", &allowing(origin, &url, "watch = false"));
        gateway.signal("HUP");
        let expected = i + 1;
        let deadline = Instant::now() + STEP;
        while gateway.count_log("policy reloaded") < expected {
            assert!(Instant::now() < deadline, "{}", gateway.stderr_text());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::SeqCst);
    for task in load {
        let failures = bounded("load task", task).await.unwrap();
        assert!(failures.is_empty(), "failed requests: {failures:?}");
    }
    assert!(done.load(Ordering::SeqCst) >= 20, "too little load");
    // The last policy (ten reloads: b, a, ..., a) applies.
    assert!(allowed_origin(&gateway, "https://a.example").await);
    assert!(!allowed_origin(&gateway, "https://b.example").await);
    assert_eq!(
        gateway.metric("corsair_reloads_total{result=\"ok\"}").await,
        10.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_reload_changes_nothing() {
    let upstream = TestUpstream::start().await;
    let dir = TempDir::new("reload-invalid");
    let file = dir.write(
        "corsair.toml",
        &allowing("https://a.example", &upstream.url(), "watch = false"),
    );
    let gateway = Gateway::with_config(&file);
    dir.write(
        "corsair.toml",
        "[cors]\nallow_origins = [\"*\", \"https://x.example/\"]\nallow_credentials = true\n[server]\nlisten = 'nope'\n",
    );
    gateway.signal("HUP");
    gateway.wait_for_log(&["reload refused", "keeping the previous policy"]);
    // Every problem is logged, each with its code.
    for code in [
        "wildcard-origin-mixed",
        "wildcard-origin-with-credentials",
        "origin-with-path",
        "invalid-file",
    ] {
        gateway.wait_for_log(&[code]);
    }
    assert!(allowed_origin(&gateway, "https://a.example").await);
    assert_eq!(
        gateway
            .metric("corsair_reloads_total{result=\"error\"}")
            .await,
        1.0
    );
    // An unreadable file too.
    std::fs::remove_file(&file).unwrap();
    gateway.signal("HUP");
    gateway.wait_for_log(&["reload refused", "cannot read"]);
    assert!(allowed_origin(&gateway, "https://a.example").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_file_is_reloaded_without_a_signal() {
    let upstream = TestUpstream::start().await;
    let dir = TempDir::new("reload-watch");
    let url = upstream.url();
    let file = dir.write("corsair.toml", &allowing("https://a.example", &url, ""));
    let gateway = Gateway::with_config(&file);
    assert!(allowed_origin(&gateway, "https://a.example").await);
    dir.write(
        "corsair.toml",
        &allowing("https://b.example", &url, "max_connections = 7"),
    );
    let deadline = Instant::now() + STEP;
    while !allowed_origin(&gateway, "https://b.example").await {
        assert!(Instant::now() < deadline, "{}", gateway.stderr_text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!allowed_origin(&gateway, "https://a.example").await);
    // [server] changes are reported as needing a restart.
    gateway.wait_for_log(&["max_connections", "next start"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_in_flight_requests_and_refuses_new_ones() {
    let upstream = TestUpstream::start().await;
    let dir = TempDir::new("shutdown");
    let file = dir.write(
        "corsair.toml",
        &policy(&format!(
            "upstream = \"{}\"\nruntime = \"multi-thread\"",
            upstream.url()
        )),
    );
    let mut gateway = Gateway::with_config(&file);
    let addr = gateway.addr;

    let in_flight = tokio::spawn(async move {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(
                b"GET /slow?ms=2000 HTTP/1.1\r\nhost: x\r\norigin: https://app.example\r\n\r\n",
            )
            .await
            .unwrap();
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(STEP, stream.read_to_end(&mut answer)).await;
        answer
    });
    // Once the upstream has the request, stop the gateway.
    let deadline = Instant::now() + STEP;
    while upstream.hits() == 0 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    gateway.signal("TERM");
    gateway.wait_for_log(&["SIGTERM", "shutting down"]);

    // New connections are refused.
    let refused = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if tokio::net::TcpStream::connect(addr).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(refused.is_ok(), "still accepting connections");

    // The request in flight completes, whole, with its CORS headers; the keep-alive
    // connection is then closed.
    let answer = bounded("in-flight", in_flight).await.unwrap();
    let response = serve_support::parse_response(&answer);
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.body_text(), "slow done");
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    let status = gateway.wait_exit();
    assert!(status.success(), "{status:?}\n{}", gateway.stderr_text());
    gateway.wait_for_log(&["shut down cleanly"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_websocket_tunnels_at_once() {
    let upstream = TestUpstream::start().await;
    let dir = TempDir::new("shutdown-tunnel");
    let file = dir.write(
        "corsair.toml",
        &policy(&format!(
            "upstream = \"{}\"\nshutdown_timeout = 20\nidle_timeout = 60",
            upstream.url()
        )),
    );
    let mut gateway = Gateway::with_config(&file);
    let mut tunnel = tokio::net::TcpStream::connect(gateway.addr).await.unwrap();
    tunnel
        .write_all(
            b"GET /ws HTTP/1.1\r\nhost: x\r\norigin: https://app.example\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        )
        .await
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = bounded("101 head", tunnel.read(&mut byte)).await.unwrap();
        assert_eq!(n, 1, "closed early: {head:?}");
        head.push(byte[0]);
    }
    assert_eq!(serve_support::parse_response(&head).status, 101);
    tunnel.write_all(b"ping").await.unwrap();
    let mut echoed = [0u8; 4];
    bounded("echo", tunnel.read_exact(&mut echoed))
        .await
        .unwrap();
    // A tunnel has no request boundary to stop at: it is closed at once, and the
    // gateway exits cleanly without waiting for shutdown_timeout.
    let stopping = Instant::now();
    gateway.signal("TERM");
    let mut rest = Vec::new();
    let _ = bounded("tunnel close", tunnel.read_to_end(&mut rest)).await;
    let status = gateway.wait_exit();
    assert!(status.success(), "{status:?}\n{}", gateway.stderr_text());
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "{:?}",
        stopping.elapsed()
    );
    gateway.wait_for_log(&["shut down cleanly"]);
}

#[test]
fn an_invalid_file_stops_the_start_with_every_problem() {
    let dir = TempDir::new("bad-start");
    let file = dir.write(
        "corsair.toml",
        "[cors]\nallow_origins = ['https://a.example/']\n[server]\nlisen = '127.0.0.1:1'\nidle_timeout = 0\n",
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_corsair"))
        .args(["serve", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "is not a valid policy",
        "error[origin-with-path] cors.allow_origins[0]",
        "error[unknown-field] server.lisen",
        "did you mean `listen`?",
        "error[invalid-file] server.idle_timeout",
    ] {
        assert!(stderr.contains(expected), "no `{expected}` in\n{stderr}");
    }
}

#[test]
fn lint_checks_the_server_table() {
    let dir = TempDir::new("lint-server");
    let valid = dir.write(
        "valid.toml",
        &allowing(
            "https://a.example",
            "http://127.0.0.1:3000/api",
            "preserve_host = true\nmax_body_bytes = 1048576\nheader_timeout = 2.5",
        ),
    );
    let run = |path: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_corsair"))
            .arg("lint")
            .arg(path)
            .output()
            .unwrap()
    };
    let output = run(&valid);
    assert_eq!(output.status.code(), Some(0), "{output:?}");

    let invalid = dir.write(
        "invalid.toml",
        "[cors]\nallow_origins = ['https://a.example']\n[server]\nupstream = 'ftp://api.example'\nmax_header_bytes = 100\nworkers = 'two'\nadmn = '127.0.0.1:9090'\n[sever]\n",
    );
    let output = run(&invalid);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "error[unknown-field] sever: unknown field `sever`",
        "did you mean `server`?",
        "error[invalid-file] server.upstream",
        "must start with http:// or https://",
        "error[invalid-file] server.max_header_bytes",
        "error[invalid-file] server.workers: `workers` must be a whole number, not a string (\"two\")",
        "error[unknown-field] server.admn",
        "did you mean `admin`?",
        "5 errors, 0 warnings",
    ] {
        assert!(stdout.contains(expected), "no `{expected}` in\n{stdout}");
    }
}

#[test]
fn help_documents_every_server_key() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_corsair"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for key in [
        "listen",
        "upstream",
        "preserve_host",
        "forward_underscore_headers",
        "admin",
        "workers",
        "max_connections",
        "max_header_bytes",
        "max_headers",
        "max_body_bytes",
        "header_timeout",
        "idle_timeout",
        "connect_timeout",
        "upstream_timeout",
        "pool_idle_timeout",
        "pool_max_idle",
        "max_upstream_connections",
        "max_upstream_per_connection",
        "shutdown_timeout",
        "watch",
        "runtime",
    ] {
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(&format!("{key} "))),
            "`{key}` is not documented in\n{help}"
        );
    }
    assert!(help.contains("--log-format"));
    assert!(help.contains("default: 16384"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_rejection_reason() {
    let gateway = Gateway::start(&["--listen", "127.0.0.1:0", "--log-format", "json"]);
    let rejected = request(
        gateway.addr,
        "OPTIONS",
        "/api/items",
        &[
            ("origin", "https://evil.example"),
            ("access-control-request-method", "PUT"),
        ],
    )
    .await;
    assert_eq!(rejected.status, 403);
    gateway.wait_for_log(&["origin-not-allowed"]);
    let line = gateway
        .stderr
        .lock()
        .unwrap()
        .iter()
        .find(|l| l.contains("origin-not-allowed"))
        .cloned()
        .unwrap();
    let event: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["level"], "INFO");
    assert_eq!(event["fields"]["reason"], "origin-not-allowed");
    assert_eq!(event["fields"]["origin"], "https://evil.example");
    assert_eq!(event["fields"]["method"], "OPTIONS");
    assert_eq!(event["fields"]["path"], "/api/items");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origins_file_is_reloaded_when_it_changes_and_refused_whole_when_invalid() {
    let upstream = TestUpstream::start().await;
    let dir = TempDir::new("origins-file");
    dir.write(
        "origins.txt",
        "# tenants\nhttps://a.example\n\nhttps://*.tenants.example\n",
    );
    let file = dir.write(
        "corsair.toml",
        &format!(
            r#"[cors]
allow_origins_file = "origins.txt"

[server]
listen = "127.0.0.1:0"
admin = "127.0.0.1:0"
upstream = "{}"
"#,
            upstream.url()
        ),
    );
    let gateway = Gateway::with_config(&file);
    assert!(allowed_origin(&gateway, "https://a.example").await);
    assert!(allowed_origin(&gateway, "https://acme.tenants.example").await);
    assert!(!allowed_origin(&gateway, "https://b.example").await);

    // A new tenant: the file changes, the gateway reloads without a signal.
    dir.write("origins.txt", "https://a.example\nhttps://b.example\n");
    let deadline = Instant::now() + STEP;
    while !allowed_origin(&gateway, "https://b.example").await {
        assert!(Instant::now() < deadline, "{}", gateway.stderr_text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!allowed_origin(&gateway, "https://acme.tenants.example").await);

    // One bad line: the whole file is refused, with its line, and the list stays.
    dir.write(
        "origins.txt",
        "https://a.example\nhttps://b.example\nhttps://c.example/\n",
    );
    gateway.wait_for_log(&["reload refused", "keeping the previous policy"]);
    gateway.wait_for_log(&["origin-with-path", "origins.txt:3"]);
    assert!(allowed_origin(&gateway, "https://b.example").await);
    assert!(!allowed_origin(&gateway, "https://c.example").await);
}
