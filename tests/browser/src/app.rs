//! The test application behind both API servers, as one pure function, so that the
//! axum server, the actix-web server and the browser model's simulated server all
//! answer alike.
//!
//! Paths are `/<route>/<case>/<what>`:
//!
//! | `<what>` | answer |
//! |---|---|
//! | `item`, `target`, anything else | 200 |
//! | `status/<code>` | that status |
//! | `redirect/<code>/same/<route>` | `<code>` to `/<route>/<case>/target` on the same host |
//! | `redirect/<code>/cross/<route>` | `<code>` to the same path on the other loopback name (`127.0.0.1` ⇄ `localhost`) |
//!
//! Under the route `raw` corsair is disabled (`policy.toml`) and the application writes
//! the CORS headers itself, answers corsair would never give; every answer there has
//! `Access-Control-Allow-Origin: *`, to any method, preflights included:
//!
//! | `<what>` | answer |
//! |---|---|
//! | `star` | 200, `Access-Control-Allow-Headers: *` and `Access-Control-Allow-Methods: *` |
//! | `star-credentials` | 200, the request's origin, `Access-Control-Allow-Credentials: true` and `*` headers and methods (literal names under credentials) |
//! | `max-age/<value>` | 200, `Access-Control-Allow-Methods: PUT` and `Access-Control-Max-Age: <value>` |
//! | `location/empty` | 302 with an empty `Location` |
//! | `location/twice` | 302 with `Location: /raw/<case>/target` twice |
//! | `location/differ` | 302 with `Location` to `/raw/<case>/target` and to `/raw/<case>/item` |
//! | `seeded/<seed>` | what [`crate::seeded::answer`] draws (its own `Access-Control-Allow-Origin` or none) |
//! | anything else | 200 |

use http::header::{CONTENT_LENGTH, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};

/// The `Date` every answer carries: the HTTP servers add a `Date` only when the
/// application set none, and a fixed one keeps `Access-Control-Expose-Headers: *`
/// answers comparable.
pub const DATE: &str = "Thu, 01 Jan 2026 00:00:00 GMT";

/// What the application answers (the CORS layer then adds its headers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers the application sets, lowercase, in order.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: String,
}

impl AppResponse {
    /// The headers as they go on the wire before the CORS layer: the application's,
    /// plus the `Content-Length` with which both HTTP servers frame the body (none on a
    /// 204 or 304).
    pub fn wire_headers(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in &self.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                map.append(HeaderName::from_static(name), value);
            }
        }
        if !matches!(self.status.as_u16(), 204 | 304) {
            map.insert(CONTENT_LENGTH, HeaderValue::from(self.body.len()));
        }
        map
    }
}

/// The application's answer to `method path` received at `authority`
/// (`host:port`, what the request's `Host` says).
pub fn respond(method: &Method, path: &str, authority: &str) -> AppResponse {
    respond_to(method, path, authority, None)
}

/// [`respond`], given the request's `Origin` too (the seeded answers may echo it).
pub fn respond_to(
    method: &Method,
    path: &str,
    authority: &str,
    origin: Option<&str>,
) -> AppResponse {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let route = segments.first().copied().unwrap_or_default();
    let case = segments.get(1).copied().unwrap_or_default();
    let what = segments.get(2..).unwrap_or_default();
    let mut headers = vec![
        ("content-type", "text/plain; charset=utf-8".to_owned()),
        ("cache-control", "no-store".to_owned()),
        ("date", DATE.to_owned()),
        ("x-request-id", format!("{route}-{case}")),
        ("x-total", "42".to_owned()),
        ("x-secret", "not for scripts".to_owned()),
    ];
    if route == "raw" {
        headers.push(("access-control-allow-origin", "*".to_owned()));
    }
    let status = match (route, what) {
        ("raw", ["star"]) => {
            headers.push(("access-control-allow-headers", "*".to_owned()));
            headers.push(("access-control-allow-methods", "*".to_owned()));
            StatusCode::OK
        }
        ("raw", ["star-credentials"]) => {
            headers.retain(|(name, _)| *name != "access-control-allow-origin");
            headers.push((
                "access-control-allow-origin",
                origin.unwrap_or("null").to_owned(),
            ));
            headers.push(("access-control-allow-credentials", "true".to_owned()));
            headers.push(("access-control-allow-headers", "*".to_owned()));
            headers.push(("access-control-allow-methods", "*".to_owned()));
            StatusCode::OK
        }
        ("raw", ["max-age", value]) => {
            headers.push(("access-control-allow-methods", "PUT".to_owned()));
            headers.push(("access-control-max-age", (*value).to_owned()));
            StatusCode::OK
        }
        ("raw", ["location", kind]) => {
            let target = format!("/raw/{case}/target");
            match *kind {
                "empty" => headers.push(("location", String::new())),
                "twice" => {
                    headers.push(("location", target.clone()));
                    headers.push(("location", target));
                }
                _ => {
                    headers.push(("location", target));
                    headers.push(("location", format!("/raw/{case}/item")));
                }
            }
            StatusCode::FOUND
        }
        ("raw", ["seeded", seed]) => {
            let seed = seed.parse::<u64>().unwrap_or_default();
            let (status, cors) = crate::seeded::answer(seed, method, origin);
            // No `*` origin of the application's own beside a drawn one.
            headers.retain(|(name, _)| *name != "access-control-allow-origin");
            headers.extend(cors);
            status
        }
        ("raw", _) => StatusCode::OK,
        (_, ["status", code]) => code
            .parse::<u16>()
            .ok()
            .and_then(|c| StatusCode::from_u16(c).ok())
            .unwrap_or(StatusCode::BAD_REQUEST),
        (_, ["redirect", code, kind, to_route]) => {
            let location = match *kind {
                "cross" => format!("http://{}/{to_route}/{case}/target", other_host(authority)),
                _ => format!("/{to_route}/{case}/target"),
            };
            headers.push(("location", location));
            code.parse::<u16>()
                .ok()
                .and_then(|c| StatusCode::from_u16(c).ok())
                .unwrap_or(StatusCode::BAD_REQUEST)
        }
        _ => StatusCode::OK,
    };
    // 204 and 304 have no body (hyper would still announce one's length on a 204).
    let body = if matches!(status.as_u16(), 204 | 304) {
        String::new()
    } else {
        format!("{method} {path}\n")
    };
    AppResponse {
        status,
        headers,
        body,
    }
}

/// `127.0.0.1:port` ⇄ `localhost:port`: the same server under another origin.
fn other_host(authority: &str) -> String {
    match authority.strip_prefix("127.0.0.1") {
        Some(port) => format!("localhost{port}"),
        None => match authority.strip_prefix("localhost") {
            Some(port) => format!("127.0.0.1{port}"),
            None => authority.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_select_the_answer() {
        let ok = respond(&Method::GET, "/strict/c1/item", "127.0.0.1:9");
        assert_eq!(ok.status, StatusCode::OK);
        assert_eq!(ok.wire_headers()["content-length"], "20"); // "GET /strict/c1/item\n"
        let e = respond(&Method::PUT, "/strict/c1/status/503", "127.0.0.1:9");
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        let r = respond(
            &Method::GET,
            "/strict/c1/redirect/302/cross/null",
            "127.0.0.1:9",
        );
        assert_eq!(r.status, StatusCode::FOUND);
        assert_eq!(
            r.wire_headers()["location"],
            "http://localhost:9/null/c1/target"
        );
        let r = respond(
            &Method::GET,
            "/strict/c1/redirect/307/same/strict",
            "localhost:9",
        );
        assert_eq!(r.wire_headers()["location"], "/strict/c1/target");
        let r = respond(&Method::GET, "/raw/c1/location/twice", "localhost:9");
        assert_eq!(r.status, StatusCode::FOUND);
        let wire = r.wire_headers();
        let locations: Vec<_> = wire.get_all("location").iter().collect();
        assert_eq!(locations, ["/raw/c1/target", "/raw/c1/target"]);
        assert_eq!(wire["access-control-allow-origin"], "*");
        let r = respond(&Method::GET, "/raw/c1/location/empty", "localhost:9");
        assert_eq!(r.wire_headers()["location"], "");
        let r = respond(&Method::OPTIONS, "/raw/c1/max-age/-1", "localhost:9");
        assert_eq!(r.wire_headers()["access-control-max-age"], "-1");
        let r = respond(&Method::OPTIONS, "/raw/c1/star", "localhost:9");
        assert_eq!(r.wire_headers()["access-control-allow-headers"], "*");
        // Elsewhere the application sends no CORS header.
        let r = respond(&Method::GET, "/star/c1/item", "localhost:9");
        assert!(
            r.wire_headers()
                .get("access-control-allow-origin")
                .is_none()
        );
    }
}
