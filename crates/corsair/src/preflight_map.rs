//! The header map of corsair's answer to a preflight (tower layer), made by cloning a
//! template.
//!
//! corsair makes the whole header map of the answer to a preflight. Inserting its four
//! to six headers one by one into an empty `http::HeaderMap` allocates the map and then
//! hashes and probes for each name. A map with the same names in the same order (the
//! answer's *shape*) is built once, the first time that shape is needed, and cloned for
//! each answer: the clone copies the index table and the entries (two allocations, as
//! the inserts make, and no hashing); then each entry of the copy takes the value of its
//! own name. Values are matched to entries by name, never by position: the `http` crate
//! promises an iteration order only within one of its versions, and corsair accepts any
//! `http` 1.x.
//!
//! A shape is which of corsair's headers are present, `Vary` included (7 bits; see
//! [`shape`]). An answer with `Access-Control-Expose-Headers` (never a preflight's), one
//! that does not own the CORS headers, and one of fewer than [`MIN_ENTRIES`] headers
//! (a rejection's `Vary`) go through the plain inserts.

use std::sync::OnceLock;

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, VARY,
};
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::answer::{Headers, Value};
use crate::decision::ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK;
use crate::response;

/// How many headers a template can hold.
const COUNT: usize = 7;

/// The headers a template can hold, in the order [`response::write`] writes them (and so the
/// order of the entries of every template).
const NAMES: [HeaderName; COUNT] = [
    ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_ALLOW_CREDENTIALS,
    ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
    VARY,
];

/// The fewest headers for which a template is used: one insert into an empty map (a
/// rejected preflight's `Vary`) costs less than cloning a map of one entry.
const MIN_ENTRIES: u32 = 3;

/// The shape of a refused preflight's answer: `Vary` alone.
const VARY_ONLY: usize = 1 << (COUNT - 1);

/// One template per shape, each built on first use.
static TEMPLATES: [OnceLock<HeaderMap>; 1 << COUNT] = [const { OnceLock::new() }; 1 << COUNT];

/// Writes the headers of a preflight's answer into `map`, the empty map of the response
/// corsair makes: the same map as [`response::write`] makes.
#[inline]
pub(crate) fn write(set: Headers<HeaderValue>, map: &mut HeaderMap) {
    let shape = shape(&set);
    let template = match shape {
        Some(shape) if shape.count_ones() >= MIN_ENTRIES => TEMPLATES
            .get(shape)
            .map(|template| template.get_or_init(|| build(shape))),
        _ => None,
    };
    let Some(template) = template else {
        if shape == Some(VARY_ONLY) {
            // A refused preflight: its lone `Vary`, as `response::write` would write it.
            // Measured (`scripts/insn-table.sh`, tower, 1-origin refused preflight): 68 instructions fewer than `response::write`.
            map.insert(VARY, set.vary.header_value());
        } else {
            response::write(set, map);
        }
        return;
    };
    // Measured (`scripts/insn-table.sh`, tower, 1-origin allowed preflight): 119 instructions fewer than `response::write`'s inserts.
    *map = template.clone();
    // Each entry of the copy takes the value of its own name, so the values land right
    // whatever order the map keeps its entries in; the template has an entry for each
    // present value and no other.
    let mut set = set;
    for (name, slot) in map.iter_mut() {
        // The positions of `NAMES`.
        let value = match NAMES.iter().position(|n| n == name) {
            Some(0) => set.allow_origin.take(),
            Some(1) => set.allow_credentials.then_some(HeaderValue::TRUE),
            Some(2) => set.allow_methods.take(),
            Some(3) => set.allow_headers.take(),
            Some(4) => set.max_age.take(),
            Some(5) => set.allow_private_network.then_some(HeaderValue::TRUE),
            Some(6) => (!set.vary.is_empty()).then(|| set.vary.header_value()),
            _ => None,
        };
        if let Some(value) = value {
            *slot = value;
        }
    }
}

/// Which of [`NAMES`] a set has, one bit each, in their order; `None` for what no
/// template holds.
fn shape(set: &Headers<HeaderValue>) -> Option<usize> {
    if !set.owns_cors_headers || set.expose_headers.is_some() {
        return None;
    }
    let bit = |on: bool, n: usize| usize::from(on) << n;
    Some(
        bit(set.allow_origin.is_some(), 0)
            | bit(set.allow_credentials, 1)
            | bit(set.allow_methods.is_some(), 2)
            | bit(set.allow_headers.is_some(), 3)
            | bit(set.max_age.is_some(), 4)
            | bit(set.allow_private_network, 5)
            | bit(!set.vary.is_empty(), 6),
    )
}

/// The template of a shape: its names, in order, with empty values.
fn build(shape: usize) -> HeaderMap {
    let mut map = HeaderMap::with_capacity(NAMES.len());
    for (bit, name) in NAMES.iter().enumerate() {
        if shape & (1 << bit) != 0 {
            map.insert(name.clone(), HeaderValue::from_static(""));
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vary::Vary;

    /// Every set of values the shapes cover, and some they do not.
    fn sets() -> Vec<Headers<HeaderValue>> {
        let v = HeaderValue::from_static;
        let mut out = Vec::new();
        for shape in 0..(1usize << COUNT) {
            let on = |bit: usize| shape & (1 << bit) != 0;
            out.push(Headers {
                allow_origin: on(0).then(|| v("https://a.example")),
                allow_credentials: on(1),
                expose_headers: None,
                allow_methods: on(2).then(|| v("PUT")),
                allow_headers: on(3).then(|| v("content-type")),
                max_age: on(4).then(|| v("600")),
                allow_private_network: on(5),
                vary: if on(6) { Vary::ORIGIN } else { Vary::NONE },
                owns_cors_headers: true,
            });
        }
        out.push(Headers {
            allow_origin: Some(v("*")),
            expose_headers: Some(v("x-id")),
            owns_cors_headers: true,
            ..Headers::default()
        });
        out.push(Headers {
            allow_origin: Some(v("*")),
            vary: Vary::ORIGIN,
            owns_cors_headers: false,
            ..Headers::default()
        });
        out
    }

    #[test]
    fn every_answer_is_the_map_the_inserts_make() {
        for set in sets() {
            let mut expected = HeaderMap::new();
            response::write(set.clone(), &mut expected);
            // Twice: the template built, then the template cloned.
            for _ in 0..2 {
                let mut got = HeaderMap::new();
                write(set.clone(), &mut got);
                assert_eq!(got, expected, "{set:?}");
                let order = |m: &HeaderMap| m.keys().cloned().collect::<Vec<_>>();
                assert_eq!(order(&got), order(&expected), "{set:?}");
            }
        }
    }

    #[test]
    fn a_template_is_not_changed_by_the_answers_made_from_it() {
        let set = sets().swap_remove(0b1011101);
        let mut first = HeaderMap::new();
        write(set.clone(), &mut first);
        first.insert(VARY, HeaderValue::from_static("x"));
        let mut second = HeaderMap::new();
        write(set, &mut second);
        assert_ne!(second, first);
        assert_eq!(second.get(VARY), Some(&Vary::ORIGIN.header_value()));
    }
}
