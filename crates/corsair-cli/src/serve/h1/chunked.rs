//! The chunked transfer coding's decoder (RFC 9112 section 7.1), byte by byte over the
//! connection's read buffer: data is split off the buffer without copying; chunk
//! extensions and trailers are read, bounded, and dropped.

use bytes::{Buf, Bytes, BytesMut};

use crate::serve::h1::Error;

/// The most bytes of chunk extensions in one body (ignored, but bounded, as hyper does).
const MAX_CHUNK_EXTENSIONS: usize = 16 * 1024;
/// The most bytes of trailers (read and dropped: the client side never forwards them,
/// as `Trailer` is a hop-by-hop header).
const MAX_TRAILERS: usize = 16 * 1024;

/// What the chunked decoder found.
pub(crate) enum Decoded {
    /// Body bytes.
    Data(Bytes),
    /// The last chunk and the trailers: the body is over.
    End,
}

/// The chunked decoder's state (RFC 9112 section 7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunked {
    /// Where in the framing the decoder is.
    state: ChunkState,
    /// Bytes of chunk extensions seen so far.
    extensions: usize,
    /// Bytes of trailers seen so far.
    trailers: usize,
}

/// Where the chunked decoder is in the framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// In the chunk size: its value and how many hex digits so far.
    Size { size: u64, digits: u8 },
    /// Whitespace after the size.
    SizeSpace { size: u64 },
    /// In a chunk extension (ignored).
    Extension { size: u64 },
    /// After the size line's CR.
    SizeLf { size: u64 },
    /// In the chunk's data: this many bytes left.
    Data { left: u64 },
    /// After the data: CR expected.
    DataCr,
    /// After the data's CR: LF expected.
    DataLf,
    /// In the trailers: the current line's length so far.
    Trailer { line: usize },
    /// After a trailer line's CR; `empty`: the line was empty (the end).
    TrailerLf { empty: bool },
    /// The body is over.
    End,
}

impl Chunked {
    pub(crate) fn new() -> Chunked {
        Chunked {
            state: ChunkState::Size { size: 0, digits: 0 },
            extensions: 0,
            trailers: 0,
        }
    }

    /// Decodes from `buf`: data (split off without copying), the end, or `None` when
    /// `buf` holds nothing more to decode.
    pub(crate) fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Decoded>, Error> {
        loop {
            match self.state {
                ChunkState::End => return Ok(Some(Decoded::End)),
                ChunkState::Data { left } => {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let data = buf.split_to(n).freeze();
                    let left = left - data.len() as u64;
                    self.state = if left == 0 {
                        ChunkState::DataCr
                    } else {
                        ChunkState::Data { left }
                    };
                    return Ok(Some(Decoded::Data(data)));
                }
                _ => {
                    let Some(&byte) = buf.first() else {
                        return Ok(None);
                    };
                    buf.advance(1);
                    self.state = self.step(byte)?;
                }
            }
        }
    }

    /// The state after one byte of the framing (anything but data).
    fn step(&mut self, byte: u8) -> Result<ChunkState, Error> {
        use ChunkState::*;
        let next = match (self.state, byte) {
            (Size { size, digits }, b) if b.is_ascii_hexdigit() => {
                if digits >= 16 {
                    return Err(Error::InvalidChunk("chunk size too large"));
                }
                let digit = (b as char).to_digit(16).map_or(0, u64::from);
                let size = size
                    .checked_mul(16)
                    .and_then(|s| s.checked_add(digit))
                    .ok_or(Error::InvalidChunk("chunk size too large"))?;
                Size {
                    size,
                    digits: digits + 1,
                }
            }
            (Size { digits: 0, .. }, _) => return Err(Error::InvalidChunk("no chunk size")),
            (Size { size, .. } | SizeSpace { size }, b' ' | b'\t') => SizeSpace { size },
            (Size { size, .. } | SizeSpace { size }, b';') => Extension { size },
            (Size { size, .. } | SizeSpace { size } | Extension { size }, b'\r') => SizeLf { size },
            (Extension { .. }, b'\n') => {
                return Err(Error::InvalidChunk("line feed in a chunk extension"));
            }
            (Extension { size }, _) => {
                self.extensions += 1;
                if self.extensions > MAX_CHUNK_EXTENSIONS {
                    return Err(Error::InvalidChunk("chunk extensions too large"));
                }
                Extension { size }
            }
            (SizeLf { size: 0 }, b'\n') => Trailer { line: 0 },
            (SizeLf { size }, b'\n') => Data { left: size },
            (DataCr, b'\r') => DataLf,
            (DataLf, b'\n') => Size { size: 0, digits: 0 },
            (Trailer { line }, b'\r') => TrailerLf { empty: line == 0 },
            (Trailer { line }, _) => {
                self.trailers += 1;
                if self.trailers > MAX_TRAILERS {
                    return Err(Error::InvalidChunk("trailers too large"));
                }
                Trailer { line: line + 1 }
            }
            (TrailerLf { empty: true }, b'\n') => End,
            (TrailerLf { empty: false }, b'\n') => Trailer { line: 0 },
            _ => return Err(Error::InvalidChunk("unexpected byte")),
        };
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8], split: usize) -> Result<(Vec<u8>, bool), Error> {
        let mut chunked = Chunked::new();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for piece in input.chunks(split.max(1)) {
            buf.extend_from_slice(piece);
            while let Some(decoded) = chunked.decode(&mut buf)? {
                match decoded {
                    Decoded::Data(data) => out.extend_from_slice(&data),
                    Decoded::End => return Ok((out, buf.is_empty())),
                }
            }
        }
        Ok((out, false))
    }

    #[test]
    fn chunked_bodies_decode_whatever_the_reads() {
        let body = b"5\r\nhello\r\n7;ext=1;x\r\n, world\r\n0\r\nx-sum: 1\r\n\r\n";
        for split in [1, 2, 3, 7, body.len()] {
            let (out, rest_empty) = decode_all(body, split).unwrap();
            assert_eq!(out, b"hello, world", "split {split}");
            assert!(rest_empty);
        }
        let (out, _) = decode_all(b"A \t;e\r\n0123456789\r\n0\r\n\r\n", 4).unwrap();
        assert_eq!(out, b"0123456789");
    }

    #[test]
    fn malformed_chunked_bodies_are_errors() {
        for bad in [
            &b"x\r\n"[..],
            b"\r\n",
            b"5\r\nhelloX\r\n",
            b"5\nhello\r\n",
            b"11111111111111111\r\n",
            b"5;a\nb\r\n",
        ] {
            assert!(
                decode_all(bad, 1).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let mut huge_ext = b"1;".to_vec();
        huge_ext.extend(std::iter::repeat_n(b'a', MAX_CHUNK_EXTENSIONS + 1));
        assert!(decode_all(&huge_ext, 4096).is_err());
    }
}
