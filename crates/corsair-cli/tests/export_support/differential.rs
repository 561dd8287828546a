//! The differential run shared by the edge tests: for each generated policy, export it
//! for the edge, start the edge and `corsair serve` in front of the same upstream, send
//! every generated request to both, and compare what a browser reads of the answers.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::generate::{self, Rng, Shapes};
use super::{Client, in_ci, start_upstream, wait_listening};
use crate::common::{TempDir, arg, corsair};
use crate::serve_support::Gateway;

/// How many policies (more with `CORSAIR_EXPORT_POLICIES=N`, for a longer search),
/// and requests for each.
pub const POLICIES: usize = 24;
/// See [`POLICIES`].
pub const REQUESTS: usize = 600;

/// An edge proxy started by a test: its process (stopped on drop) and its address.
pub struct EdgeProcess {
    /// The process (nginx's master, HAProxy).
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl EdgeProcess {
    /// Starts `command` in the foreground (its standard error to `dir/NAME.stderr`) and
    /// waits until it listens on `127.0.0.1:port`; fails with what it wrote there and
    /// in `log` (a log file of its own, relative to `dir`) when it does not.
    pub fn spawn(name: &str, mut command: Command, dir: &Path, port: u16, log: &str) -> Self {
        let stderr_path = dir.join(format!("{name}.stderr"));
        let stderr = std::fs::File::create(&stderr_path).unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let edge = EdgeProcess { child, addr };
        if !wait_listening(addr) {
            let read = |path: PathBuf| std::fs::read_to_string(path).unwrap_or_default();
            panic!(
                "{name} did not start: {}{}",
                read(stderr_path),
                read(dir.join(log))
            );
        }
        edge
    }
}

impl Drop for EdgeProcess {
    /// SIGTERM, so that nginx's master stops its workers too (SIGKILL would leave them
    /// running, orphaned); SIGKILL only if it has not exited within 10 s.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Debian's binary (`/usr/sbin/NAME`), or the one on PATH; `None` when missing, after
/// printing the skip line (a failure under CI).
pub fn binary(name: &str, test: &str) -> Option<PathBuf> {
    let debian = PathBuf::from(format!("/usr/sbin/{name}"));
    let found = if debian.exists() {
        Some(debian)
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|path| path.exists())
        })
    };
    if found.is_none() {
        assert!(
            !in_ci(),
            "{name} is missing, and CI must run this test: apt-get install {name}"
        );
        let _ = writeln!(
            std::io::stderr(),
            "corsair-test-skipped: {test}: {name} is missing; to run this test: apt-get install {name}"
        );
    }
    found
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
    /// The edge's own 502, for an upstream that dropped the connection.
    bad_gateway: usize,
    /// Cross-origin writes refused (a 403 the upstream never sends).
    refused_writes: usize,
    /// Preflights answered with `Access-Control-Allow-Private-Network`.
    private_network: usize,
    /// Requests with an empty value or a repeated line of `Origin`,
    /// `Access-Control-Request-Method` or `Sec-Fetch-Site`.
    unusual_shapes: usize,
    /// `corsair audit` runs against each edge.
    audits: usize,
    /// The findings of those audits against `corsair serve`.
    audit_findings: usize,
}

impl Coverage {
    fn count(&mut self, request: &super::Request, answer: &super::Answer) {
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
        if answer
            .cors
            .contains_key("access-control-allow-private-network")
        {
            self.private_network += 1;
        }
        if answer.status == 502 {
            self.bad_gateway += 1;
        }
        if !preflight && answer.status == 403 {
            self.refused_writes += 1;
        }
        // The headers of `Shapes` (an empty Access-Control-Request-Headers means no
        // name, to nginx and corsair alike).
        let cors_header = |n: &str| {
            matches!(
                n,
                "origin" | "access-control-request-method" | "sec-fetch-site"
            )
        };
        let lines = request.headers.iter().filter(|(n, _)| cors_header(n));
        let names: Vec<&String> = lines.clone().map(|(n, _)| n).collect();
        let repeated = names
            .iter()
            .enumerate()
            .any(|(i, n)| names[..i].contains(n));
        if repeated || lines.clone().any(|(_, v)| v.is_empty()) {
            self.unusual_shapes += 1;
        }
    }
}

/// How a test starts its edge: in the directory of the export, in front of the upstream.
pub type StartEdge<'a> = &'a dyn Fn(&Path, SocketAddr) -> EdgeProcess;

/// What stays the same for every policy of a run.
#[derive(Clone, Copy)]
struct Setup<'a> {
    /// The `--target` of the export.
    target: &'a str,
    /// Starts the edge.
    start: StartEdge<'a>,
    /// The requests no browser sends that the edge is tested with.
    shapes: Shapes,
    /// The test upstream.
    upstream: SocketAddr,
}

impl Coverage {
    /// Fails unless every kind of answer was exercised (and the shapes no browser
    /// sends, when the edge is tested with them).
    fn assert_complete(&self, shapes: Shapes) {
        let unusual = shapes.empty_values || shapes.repeated_lines;
        assert_eq!(
            self.unusual_shapes > 0,
            unusual,
            "{} requests with empty or repeated CORS headers",
            self.unusual_shapes
        );
        for (what, n) in [
            ("allowed preflights", self.allowed_preflights),
            ("refused preflights", self.refused_preflights),
            ("allowed actual requests", self.allowed_actual),
            ("refused actual requests", self.refused_actual),
            ("upstream errors", self.upstream_errors),
            ("refused writes", self.refused_writes),
            ("bad gateways", self.bad_gateway),
        ] {
            assert!(n >= 100, "only {n} {what}: the generator misses a case");
        }
        assert!(
            self.private_network >= 10,
            "only {} private-network answers",
            self.private_network
        );
        // The audits found something to compare.
        assert!(
            self.audit_findings >= 20,
            "only {} findings in {} audits of corsair serve",
            self.audit_findings,
            self.audits
        );
    }
}

/// One policy: export, start both edges, send every request to both, and return the
/// differences found (each with the request and both answers).
fn run_policy(
    edge: &Setup<'_>,
    dir: &Path,
    policy: &generate::Policy,
    rng: &mut Rng,
    coverage: &mut Coverage,
) -> (usize, Vec<String>) {
    let Setup {
        target,
        start,
        shapes,
        upstream,
    } = *edge;
    let file = dir.join("corsair.toml");
    std::fs::write(&file, &policy.toml).unwrap();
    let export = corsair([
        "export",
        "--config",
        &arg(&file),
        "--target",
        target,
        "--out",
        &arg(&dir.join("corsair.conf")),
    ]);
    assert_eq!(
        export.code, 0,
        "export failed for:\n{}\n{}{}",
        policy.toml, export.stdout, export.stderr
    );
    let edge = start(dir, upstream);
    let gateway = Gateway::start(&[
        "--config",
        &arg(&file),
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        &format!("http://{upstream}"),
    ]);
    let mut at_edge = Client::new(edge.addr);
    let mut at_corsair = Client::new(gateway.addr);
    let requests = generate::requests(rng, policy, REQUESTS, shapes);
    let mut differences = Vec::new();
    for request in &requests {
        let edge = at_edge.send(request);
        let reference = at_corsair.send(request);
        coverage.count(request, &reference);
        if edge != reference {
            differences.push(format!(
                "request:\n{request}{target}:\n{edge}corsair serve:\n{reference}"
            ));
        }
    }
    differences.extend(audit_differences(
        target,
        policy,
        edge.addr,
        gateway.addr,
        coverage,
    ));
    drop(edge);
    (requests.len(), differences)
}

/// `corsair audit` against the edge finds nothing that it does not find against
/// `corsair serve`, on the root and under each route, trusting an origin the policy
/// allows.
fn audit_differences(
    target: &str,
    policy: &generate::Policy,
    edge: SocketAddr,
    reference: SocketAddr,
    coverage: &mut Coverage,
) -> Vec<String> {
    let origin = policy
        .allowed
        .iter()
        .map(|o| String::from_utf8_lossy(o).into_owned())
        .find(|o| o.starts_with("http"))
        .unwrap_or_else(|| "https://app.example".to_owned());
    let mut out = Vec::new();
    let paths = std::iter::once("/".to_owned()).chain(policy.prefixes.iter().cloned());
    for path in paths {
        let found = audit_findings(edge, &path, &origin);
        let expected = audit_findings(reference, &path, &origin);
        coverage.audits += 1;
        coverage.audit_findings += expected.len();
        let extra: Vec<&String> = found.iter().filter(|f| !expected.contains(f)).collect();
        if !extra.is_empty() {
            out.push(format!(
                "corsair audit --origin {origin} finds {extra:?} at {path} against {target}, not against corsair serve (which finds {expected:?})"
            ));
        }
    }
    out
}

/// The ids of the findings of `corsair audit` at `path` on `addr`.
fn audit_findings(addr: SocketAddr, path: &str, origin: &str) -> Vec<String> {
    let url = format!("http://{addr}{path}");
    let audit = corsair(["audit", "--json", "--origin", origin, &url]);
    let report: serde_json::Value = serde_json::from_str(audit.stdout.trim())
        .unwrap_or_else(|e| panic!("audit of {url}: {e}: {}{}", audit.stdout, audit.stderr));
    assert!(
        report["error"].is_null(),
        "the audit of {url} did not finish: {}",
        report["error"]
    );
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["id"].as_str().map(str::to_owned))
        .collect()
}

/// How many policies this run tests: [`POLICIES`], or more when asked.
fn policy_count() -> usize {
    std::env::var("CORSAIR_EXPORT_POLICIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .map_or(POLICIES, |n: usize| n.max(POLICIES))
}

/// A valid policy for each seed tried, until `count` of them.
/// Only the policies that `target` expresses whole (`corsair lint --target` reports
/// nothing lossy) are kept: the others differ where the export says they do.
fn policies(count: usize, target: &str) -> Vec<generate::Policy> {
    let dir = TempDir::new(&format!("export-differential-lint-{target}"));
    let mut out = Vec::new();
    let mut seed = 1;
    let mut lossy_features = Vec::new();
    while out.len() < count {
        let policy = generate::policy(&mut Rng::new(seed));
        seed += 1;
        let file = dir.write("corsair.toml", &policy.toml);
        let lint = corsair(["lint", "--target", target, &arg(&file)]);
        if lint.code == 0 && !lint.stdout.contains("export-lossy-") {
            out.push(policy);
        } else if lint.code == 0 {
            lossy_features.push(lint.stdout);
        }
        assert!(
            seed < 100 * count as u64,
            "the generator makes too few valid policies"
        );
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
        "path = \"/\"",
        "allow_private_network = true",
        "debug = true",
        "allow_origin_regexes",
    ] {
        // A feature the target reports lossy is left out with the policies that have it.
        let lossy = match feature {
            "debug = true" => "export-lossy-debug",
            "allow_origin_regexes" => "export-lossy-origin-regex",
            _ => "",
        };
        assert!(
            out.iter().any(|p| p.toml.contains(feature))
                || (!lossy.is_empty() && lossy_features.iter().any(|l| l.contains(lossy))),
            "no generated policy has {feature}"
        );
    }
    out
}

/// The differential test of `target`: [`POLICIES`] generated policies, [`REQUESTS`]
/// requests each, every answer of the edge compared with `corsair serve`'s; `shapes`:
/// which requests that no browser sends the edge is tested with.
pub fn run(target: &str, start: StartEdge<'_>, shapes: Shapes) {
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
    let count = policy_count();
    for (i, policy) in policies(count, target).iter().enumerate() {
        let dir = TempDir::new(&format!("export-{target}-{i}"));
        let mut rng = Rng::new(1000 + i as u64);
        let setup = Setup {
            target,
            start,
            shapes,
            upstream,
        };
        let (sent, differences) =
            run_policy(&setup, &dir.path(""), policy, &mut rng, &mut coverage);
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
        "export {target}: {count} policies, {total} requests to each edge, {:.1} s; {coverage:?}",
        started.elapsed().as_secs_f64()
    );
    coverage.assert_complete(shapes);
    assert!(
        failures.is_empty(),
        "{} of {count} policies differ:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
