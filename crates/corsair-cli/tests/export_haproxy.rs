//! `corsair export --target haproxy`, differentially: for generated policies, real
//! HAProxy runs the exported rules in a frontend in front of a test upstream, `corsair
//! serve` runs the same policy in front of the same upstream, and generated requests go
//! to both. What a browser reads of each answer must be the same (see
//! `export_support::differential`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod export_support;
mod serve_support;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use export_support::differential::{self, EdgeProcess};
use export_support::free_port;
use export_support::generate::Shapes;

/// Starts HAProxy in the foreground with the exported rules (`dir/corsair.conf`) in its
/// frontend, in front of `upstream`.
fn start_haproxy(binary: &Path, dir: &Path, upstream: SocketAddr) -> EdgeProcess {
    let port = free_port();
    let rules = std::fs::read_to_string(dir.join("corsair.conf")).unwrap();
    let indented: Vec<String> = rules.lines().map(|l| format!("    {l}")).collect();
    let conf = format!(
        "global
    maxconn 256
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend api
    bind 127.0.0.1:{port}
{}
    default_backend app
backend app
    server app {upstream}
",
        indented.join("\n")
    );
    let file = dir.join("haproxy.cfg");
    std::fs::write(&file, conf).unwrap();
    let mut command = Command::new(binary);
    command.arg("-db").arg("-f").arg(&file);
    EdgeProcess::spawn("haproxy", command, dir, port, "haproxy.stderr")
}

#[test]
fn haproxy_answers_what_corsair_serve_answers() {
    let Some(binary) =
        differential::binary("haproxy", "haproxy_answers_what_corsair_serve_answers")
    else {
        return;
    };
    // HAProxy sees empty and repeated header lines: every shape is sent.
    let shapes = Shapes {
        empty_values: true,
        repeated_lines: true,
    };
    differential::run(
        "haproxy",
        &|dir, upstream| start_haproxy(&binary, dir, upstream),
        shapes,
    );
}
