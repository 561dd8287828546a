//! Cross-origin write protection (`cross_origin_protection`) in nginx: the maps that
//! say whether a request is a cross-origin write on a path that is not exempt, as
//! corsair decides it (`Rules::refuses_write`).

use std::fmt::Write as _;

use super::model::{Model, Part};
use super::nginx::{quoted, route_id};
use super::pcre;

/// Whether the part protects writes.
pub(crate) fn is_on(part: &Part) -> bool {
    part.rules
        .as_ref()
        .is_some_and(|r| r.write_protection.is_some())
}

/// `$corsair_cross_origin_write`: `1` for an unsafe method that the browser marks as
/// cross-origin, on a path its part does not exempt (whether the origin is allowed is
/// the case map's part). Nothing when no part protects writes.
pub(crate) fn write_maps(out: &mut String, model: &Model) {
    if !model.parts.iter().any(is_on) {
        out.push_str("map $uri $corsair_cross_origin_write {\n    default 0;\n}\n\n");
        return;
    }
    out.push_str(
        "\
# Cross-origin write protection: an unsafe method (not GET, HEAD, OPTIONS) is
# cross-origin when Sec-Fetch-Site says so (anything but same-origin and none), or,
# without Sec-Fetch-Site, when the Origin is not http(s):// and the Host (any case).
map $request_method $corsair_unsafe_method {
    \"~^(?:GET|HEAD|OPTIONS)$\" 0;
    default 1;
}
map $http_sec_fetch_site $corsair_fetch_site {
    \"\" a;
    \"~^(?:same-origin|none)$\" s;
    default c;
}
map \"$http_host/$http_origin\" $corsair_same_host {
    \"~^([^/]*)/https?://(?i:\\\\1)$\" 1;
    default 0;
}
map \"$corsair_fetch_site$corsair_has_origin$corsair_same_host\" $corsair_cross_origin {
    \"~^s\" 0;
    \"~^c\" 1;
    a10 1;
    default 0;
}
",
    );
    out.push_str("# The paths each part exempts from the protection.\n");
    out.push_str("map \"$corsair_route|$uri\" $corsair_exempt {\n");
    for (i, part) in model.parts.iter().enumerate() {
        let Some(exempt) = part
            .rules
            .as_ref()
            .and_then(|r| r.write_protection.as_ref())
        else {
            continue;
        };
        let prefixes: Vec<String> = exempt
            .iter()
            .map(|p| match p.as_str() {
                "/" => "/".to_owned(),
                p => format!("{}(?:/|$)", pcre::escape(p)),
            })
            .collect();
        if !prefixes.is_empty() {
            let regex = format!("~^{}\\|(?:{})", route_id(i), prefixes.join("|"));
            let _ = writeln!(out, "    {} 1;", quoted(&regex));
        }
    }
    out.push_str(
        "    default 0;
}
map \"$corsair_unsafe_method$corsair_cross_origin$corsair_exempt\" $corsair_cross_origin_write {
    110 1;
    default 0;
}

",
    );
}
