//! The rules of the model as PCRE regular expressions (nginx, HAProxy), each accepting
//! exactly the values corsair accepts, byte for byte.
//!
//! The expressions are unanchored groups (`(?:...)`), for the caller to anchor, and use
//! only `$` as the end of the value (an HTTP header value never holds a line feed, so
//! PCRE's `$` before a final newline never matters). They use lookaheads, which PCRE
//! has and RE2 does not.

use super::model::{HeaderRule, MethodRule, OriginEntry, OriginRule, PortRule};
use super::regex_pcre;

/// The longest serialized origin corsair parses: a 64-byte scheme, `://`, a 253-byte
/// host and a five-digit port (`corsair::origin::MAX_ORIGIN_LEN`).
pub(crate) const MAX_ORIGIN_LEN: usize = 64 + 3 + 253 + 1 + 5;

/// Every byte a well-formed origin may hold.
const ORIGIN_BYTES: &str = r"[a-z0-9+.:/_\[\]-]";

/// One label of a domain.
const LABEL: &str = "[a-z0-9_-]+";

/// A port of one to five digits without a leading zero, at most 65535.
pub(crate) const PORT: &str =
    "(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";

/// A canonical dotted-quad IPv4 address (no leading zero, each part at most 255).
pub(crate) const IPV4: &str = r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";

/// A bracketed IPv6 host as corsair's parser reads it: 2 to 39 IPv6 characters.
pub(crate) const IPV6: &str = r"\[[0-9a-f:.]{2,39}\]";

/// A token (RFC 9110): a method or a header name.
pub(crate) const TOKEN: &str = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+";

/// Escapes every byte that is not a letter or a digit (PCRE takes `\` before any
/// other ASCII character as that character).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The default port of the schemes that have one, which an origin never names.
pub(crate) fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

/// The origins a part allows: its rule, and its origin regexes (those PCRE can express)
/// for well-formed origins; `None` when it allows none. `start`: the PCRE for the start
/// of the origin in the edge's subject (see `regex_pcre::translate`).
pub(crate) fn origins(rule: &OriginRule, regexes: &[String], start: &str) -> Option<String> {
    let mut alternatives: Vec<String> = match rule {
        // A static `*` (a valid policy never has `*` with credentials) answers every
        // request alike, whatever `Origin` holds (see `corsair::Rules::check_origin`).
        OriginRule::Any => vec![".*".to_owned()],
        OriginRule::List(entries) => entries.iter().map(origin_entry).collect(),
    };
    alternatives.extend(
        regexes
            .iter()
            .filter_map(|r| regex_pcre::translate(r, start))
            .map(|r| format!("(?={}$){r}", any_tuple_origin())),
    );
    (!alternatives.is_empty()).then(|| format!("(?:{})", alternatives.join("|")))
}

fn origin_entry(entry: &OriginEntry) -> String {
    match entry {
        OriginEntry::Null => "null".to_owned(),
        OriginEntry::Pattern {
            scheme,
            host,
            subdomains,
            port,
        } => {
            let host_pattern = if *subdomains {
                // The host, at most 253 bytes without the trailing dot of a fully
                // qualified name, then labels in front of the domain.
                format!(
                    "(?=[a-z0-9_.-]{{0,252}}[a-z0-9_-]\\.?(?::|$))(?:{LABEL}\\.)+{}",
                    escape(host)
                )
            } else {
                escape(host)
            };
            let port_pattern = match port {
                PortRule::Default => String::new(),
                PortRule::Exact(p) => format!(":{p}"),
                PortRule::Any => any_port(scheme),
            };
            // Only a `*.` host or any port can make the origin longer than corsair reads.
            let length = if *subdomains || *port == PortRule::Any {
                format!("(?={ORIGIN_BYTES}{{1,{MAX_ORIGIN_LEN}}}$)")
            } else {
                String::new()
            };
            format!("{length}{}://{host_pattern}{port_pattern}", escape(scheme))
        }
    }
}

/// An optional port that is not the scheme's default.
fn any_port(scheme: &str) -> String {
    match default_port(scheme) {
        Some(default) => format!("(?::(?!{default}$){PORT})?"),
        None => format!("(?::{PORT})?"),
    }
}

/// A domain host: labels, one trailing dot tolerated, at most 253 bytes without it, its
/// last label not a number (such a host is an IPv4 address, sent as a dotted quad).
fn domain_host() -> String {
    let last = format!("(?![0-9]+\\.?(?::|$))(?!0x[0-9a-f]*\\.?(?::|$)){LABEL}\\.?");
    format!("(?=[a-z0-9_.-]{{0,252}}[a-z0-9_-]\\.?(?::|$))(?:{LABEL}\\.)*{last}")
}

/// Every tuple origin corsair's parser accepts (`TupleOrigin::parse`).
fn any_tuple_origin() -> String {
    let host = format!("(?:{IPV4}|{IPV6}|{})", domain_host());
    let with_default =
        |schemes: &str, default: u16| format!("(?:{schemes})://{host}(?::(?!{default}$){PORT})?");
    format!(
        "(?={ORIGIN_BYTES}{{1,{MAX_ORIGIN_LEN}}}$)(?:{}|{}|{}|(?!(?:https?|wss?|ftp)://)[a-z][a-z0-9+.-]{{0,63}}://{host}(?::{PORT})?)",
        with_default("https|wss", 443),
        with_default("http|ws", 80),
        with_default("ftp", 21),
    )
}

/// The `Access-Control-Request-Method` values an allowed preflight may carry.
pub(crate) fn methods(rule: &MethodRule) -> String {
    match rule {
        MethodRule::Any => format!("(?:{TOKEN})"),
        MethodRule::List(list) => {
            let mut alternatives = vec!["GET".to_owned(), "HEAD".to_owned(), "POST".to_owned()];
            alternatives.extend(
                list.iter()
                    .filter(|m| !matches!(m.as_str(), "GET" | "HEAD" | "POST"))
                    .map(|m| escape(m)),
            );
            format!("(?:{})", alternatives.join("|"))
        }
    }
}

/// Any method name (a token): a method that is not allowed but well-formed, for debug
/// mode.
pub(crate) fn any_method() -> String {
    format!("(?:{TOKEN})")
}

/// One allowed name of the rule (without case); never matches for an empty list.
fn allowed_name(rule: &HeaderRule) -> String {
    match rule {
        HeaderRule::Any {
            authorization: true,
        } => TOKEN.to_owned(),
        HeaderRule::Any {
            authorization: false,
        } => format!("(?!(?i:authorization)[ \\t]*(?:,|$)){TOKEN}"),
        HeaderRule::List(names) if names.is_empty() => "(?!)".to_owned(),
        HeaderRule::List(names) => {
            let names: Vec<String> = names.iter().map(|n| escape(n)).collect();
            format!("(?i:{})", names.join("|"))
        }
    }
}

/// For debug mode, the `Access-Control-Request-Headers` values (one line) whose first
/// element that corsair refuses is a name that is not allowed (rather than a malformed
/// element), within the length corsair reads; `None` when no name is refused (`*` with
/// `authorization`).
pub(crate) fn first_refused_header_is_a_name(rule: &HeaderRule) -> Option<String> {
    let refused = match rule {
        HeaderRule::Any {
            authorization: true,
        } => return None,
        HeaderRule::Any {
            authorization: false,
        } => "(?i:authorization)".to_owned(),
        _ => format!("(?!{}[ \\t]*(?:,|$)){TOKEN}", allowed_name(rule)),
    };
    let element = format!("[ \\t]*(?:{}[ \\t]*)?", allowed_name(rule));
    Some(format!(
        "(?=[\\s\\S]{{0,{}}}$)(?:{element},)*[ \\t]*{refused}[ \\t]*(?:,|$)",
        rule.max_request_len()
    ))
}

/// The `Access-Control-Request-Headers` values (one line) an allowed preflight may
/// carry: a comma-separated list, optional whitespace and empty elements accepted, each
/// name allowed (without case), at most as long as corsair reads.
pub(crate) fn request_headers(rule: &HeaderRule) -> String {
    let element = format!("[ \\t]*(?:{}[ \\t]*)?", allowed_name(rule));
    format!(
        "(?=[\\s\\S]{{0,{}}}$){element}(?:,{element})*",
        rule.max_request_len()
    )
}
