//! `--llm`: the model's turn after the engine's draft, or what it would be sent.

use std::fmt::Write as _;
use std::path::Path;

use debrief_llm::Provider;
use debrief_llm::assist::{self, Step};
use debrief_llm::evidence::Inputs;
use debrief_llm::prompt::{Budget, requests_for};
use debrief_llm::provider::{self, Cancel, ConfigFiles, HttpOptions, OnUnverified, Settings, Spec};
use debrief_model::Assist;

use crate::ModelArgs;
use crate::error::{CliError, Result};

/// The model to ask, resolved from the flags, `DEBRIEF_*` and `debrief.toml`.
pub struct Model {
    spec: Spec,
    settings: Settings,
    /// Built unless this is a dry run, so a missing key stops the command before drafting.
    provider: Option<Box<dyn Provider>>,
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

impl From<debrief_llm::LlmError> for CliError {
    fn from(e: debrief_llm::LlmError) -> Self {
        let hint = match &e {
            debrief_llm::LlmError::Config(_) => Some("see `debrief draft --help`; --no-llm drafts without a model"),
            _ => None,
        };
        CliError::new(e).hint(hint)
    }
}

/// The configured model, or `None` when the draft is the engine's alone.
pub fn configure(args: &ModelArgs) -> Result<Option<Model>> {
    if args.no_llm {
        return Ok(None);
    }
    let on_unverified = args.on_unverified.as_deref().map(str::parse::<OnUnverified>).transpose()?;
    let cli = Settings {
        llm: args.llm.clone(),
        base_url: args.base_url.clone(),
        timeout_secs: args.timeout,
        budget_tokens: args.budget_tokens,
        on_unverified,
        ..Settings::default()
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| Path::new(".").to_path_buf());
    let settings = Settings::resolve(cli, &env, &ConfigFiles::standard(&cwd, &env))?;
    let Some(llm) = settings.llm.clone() else {
        if args.dry_run {
            return Err(CliError::new("--dry-run shows what a model would be sent, and no model is named")
                .hint(Some("add --llm, e.g. --llm ollama:qwen2.5")));
        }
        return Ok(None);
    };
    let spec = Spec::parse(&llm)?;
    let provider = if args.dry_run {
        None
    } else {
        let cancel = Cancel::new();
        let on_interrupt = cancel.clone();
        // Ctrl-C while the model works: stop waiting and write the engine's draft. A second
        // Ctrl-C ends the command at once.
        let interrupted = std::sync::atomic::AtomicBool::new(false);
        let _ = ctrlc::set_handler(move || {
            if interrupted.swap(true, std::sync::atomic::Ordering::SeqCst) {
                std::process::exit(130);
            }
            on_interrupt.cancel();
        });
        let options = HttpOptions::from_settings(&settings).with_cancel(cancel);
        Some(provider::build(&spec, &settings, &env, &options)?)
    };
    Ok(Some(Model { spec, settings, provider }))
}

fn assist_settings(settings: &Settings) -> assist::Settings {
    assist::Settings {
        budget: Budget {
            budget_tokens: settings.budget_tokens() as usize,
            max_answer_tokens: settings.max_tokens(),
            temperature: settings.temperature(),
            ..Budget::default()
        },
        on_unverified: settings.on_unverified(),
        deadline: None,
    }
}

impl Model {
    /// Every request the model would be sent for `inputs`, as it would go on the wire
    /// (key masked), for `--dry-run`.
    pub fn dry_run(&self, inputs: &Inputs<'_>) -> Result<String> {
        let settings = assist_settings(&self.settings);
        let requests = requests_for(inputs, &settings.budget);
        let mut out = String::new();
        let total = requests.len();
        for (i, request) in requests.iter().enumerate() {
            let shown = provider::describe(&self.spec, &self.settings, &env, request)?;
            let _ = writeln!(out, "# request {} of {total}\n{shown}", i + 1);
        }
        if total > 1 {
            out.push_str("# then one more request merges the verified claims of the requests above\n");
        }
        Ok(out)
    }

    /// The model's part of the review of `inputs`; progress goes to stderr. A model that
    /// cannot be reached or answers garbage gives a failed part with a note saying so.
    #[allow(clippy::print_stderr)]
    pub fn ask(&self, inputs: &Inputs<'_>) -> assist::Assisted {
        let Some(provider) = &self.provider else {
            return failed(&self.label(), "no model was built");
        };
        let mut progress = |step: &Step| eprintln!("{step}");
        let assisted = assist::assist(provider.as_ref(), inputs, &assist_settings(&self.settings), &mut progress);
        if assisted.assist.status != "ok" {
            for n in &assisted.assist.notes {
                eprintln!("warning: {n}");
            }
        }
        assisted
    }

    fn label(&self) -> String {
        format!("{}:{}", self.spec.kind(), self.spec.name())
    }
}

fn failed(model: &str, why: &str) -> assist::Assisted {
    assist::Assisted {
        assist: Assist {
            model: model.to_string(),
            status: "failed".into(),
            notes: vec![format!("{why}; this draft is the engine's alone")],
            ..Assist::default()
        },
        findings: Vec::new(),
        actions: Vec::new(),
        questions: Vec::new(),
    }
}
