pub mod draft;
pub mod init;
pub mod lint;
pub mod model;
pub mod redact;
pub mod sources;
pub mod templates;

use std::io::Write;
use std::path::Path;

use crate::error::{CliError, Result};

/// Writes data to `path`, or to stdout when there is none.
pub fn emit(path: Option<&Path>, data: &str) -> Result<()> {
    match path {
        Some(p) => std::fs::write(p, data).map_err(|e| CliError::new(format!("{}: {e}", p.display()))),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(data.as_bytes()).and_then(|()| out.flush()).map_err(|e| CliError::new(format!("stdout: {e}")))
        }
    }
}

/// Loads a bundle with `limits` (large logs may be left to be read in a stream), refusing
/// one with no files to read.
pub fn load_with(path: &Path, limits: debrief_ingest::LoadLimits) -> Result<debrief_ingest::Bundle> {
    let bundle = debrief_ingest::load_with(path, limits)?;
    if bundle.files.is_empty() {
        let skipped =
            if bundle.skipped.is_empty() { String::new() } else { format!(" ({} skipped)", bundle.skipped.len()) };
        return Err(CliError::new(format!("{}: the bundle has no files debrief can read{skipped}", path.display()))
            .hint(Some("put the incident's artifacts (chat exports, pager logs, alerts, logs, notes) in it; `debrief init` writes a skeleton")));
    }
    Ok(bundle)
}

/// Prints each source's problems and each skipped file to stderr.
#[allow(clippy::print_stderr)]
pub fn warn_problems(sources: &[debrief_model::Source], skipped: &[debrief_model::SkippedFile]) {
    for s in sources {
        for p in &s.problems {
            match p.line {
                Some(l) => eprintln!("warning: {}:{l}: {}", s.path, p.message),
                None => eprintln!("warning: {}: {}", s.path, p.message),
            }
        }
    }
    for s in skipped {
        eprintln!("warning: {}: skipped: {}", s.path, s.reason);
    }
}
