//! The in-process GGUF provider with a real, tiny model (SmolLM2-135M-Instruct, Apache-2.0):
//! the chat template, grammar-constrained JSON, seeded sampling, cancellation. Built with
//! `--features local`; the model comes from `DEBRIEF_TEST_GGUF` (`bench/local-model.sh`
//! fetches it), and the tests that need it print a line and return when it is absent.
#![cfg(feature = "local")]
#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::time::Duration;

use debrief_llm::provider::{self, Cancel, HttpOptions, LocalGguf, Settings, Spec};
use debrief_llm::{ChatRequest, LlmError, Message, Provider};
use serde_json::json;

fn model_path() -> Option<PathBuf> {
    let path = std::env::var_os("DEBRIEF_TEST_GGUF").map(PathBuf::from);
    match path {
        Some(p) if p.is_file() => Some(p),
        _ => {
            eprintln!(
                "skipping: DEBRIEF_TEST_GGUF does not name a GGUF file \
                 (bench/local-model.sh fetches SmolLM2-135M-Instruct and runs these tests)"
            );
            None
        }
    }
}

fn options() -> HttpOptions {
    HttpOptions { timeout: Duration::from_secs(300), ..HttpOptions::default() }
}

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![
            Message::system(
                "You write incident review claims. Answer only with JSON: \
                 {\"claims\": [{\"text\": \"...\", \"cites\": [\"E1\"]}]}.",
            ),
            Message::user(
                "Evidence:\nE1 [2024-05-01T10:02:13Z] slack/incident:12 rolled back api to v41\n\
                 E2 [2024-05-01T10:06:40Z] pager/log:3 alert resolved: api 5xx rate normal\n\
                 Write one claim about the rollback.",
            ),
        ],
        json_schema: Some(json!({
            "type": "object",
            "properties": {
                "claims": {
                    "type": "array",
                    "maxItems": 2,
                    "items": {
                        "type": "object",
                        "properties": {
                            "text": {"type": "string", "maxLength": 120},
                            "cites": {"type": "array", "maxItems": 3, "items": {"type": "string", "maxLength": 8}}
                        },
                        "required": ["text", "cites"]
                    }
                }
            },
            "required": ["claims"]
        })),
        max_tokens: 400,
        temperature: 0.0,
    }
}

#[test]
fn smollm2_answers_json_that_follows_the_schema() {
    let Some(path) = model_path() else { return };
    let spec = Spec::Local { path };
    let model = provider::build(&spec, &Settings::default(), &|_| None, &options()).unwrap();
    assert_eq!(model.label(), "local:SmolLM2-135M-Instruct.Q4_1.gguf");

    let answer = model.complete(&request()).unwrap();
    let value: serde_json::Value = serde_json::from_str(&answer.text)
        .unwrap_or_else(|e| panic!("the grammar let through non-JSON ({e}): {}", answer.text));
    let claims = value["claims"].as_array().unwrap_or_else(|| panic!("{value}"));
    assert!(claims.len() <= 2, "{value}");
    for claim in claims {
        assert!(claim["text"].is_string(), "{claim}");
        assert!(claim["cites"].as_array().is_some_and(|c| c.iter().all(serde_json::Value::is_string)), "{claim}");
    }
    assert!(answer.usage.prompt_tokens > 50, "{:?}", answer.usage);
    assert!(answer.usage.completion_tokens > 3, "{:?}", answer.usage);
    eprintln!("local answer ({:?}): {}", answer.usage, answer.text);

    let again = model.complete(&request()).unwrap();
    assert_eq!(again.text, answer.text, "greedy decoding gives the same answer twice");
}

#[test]
fn the_dry_run_shows_the_chat_template_and_the_grammar() {
    let Some(path) = model_path() else { return };
    let dry = provider::describe(&Spec::Local { path }, &Settings::default(), &|_| None, &request()).unwrap();
    let prompt = dry.body["prompt"].as_str().unwrap();
    assert!(prompt.starts_with("<|im_start|>system\nYou write incident review claims."), "{prompt}");
    assert!(prompt.ends_with("<|im_start|>assistant\n"), "{prompt}");
    let grammar = dry.body["grammar"].as_str().unwrap();
    assert!(grammar.contains("root ::=") && grammar.contains("cites"), "{grammar}");
    assert!(dry.url.starts_with("file://") && dry.url.ends_with(".gguf"));
}

#[test]
fn a_cancelled_local_run_stops() {
    let Some(path) = model_path() else { return };
    let cancel = Cancel::new();
    cancel.cancel();
    let model = LocalGguf::load(&path, &options().with_cancel(cancel)).unwrap();
    let err = model.complete(&request()).unwrap_err();
    assert!(matches!(err, LlmError::Cancelled), "{err:?}");
}

#[test]
fn a_missing_model_file_is_named() {
    let spec = Spec::parse("local:/nonexistent/model.gguf").unwrap();
    let err = provider::build(&spec, &Settings::default(), &|_| None, &options()).err().unwrap();
    let text = err.to_string();
    assert!(text.contains("/nonexistent/model.gguf") && text.contains("no such model file"), "{text}");
}
