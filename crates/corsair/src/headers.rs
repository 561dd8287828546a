//! The request headers a policy allows, and the bounded check of a preflight's
//! `Access-Control-Request-Headers` against them.

use http::header::HeaderValue;

use crate::fetch::trim_ows;
use crate::method::is_tchar;

/// Under `allow_headers = ["*"]`, the longest `Access-Control-Request-Headers` (all lines
/// together) that corsair reads. Browsers send names only, so this is about two hundred
/// header names; past it the preflight is refused without reading the value.
pub(crate) const MAX_WILDCARD_REQUEST_HEADERS_LEN: usize = 4096;

/// The request headers a policy allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AllowedHeaders {
    /// `*`: every name; `authorization` only when listed too, as Fetch never lets `*`
    /// cover it (`#cors-non-wildcard-request-header-name`).
    Any { authorization: bool },
    /// These lowercase names, sorted.
    List(NameSet),
}

/// A sorted set of lowercase header names, searched without allocating.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct NameSet {
    names: Vec<Box<str>>,
    /// What a valid `Access-Control-Request-Headers` can weigh at most: every name once,
    /// each with a comma and a little whitespace.
    max_request_len: usize,
}

impl NameSet {
    pub(crate) fn new(mut names: Vec<String>) -> Self {
        for n in &mut names {
            n.make_ascii_lowercase();
        }
        names.sort();
        names.dedup();
        let max_request_len = names.iter().map(|n| n.len() + 3).sum::<usize>() + 32;
        NameSet {
            names: names.into_iter().map(String::into_boxed_str).collect(),
            max_request_len,
        }
    }

    /// Case-insensitive membership.
    pub(crate) fn contains(&self, name: &[u8]) -> bool {
        self.names
            .binary_search_by(|probe| {
                let probe = probe.as_bytes();
                probe
                    .iter()
                    .copied()
                    .cmp(name.iter().map(u8::to_ascii_lowercase))
            })
            .is_ok()
    }

    /// Membership of a name known to be lowercase: a byte comparison, linear for
    /// the few names most policies list.
    fn contains_lowercase(&self, name: &[u8]) -> bool {
        if self.names.len() <= 8 {
            self.names.iter().any(|n| n.as_bytes() == name)
        } else {
            self.names
                .binary_search_by(|probe| probe.as_bytes().cmp(name))
                .is_ok()
        }
    }
}

/// The outcome of checking `Access-Control-Request-Headers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeadersCheck<'r> {
    /// Every name is allowed.
    Allowed {
        /// How many names were requested (zero: no `Access-Control-Allow-Headers` needed).
        names: usize,
        /// Whether the single request line is already the lowercase, comma-joined list
        /// that can be echoed as it is (browsers always send that form).
        echo_as_is: bool,
    },
    /// This name is not allowed.
    NotAllowed(&'r str),
    /// Not a comma-separated list of header names.
    Malformed,
    /// Longer than any valid list could be under this policy.
    TooLong,
}

impl AllowedHeaders {
    /// The most bytes a valid request list can have; anything longer is refused before it
    /// is read, so the cost of the check is set by the policy, not by the request.
    fn max_request_len(&self) -> usize {
        match self {
            AllowedHeaders::Any { .. } => MAX_WILDCARD_REQUEST_HEADERS_LEN,
            AllowedHeaders::List(set) => set.max_request_len,
        }
    }

    /// Whether lines of these lengths, added up, are within what a valid list can weigh
    /// under this policy ([`AllowedHeaders::check`] checks it too); stops at the first
    /// line past the limit.
    pub(crate) fn fits<'r>(&self, lines: impl Iterator<Item = &'r [u8]>) -> bool {
        let max = self.max_request_len();
        let mut total = 0usize;
        for line in lines {
            total += line.len();
            if total > max {
                return false;
            }
        }
        true
    }

    /// Whether the name is allowed; `lowercase` says it has no uppercase letter.
    fn allows(&self, name: &[u8], lowercase: bool) -> bool {
        match self {
            AllowedHeaders::Any { authorization } => {
                *authorization || !name.eq_ignore_ascii_case(b"authorization")
            }
            AllowedHeaders::List(set) if lowercase => set.contains_lowercase(name),
            AllowedHeaders::List(set) => set.contains(name),
        }
    }

    /// Checks every name of the `Access-Control-Request-Headers` lines. Optional
    /// whitespace, empty elements and several lines are accepted; names compare
    /// case-insensitively.
    ///
    /// `lines` yields the header's lines; it is called twice (length first, then names).
    pub(crate) fn check<'r, I>(&self, lines: impl Fn() -> I) -> HeadersCheck<'r>
    where
        I: Iterator<Item = &'r [u8]>,
    {
        let mut total = 0;
        let mut count = 0;
        for line in lines() {
            total += line.len();
            count += 1;
            if total > self.max_request_len() {
                return HeadersCheck::TooLong;
            }
        }
        let mut names = 0;
        let mut echo_as_is = count == 1;
        for line in lines() {
            for element in line.split(|&b| b == b',') {
                let name = trim_ows(element);
                if name.len() != element.len() || name.is_empty() {
                    echo_as_is = false;
                }
                if name.is_empty() {
                    continue;
                }
                // One pass: every byte a token character, and whether any is uppercase.
                let (mut all, mut any) = (TCHAR, 0);
                for &b in name {
                    let class = NAME_CLASS[usize::from(b)];
                    all &= class;
                    any |= class;
                }
                if all & TCHAR == 0 {
                    return HeadersCheck::Malformed;
                }
                let lowercase = any & UPPER == 0;
                if !self.allows(name, lowercase) {
                    // Tokens are ASCII, so this is valid UTF-8.
                    return HeadersCheck::NotAllowed(std::str::from_utf8(name).unwrap_or(""));
                }
                if !lowercase {
                    echo_as_is = false;
                }
                names += 1;
            }
        }
        HeadersCheck::Allowed {
            names,
            echo_as_is: echo_as_is && names > 0,
        }
    }
}

const TCHAR: u8 = 1;
const UPPER: u8 = 2;

/// Token characters (RFC 9110) and uppercase letters, one lookup a byte.
const NAME_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if is_tchar(c) {
            t[b] |= TCHAR;
        }
        if c.is_ascii_uppercase() {
            t[b] |= UPPER;
        }
        b += 1;
    }
    t
};

/// The request names, lowercased and comma-joined, for the rare request that does not
/// send them that way already. Only called after [`AllowedHeaders::check`] succeeded.
pub(crate) fn normalized_list<'r>(lines: impl Iterator<Item = &'r [u8]>) -> Option<HeaderValue> {
    let mut out = Vec::new();
    for line in lines {
        for element in line.split(|&b| b == b',') {
            let name = trim_ows(element);
            if !name.is_empty() {
                if !out.is_empty() {
                    out.push(b',');
                }
                out.extend(name.iter().map(u8::to_ascii_lowercase));
            }
        }
    }
    HeaderValue::from_bytes(&out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<'r>(allowed: &AllowedHeaders, lines: &[&'r [u8]]) -> HeadersCheck<'r> {
        allowed.check(|| lines.iter().copied())
    }

    fn list(names: &[&str]) -> AllowedHeaders {
        AllowedHeaders::List(NameSet::new(names.iter().map(|s| s.to_string()).collect()))
    }

    #[test]
    fn list_check_is_case_insensitive_and_tolerant() {
        let allowed = list(&["Content-Type", "x-request-id", "authorization"]);
        assert_eq!(
            check(&allowed, &[b"content-type,x-request-id"]),
            HeadersCheck::Allowed {
                names: 2,
                echo_as_is: true
            }
        );
        assert_eq!(
            check(&allowed, &[b"X-Request-ID , Content-Type"]),
            HeadersCheck::Allowed {
                names: 2,
                echo_as_is: false
            }
        );
        assert_eq!(
            check(&allowed, &[b"content-type", b"authorization"]),
            HeadersCheck::Allowed {
                names: 2,
                echo_as_is: false
            }
        );
        assert_eq!(
            check(&allowed, &[b",,content-type,"]),
            HeadersCheck::Allowed {
                names: 1,
                echo_as_is: false
            }
        );
        assert_eq!(
            check(&allowed, &[b""]),
            HeadersCheck::Allowed {
                names: 0,
                echo_as_is: false
            }
        );
        assert_eq!(
            check(&allowed, &[b"content-type,x-foo"]),
            HeadersCheck::NotAllowed("x-foo")
        );
        assert_eq!(check(&allowed, &[b"content type"]), HeadersCheck::Malformed);
        assert_eq!(
            check(&allowed, &[b"content-type;x"]),
            HeadersCheck::Malformed
        );
    }

    #[test]
    fn list_check_is_bounded_by_the_policy() {
        let allowed = list(&["a", "b"]);
        let commas = vec![b','; 1024];
        assert_eq!(check(&allowed, &[&commas]), HeadersCheck::TooLong);
        let huge = vec![b'a'; 65536];
        assert_eq!(check(&allowed, &[&huge]), HeadersCheck::TooLong);
    }

    #[test]
    fn wildcard_never_covers_authorization_alone() {
        let any = AllowedHeaders::Any {
            authorization: false,
        };
        assert_eq!(
            check(&any, &[b"x-anything,x-else"]),
            HeadersCheck::Allowed {
                names: 2,
                echo_as_is: true
            }
        );
        assert_eq!(
            check(&any, &[b"authorization,x-a"]),
            HeadersCheck::NotAllowed("authorization")
        );
        let any = AllowedHeaders::Any {
            authorization: true,
        };
        assert_eq!(
            check(&any, &[b"Authorization"]),
            HeadersCheck::Allowed {
                names: 1,
                echo_as_is: false
            }
        );
        let long = vec![b'a'; MAX_WILDCARD_REQUEST_HEADERS_LEN + 1];
        assert_eq!(check(&any, &[&long]), HeadersCheck::TooLong);
    }

    #[test]
    fn normalizes_for_echo() {
        let v = normalized_list([&b" X-A ,"[..], b"x-B"].into_iter()).unwrap();
        assert_eq!(v, "x-a,x-b");
    }
}
