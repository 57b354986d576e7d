//! [`Anthropic`]: the Messages API.

use debrief_redact::Secret;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::http::{self, Http, HttpOptions};
use super::openai::exact;
use super::{DryRun, join_url, parse_base};
use crate::{ChatRequest, ChatResponse, LlmError, Provider, Role, Usage};

/// The API version every request names.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// Anthropic's Messages API: POST `{base}/v1/messages` with `x-api-key` and
/// `anthropic-version: 2023-06-01`. System messages become the top-level `system` field
/// (joined by a blank line); the others are sent in order as text content blocks. The
/// answer is the text blocks of `content`, joined; usage is `input_tokens` and
/// `output_tokens`. The JSON Schema is not sent — the prompt states the shape.
pub struct Anthropic {
    label: String,
    url: String,
    model: String,
    key: Option<Secret>,
    http: Http,
}

impl std::fmt::Debug for Anthropic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Anthropic")
            .field("label", &self.label)
            .field("url", &http::display_url(&self.url))
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Anthropic {
    /// Anthropic at `base_url` (`https://api.anthropic.com`), labelled `anthropic:MODEL`.
    pub fn new(base_url: &str, model: &str, key: Option<Secret>, options: HttpOptions) -> Result<Self, LlmError> {
        let url = join_url(&parse_base(base_url)?, "v1/messages");
        let key = key.filter(|k| !k.expose().trim().is_empty());
        Ok(Self {
            label: format!("anthropic:{model}"),
            http: Http::new(&url, options, key.clone())?,
            url: url.to_string(),
            model: model.to_string(),
            key,
        })
    }

    /// The URL requests go to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What [`Provider::complete`] would send for `request`, the key masked.
    pub fn dry_run(&self, request: &ChatRequest) -> DryRun {
        let key = match &self.key {
            Some(_) => "‹secret›".to_string(),
            None => "‹unset: ANTHROPIC_API_KEY›".to_string(),
        };
        DryRun {
            label: self.label.clone(),
            url: http::display_url(&self.url),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-api-key".into(), key),
                ("anthropic-version".into(), ANTHROPIC_VERSION.into()),
            ],
            body: self.body(request),
        }
    }

    fn headers(&self) -> Result<HeaderMap, LlmError> {
        let mut h = HeaderMap::new();
        http::header(&mut h, "content-type", "application/json")?;
        http::header(&mut h, "accept", "application/json")?;
        http::header(&mut h, "anthropic-version", ANTHROPIC_VERSION)?;
        if let Some(key) = &self.key {
            http::secret_header(&mut h, "x-api-key", "", key, "ANTHROPIC_API_KEY")?;
        }
        Ok(h)
    }

    fn body(&self, request: &ChatRequest) -> Value {
        let system: Vec<&str> =
            request.messages.iter().filter(|m| m.role == Role::System).map(|m| m.content.as_str()).collect();
        let messages: Vec<Value> = request
            .messages
            .iter()
            .filter(|m| m.role != Role::System)
            .map(|m| json!({"role": m.role, "content": [{"type": "text", "text": m.content}]}))
            .collect();
        let mut b = Map::new();
        b.insert("model".into(), Value::String(self.model.clone()));
        b.insert("max_tokens".into(), json!(request.max_tokens));
        b.insert("temperature".into(), json!(exact(request.temperature.min(1.0))));
        if !system.is_empty() {
            b.insert("system".into(), Value::String(system.join("\n\n")));
        }
        b.insert("messages".into(), Value::Array(messages));
        Value::Object(b)
    }

    fn parse(&self, body: &str) -> Result<ChatResponse, LlmError> {
        #[derive(Deserialize)]
        struct Answer {
            content: Vec<Block>,
            stop_reason: Option<String>,
            usage: Option<WireUsage>,
        }
        #[derive(Deserialize)]
        struct Block {
            #[serde(rename = "type")]
            kind: String,
            text: Option<String>,
        }
        #[derive(Deserialize)]
        struct WireUsage {
            input_tokens: Option<u64>,
            output_tokens: Option<u64>,
        }
        let a: Answer = serde_json::from_str(body).map_err(|e| {
            LlmError::Malformed(format!("expected a Messages answer ({e}); the server sent: {}", self.http.quote(body)))
        })?;
        if a.stop_reason.as_deref() == Some("max_tokens") {
            return Err(LlmError::Malformed(
                "the model stopped at the max_tokens limit before finishing; raise max_tokens".into(),
            ));
        }
        let text: String = a.content.into_iter().filter(|b| b.kind == "text").filter_map(|b| b.text).collect();
        if text.trim().is_empty() {
            return Err(LlmError::Malformed("the answer has no text".into()));
        }
        let usage = a.usage.map_or_else(Usage::default, |u| Usage {
            prompt_tokens: u.input_tokens.unwrap_or(0),
            completion_tokens: u.output_tokens.unwrap_or(0),
        });
        Ok(ChatResponse { text, usage })
    }
}

impl Provider for Anthropic {
    fn label(&self) -> String {
        self.label.clone()
    }

    fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let headers = self.headers()?;
        let bytes = serde_json::to_vec(&self.body(request)).map_err(|e| LlmError::Malformed(e.to_string()))?;
        let reply = self.http.post(&self.url, &headers, &bytes)?;
        if (200..300).contains(&reply.status) {
            return self.parse(&reply.body);
        }
        Err(LlmError::Status {
            url: http::display_url(&self.url),
            status: reply.status,
            body: self.http.quote(&reply.body),
        })
    }
}
