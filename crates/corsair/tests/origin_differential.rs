//! The origin matcher against a deliberately naive reference: a linear scan over the
//! declared patterns with straightforward string rules. jub0bs/cors's history shows
//! that hand-written matchers are where the bugs hide (GHSA-vhxv-fg4m-p2w8); random
//! policies and random near-miss origins look for any disagreement.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use corsair::Policy;
use http::{HeaderMap, HeaderValue, Method};
use proptest::prelude::*;

const DOMAINS: &[&str] = &[
    "example.com",
    "a.example.com",
    "b.a.example.com",
    "example.org",
    "example.co",
    "xample.com",
    "evil.com",
    "xn--bcher-kva.example",
    "localhost",
    "127.0.0.1",
    "com",
];

/// A declared pattern: `scheme://[*.]domain[:port]`.
fn pattern() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["https", "http"]),
        any::<bool>(),
        prop::sample::select(DOMAINS.to_vec()),
        prop::sample::select(vec!["", ":8080", ":*", ":3000"]),
    )
        .prop_filter(
            "no subdomains of an IP address",
            |(_, wildcard, domain, _)| !(*wildcard && domain.parse::<std::net::Ipv4Addr>().is_ok()),
        )
        .prop_map(|(scheme, wildcard, domain, port)| {
            format!(
                "{scheme}://{}{domain}{port}",
                if wildcard { "*." } else { "" }
            )
        })
}

/// An origin a browser (or an attacker) could send, built to be a near miss of the
/// patterns: extra labels in front or behind, glued prefixes, case, ports, default
/// ports, trailing slashes and dots, special characters, `null`.
fn origin() -> impl Strategy<Value = String> {
    let host = (
        prop::sample::select(vec!["", "x.", "a.", "evil", "x.y.", "wwwa"]),
        prop::sample::select(DOMAINS.to_vec()),
        prop::sample::select(vec!["", ".evil.net", "m", ".", "_", "%60.evil.net", "`"]),
    )
        .prop_map(|(before, domain, after)| format!("{before}{domain}{after}"));
    prop_oneof![
        9 => (
            prop::sample::select(vec!["https", "http", "HTTPS", "ftp"]),
            host,
            prop::sample::select(vec!["", ":8080", ":3000", ":443", ":80", ":08080", ":65536", ":"]),
            prop::sample::select(vec!["", "/", "/x"]),
            any::<bool>(),
        )
            .prop_map(|(scheme, host, port, path, upper)| {
                let origin = format!("{scheme}://{host}{port}{path}");
                if upper { origin.replacen('e', "E", 1) } else { origin }
            }),
        1 => Just("null".to_owned()),
    ]
}

/// Splits `scheme://host[:port]`, the straightforward way.
fn split(origin: &str) -> Option<(&str, &str, Option<&str>)> {
    let (scheme, rest) = origin.split_once("://")?;
    match rest.split_once(':') {
        Some((host, port)) => Some((scheme, host, Some(port))),
        None => Some((scheme, rest, None)),
    }
}

/// What a browser can send: lowercase, no path, a port of 1 to 65535 without a leading
/// zero and never the scheme's default, a host of `a-z 0-9 - . _` with no empty label.
fn naive_well_formed(origin: &str) -> bool {
    let Some((scheme, host, port)) = split(origin) else {
        return false;
    };
    let scheme_ok = !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_lowercase());
    let labels: Vec<&str> = host.strip_suffix('.').unwrap_or(host).split('.').collect();
    let host_ok = labels.iter().all(|l| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    });
    let port_ok = match port {
        None => true,
        Some(p) => {
            let default = match scheme {
                "http" => "80",
                "https" => "443",
                "ftp" => "21",
                _ => "",
            };
            !p.is_empty() && !p.starts_with('0') && p != default && p.parse::<u16>().is_ok()
        }
    };
    scheme_ok && host_ok && port_ok
}

/// The reference: a linear scan with string rules.
fn naive_allows(patterns: &[String], origin: &str) -> bool {
    if !naive_well_formed(origin) {
        return false;
    }
    let Some((scheme, host, port)) = split(origin) else {
        return false;
    };
    patterns.iter().any(|pattern| {
        let Some((p_scheme, p_host, p_port)) = split(pattern) else {
            return false;
        };
        let port_ok = p_port == Some("*") || p_port == port;
        let host_ok = match p_host.strip_prefix('*') {
            // `*.example.com`: the host ends with `.example.com` and has something before.
            Some(dot_domain) => host.ends_with(dot_domain) && host.len() > dot_domain.len(),
            None => host == p_host,
        };
        scheme == p_scheme && port_ok && host_ok
    })
}

fn corsair_allows(policy: &Policy, origin: &str) -> bool {
    let mut request = HeaderMap::new();
    match HeaderValue::from_str(origin) {
        Ok(v) => request.insert(http::header::ORIGIN, v),
        Err(_) => return false,
    };
    policy.decide(&Method::GET, "/", &request).allowed()
}

/// How to turn a declared pattern into a near-miss origin.
#[derive(Clone, Debug)]
struct Mutation {
    /// What replaces a leading `*.` (or is glued in front of an exact host).
    front: &'static str,
    /// What is glued behind the host.
    back: &'static str,
    /// What replaces `:*` (or is added after an exact host).
    port: &'static str,
    scheme_swap: bool,
    upper: bool,
    slash: bool,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        prop::sample::select(vec!["", "", "a.", "a.b.", "evil", "evil.", "."]),
        prop::sample::select(vec!["", "", "", ".evil.net", "m", ".", "_", "%60.evil.net"]),
        prop::sample::select(vec![
            "", "", ":8080", ":3000", ":443", ":80", ":08080", ":1",
        ]),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(front, back, port, scheme_swap, upper, slash)| Mutation {
            front,
            back,
            port,
            scheme_swap,
            upper,
            slash,
        })
}

/// Applies a mutation to a pattern, giving an origin close to what the pattern allows.
fn mutate(pattern: &str, m: &Mutation) -> String {
    let (scheme, rest) = pattern.split_once("://").unwrap_or(("https", pattern));
    let scheme = match (m.scheme_swap, scheme) {
        (true, "https") => "http",
        (true, _) => "https",
        (false, s) => s,
    };
    let (host, port) = match rest.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    let host = match host.strip_prefix("*.") {
        Some(domain) => format!("{}{domain}", m.front),
        None if m.front.ends_with('.') || m.front.is_empty() => host.to_owned(),
        None => format!("{}{host}", m.front),
    };
    let port = match port {
        Some("*") => m.port.to_owned(),
        Some(p) if m.port.is_empty() => format!(":{p}"),
        Some(_) | None => m.port.to_owned(),
    };
    let mut origin = format!("{scheme}://{host}{}{port}", m.back);
    if m.slash {
        origin.push('/');
    }
    if m.upper {
        origin = origin.replacen(|c: char| c.is_ascii_lowercase(), "X", 1);
    }
    origin
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn matcher_agrees_with_the_naive_reference(
        patterns in prop::collection::vec(pattern(), 1..6),
        mutations in prop::collection::vec((any::<prop::sample::Index>(), mutation()), 1..10),
        strangers in prop::collection::vec(origin(), 0..4),
    ) {
        let policy = Policy::builder()
            .allow_origins(patterns.iter().cloned())
            .dangerously_allow_public_suffix_wildcards(true)
            .build();
        let policy = match policy {
            Ok(p) => p,
            Err(e) => panic!("{patterns:?} should build: {e}"),
        };
        let near_misses = mutations.iter().map(|(i, m)| mutate(i.get::<String>(&patterns), m));
        for origin in near_misses.chain(strangers) {
            prop_assert_eq!(
                corsair_allows(&policy, &origin),
                naive_allows(&patterns, &origin),
                "patterns {:?}, origin {:?}", patterns, origin
            );
        }
    }

    #[test]
    fn every_exact_origin_matches_itself(pattern in pattern()) {
        let pattern = pattern.replace("*.", "").replace(":*", ":8443");
        let policy = Policy::builder().allow_origins([pattern.clone()]).build().unwrap();
        prop_assert!(corsair_allows(&policy, &pattern));
    }
}

/// The tower layer's answer to a request: status and headers.
fn layer_answer(
    layer: &corsair::CorsLayer,
    request: http::Request<()>,
) -> (http::StatusCode, HeaderMap) {
    use std::future::Future;
    use tower::{Layer, Service};
    let inner = tower::service_fn(|_: http::Request<()>| async {
        Ok::<_, std::convert::Infallible>(http::Response::new(()))
    });
    let mut service = layer.layer(inner);
    let future = service.call(request);
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Ok(response)) => (response.status(), response.headers().clone()),
        _ => panic!("the inner service answers at once"),
    }
}

/// What [`Policy::decide`] says the same request gets: status and headers.
fn decided_answer(policy: &Policy, request: &http::Request<()>) -> (http::StatusCode, HeaderMap) {
    let decision = policy.decide_request(request);
    let status = decision.action().status().unwrap_or(http::StatusCode::OK);
    let mut headers = HeaderMap::new();
    decision.into_headers().apply_to(&mut headers);
    (status, headers)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// The middleware adapters skip what only the reason needs (a rejected origin is not
    /// parsed when the policy has exact origins only, or exact origins and `*.` patterns
    /// without a port, and nothing logs the reason); the answer must stay what the
    /// engine decides, for those policies and others.
    #[test]
    fn the_layer_answers_what_the_engine_decides(
        patterns in prop::collection::vec(pattern(), 1..6),
        exact_only in any::<bool>(),
        mutations in prop::collection::vec((any::<prop::sample::Index>(), mutation()), 1..10),
        strangers in prop::collection::vec(origin(), 0..4),
    ) {
        let patterns: Vec<String> = if exact_only {
            patterns.iter().map(|p| p.replace("*.", "").replace(":*", ":8443")).collect()
        } else {
            patterns
        };
        let policy = Policy::builder()
            .allow_origins(patterns.iter().cloned())
            .allow_methods(["PUT"])
            .dangerously_allow_public_suffix_wildcards(true)
            .build();
        let layer = match policy {
            Ok(p) => corsair::CorsLayer::new(p),
            Err(e) => panic!("{patterns:?} should build: {e}"),
        };
        let policy = layer.handle().load();
        let near_misses = mutations.iter().map(|(i, m)| mutate(i.get::<String>(&patterns), m));
        for origin in near_misses.chain(strangers) {
            let Ok(value) = HeaderValue::from_str(&origin) else { continue };
            for preflight in [false, true] {
                let request = || {
                    let builder = if preflight {
                        http::Request::options("/").header("access-control-request-method", "PUT")
                    } else {
                        http::Request::get("/")
                    };
                    builder.header("origin", value.clone()).body(()).unwrap()
                };
                prop_assert_eq!(
                    layer_answer(&layer, request()),
                    decided_answer(&policy, &request()),
                    "patterns {:?}, origin {:?}, preflight {}", patterns, origin, preflight
                );
            }
        }
    }
}

#[test]
fn the_reference_itself_is_sane() {
    let patterns = vec![
        "https://*.example.com".to_owned(),
        "http://localhost:*".to_owned(),
    ];
    assert!(naive_allows(&patterns, "https://a.example.com"));
    assert!(!naive_allows(&patterns, "https://example.com"));
    assert!(!naive_allows(&patterns, "https://aexample.com"));
    assert!(naive_allows(&patterns, "http://localhost"));
    assert!(naive_allows(&patterns, "http://localhost:3000"));
    assert!(!naive_allows(&patterns, "http://localhost:80"));
    assert!(!naive_allows(&patterns, "https://a.Example.com"));
}
