//! Path prefixes: the paths of the `[[routes]]` and of
//! `cross_origin_protection_exempt_paths`, each a plain prefix, normalized.

use crate::error::{Code, Diagnostics};

/// Checks a route's path and returns the prefix it matches with.
pub(super) fn check_route_path(
    path: &str,
    i: usize,
    diagnostics: &mut Diagnostics,
) -> Option<String> {
    check_path_prefix(
        path,
        &format!("routes[{i}].path"),
        Code::InvalidRoutePath,
        diagnostics,
    )
}

/// Checks a path prefix (reported at `field` with `code`) and returns it normalized:
/// no trailing `/` but for the root.
pub(super) fn check_path_prefix(
    path: &str,
    field: &str,
    code: Code,
    diagnostics: &mut Diagnostics,
) -> Option<String> {
    let field = field.to_owned();
    if path.is_empty() {
        // Reported when the file was read (no `path`), or here for the builder.
        diagnostics.report(code, &field, "the path is empty");
        return None;
    }
    if !path.starts_with('/') {
        diagnostics.report_with_help(
            code,
            &field,
            format!("path `{path}` does not start with `/`"),
            format!("write `/{path}`"),
        );
        return None;
    }
    // Glob and wildcard syntax (`*`, Go's and axum's `{id}`), and a query or fragment.
    // A browser sends `{` and `}` percent-encoded (the URL Standard's path
    // percent-encode set), so a prefix with them would never match its paths.
    const NOT_IN_A_PREFIX: [char; 5] = ['*', '?', '#', '{', '}'];
    if path.contains(NOT_IN_A_PREFIX) {
        let prefix = path.split(NOT_IN_A_PREFIX).next().unwrap_or("/");
        diagnostics.report_with_help(
            code,
            &field,
            format!("path `{path}` is not a plain path prefix"),
            format!("it applies to everything under it: write `{prefix}`"),
        );
        return None;
    }
    let trimmed = path.trim_end_matches('/');
    Some(if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed.to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_paths_are_normalized_or_refused() {
        let mut d = Diagnostics::default();
        assert_eq!(
            check_route_path("/api/", 0, &mut d).as_deref(),
            Some("/api")
        );
        assert_eq!(check_route_path("/", 0, &mut d).as_deref(), Some("/"));
        assert_eq!(check_route_path("//", 0, &mut d).as_deref(), Some("/"));
        assert!(!d.has_errors());
        assert_eq!(check_route_path("api", 0, &mut d), None);
        assert_eq!(check_route_path("/api/*", 1, &mut d), None);
        assert_eq!(check_route_path("/a?b", 2, &mut d), None);
        assert_eq!(check_route_path("", 3, &mut d), None);
        assert_eq!(check_route_path("/users/{id}", 4, &mut d), None);
        assert_eq!(d.errors_seen(), 5);
    }
}
