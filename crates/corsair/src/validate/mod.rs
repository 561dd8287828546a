//! Validation: a declared policy ([`Config`]) checked whole, with every mistake
//! reported at once, and compiled into the [`Policy`] that answers requests.
//!
//! This module holds the entry points ([`Policy::new`], [`Policy::builder`],
//! [`Config::build`]) and the compilation of one effective policy into its [`Rules`];
//! the checks are in `origins` (allowed origins, regexes, predicate), `lists` (methods,
//! request headers, exposed headers) and `routes` (route paths); `file` reports the
//! mistakes of a policy file and of the policy it declares together.

#[cfg(feature = "toml")]
mod file;
mod lists;
mod origins;
mod presets;
mod routes;

use std::collections::HashSet;

use http::StatusCode;
use http::header::HeaderValue;

use crate::config::{Config, PolicyConfig, route_sets_origins};
use crate::decision::PolicyValue;
use crate::error::{Code, ConfigError, Diagnostics};
use crate::headers::AllowedHeaders;
use crate::method::{self, AllowedMethods};
use crate::policy::{MAX_AGE_CHROMIUM_CAP, MAX_AGE_LIMIT, Policy, Route};
use crate::rules::Rules;
use crate::vary::Vary;
use lists::{compile_allow_headers, compile_expose_headers, compile_methods, joined};
use origins::compile_origins;
use presets::check_presets;
use routes::{check_path_prefix, check_route_path};

/// `*`: any origin, method or header.
const ANY: HeaderValue = HeaderValue::from_static("*");

impl Policy {
    /// Starts declaring a policy: an empty [`Config`], whose setters
    /// methods set the `[cors]` fields and whose [`Config::build`] compiles it.
    ///
    /// ```
    /// let policy = corsair::Policy::builder().allow_origins(["https://app.example"]).build()?;
    /// assert!(policy.warnings().is_empty());
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn builder() -> Config {
        Config::default()
    }

    /// Checks a declared policy and compiles it. Every error and warning is reported at
    /// once in the [`ConfigError`]; on success the warnings stay available in
    /// [`Policy::warnings`].
    ///
    /// ```
    /// use corsair::{Code, Config, Policy};
    /// let err = Policy::new(Config::default().allow_origins(["*"]).allow_credentials(true)).unwrap_err();
    /// assert_eq!(err.errors().next().unwrap().code(), Code::WildcardOriginWithCredentials);
    /// ```
    pub fn new(config: Config) -> Result<Policy, ConfigError> {
        let mut diagnostics = Diagnostics::default();
        let root = compile(
            &config.cors,
            &|field| format!("cors.{field}"),
            &mut diagnostics,
        );
        let mut routes = Vec::with_capacity(config.routes.len());
        let mut prefixes = HashSet::new();
        for (i, route) in config.routes.iter().enumerate() {
            let prefix = check_route_path(&route.path, i, &mut diagnostics);
            if let Some(prefix) = &prefix {
                if !prefixes.insert(prefix.clone()) {
                    diagnostics.report(
                        Code::InvalidRoutePath,
                        &format!("routes[{i}].path"),
                        format!("route `{}` is declared twice", route.path),
                    );
                }
            }
            let merged = config.effective_route_policy(route);
            let own_origins = route_sets_origins(&route.policy);
            let source = |field: &str| {
                let origin_field = matches!(field, "allow_origins" | "allow_origin_regexes");
                if route.policy.is_set(field) || (origin_field && own_origins) {
                    format!("routes[{i}].{field}")
                } else {
                    format!("cors.{field}")
                }
            };
            let rules = compile(&merged, &source, &mut diagnostics);
            routes.push(Route {
                index: i,
                prefix: prefix.unwrap_or_default().into_boxed_str(),
                rules,
            });
        }
        if diagnostics.has_errors() {
            return Err(ConfigError::new(diagnostics.into_vec()));
        }
        Ok(Policy::compiled(root, routes, diagnostics.into_vec()))
    }
}

impl Config {
    /// Checks everything and compiles the policy; see [`Policy::new`].
    ///
    /// ```
    /// use corsair::{Config};
    /// assert!(Config::default().allow_origins(["https://a.example"]).build().is_ok());
    /// assert!(Config::default().build().is_err());
    /// ```
    pub fn build(self) -> Result<Policy, ConfigError> {
        Policy::new(self)
    }
}

/// Checks one effective policy and compiles it. `source` names a field as the user
/// wrote it (`cors.max_age`, `routes[1].max_age`). Returns `None` when the policy is
/// disabled (`enabled = false`) or has errors.
fn compile(
    config: &PolicyConfig,
    source: &dyn Fn(&str) -> String,
    diagnostics: &mut Diagnostics,
) -> Option<Rules> {
    let errors_before = diagnostics.errors_seen();
    check_presets(config.presets.as_deref(), &source("presets"), diagnostics);
    // Presets are ordinary entries of the lists from here on.
    let config = &config.expand_presets();
    let enabled = config.enabled.unwrap_or(true);
    let credentials = config.allow_credentials.unwrap_or(false);

    let origins = compile_origins(config, credentials, enabled, source, diagnostics);
    let methods = compile_methods(
        config.allow_methods.as_deref(),
        &source("allow_methods"),
        diagnostics,
    );
    let (headers, debug_allow_headers) = compile_allow_headers(
        config.allow_headers.as_deref(),
        &source("allow_headers"),
        diagnostics,
    );
    let expose_headers = compile_expose_headers(
        config.expose_headers.as_deref(),
        credentials,
        &source("expose_headers"),
        diagnostics,
    );

    let max_age = config.max_age.and_then(|seconds| {
        let field = source("max_age");
        if seconds > MAX_AGE_LIMIT {
            diagnostics.report_with_help(
                Code::MaxAgeTooLarge,
                &field,
                format!("max_age is {seconds}; the most is {MAX_AGE_LIMIT} seconds (a day)"),
                "Firefox caches a preflight for a day at most, Chromium for two hours: a longer cache would keep a revoked policy alive",
            );
            return None;
        }
        if seconds > MAX_AGE_CHROMIUM_CAP {
            diagnostics.report(
                Code::MaxAgeAboveBrowserCap,
                &field,
                format!("max_age is {seconds}; Chromium caches preflights for {MAX_AGE_CHROMIUM_CAP} seconds at most"),
            );
        }
        Some(HeaderValue::from(seconds))
    });

    let preflight_status = match config.preflight_status {
        None => StatusCode::NO_CONTENT,
        Some(code) => match StatusCode::from_u16(code) {
            Ok(status) if status.is_success() => status,
            _ => {
                diagnostics.report_with_help(
                    Code::InvalidPreflightStatus,
                    &source("preflight_status"),
                    format!("preflight_status is {code}; browsers accept only an ok status (200 to 299) for a preflight"),
                    "use 204 (the default) or 200",
                );
                StatusCode::NO_CONTENT
            }
        },
    };

    // The warning about unprotected writes only for a policy otherwise valid.
    let valid = diagnostics.errors_seen() == errors_before;
    let write_protection =
        compile_write_protection(config, credentials && valid, source, diagnostics);

    if !enabled || diagnostics.errors_seen() > errors_before {
        return None;
    }
    let origins = origins?;
    let private_network = config.allow_private_network.unwrap_or(false);
    if private_network && origins.is_any() {
        diagnostics.report_with_help(
            Code::WildcardPrivateNetwork,
            &source("allow_private_network"),
            "allow_private_network with any origin (`*`): every website may reach this private-network service from its visitors' browsers",
            "list the origins that need it",
        );
    }
    // Only where one table says both: a route of `*` under a protected `[cors]` is a
    // deliberate exception.
    let same_table = |a: String, b: String| {
        a.rsplit_once('.').map(|(t, _)| t.to_owned())
            == b.rsplit_once('.').map(|(t, _)| t.to_owned())
    };
    if write_protection.is_some()
        && origins.is_any()
        && same_table(source("cross_origin_protection"), source("allow_origins"))
    {
        diagnostics.report(
            Code::UnusedOption,
            &source("cross_origin_protection"),
            "cross_origin_protection with any origin (`*`): every origin is allowed, so every origin may write",
        );
    }
    let static_any = origins.is_any() && !credentials;
    let mut preflight_vary = Vary::ORIGIN
        .union(Vary::REQUEST_METHOD)
        .union(Vary::REQUEST_HEADERS);
    if private_network {
        preflight_vary = preflight_vary.union(Vary::REQUEST_PRIVATE_NETWORK);
    }
    let wildcard_allow_headers = match headers {
        AllowedHeaders::Any {
            authorization: true,
        } => HeaderValue::from_static("*,authorization"),
        _ => ANY,
    };
    let debug_allow_methods = match &methods {
        AllowedMethods::Any => ANY,
        AllowedMethods::List(list) => joined(
            ["GET", "HEAD", "POST"].into_iter().chain(
                list.iter()
                    .map(|m| &**m)
                    .filter(|m| !method::is_safelisted(m.as_bytes())),
            ),
        )
        .unwrap_or(ANY),
    };
    Some(Rules {
        origins,
        methods,
        headers,
        credentials,
        static_any,
        any: PolicyValue::new(ANY),
        expose_headers: expose_headers.map(PolicyValue::new),
        max_age: max_age.map(PolicyValue::new),
        private_network,
        preflight_status,
        debug: config.debug.unwrap_or(false),
        preflight_vary,
        wildcard_allow_headers: PolicyValue::new(wildcard_allow_headers),
        debug_allow_methods: PolicyValue::new(debug_allow_methods),
        debug_allow_headers: debug_allow_headers.map(PolicyValue::new),
        write_protection,
    })
}

/// Checks `cross_origin_protection` and its exempt paths: the exempt prefixes when it is
/// on, `None` when it is off. `credentials`: warn when writes are not protected.
fn compile_write_protection(
    config: &PolicyConfig,
    credentials: bool,
    source: &dyn Fn(&str) -> String,
    diagnostics: &mut Diagnostics,
) -> Option<Box<[Box<str>]>> {
    let on = config.cross_origin_protection.unwrap_or(false);
    let exempt = config.cross_origin_protection_exempt_paths.as_deref();
    let field = source("cross_origin_protection_exempt_paths");
    if !on {
        if exempt.is_some_and(|paths| !paths.is_empty()) {
            diagnostics.report(
                Code::UnusedOption,
                &field,
                "cross_origin_protection_exempt_paths has no effect without cross_origin_protection = true",
            );
        }
        if credentials && config.enabled.unwrap_or(true) {
            diagnostics.report_with_help(
                Code::UnprotectedWrites,
                &source("allow_credentials"),
                "credentials are allowed, but writes are not protected: a form or a `text/plain` fetch from any site reaches the application with its users' cookies (CORS only decides what scripts may read)",
                "set cross_origin_protection = true: the origins this policy allows keep writing, and other sites' cross-origin writes get 403",
            );
        }
        return None;
    }
    let prefixes = exempt
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, path)| {
            check_path_prefix(
                path,
                &format!("{field}[{i}]"),
                Code::InvalidExemptPath,
                diagnostics,
            )
        })
        .map(String::into_boxed_str)
        .collect();
    Some(prefixes)
}
