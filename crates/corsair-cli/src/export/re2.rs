//! The rules of the model as conditions over RE2 regular expressions, each accepting
//! exactly the values corsair accepts, byte for byte, for the edges whose regular
//! expressions have no lookaround (Go's `regexp`, RE2): what [`super::pcre`] writes
//! with a lookahead is written here as a second expression that the value must also
//! match (or must not match), or as a length limit.

use super::model::{HeaderRule, MethodRule, OriginEntry, OriginRule, PortRule};
use super::pcre::{self, MAX_ORIGIN_LEN};
use super::regex_pcre;

/// A condition on one header value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Cond {
    /// The whole value matches this expression (unanchored here: the renderer anchors
    /// it).
    Matches(String),
    /// The value has at most this many bytes.
    MaxLen(usize),
    /// The condition does not hold.
    Not(Box<Cond>),
    /// Every condition holds (an empty list always holds).
    All(Vec<Cond>),
    /// One of the conditions holds (an empty list never holds).
    Any(Vec<Cond>),
}

impl Cond {
    fn matches(regex: impl Into<String>) -> Cond {
        Cond::Matches(regex.into())
    }

    fn not(cond: Cond) -> Cond {
        Cond::Not(Box::new(cond))
    }
}

/// One label of a domain.
const LABEL: &str = "[a-z0-9_-]+";

/// A port of one to five digits without a leading zero, at most 65535.
const PORT: &str = pcre::PORT;

/// A domain host of the right length: at most 253 bytes without the trailing dot of a
/// fully qualified name (`corsair::origin::MAX_HOST_LEN`), then an optional port.
/// `scheme` is an expression for the scheme.
fn host_length(scheme: &str) -> Cond {
    Cond::matches(format!(
        "(?:{scheme})://[a-z0-9_.-]{{0,252}}[a-z0-9_-]\\.?(?::[0-9]*)?"
    ))
}

/// The origins of a rule and of its origin regexes (Rust's syntax, matched as corsair
/// matches them: against the whole of a well-formed tuple origin); `None` when they
/// allow none. A regex that RE2 cannot express is left out (the export reports it:
/// `lossy::no_debug_or_re2_regexes`).
pub(crate) fn origins(rule: &OriginRule, regexes: &[String]) -> Option<Cond> {
    let mut alternatives: Vec<Cond> = match rule {
        // A static `*` (a valid policy never has `*` with credentials) answers every
        // request alike, whatever `Origin` holds.
        OriginRule::Any => vec![Cond::matches(".*")],
        OriginRule::List(entries) => entries.iter().map(origin_entry).collect(),
    };
    alternatives.extend(
        regexes
            .iter()
            .filter_map(|r| regex_pcre::translate_re2(r))
            .map(|regex| Cond::All(vec![any_tuple_origin(), Cond::Matches(regex)])),
    );
    (!alternatives.is_empty()).then_some(Cond::Any(alternatives))
}

fn origin_entry(entry: &OriginEntry) -> Cond {
    match entry {
        OriginEntry::Null => Cond::matches("null"),
        OriginEntry::Pattern {
            scheme,
            host,
            subdomains,
            port,
        } => {
            let scheme_re = pcre::escape(scheme);
            let host_re = if *subdomains {
                format!("(?:{LABEL}\\.)+{}", pcre::escape(host))
            } else {
                pcre::escape(host)
            };
            let port_re = match port {
                PortRule::Default => String::new(),
                PortRule::Exact(p) => format!(":{p}"),
                PortRule::Any => format!("(?::{PORT})?"),
            };
            let mut all = vec![Cond::matches(format!("{scheme_re}://{host_re}{port_re}"))];
            if *subdomains {
                all.push(host_length(&scheme_re));
            }
            if *port == PortRule::Any {
                // The scheme's default port is never in a serialized origin.
                if let Some(default) = pcre::default_port(scheme) {
                    all.push(Cond::not(Cond::matches(format!(".*:{default}"))));
                }
            }
            // Only a `*.` host or any port can make the origin longer than corsair reads.
            if *subdomains || *port == PortRule::Any {
                all.push(Cond::MaxLen(MAX_ORIGIN_LEN));
            }
            match all.len() {
                1 => all.remove(0),
                _ => Cond::All(all),
            }
        }
    }
}

/// Every tuple origin corsair's parser accepts (`TupleOrigin::parse`): a scheme, a
/// host (a canonical IPv4 address, a bracketed IPv6 one, or a domain whose last label
/// is not a number) and a port that is not the scheme's default.
fn any_tuple_origin() -> Cond {
    let scheme = "[a-z][a-z0-9+.-]{0,63}";
    let with_port = |host: &str| Cond::matches(format!("{scheme}://{host}(?::{PORT})?"));
    let domain = Cond::All(vec![
        with_port(&format!("(?:{LABEL}\\.)*{LABEL}\\.?")),
        host_length(scheme),
        // A last label that is a number makes the host an IPv4 address, which a
        // browser sends as a dotted quad.
        Cond::not(Cond::matches(format!(
            "{scheme}://(?:{LABEL}\\.)*(?:[0-9]+|0x[0-9a-f]*)\\.?(?::[0-9]*)?"
        ))),
    ]);
    let host = Cond::Any(vec![with_port(pcre::IPV4), with_port(pcre::IPV6), domain]);
    let default_port = Cond::Any(
        [("https|wss", 443), ("http|ws", 80), ("ftp", 21)]
            .into_iter()
            .map(|(schemes, port)| Cond::matches(format!("(?:{schemes})://.*:{port}")))
            .collect(),
    );
    Cond::All(vec![
        Cond::MaxLen(MAX_ORIGIN_LEN),
        host,
        Cond::not(default_port),
    ])
}

/// The `Access-Control-Request-Method` values an allowed preflight may carry.
pub(crate) fn methods(rule: &MethodRule) -> Cond {
    // PCRE's expression has no lookaround.
    Cond::Matches(pcre::methods(rule))
}

/// The `Access-Control-Request-Headers` values an allowed preflight may carry: a
/// comma-separated list, optional whitespace and empty elements accepted, each name
/// allowed (without case), at most as long as corsair reads.
pub(crate) fn request_headers(rule: &HeaderRule) -> Cond {
    let name = match rule {
        HeaderRule::Any { .. } => pcre::TOKEN.to_owned(),
        HeaderRule::List(names) if names.is_empty() => return Cond::Any(Vec::new()),
        HeaderRule::List(names) => {
            let names: Vec<String> = names.iter().map(|n| pcre::escape(n)).collect();
            format!("(?i:{})", names.join("|"))
        }
    };
    let element = format!("[ \\t]*(?:{name}[ \\t]*)?");
    let mut all = vec![
        Cond::MaxLen(rule.max_request_len()),
        Cond::matches(format!("{element}(?:,{element})*")),
    ];
    if let HeaderRule::Any {
        authorization: false,
    } = rule
    {
        // `*` does not cover `authorization` (Fetch).
        all.push(Cond::not(Cond::matches(
            "(?:.*,)?[ \\t]*(?i:authorization)[ \\t]*(?:,.*)?",
        )));
    }
    Cond::All(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Evaluates a condition with the `regex` crate, whose syntax is RE2's.
    fn holds(cond: &Cond, value: &str) -> bool {
        match cond {
            Cond::Matches(re) => regex::Regex::new(&format!("^(?:{re})$"))
                .unwrap()
                .is_match(value),
            Cond::MaxLen(n) => value.len() <= *n,
            Cond::Not(c) => !holds(c, value),
            Cond::All(cs) => cs.iter().all(|c| holds(c, value)),
            Cond::Any(cs) => cs.iter().any(|c| holds(c, value)),
        }
    }

    fn origin_policy(entries: &[&str]) -> OriginRule {
        let config = corsair::Config::default().allow_origins(entries.iter().copied());
        super::super::model::Model::new(&config).parts[0]
            .rules
            .clone()
            .unwrap()
            .origins
    }

    /// The conditions agree with corsair's own matching on origins of every shape.
    #[test]
    fn origins_agree_with_corsair() {
        let samples = [
            "https://example.com",
            "https://a.example.com",
            "https://a.b.example.com",
            "https://a.example.com.",
            "https://example.com:443",
            "https://a.example.com:8443",
            "http://localhost",
            "http://localhost:80",
            "http://localhost:8080",
            "http://localhost:080",
            "http://localhost:65536",
            "http://127.0.0.1:3000",
            "http://1.2.3.4",
            "http://1.2.3.256",
            "http://01.2.3.4",
            "http://a.1",
            "http://a.0x1f",
            "http://a.1a",
            "http://[::1]:8080",
            "https://Example.com",
            "https://example.com/",
            "https://user@example.com",
            "null",
            "",
            "ftp://x.example:21",
            "ftp://x.example:2121",
            "custom+x://host:80",
            "https://-a.example.com",
            "https://a_b.example.com",
        ];
        let policies: [&[&str]; 5] = [
            &["*"],
            &["https://example.com"],
            &["https://*.example.com"],
            &["http://localhost:*", "http://127.0.0.1:*"],
            &["https://*.example.com:*", "https://app.test:8443"],
        ];
        for entries in policies {
            let policy = corsair::Policy::builder()
                .allow_origins(entries.iter().copied())
                .build()
                .unwrap();
            let cond = origins(&origin_policy(entries), &[]).unwrap();
            for origin in samples {
                let mut request = http::HeaderMap::new();
                if let Ok(value) = http::HeaderValue::from_str(origin) {
                    request.insert("origin", value);
                }
                let corsair_allows = policy.decide(&http::Method::GET, "/", &request).allowed();
                assert_eq!(
                    holds(&cond, origin),
                    corsair_allows,
                    "{entries:?} and {origin:?}"
                );
            }
        }
    }

    #[test]
    fn request_headers_follow_the_list() {
        let any = request_headers(&HeaderRule::Any {
            authorization: false,
        });
        assert!(holds(&any, "x-a, content-type"));
        assert!(!holds(&any, "x-a, Authorization "));
        assert!(holds(&any, "x-a, authorizations"));
        let listed = request_headers(&HeaderRule::List(vec!["x-a".into(), "x-b".into()]));
        assert!(holds(&listed, "X-A,x-b"));
        assert!(holds(&listed, " x-a , ,x-b"));
        assert!(!holds(&listed, "x-a,x-c"));
        assert!(!holds(&listed, "x-a;x-b"));
        assert!(!holds(
            &request_headers(&HeaderRule::List(Vec::new())),
            "x-a"
        ));
    }
}
