//! What both examples do before serving: logging, the policy file, the address.

use std::io::IsTerminal;
use std::net::SocketAddr;

use corsair::{Config, Policy};

/// The sample policy, read unless `CORSAIR_CONFIG` names another file.
const DEFAULT_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corsair.toml");

/// Logs to standard error (standard output is for the address and the curl commands),
/// with colours only on a terminal, filtered by `RUST_LOG` (default: every corsair
/// decision, at debug, with its reason).
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "corsair=debug,info".into()),
        )
        .init();
}

/// The policy of `CORSAIR_CONFIG` (default `examples/corsair.toml`), and the file's path.
/// Every mistake in the file is reported at once, with its code and a fix.
pub fn load_policy() -> Result<(String, Policy), String> {
    let path = std::env::var("CORSAIR_CONFIG").unwrap_or_else(|_| DEFAULT_CONFIG.to_owned());
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let policy = Config::from_toml_str(&text)
        .and_then(Config::build)
        .map_err(|e| format!("{path}: {e}"))?;
    for warning in policy.warnings() {
        eprintln!("{path}: {warning}");
    }
    Ok((path, policy))
}

/// The address of `CORSAIR_LISTEN`, or `default`.
pub fn listen_addr(default: &str) -> Result<SocketAddr, String> {
    let addr = std::env::var("CORSAIR_LISTEN").unwrap_or_else(|_| default.to_owned());
    addr.parse()
        .map_err(|e| format!("CORSAIR_LISTEN={addr:?} is not an address like 127.0.0.1:8081: {e}"))
}
