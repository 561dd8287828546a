//! The gateway's request-path normalization (`corsair serve`, `serve/path.rs`, included
//! as it is): never panics; a path it accepts comes out with no dot segment, accepting
//! it again changes nothing, and the `url` crate (the WHATWG URL parser) resolves the
//! input and the output to the same path: a differential test of the hand-written part.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../crates/corsair-cli/src/serve/path.rs"]
mod path;

fn is_dot_segment(segment: &str) -> bool {
    let s = segment.to_ascii_lowercase().replace("%2e", ".");
    s == "." || s == ".."
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(out) = path::normalize(input) else {
        return;
    };
    assert!(out.starts_with('/'), "{input:?} -> {out:?}");
    assert!(
        !out.split('/').any(is_dot_segment),
        "{input:?} -> {out:?} keeps a dot segment"
    );
    assert_eq!(
        path::normalize(&out).as_deref().ok(),
        Some(out.as_ref()),
        "{input:?}: not idempotent"
    );
    // The WHATWG parser reads `?` and `#` as the end of the path, and `\` as `/`; the url
    // crate never pops a segment that looks like a Windows drive letter (`B:`): compare
    // only plain paths.
    let drive_letter = |s: &str| {
        let b = s.as_bytes();
        b.len() == 2 && b[0].is_ascii_alphabetic() && matches!(b[1], b':' | b'|')
    };
    // It also drops tabs and newlines, which an HTTP request target never holds.
    let control = input.bytes().any(|b| b <= b' ' || b == 0x7f);
    if control || input.contains(['?', '#', '\\']) || input.split('/').any(drive_letter) {
        return;
    }
    let resolve = |p: &str| {
        url::Url::parse(&format!("http://h{p}"))
            .ok()
            .map(|u| u.path().to_owned())
    };
    if let (Some(a), Some(b)) = (resolve(input), resolve(&out)) {
        assert_eq!(
            a, b,
            "{input:?} -> {out:?}: the URL parser resolves them differently"
        );
    }
});
