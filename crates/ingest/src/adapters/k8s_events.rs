//! Kubernetes events.
//!
//! [`KubernetesEvents`] (`kubernetes-events`) reads:
//! - `kubectl get events -o json` (a `List` or `EventList` of core/v1 events with
//!   `involvedObject`, `reason`, `message`, `type`, `count`, `firstTimestamp`,
//!   `lastTimestamp`, `eventTime`, `source`, `series`), a single event, or the stream
//!   `kubectl get events -w -o json` writes;
//! - events.k8s.io/v1 events (`regarding`, `note`, `deprecatedCount`,
//!   `deprecatedFirstTimestamp`…);
//! - the plain table `kubectl get events` prints (`LAST SEEN  TYPE  REASON  OBJECT
//!   MESSAGE`, with or without `NAMESPACE`, and the older `LAST SEEN  FIRST SEEN  COUNT
//!   NAME  KIND …` layout). It gives only relative ages, so its records have no time and
//!   keep the table's order; one problem says so.
//!
//! One record per event, at the time it began (`firstTimestamp`, else `eventTime`…), with
//! `count` and `last` (the last time it was seen) as attributes and the event's message as
//! text. A `Warning` event, or one whose reason always means trouble (`BackOff`,
//! `Unhealthy`, `FailedScheduling`, `OOMKilling`, `Evicted`…), is a [`Kind::Signal`] at level
//! `warn`; the rest (`Scheduled`, `Pulled`, `Killing`, `ScalingReplicaSet`…) are
//! [`Kind::Log`] records carrying their `reason` for the timeline's classifier.

use std::fmt::Write as _;
use std::sync::LazyLock;

use debrief_model::{Actor, Kind, Problem, Record, SourceFile, Span, When};
use regex::Regex;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::journald::{Counted, JsonValue, json_values};
use super::slack::{Str, head, json_error_text, json_start, parse_obj};
use crate::adapter::{Adapter, Context, Parsed};
use crate::jsonspan::span_of;
use crate::lines::{LineIndex, numbered};
use crate::time::parse_instant;

/// How much of a file `sniff` looks at.
const SNIFF_BYTES: usize = 8 * 1024;

/// Reasons that mean trouble whatever the event's `type` says.
const WARN_REASONS: &[&str] = &[
    "BackOff", "Unhealthy", "FailedScheduling", "OOMKilling", "OOMKilled", "Evicted", "Failed", "FailedMount",
    "FailedAttachVolume", "FailedCreatePodSandBox", "FailedKillPod", "FailedSync", "FailedCreate", "FailedGetScale",
    "FailedComputeMetricsReplicas", "NodeNotReady", "NodeHasDiskPressure", "NodeHasMemoryPressure", "ErrImagePull",
    "ImagePullBackOff", "CrashLoopBackOff", "ProbeWarning", "NetworkNotReady", "SystemOOM",
];

pub struct KubernetesEvents;

impl Adapter for KubernetesEvents {
    fn format(&self) -> &'static str {
        "kubernetes-events"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = head(&file.text, SNIFF_BYTES);
        let body = json_start(head);
        if matches!(body.as_bytes().first(), Some(b'{' | b'[')) {
            let has = |k: &str| head.contains(k);
            let core = has("\"involvedObject\"") && has("\"reason\"");
            let events_v1 = has("\"regarding\"") && has("\"reason\"") && (has("\"note\"") || has("\"eventTime\""));
            return if core || events_v1 {
                95
            } else if EVENT_KIND.is_match(head) && has("\"reason\"") {
                90
            } else {
                0
            };
        }
        let first = body.lines().next().unwrap_or("");
        if HEADER.is_match(first) { 90 } else { 0 }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        if matches!(json_start(&file.text).as_bytes().first(), Some(b'{' | b'[')) {
            JsonReader::new(&file.text, cx.source).read()
        } else {
            parse_table(&file.text, cx.source)
        }
    }
}

static EVENT_KIND: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""kind"\s*:\s*"(Event|EventList)""#).expect("valid regex"));
/// The header of `kubectl get events`, new and old layouts.
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(NAMESPACE\s+)?LAST SEEN\s+(TYPE\s+REASON\s+OBJECT\b|FIRST SEEN\s+COUNT\s+NAME\s+KIND\b)")
        .expect("valid regex")
});
/// `(x3 over 10m)` after an age.
static REPEATS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\(x(\d+) over ([^)]+)\)").expect("valid regex"));
/// A header's column name: words separated by single blanks (`LAST SEEN`).
static COLUMN_NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\S+(?: \S+)*").expect("valid regex"));
/// `.17fc8a1b2c3d4e5f`: the suffix an event's name adds to its object's.
static EVENT_SUFFIX: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\.[0-9a-f]{10,}$").expect("valid regex"));

/// Field names are Kubernetes'.
#[allow(clippy::struct_field_names)]
#[derive(Deserialize, Default)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
struct Event<'a> {
    kind: Str,
    #[serde(borrow)]
    items: Option<&'a RawValue>,
    #[serde(borrow)]
    metadata: Option<&'a RawValue>,
    #[serde(borrow)]
    involved_object: Option<&'a RawValue>,
    #[serde(borrow)]
    regarding: Option<&'a RawValue>,
    reason: Str,
    message: Str,
    note: Str,
    #[serde(rename = "type")]
    level: Str,
    count: Str,
    deprecated_count: Str,
    first_timestamp: Str,
    last_timestamp: Str,
    event_time: Str,
    deprecated_first_timestamp: Str,
    deprecated_last_timestamp: Str,
    #[serde(borrow)]
    source: Option<&'a RawValue>,
    #[serde(borrow)]
    deprecated_source: Option<&'a RawValue>,
    reporting_component: Str,
    reporting_controller: Str,
    #[serde(borrow)]
    series: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
struct ObjectRef {
    kind: Str,
    name: Str,
    namespace: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    namespace: Str,
    creation_timestamp: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Source {
    component: Str,
    host: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
struct Series {
    count: Str,
    last_observed_time: Str,
}

/// What every event carries, from JSON or a table row.
struct Facts<'e> {
    reason: Option<&'e str>,
    level: Option<&'e str>,
    object_kind: Option<&'e str>,
    object_name: Option<&'e str>,
    namespace: Option<&'e str>,
    component: Option<&'e str>,
    host: Option<&'e str>,
    count: Option<&'e str>,
}

impl Facts<'_> {
    fn record(&self, span: Span, when: When, text: &str) -> Record {
        let warning = self.level.is_some_and(|l| l.eq_ignore_ascii_case("warning"))
            || self.reason.is_some_and(|r| WARN_REASONS.contains(&r));
        let kind = if warning { Kind::Signal } else { Kind::Log };
        let object = match (self.object_kind, self.object_name) {
            (Some(k), Some(n)) => Some(format!("{k}/{n}")),
            (None, Some(n)) => Some(n.to_string()),
            _ => None,
        };
        let reason = self.reason.unwrap_or("event");
        let count = self.count.and_then(|c| c.trim().parse::<u64>().ok()).filter(|c| *c > 1);
        let mut summary = match &object {
            Some(o) => format!("Kubernetes {o}: {reason}"),
            None => format!("Kubernetes: {reason}"),
        };
        if let Some(c) = count {
            let _ = write!(summary, " (×{c})");
        }
        let mut rec = Record::new(span, when, kind, text).with_summary(summary);
        rec.actor = self.component.map(Actor::bot);
        rec.set_attr("level", if warning { "warn" } else { "info" });
        if let Some(r) = self.reason {
            rec.set_attr("reason", r);
        }
        if let Some(c) = self.count {
            rec.set_attr("count", c.trim());
        }
        if let Some(o) = object {
            rec.set_attr("object", o);
        }
        if let Some(ns) = self.namespace {
            rec.set_attr("namespace", ns);
        }
        if let Some(s) = workload(self.object_kind, self.object_name) {
            rec.set_attr("service", s);
        }
        if let Some(h) = self.host {
            rec.set_attr("host", h);
        }
        rec
    }
}

/// The workload an object belongs to, by Kubernetes' own naming: a Deployment's
/// ReplicaSet is `<deployment>-<hash>`, its pods `<deployment>-<hash>-<suffix>`.
fn workload(kind: Option<&str>, name: Option<&str>) -> Option<String> {
    static POD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(.+)-[bcdfghjklmnpqrstvwxz2456789]{8,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$").expect("valid regex")
    });
    static RS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(.+)-[bcdfghjklmnpqrstvwxz2456789]{8,10}$").expect("valid regex"));
    let name = name?;
    match kind? {
        "Deployment" | "StatefulSet" | "DaemonSet" | "Service" | "HorizontalPodAutoscaler" => Some(name.to_string()),
        "ReplicaSet" => RS.captures(name).map(|c| c[1].to_string()),
        "Pod" => POD.captures(name).map(|c| c[1].to_string()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// JSON

struct JsonReader<'a> {
    text: &'a str,
    index: LineIndex,
    source: u32,
    out: Parsed,
    bad: Counted,
}

impl<'a> JsonReader<'a> {
    fn new(text: &'a str, source: u32) -> Self {
        Self {
            text,
            index: LineIndex::new(text),
            source,
            out: Parsed::default(),
            bad: Counted::new("more events were skipped"),
        }
    }

    fn read(mut self) -> Parsed {
        let values = json_values(self.text, &self.index, "Kubernetes events", &["items"]);
        self.out.problems = values.problems;
        for v in values.values {
            match v {
                JsonValue::Top(raw) => self.document(raw),
                JsonValue::Salvaged(raw) => self.event(raw),
            }
        }
        let bad = std::mem::replace(&mut self.bad, Counted::new(""));
        bad.finish(&mut self.out.problems);
        self.out.problems.sort_by_key(|p| p.line.unwrap_or(u32::MAX));
        self.out
    }

    fn lines(&self, raw: &RawValue) -> (u32, u32) {
        span_of(self.text, &self.index, raw).unwrap_or((1, 1))
    }

    fn problem(&mut self, raw: &RawValue, message: impl Into<String>) {
        let (line, _) = self.lines(raw);
        self.bad.push(Problem::at(line, message), &mut self.out.problems);
    }

    fn document(&mut self, raw: &'a RawValue) {
        let items = if raw.get().starts_with('[') {
            Some(raw)
        } else {
            match serde_json::from_str::<Event<'a>>(raw.get()) {
                Ok(e) => e.items,
                Err(e) => {
                    self.problem(
                        raw,
                        format!("expected a Kubernetes event or list ({}) — skipped", json_error_text(&e)),
                    );
                    return;
                }
            }
        };
        match items {
            Some(items) => match serde_json::from_str::<Vec<&'a RawValue>>(items.get()) {
                Ok(list) => list.into_iter().for_each(|i| self.event(i)),
                Err(e) => self
                    .problem(items, format!("expected \"items\" to be an array ({}) — skipped", json_error_text(&e))),
            },
            None => self.event(raw),
        }
    }

    fn event(&mut self, raw: &'a RawValue) {
        let ev: Event<'a> = match serde_json::from_str(raw.get()) {
            Ok(e) => e,
            Err(e) => {
                self.problem(raw, format!("expected a Kubernetes event object ({}) — skipped", json_error_text(&e)));
                return;
            }
        };
        if ev.kind.get().is_some_and(|k| k != "Event") && ev.reason.get().is_none() {
            let kind = ev.kind.get().unwrap_or_default().to_string();
            self.problem(raw, format!("expected an Event, found a {kind} — skipped"));
            return;
        }
        let meta: Metadata = parse_obj(ev.metadata);
        let series: Series = parse_obj(ev.series);
        let first = [
            &ev.first_timestamp, &ev.deprecated_first_timestamp, &ev.event_time, &meta.creation_timestamp,
            &ev.last_timestamp,
        ]
        .into_iter()
        .filter_map(Str::get)
        .find_map(|t| parse_instant(t).map(|u| (t, u)));
        let Some((raw_time, utc)) = first else {
            self.problem(raw, "event has no readable firstTimestamp, eventTime or creationTimestamp — skipped");
            return;
        };
        let last = [&ev.last_timestamp, &series.last_observed_time, &ev.deprecated_last_timestamp]
            .into_iter()
            .filter_map(Str::get)
            .find(|t| parse_instant(t).is_some_and(|l| l != utc));
        let object: ObjectRef = parse_obj(ev.involved_object.or(ev.regarding));
        let source: Source = parse_obj(ev.source.or(ev.deprecated_source));
        let count = ev.count.get().or(series.count.get()).or(ev.deprecated_count.get());
        let facts = Facts {
            reason: ev.reason.get(),
            level: ev.level.get(),
            object_kind: object.kind.get(),
            object_name: object.name.get(),
            namespace: object.namespace.get().or(meta.namespace.get()),
            component: source.component.get().or(ev.reporting_controller.get()).or(ev.reporting_component.get()),
            host: source.host.get(),
            count,
        };
        let text = ev.message.get().or(ev.note.get()).or(ev.reason.get()).unwrap_or("event");
        let (line, end) = self.lines(raw);
        let when = When::exact(utc).with_original(raw_time);
        let mut rec = facts.record(Span::lines(self.source, line, end), when, text);
        if let Some(l) = last {
            rec.set_attr("last", l);
        }
        self.out.records.push(rec);
    }
}

// ---------------------------------------------------------------------------------------
// The plain table

/// A table column: its name and where it starts in the header.
struct Column {
    name: String,
    start: usize,
}

fn parse_table(text: &str, source: u32) -> Parsed {
    let mut out = Parsed::default();
    let mut lines = numbered(text).skip_while(|(_, l)| l.trim().is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Parsed::fatal(
            "expected `kubectl get events` output (a LAST SEEN … MESSAGE header) — the file was empty",
        );
    };
    if !HEADER.is_match(header) {
        return Parsed::fatal(
            "expected `kubectl get events` output: a header `LAST SEEN  TYPE  REASON  OBJECT  MESSAGE` — the file was not read",
        );
    }
    let columns: Vec<Column> = COLUMN_NAME
        .find_iter(header)
        .map(|m| Column { name: m.as_str().to_string(), start: m.start() })
        .filter(|c| !c.name.is_empty())
        .collect();
    let col = |name: &str| columns.iter().position(|c| c.name == name);
    let (last_seen, message) = (col("LAST SEEN"), col("MESSAGE"));
    let Some(message) = message else {
        return Parsed::fatal("expected a MESSAGE column in the `kubectl get events` header — the file was not read");
    };
    let mut bad = Counted::new("more rows were skipped");
    for (line, row) in lines {
        if row.trim().is_empty() {
            continue;
        }
        let Some(cells) = cells(row, &columns) else {
            let problem = Problem::at(line, "row does not line up with the header's columns — skipped");
            bad.push(problem, &mut out.problems);
            continue;
        };
        let get = |i: Option<usize>| i.and_then(|i| cells.get(i)).map(|s| s.trim()).filter(|s| !s.is_empty());
        let Some(text) = get(Some(message)) else {
            bad.push(Problem::at(line, "row has no MESSAGE — skipped"), &mut out.problems);
            continue;
        };
        let age = get(last_seen);
        let repeats = age.and_then(|a| REPEATS.captures(a));
        let count = get(col("COUNT")).or(repeats.as_ref().and_then(|c| c.get(1)).map(|m| m.as_str()));
        // `pod/checkout-api-…` in the new layout; NAME and KIND columns in the old one.
        let object = get(col("OBJECT"));
        let (object_kind, object_name) = if let Some((k, n)) = object.and_then(|o| o.split_once('/')) {
            (Some(capitalise_kind(k)), Some(n))
        } else {
            let name = get(col("NAME")).map(|n| EVENT_SUFFIX.find(n).map_or(n, |m| &n[..m.start()]));
            (get(col("KIND")).map(str::to_string), object.or(name))
        };
        let source_col = get(col("SOURCE"));
        let (component, host) = match source_col.and_then(|s| s.split_once(',')) {
            Some((c, h)) => (Some(c.trim()), Some(h.trim())),
            None => (source_col, None),
        };
        let facts = Facts {
            reason: get(col("REASON")),
            level: get(col("TYPE")),
            object_kind: object_kind.as_deref(),
            object_name,
            namespace: get(col("NAMESPACE")),
            component,
            host,
            count,
        };
        let when = match age {
            Some(a) => When::unknown().with_original(a),
            None => When::unknown(),
        };
        let mut rec = facts.record(Span::line(source, line), when, text);
        if let Some(a) = age {
            rec.set_attr("last_seen", a);
        }
        out.records.push(rec);
    }
    bad.finish(&mut out.problems);
    out.problems.insert(
        0,
        Problem::at(
            header_line,
            "`kubectl get events` gives only relative ages (LAST SEEN): these events have no time and keep the \
             table's order — `kubectl get events -o json` keeps their times",
        ),
    );
    out
}

/// `pod` → `Pod`, `replicaset` → `ReplicaSet`: the kinds the table writes in lower case.
fn capitalise_kind(kind: &str) -> String {
    let known = [
        "Pod", "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Node", "Service", "Job", "CronJob",
        "HorizontalPodAutoscaler", "PersistentVolumeClaim", "Ingress", "ConfigMap", "Endpoints",
    ];
    let base = kind.split('.').next().unwrap_or(kind);
    known.iter().find(|k| k.eq_ignore_ascii_case(base)).map_or_else(|| base.to_string(), |k| (*k).to_string())
}

/// A row's cells, cut where the header's columns start; the last column takes the rest.
/// `None` when a cut would split a word (the row does not line up).
fn cells<'r>(row: &'r str, columns: &[Column]) -> Option<Vec<&'r str>> {
    let mut out = Vec::with_capacity(columns.len());
    for (i, c) in columns.iter().enumerate() {
        let start = c.start.min(row.len());
        let end = columns.get(i + 1).map_or(row.len(), |n| n.start.min(row.len()));
        if !row.is_char_boundary(start) || !row.is_char_boundary(end) {
            return None;
        }
        let b = row.as_bytes();
        // A cut inside a word: the byte before the cut and the one at it are both non-blank.
        if start > 0 && start < row.len() && !b[start - 1].is_ascii_whitespace() && !b[start].is_ascii_whitespace() {
            return None;
        }
        out.push(&row[start..end.max(start)]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use debrief_model::Precision;
    use proptest::prelude::*;

    use super::super::journald::testkit::{assert_quotable, at, claimed_in_shared, detected, parse, sniff, spans};
    use super::*;

    const LIST: &str = include_str!("../../tests/fixtures/kubernetes-events/events.json");
    const V1: &str = include_str!("../../tests/fixtures/kubernetes-events/events-k8s-io-v1.json");
    const WATCH: &str = include_str!("../../tests/fixtures/kubernetes-events/watch.json");
    const TABLE: &str = include_str!("../../tests/fixtures/kubernetes-events/get-events.txt");
    const TABLE_ALL: &str = include_str!("../../tests/fixtures/kubernetes-events/get-events-all-namespaces.txt");
    const TABLE_OLD: &str = include_str!("../../tests/fixtures/kubernetes-events/get-events-old.txt");

    #[test]
    fn sniff_recognises_each_shape() {
        for (name, text, score) in [
            ("events.json", LIST, 95),
            ("v1.json", V1, 95),
            ("watch.json", WATCH, 95),
            ("events.txt", TABLE, 90),
            ("all.txt", TABLE_ALL, 90),
            ("old.txt", TABLE_OLD, 90),
        ] {
            assert_eq!(sniff(&KubernetesEvents, name, text), score, "{name}");
            assert_eq!(detected(name, text), Some("kubernetes-events"), "{name}");
        }
        assert_eq!(sniff(&KubernetesEvents, "x.json", r#"{"kind": "Pod", "metadata": {}}"#), 0);
        assert_eq!(sniff(&KubernetesEvents, "notes.md", "# LAST SEEN TYPE REASON OBJECT MESSAGE\n"), 0);
    }

    #[test]
    fn event_list_records_begin_at_first_timestamp() {
        let p = parse(&KubernetesEvents, "k8s/events.json", LIST);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(LIST, &p.records);
        let rows: Vec<(Kind, &str)> = p.records.iter().map(|r| (r.kind, r.attr("reason").unwrap_or(""))).collect();
        assert_eq!(
            rows,
            [
                (Kind::Log, "ScalingReplicaSet"),
                (Kind::Log, "SuccessfulCreate"),
                (Kind::Log, "Scheduled"),
                (Kind::Log, "Pulled"),
                (Kind::Signal, "Unhealthy"),
                (Kind::Signal, "BackOff"),
                (Kind::Log, "Killing"),
                (Kind::Signal, "OOMKilling"),
            ]
        );
        assert_eq!(spans(&p)[0], (4, 34));
        let backoff = &p.records[5];
        assert_eq!(
            backoff.text,
            "Back-off restarting failed container checkout-api in pod checkout-api-7d9f8b6c5-x2x9q_prod(3c1f9a2e-7b4d-4e5f-8a9b-0c1d2e3f4a5b)"
        );
        assert_eq!(at(backoff), "2024-10-08T14:52:40Z");
        assert_eq!(backoff.attr("count"), Some("14"));
        assert_eq!(backoff.attr("last"), Some("2024-10-08T15:05:12Z"));
        assert_eq!(backoff.attr("level"), Some("warn"));
        assert_eq!(backoff.attr("object"), Some("Pod/checkout-api-7d9f8b6c5-x2x9q"));
        assert_eq!(backoff.attr("service"), Some("checkout-api"));
        assert_eq!(backoff.attr("namespace"), Some("prod"));
        assert_eq!(backoff.attr("host"), Some("ip-10-0-3-17.ec2.internal"));
        assert_eq!(backoff.summary.as_deref(), Some("Kubernetes Pod/checkout-api-7d9f8b6c5-x2x9q: BackOff (×14)"));
        assert_eq!(backoff.actor.as_ref().map(|a| (a.name.as_str(), a.bot)), Some(("kubelet", true)));
        let scaled = &p.records[0];
        assert_eq!(scaled.text, "Scaled up replica set checkout-api-7d9f8b6c5 to 12");
        assert_eq!(scaled.attr("service"), Some("checkout-api"));
        assert_eq!(scaled.attr("last"), None, "seen once");
        assert_eq!(p.records[1].attr("service"), Some("checkout-api"), "a ReplicaSet");
        // eventTime when firstTimestamp is null.
        let oom = &p.records[7];
        assert_eq!(at(oom), "2024-10-08T14:58:11.550912Z");
        assert_eq!(oom.attr("object"), Some("Node/ip-10-0-3-17.ec2.internal"));
    }

    #[test]
    fn events_k8s_io_v1_and_watch_streams() {
        let p = parse(&KubernetesEvents, "k8s/v1.json", V1);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(V1, &p.records);
        assert_eq!(p.records.len(), 2);
        let r = &p.records[0];
        assert_eq!(r.kind, Kind::Signal);
        assert_eq!(
            r.text,
            "0/6 nodes are available: 6 Insufficient cpu. preemption: 0/6 nodes are available: 6 No preemption victims found for incoming pod."
        );
        assert_eq!(r.attr("count"), Some("9"));
        assert_eq!(r.attr("last"), Some("2024-10-08T14:55:02.118000Z"));
        assert_eq!(at(r), "2024-10-08T14:50:31Z");
        assert_eq!(r.actor.as_ref().map(|a| a.name.as_str()), Some("default-scheduler"));
        assert_eq!(p.records[1].kind, Kind::Log);

        let p = parse(&KubernetesEvents, "k8s/watch.json", WATCH);
        assert_quotable(WATCH, &p.records);
        assert_eq!(spans(&p), [(1, 33), (54, 86)]);
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert_eq!(p.problems[0].line, Some(34));
    }

    #[test]
    fn the_plain_table_keeps_order_without_times() {
        let p = parse(&KubernetesEvents, "k8s/get-events.txt", TABLE);
        assert_quotable(TABLE, &p.records);
        assert_eq!(p.records.len(), 6);
        assert!(p.records.iter().all(|r| r.when.utc.is_none() && r.when.precision == Precision::Unknown));
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, Some(1));
        assert!(p.problems[0].message.contains("relative ages"));
        let backoff = &p.records[3];
        assert_eq!(backoff.kind, Kind::Signal);
        assert_eq!(backoff.when.original.as_deref(), Some("2m10s (x14 over 12m)"));
        assert_eq!(backoff.attr("count"), Some("14"));
        assert_eq!(backoff.attr("object"), Some("Pod/checkout-api-7d9f8b6c5-x2x9q"));
        assert_eq!(
            backoff.text,
            "Back-off restarting failed container checkout-api in pod checkout-api-7d9f8b6c5-x2x9q_prod(3c1f9a2e-7b4d-4e5f-8a9b-0c1d2e3f4a5b)"
        );
        assert_eq!(p.records[0].attr("reason"), Some("ScalingReplicaSet"));
        assert_eq!(p.records[0].attr("object"), Some("Deployment/checkout-api"));
        assert_eq!(p.records[0].attr("service"), Some("checkout-api"));

        let p = parse(&KubernetesEvents, "k8s/all.txt", TABLE_ALL);
        assert_quotable(TABLE_ALL, &p.records);
        assert_eq!(p.records.len(), 4);
        assert_eq!(p.records[2].attr("namespace"), Some("kube-system"));
        assert_eq!(p.records[2].kind, Kind::Signal);
        assert_eq!(p.problems.len(), 2, "{:?}", p.problems);
        assert_eq!(p.problems[1].line, Some(5), "a row that does not line up");

        let p = parse(&KubernetesEvents, "k8s/old.txt", TABLE_OLD);
        assert_quotable(TABLE_OLD, &p.records);
        assert_eq!(p.records.len(), 3);
        let r = &p.records[1];
        assert_eq!(r.attr("count"), Some("14"));
        assert_eq!(r.attr("object"), Some("Pod/checkout-api-7d9f8b6c5-x2x9q"));
        assert_eq!(r.attr("host"), Some("ip-10-0-3-17.ec2.internal"));
        assert_eq!(r.actor.as_ref().map(|a| a.name.as_str()), Some("kubelet"));
        assert_eq!(r.kind, Kind::Signal);
    }

    #[test]
    fn junk_never_panics() {
        for text in [
            "",
            "{",
            "{\"items\": 3}",
            "{\"items\": [1, {\"kind\": \"Event\"}]}",
            "LAST SEEN   TYPE   REASON   OBJECT   MESSAGE\n€€€\n",
        ] {
            let p = parse(&KubernetesEvents, "x", text);
            assert!(p.records.is_empty(), "{text:?}");
        }
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn claims_nothing_in_the_shared_samples() {
        let Some(claimed) = claimed_in_shared(&KubernetesEvents) else {
            eprintln!("../shared not found; skipping");
            return;
        };
        assert!(claimed.is_empty(), "{claimed:?}");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC*") {
            let _ = sniff(&KubernetesEvents, "x", &s);
            let p = parse(&KubernetesEvents, "x", &s);
            assert_quotable(&s, &p.records);
        }

        #[test]
        fn arbitrary_table_rows_never_panic(rows in proptest::collection::vec("[ -~€]{0,60}", 0..6)) {
            let text = format!("LAST SEEN   TYPE      REASON    OBJECT         MESSAGE\n{}\n", rows.join("\n"));
            let p = parse(&KubernetesEvents, "x.txt", &text);
            assert_quotable(&text, &p.records);
        }
    }
}
