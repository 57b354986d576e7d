//! Feature-flag audit logs.
//!
//! [`FeatureFlags`] (`feature-flag-audit`) reads JSON lines or JSON arrays of flag changes:
//! - LaunchDarkly audit log entries (`GET /api/v2/auditlog` → `{"items": [...]}`): `date`
//!   (epoch ms), `kind`, `name`, `title`, `titleVerb`, `description`, `member`, `target`
//!   and `accesses` (whose resources name the flag key and environment,
//!   `proj/default:env/production:flag/home.reco_widget`);
//! - Unleash events (`GET /api/admin/events` → `{"events": [...]}`): `type`
//!   (`feature-environment-enabled`, `feature-strategy-update`…), `createdAt`, `createdBy`,
//!   `featureName`, `environment`, `data`, `preData`;
//! - generic lines naming a flag (`flag`, `flag_key`, `feature`, `key`…), its old and new
//!   values (`old`/`new`, `from`/`to`, `previous`/`value`, `before`/`after`, or `enabled`),
//!   who changed it (`actor`, `user`, `by`…), when (`time`, `timestamp`, `ts`, `date`…), and
//!   where (`env`, `environment`).
//!
//! One [`Kind::Change`] record per change, with attributes `flag`, `old`, `new` and
//! `environment`, quoting the flag's name (LaunchDarkly: the entry's title) and summarised
//! as `Flag home.reco_widget: 0% → 100% (production)`. A naive time is read in the
//! incident's zone, else as UTC with a problem saying so.

use std::collections::HashSet;
use std::sync::LazyLock;

use debrief_model::{Actor, Kind, Precision, Problem, Record, SourceFile, Span, When, ZoneBasis};
use regex::Regex;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::journald::{Counted, elements, json_values};
use super::slack::{head, json_start};
use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::jsonspan::span_of;
use crate::lines::LineIndex;
use crate::time::{localize, parse_epoch, parse_instant, parse_naive};

/// How much of a file `sniff` looks at.
const SNIFF_BYTES: usize = 8 * 1024;

const FLAG_KEYS: &[&str] = &[
    "flag", "flag_key", "flagKey", "flag_name", "flagName", "feature_flag", "featureFlag", "toggle", "feature",
    "featureName",
];
const OLD_KEYS: &[&str] =
    &["old", "old_value", "oldValue", "from", "previous", "previous_value", "previousValue", "before", "prev"];
const NEW_KEYS: &[&str] = &["new", "new_value", "newValue", "to", "value", "after", "current", "current_value"];
const ACTOR_KEYS: &[&str] =
    &["actor", "user", "by", "member", "changed_by", "changedBy", "author", "createdBy", "created_by", "email", "who"];
const TIME_KEYS: &[&str] =
    &["time", "timestamp", "ts", "date", "created_at", "createdAt", "@timestamp", "updated_at", "when", "at"];
const ENV_KEYS: &[&str] = &["env", "environment", "environmentKey", "env_key", "stage"];
const ACTION_KEYS: &[&str] = &["action", "event", "type", "kind", "operation"];
const ATTRIBUTE_KEYS: &[&str] = &["attribute", "field", "property", "setting"];
const COMMENT_KEYS: &[&str] = &["comment", "reason", "message", "note", "description"];

pub struct FeatureFlags;

impl Adapter for FeatureFlags {
    fn format(&self) -> &'static str {
        "feature-flag-audit"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = head(&file.text, SNIFF_BYTES);
        let body = json_start(head);
        if !matches!(body.as_bytes().first(), Some(b'{' | b'[')) {
            return 0;
        }
        let has = |k: &str| head.contains(k);
        if has("\"titleVerb\"") || (has("\"accesses\"") && LD_FLAG_KIND.is_match(head)) {
            return 90;
        }
        if has("\"featureName\"") && UNLEASH_TYPE.is_match(head) {
            return 90;
        }
        // JSON lines: most sampled lines are flag changes.
        let lines: Vec<&str> = body.lines().map(str::trim).filter(|l| !l.is_empty()).take(20).collect();
        let parsed: Vec<Map<String, Value>> = lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
        if !parsed.is_empty() && parsed.len() * 10 >= lines.len().saturating_sub(1) * 8 {
            let changes = parsed.iter().filter(|o| Generic::looks_like_change(o)).count();
            return if changes * 10 >= parsed.len() * 6 { 80 } else { 0 };
        }
        // One document: its first object that is a change says it.
        if body.starts_with('[') || has("\"items\"") || has("\"events\"") || has("\"changes\"") {
            let flag = FLAG_KEY.is_match(head);
            let values = OLD_NEW.is_match(head) || ENABLED.is_match(head);
            if flag && values && TIME_KEY.is_match(head) {
                return 75;
            }
        }
        0
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        Reader::new(&file.text, cx).read()
    }
}

static LD_FLAG_KIND: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""kind"\s*:\s*"flag""#).expect("valid regex"));
static UNLEASH_TYPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""type"\s*:\s*"feature-[a-z-]+""#).expect("valid regex"));
static FLAG_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""(flag|flag_key|flagKey|flag_name|flagName|feature_flag|featureFlag|toggle)"\s*:\s*""#)
        .expect("valid regex")
});
static OLD_NEW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""(old|old_value|oldValue|from|previous|before)"\s*:[\s\S]{0,200}"(new|new_value|newValue|to|value|after)"\s*:"#)
        .expect("valid regex")
});
static ENABLED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""enabled"\s*:\s*(true|false)"#).expect("valid regex"));
static TIME_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""(time|timestamp|ts|date|created_at|createdAt|@timestamp)"\s*:\s*("?\d)"#).expect("valid regex")
});
/// `flag/home.reco_widget` and `env/production` in a LaunchDarkly resource specifier.
static LD_FLAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?:^|:)flag/([^:;/\s]+)").expect("valid regex"));
static LD_ENV: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?:^|:)env/([^:;/\s]+)").expect("valid regex"));

/// One change, whatever the vendor.
#[derive(Default)]
struct Change {
    flag: Option<String>,
    text: Option<String>,
    old: Option<String>,
    new: Option<String>,
    environment: Option<String>,
    action: Option<String>,
    attribute: Option<String>,
    comment: Option<String>,
    actor_name: Option<String>,
    actor_email: Option<String>,
    via: Option<String>,
    id: Option<String>,
}

/// A JSON value as the text of an attribute: strings as written, numbers and booleans as
/// JSON writes them, nothing for null; objects and arrays compact.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => {
            let s = other.to_string();
            Some(if s.len() > 120 { format!("{}…", &s[..s.floor_char_boundary(119)]) } else { s })
        }
    }
}

fn first_of<'v>(o: &'v Map<String, Value>, keys: &[&str]) -> Option<&'v Value> {
    keys.iter().find_map(|k| o.get(*k).filter(|v| !v.is_null()))
}

fn first_str<'v>(o: &'v Map<String, Value>, keys: &[&str]) -> Option<&'v str> {
    keys.iter().find_map(|k| o.get(*k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()))
}

/// Generic lines: `{"flag", "old", "new", "actor", "time", "env"}` and their synonyms.
struct Generic;

impl Generic {
    fn looks_like_change(o: &Map<String, Value>) -> bool {
        let flag = first_str(o, FLAG_KEYS).is_some() || first_str(o, &["key"]).is_some();
        let values = (OLD_KEYS.iter().any(|k| o.contains_key(*k)) && NEW_KEYS.iter().any(|k| o.contains_key(*k)))
            || o.get("enabled").is_some_and(Value::is_boolean);
        let time = TIME_KEYS.iter().any(|k| o.contains_key(*k));
        flag && values && time
    }

    fn change(o: &Map<String, Value>) -> Option<Change> {
        let flag = first_str(o, FLAG_KEYS).or_else(|| first_str(o, &["key", "name"]))?;
        let (old, new) = match (first_of(o, OLD_KEYS), first_of(o, NEW_KEYS)) {
            (None, None) => match o.get("enabled").and_then(Value::as_bool) {
                Some(e) => (None, Some(e.to_string())),
                None => (None, None),
            },
            (old, new) => (old.and_then(scalar), new.and_then(scalar)),
        };
        let (actor_name, actor_email) = match first_of(o, ACTOR_KEYS) {
            Some(Value::String(s)) => (Some(s.clone()), s.contains('@').then(|| s.clone())),
            Some(Value::Object(m)) => person_of(m),
            _ => (None, None),
        };
        Some(Change {
            flag: Some(flag.to_string()),
            text: Some(flag.to_string()),
            old,
            new,
            environment: first_str(o, ENV_KEYS).map(str::to_string),
            action: first_str(o, ACTION_KEYS).map(str::to_string),
            attribute: first_str(o, ATTRIBUTE_KEYS).map(str::to_string),
            comment: first_str(o, COMMENT_KEYS).map(str::to_string),
            actor_name,
            actor_email,
            via: first_str(o, &["via", "source", "channel"]).map(str::to_string),
            id: first_str(o, &["change_id", "changeId", "id", "_id"]).map(str::to_string),
        })
    }
}

/// `{"email", "firstName", "lastName"}` or `{"name", "email"}`: a name and an email.
fn person_of(m: &Map<String, Value>) -> (Option<String>, Option<String>) {
    let email = first_str(m, &["email", "mail"]).map(str::to_string);
    let full = match (first_str(m, &["firstName", "first_name"]), first_str(m, &["lastName", "last_name"])) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(n), None) | (None, Some(n)) => Some(n.to_string()),
        (None, None) => first_str(m, &["name", "displayName", "username"]).map(str::to_string),
    };
    (full.or_else(|| email.clone()), email)
}

/// A LaunchDarkly audit log entry.
fn launchdarkly(o: &Map<String, Value>) -> Option<Change> {
    if !(o.contains_key("titleVerb") || o.contains_key("accesses")) {
        return None;
    }
    let resources: Vec<&str> = o
        .get("accesses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("resource").and_then(Value::as_str))
        .chain(
            o.get("target")
                .and_then(|t| t.get("resources"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str),
        )
        .collect();
    let flag = resources.iter().find_map(|r| LD_FLAG.captures(r).map(|c| c[1].to_string()));
    let env = resources.iter().find_map(|r| LD_ENV.captures(r).map(|c| c[1].to_string()));
    let verb = first_str(o, &["titleVerb"]).unwrap_or("");
    let (old, new) = if verb.contains("turned on") {
        (Some("false".to_string()), Some("true".to_string()))
    } else if verb.contains("turned off") {
        (Some("true".to_string()), Some("false".to_string()))
    } else {
        (None, None)
    };
    let (actor_name, actor_email) = o.get("member").and_then(Value::as_object).map_or((None, None), person_of);
    let name = first_str(o, &["name"]);
    let text =
        first_str(o, &["title", "description", "shortDescription"]).or(name).or(flag.as_deref()).map(str::to_string);
    let action = o
        .get("accesses")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|a| a.get("action"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| (!verb.is_empty()).then(|| verb.to_string()));
    Some(Change {
        flag: flag.or(name.map(str::to_string)),
        text,
        old,
        new,
        environment: env,
        action,
        attribute: None,
        comment: first_str(o, &["comment"]).map(str::to_string),
        actor_name,
        actor_email,
        via: o.get("token").and_then(|t| t.get("name")).and_then(Value::as_str).map(|t| format!("token {t}")),
        id: first_str(o, &["_id"]).map(str::to_string),
    })
}

/// An Unleash event.
fn unleash(o: &Map<String, Value>) -> Option<Change> {
    let kind = first_str(o, &["type"]).filter(|t| t.starts_with("feature"))?;
    let flag = first_str(o, &["featureName"]).map(str::to_string);
    let data = o.get("data");
    let pre = o.get("preData");
    let rollout = |v: Option<&Value>| {
        v.and_then(|d| d.get("parameters")).and_then(|p| p.get("rollout").or(p.get("percentage"))).and_then(scalar)
    };
    let enabled = |v: Option<&Value>| v.and_then(|d| d.get("enabled")).and_then(Value::as_bool).map(|b| b.to_string());
    let (old, new, attribute) = match kind {
        "feature-environment-enabled" => (Some("false".into()), Some("true".into()), Some("enabled")),
        "feature-environment-disabled" => (Some("true".into()), Some("false".into()), Some("enabled")),
        _ if rollout(data).is_some() || rollout(pre).is_some() => (rollout(pre), rollout(data), Some("rollout")),
        _ if enabled(data).is_some() => (enabled(pre), enabled(data), Some("enabled")),
        _ => (None, None, None),
    };
    let env = first_str(o, &["environment"])
        .or_else(|| data.and_then(|d| d.get("environment")).and_then(Value::as_str))
        .map(str::to_string);
    let (actor_name, actor_email) = match o.get("createdBy") {
        Some(Value::String(s)) => (Some(s.clone()), s.contains('@').then(|| s.clone())),
        Some(Value::Object(m)) => person_of(m),
        _ => (None, None),
    };
    Some(Change {
        text: flag.clone(),
        flag,
        old,
        new,
        environment: env,
        action: Some(kind.to_string()),
        attribute: attribute.map(str::to_string),
        comment: None,
        actor_name,
        actor_email,
        via: None,
        id: o.get("id").and_then(scalar),
    })
}

/// How the summary writes a value: `0%` for a rollout percentage, `on`/`off` for booleans.
fn shown(value: &str, percent: bool) -> String {
    match value {
        "true" => "on".to_string(),
        "false" => "off".to_string(),
        v if percent && v.parse::<f64>().is_ok() => format!("{v}%"),
        v => v.to_string(),
    }
}

struct Reader<'a, 'c> {
    text: &'a str,
    cx: &'c Context<'c>,
    index: LineIndex,
    out: Parsed,
    seen: HashSet<String>,
    assumed: bool,
    bad: Counted,
}

impl<'a, 'c> Reader<'a, 'c> {
    fn new(text: &'a str, cx: &'c Context<'c>) -> Self {
        Self {
            text,
            cx,
            index: LineIndex::new(text),
            out: Parsed::default(),
            seen: HashSet::new(),
            assumed: false,
            bad: Counted::new("more entries were skipped"),
        }
    }

    fn read(mut self) -> Parsed {
        let values = json_values(self.text, &self.index, "flag changes", &["items", "events", "changes", "data"]);
        let mut problems = values.problems;
        let mut entries = Vec::new();
        for raw in elements(&values.values, &mut problems, self.text, &self.index) {
            entries.extend(Self::unwrap(raw));
        }
        self.out.problems = problems;
        for raw in entries {
            self.entry(raw);
        }
        let bad = std::mem::replace(&mut self.bad, Counted::new(""));
        bad.finish(&mut self.out.problems);
        self.out.problems.sort_by_key(|p| p.line.unwrap_or(u32::MAX));
        self.out
    }

    /// The entries of a response object (`items`, `events`…), or the object itself.
    fn unwrap(raw: &'a RawValue) -> Vec<&'a RawValue> {
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        struct Container<'a> {
            #[serde(borrow)]
            items: Option<&'a RawValue>,
            #[serde(borrow)]
            events: Option<&'a RawValue>,
            #[serde(borrow)]
            changes: Option<&'a RawValue>,
        }
        if raw.get().starts_with('{')
            && let Ok(c) = serde_json::from_str::<Container<'a>>(raw.get())
            && let Some(list) = c.items.or(c.events).or(c.changes)
            && let Ok(items) = serde_json::from_str::<Vec<&'a RawValue>>(list.get())
        {
            return items;
        }
        vec![raw]
    }

    fn lines(&self, raw: &RawValue) -> (u32, u32) {
        span_of(self.text, &self.index, raw).unwrap_or((1, 1))
    }

    fn entry(&mut self, raw: &'a RawValue) {
        let (line, end) = self.lines(raw);
        let Ok(o) = serde_json::from_str::<Map<String, Value>>(raw.get()) else {
            self.bad.push(Problem::at(line, "expected a flag change object — skipped"), &mut self.out.problems);
            return;
        };
        let Some(change) = launchdarkly(&o).or_else(|| unleash(&o)).or_else(|| Generic::change(&o)) else {
            let problem =
                Problem::at(line, "expected a flag change naming its flag (\"flag\", \"feature\", \"key\"…) — skipped");
            self.bad.push(problem, &mut self.out.problems);
            return;
        };
        let Some(when) = self.when(&o, line) else { return };
        let Some(text) = change.text.clone().or(change.flag.clone()) else { return };
        let flag = change.flag.clone().unwrap_or_else(|| text.clone());
        let flag = flag.as_str();
        let percent = change.attribute.as_deref().is_some_and(|a| {
            ["pct", "percent", "rollout", "percentage"].iter().any(|w| a.to_ascii_lowercase().contains(w))
        });
        let what = match (&change.old, &change.new) {
            (Some(o), Some(n)) => format!("{} → {}", shown(o, percent), shown(n, percent)),
            (None, Some(n)) => format!("set to {}", shown(n, percent)),
            (Some(o), None) => format!("{} → (unset)", shown(o, percent)),
            (None, None) => change.action.clone().unwrap_or_else(|| "changed".to_string()),
        };
        let summary = match &change.environment {
            Some(env) => format!("Flag {flag}: {what} ({env})"),
            None => format!("Flag {flag}: {what}"),
        };
        let mut rec =
            Record::new(Span::lines(self.cx.source, line, end), when, Kind::Change, text).with_summary(summary);
        rec.set_attr("flag", flag);
        if let Some(v) = &change.old {
            rec.set_attr("old", v.as_str());
        }
        if let Some(v) = &change.new {
            rec.set_attr("new", v.as_str());
        }
        if let Some(v) = &change.environment {
            rec.set_attr("environment", v.as_str());
        }
        if let Some(v) = &change.action {
            rec.set_attr("log_type", v.as_str());
        }
        if let Some(v) = &change.attribute {
            rec.set_attr("attribute", v.as_str());
        }
        if let Some(v) = &change.comment {
            rec.set_attr("comment", v.as_str());
        }
        if let Some(v) = &change.via {
            rec.set_attr("via", v.as_str());
        }
        if let Some(v) = &change.id {
            rec.set_attr("change_id", v.as_str());
        }
        if let Some(name) = &change.actor_name {
            rec.actor = Some(Actor::person(name.as_str()));
            if self.seen.insert(name.clone()) {
                let mut person = Person { name: name.clone(), ..Person::default() };
                if let Some(email) = &change.actor_email {
                    person.emails.push(email.clone());
                    if let Some((local, _)) = email.split_once('@')
                        && local != name
                    {
                        person.aliases.push(local.to_string());
                    }
                }
                self.out.people.push(person);
            }
        }
        self.out.records.push(rec);
    }

    /// The entry's time: an instant, an epoch number, or a naive time read in the incident's
    /// zone (else UTC, assumed, with one problem).
    fn when(&mut self, o: &Map<String, Value>, line: u32) -> Option<When> {
        let Some(value) = first_of(o, TIME_KEYS) else {
            self.bad.push(
                Problem::at(line, "entry has no time (time, timestamp, date…) — skipped"),
                &mut self.out.problems,
            );
            return None;
        };
        let raw = match value {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        if let Some(t) = parse_instant(&raw).or_else(|| parse_epoch(&raw)) {
            return Some(When::exact(t).with_original(raw));
        }
        let Some(naive) = parse_naive(&raw) else {
            let problem = Problem::at(line, format!("{raw:?} is not a time debrief can read — entry skipped"));
            self.bad.push(problem, &mut self.out.problems);
            return None;
        };
        let (zone, tz, basis) = crate::time::zone_or_utc(self.cx.zone);
        let local = localize(naive, &tz)?;
        if let Some(p) = local.problem(&zone) {
            self.out.problems.push(Problem::at(line, p));
        }
        let precision = if matches!(basis, ZoneBasis::Assumed(_)) {
            if !self.assumed {
                self.assumed = true;
                self.out.problems.push(Problem::at(
                    line,
                    "times in this log carry no zone and incident.toml sets none: read as UTC (assumed); set `timezone` in incident.toml",
                ));
            }
            Precision::Inferred
        } else {
            Precision::Exact
        };
        Some(When::exact(local.timestamp()).with_original(raw).with_precision(precision).with_basis(basis))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::journald::testkit::{
        assert_quotable, at, claimed_in_shared, detected, parse, parse_with, sniff, spans,
    };
    use super::*;

    const GENERIC: &str = include_str!("../../tests/fixtures/feature-flag-audit/flagctl-audit.jsonl");
    const LD: &str = include_str!("../../tests/fixtures/feature-flag-audit/launchdarkly-auditlog.json");
    const UNLEASH: &str = include_str!("../../tests/fixtures/feature-flag-audit/unleash-events.json");
    const NAIVE: &str = include_str!("../../tests/fixtures/feature-flag-audit/naive.jsonl");
    const ARRAY: &str = include_str!("../../tests/fixtures/feature-flag-audit/changes.json");

    #[test]
    fn sniff_recognises_each_shape_over_the_log_reader() {
        assert_eq!(sniff(&FeatureFlags, "audit.jsonl", GENERIC), 80);
        assert_eq!(sniff(&FeatureFlags, "ld.json", LD), 90);
        assert_eq!(sniff(&FeatureFlags, "unleash.json", UNLEASH), 90);
        assert_eq!(sniff(&FeatureFlags, "naive.jsonl", NAIVE), 80);
        assert_eq!(sniff(&FeatureFlags, "changes.json", ARRAY), 75);
        for (name, text) in
            [("a.jsonl", GENERIC), ("b.json", LD), ("c.json", UNLEASH), ("d.jsonl", NAIVE), ("e.json", ARRAY)]
        {
            assert_eq!(detected(name, text), Some("feature-flag-audit"), "{name}");
        }
        let log = r#"{"time": "2024-10-08T14:00:00Z", "level": "info", "msg": "flag cache refreshed", "flag": "x"}"#;
        assert_eq!(sniff(&FeatureFlags, "app.jsonl", log), 0);
    }

    #[test]
    fn generic_lines_with_old_and_new() {
        let p = parse(&FeatureFlags, "flags/flagctl-audit.jsonl", GENERIC);
        assert_quotable(GENERIC, &p.records);
        assert_eq!(p.records.len(), 5);
        assert!(p.records.iter().all(|r| r.kind == Kind::Change));
        let ramp = &p.records[1];
        assert_eq!(ramp.text, "checkout.async_capture");
        assert_eq!(ramp.summary.as_deref(), Some("Flag checkout.async_capture: 10% → 50% (eu-west-1)"));
        assert_eq!((ramp.attr("old"), ramp.attr("new")), (Some("10"), Some("50")));
        assert_eq!(ramp.attr("environment"), Some("eu-west-1"));
        assert_eq!(at(ramp), "2024-10-08T13:58:02.411Z");
        let who = ramp.actor.as_ref().expect("actor");
        assert_eq!((who.name.as_str(), who.bot), ("ilya.petrov@larkspur.example", false));
        let kill = &p.records[2];
        assert_eq!(kill.summary.as_deref(), Some("Flag checkout.async_capture: on → off (eu-west-1)"));
        assert_eq!(kill.attr("comment"), Some("INC-2047 kill switch"));
        let pending = &p.records[3];
        assert_eq!(
            pending.summary.as_deref(),
            Some("Flag checkout.async_capture: set to on (us-east-1)"),
            "enabled only"
        );
        let epoch = &p.records[4];
        assert_eq!(at(epoch), "2024-10-08T15:40:00Z");
        assert_eq!(epoch.text, "checkout.paynetic_timeout_ms");
        assert_eq!(epoch.summary.as_deref(), Some("Flag checkout.paynetic_timeout_ms: 15000 → 3000 (production)"));
        assert_eq!(spans(&p).iter().map(|s| s.0).collect::<Vec<_>>(), [1, 2, 3, 4, 6]);
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert_eq!(p.problems[0].line, Some(5));
        let ilya = p.people.iter().find(|x| x.name == "ilya.petrov@larkspur.example").expect("ilya");
        assert_eq!(ilya.aliases, ["ilya.petrov"]);
    }

    #[test]
    fn launchdarkly_audit_log() {
        let p = parse(&FeatureFlags, "flags/launchdarkly-auditlog.json", LD);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(LD, &p.records);
        assert_eq!(p.records.len(), 2);
        let on = &p.records[0];
        assert_eq!(
            on.text,
            "Rafael Montoya turned on the flag [Home reco widget](https://app.launchdarkly.com/default/production/features/home.reco_widget) in `Production`"
        );
        assert_eq!(on.attr("flag"), Some("home.reco_widget"));
        assert_eq!(on.attr("environment"), Some("production"));
        assert_eq!((on.attr("old"), on.attr("new")), (Some("false"), Some("true")));
        assert_eq!(on.summary.as_deref(), Some("Flag home.reco_widget: off → on (production)"));
        assert_eq!(at(on), "2025-03-12T10:14:00.004Z");
        assert_eq!(on.actor.as_ref().map(|a| a.name.as_str()), Some("Rafael Montoya"));
        assert_eq!(on.attr("log_type"), Some("updateOn"));
        let rule = &p.records[1];
        assert_eq!(rule.summary.as_deref(), Some("Flag home.reco_widget: updateFallthrough (production)"));
        let rafael = &p.people[0];
        assert_eq!(
            (rafael.name.as_str(), rafael.emails.as_slice()),
            ("Rafael Montoya", &["rafael.montoya@fernhill-market.example".to_string()][..])
        );
    }

    #[test]
    fn unleash_events() {
        let p = parse(&FeatureFlags, "flags/unleash-events.json", UNLEASH);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(UNLEASH, &p.records);
        let summaries: Vec<&str> = p.records.iter().filter_map(|r| r.summary.as_deref()).collect();
        assert_eq!(
            summaries,
            [
                "Flag search.typo_tolerance_v2: 25% → 50% (production)",
                "Flag search.typo_tolerance_v2: off → on (production)",
                "Flag search.typo_tolerance_v2: on → off (production)",
                "Flag search.typo_tolerance_v2: feature-tagged"
            ]
        );
        assert_eq!(p.records[2].text, "search.typo_tolerance_v2");
        assert_eq!(at(&p.records[2]), "2025-03-12T10:41:05.377Z");
    }

    #[test]
    fn naive_times_use_the_incident_zone_or_say_they_assumed_utc() {
        let p = parse(&FeatureFlags, "flags/naive.jsonl", NAIVE);
        assert_eq!(p.records.len(), 2);
        assert_eq!(at(&p.records[0]), "2024-10-08T14:36:00Z");
        assert_eq!(p.records[0].when.basis, ZoneBasis::Assumed("UTC".into()));
        assert_eq!(p.records[0].when.precision, Precision::Inferred);
        assert_eq!(p.problems.len(), 1);
        assert!(p.problems[0].message.contains("assumed"));
        let p = parse_with(&FeatureFlags, "flags/naive.jsonl", NAIVE, Some("America/Chicago"), None);
        assert_eq!(at(&p.records[0]), "2024-10-08T19:36:00Z");
        assert_eq!(p.records[0].when.basis, ZoneBasis::IncidentToml("America/Chicago".into()));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
    }

    #[test]
    fn a_json_array_of_changes() {
        let p = parse(&FeatureFlags, "flags/changes.json", ARRAY);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(ARRAY, &p.records);
        assert_eq!(spans(&p), [(2, 11), (12, 21)]);
        assert_eq!(p.records[0].attr("flag"), Some("web.scale_in_enabled"));
        assert_eq!(p.records[0].actor.as_ref().map(|a| a.name.as_str()), Some("Tomasz Nowak"));
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn the_example_bundles_flag_log() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/search-outage/flags/audit.jsonl");
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("examples/search-outage not found; skipping");
            return;
        };
        assert_eq!(detected("flags/audit.jsonl", &text), Some("feature-flag-audit"));
        let p = parse(&FeatureFlags, "flags/audit.jsonl", &text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(&text, &p.records);
        assert_eq!(p.records.len(), 8);
        let ramp = &p.records[5];
        assert_eq!(ramp.summary.as_deref(), Some("Flag home.reco_widget: 0% → 100% (production)"));
        assert_eq!(at(ramp), "2025-03-12T10:14:00.004Z");
        assert_eq!(ramp.attr("via"), Some("scheduled_change"));
        let kill = &p.records[6];
        assert_eq!(kill.summary.as_deref(), Some("Flag home.reco_widget: on → off (production)"));
        assert_eq!(p.records[7].summary.as_deref(), Some("Flag home.reco_widget: schedule.deleted (production)"));
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn claims_nothing_in_the_shared_samples() {
        let Some(claimed) = claimed_in_shared(&FeatureFlags) else {
            eprintln!("../shared not found; skipping");
            return;
        };
        assert!(claimed.is_empty(), "{claimed:?}");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC*") {
            let _ = sniff(&FeatureFlags, "x.jsonl", &s);
            let p = parse(&FeatureFlags, "x.jsonl", &s);
            assert_quotable(&s, &p.records);
        }

        #[test]
        fn arbitrary_changes_never_panic(flag in "\\PC{0,12}", time in "\\PC{0,25}", old in any::<Option<i64>>(), new in "\\PC{0,6}") {
            let doc = serde_json::json!({"flag": flag, "time": time, "old": old, "new": new, "actor": flag, "env": new});
            let text = format!("{doc}\n");
            let p = parse(&FeatureFlags, "x.jsonl", &text);
            prop_assert!(p.records.len() <= 1);
            assert_quotable(&text, &p.records);
        }
    }
}
