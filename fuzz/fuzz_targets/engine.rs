//! The whole engine on arbitrary requests: never panics, and the invariants hold for
//! every decision (no `*` with credentials, nothing for a rejected origin, preflights
//! answered by corsair, `apply_to` leaves at most one allow-origin, a refused
//! cross-origin write is a bare 403 for an unsafe method).
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use corsair::{Action, Policy, Reason, RequestKind, RouteConfig};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    method: Vec<u8>,
    path: String,
    headers: Vec<(u8, Vec<u8>)>,
    response: Vec<(u8, Vec<u8>)>,
}

const NAMES: [&str; 12] = [
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "access-control-request-private-network",
    "vary",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "content-type",
    "authorization",
    "x-custom",
    "sec-fetch-site",
    "host",
];

fn map(pairs: &[(u8, Vec<u8>)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let name = HeaderName::from_static(NAMES[usize::from(*name) % NAMES.len()]);
        if let Ok(value) = HeaderValue::from_bytes(value) {
            map.append(name, value);
        }
    }
    map
}

fn policies() -> &'static [Policy] {
    static POLICIES: OnceLock<Vec<Policy>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        vec![
            Policy::builder()
                .allow_origins([
                    "https://app.example",
                    "https://*.example.com",
                    "http://localhost:*",
                ])
                .allow_origin_regexes([r"https://pr-\d+\.preview\.example"])
                .allow_methods(["PUT", "patch"])
                .allow_headers(["content-type", "authorization"])
                .expose_headers(["x-custom"])
                .allow_credentials(true)
                .max_age(600)
                .allow_private_network(true)
                .route(
                    RouteConfig::new("/public")
                        .allow_origins(["*"])
                        .allow_credentials(false),
                )
                .route(RouteConfig::new("/off").enabled(false))
                .cross_origin_protection(true)
                .cross_origin_protection_exempt_paths(["/hooks"])
                .build()
                .expect("a valid policy"),
            Policy::builder()
                .allow_origins(["*"])
                .allow_methods(["*"])
                .allow_headers(["*"])
                .expose_headers(["*"])
                .debug(true)
                .build()
                .expect("a valid policy"),
            Policy::builder()
                .allow_origins(["https://app.example", "null"])
                .dangerously_allow_null_origin(true)
                .allow_headers(["*", "authorization"])
                .allow_credentials(true)
                .debug(true)
                .build()
                .expect("a valid policy"),
        ]
    })
}

fuzz_target!(|input: Input| {
    let Ok(method) = Method::from_bytes(&input.method) else {
        return;
    };
    let request = map(&input.headers);
    for policy in policies() {
        let decision = policy.decide(&method, &input.path, &request);
        let sent: Vec<_> = decision.headers().iter().collect();
        let star = sent
            .iter()
            .any(|(n, v)| n == "access-control-allow-origin" && v == "*");
        let credentials = sent
            .iter()
            .any(|(n, _)| n == "access-control-allow-credentials");
        assert!(!(star && credentials));
        if matches!(
            decision.reason(),
            Reason::MalformedOrigin | Reason::OriginNotAllowed
        ) {
            assert!(
                sent.iter()
                    .all(|(n, _)| !n.as_str().starts_with("access-control-"))
            );
        }
        if decision.kind() == RequestKind::Preflight {
            assert!(matches!(decision.action(), Action::Respond(_)));
        }
        if decision.reason() == Reason::CrossOriginWriteRefused {
            assert!(!matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS"));
            assert_eq!(
                decision.action(),
                Action::Respond(http::StatusCode::FORBIDDEN)
            );
            assert!(sent.is_empty());
        }
        let rejected_origin = matches!(
            decision.reason(),
            Reason::MalformedOrigin | Reason::OriginNotAllowed
        );
        let headers = decision.into_headers();
        let owns = headers.owns_cors_headers();
        let mut response = map(&input.response);
        headers.apply_to(&mut response);
        let allow_origins = response
            .get_all("access-control-allow-origin")
            .iter()
            .count();
        if owns {
            // corsair decides: one value at most, none for a rejected origin.
            assert!(allow_origins <= 1);
            if rejected_origin {
                assert_eq!(allow_origins, 0);
                assert!(!response.contains_key("access-control-allow-credentials"));
            }
        }
    }
});
