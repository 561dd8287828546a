//! Runs one variant of one scenario N times, for instruction counts under
//! `valgrind --tool=callgrind` (deterministic, unlike timings on a loaded machine):
//! per-request instructions = (I(N) - I(1)) / (N - 1). See BENCHMARKS.md and
//! `scripts/insn-table.sh`.
//!
//! Usage: `insn-count list` (the scenario names of the grid; `corsair_benches::extra` has
//! `100000-origins/...` too), or `insn-count SCENARIO VARIANT N`, where VARIANT is one of
//! `build|engine|none|corsair|tower-http|floor|floor-checked` (tower; `floor` is the least a
//! correct middleware does, see `corsair_benches::floor`; `floor-checked` adds the checks
//! corsair's design asks for, see `corsair_benches::checks`) or
//! `actix-build|actix-none|actix-corsair|actix-cors|actix-floor|actix-floor-checked` (the same actix-web service as in
//! `benches/cors.rs`, through `test::init_service` / `test::call_service` on a `System`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::{App, HttpResponse, web};
use corsair_benches::{actix_request, call_now, grid, http_request, inner};
use tower::Layer;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("list") {
        for (_, name, _, _) in grid() {
            println!("{name}");
        }
        return;
    }
    let (scenario, variant, n): (&str, &str, usize) =
        (&args[1], &args[2], args[3].parse().unwrap());
    let (origins, _, kind, lines) = grid()
        .into_iter()
        .chain(corsair_benches::extra())
        .find(|(_, name, _, _)| name == scenario)
        .expect("a scenario of the grid, or of `extra`");
    if let Some(actix) = variant.strip_prefix("actix-") {
        let requests: Vec<_> = (0..n).map(|_| actix_request(kind, &lines)).collect();
        let system = actix_web::rt::System::new();
        let app = || App::new().default_service(web::to(|| async { HttpResponse::Ok().finish() }));
        macro_rules! run {
            ($app:expr) => {{
                let svc = system.block_on(actix_web::test::init_service($app));
                for r in requests {
                    drop(std::hint::black_box(
                        system.block_on(actix_web::test::call_service(&svc, r)),
                    ));
                }
            }};
        }
        match actix {
            "build" => {
                // The same setup as the others (a service), without calling it.
                let svc = system.block_on(actix_web::test::init_service(app()));
                drop(std::hint::black_box(requests));
                drop(svc);
            }
            "none" => run!(app()),
            "corsair" => run!(app().wrap(corsair::actix::Cors::new(origins.corsair()))),
            "cors" => run!(app().wrap(origins.actix_cors())),
            "floor" => run!(
                app().wrap(corsair_benches::actix_floor::ActixFloor::<false>::new(
                    origins
                ))
            ),
            "floor-checked" => {
                run!(
                    app().wrap(corsair_benches::actix_floor::ActixFloor::<true>::new(
                        origins
                    ))
                )
            }
            other => panic!("unknown variant actix-{other}"),
        }
        return;
    }
    let requests: Vec<_> = (0..n).map(|_| http_request(kind, &lines)).collect();
    match variant {
        "build" => drop(std::hint::black_box(requests)),
        "engine" => {
            let policy = origins.corsair();
            for r in &requests {
                let d = policy.decide(r.method(), r.uri().path(), r.headers());
                std::hint::black_box(d.into_headers());
            }
        }
        "none" => {
            let mut s = inner();
            requests
                .into_iter()
                .for_each(|r| drop(std::hint::black_box(call_now(&mut s, r))));
        }
        "corsair" => {
            let mut s = corsair::CorsLayer::new(origins.corsair()).layer(inner());
            requests
                .into_iter()
                .for_each(|r| drop(std::hint::black_box(call_now(&mut s, r))));
        }
        "tower-http" => {
            let mut s = origins.tower_http().layer(inner());
            requests
                .into_iter()
                .for_each(|r| drop(std::hint::black_box(call_now(&mut s, r))));
        }
        "floor" => {
            let mut s = corsair_benches::floor::FloorLayer::<false>::new(origins).layer(inner());
            requests
                .into_iter()
                .for_each(|r| drop(std::hint::black_box(call_now(&mut s, r))));
        }
        "floor-checked" => {
            let mut s = corsair_benches::floor::FloorLayer::<true>::new(origins).layer(inner());
            requests
                .into_iter()
                .for_each(|r| drop(std::hint::black_box(call_now(&mut s, r))));
        }
        other => panic!("unknown variant {other}"),
    }
}
