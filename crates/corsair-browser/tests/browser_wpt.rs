//! The browser model against web-platform-tests: the data of the WPT files listed in
//! the research notes (spec-security.md §4), transcribed into tables. Only the vectors
//! and expectations are transcribed; the harness (XHR, `fetch()`, wptserve handlers) is
//! replaced by the model and by small Rust stand-ins for the Python handlers.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::type_complexity,
    missing_docs
)]

use std::time::Duration;

use corsair_browser::{
    self as browser, Blocked, Credentials, PreflightCache, Profile, Readable, ScriptRequest,
    is_cors_safelisted_request_header,
};
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode, Uri};

/// The test page's origin (`location.origin`), on the default port so that the
/// `:80` row of `cors/origin.htm` is the default-port case.
const ORIGIN: &str = "http://web-platform.test";
/// `get_host_info().HTTP_REMOTE_ORIGIN`.
const REMOTE: &str = "http://www1.web-platform.test";
/// `get_host_info().HTTP_ORIGIN_WITH_DIFFERENT_PORT`.
const OTHER_PORT: &str = "http://web-platform.test:8001";

fn method(m: &str) -> Method {
    Method::from_bytes(m.as_bytes()).unwrap()
}

fn uri(s: &str) -> Uri {
    s.parse().unwrap()
}

fn names(headers: &HeaderMap) -> Vec<String> {
    headers.keys().map(|k| k.as_str().to_owned()).collect()
}

// ---------------------------------------------------------------------------------
// WPT cors/origin.htm: Access-Control-Allow-Origin values, XHR without credentials.
// ---------------------------------------------------------------------------------

/// Values built from `location.protocol + "//" + location.host`, with `host` =
/// `web-platform.test`, `SUBDOMAIN` = `www`, `CROSSDOMAIN` = the remote `cors/` directory.
fn origin_htm_should_pass() -> Vec<Vec<u8>> {
    let o = ORIGIN;
    [
        "*".to_owned(),
        " *  ".to_owned(),
        "\t*".to_owned(),
        o.to_owned(),
        format!(" {o}"),
        format!(" {o}   \t "),
        format!("\t{o}"),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

fn origin_htm_should_fail() -> Vec<Vec<u8>> {
    let o = ORIGIN;
    let host = "web-platform.test";
    let parent = "test"; // location.host.replace(/^[^\.]+\./, "")
    [
        format!("http://www.{host}"),
        format!("//{host}"),
        format!("://{host}"),
        format!("ftp://{host}"),
        format!("http:://{host}"),
        format!("http:/{host}"),
        format!("http:{host}"),
        host.to_owned(),
        format!("{o}?"),
        format!("{o}/"),
        format!("{o} /"),
        format!("{o}#"),
        format!("{o}%23"),
        format!("{o}:80"),
        format!("{o}, *"),
        format!("{o}\0"),
        o.to_uppercase(),
        format!("HTTP://{host}"),
        "-".to_owned(),
        "**".to_owned(),
        "\0*".to_owned(),
        "*\0".to_owned(),
        "'*'".to_owned(),
        "\"*\"".to_owned(),
        "* *".to_owned(),
        "* null".to_owned(),
        "*http://*".to_owned(),
        format!("*{o}"),
        format!("* {o}"),
        format!("*, {o}"),
        format!("\0{o}"),
        format!("null {o}"),
        "http://example.net".to_owned(),
        "null".to_owned(),
        "null *".to_owned(),
        String::new(),
        format!("{o}/cors/origin.htm"),
        format!("{o}/cors/"),
        format!("{REMOTE}/cors/"),
        parent.to_owned(),
        format!(".{parent}"),
        format!("*.{parent}"),
        format!("http://{parent}"),
        format!("http://.{parent}"),
        format!("http://*.{parent}"),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

/// The XHR of origin.htm: a GET to the remote `cors-makeheader.py`, credentials mode
/// `same-origin` (no `withCredentials`).
fn origin_htm_request() -> ScriptRequest {
    ScriptRequest::new(
        ORIGIN,
        Method::GET,
        uri(&format!("{REMOTE}/cors/resources/cors-makeheader.py")),
    )
    .unwrap()
}

/// Whether the XHR succeeds when cors-makeheader.py answers with these ACAO values.
fn allow_origin_passes(values: &[&[u8]]) -> bool {
    let mut headers = HeaderMap::new();
    for value in values {
        // A NUL byte cannot be in a header value: the browser's HTTP parser fails the
        // response before any CORS check, and `http` refuses to build it.
        let Ok(value) = HeaderValue::from_bytes(value) else {
            assert!(value.contains(&0), "{value:?}");
            return false;
        };
        headers.append("access-control-allow-origin", value);
    }
    browser::judge_response(&origin_htm_request(), StatusCode::OK, &headers).is_ok()
}

#[test]
fn wpt_cors_origin_htm_allow_origin_values() {
    let pass = origin_htm_should_pass();
    let fail = origin_htm_should_fail();
    for value in &pass {
        assert!(
            allow_origin_passes(&[value]),
            "should pass: {:?}",
            String::from_utf8_lossy(value)
        );
    }
    for value in &fail {
        assert!(
            !allow_origin_passes(&[value]),
            "should fail: {:?}",
            String::from_utf8_lossy(value)
        );
    }
    assert_eq!((pass.len(), fail.len()), (7, 45));
}

#[test]
fn wpt_cors_origin_htm_double_origin() {
    // doubleOrigin(origin, origin2): two Access-Control-Allow-Origin headers always fail.
    let o = ORIGIN.as_bytes();
    let rows: [(&[u8], &[u8]); 6] = [
        (b"", b"*"),
        (b"*", b""),
        (b"*", b"*"),
        (b"", o),
        (b"*", o),
        (o, o),
    ];
    for (first, second) in rows {
        assert!(
            !allow_origin_passes(&[first, second]),
            "{first:?} {second:?}"
        );
    }
}

// ---------------------------------------------------------------------------------
// WPT cors/cors-safelisted-request-header.any.js: `fetch(url, {method: "POST",
// headers, body: "data"})`; the string body adds `Content-Type: text/plain;charset=UTF-8`
// unless the headers set one.
// ---------------------------------------------------------------------------------

/// `[value, preflight]` rows for `content-type`.
const SAFELIST_CONTENT_TYPE: &[(&[u8], bool)] = &[
    (b"text /plain", true),
    (b"text\t/\tplain", true),
    (b"text/plain;", false),
    (b"text/plain;garbage", false),
    (b"text/plain;garbage\x01\x02", true),
    (b"text/plain,", true),
    (b",text/plain", true),
    (b"text/plain,text/plain", true),
    (b"text/plain,x/x", true),
    (b"text/plain\x0b", true),
    (b"text/plain\x0c", true),
    (b"application/www-form-urlencoded", true),
    (b"application/x-www-form-urlencoded;\x7f", true),
    (b"multipart/form-data", false),
    (b"multipart/form-data;\"", true),
];

/// `[value, preflight]` rows for `range`.
fn safelist_range() -> Vec<(Vec<u8>, bool)> {
    let rows: &[(&str, bool)] = &[
        ("100-200", true),
        ("MB=100-200", true),
        ("bytes=100-200", false),
        ("bytes =100-200", true),
        ("bytes\t=100-200", true),
        ("bytes=  100-200", true),
        ("bytes=\t\t100-200", true),
        ("bytes= \t100-200", true),
        ("bytes=100 -200", true),
        ("bytes=100\t-200", true),
        ("bytes=100- 200", true),
        ("bytes=100-\t200", true),
        ("bytes=100-200hello", true),
        ("bytes=abc-def", true),
        ("bytes=100-200,300-400", true),
        ("bytes=-200", true),
        ("bytes=200-", false),
        ("bytes=200-100", true),
        ("bytes 100-200", true),
        ("bytes = 100-200", true),
        (",bytes=100-200", true),
        ("bytes=,100-200", true),
    ];
    let mut rows: Vec<(Vec<u8>, bool)> = rows
        .iter()
        .map(|(v, p)| (v.as_bytes().to_vec(), *p))
        .collect();
    // [`bytes=1${'0'.repeat(60)}-2${'0'.repeat(60)}`, true]
    rows.push((
        format!("bytes=1{}-2{}", "0".repeat(60), "0".repeat(60)).into_bytes(),
        true,
    ));
    rows
}

/// `[value, preflight]` rows for `last-event-id`. Last-Event-ID left the safelist in
/// 2019: the current file expects a preflight for every value (older versions of the
/// file expected none for `abc123`).
const SAFELIST_LAST_EVENT_ID: &[(&[u8], bool)] = &[
    (b"abc123", true),
    (b"\"", true),
    (b"e5p3n<3k0k0s", true),
    (
        b"012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678",
        true,
    ),
];

/// The POST of the test, when `http` can carry the value.
fn safelist_request(name: &str, value: &[u8]) -> Option<ScriptRequest> {
    let value = HeaderValue::from_bytes(value).ok()?;
    let mut request = ScriptRequest::new(
        ORIGIN,
        Method::POST,
        uri(&format!("{REMOTE}/cors/resources/preflight.py")),
    )
    .unwrap()
    .with_header(HeaderName::from_bytes(name.as_bytes()).unwrap(), value);
    if !name.eq_ignore_ascii_case("content-type") {
        request = request
            .header("content-type", "text/plain;charset=UTF-8")
            .unwrap();
    }
    Some(request)
}

fn check_safelist_rows(name: &str, rows: &[(Vec<u8>, bool)]) -> usize {
    let mut through_requests = 0;
    for (value, preflight) in rows {
        let shown = String::from_utf8_lossy(value);
        assert_eq!(
            !is_cors_safelisted_request_header(name.as_bytes(), value),
            *preflight,
            "{name}: {shown:?}"
        );
        // Headers.append strips leading and trailing HTTP whitespace; none of these
        // values has any, so the request carries the value as written.
        if let Some(request) = safelist_request(name, value) {
            through_requests += 1;
            assert_eq!(
                browser::plan(&request).preflight.is_some(),
                *preflight,
                "{name}: {shown:?}"
            );
        }
    }
    through_requests
}

#[test]
fn wpt_cors_safelisted_request_header() {
    let owned = |rows: &[(&[u8], bool)]| -> Vec<(Vec<u8>, bool)> {
        rows.iter().map(|(v, p)| (v.to_vec(), *p)).collect()
    };
    let n = check_safelist_rows("content-type", &owned(SAFELIST_CONTENT_TYPE))
        + check_safelist_rows("range", &safelist_range())
        + check_safelist_rows("last-event-id", &owned(SAFELIST_LAST_EVENT_ID));
    // Rows with control bytes other than tab cannot be built as `http` headers.
    assert_eq!(
        n,
        SAFELIST_CONTENT_TYPE.len() - 4 + 23 + SAFELIST_LAST_EVENT_ID.len()
    );
}

// WPT fetch/api/cors/resources/not-cors-safelisted.json (used by
// fetch/api/cors/cors-preflight-not-cors-safelisted.any.js): each pair must preflight.
const NOT_CORS_SAFELISTED: &[(&str, &[u8])] = &[
    ("accept", b"\""),
    (
        "accept",
        b"012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678",
    ),
    ("accept-language", b"\x01"),
    ("accept-language", b"@"),
    ("authorization", b"basics"),
    ("content-language", b"\x01"),
    ("content-language", b"@"),
    ("content-type", b"text/html"),
    (
        "content-type",
        b"text/plain; long=0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901",
    ),
    ("last-event-id", b"\""),
    (
        "last-event-id",
        b"012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678",
    ),
    ("range", b"bytes 0-"),
    ("test", b"hi"),
];

#[test]
fn wpt_not_cors_safelisted_json() {
    for (name, value) in NOT_CORS_SAFELISTED {
        assert!(
            !is_cors_safelisted_request_header(name.as_bytes(), value),
            "{name}: {value:?}"
        );
        if let Ok(value) = HeaderValue::from_bytes(value) {
            let request = ScriptRequest::new(ORIGIN, Method::GET, uri(&format!("{REMOTE}/x")))
                .unwrap()
                .with_header(HeaderName::from_static(name), value);
            let preflight = browser::plan(&request).preflight.unwrap();
            assert_eq!(
                preflight.headers()["access-control-request-headers"],
                *name,
                "the preflight asks for {name}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------
// A stand-in for WPT fetch/api/resources/preflight.py (its query parameters become
// fields), the server of the fetch/api/cors tests.
// ---------------------------------------------------------------------------------

#[derive(Default, Clone)]
struct PreflightPy {
    /// `origin=`: each ", "-separated value becomes an ACAO header; absent: `*`.
    origin: Option<String>,
    /// `credentials`: ACAC `true`.
    credentials: bool,
    allow_methods: Option<String>,
    allow_headers: Option<String>,
    max_age: Option<String>,
    preflight_status: Option<u16>,
    /// For cors-preflight-redirect.any.js: answer the preflight with a redirect.
    preflight_location: Option<String>,
}

impl PreflightPy {
    fn serve(&self, request: &http::Request<()>) -> (StatusCode, HeaderMap) {
        let mut h = HeaderMap::new();
        let mut add = |name: &str, value: &str| {
            h.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        };
        add("content-type", "text/plain");
        match &self.origin {
            Some(origins) => origins
                .split(", ")
                .for_each(|o| add("access-control-allow-origin", o)),
            None => add("access-control-allow-origin", "*"),
        }
        if self.credentials {
            add("access-control-allow-credentials", "true");
        }
        if request.method() == Method::OPTIONS {
            if !request
                .headers()
                .contains_key("access-control-request-method")
            {
                return (StatusCode::BAD_REQUEST, h);
            }
            if let Some(v) = &self.max_age {
                add("access-control-max-age", v);
            }
            if let Some(v) = &self.allow_headers {
                add("access-control-allow-headers", v);
            }
            if let Some(v) = &self.allow_methods {
                add("access-control-allow-methods", v);
            }
            if let Some(location) = &self.preflight_location {
                add("location", location);
            }
            let status = StatusCode::from_u16(self.preflight_status.unwrap_or(200)).unwrap();
            return (status, h);
        }
        add(
            "access-control-expose-headers",
            "x-did-preflight, x-control-request-headers, x-referrer, x-preflight-referrer, x-origin",
        );
        let origin = request
            .headers()
            .get("origin")
            .map_or("", |o| o.to_str().unwrap());
        add("x-origin", origin);
        (StatusCode::OK, h)
    }
}

/// Runs a fetch against a server, recording what the browser sent.
fn run(
    request: ScriptRequest,
    mut server: impl FnMut(&http::Request<()>) -> (StatusCode, HeaderMap),
) -> (Result<Readable, Blocked>, Vec<http::Request<()>>) {
    let mut sent = Vec::new();
    let result = browser::fetch(
        request,
        &mut PreflightCache::default(),
        Duration::ZERO,
        |r| {
            sent.push(r.clone());
            server(r)
        },
    );
    (result, sent)
}

fn preflights(sent: &[http::Request<()>]) -> Vec<&http::Request<()>> {
    sent.iter()
        .filter(|r| r.method() == Method::OPTIONS)
        .collect()
}

// ---------------------------------------------------------------------------------
// WPT fetch/api/cors/cors-preflight-star.any.js: preflightTest(succeeds,
// withCredentials, allowMethod, allowHeader, useMethod, useHeader).
// ---------------------------------------------------------------------------------

type StarRow = (
    bool,
    bool,
    &'static str,
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
);

fn preflight_star_rows() -> Vec<StarRow> {
    let x_test = Some(("X-Test", "1"));
    let mut rows: Vec<StarRow> = vec![
        (true, false, "get", "x-test", "GET", x_test),
        (true, false, "*", "x-test", "SUPER", x_test),
        (true, false, "*", "*", "OK", x_test),
        (false, true, "*", "*", "OK", x_test),
        (false, true, "*", "", "PUT", None),
        (false, true, "get", "*", "GET", x_test),
        (false, true, "*", "*", "GET", x_test),
        // Exact character match works even for "*" with credentials.
        (true, true, "*", "*", "*", Some(("*", "1"))),
        // Rows of an earlier version of the file.
        (
            true,
            true,
            "OK",
            "Content-Type",
            "GET",
            Some(("Content-Type", "uni/corn")),
        ),
        (true, true, "", "*", "get", None),
        (false, true, "put", "*", "PUT", None),
        (true, true, "PUT", "*", "PUT", Some(("Accept", "unicorn"))),
        (true, true, "PUT", "*", "PUT", None),
    ];
    // GET, HEAD, POST are safelisted: they pass whatever the case on either side.
    for (upper, lower) in [("GET", "get"), ("HEAD", "head"), ("POST", "post")] {
        rows.push((true, true, upper, "*", upper, None));
        rows.push((true, true, upper, "*", lower, None));
        rows.push((true, true, lower, "*", upper, None));
        rows.push((true, true, lower, "*", lower, None));
    }
    // DELETE and PUT are normalized in the request, never in the response.
    for (upper, lower) in [("DELETE", "delete"), ("PUT", "put")] {
        rows.push((true, true, upper, "*", upper, None));
        rows.push((true, true, upper, "*", lower, None));
        rows.push((false, true, lower, "*", upper, None));
        rows.push((false, true, lower, "*", lower, None));
    }
    // PATCH is not normalized: both sides compare byte for byte.
    rows.extend([
        (true, true, "PATCH", "*", "PATCH", None),
        (false, true, "PATCH", "*", "patch", None),
        (false, true, "patch", "*", "PATCH", None),
        (true, true, "patch", "*", "patch", None),
    ]);
    // "Authorization" can't be wildcarded.
    let authorization = Some(("Authorization", "123"));
    rows.extend([
        (false, false, "*", "*", "POST", authorization),
        (true, false, "*", "*, Authorization", "POST", authorization),
    ]);
    rows
}

#[test]
fn wpt_cors_preflight_star() {
    let rows = preflight_star_rows();
    for &(succeeds, with_credentials, allow_method, allow_header, use_method, use_header) in &rows {
        // The WPT file asserts the Fetch Standard's text; Chromium (the model's default
        // profile) lets `*` cover `Authorization`, and so differs on one row.
        let mut request = ScriptRequest::new(
            ORIGIN,
            method(use_method),
            uri(&format!("{REMOTE}/fetch/api/cors/resources/preflight.py")),
        )
        .unwrap()
        .with_profile(Profile::Spec);
        if let Some((name, value)) = use_header {
            request = request.header(name, value).unwrap();
        }
        let wildcard_authorization = !with_credentials
            && allow_header == "*"
            && use_header.is_some_and(|(n, _)| n.eq_ignore_ascii_case("authorization"));
        let mut server = PreflightPy {
            allow_methods: Some(allow_method.to_owned()),
            allow_headers: Some(allow_header.to_owned()),
            ..PreflightPy::default()
        };
        if with_credentials {
            request = request.with_credentials(Credentials::Include);
            server.origin = Some(ORIGIN.to_owned());
            server.credentials = true;
        }
        let chromium_request = request.clone().with_profile(Profile::Chromium);
        let (result, _) = run(request, |r| server.serve(r));
        let ok = result.is_ok_and(|r| r.headers().get("x-origin").is_some_and(|o| o == ORIGIN));
        assert_eq!(
            ok, succeeds,
            "credentials: {with_credentials}; method: {use_method} (allowed: {allow_method}); header: {use_header:?} (allowed: {allow_header})"
        );
        let (result, _) = run(chromium_request, |r| server.serve(r));
        let ok = result.is_ok_and(|r| r.headers().get("x-origin").is_some_and(|o| o == ORIGIN));
        assert_eq!(
            ok,
            succeeds || wildcard_authorization,
            "chromium: {use_header:?} (allowed: {allow_header})"
        );
    }
    assert_eq!(rows.len(), 39);
}

// ---------------------------------------------------------------------------------
// WPT fetch/api/cors/cors-preflight-status.any.js: the preflight is forced with
// `x-force-preflight: ""`, allowed by allow_headers; ok statuses pass.
// ---------------------------------------------------------------------------------

#[test]
fn wpt_cors_preflight_status() {
    let statuses = [
        200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 305, 306, 307, 308, 400, 401,
        402, 403, 404, 405, 501, 502, 503, 504, 505,
    ];
    for status in statuses {
        let request = ScriptRequest::new(
            ORIGIN,
            Method::GET,
            uri(&format!("{REMOTE}/fetch/api/cors/resources/preflight.py")),
        )
        .unwrap()
        .header("x-force-preflight", "")
        .unwrap();
        let server = PreflightPy {
            allow_headers: Some("x-force-preflight".into()),
            max_age: Some("0".into()),
            preflight_status: Some(status),
            ..PreflightPy::default()
        };
        let (result, sent) = run(request, |r| server.serve(r));
        assert_eq!(preflights(&sent).len(), 1, "{status}");
        if (200..=299).contains(&status) {
            let readable = result.unwrap();
            assert_eq!(readable.status(), StatusCode::OK);
        } else {
            assert_eq!(
                result.unwrap_err(),
                Blocked::PreflightStatus(StatusCode::from_u16(status).unwrap()),
                "{status}"
            );
        }
    }
}

// WPT fetch/api/cors/cors-preflight-redirect.any.js: a redirected preflight fails.
#[test]
fn wpt_cors_preflight_redirect() {
    for status in [301, 302, 303, 307, 308] {
        let request = ScriptRequest::new(
            ORIGIN,
            Method::GET,
            uri(&format!("{REMOTE}/fetch/api/resources/redirect.py")),
        )
        .unwrap()
        .header("x-force-preflight", "")
        .unwrap();
        let server = PreflightPy {
            allow_headers: Some("x-force-preflight".into()),
            preflight_status: Some(status),
            preflight_location: Some(format!("{REMOTE}/fetch/api/resources/preflight.py")),
            ..PreflightPy::default()
        };
        let (result, sent) = run(request, |r| server.serve(r));
        assert_eq!(sent.len(), 1, "only the preflight is sent");
        assert_eq!(result.unwrap_err().code(), "preflight-redirect", "{status}");
    }
}

// WPT fetch/api/cors/cors-preflight-response-validation.any.js.
#[test]
fn wpt_cors_preflight_response_validation() {
    let rows = [
        (
            Some("header name with space"),
            None,
            "invalid-allow-headers",
        ),
        (None, Some("Bad method name"), "invalid-allow-methods"),
    ];
    for (allow_headers, allow_methods, code) in rows {
        let request = ScriptRequest::new(
            ORIGIN,
            Method::GET,
            uri(&format!("{REMOTE}/fetch/api/cors/resources/preflight.py")),
        )
        .unwrap()
        .header("x-force-preflight", "")
        .unwrap();
        let server = PreflightPy {
            allow_headers: Some(match allow_headers {
                Some(h) => format!("x-force-preflight,{h}"),
                None => "x-force-preflight".into(),
            }),
            allow_methods: allow_methods.map(str::to_owned),
            max_age: Some("0".into()),
            ..PreflightPy::default()
        };
        let (result, _) = run(request, |r| server.serve(r));
        assert_eq!(result.unwrap_err().code(), code);
    }
}

// ---------------------------------------------------------------------------------
// WPT fetch/api/cors/cors-preflight.any.js with resources/corspreflight.js: the
// preflight asks for `headerNames(headers).sort().join(",")`, and for nothing when only
// safelisted headers are used.
// ---------------------------------------------------------------------------------

#[test]
fn wpt_cors_preflight_request_headers() {
    let headers: &[(&str, &str)] = &[
        ("x-test-header1", "allowedOrRefused"),
        ("x-test-header2", "allowedOrRefused"),
        ("X-test-header3", "allowedOrRefused"),
        ("x-test-header-b", "allowedOrRefused"),
        ("x-test-header-D", "allowedOrRefused"),
        ("x-test-header-C", "allowedOrRefused"),
        ("x-test-header-a", "allowedOrRefused"),
        ("Content-Type", "allowedOrRefused"),
    ];
    let safe_headers: &[(&str, &str)] = &[
        ("Accept", "*"),
        ("Accept-Language", "bzh"),
        ("Content-Language", "eu"),
    ];
    let one: &[(&str, &str)] = &[("x-test-header1", "allowed")];
    // corsPreflight(desc, corsUrl, method, allowed, headers, safeHeaders)
    let rows: Vec<(&str, bool, Option<&[(&str, &str)]>, Option<&[(&str, &str)]>)> = vec![
        ("DELETE", true, None, None),
        ("DELETE", false, None, None),
        ("PUT", true, None, None),
        ("PUT", false, None, None),
        ("PATCH", true, None, None),
        ("PATCH", false, None, None),
        ("NEW", true, None, None),
        ("NEW", false, None, None),
        ("GET", true, Some(one), None),
        ("GET", false, Some(one), None),
        ("GET", true, Some(headers), Some(safe_headers)),
        ("GET", false, Some(headers), Some(safe_headers)),
        ("PUT", true, Some(headers), Some(safe_headers)),
        ("PUT", false, Some(headers), Some(safe_headers)),
        ("PUT", true, None, Some(safe_headers)),
    ];
    for (use_method, allowed, headers, safe_headers) in rows {
        let mut request = ScriptRequest::new(
            ORIGIN,
            method(use_method),
            uri(&format!("{REMOTE}/fetch/api/cors/resources/preflight.py")),
        )
        .unwrap();
        for (name, value) in headers
            .unwrap_or(&[])
            .iter()
            .chain(safe_headers.unwrap_or(&[]))
        {
            request = request.header(name, value).unwrap();
        }
        // headerNames(headers): lowercased names, in the order given.
        let header_names: Vec<String> = headers
            .unwrap_or(&[])
            .iter()
            .map(|(n, _)| n.to_lowercase())
            .collect();
        let mut server = PreflightPy::default();
        if allowed {
            server.allow_methods = Some(use_method.to_owned());
            if headers.is_some() {
                server.allow_headers = Some(header_names.join(" ,"));
            }
        }
        let (result, sent) = run(request, |r| server.serve(r));
        assert_eq!(result.is_ok(), allowed, "{use_method} {headers:?}");
        let preflight = preflights(&sent);
        assert_eq!(preflight.len(), 1, "{use_method} {headers:?}");
        let requested = preflight[0].headers().get("access-control-request-headers");
        if headers.is_some() {
            let mut expected = header_names.clone();
            expected.sort();
            assert_eq!(requested.unwrap(), &expected.join(","));
        } else {
            assert!(requested.is_none(), "{use_method}");
        }
        assert_eq!(
            preflight[0].headers()["access-control-request-method"],
            use_method
        );
        assert_eq!(preflight[0].headers()["accept"], "*/*");
        assert_eq!(preflight[0].headers()["origin"], ORIGIN);
    }
}

// ---------------------------------------------------------------------------------
// WPT fetch/api/cors/cors-redirect.any.js: redirect.py (which echoes Origin with
// credentials, or answers `*`) redirects to preflight.py; the Origin preflight.py sees.
// ---------------------------------------------------------------------------------

fn redirect_py(
    request: &http::Request<()>,
    status: u16,
    location: &str,
) -> (StatusCode, HeaderMap) {
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static("text/plain"));
    match request.headers().get("origin") {
        Some(origin) => {
            h.insert("access-control-allow-origin", origin.clone());
            h.insert(
                "access-control-allow-credentials",
                HeaderValue::from_static("true"),
            );
        }
        None => {
            h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        }
    }
    h.insert("location", HeaderValue::from_str(location).unwrap());
    (StatusCode::from_u16(status).unwrap(), h)
}

#[test]
fn wpt_cors_redirect_origin() {
    let redirect = "/fetch/api/resources/redirect.py";
    let preflight = "/fetch/api/cors/resources/preflight.py";
    let local_redirect = format!("{ORIGIN}{redirect}");
    let remote_redirect = format!("{REMOTE}{redirect}");
    let local_location = format!("{ORIGIN}{preflight}");
    let remote_location = format!("{REMOTE}{preflight}");
    let remote_location2 = format!("{OTHER_PORT}{preflight}");
    // corsRedirect(desc, redirectUrl, redirectLocation, redirectStatus, expectedOrigin)
    let shapes = [
        (
            "cors to same cors",
            &remote_redirect,
            &remote_location,
            ORIGIN,
        ),
        (
            "cors to another cors",
            &remote_redirect,
            &remote_location2,
            "null",
        ),
        (
            "same origin to cors",
            &local_redirect,
            &remote_location,
            ORIGIN,
        ),
        (
            "cors to same origin",
            &remote_redirect,
            &local_location,
            "null",
        ),
    ];
    let mut rows = 0;
    for code in [301, 302, 303, 307, 308] {
        for (desc, url, location, expected_origin) in &shapes {
            let request = ScriptRequest::new(ORIGIN, Method::GET, uri(url)).unwrap();
            let (result, sent) = run(request, |r| {
                if r.uri().path() == redirect {
                    redirect_py(r, code, location)
                } else {
                    PreflightPy::default().serve(r)
                }
            });
            let readable = result.unwrap_or_else(|e| panic!("{code} {desc}: {e}"));
            assert_eq!(readable.status(), StatusCode::OK, "{code} {desc}");
            assert!(preflights(&sent).is_empty(), "{code} {desc}: no preflight");
            assert_eq!(
                readable.headers()["x-origin"],
                *expected_origin,
                "{code} {desc}"
            );
            rows += 1;
        }
    }
    assert_eq!(rows, 20);
}

// ---------------------------------------------------------------------------------
// WPT fetch/api/cors/cors-expose-star.js: top.txt served with
// `Access-Control-Expose-Headers: *`, `Test: X`, `Set-Cookie: X`, `*: whoa`.
// ---------------------------------------------------------------------------------

#[test]
fn wpt_cors_expose_star() {
    let url = uri(&format!("{REMOTE}/fetch/api/resources/top.txt"));
    let shared: &[(&str, &str)] = &[
        ("content-type", "text/plain"),
        ("access-control-expose-headers", "*"),
        ("test", "X"),
        ("set-cookie", "X"),
        ("*", "whoa"),
    ];
    let response = |extra: &[(&str, &str)]| {
        let mut h = HeaderMap::new();
        for (n, v) in shared.iter().chain(extra) {
            h.append(
                HeaderName::from_bytes(n.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    };

    // "Basic Access-Control-Expose-Headers: * support"
    let request = ScriptRequest::new(ORIGIN, Method::GET, url.clone()).unwrap();
    let readable = browser::judge_response(
        &request,
        StatusCode::OK,
        &response(&[("access-control-allow-origin", "*")]),
    )
    .unwrap();
    assert!(readable.is_cors());
    assert_eq!(readable.headers()["test"], "X");
    assert!(readable.headers().get("set-cookie").is_none());
    assert_eq!(readable.headers()["*"], "whoa");

    // "* for credentialed fetches only matches literally"
    let request = request.with_credentials(Credentials::Include);
    let readable = browser::judge_response(
        &request,
        StatusCode::OK,
        &response(&[
            ("access-control-allow-origin", ORIGIN),
            ("access-control-allow-credentials", "true"),
        ]),
    )
    .unwrap();
    assert_eq!(readable.headers()["content-type"], "text/plain");
    assert!(readable.headers().get("test").is_none());
    assert!(readable.headers().get("set-cookie").is_none());
    assert_eq!(readable.headers()["*"], "whoa");

    // "* can be one of several values"
    let request = ScriptRequest::new(ORIGIN, Method::GET, url).unwrap();
    let mut h = HeaderMap::new();
    for (n, v) in [
        ("access-control-allow-origin", "*"),
        ("access-control-expose-headers", "*"),
        ("access-control-expose-headers", "set-cookie"),
        ("test", "X"),
        ("set-cookie", "X"),
    ] {
        h.append(n, HeaderValue::from_static(v));
    }
    let readable = browser::judge_response(&request, StatusCode::OK, &h).unwrap();
    assert_eq!(readable.headers()["test"], "X");
    assert!(readable.headers().get("set-cookie").is_none());
    // Without credentials `*` exposes every header but Set-Cookie.
    let mut visible = names(readable.headers());
    visible.sort();
    assert_eq!(
        visible,
        [
            "access-control-allow-origin",
            "access-control-expose-headers",
            "test"
        ]
    );
}
