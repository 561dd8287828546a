//! Helpers shared by the integration tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use corsair::{Decision, Policy};
use http::{HeaderMap, HeaderName, HeaderValue, Method};

/// Request headers from `(name, value)` pairs; repeated names become several lines.
pub fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

/// The headers of a decision as lowercase `(name, value)` strings, in order.
pub fn sent(decision: &Decision<'_>) -> Vec<(String, String)> {
    decision
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect()
}

/// The value corsair sends for a header, if it sends it.
pub fn value(decision: &Decision<'_>, name: &str) -> Option<String> {
    sent(decision)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

/// Whether any `Access-Control-*` header is sent.
pub fn has_cors_headers(decision: &Decision<'_>) -> bool {
    sent(decision)
        .iter()
        .any(|(n, _)| n.starts_with("access-control-"))
}

pub fn preflight<'r>(policy: &Policy, path: &str, request: &'r HeaderMap) -> Decision<'r> {
    policy.decide(&Method::OPTIONS, path, request)
}
