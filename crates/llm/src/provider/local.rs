//! [`LocalGguf`]: a GGUF model run in-process by llama.cpp (the `local` feature).

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use serde_json::json;

use super::{Cancel, DryRun, HttpOptions};
use crate::{ChatRequest, ChatResponse, LlmError, Message, Provider, Role, Usage};

/// Any JSON value with an object at the root, for when the request's schema does not
/// convert to a grammar. Whitespace is bounded so the model cannot pad forever.
const JSON_GRAMMAR: &str = r#"
root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
array  ::= "[" ws ( value ("," ws value)* )? "]" ws
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" (["\\bfnrt/] | "u" [0-9a-fA-F]{4}) )* "\"" ws
number ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,4})? ws
ws     ::= | " " | "\n" [ \t]{0,20}
"#;

/// Tokens decoded per batch while reading the prompt.
const BATCH: usize = 512;
/// The sampling seed: the same prompt gives the same answer.
const SEED: u32 = 0x00DE_B21F;

/// llama.cpp starts once per process.
static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();

fn backend() -> Result<&'static LlamaBackend, LlmError> {
    BACKEND
        .get_or_init(|| {
            LlamaBackend::init()
                .map(|mut b| {
                    // A library does not write to the terminal.
                    b.void_logs();
                    b
                })
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| LlmError::Config(format!("llama.cpp could not start: {e}")))
}

/// A GGUF model file run in-process by llama.cpp, on the CPU.
///
/// The prompt is written with the chat template the file carries (ChatML when it has
/// none). When the request has a JSON Schema, generation is constrained by a grammar made
/// from it (llama.cpp's schema converter), or by a grammar of any JSON object when the
/// schema does not convert, so the answer always parses. Sampling is seeded, so the same
/// prompt gives the same answer. The timeout of [`HttpOptions`] bounds one whole
/// completion and its [`Cancel`] is checked between tokens. One completion runs at a time.
///
/// Labelled `local:FILE` with the file name only, so a path that names a person (a home
/// directory) never reaches the review.
pub struct LocalGguf {
    label: String,
    path: PathBuf,
    model: LlamaModel,
    timeout: Duration,
    cancel: Cancel,
    threads: i32,
    busy: Mutex<()>,
}

impl std::fmt::Debug for LocalGguf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalGguf").field("label", &self.label).finish_non_exhaustive()
    }
}

impl LocalGguf {
    /// Loads the model at `path` (memory-mapped); `options` gives the timeout of one
    /// completion and the cancel flag.
    pub fn load(path: &Path, options: &HttpOptions) -> Result<Self, LlmError> {
        if !path.is_file() {
            return Err(LlmError::Config(format!(
                "local:{}: no such model file (expected a .gguf file)",
                path.display()
            )));
        }
        let model = LlamaModel::load_from_file(backend()?, path, &LlamaModelParams::default()).map_err(|e| {
            LlmError::Config(format!("local:{}: could not load it as a GGUF model: {e}", path.display()))
        })?;
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Ok(Self {
            label: format!("local:{name}"),
            path: path.to_path_buf(),
            model,
            timeout: options.timeout,
            cancel: options.cancel.clone(),
            threads: i32::try_from(threads).unwrap_or(2),
            busy: Mutex::new(()),
        })
    }

    /// The prompt the model would read for `request`, and the grammar it would follow.
    pub fn dry_run(&self, request: &ChatRequest) -> Result<DryRun, LlmError> {
        let prompt = self.render(&request.messages)?;
        let grammar = request.json_schema.as_ref().map(|s| grammar_for(s).0);
        Ok(DryRun {
            label: self.label.clone(),
            url: format!("file://{}", self.path.display()),
            headers: Vec::new(),
            body: json!({
                "prompt": prompt,
                "max_tokens": request.max_tokens,
                "temperature": super::openai::exact(request.temperature),
                "grammar": grammar,
            }),
        })
    }

    /// The messages in the model's chat template, ending with the assistant's turn.
    fn render(&self, messages: &[Message]) -> Result<String, LlmError> {
        let chat = messages
            .iter()
            .map(|m| {
                let role = match m.role {
                    Role::System => "system",
                    Role::User => "user",
                    Role::Assistant => "assistant",
                };
                LlamaChatMessage::new(role.into(), m.content.clone())
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| LlmError::Config(format!("a message cannot be given to the model: {e}")))?;
        let template = match self.model.chat_template(None) {
            Ok(t) => t,
            Err(_) => LlamaChatTemplate::new("chatml").map_err(|e| LlmError::Config(format!("chat template: {e}")))?,
        };
        self.model
            .apply_chat_template(&template, &chat, true)
            .map_err(|e| LlmError::Config(format!("{}: the chat template could not be applied: {e}", self.label)))
    }

    fn failed(&self, what: &str, e: &dyn std::fmt::Display) -> LlmError {
        LlmError::Transport { url: self.label.clone(), message: format!("{what}: {e}") }
    }

    /// Stops when cancelled or out of time.
    fn check(&self, started: Instant) -> Result<(), LlmError> {
        if self.cancel.is_cancelled() {
            return Err(LlmError::Cancelled);
        }
        if started.elapsed() > self.timeout {
            return Err(LlmError::Timeout { url: self.label.clone(), seconds: self.timeout.as_secs().max(1) });
        }
        Ok(())
    }

    fn sampler(&self, request: &ChatRequest) -> LlamaSampler {
        let mut chain = Vec::new();
        if let Some(schema) = &request.json_schema {
            let (grammar, _) = grammar_for(schema);
            // A grammar llama.cpp refuses falls back to any JSON object.
            let sampler = LlamaSampler::grammar(&self.model, &grammar, "root")
                .or_else(|_| LlamaSampler::grammar(&self.model, JSON_GRAMMAR, "root"));
            chain.extend(sampler.ok());
        }
        if request.temperature <= 0.0 {
            chain.push(LlamaSampler::greedy());
        } else {
            chain.push(LlamaSampler::top_k(40));
            chain.push(LlamaSampler::top_p(0.95, 1));
            chain.push(LlamaSampler::temp(request.temperature));
            chain.push(LlamaSampler::dist(SEED));
        }
        LlamaSampler::chain_simple(chain)
    }

    fn decode_prompt(
        &self,
        ctx: &mut LlamaContext<'_>,
        batch: &mut LlamaBatch<'_>,
        tokens: &[llama_cpp_2::token::LlamaToken],
        started: Instant,
    ) -> Result<(), LlmError> {
        let last = tokens.len().saturating_sub(1);
        for (c, chunk) in tokens.chunks(BATCH).enumerate() {
            self.check(started)?;
            batch.clear();
            for (j, &token) in chunk.iter().enumerate() {
                let pos = c * BATCH + j;
                batch.add(token, pos as i32, &[0], pos == last).map_err(|e| self.failed("reading the prompt", &e))?;
            }
            ctx.decode(batch).map_err(|e| self.failed("reading the prompt", &e))?;
        }
        Ok(())
    }
}

/// The grammar for `schema`, and whether it came from the schema (else any JSON object).
fn grammar_for(schema: &serde_json::Value) -> (String, bool) {
    match llama_cpp_2::json_schema_to_grammar(&schema.to_string()) {
        Ok(g) => (g, true),
        Err(_) => (JSON_GRAMMAR.to_string(), false),
    }
}

impl Provider for LocalGguf {
    fn label(&self) -> String {
        self.label.clone()
    }

    fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let started = Instant::now();
        // One context at a time: llama.cpp does not make contexts of one model in parallel.
        let _busy = self.busy.lock().map_err(|_| self.failed("the model", &"a previous run failed"))?;
        self.check(started)?;
        let prompt = self.render(&request.messages)?;
        let vocab = self.model.vocab();
        let tokens = vocab.tokenize(prompt.as_bytes(), true, true);
        let window = self.model.n_ctx_train().max(1) as usize;
        if tokens.len() + 1 >= window {
            return Err(LlmError::Config(format!(
                "{}: the prompt takes {} tokens and the model reads at most {window}; lower budget_tokens",
                self.label,
                tokens.len()
            )));
        }
        let max_tokens = (request.max_tokens as usize).min(window - tokens.len());
        let n_ctx = u32::try_from(tokens.len() + max_tokens).unwrap_or(u32::MAX);
        let params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(n_ctx))
            .with_n_batch(BATCH as u32)
            .with_n_threads(self.threads)
            .with_n_threads_batch(self.threads);
        let mut ctx =
            self.model.new_context(backend()?, params).map_err(|e| self.failed("no context for the model", &e))?;
        let mut batch = LlamaBatch::new(BATCH, 1);
        self.decode_prompt(&mut ctx, &mut batch, &tokens, started)?;

        let mut sampler = self.sampler(request);
        let mut text = Vec::new();
        let mut position = tokens.len();
        let mut generated = 0usize;
        let mut finished = false;
        while generated < max_tokens {
            self.check(started)?;
            let token = sampler.sample(&ctx, batch.n_tokens() - 1);
            if vocab.is_eog(token) {
                finished = true;
                break;
            }
            text.extend(vocab.token_to_piece(token, false, None));
            generated += 1;
            batch.clear();
            batch.add(token, position as i32, &[0], true).map_err(|e| self.failed("generating", &e))?;
            position += 1;
            ctx.decode(&mut batch).map_err(|e| self.failed("generating", &e))?;
        }
        if !finished {
            return Err(LlmError::Malformed(
                "the model stopped at the max_tokens limit before finishing; raise max_tokens".into(),
            ));
        }
        let text = String::from_utf8_lossy(&text).trim().to_string();
        if text.is_empty() {
            return Err(LlmError::Malformed("the answer is empty".into()));
        }
        Ok(ChatResponse {
            text,
            usage: Usage { prompt_tokens: tokens.len() as u64, completion_tokens: generated as u64 },
        })
    }
}
