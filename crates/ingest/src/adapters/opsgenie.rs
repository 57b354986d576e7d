//! Opsgenie alert and incident exports.
//!
//! [`Opsgenie`] (`opsgenie`) reads the REST responses (fields as in Opsgenie's OpenAPI
//! definitions: `AlertLog`, `AlertNote`, `BaseAlert`/`Alert`, `AlertReport`, `BaseIncident`):
//! - alert logs (`GET /v2/alerts/{id}/logs` → `{"data": [{"log", "type", "owner",
//!   "createdAt", "offset"}]}`): one record per entry, its kind from the entry's `type`
//!   (`Create`, `Acknowledge`, `Close`, `Escalate`, `AddNote`, `AssignOwnership`…) or, for
//!   the generic `system` and `alertRecipient` types, from the log's own words ("Alert
//!   acknowledged via web", "Sent [SMS] notification to …", "Viewed on [web]");
//! - alert notes (`/notes` → `{"data": [{"note", "owner", "createdAt"}]}`);
//! - alerts and incidents, one (`{"data": {...}}`) or a list (`{"data": [...]}`): a record
//!   when it was created and, from `report.ackTime` / `report.closeTime` (milliseconds after
//!   creation), when it was acknowledged and closed; a closed alert without a close time is
//!   placed at its `updatedAt`, marked inferred;
//! - incident timelines (`/v2/incident-timelines/{id}/entries` → `{"data": {"entries":
//!   [{"eventTime", "type", "title": {"content"}, "description": {"content"}, "actor"}]}}`);
//! - outgoing webhook payloads (`{"action": "Acknowledge", "alert": {...}}`), one per file
//!   or one per line.
//!
//! Each record cites its whole JSON object and quotes the alert message, the log line or
//! the note; its summary says what happened without naming anyone.

use std::collections::HashSet;
use std::sync::LazyLock;

use debrief_model::{Actor, Kind, Precision, Problem, Record, SourceFile, Span, When};
use jiff::{SignedDuration, Timestamp};
use regex::Regex;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::journald::{JsonValue, json_values};
use super::slack::{Flag, Str, alert_in_title, head, json_error_text, json_start, parse_obj};
use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::jsonspan::span_of;
use crate::lines::LineIndex;
use crate::time::{parse_epoch, parse_instant};

/// How much of a file `sniff` looks at.
const SNIFF_BYTES: usize = 8 * 1024;

pub struct Opsgenie;

impl Adapter for Opsgenie {
    fn format(&self) -> &'static str {
        "opsgenie"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = head(&file.text, SNIFF_BYTES);
        if !matches!(json_start(head).as_bytes().first(), Some(b'{' | b'[')) {
            return 0;
        }
        let has = |k: &str| head.contains(k);
        // Every Opsgenie response carries `requestId` and `took`.
        let response = has("\"requestId\"") && has("\"took\"");
        let created = CREATED_AT.is_match(head);
        let logs = LOG_KEY.is_match(head) && OFFSET.is_match(head) && created;
        let webhook = WEBHOOK.is_match(head) && ALERT_ID.is_match(head);
        let alerts =
            TINY_ID.is_match(head) && created && (has("\"alias\"") || has("\"acknowledged\"") || has("\"ownerTeam\""));
        let notes = NOTE_KEY.is_match(head) && OFFSET.is_match(head) && created;
        let timeline = has("\"entries\"") && EVENT_TIME.is_match(head) && (has("\"title\"") || has("\"actor\""));
        let score = if logs || webhook || alerts {
            90
        } else if notes || timeline {
            85
        } else {
            0
        };
        if score > 0 && response { score + 5 } else { score }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        Reader::new(&file.text, cx.source).read()
    }
}

static LOG_KEY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""log"\s*:\s*""#).expect("valid regex"));
static NOTE_KEY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""note"\s*:\s*""#).expect("valid regex"));
static WEBHOOK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""action"\s*:\s*"[A-Z][A-Za-z]+"[\s\S]*"alert"\s*:\s*\{|"alert"\s*:\s*\{[\s\S]*"action"\s*:\s*"[A-Z][A-Za-z]+""#)
        .expect("valid regex")
});
/// Values, not only keys: an OpenAPI document names the same fields.
static CREATED_AT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""createdAt"\s*:\s*("\d{4}-\d{2}-\d{2}T|\d{10})"#).expect("valid regex"));
static EVENT_TIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""eventTime"\s*:\s*"\d{4}-\d{2}-\d{2}T"#).expect("valid regex"));
static OFFSET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""offset"\s*:\s*"\d+(_\d+)?""#).expect("valid regex"));
static TINY_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""tinyId"\s*:\s*"\d+""#).expect("valid regex"));
static ALERT_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""alertId"\s*:\s*"[^"]+""#).expect("valid regex"));

/// Any Opsgenie document or item: which fields are present says what it is.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Shape<'a> {
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    #[serde(borrow)]
    entries: Option<&'a RawValue>,
    #[serde(borrow)]
    alert: Option<&'a RawValue>,
    action: Str,
    log: Str,
    note: Str,
    message: Str,
    #[serde(rename = "eventTime")]
    event_time: Str,
    #[serde(rename = "createdAt")]
    created_at: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LogEntry {
    log: Str,
    #[serde(rename = "type")]
    kind: Str,
    owner: Str,
    #[serde(rename = "createdAt")]
    created_at: Str,
}

#[allow(clippy::struct_field_names)]
#[derive(Deserialize, Default)]
#[serde(default)]
struct Note {
    note: Str,
    owner: Str,
    #[serde(rename = "createdAt")]
    created_at: Str,
}

/// `BaseAlert`, `Alert` and `BaseIncident`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct AlertObj<'a> {
    #[serde(rename = "tinyId")]
    tiny_id: Str,
    alias: Str,
    message: Str,
    status: Str,
    acknowledged: Flag,
    #[serde(rename = "createdAt")]
    created_at: Str,
    #[serde(rename = "updatedAt")]
    updated_at: Str,
    source: Str,
    owner: Str,
    priority: Str,
    entity: Str,
    #[serde(rename = "ownerTeam")]
    owner_team: Str,
    tags: Vec<Str>,
    #[serde(borrow)]
    integration: Option<&'a RawValue>,
    #[serde(borrow)]
    report: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Integration {
    name: Str,
    #[serde(rename = "type")]
    kind: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Report {
    #[serde(rename = "ackTime")]
    ack_time: Str,
    #[serde(rename = "closeTime")]
    close_time: Str,
    #[serde(rename = "acknowledgedBy")]
    acknowledged_by: Str,
    #[serde(rename = "closedBy")]
    closed_by: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TimelineEntry<'a> {
    #[serde(rename = "type")]
    kind: Str,
    group: Str,
    #[serde(rename = "eventTime")]
    event_time: Str,
    #[serde(borrow)]
    actor: Option<&'a RawValue>,
    #[serde(borrow)]
    title: Option<&'a RawValue>,
    #[serde(borrow)]
    description: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TimelineActor {
    name: Str,
    #[serde(rename = "type")]
    kind: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Content {
    content: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WebhookAlert {
    #[serde(rename = "tinyId")]
    tiny_id: Str,
    message: Str,
    alias: Str,
    entity: Str,
    priority: Str,
    username: Str,
    #[serde(rename = "userId")]
    user_id: Str,
    note: Str,
    #[serde(rename = "createdAt")]
    created_at: Str,
    #[serde(rename = "updatedAt")]
    updated_at: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WebhookSource {
    name: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Webhook<'a> {
    action: Str,
    #[serde(borrow)]
    alert: Option<&'a RawValue>,
    #[serde(borrow)]
    source: Option<&'a RawValue>,
    #[serde(rename = "integrationName")]
    integration_name: Str,
    #[serde(rename = "escalationName")]
    escalation_name: Str,
}

/// What an entry says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Happened {
    Created,
    Acknowledged,
    Closed,
    AutoClosed,
    Escalated,
    Notified,
    Note,
    StatusUpdate,
    Viewed,
    Other,
}

impl Happened {
    /// From an alert log's or webhook's `type`/`action`, else from the log's words.
    fn of(kind: Option<&str>, words: Option<&str>) -> Self {
        let k: String =
            kind.unwrap_or("").chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
        match k.as_str() {
            "create" | "createalert" | "alertcreated" | "createincident" => return Self::Created,
            "acknowledge" | "ack" | "acknowledgealert" => return Self::Acknowledged,
            "close" | "closealert" | "closeincident" | "resolve" | "resolveincident" => return Self::Closed,
            "autoclose" | "autoclosed" => return Self::AutoClosed,
            "escalate" | "escalatetonext" | "escalatenext" | "assignownership" | "takeownership" | "addresponder"
            | "addteam" | "addrecipient" => return Self::Escalated,
            "addnote" | "note" => return Self::Note,
            "notify" | "notification" => return Self::Notified,
            "unacknowledge" | "snooze" | "addtags" | "removetags" | "adddetails" | "removedetails"
            | "updatepriority" | "updatemessage" | "updatedescription" | "delete" | "customaction" => {
                return Self::Other;
            }
            _ => {}
        }
        Self::from_words(words.unwrap_or(""))
    }

    fn from_words(words: &str) -> Self {
        let w = words.to_ascii_lowercase();
        let has = |s: &str| w.contains(s);
        if w.starts_with("viewed") || has("viewed on") {
            Self::Viewed
        } else if (has("notification") && (has("sent") || has("deliver"))) || w.starts_with("notified") {
            Self::Notified
        } else if has("unacknowledged") || has("un-acknowledged") {
            Self::Other
        } else if has("acknowledged") {
            Self::Acknowledged
        } else if has("auto-closed") || has("auto closed") || has("autoclosed") {
            Self::AutoClosed
        } else if has("closed") || has("resolved") {
            Self::Closed
        } else if has("escalat")
            || has("ownership")
            || has("assigned to")
            || has("added responder")
            || has("added team")
        {
            Self::Escalated
        } else if has("created") || has("opened") {
            Self::Created
        } else if w.starts_with("note added") || has("added note") || has("added a note") {
            Self::Note
        } else {
            Self::Other
        }
    }

    /// From an incident timeline entry's `type` and title.
    fn of_timeline(kind: Option<&str>, title: Option<&str>) -> Self {
        let k = kind.unwrap_or("").to_ascii_lowercase();
        let has = |s: &str| k.contains(s);
        if has("acknowledg") || has("acked") {
            Self::Acknowledged
        } else if has("resolved") || has("closed") {
            Self::Closed
        } else if has("statuspage") || has("stakeholder") || has("communication") {
            Self::StatusUpdate
        } else if has("escalat") || has("responder") || has("assign") || has("owner") {
            Self::Escalated
        } else if has("created") || has("opened") {
            Self::Created
        } else if has("note") || has("comment") || has("custom") {
            Self::Note
        } else {
            Self::from_words(title.unwrap_or(""))
        }
    }

    /// The kind, status and words for a summary.
    fn kind(self, by_person: bool) -> (Kind, Option<&'static str>, &'static str) {
        match self {
            Self::Created => (Kind::Alert, Some("open"), "created"),
            Self::Acknowledged => (Kind::Acknowledge, Some("acknowledged"), "acknowledged"),
            Self::Closed if by_person => (Kind::Resolution, Some("closed"), "closed by a responder"),
            Self::Closed | Self::AutoClosed => (Kind::AlertResolved, Some("closed"), "closed automatically"),
            Self::Escalated => (Kind::Escalation, None, "escalated or reassigned"),
            Self::Notified => (Kind::Page, None, "notified a responder"),
            Self::Note => (Kind::Message, None, "note added"),
            Self::StatusUpdate => (Kind::StatusUpdate, None, "stakeholder update"),
            Self::Viewed => (Kind::System, None, "viewed"),
            Self::Other => (Kind::Message, None, "updated"),
        }
    }
}

struct Reader<'a> {
    text: &'a str,
    index: LineIndex,
    source: u32,
    out: Parsed,
    seen: HashSet<String>,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, source: u32) -> Self {
        Self { text, index: LineIndex::new(text), source, out: Parsed::default(), seen: HashSet::new() }
    }

    fn read(mut self) -> Parsed {
        let values = json_values(self.text, &self.index, "Opsgenie entries", &["data", "entries"]);
        self.out.problems = values.problems;
        for v in values.values {
            match v {
                JsonValue::Top(raw) => self.document(raw),
                JsonValue::Salvaged(raw) => self.item(raw),
            }
        }
        self.out.problems.sort_by_key(|p| p.line.unwrap_or(u32::MAX));
        self.out
    }

    fn lines(&self, raw: &RawValue) -> (u32, u32) {
        span_of(self.text, &self.index, raw).unwrap_or((1, 1))
    }

    fn span(&self, raw: &RawValue) -> Span {
        let (line, end) = self.lines(raw);
        Span::lines(self.source, line, end)
    }

    fn problem(&mut self, raw: &RawValue, message: impl Into<String>) {
        let (line, _) = self.lines(raw);
        self.out.problems.push(Problem::at(line, message));
    }

    /// A top-level value: a response, a webhook payload, or a bare list or item.
    fn document(&mut self, raw: &'a RawValue) {
        if raw.get().starts_with('[') {
            self.list(raw);
            return;
        }
        let shape: Shape<'a> = match serde_json::from_str(raw.get()) {
            Ok(s) => s,
            Err(e) => {
                self.problem(raw, format!("expected an Opsgenie response object ({}) — skipped", json_error_text(&e)));
                return;
            }
        };
        if shape.alert.is_some() && shape.action.get().is_some() {
            self.webhook(raw);
        } else if let Some(data) = shape.data {
            match data.get().as_bytes().first() {
                Some(b'[') => self.list(data),
                Some(b'{') => {
                    let inner: Shape<'a> = parse_obj(Some(data));
                    match inner.entries {
                        Some(entries) => self.list(entries),
                        None => self.item(data),
                    }
                }
                _ => self.problem(raw, "expected \"data\" to hold an object or an array — skipped"),
            }
        } else if let Some(entries) = shape.entries {
            self.list(entries);
        } else {
            self.item(raw);
        }
    }

    fn list(&mut self, raw: &'a RawValue) {
        match serde_json::from_str::<Vec<&'a RawValue>>(raw.get()) {
            Ok(items) => {
                for item in items {
                    self.item(item);
                }
            }
            Err(e) => self.problem(raw, format!("expected an array of entries ({}) — skipped", json_error_text(&e))),
        }
    }

    /// One entry of a list: an alert log entry, a note, an alert or incident, a timeline entry.
    fn item(&mut self, raw: &'a RawValue) {
        let Ok(shape) = serde_json::from_str::<Shape<'a>>(raw.get()) else {
            self.problem(raw, "expected an Opsgenie entry object — skipped");
            return;
        };
        if shape.log.get().is_some() {
            self.log_entry(raw);
        } else if shape.event_time.get().is_some() {
            self.timeline_entry(raw);
        } else if shape.message.get().is_some() && shape.created_at.get().is_some() {
            self.alert(raw);
        } else if shape.note.get().is_some() {
            self.note(raw);
        } else if shape.alert.is_some() && shape.action.get().is_some() {
            self.webhook(raw);
        } else {
            self.problem(
                raw,
                "expected an alert log entry (\"log\"), a note, an alert (\"message\", \"createdAt\") or a timeline entry (\"eventTime\") — skipped",
            );
        }
    }

    fn log_entry(&mut self, raw: &'a RawValue) {
        let entry: LogEntry = parse_obj(Some(raw));
        let Some(when) = self.instant(raw, entry.created_at.get(), "createdAt") else { return };
        let text = entry.log.get().unwrap_or("log entry");
        let owner = entry.owner.get();
        let by_person = owner.is_some_and(is_person);
        let happened = Happened::of(entry.kind.get(), Some(text));
        let (kind, status, what) = happened.kind(by_person);
        let mut rec = Record::new(self.span(raw), when, kind, text).with_summary(format!("Opsgenie: alert {what}"));
        rec.actor = owner.map(|o| self.actor(o));
        if let Some(t) = entry.kind.get() {
            rec.set_attr("log_type", t);
        }
        if let Some(s) = status {
            rec.set_attr("status", s);
        }
        self.out.records.push(rec);
    }

    fn note(&mut self, raw: &'a RawValue) {
        let note: Note = parse_obj(Some(raw));
        let Some(when) = self.instant(raw, note.created_at.get(), "createdAt") else { return };
        let text = note.note.get().unwrap_or("note");
        let mut rec = Record::new(self.span(raw), when, Kind::Message, text).with_summary("Opsgenie: alert note");
        rec.actor = note.owner.get().map(|o| self.actor(o));
        rec.set_attr("log_type", "note");
        self.out.records.push(rec);
    }

    fn alert(&mut self, raw: &'a RawValue) {
        let alert: AlertObj<'a> = match serde_json::from_str(raw.get()) {
            Ok(a) => a,
            Err(e) => {
                self.problem(raw, format!("expected an alert object ({}) — skipped", json_error_text(&e)));
                return;
            }
        };
        let Some(created_raw) = alert.created_at.get() else { return };
        let Some(created) = self.instant(raw, Some(created_raw), "createdAt") else { return };
        let Some(created_at) = created.utc else { return };
        let message = alert.message.get().unwrap_or("alert");
        let incident = alert.owner_team.get().is_some() || (alert.alias.get().is_none() && alert.report.is_none());
        let noun = if incident { "incident" } else { "alert" };
        let label = match alert.tiny_id.get() {
            Some(n) => format!("{noun} #{n}"),
            None => noun.to_string(),
        };
        let integration: Integration = parse_obj(alert.integration);
        let report: Report = parse_obj(alert.report);
        let span = self.span(raw);
        let name = alert_in_title(message).unwrap_or_else(|| message.to_string());

        let base = |kind: Kind, when: When, what: &str| {
            let mut rec =
                Record::new(span, when, kind, message).with_summary(format!("Opsgenie: {label} {what}: {name}"));
            if !incident {
                rec.set_attr("alert", name.as_str());
            }
            rec.set_attr("incident", label.as_str());
            if let Some(p) = alert.priority.get() {
                rec.set_attr("severity", p);
            }
            if let Some(e) = alert.entity.get() {
                rec.set_attr("service", e);
            }
            let tags: Vec<&str> = alert.tags.iter().filter_map(Str::get).collect();
            if !tags.is_empty() {
                rec.set_attr("tags", tags.join(","));
            }
            rec
        };

        let mut open = base(Kind::Alert, created, "created");
        open.set_attr("status", "open");
        open.set_attr("log_type", if incident { "incident" } else { "alert" });
        let creator = integration.name.get().or(alert.source.get());
        open.actor = creator.map(|c| if incident && is_person(c) { self.actor(c) } else { Actor::bot(c) });
        if incident && creator.is_some_and(is_person) {
            open.set_attr("declared", "true");
        }
        if let Some(t) = integration.kind.get() {
            open.set_attr("channel_type", t);
        }
        if alert.acknowledged.0 && report.ack_time.get().is_none() {
            open.set_attr("acknowledged", "true");
        }
        self.out.records.push(open);

        if let Some(ms) = report.ack_time.get().and_then(|m| m.parse::<i64>().ok()).filter(|m| *m >= 0)
            && let Some(at) = after(created_at, ms)
        {
            let when = When::exact(at).with_original(format!("{created_raw} + ackTime {ms} ms"));
            let mut rec = base(Kind::Acknowledge, when, "acknowledged");
            rec.set_attr("status", "acknowledged");
            rec.set_attr("log_type", "report.ackTime");
            rec.actor = report.acknowledged_by.get().map(|a| self.actor(a));
            self.out.records.push(rec);
        }

        let closed_by = report.closed_by.get();
        // An incident is declared resolved; an alert is closed by a responder or by its source.
        let (kind, what) = if incident {
            (Kind::Resolution, "resolved")
        } else if closed_by.is_some_and(is_person) {
            (Kind::Resolution, "closed by a responder")
        } else {
            (Kind::AlertResolved, "closed")
        };
        let close_ms = report.close_time.get().and_then(|m| m.parse::<i64>().ok()).filter(|m| *m >= 0);
        let closed = matches!(alert.status.get(), Some("closed" | "resolved"));
        let close_when = match close_ms {
            Some(ms) => after(created_at, ms)
                .map(|at| When::exact(at).with_original(format!("{created_raw} + closeTime {ms} ms"))),
            None if closed => alert.updated_at.get().and_then(|u| {
                parse_instant(u).map(|t| When::exact(t).with_original(u).with_precision(Precision::Inferred))
            }),
            None => None,
        };
        if let Some(when) = close_when {
            let inferred = close_ms.is_none();
            let what = if inferred { format!("{what} (time of its last update)") } else { what.to_string() };
            let mut rec = base(kind, when, &what);
            rec.set_attr("status", alert.status.get().unwrap_or("closed"));
            rec.set_attr("log_type", if inferred { "updatedAt" } else { "report.closeTime" });
            rec.actor = closed_by.map(|c| self.actor(c));
            self.out.records.push(rec);
        }
        if let Some(o) = alert.owner.get()
            && is_person(o)
        {
            self.reveal(o);
        }
    }

    fn timeline_entry(&mut self, raw: &'a RawValue) {
        let entry: TimelineEntry<'a> = match serde_json::from_str(raw.get()) {
            Ok(e) => e,
            Err(e) => {
                self.problem(raw, format!("expected a timeline entry ({}) — skipped", json_error_text(&e)));
                return;
            }
        };
        let Some(when) = self.instant(raw, entry.event_time.get(), "eventTime") else { return };
        let title = content(entry.title);
        let description = content(entry.description);
        let Some(text) = title.clone().or(description).or(entry.kind.get().map(str::to_string)) else {
            self.problem(raw, "timeline entry has no title, description or type — skipped");
            return;
        };
        let actor: TimelineActor = parse_obj(entry.actor);
        let by_person = actor.kind.get().is_some_and(|k| k.eq_ignore_ascii_case("user"))
            || (actor.kind.get().is_none() && actor.name.get().is_some_and(is_person));
        let happened = Happened::of_timeline(entry.kind.get(), title.as_deref());
        let (kind, status, what) = happened.kind(by_person);
        let mut rec = Record::new(self.span(raw), when, kind, text).with_summary(format!("Opsgenie: incident {what}"));
        if let Some(name) = actor.name.get() {
            rec.actor = Some(if by_person {
                self.reveal(name);
                Actor::person(name)
            } else {
                Actor::bot(name)
            });
        }
        if let Some(t) = entry.kind.get() {
            rec.set_attr("log_type", t);
        }
        if let Some(g) = entry.group.get() {
            rec.set_attr("group", g);
        }
        if let Some(s) = status {
            rec.set_attr("status", s);
        }
        if happened == Happened::Created && by_person {
            rec.set_attr("declared", "true");
        }
        self.out.records.push(rec);
    }

    fn webhook(&mut self, raw: &'a RawValue) {
        let hook: Webhook<'a> = parse_obj(Some(raw));
        let alert: WebhookAlert = parse_obj(hook.alert);
        let source: WebhookSource = parse_obj(hook.source);
        let time = alert.updated_at.get().or(alert.created_at.get());
        let Some(t) = time.and_then(|t| parse_epoch(t).or_else(|| parse_instant(t))) else {
            self.problem(raw, "webhook alert has no readable \"updatedAt\" or \"createdAt\" — skipped");
            return;
        };
        let when = When::exact(t).with_original(time.unwrap_or_default());
        let action = hook.action.get();
        let user = alert.username.get();
        let by_person = user.is_some_and(is_person);
        let happened = Happened::of(action, None);
        let (kind, status, what) = happened.kind(by_person);
        let message = alert.message.get();
        let text = match happened {
            Happened::Note => alert.note.get().or(message),
            _ => message,
        }
        .or(alert.alias.get())
        .or(action)
        .unwrap_or("alert");
        let name = message.map(|m| alert_in_title(m).unwrap_or_else(|| m.to_string()));
        let label = match alert.tiny_id.get() {
            Some(n) => format!("alert #{n}"),
            None => "alert".to_string(),
        };
        let summary = match &name {
            Some(n) => format!("Opsgenie: {label} {what}: {n}"),
            None => format!("Opsgenie: {label} {what}"),
        };
        let mut rec = Record::new(self.span(raw), when, kind, text).with_summary(summary);
        rec.actor = match user {
            Some(u) if by_person => Some(match alert.user_id.get() {
                Some(id) => self.actor(u).with_id(id),
                None => self.actor(u),
            }),
            Some(u) => Some(Actor::bot(u)),
            None => source.name.get().or(hook.integration_name.get()).map(Actor::bot),
        };
        if let Some(a) = action {
            rec.set_attr("log_type", a);
        }
        if let Some(n) = name {
            rec.set_attr("alert", n);
        }
        rec.set_attr("incident", label);
        if let Some(s) = status {
            rec.set_attr("status", s);
        }
        if let Some(p) = alert.priority.get() {
            rec.set_attr("severity", p);
        }
        if let Some(e) = alert.entity.get() {
            rec.set_attr("service", e);
        }
        if let Some(e) = hook.escalation_name.get() {
            rec.set_attr("escalation", e);
        }
        self.out.records.push(rec);
    }

    /// The instant in `value`, or a problem at `raw` and `None`.
    fn instant(&mut self, raw: &RawValue, value: Option<&str>, field: &str) -> Option<When> {
        let Some(v) = value else {
            self.problem(raw, format!("entry has no \"{field}\" — skipped"));
            return None;
        };
        let Some(t) = parse_instant(v).or_else(|| parse_epoch(v)) else {
            self.problem(raw, format!("{field} {v:?} is not a time with an offset — entry skipped"));
            return None;
        };
        Some(When::exact(t).with_original(v))
    }

    /// An owner as an actor: a person (revealed) or an integration.
    fn actor(&mut self, owner: &str) -> Actor {
        if is_person(owner) {
            self.reveal(owner);
            Actor::person(owner)
        } else {
            Actor::bot(owner)
        }
    }

    fn reveal(&mut self, name: &str) {
        if !self.seen.insert(name.to_string()) {
            return;
        }
        let mut person = Person { name: name.to_string(), ..Person::default() };
        if let Some((local, _)) = name.split_once('@') {
            person.emails.push(name.to_string());
            person.aliases.push(local.to_string());
        }
        self.out.people.push(person);
    }
}

/// `created_at` plus `ms` milliseconds.
fn after(created_at: Timestamp, ms: i64) -> Option<Timestamp> {
    created_at.checked_add(SignedDuration::from_millis(ms)).ok()
}

/// A timeline field's text: a string, or an object with `content`.
fn content(raw: Option<&RawValue>) -> Option<String> {
    let raw = raw?;
    if raw.get().starts_with('"') {
        return serde_json::from_str::<Str>(raw.get()).ok().and_then(|s| s.get().map(str::to_string));
    }
    parse_obj::<Content>(Some(raw)).content.get().map(str::to_string)
}

/// Whether an owner names a person rather than Opsgenie or an integration: an email
/// address, or two or three capitalised words that are not a known system name.
fn is_person(owner: &str) -> bool {
    const SYSTEM: [&str; 10] = [
        "system", "opsgenie", "api", "integration", "heartbeat", "webhook", "alertmanager", "prometheus", "datadog",
        "noreply",
    ];
    let o = owner.trim();
    let lower = o.to_ascii_lowercase();
    if SYSTEM.iter().any(|s| lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w == *s)) {
        return false;
    }
    if o.contains('@') {
        return true;
    }
    let words: Vec<&str> = o.split_whitespace().collect();
    (2..=3).contains(&words.len())
        && words.iter().all(|w| w.chars().next().is_some_and(char::is_uppercase) && w.chars().all(char::is_alphabetic))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::journald::testkit::{
        assert_quotable, at, claimed_in_shared, detected, parse, shared, sniff, spans,
    };
    use super::*;

    const LOGS: &str = include_str!("../../tests/fixtures/opsgenie/alert-logs.json");
    const NOTES: &str = include_str!("../../tests/fixtures/opsgenie/alert-notes.json");
    const ALERT: &str = include_str!("../../tests/fixtures/opsgenie/alert.json");
    const ALERTS: &str = include_str!("../../tests/fixtures/opsgenie/alerts.json");
    const INCIDENTS: &str = include_str!("../../tests/fixtures/opsgenie/incidents.json");
    const TIMELINE: &str = include_str!("../../tests/fixtures/opsgenie/incident-timeline.json");
    const WEBHOOKS: &str = include_str!("../../tests/fixtures/opsgenie/webhooks.jsonl");

    fn kinds(p: &Parsed) -> Vec<Kind> {
        p.records.iter().map(|r| r.kind).collect()
    }

    #[test]
    fn sniff_recognises_each_shape() {
        for (name, text) in [
            ("alert-logs.json", LOGS),
            ("alert-notes.json", NOTES),
            ("alert.json", ALERT),
            ("alerts.json", ALERTS),
            ("incidents.json", INCIDENTS),
            ("incident-timeline.json", TIMELINE),
            ("webhooks.jsonl", WEBHOOKS),
        ] {
            assert!(sniff(&Opsgenie, name, text) >= 85, "{name}");
            assert_eq!(detected(name, text), Some("opsgenie"), "{name}");
        }
        assert_eq!(sniff(&Opsgenie, "x.json", LOGS), 95, "a response with requestId and took");
        assert_eq!(
            sniff(&Opsgenie, "pd.json", r#"{"notes": [{"content": "x", "user": {"type": "user_reference"}}]}"#),
            0
        );
        assert_eq!(sniff(&Opsgenie, "x.jsonl", r#"{"time": "2024-10-08T14:00:00Z", "log": "x"}"#), 0);
    }

    #[test]
    fn alert_log_entries_take_kinds_from_type_and_words() {
        let p = parse(&Opsgenie, "opsgenie/alert-logs.json", LOGS);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(LOGS, &p.records);
        assert_eq!(
            kinds(&p),
            [
                Kind::Alert,
                Kind::Page,
                Kind::System,
                Kind::Acknowledge,
                Kind::Message,
                Kind::Escalation,
                Kind::Page,
                Kind::Acknowledge,
                Kind::Resolution,
                Kind::AlertResolved
            ]
        );
        assert_eq!(spans(&p)[0], (3, 9));
        let created = &p.records[0];
        assert_eq!(created.text, "Alert created via Prometheus-prod integration");
        assert_eq!(at(created), "2024-10-08T14:49:31.208Z");
        assert_eq!(created.actor.as_ref().map(|a| (a.name.as_str(), a.bot)), Some(("Prometheus-prod", true)));
        assert_eq!(created.attr("log_type"), Some("system"));
        let ack = &p.records[3];
        assert_eq!(ack.text, "Alert acknowledged via mobile");
        assert_eq!(
            ack.actor.as_ref().map(|a| (a.name.as_str(), a.bot)),
            Some(("dana.whitfield@larkspur.example", false))
        );
        assert_eq!(ack.summary.as_deref(), Some("Opsgenie: alert acknowledged"));
        assert_eq!(p.records[4].text, "Note added: looking at orders-db-primary, CPU 88%");
        assert_eq!(p.records[8].text, "Alert closed via web");
        assert_eq!(p.records[9].text, "Alert auto-closed: Prometheus-prod sent a close request");
        let dana = p.people.iter().find(|x| x.name == "dana.whitfield@larkspur.example").expect("dana");
        assert_eq!(dana.aliases, ["dana.whitfield"]);
        assert_eq!(p.people.len(), 2);
    }

    #[test]
    fn notes_are_messages() {
        let p = parse(&Opsgenie, "opsgenie/alert-notes.json", NOTES);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(NOTES, &p.records);
        assert_eq!(kinds(&p), [Kind::Message, Kind::Message]);
        assert_eq!(p.records[1].text, "Rolled back checkout-api to v2.30.4; error rate dropping.");
        assert_eq!(at(&p.records[1]), "2024-10-08T15:21:47.09Z");
        assert_eq!(p.records[1].attr("log_type"), Some("note"));
    }

    #[test]
    fn an_alert_gives_its_creation_acknowledgement_and_close() {
        let p = parse(&Opsgenie, "opsgenie/alert.json", ALERT);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(ALERT, &p.records);
        assert_eq!(kinds(&p), [Kind::Alert, Kind::Acknowledge, Kind::Resolution]);
        assert!(p.records.iter().all(|r| (r.span.line, r.span.end_line) == (2, 49)));
        let open = &p.records[0];
        assert_eq!(open.text, "[FIRING:1] CheckoutErrorRate checkout-api (us-east-1 critical)");
        assert_eq!(open.attr("alert"), Some("CheckoutErrorRate"));
        assert_eq!(open.attr("incident"), Some("alert #2047"));
        assert_eq!(open.attr("severity"), Some("P1"));
        assert_eq!(open.attr("service"), Some("checkout-api"));
        assert_eq!(open.attr("tags"), Some("checkout,prod,us-east-1"));
        assert_eq!(open.summary.as_deref(), Some("Opsgenie: alert #2047 created: CheckoutErrorRate"));
        assert_eq!(at(open), "2024-10-08T14:49:31.208Z");
        let ack = &p.records[1];
        assert_eq!(at(ack), "2024-10-08T14:51:10.208Z", "createdAt + 99 s");
        assert_eq!(ack.when.original.as_deref(), Some("2024-10-08T14:49:31.208Z + ackTime 99000 ms"));
        let closed = &p.records[2];
        assert_eq!(at(closed), "2024-10-08T15:31:05.708Z");
        assert_eq!(closed.actor.as_ref().map(|a| a.bot), Some(false));
    }

    #[test]
    fn alert_lists_infer_a_close_without_close_time() {
        let p = parse(&Opsgenie, "opsgenie/alerts.json", ALERTS);
        assert_quotable(ALERTS, &p.records);
        assert_eq!(kinds(&p), [Kind::Alert, Kind::AlertResolved, Kind::Alert]);
        let closed = &p.records[1];
        assert_eq!(closed.when.precision, Precision::Inferred);
        assert_eq!(at(closed), "2024-10-08T15:02:44.512Z");
        assert_eq!(closed.attr("log_type"), Some("updatedAt"));
        assert_eq!(p.records[2].attr("acknowledged"), Some("true"));
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert_eq!(p.problems[0].line, Some(51));
    }

    #[test]
    fn incidents_and_their_timeline() {
        let p = parse(&Opsgenie, "opsgenie/incidents.json", INCIDENTS);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(INCIDENTS, &p.records);
        assert_eq!(kinds(&p), [Kind::Alert, Kind::Resolution]);
        assert_eq!(p.records[0].attr("incident"), Some("incident #118"));
        assert_eq!(p.records[0].attr("declared"), Some("true"));
        assert_eq!(p.records[0].attr("alert"), None);

        let p = parse(&Opsgenie, "opsgenie/incident-timeline.json", TIMELINE);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(TIMELINE, &p.records);
        assert_eq!(
            kinds(&p),
            [Kind::Alert, Kind::Escalation, Kind::Acknowledge, Kind::StatusUpdate, Kind::Message, Kind::Resolution]
        );
        let declared = &p.records[0];
        assert_eq!(declared.attr("declared"), Some("true"));
        assert_eq!(declared.text, "Incident #118 created: checkout 5xx above 5%");
        assert_eq!(at(declared), "2024-10-08T14:52:02.331Z");
        assert_eq!(p.records[4].text, "Rolling back checkout-api to v2.30.4", "the description when there is no title");
        assert!(p.people.iter().any(|x| x.name == "Dana Whitfield"));
    }

    #[test]
    fn webhooks_one_per_line() {
        let p = parse(&Opsgenie, "opsgenie/webhooks.jsonl", WEBHOOKS);
        assert_quotable(WEBHOOKS, &p.records);
        assert_eq!(kinds(&p), [Kind::Alert, Kind::Acknowledge, Kind::Message, Kind::AlertResolved]);
        assert_eq!(
            p.records[1].actor.as_ref().and_then(|a| a.id.as_deref()),
            Some("4f0a9c1e-7b23-4d7e-9a61-2c5d8e3b1f07")
        );
        assert_eq!(p.records[2].text, "db pool pinned at 16, rolling back");
        assert_eq!(at(&p.records[0]), "2024-10-08T14:49:31.208Z");
        assert_eq!(p.records[0].attr("alert"), Some("CheckoutErrorRate"));
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, Some(4));
    }

    #[test]
    fn junk_never_panics() {
        for text in [
            "", "{", "[", "{}", "{\"data\": 5}", "{\"data\": [null, 3, {\"log\": 1}]}", "{\"data\": {\"entries\": {}}}",
        ] {
            let p = parse(&Opsgenie, "x.json", text);
            assert!(p.records.is_empty(), "{text:?}");
        }
        for end in (0..LOGS.len()).filter(|&i| LOGS.is_char_boundary(i)).step_by(11) {
            let p = parse(&Opsgenie, "x.json", &LOGS[..end]);
            assert!(p.records.len() <= 10);
            assert_quotable(&LOGS[..end], &p.records);
        }
    }

    /// The fixtures use only fields Opsgenie's OpenAPI definitions name.
    #[test]
    #[allow(clippy::print_stderr)]
    fn fixtures_follow_the_openapi_definitions() {
        let Some(path) = shared("eval-data/opsgenie-oas/swagger.json") else {
            eprintln!("eval-data not found (../shared/eval-data); skipping");
            return;
        };
        let spec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
        let defs = &spec["definitions"];
        let props = |name: &str| -> Vec<String> {
            let d = &defs[name];
            let mut keys: Vec<String> =
                d["properties"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
            for part in d["allOf"].as_array().into_iter().flatten() {
                if let Some(m) = part["properties"].as_object() {
                    keys.extend(m.keys().cloned());
                }
            }
            keys
        };
        let envelope = ["data", "paging", "took", "requestId"];
        let check = |text: &str, item: &[&str], extra: &[&str]| {
            let doc: serde_json::Value = serde_json::from_str(text).expect("fixture");
            for key in doc.as_object().expect("object").keys() {
                assert!(envelope.contains(&key.as_str()), "envelope key {key}");
            }
            let items = doc["data"].as_array().cloned().unwrap_or_else(|| vec![doc["data"].clone()]);
            let mut allowed: Vec<String> = item.iter().flat_map(|d| props(d)).collect();
            allowed.extend(extra.iter().map(|s| (*s).to_string()));
            assert!(!allowed.is_empty());
            for it in items {
                for key in it.as_object().expect("item").keys() {
                    assert!(allowed.contains(key), "{key} is not in {item:?}");
                }
            }
        };
        check(LOGS, &["AlertLog"], &[]);
        check(NOTES, &["AlertNote"], &[]);
        check(ALERT, &["BaseAlert", "Alert"], &[]);
        check(INCIDENTS, &["BaseIncident"], &[]);
        let report = props("AlertReport");
        assert_eq!(report, ["ackTime", "acknowledgedBy", "closeTime", "closedBy"]);
        assert_eq!(props("AlertLog"), ["createdAt", "log", "offset", "owner", "type"]);
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn claims_nothing_in_the_shared_samples() {
        let Some(claimed) = claimed_in_shared(&Opsgenie) else {
            eprintln!("../shared not found; skipping");
            return;
        };
        assert!(claimed.is_empty(), "{claimed:?}");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC*") {
            let _ = sniff(&Opsgenie, "x.json", &s);
            let p = parse(&Opsgenie, "x.json", &s);
            assert_quotable(&s, &p.records);
        }

        #[test]
        fn arbitrary_alerts_never_panic(msg in "\\PC{0,12}", created in "\\PC{0,30}", ack in any::<i64>(), close in "[0-9-]{0,25}") {
            let doc = serde_json::json!({"data": {"message": msg, "createdAt": created, "tinyId": "1", "alias": "a", "status": "closed", "updatedAt": created, "report": {"ackTime": ack, "closeTime": close, "closedBy": msg}}});
            let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            let p = parse(&Opsgenie, "x.json", &text);
            prop_assert!(p.records.len() <= 3);
            assert_quotable(&text, &p.records);
        }
    }
}
