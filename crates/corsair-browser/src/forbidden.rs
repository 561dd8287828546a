//! What `fetch()` and `Headers` refuse from a script: the forbidden methods, and the
//! forbidden request headers (Fetch's name list, and the method-override headers that
//! name a forbidden method).

use corsair::fetch::is_forbidden_method;
use http::header::{HeaderName, HeaderValue};

/// Whether `Headers` drops this header: Fetch `#forbidden-request-header`.
///
/// ```
/// use corsair_browser::is_forbidden_request_header;
/// use http::header::{HeaderName, HeaderValue};
/// let name = |n| HeaderName::from_static(n);
/// let value = |v| HeaderValue::from_static(v);
/// assert!(is_forbidden_request_header(&name("cookie"), &value("a=1")));
/// assert!(is_forbidden_request_header(&name("sec-ch-ua"), &value("x")));
/// assert!(is_forbidden_request_header(&name("x-http-method-override"), &value("GET, trace")));
/// assert!(!is_forbidden_request_header(&name("x-http-method-override"), &value("PATCH")));
/// assert!(!is_forbidden_request_header(&name("authorization"), &value("Bearer x")));
/// ```
pub fn is_forbidden_request_header(name: &HeaderName, value: &HeaderValue) -> bool {
    // Header names are lowercase in the `http` crate.
    let name = name.as_str();
    if corsair::fetch::is_fetch_forbidden_name(name) {
        return true;
    }
    if matches!(
        name,
        "x-http-method" | "x-http-method-override" | "x-method-override"
    ) {
        return get_decode_split(value.as_bytes())
            .iter()
            .any(|m| is_forbidden_method(m));
    }
    false
}

/// Fetch's "get, decode, and split" of one value: split on commas outside double
/// quotes, strip HTTP tab-or-space around each part; quotes and backslashes stay.
fn get_decode_split(value: &[u8]) -> Vec<String> {
    let mut values = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let mut escaped = false;
    for &b in value {
        let c = char::from(b);
        if in_quotes {
            current.push(c);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_quotes = false;
            }
            continue;
        }
        match b {
            b'"' => {
                in_quotes = true;
                current.push(c);
            }
            b',' => values.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    values.push(current);
    values
        .into_iter()
        .map(|v| v.trim_matches(['\t', ' ']).to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting_respects_quotes() {
        assert_eq!(get_decode_split(b"a, b ,c"), ["a", "b", "c"]);
        assert_eq!(get_decode_split(b"\"a,b\", c"), ["\"a,b\"", "c"]);
        assert_eq!(get_decode_split(b"\"a\\\",b\",c"), ["\"a\\\",b\"", "c"]);
        assert_eq!(get_decode_split(b""), [""]);
    }
}
