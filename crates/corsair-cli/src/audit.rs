//! `corsair audit URL [--origin TRUSTED_ORIGIN] [-H 'Name: value']... [--json]`: probes a
//! live server with the origins and request shapes an attacker would try, and reports
//! each misconfiguration with a severity, the evidence and the fix.
//!
//! The probes: a baseline from the trusted origin; every origin CORScanner and Corsy
//! try (reflection, `null`, prefix, suffix, substring, unescaped dots, special
//! characters, plain http, any subdomain, third-party hosts); four preflights (from a
//! rejected origin, with an unknown header, with an unknown method, with
//! `Authorization`); and a request for a missing resource. 40 to 44 requests
//! (43 for a trusted origin such as `https://app.example.com`: the count depends on its
//! scheme and host), one at a time, each under the timeout.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use corsair::browser::{Blocked, PreflightRequest, Profile, ScriptRequest, judge_preflight};
use http::header::{
    ACCEPT, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, COOKIE, ORIGIN, VARY,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use serde::Serialize;

use crate::net::{self, Client, Received};
use crate::output::{self, Colour};

/// What `audit` was asked to do.
#[derive(Debug)]
pub(crate) struct AuditArgs {
    /// The URL to probe.
    pub(crate) url: String,
    /// The origin the site trusts (its own pages); derived from the URL when absent.
    pub(crate) origin: Option<String>,
    /// Headers sent with every probe but the preflights (authentication, say).
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// One JSON document instead of text.
    pub(crate) json: bool,
    /// The timeout of each request.
    pub(crate) timeout: Duration,
    /// Extra trusted certificates (PEM).
    pub(crate) cacert: Option<PathBuf>,
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Severity {
    /// Another origin can read authenticated responses.
    High,
    /// Another origin can read responses, or caches can mix origins up.
    Medium,
    /// A weakness that needs another mistake to matter, or that breaks scripts.
    Low,
    /// Worth knowing.
    Info,
}

impl Severity {
    const fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// Every check, in the order findings are listed within a severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Check {
    OriginReflection,
    NullOrigin,
    PrefixMatch,
    SuffixMatch,
    SubstringMatch,
    UnescapedDot,
    SpecialCharacters,
    HttpOriginTrusted,
    AnySubdomain,
    ThirdPartyOrigin,
    WildcardWithCredentials,
    WildcardOrigin,
    MissingVaryOrigin,
    CredentialsForRejectedOrigin,
    PreflightForRejectedOrigin,
    PreflightReflectsHeaders,
    PreflightReflectsMethods,
    AuthorizationNotCoveredByWildcard,
    ErrorResponseMissingCors,
    MultipleAllowOrigin,
    TrustedOriginNotAllowed,
}

impl Check {
    /// The stable id.
    const fn id(self) -> &'static str {
        match self {
            Check::OriginReflection => "origin-reflection",
            Check::NullOrigin => "null-origin",
            Check::PrefixMatch => "prefix-match",
            Check::SuffixMatch => "suffix-match",
            Check::SubstringMatch => "substring-match",
            Check::UnescapedDot => "unescaped-dot",
            Check::SpecialCharacters => "special-characters",
            Check::HttpOriginTrusted => "http-origin-trusted",
            Check::AnySubdomain => "any-subdomain",
            Check::ThirdPartyOrigin => "third-party-origin",
            Check::WildcardWithCredentials => "wildcard-with-credentials",
            Check::WildcardOrigin => "wildcard-origin",
            Check::MissingVaryOrigin => "missing-vary-origin",
            Check::CredentialsForRejectedOrigin => "credentials-for-rejected-origin",
            Check::PreflightForRejectedOrigin => "preflight-for-rejected-origin",
            Check::PreflightReflectsHeaders => "preflight-reflects-headers",
            Check::PreflightReflectsMethods => "preflight-reflects-methods",
            Check::AuthorizationNotCoveredByWildcard => "authorization-not-covered-by-wildcard",
            Check::ErrorResponseMissingCors => "error-response-missing-cors",
            Check::MultipleAllowOrigin => "multiple-allow-origin",
            Check::TrustedOriginNotAllowed => "trusted-origin-not-allowed",
        }
    }

    /// Whether the check is about an attacker's origin being allowed.
    const fn is_origin_check(self) -> bool {
        matches!(
            self,
            Check::OriginReflection
                | Check::NullOrigin
                | Check::PrefixMatch
                | Check::SuffixMatch
                | Check::SubstringMatch
                | Check::UnescapedDot
                | Check::SpecialCharacters
                | Check::HttpOriginTrusted
                | Check::AnySubdomain
                | Check::ThirdPartyOrigin
        )
    }

    /// The severity; for an origin check, it depends on whether credentials were
    /// allowed too.
    const fn severity(self, credentials: bool) -> Severity {
        match self {
            Check::AnySubdomain if credentials => Severity::Medium,
            Check::AnySubdomain => Severity::Low,
            _ if self.is_origin_check() && credentials => Severity::High,
            _ if self.is_origin_check() => Severity::Medium,
            Check::MissingVaryOrigin => Severity::Medium,
            Check::WildcardWithCredentials
            | Check::CredentialsForRejectedOrigin
            | Check::PreflightForRejectedOrigin
            | Check::PreflightReflectsHeaders
            | Check::PreflightReflectsMethods
            | Check::ErrorResponseMissingCors
            | Check::MultipleAllowOrigin => Severity::Low,
            _ => Severity::Info,
        }
    }

    const fn title(self) -> &'static str {
        match self {
            Check::OriginReflection => "Any origin is allowed: the server reflects Origin",
            Check::NullOrigin => "The `null` origin is allowed",
            Check::PrefixMatch => "Origins that merely start with the trusted host are allowed",
            Check::SuffixMatch => "Origins that merely end with the trusted domain are allowed",
            Check::SubstringMatch => "Origins contained in the trusted domain are allowed",
            Check::UnescapedDot => "A dot of the trusted host matches any character",
            Check::SpecialCharacters => {
                "Origins with special characters after the trusted host are allowed"
            }
            Check::HttpOriginTrusted => "The plain-http twin of the trusted origin is allowed",
            Check::AnySubdomain => "Any subdomain of the trusted host is allowed",
            Check::ThirdPartyOrigin => "Origins where anyone can publish scripts are allowed",
            Check::WildcardWithCredentials => {
                "`Access-Control-Allow-Origin: *` comes with `Access-Control-Allow-Credentials: true`"
            }
            Check::WildcardOrigin => "Any origin may read responses that need no credentials (`*`)",
            Check::MissingVaryOrigin => {
                "Access-Control-Allow-Origin depends on Origin but `Vary: Origin` is missing"
            }
            Check::CredentialsForRejectedOrigin => {
                "`Access-Control-Allow-Credentials: true` is sent to origins that are not allowed"
            }
            Check::PreflightForRejectedOrigin => {
                "Preflights from origins that are not allowed are answered with success"
            }
            Check::PreflightReflectsHeaders => {
                "Preflights allow any request header: Access-Control-Request-Headers is echoed"
            }
            Check::PreflightReflectsMethods => {
                "Preflights allow any method: Access-Control-Request-Method is echoed"
            }
            Check::AuthorizationNotCoveredByWildcard => {
                "`Access-Control-Allow-Headers: *` covers Authorization in browsers, not in the \
                 Fetch Standard"
            }
            Check::ErrorResponseMissingCors => "Error responses carry no CORS headers",
            Check::MultipleAllowOrigin => "Several Access-Control-Allow-Origin values are sent",
            Check::TrustedOriginNotAllowed => "The trusted origin is not allowed",
        }
    }

    const fn fix(self) -> &'static str {
        match self {
            Check::OriginReflection => {
                "Never copy Origin into Access-Control-Allow-Origin unchecked: echo it only when it \
                 equals one of an allow-list of trusted origins (corsair: allow_origins)."
            }
            Check::NullOrigin => {
                "Remove `null` from the allowed origins: sandboxed iframes, data: URLs and \
                 cross-origin redirects send it, so any site can. Never answer \
                 `Access-Control-Allow-Origin: null`."
            }
            Check::PrefixMatch => {
                "Match the whole host, not its beginning (`example.com.evil.com` starts with \
                 `example.com`): anchor regexes at both ends, or better, compare parsed origins \
                 with an allow-list of exact origins."
            }
            Check::SuffixMatch => {
                "Match whole labels (`evilexample.com` ends with `example.com`): allow \
                 `.example.com` after a label boundary only (corsair: `https://*.example.com`), \
                 or list exact origins."
            }
            Check::SubstringMatch => {
                "Compare origins for equality, never containment (`in` on a string, `indexOf`, \
                 `includes`, `contains`)."
            }
            Check::UnescapedDot => {
                "Escape the dots of origin regexes (`\\.`) and anchor them: an unescaped `.` \
                 matches any character, so `wwwaexample.com`, which anyone can register, passes. \
                 Prefer exact origins or label wildcards to regexes."
            }
            Check::SpecialCharacters => {
                "Validate Origin as `scheme://host[:port]` before matching it, and match whole \
                 labels: some browsers send `_`, `}` or a backtick in hosts, and a loose parse or \
                 a substring test lets `example.com_.evil.com` through."
            }
            Check::HttpOriginTrusted => {
                "Trust only https origins from an https site: anyone on the network path can \
                 inject a script into the http page and read responses through it. Remove the \
                 http origin (corsair refuses it with credentials unless \
                 dangerously_allow_insecure_origins is set)."
            }
            Check::AnySubdomain => {
                "Trust only the subdomains that need access: any subdomain with an XSS, a \
                 takeover or user content can read the responses. List them, or keep the \
                 wildcard to a zone whose every host you control."
            }
            Check::ThirdPartyOrigin => {
                "Remove origins where anyone can publish scripts (github.io pages, codepen.io, \
                 jsfiddle.net, repl.it, ...): trusting them is trusting everyone."
            }
            Check::WildcardWithCredentials => {
                "Browsers refuse `*` with credentials. If credentialed requests are needed, list \
                 the trusted origins and echo the one that matches (with Vary: Origin); otherwise \
                 drop Access-Control-Allow-Credentials. Do not make it work by reflecting Origin."
            }
            Check::WildcardOrigin => {
                "`*` is right for public data only. If responses depend on where the client is \
                 (an intranet, an IP allow-list), list the origins that need them instead."
            }
            Check::MissingVaryOrigin => {
                "Add `Vary: Origin` to every response whose CORS headers depend on Origin \
                 (responses to rejected and non-CORS requests too), so that no cache serves one \
                 origin's answer to another."
            }
            Check::CredentialsForRejectedOrigin => {
                "Send no Access-Control-* header at all to an origin that is not allowed; send \
                 Access-Control-Allow-Credentials only beside an Access-Control-Allow-Origin that \
                 names an allowed origin."
            }
            Check::PreflightForRejectedOrigin => {
                "Refuse preflights from origins that are not allowed (403 and no CORS headers) \
                 before the application sees them: answering them with success means preflights \
                 are answered without checking the origin."
            }
            Check::PreflightReflectsHeaders => {
                "List the request headers scripts may send (corsair: allow_headers) instead of \
                 echoing Access-Control-Request-Headers: the echo allows every header, \
                 Authorization included."
            }
            Check::PreflightReflectsMethods => {
                "List the methods scripts may use (corsair: allow_methods) instead of echoing \
                 Access-Control-Request-Method."
            }
            Check::AuthorizationNotCoveredByWildcard => {
                "If scripts send Authorization, list `authorization` explicitly in \
                 Access-Control-Allow-Headers: that is allowed in every browser and by the \
                 Fetch Standard alike."
            }
            Check::ErrorResponseMissingCors => {
                "Add the CORS headers to every response to an allowed origin, errors and \
                 redirects included (apply the CORS layer outermost), or scripts see a network \
                 error instead of the status."
            }
            Check::MultipleAllowOrigin => {
                "Send Access-Control-Allow-Origin once, with one origin: browsers refuse several \
                 values. Usually a proxy and the application both add it: let one of them do it."
            }
            Check::TrustedOriginNotAllowed => {
                "Give the origin of your own pages with --origin: the checks of error responses, \
                 Vary and preflights need an origin that the server allows."
            }
        }
    }
}

/// The characters CORScanner puts between the trusted host and `.evil.com`, in its
/// order (its duplicate `+` left out).
const SPECIAL_CHARACTERS: [&str; 22] = [
    "_", "-", "\"", "{", "}", "+", "^", "%60", "!", "~", "`", ";", "|", "&", "'", "(", ")", "*",
    ",", "$", "=", "%0b",
];

/// CORScanner's third-party origins (`origins.json`): hosts where anyone can publish a
/// page with scripts.
const THIRD_PARTY_ORIGINS: [&str; 6] = [
    "https://whatever.github.io",
    "http://jsbin.com",
    "https://codepen.io",
    "https://jsfiddle.net",
    "http://www.webdevout.net",
    "https://repl.it",
];

/// The attacker's own domain.
const EVIL: &str = "evil.com";

/// The method a preflight asks for to see whether methods are echoed.
const UNKNOWN_METHOD: &str = "CORSAIRAUDIT";

/// The `--json` document. Field order and names are part of the documented interface.
#[derive(Debug, Serialize)]
struct Report {
    /// The URL as given.
    url: String,
    /// The trusted origin the probes were derived from.
    origin: String,
    /// The findings, most severe first.
    findings: Vec<Finding>,
    /// How many requests were sent.
    probes: usize,
    /// Why the audit could not finish (no answer, timeout, TLS failure); exit 2.
    error: Option<String>,
}

/// One misconfiguration.
#[derive(Debug, Serialize)]
struct Finding {
    /// The stable id.
    id: &'static str,
    /// `high`, `medium`, `low` or `info`.
    severity: &'static str,
    /// One line.
    title: &'static str,
    /// What was seen, and what it lets an attacker do.
    detail: String,
    /// The request and the response that show it.
    evidence: Evidence,
    /// What to change on the server.
    fix: &'static str,
}

/// A request and its response, as lines.
#[derive(Clone, Debug, Serialize)]
struct Evidence {
    /// `GET URL`, then `name: value` per header sent.
    request: Vec<String>,
    /// The status line, then the CORS headers received (`Access-Control-*`, `Vary`,
    /// `Location`).
    response: Vec<String>,
}

/// The trusted origin, taken apart to derive the probe origins.
#[derive(Clone, Debug)]
struct Trusted {
    /// `https://app.example.com`.
    origin: String,
    scheme: String,
    /// Lowercase; IPv6 in brackets.
    host: String,
    /// `:8443`, or empty for the default port.
    port: String,
    /// The registrable domain (`example.com`), or the host for an IP address or a name
    /// without a public suffix.
    registrable: String,
}

impl Trusted {
    fn parse(origin: &str) -> Option<Trusted> {
        let uri = Uri::try_from(origin).ok()?;
        let scheme = uri.scheme_str()?.to_owned();
        let host = uri.host()?.to_owned();
        let port = uri.port_u16().map_or_else(String::new, |p| format!(":{p}"));
        let is_ip = host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok();
        let registrable = if is_ip {
            host.clone()
        } else {
            psl::domain_str(&host).unwrap_or(&host).to_owned()
        };
        Some(Trusted {
            origin: origin.to_owned(),
            scheme,
            host,
            port,
            registrable,
        })
    }

    /// `scheme://host` with the trusted origin's scheme and port.
    fn with_host(&self, host: &str) -> String {
        format!("{}://{host}{}", self.scheme, self.port)
    }

    /// The origins to try, each with the check it belongs to; no duplicates and never
    /// the trusted origin itself.
    fn probe_origins(&self) -> Vec<(Check, String)> {
        let host = &self.host;
        let registrable = &self.registrable;
        let mut probes = vec![
            (Check::OriginReflection, format!("{}://{EVIL}", self.scheme)),
            (
                Check::PrefixMatch,
                self.with_host(&format!("{host}.{EVIL}")),
            ),
            // On the registrable domain, as CORScanner: `evil` before a subdomain would
            // make another subdomain, which a deliberate `*.example.com` allows.
            (
                Check::SuffixMatch,
                self.with_host(&format!("evil{registrable}")),
            ),
        ];
        if let Some(rest) = registrable.get(1..).filter(|r| !r.is_empty()) {
            probes.push((Check::SubstringMatch, self.with_host(rest)));
        }
        if let Some(i) = host.rfind('.') {
            let mut dotless = host.clone();
            dotless.replace_range(i..=i, "a");
            probes.push((Check::UnescapedDot, self.with_host(&dotless)));
        }
        if host.matches('.').count() > 1 {
            probes.push((
                Check::UnescapedDot,
                self.with_host(&host.replacen('.', "x", 1)),
            ));
        }
        for c in SPECIAL_CHARACTERS {
            probes.push((
                Check::SpecialCharacters,
                self.with_host(&format!("{host}{c}.{EVIL}")),
            ));
        }
        probes.push((Check::AnySubdomain, self.with_host(&format!("evil.{host}"))));
        if self.scheme == "https" {
            probes.push((
                Check::HttpOriginTrusted,
                format!("http://{host}{}", self.port),
            ));
        }
        for origin in THIRD_PARTY_ORIGINS {
            probes.push((Check::ThirdPartyOrigin, origin.to_owned()));
        }
        probes.push((Check::NullOrigin, "null".to_owned()));
        let mut seen = vec![self.origin.clone()];
        probes.retain(|(_, origin)| {
            let new = !seen.contains(origin);
            seen.push(origin.clone());
            new
        });
        probes
    }
}

/// One request sent and its answer.
#[derive(Clone, Debug)]
struct Exchange {
    /// The Origin sent.
    origin: String,
    /// What was sent, as lines.
    request: Vec<String>,
    /// What came back.
    received: Received,
}

impl Exchange {
    fn evidence(&self) -> Evidence {
        let mut response = vec![net::status_line(self.received.status)];
        for (name, value) in &self.received.headers {
            if net::is_cors_relevant(name) {
                response.push(format!("{name}: {}", net::lossy(value)));
            }
        }
        Evidence {
            request: self.request.clone(),
            response,
        }
    }

    /// The values of a header, each trimmed.
    fn values(&self, name: &HeaderName) -> Vec<String> {
        self.received
            .headers
            .get_all(name)
            .iter()
            .map(|v| net::lossy(v).trim().to_owned())
            .collect()
    }

    /// `Access-Control-Allow-Origin` when there is exactly one.
    fn allow_origin(&self) -> Option<String> {
        match self.values(&ACCESS_CONTROL_ALLOW_ORIGIN).as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        }
    }

    fn has(&self, name: &HeaderName) -> bool {
        self.received.headers.contains_key(name)
    }

    /// Whether the response lets a page of the origin sent read it: the origin echoed
    /// byte for byte, as the browser's CORS check wants.
    fn allows_its_origin(&self) -> bool {
        self.allow_origin().is_some_and(|o| o == self.origin)
    }

    /// Whether the origin sent is refused: neither echoed nor covered by `*`.
    fn is_rejected(&self) -> bool {
        !self.allows_its_origin() && self.allow_origin().is_none_or(|o| o != "*")
    }

    /// `Access-Control-Allow-Credentials: true`.
    fn allows_credentials(&self) -> bool {
        self.values(&ACCESS_CONTROL_ALLOW_CREDENTIALS).as_slice() == ["true"]
    }

    /// The items of a comma-separated list header.
    fn list(&self, name: &HeaderName) -> Vec<String> {
        self.values(name)
            .iter()
            .flat_map(|v| v.split(',').map(|i| i.trim().to_owned()))
            .filter(|i| !i.is_empty())
            .collect()
    }
}

/// Sends the probes, counting them.
struct Prober<'a> {
    client: &'a Client,
    extra: &'a [(HeaderName, HeaderValue)],
    sent: usize,
}

impl Prober<'_> {
    /// `GET url` from `origin`, with a cookie as a credentialed request would carry
    /// (some servers answer differently when one is present) and the extra headers.
    async fn simple(&mut self, url: &Uri, origin: &str) -> Result<Option<Exchange>, String> {
        let Ok(origin_value) = HeaderValue::from_str(origin) else {
            return Ok(None);
        };
        let mut headers = HeaderMap::new();
        headers.insert(ORIGIN, origin_value);
        headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
        if !self.extra.iter().any(|(n, _)| *n == COOKIE) {
            headers.insert(COOKIE, HeaderValue::from_static("corsair-audit=1"));
        }
        for (name, value) in self.extra {
            if *name != ORIGIN {
                headers.append(name.clone(), value.clone());
            }
        }
        let mut request = http::Request::new(());
        *request.uri_mut() = url.clone();
        *request.headers_mut() = headers;
        self.send(request).await.map(Some)
    }

    /// The preflight a browser sends for `request` (no credentials, no extra header).
    async fn preflight(&mut self, request: &ScriptRequest) -> Result<Exchange, String> {
        self.send(PreflightRequest::new(request).to_http()).await
    }

    async fn send(&mut self, request: http::Request<()>) -> Result<Exchange, String> {
        let origin = request
            .headers()
            .get(ORIGIN)
            .map(net::lossy)
            .unwrap_or_default();
        let mut lines = vec![format!("{} {}", request.method(), request.uri())];
        for (name, value) in request.headers() {
            lines.push(format!("{name}: {}", net::lossy(value)));
        }
        self.sent += 1;
        let received = self.client.send(request).await?;
        Ok(Exchange {
            origin,
            request: lines,
            received,
        })
    }
}

/// Everything the probes saw.
#[derive(Default)]
struct Observations {
    /// The trusted origin's baseline.
    baseline: Option<Exchange>,
    /// Whether the trusted origin is allowed (echoed, or `*`).
    baseline_allowed: bool,
    /// Each origin probe, with its check.
    origins: Vec<(Check, Exchange)>,
    /// The preflight from a rejected origin.
    rejected_preflight: Option<Exchange>,
    /// The preflight asking for an unknown header, and the header's name.
    header_preflight: Option<(Exchange, String)>,
    /// The preflight asking for an unknown method.
    method_preflight: Option<Exchange>,
    /// The preflight with Authorization, and what the browser model made of it.
    authorization_preflight: Option<(Exchange, Option<Blocked>)>,
    /// The request for a missing resource.
    missing: Option<Exchange>,
}

impl Observations {
    /// Every exchange, the baseline first.
    fn all(&self) -> Vec<&Exchange> {
        let mut all: Vec<&Exchange> = self.baseline.iter().collect();
        all.extend(self.origins.iter().map(|(_, e)| e));
        all.extend(self.rejected_preflight.iter());
        all.extend(self.header_preflight.iter().map(|(e, _)| e));
        all.extend(self.method_preflight.iter());
        all.extend(self.authorization_preflight.iter().map(|(e, _)| e));
        all.extend(self.missing.iter());
        all
    }
}

/// Runs `audit`; `Ok(Some(clean))` where `clean` is false when a high-severity finding
/// exists, `Ok(None)` when the audit could not finish (the report is printed). `Err` is
/// an argument error, printed on stderr.
pub(crate) fn run(args: &AuditArgs) -> Result<Option<bool>, String> {
    let url = net::parse_url(&args.url).map_err(|e| format!("corsair: {e}\n"))?;
    // The browser model canonicalizes the URL (lowercase host, no default port).
    let canonical = ScriptRequest::new("null", Method::GET, url)
        .map_err(|e| format!("corsair: {e}\n"))?
        .url()
        .clone();
    let candidates = match &args.origin {
        Some(origin) => {
            if origin == "null" {
                return Err(
                    "corsair: --origin must be the origin of your own pages, `scheme://host[:port]`\n"
                        .to_owned(),
                );
            }
            ScriptRequest::new(origin, Method::GET, canonical.clone())
                .map_err(|e| format!("corsair: --origin: {e}\n"))?;
            vec![origin.clone()]
        }
        None => derived_origins(&canonical),
    };
    if args.headers.iter().any(|(name, _)| *name == ORIGIN) {
        output::print_stderr(
            "corsair: note: -H Origin is ignored: every probe sets its own Origin\n",
        );
    }
    let client =
        Client::new(args.timeout, args.cacert.as_deref()).map_err(|e| format!("corsair: {e}\n"))?;
    let runtime = net::runtime().map_err(|e| format!("corsair: {e}\n"))?;
    let mut prober = Prober {
        client: &client,
        extra: &args.headers,
        sent: 0,
    };
    let mut seen = Observations::default();
    let result = runtime.block_on(probe(&mut prober, &canonical, &candidates, &mut seen));
    let trusted = match &result {
        Ok(trusted) => trusted.origin.clone(),
        Err(_) => candidates.first().cloned().unwrap_or_default(),
    };
    let (findings, error) = match result {
        Ok(trusted) => (findings(&trusted, &seen), None),
        Err(message) => (Vec::new(), Some(message)),
    };
    let report = Report {
        url: args.url.clone(),
        origin: trusted,
        findings,
        probes: prober.sent,
        error,
    };
    let text = if args.json {
        output::json_line(&report)?
    } else {
        human(&report, &seen, output::Style::stdout())
    };
    output::print_stdout(&text);
    if let Some(error) = &report.error {
        // On a terminal the JSON already shows the error: say it once.
        if args.json && !std::io::stdout().is_terminal() {
            output::print_stderr(&format!("corsair: could not audit: {error}\n"));
        }
        return Ok(None);
    }
    Ok(Some(
        !report
            .findings
            .iter()
            .any(|f| f.severity == Severity::High.as_str()),
    ))
}

/// Without `--origin`: the URL's own origin, then `scheme://registrable-domain` when
/// that differs (Corsy's baseline).
fn derived_origins(url: &Uri) -> Vec<String> {
    let scheme = url.scheme_str().unwrap_or("https");
    let host = url.host().unwrap_or_default();
    let own = match url.port_u16() {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    };
    let mut origins = vec![own.clone()];
    if let Some(trusted) = Trusted::parse(&own) {
        if trusted.registrable != trusted.host {
            origins.push(trusted.with_host(&trusted.registrable));
        }
    }
    origins
}

/// Sends every probe; returns the trusted origin used.
async fn probe(
    prober: &mut Prober<'_>,
    url: &Uri,
    candidates: &[String],
    seen: &mut Observations,
) -> Result<Trusted, String> {
    // The baseline: the first candidate that the server allows.
    let mut chosen = None;
    for candidate in candidates {
        let Some(exchange) = prober.simple(url, candidate).await? else {
            continue;
        };
        let allowed =
            exchange.allows_its_origin() || exchange.allow_origin().is_some_and(|o| o == "*");
        let first = seen.baseline.is_none();
        if allowed || first {
            seen.baseline = Some(exchange);
            seen.baseline_allowed = allowed;
            chosen = Some(candidate.clone());
        }
        if allowed {
            break;
        }
    }
    let trusted = chosen
        .as_deref()
        .and_then(Trusted::parse)
        .ok_or_else(|| "no usable trusted origin".to_owned())?;

    for (check, origin) in trusted.probe_origins() {
        if let Some(exchange) = prober.simple(url, &origin).await? {
            seen.origins.push((check, exchange));
        }
    }

    let evil = format!("{}://{EVIL}", trusted.scheme);
    if let Some(request) = script_request(
        &evil,
        Method::PUT,
        url,
        &[("content-type", "application/json")],
    ) {
        seen.rejected_preflight = Some(prober.preflight(&request).await?);
    }
    let header = format!("x-corsair-audit-{}", net::unique_token());
    if let Some(request) = script_request(&trusted.origin, Method::GET, url, &[(&header, "1")]) {
        seen.header_preflight = Some((prober.preflight(&request).await?, header));
    }
    let unknown = Method::from_bytes(UNKNOWN_METHOD.as_bytes()).unwrap_or(Method::PATCH);
    if let Some(request) = script_request(&trusted.origin, unknown, url, &[]) {
        seen.method_preflight = Some(prober.preflight(&request).await?);
    }
    if let Some(request) = script_request(
        &trusted.origin,
        Method::GET,
        url,
        &[("authorization", "Bearer corsair-audit")],
    ) {
        let exchange = prober.preflight(&request).await?;
        // Judged by the Fetch Standard's text: Chromium, Firefox and Safari let `*`
        // cover Authorization, so the finding is where the two disagree.
        let request = request.with_profile(Profile::Spec);
        let verdict = judge_preflight(
            &request,
            exchange.received.status,
            &exchange.received.headers,
        )
        .err();
        seen.authorization_preflight = Some((exchange, verdict));
    }

    let missing = missing_resource(url);
    if let Some(exchange) = prober.simple(&missing, &trusted.origin).await? {
        seen.missing = Some(exchange);
    }
    Ok(trusted)
}

/// A script's request, as the browser model builds it.
fn script_request(
    origin: &str,
    method: Method,
    url: &Uri,
    headers: &[(&str, &str)],
) -> Option<ScriptRequest> {
    let mut request = ScriptRequest::new(origin, method, url.clone()).ok()?;
    for (name, value) in headers {
        request = request.header(name, value).ok()?;
    }
    Some(request)
}

/// The URL with its last path segment replaced by `corsair-audit-404-<token>`: a
/// resource next to the audited one that surely does not exist.
fn missing_resource(url: &Uri) -> Uri {
    let path = url.path();
    let dir = path
        .rfind('/')
        .map_or("/", |i| path.get(..=i).unwrap_or("/"));
    let path = format!("{dir}corsair-audit-404-{}", net::unique_token());
    let mut parts = url.clone().into_parts();
    parts.path_and_query = path.parse().ok();
    Uri::from_parts(parts).unwrap_or_else(|_| url.clone())
}

fn finding(check: Check, severity: Severity, detail: String, exchange: &Exchange) -> Finding {
    Finding {
        id: check.id(),
        severity: severity.as_str(),
        title: check.title(),
        detail,
        evidence: exchange.evidence(),
        fix: check.fix(),
    }
}

fn quoted(origins: &[&str]) -> String {
    origins
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Judges the observations.
fn findings(trusted: &Trusted, seen: &Observations) -> Vec<Finding> {
    let mut found: Vec<(Severity, Check, Finding)> = Vec::new();
    let mut push = |check: Check, severity: Severity, detail: String, exchange: &Exchange| {
        found.push((severity, check, finding(check, severity, detail, exchange)));
    };

    // Attackers' origins allowed.
    let accepted: Vec<&(Check, Exchange)> = seen
        .origins
        .iter()
        .filter(|(_, e)| e.allows_its_origin())
        .collect();
    let reflection = accepted.iter().any(|(c, _)| *c == Check::OriginReflection);
    let mut checks: Vec<Check> = accepted.iter().map(|(c, _)| *c).collect();
    checks.sort();
    checks.dedup();
    for check in checks {
        // Reflection implies every narrower trick; `null` is reported apart, as servers
        // often special-case it.
        if reflection && check != Check::OriginReflection && check != Check::NullOrigin {
            continue;
        }
        let mine: Vec<&Exchange> = accepted
            .iter()
            .filter(|(c, _)| *c == check)
            .map(|(_, e)| e)
            .collect();
        let credentials = mine.iter().any(|e| e.allows_credentials());
        let Some(evidence) = mine
            .iter()
            .find(|e| e.allows_credentials() == credentials)
            .copied()
        else {
            continue;
        };
        let origins: Vec<&str> = mine.iter().map(|e| e.origin.as_str()).collect();
        let tried = seen.origins.iter().filter(|(c, _)| *c == check).count();
        let listed = if check == Check::SpecialCharacters {
            // The characters, not 22 long origins.
            let prefix = format!("{}://{}", trusted.scheme, trusted.host);
            let characters: Vec<&str> = origins
                .iter()
                .filter_map(|o| o.strip_prefix(prefix.as_str()))
                .map(|rest| rest.split_once('.').map_or(rest, |(c, _)| c))
                .collect();
            format!(
                "{} (between `{prefix}` and `.{EVIL}`)",
                characters.join(" ")
            )
        } else {
            quoted(&origins)
        };
        let mut detail = format!(
            "Access-Control-Allow-Origin echoed {} of {tried} probe origin{}: {listed}",
            origins.len(),
            if tried == 1 { "" } else { "s" },
        );
        if check == Check::OriginReflection {
            let others = accepted.len().saturating_sub(1);
            detail.push_str(&format!(
                " (and {others} of the other {} probe origins)",
                seen.origins.len().saturating_sub(1)
            ));
        }
        detail.push_str(if credentials {
            ", with Access-Control-Allow-Credentials: true: a page there can read your users' \
             authenticated responses."
        } else {
            ", without credentials: a page there can read what needs no cookie (intranet or \
             IP-restricted data)."
        });
        push(check, check.severity(credentials), detail, evidence);
    }

    let all = seen.all();
    // `*`.
    if let Some(e) = all
        .iter()
        .find(|e| e.allow_origin().as_deref() == Some("*") && e.allows_credentials())
    {
        push(
            Check::WildcardWithCredentials,
            Severity::Low,
            "Browsers refuse this pair for credentialed requests; it is a sign that \
             credentials were meant, and often the step before reflecting Origin."
                .to_owned(),
            e,
        );
    } else if let Some(e) = all
        .iter()
        .find(|e| e.allow_origin().as_deref() == Some("*"))
    {
        push(
            Check::WildcardOrigin,
            Severity::Info,
            "Every site can read the responses that need no credentials.".to_owned(),
            e,
        );
    }

    // Vary, when Access-Control-Allow-Origin changes with Origin.
    let simple: Vec<&Exchange> = seen
        .baseline
        .iter()
        .chain(seen.origins.iter().map(|(_, e)| e))
        .collect();
    let mut values: Vec<Option<String>> = simple.iter().map(|e| e.allow_origin()).collect();
    values.sort();
    values.dedup();
    if values.len() > 1 {
        let varies = |e: &Exchange| {
            e.list(&VARY)
                .iter()
                .any(|v| v.eq_ignore_ascii_case("origin") || v == "*")
        };
        if let Some(e) = simple
            .iter()
            .find(|e| e.allow_origin().is_some_and(|o| o != "*") && !varies(e))
        {
            push(
                Check::MissingVaryOrigin,
                Severity::Medium,
                "Access-Control-Allow-Origin changes with the request's Origin, but this \
                 response has no `Vary: Origin`: a shared or browser cache can serve it to \
                 another origin (which then fails), or serve another origin's answer here."
                    .to_owned(),
                e,
            );
        }
    }

    // Credentials for origins that get no Access-Control-Allow-Origin.
    let rejected = seen
        .origins
        .iter()
        .map(|(_, e)| e)
        .chain(seen.rejected_preflight.iter())
        .find(|e| !e.has(&ACCESS_CONTROL_ALLOW_ORIGIN) && e.allows_credentials());
    if let Some(e) = rejected {
        push(
            Check::CredentialsForRejectedOrigin,
            Severity::Low,
            format!(
                "The origin `{}` gets no Access-Control-Allow-Origin but does get \
                 Access-Control-Allow-Credentials: true. Harmless alone, it shows CORS headers \
                 computed without the origin check.",
                e.origin
            ),
            e,
        );
    }

    // Preflights.
    if let Some(e) = &seen.rejected_preflight {
        let answered = e.received.status.is_success()
            && (e.has(&ACCESS_CONTROL_ALLOW_METHODS) || e.has(&ACCESS_CONTROL_ALLOW_HEADERS))
            && e.is_rejected();
        if answered {
            push(
                Check::PreflightForRejectedOrigin,
                Severity::Low,
                format!(
                    "A preflight from `{}`, which gets no Access-Control-Allow-Origin, was \
                     answered {} with the methods and headers allowed.",
                    e.origin,
                    net::status_line(e.received.status)
                ),
                e,
            );
        }
    }
    if let Some((e, header)) = &seen.header_preflight {
        if e.list(&ACCESS_CONTROL_ALLOW_HEADERS)
            .iter()
            .any(|h| h.eq_ignore_ascii_case(header))
        {
            push(
                Check::PreflightReflectsHeaders,
                Severity::Low,
                format!(
                    "A preflight asking for the made-up header `{header}` got it back in \
                     Access-Control-Allow-Headers: every header is allowed, Authorization \
                     included."
                ),
                e,
            );
        }
    }
    if let Some(e) = &seen.method_preflight {
        if e.list(&ACCESS_CONTROL_ALLOW_METHODS)
            .iter()
            .any(|m| m == UNKNOWN_METHOD)
        {
            push(
                Check::PreflightReflectsMethods,
                Severity::Low,
                format!(
                    "A preflight asking for the made-up method `{UNKNOWN_METHOD}` got it back in \
                     Access-Control-Allow-Methods: every method is allowed."
                ),
                e,
            );
        }
    }
    if let Some((e, Some(Blocked::HeaderNotAllowed(name)))) = &seen.authorization_preflight {
        if name == "authorization"
            && e.list(&ACCESS_CONTROL_ALLOW_HEADERS)
                .iter()
                .any(|h| h == "*")
        {
            push(
                Check::AuthorizationNotCoveredByWildcard,
                Severity::Info,
                "The preflight answer allows `*` headers but does not name Authorization. \
                 Chromium, Firefox and Safari let `*` cover Authorization today; the Fetch \
                 Standard does not, and a browser that follows it blocks a script that sends \
                 Authorization (\"Request header field authorization is not allowed by \
                 Access-Control-Allow-Headers in preflight response.\")."
                    .to_owned(),
                e,
            );
        }
    }

    // Error responses.
    if let Some(e) = &seen.missing {
        if seen.baseline_allowed
            && e.received.status.as_u16() >= 400
            && !e.has(&ACCESS_CONTROL_ALLOW_ORIGIN)
        {
            push(
                Check::ErrorResponseMissingCors,
                Severity::Low,
                format!(
                    "A missing resource answered {} without Access-Control-Allow-Origin for \
                     the trusted origin `{}`: scripts see a network error instead of the status.",
                    net::status_line(e.received.status),
                    trusted.origin
                ),
                e,
            );
        }
    }

    // Several values.
    if let Some(e) = all.iter().find(|e| {
        // A comma-separated list in one value too, unless it is the (odd) origin sent.
        let values = e.values(&ACCESS_CONTROL_ALLOW_ORIGIN);
        values.len() > 1 || values.iter().any(|v| v.contains(',') && *v != e.origin)
    }) {
        push(
            Check::MultipleAllowOrigin,
            Severity::Low,
            format!(
                "The response to `{}` has {}: browsers refuse it, so no script can read it.",
                e.origin,
                quoted(
                    &e.values(&ACCESS_CONTROL_ALLOW_ORIGIN)
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                )
            ),
            e,
        );
    }

    if !seen.baseline_allowed {
        if let Some(e) = &seen.baseline {
            push(
                Check::TrustedOriginNotAllowed,
                Severity::Info,
                format!(
                    "`{}` got no single Access-Control-Allow-Origin naming it (or `*`), so the \
                     checks that need an allowed origin (error responses, Vary) found nothing to \
                     compare.",
                    trusted.origin
                ),
                e,
            );
        }
    }

    found.sort_by_key(|(severity, check, _)| (*severity, *check));
    found.into_iter().map(|(_, _, f)| f).collect()
}

fn human(report: &Report, seen: &Observations, style: output::Style) -> String {
    let mut out = format!("corsair audit {}\n", report.url);
    out.push_str(&format!("trusted origin: {}", report.origin));
    if let Some(baseline) = &seen.baseline {
        out.push_str(&match baseline.allow_origin() {
            Some(value) if seen.baseline_allowed => format!(
                " (allowed: Access-Control-Allow-Origin: {value}{})\n",
                if baseline.allows_credentials() {
                    ", with credentials"
                } else {
                    ""
                }
            ),
            _ => " (not allowed by the server)\n".to_owned(),
        });
    } else {
        out.push('\n');
    }
    out.push_str(&format!(
        "probes:         {}\n",
        output::count(report.probes, "request")
    ));
    for finding in &report.findings {
        let colour = match finding.severity {
            "high" => Colour::Red,
            "medium" => Colour::Yellow,
            "low" => Colour::Cyan,
            _ => Colour::Dim,
        };
        out.push_str(&format!(
            "\n{} {}: {}\n",
            style.paint(colour, &format!("{:<7}", finding.severity)),
            finding.id,
            finding.title
        ));
        out.push_str(&format!("  {}\n", finding.detail));
        for line in &finding.evidence.request {
            out.push_str(&format!("  > {line}\n"));
        }
        for line in &finding.evidence.response {
            out.push_str(&format!("  < {line}\n"));
        }
        out.push_str(&format!("  fix: {}\n", finding.fix));
    }
    if let Some(error) = &report.error {
        out.push_str(&format!(
            "\n{}: {error}\n",
            style.paint(Colour::Yellow, "could not audit")
        ));
        return out;
    }
    out.push('\n');
    if report.findings.is_empty() {
        out.push_str(&style.paint(Colour::Green, "no finding"));
        out.push('\n');
    } else {
        let count = |s: Severity| {
            report
                .findings
                .iter()
                .filter(|f| f.severity == s.as_str())
                .count()
        };
        let parts: Vec<String> = [
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ]
        .into_iter()
        .filter(|s| count(*s) > 0)
        .map(|s| format!("{} {}", count(s), s.as_str()))
        .collect();
        out.push_str(&format!(
            "{}: {}\n",
            output::count(report.findings.len(), "finding"),
            parts.join(", ")
        ));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn probe_origins_follow_corscanner_and_corsy() {
        let trusted = Trusted::parse("https://app.example.com").unwrap();
        assert_eq!(trusted.registrable, "example.com");
        let probes = trusted.probe_origins();
        let of = |check: Check| -> Vec<&str> {
            probes
                .iter()
                .filter(|(c, _)| *c == check)
                .map(|(_, o)| o.as_str())
                .collect()
        };
        assert_eq!(of(Check::OriginReflection), ["https://evil.com"]);
        assert_eq!(of(Check::PrefixMatch), ["https://app.example.com.evil.com"]);
        assert_eq!(of(Check::SuffixMatch), ["https://evilexample.com"]);
        assert_eq!(of(Check::SubstringMatch), ["https://xample.com"]);
        assert_eq!(
            of(Check::UnescapedDot),
            ["https://app.exampleacom", "https://appxexample.com"]
        );
        assert_eq!(of(Check::SpecialCharacters).len(), 22);
        assert!(of(Check::SpecialCharacters).contains(&"https://app.example.com%60.evil.com"));
        assert_eq!(of(Check::AnySubdomain), ["https://evil.app.example.com"]);
        assert_eq!(of(Check::HttpOriginTrusted), ["http://app.example.com"]);
        assert_eq!(of(Check::ThirdPartyOrigin).len(), 6);
        assert_eq!(of(Check::NullOrigin), ["null"]);
        assert_eq!(probes.len(), 1 + 1 + 1 + 1 + 2 + 22 + 1 + 1 + 6 + 1);
    }

    #[test]
    fn ports_and_public_suffixes() {
        let trusted = Trusted::parse("http://localhost:3000").unwrap();
        assert_eq!(trusted.registrable, "localhost");
        let probes = trusted.probe_origins();
        assert!(probes.contains(&(Check::AnySubdomain, "http://evil.localhost:3000".to_owned())));
        // No http twin of an http origin.
        assert!(!probes.iter().any(|(c, _)| *c == Check::HttpOriginTrusted));
        assert!(probes.contains(&(Check::SuffixMatch, "http://evillocalhost:3000".to_owned())));

        let pages = Trusted::parse("https://corsair.github.io").unwrap();
        assert_eq!(pages.registrable, "corsair.github.io");
        let ip = Trusted::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(ip.registrable, "127.0.0.1");
    }

    #[test]
    fn derived_origins_add_the_registrable_domain() {
        let url: Uri = "https://api.example.com/v1/items".parse().unwrap();
        assert_eq!(
            derived_origins(&url),
            ["https://api.example.com", "https://example.com"]
        );
        let url: Uri = "http://127.0.0.1:8080/".parse().unwrap();
        assert_eq!(derived_origins(&url), ["http://127.0.0.1:8080"]);
    }

    #[test]
    fn missing_resources_sit_next_to_the_audited_one() {
        let url: Uri = "http://h.example/api/items?x=1".parse().unwrap();
        let missing = missing_resource(&url).to_string();
        assert!(
            missing.starts_with("http://h.example/api/corsair-audit-404-"),
            "{missing}"
        );
        let root: Uri = "http://h.example".parse().unwrap();
        assert!(
            missing_resource(&root)
                .to_string()
                .starts_with("http://h.example/corsair-audit-404-")
        );
    }

    #[test]
    fn ids_are_distinct_kebab_case() {
        let all = [
            Check::OriginReflection,
            Check::NullOrigin,
            Check::PrefixMatch,
            Check::SuffixMatch,
            Check::SubstringMatch,
            Check::UnescapedDot,
            Check::SpecialCharacters,
            Check::HttpOriginTrusted,
            Check::AnySubdomain,
            Check::ThirdPartyOrigin,
            Check::WildcardWithCredentials,
            Check::WildcardOrigin,
            Check::MissingVaryOrigin,
            Check::CredentialsForRejectedOrigin,
            Check::PreflightForRejectedOrigin,
            Check::PreflightReflectsHeaders,
            Check::PreflightReflectsMethods,
            Check::AuthorizationNotCoveredByWildcard,
            Check::ErrorResponseMissingCors,
            Check::MultipleAllowOrigin,
            Check::TrustedOriginNotAllowed,
        ];
        let mut ids: Vec<&str> = all.iter().map(|c| c.id()).collect();
        assert!(
            ids.iter()
                .all(|id| id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
    }
}
