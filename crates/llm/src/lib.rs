//! Model-assisted drafting that cannot lie.
//!
//! The engine's draft is the floor. A configured model gets the engine's facts and the
//! redacted evidence as numbered records (`E12 [2024-05-01T10:02:13Z] slack/…:12 text`),
//! writes claims that must cite those ids, and every claim passes the verifier before it
//! reaches the page; what fails becomes an open question, marked unverified.
//!
//! - [`provider`]: the [`Provider`] trait's HTTP implementations (OpenAI-compatible chat
//!   completions, Anthropic Messages), retries, timeouts, and the `--llm` spec.
//! - [`prompt`]: the grounded prompt, the evidence list and the token budget.
//! - [`claims`]: what the model must return, and the verifier.

pub mod assist;
pub mod claims;
pub mod evidence;
pub mod guard;
pub mod prompt;
pub mod provider;

use serde::{Deserialize, Serialize};

/// Who says a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Self { role: Role::System, content: content.into() }
    }

    pub fn user(content: impl Into<String>) -> Self {
        Self { role: Role::User, content: content.into() }
    }

    pub fn assistant(content: impl Into<String>) -> Self {
        Self { role: Role::Assistant, content: content.into() }
    }
}

/// One request to a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    /// The JSON Schema the answer must match, for servers that enforce structured output;
    /// the prompt states the shape too, so servers that do not still get it.
    pub json_schema: Option<serde_json::Value>,
    pub max_tokens: u32,
    pub temperature: f32,
}

/// Tokens a request used, as the server counted them (0 where it does not say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// A model's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatResponse {
    pub text: String,
    pub usage: Usage,
}

/// Why a request did not produce an answer.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("{0}")]
    Config(String),
    #[error("request to {url} failed: {message}")]
    Transport { url: String, message: String },
    #[error("{url} answered {status}: {body}")]
    Status { url: String, status: u16, body: String },
    #[error("timed out after {seconds} s waiting for {url}")]
    Timeout { url: String, seconds: u64 },
    #[error("the answer could not be read: {0}")]
    Malformed(String),
    #[error("cancelled")]
    Cancelled,
}

/// A chat model. Implementations retry what is worth retrying themselves; an `Err` is final.
pub trait Provider: Send + Sync {
    /// `provider:model`, as the review credits it.
    fn label(&self) -> String;
    fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError>;
}
