//! Presets: the methods and headers that browser clients of a protocol need, under one
//! name (`presets = ["grpc-web"]` in the file, [`PolicyConfig::preset`] in the builder).
//!
//! A preset only adds entries to the ordinary lists, `allow_methods`, `allow_headers`
//! and `expose_headers`, merged with what the policy lists; it never allows an origin,
//! credentials or anything else. Its entries follow the protocol's own document, cited
//! by [`Preset::reference`].

use crate::config::PolicyConfig;
use crate::method;

/// A protocol whose browser clients need more than the CORS-safelisted methods and
/// headers.
///
/// ```
/// use corsair::Preset;
/// let mcp = Preset::from_name("mcp").unwrap();
/// assert!(mcp.allow_headers().contains(&"mcp-session-id"));
/// assert!(mcp.expose_headers().contains(&"mcp-session-id"));
/// assert_eq!(mcp.name(), "mcp");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preset {
    /// gRPC-Web: browsers send `x-grpc-web`, `x-user-agent`, `grpc-timeout` and a
    /// non-safelisted `content-type`; the status comes back in `grpc-status` and
    /// `grpc-message` headers, which scripts must be able to read.
    GrpcWeb,
    /// Connect, and gRPC-Web beside it, as the Connect project publishes the lists
    /// (`connectrpc.com/cors`): Connect adds `connect-protocol-version` and
    /// `connect-timeout-ms`, and `GET` for side-effect-free calls.
    Connect,
    /// The Model Context Protocol's Streamable HTTP transport: `POST` messages, a `GET`
    /// event stream resumed with `last-event-id`, `DELETE` to end a session, the
    /// `mcp-session-id` and `mcp-protocol-version` headers, and the session id exposed
    /// (the client reads it from the answer to `initialize`). Add `authorization` to
    /// `allow_headers` when the server uses MCP's authorization.
    Mcp,
    /// tus resumable uploads 1.0 with its extensions (creation, expiration, checksum,
    /// termination, concatenation): `PATCH`, `DELETE`, the `upload-*` and `tus-*`
    /// headers both ways, and `location` exposed (the client reads the upload's URL).
    Tus,
}

impl Preset {
    /// Every preset, in the order of its documentation.
    ///
    /// ```
    /// assert_eq!(corsair::Preset::ALL.len(), 4);
    /// ```
    pub const ALL: [Preset; 4] = [Preset::GrpcWeb, Preset::Connect, Preset::Mcp, Preset::Tus];

    /// Its name in a policy file.
    ///
    /// ```
    /// assert_eq!(corsair::Preset::GrpcWeb.name(), "grpc-web");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Preset::GrpcWeb => "grpc-web",
            Preset::Connect => "connect",
            Preset::Mcp => "mcp",
            Preset::Tus => "tus",
        }
    }

    /// The preset of a name, as written in a policy file (exactly: names are lowercase).
    ///
    /// ```
    /// assert_eq!(corsair::Preset::from_name("tus"), Some(corsair::Preset::Tus));
    /// assert_eq!(corsair::Preset::from_name("grpc"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The methods its clients send. `GET`, `HEAD` and `POST` are always allowed; the
    /// others are added to `allow_methods`.
    ///
    /// ```
    /// assert_eq!(corsair::Preset::Mcp.allow_methods(), ["GET", "POST", "DELETE"]);
    /// ```
    pub fn allow_methods(self) -> &'static [&'static str] {
        match self {
            Preset::GrpcWeb => &["POST"],
            Preset::Connect => &["GET", "POST"],
            Preset::Mcp => &["GET", "POST", "DELETE"],
            Preset::Tus => &["GET", "HEAD", "POST", "PATCH", "DELETE"],
        }
    }

    /// The request headers its clients send, added to `allow_headers`.
    ///
    /// ```
    /// assert!(corsair::Preset::GrpcWeb.allow_headers().contains(&"x-grpc-web"));
    /// ```
    pub fn allow_headers(self) -> &'static [&'static str] {
        match self {
            Preset::GrpcWeb => &["content-type", "x-grpc-web", "x-user-agent", "grpc-timeout"],
            Preset::Connect => &[
                "content-type",
                "connect-protocol-version",
                "connect-timeout-ms",
                "grpc-timeout",
                "x-grpc-web",
                "x-user-agent",
            ],
            Preset::Mcp => &[
                "content-type",
                "mcp-session-id",
                "mcp-protocol-version",
                "last-event-id",
            ],
            Preset::Tus => &[
                "content-type",
                "tus-resumable",
                "upload-length",
                "upload-offset",
                "upload-metadata",
                "upload-defer-length",
                "upload-concat",
                "upload-checksum",
                "x-http-method-override",
            ],
        }
    }

    /// The response headers its clients read, added to `expose_headers`.
    ///
    /// ```
    /// assert!(corsair::Preset::Tus.expose_headers().contains(&"location"));
    /// ```
    pub fn expose_headers(self) -> &'static [&'static str] {
        match self {
            Preset::GrpcWeb | Preset::Connect => {
                &["grpc-status", "grpc-message", "grpc-status-details-bin"]
            }
            Preset::Mcp => &["mcp-session-id"],
            Preset::Tus => &[
                "tus-resumable",
                "tus-version",
                "tus-extension",
                "tus-max-size",
                "tus-checksum-algorithm",
                "upload-offset",
                "upload-length",
                "upload-metadata",
                "upload-defer-length",
                "upload-concat",
                "upload-expires",
                "location",
            ],
        }
    }

    /// The document its lists follow.
    ///
    /// ```
    /// assert!(corsair::Preset::Connect.reference().starts_with("https://"));
    /// ```
    pub fn reference(self) -> &'static str {
        match self {
            Preset::GrpcWeb => "https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md",
            Preset::Connect => "https://connectrpc.com/docs/cors/",
            Preset::Mcp => {
                "https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#streamable-http"
            }
            Preset::Tus => "https://tus.io/protocols/resumable-upload",
        }
    }
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Preset {
    type Err = UnknownPreset;

    fn from_str(name: &str) -> Result<Preset, UnknownPreset> {
        Preset::from_name(name).ok_or(UnknownPreset)
    }
}

/// The error of [`Preset::from_str`](std::str::FromStr::from_str): no preset has that
/// name.
///
/// ```
/// assert!("grpc".parse::<corsair::Preset>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownPreset;

impl std::fmt::Display for UnknownPreset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no preset has that name (known: grpc-web, connect, mcp, tus)")
    }
}

impl std::error::Error for UnknownPreset {}

impl PolicyConfig {
    /// This policy with its presets expanded: their methods and headers merged into
    /// `allow_methods`, `allow_headers` and `expose_headers` (after the entries already
    /// listed, each once, none added to a list that is `*`), and `presets` left with
    /// the names that are no preset (which validation reports). This is what
    /// [`Policy::new`](crate::Policy::new) compiles, and what `corsair lint --expand`
    /// shows.
    ///
    /// ```
    /// use corsair::{PolicyConfig, Preset};
    /// let config = PolicyConfig::default().allow_headers(["authorization"]).preset(Preset::Mcp);
    /// let expanded = config.expand_presets();
    /// assert_eq!(
    ///     expanded.allow_headers.unwrap(),
    ///     ["authorization", "content-type", "mcp-session-id", "mcp-protocol-version", "last-event-id"],
    /// );
    /// assert_eq!(expanded.allow_methods.unwrap(), ["DELETE"]);
    /// assert_eq!(expanded.expose_headers.unwrap(), ["mcp-session-id"]);
    /// assert_eq!(expanded.presets, None);
    /// ```
    #[must_use]
    pub fn expand_presets(&self) -> PolicyConfig {
        let mut expanded = self.clone();
        let Some(names) = expanded.presets.take() else {
            return expanded;
        };
        let mut unknown = Vec::new();
        for name in names {
            let Some(preset) = Preset::from_name(&name) else {
                unknown.push(name);
                continue;
            };
            let methods = preset
                .allow_methods()
                .iter()
                .filter(|m| !method::is_safelisted(m.as_bytes()));
            // Methods compare case-sensitively, header names without case.
            merge(&mut expanded.allow_methods, methods, |a, b| a == b);
            merge(
                &mut expanded.allow_headers,
                preset.allow_headers().iter(),
                str::eq_ignore_ascii_case,
            );
            merge(
                &mut expanded.expose_headers,
                preset.expose_headers().iter(),
                str::eq_ignore_ascii_case,
            );
        }
        expanded.presets = (!unknown.is_empty()).then_some(unknown);
        expanded
    }
}

/// Appends to `list` each of `entries` it does not hold yet (by `same`); a list with
/// `*` already allows them.
fn merge<'a>(
    list: &mut Option<Vec<String>>,
    entries: impl Iterator<Item = &'a &'static str>,
    same: impl Fn(&str, &str) -> bool,
) {
    let present = list.as_deref().unwrap_or_default();
    if present.iter().any(|e| e == "*") {
        return;
    }
    let mut added: Vec<String> = Vec::new();
    for entry in entries {
        if !present.iter().chain(&added).any(|e| same(e, entry)) {
            added.push((*entry).to_owned());
        }
    }
    if !added.is_empty() {
        list.get_or_insert_with(Vec::new).extend(added);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for preset in Preset::ALL {
            assert_eq!(Preset::from_name(preset.name()), Some(preset));
            assert_eq!(preset.name().parse::<Preset>(), Ok(preset));
        }
        assert_eq!(Preset::from_name("GRPC-WEB"), None);
        assert_eq!("grpc".parse::<Preset>(), Err(UnknownPreset));
    }

    #[test]
    fn every_preset_entry_is_valid_in_its_list() {
        // Each preset alone, on an origin, builds without a single diagnostic: no
        // forbidden or malformed name, no duplicate, nothing redundant.
        for preset in Preset::ALL {
            let policy = crate::Policy::builder()
                .allow_origins(["https://app.example"])
                .preset(preset)
                .build();
            match policy {
                Ok(policy) => assert!(
                    policy.warnings().is_empty(),
                    "{preset}: {:?}",
                    policy.warnings()
                ),
                Err(e) => panic!("{preset}: {e}"),
            }
        }
    }

    #[test]
    fn merging_keeps_the_users_entries_first_and_adds_each_once() {
        let config = PolicyConfig::default()
            .allow_methods(["PUT"])
            .allow_headers(["Content-Type", "x-trace"])
            .presets(["grpc-web", "connect"]);
        let expanded = config.expand_presets();
        assert_eq!(expanded.allow_methods.unwrap(), ["PUT"]);
        assert_eq!(
            expanded.allow_headers.unwrap(),
            [
                "Content-Type",
                "x-trace",
                "x-grpc-web",
                "x-user-agent",
                "grpc-timeout",
                "connect-protocol-version",
                "connect-timeout-ms",
            ]
        );
        assert_eq!(
            expanded.expose_headers.unwrap(),
            ["grpc-status", "grpc-message", "grpc-status-details-bin"]
        );
    }

    #[test]
    fn a_wildcard_list_takes_nothing_and_unknown_names_stay() {
        let config = PolicyConfig::default()
            .allow_headers(["*"])
            .presets(["tus", "grpc"]);
        let expanded = config.expand_presets();
        assert_eq!(expanded.allow_headers.unwrap(), ["*"]);
        assert_eq!(expanded.allow_methods.unwrap(), ["PATCH", "DELETE"]);
        assert_eq!(expanded.presets.unwrap(), ["grpc"]);
    }
}
