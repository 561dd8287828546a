//! The seeded differential: cases whose request and whose server answers are drawn from
//! a seed, so that Chromium and the browser model meet combinations nobody wrote by
//! hand. The case side ([`step`]) and the application side ([`answer`], under the route
//! `raw`, where corsair is off) draw from the same seed, so a case's URL
//! (`/raw/<case>/seeded/<seed>`) says everything about it.

use corsair_browser::Credentials;
use http::{Method, StatusCode};

use crate::cases::{Api, Step};

/// How many seeded cases run per adapter.
pub const COUNT: u64 = 300;

/// The `n`-th number of the stream of `seed` (SplitMix64): the same on every run.
pub fn draw(seed: u64, n: u64) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(n.wrapping_add(1).wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One of `items`, by the `n`-th draw of `seed`.
fn pick<T: Copy>(seed: u64, n: u64, items: &[T]) -> Option<T> {
    let len = u64::try_from(items.len()).ok()?;
    let index = usize::try_from(draw(seed, n) % len.max(1)).ok()?;
    items.get(index).copied()
}

/// The script's request of seeded case `seed`: method, headers, credentials and API.
pub fn step(seed: u64) -> Step {
    let method = pick(seed, 0, &["GET", "GET", "POST", "PUT", "DELETE"]).unwrap_or("GET");
    let api = pick(seed, 1, &[Api::Fetch, Api::Fetch, Api::Xhr]).unwrap_or(Api::Fetch);
    let credentials = pick(
        seed,
        2,
        &[
            Credentials::SameOrigin,
            Credentials::Include,
            Credentials::Omit,
        ],
    )
    .unwrap_or_default();
    let mut step = Step::fetch(method, "raw").what(format!("seeded/{seed}"));
    step.credentials = credentials;
    let headers: [(&'static str, &'static str); 6] = [
        ("x-custom", "1"),
        ("authorization", "Bearer t"),
        ("save-data", "on"),
        ("range", "bytes=0-"),
        ("accept", "text/plain"),
        ("content-language", "en"),
    ];
    for (i, (name, value)) in (3u64..).zip(headers) {
        // Each header with probability 1/4.
        if draw(seed, i) % 4 == 0 {
            step = step.header(name, value);
        }
    }
    if matches!(method, "POST" | "PUT") {
        step = step.body("x");
        if draw(seed, 9) % 2 == 0 {
            step = step.header("content-type", "application/json");
        }
    }
    step.with_api(api)
}

/// The application's answer under `/raw/<case>/seeded/<seed>`: CORS headers drawn from
/// the seed, a preflight's (`OPTIONS`) apart from the actual request's. `origin` is the
/// request's `Origin`, which some answers echo.
pub fn answer(
    seed: u64,
    method: &Method,
    origin: Option<&str>,
) -> (StatusCode, Vec<(&'static str, String)>) {
    let preflight = *method == Method::OPTIONS;
    // Draws 20-39 for preflights, 40-59 for the rest.
    let base = if preflight { 20 } else { 40 };
    let mut headers = Vec::new();
    let echo = origin.unwrap_or("null").to_owned();
    let allow_origin = match draw(seed, base) % 10 {
        0..=4 => Some(echo),
        5..=7 => Some("*".to_owned()),
        8 => None,
        _ => Some("http://elsewhere.example".to_owned()),
    };
    if let Some(value) = allow_origin {
        headers.push(("access-control-allow-origin", value));
    }
    match draw(seed, base + 1) % 5 {
        0 | 1 => headers.push(("access-control-allow-credentials", "true".to_owned())),
        2 => headers.push(("access-control-allow-credentials", "True".to_owned())),
        _ => {}
    }
    if preflight {
        let methods = pick(
            seed,
            base + 2,
            &[
                None,
                Some("*"),
                Some("GET, POST, PUT, DELETE"),
                Some("PUT"),
                Some("DELETE, *"),
            ],
        )
        .flatten();
        if let Some(methods) = methods {
            headers.push(("access-control-allow-methods", methods.to_owned()));
        }
        let names = pick(
            seed,
            base + 3,
            &[
                None,
                Some("*"),
                Some("x-custom"),
                Some("x-custom, authorization"),
                Some("*, authorization"),
                Some("authorization, x-custom, save-data, range, content-type, accept"),
            ],
        )
        .flatten();
        if let Some(names) = names {
            headers.push(("access-control-allow-headers", names.to_owned()));
        }
    } else if let Some(expose) = pick(seed, base + 4, &[None, Some("*"), Some("x-total")]).flatten()
    {
        headers.push(("access-control-expose-headers", expose.to_owned()));
    }
    let status = if preflight {
        pick(
            seed,
            base + 5,
            &[
                StatusCode::OK,
                StatusCode::NO_CONTENT,
                StatusCode::OK,
                StatusCode::FORBIDDEN,
            ],
        )
    } else {
        pick(
            seed,
            base + 5,
            &[StatusCode::OK, StatusCode::OK, StatusCode::NOT_FOUND],
        )
    }
    .unwrap_or(StatusCode::OK);
    (status, headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_stable_and_spread() {
        assert_eq!(draw(1, 0), draw(1, 0));
        assert_ne!(draw(1, 0), draw(2, 0));
        assert_ne!(draw(1, 0), draw(1, 1));
        let methods: std::collections::BTreeSet<_> = (0..COUNT).map(|s| step(s).method).collect();
        assert_eq!(methods.len(), 4, "{methods:?}");
        let (status, headers) = answer(3, &Method::OPTIONS, Some("http://a.example"));
        assert_eq!(
            answer(3, &Method::OPTIONS, Some("http://a.example")),
            (status, headers)
        );
    }
}
