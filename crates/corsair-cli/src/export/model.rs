//! The policy as an edge proxy needs it: for each part of the policy (each route,
//! longest prefix first, then `[cors]`), the effective rules with presets expanded and
//! every list normalized exactly as corsair compiles it, so that a generated
//! configuration sends the bytes `corsair serve` sends.

use corsair::{Config, PolicyConfig};

/// The parts of a policy, in the order an edge must try them: routes, longest prefix
/// first (equal lengths in declaration order), then `[cors]`.
#[derive(Clone, Debug)]
pub(crate) struct Model {
    /// Every part; the last one is `[cors]` (its `prefix` is `None`).
    pub(crate) parts: Vec<Part>,
}

/// One part of the policy: a route, or `[cors]`.
#[derive(Clone, Debug)]
pub(crate) struct Part {
    /// The route's path prefix, normalized (no trailing `/` but for the root); `None`
    /// for `[cors]`, which applies to every path no route covers.
    pub(crate) prefix: Option<String>,
    /// Where it is declared: `cors` or `routes[i]`.
    pub(crate) table: String,
    /// The rules in effect; `None` when CORS is disabled there (`enabled = false`):
    /// requests pass untouched.
    pub(crate) rules: Option<Rules>,
}

/// The effective rules of one part.
#[derive(Clone, Debug)]
pub(crate) struct Rules {
    /// Which origins are allowed.
    pub(crate) origins: OriginRule,
    /// `allow_origin_regexes`, as written (Rust's syntax; corsair anchors them and
    /// matches them against well-formed origins only).
    pub(crate) origin_regexes: Vec<String>,
    /// `allow_credentials`.
    pub(crate) credentials: bool,
    /// Which requested methods a preflight may ask for.
    pub(crate) methods: MethodRule,
    /// Which request headers a preflight may ask for.
    pub(crate) headers: HeaderRule,
    /// The `Access-Control-Expose-Headers` value of allowed actual requests.
    pub(crate) expose_headers: Option<String>,
    /// The `Access-Control-Max-Age` value of allowed preflights.
    pub(crate) max_age: Option<u64>,
    /// The status of an allowed preflight.
    pub(crate) preflight_status: u16,
    /// Cross-origin write protection: the path prefixes it leaves alone (normalized as
    /// route paths), or `None` when it is off.
    pub(crate) write_protection: Option<Vec<String>>,
    /// `allow_private_network`: answer the private-network preflights that ask for it.
    pub(crate) private_network: bool,
    /// Debug mode: a preflight refused for its method or headers gets an ok answer
    /// with the full lists.
    pub(crate) debug: bool,
}

/// The origins a part allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OriginRule {
    /// `*`: every well-formed origin (`null` included).
    Any,
    /// These entries (an empty list allows nothing).
    List(Vec<OriginEntry>),
}

/// One entry of `allow_origins`, canonical.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OriginEntry {
    /// `null`, the opaque origin.
    Null,
    /// `scheme://host[:port]`, the host possibly `*.domain`, the port possibly `*`.
    Pattern {
        /// The scheme, lowercase.
        scheme: String,
        /// The host as browsers serialize it (punycode, lowercase).
        host: String,
        /// Whether the host is `*.host`: one or more labels in front of it.
        subdomains: bool,
        /// The port.
        port: PortRule,
    },
}

/// The port of an origin entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PortRule {
    /// No port in the origin.
    Default,
    /// This port.
    Exact(u16),
    /// Any port, or none (`:*`).
    Any,
}

/// The methods a preflight may ask for, beyond `GET`, `HEAD` and `POST`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MethodRule {
    /// `*`: any method name.
    Any,
    /// These methods, normalized as Fetch does, compared byte for byte.
    List(Vec<String>),
}

/// The request headers a preflight may ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HeaderRule {
    /// `*`: any name; `authorization` only when listed too.
    Any {
        /// Whether `authorization` is listed beside `*`.
        authorization: bool,
    },
    /// These names, lowercase, sorted, without duplicates.
    List(Vec<String>),
}

/// Under `allow_headers = ["*"]`, the longest `Access-Control-Request-Headers` corsair
/// reads (`corsair::headers::MAX_WILDCARD_REQUEST_HEADERS_LEN`).
pub(crate) const MAX_WILDCARD_REQUEST_HEADERS_LEN: usize = 4096;

impl HeaderRule {
    /// The longest `Access-Control-Request-Headers` value corsair reads under this
    /// rule; a longer one is refused.
    pub(crate) fn max_request_len(&self) -> usize {
        match self {
            HeaderRule::Any { .. } => MAX_WILDCARD_REQUEST_HEADERS_LEN,
            HeaderRule::List(names) => names.iter().map(|n| n.len() + 3).sum::<usize>() + 32,
        }
    }
}

impl Rules {
    /// Whether every response gets `Access-Control-Allow-Origin: *` (any origin,
    /// without credentials).
    pub(crate) fn static_any(&self) -> bool {
        self.origins == OriginRule::Any && !self.credentials
    }

    /// The `Access-Control-Allow-Headers` value of an allowed preflight that asks for
    /// headers, when it does not repeat the request's list: `*` (or `*,authorization`)
    /// for anonymous `allow_headers = ["*"]`.
    pub(crate) fn wildcard_allow_headers(&self) -> Option<&'static str> {
        match (&self.headers, self.credentials) {
            (
                HeaderRule::Any {
                    authorization: true,
                },
                false,
            ) => Some("*,authorization"),
            (HeaderRule::Any { .. }, false) => Some("*"),
            _ => None,
        }
    }

    /// Debug mode's `Access-Control-Allow-Methods` for a method that is not allowed:
    /// `*`, or the safelisted methods and then the list.
    pub(crate) fn debug_allow_methods(&self) -> String {
        match &self.methods {
            MethodRule::Any => "*".to_owned(),
            MethodRule::List(list) => ["GET", "HEAD", "POST"]
                .into_iter()
                .chain(
                    list.iter()
                        .map(String::as_str)
                        .filter(|m| !matches!(*m, "GET" | "HEAD" | "POST")),
                )
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    /// Debug mode's `Access-Control-Allow-Headers` for a header that is not allowed:
    /// `*` (or `*,authorization`), or the list; `None` for an empty list.
    pub(crate) fn debug_allow_headers(&self) -> Option<String> {
        match &self.headers {
            HeaderRule::Any {
                authorization: true,
            } => Some("*,authorization".to_owned()),
            HeaderRule::Any { .. } => Some("*".to_owned()),
            HeaderRule::List(names) if names.is_empty() => None,
            HeaderRule::List(names) => Some(names.join(",")),
        }
    }

    /// The `Vary` of every preflight answer, allowed or refused.
    pub(crate) fn preflight_vary(&self) -> &'static str {
        if self.private_network {
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
        } else {
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
        }
    }
}

impl Model {
    /// The model of a valid policy.
    pub(crate) fn new(config: &Config) -> Model {
        let mut routes: Vec<Part> = config
            .routes
            .iter()
            .enumerate()
            .map(|(i, route)| Part {
                prefix: Some(normalized_prefix(&route.path)),
                table: format!("routes[{i}]"),
                rules: rules_of(&config.effective_route_policy(route)),
            })
            .collect();
        // Longest prefix first; the sort is stable, as corsair's.
        routes.sort_by_key(|p| std::cmp::Reverse(p.prefix.as_ref().map_or(0, String::len)));
        routes.push(Part {
            prefix: None,
            table: "cors".to_owned(),
            rules: rules_of(&config.cors),
        });
        Model { parts: routes }
    }
}

/// A route's path as corsair compares it: no trailing `/` but for the root.
fn normalized_prefix(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The rules of one effective policy (presets not yet expanded); `None` when disabled.
fn rules_of(policy: &PolicyConfig) -> Option<Rules> {
    let policy = policy.expand_presets();
    if !policy.enabled.unwrap_or(true) {
        return None;
    }
    let credentials = policy.allow_credentials.unwrap_or(false);
    let origin_regexes = policy.allow_origin_regexes.clone().unwrap_or_default();
    let mut origins = origin_rule(policy.allow_origins.as_deref().unwrap_or(&[]));
    // A regex that admits `null` allows it when the policy lets `null` in (corsair runs
    // regexes on tuple origins only, and allows `null` for such a regex instead).
    if let OriginRule::List(entries) = &mut origins {
        if policy.dangerously_allow_null_origin == Some(true)
            && !entries.contains(&OriginEntry::Null)
            && origin_regexes.iter().any(|r| admits_null(r))
        {
            entries.push(OriginEntry::Null);
        }
    }
    Some(Rules {
        origins,
        origin_regexes,
        credentials,
        methods: method_rule(policy.allow_methods.as_deref().unwrap_or(&[])),
        headers: header_rule(policy.allow_headers.as_deref().unwrap_or(&[])),
        expose_headers: expose_value(policy.expose_headers.as_deref().unwrap_or(&[])),
        max_age: policy.max_age,
        preflight_status: policy.preflight_status.unwrap_or(204),
        private_network: policy.allow_private_network.unwrap_or(false),
        debug: policy.debug.unwrap_or(false),
        write_protection: policy.cross_origin_protection.unwrap_or(false).then(|| {
            policy
                .cross_origin_protection_exempt_paths
                .as_deref()
                .unwrap_or(&[])
                .iter()
                .map(|p| normalized_prefix(p))
                .collect()
        }),
    })
}

/// The origin rule of `allow_origins` (duplicates dropped).
/// Whether an origin regex (Rust's syntax, anchored as corsair anchors it) matches
/// `null`.
fn admits_null(regex: &str) -> bool {
    regex::Regex::new(&format!("^(?:{regex})$")).is_ok_and(|r| r.is_match("null"))
}

fn origin_rule(list: &[String]) -> OriginRule {
    if list.iter().any(|o| o == "*") {
        return OriginRule::Any;
    }
    let mut entries: Vec<OriginEntry> = Vec::new();
    for entry in list.iter().filter_map(|o| origin_entry(o)) {
        if !entries.contains(&entry) {
            entries.push(entry);
        }
    }
    OriginRule::List(entries)
}

/// Parses one entry of a valid policy (corsair has checked it: an ASCII entry is
/// canonical, an internationalized host is converted to punycode here as corsair does).
fn origin_entry(entry: &str) -> Option<OriginEntry> {
    if entry == "null" {
        return Some(OriginEntry::Null);
    }
    let (scheme, authority) = entry.split_once("://")?;
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (host, after) = authority.split_at(close + 1);
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => PortRule::Default,
        Some("*") => PortRule::Any,
        Some(digits) => PortRule::Exact(digits.parse().ok()?),
    };
    let (subdomains, host) = match host.strip_prefix("*.") {
        Some(domain) => (true, domain),
        None => (false, host),
    };
    let host = if host.is_ascii() {
        host.to_owned()
    } else {
        idna::domain_to_ascii_cow(host.as_bytes(), idna::AsciiDenyList::URL)
            .ok()?
            .into_owned()
    };
    Some(OriginEntry::Pattern {
        scheme: scheme.to_ascii_lowercase(),
        host,
        subdomains,
        port,
    })
}

/// Fetch's method normalization: the six methods it knows are uppercased.
fn normalized_method(method: &str) -> String {
    const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    match NORMALIZED.iter().find(|m| m.eq_ignore_ascii_case(method)) {
        Some(m) => (*m).to_owned(),
        None => method.to_owned(),
    }
}

/// The method rule of `allow_methods`: normalized, sorted, without duplicates.
fn method_rule(list: &[String]) -> MethodRule {
    if list.iter().any(|m| m == "*") {
        return MethodRule::Any;
    }
    let mut methods: Vec<String> = list.iter().map(|m| normalized_method(m)).collect();
    methods.sort();
    methods.dedup();
    MethodRule::List(methods)
}

/// Lowercase, sorted names without duplicates and without `*`.
fn names(list: &[String]) -> Vec<String> {
    let mut names: Vec<String> = list
        .iter()
        .filter(|n| *n != "*")
        .map(|n| n.to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The request-header rule of `allow_headers`.
fn header_rule(list: &[String]) -> HeaderRule {
    let names = names(list);
    if list.iter().any(|h| h == "*") {
        HeaderRule::Any {
            authorization: names.iter().any(|n| n == "authorization"),
        }
    } else {
        HeaderRule::List(names)
    }
}

/// The `Access-Control-Expose-Headers` value: `*`, or the names joined with commas
/// (safelisted response headers, which corsair drops with a warning, left out).
fn expose_value(list: &[String]) -> Option<String> {
    if list.iter().any(|h| h == "*") {
        return Some("*".to_owned());
    }
    let names: Vec<String> = names(list)
        .into_iter()
        .filter(|n| !corsair::fetch::is_safelisted_response_header(n))
        .collect();
    (!names.is_empty()).then(|| names.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(toml: &str) -> Model {
        Model::new(&Config::from_toml_str(toml).unwrap())
    }

    /// A regex that admits `null` allows it, with the option, as corsair does; the
    /// option alone allows nothing.
    #[test]
    fn a_regex_that_admits_null_lists_null() {
        let origins = |regexes: &str| {
            model(&format!(
                "[cors]\nallow_origin_regexes = [{regexes}]\ndangerously_allow_null_origin = true\n"
            ))
            .parts[0]
                .rules
                .clone()
                .unwrap()
                .origins
        };
        assert_eq!(
            origins(r#""null|https://a\\.example""#),
            OriginRule::List(vec![OriginEntry::Null])
        );
        assert_eq!(
            origins(r#""https://a\\.example""#),
            OriginRule::List(Vec::new())
        );
        let policy = corsair::Policy::builder()
            .allow_origin_regexes([r"null|https://a\.example"])
            .dangerously_allow_null_origin(true)
            .build()
            .unwrap();
        let mut request = http::HeaderMap::new();
        request.insert("origin", http::HeaderValue::from_static("null"));
        assert!(policy.decide(&http::Method::GET, "/", &request).allowed());
    }

    #[test]
    fn routes_come_longest_prefix_first_then_cors() {
        let m = model(
            "[cors]\nallow_origins = [\"https://a.example\"]\n\
             [[routes]]\npath = \"/api/\"\n\
             [[routes]]\npath = \"/api/v2\"\nenabled = false\n\
             [[routes]]\npath = \"/\"\n",
        );
        let prefixes: Vec<Option<&str>> = m.parts.iter().map(|p| p.prefix.as_deref()).collect();
        assert_eq!(prefixes, [Some("/api/v2"), Some("/api"), Some("/"), None]);
        assert!(m.parts[0].rules.is_none());
        assert_eq!(m.parts[1].table, "routes[0]");
    }

    #[test]
    fn lists_are_normalized_as_corsair_compiles_them() {
        let m = model(
            "[cors]\nallow_origins = [\"https://*.bücher.example:*\", \"null\"]\n\
             dangerously_allow_null_origin = true\n\
             allow_methods = [\"delete\", \"PATCH\", \"DELETE\"]\n\
             allow_headers = [\"X-B\", \"x-a\"]\n\
             expose_headers = [\"X-Id\", \"Cache-Control\", \"etag\"]\n\
             presets = [\"mcp\"]\n",
        );
        let rules = m.parts[0].rules.as_ref().unwrap();
        assert_eq!(
            rules.origins,
            OriginRule::List(vec![
                OriginEntry::Pattern {
                    scheme: "https".to_owned(),
                    host: "xn--bcher-kva.example".to_owned(),
                    subdomains: true,
                    port: PortRule::Any,
                },
                OriginEntry::Null,
            ])
        );
        // The preset's GET and POST are safelisted: not added.
        assert_eq!(
            rules.methods,
            MethodRule::List(vec!["DELETE".to_owned(), "PATCH".to_owned()])
        );
        let expected = [
            "content-type",
            "last-event-id",
            "mcp-protocol-version",
            "mcp-session-id",
            "x-a",
            "x-b",
        ];
        assert_eq!(
            rules.headers,
            HeaderRule::List(expected.map(str::to_owned).to_vec())
        );
        // Cache-Control is safelisted: corsair drops it.
        assert_eq!(
            rules.expose_headers.as_deref(),
            Some("etag,mcp-session-id,x-id")
        );
    }

    #[test]
    fn wildcards() {
        let m = model(
            "[cors]\nallow_origins = [\"*\"]\nallow_headers = [\"*\", \"Authorization\"]\nallow_methods = [\"*\"]\n",
        );
        let rules = m.parts[0].rules.as_ref().unwrap();
        assert!(rules.static_any());
        assert_eq!(rules.methods, MethodRule::Any);
        assert_eq!(
            rules.headers,
            HeaderRule::Any {
                authorization: true
            }
        );
        assert_eq!(rules.wildcard_allow_headers(), Some("*,authorization"));
        assert_eq!(
            rules.headers.max_request_len(),
            MAX_WILDCARD_REQUEST_HEADERS_LEN
        );
    }
}
