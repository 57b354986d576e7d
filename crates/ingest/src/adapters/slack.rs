//! Slack standard export.
//!
//! An export holds `users.json` and `channels.json` (maybe `groups.json`, `dms.json`,
//! `mpims.json`) at its root and one folder per channel with one JSON array of messages
//! per day (`<channel>/<YYYY-MM-DD>.json`); the export may sit in a subfolder of the bundle.
//!
//! - [`SlackMetadata`] (`slack-metadata`) reads the root files: no records, but
//!   `users.json` reveals the people (names, handles, emails, ids, titles, bots).
//! - [`SlackExport`] (`slack-export`) reads one day file: one record per message, cited by
//!   the whole message object, with the author resolved through the export's `users.json`.
//!   Joins and topic changes are [`Kind::System`]; a bot's post whose text says outright
//!   that an alert fired, resolved or was acknowledged gets that kind.
//!
//! The JSON helpers at the bottom (`read_array`, `Str`, `Flag`) are shared with the
//! PagerDuty adapter.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use debrief_model::{Actor, Kind, Problem, Record, SourceFile, Span, When};
use regex::Regex;
use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::jsonspan::{error_line, span_of};
use crate::lines::LineIndex;
use crate::time::parse_epoch;

/// How much of a file `sniff` looks at.
const SNIFF_BYTES: usize = 8 * 1024;

/// One channel's day file: `<channel>/<YYYY-MM-DD>.json`.
pub struct SlackExport;

impl Adapter for SlackExport {
    fn format(&self) -> &'static str {
        "slack-export"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = head(&file.text, SNIFF_BYTES);
        let messages = MESSAGE_TYPE.is_match(head);
        let ts = head.contains("\"ts\"");
        match json_start(head).as_bytes().first() {
            Some(b'[') if messages && ts => 90,
            Some(b'[') if messages => 70,
            Some(b'{') if messages && ts && head.contains("\"messages\"") => 70,
            // Not recognisably messages, but where a day file would be: claim it weakly so
            // the problem names what was expected if no other format wants it.
            Some(b'[' | b'{') if is_day_file(&file.path) => 15,
            _ => 0,
        }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        let text = file.text.as_str();
        let mut out = Parsed::default();
        let items = match read_array(text, "messages", &["messages"]) {
            Ok((items, problem)) => {
                out.problems.extend(problem);
                items
            }
            Err(problem) => {
                out.problems.push(problem);
                return out;
            }
        };
        let index = LineIndex::new(text);
        let channel = channel_of(&file.path);
        let mut users: Option<Arc<Users>> = None;
        let mut revealed: HashSet<String> = HashSet::new();

        for (_, raw) in items {
            let (line, end) = span_of(text, &index, raw).unwrap_or((1, 1));
            let span = Span::lines(cx.source, line, end);
            let msg: Message<'_> = match serde_json::from_str(raw.get()) {
                Ok(m) => m,
                Err(e) => {
                    out.problems.push(Problem::at(
                        line,
                        format!("expected a message object ({}) — skipped", json_error_text(&e)),
                    ));
                    continue;
                }
            };
            let Some(ts) = msg.ts.get() else {
                out.problems.push(Problem::at(line, "message has no \"ts\" timestamp — skipped"));
                continue;
            };
            let Some(utc) = parse_epoch(ts) else {
                out.problems.push(Problem::at(line, format!("message \"ts\" {ts:?} is not an epoch time — skipped")));
                continue;
            };

            let subtype = msg.subtype.get().unwrap_or("");
            let user_id = msg.user.get();
            let known = match user_id {
                Some(id) => users.get_or_insert_with(|| Users::load(cx, &file.path)).get(id),
                None => None,
            };
            let profile: Profile = parse_obj(msg.user_profile);
            let bot_profile: BotProfile = parse_obj(msg.bot_profile);
            let system = SYSTEM_SUBTYPES.contains(&subtype);
            // A `bot_add` carries the added bot's id but is posted by the person who added it.
            let is_bot = known.is_some_and(|u| u.bot)
                || user_id == Some("USLACKBOT")
                || (!system && (subtype == "bot_message" || msg.bot_id.get().is_some()));
            let actor = actor_of(&msg, known, &profile, &bot_profile, is_bot);
            if let Some(actor) = &actor
                && known.is_none()
            {
                reveal(&mut out.people, &mut revealed, actor, &profile);
            }

            let attachments: Vec<Attachment> = parse_obj(msg.attachments);
            let alert = if is_bot && !system {
                candidates(&msg, &attachments).find_map(|c| {
                    let bot = actor.as_ref().map_or("bot", |a| a.name.as_str());
                    classify(c, bot).map(|a| (c, a))
                })
            } else {
                None
            };

            let (text_value, kind, summary) = if let Some((c, a)) = &alert {
                (Cow::Borrowed(*c), a.kind, Some(a.summary.clone()))
            } else {
                let t = pick_text(&msg, &attachments, ts);
                let summary = if is_bot { bot_summary(&t, &attachments, actor.as_ref()) } else { None };
                let kind = if system { Kind::System } else { Kind::Message };
                (t, kind, summary)
            };

            let mut rec = Record::new(span, When::exact(utc).with_original(ts), kind, text_value.into_owned());
            rec.actor = actor;
            rec.summary = summary;
            if let Some(channel) = channel {
                rec.set_attr("channel", channel);
            }
            if let Some(thread) = msg.thread_ts.get()
                && thread != ts
            {
                rec.set_attr("thread", thread);
            }
            if !subtype.is_empty() {
                rec.set_attr("log_type", subtype);
            }
            if let Some(id) = user_id {
                rec.set_attr("user_id", id);
            }
            if let Some((_, a)) = &alert {
                rec.set_attr("status", a.status);
                if let Some(name) = &a.alert {
                    rec.set_attr("alert", name.as_str());
                }
                if let Some(incident) = &a.incident {
                    rec.set_attr("incident", incident.as_str());
                }
                if let Some(severity) = &a.severity {
                    rec.set_attr("severity", severity.as_str());
                }
            }
            if let Some(mentions) = mentions(&rec.text) {
                rec.set_attr("mentions", mentions);
            }
            out.records.push(rec);
        }
        out
    }
}

/// `users.json`, `channels.json` and the other root files of an export.
pub struct SlackMetadata;

impl Adapter for SlackMetadata {
    fn format(&self) -> &'static str {
        "slack-metadata"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = head(&file.text, SNIFF_BYTES);
        let body = json_start(head);
        let array = body.starts_with('[');
        // `users.list` / `conversations.list` API responses wrap the array in an object.
        let wrapped = body.starts_with('{') && head.contains("\"members\"");
        if !(array || wrapped) || MESSAGE_TYPE.is_match(head) {
            return 0;
        }
        let has = |key: &str| head.contains(key);
        if has("\"id\"") && has("\"name\"") && (has("\"real_name\"") || has("\"profile\"")) {
            return 90;
        }
        let conversation_keys = ["\"members\"", "\"is_channel\"", "\"is_general\"", "\"is_mpim\"", "\"purpose\""];
        if array && has("\"id\"") && conversation_keys.iter().any(|k| has(k)) {
            return 85;
        }
        if array && has("\"service_type\"") && has("\"change_type\"") {
            return 80; // integration_logs.json
        }
        let name = file.path.rsplit('/').next().unwrap_or("");
        let root_file = matches!(name, "users.json" | "channels.json" | "groups.json" | "dms.json" | "mpims.json");
        if root_file && body.trim_end() == "[]" {
            return 40;
        }
        0
    }

    fn parse(&self, file: &SourceFile, _cx: &Context<'_>) -> Parsed {
        let text = file.text.as_str();
        let mut out = Parsed::default();
        let items = match read_array(text, "users or channels", &["members", "channels"]) {
            Ok((items, problem)) => {
                out.problems.extend(problem);
                items
            }
            Err(problem) => {
                out.problems.push(problem);
                return out;
            }
        };
        let index = LineIndex::new(text);
        for (_, raw) in items {
            match serde_json::from_str::<User<'_>>(raw.get()) {
                Ok(user) => {
                    if let Some(person) = user.person() {
                        out.people.push(person);
                    }
                }
                Err(e) => {
                    let line = span_of(text, &index, raw).map_or(1, |(l, _)| l);
                    out.problems
                        .push(Problem::at(line, format!("expected an object ({}) — skipped", json_error_text(&e))));
                }
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// Messages

/// Subtypes that are housekeeping, not conversation.
const SYSTEM_SUBTYPES: &[&str] = &[
    "channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name", "channel_archive",
    "channel_unarchive", "channel_convert_to_private", "channel_convert_to_public", "group_join", "group_leave",
    "group_topic", "group_purpose", "group_name", "group_archive", "group_unarchive", "pinned_item", "unpinned_item",
    "bot_add", "bot_remove", "bot_enable", "bot_disable", "app_conversation_join", "reminder_add",
    "joiner_notification", "tombstone", "message_deleted",
];

static MESSAGE_TYPE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""type"\s*:\s*"message""#).expect("valid regex"));
static DAY_FILE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(^|/)[^/]+/\d{4}-\d{2}-\d{2}\.json$").expect("valid regex"));
static MENTION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>").expect("valid regex"));

/// Alertmanager's Slack title: `[FIRING:1] CheckoutErrorRate (checkout-api critical)`.
static ALERTMANAGER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[(FIRING|RESOLVED)(?::\s*\d+)?\]\s*([A-Za-z_][A-Za-z0-9_:.\-]*)(.*)").expect("valid regex")
});
/// PagerDuty's Slack posts: `*Triggered* #41882: title`, `Triggered: #48210: title`,
/// `Acknowledged by Name: #48213: title`, `*Acknowledged* #41882 by Name`.
static PAGER_POST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\*?(Triggered|Acknowledged|Unacknowledged|Resolved|Escalated|Reassigned|Assigned|Delegated)\*?(?:\s+by\s+([^:#*]+?))?\s*:?\s*#(\d+)\b:?\s*(.*)",
    )
    .expect("valid regex")
});
/// Grafana legacy notifications: `[Alerting] High CPU`, `[OK] High CPU`.
static GRAFANA: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\[(Alerting|OK)\]\s+(\S.*)").expect("valid regex"));
/// Monitors that lead with the state: `Triggered: [P1] High error rate`, `Recovered: …`.
static STATE_FIRST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\*?(Triggered|Recovered|Resolved)\*?\s*:\s+(\S.*)").expect("valid regex"));

#[derive(Deserialize, Default)]
#[serde(default)]
struct Message<'a> {
    subtype: Str,
    ts: Str,
    user: Str,
    username: Str,
    bot_id: Str,
    text: Str,
    thread_ts: Str,
    #[serde(borrow)]
    user_profile: Option<&'a RawValue>,
    #[serde(borrow)]
    bot_profile: Option<&'a RawValue>,
    #[serde(borrow)]
    attachments: Option<&'a RawValue>,
    #[serde(borrow)]
    blocks: Option<&'a RawValue>,
    #[serde(borrow)]
    files: Option<&'a RawValue>,
    #[serde(borrow)]
    file: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Profile {
    real_name: Str,
    real_name_normalized: Str,
    display_name: Str,
    display_name_normalized: Str,
    name: Str,
    first_name: Str,
    last_name: Str,
    email: Str,
    title: Str,
    bot_id: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BotProfile {
    name: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Attachment {
    fallback: Str,
    pretext: Str,
    title: Str,
    text: Str,
    footer: Str,
    fields: Vec<AttachmentField>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AttachmentField {
    value: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SharedFile {
    title: Str,
    name: Str,
}

/// What a bot's post says about an alert or a page.
struct AlertPost {
    kind: Kind,
    status: &'static str,
    alert: Option<String>,
    incident: Option<String>,
    severity: Option<String>,
    summary: String,
}

fn actor_of(
    msg: &Message<'_>,
    known: Option<&UserInfo>,
    profile: &Profile,
    bot_profile: &BotProfile,
    is_bot: bool,
) -> Option<Actor> {
    let user_id = msg.user.get();
    if is_bot {
        let name = msg
            .username
            .get()
            .or(bot_profile.name.get())
            .or(known.map(|u| u.name.as_str()))
            .or(profile.real_name.get())
            .or(msg.bot_id.get())
            .or(user_id)
            .unwrap_or("bot");
        let actor = Actor::bot(name);
        return Some(match msg.bot_id.get().or(user_id) {
            Some(id) => actor.with_id(id),
            None => actor,
        });
    }
    let name = known
        .map(|u| u.name.as_str())
        .or(profile.real_name.get())
        .or(profile.display_name.get())
        .or(msg.username.get())
        .or(user_id)?;
    let actor = Actor::person(name);
    Some(match user_id {
        Some(id) => actor.with_id(id),
        None => actor,
    })
}

/// Adds the author to the people, once per file, when `users.json` did not list them.
fn reveal(people: &mut Vec<Person>, seen: &mut HashSet<String>, actor: &Actor, p: &Profile) {
    // Named only by an id: nothing is revealed.
    if actor.id.as_deref() == Some(actor.name.as_str()) {
        return;
    }
    let key = actor.id.clone().unwrap_or_else(|| actor.name.clone());
    if !seen.insert(key) {
        return;
    }
    let mut person = Person {
        name: actor.name.clone(),
        ids: actor.id.iter().cloned().collect(),
        bot: actor.bot,
        ..Person::default()
    };
    if !actor.bot {
        for alias in [&p.display_name, &p.name, &p.first_name, &p.last_name, &p.real_name] {
            add_alias(&mut person, alias.get());
        }
        person.emails.extend(p.email.get().map(str::to_string));
        person.title = p.title.get().map(str::to_string);
    }
    people.push(person);
}

/// The strings of a message that may say what happened, in the order they are tried.
fn candidates<'m>(msg: &'m Message<'_>, attachments: &'m [Attachment]) -> impl Iterator<Item = &'m str> {
    msg.text.get().into_iter().chain(
        attachments.iter().flat_map(|a| [&a.fallback, &a.title, &a.text, &a.pretext].into_iter().filter_map(Str::get)),
    )
}

/// The most telling verbatim string of a message: its text, else the most informative
/// string of its attachments, blocks or files, else its subtype or `ts`.
fn pick_text<'m>(msg: &'m Message<'_>, attachments: &'m [Attachment], ts: &'m str) -> Cow<'m, str> {
    if let Some(t) = msg.text.get() {
        return Cow::Borrowed(t);
    }
    let words = |s: &str| first_line(s).split_whitespace().count();
    for a in attachments {
        let choice = a
            .text
            .get()
            .filter(|t| words(t) >= 4)
            .or(a.fallback.get().filter(|t| words(t) >= 3))
            .or(a.title.get().filter(|t| words(t) >= 3))
            .or(a.text.get())
            .or(a.pretext.get())
            .or(a.fallback.get())
            .or(a.title.get())
            .or(a.fields.iter().find_map(|f| f.value.get()))
            .or(a.footer.get());
        if let Some(c) = choice {
            return Cow::Borrowed(c);
        }
    }
    if let Some(t) = msg.blocks.and_then(first_block_text) {
        return Cow::Owned(t);
    }
    let files: Vec<SharedFile> = parse_obj(msg.files);
    let file: Option<SharedFile> = msg.file.and_then(|r| serde_json::from_str(r.get()).ok());
    if let Some(t) = files.iter().chain(file.iter()).find_map(|f| f.title.get().or(f.name.get())) {
        return Cow::Owned(t.to_string());
    }
    Cow::Borrowed(msg.subtype.get().unwrap_or(ts))
}

/// For a bot's post whose quote is not its title: `GitHub: Deployment #1187 created`.
fn bot_summary(text: &str, attachments: &[Attachment], actor: Option<&Actor>) -> Option<String> {
    let a = attachments.first()?;
    let title = a.title.get().or(a.fallback.get())?;
    if first_line(title) == first_line(text) {
        return None;
    }
    let bot = actor.map_or("bot", |a| a.name.as_str());
    Some(format!("{bot}: {}", first_line(title)))
}

/// The first non-empty `"text"` string of a `blocks` array.
fn first_block_text(blocks: &RawValue) -> Option<String> {
    fn walk(v: &serde_json::Value) -> Option<&str> {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(s)) = map.get("text")
                    && !s.trim().is_empty()
                {
                    return Some(s);
                }
                map.values().find_map(walk)
            }
            serde_json::Value::Array(items) => items.iter().find_map(walk),
            _ => None,
        }
    }
    let value: serde_json::Value = serde_json::from_str(blocks.get()).ok()?;
    walk(&value).map(str::to_string)
}

/// Whether a bot's text says outright that an alert fired, resolved, or that a page was
/// acknowledged, escalated or resolved.
fn classify(text: &str, bot: &str) -> Option<AlertPost> {
    let line = first_line(text);
    if let Some(c) = ALERTMANAGER.captures(line) {
        let firing = &c[1] == "FIRING";
        let name = c[2].to_string();
        let severity = severity_in(&c[3]);
        let state = if firing { "firing" } else { "resolved" };
        let summary = match &severity {
            Some(s) => format!("Alert {name} {state} ({s})"),
            None => format!("Alert {name} {state}"),
        };
        return Some(AlertPost {
            kind: if firing { Kind::Alert } else { Kind::AlertResolved },
            status: state,
            alert: Some(name),
            incident: None,
            severity,
            summary,
        });
    }
    if let Some(c) = PAGER_POST.captures(line) {
        let verb = &c[1];
        let number = &c[3];
        let rest = c[4].trim();
        let (by, title) = match rest.strip_prefix("by ") {
            Some(name) => (Some(name.trim()), None),
            None => (c.get(2).map(|m| m.as_str().trim()), Some(rest).filter(|r| !r.is_empty())),
        };
        let (kind, status, what) = match verb {
            "Triggered" => (Kind::Alert, "triggered", "triggered"),
            "Acknowledged" => (Kind::Acknowledge, "acknowledged", "acknowledged"),
            "Resolved" if by.is_some() => (Kind::Resolution, "resolved", "resolved by a responder"),
            "Resolved" => (Kind::AlertResolved, "resolved", "resolved"),
            "Escalated" => (Kind::Escalation, "escalated", "escalated"),
            "Reassigned" | "Assigned" | "Delegated" => (Kind::Escalation, "reassigned", "reassigned"),
            _ => return None, // unacknowledged: not a state change we name
        };
        let alert = title.and_then(alert_in_title);
        let summary = match title {
            Some(t) => format!("{bot}: incident #{number} {what}: {t}"),
            None => format!("{bot}: incident #{number} {what}"),
        };
        return Some(AlertPost {
            kind,
            status,
            alert,
            incident: Some(match title {
                Some(t) => format!("[#{number}] {t}"),
                None => format!("#{number}"),
            }),
            severity: None,
            summary,
        });
    }
    if let Some(c) = GRAFANA.captures(line) {
        let firing = &c[1] == "Alerting";
        let name = c[2].trim().to_string();
        let state = if firing { "firing" } else { "resolved" };
        return Some(AlertPost {
            kind: if firing { Kind::Alert } else { Kind::AlertResolved },
            status: state,
            summary: format!("Alert {name} {state}"),
            alert: Some(name),
            incident: None,
            severity: None,
        });
    }
    if let Some(c) = STATE_FIRST.captures(line) {
        let firing = &c[1] == "Triggered";
        let name = c[2].trim().to_string();
        let state = if firing { "firing" } else { "resolved" };
        return Some(AlertPost {
            kind: if firing { Kind::Alert } else { Kind::AlertResolved },
            status: state,
            summary: format!("Alert {name} {state}"),
            alert: Some(alert_in_title(&name).unwrap_or(name)),
            incident: None,
            severity: None,
        });
    }
    None
}

/// `CheckoutErrorRate` in `[FIRING:1] CheckoutErrorRate checkout-api (…)`, after an
/// optional `[#4471] ` incident number.
pub(crate) fn alert_in_title(title: &str) -> Option<String> {
    let t = title.trim_start();
    let t = match t.strip_prefix("[#") {
        Some(rest) => rest.split_once(']').map_or(t, |(_, r)| r.trim_start()),
        None => t,
    };
    ALERTMANAGER.captures(t).map(|c| c[2].to_string())
}

/// The severity word of an Alertmanager title's trailing `(… critical)`.
fn severity_in(rest: &str) -> Option<String> {
    let inner = rest.trim().strip_suffix(')')?.rsplit_once('(')?.1;
    let word = inner.split_whitespace().last()?.to_ascii_lowercase();
    matches!(
        word.as_str(),
        "critical" | "error" | "warning" | "warn" | "info" | "page" | "high" | "low" | "major" | "minor"
    )
    .then_some(word)
}

/// The ids of the users a text mentions (`<@U03DWHT1FD>`), comma-separated.
fn mentions(text: &str) -> Option<String> {
    if !text.contains("<@") {
        return None;
    }
    let mut ids: Vec<&str> = Vec::new();
    for c in MENTION.captures_iter(text) {
        if let Some(id) = c.get(1).map(|m| m.as_str())
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    (!ids.is_empty()).then(|| ids.join(","))
}

fn first_line(s: &str) -> &str {
    s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("")
}

/// The channel a day file belongs to: its folder's name.
fn channel_of(path: &str) -> Option<&str> {
    let (parent, _) = path.rsplit_once('/')?;
    let name = parent.rsplit('/').next().unwrap_or(parent);
    (!name.is_empty()).then_some(name)
}

fn is_day_file(path: &str) -> bool {
    DAY_FILE.is_match(path)
}

// ---------------------------------------------------------------------------------------
// Users

#[derive(Deserialize, Default)]
#[serde(default)]
struct User<'a> {
    id: Str,
    name: Str,
    real_name: Str,
    #[serde(rename = "is_bot")]
    bot: Flag,
    #[serde(rename = "is_app_user")]
    app: Flag,
    #[serde(borrow)]
    profile: Option<&'a RawValue>,
}

impl User<'_> {
    /// The person this entry describes; `None` for entries that are not users (channels).
    fn person(&self) -> Option<Person> {
        if self.profile.is_none() && self.real_name.get().is_none() {
            return None;
        }
        let p: Profile = parse_obj(self.profile);
        let name = self.real_name.get().or(p.real_name.get()).or(p.display_name.get()).or(self.name.get())?;
        let mut person = Person {
            name: name.to_string(),
            ids: self.id.get().map(str::to_string).into_iter().collect(),
            title: p.title.get().map(str::to_string),
            bot: self.bot.0 || self.app.0 || self.id.get() == Some("USLACKBOT") || p.bot_id.get().is_some(),
            ..Person::default()
        };
        for alias in [
            p.display_name.get(),
            self.name.get(),
            p.first_name.get(),
            p.last_name.get(),
            p.real_name.get(),
            p.real_name_normalized.get(),
            p.display_name_normalized.get(),
        ] {
            add_alias(&mut person, alias);
        }
        person.emails.extend(p.email.get().map(str::to_string));
        Some(person)
    }
}

fn add_alias(person: &mut Person, alias: Option<&str>) {
    if let Some(a) = alias.map(str::trim)
        && !a.is_empty()
        && a != person.name
        && !person.aliases.iter().any(|x| x == a)
    {
        person.aliases.push(a.to_string());
    }
}

struct UserInfo {
    name: String,
    bot: bool,
}

/// The export's `users.json`, by user id.
#[derive(Default)]
struct Users(HashMap<String, UserInfo>);

/// Which `users.json` a [`Users`] was read from: the same loaded file (path, size,
/// address) with the same first and last bytes.
#[derive(PartialEq, Eq)]
struct UsersKey {
    path: String,
    len: usize,
    addr: usize,
    sample: u64,
}

impl UsersKey {
    fn of(file: &SourceFile) -> Self {
        let bytes = file.text.as_bytes();
        let mut h = DefaultHasher::new();
        bytes[..bytes.len().min(4096)].hash(&mut h);
        bytes[bytes.len().saturating_sub(4096)..].hash(&mut h);
        Self { path: file.path.clone(), len: bytes.len(), addr: bytes.as_ptr() as usize, sample: h.finish() }
    }
}

impl Users {
    /// The `users.json` of the export `day_path` belongs to (the day file's grandparent
    /// folder, else the bundle's only `users.json`). The last one read is kept, so the
    /// many day files of one export read it once.
    fn load(cx: &Context<'_>, day_path: &str) -> Arc<Self> {
        static LAST: Mutex<Option<(UsersKey, Arc<Users>)>> = Mutex::new(None);
        let parent = day_path.rsplit_once('/').map_or("", |(p, _)| p);
        let root = parent.rsplit_once('/').map_or("", |(p, _)| p);
        let wanted = if root.is_empty() { "users.json".to_string() } else { format!("{root}/users.json") };
        let file = cx.file(&wanted).or_else(|| {
            let mut all = cx.files.iter().filter(|f| f.path == "users.json" || f.path.ends_with("/users.json"));
            let only = all.next()?;
            all.next().is_none().then_some(only)
        });
        let Some(file) = file else {
            return Arc::default();
        };
        let key = UsersKey::of(file);
        let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((k, users)) = last.as_ref()
            && *k == key
        {
            return Arc::clone(users);
        }
        let users = Arc::new(Self::read(file));
        *last = Some((key, Arc::clone(&users)));
        users
    }

    fn read(file: &SourceFile) -> Self {
        let Ok((items, _)) = read_array(&file.text, "users", &["members"]) else {
            return Self::default();
        };
        let mut map = HashMap::with_capacity(items.len());
        for (_, raw) in items {
            if let Ok(user) = serde_json::from_str::<User<'_>>(raw.get())
                && let Some(id) = user.id.get()
                && let Some(person) = user.person()
            {
                map.insert(id.to_string(), UserInfo { name: person.name, bot: person.bot });
            }
        }
        Self(map)
    }

    fn get(&self, id: &str) -> Option<&UserInfo> {
        self.0.get(id)
    }
}

// ---------------------------------------------------------------------------------------
// JSON helpers, shared with the PagerDuty adapter.

/// The first `max` bytes of `text`, cut on a character boundary.
pub(crate) fn head(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// An item of a JSON array, tagged with the key of the object field that held the array.
pub(crate) type Item<'a> = (&'static str, &'a RawValue);

/// `text` from its first JSON character (after a byte-order mark and blanks).
pub(crate) fn json_start(text: &str) -> &str {
    text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
}

/// The items of the JSON array `text` holds, or of the arrays under `keys` when it holds
/// an object, each tagged with its key (`""` for a top-level array) and borrowed from
/// `text` so [`span_of`] can place them. When the JSON breaks off, the complete items
/// before the break are kept and a problem says where it broke. `Err` when the text is
/// not a JSON array or object at all, or an object without any of `keys`.
pub(crate) fn read_array<'a>(
    text: &'a str,
    what: &str,
    keys: &'static [&'static str],
) -> Result<(Vec<Item<'a>>, Option<Problem>), Problem> {
    let body = json_start(text);
    let start = text.len() - text.trim_start_matches('\u{feff}').len();
    let mut items = Vec::new();
    let mut found = false;
    let mut de = serde_json::Deserializer::from_str(&text[start..]);
    let result = match body.as_bytes().first() {
        Some(b'[') => Items { tag: "", out: &mut items }.deserialize(&mut de),
        Some(b'{') => Fields { keys, out: &mut items, found: &mut found }.deserialize(&mut de),
        _ => {
            return Err(Problem::whole(format!("expected a JSON array of {what} — the file was not read")));
        }
    };
    match result {
        Ok(()) if body.starts_with('{') && !found => Err(Problem::whole(format!(
            "expected a JSON array of {what}, found an object without {} — the file was not read",
            keys.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(" or ")
        ))),
        Ok(()) => {
            let trailing = de
                .end()
                .err()
                .map(|e| Problem::at(error_line(&e), format!("unexpected text after the JSON {what} — ignored")));
            Ok((items, trailing))
        }
        Err(e) => {
            let n = items.len();
            let problem = Problem::at(
                error_line(&e),
                format!(
                    "{} — the {n} complete {what} before this point were read, the rest was not",
                    describe_json_error(&e)
                ),
            )
            .fatal();
            Ok((items, Some(problem)))
        }
    }
}

/// A serde_json error in words, without its position (problems carry the line).
pub(crate) fn describe_json_error(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Eof => "the JSON ends early (truncated file?)".to_string(),
        _ => format!("malformed JSON: {}", json_error_text(e)),
    }
}

/// A serde_json error's message without ` at line L column C`.
pub(crate) fn json_error_text(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// `raw` parsed as `T`, or `T::default()` when it is absent or not that shape.
pub(crate) fn parse_obj<'a, T: Deserialize<'a> + Default>(raw: Option<&'a RawValue>) -> T {
    raw.and_then(|r| serde_json::from_str(r.get()).ok()).unwrap_or_default()
}

/// Collects the items of a JSON array as they are read, so a later break keeps them.
struct Items<'a, 'v> {
    tag: &'static str,
    out: &'v mut Vec<Item<'a>>,
}

impl<'de> DeserializeSeed<'de> for Items<'de, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Items<'de, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            self.out.push((self.tag, item));
        }
        Ok(())
    }
}

/// Collects the items of the arrays under `keys` of a JSON object (a single object under
/// one of them counts as one item).
struct Fields<'a, 'v> {
    keys: &'static [&'static str],
    out: &'v mut Vec<Item<'a>>,
    found: &'v mut bool,
}

impl<'de> DeserializeSeed<'de> for Fields<'de, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Fields<'de, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match self.keys.iter().find(|k| **k == key) {
                Some(&tag) => {
                    *self.found = true;
                    map.next_value_seed(Either { tag, out: &mut *self.out })?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// An array of items, or one item.
struct Either<'a, 'v> {
    tag: &'static str,
    out: &'v mut Vec<Item<'a>>,
}

impl<'de> DeserializeSeed<'de> for Either<'de, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Either<'de, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array or object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Items { tag: self.tag, out: self.out }.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // A single object: it cannot be borrowed whole from here, so skip it. Callers that
        // accept single objects read them with a typed struct instead.
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// A JSON string field read leniently: numbers become their text, anything else (null,
/// booleans, objects, arrays) is absent, so one odd field never loses a whole record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Str(pub(crate) Option<String>);

impl Str {
    /// The value when it is not blank.
    pub(crate) fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.trim().is_empty())
    }
}

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor)
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Str;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E>(self, v: &str) -> Result<Str, E> {
        Ok(Str(Some(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Str, E> {
        Ok(Str(Some(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Str, E> {
        Ok(Str(Some(v.to_string())))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Str, E> {
        Ok(Str(Some(v.to_string())))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Str, E> {
        Ok(Str(Some(v.to_string())))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Str, E> {
        Ok(Str(None))
    }

    fn visit_unit<E>(self) -> Result<Str, E> {
        Ok(Str(None))
    }

    fn visit_none<E>(self) -> Result<Str, E> {
        Ok(Str(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Str, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Str(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Str, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Str(None))
    }
}

/// A JSON boolean read leniently: anything but `true` is false.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Flag(pub(crate) bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FlagVisitor;
        impl<'de> Visitor<'de> for FlagVisitor {
            type Value = Flag;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a boolean")
            }

            fn visit_bool<E>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }

            fn visit_str<E>(self, _: &str) -> Result<Flag, E> {
                Ok(Flag(false))
            }

            fn visit_i64<E>(self, _: i64) -> Result<Flag, E> {
                Ok(Flag(false))
            }

            fn visit_u64<E>(self, _: u64) -> Result<Flag, E> {
                Ok(Flag(false))
            }

            fn visit_f64<E>(self, _: f64) -> Result<Flag, E> {
                Ok(Flag(false))
            }

            fn visit_unit<E>(self) -> Result<Flag, E> {
                Ok(Flag(false))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Flag, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Flag(false))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Flag, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Flag(false))
            }
        }
        d.deserialize_any(FlagVisitor)
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use debrief_model::quote_of;

    use super::*;
    use crate::IncidentConfig;

    const USERS: &str = include_str!("../../tests/fixtures/slack/export/users.json");
    const CHANNELS: &str = include_str!("../../tests/fixtures/slack/export/channels.json");
    const INC: &str = include_str!("../../tests/fixtures/slack/export/inc-812-api-latency/2024-05-01.json");
    const ALERTS: &str = include_str!("../../tests/fixtures/slack/export/alerts-api/2024-05-01.json");
    const TRUNCATED: &str = include_str!("../../tests/fixtures/slack/broken/2024-05-02.json");
    const NOT_ARRAY: &str = include_str!("../../tests/fixtures/slack/broken/not-an-array.json");

    fn export(prefix: &str) -> Vec<SourceFile> {
        vec![
            SourceFile::new(format!("{prefix}users.json"), USERS),
            SourceFile::new(format!("{prefix}channels.json"), CHANNELS),
            SourceFile::new(format!("{prefix}inc-812-api-latency/2024-05-01.json"), INC),
            SourceFile::new(format!("{prefix}alerts-api/2024-05-01.json"), ALERTS),
        ]
    }

    fn parse_with(adapter: &dyn Adapter, files: &[SourceFile], path: &str) -> Parsed {
        let config = IncidentConfig::default();
        let (i, file) = files.iter().enumerate().find(|(_, f)| f.path == path).expect("fixture file");
        let cx = Context { source: i as u32, files, config: &config, zone: None, anchor_date: None };
        adapter.parse(file, &cx)
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

    #[test]
    fn sniff_tells_day_files_from_metadata() {
        let files = export("");
        let day = &files[2];
        assert_eq!(SlackExport.sniff(day), 90);
        assert_eq!(SlackMetadata.sniff(day), 0);
        assert_eq!(SlackMetadata.sniff(&files[0]), 90);
        assert_eq!(SlackExport.sniff(&files[0]), 0);
        assert_eq!(SlackMetadata.sniff(&files[1]), 85);
        assert_eq!(SlackExport.sniff(&files[1]), 0);
        let empty_dms = SourceFile::new("slack/dms.json", "[]\n");
        assert_eq!(SlackMetadata.sniff(&empty_dms), 40);
        let pd = SourceFile::new("pd.json", r#"{"log_entries": [{"type": "trigger_log_entry", "id": "R1"}]}"#);
        assert_eq!(SlackExport.sniff(&pd), 0);
        assert_eq!(SlackMetadata.sniff(&pd), 0);
        let log = SourceFile::new("general/2024-05-01.json", "2024-05-01T10:00:00Z hello\n");
        assert_eq!(SlackExport.sniff(&log), 0);
        let odd_day = SourceFile::new("general/2024-05-01.json", "{\"oops\": 1}");
        assert_eq!(SlackExport.sniff(&odd_day), 15);
    }

    #[test]
    fn users_json_reveals_people_and_bots() {
        let files = export("");
        let p = parse_with(&SlackMetadata, &files, "users.json");
        assert!(p.records.is_empty());
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let names: Vec<&str> = p.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Avery Lindqvist", "Rohan Mehta", "Sam Okafor", "Alertmanager", "Slackbot"]);
        let avery = &p.people[0];
        assert_eq!(avery.aliases, ["avery", "avery.l", "Avery", "Lindqvist"]);
        assert_eq!(avery.emails, ["avery.lindqvist@example.invalid"]);
        assert_eq!(avery.ids, ["U01AVERY01"]);
        assert_eq!(avery.title.as_deref(), Some("SRE, primary on-call"));
        assert!(!avery.bot);
        assert_eq!(p.people[2].aliases, ["sam", "sokafor"]);
        assert!(p.people[3].bot, "is_bot user");
        assert!(p.people[4].bot, "USLACKBOT");

        let c = parse_with(&SlackMetadata, &files, "channels.json");
        assert!(c.records.is_empty() && c.people.is_empty() && c.problems.is_empty());
    }

    #[test]
    fn day_file_gives_one_record_per_message() {
        let files = export("");
        let p = parse_with(&SlackExport, &files, "inc-812-api-latency/2024-05-01.json");
        assert_eq!(p.records.len(), 7);
        assert_quotable(INC, &p.records);
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, Some(78));
        assert!(p.problems[0].message.contains("no \"ts\""));
        assert!(p.problems[0].can_continue);

        let join = &p.records[0];
        assert_eq!(join.kind, Kind::System);
        assert_eq!(join.text, "<@U01AVERY01> has joined the channel");
        assert_eq!((join.span.line, join.span.end_line), (2, 8));

        let ack = &p.records[1];
        assert_eq!(ack.kind, Kind::Message);
        assert_eq!(at(ack), "2024-05-01T10:00:30.0002Z");
        assert_eq!(ack.when.original.as_deref(), Some("1714557630.000200"));
        assert_eq!(ack.text, "ack'd the page. api p99 is &gt;4s since 10:02, 5xx at 3%");
        let actor = ack.actor.as_ref().expect("actor");
        assert_eq!(actor.name, "Avery Lindqvist");
        assert_eq!(actor.id.as_deref(), Some("U01AVERY01"));
        assert!(!actor.bot);
        assert_eq!(ack.attr("channel"), Some("inc-812-api-latency"));
        assert_eq!((ack.span.line, ack.span.end_line), (9, 21));

        let parent = &p.records[2];
        assert_eq!(parent.attr("thread"), None, "a thread's parent is not a reply");
        assert_eq!(parent.attr("mentions"), Some("U01AVERY01"));
        assert!(parent.text.contains("(<https://git.example.invalid/api/pull/77|#77>)"));
        assert_eq!(parent.actor.as_ref().map(|a| a.name.as_str()), Some("Rohan Mehta"));

        let reply = &p.records[3];
        assert_eq!(reply.attr("thread"), Some("1714557690.000300"));
        assert_eq!(at(reply), "2024-05-01T10:02:30.0004Z");

        assert_eq!(p.records[4].kind, Kind::System);
        assert_eq!(p.records[4].attr("log_type"), Some("channel_topic"));
        assert_eq!(p.records[5].text, "rollback done, p99 back to 300ms \u{2014} watching for 15 min");

        // Not in users.json: named from the message's own profile and revealed as a person.
        let guest = &p.records[6];
        assert_eq!(guest.actor.as_ref().map(|a| a.name.as_str()), Some("Jordan Vale"));
        assert_eq!(p.people.len(), 1);
        assert_eq!(p.people[0].name, "Jordan Vale");
        assert_eq!(p.people[0].ids, ["U09GUEST01"]);
        assert_eq!(p.people[0].aliases, ["jordan", "jvale", "Jordan"]);
    }

    #[test]
    fn bot_posts_with_attachments_say_what_they_announce() {
        let files = export("");
        let p = parse_with(&SlackExport, &files, "alerts-api/2024-05-01.json");
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(ALERTS, &p.records);
        let kinds: Vec<Kind> = p.records.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Alert,
                Kind::Alert,
                Kind::Acknowledge,
                Kind::Message,
                Kind::AlertResolved,
                Kind::Resolution,
                Kind::System
            ]
        );

        let firing = &p.records[0];
        assert_eq!(firing.text, "[FIRING:1] ApiLatencyHigh (api eu-north-1 critical)");
        assert_eq!(firing.attr("alert"), Some("ApiLatencyHigh"));
        assert_eq!(firing.attr("status"), Some("firing"));
        assert_eq!(firing.attr("severity"), Some("critical"));
        assert_eq!(firing.summary.as_deref(), Some("Alert ApiLatencyHigh firing (critical)"));
        let bot = firing.actor.as_ref().expect("actor");
        assert!(bot.bot);
        assert_eq!(bot.name, "Alertmanager");
        assert_eq!(bot.id.as_deref(), Some("B04ALERTBT"));
        assert_eq!(at(firing), "2024-05-01T09:56:40.1Z");

        let triggered = &p.records[1];
        assert!(triggered.text.starts_with("*Triggered* #812: "));
        assert_eq!(triggered.attr("incident"), Some("[#812] [FIRING:1] ApiLatencyHigh api (eu-north-1 critical)"));
        assert_eq!(triggered.attr("alert"), Some("ApiLatencyHigh"));

        let ack = &p.records[2];
        assert!(ack.text.starts_with("Acknowledged by Avery Lindqvist: #812"));
        assert_eq!(ack.attr("status"), Some("acknowledged"));
        assert!(!ack.summary.as_deref().unwrap_or("").contains("Avery"), "summaries carry no names");

        let deploy = &p.records[3];
        assert!(deploy.text.starts_with("api v4.1.9 (`9c1d2e3`) rollback"));
        assert_eq!(deploy.summary.as_deref(), Some("GitHub: Deployment #301 to production succeeded"));
        assert_eq!(deploy.attr("alert"), None);

        assert_eq!(p.records[4].attr("status"), Some("resolved"));
        assert_eq!(p.records[5].attr("incident").map(|s| &s[..6]), Some("[#812]"));

        let added = &p.records[6];
        let who = added.actor.as_ref().expect("actor");
        assert_eq!((who.name.as_str(), who.bot), ("Rohan Mehta", false));
    }

    #[test]
    fn export_in_a_subfolder_finds_its_users() {
        let files = export("evidence/slack/");
        let p = parse_with(&SlackExport, &files, "evidence/slack/inc-812-api-latency/2024-05-01.json");
        assert_eq!(p.records[2].actor.as_ref().map(|a| a.name.as_str()), Some("Rohan Mehta"));
        // Without users.json an author is named by the message's profile, else its id.
        let alone = vec![SourceFile::new("general/2024-05-01.json", INC)];
        let p = parse_with(&SlackExport, &alone, "general/2024-05-01.json");
        assert_eq!(p.records.len(), 7);
        assert_eq!(p.records[1].actor.as_ref().map(|a| a.name.as_str()), Some("Avery Lindqvist"));
        assert_eq!(p.records[2].actor.as_ref().map(|a| a.name.as_str()), Some("U02ROHAN02"));
        assert_eq!(p.records[2].attr("channel"), Some("general"));
        assert!(p.people.iter().any(|x| x.name == "Avery Lindqvist"));
    }

    #[test]
    fn truncated_day_file_keeps_the_complete_messages() {
        let files = vec![SourceFile::new("broken/2024-05-02.json", TRUNCATED)];
        let p = parse_with(&SlackExport, &files, "broken/2024-05-02.json");
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.records[1].text, "second message survives");
        assert_eq!(p.problems.len(), 1);
        let problem = &p.problems[0];
        assert!(!problem.can_continue);
        assert_eq!(problem.line, Some(16));
        assert!(problem.message.contains("2 complete messages"), "{problem}");
    }

    #[test]
    fn a_single_message_object_is_not_a_day_file() {
        let files = vec![SourceFile::new("broken/not-an-array.json", NOT_ARRAY)];
        let p = parse_with(&SlackExport, &files, "broken/not-an-array.json");
        assert!(p.records.is_empty());
        assert_eq!(p.problems.len(), 1);
        assert!(!p.problems[0].can_continue);
        assert!(p.problems[0].message.starts_with("expected a JSON array of messages"), "{}", p.problems[0]);
        let text = SourceFile::new("notes/2024-05-01.json", "just some words\n");
        let p = parse_with(&SlackExport, std::slice::from_ref(&text), "notes/2024-05-01.json");
        assert!(p.problems[0].message.starts_with("expected a JSON array of messages"));
    }

    #[test]
    fn odd_elements_become_problems_and_the_rest_is_read() {
        let text = "[\n  42,\n  {\"type\": \"message\", \"ts\": 1714557630, \"text\": \"numeric ts\", \"user\": null},\n  {\"type\": \"message\", \"ts\": \"yesterday\", \"text\": \"bad ts\"},\n  {\"type\": \"message\", \"ts\": \"1714557631.5\", \"text\": {\"odd\": true}, \"files\": [{\"title\": \"graph.png\"}]}\n]\n";
        let files = vec![SourceFile::new("c/2024-05-01.json", text)];
        let p = parse_with(&SlackExport, &files, "c/2024-05-01.json");
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.records[0].text, "numeric ts");
        assert_eq!(at(&p.records[0]), "2024-05-01T10:00:30Z");
        assert!(p.records[0].actor.is_none());
        assert_eq!(p.records[1].text, "graph.png");
        let lines: Vec<Option<u32>> = p.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(2), Some(4)]);
    }

    #[test]
    fn every_prefix_of_a_day_file_parses_without_panicking() {
        let files = export("");
        let full = parse_with(&SlackExport, &files, "alerts-api/2024-05-01.json").records.len();
        for end in (0..ALERTS.len()).filter(|&i| ALERTS.is_char_boundary(i)) {
            let cut = vec![SourceFile::new("a/2024-05-01.json", &ALERTS[..end])];
            let p = parse_with(&SlackExport, &cut, "a/2024-05-01.json");
            assert!(p.records.len() <= full);
            assert_quotable(&ALERTS[..end], &p.records);
        }
    }

    // --- The eval bundles' Slack exports -----------------------------------------------

    fn eval_root() -> Option<PathBuf> {
        let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/eval/incidents"));
        root.is_dir().then_some(root)
    }

    /// Every file under `bundle/slack`, with bundle-relative paths.
    fn slack_files(bundle: &Path) -> Vec<SourceFile> {
        fn walk(dir: &Path, bundle: &Path, out: &mut Vec<SourceFile>) {
            let mut entries: Vec<_> =
                std::fs::read_dir(dir).expect("readable dir").flatten().map(|e| e.path()).collect();
            entries.sort();
            for path in entries {
                if path.is_dir() {
                    walk(&path, bundle, out);
                } else {
                    let rel = path.strip_prefix(bundle).expect("inside bundle");
                    let text = std::fs::read_to_string(&path).expect("utf-8");
                    out.push(SourceFile::new(rel.to_string_lossy(), text));
                }
            }
        }
        let mut out = Vec::new();
        walk(&bundle.join("slack"), bundle, &mut out);
        out
    }

    /// All records of a bundle's Slack export, by file path.
    fn parse_bundle(name: &str, root: &Path) -> Vec<(String, Parsed)> {
        let bundle = root.join(name).join("bundle");
        let files = slack_files(&bundle);
        let mut out = Vec::new();
        for f in &files {
            let adapter = crate::detect(f).expect("recognised");
            let p = parse_with(adapter, &files, &f.path);
            assert!(p.problems.is_empty(), "{}: {:?}", f.path, p.problems);
            if adapter.format() == "slack-export" {
                assert_quotable(&f.text, &p.records);
            } else {
                assert_eq!(adapter.format(), "slack-metadata", "{}", f.path);
            }
            out.push((f.path.clone(), p));
        }
        out
    }

    fn covering<'p>(parsed: &'p [(String, Parsed)], path: &str, line: u32) -> &'p Record {
        let (_, p) = parsed.iter().find(|(f, _)| f == path).expect("file parsed");
        p.records.iter().find(|r| r.span.line <= line && line <= r.span.end_line).expect("a record covers the line")
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn eval_bundles_slack_exports() {
        let Some(root) = eval_root() else {
            eprintln!("eval bundles not found (../shared/eval); skipping");
            return;
        };
        let mut totals = Vec::new();
        for name in ["checkout-timeouts", "cloudflare-2019-07-02", "k8s-prow-2019-01-23", "slack-2021-01-04"] {
            let parsed = parse_bundle(name, &root);
            let records: usize = parsed.iter().map(|(_, p)| p.records.len()).sum();
            let system = parsed.iter().flat_map(|(_, p)| &p.records).filter(|r| r.kind == Kind::System).count();
            totals.push((records, system));

            if name == "checkout-timeouts" {
                let inc = "slack/inc-2047-checkout-timeouts/2024-10-08.json";
                let r = covering(&parsed, inc, 33);
                assert_eq!(at(r), "2024-10-08T14:53:40.135513Z");
                assert_eq!(r.kind, Kind::Message);
                assert!(r.text.starts_with("orders-db-primary CPU is at 88%"));
                let a = r.actor.as_ref().expect("actor");
                assert_eq!((a.name.as_str(), a.id.as_deref()), ("Dana Whitfield", Some("U03DWHT1FD")));
                assert_eq!(r.attr("channel"), Some("inc-2047-checkout-timeouts"));
                let hpa = covering(&parsed, inc, 86);
                assert_eq!(hpa.text, "HPA already kicked in, checkout-api went 12 -&gt; 18 pods at 14:50");

                let alerts = "slack/alerts-checkout/2024-10-08.json";
                let latency = covering(&parsed, alerts, 38);
                assert_eq!(latency.kind, Kind::Alert);
                assert_eq!(latency.attr("alert"), Some("CheckoutLatencyHigh"));
                assert_eq!(latency.attr("severity"), Some("warning"));
                assert_eq!(at(latency), "2024-10-08T14:46:31.925247Z");
                let (_, p) = parsed.iter().find(|(f, _)| f == alerts).expect("parsed");
                let firing = p.records.iter().filter(|r| r.kind == Kind::Alert).count();
                let resolved = p.records.iter().filter(|r| r.kind == Kind::AlertResolved).count();
                assert_eq!((firing, resolved), (8, 3));

                let deploy = covering(&parsed, "slack/deploys/2024-10-08.json", 16);
                assert_eq!(deploy.kind, Kind::Message);
                assert!(deploy.text.starts_with("checkout-api v2.31.0 (`a41c9e2`) by priya-raman"));
                assert_eq!(deploy.summary.as_deref(), Some("GitHub: Deployment #1187 to production created"));
                let people = &parsed.iter().find(|(f, _)| f == "slack/users.json").expect("users").1.people;
                assert!(people.iter().any(|p| p.name == "Dana Whitfield" && p.aliases.iter().any(|a| a == "dana")));
            }
            if name == "cloudflare-2019-07-02" {
                let pages = "slack/sre-pages/2019-07-02.json";
                let first = covering(&parsed, pages, 14);
                assert_eq!(first.kind, Kind::Alert);
                assert!(first.text.starts_with("*Triggered* #41882: WAF synthetic test failure"));
                assert_eq!(at(first), "2019-07-02T13:45:09.31408Z");
                let ack = covering(&parsed, pages, 54);
                assert_eq!(ack.kind, Kind::Acknowledge);
                assert_eq!(ack.attr("incident"), Some("#41882"));
                let (_, p) = parsed.iter().find(|(f, _)| f == pages).expect("parsed");
                let kinds = |k| p.records.iter().filter(|r| r.kind == k).count();
                assert_eq!((kinds(Kind::Alert), kinds(Kind::Acknowledge), kinds(Kind::AlertResolved)), (6, 1, 6));
            }
            if name == "slack-2021-01-04" {
                let pages = "slack/ops-pages/2021-01-04.json";
                let trig = covering(&parsed, pages, 85);
                assert_eq!(trig.kind, Kind::Alert);
                assert_eq!(
                    trig.attr("incident"),
                    Some("[#48213] [Synthetics] API error rate > 0.3% for 10m (rtm.connect, chat.postMessage)")
                );
                let ack = covering(&parsed, pages, 122);
                assert_eq!(ack.kind, Kind::Acknowledge);
                let (_, p) = parsed.iter().find(|(f, _)| f == pages).expect("parsed");
                assert_eq!(p.records.last().map(|r| r.kind), Some(Kind::Resolution));
                assert_eq!(p.records[1].kind, Kind::AlertResolved);
                // Block-kit messages quote their plain `text`.
                let ic = covering(&parsed, "slack/incd-210104-api-errors/2021-01-04.json", 50);
                assert!(ic.text.starts_with("I'm IC. starting at Sev-2."));
            }
            if name == "k8s-prow-2019-01-23" {
                let r = covering(&parsed, "slack/testing-ops/2019-01-23.json", 413);
                assert!(
                    r.text.starts_with(
                        "revert <https://github.com/kubernetes/test-infra/pull/10903|#10903> merged by hand"
                    )
                );
                assert_eq!(r.kind, Kind::Message);
            }
        }
        assert_eq!(totals, [(60, 6), (54, 6), (55, 1), (40, 1)]);
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn third_party_exports_parse_cleanly() {
        let base = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/eval-data"));
        if !base.is_dir() {
            eprintln!("eval-data not found (../shared/eval-data); skipping");
            return;
        }
        let mut counts = Vec::new();
        for export in ["slack-export-viewer-testarchive/testarchive", "slackdump-fixtures/source_export_dir"] {
            let dir = base.join(export);
            let mut files = Vec::new();
            for entry in std::fs::read_dir(&dir).expect("dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    let channel = path.file_name().expect("name").to_string_lossy().to_string();
                    for day in std::fs::read_dir(&path).expect("dir").flatten() {
                        let name = day.file_name().to_string_lossy().to_string();
                        let text = std::fs::read_to_string(day.path()).expect("utf-8");
                        files.push(SourceFile::new(format!("{channel}/{name}"), text));
                    }
                } else {
                    let name = entry.file_name().to_string_lossy().to_string();
                    let text = std::fs::read_to_string(&path).expect("utf-8");
                    files.push(SourceFile::new(name, text));
                }
            }
            files.sort_by(|a, b| a.path.cmp(&b.path));
            let (mut records, mut people, mut bots) = (0, 0, 0);
            for f in &files {
                let adapter = crate::detect(f).expect("recognised");
                let p = parse_with(adapter, &files, &f.path);
                assert!(p.problems.is_empty(), "{}: {:?}", f.path, p.problems);
                assert_quotable(&f.text, &p.records);
                records += p.records.len();
                people += p.people.len();
                bots += p.records.iter().filter(|r| r.actor.as_ref().is_some_and(|a| a.bot)).count();
            }
            counts.push((records, people, bots));
            if export.starts_with("slack-export-viewer") {
                let p = parse_with(&SlackExport, &files, "enrique/2016-02-07.json");
                let post = p.records.iter().find(|r| r.attr("log_type") == Some("bot_message")).expect("a bot post");
                assert!(
                    post.text.ends_with("|ed1acbe>: executor with simulated annealing rough draft - Anthony Bilinski")
                );
                assert_eq!(post.kind, Kind::Message);
                let bot = post.actor.as_ref().expect("actor");
                assert!(bot.bot && bot.name == "B0JL6RASU");
                assert_eq!(at(post), "2016-02-08T00:46:34.000004Z");
            }
        }
        // Records, people (users.json plus authors it does not list), records by bots.
        assert_eq!(counts, [(158, 4, 94), (16, 10, 1)]);
    }
}
