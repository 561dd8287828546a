//! Allocations per request, counted with a counting global allocator
//! (`allocation-counter`): no CORS, corsair and tower-http on the same tower service;
//! no CORS, corsair and actix-cors on the same actix service; corsair's decision alone.
//! Requests are built before counting; the count covers the call and the response.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::{App, HttpResponse, web};
use corsair_benches::{call_now, grid, http_request, inner};
use tower::Layer;

const N: u64 = 50;

fn per_request<T>(mut requests: Vec<T>, mut call: impl FnMut(T)) -> String {
    let info = allocation_counter::measure(|| {
        for r in requests.drain(..) {
            call(r);
        }
    });
    let (count, bytes) = (info.count_total, info.bytes_total);
    if count % N == 0 {
        format!("{} ({} B)", count / N, bytes / N)
    } else {
        format!("{:.1} ({} B)", count as f64 / N as f64, bytes / N)
    }
}

fn main() {
    let system = actix_web::rt::System::new();
    println!(
        "| scenario | engine | tower: none | tower: corsair | tower: tower-http | actix: none | actix: corsair | actix: actix-cors |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (origins, name, kind, lines) in grid() {
        let policy = origins.corsair();
        let headers: Vec<_> = (0..N)
            .map(|_| corsair_benches::header_map(&lines))
            .collect();
        let method = corsair_benches::method(kind);
        let engine = per_request(headers.iter().collect(), |h| {
            std::hint::black_box(policy.decide(&method, "/items", h).into_headers());
        });
        let reqs = || {
            (0..N)
                .map(|_| http_request(kind, &lines))
                .collect::<Vec<_>>()
        };
        let mut s = inner();
        let t_none = per_request(reqs(), |r| drop(call_now(&mut s, r)));
        let mut s = corsair::CorsLayer::new(origins.corsair()).layer(inner());
        let t_corsair = per_request(reqs(), |r| drop(call_now(&mut s, r)));
        let mut s = origins.tower_http().layer(inner());
        let t_tower_http = per_request(reqs(), |r| drop(call_now(&mut s, r)));

        let app = || App::new().default_service(web::to(|| async { HttpResponse::Ok().finish() }));
        let areqs = || {
            (0..N)
                .map(|_| corsair_benches::actix_request(kind, &lines))
                .collect::<Vec<_>>()
        };
        let svc = system.block_on(actix_web::test::init_service(app()));
        let a_none = per_request(areqs(), |r| {
            drop(system.block_on(actix_web::test::call_service(&svc, r)))
        });
        let svc = system.block_on(actix_web::test::init_service(
            app().wrap(corsair::actix::Cors::new(origins.corsair())),
        ));
        let a_corsair = per_request(areqs(), |r| {
            drop(system.block_on(actix_web::test::call_service(&svc, r)))
        });
        let svc = system.block_on(actix_web::test::init_service(
            app().wrap(origins.actix_cors()),
        ));
        let a_actix_cors = per_request(areqs(), |r| {
            drop(system.block_on(actix_web::test::call_service(&svc, r)))
        });
        println!(
            "| {name} | {engine} | {t_none} | {t_corsair} | {t_tower_http} | {a_none} | {a_corsair} | {a_actix_cors} |"
        );
    }
}
