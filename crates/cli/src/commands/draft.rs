use std::process::ExitCode;

use debrief_llm::evidence::Inputs;

use crate::error::{CliError, Result};
use crate::{DraftArgs, DraftFormat};

/// `debrief draft BUNDLE`.
#[allow(clippy::print_stderr)]
pub fn run(args: &DraftArgs) -> Result<ExitCode> {
    let bundle = super::load(&args.bundle)?;
    if let Some(e) = &bundle.config_error {
        eprintln!("warning: {e} (incident.toml ignored)");
    }
    let model = super::model::configure(&args.model)?;
    let options = debrief_draft::Options { display_tz: args.tz.clone() };
    let mut drafted = debrief_draft::draft(&bundle, &options)?;
    super::warn_problems(&drafted.ingested.sources, &drafted.ingested.skipped);
    if let Some(model) = &model {
        let real_names: Vec<String> = drafted.pseudonyms.iter().map(|(name, _)| name.clone()).collect();
        let inputs = Inputs {
            review: &drafted.review,
            records: &drafted.ingested.records,
            sources: &drafted.ingested.sources,
            events: &drafted.events,
            real_names: &real_names,
        };
        if args.model.dry_run {
            let shown = model.dry_run(&inputs)?;
            super::emit(args.output.as_deref(), &shown)?;
            return Ok(ExitCode::SUCCESS);
        }
        let assisted = model.ask(&inputs);
        debrief_llm::assist::merge(&mut drafted.review, assisted);
        debrief_draft::check_citations(&mut drafted.review, &bundle);
    }
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
