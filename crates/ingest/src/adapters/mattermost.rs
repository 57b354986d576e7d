//! Mattermost bulk export.
//!
//! [`Mattermost`] (`mattermost-export`) reads the JSON lines `mmctl export create` (and
//! the bulk import format) writes: a `version` line, then `team`, `channel`, `user`,
//! `direct_channel`, `post` and `direct_post` lines. Every post and every reply in a post's
//! `replies` is one [`Kind::Message`] record at its `create_at` (epoch milliseconds), cited
//! by its line, with the channel (`team/channel`, or `direct` for direct messages) and, for
//! replies, the parent's `create_at` as `thread`. Posts whose `type` is a system type
//! (`system_join_channel`…) are [`Kind::System`]. Authors are named by their full name
//! when a `user` line gives one; every user is returned as a person with their username,
//! nickname, email and position.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use debrief_model::{Actor, Kind, Problem, Record, SourceFile, Span, When};
use regex::Regex;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::journald::{Counted, json_values};
use super::slack::{Str, head, json_error_text, json_start, parse_obj};
use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::jsonspan::span_of;
use crate::lines::LineIndex;
use crate::time::parse_epoch;

/// How much of a file `sniff` looks at.
const SNIFF_BYTES: usize = 8 * 1024;

pub struct Mattermost;

impl Adapter for Mattermost {
    fn format(&self) -> &'static str {
        "mattermost-export"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = head(&file.text, SNIFF_BYTES);
        if !json_start(head).starts_with('{') {
            return 0;
        }
        let version = VERSION_LINE.is_match(head);
        let lines = LINE_TYPE.find_iter(head).count();
        let posts = head.contains("\"create_at\"") && (head.contains("\"post\"") || head.contains("\"direct_post\""));
        match (version, lines, posts) {
            (true, n, _) if n >= 1 => 95,
            (_, n, true) if n >= 1 => 85,
            (true, _, _) if head.contains("mattermost") => 60,
            _ => 0,
        }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        Reader::new(&file.text, cx.source).read()
    }
}

/// `{"type":"version","version":1`.
static VERSION_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^\s*\{\s*"type"\s*:\s*"version"\s*,\s*"version"\s*:"#).expect("valid regex"));
/// `{"type":"post","post":{`, the shape of every line after the version.
static LINE_TYPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#""type"\s*:\s*"(team|channel|user|post|direct_channel|direct_post|emoji|scheme|role)"\s*,\s*"(team|channel|user|post|direct_channel|direct_post|emoji|scheme|role)"\s*:\s*\{"#,
    )
    .expect("valid regex")
});

#[derive(Deserialize, Default)]
#[serde(default)]
struct Line<'a> {
    #[serde(rename = "type")]
    kind: Str,
    #[serde(borrow)]
    user: Option<&'a RawValue>,
    #[serde(borrow)]
    post: Option<&'a RawValue>,
    #[serde(borrow)]
    direct_post: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct User {
    username: Str,
    email: Str,
    nickname: Str,
    first_name: Str,
    last_name: Str,
    position: Str,
    #[serde(rename = "is_bot")]
    bot: super::slack::Flag,
}

impl User {
    fn full_name(&self) -> Option<String> {
        match (self.first_name.get(), self.last_name.get()) {
            (Some(f), Some(l)) => Some(format!("{} {}", f.trim(), l.trim())),
            (Some(n), None) | (None, Some(n)) => Some(n.trim().to_string()),
            (None, None) => None,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Post<'a> {
    team: Str,
    channel: Str,
    user: Str,
    #[serde(rename = "type")]
    kind: Str,
    message: Str,
    create_at: Str,
    #[serde(borrow)]
    replies: Option<&'a RawValue>,
    #[serde(borrow)]
    attachments: Option<&'a RawValue>,
    #[serde(borrow)]
    props: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Props<'a> {
    #[serde(borrow)]
    attachments: Option<&'a RawValue>,
    from_webhook: Str,
    override_username: Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Attachment {
    fallback: Str,
    title: Str,
    text: Str,
    pretext: Str,
    path: Str,
}

struct Reader<'a> {
    text: &'a str,
    index: LineIndex,
    source: u32,
    out: Parsed,
    /// Username → display name.
    names: HashMap<String, String>,
    revealed: HashSet<String>,
    bad_posts: Counted,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, source: u32) -> Self {
        Self {
            text,
            index: LineIndex::new(text),
            source,
            out: Parsed::default(),
            names: HashMap::new(),
            revealed: HashSet::new(),
            bad_posts: Counted::new("more posts were skipped"),
        }
    }

    fn read(mut self) -> Parsed {
        let values = json_values(self.text, &self.index, "export lines", &[]);
        self.out.problems = values.problems;
        let mut lines = Vec::with_capacity(values.values.len());
        let mut bad = Counted::new("more lines were not export objects");
        for v in values.values {
            let raw = v.raw();
            match serde_json::from_str::<Line<'a>>(raw.get()) {
                Ok(l) => lines.push((raw, l)),
                Err(e) => {
                    let line = self.lines(raw).0;
                    let message = format!(
                        "expected an export line such as {{\"type\": \"post\", …}} ({}) — skipped",
                        json_error_text(&e)
                    );
                    bad.push(Problem::at(line, message), &mut self.out.problems);
                }
            }
        }
        bad.finish(&mut self.out.problems);
        // Users first: posts name their author by username.
        for (_, l) in &lines {
            if l.kind.get() == Some("user") {
                self.user(l.user);
            }
        }
        for (raw, l) in &lines {
            match l.kind.get() {
                Some("post") => self.post(raw, l.post, false),
                Some("direct_post") => self.post(raw, l.direct_post, true),
                _ => {}
            }
        }
        let bad_posts = std::mem::replace(&mut self.bad_posts, Counted::new(""));
        bad_posts.finish(&mut self.out.problems);
        self.out.problems.sort_by_key(|p| p.line.unwrap_or(u32::MAX));
        self.out
    }

    fn lines(&self, raw: &RawValue) -> (u32, u32) {
        span_of(self.text, &self.index, raw).unwrap_or((1, 1))
    }

    fn user(&mut self, raw: Option<&RawValue>) {
        let user: User = parse_obj(raw);
        let Some(username) = user.username.get() else { return };
        let full = user.full_name();
        let name = full.clone().or_else(|| user.nickname.get().map(str::to_string)).unwrap_or(username.to_string());
        let mut person = Person {
            name: name.clone(),
            ids: vec![username.to_string()],
            emails: user.email.get().map(str::to_string).into_iter().collect(),
            title: user.position.get().map(str::to_string),
            bot: user.bot.0,
            ..Person::default()
        };
        for alias in [Some(username), user.nickname.get(), user.first_name.get(), user.last_name.get()] {
            if let Some(a) = alias.map(str::trim)
                && !a.is_empty()
                && a != person.name
                && !person.aliases.iter().any(|x| x == a)
            {
                person.aliases.push(a.to_string());
            }
        }
        self.names.insert(username.to_string(), name);
        if self.revealed.insert(username.to_string()) {
            self.out.people.push(person);
        }
    }

    fn post(&mut self, line_raw: &RawValue, raw: Option<&'a RawValue>, direct: bool) {
        let (line, end) = self.lines(line_raw);
        let Some(raw) = raw else {
            let problem = Problem::at(line, "expected the post object under \"post\" — skipped");
            self.bad_posts.push(problem, &mut self.out.problems);
            return;
        };
        let post: Post<'a> = match serde_json::from_str(raw.get()) {
            Ok(p) => p,
            Err(e) => {
                let problem = Problem::at(line, format!("expected a post object ({}) — skipped", json_error_text(&e)));
                self.bad_posts.push(problem, &mut self.out.problems);
                return;
            }
        };
        let channel = if direct {
            Some("direct".to_string())
        } else {
            match (post.team.get(), post.channel.get()) {
                (Some(t), Some(c)) => Some(format!("{t}/{c}")),
                (None, Some(c)) => Some(c.to_string()),
                _ => None,
            }
        };
        let Some(parent) = self.message(&post, (line, end), channel.as_deref(), None) else { return };
        let replies: Vec<&'a RawValue> = parse_obj(post.replies);
        for reply in replies {
            let r: Post<'a> = parse_obj(Some(reply));
            let span = self.lines(reply);
            self.message(&r, span, channel.as_deref(), Some(&parent));
        }
    }

    /// One post or reply as a record; its `create_at` for the replies' `thread`.
    fn message(
        &mut self,
        post: &Post<'a>,
        (line, end): (u32, u32),
        channel: Option<&str>,
        thread: Option<&str>,
    ) -> Option<String> {
        let Some(created) = post.create_at.get() else {
            let problem = Problem::at(line, "post has no \"create_at\" — skipped");
            self.bad_posts.push(problem, &mut self.out.problems);
            return None;
        };
        let Some(utc) = parse_epoch(created) else {
            let message = format!("post \"create_at\" {created:?} is not epoch milliseconds — skipped");
            self.bad_posts.push(Problem::at(line, message), &mut self.out.problems);
            return None;
        };
        let props: Props<'a> = parse_obj(post.props);
        let attachments: Vec<Attachment> = parse_obj(props.attachments.or(post.attachments));
        let text = post
            .message
            .get()
            .or_else(|| {
                attachments.iter().find_map(|a| a.text.get().or(a.fallback.get()).or(a.title.get()).or(a.pretext.get()))
            })
            .or_else(|| attachments.iter().find_map(|a| a.path.get()))
            .or(post.kind.get())
            .unwrap_or(created);
        let system = post.kind.get().is_some_and(|k| k.starts_with("system_"));
        let kind = if system { Kind::System } else { Kind::Message };
        let span = Span::lines(self.source, line, end);
        let mut rec = Record::new(span, When::exact(utc).with_original(created), kind, text);
        let webhook = props.from_webhook.get() == Some("true");
        if let Some(user) = post.user.get() {
            let actor = if webhook {
                Actor::bot(props.override_username.get().unwrap_or(user))
            } else {
                let name = self.names.get(user).cloned().unwrap_or_else(|| user.to_string());
                Actor::person(name)
            };
            rec.actor = Some(actor.with_id(user));
            if !webhook && self.revealed.insert(user.to_string()) {
                self.out.people.push(Person {
                    name: user.to_string(),
                    ids: vec![user.to_string()],
                    ..Person::default()
                });
            }
            rec.set_attr("user_id", user);
        }
        if let Some(c) = channel {
            rec.set_attr("channel", c);
        }
        if let Some(t) = thread {
            rec.set_attr("thread", t);
        }
        if let Some(k) = post.kind.get() {
            rec.set_attr("log_type", k);
        }
        self.out.records.push(rec);
        Some(created.to_string())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::journald::testkit::{assert_quotable, at, claimed_in_shared, detected, parse, sniff};
    use super::*;

    const EXPORT: &str = include_str!("../../tests/fixtures/mattermost-export/export.jsonl");

    #[test]
    fn sniff_recognises_the_export() {
        assert_eq!(sniff(&Mattermost, "export.jsonl", EXPORT), 95);
        assert_eq!(detected("export.jsonl", EXPORT), Some("mattermost-export"));
        let no_version = EXPORT.lines().skip(1).collect::<Vec<_>>().join("\n");
        assert_eq!(sniff(&Mattermost, "x.jsonl", &no_version), 85);
        assert_eq!(sniff(&Mattermost, "x.jsonl", r#"{"type": "post", "ts": 1}"#), 0);
        assert_eq!(sniff(&Mattermost, "x.json", r#"[{"type": "message", "ts": "1"}]"#), 0);
    }

    #[test]
    fn posts_and_replies_become_messages() {
        let p = parse(&Mattermost, "mattermost/export.jsonl", EXPORT);
        assert_quotable(EXPORT, &p.records);
        let rows: Vec<(u32, Kind, &str)> =
            p.records.iter().map(|r| (r.span.line, r.kind, r.actor.as_ref().map_or("", |a| a.name.as_str()))).collect();
        assert_eq!(
            rows,
            [
                (8, Kind::System, "Dana Whitfield"),
                (9, Kind::Message, "Dana Whitfield"),
                (9, Kind::Message, "Marcus Oyelaran"),
                (9, Kind::Message, "Dana Whitfield"),
                (10, Kind::Message, "Alertmanager"),
                (11, Kind::Message, "Marcus Oyelaran"),
                (13, Kind::Message, "priya"),
            ]
        );
        let first = &p.records[1];
        assert_eq!(first.text, "checkout 5xx at 9% — anyone deploying? cc @marcus");
        assert_eq!(at(first), "2024-10-08T14:52:10.118Z");
        assert_eq!(first.when.original.as_deref(), Some("1728399130118"));
        assert_eq!(first.attr("channel"), Some("larkspur/inc-2047-checkout"));
        assert_eq!(first.attr("user_id"), Some("dana"));
        assert_eq!(first.actor.as_ref().and_then(|a| a.id.as_deref()), Some("dana"));

        let reply = &p.records[2];
        assert_eq!(reply.text, "yes, checkout-api v2.31.0 went out at 14:36 UTC");
        assert_eq!(reply.attr("thread"), Some("1728399130118"));
        assert_eq!(at(reply), "2024-10-08T14:52:41.902Z");

        let bot = &p.records[4];
        assert!(bot.actor.as_ref().is_some_and(|a| a.bot));
        assert_eq!(bot.text, "[FIRING:1] CheckoutErrorRate checkout-api (us-east-1 critical)");

        let dm = &p.records[5];
        assert_eq!(dm.attr("channel"), Some("direct"));
        assert_eq!(dm.text, "can you take comms? I'm heads down on the db");

        assert_eq!(p.records[6].attr("user_id"), Some("priya"), "an author with no user line");
        assert_eq!(p.problems.len(), 2, "{:?}", p.problems);
        assert_eq!(p.problems[0].line, Some(12));
        assert_eq!(p.problems[1].line, Some(14));

        let dana = p.people.iter().find(|x| x.name == "Dana Whitfield").expect("dana");
        assert_eq!(dana.aliases, ["dana", "Dana", "Whitfield"]);
        assert_eq!(dana.emails, ["dana.whitfield@larkspur.example"]);
        assert_eq!(dana.title.as_deref(), Some("SRE"));
        assert!(p.people.iter().any(|x| x.name == "priya"));
        assert_eq!(p.people.len(), 4);
    }

    #[test]
    fn junk_never_panics() {
        for text in
            ["", "{", "[]", "{\"type\": \"post\"}", "{\"type\": \"post\", \"post\": {\"replies\": 3}}", "\u{feff}{"]
        {
            let p = parse(&Mattermost, "x.jsonl", text);
            assert!(p.records.is_empty(), "{text:?}");
        }
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn claims_nothing_in_the_shared_samples() {
        let Some(claimed) = claimed_in_shared(&Mattermost) else {
            eprintln!("../shared not found; skipping");
            return;
        };
        assert!(claimed.is_empty(), "{claimed:?}");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC*") {
            let _ = sniff(&Mattermost, "x.jsonl", &s);
            let p = parse(&Mattermost, "x.jsonl", &s);
            assert_quotable(&s, &p.records);
        }

        #[test]
        fn arbitrary_posts_never_panic(user in "\\PC{0,8}", msg in "\\PC{0,20}", at in "[0-9]{0,15}") {
            let post = serde_json::json!({"type": "post", "post": {"channel": "c", "user": user, "message": msg, "create_at": at, "replies": [{"user": user, "message": msg, "create_at": at}]}});
            let text = format!("{post}\n");
            let p = parse(&Mattermost, "x.jsonl", &text);
            prop_assert!(p.records.len() <= 2);
            assert_quotable(&text, &p.records);
        }
    }
}
