//! The compiled origin matcher.
//!
//! Exact hosts and `*.` domains live in hash maps per scheme, so the cost of a match
//! does not grow with the number of allowed origins: the host is hashed once, from
//! right to left, and each parent domain a `*.` pattern could name is looked up with
//! the hash of its suffix, read on the way (at most as many lookups as the deepest
//! `*.` pattern has labels). Regular expressions, when configured, run as one
//! [`regex::RegexSet`] (linear time in the origin's length).
//!
//! In front of it, the exact-origin fast path: the allowed exact origins, serialized
//! as a browser serializes them, compared byte for byte with the request's `Origin`.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::{HostPattern, OriginPattern, OriginRef, PortPattern, RequestOrigin, TupleOrigin};

/// A user-supplied origin check, the library's escape hatch.
#[derive(Clone)]
pub(crate) struct OriginPredicate(pub(crate) Arc<dyn Fn(&OriginRef<'_>) -> bool + Send + Sync>);

impl fmt::Debug for OriginPredicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OriginPredicate(..)")
    }
}

#[derive(Clone, Debug, Default)]
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

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// One step of FNV-1a. The host maps are keyed by the FNV-1a hash of the host read
/// from right to left, so that walking a request's host once from its end gives the
/// hash of every parent domain on the way.
///
/// The keys are hosts of the policy, fixed when it is built, and a request can only
/// look them up, never insert, so a keyed (SipHash) hasher would buy nothing against
/// flooding; FNV-1a costs a fraction of it on short hosts (measured in BENCHMARKS.md).
fn fnv_step(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
}

fn reverse_hash(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(FNV_OFFSET, |h, &b| fnv_step(h, b))
}

/// A hasher for keys that are already hashes.
#[derive(Clone, Copy, Debug, Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = fnv_step(self.0, b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Hosts (or `*.` domains) by the hash of their bytes read from right to left; the
/// hosts are compared byte for byte, so a collision costs a comparison, never a
/// wrong answer.
#[derive(Debug, Default)]
struct HostMap(HashMap<u64, Bucket, BuildHasherDefault<Prehashed>>);

/// The hosts of one hash, with their ports.
type Bucket = Vec<(Box<[u8]>, PortSet)>;

impl HostMap {
    fn entry(&mut self, host: &str) -> &mut PortSet {
        let bucket = self.0.entry(reverse_hash(host.as_bytes())).or_default();
        match bucket.iter().position(|(h, _)| **h == *host.as_bytes()) {
            Some(i) => &mut bucket[i].1,
            None => {
                bucket.push((host.as_bytes().into(), PortSet::default()));
                let last = bucket.len() - 1;
                &mut bucket[last].1
            }
        }
    }

    /// Whether `host`, whose reverse hash is `hash`, is in the map with `port`.
    fn contains(&self, hash: u64, host: &[u8], port: Option<u16>) -> bool {
        self.0.get(&hash).is_some_and(|bucket| {
            bucket
                .iter()
                .any(|(h, ports)| **h == *host && ports.contains(port))
        })
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Default)]
struct SchemeTable {
    hosts: HostMap,
    subdomains_of: HostMap,
}

/// A word-at-a-time hash for the exact-origin set: its keys are fixed by the policy
/// (see [`fnv_step`] on flooding).
#[derive(Clone, Copy, Debug)]
struct WordHasher(u64);

impl Default for WordHasher {
    fn default() -> Self {
        WordHasher(FNV_OFFSET)
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.0 = (self.0 ^ u64::from_le_bytes(word))
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .rotate_left(23);
        }
        for &b in chunks.remainder() {
            self.0 = fnv_step(self.0, b);
        }
    }

    fn finish(&self) -> u64 {
        // A final mix, so that the low bits (the bucket) depend on every byte.
        let h = self.0 ^ (self.0 >> 29);
        h.wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (h >> 32)
    }
}

/// The exact allowed origins, serialized: compared directly when there are a few,
/// hashed otherwise.
#[derive(Debug, Default)]
enum ExactOrigins {
    #[default]
    None,
    Few(Vec<Box<[u8]>>),
    Many(HashSet<Box<[u8]>, BuildHasherDefault<WordHasher>>),
}

/// Up to this many exact origins, a direct comparison beats hashing.
const FEW: usize = 4;

impl ExactOrigins {
    fn contains(&self, origin: &[u8]) -> bool {
        match self {
            ExactOrigins::None => false,
            ExactOrigins::Few(list) => list.iter().any(|o| **o == *origin),
            ExactOrigins::Many(set) => set.contains(origin),
        }
    }
}

/// Everything `allow_origins`, `allow_origin_regexes` and a predicate allow.
#[derive(Debug, Default)]
pub(crate) struct OriginMatcher {
    any: bool,
    null: bool,
    schemes: Vec<(Box<[u8]>, SchemeTable)>,
    /// The most labels a `*.` pattern's domain has: how many parent domains to try.
    max_domain_labels: usize,
    #[cfg(feature = "regex")]
    regexes: Option<regex::RegexSet>,
    predicate: Option<OriginPredicate>,
    /// The exact origins with a fixed port, serialized; see [`OriginMatcher::finish`].
    candidates: Vec<String>,
    exact: ExactOrigins,
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
            .position(|(scheme, _)| **scheme == *pattern.scheme.as_bytes())
        {
            Some(i) => &mut self.schemes[i].1,
            None => {
                self.schemes
                    .push((pattern.scheme.as_bytes().into(), SchemeTable::default()));
                let last = self.schemes.len() - 1;
                &mut self.schemes[last].1
            }
        };
        let (map, host) = match &pattern.host {
            HostPattern::Exact(h) => {
                match pattern.port {
                    PortPattern::Default => {
                        self.candidates.push(format!("{}://{h}", pattern.scheme))
                    }
                    PortPattern::Exact(p) => self
                        .candidates
                        .push(format!("{}://{h}:{p}", pattern.scheme)),
                    PortPattern::Any => {}
                }
                (&mut table.hosts, h)
            }
            HostPattern::Subdomains(d) => {
                self.max_domain_labels = self.max_domain_labels.max(d.split('.').count());
                (&mut table.subdomains_of, d)
            }
        };
        map.entry(host).insert(pattern.port);
    }

    #[cfg(feature = "regex")]
    pub(crate) fn set_regexes(&mut self, set: regex::RegexSet) {
        self.regexes = Some(set);
    }

    pub(crate) fn set_predicate(&mut self, predicate: OriginPredicate) {
        self.predicate = Some(predicate);
    }

    /// Builds the exact-origin fast path, once everything is inserted.
    ///
    /// A candidate is kept only if the strict request parser accepts its bytes and the
    /// full matcher allows them. Then a request whose `Origin` is byte for byte equal
    /// to it would parse to the same scheme, host and port and be allowed the same
    /// way: the comparison gives the answer of the slow path without running it. (The
    /// Fetch Standard serializes an origin one way only, `scheme "://" host [":"
    /// port]`, lowercase, without the default port, so a browser's `Origin` for an
    /// allowed exact origin is exactly these bytes.) Anything else, `null`, patterns
    /// and regexes included, still goes through the parser and the full match, which
    /// also give the reason of a rejection.
    pub(crate) fn finish(&mut self) {
        let mut exact: Vec<Box<[u8]>> = Vec::new();
        for candidate in std::mem::take(&mut self.candidates) {
            let bytes = candidate.as_bytes();
            let verified = RequestOrigin::parse(bytes)
                .is_some_and(|o| matches!(o, RequestOrigin::Tuple(_)) && self.allows(&o));
            if verified && !exact.iter().any(|e| **e == *bytes) {
                exact.push(bytes.into());
            }
        }
        self.exact = match exact.len() {
            0 => ExactOrigins::None,
            n if n <= FEW => ExactOrigins::Few(exact),
            _ => ExactOrigins::Many(exact.into_iter().collect()),
        };
    }

    /// The fast path: whether the raw `Origin` value is one of the allowed exact
    /// origins, byte for byte. `false` says nothing: the caller parses and matches.
    pub(crate) fn allows_exactly(&self, origin: &[u8]) -> bool {
        self.exact.contains(origin)
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
                    || self
                        .predicate
                        .as_ref()
                        .is_some_and(|p| origin.origin_ref().is_some_and(|o| (p.0)(&o)))
            }
        }
    }

    fn allows_by_pattern(&self, origin: &TupleOrigin<'_>) -> bool {
        let scheme = origin.scheme();
        let Some((_, table)) = self.schemes.iter().find(|(s, _)| **s == *scheme) else {
            return false;
        };
        let host = origin.host();
        let port = origin.port;
        if table.subdomains_of.is_empty() {
            return table.hosts.contains(reverse_hash(host), host, port);
        }
        // One pass from the end of the host: at each dot, `hash` is the hash of the
        // parent domain after it (`com`, `example.com`, ...), nearest the root first.
        // Each candidate has a non-empty label in front of it, as `*.` requires.
        let mut hash = FNV_OFFSET;
        let mut labels = 0;
        for (i, &b) in host.iter().enumerate().rev() {
            if b == b'.' && labels < self.max_domain_labels {
                labels += 1;
                if table.subdomains_of.contains(hash, &host[i + 1..], port) {
                    return true;
                }
            }
            hash = fnv_step(hash, b);
        }
        table.hosts.contains(hash, host, port)
    }

    #[cfg(feature = "regex")]
    fn allows_by_regex(&self, origin: &TupleOrigin<'_>) -> bool {
        self.regexes.as_ref().is_some_and(|set| {
            std::str::from_utf8(origin.bytes).is_ok_and(|text| set.is_match(text))
        })
    }

    #[cfg(not(feature = "regex"))]
    fn allows_by_regex(&self, _origin: &TupleOrigin<'_>) -> bool {
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
        m.finish();
        m
    }

    fn allows(m: &OriginMatcher, origin: &str) -> bool {
        let parsed = RequestOrigin::parse(origin.as_bytes()).unwrap();
        m.allows(&parsed)
    }

    /// The fast path never says yes where the parser and the full match say no, and
    /// says yes for every exact origin the policy lists.
    #[test]
    fn fast_path_agrees_with_the_slow_path() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};

        let policies: [&[&str]; 5] = [
            &["https://example.com"],
            &[
                "https://example.com",
                "http://localhost:8080",
                "https://a.example:8443",
            ],
            &[
                "https://a.example",
                "https://b.example",
                "https://c.example",
                "https://d.example",
                "https://e.example",
                "http://[::1]:3000",
            ],
            &[
                "https://*.example.com",
                "https://example.com",
                "http://localhost:*",
                "null",
            ],
            &[
                "https://example.com.",
                "ws://x:81",
                "chrome-extension://abcdefgh",
            ],
        ];
        let origin = (
            prop::sample::select(vec![
                "https://",
                "http://",
                "HTTPS://",
                "ws://",
                "https:/",
                "chrome-extension://",
                "",
            ]),
            prop::sample::select(vec![
                "example.com",
                "Example.com",
                "a.example",
                "e.example",
                "localhost",
                "[::1]",
                "x",
                "a.example.com",
                "example.com.",
                "abcdefgh",
                "null",
                "",
            ]),
            prop::sample::select(vec![
                "", ":8080", ":8443", ":3000", ":443", ":80", ":81", ":0", ":", "/", " ", "\r", ".",
            ]),
        )
            .prop_map(|(a, b, c)| format!("{a}{b}{c}"));
        let mut runner = TestRunner::new(Config {
            cases: 2000,
            ..Config::default()
        });
        for entries in policies {
            let m = matcher(entries);
            for e in entries {
                if !e.contains('*') && *e != "null" {
                    assert!(m.allows_exactly(e.as_bytes()), "{e}");
                }
            }
            runner
                .run(&origin, |o| {
                    let slow = RequestOrigin::parse(o.as_bytes()).is_some_and(|p| m.allows(&p));
                    prop_assert!(
                        !m.allows_exactly(o.as_bytes()) || slow,
                        "{o:?} under {entries:?}"
                    );
                    Ok(())
                })
                .unwrap();
        }
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
