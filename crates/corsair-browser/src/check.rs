//! The CORS check of a response (Fetch `#concept-cors-check`): the one test every
//! response of a CORS request passes through, preflights and redirects included.

use http::header::{ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN, HeaderMap};

use super::request::ScriptRequest;
use super::verdict::CorsFailure;
use corsair::fetch::trim_http_whitespace;

/// Runs the CORS check of a response for a request.
///
/// 1. No `Access-Control-Allow-Origin` fails ("Null is not `null`").
/// 2. Several headers are joined with `", "` (Fetch's "get"), so they never match.
/// 3. Without credentials (mode other than `include`), `*` passes.
/// 4. Otherwise the value must be byte-for-byte the request's serialized origin
///    (`null` after a tainting redirect). Leading and trailing whitespace is ignored, as
///    HTTP parsing strips it.
/// 5. With credentials, `Access-Control-Allow-Credentials` must be exactly `true`.
///
/// ```
/// use corsair_browser::{cors_check, Credentials, CorsFailure, ScriptRequest};
/// use http::HeaderMap;
///
/// let request = ScriptRequest::new("https://app.example", http::Method::GET,
///     http::Uri::from_static("https://api.example/"))?;
/// let mut response = HeaderMap::new();
/// response.insert("access-control-allow-origin", "*".parse()?);
/// assert_eq!(cors_check(&request, &response), Ok(()));
///
/// let request = request.with_credentials(Credentials::Include);
/// assert_eq!(cors_check(&request, &response), Err(CorsFailure::WildcardWithCredentials));
///
/// response.insert("access-control-allow-origin", "https://app.example".parse()?);
/// response.insert("access-control-allow-credentials", "True".parse()?);
/// assert_eq!(cors_check(&request, &response),
///     Err(CorsFailure::InvalidAllowCredentials("True".into())));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cors_check(request: &ScriptRequest, headers: &HeaderMap) -> Result<(), CorsFailure> {
    let Some(allow_origin) = get_combined(headers, ACCESS_CONTROL_ALLOW_ORIGIN.as_str()) else {
        return Err(CorsFailure::MissingAllowOrigin);
    };
    let include = request.credentials().is_include();
    if allow_origin == b"*" {
        return if include {
            Err(CorsFailure::WildcardWithCredentials)
        } else {
            Ok(())
        };
    }
    if allow_origin != request.serialized_origin().as_bytes() {
        let text = String::from_utf8_lossy(&allow_origin).into_owned();
        // Chromium reports a value with a comma or a space (several headers joined
        // included) as "multiple values".
        return Err(if allow_origin.iter().any(|&b| b == b',' || b == b' ') {
            CorsFailure::MultipleAllowOrigin(text)
        } else {
            CorsFailure::AllowOriginMismatch(text)
        });
    }
    if !include {
        return Ok(());
    }
    match get_combined(headers, ACCESS_CONTROL_ALLOW_CREDENTIALS.as_str()) {
        Some(value) if value == b"true" => Ok(()),
        value => Err(CorsFailure::InvalidAllowCredentials(
            String::from_utf8_lossy(&value.unwrap_or_default()).into_owned(),
        )),
    }
}

/// Fetch's "get": every value of the header, each stripped of surrounding whitespace (as
/// HTTP parsing does), joined with `", "`; `None` when the header is absent.
pub(crate) fn get_combined(headers: &HeaderMap, name: &str) -> Option<Vec<u8>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    let mut combined = trim_http_whitespace(first.as_bytes()).to_vec();
    for value in values {
        combined.extend_from_slice(b", ");
        combined.extend_from_slice(trim_http_whitespace(value.as_bytes()));
    }
    Some(combined)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;
    use http::HeaderValue;

    fn request(credentials: Credentials) -> ScriptRequest {
        ScriptRequest::new(
            "https://app.example",
            http::Method::GET,
            http::Uri::from_static("https://api.example/"),
        )
        .unwrap()
        .with_credentials(credentials)
    }

    fn response(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (n, v) in pairs {
            map.append(*n, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn credentials_table_of_the_spec() {
        // Fetch `#cors-protocol-and-credentials`, the table of the CORS check.
        let cases: &[(Credentials, &str, Option<&str>, bool)] = &[
            (Credentials::Omit, "*", None, true),
            (Credentials::Omit, "*", Some("true"), true),
            (Credentials::Omit, "https://app.example/", None, false),
            (Credentials::Omit, "https://app.example", None, true),
            (Credentials::Include, "*", Some("true"), false),
            (
                Credentials::Include,
                "https://app.example",
                Some("true"),
                true,
            ),
            (
                Credentials::Include,
                "https://app.example",
                Some("True"),
                false,
            ),
            (Credentials::Include, "https://app.example", None, false),
            (Credentials::SameOrigin, "*", None, true),
        ];
        for &(credentials, acao, acac, ok) in cases {
            let mut headers = HeaderMap::new();
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, acao.parse().unwrap());
            if let Some(acac) = acac {
                headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, acac.parse().unwrap());
            }
            assert_eq!(
                cors_check(&request(credentials), &headers).is_ok(),
                ok,
                "{credentials} {acao} {acac:?}"
            );
        }
    }

    #[test]
    fn failures_name_their_reason() {
        let r = request(Credentials::Omit);
        assert_eq!(
            cors_check(&r, &HeaderMap::new()),
            Err(CorsFailure::MissingAllowOrigin)
        );
        assert_eq!(
            cors_check(
                &r,
                &response(&[
                    ("access-control-allow-origin", "https://app.example"),
                    ("access-control-allow-origin", "https://app.example"),
                ])
            ),
            Err(CorsFailure::MultipleAllowOrigin(
                "https://app.example, https://app.example".into()
            ))
        );
        assert_eq!(
            cors_check(&r, &response(&[("access-control-allow-origin", "null")])),
            Err(CorsFailure::AllowOriginMismatch("null".into()))
        );
        let r = request(Credentials::Include);
        assert_eq!(
            cors_check(
                &r,
                &response(&[
                    ("access-control-allow-origin", "https://app.example"),
                    ("access-control-allow-credentials", "true"),
                    ("access-control-allow-credentials", "true"),
                ])
            ),
            Err(CorsFailure::InvalidAllowCredentials("true, true".into()))
        );
        assert_eq!(
            cors_check(
                &r,
                &response(&[
                    ("access-control-allow-origin", " https://app.example\t"),
                    ("access-control-allow-credentials", " true "),
                ])
            ),
            Ok(())
        );
    }
}
