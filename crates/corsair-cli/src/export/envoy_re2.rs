//! Origin patterns as RE2 regular expressions (Envoy's `safe_regex`), each accepting
//! the origins a browser can send that the pattern allows.
//!
//! RE2 has no lookaround, and Envoy refuses a regex whose RE2 program size is above
//! the runtime value `re2.max_program_size.error_level` (100 by default), so unlike the
//! PCRE forms (`pcre.rs`) these accept some values no browser sends and corsair refuses:
//! an origin longer than corsair reads (a host over 253 bytes), a `:*` port above 65535
//! or that is the scheme's default. Envoy matches a `safe_regex` against the whole
//! value, so the expressions are not anchored.

use super::model::{OriginEntry, PortRule};

/// One label of a domain, as corsair's `*.` patterns accept it.
const LABEL: &str = "[a-z0-9_-]+";

/// An optional port: one to five digits without a leading zero. (Browsers never send a
/// port above 65535, nor the scheme's default port, which corsair's `:*` leaves out:
/// the expression stays within Envoy's default RE2 program size.)
const PORT: &str = "(?::[1-9][0-9]{0,4})?";

/// Escapes RE2's metacharacters (every other byte of an origin stands for itself).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The RE2 form of a pattern entry (`*.` host or `:*` port); `None` for an entry
/// Envoy matches exactly (`null`, or an origin without pattern).
pub(crate) fn origin_pattern(entry: &OriginEntry) -> Option<String> {
    let OriginEntry::Pattern {
        scheme,
        host,
        subdomains,
        port,
    } = entry
    else {
        return None;
    };
    if !*subdomains && *port != PortRule::Any {
        return None;
    }
    let host_pattern = if *subdomains {
        format!("(?:{LABEL}\\.)+{}", escape(host))
    } else {
        escape(host)
    };
    let port_pattern = match port {
        PortRule::Default => String::new(),
        PortRule::Exact(p) => format!(":{p}"),
        PortRule::Any => PORT.to_owned(),
    };
    Some(format!("{}://{host_pattern}{port_pattern}", escape(scheme)))
}

/// The exact origin an entry without pattern stands for (`null`, `scheme://host[:port]`).
pub(crate) fn exact_origin(entry: &OriginEntry) -> Option<String> {
    match entry {
        OriginEntry::Null => Some("null".to_owned()),
        OriginEntry::Pattern {
            scheme,
            host,
            subdomains: false,
            port,
        } => match port {
            PortRule::Default => Some(format!("{scheme}://{host}")),
            PortRule::Exact(p) => Some(format!("{scheme}://{host}:{p}")),
            PortRule::Any => None,
        },
        OriginEntry::Pattern { .. } => None,
    }
}

/// The `Access-Control-Request-Headers` values (the lines joined with commas) a list of
/// names allows: comma-separated names of the list, without case, whitespace and empty
/// elements tolerated. The element is written once (`$` ends the last), to keep the
/// program small.
pub(crate) fn request_headers(names: &[String]) -> String {
    let name = if names.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = names.iter().map(|n| escape(n)).collect();
        format!("(?i:{})?", names.join("|"))
    };
    format!("(?:[ \\t]*{name}[ \\t]*(?:,|$))+")
}

/// An `Access-Control-Request-Headers` value that names `authorization`.
pub(crate) const NAMES_AUTHORIZATION: &str = "(?:.*,)?[ \\t]*(?i:authorization)[ \\t]*(?:,.*)?";

#[cfg(test)]
mod tests {
    use super::*;

    fn full(pattern: &str) -> regex::Regex {
        regex::Regex::new(&format!("^(?:{pattern})$")).unwrap()
    }

    #[test]
    fn patterns_accept_what_corsair_allows() {
        let entry = |scheme: &str, subdomains, port| OriginEntry::Pattern {
            scheme: scheme.to_owned(),
            host: "example.com".to_owned(),
            subdomains,
            port,
        };
        let sub = full(&origin_pattern(&entry("https", true, PortRule::Default)).unwrap());
        assert!(sub.is_match("https://a.example.com"));
        assert!(sub.is_match("https://a.b_c.example.com"));
        assert!(!sub.is_match("https://example.com"));
        assert!(!sub.is_match("https://a.example.com:8443"));
        assert!(!sub.is_match("https://aexample.com"));
        assert!(!sub.is_match("http://a.example.com"));
        let port = full(&origin_pattern(&entry("https", false, PortRule::Any)).unwrap());
        assert!(port.is_match("https://example.com"));
        assert!(port.is_match("https://example.com:8443"));
        assert!(!port.is_match("https://example.com:"));
        assert!(!port.is_match("https://example.com:0443"));
        let custom = full(&origin_pattern(&entry("tauri", false, PortRule::Any)).unwrap());
        assert!(custom.is_match("tauri://example.com:443"));
        assert_eq!(
            origin_pattern(&entry("https", false, PortRule::Exact(8443))),
            None
        );
        assert_eq!(
            exact_origin(&entry("https", false, PortRule::Exact(8443))).as_deref(),
            Some("https://example.com:8443")
        );
        assert_eq!(escape("a.b[::1]"), r"a\.b\[::1\]");
    }

    #[test]
    fn request_header_lists() {
        let names = ["content-type".to_owned(), "x-id".to_owned()];
        let allowed = full(&request_headers(&names));
        for value in [
            "",
            "content-type",
            "Content-Type, x-id",
            " x-id ,,content-type",
            ",",
        ] {
            assert!(allowed.is_match(value), "{value:?}");
        }
        for value in ["authorization", "content-type,x-other", "x-idx", "x-id;"] {
            assert!(!allowed.is_match(value), "{value:?}");
        }
        let none = full(&request_headers(&[]));
        assert!(none.is_match("") && none.is_match(" , ") && !none.is_match("x-id"));
        let authorization = full(NAMES_AUTHORIZATION);
        for value in [
            "authorization",
            "x-id, Authorization",
            "AUTHORIZATION ,x-id",
            "a,authorization,b",
        ] {
            assert!(authorization.is_match(value), "{value:?}");
        }
        for value in ["", "x-authorization", "authorizations", "x-id"] {
            assert!(!authorization.is_match(value), "{value:?}");
        }
    }
}
