//! Reading a response head: one pass over it with `httparse`, hop-by-hop headers left
//! out, the body's framing found on the way.

use std::mem::MaybeUninit;

use bytes::BytesMut;
use http::header::CONTENT_LENGTH;
use http::response::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode, Version};

use crate::serve::forward;
use crate::serve::h1::Error;
use crate::serve::h1::chunked::Chunked;

/// The largest response head read (hyper's client default buffer limit, 8 KiB + 400 KiB).
pub(crate) const MAX_HEAD: usize = 8192 + 4096 * 100;
/// The most response headers (hyper's client default).
pub(crate) const MAX_HEADERS: usize = 100;

/// Parses a complete response head off `read`, if there is one, with the framing of its
/// body (`head_request`: the request was a `HEAD`); `scratch` is reused space, `spare`
/// a cleared map to take for the headers (an empty one is left).
///
/// The hop-by-hop headers (see `forward.rs`) are left out as the head is read, rather
/// than inserted and removed: the head comes out as `forward.rs` would leave it. The
/// framing is read off the same pass.
pub(crate) fn parse_head(
    read: &mut BytesMut,
    scratch: &mut Scratch,
    head_request: bool,
    spare: &mut HeaderMap,
) -> Result<Option<Head>, Error> {
    let mut headers = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    let buf: &[u8] = read;
    let len = match httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut response,
        buf,
        &mut headers,
    ) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(Error::HeadTooLarge),
        Err(e) => return Err(Error::Parse(e)),
    };
    if len > MAX_HEAD {
        return Err(Error::HeadTooLarge);
    }
    let status = response
        .code
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or(Error::InvalidHead("status"))?;
    let version = if response.version == Some(1) {
        Version::HTTP_11
    } else {
        Version::HTTP_10
    };
    // A reason phrase other than the usual one is passed on, as hyper does.
    let reason = response
        .reason
        .filter(|reason| Some(*reason) != status.canonical_reason())
        .map(|r| (offset(buf, r.as_bytes()), r.len()));
    // Header values become slices of the head once it is split off the buffer: note
    // where they are, with their names.
    let Scratch { values, names } = scratch;
    let lines = read_lines(response.headers, buf, version, names, values)?;
    let framing = if status.is_informational() {
        Framing::Done
    } else {
        lines.lengths.framing(status, version, head_request)?
    };
    let head = read.split_to(len).freeze();
    let mut parts = parts_of(&head, values, spare)?;
    parts.status = status;
    parts.version = version;
    if let Some((start, len)) = reason {
        if head.get(start..start + len).is_some() {
            if let Ok(reason) = hyper::ext::ReasonPhrase::try_from(head.slice(start..start + len)) {
                parts.extensions.insert(reason);
            }
        }
    }
    Ok(Some(Head {
        parts,
        keep_alive: lines.keep_alive,
        framing,
    }))
}

/// What a head's header lines say about the connection and the body.
struct Lines {
    /// Whether the connection stays open after this response.
    keep_alive: bool,
    /// The body's length headers.
    lengths: Lengths,
}

/// Reads the header lines of a head held in `buf`: the hop-by-hop ones are left out
/// (with the names `Connection` lists), the others noted in `values` with where their
/// values are in `buf`.
fn read_lines(
    headers: &[httparse::Header<'_>],
    buf: &[u8],
    version: Version,
    names: &mut Names,
    values: &mut Vec<(HeaderName, usize, usize)>,
) -> Result<Lines, Error> {
    values.clear();
    let mut connection = Connection {
        keep_alive: version == Version::HTTP_11,
        saw_close: false,
        named: Vec::new(),
    };
    let mut lengths = Lengths::default();
    for (i, header) in headers.iter().enumerate() {
        let (name, bit) = names.name(i, header.name.as_bytes())?;
        match bit {
            0 => {}
            forward::CONNECTION_BIT => {
                connection.line(header.value);
                continue;
            }
            forward::TRANSFER_ENCODING_BIT => {
                // Chunked when it is the last coding of the last line.
                lengths.transfer_encoding = true;
                lengths.chunked = header
                    .value
                    .rsplit(|b| *b == b',')
                    .next()
                    .is_some_and(|c| c.trim_ascii().eq_ignore_ascii_case(b"chunked"));
                continue;
            }
            _ => continue,
        }
        if name == CONTENT_LENGTH {
            lengths.add_content_length(header.value);
        }
        let start = offset(buf, header.value);
        values.push((name, start, start + header.value.len()));
    }
    if !connection.named.is_empty() {
        values.retain(|(name, ..)| !connection.named.contains(name));
    }
    if lengths.transfer_encoding {
        // RFC 9112 section 6.3: Transfer-Encoding overrides a Content-Length, which
        // must not be forwarded.
        values.retain(|(name, ..)| name != CONTENT_LENGTH);
    }
    Ok(Lines {
        keep_alive: connection.keep_alive,
        lengths,
    })
}

/// What the `Connection` lines of a head say.
struct Connection {
    keep_alive: bool,
    saw_close: bool,
    /// Names it lists besides the fixed hop-by-hop ones (rare).
    named: Vec<HeaderName>,
}

impl Connection {
    /// One `Connection` line.
    fn line(&mut self, value: &[u8]) {
        // As hyper: once a `Connection` line says close, it is closed; HTTP/1.0 stays
        // open only when asked to.
        if self.saw_close || has_token(value, "close") {
            self.saw_close = true;
            self.keep_alive = false;
        } else if !self.keep_alive {
            self.keep_alive = has_token(value, "keep-alive");
        }
        // The names it lists go too (usually none besides the fixed ones).
        self.named.extend(
            value
                .split(|b| *b == b',')
                .map(<[u8]>::trim_ascii)
                .filter(|t| {
                    !forward::HOP_BY_HOP
                        .iter()
                        .any(|h| t.eq_ignore_ascii_case(h.as_str().as_bytes()))
                })
                .filter_map(|t| HeaderName::from_bytes(t).ok()),
        );
    }
}

/// The response's parts, with the headers noted in `values` (drained) as slices of
/// `head`, in the map taken from `spare`.
fn parts_of(
    head: &bytes::Bytes,
    values: &mut Vec<(HeaderName, usize, usize)>,
    spare: &mut HeaderMap,
) -> Result<Parts, Error> {
    // Room for the CORS headers the gateway adds, so that the map need not grow.
    let mut map = std::mem::take(spare);
    map.reserve(values.len() + CORS_HEADERS);
    for (name, start, end) in values.drain(..) {
        let value = head
            .get(start..end)
            .map(|_| head.slice(start..end))
            .ok_or(Error::InvalidHead("header value"))?;
        let value = HeaderValue::from_maybe_shared(value)
            .map_err(|_| Error::InvalidHead("header value"))?;
        map.append(name, value);
    }
    let (mut parts, ()) = Response::new(()).into_parts();
    parts.headers = map;
    Ok(parts)
}

/// What the head parser reuses from response to response.
#[derive(Default)]
pub(crate) struct Scratch {
    /// The headers of the head being built: names and where their values are.
    values: Vec<(HeaderName, usize, usize)>,
    /// The header names of the last response.
    names: Names,
}

/// The header names of the last response, by position. An upstream sends the same
/// names in the same order response after response: comparing the bytes with the last
/// response's costs less than building a `HeaderName` anew (a case-folding pass, a
/// lookup, an allocation for a name that is not a standard one).
#[derive(Default)]
struct Names(Vec<KnownName>);

/// A header name as it came, and what it is.
struct KnownName {
    /// The name's bytes, as they came.
    raw: Box<[u8]>,
    /// The name.
    name: HeaderName,
    /// Its bit among the hop-by-hop names (`forward::hop_by_hop_bit`).
    bit: u16,
}

/// How many header positions [`Names`] remembers.
const KNOWN_NAMES: usize = 32;

impl Names {
    /// The name of the `i`-th header, as `raw` came, and its hop-by-hop bit.
    fn name(&mut self, i: usize, raw: &[u8]) -> Result<(HeaderName, u16), Error> {
        if let Some(known) = self.0.get(i) {
            if *known.raw == *raw {
                return Ok((known.name.clone(), known.bit));
            }
        }
        let name = HeaderName::from_bytes(raw).map_err(|_| Error::InvalidHead("header name"))?;
        let bit = forward::hop_by_hop_bit(&name);
        let known = KnownName {
            raw: raw.into(),
            name: name.clone(),
            bit,
        };
        let len = self.0.len();
        if let Some(slot) = self.0.get_mut(i) {
            *slot = known;
        } else if i == len && i < KNOWN_NAMES {
            self.0.push(known);
        }
        Ok((name, bit))
    }
}

/// Where `part` starts in `whole` (`part` is a slice of it, as `httparse` returns).
fn offset(whole: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// The most headers the gateway adds to a response (the CORS headers: allow-origin,
/// allow-credentials, expose-headers, vary), reserved in its header map.
const CORS_HEADERS: usize = 4;

/// What a response head says about its body's length.
#[derive(Default)]
struct Lengths {
    /// `Content-Length`, when every value agreed.
    content_length: Option<u64>,
    /// A `Content-Length` value that is not a number, or two that disagree.
    invalid_length: bool,
    /// Whether there is a `Transfer-Encoding`.
    transfer_encoding: bool,
    /// Whether the last transfer coding is chunked.
    chunked: bool,
}

impl Lengths {
    /// One `Content-Length` line: several values (lines or a list) are fine if they
    /// agree.
    fn add_content_length(&mut self, value: &[u8]) {
        for item in value.split(|b| *b == b',') {
            match digits(item.trim_ascii()) {
                Some(n) if self.content_length.is_none_or(|l| l == n) => {
                    self.content_length = Some(n);
                }
                _ => self.invalid_length = true,
            }
        }
    }

    /// How the body is delimited (RFC 9112 section 6.3), as hyper's client decides it.
    fn framing(&self, status: StatusCode, version: Version, head: bool) -> Result<Framing, Error> {
        if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED || head {
            return Ok(Framing::Done);
        }
        if self.transfer_encoding {
            if version == Version::HTTP_10 {
                return Err(Error::TransferEncodingInHttp10);
            }
            // Not chunked last: until the close.
            return Ok(if self.chunked {
                Framing::Chunked(Chunked::new())
            } else {
                Framing::Close
            });
        }
        if self.invalid_length {
            return Err(Error::InvalidContentLength);
        }
        Ok(match self.content_length {
            Some(0) => Framing::Done,
            Some(n) => Framing::Length(n),
            None => Framing::Close,
        })
    }
}

/// Whether a comma-separated header value lists `token` (case-insensitive).
fn has_token(value: &[u8], token: &str) -> bool {
    value
        .split(|b| *b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

/// How the response body is delimited (RFC 9112 section 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body, or no more of it.
    Done,
    /// `Content-Length`: this many bytes left.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked(Chunked),
    /// Until the upstream closes the connection.
    Close,
}

/// A parsed response head.
pub(crate) struct Head {
    /// Status, version and headers (hop-by-hop ones left out).
    pub(crate) parts: Parts,
    /// Whether the connection stays open after this response (per its version and
    /// `Connection`).
    pub(crate) keep_alive: bool,
    /// How its body is delimited.
    pub(crate) framing: Framing,
}

/// A decimal number without sign, or `None`.
fn digits(text: &[u8]) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    text.iter().try_fold(0u64, |n, b| {
        let digit = (*b as char).to_digit(10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a whole response head (`HEAD` request if `head_request`).
    fn parse(text: &str, head_request: bool) -> Result<Head, Error> {
        let mut buf = BytesMut::from(text.as_bytes());
        let head = parse_head(
            &mut buf,
            &mut Scratch::default(),
            head_request,
            &mut HeaderMap::new(),
        )?;
        Ok(head.expect("a complete head"))
    }

    fn framing_of(text: &str, head_request: bool) -> Option<Framing> {
        parse(text, head_request).ok().map(|h| h.framing)
    }

    #[test]
    fn framing_follows_rfc_9112() {
        let ok = "HTTP/1.1 200 OK\r\n";
        let with = |status: &str, headers: &str| format!("{status}{headers}\r\n");
        assert_eq!(
            framing_of(&with(ok, "content-length: 5\r\n"), false),
            Some(Framing::Length(5))
        );
        assert_eq!(
            framing_of(&with(ok, "content-length: 5\r\n"), true),
            Some(Framing::Done)
        );
        for status in [
            "HTTP/1.1 204 No Content\r\n",
            "HTTP/1.1 304 Not Modified\r\n",
        ] {
            assert_eq!(
                framing_of(&with(status, "content-length: 5\r\n"), false),
                Some(Framing::Done)
            );
        }
        assert_eq!(
            framing_of(&with(ok, "transfer-encoding: gzip, chunked\r\n"), false),
            Some(Framing::Chunked(Chunked::new()))
        );
        assert_eq!(
            framing_of(&with(ok, "transfer-encoding: gzip\r\n"), false),
            Some(Framing::Close)
        );
        assert_eq!(framing_of(&with(ok, ""), false), Some(Framing::Close));
        assert_eq!(
            framing_of(
                &with(ok, "content-length: 5\r\ncontent-length: 5, 5\r\n"),
                false
            ),
            Some(Framing::Length(5))
        );
        // Leading zeros are digits like any other (1*DIGIT).
        assert_eq!(
            framing_of(&with(ok, "content-length: 00\r\n"), false),
            Some(Framing::Done)
        );
        assert_eq!(
            framing_of(&with(ok, "content-length: 007\r\n"), false),
            Some(Framing::Length(7))
        );
        for bad in ["5, 6", "-5", "+5", "", "5a", "99999999999999999999"] {
            let head = with(ok, &format!("content-length: {bad}\r\n"));
            assert_eq!(framing_of(&head, false), None, "{bad}");
        }
        assert_eq!(
            framing_of(
                &with("HTTP/1.0 200 OK\r\n", "transfer-encoding: chunked\r\n"),
                false
            ),
            None
        );
        // Transfer-Encoding wins, and Content-Length is not passed on.
        let both = parse(
            &with(ok, "content-length: 3\r\ntransfer-encoding: chunked\r\n"),
            false,
        )
        .unwrap();
        assert_eq!(both.framing, Framing::Chunked(Chunked::new()));
        assert!(both.parts.headers.is_empty(), "{:?}", both.parts.headers);
    }

    #[test]
    fn keep_alive_per_version_and_connection() {
        let keep = |text: &str| parse(text, false).unwrap().keep_alive;
        assert!(keep("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"));
        assert!(!keep(
            "HTTP/1.1 200 OK\r\nconnection: Close\r\ncontent-length: 0\r\n\r\n"
        ));
        assert!(!keep(
            "HTTP/1.1 200 OK\r\nconnection: close\r\nconnection: keep-alive\r\n\r\n"
        ));
        assert!(!keep("HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n"));
        assert!(keep(
            "HTTP/1.0 200 OK\r\nconnection: Keep-Alive\r\ncontent-length: 0\r\n\r\n"
        ));
    }

    #[test]
    fn hop_by_hop_headers_are_left_out_as_forward_removes_them() {
        let text = "HTTP/1.1 200 OK\r\nx-named: 1\r\nconnection: keep-alive, X-Named, close, te\r\nkeep-alive: timeout=5\r\nproxy-connection: keep-alive\r\nte: trailers\r\ntrailer: x-sum\r\nupgrade: h2c\r\nproxy-authenticate: Basic\r\nproxy-authorization: Basic x\r\nx-kept: 1\r\nx-kept: 2\r\ncontent-length: 0\r\n\r\n";
        let parsed = parse(text, false).unwrap();
        // The same head through a plain parse and `forward::remove_hop_by_hop`.
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        response.parse(text.as_bytes()).unwrap();
        let mut expected = HeaderMap::new();
        for h in response.headers.iter() {
            expected.append(
                HeaderName::from_bytes(h.name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(h.value).unwrap(),
            );
        }
        forward::remove_hop_by_hop(&mut expected, false);
        assert_eq!(parsed.parts.headers, expected);
        assert_eq!(parsed.parts.headers.len(), 3, "{:?}", parsed.parts.headers);
    }

    #[test]
    fn heads_keep_their_values_and_reason() {
        let parsed = parse(
            "HTTP/1.1 404 Nope\r\nContent-Type: text/plain\r\nX-Id:  a b \r\ncontent-length: 0\r\n\r\n",
            false,
        )
        .unwrap();
        assert_eq!(parsed.parts.status, StatusCode::NOT_FOUND);
        assert_eq!(parsed.parts.headers["content-type"], "text/plain");
        assert_eq!(parsed.parts.headers["x-id"], "a b");
        assert_eq!(
            parsed
                .parts
                .extensions
                .get::<hyper::ext::ReasonPhrase>()
                .map(|r| r.as_bytes()),
            Some(&b"Nope"[..])
        );
        let usual = parse("HTTP/1.1 200 OK\r\n\r\n", false).unwrap();
        assert!(
            usual
                .parts
                .extensions
                .get::<hyper::ext::ReasonPhrase>()
                .is_none()
        );
        // Partial heads wait for more; too many headers and garbage are errors.
        let mut buf = BytesMut::from(&b"HTTP/1.1 200 OK\r\ncontent-le"[..]);
        assert!(matches!(
            parse_head(
                &mut buf,
                &mut Scratch::default(),
                false,
                &mut HeaderMap::new()
            ),
            Ok(None)
        ));
        let mut many = String::from("HTTP/1.1 200 OK\r\n");
        for i in 0..=MAX_HEADERS {
            many.push_str(&format!("x-{i}: 1\r\n"));
        }
        many.push_str("\r\n");
        assert!(matches!(parse(&many, false), Err(Error::HeadTooLarge)));
        assert!(matches!(
            parse("SSH-2.0-OpenSSH\r\n\r\n", false),
            Err(Error::Parse(_))
        ));
    }

    #[test]
    fn known_names_are_reused_by_position_and_replaced_when_they_change() {
        let mut names = Names::default();
        let first = names.name(0, b"Content-Type").unwrap();
        assert_eq!(first.0, http::header::CONTENT_TYPE);
        assert_eq!(
            names.name(1, b"Connection").unwrap().1,
            forward::CONNECTION_BIT
        );
        // The same bytes at the same place: the same name.
        assert_eq!(names.name(0, b"Content-Type").unwrap(), first);
        // Other bytes (even in another case): looked up anew.
        assert_eq!(names.name(0, b"X-Id").unwrap().0.as_str(), "x-id");
        assert_eq!(names.name(0, b"x-ID").unwrap().0.as_str(), "x-id");
        assert_eq!(names.name(1, b"Content-Type").unwrap().1, 0);
        assert!(names.name(2, b"bad name").is_err());
        // Far positions are not remembered, but still named.
        assert_eq!(names.name(40, b"x-far").unwrap().0.as_str(), "x-far");
        assert_eq!(names.0.len(), 2);
    }

    #[test]
    fn connection_tokens() {
        assert!(has_token(b"Keep-Alive, Upgrade", "keep-alive"));
        assert!(has_token(b" close ", "close"));
        assert!(!has_token(b"closed", "close"));
    }
}
