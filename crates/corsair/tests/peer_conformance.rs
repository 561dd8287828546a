//! The peers' own CORS test suites as a conformance table.
//!
//! Every entry is one request (or one configuration) of a peer library's test suite:
//! where it comes from, the peer's configuration translated into corsair's builder, the
//! request, what the peer's test asserts, and what corsair answers. The test computes
//! corsair's answer and checks it against the entry; it also checks that an entry marked
//! [`Verdict::Agree`] really agrees with the peer, and that every other entry says why it
//! differs: a [`Why`] naming the rule that corsair follows, or a [`Verdict::Bug`].
//!
//! The summary printed at the end (`cargo test --test peer_conformance -- --nocapture`)
//! is recorded in `docs/conformance.md`.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use common::{headers, sent};
use corsair::{Action, Code, Config, Policy};
use http::Method;

// ---------------------------------------------------------------------------------------
// The table's vocabulary.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Peer {
    Starlette,
    DjangoCorsHeaders,
    TowerHttp,
    ActixCors,
    RsCors,
    Jub0bsCors,
}

impl Peer {
    fn name(self) -> &'static str {
        match self {
            Peer::Starlette => "Starlette",
            Peer::DjangoCorsHeaders => "django-cors-headers",
            Peer::TowerHttp => "tower-http",
            Peer::ActixCors => "actix-cors",
            Peer::RsCors => "rs/cors",
            Peer::Jub0bsCors => "jub0bs/cors",
        }
    }
}

/// Where a case comes from: peer, file, test (and the step, for a test that sends
/// several requests).
struct Source {
    peer: Peer,
    file: &'static str,
    test: &'static str,
}

/// The request of a case.
struct Request {
    method: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    /// Headers the application's own response carries (`Vary` merging).
    app: &'static [(&'static str, &'static str)],
}

const fn get(headers: &'static [(&'static str, &'static str)]) -> Request {
    Request {
        method: "GET",
        path: "/",
        headers,
        app: &[],
    }
}

const fn req(method: &'static str, headers: &'static [(&'static str, &'static str)]) -> Request {
    Request {
        method,
        path: "/",
        headers,
        app: &[],
    }
}

const fn options(headers: &'static [(&'static str, &'static str)]) -> Request {
    req("OPTIONS", headers)
}

/// What happens to the request, as a class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// It reaches the application, which gives the status.
    App,
    /// The middleware answers it with a 2xx status.
    Ok,
    /// The middleware answers it with a 4xx status.
    Refused,
}

/// One response header as asserted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum H {
    /// Present with this value (lists compare as sets; header names case-insensitively).
    Is(&'static str),
    /// Present, its list containing this element.
    Has(&'static str),
    /// Absent.
    No,
}

/// An expected outcome.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// The configuration is accepted (a configuration-validation case).
    Accepted,
    /// The configuration is refused; for corsair, with these codes among its errors.
    Refused(&'static [Code]),
    /// The request's answer: allowed for a browser or not, its status class and the
    /// response headers asserted.
    Answer {
        allowed: bool,
        status: Status,
        headers: &'static [(&'static str, H)],
    },
}

use Expect::{Accepted, Answer, Refused};
use H::{Has, Is, No};

/// Why corsair's answer differs from the peer's: the rule that requires it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Why {
    /// Any origin together with credentials is reflecting every origin with cookies:
    /// Fetch forbids `*` with credentials, and echoing the origin instead defeats the
    /// same-origin policy (PortSwigger "origin reflection"). Refused at build time.
    WildcardNeverWithCredentials,
    /// Fetch §3.2.2 (CORS protocol): a CORS-preflight request is an `OPTIONS` request with
    /// `Origin` and `Access-Control-Request-Method`; any other `OPTIONS` is an ordinary
    /// request for the application.
    FetchPreflightIsOptionsWithAcrm,
    /// A rejected origin learns nothing: no `Access-Control-*` header at all (Fetch's CORS
    /// check fails on a missing `Access-Control-Allow-Origin` anyway; sending the others
    /// leaks the policy).
    NoCorsHeadersForRejectedOrigin,
    /// Fetch §4.8 (CORS-preflight fetch): a preflight fails unless its status is ok and
    /// the CORS check passes; corsair says so with 403 where the peer answers 200 without
    /// `Access-Control-Allow-Origin`. The browser's outcome is the same.
    PreflightRefusalStatus,
    /// Fetch §4.8: the browser only checks that the requested method and headers are
    /// covered by `Access-Control-Allow-Methods` and `-Headers` (`*` covers any but
    /// `authorization`, without credentials); the peer and corsair word the same
    /// permission differently (the whole list, what was asked, or `*`). Same outcome.
    SameListsWordedDifferently,
    /// Fetch §3.2.5: `Access-Control-Allow-Origin: *` is the answer for any origin
    /// without credentials, whatever cookies the request carries (a request that sends
    /// cookies with `*` fails in the browser, as it should when the policy has no
    /// credentials).
    WildcardMeansAnyWithoutCredentials,
    /// RFC 6454 / Fetch: the `Origin` header is a serialized origin, byte for byte
    /// (lowercase scheme and host, no default port, no path); anything else is not an
    /// origin a browser sends and matches nothing.
    StrictOriginSerialization,
    /// RFC 9110 §12.5.5 and Fetch §3.2.5 ("CORS protocol and HTTP caches"): a response whose
    /// CORS headers depend on `Origin` says `Vary: Origin`, rejected origins and preflights
    /// included.
    VaryOnEveryOriginDependentResponse,
    /// W3C Secure Contexts: a plain-http, non-loopback origin can be impersonated by any
    /// network attacker; trusting it with credentials is refused (`insecure-origin`).
    InsecureOriginWithCredentials,
    /// Fetch §3.2.3 (HTTP responses): `Access-Control-Allow-Credentials` is `true` or
    /// absent; a preflight's `Access-Control-Allow-Methods` and headers are not part of
    /// an actual response. corsair sends only the headers the response kind uses.
    OnlyHeadersTheKindUses,
    /// `null` is the origin of sandboxed iframes and `data:` documents, which any attacker
    /// can create (CVE-2019-9580 class): listing it needs `dangerously_allow_null_origin`.
    NullOriginIsAnyone,
    /// A configuration that does nothing or contradicts itself is refused up front (every
    /// mistake at once) rather than silently ignored (corsair's validation promise).
    InvalidConfigRefused,
    /// Fetch §3.2.5 ("CORS protocol and HTTP caches"): when `Access-Control-Allow-Origin`
    /// is `*` (or one static origin), send it on every response, non-CORS requests
    /// included, and no `Vary`, so that a cached response serves everyone.
    StaticAnswerOnEveryResponse,
    /// Fetch "CORS-safelisted response-header name": `Cache-Control`, `Content-Language`,
    /// `Content-Length`, `Content-Type`, `Expires`, `Last-Modified` and `Pragma` are
    /// always readable; corsair leaves them out of `Access-Control-Expose-Headers`.
    SafelistedResponseHeadersAlwaysExposed,
    /// Fetch §3.2.3: with credentials, `*` in `Access-Control-Allow-Methods` or
    /// `-Headers` is a literal name, so "any method/header" is answered by echoing what
    /// was requested. Which methods and headers are allowed is not a trust decision (the
    /// origin list is), so corsair accepts the policy where the peer refuses it.
    AnyMethodOrHeaderWithCredentialsIsEchoed,
    /// RFC 9110 §5.6.1, §5.3, §5.6.3: empty list elements, optional whitespace around
    /// elements and several field lines are all valid list syntax, parsed and ignored.
    /// corsair bounds the cost of `Access-Control-Request-Headers` by its length, not by
    /// counting empty elements or whitespace as jub0bs/cors does.
    ListSyntaxBoundedByLength,
    /// RFC 9110 §5.6.1: `Access-Control-Request-Headers` is a list of names whose order
    /// and repetitions do not change which headers are asked for; browsers send it sorted
    /// and without duplicates (Fetch "CORS-unsafe request-header names"), jub0bs/cors
    /// refuses any other form, corsair reads the names.
    ListOrderAndDuplicatesIrrelevant,
    /// WHATWG URL §3.5 (domain to ASCII): a browser sends an internationalized host in
    /// Punycode; corsair converts a listed Unicode host the same way, so the entry matches
    /// the origin browsers send.
    IdnaHostAsBrowsersSendIt,
    /// Debug mode (both libraries): a preflight refused for its method or headers gets an
    /// ok status so that the browser's console names the problem; corsair lists what is
    /// allowed, the peer does not. The browser fails the preflight either way (Fetch §4.8).
    DebugModeWording,
}

impl Why {
    fn rule(self) -> &'static str {
        match self {
            Why::WildcardNeverWithCredentials => {
                "Fetch §3.2.5: no `*` with credentials; reflecting any origin with credentials defeats the same-origin policy"
            }
            Why::FetchPreflightIsOptionsWithAcrm => {
                "Fetch §3.2.2: a preflight is OPTIONS with Origin and Access-Control-Request-Method; other OPTIONS go to the application"
            }
            Why::NoCorsHeadersForRejectedOrigin => {
                "Fetch §4.9 CORS check: a rejected origin gets no Access-Control-* header at all (nothing about the policy leaks)"
            }
            Why::PreflightRefusalStatus => {
                "Fetch §4.8: a refused preflight is answered 403 without CORS headers; the peer's 200 without them fails the same way"
            }
            Why::SameListsWordedDifferently => {
                "Fetch §4.8: the browser checks the requested method/headers against the lists; the whole list, an echo or `*` grant the same"
            }
            Why::WildcardMeansAnyWithoutCredentials => {
                "Fetch §3.2.5: without credentials `*` answers every origin, cookies or not"
            }
            Why::StrictOriginSerialization => {
                "RFC 6454 §6.2, Fetch: Origin is a serialized origin byte for byte; other spellings match nothing"
            }
            Why::VaryOnEveryOriginDependentResponse => {
                "RFC 9110 §12.5.5, Fetch §3.2.5: every response whose CORS headers depend on Origin carries Vary: Origin"
            }
            Why::InsecureOriginWithCredentials => {
                "W3C Secure Contexts: plain-http non-loopback origins are refused with credentials"
            }
            Why::OnlyHeadersTheKindUses => {
                "Fetch §3.2.3: each response kind carries only the CORS headers it uses"
            }
            Why::NullOriginIsAnyone => {
                "HTML sandboxing / CVE-2019-9580: the `null` origin is anyone's; listing it needs an explicit danger flag"
            }
            Why::InvalidConfigRefused => {
                "corsair's validation: a contradictory or ineffective setting is refused up front, not ignored"
            }
            Why::StaticAnswerOnEveryResponse => {
                "Fetch §3.2.5: a static `*` is sent on every response, non-CORS ones included, without Vary, so caches serve everyone"
            }
            Why::SafelistedResponseHeadersAlwaysExposed => {
                "Fetch CORS-safelisted response-header name: content-type & co. are always readable, so not listed in Expose-Headers"
            }
            Why::AnyMethodOrHeaderWithCredentialsIsEchoed => {
                "Fetch §3.2.3: with credentials `*` is literal in Allow-Methods/-Headers, so any method/header is answered by echoing the request"
            }
            Why::ListSyntaxBoundedByLength => {
                "RFC 9110 §5.6.1, §5.6.3: empty elements and OWS are valid list syntax; corsair bounds Access-Control-Request-Headers by length"
            }
            Why::ListOrderAndDuplicatesIrrelevant => {
                "RFC 9110 §5.6.1: the requested header names are a set; order and repetition ask for nothing more"
            }
            Why::IdnaHostAsBrowsersSendIt => {
                "WHATWG URL §3.5 domain to ASCII: a Unicode host is listed as the Punycode host browsers send"
            }
            Why::DebugModeWording => {
                "debug mode: a refused preflight gets an ok status and corsair's lists for the console; the browser fails it either way (Fetch §4.8)"
            }
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Verdict {
    /// corsair answers as the peer does.
    Agree,
    /// corsair answers differently, as a rule requires.
    Justified(Why),
    /// corsair answers differently and no rule justifies it: a corsair bug. The entry's
    /// corsair expectation is corsair's current answer.
    #[allow(dead_code)] // no entry records an open bug today (docs/conformance.md)
    Bug(&'static str),
    /// The case tests a peer-only API detail; not ported (one-line reason).
    Skip(&'static str),
}

use Verdict::{Agree, Bug, Justified, Skip};

/// A translated configuration: the builder, or a TOML file (for the peers' checks of
/// values of the wrong type, which the builder's types rule out).
enum Cfg {
    B(fn() -> Config),
    Toml(&'static str),
}

use Cfg::{B, Toml};

struct Case {
    source: Source,
    /// The peer's configuration, translated.
    config: Cfg,
    /// The request, or `None` for a configuration-validation case.
    request: Option<Request>,
    peer: Expect,
    corsair: Expect,
    verdict: Verdict,
}

// ---------------------------------------------------------------------------------------
// Checking.

/// A list header's elements, for comparing lists as sets.
fn elements(name: &str, value: &str) -> Vec<String> {
    let mut v: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            // Methods are case-sensitive; header names and Vary tokens are not.
            if name == "access-control-allow-methods" {
                s.to_owned()
            } else {
                s.to_ascii_lowercase()
            }
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

fn is_list(name: &str) -> bool {
    matches!(
        name,
        "access-control-allow-methods"
            | "access-control-allow-headers"
            | "access-control-expose-headers"
            | "vary"
    )
}

/// Whether an actual header value satisfies an assertion.
fn satisfies(name: &str, actual: Option<&str>, assertion: H) -> bool {
    match (assertion, actual) {
        (No, None) => true,
        (Is(want), Some(got)) if is_list(name) => elements(name, want) == elements(name, got),
        (Is(want), Some(got)) => want == got,
        (Has(want), Some(got)) => elements(name, got).contains(&elements(name, want)[0]),
        _ => false,
    }
}

/// Whether two assertions about one header say the same thing (the peer's against
/// corsair's).
fn same_assertion(name: &str, peer: H, corsair: H) -> bool {
    match corsair {
        No => peer == No,
        Is(v) | Has(v) => {
            !matches!(peer, No) && {
                // A peer's `Has(x)` agrees with corsair's `Is(list)` containing x.
                let peer_ok = satisfies(name, Some(v), peer);
                peer_ok && (matches!(corsair, Is(_)) || peer == corsair)
            }
        }
    }
}

fn agrees(peer: &Expect, corsair: &Expect) -> bool {
    match (peer, corsair) {
        (Accepted, Accepted) | (Refused(_), Refused(_)) => true,
        (
            Answer {
                allowed: pa,
                status: ps,
                headers: ph,
            },
            Answer {
                allowed: ca,
                status: cs,
                headers: ch,
            },
        ) => {
            pa == ca
                && ps == cs
                && ph.iter().all(|(name, p)| {
                    ch.iter()
                        .find(|(n, _)| n == name)
                        .is_some_and(|(_, c)| same_assertion(name, *p, *c))
                })
        }
        _ => false,
    }
}

/// corsair's actual outcome for a case, checked against the entry's expectation.
/// Returns an error message on a mismatch.
fn check(case: &Case) -> Result<(), String> {
    let built = match case.config {
        B(config) => config().build(),
        Toml(text) => Config::from_toml_str(text).and_then(Config::build),
    };
    match (&case.corsair, built, &case.request) {
        (Accepted, Ok(_), None) => Ok(()),
        (Refused(codes), Err(e), _) => {
            let got: Vec<Code> = e.errors().map(|d| d.code()).collect();
            if codes.iter().all(|c| got.contains(c)) && !codes.is_empty() {
                Ok(())
            } else {
                Err(format!("refused with {got:?}, expected {codes:?}"))
            }
        }
        (
            Answer {
                allowed,
                status,
                headers: want,
            },
            Ok(policy),
            Some(request),
        ) => {
            let map = headers(request.headers);
            let method = Method::from_bytes(request.method.as_bytes()).unwrap();
            let decision = policy.decide(&method, request.path, &map);
            let got_status = match decision.action() {
                Action::Forward => Status::App,
                Action::Respond(s) if s.is_success() => Status::Ok,
                Action::Respond(_) => Status::Refused,
            };
            let got_allowed = decision.allowed();
            // The response as the client sees it: the application's headers (if it
            // answers) with corsair's applied on top.
            let mut response = http::HeaderMap::new();
            if got_status == Status::App {
                response = common::headers(request.app);
            }
            let shown = sent(&decision);
            decision.into_headers().apply_to(&mut response);
            let mut errors = Vec::new();
            if got_allowed != *allowed {
                errors.push(format!("allowed: {got_allowed}, expected {allowed}"));
            }
            if got_status != *status {
                errors.push(format!("status: {got_status:?}, expected {status:?}"));
            }
            for (name, assertion) in *want {
                let values: Vec<&str> = response
                    .get_all(*name)
                    .iter()
                    .map(|v| v.to_str().unwrap())
                    .collect();
                let joined = values.join(", ");
                let actual = (!values.is_empty()).then_some(joined.as_str());
                if !satisfies(name, actual, *assertion) {
                    errors.push(format!("{name}: {actual:?}, expected {assertion:?}"));
                }
            }
            if errors.is_empty() {
                Ok(())
            } else {
                Err(format!("{} (sent {shown:?})", errors.join("; ")))
            }
        }
        (expected, Ok(_), _) => Err(format!("built, expected {expected:?}")),
        (expected, Err(e), _) => Err(format!(
            "refused with {:?}, expected {expected:?}",
            e.errors().map(|d| d.code()).collect::<Vec<_>>()
        )),
    }
}

#[derive(Default)]
struct Tally {
    cases: usize,
    agree: usize,
    justified: BTreeMap<Why, usize>,
    bugs: Vec<String>,
    skipped: usize,
    skips: Vec<String>,
}

#[test]
fn peer_suites() {
    let mut failures = Vec::new();
    let mut tallies: BTreeMap<Peer, Tally> = BTreeMap::new();
    for case in cases() {
        let src = &case.source;
        let label = format!("{} {} {}", src.peer.name(), src.file, src.test);
        let tally = tallies.entry(src.peer).or_default();
        if let Skip(why) = case.verdict {
            tally.skipped += 1;
            tally.skips.push(format!("{label}: {why}"));
            continue;
        }
        tally.cases += 1;
        if let Err(e) = check(&case) {
            failures.push(format!("{label}: corsair {e}"));
        }
        // A missing corsair assertion for a header the peer asserts is a table error.
        if let (Answer { headers: ph, .. }, Answer { headers: ch, .. }) =
            (&case.peer, &case.corsair)
        {
            for (name, _) in *ph {
                if !ch.iter().any(|(n, _)| n == name) {
                    failures.push(format!("{label}: no corsair expectation for `{name}`"));
                }
            }
        }
        let same = agrees(&case.peer, &case.corsair);
        match case.verdict {
            Agree if same => tally.agree += 1,
            Agree => failures.push(format!("{label}: marked Agree but differs from the peer")),
            Justified(_) | Bug(_) if same => {
                failures.push(format!("{label}: marked as a difference but agrees"));
            }
            Justified(why) => *tally.justified.entry(why).or_default() += 1,
            Bug(what) => tally.bugs.push(format!("{label}: {what}")),
            Skip(_) => unreachable!(),
        }
    }
    let summary = summary(&tallies);
    println!("{summary}");
    // docs/conformance.md records the table: keep it equal.
    for table in summary.split("\n\n").take(2) {
        if !include_str!("../../../docs/conformance.md").contains(table.trim()) {
            failures.push(format!(
                "docs/conformance.md does not carry this table of the summary; update it to:\n{table}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn summary(tallies: &BTreeMap<Peer, Tally>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| peer | cases | agree | justified | bugs | skipped |\n|---|---|---|---|---|---|"
    );
    let mut total = Tally::default();
    for (peer, t) in tallies {
        let justified: usize = t.justified.values().sum();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            peer.name(),
            t.cases,
            t.agree,
            justified,
            t.bugs.len(),
            t.skipped
        );
        total.cases += t.cases;
        total.agree += t.agree;
        total.skipped += t.skipped;
        for (why, n) in &t.justified {
            *total.justified.entry(*why).or_default() += n;
        }
        total.bugs.extend(t.bugs.iter().cloned());
        total.skips.extend(t.skips.iter().cloned());
    }
    let _ = writeln!(
        out,
        "| **total** | {} | {} | {} | {} | {} |",
        total.cases,
        total.agree,
        total.justified.values().sum::<usize>(),
        total.bugs.len(),
        total.skipped
    );
    // Justified differences by class and peer, most frequent class first.
    let _ = write!(out, "\n| class |");
    for peer in tallies.keys() {
        let _ = write!(out, " {} |", peer.name());
    }
    let _ = write!(out, " total |\n|---|");
    for _ in tallies.keys() {
        let _ = write!(out, "---|");
    }
    let _ = writeln!(out, "---|");
    let mut classes: Vec<(Why, usize)> = total.justified.iter().map(|(w, n)| (*w, *n)).collect();
    classes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (why, n) in classes {
        let _ = write!(out, "| `{why:?}` |");
        for t in tallies.values() {
            match t.justified.get(&why) {
                Some(k) => {
                    let _ = write!(out, " {k} |");
                }
                None => out.push_str(" |"),
            }
        }
        let _ = writeln!(out, " {n} |");
    }
    let _ = writeln!(out, "\nRules:\n");
    for why in total.justified.keys() {
        let _ = writeln!(out, "- `{why:?}`: {}", why.rule());
    }
    let _ = writeln!(out, "\nBugs:\n");
    for bug in &total.bugs {
        let _ = writeln!(out, "- {bug}");
    }
    let _ = writeln!(out, "\nSkipped (a peer-only API detail):\n");
    for skip in &total.skips {
        let _ = writeln!(out, "- {skip}");
    }
    out
}

// ---------------------------------------------------------------------------------------
// The table.

fn cases() -> Vec<Case> {
    let mut all = Vec::new();
    all.extend(starlette());
    all.extend(django());
    all.extend(tower_http());
    all.extend(actix());
    all.extend(rs_cors());
    all.extend(jub0bs_config());
    all.extend(jub0bs_middleware());
    all.extend(jub0bs_patterns());
    all.extend(jub0bs_acrh());
    all.extend(jub0bs_methods());
    all
}

// Starlette, tests/middleware/test_cors.py ------------------------------------------------

const STARLETTE: &str = "tests/middleware/test_cors.py";

fn starlette_src(test: &'static str) -> Source {
    Source {
        peer: Peer::Starlette,
        file: STARLETTE,
        test,
    }
}

const ORG: (&str, &str) = ("origin", "https://example.org");

fn starlette() -> Vec<Case> {
    let s = starlette_src;
    let allow_all_creds = || {
        Policy::builder()
            .allow_origins(["*"])
            .allow_headers(["*"])
            .allow_methods(["*"])
            .expose_headers(["X-Status"])
            .allow_credentials(true)
    };
    let allow_all = || {
        Policy::builder()
            .allow_origins(["*"])
            .allow_headers(["*"])
            .allow_methods(["*"])
            .expose_headers(["X-Status"])
    };
    let specific = || {
        Policy::builder()
            .allow_origins(["https://example.org"])
            .allow_headers(["X-Example", "Content-Type"])
    };
    let disallowed = || {
        Policy::builder()
            .allow_origins(["https://example.org"])
            .allow_headers(["X-Example"])
    };
    let regex_creds = || {
        Policy::builder()
            .allow_headers(["X-Example", "Content-Type"])
            .allow_origin_regexes(["https://.*"])
            .allow_credentials(true)
    };
    let any = || Policy::builder().allow_origins(["*"]);
    let example = || Policy::builder().allow_origins(["https://example.org"]);
    const ANY_CREDS: Expect = Refused(&[Code::WildcardOriginWithCredentials]);
    const REGEX_CREDS: Expect = Refused(&[Code::UnsafeOriginRegex]);
    let mut v = vec![
        Case {
            source: s("test_cors_allow_all (preflight)"),
            config: B(allow_all_creds),
            request: Some(options(&[
                ORG,
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "X-Example"),
            ])),
            peer: Answer {
                allowed: true,
                status: Status::Ok,
                headers: &[
                    ("access-control-allow-origin", Is("https://example.org")),
                    ("access-control-allow-headers", Is("X-Example")),
                    ("access-control-allow-credentials", Is("true")),
                    ("vary", Is("Origin")),
                ],
            },
            corsair: ANY_CREDS,
            verdict: Justified(Why::WildcardNeverWithCredentials),
        },
        Case {
            source: s("test_cors_allow_all (actual)"),
            config: B(allow_all_creds),
            request: Some(get(&[ORG])),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: &[
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-expose-headers", Is("X-Status")),
                    ("access-control-allow-credentials", Is("true")),
                ],
            },
            corsair: ANY_CREDS,
            verdict: Justified(Why::WildcardNeverWithCredentials),
        },
        Case {
            source: s("test_cors_allow_all (credentialed actual)"),
            config: B(allow_all_creds),
            request: Some(get(&[ORG, ("cookie", "star_cookie=sugar")])),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: &[
                    ("access-control-allow-origin", Is("https://example.org")),
                    ("access-control-expose-headers", Is("X-Status")),
                    ("access-control-allow-credentials", Is("true")),
                ],
            },
            corsair: ANY_CREDS,
            verdict: Justified(Why::WildcardNeverWithCredentials),
        },
        Case {
            source: s("test_cors_allow_all (non-CORS)"),
            config: B(allow_all_creds),
            request: Some(get(&[])),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: &[("access-control-allow-origin", No)],
            },
            corsair: ANY_CREDS,
            verdict: Justified(Why::WildcardNeverWithCredentials),
        },
        Case {
            source: s("test_cors_allow_all_except_credentials (preflight)"),
            config: B(allow_all),
            request: Some(options(&[
                ORG,
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "X-Example"),
            ])),
            peer: Answer {
                allowed: true,
                status: Status::Ok,
                headers: &[
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-headers", Is("X-Example")),
                    ("access-control-allow-credentials", No),
                    ("vary", No),
                ],
            },
            corsair: Answer {
                allowed: true,
                status: Status::Ok,
                headers: &[
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-headers", Is("*")),
                    ("access-control-allow-credentials", No),
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                ],
            },
            verdict: Justified(Why::VaryOnEveryOriginDependentResponse),
        },
        Case {
            source: s("test_cors_allow_all_except_credentials (actual)"),
            config: B(allow_all),
            request: Some(get(&[ORG])),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: &[
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-expose-headers", Is("X-Status")),
                    ("access-control-allow-credentials", No),
                ],
            },
            corsair: Answer {
                allowed: true,
                status: Status::App,
                headers: &[
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-expose-headers", Is("x-status")),
                    ("access-control-allow-credentials", No),
                ],
            },
            verdict: Agree,
        },
        Case {
            source: s("test_cors_allow_all_except_credentials (non-CORS)"),
            config: B(allow_all),
            request: Some(get(&[])),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: &[("access-control-allow-origin", No)],
            },
            corsair: Answer {
                allowed: true,
                status: Status::App,
                headers: &[("access-control-allow-origin", Is("*"))],
            },
            verdict: Justified(Why::StaticAnswerOnEveryResponse),
        },
        Case {
            source: s("test_cors_allow_specific_origin (preflight)"),
            config: B(specific),
            request: Some(options(&[
                ORG,
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "X-Example, Content-Type"),
            ])),
            peer: Answer {
                allowed: true,
                status: Status::Ok,
                headers: &[
                    ("access-control-allow-origin", Is("https://example.org")),
                    (
                        "access-control-allow-headers",
                        Is("Accept, Accept-Language, Content-Language, Content-Type, X-Example"),
                    ),
                    ("access-control-allow-credentials", No),
                ],
            },
            corsair: Answer {
                allowed: true,
                status: Status::Ok,
                headers: &[
                    ("access-control-allow-origin", Is("https://example.org")),
                    ("access-control-allow-headers", Is("x-example,content-type")),
                    ("access-control-allow-credentials", No),
                ],
            },
            verdict: Justified(Why::SameListsWordedDifferently),
        },
        Case {
            source: s("test_cors_allow_specific_origin (actual)"),
            config: B(specific),
            request: Some(get(&[ORG])),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: &[
                    ("access-control-allow-origin", Is("https://example.org")),
                    ("access-control-allow-credentials", No),
                ],
            },
            corsair: Answer {
                allowed: true,
                status: Status::App,
                headers: &[
                    ("access-control-allow-origin", Is("https://example.org")),
                    ("access-control-allow-credentials", No),
                ],
            },
            verdict: Agree,
        },
        Case {
            source: s("test_cors_allow_specific_origin (non-CORS)"),
            config: B(specific),
            request: Some(get(&[])),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: &[("access-control-allow-origin", No)],
            },
            corsair: Answer {
                allowed: true,
                status: Status::App,
                headers: &[("access-control-allow-origin", No)],
            },
            verdict: Agree,
        },
        Case {
            source: s("test_cors_disallowed_preflight (origin, method, headers)"),
            config: B(disallowed),
            request: Some(options(&[
                ("origin", "https://another.org"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "X-Nope"),
            ])),
            peer: Answer {
                allowed: false,
                status: Status::Refused,
                headers: &[("access-control-allow-origin", No)],
            },
            corsair: Answer {
                allowed: false,
                status: Status::Refused,
                headers: &[("access-control-allow-origin", No)],
            },
            verdict: Agree,
        },
        Case {
            source: s("test_cors_disallowed_preflight (two headers)"),
            config: B(disallowed),
            request: Some(options(&[
                ORG,
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "X-Nope-1, X-Nope-2"),
            ])),
            peer: Answer {
                allowed: false,
                status: Status::Refused,
                headers: &[],
            },
            corsair: Answer {
                allowed: false,
                status: Status::Refused,
                headers: &[("access-control-allow-origin", No)],
            },
            verdict: Agree,
        },
        Case {
            source: s(
                "test_preflight_allows_request_origin_if_origins_wildcard_and_credentials_allowed",
            ),
            config: B(|| {
                Policy::builder()
                    .allow_origins(["*"])
                    .allow_methods(["POST"])
                    .allow_credentials(true)
            }),
            request: Some(options(&[ORG, ("access-control-request-method", "POST")])),
            peer: Answer {
                allowed: true,
                status: Status::Ok,
                headers: &[
                    ("access-control-allow-origin", Is("https://example.org")),
                    ("access-control-allow-credentials", Is("true")),
                    ("vary", Is("Origin")),
                ],
            },
            corsair: ANY_CREDS,
            verdict: Justified(Why::WildcardNeverWithCredentials),
        },
        Case {
            source: s("test_cors_preflight_allow_all_methods"),
            config: B(|| Policy::builder().allow_origins(["*"]).allow_methods(["*"])),
            request: Some(options(&[ORG, ("access-control-request-method", "POST")])),
            peer: Answer {
                allowed: true,
                status: Status::Ok,
                headers: &[(
                    "access-control-allow-methods",
                    Is("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"),
                )],
            },
            corsair: Answer {
                allowed: true,
                status: Status::Ok,
                headers: &[("access-control-allow-methods", Is("POST"))],
            },
            verdict: Justified(Why::SameListsWordedDifferently),
        },
    ];
    for method in ["PATCH", "POST", "PUT", "DELETE", "GET", "HEAD", "OPTIONS"] {
        v.push(Case {
            source: s("test_cors_allow_all_methods"),
            config: B(|| Policy::builder().allow_origins(["*"]).allow_methods(["*"])),
            request: Some(req(method, &[ORG])),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: &[],
            },
            corsair: Answer {
                allowed: true,
                status: Status::App,
                headers: &[("access-control-allow-origin", Is("*"))],
            },
            verdict: Agree,
        });
    }
    for (test, request, peer) in [
        (
            "test_cors_allow_origin_regex (actual)",
            get(&[ORG]),
            Answer {
                allowed: true,
                status: Status::App,
                headers: &[
                    ("access-control-allow-origin", Is("https://example.org")),
                    ("access-control-allow-credentials", Is("true")),
                ],
            },
        ),
        (
            "test_cors_allow_origin_regex (credentialed actual)",
            get(&[ORG, ("cookie", "star_cookie=sugar")]),
            Answer {
                allowed: true,
                status: Status::App,
                headers: &[
                    ("access-control-allow-origin", Is("https://example.org")),
                    ("access-control-allow-credentials", Is("true")),
                ],
            },
        ),
        (
            "test_cors_allow_origin_regex (disallowed actual)",
            get(&[("origin", "http://example.org")]),
            Answer {
                allowed: false,
                status: Status::App,
                headers: &[("access-control-allow-origin", No)],
            },
        ),
        (
            "test_cors_allow_origin_regex (preflight)",
            options(&[
                ("origin", "https://another.com"),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "X-Example, content-type"),
            ]),
            Answer {
                allowed: true,
                status: Status::Ok,
                headers: &[
                    ("access-control-allow-origin", Is("https://another.com")),
                    (
                        "access-control-allow-headers",
                        Is("Accept, Accept-Language, Content-Language, Content-Type, X-Example"),
                    ),
                    ("access-control-allow-credentials", Is("true")),
                ],
            },
        ),
        (
            "test_cors_allow_origin_regex (disallowed preflight)",
            options(&[
                ("origin", "http://another.com"),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "X-Example"),
            ]),
            Answer {
                allowed: false,
                status: Status::Refused,
                headers: &[("access-control-allow-origin", No)],
            },
        ),
    ] {
        v.push(Case {
            source: s(test),
            config: B(regex_creds),
            request: Some(request),
            peer,
            corsair: REGEX_CREDS,
            verdict: Justified(Why::WildcardNeverWithCredentials),
        });
    }
    let fullmatch = || {
        Policy::builder()
            .allow_headers(["X-Example", "Content-Type"])
            .allow_origin_regexes([r"https://.*\.example.org"])
    };
    v.extend([
        Case {
            source: s("test_cors_allow_origin_regex_fullmatch (allowed)"),
            config: B(fullmatch),
            request: Some(get(&[("origin", "https://subdomain.example.org")])),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: &[
                    (
                        "access-control-allow-origin",
                        Is("https://subdomain.example.org"),
                    ),
                    ("access-control-allow-credentials", No),
                ],
            },
            corsair: Answer {
                allowed: true,
                status: Status::App,
                headers: &[
                    (
                        "access-control-allow-origin",
                        Is("https://subdomain.example.org"),
                    ),
                    ("access-control-allow-credentials", No),
                ],
            },
            verdict: Agree,
        },
        Case {
            source: s("test_cors_allow_origin_regex_fullmatch (disallowed)"),
            config: B(fullmatch),
            request: Some(get(&[(
                "origin",
                "https://subdomain.example.org.hacker.com",
            )])),
            peer: Answer {
                allowed: false,
                status: Status::App,
                headers: &[("access-control-allow-origin", No)],
            },
            corsair: Answer {
                allowed: false,
                status: Status::App,
                headers: &[("access-control-allow-origin", No)],
            },
            verdict: Agree,
        },
        Case {
            source: s("test_cors_credentialed_requests_return_specific_origin"),
            config: B(any),
            request: Some(get(&[ORG, ("cookie", "star_cookie=sugar")])),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: &[
                    ("access-control-allow-origin", Is("https://example.org")),
                    ("access-control-allow-credentials", No),
                ],
            },
            corsair: Answer {
                allowed: true,
                status: Status::App,
                headers: &[
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                ],
            },
            verdict: Justified(Why::WildcardMeansAnyWithoutCredentials),
        },
        Case {
            source: s("test_cors_vary_header_defaults_to_origin"),
            config: B(example),
            request: Some(get(&[ORG])),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: &[("vary", Is("Origin"))],
            },
            corsair: Answer {
                allowed: true,
                status: Status::App,
                headers: &[("vary", Is("Origin"))],
            },
            verdict: Agree,
        },
        Case {
            source: s("test_cors_vary_header_is_not_set_for_non_credentialed_request"),
            config: B(any),
            request: Some(Request {
                app: &[("vary", "Accept-Encoding")],
                ..get(&[("origin", "https://someplace.org")])
            }),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: &[("vary", Is("Accept-Encoding"))],
            },
            corsair: Answer {
                allowed: true,
                status: Status::App,
                headers: &[("vary", Is("Accept-Encoding"))],
            },
            verdict: Agree,
        },
        Case {
            source: s("test_cors_vary_header_is_properly_set_for_credentialed_request"),
            config: B(any),
            request: Some(Request {
                app: &[("vary", "Accept-Encoding")],
                ..get(&[("cookie", "foo=bar"), ("origin", "https://someplace.org")])
            }),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: &[("vary", Is("Accept-Encoding, Origin"))],
            },
            corsair: Answer {
                allowed: true,
                status: Status::App,
                headers: &[("vary", Is("Accept-Encoding"))],
            },
            verdict: Justified(Why::WildcardMeansAnyWithoutCredentials),
        },
        Case {
            source: s("test_cors_vary_header_is_properly_set_when_allow_origins_is_not_wildcard"),
            config: B(example),
            request: Some(Request {
                app: &[("vary", "Accept-Encoding")],
                ..get(&[ORG])
            }),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: &[("vary", Is("Accept-Encoding, Origin"))],
            },
            corsair: Answer {
                allowed: true,
                status: Status::App,
                headers: &[("vary", Is("Accept-Encoding, Origin"))],
            },
            verdict: Agree,
        },
    ]);
    let leak = || {
        Policy::builder()
            .allow_origins(["*"])
            .allow_headers(["*"])
            .allow_methods(["*"])
    };
    for (step, request, peer_origin, verdict) in [
        (
            "first",
            get(&[("origin", "https://someplace.org")]),
            "*",
            Agree,
        ),
        (
            "with cookie",
            get(&[("cookie", "foo=bar"), ("origin", "https://someplace.org")]),
            "https://someplace.org",
            Justified(Why::WildcardMeansAnyWithoutCredentials),
        ),
        (
            "again",
            get(&[("origin", "https://someplace.org")]),
            "*",
            Agree,
        ),
    ] {
        let peer_headers: &'static [(&'static str, H)] = if peer_origin == "*" {
            &[
                ("access-control-allow-origin", Is("*")),
                ("access-control-allow-credentials", No),
            ]
        } else {
            &[
                ("access-control-allow-origin", Is("https://someplace.org")),
                ("access-control-allow-credentials", No),
            ]
        };
        v.push(Case {
            source: Source {
                test: match step {
                    "first" => "test_cors_allowed_origin_does_not_leak_between_credentialed_requests (1)",
                    "with cookie" => "test_cors_allowed_origin_does_not_leak_between_credentialed_requests (2, cookie)",
                    _ => "test_cors_allowed_origin_does_not_leak_between_credentialed_requests (3)",
                },
                ..s("")
            },
            config: B(leak),
            request: Some(request),
            peer: Answer {
                allowed: true,
                status: Status::App,
                headers: peer_headers,
            },
            corsair: Answer {
                allowed: true,
                status: Status::App,
                headers: &[
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                ],
            },
            verdict,
        });
    }
    v
}

/// One case, positionally.
fn case(
    source: Source,
    config: Cfg,
    request: Option<Request>,
    peer: Expect,
    corsair: Expect,
    verdict: Verdict,
) -> Case {
    Case {
        source,
        config,
        request,
        peer,
        corsair,
        verdict,
    }
}

const fn ans(allowed: bool, status: Status, headers: &'static [(&'static str, H)]) -> Expect {
    Answer {
        allowed,
        status,
        headers,
    }
}

const fn at(
    method: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
) -> Request {
    Request {
        method,
        path,
        headers,
        app: &[],
    }
}

/// A skipped peer case (a peer-only API detail).
fn skip(source: Source, why: &'static str) -> Case {
    case(
        source,
        B(Policy::builder),
        None,
        Accepted,
        Accepted,
        Skip(why),
    )
}

// django-cors-headers, tests/test_middleware.py and tests/test_checks.py --------------------

fn dj_src(test: &'static str) -> Source {
    Source {
        peer: Peer::DjangoCorsHeaders,
        file: "tests/test_middleware.py",
        test,
    }
}

fn dj_check_src(test: &'static str) -> Source {
    Source {
        peer: Peer::DjangoCorsHeaders,
        file: "tests/test_checks.py",
        test,
    }
}

/// django-cors-headers' defaults: no origin, its default methods and headers.
fn dj() -> Config {
    Policy::builder()
        .allow_methods(["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"])
        .allow_headers([
            "accept",
            "authorization",
            "content-type",
            "user-agent",
            "x-csrftoken",
            "x-requested-with",
        ])
}

const EXAMPLE_COM: (&str, &str) = ("origin", "https://example.com");
const ACRM_GET: (&str, &str) = ("access-control-request-method", "GET");

fn django() -> Vec<Case> {
    use Status::{App, Ok, Refused as Forbidden};
    let s = dj_src;
    let c = dj_check_src;
    const NO_ORIGINS: Expect = Refused(&[Code::NoOrigins]);
    const ANY_CREDS: Expect = Refused(&[Code::WildcardOriginWithCredentials]);
    let all_creds = || dj().allow_origins(["*"]).allow_credentials(true);
    let no_acao: &'static [(&'static str, H)] = &[("access-control-allow-origin", No)];
    let mut v = vec![
        case(
            s("test_get_no_origin"),
            B(dj),
            Some(get(&[])),
            ans(true, App, no_acao),
            NO_ORIGINS,
            Justified(Why::InvalidConfigRefused),
        ),
        case(
            s("test_get_origin_vary_by_default"),
            B(dj),
            Some(get(&[])),
            ans(true, App, &[("vary", Is("origin"))]),
            NO_ORIGINS,
            Justified(Why::InvalidConfigRefused),
        ),
        case(
            s("test_get_invalid_origin"),
            B(dj),
            Some(get(&[("origin", "https://example.com]")])),
            ans(false, App, no_acao),
            NO_ORIGINS,
            Justified(Why::InvalidConfigRefused),
        ),
        case(
            s("test_get_not_in_allowed_origins"),
            B(|| dj().allow_origins(["https://example.com"])),
            Some(get(&[ORG])),
            ans(false, App, no_acao),
            ans(false, App, no_acao),
            Agree,
        ),
        case(
            s("test_get_not_in_allowed_origins_due_to_wrong_scheme"),
            B(|| dj().allow_origins(["http://example.org"])),
            Some(get(&[ORG])),
            ans(false, App, no_acao),
            ans(false, App, no_acao),
            Agree,
        ),
        case(
            s("test_get_in_allowed_origins"),
            B(|| dj().allow_origins(["https://example.com", "https://example.org"])),
            Some(get(&[ORG])),
            ans(
                true,
                App,
                &[("access-control-allow-origin", Is("https://example.org"))],
            ),
            ans(
                true,
                App,
                &[("access-control-allow-origin", Is("https://example.org"))],
            ),
            Agree,
        ),
        case(
            s("test_async_get_in_allowed_origins"),
            B(|| dj().allow_origins(["https://example.org"])),
            Some(at("GET", "/async/", &[ORG])),
            ans(
                true,
                App,
                &[("access-control-allow-origin", Is("https://example.org"))],
            ),
            ans(
                true,
                App,
                &[("access-control-allow-origin", Is("https://example.org"))],
            ),
            Agree,
        ),
        case(
            s("test_null_in_allowed_origins"),
            B(|| dj().allow_origins(["https://example.com", "null"])),
            Some(get(&[("origin", "null")])),
            ans(true, App, &[("access-control-allow-origin", Is("null"))]),
            Refused(&[Code::NullOrigin]),
            Justified(Why::NullOriginIsAnyone),
        ),
        case(
            s("test_file_in_allowed_origins"),
            B(|| dj().allow_origins(["https://example.com", "file://"])),
            Some(get(&[("origin", "file://")])),
            ans(true, App, &[("access-control-allow-origin", Is("file://"))]),
            Refused(&[Code::InvalidOrigin]),
            Justified(Why::StrictOriginSerialization),
        ),
        case(
            s("test_get_expose_headers"),
            B(|| {
                dj().allow_origins(["*"])
                    .expose_headers(["accept", "content-type"])
            }),
            Some(get(&[EXAMPLE_COM])),
            ans(
                true,
                App,
                &[("access-control-expose-headers", Is("accept, content-type"))],
            ),
            ans(
                true,
                App,
                &[("access-control-expose-headers", Is("accept"))],
            ),
            Justified(Why::SafelistedResponseHeadersAlwaysExposed),
        ),
        case(
            s("test_get_dont_expose_headers"),
            B(|| dj().allow_origins(["*"])),
            Some(get(&[EXAMPLE_COM])),
            ans(true, App, &[("access-control-expose-headers", No)]),
            ans(true, App, &[("access-control-expose-headers", No)]),
            Agree,
        ),
        case(
            s("test_get_allow_credentials"),
            B(|| {
                dj().allow_origins(["https://example.com"])
                    .allow_credentials(true)
            }),
            Some(get(&[EXAMPLE_COM])),
            ans(
                true,
                App,
                &[("access-control-allow-credentials", Is("true"))],
            ),
            ans(
                true,
                App,
                &[("access-control-allow-credentials", Is("true"))],
            ),
            Agree,
        ),
        case(
            s("test_get_allow_credentials_bad_origin"),
            B(|| {
                dj().allow_origins(["https://example.com"])
                    .allow_credentials(true)
            }),
            Some(get(&[ORG])),
            ans(false, App, &[("access-control-allow-credentials", No)]),
            ans(false, App, &[("access-control-allow-credentials", No)]),
            Agree,
        ),
        case(
            s("test_get_allow_credentials_disabled"),
            B(|| dj().allow_origins(["https://example.com"])),
            Some(get(&[EXAMPLE_COM])),
            ans(true, App, &[("access-control-allow-credentials", No)]),
            ans(true, App, &[("access-control-allow-credentials", No)]),
            Agree,
        ),
        case(
            s("test_allow_private_network_added_if_enabled_and_requested"),
            B(|| dj().allow_origins(["*"]).allow_private_network(true)),
            Some(get(&[
                ("access-control-request-private-network", "true"),
                ("origin", "http://example.com"),
            ])),
            ans(
                true,
                App,
                &[("access-control-allow-private-network", Is("true"))],
            ),
            ans(true, App, &[("access-control-allow-private-network", No)]),
            Justified(Why::OnlyHeadersTheKindUses),
        ),
        case(
            s("test_allow_private_network_not_added_if_enabled_and_not_requested"),
            B(|| dj().allow_origins(["*"]).allow_private_network(true)),
            Some(get(&[("origin", "http://example.com")])),
            ans(true, App, &[("access-control-allow-private-network", No)]),
            ans(true, App, &[("access-control-allow-private-network", No)]),
            Agree,
        ),
        case(
            s("test_allow_private_network_not_added_if_enabled_and_no_cors_origin"),
            B(|| {
                dj().allow_origins(["http://example.com"])
                    .allow_private_network(true)
            }),
            Some(get(&[
                ("access-control-request-private-network", "true"),
                ("origin", "http://example.org"),
            ])),
            ans(false, App, &[("access-control-allow-private-network", No)]),
            ans(false, App, &[("access-control-allow-private-network", No)]),
            Agree,
        ),
        case(
            s("test_allow_private_network_not_added_if_disabled_and_requested"),
            B(|| dj().allow_origins(["*"])),
            Some(get(&[
                ("access-control-request-private-network", "true"),
                ("origin", "http://example.com"),
            ])),
            ans(true, App, &[("access-control-allow-private-network", No)]),
            ans(true, App, &[("access-control-allow-private-network", No)]),
            Agree,
        ),
    ];
    let options_allowed = || {
        Policy::builder()
            .allow_origins(["*"])
            .allow_headers(["content-type"])
            .allow_methods(["GET", "OPTIONS"])
            .max_age(1002)
    };
    for (test, path) in [
        ("test_options_allowed_origin", "/"),
        ("test_async_options_allowed_origin", "/async/"),
    ] {
        v.push(case(
            s(test),
            B(options_allowed),
            Some(at("OPTIONS", path, &[EXAMPLE_COM, ACRM_GET])),
            ans(
                true,
                Ok,
                &[
                    ("access-control-allow-headers", Is("content-type")),
                    ("access-control-allow-methods", Is("GET, OPTIONS")),
                    ("access-control-max-age", Is("1002")),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    ("access-control-allow-headers", No),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-max-age", Is("1002")),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ));
    }
    v.extend([
        // CORS_PREFLIGHT_MAX_AGE = 0 means "no header" in django-cors-headers: translated
        // as no max_age (corsair's max_age(0) would send 0, which disables caching).
        case(
            s("test_options_no_max_age"),
            B(|| {
                Policy::builder()
                    .allow_origins(["*"])
                    .allow_headers(["content-type"])
                    .allow_methods(["GET", "OPTIONS"])
            }),
            Some(options(&[EXAMPLE_COM, ACRM_GET])),
            ans(
                true,
                Ok,
                &[
                    ("access-control-allow-headers", Is("content-type")),
                    ("access-control-allow-methods", Is("GET, OPTIONS")),
                    ("access-control-max-age", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    ("access-control-allow-headers", No),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-max-age", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            s("test_options_allowed_origins_with_port"),
            B(|| dj().allow_origins(["https://localhost:9000"])),
            Some(options(&[("origin", "https://localhost:9000"), ACRM_GET])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://localhost:9000"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://localhost:9000"))],
            ),
            Agree,
        ),
        case(
            s("test_options_adds_origin_when_domain_found_in_allowed_regexes"),
            B(|| dj().allow_origin_regexes([r"^https://\w+\.example\.com$"])),
            Some(options(&[("origin", "https://foo.example.com"), ACRM_GET])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://foo.example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://foo.example.com"))],
            ),
            Agree,
        ),
        case(
            s("test_options_adds_origin_when_domain_found_in_allowed_regexes_second"),
            B(|| {
                dj().allow_origin_regexes([
                    r"^https://\w+\.example\.org$",
                    r"^https://\w+\.example\.com$",
                ])
            }),
            Some(options(&[("origin", "https://foo.example.com"), ACRM_GET])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://foo.example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://foo.example.com"))],
            ),
            Agree,
        ),
        case(
            s("test_options_doesnt_add_origin_when_domain_not_found_in_allowed_regexes"),
            B(|| dj().allow_origin_regexes([r"^https://\w+\.example\.org$"])),
            Some(options(&[("origin", "https://foo.example.com"), ACRM_GET])),
            ans(false, Ok, no_acao),
            ans(false, Forbidden, no_acao),
            Justified(Why::PreflightRefusalStatus),
        ),
        case(
            s("test_options_empty_request_method"),
            B(dj),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", ""),
            ])),
            ans(false, Ok, &[]),
            NO_ORIGINS,
            Justified(Why::InvalidConfigRefused),
        ),
        case(
            s("test_options_no_headers"),
            B(dj),
            Some(options(&[])),
            ans(true, App, &[]),
            NO_ORIGINS,
            Justified(Why::InvalidConfigRefused),
        ),
        case(
            s("test_allow_all_origins_get"),
            B(all_creds),
            Some(get(&[EXAMPLE_COM, ACRM_GET])),
            ans(
                true,
                App,
                &[
                    ("access-control-allow-origin", Is("https://example.com")),
                    ("vary", Is("origin")),
                ],
            ),
            ANY_CREDS,
            Justified(Why::WildcardNeverWithCredentials),
        ),
        case(
            s("test_allow_all_origins_options"),
            B(all_creds),
            Some(options(&[EXAMPLE_COM, ACRM_GET])),
            ans(
                true,
                Ok,
                &[
                    ("access-control-allow-origin", Is("https://example.com")),
                    ("vary", Is("origin")),
                ],
            ),
            ANY_CREDS,
            Justified(Why::WildcardNeverWithCredentials),
        ),
        case(
            s("test_non_200_headers_still_set"),
            B(all_creds),
            Some(at("GET", "/unauthorized/", &[EXAMPLE_COM])),
            ans(
                true,
                App,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ANY_CREDS,
            Justified(Why::WildcardNeverWithCredentials),
        ),
        case(
            s("test_auth_view_options"),
            B(all_creds),
            Some(at("OPTIONS", "/test-401/", &[EXAMPLE_COM, ACRM_GET])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ANY_CREDS,
            Justified(Why::WildcardNeverWithCredentials),
        ),
        skip(
            s("test_signal_handler_that_returns_false"),
            "django's check_request_enabled signal",
        ),
        skip(
            s("test_signal_handler_that_returns_true"),
            "django's check_request_enabled signal",
        ),
        // The signal that opens /api/ to everyone, translated as a route with any origin.
        case(
            s("test_signal_handler_allow_some_urls_to_everyone (/)"),
            B(|| {
                dj().allow_origins(["https://example.com"])
                    .route(corsair::RouteConfig::new("/api").allow_origins(["*"]))
            }),
            Some(options(&[ORG, ACRM_GET])),
            ans(false, Ok, no_acao),
            ans(false, Forbidden, no_acao),
            Justified(Why::PreflightRefusalStatus),
        ),
        case(
            s("test_signal_handler_allow_some_urls_to_everyone (/api/something/)"),
            B(|| {
                dj().allow_origins(["https://example.com"])
                    .route(corsair::RouteConfig::new("/api").allow_origins(["*"]))
            }),
            Some(at("OPTIONS", "/api/something/", &[ORG, ACRM_GET])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.org"))],
            ),
            ans(true, Ok, &[("access-control-allow-origin", Is("*"))]),
            Justified(Why::WildcardMeansAnyWithoutCredentials),
        ),
        skip(
            s("test_signal_called_once_during_normal_flow"),
            "django's check_request_enabled signal",
        ),
        skip(s("test_get_short_circuit"), "django middleware ordering"),
        skip(
            s("test_get_short_circuit_should_be_ignored"),
            "django middleware ordering",
        ),
        // CORS_URLS_REGEX = r"^/foo/$": CORS off except under /foo.
        case(
            s("test_get_regex_matches"),
            B(|| {
                dj().allow_origins(["https://example.com"])
                    .enabled(false)
                    .route(corsair::RouteConfig::new("/foo").enabled(true))
            }),
            Some(at("GET", "/foo/", &[EXAMPLE_COM])),
            ans(
                true,
                App,
                &[("access-control-allow-origin", Has("https://example.com"))],
            ),
            ans(
                true,
                App,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            s("test_get_regex_doesnt_match"),
            B(|| {
                dj().allow_origins(["https://example.com"])
                    .enabled(false)
                    .route(corsair::RouteConfig::new("/not-foo").enabled(true))
            }),
            Some(at("GET", "/foo/", &[EXAMPLE_COM])),
            ans(false, App, no_acao),
            ans(false, App, no_acao),
            Agree,
        ),
        skip(
            s("test_get_regex_matches_path_info"),
            "WSGI SCRIPT_NAME handling",
        ),
        skip(
            s("test_cors_enabled_is_attached_and_bool"),
            "a private request attribute",
        ),
        skip(
            s("test_works_if_view_deletes_cors_enabled"),
            "a private request attribute",
        ),
    ]);
    // tests/test_checks.py: the peer's checks of its settings. Values of the wrong type
    // are written as a TOML file, where corsair sees them.
    const WRONG_TYPE: Expect = Refused(&[Code::InvalidFile]);
    const PEER_REFUSES: Expect = Refused(&[]);
    for (test, toml) in [
        (
            "test_cors_allow_headers_non_sequence",
            "[cors]\nallow_origins = [\"https://example.com\"]\nallow_headers = 1",
        ),
        (
            "test_cors_allow_headers_non_string",
            "[cors]\nallow_origins = [\"https://example.com\"]\nallow_headers = [1]",
        ),
        (
            "test_cors_allow_headers_string",
            "[cors]\nallow_origins = [\"https://example.com\"]\nallow_headers = \"accept\"",
        ),
        (
            "test_cors_allow_methods_non_sequence",
            "[cors]\nallow_origins = [\"https://example.com\"]\nallow_methods = 1",
        ),
        (
            "test_cors_allow_methods_non_string",
            "[cors]\nallow_origins = [\"https://example.com\"]\nallow_methods = [1]",
        ),
        (
            "test_cors_allow_methods_string_sequence",
            "[cors]\nallow_origins = [\"https://example.com\"]\nallow_methods = \"GET\"",
        ),
        (
            "test_cors_allow_credentials_non_bool",
            "[cors]\nallow_origins = [\"https://example.com\"]\nallow_credentials = \"yes\"",
        ),
        (
            "test_cors_allow_network_access_non_bool",
            "[cors]\nallow_origins = [\"https://example.com\"]\nallow_private_network = \"yes\"",
        ),
        (
            "test_cors_preflight_max_age_non_integer",
            "[cors]\nallow_origins = [\"https://example.com\"]\nmax_age = \"10\"",
        ),
        (
            "test_cors_preflight_max_age_negative",
            "[cors]\nallow_origins = [\"https://example.com\"]\nmax_age = -1",
        ),
        (
            "test_cors_allowed_origins_non_sequence",
            "[cors]\nallow_origins = 1",
        ),
        (
            "test_cors_allowed_origins_non_string",
            "[cors]\nallow_origins = [1]",
        ),
        (
            "test_cors_allowed_origins_string",
            "[cors]\nallow_origins = \"https://example.com\"",
        ),
        (
            "test_cors_allowed_origin_regexes_non_sequence",
            "[cors]\nallow_origin_regexes = 1",
        ),
        (
            "test_cors_expose_headers_non_sequence",
            "[cors]\nallow_origins = [\"https://example.com\"]\nexpose_headers = 1",
        ),
        (
            "test_cors_expose_headers_non_string",
            "[cors]\nallow_origins = [\"https://example.com\"]\nexpose_headers = [1]",
        ),
    ] {
        v.push(case(
            c(test),
            Toml(toml),
            None,
            PEER_REFUSES,
            WRONG_TYPE,
            Agree,
        ));
    }
    v.extend([
        case(
            c("test_defaults_pass"),
            B(dj),
            None,
            Accepted,
            NO_ORIGINS,
            Justified(Why::InvalidConfigRefused),
        ),
        skip(c("test_defaults_pass_check"), "the same check through manage.py"),
        skip(c("test_checks_are_bound"), "django's check framework registration"),
        skip(c("test_cors_allow_all_origins_non_bool"), "corsair has no allow-all boolean: it is allow_origins = [\"*\"]"),
        skip(c("test_cors_allow_all_origins_old_name"), "a deprecated setting name"),
        skip(c("test_cors_allowed_origins_old_name"), "a deprecated setting name"),
        case(
            c("test_cors_allowed_origins_allowed"),
            B(|| dj().allow_origins(["https://example.com", "file://", "null"])),
            None,
            Accepted,
            Refused(&[Code::InvalidOrigin, Code::NullOrigin]),
            Justified(Why::NullOriginIsAnyone),
        ),
        case(
            c("test_cors_allowed_origins_no_scheme"),
            B(|| dj().allow_origins(["example.com"])),
            None,
            PEER_REFUSES,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        skip(c("test_cors_allowed_origins_no_scheme_old_name"), "a deprecated setting name"),
        case(
            c("test_cors_allowed_origins_no_netloc"),
            B(|| dj().allow_origins(["https://"])),
            None,
            PEER_REFUSES,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            c("test_cors_allowed_origins_path"),
            B(|| dj().allow_origins(["https://example.com/foobar"])),
            None,
            PEER_REFUSES,
            Refused(&[Code::OriginWithPath]),
            Agree,
        ),
        skip(c("test_cors_allowed_origins_path_old_name"), "a deprecated setting name"),
        skip(c("test_cors_allowed_origin_regexes_old_name"), "a deprecated setting name"),
        case(
            c("test_cors_allowed_origin_regexes_regex"),
            B(|| dj().allow_origin_regexes(["a"])),
            None,
            Accepted,
            Accepted,
            Agree,
        ),
        skip(c("test_cors_urls_regex_non_string"), "CORS_URLS_REGEX: corsair routes are path prefixes"),
        case(
            c("test_cors_model_failure"),
            Toml("[cors]\nallow_origins = [\"https://example.com\"]\nmodel = \"something\""),
            None,
            PEER_REFUSES,
            Refused(&[Code::UnknownField]),
            Agree,
        ),
        case(
            c("test_cors_replace_https_referer_failure"),
            Toml("[cors]\nallow_origins = [\"https://example.com\"]\nreplace_https_referer = \"something\""),
            None,
            PEER_REFUSES,
            Refused(&[Code::UnknownField]),
            Agree,
        ),
    ]);
    v
}

// tower-http, src/cors/tests.rs and the behaviour of src/cors/*.rs ------------------------

fn tower_src(file: &'static str, test: &'static str) -> Source {
    Source {
        peer: Peer::TowerHttp,
        file,
        test,
    }
}

/// `CorsLayer::permissive()`: any origin, method, header; exposes any header.
fn tower_permissive() -> Config {
    Policy::builder()
        .allow_origins(["*"])
        .allow_methods(["*"])
        .allow_headers(["*"])
        .expose_headers(["*"])
}

const PREFLIGHT_CT: &[(&str, &str)] = &[
    EXAMPLE_COM,
    ACRM_GET,
    ("access-control-request-headers", "content-type"),
];
const VARY_PREFLIGHT: H =
    Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers");

fn tower_http() -> Vec<Case> {
    use Status::{App, Ok, Refused as Forbidden};
    const T: &str = "tower-http/src/cors/tests.rs";
    const M: &str = "tower-http/src/cors/mod.rs";
    const O: &str = "tower-http/src/cors/allow_origin.rs";
    const P: &str = "tower-http/src/cors/allow_private_network.rs";
    let t = |test| tower_src(T, test);
    let listed = || {
        Policy::builder()
            .allow_origins(["https://example.com"])
            .allow_methods(["GET"])
            .allow_headers(["content-type"])
    };
    vec![
        case(
            t("permissive_vary_header_is_empty"),
            B(tower_permissive),
            Some(get(&[])),
            ans(true, App, &[("vary", No)]),
            ans(true, App, &[("vary", No)]),
            Agree,
        ),
        skip(
            t("include_custom_permissive_to_vary_set_by_inner_service"),
            "tower-http's .vary() override",
        ),
        skip(
            t("permissive_with_custom_vary_builder"),
            "tower-http's .vary() override",
        ),
        skip(
            t("permissive_with_inner_and_builder_vary"),
            "tower-http's .vary() override",
        ),
        // The async predicate admits http://example.com only.
        case(
            t("test_allow_origin_async_predicate (valid)"),
            B(|| Policy::builder().allow_origins(["http://example.com"])),
            Some(get(&[("origin", "http://example.com")])),
            ans(
                true,
                App,
                &[("access-control-allow-origin", Is("http://example.com"))],
            ),
            ans(
                true,
                App,
                &[("access-control-allow-origin", Is("http://example.com"))],
            ),
            Agree,
        ),
        case(
            t("test_allow_origin_async_predicate (invalid)"),
            B(|| Policy::builder().allow_origins(["http://example.com"])),
            Some(get(&[("origin", "http://example.org")])),
            ans(false, App, &[("access-control-allow-origin", No)]),
            ans(false, App, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            t("derived_vary_header_for_mixed_wildcard_configuration"),
            B(|| {
                Policy::builder()
                    .allow_origins(["*"])
                    .allow_methods(["*"])
                    .allow_headers(["*"])
            }),
            Some(options(PREFLIGHT_CT)),
            ans(
                true,
                Ok,
                &[(
                    "vary",
                    Is("access-control-request-method, access-control-request-headers"),
                )],
            ),
            ans(true, Ok, &[("vary", VARY_PREFLIGHT)]),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            t("very_permissive_emits_vary_headers"),
            B(|| {
                Policy::builder()
                    .allow_origins(["*"])
                    .allow_methods(["*"])
                    .allow_headers(["*"])
                    .allow_credentials(true)
            }),
            Some(options(PREFLIGHT_CT)),
            ans(true, Ok, &[("vary", VARY_PREFLIGHT)]),
            Refused(&[Code::WildcardOriginWithCredentials]),
            Justified(Why::WildcardNeverWithCredentials),
        ),
        case(
            t("cors_map_layer_smoke_without_vary_header"),
            B(|| {
                Policy::builder()
                    .allow_origins(["*"])
                    .allow_methods(["*"])
                    .allow_headers(["*"])
            }),
            Some(get(&[])),
            ans(true, App, &[("vary", No)]),
            ans(true, App, &[("vary", No)]),
            Agree,
        ),
        case(
            t("cors_map_layer_smoke_with_vary_header"),
            B(|| {
                Policy::builder()
                    .allow_origins(["*"])
                    .allow_methods(["*"])
                    .allow_headers(["*"])
            }),
            Some(options(&[EXAMPLE_COM, ACRM_GET])),
            ans(true, Ok, &[("vary", Is("access-control-request-method"))]),
            ans(true, Ok, &[("vary", VARY_PREFLIGHT)]),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        // tower-http sends its exact origin to everyone, so needs no Vary; corsair sends
        // nothing to other origins (its answer depends on Origin), so it must vary.
        case(
            t("exact_origin_does_not_emit_origin_vary_header"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://example.com"])
                    .allow_methods(["GET"])
                    .allow_headers(["content-type"])
            }),
            Some(get(&[("origin", "http://example.com")])),
            ans(true, App, &[("vary", No)]),
            ans(true, App, &[("vary", Is("Origin"))]),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        // Behaviour of Cors::call in mod.rs: every OPTIONS is answered as a preflight.
        case(
            tower_src(
                M,
                "Cors::call: OPTIONS without Access-Control-Request-Method",
            ),
            B(listed),
            Some(options(&[EXAMPLE_COM])),
            ans(true, Ok, &[]),
            ans(true, App, &[]),
            Justified(Why::FetchPreflightIsOptionsWithAcrm),
        ),
        case(
            tower_src(M, "Cors::call: OPTIONS without Origin"),
            B(listed),
            Some(options(&[])),
            ans(true, Ok, &[]),
            ans(true, App, &[]),
            Justified(Why::FetchPreflightIsOptionsWithAcrm),
        ),
        // Cors::call adds the preflight headers whatever the origin.
        case(
            tower_src(M, "Cors::call: preflight from an origin not listed"),
            B(listed),
            Some(options(&[ORG, ACRM_GET])),
            ans(
                false,
                Ok,
                &[
                    ("access-control-allow-origin", No),
                    ("access-control-allow-methods", Is("GET")),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    ("access-control-allow-origin", No),
                    ("access-control-allow-methods", No),
                ],
            ),
            Justified(Why::NoCorsHeadersForRejectedOrigin),
        ),
        // Cors::call does not check the method: the browser does, with the list.
        case(
            tower_src(M, "Cors::call: preflight for a method not listed"),
            B(listed),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "PUT"),
            ])),
            ans(
                false,
                Ok,
                &[
                    ("access-control-allow-origin", Is("https://example.com")),
                    ("access-control-allow-methods", Is("GET")),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    ("access-control-allow-origin", No),
                    ("access-control-allow-methods", No),
                ],
            ),
            Justified(Why::PreflightRefusalStatus),
        ),
        // ensure_usable_cors_rules (mod.rs) panics on these combinations.
        case(
            tower_src(
                M,
                "ensure_usable_cors_rules: credentials with Allow-Headers *",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["*"])
                    .allow_credentials(true)
            }),
            None,
            Refused(&[]),
            Accepted,
            Justified(Why::AnyMethodOrHeaderWithCredentialsIsEchoed),
        ),
        case(
            tower_src(
                M,
                "ensure_usable_cors_rules: credentials with Allow-Methods *",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["*"])
                    .allow_credentials(true)
            }),
            None,
            Refused(&[]),
            Accepted,
            Justified(Why::AnyMethodOrHeaderWithCredentialsIsEchoed),
        ),
        case(
            tower_src(
                M,
                "ensure_usable_cors_rules: credentials with Allow-Origin *",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["*"])
                    .allow_credentials(true)
            }),
            None,
            Refused(&[]),
            Refused(&[Code::WildcardOriginWithCredentials]),
            Agree,
        ),
        case(
            tower_src(
                M,
                "ensure_usable_cors_rules: credentials with Expose-Headers *",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .expose_headers(["*"])
                    .allow_credentials(true)
            }),
            None,
            Refused(&[]),
            Refused(&[Code::WildcardExposeWithCredentials]),
            Agree,
        ),
        case(
            tower_src(O, "AllowOrigin::list panics on `*`"),
            B(|| Policy::builder().allow_origins(["https://example.com", "*"])),
            None,
            Refused(&[]),
            Refused(&[Code::WildcardOriginMixed]),
            Agree,
        ),
        // CorsLayer::new() allows no origin: corsair refuses such a policy.
        case(
            tower_src(
                P,
                "cors_private_network_header_is_added_correctly (requested)",
            ),
            B(|| Policy::builder().allow_private_network(true)),
            Some(get(&[("access-control-request-private-network", "true")])),
            ans(
                true,
                App,
                &[("access-control-allow-private-network", Is("true"))],
            ),
            Refused(&[Code::NoOrigins]),
            Justified(Why::InvalidConfigRefused),
        ),
        case(
            tower_src(
                P,
                "cors_private_network_header_is_added_correctly (not requested)",
            ),
            B(|| Policy::builder().allow_private_network(true)),
            Some(get(&[])),
            ans(true, App, &[("access-control-allow-private-network", No)]),
            Refused(&[Code::NoOrigins]),
            Justified(Why::InvalidConfigRefused),
        ),
        skip(
            tower_src(
                P,
                "cors_private_network_header_is_added_correctly_with_predicate",
            ),
            "a PNA predicate over `localhost`, which is not a serialized origin",
        ),
    ]
}

// actix-cors (actix-extras), actix-cors/tests/tests.rs and src unit tests ------------------

fn actix_src(file: &'static str, test: &'static str) -> Source {
    Source {
        peer: Peer::ActixCors,
        file,
        test,
    }
}

/// `Cors::permissive()`: any origin (mirrored), method, header, exposed header, and
/// credentials.
fn actix_permissive() -> Config {
    Policy::builder()
        .allow_origins(["*"])
        .allow_methods(["*"])
        .allow_headers(["*"])
        .expose_headers(["*"])
        .allow_credentials(true)
        .max_age(3600)
}

/// `allowed_origin("https://www.example.com")` and an `allowed_origin_fn` admitting
/// origins that end in `.unknown.com`.
fn actix_origin_fn() -> Config {
    Policy::builder()
        .allow_origins(["https://www.example.com"])
        .allow_origin_predicate(|o| o.host().ends_with(".unknown.com"))
}

const WWW_EXAMPLE: (&str, &str) = ("origin", "https://www.example.com");

fn actix() -> Vec<Case> {
    use Status::{App, Ok, Refused as Bad};
    const T: &str = "actix-cors/tests/tests.rs";
    const BUILDER: &str = "actix-cors/src/builder.rs";
    const INNER: &str = "actix-cors/src/inner.rs";
    const MW: &str = "actix-cors/src/middleware.rs";
    let t = |test| actix_src(T, test);
    const PERMISSIVE: Expect = Refused(&[Code::WildcardOriginWithCredentials]);
    const NO_ORIGINS: Expect = Refused(&[Code::NoOrigins]);
    let acao = |v: &'static [(&'static str, H)]| ans(true, App, v);
    let www: &'static [(&'static str, H)] =
        &[("access-control-allow-origin", Is("https://www.example.com"))];
    let none: &'static [(&'static str, H)] = &[("access-control-allow-origin", No)];
    let two_origins = || {
        Policy::builder()
            .allow_origins(["https://example.com", "https://example.org"])
            .allow_methods(["GET"])
    };
    let response_cfg = || {
        Policy::builder()
            .allow_origins(["*"])
            .max_age(3600)
            .allow_methods(["GET", "OPTIONS", "POST"])
            .allow_headers(["authorization", "accept", "content-type"])
            .expose_headers(["authorization", "accept"])
    };
    let www_only = || Policy::builder().allow_origins(["https://www.example.com"]);
    let block_off = || {
        Policy::builder()
            .allow_methods(["*"])
            .allow_origins(["https://www.example.com"])
    };
    let inner_preflight = || {
        Policy::builder()
            .allow_origins(["*"])
            .max_age(3600)
            .allow_methods(["GET", "OPTIONS", "POST"])
            .allow_headers(["authorization", "accept", "content-type"])
    };
    let any_fn = || {
        Policy::builder()
            .allow_origin_predicate(|_| true)
            .allow_methods(["*"])
            .allow_headers(["*"])
    };
    const VARY3: H = Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    vec![
        skip(
            t("test_wildcard_origin"),
            "`*` must be spelled allow_any_origin() in actix; corsair spells it allow_origins([\"*\"])",
        ),
        case(
            t("test_not_allowed_origin_fn (listed)"),
            B(actix_origin_fn),
            Some(get(&[WWW_EXAMPLE])),
            acao(www),
            acao(www),
            Agree,
        ),
        case(
            t("test_not_allowed_origin_fn (neither)"),
            B(actix_origin_fn),
            Some(get(&[("origin", "https://www.known.com")])),
            ans(false, App, none),
            ans(false, App, none),
            Agree,
        ),
        case(
            t("test_allowed_origin_fn (listed)"),
            B(actix_origin_fn),
            Some(get(&[WWW_EXAMPLE])),
            acao(www),
            acao(www),
            Agree,
        ),
        case(
            t("test_allowed_origin_fn (by the function)"),
            B(actix_origin_fn),
            Some(get(&[("origin", "https://www.unknown.com")])),
            acao(&[("access-control-allow-origin", Is("https://www.unknown.com"))]),
            acao(&[("access-control-allow-origin", Is("https://www.unknown.com"))]),
            Agree,
        ),
        case(
            t("test_allowed_origin_fn_with_environment (listed)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://www.example.com"])
                    .allow_origin_regexes([r"https:.+\.unknown\.com"])
            }),
            Some(get(&[WWW_EXAMPLE])),
            acao(www),
            acao(www),
            Agree,
        ),
        case(
            t("test_allowed_origin_fn_with_environment (by the regex)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://www.example.com"])
                    .allow_origin_regexes([r"https:.+\.unknown\.com"])
            }),
            Some(get(&[("origin", "https://www.unknown.com")])),
            acao(&[("access-control-allow-origin", Is("https://www.unknown.com"))]),
            acao(&[("access-control-allow-origin", Is("https://www.unknown.com"))]),
            Agree,
        ),
        case(
            t("test_multiple_origins_preflight (.com)"),
            B(two_origins),
            Some(options(&[EXAMPLE_COM, ACRM_GET])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            t("test_multiple_origins_preflight (.org)"),
            B(two_origins),
            Some(options(&[ORG, ACRM_GET])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.org"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.org"))],
            ),
            Agree,
        ),
        case(
            t("test_multiple_origins (.com)"),
            B(two_origins),
            Some(get(&[EXAMPLE_COM])),
            acao(&[("access-control-allow-origin", Is("https://example.com"))]),
            acao(&[("access-control-allow-origin", Is("https://example.com"))]),
            Agree,
        ),
        case(
            t("test_multiple_origins (.org)"),
            B(two_origins),
            Some(get(&[ORG])),
            acao(&[("access-control-allow-origin", Is("https://example.org"))]),
            acao(&[("access-control-allow-origin", Is("https://example.org"))]),
            Agree,
        ),
        // send_wildcard + disable_preflight: an OPTIONS without
        // Access-Control-Request-Method reaches the application.
        case(
            t("test_response (OPTIONS, wildcard)"),
            B(response_cfg),
            Some(options(&[WWW_EXAMPLE])),
            acao(&[
                ("access-control-allow-origin", Is("*")),
                ("vary", VARY3),
                ("access-control-expose-headers", Is("authorization, accept")),
            ]),
            acao(&[
                ("access-control-allow-origin", Is("*")),
                ("vary", No),
                ("access-control-expose-headers", Is("authorization, accept")),
            ]),
            Justified(Why::StaticAnswerOnEveryResponse),
        ),
        case(
            t("test_response (OPTIONS, application's Vary)"),
            B(response_cfg),
            Some(Request {
                app: &[("vary", "Accept")],
                ..options(&[WWW_EXAMPLE])
            }),
            acao(&[(
                "vary",
                Is("Accept, Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
            )]),
            acao(&[("vary", Is("Accept"))]),
            Justified(Why::StaticAnswerOnEveryResponse),
        ),
        case(
            t("test_response (preflight, two origins)"),
            B(|| {
                Policy::builder()
                    .allow_methods(["POST"])
                    .allow_origins(["https://www.example.com", "https://www.google.com"])
            }),
            Some(options(&[
                WWW_EXAMPLE,
                ("access-control-request-method", "POST"),
            ])),
            ans(true, Ok, www),
            ans(true, Ok, www),
            Agree,
        ),
        case(
            t("test_validate_origin"),
            B(www_only),
            Some(get(&[WWW_EXAMPLE])),
            acao(&[]),
            acao(www),
            Agree,
        ),
        case(
            t("test_blocks_mismatched_origin_by_default"),
            B(www_only),
            Some(get(&[("origin", "https://www.example.test")])),
            ans(
                false,
                App,
                &[
                    ("access-control-allow-origin", No),
                    ("access-control-allow-methods", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("access-control-allow-origin", No),
                    ("access-control-allow-methods", No),
                ],
            ),
            Agree,
        ),
        case(
            t("test_mismatched_origin_block_turned_off (preflight)"),
            B(block_off),
            Some(options(&[
                ("origin", "https://wrong.com"),
                ("access-control-request-method", "POST"),
            ])),
            ans(false, Bad, none),
            ans(false, Bad, none),
            Agree,
        ),
        case(
            t("test_mismatched_origin_block_turned_off (actual)"),
            B(block_off),
            Some(get(&[("origin", "https://wrong.com")])),
            ans(false, App, none),
            ans(false, App, none),
            Agree,
        ),
        case(
            t("test_no_origin_response (no Origin)"),
            B(actix_permissive),
            Some(get(&[])),
            acao(none),
            PERMISSIVE,
            Justified(Why::WildcardNeverWithCredentials),
        ),
        case(
            t("test_no_origin_response (OPTIONS, preflight disabled)"),
            B(actix_permissive),
            Some(options(&[WWW_EXAMPLE])),
            acao(www),
            PERMISSIVE,
            Justified(Why::WildcardNeverWithCredentials),
        ),
        case(
            t("validate_origin_allows_all_origins"),
            B(actix_permissive),
            Some(get(&[WWW_EXAMPLE])),
            acao(&[]),
            PERMISSIVE,
            Justified(Why::WildcardNeverWithCredentials),
        ),
        case(
            t("vary_header_on_all_handled_responses (permissive preflight)"),
            B(actix_permissive),
            Some(options(&[WWW_EXAMPLE, ACRM_GET])),
            ans(
                true,
                Ok,
                &[
                    ("access-control-allow-methods", Has("GET")),
                    ("vary", VARY3),
                ],
            ),
            PERMISSIVE,
            Justified(Why::WildcardNeverWithCredentials),
        ),
        case(
            t("vary_header_on_all_handled_responses (permissive PUT)"),
            B(actix_permissive),
            Some(req("PUT", &[WWW_EXAMPLE])),
            acao(&[("vary", VARY3)]),
            PERMISSIVE,
            Justified(Why::WildcardNeverWithCredentials),
        ),
        case(
            t("vary_header_on_all_handled_responses (no origin listed, PUT)"),
            B(|| Policy::builder().allow_methods(["*"])),
            Some(req("PUT", &[WWW_EXAMPLE])),
            ans(
                false,
                App,
                &[
                    ("access-control-allow-origin", No),
                    ("access-control-allow-methods", No),
                    ("vary", VARY3),
                ],
            ),
            NO_ORIGINS,
            Justified(Why::InvalidConfigRefused),
        ),
        case(
            t("vary_header_on_all_handled_responses (no origin listed, no Origin)"),
            B(|| Policy::builder().allow_methods(["*"])),
            Some(req("PUT", &[])),
            acao(&[("vary", VARY3)]),
            NO_ORIGINS,
            Justified(Why::InvalidConfigRefused),
        ),
        case(
            t("test_allow_any_origin_any_method_any_header"),
            B(|| {
                Policy::builder()
                    .allow_origins(["*"])
                    .allow_methods(["*"])
                    .allow_headers(["*"])
            }),
            Some(options(&[
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
                WWW_EXAMPLE,
            ])),
            ans(true, Ok, &[]),
            ans(true, Ok, &[("access-control-allow-origin", Is("*"))]),
            Agree,
        ),
        case(
            t("expose_all_request_header_values"),
            B(actix_permissive),
            Some(get(&[
                WWW_EXAMPLE,
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ])),
            acao(&[("access-control-expose-headers", Has("content-disposition"))]),
            PERMISSIVE,
            Justified(Why::WildcardNeverWithCredentials),
        ),
        case(
            t("private_network_access"),
            B(|| actix_permissive().allow_private_network(true)),
            Some(options(&[
                ("origin", "https://public.site"),
                ("access-control-request-method", "POST"),
                ("access-control-request-private-network", "true"),
            ])),
            ans(
                true,
                Ok,
                &[
                    ("access-control-allow-origin", Is("https://public.site")),
                    ("access-control-allow-private-network", Is("true")),
                ],
            ),
            PERMISSIVE,
            Justified(Why::WildcardNeverWithCredentials),
        ),
        case(
            actix_src(BUILDER, "illegal_allow_credentials"),
            B(actix_permissive),
            None,
            Refused(&[]),
            PERMISSIVE,
            Agree,
        ),
        case(
            actix_src(BUILDER, "restrictive_defaults"),
            B(Policy::builder),
            Some(get(&[WWW_EXAMPLE])),
            ans(false, App, none),
            NO_ORIGINS,
            Justified(Why::InvalidConfigRefused),
        ),
        skip(
            actix_src(BUILDER, "allowed_header_try_from"),
            "Rust conversion traits",
        ),
        skip(
            actix_src(BUILDER, "allowed_header_try_into"),
            "Rust conversion traits",
        ),
        skip(
            actix_src(BUILDER, "middleware_generic_over_body_type"),
            "actix body types",
        ),
        skip(actix_src(BUILDER, "impl_eq"), "PartialEq on the builder"),
        case(
            actix_src(INNER, "test_validate_not_allowed_origin"),
            B(www_only),
            Some(get(&[
                ("origin", "https://www.unknown.com"),
                ("access-control-request-headers", "DNT"),
            ])),
            ans(false, App, none),
            ans(false, App, none),
            Agree,
        ),
        case(
            actix_src(INNER, "test_preflight (OPTIONS without the method)"),
            B(inner_preflight),
            Some(options(&[
                WWW_EXAMPLE,
                ("access-control-request-headers", "X-Not-Allowed"),
            ])),
            acao(&[]),
            acao(&[]),
            Agree,
        ),
        case(
            actix_src(INNER, "test_preflight (lowercase put)"),
            B(inner_preflight),
            Some(options(&[
                WWW_EXAMPLE,
                ("access-control-request-method", "put"),
            ])),
            ans(false, Bad, &[]),
            ans(false, Bad, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            actix_src(INNER, "test_preflight (allowed)"),
            B(inner_preflight),
            Some(options(&[
                WWW_EXAMPLE,
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "AUTHORIZATION,ACCEPT"),
            ])),
            ans(
                true,
                Ok,
                &[
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-max-age", Is("3600")),
                    (
                        "access-control-allow-headers",
                        Is("authorization, accept, content-type"),
                    ),
                    ("access-control-allow-methods", Is("GET, OPTIONS, POST")),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-max-age", Is("3600")),
                    ("access-control-allow-headers", Is("authorization,accept")),
                    ("access-control-allow-methods", Is("POST")),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        skip(
            actix_src(INNER, "test_preflight (preflight disabled)"),
            "actix's disable_preflight() hands preflights to the application",
        ),
        case(
            actix_src(INNER, "allow_fn_origin_equals_head_origin (preflight)"),
            B(any_fn),
            Some(options(&[
                WWW_EXAMPLE,
                ("access-control-request-method", "POST"),
            ])),
            ans(true, Ok, &[]),
            ans(true, Ok, www),
            Agree,
        ),
        case(
            actix_src(INNER, "allow_fn_origin_equals_head_origin (actual)"),
            B(any_fn),
            Some(get(&[WWW_EXAMPLE])),
            acao(&[]),
            acao(www),
            Agree,
        ),
        skip(actix_src(MW, "compat_compat"), "actix's Compat wrapper"),
        skip(
            actix_src(MW, "test_options_no_origin"),
            "an origin function that reads another request header (DNT)",
        ),
    ]
}

// rs/cors, cors_test.go -------------------------------------------------------------------

/// rs/cors' `assertHeaders` checks all eight CORS response headers: the ones not listed
/// must be absent.
fn full(present: &[(&'static str, H)]) -> &'static [(&'static str, H)] {
    const ALL: [&str; 8] = [
        "vary",
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-max-age",
        "access-control-expose-headers",
        "access-control-allow-private-network",
    ];
    let mut all = present.to_vec();
    for name in ALL {
        if !present.iter().any(|(n, _)| *n == name) {
            all.push((name, No));
        }
    }
    Box::leak(all.into_boxed_slice())
}

fn rs_src(test: &'static str) -> Source {
    Source {
        peer: Peer::RsCors,
        file: "cors_test.go",
        test,
    }
}

/// rs/cors' defaults: every origin, GET/POST/HEAD, accept, content-type, x-requested-with.
fn rs() -> Config {
    Policy::builder().allow_origins(["*"]).allow_headers([
        "accept",
        "content-type",
        "x-requested-with",
    ])
}

/// rs/cors' defaults but the origins.
fn rs_with(origins: &'static [&'static str]) -> Config {
    Policy::builder()
        .allow_origins(origins.iter().copied())
        .allow_headers(["accept", "content-type", "x-requested-with"])
}

const FOOBAR: (&str, &str) = ("origin", "http://foobar.com");

fn rs_cors() -> Vec<Case> {
    use Status::{App, Ok, Refused as Forbidden};
    let s = rs_src;
    const VO: H = Is("Origin");
    let foobar = || rs_with(&["http://foobar.com"]);
    let foobar_headers = || {
        Policy::builder()
            .allow_origins(["http://foobar.com"])
            .allow_headers(["X-Header-1", "x-header-2", "X-HEADER-3"])
    };
    vec![
        case(
            s("TestSpec/NoConfig"),
            B(rs),
            Some(get(&[])),
            ans(true, App, full(&[("vary", VO)])),
            ans(true, App, full(&[("access-control-allow-origin", Is("*"))])),
            Justified(Why::StaticAnswerOnEveryResponse),
        ),
        case(
            s("TestSpec/MatchAllOrigin"),
            B(rs),
            Some(get(&[FOOBAR])),
            ans(
                true,
                App,
                full(&[("vary", VO), ("access-control-allow-origin", Is("*"))]),
            ),
            ans(true, App, full(&[("access-control-allow-origin", Is("*"))])),
            Justified(Why::StaticAnswerOnEveryResponse),
        ),
        case(
            s("TestSpec/MatchAllOriginWithCredentials"),
            B(|| rs().allow_credentials(true)),
            Some(get(&[FOOBAR])),
            ans(
                true,
                App,
                full(&[
                    ("vary", VO),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", Is("true")),
                ]),
            ),
            Refused(&[Code::WildcardOriginWithCredentials]),
            Justified(Why::WildcardNeverWithCredentials),
        ),
        case(
            s("TestSpec/AllowedOrigin"),
            B(foobar),
            Some(get(&[FOOBAR])),
            ans(
                true,
                App,
                full(&[
                    ("vary", VO),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                ]),
            ),
            ans(
                true,
                App,
                full(&[
                    ("vary", VO),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                ]),
            ),
            Agree,
        ),
        case(
            s("TestSpec/WildcardOrigin"),
            B(|| rs_with(&["http://*.bar.com"])),
            Some(get(&[("origin", "http://foo.bar.com")])),
            ans(
                true,
                App,
                full(&[
                    ("vary", VO),
                    ("access-control-allow-origin", Is("http://foo.bar.com")),
                ]),
            ),
            ans(
                true,
                App,
                full(&[
                    ("vary", VO),
                    ("access-control-allow-origin", Is("http://foo.bar.com")),
                ]),
            ),
            Agree,
        ),
        case(
            s("TestSpec/DisallowedOrigin"),
            B(foobar),
            Some(get(&[("origin", "http://barbaz.com")])),
            ans(false, App, full(&[("vary", VO)])),
            ans(false, App, full(&[("vary", VO)])),
            Agree,
        ),
        case(
            s("TestSpec/DisallowedWildcardOrigin"),
            B(|| rs_with(&["http://*.bar.com"])),
            Some(get(&[("origin", "http://foo.baz.com")])),
            ans(false, App, full(&[("vary", VO)])),
            ans(false, App, full(&[("vary", VO)])),
            Agree,
        ),
        case(
            s("TestSpec/AllowedOriginFuncMatch"),
            B(|| {
                Policy::builder()
                    .allow_headers(["accept", "content-type", "x-requested-with"])
                    .allow_origin_predicate(|o| o.scheme() == "http" && o.host().starts_with("foo"))
            }),
            Some(get(&[FOOBAR])),
            ans(
                true,
                App,
                full(&[
                    ("vary", VO),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                ]),
            ),
            ans(
                true,
                App,
                full(&[
                    ("vary", VO),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                ]),
            ),
            Agree,
        ),
        skip(
            s("TestSpec/AllowOriginRequestFuncMatch"),
            "an origin function that reads another request header (Authorization)",
        ),
        skip(
            s("TestSpec/AllowOriginVaryRequestFuncMatch"),
            "an origin function that reads another request header (Authorization)",
        ),
        skip(
            s("TestSpec/AllowOriginRequestFuncNotMatch"),
            "an origin function that reads another request header (Authorization)",
        ),
        case(
            s("TestSpec/MaxAge"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://example.com"])
                    .allow_methods(["GET"])
                    .max_age(10)
            }),
            Some(options(&[("origin", "http://example.com"), ACRM_GET])),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://example.com")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-max-age", Is("10")),
                ]),
            ),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://example.com")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-max-age", Is("10")),
                ]),
            ),
            Agree,
        ),
        // MaxAge: -1 means "send 0" in rs/cors.
        case(
            s("TestSpec/MaxAgeNegative"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://example.com"])
                    .allow_methods(["GET"])
                    .max_age(0)
            }),
            Some(options(&[("origin", "http://example.com"), ACRM_GET])),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://example.com")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-max-age", Is("0")),
                ]),
            ),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://example.com")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-max-age", Is("0")),
                ]),
            ),
            Agree,
        ),
        case(
            s("TestSpec/AllowedMethod"),
            B(|| rs_with(&["http://foobar.com"]).allow_methods(["PUT", "DELETE"])),
            Some(options(&[FOOBAR, ("access-control-request-method", "PUT")])),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("PUT")),
                ]),
            ),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("PUT")),
                ]),
            ),
            Agree,
        ),
        case(
            s("TestSpec/DisallowedMethod"),
            B(|| rs_with(&["http://foobar.com"]).allow_methods(["PUT", "DELETE"])),
            Some(options(&[
                FOOBAR,
                ("access-control-request-method", "PATCH"),
            ])),
            ans(false, Ok, full(&[("vary", VARY_PREFLIGHT)])),
            ans(false, Forbidden, full(&[("vary", VARY_PREFLIGHT)])),
            Justified(Why::PreflightRefusalStatus),
        ),
        case(
            s("TestSpec/AllowedHeaders"),
            B(foobar_headers),
            Some(options(&[
                FOOBAR,
                ACRM_GET,
                ("access-control-request-headers", "x-header-1,x-header-2"),
            ])),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", Is("x-header-1,x-header-2")),
                ]),
            ),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", Is("x-header-1,x-header-2")),
                ]),
            ),
            Agree,
        ),
        case(
            s("TestSpec/DefaultAllowedHeaders"),
            B(foobar),
            Some(options(&[
                FOOBAR,
                ACRM_GET,
                ("access-control-request-headers", "x-requested-with"),
            ])),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", Is("x-requested-with")),
                ]),
            ),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", Is("x-requested-with")),
                ]),
            ),
            Agree,
        ),
        case(
            s("TestSpec/AllowedWildcardHeader"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foobar.com"])
                    .allow_headers(["*"])
            }),
            Some(options(&[
                FOOBAR,
                ACRM_GET,
                ("access-control-request-headers", "x-header-1,x-header-2"),
            ])),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", Is("x-header-1,x-header-2")),
                ]),
            ),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", Is("*")),
                ]),
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            s("TestSpec/DisallowedHeader"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foobar.com"])
                    .allow_headers(["X-Header-1", "x-header-2"])
            }),
            Some(options(&[
                FOOBAR,
                ACRM_GET,
                ("access-control-request-headers", "x-header-1,x-header-3"),
            ])),
            ans(false, Ok, full(&[("vary", VARY_PREFLIGHT)])),
            ans(false, Forbidden, full(&[("vary", VARY_PREFLIGHT)])),
            Justified(Why::PreflightRefusalStatus),
        ),
        case(
            s("TestSpec/ExposedHeader"),
            B(|| rs_with(&["http://foobar.com"]).expose_headers(["X-Header-1", "x-header-2"])),
            Some(get(&[FOOBAR])),
            ans(
                true,
                App,
                full(&[
                    ("vary", VO),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    (
                        "access-control-expose-headers",
                        Is("X-Header-1, X-Header-2"),
                    ),
                ]),
            ),
            ans(
                true,
                App,
                full(&[
                    ("vary", VO),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    (
                        "access-control-expose-headers",
                        Is("x-header-1, x-header-2"),
                    ),
                ]),
            ),
            Agree,
        ),
        case(
            s("TestSpec/AllowedCredentials"),
            B(|| rs_with(&["http://foobar.com"]).allow_credentials(true)),
            Some(options(&[FOOBAR, ACRM_GET])),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-credentials", Is("true")),
                ]),
            ),
            Refused(&[Code::InsecureOrigin]),
            Justified(Why::InsecureOriginWithCredentials),
        ),
        case(
            s("TestSpec/AllowedPrivateNetwork"),
            B(|| rs_with(&["http://foobar.com"]).allow_private_network(true)),
            Some(options(&[
                FOOBAR,
                ACRM_GET,
                ("access-control-request-private-network", "true"),
            ])),
            ans(
                true,
                Ok,
                full(&[
                    (
                        "vary",
                        Is(
                            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
                        ),
                    ),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-private-network", Is("true")),
                ]),
            ),
            ans(
                true,
                Ok,
                full(&[
                    (
                        "vary",
                        Is(
                            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
                        ),
                    ),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-private-network", Is("true")),
                ]),
            ),
            Agree,
        ),
        case(
            s("TestSpec/DisallowedPrivateNetwork"),
            B(foobar),
            Some(options(&[
                FOOBAR,
                ACRM_GET,
                ("access-control-request-privatenetwork", "true"),
            ])),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                ]),
            ),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                ]),
            ),
            Agree,
        ),
        skip(
            s("TestSpec/OptionPassthrough"),
            "rs/cors' OptionsPassthrough hands preflights to the application",
        ),
        case(
            s("TestSpec/NonPreflightOptions"),
            B(foobar),
            Some(options(&[FOOBAR])),
            ans(
                true,
                App,
                full(&[
                    ("vary", VO),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                ]),
            ),
            ans(
                true,
                App,
                full(&[
                    ("vary", VO),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                ]),
            ),
            Agree,
        ),
        case(
            s("TestSpec/AllowedOriginsPlusAllowOriginFunc"),
            B(|| rs().allow_origin_predicate(|_| true)),
            Some(get(&[FOOBAR])),
            ans(
                true,
                App,
                full(&[
                    ("vary", VO),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                ]),
            ),
            // `*` and a predicate: the predicate can add nothing.
            Refused(&[Code::WildcardOriginMixed]),
            Justified(Why::InvalidConfigRefused),
        ),
        case(
            s("TestSpec/MultipleACRHHeaders"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foobar.com"])
                    .allow_headers(["Content-Type", "Authorization"])
            }),
            Some(options(&[
                FOOBAR,
                ACRM_GET,
                ("access-control-request-headers", "authorization"),
                ("access-control-request-headers", "content-type"),
            ])),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                    (
                        "access-control-allow-headers",
                        Is("authorization, content-type"),
                    ),
                ]),
            ),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                    (
                        "access-control-allow-headers",
                        Is("authorization,content-type"),
                    ),
                ]),
            ),
            Agree,
        ),
        case(
            s("TestSpec/MultipleACRHHeadersWithOWSAndEmptyElements"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foobar.com"])
                    .allow_headers(["Content-Type", "Authorization"])
            }),
            Some(options(&[
                FOOBAR,
                ACRM_GET,
                ("access-control-request-headers", "authorization\t"),
                ("access-control-request-headers", " "),
                ("access-control-request-headers", " content-type"),
            ])),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                    (
                        "access-control-allow-headers",
                        Is("authorization\t,  , content-type"),
                    ),
                ]),
            ),
            ans(
                true,
                Ok,
                full(&[
                    ("vary", VARY_PREFLIGHT),
                    ("access-control-allow-origin", Is("http://foobar.com")),
                    ("access-control-allow-methods", Is("GET")),
                    (
                        "access-control-allow-headers",
                        Is("authorization,content-type"),
                    ),
                ]),
            ),
            Agree,
        ),
        skip(s("TestDebug"), "rs/cors' logger"),
        skip(s("TestLogger"), "rs/cors' logger"),
        skip(s("TestDefault"), "private fields of Default()"),
        skip(
            s("TestHandlePreflightInvalidOriginAbortion"),
            "calls the internal handlePreflight on a request that is not a preflight",
        ),
        case(
            s("TestHandleActualRequestInvalidOriginAbortion"),
            B(|| rs_with(&["http://foo.com"])),
            Some(get(&[("origin", "http://example.com")])),
            ans(false, App, full(&[("vary", VO)])),
            ans(false, App, full(&[("vary", VO)])),
            Agree,
        ),
        case(
            s("TestHandleActualRequestInvalidMethodAbortion"),
            B(|| rs().allow_methods(["POST"]).allow_credentials(true)),
            Some(get(&[("origin", "http://example.com")])),
            ans(false, App, full(&[("vary", VO)])),
            Refused(&[Code::WildcardOriginWithCredentials]),
            Justified(Why::WildcardNeverWithCredentials),
        ),
        skip(
            s("TestIsMethodAllowedReturnsFalseWithNoMethods"),
            "the internal isMethodAllowed",
        ),
        skip(
            s("TestIsMethodAllowedReturnsTrueWithOptions"),
            "the internal isMethodAllowed",
        ),
        case(
            s("TestOptionsSuccessStatusCodeDefault"),
            B(rs),
            Some(options(&[ACRM_GET])),
            ans(true, Ok, &[]),
            ans(true, App, &[]),
            Justified(Why::FetchPreflightIsOptionsWithAcrm),
        ),
        case(
            s("TestOptionsSuccessStatusCodeOverride"),
            B(|| rs().preflight_status(200)),
            Some(options(&[ACRM_GET])),
            ans(true, Ok, &[]),
            ans(true, App, &[]),
            Justified(Why::FetchPreflightIsOptionsWithAcrm),
        ),
        case(
            s("TestAccessControlExposeHeadersPresence/omit"),
            B(rs),
            Some(get(&[FOOBAR])),
            ans(true, App, &[("access-control-expose-headers", No)]),
            ans(true, App, &[("access-control-expose-headers", No)]),
            Agree,
        ),
        case(
            s("TestAccessControlExposeHeadersPresence/include"),
            B(|| rs().expose_headers(["X-Something"])),
            Some(get(&[FOOBAR])),
            ans(
                true,
                App,
                &[("access-control-expose-headers", Has("x-something"))],
            ),
            ans(
                true,
                App,
                &[("access-control-expose-headers", Is("x-something"))],
            ),
            Agree,
        ),
    ]
}

// jub0bs/cors, config_test.go ------------------------------------------------------------

fn jc(test: &'static str) -> Source {
    Source {
        peer: Peer::Jub0bsCors,
        file: "config_test.go",
        test,
    }
}

fn jub0bs_config() -> Vec<Case> {
    const OK: Expect = Accepted;
    const NO: Expect = Refused(&[]);
    let accepted = |test, config| case(jc(test), B(config), None, OK, OK, Agree);
    let refused = |test, config, codes| case(jc(test), B(config), None, NO, Refused(codes), Agree);
    vec![
        skip(jc("Test_incomparability_of_Config"), "Go type property"),
        skip(
            jc("Test_that_unkeyed_Config_struct_literals_are_illegal"),
            "Go type property",
        ),
        skip(
            jc("Test_that_Config_can_be_JSON_marshaled"),
            "Go JSON marshaling",
        ),
        skip(
            jc("TestConfig/passthrough"),
            "a zero Middleware without a configuration",
        ),
        accepted("TestConfig/anonymous allow all", || {
            Policy::builder()
                .allow_origins(["*"])
                .allow_methods(["*"])
                .allow_headers(["authoriZation", "*", "Authorization"])
                .expose_headers(["*"])
        }),
        accepted(
            "TestConfig/anonymous allow all but not Authorization request header",
            || {
                Policy::builder()
                    .allow_origins(["*"])
                    .allow_methods(["*"])
                    .allow_headers(["*"])
                    .expose_headers(["*"])
            },
        ),
        // MaxAgeInSeconds: -1 means "send 0" in jub0bs/cors.
        accepted(
            "TestConfig/discrete methods discrete headers zero max age",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com", "https://example.com"])
                    .allow_headers(["x-foO", "x-Bar", "authoRizaTion", "Authorization"])
                    .max_age(0)
                    .expose_headers(["x-FOO", "X-baR", "x-foo"])
            },
        ),
        accepted("TestConfig/credentialed all req headers", || {
            Policy::builder()
                .allow_origins([
                    "http://example.com",
                    "https://*.example.com:8080",
                    "https://*.foo.example.com:8080",
                ])
                .allow_credentials(true)
                .allow_methods(["POST", "PUT", "DELETE", "GET"])
                .allow_headers(["*"])
                .max_age(86_400)
                .expose_headers(["x-FOO", "X-baR", "x-foo"])
                .dangerously_allow_insecure_origins(true)
        }),
        case(
            jc("TestConfig/discrete origin patterns in addition to wildcard"),
            B(|| {
                Policy::builder().allow_origins([
                    "http://example.com",
                    "http://example.com",
                    "https://*.example.com",
                    "https://*.example.com",
                    "*",
                    "*",
                ])
            }),
            None,
            OK,
            Refused(&[Code::WildcardOriginMixed]),
            Justified(Why::InvalidConfigRefused),
        ),
        accepted("TestConfig/safelisted response-header names", || {
            Policy::builder()
                .allow_origins(["http://example.com"])
                .expose_headers([
                    "Cache-Control",
                    "content-Language",
                    "content-lEngth",
                    "content-typE",
                    "expireS",
                    "lasT-modified",
                    "prAgmA",
                    "X-Foo",
                ])
        }),
        accepted(
            "TestConfig/discrete methods in addition to wildcard",
            || {
                Policy::builder()
                    .allow_origins(["http://example.com"])
                    .allow_methods([
                        "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "*", "*",
                    ])
            },
        ),
        accepted("TestConfig/browser-normalized methods", || {
            Policy::builder()
                .allow_origins(["http://example.com"])
                .allow_methods([
                    "Get",
                    "get",
                    "gET",
                    "Head",
                    "head",
                    "hEAD",
                    "Post",
                    "post",
                    "pOST",
                    "getaway",
                    "headstrong",
                    "postal",
                ])
        }),
        accepted(
            "TestConfig/discrete request-header names in addition to wildcard (anonymous)",
            || {
                Policy::builder()
                    .allow_origins(["http://example.com"])
                    .allow_headers(["Authorization", "X-Api-Key", "*", "*", "AuthorizatioN"])
            },
        ),
        accepted(
            "TestConfig/discrete request-header names in addition to wildcard (credentialed)",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_credentials(true)
                    .allow_headers(["Authorization", "X-Api-Key", "*", "*", "AuthorizatioN"])
            },
        ),
        accepted(
            "TestConfig/discrete response-header names in addition to wildcard",
            || {
                Policy::builder()
                    .allow_origins(["http://example.com"])
                    .expose_headers(["X-Foo", "X-Bar", "*", "*"])
            },
        ),
        accepted("TestConfig/max age with no possible preflight", || {
            Policy::builder()
                .allow_origins(["http://example.com"])
                .max_age(10)
        }),
        accepted(
            "TestConfig/wildcard pattern encompassing subdomains of a public suffix",
            || {
                Policy::builder()
                    .allow_origins(["https://*.com"])
                    .dangerously_allow_public_suffix_wildcards(true)
            },
        ),
        refused(
            "TestConfig_invalid/no origin pattern specified",
            Policy::builder,
            &[Code::NoOrigins],
        ),
        case(
            jc("TestConfig_invalid/null origin"),
            B(|| Policy::builder().allow_origins(["null"])),
            None,
            NO,
            Refused(&[Code::NullOrigin]),
            Agree,
        ),
        refused(
            "TestConfig_invalid/invalid origin pattern",
            || Policy::builder().allow_origins(["http://example.com:6060/path"]),
            &[Code::OriginWithPath],
        ),
        refused(
            "TestConfig_invalid/empty method name",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods([""])
            },
            &[Code::InvalidMethod],
        ),
        refused(
            "TestConfig_invalid/invalid method name",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["résumé"])
            },
            &[Code::InvalidMethod],
        ),
        refused(
            "TestConfig_invalid/forbidden method name",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["GET", "CONNECT"])
            },
            &[Code::ForbiddenMethod],
        ),
        refused(
            "TestConfig_invalid/empty request-header name",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([""])
            },
            &[Code::InvalidHeaderName],
        ),
        refused(
            "TestConfig_invalid/invalid request-header name",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["résumé"])
            },
            &[Code::InvalidHeaderName],
        ),
        refused(
            "TestConfig_invalid/forbidden request-header name",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["Connection"])
            },
            &[Code::ForbiddenHeaderName],
        ),
        refused(
            "TestConfig_invalid/forbidden request-header name with Sec- prefix",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["Sec-Foo"])
            },
            &[Code::ForbiddenHeaderName],
        ),
        refused(
            "TestConfig_invalid/forbidden request-header name with Proxy- prefix",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["Proxy-Foo"])
            },
            &[Code::ForbiddenHeaderName],
        ),
        refused(
            "TestConfig_invalid/prohibited request-header name",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["Access-Control-Allow-Origin"])
            },
            &[Code::MisplacedCorsHeader],
        ),
        case(
            jc("TestConfig_invalid/max age less than -1"),
            Toml(
                "[cors]\nallow_origins = [\"https://example.com\"]\nallow_headers = [\"Content-Type\", \"Authorization\"]\nmax_age = -2",
            ),
            None,
            NO,
            Refused(&[Code::InvalidFile]),
            Agree,
        ),
        refused(
            "TestConfig_invalid/max age exceeds upper bound",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["Content-Type", "Authorization"])
                    .max_age(86_401)
            },
            &[Code::MaxAgeTooLarge],
        ),
        refused(
            "TestConfig_invalid/empty response-header name",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .expose_headers([""])
            },
            &[Code::InvalidHeaderName],
        ),
        refused(
            "TestConfig_invalid/invalid response-header name",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .expose_headers(["résumé"])
            },
            &[Code::InvalidHeaderName],
        ),
        refused(
            "TestConfig_invalid/forbidden response-header name",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .expose_headers(["Set-Cookie"])
            },
            &[Code::ForbiddenExposeHeader],
        ),
        case(
            jc("TestConfig_invalid/prohibited response-header name"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .expose_headers(["Access-Control-Request-Method"])
            }),
            None,
            NO,
            Refused(&[Code::MisplacedCorsHeader]),
            Agree,
        ),
        refused(
            "TestConfig_invalid/wildcard origin with Credentialed",
            || {
                Policy::builder()
                    .allow_origins(["*"])
                    .allow_credentials(true)
            },
            &[Code::WildcardOriginWithCredentials],
        ),
        refused(
            "TestConfig_invalid/insecure origin with Credentialed without DangerouslyTolerateInsecureOrigins",
            || {
                Policy::builder()
                    .allow_origins(["http://example.com:6060", "http://*.example.com:6060"])
                    .allow_credentials(true)
            },
            &[Code::InsecureOrigin],
        ),
        refused(
            "TestConfig_invalid/wildcard pattern encompassing subdomains of a public suffix with Credentialed without DangerouslyTolerateSubdomainsOfPublicSuffixes",
            || {
                Policy::builder()
                    .allow_origins(["https://*.com"])
                    .allow_credentials(true)
            },
            &[Code::PublicSuffixWildcard],
        ),
        refused(
            "TestConfig_invalid/wildcard response-header name with Credentialed",
            || {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_credentials(true)
                    .expose_headers(["*"])
            },
            &[Code::WildcardExposeWithCredentials],
        ),
        refused(
            "TestConfig_invalid/multiple configuration issues",
            || {
                Policy::builder()
                    .allow_origins(["http://example.com", "https://example.com/"])
                    .allow_methods(["CONNECT", "résumé"])
                    .allow_headers(["résumé", "Access-Control-Allow-Origin"])
                    .max_age(86_401)
            },
            &[
                Code::OriginWithPath,
                Code::ForbiddenMethod,
                Code::InvalidMethod,
                Code::InvalidHeaderName,
                Code::MisplacedCorsHeader,
                Code::MaxAgeTooLarge,
            ],
        ),
    ]
}

// jub0bs/cors, middleware_test.go ----------------------------------------------------------
//
// Each group of TestMiddleware with its configuration translated; the cases are the
// group's requests. jub0bs/cors checks the whole set of response headers: the CORS
// headers not listed are absent; an actual request's `Vary` starts with the
// application's `foo`.

fn jm(test: &'static str) -> Source {
    Source {
        peer: Peer::Jub0bsCors,
        file: "middleware_test.go",
        test,
    }
}

/// A zero `cors.Middleware`: no CORS at all. corsair: CORS disabled everywhere.
fn jm_passthrough() -> Config {
    Policy::builder()
        .allow_origins(["http://localhost:9090"])
        .enabled(false)
}

fn jm_credentialed() -> Config {
    Policy::builder()
        .allow_origins(["http://localhost:9090"])
        .allow_credentials(true)
        .allow_methods(["GET", "POST", "PURGE", "HELP"])
        .allow_headers(["Authorization"])
        .max_age(30)
        .expose_headers(["X-Foo", "X-Bar"])
}

fn jm_credentialed_all_headers() -> Config {
    Policy::builder()
        .allow_origins(["http://localhost:9090"])
        .allow_credentials(true)
        .allow_headers(["*"])
        .max_age(30)
        .expose_headers(["X-Foo", "X-Bar"])
}

fn jm_credentialed_no_headers() -> Config {
    Policy::builder()
        .allow_origins(["http://localhost:9090"])
        .allow_credentials(true)
        .max_age(30)
        .expose_headers(["X-Foo", "X-Bar"])
}

fn jm_debug_credentialed_no_headers() -> Config {
    jm_credentialed_no_headers().debug(true)
}

fn jm_debug_credentialed_some_headers() -> Config {
    jm_credentialed_no_headers()
        .allow_headers(["Authorization"])
        .debug(true)
}

fn jm_all_but_authorization() -> Config {
    Policy::builder()
        .allow_origins(["*"])
        .allow_methods(["*"])
        .allow_headers(["*"])
        .max_age(30)
        .expose_headers(["*"])
        .debug(true)
}

fn jm_debug_allow_all() -> Config {
    Policy::builder()
        .allow_origins(["*"])
        .allow_methods(["*"])
        .allow_headers(["Authorization", "*"])
        .max_age(30)
        .expose_headers(["*"])
        .debug(true)
}

fn jm_credentialed_allow_some() -> Config {
    Policy::builder()
        .allow_origins(["https://example.com:8080", "https://*.example.com"])
        .allow_credentials(true)
        .allow_methods(["GET", "POST", "PUT", "DELETE"])
        .allow_headers(["Foo", "Bar", "Baz", "Qux", "Quux"])
        .max_age(30)
        .expose_headers(["X-Foo", "X-Bar"])
}

fn jm_ghsa() -> Config {
    Policy::builder().allow_origins(["https://foo.com", "https://bar.com"])
}

fn jm_non_http_scheme() -> Config {
    Policy::builder()
        .allow_origins(["connector://example.com"])
        .allow_credentials(true)
        .dangerously_allow_insecure_origins(true)
}

fn jm_any_subdomain_any_port() -> Config {
    Policy::builder().allow_origins(["http://*.example.com:*"])
}

fn jm_many_origins() -> Config {
    Policy::builder().allow_origins([
        "https://bat",
        "https://cat",
        "https://fat",
        "https://hat",
        "https://meerkat",
        "https://mat",
        "https://oat",
        "https://pat",
        "https://rat",
        "https://sat",
    ])
}

fn jub0bs_middleware() -> Vec<Case> {
    use Status::{App, Ok, Refused as Forbidden};
    vec![
        case(
            jm("TestMiddleware/passthrough/non-CORS GET"),
            B(jm_passthrough),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/passthrough/non-CORS OPTIONS"),
            B(jm_passthrough),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/passthrough/actual GET from allowed"),
            B(jm_passthrough),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "http://localhost:9090")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/passthrough/actual GET from disallowed"),
            B(jm_passthrough),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://example.com")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/passthrough/actual GET from invalid"),
            B(jm_passthrough),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "invalid_origin")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/passthrough/actual OPTIONS from allowed"),
            B(jm_passthrough),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[("origin", "http://localhost:9090")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/passthrough/actual OPTIONS from disallowed"),
            B(jm_passthrough),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[("origin", "https://example.com")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm(
                "TestMiddleware/passthrough/fake preflight with CORS-safelisted method from allowed",
            ),
            B(jm_passthrough),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                ],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/passthrough/preflight with PURGE from allowed"),
            B(jm_passthrough),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PURGE"),
                ],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/passthrough/preflight with PURGE and Content-Type from allowed"),
            B(jm_passthrough),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PURGE"),
                    ("access-control-request-headers", "content-type"),
                ],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm(
                "TestMiddleware/passthrough/fake preflight with CORS-safelisted method from disallowed",
            ),
            B(jm_passthrough),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "https://example.com"),
                    ("access-control-request-method", "GET"),
                ],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm(
                "TestMiddleware/passthrough/fake preflight with CORS-safelisted method from invalid",
            ),
            B(jm_passthrough),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "invalid_origin"),
                    ("access-control-request-method", "GET"),
                ],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/passthrough/preflight with PUT from allowed"),
            B(jm_passthrough),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PUT"),
                ],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/passthrough/preflight with PUT from disallowed"),
            B(jm_passthrough),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "https://example.com"),
                    ("access-control-request-method", "PUT"),
                ],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/passthrough/preflight with GET and headers from allowed"),
            B(jm_passthrough),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/passthrough/preflight with GET and headers from disallowed"),
            B(jm_passthrough),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "https://example.org"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/credentialed/non-CORS GET"),
            B(jm_credentialed),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/credentialed/non-CORS OPTIONS"),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm("TestMiddleware/credentialed/actual GET from allowed"),
            B(jm_credentialed),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "http://localhost:9090")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("x-bar,x-foo")),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("x-bar,x-foo")),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/credentialed/actual GET from disallowed"),
            B(jm_credentialed),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://example.com")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/credentialed/actual GET from invalid"),
            B(jm_credentialed),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "invalid_origin")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/credentialed/actual OPTIONS from allowed"),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[("origin", "http://localhost:9090")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("x-bar,x-foo")),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("x-bar,x-foo")),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm("TestMiddleware/credentialed/actual OPTIONS from disallowed"),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[("origin", "https://example.com")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/credentialed/fake preflight with CORS-safelisted method from allowed",
            ),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm("TestMiddleware/credentialed/preflight with PURGE from allowed"),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PURGE"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("PURGE")),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("PURGE")),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm("TestMiddleware/credentialed/preflight with PURGE and Content-Type from allowed"),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PURGE"),
                    ("access-control-request-headers", "content-type"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm("TestMiddleware/credentialed/preflight with PURGE and Authorization from allowed"),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PURGE"),
                    ("access-control-request-headers", "authorization"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("PURGE")),
                    ("access-control-allow-headers", Is("authorization")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("PURGE")),
                    ("access-control-allow-headers", Is("authorization")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/credentialed/preflight with PURGE and Authorization with some empty elements from allowed",
            ),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PURGE"),
                    ("access-control-request-headers", ",,authorization,,"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("PURGE")),
                    ("access-control-allow-headers", Is(",,authorization,,")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("PURGE")),
                    ("access-control-allow-headers", Is(",,authorization,,")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/credentialed/preflight with PURGE and Authorization with too many empty elements from allowed",
            ),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PURGE"),
                    (
                        "access-control-request-headers",
                        "authorization,,,,,,,,,,,,,,,,,",
                    ),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("PURGE")),
                    ("access-control-allow-headers", Is("authorization")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            jm(
                "TestMiddleware/credentialed/preflight with PURGE and Authorization with some empty ACRH header lines from allowed",
            ),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PURGE"),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", "authorization"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("PURGE")),
                    (
                        "access-control-allow-headers",
                        Is(", , , , , , , , , , , , , , , , authorization"),
                    ),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("PURGE")),
                    (
                        "access-control-allow-headers",
                        Is(", , , , , , , , , , , , , , , , authorization"),
                    ),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/credentialed/preflight with PURGE and Authorization with too many empty ACRH header lines from allowed",
            ),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PURGE"),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", "authorization"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("PURGE")),
                    ("access-control-allow-headers", Is("authorization")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            jm(
                "TestMiddleware/credentialed/fake preflight with CORS-safelisted method from disallowed",
            ),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "https://example.com"),
                    ("access-control-request-method", "GET"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/credentialed/fake preflight with CORS-safelisted method from invalid",
            ),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "invalid_origin"),
                    ("access-control-request-method", "GET"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm("TestMiddleware/credentialed/preflight with PUT from allowed"),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PUT"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm("TestMiddleware/credentialed/preflight with PUT from disallowed"),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "https://example.com"),
                    ("access-control-request-method", "PUT"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm("TestMiddleware/credentialed/preflight with GET and headers from allowed"),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm("TestMiddleware/credentialed/preflight with GET and headers from disallowed"),
            B(jm_credentialed),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "https://example.org"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/credentialed all req headers/preflight with GET and headers from allowed",
            ),
            B(jm_credentialed_all_headers),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", Is("bar,baz,foo")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", Is("bar,baz,foo")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm(
                "TestMiddleware/credentialed all req headers/preflight with GET and headers with some OWS from allowed",
            ),
            B(jm_credentialed_all_headers),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar , baz\t, foo\t"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", Is("bar , baz\t, foo\t")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", Is("bar , baz\t, foo\t")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm(
                "TestMiddleware/credentialed all req headers/preflight with GET and headers with too much OWS from allowed",
            ),
            B(jm_credentialed_all_headers),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar \t, baz\t, foo\t"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", Is("bar \t, baz\t, foo\t")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", Is("bar \t, baz\t, foo\t")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm(
                "TestMiddleware/credentialed all req headers/preflight with GET and headers with some empty elements from allowed",
            ),
            B(jm_credentialed_all_headers),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                    (
                        "access-control-request-headers",
                        "bar,baz,foo,,,,,,,,,,,,,,,,",
                    ),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    (
                        "access-control-allow-headers",
                        Is("bar,baz,foo,,,,,,,,,,,,,,,,"),
                    ),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("GET")),
                    (
                        "access-control-allow-headers",
                        Is("bar,baz,foo,,,,,,,,,,,,,,,,"),
                    ),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm(
                "TestMiddleware/credentialed all req headers/preflight with GET and headers with too many empty elements from allowed",
            ),
            B(jm_credentialed_all_headers),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                    (
                        "access-control-request-headers",
                        "bar,baz,foo,,,,,,,,,,,,,,,,,",
                    ),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    (
                        "access-control-allow-headers",
                        Is("bar,baz,foo,,,,,,,,,,,,,,,,,"),
                    ),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("GET")),
                    (
                        "access-control-allow-headers",
                        Is("bar,baz,foo,,,,,,,,,,,,,,,,,"),
                    ),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm(
                "TestMiddleware/credentialed all req headers/preflight with GET and headers with some empty ACHR header lines from allowed",
            ),
            B(jm_credentialed_all_headers),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    (
                        "access-control-allow-headers",
                        Is(", , , , , , , , , , , , , , , , bar,baz,foo"),
                    ),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("GET")),
                    (
                        "access-control-allow-headers",
                        Is(", , , , , , , , , , , , , , , , bar,baz,foo"),
                    ),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm(
                "TestMiddleware/credentialed all req headers/preflight with GET and headers with too many empty ACHR header lines from allowed",
            ),
            B(jm_credentialed_all_headers),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", ""),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    (
                        "access-control-allow-headers",
                        Is(", , , , , , , , , , , , , , , , , bar,baz,foo"),
                    ),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("GET")),
                    (
                        "access-control-allow-headers",
                        Is(", , , , , , , , , , , , , , , , , bar,baz,foo"),
                    ),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm(
                "TestMiddleware/credentialed no req headers/preflight with GET and headers from allowed",
            ),
            B(jm_credentialed_no_headers),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/debug credentialed no req headers/preflight with GET and headers from allowed",
            ),
            B(jm_debug_credentialed_no_headers),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[],
            }),
            ans(
                false,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::DebugModeWording),
        ),
        case(
            jm("TestMiddleware/debug credentialed no req headers/preflight with disallowed method"),
            B(jm_debug_credentialed_no_headers),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PUT"),
                ],
                app: &[],
            }),
            ans(
                false,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("GET,HEAD,POST")),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::DebugModeWording),
        ),
        case(
            jm(
                "TestMiddleware/debug credentialed some req headers/preflight with GET and headers from allowed",
            ),
            B(jm_debug_credentialed_some_headers),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[],
            }),
            ans(
                false,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", Is("authorization")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("http://localhost:9090")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", Is("authorization")),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::DebugModeWording),
        ),
        case(
            jm(
                "TestMiddleware/all req headers other than Authorization/preflight with PURGE and Content-Type",
            ),
            B(jm_all_but_authorization),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PURGE"),
                    ("access-control-request-headers", "content-type"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", Is("*")),
                    ("access-control-allow-headers", Is("*")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", Is("PURGE")),
                    ("access-control-allow-headers", Is("*")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm("TestMiddleware/debug allow all/non-CORS GET request"),
            B(jm_debug_allow_all),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("*")),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("*")),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/debug allow all/non-CORS OPTIONS request"),
            B(jm_debug_allow_all),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("*")),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("*")),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/debug allow all/actual GET request"),
            B(jm_debug_allow_all),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "http://localhost:9090")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("*")),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("*")),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/debug allow all/actual GET from invalid"),
            B(jm_debug_allow_all),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "invalid_origin")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("*")),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("*")),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/debug allow all/actual OPTIONS request"),
            B(jm_debug_allow_all),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[("origin", "http://localhost:9090")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("*")),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("*")),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/debug allow all/fake preflight with CORS-safelisted method"),
            B(jm_debug_allow_all),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm("TestMiddleware/debug allow all/preflight with PURGE"),
            B(jm_debug_allow_all),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PURGE"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", Is("*")),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", Is("PURGE")),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm("TestMiddleware/debug allow all/preflight with PURGE and Content-Type"),
            B(jm_debug_allow_all),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PURGE"),
                    ("access-control-request-headers", "content-type"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", Is("*")),
                    ("access-control-allow-headers", Is("*,authorization")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", Is("PURGE")),
                    ("access-control-allow-headers", Is("*,authorization")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm(
                "TestMiddleware/debug allow all/fake preflight with CORS-safelisted method from invalid",
            ),
            B(jm_debug_allow_all),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "invalid_origin"),
                    ("access-control-request-method", "GET"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm("TestMiddleware/debug allow all/preflight with PUT"),
            B(jm_debug_allow_all),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "PUT"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", Is("*")),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", Is("PUT")),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm("TestMiddleware/debug allow all/preflight with GET and headers"),
            B(jm_debug_allow_all),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://localhost:9090"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", Is("*,authorization")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", Is("*")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", Is("*,authorization")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        case(
            jm("TestMiddleware/credentialed allow some/non-CORS GET request"),
            B(jm_credentialed_allow_some),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/credentialed allow some/non-CORS OPTIONS request"),
            B(jm_credentialed_allow_some),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm("TestMiddleware/credentialed allow some/actual GET from allowed"),
            B(jm_credentialed_allow_some),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://example.com:8080")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    (
                        "access-control-allow-origin",
                        Is("https://example.com:8080"),
                    ),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("x-bar,x-foo")),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    (
                        "access-control-allow-origin",
                        Is("https://example.com:8080"),
                    ),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("x-bar,x-foo")),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/credentialed allow some/actual GET from disallowed"),
            B(jm_credentialed_allow_some),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://example.com:6060")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/credentialed allow some/actual GET from invalid"),
            B(jm_credentialed_allow_some),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "invalid_origin")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/credentialed allow some/actual OPTIONS from allowed"),
            B(jm_credentialed_allow_some),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[("origin", "https://example.com:8080")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    (
                        "access-control-allow-origin",
                        Is("https://example.com:8080"),
                    ),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("x-bar,x-foo")),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    (
                        "access-control-allow-origin",
                        Is("https://example.com:8080"),
                    ),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", Is("x-bar,x-foo")),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm("TestMiddleware/credentialed allow some/actual OPTIONS from disallowed"),
            B(jm_credentialed_allow_some),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[("origin", "https://foo.example.com:8080")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/credentialed allow some/preflight with GET and headers from allowed",
            ),
            B(jm_credentialed_allow_some),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "https://example.com:8080"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[],
            }),
            ans(
                true,
                Ok,
                &[
                    ("vary", No),
                    (
                        "access-control-allow-origin",
                        Is("https://example.com:8080"),
                    ),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", Is("bar,baz,foo")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                Ok,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    (
                        "access-control-allow-origin",
                        Is("https://example.com:8080"),
                    ),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", Is("GET")),
                    ("access-control-allow-headers", Is("bar,baz,foo")),
                    ("access-control-max-age", Is("30")),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::SameListsWordedDifferently),
        ),
        skip(
            jm("TestMiddleware/outer Vary middleware/non-CORS GET"),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm("TestMiddleware/outer Vary middleware/non-CORS OPTIONS"),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm("TestMiddleware/outer Vary middleware/actual GET from allowed"),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm("TestMiddleware/outer Vary middleware/actual GET from disallowed"),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm("TestMiddleware/outer Vary middleware/actual GET from invalid"),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm("TestMiddleware/outer Vary middleware/actual OPTIONS from allowed"),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm("TestMiddleware/outer Vary middleware/actual OPTIONS from disallowed"),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm(
                "TestMiddleware/outer Vary middleware/fake preflight with CORS-safelisted method from allowed",
            ),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm("TestMiddleware/outer Vary middleware/preflight with PURGE from allowed"),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm(
                "TestMiddleware/outer Vary middleware/preflight with PURGE and Content-Type from allowed",
            ),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm(
                "TestMiddleware/outer Vary middleware/fake preflight with CORS-safelisted method from disallowed",
            ),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm(
                "TestMiddleware/outer Vary middleware/fake preflight with CORS-safelisted method from invalid",
            ),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm("TestMiddleware/outer Vary middleware/preflight with PUT from allowed"),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm("TestMiddleware/outer Vary middleware/preflight with PUT from disallowed"),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm("TestMiddleware/outer Vary middleware/preflight with GET and headers from allowed"),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        skip(
            jm(
                "TestMiddleware/outer Vary middleware/preflight with GET and headers from disallowed",
            ),
            "an outer middleware's Vary (jub0bs/cors test harness)",
        ),
        case(
            jm(
                "TestMiddleware/regression tests for GHSA-vhxv-fg4m-p2w8/actual GET from disallowed",
            ),
            B(jm_ghsa),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://barfoo.com")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm(
                "TestMiddleware/regression tests for GHSA-vhxv-fg4m-p2w8/actual GET from disallowed 2",
            ),
            B(jm_ghsa),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://foobar.com")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm(
                "TestMiddleware/regression tests for GHSA-vhxv-fg4m-p2w8/actual OPTIONS from disallowed",
            ),
            B(jm_ghsa),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[("origin", "https://barfoo.com")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/regression tests for GHSA-vhxv-fg4m-p2w8/actual OPTIONS from disallowed 2",
            ),
            B(jm_ghsa),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[("origin", "https://foobar.com")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/regression tests for GHSA-vhxv-fg4m-p2w8/fake preflight with CORS-safelisted method from disallowed",
            ),
            B(jm_ghsa),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "https://barfoo.com"),
                    ("access-control-request-method", "GET"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/regression tests for GHSA-vhxv-fg4m-p2w8/fake preflight with CORS-safelisted method from disallowed 2",
            ),
            B(jm_ghsa),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "https://foobar.com"),
                    ("access-control-request-method", "GET"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/regression tests for GHSA-vhxv-fg4m-p2w8/preflight with PUT from disallowed",
            ),
            B(jm_ghsa),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "https://barfoo.com"),
                    ("access-control-request-method", "PUT"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/regression tests for GHSA-vhxv-fg4m-p2w8/preflight with PUT from disallowed 2",
            ),
            B(jm_ghsa),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "https://foobar.com"),
                    ("access-control-request-method", "PUT"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/regression tests for GHSA-vhxv-fg4m-p2w8/preflight with GET and headers from disallowed",
            ),
            B(jm_ghsa),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "https://barfoo.com"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/regression tests for GHSA-vhxv-fg4m-p2w8/preflight with GET and headers from disallowed 2",
            ),
            B(jm_ghsa),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "https://foobar.com"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm("TestMiddleware/insecure origin with non-HTTP scheme/non-CORS GET request"),
            B(jm_non_http_scheme),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/insecure origin with non-HTTP scheme/non-CORS OPTIONS request"),
            B(jm_non_http_scheme),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm("TestMiddleware/insecure origin with non-HTTP scheme/actual GET from allowed"),
            B(jm_non_http_scheme),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "connector://example.com")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("connector://example.com")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("connector://example.com")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/insecure origin with non-HTTP scheme/actual GET from disallowed"),
            B(jm_non_http_scheme),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "connector://example.com:6060")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/insecure origin with non-HTTP scheme/actual GET from invalid"),
            B(jm_non_http_scheme),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "invalid_origin")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/insecure origin with non-HTTP scheme/actual OPTIONS from allowed"),
            B(jm_non_http_scheme),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[("origin", "connector://example.com")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", Is("connector://example.com")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("connector://example.com")),
                    ("access-control-allow-credentials", Is("true")),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/insecure origin with non-HTTP scheme/actual OPTIONS from disallowed",
            ),
            B(jm_non_http_scheme),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[("origin", "connector://example.com:8080")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm(
                "TestMiddleware/insecure origin with non-HTTP scheme/preflight with GET and headers from allowed",
            ),
            B(jm_non_http_scheme),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "connector://example.com"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm("TestMiddleware/arbitrary subdomains and arbitrary ports/actual GET from subdomain"),
            B(jm_any_subdomain_any_port),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "http://foo.example.com")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("http://foo.example.com")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("http://foo.example.com")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm(
                "TestMiddleware/arbitrary subdomains and arbitrary ports/actual GET from subdomain and port",
            ),
            B(jm_any_subdomain_any_port),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "http://foo.example.com:6060")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    (
                        "access-control-allow-origin",
                        Is("http://foo.example.com:6060"),
                    ),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    (
                        "access-control-allow-origin",
                        Is("http://foo.example.com:6060"),
                    ),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm(
                "TestMiddleware/arbitrary subdomains and arbitrary ports/actual GET from deeper subdomain",
            ),
            B(jm_any_subdomain_any_port),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "http://bar.foo.example.com")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    (
                        "access-control-allow-origin",
                        Is("http://bar.foo.example.com"),
                    ),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    (
                        "access-control-allow-origin",
                        Is("http://bar.foo.example.com"),
                    ),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm(
                "TestMiddleware/arbitrary subdomains and arbitrary ports/actual GET from deeper subdomain and port",
            ),
            B(jm_any_subdomain_any_port),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "http://bar.foo.example.com:8080")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    (
                        "access-control-allow-origin",
                        Is("http://bar.foo.example.com:8080"),
                    ),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    (
                        "access-control-allow-origin",
                        Is("http://bar.foo.example.com:8080"),
                    ),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm(
                "TestMiddleware/arbitrary subdomains and arbitrary ports/actual GET from disallowed",
            ),
            B(jm_any_subdomain_any_port),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "http://example.com")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm(
                "TestMiddleware/arbitrary subdomains and arbitrary ports/preflight with GET and headers from allowed",
            ),
            B(jm_any_subdomain_any_port),
            Some(Request {
                method: "OPTIONS",
                path: "/whatever",
                headers: &[
                    ("origin", "http://foo.example.com"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "bar,baz,foo"),
                ],
                app: &[],
            }),
            ans(
                false,
                Forbidden,
                &[
                    ("vary", No),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                Forbidden,
                &[
                    (
                        "vary",
                        Is("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                    ),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Justified(Why::VaryOnEveryOriginDependentResponse),
        ),
        case(
            jm("TestMiddleware/many origins/actual GET from https://bat"),
            B(jm_many_origins),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://bat")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://bat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://bat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/many origins/actual GET from https://cat"),
            B(jm_many_origins),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://cat")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://cat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://cat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/many origins/actual GET from https://fat"),
            B(jm_many_origins),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://fat")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://fat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://fat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/many origins/actual GET from https://hat"),
            B(jm_many_origins),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://hat")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://hat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://hat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/many origins/actual GET from https://meerkat"),
            B(jm_many_origins),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://meerkat")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://meerkat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://meerkat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/many origins/actual GET from https://mat"),
            B(jm_many_origins),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://mat")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://mat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://mat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/many origins/actual GET from https://oat"),
            B(jm_many_origins),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://oat")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://oat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://oat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/many origins/actual GET from https://pat"),
            B(jm_many_origins),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://pat")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://pat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://pat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/many origins/actual GET from https://rat"),
            B(jm_many_origins),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://rat")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://rat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://rat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/many origins/actual GET from https://sat"),
            B(jm_many_origins),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://sat")],
                app: &[("vary", "foo")],
            }),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://sat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                true,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", Is("https://sat")),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        case(
            jm("TestMiddleware/many origins/actual GET from https://hazmat"),
            B(jm_many_origins),
            Some(Request {
                method: "GET",
                path: "/whatever",
                headers: &[("origin", "https://hazmat")],
                app: &[("vary", "foo")],
            }),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            ans(
                false,
                App,
                &[
                    ("vary", Is("foo, Origin")),
                    ("access-control-allow-origin", No),
                    ("access-control-allow-credentials", No),
                    ("access-control-allow-methods", No),
                    ("access-control-allow-headers", No),
                    ("access-control-max-age", No),
                    ("access-control-expose-headers", No),
                ],
            ),
            Agree,
        ),
        skip(
            jm("TestReconfigure"),
            "reconfiguring a live middleware (corsair: PolicyHandle); its requests repeat TestMiddleware's",
        ),
        skip(
            Source {
                peer: Peer::Jub0bsCors,
                file: "internal/origins/origins_test.go",
                test: "TestParse (40 request origins)",
            },
            "the internal request-origin parser, lenient by design: whether an origin is allowed is decided by matching it against the patterns, ported above",
        ),
        skip(
            jm("Test_mutation_by_wrapping_middleware"),
            "a wrapping middleware mutating the response headers",
        ),
    ]
}

// jub0bs/cors, internal/origins/pattern_test.go --------------------------------------------
//
// The origin patterns jub0bs/cors accepts or refuses in its configuration (its internal
// parser's table), and which it deems insecure or a public suffix (refused with
// credentials): each as a corsair policy.

fn jp(test: &'static str) -> Source {
    Source {
        peer: Peer::Jub0bsCors,
        file: "internal/origins/pattern_test.go",
        test,
    }
}

fn jub0bs_patterns() -> Vec<Case> {
    const OK: Expect = Accepted;
    const NO: Expect = Refused(&[]);
    vec![
        case(
            jp("TestParsePattern/wildcard character sequence followed by 252 chars"),
            B(|| {
                Policy::builder().allow_origins(["https://*.aa23456789012345678901234567890123456789012345678901234567890.a23456789012345678901234567890123456789012345678901234567890.a23456789012345678901234567890123456789012345678901234567890.a23456789012345678901234567890123456789012345678901234567890.a234567"])
            }),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/wildcard character sequence followed by 251 chars"),
            B(|| {
                Policy::builder().allow_origins(["https://*.a23456789012345678901234567890123456789012345678901234567890.a23456789012345678901234567890123456789012345678901234567890.a23456789012345678901234567890123456789012345678901234567890.a23456789012345678901234567890123456789012345678901234567890.a234567"])
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/too long by 1"),
            B(|| {
                Policy::builder().allow_origins(["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa://*.aa23456789012345678901234567890123456789012345678901234567890.a23456789012345678901234567890123456789012345678901234567890.a23456789012345678901234567890123456789012345678901234567890.a23456789012345678901234567890123456789012345678901234567890.a234567:65535"])
            }),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/maximum length and maximum port"),
            B(|| {
                Policy::builder().allow_origins(["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa://*.a23456789012345678901234567890123456789012345678901234567890.a23456789012345678901234567890123456789012345678901234567890.a23456789012345678901234567890123456789012345678901234567890.a23456789012345678901234567890123456789012345678901234567890.a234567:65535"])
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/null origin"),
            B(|| Policy::builder().allow_origins(["null"])),
            None,
            NO,
            Refused(&[Code::NullOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/userinfo"),
            B(|| Policy::builder().allow_origins(["https://user:password@example.com:6060"])),
            None,
            NO,
            Refused(&[Code::OriginWithUserinfo]),
            Agree,
        ),
        case(
            jp("TestParsePattern/path"),
            B(|| Policy::builder().allow_origins(["https://example.com:6060/foo"])),
            None,
            NO,
            Refused(&[Code::OriginWithPath]),
            Agree,
        ),
        case(
            jp("TestParsePattern/querystring delimiter with empty querystring"),
            B(|| Policy::builder().allow_origins(["https://example.com:6060?"])),
            None,
            NO,
            Refused(&[Code::OriginWithPath]),
            Agree,
        ),
        case(
            jp("TestParsePattern/querystring"),
            B(|| Policy::builder().allow_origins(["https://example.com:6060?foo=bar"])),
            None,
            NO,
            Refused(&[Code::OriginWithPath]),
            Agree,
        ),
        case(
            jp("TestParsePattern/fragment"),
            B(|| Policy::builder().allow_origins(["https://example.com:6060#nav"])),
            None,
            NO,
            Refused(&[Code::OriginWithPath]),
            Agree,
        ),
        case(
            jp("TestParsePattern/short input without scheme-host delimiter"),
            B(|| Policy::builder().allow_origins(["ab"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/short input with colon but without double slash"),
            B(|| Policy::builder().allow_origins(["ab:"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/whitespace"),
            B(|| Policy::builder().allow_origins([" http://example.com:6060 "])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/non-HTTP scheme"),
            B(|| Policy::builder().allow_origins(["connector://foo"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/\"a\" scheme"),
            B(|| Policy::builder().allow_origins(["a://example.com"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/\"b\" scheme"),
            B(|| Policy::builder().allow_origins(["b://example.com"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/\"y\" scheme"),
            B(|| Policy::builder().allow_origins(["y://example.com"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/\"z\" scheme"),
            B(|| Policy::builder().allow_origins(["z://example.com"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/file scheme"),
            B(|| Policy::builder().allow_origins(["file:///foo"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/file scheme with domain"),
            B(|| Policy::builder().allow_origins(["file://example.com"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/invalid first char in scheme"),
            B(|| Policy::builder().allow_origins(["42-chrome-extension://foo"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/invalid later char in scheme"),
            B(|| Policy::builder().allow_origins(["chrome-extension*://foo"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/http with explicit port 80"),
            B(|| Policy::builder().allow_origins(["http://foo:80"])),
            None,
            NO,
            Refused(&[Code::NonCanonicalOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/https with explicit port 443"),
            B(|| Policy::builder().allow_origins(["https://foo:443"])),
            None,
            NO,
            Refused(&[Code::NonCanonicalOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/invalid host char"),
            B(|| Policy::builder().allow_origins(["https://^foo"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/single-digit host"),
            B(|| Policy::builder().allow_origins(["http://1:6060"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/host containing non-ASCII chars"),
            B(|| Policy::builder().allow_origins(["https://résumé.com"])),
            None,
            NO,
            Accepted,
            Justified(Why::IdnaHostAsBrowsersSendIt),
        ),
        case(
            jp("TestParsePattern/invalid host char after label sep"),
            B(|| Policy::builder().allow_origins(["https://foo.^bar"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/domain with colon but no port"),
            B(|| Policy::builder().allow_origins(["https://foo:"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/domain with negative port"),
            B(|| Policy::builder().allow_origins(["https://foo:-1"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/domain with 0 port"),
            B(|| Policy::builder().allow_origins(["https://foo:0"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/non-numeric port"),
            B(|| Policy::builder().allow_origins(["https://foo:abc"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/leading nonzero digit in port"),
            B(|| Policy::builder().allow_origins(["https://foo:06060"])),
            None,
            NO,
            Refused(&[Code::NonCanonicalOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/5-digit port followed by junk"),
            B(|| Policy::builder().allow_origins(["https://foo:12345foo"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/port longer than five digits"),
            B(|| Policy::builder().allow_origins(["https://foo:123456"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/overflow port"),
            B(|| Policy::builder().allow_origins(["https://foo:65536"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/valid port followed by junk"),
            B(|| Policy::builder().allow_origins(["https://foo:12390abc"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/invalid TLD"),
            B(|| Policy::builder().allow_origins(["http://foo.bar.255:6060"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/longer invalid TLD"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foo.bar.baz.012345678901234567890123456789:6060"])
            }),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/invalid IP address"),
            B(|| Policy::builder().allow_origins(["http://[::1]1:6060"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/IP host with colon but no port"),
            B(|| Policy::builder().allow_origins(["http://127.0.0.1:"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/IP with negative port"),
            B(|| Policy::builder().allow_origins(["http://127.0.0.1:-1"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/IP with 0 port"),
            B(|| Policy::builder().allow_origins(["http://127.0.0.1:0"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/https scheme with IPv4 host"),
            B(|| Policy::builder().allow_origins(["https://127.0.0.1:90"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/IPv4 host with trailing full stop"),
            B(|| Policy::builder().allow_origins(["https://127.0.0.1.:90"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/malformed ipv4 with one too many octets"),
            B(|| Policy::builder().allow_origins(["http://127.0.0.1.1"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/non-loopback IPv4"),
            B(|| Policy::builder().allow_origins(["http://69.254.169.254"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/loopback IPv4"),
            B(|| Policy::builder().allow_origins(["http://127.0.0.1:90"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/https scheme with IPv6 host"),
            B(|| Policy::builder().allow_origins(["https://[::1]:90"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/junk in brackets"),
            B(|| Policy::builder().allow_origins(["http://[example]:90"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/too brackets around IPv6"),
            B(|| Policy::builder().allow_origins(["https://::1:90"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/missing closing bracket in IPv6"),
            B(|| Policy::builder().allow_origins(["http://[::1:90"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/missing opening bracket in IPv6"),
            B(|| Policy::builder().allow_origins(["https://::1]:90"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/IPv6 preceded by junk"),
            B(|| Policy::builder().allow_origins(["https://abc[::1]:90"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/IPv6 followed by junk"),
            B(|| Policy::builder().allow_origins(["https://[::1]abc:90"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/non-loopback IPv6 with hexadecimal chars"),
            B(|| Policy::builder().allow_origins(["http://[2001:db8:aaaa:1111::100]:9090"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/loopback IPv6 address with port"),
            B(|| Policy::builder().allow_origins(["http://[::1]:90"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/loopback IPv4 in non-standard form"),
            B(|| Policy::builder().allow_origins(["http://127.1:3999"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/too many colons in IPv6"),
            B(|| Policy::builder().allow_origins(["http://[::::::::::::::::1]:90"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/uncompressed IPv6"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://[2001:4860:4860:0000:0000:0000:0000:8888]:90"])
            }),
            None,
            NO,
            Refused(&[Code::NonCanonicalOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/IPv6 with a zone"),
            B(|| Policy::builder().allow_origins(["http://[fe80::1ff:fe23:4567:890a%eth2]:90"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/IPv4-mapped IPv6"),
            B(|| Policy::builder().allow_origins(["http://[::ffff:7f7f:7f7f]:90"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/host contains uppercase letters"),
            B(|| Policy::builder().allow_origins(["http://exAmplE.coM:3999"])),
            None,
            NO,
            Refused(&[Code::NonCanonicalOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/host contains underscores and hyphens"),
            B(|| Policy::builder().allow_origins(["http://ex_am-ple.com:3999"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/trailing full stop in host"),
            B(|| Policy::builder().allow_origins(["http://example.com.:3999"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/multiple trailing full stops in host"),
            B(|| Policy::builder().allow_origins(["http://example.com..:3999"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/empty label"),
            B(|| Policy::builder().allow_origins(["http://example..com:3999"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/host contains invalid Punycode label"),
            B(|| Policy::builder().allow_origins(["http://xn--f"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/arbitrary subdomains"),
            B(|| Policy::builder().allow_origins(["http://*.example.com:3999"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/arbitrary subdomains and arbitrary ports"),
            B(|| Policy::builder().allow_origins(["http://*.example.com:*"])),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestParsePattern/leading double asterisk"),
            B(|| Policy::builder().allow_origins(["http://**.example.com:3999"])),
            None,
            NO,
            Refused(&[Code::InvalidWildcard]),
            Agree,
        ),
        case(
            jp("TestParsePattern/out-of-place wildcard"),
            B(|| Policy::builder().allow_origins(["http://fooo.*.example.com:3999"])),
            None,
            NO,
            Refused(&[Code::InvalidWildcard]),
            Agree,
        ),
        case(
            jp("TestParsePattern/wildcard not followed by a full stop"),
            B(|| Policy::builder().allow_origins(["http://*example.com:3999"])),
            None,
            NO,
            Refused(&[Code::InvalidWildcard]),
            Agree,
        ),
        case(
            jp("TestParsePattern/wildcard character sequence with IPv6"),
            B(|| Policy::builder().allow_origins(["http://*.[::1]:3999"])),
            None,
            NO,
            Refused(&[Code::InvalidOrigin]),
            Agree,
        ),
        case(
            jp("TestParsePattern/wildcard character sequence with IPv4"),
            B(|| Policy::builder().allow_origins(["http://*.127.0.0.1:3999"])),
            None,
            NO,
            Refused(&[Code::InvalidWildcard]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/https://example.com (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/https://*.example.com (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://*.example.com"])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://example.com (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://example.com"])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://*.example.com (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://*.example.com"])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/https://localhost (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://localhost"])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://localhost (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://localhost"])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/https://*.localhost (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://*.localhost"])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://*.localhost (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://*.localhost"])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/https://foo.localhost (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://foo.localhost"])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://foo.localhost (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foo.localhost"])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/https://foo.bar.baz.localhost (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://foo.bar.baz.localhost"])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://foo.bar.baz.localhost (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foo.bar.baz.localhost"])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://alocalhost (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://alocalhost"])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://*.alocalhost (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://*.alocalhost"])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://foo.alocalhost (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foo.alocalhost"])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://foo.bar.baz.alocalhost (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foo.bar.baz.alocalhost"])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://localhosta (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://localhosta"])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://*.localhosta (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://*.localhosta"])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://foo.localhosta (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foo.localhosta"])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://foo.bar.baz.localhosta (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foo.bar.baz.localhosta"])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/https://localhost. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://localhost."])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://localhost. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://localhost."])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/https://*.localhost. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://*.localhost."])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://*.localhost. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://*.localhost."])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/https://foo.localhost. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://foo.localhost."])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://foo.localhost. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foo.localhost."])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/https://foo.bar.baz.localhost. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://foo.bar.baz.localhost."])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://foo.bar.baz.localhost. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foo.bar.baz.localhost."])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://alocalhost. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://alocalhost."])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://*.alocalhost. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://*.alocalhost."])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://foo.alocalhost. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foo.alocalhost."])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://foo.bar.baz.alocalhost. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foo.bar.baz.alocalhost."])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://localhosta. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://localhosta."])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://*.localhosta. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://*.localhosta."])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://foo.localhosta. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foo.localhosta."])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://foo.bar.baz.localhosta. (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://foo.bar.baz.localhosta."])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://127.0.0.1 (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://127.0.0.1"])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://127.127.127.127 (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://127.127.127.127"])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://169.254.169.254:90 (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://169.254.169.254:90"])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://[::1]:90 (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://[::1]:90"])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
        case(
            jp("TestIsDeemedInsecure/http://[2001:db8:aaaa:1111::100]:9090 (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["http://[2001:db8:aaaa:1111::100]:9090"])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::InsecureOrigin]),
            Agree,
        ),
        case(
            jp("TestHostIsEffectiveTLD/https://*.com (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://*.com"])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::PublicSuffixWildcard]),
            Agree,
        ),
        case(
            jp("TestHostIsEffectiveTLD/https://*.github.io (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://*.github.io"])
                    .allow_credentials(true)
            }),
            None,
            NO,
            Refused(&[Code::PublicSuffixWildcard]),
            Agree,
        ),
        case(
            jp("TestHostIsEffectiveTLD/https://*.example.com (with credentials)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://*.example.com"])
                    .allow_credentials(true)
            }),
            None,
            OK,
            Accepted,
            Agree,
        ),
    ]
}

// jub0bs/cors, internal/headers/acrh_test.go ------------------------------------------------
//
// Which Access-Control-Request-Headers values jub0bs/cors accepts for a set of allowed
// headers: each as a preflight (GET, from an allowed origin) against that set.

fn ja(test: &'static str) -> Source {
    Source {
        peer: Peer::Jub0bsCors,
        file: "internal/headers/acrh_test.go",
        test,
    }
}

fn jub0bs_acrh() -> Vec<Case> {
    use Status::{Ok, Refused as Forbidden};
    vec![
        case(
            ja("TestCheck/empty set accepts 1 empty lines"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/empty set accepts [\",\"]"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ","),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/empty set accepts [\"\\t, , \"]"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\t, , "),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/empty set accepts 16 empty lines"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/empty set rejects [\"x-bar\"]"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/empty set rejects [\"x-bar,x-foo\"]"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar,x-foo"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/empty set rejects [\",,,,,,,,,,,,,,,,,\"]"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ",,,,,,,,,,,,,,,,,"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/empty set rejects 17 empty lines"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/singleton set accepts [\"x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/singleton set accepts [\" x-foo \"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " x-foo "),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/singleton set accepts [\"  x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "  x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/singleton set accepts [\"x-foo  \"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-foo  "),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/singleton set accepts 1 empty lines"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/singleton set accepts [\",\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ","),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/singleton set accepts [\"\\t, , \"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\t, , "),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/singleton set accepts [\"\\tx-foo ,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\tx-foo ,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/singleton set accepts [\" x-foo\\t,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " x-foo\t,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/singleton set accepts [\",,,,,,,,,,,,,,,,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ",,,,,,,,,,,,,,,,x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/singleton set accepts 17 lines: [\"\", \"x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", "x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/singleton set accepts 16 empty lines"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/singleton set rejects [\"x-bar\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/singleton set rejects [\"x-bar,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar,x-foo"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/singleton set rejects [\"x-foo   \"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-foo   "),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/singleton set rejects [\" x-foo  \"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " x-foo  "),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/singleton set rejects [\"  x-foo \"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "  x-foo "),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/singleton set rejects [\" x-foo\\t\\t\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " x-foo\t\t"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/singleton set rejects [\"\\tx-foo\\t\\t\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\tx-foo\t\t"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/singleton set rejects [\"\\t\\tx-foo\\t\\t\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\t\tx-foo\t\t"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/singleton set rejects [\",,,,,,,,,,,,,,,,,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ",,,,,,,,,,,,,,,,,x-foo"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/singleton set rejects 18 lines: [\"\", \"x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", "x-foo"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/singleton set rejects 17 empty lines"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/no dupes accepts [\"x-bar\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\"x-baz\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-baz"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\"x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\"x-bar,x-baz\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar,x-baz"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\"x-bar,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar,x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\"x-baz,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-baz,x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\"x-bar,x-baz,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar,x-baz,x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts 1 empty lines"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\",\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ","),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\"\\t, , \"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\t, , "),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\"\\tx-bar ,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\tx-bar ,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\" x-baz\\t,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " x-baz\t,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\"x-foo,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-foo,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\"\\tx-bar ,\\tx-baz ,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\tx-bar ,\tx-baz ,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\" x-bar\\t, x-foo\\t,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " x-bar\t, x-foo\t,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\"x-baz,x-foo,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-baz,x-foo,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\" x-bar , x-baz , x-foo ,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " x-bar , x-baz , x-foo ,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\"x-bar,,,,,,,,,,,,,,,,,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                (
                    "access-control-request-headers",
                    "x-bar,,,,,,,,,,,,,,,,,x-foo",
                ),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\"x-bar\", \"x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar"),
                ("access-control-request-headers", "x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts [\"x-bar\", \"x-baz,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar"),
                ("access-control-request-headers", "x-baz,x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts 18 lines: [\"x-bar\", \"x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", "x-bar"),
                ("access-control-request-headers", "x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes accepts 16 empty lines"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes rejects [\"x-qux\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-qux"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes rejects [\"x-bar,x-baz,x-baz\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar,x-baz,x-baz"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListOrderAndDuplicatesIrrelevant),
        ),
        case(
            ja("TestCheck/no dupes rejects [\"x-qux,x-baz\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-qux,x-baz"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes rejects [\"x-qux,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-qux,x-foo"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes rejects [\"x-quxbaz,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-quxbaz,x-foo"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/no dupes rejects [\" x-bar  \"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " x-bar  "),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/no dupes rejects [\"  x-baz \"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "  x-baz "),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/no dupes rejects [\"   x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "   x-foo"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/no dupes rejects [\" x-bar\\t\\t,x-baz\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " x-bar\t\t,x-baz"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/no dupes rejects [\"x-bar,\\tx-foo\\t\\t\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar,\tx-foo\t\t"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/no dupes rejects [\"\\t\\tx-baz, x-foo\\t\\t\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\t\tx-baz, x-foo\t\t"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/no dupes rejects [\" x-bar\\t,\\tx-baz\\t ,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                (
                    "access-control-request-headers",
                    " x-bar\t,\tx-baz\t ,x-foo",
                ),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/no dupes rejects [\"x-bar,,,,,,,,,,,,,,,,,,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                (
                    "access-control-request-headers",
                    "x-bar,,,,,,,,,,,,,,,,,,x-foo",
                ),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/no dupes rejects [\"x-foo\", \"x-bar\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-foo"),
                ("access-control-request-headers", "x-bar"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListOrderAndDuplicatesIrrelevant),
        ),
        case(
            ja("TestCheck/no dupes rejects 19 lines: [\"x-bar\", \"x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", "x-bar"),
                ("access-control-request-headers", "x-foo"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/no dupes rejects 17 empty lines"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-baz"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/some dupes accepts [\"x-bar\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts [\"x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts [\"x-bar,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar,x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts 1 empty lines"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts [\",\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ","),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts [\"\\t, , \"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\t, , "),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts [\"\\tx-bar ,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\tx-bar ,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts [\" x-foo\\t,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " x-foo\t,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts [\"x-foo,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-foo,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts [\"\\tx-bar ,\\tx-foo ,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\tx-bar ,\tx-foo ,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts [\" x-bar\\t, x-foo\\t,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " x-bar\t, x-foo\t,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts [\"x-bar,x-foo,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar,x-foo,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts [\" x-bar , x-foo ,\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " x-bar , x-foo ,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts [\"x-bar,,,,,,,,,,,,,,,,,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                (
                    "access-control-request-headers",
                    "x-bar,,,,,,,,,,,,,,,,,x-foo",
                ),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts [\"x-bar\", \"x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar"),
                ("access-control-request-headers", "x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts 18 lines: [\"x-bar\", \"x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", "x-bar"),
                ("access-control-request-headers", "x-foo"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes accepts 16 empty lines"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes rejects [\"x-qux\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-qux"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes rejects [\"x-qux,x-bar\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-qux,x-bar"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes rejects [\"x-qux,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-qux,x-foo"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes rejects [\"x-qux,x-baz,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-qux,x-baz,x-foo"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes rejects [\"x-qux  \"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-qux  "),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes rejects [\"x-qux,\\t\\tx-bar\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-qux,\t\tx-bar"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes rejects [\"x-qux,x-foo\\t\\t\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-qux,x-foo\t\t"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes rejects [\"\\tx-qux , x-baz\\t\\t,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                (
                    "access-control-request-headers",
                    "\tx-qux , x-baz\t\t,x-foo",
                ),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes rejects [\"x-bar,,,,,,,,,,,,,,,,,,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                (
                    "access-control-request-headers",
                    "x-bar,,,,,,,,,,,,,,,,,,x-foo",
                ),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/some dupes rejects [\"x-foo\", \"x-bar\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-foo"),
                ("access-control-request-headers", "x-bar"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListOrderAndDuplicatesIrrelevant),
        ),
        case(
            ja("TestCheck/some dupes rejects [\"x-qux\", \"\\t\\tx-bar\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-qux"),
                ("access-control-request-headers", "\t\tx-bar"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes rejects [\"x-qux\", \"x-foo\\t\\t\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-qux"),
                ("access-control-request-headers", "x-foo\t\t"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes rejects [\"\\tx-qux \", \" x-baz\\t\\t,x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\tx-qux "),
                ("access-control-request-headers", " x-baz\t\t,x-foo"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja("TestCheck/some dupes rejects 19 lines: [\"x-bar\", \"x-foo\"]"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", "x-bar"),
                ("access-control-request-headers", "x-foo"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja("TestCheck/some dupes rejects 17 empty lines"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers(["x-foo", "x-bar", "x-foo"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\"accept\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "accept"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\"authorization\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "authorization"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\"content-type\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "content-type"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\"user-agent\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "user-agent"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\"x-csrf-token\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-csrf-token"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\"x-request-id\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-request-id"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\"x-custom-header\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-custom-header"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\"accept,authorization,user-agent\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                (
                    "access-control-request-headers",
                    "accept,authorization,user-agent",
                ),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\" accept,x-custom-header \"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " accept,x-custom-header "),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\"  accept,x-custom-header\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "  accept,x-custom-header"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\"accept,x-custom-header  \"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "accept,x-custom-header  "),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts 1 empty lines",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\",\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ","),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\"\\t, , \"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\t, , "),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\"\\tx-custom-header ,\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\tx-custom-header ,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\" x-custom-header\\t,\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " x-custom-header\t,"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts [\",,,,,,,,,,,,,,,,x-custom-header\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                (
                    "access-control-request-headers",
                    ",,,,,,,,,,,,,,,,x-custom-header",
                ),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts 17 lines: [\"\", \"x-custom-header\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", "x-custom-header"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 accepts 16 empty lines",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 rejects [\"x-bar\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "x-bar"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 rejects [\"user-agent,accept\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "user-agent,accept"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListOrderAndDuplicatesIrrelevant),
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 rejects [\"user-agent   \"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "user-agent   "),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 rejects [\" user-agent  \"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " user-agent  "),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 rejects [\"  user-agent \"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "  user-agent "),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 rejects [\" user-agent\\t\\t\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", " user-agent\t\t"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 rejects [\"\\tuser-agent\\t\\t\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\tuser-agent\t\t"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 rejects [\"\\t\\tuser-agent\\t\\t\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", "\t\tuser-agent\t\t"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 rejects [\",,,,,,,,,,,,,,,,,user-agent\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                (
                    "access-control-request-headers",
                    ",,,,,,,,,,,,,,,,,user-agent",
                ),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 rejects 18 lines: [\"\", \"user-agent\"]",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", "user-agent"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
        case(
            ja(
                "TestCheck/regression test for https://github.com/jub0bs/cors/issues/15 rejects 17 empty lines",
            ),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_headers([
                        "accept",
                        "authorization",
                        "content-type",
                        "user-agent",
                        "x-csrf-token",
                        "x-request-id",
                        "x-custom-header",
                    ])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ACRM_GET,
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
                ("access-control-request-headers", ""),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Justified(Why::ListSyntaxBoundedByLength),
        ),
    ]
}

// jub0bs/cors, internal/methods/methods_test.go ---------------------------------------------
//
// Valid, forbidden, safelisted and normalized methods: as configured methods, and as the
// method of a preflight.

fn jmeth(test: &'static str) -> Source {
    Source {
        peer: Peer::Jub0bsCors,
        file: "internal/methods/methods_test.go",
        test,
    }
}

fn jub0bs_methods() -> Vec<Case> {
    use Status::{Ok, Refused as Forbidden};
    const OK: Expect = Accepted;
    const NO: Expect = Refused(&[]);
    vec![
        case(
            jmeth("TestIsValid/"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods([""])
            }),
            None,
            NO,
            Refused(&[Code::InvalidMethod]),
            Agree,
        ),
        case(
            jmeth("TestIsValid/GET"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["GET"])
            }),
            None,
            OK,
            OK,
            Agree,
        ),
        case(
            jmeth("TestIsValid/()"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["()"])
            }),
            None,
            NO,
            Refused(&[Code::InvalidMethod]),
            Agree,
        ),
        case(
            jmeth("TestIsForbidden/GET"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["GET"])
            }),
            None,
            OK,
            OK,
            Agree,
        ),
        case(
            jmeth("TestIsForbidden/POST"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["POST"])
            }),
            None,
            OK,
            OK,
            Agree,
        ),
        case(
            jmeth("TestIsForbidden/PUT"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["PUT"])
            }),
            None,
            OK,
            OK,
            Agree,
        ),
        case(
            jmeth("TestIsForbidden/CHICKEN"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["CHICKEN"])
            }),
            None,
            OK,
            OK,
            Agree,
        ),
        case(
            jmeth("TestIsForbidden/CONNECT"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["CONNECT"])
            }),
            None,
            NO,
            Refused(&[Code::ForbiddenMethod]),
            Agree,
        ),
        case(
            jmeth("TestIsForbidden/connect"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["connect"])
            }),
            None,
            NO,
            Refused(&[Code::ForbiddenMethod]),
            Agree,
        ),
        case(
            jmeth("TestIsForbidden/ConnEcT"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["ConnEcT"])
            }),
            None,
            NO,
            Refused(&[Code::ForbiddenMethod]),
            Agree,
        ),
        case(
            jmeth("TestIsForbidden/TRACE"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["TRACE"])
            }),
            None,
            NO,
            Refused(&[Code::ForbiddenMethod]),
            Agree,
        ),
        case(
            jmeth("TestIsForbidden/trace"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["trace"])
            }),
            None,
            NO,
            Refused(&[Code::ForbiddenMethod]),
            Agree,
        ),
        case(
            jmeth("TestIsForbidden/trACe"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["trACe"])
            }),
            None,
            NO,
            Refused(&[Code::ForbiddenMethod]),
            Agree,
        ),
        case(
            jmeth("TestIsForbidden/TRACK"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["TRACK"])
            }),
            None,
            NO,
            Refused(&[Code::ForbiddenMethod]),
            Agree,
        ),
        case(
            jmeth("TestIsForbidden/track"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["track"])
            }),
            None,
            NO,
            Refused(&[Code::ForbiddenMethod]),
            Agree,
        ),
        case(
            jmeth("TestIsForbidden/trACk"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["trACk"])
            }),
            None,
            NO,
            Refused(&[Code::ForbiddenMethod]),
            Agree,
        ),
        case(
            jmeth("TestIsSafelisted/GET (preflight, no allow_methods)"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "GET"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestIsSafelisted/HEAD (preflight, no allow_methods)"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "HEAD"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestIsSafelisted/POST (preflight, no allow_methods)"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "POST"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestIsSafelisted/Get (preflight, no allow_methods)"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "Get"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            jmeth("TestIsSafelisted/Head (preflight, no allow_methods)"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "Head"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            jmeth("TestIsSafelisted/Post (preflight, no allow_methods)"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "Post"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            jmeth("TestIsSafelisted/PUT (preflight, no allow_methods)"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "PUT"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            jmeth("TestIsSafelisted/DELETE (preflight, no allow_methods)"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "DELETE"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            jmeth("TestIsSafelisted/OPTIONS (preflight, no allow_methods)"),
            B(|| Policy::builder().allow_origins(["https://example.com"])),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "OPTIONS"),
            ])),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            ans(false, Forbidden, &[("access-control-allow-origin", No)]),
            Agree,
        ),
        case(
            jmeth("TestNormalize/DELETE (listed; the browser sends DELETE)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["DELETE"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "DELETE"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/GET (listed; the browser sends GET)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["GET"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "GET"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/HEAD (listed; the browser sends HEAD)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["HEAD"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "HEAD"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/OPTIONS (listed; the browser sends OPTIONS)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["OPTIONS"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "OPTIONS"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/POST (listed; the browser sends POST)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["POST"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "POST"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/PUT (listed; the browser sends PUT)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["PUT"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "PUT"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/Delete (listed; the browser sends DELETE)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["Delete"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "DELETE"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/geT (listed; the browser sends GET)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["geT"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "GET"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/heAd (listed; the browser sends HEAD)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["heAd"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "HEAD"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/OPTIONs (listed; the browser sends OPTIONS)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["OPTIONs"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "OPTIONS"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/PosT (listed; the browser sends POST)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["PosT"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "POST"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/put (listed; the browser sends PUT)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["put"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "PUT"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/PATCH (listed; the browser sends PATCH)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["PATCH"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "PATCH"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/patch (listed; the browser sends patch)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["patch"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "patch"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/QUERY (listed; the browser sends QUERY)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["QUERY"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "QUERY"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/query (listed; the browser sends query)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["query"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "query"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
        case(
            jmeth("TestNormalize/chicken (listed; the browser sends chicken)"),
            B(|| {
                Policy::builder()
                    .allow_origins(["https://example.com"])
                    .allow_methods(["chicken"])
            }),
            Some(options(&[
                EXAMPLE_COM,
                ("access-control-request-method", "chicken"),
            ])),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            ans(
                true,
                Ok,
                &[("access-control-allow-origin", Is("https://example.com"))],
            ),
            Agree,
        ),
    ]
}
