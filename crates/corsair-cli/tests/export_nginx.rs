//! `corsair export --target nginx`, differentially: for generated policies, real nginx
//! runs the exported configuration in front of a test upstream, `corsair serve` runs
//! the same policy in front of the same upstream, and generated requests go to both.
//! What a browser reads of each answer (status class, every `Access-Control-*` value,
//! the `Vary` tokens) must be the same (see `export_support::differential`).

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

/// Starts nginx in the foreground, with its own prefix directory (`dir`, where the
/// export wrote `corsair.conf` and `corsair-http.conf`), in front of `upstream`.
fn start_nginx(binary: &Path, dir: &Path, upstream: SocketAddr) -> EdgeProcess {
    let port = free_port();
    let d = dir.display();
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    let conf = format!(
        "worker_processes 1;
error_log {d}/error.log;
pid {d}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp;
    proxy_temp_path {d}/tmp;
    fastcgi_temp_path {d}/tmp;
    uwsgi_temp_path {d}/tmp;
    scgi_temp_path {d}/tmp;
    include {d}/corsair-http.conf;
    server {{
        listen 127.0.0.1:{port};
        include {d}/corsair.conf;
        location / {{
            proxy_pass http://{upstream};
        }}
    }}
}}
"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let mut command = Command::new(binary);
    command
        .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")])
        .args(["-g", "daemon off;"]);
    EdgeProcess::spawn("nginx", command, dir, port, "error.log")
}

#[test]
fn nginx_answers_what_corsair_serve_answers() {
    let Some(binary) = differential::binary("nginx", "nginx_answers_what_corsair_serve_answers")
    else {
        return;
    };
    // nginx cannot tell an empty header from a missing one, and 1.22 reads the first of
    // repeated lines: such requests (no browser sends them) are left out, and the
    // exported configuration says so in its header comment.
    let shapes = Shapes {
        empty_values: false,
        repeated_lines: false,
    };
    differential::run(
        "nginx",
        &|dir, upstream| start_nginx(&binary, dir, upstream),
        shapes,
    );
}
