//! `corsair serve`: a CORS gateway in front of any HTTP API.
//!
//! A reverse proxy on hyper: the policy decides every request first (preflights are
//! answered here), then requests are forwarded to the upstream (through a pooled client,
//! or a keep-alive client connection's own upstream connection), bodies streaming both
//! ways, and the CORS headers are applied to the answers.
//!
//! | file | what |
//! |---|---|
//! | `config/` | the `[server]` table: its keys documented (`keys.rs`), read and checked |
//! | `runtime.rs` | threads: one multi-thread runtime, or one runtime per core |
//! | `conn.rs` | one client connection: HTTP/1.1, HTTP/2, upgrades, timeouts, draining |
//! | `proxy/` | the policy, forwarding (step by step in `send.rs`), the exchange's clock, the gateway's own 502/504 |
//! | `forward.rs` | hop-by-hop headers, `X-Forwarded-*`, `Host` |
//! | `path.rs` | dot segments resolved; paths that climb above the root refused |
//! | `refuse.rs` | request heads RFC 9112 calls invalid (`Host`, `Transfer-Encoding`): 400 or 501 |
//! | `upstream.rs` | upstream connections: pooled (with TLS for an https upstream), and dedicated per client connection (plain HTTP) |
//! | `h1/` | corsair's own HTTP/1.1 client, on dedicated connections, for requests without a body |
//! | `tls.rs` | TLS termination: the handshake's certificate, reloaded with the policy; the client stream, TCP or TLS |
//! | `limits/` | which limit does what; the connection's clock (head, upstream and idle timeouts), the client's stream and its 408, the body limit |
//! | `reload.rs` | SIGHUP and file changes |
//! | `shutdown.rs` | SIGTERM and SIGINT, draining |
//! | `admin.rs`, `metrics.rs` | `/healthz`, `/metrics` |
//! | `demo.rs` | the built-in demo API and sample policy |

pub(crate) mod config;

#[cfg(unix)]
mod admin;
#[cfg(unix)]
mod conn;
#[cfg(unix)]
mod counted;
#[cfg(unix)]
mod demo;
#[cfg(unix)]
mod forward;
#[cfg(unix)]
mod gate;
#[cfg(unix)]
mod h1;
#[cfg(unix)]
mod limits;
#[cfg(unix)]
mod metrics;
#[cfg(unix)]
mod path;
#[cfg(unix)]
mod proxy;
#[cfg(unix)]
mod refuse;
#[cfg(unix)]
mod reload;
#[cfg(unix)]
mod runtime;
#[cfg(unix)]
mod shutdown;
#[cfg(unix)]
mod tls;
#[cfg(unix)]
mod upstream;

use std::net::SocketAddr;
use std::path::PathBuf;

/// The format of the log lines on standard error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// One human-readable line per event.
    Human,
    /// One JSON object per line.
    Json,
}

/// The command line of `corsair serve`; each flag overrides the file.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    /// `--config`.
    pub(crate) config: Option<PathBuf>,
    /// `--listen`.
    pub(crate) listen: Option<SocketAddr>,
    /// `--upstream`.
    pub(crate) upstream: Option<String>,
    /// `--admin`.
    pub(crate) admin: Option<SocketAddr>,
    /// `--log-format`.
    pub(crate) log_format: LogFormat,
}

/// The `[server]` keys, for `--help`.
pub(crate) fn keys_help() -> String {
    let mut out = String::from("[server] keys (in the policy file; the flags override them):\n");
    let width = config::KEYS
        .iter()
        .map(|(key, _, _)| key.len())
        .max()
        .unwrap_or(0);
    for (key, default, meaning) in config::KEYS {
        out.push_str(&format!(
            "  {key:<width$} {meaning}\n  {:<width$} default: {default}\n",
            ""
        ));
    }
    out
}

/// Runs `serve` until SIGTERM or SIGINT. `Ok(true)`: a clean shutdown.
#[cfg(unix)]
pub(crate) fn run(options: &Options) -> Result<bool, String> {
    run::run(options)
}

/// `serve` needs Unix signals.
#[cfg(not(unix))]
pub(crate) fn run(_options: &Options) -> Result<bool, String> {
    Err("corsair: `serve` is only available on Unix\n".to_owned())
}

#[cfg(unix)]
mod run {
    use std::io::Write as _;
    use std::sync::Arc;
    use std::time::Duration;

    use corsair::{Config, Policy, PolicyHandle};
    use tokio::net::TcpListener;
    use tokio::sync::{Semaphore, watch};

    use super::config::{Runtime, ServerConfig, Upstream};
    use super::conn::{self, Server};
    use super::proxy::Gateway;
    use super::reload::{self, Reloader};
    use super::runtime::Cores;
    use super::shutdown::{self, Signals};
    use super::tls::Certs;
    use super::{LogFormat, Options, admin, demo};
    use crate::output::{self, Finding, Loaded};

    /// What the start needs, read from the file (or the demo) and the flags.
    struct Start {
        policy: Policy,
        warnings: Vec<Finding>,
        /// `[server]` as in the file, before the flags.
        file_server: ServerConfig,
        /// `[server]` with the flags applied.
        server: ServerConfig,
    }

    pub(super) fn run(options: &Options) -> Result<bool, String> {
        init_logging(options.log_format);
        let start = load(options)?;
        // per-core: the connections get threads of their own; this runtime only
        // accepts, reloads, answers the admin endpoints and handles the signals.
        let runtime = match start.server.runtime {
            Runtime::MultiThread => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers(&start.server))
                .enable_all()
                .build(),
            Runtime::PerCore => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build(),
        }
        .map_err(|e| format!("corsair: cannot start the runtime: {e}\n"))?;
        runtime.block_on(serve(options, start))
    }

    /// The number of worker threads: `workers`, or one per core.
    fn workers(settings: &ServerConfig) -> usize {
        match settings.workers {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        }
    }

    fn init_logging(format: LogFormat) {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(output::Style::stderr().is_colour())
            .with_writer(std::io::stderr);
        let _ = match format {
            LogFormat::Human => builder.try_init(),
            LogFormat::Json => builder.json().try_init(),
        };
    }

    fn load(options: &Options) -> Result<Start, String> {
        let (policy, warnings, file_server) = match &options.config {
            Some(path) => match output::load(path) {
                Loaded::Unreadable(finding) => {
                    return Err(format!("corsair: {}\n", finding.message));
                }
                Loaded::Invalid(findings) => {
                    return Err(format!(
                        "corsair: {} is not a valid policy\n{}",
                        path.display(),
                        crate::lint::human(path, &findings)
                    ));
                }
                Loaded::Valid {
                    policy,
                    warnings,
                    server,
                    ..
                } => (*policy, warnings, server.relative_to(path)),
            },
            None => {
                let policy = Config::from_toml_str(demo::POLICY)
                    .and_then(Config::build)
                    .map_err(|e| format!("corsair: the sample policy is invalid: {e}\n"))?;
                (policy, Vec::new(), ServerConfig::default())
            }
        };
        let mut server = file_server.clone();
        if let Some(listen) = options.listen {
            server.listen = listen;
        }
        if let Some(upstream) = &options.upstream {
            server.upstream =
                Some(Upstream::parse(upstream).map_err(|e| format!("corsair: --upstream {e}\n"))?);
        }
        if let Some(admin) = options.admin {
            server.admin = Some(admin);
        }
        Ok(Start {
            policy,
            warnings,
            file_server,
            server,
        })
    }

    fn say(line: &str) {
        output::print_stdout(line);
        let _ = std::io::stdout().flush();
    }

    async fn serve(options: &Options, start: Start) -> Result<bool, String> {
        let Start {
            policy,
            warnings,
            file_server,
            server: settings,
        } = start;
        let mut signals = Signals::install()?;
        if let Some(path) = &options.config {
            reload::log_findings(&path.display().to_string(), &warnings);
        }
        let (upstream, demo_mode) = match settings.upstream.clone() {
            Some(upstream) => (upstream, false),
            None => {
                let addr = demo::spawn().await?;
                let upstream = Upstream::parse(&format!("http://{addr}"))
                    .map_err(|e| format!("corsair: {e}\n"))?;
                (upstream, true)
            }
        };
        let certs = match (&settings.tls_cert, &settings.tls_key) {
            (Some(cert), Some(key)) => {
                Some(Certs::load(cert, key).map_err(|e| format!("corsair: {e}\n"))?)
            }
            _ => None,
        };
        let acceptor = match &certs {
            Some(certs) => Some(certs.acceptor().map_err(|e| format!("corsair: {e}\n"))?),
            None => None,
        };
        let scheme = if certs.is_some() { "https" } else { "http" };
        let listener = TcpListener::bind(settings.listen)
            .await
            .map_err(|e| format!("corsair: cannot listen on {}: {e}\n", settings.listen))?;
        let local = listener
            .local_addr()
            .map_err(|e| format!("corsair: cannot listen on {}: {e}\n", settings.listen))?;
        let admin_listener = match settings.admin {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|e| format!("corsair: cannot listen on {addr} (admin): {e}\n"))?,
            ),
            None => None,
        };

        let handle = PolicyHandle::new(policy);
        let gateway = Arc::new(Gateway::new(handle.clone(), upstream.clone(), &settings)?);
        let server = Arc::new(Server::new(&settings, acceptor));
        let (stop, stopped) = watch::channel(false);

        // The `listening on` line comes after the admin line: once it is printed,
        // everything listens.
        let mut banner = String::new();
        if let Some(admin) = &admin_listener {
            if let Ok(addr) = admin.local_addr() {
                banner.push_str(&format!("admin on http://{addr} (/healthz, /metrics)\n"));
            }
        }
        banner.push_str(&format!("listening on {scheme}://{local}\n"));
        if demo_mode {
            banner.push_str(&demo::try_these(local));
        }
        say(&banner);
        tracing::info!(
            listen = %local,
            upstream = %upstream,
            demo = demo_mode,
            "corsair serve: forwarding to {upstream}"
        );

        if let Some(admin) = admin_listener {
            tokio::spawn(admin::serve(admin, stopped.clone()));
        }
        let hangup = signals.hangup.take();
        match &options.config {
            Some(path) => {
                let reloader = Reloader {
                    path: path.clone(),
                    handle,
                    server: file_server,
                    watch: settings.watch,
                    certs,
                };
                tokio::spawn(reloader.run(hangup, stopped.clone()));
            }
            None => {
                let mut stopped = stopped.clone();
                tokio::spawn(async move {
                    let Some(mut hangup) = hangup else { return };
                    loop {
                        tokio::select! {
                            // Without a policy file there is no [server] table, so no
                            // certificate either.
                            _ = hangup.recv() => tracing::warn!("SIGHUP: no policy file to reload (the sample policy is built in)"),
                            _ = stopped.changed() => return,
                        }
                    }
                });
            }
        }

        let permits = Arc::new(Semaphore::new(settings.max_connections));
        let mut cores = match settings.runtime {
            Runtime::MultiThread => None,
            Runtime::PerCore => Some(Cores::start(
                workers(&settings),
                &server,
                &gateway,
                &stopped,
            )?),
        };
        let signal = tokio::select! {
            signal = signals.stop_requested() => signal,
            () = accept_loop(&listener, &permits, &server, &gateway, &stopped, cores.as_mut()) => "the listener failed",
        };
        drop(listener);
        tracing::info!(
            "{signal}: shutting down; no new connections, {} s for in-flight requests",
            settings.shutdown_timeout.as_secs_f64()
        );
        let _ = stop.send(true);
        let drained = tokio::select! {
            drained = shutdown::drain(permits, settings.max_connections, settings.shutdown_timeout) => drained,
            again = signals.stop_requested() => {
                tracing::warn!("{again} again: exiting without waiting");
                false
            }
        };
        if drained {
            tracing::info!("shut down cleanly");
        } else {
            tracing::warn!("shutdown deadline reached: closing the remaining connections");
        }
        Ok(drained)
    }

    /// Accepts connections, at most `max_connections` at once: beyond it, new
    /// connections wait in the listen backlog until one closes.
    async fn accept_loop(
        listener: &TcpListener,
        permits: &Arc<Semaphore>,
        server: &Arc<Server>,
        gateway: &Arc<Gateway>,
        stopped: &watch::Receiver<bool>,
        mut cores: Option<&mut Cores>,
    ) {
        loop {
            let Ok(permit) = Arc::clone(permits).acquire_owned().await else {
                return;
            };
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before accept:
                    // wait a little and go on.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            if let Some(cores) = cores.as_deref_mut() {
                cores.dispatch(stream, peer, permit);
                continue;
            }
            let server = Arc::clone(server);
            let gateway = Arc::clone(gateway);
            let stopped = stopped.clone();
            tokio::spawn(async move {
                conn::serve(server, gateway, stream, peer, stopped).await;
                drop(permit);
            });
        }
    }
}
