//! The `[server]` table of the policy file: where `corsair serve` listens, where it
//! forwards, and its limits and timeouts.
//!
//! The table is read key by key (each value through serde), so that every unknown key,
//! every value of the wrong type and every invalid value is reported at once, as
//! `corsair lint` reports the policy's own mistakes.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use corsair::{Code, Diagnostic};
use http::Uri;
use http::uri::{Authority, PathAndQuery, Scheme};
use serde::de::DeserializeOwned;

mod keys;

pub(crate) use keys::KEYS;

/// The upstream API: scheme, authority, and an optional path prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Upstream {
    /// `http`, or `https` (HTTP/1.1 over TLS).
    pub(crate) scheme: Scheme,
    /// `host:port`.
    pub(crate) authority: Authority,
    /// A prefix put before every request path, without a trailing `/`; empty for none.
    pub(crate) prefix: String,
    /// `host:port` to connect to (port 80, or 443 for https, when the URL names none).
    pub(crate) connect_to: String,
}

impl Upstream {
    /// Parses `http://host[:port][/prefix]` or `https://host[:port][/prefix]`.
    pub(crate) fn parse(text: &str) -> Result<Upstream, String> {
        let uri: Uri = text
            .parse()
            .map_err(|e| format!("`{text}` is not a URL: {e}"))?;
        let (scheme, default_port) = match uri.scheme_str() {
            Some("http") => (Scheme::HTTP, 80),
            Some("https") => (Scheme::HTTPS, 443),
            _ => return Err(format!("`{text}` must start with http:// or https://")),
        };
        let Some(authority) = uri.authority().cloned() else {
            return Err(format!("`{text}` has no host"));
        };
        if authority.host().is_empty() || authority.as_str().contains('@') {
            return Err(format!("`{text}` must be {scheme}://host[:port][/prefix]"));
        }
        if uri.query().is_some() {
            return Err(format!("`{text}` must not have a query"));
        }
        let connect_to = format!(
            "{}:{}",
            authority.host(),
            authority.port_u16().unwrap_or(default_port)
        );
        Ok(Upstream {
            scheme,
            connect_to,
            authority,
            prefix: uri.path().trim_end_matches('/').to_owned(),
        })
    }

    /// The path and query of a request at the upstream: the prefix, then `path` (the
    /// client's path with its dot segments resolved, see `path.rs`), then the query of
    /// the client's `original` target.
    pub(crate) fn path_for(
        &self,
        path: &str,
        original: Option<&PathAndQuery>,
    ) -> Result<PathAndQuery, String> {
        if self.prefix.is_empty() {
            if let Some(pq) = original.filter(|pq| pq.path() == path) {
                return Ok(pq.clone());
            }
        }
        let mut text = String::with_capacity(self.prefix.len() + path.len() + 1);
        text.push_str(&self.prefix);
        text.push_str(path);
        if let Some(query) = original.and_then(PathAndQuery::query) {
            text.push('?');
            text.push_str(query);
        }
        PathAndQuery::try_from(text).map_err(|e| e.to_string())
    }

    /// The absolute URI of a path (from [`Upstream::path_for`]) at the upstream.
    pub(crate) fn absolute(&self, path_and_query: PathAndQuery) -> Result<Uri, String> {
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path_and_query)
            .build()
            .map_err(|e| e.to_string())
    }
}

impl std::fmt::Display for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.authority, self.prefix)
    }
}

/// How connections are spread over threads (`runtime`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Runtime {
    /// One multi-thread runtime.
    MultiThread,
    /// One single-thread runtime per worker thread.
    PerCore,
}

/// The `[server]` settings, defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ServerConfig {
    /// `listen`.
    pub(crate) listen: SocketAddr,
    /// `tls_cert`; with `tls_key` (both or neither): serve HTTPS.
    pub(crate) tls_cert: Option<PathBuf>,
    /// `tls_key`.
    pub(crate) tls_key: Option<PathBuf>,
    /// `upstream`; `None`: the built-in demo API.
    pub(crate) upstream: Option<Upstream>,
    /// `upstream_ca`.
    pub(crate) upstream_ca: Option<PathBuf>,
    /// `preserve_host`.
    pub(crate) preserve_host: bool,
    /// `forward_underscore_headers`.
    pub(crate) forward_underscore_headers: bool,
    /// `admin`.
    pub(crate) admin: Option<SocketAddr>,
    /// `workers`; 0: one per core.
    pub(crate) workers: usize,
    /// `runtime`.
    pub(crate) runtime: Runtime,
    /// `max_connections`.
    pub(crate) max_connections: usize,
    /// `max_header_bytes`.
    pub(crate) max_header_bytes: usize,
    /// `max_headers`.
    pub(crate) max_headers: usize,
    /// `max_body_bytes`.
    pub(crate) max_body_bytes: Option<u64>,
    /// `header_timeout`.
    pub(crate) header_timeout: Duration,
    /// `idle_timeout`.
    pub(crate) idle_timeout: Duration,
    /// `connect_timeout`.
    pub(crate) connect_timeout: Duration,
    /// `upstream_timeout`.
    pub(crate) upstream_timeout: Duration,
    /// `pool_idle_timeout`.
    pub(crate) pool_idle_timeout: Duration,
    /// `pool_max_idle`.
    pub(crate) pool_max_idle: usize,
    /// `max_upstream_connections`.
    pub(crate) max_upstream_connections: usize,
    /// `max_upstream_per_connection`.
    pub(crate) max_upstream_per_connection: usize,
    /// `shutdown_timeout`.
    pub(crate) shutdown_timeout: Duration,
    /// `watch`.
    pub(crate) watch: bool,
}

/// The smallest `max_header_bytes` (hyper's smallest read buffer).
pub(crate) const MIN_HEADER_BYTES: usize = 8192;
/// The largest `max_connections` (a semaphore's limit, with room to spare).
pub(crate) const MAX_CONNECTIONS: usize = 1 << 20;
/// The longest timeout, in seconds (a year: longer is a mistake).
const MAX_SECONDS: f64 = 31_536_000.0;

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            tls_cert: None,
            tls_key: None,
            upstream: None,
            upstream_ca: None,
            preserve_host: false,
            forward_underscore_headers: false,
            admin: None,
            workers: 0,
            runtime: Runtime::PerCore,
            max_connections: 1024,
            max_header_bytes: 16 * 1024,
            max_headers: 100,
            max_body_bytes: None,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(5),
            upstream_timeout: Duration::from_secs(30),
            pool_idle_timeout: Duration::from_secs(90),
            pool_max_idle: 256,
            max_upstream_connections: 1024,
            max_upstream_per_connection: 32,
            shutdown_timeout: Duration::from_secs(30),
            watch: true,
        }
    }
}

impl ServerConfig {
    /// Reads the `[server]` value of a policy file. Every problem is returned, and the
    /// settings hold the defaults wherever a key was wrong.
    pub(crate) fn from_toml(value: toml::Value) -> (ServerConfig, Vec<Diagnostic>) {
        let mut config = ServerConfig::default();
        let mut reader = Reader::default();
        let toml::Value::Table(mut table) = value else {
            reader.error("server", "`server` must be a table: [server]", None);
            return (config, reader.diagnostics);
        };
        if let Some(listen) = reader.take::<String>(&mut table, "listen") {
            if let Some(addr) = reader.socket_addr("listen", &listen) {
                config.listen = addr;
            }
        }
        let cert = reader.take::<String>(&mut table, "tls_cert");
        let key = reader.take::<String>(&mut table, "tls_key");
        match (cert, key) {
            (Some(cert), Some(key)) => {
                config.tls_cert = Some(PathBuf::from(cert));
                config.tls_key = Some(PathBuf::from(key));
            }
            (Some(_), None) => reader.error(
                "server.tls_cert",
                "tls_cert needs tls_key: the certificate's private key",
                Some("set both tls_cert and tls_key, or neither for plain HTTP"),
            ),
            (None, Some(_)) => reader.error(
                "server.tls_key",
                "tls_key needs tls_cert: the certificate chain",
                Some("set both tls_cert and tls_key, or neither for plain HTTP"),
            ),
            (None, None) => {}
        }
        if let Some(upstream) = reader.take::<String>(&mut table, "upstream") {
            match Upstream::parse(&upstream) {
                Ok(u) => config.upstream = Some(u),
                Err(e) => reader.error(
                    "server.upstream",
                    &e,
                    Some("write it as http://127.0.0.1:3000 or https://api.example.com"),
                ),
            }
        }
        if let Some(ca) = reader.take::<String>(&mut table, "upstream_ca") {
            config.upstream_ca = Some(PathBuf::from(ca));
        }
        if let Some(v) = reader.take::<bool>(&mut table, "preserve_host") {
            config.preserve_host = v;
        }
        if let Some(v) = reader.take::<bool>(&mut table, "forward_underscore_headers") {
            config.forward_underscore_headers = v;
        }
        if let Some(admin) = reader.take::<String>(&mut table, "admin") {
            config.admin = reader.socket_addr("admin", &admin);
        }
        if let Some(v) = reader.count(&mut table, "workers", 0, 1024) {
            config.workers = v;
        }
        if let Some(runtime) = reader.take::<String>(&mut table, "runtime") {
            match runtime.as_str() {
                "multi-thread" => config.runtime = Runtime::MultiThread,
                "per-core" => config.runtime = Runtime::PerCore,
                other => reader.error(
                    "server.runtime",
                    &format!("unknown runtime `{other}`"),
                    Some("write \"multi-thread\" or \"per-core\""),
                ),
            }
        }
        if let Some(v) = reader.count(&mut table, "max_connections", 1, MAX_CONNECTIONS) {
            config.max_connections = v;
        }
        if let Some(v) = reader.count(
            &mut table,
            "max_header_bytes",
            MIN_HEADER_BYTES,
            64 * 1024 * 1024,
        ) {
            config.max_header_bytes = v;
        }
        if let Some(v) = reader.count(&mut table, "max_headers", 1, 10_000) {
            config.max_headers = v;
        }
        if let Some(v) = reader.count(&mut table, "max_body_bytes", 0, usize::MAX) {
            config.max_body_bytes = u64::try_from(v).ok();
        }
        for (key, slot) in [
            ("header_timeout", &mut config.header_timeout),
            ("idle_timeout", &mut config.idle_timeout),
            ("connect_timeout", &mut config.connect_timeout),
            ("upstream_timeout", &mut config.upstream_timeout),
            ("pool_idle_timeout", &mut config.pool_idle_timeout),
            ("shutdown_timeout", &mut config.shutdown_timeout),
        ] {
            if let Some(d) = reader.seconds(&mut table, key) {
                *slot = d;
            }
        }
        if let Some(v) = reader.count(&mut table, "pool_max_idle", 0, 1 << 20) {
            config.pool_max_idle = v;
        }
        if let Some(v) = reader.count(&mut table, "max_upstream_connections", 1, MAX_CONNECTIONS) {
            config.max_upstream_connections = v;
        }
        if let Some(v) = reader.count(
            &mut table,
            "max_upstream_per_connection",
            1,
            MAX_CONNECTIONS,
        ) {
            config.max_upstream_per_connection = v;
        }
        if let Some(v) = reader.take::<bool>(&mut table, "watch") {
            config.watch = v;
        }
        let known: Vec<&str> = KEYS.iter().map(|(k, _, _)| *k).collect();
        for key in table.keys() {
            reader.unknown(&format!("server.{key}"), key, &known);
        }
        (config, reader.diagnostics)
    }

    /// The settings with their relative file paths (`tls_cert`, `tls_key`, `upstream_ca`)
    /// read from the directory of `file`, the policy file, as nginx reads its files from
    /// its prefix: the gateway finds its certificate wherever it is started from.
    pub(crate) fn relative_to(mut self, file: &std::path::Path) -> ServerConfig {
        let dir = match file.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => std::path::Path::new("."),
        };
        for path in [&mut self.tls_cert, &mut self.tls_key, &mut self.upstream_ca]
            .into_iter()
            .flatten()
        {
            if path.is_relative() {
                *path = dir.join(&*path);
            }
        }
        self
    }

    /// Which keys differ from `other`, by name: the settings a reload cannot change.
    pub(crate) fn changed_keys(&self, other: &ServerConfig) -> Vec<&'static str> {
        let mut changed = Vec::new();
        let mut check = |key: &'static str, same: bool| {
            if !same {
                changed.push(key);
            }
        };
        check("listen", self.listen == other.listen);
        check("tls_cert", self.tls_cert == other.tls_cert);
        check("tls_key", self.tls_key == other.tls_key);
        check("upstream", self.upstream == other.upstream);
        check("upstream_ca", self.upstream_ca == other.upstream_ca);
        check("preserve_host", self.preserve_host == other.preserve_host);
        check(
            "forward_underscore_headers",
            self.forward_underscore_headers == other.forward_underscore_headers,
        );
        check("admin", self.admin == other.admin);
        check("workers", self.workers == other.workers);
        check("runtime", self.runtime == other.runtime);
        check(
            "max_connections",
            self.max_connections == other.max_connections,
        );
        check(
            "max_header_bytes",
            self.max_header_bytes == other.max_header_bytes,
        );
        check("max_headers", self.max_headers == other.max_headers);
        check(
            "max_body_bytes",
            self.max_body_bytes == other.max_body_bytes,
        );
        check(
            "header_timeout",
            self.header_timeout == other.header_timeout,
        );
        check("idle_timeout", self.idle_timeout == other.idle_timeout);
        check(
            "connect_timeout",
            self.connect_timeout == other.connect_timeout,
        );
        check(
            "upstream_timeout",
            self.upstream_timeout == other.upstream_timeout,
        );
        check(
            "pool_idle_timeout",
            self.pool_idle_timeout == other.pool_idle_timeout,
        );
        check("pool_max_idle", self.pool_max_idle == other.pool_max_idle);
        check(
            "max_upstream_connections",
            self.max_upstream_connections == other.max_upstream_connections,
        );
        check(
            "max_upstream_per_connection",
            self.max_upstream_per_connection == other.max_upstream_per_connection,
        );
        check(
            "shutdown_timeout",
            self.shutdown_timeout == other.shutdown_timeout,
        );
        check("watch", self.watch == other.watch);
        changed
    }
}

/// Collects the diagnostics of one `[server]` table.
#[derive(Default)]
struct Reader {
    diagnostics: Vec<Diagnostic>,
}

impl Reader {
    fn error(&mut self, field: &str, message: &str, help: Option<&str>) {
        let d = Diagnostic::new(Code::InvalidFile, field, message);
        self.diagnostics.push(match help {
            Some(h) => d.with_help(h),
            None => d,
        });
    }

    /// Removes `key` and converts it, reporting a value of the wrong type in words
    /// (`` `workers` must be a whole number, not a string ``).
    fn take<T: DeserializeOwned>(&mut self, table: &mut toml::Table, key: &str) -> Option<T> {
        let value = table.remove(key)?;
        let found = in_words(&value);
        match value.try_into::<T>() {
            Ok(v) => Some(v),
            Err(_) => {
                self.error(
                    &format!("server.{key}"),
                    &format!("`{key}` must be {}, not {found}", expected(key)),
                    None,
                );
                None
            }
        }
    }

    /// An address to listen on: `ip:port`, or `host:port` resolved to its first address.
    fn socket_addr(&mut self, key: &str, text: &str) -> Option<SocketAddr> {
        match crate::net::parse_listen(text) {
            Ok(a) => Some(a),
            Err(e) => {
                self.error(
                    &format!("server.{key}"),
                    &e,
                    Some("for example \"127.0.0.1:8080\", or \"0.0.0.0:8080\" for every interface"),
                );
                None
            }
        }
    }

    /// A whole number in `min..=max`.
    fn count(
        &mut self,
        table: &mut toml::Table,
        key: &str,
        min: usize,
        max: usize,
    ) -> Option<usize> {
        let n = self.take::<i64>(table, key)?;
        match usize::try_from(n) {
            Ok(v) if (min..=max).contains(&v) => Some(v),
            _ => {
                let range = if max == usize::MAX {
                    format!("at least {min}")
                } else {
                    format!("between {min} and {max}")
                };
                self.error(
                    &format!("server.{key}"),
                    &format!("{key} = {n} is out of range: it must be {range}"),
                    None,
                );
                None
            }
        }
    }

    /// A number of seconds, more than zero.
    fn seconds(&mut self, table: &mut toml::Table, key: &str) -> Option<Duration> {
        let s = self.take::<f64>(table, key)?;
        if s.is_finite() && s > 0.0 && s <= MAX_SECONDS {
            Duration::try_from_secs_f64(s).ok()
        } else {
            self.error(
                &format!("server.{key}"),
                &format!("{key} = {s} is out of range: it must be a number of seconds above 0 and at most a year"),
                None,
            );
            None
        }
    }

    fn unknown(&mut self, field: &str, key: &str, known: &[&str]) {
        self.diagnostics
            .push(Diagnostic::unknown_field(field, key, known));
    }
}

/// What the value of a `[server]` key must be, in words.
fn expected(key: &str) -> &'static str {
    match key {
        "listen" | "admin" => "an address such as \"127.0.0.1:8080\"",
        "upstream" => "a URL such as \"http://127.0.0.1:3000\"",
        "tls_cert" | "tls_key" | "upstream_ca" => "a file path such as \"/etc/corsair/cert.pem\"",
        "runtime" => "\"per-core\" or \"multi-thread\"",
        "preserve_host" | "forward_underscore_headers" | "watch" => "true or false",
        k if k.ends_with("_timeout") => "a number of seconds",
        _ => "a whole number",
    }
}

/// A TOML value, in words: what the file holds where another type was expected.
fn in_words(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => format!("a string (\"{text}\")"),
        toml::Value::Integer(n) => format!("the number {n}"),
        toml::Value::Float(x) => format!("the number {x}"),
        toml::Value::Boolean(b) => format!("`{b}`"),
        toml::Value::Datetime(_) => "a date".to_owned(),
        toml::Value::Array(_) => "a list".to_owned(),
        toml::Value::Table(_) => "a table".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (ServerConfig, Vec<Diagnostic>) {
        let mut table: toml::Table = text.parse().unwrap();
        ServerConfig::from_toml(table.remove("server").unwrap())
    }

    #[test]
    fn defaults_and_overrides() {
        let (config, diagnostics) = read(
            "[server]\nlisten = '0.0.0.0:9000'\nupstream = 'http://127.0.0.1:3000/api/'\nheader_timeout = 0.5",
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(config.listen, SocketAddr::from(([0, 0, 0, 0], 9000)));
        assert!(!config.forward_underscore_headers);
        let (kept, diagnostics) = read("[server]\nforward_underscore_headers = true");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert!(kept.forward_underscore_headers);
        let upstream = config.upstream.unwrap();
        assert_eq!(upstream.prefix, "/api");
        assert_eq!(config.header_timeout, Duration::from_millis(500));
        assert_eq!(config.idle_timeout, Duration::from_secs(60));
        let original = PathAndQuery::from_static("/x?y=1");
        let path = upstream.path_for("/x", Some(&original)).unwrap();
        assert_eq!(
            upstream.absolute(path).unwrap(),
            "http://127.0.0.1:3000/api/x?y=1"
        );
    }

    #[test]
    fn every_problem_at_once() {
        let (_, diagnostics) = read(
            "[server]\nlisten = 'nope'\nupstream = 'ftp://x'\nmax_header_bytes = 10\nidle_timeout = -1\nwatch = 'yes'\nlisen = 1",
        );
        let fields: Vec<_> = diagnostics.iter().map(Diagnostic::field).collect();
        assert_eq!(
            fields,
            [
                "server.listen",
                "server.upstream",
                "server.max_header_bytes",
                "server.idle_timeout",
                "server.watch",
                "server.lisen"
            ]
        );
        assert_eq!(diagnostics[5].help(), Some("did you mean `listen`?"));
    }

    #[test]
    fn tls_needs_both_files() {
        let (config, diagnostics) = read("[server]\ntls_cert = 'c.pem'\ntls_key = 'k.pem'");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(config.tls_cert, Some(PathBuf::from("c.pem")));
        assert_eq!(config.tls_key, Some(PathBuf::from("k.pem")));
        let resolved = config.relative_to(std::path::Path::new("/etc/corsair/corsair.toml"));
        assert_eq!(resolved.tls_cert, Some(PathBuf::from("/etc/corsair/c.pem")));
        assert_eq!(resolved.tls_key, Some(PathBuf::from("/etc/corsair/k.pem")));
        let (config, _) = read("[server]\nupstream_ca = '/abs/ca.pem'");
        let resolved = config.relative_to(std::path::Path::new("/etc/corsair/corsair.toml"));
        assert_eq!(resolved.upstream_ca, Some(PathBuf::from("/abs/ca.pem")));
        let (config, diagnostics) = read("[server]\ntls_cert = 'c.pem'");
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].field(), "server.tls_cert");
        assert_eq!(config.tls_cert, None);
        let (_, diagnostics) = read("[server]\ntls_key = 'k.pem'");
        assert_eq!(diagnostics[0].field(), "server.tls_key");
        let (_, diagnostics) = read("[server]\ntls_key = 1\ntls_cert = 'c.pem'");
        assert_eq!(
            diagnostics[0].message(),
            "`tls_key` must be a file path such as \"/etc/corsair/cert.pem\", not the number 1"
        );
    }

    #[test]
    fn wrong_types_are_said_in_words() {
        let (_, diagnostics) =
            read("[server]\nworkers = 'two'\nwatch = 'yes'\nidle_timeout = [1]\nlisten = 8080");
        let messages: Vec<_> = diagnostics.iter().map(Diagnostic::message).collect();
        assert_eq!(
            messages,
            [
                "`listen` must be an address such as \"127.0.0.1:8080\", not the number 8080",
                "`workers` must be a whole number, not a string (\"two\")",
                "`idle_timeout` must be a number of seconds, not a list",
                "`watch` must be true or false, not a string (\"yes\")",
            ]
        );
    }

    #[test]
    fn listen_addresses_may_name_a_host() {
        let (config, diagnostics) = read("[server]\nlisten = 'localhost:9000'");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert!(config.listen.ip().is_loopback());
        assert_eq!(config.listen.port(), 9000);
        let (_, diagnostics) = read("[server]\nlisten = 'localhost'");
        assert!(
            diagnostics[0].message().contains("has no port"),
            "{diagnostics:?}"
        );
    }

    #[test]
    fn upstream_uri_without_prefix_reuses_the_path() {
        let upstream = Upstream::parse("http://localhost:3000").unwrap();
        let original = PathAndQuery::from_static("/a/b?c");
        assert_eq!(
            upstream.path_for("/a/b", Some(&original)).unwrap(),
            original
        );
        assert_eq!(upstream.path_for("/b", Some(&original)).unwrap(), "/b?c");
        assert_eq!(
            upstream
                .absolute(upstream.path_for("/", None).unwrap())
                .unwrap(),
            "http://localhost:3000/"
        );
        assert_eq!(upstream.connect_to, "localhost:3000");
        assert_eq!(
            Upstream::parse("http://api.internal").unwrap().connect_to,
            "api.internal:80"
        );
        assert_eq!(
            Upstream::parse("http://[::1]:8080/").unwrap().connect_to,
            "[::1]:8080"
        );
        assert!(Upstream::parse("ftp://x").is_err());
        let https = Upstream::parse("https://api.example/v1").unwrap();
        assert_eq!(https.connect_to, "api.example:443");
        assert_eq!(
            https.absolute(https.path_for("/x", None).unwrap()).unwrap(),
            "https://api.example/v1/x"
        );
        assert!(Upstream::parse("http://u@x").is_err());
    }
}
