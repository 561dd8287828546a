//! Every decision is a `tracing` event at debug level with its reason. Alone in its test
//! binary: tracing caches each call site's interest process-wide, so a test that installs
//! a scoped subscriber must not race other tests through the same call site.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

mod common;

use common::headers;
use corsair::Policy;

#[test]
fn every_decision_is_a_tracing_event_with_its_reason() {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn subscriber_for(buffer: &Buffer) -> impl tracing::Subscriber + Send + Sync + use<> {
        let writer = buffer.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish()
    }

    let buffer = Buffer::default();
    let subscriber = subscriber_for(&buffer);
    let p = Policy::builder()
        .allow_origins(["https://app.example"])
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || {
        let request = headers(&[
            ("origin", "https://app.example"),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "x-secret"),
        ]);
        p.decide(&http::Method::OPTIONS, "/items", &request);
    });
    // Through the tower layer, which skips what only the reason needs when nothing
    // logs it: with a subscriber, a malformed origin is still named as such.
    let layer = corsair::CorsLayer::new(p);
    tracing::subscriber::with_default(subscriber_for(&buffer), || {
        use std::future::Future;
        use tower::{Layer, Service};
        let inner = tower::service_fn(|_: http::Request<()>| async {
            Ok::<_, std::convert::Infallible>(http::Response::new(()))
        });
        let mut service = layer.layer(inner);
        let request = http::Request::get("/items")
            .header("origin", "https://APP.example")
            .body(())
            .unwrap();
        let future = service.call(request);
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(future.as_mut().poll(&mut cx).is_ready());
    });
    let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("DEBUG"), "{log}");
    assert!(
        log.contains("request header `x-secret` is not in allow_headers"),
        "{log}"
    );
    assert!(log.contains("reason=\"header-not-allowed\""), "{log}");
    assert!(log.contains("origin=\"https://app.example\""), "{log}");
    assert!(log.contains("path=\"/items\""), "{log}");
    let malformed = format!("reason=\"{}\"", corsair::Reason::MalformedOrigin.code());
    assert!(log.contains(&malformed), "{log}");
}
