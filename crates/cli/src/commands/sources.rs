use std::fmt::Write as _;
use std::process::ExitCode;

use serde_json::json;

use crate::error::Result;
use crate::{ListFormat, SourcesArgs};

/// `debrief sources BUNDLE`.
pub fn run(args: &SourcesArgs) -> Result<ExitCode> {
    let bundle = super::load_with(&args.bundle, debrief_ingest::LoadLimits::streaming())?;
    let ingested = debrief_ingest::ingest(&bundle);
    let out = match args.format {
        ListFormat::Json => {
            let v = json!({ "sources": ingested.sources, "skipped": ingested.skipped, "zone": ingested.zone });
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
        ListFormat::Text => {
            let width = ingested.sources.iter().map(|s| s.path.len()).max().unwrap_or(4).max(4);
            let mut s = format!("{:width$}  {:22}  {:>7}  {:>7}  problems\n", "path", "format", "lines", "records");
            for src in &ingested.sources {
                let _ = writeln!(
                    s,
                    "{:width$}  {:22}  {:>7}  {:>7}  {}",
                    src.path,
                    src.format,
                    src.lines,
                    src.records,
                    src.problems.len()
                );
                for p in &src.problems {
                    let _ = writeln!(s, "{:width$}    {}{p}", "", if p.can_continue { "" } else { "(stopped) " });
                }
            }
            for sk in &ingested.skipped {
                let _ = writeln!(s, "{:width$}  skipped: {}", sk.path, sk.reason);
            }
            s
        }
    };
    super::emit(None, &out)?;
    Ok(ExitCode::SUCCESS)
}
