//! The HTTP providers against in-process fake servers: what goes on the wire, byte for
//! byte, and what comes back from good, slow, failing and malformed servers.

mod fake_llm;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use debrief_llm::provider::{self, Anthropic, Cancel, HttpOptions, OpenAiCompatible, Secret, Settings, Spec};
use debrief_llm::{ChatRequest, LlmError, Message, Provider};
use fake_llm::{FakeServer, Reply};
use serde_json::json;

/// A key that must never leave the headers.
const KEY: &str = "sk-proj-PLANTEDk3yZ9xQ2w8VbN4mT7rL1cF6";

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
    move |k| map.get(k).cloned()
}

fn fast(retries: u32) -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_secs(5),
        retries,
        backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..HttpOptions::default()
    }
}

fn schema() -> serde_json::Value {
    json!({
        "title": "debrief_claims",
        "type": "object",
        "properties": {"claims": {"type": "array"}},
        "required": ["claims"]
    })
}

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![
            Message::system("Write claims as JSON. Cite evidence ids."),
            Message::user("E1 [2024-05-01T10:02:13Z] slack/general:12 ‹Responder A› rolled back api"),
        ],
        json_schema: Some(schema()),
        max_tokens: 512,
        temperature: 0.2,
    }
}

fn completion(text: &str) -> Reply {
    Reply::json(
        200,
        &json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366}
        }),
    )
}

const ANSWER: &str = r#"{"claims":[{"text":"api was rolled back","cites":["E1"]}]}"#;

fn openai_at(server: &FakeServer, options: &HttpOptions) -> Box<dyn Provider> {
    let settings = Settings { base_url: Some(format!("{}/v1", server.base)), ..Settings::default() };
    let spec = Spec::parse("openai:gpt-4o-mini").unwrap();
    provider::build(&spec, &settings, &env(&[("OPENAI_API_KEY", KEY)]), options).unwrap()
}

fn compatible_at(server: &FakeServer, options: HttpOptions) -> OpenAiCompatible {
    OpenAiCompatible::new(&format!("{}/v1", server.base), "qwen2.5", None, options).unwrap()
}

/// The key appears nowhere in the request but its one header line.
fn assert_key_only_in(raw: &[u8], header_line: &str) {
    let text = String::from_utf8_lossy(raw);
    let hits: Vec<&str> = text.split("\r\n").filter(|l| l.contains(KEY)).collect();
    assert_eq!(hits.len(), 1, "{text}");
    assert!(hits[0].to_ascii_lowercase().starts_with(header_line), "{}", hits[0]);
}

#[test]
fn openai_good_answer_sends_exactly_the_request() {
    let server = FakeServer::start(vec![completion(ANSWER)]);
    let model = openai_at(&server, &fast(0));
    assert_eq!(model.label(), "openai:gpt-4o-mini");
    let answer = model.complete(&request()).unwrap();
    assert_eq!(answer.text, ANSWER);
    assert_eq!((answer.usage.prompt_tokens, answer.usage.completion_tokens), (321, 45));

    let got = server.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.target, "/v1/chat/completions");
    assert_eq!(r.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("user-agent").is_some_and(|u| u.starts_with("debrief/")));
    let body = r.json();
    assert_eq!(
        body,
        json!({
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "Write claims as JSON. Cite evidence ids."},
                {"role": "user", "content": "E1 [2024-05-01T10:02:13Z] slack/general:12 ‹Responder A› rolled back api"}
            ],
            "max_completion_tokens": 512,
            "temperature": 0.2,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "debrief_claims", "schema": schema(), "strict": false}
            }
        })
    );
    assert!(!String::from_utf8_lossy(&r.body).contains(KEY));
    assert_key_only_in(&r.raw, "authorization: bearer ");
}

#[test]
fn dry_run_shows_the_bytes_that_are_sent_with_the_key_masked() {
    let server = FakeServer::start(vec![completion(ANSWER)]);
    let settings = Settings { base_url: Some(format!("{}/v1", server.base)), ..Settings::default() };
    let spec = Spec::parse("openai:gpt-4o-mini").unwrap();
    let vars = env(&[("OPENAI_API_KEY", KEY)]);
    let dry = provider::describe(&spec, &settings, &vars, &request()).unwrap();
    assert_eq!(server.count(), 0, "a dry run sends nothing");
    assert_eq!(dry.url, format!("{}/v1/chat/completions", server.base));
    assert!(dry.headers.contains(&("authorization".into(), "Bearer ‹secret›".into())));
    let shown = format!("{dry} {dry:?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("POST http://127.0.0.1:") && shown.contains("\"strict\": false"), "{shown}");

    provider::build(&spec, &settings, &vars, &fast(0)).unwrap().complete(&request()).unwrap();
    assert_eq!(server.received()[0].body, dry.body_bytes());

    // Without the key a dry run still works and says what is unset.
    let dry = provider::describe(&spec, &settings, &|_| None, &request()).unwrap();
    assert!(dry.to_string().contains("OPENAI_API_KEY is unset"), "{dry}");
}

#[test]
fn a_429_with_retry_after_is_waited_out_then_retried() {
    let server = FakeServer::start(vec![
        Reply::json(429, &json!({"error": {"message": "Rate limit reached"}})).header("retry-after-ms", "300"),
        completion(ANSWER),
    ]);
    let model = compatible_at(&server, fast(3));
    let started = Instant::now();
    let answer = model.complete(&request()).unwrap();
    assert_eq!(answer.text, ANSWER);
    assert_eq!(server.count(), 2);
    assert!(started.elapsed() >= Duration::from_millis(300), "Retry-After was not honoured");
}

#[test]
fn a_retry_after_beyond_the_cap_ends_the_request() {
    let server =
        FakeServer::start(vec![Reply::raw(429, "slow down").header("Retry-After", "3600"), completion(ANSWER)]);
    let err = compatible_at(&server, fast(3)).complete(&request()).unwrap_err();
    assert!(matches!(err, LlmError::Status { status: 429, .. }), "{err:?}");
    assert_eq!(server.count(), 1);
}

#[test]
fn two_500s_then_success() {
    let server = FakeServer::start(vec![Reply::raw(500, "boom"), Reply::raw(503, "overloaded"), completion(ANSWER)]);
    let answer = compatible_at(&server, fast(3)).complete(&request()).unwrap();
    assert_eq!(answer.text, ANSWER);
    assert_eq!(server.count(), 3);
    let bodies: Vec<Vec<u8>> = server.received().into_iter().map(|r| r.body).collect();
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "every retry sends the same body");
}

#[test]
fn a_server_that_keeps_failing_is_given_up_on() {
    let long = format!("internal error {}", "x".repeat(2000));
    let server = FakeServer::start(vec![Reply::raw(500, &long)]);
    let err = compatible_at(&server, fast(2)).complete(&request()).unwrap_err();
    assert_eq!(server.count(), 3, "one attempt and two retries");
    let LlmError::Status { status, body, url } = &err else { panic!("{err:?}") };
    assert_eq!(*status, 500);
    assert!(url.ends_with("/v1/chat/completions"));
    assert!(body.starts_with("internal error xxx") && body.chars().count() <= 301, "{body}");
}

#[test]
fn other_client_errors_are_final_and_never_quote_the_key() {
    let server = FakeServer::start(vec![Reply::json(
        401,
        &json!({"error": {"message": format!("Incorrect API key provided: {KEY}")}}),
    )]);
    let model = openai_at(&server, &fast(3));
    let err = model.complete(&request()).unwrap_err();
    assert_eq!(server.count(), 1);
    assert!(matches!(err, LlmError::Status { status: 401, .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("Incorrect API key provided: ‹secret›"), "{shown}");
    assert!(!shown.contains(KEY), "{shown}");
}

#[test]
fn a_slow_server_times_out_without_retrying() {
    let server = FakeServer::start(vec![completion(ANSWER).after(Duration::from_secs(3))]);
    let options = HttpOptions { timeout: Duration::from_millis(300), ..fast(3) };
    let err = compatible_at(&server, options).complete(&request()).unwrap_err();
    assert!(matches!(err, LlmError::Timeout { seconds: 1, .. }), "{err:?}");
    assert_eq!(server.count(), 1);
}

#[test]
fn a_garbage_body_is_malformed() {
    let server = FakeServer::start(vec![Reply::raw(200, "<html><body>502 Bad Gateway</body></html>")]);
    let err = compatible_at(&server, fast(3)).complete(&request()).unwrap_err();
    let LlmError::Malformed(why) = &err else { panic!("{err:?}") };
    assert!(why.contains("<html><body>502 Bad Gateway"), "{why}");
    assert_eq!(server.count(), 1, "a malformed answer is not retried");

    let server = FakeServer::start(vec![Reply::json(200, &json!({"choices": []}))]);
    let err = compatible_at(&server, fast(0)).complete(&request()).unwrap_err();
    assert!(matches!(&err, LlmError::Malformed(w) if w.contains("no choices")), "{err:?}");
}

#[test]
fn an_answer_cut_at_the_limit_is_malformed() {
    let server = FakeServer::start(vec![Reply::json(
        200,
        &json!({"choices": [{"message": {"content": "{\"claims\": [{\"te"}, "finish_reason": "length"}]}),
    )]);
    let err = compatible_at(&server, fast(0)).complete(&request()).unwrap_err();
    assert!(matches!(&err, LlmError::Malformed(w) if w.contains("max_tokens")), "{err:?}");
}

#[test]
fn a_400_about_response_format_falls_back_to_json_mode_then_to_none() {
    let refused = Reply::json(
        400,
        &json!({"error": {"message": "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model."}}),
    );
    let server = FakeServer::start(vec![refused.clone(), completion(ANSWER)]);
    let answer = compatible_at(&server, fast(0)).complete(&request()).unwrap();
    assert_eq!(answer.text, ANSWER);
    let got = server.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].json()["response_format"]["type"], "json_schema");
    assert_eq!(got[1].json()["response_format"], json!({"type": "json_object"}));
    assert_eq!(got[1].json()["messages"], got[0].json()["messages"]);

    let server = FakeServer::start(vec![refused.clone(), refused.clone(), completion(ANSWER)]);
    compatible_at(&server, fast(0)).complete(&request()).unwrap();
    let got = server.received();
    assert_eq!(got.len(), 3);
    assert!(got[2].json().get("response_format").is_none(), "{:?}", got[2].json());

    // A server that refuses even the plain request: the 400 is final.
    let server = FakeServer::start(vec![refused]);
    let err = compatible_at(&server, fast(0)).complete(&request()).unwrap_err();
    assert!(matches!(err, LlmError::Status { status: 400, .. }), "{err:?}");
    assert_eq!(server.count(), 3);
}

#[test]
fn a_400_about_temperature_drops_it_and_one_about_max_tokens_renames_it() {
    let server = FakeServer::start(vec![
        Reply::json(
            400,
            &json!({"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."}}),
        ),
        Reply::json(
            400,
            &json!({"error": {"message": "Unsupported value: 'temperature' does not support 0.2 with this model."}}),
        ),
        completion(ANSWER),
    ]);
    compatible_at(&server, fast(0)).complete(&request()).unwrap();
    let got = server.received();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].json()["max_tokens"], 512);
    assert_eq!(got[1].json()["max_completion_tokens"], 512);
    assert!(got[1].json().get("max_tokens").is_none());
    assert_eq!(got[1].json()["temperature"], 0.2);
    assert!(got[2].json().get("temperature").is_none());
}

#[test]
fn anthropic_messages_with_system_and_version_headers() {
    let server = FakeServer::start(vec![Reply::json(
        200,
        &json!({
            "id": "msg_1", "type": "message", "role": "assistant",
            "content": [{"type": "text", "text": "{\"claims\":"}, {"type": "text", "text": "[]}"}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 210, "output_tokens": 12}
        }),
    )]);
    let settings = Settings { base_url: Some(server.base.clone()), ..Settings::default() };
    let spec = Spec::parse("anthropic:claude-sonnet-4-5").unwrap();
    let model = provider::build(&spec, &settings, &env(&[("ANTHROPIC_API_KEY", KEY)]), &fast(0)).unwrap();
    assert_eq!(model.label(), "anthropic:claude-sonnet-4-5");
    let answer = model.complete(&request()).unwrap();
    assert_eq!(answer.text, "{\"claims\":[]}");
    assert_eq!((answer.usage.prompt_tokens, answer.usage.completion_tokens), (210, 12));

    let r = &server.received()[0];
    assert_eq!(r.target, "/v1/messages");
    assert_eq!(r.header("x-api-key"), Some(KEY));
    assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(r.header("authorization"), None);
    assert_eq!(
        r.json(),
        json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 512,
            "temperature": 0.2,
            "system": "Write claims as JSON. Cite evidence ids.",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "E1 [2024-05-01T10:02:13Z] slack/general:12 ‹Responder A› rolled back api"}]}]
        })
    );
    assert_key_only_in(&r.raw, "x-api-key: ");
}

#[test]
fn anthropic_overloaded_is_retried_and_errors_are_statuses() {
    let server = FakeServer::start(vec![
        Reply::json(529, &json!({"type": "error", "error": {"type": "overloaded_error"}})),
        Reply::json(
            400,
            &json!({"type": "error", "error": {"type": "invalid_request_error", "message": "messages: roles must alternate"}}),
        ),
    ]);
    let model = Anthropic::new(&server.base, "claude-haiku-4-5", Some(Secret::new(KEY)), fast(2)).unwrap();
    let err = model.complete(&request()).unwrap_err();
    assert_eq!(server.count(), 2);
    let LlmError::Status { status: 400, body, .. } = &err else { panic!("{err:?}") };
    assert!(body.contains("roles must alternate"), "{body}");
}

#[test]
fn azure_puts_the_deployment_in_the_path_and_the_key_in_api_key() {
    let server = FakeServer::start(vec![completion(ANSWER)]);
    let vars = env(&[("AZURE_OPENAI_ENDPOINT", &server.base), ("AZURE_OPENAI_API_KEY", KEY)]);
    let spec = Spec::parse("azure:prod-gpt4o").unwrap();
    let model = provider::build(&spec, &Settings::default(), &vars, &fast(0)).unwrap();
    assert_eq!(model.label(), "azure:prod-gpt4o");
    model.complete(&request()).unwrap();
    let r = &server.received()[0];
    assert_eq!(r.target, "/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21");
    assert_eq!(r.header("api-key"), Some(KEY));
    assert_eq!(r.header("authorization"), None);
    let body = r.json();
    assert!(body.get("model").is_none(), "the deployment names the model: {body}");
    assert_eq!(body["max_tokens"], 512);
    assert_key_only_in(&r.raw, "api-key: ");

    let settings = Settings { api_version: Some("2025-01-01-preview".into()), ..Settings::default() };
    provider::build(&spec, &settings, &vars, &fast(0)).unwrap().complete(&request()).unwrap();
    assert!(server.received()[1].target.ends_with("?api-version=2025-01-01-preview"));
}

#[test]
fn ollama_is_openai_compatible_without_a_key() {
    let server = FakeServer::start(vec![completion(ANSWER)]);
    let settings = Settings { base_url: Some(format!("{}/v1", server.base)), ..Settings::default() };
    let spec = Spec::parse("ollama:qwen2.5:7b").unwrap();
    let model = provider::build(&spec, &settings, &|_| None, &fast(0)).unwrap();
    assert_eq!(model.label(), "ollama:qwen2.5:7b");
    model.complete(&request()).unwrap();
    let r = &server.received()[0];
    assert_eq!(r.target, "/v1/chat/completions");
    assert_eq!(r.header("authorization"), None);
    assert_eq!(r.json()["model"], "qwen2.5:7b");

    // OLLAMA_HOST, when no base URL is set.
    let host = server.base.trim_start_matches("http://").to_string();
    let model = provider::build(&spec, &Settings::default(), &env(&[("OLLAMA_HOST", &host)]), &fast(0)).unwrap();
    model.complete(&request()).unwrap();
    assert_eq!(server.count(), 2);
}

#[test]
fn openai_compatible_sends_debrief_api_key_when_set() {
    let server = FakeServer::start(vec![completion(ANSWER)]);
    let settings = Settings { base_url: Some(format!("{}/v1", server.base)), ..Settings::default() };
    let spec = Spec::parse("openai-compatible:qwen2.5").unwrap();
    provider::build(&spec, &settings, &env(&[("DEBRIEF_API_KEY", KEY)]), &fast(0))
        .unwrap()
        .complete(&request())
        .unwrap();
    assert_eq!(server.received()[0].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
}

#[test]
fn cancelled_before_the_first_attempt_sends_nothing() {
    let server = FakeServer::start(vec![completion(ANSWER)]);
    let cancel = Cancel::new();
    cancel.cancel();
    let model = compatible_at(&server, fast(3).with_cancel(cancel));
    let err = model.complete(&request()).unwrap_err();
    assert!(matches!(err, LlmError::Cancelled), "{err:?}");
    assert_eq!(server.count(), 0);
}

#[test]
fn cancelled_while_waiting_to_retry() {
    let server = FakeServer::start(vec![Reply::raw(503, "busy").header("Retry-After", "30")]);
    let cancel = Cancel::new();
    let options = HttpOptions { max_retry_after: Duration::from_secs(60), ..fast(3) }.with_cancel(cancel.clone());
    let model = compatible_at(&server, options);
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        cancel.cancel();
    });
    let err = model.complete(&request()).unwrap_err();
    stopper.join().unwrap();
    assert!(matches!(err, LlmError::Cancelled), "{err:?}");
    assert_eq!(server.count(), 1, "no retry after the cancel");
}

#[test]
fn a_refused_connection_is_retried_then_reported() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let model =
        OpenAiCompatible::new(&format!("http://127.0.0.1:{port}/v1"), "m", Some(Secret::new(KEY)), fast(2)).unwrap();
    let err = model.complete(&request()).unwrap_err();
    let LlmError::Transport { url, message } = &err else { panic!("{err:?}") };
    assert_eq!(url, &format!("http://127.0.0.1:{port}/v1/chat/completions"));
    assert!(!message.is_empty());
    assert!(!format!("{err} {err:?}").contains(KEY));
}

#[test]
fn configuration_errors_say_what_to_set() {
    let settings = Settings::default();
    let build = |spec: &str, vars: &[(&str, &str)]| {
        let spec = Spec::parse(spec).unwrap();
        match provider::build(&spec, &settings, &env(vars), &fast(0)) {
            Ok(p) => panic!("{} built", p.label()),
            Err(e) => e.to_string(),
        }
    };
    let e = build("openai:gpt-4o-mini", &[]);
    assert!(e.contains("set OPENAI_API_KEY"), "{e}");
    let e = build("anthropic:claude-sonnet-4-5", &[("OPENAI_API_KEY", KEY)]);
    assert!(e.contains("set ANTHROPIC_API_KEY"), "{e}");
    let e = build("azure:d", &[("AZURE_OPENAI_API_KEY", KEY)]);
    assert!(e.contains("AZURE_OPENAI_ENDPOINT"), "{e}");
    let e = build("azure:d", &[("AZURE_OPENAI_ENDPOINT", "https://r.openai.azure.com")]);
    assert!(e.contains("AZURE_OPENAI_API_KEY"), "{e}");
    let e = build("openai-compatible:qwen2.5", &[]);
    assert!(e.contains("--base-url") && e.contains("DEBRIEF_BASE_URL"), "{e}");
    let e = build("openai:m", &[("OPENAI_API_KEY", KEY), ("OPENAI_BASE_URL", "localhost:8080")]);
    assert!(e.contains("base URL `localhost:8080`"), "{e}");
    if cfg!(not(feature = "local")) {
        let e = build("local:/models/model.gguf", &[]);
        assert!(e.contains("--features local"), "{e}");
    }
}

#[test]
fn providers_never_show_their_key() {
    let a = Anthropic::new("https://api.anthropic.com", "m", Some(Secret::new(KEY)), fast(0)).unwrap();
    let o = OpenAiCompatible::openai("https://api.openai.com/v1", "m", Some(Secret::new(KEY)), fast(0)).unwrap();
    let shown = format!("{a:?} {o:?} {:?} {}", a.dry_run(&request()), o.dry_run(&request()));
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("Secret(‹secret›)"), "{shown}");
}

#[test]
fn cancelled_while_waiting_for_a_slow_answer() {
    let server = FakeServer::start(vec![completion(ANSWER).after(Duration::from_secs(3))]);
    let cancel = Cancel::new();
    let model = compatible_at(&server, fast(3).with_cancel(cancel.clone()));
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        cancel.cancel();
    });
    // Had the answer been waited for, it would have been returned.
    let err = model.complete(&request()).unwrap_err();
    stopper.join().unwrap();
    assert!(matches!(err, LlmError::Cancelled), "{err:?}");
    assert_eq!(server.count(), 1);
}

#[test]
fn credentials_in_a_base_url_are_not_repeated_in_errors() {
    let server = FakeServer::start(vec![Reply::raw(503, "down")]);
    let base = server.base.replace("http://", "http://admin:hunter2pass@");
    let model = OpenAiCompatible::new(&format!("{base}/v1"), "m", None, fast(0)).unwrap();
    let err = model.complete(&request()).unwrap_err();
    let shown = format!("{err} {err:?} {model:?}");
    assert!(matches!(err, LlmError::Status { status: 503, .. }), "{err:?}");
    assert!(!shown.contains("hunter2pass") && !shown.contains("admin"), "{shown}");
}
