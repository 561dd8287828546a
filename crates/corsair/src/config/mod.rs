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

use crate::origin::OriginPredicate;

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
    /// Presets for the protocols whose browser clients need more than the safelisted
    /// methods and headers: `"grpc-web"`, `"connect"`, `"mcp"`, `"tus"` (see
    /// [`Preset`](crate::Preset)). Their methods and headers are merged into
    /// `allow_methods`, `allow_headers` and `expose_headers`. Default: none.
    presets: Vec<String>,
    /// Cross-origin write protection: refuse with 403, before the application sees it,
    /// an unsafe-method request (not `GET`, `HEAD`, `OPTIONS`) that the browser marks as
    /// cross-origin (`Sec-Fetch-Site`, or an `Origin` that is not the `Host`), unless
    /// its origin is allowed by this policy. CORS only decides what scripts may read: a
    /// form or a `text/plain` `fetch` reaches the application from any site without it.
    /// Default: false.
    cross_origin_protection: bool,
    /// Paths that cross-origin write protection leaves alone (webhooks called by other
    /// sites' servers do not need it, but browsers' forms might): whole-segment
    /// prefixes, as route paths.
    cross_origin_protection_exempt_paths: Vec<String>,
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

    /// The fields in effect under a route: the route's fields laid over `[cors]` (the
    /// origin fields replaced together). Presets are not expanded yet (see
    /// [`PolicyConfig::expand_presets`]).
    ///
    /// ```
    /// use corsair::{Config, RouteConfig};
    /// let config = Config::default()
    ///     .allow_origins(["https://app.example"])
    ///     .max_age(600)
    ///     .route(RouteConfig::new("/public").allow_origins(["*"]));
    /// let public = config.effective_route_policy(&config.routes[0]);
    /// assert_eq!(public.allow_origins.unwrap(), ["*"]);
    /// assert_eq!(public.max_age, Some(600));
    /// ```
    pub fn effective_route_policy(&self, route: &RouteConfig) -> PolicyConfig {
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

#[cfg(feature = "toml")]
mod file;
mod setters;

#[cfg(feature = "toml")]
use file::{FileValue, describe_value, report_unknown};

#[cfg(all(test, feature = "toml"))]
mod tests;

#[cfg(all(test, feature = "serde"))]
mod serde_tests;
