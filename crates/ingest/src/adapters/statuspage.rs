//! Status page history as JSON: Atlassian Statuspage incidents (an incident object,
//! `{"incidents": [...]}`, `{"scheduled_maintenances": [...]}` or an array) with their
//! `incident_updates`, and the status-history shape of status sites such as Slack's
//! (`[{"title", "status", "type", "notes": [{"date_created", "body"}]}]`).
//!
//! One [`Kind::StatusUpdate`] record per update, citing the update's object, with its body
//! as text; the update's status (`investigating`, `resolved`…) is the `status` attribute
//! (a resolved update stays a status update: the page says so, a person resolves). An
//! incident without updates gives one record for itself.

use std::collections::HashMap;

use debrief_model::{Kind, Problem, Record, SourceFile, Span, When};
use jiff::Timestamp;
use serde_json::value::RawValue;

use crate::adapter::{Adapter, Context, Parsed};
use crate::jsonspan::{error_line, span_of};
use crate::lines::LineIndex;
use crate::time::parse_instant;

pub struct Statuspage;

/// Keys of wrappers that hold a list of incidents.
const LISTS: &[&str] = &["incidents", "scheduled_maintenances", "active_incidents", "resolved_incidents"];

impl Adapter for Statuspage {
    fn format(&self) -> &'static str {
        "statuspage"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = prefix(&file.text, 16 * 1024);
        if !head.trim_start().starts_with(['{', '[']) {
            return 0;
        }
        let has = |k: &str| head.contains(k);
        if has("\"incident_updates\"") {
            return 95;
        }
        if has("\"incidents\"") && (has("\"shortlink\"") || has("\"page_id\"")) {
            return 90;
        }
        if has("\"notes\"") && has("\"date_created\"") && has("\"title\"") {
            return 85;
        }
        0
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        let text = file.text.as_str();
        let top: &RawValue = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                return Parsed {
                    problems: vec![Problem::at(error_line(&e), format!("expected status page JSON: {e}")).fatal()],
                    ..Parsed::default()
                };
            }
        };
        let idx = LineIndex::new(text);
        let mut r = Reader { text, idx: &idx, source: cx.source, out: Parsed::default() };
        let incidents: Vec<&RawValue> = if let Some(list) = array(top) {
            list
        } else if let Some(o) = obj(top) {
            let mut found: Vec<&RawValue> =
                LISTS.iter().filter_map(|k| o.get(*k).and_then(|v| array(v))).flatten().collect();
            if let Some(one) = o.get("incident").copied() {
                found.push(one);
            }
            if found.is_empty() && (o.contains_key("incident_updates") || o.contains_key("notes")) {
                found.push(top);
            }
            found
        } else {
            Vec::new()
        };
        if incidents.is_empty() && array(top).is_none() {
            return Parsed::fatal(
                "expected status page incidents: an incident with `incident_updates`, `{\"incidents\": [...]}`, or a list of incidents with `notes`",
            );
        }
        for i in incidents {
            r.incident(i);
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

fn string(o: &Obj<'_>, key: &str) -> Option<String> {
    let raw = o.get(key)?;
    let s: String = serde_json::from_str(raw.get()).ok()?;
    (!s.trim().is_empty()).then_some(s)
}

/// The first of `keys` holding an instant.
fn time(o: &Obj<'_>, keys: &[&str]) -> Option<(Timestamp, String)> {
    keys.iter().find_map(|k| {
        let s = string(o, k)?;
        parse_instant(&s).map(|t| (t, s))
    })
}

/// Names of a list of components (`[{"name": …}]`) or services (`["Messaging", …]`).
fn names(o: &Obj<'_>, key: &str) -> Vec<String> {
    o.get(key)
        .and_then(|v| array(v))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|item| {
            serde_json::from_str::<String>(item.get()).ok().or_else(|| obj(item).and_then(|c| string(&c, "name")))
        })
        .collect()
}

struct Reader<'a, 'f> {
    text: &'a str,
    idx: &'f LineIndex,
    source: u32,
    out: Parsed,
}

impl Reader<'_, '_> {
    fn span(&self, raw: &RawValue) -> Span {
        let (l, e) = span_of(self.text, self.idx, raw).unwrap_or((1, 1));
        Span::lines(self.source, l, e)
    }

    fn incident(&mut self, raw: &RawValue) {
        let span = self.span(raw);
        let Some(inc) = obj(raw) else {
            self.out.problems.push(Problem::at(span.line, "expected an incident object — skipped"));
            return;
        };
        let name = string(&inc, "name").or_else(|| string(&inc, "title"));
        let status = string(&inc, "status");
        let impact = string(&inc, "impact");
        let kind_of = string(&inc, "type");
        let mut services = names(&inc, "components");
        services.extend(names(&inc, "services"));
        let resolved_at = string(&inc, "resolved_at").or_else(|| string(&inc, "date_updated"));

        let (updates, slack_notes) = match inc.get("incident_updates").and_then(|v| array(v)) {
            Some(u) => (u, false),
            None => (inc.get("notes").and_then(|v| array(v)).unwrap_or_default(), true),
        };
        let label = name.clone().unwrap_or_else(|| "incident".into());
        let base = |mut r: Record| {
            if let Some(n) = &name {
                r = r.with_attr("incident", n.clone());
            }
            if let Some(i) = &impact {
                r = r.with_attr("severity", i.clone());
            }
            if let Some(t) = &kind_of {
                r = r.with_attr("log_type", t.clone());
            }
            if !services.is_empty() {
                r = r.with_attr("service", services.join(", "));
            }
            r
        };

        if updates.is_empty() {
            let Some(n) = &name else {
                self.out.problems.push(Problem::at(span.line, "incident without a name or updates — skipped"));
                return;
            };
            let when = self.when(time(&inc, &["created_at", "date_created", "started_at"]), span);
            let mut r = base(Record::new(span, when, Kind::StatusUpdate, n.clone()))
                .with_summary(format!("Status page: {label}"));
            if let Some(s) = &status {
                r = r.with_attr("status", s.clone());
            }
            self.out.records.push(r);
            return;
        }

        for u_raw in updates {
            let uspan = self.span(u_raw);
            let Some(u) = obj(u_raw) else {
                self.out.problems.push(Problem::at(uspan.line, "expected an update object — skipped"));
                continue;
            };
            let when = self.when(time(&u, &["display_at", "created_at", "date_created", "updated_at"]), uspan);
            // Slack-style notes carry no status: the one posted when the incident was
            // last updated is the resolution of a resolved incident.
            let ustatus = string(&u, "status").or_else(|| {
                let last =
                    slack_notes && status.as_deref() == Some("resolved") && string(&u, "date_created") == resolved_at;
                last.then(|| "resolved".to_string())
            });
            let Some(text) = string(&u, "body").or_else(|| ustatus.clone()) else {
                self.out.problems.push(Problem::at(uspan.line, "update without a body or status — skipped"));
                continue;
            };
            let summary = match &ustatus {
                Some(s) => format!("Status page: {label} — {s}"),
                None => format!("Status page: {label} — update"),
            };
            let mut r = base(Record::new(uspan, when, Kind::StatusUpdate, text)).with_summary(summary);
            if let Some(s) = ustatus {
                r = r.with_attr("status", s);
            }
            self.out.records.push(r);
        }
    }

    fn when(&mut self, t: Option<(Timestamp, String)>, span: Span) -> When {
        if let Some((t, raw)) = t {
            return When::exact(t).with_original(raw);
        }
        self.out.problems.push(Problem::at(
            span.line,
            "no time (`display_at`, `created_at`, `date_created`) on this entry — its time is unknown",
        ));
        When::unknown()
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
        Statuspage.parse(file, &cx)
    }

    fn fixture(name: &str) -> SourceFile {
        let path = format!("{}/tests/fixtures/statuspage/{name}", env!("CARGO_MANIFEST_DIR"));
        SourceFile::new(name, std::fs::read_to_string(path).unwrap_or_default())
    }

    fn utc(r: &Record) -> String {
        r.when.utc.map(|t| t.to_string()).unwrap_or_default()
    }

    fn quote_in_span(file: &SourceFile, r: &Record) -> bool {
        let lines: Vec<&str> =
            numbered(&file.text).filter(|&(n, _)| n >= r.span.line && n <= r.span.end_line).map(|(_, l)| l).collect();
        let escaped = serde_json::to_string(r.text.lines().next().unwrap_or("")).unwrap_or_default();
        lines.join("\n").contains(escaped.trim_matches('"'))
    }

    #[test]
    fn atlassian_incidents_list() {
        let f = fixture("incidents.json");
        assert_eq!(Statuspage.sniff(&f), 95);
        let p = parse_file(&f);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.records.len(), 3);
        let resolved = &p.records[0];
        assert_eq!(resolved.kind, Kind::StatusUpdate);
        assert_eq!(resolved.attr("status"), Some("resolved"));
        assert_eq!(resolved.text, "This incident has been resolved.");
        assert_eq!(utc(resolved), "2024-05-01T15:31:00Z");
        assert_eq!((resolved.span.line, resolved.span.end_line), (11, 17));
        assert_eq!(resolved.attr("incident"), Some("Elevated checkout errors"));
        assert_eq!(resolved.attr("severity"), Some("major"));
        assert_eq!(resolved.attr("service"), Some("Checkout"));
        let first = &p.records[1];
        // display_at (what the page shows) wins over created_at.
        assert_eq!(utc(first), "2024-05-01T14:50:00Z");
        assert_eq!(first.when.original.as_deref(), Some("2024-05-01T14:50:00.000Z"));
        assert_eq!(first.text, "We are investigating \"failed to pay\" errors at checkout.");
        assert!(quote_in_span(&f, first));
        // An incident without updates is one record.
        assert_eq!(p.records[2].text, "Scheduled database maintenance");
        assert_eq!(p.records[2].attr("status"), Some("scheduled"));
    }

    #[test]
    fn broken_and_foreign_json() {
        let p = parse_file(&SourceFile::new("x.json", "{\"incident_updates\": [{\"body\": \"hi\"}, 3]}"));
        assert_eq!(p.records.len(), 1);
        assert_eq!(p.records[0].when.utc, None);
        assert_eq!(p.problems.len(), 2, "{:?}", p.problems);
        assert!(
            parse_file(&SourceFile::new("y.json", "{\"a\": 1}")).problems[0].message.contains("expected status page")
        );
        assert_eq!(Statuspage.sniff(&SourceFile::new("z.json", "{\"fields\": {}}")), 0);
    }

    #[test]
    fn eval_slack_status_history() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/eval/incidents/slack-2021-01-04/bundle/status/slack-status-history.json"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipping: {path} is absent");
            }
            return;
        };
        let f = SourceFile::new("status/slack-status-history.json", text);
        assert_eq!(Statuspage.sniff(&f), 85);
        let p = parse_file(&f);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.records.len(), 8);
        for (line, time) in [(69, "2021-01-04T15:14:03Z"), (61, "2021-01-04T17:29:11Z"), (45, "2021-01-04T20:10:41Z")] {
            let r = p
                .records
                .iter()
                .find(|r| r.span.line <= line && line <= r.span.end_line)
                .expect("a record covers the gold line");
            assert_eq!(utc(r), time, "line {line}");
            assert!(quote_in_span(&f, r));
        }
        let last = p.records.iter().find(|r| r.span.line == 43).expect("newest note");
        assert_eq!(last.attr("status"), Some("resolved"));
        assert_eq!(last.attr("log_type"), Some("outage"));
        assert!(p.records.iter().filter(|r| r.attr("status").is_some()).count() == 1);
    }

    proptest::proptest! {
        #[test]
        fn odd_updates_parse_without_panic(body in "\\PC{0,40}", at in "[0-9TZ:.+-]{0,30}") {
            let text = format!(
                "{{\"incident_updates\": [\n{{\"body\": {}, \"created_at\": {}, \"status\": \"monitoring\"}}\n]}}",
                serde_json::to_string(&body).unwrap_or_default(),
                serde_json::to_string(&at).unwrap_or_default(),
            );
            let p = parse_file(&SourceFile::new("x.json", text));
            proptest::prop_assert_eq!(p.records.len(), 1);
            proptest::prop_assert_eq!(p.records[0].span.line, 2);
        }
    }
}
