//! The admin listener (`[server] admin`): `GET /healthz` (200 `ok`, 503 while shutting
//! down) and `GET /metrics` (Prometheus text format). HTTP/1.1 only; keep it on a
//! private address.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::metrics::METRICS;
use super::proxy::ProxyBody;

/// Serves the admin endpoints until shutdown.
pub(crate) async fn serve(listener: TcpListener, shutdown: watch::Receiver<bool>) {
    let mut stop = shutdown.clone();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!("admin listener: cannot accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let draining = *shutdown.borrow();
                async move { Ok::<_, Infallible>(answer(&request, draining)) }
            });
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10));
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            if let Err(e) = tokio::time::timeout(Duration::from_secs(60), conn).await {
                tracing::debug!("admin connection: {e}");
            }
        });
    }
}

fn answer(request: &Request<Incoming>, draining: bool) -> Response<ProxyBody> {
    let (status, content_type, body) = match request.uri().path() {
        "/healthz" if draining => (
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain; charset=utf-8",
            "shutting down\n".to_owned(),
        ),
        "/healthz" => (
            StatusCode::OK,
            "text/plain; charset=utf-8",
            "ok\n".to_owned(),
        ),
        "/metrics" => (
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            METRICS.render(),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "not found: try /healthz or /metrics\n".to_owned(),
        ),
    };
    let mut response = Response::new(ProxyBody::full(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
