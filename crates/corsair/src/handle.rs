//! Reconfiguration at run time: a handle that swaps the policy atomically.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::config::Config;
use crate::error::{ConfigError, Diagnostic};
use crate::policy::Policy;

/// A shared, swappable [`Policy`].
///
/// Every clone sees the same policy. [`PolicyHandle::reconfigure`] builds the new policy
/// first and swaps it in only when it is valid, so requests always see either the old
/// policy or the new one, whole; requests already being answered keep the policy they
/// started with.
///
/// ```
/// use corsair::{Config, Policy, PolicyHandle};
///
/// let handle = PolicyHandle::new(Policy::builder().allow_origins(["https://a.example"]).build()?);
/// // An invalid policy is refused whole, and the old one stays.
/// assert!(handle.reconfigure(Config::default().allow_origins(["*"]).allow_credentials(true)).is_err());
/// // A valid one replaces it.
/// handle.reconfigure(Config::default().allow_origins(["https://b.example"]))?;
/// # Ok::<(), corsair::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct PolicyHandle {
    current: Arc<ArcSwap<Policy>>,
}

impl PolicyHandle {
    /// A handle that starts with `policy`.
    ///
    /// ```
    /// let handle = corsair::PolicyHandle::new(corsair::Policy::builder().allow_origins(["*"]).build()?);
    /// # let _ = handle;
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn new(policy: Policy) -> Self {
        PolicyHandle {
            current: Arc::new(ArcSwap::from_pointee(policy)),
        }
    }

    /// The current policy. Cheap (no lock, no allocation); hold it only as long as one
    /// request needs it.
    ///
    /// ```
    /// let handle = corsair::PolicyHandle::new(corsair::Policy::builder().allow_origins(["*"]).build()?);
    /// let policy = handle.load();
    /// assert!(policy.warnings().is_empty());
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn load(&self) -> arc_swap::Guard<Arc<Policy>> {
        self.current.load()
    }

    /// Replaces the policy with one already built.
    ///
    /// ```
    /// let handle = corsair::PolicyHandle::new(corsair::Policy::builder().allow_origins(["*"]).build()?);
    /// handle.store(corsair::Policy::builder().allow_origins(["https://a.example"]).build()?);
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn store(&self, policy: Policy) {
        self.current.store(Arc::new(policy));
    }

    /// Builds a policy from `config` and, if it is valid, swaps it in, returning its
    /// warnings. If it is not, nothing changes and every problem is returned.
    ///
    /// ```
    /// use corsair::{Config};
    /// let handle = corsair::PolicyHandle::new(corsair::Policy::builder().allow_origins(["*"]).build()?);
    /// let warnings = handle.reconfigure(Config::default().allow_origins(["*"]).max_age(9000))?;
    /// assert_eq!(warnings.len(), 1);
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    pub fn reconfigure(&self, config: Config) -> Result<Vec<Diagnostic>, ConfigError> {
        let policy = Policy::new(config)?;
        let warnings = policy.warnings().to_vec();
        self.store(policy);
        Ok(warnings)
    }
}

impl From<Policy> for PolicyHandle {
    fn from(policy: Policy) -> Self {
        PolicyHandle::new(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue, Method};

    #[test]
    fn readers_see_the_old_or_the_new_policy_whole() {
        // Policy A refuses PUT; policy B allows it with max-age 20. A reader must never
        // see a mix (PUT allowed with A's max-age 10).
        let a = || {
            Config::default()
                .allow_origins(["https://a.example"])
                .max_age(10)
        };
        let b = || {
            Config::default()
                .allow_origins(["https://a.example"])
                .allow_methods(["PUT"])
                .max_age(20)
        };
        let handle = PolicyHandle::new(a().build().unwrap());
        let mut request = HeaderMap::new();
        request.insert("origin", HeaderValue::from_static("https://a.example"));
        request.insert(
            "access-control-request-method",
            HeaderValue::from_static("PUT"),
        );
        let reader = {
            let handle = handle.clone();
            let request = request.clone();
            std::thread::spawn(move || {
                let (mut allowed, mut refused) = (0, 0);
                for _ in 0..5000 {
                    let policy = handle.load();
                    let decision = policy.decide(&Method::OPTIONS, "/", &request);
                    let max_age = decision
                        .headers()
                        .iter()
                        .find(|(n, _)| n == "access-control-max-age")
                        .map(|(_, v)| v);
                    if decision.allowed() {
                        assert_eq!(max_age, Some(HeaderValue::from_static("20")));
                        allowed += 1;
                    } else {
                        assert_eq!(max_age, None);
                        refused += 1;
                    }
                }
                (allowed, refused)
            })
        };
        for i in 0..500 {
            let next = if i % 2 == 0 { b() } else { a() };
            handle.reconfigure(next).unwrap();
            // Invalid ones never land.
            assert!(handle.reconfigure(b().allow_origins(["nope"])).is_err());
        }
        let (allowed, refused) = reader.join().unwrap();
        assert_eq!(allowed + refused, 5000);
        // The last valid policy is A: PUT refused.
        assert!(
            !handle
                .load()
                .decide(&Method::OPTIONS, "/", &request)
                .allowed()
        );
    }
}
