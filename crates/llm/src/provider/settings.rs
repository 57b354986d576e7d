//! [`Settings`]: how to ask the model, from flags, `DEBRIEF_*` variables and `debrief.toml`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::LlmError;

/// Seconds one request may take before it is abandoned.
pub const DEFAULT_TIMEOUT_SECS: u64 = 120;
/// Retries after a 429, a 5xx or a failed connection.
pub const DEFAULT_RETRIES: u32 = 3;
/// Most tokens the model may write.
pub const DEFAULT_MAX_TOKENS: u32 = 4096;
/// Low, so the prose stays close to the evidence.
pub const DEFAULT_TEMPERATURE: f32 = 0.2;
/// Most tokens the prompt (instructions, facts and evidence) may take.
pub const DEFAULT_BUDGET_TOKENS: u32 = 24_000;

/// Where the model is and how to ask it. Every field is optional; the accessors
/// ([`Settings::timeout`], [`Settings::retries`]…) fill in the defaults.
///
/// Resolved by [`Settings::resolve`] with this precedence, highest first:
/// 1. command-line flags (the CLI fills a `Settings` from them);
/// 2. `DEBRIEF_*` environment variables ([`Settings::from_env`]);
/// 3. `./debrief.toml`, its `[llm]` table;
/// 4. the user's `debrief/debrief.toml` in the config directory ([`user_config_dir`]).
///
/// **API keys are never read from `debrief.toml`** — a config file gets committed,
/// copied and attached to tickets. Keys come only from the environment
/// (`OPENAI_API_KEY`, `AZURE_OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `DEBRIEF_API_KEY`; see
/// [`Spec::key_variable`](super::Spec::key_variable)), and a key-like entry in the `[llm]`
/// table is an error that says so.
///
/// ```toml
/// [llm]
/// llm = "ollama:qwen2.5"
/// base_url = "http://gpu-box:11434/v1"
/// timeout_secs = 300
/// on_unverified = "drop"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The model, as a [`Spec`](super::Spec) string (`openai:gpt-4o-mini`).
    pub llm: Option<String>,
    /// The server's base URL (`http://127.0.0.1:11434/v1`); for `azure`, the resource
    /// endpoint (`https://NAME.openai.azure.com`).
    pub base_url: Option<String>,
    /// Seconds one request may take; default [`DEFAULT_TIMEOUT_SECS`].
    pub timeout_secs: Option<u64>,
    /// Retries after a 429, a 5xx or a failed connection; default [`DEFAULT_RETRIES`].
    pub retries: Option<u32>,
    /// Most tokens the model may write; default [`DEFAULT_MAX_TOKENS`].
    pub max_tokens: Option<u32>,
    /// Sampling temperature; default [`DEFAULT_TEMPERATURE`].
    pub temperature: Option<f32>,
    /// Most tokens the prompt may take; default [`DEFAULT_BUDGET_TOKENS`].
    pub budget_tokens: Option<u32>,
    /// What becomes of a claim the verifier rejects; default [`OnUnverified::Question`].
    pub on_unverified: Option<OnUnverified>,
    /// Azure OpenAI `api-version`; default [`DEFAULT_AZURE_API_VERSION`](super::DEFAULT_AZURE_API_VERSION).
    pub api_version: Option<String>,
}

/// What becomes of a model's claim that the verifier rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnUnverified {
    /// It is kept as an open question, marked unverified.
    #[default]
    Question,
    /// It is left out (and counted).
    Drop,
}

impl FromStr for OnUnverified {
    type Err = LlmError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "question" => Ok(Self::Question),
            "drop" => Ok(Self::Drop),
            other => Err(LlmError::Config(format!("on_unverified `{other}`: expected `question` or `drop`"))),
        }
    }
}

impl fmt::Display for OnUnverified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Question => "question",
            Self::Drop => "drop",
        })
    }
}

/// The config files [`Settings::resolve`] reads; either may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFiles {
    /// `./debrief.toml`.
    pub project: Option<PathBuf>,
    /// `<config dir>/debrief/debrief.toml`.
    pub user: Option<PathBuf>,
}

impl ConfigFiles {
    /// `debrief.toml` in `cwd`, and `debrief/debrief.toml` in [`user_config_dir`].
    pub fn standard(cwd: &Path, env: &dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            project: Some(cwd.join("debrief.toml")),
            user: user_config_dir(env).map(|d| d.join("debrief").join("debrief.toml")),
        }
    }
}

/// The user's config directory: `$XDG_CONFIG_HOME`, else `%APPDATA%` on Windows, else
/// `$HOME/.config`. `env` looks a variable up (the CLI passes `std::env::var`), so this
/// never reads the process environment itself.
pub fn user_config_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    if let Some(dir) = get("XDG_CONFIG_HOME").filter(|d| Path::new(d).is_absolute()) {
        return Some(PathBuf::from(dir));
    }
    if cfg!(windows)
        && let Some(dir) = get("APPDATA")
    {
        return Some(PathBuf::from(dir));
    }
    get("HOME").map(|h| Path::new(&h).join(".config"))
}

/// Names in an `[llm]` table that look like a key, refused with a pointer to the variables.
const KEY_LIKE: &[&str] = &["api_key", "apikey", "key", "token", "api_token", "secret", "password", "auth"];

impl Settings {
    /// Fills the unset fields of `self` from `lower`.
    #[must_use]
    pub fn or(self, lower: Settings) -> Settings {
        Settings {
            llm: self.llm.or(lower.llm),
            base_url: self.base_url.or(lower.base_url),
            timeout_secs: self.timeout_secs.or(lower.timeout_secs),
            retries: self.retries.or(lower.retries),
            max_tokens: self.max_tokens.or(lower.max_tokens),
            temperature: self.temperature.or(lower.temperature),
            budget_tokens: self.budget_tokens.or(lower.budget_tokens),
            on_unverified: self.on_unverified.or(lower.on_unverified),
            api_version: self.api_version.or(lower.api_version),
        }
    }

    /// `cli`, then `DEBRIEF_*` variables, then the project file, then the user file.
    /// A file that does not exist is skipped; one that cannot be read or parsed is an
    /// error naming it (and the line, for TOML errors).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use debrief_llm::provider::{ConfigFiles, Settings};
    ///
    /// let env: HashMap<&str, &str> = [("DEBRIEF_TIMEOUT", "30"), ("DEBRIEF_LLM", "ollama:qwen2.5")].into();
    /// let cli = Settings { llm: Some("openai:gpt-4o-mini".into()), ..Settings::default() };
    /// let s = Settings::resolve(cli, &|k| env.get(k).map(|v| v.to_string()), &ConfigFiles::default()).unwrap();
    /// assert_eq!(s.llm.as_deref(), Some("openai:gpt-4o-mini"));
    /// assert_eq!(s.timeout().as_secs(), 30);
    /// assert_eq!(s.retries(), 3);
    /// ```
    pub fn resolve(
        cli: Settings,
        env: &dyn Fn(&str) -> Option<String>,
        files: &ConfigFiles,
    ) -> Result<Settings, LlmError> {
        let mut out = cli.or(Settings::from_env(env)?);
        for path in [&files.project, &files.user].into_iter().flatten() {
            if let Some(file) = Settings::read_file(path)? {
                out = out.or(file);
            }
        }
        Ok(out)
    }

    /// The settings `DEBRIEF_*` variables give: `DEBRIEF_LLM`, `DEBRIEF_BASE_URL`,
    /// `DEBRIEF_TIMEOUT` (seconds), `DEBRIEF_RETRIES`, `DEBRIEF_MAX_TOKENS`,
    /// `DEBRIEF_TEMPERATURE`, `DEBRIEF_BUDGET_TOKENS`, `DEBRIEF_ON_UNVERIFIED`,
    /// `DEBRIEF_API_VERSION`. Empty values count as unset; a value that does not parse
    /// is an error naming the variable.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Settings, LlmError> {
        fn num<T: FromStr>(name: &str, value: Option<String>) -> Result<Option<T>, LlmError> {
            value
                .map(|v| {
                    let digits = v.strip_suffix('s').unwrap_or(&v).trim();
                    digits.parse::<T>().map_err(|_| LlmError::Config(format!("{name}=`{v}`: expected a number")))
                })
                .transpose()
        }
        let get = |k: &str| env(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let temperature: Option<f32> = num("DEBRIEF_TEMPERATURE", get("DEBRIEF_TEMPERATURE"))?;
        let s = Settings {
            llm: get("DEBRIEF_LLM"),
            base_url: get("DEBRIEF_BASE_URL"),
            timeout_secs: num("DEBRIEF_TIMEOUT", get("DEBRIEF_TIMEOUT"))?,
            retries: num("DEBRIEF_RETRIES", get("DEBRIEF_RETRIES"))?,
            max_tokens: num("DEBRIEF_MAX_TOKENS", get("DEBRIEF_MAX_TOKENS"))?,
            temperature,
            budget_tokens: num("DEBRIEF_BUDGET_TOKENS", get("DEBRIEF_BUDGET_TOKENS"))?,
            on_unverified: get("DEBRIEF_ON_UNVERIFIED")
                .map(|v| {
                    v.parse().map_err(|_| {
                        LlmError::Config(format!("DEBRIEF_ON_UNVERIFIED=`{v}`: expected `question` or `drop`"))
                    })
                })
                .transpose()?,
            api_version: get("DEBRIEF_API_VERSION"),
        };
        s.check("the environment")?;
        Ok(s)
    }

    /// Reads the `[llm]` table of a `debrief.toml`; `Ok(None)` when the file does not exist.
    pub fn read_file(path: &Path) -> Result<Option<Settings>, LlmError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Settings::from_toml(&text, path).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(LlmError::Config(format!("{}: {e}", path.display()))),
        }
    }

    /// The `[llm]` table of a `debrief.toml`'s text (other tables are left to their
    /// readers). `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Settings, LlmError> {
        #[derive(Deserialize)]
        struct Untyped {
            llm: Option<toml::Table>,
        }
        #[derive(Deserialize)]
        struct Typed {
            llm: Option<Settings>,
        }
        let where_ = |e: &toml::de::Error| {
            let line = e.span().map(|s| line_of(text, s.start));
            let at = line.map(|l| format!(":{l}")).unwrap_or_default();
            LlmError::Config(format!("{}{at}: {}", origin.display(), e.message().trim_end()))
        };
        // First the shape, so a key is refused before its value could be quoted in an
        // error; then the types, with the line of whatever is wrong.
        let untyped: Untyped = toml::from_str(text).map_err(|e| where_(&e))?;
        let Some(table) = untyped.llm else { return Ok(Settings::default()) };
        if let Some(k) = table.keys().find(|k| KEY_LIKE.contains(&k.to_ascii_lowercase().as_str())) {
            return Err(LlmError::Config(format!(
                "{}: [llm] {k}: API keys are not read from config files; set OPENAI_API_KEY, \
                 AZURE_OPENAI_API_KEY, ANTHROPIC_API_KEY or DEBRIEF_API_KEY in the environment",
                origin.display()
            )));
        }
        let typed: Typed = toml::from_str(text).map_err(|e| where_(&e))?;
        let s = typed.llm.unwrap_or_default();
        s.check(&origin.display().to_string())?;
        Ok(s)
    }

    fn check(&self, origin: &str) -> Result<(), LlmError> {
        if let Some(t) = self.temperature
            && !(0.0..=2.0).contains(&t)
        {
            return Err(LlmError::Config(format!("{origin}: temperature {t} is outside 0–2")));
        }
        if self.timeout_secs == Some(0) {
            return Err(LlmError::Config(format!("{origin}: timeout must be at least 1 second")));
        }
        if self.max_tokens == Some(0) {
            return Err(LlmError::Config(format!("{origin}: max_tokens must be at least 1")));
        }
        Ok(())
    }

    /// How long one request may take.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS).max(1))
    }

    /// Retries after a 429, a 5xx or a failed connection.
    pub fn retries(&self) -> u32 {
        self.retries.unwrap_or(DEFAULT_RETRIES)
    }

    /// Most tokens the model may write.
    pub fn max_tokens(&self) -> u32 {
        self.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS)
    }

    /// Sampling temperature.
    pub fn temperature(&self) -> f32 {
        self.temperature.unwrap_or(DEFAULT_TEMPERATURE)
    }

    /// Most tokens the prompt may take.
    pub fn budget_tokens(&self) -> u32 {
        self.budget_tokens.unwrap_or(DEFAULT_BUDGET_TOKENS)
    }

    /// What becomes of a claim the verifier rejects.
    pub fn on_unverified(&self) -> OnUnverified {
        self.on_unverified.unwrap_or_default()
    }
}

/// The 1-based line of byte `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    let end = at.min(text.len());
    text.get(..end).map_or(0, |t| t.matches('\n').count()) + 1
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn flags_beat_env_beat_project_beat_user() {
        let dir = std::env::temp_dir().join(format!("debrief-settings-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("user/debrief")).unwrap();
        let project = dir.join("debrief.toml");
        let user = dir.join("user/debrief/debrief.toml");
        std::fs::write(&project, "[redact]\nips = false\n\n[llm]\nbase_url = \"http://project/v1\"\nretries = 5\n")
            .unwrap();
        std::fs::write(
            &user,
            "[llm]\nllm = \"anthropic:claude-sonnet-4-5\"\nretries = 9\nmax_tokens = 777\n\
             on_unverified = \"drop\"\n",
        )
        .unwrap();
        let env = env_of(&[
            ("DEBRIEF_LLM", "ollama:qwen2.5"),
            ("DEBRIEF_TIMEOUT", "45s"),
            ("DEBRIEF_BUDGET_TOKENS", "8000"),
            ("XDG_CONFIG_HOME", dir.join("user").to_str().unwrap()),
        ]);
        let files = ConfigFiles::standard(&dir, &env);
        assert_eq!(files.user.as_deref(), Some(user.as_path()));
        let cli = Settings { timeout_secs: Some(10), ..Settings::default() };
        let s = Settings::resolve(cli, &env, &files).unwrap();
        assert_eq!(s.llm.as_deref(), Some("ollama:qwen2.5"), "env beats user file");
        assert_eq!(s.timeout(), Duration::from_secs(10), "flag beats env");
        assert_eq!(s.base_url.as_deref(), Some("http://project/v1"));
        assert_eq!(s.retries(), 5, "project beats user");
        assert_eq!(s.max_tokens(), 777, "user file fills the rest");
        assert_eq!(s.budget_tokens(), 8000);
        assert_eq!(s.on_unverified(), OnUnverified::Drop);
        assert!((s.temperature() - DEFAULT_TEMPERATURE).abs() < f32::EPSILON);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn defaults_without_any_source() {
        let s = Settings::resolve(Settings::default(), &|_| None, &ConfigFiles::default()).unwrap();
        assert_eq!(s.timeout(), Duration::from_secs(DEFAULT_TIMEOUT_SECS));
        assert_eq!(s.retries(), DEFAULT_RETRIES);
        assert_eq!(s.budget_tokens(), DEFAULT_BUDGET_TOKENS);
        assert_eq!(s.on_unverified(), OnUnverified::Question);
        assert_eq!(s.llm, None);
    }

    #[test]
    fn keys_in_config_files_are_refused() {
        let e = Settings::from_toml("[llm]\nllm = \"openai:m\"\napi_key = \"sk-x\"\n", Path::new("debrief.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not read from config files") && e.contains("OPENAI_API_KEY"), "{e}");
        assert!(!e.contains("sk-x"), "{e}");
    }

    #[test]
    fn bad_values_name_file_line_or_variable() {
        let e =
            Settings::from_toml("[llm]\nretries = \"many\"\n", Path::new("/p/debrief.toml")).unwrap_err().to_string();
        assert!(e.starts_with("/p/debrief.toml:2: ") && e.contains("\"many\""), "{e}");
        let e = Settings::from_toml("[llm]\nllm = \n", Path::new("/p/debrief.toml")).unwrap_err().to_string();
        assert!(e.starts_with("/p/debrief.toml:2"), "{e}");
        let e = Settings::from_toml("[llm]\nmodel = \"x\"\n", Path::new("d.toml")).unwrap_err().to_string();
        assert!(e.contains("model"), "{e}");
        let e = Settings::from_env(&env_of(&[("DEBRIEF_RETRIES", "lots")])).unwrap_err().to_string();
        assert!(e.contains("DEBRIEF_RETRIES=`lots`"), "{e}");
        let e = Settings::from_env(&env_of(&[("DEBRIEF_ON_UNVERIFIED", "keep")])).unwrap_err().to_string();
        assert!(e.contains("DEBRIEF_ON_UNVERIFIED"), "{e}");
        let e = Settings::from_env(&env_of(&[("DEBRIEF_TEMPERATURE", "7")])).unwrap_err().to_string();
        assert!(e.contains("outside"), "{e}");
    }

    #[test]
    fn a_missing_file_is_skipped() {
        let files = ConfigFiles { project: Some(PathBuf::from("/nonexistent/debrief.toml")), user: None };
        let s = Settings::resolve(Settings::default(), &|_| None, &files).unwrap();
        assert_eq!(s, Settings::default());
    }

    #[test]
    fn home_config_when_xdg_is_unset() {
        let env = env_of(&[("HOME", "/home/u")]);
        assert_eq!(user_config_dir(&env), Some(PathBuf::from("/home/u/.config")));
        assert_eq!(user_config_dir(&|_| None), None);
    }
}
