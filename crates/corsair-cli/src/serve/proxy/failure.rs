//! Why the gateway answers a request itself ([`Failure`], as a small JSON answer), and
//! how a failed exchange with the upstream ([`ExchangeError`]) maps to one.

use std::error::Error as StdError;

use http::header::CONNECTION;
use http::{HeaderValue, Response, StatusCode};

use super::super::config::Upstream;
use super::super::limits::{BodyTooLarge, RequestBodyError};
use super::super::metrics::{ClientError, METRICS, UpstreamError};
use super::super::refuse::Refusal;
use super::{ProxyBody, json_response};

/// Why the gateway answers itself instead of the upstream.
pub(super) enum Failure {
    BadGateway(String),
    GatewayTimeout(String),
    PayloadTooLarge(u64),
    BadRequest(String),
    /// A request head that RFC 9112 calls invalid; the connection is closed after it.
    Refused(Refusal),
    /// `CONNECT`: the gateway is not a forward proxy.
    Connect,
}

impl Failure {
    /// The gateway's JSON answer.
    pub(super) fn response(self) -> Response<ProxyBody> {
        let refused = matches!(self, Failure::Refused(_));
        let (status, error, detail) = match self {
            Failure::BadGateway(d) => (StatusCode::BAD_GATEWAY, "bad_gateway", d),
            Failure::GatewayTimeout(d) => (StatusCode::GATEWAY_TIMEOUT, "gateway_timeout", d),
            Failure::PayloadTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body is larger than {limit} bytes"),
            ),
            Failure::BadRequest(d) => (StatusCode::BAD_REQUEST, "bad_request", d),
            Failure::Refused(refusal) => {
                let error = match refusal.status() {
                    StatusCode::NOT_IMPLEMENTED => "not_implemented",
                    _ => "bad_request",
                };
                (refusal.status(), error, refusal.to_string())
            }
            Failure::Connect => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "CONNECT is not forwarded: this is a gateway, not a forward proxy".to_owned(),
            ),
        };
        let mut response = json_response(
            status,
            &serde_json::json!({ "error": error, "detail": detail }),
        );
        if refused {
            // The head cannot be trusted, nor, with it, where the next request starts.
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// How an exchange with the upstream failed.
#[derive(Debug)]
pub(super) enum ExchangeError {
    /// Through the pooled client.
    Pooled(hyper_util::client::legacy::Error),
    /// Connecting a dedicated connection.
    Connect(std::io::Error),
    /// On a dedicated connection.
    Dedicated(Box<dyn StdError + Send + Sync>),
}

impl ExchangeError {
    fn error(&self) -> &(dyn StdError + 'static) {
        match self {
            ExchangeError::Pooled(e) => e,
            ExchangeError::Connect(e) => e,
            ExchangeError::Dedicated(e) => &**e,
        }
    }

    fn is_connect(&self) -> bool {
        match self {
            ExchangeError::Pooled(e) => e.is_connect(),
            ExchangeError::Connect(_) => true,
            ExchangeError::Dedicated(_) => false,
        }
    }
}

/// Maps a failed exchange to the gateway's answer, and counts it.
pub(super) fn classify(exchange: &ExchangeError, upstream: &Upstream) -> Failure {
    let error = exchange.error();
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    let mut timed_out = false;
    while let Some(e) = source {
        if let Some(too_large) = e.downcast_ref::<BodyTooLarge>() {
            METRICS.client_error(ClientError::BodyTooLarge);
            return Failure::PayloadTooLarge(too_large.0);
        }
        if let Some(RequestBodyError::Client(client)) = e.downcast_ref::<RequestBodyError>() {
            // The client's request body failed (malformed chunked encoding, or the
            // client went away): the client's error, not the upstream's.
            METRICS.client_error(ClientError::Malformed);
            tracing::debug!("the client's request body failed: {client}");
            return Failure::BadRequest(format!("the request body could not be read: {client}"));
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            timed_out |= io.kind() == std::io::ErrorKind::TimedOut;
        }
        source = e.source();
    }
    let detail = chain(error);
    let connect = exchange.is_connect();
    if timed_out && connect {
        METRICS.upstream_error(UpstreamError::Timeout);
        tracing::warn!(%upstream, "cannot connect to the upstream in time: {detail}");
        return Failure::GatewayTimeout(format!(
            "cannot connect to the upstream in time: {detail}"
        ));
    }
    if connect {
        METRICS.upstream_error(UpstreamError::Connect);
        tracing::warn!(%upstream, "cannot connect to the upstream: {detail}");
        return Failure::BadGateway(format!("cannot connect to the upstream: {detail}"));
    }
    METRICS.upstream_error(UpstreamError::Protocol);
    tracing::warn!(%upstream, "the upstream failed: {detail}");
    Failure::BadGateway(format!("the upstream failed: {detail}"))
}

/// An error and its causes, on one line.
pub(super) fn chain(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let more = e.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = e.source();
    }
    text
}
