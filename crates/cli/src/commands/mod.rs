pub mod draft;
pub mod init;
pub mod sources;

use std::io::Write;
use std::path::Path;

use crate::error::{CliError, Result};

/// Writes data to `path`, or to stdout when there is none.
pub fn emit(path: Option<&Path>, data: &str) -> Result<()> {
    match path {
        Some(p) => {
            std::fs::write(p, data).map_err(|e| CliError::new(format!("{}: {e}", p.display())))
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(data.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| CliError::new(format!("stdout: {e}")))
        }
    }
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
