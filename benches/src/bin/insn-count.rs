//! Runs one variant of one scenario N times, for instruction counts under
//! `valgrind --tool=callgrind` (deterministic, unlike timings on a loaded machine):
//! per-request instructions = (I(N) - I(1)) / (N - 1). See BENCHMARKS.md.
//!
//! Usage: `insn-count SCENARIO build|engine|none|corsair|tower-http N`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use corsair_benches::{call_now, grid, http_request, inner};
use tower::Layer;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (scenario, variant, n): (&str, &str, usize) =
        (&args[1], &args[2], args[3].parse().unwrap());
    let (origins, _, kind, lines) = grid()
        .into_iter()
        .find(|(_, name, _, _)| name == scenario)
        .expect("a scenario of the grid");
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
        other => panic!("unknown variant {other}"),
    }
}
