//! What a policy's presets add to its lists, for `lint --expand` and `explain`.

use corsair::{Config, PolicyConfig};
use serde::Serialize;

/// The entries that the presets of one part of the policy (`[cors]` or a route) add.
#[derive(Debug, Serialize)]
pub(crate) struct Expansion {
    /// `cors`, or `routes[i]`.
    pub(crate) scope: String,
    /// A route's path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<String>,
    /// The presets in effect there, as written.
    pub(crate) presets: Vec<String>,
    /// The methods added to `allow_methods`.
    pub(crate) allow_methods: Vec<String>,
    /// The names added to `allow_headers`.
    pub(crate) allow_headers: Vec<String>,
    /// The names added to `expose_headers`.
    pub(crate) expose_headers: Vec<String>,
}

impl Expansion {
    /// What the presets of `policy` (the fields in effect in `scope`) add; `None`
    /// without presets.
    pub(crate) fn of(
        scope: String,
        path: Option<&str>,
        policy: &PolicyConfig,
    ) -> Option<Expansion> {
        let presets = policy.presets.clone().filter(|p| !p.is_empty())?;
        let expanded = policy.expand_presets();
        let added = |before: &Option<Vec<String>>, after: Option<Vec<String>>| {
            let before = before.as_deref().unwrap_or_default();
            let after = after.unwrap_or_default();
            after.get(before.len()..).unwrap_or_default().to_vec()
        };
        Some(Expansion {
            scope,
            path: path.map(str::to_owned),
            presets,
            allow_methods: added(&policy.allow_methods, expanded.allow_methods),
            allow_headers: added(&policy.allow_headers, expanded.allow_headers),
            expose_headers: added(&policy.expose_headers, expanded.expose_headers),
        })
    }

    /// The expansion of every part of `config` that has presets: `[cors]`, then each
    /// route with the fields in effect under it.
    pub(crate) fn all(config: &Config) -> Vec<Expansion> {
        let cors = Expansion::of("cors".to_owned(), None, &config.cors);
        let routes = config.routes.iter().enumerate().filter_map(|(i, route)| {
            let policy = config.effective_route_policy(route);
            Expansion::of(format!("routes[{i}]"), Some(&route.path), &policy)
        });
        cors.into_iter().chain(routes).collect()
    }

    /// One line: `mcp: allow_methods + DELETE; allow_headers + content-type, ...`.
    pub(crate) fn summary(&self) -> String {
        let parts: Vec<String> = [
            ("allow_methods", &self.allow_methods),
            ("allow_headers", &self.allow_headers),
            ("expose_headers", &self.expose_headers),
        ]
        .into_iter()
        .filter(|(_, added)| !added.is_empty())
        .map(|(field, added)| format!("{field} + {}", added.join(", ")))
        .collect();
        let added = if parts.is_empty() {
            "nothing the lists did not have".to_owned()
        } else {
            parts.join("; ")
        };
        format!("{}: {added}", self.presets.join(", "))
    }
}

/// The `lint --expand` text: for each part with presets, the entries they add to each
/// list, in the file's terms.
pub(crate) fn human(expansions: &[Expansion]) -> String {
    if expansions.is_empty() {
        return "no presets: the lists are as written\n".to_owned();
    }
    let mut out = String::from("presets expanded (the entries they add to the lists):\n");
    for e in expansions {
        let path = e
            .path
            .as_ref()
            .map(|p| format!("path = {p:?}, "))
            .unwrap_or_default();
        out.push_str(&format!(
            "\n[{}]  # {path}presets = {}\n",
            e.scope,
            toml_list(&e.presets)
        ));
        for (field, added) in [
            ("allow_methods", &e.allow_methods),
            ("allow_headers", &e.allow_headers),
            ("expose_headers", &e.expose_headers),
        ] {
            if !added.is_empty() {
                out.push_str(&format!("{field} += {}\n", toml_list(added)));
            }
        }
    }
    out
}

/// `["a", "b"]`.
fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    format!("[{}]", quoted.join(", "))
}
