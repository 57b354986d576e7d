use std::process::ExitCode;

use crate::InitArgs;
use crate::error::{CliError, Result};

const NOTES_TEMPLATE: &str = "# Incident notes\n\n\
Write times as you see them (10:02, ~10:15, 2:54pm). Say the zone once, e.g. \"all times PT\",\n\
or set `timezone` in incident.toml.\n\n\
## What happened\n\n\
- 10:02 first alert ...\n\n\
## Questions / todo\n\n\
- \n";

/// `debrief init DIR`.
#[allow(clippy::print_stderr)]
pub fn run(args: &InitArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.dir).map_err(|e| CliError::new(format!("{}: {e}", args.dir.display())))?;
    for (name, text) in [("incident.toml", debrief_ingest::INCIDENT_TOML_TEMPLATE), ("notes.md", NOTES_TEMPLATE)] {
        let path = args.dir.join(name);
        if path.exists() && !args.force {
            return Err(CliError::new(format!("{} exists", path.display()))
                .hint(Some("pass --force to overwrite it, or edit it as it is")));
        }
        std::fs::write(&path, text).map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
        eprintln!("wrote {}", path.display());
    }
    eprintln!(
        "next: copy the incident's artifacts into {} and run `debrief draft {}`",
        args.dir.display(),
        args.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
