//! Parsing a declared origin: never panics; an accepted exact origin (ASCII, no
//! wildcard) allows itself and nothing built by gluing text around it.
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

fuzz_target!(|data: &[u8]| {
    let Ok(entry) = std::str::from_utf8(data) else {
        return;
    };
    let built = Policy::builder()
        .allow_origins([entry])
        .dangerously_allow_null_origin(true)
        .dangerously_allow_public_suffix_wildcards(true)
        .build();
    let Ok(policy) = built else {
        return;
    };
    if entry.is_ascii() && !entry.contains('*') && entry != "null" {
        assert!(allows(&policy, entry), "{entry:?} does not allow itself");
        for trick in [
            format!("{entry}.evil.net"),
            format!("{entry}x"),
            format!("{entry}/"),
            format!("{entry}:1"),
        ] {
            assert!(!allows(&policy, &trick), "{entry:?} allows {trick:?}");
        }
    }
});
