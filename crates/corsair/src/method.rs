//! Methods: validation of the declared list and the case-sensitive check of
//! `Access-Control-Request-Method`.
//!
//! Fetch compares methods byte for byte. It uppercases only six methods when a script
//! names them (`DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST`, `PUT`); `patch` stays
//! `patch`. corsair normalizes the declared list the same way and then compares
//! exactly, as browsers do.

/// The methods a policy allows beyond the CORS-safelisted `GET`, `HEAD` and `POST`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AllowedMethods {
    /// `*`: every method.
    Any,
    /// These methods, normalized, compared byte for byte.
    List(Vec<Box<str>>),
}

impl AllowedMethods {
    /// Whether a preflight asking for `method` passes. The safelisted methods always do;
    /// a method that passes is a token (the listed ones were checked when the policy
    /// was built).
    pub(crate) fn allows(&self, method: &[u8]) -> bool {
        is_safelisted(method)
            || match self {
                AllowedMethods::Any => is_token(method),
                // Methods are short: compared in line rather than through `memcmp`.
                AllowedMethods::List(list) => list.iter().any(|m| {
                    m.len() == method.len() && m.bytes().zip(method).all(|(a, &b)| a == b)
                }),
            }
    }
}

/// `GET`, `HEAD` and `POST`, byte for byte (`#cors-safelisted-method`).
pub(crate) fn is_safelisted(method: &[u8]) -> bool {
    matches!(method, b"GET" | b"HEAD" | b"POST")
}

/// `CONNECT`, `TRACE` and `TRACK`, in any case (Fetch `#forbidden-method`): methods that
/// `fetch()` refuses. Public as `corsair::fetch::is_forbidden_method`.
///
/// ```
/// use corsair::fetch::is_forbidden_method;
/// assert!(is_forbidden_method("trace"));
/// assert!(!is_forbidden_method("PATCH"));
/// ```
pub fn is_forbidden_method(method: &str) -> bool {
    ["CONNECT", "TRACE", "TRACK"]
        .iter()
        .any(|f| f.eq_ignore_ascii_case(method))
}

/// Fetch's method normalization (`#concept-method-normalize`): the uppercase form of a
/// case-insensitive match of `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST` or `PUT`; `None`
/// for every other method, which is left as written. Public as
/// `corsair::fetch::normalized_method`.
///
/// ```
/// use corsair::fetch::normalized_method;
/// assert_eq!(normalized_method("pUt"), Some("PUT"));
/// assert_eq!(normalized_method("patch"), None);
/// ```
pub fn normalized_method(method: &str) -> Option<&'static str> {
    const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    NORMALIZED
        .into_iter()
        .find(|m| m.eq_ignore_ascii_case(method))
}

/// Fetch's method normalization, as an owned name.
pub(crate) fn normalize(method: &str) -> String {
    normalized_method(method).unwrap_or(method).to_owned()
}

/// An RFC 9110 token: what a method or a header name must be. Public as
/// `corsair::fetch::is_token`.
///
/// ```
/// use corsair::fetch::is_token;
/// assert!(is_token(b"PATCH"));
/// assert!(is_token(b"x-request-id"));
/// assert!(!is_token(b""));
/// assert!(!is_token(b"GET, POST"));
/// ```
pub fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| TCHAR[usize::from(b)])
}

/// [`is_tchar`] as a table, one lookup a byte.
const TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = is_tchar(b as u8);
        b += 1;
    }
    t
};

/// An RFC 9110 `tchar`: a byte a token may contain (letters, digits and
/// ``!#$%&'*+-.^_`|~``). Public as `corsair::fetch::is_tchar`.
///
/// ```
/// use corsair::fetch::is_tchar;
/// assert!(is_tchar(b'~'));
/// assert!(!is_tchar(b'/'));
/// assert!(!is_tchar(b' '));
/// ```
pub const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
        | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_follows_fetch() {
        assert_eq!(normalize("delete"), "DELETE");
        assert_eq!(normalize("Put"), "PUT");
        assert_eq!(normalize("options"), "OPTIONS");
        assert_eq!(normalize("patch"), "patch");
        assert_eq!(normalize("PATCH"), "PATCH");
        assert_eq!(normalize("x-custom"), "x-custom");
    }

    #[test]
    fn comparison_is_case_sensitive() {
        let allowed = AllowedMethods::List(vec!["PATCH".into(), "DELETE".into()]);
        assert!(allowed.allows(b"PATCH"));
        assert!(!allowed.allows(b"patch"));
        assert!(allowed.allows(b"DELETE"));
        assert!(!allowed.allows(b"PUT"));
        assert!(allowed.allows(b"GET"));
        assert!(allowed.allows(b"POST"));
        assert!(!allowed.allows(b"get"));
        assert!(AllowedMethods::Any.allows(b"whatever"));
    }

    #[test]
    fn forbidden_and_tokens() {
        assert!(is_forbidden_method("connect"));
        assert!(is_forbidden_method("TRACK"));
        assert!(!is_forbidden_method("PATCH"));
        assert!(is_token(b"PATCH"));
        assert!(!is_token(b""));
        assert!(!is_token(b"GET POST"));
        assert!(!is_token(b"GET,"));
    }
}
