//! The request path as the policy and the upstream see it: dot segments resolved
//! (RFC 3986 section 5.2.4) before the upstream's prefix is put in front, so that no
//! request reaches past the prefix.
//!
//! As nginx does, a path whose `..` would climb above the root is refused (400), with a
//! prefix or without. `%2e` and `%2E` count as `.` (as the WHATWG URL parser, and so
//! many upstream frameworks, decode them). Encoded slashes (`%2f`), backslashes (`\`,
//! `%5c`) and path parameters (`;`) are kept as they are, since many APIs use
//! `%2f` inside a segment, but a segment that some server would split into a dot
//! segment at one of them (`..%2f`, `..\`, `..;`) is refused: the gateway cannot know
//! how the upstream reads it.

use std::borrow::Cow;
use std::fmt;

/// Why a request path is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathError {
    /// Not an origin-form path (`/...`): `*`, or an authority.
    NotOriginForm,
    /// A `..` would climb above the root (or above the upstream's prefix).
    Escapes,
    /// A dot segment hidden behind an encoded slash, a backslash or a `;`.
    HiddenDotSegment,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathError::NotOriginForm => "the request target is not a path starting with /",
            PathError::Escapes => "the path climbs above the root with `..`",
            PathError::HiddenDotSegment => {
                "the path has a dot segment behind an encoded slash, a backslash or a `;`"
            }
        })
    }
}

impl std::error::Error for PathError {}

/// The path with its dot segments resolved; borrowed when there were none (the usual
/// case, found with one pass over the bytes).
pub(crate) fn normalize(path: &str) -> Result<Cow<'_, str>, PathError> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err(PathError::NotOriginForm);
    };
    if !path
        .bytes()
        .any(|b| matches!(b, b'.' | b'%' | b'\\' | b';'))
    {
        return Ok(Cow::Borrowed(path));
    }
    let mut segments: Vec<&str> = Vec::new();
    let mut changed = false;
    // Whether the last segment was a dot segment: the result then ends with `/`.
    let mut ends_in_dots = false;
    for segment in rest.split('/') {
        ends_in_dots = false;
        match dot_segment(segment) {
            Some(Dots::One) => {
                changed = true;
                ends_in_dots = true;
            }
            Some(Dots::Two) => {
                if segments.pop().is_none() {
                    return Err(PathError::Escapes);
                }
                changed = true;
                ends_in_dots = true;
            }
            None => {
                if hides_dot_segment(segment) {
                    return Err(PathError::HiddenDotSegment);
                }
                segments.push(segment);
            }
        }
    }
    if !changed {
        return Ok(Cow::Borrowed(path));
    }
    let mut out = String::with_capacity(path.len());
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    if ends_in_dots || out.is_empty() {
        out.push('/');
    }
    Ok(Cow::Owned(out))
}

/// `.` or `..`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dots {
    One,
    Two,
}

/// Whether `segment` is `.` or `..`, each dot written `.`, `%2e` or `%2E`.
fn dot_segment(segment: &str) -> Option<Dots> {
    let mut bytes = segment.as_bytes();
    let mut dots = 0;
    while !bytes.is_empty() {
        bytes = match bytes {
            [b'.', rest @ ..] => rest,
            [b'%', b'2', b'e' | b'E', rest @ ..] => rest,
            _ => return None,
        };
        dots += 1;
    }
    match dots {
        1 => Some(Dots::One),
        2 => Some(Dots::Two),
        _ => None,
    }
}

/// Whether a segment that is no dot segment holds one once split at an encoded slash or
/// a backslash, or cut at a `;` (path parameters, which some servers strip).
fn hides_dot_segment(segment: &str) -> bool {
    if !segment.bytes().any(|b| matches!(b, b'%' | b'\\' | b';')) {
        return false;
    }
    let unified = segment
        .to_ascii_lowercase()
        .replace("%2f", "/")
        .replace("%5c", "/")
        .replace('\\', "/");
    unified
        .split('/')
        .any(|piece| dot_segment(piece.split(';').next().unwrap_or_default()).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(path: &str) -> String {
        normalize(path).unwrap().into_owned()
    }

    #[test]
    fn paths_without_dot_segments_are_borrowed_unchanged() {
        for path in [
            "/",
            "/a/b",
            "/a//b/",
            "/file.json",
            "/a/.../b",
            "/v1/repos/group%2Fproject",
            "/a%2e%2eb",
            "/.well-known/x",
            "/a;v=1/b",
        ] {
            assert!(
                matches!(normalize(path), Ok(Cow::Borrowed(p)) if p == path),
                "{path}"
            );
        }
    }

    #[test]
    fn dot_segments_are_resolved() {
        assert_eq!(ok("/a/../b"), "/b");
        assert_eq!(ok("/a/./b"), "/a/b");
        assert_eq!(ok("/a/b/.."), "/a/");
        assert_eq!(ok("/a/."), "/a/");
        assert_eq!(ok("/."), "/");
        assert_eq!(ok("/a/.."), "/");
        assert_eq!(ok("/a/../"), "/");
        assert_eq!(ok("/a/%2e%2E/b"), "/b");
        assert_eq!(ok("/a/.%2e/b"), "/b");
        assert_eq!(ok("/a/%2e/b"), "/a/b");
        assert_eq!(ok("/a/b/c/../../d"), "/a/d");
    }

    #[test]
    fn climbing_above_the_root_is_refused() {
        for path in [
            "/..",
            "/../admin",
            "/%2e%2e/admin",
            "/%2E%2E/admin",
            "/a/../../admin",
            "/./../admin",
            "/a/%2e./%2e%2e/x",
        ] {
            assert_eq!(normalize(path), Err(PathError::Escapes), "{path}");
        }
    }

    #[test]
    fn hidden_dot_segments_are_refused() {
        for path in [
            "/..%2fadmin",
            "/..%2Fadmin",
            "/a/%2e%2e%2f%2e%2e%2fadmin",
            "/a%2f..%2fb",
            "/..\\admin",
            "/..%5cadmin",
            "/..;/admin",
            "/a/..;x/b",
        ] {
            assert_eq!(normalize(path), Err(PathError::HiddenDotSegment), "{path}");
        }
    }

    #[test]
    fn targets_that_are_not_paths_are_refused() {
        for target in ["*", "", "example.com:80", "a/b"] {
            assert_eq!(normalize(target), Err(PathError::NotOriginForm), "{target}");
        }
    }

    #[test]
    fn the_result_never_has_a_dot_segment_and_normalizing_again_changes_nothing() {
        let parts = ["a", ".", "..", "%2e", "%2E.", "", "b.c", "%2f", "x;y"];
        let mut count = 0;
        for a in parts {
            for b in parts {
                for c in parts {
                    let path = format!("/{a}/{b}/{c}");
                    let Ok(normal) = normalize(&path) else {
                        continue;
                    };
                    count += 1;
                    assert!(
                        normal.split('/').all(|s| dot_segment(s).is_none()),
                        "{path} -> {normal}"
                    );
                    assert_eq!(normalize(&normal).as_deref(), Ok(&*normal), "{path}");
                }
            }
        }
        assert!(count > 100, "{count}");
    }
}
