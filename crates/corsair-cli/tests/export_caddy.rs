//! `corsair export --target caddy`, differentially: for generated policies, real Caddy
//! runs the exported Caddyfile fragment in front of a test upstream, `corsair serve`
//! runs the same policy in front of the same upstream, and generated requests go to
//! both. What a browser reads of each answer must be the same (see
//! `export_support::differential`). And the errors Caddy makes itself carry the same
//! CORS headers as `corsair serve`'s own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod export_support;
mod serve_support;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use common::{TempDir, arg, corsair};
use export_support::differential::{self, EdgeProcess};
use export_support::generate::Shapes;
use export_support::{Client, Request, free_port};
use serve_support::Gateway;

/// Starts Caddy in the foreground with the exported fragment (`dir/corsair.conf`)
/// imported into a site in front of `upstream`.
fn start_caddy(binary: &Path, dir: &Path, upstream: SocketAddr) -> EdgeProcess {
    let port = free_port();
    let d = dir.display();
    // A site address without a host: any Host (the requests name several).
    let conf = format!(
        "{{
    admin off
    auto_https off
    storage file_system {d}/storage
}}
http://:{port} {{
    bind 127.0.0.1
    import {d}/corsair.conf
    reverse_proxy {upstream}
}}
"
    );
    std::fs::write(dir.join("Caddyfile"), conf).unwrap();
    let mut command = Command::new(binary);
    command
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(dir.join("Caddyfile"))
        // Caddy writes its autosaved configuration under HOME and the XDG directories.
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"));
    EdgeProcess::spawn("caddy", command, dir, port, "caddy.stderr")
}

#[test]
fn caddy_answers_what_corsair_serve_answers() {
    let Some(binary) = differential::binary("caddy", "caddy_answers_what_corsair_serve_answers")
    else {
        return;
    };
    // Caddy sees empty values (the header matcher tells them from absent ones) and
    // joins repeated lines, which no value of corsair's lists holds.
    let shapes = Shapes {
        empty_values: true,
        repeated_lines: true,
    };
    differential::run(
        "caddy",
        &|dir, upstream| start_caddy(&binary, dir, upstream),
        shapes,
    );
}

/// The errors Caddy makes itself (here a 502: no upstream listens) carry the CORS
/// headers `corsair serve` gives its own 502.
#[test]
fn caddy_errors_carry_the_cors_headers() {
    let Some(binary) = differential::binary("caddy", "caddy_errors_carry_the_cors_headers") else {
        return;
    };
    let dir = TempDir::new("export-caddy-errors");
    let file = dir.write(
        "corsair.toml",
        "[cors]\nallow_origins = [\"https://app.example\"]\nallow_methods = [\"PUT\"]\nallow_credentials = true\nexpose_headers = [\"x-request-id\"]\n",
    );
    let export = corsair([
        "export",
        "--config",
        &arg(&file),
        "--target",
        "caddy",
        "--out",
        &arg(&dir.path("corsair.conf")),
    ]);
    assert_eq!(export.code, 0, "{}{}", export.stdout, export.stderr);
    // Nothing listens there.
    let upstream = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let edge = start_caddy(&binary, &dir.path(""), upstream);
    let gateway = Gateway::start(&[
        "--config",
        &arg(&file),
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        &format!("http://{upstream}"),
    ]);
    let get = |origin: Option<&str>| Request {
        method: "GET".to_owned(),
        path: "/items".to_owned(),
        headers: origin
            .map(|o| vec![("origin".to_owned(), o.as_bytes().to_vec())])
            .unwrap_or_default(),
        host: None,
    };
    let mut at_edge = Client::new(edge.addr);
    let mut at_corsair = Client::new(gateway.addr);
    for request in [
        get(Some("https://app.example")),
        get(Some("https://evil.example")),
        get(None),
    ] {
        let answer = at_edge.send(&request);
        let reference = at_corsair.send(&request);
        assert_eq!(answer.class, 5, "{request}{answer}");
        assert_eq!(
            answer, reference,
            "{request}caddy:\n{answer}corsair serve:\n{reference}"
        );
    }
}
