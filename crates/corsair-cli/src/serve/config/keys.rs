//! The `[server]` keys as they are documented: each with its default and meaning, in
//! the documented order (`corsair serve --help`, the README); the reader in `mod.rs`
//! knows them by this list.

/// Every `[server]` key with its default and meaning, as `corsair serve --help` and the
/// README document them. The order is the documented order.
pub(crate) const KEYS: &[(&str, &str, &str)] = &[
    (
        "listen",
        "\"127.0.0.1:8080\"",
        "address the gateway listens on (ip:port)",
    ),
    (
        "tls_cert",
        "none: plain HTTP",
        "PEM file of the certificate chain to serve HTTPS with (HTTP/1.1 and h2 by ALPN); with tls_key; reloaded with the policy (SIGHUP, file change); a relative path is read from the policy file's directory",
    ),
    (
        "tls_key",
        "none",
        "PEM file of the private key of tls_cert (PKCS#8, PKCS#1 or SEC1)",
    ),
    (
        "upstream",
        "none: the built-in demo API",
        "the API to forward to: http://host:port[/prefix], or https:// (the server's certificate verified against the Mozilla roots and upstream_ca, SNI sent)",
    ),
    (
        "upstream_ca",
        "none: the Mozilla roots only",
        "PEM file of CA certificates also trusted for an https upstream (a private CA); a relative path is read from the policy file's directory",
    ),
    (
        "preserve_host",
        "false",
        "true: send the client's Host upstream; false: the upstream's host:port",
    ),
    (
        "forward_underscore_headers",
        "false",
        "true: forward request headers with `_` in their name; false: drop them (as nginx does: X_Forwarded_For could pass for X-Forwarded-For upstream)",
    ),
    (
        "admin",
        "none: no admin listener",
        "address of the admin listener: /healthz and /metrics (Prometheus)",
    ),
    ("workers", "0: one per core", "threads serving connections"),
    (
        "runtime",
        "\"per-core\"",
        "\"per-core\": one single-thread runtime per worker, each connection kept by one (as nginx's worker processes); \"multi-thread\": one tokio runtime, work-stealing",
    ),
    (
        "max_connections",
        "1024",
        "client connections served at once; further ones wait in the listen backlog",
    ),
    (
        "max_header_bytes",
        "16384",
        "largest request head (request line and headers), at least 8192; larger: 431",
    ),
    ("max_headers", "100", "most request headers; more: 431"),
    (
        "max_body_bytes",
        "none: unlimited",
        "largest request body; larger: 413 (checked on Content-Length and while streaming)",
    ),
    (
        "header_timeout",
        "10",
        "seconds to receive a request head, and to keep an idle HTTP/1.1 connection; then 408 or close",
    ),
    (
        "idle_timeout",
        "60",
        "seconds without a byte either way (and no request waiting for the upstream) before a connection is closed, a WebSocket tunnel included; an HTTP/2 connection also without an open stream, PINGs or not",
    ),
    (
        "connect_timeout",
        "5",
        "seconds to connect to the upstream; then 504",
    ),
    (
        "upstream_timeout",
        "30",
        "seconds to wait for the upstream's response head, from the end of the request body; then 504",
    ),
    (
        "pool_idle_timeout",
        "90",
        "seconds an idle pooled upstream connection is kept",
    ),
    (
        "pool_max_idle",
        "256",
        "idle pooled upstream connections kept at most; also the most dedicated ones (one per keep-alive client connection)",
    ),
    (
        "max_upstream_connections",
        "1024",
        "upstream connections open at once, pooled and dedicated; further requests wait for one (within upstream_timeout)",
    ),
    (
        "max_upstream_per_connection",
        "32",
        "upstream exchanges one client connection (HTTP/2: its streams) runs at once; further streams wait (within upstream_timeout)",
    ),
    (
        "shutdown_timeout",
        "30",
        "seconds in-flight requests get to finish after SIGTERM or SIGINT",
    ),
    (
        "watch",
        "true",
        "reload the policy (and the TLS certificate) when its files change (checked every second); SIGHUP always reloads",
    ),
];
