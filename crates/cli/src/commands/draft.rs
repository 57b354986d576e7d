use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use debrief_llm::evidence::Inputs;

use crate::error::{CliError, Result};
use crate::{DraftArgs, DraftFormat};

/// `debrief draft BUNDLE`.
#[allow(clippy::print_stderr)]
pub fn run(args: &DraftArgs) -> Result<ExitCode> {
    let bundle = super::load_with(&args.bundle, debrief_ingest::LoadLimits::streaming())?;
    if let Some(e) = &bundle.config_error {
        eprintln!("warning: {e} (incident.toml ignored)");
    }
    let model = super::model::configure(&args.model)?;
    let progress = Arc::new(debrief_ingest::Progress::default());
    let options = debrief_draft::Options { display_tz: args.tz.clone(), progress: Some(Arc::clone(&progress)) };
    let bar = (!bundle.streamed.is_empty() && std::io::stderr().is_terminal()).then(|| progress_bar(&progress));
    let drafted = debrief_draft::draft(&bundle, &options);
    if let Some((stop, handle)) = bar {
        stop.store(true, Ordering::Relaxed);
        let _ = handle.join();
    }
    let mut drafted = drafted?;
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
        debrief_draft::check_citations(&mut drafted.review, &bundle, &drafted.ingested);
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

/// A bar on stderr for the bytes of streamed logs read, shown once reading has taken half a
/// second; the returned flag stops it.
fn progress_bar(progress: &Arc<debrief_ingest::Progress>) -> (Arc<AtomicBool>, std::thread::JoinHandle<()>) {
    let stop = Arc::new(AtomicBool::new(false));
    let (p, s) = (Arc::clone(progress), Arc::clone(&stop));
    let handle = std::thread::spawn(move || {
        let wait = |d: Duration| {
            let until = std::time::Instant::now() + d;
            while std::time::Instant::now() < until {
                if s.load(Ordering::Relaxed) {
                    return false;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            true
        };
        if !wait(Duration::from_millis(500)) {
            return;
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(p.total.load(Ordering::Relaxed)),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("reading logs {bar:30} {binary_bytes}/{binary_total_bytes} {eta}")
        {
            bar.set_style(style);
        }
        loop {
            let done = p.done.load(Ordering::Relaxed);
            bar.set_position(done);
            if done >= p.total.load(Ordering::Relaxed) || !wait(Duration::from_millis(100)) {
                break;
            }
        }
        bar.finish_and_clear();
    });
    (stop, handle)
}
