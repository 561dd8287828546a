//! The lists of a policy: `allow_methods`, `allow_headers` and `expose_headers`, each
//! checked against the Fetch Standard and compiled.

use http::header::HeaderValue;

use super::ANY;
use crate::error::{Code, Diagnostics};
use crate::fetch::{self, CorsProtocolHeader};
use crate::headers::{AllowedHeaders, NameSet};
use crate::method::{self, AllowedMethods};

/// Checks `allow_methods` and compiles it: `*`, or the methods, normalized and sorted.
pub(super) fn compile_methods(
    list: Option<&[String]>,
    field: &str,
    diagnostics: &mut Diagnostics,
) -> AllowedMethods {
    let list = list.unwrap_or(&[]);
    if list.iter().any(|m| m == "*") {
        for (i, m) in list.iter().enumerate().filter(|(_, m)| *m != "*") {
            diagnostics.report(
                Code::RedundantEntry,
                &format!("{field}[{i}]"),
                format!("`{m}` is already allowed by `*`"),
            );
        }
        return AllowedMethods::Any;
    }
    let mut methods: Vec<Box<str>> = Vec::new();
    for (i, m) in list.iter().enumerate() {
        let entry_field = format!("{field}[{i}]");
        if !method::is_token(m.as_bytes()) {
            diagnostics.report(
                Code::InvalidMethod,
                &entry_field,
                format!("`{m}` is not a valid method name"),
            );
            continue;
        }
        if method::is_forbidden_method(m) {
            diagnostics.report(
                Code::ForbiddenMethod,
                &entry_field,
                format!("`{m}` is a forbidden method: browsers never let a script send it"),
            );
            continue;
        }
        let normalized = method::normalize(m);
        if normalized == *m && m.bytes().any(|b| b.is_ascii_lowercase()) {
            diagnostics.report_with_help(
                Code::CaseSensitiveMethod,
                &entry_field,
                format!("methods are case-sensitive, and browsers send `{m}` only when a script spells it so"),
                format!("write `{}` for the usual spelling", m.to_ascii_uppercase()),
            );
        }
        if methods.iter().any(|x| **x == *normalized) {
            diagnostics.report(
                Code::DuplicateEntry,
                &entry_field,
                format!("`{m}` is listed more than once"),
            );
            continue;
        }
        methods.push(normalized.into_boxed_str());
    }
    // Sorted: what corsair sends does not depend on the order of the declaration.
    methods.sort_unstable();
    AllowedMethods::List(methods)
}

/// Checks `allow_headers` and compiles it, with the full list that debug mode sends.
pub(super) fn compile_allow_headers(
    list: Option<&[String]>,
    field: &str,
    diagnostics: &mut Diagnostics,
) -> (AllowedHeaders, Option<HeaderValue>) {
    let list = list.unwrap_or(&[]);
    let names = checked_names(
        list,
        field,
        diagnostics,
        |name, entry_field, diagnostics| {
            if fetch::is_forbidden_request_header(name) {
                diagnostics.report_with_help(
                    Code::ForbiddenHeaderName,
                    entry_field,
                    format!("`{name}` is a forbidden request header (Fetch Standard): browsers set it themselves and never let a script set it, so no preflight asks for it"),
                    "remove it",
                );
                return false;
            }
            // Fetch does not forbid these names as request headers, but they are not
            // request headers of any use: a script that sends them is mistaken, and the
            // private-network one is the browser's own preflight header.
            let (message, help) = match fetch::cors_protocol_header(name) {
                None => return true,
                Some(CorsProtocolHeader::Request) => (
                    format!(
                        "`{name}` is a CORS request header that browsers add to preflights themselves; a script has no reason to send it"
                    ),
                    "remove it (to answer private-network preflights, set allow_private_network = true)",
                ),
                Some(_) => (
                    format!(
                        "`{name}` is a CORS response header, which the server sends; as a request header it means nothing, and a script that sends one is mistaken"
                    ),
                    "remove it, and remove it from the script's request headers: corsair sets the CORS response headers",
                ),
            };
            diagnostics.report_with_help(Code::MisplacedCorsHeader, entry_field, message, help);
            false
        },
    );
    if list.iter().any(|h| h == "*") {
        let authorization = names.iter().any(|n| n == "authorization");
        for (i, h) in list.iter().enumerate() {
            if h != "*" && !h.eq_ignore_ascii_case("authorization") {
                diagnostics.report(
                    Code::RedundantEntry,
                    &format!("{field}[{i}]"),
                    format!("`{h}` is already allowed by `*`"),
                );
            }
        }
        let debug = if authorization {
            "*,authorization"
        } else {
            "*"
        };
        return (
            AllowedHeaders::Any { authorization },
            Some(HeaderValue::from_static(debug)),
        );
    }
    let debug = joined(names.iter().map(String::as_str));
    (AllowedHeaders::List(NameSet::new(names)), debug)
}

/// Checks `expose_headers` and gives the value of `Access-Control-Expose-Headers`, if any.
pub(super) fn compile_expose_headers(
    list: Option<&[String]>,
    credentials: bool,
    field: &str,
    diagnostics: &mut Diagnostics,
) -> Option<HeaderValue> {
    let list = list.unwrap_or(&[]);
    if let Some(i) = list.iter().position(|h| h == "*") {
        if credentials {
            diagnostics.report_with_help(
                Code::WildcardExposeWithCredentials,
                &format!("{field}[{i}]"),
                "with credentials, browsers read `*` in Access-Control-Expose-Headers as a header named `*`, so nothing would be exposed",
                "list the headers to expose",
            );
            return None;
        }
        return Some(ANY);
    }
    let names = checked_names(
        list,
        field,
        diagnostics,
        |name, entry_field, diagnostics| {
            if fetch::is_forbidden_response_header(name) {
                diagnostics.report(
                    Code::ForbiddenExposeHeader,
                    entry_field,
                    format!("`{name}` is never exposed to scripts, whatever the server says"),
                );
                return false;
            }
            // The whole `Access-Control-*` family is refused, as jub0bs/cors does:
            // request headers and preflight answers never reach a script's response,
            // and the values corsair sets on actual responses (the script's own origin,
            // the credentials mode it chose, this very list) tell a script nothing it
            // does not know; a policy that lists one misunderstands the protocol.
            if let Some(what) = fetch::cors_protocol_header(name) {
                let message = match what {
                    CorsProtocolHeader::Request => format!(
                        "`{name}` is a request header of the CORS protocol: responses do not carry it, so exposing it exposes nothing"
                    ),
                    CorsProtocolHeader::PreflightResponse => format!(
                        "`{name}` belongs to preflight responses, which scripts never see: exposing it exposes nothing"
                    ),
                    CorsProtocolHeader::Response => format!(
                        "`{name}` is set by the CORS layer itself, and tells a script nothing it does not know (its own origin, its credentials mode, this list)"
                    ),
                };
                diagnostics.report_with_help(
                    Code::MisplacedCorsHeader,
                    entry_field,
                    message,
                    "remove it: expose_headers lists the application's own response headers",
                );
                return false;
            }
            if fetch::is_safelisted_response_header(name) {
                diagnostics.report(
                    Code::RedundantEntry,
                    entry_field,
                    format!("`{name}` is a safelisted response header: scripts can always read it"),
                );
                return false;
            }
            true
        },
    );
    joined(names.iter().map(String::as_str))
}

/// Validates a list of header names; returns the good ones, lowercased, sorted, without
/// duplicates and without `*`. Sorted, so that the headers corsair sends do not depend on
/// the order in which the policy listed them.
fn checked_names(
    list: &[String],
    field: &str,
    diagnostics: &mut Diagnostics,
    extra_check: impl Fn(&str, &str, &mut Diagnostics) -> bool,
) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (i, name) in list.iter().enumerate() {
        if name == "*" {
            continue;
        }
        let entry_field = format!("{field}[{i}]");
        if !fetch::is_valid_name(name) {
            diagnostics.report(
                Code::InvalidHeaderName,
                &entry_field,
                format!("`{name}` is not a valid header name"),
            );
            continue;
        }
        if !extra_check(name, &entry_field, diagnostics) {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        if names.contains(&lower) {
            diagnostics.report(
                Code::DuplicateEntry,
                &entry_field,
                format!("`{name}` is listed more than once"),
            );
            continue;
        }
        names.push(lower);
    }
    names.sort_unstable();
    names
}

/// The items joined with commas, as a header value; `None` for no item.
pub(super) fn joined<'a>(items: impl Iterator<Item = &'a str>) -> Option<HeaderValue> {
    let mut out = String::new();
    for item in items {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(item);
    }
    if out.is_empty() {
        return None;
    }
    HeaderValue::from_str(&out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_values() {
        assert_eq!(joined(["a", "b"].into_iter()).unwrap(), "a,b");
        assert_eq!(joined(std::iter::empty()), None);
    }
}
