//! The small JSON API both examples serve: the same answers, byte for byte, as the
//! built-in demo API of `corsair serve` (`crates/corsair-cli/src/serve/demo.rs`). Every
//! answer is `application/json` with `x-request-id: req-42`; the CORS headers are
//! corsair's business, not the API's.
//!
//! | request | status | body |
//! |---|---|---|
//! | `GET /api/items` | 200 | `[{"id":1,"name":"anchor"},{"id":2,"name":"compass"}]` |
//! | `POST /api/items` | 201 | `{"id":3}` |
//! | `GET /api/items/1`, `GET /api/items/2` | 200 | `{"id":1,"name":"anchor"}`, `{"id":2,"name":"compass"}` |
//! | `PUT` or `PATCH /api/items/1` or `/2` | 200 | `{"id":1,"updated":true}` |
//! | `DELETE /api/items/1` or `/2` | 204 | empty |
//! | any other `/api/items/...` | 404 | `{"error":"no such item"}` |
//! | `GET /public/catalogue` | 200 | `{"catalogue":["anchor","compass"]}` |
//! | `GET /healthz` | 200 | `{"status":"ok"}` |
//! | anything else | 404 | `{"error":"not found"}` |

/// The request id every answer carries (exposed to scripts by the sample policy).
pub const REQUEST_ID: &str = "req-42";

/// The status and the JSON body of the answer to `method` on `path`.
pub fn answer(method: &str, path: &str) -> (u16, String) {
    match (method, path) {
        ("GET", "/api/items") => (
            200,
            r#"[{"id":1,"name":"anchor"},{"id":2,"name":"compass"}]"#.to_owned(),
        ),
        ("POST", "/api/items") => (201, r#"{"id":3}"#.to_owned()),
        ("GET", "/public/catalogue") => (200, r#"{"catalogue":["anchor","compass"]}"#.to_owned()),
        ("GET", "/healthz") => (200, r#"{"status":"ok"}"#.to_owned()),
        (method, path) => match path.strip_prefix("/api/items/") {
            Some(id) => item(method, id),
            None => (404, r#"{"error":"not found"}"#.to_owned()),
        },
    }
}

fn item(method: &str, id: &str) -> (u16, String) {
    match (method, id) {
        ("GET", "1") => (200, r#"{"id":1,"name":"anchor"}"#.to_owned()),
        ("GET", "2") => (200, r#"{"id":2,"name":"compass"}"#.to_owned()),
        ("PUT" | "PATCH", "1" | "2") => (200, format!(r#"{{"id":{id},"updated":true}}"#)),
        ("DELETE", "1" | "2") => (204, String::new()),
        _ => (404, r#"{"error":"no such item"}"#.to_owned()),
    }
}
