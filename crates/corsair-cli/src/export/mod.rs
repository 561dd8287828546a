//! `corsair export --config FILE --target EDGE [--out FILE] [--allow-lossy]`: the
//! policy as an edge proxy's configuration, so that the edge answers what `corsair
//! serve` answers; what the edge cannot express is reported as lint-style findings.

mod answer;
mod caddy;
mod envoy;
mod envoy_re2;
mod gateway_api;
mod haproxy;
mod lossy;
pub(crate) mod model;
mod nginx;
mod nginx_protection;
mod pcre;
mod re2;
mod regex_pcre;

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::lint;
use crate::output::{self, Style};
use crate::policy_file::{self, Finding, Loaded};
use model::Model;

/// The edges a policy can be exported to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Target {
    /// nginx (1.22 and later): `map` blocks for `http {}`, directives for `server {}`.
    Nginx,
    /// HAProxy (2.6 and later): the lines of a `frontend` section.
    Haproxy,
    /// Caddy (2.6 and later): a Caddyfile fragment for the site block.
    Caddy,
    /// Envoy (1.30 and later, v3 API): the CORS filter and a route configuration, for an
    /// HttpConnectionManager.
    Envoy,
    /// Kubernetes Gateway API (v1.6, standard channel): an HTTPRoute with the CORS filter.
    GatewayApi,
}

impl Target {
    /// The target's name, as given to `--target`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Target::Nginx => "nginx",
            Target::Haproxy => "haproxy",
            Target::Caddy => "caddy",
            Target::Envoy => "envoy",
            Target::GatewayApi => "gateway-api",
        }
    }
}

/// `corsair export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The TOML policy file
    #[arg(short, long, value_name = "FILE")]
    pub(crate) config: PathBuf,
    /// The edge to generate the configuration for
    #[arg(long, value_enum)]
    pub(crate) target: Target,
    /// Write the configuration here instead of standard output (nginx: FILE for
    /// `server {}`, and FILE with `-http` before its extension for `http {}`)
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Write the configuration even when the edge cannot express all of the policy
    /// (the differences are listed in its comments)
    #[arg(long)]
    pub(crate) allow_lossy: bool,
}

/// One file of an export.
struct Fragment {
    /// Where it is written: `--out` itself, or beside it.
    path: Option<PathBuf>,
    /// Where the user includes it, in words.
    place: &'static str,
    /// The configuration text, without the header comment.
    body: String,
    /// What the header comment says of the target: how the files work together, the
    /// target's traps and limits.
    notes: &'static str,
}

/// Runs `export`; returns whether the configuration was written (`Some(false)`: the
/// policy is invalid, or lossy without `--allow-lossy`).
pub(crate) fn run(args: &ExportArgs) -> Result<Option<bool>, String> {
    let (config, warnings) = match policy_file::load(&args.config) {
        Loaded::Unreadable(finding) => {
            output::print_stderr(&format!("corsair: {}\n", finding.message));
            return Ok(Some(false));
        }
        Loaded::Invalid(findings) => {
            output::print_stdout(&lint::human_styled(
                &args.config,
                &findings,
                Style::stdout(),
            ));
            return Ok(Some(false));
        }
        Loaded::Valid {
            config, warnings, ..
        } => (config, warnings),
    };
    let lossy = lossy_findings(&config, &args.config, args.target);
    if !lossy.is_empty() {
        let mut report = String::new();
        for finding in &lossy {
            finding.write_human(&mut report, Style::stderr());
        }
        output::print_stderr(&report);
        if !args.allow_lossy {
            output::print_stderr(&format!(
                "corsair: {} cannot express all of {}: nothing written (--allow-lossy writes it anyway, with the differences in its comments)\n",
                args.target.name(),
                args.config.display()
            ));
            return Ok(Some(false));
        }
    }
    let model = Model::new(&config);
    write(args, &fragments(args, &model), &warnings, &lossy)?;
    Ok(Some(true))
}

/// Writes each fragment, with its header comment, to its file or to standard output.
fn write(
    args: &ExportArgs,
    fragments: &[Fragment],
    warnings: &[Finding],
    lossy: &[Finding],
) -> Result<(), String> {
    let mut stdout: Vec<String> = Vec::new();
    for fragment in fragments {
        let text = format!(
            "{}{}",
            header_comment(args, warnings, lossy, fragment, fragments),
            fragment.body
        );
        match &fragment.path {
            Some(path) => std::fs::write(path, text)
                .map_err(|e| format!("corsair: cannot write {}: {e}\n", path.display()))?,
            None => stdout.push(text),
        }
    }
    if !stdout.is_empty() {
        output::print_stdout(&stdout.join("\n"));
    }
    Ok(())
}

/// The lossy findings of a valid policy for a target (`lint --target` prints them too).
pub(crate) fn lossy_findings(
    config: &corsair::Config,
    file: &Path,
    target: Target,
) -> Vec<Finding> {
    let origins_file = !policy_file::origins_files(file).is_empty();
    let mut findings = lossy::findings(config, origins_file, target.name());
    match target {
        Target::Nginx | Target::Haproxy => {}
        Target::Caddy => lossy::no_debug_or_re2_regexes(config, target.name(), &mut findings),
        Target::Envoy => {
            lossy::no_debug_or_regexes(config, target.name(), &mut findings);
            lossy::unprotected_writes(config, target.name(), &mut findings);
            lossy::no_private_network(config, target.name(), &mut findings);
            findings.extend(envoy::findings(&Model::new(config)));
        }
        Target::GatewayApi => {
            lossy::no_debug_or_regexes(config, target.name(), &mut findings);
            lossy::unprotected_writes(config, target.name(), &mut findings);
            lossy::no_private_network(config, target.name(), &mut findings);
            findings.extend(gateway_api::findings(&Model::new(config)));
        }
    }
    findings
}

/// The files of the export.
fn fragments(args: &ExportArgs, model: &Model) -> Vec<Fragment> {
    match args.target {
        Target::Nginx => vec![
            Fragment {
                path: args.out.as_deref().map(http_path),
                place: nginx::HTTP_PLACE,
                body: nginx::http_fragment(model),
                notes: nginx::NOTES,
            },
            Fragment {
                path: args.out.clone(),
                place: nginx::SERVER_PLACE,
                body: nginx::server_fragment(model),
                notes: nginx::NOTES,
            },
        ],
        Target::Haproxy => vec![Fragment {
            path: args.out.clone(),
            place: haproxy::PLACE,
            body: haproxy::fragment(model),
            notes: haproxy::NOTES,
        }],
        Target::Caddy => vec![Fragment {
            path: args.out.clone(),
            place: caddy::PLACE,
            body: caddy::fragment(model),
            notes: caddy::NOTES,
        }],
        Target::Envoy => vec![Fragment {
            path: args.out.clone(),
            place: envoy::PLACE,
            body: envoy::fragment(model),
            notes: envoy::NOTES,
        }],
        Target::GatewayApi => vec![Fragment {
            path: args.out.clone(),
            place: gateway_api::PLACE,
            body: gateway_api::fragment(model),
            notes: gateway_api::NOTES,
        }],
    }
}

/// `corsair.conf` -> `corsair-http.conf`.
fn http_path(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let name = match out.extension() {
        Some(ext) => format!("{stem}-http.{}", ext.to_string_lossy()),
        None => format!("{stem}-http"),
    };
    out.with_file_name(name)
}

/// The comment at the top of each file: the corsair version, the policy file, where
/// to include the file (and its sibling), the warnings and the lossy parts.
fn header_comment(
    args: &ExportArgs,
    warnings: &[Finding],
    lossy: &[Finding],
    fragment: &Fragment,
    all: &[Fragment],
) -> String {
    let mut out = format!(
        "# Generated by corsair {} (corsair export --target {}) from the policy file {}.\n# Do not edit: export again when the policy changes.\n#\n",
        env!("CARGO_PKG_VERSION"),
        args.target.name(),
        args.config.display()
    );
    out.push_str(&format!("# Include this file in {}.\n", fragment.place));
    for other in all.iter().filter(|f| f.place != fragment.place) {
        let name = other.path.as_ref().map_or_else(
            || "the other fragment".to_owned(),
            |p| p.display().to_string(),
        );
        out.push_str(&format!("# Include {name} in {}.\n", other.place));
    }
    out.push_str(fragment.notes);
    if !lossy.is_empty() {
        out.push_str("#\n# What this configuration does differently from corsair serve:\n");
        for finding in lossy {
            let mut text = String::new();
            finding.write_human(&mut text, Style::PLAIN);
            for line in text.lines() {
                out.push_str(&format!("#   {line}\n"));
            }
        }
    }
    if !warnings.is_empty() {
        out.push_str("#\n# Warnings of the policy (corsair lint):\n");
        for finding in warnings {
            out.push_str(&format!(
                "#   {}[{}] {}\n",
                finding.severity, finding.code, finding.field
            ));
        }
    }
    out.push('\n');
    out
}
