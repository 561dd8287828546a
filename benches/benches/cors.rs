//! corsair against no CORS and tower-http (tower), and against actix-cors (actix), on the
//! same inner service, plus the decision engine alone. See BENCHMARKS.md.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use actix_web::{App, HttpResponse, web};
use corsair_benches::{call_now, grid, http_request, inner};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use tower::Layer;

fn tower(c: &mut Criterion) {
    let mut group = c.benchmark_group("tower");
    for (origins, name, kind, l) in grid() {
        let mut baseline = inner();
        group.bench_function(format!("{name}/baseline"), |b| {
            b.iter_batched(
                || http_request(kind, &l),
                |req| call_now(&mut baseline, req),
                BatchSize::SmallInput,
            )
        });
        let mut corsair = corsair::CorsLayer::new(origins.corsair()).layer(inner());
        group.bench_function(format!("{name}/corsair"), |b| {
            b.iter_batched(
                || http_request(kind, &l),
                |req| call_now(&mut corsair, req),
                BatchSize::SmallInput,
            )
        });
        let mut tower_http = origins.tower_http().layer(inner());
        group.bench_function(format!("{name}/tower-http"), |b| {
            b.iter_batched(
                || http_request(kind, &l),
                |req| call_now(&mut tower_http, req),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    for (origins, name, kind, l) in grid() {
        let policy = origins.corsair();
        let headers = corsair_benches::header_map(&l);
        let method = corsair_benches::method(kind);
        group.bench_function(name, |b| {
            b.iter(|| {
                let decision = policy.decide(black_box(&method), "/items", black_box(&headers));
                black_box(decision.into_headers())
            })
        });
    }
    group.finish();
}

fn actix(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let mut group = c.benchmark_group("actix");
    for (origins, name, kind, l) in grid() {
        let app = || App::new().default_service(web::to(|| async { HttpResponse::Ok().finish() }));
        let baseline = system.block_on(actix_web::test::init_service(app()));
        group.bench_function(format!("{name}/baseline"), |b| {
            b.iter_batched(
                || corsair_benches::actix_request(kind, &l),
                |req| system.block_on(actix_web::test::call_service(&baseline, req)),
                BatchSize::SmallInput,
            )
        });
        let corsair = system.block_on(actix_web::test::init_service(
            app().wrap(corsair::actix::Cors::new(origins.corsair())),
        ));
        group.bench_function(format!("{name}/corsair"), |b| {
            b.iter_batched(
                || corsair_benches::actix_request(kind, &l),
                |req| system.block_on(actix_web::test::call_service(&corsair, req)),
                BatchSize::SmallInput,
            )
        });
        let actix_cors = system.block_on(actix_web::test::init_service(
            app().wrap(origins.actix_cors()),
        ));
        group.bench_function(format!("{name}/actix-cors"), |b| {
            b.iter_batched(
                || corsair_benches::actix_request(kind, &l),
                |req| system.block_on(actix_web::test::call_service(&actix_cors, req)),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, engine, tower, actix);
criterion_main!(benches);
