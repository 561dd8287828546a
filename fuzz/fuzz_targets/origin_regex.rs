//! Origin regexes with credentials: building never panics, and a regex that corsair
//! accepts never allows an origin a list could not allow safely: an attacker's host
//! glued around the domains the regex spells out, plain http off loopback, or `null`.
#![no_main]

use corsair::Policy;
use http::{HeaderMap, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;

fn allows(policy: &Policy, origin: &str) -> bool {
    let Ok(value) = HeaderValue::from_str(origin) else {
        return false;
    };
    let mut request = HeaderMap::new();
    request.insert(http::header::ORIGIN, value);
    policy.decide(&Method::GET, "/", &request).allowed()
}

/// The names the regex spells out, as an attacker would glue around them.
fn names(regex: &str) -> Vec<String> {
    regex
        .replace("\\.", ".")
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .map(|s| s.trim_matches('.').to_ascii_lowercase())
        .filter(|s| s.contains('.'))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(regex) = std::str::from_utf8(data) else {
        return;
    };
    if regex.len() > 200 {
        return;
    }
    let Ok(policy) = Policy::builder()
        .allow_origin_regexes([regex])
        .allow_credentials(true)
        .build()
    else {
        return;
    };
    assert!(!allows(&policy, "null"), "{regex:?} allows null");
    for attacker in ["https://evil.com", "http://evil.com", "https://a.evil.com"] {
        assert!(
            !allows(&policy, attacker) || regex.contains("evil"),
            "{regex:?} allows {attacker}"
        );
    }
    let plain = regex.replace("\\.", ".");
    let names = names(regex);
    // The registrable domains the regex spells out: their owners own every subdomain.
    let owned: Vec<&str> = names
        .iter()
        .map(|n| psl::domain_str(n).unwrap_or(n))
        .collect();
    for name in &names {
        for origin in [
            format!("https://{name}.evil.com"),
            format!("https://evil{name}"),
            format!("https://evil-{name}"),
            format!("http://{name}"),
        ] {
            if !allows(&policy, &origin) {
                continue;
            }
            let (scheme, host) = origin.split_once("://").unwrap_or_default();
            let domain = psl::domain_str(host).unwrap_or(host);
            let loopback = name.starts_with("localhost") || name.starts_with("127.");
            assert!(
                loopback
                    || (scheme == "https" && (owned.contains(&domain) || plain.contains(host))),
                "{regex:?} allows {origin}"
            );
        }
    }
});
