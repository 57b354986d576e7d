use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::process::ExitCode;

use serde_json::json;

use crate::RedactArgs;
use crate::error::{CliError, Result};

/// `debrief redact BUNDLE --out DIR` or `debrief redact -`.
#[allow(clippy::print_stderr)]
pub fn run(args: &RedactArgs) -> Result<ExitCode> {
    let config = match &args.incident {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
            debrief_ingest::IncidentConfig::parse(&path.display().to_string(), &text).map_err(CliError::new)?
        }
        None => debrief_ingest::IncidentConfig::default(),
    };
    if args.input.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| CliError::new(format!("stdin: {e}")))?;
        let redactor = debrief_redact::Redactor::new(&config, &[]).map_err(redact_error)?;
        let out = redactor.redact(&text);
        super::emit(None, &out.text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(out_dir) = &args.out else {
        return Err(CliError::new("redacting a bundle needs --out DIR")
            .hint(Some("debrief redact BUNDLE --out BUNDLE-redacted; or pipe text through `debrief redact -`")));
    };
    if out_dir.exists() && std::fs::read_dir(out_dir).map_or(true, |mut d| d.next().is_some()) {
        return Err(CliError::new(format!("{}: exists and is not empty", out_dir.display()))
            .hint(Some("choose a new folder for the redacted bundle")));
    }
    let mut bundle = super::load(&args.input)?;
    if args.incident.is_some() {
        bundle.config = config;
    }
    let ingested = debrief_ingest::ingest(&bundle);
    let redactor = debrief_redact::Redactor::for_ingested(&bundle.config, &ingested).map_err(redact_error)?;
    // A file named after a person is written under the name the review shows it by.
    let mut paths: Vec<&str> =
        bundle.files.iter().map(|f| f.path.as_str()).chain(ingested.skipped.iter().map(|s| s.path.as_str())).collect();
    paths.sort_unstable();
    paths.dedup();
    let labels: HashMap<&str, String> =
        paths.iter().copied().zip(redactor.path_labels(paths.iter().copied())).collect();
    let label = |path: &str| labels.get(path).cloned().unwrap_or_else(|| path.to_string());
    let mut per_file: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut totals: BTreeMap<String, usize> = BTreeMap::new();
    for file in &bundle.files {
        let out = redactor.redact(&file.text);
        let dest = out_dir.join(safe_join(&label(&file.path)));
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| CliError::new(format!("{}: {e}", parent.display())))?;
        }
        std::fs::write(&dest, out.text.as_bytes()).map_err(|e| CliError::new(format!("{}: {e}", dest.display())))?;
        for (rule, n) in out.hits {
            *totals.entry(rule.clone()).or_default() += n;
            *per_file.entry(label(&file.path)).or_default().entry(rule).or_default() += n;
        }
    }
    let skipped: Vec<serde_json::Value> =
        ingested.skipped.iter().map(|s| json!({ "path": label(&s.path), "reason": s.reason })).collect();
    let report = json!({
        "totals": totals,
        "files": per_file,
        "skipped": skipped,
        "note": "counts per rule only; no redacted value is recorded here",
    });
    let report_path = out_dir.join("redaction-report.json");
    std::fs::write(&report_path, serde_json::to_string_pretty(&report).unwrap_or_default() + "\n")
        .map_err(|e| CliError::new(format!("{}: {e}", report_path.display())))?;
    if let Some(path) = &args.pseudonyms {
        let map: serde_json::Map<String, serde_json::Value> =
            redactor.pseudonyms().into_iter().map(|(name, role)| (name, role.into())).collect();
        std::fs::write(path, serde_json::to_string_pretty(&map).unwrap_or_default() + "\n")
            .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
    }
    super::warn_problems(&[], &ingested.skipped);
    let n: usize = totals.values().sum();
    eprintln!(
        "wrote {} ({} files, {n} substitutions; report: {})",
        out_dir.display(),
        bundle.files.len(),
        report_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn redact_error(e: debrief_redact::RedactError) -> CliError {
    let hint = e.hint();
    CliError::new(e).hint(Some(hint))
}

/// A bundle-relative path as a relative filesystem path (loading already refused `..`).
fn safe_join(rel: &str) -> std::path::PathBuf {
    rel.split('/').filter(|p| !p.is_empty() && *p != "." && *p != "..").collect::<std::path::PathBuf>()
}
