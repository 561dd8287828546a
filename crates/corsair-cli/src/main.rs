//! `corsair`: lint CORS policy files, explain what a policy does with a request, and
//! check or audit a live server as a browser and as an attacker would; serve a policy
//! as a CORS gateway in front of any HTTP API.
//!
//! ```text
//! corsair lint corsair.toml
//! corsair explain --config corsair.toml -X OPTIONS \
//!     -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PUT' /api/users
//! corsair check https://api.example.com/users --origin https://app.example.com -X PUT
//! corsair audit https://api.example.com/users --origin https://app.example.com
//! corsair serve --config corsair.toml --upstream http://127.0.0.1:3000
//! ```
//!
//! Exit codes: 0 valid / allowed / no high finding / clean shutdown, 1 invalid / rejected
//! or disabled / blocked / a high finding / shutdown deadline reached, 2 usage or
//! configuration error, a server that could not be tested, or an address that cannot be
//! bound.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod args;
mod audit;
mod check;
mod explain;
mod export;
mod lint;
mod net;
mod origins_file;
mod output;
mod policy_file;
mod presets;
mod serve;

const ABOUT: &str = "Lint CORS policy files, explain what a policy does with a request, \
check and audit live servers, serve a policy as a gateway";

const LONG_ABOUT: &str = "\
Lint CORS policy files, explain what a policy does with a request, check and audit live \
servers, serve a policy as a gateway.

corsair checks CORS policies written for the corsair library (a TOML file with a [cors] \
table and optional [[routes]]) and shows, request by request, what the policy answers \
and why, exactly as the library decides it in production. Against a live server, `check` \
does what a browser does with one script's request, and `audit` probes for the \
misconfigurations attackers look for. `corsair serve` puts a policy in front of any HTTP API as \
a reverse proxy.";

const AFTER_HELP: &str = "\
Examples:
  corsair lint corsair.toml
  corsair explain --config corsair.toml -H 'Origin: https://app.example.com' /api/users
  corsair check https://api.example.com/users --origin https://app.example.com -X PUT
  corsair audit https://api.example.com/users --origin https://app.example.com
  corsair serve --config corsair.toml --upstream http://127.0.0.1:3000
  corsair export --config corsair.toml --target nginx --out /etc/nginx/corsair.conf

Exit codes:
  0  lint: valid (warnings allowed); explain: allowed; check: allowed; audit: no high finding;
     serve: clean shutdown; export: written
  1  lint: invalid or unreadable; explain: rejected or a disabled path; check: blocked;
     audit: a high finding; serve: the shutdown deadline was reached with requests in flight;
     export: invalid or unreadable, or lossy without --allow-lossy
  2  usage error; explain and serve: the policy file is unreadable or invalid; export: a
     file cannot be written;
     check and audit: the server could not be tested (unreachable, timeout, TLS);
     serve: the address cannot be bound";

const CHECK_LONG_ABOUT: &str = "\
Do what a browser does when a script on ORIGIN fetches URL, against the live server: send \
the preflight when the browser would (exactly as it would), judge the answer, send the \
actual request, judge it, follow redirects (with a fresh preflight at the new URL), and \
say whether the script may read the response. Every step is corsair's browser model \
(the corsair-browser crate), which follows the Fetch Standard.

Each step is printed with the request line and the headers sent, the status and the CORS \
headers received (Access-Control-*, Vary, Location). A blocked request gets the browser's \
own console message and what to change on the server.

Forbidden request headers (Cookie, Origin, Host, Sec-*, ...) given with -H are dropped, as \
a browser drops them from a script's request. --credentials sets the credentials mode \
`include` (fetch(url, {credentials: 'include'})); it changes what the browser requires of \
the answers but sends no cookie by itself: --cookie gives the cookies the browser's cookie \
jar would attach to the actual request (never to a preflight).

JSON output (--json), one line, stable:
  {\"url\": \"...\", \"origin\": \"...\", \"method\": \"PUT\", \"credentials\": \"include\",
   \"allowed\": false,
   \"blocked\": {\"code\": \"header-not-allowed\", \"message\": \"...\", \"console\": \"...\",
               \"fix\": \"...\"} or null,
   \"error\": null or \"why the server could not be tested\",
   \"steps\": [{\"kind\": \"preflight\" | \"actual\" | \"redirect\",
              \"request\": {\"method\": \"OPTIONS\", \"url\": \"...\", \"headers\": [[\"name\", \"value\"], ...]},
              \"response\": {\"status\": 204, \"headers\": [[\"name\", \"value\"], ...]} or null}],
   \"readable_headers\": [[\"name\", \"value\"], ...]}
A `redirect` step is an actual request answered with a redirect that the browser follows. \
Header names are lowercase; the JSON lists every response header received.";

const CHECK_AFTER_HELP: &str = "\
Examples:
  corsair check https://api.example.com/items --origin https://app.example.com
  corsair check https://api.example.com/items/7 --origin https://app.example.com \\
      -X PUT -H 'Content-Type: application/json' --credentials --cookie 'session=abc'
  corsair check https://localhost:8443/ --origin https://app.example.com --cacert dev-ca.pem

Exit codes:
  0  the script may read the response
  1  the browser blocks it
  2  usage error, or the server could not be tested (unreachable, timeout, TLS failure)";

const AUDIT_LONG_ABOUT: &str = "\
Probe a live server with the origins and request shapes attackers try, and report each \
CORS misconfiguration with a severity (high, medium, low, info), the evidence (request and \
response lines) and the fix.

The probes: every origin CORScanner and Corsy try (reflection of any origin, `null`, \
prefix, suffix and substring matches, unescaped dots, special characters after the \
trusted host, the plain-http twin, any subdomain, third-party hosts where anyone can \
publish scripts), then what they do not check: Vary: Origin, credentials or preflight \
success for rejected origins, echoed request headers and methods, `*` and Authorization, \
CORS headers on error responses, several Access-Control-Allow-Origin values. 40 to 44 \
requests, one at a time, depending on the trusted origin (43 for \
https://app.example.com). Simple probes carry a dummy cookie (corsair-audit=1), as a \
credentialed browser request would; -H adds headers to every probe but the preflights.

The trusted origin (the origin of the site's own pages) is --origin; without it, the \
URL's own origin, or else `scheme://registrable-domain` if the server allows that one.

JSON output (--json), one line, stable:
  {\"url\": \"...\", \"origin\": \"https://app.example.com\",
   \"findings\": [{\"id\": \"origin-reflection\", \"severity\": \"high\", \"title\": \"...\",
                 \"detail\": \"...\",
                 \"evidence\": {\"request\": [\"GET https://...\", \"origin: https://evil.com\", ...],
                              \"response\": [\"200 OK\", \"access-control-allow-origin: https://evil.com\", ...]},
                 \"fix\": \"...\"}],
   \"probes\": 43, \"error\": null or \"why the audit could not finish\"}
Findings are sorted by severity; ids are stable (see the README for the list).";

const AUDIT_AFTER_HELP: &str = "\
Examples:
  corsair audit https://api.example.com/items --origin https://app.example.com
  corsair audit https://api.example.com/items --json | jq -r '.findings[].id'

Exit codes:
  0  no high-severity finding
  1  at least one high-severity finding
  2  usage error, or the server could not be audited (unreachable, timeout, TLS failure)";

const LINT_LONG_ABOUT: &str = "\
Check a TOML policy file and report every error and warning at once, each with its \
stable code, the field it concerns and, when there is one, how to fix it.

Human output: one `severity[code] field: message` line per problem (then `  help: ...`), \
and a summary line (`corsair.toml: 2 errors, 1 warning` or `corsair.toml: valid`).

JSON output (--json), one line, stable:
  {\"file\": \"corsair.toml\", \"valid\": false, \"errors\": 1, \"warnings\": 0,
   \"diagnostics\": [{\"severity\": \"error\", \"code\": \"null-origin\",
                     \"field\": \"cors.allow_origins[2]\", \"message\": \"...\",
                     \"help\": \"...\" or null}]}
A file that cannot be read is reported on standard error, and in JSON as one error \
with code `unreadable-file` and an empty field.";

const LINT_AFTER_HELP: &str = "\
Example:
  corsair lint corsair.toml
  corsair lint --json corsair.toml | jq '.diagnostics[].code'
  corsair lint --target nginx corsair.toml   # also what `corsair export` cannot express

Exit codes:
  0  the policy is valid (warnings allowed)
  1  the policy is invalid, or the file cannot be read
  2  usage error";

const EXPLAIN_LONG_ABOUT: &str = "\
Show what the policy does with one request, like curl but without sending it: the kind of \
request (non-cors, preflight or actual), whether it is allowed and why (a stable reason \
code), whether corsair answers it itself or forwards it to the application, and every \
header corsair adds or sets. A rejected request gets a hint on what to change.

A preflight is OPTIONS with Origin and Access-Control-Request-Method; any other request \
with Origin is an actual request. Repeat -H to send a header several times.

JSON output (--json), one line, stable:
  {\"kind\": \"preflight\", \"allowed\": true, \"reason\": \"allowed\", \"status\": 204,
   \"headers\": [[\"access-control-allow-origin\", \"https://app.example.com\"], ...]}
`status` is null unless corsair answers the request itself; header names are lowercase, \
in the order corsair sends them. When the policy file is unreadable or invalid, the JSON \
is instead the document `corsair lint --json` prints (file, valid, errors, warnings, \
diagnostics), and the exit code is 2.";

const EXPLAIN_AFTER_HELP: &str = "\
Examples:
  corsair explain --config corsair.toml -H 'Origin: https://app.example.com' /api/users
  corsair explain --config corsair.toml -X OPTIONS \\
      -H 'Origin: https://app.example.com' \\
      -H 'Access-Control-Request-Method: PUT' \\
      -H 'Access-Control-Request-Headers: content-type' \\
      https://api.example.com/api/users

Exit codes:
  0  the request is allowed (non-CORS requests included)
  1  the request is rejected, or its path is disabled (enabled = false: corsair adds no
     CORS header, and the browser blocks the response unless the application sends them)
  2  usage error (bad -X, -H or PATH), or the policy file is unreadable or invalid";

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "corsair",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP
)]
struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Check a policy file and report every error and warning
    #[command(long_about = LINT_LONG_ABOUT, after_help = LINT_AFTER_HELP)]
    Lint(LintArgs),
    /// Show what a policy does with one request, and why
    #[command(long_about = EXPLAIN_LONG_ABOUT, after_help = EXPLAIN_AFTER_HELP)]
    Explain(ExplainArgs),
    /// Do what a browser does with one script's request against a live server
    #[command(long_about = CHECK_LONG_ABOUT, after_help = CHECK_AFTER_HELP)]
    Check(check::CheckArgs),
    /// Probe a live server for CORS misconfigurations
    #[command(long_about = AUDIT_LONG_ABOUT, after_help = AUDIT_AFTER_HELP)]
    Audit(audit::AuditArgs),
    /// Run a CORS gateway (reverse proxy) in front of an HTTP API
    #[command(long_about = SERVE_LONG_ABOUT, after_help = serve_after_help())]
    Serve(ServeArgs),
    /// Write the policy as an edge proxy's configuration (nginx, HAProxy, Caddy, Envoy, Gateway API)
    #[command(long_about = EXPORT_LONG_ABOUT)]
    Export(export::ExportArgs),
}

const EXPORT_LONG_ABOUT: &str = "\
Write the policy as the configuration of an edge proxy, so that the edge answers every \
request as `corsair serve` would: allowed and refused origins (exact, `*.` subdomains, \
`:*` ports, regexes), credentials, the methods and request headers of preflights, \
exposed headers, max-age, cross-origin write protection, private network access, debug \
mode; preflights answered at the edge and never forwarded, refused ones with 403 and no \
CORS header; CORS headers on every status; the upstream's own CORS headers replaced; Vary \
merged. nginx and HAProxy express all of it; Caddy all but debug mode; Envoy and the \
Gateway API less (see the README's \"At the edge\"). The files start with a comment \
naming the corsair version, the policy file and where to include them.

What the edge cannot express (an origins file, which corsair serve would reload; debug \
mode in Caddy; ...) is reported as warnings with stable codes (export-lossy-...); then \
nothing is written and the exit code is 1, unless --allow-lossy is given (the \
differences are then listed in the files' comments).

Exit codes:
  0  the configuration was written
  1  the policy is invalid or unreadable, or lossy without --allow-lossy
  2  usage error, or a file cannot be written";

const SERVE_LONG_ABOUT: &str = "\
Run a CORS gateway: a reverse proxy that applies the policy before forwarding. Preflights \
are answered by the gateway and never reach the upstream; other requests are forwarded \
(bodies streamed both ways, HTTP/1.1 and HTTP/2 prior knowledge from clients, WebSocket \
upgrades passed through) and the CORS headers are applied to the upstream's answers, \
and to the gateway's own 502 (upstream unreachable) and 504 (upstream too slow). An \
https:// upstream is verified (the Mozilla roots and upstream_ca) and kept alive.

With no --config and no --upstream, it serves a built-in demo API behind a sample policy \
and prints curl commands to try. With a policy file but no upstream, the policy is put in \
front of the demo API.

TLS: with tls_cert and tls_key (PEM files) it serves HTTPS, HTTP/1.1 and h2 by ALPN; the \
handshake must finish within header_timeout.

The policy file is the one `corsair lint` reads ([cors], [[routes]]) plus a [server] \
table; `corsair lint` checks all three. It prints `listening on http://ADDR` on standard \
output (https:// with TLS) once it accepts connections; logs go to standard error (RUST_LOG filters them, \
default `info`; a rejected CORS request is logged at info with its reason).

Reload: SIGHUP, or a change of the file (checked every second unless watch = false), \
reloads the policy: a valid one is swapped in atomically; an invalid one is refused, \
every problem logged, and the old policy stays. The TLS certificate is read again too \
(SIGHUP, or a change of its files); one that does not load is refused, logged, and the old \
one stays. Other [server] settings take effect at the next start only.

Shutdown: SIGTERM or SIGINT stops accepting, lets in-flight requests finish for up to \
shutdown_timeout seconds, then exits (status 0 when everything finished, 1 otherwise).

Limits: beyond max_connections, new connections wait in the listen backlog (they are not \
accepted, and not refused, until a connection closes). An oversized request head gets \
431, a malformed request 400, a request head slower than header_timeout 408 (or a plain \
close if nothing arrived), a body over max_body_bytes 413. Upstream connections are \
bounded in total (max_upstream_connections) and per client connection \
(max_upstream_per_connection); beyond, requests wait for one within upstream_timeout.";

fn serve_after_help() -> String {
    format!(
        "{}
Examples:
  corsair serve
  corsair serve --config corsair.toml --upstream http://127.0.0.1:3000 --listen 0.0.0.0:8080
  kill -HUP $(pidof corsair)     # reload the policy

Exit codes:
  0  clean shutdown
  1  the shutdown deadline was reached with requests still in flight
  2  usage error, invalid policy file, or the address cannot be bound",
        serve::keys_help()
    )
}

/// `corsair serve`.
#[derive(Debug, Args)]
struct ServeArgs {
    /// The TOML policy file ([cors], [[routes]], [server])
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The address to listen on, ip:port or host:port (a host name is resolved and its
    /// first address used; overrides [server] listen; default 127.0.0.1:8080)
    #[arg(long, value_name = "ADDR", value_parser = net::parse_listen)]
    listen: Option<SocketAddr>,
    /// The API to forward to, http://host:port[/prefix] or https://... (overrides [server] upstream)
    #[arg(long, value_name = "URL")]
    upstream: Option<String>,
    /// The admin listener's address, for /healthz and /metrics, ip:port or host:port
    /// (overrides [server] admin)
    #[arg(long, value_name = "ADDR", value_parser = net::parse_listen)]
    admin: Option<SocketAddr>,
    /// The log format on standard error
    #[arg(long, value_name = "FORMAT", value_enum, default_value = "human")]
    log_format: serve::LogFormat,
}

/// `corsair lint`.
#[derive(Debug, Args)]
struct LintArgs {
    /// The TOML policy file
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print one JSON object instead of text
    #[arg(long)]
    json: bool,
    /// Also show what the presets add to allow_methods, allow_headers and
    /// expose_headers, for [cors] and each route
    #[arg(long)]
    expand: bool,
    /// Also report, as warnings (export-lossy-...), what `corsair export --target EDGE`
    /// cannot express; writes nothing
    #[arg(long, value_name = "EDGE", value_enum)]
    target: Option<export::Target>,
}

/// `corsair explain`.
#[derive(Debug, Args)]
struct ExplainArgs {
    /// The TOML policy file
    #[arg(short, long, value_name = "FILE")]
    config: PathBuf,
    // -X and -H.
    #[command(flatten)]
    request: args::RequestArgs,
    /// Print one JSON object instead of text
    #[arg(long)]
    json: bool,
    /// The request path, starting with `/` (`/api/users`), or URL
    /// (`https://api.example.com/api/users?x=1`); the query is ignored for routing
    #[arg(value_name = "PATH", value_parser = explain::parse_target)]
    target: explain::Target,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `Some(true)`: 0; `Some(false)`: 1; `None`: 2 (the report is already printed).
    let result = match cli.command {
        Command::Lint(args) => lint::run(&args.file, args.json, args.expand, args.target).map(Some),
        Command::Explain(args) => explain::run(
            &args.config,
            &args.request.method,
            &args.request.headers,
            &args.target,
            args.json,
        )
        .map(Some),
        Command::Check(args) => check::run(&args),
        Command::Audit(args) => audit::run(&args),
        Command::Serve(args) => serve::run(&serve::Options {
            config: args.config.clone(),
            listen: args.listen,
            upstream: args.upstream.clone(),
            admin: args.admin,
            log_format: args.log_format,
        })
        .map(Some),
        Command::Export(args) => export::run(&args),
    };
    match result {
        Ok(Some(true)) => ExitCode::SUCCESS,
        Ok(Some(false)) => ExitCode::from(1),
        Ok(None) => ExitCode::from(2),
        Err(message) => {
            output::print_stderr(&message);
            ExitCode::from(2)
        }
    }
}
