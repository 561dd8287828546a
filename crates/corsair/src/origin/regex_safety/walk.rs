//! The walk over a regex's reverse automaton: every host it admits, read right to left
//! from the port, judged as the origin lists would judge it (see the module's doc).

use std::collections::{HashMap, HashSet, VecDeque};

use regex_automata::dfa::{Automaton, dense};
use regex_automata::util::primitives::StateID;

use super::hosts::{attack_hosts, is_address, is_host, is_loopback, registrable, reversed_host};
use super::{DOMAIN_CHARS, EVIL, Finding, Flaw, SCHEMES};

/// The state of one analysis.
pub(super) struct Walk {
    pub(super) dfa: dense::DFA<Vec<u32>>,
    /// The states from which an admitted origin can still be completed: the walk never
    /// enters the others.
    pub(super) productive: HashSet<StateID>,
    /// `(state, after a dot, in brackets)` from which no admitted origin can be completed.
    pub(super) no_completion: HashSet<(StateID, bool, bool)>,
    pub(super) forward: regex::Regex,
    /// The literal text of the regex, in maximal runs.
    pub(super) literals: Vec<String>,
    pub(super) budget: usize,
    /// Set once a flaw of the host is found.
    pub(super) stopped: bool,
    pub(super) findings: Vec<Finding>,
    /// The registrable domains (or whole hosts) the regex admits, spelled out.
    pub(super) domains: HashSet<String>,
}

impl Walk {
    pub(super) fn found(&mut self, flaw: Flaw, example: Option<String>) {
        if flaw.is_unbounded() {
            // Unboundedly many hosts is the worst a regex can do: stop walking.
            self.stopped = true;
        }
        let kind = std::mem::discriminant(&flaw);
        if !self
            .findings
            .iter()
            .any(|f| std::mem::discriminant(&f.flaw) == kind)
        {
            self.findings.push(Finding { flaw, example });
        }
    }

    /// The states reachable from `start` over the characters of an origin, from which a
    /// scheme can still complete an admitted origin.
    pub(super) fn productive_states(&self, start: StateID) -> HashSet<StateID> {
        const ORIGIN_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-_.:[]";
        let mut seen = HashSet::from([start]);
        let mut queue = VecDeque::from([start]);
        let mut edges_into: HashMap<StateID, Vec<StateID>> = HashMap::new();
        while let Some(state) = queue.pop_front() {
            for &c in ORIGIN_CHARS {
                if let Some(next) = self.next(state, c) {
                    edges_into.entry(next).or_default().push(state);
                    if seen.insert(next) {
                        queue.push_back(next);
                    }
                }
            }
        }
        let mut productive: HashSet<StateID> = seen
            .into_iter()
            .filter(|&s| !self.schemes_before(s).is_empty())
            .collect();
        let mut queue: VecDeque<StateID> = productive.iter().copied().collect();
        while let Some(state) = queue.pop_front() {
            for &before in edges_into.get(&state).into_iter().flatten() {
                if productive.insert(before) {
                    queue.push_back(before);
                }
            }
        }
        productive
    }

    /// The state after reading `byte` (the automaton reads right to left), or `None`
    /// when nothing can match any more.
    fn next(&self, state: StateID, byte: u8) -> Option<StateID> {
        let next = self.dfa.next_state(state, byte);
        (!self.dfa.is_dead_state(next) && !self.dfa.is_quit_state(next)).then_some(next)
    }

    fn read(&self, mut state: StateID, text: &str) -> Option<StateID> {
        for &b in text.as_bytes().iter().rev() {
            state = self.next(state, b)?;
        }
        Some(state)
    }

    /// The schemes that, written before what was read, complete an admitted origin.
    fn schemes_before(&self, state: StateID) -> Vec<&'static str> {
        SCHEMES
            .into_iter()
            .filter(|scheme| {
                self.read(state, &format!("{scheme}://")).is_some_and(|s| {
                    let end = self.dfa.next_eoi_state(s);
                    self.dfa.is_match_state(end)
                })
            })
            .collect()
    }

    /// The states at the end of a host: after no port, or after each port the regex
    /// admits (one representative port per state).
    pub(super) fn host_ends(&self, start: StateID) -> Vec<(StateID, String)> {
        let mut ends = vec![(start, String::new())];
        let mut seen: HashSet<StateID> = HashSet::from([start]);
        let mut level: HashMap<StateID, String> = HashMap::from([(start, String::new())]);
        for _ in 0..5 {
            let mut next_level: HashMap<StateID, String> = HashMap::new();
            for (&state, digits) in &level {
                for d in b'0'..=b'9' {
                    if let Some(next) = self.next(state, d) {
                        next_level
                            .entry(next)
                            .or_insert_with(|| format!("{}{digits}", char::from(d)));
                    }
                }
            }
            for (&state, digits) in &next_level {
                if let Some(colon) = self.next(state, b':') {
                    if seen.insert(colon) {
                        ends.push((colon, format!(":{digits}")));
                    }
                }
            }
            level = next_level;
        }
        ends
    }

    /// Walks the host leftwards from `state`; `rev` holds the host read so far,
    /// reversed, and `path` the states since the host's end.
    pub(super) fn host(
        &mut self,
        state: StateID,
        rev: &mut Vec<u8>,
        path: &mut Vec<StateID>,
        port: &str,
    ) {
        if self.budget == 0 || self.stopped {
            return;
        }
        self.budget -= 1;
        let bracketed = rev.first() == Some(&b']');
        if !rev.is_empty() {
            let host: String = rev.iter().rev().map(|&b| char::from(b)).collect();
            if is_host(&host) {
                for scheme in self.schemes_before(state) {
                    self.judge_host(scheme, &host, port);
                }
            }
            if bracketed && rev.last() == Some(&b'[') {
                return;
            }
        }
        let chars: &[u8] = if bracketed {
            b"0123456789abcdef:.["
        } else if rev.is_empty() {
            b"abcdefghijklmnopqrstuvwxyz0123456789-_.]"
        } else {
            DOMAIN_CHARS
        };
        for &c in chars {
            if self.budget == 0 || self.stopped {
                return;
            }
            if c == b'.' && !bracketed && rev.last() == Some(&b'.') {
                continue;
            }
            let Some(next) = self.next(state, c).filter(|n| self.productive.contains(n)) else {
                continue;
            };
            if c == b'.' && !bracketed && !rev.is_empty() {
                let tail = reversed_host(rev);
                if let Some(domain) = registrable(&tail) {
                    rev.push(c);
                    self.judge_subdomains(next, &domain, &tail, port);
                    rev.pop();
                    continue;
                }
            }
            rev.push(c);
            if let Some(fixed) = path.iter().position(|&s| s == next) {
                let forced = self.forced(&path[..fixed], rev);
                self.unbounded(next, rev, forced, port);
            } else {
                path.push(next);
                self.host(next, rev, path, port);
                path.pop();
            }
            rev.pop();
        }
    }

    /// A host the regex admits whole, before any registrable domain was known.
    fn judge_host(&mut self, scheme: &str, host: &str, port: &str) {
        let origin = format!("{scheme}://{host}{port}");
        let name = host.strip_suffix('.').unwrap_or(host);
        let key = if is_address(name) {
            name
        } else {
            psl::domain_str(name).unwrap_or(name)
        };
        if !self.spelled_out(key) {
            self.found(Flaw::NotSpelledOut(key.to_owned()), Some(origin.clone()));
        } else {
            self.domains.insert(key.to_owned());
        }
        if scheme == "http" && !is_loopback(name) {
            self.found(Flaw::Insecure, Some(origin));
        }
    }

    /// The regex admits hosts under `.{tail}`, whose registrable domain is `domain`;
    /// `state` is the automaton's after the dot.
    fn judge_subdomains(&mut self, state: StateID, domain: &str, tail: &str, port: &str) {
        let loopback = domain == "localhost";
        let completions = self.completions(state);
        let Some((_, first)) = completions.first() else {
            return;
        };
        if !loopback && !self.spelled_out(domain) {
            let example = format!("{}://{first}.{tail}{port}", completions[0].0);
            self.found(Flaw::NotSpelledOut(domain.to_owned()), Some(example));
            return;
        }
        self.domains.insert(domain.to_owned());
        if !loopback {
            if let Some((_, label)) = completions.iter().find(|(s, _)| *s == "http") {
                let example = format!("http://{label}.{tail}{port}");
                self.found(Flaw::Insecure, Some(example));
            }
        }
    }

    /// For each scheme that completes an origin from `state` (just left of a dot), one
    /// subdomain text that does, found breadth first.
    fn completions(&mut self, state: StateID) -> Vec<(&'static str, String)> {
        let mut found: Vec<(&'static str, String)> = Vec::new();
        self.breadth_first(state, Vec::new(), DOMAIN_CHARS, |walk, state, rev| {
            if !rev.is_empty() && rev.last() != Some(&b'.') {
                for scheme in walk.schemes_before(state) {
                    if !found.iter().any(|(s, _)| *s == scheme) {
                        found.push((scheme, reversed_host(rev)));
                    }
                }
            }
            found.len() == SCHEMES.len()
        });
        found
    }

    /// Reads the host leftwards from `state` and `rev`, breadth first over `chars` (never
    /// two dots in a row), until `visit` says it is done or the budget runs out.
    fn breadth_first(
        &mut self,
        state: StateID,
        rev: Vec<u8>,
        chars: &[u8],
        mut visit: impl FnMut(&Self, StateID, &[u8]) -> bool,
    ) {
        // A state is seen once at the start of a label and once within one.
        let within = |rev: &[u8]| !rev.is_empty() && rev.last() != Some(&b'.');
        let mut seen = HashSet::from([(state, within(&rev))]);
        let mut queue = VecDeque::from([(state, rev)]);
        while let Some((state, rev)) = queue.pop_front() {
            if self.budget == 0 {
                return;
            }
            self.budget -= 1;
            if visit(self, state, &rev) {
                return;
            }
            for &c in chars {
                if c == b'.' && !within(&rev) {
                    continue;
                }
                if let Some(next) = self.next(state, c) {
                    if seen.insert((next, c != b'.')) {
                        let mut longer = rev.clone();
                        longer.push(c);
                        queue.push_back((next, longer));
                    }
                }
            }
        }
    }

    /// How much of `rev`, read along `path`, the automaton forced: one character the only
    /// one it admitted at each step.
    fn forced(&self, path: &[StateID], rev: &[u8]) -> usize {
        path.iter()
            .zip(rev)
            .take_while(|&(&state, _)| {
                let chars: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-_.]";
                chars
                    .iter()
                    .filter(|&&c| self.next(state, c).is_some())
                    .count()
                    == 1
            })
            .count()
    }

    /// A loop in the automaton before a registrable domain is known: unboundedly many
    /// hosts. `fixed` is how much of `rev` the automaton forced before the loop. Reports it when the
    /// loop leads to an admitted origin.
    fn unbounded(&mut self, state: StateID, rev: &[u8], fixed: usize, port: &str) {
        let Some(example) = self.completion(state, rev, port) else {
            return;
        };
        let tail = reversed_host(&rev[..fixed.min(rev.len())]);
        let tail = tail.trim_end_matches('.');
        let host = example.split_once("://").map_or("", |(_, h)| h);
        let host = host
            .rsplit_once(':')
            .filter(|_| !host.ends_with(']'))
            .map_or(host, |(h, _)| h);
        let flaw = if is_address(host.trim_end_matches('.')) {
            Flaw::AddressRange
        } else if tail.is_empty() {
            if self.forward.is_match(&format!("https://{EVIL}{port}"))
                || self.forward.is_match(&format!("http://{EVIL}{port}"))
            {
                Flaw::AnyOrigin
            } else {
                Flaw::OpenTail
            }
        } else if let Some(labels) = tail.strip_prefix('.') {
            Flaw::PublicSuffix(labels.to_owned())
        } else {
            Flaw::OpenEnded(tail.to_owned())
        };
        let example = self
            .nicer_example(&flaw, port)
            .or_else(|| self.canonical_address(&flaw, &example, host))
            .unwrap_or(example);
        self.found(flaw, Some(example));
    }

    /// For an address range whose example is not a dotted quad as browsers send it
    /// (`10.0.0.00`, found by the walk, which reads any digits), the same address
    /// without leading zeros, or with another last part, when the regex admits it: the
    /// request parser refuses the other forms, so only these can show what is admitted.
    fn canonical_address(&self, flaw: &Flaw, example: &str, host: &str) -> Option<String> {
        if *flaw != Flaw::AddressRange || host.starts_with('[') {
            return None;
        }
        let bare = host.trim_end_matches('.');
        let parts: Vec<&str> = bare.split('.').collect();
        let trimmed: Vec<String> = parts
            .iter()
            .map(|p| {
                let t = p.trim_start_matches('0');
                if t.is_empty() {
                    "0".to_owned()
                } else {
                    t.to_owned()
                }
            })
            .collect();
        let mut candidates = vec![trimmed.join(".")];
        if let Some((_, front)) = trimmed.split_last() {
            for last in ["1", "10", "100"] {
                let mut quad = front.to_vec();
                quad.push(last.to_owned());
                candidates.push(quad.join("."));
            }
        }
        candidates
            .into_iter()
            .map(|candidate| example.replacen(host, &candidate, 1))
            .find(|c| self.forward.is_match(c))
    }

    /// An attacker's origin for `flaw` that the regex admits, if one of the usual ones is.
    fn nicer_example(&self, flaw: &Flaw, port: &str) -> Option<String> {
        let candidates: Vec<String> = match flaw {
            Flaw::AnyOrigin => vec![
                format!("https://{EVIL}{port}"),
                format!("http://{EVIL}{port}"),
            ],
            Flaw::PublicSuffix(suffix) => vec![format!("https://evil.{suffix}{port}")],
            Flaw::OpenEnded(tail) => vec![
                format!("https://evil{tail}{port}"),
                format!("https://evil-{tail}{port}"),
            ],
            Flaw::OpenTail => self
                .literal_hosts()
                .iter()
                .flat_map(|host| attack_hosts(host))
                .flat_map(|host| {
                    [
                        format!("https://{host}{port}"),
                        format!("http://{host}{port}"),
                    ]
                })
                .collect(),
            _ => Vec::new(),
        };
        candidates.into_iter().find(|c| self.forward.is_match(c))
    }

    /// The host names the regex's literal text holds (`example.com` in
    /// `https://example\.com.*`).
    fn literal_hosts(&self) -> Vec<String> {
        self.literals
            .iter()
            .filter_map(|literal| {
                let rest = literal
                    .split_once("://")
                    .map_or(literal.as_str(), |(_, r)| r);
                let host: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii() && DOMAIN_CHARS.contains(&(*c as u8)))
                    .collect();
                let host = host.trim_matches('.');
                host.contains('.').then(|| host.to_owned())
            })
            .collect()
    }

    /// One admitted origin that continues the host `rev` from `state`.
    fn completion(&mut self, state: StateID, rev: &[u8], port: &str) -> Option<String> {
        let bracketed = rev.first() == Some(&b']');
        // Whether a completion exists depends on `rev` only through these two.
        let key = (state, rev.last() == Some(&b'.'), bracketed);
        if self.no_completion.contains(&key) {
            return None;
        }
        let found = self.complete(state, rev, bracketed, port);
        if found.is_none() && self.budget > 0 {
            self.no_completion.insert(key);
        }
        found
    }

    fn complete(
        &mut self,
        state: StateID,
        rev: &[u8],
        bracketed: bool,
        port: &str,
    ) -> Option<String> {
        let chars: &[u8] = if bracketed {
            b"0123456789abcdef:.["
        } else {
            DOMAIN_CHARS
        };
        let mut found = None;
        self.breadth_first(state, rev.to_vec(), chars, |walk, state, rev| {
            let host = reversed_host(rev);
            if is_host(&host) {
                if let Some(scheme) = walk.schemes_before(state).first() {
                    found = Some(format!("{scheme}://{host}{port}"));
                }
            }
            found.is_some()
        });
        found
    }

    /// Whether `domain` stands in the regex's literal text, whole (at the start of a run
    /// of literal text, or after a `.` or `/`).
    fn spelled_out(&self, domain: &str) -> bool {
        self.literals.iter().any(|literal| {
            literal.match_indices(domain).any(|(i, _)| {
                i == 0 || matches!(literal.as_bytes().get(i - 1), Some(b'.' | b'/' | b'['))
            })
        })
    }

    /// Runs the origins `corsair audit` tries, for every domain the regex admits,
    /// through the regex: any admitted one that the walk should have refused is
    /// reported (a second line of defence; the walk finds them first).
    pub(super) fn cross_check(&mut self) {
        if self
            .findings
            .iter()
            .any(|f| !matches!(f.flaw, Flaw::Insecure | Flaw::Null))
        {
            return;
        }
        let mut probes = vec![format!("https://{EVIL}"), format!("http://{EVIL}")];
        let mut domains: Vec<String> = self.domains.iter().cloned().collect();
        domains.sort();
        for domain in &domains {
            probes.extend(
                attack_hosts(domain)
                    .into_iter()
                    .map(|h| format!("https://{h}")),
            );
            probes.push(format!("http://{domain}"));
        }
        for probe in probes {
            if !self.forward.is_match(&probe) {
                continue;
            }
            let Some((scheme, host)) = probe.split_once("://") else {
                continue;
            };
            let name = host.strip_suffix('.').unwrap_or(host);
            let key = psl::domain_str(name).unwrap_or(name);
            if !self.spelled_out(key) {
                self.found(Flaw::NotSpelledOut(key.to_owned()), Some(probe.clone()));
            } else if scheme == "http" && !is_loopback(name) {
                self.found(Flaw::Insecure, Some(probe.clone()));
            }
        }
    }
}
