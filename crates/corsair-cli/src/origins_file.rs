//! `allow_origins_file`: origins kept in a file of their own, one origin or pattern per
//! line, for services whose allowed origins come from data (tenants, customers).
//!
//! The file is read when the policy file is (by `lint`, `explain` and `serve`, and by
//! `serve` again when either file changes), and its origins are appended to the table's
//! `allow_origins`, so that they are validated exactly as `allow_origins` entries; a
//! problem in one is reported at `FILE:LINE`. Blank lines and lines that start with `#`
//! are skipped; spaces around an origin are trimmed. The path is relative to the policy
//! file's directory.

use std::path::{Path, PathBuf};

use corsair::{Code, Diagnostic};

use crate::policy_file::Finding;

/// The key, in `[cors]` and in a `[[routes]]` entry.
pub(crate) const KEY: &str = "allow_origins_file";

/// Where the origins read from a file went: the table's `allow_origins` entries from
/// `first` on came from `lines` of `file`, in order.
#[derive(Debug)]
pub(crate) struct Inlined {
    /// `cors` or `routes[i]`.
    prefix: String,
    /// The index in `allow_origins` of the file's first origin.
    first: usize,
    /// The file, as the policy names it.
    file: String,
    /// The line number of each origin.
    lines: Vec<usize>,
}

/// Reads the origins file of each table of `table` (`[cors]`, each `[[routes]]`) that
/// names one into its `allow_origins`, and removes the key. Returns where the origins
/// went, and the problems with the files themselves (unreadable, a key that is not a
/// string).
pub(crate) fn inline(table: &mut toml::Table, policy: &Path) -> (Vec<Inlined>, Vec<Finding>) {
    let base = policy.parent().unwrap_or_else(|| Path::new(""));
    let mut inlined = Vec::new();
    let mut findings = Vec::new();
    if let Some(toml::Value::Table(cors)) = table.get_mut("cors") {
        inline_one(cors, "cors", base, &mut inlined, &mut findings);
    }
    if let Some(toml::Value::Array(routes)) = table.get_mut("routes") {
        for (i, route) in routes.iter_mut().enumerate() {
            if let toml::Value::Table(route) = route {
                inline_one(
                    route,
                    &format!("routes[{i}]"),
                    base,
                    &mut inlined,
                    &mut findings,
                );
            }
        }
    }
    (inlined, findings)
}

/// The origins files that `table` names, resolved against the policy file's directory
/// (what `serve` watches for changes).
pub(crate) fn paths(table: &toml::Table, policy: &Path) -> Vec<PathBuf> {
    let base = policy.parent().unwrap_or_else(|| Path::new(""));
    let cors = table.get("cors").and_then(toml::Value::as_table);
    let routes = table
        .get("routes")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_table);
    cors.into_iter()
        .chain(routes)
        .filter_map(|t| t.get(KEY).and_then(toml::Value::as_str))
        .map(|file| base.join(file))
        .collect()
}

fn inline_one(
    table: &mut toml::Table,
    prefix: &str,
    base: &Path,
    inlined: &mut Vec<Inlined>,
    findings: &mut Vec<Finding>,
) {
    let Some(value) = table.remove(KEY) else {
        return;
    };
    let field = format!("{prefix}.{KEY}");
    let Some(file) = value.as_str() else {
        findings.push(Finding::from(&Diagnostic::new(
            Code::InvalidFile,
            &field,
            format!("`{KEY}` must be a path (a string)"),
        )));
        return;
    };
    let text = match std::fs::read(base.join(file)).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => return unreadable(findings, &field, file, "the file is not valid UTF-8"),
        Err(e) => return unreadable(findings, &field, file, &e.to_string()),
    };
    let entries: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .collect();
    let list = table
        .entry("allow_origins")
        .or_insert_with(|| toml::Value::Array(Vec::new()));
    let toml::Value::Array(list) = list else {
        // A wrong type: the library reports `allow_origins` itself.
        return;
    };
    inlined.push(Inlined {
        prefix: prefix.to_owned(),
        first: list.len(),
        file: file.to_owned(),
        lines: entries.iter().map(|(line, _)| *line).collect(),
    });
    list.extend(entries.iter().map(|(_, origin)| toml::Value::from(*origin)));
}

fn unreadable(findings: &mut Vec<Finding>, field: &str, file: &str, why: &str) {
    findings.push(Finding::from(&Diagnostic::new(
        Code::UnreadableFile,
        field,
        format!("cannot read {file}: {why}"),
    )));
}

/// Points a finding about an origin that came from a file at that file's line
/// (`origins.txt:12`) instead of its place in `allow_origins`.
pub(crate) fn locate(finding: &mut Finding, inlined: &[Inlined]) {
    for source in inlined {
        let Some(index) = finding
            .field
            .strip_prefix(&source.prefix)
            .and_then(|rest| rest.strip_prefix(".allow_origins["))
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        if let Some(line) = index
            .checked_sub(source.first)
            .and_then(|i| source.lines.get(i))
        {
            finding.field = format!("{}:{line}", source.file);
            return;
        }
    }
}
