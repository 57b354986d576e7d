use std::process::ExitCode;

use crate::error::{CliError, Result};
use crate::{DraftArgs, DraftFormat};

/// `debrief draft BUNDLE`.
#[allow(clippy::print_stderr)]
pub fn run(args: &DraftArgs) -> Result<ExitCode> {
    let bundle = super::load(&args.bundle)?;
    if let Some(e) = &bundle.config_error {
        eprintln!("warning: {e} (incident.toml ignored)");
    }
    let options = debrief_draft::Options { display_tz: args.tz.clone() };
    let drafted = debrief_draft::draft(&bundle, &options)?;
    super::warn_problems(&drafted.ingested.sources, &drafted.ingested.skipped);
    for d in &drafted.review.verification.dropped {
        eprintln!("warning: dropped {d}: its evidence did not check out");
    }
    let text = match args.format {
        DraftFormat::Md => debrief_render::markdown(&drafted.review),
        DraftFormat::Json => debrief_render::json(&drafted.review),
    };
    if let Some(path) = &args.pseudonyms {
        let map: serde_json::Map<String, serde_json::Value> =
            drafted.pseudonyms.iter().map(|(name, role)| (name.clone(), role.clone().into())).collect();
        let data = serde_json::to_string_pretty(&map).unwrap_or_default() + "\n";
        std::fs::write(path, data).map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
    }
    super::emit(args.output.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}
