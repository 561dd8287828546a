//! The origins of a policy: `allow_origins`, `allow_origin_regexes` and the origin
//! predicate, checked (credentials, `null`, plain http, public suffixes, unsafe regexes)
//! and compiled into an [`OriginMatcher`].

use std::collections::HashSet;

use crate::config::PolicyConfig;
use crate::error::{Code, Diagnostic, Diagnostics};
use crate::origin::{AllowedOrigin, OriginMatcher, parse_allowed};

/// Checks the origins of a policy (`allow_origins`, `allow_origin_regexes`, the
/// predicate) and compiles them into the matcher; `None` when no origin is allowed.
pub(super) fn compile_origins(
    config: &PolicyConfig,
    credentials: bool,
    enabled: bool,
    source: &dyn Fn(&str) -> String,
    diagnostics: &mut Diagnostics,
) -> Option<OriginMatcher> {
    let mut matcher = OriginMatcher::default();
    let field = source("allow_origins");
    let list = config.allow_origins.as_deref().unwrap_or(&[]);
    // A cross-field problem is reported where the user can fix it: at the credentials
    // of a route when only the route turned them on.
    let credentials_field = source("allow_credentials");
    let blame = |entry_field: String| {
        if credentials_field.starts_with("routes") && !entry_field.starts_with("routes") {
            credentials_field.clone()
        } else {
            entry_field
        }
    };
    let null_allowed = config.dangerously_allow_null_origin.unwrap_or(false);
    let insecure_allowed = config.dangerously_allow_insecure_origins.unwrap_or(false);
    let psl_allowed = config
        .dangerously_allow_public_suffix_wildcards
        .unwrap_or(false);
    let others_than_any = list.iter().any(|o| o != "*")
        || config
            .allow_origin_regexes
            .as_ref()
            .is_some_and(|r| !r.is_empty())
        || config.origin_predicate.is_some();
    let mut seen = HashSet::new();
    let mut null_listed = false;

    for (i, entry) in list.iter().enumerate() {
        let entry_field = format!("{field}[{i}]");
        let parsed = match parse_allowed(entry) {
            Ok(parsed) => parsed,
            Err(e) => {
                let mut d = Diagnostic::new(e.code, &entry_field, e.message);
                if let Some(help) = e.help {
                    d = d.with_help(help);
                }
                diagnostics.push(d);
                continue;
            }
        };
        let canonical = match &parsed {
            AllowedOrigin::Any => "*".to_owned(),
            AllowedOrigin::Null => "null".to_owned(),
            AllowedOrigin::Pattern(p) => p.to_string(),
        };
        if !seen.insert(canonical.clone()) {
            diagnostics.report(
                Code::DuplicateEntry,
                &entry_field,
                format!("`{canonical}` is listed more than once"),
            );
            continue;
        }
        match parsed {
            AllowedOrigin::Any => {
                if others_than_any {
                    diagnostics.report_with_help(
                        Code::WildcardOriginMixed,
                        &entry_field,
                        "`*` allows every origin, so listing other origins beside it is a mistake",
                        "keep `*` alone, or remove it and list the origins you trust",
                    );
                }
                if credentials {
                    diagnostics.report_with_help(
                        Code::WildcardOriginWithCredentials,
                        &blame(entry_field),
                        "any origin (`*`) with allow_credentials = true would let every website read your users' authenticated data (browsers also refuse `*` with credentials)",
                        "list the origins you trust, or set allow_credentials = false",
                    );
                }
                matcher.allow_any();
            }
            AllowedOrigin::Null => {
                null_listed = true;
                if !null_allowed {
                    diagnostics.report_with_help(
                        Code::NullOrigin,
                        &entry_field,
                        "the `null` origin is sent by sandboxed iframes, `data:` pages and redirects, so any website can send it",
                        "remove it; if you really must, set dangerously_allow_null_origin = true",
                    );
                }
                matcher.allow_null();
            }
            AllowedOrigin::Pattern(pattern) => {
                if credentials && pattern.is_insecure() && !insecure_allowed {
                    diagnostics.report_with_help(
                        Code::InsecureOrigin,
                        &blame(entry_field.clone()),
                        format!("`{pattern}` is plain http: anyone on the network path can impersonate it and read credentialed responses"),
                        "use https; if you really must, set dangerously_allow_insecure_origins = true",
                    );
                }
                if pattern.is_public_suffix_wildcard() && !psl_allowed {
                    diagnostics.report_with_help(
                        Code::PublicSuffixWildcard,
                        &entry_field,
                        format!("`{pattern}` covers a public suffix: anyone can register a host under it"),
                        "list your own domain (`https://*.yourdomain.example`); if you really must, set dangerously_allow_public_suffix_wildcards = true",
                    );
                }
                if pattern.is_user_content() {
                    diagnostics.report_with_help(
                        Code::UserContentOrigin,
                        &entry_field,
                        format!("`{pattern}` is a site where anyone can publish scripts: trusting it is trusting everyone"),
                        "remove it unless this really is your own origin",
                    );
                }
                matcher.insert(&pattern);
            }
        }
    }

    null_listed |= compile_regexes(config, &mut matcher, credentials, source, diagnostics);
    if let Some(predicate) = &config.origin_predicate {
        matcher.set_predicate(predicate.clone());
    }
    if null_allowed && !null_listed {
        diagnostics.report_with_help(
            Code::UnusedOption,
            &source("dangerously_allow_null_origin"),
            "dangerously_allow_null_origin is set but neither allow_origins nor a regex allows `null`, so it has no effect",
            "remove it",
        );
    }
    let declared = !list.is_empty()
        || config
            .allow_origin_regexes
            .as_ref()
            .is_some_and(|r| !r.is_empty())
        || config.origin_predicate.is_some();
    if enabled && !declared {
        diagnostics.report_with_help(
            Code::NoOrigins,
            &field,
            "no origin is allowed: every CORS request would be rejected",
            "list the origins of your front ends, for example allow_origins = [\"https://app.example.com\"]",
        );
    }
    matcher.finish();
    (!matcher.is_empty()).then_some(matcher)
}

/// Compiles `allow_origin_regexes` into the matcher, refusing (with credentials) every
/// regex that admits origins the lists could not allow safely (see
/// `origin::regex_safety`). Returns whether a regex admits `null`.
#[cfg(feature = "regex")]
fn compile_regexes(
    config: &PolicyConfig,
    matcher: &mut OriginMatcher,
    credentials: bool,
    source: &dyn Fn(&str) -> String,
    diagnostics: &mut Diagnostics,
) -> bool {
    use crate::origin::regex_safety::{self, Flaw};

    let Some(regexes) = config
        .allow_origin_regexes
        .as_deref()
        .filter(|r| !r.is_empty())
    else {
        return false;
    };
    let field = source("allow_origin_regexes");
    let null_allowed = config.dangerously_allow_null_origin.unwrap_or(false);
    let insecure_allowed = config.dangerously_allow_insecure_origins.unwrap_or(false);
    let unsafe_allowed = config
        .dangerously_allow_unsafe_origin_regexes
        .unwrap_or(false);
    let mut admits_null = false;
    let mut kept_unsafe = false;
    let mut anchored = Vec::with_capacity(regexes.len());
    for (i, regex) in regexes.iter().enumerate() {
        let entry_field = format!("{field}[{i}]");
        // Anchored at both ends, whatever the user wrote: `example\.com` must not match
        // `example.com.evil.net`. The regex crate runs in linear time.
        let whole = format!("^(?:{regex})$");
        if let Err(e) = regex::Regex::new(&whole) {
            diagnostics.report(
                Code::InvalidRegex,
                &entry_field,
                format!(
                    "`{regex}` is not a valid regular expression: {}",
                    e.to_string().replace('\n', " ")
                ),
            );
            continue;
        }
        if has_unescaped_dot(regex) {
            diagnostics.report_with_help(
                Code::UnescapedDotInRegex,
                &entry_field,
                format!("`{regex}` has a `.` that matches any character (`wwwaexample.com` for `www.example.com`)"),
                "write `\\.` for a literal dot",
            );
        }
        for finding in regex_safety::analyse(regex) {
            let (code, entry) = match &finding.flaw {
                Flaw::Null => {
                    admits_null = true;
                    if null_allowed {
                        // The regex allows `null`, as the option lets it: the matcher
                        // never runs regexes on the opaque origin, so it is allowed here.
                        matcher.allow_null();
                        continue;
                    }
                    (Code::NullOrigin, entry_field.clone())
                }
                Flaw::AnyOrigin if !credentials => (Code::AnyOriginRegex, entry_field.clone()),
                // Without credentials the answer is public, but a regex that admits
                // other sites' origins is most likely the unanchored-regex mistake.
                Flaw::PublicSuffix(_)
                | Flaw::OpenEnded(_)
                | Flaw::OpenTail
                | Flaw::NotSpelledOut(_)
                    if !credentials =>
                {
                    (Code::BroadOriginRegex, entry_field.clone())
                }
                // A range of IP addresses and plain http are a risk only for credentialed
                // answers (what an attacker could read with the user's cookies), and what
                // corsair cannot prove is unknown, not wrong: without credentials the
                // answer is public, so they say nothing.
                Flaw::AddressRange | Flaw::Insecure | Flaw::Unprovable(_) if !credentials => {
                    continue;
                }
                Flaw::Insecure if insecure_allowed => continue,
                Flaw::Unprovable(_) => (Code::UnprovableOriginRegex, entry_field.clone()),
                _ => (Code::UnsafeOriginRegex, entry_field.clone()),
            };
            let message = finding.message(regex);
            // The option keeps refused regexes; it does not silence warnings.
            if unsafe_allowed
                && matches!(code, Code::UnsafeOriginRegex | Code::UnprovableOriginRegex)
            {
                kept_unsafe = true;
                tracing::warn!(
                    target: "corsair",
                    field = %entry,
                    code = %code,
                    "dangerously_allow_unsafe_origin_regexes keeps an unsafe origin regex: {message}"
                );
                continue;
            }
            diagnostics.report_with_help(code, &entry, message, finding.help());
        }
        anchored.push(whole);
    }
    if unsafe_allowed && !kept_unsafe {
        diagnostics.report_with_help(
            Code::UnusedOption,
            &source("dangerously_allow_unsafe_origin_regexes"),
            "dangerously_allow_unsafe_origin_regexes is set but no origin regex needs it, so it has no effect",
            "remove it",
        );
    }
    match regex::RegexSet::new(&anchored) {
        Ok(set) if anchored.len() == regexes.len() => matcher.set_regexes(set),
        Ok(_) => {}
        Err(e) => diagnostics.report(Code::InvalidRegex, &field, e.to_string()),
    }
    admits_null
}

#[cfg(not(feature = "regex"))]
fn compile_regexes(
    config: &PolicyConfig,
    _matcher: &mut OriginMatcher,
    _credentials: bool,
    source: &dyn Fn(&str) -> String,
    diagnostics: &mut Diagnostics,
) -> bool {
    if config
        .allow_origin_regexes
        .as_ref()
        .is_some_and(|r| !r.is_empty())
    {
        diagnostics.report_with_help(
            Code::InvalidRegex,
            &source("allow_origin_regexes"),
            "allow_origin_regexes needs corsair's `regex` feature",
            "enable the feature, or use origin patterns such as `https://*.example.com`",
        );
    }
    false
}

/// A `.` outside a character class, not escaped and not repeated (`.*` and `.+` say
/// "anything" on purpose; a lone `.` is usually a dot meant literally).
#[cfg(feature = "regex")]
fn has_unescaped_dot(regex: &str) -> bool {
    let mut escaped = false;
    let mut in_class = false;
    let mut chars = regex.chars().peekable();
    while let Some(c) = chars.next() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '[') => in_class = true,
            (false, ']') => in_class = false,
            (false, '.') if !in_class && !matches!(chars.peek(), Some('*' | '+' | '?' | '{')) => {
                return true;
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    #[cfg(feature = "regex")]
    #[test]
    fn unescaped_dots() {
        use super::has_unescaped_dot;

        assert!(has_unescaped_dot("https://www.example\\.com"));
        assert!(!has_unescaped_dot("https://www\\.example\\.com"));
        assert!(!has_unescaped_dot("https://[.]example\\.com"));
        assert!(has_unescaped_dot("https://[a].example\\.com"));
    }
}
