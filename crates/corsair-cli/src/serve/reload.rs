//! Hot reload: on SIGHUP, and when the policy file or an origins file it names
//! (`allow_origins_file`) changes (its modification time and size, checked every
//! second), the files are read and validated again; a valid policy is
//! swapped in atomically ([`PolicyHandle`]), an invalid one is refused whole with every
//! problem logged, and the old policy stays. Requests in flight keep the policy they
//! started with.
//!
//! The TLS certificate (`tls_cert`, `tls_key`) is read again too, on SIGHUP and when
//! either of its files changes; one that does not load is refused (logged) and the old
//! one stays (see `tls.rs`).
//!
//! Otherwise only the policy (`[cors]`, `[[routes]]`) is reloaded: a changed `[server]`
//! setting (the certificate's paths included) is logged and takes effect at the next
//! start.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use corsair::PolicyHandle;
use tokio::signal::unix::Signal;
use tokio::sync::watch;

use super::config::ServerConfig;
use super::metrics::METRICS;
use super::tls::Certs;
use crate::output::{self, Finding, Loaded};

/// What the reloader watches.
pub(crate) struct Reloader {
    /// The policy file.
    pub(crate) path: PathBuf,
    /// Where the policy goes.
    pub(crate) handle: PolicyHandle,
    /// The `[server]` table as it was read at start, to tell which settings changed.
    pub(crate) server: ServerConfig,
    /// Whether to poll the files for changes.
    pub(crate) watch: bool,
    /// The TLS certificate, when the gateway serves HTTPS.
    pub(crate) certs: Option<Arc<Certs>>,
}

/// The file's modification time and size.
fn stamp(path: &std::path::Path) -> Option<(SystemTime, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}

impl Reloader {
    /// Runs until shutdown.
    pub(crate) async fn run(self, mut hangup: Option<Signal>, mut shutdown: watch::Receiver<bool>) {
        let mut last = self.stamps();
        let mut last_certs = self.certs.as_ref().map(|c| c.loaded_stamp());
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                Some(()) = async {
                    match hangup.as_mut() {
                        Some(h) => h.recv().await,
                        None => std::future::pending().await,
                    }
                } => {
                    last = self.stamps();
                    last_certs = self.certs.as_ref().map(|c| c.stamp());
                    self.reload("SIGHUP");
                    if let Some(certs) = &self.certs {
                        certs.reload("SIGHUP");
                    }
                }
                _ = tick.tick(), if self.watch => {
                    let now = self.stamps();
                    if now != last {
                        last = now;
                        self.reload("the file changed");
                    }
                    if let Some(certs) = &self.certs {
                        let now = Some(certs.stamp());
                        if now != last_certs {
                            last_certs = now;
                            certs.reload("the file changed");
                        }
                    }
                }
                _ = shutdown.changed() => return,
            }
        }
    }

    /// The stamps of the policy file and of the origins files it names
    /// (`allow_origins_file`): a change to any of them reloads the policy.
    fn stamps(&self) -> Vec<Option<(SystemTime, u64)>> {
        let origins = crate::policy_file::origins_files(&self.path);
        std::iter::once(stamp(&self.path))
            .chain(origins.iter().map(|path| stamp(path)))
            .collect()
    }

    /// Reads, validates and swaps; logs the outcome.
    pub(crate) fn reload(&self, why: &str) {
        let file = self.path.display().to_string();
        match output::load(&self.path) {
            Loaded::Valid {
                policy,
                warnings,
                server,
                ..
            } => {
                self.handle.store(*policy);
                METRICS.reload(true);
                tracing::info!(file, "policy reloaded ({why})");
                log_findings(&file, &warnings);
                let changed = self.server.changed_keys(&server.relative_to(&self.path));
                if !changed.is_empty() {
                    tracing::warn!(
                        file,
                        "[server] settings changed ({}); they take effect at the next start",
                        changed.join(", ")
                    );
                }
            }
            Loaded::Invalid(findings) => {
                METRICS.reload(false);
                log_findings(&file, &findings);
                tracing::error!(
                    file,
                    "reload refused ({why}): the file is not a valid policy; keeping the previous policy"
                );
            }
            Loaded::Unreadable(finding) => {
                METRICS.reload(false);
                tracing::error!(
                    file,
                    "reload refused ({why}): {}; keeping the previous policy",
                    finding.message
                );
            }
        }
    }
}

/// Logs every diagnostic of a policy file: errors at error level, warnings at warn.
pub(crate) fn log_findings(file: &str, findings: &[Finding]) {
    for f in findings {
        let help = f.help.as_deref().unwrap_or("");
        if f.is_error() {
            tracing::error!(file, code = f.code, field = %f.field, help, "{}", f.message);
        } else {
            tracing::warn!(file, code = f.code, field = %f.field, help, "{}", f.message);
        }
    }
}
