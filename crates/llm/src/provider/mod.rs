//! The [`Provider`] implementations and how the CLI picks one.
//!
//! - [`Spec`]: the `--llm` value (`openai:gpt-4o-mini`, `azure:DEPLOYMENT`,
//!   `anthropic:claude-sonnet-4-5`, `openai-compatible:MODEL`, `ollama:MODEL`, `local:PATH`).
//! - [`Settings`]: base URL, timeout, retries, token limits…, resolved from flags,
//!   `DEBRIEF_*` variables and `debrief.toml` ([`Settings::resolve`]).
//! - [`build`]: the provider for a spec; [`describe`]: what it would send, for `--dry-run`.
//! - [`OpenAiCompatible`] (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp server, LM Studio)
//!   and [`Anthropic`]: blocking HTTP with per-request timeouts, retries with backoff on
//!   429, 5xx and failed connections, `Retry-After`, and a [`Cancel`] flag ([`HttpOptions`]).
//! - `LocalGguf` (the `local` feature): a GGUF file run in-process by llama.cpp, with the
//!   file's chat template and grammar-constrained JSON. Without the feature, `local:` specs
//!   are refused with a message saying to rebuild with `--features local`.
//!
//! Nothing here reads the process environment or prints: the CLI passes a lookup
//! function for variables (`&|k| std::env::var(k).ok()`) and the paths of config files.
//! API keys are held as [`Secret`]s, never shown by `Debug` or `Display`, masked in every
//! error and dry run; a server's answer quoted in an error is cut to ~300 characters.
//! The HTTP client is blocking: call it from a thread, not from inside an async runtime.
//!
//! ```no_run
//! use debrief_llm::provider::{self, Cancel, ConfigFiles, HttpOptions, Settings, Spec};
//! use debrief_llm::{ChatRequest, Message};
//!
//! let env = |k: &str| std::env::var(k).ok();
//! let cli = Settings { llm: Some("ollama:qwen2.5".into()), ..Settings::default() };
//! let settings = Settings::resolve(cli, &env, &ConfigFiles::standard(".".as_ref(), &env))?;
//! let spec: Spec = settings.llm.as_deref().unwrap_or_default().parse()?;
//! let cancel = Cancel::new(); // raise it from a Ctrl-C handler
//! let options = HttpOptions::from_settings(&settings).with_cancel(cancel.clone());
//! let model = provider::build(&spec, &settings, &env, &options)?;
//! let answer = model.complete(&ChatRequest {
//!     messages: vec![Message::system("Answer in JSON."), Message::user("{}")],
//!     json_schema: None,
//!     max_tokens: settings.max_tokens(),
//!     temperature: settings.temperature(),
//! })?;
//! # Ok::<(), debrief_llm::LlmError>(())
//! ```
//!
//! Variables read through the lookup function: `OPENAI_API_KEY`, `OPENAI_BASE_URL`,
//! `AZURE_OPENAI_API_KEY`, `AZURE_OPENAI_ENDPOINT`, `AZURE_OPENAI_API_VERSION`,
//! `ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`, `DEBRIEF_API_KEY` (OpenAI-compatible servers
//! and Ollama), `OLLAMA_HOST`; and by [`Settings::from_env`] the `DEBRIEF_*` settings.

mod anthropic;
mod http;
#[cfg(feature = "local")]
mod local;
mod openai;
mod settings;
mod spec;

use std::fmt;

pub use anthropic::{ANTHROPIC_VERSION, Anthropic};
pub use debrief_redact::Secret;
pub use http::{Cancel, HttpOptions};
#[cfg(feature = "local")]
pub use local::LocalGguf;
pub use openai::OpenAiCompatible;
pub use settings::{
    ConfigFiles, DEFAULT_BUDGET_TOKENS, DEFAULT_MAX_TOKENS, DEFAULT_RETRIES, DEFAULT_TEMPERATURE, DEFAULT_TIMEOUT_SECS,
    OnUnverified, Settings, user_config_dir,
};
pub use spec::Spec;

use crate::{ChatRequest, LlmError, Provider};

/// OpenAI's API, unless `--base-url`, `DEBRIEF_BASE_URL` or `OPENAI_BASE_URL` say otherwise.
pub const DEFAULT_OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
/// Anthropic's API, unless `--base-url`, `DEBRIEF_BASE_URL` or `ANTHROPIC_BASE_URL` say otherwise.
pub const DEFAULT_ANTHROPIC_BASE_URL: &str = "https://api.anthropic.com";
/// Ollama's OpenAI-compatible endpoint on this machine.
pub const DEFAULT_OLLAMA_BASE_URL: &str = "http://127.0.0.1:11434/v1";
/// The Azure OpenAI `api-version` (GA, with JSON-schema structured output).
pub const DEFAULT_AZURE_API_VERSION: &str = "2024-10-21";

/// A variable lookup: the CLI passes `&|k| std::env::var(k).ok()`, tests a map.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// What a provider would send, with the key masked: for `--dry-run`.
///
/// `Display` prints the request line, the headers and the body, pretty-printed;
/// [`DryRun::body_bytes`] is the body exactly as it would go on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct DryRun {
    /// `provider:model`.
    pub label: String,
    /// Where the request goes (no credentials in it).
    pub url: String,
    /// Headers, lowercase names; a key shows as `‹secret›`.
    pub headers: Vec<(String, String)>,
    /// The JSON body of the first attempt.
    pub body: serde_json::Value,
}

impl DryRun {
    /// The body as sent.
    pub fn body_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.body).unwrap_or_default()
    }
}

impl fmt::Display for DryRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "# {}", self.label)?;
        if self.url.starts_with("file://") {
            writeln!(f, "model file {}", self.url.trim_start_matches("file://"))?;
        } else {
            writeln!(f, "POST {}", self.url)?;
        }
        for (name, value) in &self.headers {
            writeln!(f, "{name}: {value}")?;
        }
        writeln!(f)?;
        let pretty = serde_json::to_string_pretty(&self.body).map_err(|_| fmt::Error)?;
        writeln!(f, "{pretty}")
    }
}

/// The provider `spec` names, configured by `settings` (base URL, Azure API version) and
/// `options` (timeout, retries, cancellation), with its key from `env`.
///
/// Errors ([`LlmError::Config`]) say what to set: a missing key names its variable, a
/// missing base URL names `--base-url` and `DEBRIEF_BASE_URL`, and `local:` without the
/// `local` feature says to rebuild with `--features local`. Where the base URL comes
/// from, first found: `settings.base_url` (flag, `DEBRIEF_BASE_URL`, `debrief.toml`), the
/// provider's own variable (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`,
/// `AZURE_OPENAI_ENDPOINT`, `OLLAMA_HOST`), the provider's default.
pub fn build(
    spec: &Spec,
    settings: &Settings,
    env: Env<'_>,
    options: &HttpOptions,
) -> Result<Box<dyn Provider>, LlmError> {
    Ok(match make(spec, settings, env, options, true)? {
        Made::OpenAi(p) => Box::new(p),
        Made::Anthropic(p) => Box::new(p),
        #[cfg(feature = "local")]
        Made::Local(p) => Box::new(p),
    })
}

/// What [`build`]'s provider would send for `request`, without sending anything or
/// requiring the key (a missing one shows as unset).
pub fn describe(spec: &Spec, settings: &Settings, env: Env<'_>, request: &ChatRequest) -> Result<DryRun, LlmError> {
    Ok(match make(spec, settings, env, &HttpOptions::from_settings(settings), false)? {
        Made::OpenAi(p) => p.dry_run(request),
        Made::Anthropic(p) => p.dry_run(request),
        #[cfg(feature = "local")]
        Made::Local(p) => p.dry_run(request)?,
    })
}

enum Made {
    OpenAi(OpenAiCompatible),
    Anthropic(Anthropic),
    #[cfg(feature = "local")]
    Local(LocalGguf),
}

fn make(
    spec: &Spec,
    settings: &Settings,
    env: Env<'_>,
    options: &HttpOptions,
    need_key: bool,
) -> Result<Made, LlmError> {
    let var = |k: &str| env(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let key = |spec: &Spec| -> Result<Option<Secret>, LlmError> {
        let Some(name) = spec.key_variable() else { return Ok(None) };
        match var(name) {
            Some(k) => Ok(Some(Secret::new(k))),
            None if need_key && spec.key_required() => Err(LlmError::Config(format!(
                "{spec} needs an API key: set {name} in the environment \
                 (keys are never read from debrief.toml)"
            ))),
            None => Ok(None),
        }
    };
    let base = |own: &str| settings.base_url.clone().or_else(|| var(own));
    let options = options.clone();
    Ok(match spec {
        Spec::OpenAi { model } => {
            let base = base("OPENAI_BASE_URL").unwrap_or_else(|| DEFAULT_OPENAI_BASE_URL.into());
            Made::OpenAi(OpenAiCompatible::openai(&base, model, key(spec)?, options)?)
        }
        Spec::Azure { deployment } => {
            let endpoint = base("AZURE_OPENAI_ENDPOINT").ok_or_else(|| {
                LlmError::Config(format!(
                    "{spec} needs the resource endpoint: set AZURE_OPENAI_ENDPOINT \
                     (https://NAME.openai.azure.com) or pass --base-url"
                ))
            })?;
            let version = settings
                .api_version
                .clone()
                .or_else(|| var("AZURE_OPENAI_API_VERSION"))
                .unwrap_or_else(|| DEFAULT_AZURE_API_VERSION.into());
            let p = OpenAiCompatible::azure(&endpoint, deployment, &version, key(spec)?, options)?;
            Made::OpenAi(p)
        }
        Spec::Anthropic { model } => {
            let base = base("ANTHROPIC_BASE_URL").unwrap_or_else(|| DEFAULT_ANTHROPIC_BASE_URL.into());
            Made::Anthropic(Anthropic::new(&base, model, key(spec)?, options)?)
        }
        Spec::OpenAiCompatible { model } => {
            let base = settings.base_url.clone().ok_or_else(|| {
                LlmError::Config(format!(
                    "{spec} needs the server's base URL: pass --base-url \
                     http://HOST:PORT/v1 or set DEBRIEF_BASE_URL"
                ))
            })?;
            let p = OpenAiCompatible::new(&base, model, key(spec)?, options)?;
            Made::OpenAi(p.with_label(spec.to_string()))
        }
        Spec::Ollama { model } => {
            let base = settings
                .base_url
                .clone()
                .or_else(|| var("OLLAMA_HOST").map(|h| ollama_base(&h)))
                .unwrap_or_else(|| DEFAULT_OLLAMA_BASE_URL.into());
            let p = OpenAiCompatible::new(&base, model, key(spec)?, options)?;
            Made::OpenAi(p.with_label(spec.to_string()))
        }
        #[cfg(feature = "local")]
        Spec::Local { path } => Made::Local(LocalGguf::load(path, &options)?),
        #[cfg(not(feature = "local"))]
        Spec::Local { .. } => {
            return Err(LlmError::Config(format!(
                "{spec}: this debrief was built without in-process models; rebuild it with \
                 `--features local` (cargo install debrief --features local), or serve the \
                 model with llama.cpp server or Ollama and use openai-compatible: or ollama:"
            )));
        }
    })
}

/// `OLLAMA_HOST` (`0.0.0.0:11434`, `http://gpu:11434`) as a base URL ending in `/v1`.
fn ollama_base(host: &str) -> String {
    let host = host.trim().trim_end_matches('/');
    let host = host.replace("0.0.0.0", "127.0.0.1");
    let with_scheme = if host.contains("://") { host } else { format!("http://{host}") };
    if with_scheme.ends_with("/v1") { with_scheme } else { format!("{with_scheme}/v1") }
}

/// A base URL, checked: http or https, with a host.
fn parse_base(text: &str) -> Result<reqwest::Url, LlmError> {
    let text = text.trim();
    let url = reqwest::Url::parse(text).map_err(|e| {
        LlmError::Config(format!(
            "base URL `{}`: {e} (expected something like http://127.0.0.1:11434/v1)",
            http::display_url(text)
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(LlmError::Config(format!(
            "base URL `{}`: expected an http:// or https:// URL with a host",
            http::display_url(text)
        )));
    }
    Ok(url)
}

/// `base` with `path` appended to its path (one `/` between), its query dropped.
fn join_url(base: &reqwest::Url, path: &str) -> reqwest::Url {
    let mut url = base.clone();
    let joined = format!("{}/{}", base.path().trim_end_matches('/'), path.trim_start_matches('/'));
    url.set_path(&joined);
    url.set_query(None);
    url.set_fragment(None);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_with_one_slash() {
        let base = parse_base("http://127.0.0.1:11434/v1/").unwrap();
        assert_eq!(join_url(&base, "chat/completions").as_str(), "http://127.0.0.1:11434/v1/chat/completions");
        let base = parse_base("https://api.anthropic.com").unwrap();
        assert_eq!(join_url(&base, "v1/messages").as_str(), "https://api.anthropic.com/v1/messages");
    }

    #[test]
    fn base_urls_are_checked() {
        let e = parse_base("127.0.0.1:11434").unwrap_err().to_string();
        assert!(e.contains("http://"), "{e}");
        let e = parse_base("ftp://host/v1").unwrap_err().to_string();
        assert!(e.contains("http:// or https://"), "{e}");
    }

    #[test]
    fn ollama_host_becomes_a_base_url() {
        assert_eq!(ollama_base("0.0.0.0:11434"), "http://127.0.0.1:11434/v1");
        assert_eq!(ollama_base("http://gpu:11434/"), "http://gpu:11434/v1");
        assert_eq!(ollama_base("https://gpu/v1"), "https://gpu/v1");
    }
}
