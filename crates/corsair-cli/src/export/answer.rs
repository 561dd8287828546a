//! What `corsair serve` sends, case by case: for each kind of request a part of the
//! policy can see, the value of each CORS response header and the `Vary` tokens it
//! adds. Edges that decide with a lookup table (nginx's `map`) write these tables.

use super::model::Rules;

/// The kinds of request an edge tells apart, for one part of the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Case {
    /// No `Origin`: forwarded.
    NonCors,
    /// An actual request from an allowed origin: forwarded.
    Actual,
    /// An actual request from an origin that is not allowed (or malformed): forwarded,
    /// without CORS headers.
    Refused,
    /// An allowed preflight that names no request header: answered at the edge.
    Preflight,
    /// An allowed preflight that names request headers: answered at the edge.
    PreflightWithHeaders,
    /// A refused preflight: 403 at the edge, without CORS headers.
    PreflightRefused,
    /// A cross-origin write refused by `cross_origin_protection`: 403 at the edge,
    /// without CORS headers or `Vary`.
    WriteRefused,
    /// Debug mode, a preflight from an allowed origin whose method (a token) is not
    /// allowed: an ok answer with the full list of methods.
    DebugMethod,
    /// Debug mode, a preflight from an allowed origin and method whose first refused
    /// request header is a name that is not allowed: an ok answer with the full list of
    /// headers.
    DebugHeaders,
}

impl Case {
    /// Every case.
    pub(crate) const ALL: [Case; 9] = [
        Case::NonCors,
        Case::Actual,
        Case::Refused,
        Case::Preflight,
        Case::PreflightWithHeaders,
        Case::PreflightRefused,
        Case::WriteRefused,
        Case::DebugMethod,
        Case::DebugHeaders,
    ];

    /// A short name, for the generated configuration.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Case::NonCors => "noncors",
            Case::Actual => "actual",
            Case::Refused => "refused",
            Case::Preflight => "preflight",
            Case::PreflightWithHeaders => "preflight-headers",
            Case::PreflightRefused => "preflight-refused",
            Case::WriteRefused => "write-refused",
            Case::DebugMethod => "debug-method",
            Case::DebugHeaders => "debug-headers",
        }
    }

    /// Whether the edge answers the request itself (a preflight is never forwarded,
    /// nor a refused write).
    pub(crate) fn is_answered_at_the_edge(self) -> bool {
        matches!(
            self,
            Case::Preflight
                | Case::PreflightWithHeaders
                | Case::PreflightRefused
                | Case::WriteRefused
                | Case::DebugMethod
                | Case::DebugHeaders
        )
    }
}

/// The CORS response headers corsair sets or removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Header {
    /// `Access-Control-Allow-Origin`.
    AllowOrigin,
    /// `Access-Control-Allow-Credentials`.
    AllowCredentials,
    /// `Access-Control-Expose-Headers`.
    ExposeHeaders,
    /// `Access-Control-Allow-Methods`.
    AllowMethods,
    /// `Access-Control-Allow-Headers`.
    AllowHeaders,
    /// `Access-Control-Max-Age`.
    MaxAge,
    /// `Access-Control-Allow-Private-Network`.
    AllowPrivateNetwork,
}

impl Header {
    /// Every header corsair owns.
    pub(crate) const ALL: [Header; 7] = [
        Header::AllowOrigin,
        Header::AllowCredentials,
        Header::ExposeHeaders,
        Header::AllowMethods,
        Header::AllowHeaders,
        Header::MaxAge,
        Header::AllowPrivateNetwork,
    ];

    /// The header's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Header::AllowOrigin => "Access-Control-Allow-Origin",
            Header::AllowCredentials => "Access-Control-Allow-Credentials",
            Header::ExposeHeaders => "Access-Control-Expose-Headers",
            Header::AllowMethods => "Access-Control-Allow-Methods",
            Header::AllowHeaders => "Access-Control-Allow-Headers",
            Header::MaxAge => "Access-Control-Max-Age",
            Header::AllowPrivateNetwork => "Access-Control-Allow-Private-Network",
        }
    }
}

/// Where the value of a response header comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    /// This text.
    Text(String),
    /// The request's `Origin`, repeated.
    Origin,
    /// The request's `Access-Control-Request-Method`, repeated.
    RequestMethod,
    /// The request's `Access-Control-Request-Headers`, repeated.
    RequestHeaders,
    /// `true` when the request's (first) `Access-Control-Request-Private-Network` is
    /// exactly `true`; no header otherwise.
    PrivateNetworkAsked,
    /// Whatever the upstream sent (nothing when it sent none).
    Upstream,
    /// No such header: the upstream's, if any, is removed.
    Removed,
}

/// The value of `header` in `case`, under `rules` (`None`: CORS disabled there, and
/// the upstream's headers pass).
pub(crate) fn value(rules: Option<&Rules>, case: Case, header: Header) -> Value {
    let Some(rules) = rules else {
        return Value::Upstream;
    };
    let text = |t: &str| Value::Text(t.to_owned());
    let allow_origin = if rules.static_any() {
        text("*")
    } else {
        Value::Origin
    };
    let credentials = if rules.credentials {
        text("true")
    } else {
        Value::Removed
    };
    let expose = rules.expose_headers.as_deref().map(text);
    match (case, header) {
        // A request without Origin keeps the upstream's headers, but for a static `*`.
        (Case::NonCors, Header::AllowOrigin) if rules.static_any() => text("*"),
        (Case::NonCors, Header::ExposeHeaders) if rules.static_any() => {
            expose.unwrap_or(Value::Upstream)
        }
        (Case::NonCors, _) => Value::Upstream,
        (Case::Actual, Header::AllowOrigin) => allow_origin,
        (Case::Actual, Header::AllowCredentials) => credentials,
        (Case::Actual, Header::ExposeHeaders) => expose.unwrap_or(Value::Removed),
        // Browsers ignore the preflight headers on other responses: the upstream's stay.
        (Case::Actual, _) => Value::Upstream,
        (Case::Refused | Case::PreflightRefused | Case::WriteRefused, _) => Value::Removed,
        (Case::Preflight | Case::PreflightWithHeaders, Header::AllowOrigin) => allow_origin,
        (Case::Preflight | Case::PreflightWithHeaders, Header::AllowCredentials) => credentials,
        (Case::Preflight | Case::PreflightWithHeaders, Header::AllowMethods) => {
            Value::RequestMethod
        }
        (Case::PreflightWithHeaders, Header::AllowHeaders) => {
            match rules.wildcard_allow_headers() {
                Some(wildcard) => text(wildcard),
                None => Value::RequestHeaders,
            }
        }
        (Case::Preflight | Case::PreflightWithHeaders, Header::AllowPrivateNetwork)
            if rules.private_network =>
        {
            Value::PrivateNetworkAsked
        }
        (Case::Preflight | Case::PreflightWithHeaders, Header::MaxAge) => rules
            .max_age
            .map_or(Value::Removed, |seconds| Value::Text(seconds.to_string())),
        (Case::Preflight | Case::PreflightWithHeaders, _) => Value::Removed,
        (Case::DebugMethod | Case::DebugHeaders, Header::AllowOrigin) => allow_origin,
        (Case::DebugMethod | Case::DebugHeaders, Header::AllowCredentials) => credentials,
        (Case::DebugMethod, Header::AllowMethods) => Value::Text(rules.debug_allow_methods()),
        (Case::DebugHeaders, Header::AllowMethods) => Value::RequestMethod,
        (Case::DebugHeaders, Header::AllowHeaders) => rules
            .debug_allow_headers()
            .map_or(Value::Removed, Value::Text),
        (Case::DebugMethod | Case::DebugHeaders, _) => Value::Removed,
    }
}

/// The `Vary` tokens corsair adds in `case` (merged into the upstream's, unless the
/// upstream's is `*`); empty for none.
pub(crate) fn vary(rules: Option<&Rules>, case: Case) -> &'static str {
    let Some(rules) = rules else {
        return "";
    };
    match case {
        Case::WriteRefused => "",
        Case::NonCors | Case::Actual if rules.static_any() => "",
        Case::NonCors | Case::Actual | Case::Refused => "Origin",
        Case::Preflight
        | Case::PreflightWithHeaders
        | Case::PreflightRefused
        | Case::DebugMethod
        | Case::DebugHeaders => rules.preflight_vary(),
    }
}

/// The status of the edge's own answer (a preflight, a refused write).
pub(crate) fn edge_status(rules: &Rules, case: Case) -> Option<u16> {
    match case {
        Case::Preflight | Case::PreflightWithHeaders | Case::DebugMethod | Case::DebugHeaders => {
            Some(rules.preflight_status)
        }
        Case::PreflightRefused | Case::WriteRefused => Some(403),
        _ => None,
    }
}
