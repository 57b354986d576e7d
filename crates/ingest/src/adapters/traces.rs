//! Distributed traces.
//!
//! [`Traces`] (`traces`) reads OpenTelemetry OTLP/JSON exports (`{"resourceSpans":
//! [{"resource": {"attributes": [{"key": "service.name", …}]}, "scopeSpans": [{"spans":
//! [...]}]}]}`, also the older `instrumentationLibrarySpans`, one request per file or per
//! line as the file exporter writes them) and Jaeger JSON (`{"data": [{"traceID", "spans":
//! [{"operationName", "startTime", "duration", "tags", "logs", "processID"}], "processes":
//! {...}}]}`, times in microseconds).
//!
//! A trace export holds thousands of ordinary spans, so spans are not records. Per service
//! and operation:
//! - error spans (OTLP `status.code` 2 / `STATUS_CODE_ERROR`; Jaeger tag `error=true` or
//!   `otel.status_code=ERROR`) become [`Kind::Signal`] records, the errors of one minute
//!   folded into one record with a `count`;
//! - latency outliers, judged once an operation has at least [`MIN_SPANS`] spans: a span
//!   longer than `max(3 × median, median + 6 × MAD)` of its operation. Outliers of one minute
//!   fold into one [`Kind::Signal`] record with `duration_ms` (the longest) and
//!   `baseline_ms` (the median).
//!
//! Each record cites the first span of its group (the span's whole object) and quotes its
//! status message or error message, else its name.

use std::collections::HashMap;
use std::sync::LazyLock;

use debrief_model::{Kind, Problem, Record, SourceFile, Span, When};
use jiff::{SignedDuration, Timestamp};
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::journald::{Counted, JsonValue, json_values};
use super::slack::{Str, head, json_error_text, json_start, parse_obj};
use crate::adapter::{Adapter, Context, Parsed};
use crate::jsonspan::span_of;
use crate::lines::LineIndex;
use crate::time::parse_epoch;

/// How much of a file `sniff` looks at.
const SNIFF_BYTES: usize = 8 * 1024;
/// How many spans an operation needs before its outliers are judged.
pub const MIN_SPANS: usize = 20;
/// The operation of a span without a name.
const UNNAMED: &str = "(unnamed span)";
/// Errors or outliers of one operation this close to the first of a group join it.
const FOLD: SignedDuration = SignedDuration::from_secs(60);

pub struct Traces;

impl Adapter for Traces {
    fn format(&self) -> &'static str {
        "traces"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = head(&file.text, SNIFF_BYTES);
        if !matches!(json_start(head).as_bytes().first(), Some(b'{' | b'[')) {
            return 0;
        }
        let has = |k: &str| head.contains(k);
        let jaeger = has("\"traceID\"") && has("\"operationName\"") && has("\"spans\"");
        if OTLP.is_match(head) || jaeger { 95 } else { 0 }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        let mut reader = Reader::new(&file.text);
        reader.read();
        reader.finish(cx.source)
    }
}

static OTLP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""(resourceSpans|resource_spans|instrumentationLibrarySpans)"\s*:\s*\["#).expect("valid regex")
});

// ---------------------------------------------------------------------------------------
// Spans as read

/// One span, as much of it as the judging needs.
struct SpanInfo {
    service: String,
    operation: String,
    /// The span has a name of its own (`operation` is not a stand-in).
    named: bool,
    start: Timestamp,
    start_raw: String,
    duration_ns: i64,
    error: bool,
    /// The status or error message, when there is one.
    message: Option<String>,
    trace_id: Option<String>,
    http_status: Option<String>,
    lines: (u32, u32),
}

impl SpanInfo {
    /// The quote: the error message for an error, else the span's name, else its start
    /// time as written.
    fn text(&self, error: bool) -> &str {
        match (&self.message, error) {
            (Some(m), true) if !m.trim().is_empty() => m,
            _ if self.named => &self.operation,
            _ => &self.start_raw,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct OtlpDoc<'a> {
    #[serde(borrow)]
    resource_spans: Option<&'a RawValue>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ResourceSpans<'a> {
    #[serde(borrow)]
    resource: Option<&'a RawValue>,
    #[serde(borrow)]
    scope_spans: Option<&'a RawValue>,
    #[serde(borrow)]
    instrumentation_library_spans: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Resource {
    attributes: Vec<KeyValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KeyValue {
    key: Str,
    value: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ScopeSpans<'a> {
    #[serde(borrow)]
    spans: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct OtlpSpan {
    trace_id: Str,
    name: Str,
    start_time_unix_nano: Str,
    end_time_unix_nano: Str,
    attributes: Vec<KeyValue>,
    status: Option<Status>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Status {
    code: Str,
    message: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JaegerTrace<'a> {
    #[serde(borrow)]
    spans: Option<&'a RawValue>,
    processes: HashMap<String, Process>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Process {
    #[serde(rename = "serviceName")]
    service_name: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JaegerSpan {
    #[serde(rename = "traceID")]
    trace_id: Str,
    #[serde(rename = "operationName")]
    operation: Str,
    #[serde(rename = "startTime")]
    start: Str,
    duration: Str,
    tags: Vec<KeyValue>,
    logs: Vec<JaegerLog>,
    #[serde(rename = "processID")]
    process_id: Str,
    process: Option<Process>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JaegerLog {
    fields: Vec<KeyValue>,
}

/// An OTLP `AnyValue` (`{"stringValue": …}`, `{"intValue": "503"}`) or a Jaeger tag value,
/// as text.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(m) => {
            ["stringValue", "intValue", "boolValue", "doubleValue"].iter().find_map(|k| m.get(*k)).and_then(value_text)
        }
        _ => None,
    }
}

fn attr(attrs: &[KeyValue], keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| attrs.iter().find(|a| a.key.get() == Some(k)).and_then(|a| value_text(&a.value)))
}

struct Reader<'a> {
    text: &'a str,
    index: LineIndex,
    spans: Vec<SpanInfo>,
    problems: Vec<Problem>,
    bad: Counted,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            index: LineIndex::new(text),
            spans: Vec::new(),
            problems: Vec::new(),
            bad: Counted::new("more spans were skipped"),
        }
    }

    fn lines(&self, raw: &RawValue) -> (u32, u32) {
        span_of(self.text, &self.index, raw).unwrap_or((1, 1))
    }

    fn problem(&mut self, raw: &RawValue, message: impl Into<String>) {
        let (line, _) = self.lines(raw);
        self.bad.push(Problem::at(line, message), &mut self.problems);
    }

    fn array(&mut self, raw: Option<&'a RawValue>, what: &str) -> Vec<&'a RawValue> {
        let Some(raw) = raw else { return Vec::new() };
        match serde_json::from_str::<Vec<&'a RawValue>>(raw.get()) {
            Ok(items) => items,
            Err(e) => {
                self.problem(raw, format!("expected {what} to be an array ({}) — skipped", json_error_text(&e)));
                Vec::new()
            }
        }
    }

    fn read(&mut self) {
        let values = json_values(self.text, &self.index, "traces", &["resourceSpans", "data"]);
        self.problems = values.problems;
        for v in values.values {
            match v {
                JsonValue::Top(raw) if raw.get().starts_with('[') => {
                    // A bare array of Jaeger traces.
                    for t in self.array(Some(raw), "the file") {
                        self.jaeger_trace(t);
                    }
                }
                JsonValue::Top(raw) => self.document(raw),
                JsonValue::Salvaged(raw) => {
                    let probe: ResourceSpans<'a> = parse_obj(Some(raw));
                    if probe.scope_spans.is_some() || probe.instrumentation_library_spans.is_some() {
                        self.resource_spans(raw);
                    } else {
                        self.jaeger_trace(raw);
                    }
                }
            }
        }
    }

    fn document(&mut self, raw: &'a RawValue) {
        let doc: OtlpDoc<'a> = match serde_json::from_str(raw.get()) {
            Ok(d) => d,
            Err(e) => {
                self.problem(
                    raw,
                    format!("expected an OTLP or Jaeger trace document ({}) — skipped", json_error_text(&e)),
                );
                return;
            }
        };
        if doc.resource_spans.is_some() {
            for rs in self.array(doc.resource_spans, "\"resourceSpans\"") {
                self.resource_spans(rs);
            }
        } else if doc.data.is_some() {
            for t in self.array(doc.data, "\"data\"") {
                self.jaeger_trace(t);
            }
        } else {
            self.jaeger_trace(raw);
        }
    }

    fn resource_spans(&mut self, raw: &'a RawValue) {
        let rs: ResourceSpans<'a> = parse_obj(Some(raw));
        let resource: Resource = parse_obj(rs.resource);
        let service = attr(&resource.attributes, &["service.name"]).unwrap_or_else(|| "unknown_service".to_string());
        let scopes = rs.scope_spans.or(rs.instrumentation_library_spans);
        for scope in self.array(scopes, "\"scopeSpans\"") {
            let scope: ScopeSpans<'a> = parse_obj(Some(scope));
            for span in self.array(scope.spans, "\"spans\"") {
                self.otlp_span(span, &service);
            }
        }
    }

    fn otlp_span(&mut self, raw: &'a RawValue, service: &str) {
        let span: OtlpSpan = match serde_json::from_str(raw.get()) {
            Ok(s) => s,
            Err(e) => {
                self.problem(raw, format!("expected a span object ({}) — skipped", json_error_text(&e)));
                return;
            }
        };
        let (Some(start_raw), Some(end_raw)) = (span.start_time_unix_nano.get(), span.end_time_unix_nano.get()) else {
            self.problem(raw, "span has no startTimeUnixNano/endTimeUnixNano — skipped");
            return;
        };
        let (Ok(start_ns), Ok(end_ns)) = (start_raw.trim().parse::<i128>(), end_raw.trim().parse::<i128>()) else {
            self.problem(raw, "span times are not nanoseconds since the epoch — skipped");
            return;
        };
        let Some(start) = Timestamp::from_nanosecond(start_ns).ok().filter(|_| start_ns > 0) else {
            self.problem(raw, format!("startTimeUnixNano {start_raw:?} is out of range — skipped"));
            return;
        };
        let status = span.status.unwrap_or_default();
        let error = matches!(status.code.get(), Some("2" | "STATUS_CODE_ERROR" | "ERROR"));
        let message = status
            .message
            .get()
            .map(str::to_string)
            .or_else(|| error.then(|| attr(&span.attributes, &["exception.message", "error.message"])).flatten());
        let lines = self.lines(raw);
        self.spans.push(SpanInfo {
            service: service.to_string(),
            operation: span.name.get().unwrap_or(UNNAMED).to_string(),
            named: span.name.get().is_some(),
            start,
            start_raw: start_raw.to_string(),
            duration_ns: i64::try_from((end_ns - start_ns).max(0)).unwrap_or(i64::MAX),
            error,
            message,
            trace_id: span.trace_id.get().map(str::to_string),
            http_status: attr(&span.attributes, &["http.response.status_code", "http.status_code"]),
            lines,
        });
    }

    fn jaeger_trace(&mut self, raw: &'a RawValue) {
        let trace: JaegerTrace<'a> = match serde_json::from_str(raw.get()) {
            Ok(t) => t,
            Err(e) => {
                self.problem(raw, format!("expected a Jaeger trace ({}) — skipped", json_error_text(&e)));
                return;
            }
        };
        if trace.spans.is_none() {
            self.problem(raw, "expected OTLP \"resourceSpans\" or a Jaeger trace with \"spans\" — skipped");
            return;
        }
        for span in self.array(trace.spans, "\"spans\"") {
            self.jaeger_span(span, &trace.processes);
        }
    }

    fn jaeger_span(&mut self, raw: &'a RawValue, processes: &HashMap<String, Process>) {
        let span: JaegerSpan = match serde_json::from_str(raw.get()) {
            Ok(s) => s,
            Err(e) => {
                self.problem(raw, format!("expected a Jaeger span ({}) — skipped", json_error_text(&e)));
                return;
            }
        };
        let Some(start_raw) = span.start.get() else {
            self.problem(raw, "span has no startTime — skipped");
            return;
        };
        let Some(start) = parse_epoch(start_raw) else {
            self.problem(raw, format!("startTime {start_raw:?} is not microseconds since the epoch — skipped"));
            return;
        };
        let duration_us = span.duration.get().and_then(|d| d.trim().parse::<f64>().ok()).unwrap_or(0.0).max(0.0);
        let service = span
            .process
            .as_ref()
            .and_then(|p| p.service_name.get())
            .or_else(|| span.process_id.get().and_then(|id| processes.get(id)).and_then(|p| p.service_name.get()))
            .unwrap_or("unknown_service")
            .to_string();
        let tag = |k: &str| attr(&span.tags, &[k]);
        let error = tag("error").is_some_and(|v| v == "true") || tag("otel.status_code").is_some_and(|v| v == "ERROR");
        let from_logs = || {
            span.logs
                .iter()
                .find_map(|l| attr(&l.fields, &["message", "error.object", "exception.message", "error.message"]))
        };
        let message = tag("otel.status_description")
            .or_else(|| tag("error.message"))
            .or_else(|| tag("exception.message"))
            .or_else(from_logs)
            .filter(|m| !m.eq_ignore_ascii_case("true"));
        let lines = self.lines(raw);
        self.spans.push(SpanInfo {
            service,
            operation: span.operation.get().unwrap_or(UNNAMED).to_string(),
            named: span.operation.get().is_some(),
            start,
            start_raw: start_raw.to_string(),
            duration_ns: (duration_us * 1000.0) as i64,
            error,
            message,
            trace_id: span.trace_id.get().map(str::to_string),
            http_status: tag("http.status_code").or_else(|| tag("http.response.status_code")),
            lines,
        });
    }

    /// The signal records of the spans read.
    fn finish(mut self, source: u32) -> Parsed {
        let mut groups: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, s) in self.spans.iter().enumerate() {
            groups.entry((s.service.as_str(), s.operation.as_str())).or_default().push(i);
        }
        let mut keys: Vec<(&str, &str)> = groups.keys().copied().collect();
        keys.sort_unstable();
        let mut records = Vec::new();
        for key in keys {
            let Some(members) = groups.get_mut(&key) else { continue };
            members.sort_by_key(|&i| self.spans[i].start);
            let spans: Vec<&SpanInfo> = members.iter().map(|&i| &self.spans[i]).collect();
            let errors: Vec<&SpanInfo> = spans.iter().copied().filter(|s| s.error).collect();
            for run in fold(&errors) {
                records.push(error_record(&run, source));
            }
            if spans.len() >= MIN_SPANS {
                let mut durations: Vec<i64> = spans.iter().map(|s| s.duration_ns).collect();
                durations.sort_unstable();
                let median = median_of(&durations);
                let mut deviations: Vec<i64> = durations.iter().map(|d| (d - median).abs()).collect();
                deviations.sort_unstable();
                let mad = median_of(&deviations);
                let threshold = (3 * median).max(median.saturating_add(6 * mad));
                if median > 0 {
                    let slow: Vec<&SpanInfo> = spans.iter().copied().filter(|s| s.duration_ns > threshold).collect();
                    for run in fold(&slow) {
                        records.push(latency_record(&run, median, source));
                    }
                }
            }
        }
        records.sort_by_key(|r: &Record| (r.when.utc, r.span.line));
        let bad = std::mem::replace(&mut self.bad, Counted::new(""));
        bad.finish(&mut self.problems);
        self.problems.sort_by_key(|p| p.line.unwrap_or(u32::MAX));
        Parsed { records, problems: self.problems, ..Parsed::default() }
    }
}

/// Runs of spans (sorted by start) whose starts lie within [`FOLD`] of the run's first.
fn fold<'s>(spans: &[&'s SpanInfo]) -> Vec<Vec<&'s SpanInfo>> {
    let mut runs: Vec<Vec<&SpanInfo>> = Vec::new();
    for &s in spans {
        match runs.last_mut() {
            Some(run) if run.first().is_some_and(|f| s.start.duration_since(f.start) <= FOLD) => run.push(s),
            _ => runs.push(vec![s]),
        }
    }
    runs
}

fn median_of(sorted: &[i64]) -> i64 {
    match sorted.len() {
        0 => 0,
        n if n % 2 == 1 => sorted[n / 2],
        n => i64::midpoint(sorted[n / 2 - 1], sorted[n / 2]),
    }
}

fn ms(ns: i64) -> String {
    let ms = ns as f64 / 1e6;
    if ms >= 10.0 { format!("{ms:.0}") } else { format!("{ms:.1}") }
}

fn base_record(first: &SpanInfo, source: u32, error: bool, count: usize, last: Option<&SpanInfo>) -> Record {
    let (line, end) = first.lines;
    let when = When::exact(first.start).with_original(first.start_raw.as_str());
    let mut rec = Record::new(Span::lines(source, line, end), when, Kind::Signal, first.text(error));
    rec.set_attr("service", first.service.as_str());
    rec.set_attr("operation", first.operation.as_str());
    rec.set_attr("count", count.to_string());
    if let Some(l) = last.filter(|_| count > 1) {
        rec.set_attr("last", l.start.to_string());
    }
    if let Some(t) = &first.trace_id {
        rec.set_attr("trace_id", t.as_str());
    }
    rec
}

fn error_record(run: &[&SpanInfo], source: u32) -> Record {
    let (first, last, n) = (run[0], run[run.len() - 1], run.len());
    let mut rec = base_record(first, source, true, n, Some(last));
    rec.set_attr("level", "error");
    if let Some(s) = &first.http_status {
        rec.set_attr("http_status", s.as_str());
    }
    let spans = if n == 1 { "1 error span".to_string() } else { format!("{n} error spans") };
    rec.summary = Some(match &first.message {
        Some(m) => format!("Traces: {} {}: {spans} ({m})", first.service, first.operation),
        None => format!("Traces: {} {}: {spans}", first.service, first.operation),
    });
    rec
}

fn latency_record(run: &[&SpanInfo], median: i64, source: u32) -> Record {
    let (first, last, n) = (run[0], run[run.len() - 1], run.len());
    let longest = run.iter().map(|s| s.duration_ns).max().unwrap_or(first.duration_ns);
    let mut rec = base_record(first, source, false, n, Some(last));
    rec.set_attr("level", "warn");
    rec.set_attr("duration_ms", ms(longest));
    rec.set_attr("baseline_ms", ms(median));
    let spans = if n == 1 { "1 slow span".to_string() } else { format!("{n} slow spans") };
    rec.summary = Some(format!(
        "Traces: {} {}: {spans}, up to {} ms (median {} ms)",
        first.service,
        first.operation,
        ms(longest),
        ms(median)
    ));
    rec
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::journald::testkit::{assert_quotable, at, claimed_in_shared, detected, parse, sniff};
    use super::*;

    const OTLP_JSON: &str = include_str!("../../tests/fixtures/traces/otlp-checkout.json");
    const OTLP_LINES: &str = include_str!("../../tests/fixtures/traces/otlp-file-exporter.jsonl");
    const JAEGER: &str = include_str!("../../tests/fixtures/traces/jaeger-cart.json");

    #[test]
    fn sniff_recognises_otlp_and_jaeger() {
        assert_eq!(sniff(&Traces, "t.json", OTLP_JSON), 95);
        assert_eq!(sniff(&Traces, "t.jsonl", OTLP_LINES), 95);
        assert_eq!(sniff(&Traces, "j.json", JAEGER), 95);
        for (name, text) in [("a.json", OTLP_JSON), ("b.jsonl", OTLP_LINES), ("c.json", JAEGER)] {
            assert_eq!(detected(name, text), Some("traces"), "{name}");
        }
        assert_eq!(sniff(&Traces, "x.json", r#"{"traceId": "abc", "msg": "hello"}"#), 0);
    }

    #[test]
    fn otlp_errors_fold_by_minute_and_outliers_are_judged_per_operation() {
        let p = parse(&Traces, "traces/otlp-checkout.json", OTLP_JSON);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(OTLP_JSON, &p.records);
        let rows: Vec<(String, &str, &str, &str)> = p
            .records
            .iter()
            .map(|r| {
                (at(r), r.attr("operation").unwrap_or(""), r.attr("level").unwrap_or(""), r.attr("count").unwrap_or(""))
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("2024-10-08T14:44:10.087Z".to_string(), "POST /checkout", "error", "4"),
                ("2024-10-08T14:44:12Z".to_string(), "POST /checkout", "warn", "5"),
                ("2024-10-08T14:58:30.5Z".to_string(), "POST /checkout", "error", "1"),
            ]
        );
        assert!(p.records.iter().all(|r| r.kind == Kind::Signal));
        let burst = &p.records[0];
        assert_eq!(burst.text, "upstream paynetic timed out after 15000ms");
        assert_eq!(burst.attr("service"), Some("checkout-api"));
        assert_eq!(burst.attr("http_status"), Some("504"));
        assert_eq!(burst.attr("last"), Some("2024-10-08T14:44:40.087Z"));
        assert_eq!(burst.when.original.as_deref(), Some("1728398650087000000"));
        assert!(burst.span.end_line > burst.span.line, "a pretty-printed span cites its whole object");

        let slow = &p.records[1];
        assert_eq!(slow.text, "POST /checkout");
        assert_eq!(slow.attr("duration_ms"), Some("8200"));
        assert_eq!(slow.attr("baseline_ms"), Some("124"));
        assert_eq!(
            slow.summary.as_deref(),
            Some("Traces: checkout-api POST /checkout: 5 slow spans, up to 8200 ms (median 124 ms)")
        );
        // orders-db has only 10 spans: its slow one is not judged.
        assert!(p.records.iter().all(|r| r.attr("service") != Some("orders-db")));
    }

    #[test]
    fn otlp_file_exporter_lines() {
        let p = parse(&Traces, "traces/otlp-file-exporter.jsonl", OTLP_LINES);
        assert_quotable(OTLP_LINES, &p.records);
        assert_eq!(p.records.len(), 1);
        let r = &p.records[0];
        assert_eq!(r.text, "SELECT orders");
        assert_eq!(r.attr("service"), Some("orders-db"));
        assert_eq!(r.attr("count"), Some("2"));
        assert_eq!((r.span.line, r.span.end_line), (2, 2));
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, Some(3));
    }

    #[test]
    fn jaeger_traces() {
        let p = parse(&Traces, "traces/jaeger-cart.json", JAEGER);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(JAEGER, &p.records);
        let rows: Vec<(&str, &str, &str)> = p
            .records
            .iter()
            .map(|r| (r.attr("service").unwrap_or(""), r.attr("level").unwrap_or(""), r.text.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("cart-svc", "warn", "GET /cart"),
                ("cart-svc", "error", "redis: connection pool timeout"),
                ("pricing", "error", "GetPrices"),
            ]
        );
        assert_eq!(at(&p.records[0]), "2024-10-08T14:50:07Z");
        assert_eq!(p.records[0].attr("duration_ms"), Some("2400"));
        assert_eq!(p.records[0].attr("baseline_ms"), Some("40"));
        assert_eq!(p.records[1].attr("count"), Some("2"));
    }

    #[test]
    fn folding_and_thresholds() {
        let span = |secs: i64, ns: i64| SpanInfo {
            service: "s".into(),
            operation: "op".into(),
            named: true,
            start: Timestamp::from_second(1_728_398_400 + secs).expect("ts"),
            start_raw: String::new(),
            duration_ns: ns,
            error: true,
            message: None,
            trace_id: None,
            http_status: None,
            lines: (1, 1),
        };
        let spans = [span(0, 1), span(30, 1), span(60, 1), span(61, 1), span(200, 1)];
        let refs: Vec<&SpanInfo> = spans.iter().collect();
        let runs: Vec<usize> = fold(&refs).iter().map(Vec::len).collect();
        assert_eq!(runs, [3, 1, 1]);
        assert_eq!(median_of(&[1, 2, 3, 4]), 2);
        assert_eq!(ms(121_400_000), "121");
        assert_eq!(ms(2_500_000), "2.5");
    }

    #[test]
    fn junk_never_panics() {
        for text in [
            "",
            "{\"resourceSpans\": 3}",
            "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [1, {\"startTimeUnixNano\": \"x\"}]}]}]}",
            "{\"data\": [{\"spans\": [{\"startTime\": -5}]}]}",
            "[{}]",
        ] {
            let p = parse(&Traces, "x.json", text);
            assert!(p.records.is_empty(), "{text:?}");
        }
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn claims_nothing_in_the_shared_samples() {
        let Some(claimed) = claimed_in_shared(&Traces) else {
            eprintln!("../shared not found; skipping");
            return;
        };
        assert!(claimed.is_empty(), "{claimed:?}");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC*") {
            let _ = sniff(&Traces, "x.json", &s);
            let p = parse(&Traces, "x.json", &s);
            assert_quotable(&s, &p.records);
        }

        #[test]
        fn arbitrary_spans_never_panic(
            spans in proptest::collection::vec((any::<i64>(), any::<i64>(), any::<bool>(), "\\PC{0,10}"), 0..30)
        ) {
            let spans: Vec<Value> = spans.iter().map(|(s, e, err, name)| serde_json::json!({
                "name": name, "startTimeUnixNano": s.to_string(), "endTimeUnixNano": e.to_string(),
                "status": {"code": if *err { 2 } else { 0 }, "message": name}
            })).collect();
            let doc = serde_json::json!({"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"spans": spans}]}]});
            let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            let p = parse(&Traces, "x.json", &text);
            assert_quotable(&text, &p.records);
        }
    }
}
