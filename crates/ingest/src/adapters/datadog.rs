//! Datadog monitor notifications and events.
//!
//! [`Datadog`] (`datadog-event`) reads:
//! - webhook payloads of the Webhooks integration, in the default template (`id`,
//!   `last_updated`, `event_type`, `title`, `date`, `org`, `body`) with the usual alert
//!   variables (`alert_transition`, `alert_id`, `alert_metric`, `alert_query`,
//!   `alert_status`, `tags`, `priority`), one per file or one per line;
//! - Events API v1 responses (`{"event": {...}}`, `{"events": [...]}`, with `date_happened`,
//!   `title`, `text`, `alert_type`) and v2 ones (`{"data": [{"attributes": {"timestamp",
//!   "message", "attributes": {"title", ...}}}]}`).
//!
//! One record per event, quoting its title. A monitor transition (`alert_transition`, else
//! the title's `[Triggered]`, `[Recovered]`, `[Warn]`, `[No Data]` prefix) makes it an
//! [`Kind::Alert`] (triggered, warn, no data, re-notifications) or [`Kind::AlertResolved`]
//! (recovered), with the monitor's name (the title without its bracketed prefixes) as
//! `alert`. Other events are [`Kind::Signal`] when their `alert_type` is `error` or
//! `warning`, else [`Kind::Log`].

use std::sync::LazyLock;

use debrief_model::{Actor, Kind, Problem, Record, SourceFile, Span, When};
use regex::Regex;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::journald::{JsonValue, json_values};
use super::slack::{Str, head, json_error_text, json_start, parse_obj};
use crate::adapter::{Adapter, Context, Parsed};
use crate::jsonspan::span_of;
use crate::lines::LineIndex;
use crate::time::{parse_epoch, parse_instant};

/// How much of a file `sniff` looks at.
const SNIFF_BYTES: usize = 8 * 1024;

pub struct Datadog;

impl Adapter for Datadog {
    fn format(&self) -> &'static str {
        "datadog-event"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = head(&file.text, SNIFF_BYTES);
        if !matches!(json_start(head).as_bytes().first(), Some(b'{' | b'[')) {
            return 0;
        }
        let has = |k: &str| head.contains(k);
        let webhook = has("\"event_type\"") && has("\"last_updated\"") && (has("\"org\"") || has("\"date\""));
        let events_v1 = DATE_HAPPENED.is_match(head) && (has("\"alert_type\"") || has("\"title\""));
        if TRANSITION.is_match(head) {
            95
        } else if webhook || events_v1 {
            90
        } else if V2_EVENT.is_match(head) && has("\"attributes\"") && (has("\"evt\"") || has("\"monitor\"")) {
            85
        } else {
            0
        }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        Reader::new(&file.text, cx.source).read()
    }
}

static TRANSITION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""alert_transition"\s*:\s*"[A-Za-z -]+""#).expect("valid regex"));
static DATE_HAPPENED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""date_happened"\s*:\s*"?\d{9,}"#).expect("valid regex"));
static V2_EVENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""type"\s*:\s*"event""#).expect("valid regex"));
/// A bracketed title prefix: `[Triggered]`, `[Triggered on {host:web-1}]`, `[P1]`.
static PREFIX: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*\[([^\]]{1,200})\]\s*").expect("valid regex"));
static PRIORITY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^P[1-5]$").expect("valid regex"));

/// A webhook payload or an Events API event; v2 events nest most of it under `attributes`.
/// Field names are Datadog's.
#[allow(clippy::struct_field_names)]
#[derive(Deserialize, Default)]
#[serde(default)]
struct Event<'a> {
    title: Str,
    text: Str,
    body: Str,
    message: Str,
    date: Str,
    last_updated: Str,
    date_happened: Str,
    timestamp: Str,
    event_type: Str,
    alert_type: Str,
    alert_transition: Str,
    alert_id: Str,
    alert_metric: Str,
    alert_status: Str,
    priority: Str,
    source_type_name: Str,
    host: Str,
    status: Str,
    #[serde(borrow)]
    tags: Option<&'a RawValue>,
    #[serde(borrow)]
    attributes: Option<&'a RawValue>,
    #[serde(borrow)]
    monitor: Option<&'a RawValue>,
    #[serde(borrow)]
    event: Option<&'a RawValue>,
    #[serde(borrow)]
    events: Option<&'a RawValue>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Monitor {
    name: Str,
}

/// A monitor state change as the payload states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transition {
    Triggered,
    Warn,
    NoData,
    Renotify,
    Recovered,
}

impl Transition {
    fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.split(" on ").next().unwrap_or(&s).trim();
        Some(match s {
            "triggered" | "re-triggered" | "retriggered" | "alert" => Self::Triggered,
            "warn" | "warning" | "re-warn" | "rewarn" => Self::Warn,
            "no data" | "nodata" | "no_data" | "re-no data" => Self::NoData,
            "renotify" | "re-notify" => Self::Renotify,
            "recovered" | "resolved" | "ok" | "alert recovery" | "warn recovery" => Self::Recovered,
            _ => return None,
        })
    }

    fn kind(self) -> Kind {
        match self {
            Self::Recovered => Kind::AlertResolved,
            _ => Kind::Alert,
        }
    }

    fn status(self) -> &'static str {
        match self {
            Self::Triggered | Self::Renotify => "firing",
            Self::Warn => "warn",
            Self::NoData => "no_data",
            Self::Recovered => "resolved",
        }
    }
}

/// A title split into its bracketed prefixes and the monitor's name.
struct Title<'t> {
    transition: Option<Transition>,
    priority: Option<&'t str>,
    name: &'t str,
}

fn split_title(title: &str) -> Title<'_> {
    let mut rest = title;
    let mut out = Title { transition: None, priority: None, name: title.trim() };
    while let Some(c) = PREFIX.captures(rest) {
        let (Some(whole), Some(inner)) = (c.get(0), c.get(1)) else { break };
        let inner = inner.as_str();
        if PRIORITY.is_match(inner.trim()) {
            out.priority = Some(inner.trim());
        } else if let Some(t) = Transition::parse(inner) {
            out.transition = Some(t);
        } else {
            break;
        }
        rest = &rest[whole.end()..];
    }
    let name = rest.trim();
    if !name.is_empty() {
        out.name = name;
    }
    out
}

struct Reader<'a> {
    text: &'a str,
    index: LineIndex,
    source: u32,
    out: Parsed,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, source: u32) -> Self {
        Self { text, index: LineIndex::new(text), source, out: Parsed::default() }
    }

    fn read(mut self) -> Parsed {
        let values = json_values(self.text, &self.index, "Datadog events", &["events", "data"]);
        self.out.problems = values.problems;
        for v in values.values {
            match v {
                JsonValue::Top(raw) => self.document(raw, true),
                JsonValue::Salvaged(raw) => self.document(raw, false),
            }
        }
        self.out.problems.sort_by_key(|p| p.line.unwrap_or(u32::MAX));
        self.out
    }

    fn lines(&self, raw: &RawValue) -> (u32, u32) {
        span_of(self.text, &self.index, raw).unwrap_or((1, 1))
    }

    fn problem(&mut self, raw: &RawValue, message: impl Into<String>) {
        let (line, _) = self.lines(raw);
        self.out.problems.push(Problem::at(line, message));
    }

    /// A payload, an event, or a container of events.
    fn document(&mut self, raw: &'a RawValue, top: bool) {
        if raw.get().starts_with('[') {
            if !top {
                self.problem(raw, "expected a Datadog event, found an array — skipped");
                return;
            }
            match serde_json::from_str::<Vec<&'a RawValue>>(raw.get()) {
                Ok(items) => items.into_iter().for_each(|i| self.document(i, false)),
                Err(e) => self.problem(raw, format!("unreadable array ({}) — skipped", json_error_text(&e))),
            }
            return;
        }
        let ev: Event<'a> = match serde_json::from_str(raw.get()) {
            Ok(e) => e,
            Err(e) => {
                self.problem(raw, format!("expected a Datadog event object ({}) — skipped", json_error_text(&e)));
                return;
            }
        };
        if let Some(inner) = ev.event.filter(|r| r.get().starts_with('{')) {
            self.event(inner);
        } else if let Some(list) = ev.events.or(ev.data.filter(|d| d.get().starts_with('['))) {
            match serde_json::from_str::<Vec<&'a RawValue>>(list.get()) {
                Ok(items) => items.into_iter().for_each(|i| self.event(i)),
                Err(_) => self.problem(list, "expected an array of events — skipped"),
            }
        } else if let Some(one) = ev.data.filter(|d| d.get().starts_with('{')) {
            self.event(one);
        } else {
            self.event(raw);
        }
    }

    fn event(&mut self, raw: &'a RawValue) {
        let ev: Event<'a> = match serde_json::from_str(raw.get()) {
            Ok(e) => e,
            Err(e) => {
                self.problem(raw, format!("expected a Datadog event object ({}) — skipped", json_error_text(&e)));
                return;
            }
        };
        // v2: `{"id", "type": "event", "attributes": {"timestamp", "message", "attributes": {...}}}`.
        let outer: Event<'a> = parse_obj(ev.attributes);
        let inner: Event<'a> = parse_obj(outer.attributes);
        let monitor: Monitor = parse_obj(inner.monitor.or(ev.monitor));
        let all = [&ev, &outer, &inner];
        let pick = |f: for<'x> fn(&'x Event<'a>) -> &'x Str| pick_in(all, f);

        let time = [pick(|e| &e.date), pick(|e| &e.last_updated), pick(|e| &e.date_happened), pick(|e| &e.timestamp)]
            .into_iter()
            .flatten()
            .find_map(|t| parse_epoch(t).or_else(|| parse_instant(t)).map(|u| (t, u)));
        let Some((raw_time, utc)) = time else {
            self.problem(
                raw,
                "event has no readable \"date\", \"last_updated\", \"date_happened\" or \"timestamp\" — skipped",
            );
            return;
        };

        let title = pick(|e| &e.title);
        let body = pick(|e| &e.text).or(pick(|e| &e.body)).or(pick(|e| &e.message)).map(first_line);
        let Some(text) = title.or(body).or(pick(|e| &e.event_type)) else {
            self.problem(raw, "event has no title or text — skipped");
            return;
        };
        let parts = split_title(title.unwrap_or(""));
        let transition = pick(|e| &e.alert_transition).and_then(Transition::parse).or(parts.transition);
        let alert_type = pick(|e| &e.alert_type).or(pick(|e| &e.status)).map(str::to_ascii_lowercase);
        let priority = pick(|e| &e.priority).filter(|p| PRIORITY.is_match(p.trim())).or(parts.priority);
        let name = monitor.name.get().map(|n| split_title(n).name).or(title.map(|_| parts.name));

        let (kind, level) = match (transition, alert_type.as_deref()) {
            (Some(t), _) => (t.kind(), None),
            (None, Some("error")) => (Kind::Signal, Some("error")),
            (None, Some("warning" | "warn")) => (Kind::Signal, Some("warn")),
            _ => (Kind::Log, Some("info")),
        };
        let (line, end) = self.lines(raw);
        let when = When::exact(utc).with_original(raw_time);
        let mut rec = Record::new(Span::lines(self.source, line, end), when, kind, text);
        rec.actor = Some(Actor::bot("Datadog"));
        if let Some(t) = transition {
            let name = name.unwrap_or("monitor");
            let status = t.status();
            rec.summary = Some(match priority {
                Some(p) => format!("Datadog: alert {name} {status} ({p})"),
                None => format!("Datadog: alert {name} {status}"),
            });
            rec.set_attr("alert", name);
            rec.set_attr("status", status);
        } else {
            let source = pick(|e| &e.source_type_name).unwrap_or("event");
            rec.summary = Some(format!("Datadog {source}: {}", first_line(text)));
        }
        if let Some(level) = level {
            rec.set_attr("level", level);
        }
        let severity =
            priority.map(str::to_string).or(alert_type.filter(|a| matches!(a.as_str(), "error" | "warning")));
        if let Some(s) = severity {
            rec.set_attr("severity", s);
        }
        if let Some(t) = pick(|e| &e.event_type) {
            rec.set_attr("log_type", t);
        }
        if let Some(t) = pick(|e| &e.alert_transition) {
            rec.set_attr("transition", t);
        }
        if let Some(id) = pick(|e| &e.alert_id) {
            rec.set_attr("monitor_id", id);
        }
        if let Some(m) = pick(|e| &e.alert_metric) {
            rec.set_attr("metric", m);
        }
        if let Some(s) = pick(|e| &e.alert_status) {
            rec.set_attr("alert_status", s);
        }
        let tags = tags_of(ev.tags.or(outer.tags).or(inner.tags));
        if let Some(service) = tag(&tags, "service") {
            rec.set_attr("service", service);
        }
        if let Some(host) = pick(|e| &e.host).or_else(|| tag(&tags, "host")) {
            rec.set_attr("host", host);
        }
        if let Some(env) = tag(&tags, "env") {
            rec.set_attr("environment", env);
        }
        self.out.records.push(rec);
    }
}

/// The first of the events (an event, its v2 `attributes`, their `attributes`) with field `f`.
fn pick_in<'e, 'a>(events: [&'e Event<'a>; 3], f: for<'x> fn(&'x Event<'a>) -> &'x Str) -> Option<&'e str> {
    events.into_iter().find_map(|e| f(e).get())
}

/// `tags` as written: an array of strings, or the webhook's comma-separated `$TAGS`.
fn tags_of(raw: Option<&RawValue>) -> Vec<String> {
    let Some(raw) = raw else { return Vec::new() };
    if let Ok(list) = serde_json::from_str::<Vec<Str>>(raw.get()) {
        return list.into_iter().filter_map(|s| s.get().map(|t| t.trim().to_string())).collect();
    }
    let one: Str = serde_json::from_str(raw.get()).unwrap_or_default();
    one.get()
        .map(|s| s.split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect())
        .unwrap_or_default()
}

/// The value of the first `key:value` tag.
fn tag<'t>(tags: &'t [String], key: &str) -> Option<&'t str> {
    tags.iter().find_map(|t| t.split_once(':').filter(|(k, v)| *k == key && !v.is_empty()).map(|(_, v)| v))
}

/// The first non-blank line, without Datadog's `%%%` Markdown fence.
fn first_line(s: &str) -> &str {
    s.lines().map(str::trim).find(|l| !l.is_empty() && *l != "%%%").unwrap_or("")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::journald::testkit::{assert_quotable, at, claimed_in_shared, detected, parse, sniff, spans};
    use super::*;

    const HOOK: &str = include_str!("../../tests/fixtures/datadog-event/webhook-triggered.json");
    const HOOKS: &str = include_str!("../../tests/fixtures/datadog-event/webhooks.jsonl");
    const EVENTS: &str = include_str!("../../tests/fixtures/datadog-event/events-v1.json");
    const EVENT: &str = include_str!("../../tests/fixtures/datadog-event/event-v1.json");
    const V2: &str = include_str!("../../tests/fixtures/datadog-event/events-v2.json");

    #[test]
    fn sniff_recognises_each_shape() {
        assert_eq!(sniff(&Datadog, "hook.json", HOOK), 95);
        assert_eq!(sniff(&Datadog, "hooks.jsonl", HOOKS), 95);
        assert_eq!(sniff(&Datadog, "events.json", EVENTS), 90);
        assert_eq!(sniff(&Datadog, "event.json", EVENT), 90);
        assert_eq!(sniff(&Datadog, "v2.json", V2), 85);
        for (name, text) in
            [("a.json", HOOK), ("b.jsonl", HOOKS), ("c.json", EVENTS), ("d.json", EVENT), ("e.json", V2)]
        {
            assert_eq!(detected(name, text), Some("datadog-event"), "{name}");
        }
        let pd = r#"{"event": {"event_type": "incident.triggered", "occurred_at": "2024-05-01T09:57:00Z"}}"#;
        assert_eq!(sniff(&Datadog, "pd.json", pd), 0);
        assert_eq!(sniff(&Datadog, "log.jsonl", r#"{"date": "2024-10-08", "title": "x"}"#), 0);
    }

    #[test]
    fn a_triggered_webhook() {
        let p = parse(&Datadog, "datadog/webhook-triggered.json", HOOK);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(HOOK, &p.records);
        assert_eq!(p.records.len(), 1);
        let r = &p.records[0];
        assert_eq!(spans(&p), [(1, 21)]);
        assert_eq!(r.kind, Kind::Alert);
        assert_eq!(r.text, "[Triggered on {service:checkout-api,env:prod}] [P1] Checkout 5xx ratio above 5%");
        assert_eq!(at(r), "2024-10-08T14:49:31Z");
        assert_eq!(r.when.original.as_deref(), Some("1728398971000"));
        assert_eq!(r.attr("alert"), Some("Checkout 5xx ratio above 5%"));
        assert_eq!(r.attr("status"), Some("firing"));
        assert_eq!(r.attr("severity"), Some("P1"));
        assert_eq!(r.attr("service"), Some("checkout-api"));
        assert_eq!(r.attr("environment"), Some("prod"));
        assert_eq!(r.attr("monitor_id"), Some("148201377"));
        assert_eq!(r.attr("log_type"), Some("query_alert_monitor"));
        assert_eq!(r.summary.as_deref(), Some("Datadog: alert Checkout 5xx ratio above 5% firing (P1)"));
        assert!(r.actor.as_ref().is_some_and(|a| a.bot));
    }

    #[test]
    fn webhook_lines_give_each_transition() {
        let p = parse(&Datadog, "datadog/webhooks.jsonl", HOOKS);
        assert_quotable(HOOKS, &p.records);
        let rows: Vec<(u32, Kind, &str)> =
            p.records.iter().map(|r| (r.span.line, r.kind, r.attr("status").unwrap_or(""))).collect();
        assert_eq!(
            rows,
            [
                (1, Kind::Alert, "warn"),
                (2, Kind::Alert, "firing"),
                (3, Kind::Alert, "no_data"),
                (4, Kind::Alert, "firing"),
                (6, Kind::AlertResolved, "resolved"),
                (7, Kind::AlertResolved, "resolved"),
            ]
        );
        assert_eq!(p.records[0].attr("alert"), Some("orders-db-primary connection pool saturation"));
        assert_eq!(p.records[3].attr("transition"), Some("Renotify"));
        assert_eq!(p.records[5].attr("alert"), Some("Checkout 5xx ratio above 5%"), "from the title alone");
        assert_eq!(at(&p.records[4]), "2024-10-08T15:24:01Z");
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, Some(5));
    }

    #[test]
    fn events_api_v1_list_and_single() {
        let p = parse(&Datadog, "datadog/events-v1.json", EVENTS);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(EVENTS, &p.records);
        let kinds: Vec<Kind> = p.records.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, [Kind::Log, Kind::Alert, Kind::Signal, Kind::AlertResolved]);
        let deploy = &p.records[0];
        assert_eq!(deploy.text, "Deployed checkout-api v2.31.0 to prod");
        assert_eq!(at(deploy), "2024-10-08T14:36:41Z");
        assert_eq!(deploy.summary.as_deref(), Some("Datadog jenkins: Deployed checkout-api v2.31.0 to prod"));
        assert_eq!(deploy.attr("service"), Some("checkout-api"));
        assert_eq!(p.records[1].attr("alert"), Some("orders-db-primary CPU above 85%"));
        assert_eq!(p.records[2].attr("level"), Some("error"));
        assert_eq!(p.records[2].text, "OOMKilled: checkout-api-7d9f8b6c5-x2x9q");

        let p = parse(&Datadog, "datadog/event-v1.json", EVENT);
        assert_eq!(p.records.len(), 1);
        assert_eq!(p.records[0].kind, Kind::Alert);
        assert_quotable(EVENT, &p.records);
    }

    #[test]
    fn events_api_v2() {
        let p = parse(&Datadog, "datadog/events-v2.json", V2);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(V2, &p.records);
        let kinds: Vec<Kind> = p.records.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, [Kind::Alert, Kind::AlertResolved]);
        assert_eq!(at(&p.records[0]), "2024-10-08T14:49:31.118Z");
        assert_eq!(p.records[0].attr("alert"), Some("Checkout 5xx ratio above 5%"));
        assert_eq!(p.records[1].attr("service"), Some("checkout-api"));
    }

    #[test]
    fn titles_split_into_prefixes_and_name() {
        let t = split_title("[P2] [Re-Triggered on {host:web-1}] High CPU on web");
        assert_eq!((t.transition, t.priority, t.name), (Some(Transition::Triggered), Some("P2"), "High CPU on web"));
        let t = split_title("[Staging] High CPU");
        assert_eq!((t.transition, t.name), (None, "[Staging] High CPU"));
        assert_eq!(split_title("[Triggered]").name, "[Triggered]");
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn claims_nothing_in_the_shared_samples() {
        let Some(claimed) = claimed_in_shared(&Datadog) else {
            eprintln!("../shared not found; skipping");
            return;
        };
        assert!(claimed.is_empty(), "{claimed:?}");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC*") {
            let _ = sniff(&Datadog, "x.json", &s);
            let p = parse(&Datadog, "x.json", &s);
            assert_quotable(&s, &p.records);
        }

        #[test]
        fn arbitrary_payloads_never_panic(title in "\\PC{0,40}", date in "[0-9.a-z-]{0,20}", tr in "\\PC{0,12}") {
            let doc = serde_json::json!({"title": title, "date": date, "alert_transition": tr, "tags": title, "event_type": "query_alert_monitor", "last_updated": date});
            let text = format!("{doc}\n");
            let p = parse(&Datadog, "x.jsonl", &text);
            prop_assert!(p.records.len() <= 1);
            assert_quotable(&text, &p.records);
        }
    }
}
