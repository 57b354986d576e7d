//! Microsoft Teams chat exports.
//!
//! [`Teams`] (`teams-export`) reads:
//! - Microsoft Graph `chatMessage` lists (`GET /chats/{id}/messages`,
//!   `/teams/{id}/channels/{id}/messages`, with `?$expand=replies`): `{"value": [{"id",
//!   "createdDateTime", "from": {"user": {"displayName", "id"}}, "body": {"contentType",
//!   "content"}, "messageType", "replyToId"}]}`, or a bare array of them;
//! - per-conversation export files: an object with a `messages` array of the same fields
//!   (its `topic`/`displayName` names the channel), and the consumer export's
//!   `conversations[].MessageList` (`originalarrivaltime`, `messagetype`, `content`,
//!   `displayName`).
//!
//! One record per message and per inlined reply (`thread` = the parent's id), cited by the
//! whole message object. HTML bodies are not in the file as plain text, so the record's
//! text is a run of plain text between two tags of the body, exactly as written (the first
//! run of a few words, else the longest), and the summary is the whole body with its tags
//! stripped. `systemEventMessage`s (members added, topic changed…) are [`Kind::System`].

use std::collections::HashSet;
use std::sync::LazyLock;

use debrief_model::{Actor, Kind, Problem, Record, SourceFile, Span, When};
use regex::Regex;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::journald::{Counted, JsonValue, json_values};
use super::slack::{Str, head, json_error_text, json_start, parse_obj};
use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::jsonspan::span_of;
use crate::lines::LineIndex;
use crate::time::parse_instant;

/// How much of a file `sniff` looks at.
const SNIFF_BYTES: usize = 8 * 1024;

pub struct Teams;

impl Adapter for Teams {
    fn format(&self) -> &'static str {
        "teams-export"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = head(&file.text, SNIFF_BYTES);
        if !matches!(json_start(head).as_bytes().first(), Some(b'{' | b'[')) {
            return 0;
        }
        let has = |k: &str| head.contains(k);
        // Graph mail messages share the field names; they are email, not chat.
        if has("\"toRecipients\"") || has("\"emailAddress\"") {
            return 0;
        }
        if ODATA_MESSAGES.is_match(head) {
            95
        } else if CREATED.is_match(head) && has("\"from\"") && (has("\"messageType\"") || has("\"contentType\"")) {
            90
        } else if has("\"originalarrivaltime\"") && has("\"messagetype\"") {
            80
        } else {
            0
        }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        Reader::new(&file.text, cx.source).read()
    }
}

static ODATA_MESSAGES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""@odata\.context"\s*:\s*"[^"]*(/messages|chatMessage)"#).expect("valid regex"));
static CREATED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""createdDateTime"\s*:\s*"\d{4}-"#).expect("valid regex"));
/// A tag, or an HTML comment.
static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<!--.*?-->|<[^<>]*>").expect("valid regex"));
static BLOCK_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^</?(p|div|br|li|ul|ol|tr|h[1-6]|blockquote|pre)\b").expect("valid regex"));
static SURROGATE_ESCAPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\\u[dD][89abAB][0-9a-fA-F]{2}").expect("valid regex"));
static ENTITY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});").expect("valid regex"));

#[derive(Deserialize, Default)]
#[serde(default)]
struct Container<'a> {
    #[serde(borrow)]
    value: Option<&'a RawValue>,
    #[serde(borrow)]
    messages: Option<&'a RawValue>,
    #[serde(borrow, rename = "MessageList")]
    message_list: Option<&'a RawValue>,
    #[serde(borrow)]
    conversations: Option<&'a RawValue>,
    topic: Str,
    #[serde(rename = "displayName")]
    display_name: Str,
    #[serde(rename = "createdDateTime")]
    created: Str,
    originalarrivaltime: Str,
}

#[allow(clippy::struct_field_names)]
#[derive(Deserialize, Default)]
#[serde(default)]
struct Message<'a> {
    id: Str,
    #[serde(rename = "replyToId")]
    reply_to: Str,
    #[serde(rename = "messageType")]
    message_type: Str,
    messagetype: Str,
    #[serde(rename = "createdDateTime")]
    created: Str,
    originalarrivaltime: Str,
    composetime: Str,
    #[serde(rename = "deletedDateTime")]
    deleted: Str,
    subject: Str,
    summary: Str,
    importance: Str,
    #[serde(borrow)]
    from: Option<&'a RawValue>,
    #[serde(rename = "displayName")]
    display_name: Str,
    imdisplayname: Str,
    #[serde(borrow)]
    body: Option<&'a RawValue>,
    content: Str,
    #[serde(borrow, rename = "eventDetail")]
    event_detail: Option<&'a RawValue>,
    #[serde(borrow)]
    mentions: Option<&'a RawValue>,
    #[serde(borrow)]
    replies: Option<&'a RawValue>,
    #[serde(borrow, rename = "channelIdentity")]
    channel_identity: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Body {
    #[serde(rename = "contentType")]
    content_type: Str,
    content: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct From<'a> {
    #[serde(borrow)]
    user: Option<&'a RawValue>,
    #[serde(borrow)]
    application: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Identity {
    id: Str,
    #[serde(rename = "displayName")]
    display_name: Str,
    #[serde(rename = "userPrincipalName")]
    upn: Str,
    email: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Mention<'a> {
    #[serde(borrow)]
    mentioned: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EventDetail<'a> {
    #[serde(rename = "@odata.type")]
    odata_type: Str,
    #[serde(borrow)]
    initiator: Option<&'a RawValue>,
    #[serde(borrow)]
    members: Option<&'a RawValue>,
    #[serde(rename = "chatDisplayName")]
    chat_display_name: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChannelIdentity {
    #[serde(rename = "channelId")]
    channel_id: Str,
}

struct Reader<'a> {
    text: &'a str,
    index: LineIndex,
    source: u32,
    out: Parsed,
    seen: HashSet<String>,
    bad: Counted,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, source: u32) -> Self {
        Self {
            text,
            index: LineIndex::new(text),
            source,
            out: Parsed::default(),
            seen: HashSet::new(),
            bad: Counted::new("more messages were skipped"),
        }
    }

    fn read(mut self) -> Parsed {
        let values = json_values(self.text, &self.index, "Teams messages", &["value", "messages"]);
        self.out.problems = values.problems;
        for v in values.values {
            match v {
                JsonValue::Top(raw) => self.document(raw, None),
                JsonValue::Salvaged(raw) => self.message(raw, None, None),
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

    /// A list response, an export file, a conversation, or one message.
    fn document(&mut self, raw: &'a RawValue, channel: Option<&str>) {
        if raw.get().starts_with('[') {
            self.list(raw, channel);
            return;
        }
        let c: Container<'a> = match serde_json::from_str(raw.get()) {
            Ok(c) => c,
            Err(e) => {
                self.problem(
                    raw,
                    format!("expected a Teams message list or message ({}) — skipped", json_error_text(&e)),
                );
                return;
            }
        };
        let name = c.topic.get().or(c.display_name.get()).map(str::to_string);
        let channel = channel.map(str::to_string).or(name);
        if let Some(list) = c.value.or(c.messages).or(c.message_list) {
            self.list(list, channel.as_deref());
        } else if let Some(convs) = c.conversations {
            match serde_json::from_str::<Vec<&'a RawValue>>(convs.get()) {
                Ok(items) => items.into_iter().for_each(|i| self.document(i, None)),
                Err(_) => self.problem(convs, "expected \"conversations\" to be an array — skipped"),
            }
        } else if c.created.get().is_some() || c.originalarrivaltime.get().is_some() {
            self.message(raw, channel.as_deref(), None);
        } else {
            self.problem(raw, "expected Teams messages (\"value\", \"messages\") or a message — skipped");
        }
    }

    fn list(&mut self, raw: &'a RawValue, channel: Option<&str>) {
        match serde_json::from_str::<Vec<&'a RawValue>>(raw.get()) {
            Ok(items) => items.into_iter().for_each(|m| self.message(m, channel, None)),
            Err(e) => self.problem(raw, format!("expected an array of messages ({}) — skipped", json_error_text(&e))),
        }
    }

    fn message(&mut self, raw: &'a RawValue, channel: Option<&str>, parent: Option<&str>) {
        let msg: Message<'a> = match serde_json::from_str(raw.get()) {
            Ok(m) => m,
            Err(e) => {
                self.problem(raw, format!("expected a message object ({}) — skipped", json_error_text(&e)));
                return;
            }
        };
        let time = [&msg.created, &msg.originalarrivaltime, &msg.composetime].into_iter().find_map(Str::get);
        let Some(time) = time else {
            self.problem(raw, "message has no \"createdDateTime\" — skipped");
            return;
        };
        let Some(utc) = parse_instant(time) else {
            self.problem(raw, format!("createdDateTime {time:?} is not a time with an offset — message skipped"));
            return;
        };
        let kind_word = msg.message_type.get().or(msg.messagetype.get()).unwrap_or("message");
        let system = matches!(kind_word, "systemEventMessage" | "chatEvent")
            || kind_word.starts_with("ThreadActivity/")
            || kind_word.starts_with("Event/");

        let body: Body = parse_obj(msg.body);
        let content = body.content.get().or(msg.content.get());
        let html = body.content_type.get().is_none_or(|t| t.eq_ignore_ascii_case("html"))
            && content.is_some_and(|c| c.contains('<'));
        let detail: EventDetail<'a> = parse_obj(msg.event_detail);
        let (quote, stripped) = match content {
            Some(c) if html => (best_run(c), Some(strip_html(c))),
            Some(c) => (c.lines().map(str::trim).find(|l| !l.is_empty()), None),
            None => (None, None),
        };
        // .NET writes characters beyond the BMP as surrogate escapes (`\uD83D\uDD25`), which
        // a quote checker decodes one by one: quote only up to the first such character.
        let surrogates = SURROGATE_ESCAPE.is_match(raw.get());
        let quote = quote.map(|q| if surrogates { bmp_prefix(q) } else { q }).filter(|q| !q.trim().is_empty());
        let quote = quote.map(|q| q.trim_end().to_string());
        let text = quote
            .or(msg.subject.get().map(str::to_string))
            .or(msg.summary.get().map(str::to_string))
            .or(detail.odata_type.get().map(str::to_string))
            .unwrap_or_else(|| kind_word.to_string());
        let (line, end) = self.lines(raw);
        let kind = if system { Kind::System } else { Kind::Message };
        let mut rec =
            Record::new(Span::lines(self.source, line, end), When::exact(utc).with_original(time), kind, text);
        if let Some(s) = stripped.filter(|s| !s.is_empty() && *s != rec.text) {
            rec.summary = Some(s);
        } else if system && let Some(t) = detail.odata_type.get() {
            rec.summary = Some(format!("Teams: {}", event_words(t)));
        }

        // The author: a Graph identity set, else the export's display name.
        let from: From<'a> = parse_obj(msg.from);
        let user: Identity = parse_obj(from.user);
        let app: Identity = parse_obj(from.application);
        let initiator: From<'a> = parse_obj(detail.initiator);
        let initiator: Identity = parse_obj(initiator.user);
        if let Some(name) = user.display_name.get() {
            rec.actor = Some(self.person(&user, name));
        } else if let Some(name) = app.display_name.get() {
            let actor = Actor::bot(name);
            rec.actor = Some(match app.id.get() {
                Some(id) => actor.with_id(id),
                None => actor,
            });
        } else if let Some(name) = initiator.display_name.get() {
            rec.actor = Some(self.person(&initiator, name));
        } else if let Some(name) = msg.display_name.get().or(msg.imdisplayname.get()) {
            let plain: Str = msg.from.and_then(|f| serde_json::from_str(f.get()).ok()).unwrap_or_default();
            let identity = Identity { id: plain, ..Identity::default() };
            rec.actor = Some(self.person(&identity, name));
        }
        if let Some(id) = user.id.get() {
            rec.set_attr("user_id", id);
        }
        let channel_identity: ChannelIdentity = parse_obj(msg.channel_identity);
        let channel = channel.or(detail.chat_display_name.get()).or(channel_identity.channel_id.get());
        if let Some(c) = channel {
            rec.set_attr("channel", c);
        }
        if let Some(t) = msg.reply_to.get().or(parent) {
            rec.set_attr("thread", t);
        }
        if kind_word != "message" {
            rec.set_attr("log_type", kind_word);
        }
        if let Some(i) = msg.importance.get().filter(|i| *i != "normal") {
            rec.set_attr("importance", i);
        }
        if msg.deleted.get().is_some() {
            rec.set_attr("deleted", "true");
        }
        self.out.records.push(rec);

        let mentions: Vec<Mention<'a>> = parse_obj(msg.mentions);
        for m in mentions {
            let mentioned: From<'a> = parse_obj(m.mentioned);
            let who: Identity = parse_obj(mentioned.user);
            if let Some(name) = who.display_name.get() {
                self.person(&who, name);
            }
        }
        let members: Vec<Identity> = parse_obj(detail.members);
        for who in &members {
            if let Some(name) = who.display_name.get() {
                self.person(who, name);
            }
        }
        let replies: Vec<&'a RawValue> = parse_obj(msg.replies);
        let id = msg.id.get().map(str::to_string);
        for reply in replies {
            self.message(reply, channel, id.as_deref());
        }
    }

    /// A person as an actor, revealed once.
    fn person(&mut self, who: &Identity, name: &str) -> Actor {
        let actor = Actor::person(name);
        let actor = match who.id.get() {
            Some(id) => actor.with_id(id),
            None => actor,
        };
        let key = who.id.get().unwrap_or(name).to_string();
        if self.seen.insert(key) {
            let mut person = Person { name: name.to_string(), ..Person::default() };
            person.ids.extend(who.id.get().map(str::to_string));
            for e in [who.email.get(), who.upn.get()].into_iter().flatten() {
                if e.contains('@') && !person.emails.iter().any(|x| x == e) {
                    person.emails.push(e.to_string());
                }
            }
            self.out.people.push(person);
        }
        actor
    }
}

/// The runs of plain text between the tags of an HTML body, trimmed.
fn runs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut at = 0;
    for tag in TAG.find_iter(html).map(|m| (m.start(), m.end())).chain(std::iter::once((html.len(), html.len()))) {
        let raw = &html[at..tag.0];
        let run = raw.trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':'));
        if !run.is_empty() && ENTITY.replace_all(raw, "").chars().any(char::is_alphanumeric) {
            out.push(run);
        }
        at = tag.1;
    }
    out
}

/// `s` up to its first character outside the Basic Multilingual Plane.
fn bmp_prefix(s: &str) -> &str {
    s.char_indices().find(|(_, c)| u32::from(*c) > 0xFFFF).map_or(s, |(i, _)| &s[..i])
}

/// The quote of an HTML body: its first run of a few words, else its longest run.
fn best_run(html: &str) -> Option<&str> {
    let runs = runs(html);
    let telling = |r: &&str| {
        let plain = ENTITY.replace_all(r, " ");
        plain.split_whitespace().count() >= 3 || plain.trim().chars().count() >= 20
    };
    runs.iter().copied().find(telling).or_else(|| runs.iter().copied().max_by_key(|r| r.len()))
}

/// An HTML body as plain text: tags dropped (block tags become line breaks), entities
/// decoded, blank runs collapsed.
fn strip_html(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut at = 0;
    for m in TAG.find_iter(html) {
        text.push_str(&html[at..m.start()]);
        text.push(if BLOCK_TAG.is_match(m.as_str()) { '\n' } else { ' ' });
        at = m.end();
    }
    text.push_str(&html[at..]);
    let decoded = ENTITY.replace_all(&text, |c: &regex::Captures<'_>| decode_entity(&c[1]));
    decoded
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn decode_entity(name: &str) -> String {
    let code = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
        u32::from_str_radix(hex, 16).ok()
    } else if let Some(dec) = name.strip_prefix('#') {
        dec.parse().ok()
    } else {
        match name {
            "amp" => Some(38),
            "lt" => Some(60),
            "gt" => Some(62),
            "quot" => Some(34),
            "apos" => Some(39),
            "nbsp" => Some(32),
            "ndash" => Some(0x2013),
            "mdash" => Some(0x2014),
            "hellip" => Some(0x2026),
            "rsquo" => Some(0x2019),
            "lsquo" => Some(0x2018),
            "rdquo" => Some(0x201d),
            "ldquo" => Some(0x201c),
            _ => None,
        }
    };
    code.and_then(char::from_u32).map_or_else(|| format!("&{name};"), |c| c.to_string())
}

/// `#microsoft.graph.membersAddedEventMessageDetail` → `members added`.
fn event_words(odata_type: &str) -> String {
    let name = odata_type.rsplit('.').next().unwrap_or(odata_type);
    let name = name.strip_suffix("EventMessageDetail").unwrap_or(name);
    let mut out = String::new();
    for c in name.chars() {
        if c.is_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::journald::testkit::{assert_quotable, at, claimed_in_shared, detected, parse, sniff, spans};
    use super::*;

    const GRAPH: &str = include_str!("../../tests/fixtures/teams-export/chat-messages.json");
    const CHANNEL: &str = include_str!("../../tests/fixtures/teams-export/channel-export.json");
    const CONSUMER: &str = include_str!("../../tests/fixtures/teams-export/messages.json");

    #[test]
    fn sniff_recognises_each_shape() {
        assert_eq!(sniff(&Teams, "chat.json", GRAPH), 95);
        assert_eq!(sniff(&Teams, "channel.json", CHANNEL), 90);
        assert_eq!(sniff(&Teams, "messages.json", CONSUMER), 80);
        for (name, text) in [("a.json", GRAPH), ("b.json", CHANNEL), ("c.json", CONSUMER)] {
            assert_eq!(detected(name, text), Some("teams-export"), "{name}");
        }
        assert_eq!(sniff(&Teams, "x.json", r#"[{"type": "message", "ts": "1", "text": "createdDateTime"}]"#), 0);
        let mail = r#"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('x')/messages", "value": [{"createdDateTime": "2024-10-08T14:52:10Z", "from": {"emailAddress": {"name": "A"}}, "toRecipients": [], "body": {"contentType": "html"}}]}"#;
        assert_eq!(sniff(&Teams, "mail.json", mail), 0, "Graph mail is not chat");
    }

    #[test]
    fn graph_chat_messages_quote_a_run_of_the_html_body() {
        let p = parse(&Teams, "teams/chat-messages.json", GRAPH);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(GRAPH, &p.records);
        let kinds: Vec<Kind> = p.records.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, [Kind::System, Kind::Message, Kind::Message, Kind::Message, Kind::Message, Kind::Message]);

        let added = &p.records[0];
        assert_eq!(added.text, "#microsoft.graph.membersAddedEventMessageDetail");
        assert_eq!(added.summary.as_deref(), Some("Teams: members added"));
        assert_eq!(added.actor.as_ref().map(|a| a.name.as_str()), Some("Dana Whitfield"));

        let html = &p.records[1];
        assert_eq!(html.text, "checkout 5xx at 9% since 14:49 UTC");
        assert_eq!(
            html.summary.as_deref(),
            Some(
                "checkout 5xx at 9% since 14:49 UTC\nMarcus Oyelaran did anything ship this morning? p99 > 8s & climbing"
            )
        );
        assert_eq!(at(html), "2024-10-08T14:52:10.118Z");
        let a = html.actor.as_ref().expect("actor");
        assert_eq!(
            (a.name.as_str(), a.id.as_deref(), a.bot),
            ("Dana Whitfield", Some("8b1f2c3d-4e5f-4a6b-9c7d-0e1f2a3b4c5d"), false)
        );
        assert_eq!(html.attr("channel"), Some("19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2"));
        assert_eq!((html.span.line, html.span.end_line), (57, 114));

        let plain = &p.records[2];
        assert_eq!(plain.text, "yes, checkout-api v2.31.0 at 14:36 UTC (PR 4412)");
        assert_eq!(plain.summary, None);

        let bot = &p.records[3];
        assert!(bot.actor.as_ref().is_some_and(|a| a.bot));
        assert_eq!(bot.text, "[FIRING:1] CheckoutErrorRate checkout-api (us-east-1 critical)");

        let escaped = &p.records[4];
        assert_eq!(escaped.text, "rolling back to v2.30.4 — ETA 5 min");
        assert_eq!(escaped.attr("importance"), Some("high"));

        let names: Vec<&str> = p.people.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["Dana Whitfield", "Tomasz Nowak", "Marcus Oyelaran"]);
        assert_eq!(p.people[1].ids, ["5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f"]);
        // An emoji written as a surrogate pair ends the quote.
        assert_eq!(p.records[5].text, "db pool is the bottleneck");
    }

    #[test]
    fn channel_exports_with_inlined_replies() {
        let p = parse(&Teams, "teams/channel-export.json", CHANNEL);
        assert_quotable(CHANNEL, &p.records);
        assert_eq!(p.records.len(), 3);
        assert_eq!(p.records[1].attr("thread"), Some("1728399130118"));
        assert_eq!(p.records[2].attr("thread"), Some("1728399130118"));
        assert_eq!(p.records[1].attr("channel"), Some("sre-oncall"));
        assert_eq!(p.records[2].text, "ok, pinning HPA min/max to 24");
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert_eq!(spans(&p)[0].0, 7);
    }

    #[test]
    fn consumer_export_conversations() {
        let p = parse(&Teams, "teams/messages.json", CONSUMER);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(CONSUMER, &p.records);
        assert_eq!(p.records.len(), 3);
        assert_eq!(p.records[0].kind, Kind::System);
        assert_eq!(p.records[1].text, "is the db pool change in v2.31.0?");
        assert_eq!(p.records[1].actor.as_ref().map(|a| a.name.as_str()), Some("Priya Raman"));
        assert_eq!(p.records[1].attr("channel"), Some("checkout war room"));
        assert_eq!(at(&p.records[2]), "2024-10-08T15:16:44.019Z");
    }

    #[test]
    fn html_runs_and_stripping() {
        let html = r#"<p>hey <at id="0">Dana</at>, can you look at the pool?</p><p>&nbsp;</p>"#;
        assert_eq!(runs(html), ["hey", "Dana", "can you look at the pool?"]);
        assert_eq!(best_run(html), Some("can you look at the pool?"));
        assert_eq!(strip_html(html), "hey Dana , can you look at the pool?");
        assert_eq!(best_run("<systemEventMessage/>"), None);
        assert_eq!(decode_entity("#8212"), "—");
        assert_eq!(event_words("#microsoft.graph.chatRenamedEventMessageDetail"), "chat renamed");
    }

    #[test]
    fn junk_never_panics() {
        for text in
            ["", "{", "{\"value\": 1}", "{\"value\": [1, {\"createdDateTime\": \"x\"}]}", "{\"conversations\": [{}]}"]
        {
            let p = parse(&Teams, "x.json", text);
            assert!(p.records.is_empty(), "{text:?}");
        }
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn claims_nothing_in_the_shared_samples() {
        let Some(claimed) = claimed_in_shared(&Teams) else {
            eprintln!("../shared not found; skipping");
            return;
        };
        assert!(claimed.is_empty(), "{claimed:?}");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC*") {
            let _ = sniff(&Teams, "x.json", &s);
            let p = parse(&Teams, "x.json", &s);
            assert_quotable(&s, &p.records);
        }

        #[test]
        fn arbitrary_html_bodies_stay_quotable(body in "[<>a-z &;#/\"=0-9\\-]{0,80}") {
            let doc = serde_json::json!({"value": [{"id": "1", "createdDateTime": "2024-10-08T14:52:10.118Z", "messageType": "message", "from": {"user": {"displayName": "A", "id": "1"}}, "body": {"contentType": "html", "content": body}}]});
            let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            let p = parse(&Teams, "x.json", &text);
            prop_assert_eq!(p.records.len(), 1);
            assert_quotable(&text, &p.records);
        }
    }
}
