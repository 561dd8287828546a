//! Loading a policy file: reading it, building its `[cors]` and `[[routes]]` tables into
//! a policy and checking its `[server]` table, and the problem records (`Finding`) that
//! `lint`, `explain` and `serve` print.

use std::path::Path;

use corsair::{Code, Config, Diagnostic, Policy};
use serde::Serialize;

use crate::origins_file;
use crate::output::{Colour, Style};
use crate::serve::config::ServerConfig;

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
        findings.push(Finding::from(&Diagnostic::unknown_field(
            &key, &key, TABLES,
        )));
    }
    // `allow_origins_file`: its origins join `allow_origins`, and their problems are
    // reported at the file's lines.
    let (inlined, file_findings) = origins_file::inline(&mut table, path);
    findings.extend(file_findings);
    let located = |d: &Diagnostic| {
        let mut finding = Finding::from(d);
        origins_file::locate(&mut finding, &inlined);
        finding
    };
    let built = Config::from_toml_table(table)
        .and_then(|config| Policy::new(config.clone()).map(|policy| (config, policy)));
    let file_is_valid = findings.is_empty() && !server_diagnostics.iter().any(is_error);
    match built {
        Ok((config, policy)) if file_is_valid => Loaded::Valid {
            warnings: policy.warnings().iter().map(located).collect(),
            config: Box::new(config),
            policy: Box::new(policy),
            server: Box::new(server),
        },
        Ok((_, policy)) => {
            findings.extend(policy.warnings().iter().map(located));
            findings.extend(server_diagnostics.iter().map(Finding::from));
            Loaded::Invalid(findings)
        }
        Err(e) => {
            findings.extend(e.diagnostics().iter().map(located));
            findings.extend(server_diagnostics.iter().map(Finding::from));
            Loaded::Invalid(findings)
        }
    }
}

/// The origins files (`allow_origins_file`) that the policy file at `path` names, for
/// `serve` to watch; none when the file cannot be read or parsed.
pub(crate) fn origins_files(path: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .map(|table| origins_file::paths(&table, path))
        .unwrap_or_default()
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
