//! `corsair`: lint CORS policy files, explain what a policy does with a request, and
//! serve a policy as a CORS gateway in front of any HTTP API.
//!
//! ```text
//! corsair lint corsair.toml
//! corsair explain --config corsair.toml -X OPTIONS \
//!     -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PUT' /api/users
//! corsair serve --config corsair.toml --upstream http://127.0.0.1:3000
//! ```
//!
//! Exit codes: 0 valid / allowed / clean shutdown, 1 invalid / rejected / shutdown
//! deadline reached, 2 usage or configuration error.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use http::{HeaderName, HeaderValue, Method};

mod explain;
mod lint;
mod output;
mod serve;

const ABOUT: &str =
    "Lint CORS policy files, explain what a policy does with a request, serve it as a gateway";

const LONG_ABOUT: &str = "\
Lint CORS policy files and explain what a policy does with a request.

corsair checks CORS policies written for the corsair library (a TOML file with a [cors] \
table and optional [[routes]]) and shows, request by request, what the policy answers \
and why, exactly as the library decides it in production. `corsair serve` puts a policy \
in front of any HTTP API as a reverse proxy.";

const AFTER_HELP: &str = "\
Examples:
  corsair lint corsair.toml
  corsair explain --config corsair.toml -H 'Origin: https://app.example.com' /api/users
  corsair serve --config corsair.toml --upstream http://127.0.0.1:3000

Exit codes:
  0  lint: the policy is valid (warnings allowed); explain: the request is allowed
  1  lint: the policy is invalid or unreadable;    explain: the request is rejected
  2  usage error, or (explain) the policy file is unreadable or invalid";

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
in the order corsair sends them.";

const EXPLAIN_AFTER_HELP: &str = "\
Examples:
  corsair explain --config corsair.toml -H 'Origin: https://app.example.com' /api/users
  corsair explain --config corsair.toml -X OPTIONS \\
      -H 'Origin: https://app.example.com' \\
      -H 'Access-Control-Request-Method: PUT' \\
      -H 'Access-Control-Request-Headers: content-type' \\
      https://api.example.com/api/users

Exit codes:
  0  the request is allowed (non-CORS requests and disabled paths included)
  1  the request is rejected
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
    /// Run a CORS gateway (reverse proxy) in front of an HTTP API
    #[command(long_about = SERVE_LONG_ABOUT, after_help = serve_after_help())]
    Serve(ServeArgs),
}

const SERVE_LONG_ABOUT: &str = "\
Run a CORS gateway: a reverse proxy that applies the policy before forwarding. Preflights \
are answered by the gateway and never reach the upstream; other requests are forwarded \
(bodies streamed both ways, HTTP/1.1 and HTTP/2 prior knowledge from clients, WebSocket \
upgrades passed through) and the CORS headers are applied to the upstream's answers, \
and to the gateway's own 502 (upstream unreachable) and 504 (upstream too slow).

With no --config and no --upstream, it serves a built-in demo API behind a sample policy \
and prints curl commands to try. With a policy file but no upstream, the policy is put in \
front of the demo API.

The policy file is the one `corsair lint` reads ([cors], [[routes]]) plus a [server] \
table; `corsair lint` checks all three. It prints `listening on http://ADDR` on standard \
output once it accepts connections; logs go to standard error (RUST_LOG filters them, \
default `info`; a rejected CORS request is logged at info with its reason).

Reload: SIGHUP, or a change of the file (checked every second unless watch = false), \
reloads the policy: a valid one is swapped in atomically; an invalid one is refused, \
every problem logged, and the old policy stays. [server] settings take effect at the next \
start only.

Shutdown: SIGTERM or SIGINT stops accepting, lets in-flight requests finish for up to \
shutdown_timeout seconds, then exits (status 0 when everything finished, 1 otherwise).

Limits: beyond max_connections, new connections wait in the listen backlog (they are not \
accepted, and not refused, until a connection closes). An oversized request head gets \
431, a malformed request 400, a request head slower than header_timeout 408 (or a plain \
close if nothing arrived), a body over max_body_bytes 413.";

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
    /// The address to listen on (overrides [server] listen; default 127.0.0.1:8080)
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// The API to forward to, http://host:port[/prefix] (overrides [server] upstream)
    #[arg(long, value_name = "URL")]
    upstream: Option<String>,
    /// The admin listener's address, for /healthz and /metrics (overrides [server] admin)
    #[arg(long, value_name = "ADDR")]
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
}

/// `corsair explain`.
#[derive(Debug, Args)]
struct ExplainArgs {
    /// The TOML policy file
    #[arg(short, long, value_name = "FILE")]
    config: PathBuf,
    /// The request method (case-sensitive, as browsers compare it)
    #[arg(
        short = 'X',
        long = "request",
        value_name = "METHOD",
        default_value = "GET",
        value_parser = explain::parse_method
    )]
    method: Method,
    /// A request header, `Name: value`; repeat for several
    #[arg(
        short = 'H',
        long = "header",
        value_name = "NAME: VALUE",
        value_parser = explain::parse_header
    )]
    headers: Vec<(HeaderName, HeaderValue)>,
    /// Print one JSON object instead of text
    #[arg(long)]
    json: bool,
    /// The request path (`/api/users`) or URL (`https://api.example.com/api/users?x=1`);
    /// the query is ignored for routing
    #[arg(value_name = "PATH", value_parser = explain::parse_target)]
    target: explain::Target,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Lint(args) => lint::run(&args.file, args.json),
        Command::Explain(args) => explain::run(
            &args.config,
            &args.method,
            &args.headers,
            &args.target,
            args.json,
        ),
        Command::Serve(args) => serve::run(&serve::Options {
            config: args.config.clone(),
            listen: args.listen,
            upstream: args.upstream.clone(),
            admin: args.admin,
            log_format: args.log_format,
        }),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            output::print_stderr(&message);
            ExitCode::from(2)
        }
    }
}
