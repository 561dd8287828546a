//! Helpers shared by the subcommands for what they print: colours for human output,
//! header values as text, aligned `label: text` lines, counts, one-line JSON, and writing
//! output without panicking on a closed pipe.

use std::ffi::OsStr;
use std::io::{IsTerminal, Write};

use http::HeaderValue;
use serde::Serialize;

// `serve` reads policy files through this module; they are loaded in `policy_file`.
pub(crate) use crate::policy_file::{Finding, Loaded, load};

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
