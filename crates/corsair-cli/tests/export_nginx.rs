//! `corsair export --target nginx`, differentially: for generated policies, real nginx
//! runs the exported configuration in front of a test upstream, `corsair serve` runs
//! the same policy in front of the same upstream, and generated requests go to both.
//! What a browser reads of each answer (status class, every `Access-Control-*` value,
//! the `Vary` tokens) must be the same.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod export_support;
mod serve_support;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use common::{TempDir, arg, corsair};
use export_support::generate::{self, Rng};
use export_support::{Client, free_port, in_ci, start_upstream, wait_listening};
use serve_support::Gateway;

/// How many policies, and requests for each.
const POLICIES: usize = 24;
const REQUESTS: usize = 600;

/// Debian's nginx, or the one on PATH.
fn nginx() -> Option<PathBuf> {
    let debian = PathBuf::from("/usr/sbin/nginx");
    if debian.exists() {
        return Some(debian);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("nginx"))
            .find(|path| path.exists())
    })
}

/// nginx, running in the foreground with its own prefix directory; stopped on drop.
struct Nginx {
    child: Child,
    addr: SocketAddr,
}

impl Nginx {
    /// Starts nginx with the exported fragments in front of `upstream`.
    fn start(binary: &Path, dir: &Path, upstream: SocketAddr) -> Nginx {
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
        let child = Command::new(binary)
            .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")])
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut nginx = Nginx { child, addr };
        if !wait_listening(addr) {
            let _ = nginx.child.kill();
            let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
            panic!("nginx did not start: {log}");
        }
        nginx
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the reference answers were, so that the test shows it covered every case.
#[derive(Debug, Default)]
struct Coverage {
    /// Preflights allowed (2xx with Access-Control-Allow-Origin).
    allowed_preflights: usize,
    /// Preflights refused (403).
    refused_preflights: usize,
    /// Other requests with Access-Control-Allow-Origin.
    allowed_actual: usize,
    /// Other requests with an Origin but no Access-Control-Allow-Origin.
    refused_actual: usize,
    /// Upstream errors (4xx and 5xx forwarded).
    upstream_errors: usize,
    /// Cross-origin writes refused (a 403 the upstream never sends).
    refused_writes: usize,
}

impl Coverage {
    fn count(&mut self, request: &export_support::Request, answer: &export_support::Answer) {
        let preflight = request.method == "OPTIONS"
            && request
                .headers
                .iter()
                .any(|(n, _)| n == "access-control-request-method");
        let has_origin = request.headers.iter().any(|(n, _)| n == "origin");
        let allowed = answer.cors.contains_key("access-control-allow-origin");
        match (preflight, answer.class) {
            (true, 2) if allowed => self.allowed_preflights += 1,
            (true, 4) => self.refused_preflights += 1,
            (false, _) if has_origin && allowed => self.allowed_actual += 1,
            (false, _) if has_origin => self.refused_actual += 1,
            _ => {}
        }
        if !preflight && answer.class >= 4 {
            self.upstream_errors += 1;
        }
        if !preflight && answer.status == 403 {
            self.refused_writes += 1;
        }
    }
}

/// One policy: export, start both edges, send every request to both, and return the
/// differences found (each with the request and both answers).
fn run_policy(
    nginx_binary: &Path,
    dir: &Path,
    policy: &generate::Policy,
    upstream: SocketAddr,
    rng: &mut Rng,
    coverage: &mut Coverage,
) -> (usize, Vec<String>) {
    let file = dir.join("corsair.toml");
    std::fs::write(&file, &policy.toml).unwrap();
    let export = corsair([
        "export",
        "--config",
        &arg(&file),
        "--target",
        "nginx",
        "--out",
        &arg(&dir.join("corsair.conf")),
    ]);
    assert_eq!(
        export.code, 0,
        "export failed for:\n{}\n{}{}",
        policy.toml, export.stdout, export.stderr
    );
    let nginx = Nginx::start(nginx_binary, dir, upstream);
    let gateway = Gateway::start(&[
        "--config",
        &arg(&file),
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        &format!("http://{upstream}"),
    ]);
    let mut at_edge = Client::new(nginx.addr);
    let mut at_corsair = Client::new(gateway.addr);
    let requests = generate::requests(rng, policy, REQUESTS);
    let mut differences = Vec::new();
    for request in &requests {
        let edge = at_edge.send(request);
        let reference = at_corsair.send(request);
        coverage.count(request, &reference);
        if edge != reference {
            differences.push(format!(
                "request:\n{request}nginx:\n{edge}corsair serve:\n{reference}"
            ));
        }
    }
    drop(nginx);
    (requests.len(), differences)
}

/// A valid policy for each seed tried, until `POLICIES` of them.
fn policies() -> Vec<generate::Policy> {
    let dir = TempDir::new("export-nginx-lint");
    let mut out = Vec::new();
    let mut seed = 1;
    while out.len() < POLICIES {
        let policy = generate::policy(&mut Rng::new(seed));
        seed += 1;
        let file = dir.write("corsair.toml", &policy.toml);
        if corsair(["lint", &arg(&file)]).code == 0 {
            out.push(policy);
        }
        assert!(seed < 1000, "the generator makes too few valid policies");
    }
    // Every feature is in some policy.
    for feature in [
        "allow_origins = [\"*\"]",
        "https://*.",
        ":*",
        "allow_credentials = true",
        "allow_methods = [\"*\"]",
        "allow_headers = [\"*\"",
        "expose_headers = [\"*\"]",
        "max_age = 600",
        "preflight_status = 200",
        "presets",
        "cross_origin_protection_exempt_paths",
        "enabled = false",
        "path = \"/api/v2/\"",
    ] {
        assert!(
            out.iter().any(|p| p.toml.contains(feature)),
            "no generated policy has {feature}"
        );
    }
    out
}

#[test]
fn nginx_answers_what_corsair_serve_answers() {
    let Some(nginx_binary) = nginx() else {
        assert!(
            !in_ci(),
            "nginx is missing, and CI must run this test: apt-get install nginx"
        );
        let _ = writeln!(
            std::io::stderr(),
            "corsair-test-skipped: nginx_answers_what_corsair_serve_answers: nginx is missing; to run this test: apt-get install nginx"
        );
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let upstream = start_upstream(&runtime);
    let started = Instant::now();
    let mut total = 0;
    let mut failures = Vec::new();
    let mut coverage = Coverage::default();
    for (i, policy) in policies().iter().enumerate() {
        let dir = TempDir::new(&format!("export-nginx-{i}"));
        let mut rng = Rng::new(1000 + i as u64);
        let (sent, differences) = run_policy(
            &nginx_binary,
            &dir.path(""),
            policy,
            upstream,
            &mut rng,
            &mut coverage,
        );
        assert!(sent >= 500, "only {sent} requests for a policy");
        total += sent;
        if !differences.is_empty() {
            failures.push(format!(
                "policy {i} ({} of {sent} requests differ):\n{}\nfirst differences:\n{}",
                differences.len(),
                policy.toml,
                differences
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "export_nginx: {POLICIES} policies, {total} requests to each edge, {:.1} s; {coverage:?}",
        started.elapsed().as_secs_f64()
    );
    // Every kind of answer was exercised.
    for (what, n) in [
        ("allowed preflights", coverage.allowed_preflights),
        ("refused preflights", coverage.refused_preflights),
        ("allowed actual requests", coverage.allowed_actual),
        ("refused actual requests", coverage.refused_actual),
        ("upstream errors", coverage.upstream_errors),
        ("refused writes", coverage.refused_writes),
    ] {
        assert!(n >= 100, "only {n} {what}: the generator misses a case");
    }
    assert!(
        failures.is_empty(),
        "{} of {POLICIES} policies differ:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
