//! The gateway's check of request heads (`corsair serve`, `serve/refuse.rs`, included as
//! it is): `Host` and `Transfer-Encoding` lines from arbitrary bytes. Checked: no panic;
//! an accepted HTTP/1.1 head has exactly one `Host`; an accepted `Host` is one that the
//! `http` crate's authority parser also reads, as the same host and port, without user
//! information (the check is the stricter of the two: the authority parser also takes
//! `user@host`, `host:port` with letters, and text after `]`); an accepted
//! `Transfer-Encoding` is one line saying `chunked`.
#![no_main]

use arbitrary::Arbitrary;
use http::header::{HOST, TRANSFER_ENCODING};
use http::uri::Authority;
use http::{HeaderMap, HeaderName, HeaderValue, Version};
use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../crates/corsair-cli/src/serve/refuse.rs"]
mod refuse;

#[derive(Arbitrary, Debug)]
struct Head {
    version: u8,
    lines: Vec<(u8, Vec<u8>)>,
}

fuzz_target!(|head: Head| {
    let version = match head.version % 3 {
        0 => Version::HTTP_10,
        1 => Version::HTTP_11,
        _ => Version::HTTP_2,
    };
    let mut headers = HeaderMap::new();
    for (which, value) in head.lines.iter().take(8) {
        let name = match which % 3 {
            0 => HOST,
            1 => TRANSFER_ENCODING,
            _ => HeaderName::from_static("x-other"),
        };
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.append(name, value);
        }
    }
    if refuse::check(version, &headers).is_err() || version == Version::HTTP_2 {
        return;
    }
    let hosts: Vec<&HeaderValue> = headers.get_all(HOST).iter().collect();
    if version == Version::HTTP_11 {
        assert_eq!(hosts.len(), 1, "accepted with {} Host lines", hosts.len());
    }
    assert!(hosts.len() <= 1);
    if let Some(host) = hosts.first() {
        let text = host.to_str().expect("an accepted Host is ASCII");
        let authority = Authority::try_from(text)
            .unwrap_or_else(|e| panic!("{text:?} accepted, the authority parser says {e}"));
        assert!(!text.contains('@'), "{text:?}: user information accepted");
        // The same host and port as the authority parser reads.
        let (name, port) = match text.rfind(']') {
            Some(close) => (&text[..=close], text[close + 1..].strip_prefix(':')),
            None => match text.split_once(':') {
                Some((name, port)) => (name, Some(port)),
                None => (text, None),
            },
        };
        assert_eq!(authority.host(), name, "{text:?}");
        assert!(!name.is_empty());
        assert_eq!(
            authority.port_u16(),
            port.map(|p| p.parse::<u16>().expect("an accepted port is a number")),
            "{text:?}"
        );
    }
    let codings: Vec<&HeaderValue> = headers.get_all(TRANSFER_ENCODING).iter().collect();
    if let Some(coding) = codings.first() {
        assert_eq!(codings.len(), 1);
        assert!(
            coding
                .as_bytes()
                .trim_ascii()
                .eq_ignore_ascii_case(b"chunked")
        );
    }
});
