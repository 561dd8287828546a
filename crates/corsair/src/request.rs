//! Reading a request's headers, whatever the framework's header type.

use http::header::{HeaderMap, HeaderName, HeaderValue};

/// A request's header map, as the engine reads it: the values of a header, by name,
/// as bytes. [`Policy::decide_with`](crate::Policy::decide_with) takes any such map,
/// so that an adapter for a framework with header types of its own reads them where
/// they are, without copying them into an [`http::HeaderMap`] first (the actix-web
/// adapter does so).
///
/// The engine asks for four names only: `Origin`, `Access-Control-Request-Method`,
/// `Access-Control-Request-Headers` and `Access-Control-Request-Private-Network`.
///
/// ```
/// use corsair::RequestHeaders;
/// use http::{HeaderMap, HeaderName, HeaderValue, header::ORIGIN};
///
/// /// Header lines as a parser left them: (lowercase name, value).
/// struct Lines(Vec<(&'static str, HeaderValue)>);
///
/// impl RequestHeaders for Lines {
///     type Value = HeaderValue;
///     type Values<'a> = Box<dyn Iterator<Item = &'a HeaderValue> + 'a>;
///     fn get_all<'a>(&'a self, name: &HeaderName) -> Self::Values<'a> {
///         let name = name.as_str().to_owned();
///         Box::new(self.0.iter().filter(move |(n, _)| *n == name).map(|(_, v)| v))
///     }
///     fn as_bytes(value: &HeaderValue) -> &[u8] {
///         value.as_bytes()
///     }
/// }
///
/// let lines = Lines(vec![("origin", HeaderValue::from_static("https://a.example"))]);
/// assert_eq!(lines.get_all(&ORIGIN).count(), 1);
/// let policy = corsair::Policy::builder().allow_origins(["https://a.example"]).build()?;
/// assert!(policy.decide_with("GET", "/", &lines).allowed());
/// # Ok::<(), corsair::ConfigError>(())
/// ```
pub trait RequestHeaders {
    /// How the map stores a header value.
    type Value;

    /// The values of one header, in order.
    type Values<'a>: Iterator<Item = &'a Self::Value>
    where
        Self: 'a;

    /// The values of `name` (lowercase), in the order the request sent them.
    fn get_all<'a>(&'a self, name: &HeaderName) -> Self::Values<'a>;

    /// The bytes of a value.
    fn as_bytes(value: &Self::Value) -> &[u8];

    /// A value as an [`http::HeaderValue`], for the headers of a [`Decision`](crate::Decision)
    /// that repeat a request header (such as the allowed origin). The default copies
    /// the bytes; a map of `http` 1 values clones its own (a reference-count
    /// increment at most).
    ///
    /// ```
    /// use corsair::RequestHeaders;
    /// use http::{HeaderMap, HeaderValue};
    /// let value = HeaderValue::from_static("PUT");
    /// assert_eq!(<HeaderMap as RequestHeaders>::to_header_value(&value), Some(value));
    /// ```
    fn to_header_value(value: &Self::Value) -> Option<HeaderValue> {
        HeaderValue::from_bytes(Self::as_bytes(value)).ok()
    }
}

impl RequestHeaders for HeaderMap {
    type Value = HeaderValue;
    type Values<'a> = http::header::ValueIter<'a, HeaderValue>;

    #[inline]
    fn get_all<'a>(&'a self, name: &HeaderName) -> Self::Values<'a> {
        HeaderMap::get_all(self, name).into_iter()
    }

    fn as_bytes(value: &HeaderValue) -> &[u8] {
        value.as_bytes()
    }

    fn to_header_value(value: &HeaderValue) -> Option<HeaderValue> {
        Some(value.clone())
    }
}
