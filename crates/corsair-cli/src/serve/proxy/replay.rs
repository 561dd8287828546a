//! What sends a request once more: [`Replay`], an idempotent request without a body
//! whose pooled connection closed without answering, and the test of that failure.

use std::error::Error as StdError;

use http::{Request, Uri};

use super::super::limits::RequestBody;

/// An idempotent request without a body, kept to be sent once more on a fresh
/// connection when the pooled one it went on closes without a complete response head
/// (the upstream's keep-alive timeout may have fired as it arrived), as nginx does.
pub(super) struct Replay {
    method: http::Method,
    uri: Uri,
    headers: http::HeaderMap,
}

impl Replay {
    /// What it takes to send the request of `parts` again (without its body).
    pub(super) fn of(parts: &http::request::Parts) -> Replay {
        Replay {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            headers: parts.headers.clone(),
        }
    }

    /// The request, to send again.
    pub(super) fn request(self) -> Request<RequestBody> {
        let mut request = Request::new(RequestBody::empty());
        *request.method_mut() = self.method;
        *request.uri_mut() = self.uri;
        *request.headers_mut() = self.headers;
        request
    }
}

/// Whether the pooled client's exchange failed because the upstream closed (or reset)
/// the connection before a complete response head, after the request was sent.
pub(super) fn closed_without_answer(error: &hyper_util::client::legacy::Error) -> bool {
    if error.is_connect() {
        return false;
    }
    let mut source = error.source();
    while let Some(e) = source {
        if let Some(hyper_error) = e.downcast_ref::<hyper::Error>() {
            if hyper_error.is_incomplete_message() {
                return true;
            }
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionReset {
                return true;
            }
        }
        source = e.source();
    }
    false
}
