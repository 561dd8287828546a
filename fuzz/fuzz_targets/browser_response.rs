//! The browser model's parsing of response headers: preflight answers, CORS checks,
//! exposed headers and redirects on arbitrary header bytes and statuses. Never panics,
//! and never lets through what the Fetch Standard blocks: a passing CORS check means
//! `Access-Control-Allow-Origin` was the origin (or `*` without credentials).
#![no_main]

use arbitrary::Arbitrary;
use corsair_browser::{
    Credentials, ScriptRequest, follow_redirect, judge_preflight, judge_response,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    status: u16,
    credentials: bool,
    method: u8,
    headers: Vec<(u8, Vec<u8>)>,
}

const NAMES: [&str; 10] = [
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "access-control-expose-headers",
    "location",
    "set-cookie",
    "x-custom",
    "content-type",
];

const ORIGIN: &str = "https://app.example";

fuzz_target!(|input: Input| {
    let Ok(status) = StatusCode::from_u16(input.status) else {
        return;
    };
    let mut headers = HeaderMap::new();
    for (name, value) in &input.headers {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.append(
                HeaderName::from_static(NAMES[usize::from(*name) % NAMES.len()]),
                value,
            );
        }
    }
    let method = [Method::GET, Method::PUT, Method::DELETE, Method::POST]
        [usize::from(input.method) % 4]
        .clone();
    let credentials = if input.credentials {
        Credentials::Include
    } else {
        Credentials::Omit
    };
    let Ok(request) = ScriptRequest::new(
        ORIGIN,
        method,
        Uri::from_static("https://api.example/items"),
    ) else {
        return;
    };
    let Ok(request) = request.header("x-custom", "1") else {
        return;
    };
    let request = request.with_credentials(credentials);

    let allow_origin: Vec<&[u8]> = headers
        .get_all("access-control-allow-origin")
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    let origin_ok = match allow_origin.as_slice() {
        [one] => {
            let trimmed = one.trim_ascii();
            trimmed == ORIGIN.as_bytes() || (trimmed == b"*" && !input.credentials)
        }
        _ => false,
    };
    if judge_preflight(&request, status, &headers).is_ok() {
        assert!(origin_ok && status.is_success());
    }
    if let Ok(readable) = judge_response(&request, status, &headers) {
        assert!(origin_ok);
        assert!(readable.headers().get("set-cookie").is_none());
    }
    let _ = follow_redirect(&request, status, &headers);
});
