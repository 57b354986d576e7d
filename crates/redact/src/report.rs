//! [`redact_ingested`]: every record of a bundle redacted in place, with a report of
//! counts per rule and per source (never values).

use std::collections::{BTreeMap, HashMap};

use debrief_ingest::Ingested;
use debrief_model::Record;
use rayon::prelude::*;
use serde::Serialize;

use crate::Redactor;

/// What redaction did to a bundle: counts only, safe to write next to shared output
/// (`redaction-report.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RedactionReport {
    /// Substitutions per rule (`secret:aws-access-key`, `email`, `person`…).
    pub counts: BTreeMap<String, usize>,
    /// Substitutions per source (its label: the path with the names in it replaced), then
    /// per rule.
    pub per_source: BTreeMap<String, BTreeMap<String, usize>>,
    /// Records with at least one substitution.
    pub records_changed: usize,
    /// Records looked at.
    pub records: usize,
}

impl RedactionReport {
    /// All substitutions.
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }
}

/// The actor name given to a person whom no source listed (build the redactor with
/// [`Redactor::for_ingested`] and this does not happen).
pub const UNLISTED_PERSON: &str = "Unlisted person";

type Counts<'a> = BTreeMap<&'a str, usize>;

/// Gives every source and skipped file its label (the path with the names in it replaced),
/// one label per path, distinct across the bundle.
fn label_paths(ingested: &mut Ingested, redactor: &Redactor) {
    let mut paths: Vec<&str> = ingested
        .sources
        .iter()
        .map(|s| s.path.as_str())
        .chain(ingested.skipped.iter().map(|s| s.path.as_str()))
        .collect();
    paths.sort_unstable();
    paths.dedup();
    let labels: HashMap<String, String> =
        paths.iter().map(|p| (*p).to_string()).zip(redactor.path_labels(paths.iter().copied())).collect();
    for s in &mut ingested.sources {
        s.label = labels.get(&s.path).cloned();
    }
    for s in &mut ingested.skipped {
        s.label = labels.get(&s.path).cloned();
    }
}

/// Redacts one record in place; returns whether it changed.
fn redact_record<'a>(r: &mut Record, redactor: &'a Redactor, counts: &mut Counts<'a>) -> bool {
    let mut changed = false;
    if let Some(t) = redactor.redact_counting(&r.text, counts) {
        r.text = t;
        changed = true;
    }
    if let Some(s) = &r.summary
        && let Some(t) = redactor.redact_counting(s, counts)
    {
        r.summary = Some(t);
        changed = true;
    }
    for a in &mut r.attrs {
        if let Some(t) = redactor.redact_counting(&a.value, counts) {
            a.value = t;
            changed = true;
        }
    }
    if let Some(actor) = &mut r.actor {
        let kept =
            actor.bot || redactor.is_bot(&actor.name) || actor.id.as_deref().is_some_and(|id| redactor.is_bot(id));
        if !kept {
            let role =
                actor.id.as_deref().and_then(|id| redactor.role_of(id)).or_else(|| redactor.role_of(&actor.name));
            actor.name = role.unwrap_or(UNLISTED_PERSON).to_string();
            actor.id = None;
            *counts.entry("person").or_default() += 1;
            changed = true;
        }
    }
    changed
}

/// Redacts every record in place — text, summary, attribute values; person actors
/// become their role (their source id is dropped), bots keep their names — along with
/// the sources' problem messages; labels every source and skipped file with its path's
/// names replaced ([`Redactor::path_labels`]), and replaces `ingested.people` with roles. Returns
/// counts per rule and source, never values. Records are processed in parallel.
pub fn redact_ingested(ingested: &mut Ingested, redactor: &Redactor) -> RedactionReport {
    let records = ingested.records.len();
    let (per_source, changed) = ingested
        .records
        .par_iter_mut()
        .fold(
            || (HashMap::<u32, Counts<'_>>::new(), 0usize),
            |(mut map, mut changed), r| {
                let mut c = Counts::new();
                if redact_record(r, redactor, &mut c) {
                    changed += 1;
                    let slot = map.entry(r.span.source).or_default();
                    for (k, v) in c {
                        *slot.entry(k).or_default() += v;
                    }
                }
                (map, changed)
            },
        )
        .reduce(
            || (HashMap::new(), 0),
            |(mut a, ca), (b, cb)| {
                for (src, counts) in b {
                    let slot = a.entry(src).or_default();
                    for (k, v) in counts {
                        *slot.entry(k).or_default() += v;
                    }
                }
                (a, ca + cb)
            },
        );
    label_paths(ingested, redactor);
    let mut report = RedactionReport { records, records_changed: changed, ..RedactionReport::default() };
    for (src, counts) in per_source {
        let path =
            ingested.sources.get(src as usize).map_or_else(|| format!("source {src}"), |s| s.shown().to_string());
        let slot = report.per_source.entry(path).or_default();
        for (k, v) in counts {
            *slot.entry(k.to_string()).or_default() += v;
            *report.counts.entry(k.to_string()).or_default() += v;
        }
    }
    for s in &mut ingested.sources {
        for p in &mut s.problems {
            let mut c = Counts::new();
            if let Some(t) = redactor.redact_counting(&p.message, &mut c) {
                p.message = t;
            }
        }
    }
    ingested.people = redactor.redacted_people();
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use debrief_ingest::{IncidentConfig, Person};
    use debrief_model::{Actor, Kind, Source, Span, When};

    #[test]
    fn records_are_redacted_in_place() {
        let mut cfg = IncidentConfig::default();
        cfg.people.insert("Dana Whitfield".into(), "primary on-call".into());
        let mut ing = Ingested {
            sources: vec![Source {
                path: "slack/inc/2024-10-08.json".into(),
                label: None,
                format: "slack-export".into(),
                size: 1,
                lines: 1,
                records: 2,
                problems: vec![],
            }],
            people: vec![
                Person {
                    name: "Dana Whitfield".into(),
                    aliases: vec!["dana".into()],
                    ids: vec!["U03DWHT1FD".into()],
                    ..Person::default()
                },
                Person { name: "Marcus Oyelaran".into(), ids: vec!["U04MOY8YRX".into()], ..Person::default() },
            ],
            ..Ingested::default()
        };
        ing.records.push(
            Record::new(Span::line(0, 3), When::unknown(), Kind::Message, "marcus: try AKIA5QXTZ3FAKEK7V2NB")
                .with_actor(Actor::person("Dana Whitfield").with_id("U03DWHT1FD"))
                .with_summary("Dana pasted a key")
                .with_attr("user_id", "U03DWHT1FD"),
        );
        ing.records.push(
            Record::new(Span::line(0, 4), When::unknown(), Kind::Alert, "CheckoutErrorRate firing")
                .with_actor(Actor::bot("Alertmanager")),
        );
        let r = Redactor::for_ingested(&cfg, &ing).unwrap();
        let report = redact_ingested(&mut ing, &r);
        let rec = &ing.records[0];
        assert_eq!(rec.text, "‹Responder A›: try ‹secret:aws-access-key›");
        assert_eq!(rec.summary.as_deref(), Some("‹Primary on-call› pasted a key"));
        assert_eq!(rec.attr("user_id"), Some("‹Primary on-call›"));
        let actor = rec.actor.as_ref().unwrap();
        assert_eq!((actor.name.as_str(), actor.id.as_deref()), ("Primary on-call", None));
        assert_eq!(ing.records[1].actor.as_ref().unwrap().name, "Alertmanager");
        assert_eq!(report.counts["secret:aws-access-key"], 1);
        assert_eq!(report.counts["person"], 4);
        assert_eq!(report.per_source["slack/inc/2024-10-08.json"]["secret:aws-access-key"], 1);
        assert_eq!((report.records, report.records_changed), (2, 1));
        assert!(ing.people.iter().all(|p| !p.name.contains("Dana") && !p.name.contains("Marcus")));
        let json = serde_json::to_string(&report).unwrap();
        assert!(!json.contains("AKIA"));
    }

    #[test]
    fn sources_and_skipped_files_get_labels() {
        let mut cfg = IncidentConfig::default();
        cfg.people.insert("Dana Whitfield".into(), "primary on-call".into());
        let source = |path: &str| Source {
            path: path.into(),
            label: None,
            format: "notes".into(),
            size: 1,
            lines: 1,
            records: 1,
            problems: vec![],
        };
        let mut ing = Ingested {
            sources: vec![source("notes/dana-whitfield.md"), source("logs/app.log")],
            skipped: vec![debrief_model::SkippedFile::new("notes/Dana_Whitfield.png", "binary file")],
            ..Ingested::default()
        };
        ing.records.push(Record::new(Span::line(0, 1), When::unknown(), Kind::Message, "Dana Whitfield paged"));
        let r = Redactor::for_ingested(&cfg, &ing).unwrap();
        let report = redact_ingested(&mut ing, &r);
        assert_eq!(ing.sources[0].shown(), "notes/primary-on-call.md");
        assert_eq!(ing.sources[0].path, "notes/dana-whitfield.md", "the path still names the file");
        assert_eq!(ing.sources[1].label.as_deref(), Some("logs/app.log"));
        assert_eq!(ing.skipped[0].shown(), "notes/primary-on-call.png");
        assert_eq!(report.per_source["notes/primary-on-call.md"]["person"], 1);
    }
}
