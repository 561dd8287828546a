//! The declared policy, as written in the builder or in the policy file.
//!
//! A [`Config`] is what a user says: plain strings and numbers, not yet checked.
//! [`Config::build`] (or [`Policy::new`](crate::Policy::new)) checks all of it at once
//! and compiles it into a [`Policy`](crate::Policy).
//!
//! The file form (TOML; JSON and other serde formats work too with the `serde` feature):
//!
//! ```toml
//! [cors]
//! allow_origins = ["https://app.example.com", "https://*.example.com", "http://localhost:*"]
//! allow_methods = ["GET", "POST", "PUT", "DELETE"]
//! allow_headers = ["content-type", "authorization"]
//! expose_headers = ["x-request-id"]
//! allow_credentials = true
//! max_age = 600
//!
//! [[routes]]
//! path = "/public"
//! allow_origins = ["*"]
//! allow_credentials = false
//!
//! [[routes]]
//! path = "/internal"
//! enabled = false
//! ```

use std::sync::Arc;

use crate::origin::{OriginPredicate, OriginRef};

macro_rules! policy_fields {
    ($( $(#[doc = $doc:literal])* $field:ident : $ty:ty, )*) => {
        /// The fields of one policy: the `[cors]` table, or the overrides of one route.
        ///
        /// Every field is optional: in `[cors]` a missing field takes its default; in a
        /// route it is inherited from `[cors]`. Set them with the setter
        /// methods, or read them from a file.
        ///
        /// ```
        /// use corsair::PolicyConfig;
        /// let cors = PolicyConfig::default().allow_origins(["https://app.example"]).max_age(600);
        /// assert_eq!(cors.max_age, Some(600));
        /// ```
        #[derive(Clone, Debug, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Deserialize), serde(deny_unknown_fields))]
        #[non_exhaustive]
        pub struct PolicyConfig {
            $( $(#[doc = $doc])* pub $field: Option<$ty>, )*
            /// The origin predicate (library only; see
            /// [`PolicyConfig::allow_origin_predicate`]).
            #[cfg_attr(feature = "serde", serde(skip))]
            pub(crate) origin_predicate: Option<OriginPredicate>,
        }

        /// The file form of a route: its `path` and the policy fields, side by side, with
        /// unknown fields refused (serde's `flatten` cannot refuse them).
        #[cfg(feature = "serde")]
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RouteFile {
            path: String,
            $( $field: Option<$ty>, )*
        }

        #[cfg(feature = "serde")]
        impl From<RouteFile> for RouteConfig {
            fn from(file: RouteFile) -> Self {
                RouteConfig {
                    path: file.path,
                    policy: PolicyConfig { $( $field: file.$field, )* origin_predicate: None },
                }
            }
        }

        impl PolicyConfig {
            /// The names of the policy fields, as written in the file (a route also has `path`).
            ///
            /// ```
            /// assert!(corsair::PolicyConfig::FIELDS.contains(&"allow_origins"));
            /// ```
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// This policy with a route's fields laid over it.
            fn overridden_by(&self, route: &PolicyConfig) -> PolicyConfig {
                PolicyConfig {
                    $( $field: route.$field.clone().or_else(|| self.$field.clone()), )*
                    origin_predicate: route.origin_predicate.clone().or_else(|| self.origin_predicate.clone()),
                }
            }

            /// Whether a field, named as in the file, is set.
            pub(crate) fn is_set(&self, field: &str) -> bool {
                match field {
                    $( stringify!($field) => self.$field.is_some(), )*
                    "allow_origin_predicate" => self.origin_predicate.is_some(),
                    _ => false,
                }
            }

            /// Reads the fields from a TOML table, reporting every unknown field and every
            /// value of the wrong type at once (such a value is left out).
            #[cfg(feature = "toml")]
            fn from_toml_table(
                mut table: toml::Table,
                prefix: &str,
                extra: &[&str],
                diagnostics: &mut crate::error::Diagnostics,
            ) -> PolicyConfig {
                let mut config = PolicyConfig::default();
                $(
                    if let Some(value) = table.remove(stringify!($field)) {
                        let field = format!("{prefix}.{}", stringify!($field));
                        config.$field = <$ty as FileValue>::read(value, stringify!($field), &field, diagnostics);
                    }
                )*
                for key in table.keys().filter(|k| !extra.contains(&k.as_str())) {
                    report_unknown(diagnostics, &format!("{prefix}.{key}"), key, PolicyConfig::FIELDS);
                }
                config
            }
        }
    };
}

policy_fields! {
    /// Allowed origins: exact (`https://app.example.com`), subdomain patterns
    /// (`https://*.example.com`: one or more labels, never the bare domain), port
    /// wildcards (`http://localhost:*`), both, or `["*"]` alone for any origin.
    allow_origins: Vec<String>,
    /// Regular expressions matched against the whole serialized origin (anchored for
    /// you; linear time). Needs the `regex` feature.
    allow_origin_regexes: Vec<String>,
    /// Allowed methods beyond GET, HEAD and POST (always allowed), compared
    /// case-sensitively as browsers do; or `["*"]`. Default: none.
    allow_methods: Vec<String>,
    /// Allowed request headers (case-insensitive), or `["*"]` (which, as in Fetch,
    /// covers `authorization` only when it is listed too). Default: none.
    allow_headers: Vec<String>,
    /// Response headers that scripts may read, or `["*"]` (without credentials only).
    expose_headers: Vec<String>,
    /// Whether to send `Access-Control-Allow-Credentials: true` (cookies, HTTP auth).
    /// Default: false.
    allow_credentials: bool,
    /// Seconds a browser may cache a preflight (at most 86400). Absent: no
    /// `Access-Control-Max-Age` (browsers then cache 5 s); 0 is sent and disables caching.
    max_age: u64,
    /// Answer `Access-Control-Allow-Private-Network: true` to preflights that ask for it.
    /// Default: false. A legacy option: only Chromium sent these Private Network Access
    /// preflights, and Chrome 142 replaced them with Local Network Access, a permission
    /// the user grants, which no response header can grant.
    allow_private_network: bool,
    /// The status of a successful preflight, any 2xx. Default: 204.
    preflight_status: u16,
    /// Debug mode: a preflight rejected for its method or headers gets an answer that
    /// makes the browser's console name them. Default: false.
    debug: bool,
    /// Allow listing the `null` origin, which sandboxed iframes and `data:` pages
    /// (so any attacker) can send. Default: false.
    dangerously_allow_null_origin: bool,
    /// Allow plain-http, non-loopback origins together with credentials. Default: false.
    dangerously_allow_insecure_origins: bool,
    /// Allow `*.` patterns over a public suffix (`https://*.github.io`). Default: false.
    dangerously_allow_public_suffix_wildcards: bool,
    /// Allow origin regexes that, with credentials, admit origins the lists could not
    /// allow safely, or that corsair cannot prove safe. Logged at build time. Default: false.
    dangerously_allow_unsafe_origin_regexes: bool,
    /// Whether corsair handles CORS at all (set `false` in a route to leave that path to
    /// the application). Default: true.
    enabled: bool,
}

/// The per-path overrides of one `[[routes]]` entry.
///
/// The longest `path` prefix that matches a request wins; prefixes match whole path
/// segments (`/api` matches `/api` and `/api/users`, not `/apiary`). Fields that the
/// route sets replace those of `[cors]`; the others are inherited. The origin fields
/// (`allow_origins`, `allow_origin_regexes` and the predicate) are replaced together:
/// a route that names its origins gets exactly those.
///
/// ```
/// use corsair::RouteConfig;
/// let route = RouteConfig::new("/public").allow_origins(["*"]).allow_credentials(false);
/// assert_eq!(route.path, "/public");
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(from = "RouteFile")
)]
#[non_exhaustive]
pub struct RouteConfig {
    /// The path prefix, starting with `/`.
    pub path: String,
    /// The fields that this route overrides.
    pub policy: PolicyConfig,
}

impl RouteConfig {
    /// A route under `path` that inherits everything until told otherwise.
    ///
    /// ```
    /// let route = corsair::RouteConfig::new("/internal");
    /// assert!(route.policy.enabled.is_none());
    /// ```
    pub fn new(path: impl Into<String>) -> Self {
        RouteConfig {
            path: path.into(),
            policy: PolicyConfig::default(),
        }
    }
}

/// A whole policy as declared: the `[cors]` table and the `[[routes]]`.
///
/// ```
/// use corsair::{Config, RouteConfig};
/// let policy = Config::default()
///     .allow_origins(["https://app.example.com"])
///     .allow_credentials(true)
///     .route(RouteConfig::new("/public").allow_origins(["*"]).allow_credentials(false))
///     .build()?;
/// # let _ = policy;
/// # Ok::<(), corsair::ConfigError>(())
/// ```
#[derive(Clone, Debug, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
#[non_exhaustive]
pub struct Config {
    /// The top-level policy, `[cors]` in the file.
    #[cfg_attr(feature = "serde", serde(default))]
    pub cors: PolicyConfig,
    /// Per-path overrides, `[[routes]]` in the file.
    #[cfg_attr(feature = "serde", serde(default))]
    pub routes: Vec<RouteConfig>,
}

impl Config {
    /// Adds a per-path route.
    ///
    /// ```
    /// use corsair::{Config, RouteConfig};
    /// let config = Config::default().route(RouteConfig::new("/internal").enabled(false));
    /// assert_eq!(config.routes.len(), 1);
    /// ```
    #[must_use]
    pub fn route(mut self, route: RouteConfig) -> Self {
        self.routes.push(route);
        self
    }

    /// The effective fields of the policy for each route, in declaration order, with
    /// the route's fields laid over `[cors]`.
    pub(crate) fn effective_route_policy(&self, route: &RouteConfig) -> PolicyConfig {
        let mut merged = self.cors.overridden_by(&route.policy);
        if route_sets_origins(&route.policy) {
            merged.allow_origins = route.policy.allow_origins.clone();
            merged.allow_origin_regexes = route.policy.allow_origin_regexes.clone();
            merged.origin_predicate = route.policy.origin_predicate.clone();
        }
        merged
    }

    /// Reads the `[cors]` table and the `[[routes]]`, leaving out (and reporting) unknown
    /// fields and values of the wrong type.
    #[cfg(feature = "toml")]
    pub(crate) fn read_toml_table(mut table: toml::Table) -> (Config, crate::error::Diagnostics) {
        use crate::error::{Code, Diagnostics};

        let mut diagnostics = Diagnostics::default();
        let mut config = Config::default();
        match table.remove("cors") {
            Some(toml::Value::Table(cors)) => {
                config.cors = PolicyConfig::from_toml_table(cors, "cors", &[], &mut diagnostics);
            }
            Some(_) => {
                diagnostics.report(Code::InvalidFile, "cors", "`cors` must be a table: [cors]")
            }
            None => {}
        }
        match table.remove("routes") {
            Some(toml::Value::Array(routes)) => {
                for (i, route) in routes.into_iter().enumerate() {
                    let prefix = format!("routes[{i}]");
                    let toml::Value::Table(mut route) = route else {
                        diagnostics.report(
                            Code::InvalidFile,
                            &prefix,
                            "each route must be a table: [[routes]]",
                        );
                        continue;
                    };
                    let path = match route.remove("path") {
                        Some(toml::Value::String(p)) => p,
                        Some(other) => {
                            diagnostics.report(
                                Code::InvalidFile,
                                &format!("{prefix}.path"),
                                format!(
                                    "`path` must be a string such as \"/api\", not {}",
                                    describe_value(&other)
                                ),
                            );
                            String::new()
                        }
                        None => {
                            diagnostics.report_with_help(
                                Code::InvalidRoutePath,
                                &format!("{prefix}.path"),
                                "this route has no `path`",
                                "add `path = \"/prefix\"`",
                            );
                            String::new()
                        }
                    };
                    let policy =
                        PolicyConfig::from_toml_table(route, &prefix, &[], &mut diagnostics);
                    config.routes.push(RouteConfig { path, policy });
                }
            }
            Some(_) => diagnostics.report(
                Code::InvalidFile,
                "routes",
                "`routes` must be an array of tables: [[routes]]",
            ),
            None => {}
        }
        for key in table.keys() {
            report_unknown(&mut diagnostics, key, key, &["cors", "routes"]);
        }
        (config, diagnostics)
    }
}

/// Whether a route names its own origins (which then replace all of `[cors]`'s).
pub(crate) fn route_sets_origins(route: &PolicyConfig) -> bool {
    route.allow_origins.is_some()
        || route.allow_origin_regexes.is_some()
        || route.origin_predicate.is_some()
}

/// A value of the file, in plain words: `a string`, `a whole number`, `a list`.
#[cfg(feature = "toml")]
fn describe_value(value: &toml::Value) -> String {
    match value {
        toml::Value::String(_) => "a string".to_owned(),
        toml::Value::Integer(n) if *n < 0 => format!("a negative number ({n})"),
        toml::Value::Integer(_) => "a whole number".to_owned(),
        toml::Value::Float(x) => format!("a decimal number ({x})"),
        toml::Value::Boolean(b) => format!("`{b}`"),
        toml::Value::Datetime(_) => "a date".to_owned(),
        toml::Value::Array(_) => "a list".to_owned(),
        toml::Value::Table(_) => "a table".to_owned(),
    }
}

/// The types of the policy fields, read from TOML values with messages in plain words.
#[cfg(feature = "toml")]
trait FileValue: Sized {
    /// Converts `value`, the value of `name` (at `field` in the file); a value of the
    /// wrong type is reported and gives `None`.
    fn read(
        value: toml::Value,
        name: &str,
        field: &str,
        diagnostics: &mut crate::error::Diagnostics,
    ) -> Option<Self>;
}

/// Reports a value of the wrong type: `` `max_age` must be a whole number of seconds, not
/// a string ``, with a hint when the value is only quoted by mistake.
#[cfg(feature = "toml")]
fn wrong_type(
    diagnostics: &mut crate::error::Diagnostics,
    field: &str,
    name: &str,
    expected: &str,
    found: &toml::Value,
    unquoted: Option<&str>,
) {
    let message = format!("`{name}` must be {expected}, not {}", describe_value(found));
    match unquoted {
        Some(v) => diagnostics.report_with_help(
            crate::Code::InvalidFile,
            field,
            message,
            format!("write it without quotes: {name} = {v}"),
        ),
        None => diagnostics.report(crate::Code::InvalidFile, field, message),
    }
}

#[cfg(feature = "toml")]
impl FileValue for bool {
    fn read(
        value: toml::Value,
        name: &str,
        field: &str,
        diagnostics: &mut crate::error::Diagnostics,
    ) -> Option<bool> {
        match value {
            toml::Value::Boolean(b) => Some(b),
            other => {
                let unquoted = match &other {
                    toml::Value::String(s) if s == "true" || s == "false" => Some(s.as_str()),
                    _ => None,
                };
                wrong_type(diagnostics, field, name, "true or false", &other, unquoted);
                None
            }
        }
    }
}

/// What a whole-number field holds, in words.
#[cfg(feature = "toml")]
fn expected_number(name: &str) -> &'static str {
    match name {
        "max_age" => "a whole number of seconds",
        "preflight_status" => "an HTTP status such as 204",
        _ => "a whole number",
    }
}

/// Reads a whole number that fits `T`.
#[cfg(feature = "toml")]
fn read_number<T: TryFrom<i64>>(
    value: toml::Value,
    name: &str,
    field: &str,
    diagnostics: &mut crate::error::Diagnostics,
) -> Option<T> {
    let expected = expected_number(name);
    match value {
        toml::Value::Integer(n) => match T::try_from(n) {
            Ok(v) => Some(v),
            Err(_) if n < 0 => {
                wrong_type(
                    diagnostics,
                    field,
                    name,
                    expected,
                    &toml::Value::Integer(n),
                    None,
                );
                None
            }
            Err(_) => {
                diagnostics.report(
                    crate::Code::InvalidFile,
                    field,
                    format!("`{name}` must be {expected}, not {n}: that number is too large"),
                );
                None
            }
        },
        other => {
            let unquoted = match &other {
                toml::Value::String(s)
                    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    Some(s.as_str())
                }
                _ => None,
            };
            wrong_type(diagnostics, field, name, expected, &other, unquoted);
            None
        }
    }
}

#[cfg(feature = "toml")]
impl FileValue for u64 {
    fn read(
        value: toml::Value,
        name: &str,
        field: &str,
        diagnostics: &mut crate::error::Diagnostics,
    ) -> Option<u64> {
        read_number(value, name, field, diagnostics)
    }
}

#[cfg(feature = "toml")]
impl FileValue for u16 {
    fn read(
        value: toml::Value,
        name: &str,
        field: &str,
        diagnostics: &mut crate::error::Diagnostics,
    ) -> Option<u16> {
        read_number(value, name, field, diagnostics)
    }
}

#[cfg(feature = "toml")]
impl FileValue for Vec<String> {
    fn read(
        value: toml::Value,
        name: &str,
        field: &str,
        diagnostics: &mut crate::error::Diagnostics,
    ) -> Option<Vec<String>> {
        match value {
            toml::Value::Array(items) => {
                let mut strings = Vec::with_capacity(items.len());
                let mut wrong = false;
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        toml::Value::String(s) => strings.push(s),
                        other => {
                            wrong = true;
                            diagnostics.report(
                                crate::Code::InvalidFile,
                                &format!("{field}[{i}]"),
                                format!(
                                    "each entry of `{name}` must be a string, not {}",
                                    describe_value(&other)
                                ),
                            );
                        }
                    }
                }
                (!wrong).then_some(strings)
            }
            toml::Value::String(s) => {
                diagnostics.report_with_help(
                    crate::Code::InvalidFile,
                    field,
                    format!("`{name}` must be a list of strings, not a string"),
                    format!(
                        "write it in brackets: {name} = [\"{}\"]",
                        s.escape_default()
                    ),
                );
                None
            }
            other => {
                wrong_type(diagnostics, field, name, "a list of strings", &other, None);
                None
            }
        }
    }
}

#[cfg(feature = "toml")]
fn report_unknown(
    diagnostics: &mut crate::error::Diagnostics,
    field: &str,
    key: &str,
    known: &[&str],
) {
    let diagnostic = crate::error::Diagnostic::unknown_field(field, key, known);
    if key == "path" && crate::error::closest(key, known).is_none() {
        diagnostics.push(diagnostic.with_help("`path` belongs in a [[routes]] entry"));
    } else {
        diagnostics.push(diagnostic);
    }
}

/// The setters of the policy fields, shared by [`Config`] (for `[cors]`),
/// [`RouteConfig`] and [`PolicyConfig`]. Each takes and returns `self`, so calls chain:
///
/// ```
/// let policy = corsair::Policy::builder()
///     .allow_origins(["https://app.example.com", "https://*.example.com"])
///     .allow_methods(["GET", "POST", "PUT"])
///     .allow_headers(["content-type"])
///     .expose_headers(["x-request-id"])
///     .allow_credentials(true)
///     .max_age(600)
///     .build()?;
/// # let _ = policy;
/// # Ok::<(), corsair::ConfigError>(())
/// ```
macro_rules! policy_setters {
    ($ty:ty) => {
        impl $ty {
            /// Sets `allow_origins`.
            ///
            /// ```
            /// let c = corsair::PolicyConfig::default().allow_origins(["http://localhost:*"]);
            /// assert_eq!(c.allow_origins.unwrap(), ["http://localhost:*"]);
            /// ```
            #[must_use]
            pub fn allow_origins<I, S>(mut self, origins: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.fields_mut().allow_origins = Some(strings(origins));
                self
            }

            /// Sets `allow_origin_regexes` (feature `regex`). Each is matched against the whole
            /// serialized origin: corsair anchors it for you.
            ///
            /// ```
            /// let c = corsair::PolicyConfig::default().allow_origin_regexes([r"https://pr-\d+\.preview\.example\.com"]);
            /// assert_eq!(c.allow_origin_regexes.unwrap().len(), 1);
            /// ```
            #[must_use]
            pub fn allow_origin_regexes<I, S>(mut self, regexes: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.fields_mut().allow_origin_regexes = Some(strings(regexes));
                self
            }

            /// Allows, besides the lists, every well-formed origin for which `predicate` returns
            /// true. The escape hatch for rules a list cannot say (a tenant database, say).
            /// It is never called for `null` or malformed origins, and it must be fast: it runs
            /// on every CORS request whose origin the lists do not allow.
            ///
            /// ```
            /// let policy = corsair::Policy::builder()
            ///     .allow_origin_predicate(|origin| origin.scheme() == "https" && origin.host().ends_with(".customers.example"))
            ///     .build()?;
            /// # let _ = policy;
            /// # Ok::<(), corsair::ConfigError>(())
            /// ```
            #[must_use]
            pub fn allow_origin_predicate<F>(mut self, predicate: F) -> Self
            where
                F: Fn(&OriginRef<'_>) -> bool + Send + Sync + 'static,
            {
                self.fields_mut().origin_predicate = Some(OriginPredicate(Arc::new(predicate)));
                self
            }

            /// Sets `allow_methods`.
            ///
            /// ```
            /// let c = corsair::PolicyConfig::default().allow_methods(["PUT", "DELETE"]);
            /// assert_eq!(c.allow_methods.unwrap(), ["PUT", "DELETE"]);
            /// ```
            #[must_use]
            pub fn allow_methods<I, S>(mut self, methods: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.fields_mut().allow_methods = Some(strings(methods));
                self
            }

            /// Sets `allow_headers`.
            ///
            /// ```
            /// let c = corsair::PolicyConfig::default().allow_headers(["content-type", "authorization"]);
            /// assert_eq!(c.allow_headers.unwrap().len(), 2);
            /// ```
            #[must_use]
            pub fn allow_headers<I, S>(mut self, headers: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.fields_mut().allow_headers = Some(strings(headers));
                self
            }

            /// Sets `expose_headers`.
            ///
            /// ```
            /// let c = corsair::PolicyConfig::default().expose_headers(["x-request-id"]);
            /// assert_eq!(c.expose_headers.unwrap(), ["x-request-id"]);
            /// ```
            #[must_use]
            pub fn expose_headers<I, S>(mut self, headers: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.fields_mut().expose_headers = Some(strings(headers));
                self
            }

            /// Sets `allow_credentials`.
            ///
            /// ```
            /// assert_eq!(corsair::PolicyConfig::default().allow_credentials(true).allow_credentials, Some(true));
            /// ```
            #[must_use]
            pub fn allow_credentials(mut self, allow: bool) -> Self {
                self.fields_mut().allow_credentials = Some(allow);
                self
            }

            /// Sets `max_age`, in seconds.
            ///
            /// ```
            /// assert_eq!(corsair::PolicyConfig::default().max_age(600).max_age, Some(600));
            /// ```
            #[must_use]
            pub fn max_age(mut self, seconds: u64) -> Self {
                self.fields_mut().max_age = Some(seconds);
                self
            }

            /// Sets `allow_private_network`.
            ///
            /// ```
            /// assert_eq!(corsair::PolicyConfig::default().allow_private_network(true).allow_private_network, Some(true));
            /// ```
            #[must_use]
            pub fn allow_private_network(mut self, allow: bool) -> Self {
                self.fields_mut().allow_private_network = Some(allow);
                self
            }

            /// Sets `preflight_status` (any 2xx).
            ///
            /// ```
            /// assert_eq!(corsair::PolicyConfig::default().preflight_status(200).preflight_status, Some(200));
            /// ```
            #[must_use]
            pub fn preflight_status(mut self, status: u16) -> Self {
                self.fields_mut().preflight_status = Some(status);
                self
            }

            /// Sets `debug`.
            ///
            /// ```
            /// assert_eq!(corsair::PolicyConfig::default().debug(true).debug, Some(true));
            /// ```
            #[must_use]
            pub fn debug(mut self, debug: bool) -> Self {
                self.fields_mut().debug = Some(debug);
                self
            }

            /// Sets `dangerously_allow_null_origin`.
            ///
            /// ```
            /// let c = corsair::PolicyConfig::default().dangerously_allow_null_origin(true);
            /// assert_eq!(c.dangerously_allow_null_origin, Some(true));
            /// ```
            #[must_use]
            pub fn dangerously_allow_null_origin(mut self, allow: bool) -> Self {
                self.fields_mut().dangerously_allow_null_origin = Some(allow);
                self
            }

            /// Sets `dangerously_allow_insecure_origins`.
            ///
            /// ```
            /// let c = corsair::PolicyConfig::default().dangerously_allow_insecure_origins(true);
            /// assert_eq!(c.dangerously_allow_insecure_origins, Some(true));
            /// ```
            #[must_use]
            pub fn dangerously_allow_insecure_origins(mut self, allow: bool) -> Self {
                self.fields_mut().dangerously_allow_insecure_origins = Some(allow);
                self
            }

            /// Sets `dangerously_allow_public_suffix_wildcards`.
            ///
            /// ```
            /// let c = corsair::PolicyConfig::default().dangerously_allow_public_suffix_wildcards(true);
            /// assert_eq!(c.dangerously_allow_public_suffix_wildcards, Some(true));
            /// ```
            #[must_use]
            pub fn dangerously_allow_public_suffix_wildcards(mut self, allow: bool) -> Self {
                self.fields_mut().dangerously_allow_public_suffix_wildcards = Some(allow);
                self
            }

            /// Sets `dangerously_allow_unsafe_origin_regexes`: keeps origin regexes that
            /// corsair refuses with credentials (`unsafe-origin-regex`,
            /// `unprovable-origin-regex`). Each one kept is logged (`tracing`, warn) when the
            /// policy is built.
            ///
            /// ```
            /// let c = corsair::PolicyConfig::default().dangerously_allow_unsafe_origin_regexes(true);
            /// assert_eq!(c.dangerously_allow_unsafe_origin_regexes, Some(true));
            /// ```
            #[must_use]
            pub fn dangerously_allow_unsafe_origin_regexes(mut self, allow: bool) -> Self {
                self.fields_mut().dangerously_allow_unsafe_origin_regexes = Some(allow);
                self
            }

            /// Sets `enabled`.
            ///
            /// ```
            /// assert_eq!(corsair::RouteConfig::new("/x").enabled(false).policy.enabled, Some(false));
            /// ```
            #[must_use]
            pub fn enabled(mut self, enabled: bool) -> Self {
                self.fields_mut().enabled = Some(enabled);
                self
            }
        }
    };
}

policy_setters!(Config);
policy_setters!(RouteConfig);
policy_setters!(PolicyConfig);

impl PolicyConfig {
    fn fields_mut(&mut self) -> &mut PolicyConfig {
        self
    }
}

impl RouteConfig {
    fn fields_mut(&mut self) -> &mut PolicyConfig {
        &mut self.policy
    }
}

impl Config {
    fn fields_mut(&mut self) -> &mut PolicyConfig {
        &mut self.cors
    }
}

fn strings<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

#[cfg(all(test, feature = "toml"))]
mod tests {
    use super::*;
    use crate::error::Code;

    #[test]
    fn reads_every_field() {
        let config = Config::from_toml_str(
            r#"
            [cors]
            allow_origins = ["https://a.example"]
            allow_origin_regexes = ["https://b\\.example"]
            allow_methods = ["PUT"]
            allow_headers = ["x-a"]
            expose_headers = ["x-b"]
            allow_credentials = true
            max_age = 10
            allow_private_network = true
            preflight_status = 200
            debug = true
            dangerously_allow_null_origin = true
            dangerously_allow_insecure_origins = true
            dangerously_allow_public_suffix_wildcards = true
            dangerously_allow_unsafe_origin_regexes = true
            enabled = true

            [[routes]]
            path = "/p"
            enabled = false
            "#,
        )
        .unwrap();
        for field in PolicyConfig::FIELDS {
            assert!(config.cors.is_set(field), "{field}");
        }
        assert_eq!(config.routes[0].path, "/p");
        assert_eq!(config.routes[0].policy.enabled, Some(false));
    }

    #[test]
    fn reports_every_unknown_field_with_a_suggestion() {
        let err = Config::from_toml_str(
            "server2 = 1\n[cors]\nallow_origin = []\npath = '/x'\n[[routes]]\npath = '/a'\nmax_ages = 1\n",
        )
        .unwrap_err();
        let found: Vec<_> = err
            .errors()
            .map(|d| {
                (
                    d.code(),
                    d.field().to_owned(),
                    d.help().unwrap_or("").to_owned(),
                )
            })
            .collect();
        assert!(found.iter().all(|(c, _, _)| *c == Code::UnknownField));
        let fields: Vec<_> = found.iter().map(|(_, f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "cors.allow_origin",
                "cors.path",
                "routes[0].max_ages",
                "server2"
            ]
        );
        assert_eq!(found[0].2, "did you mean `allow_origins`?");
        assert_eq!(found[1].2, "`path` belongs in a [[routes]] entry");
        assert_eq!(found[2].2, "did you mean `max_age`?");
    }

    #[test]
    fn reports_syntax_and_type_errors() {
        let err = Config::from_toml_str("[cors\n").unwrap_err();
        assert_eq!(err.errors().next().unwrap().code(), Code::InvalidFile);
        let err =
            Config::from_toml_str("[cors]\nmax_age = -1\nallow_credentials = 'yes'\n").unwrap_err();
        let fields: Vec<_> = err.errors().map(|d| d.field()).collect();
        // The policy's own mistake (no origin at all) comes along.
        assert_eq!(
            fields,
            [
                "cors.allow_credentials",
                "cors.max_age",
                "cors.allow_origins"
            ]
        );
        let err = Config::from_toml_str("[[routes]]\nenabled = false\n").unwrap_err();
        assert_eq!(err.errors().next().unwrap().code(), Code::InvalidRoutePath);
    }

    #[test]
    fn syntax_errors_keep_the_toml_crate_layout() {
        let text = "[cors]\nallow_origins = [\"https://a.example\"]\n[[routes]\npath = '/x'\n";
        let err = Config::from_toml_str(text).unwrap_err();
        let d = err.errors().next().unwrap();
        assert_eq!((d.code(), d.field()), (Code::InvalidFile, ""));
        let lines: Vec<&str> = d.message().lines().collect();
        assert_eq!(lines[0], "TOML parse error at line 3, column 10");
        assert_eq!(lines[2], "3 | [[routes]");
        // The caret sits under the column named in the first line.
        assert_eq!(
            lines[3].find('^'),
            Some("3 | ".len() + 9),
            "{}",
            d.message()
        );
        assert!(!d.message().ends_with('\n'));
        // Displayed, every line of it is indented alike, so the caret stays in place.
        let shown = err.to_string();
        let shown: Vec<&str> = shown.lines().collect();
        assert_eq!(
            shown[1],
            "  error[invalid-file] : TOML parse error at line 3, column 10"
        );
        assert_eq!(shown[3], format!("    {}", lines[2]));
        assert_eq!(shown[4], format!("    {}", lines[3]));
    }

    /// Each wrong value, in a file, and the message it gets.
    #[test]
    fn wrong_types_are_described_in_plain_words() {
        let cases = [
            (
                "max_age = 'ten'",
                "cors.max_age",
                "`max_age` must be a whole number of seconds, not a string",
                None,
            ),
            (
                "max_age = '600'",
                "cors.max_age",
                "`max_age` must be a whole number of seconds, not a string",
                Some("write it without quotes: max_age = 600"),
            ),
            (
                "max_age = -1",
                "cors.max_age",
                "`max_age` must be a whole number of seconds, not a negative number (-1)",
                None,
            ),
            (
                "max_age = 1.5",
                "cors.max_age",
                "`max_age` must be a whole number of seconds, not a decimal number (1.5)",
                None,
            ),
            (
                "preflight_status = 70000",
                "cors.preflight_status",
                "`preflight_status` must be an HTTP status such as 204, not 70000: that number is too large",
                None,
            ),
            (
                "allow_credentials = 'yes'",
                "cors.allow_credentials",
                "`allow_credentials` must be true or false, not a string",
                None,
            ),
            (
                "allow_credentials = 'true'",
                "cors.allow_credentials",
                "`allow_credentials` must be true or false, not a string",
                Some("write it without quotes: allow_credentials = true"),
            ),
            (
                "debug = 1",
                "cors.debug",
                "`debug` must be true or false, not a whole number",
                None,
            ),
            (
                "allow_methods = 'PUT'",
                "cors.allow_methods",
                "`allow_methods` must be a list of strings, not a string",
                Some("write it in brackets: allow_methods = [\"PUT\"]"),
            ),
            (
                "allow_headers = true",
                "cors.allow_headers",
                "`allow_headers` must be a list of strings, not `true`",
                None,
            ),
            (
                "allow_methods = ['PUT', 7]",
                "cors.allow_methods[1]",
                "each entry of `allow_methods` must be a string, not a whole number",
                None,
            ),
            (
                "expose_headers = {}",
                "cors.expose_headers",
                "`expose_headers` must be a list of strings, not a table",
                None,
            ),
        ];
        for (line, field, message, help) in cases {
            let text = format!("[cors]\nallow_origins = ['https://a.example']\n{line}\n");
            let err = Config::from_toml_str(&text).unwrap_err();
            let found: Vec<_> = err
                .errors()
                .map(|d| (d.code(), d.field(), d.message(), d.help()))
                .collect();
            assert_eq!(found, [(Code::InvalidFile, field, message, help)], "{line}");
        }
        let err = Config::from_toml_str("[[routes]]\npath = 3\n[cors]\nallow_origins = ['*']")
            .unwrap_err();
        assert_eq!(
            err.errors().next().unwrap().message(),
            "`path` must be a string such as \"/api\", not a whole number"
        );
    }

    #[test]
    fn routes_override_and_origins_go_together() {
        let config = Config::default()
            .allow_origins(["https://a.example"])
            .allow_origin_predicate(|_| true)
            .max_age(5)
            .route(RouteConfig::new("/x").allow_origins(["*"]));
        let merged = config.effective_route_policy(&config.routes[0]);
        assert_eq!(merged.allow_origins.unwrap(), ["*"]);
        assert!(merged.origin_predicate.is_none());
        assert_eq!(merged.max_age, Some(5));
    }
}

#[cfg(all(test, feature = "serde"))]
mod serde_tests {
    use super::*;

    #[test]
    fn json_works_through_serde_and_refuses_unknown_fields() {
        let config: Config = serde_json::from_str(
            r#"{"cors": {"allow_origins": ["https://a.example"], "max_age": 60},
                "routes": [{"path": "/x", "enabled": false}]}"#,
        )
        .unwrap();
        assert_eq!(config.cors.max_age, Some(60));
        assert_eq!(config.routes[0].policy.enabled, Some(false));
        assert!(config.build().is_ok());
        for bad in [
            r#"{"cors": {"allow_origin": []}}"#,
            r#"{"routes": [{"path": "/x", "allow_metods": []}]}"#,
            r#"{"server": {}}"#,
        ] {
            let err = serde_json::from_str::<Config>(bad).unwrap_err().to_string();
            assert!(err.contains("unknown field"), "{bad}: {err}");
        }
    }
}
