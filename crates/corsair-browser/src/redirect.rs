//! Redirects (Fetch `#http-redirect-fetch`): the CORS check on the 3xx itself, the
//! limits, the method rewrite, `Authorization` dropped across origins, and the origin
//! turning `null` once a redirect taints it.

use http::header::{HeaderMap, LOCATION};
use http::{Method, StatusCode, Uri};

use super::check::cors_check;
use super::preflight::is_redirect_status;
use super::profile::Profile;
use super::request::{MAX_REDIRECTS, ScriptRequest};
use super::url::{canonical_http_url, has_userinfo, url_origin};
use super::verdict::Blocked;

/// Follows a redirect as a browser does (`redirect: "follow"`, `fetch()`'s default).
///
/// Returns `Ok(None)` when the response is not a redirect (not 301, 302, 303, 307 or
/// 308, or no `Location`): judge it with [`judge_response`](super::judge_response).
/// Otherwise returns the request for the next hop, whose [`plan`](super::plan) holds a
/// fresh preflight at the new URL when one is needed. In order:
///
/// 1. for a CORS request, the redirect response itself must pass the
///    [CORS check](super::cors_check);
/// 2. `Location` must be one URL (resolved against the current one), `http:` or
///    `https:`. With [`Profile::Spec`] two `Location` headers are a network error and
///    an empty one resolves to the current URL; with [`Profile::Chromium`] empty values
///    are ignored (none left: not a redirect), and several identical values are one;
/// 3. at most 20 redirects;
/// 4. no user name or password in the new URL for a CORS request (or for a cross-origin
///    one);
/// 5. 301 and 302 turn `POST` into `GET`, 303 turns anything but `GET` and `HEAD` into
///    `GET`; the body goes, and with it `Content-Type`, `Content-Language`,
///    `Content-Encoding` and `Content-Location`;
/// 6. `Authorization` is removed when the redirect crosses origins;
/// 7. the origin becomes `null` (tainted) when the redirect leaves a URL that was
///    cross-origin both with the new URL and with the script's origin.
///
/// ```
/// use corsair_browser::{follow_redirect, plan, ScriptRequest};
/// use http::{HeaderMap, StatusCode};
///
/// let request = ScriptRequest::new("https://app.example", http::Method::GET,
///     http::Uri::from_static("https://a.example/old"))?;
/// let mut response = HeaderMap::new();
/// response.insert("access-control-allow-origin", "*".parse()?);
/// response.insert("location", "https://b.example/new".parse()?);
/// let next = follow_redirect(&request, StatusCode::FOUND, &response)?.expect("a redirect");
/// assert_eq!(next.url(), "https://b.example/new");
/// assert_eq!(next.serialized_origin(), "null"); // a.example → b.example taints it
/// assert_eq!(plan(&next).actual.headers()["origin"], "null");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn follow_redirect(
    request: &ScriptRequest,
    status: StatusCode,
    headers: &HeaderMap,
) -> Result<Option<ScriptRequest>, Blocked> {
    if !is_redirect_status(status) {
        return Ok(None);
    }
    if request.is_cors() {
        cors_check(request, headers).map_err(Blocked::Response)?;
    }
    let mut locations = headers.get_all(LOCATION).iter();
    let Some(location) = locations.next() else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(location.as_bytes()).into_owned();
    match request.profile() {
        Profile::Spec => {
            if locations.next().is_some() {
                return Err(Blocked::InvalidRedirectLocation(text));
            }
        }
        Profile::Chromium => {
            // Chromium ignores empty values, follows the first non-empty one, and
            // fails on two different ones.
            let mut non_empty = headers
                .get_all(LOCATION)
                .iter()
                .filter(|v| !v.as_bytes().is_empty());
            let Some(first) = non_empty.next() else {
                return Ok(None);
            };
            if non_empty.any(|v| v != first) {
                return Err(Blocked::InvalidRedirectLocation(text));
            }
            return follow(request, status, first);
        }
    }
    follow(request, status, location)
}

fn follow(
    request: &ScriptRequest,
    status: StatusCode,
    location: &http::HeaderValue,
) -> Result<Option<ScriptRequest>, Blocked> {
    let text = String::from_utf8_lossy(location.as_bytes()).into_owned();
    let url = match resolve(request.url(), location.as_bytes()) {
        Ok(url) => url,
        Err(LocationError::Scheme) => return Err(Blocked::RedirectScheme(text)),
        Err(LocationError::Invalid) => return Err(Blocked::InvalidRedirectLocation(text)),
    };
    if request.redirect_count() >= MAX_REDIRECTS {
        return Err(Blocked::TooManyRedirects);
    }
    if has_userinfo(&url) && (request.is_cors() || url_origin(&url) != request.origin()) {
        return Err(Blocked::RedirectWithCredentials(url.to_string()));
    }
    let method = request.method();
    let rewrite = match status.as_u16() {
        301 | 302 => *method == Method::POST,
        303 => *method != Method::GET && *method != Method::HEAD,
        _ => false,
    };
    Ok(Some(request.redirected(url, rewrite)))
}

#[derive(Debug, PartialEq, Eq)]
enum LocationError {
    /// Not `http:` or `https:`.
    Scheme,
    /// Not a URL.
    Invalid,
}

/// Resolves a `Location` against the current URL (RFC 3986 reference resolution, with
/// the URL Standard's leniencies that matter here: surrounding spaces and controls
/// stripped, tabs and newlines removed, `\` read as `/`, unsafe bytes percent-encoded,
/// the fragment dropped).
fn resolve(base: &Uri, location: &[u8]) -> Result<Uri, LocationError> {
    let trimmed = {
        let start = location
            .iter()
            .position(|&b| b > b' ')
            .unwrap_or(location.len());
        let end = location
            .iter()
            .rposition(|&b| b > b' ')
            .map_or(start, |i| i + 1);
        location.get(start..end).unwrap_or_default()
    };
    let mut cleaned: Vec<u8> = trimmed
        .iter()
        .copied()
        .filter(|&b| !matches!(b, b'\t' | b'\n' | b'\r'))
        .collect();
    if let Some(hash) = cleaned.iter().position(|&b| b == b'#') {
        cleaned.truncate(hash);
    }
    let query_start = cleaned
        .iter()
        .position(|&b| b == b'?')
        .unwrap_or(cleaned.len());
    for b in cleaned.iter_mut().take(query_start) {
        if *b == b'\\' {
            *b = b'/';
        }
    }
    let location = percent_encode(&cleaned, query_start);

    let base_scheme = base.scheme_str().unwrap_or("https");
    let base_authority = base.authority().map_or("", |a| a.as_str());
    let base_path = base.path();

    let absolute = match scheme_of(&location) {
        Some((scheme, rest)) => {
            let scheme = scheme.to_ascii_lowercase();
            if scheme != "http" && scheme != "https" {
                return Err(LocationError::Scheme);
            }
            if rest.starts_with("//") {
                format!("{scheme}:{rest}")
            } else if scheme == base_scheme {
                // `http:path` against an http URL is a relative reference.
                relative(base_scheme, base_authority, base_path, rest)
            } else {
                format!("{scheme}://{}", rest.trim_start_matches('/'))
            }
        }
        None if location.starts_with("//") => format!("{base_scheme}:{location}"),
        None => relative(base_scheme, base_authority, base_path, &location),
    };
    let uri: Uri = absolute.parse().map_err(|_| LocationError::Invalid)?;
    let path = remove_dot_segments(uri.path());
    let path_and_query = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    let mut parts = uri.into_parts();
    parts.path_and_query = Some(path_and_query.parse().map_err(|_| LocationError::Invalid)?);
    let uri = Uri::from_parts(parts).map_err(|_| LocationError::Invalid)?;
    canonical_http_url(&uri).ok_or(LocationError::Invalid)
}

/// `scheme` and what follows `scheme:`, when the reference starts with a scheme.
fn scheme_of(reference: &str) -> Option<(&str, &str)> {
    let colon = reference.find(':')?;
    let scheme = reference.get(..colon)?;
    let mut bytes = scheme.bytes();
    let valid = bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    valid.then(|| (scheme, reference.get(colon + 1..).unwrap_or_default()))
}

/// A reference without a scheme, resolved against the base URL.
fn relative(scheme: &str, authority: &str, base_path: &str, reference: &str) -> String {
    let path_and_query = if reference.starts_with('/') {
        reference.to_owned()
    } else if reference.is_empty() {
        base_path.to_owned()
    } else if reference.starts_with('?') {
        format!("{base_path}{reference}")
    } else {
        let directory = base_path
            .rfind('/')
            .and_then(|i| base_path.get(..=i))
            .unwrap_or("/");
        format!("{directory}{reference}")
    };
    format!("{scheme}://{authority}{path_and_query}")
}

/// RFC 3986 §5.2.4.
fn remove_dot_segments(path: &str) -> String {
    let mut output: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." | "%2e" | "%2E" => {
                if i == last {
                    output.push("");
                }
            }
            ".." | ".%2e" | ".%2E" | "%2e." | "%2E." | "%2e%2e" | "%2E%2E" | "%2e%2E"
            | "%2E%2e" => {
                if output.len() > 1 {
                    output.pop();
                }
                if i == last {
                    output.push("");
                }
            }
            s => output.push(s),
        }
    }
    let joined = output.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// Percent-encodes what the URL Standard encodes (and `http::Uri` refuses): controls,
/// space, `"`, `<`, `>`, `` ` ``, DEL and non-ASCII everywhere; `{` and `}` in the path;
/// `'` in the query.
fn percent_encode(bytes: &[u8], query_start: usize) -> String {
    let mut out = String::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        let in_query = i >= query_start;
        let encode = b <= b' '
            || b >= 0x7f
            || matches!(b, b'"' | b'<' | b'>' | b'`')
            || (!in_query && matches!(b, b'{' | b'}'))
            || (in_query && b == b'\'');
        if encode {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CorsFailure, Credentials};
    use http::HeaderValue;

    fn request(method: &str, url: &'static str) -> ScriptRequest {
        ScriptRequest::new(
            "https://app.example",
            Method::from_bytes(method.as_bytes()).unwrap(),
            Uri::from_static(url),
        )
        .unwrap()
    }

    fn redirect(location: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        h.insert("location", HeaderValue::from_static(location));
        h
    }

    fn follow(
        r: &ScriptRequest,
        status: u16,
        location: &'static str,
    ) -> Result<ScriptRequest, Blocked> {
        follow_redirect(
            r,
            StatusCode::from_u16(status).unwrap(),
            &redirect(location),
        )
        .map(|next| next.unwrap())
    }

    #[test]
    fn methods_are_rewritten_as_fetch_says() {
        let body_headers = |r: ScriptRequest| {
            r.header("content-type", "text/plain")
                .unwrap()
                .header("content-language", "en")
                .unwrap()
                .header("x-keep", "1")
                .unwrap()
        };
        for (status, method, expected) in [
            (301, "POST", "GET"),
            (302, "POST", "GET"),
            (303, "POST", "GET"),
            (303, "PUT", "GET"),
            (303, "DELETE", "GET"),
            (303, "HEAD", "HEAD"),
            (301, "PUT", "PUT"),
            (302, "DELETE", "DELETE"),
            (307, "POST", "POST"),
            (308, "POST", "POST"),
        ] {
            let r = body_headers(request(method, "https://api.example/a"));
            let next = follow(&r, status, "/b").unwrap();
            assert_eq!(next.method().as_str(), expected, "{status} {method}");
            let rewritten = expected != method;
            assert_eq!(next.headers().contains_key("content-type"), !rewritten);
            assert_eq!(next.headers().contains_key("content-language"), !rewritten);
            assert!(next.headers().contains_key("x-keep"));
            assert_eq!(next.redirect_count(), 1);
            assert_eq!(next.url(), "https://api.example/b");
        }
    }

    #[test]
    fn authorization_is_dropped_across_origins() {
        let r = request("GET", "https://api.example/a")
            .header("authorization", "Bearer x")
            .unwrap();
        let same = follow(&r, 302, "/b").unwrap();
        assert!(same.headers().contains_key("authorization"));
        let cross = follow(&r, 302, "https://other.example/b").unwrap();
        assert!(!cross.headers().contains_key("authorization"));
    }

    #[test]
    fn limits() {
        let r = request("GET", "https://api.example/a");
        assert_eq!(
            follow(&r, 302, "ftp://api.example/").unwrap_err(),
            Blocked::RedirectScheme("ftp://api.example/".into())
        );
        assert_eq!(
            follow(&r, 302, "https://u:p@api.example/")
                .unwrap_err()
                .code(),
            "redirect-with-credentials"
        );
        assert_eq!(
            follow(&r, 302, "https://[bad/").unwrap_err().code(),
            "invalid-redirect-location"
        );
        let mut two = redirect("/x");
        two.append("location", HeaderValue::from_static("/y"));
        assert_eq!(
            follow_redirect(&r, StatusCode::FOUND, &two)
                .unwrap_err()
                .code(),
            "invalid-redirect-location"
        );
        let mut hop = r.clone();
        for _ in 0..MAX_REDIRECTS {
            hop = follow(&hop, 302, "/again").unwrap();
        }
        assert_eq!(hop.redirect_count(), 20);
        assert_eq!(
            follow(&hop, 302, "/again").unwrap_err(),
            Blocked::TooManyRedirects
        );
    }

    #[test]
    fn userinfo_is_allowed_only_same_origin_before_cors() {
        // A same-origin request (basic tainting) may be redirected to its own origin with
        // credentials in the URL.
        let r = ScriptRequest::new(
            "https://app.example",
            Method::GET,
            Uri::from_static("https://app.example/a"),
        )
        .unwrap();
        let next = follow(&r, 302, "https://u:p@app.example/b").unwrap();
        assert_eq!(next.url(), "https://u:p@app.example/b");
        assert_eq!(
            follow(&r, 302, "https://u:p@api.example/b")
                .unwrap_err()
                .code(),
            "redirect-with-credentials"
        );
    }

    #[test]
    fn the_redirect_itself_passes_the_cors_check() {
        let r = request("GET", "https://api.example/a").with_credentials(Credentials::Include);
        assert_eq!(
            follow(&r, 302, "/b").unwrap_err(),
            Blocked::Response(CorsFailure::WildcardWithCredentials)
        );
        let mut no_acao = HeaderMap::new();
        no_acao.insert("location", HeaderValue::from_static("/b"));
        assert_eq!(
            follow_redirect(
                &request("GET", "https://api.example/a"),
                StatusCode::FOUND,
                &no_acao
            ),
            Err(Blocked::Response(CorsFailure::MissingAllowOrigin))
        );
        // Not a redirect: judged as the final response instead.
        let r = request("GET", "https://api.example/a");
        assert_eq!(
            follow_redirect(&r, StatusCode::OK, &redirect("/b")),
            Ok(None)
        );
        assert_eq!(
            follow_redirect(&r, StatusCode::NOT_MODIFIED, &redirect("/b")),
            Ok(None)
        );
        let mut no_location = HeaderMap::new();
        no_location.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        assert_eq!(
            follow_redirect(&r, StatusCode::FOUND, &no_location),
            Ok(None)
        );
    }

    #[test]
    fn tainting_follows_the_url_list() {
        let app = "https://app.example";
        let start = |url: &'static str| {
            ScriptRequest::new(app, Method::GET, Uri::from_static(url)).unwrap()
        };
        // cors → same cors: real origin.
        let r = follow(&start("https://a.example/1"), 302, "https://a.example/2").unwrap();
        assert_eq!(r.serialized_origin(), app);
        // cors → another cors: null.
        let r = follow(&start("https://a.example/1"), 302, "https://b.example/2").unwrap();
        assert_eq!(r.serialized_origin(), "null");
        // same-origin → cors: real origin.
        let r = follow(&start("https://app.example/1"), 302, "https://a.example/2").unwrap();
        assert_eq!(r.serialized_origin(), app);
        assert!(r.is_cors());
        // cors → same-origin: null, and still CORS.
        let r = follow(&start("https://a.example/1"), 302, "https://app.example/2").unwrap();
        assert_eq!(r.serialized_origin(), "null");
        assert!(r.is_cors());
        // Once tainted, always tainted.
        let r = follow(&r, 302, "https://app.example/3").unwrap();
        assert_eq!(r.serialized_origin(), "null");
        assert_eq!(r.url_list().len(), 3);
    }

    fn resolved(base: &'static str, location: &str) -> Result<String, LocationError> {
        resolve(&Uri::from_static(base), location.as_bytes()).map(|u| u.to_string())
    }

    #[test]
    fn locations_resolve_like_urls() {
        let base = "https://a.example/dir/page?q=1";
        for (location, expected) in [
            ("https://b.example/x", "https://b.example/x"),
            ("HTTPS://B.EXAMPLE:443", "https://b.example/"),
            ("//b.example/y", "https://b.example/y"),
            ("/abs", "https://a.example/abs"),
            ("rel", "https://a.example/dir/rel"),
            ("../up?z", "https://a.example/up?z"),
            ("./same", "https://a.example/dir/same"),
            ("?other", "https://a.example/dir/page?other"),
            ("", "https://a.example/dir/page"),
            ("#frag", "https://a.example/dir/page"),
            ("/a/./b/../c", "https://a.example/a/c"),
            ("/../../x", "https://a.example/x"),
            ("  /spaced  ", "https://a.example/spaced"),
            ("/a b", "https://a.example/a%20b"),
            ("/caf\u{e9}", "https://a.example/caf%C3%A9"),
            ("\\\\b.example\\p", "https://b.example/p"),
            ("https:rel", "https://a.example/dir/rel"),
            ("http:b.example/p", "http://b.example/p"),
            ("http://u:p@b.example/", "http://u:p@b.example/"),
        ] {
            assert_eq!(
                resolved(base, location).as_deref(),
                Ok(expected),
                "{location:?}"
            );
        }
        for (location, error) in [
            ("ftp://b.example/", LocationError::Scheme),
            ("data:text/plain,x", LocationError::Scheme),
            ("javascript:alert(1)", LocationError::Scheme),
            ("https://", LocationError::Invalid),
            ("https://b.example:99999/", LocationError::Invalid),
            ("https://[::1/", LocationError::Invalid),
        ] {
            assert_eq!(resolved(base, location), Err(error), "{location:?}");
        }
    }

    #[test]
    fn dot_segments() {
        assert_eq!(remove_dot_segments("/a/b/c/./../../g"), "/a/g");
        assert_eq!(remove_dot_segments("/a/.."), "/");
        assert_eq!(remove_dot_segments("/a/."), "/a/");
        assert_eq!(remove_dot_segments("/"), "/");
        assert_eq!(remove_dot_segments(""), "/");
    }
}
