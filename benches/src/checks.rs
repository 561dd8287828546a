//! The checks that corsair's design (`docs/DESIGN.md`) asks of a CORS middleware beyond
//! the floor, hand-written as cheaply as this benchmark's inputs allow: the floor plus
//! these is variant `floor-checked` of `insn-count` (see [`crate::floor`]).
//!
//! - **A rejected preflight gets nothing** (principle 5) and **every decision has a
//!   reason** (principle 8): the requested method and every name of
//!   `Access-Control-Request-Headers` are checked against the policy, so that a preflight
//!   asking for what the policy does not allow is rejected with a reason ("method PATCH
//!   is not allowed", "header x-foo is not allowed"), not answered with the policy's
//!   lists for the browser to refuse.
//! - **Bounded work** (principle 7): a request-headers list longer than the longest the
//!   policy could allow is refused as soon as that is known.
//! - **The origin's grammar** where the answer depends on it: for patterns, a malformed
//!   `Origin` is rejected (nothing for a rejected origin, principle 5), not echoed. A
//!   list of exact origins needs no parse: bytes that are none of them are rejected
//!   whatever their grammar. A static `*` needs none either: it is the answer to every
//!   request, whatever `Origin` holds (Fetch, "CORS protocol and HTTP caches").
//! - **Reconfigure without restart** (principle 9) and **reasons through `tracing`**
//!   (principle 8) are the middleware's part: see `floor.rs`.
//!
//! What it leaves out, as the floor does: routes, debug answers, Private Network Access,
//! the exact reason of a rejected origin when nothing logs it.

use crate::{HEADERS, METHODS, Origins};

/// The policy's lists as the checks read them, built once.
pub struct Checks {
    /// The allowed methods beyond the safelisted ones, compared case-sensitively.
    methods: Vec<&'static [u8]>,
    /// The allowed request headers, lowercase.
    headers: Vec<&'static [u8]>,
    /// The longest `Access-Control-Request-Headers` the policy could allow: each name
    /// once, with a comma and a space between names.
    max_request_headers: usize,
    /// Whether the answer depends on the origin's grammar (patterns).
    origin_grammar: bool,
}

impl Checks {
    /// The checks of the grid's policy for `origins`.
    pub fn new(origins: Origins) -> Self {
        Checks {
            methods: METHODS.iter().map(|m| m.as_bytes()).collect(),
            headers: HEADERS.iter().map(|h| h.as_bytes()).collect(),
            max_request_headers: HEADERS.iter().map(|h| h.len() + 2).sum(),
            origin_grammar: matches!(origins, Origins::Patterns),
        }
    }

    /// Whether an origin that the list allows (`listed`) is allowed after the grammar
    /// check; a rejected one's reason is logged when a `tracing` subscriber asks (the
    /// parse that tells a malformed origin from one not allowed is done only then).
    #[inline(always)]
    pub fn origin(&self, listed: bool, origin: &[u8]) -> bool {
        let allowed = listed && self.origin_ok(origin);
        if !allowed && tracing::enabled!(target: "corsair_benches::floor", tracing::Level::DEBUG) {
            let reason = if serialized_origin(origin) {
                "origin not allowed"
            } else {
                "malformed origin"
            };
            tracing::debug!(target: "corsair_benches::floor", reason, "origin rejected");
        }
        allowed
    }

    /// Whether a preflight from an allowed origin is allowed: the requested method and
    /// the `Access-Control-Request-Headers` lines checked; a rejection's reason is logged.
    #[inline(always)]
    pub fn preflight<'a, I>(&self, method: &[u8], lines: impl Fn() -> I) -> bool
    where
        I: Iterator<Item = &'a [u8]>,
    {
        let reason = if !self.method_ok(method) {
            "method not allowed"
        } else if !self.request_headers_ok(lines) {
            "a request header not allowed"
        } else {
            return true;
        };
        tracing::debug!(target: "corsair_benches::floor", reason, "preflight rejected");
        false
    }

    /// Whether `origin` passes the grammar check, where the policy needs one.
    #[inline]
    pub fn origin_ok(&self, origin: &[u8]) -> bool {
        !self.origin_grammar || serialized_origin(origin)
    }

    /// Whether a preflight may ask for `method`: a CORS-safelisted method, or one of the
    /// policy's (methods compare case-sensitively).
    #[inline]
    pub fn method_ok(&self, method: &[u8]) -> bool {
        matches!(method, b"GET" | b"HEAD" | b"POST") || self.methods.contains(&method)
    }

    /// Whether every name the `Access-Control-Request-Headers` lines ask for is allowed:
    /// names split on commas, optional whitespace trimmed, empty elements skipped, each a
    /// token compared case-insensitively. The lines' lengths are added up first, so that
    /// a list longer than `max_request_headers` is refused before any name is read.
    #[inline]
    pub fn request_headers_ok<'a, I>(&self, lines: impl Fn() -> I) -> bool
    where
        I: Iterator<Item = &'a [u8]>,
    {
        let mut total = 0;
        for line in lines() {
            total += line.len();
            if total > self.max_request_headers {
                return false;
            }
        }
        for line in lines() {
            for element in line.split(|&b| b == b',') {
                let name = element.trim_ascii();
                if !name.is_empty() && !self.header_allowed(name) {
                    return false;
                }
            }
        }
        true
    }

    #[inline(always)]
    fn header_allowed(&self, name: &[u8]) -> bool {
        // Browsers send lowercase names: byte equality first, then without case. A name
        // of the list matches only bytes of its own length, so either comparison also
        // checks that they are token characters.
        self.headers.contains(&name) || self.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
    }
}

/// Whether `origin` is an origin as browsers serialize it: `http` or `https`, `://`, a
/// host (lowercase DNS labels, or an IPv6 address in brackets), and a port if any. One
/// pass over the bytes.
#[inline(always)]
fn serialized_origin(origin: &[u8]) -> bool {
    let rest = match origin {
        [b'h', b't', b't', b'p', b's', b':', b'/', b'/', rest @ ..] => rest,
        [b'h', b't', b't', b'p', b':', b'/', b'/', rest @ ..] => rest,
        _ => return false,
    };
    if let [b'[', ..] = rest {
        return ipv6_host(rest);
    }
    // Labels of [a-z0-9-], none empty, then `:` and 1 to 5 digits, or the end; one
    // table lookup a byte.
    let mut after_label = false;
    for (i, &b) in rest.iter().enumerate() {
        match (HOST[usize::from(b)], after_label) {
            (LABEL, _) => after_label = true,
            (DOT, true) => after_label = false,
            (COLON, true) => return port(&rest[i + 1..]),
            _ => return false,
        }
    }
    after_label
}

const LABEL: u8 = 1;
const DOT: u8 = 2;
const COLON: u8 = 3;

/// The class of each byte in a host: [`LABEL`] for `[a-z0-9-]`, [`DOT`], [`COLON`], or 0.
const HOST: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' {
            LABEL
        } else if c == b'.' {
            DOT
        } else if c == b':' {
            COLON
        } else {
            0
        };
        b += 1;
    }
    t
};

/// `[address]` then a port if any, as [`serialized_origin`] accepts them.
fn ipv6_host(rest: &[u8]) -> bool {
    let Some(end) = rest.iter().position(|&b| b == b']') else {
        return false;
    };
    let address = &rest[1..end];
    let port_ok = match &rest[end + 1..] {
        [] => true,
        [b':', digits @ ..] => port(digits),
        _ => false,
    };
    port_ok && !address.is_empty() && address.iter().all(|&b| b.is_ascii_hexdigit() || b == b':')
}

/// 1 to 5 digits.
fn port(digits: &[u8]) -> bool {
    (1..=5).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_as_browsers_send_them_pass_and_others_do_not() {
        for ok in [
            "https://example.com",
            "http://localhost:8080",
            "https://app.tenant99.example.com",
            "http://[::1]:3000",
            "https://[2001:db8::1]",
        ] {
            assert!(serialized_origin(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "null",
            "https://",
            "https://Example.com",
            "https://a..example.com",
            "https://example.com/",
            "https://example.com:99999x",
            "ftp://example.com",
            "https://[]",
            "https://:80",
            "https://example.com:",
            "https://[::1",
            "https://ex ample.com",
        ] {
            assert!(!serialized_origin(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn request_headers_are_checked_by_name_and_bounded() {
        let checks = Checks::new(Origins::One);
        let ok = |lines: &[&str]| checks.request_headers_ok(|| lines.iter().map(|l| l.as_bytes()));
        assert!(ok(&["content-type"]));
        assert!(ok(&["Content-Type, accept", ""]));
        assert!(ok(&["accept,,x-requested-with"]));
        assert!(!ok(&["content-type, x-foo"]));
        assert!(!ok(&["content-type", "authorization"]));
        assert!(!ok(&[",".repeat(1024).as_str()]));
        assert!(!ok(&["content-type"; 100]));
    }

    #[test]
    fn methods_are_safelisted_or_listed_and_case_sensitive() {
        let checks = Checks::new(Origins::One);
        assert!(checks.method_ok(b"PUT"));
        assert!(checks.method_ok(b"GET"));
        assert!(!checks.method_ok(b"put"));
        assert!(!checks.method_ok(b"DELETE"));
    }
}
