//! Properties that hold for every policy and every request: no `*` with credentials, a
//! rejected origin never gets an `Access-Control-*` header, `Vary` names `Origin`
//! whenever the answer depends on it, a preflight never reaches the application, the
//! answer does not depend on the order of the declaration, and reconfiguration is
//! all-or-nothing.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use corsair::{Action, Config, Decision, Policy, PolicyHandle, Reason, RequestKind};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use proptest::prelude::*;

const ORIGINS: &[&str] = &[
    "https://app.example",
    "https://*.example.com",
    "http://localhost:*",
    "https://api.example.org:8443",
    "*",
];
const METHODS: &[&str] = &["PUT", "DELETE", "PATCH", "patch", "*"];
const HEADERS: &[&str] = &["content-type", "x-request-id", "authorization", "*"];
const EXPOSED: &[&str] = &["x-request-id", "x-total", "*"];

#[derive(Clone, Debug)]
struct Declared {
    origins: Vec<&'static str>,
    methods: Vec<&'static str>,
    headers: Vec<&'static str>,
    exposed: Vec<&'static str>,
    credentials: bool,
    max_age: Option<u64>,
    debug: bool,
    private_network: bool,
}

impl Declared {
    fn config(&self) -> Config {
        let mut config = Policy::builder()
            .allow_origins(self.origins.iter().copied())
            .allow_methods(self.methods.iter().copied())
            .allow_headers(self.headers.iter().copied())
            .expose_headers(self.exposed.iter().copied())
            .allow_credentials(self.credentials)
            .debug(self.debug)
            .allow_private_network(self.private_network);
        if let Some(max_age) = self.max_age {
            config = config.max_age(max_age);
        }
        config
    }

    fn reversed(&self) -> Declared {
        let mut r = self.clone();
        r.origins.reverse();
        r.methods.reverse();
        r.headers.reverse();
        r.exposed.reverse();
        r
    }
}

fn subset(pool: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
    prop::sample::subsequence(pool.to_vec(), 0..=pool.len()).prop_shuffle()
}

fn declared() -> impl Strategy<Value = Declared> {
    (
        subset(ORIGINS),
        subset(METHODS),
        subset(HEADERS),
        subset(EXPOSED),
        any::<bool>(),
        prop::option::of(prop::sample::select(vec![0u64, 5, 600, 7200])),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(origins, methods, headers, exposed, credentials, max_age, debug, private_network)| {
                Declared {
                    origins,
                    methods,
                    headers,
                    exposed,
                    credentials,
                    max_age,
                    debug,
                    private_network,
                }
            },
        )
}

/// A request a browser, or an attacker, could send.
#[derive(Clone, Debug)]
struct Sent {
    method: Method,
    origin: Option<&'static str>,
    request_method: Option<&'static str>,
    request_headers: Option<&'static str>,
    private_network: bool,
}

impl Sent {
    fn headers(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        let mut put = |name: &'static str, value: &'static str| {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        };
        if let Some(origin) = self.origin {
            put("origin", origin);
        }
        if let Some(m) = self.request_method {
            put("access-control-request-method", m);
        }
        if let Some(h) = self.request_headers {
            put("access-control-request-headers", h);
        }
        if self.private_network {
            put("access-control-request-private-network", "true");
        }
        map
    }
}

const REQUEST_ORIGINS: &[&str] = &[
    "https://app.example",
    "https://a.example.com",
    "https://example.com",
    "http://localhost:5173",
    "https://api.example.org:8443",
    "https://evil.example",
    "https://app.example.evil.net",
    "null",
    "https://App.example",
    "https://app.example/",
];

fn sent() -> impl Strategy<Value = Sent> {
    (
        prop::sample::select(vec![
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::OPTIONS,
            Method::OPTIONS,
            Method::DELETE,
        ]),
        prop::option::weighted(0.9, prop::sample::select(REQUEST_ORIGINS.to_vec())),
        prop::option::weighted(
            0.7,
            prop::sample::select(vec![
                "GET",
                "PUT",
                "DELETE",
                "PATCH",
                "patch",
                "MOVE",
                "bad method",
            ]),
        ),
        prop::option::of(prop::sample::select(vec![
            "content-type",
            "content-type,x-request-id",
            "authorization",
            "X-Request-ID, Content-Type",
            "x-other",
            "content-type,,",
            "not a header",
        ])),
        any::<bool>(),
    )
        .prop_map(
            |(method, origin, request_method, request_headers, private_network)| Sent {
                method,
                origin,
                request_method,
                request_headers,
                private_network,
            },
        )
}

fn cors_headers(d: &Decision<'_>) -> Vec<(String, String)> {
    d.headers()
        .iter()
        .filter(|(n, _)| n.as_str().starts_with("access-control-"))
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect()
}

fn varies_on_origin(d: &Decision<'_>) -> bool {
    d.headers().vary().contains(corsair::Vary::ORIGIN)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold(declared in declared(), sent in sent()) {
        let Ok(policy) = declared.config().build() else {
            return Ok(());
        };
        let request = sent.headers();
        let d = policy.decide(&sent.method, "/", &request);
        let cors = cors_headers(&d);

        // No `*` together with credentials.
        let star = cors.iter().any(|(n, v)| n == "access-control-allow-origin" && v == "*");
        let credentials = cors.iter().any(|(n, _)| n == "access-control-allow-credentials");
        prop_assert!(!(star && credentials), "{cors:?}");

        // A rejected origin never receives an Access-Control-* header; nor any rejected
        // request outside debug mode.
        if matches!(d.reason(), Reason::MalformedOrigin | Reason::OriginNotAllowed) || (!d.allowed() && !declared.debug) {
            prop_assert!(cors.is_empty(), "{:?} {cors:?}", d.reason());
        }

        // A preflight never reaches the application.
        if d.kind() == RequestKind::Preflight {
            prop_assert!(matches!(d.action(), Action::Respond(_)));
        }
        prop_assert_eq!(d.kind() == RequestKind::Preflight, matches!(d.action(), Action::Respond(_)));

        // Vary names Origin whenever the answer depends on it: a response without it must
        // be the answer to every origin a browser could send, and to none at all.
        // Preflights always vary on Origin; other OPTIONS responses are not cacheable
        // (RFC 9110, section 9.3.7), so only the other methods are compared.
        if d.kind() == RequestKind::Preflight {
            prop_assert!(varies_on_origin(&d));
        }
        if !varies_on_origin(&d) && sent.method != Method::OPTIONS {
            for other in [None, Some("https://app.example"), Some("https://evil.example"), Some("null")] {
                let alternative = Sent { origin: other, ..sent.clone() };
                let request = alternative.headers();
                let d2 = policy.decide(&sent.method, "/", &request);
                prop_assert_eq!(d2.action(), d.action(), "{:?} vs {:?}", sent, alternative);
                prop_assert_eq!(cors_headers(&d2), cors.clone(), "{:?} vs {:?}", sent, alternative);
            }
        }
    }

    #[test]
    fn the_order_of_the_declaration_does_not_matter(declared in declared(), sent in sent()) {
        let (a, b) = (declared.config().build(), declared.reversed().config().build());
        prop_assert_eq!(a.is_ok(), b.is_ok());
        let (Ok(a), Ok(b)) = (a, b) else {
            return Ok(());
        };
        let request = sent.headers();
        let (da, db) = (a.decide(&sent.method, "/", &request), b.decide(&sent.method, "/", &request));
        prop_assert_eq!(da, db);
    }

    #[test]
    fn reconfiguration_is_all_or_nothing(first in declared(), second in declared(), sent in sent()) {
        let Ok(policy) = first.config().build() else {
            return Ok(());
        };
        let handle = PolicyHandle::new(policy);
        let request = sent.headers();
        let before = handle.load().decide(&sent.method, "/", &request).into_headers();
        match handle.reconfigure(second.config()) {
            Ok(_) => {
                let expected = second.config().build().unwrap();
                let now = handle.load().decide(&sent.method, "/", &request).into_headers();
                prop_assert_eq!(now, expected.decide(&sent.method, "/", &request).into_headers());
            }
            Err(_) => {
                let now = handle.load().decide(&sent.method, "/", &request).into_headers();
                prop_assert_eq!(now, before);
            }
        }
    }
}
