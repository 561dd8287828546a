//! The compiled origin matcher.
//!
//! Exact hosts and `*.` domains live in hash maps per scheme, so the cost of a match
//! does not grow with the number of allowed origins: one lookup for the exact host,
//! then one per candidate parent domain, and there are at most as many candidates as
//! the deepest `*.` pattern has labels. Regular expressions, when configured, run as
//! one [`regex::RegexSet`] (linear time in the origin's length).

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::{HostPattern, OriginPattern, OriginRef, PortPattern, RequestOrigin};

/// A user-supplied origin check, the library's escape hatch.
#[derive(Clone)]
pub(crate) struct OriginPredicate(pub(crate) Arc<dyn Fn(&OriginRef<'_>) -> bool + Send + Sync>);

impl fmt::Debug for OriginPredicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OriginPredicate(..)")
    }
}

#[derive(Debug, Default)]
struct PortSet {
    any: bool,
    /// `None` is the origin without a port.
    ports: Vec<Option<u16>>,
}

impl PortSet {
    fn insert(&mut self, port: PortPattern) {
        match port {
            PortPattern::Any => self.any = true,
            PortPattern::Default => self.ports.push(None),
            PortPattern::Exact(p) => self.ports.push(Some(p)),
        }
    }

    fn contains(&self, port: Option<u16>) -> bool {
        self.any || self.ports.contains(&port)
    }
}

/// FNV-1a: the keys are hosts of the policy, fixed when it is built, and a request can
/// only look them up, never insert, so a keyed (SipHash) hasher buys nothing against
/// flooding; FNV-1a costs a fraction of it on short hosts (measured in BENCHMARKS.md).
#[derive(Clone, Copy, Debug)]
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type HostMap = HashMap<Box<str>, PortSet, BuildHasherDefault<Fnv1a>>;

#[derive(Debug, Default)]
struct SchemeTable {
    hosts: HostMap,
    subdomains_of: HostMap,
}

/// Everything `allow_origins`, `allow_origin_regexes` and a predicate allow.
#[derive(Debug, Default)]
pub(crate) struct OriginMatcher {
    any: bool,
    null: bool,
    schemes: Vec<(Box<str>, SchemeTable)>,
    /// The most labels a `*.` pattern's domain has: how many parent domains to try.
    max_domain_labels: usize,
    #[cfg(feature = "regex")]
    regexes: Option<regex::RegexSet>,
    predicate: Option<OriginPredicate>,
}

impl OriginMatcher {
    pub(crate) fn allow_any(&mut self) {
        self.any = true;
    }

    pub(crate) fn allow_null(&mut self) {
        self.null = true;
    }

    pub(crate) fn insert(&mut self, pattern: &OriginPattern) {
        let table = match self
            .schemes
            .iter_mut()
            .position(|(scheme, _)| **scheme == *pattern.scheme)
        {
            Some(i) => &mut self.schemes[i].1,
            None => {
                self.schemes.push((
                    pattern.scheme.clone().into_boxed_str(),
                    SchemeTable::default(),
                ));
                let last = self.schemes.len() - 1;
                &mut self.schemes[last].1
            }
        };
        let (map, host) = match &pattern.host {
            HostPattern::Exact(h) => (&mut table.hosts, h),
            HostPattern::Subdomains(d) => {
                self.max_domain_labels = self.max_domain_labels.max(d.split('.').count());
                (&mut table.subdomains_of, d)
            }
        };
        map.entry(host.clone().into_boxed_str())
            .or_default()
            .insert(pattern.port);
    }

    #[cfg(feature = "regex")]
    pub(crate) fn set_regexes(&mut self, set: regex::RegexSet) {
        self.regexes = Some(set);
    }

    pub(crate) fn set_predicate(&mut self, predicate: OriginPredicate) {
        self.predicate = Some(predicate);
    }

    /// Whether the matcher allows every origin (`*`).
    pub(crate) fn is_any(&self) -> bool {
        self.any
    }

    /// Whether nothing at all is allowed.
    pub(crate) fn is_empty(&self) -> bool {
        let no_regexes = {
            #[cfg(feature = "regex")]
            {
                self.regexes.is_none()
            }
            #[cfg(not(feature = "regex"))]
            {
                true
            }
        };
        !self.any && !self.null && self.schemes.is_empty() && no_regexes && self.predicate.is_none()
    }

    /// Whether the request's (well-formed) origin is allowed.
    pub(crate) fn allows(&self, origin: &RequestOrigin<'_>) -> bool {
        if self.any {
            return true;
        }
        match origin {
            RequestOrigin::Null => self.null,
            RequestOrigin::Tuple(origin) => {
                self.allows_by_pattern(origin)
                    || self.allows_by_regex(origin)
                    || self.predicate.as_ref().is_some_and(|p| (p.0)(origin))
            }
        }
    }

    fn allows_by_pattern(&self, origin: &OriginRef<'_>) -> bool {
        let Some((_, table)) = self
            .schemes
            .iter()
            .find(|(scheme, _)| **scheme == *origin.scheme())
        else {
            return false;
        };
        let host = origin.host();
        if table
            .hosts
            .get(host)
            .is_some_and(|p| p.contains(origin.port()))
        {
            return true;
        }
        if table.subdomains_of.is_empty() {
            return false;
        }
        // Try the parent domains, nearest the root first: `com`, `example.com`, ...
        // Each candidate has a non-empty label in front of it, as `*.` requires.
        let bytes = host.as_bytes();
        let mut labels = 0;
        for (i, _) in bytes.iter().enumerate().rev().filter(|&(_, &b)| b == b'.') {
            labels += 1;
            if labels > self.max_domain_labels {
                break;
            }
            let parent = &host[i + 1..];
            if table
                .subdomains_of
                .get(parent)
                .is_some_and(|p| p.contains(origin.port()))
            {
                return true;
            }
        }
        false
    }

    #[cfg(feature = "regex")]
    fn allows_by_regex(&self, origin: &OriginRef<'_>) -> bool {
        self.regexes
            .as_ref()
            .is_some_and(|set| set.is_match(origin.as_str()))
    }

    #[cfg(not(feature = "regex"))]
    fn allows_by_regex(&self, _origin: &OriginRef<'_>) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::origin::{AllowedOrigin, parse_allowed};

    fn matcher(entries: &[&str]) -> OriginMatcher {
        let mut m = OriginMatcher::default();
        for e in entries {
            match parse_allowed(e).unwrap() {
                AllowedOrigin::Any => m.allow_any(),
                AllowedOrigin::Null => m.allow_null(),
                AllowedOrigin::Pattern(p) => m.insert(&p),
            }
        }
        m
    }

    fn allows(m: &OriginMatcher, origin: &str) -> bool {
        let parsed = RequestOrigin::parse(origin.as_bytes()).unwrap();
        m.allows(&parsed)
    }

    #[test]
    fn exact_origins() {
        let m = matcher(&["https://example.com", "http://localhost:8080"]);
        assert!(allows(&m, "https://example.com"));
        assert!(allows(&m, "http://localhost:8080"));
        assert!(!allows(&m, "http://example.com"));
        assert!(!allows(&m, "https://example.com:8443"));
        assert!(!allows(&m, "https://example.com.evil.net"));
        assert!(!allows(&m, "https://evilexample.com"));
        assert!(!allows(&m, "https://a.example.com"));
        assert!(!allows(&m, "http://localhost"));
        assert!(!allows(&m, "http://localhost:8081"));
        assert!(!allows(&m, "null"));
    }

    #[test]
    fn subdomain_patterns_need_one_or_more_labels() {
        let m = matcher(&["https://*.example.com"]);
        assert!(allows(&m, "https://a.example.com"));
        assert!(allows(&m, "https://a.b.example.com"));
        assert!(!allows(&m, "https://example.com"));
        assert!(!allows(&m, "https://aexample.com"));
        assert!(!allows(&m, "https://a.example.com:8443"));
        assert!(!allows(&m, "http://a.example.com"));
        assert!(!allows(&m, "https://a.example.com.evil.net"));
    }

    #[test]
    fn port_wildcards() {
        let m = matcher(&["http://localhost:*", "https://*.dev.example:*"]);
        assert!(allows(&m, "http://localhost"));
        assert!(allows(&m, "http://localhost:3000"));
        assert!(!allows(&m, "https://localhost:3000"));
        assert!(allows(&m, "https://x.dev.example:9"));
        assert!(allows(&m, "https://x.dev.example"));
        assert!(!allows(&m, "https://dev.example"));
    }

    #[test]
    fn any_and_null() {
        assert!(allows(&matcher(&["*"]), "https://anything.example"));
        assert!(allows(&matcher(&["*"]), "null"));
        assert!(allows(&matcher(&["null"]), "null"));
        assert!(!allows(&matcher(&["https://a.example"]), "null"));
    }

    #[test]
    fn predicate_combines_with_lists() {
        let mut m = matcher(&["https://a.example"]);
        m.set_predicate(OriginPredicate(Arc::new(|o: &OriginRef<'_>| {
            o.host().ends_with(".tenant.example")
        })));
        assert!(allows(&m, "https://a.example"));
        assert!(allows(&m, "https://x.tenant.example"));
        assert!(!allows(&m, "https://b.example"));
    }
}
