//! Limits against bad clients: the activity clock behind the idle, request-head and
//! upstream timeouts (`activity.rs`), the client's stream that feeds it and the 408
//! written on it (`client_io.rs`), and the optional request body limit
//! (`request_body.rs`).
//!
//! Which limit does what:
//!
//! | limit | enforced by | answer |
//! |---|---|---|
//! | `max_connections` | a semaphore taken before `accept`, held until the connection (or its upgraded tunnel) closes | none: further connections wait in the listen backlog |
//! | `max_upstream_connections` | a semaphore: a place per open upstream connection (`upstream.rs`) | the request waits for one, within `upstream_timeout`; then 504 |
//! | `max_upstream_per_connection` | a semaphore per client connection, a place per HTTP/2 stream's exchange until its response body ends (`proxy/send.rs`) | the stream waits for one, within `upstream_timeout`; then 504 |
//! | `max_header_bytes`, `max_headers` | hyper (HTTP/1 read buffer; HTTP/2 header list) | 431, then close |
//! | malformed request | hyper | 400, then close |
//! | malformed request body | hyper, seen by the upstream client (`proxy/failure.rs`) | 400, then close |
//! | `Host` missing, repeated or invalid; `Transfer-Encoding` repeated | `refuse.rs` | 400 |
//! | a transfer coding other than `chunked` | `refuse.rs` | 501 |
//! | a path above the root, `*`, authority-form | `path.rs` | 400 |
//! | `header_timeout` | [`Activity`]: from the accept, then from each answer on (HTTP/1.1; before the first byte on HTTP/2) | 408 when part of a request head arrived, else close |
//! | `idle_timeout` | [`Activity`]: no byte either way, no request waiting for the upstream; an upgraded tunnel: no byte either way; HTTP/2: also no stream open, whatever frames move | close (HTTP/2 without a stream: GOAWAY, then close) |
//! | `upstream_timeout` | [`Activity`] (HTTP/1.1), a timer per request (HTTP/2); from the request head, or from the end of the request body when there is one (an upload is bounded by `idle_timeout` instead) | 504 |
//! | `max_body_bytes` | `Content-Length`, then [`RequestBody`] while streaming | 413 |

mod activity;
mod client_io;
mod request_body;

pub(crate) use activity::{Activity, OpenPart, Stream, Waiting};
pub(crate) use client_io::{ClientIo, send_request_timeout};
pub(crate) use request_body::{BodyEnd, BodyTooLarge, RequestBody, RequestBodyError};
