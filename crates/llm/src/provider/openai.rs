//! [`OpenAiCompatible`]: chat completions, as OpenAI, Azure OpenAI, vLLM, Ollama,
//! llama.cpp server and LM Studio speak them.

use debrief_redact::Secret;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::http::{self, Http, HttpOptions};
use super::{DryRun, join_url, parse_base};
use crate::{ChatRequest, ChatResponse, LlmError, Provider, Usage};

/// The structured-output mode a request asks for; each 400 about it steps one down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `{"type":"json_schema", …}` (OpenAI, Azure, vLLM, Ollama, llama.cpp, LM Studio).
    Schema,
    /// `{"type":"json_object"}`, for servers that know JSON mode only.
    JsonObject,
    /// No `response_format`: the prompt alone states the shape.
    Plain,
}

/// How the key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyHeader {
    /// `Authorization: Bearer KEY`.
    Bearer,
    /// `api-key: KEY` (Azure).
    ApiKey,
}

/// A chat-completions server: POST `{base}/chat/completions` (Azure:
/// `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…`).
///
/// When the request carries a JSON Schema it is sent as `response_format: {"type":
/// "json_schema", "json_schema": {"name", "schema", "strict": false}}`. A server that
/// answers 400 naming `response_format` gets the request again with `{"type":
/// "json_object"}`, then with none; one that refuses `temperature` (reasoning models) gets
/// it without; one that wants `max_completion_tokens` instead of `max_tokens` gets that.
/// Each of these steps is taken at most once per request.
///
/// The answer is `choices[0].message.content`; a leading `<think>…</think>` block (local
/// reasoning models) is dropped. An answer cut at the token limit is
/// [`LlmError::Malformed`], since its JSON would not close.
pub struct OpenAiCompatible {
    label: String,
    url: String,
    /// `None` for Azure, where the deployment in the URL names the model.
    model: Option<String>,
    key: Option<Secret>,
    key_header: KeyHeader,
    /// The variable the key came from, for errors.
    key_variable: &'static str,
    max_tokens_field: &'static str,
    http: Http,
}

impl std::fmt::Debug for OpenAiCompatible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiCompatible")
            .field("label", &self.label)
            .field("url", &http::display_url(&self.url))
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl OpenAiCompatible {
    /// A server at `base_url` (the part before `/chat/completions`, such as
    /// `http://127.0.0.1:8000/v1`), sending `key` as a bearer token when there is one.
    /// Labelled `openai-compatible:MODEL` (see [`OpenAiCompatible::with_label`]).
    pub fn new(base_url: &str, model: &str, key: Option<Secret>, options: HttpOptions) -> Result<Self, LlmError> {
        let url = join_url(&parse_base(base_url)?, "chat/completions");
        Self::make(format!("openai-compatible:{model}"), &url, Some(model), key, options).map(|mut p| {
            p.key_variable = "DEBRIEF_API_KEY";
            p
        })
    }

    /// OpenAI's API at `base_url` (`https://api.openai.com/v1`), labelled `openai:MODEL`.
    pub fn openai(base_url: &str, model: &str, key: Option<Secret>, options: HttpOptions) -> Result<Self, LlmError> {
        let url = join_url(&parse_base(base_url)?, "chat/completions");
        let mut p = Self::make(format!("openai:{model}"), &url, Some(model), key, options)?;
        // OpenAI's current name for the limit; every model it serves accepts it.
        p.max_tokens_field = "max_completion_tokens";
        p.key_variable = "OPENAI_API_KEY";
        Ok(p)
    }

    /// An Azure OpenAI deployment: `endpoint` is the resource (`https://NAME.openai.azure.com`),
    /// the key goes in an `api-key` header, and the body names no model. Labelled
    /// `azure:DEPLOYMENT`.
    pub fn azure(
        endpoint: &str,
        deployment: &str,
        api_version: &str,
        key: Option<Secret>,
        options: HttpOptions,
    ) -> Result<Self, LlmError> {
        let base = parse_base(endpoint)?;
        let mut url = join_url(&base, "openai/deployments");
        url.path_segments_mut()
            .map_err(|()| LlmError::Config(format!("`{endpoint}` cannot be a base URL")))?
            .extend([deployment, "chat", "completions"]);
        url.query_pairs_mut().append_pair("api-version", api_version);
        let mut p = Self::make(format!("azure:{deployment}"), &url, None, key, options)?;
        p.key_header = KeyHeader::ApiKey;
        p.key_variable = "AZURE_OPENAI_API_KEY";
        Ok(p)
    }

    fn make(
        label: String,
        url: &reqwest::Url,
        model: Option<&str>,
        key: Option<Secret>,
        options: HttpOptions,
    ) -> Result<Self, LlmError> {
        let key = key.filter(|k| !k.expose().trim().is_empty());
        Ok(Self {
            label,
            http: Http::new(url, options, key.clone())?,
            url: url.to_string(),
            model: model.map(str::to_string),
            key,
            key_header: KeyHeader::Bearer,
            key_variable: "OPENAI_API_KEY",
            max_tokens_field: "max_tokens",
        })
    }

    /// The same provider, credited as `label` (`ollama:qwen2.5`).
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// The URL requests go to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What [`Provider::complete`] would send first for `request`, the key masked.
    pub fn dry_run(&self, request: &ChatRequest) -> DryRun {
        let format = if request.json_schema.is_some() { Format::Schema } else { Format::Plain };
        let key = match (&self.key, self.key_header) {
            (Some(_), KeyHeader::Bearer) => Some(("authorization", "Bearer ‹secret›".to_string())),
            (Some(_), KeyHeader::ApiKey) => Some(("api-key", "‹secret›".to_string())),
            (None, _) => None,
        };
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        headers.extend(key.map(|(k, v)| (k.to_string(), v)));
        if self.key.is_none() {
            headers.push(("note".into(), format!("no key: {} is unset", self.key_variable)));
        }
        DryRun {
            label: self.label.clone(),
            url: http::display_url(&self.url),
            headers,
            body: self.body(request, format, true, self.max_tokens_field),
        }
    }

    fn headers(&self) -> Result<HeaderMap, LlmError> {
        let mut h = HeaderMap::new();
        http::header(&mut h, "content-type", "application/json")?;
        http::header(&mut h, "accept", "application/json")?;
        if let Some(key) = &self.key {
            match self.key_header {
                KeyHeader::Bearer => {
                    http::secret_header(&mut h, "authorization", "Bearer ", key, self.key_variable)?;
                }
                KeyHeader::ApiKey => {
                    http::secret_header(&mut h, "api-key", "", key, self.key_variable)?;
                }
            }
        }
        Ok(h)
    }

    fn body(&self, request: &ChatRequest, format: Format, temperature: bool, max_tokens_field: &str) -> Value {
        let mut b = Map::new();
        if let Some(model) = &self.model {
            b.insert("model".into(), Value::String(model.clone()));
        }
        let messages: Vec<Value> =
            request.messages.iter().map(|m| json!({"role": m.role, "content": m.content})).collect();
        b.insert("messages".into(), Value::Array(messages));
        b.insert(max_tokens_field.into(), json!(request.max_tokens));
        if temperature {
            b.insert("temperature".into(), json!(exact(request.temperature)));
        }
        match (format, &request.json_schema) {
            (Format::Schema, Some(schema)) => {
                b.insert(
                    "response_format".into(),
                    json!({
                        "type": "json_schema",
                        "json_schema": {"name": schema_name(schema), "schema": schema, "strict": false},
                    }),
                );
            }
            (Format::JsonObject, Some(_)) => {
                b.insert("response_format".into(), json!({"type": "json_object"}));
            }
            _ => {}
        }
        Value::Object(b)
    }
}

impl Provider for OpenAiCompatible {
    fn label(&self) -> String {
        self.label.clone()
    }

    fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let headers = self.headers()?;
        let mut format = if request.json_schema.is_some() { Format::Schema } else { Format::Plain };
        let mut temperature = true;
        let mut max_tokens_field = self.max_tokens_field;
        let shown = http::display_url(&self.url);
        // Each adjustment below happens at most once, so this ends within five requests.
        loop {
            let body = self.body(request, format, temperature, max_tokens_field);
            let bytes = serde_json::to_vec(&body).map_err(|e| LlmError::Malformed(e.to_string()))?;
            let reply = self.http.post(&self.url, &headers, &bytes)?;
            if (200..300).contains(&reply.status) {
                return self.parse(&reply.body);
            }
            if reply.status == 400 {
                let said = reply.body.to_ascii_lowercase();
                if format != Format::Plain
                    && ["response_format", "json_schema", "json_object", "response format"]
                        .iter()
                        .any(|w| said.contains(w))
                {
                    format = if format == Format::Schema { Format::JsonObject } else { Format::Plain };
                    continue;
                }
                if max_tokens_field == "max_tokens" && said.contains("max_completion_tokens") {
                    max_tokens_field = "max_completion_tokens";
                    continue;
                }
                if temperature && said.contains("temperature") {
                    temperature = false;
                    continue;
                }
            }
            return Err(LlmError::Status { url: shown, status: reply.status, body: self.http.quote(&reply.body) });
        }
    }
}

impl OpenAiCompatible {
    fn parse(&self, body: &str) -> Result<ChatResponse, LlmError> {
        #[derive(Deserialize)]
        struct Completion {
            choices: Vec<Choice>,
            usage: Option<WireUsage>,
        }
        #[derive(Deserialize)]
        struct Choice {
            message: WireMessage,
            finish_reason: Option<String>,
        }
        #[derive(Deserialize)]
        struct WireMessage {
            content: Option<String>,
            refusal: Option<String>,
        }
        #[derive(Deserialize)]
        struct WireUsage {
            prompt_tokens: Option<u64>,
            completion_tokens: Option<u64>,
        }
        let c: Completion = serde_json::from_str(body).map_err(|e| {
            LlmError::Malformed(format!("expected a chat completion ({e}); the server sent: {}", self.http.quote(body)))
        })?;
        let Some(choice) = c.choices.into_iter().next() else {
            return Err(LlmError::Malformed(format!("the completion has no choices: {}", self.http.quote(body))));
        };
        if choice.finish_reason.as_deref() == Some("length") {
            return Err(LlmError::Malformed(
                "the model stopped at the max_tokens limit before finishing; raise max_tokens".into(),
            ));
        }
        let text = match (choice.message.content, choice.message.refusal) {
            (Some(t), _) if !t.trim().is_empty() => t,
            (_, Some(r)) => {
                return Err(LlmError::Malformed(format!("the model refused: {}", self.http.quote(&r))));
            }
            _ => return Err(LlmError::Malformed("the answer is empty".into())),
        };
        let usage = c.usage.map_or_else(Usage::default, |u| Usage {
            prompt_tokens: u.prompt_tokens.unwrap_or(0),
            completion_tokens: u.completion_tokens.unwrap_or(0),
        });
        Ok(ChatResponse { text: strip_thinking(text), usage })
    }
}

/// `json_schema.name`: the schema's `title` when it is a valid name, else `debrief_answer`.
fn schema_name(schema: &Value) -> String {
    schema
        .get("title")
        .and_then(Value::as_str)
        .filter(|t| {
            !t.is_empty() && t.len() <= 64 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
        .unwrap_or("debrief_answer")
        .to_string()
}

/// `t` as the decimal it was written as (`0.2`, not `0.20000000298023224`).
pub(crate) fn exact(t: f32) -> f64 {
    t.to_string().parse().unwrap_or_else(|_| f64::from(t))
}

/// The text after a leading `<think>…</think>` block, if there is one.
fn strip_thinking(text: String) -> String {
    let trimmed = text.trim_start();
    if let Some(rest) = trimmed.strip_prefix("<think>")
        && let Some(end) = rest.find("</think>")
    {
        return rest.get(end + "</think>".len()..).unwrap_or_default().trim_start().to_string();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinking_is_dropped_and_the_answer_kept() {
        assert_eq!(strip_thinking("<think>hmm</think>\n{\"a\":1}".into()), "{\"a\":1}");
        assert_eq!(strip_thinking("{\"a\":1}".into()), "{\"a\":1}");
        assert_eq!(strip_thinking("<think>never closed".into()), "<think>never closed");
    }

    #[test]
    fn schema_names_are_valid() {
        assert_eq!(schema_name(&json!({"title": "claims_v1"})), "claims_v1");
        assert_eq!(schema_name(&json!({"title": "has spaces"})), "debrief_answer");
        assert_eq!(schema_name(&json!({})), "debrief_answer");
    }

    #[test]
    fn temperatures_are_sent_as_written() {
        assert_eq!(serde_json::to_string(&json!(exact(0.2))).unwrap(), "0.2");
    }
}
