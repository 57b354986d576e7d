//! systemd journal exports.
//!
//! [`Journald`] (`journald-json`) reads `journalctl -o json` (one object per line) and
//! `journalctl -o json-pretty` (pretty-printed objects one after another): one record per
//! entry at `__REALTIME_TIMESTAMP` (microseconds since the epoch, else
//! `_SOURCE_REALTIME_TIMESTAMP`), its text the `MESSAGE`. `PRIORITY` gives the level
//! (0–3 `error`, 4 `warn`, 5–6 `info`, 7 `debug`; the syslog name is kept as `severity`),
//! and entries at priority 3 or more urgent are [`Kind::Signal`]. `_SYSTEMD_UNIT` (without
//! `.service`), else `SYSLOG_IDENTIFIER`, names the service; `_HOSTNAME` the host.
//!
//! journalctl writes a `MESSAGE` that is not valid UTF-8 (colour codes, binary) as an array
//! of bytes. Its decoded text is not in the file, so such a record quotes the entry's
//! identifier and carries the decoded message as its summary.
//!
//! The JSON value stream reader at the bottom ([`json_values`]) is shared with the other
//! adapters that read JSON lines or pretty-printed value streams.

use std::borrow::Cow;
use std::sync::LazyLock;

use debrief_model::{Kind, Problem, Record, SourceFile, Span, When};
use regex::Regex;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::slack::{Str, head, json_error_text, json_start, read_array};
use crate::adapter::{Adapter, Context, Parsed};
use crate::jsonspan::span_of;
use crate::lines::LineIndex;
use crate::time::parse_epoch;

/// How much of a file `sniff` looks at.
const SNIFF_BYTES: usize = 8 * 1024;

pub struct Journald;

impl Adapter for Journald {
    fn format(&self) -> &'static str {
        "journald-json"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = head(&file.text, SNIFF_BYTES);
        if !json_start(head).starts_with('{') {
            return 0;
        }
        if head.contains("\"__REALTIME_TIMESTAMP\"") || head.contains("\"__CURSOR\"") {
            95
        } else if head.contains("\"MESSAGE\"")
            && (head.contains("\"_SOURCE_REALTIME_TIMESTAMP\"")
                || (head.contains("\"PRIORITY\"")
                    && (head.contains("\"_SYSTEMD_UNIT\"") || head.contains("\"SYSLOG_IDENTIFIER\""))))
        {
            85
        } else {
            0
        }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        let text = file.text.as_str();
        let index = LineIndex::new(text);
        let values = json_values(text, &index, "journal entries", &[]);
        let mut out = Parsed { problems: values.problems, ..Parsed::default() };
        let mut missing_time = Counted::new("more entries without a time were skipped");
        for raw in elements(&values.values, &mut out.problems, text, &index) {
            let (line, end) = span_of(text, &index, raw).unwrap_or((1, 1));
            if !raw.get().starts_with('{') {
                out.problems.push(Problem::at(line, "expected a journal entry object — skipped"));
                continue;
            }
            let entry: Entry<'_> = match serde_json::from_str(raw.get()) {
                Ok(e) => e,
                Err(e) => {
                    let message = format!("expected a journal entry object ({}) — skipped", json_error_text(&e));
                    out.problems.push(Problem::at(line, message));
                    continue;
                }
            };
            let Some((raw_time, utc)) = [&entry.realtime, &entry.source_realtime]
                .into_iter()
                .filter_map(Str::get)
                .find_map(|t| parse_epoch(t).map(|u| (t, u)))
            else {
                let message = "expected __REALTIME_TIMESTAMP (microseconds since the epoch) — entry skipped";
                missing_time.push(Problem::at(line, message), &mut out.problems);
                continue;
            };
            let span = Span::lines(cx.source, line, end);
            out.records.push(entry.record(span, When::exact(utc).with_original(raw_time)));
        }
        missing_time.finish(&mut out.problems);
        out
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entry<'a> {
    #[serde(rename = "__REALTIME_TIMESTAMP")]
    realtime: Str,
    #[serde(rename = "_SOURCE_REALTIME_TIMESTAMP")]
    source_realtime: Str,
    #[serde(rename = "MESSAGE", borrow)]
    message: Option<&'a RawValue>,
    #[serde(rename = "PRIORITY")]
    priority: Str,
    #[serde(rename = "_SYSTEMD_UNIT")]
    unit: Str,
    #[serde(rename = "_SYSTEMD_USER_UNIT")]
    user_unit: Str,
    #[serde(rename = "SYSLOG_IDENTIFIER")]
    identifier: Str,
    #[serde(rename = "_COMM")]
    comm: Str,
    #[serde(rename = "CONTAINER_NAME")]
    container: Str,
    #[serde(rename = "_HOSTNAME")]
    hostname: Str,
}

/// A `MESSAGE` as journalctl writes it.
enum Message {
    /// A string: verbatim in the file once JSON escapes are decoded.
    Text(String),
    /// An array of bytes: decoded here, not in the file.
    Bytes(String),
    /// `null` (too large for journalctl without `--all`) or absent.
    Missing,
}

impl Entry<'_> {
    fn message(&self) -> Message {
        let Some(raw) = self.message else { return Message::Missing };
        let body = raw.get();
        if body.starts_with('"') {
            return serde_json::from_str::<String>(body).map_or(Message::Missing, Message::Text);
        }
        if body.starts_with('[') {
            if let Ok(bytes) = serde_json::from_str::<Vec<u8>>(body) {
                return Message::Bytes(String::from_utf8_lossy(&bytes).into_owned());
            }
            // A field written several times: an array of its values.
            if let Ok(values) = serde_json::from_str::<Vec<Cow<'_, str>>>(body)
                && let Some(first) = values.into_iter().find(|v| !v.trim().is_empty())
            {
                return Message::Text(first.into_owned());
            }
        }
        Message::Missing
    }

    /// The unit without `.service`, else the syslog identifier or command.
    fn service(&self) -> Option<&str> {
        let unit = self.unit.get().or(self.user_unit.get()).filter(|u| !u.starts_with("session-"));
        unit.map(|u| u.strip_suffix(".service").unwrap_or(u))
            .or(self.container.get())
            .or(self.identifier.get())
            .or(self.comm.get())
    }

    fn record(&self, span: Span, when: When) -> Record {
        let priority = self.priority.get().and_then(|p| p.trim().parse::<u8>().ok()).filter(|p| *p <= 7);
        let (level, severity) = match priority {
            Some(p) => level_of(p),
            None => ("info", None),
        };
        let kind = if priority.is_some_and(|p| p <= 3) { Kind::Signal } else { Kind::Log };
        let label = self.identifier.get().or(self.unit.get()).or(self.comm.get()).unwrap_or("journal entry");
        let (text, summary) = match self.message() {
            Message::Text(t) if !t.trim().is_empty() => (t, None),
            Message::Text(_) => (label.to_string(), Some(format!("{label}: empty message"))),
            Message::Bytes(b) => {
                let clean: String = first_line(&b).chars().filter(|c| !c.is_control()).collect();
                let clean = ANSI.replace_all(&clean, "").trim().to_string();
                (label.to_string(), Some(format!("{label}: {clean}")))
            }
            Message::Missing => {
                (label.to_string(), Some(format!("{label}: message not exported (too large; journalctl --all)")))
            }
        };
        let mut rec = Record::new(span, when, kind, text);
        rec.summary = summary;
        rec.set_attr("level", level);
        if let Some(s) = severity {
            rec.set_attr("severity", s);
        }
        if let Some(s) = self.service() {
            rec.set_attr("service", s);
        }
        if let Some(u) = self.unit.get() {
            rec.set_attr("unit", u);
        }
        if let Some(h) = self.hostname.get() {
            rec.set_attr("host", h);
        }
        rec
    }
}

/// `[31m`-style colour codes left after control characters are dropped.
static ANSI: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\[[0-9;]*m").expect("valid regex"));

/// The level and syslog severity name of a journal priority.
fn level_of(priority: u8) -> (&'static str, Option<&'static str>) {
    let name = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"].get(priority as usize).copied();
    let level = match priority {
        0..=3 => "error",
        4 => "warn",
        5 | 6 => "info",
        _ => "debug",
    };
    (level, name)
}

fn first_line(s: &str) -> &str {
    s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("")
}

// ---------------------------------------------------------------------------------------
// JSON value streams, shared with the other adapters that read JSON lines.

/// How many line problems of one kind are listed before they are only counted.
pub(crate) const MAX_LINE_PROBLEMS: usize = 20;

/// A top-level JSON value of a file, or an item salvaged from a document that broke off.
#[derive(Debug, Clone, Copy)]
pub(crate) enum JsonValue<'a> {
    Top(&'a RawValue),
    /// An item of the top-level array, or of an array under one of the keys asked for.
    Salvaged(&'a RawValue),
}

impl<'a> JsonValue<'a> {
    pub(crate) fn raw(self) -> &'a RawValue {
        match self {
            Self::Top(r) | Self::Salvaged(r) => r,
        }
    }
}

/// The values of a file, with the problems met reading them.
#[derive(Debug, Default)]
pub(crate) struct JsonValues<'a> {
    pub(crate) values: Vec<JsonValue<'a>>,
    pub(crate) problems: Vec<Problem>,
}

/// Every top-level JSON value of `text`: one document, JSON lines, or pretty-printed values
/// one after another (`journalctl -o json-pretty`, `kubectl get -w -o json`), each borrowed
/// from `text` so [`span_of`] can place it. A malformed value is skipped up to the next line
/// that opens a value in its first column, with a problem at its line. When the file was a
/// single document that broke off, the complete items of its top-level array or of the
/// arrays under `keys` are salvaged and a fatal problem says how many were read.
pub(crate) fn json_values<'a>(
    text: &'a str,
    index: &LineIndex,
    what: &str,
    keys: &'static [&'static str],
) -> JsonValues<'a> {
    let mut out = JsonValues::default();
    let mut base = text.len() - text.trim_start_matches('\u{feff}').len();
    let mut skipped = Counted::new("more malformed JSON values were skipped");
    'restart: loop {
        let mut stream = serde_json::Deserializer::from_str(&text[base..]).into_iter::<&'a RawValue>();
        loop {
            let offset = base + stream.byte_offset();
            match stream.next() {
                None => break 'restart,
                Some(Ok(value)) => out.values.push(JsonValue::Top(value)),
                Some(Err(e)) => {
                    let start = offset + (text[offset..].len() - json_start(&text[offset..]).len());
                    let line = index.line_of(start);
                    let next = next_value_line(text, start);
                    if out.values.is_empty() && next.is_none() && !skipped.any() {
                        salvage(&mut out, &text[start..], line, what, keys, &e);
                        break 'restart;
                    }
                    let rest = if next.is_some() { "skipped" } else { "skipped; nothing after it was read" };
                    let message = format!("malformed JSON ({}) — {rest}", json_error_text(&e));
                    skipped.push(Problem::at(line, message), &mut out.problems);
                    match next {
                        Some(n) => {
                            base = n;
                            continue 'restart;
                        }
                        None => break 'restart,
                    }
                }
            }
        }
    }
    skipped.finish(&mut out.problems);
    out
}

/// The values, with the elements of top-level arrays in place of the arrays.
pub(crate) fn elements<'a>(
    values: &[JsonValue<'a>],
    problems: &mut Vec<Problem>,
    text: &str,
    index: &LineIndex,
) -> Vec<&'a RawValue> {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        let raw = v.raw();
        if matches!(v, JsonValue::Top(_)) && raw.get().starts_with('[') {
            match serde_json::from_str::<Vec<&'a RawValue>>(raw.get()) {
                Ok(items) => out.extend(items),
                Err(e) => {
                    let line = span_of(text, index, raw).map_or(1, |(l, _)| l);
                    problems.push(Problem::at(line, format!("unreadable array ({}) — skipped", json_error_text(&e))));
                }
            }
        } else {
            out.push(raw);
        }
    }
    out
}

/// The start of the first line after the one holding `start` that opens a JSON value in
/// its first column.
fn next_value_line(text: &str, start: usize) -> Option<usize> {
    let mut at = start;
    loop {
        let nl = memchr::memchr(b'\n', text.as_bytes().get(at..)?)?;
        at += nl + 1;
        if matches!(text.as_bytes().get(at), Some(b'{' | b'[')) {
            return Some(at);
        }
    }
}

fn salvage<'a>(
    out: &mut JsonValues<'a>,
    rest: &'a str,
    line: u32,
    what: &str,
    keys: &'static [&'static str],
    e: &serde_json::Error,
) {
    let shift = line.saturating_sub(1);
    match read_array(rest, what, keys) {
        Ok((items, problem)) if !items.is_empty() => {
            out.values.extend(items.into_iter().map(|(_, raw)| JsonValue::Salvaged(raw)));
            if let Some(mut p) = problem {
                p.line = p.line.map(|l| l + shift);
                out.problems.push(p);
            }
        }
        _ => {
            let message = format!("{} — expected {what}; the file was not read", super::slack::describe_json_error(e));
            out.problems.push(Problem::at(line + e.line().max(1) as u32 - 1, message).fatal());
        }
    }
}

/// Problems of one kind: the first few listed with their lines, the rest counted.
pub(crate) struct Counted {
    what: &'static str,
    count: usize,
}

impl Counted {
    pub(crate) fn new(what: &'static str) -> Self {
        Self { what, count: 0 }
    }

    pub(crate) fn any(&self) -> bool {
        self.count > 0
    }

    /// Lists `problem`, or only counts it past [`MAX_LINE_PROBLEMS`].
    pub(crate) fn push(&mut self, problem: Problem, problems: &mut Vec<Problem>) {
        self.count += 1;
        if self.count <= MAX_LINE_PROBLEMS {
            problems.push(problem);
        }
    }

    /// Adds the count of the problems not listed.
    pub(crate) fn finish(self, problems: &mut Vec<Problem>) {
        if self.count > MAX_LINE_PROBLEMS {
            let message = format!("{} {}", self.count - MAX_LINE_PROBLEMS, self.what);
            problems.push(Problem { line: None, message, can_continue: true });
        }
    }
}

// ---------------------------------------------------------------------------------------
// Test helpers shared by the adapters' tests.

#[cfg(test)]
pub(crate) mod testkit {
    use std::path::PathBuf;

    use debrief_model::{Record, SourceFile, quote_of};
    use jiff::civil::Date;

    use crate::IncidentConfig;
    use crate::adapter::{Adapter, Context, Parsed};
    use crate::time::zone_named;

    /// `adapter` parsing `text` as the bundle's only file.
    pub(crate) fn parse(adapter: &dyn Adapter, path: &str, text: &str) -> Parsed {
        parse_with(adapter, path, text, None, None)
    }

    /// Same, with an `incident.toml` zone and an anchor date.
    pub(crate) fn parse_with(
        adapter: &dyn Adapter,
        path: &str,
        text: &str,
        zone: Option<&str>,
        anchor: Option<Date>,
    ) -> Parsed {
        let files = vec![SourceFile::new(path, text)];
        let config = IncidentConfig::default();
        let tz = zone.and_then(zone_named);
        let cx = Context {
            source: 0,
            files: &files,
            config: &config,
            zone: tz.as_ref().map(|(n, z)| (n.as_str(), z)),
            anchor_date: anchor,
        };
        adapter.parse(&files[0], &cx)
    }

    pub(crate) fn sniff(adapter: &dyn Adapter, path: &str, text: &str) -> u8 {
        adapter.sniff(&SourceFile::new(path, text))
    }

    /// The format `crate::detect` picks for `text`.
    pub(crate) fn detected(path: &str, text: &str) -> Option<&'static str> {
        crate::detect(&SourceFile::new(path, text)).map(Adapter::format)
    }

    /// JSON string escapes decoded, as the scorer does before matching a quote.
    pub(crate) fn unescape(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('b') => out.push('\u{8}'),
                Some('f') => out.push('\u{c}'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).unwrap_or('\u{fffd}'));
                }
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        }
        out
    }

    /// Every record's quote (the first line of its text) is found in its span, raw or with
    /// JSON escapes decoded, and the span is inside the file.
    pub(crate) fn assert_quotable(text: &str, records: &[Record]) {
        let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
        for r in records {
            let quote = quote_of(&r.text, 120);
            assert!(!quote.is_empty(), "empty quote for {r:?}");
            assert!(r.span.line >= 1 && r.span.end_line as usize <= lines.len(), "span out of the file: {r:?}");
            let span = lines[r.span.line as usize - 1..r.span.end_line as usize].join("\n");
            assert!(
                span.contains(&quote) || unescape(&span).contains(&quote),
                "quote {quote:?} not in lines {}..{}",
                r.span.line,
                r.span.end_line
            );
        }
    }

    pub(crate) fn at(r: &Record) -> String {
        r.when.utc.map(|t| t.to_string()).unwrap_or_default()
    }

    pub(crate) fn spans(p: &Parsed) -> Vec<(u32, u32)> {
        p.records.iter().map(|r| (r.span.line, r.span.end_line)).collect()
    }

    /// A path under `../shared`, when this clone has it.
    pub(crate) fn shared(rel: &str) -> Option<PathBuf> {
        let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/")).join(rel);
        p.exists().then_some(p)
    }

    /// Every file under `dir`, recursively, in path order.
    pub(crate) fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    out.push(path);
                }
            }
        }
        out.sort();
        out
    }

    /// Which of the files under `../shared/eval` and `../shared/eval-data` `adapter` would
    /// claim over every other adapter (none of them is its format). `None` when absent.
    pub(crate) fn claimed_in_shared(adapter: &dyn Adapter) -> Option<Vec<String>> {
        let root = shared("eval-data")?;
        let mut dirs = vec![root];
        dirs.extend(shared("eval/incidents"));
        let mut claimed = Vec::new();
        for dir in dirs {
            for path in files_under(&dir) {
                let Ok(bytes) = std::fs::read(&path) else { continue };
                if bytes.len() > 8 * 1024 * 1024 {
                    continue;
                }
                let text = String::from_utf8_lossy(&bytes);
                let rel = path.to_string_lossy().to_string();
                let file = SourceFile::new(rel.clone(), text);
                if adapter.sniff(&file) > 0 && crate::detect(&file).map(Adapter::format) == Some(adapter.format()) {
                    claimed.push(rel);
                }
            }
        }
        Some(claimed)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::testkit::{assert_quotable, at, claimed_in_shared, detected, parse, sniff, spans};
    use super::*;

    const LINES: &str = include_str!("../../tests/fixtures/journald-json/checkout-node.jsonl");
    const PRETTY: &str = include_str!("../../tests/fixtures/journald-json/pretty.json");

    #[test]
    fn sniff_recognises_both_outputs_and_nothing_else() {
        assert_eq!(sniff(&Journald, "journal.jsonl", LINES), 95);
        assert_eq!(sniff(&Journald, "journal.json", PRETTY), 95);
        assert_eq!(detected("journal.jsonl", LINES), Some("journald-json"));
        assert_eq!(detected("journal.json", PRETTY), Some("journald-json"));
        let partial = r#"{"MESSAGE": "x", "PRIORITY": "6", "_SYSTEMD_UNIT": "a.service"}"#;
        assert_eq!(sniff(&Journald, "x.json", partial), 85);
        assert_eq!(sniff(&Journald, "app.jsonl", r#"{"time": "2024-10-08T14:00:00Z", "msg": "hi"}"#), 0);
        assert_eq!(sniff(&Journald, "notes.md", "MESSAGE __REALTIME_TIMESTAMP"), 0);
    }

    #[test]
    fn json_lines_become_records_with_levels_and_services() {
        let p = parse(&Journald, "journal/checkout-node.jsonl", LINES);
        assert_quotable(LINES, &p.records);
        assert_eq!(p.records.len(), 9);
        assert_eq!(spans(&p).iter().map(|s| s.0).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6, 7, 9, 10]);

        let start = &p.records[0];
        assert_eq!(start.text, "Started checkout-api.service - Checkout API.");
        assert_eq!(at(start), "2024-10-08T14:36:52.118204Z");
        assert_eq!(start.when.original.as_deref(), Some("1728398212118204"));
        assert_eq!(start.kind, Kind::Log);
        assert_eq!(start.attr("level"), Some("info"));
        assert_eq!(start.attr("severity"), Some("info"));
        assert_eq!(start.attr("service"), Some("init.scope"), "systemd's own unit");
        assert_eq!(start.attr("host"), Some("ip-10-0-3-17"));

        let warn = &p.records[2];
        assert_eq!(warn.attr("level"), Some("warn"));
        assert_eq!(warn.attr("service"), Some("checkout-api"));
        assert_eq!(warn.attr("unit"), Some("checkout-api.service"));
        assert_eq!(warn.text, "HikariPool-1 - Connection is not available, request timed out after 15004ms.");

        let err = &p.records[3];
        assert_eq!(err.kind, Kind::Signal);
        assert_eq!((err.attr("level"), err.attr("severity")), (Some("error"), Some("err")));
        assert!(err.text.starts_with("POST /checkout failed: \"upstream paynetic timed out\""));

        let oom = &p.records[4];
        assert_eq!(oom.kind, Kind::Signal);
        assert_eq!(oom.attr("service"), Some("kernel"));
        assert_eq!(oom.attr("severity"), Some("crit"));
        assert_eq!(oom.text, "Out of memory: Killed process 2314 (java) total-vm:8123456kB, anon-rss:3987654kB");

        // A byte-array MESSAGE: quoted by its identifier, decoded into the summary.
        let bytes = &p.records[5];
        assert_eq!(bytes.text, "checkout-api");
        assert_eq!(bytes.summary.as_deref(), Some("checkout-api: ERROR pool exhausted"));
        assert_eq!(bytes.kind, Kind::Signal);

        let failed = &p.records[6];
        assert_eq!(failed.text, "checkout-api.service: Main process exited, code=killed, status=9/KILL");
        assert_eq!(failed.attr("level"), Some("warn"));

        // Line 8 is broken; the next lines are still read. Line 10 uses the source time.
        assert_eq!(p.problems.len(), 2, "{:?}", p.problems);
        assert_eq!(p.problems[0].line, Some(8));
        assert!(p.problems[0].can_continue);
        assert_eq!(p.problems[1].line, Some(11), "no time at all");
        assert_eq!(at(&p.records[8]), "2024-10-08T14:41:30.5Z");
        assert_eq!(p.records[7].attr("level"), Some("debug"));
    }

    #[test]
    fn pretty_output_cites_whole_objects() {
        let p = parse(&Journald, "journal/pretty.json", PRETTY);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(PRETTY, &p.records);
        assert_eq!(spans(&p), [(1, 15), (16, 29), (30, 43)]);
        assert_eq!(p.records[1].text, "nginx: [emerg] bind() to 0.0.0.0:443 failed (98: Address already in use)");
        assert_eq!(p.records[1].kind, Kind::Signal);
        assert_eq!(p.records[1].attr("service"), Some("nginx"));
        assert_eq!(at(&p.records[2]), "2024-10-08T14:52:03.000001Z");
        // The message is written as several values: the first is read.
        assert_eq!(p.records[2].text, "Reloading nginx.");
    }

    #[test]
    fn broken_documents_and_junk() {
        let p = parse(
            &Journald,
            "x.json",
            "[{\"__REALTIME_TIMESTAMP\": \"1728398212118204\", \"MESSAGE\": \"a\"},\n {\"MES",
        );
        assert_eq!(p.records.len(), 1, "the complete entry of a broken array is kept");
        assert_eq!(p.problems.len(), 1);
        assert!(!p.problems[0].can_continue);
        let p = parse(&Journald, "x.json", "-- Logs begin at Tue 2024-10-08 --\n");
        assert!(p.records.is_empty());
        assert!(!p.problems[0].can_continue, "{:?}", p.problems);
        let p = parse(&Journald, "x.json", "[1, \"two\", null]");
        assert!(p.records.is_empty());
        assert_eq!(p.problems.len(), 3);
    }

    #[test]
    fn many_bad_lines_are_counted_not_listed() {
        let text = "{\"__REALTIME_TIMESTAMP\": \"1728398212118204\", \"MESSAGE\": \"ok\"}\n".to_string()
            + &"{broken\n".repeat(30);
        let p = parse(&Journald, "x.jsonl", &text);
        assert_eq!(p.records.len(), 1);
        assert_eq!(p.problems.len(), MAX_LINE_PROBLEMS + 1);
        assert!(p.problems.last().is_some_and(|p| p.message.starts_with("10 more")), "{:?}", p.problems.last());
    }

    #[test]
    fn many_lines_parse_whole() {
        // Speed is measured by the benches; this checks a long export loses nothing.
        let line = "{\"__REALTIME_TIMESTAMP\":\"1728398212118204\",\"PRIORITY\":\"6\",\"_SYSTEMD_UNIT\":\"checkout-api.service\",\"_HOSTNAME\":\"ip-10-0-3-17\",\"MESSAGE\":\"GET /health 200 3ms\"}\n";
        let text = line.repeat(200_000);
        let p = parse(&Journald, "big.jsonl", &text);
        assert_eq!(p.records.len(), 200_000);
        assert_eq!(p.records.last().map(|r| r.span.line), Some(200_000));
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn claims_nothing_in_the_shared_samples() {
        let Some(claimed) = claimed_in_shared(&Journald) else {
            eprintln!("../shared not found; skipping");
            return;
        };
        assert!(claimed.is_empty(), "{claimed:?}");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC*") {
            let _ = sniff(&Journald, "x.json", &s);
            let p = parse(&Journald, "x.json", &s);
            assert_quotable(&s, &p.records);
        }

        #[test]
        fn arbitrary_entries_never_panic(ts in "[0-9]{0,20}", msg in any::<Vec<u8>>(), prio in "[0-9a-z]{0,2}") {
            let text = format!(
                "{{\"__REALTIME_TIMESTAMP\": \"{ts}\", \"PRIORITY\": \"{prio}\", \"MESSAGE\": {}}}\n",
                serde_json::to_string(&msg).unwrap_or_default()
            );
            let p = parse(&Journald, "x.jsonl", &text);
            prop_assert!(p.records.len() <= 1);
        }
    }
}
