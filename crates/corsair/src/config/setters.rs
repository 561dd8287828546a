//! The builder methods of the policy fields, shared by [`Config`], [`RouteConfig`] and
//! [`PolicyConfig`].

use std::sync::Arc;

use super::{Config, PolicyConfig, RouteConfig};
use crate::origin::{OriginPredicate, OriginRef};

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

            /// Sets `cross_origin_protection`: refuse with 403 an unsafe-method request
            /// that the browser marks as cross-origin, from an origin this policy does not
            /// allow, before the application sees it.
            ///
            /// ```
            /// let c = corsair::PolicyConfig::default().cross_origin_protection(true);
            /// assert_eq!(c.cross_origin_protection, Some(true));
            /// ```
            #[must_use]
            pub fn cross_origin_protection(mut self, protect: bool) -> Self {
                self.fields_mut().cross_origin_protection = Some(protect);
                self
            }

            /// Sets `cross_origin_protection_exempt_paths`: path prefixes (whole
            /// segments) that cross-origin write protection leaves alone.
            ///
            /// ```
            /// let c = corsair::PolicyConfig::default().cross_origin_protection_exempt_paths(["/hooks"]);
            /// assert_eq!(c.cross_origin_protection_exempt_paths.unwrap(), ["/hooks"]);
            /// ```
            #[must_use]
            pub fn cross_origin_protection_exempt_paths<I, S>(mut self, paths: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.fields_mut().cross_origin_protection_exempt_paths = Some(strings(paths));
                self
            }

            /// Sets `presets`, by name (`"grpc-web"`, `"connect"`, `"mcp"`, `"tus"`): a name
            /// that is no preset is reported when the policy is built.
            ///
            /// ```
            /// let c = corsair::PolicyConfig::default().presets(["grpc-web", "connect"]);
            /// assert_eq!(c.presets.unwrap(), ["grpc-web", "connect"]);
            /// ```
            #[must_use]
            pub fn presets<I, S>(mut self, presets: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.fields_mut().presets = Some(strings(presets));
                self
            }

            /// Adds one preset to `presets`.
            ///
            /// ```
            /// use corsair::Preset;
            /// let policy = corsair::Policy::builder()
            ///     .allow_origins(["https://app.example"])
            ///     .preset(Preset::GrpcWeb)
            ///     .build()?;
            /// # let _ = policy;
            /// # Ok::<(), corsair::ConfigError>(())
            /// ```
            #[must_use]
            pub fn preset(mut self, preset: crate::Preset) -> Self {
                self.fields_mut()
                    .presets
                    .get_or_insert_with(Vec::new)
                    .push(preset.name().to_owned());
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
