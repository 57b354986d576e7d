//! A log read in a stream (in parallel pieces, counted in order) yields the same records,
//! problems and templates as the same log loaded whole — on the awkward lines too: CRLF
//! endings, blank lines, bytes that are not UTF-8, lines in no layout, escaped and nested
//! JSON, a line longer than a read buffer, stack-trace continuations.

use std::fmt::Write as _;
use std::path::Path;

use debrief_ingest::{Ingested, LoadLimits, ingest, load_with};
use debrief_model::Record;

fn read(dir: &Path, stream: bool) -> Ingested {
    let limits = LoadLimits { stream_logs_above: if stream { 0 } else { u64::MAX }, ..LoadLimits::default() };
    let bundle = load_with(dir, limits).unwrap();
    assert_eq!(bundle.streamed.is_empty(), !stream);
    ingest(&bundle)
}

/// What a record says, for comparing the two reads.
fn view(r: &Record) -> String {
    let mut attrs: Vec<String> = r.attrs.iter().map(|a| format!("{}={}", a.key, a.value)).collect();
    attrs.sort();
    format!(
        "{}:{}-{} {:?} {:?} {:?} {:?} [{}]",
        r.span.source,
        r.span.line,
        r.span.end_line,
        r.when.utc,
        r.kind,
        r.text,
        r.summary,
        attrs.join(", ")
    )
}

fn compare(dir: &Path) {
    let whole = read(dir, false);
    let streamed = read(dir, true);
    for (w, s) in whole.sources.iter().zip(&streamed.sources) {
        assert_eq!((&w.path, &w.format, w.lines, w.records), (&s.path, &s.format, s.lines, s.records));
        let problems = |src: &debrief_model::Source| {
            let mut p: Vec<String> = src.problems.iter().map(|p| format!("{:?} {}", p.line, p.message)).collect();
            p.sort();
            p
        };
        assert_eq!(problems(w), problems(s), "{}", w.path);
    }
    let by_line: std::collections::HashMap<(u32, u32, bool), String> =
        whole.records.iter().map(|r| ((r.span.source, r.span.line, r.attr("template").is_some()), view(r))).collect();
    assert!(streamed.records.len() < whole.records.len());
    assert!(streamed.records.iter().any(|r| r.attr("template").is_some()), "a burst record");
    assert!(streamed.sources.iter().any(|s| s.problems.iter().any(|p| p.message.contains("UTF-8"))));
    for r in &streamed.records {
        let key = (r.span.source, r.span.line, r.attr("template").is_some());
        assert_eq!(by_line.get(&key), Some(&view(r)), "streamed record at line {}", r.span.line);
    }
    let templates = |i: &Ingested| {
        let mut t: Vec<String> =
            i.templates.iter().map(|t| format!("{} {} {} {}", t.source, t.text, t.count, t.signal_lines)).collect();
        t.sort();
        t
    };
    assert_eq!(templates(&whole), templates(&streamed));
}

#[test]
fn awkward_json_lines_read_alike_streamed_and_whole() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("logs")).unwrap();
    let mut log: Vec<u8> = Vec::new();
    for i in 0..12_000u32 {
        let (m, s) = (i / 60 % 60, i % 60);
        let t = format!("2024-05-01T10:{m:02}:{s:02}.{:03}Z", i % 1000);
        let line = match i % 997 {
            0 => String::new(),
            1 => "not json at all".to_string(),
            2 => format!(
                r#"{{"time": "{t}", "severity": "ERROR", "jsonPayload": {{"message": "nested \"quoted\" failure {i}"}}}}"#
            ),
            3 => format!(r#"{{"ts": "{t}", "level": "warn", "msg": "escaped \u00e9 tab\there {i}", "status": 503}}"#),
            4 => format!(
                r#"{{"time": "{t}", "level": "info", "message": "{}"}}"#,
                "x".repeat(if i < 1000 { 1_500_000 } else { 10 })
            ),
            _ if (3000..3600).contains(&i) && i % 3 == 0 => format!(
                r#"{{"@timestamp": "{t}", "level": "ERROR", "message": "upstream timed out after {}ms", "http_status": 504}}"#,
                i % 90
            ),
            _ => format!(
                r#"{{"@timestamp": "{t}", "level": "INFO", "message": "GET /api/orders/{i} 200 {}ms"}}"#,
                i % 90
            ),
        };
        log.extend_from_slice(line.as_bytes());
        if i % 997 == 5 {
            log.extend_from_slice(b" \xff\xfe broken");
        }
        log.extend_from_slice(if i % 2 == 0 { b"\r\n" } else { b"\n" });
    }
    std::fs::write(dir.path().join("logs/api.jsonl"), &log).unwrap();
    compare(dir.path());
}

#[test]
fn awkward_text_lines_read_alike_streamed_and_whole() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("logs")).unwrap();
    let mut log = String::new();
    for i in 0..15_000u32 {
        let (m, s) = (i / 60 % 60, i % 60);
        let t = format!("2024-05-01 10:{m:02}:{s:02},{:03}", i % 1000);
        match i % 499 {
            0 => log.push('\n'),
            1 => {
                writeln!(log, "{t} ERROR [worker-{}] job {i} failed", i % 4).unwrap();
                log.push_str("java.lang.IllegalStateException: pool exhausted\r\n\tat a.b.C.run(C.java:42)\n\tat a.b.D.call(D.java:7)\n");
            }
            2 => writeln!(log, "a line in no layout {i}").unwrap(),
            _ if (4000..4600).contains(&i) => writeln!(log, "{t} WARN [db] slow query took {}ms", i % 700).unwrap(),
            _ => writeln!(log, "{t} INFO [http-{}] GET /api/orders/{i} 200", i % 8).unwrap(),
        }
    }
    let mut bytes = log.into_bytes();
    let at = bytes.len() / 2;
    let at = at + bytes[at..].iter().position(|&b| b == b'\n').unwrap();
    bytes.splice(at..at, b" \xc3\x28 bad utf-8".iter().copied());
    std::fs::write(dir.path().join("logs/worker.log"), &bytes).unwrap();
    compare(dir.path());
}
