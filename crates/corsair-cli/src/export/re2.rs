//! Origin patterns as RE2 regular expressions (Envoy's `safe_regex`), each accepting
//! the origins a browser can send that the pattern allows.
//!
//! RE2 has no lookaround, so unlike the PCRE forms (`pcre.rs`) these do not bound the
//! origin's length: corsair refuses an origin longer than it reads (a host over 253
//! bytes), which no browser sends. Envoy matches a `safe_regex` against the whole value,
//! so the expressions are not anchored.

use super::model::{OriginEntry, PortRule};

/// One label of a domain, as corsair's `*.` patterns accept it.
const LABEL: &str = "[a-z0-9_-]+";

/// A port of one to five digits without a leading zero, at most 65535.
const PORT: &str =
    "(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";

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

/// The default port of the schemes that have one: a browser never names it.
fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

/// Every port but `default` (two or three digits), without a leading zero: RE2 cannot
/// say "not 443", so the alternatives spell out the other numbers.
fn port_except(default: u16) -> String {
    let digits = default.to_string();
    let mut alternatives = Vec::new();
    // Numbers of the default's length that first differ from it at position `i`.
    for (i, d) in digits.char_indices() {
        let low = if i == 0 { '1' } else { '0' };
        let others: String = (low..='9').filter(|c| *c != d).collect();
        let rest = digits.len() - i - 1;
        let tail = if rest == 0 {
            String::new()
        } else {
            format!("[0-9]{{{rest}}}")
        };
        alternatives.push(format!("{}[{others}]{tail}", &digits[..i]));
    }
    // Every port of another length.
    for len in (1..=5usize).filter(|len| *len != digits.len()) {
        alternatives.push(match len {
            1 => "[1-9]".to_owned(),
            5 => PORT_5.to_owned(),
            n => format!("[1-9][0-9]{{{}}}", n - 1),
        });
    }
    format!("(?:{})", alternatives.join("|"))
}

/// The five-digit ports (10000 to 65535).
const PORT_5: &str = "(?:[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";

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
        PortRule::Any => match default_port(scheme) {
            Some(default) => format!("(?::{})?", port_except(default)),
            None => format!("(?::{PORT})?"),
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    fn full(pattern: &str) -> regex::Regex {
        regex::Regex::new(&format!("^(?:{pattern})$")).unwrap()
    }

    #[test]
    fn every_port_but_the_default() {
        for default in [21u16, 80, 443] {
            let re = full(&port_except(default));
            for port in 0u32..=70000 {
                let text = port.to_string();
                let expected = (1..=65535).contains(&port) && port != u32::from(default);
                assert_eq!(re.is_match(&text), expected, "{default}: {text}");
            }
            assert!(!re.is_match("0443") && !re.is_match("01"));
        }
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
        assert!(!port.is_match("https://example.com:443"));
        assert!(!port.is_match("https://example.com:"));
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
}
