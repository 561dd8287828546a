//! The bounded `Access-Control-Request-Headers` check on arbitrary bytes: never panics,
//! and an allowed preflight only ever lists allowed names.
#![no_main]

use std::sync::OnceLock;

use corsair::Policy;
use http::{HeaderMap, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;

const ALLOWED: [&str; 4] = ["content-type", "x-request-id", "authorization", "x-a"];

fn policies() -> &'static [Policy; 3] {
    static POLICIES: OnceLock<[Policy; 3]> = OnceLock::new();
    POLICIES.get_or_init(|| {
        let build = |headers: &[&str], credentials: bool| {
            Policy::builder()
                .allow_origins(["https://app.example"])
                .allow_methods(["PUT"])
                .allow_headers(headers.iter().copied())
                .allow_credentials(credentials)
                .build()
                .expect("a valid policy")
        };
        [
            build(&ALLOWED, true),
            build(&["*"], false),
            build(&["*"], true),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let lines: Vec<HeaderValue> = data
        .split(|&b| b == b'\n')
        .filter_map(|line| HeaderValue::from_bytes(line).ok())
        .collect();
    let mut request = HeaderMap::new();
    request.insert("origin", HeaderValue::from_static("https://app.example"));
    request.insert(
        "access-control-request-method",
        HeaderValue::from_static("PUT"),
    );
    for line in lines {
        request.append("access-control-request-headers", line);
    }
    for (i, policy) in policies().iter().enumerate() {
        let decision = policy.decide(&Method::OPTIONS, "/", &request);
        if !decision.allowed() {
            assert!(
                decision
                    .headers()
                    .iter()
                    .all(|(n, _)| !n.as_str().starts_with("access-control-"))
            );
            continue;
        }
        let allow_headers = decision
            .headers()
            .iter()
            .find(|(n, _)| n == "access-control-allow-headers")
            .map(|(_, v)| v);
        if let Some(value) = allow_headers {
            let text = value.to_str().expect("ASCII names");
            for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                let listed = i != 0 || ALLOWED.contains(&name.to_ascii_lowercase().as_str());
                assert!(listed || name == "*", "{name:?} answered but not allowed");
                if name.eq_ignore_ascii_case("authorization") && i == 1 {
                    panic!("`*` must not cover authorization");
                }
            }
        }
    }
});
