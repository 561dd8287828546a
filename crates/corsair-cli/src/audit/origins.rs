//! The trusted origin, and the attacker's origins `audit` derives from it: the origins
//! CORScanner and Corsy try, each with the check it belongs to.

use http::Uri;

use super::catalogue::Check;

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
pub(super) const EVIL: &str = "evil.com";

/// The trusted origin, taken apart to derive the probe origins.
#[derive(Clone, Debug)]
pub(super) struct Trusted {
    /// `https://app.example.com`.
    pub(super) origin: String,
    pub(super) scheme: String,
    /// Lowercase; IPv6 in brackets.
    pub(super) host: String,
    /// `:8443`, or empty for the default port.
    port: String,
    /// The registrable domain (`example.com`), or the host for an IP address or a name
    /// without a public suffix.
    pub(super) registrable: String,
}

impl Trusted {
    pub(super) fn parse(origin: &str) -> Option<Trusted> {
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
    pub(super) fn probe_origins(&self) -> Vec<(Check, String)> {
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

/// Without `--origin`: the URL's own origin, then `scheme://registrable-domain` when
/// that differs (Corsy's baseline).
pub(super) fn derived_origins(url: &Uri) -> Vec<String> {
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
}
