//! `debrief templates FILE...`: fold log lines into templates.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;
use debrief_templates::{Config, Mined, TemplateId};

use crate::error::{CliError, Result};

#[derive(Debug, clap::Args)]
pub struct TemplatesArgs {
    /// Log files (plain text; several are mined in parallel, each on its own)
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output format: templates by count (text), or each line's template (jsonl)
    #[arg(long, value_enum, default_value_t = TemplatesFormat::Text)]
    format: TemplatesFormat,
    /// Mine whole lines: keep the leading timestamp, level and component instead of peeling them off
    #[arg(long)]
    keep_header: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TemplatesFormat {
    /// Templates sorted by count, with their first and last line
    Text,
    /// One object per input line: {"line": N, "template_id": "...", "template": "..."}
    Jsonl,
}

/// `debrief templates FILE...`.
pub fn run(args: &TemplatesArgs) -> Result<ExitCode> {
    let config = Config { strip_header: !args.keep_header, ..Config::default() };
    let keep_ids = matches!(args.format, TemplatesFormat::Jsonl);
    let results = debrief_templates::mine_files(&args.files, &config, keep_ids);
    let mut mined = Vec::with_capacity(results.len());
    for (path, result) in args.files.iter().zip(results) {
        let m = result.map_err(|e| {
            CliError::new(format!("{}: {e}", path.display())).hint(Some("pass readable plain-text log files"))
        })?;
        mined.push(m);
    }
    let stdout = io::stdout().lock();
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    let several = args.files.len() > 1;
    let written = args.files.iter().zip(&mined).try_for_each(|(path, m)| {
        let name = path.display().to_string();
        match args.format {
            TemplatesFormat::Text => write_text(&mut out, &name, m, several),
            TemplatesFormat::Jsonl => write_jsonl(&mut out, &name, m, several),
        }
    });
    match written.and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(CliError::new(format!("stdout: {e}"))),
    }
}

/// Template ids numbered by first appearance in the file: `T1`, `T2`...
struct Numbering {
    number: Vec<u32>,
}

impl Numbering {
    fn new(m: &Mined) -> Self {
        let mut templates: Vec<_> = m.miner.templates().map(|t| (t.first_line, t.id.index())).collect();
        templates.sort_unstable();
        let size = templates.iter().map(|t| t.1 + 1).max().unwrap_or(0);
        let mut number = vec![0u32; size];
        for (n, (_, index)) in templates.iter().enumerate() {
            number[*index] = n as u32 + 1;
        }
        Self { number }
    }

    fn of(&self, id: TemplateId) -> u32 {
        self.number[id.index()]
    }
}

fn write_text(out: &mut impl Write, name: &str, m: &Mined, several: bool) -> io::Result<()> {
    let numbering = Numbering::new(m);
    let mut templates: Vec<_> = m.miner.templates().collect();
    templates.sort_by(|a, b| b.count.cmp(&a.count).then(a.first_line.cmp(&b.first_line)));
    if several {
        writeln!(out, "== {name}")?;
    }
    writeln!(out, "{} lines, {} templates", m.miner.lines(), templates.len())?;
    writeln!(out, "{:>6} {:>9} {:>9} {:>9}  template", "id", "count", "first", "last")?;
    for t in &templates {
        let id = format!("T{}", numbering.of(t.id));
        writeln!(out, "{id:>6} {:>9} {:>9} {:>9}  {}", t.count, t.first_line, t.last_line, t.text)?;
    }
    if several {
        writeln!(out)?;
    }
    Ok(())
}

fn write_jsonl(out: &mut impl Write, name: &str, m: &Mined, several: bool) -> io::Result<()> {
    let numbering = Numbering::new(m);
    // Each template's JSON string, escaped once.
    let mut quoted: Vec<Option<String>> = vec![None; numbering.number.len()];
    for t in m.miner.templates() {
        quoted[t.id.index()] = Some(serde_json::to_string(t.text).unwrap_or_else(|_| "\"\"".into()));
    }
    let file =
        if several { format!(",\"file\":{}", serde_json::to_string(name).unwrap_or_default()) } else { String::new() };
    for (i, id) in m.ids.iter().enumerate() {
        let template = quoted[id.index()].as_deref().unwrap_or("\"\"");
        writeln!(
            out,
            "{{\"line\":{},\"template_id\":\"T{}\",\"template\":{template}{file}}}",
            i + 1,
            numbering.of(*id)
        )?;
    }
    Ok(())
}
