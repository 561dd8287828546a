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

use std::collections::HashSet;

use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::nfa::thompson;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind};

mod hosts;
mod walk;

use hosts::literal_runs;
use walk::Walk;

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
