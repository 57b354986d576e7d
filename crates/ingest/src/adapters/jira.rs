//! Jira REST issue JSON: one issue (`GET /rest/api/{2,3}/issue/KEY?expand=changelog`), a
//! search result (`{"issues": [...]}`), a changelog page (`{"values": [...]}`) or a
//! comments page (`{"comments": [...]}`).
//!
//! Records: the issue's creation ([`Kind::Message`], its summary as text), each changelog
//! history ([`Kind::Change`] for a status or field change, [`Kind::Escalation`] for a
//! reassignment; the new value as text) and each comment ([`Kind::Message`]). Each cites
//! its JSON object. Comment bodies are plain strings (API v2) or Atlassian Document Format
//! (API v3), whose first text node is the quote and whose whole text is the summary.

use std::collections::HashMap;

use debrief_model::{Actor, Kind, Problem, Record, SourceFile, Span, When};
use jiff::Timestamp;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::jsonspan::{error_line, span_of};
use crate::lines::LineIndex;
use crate::time::parse_instant;

pub struct Jira;

impl Adapter for Jira {
    fn format(&self) -> &'static str {
        "jira-issue"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = prefix(&file.text, 16 * 1024);
        if !head.trim_start().starts_with('{') {
            return 0;
        }
        let has = |k: &str| head.contains(k);
        let rest = has("/rest/api/");
        if has("\"fields\"") && (has("\"summary\"") || has("\"issuetype\"")) {
            return 90;
        }
        if has("\"histories\"") && has("\"fromString\"") {
            return 90;
        }
        if rest && has("\"fields\"") && (has("\"issues\"") || has("\"key\"")) {
            return 85;
        }
        if rest && has("\"values\"") && has("\"items\"") && has("\"toString\"") {
            return 85;
        }
        if rest && has("\"comments\"") && has("\"displayName\"") {
            return 80;
        }
        0
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        let text = file.text.as_str();
        let top: &RawValue = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                return Parsed {
                    problems: vec![Problem::at(error_line(&e), format!("expected Jira issue JSON: {e}")).fatal()],
                    ..Parsed::default()
                };
            }
        };
        let idx = LineIndex::new(text);
        let mut r = Reader { text, idx: &idx, source: cx.source, out: Parsed::default() };
        let Some(o) = obj(top) else {
            return Parsed::fatal("expected a Jira issue (a JSON object with `fields`)");
        };
        if let Some(issues) = o.get("issues").and_then(|v| array(v)) {
            for issue in issues {
                r.issue(issue);
            }
        } else if o.contains_key("fields") || o.contains_key("changelog") {
            r.issue(top);
        } else if let Some(values) = o.get("values").and_then(|v| array(v)) {
            for h in values {
                r.history(h, None);
            }
        } else if let Some(comments) = o.get("comments").and_then(|v| array(v)) {
            for c in comments {
                r.comment(c, None);
            }
        } else {
            return Parsed::fatal(
                "expected a Jira issue (`fields`, `changelog`), a search result (`issues`), a changelog page (`values`) or a comments page (`comments`)",
            );
        }
        r.out
    }
}

fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

type Obj<'a> = HashMap<String, &'a RawValue>;

fn obj(raw: &RawValue) -> Option<Obj<'_>> {
    raw.get().starts_with('{').then(|| serde_json::from_str(raw.get()).ok()).flatten()
}

fn array(raw: &RawValue) -> Option<Vec<&RawValue>> {
    raw.get().starts_with('[').then(|| serde_json::from_str(raw.get()).ok()).flatten()
}

fn child<'a>(o: &Obj<'a>, key: &str) -> Option<Obj<'a>> {
    obj(o.get(key)?)
}

fn string(o: &Obj<'_>, key: &str) -> Option<String> {
    let raw = o.get(key)?;
    let s: String = serde_json::from_str(raw.get()).ok()?;
    (!s.trim().is_empty()).then_some(s)
}

fn time(o: &Obj<'_>, key: &str) -> Option<(Timestamp, String)> {
    let s = string(o, key)?;
    parse_instant(&s).map(|t| (t, s))
}

/// A Jira user object: display name, account id (or server `name`/`key`), email.
fn user(o: &Obj<'_>, key: &str) -> Option<Person> {
    let u = child(o, key)?;
    let name = string(&u, "displayName").or_else(|| string(&u, "name"))?;
    let mut p = Person { name, bot: string(&u, "accountType").is_some_and(|t| t == "app"), ..Person::default() };
    for k in ["accountId", "key"] {
        if let Some(id) = string(&u, k) {
            p.ids.push(id);
        }
    }
    if let Some(n) = string(&u, "name").filter(|n| *n != p.name) {
        p.aliases.push(n);
    }
    if let Some(e) = string(&u, "emailAddress") {
        p.emails.push(e);
    }
    Some(p)
}

fn actor(p: &Person) -> Actor {
    let a = if p.bot { Actor::bot(p.name.clone()) } else { Actor::person(p.name.clone()) };
    match p.ids.first() {
        Some(id) => a.with_id(id.clone()),
        None => a,
    }
}

/// The text nodes of an Atlassian Document Format body, in order.
fn adf_texts(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if m.get("type").and_then(Value::as_str) == Some("text")
                && let Some(t) = m.get("text").and_then(Value::as_str)
            {
                out.push(t.to_string());
            }
            if let Some(c) = m.get("content") {
                adf_texts(c, out);
            }
        }
        Value::Array(items) => {
            for i in items {
                adf_texts(i, out);
            }
        }
        _ => {}
    }
}

struct Reader<'a, 'f> {
    text: &'a str,
    idx: &'f LineIndex,
    source: u32,
    out: Parsed,
}

impl<'a> Reader<'a, '_> {
    fn span(&self, raw: &RawValue) -> Span {
        let (l, e) = span_of(self.text, self.idx, raw).unwrap_or((1, 1));
        Span::lines(self.source, l, e)
    }

    fn person(&mut self, p: &Person) {
        if let Some(q) = self.out.people.iter_mut().find(|q| q.name == p.name) {
            for id in &p.ids {
                if !q.ids.contains(id) {
                    q.ids.push(id.clone());
                }
            }
            for e in &p.emails {
                if !q.emails.contains(e) {
                    q.emails.push(e.clone());
                }
            }
            return;
        }
        self.out.people.push(p.clone());
    }

    fn when(&mut self, o: &Obj<'_>, key: &str, span: Span) -> When {
        if let Some((t, raw)) = time(o, key) {
            return When::exact(t).with_original(raw);
        }
        self.out
            .problems
            .push(Problem::at(span.line, format!("`{key}` is missing or not a time — the record's time is unknown")));
        When::unknown()
    }

    fn issue(&mut self, raw: &'a RawValue) {
        let span = self.span(raw);
        let Some(issue) = obj(raw) else {
            self.out.problems.push(Problem::at(span.line, "expected an issue object — skipped"));
            return;
        };
        let key = string(&issue, "key");
        if let Some(fields_raw) = issue.get("fields").copied()
            && let Some(fields) = obj(fields_raw)
        {
            for k in ["reporter", "creator", "assignee"] {
                if let Some(p) = user(&fields, k) {
                    self.person(&p);
                }
            }
            if let Some(summary) = string(&fields, "summary") {
                let fspan = self.span(fields_raw);
                let when = self.when(&fields, "created", fspan);
                let creator = user(&fields, "creator").or_else(|| user(&fields, "reporter"));
                let what = key.as_deref().unwrap_or("Issue");
                let mut r = Record::new(fspan, when, Kind::Message, summary.clone())
                    .with_summary(format!("{what} created: {summary}"));
                if let Some(p) = &creator {
                    r = r.with_actor(actor(p));
                }
                if let Some(k) = &key {
                    r = r.with_attr("issue", k.clone());
                }
                self.out.records.push(r);
            }
            // `comment` is `{"comments": [...]}` (issue API) or a bare array.
            let comments = fields
                .get("comment")
                .and_then(|c| array(c).or_else(|| obj(c).and_then(|o| o.get("comments").and_then(|v| array(v)))));
            for c in comments.unwrap_or_default() {
                self.comment(c, key.as_deref());
            }
        }
        if let Some(histories) = child(&issue, "changelog")
            .and_then(|c| c.get("histories").or_else(|| c.get("values")).copied())
            .and_then(array)
        {
            for h in histories {
                self.history(h, key.as_deref());
            }
        }
    }

    fn history(&mut self, raw: &'a RawValue, key: Option<&str>) {
        let span = self.span(raw);
        let Some(h) = obj(raw) else {
            self.out.problems.push(Problem::at(span.line, "expected a changelog history object — skipped"));
            return;
        };
        let author = user(&h, "author");
        if let Some(p) = &author {
            self.person(p);
        }
        let items: Vec<Obj<'_>> =
            h.get("items").and_then(|v| array(v)).unwrap_or_default().into_iter().filter_map(obj).collect();
        if items.is_empty() {
            self.out.problems.push(Problem::at(span.line, "changelog history without items — skipped"));
            return;
        }
        let when = self.when(&h, "created", span);
        let field = |i: &Obj<'_>| string(i, "field").unwrap_or_default();
        // The most telling item leads: a status change, else the first.
        let lead = items.iter().find(|i| field(i).eq_ignore_ascii_case("status")).unwrap_or(&items[0]);
        let text = string(lead, "toString").or_else(|| string(lead, "fromString")).unwrap_or_else(|| field(lead));
        let changes: Vec<String> = items
            .iter()
            .map(|i| {
                format!(
                    "{}: {} → {}",
                    field(i),
                    string(i, "fromString").unwrap_or_else(|| "∅".into()),
                    string(i, "toString").unwrap_or_else(|| "∅".into())
                )
            })
            .collect();
        let reassign = items.iter().all(|i| field(i).eq_ignore_ascii_case("assignee"));
        let kind = if reassign { Kind::Escalation } else { Kind::Change };
        let summary = format!("{} {}", key.unwrap_or("Issue"), changes.join("; "));
        let mut r = Record::new(span, when, kind, text).with_summary(summary);
        if let Some(p) = &author {
            r = r.with_actor(actor(p));
        }
        if let Some(k) = key {
            r = r.with_attr("issue", k);
        }
        if let Some(s) =
            items.iter().find(|i| field(i).eq_ignore_ascii_case("status")).and_then(|i| string(i, "toString"))
        {
            r = r.with_attr("status", s);
        }
        self.out.records.push(r);
    }

    fn comment(&mut self, raw: &'a RawValue, key: Option<&str>) {
        let span = self.span(raw);
        let Some(c) = obj(raw) else {
            self.out.problems.push(Problem::at(span.line, "expected a comment object — skipped"));
            return;
        };
        let author = user(&c, "author");
        if let Some(p) = &author {
            self.person(p);
        }
        let body = c.get("body").and_then(|b| serde_json::from_str::<Value>(b.get()).ok());
        let (text, full) = match body {
            Some(Value::String(s)) => (s, None),
            Some(doc @ Value::Object(_)) => {
                let mut nodes = Vec::new();
                adf_texts(&doc, &mut nodes);
                let first = nodes.iter().find(|t| !t.trim().is_empty()).cloned();
                let joined = nodes.concat();
                match first {
                    Some(f) => {
                        let full = (joined.trim() != f.trim()).then_some(joined);
                        (f, full)
                    }
                    None => (String::new(), None),
                }
            }
            _ => (String::new(), None),
        };
        if text.trim().is_empty() {
            self.out
                .problems
                .push(Problem::at(span.line, "comment without text (expected a string or an ADF `body`) — skipped"));
            return;
        }
        let when = self.when(&c, "created", span);
        let mut r = Record::new(span, when, Kind::Message, text);
        if let Some(f) = full {
            r = r.with_summary(f);
        }
        if let Some(p) = &author {
            r = r.with_actor(actor(p));
        }
        if let Some(k) = key {
            r = r.with_attr("issue", k);
        }
        self.out.records.push(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IncidentConfig;
    use crate::lines::numbered;

    fn parse_file(file: &SourceFile) -> Parsed {
        let config = IncidentConfig::default();
        let files = [file.clone()];
        let cx = Context { source: 0, files: &files, config: &config, zone: None, anchor_date: None };
        Jira.parse(file, &cx)
    }

    fn fixture(name: &str) -> SourceFile {
        let path = format!("{}/tests/fixtures/jira/{name}", env!("CARGO_MANIFEST_DIR"));
        SourceFile::new(name, std::fs::read_to_string(path).unwrap_or_default())
    }

    fn shared(rel: &str) -> Option<SourceFile> {
        let path = format!("{}/../../../shared/{rel}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).ok();
        if text.is_none() {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipping: {path} is absent");
            }
        }
        text.map(|t| SourceFile::new(rel, t))
    }

    fn utc(r: &Record) -> String {
        r.when.utc.map(|t| t.to_string()).unwrap_or_default()
    }

    fn quote_in_span(file: &SourceFile, r: &Record) -> bool {
        let lines: Vec<&str> =
            numbered(&file.text).filter(|&(n, _)| n >= r.span.line && n <= r.span.end_line).map(|(_, l)| l).collect();
        let first = r.text.lines().next().unwrap_or("");
        let escaped = serde_json::to_string(first).unwrap_or_default();
        !first.is_empty() && lines.join("\n").contains(escaped.trim_matches('"'))
    }

    #[test]
    fn issue_with_adf_comment_and_changelog() {
        let f = fixture("INC-12.json");
        assert_eq!(Jira.sniff(&f), 90);
        let p = parse_file(&f);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.records.len(), 4);
        let created = &p.records[0];
        assert_eq!(created.kind, Kind::Message);
        assert_eq!(created.text, "Checkout errors after v2.31.0 deploy");
        assert_eq!(utc(created), "2024-05-01T14:05:00Z");
        assert_eq!(created.attr("issue"), Some("INC-12"));
        assert_eq!((created.span.line, created.span.end_line), (4, 31));
        let comment = &p.records[1];
        assert_eq!(comment.text, "Rolled back to ");
        assert_eq!(comment.summary.as_deref(), Some("Rolled back to v2.30.4, errors dropping."));
        assert_eq!(comment.actor.as_ref().map(|a| a.name.as_str()), Some("Sam Lee"));
        let status = &p.records[2];
        assert_eq!(status.kind, Kind::Change);
        assert_eq!(status.text, "Mitigated");
        assert_eq!(status.attr("status"), Some("Mitigated"));
        assert_eq!(status.summary.as_deref(), Some("INC-12 status: Investigating → Mitigated"));
        assert_eq!(utc(status), "2024-05-01T14:30:10Z");
        let reassign = &p.records[3];
        assert_eq!(reassign.kind, Kind::Escalation);
        assert_eq!(reassign.text, "Dana Whitfield");
        for r in &p.records {
            assert!(quote_in_span(&f, r), "{:?}", r.text);
        }
        let sam = p.people.iter().find(|p| p.name == "Sam Lee").expect("comment author");
        assert_eq!(sam.emails, ["sam@example.com"]);
        assert_eq!(sam.ids, ["acc-2"]);
    }

    #[test]
    fn bad_input_is_a_problem() {
        let p = parse_file(&SourceFile::new(
            "x.json",
            "{\"fields\": {\"summary\": 3}, \"changelog\": {\"histories\": [{\"created\": \"soon\", \"items\": [{\"field\": \"status\", \"toString\": \"Done\"}]}]}}",
        ));
        assert_eq!(p.records.len(), 1);
        assert_eq!(p.records[0].when.utc, None);
        assert_eq!(p.problems.len(), 1);
        let p = parse_file(&SourceFile::new("y.json", "{\"fields\": "));
        assert!(!p.problems[0].can_continue);
        assert_eq!(Jira.sniff(&SourceFile::new("z.json", "{\"incidents\": []}")), 0);
    }

    #[test]
    fn eval_cloudflare_change_request() {
        let Some(f) = shared("eval/incidents/cloudflare-2019-07-02/bundle/jira/CR-5137.json") else {
            return;
        };
        assert_eq!(Jira.sniff(&f), 90);
        let p = parse_file(&f);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        // Created, 2 comments, 4 histories.
        assert_eq!(p.records.len(), 7);
        // Gold: line 55 at 13:42:03Z.
        let created = p
            .records
            .iter()
            .find(|r| {
                r.span.line <= 55
                    && 55 <= r.span.end_line
                    && r.summary.as_deref().is_some_and(|s| s.contains("created"))
            })
            .expect("the issue's creation covers line 55");
        assert_eq!(utc(created), "2019-07-02T13:42:01.246Z");
        let deployed = p.records.iter().find(|r| r.text == "Deployed").expect("status change");
        assert_eq!(utc(deployed), "2019-07-02T13:42:06.826Z");
        assert_eq!((deployed.span.line, deployed.span.end_line), (100, 120));
        let rolled = p.records.iter().find(|r| r.attr("status") == Some("Rolled back")).expect("rollback");
        assert_eq!(rolled.summary.as_deref(), Some("CR-5137 status: Deployed → Rolled back; resolution: ∅ → Done"));
        assert!(p.records.iter().all(|r| quote_in_span(&f, r)));
        assert!(p.people.iter().any(|p| p.name == "Nadia Kowalczyk"));
    }

    #[test]
    fn eval_jira_cloud_examples() {
        let base = "eval-data/jira-cloud-openapi-examples";
        for (name, records) in [
            ("getChangeLogs.response.json", 2),
            ("getComments.response.json", 1),
            ("searchForIssuesUsingJql.response.json", 1),
            ("getIssue.response.json", 1),
        ] {
            let Some(f) = shared(&format!("{base}/{name}")) else {
                return;
            };
            assert!(Jira.sniff(&f) >= 80, "{name}");
            let p = parse_file(&f);
            assert_eq!(p.records.len(), records, "{name}: {:?} {:?}", p.records, p.problems);
            assert!(p.records.iter().all(|r| quote_in_span(&f, r)), "{name}");
        }
    }

    proptest::proptest! {
        #[test]
        fn odd_histories_parse_without_panic(to in "\\PC{0,30}", created in "[0-9TZ:.+-]{0,30}", field in "[a-z]{0,8}") {
            let text = format!(
                "{{\"changelog\": {{\"histories\": [\n{{\"created\": {}, \"items\": [{{\"field\": {}, \"toString\": {}}}]}}\n]}}}}",
                serde_json::to_string(&created).unwrap_or_default(),
                serde_json::to_string(&field).unwrap_or_default(),
                serde_json::to_string(&to).unwrap_or_default(),
            );
            let p = parse_file(&SourceFile::new("x.json", text));
            proptest::prop_assert_eq!(p.records.len(), 1);
            proptest::prop_assert_eq!(p.records[0].span.line, 2);
        }
    }
}
