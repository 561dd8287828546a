//! The URLs of a fetch: which ones a script may fetch, their canonical form, and their
//! origins.

use corsair::fetch::default_port;
use http::Uri;
use http::uri::{Authority, PathAndQuery, Scheme};

/// Whether the URL's authority has a user name or password.
pub(crate) fn has_userinfo(url: &Uri) -> bool {
    url.authority().is_some_and(|a| a.as_str().contains('@'))
}

/// The URL with a lowercase scheme and host, without the scheme's default port and
/// with a path (user name and password kept); `None` unless it is an absolute `http:`
/// or `https:` URL with a host and a valid port.
pub(crate) fn canonical_http_url(url: &Uri) -> Option<Uri> {
    let scheme = url.scheme_str()?.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = url.host().filter(|h| !h.is_empty())?.to_ascii_lowercase();
    // `Uri::port` hides a port that is not a `u16`; the URL is then invalid.
    let port = match port_text(url.authority()?.as_str()) {
        Some(text) if !text.is_empty() => Some(text.parse::<u16>().ok()?),
        _ => None,
    };
    let mut authority = match url.authority().map(Authority::as_str) {
        Some(a) => a
            .rsplit_once('@')
            .map_or(String::new(), |(userinfo, _)| format!("{userinfo}@")),
        None => String::new(),
    };
    authority.push_str(&host);
    if let Some(port) = port.filter(|&p| default_port(&scheme) != Some(p)) {
        authority.push_str(&format!(":{port}"));
    }
    let path = url.path_and_query().map_or("/", PathAndQuery::as_str);
    let path = if path.is_empty() { "/" } else { path };
    Uri::builder()
        .scheme(Scheme::try_from(scheme.as_str()).ok()?)
        .authority(Authority::try_from(authority.as_str()).ok()?)
        .path_and_query(path)
        .build()
        .ok()
}

/// The text after the host's `:` in an authority, if any.
fn port_text(authority: &str) -> Option<&str> {
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let after_host = match host_port.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or("", |(_, after)| after),
        None => host_port
            .find(':')
            .map_or("", |i| host_port.get(i..).unwrap_or("")),
    };
    after_host.strip_prefix(':')
}

/// The ASCII serialization of a (canonical) URL's origin: `scheme://host[:port]`.
pub(crate) fn url_origin(url: &Uri) -> String {
    let scheme = url.scheme_str().unwrap_or_default();
    let host = url.host().unwrap_or_default();
    match url.port_u16() {
        Some(port) if default_port(scheme) != Some(port) => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    }
}
