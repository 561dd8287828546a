//! The catalogue of `audit`'s findings: every check, with its stable id, its title, its
//! severity and the fix it suggests.

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum AuditSeverity {
    /// Another origin can read authenticated responses.
    High,
    /// Another origin can read responses, or caches can mix origins up.
    Medium,
    /// A weakness that needs another mistake to matter, or that breaks scripts.
    Low,
    /// Worth knowing.
    Info,
}

impl AuditSeverity {
    /// Every severity, most severe first.
    pub(super) const ALL: [AuditSeverity; 4] = [
        AuditSeverity::High,
        AuditSeverity::Medium,
        AuditSeverity::Low,
        AuditSeverity::Info,
    ];

    /// `high`, `medium`, `low` or `info`, as printed and in the JSON.
    pub(super) const fn as_str(self) -> &'static str {
        match self {
            AuditSeverity::High => "high",
            AuditSeverity::Medium => "medium",
            AuditSeverity::Low => "low",
            AuditSeverity::Info => "info",
        }
    }
}

/// Every check, in the order findings are listed within a severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Check {
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

/// What the catalogue says of one check.
struct Entry {
    /// The check, to keep the table in the enum's order.
    check: Check,
    /// The stable id.
    id: &'static str,
    /// One line.
    title: &'static str,
    /// What to change on the server.
    fix: &'static str,
}

/// One entry per check, in the enum's order.
const CATALOGUE: [Entry; 21] = [
    Entry {
        check: Check::OriginReflection,
        id: "origin-reflection",
        title: "Any origin is allowed: the server reflects Origin",
        fix: "Never copy Origin into Access-Control-Allow-Origin unchecked: echo it only when it \
            equals one of an allow-list of trusted origins (corsair: allow_origins).",
    },
    Entry {
        check: Check::NullOrigin,
        id: "null-origin",
        title: "The `null` origin is allowed",
        fix: "Remove `null` from the allowed origins: sandboxed iframes, data: URLs and \
            cross-origin redirects send it, so any site can. Never answer \
            `Access-Control-Allow-Origin: null`.",
    },
    Entry {
        check: Check::PrefixMatch,
        id: "prefix-match",
        title: "Origins that merely start with the trusted host are allowed",
        fix: "Match the whole host, not its beginning (`example.com.evil.com` starts with \
            `example.com`): anchor regexes at both ends, or better, compare parsed origins \
            with an allow-list of exact origins.",
    },
    Entry {
        check: Check::SuffixMatch,
        id: "suffix-match",
        title: "Origins that merely end with the trusted domain are allowed",
        fix: "Match whole labels (`evilexample.com` ends with `example.com`): allow \
            `.example.com` after a label boundary only (corsair: `https://*.example.com`), \
            or list exact origins.",
    },
    Entry {
        check: Check::SubstringMatch,
        id: "substring-match",
        title: "Origins contained in the trusted domain are allowed",
        fix: "Compare origins for equality, never containment (`in` on a string, `indexOf`, \
            `includes`, `contains`).",
    },
    Entry {
        check: Check::UnescapedDot,
        id: "unescaped-dot",
        title: "A dot of the trusted host matches any character",
        fix: "Escape the dots of origin regexes (`\\.`) and anchor them: an unescaped `.` \
            matches any character, so `wwwaexample.com`, which anyone can register, passes. \
            Prefer exact origins or label wildcards to regexes.",
    },
    Entry {
        check: Check::SpecialCharacters,
        id: "special-characters",
        title: "Origins with special characters after the trusted host are allowed",
        fix: "Validate Origin as `scheme://host[:port]` before matching it, and match whole \
            labels: some browsers send `_`, `}` or a backtick in hosts, and a loose parse or \
            a substring test lets `example.com_.evil.com` through.",
    },
    Entry {
        check: Check::HttpOriginTrusted,
        id: "http-origin-trusted",
        title: "The plain-http twin of the trusted origin is allowed",
        fix: "Trust only https origins from an https site: anyone on the network path can \
            inject a script into the http page and read responses through it. Remove the \
            http origin (corsair refuses it with credentials unless \
            dangerously_allow_insecure_origins is set).",
    },
    Entry {
        check: Check::AnySubdomain,
        id: "any-subdomain",
        title: "Any subdomain of the trusted host is allowed",
        fix: "Trust only the subdomains that need access: any subdomain with an XSS, a \
            takeover or user content can read the responses. List them, or keep the \
            wildcard to a zone whose every host you control.",
    },
    Entry {
        check: Check::ThirdPartyOrigin,
        id: "third-party-origin",
        title: "Origins where anyone can publish scripts are allowed",
        fix: "Remove origins where anyone can publish scripts (github.io pages, codepen.io, \
            jsfiddle.net, repl.it, ...): trusting them is trusting everyone.",
    },
    Entry {
        check: Check::WildcardWithCredentials,
        id: "wildcard-with-credentials",
        title: "`Access-Control-Allow-Origin: *` comes with `Access-Control-Allow-Credentials: true`",
        fix: "Browsers refuse `*` with credentials. If credentialed requests are needed, list \
            the trusted origins and echo the one that matches (with Vary: Origin); otherwise \
            drop Access-Control-Allow-Credentials. Do not make it work by reflecting Origin.",
    },
    Entry {
        check: Check::WildcardOrigin,
        id: "wildcard-origin",
        title: "Any origin may read responses that need no credentials (`*`)",
        fix: "`*` is right for public data only. If responses depend on where the client is \
            (an intranet, an IP allow-list), list the origins that need them instead.",
    },
    Entry {
        check: Check::MissingVaryOrigin,
        id: "missing-vary-origin",
        title: "Access-Control-Allow-Origin depends on Origin but `Vary: Origin` is missing",
        fix: "Add `Vary: Origin` to every response whose CORS headers depend on Origin \
            (responses to rejected and non-CORS requests too), so that no cache serves one \
            origin's answer to another.",
    },
    Entry {
        check: Check::CredentialsForRejectedOrigin,
        id: "credentials-for-rejected-origin",
        title: "`Access-Control-Allow-Credentials: true` is sent to origins that are not allowed",
        fix: "Send no Access-Control-* header at all to an origin that is not allowed; send \
            Access-Control-Allow-Credentials only beside an Access-Control-Allow-Origin that \
            names an allowed origin.",
    },
    Entry {
        check: Check::PreflightForRejectedOrigin,
        id: "preflight-for-rejected-origin",
        title: "Preflights from origins that are not allowed are answered with success",
        fix: "Refuse preflights from origins that are not allowed (403 and no CORS headers) \
            before the application sees them: answering them with success means preflights \
            are answered without checking the origin.",
    },
    Entry {
        check: Check::PreflightReflectsHeaders,
        id: "preflight-reflects-headers",
        title: "Preflights allow any request header: Access-Control-Request-Headers is echoed",
        fix: "List the request headers scripts may send (corsair: allow_headers) instead of \
            echoing Access-Control-Request-Headers: the echo allows every header, \
            Authorization included.",
    },
    Entry {
        check: Check::PreflightReflectsMethods,
        id: "preflight-reflects-methods",
        title: "Preflights allow any method: Access-Control-Request-Method is echoed",
        fix: "List the methods scripts may use (corsair: allow_methods) instead of echoing \
            Access-Control-Request-Method.",
    },
    Entry {
        check: Check::AuthorizationNotCoveredByWildcard,
        id: "authorization-not-covered-by-wildcard",
        title: "`Access-Control-Allow-Headers: *` covers Authorization in browsers, not in the \
            Fetch Standard",
        fix: "If scripts send Authorization, list `authorization` explicitly in \
            Access-Control-Allow-Headers: that is allowed in every browser and by the \
            Fetch Standard alike.",
    },
    Entry {
        check: Check::ErrorResponseMissingCors,
        id: "error-response-missing-cors",
        title: "Error responses carry no CORS headers",
        fix: "Add the CORS headers to every response to an allowed origin, errors and \
            redirects included (apply the CORS layer outermost), or scripts see a network \
            error instead of the status.",
    },
    Entry {
        check: Check::MultipleAllowOrigin,
        id: "multiple-allow-origin",
        title: "Several Access-Control-Allow-Origin values are sent",
        fix: "Send Access-Control-Allow-Origin once, with one origin: browsers refuse several \
            values. Usually a proxy and the application both add it: let one of them do it.",
    },
    Entry {
        check: Check::TrustedOriginNotAllowed,
        id: "trusted-origin-not-allowed",
        title: "The trusted origin is not allowed",
        fix: "Give the origin of your own pages with --origin: the checks of error responses, \
            Vary and preflights need an origin that the server allows.",
    },
];

// Every check has its entry at its own index, where `Check::id`, `title` and `fix` read it.
const _: () = {
    let mut i = 0;
    while i < CATALOGUE.len() {
        assert!(CATALOGUE[i].check as usize == i);
        i += 1;
    }
};

impl Check {
    /// Every check, in order.
    #[cfg(test)]
    pub(super) const ALL: [Check; 21] = [
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

    /// The stable id.
    pub(super) const fn id(self) -> &'static str {
        CATALOGUE[self as usize].id
    }

    /// One line saying what was found.
    pub(super) const fn title(self) -> &'static str {
        CATALOGUE[self as usize].title
    }

    /// What to change on the server.
    pub(super) const fn fix(self) -> &'static str {
        CATALOGUE[self as usize].fix
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
    pub(super) const fn severity(self, credentials: bool) -> AuditSeverity {
        match self {
            Check::AnySubdomain if credentials => AuditSeverity::Medium,
            Check::AnySubdomain => AuditSeverity::Low,
            _ if self.is_origin_check() && credentials => AuditSeverity::High,
            _ if self.is_origin_check() => AuditSeverity::Medium,
            Check::MissingVaryOrigin => AuditSeverity::Medium,
            Check::WildcardWithCredentials
            | Check::CredentialsForRejectedOrigin
            | Check::PreflightForRejectedOrigin
            | Check::PreflightReflectsHeaders
            | Check::PreflightReflectsMethods
            | Check::ErrorResponseMissingCors
            | Check::MultipleAllowOrigin => AuditSeverity::Low,
            _ => AuditSeverity::Info,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_kebab_case() {
        let mut ids: Vec<&str> = Check::ALL.iter().map(|c| c.id()).collect();
        assert!(
            ids.iter()
                .all(|id| id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Check::ALL.len());
    }
}
