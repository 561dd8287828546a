//! The chunked decoder of `corsair serve`'s own HTTP/1.1 client
//! (`serve/h1/chunked.rs`, included as it is). Two inputs:
//!
//! - a body encoded here from arbitrary chunks (sizes in either case, leading zeros,
//!   whitespace and extensions after the size, trailers) and followed by the bytes of a
//!   next response: read by read, the decoder gives back exactly the chunks' data, ends,
//!   and leaves the next response untouched;
//! - arbitrary bytes: no panic, the same outcome whole or read by read, and the first
//!   size line read as `httparse::parse_chunk_size` (hyper's parser crate) reads it:
//!   where one accepts a size, the other accepts the same size or refuses the line.
#![no_main]

use arbitrary::Arbitrary;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../crates/corsair-cli/src/serve/h1/chunked.rs"]
mod chunked;
#[allow(dead_code)]
#[path = "../../crates/corsair-cli/src/serve/h1/error.rs"]
mod error;

/// The module paths the included files name (`crate::serve::...`).
mod serve {
    pub(crate) mod h1 {
        pub(crate) use crate::error::Error;
        pub(crate) mod head {
            pub(crate) const MAX_HEAD: usize = 8192 + 4096 * 100;
        }
    }
}

use chunked::{Chunked, Decoded};

#[derive(Arbitrary, Debug)]
struct Chunk {
    data: Vec<u8>,
    upper: bool,
    zeros: u8,
    space: bool,
    extension: Option<(u8, u8)>,
}

#[derive(Arbitrary, Debug)]
enum Input {
    Encoded {
        chunks: Vec<Chunk>,
        trailers: Vec<u8>,
        next: Vec<u8>,
        step: u8,
    },
    Raw {
        bytes: Vec<u8>,
        step: u8,
    },
}

/// Decodes `input` read by read (`step` bytes each): the data, how it ended, and what
/// was left after the end.
fn decode(input: &[u8], step: usize) -> (Vec<u8>, &'static str, Vec<u8>) {
    let mut chunked = Chunked::new();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut pieces = input.chunks(step.max(1));
    loop {
        match chunked.decode(&mut buf) {
            Ok(Some(Decoded::Data(data))) => {
                assert!(!data.is_empty(), "an empty data frame");
                out.extend_from_slice(&data);
            }
            Ok(Some(Decoded::End)) => {
                let mut rest = buf.to_vec();
                pieces.for_each(|p| rest.extend_from_slice(p));
                return (out, "end", rest);
            }
            Ok(None) => match pieces.next() {
                Some(piece) => buf.extend_from_slice(piece),
                None => return (out, "more", Vec::new()),
            },
            Err(_) => return (out, "error", Vec::new()),
        }
    }
}

fn encode(chunks: &[Chunk], trailers: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut wire = Vec::new();
    let mut data = Vec::new();
    for chunk in chunks.iter().filter(|c| !c.data.is_empty()) {
        wire.extend(std::iter::repeat_n(b'0', usize::from(chunk.zeros % 4)));
        let size = if chunk.upper {
            format!("{:X}", chunk.data.len())
        } else {
            format!("{:x}", chunk.data.len())
        };
        wire.extend_from_slice(size.as_bytes());
        if chunk.space {
            wire.extend_from_slice(b" \t");
        }
        if let Some((name, value)) = chunk.extension {
            wire.extend_from_slice(format!(";e{name}=\"v{value}\"").as_bytes());
        }
        wire.extend_from_slice(b"\r\n");
        wire.extend_from_slice(&chunk.data);
        wire.extend_from_slice(b"\r\n");
        data.extend_from_slice(&chunk.data);
    }
    wire.extend_from_slice(b"0\r\n");
    for (i, byte) in trailers.iter().enumerate().take(32) {
        wire.extend_from_slice(format!("x-t{i}: {byte}\r\n").as_bytes());
    }
    wire.extend_from_slice(b"\r\n");
    (wire, data)
}

fuzz_target!(|input: Input| {
    match input {
        Input::Encoded {
            chunks,
            trailers,
            next,
            step,
        } => {
            let (mut wire, data) = encode(&chunks, &trailers);
            wire.extend_from_slice(&next);
            let (out, end, rest) = decode(&wire, usize::from(step));
            assert_eq!(end, "end", "a well-formed body did not end");
            assert_eq!(out, data, "the data differs");
            assert_eq!(rest, next, "bytes after the body were taken");
        }
        Input::Raw { bytes, step } => {
            let whole = decode(&bytes, bytes.len());
            let stepped = decode(&bytes, usize::from(step));
            assert_eq!(whole, stepped, "whole and read by read differ");
            // The first size line, against httparse.
            let mut chunked = Chunked::new();
            let mut buf = BytesMut::from(&bytes[..]);
            let ours = chunked.decode(&mut buf);
            match httparse::parse_chunk_size(&bytes) {
                Ok(httparse::Status::Complete((consumed, size))) if size > 0 => {
                    if let Ok(Some(Decoded::Data(data))) = &ours {
                        let available = bytes.len() - consumed;
                        let n = available.min(usize::try_from(size).unwrap_or(usize::MAX));
                        assert_eq!(&data[..], &bytes[consumed..consumed + n], "size {size}");
                    }
                    // Or ours refuses the line (it is stricter: see chunked.rs).
                    assert!(
                        !matches!(ours, Ok(Some(Decoded::End))),
                        "httparse: size {size}, ours: the last chunk"
                    );
                }
                Ok(httparse::Status::Complete((_, 0))) => {
                    assert!(
                        !matches!(ours, Ok(Some(Decoded::Data(_)))),
                        "httparse: last chunk, ours: data"
                    );
                }
                Ok(_) => {}
                Err(_) => {
                    assert!(
                        !matches!(ours, Ok(Some(_))),
                        "httparse refuses the size line, ours decodes it: {:?}",
                        String::from_utf8_lossy(&bytes[..bytes.len().min(64)])
                    );
                }
            }
        }
    }
});
