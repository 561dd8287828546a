//! Hosts and literal text: the hosts an attacker would try beside a domain, registrable
//! domains, the host grammar, and the runs of literal text in a regex's syntax tree.

use regex_syntax::hir::{Class, Hir, HirKind};

use super::{DOMAIN_CHARS, EVIL, IPV6_CHARS};

/// The hosts an attacker would try against a site trusting `domain` (the probes of
/// `corsair audit`: suffix and prefix tricks, dots taken for any character).
pub(super) fn attack_hosts(domain: &str) -> Vec<String> {
    let mut hosts = vec![
        format!("{domain}.{EVIL}"),
        format!("evil{domain}"),
        format!("evil-{domain}"),
        format!("{domain}-{EVIL}"),
        format!("{domain}_.{EVIL}"),
    ];
    if let Some(rest) = domain.get(1..).filter(|r| r.contains('.')) {
        hosts.push(rest.to_owned());
    }
    for (i, _) in domain.match_indices('.') {
        let mut dotless = domain.to_owned();
        dotless.replace_range(i..=i, "x");
        hosts.push(dotless);
    }
    hosts
}

/// The registrable domain of the labels `tail` (read so far, right of a dot), when
/// they have one: then every host the regex admits to their left is a subdomain of it.
pub(super) fn registrable(tail: &str) -> Option<String> {
    let tail = tail.strip_suffix('.').unwrap_or(tail);
    if tail.is_empty() || tail.split('.').any(str::is_empty) {
        return None;
    }
    if tail == "localhost" || tail.ends_with(".localhost") {
        return Some("localhost".to_owned());
    }
    if tail.rsplit('.').next().is_some_and(is_digits) {
        return None;
    }
    psl::domain_str(tail).map(str::to_owned)
}

pub(super) fn reversed_host(rev: &[u8]) -> String {
    rev.iter().rev().map(|&b| char::from(b)).collect()
}

pub(super) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A host corsair's origin parser accepts (label lengths aside).
pub(super) fn is_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[') {
        return inner
            .strip_suffix(']')
            .is_some_and(|a| a.len() >= 2 && a.bytes().all(|b| IPV6_CHARS.contains(&b)));
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| DOMAIN_CHARS.contains(&b) && b != b'.')
        })
}

pub(super) fn is_address(name: &str) -> bool {
    name.starts_with('[') || name.rsplit('.').next().is_some_and(is_digits)
}

pub(super) fn is_loopback(name: &str) -> bool {
    crate::origin::pattern::is_localhost_name(name)
        || name == "[::1]"
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The maximal runs of literal text in `hir`: literals, and classes that admit a single
/// character an origin can hold (`[.]`, `(?i)a`), concatenated.
pub(super) fn literal_runs(hir: &Hir, out: &mut Vec<String>) {
    match hir.kind() {
        HirKind::Concat(items) => {
            let mut run = String::new();
            for item in items {
                if let Some(text) = single(item) {
                    run.push_str(&text);
                } else if matches!(item.kind(), HirKind::Look(_)) {
                } else {
                    if !run.is_empty() {
                        out.push(std::mem::take(&mut run));
                    }
                    literal_runs(item, out);
                }
            }
            if !run.is_empty() {
                out.push(run);
            }
        }
        HirKind::Alternation(items) => items.iter().for_each(|item| literal_runs(item, out)),
        HirKind::Capture(capture) => literal_runs(&capture.sub, out),
        HirKind::Repetition(repetition) => literal_runs(&repetition.sub, out),
        HirKind::Literal(_) | HirKind::Class(_) => out.extend(single(hir)),
        HirKind::Empty | HirKind::Look(_) => {}
    }
}

/// The text `hir` always matches, when it is literal.
pub(super) fn single(hir: &Hir) -> Option<String> {
    /// The characters an origin can hold.
    fn origin_char(c: char) -> bool {
        c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.:/[]".contains(c)
    }
    match hir.kind() {
        HirKind::Literal(literal) => std::str::from_utf8(&literal.0).ok().map(str::to_owned),
        HirKind::Class(Class::Unicode(class)) => {
            let mut chars = class
                .ranges()
                .iter()
                .flat_map(|r| {
                    let (start, end) = (u32::from(r.start()), u32::from(r.end()).min(0x7f));
                    (start..=end).filter_map(char::from_u32)
                })
                .filter(|&c| origin_char(c));
            let first = chars.next()?;
            chars.next().is_none().then(|| first.to_string())
        }
        HirKind::Class(Class::Bytes(class)) => {
            let mut chars = class
                .ranges()
                .iter()
                .flat_map(|r| (r.start()..=r.end().min(0x7f)).map(char::from))
                .filter(|&c| origin_char(c));
            let first = chars.next()?;
            chars.next().is_none().then(|| first.to_string())
        }
        HirKind::Capture(capture) => single(&capture.sub),
        HirKind::Concat(items) => items
            .iter()
            .filter(|item| !matches!(item.kind(), HirKind::Look(_)))
            .map(single)
            .collect(),
        _ => None,
    }
}
