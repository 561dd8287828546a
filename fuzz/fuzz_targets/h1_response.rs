//! The response-head parser of `corsair serve`'s own HTTP/1.1 client
//! (`serve/h1/head.rs`, included as it is, with the chunked decoder it hands bodies to).
//! The first byte of the input chooses a `HEAD` request and how the rest is cut into
//! reads; the rest is what an upstream sends. Checked: no panic; the same bytes give the
//! same head whole or read by read, and again with the header names remembered from the
//! last response (the parser's cache); a head keeps no hop-by-hop header, no name that
//! `Connection` lists, and no `Content-Length` beside a `Transfer-Encoding`; the body's
//! framing agrees with the headers kept; a chunked body decodes the same whole or read
//! by read.
#![no_main]

use bytes::BytesMut;
use http::HeaderMap;
use http::header::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../crates/corsair-cli/src/serve/h1/chunked.rs"]
mod chunked;
#[allow(dead_code)]
#[path = "../../crates/corsair-cli/src/serve/h1/error.rs"]
mod error;
#[allow(dead_code)]
#[path = "../../crates/corsair-cli/src/serve/forward.rs"]
mod forward;
#[allow(dead_code)]
#[path = "../../crates/corsair-cli/src/serve/h1/head.rs"]
mod head;

/// The module paths the included files name (`crate::serve::...`).
mod serve {
    pub(crate) use crate::forward;
    pub(crate) mod h1 {
        pub(crate) use crate::error::Error;
        pub(crate) use crate::{chunked, head};
    }
}

use chunked::{Chunked, Decoded};
use head::{Framing, Head, Scratch, parse_head};

/// What parsing gave, comparable.
#[derive(Debug, PartialEq)]
enum Parsed {
    Partial,
    Error,
    Head {
        status: u16,
        version: http::Version,
        headers: Vec<(String, Vec<u8>)>,
        keep_alive: bool,
        framing: Framing,
        rest: Vec<u8>,
    },
}

fn describe(result: Result<Option<Head>, serve::h1::Error>, rest: &BytesMut) -> Parsed {
    match result {
        Err(_) => Parsed::Error,
        Ok(None) => Parsed::Partial,
        Ok(Some(head)) => Parsed::Head {
            status: head.parts.status.as_u16(),
            version: head.parts.version,
            headers: head
                .parts
                .headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
                .collect(),
            keep_alive: head.keep_alive,
            framing: head.framing,
            rest: rest.to_vec(),
        },
    }
}

/// Parses `input` in one read.
fn whole(input: &[u8], head_request: bool, scratch: &mut Scratch) -> Parsed {
    let mut read = BytesMut::from(input);
    let result = parse_head(&mut read, scratch, head_request, &mut HeaderMap::new());
    describe(result, &read)
}

/// Decodes a chunked body whole or read by read: the data, and how it ended.
fn decode(input: &[u8], step: usize) -> (Vec<u8>, &'static str, usize) {
    let mut chunked = Chunked::new();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut fed = 0;
    for piece in input.chunks(step.max(1)) {
        buf.extend_from_slice(piece);
        fed += piece.len();
        loop {
            match chunked.decode(&mut buf) {
                Ok(Some(Decoded::Data(data))) => {
                    assert!(!data.is_empty(), "an empty data frame");
                    out.extend_from_slice(&data);
                }
                Ok(Some(Decoded::End)) => return (out, "end", fed - buf.len()),
                Ok(None) => break,
                Err(_) => return (out, "error", 0),
            }
        }
    }
    (out, "more", 0)
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, input)) = data.split_first() else {
        return;
    };
    let head_request = flags & 1 == 1;
    let step = usize::from(flags >> 1) % 13 + 1;

    let mut scratch = Scratch::default();
    let first = whole(input, head_request, &mut scratch);
    // Again with the names of this response remembered.
    let second = whole(input, head_request, &mut scratch);
    assert_eq!(first, second, "the remembered names changed the head");

    let stepped = {
        let mut scratch = Scratch::default();
        let mut read = BytesMut::new();
        let mut last = Parsed::Partial;
        let mut fed = 0;
        for piece in input.chunks(step) {
            read.extend_from_slice(piece);
            fed += piece.len();
            let result = parse_head(&mut read, &mut scratch, head_request, &mut HeaderMap::new());
            last = describe(result, &read);
            if let Parsed::Head { rest, .. } = &mut last {
                rest.extend_from_slice(&input[fed..]);
            }
            if last != Parsed::Partial {
                break;
            }
        }
        last
    };
    match (&first, &stepped) {
        // A head too large, or a bad line, may be seen before the whole input is.
        (Parsed::Error, Parsed::Error) => {}
        (a, b) => assert_eq!(a, b, "whole and read by read differ (step {step})"),
    }

    let Parsed::Head {
        status,
        headers,
        framing,
        rest,
        ..
    } = &first
    else {
        return;
    };
    let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    for name in &names {
        let name = http::HeaderName::from_bytes(name.as_bytes()).expect("a header name");
        assert_eq!(forward::hop_by_hop_bit(&name), 0, "hop-by-hop {name} kept");
        assert_ne!(name, CONNECTION);
        assert_ne!(name, TRANSFER_ENCODING);
    }
    // Names that a Connection line lists are dropped.
    // The head's lines (httparse also takes a bare LF as a line's end).
    let raw = String::from_utf8_lossy(&input[..input.len() - rest.len()]).to_ascii_lowercase();
    let lines: Vec<&str> = raw.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    for line in lines.iter().skip(1) {
        if let Some(value) = line.strip_prefix("connection:") {
            for token in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                assert!(
                    !names.contains(&token),
                    "{token} listed in Connection, kept"
                );
            }
        }
    }
    let raw_has_te = lines
        .iter()
        .skip(1)
        .any(|l| l.starts_with("transfer-encoding:"));
    let lengths: Vec<&[u8]> = headers
        .iter()
        .filter(|(n, _)| n == CONTENT_LENGTH.as_str())
        .map(|(_, v)| v.as_slice())
        .collect();
    if raw_has_te {
        assert!(
            lengths.is_empty(),
            "Content-Length kept beside Transfer-Encoding"
        );
    }
    match framing {
        Framing::Length(n) => {
            assert!(!lengths.is_empty());
            for value in &lengths {
                for item in value.split(|b| *b == b',') {
                    let text = std::str::from_utf8(item.trim_ascii()).expect("digits");
                    assert_eq!(text.parse::<u64>().ok(), Some(*n), "Content-Length {text}");
                }
            }
        }
        Framing::Chunked(_) => {
            assert!(raw_has_te, "chunked without Transfer-Encoding");
            assert!(!head_request && *status != 204 && *status != 304);
            let whole = decode(rest, rest.len());
            let stepped = decode(rest, step);
            assert_eq!(
                whole, stepped,
                "chunked body: whole and read by read differ"
            );
        }
        Framing::Done => {
            let zero = !lengths.is_empty()
                && lengths
                    .iter()
                    .flat_map(|v| v.split(|b| *b == b','))
                    // `00` is zero too: Content-Length is 1*DIGIT.
                    .all(|item| {
                        std::str::from_utf8(item.trim_ascii())
                            .ok()
                            .and_then(|t| t.parse::<u64>().ok())
                            == Some(0)
                    });
            assert!(
                head_request || matches!(status, 100..=199 | 204 | 304) || zero,
                "no body, but status {status} with Content-Length {lengths:?}"
            );
        }
        Framing::Close => {}
    }
});
