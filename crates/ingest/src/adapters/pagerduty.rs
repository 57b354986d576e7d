//! PagerDuty incident logs.
//!
//! [`PagerDuty`] (`pagerduty`) reads:
//! - REST log entries: `GET /incidents/{id}/log_entries` or `GET /log_entries` responses
//!   (`{"log_entries": [...]}`), a bare array of entries, or one `{"log_entry": {...}}`;
//!   one record per entry, cited by the whole entry object, in any order;
//! - v3 webhook payloads (`{"event": {"event_type": "incident.triggered", ...}}`), one per
//!   file or one per line;
//! - incident notes (`{"notes": [...]}`) and change events (`{"change_events": [...]}`);
//! - REST incidents (`{"incident": {...}}`, `{"incidents": [...]}`, a bare incident object):
//!   the trigger at `created_at` and the resolve at `resolved_at`, cited by the incident
//!   object, and each acknowledgement, cited by its own object; REST alerts
//!   (`{"alerts": [...]}`): one record per alert at its `created_at`. A
//!   `past_incidents` list (earlier, other incidents) is recognised but not read;
//! - a CSV incident log with a header row, its columns matched by name.
//!
//! An entry's own `summary` is often uninformative ("Triggered through the API."), so a
//! record's `text` is the most telling verbatim string of the entry (the incident title
//! for triggers and resolves, the note for annotations), and its `summary` says what
//! happened in words (`PagerDuty: [#4471] CheckoutErrorRate triggered`), without names.

use std::collections::HashSet;
use std::sync::LazyLock;

use debrief_model::{Actor, Kind, Precision, Problem, Record, SourceFile, Span, When, ZoneBasis};
use jiff::civil::DateTime;
use regex::Regex;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::slack::{
    Str, alert_in_title, describe_json_error, head, json_error_text, json_start, parse_obj, read_array,
};
use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::jsonspan::span_of;
use crate::lines::LineIndex;
use crate::time::{localize, parse_epoch, parse_instant, parse_naive};

/// How much of a file `sniff` looks at.
const SNIFF_BYTES: usize = 8 * 1024;

pub struct PagerDuty;

impl Adapter for PagerDuty {
    fn format(&self) -> &'static str {
        "pagerduty"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = head(&file.text, SNIFF_BYTES);
        match json_start(head).as_bytes().first() {
            Some(b'{' | b'[') => {
                if LOG_ENTRIES_KEY.is_match(head) || LOG_ENTRY_TYPE.is_match(head) {
                    95
                } else if WEBHOOK_EVENT.is_match(head) {
                    90
                } else if CHANGE_EVENTS_KEY.is_match(head) {
                    80
                } else if NOTES_KEY.is_match(head) && head.contains("\"user_reference\"") {
                    75
                } else if head.contains("pagerduty.com") && INCIDENT_OR_ALERT.is_match(head) {
                    70
                } else if head.contains("pagerduty.com") && PAST_INCIDENTS_KEY.is_match(head) {
                    50
                } else {
                    0
                }
            }
            _ => sniff_csv(head, &file.path),
        }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        match json_start(&file.text).as_bytes().first() {
            Some(b'{' | b'[') => JsonReader::new(&file.text, cx.source).read(),
            _ => parse_csv(file, cx),
        }
    }
}

static LOG_ENTRIES_KEY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""log_entries?"\s*:"#).expect("valid regex"));
static LOG_ENTRY_TYPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""type"\s*:\s*"[a-z_]+_log_entry""#).expect("valid regex"));
static WEBHOOK_EVENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""event_type"\s*:\s*"(incident|service)\.[a-z_.]+""#).expect("valid regex"));
static CHANGE_EVENTS_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""change_events"\s*:"#).expect("valid regex"));
static NOTES_KEY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""notes"\s*:"#).expect("valid regex"));
/// A REST incident or alert object (`"type": "incident"`, not `"incident_reference"`).
static INCIDENT_OR_ALERT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""type"\s*:\s*"(incident|alert)""#).expect("valid regex"));
static PAST_INCIDENTS_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""past_incidents"\s*:"#).expect("valid regex"));
/// `[#4471]` at the start of an incident title.
static INCIDENT_NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\[#(\d+)\]").expect("valid regex"));

// ---------------------------------------------------------------------------------------
// JSON: log entries, webhooks, notes, change events

/// Any PagerDuty JSON document: which fields are present says what it is.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    kind: Str,
    event_type: Str,
    #[serde(borrow)]
    event: Option<&'a RawValue>,
    #[serde(borrow)]
    log_entries: Option<&'a RawValue>,
    #[serde(borrow)]
    log_entry: Option<&'a RawValue>,
    #[serde(borrow)]
    notes: Option<&'a RawValue>,
    #[serde(borrow)]
    note: Option<&'a RawValue>,
    #[serde(borrow)]
    change_events: Option<&'a RawValue>,
    #[serde(borrow)]
    incident: Option<&'a RawValue>,
    #[serde(borrow)]
    incidents: Option<&'a RawValue>,
    #[serde(borrow)]
    alerts: Option<&'a RawValue>,
    #[serde(borrow)]
    past_incidents: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entry<'a> {
    #[serde(rename = "type")]
    kind: Str,
    summary: Str,
    created_at: Str,
    #[serde(borrow)]
    agent: Option<&'a RawValue>,
    #[serde(borrow)]
    channel: Option<&'a RawValue>,
    #[serde(borrow)]
    service: Option<&'a RawValue>,
    #[serde(borrow)]
    incident: Option<&'a RawValue>,
    #[serde(borrow)]
    user: Option<&'a RawValue>,
    #[serde(borrow)]
    assigned_user: Option<&'a RawValue>,
    #[serde(borrow)]
    assignees: Option<&'a RawValue>,
    #[serde(borrow)]
    event_details: Option<&'a RawValue>,
    #[serde(borrow)]
    note: Option<&'a RawValue>,
    #[serde(borrow)]
    notification: Option<&'a RawValue>,
}

/// A `*_reference` object: a user, service, incident, integration.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Reference {
    id: Str,
    #[serde(rename = "type")]
    kind: Str,
    summary: Str,
    name: Str,
    email: Str,
}

impl Reference {
    fn label(&self) -> Option<&str> {
        self.summary.get().or(self.name.get())
    }

    fn is_user(&self) -> bool {
        matches!(self.kind.get(), Some("user_reference" | "user"))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Channel {
    #[serde(rename = "type")]
    kind: Str,
    summary: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EventDetails {
    description: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoteBody {
    content: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Event<'a> {
    #[serde(rename = "event_type")]
    kind: Str,
    occurred_at: Str,
    #[serde(borrow)]
    agent: Option<&'a RawValue>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EventData<'a> {
    id: Str,
    #[serde(rename = "type")]
    kind: Str,
    number: Str,
    title: Str,
    summary: Str,
    name: Str,
    content: Str,
    message: Str,
    #[serde(borrow)]
    service: Option<&'a RawValue>,
    #[serde(borrow)]
    incident: Option<&'a RawValue>,
    #[serde(borrow)]
    user: Option<&'a RawValue>,
    #[serde(borrow)]
    assignees: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Note<'a> {
    content: Str,
    created_at: Str,
    #[serde(borrow)]
    user: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChangeEvent<'a> {
    summary: Str,
    timestamp: Str,
    source: Str,
    #[serde(borrow)]
    services: Option<&'a RawValue>,
}

/// A REST incident object.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Incident<'a> {
    id: Str,
    summary: Str,
    title: Str,
    #[serde(rename = "incident_number")]
    number: Str,
    created_at: Str,
    resolved_at: Str,
    #[serde(borrow)]
    service: Option<&'a RawValue>,
    #[serde(borrow)]
    acknowledgements: Option<&'a RawValue>,
    #[serde(borrow)]
    last_status_change_by: Option<&'a RawValue>,
    #[serde(borrow)]
    assignments: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Acknowledgement<'a> {
    at: Str,
    #[serde(borrow)]
    acknowledger: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Assignment<'a> {
    #[serde(borrow)]
    assignee: Option<&'a RawValue>,
}

/// A REST alert object.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Alert<'a> {
    summary: Str,
    created_at: Str,
    severity: Str,
    #[serde(borrow)]
    service: Option<&'a RawValue>,
    #[serde(borrow)]
    incident: Option<&'a RawValue>,
}

struct JsonReader<'a> {
    text: &'a str,
    index: LineIndex,
    source: u32,
    out: Parsed,
    seen: HashSet<String>,
}

impl<'a> JsonReader<'a> {
    fn new(text: &'a str, source: u32) -> Self {
        Self { text, index: LineIndex::new(text), source, out: Parsed::default(), seen: HashSet::new() }
    }

    /// Reads every top-level JSON value: one document, or one per line. A break in a
    /// document keeps the complete entries before it; a broken line of JSON lines is
    /// skipped and the next line read.
    fn read(mut self) -> Parsed {
        let text = self.text;
        let mut base = text.len() - text.trim_start_matches('\u{feff}').len();
        let mut values = 0;
        // JSON lines: the first two lines each open an object (a pretty-printed document's
        // second line is a key), or the first value fits on its line.
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let mut one_per_line = matches!(
            (lines.next(), lines.next()),
            (Some(a), Some(b)) if a.starts_with('{') && b.starts_with('{')
        );
        'restart: loop {
            let mut stream = serde_json::Deserializer::from_str(&text[base..]).into_iter();
            loop {
                let offset = base + stream.byte_offset();
                match stream.next() {
                    None => break 'restart,
                    Some(Ok(value)) => {
                        let value: &'a RawValue = value;
                        let (line, end) = self.lines(value);
                        if values == 0 {
                            one_per_line |= line == end;
                        }
                        values += 1;
                        self.value(value, true);
                    }
                    Some(Err(e)) => {
                        let start = offset + (text[offset..].len() - json_start(&text[offset..]).len());
                        let line = self.index.line_of(start);
                        if one_per_line {
                            self.out.problems.push(Problem::at(
                                line,
                                format!("malformed JSON line ({}) — skipped", json_error_text(&e)),
                            ));
                            match text[start..].find('\n') {
                                Some(nl) => {
                                    base = start + nl + 1;
                                    continue 'restart;
                                }
                                None => break 'restart,
                            }
                        }
                        let at = self.index.line_of(base) + e.line().max(1) as u32 - 1;
                        self.salvage(&text[offset..], &e, at);
                        break 'restart;
                    }
                }
            }
        }
        self.out
    }

    /// After a break: the complete entries of the broken document.
    fn salvage(&mut self, rest: &'a str, e: &serde_json::Error, line: u32) {
        let before = self.out.records.len();
        if let Ok((items, _)) = read_array(rest, "log entries", &["log_entries", "notes", "change_events"]) {
            for (tag, item) in items {
                match tag {
                    "notes" => self.note(item),
                    "change_events" => self.change_event(item),
                    _ => self.value(item, false),
                }
            }
        }
        let read = self.out.records.len() - before;
        self.out.problems.push(
            Problem::at(
                line,
                format!(
                    "{} — the {read} complete entries before this point were read, the rest was not",
                    describe_json_error(e)
                ),
            )
            .fatal(),
        );
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

    /// One JSON value: a container of entries, an entry, a webhook payload, a note.
    fn value(&mut self, raw: &'a RawValue, top: bool) {
        let body = raw.get();
        if body.starts_with('[') {
            if !top {
                self.problem(raw, "expected a PagerDuty log entry, found an array — skipped");
                return;
            }
            match serde_json::from_str::<Vec<&'a RawValue>>(body) {
                Ok(items) => {
                    for item in items {
                        self.value(item, false);
                    }
                }
                Err(e) => self.problem(raw, format!("unreadable array ({}) — skipped", json_error_text(&e))),
            }
            return;
        }
        let env: Envelope<'a> = match serde_json::from_str(body) {
            Ok(env) => env,
            Err(e) => {
                self.problem(
                    raw,
                    format!("expected a PagerDuty log entry or webhook object ({}) — skipped", json_error_text(&e)),
                );
                return;
            }
        };
        if let Some(event) = env.event {
            self.webhook(raw, event);
        } else if env.event_type.get().is_some() {
            self.webhook(raw, raw);
        } else if env.kind.get().is_some_and(|k| k.ends_with("_log_entry")) {
            self.entry(raw);
        } else if env.log_entries.is_some() || env.notes.is_some() || env.change_events.is_some() {
            let lists = [(env.log_entries, "log_entries"), (env.notes, "notes"), (env.change_events, "change_events")];
            for (list, key) in lists {
                let Some(list) = list else { continue };
                let Ok(items) = serde_json::from_str::<Vec<&'a RawValue>>(list.get()) else {
                    self.problem(list, format!("expected \"{key}\" to be an array — skipped"));
                    continue;
                };
                for item in items {
                    match key {
                        "notes" => self.note(item),
                        "change_events" => self.change_event(item),
                        _ => self.entry(item),
                    }
                }
            }
        } else if let Some(entry) = env.log_entry {
            self.entry(entry);
        } else if let Some(note) = env.note {
            self.note(note);
        } else if env.kind.get() == Some("incident") {
            self.incident(raw);
        } else if env.kind.get() == Some("alert") {
            self.alert(raw);
        } else if env.incidents.is_some() || env.alerts.is_some() {
            for (list, key) in [(env.incidents, "incidents"), (env.alerts, "alerts")] {
                let Some(list) = list else { continue };
                let Ok(items) = serde_json::from_str::<Vec<&'a RawValue>>(list.get()) else {
                    self.problem(list, format!("expected \"{key}\" to be an array — skipped"));
                    continue;
                };
                for item in items {
                    if key == "alerts" { self.alert(item) } else { self.incident(item) }
                }
            }
        } else if let Some(incident) = env.incident {
            self.incident(incident);
        } else if env.past_incidents.is_some() {
            self.problem(
                raw,
                "a list of past incidents (earlier incidents PagerDuty finds similar) — not events of this incident, not read",
            );
        } else {
            self.problem(
                raw,
                "expected PagerDuty log entries (\"log_entries\"), a log entry or a webhook event — skipped",
            );
        }
    }

    fn entry(&mut self, raw: &'a RawValue) {
        let entry: Entry<'a> = match serde_json::from_str(raw.get()) {
            Ok(e) => e,
            Err(e) => {
                self.problem(raw, format!("expected a log entry object ({}) — skipped", json_error_text(&e)));
                return;
            }
        };
        let Some(when) = self.exact(raw, entry.created_at.get(), "created_at") else {
            return;
        };
        let log_type = entry.kind.get().unwrap_or("log_entry");
        let short = log_type.strip_suffix("_log_entry").unwrap_or(log_type);
        let agent: Reference = parse_obj(entry.agent);
        let channel: Channel = parse_obj(entry.channel);
        let service: Reference = parse_obj(entry.service);
        let incident: Reference = parse_obj(entry.incident);
        let details: EventDetails = parse_obj(entry.event_details);
        let by_person = agent.is_user();
        let note = note_text(entry.note);
        let title = incident.summary.get();
        let alert = title.and_then(alert_in_title);
        let label = incident_label(title, alert.as_deref(), incident.id.get());
        let resolved_by_person = by_person
            || (agent.kind.get().is_none() && entry.summary.get().is_some_and(|s| s.starts_with("Resolved by ")));
        let declared = by_person || channel.kind.get() == Some("web_trigger");

        let (kind, status, what) = match short {
            "trigger" if declared => (Kind::Alert, Some("triggered"), "opened by a responder".to_string()),
            "trigger" => (Kind::Alert, Some("triggered"), "triggered".to_string()),
            "notify" => {
                let via: Reference = parse_obj(entry.notification);
                let how = via.kind.get().map(|k| k.strip_suffix("_notification").unwrap_or(k).replace('_', " "));
                let what = match how {
                    Some(how) => format!("paged a responder ({how})"),
                    None => "paged a responder".to_string(),
                };
                (Kind::Page, None, what)
            }
            "acknowledge" => (Kind::Acknowledge, Some("acknowledged"), "acknowledged".to_string()),
            "escalate" => (Kind::Escalation, None, "escalated".to_string()),
            "assign" => (Kind::Escalation, None, "assigned".to_string()),
            "reassign" => (Kind::Escalation, None, "reassigned".to_string()),
            "delegate" => (Kind::Escalation, None, "delegated".to_string()),
            "annotate" => (Kind::Message, None, "note added".to_string()),
            "resolve" if resolved_by_person => {
                (Kind::Resolution, Some("resolved"), "resolved by a responder".to_string())
            }
            "resolve" => (Kind::AlertResolved, Some("resolved"), "resolved automatically".to_string()),
            other => (Kind::Message, None, other.replace('_', " ")),
        };

        let candidates: [Option<&str>; 4] = match short {
            "trigger" | "resolve" => [title, channel.summary.get(), details.description.get(), entry.summary.get()],
            "annotate" => [channel.summary.get(), note.as_deref(), entry.summary.get(), title],
            _ => [entry.summary.get(), title, channel.summary.get(), None],
        };
        let text = candidates.into_iter().flatten().next().unwrap_or(log_type);

        let mut rec = Record::new(self.span(raw), when, kind, text).with_summary(format!("PagerDuty: {label} {what}"));
        rec.actor = actor_of(&agent).or_else(|| service.label().map(Actor::bot));
        rec.set_attr("log_type", log_type);
        if let Some(incident) = title.or(incident.id.get()) {
            rec.set_attr("incident", incident);
        }
        if let Some(alert) = alert {
            rec.set_attr("alert", alert);
        }
        let service_name = service.label().or(agent.label().filter(|_| agent.kind.get() == Some("service_reference")));
        if let Some(service) = service_name {
            rec.set_attr("service", service);
        }
        if let Some(channel) = channel.kind.get() {
            rec.set_attr("channel_type", channel);
        }
        if let Some(status) = status {
            rec.set_attr("status", status);
        }
        if short == "trigger" && declared {
            rec.set_attr("declared", "true");
        }
        let notified: Reference = parse_obj(entry.user);
        if short == "notify"
            && let Some(id) = notified.id.get()
        {
            rec.set_attr("user_id", id);
        }
        self.out.records.push(rec);

        self.reveal(&agent);
        self.reveal(&notified);
        self.reveal(&parse_obj(entry.assigned_user));
        let assignees: Vec<Reference> = parse_obj(entry.assignees);
        for a in &assignees {
            self.reveal(a);
        }
    }

    fn webhook(&mut self, outer: &'a RawValue, event: &'a RawValue) {
        let ev: Event<'a> = match serde_json::from_str(event.get()) {
            Ok(e) => e,
            Err(e) => {
                self.problem(outer, format!("expected a webhook event object ({}) — skipped", json_error_text(&e)));
                return;
            }
        };
        let Some(when) = self.exact(outer, ev.occurred_at.get(), "occurred_at") else {
            return;
        };
        let event_type = ev.kind.get().unwrap_or("event");
        let agent: Reference = parse_obj(ev.agent);
        let data: EventData<'a> = parse_obj(ev.data);
        let incident_ref: Reference = parse_obj(data.incident);
        let service: Reference = parse_obj(data.service);
        let is_incident = data.kind.get() == Some("incident");
        let title = if is_incident { data.title.get() } else { incident_ref.summary.get() };
        let incident = match (is_incident, data.number.get(), title) {
            (true, Some(n), Some(t)) => Some(format!("[#{n}] {t}")),
            (_, _, Some(t)) => Some(t.to_string()),
            (true, _, None) => data.id.get().map(str::to_string),
            (false, _, None) => incident_ref.id.get().map(str::to_string),
        };
        let alert = title.and_then(alert_in_title);
        let label = incident_label(incident.as_deref(), alert.as_deref(), None);
        let by_person = agent.is_user();

        let short = event_type.strip_prefix("incident.").unwrap_or(event_type);
        let (kind, status, what) = match short {
            "triggered" if by_person => (Kind::Alert, Some("triggered"), "opened by a responder".to_string()),
            "triggered" => (Kind::Alert, Some("triggered"), "triggered".to_string()),
            "acknowledged" => (Kind::Acknowledge, Some("acknowledged"), "acknowledged".to_string()),
            "escalated" | "reassigned" | "delegated" | "responder.added" => {
                (Kind::Escalation, None, short.replace(['.', '_'], " "))
            }
            "resolved" if by_person => (Kind::Resolution, Some("resolved"), "resolved by a responder".to_string()),
            "resolved" => (Kind::AlertResolved, Some("resolved"), "resolved automatically".to_string()),
            "status_update_published" => (Kind::StatusUpdate, None, "status update published".to_string()),
            "annotated" => (Kind::Message, None, "note added".to_string()),
            _ => (Kind::Message, None, event_type.replace(['.', '_'], " ")),
        };
        let candidates: [Option<&str>; 4] = match short {
            "annotated" => [data.content.get(), title, None, None],
            "status_update_published" | "responder.added" | "responder.replied" => {
                [data.message.get(), title, None, None]
            }
            _ => [
                data.title.get(),
                data.summary.get(),
                data.name.get(),
                incident_ref.summary.get().or(data.content.get()).or(data.message.get()),
            ],
        };
        let text = candidates.into_iter().flatten().next().unwrap_or(event_type);

        let mut rec =
            Record::new(self.span(outer), when, kind, text).with_summary(format!("PagerDuty: {label} {what}"));
        rec.actor = actor_of(&agent);
        rec.set_attr("log_type", event_type);
        if let Some(incident) = &incident {
            rec.set_attr("incident", incident.as_str());
        }
        if let Some(alert) = alert {
            rec.set_attr("alert", alert);
        }
        let service_name = service.label().or(if data.kind.get() == Some("service") {
            data.summary.get().or(data.name.get())
        } else {
            None
        });
        if let Some(service) = service_name {
            rec.set_attr("service", service);
        }
        if let Some(status) = status {
            rec.set_attr("status", status);
        }
        if short == "triggered" && by_person {
            rec.set_attr("declared", "true");
        }
        self.out.records.push(rec);

        self.reveal(&agent);
        self.reveal(&parse_obj(data.user));
        let assignees: Vec<Reference> = parse_obj(data.assignees);
        for a in &assignees {
            self.reveal(a);
        }
    }

    /// A REST incident: its trigger, acknowledgements and resolve.
    fn incident(&mut self, raw: &'a RawValue) {
        let inc: Incident<'a> = match serde_json::from_str(raw.get()) {
            Ok(i) => i,
            Err(e) => {
                self.problem(raw, format!("expected an incident object ({}) — skipped", json_error_text(&e)));
                return;
            }
        };
        let title = inc.title.get().or(inc.summary.get());
        let name = match (inc.number.get(), inc.title.get()) {
            (Some(n), Some(t)) => Some(format!("[#{n}] {t}")),
            _ => title.map(str::to_string),
        };
        let alert = title.and_then(alert_in_title);
        let label = incident_label(name.as_deref(), alert.as_deref(), inc.id.get());
        let service: Reference = parse_obj(inc.service);
        let text = title.unwrap_or("incident");
        let base = |r: Record, status: &str| {
            let mut r = r.with_attr("log_type", "incident").with_attr("status", status);
            if let Some(n) = name.as_deref().or(inc.id.get()) {
                r.set_attr("incident", n);
            }
            if let Some(a) = &alert {
                r.set_attr("alert", a.as_str());
            }
            if let Some(s) = service.label() {
                r.set_attr("service", s);
            }
            r
        };

        if let Some(when) = self.exact(raw, inc.created_at.get(), "created_at") {
            let mut rec = Record::new(self.span(raw), when, Kind::Alert, text)
                .with_summary(format!("PagerDuty: {label} triggered"));
            rec.actor = service.label().map(Actor::bot);
            self.out.records.push(base(rec, "triggered"));
        }
        let acks: Vec<&'a RawValue> = parse_obj(inc.acknowledgements);
        for ack_raw in acks {
            let ack: Acknowledgement<'a> = parse_obj(Some(ack_raw));
            let who: Reference = parse_obj(ack.acknowledger);
            let Some(when) = self.exact(ack_raw, ack.at.get(), "at") else { continue };
            let ack_text = who.label().or(ack.at.get()).unwrap_or("acknowledged");
            let mut rec = Record::new(self.span(ack_raw), when, Kind::Acknowledge, ack_text)
                .with_summary(format!("PagerDuty: {label} acknowledged"));
            rec.actor = actor_of(&who);
            self.out.records.push(base(rec, "acknowledged"));
            self.reveal(&who);
        }
        let by: Reference = parse_obj(inc.last_status_change_by);
        if let Some(resolved) = inc.resolved_at.get()
            && let Some(when) = self.exact(raw, Some(resolved), "resolved_at")
        {
            let (kind, what) = if by.is_user() {
                (Kind::Resolution, "resolved by a responder")
            } else {
                (Kind::AlertResolved, "resolved automatically")
            };
            let mut rec =
                Record::new(self.span(raw), when, kind, text).with_summary(format!("PagerDuty: {label} {what}"));
            rec.actor = actor_of(&by);
            self.out.records.push(base(rec, "resolved"));
        }
        self.reveal(&by);
        let assignments: Vec<Assignment<'a>> = parse_obj(inc.assignments);
        for a in &assignments {
            self.reveal(&parse_obj(a.assignee));
        }
    }

    /// A REST alert: one record when it was created.
    fn alert(&mut self, raw: &'a RawValue) {
        let alert: Alert<'a> = parse_obj(Some(raw));
        let Some(text) = alert.summary.get() else {
            self.problem(raw, "expected an alert with a \"summary\" — skipped");
            return;
        };
        let Some(when) = self.exact(raw, alert.created_at.get(), "created_at") else {
            return;
        };
        let service: Reference = parse_obj(alert.service);
        let incident: Reference = parse_obj(alert.incident);
        let mut rec = Record::new(self.span(raw), when, Kind::Alert, text).with_summary(format!(
            "PagerDuty: alert {} triggered",
            alert_in_title(text).unwrap_or_else(|| text.to_string())
        ));
        rec.actor = service.label().map(Actor::bot);
        rec.set_attr("log_type", "alert");
        rec.set_attr("status", "triggered");
        if let Some(sev) = alert.severity.get() {
            rec.set_attr("severity", sev);
        }
        if let Some(s) = service.label() {
            rec.set_attr("service", s);
        }
        if let Some(i) = incident.label().or(incident.id.get()) {
            rec.set_attr("incident", i);
        }
        self.out.records.push(rec);
    }

    fn note(&mut self, raw: &'a RawValue) {
        let note: Note<'a> = parse_obj(Some(raw));
        let Some(text) = note.content.get() else {
            self.problem(raw, "expected a note with \"content\" — skipped");
            return;
        };
        let Some(when) = self.exact(raw, note.created_at.get(), "created_at") else {
            return;
        };
        let user: Reference = parse_obj(note.user);
        let mut rec = Record::new(self.span(raw), when, Kind::Message, text).with_summary("PagerDuty: incident note");
        rec.actor = actor_of(&user);
        rec.set_attr("log_type", "note");
        self.out.records.push(rec);
        self.reveal(&user);
    }

    fn change_event(&mut self, raw: &'a RawValue) {
        let change: ChangeEvent<'a> = parse_obj(Some(raw));
        let Some(text) = change.summary.get() else {
            self.problem(raw, "expected a change event with a \"summary\" — skipped");
            return;
        };
        let Some(when) = self.exact(raw, change.timestamp.get(), "timestamp") else {
            return;
        };
        let mut rec = Record::new(self.span(raw), when, Kind::Change, text).with_summary("PagerDuty: change event");
        rec.actor = change.source.get().map(Actor::bot);
        rec.set_attr("log_type", "change_event");
        let services: Vec<Reference> = parse_obj(change.services);
        if let Some(service) = services.iter().find_map(|s| s.label().or(s.id.get())) {
            rec.set_attr("service", service);
        }
        self.out.records.push(rec);
    }

    /// The instant in `value`, or a problem at `raw` and `None`.
    fn exact(&mut self, raw: &RawValue, value: Option<&str>, field: &str) -> Option<When> {
        let Some(v) = value else {
            self.problem(raw, format!("entry has no \"{field}\" — skipped"));
            return None;
        };
        let Some(t) = parse_instant(v) else {
            let message = format!("{field} {v:?} is not a time with an offset — entry skipped");
            self.problem(raw, message);
            return None;
        };
        Some(When::exact(t).with_original(v))
    }

    /// Adds a user reference to the people, once.
    fn reveal(&mut self, r: &Reference) {
        if !r.is_user() {
            return;
        }
        let Some(name) = r.label() else { return };
        let key = r.id.get().unwrap_or(name).to_string();
        if !self.seen.insert(key) {
            return;
        }
        self.out.people.push(Person {
            name: name.to_string(),
            ids: r.id.get().map(str::to_string).into_iter().collect(),
            emails: r.email.get().map(str::to_string).into_iter().collect(),
            ..Person::default()
        });
    }
}

fn actor_of(agent: &Reference) -> Option<Actor> {
    let name = agent.label()?;
    let actor = if agent.is_user() { Actor::person(name) } else { Actor::bot(name) };
    Some(match agent.id.get() {
        Some(id) => actor.with_id(id),
        None => actor,
    })
}

/// A note's text: `"note": "…"` or `"note": {"content": "…"}`.
fn note_text(raw: Option<&RawValue>) -> Option<String> {
    let raw = raw?;
    let plain: Str = serde_json::from_str(raw.get()).ok()?;
    plain.get().map(str::to_string).or_else(|| parse_obj::<NoteBody>(Some(raw)).content.get().map(str::to_string))
}

/// How a summary names an incident: `[#4471] CheckoutErrorRate`, else its title.
fn incident_label(title: Option<&str>, alert: Option<&str>, id: Option<&str>) -> String {
    let number = title.and_then(|t| INCIDENT_NUMBER.captures(t.trim_start())).map(|c| c[1].to_string());
    match (number, alert, title, id) {
        (Some(n), Some(a), _, _) => format!("[#{n}] {a}"),
        (None, Some(a), _, _) => a.to_string(),
        (_, None, Some(t), _) => t.to_string(),
        (_, None, None, Some(id)) => format!("incident {id}"),
        _ => "incident".to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// CSV incident logs

/// Where each field is in a CSV incident log.
#[derive(Default, Debug)]
struct Columns {
    when: Option<usize>,
    date: Option<usize>,
    time: Option<usize>,
    kind: Option<usize>,
    channel: Option<usize>,
    summary: Option<usize>,
    agent: Option<usize>,
    agent_type: Option<usize>,
    incident: Option<usize>,
    service: Option<usize>,
}

impl Columns {
    fn find<'h>(headers: impl Iterator<Item = &'h str>) -> Self {
        let mut c = Self::default();
        for (i, h) in headers.enumerate() {
            let h = h.trim_matches(['\u{feff}', ' ', '"']).to_ascii_lowercase().replace(['_', '-'], " ");
            let slot = match h.as_str() {
                "created at" | "created" | "created on" | "timestamp" | "occurred at" | "datetime" | "date time"
                | "date/time" | "when" | "at" => &mut c.when,
                "date" => &mut c.date,
                "time" | "time (utc)" => &mut c.time,
                "type" | "log type" | "log entry type" | "entry type" | "event type" | "action" | "event" => {
                    &mut c.kind
                }
                "channel" | "channel type" => &mut c.channel,
                "summary" | "description" | "message" | "details" | "note" | "text" | "log entry" | "entry" => {
                    &mut c.summary
                }
                "agent" | "user" | "by" | "performed by" | "agent name" | "user name" | "actor" | "who" => &mut c.agent,
                "agent type" => &mut c.agent_type,
                "incident" | "incident id" | "incident number" | "incident title" | "title" => &mut c.incident,
                "service" | "service name" => &mut c.service,
                _ => continue,
            };
            slot.get_or_insert(i);
        }
        // A lone "channel" column is the entry type.
        if c.kind.is_none() {
            c.kind = c.channel.take();
        }
        c
    }

    fn has_time(&self) -> bool {
        self.when.is_some() || self.date.is_some() || self.time.is_some()
    }
}

/// A CSV whose header names a time and what happened, with a PagerDuty hint.
fn sniff_csv(head: &str, path: &str) -> u8 {
    let Some(header) = head.lines().next() else {
        return 0;
    };
    if !header.contains(',') {
        return 0;
    }
    let cols = Columns::find(header.split(','));
    if !cols.has_time() || (cols.kind.is_none() && cols.summary.is_none()) {
        return 0;
    }
    let lower = head.to_ascii_lowercase();
    let pd_words = ["triggered", "acknowledged", "notified", "escalated", "resolved"];
    if lower.contains("_log_entry") || path.to_ascii_lowercase().contains("pagerduty") {
        75
    } else if (cols.agent.is_some() || cols.incident.is_some())
        && pd_words.iter().filter(|w| lower.contains(*w)).count() >= 2
    {
        60
    } else {
        0
    }
}

const ASSUMED_UTC: &str = "times in this log carry no zone and incident.toml sets none: \
     read as UTC (assumed); set `timezone` in incident.toml";

fn parse_csv(file: &SourceFile, cx: &Context<'_>) -> Parsed {
    let text = file.text.as_str();
    let mut out = Parsed::default();
    let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(text.as_bytes());
    let cols = match reader.headers() {
        Ok(h) => Columns::find(h.iter()),
        Err(e) => {
            return Parsed::fatal(format!(
                "expected a CSV incident log with a header row ({e}) — the file was not read"
            ));
        }
    };
    if !cols.has_time() {
        return Parsed::fatal(
            "expected a time column (created_at, timestamp, date, time…) in the CSV header — the file was not read",
        );
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let mut assumed = false;
    let mut seen: HashSet<String> = HashSet::new();
    for row in reader.records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(1, |p| p.line() as u32);
                out.problems.push(Problem::at(line, format!("unreadable CSV row ({e}) — skipped")));
                continue;
            }
        };
        let line = row.position().map_or(1, |p| p.line() as u32);
        let end = line + row.iter().map(|f| f.matches('\n').count() as u32).sum::<u32>();
        let get = |i: Option<usize>| i.and_then(|i| row.get(i)).map(str::trim).filter(|s| !s.is_empty());

        let raw_time = match (get(cols.when), get(cols.date), get(cols.time)) {
            (Some(w), _, _) => w.to_string(),
            (None, Some(d), Some(t)) => format!("{d} {t}"),
            (None, Some(d), None) => d.to_string(),
            (None, None, Some(t)) => t.to_string(),
            (None, None, None) => {
                out.problems.push(Problem::at(line, "row has no time — skipped"));
                continue;
            }
        };
        let Some((when, note)) = csv_time(&raw_time, cx) else {
            let message = format!("{raw_time:?} is not a time debrief can read — row skipped");
            out.problems.push(Problem::at(line, message));
            continue;
        };
        if let Some(note) = note {
            out.problems.push(Problem::at(line, note));
        }
        if matches!(when.basis, ZoneBasis::Assumed(_)) && !assumed {
            assumed = true;
            out.problems.push(Problem::at(line, ASSUMED_UTC));
        }

        let log_type = get(cols.kind);
        let summary = get(cols.summary);
        let agent = get(cols.agent);
        let agent_type = get(cols.agent_type);
        let kind_word = log_type.unwrap_or("").to_ascii_lowercase();
        let summary_lower = summary.unwrap_or("").to_ascii_lowercase();
        let by_bot = match agent_type {
            Some(t) => !t.to_ascii_lowercase().contains("user"),
            None => {
                agent.is_none_or(|a| {
                    let a = a.to_ascii_lowercase();
                    ["api", "integration", "service", "bot", "monitor", "(prod)"].iter().any(|w| a.contains(w))
                }) || summary_lower.contains("through the api")
                    || summary_lower.contains("through the integration")
            }
        };
        let kind = csv_kind(&kind_word, &summary_lower, by_bot);

        // The quote must stand in the line as written: a field with doubled quotes is
        // quoted as written.
        let line_text = lines.get(line as usize - 1..end as usize).map(|l| l.join("\n")).unwrap_or_default();
        let verbatim =
            |s: &str| -> String { if line_text.contains(s) { s.to_string() } else { s.replace('"', "\"\"") } };
        let text = match summary.or(log_type) {
            Some(s) => verbatim(s),
            None => lines.get(line as usize - 1).map_or(String::new(), |l| l.trim().to_string()),
        };
        let incident = get(cols.incident);
        let alert = incident.and_then(alert_in_title);
        let label = incident_label(incident, alert.as_deref(), None);
        let mut rec = Record::new(Span::lines(cx.source, line, end), when, kind, text)
            .with_summary(format!("PagerDuty: {label} {}", kind_phrase(kind)));
        if let Some(a) = agent {
            rec.actor = Some(if by_bot { Actor::bot(a) } else { Actor::person(a) });
            if !by_bot && seen.insert(a.to_string()) {
                out.people.push(Person { name: a.to_string(), ..Person::default() });
            }
        }
        if let Some(t) = log_type {
            rec.set_attr("log_type", t);
        }
        if let Some(i) = incident {
            rec.set_attr("incident", i);
        }
        if let Some(a) = alert {
            rec.set_attr("alert", a);
        }
        if let Some(s) = get(cols.service) {
            rec.set_attr("service", s);
        }
        if let Some(c) = get(cols.channel) {
            rec.set_attr("channel_type", c);
        }
        out.records.push(rec);
    }
    out
}

/// The kind a CSV row states, from its type column, else its summary's first words.
fn csv_kind(kind: &str, summary: &str, by_bot: bool) -> Kind {
    let says = |words: &[&str]| words.iter().any(|w| kind.contains(w));
    let starts = |words: &[&str]| words.iter().any(|w| summary.starts_with(w));
    if says(&["unacknowledge"]) {
        Kind::Message
    } else if says(&["trigger"]) || (kind.is_empty() && starts(&["triggered"])) {
        Kind::Alert
    } else if says(&["notif"]) || (kind.is_empty() && starts(&["notified"])) {
        Kind::Page
    } else if says(&["acknowledge", "ack"]) || (kind.is_empty() && starts(&["acknowledged"])) {
        Kind::Acknowledge
    } else if says(&["escalat", "assign", "delegat"])
        || (kind.is_empty() && starts(&["escalated", "assigned", "reassigned"]))
    {
        Kind::Escalation
    } else if says(&["resolv"]) || (kind.is_empty() && starts(&["resolved"])) {
        if by_bot { Kind::AlertResolved } else { Kind::Resolution }
    } else {
        Kind::Message
    }
}

fn kind_phrase(kind: Kind) -> &'static str {
    match kind {
        Kind::Alert => "triggered",
        Kind::Page => "paged a responder",
        Kind::Acknowledge => "acknowledged",
        Kind::Escalation => "escalated",
        Kind::Resolution => "resolved by a responder",
        Kind::AlertResolved => "resolved automatically",
        _ => "log entry",
    }
}

/// A CSV time: an instant with an offset, an epoch, or a naive time read in the
/// incident's zone (else UTC, assumed). The second value notes a daylight-saving gap or fold.
fn csv_time(raw: &str, cx: &Context<'_>) -> Option<(When, Option<String>)> {
    if let Some(t) = parse_instant(raw).or_else(|| parse_epoch(raw)) {
        return Some((When::exact(t).with_original(raw), None));
    }
    let naive = parse_naive(raw).or_else(|| us_naive(raw))?;
    let minute = raw.matches(':').count() == 1;
    let (zone_name, tz, basis) = crate::time::zone_or_utc(cx.zone);
    let local = localize(naive, &tz)?;
    let precision = match (&basis, minute) {
        (ZoneBasis::Assumed(_), _) => Precision::Inferred,
        (_, true) => Precision::Minute,
        _ => Precision::Exact,
    };
    let when = When::exact(local.timestamp()).with_original(raw).with_precision(precision).with_basis(basis);
    Some((when, local.problem(&zone_name)))
}

/// `10/08/2024 14:51:10`, `10/08/2024 2:51 PM`: the US order PagerDuty's web app writes.
fn us_naive(raw: &str) -> Option<DateTime> {
    const FORMATS: [&str; 4] = ["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p"];
    FORMATS.iter().find_map(|f| DateTime::strptime(f, raw.trim()).ok())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use debrief_model::quote_of;

    use super::*;
    use crate::IncidentConfig;
    use crate::time::zone_named;

    const LOG: &str = include_str!("../../tests/fixtures/pagerduty/log_entries.json");
    const TRUNCATED: &str = include_str!("../../tests/fixtures/pagerduty/truncated.json");
    const WEBHOOK: &str = include_str!("../../tests/fixtures/pagerduty/webhook-incident-triggered.json");
    const WEBHOOKS: &str = include_str!("../../tests/fixtures/pagerduty/webhooks.jsonl");
    const CSV: &str = include_str!("../../tests/fixtures/pagerduty/incident-log.csv");
    const CSV_NAIVE: &str = include_str!("../../tests/fixtures/pagerduty/incident-log-naive.csv");

    fn parse(path: &str, text: &str) -> Parsed {
        parse_in(path, text, None)
    }

    fn parse_in(path: &str, text: &str, zone: Option<&str>) -> Parsed {
        let files = vec![SourceFile::new(path, text)];
        let config = IncidentConfig::default();
        let tz = zone.and_then(zone_named);
        let cx = Context {
            source: 0,
            files: &files,
            config: &config,
            zone: tz.as_ref().map(|(n, z)| (n.as_str(), z)),
            anchor_date: None,
        };
        PagerDuty.parse(&files[0], &cx)
    }

    /// JSON string escapes decoded, as the scorer does before matching a quote.
    fn unescape(s: &str) -> String {
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

    /// Every record's quote (the first line of its text) is found in its span.
    fn assert_quotable(text: &str, records: &[Record]) {
        let lines: Vec<&str> = text.split('\n').collect();
        for r in records {
            let quote = quote_of(&r.text, 120);
            assert!(!quote.is_empty(), "empty quote for {r:?}");
            let span = lines[r.span.line as usize - 1..r.span.end_line as usize].join("\n");
            assert!(
                span.contains(&quote) || unescape(&span).contains(&quote),
                "quote {quote:?} not in lines {}..{}",
                r.span.line,
                r.span.end_line
            );
        }
    }

    fn at(r: &Record) -> String {
        r.when.utc.expect("a time").to_string()
    }

    fn spans(p: &Parsed) -> Vec<(u32, u32)> {
        p.records.iter().map(|r| (r.span.line, r.span.end_line)).collect()
    }

    #[test]
    fn sniff_recognises_each_shape() {
        let sniff = |path: &str, text: &str| PagerDuty.sniff(&SourceFile::new(path, text));
        assert_eq!(sniff("pd/log_entries.json", LOG), 95);
        assert_eq!(sniff("x.json", TRUNCATED), 95);
        assert_eq!(sniff("x.json", WEBHOOK), 90);
        assert_eq!(sniff("x.jsonl", WEBHOOKS), 90);
        assert_eq!(sniff("x.csv", CSV), 75);
        assert_eq!(sniff("pagerduty/log.csv", CSV_NAIVE), 75);
        assert_eq!(sniff("exports/log.csv", CSV_NAIVE), 60);
        assert_eq!(sniff("metrics.csv", "time,value\n2024-05-01T10:00:00Z,3\n"), 0);
        assert_eq!(sniff("slack/general/2024-05-01.json", r#"[{"type": "message", "ts": "1"}]"#), 0);
        assert_eq!(
            sniff(
                "incident.json",
                r#"{"incident": {"first_trigger_log_entry": {"type": "trigger_log_entry_reference"}}}"#
            ),
            0
        );
    }

    #[test]
    fn log_entries_become_records_with_telling_text() {
        let p = parse("pagerduty/log_entries.json", LOG);
        assert_quotable(LOG, &p.records);
        assert_eq!(p.records.len(), 9);
        assert_eq!(
            spans(&p),
            [(3, 36), (37, 71), (72, 105), (106, 139), (140, 180), (181, 215), (216, 261), (262, 296), (297, 334)]
        );
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, Some(335));
        assert!(p.problems[0].message.contains("created_at \"yesterday-ish\""));

        let kinds: Vec<Kind> = p.records.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Resolution,
                Kind::Message,
                Kind::AlertResolved,
                Kind::Message,
                Kind::Escalation,
                Kind::Acknowledge,
                Kind::Page,
                Kind::Alert,
                Kind::Alert
            ]
        );

        let resolved = &p.records[0];
        assert_eq!(resolved.text, "[#812] [FIRING:1] ApiLatencyHigh api (eu-north-1 critical)");
        assert_eq!(resolved.summary.as_deref(), Some("PagerDuty: [#812] ApiLatencyHigh resolved by a responder"));
        let who = resolved.actor.as_ref().expect("actor");
        assert_eq!((who.name.as_str(), who.id.as_deref(), who.bot), ("Avery Lindqvist", Some("PAVERY1"), false));
        assert_eq!(at(resolved), "2024-05-01T11:05:00Z");
        assert_eq!(resolved.attr("alert"), Some("ApiLatencyHigh"));
        assert_eq!(resolved.attr("service"), Some("api (prod)"));
        assert_eq!(resolved.attr("channel_type"), Some("web_ui"));
        assert_eq!(resolved.attr("log_type"), Some("resolve_log_entry"));

        assert!(p.records[1].text.starts_with("Rolled back api to v4.1.9"));
        assert_eq!(
            p.records[2].summary.as_deref(),
            Some("PagerDuty: [#813] Checkout slow for EU customers resolved automatically")
        );
        assert!(p.records[2].actor.as_ref().is_some_and(|a| a.bot));
        assert_eq!(p.records[3].attr("log_type"), Some("urgency_change_log_entry"));
        assert_eq!(p.records[4].text, "Escalated to level 2 by Rohan Mehta.");
        assert_eq!(p.records[5].text, "Acknowledged by Avery Lindqvist.");

        let page = &p.records[6];
        assert_eq!(page.text, "Notified Avery Lindqvist by SMS.");
        assert_eq!(page.attr("user_id"), Some("PAVERY1"));
        assert_eq!(page.summary.as_deref(), Some("PagerDuty: [#812] ApiLatencyHigh paged a responder (sms)"));

        let declared = &p.records[7];
        assert_eq!(declared.attr("declared"), Some("true"));
        assert_eq!(declared.attr("log_type"), Some("trigger_log_entry"));
        assert_eq!(declared.text, "[#813] Checkout slow for EU customers");
        assert!(!declared.actor.as_ref().expect("actor").bot);

        let trigger = &p.records[8];
        assert_eq!(trigger.attr("declared"), None);
        assert_eq!(trigger.attr("status"), Some("triggered"));
        assert_eq!(trigger.summary.as_deref(), Some("PagerDuty: [#812] ApiLatencyHigh triggered"));
        let bot = trigger.actor.as_ref().expect("actor");
        assert_eq!((bot.name.as_str(), bot.bot), ("api (prod)", true));

        let people: Vec<(&str, &[String])> = p.people.iter().map(|p| (p.name.as_str(), p.ids.as_slice())).collect();
        assert_eq!(
            people,
            [("Avery Lindqvist", &["PAVERY1".to_string()][..]), ("Rohan Mehta", &["PROHAN2".to_string()][..])]
        );
    }

    #[test]
    fn bare_arrays_and_single_entries_are_read_too() {
        let doc: serde_json::Value = serde_json::from_str(LOG).expect("fixture");
        let entries = serde_json::to_string_pretty(&doc["log_entries"]).expect("json");
        let p = parse("entries.json", &entries);
        assert_eq!(p.records.len(), 9);
        assert_quotable(&entries, &p.records);
        let one = format!("{{\"log_entry\": {}}}", serde_json::to_string(&doc["log_entries"][5]).expect("json"));
        let p = parse("entry.json", &one);
        assert_eq!(p.records.len(), 1);
        assert_eq!(p.records[0].kind, Kind::Acknowledge);
    }

    #[test]
    fn truncated_log_keeps_complete_entries() {
        let p = parse("pagerduty/truncated.json", TRUNCATED);
        assert_eq!(p.records.len(), 3);
        assert_eq!(spans(&p), [(3, 36), (37, 71), (72, 105)]);
        assert_eq!(p.problems.len(), 1);
        let problem = &p.problems[0];
        assert!(!problem.can_continue);
        assert_eq!(problem.line, Some(113));
        assert!(problem.message.contains("3 complete entries"), "{problem}");
    }

    #[test]
    fn webhook_payload_one_per_file() {
        let p = parse("pagerduty/webhook.json", WEBHOOK);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(WEBHOOK, &p.records);
        assert_eq!(p.records.len(), 1);
        let r = &p.records[0];
        assert_eq!(r.kind, Kind::Alert);
        assert_eq!((r.span.line, r.span.end_line), (1, 47));
        assert_eq!(r.text, "[FIRING:1] ApiLatencyHigh api (eu-north-1 critical)");
        assert_eq!(at(r), "2024-05-01T09:57:00.412Z");
        assert_eq!(r.attr("incident"), Some("[#812] [FIRING:1] ApiLatencyHigh api (eu-north-1 critical)"));
        assert_eq!(r.attr("alert"), Some("ApiLatencyHigh"));
        assert_eq!(r.attr("log_type"), Some("incident.triggered"));
        assert_eq!(r.summary.as_deref(), Some("PagerDuty: [#812] ApiLatencyHigh triggered"));
        assert_eq!(p.people.len(), 1, "the assignee");
    }

    #[test]
    fn webhook_json_lines_skip_a_broken_line() {
        let p = parse("pagerduty/webhooks.jsonl", WEBHOOKS);
        assert_quotable(WEBHOOKS, &p.records);
        let lines: Vec<u32> = p.records.iter().map(|r| r.span.line).collect();
        assert_eq!(lines, [1, 2, 4, 5, 6]);
        let kinds: Vec<Kind> = p.records.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, [Kind::Acknowledge, Kind::Message, Kind::StatusUpdate, Kind::Resolution, Kind::Message]);
        assert_eq!(p.records[1].text, "Rolled back api to v4.1.9; watching p99.");
        assert_eq!(p.records[2].text, "Latency is back to normal after a rollback.");
        assert_eq!(p.records[4].text, "api (prod)");
        assert_eq!(p.records[4].attr("service"), Some("api (prod)"));
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, Some(3));
        assert!(p.problems[0].can_continue);
    }

    #[test]
    fn csv_incident_log_by_header() {
        let p = parse("pagerduty/incident-log.csv", CSV);
        assert_quotable(CSV, &p.records);
        assert_eq!(p.records.len(), 5);
        let kinds: Vec<Kind> = p.records.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, [Kind::Alert, Kind::Page, Kind::Acknowledge, Kind::Message, Kind::Resolution]);
        let lines: Vec<u32> = p.records.iter().map(|r| r.span.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 7]);
        assert_eq!(p.records[3].text, "Rolled back api to v4.1.9, the \"\"pool\"\" change");
        assert_eq!(at(&p.records[2]), "2024-05-01T10:00:25Z");
        assert!(p.records[0].actor.as_ref().is_some_and(|a| a.bot));
        assert_eq!(p.records[0].attr("alert"), Some("ApiLatencyHigh"));
        let ack = p.records[2].actor.as_ref().expect("actor");
        assert_eq!((ack.name.as_str(), ack.bot), ("Avery Lindqvist", false));
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, Some(6));
        assert_eq!(p.people.len(), 1);
    }

    #[test]
    fn csv_naive_times_use_the_incident_zone_or_say_they_assumed_one() {
        let p = parse("pagerduty/log.csv", CSV_NAIVE);
        assert_eq!(p.records.len(), 3);
        assert_eq!(at(&p.records[0]), "2024-03-10T01:59:30Z");
        assert_eq!(p.records[0].when.basis, ZoneBasis::Assumed("UTC".into()));
        assert_eq!(p.records[0].when.precision, Precision::Inferred);
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert!(p.problems[0].message.contains("assumed"));
        assert_eq!(p.records[2].kind, Kind::AlertResolved);
        assert_eq!(p.records[1].kind, Kind::Acknowledge);

        let p = parse_in("pagerduty/log.csv", CSV_NAIVE, Some("America/Chicago"));
        assert_eq!(at(&p.records[0]), "2024-03-10T07:59:30Z");
        assert_eq!(p.records[0].when.basis, ZoneBasis::IncidentToml("America/Chicago".into()));
        assert_eq!(p.records[0].when.precision, Precision::Exact);
        // 02:30 never happened in Chicago that day.
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert_eq!(p.problems[0].line, Some(3));
        assert!(p.problems[0].message.contains("gap"));
        assert_eq!(p.records[2].when.precision, Precision::Minute);
    }

    #[test]
    fn junk_never_panics() {
        for text in [
            "{",
            "[",
            "{}",
            "[1, 2]",
            "{\"log_entries\": 5}",
            "{\"log_entries\": [null, {\"type\": \"trigger_log_entry\"}]}",
            "{\"event\": 3}",
            "\u{feff}{\"log_entries\": []}",
            "created_at,type\n",
            "Created At,Type\n\"unterminated,row\n",
        ] {
            let p = parse("x.json", text);
            assert!(p.records.is_empty(), "{text:?}");
        }
        for end in (0..LOG.len()).filter(|&i| LOG.is_char_boundary(i)).step_by(7) {
            let p = parse("x.json", &LOG[..end]);
            assert!(p.records.len() <= 9);
            assert_quotable(&LOG[..end], &p.records);
        }
    }

    // --- Real samples ------------------------------------------------------------------

    fn shared(rel: &str) -> Option<PathBuf> {
        let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/")).join(rel);
        p.exists().then_some(p)
    }

    fn read(path: &std::path::Path) -> String {
        std::fs::read_to_string(path).expect("utf-8")
    }

    fn covering(p: &Parsed, line: u32) -> &Record {
        p.records.iter().find(|r| r.span.line <= line && line <= r.span.end_line).expect("a record covers the line")
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn eval_bundles_pagerduty_logs() {
        let Some(root) = shared("eval/incidents") else {
            eprintln!("eval bundles not found (../shared/eval); skipping");
            return;
        };
        let mut counts = Vec::new();
        for (name, file) in [
            ("checkout-timeouts", "log_entries.json"),
            ("cloudflare-2019-07-02", "log_entries.json"),
            ("slack-2021-01-04", "log_entries_2021-01-04.json"),
        ] {
            let path = root.join(name).join("bundle/pagerduty").join(file);
            let text = read(&path);
            let source = SourceFile::new(format!("pagerduty/{file}"), text.as_str());
            assert_eq!(crate::detect(&source).map(Adapter::format), Some("pagerduty"));
            let p = parse(&source.path, &text);
            assert!(p.problems.is_empty(), "{name}: {:?}", p.problems);
            assert_quotable(&text, &p.records);
            counts.push((p.records.len(), p.people.len()));

            match name {
                "checkout-timeouts" => {
                    let ack = covering(&p, 338);
                    assert_eq!(ack.kind, Kind::Acknowledge);
                    assert_eq!(at(ack), "2024-10-08T14:51:10Z");
                    assert_eq!(ack.text, "Acknowledged by Dana Whitfield.");
                    let a = ack.actor.as_ref().expect("actor");
                    assert_eq!((a.name.as_str(), a.id.as_deref()), ("Dana Whitfield", Some("PDW4T1F")));
                    let trigger = covering(&p, 489);
                    assert_eq!(trigger.kind, Kind::Alert);
                    assert_eq!(at(trigger), "2024-10-08T14:49:31Z");
                    assert_eq!(trigger.text, "[#4471] [FIRING:1] CheckoutErrorRate checkout-api (us-east-1 critical)");
                    assert_eq!(trigger.summary.as_deref(), Some("PagerDuty: [#4471] CheckoutErrorRate triggered"));
                    assert_eq!(trigger.attr("service"), Some("checkout-api (prod)"));
                    assert_eq!(covering(&p, 239).kind, Kind::Escalation);
                    let resolved = covering(&p, 6);
                    assert_eq!(resolved.kind, Kind::Resolution);
                    assert_eq!(at(resolved), "2024-10-08T15:31:05Z");
                    assert!(covering(&p, 65).text.starts_with("IC: rolling back checkout-api to v2.30.4"));
                    let pages = p.records.iter().filter(|r| r.kind == Kind::Page).count();
                    assert_eq!(pages, 3);
                }
                "cloudflare-2019-07-02" => {
                    let declared = covering(&p, 519);
                    assert_eq!(declared.kind, Kind::Alert);
                    assert_eq!(declared.attr("declared"), Some("true"));
                    assert_eq!(at(declared), "2019-07-02T13:50:25Z");
                    assert_eq!(
                        covering(&p, 981).text,
                        "[#41882] WAF synthetic test failure: waf-xss-probe failing from 12/12 probe locations"
                    );
                    assert_eq!(covering(&p, 843).kind, Kind::Acknowledge);
                    let auto = p.records.iter().filter(|r| r.kind == Kind::AlertResolved).count();
                    let human = p.records.iter().filter(|r| r.kind == Kind::Resolution).count();
                    assert_eq!((auto, human), (5, 1));
                    assert_eq!(covering(&p, 6).kind, Kind::Resolution);
                }
                _ => {
                    let trigger = covering(&p, 574);
                    assert_eq!(trigger.kind, Kind::Alert);
                    assert_eq!(at(trigger), "2021-01-04T14:45:12Z");
                    assert_eq!(trigger.attr("declared"), None);
                    assert_eq!(covering(&p, 437).kind, Kind::Acknowledge);
                    assert_eq!(covering(&p, 351).attr("declared"), Some("true"));
                    assert!(covering(&p, 133).text.starts_with("provision-service restarted with higher fd limit"));
                    assert_eq!(covering(&p, 48).text, "API error rate back to baseline since 10:40.");
                    assert_eq!(covering(&p, 6).kind, Kind::Resolution);
                }
            }
        }
        assert_eq!(counts, [(11, 2), (23, 3), (17, 3)]);
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn pagerduty_reference_examples() {
        let Some(dir) = shared("eval-data/pagerduty") else {
            eprintln!("eval-data not found (../shared/eval-data); skipping");
            return;
        };
        let mut seen = Vec::new();
        for sub in ["rest-api-examples", "webhooks-v3-docs-examples"] {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))
                .expect("dir")
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            paths.sort();
            for path in paths {
                let text = read(&path);
                let name = path.file_name().expect("name").to_string_lossy().to_string();
                let file = SourceFile::new(name.clone(), text.as_str());
                if PagerDuty.sniff(&file) == 0 {
                    continue;
                }
                let p = parse(&name, &text);
                if name.starts_with("getPastIncidents") {
                    // Earlier, other incidents: recognised, said so, not read.
                    assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
                    assert!(p.problems[0].message.contains("past incidents"));
                } else {
                    assert!(p.problems.is_empty(), "{name}: {:?}", p.problems);
                }
                assert_quotable(&text, &p.records);
                let kinds: Vec<&str> = p.records.iter().map(|r| r.kind.as_str()).collect();
                seen.push(format!("{name}: {}", kinds.join(" ")));
            }
        }
        assert_eq!(
            seen,
            [
                "getIncident.response.json: alert acknowledge",
                "getLogEntry.response.json: alert",
                "getPastIncidents.response.json: ",
                "listChangeEvents.response.json: change change",
                "listIncidentAlerts.response.json: alert",
                "listIncidentLogEntries.response.json: alert",
                "listIncidentNotes.response.json: message message",
                "listIncidentRelatedChangeEvents.response.json: change change",
                "listIncidents.response.json: alert resolution",
                "listLogEntries.response.json: alert",
                "01-webhook-payload.json: message",
                "02-webhook-payload.json: message",
                "03-incident.json: alert",
            ]
        );
    }

    const REST_INCIDENT: &str = r#"{
  "incident": {
    "id": "PQ1INC",
    "type": "incident",
    "summary": "[#812] [FIRING:1] CheckoutErrorRate checkout-api (critical)",
    "html_url": "https://acme.pagerduty.com/incidents/PQ1INC",
    "incident_number": 812,
    "title": "[FIRING:1] CheckoutErrorRate checkout-api (critical)",
    "created_at": "2024-05-01T14:49:31Z",
    "status": "resolved",
    "service": {"id": "PSVC1", "type": "service_reference", "summary": "checkout-api"},
    "assignments": [
      {"at": "2024-05-01T14:49:31Z", "assignee": {"id": "PU1", "type": "user_reference", "summary": "Avery Lindqvist"}}
    ],
    "acknowledgements": [
      {
        "at": "2024-05-01T14:51:10Z",
        "acknowledger": {"id": "PU1", "type": "user_reference", "summary": "Avery Lindqvist"}
      }
    ],
    "resolved_at": "2024-05-01T15:31:05Z",
    "last_status_change_by": {"id": "PSVC1", "type": "service_reference", "summary": "checkout-api"}
  }
}"#;

    const REST_ALERTS: &str = r#"{"alerts": [
  {
    "id": "PA1",
    "type": "alert",
    "summary": "Disk almost full on db-3",
    "html_url": "https://acme.pagerduty.com/alerts/PA1",
    "created_at": "2024-05-01T14:40:00+02:00",
    "status": "triggered",
    "severity": "warning",
    "service": {"id": "PSVC2", "type": "service_reference", "summary": "postgres"},
    "incident": {"id": "PQ2", "type": "incident_reference"}
  }
]}"#;

    #[test]
    fn rest_incidents_and_alerts() {
        let sniff = |text: &str| PagerDuty.sniff(&SourceFile::new("pd/incident.json", text));
        assert_eq!(sniff(REST_INCIDENT), 70);
        assert_eq!(sniff(REST_ALERTS), 70);
        assert_eq!(
            sniff(r#"{"past_incidents": [{"incident": {"self": "https://api.pagerduty.com/incidents/P1"}}]}"#),
            50
        );
        // Not PagerDuty's: an incident object from elsewhere.
        assert_eq!(sniff(r#"{"type": "incident", "created_at": "2024-05-01T10:00:00Z"}"#), 0);

        let p = parse("pd/incident.json", REST_INCIDENT);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(REST_INCIDENT, &p.records);
        let kinds: Vec<Kind> = p.records.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, [Kind::Alert, Kind::Acknowledge, Kind::AlertResolved]);
        let trigger = &p.records[0];
        assert_eq!(at(trigger), "2024-05-01T14:49:31Z");
        assert_eq!(trigger.text, "[FIRING:1] CheckoutErrorRate checkout-api (critical)");
        assert_eq!(trigger.summary.as_deref(), Some("PagerDuty: [#812] CheckoutErrorRate triggered"));
        assert_eq!(trigger.attr("alert"), Some("CheckoutErrorRate"));
        assert_eq!(trigger.attr("service"), Some("checkout-api"));
        assert_eq!(trigger.attr("incident"), Some("[#812] [FIRING:1] CheckoutErrorRate checkout-api (critical)"));
        assert_eq!((trigger.span.line, trigger.span.end_line), (2, 23));
        let ack = &p.records[1];
        assert_eq!(at(ack), "2024-05-01T14:51:10Z");
        assert_eq!((ack.span.line, ack.span.end_line), (16, 19));
        assert_eq!(ack.actor.as_ref().and_then(|a| a.id.as_deref()), Some("PU1"));
        let resolved = &p.records[2];
        assert_eq!(at(resolved), "2024-05-01T15:31:05Z");
        assert_eq!(resolved.attr("status"), Some("resolved"));
        assert_eq!(p.people.len(), 1);
        assert_eq!(p.people[0].name, "Avery Lindqvist");

        let p = parse("pd/alerts.json", REST_ALERTS);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(REST_ALERTS, &p.records);
        assert_eq!(p.records.len(), 1);
        let alert = &p.records[0];
        assert_eq!(alert.kind, Kind::Alert);
        assert_eq!(at(alert), "2024-05-01T12:40:00Z");
        assert_eq!(alert.attr("severity"), Some("warning"));
        assert_eq!(alert.attr("incident"), Some("PQ2"));
        assert_eq!((alert.span.line, alert.span.end_line), (2, 12));
    }
}
