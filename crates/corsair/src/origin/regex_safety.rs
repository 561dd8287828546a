//! Whether an origin regex admits only origins that the lists could allow safely.
//!
//! A regex in `allow_origin_regexes` is compiled into a reverse DFA, which is then walked
//! over every origin a browser can send (`https` or `http`, `://`, a host, an optional
//! port), right to left, the way the Public Suffix List reads a host:
//!
//! 1. The port (none, or `:` and one to five digits).
//! 2. The host, one character at a time, until its labels form a *registrable domain*
//!    (`example.com`, `example.co.uk`, `user.github.io`): from there on, whatever the
//!    regex admits to the left is a subdomain of that domain, which its owner controls,
//!    as with a `https://*.example.com` pattern. The registrable domain must be spelled
//!    out in the regex as literal text (`example\.com`), so that `https://app.example.com`
//!    (whose unescaped dots also admit `https://appxexample.com`) is caught.
//! 3. A loop in the automaton *before* a registrable domain is known means unboundedly
//!    many registrable domains: any origin (`.*`), any host under a public suffix
//!    (`https://[a-z]+\.com`), or any host that merely ends with a name
//!    (`https://.*example\.com` admits `https://evilexample.com`).
//! 4. A host that ends before a registrable domain is known (an IP address, `localhost`,
//!    a public suffix itself) must be spelled out whole.
//! 5. The scheme: with credentials, plain `http` only for loopback hosts.
//!
//! The walk is exact for the automaton, so the verdict does not depend on how the
//! regex is written. What it cannot prove it refuses, with the reason: an automaton too
//! large to build (over 4 MiB), a walk over 200,000 steps, Unicode word boundaries, and
//! a registrable domain that the regex builds from pieces (`example\.(com|org)`: write
//! `(example\.com|example\.org)`). Schemes other than `http` and `https` are not
//! analysed: they are the origins of browser extensions and applications, which a web
//! page cannot take.
//!
//! After the walk, the origins that `corsair audit` tries against a live server, derived
//! from the registrable domains the regex admits, are run through the regex itself as a
//! cross-check: one that the regex admits but the lists could not allow safely is
//! refused too.

use std::collections::{HashMap, HashSet, VecDeque};

use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::nfa::thompson;
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind};

/// Characters of a domain host, as corsair's origin parser admits them.
const DOMAIN_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-_.";
/// Characters inside the brackets of an IPv6 host.
const IPV6_CHARS: &[u8] = b"0123456789abcdef:.";
/// The schemes of web pages, the only ones an attacker can take.
const SCHEMES: [&str; 2] = ["https", "http"];
/// The most automaton steps one regex may take to analyse.
const BUDGET: usize = 200_000;
/// The largest automaton built for the analysis.
const SIZE_LIMIT: usize = 4 << 20;
/// The attacker's own domain, as in `corsair audit`.
const EVIL: &str = "evil.com";

/// What makes a regex unsafe to use with credentials, or unprovable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Flaw {
    /// It admits `null`.
    Null,
    /// It admits hosts under every top-level domain.
    AnyOrigin,
    /// It admits any host under this public suffix (`com`, `github.io`).
    PublicSuffix(String),
    /// It admits hosts of unboundedly many registrable domains that end with this text
    /// (`.*example\.com` admits `evilexample.com`).
    OpenEnded(String),
    /// It admits hosts that go on after the name it spells out
    /// (`https://example\.com.*` admits `https://example.com.evil.com`).
    OpenTail,
    /// It admits this registrable domain (or host), which it does not spell out.
    NotSpelledOut(String),
    /// It admits unboundedly many IP addresses.
    AddressRange,
    /// It admits plain-http origins that are not loopback.
    Insecure,
    /// corsair cannot prove it safe, for this reason.
    Unprovable(String),
}

/// A flaw, with an origin the regex admits that shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) flaw: Flaw,
    /// An origin the regex admits, as evidence (none for `Unprovable`).
    pub(crate) example: Option<String>,
}

impl Finding {
    /// The diagnostic's message, for the regex `regex`.
    pub(crate) fn message(&self, regex: &str) -> String {
        let example = self
            .example
            .as_deref()
            .map(|e| format!(" (it admits `{e}`)"))
            .unwrap_or_default();
        match &self.flaw {
            Flaw::Null => {
                format!("`{regex}` admits the `null` origin, which any website can send{example}")
            }
            Flaw::AnyOrigin => format!("`{regex}` admits any origin{example}"),
            Flaw::PublicSuffix(suffix) => format!(
                "`{regex}` admits any host under the public suffix `.{suffix}`, where anyone can register one{example}"
            ),
            Flaw::OpenEnded(tail) => format!(
                "`{regex}` admits hosts of unboundedly many registrable domains that end with `{tail}`, which anyone can register{example}"
            ),
            Flaw::OpenTail => format!(
                "`{regex}` admits hosts that go on after the name it spells out, which anyone can register{example}"
            ),
            Flaw::NotSpelledOut(domain) => format!(
                "`{regex}` admits `{domain}`, a domain it does not spell out (an unescaped `.`?){example}"
            ),
            Flaw::AddressRange => format!(
                "`{regex}` admits a range of IP addresses, which corsair cannot tell to be yours{example}"
            ),
            Flaw::Insecure => format!(
                "`{regex}` admits plain-http origins: anyone on the network path can impersonate them and read credentialed responses{example}"
            ),
            Flaw::Unprovable(why) => format!("corsair cannot prove that `{regex}` is safe: {why}"),
        }
    }

    /// How to fix it.
    pub(crate) fn help(&self) -> &'static str {
        match &self.flaw {
            Flaw::Null => {
                "start the regex with `https://`; if you really must allow `null`, set dangerously_allow_null_origin = true"
            }
            Flaw::AnyOrigin => {
                "allow_credentials = true needs the origins you trust: anchor the regex on your own domain (`https://[a-z0-9-]+\\.example\\.com`)"
            }
            Flaw::PublicSuffix(_) | Flaw::OpenEnded(_) | Flaw::OpenTail => {
                "end the regex with `\\.` and your own registrable domain, spelled out (`https://[a-z0-9-]+\\.example\\.com`)"
            }
            Flaw::NotSpelledOut(_) => {
                "write a literal dot as `\\.`, and spell each domain out whole (`(example\\.com|example\\.org)`, not `example\\.(com|org)`)"
            }
            Flaw::AddressRange => "list the addresses in allow_origins",
            Flaw::Insecure => {
                "use `https://`; if you really must, set dangerously_allow_insecure_origins = true"
            }
            Flaw::Unprovable(_) => {
                "use allow_origins patterns (`https://*.example.com`), or a simpler regex that ends with your own domain spelled out"
            }
        }
    }
}

/// Analyses `regex` (as the user wrote it, anchored by the caller's convention:
/// `^(?:regex)$`), returning its flaws, at most one of each kind.
pub(crate) fn analyse(regex: &str) -> Vec<Finding> {
    let anchored = format!("^(?:{regex})$");
    let (Ok(forward), Ok(hir)) = (
        regex::Regex::new(&anchored),
        regex_syntax::Parser::new().parse(regex),
    ) else {
        // Not a valid regex: the caller reports that.
        return Vec::new();
    };
    let dfa = match dense::Builder::new()
        .configure(
            dense::Config::new()
                .start_kind(StartKind::Anchored)
                .match_kind(MatchKind::All)
                .dfa_size_limit(Some(SIZE_LIMIT))
                .determinize_size_limit(Some(SIZE_LIMIT)),
        )
        .thompson(thompson::Config::new().reverse(true))
        .build(&anchored)
    {
        Ok(dfa) => dfa,
        Err(e) => {
            return vec![Finding {
                flaw: Flaw::Unprovable(format!("its automaton cannot be built ({e})")),
                example: None,
            }];
        }
    };
    let Ok(start) = dfa.start_state(&start::Config::new().anchored(Anchored::Yes)) else {
        return vec![Finding {
            flaw: Flaw::Unprovable("its automaton has no anchored start".to_owned()),
            example: None,
        }];
    };
    let mut literals = Vec::new();
    literal_runs(&hir, &mut literals);
    let mut walk = Walk {
        productive: HashSet::new(),
        no_completion: HashSet::new(),
        dfa,
        forward,
        literals,
        budget: BUDGET,
        stopped: false,
        findings: Vec::new(),
        domains: HashSet::new(),
    };
    walk.productive = walk.productive_states(start);
    if walk.forward.is_match("null") {
        walk.found(Flaw::Null, None);
    }
    for (state, port) in walk.host_ends(start) {
        let mut rev = Vec::new();
        let mut path = vec![state];
        walk.host(state, &mut rev, &mut path, &port);
        if walk.stopped {
            break;
        }
        if walk.budget == 0 {
            walk.findings.push(Finding {
                flaw: Flaw::Unprovable(format!(
                    "it admits too many hosts to check one by one (over {BUDGET} steps)"
                )),
                example: None,
            });
            break;
        }
    }
    walk.cross_check();
    // `null`, the most telling flaw of the hosts, and plain http unless the hosts are
    // unbounded anyway.
    let mut findings = walk.findings;
    findings.sort_by_key(|f| f.flaw.rank());
    let unbounded = findings.iter().any(|f| f.flaw.is_unbounded());
    let mut host_flaw = false;
    findings.retain(|f| match f.flaw {
        Flaw::Null => true,
        Flaw::Insecure => !unbounded,
        _ => !std::mem::replace(&mut host_flaw, true),
    });
    findings
}

impl Flaw {
    /// Whether the flaw is unboundedly many hosts (found by a loop in the automaton).
    fn is_unbounded(&self) -> bool {
        matches!(
            self,
            Flaw::AnyOrigin
                | Flaw::PublicSuffix(_)
                | Flaw::OpenEnded(_)
                | Flaw::OpenTail
                | Flaw::AddressRange
        )
    }

    /// The order in which flaws are reported, the most telling first.
    fn rank(&self) -> u8 {
        match self {
            Flaw::Null => 0,
            Flaw::AnyOrigin => 1,
            Flaw::PublicSuffix(_) => 2,
            Flaw::OpenEnded(_) => 3,
            Flaw::OpenTail => 4,
            Flaw::AddressRange => 5,
            Flaw::NotSpelledOut(_) => 6,
            Flaw::Unprovable(_) => 7,
            Flaw::Insecure => 8,
        }
    }
}

/// The state of one analysis.
struct Walk {
    dfa: dense::DFA<Vec<u32>>,
    /// The states from which an admitted origin can still be completed: the walk never
    /// enters the others.
    productive: HashSet<StateID>,
    /// `(state, after a dot, in brackets)` from which no admitted origin can be completed.
    no_completion: HashSet<(StateID, bool, bool)>,
    forward: regex::Regex,
    /// The literal text of the regex, in maximal runs.
    literals: Vec<String>,
    budget: usize,
    /// Set once a flaw of the host is found.
    stopped: bool,
    findings: Vec<Finding>,
    /// The registrable domains (or whole hosts) the regex admits, spelled out.
    domains: HashSet<String>,
}

impl Walk {
    fn found(&mut self, flaw: Flaw, example: Option<String>) {
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
    fn productive_states(&self, start: StateID) -> HashSet<StateID> {
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
    fn host_ends(&self, start: StateID) -> Vec<(StateID, String)> {
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
    fn host(&mut self, state: StateID, rev: &mut Vec<u8>, path: &mut Vec<StateID>, port: &str) {
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
    fn cross_check(&mut self) {
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

/// The hosts an attacker would try against a site trusting `domain` (the probes of
/// `corsair audit`: suffix and prefix tricks, dots taken for any character).
fn attack_hosts(domain: &str) -> Vec<String> {
    let mut hosts = vec![
        format!("{domain}.{EVIL}"),
        format!("evil{domain}"),
        format!("evil-{domain}"),
        format!("{domain}-{EVIL}"),
        format!("{domain}_.{EVIL}"),
    ];
    if let Some(rest) = domain.get(1..).filter(|r| r.contains('.')) {
        hosts.push(rest.to_owned());
    }
    for (i, _) in domain.match_indices('.') {
        let mut dotless = domain.to_owned();
        dotless.replace_range(i..=i, "x");
        hosts.push(dotless);
    }
    hosts
}

/// The registrable domain of the labels `tail` (read so far, right of a dot), when
/// they have one: then every host the regex admits to their left is a subdomain of it.
fn registrable(tail: &str) -> Option<String> {
    let tail = tail.strip_suffix('.').unwrap_or(tail);
    if tail.is_empty() || tail.split('.').any(str::is_empty) {
        return None;
    }
    if tail == "localhost" || tail.ends_with(".localhost") {
        return Some("localhost".to_owned());
    }
    if tail.rsplit('.').next().is_some_and(is_digits) {
        return None;
    }
    psl::domain_str(tail).map(str::to_owned)
}

fn reversed_host(rev: &[u8]) -> String {
    rev.iter().rev().map(|&b| char::from(b)).collect()
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A host corsair's origin parser accepts (label lengths aside).
fn is_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[') {
        return inner
            .strip_suffix(']')
            .is_some_and(|a| a.len() >= 2 && a.bytes().all(|b| IPV6_CHARS.contains(&b)));
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| DOMAIN_CHARS.contains(&b) && b != b'.')
        })
}

fn is_address(name: &str) -> bool {
    name.starts_with('[') || name.rsplit('.').next().is_some_and(is_digits)
}

fn is_loopback(name: &str) -> bool {
    super::pattern::is_localhost_name(name)
        || name == "[::1]"
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The maximal runs of literal text in `hir`: literals, and classes that admit a single
/// character an origin can hold (`[.]`, `(?i)a`), concatenated.
fn literal_runs(hir: &Hir, out: &mut Vec<String>) {
    match hir.kind() {
        HirKind::Concat(items) => {
            let mut run = String::new();
            for item in items {
                if let Some(text) = single(item) {
                    run.push_str(&text);
                } else if matches!(item.kind(), HirKind::Look(_)) {
                } else {
                    if !run.is_empty() {
                        out.push(std::mem::take(&mut run));
                    }
                    literal_runs(item, out);
                }
            }
            if !run.is_empty() {
                out.push(run);
            }
        }
        HirKind::Alternation(items) => items.iter().for_each(|item| literal_runs(item, out)),
        HirKind::Capture(capture) => literal_runs(&capture.sub, out),
        HirKind::Repetition(repetition) => literal_runs(&repetition.sub, out),
        HirKind::Literal(_) | HirKind::Class(_) => out.extend(single(hir)),
        HirKind::Empty | HirKind::Look(_) => {}
    }
}

/// The text `hir` always matches, when it is literal.
fn single(hir: &Hir) -> Option<String> {
    /// The characters an origin can hold.
    fn origin_char(c: char) -> bool {
        c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.:/[]".contains(c)
    }
    match hir.kind() {
        HirKind::Literal(literal) => std::str::from_utf8(&literal.0).ok().map(str::to_owned),
        HirKind::Class(Class::Unicode(class)) => {
            let mut chars = class
                .ranges()
                .iter()
                .flat_map(|r| {
                    let (start, end) = (u32::from(r.start()), u32::from(r.end()).min(0x7f));
                    (start..=end).filter_map(char::from_u32)
                })
                .filter(|&c| origin_char(c));
            let first = chars.next()?;
            chars.next().is_none().then(|| first.to_string())
        }
        HirKind::Class(Class::Bytes(class)) => {
            let mut chars = class
                .ranges()
                .iter()
                .flat_map(|r| (r.start()..=r.end().min(0x7f)).map(char::from))
                .filter(|&c| origin_char(c));
            let first = chars.next()?;
            chars.next().is_none().then(|| first.to_string())
        }
        HirKind::Capture(capture) => single(&capture.sub),
        HirKind::Concat(items) => items
            .iter()
            .filter(|item| !matches!(item.kind(), HirKind::Look(_)))
            .map(single)
            .collect(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flaws(regex: &str) -> Vec<Flaw> {
        analyse(regex).into_iter().map(|f| f.flaw).collect()
    }

    fn example(regex: &str) -> String {
        analyse(regex)
            .into_iter()
            .find_map(|f| f.example)
            .unwrap_or_default()
    }

    #[test]
    fn safe_regexes_have_no_flaw() {
        for regex in [
            r"https://(app|admin)\.example\.com",
            r"https://[a-z0-9-]+\.example\.com",
            r"^https://api-[0-9]+\.example\.com$",
            r"https://pr-\d+\.preview\.example\.com",
            r"https://([a-z]+\.)*example\.com",
            r"https://example\.com(:[0-9]+)?",
            r"(https://example\.com|https://example\.org)",
            r"https://[a-z]+\.example\.co\.uk",
            r"http://localhost:[0-9]+",
            r"http://127\.0\.0\.1:\d{2,5}",
            r"http://[a-z]+\.localhost(:\d+)?",
            r"http://localhost\.:[0-9]+",
            r"http://[a-z]+\.localhost\.(:\d+)?",
            r"(?i)https://APP\.example\.com",
            r"https://app[.]example[.]com",
            r"https://[a-z]+\.user\.github\.io",
        ] {
            assert_eq!(flaws(regex), [], "{regex}");
        }
    }

    #[test]
    fn any_origin() {
        assert_eq!(flaws(".*")[..2], [Flaw::Null, Flaw::AnyOrigin]);
        assert_eq!(flaws("https://.*"), [Flaw::AnyOrigin]);
        assert_eq!(example("https://.*"), "https://evil.com");
        assert!(flaws("https?://.+").contains(&Flaw::AnyOrigin));
    }

    #[test]
    fn public_suffixes() {
        assert_eq!(
            flaws(r"https://[a-z]+\.com"),
            [Flaw::PublicSuffix("com".into())]
        );
        assert_eq!(example(r"https://[a-z]+\.com"), "https://evil.com");
        assert_eq!(
            flaws(r"https://[a-z0-9-]+\.github\.io"),
            [Flaw::PublicSuffix("github.io".into())]
        );
        assert_eq!(
            flaws(r"https://.*\.co\.uk"),
            [Flaw::PublicSuffix("co.uk".into())]
        );
    }

    #[test]
    fn prefix_and_suffix_tricks() {
        assert_eq!(flaws(r"https://example\.com.*"), [Flaw::OpenTail]);
        assert_eq!(
            example(r"https://example\.com.*"),
            "https://example.com.evil.com"
        );
        assert_eq!(
            flaws(r"https://.*example\.com"),
            [Flaw::OpenEnded("example.com".into())]
        );
        assert_eq!(
            example(r"https://.*example\.com"),
            "https://evilexample.com"
        );
        assert_eq!(
            flaws(r"https://[a-z]*-example\.com"),
            [Flaw::OpenEnded("-example.com".into())]
        );
    }

    #[test]
    fn unescaped_dots() {
        let found = analyse("https://app.example.com");
        assert!(
            matches!(&found[0].flaw, Flaw::NotSpelledOut(_)),
            "{found:?}"
        );
        let shown = found[0].example.as_deref().unwrap_or_default();
        assert!(
            regex::Regex::new("^https://app.example.com$")
                .unwrap()
                .is_match(shown)
                && shown != "https://app.example.com",
            "{shown}"
        );
        // Its `[a-z]+` and the unescaped dot make unboundedly many registrable domains
        // (`a.examplexcom`, `aa.examplexcom`, ...).
        assert_eq!(
            flaws(r"https://[a-z]+\.example.com"),
            [Flaw::OpenEnded("com".into())]
        );
    }

    #[test]
    fn plain_http_and_null() {
        assert_eq!(flaws(r"http://app\.example\.com"), [Flaw::Insecure]);
        assert_eq!(flaws(r"https?://[a-z]+\.example\.com"), [Flaw::Insecure]);
        assert_eq!(
            example(r"https?://[a-z]+\.example\.com"),
            "http://a.example.com"
        );
        assert_eq!(flaws("null"), [Flaw::Null]);
        assert_eq!(flaws(r"null|https://example\.com"), [Flaw::Null]);
    }

    #[test]
    fn addresses() {
        assert_eq!(flaws(r"https://10\.0\.0\.[0-9]+"), [Flaw::AddressRange]);
        assert_eq!(flaws(r"https://\[[0-9a-f:]+\]"), [Flaw::AddressRange]);
        assert_eq!(flaws(r"https://10\.0\.0\.7"), []);
        assert!(matches!(
            flaws(r"https://10\.0\.0\.[1-3]")[0],
            Flaw::NotSpelledOut(_)
        ));
    }

    #[test]
    fn pieced_domains_are_unprovable_not_accepted() {
        assert!(matches!(
            flaws(r"https://example\.(com|org)")[0],
            Flaw::NotSpelledOut(_)
        ));
    }

    #[test]
    fn what_cannot_be_built_is_refused() {
        assert!(matches!(
            flaws(r"https://\bexample\.com")[0],
            Flaw::Unprovable(_)
        ));
    }

    #[test]
    fn ports_do_not_hide_hosts() {
        assert_eq!(flaws(r"https://.*:8443"), [Flaw::AnyOrigin]);
        assert_eq!(flaws(r"https://example\.com:\d+"), []);
    }

    #[test]
    fn literal_runs_merge_single_characters() {
        let hir = regex_syntax::Parser::new()
            .parse(r"https://(app|admin)[.]example\.com")
            .unwrap();
        let mut runs = Vec::new();
        literal_runs(&hir, &mut runs);
        assert!(runs.contains(&".example.com".to_owned()), "{runs:?}");
    }
}
