//! The `Vary` set: the request headers a CORS answer depends on, and its merging into
//! a response's own `Vary`, token by token.

use http::header::{HeaderValue, VARY};

use crate::answer::Value;
use crate::fetch::trim_ows;
use crate::response::ResponseHeaders;

/// The request headers that a CORS answer can depend on, as a small set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vary(u8);

/// The header value of a [`Vary`] set, as a constant of a header value type with a
/// `const fn from_static` (`http` 1, or actix-web's `http` 0.2): each of the 16 values
/// is checked at compile time rather than on every response.
macro_rules! vary_value {
    ($vary:expr, $value:ty) => {
        vary_value!(@arms $vary, $value, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
    };
    (@arms $vary:expr, $value:ty, $($i:literal)*) => {
        match $vary.0 & 15 {
            $($i => const { <$value>::from_static(Vary::VALUES[$i]) },)*
            _ => <$value>::from_static(""),
        }
    };
}

impl Vary {
    /// No request header.
    pub const NONE: Vary = Vary(0);
    /// `Origin`.
    pub const ORIGIN: Vary = Vary(1);
    /// `Access-Control-Request-Method`.
    pub const REQUEST_METHOD: Vary = Vary(2);
    /// `Access-Control-Request-Headers`.
    pub const REQUEST_HEADERS: Vary = Vary(4);
    /// `Access-Control-Request-Private-Network`.
    pub const REQUEST_PRIVATE_NETWORK: Vary = Vary(8);

    const NAMES: [&'static str; 4] = [
        "Origin",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
        "Access-Control-Request-Private-Network",
    ];

    /// Every combination, comma-joined in a fixed order, so that a `Vary` value never
    /// has to be built per request.
    const VALUES: [&'static str; 16] = [
        "",
        "Origin",
        "Access-Control-Request-Method",
        "Origin, Access-Control-Request-Method",
        "Access-Control-Request-Headers",
        "Origin, Access-Control-Request-Headers",
        "Access-Control-Request-Method, Access-Control-Request-Headers",
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        "Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Private-Network",
        "Access-Control-Request-Method, Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Method, Access-Control-Request-Private-Network",
        "Access-Control-Request-Headers, Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
        "Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
    ];

    /// Both sets together.
    ///
    /// ```
    /// use corsair::Vary;
    /// let v = Vary::ORIGIN.union(Vary::REQUEST_METHOD);
    /// assert!(v.contains(Vary::ORIGIN) && v.contains(Vary::REQUEST_METHOD));
    /// ```
    #[must_use]
    pub const fn union(self, other: Vary) -> Vary {
        Vary(self.0 | other.0)
    }

    /// Whether every header of `other` is in this set.
    ///
    /// ```
    /// assert!(!corsair::Vary::NONE.contains(corsair::Vary::ORIGIN));
    /// ```
    pub const fn contains(self, other: Vary) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether the set is empty.
    ///
    /// ```
    /// assert!(corsair::Vary::NONE.is_empty());
    /// ```
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The `Vary` value for this set, such as `Origin, Access-Control-Request-Method`.
    ///
    /// ```
    /// assert_eq!(corsair::Vary::ORIGIN.as_str(), "Origin");
    /// ```
    pub const fn as_str(self) -> &'static str {
        Self::VALUES[(self.0 & 15) as usize]
    }

    /// [`Vary::as_str`] as a header value, checked at compile time rather than on
    /// every response.
    pub(crate) fn header_value(self) -> HeaderValue {
        vary_value!(self, HeaderValue)
    }

    /// [`Vary::header_value`] for actix-web.
    #[cfg(feature = "actix")]
    pub(crate) fn actix_value(self) -> actix_web::http::header::HeaderValue {
        vary_value!(self, actix_web::http::header::HeaderValue)
    }

    fn without(self, other: Vary) -> Vary {
        Vary(self.0 & !other.0)
    }

    /// Adds the set to a response's `Vary`, token by token: names already there
    /// (in any case) are not repeated, and `Vary: *` is left alone. When the response
    /// has no `Vary` yet, nothing is allocated.
    #[inline]
    pub(crate) fn merge_into<V: Value, M: ResponseHeaders<V> + ?Sized>(self, headers: &mut M) {
        if self.is_empty() {
            return;
        }
        // The usual case, a response without Vary: one lookup.
        if !headers.set_if_absent(VARY, V::vary(self)) {
            self.merge_with_existing(headers);
        }
    }

    /// [`Vary::merge_into`] for a response that has a `Vary` already.
    #[inline(never)]
    fn merge_with_existing<V: Value, M: ResponseHeaders<V> + ?Sized>(self, headers: &mut M) {
        let mut missing = self;
        let mut existing = false;
        let mut any = false;
        headers.for_each_value(&VARY, &mut |value| {
            existing = true;
            for token in value.split(|&b| b == b',') {
                let token = trim_ows(token);
                if token == b"*" {
                    any = true;
                }
                for (bit, name) in Self::NAMES.iter().enumerate() {
                    if token.eq_ignore_ascii_case(name.as_bytes()) {
                        missing = missing.without(Vary(1 << bit));
                    }
                }
            }
        });
        if any || missing.is_empty() {
            return;
        }
        if !existing {
            // A map whose `set_if_absent` found a value that `for_each_value` does not
            // show: set ours, as for an empty one.
            headers.set(VARY, V::vary(missing));
            return;
        }
        let mut merged = Vec::new();
        headers.for_each_value(&VARY, &mut |value| {
            let value = trim_ows(value);
            if !value.is_empty() {
                merged.extend_from_slice(value);
                merged.extend_from_slice(b", ");
            }
        });
        merged.extend_from_slice(missing.as_str().as_bytes());
        if let Some(value) = HeaderValue::from_bytes(&merged).ok().and_then(V::built) {
            headers.set(VARY, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    #[test]
    fn vary_merges_token_by_token() {
        let mut h = HeaderMap::new();
        Vary::ORIGIN.merge_into(&mut h);
        assert_eq!(h[VARY], "Origin");

        let mut h = HeaderMap::new();
        h.insert(VARY, HeaderValue::from_static("accept-encoding"));
        Vary::ORIGIN.union(Vary::REQUEST_METHOD).merge_into(&mut h);
        assert_eq!(
            h[VARY],
            "accept-encoding, Origin, Access-Control-Request-Method"
        );

        let mut h = HeaderMap::new();
        h.insert(VARY, HeaderValue::from_static("origin"));
        Vary::ORIGIN.merge_into(&mut h);
        assert_eq!(h.get_all(VARY).iter().count(), 1);
        assert_eq!(h[VARY], "origin");

        let mut h = HeaderMap::new();
        h.insert(VARY, HeaderValue::from_static("*"));
        Vary::ORIGIN.merge_into(&mut h);
        assert_eq!(h[VARY], "*");

        let mut h = HeaderMap::new();
        h.append(VARY, HeaderValue::from_static("Accept"));
        h.append(VARY, HeaderValue::from_static("Origin"));
        Vary::ORIGIN.union(Vary::REQUEST_HEADERS).merge_into(&mut h);
        assert_eq!(h.get_all(VARY).iter().count(), 1);
        assert_eq!(h[VARY], "Accept, Origin, Access-Control-Request-Headers");
    }
}
