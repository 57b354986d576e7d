//! Bad input gets a clear message naming the file (and line), the rest of the bundle is
//! still used, and nothing panics.

use std::fs;
use std::io::Write;

use serde_json::Value;

use crate::{debrief, stderr};

const GOOD_LOG: &str = "2024-05-01T10:02:13Z ERROR checkout failed: pool exhausted\n2024-05-01T10:02:20Z INFO ok\n";

fn draft_json(bundle: &std::path::Path) -> (Value, String) {
    let out = debrief(&["draft", bundle.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    (serde_json::from_slice(&out.stdout).expect("review JSON"), stderr(&out))
}

fn source<'a>(review: &'a Value, path: &str) -> &'a Value {
    review["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == path)
        .unwrap_or_else(|| panic!("no source {path}"))
}

#[test]
fn broken_files_are_named_and_the_rest_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path();
    fs::create_dir_all(b.join("slack/general")).unwrap();
    fs::write(
        b.join("slack/general/2024-05-01.json"),
        "[\n  {\"type\": \"message\", \"ts\": \"1714557733.000100\", \"text\": \"deploying\"},\n  {\"type\": \"mess",
    )
    .unwrap();
    fs::write(b.join("core.bin"), b"\x7fELF\x02\x01\x01\0\0\0\0\0").unwrap();
    fs::write(b.join("notes.md"), b"10:02 paged\n10:05 rollback \xff\xfe done\n").unwrap();
    fs::write(b.join("app.log"), GOOD_LOG).unwrap();
    let (review, err) = draft_json(b);

    // The good log still gives its records.
    assert_eq!(source(&review, "app.log")["records"], 2);
    // The truncated Slack file: a problem with its line, named on stderr.
    let slack = source(&review, "slack/general/2024-05-01.json");
    let problems = slack["problems"].as_array().unwrap();
    assert!(problems.iter().any(|p| p["line"].as_u64().is_some()), "{slack}");
    assert!(err.contains("slack/general/2024-05-01.json:"), "{err}");
    // The binary file is skipped with a reason.
    let skipped = review["skipped"].as_array().unwrap();
    assert!(
        skipped.iter().any(|s| s["path"] == "core.bin" && s["reason"].as_str().unwrap().contains("binary")),
        "{skipped:?}"
    );
    assert!(err.contains("core.bin: skipped"), "{err}");
    // Invalid UTF-8 is reported at its line, and the file is still read.
    let notes = source(&review, "notes.md");
    assert!(
        notes["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["line"] == 2 && p["message"].as_str().unwrap().contains("UTF-8"))
    );
    assert!(notes["records"].as_u64().unwrap() >= 2);
}

#[test]
fn empty_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = debrief(&["draft", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("no files") && err.contains(dir.path().to_str().unwrap()), "{err}");
    assert!(err.contains("hint:"), "{err}");
}

#[test]
fn missing_bundle_is_a_clear_error() {
    let out = debrief(&["draft", "/nonexistent/INC-1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/nonexistent/INC-1: no such file or folder"), "{}", stderr(&out));
}

#[test]
fn zip_with_escaping_entries_is_refused_entry_by_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.zip");
    let mut w = zip::ZipWriter::new(fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("../../etc/cron.d/evil", opts).unwrap();
    w.write_all(b"* * * * * root sh\n").unwrap();
    w.start_file("logs/app.log", opts).unwrap();
    w.write_all(GOOD_LOG.as_bytes()).unwrap();
    w.finish().unwrap();
    let (review, err) = draft_json(&path);
    assert_eq!(source(&review, "logs/app.log")["records"], 2);
    let skipped = review["skipped"].as_array().unwrap();
    assert!(
        skipped
            .iter()
            .any(|s| s["path"] == "../../etc/cron.d/evil" && s["reason"].as_str().unwrap().contains("escapes"))
    );
    assert!(err.contains("../../etc/cron.d/evil"), "{err}");
    assert!(!dir.path().join("../etc/cron.d/evil").exists());
}

#[test]
fn not_an_archive_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.zip");
    fs::write(&path, b"this is not a zip").unwrap();
    let out = debrief(&["draft", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bundle.zip: not a readable archive"), "{}", stderr(&out));
}
