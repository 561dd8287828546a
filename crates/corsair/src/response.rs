//! Writing corsair's headers into a response, whatever the framework's header type:
//! the [`ResponseHeaders`] trait, and [`write`], the one writer of corsair's headers.

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, Entry,
    HeaderMap, HeaderName, HeaderValue,
};

use crate::answer::{Headers, Value};
use crate::decision::ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK;

/// A response's header map, as corsair writes to it, with values of type `V`
/// (`http` 1's [`HeaderValue`] unless said otherwise).
///
/// [`CorsHeaders::apply_to`](crate::CorsHeaders::apply_to) uses only these three
/// operations, so the rules for setting, removing and merging headers live in one
/// place. It is implemented for [`http::HeaderMap`]; an adapter for a framework with
/// header types of its own implements it for those (the actix-web adapter does, for
/// `http` 1 values and, inside the adapter, for actix-web's own).
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
pub trait ResponseHeaders<V = HeaderValue> {
    /// Sets `name` to `value`, replacing every value it had.
    fn set(&mut self, name: HeaderName, value: V);

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
    fn set_if_absent(&mut self, name: HeaderName, value: V) -> bool {
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

    // `false` only when the map has at most `MAX_SCANNED` names and none is an
    // `Access-Control-*` one.
    fn may_have_access_control_headers(&self) -> bool {
        self.keys_len() > MAX_SCANNED
            || self
                .keys()
                .any(|name| name.as_str().starts_with("access-control-"))
    }
}

/// Writes the headers of a decision into a response; see
/// [`CorsHeaders::apply_to`](crate::CorsHeaders::apply_to). The tower layer, the
/// actix-web adapter and the answer to a preflight all write through it.
// Measured (`insn-count`): without it, actual requests cost 104 to 145 instructions more in the tower layer, 94 to 101 in the actix-web adapter.
#[inline(always)]
pub(crate) fn write<V: Value, M: ResponseHeaders<V> + ?Sized>(headers: Headers<V>, map: &mut M) {
    let Headers {
        allow_origin: origin,
        allow_credentials,
        expose_headers: expose,
        allow_methods: methods,
        allow_headers: request_headers,
        max_age,
        allow_private_network,
        vary,
        owns_cors_headers,
    } = headers;
    // A decision that does not own the CORS headers (non-CORS, CORS disabled) removes
    // nothing. Removing a header the response does not have changes nothing: when it
    // has no `Access-Control-*` header at all (a new preflight answer, most application
    // responses), the removals are skipped.
    let remove = owns_cors_headers && map.may_have_access_control_headers();
    // The headers of preflight answers are set when corsair sends them. Browsers ignore
    // them on other responses, so the application's own are removed only where nothing
    // at all may go out, for a rejected origin.
    let remove_preflight = remove && origin.is_none();
    let truth = |on: bool| on.then_some(V::TRUE);
    put(map, ACCESS_CONTROL_ALLOW_ORIGIN, origin, remove);
    put(
        map,
        ACCESS_CONTROL_ALLOW_CREDENTIALS,
        truth(allow_credentials),
        remove,
    );
    put(map, ACCESS_CONTROL_EXPOSE_HEADERS, expose, remove);
    put(map, ACCESS_CONTROL_ALLOW_METHODS, methods, remove_preflight);
    put(
        map,
        ACCESS_CONTROL_ALLOW_HEADERS,
        request_headers,
        remove_preflight,
    );
    put(map, ACCESS_CONTROL_MAX_AGE, max_age, remove_preflight);
    let private_network = truth(allow_private_network);
    put(
        map,
        ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
        private_network,
        remove_preflight,
    );
    vary.merge_into(map);
}

/// Sets `name` to `value`; without a value, removes it if `remove`.
fn put<V, M: ResponseHeaders<V> + ?Sized>(
    map: &mut M,
    name: HeaderName,
    value: Option<V>,
    remove: bool,
) {
    match value {
        Some(value) => map.set(name, value),
        None if remove => map.remove(&name),
        None => {}
    }
}

/// The most names scanned for an `Access-Control-*` one: scanning a few names costs
/// less than the lookups it saves; a long map is not scanned.
const MAX_SCANNED: usize = 8;
