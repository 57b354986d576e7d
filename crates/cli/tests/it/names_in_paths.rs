//! A file named after a person (`notes/priya-raman.md`) is shown by its role in the review,
//! in what a model is sent and in the redacted bundle; the JSON keeps the real path where
//! citations are resolved by it, and every citation still checks out.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::{debrief, stderr, stdout};

/// Every way the fixture's real names could be written in a path or a text, lowercased.
const NAME_FORMS: &[&str] = &["priya", "raman", "dana", "whitfield"];

fn bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path();
    fs::create_dir_all(b.join("notes")).unwrap();
    fs::create_dir_all(b.join("people/dana_whitfield")).unwrap();
    fs::create_dir_all(b.join("logs")).unwrap();
    fs::write(
        b.join("incident.toml"),
        "id = \"INC-8\"\ntitle = \"Checkout errors\"\ntimezone = \"UTC\"\n\n[people]\n\
         \"Priya Raman\" = \"incident commander\"\n\"Dana Whitfield\" = \"primary on-call\"\n",
    )
    .unwrap();
    fs::write(
        b.join("logs/app.log"),
        "2024-05-01T10:02:13Z ERROR checkout-api pool exhausted\n\
         2024-05-01T10:02:14Z ERROR checkout-api pool exhausted\n\
         2024-05-01T10:02:15Z ERROR checkout-api pool exhausted\n\
         2024-05-01T10:12:00Z INFO checkout-api requests succeeding again\n",
    )
    .unwrap();
    fs::write(
        b.join("notes/priya-raman.md"),
        "# Notes, 2024-05-01 (UTC)\n\n\
         - 10:03 paged for checkout errors, taking incident command\n\
         - 10:06 rolled back checkout-api v2.31.0\n\
         - 10:12 errors back to normal, incident resolved\n",
    )
    .unwrap();
    fs::write(
        b.join("people/dana_whitfield/handoff.md"),
        "# Handoff, 2024-05-01 (UTC)\n\n- 10:04 acknowledged the page, looking at the pool metrics\n",
    )
    .unwrap();
    fs::write(b.join("notes/Priya_Raman-screenshot.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0").unwrap();
    dir
}

fn files(root: &Path) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, String::from_utf8_lossy(&fs::read(&p).unwrap()).into_owned());
            }
        }
    }
    out
}

fn leaked(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    NAME_FORMS.iter().copied().filter(|n| lower.contains(n)).collect()
}

/// The JSON without the fields that name a file of the bundle for a checker: `path` of
/// sources and skipped files, `source` of citations and log templates.
fn without_paths(v: &Value) -> Value {
    match v {
        Value::Object(m) => m
            .iter()
            .filter(|(k, _)| *k != "path" && *k != "source")
            .map(|(k, v)| (k.clone(), without_paths(v)))
            .collect(),
        Value::Array(a) => Value::Array(a.iter().map(without_paths).collect()),
        other => other.clone(),
    }
}

fn citations<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(m) => {
            if m.contains_key("source") && m.contains_key("line") && m.contains_key("quote") {
                out.push(v);
            }
            m.values().for_each(|v| citations(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| citations(v, out)),
        _ => {}
    }
}

#[test]
fn a_file_named_after_a_person_is_shown_by_their_role() {
    let dir = bundle();
    let b = dir.path().to_str().unwrap();

    let md = debrief(&["draft", b]);
    assert!(md.status.success(), "{}", stderr(&md));
    let md = stdout(&md);
    assert!(leaked(&md).is_empty(), "{:?} in the Markdown:\n{md}", leaked(&md));
    assert!(md.contains("`notes/incident-commander.md:"), "the notes are cited by their label:\n{md}");
    assert!(md.contains("| `notes/incident-commander.md` |"), "{md}");
    assert!(md.contains("`people/primary-on-call/handoff.md"), "{md}");
    assert!(md.contains("- `notes/incident-commander-screenshot.png`: "), "{md}");

    let json = debrief(&["draft", b, "--format", "json"]);
    assert!(json.status.success(), "{}", stderr(&json));
    let review: Value = serde_json::from_slice(&json.stdout).unwrap();
    let sources = review["sources"].as_array().unwrap();
    let notes = sources.iter().find(|s| s["path"] == "notes/priya-raman.md").expect("the notes are a source");
    assert_eq!(notes["label"], "notes/incident-commander.md");
    let handoff = sources.iter().find(|s| s["path"] == "people/dana_whitfield/handoff.md").unwrap();
    assert_eq!(handoff["label"], "people/primary-on-call/handoff.md");
    let log = sources.iter().find(|s| s["path"] == "logs/app.log").unwrap();
    assert_eq!(log["label"], "logs/app.log", "a path without a name is its own label");
    // Outside the fields a checker resolves, no name: not in prose, labels or quotes.
    let rest = without_paths(&review).to_string();
    assert!(leaked(&rest).is_empty(), "{:?} in the JSON outside paths: {rest}", leaked(&rest));

    // Every citation names a listed source by its real path and checks out against the
    // bundle as it is on disk; the notes are among them.
    let mut cites = Vec::new();
    citations(&review, &mut cites);
    let paths: Vec<&str> = sources.iter().map(|s| s["path"].as_str().unwrap()).collect();
    assert!(cites.iter().all(|c| paths.contains(&c["source"].as_str().unwrap())));
    assert!(cites.iter().any(|c| c["source"] == "notes/priya-raman.md"), "the notes are cited");
    let on_disk = files(dir.path());
    let report = debrief_verify::verify(&review, |p| on_disk.get(p).map(String::as_str));
    assert!(report.checked > 0 && report.ok(), "{:#?}", report.failures);

    // What a model would be sent.
    let dry = std::process::Command::new(env!("CARGO_BIN_EXE_debrief"))
        .env("XDG_CONFIG_HOME", dir.path())
        .env("DEBRIEF_API_KEY", "sk-test-key")
        .args(["draft", b, "--llm", "openai-compatible:fake", "--base-url", "http://127.0.0.1:9/v1", "--dry-run"])
        .output()
        .unwrap();
    assert!(dry.status.success(), "{}", stderr(&dry));
    let sent = stdout(&dry);
    assert!(leaked(&sent).is_empty(), "{:?} in the request: {sent}", leaked(&sent));
    assert!(sent.contains("] notes/incident-commander.md:"), "evidence lines name the label: {sent}");

    // The redacted bundle holds the file under its label, so the Markdown's citations
    // resolve against it.
    let work = tempfile::tempdir().unwrap();
    let out_dir = work.path().join("redacted");
    let red = debrief(&["redact", b, "--out", out_dir.to_str().unwrap()]);
    assert!(red.status.success(), "{}", stderr(&red));
    let written = files(&out_dir);
    assert!(written.contains_key("notes/incident-commander.md"), "{:?}", written.keys());
    assert!(written.contains_key("people/primary-on-call/handoff.md"), "{:?}", written.keys());
    let names: String = written.keys().cloned().collect::<Vec<_>>().join(" ");
    assert!(leaked(&names).is_empty(), "{names}");
    assert!(leaked(&written["redaction-report.json"]).is_empty(), "{}", written["redaction-report.json"]);
}
