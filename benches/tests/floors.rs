//! The floors answer what corsair answers: the same `Access-Control-*` and `Vary` headers
//! (by name) on every request of the grid, and `floor-checked` also on the requests its
//! checks exist for. A floor that answered less would make its lower bound meaningless.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use corsair_benches::floor::FloorLayer;
use corsair_benches::{Kind, Lines, Origins, call_now, grid, http_request, inner};
use http::Response;
use tower::Layer;

/// The CORS header names of a response, and whether it allows the origin.
fn cors_names(response: &Response<String>) -> BTreeSet<String> {
    response
        .headers()
        .keys()
        .map(|n| n.as_str().to_owned())
        .filter(|n| n.starts_with("access-control-") || n == "vary")
        .collect()
}

fn answers(origins: Origins, kind: Kind, lines: &Lines) -> [BTreeSet<String>; 3] {
    let request = || http_request(kind, lines);
    let mut corsair = corsair::CorsLayer::new(origins.corsair()).layer(inner());
    let mut floor = FloorLayer::<false>::new(origins).layer(inner());
    let mut checked = FloorLayer::<true>::new(origins).layer(inner());
    [
        cors_names(&call_now(&mut corsair, request())),
        cors_names(&call_now(&mut floor, request())),
        cors_names(&call_now(&mut checked, request())),
    ]
}

#[test]
fn both_floors_answer_the_grid_as_corsair_does() {
    for (origins, name, kind, lines) in grid() {
        let [corsair, floor, checked] = answers(origins, kind, &lines);
        // The adversarial preflights ask for header lists no policy allows: corsair and
        // the checked floor reject them; the plain floor checks nothing and answers them
        // as the normal preflight.
        let adversarial = name.starts_with("adversarial/acrh-");
        let rejected = name.ends_with("/rejected") || adversarial;
        assert_eq!(
            corsair.contains("access-control-allow-origin"),
            !rejected,
            "{name}: {corsair:?}"
        );
        if !adversarial {
            assert_eq!(floor, corsair, "floor, {name}");
        }
        assert_eq!(checked, corsair, "floor-checked, {name}");
    }
}

#[test]
fn the_checked_floor_rejects_what_corsair_rejects() {
    let preflight = |origin: &'static str, method: &'static str, headers: &'static str| {
        vec![
            ("origin", origin),
            ("access-control-request-method", method),
            ("access-control-request-headers", headers),
        ]
    };
    let cases: Vec<(Origins, Kind, Lines)> = vec![
        (
            Origins::One,
            Kind::Preflight,
            preflight("https://example.com", "DELETE", "content-type"),
        ),
        (
            Origins::One,
            Kind::Preflight,
            preflight("https://example.com", "PUT", "x-foo"),
        ),
        (
            Origins::One,
            Kind::Preflight,
            preflight("https://example.com", "PUT", "content-type, x-foo"),
        ),
        (
            Origins::Patterns,
            Kind::Actual,
            vec![("origin", "https://evil/.tenant00.example.com")],
        ),
        (
            Origins::Patterns,
            Kind::Actual,
            vec![("origin", "https://a.tenant00.example.com:99999999")],
        ),
    ];
    for (origins, kind, lines) in cases {
        let [corsair, _, checked] = answers(origins, kind, &lines);
        assert!(
            !corsair.contains("access-control-allow-origin"),
            "{lines:?}: {corsair:?}"
        );
        assert_eq!(checked, corsair, "floor-checked, {lines:?}");
    }
    // A static `*` answers every request alike, whatever `Origin` holds.
    let any: Vec<(Kind, Lines)> = vec![
        (
            Kind::Preflight,
            preflight("https://Example.com", "PUT", "accept"),
        ),
        (Kind::Actual, vec![("origin", "https://exa mple.com")]),
    ];
    for (kind, lines) in any {
        let [corsair, _, checked] = answers(Origins::Any, kind, &lines);
        assert!(
            corsair.contains("access-control-allow-origin"),
            "{lines:?}: {corsair:?}"
        );
        assert_eq!(checked, corsair, "floor-checked, {lines:?}");
    }
}

/// The CORS header names of an actix-web response.
fn actix_names(
    response: &actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
) -> BTreeSet<String> {
    response
        .headers()
        .keys()
        .map(|n| n.as_str().to_owned())
        .filter(|n| n.starts_with("access-control-") || n == "vary")
        .collect()
}

#[test]
fn both_actix_floors_answer_the_grid_as_corsair_does() {
    use actix_web::{App, HttpResponse, test, web};
    use corsair_benches::actix_floor::ActixFloor;
    use corsair_benches::actix_request;

    let system = actix_web::rt::System::new();
    let app = || App::new().default_service(web::to(|| async { HttpResponse::Ok().finish() }));
    for (origins, name, kind, lines) in grid() {
        let adversarial = name.starts_with("adversarial/acrh-");
        let request = || actix_request(kind, &lines);
        let [corsair, floor, checked] = system.block_on(async {
            let corsair =
                test::init_service(app().wrap(corsair::actix::Cors::new(origins.corsair()))).await;
            let floor = test::init_service(app().wrap(ActixFloor::<false>::new(origins))).await;
            let checked = test::init_service(app().wrap(ActixFloor::<true>::new(origins))).await;
            [
                actix_names(&test::call_service(&corsair, request()).await),
                actix_names(&test::call_service(&floor, request()).await),
                actix_names(&test::call_service(&checked, request()).await),
            ]
        });
        if !adversarial {
            assert_eq!(floor, corsair, "actix floor, {name}");
        }
        assert_eq!(checked, corsair, "actix checked floor, {name}");
    }
}
