//! Reading the policy fields from TOML values, with messages in plain words.

/// A value of the file, in plain words: `a string`, `a whole number`, `a list`.
#[cfg(feature = "toml")]
pub(super) fn describe_value(value: &toml::Value) -> String {
    match value {
        toml::Value::String(_) => "a string".to_owned(),
        toml::Value::Integer(n) if *n < 0 => format!("a negative number ({n})"),
        toml::Value::Integer(_) => "a whole number".to_owned(),
        toml::Value::Float(x) => format!("a decimal number ({x})"),
        toml::Value::Boolean(b) => format!("`{b}`"),
        toml::Value::Datetime(_) => "a date".to_owned(),
        toml::Value::Array(_) => "a list".to_owned(),
        toml::Value::Table(_) => "a table".to_owned(),
    }
}

/// The types of the policy fields, read from TOML values with messages in plain words.
#[cfg(feature = "toml")]
pub(super) trait FileValue: Sized {
    /// Converts `value`, the value of `name` (at `field` in the file); a value of the
    /// wrong type is reported and gives `None`.
    fn read(
        value: toml::Value,
        name: &str,
        field: &str,
        diagnostics: &mut crate::error::Diagnostics,
    ) -> Option<Self>;
}

/// Reports a value of the wrong type: `` `max_age` must be a whole number of seconds, not
/// a string ``, with a hint when the value is only quoted by mistake.
#[cfg(feature = "toml")]
pub(super) fn wrong_type(
    diagnostics: &mut crate::error::Diagnostics,
    field: &str,
    name: &str,
    expected: &str,
    found: &toml::Value,
    unquoted: Option<&str>,
) {
    let message = format!("`{name}` must be {expected}, not {}", describe_value(found));
    match unquoted {
        Some(v) => diagnostics.report_with_help(
            crate::Code::InvalidFile,
            field,
            message,
            format!("write it without quotes: {name} = {v}"),
        ),
        None => diagnostics.report(crate::Code::InvalidFile, field, message),
    }
}

#[cfg(feature = "toml")]
impl FileValue for bool {
    fn read(
        value: toml::Value,
        name: &str,
        field: &str,
        diagnostics: &mut crate::error::Diagnostics,
    ) -> Option<bool> {
        match value {
            toml::Value::Boolean(b) => Some(b),
            other => {
                let unquoted = match &other {
                    toml::Value::String(s) if s == "true" || s == "false" => Some(s.as_str()),
                    _ => None,
                };
                wrong_type(diagnostics, field, name, "true or false", &other, unquoted);
                None
            }
        }
    }
}

/// What a whole-number field holds, in words.
#[cfg(feature = "toml")]
fn expected_number(name: &str) -> &'static str {
    match name {
        "max_age" => "a whole number of seconds",
        "preflight_status" => "an HTTP status such as 204",
        _ => "a whole number",
    }
}

/// Reads a whole number that fits `T`.
#[cfg(feature = "toml")]
fn read_number<T: TryFrom<i64>>(
    value: toml::Value,
    name: &str,
    field: &str,
    diagnostics: &mut crate::error::Diagnostics,
) -> Option<T> {
    let expected = expected_number(name);
    match value {
        toml::Value::Integer(n) => match T::try_from(n) {
            Ok(v) => Some(v),
            Err(_) if n < 0 => {
                wrong_type(
                    diagnostics,
                    field,
                    name,
                    expected,
                    &toml::Value::Integer(n),
                    None,
                );
                None
            }
            Err(_) => {
                diagnostics.report(
                    crate::Code::InvalidFile,
                    field,
                    format!("`{name}` must be {expected}, not {n}: that number is too large"),
                );
                None
            }
        },
        other => {
            let unquoted = match &other {
                toml::Value::String(s)
                    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    Some(s.as_str())
                }
                _ => None,
            };
            wrong_type(diagnostics, field, name, expected, &other, unquoted);
            None
        }
    }
}

#[cfg(feature = "toml")]
impl FileValue for u64 {
    fn read(
        value: toml::Value,
        name: &str,
        field: &str,
        diagnostics: &mut crate::error::Diagnostics,
    ) -> Option<u64> {
        read_number(value, name, field, diagnostics)
    }
}

#[cfg(feature = "toml")]
impl FileValue for u16 {
    fn read(
        value: toml::Value,
        name: &str,
        field: &str,
        diagnostics: &mut crate::error::Diagnostics,
    ) -> Option<u16> {
        read_number(value, name, field, diagnostics)
    }
}

#[cfg(feature = "toml")]
impl FileValue for Vec<String> {
    fn read(
        value: toml::Value,
        name: &str,
        field: &str,
        diagnostics: &mut crate::error::Diagnostics,
    ) -> Option<Vec<String>> {
        match value {
            toml::Value::Array(items) => {
                let mut strings = Vec::with_capacity(items.len());
                let mut wrong = false;
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        toml::Value::String(s) => strings.push(s),
                        other => {
                            wrong = true;
                            diagnostics.report(
                                crate::Code::InvalidFile,
                                &format!("{field}[{i}]"),
                                format!(
                                    "each entry of `{name}` must be a string, not {}",
                                    describe_value(&other)
                                ),
                            );
                        }
                    }
                }
                (!wrong).then_some(strings)
            }
            toml::Value::String(s) => {
                diagnostics.report_with_help(
                    crate::Code::InvalidFile,
                    field,
                    format!("`{name}` must be a list of strings, not a string"),
                    format!(
                        "write it in brackets: {name} = [\"{}\"]",
                        s.escape_default()
                    ),
                );
                None
            }
            other => {
                wrong_type(diagnostics, field, name, "a list of strings", &other, None);
                None
            }
        }
    }
}

#[cfg(feature = "toml")]
pub(super) fn report_unknown(
    diagnostics: &mut crate::error::Diagnostics,
    field: &str,
    key: &str,
    known: &[&str],
) {
    let diagnostic = crate::error::Diagnostic::unknown_field(field, key, known);
    if key == "path" && crate::error::closest(key, known).is_none() {
        diagnostics.push(diagnostic.with_help("`path` belongs in a [[routes]] entry"));
    } else if key == "allow_origins_file" {
        // The `corsair` command reads it (it knows the file's directory); a library
        // reading TOML text does not.
        diagnostics.push(diagnostic.with_help(
            "the corsair command (lint, explain, serve) reads allow_origins_file; with the library, read the file and pass its lines to allow_origins, or look origins up with allow_origins_async",
        ));
    } else {
        diagnostics.push(diagnostic);
    }
}
