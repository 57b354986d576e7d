//! [`Spec`]: which model to ask, as written after `--llm`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::LlmError;

/// A model, as written after `--llm` (or `llm =` in `debrief.toml`, or `DEBRIEF_LLM`):
/// `kind:name`.
///
/// | written | meaning |
/// |---|---|
/// | `openai:MODEL` | OpenAI chat completions; key `OPENAI_API_KEY`, base `OPENAI_BASE_URL` |
/// | `azure:DEPLOYMENT` | Azure OpenAI; key `AZURE_OPENAI_API_KEY`, endpoint `AZURE_OPENAI_ENDPOINT` |
/// | `anthropic:MODEL` | Anthropic Messages; key `ANTHROPIC_API_KEY` |
/// | `openai-compatible:MODEL` | any chat-completions server (vLLM, llama.cpp server, LM Studio…); needs a base URL; key `DEBRIEF_API_KEY`, optional |
/// | `ollama:MODEL` | the same, with base `http://127.0.0.1:11434/v1` unless one is given |
/// | `local:PATH` | a GGUF file run in-process (builds with the `local` feature only) |
///
/// ```
/// use debrief_llm::provider::Spec;
/// let spec: Spec = "anthropic:claude-sonnet-4-5".parse().unwrap();
/// assert_eq!(spec, Spec::Anthropic { model: "claude-sonnet-4-5".into() });
/// assert_eq!(spec.to_string(), "anthropic:claude-sonnet-4-5");
/// assert!("gpt-4o".parse::<Spec>().unwrap_err().to_string().contains("openai:gpt-4o"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// OpenAI's own API.
    OpenAi { model: String },
    /// An Azure OpenAI deployment (the deployment names the model).
    Azure { deployment: String },
    /// Anthropic's Messages API.
    Anthropic { model: String },
    /// Any server that speaks OpenAI chat completions at a base URL you give.
    OpenAiCompatible { model: String },
    /// Ollama's OpenAI-compatible endpoint.
    Ollama { model: String },
    /// A GGUF model file run in-process.
    Local { path: PathBuf },
}

/// The kinds [`Spec::parse`] knows, for error messages.
const KINDS: &str = "openai, azure, anthropic, openai-compatible, ollama, local";

impl Spec {
    /// Reads `kind:name`. Kinds are case-insensitive; the name is kept as written
    /// (model names may hold `:` themselves, as in `ollama:qwen2.5:7b`).
    pub fn parse(text: &str) -> Result<Self, LlmError> {
        let text = text.trim();
        let Some((kind, name)) = text.split_once(':') else {
            return Err(LlmError::Config(format!(
                "--llm `{text}`: expected KIND:MODEL, for example `openai:{text}`, \
                 `anthropic:claude-sonnet-4-5` or `ollama:qwen2.5` (kinds: {KINDS})"
            )));
        };
        let name = name.trim();
        let kind = kind.trim().to_ascii_lowercase();
        if name.is_empty() {
            let what = if kind == "local" { "a GGUF file path" } else { "a model name" };
            return Err(LlmError::Config(format!("--llm `{text}`: {what} is missing after `{kind}:`")));
        }
        let model = name.to_string();
        Ok(match kind.as_str() {
            "openai" => Self::OpenAi { model },
            "azure" | "azure-openai" => Self::Azure { deployment: model },
            "anthropic" | "claude" => Self::Anthropic { model },
            "openai-compatible" | "openai_compatible" | "compatible" | "vllm" | "llamacpp" | "llama.cpp"
            | "lmstudio" | "lm-studio" => Self::OpenAiCompatible { model },
            "ollama" => Self::Ollama { model },
            "local" | "gguf" => Self::Local { path: PathBuf::from(name) },
            other => {
                return Err(LlmError::Config(format!("--llm `{text}`: unknown kind `{other}` (kinds: {KINDS})")));
            }
        })
    }

    /// The kind as written in a spec: `openai`, `azure`, `anthropic`,
    /// `openai-compatible`, `ollama` or `local`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::OpenAi { .. } => "openai",
            Self::Azure { .. } => "azure",
            Self::Anthropic { .. } => "anthropic",
            Self::OpenAiCompatible { .. } => "openai-compatible",
            Self::Ollama { .. } => "ollama",
            Self::Local { .. } => "local",
        }
    }

    /// The model, deployment or file as written.
    pub fn name(&self) -> String {
        match self {
            Self::OpenAi { model }
            | Self::Anthropic { model }
            | Self::OpenAiCompatible { model }
            | Self::Ollama { model } => model.clone(),
            Self::Azure { deployment } => deployment.clone(),
            Self::Local { path } => path.display().to_string(),
        }
    }

    /// The variable the API key is read from, if this kind takes one.
    pub fn key_variable(&self) -> Option<&'static str> {
        match self {
            Self::OpenAi { .. } => Some("OPENAI_API_KEY"),
            Self::Azure { .. } => Some("AZURE_OPENAI_API_KEY"),
            Self::Anthropic { .. } => Some("ANTHROPIC_API_KEY"),
            Self::OpenAiCompatible { .. } | Self::Ollama { .. } => Some("DEBRIEF_API_KEY"),
            Self::Local { .. } => None,
        }
    }

    /// Whether requests fail without a key (`openai`, `azure`, `anthropic`).
    pub fn key_required(&self) -> bool {
        matches!(self, Self::OpenAi { .. } | Self::Azure { .. } | Self::Anthropic { .. })
    }
}

impl FromStr for Spec {
    type Err = LlmError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// `kind:name`, the label the review credits.
impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_kind() {
        let cases = [
            ("openai:gpt-4o-mini", Spec::OpenAi { model: "gpt-4o-mini".into() }),
            ("azure:prod-gpt4o", Spec::Azure { deployment: "prod-gpt4o".into() }),
            ("Anthropic:claude-sonnet-4-5", Spec::Anthropic { model: "claude-sonnet-4-5".into() }),
            ("openai-compatible:qwen2.5", Spec::OpenAiCompatible { model: "qwen2.5".into() }),
            ("ollama:qwen2.5:7b", Spec::Ollama { model: "qwen2.5:7b".into() }),
            ("local:/models/m.gguf", Spec::Local { path: "/models/m.gguf".into() }),
        ];
        for (text, want) in cases {
            assert_eq!(Spec::parse(text).unwrap(), want, "{text}");
        }
        assert_eq!(Spec::parse("ollama:qwen2.5:7b").unwrap().to_string(), "ollama:qwen2.5:7b");
    }

    #[test]
    fn bad_specs_say_what_to_write() {
        let e = Spec::parse("gpt-4o").unwrap_err().to_string();
        assert!(e.contains("KIND:MODEL") && e.contains("openai:gpt-4o"), "{e}");
        let e = Spec::parse("openai:").unwrap_err().to_string();
        assert!(e.contains("model name is missing"), "{e}");
        let e = Spec::parse("local: ").unwrap_err().to_string();
        assert!(e.contains("GGUF file path"), "{e}");
        let e = Spec::parse("gemini:pro").unwrap_err().to_string();
        assert!(e.contains("unknown kind `gemini`") && e.contains("anthropic"), "{e}");
    }

    #[test]
    fn keys_come_from_the_named_variables() {
        assert_eq!(Spec::parse("openai:m").unwrap().key_variable(), Some("OPENAI_API_KEY"));
        assert_eq!(Spec::parse("azure:d").unwrap().key_variable(), Some("AZURE_OPENAI_API_KEY"));
        assert!(!Spec::parse("ollama:m").unwrap().key_required());
        assert_eq!(Spec::parse("local:m.gguf").unwrap().key_variable(), None);
    }
}
