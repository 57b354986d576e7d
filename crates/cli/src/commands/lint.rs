use std::fmt::Write as _;
use std::process::ExitCode;

use debrief_verify::lint::{LintOptions, lint};
use serde_json::json;

use crate::error::{CliError, Result};
use crate::{LintArgs, ListFormat};

/// `debrief lint FILE...`: exit 0 when clean, 3 when there are findings.
pub fn run(args: &LintArgs) -> Result<ExitCode> {
    let mut names = args.name.clone();
    if let Some(path) = &args.incident {
        let text = std::fs::read_to_string(path).map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
        let config =
            debrief_ingest::IncidentConfig::parse(&path.display().to_string(), &text).map_err(CliError::new)?;
        for full in config.people.keys() {
            names.push(full.clone());
            names.extend(full.split_whitespace().filter(|p| p.len() >= 3).map(str::to_string));
        }
    }
    let options = LintOptions { names };
    let mut total = 0;
    let mut report = Vec::new();
    let mut text_out = String::new();
    for path in &args.files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::new(format!("{}: {e}", path.display())).hint(Some("pass a Markdown postmortem")))?;
        let findings = lint(&text, &options);
        total += findings.len();
        for f in &findings {
            if f.line > 0 {
                let _ = writeln!(text_out, "{}:{}: {}: {}", path.display(), f.line, f.rule, f.message);
            } else {
                let _ = writeln!(text_out, "{}: {}: {}", path.display(), f.rule, f.message);
            }
        }
        report.push(json!({ "path": path.display().to_string(), "findings": findings }));
    }
    let out = match args.format {
        ListFormat::Json => {
            serde_json::to_string_pretty(&json!({ "files": report, "findings": total })).unwrap_or_default() + "\n"
        }
        ListFormat::Text => {
            let _ = writeln!(text_out, "{total} finding(s) in {} file(s)", args.files.len());
            text_out
        }
    };
    super::emit(None, &out)?;
    Ok(if total == 0 { ExitCode::SUCCESS } else { ExitCode::from(3) })
}
