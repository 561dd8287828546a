//! The policy file, checked whole: the mistakes of the file (syntax, unknown fields,
//! values of the wrong type) and, when it has any, the mistakes of the policy it
//! declares, in one report.

use crate::config::Config;
use crate::error::{Code, ConfigError, Diagnostic};
use crate::policy::Policy;

impl Config {
    /// Reads a TOML policy file and reports every problem at once: syntax errors (as the
    /// `toml` crate shows them, with the line and a caret), unknown fields, values of the
    /// wrong type, and, when the file has any of those, every mistake in the policy
    /// itself too (what [`Config::build`] would report), so that one run shows them all.
    ///
    /// A file without file mistakes is returned as it is: [`Config::build`] then checks
    /// the policy. Either way `Config::from_toml_str(&text)?.build()?` reports every
    /// problem of the file in one error.
    ///
    /// ```
    /// let config = corsair::Config::from_toml_str(r#"
    ///     [cors]
    ///     allow_origins = ["https://app.example.com"]
    ///     max_age = 600
    /// "#)?;
    /// assert_eq!(config.cors.max_age, Some(600));
    ///
    /// // A misspelled field, a value of the wrong type and a policy mistake, all at once.
    /// let err = corsair::Config::from_toml_str(
    ///     "[cors]\nallow_origins = ['https://a.example/']\nallow_metods = []\nmax_age = 'ten'",
    /// ).unwrap_err();
    /// let found: Vec<_> = err.errors().map(|d| (d.code().as_str(), d.field())).collect();
    /// assert_eq!(found, [
    ///     ("invalid-file", "cors.max_age"),
    ///     ("unknown-field", "cors.allow_metods"),
    ///     ("origin-with-path", "cors.allow_origins[0]"),
    /// ]);
    /// assert_eq!(err.errors().next().unwrap().message(), "`max_age` must be a whole number of seconds, not a string");
    /// # Ok::<(), corsair::ConfigError>(())
    /// ```
    #[cfg(feature = "toml")]
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        match text.parse::<toml::Table>() {
            Ok(table) => Config::from_toml_table(table),
            Err(e) => Err(ConfigError::new(vec![Diagnostic::new(
                Code::InvalidFile,
                "",
                e.to_string().trim_end(),
            )])),
        }
    }

    /// [`Config::from_toml_str`] for a table already parsed: a program that keeps
    /// settings of its own in the same file (`corsair serve` keeps `[server]`) removes
    /// its tables first and hands the rest over. Every problem is reported at once, as
    /// by [`Config::from_toml_str`].
    ///
    /// ```
    /// let mut table: toml::Table = "[server]\nlisten = '127.0.0.1:8080'\n[cors]\nallow_origins = ['*']".parse()?;
    /// let server = table.remove("server");
    /// let config = corsair::Config::from_toml_table(table);
    /// assert!(server.is_some());
    /// assert!(config.unwrap().build().is_ok());
    /// # Ok::<(), toml::de::Error>(())
    /// ```
    #[cfg(feature = "toml")]
    pub fn from_toml_table(table: toml::Table) -> Result<Config, ConfigError> {
        let (config, mut diagnostics) = Config::read_toml_table(table);
        if !diagnostics.has_errors() {
            return Ok(config);
        }
        // The file has mistakes: check the policy that could be read as well, so that
        // its mistakes come in the same report. A policy diagnostic that only follows
        // from a file mistake ("no origin" when `allow_origins` is misspelled) is left out.
        let file_mistakes = diagnostics.as_slice().to_vec();
        let policy_diagnostics = match Policy::new(config) {
            Ok(policy) => policy.warnings().to_vec(),
            Err(e) => e.into_diagnostics(),
        };
        for d in policy_diagnostics {
            if !follows_from(&d, &file_mistakes) {
                diagnostics.push(d);
            }
        }
        Err(ConfigError::new(diagnostics.into_vec()))
    }
}

/// Whether a policy diagnostic only follows from a file mistake already reported: no
/// origin at all when an origin field was misspelled or had the wrong type.
#[cfg(feature = "toml")]
fn follows_from(diagnostic: &Diagnostic, file_mistakes: &[crate::Diagnostic]) -> bool {
    let Some(scope) = diagnostic.field().strip_suffix(".allow_origins") else {
        return false;
    };
    diagnostic.code() == Code::NoOrigins
        && file_mistakes.iter().any(|f| {
            let origin_field = |field: &str| {
                field.strip_prefix(scope).is_some_and(|rest| {
                    rest.starts_with(".allow_origins") || rest.starts_with(".allow_origin_regexes")
                })
            };
            origin_field(f.field())
                || (f.field().starts_with(scope)
                    && f.help().is_some_and(|h| {
                        h.contains("`allow_origins`") || h.contains("`allow_origin_regexes`")
                    }))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's "keep the policy in a file" snippet: one `?` chain, every problem.
    #[test]
    fn every_kind_of_mistake_is_reported_at_once() {
        let text = r#"
            sever = 1
            [cors]
            allow_origin = ["https://a.example"]
            allow_origins = ["https://b.example/", "null"]
            max_age = "ten"
            allow_credentials = "yes"
            allow_methods = ["TRACE"]
            [[routes]]
            path = "api"
        "#;
        let read = || -> Result<Policy, ConfigError> { Config::from_toml_str(text)?.build() };
        let err = read().unwrap_err();
        let found: Vec<_> = err.errors().map(|d| (d.code(), d.field())).collect();
        assert_eq!(
            found,
            [
                (Code::InvalidFile, "cors.allow_credentials"),
                (Code::InvalidFile, "cors.max_age"),
                (Code::UnknownField, "cors.allow_origin"),
                (Code::UnknownField, "sever"),
                (Code::OriginWithPath, "cors.allow_origins[0]"),
                (Code::NullOrigin, "cors.allow_origins[1]"),
                (Code::ForbiddenMethod, "cors.allow_methods[0]"),
                (Code::InvalidRoutePath, "routes[0].path"),
            ]
        );
        // A file without file mistakes is returned for `build` to check.
        let config = Config::from_toml_str("[cors]\nallow_origins = ['null']").unwrap();
        assert_eq!(config.build().unwrap_err().errors().count(), 1);
        // Warnings of the policy come along with the file's errors.
        let err = Config::from_toml_str(
            "[cors]\nallow_origins = ['https://a.example', 'https://a.example']\nmax_agee = 1",
        )
        .unwrap_err();
        assert_eq!(err.warnings().next().unwrap().code(), Code::DuplicateEntry);
    }

    #[test]
    fn no_origins_is_left_out_when_it_follows_from_a_file_mistake() {
        for (text, field) in [
            (
                "[cors]\nallow_origin = ['https://a.example']",
                "cors.allow_origin",
            ),
            (
                "[cors]\nallow_origins = 'https://a.example'",
                "cors.allow_origins",
            ),
            ("[cors]\nallow_origins = [1]", "cors.allow_origins[0]"),
            (
                "[cors]\nallow_origin_regexes = 'x'",
                "cors.allow_origin_regexes",
            ),
        ] {
            let err = Config::from_toml_str(text).unwrap_err();
            let fields: Vec<_> = err.errors().map(|d| d.field()).collect();
            assert_eq!(fields, [field], "{text}");
        }
        // A route's misspelling does not hide that `[cors]` has no origin.
        let err =
            Config::from_toml_str("[[routes]]\npath = '/a'\nallow_origin = ['*']").unwrap_err();
        let codes: Vec<_> = err.errors().map(|d| d.code()).collect();
        assert_eq!(codes, [Code::UnknownField, Code::NoOrigins]);
    }
}
