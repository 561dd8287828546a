//! The engine's answer to one request, with header values of the type of whoever
//! writes them: `http` 1's for [`Decision`](crate::Decision) and the tower layer,
//! actix-web's own (`http` 0.2) for the actix-web adapter.

use http::StatusCode;
use http::header::HeaderValue;

use crate::decision::{Action, PolicyValue, Reason, RequestKind};
use crate::request::RequestHeaders;
use crate::vary::Vary;

/// The CORS headers of a decision, with values of type `V`.
///
/// [`CorsHeaders`](crate::CorsHeaders) is this with `http` 1 values;
/// [`response::write`](crate::response::write) writes it into any response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Headers<V> {
    pub(crate) allow_origin: Option<V>,
    pub(crate) allow_credentials: bool,
    pub(crate) expose_headers: Option<V>,
    pub(crate) allow_methods: Option<V>,
    pub(crate) allow_headers: Option<V>,
    pub(crate) max_age: Option<V>,
    pub(crate) allow_private_network: bool,
    pub(crate) vary: Vary,
    /// Whether corsair owns the `Access-Control-*` headers of the response: it then
    /// removes those the application set that it does not send itself.
    pub(crate) owns_cors_headers: bool,
}

impl<V> Default for Headers<V> {
    fn default() -> Self {
        Headers {
            allow_origin: None,
            allow_credentials: false,
            expose_headers: None,
            allow_methods: None,
            allow_headers: None,
            max_age: None,
            allow_private_network: false,
            vary: Vary::NONE,
            owns_cors_headers: false,
        }
    }
}

#[cfg(any(feature = "tower", feature = "actix"))]
impl<V> Headers<V> {
    /// The headers a forwarded request's response gets (a preflight is never
    /// forwarded).
    pub(crate) fn forwarded(self) -> Forwarded<V> {
        Forwarded {
            allow_origin: self.allow_origin,
            allow_credentials: self.allow_credentials,
            expose_headers: self.expose_headers,
            vary: self.vary,
            owns_cors_headers: self.owns_cors_headers,
        }
    }
}

/// [`Headers`] without those of a preflight's answer, which a forwarded request never
/// has: what a middleware keeps while the application answers, in less than half the
/// size. Its futures are moved several times.
// Measured (`insn-count`): futures holding the whole `Headers` cost 66 to 86 instructions more an actual request in the tower layer (5 %), 96 to 138 in the actix-web adapter.
#[cfg(any(feature = "tower", feature = "actix"))]
#[derive(Clone, Debug)]
pub(crate) struct Forwarded<V> {
    allow_origin: Option<V>,
    allow_credentials: bool,
    expose_headers: Option<V>,
    vary: Vary,
    owns_cors_headers: bool,
}

#[cfg(any(feature = "tower", feature = "actix"))]
impl<V> Forwarded<V> {
    /// The same headers, whole again, to write.
    pub(crate) fn into_headers(self) -> Headers<V> {
        Headers {
            allow_origin: self.allow_origin,
            allow_credentials: self.allow_credentials,
            expose_headers: self.expose_headers,
            vary: self.vary,
            owns_cors_headers: self.owns_cors_headers,
            ..Headers::default()
        }
    }
}

/// What the engine decides for one request: its kind, the verdict with its reason,
/// what to do, and the headers to send. [`Decision`](crate::Decision) is this with
/// `http` 1 values; the middleware adapters read only the action and the headers.
#[derive(Debug)]
pub(crate) struct Answer<'r, V> {
    pub(crate) kind: RequestKind,
    pub(crate) reason: Reason<'r>,
    pub(crate) action: Action,
    pub(crate) headers: Headers<V>,
}

impl<'r, V> Answer<'r, V> {
    /// The request goes to the application, whose response gets `headers`.
    pub(crate) fn forward(kind: RequestKind, reason: Reason<'r>, headers: Headers<V>) -> Self {
        Answer {
            kind,
            reason,
            action: Action::Forward,
            headers,
        }
    }

    /// A preflight corsair answers at once, with `status`, an empty body and `headers`.
    pub(crate) fn preflight(reason: Reason<'r>, status: StatusCode, headers: Headers<V>) -> Self {
        Answer {
            kind: RequestKind::Preflight,
            reason,
            action: Action::Respond(status),
            headers,
        }
    }

    /// A cross-origin write refused by `cross_origin_protection`: forbidden, without
    /// a CORS header, before the application sees it.
    pub(crate) fn refused_write(kind: RequestKind) -> Self {
        Answer {
            kind,
            reason: Reason::CrossOriginWriteRefused,
            action: Action::Respond(StatusCode::FORBIDDEN),
            headers: Headers {
                owns_cors_headers: true,
                ..Headers::default()
            },
        }
    }

    /// A refused preflight: forbidden, and no header but `vary` (a rejection carries
    /// no CORS header).
    pub(crate) fn refused_preflight(reason: Reason<'r>, vary: Vary) -> Self {
        let headers = Headers {
            vary,
            owns_cors_headers: true,
            ..Headers::default()
        };
        Answer::preflight(reason, StatusCode::FORBIDDEN, headers)
    }
}

/// A type of response header value corsair writes: `http` 1's, or actix-web's.
pub(crate) trait Value: Sized {
    /// `true`, for the credentials and private-network headers.
    const TRUE: Self;
    /// The value of a `Vary` set.
    fn vary(vary: Vary) -> Self;
    /// One of the policy's values, computed when it was built.
    fn policy(value: &PolicyValue) -> Self;
    /// A value built for this request (the rare normalized list of request headers,
    /// a merged `Vary`).
    fn built(value: HeaderValue) -> Option<Self>;
}

impl Value for HeaderValue {
    const TRUE: Self = HeaderValue::from_static("true");

    fn vary(vary: Vary) -> Self {
        vary.header_value()
    }

    fn policy(value: &PolicyValue) -> Self {
        value.value.clone()
    }

    fn built(value: HeaderValue) -> Option<Self> {
        Some(value)
    }
}

/// A request's header map whose values can be repeated in a response with values of
/// type `V` (the allowed origin, the requested method and header list): for `http` 1
/// values, any map; for actix-web's, its own map, whose values are cloned.
pub(crate) trait EchoAs<V>: RequestHeaders {
    fn echo(value: &Self::Value) -> Option<V>;
}

impl<H: RequestHeaders + ?Sized> EchoAs<HeaderValue> for H {
    fn echo(value: &H::Value) -> Option<HeaderValue> {
        H::to_header_value(value)
    }
}
