//! Why an exchange with the upstream, or a response body, failed.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use crate::serve::h1::head::MAX_HEAD;

/// Why an exchange or a response body failed.
#[derive(Debug)]
pub(crate) enum Error {
    /// Reading or writing the socket failed.
    Io(io::Error),
    /// The upstream closed the connection before the response head was complete.
    ClosedBeforeHead,
    /// The response head is larger than [`MAX_HEAD`].
    HeadTooLarge,
    /// The response head is not HTTP/1.x.
    Parse(httparse::Error),
    /// A header that cannot be: an invalid status, name or value.
    InvalidHead(&'static str),
    /// `Content-Length` is not one number.
    InvalidContentLength,
    /// `Transfer-Encoding` in an HTTP/1.0 response.
    TransferEncodingInHttp10,
    /// `101 Switching Protocols` to a request that asked for no upgrade.
    UnexpectedUpgrade,
    /// The upstream closed the connection before the body was complete.
    ClosedInBody,
    /// The chunked body is malformed.
    InvalidChunk(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "connection error: {e}"),
            Error::ClosedBeforeHead => f.write_str("connection closed before message completed"),
            Error::HeadTooLarge => write!(f, "message head is too large (over {MAX_HEAD} bytes)"),
            Error::Parse(e) => write!(f, "invalid HTTP response: {e}"),
            Error::InvalidHead(what) => write!(f, "invalid HTTP response: {what}"),
            Error::InvalidContentLength => f.write_str("invalid HTTP response: content-length"),
            Error::TransferEncodingInHttp10 => {
                f.write_str("invalid HTTP response: transfer-encoding in HTTP/1.0")
            }
            Error::UnexpectedUpgrade => {
                f.write_str("invalid HTTP response: 101 to a request that asked for no upgrade")
            }
            Error::ClosedInBody => f.write_str("connection closed before the body was complete"),
            Error::InvalidChunk(what) => write!(f, "invalid chunked body: {what}"),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Parse(e) => Some(e),
            _ => None,
        }
    }
}
