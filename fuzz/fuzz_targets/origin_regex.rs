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
    for name in names(regex) {
        for origin in [
            format!("https://{name}.evil.com"),
            format!("https://evil{name}"),
            format!("https://evil-{name}"),
            format!("http://{name}"),
        ] {
            let spelled = origin
                .trim_start_matches("https://")
                .trim_start_matches("http://");
            assert!(
                !allows(&policy, &origin)
                    || (origin.starts_with("https://") && plain.contains(spelled))
                    || name.starts_with("localhost")
                    || name.starts_with("127."),
                "{regex:?} allows {origin}"
            );
        }
    }
});
