//! `allow_origin_regexes` in PCRE (and in RE2, for Caddy): each regex (Rust's syntax)
//! parsed with the regex crate's own parser and written back in the PCRE syntax that
//! nginx and HAProxy read,
//! for the inputs it is ever matched against: well-formed origins, which are ASCII.
//!
//! Case-insensitivity and Unicode classes are already expanded into ranges by the
//! parser; the ranges are cut to ASCII (a non-ASCII character never occurs in an
//! origin), and every byte is written as `\xHH`, so no PCRE metacharacter is left to
//! chance. Every construct of the regex crate has its PCRE form here; only a regex its
//! parser refuses (none in a valid policy) gives `None`, which the export reports as
//! lossy.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// The regex in PCRE, matched against the whole origin as corsair matches it
/// (`^(?:regex)$`); `start` is the PCRE for the start of the origin in the edge's
/// subject (`^` when the subject is the origin alone).
pub(crate) fn translate(regex: &str, start: &str) -> Option<String> {
    translate_to(regex, start, Dialect::Pcre)
}

/// The regex in RE2 (Caddy's Go `regexp`), for a subject that is the origin alone;
/// `None` also for a regex that needs a lookaround (`\b{start}`, `\b{end-half}`, ...),
/// which RE2 does not have.
pub(crate) fn translate_re2(regex: &str) -> Option<String> {
    translate_to(regex, "^", Dialect::Re2)
}

/// The syntax written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Pcre,
    Re2,
}

fn translate_to(regex: &str, start: &str, dialect: Dialect) -> Option<String> {
    let hir = regex_syntax::Parser::new().parse(regex).ok()?;
    let mut out = String::new();
    write(&mut out, &hir, start, dialect)?;
    Some(out)
}

/// A match that never happens.
fn never(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Pcre => "(?!)",
        // RE2 has no lookaround: a class of no character.
        Dialect::Re2 => "[^\\x00-\\x{10FFFF}]",
    }
}

fn write(out: &mut String, hir: &Hir, start: &str, dialect: Dialect) -> Option<()> {
    match hir.kind() {
        HirKind::Empty => out.push_str("(?:)"),
        HirKind::Literal(literal) => {
            if literal.0.iter().any(|b| !b.is_ascii()) {
                // Never in an origin.
                out.push_str(never(dialect));
            } else {
                for b in literal.0.iter() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
        }
        HirKind::Class(class) => write_class(out, class, dialect),
        HirKind::Look(look) => out.push_str(look_form(*look, start, dialect)?),
        HirKind::Repetition(repetition) => {
            out.push_str("(?:");
            write(out, &repetition.sub, start, dialect)?;
            out.push(')');
            match repetition.max {
                Some(max) => out.push_str(&format!("{{{},{max}}}", repetition.min)),
                None => out.push_str(&format!("{{{},}}", repetition.min)),
            }
            if !repetition.greedy {
                out.push('?');
            }
        }
        HirKind::Capture(capture) => {
            out.push_str("(?:");
            write(out, &capture.sub, start, dialect)?;
            out.push(')');
        }
        HirKind::Concat(parts) => {
            out.push_str("(?:");
            for part in parts {
                write(out, part, start, dialect)?;
            }
            out.push(')');
        }
        HirKind::Alternation(parts) => {
            out.push_str("(?:");
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                write(out, part, start, dialect)?;
            }
            out.push(')');
        }
    }
    Some(())
}

/// A class as its ASCII ranges; a class without any is a match that never happens.
fn write_class(out: &mut String, class: &Class, dialect: Dialect) {
    let ranges: Vec<(u32, u32)> = match class {
        Class::Unicode(class) => class
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
        Class::Bytes(class) => class
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
    };
    let ascii: Vec<(u32, u32)> = ranges
        .into_iter()
        .filter(|(start, _)| *start <= 0x7f)
        .map(|(start, end)| (start, end.min(0x7f)))
        .collect();
    if ascii.is_empty() {
        out.push_str(never(dialect));
        return;
    }
    out.push('[');
    for (start, end) in ascii {
        out.push_str(&format!("\\x{start:02x}"));
        if end > start {
            out.push_str(&format!("-\\x{end:02x}"));
        }
    }
    out.push(']');
}

/// An assertion, on an origin (ASCII, without line breaks): the line anchors are the
/// text's, and Unicode word boundaries are ASCII ones. RE2 has the anchors and the word
/// boundaries, not the half boundaries, which need a lookaround.
fn look_form(look: Look, start: &str, dialect: Dialect) -> Option<&str> {
    let form = match look {
        Look::Start | Look::StartLF | Look::StartCRLF => start,
        Look::End | Look::EndLF | Look::EndCRLF => "$",
        Look::WordAscii | Look::WordUnicode => "\\b",
        Look::WordAsciiNegate | Look::WordUnicodeNegate => "\\B",
        _ if dialect == Dialect::Re2 => return None,
        Look::WordStartAscii | Look::WordStartUnicode => "\\b(?=\\w)",
        Look::WordEndAscii | Look::WordEndUnicode => "\\b(?<=\\w)",
        Look::WordStartHalfAscii | Look::WordStartHalfUnicode => "(?<!\\w)",
        Look::WordEndHalfAscii | Look::WordEndHalfUnicode => "(?!\\w)",
    };
    Some(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_byte_escaped_and_classes_in_ascii() {
        assert_eq!(
            translate(r"https://a\.b", "^").unwrap(),
            r"\x68\x74\x74\x70\x73\x3a\x2f\x2f\x61\x2e\x62"
        );
        assert_eq!(translate("[a-c]+", "^").unwrap(), r"(?:[\x61-\x63]){1,}");
        // Case-insensitivity is expanded; the Kelvin sign is cut off.
        assert_eq!(translate("(?i)k", "^").unwrap(), r"[\x4b\x6b]");
        assert_eq!(translate(r"\p{Greek}", "^").unwrap(), "(?!)");
        assert_eq!(translate("^a$", "(?<=x)").unwrap(), r"(?:(?<=x)\x61$)");
        assert_eq!(translate("a*?", "^").unwrap(), r"(?:\x61){0,}?");
        assert_eq!(
            translate(r"\b{start-half}a", "^").unwrap(),
            r"(?:(?<!\w)\x61)"
        );
        assert!(translate("(", "^").is_none());
    }

    #[test]
    fn re2_has_no_lookaround() {
        assert_eq!(translate_re2(r"\p{Greek}").unwrap(), r"[^\x00-\x{10FFFF}]");
        assert_eq!(translate_re2(r"a\b").unwrap(), r"(?:\x61\b)");
        assert!(translate_re2(r"\b{start-half}a").is_none());
        // What it writes compiles in a regex engine of RE2's syntax, and matches the same.
        let re2 = translate_re2(r"(?i)https://[a-z]+\.example").unwrap();
        let re = regex::Regex::new(&format!("^(?:{re2})$")).unwrap();
        assert!(re.is_match("https://App.example"));
        assert!(!re.is_match("https://app.example.org"));
    }
}
