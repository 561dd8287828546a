//! Forwarding one request, in steps: the checks before forwarding, the upstream request
//! (its path, forwarding headers, what to replay, its body's tracking), the exchange
//! (dedicated connection or pooled client, within `upstream_timeout`), and the client's
//! response made of the answer.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use http::header::{CONTENT_LENGTH, HOST, TRANSFER_ENCODING};
use http::uri::PathAndQuery;
use http::{HeaderValue, Request, Response, StatusCode, Uri, Version};
use hyper::body::{Body, Incoming};
use hyper::upgrade::OnUpgrade;
use hyper_util::client::legacy::ResponseFuture;
use hyper_util::client::legacy::connect::{CaptureConnection, capture_connection};
use tokio::sync::OwnedSemaphorePermit;

use super::super::forward::{self, Forwarded};
use super::super::limits::{BodyEnd, OpenPart, RequestBody};
use super::super::metrics::{ClientError, METRICS, UpstreamError};
use super::super::upstream::{Answer, DedicatedError, is_idempotent};
use super::body::Inner;
use super::clock::{Bounded, Clock, Elapsed};
use super::failure::{ExchangeError, Failure, chain, classify};
use super::replay::{Replay, closed_without_answer};
use super::tunnel::tunnel;
use super::{Gateway, Peer, ProxyBody};

/// How an exchange ended: an answer, a failure, or out of time.
type Outcome = Result<Result<Answer, ExchangeError>, Elapsed>;

/// Forwards a request that arrived at `started`, for `path` (its path normalized, when
/// that changed it). `h1`: an HTTP/1.1 connection's request, bounded by the
/// connection's clock (one request at a time); else by a timer of its own.
///
/// An `async` block rather than an `async fn`: an `async fn` keeps a second copy of its
/// arguments in its state, and this state is moved with every request's future.
// The request path's three `async` blocks (`proxy::handle`, `send`, `send_own`), measured
// together (`scripts/serve-insn.sh`): 220 instructions fewer a preflight, 480 a forwarded one.
#[allow(clippy::manual_async_fn)]
pub(super) fn send<'a>(
    gateway: &'a Gateway,
    peer: &'a Peer,
    request: Request<Incoming>,
    path: Option<&'a str>,
    h1: bool,
    started: Instant,
) -> impl Future<Output = Result<Response<ProxyBody>, Failure>> + 'a {
    async move {
        let prepared = prepare(gateway, peer, request, path, h1)?;
        // The dedicated connection, else (or when it could not take the request) the
        // pooled client; both within `upstream_timeout` (see `Clock`). No `async` block
        // around them: a wrapper future would be one more copy of their state per request.
        let upload = prepared.captured.as_ref().map(|(end, _)| end.clone());
        let in_flight = h1.then(|| peer.activity.exchange(upload.is_none().then_some(started)));
        let mut clock = Clock::new(h1, gateway.upstream_timeout, &peer.activity, upload);
        let slot = if h1 {
            None
        } else {
            Some(upstream_slot(gateway, peer, &mut clock).await?)
        };
        let mut result = if prepared.dedicated {
            // Without a body (no Content-Length above 0, no Transfer-Encoding): corsair's
            // own client; with one, streamed by hyper's.
            let (dedicated, target) = (&peer.dedicated, &gateway.dedicated);
            let sent = match prepared.own {
                Some(forwarded) => {
                    let send = dedicated.send_own(target, prepared.request, forwarded);
                    Bounded::new(&mut clock, send).await
                }
                None => {
                    let send = dedicated.send(target, prepared.request);
                    Bounded::new(&mut clock, send).await
                }
            };
            match after_dedicated(gateway, sent) {
                Ok(outcome) => outcome,
                Err(request) => hyper_answer(pooled(gateway, &mut clock, *request).await),
            }
        } else {
            hyper_answer(pooled(gateway, &mut clock, prepared.request).await)
        };
        if let Some(replay) = replay_after(&result, prepared.replay) {
            let fresh = gateway.fresh.request(replay.request());
            result = hyper_answer(Bounded::new(&mut clock, fresh).await);
        }
        drop((in_flight, clock));
        poison_unfinished(prepared.captured.as_ref());
        let answer = settle(gateway, result)?;
        Ok(client_response(
            answer,
            peer,
            prepared.client_upgrade,
            prepared.upgrade,
            slot,
        ))
    }
}

/// Refuses, before anything is forwarded, a request whose declared body is over
/// `max_body_bytes`, and `CONNECT`.
fn check(gateway: &Gateway, request: &Request<Incoming>) -> Result<(), Failure> {
    if let Some(limit) = gateway.max_body_bytes {
        let declared = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit) {
            METRICS.client_error(ClientError::BodyTooLarge);
            return Err(Failure::PayloadTooLarge(limit));
        }
    }
    if request.method() == http::Method::CONNECT {
        return Err(Failure::Connect);
    }
    Ok(())
}

/// The request as it goes upstream, and what its exchange needs to know about it.
struct Prepared<'g> {
    request: Request<RequestBody>,
    /// The forwarding headers, for corsair's own client to write with the head; `None`:
    /// they are in the request's headers already.
    own: Option<Forwarded<'g>>,
    /// Whether the request goes on the client connection's dedicated connection.
    dedicated: bool,
    /// What it takes to send the request again (see [`Replay`]).
    replay: Option<Replay>,
    /// A request with a body: whether it was sent whole, and its pooled connection.
    captured: Option<(BodyEnd, CaptureConnection)>,
    /// Whether the client asks to upgrade the connection (WebSocket).
    upgrade: bool,
    /// The client's side of the upgrade, when it asks for one.
    client_upgrade: Option<OnUpgrade>,
}

/// Makes the upstream request of `request`, after [`check`]: its path and URI, its
/// headers (the forwarding ones, without the hop-by-hop ones), and its body, limited and
/// tracked.
fn prepare<'g>(
    gateway: &'g Gateway,
    peer: &'g Peer,
    mut request: Request<Incoming>,
    path: Option<&str>,
    h1: bool,
) -> Result<Prepared<'g>, Failure> {
    check(gateway, &request)?;
    let upgrade =
        forward::is_upgrade_request(request.version(), request.method(), request.headers());
    let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut request));
    // An https upstream: every request through the pooled client (see `upstream.rs`).
    let dedicated = !upgrade
        && !gateway.upstream_tls
        && request.version() <= Version::HTTP_11
        && peer.dedicated.wants();
    let uri = upstream_uri(gateway, &request, path, dedicated)?;
    let forwarded = forwarded(gateway, peer, &request);
    let (mut parts, body) = request.into_parts();
    if !gateway.forward_underscore_headers {
        forward::remove_underscored(&mut parts.headers);
    }
    // A request body keeps the head clock stopped until it is read whole (HTTP/1.1).
    let has_body = !body.is_end_stream();
    let body_part = (h1 && has_body).then(|| peer.activity.open_part());
    // Without a body, on the dedicated connection, corsair's own client writes the
    // forwarding headers as it writes the head (`forward::write_forwarded`); hyper's
    // clients need them in the map.
    let own = if dedicated && !has_body {
        Some(forwarded)
    } else {
        forward::remove_hop_by_hop(&mut parts.headers, upgrade);
        forwarded.apply(&mut parts.headers);
        None
    };
    parts.version = Version::HTTP_11;
    parts.uri = uri;
    // What it takes to send the request again through the pooled client (see
    // `Replay`): an idempotent request without a body.
    let replay = (!dedicated && !has_body && !upgrade && is_idempotent(&parts.method))
        .then(|| Replay::of(&parts));
    let (request, captured) = with_body(gateway, parts, body, body_part, has_body);
    Ok(Prepared {
        request,
        own,
        dedicated,
        replay,
        captured,
        upgrade,
        client_upgrade,
    })
}

/// The upstream request's URI: the upstream's prefix joined to `path` (the request's
/// path normalized, when that changed it) and the query; origin-form on a dedicated
/// connection, absolute for the pooled client.
fn upstream_uri(
    gateway: &Gateway,
    request: &Request<Incoming>,
    path: Option<&str>,
    dedicated: bool,
) -> Result<Uri, Failure> {
    let path = gateway
        .upstream
        .path_for(
            path.unwrap_or(request.uri().path()),
            request.uri().path_and_query(),
        )
        .map_err(Failure::BadRequest)?;
    if dedicated {
        Ok(Uri::from(path))
    } else {
        gateway.upstream.absolute(path).map_err(Failure::BadRequest)
    }
}

/// The upstream request of `parts` and the client's `body`, limited to `max_body_bytes`
/// (`part`: the body's part of its HTTP/1.1 request). A request with a body (`has_body`): if the
/// response comes before the body was sent whole, the upstream connection is not reused
/// (the pooled one is poisoned in `poison_unfinished`, the dedicated one in
/// `upstream.rs`); hence its end is tracked and its pooled connection captured.
fn with_body(
    gateway: &Gateway,
    parts: http::request::Parts,
    body: Incoming,
    part: Option<OpenPart>,
    has_body: bool,
) -> (Request<RequestBody>, Option<(BodyEnd, CaptureConnection)>) {
    let mut request =
        Request::from_parts(parts, RequestBody::new(body, gateway.max_body_bytes, part));
    let captured = has_body.then(|| {
        let end = request.body_mut().track_end();
        (end, capture_connection(&mut request))
    });
    (request, captured)
}

/// The forwarding headers' values for `request` (`X-Forwarded-*`, `Host`).
fn forwarded<'g>(
    gateway: &'g Gateway,
    peer: &'g Peer,
    request: &Request<Incoming>,
) -> Forwarded<'g> {
    // The host the client asked for: the target's authority when it has one (HTTP/2's
    // `:authority`, an absolute-form target), which RFC 9112 section 3.2.2 says wins over
    // `Host`, without user information; else `Host`.
    let client_host = match request.uri().authority() {
        Some(authority) => {
            let host = match authority.port() {
                Some(port) => format!("{}:{port}", authority.host()),
                None => authority.host().to_owned(),
            };
            HeaderValue::from_str(&host).ok()
        }
        None => request.headers().get(HOST).cloned(),
    };
    Forwarded {
        client_ip: &peer.ip,
        client_host,
        upstream_host: &gateway.upstream_host,
        preserve_host: gateway.preserve_host,
        https: gateway.client_tls,
    }
}

/// HTTP/2: one of the connection's places for an upstream exchange, held with the
/// response's body (the upstream connection is busy until it ends), waited for within
/// the exchange's clock.
async fn upstream_slot(
    gateway: &Gateway,
    peer: &Peer,
    clock: &mut Clock<'_>,
) -> Result<OwnedSemaphorePermit, Failure> {
    let slot = match Arc::clone(&peer.upstream_slots).try_acquire_owned() {
        Ok(slot) => Ok(slot),
        Err(_) => {
            METRICS.upstream_wait(false);
            let acquire = Arc::clone(&peer.upstream_slots).acquire_owned();
            match Bounded::new(clock, acquire).await {
                Ok(Ok(slot)) => Ok(slot),
                Ok(Err(_)) | Err(Elapsed) => Err(Elapsed),
            }
        }
    };
    slot.map_err(|Elapsed| {
        METRICS.upstream_error(UpstreamError::Timeout);
        tracing::warn!(upstream = %gateway.upstream, "no upstream connection for this client connection in time");
        Failure::GatewayTimeout(format!(
            "no upstream connection within {} s (max_upstream_per_connection)",
            gateway.upstream_timeout.as_secs_f64()
        ))
    })
}

/// An exchange through the pooled client, within `clock`.
fn pooled<'c, 'a>(
    gateway: &Gateway,
    clock: &'c mut Clock<'a>,
    request: Request<RequestBody>,
) -> Bounded<'c, 'a, ResponseFuture> {
    Bounded::new(clock, gateway.client.request(request))
}

/// The outcome of an exchange through hyper's pooled client.
fn hyper_answer(
    result: Result<Result<Response<Incoming>, hyper_util::client::legacy::Error>, Elapsed>,
) -> Outcome {
    result.map(|r| r.map(Answer::Hyper).map_err(ExchangeError::Pooled))
}

/// The outcome of the dedicated connection's exchange; or, when it could not write the
/// request, the request for the pooled client, with an absolute URI (its path has the
/// prefix already).
fn after_dedicated(
    gateway: &Gateway,
    sent: Result<Result<Answer, DedicatedError>, Elapsed>,
) -> Result<Outcome, Box<Request<RequestBody>>> {
    match sent {
        Ok(Ok(answer)) => Ok(Ok(Ok(answer))),
        Ok(Err(DedicatedError::Connect(e))) => Ok(Ok(Err(ExchangeError::Connect(e)))),
        Ok(Err(DedicatedError::Failed(e))) => Ok(Ok(Err(ExchangeError::Dedicated(e)))),
        Ok(Err(DedicatedError::Unavailable(mut request))) => {
            let path = request
                .uri()
                .path_and_query()
                .cloned()
                .unwrap_or_else(|| PathAndQuery::from_static("/"));
            match gateway.upstream.absolute(path) {
                Ok(uri) => {
                    *request.uri_mut() = uri;
                    Err(request)
                }
                Err(e) => Ok(Ok(Err(ExchangeError::Connect(std::io::Error::other(e))))),
            }
        }
        Err(elapsed) => Ok(Err(elapsed)),
    }
}

/// The request to send again on a fresh connection, if the pooled one closed without
/// answering and the request may be sent again (see [`Replay`]).
fn replay_after(result: &Outcome, replay: Option<Replay>) -> Option<Replay> {
    match result {
        Ok(Err(ExchangeError::Pooled(e))) if replay.is_some() && closed_without_answer(e) => {
            tracing::debug!(
                "the upstream closed a connection without answering ({}): sending the request again on a fresh one",
                chain(e)
            );
            replay
        }
        _ => None,
    }
}

/// A request with a body answered before the body was sent whole: its pooled upstream
/// connection is not reused.
fn poison_unfinished(captured: Option<&(BodyEnd, CaptureConnection)>) {
    if let Some((end, captured)) = captured {
        if !end.ended() {
            if let Some(connected) = captured.connection_metadata().as_ref() {
                connected.poison();
            }
        }
    }
}

/// The upstream's answer, or the gateway's own for a failed or timed-out exchange.
fn settle(gateway: &Gateway, result: Outcome) -> Result<Answer, Failure> {
    match result {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(e)) => Err(classify(&e, &gateway.upstream)),
        Err(Elapsed) => {
            METRICS.upstream_error(UpstreamError::Timeout);
            tracing::warn!(upstream = %gateway.upstream, "the upstream did not answer in time");
            Err(Failure::GatewayTimeout(format!(
                "the upstream did not answer within {} s",
                gateway.upstream_timeout.as_secs_f64()
            )))
        }
    }
}

/// The client's response made of the upstream's `answer`: an upgrade's tunnel left for
/// the connection's task, the hop-by-hop headers removed, and `slot` held with the body.
///
/// The client's connection has a version of its own: hyper's server writes the
/// response's (an HTTP/1.0 upstream's `HTTP/1.0` would make it delimit the body by
/// the close, where a cut could not be seen) and brings it down to HTTP/1.0 for
/// HTTP/1.0 clients.
fn client_response(
    answer: Answer,
    peer: &Peer,
    client_upgrade: Option<OnUpgrade>,
    upgrade: bool,
    slot: Option<OwnedSemaphorePermit>,
) -> Response<ProxyBody> {
    match answer {
        Answer::Hyper(mut response) => {
            let switching = response.status() == StatusCode::SWITCHING_PROTOCOLS;
            if let (true, Some(client_upgrade)) = (switching, client_upgrade) {
                let upstream_upgrade = hyper::upgrade::on(&mut response);
                peer.tunnel
                    .put(Box::pin(tunnel(client_upgrade, upstream_upgrade)));
            }
            let (mut parts, body) = response.into_parts();
            if parts.headers.contains_key(TRANSFER_ENCODING) {
                // RFC 9112 section 6.3: Transfer-Encoding overrides a Content-Length
                // (hyper's client decoded the body by it), which must not be passed on.
                parts.headers.remove(CONTENT_LENGTH);
            }
            forward::remove_hop_by_hop(&mut parts.headers, switching && upgrade);
            parts.version = Version::HTTP_11;
            let mut body = ProxyBody::upstream(Inner::Upstream(body));
            body.slot = slot;
            Response::from_parts(parts, body)
        }
        // Never an upgrade (corsair's own client refuses a 101), and its head comes
        // without the hop-by-hop headers already.
        Answer::Own(mut response) => {
            *response.version_mut() = Version::HTTP_11;
            response.map(|body| {
                let mut body = ProxyBody::upstream(Inner::Own(body));
                body.slot = slot;
                body
            })
        }
    }
}
