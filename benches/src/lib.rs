//! Shared scenarios for the corsair benchmarks: the same policy expressed for corsair,
//! tower-http and actix-cors, and the requests sent to it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use http::{HeaderName, HeaderValue, Method, Request, Response};

pub mod actix_floor;
pub mod checks;
pub mod floor;

/// The methods and request headers every policy allows (as in jub0bs/cors-benchmarks).
pub const METHODS: [&str; 1] = ["PUT"];
pub const HEADERS: [&str; 3] = ["accept", "content-type", "x-requested-with"];
pub const MAX_AGE: u64 = 600;
pub const EVIL: &str = "https://evil.example";

/// The allowed origins of a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origins {
    One,
    Three,
    Thousand,
    Patterns,
    Any,
    /// 100,000 exact origins, as an `allow_origins_file` of a multi-tenant service
    /// holds them: not in the grid (the peers' linear scans would take minutes under
    /// callgrind), measured against 1 origin by `insn-count` (see [`extra`]).
    HundredThousand,
}

impl Origins {
    pub const ALL: [Origins; 5] = [
        Origins::One,
        Origins::Three,
        Origins::Thousand,
        Origins::Patterns,
        Origins::Any,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Origins::One => "1-origin",
            Origins::Three => "3-origins",
            Origins::Thousand => "1000-origins",
            Origins::Patterns => "100-patterns",
            Origins::Any => "any-origin",
            Origins::HundredThousand => "100000-origins",
        }
    }

    /// The exact origins (or patterns, for `Patterns`) of the policy.
    pub fn list(self) -> Vec<String> {
        match self {
            Origins::One => vec!["https://example.com".into()],
            Origins::Three => (0..3)
                .map(|i| format!("https://app{i}.example.com"))
                .collect(),
            Origins::Thousand => (0..1000)
                .map(|i| format!("https://{i:03}.example.com"))
                .collect(),
            Origins::Patterns => (0..100)
                .map(|i| format!("https://*.tenant{i:02}.example.com"))
                .collect(),
            Origins::Any => vec!["*".into()],
            Origins::HundredThousand => (0..100_000)
                .map(|i| format!("https://t{i:05}.example.com"))
                .collect(),
        }
    }

    /// An allowed origin: the last one of the list (the worst case of a linear scan).
    pub fn allowed(self) -> &'static str {
        match self {
            Origins::One => "https://example.com",
            Origins::Three => "https://app2.example.com",
            Origins::Thousand => "https://999.example.com",
            Origins::Patterns => "https://app.tenant99.example.com",
            Origins::Any => "https://example.com",
            Origins::HundredThousand => "https://t99999.example.com",
        }
    }

    /// A rejected origin, where the policy can reject one.
    pub fn rejected(self) -> Option<&'static str> {
        match self {
            Origins::Any => None,
            _ => Some(EVIL),
        }
    }

    pub fn corsair(self) -> corsair::Policy {
        corsair::Policy::builder()
            .allow_origins(self.list())
            .allow_methods(METHODS)
            .allow_headers(HEADERS)
            .max_age(MAX_AGE)
            .build()
            .unwrap()
    }

    /// tower-http's `CorsLayer` for the same policy. Subdomain patterns go through
    /// `AllowOrigin::predicate`: scheme `https://`, then a host that ends, on a label
    /// boundary, with one of the 100 suffixes and has at least one label before it, and
    /// no port. Checked in the order of the list, as a linear scan.
    pub fn tower_http(self) -> tower_http::cors::CorsLayer {
        use tower_http::cors::{AllowOrigin, CorsLayer};
        let origin = match self {
            Origins::Any => AllowOrigin::any(),
            Origins::Patterns => {
                let suffixes: Vec<String> = (0..100)
                    .map(|i| format!(".tenant{i:02}.example.com"))
                    .collect();
                AllowOrigin::predicate(move |origin: &HeaderValue, _| {
                    let Some(host) = origin.as_bytes().strip_prefix(b"https://") else {
                        return false;
                    };
                    suffixes.iter().any(|s| {
                        host.len() > s.len()
                            && host.ends_with(s.as_bytes())
                            && host[0] != b'.'
                            && !host[..host.len() - s.len()].contains(&b'/')
                    })
                })
            }
            _ => AllowOrigin::list(self.list().iter().map(|o| o.parse().unwrap())),
        };
        CorsLayer::new()
            .allow_origin(origin)
            .allow_methods(METHODS.map(|m| m.parse::<Method>().unwrap()))
            .allow_headers(HEADERS.map(HeaderName::from_static))
            .max_age(Duration::from_secs(MAX_AGE))
    }

    /// actix-cors for the same policy; patterns through `allowed_origin_fn` (the same
    /// suffix check as for tower-http).
    pub fn actix_cors(self) -> actix_cors::Cors {
        let mut cors = actix_cors::Cors::default();
        match self {
            Origins::Any => cors = cors.allow_any_origin(),
            Origins::Patterns => {
                let suffixes: Vec<String> = (0..100)
                    .map(|i| format!(".tenant{i:02}.example.com"))
                    .collect();
                cors = cors.allowed_origin_fn(move |origin, _| {
                    let Some(host) = origin.as_bytes().strip_prefix(b"https://") else {
                        return false;
                    };
                    suffixes.iter().any(|s| {
                        host.len() > s.len()
                            && host.ends_with(s.as_bytes())
                            && host[0] != b'.'
                            && !host[..host.len() - s.len()].contains(&b'/')
                    })
                });
            }
            _ => {
                for o in self.list() {
                    cors = cors.allowed_origin(&o);
                }
            }
        }
        cors.allowed_methods(METHODS)
            .allowed_headers(HEADERS)
            .max_age(MAX_AGE as usize)
    }
}

/// The kind of request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Actual,
    Preflight,
}

/// Header lines of a request, all `'static` so that cloning a value never allocates (a
/// server's parser shares its read buffer in the same way).
pub type Lines = Vec<(&'static str, &'static str)>;

pub fn lines(kind: Kind, origin: &'static str) -> Lines {
    match kind {
        Kind::Actual => vec![("origin", origin)],
        Kind::Preflight => vec![
            ("origin", origin),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "content-type"),
        ],
    }
}

/// The adversarial preflights (allowed origin of `Origins::One`).
pub fn adversarial() -> Vec<(&'static str, Lines)> {
    let origin = Origins::One.allowed();
    let base = |acrh: Vec<&'static str>| {
        let mut l: Lines = vec![("origin", origin), ("access-control-request-method", "PUT")];
        l.extend(
            acrh.into_iter()
                .map(|v| ("access-control-request-headers", v)),
        );
        l
    };
    let commas: &'static str = Box::leak(",".repeat(1024).into_boxed_str());
    let mut names = String::new();
    let mut i = 0;
    while names.len() < 64 * 1024 {
        if !names.is_empty() {
            names.push(',');
        }
        names.push_str(&format!("x-header-{i:05}"));
        i += 1;
    }
    let names: &'static str = Box::leak(names.into_boxed_str());
    vec![
        ("normal-preflight", lines(Kind::Preflight, origin)),
        ("acrh-1KiB-commas", base(vec![commas])),
        ("acrh-64KiB-names", base(vec![names])),
        ("acrh-100-lines", base(vec!["content-type"; 100])),
    ]
}

pub fn method(kind: Kind) -> Method {
    match kind {
        Kind::Actual => Method::GET,
        Kind::Preflight => Method::OPTIONS,
    }
}

pub fn header_map(lines: &Lines) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (n, v) in lines {
        map.append(*n, HeaderValue::from_static(v));
    }
    map
}

pub fn http_request(kind: Kind, lines: &Lines) -> Request<String> {
    let mut req = Request::new(String::new());
    *req.method_mut() = method(kind);
    *req.uri_mut() = http::Uri::from_static("/items");
    *req.headers_mut() = header_map(lines);
    req
}

pub fn actix_request(kind: Kind, lines: &Lines) -> actix_http::Request {
    let mut req = actix_web::test::TestRequest::default()
        .method(match kind {
            Kind::Actual => actix_web::http::Method::GET,
            Kind::Preflight => actix_web::http::Method::OPTIONS,
        })
        .uri("/items");
    for (n, v) in lines {
        req = req.append_header((*n, *v));
    }
    req.to_request()
}

/// The inner service of the tower benchmarks: an empty 200 response.
pub type Inner = tower::util::ServiceFn<
    fn(Request<String>) -> std::future::Ready<Result<Response<String>, Infallible>>,
>;

pub fn inner() -> Inner {
    fn handler(_: Request<String>) -> std::future::Ready<Result<Response<String>, Infallible>> {
        std::future::ready(Ok(Response::new(String::new())))
    }
    tower::service_fn(handler as fn(_) -> _)
}

/// Calls a tower service whose future is ready at once (every one here is).
///
/// Never inlined, for every variant alike: inlined into a measuring loop, a service's
/// `call` was copied into the loop or not depending on its size, which moved a variant's
/// count by up to 150 instructions (the request moved once more, the inner handler
/// called through its pointer) for changes elsewhere in the crate. Behind one call
/// boundary, the request is moved into the service the same way for the baseline and
/// for each middleware, as a server's dispatcher does.
#[inline(never)]
pub fn call_now<S>(service: &mut S, request: Request<String>) -> Response<String>
where
    S: tower::Service<Request<String>, Response = Response<String>, Error = Infallible>,
{
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = pin!(service.call(request));
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(Ok(response)) => response,
        _ => panic!("the inner service is ready at once"),
    }
}

/// Every (scenario name, request kind, header lines) the grid covers.
/// Scenarios outside the grid, for corsair's variants only (`engine`, `corsair`,
/// `actix-corsair`): 100,000 origins, allowed and rejected, actual and preflight.
pub fn extra() -> Vec<(Origins, String, Kind, Lines)> {
    let origins = Origins::HundredThousand;
    let mut out = Vec::new();
    for (kind, k) in [(Kind::Actual, "actual"), (Kind::Preflight, "preflight")] {
        for (verdict, origin) in [("allowed", origins.allowed()), ("rejected", EVIL)] {
            out.push((
                origins,
                format!("{}/{k}/{verdict}", origins.name()),
                kind,
                lines(kind, origin),
            ));
        }
    }
    out
}

pub fn grid() -> Vec<(Origins, String, Kind, Lines)> {
    let mut out = Vec::new();
    for origins in Origins::ALL {
        for kind in [Kind::Actual, Kind::Preflight] {
            let k = match kind {
                Kind::Actual => "actual",
                Kind::Preflight => "preflight",
            };
            out.push((
                origins,
                format!("{}/{k}/allowed", origins.name()),
                kind,
                lines(kind, origins.allowed()),
            ));
            if let Some(rejected) = origins.rejected() {
                out.push((
                    origins,
                    format!("{}/{k}/rejected", origins.name()),
                    kind,
                    lines(kind, rejected),
                ));
            }
        }
    }
    for (name, l) in adversarial() {
        out.push((
            Origins::One,
            format!("adversarial/{name}"),
            Kind::Preflight,
            l,
        ));
    }
    out
}
