//! Checks `presets`: each name must be a [`Preset`]'s, each once.

use crate::Preset;
use crate::error::{Code, Diagnostics};

/// Reports each name of `presets` that is no preset, and each repeated one.
pub(super) fn check_presets(
    presets: Option<&[String]>,
    field: &str,
    diagnostics: &mut Diagnostics,
) {
    let presets = presets.unwrap_or_default();
    let known = Preset::ALL.map(Preset::name);
    for (i, name) in presets.iter().enumerate() {
        let entry = format!("{field}[{i}]");
        if Preset::from_name(name).is_none() {
            diagnostics.report_with_help(
                Code::UnknownPreset,
                &entry,
                format!("`{name}` is no preset"),
                help(name, &known),
            );
        } else if presets[..i].contains(name) {
            diagnostics.report(
                Code::DuplicateEntry,
                &entry,
                format!("preset `{name}` is listed twice"),
            );
        }
    }
}

/// "did you mean" when the name is a typo of a preset's (at most two edits: the names
/// are short, and a looser match would suggest `mcp` for any four letters); the list of
/// presets otherwise.
fn help(name: &str, known: &[&str]) -> String {
    #[cfg(feature = "toml")]
    {
        let lowercase = name.to_ascii_lowercase();
        let nearest = known
            .iter()
            .map(|k| (strsim::levenshtein(&lowercase, k), k))
            .min_by_key(|(distance, _)| *distance);
        if let Some((distance, suggestion)) = nearest {
            if distance <= 2 {
                return format!("did you mean `{suggestion}`?");
            }
        }
    }
    let _ = name;
    format!("the presets are {}", known.join(", "))
}
