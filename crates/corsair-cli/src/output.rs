//! Helpers shared by the subcommands: reading and building a policy file (its `[cors]`,
//! `[[routes]]` and `[server]` tables), the diagnostic records printed by `lint`,
//! `explain` and `serve`, colours for human output, and writing output without panicking
//! on a closed pipe.

use std::ffi::OsStr;
use std::io::{IsTerminal, Write};
use std::path::Path;

use corsair::{Code, Config, Diagnostic, Policy};
use http::HeaderValue;
use serde::Serialize;

use crate::serve::config::{self as server_config, ServerConfig};

/// One problem found in a policy file, as `lint` prints it (and as its JSON lists it).
///
/// The field order is the documented order of the JSON object.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Finding {
    /// `"error"` or `"warning"`.
    pub(crate) severity: &'static str,
    /// The stable code (`corsair::Code::as_str`).
    pub(crate) code: &'static str,
    /// Where, as a path into the file (`cors.allow_origins[2]`); empty for the whole file.
    pub(crate) field: String,
    /// What is wrong.
    pub(crate) message: String,
    /// How to fix it, when the library says.
    pub(crate) help: Option<String>,
}

impl Finding {
    /// Whether the finding is an error (rather than a warning).
    pub(crate) fn is_error(&self) -> bool {
        self.severity == corsair::Severity::Error.as_str()
    }

    /// Appends the human form: `error[code] field: message`, then `  help: ...`; the
    /// severity and `help:` in colour when `style` says so.
    pub(crate) fn write_human(&self, out: &mut String, style: Style) {
        let colour = if self.is_error() {
            Colour::Red
        } else {
            Colour::Yellow
        };
        out.push_str(&style.paint(colour, &format!("{}[{}]", self.severity, self.code)));
        if !self.field.is_empty() {
            out.push(' ');
            out.push_str(&self.field);
        }
        out.push_str(": ");
        out.push_str(&self.message);
        out.push('\n');
        if let Some(help) = &self.help {
            out.push_str("  ");
            out.push_str(&style.paint(Colour::Cyan, "help:"));
            out.push(' ');
            out.push_str(help);
            out.push('\n');
        }
    }
}

impl From<&Diagnostic> for Finding {
    fn from(d: &Diagnostic) -> Self {
        Finding {
            severity: d.severity().as_str(),
            code: d.code().as_str(),
            field: d.field().to_owned(),
            message: d.message().to_owned(),
            help: d.help().map(str::to_owned),
        }
    }
}

/// What became of a policy file.
pub(crate) enum Loaded {
    /// The file could not be read at all (missing, a directory, not UTF-8, ...).
    Unreadable(Finding),
    /// The file was read but does not describe a valid policy: every diagnostic found.
    Invalid(Vec<Finding>),
    /// A valid policy, with the declared configuration it was built from (kept to
    /// explain which part of the file decided) and its warnings.
    Valid {
        /// The declaration, as read from the file.
        config: Box<Config>,
        /// The compiled policy.
        policy: Box<Policy>,
        /// The warnings of the build.
        warnings: Vec<Finding>,
        /// The `[server]` settings (`corsair serve`), defaults filled in.
        server: Box<ServerConfig>,
    },
}

/// The top-level tables a policy file may have.
const TABLES: &[&str] = &["cors", "routes", "server"];

/// Reads a TOML policy file and builds it; checks its `[server]` table too.
pub(crate) fn load(path: &Path) -> Loaded {
    let text = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                return Loaded::Unreadable(unreadable(path, "the file is not valid UTF-8"));
            }
        },
        Err(e) => return Loaded::Unreadable(unreadable(path, &e.to_string())),
    };
    // Every problem in one pass: the syntax, then the `[server]` table and the unknown
    // top-level tables (this program's part), then `[cors]` and `[[routes]]`, whose file
    // and policy mistakes the library reports together.
    let mut table = match text.parse::<toml::Table>() {
        Ok(table) => table,
        Err(e) => {
            // As the toml crate shows it: the line, and a caret under the column.
            let d = Diagnostic::new(Code::InvalidFile, "", e.to_string().trim_end());
            return Loaded::Invalid(vec![Finding::from(&d)]);
        }
    };
    let (server, server_diagnostics) = match table.remove("server") {
        Some(value) => ServerConfig::from_toml(value),
        None => (ServerConfig::default(), Vec::new()),
    };
    let mut findings: Vec<Finding> = Vec::new();
    // Unknown top-level tables, with `server` among the suggestions.
    let unknown: Vec<String> = table
        .keys()
        .filter(|k| !TABLES.contains(&k.as_str()))
        .cloned()
        .collect();
    for key in unknown {
        table.remove(&key);
        let help = match server_config::closest(&key, TABLES) {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!("known fields: {}", TABLES.join(", ")),
        };
        findings.push(Finding::from(
            &Diagnostic::new(Code::UnknownField, &key, format!("unknown field `{key}`"))
                .with_help(help),
        ));
    }
    let built = Config::from_toml_table(table)
        .and_then(|config| Policy::new(config.clone()).map(|policy| (config, policy)));
    let file_is_valid = findings.is_empty() && !server_diagnostics.iter().any(is_error);
    match built {
        Ok((config, policy)) if file_is_valid => Loaded::Valid {
            warnings: policy.warnings().iter().map(Finding::from).collect(),
            config: Box::new(config),
            policy: Box::new(policy),
            server: Box::new(server),
        },
        Ok((_, policy)) => {
            findings.extend(policy.warnings().iter().map(Finding::from));
            findings.extend(server_diagnostics.iter().map(Finding::from));
            Loaded::Invalid(findings)
        }
        Err(e) => {
            findings.extend(e.diagnostics().iter().map(Finding::from));
            findings.extend(server_diagnostics.iter().map(Finding::from));
            Loaded::Invalid(findings)
        }
    }
}

fn is_error(d: &Diagnostic) -> bool {
    d.severity() == corsair::Severity::Error
}

fn unreadable(path: &Path, why: &str) -> Finding {
    Finding::from(&Diagnostic::new(
        Code::UnreadableFile,
        "",
        format!("cannot read {}: {why}", path.display()),
    ))
}

/// A colour of the human output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Colour {
    /// Errors, rejections, high-severity findings.
    Red,
    /// Warnings, medium findings, what could not be tested.
    Yellow,
    /// Allowed, valid.
    Green,
    /// Hints, low findings.
    Cyan,
    /// Informational findings.
    Dim,
}

impl Colour {
    /// The ANSI escape sequence (bold for all but `Dim`).
    fn code(self) -> &'static str {
        match self {
            Colour::Red => "\x1b[1;31m",
            Colour::Yellow => "\x1b[1;33m",
            Colour::Green => "\x1b[1;32m",
            Colour::Cyan => "\x1b[1;36m",
            Colour::Dim => "\x1b[2m",
        }
    }
}

/// Whether the human output of one stream is in colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Style {
    colour: bool,
}

impl Style {
    /// No colour at all.
    pub(crate) const PLAIN: Style = Style { colour: false };

    /// For standard output: colour on a terminal, unless `NO_COLOR` says otherwise.
    pub(crate) fn stdout() -> Style {
        Style::for_stream(std::io::stdout().is_terminal())
    }

    /// For standard error: colour on a terminal, unless `NO_COLOR` says otherwise.
    pub(crate) fn stderr() -> Style {
        Style::for_stream(std::io::stderr().is_terminal())
    }

    fn for_stream(terminal: bool) -> Style {
        Style {
            colour: use_colour(
                terminal,
                std::env::var_os("NO_COLOR").as_deref(),
                std::env::var_os("TERM").as_deref(),
            ),
        }
    }

    /// Whether this stream is in colour (`serve`'s logs ask, for tracing's ANSI).
    pub(crate) fn is_colour(self) -> bool {
        self.colour
    }

    /// `text` in `colour`, or as it is when the output is plain.
    pub(crate) fn paint(self, colour: Colour, text: &str) -> String {
        if self.colour {
            format!("{}{text}\x1b[0m", colour.code())
        } else {
            text.to_owned()
        }
    }
}

/// The decision: colour only on a terminal, never when `NO_COLOR` is set to anything but
/// the empty string (<https://no-color.org>), never on a `dumb` terminal.
fn use_colour(terminal: bool, no_color: Option<&OsStr>, term: Option<&OsStr>) -> bool {
    terminal && no_color.is_none_or(OsStr::is_empty) && term != Some(OsStr::new("dumb"))
}

/// A header value as text (invalid UTF-8 replaced).
pub(crate) fn lossy(value: &HeaderValue) -> String {
    String::from_utf8_lossy(value.as_bytes()).into_owned()
}

/// Appends `label:` padded to `width` columns, then the text: the aligned lines of
/// `check`'s and `explain`'s human output.
pub(crate) fn labelled(out: &mut String, width: usize, label: &str, text: &str) {
    out.push_str(&format!("{:<width$}{text}\n", format!("{label}:")));
}

/// `1 error`, `2 warnings`, ...
pub(crate) fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Writes everything to standard output. A closed pipe (`corsair lint x | head -1`) or
/// any other write error is ignored: the exit code still tells the verdict.
pub(crate) fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Writes everything to standard error, ignoring write errors.
pub(crate) fn print_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// Serializes a value as one line of JSON, newline-terminated.
pub(crate) fn json_line<T: Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string(value)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| format!("corsair: cannot serialize the JSON output: {e}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        let set = Some(OsStr::new("1"));
        let xterm = Some(OsStr::new("xterm-256color"));
        assert!(use_colour(true, None, xterm));
        assert!(use_colour(true, None, None));
        // NO_COLOR set (to anything but empty): plain.
        assert!(!use_colour(true, set, xterm));
        assert!(!use_colour(true, Some(OsStr::new("0")), xterm));
        assert!(use_colour(true, Some(OsStr::new("")), xterm));
        // Piped: plain, whatever else.
        assert!(!use_colour(false, None, xterm));
        assert!(!use_colour(true, None, Some(OsStr::new("dumb"))));
    }

    #[test]
    fn plain_style_adds_nothing() {
        assert_eq!(Style::PLAIN.paint(Colour::Red, "error"), "error");
        let coloured = Style { colour: true }.paint(Colour::Green, "allowed");
        assert_eq!(coloured, "\x1b[1;32mallowed\x1b[0m");
        let finding = Finding {
            severity: "error",
            code: "null-origin",
            field: "cors.allow_origins[0]".to_owned(),
            message: "m".to_owned(),
            help: Some("h".to_owned()),
        };
        let mut plain = String::new();
        finding.write_human(&mut plain, Style::PLAIN);
        assert_eq!(
            plain,
            "error[null-origin] cors.allow_origins[0]: m\n  help: h\n"
        );
        let mut coloured = String::new();
        finding.write_human(&mut coloured, Style { colour: true });
        assert!(coloured.starts_with("\x1b[1;31merror[null-origin]\x1b[0m cors"));
    }
}
