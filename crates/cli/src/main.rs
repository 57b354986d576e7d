//! The `debrief` command line: flags and config in, plain values down to the library,
//! data to stdout, diagnostics to stderr.

mod commands;
mod error;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Turn an incident's raw artifacts into a cited, blameless postmortem draft
#[derive(Debug, Parser)]
#[command(name = "debrief", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a skeleton bundle: a commented incident.toml and a notes.md template
    Init(InitArgs),
    /// List each file of a bundle with its detected format, records and problems
    Sources(SourcesArgs),
    /// Draft the postmortem of a bundle (a folder, .zip or .tar.gz)
    Draft(DraftArgs),
    /// Write a redacted copy of a bundle (same files, same line numbers), or redact stdin with `-`
    Redact(RedactArgs),
    /// Check postmortems for blame, named people, vague or unowned actions, uncited timeline rows, missing sections
    Lint(LintArgs),
    /// Fold log lines into templates: counts with first and last line, or each line's template
    Templates(commands::templates::TemplatesArgs),
}

#[derive(Debug, clap::Args)]
struct InitArgs {
    /// The folder to create or fill
    dir: PathBuf,
    /// Overwrite incident.toml and notes.md if they exist
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
struct SourcesArgs {
    /// The bundle: a folder, .zip or .tar.gz
    bundle: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
}

#[derive(Debug, clap::Args)]
struct DraftArgs {
    /// The bundle: a folder, .zip or .tar.gz
    bundle: PathBuf,
    /// Write the draft here instead of stdout
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = DraftFormat::Md)]
    format: DraftFormat,
    /// Show times in this zone beside UTC (IANA name, or PT, ET, CET...); default: incident.toml's
    #[arg(long)]
    tz: Option<String>,
    /// Write the real-name → role map here (keep it private; never beside the draft)
    #[arg(long)]
    pseudonyms: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
}

/// The model that may add prose and judgment to a draft; everything it writes is checked
/// against the evidence first.
#[derive(Debug, Default, clap::Args)]
struct ModelArgs {
    /// Let a model add to the draft: openai:MODEL, azure:DEPLOYMENT, anthropic:MODEL,
    /// openai-compatible:MODEL, ollama:MODEL, local:FILE.gguf (also DEBRIEF_LLM, debrief.toml)
    #[arg(long, value_name = "SPEC")]
    llm: Option<String>,
    /// The model server's base URL (OpenAI-compatible servers, Azure endpoint)
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Print exactly what would be sent to the model, and send nothing
    #[arg(long)]
    dry_run: bool,
    /// Most prompt tokens one request may carry; larger evidence is split over time windows
    #[arg(long, value_name = "N")]
    budget_tokens: Option<u32>,
    /// Seconds one model request may take
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
    /// What becomes of a model claim that does not check out: question (default) or drop
    #[arg(long, value_name = "WHAT")]
    on_unverified: Option<String>,
    /// Draft with the engine alone, even when DEBRIEF_LLM or debrief.toml name a model
    #[arg(long, conflicts_with_all = ["llm", "dry_run"])]
    no_llm: bool,
}

#[derive(Debug, clap::Args)]
struct RedactArgs {
    /// The bundle (folder, .zip or .tar.gz), or - to redact standard input to standard output
    input: PathBuf,
    /// Write the redacted bundle and redaction-report.json into this new folder (a file named after a person is written under its role)
    #[arg(long)]
    out: Option<PathBuf>,
    /// Use this incident.toml (people, [redact] terms, patterns, allow) instead of the bundle's
    #[arg(long)]
    incident: Option<PathBuf>,
    /// Write the real-name → role map here (keep it private; never beside the output)
    #[arg(long)]
    pseudonyms: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct LintArgs {
    /// Markdown postmortems to check
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
    /// A real name that must not appear (repeatable)
    #[arg(long)]
    name: Vec<String>,
    /// Take the names of people from this incident.toml
    #[arg(long)]
    incident: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DraftFormat {
    Md,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init(args) => commands::init::run(&args),
        Command::Sources(args) => commands::sources::run(&args),
        Command::Draft(args) => commands::draft::run(&args),
        Command::Lint(args) => commands::lint::run(&args),
        Command::Redact(args) => commands::redact::run(&args),
        Command::Templates(args) => commands::templates::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            e.report();
            ExitCode::from(1)
        }
    }
}
