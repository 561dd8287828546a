//! What `check` tells the user to change on the server (or in the request) so that the
//! browser lets the script read the response: one text per reason the browser blocks.

use corsair_browser::{Blocked, CorsFailure, ScriptRequest};
use http::header::LOCATION;

use crate::net::{self, Received};
use crate::output;

/// The value of a header, lossy, for the fix texts; several values joined with `, `.
fn header_text(answer: Option<&Received>, name: &str) -> Option<String> {
    let answer = answer?;
    let values: Vec<String> = answer
        .headers
        .get_all(name)
        .iter()
        .map(output::lossy)
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// Whether a list header of the answer has `*` among its items.
fn lists_wildcard(answer: Option<&Received>, name: &str) -> bool {
    header_text(answer, name).is_some_and(|v| v.split(',').any(|item| item.trim() == "*"))
}

/// What to change on the server (or in the request) so that the browser lets the
/// script read the response.
pub(super) fn fix(blocked: &Blocked, request: &ScriptRequest, answer: Option<&Received>) -> String {
    let origin = request.serialized_origin();
    let status = answer.map(|a| a.status);
    let tainted = if origin == "null" && request.origin() != "null" {
        " (the origin is `null` because a redirect crossed origins: point the script at the \
         final URL, or avoid the cross-origin redirect)"
    } else {
        ""
    };
    match blocked {
        Blocked::Preflight(CorsFailure::MissingAllowOrigin)
            if status.is_some_and(|s| !s.is_success()) =>
        {
            format!(
                "the server refused the preflight ({}) without CORS headers: either it does not \
                 allow origin `{origin}`, method {} or one of the requested headers (a CORS \
                 layer sends no CORS header for a refused preflight; `corsair explain` shows \
                 which part of a corsair policy refuses it), or the OPTIONS request never \
                 reached the CORS layer (authentication or routing in front of it); allow \
                 them and answer the preflight with 204 and Access-Control-Allow-Origin: \
                 {origin}{tainted}",
                status.map_or_else(String::new, net::status_line),
                request.method(),
            )
        }
        Blocked::Preflight(CorsFailure::MissingAllowOrigin)
        | Blocked::Response(CorsFailure::MissingAllowOrigin) => {
            let mut text = format!(
                "make the server answer origin `{origin}` with Access-Control-Allow-Origin: \
                 {origin} (add it to the allowed origins){tainted}"
            );
            if matches!(blocked, Blocked::Response(_)) && status.is_some_and(|s| s.as_u16() >= 400)
            {
                text.push_str(
                    "; this is an error response: the CORS headers must be on error responses \
                     too, or the script sees a network error instead of the status",
                );
            }
            text
        }
        Blocked::Preflight(failure) | Blocked::Response(failure) => match failure {
            CorsFailure::MultipleAllowOrigin(value) => format!(
                "send exactly one Access-Control-Allow-Origin value, `{origin}` (received \
                 `{value}`): usually a proxy and the application both add the header, or the \
                 server lists several origins instead of echoing the one that matches"
            ),
            CorsFailure::WildcardWithCredentials => format!(
                "with credentials the browser refuses `*`: answer with Access-Control-Allow-Origin: \
                 {origin}, Access-Control-Allow-Credentials: true and Vary: Origin (listing the \
                 trusted origins on the server, never reflecting any origin), or make the request \
                 without credentials"
            ),
            CorsFailure::AllowOriginMismatch(value) => format!(
                "the server allows `{value}`, not `{origin}`: Access-Control-Allow-Origin must be \
                 the request's origin byte for byte (scheme, lowercase host, port only when not \
                 the default, no path or trailing slash){tainted}"
            ),
            CorsFailure::InvalidAllowCredentials(value) => format!(
                "with credentials the server must also send Access-Control-Allow-Credentials: true \
                 (exactly `true`, lowercase); it sent {}",
                if value.is_empty() {
                    "none".to_owned()
                } else {
                    format!("`{value}`")
                }
            ),
            _ => "make the response pass the CORS check".to_owned(),
        },
        Blocked::PreflightRedirect(_) => format!(
            "answer the preflight at {} itself with 200 or 204: a preflight never follows a \
             redirect (serve the API at the URL the script uses, or have the script use the \
             final URL)",
            request.url()
        ),
        Blocked::PreflightStatus(status) => format!(
            "answer preflights with 200 or 204 (this one got {}): put the CORS layer in front \
             of authentication and routing, so that preflights, which never carry credentials, \
             are answered before them",
            net::status_line(*status)
        ),
        Blocked::InvalidAllowMethods(value) => format!(
            "Access-Control-Allow-Methods must be a comma-separated list of methods (got \
             `{value}`)"
        ),
        Blocked::InvalidAllowHeaders(value) => format!(
            "Access-Control-Allow-Headers must be a comma-separated list of header names (got \
             `{value}`)"
        ),
        Blocked::MethodNotAllowed(method) => {
            if request.credentials().is_include()
                && lists_wildcard(answer, "access-control-allow-methods")
            {
                format!(
                    "with credentials `*` in Access-Control-Allow-Methods is a method named `*`: \
                     list {method} explicitly"
                )
            } else {
                format!(
                    "add {method} to Access-Control-Allow-Methods (methods are case-sensitive: \
                     exactly `{method}`)"
                )
            }
        }
        Blocked::HeaderNotAllowed(name) => {
            let wildcard = lists_wildcard(answer, "access-control-allow-headers");
            if wildcard && name == "authorization" {
                "list `authorization` in Access-Control-Allow-Headers explicitly: Chromium, \
                 Firefox and Safari let `*` cover it, the Fetch Standard does not"
                    .to_owned()
            } else if wildcard && request.credentials().is_include() {
                format!(
                    "with credentials `*` in Access-Control-Allow-Headers is a header named `*`: \
                     list `{name}` explicitly"
                )
            } else {
                format!("add `{name}` to Access-Control-Allow-Headers")
            }
        }
        Blocked::InvalidRedirectLocation(_) => {
            "send exactly one Location header holding a valid URL".to_owned()
        }
        Blocked::RedirectScheme(_) => "redirect only to http: or https: URLs".to_owned(),
        Blocked::RedirectWithCredentials(_) => {
            "remove the user name and password from the Location URL".to_owned()
        }
        Blocked::TooManyRedirects => format!(
            "the server redirects in a loop (more than 20 redirects, the last to {}): fix the \
             redirect rules",
            header_text(answer, LOCATION.as_str()).unwrap_or_else(|| request.url().to_string())
        ),
        _ => "the browser refuses the request before sending it".to_owned(),
    }
}
