//! Writing corsair's headers into a response, whatever the framework's header type.

use http::header::{Entry, HeaderMap, HeaderName, HeaderValue};

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

    /// Sets `name` to `value` if it has no value yet, and says whether it did; leaves
    /// the map alone otherwise. The default reads the values with
    /// [`for_each_value`](ResponseHeaders::for_each_value), then calls
    /// [`set`](ResponseHeaders::set); a map that can do it with one lookup should.
    ///
    /// ```
    /// use corsair::ResponseHeaders;
    /// use http::{HeaderMap, HeaderValue, header::VARY};
    ///
    /// let mut map = HeaderMap::new();
    /// assert!(map.set_if_absent(VARY, HeaderValue::from_static("Origin")));
    /// assert!(!map.set_if_absent(VARY, HeaderValue::from_static("Accept")));
    /// assert_eq!(map[VARY], "Origin");
    /// ```
    fn set_if_absent(&mut self, name: HeaderName, value: HeaderValue) -> bool {
        let mut present = false;
        self.for_each_value(&name, &mut |_| present = true);
        if !present {
            self.set(name, value);
        }
        !present
    }

    /// Whether the map may hold a header whose name starts with `access-control-`.
    /// `false` lets [`CorsHeaders::apply_to`](crate::CorsHeaders::apply_to) skip the
    /// removals, which would find nothing; `true` is always correct, and is the
    /// default.
    ///
    /// ```
    /// use corsair::ResponseHeaders;
    /// use http::{HeaderMap, HeaderValue};
    ///
    /// let mut map = HeaderMap::new();
    /// map.insert("content-type", HeaderValue::from_static("text/plain"));
    /// assert!(!map.may_have_access_control_headers());
    /// map.insert("access-control-max-age", HeaderValue::from_static("5"));
    /// assert!(map.may_have_access_control_headers());
    /// ```
    fn may_have_access_control_headers(&self) -> bool {
        true
    }
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

    fn set_if_absent(&mut self, name: HeaderName, value: HeaderValue) -> bool {
        match self.entry(name) {
            Entry::Vacant(entry) => {
                entry.insert(value);
                true
            }
            Entry::Occupied(_) => false,
        }
    }

    fn may_have_access_control_headers(&self) -> bool {
        may_have(self, |name| name.as_str().starts_with("access-control-"))
    }
}

/// Whether `map` may have a name for which `wanted` holds: `false` only when it has
/// at most [`MAX_SCANNED`] names and none is wanted. Scanning a few names costs less
/// than the lookups it saves; a long map is not scanned.
#[inline(always)]
pub(crate) fn may_have(map: &HeaderMap, wanted: impl Fn(&HeaderName) -> bool) -> bool {
    map.keys_len() > MAX_SCANNED || map.keys().any(wanted)
}

/// The most names [`may_have`] scans.
const MAX_SCANNED: usize = 8;
