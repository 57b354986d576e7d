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
    let mut bundle = super::load_with(&args.input, debrief_ingest::LoadLimits::streaming())?;
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
        let shown = label(&file.path);
        let dest = out_dir.join(safe_join(&shown));
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| CliError::new(format!("{}: {e}", parent.display())))?;
        }
        let hits = match bundle.streamed.get(&file.path) {
            Some(source) => redact_stream(&redactor, source, &dest)?,
            None => {
                let out = redactor.redact(&file.text);
                std::fs::write(&dest, out.text.as_bytes())
                    .map_err(|e| CliError::new(format!("{}: {e}", dest.display())))?;
                out.hits.into_iter().collect()
            }
        };
        for (rule, n) in &hits {
            *totals.entry(rule.clone()).or_default() += n;
        }
        if !hits.is_empty() {
            per_file.entry(shown).or_default().extend(hits);
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

/// Blocks of a large file redacted at a time (each redacted in parallel chunks).
const BLOCK: usize = 8 << 20;
/// A PEM block is a few kilobytes: a `-----BEGIN` left open for longer is not one.
const PEM_MAX: usize = 1 << 20;

/// Redacts a file too large to hold (a `.gz` one too, written back compressed) from
/// `source` to `dest`, a block of whole lines at a time; a block never ends inside a PEM
/// block, so a private key is always seen whole. Returns the substitutions per rule.
fn redact_stream(
    redactor: &debrief_redact::Redactor,
    source: &std::path::Path,
    dest: &std::path::Path,
) -> Result<BTreeMap<String, usize>> {
    let read_err = |e: std::io::Error| CliError::new(format!("{}: {e}", source.display()));
    let write_err = |e: std::io::Error| CliError::new(format!("{}: {e}", dest.display()));
    let mut input = debrief_ingest::open_streamed(source).map_err(read_err)?;
    let file = std::io::BufWriter::new(std::fs::File::create(dest).map_err(write_err)?);
    let mut output: Box<dyn std::io::Write> = if debrief_ingest::is_gzip(source) {
        Box::new(flate2::write::GzEncoder::new(file, flate2::Compression::default()))
    } else {
        Box::new(file)
    };
    let mut hits = BTreeMap::new();
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK * 2);
    let mut eof = false;
    while !eof {
        let before = buf.len();
        (&mut input).take((BLOCK * 2 - before.min(BLOCK)) as u64).read_to_end(&mut buf).map_err(read_err)?;
        eof = buf.len() == before;
        let cut = if eof { buf.len() } else { block_end(&buf) };
        if cut == 0 && !eof {
            continue;
        }
        let text = String::from_utf8_lossy(&buf[..cut]);
        let out = redactor.redact(&text);
        output.write_all(out.text.as_bytes()).map_err(write_err)?;
        for (rule, n) in out.hits {
            *hits.entry(rule).or_default() += n;
        }
        buf.drain(..cut);
    }
    output.flush().map_err(write_err)?;
    drop(output);
    Ok(hits)
}

/// Where a block of `buf` to redact ends: after its last whole line, or before an unclosed
/// PEM block (`-----BEGIN` without its `-----END` yet, in the last [`PEM_MAX`] bytes); 0 when
/// neither leaves a line.
fn block_end(buf: &[u8]) -> usize {
    let end = memchr::memrchr(b'\n', buf).map_or(0, |i| i + 1);
    let whole = &buf[..end];
    match memchr::memmem::rfind(whole, b"-----BEGIN") {
        Some(begin) if end - begin <= PEM_MAX && memchr::memmem::find(&whole[begin..], b"-----END").is_none() => {
            memchr::memrchr(b'\n', &whole[..begin]).map_or(0, |i| i + 1)
        }
        _ => end,
    }
}

fn redact_error(e: debrief_redact::RedactError) -> CliError {
    let hint = e.hint();
    CliError::new(e).hint(Some(hint))
}

/// A bundle-relative path as a relative filesystem path (loading already refused `..`).
fn safe_join(rel: &str) -> std::path::PathBuf {
    rel.split('/').filter(|p| !p.is_empty() && *p != "." && *p != "..").collect::<std::path::PathBuf>()
}
