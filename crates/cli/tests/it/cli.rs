//! The flags are wired: init, sources, draft options, exit codes.

use std::fs;

use serde_json::Value;

use crate::{debrief, stderr, stdout};

fn small_bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("incident.toml"),
        "id = \"INC-7\"\ntitle = \"Checkout errors\"\ntimezone = \"America/Chicago\"\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("app.log"),
        "2024-05-01T15:02:13Z ERROR checkout failed: pool exhausted\n2024-05-01T15:02:14Z ERROR checkout failed: pool exhausted\n",
    )
    .unwrap();
    dir
}

#[test]
fn init_writes_a_skeleton_and_will_not_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("INC-1");
    let out = debrief(&["init", target.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let toml = fs::read_to_string(target.join("incident.toml")).unwrap();
    assert!(toml.contains("# timezone = "));
    assert!(fs::read_to_string(target.join("notes.md")).unwrap().contains("all times PT"));
    let again = debrief(&["init", target.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--force"));
    assert!(debrief(&["init", "--force", target.to_str().unwrap()]).status.success());
    // The skeleton is itself a bundle: drafting it says Unknown rather than failing.
    let draft = debrief(&["draft", target.to_str().unwrap()]);
    assert!(draft.status.success(), "{}", stderr(&draft));
    assert!(stdout(&draft).contains("**Unknown**"));
}

#[test]
fn sources_lists_formats() {
    let dir = small_bundle();
    let out = debrief(&["sources", dir.path().to_str().unwrap()]);
    assert!(out.status.success());
    insta::assert_snapshot!(stdout(&out), @r"
    path           format                    lines  records  problems
    app.log        log-lines                     2        2  0
    incident.toml  incident-config               3        0  0
    ");
    let json = debrief(&["sources", dir.path().to_str().unwrap(), "--format", "json"]);
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["sources"][0]["format"], "log-lines");
    assert_eq!(v["zone"], "America/Chicago");
}

#[test]
fn draft_writes_to_a_file_in_the_zone_asked() {
    let dir = small_bundle();
    let out_path = dir.path().join("../review.md");
    let out =
        debrief(&["draft", dir.path().to_str().unwrap(), "-o", out_path.to_str().unwrap(), "--tz", "Europe/Berlin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "data went to the file, not stdout");
    let md = fs::read_to_string(&out_path).unwrap();
    assert!(md.starts_with("# Postmortem draft — INC-7: Checkout errors"), "{md}");
    assert!(md.contains("| Europe/Berlin | UTC | Event | Evidence |"), "{md}");
    assert!(md.contains("2024-05-01 17:02:13 CEST"), "{md}");

    let json = debrief(&["draft", dir.path().to_str().unwrap(), "--format", "json"]);
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["schema"], "debrief.review/v1");
    assert_eq!(v["display_timezone"], "America/Chicago");
    assert_eq!(v["timeline"][0]["citations"][0]["source"], "app.log");
    assert_eq!(v["timeline"][0]["citations"][0]["line"], 1);
}

#[test]
fn bad_zone_and_bad_flags_have_their_exit_codes() {
    let dir = small_bundle();
    let out = debrief(&["draft", dir.path().to_str().unwrap(), "--tz", "Mars/Olympus"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("Mars/Olympus") && stderr(&out).contains("hint:"), "{}", stderr(&out));
    assert_eq!(debrief(&["draft"]).status.code(), Some(2));
    assert_eq!(debrief(&["draft", "x", "--format", "pdf"]).status.code(), Some(2));
}

#[test]
fn lint_flags_findings_with_exit_code_3() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("pm.md");
    fs::write(&bad, "# Summary\n\nThe on-call should have escalated.\n\n## Action items\n\n- Improve monitoring\n")
        .unwrap();
    let out = debrief(&["lint", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let text = stdout(&out);
    assert!(text.contains("pm.md:3: blame:"), "{text}");
    assert!(text.contains("pm.md:7: action-owner:"), "{text}");
    let json = debrief(&["lint", bad.to_str().unwrap(), "--format", "json"]);
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["files"][0]["findings"][0]["rule"], "blame");
    assert_eq!(v["files"][0]["findings"][0]["line"], 3);
    assert_eq!(debrief(&["lint"]).status.code(), Some(2));
}

#[test]
fn redact_writes_the_same_files_with_the_same_lines_and_a_report_without_values() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("bundle");
    fs::create_dir_all(b.join("notes")).unwrap();
    fs::write(
        b.join("incident.toml"),
        "[people]\n\"Dana Whitfield\" = \"incident commander\"\n[redact]\nterms = [\"Project Nightingale\"]\n",
    )
    .unwrap();
    let notes = "10:02 Dana Whitfield paged\n10:05 db url postgres://app:Sup3r-NOTREAL-pw@db1/orders\n10:07 Project Nightingale is affected\n";
    fs::write(b.join("notes/oncall.md"), notes).unwrap();
    let out_dir = dir.path().join("redacted");
    let out = debrief(&["redact", b.to_str().unwrap(), "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let red = fs::read_to_string(out_dir.join("notes/oncall.md")).unwrap();
    assert_eq!(red.lines().count(), notes.lines().count());
    for leaked in ["Dana", "Whitfield", "Sup3r-NOTREAL-pw", "Nightingale"] {
        assert!(!red.contains(leaked), "{leaked} survived: {red}");
    }
    assert!(red.contains("‹Incident commander› paged"), "{red}");
    let report = fs::read_to_string(out_dir.join("redaction-report.json")).unwrap();
    let v: Value = serde_json::from_str(&report).unwrap();
    assert!(v["totals"]["person"].as_u64().unwrap() >= 1);
    assert_eq!(v["totals"]["term"], 2, "once in the notes, once in incident.toml's own [redact] list");
    assert!(!report.contains("Sup3r") && !report.contains("Dana"), "the report holds no values");
    // A second run into the same folder is refused.
    assert_eq!(debrief(&["redact", b.to_str().unwrap(), "--out", out_dir.to_str().unwrap()]).status.code(), Some(1));
}

/// A log too large to hold is redacted a block at a time, a gzipped one too (and written
/// back gzipped): every line is kept, no value survives, and a private key that straddles a
/// block's end is still replaced whole.
#[test]
fn redact_streams_large_logs() {
    use std::fmt::Write as _;
    use std::io::{Read, Write as _};
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("bundle");
    fs::create_dir_all(b.join("logs")).unwrap();
    fs::write(b.join("incident.toml"), "[people]\n\"Dana Whitfield\" = \"incident commander\"\n").unwrap();
    let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAnotrealnotrealnotrealnotreal\nQyNTUxOQAAACBkZXbvZGVyNOTREALNOTREAL\n-----END RSA PRIVATE KEY-----\n";
    let mut log = String::new();
    let mut n = 0;
    // Lines of 100 bytes up to just before the 8 MiB block end, then the key across it.
    while log.len() < (8 << 20) - 60 {
        n += 1;
        writeln!(
            log,
            "2024-05-01T10:00:{:02}Z INFO user dana.whitfield@example.com logged in from 10.2.3.{:<3} req {n:>12}",
            n % 60,
            n % 200
        )
        .unwrap();
    }
    log.push_str(key);
    log.push_str("2024-05-01T10:01:00Z ERROR password=hunter2-NOTREAL rejected\n");
    fs::write(b.join("logs/app.log"), &log).unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        fs::File::create(b.join("logs/old.log.gz")).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(log.as_bytes()).unwrap();
    gz.finish().unwrap();
    fs::write(b.join("notes.md"), "10:02 Dana Whitfield paged\n").unwrap();

    let out_dir = dir.path().join("redacted");
    let out = debrief(&["redact", b.to_str().unwrap(), "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plain = fs::read_to_string(out_dir.join("logs/app.log")).unwrap();
    let mut unzipped = String::new();
    flate2::read::MultiGzDecoder::new(fs::File::open(out_dir.join("logs/old.log.gz")).unwrap())
        .read_to_string(&mut unzipped)
        .unwrap();
    assert_eq!(plain, unzipped);
    assert_eq!(plain.lines().count(), log.lines().count());
    for leaked in ["dana.whitfield@example.com", "10.2.3.", "MIIEowIBAAKCAQEA", "NOTREALNOTREAL", "hunter2-NOTREAL"] {
        assert!(!plain.contains(leaked), "{leaked} survived");
    }
    let report: Value =
        serde_json::from_str(&fs::read_to_string(out_dir.join("redaction-report.json")).unwrap()).unwrap();
    let per_file = |f: &str, rule: &str| report["files"][f][rule].as_u64().unwrap_or(0);
    assert_eq!(per_file("logs/app.log", "person"), n as u64, "{report}");
    assert_eq!(per_file("logs/old.log.gz", "private-key"), 0);
    assert_eq!(per_file("logs/old.log.gz", "secret:private-key"), 1);
    assert_eq!(per_file("logs/old.log.gz", "person"), n as u64);
}

#[test]
fn redact_stdin_to_stdout() {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["redact", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"key AKIA5QXTZ3FAKEK7V2NB\nmail jane.doe@corp-mail.io\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "key ‹secret:aws-access-key›\nmail ‹email›\n");
}
