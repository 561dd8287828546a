//! Writing corsair's headers into a response, whatever the framework's header type.

use http::header::{HeaderMap, HeaderName, HeaderValue};

/// A response's header map, as corsair writes to it.
///
/// [`CorsHeaders::apply_to`](crate::CorsHeaders::apply_to) uses only these three
/// operations, so the rules for setting, removing and merging headers live in one
/// place. It is implemented for [`http::HeaderMap`]; an adapter for a framework with
/// header types of its own implements it for those (the actix-web adapter does).
///
/// ```
/// use corsair::ResponseHeaders;
/// use http::{HeaderMap, HeaderValue, header::VARY};
///
/// let mut map = HeaderMap::new();
/// map.set(VARY, HeaderValue::from_static("Origin"));
/// let mut seen = Vec::new();
/// map.for_each_value(&VARY, &mut |v| seen.push(v.to_vec()));
/// assert_eq!(seen, [b"Origin".to_vec()]);
/// ```
pub trait ResponseHeaders {
    /// Sets `name` to `value`, replacing every value it had.
    fn set(&mut self, name: HeaderName, value: HeaderValue);

    /// Removes every value of `name`.
    fn remove(&mut self, name: &HeaderName);

    /// Calls `f` with each value of `name`, in order.
    fn for_each_value(&self, name: &HeaderName, f: &mut dyn FnMut(&[u8]));
}

impl ResponseHeaders for HeaderMap {
    fn set(&mut self, name: HeaderName, value: HeaderValue) {
        self.insert(name, value);
    }

    fn remove(&mut self, name: &HeaderName) {
        HeaderMap::remove(self, name);
    }

    fn for_each_value(&self, name: &HeaderName, f: &mut dyn FnMut(&[u8])) {
        for value in self.get_all(name) {
            f(value.as_bytes());
        }
    }
}
