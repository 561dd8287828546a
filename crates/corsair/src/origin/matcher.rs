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

const SEED: u64 = 0xcbf2_9ce4_8422_2325;
const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

/// A hash of a host (or of a whole origin), eight bytes at a time.
///
/// The keys are hosts of the policy, fixed when it is built, and a request can only
/// look them up, never insert, so a keyed (SipHash) hasher would buy nothing against
/// flooding, and the keys are compared byte for byte after the hash, so a collision
/// costs a comparison, never a wrong answer. Its gain was measured only together with
/// the one-pass origin parser (round `5cd7aca` in docs/perf/library.md), not alone.
fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = SEED ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(MULTIPLIER)
            .rotate_left(23);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        // The last eight bytes (overlapping the last chunk), or the few there are.
        let mut word = [0u8; 8];
        match bytes.len().checked_sub(8) {
            Some(start) => word.copy_from_slice(&bytes[start..]),
            None => {
                for (w, &b) in word.iter_mut().zip(tail) {
                    *w = b;
                }
            }
        }
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(MULTIPLIER)
            .rotate_left(23);
    }
    // A final mix, so that the low bits (the bucket) depend on every byte.
    let h = h ^ (h >> 29);
    h.wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (h >> 32)
}

/// A hasher for keys that are already hashes.
#[derive(Clone, Copy, Debug, Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn write(&mut self, bytes: &[u8]) {
        self.0 ^= hash_bytes(bytes);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Hosts (or `*.` domains) by [`hash_bytes`]; the hosts are compared byte for byte,
/// so a collision costs a comparison, never a wrong answer.
#[derive(Debug, Default)]
struct HostMap {
    map: HashMap<u64, Bucket, BuildHasherDefault<Prehashed>>,
    /// The lengths of the hosts, as a bitmap: a host of another length is not looked
    /// up (hosts are at most 253 bytes).
    lengths: [u64; 4],
    longest: usize,
}

/// The hosts of one hash, with their ports.
type Bucket = Vec<(Box<[u8]>, PortSet)>;

impl HostMap {
    fn entry(&mut self, host: &str) -> &mut PortSet {
        let len = host.len().min(255);
        self.lengths[len / 64] |= 1 << (len % 64);
        self.longest = self.longest.max(host.len());
        let bucket = self.map.entry(hash_bytes(host.as_bytes())).or_default();
        match bucket.iter().position(|(h, _)| **h == *host.as_bytes()) {
            Some(i) => &mut bucket[i].1,
            None => {
                bucket.push((host.as_bytes().into(), PortSet::default()));
                let last = bucket.len() - 1;
                &mut bucket[last].1
            }
        }
    }

    /// Whether a host of this length may be in the map.
    fn may_have_length(&self, len: usize) -> bool {
        len < 256 && self.lengths[len / 64] & (1 << (len % 64)) != 0
    }

    /// Whether `host` is in the map with `port`.
    fn contains(&self, host: &[u8], port: Option<u16>) -> bool {
        self.may_have_length(host.len())
            && self.map.get(&hash_bytes(host)).is_some_and(|bucket| {
                bucket
                    .iter()
                    .any(|(h, ports)| **h == *host && ports.contains(port))
            })
    }

    fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[derive(Debug, Default)]
struct SchemeTable {
    hosts: HostMap,
    subdomains_of: HostMap,
    /// The lengths of the `*.` domains, for the subdomain fast path (see
    /// [`OriginMatcher::finish`]); empty when it is off for this scheme.
    fast_lengths: Vec<usize>,
}

/// The subdomain fast path tries at most this many domain lengths.
const FAST_LENGTHS: usize = 8;

/// [`hash_bytes`] as a [`Hasher`], for the exact-origin set.
#[derive(Clone, Copy, Debug, Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 ^= hash_bytes(bytes);
    }

    fn write_usize(&mut self, _len: usize) {
        // `[u8]`'s length prefix: `hash_bytes` covers the length.
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The exact allowed origins, serialized: compared directly when there are a few
/// (after a test of their lengths, which most other origins fail), hashed otherwise.
#[derive(Debug, Default)]
enum ExactOrigins {
    #[default]
    None,
    Few {
        /// The lengths of the origins, modulo 64, as a bitmap: an origin of another
        /// length is compared with none of them (the usual rejected origin).
        lengths: u64,
        list: Vec<Box<[u8]>>,
    },
    Many(HashSet<Box<[u8]>, BuildHasherDefault<WordHasher>>),
}

/// Up to this many exact origins, a direct comparison beats hashing.
const FEW: usize = 4;

impl ExactOrigins {
    #[inline]
    fn contains(&self, origin: &[u8]) -> bool {
        match self {
            ExactOrigins::None => false,
            ExactOrigins::Few { lengths, list } => {
                lengths & Self::length_bit(origin.len()) != 0 && list.iter().any(|o| **o == *origin)
            }
            ExactOrigins::Many(set) => Self::hashed(set, origin),
        }
    }

    #[inline]
    fn length_bit(len: usize) -> u64 {
        1 << (len % 64)
    }

    #[inline(never)]
    fn hashed(set: &HashSet<Box<[u8]>, BuildHasherDefault<WordHasher>>, origin: &[u8]) -> bool {
        set.contains(origin)
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
    /// Whether it allows anything but its exact origins: a `*.` pattern, or anything
    /// beyond the fast paths (set in [`OriginMatcher::finish`]); see
    /// [`OriginMatcher::allows_only_exact_origins`].
    allows_non_exact: bool,
    /// Whether it allows an origin that neither fast path finds (`*`, `null`, a port
    /// wildcard, a `*.` pattern with a port, regexes, a predicate, an exact origin left
    /// out of the fast path, or `*.` domains the subdomain fast path does not try); see
    /// [`OriginMatcher::allows_only_fast_path_origins`].
    allows_beyond_fast_paths: bool,
}

impl OriginMatcher {
    pub(crate) fn allow_any(&mut self) {
        self.any = true;
        self.allows_beyond_fast_paths = true;
    }

    pub(crate) fn allow_null(&mut self) {
        self.null = true;
        self.allows_beyond_fast_paths = true;
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
                    PortPattern::Any => self.allows_beyond_fast_paths = true,
                }
                (&mut table.hosts, h)
            }
            HostPattern::Subdomains(d) => {
                self.allows_non_exact = true;
                // The subdomain fast path finds origins without a port only.
                if pattern.port != PortPattern::Default {
                    self.allows_beyond_fast_paths = true;
                }
                self.max_domain_labels = self.max_domain_labels.max(d.split('.').count());
                (&mut table.subdomains_of, d)
            }
        };
        map.entry(host).insert(pattern.port);
    }

    #[cfg(feature = "regex")]
    pub(crate) fn set_regexes(&mut self, set: regex::RegexSet) {
        self.regexes = Some(set);
        self.allows_beyond_fast_paths = true;
    }

    pub(crate) fn set_predicate(&mut self, predicate: OriginPredicate) {
        self.predicate = Some(predicate);
        self.allows_beyond_fast_paths = true;
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
        let candidates = std::mem::take(&mut self.candidates);
        // Each once, in linear time: 100,000 origins (an origins file) are common.
        let mut seen: HashSet<&[u8]> = HashSet::with_capacity(candidates.len());
        for candidate in &candidates {
            let bytes = candidate.as_bytes();
            let verified = RequestOrigin::parse(bytes)
                .is_some_and(|o| matches!(o, RequestOrigin::Tuple(_)) && self.allows(&o));
            if !verified {
                self.allows_beyond_fast_paths = true;
            } else if seen.insert(bytes) {
                exact.push(bytes.into());
            }
        }
        self.exact = match exact.len() {
            0 => ExactOrigins::None,
            n if n <= FEW => ExactOrigins::Few {
                lengths: exact
                    .iter()
                    .fold(0, |bits, o| bits | ExactOrigins::length_bit(o.len())),
                list: exact,
            },
            _ => ExactOrigins::Many(exact.into_iter().collect()),
        };
        // The subdomain fast path, per scheme: on when every `*.` domain, after a
        // label, makes an origin the strict parser accepts (the domains come from
        // validated patterns, so this only guards against the two grammars drifting
        // apart), and there are few distinct lengths to try.
        let max_domain_labels = self.max_domain_labels;
        for (scheme, table) in &mut self.schemes {
            let mut lengths: Vec<usize> = Vec::new();
            let mut ok = true;
            for bucket in table.subdomains_of.map.values() {
                for (domain, _) in bucket {
                    let mut sample = scheme.to_vec();
                    sample.extend_from_slice(b"://x.");
                    sample.extend_from_slice(domain);
                    ok &= TupleOrigin::parse(&sample).is_some()
                        && domain.split(|&b| b == b'.').count() <= max_domain_labels;
                    if !lengths.contains(&domain.len()) {
                        lengths.push(domain.len());
                    }
                }
            }
            table.fast_lengths = if ok && lengths.len() <= FAST_LENGTHS {
                lengths
            } else {
                Vec::new()
            };
            if table.fast_lengths.is_empty() && !table.subdomains_of.is_empty() {
                self.allows_beyond_fast_paths = true;
            }
        }
        // `*.` patterns are found by the subdomain fast path, not by the exact one.
        self.allows_non_exact |= self.allows_beyond_fast_paths;
    }

    /// Whether every origin it allows is one of the exact origins of the fast path:
    /// then an `Origin` that [`OriginMatcher::is_exact`] does not allow is not
    /// allowed at all (the strict parser accepts one spelling of an origin only, and
    /// the fast path holds that spelling; see [`OriginMatcher::finish`]).
    pub(crate) fn allows_only_exact_origins(&self) -> bool {
        !self.allows_non_exact
    }

    /// Whether every origin it allows is found by [`OriginMatcher::allows_exactly`]:
    /// one of the exact origins, or a subdomain of a `*.` domain allowed without a
    /// port. Then an `Origin` that neither fast path finds is not allowed at all: the
    /// strict parser accepts one spelling of an origin only; a `*.` pattern without a
    /// port allows only origins without one, `scheme "://" labels "." domain`, which
    /// the subdomain fast path tries at the length of every `*.` domain of the scheme,
    /// with the parser's own label grammar ([`super::is_labels`]); and the parser's
    /// host length limit is the fast path's.
    pub(crate) fn allows_only_fast_path_origins(&self) -> bool {
        !self.allows_beyond_fast_paths
    }

    /// The fast path: whether the raw `Origin` value is allowed, found without parsing
    /// it whole. `false` says nothing: the caller parses and matches.
    ///
    /// - One of the allowed exact origins, byte for byte (see [`OriginMatcher::finish`]).
    /// - Or `scheme "://" labels "." domain`, where `*.domain` is allowed for `scheme`
    ///   without a port (or with any port): the scheme and the domain are the policy's
    ///   own, checked against the request grammar when it was built, so only the
    ///   labels in front need checking, and the whole is then exactly what the parser
    ///   accepts and the full match allows (the parent domains it tries include every
    ///   `*.` domain). Anything else, ports included, takes the slow path.
    ///
    /// The engine calls its two halves apart: [`OriginMatcher::is_exact`] inline,
    /// [`OriginMatcher::allows_subdomain_exactly`] behind a call.
    #[cfg(test)]
    pub(crate) fn allows_exactly(&self, origin: &[u8]) -> bool {
        self.is_exact(origin) || self.allows_subdomain_exactly(origin)
    }

    /// The first half of [`OriginMatcher::allows_exactly`]: one of the allowed exact
    /// origins, byte for byte. Small, to be inlined where the origin is checked.
    #[inline]
    pub(crate) fn is_exact(&self, origin: &[u8]) -> bool {
        self.exact.contains(origin)
    }

    /// The second half of [`OriginMatcher::allows_exactly`]: the subdomain fast path.
    pub(crate) fn allows_subdomain_exactly(&self, origin: &[u8]) -> bool {
        for (scheme, table) in &self.schemes {
            if table.fast_lengths.is_empty() {
                continue;
            }
            let Some(host) = origin
                .strip_prefix(&**scheme)
                .and_then(|rest| rest.strip_prefix(b"://"))
            else {
                continue;
            };
            // The parser's limit, which does not count a trailing dot.
            if host.len() - usize::from(host.last() == Some(&b'.')) > super::MAX_HOST_LEN {
                return false;
            }
            for &len in &table.fast_lengths {
                let Some(dot) = host.len().checked_sub(len + 1) else {
                    continue;
                };
                if host[dot] == b'.'
                    && table.subdomains_of.contains(&host[dot + 1..], None)
                    && super::is_labels(&host[..dot])
                {
                    return true;
                }
            }
            return false;
        }
        false
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
        if table.hosts.contains(host, port) {
            return true;
        }
        let subdomains = &table.subdomains_of;
        if subdomains.is_empty() {
            return false;
        }
        // The parent domains, nearest the root first (`com`, `example.com`, ...), as
        // far as the deepest and the longest `*.` domain go. Each candidate has a
        // non-empty label in front of it, as `*.` requires; only a candidate of the
        // length of some `*.` domain is hashed and looked up.
        let limit = host.len().saturating_sub(subdomains.longest + 1);
        let mut end = host.len();
        for _ in 0..self.max_domain_labels {
            let Some(dot) = host[limit..end].iter().rposition(|&b| b == b'.') else {
                break;
            };
            let dot = limit + dot;
            if subdomains.contains(&host[dot + 1..], port) {
                return true;
            }
            end = dot;
        }
        false
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
    /// says yes for every exact origin the policy lists; under a policy whose origins
    /// are all found by it (`allows_only_fast_path_origins`), it says yes exactly where
    /// they do.
    #[test]
    fn fast_path_agrees_with_the_slow_path() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};

        let policies: [&[&str]; 9] = [
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
            &[
                "https://*.example.com:8443",
                "https://*.b.example.com",
                "http://*.example.com:*",
            ],
            &[
                "https://*.example.com",
                "https://*.b.example.com",
                "https://example.com",
                "http://localhost:8080",
                "http://*.dev.test",
            ],
            &[
                "https://*.a.example",
                "https://*.example.com",
                "https://e.example",
            ],
            // Nine lengths of `*.` domains: more than the subdomain fast path tries.
            &[
                "https://*.a.example",
                "https://*.ee.example",
                "https://*.fff.example",
                "https://*.gggg.example",
                "https://*.hhhhh.example",
                "https://*.iiiiii.example",
                "https://*.jjjjjjj.example",
                "https://*.kkkkkkkk.example",
                "https://*.lllllllll.example",
            ],
        ];
        // Which of them allow only what the two fast paths find.
        let only_fast_path = [true, true, true, false, true, false, true, true, false];
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
                "x.y.example.com",
                ".example.com",
                "a..example.com",
                "A.example.com",
                "a_b-c.example.com",
                "-.example.com",
                "a.example.com.",
                "[::1].example.com",
                "a.b.c.d.example.com",
                "a:1.example.com",
                "a.xexample.com",
                "a.dev.test",
                "dev.test",
                "x.a.example",
                "x.ee.example",
                "a.b.example.com",
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
        for (entries, only_fast_path) in policies.into_iter().zip(only_fast_path) {
            let m = matcher(entries);
            assert_eq!(
                m.allows_only_fast_path_origins(),
                only_fast_path,
                "{entries:?}"
            );
            assert_eq!(
                m.allows_only_exact_origins(),
                only_fast_path && !entries.iter().any(|e| e.contains("*.")),
                "{entries:?}"
            );
            for e in entries {
                if !e.contains('*') && *e != "null" {
                    assert!(m.allows_exactly(e.as_bytes()), "{e}");
                }
            }
            runner
                .run(&origin, |o| {
                    let slow = RequestOrigin::parse(o.as_bytes()).is_some_and(|p| m.allows(&p));
                    let fast = m.allows_exactly(o.as_bytes());
                    prop_assert!(!fast || slow, "{o:?} under {entries:?}");
                    if only_fast_path {
                        prop_assert_eq!(fast, slow, "{:?} under {:?}", o, entries);
                    }
                    Ok(())
                })
                .unwrap();
        }
        // The subdomain fast path does answer (and only for what the slow path allows).
        let m = matcher(&["https://*.example.com", "https://*.b.example.com:8443"]);
        assert!(m.allows_exactly(b"https://a.example.com"));
        assert!(m.allows_exactly(b"https://x.y.example.com"));
        assert!(!m.allows_exactly(b"https://example.com"));
        assert!(!m.allows_exactly(b"https://a.b.example.com:8443"));
        assert!(allows(&m, "https://a.b.example.com:8443"));
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

    /// A few exact origins are compared only when the request's origin has the length
    /// (modulo 64) of one of them: the filter never hides one that is equal.
    #[test]
    fn few_exact_origins_filtered_by_length() {
        // Labels of 31 bytes and a dot, 32 bytes each: two more make an origin 64 longer.
        let label = format!("{}.", "a".repeat(31));
        let long = format!("https://{}example", label.repeat(2));
        let m = matcher(&["https://a.example", "http://localhost:8080", &long]);
        for allowed in ["https://a.example", "http://localhost:8080", long.as_str()] {
            assert!(m.is_exact(allowed.as_bytes()), "{allowed}");
        }
        let longer = format!("https://{}example", label.repeat(4));
        assert_eq!(longer.len(), long.len() + 64);
        // Same length as an allowed one, or 64 longer (the same bit): compared, not equal.
        for other in [
            "https://b.example",
            "http://localhost:8081",
            longer.as_str(),
        ] {
            assert!(!m.is_exact(other.as_bytes()), "{other}");
        }
        // Another length: filtered out at once.
        assert!(!m.is_exact(b"https://evil.example"));
        assert!(!m.is_exact(b""));
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
