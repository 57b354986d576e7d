//! Analysis to review: citations from records, metrics with definitions, sections in
//! DESIGN.md's order, then a self-check of every citation.

use std::collections::{BTreeMap, HashMap, HashSet};

use debrief_analyze::{Analysis, Facts, Item, Moment};
use debrief_ingest::{Bundle, Ingested};
use debrief_model::{
    Action, Citation, Duration, Event, Finding, IncidentInfo, LogTemplateRow, Metric, Metrics, Precision, Question,
    Review, ReviewSource, SCHEMA, TimelineRow, Verification, quote_of,
};
use jiff::{SignedDuration, Timestamp};

/// The moments and durations with their definitions (DESIGN.md, "Metrics").
pub const DEFINITIONS: &[(&str, &str)] = &[
    ("first_signal", "earliest anomalous signal in any telemetry (error burst, metric excursion, pending alert)"),
    ("impact_start", "earliest evidence of user-facing degradation"),
    ("detected", "first alert firing or first human report"),
    ("acknowledged", "first acknowledgement or responder engagement"),
    ("mitigated", "first evidence that impact stopped"),
    ("resolved", "incident declared resolved"),
    ("time_to_detect", "detected − impact start"),
    ("time_to_acknowledge", "acknowledged − detected"),
    ("time_to_mitigate", "mitigated − impact start"),
    ("time_to_resolve", "resolved − impact start"),
    ("signal_lead", "detected − first signal"),
];

fn definition(name: &str) -> String {
    DEFINITIONS.iter().find(|(n, _)| *n == name).map_or("", |(_, d)| d).to_string()
}

const EVIDENCE_NEEDED: &[(&str, &str)] = &[
    ("first_signal", "error-level logs or metrics covering the time before detection"),
    ("impact_start", "request logs with status codes, an error-rate metric, or the first customer report"),
    ("detected", "the alert or pager log, or the first report by a person"),
    ("acknowledged", "the pager's acknowledgement entry, or the first responder message"),
    ("mitigated", "the error-rate metric or alert history covering the recovery"),
    ("resolved", "the pager's resolve entry or the incident channel's closing message"),
];

/// How far from a key moment the row that shows its evidence may be.
const MOMENT_ROW_SLACK: SignedDuration = SignedDuration::from_secs(120);

/// The longest quote a citation carries.
const QUOTE_CHARS: usize = 140;

struct Writer<'a> {
    ingested: &'a Ingested,
    bundle: &'a Bundle,
    /// Records of log lines by (source, line), for a burst's last line.
    by_line: HashMap<(u32, u32), usize>,
}

impl Writer<'_> {
    /// A citation of record `i`, quoting the start of its (redacted) text.
    fn cite(&self, i: usize) -> Option<Citation> {
        let r = self.ingested.records.get(i)?;
        let source = self.ingested.sources.get(r.span.source as usize)?;
        let quote = quote(&r.text)?;
        Some(Citation::new(&source.path, r.span.line, r.span.end_line, quote))
    }

    /// Citations of several records: all of a small group; for a large one (a burst of a
    /// thousand lines) the first of each source and the last line.
    fn cite_all(&self, records: &[usize]) -> Vec<Citation> {
        const ALL_UP_TO: usize = 6;
        let mut out: Vec<Citation> = Vec::new();
        // A record and, for a burst of log lines, its last line.
        let push = |i: usize, out: &mut Vec<Citation>| {
            let last = self.ingested.records.get(i).and_then(|r| {
                let line = r.attr("last_line")?.parse().ok()?;
                self.by_line.get(&(r.span.source, line)).copied()
            });
            for c in [Some(i), last].into_iter().flatten().filter_map(|i| self.cite(i)) {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        };
        if records.len() <= ALL_UP_TO {
            for &i in records {
                push(i, &mut out);
            }
            return out;
        }
        let mut seen = HashSet::new();
        for &i in records {
            let Some(r) = self.ingested.records.get(i) else { continue };
            if seen.insert(r.span.source) {
                push(i, &mut out);
            }
            if out.len() >= ALL_UP_TO {
                break;
            }
        }
        if let Some(&last) = records.last() {
            push(last, &mut out);
        }
        out
    }

    /// Citations of a timeline row: those of each folded event in turn, so every event
    /// the row stands for is cited by its first record before any is cited twice.
    fn cite_row(&self, row: &debrief_timeline::Row) -> Vec<Citation> {
        const ROW_CITATIONS: usize = 8;
        let per_part: Vec<Vec<Citation>> = row.parts.iter().map(|p| self.cite_all(&p.records)).collect();
        let mut out: Vec<Citation> = Vec::new();
        for k in 0..per_part.iter().map(Vec::len).max().unwrap_or(0) {
            for c in per_part.iter().filter_map(|p| p.get(k)) {
                if out.len() < ROW_CITATIONS && !out.contains(c) {
                    out.push(c.clone());
                }
            }
        }
        out
    }

    fn finding(&self, section: &str, group: Option<&str>, item: &Item) -> Finding {
        Finding {
            section: section.to_string(),
            group: group.map(str::to_string),
            text: item.text.clone(),
            confidence: item.confidence,
            citations: self.cite_all(&item.records),
            author: None,
        }
    }

    /// The line of `incident.toml` that states a moment, as a citation.
    fn cite_config(&self, name: &str) -> Option<Citation> {
        let file = self.bundle.files.iter().find(|f| f.path == "incident.toml")?;
        let (n, line) = debrief_ingest::lines::numbered(&file.text)
            .find(|(_, l)| l.trim_start().starts_with(name) && l.contains('='))?;
        Some(Citation::new(&file.path, n, n, line.trim()))
    }

    fn metric(&self, name: &str, m: Option<&Moment>) -> Metric {
        match m {
            Some(m) => Metric {
                time: Some(m.time),
                precision: m.precision,
                citations: if m.records.is_empty() {
                    self.cite_config(name).into_iter().collect()
                } else {
                    self.cite_all(&m.records)
                },
                definition: definition(name),
                evidence_needed: None,
                basis: Some(m.basis.clone()),
                conflicts: Vec::new(),
            },
            None => Metric {
                time: None,
                precision: Precision::Unknown,
                citations: Vec::new(),
                definition: definition(name),
                evidence_needed: EVIDENCE_NEEDED.iter().find(|(n, _)| *n == name).map(|(_, e)| (*e).to_string()),
                basis: None,
                conflicts: Vec::new(),
            },
        }
    }
}

/// The quote of a record's text: its first line, shortened, cut before any character
/// outside the Basic Multilingual Plane (JSON sources escape those as surrogate pairs).
fn quote(text: &str) -> Option<String> {
    let cut = text.find(|c: char| c as u32 > 0xFFFF).map_or(text, |i| &text[..i]);
    let q = quote_of(cut, QUOTE_CHARS);
    // A quote that is only substitutions says nothing checkable.
    let literal: String = q.split('‹').map(|p| p.split_once('›').map_or(p, |(_, rest)| rest)).collect();
    (literal.trim().chars().count() >= 2).then_some(q)
}

fn facts(bundle: &Bundle, ingested: &Ingested) -> Facts {
    let c = &bundle.config;
    let mut words: Vec<String> = c.id.iter().cloned().collect();
    words.extend(
        ingested
            .records
            .iter()
            .filter_map(|r| r.attr("channel"))
            .filter(|ch| ch.starts_with("inc"))
            .map(str::to_string)
            .collect::<HashSet<_>>(),
    );
    Facts {
        title: c.title.clone(),
        services: c.services.clone(),
        moments: c
            .moments
            .iter()
            .filter_map(|(k, v)| debrief_ingest::time::parse_instant(v).map(|t| (k.clone(), t)))
            .collect(),
        words,
        // Named in prose: as the review shows them.
        sources: ingested.sources.iter().map(|s| s.shown().to_string()).collect(),
        server_errors: ingested.server_errors.clone(),
    }
}

/// The span of time the timeline shows: from before the earliest moment (or the change
/// that preceded it) to after the resolution. Only moments the evidence establishes
/// bound it, and at least two of them; otherwise the timeline shows everything.
fn window(a: &Analysis, events: &[Event]) -> (Option<Timestamp>, Option<Timestamp>) {
    let m = &a.moments;
    let times: Vec<Timestamp> =
        [&m.first_signal, &m.impact_start, &m.detected, &m.acknowledged, &m.mitigated, &m.resolved]
            .into_iter()
            .flatten()
            .filter(|x| !x.records.is_empty())
            .map(|x| x.time)
            .collect();
    if times.len() < 2 {
        return (None, None);
    }
    let earliest_change = a
        .changes
        .iter()
        .flat_map(|c| c.iter())
        .filter_map(|&r| events.iter().find(|e| e.records.contains(&r)).and_then(|e| e.when.utc))
        .min();
    let start = times.iter().copied().chain(earliest_change).min().map(|t| t - SignedDuration::from_mins(30));
    let end = times.iter().copied().max().map(|t| t + SignedDuration::from_hours(2));
    (start, end)
}

pub(crate) fn write(
    bundle: &Bundle,
    ingested: &Ingested,
    events: &[Event],
    display_zone: &str,
    redaction: &BTreeMap<String, usize>,
) -> Review {
    let by_line = ingested
        .records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.attr("folded").is_some())
        .map(|(i, r)| ((r.span.source, r.span.line), i))
        .collect();
    let w = Writer { ingested, bundle, by_line };
    let facts = facts(bundle, ingested);
    let a = debrief_analyze::analyze(&ingested.records, events, &facts);
    let m = &a.moments;

    let mut metrics = Metrics {
        first_signal: w.metric("first_signal", m.first_signal.as_ref()),
        impact_start: w.metric("impact_start", m.impact_start.as_ref()),
        detected: w.metric("detected", m.detected.as_ref()),
        acknowledged: w.metric("acknowledged", m.acknowledged.as_ref()),
        mitigated: w.metric("mitigated", m.mitigated.as_ref()),
        resolved: w.metric("resolved", m.resolved.as_ref()),
    };
    let mut conflict_questions = Vec::new();
    for (name, recs) in &m.conflicts {
        let slot = match *name {
            "acknowledged" => &mut metrics.acknowledged,
            "mitigated" => &mut metrics.mitigated,
            _ => &mut metrics.resolved,
        };
        let Some(&i) = recs.first() else { continue };
        let time = ingested.records[i].when.utc;
        slot.conflicts.push(debrief_model::Conflict { time, citations: w.cite_all(recs) });
        if let (Some(chosen), Some(other)) = (slot.time, time) {
            conflict_questions.push(Question {
                question: format!(
                    "Sources disagree on when the incident was {name}: {} here, {} in {}. Which is right?",
                    chosen.strftime("%H:%M:%S UTC"),
                    other.strftime("%H:%M:%S UTC"),
                    ingested.sources[ingested.records[i].span.source as usize].path
                ),
                evidence_needed: "the responders' account, or a third source with exact times".into(),
                citations: w.cite_all(recs),
                unverified: None,
            });
        }
    }
    let between = |name: &str, from: Option<&Moment>, to: Option<&Moment>| {
        let seconds = match (from, to) {
            (Some(f), Some(t)) => Some(t.time.duration_since(f.time).as_secs()),
            _ => None,
        };
        (name.to_string(), Duration { seconds, definition: definition(name) })
    };
    let durations = BTreeMap::from([
        between("time_to_detect", m.impact_start.as_ref(), m.detected.as_ref()),
        between("time_to_acknowledge", m.detected.as_ref(), m.acknowledged.as_ref()),
        between("time_to_mitigate", m.impact_start.as_ref(), m.mitigated.as_ref()),
        between("time_to_resolve", m.impact_start.as_ref(), m.resolved.as_ref()),
        between("signal_lead", m.first_signal.as_ref(), m.detected.as_ref()),
    ]);

    let (start, end) = window(&a, events);
    let moments = [
        ("first_signal", &m.first_signal),
        ("impact_start", &m.impact_start),
        ("detected", &m.detected),
        ("acknowledged", &m.acknowledged),
        ("mitigated", &m.mitigated),
        ("resolved", &m.resolved),
    ];
    let pinned: Vec<usize> = moments.iter().filter_map(|(_, m)| m.as_ref()?.records.first().copied()).collect();
    let rows = debrief_timeline::condense(events, &ingested.records, &pinned);
    let mut timeline: Vec<TimelineRow> = rows
        .iter()
        .filter(|row| match row.when.utc {
            Some(t) => start.is_none_or(|s| t >= s) && end.is_none_or(|x| t <= x),
            None => false,
        })
        .filter_map(|row| {
            let citations = w.cite_row(row);
            if citations.is_empty() {
                return None;
            }
            let primary = &ingested.records[row.parts[0].records[0]];
            Some(TimelineRow {
                time: row.when.utc,
                precision: row.when.precision,
                kind: row.kind.as_str().to_string(),
                event: row.text.clone(),
                citations,
                actor: primary.actor.as_ref().filter(|a| !a.bot).map(|a| a.name.clone()),
                verbatim: primary.summary.is_none(),
            })
        })
        .collect();
    // Every key moment is a timeline row at its own time, even one whose evidence reads as
    // chatter (a user asking "is prow OK?" is the detection when no alert fired).
    let shown: HashMap<usize, Timestamp> = rows
        .iter()
        .filter_map(|row| Some((row, row.when.utc?)))
        .filter(|(_, t)| timeline.iter().any(|r| r.time == Some(*t)))
        .flat_map(|(row, t)| row.records().map(move |i| (i, t)))
        .collect();
    for (name, moment) in moments {
        let Some(moment) = moment else { continue };
        let Some(&i) = moment.records.first() else { continue };
        if shown.get(&i).is_some_and(|t| t.duration_since(moment.time).abs() <= MOMENT_ROW_SLACK) {
            continue;
        }
        let primary = &ingested.records[i];
        let citations = w.cite_all(&moment.records);
        if citations.is_empty() {
            continue;
        }
        timeline.push(TimelineRow {
            time: Some(moment.time),
            precision: moment.precision,
            kind: name.to_string(),
            event: debrief_timeline::display_text(primary),
            citations,
            actor: primary.actor.as_ref().filter(|a| !a.bot).map(|a| a.name.clone()),
            verbatim: primary.summary.is_none(),
        });
    }
    timeline.sort_by_key(|row| row.time);

    let mut findings = Vec::new();
    let sections: [(&str, &Vec<Item>); 7] = [
        ("summary", &a.summary),
        ("customer_impact", &a.impact),
        ("detection", &a.detection),
        ("decision_points", &a.decisions),
        ("hypotheses", &a.hypotheses),
        ("went_well", &a.went_well),
        ("went_poorly", &a.went_poorly),
    ];
    for (section, items) in sections {
        findings.extend(items.iter().map(|i| w.finding(section, None, i)));
    }
    for (group, item) in &a.factors {
        findings.push(w.finding("contributing_factors", Some(group.key()), item));
    }
    let actions = a
        .actions
        .iter()
        .map(|(category, item)| Action {
            category: *category,
            text: item.text.clone(),
            owner: None,
            due: None,
            citations: w.cite_all(&item.records),
            author: None,
        })
        .collect();

    let mut questions: Vec<Question> = a
        .questions
        .iter()
        .map(|q| Question {
            question: q.question.clone(),
            evidence_needed: q.evidence_needed.clone(),
            citations: w.cite_all(&q.records),
            unverified: None,
        })
        .collect();
    questions.append(&mut conflict_questions);
    // Sources whose clocks disagree by a constant offset, cited on both sides.
    for s in debrief_timeline::skews(&ingested.records) {
        let path = |i: u32| ingested.sources.get(i as usize).map_or("?", debrief_model::Source::shown);
        let cited: Vec<usize> = s.pairs.iter().take(2).flat_map(|&(a, b)| [a, b]).collect();
        questions.push(Question {
            question: s.describe(path(s.source_a), path(s.source_b)),
            evidence_needed: format!("the clock or time zone {} was written in", path(s.source_b)),
            citations: w.cite_all(&cited),
            unverified: None,
        });
    }
    for s in &ingested.sources {
        if s.problems.iter().any(|p| p.message.contains("assumed")) {
            questions.push(Question {
                question: format!("In which time zone are the times in {} written? It was assumed.", s.shown()),
                evidence_needed: "the author's zone, or `timezone` in incident.toml".into(),
                citations: Vec::new(),
                unverified: None,
            });
        }
    }

    let title = bundle.config.title.clone().or_else(|| {
        m.detected
            .as_ref()
            .and_then(|d| d.records.first())
            .map(|&i| debrief_timeline::display_text(&ingested.records[i]))
    });
    Review {
        schema: SCHEMA.to_string(),
        incident: IncidentInfo {
            id: bundle.config.id.clone(),
            title,
            severity: bundle.config.severity.clone(),
            services: bundle.config.services.clone(),
        },
        display_timezone: display_zone.to_string(),
        sources: ingested
            .sources
            .iter()
            .map(|s| ReviewSource {
                path: s.path.clone(),
                label: s.shown().to_string(),
                format: s.format.clone(),
                records: s.records,
                problems: s.problems.clone(),
                size: s.size,
                lines: s.lines,
            })
            .collect(),
        skipped: ingested.skipped.clone(),
        metrics,
        durations,
        timeline,
        findings,
        actions,
        questions,
        redaction: redaction.clone(),
        verification: Verification::default(),
        assist: None,
        log_templates: log_templates(&w, m),
    }
}

/// Templates listed in the appendix: the most lines in the window, and any that opened
/// with a change point there.
const TOP_TEMPLATES: usize = 10;
const MORE_ONSETS: usize = 5;

/// The log templates with the most lines around the impact: from 30 minutes before the
/// first of first signal, impact start and detection, to mitigation (else resolution, else
/// two hours on). With no such moment, the whole logs.
fn log_templates(w: &Writer<'_>, m: &debrief_analyze::Moments) -> Vec<LogTemplateRow> {
    let start = [&m.first_signal, &m.impact_start, &m.detected].into_iter().flatten().map(|x| x.time).min();
    let end = [&m.mitigated, &m.resolved]
        .into_iter()
        .flatten()
        .map(|x| x.time)
        .min()
        .or_else(|| start.map(|s| s + SignedDuration::from_hours(2)));
    let start = start.map(|s| s - SignedDuration::from_mins(30));
    let inside =
        |t: Timestamp| start.is_none_or(|s| t >= s - SignedDuration::from_secs(59)) && end.is_none_or(|e| t <= e);
    let mut rows: Vec<(LogTemplateRow, bool)> = w
        .ingested
        .templates
        .iter()
        .filter_map(|t| {
            let minutes: Vec<&(Timestamp, u64)> = t.per_minute.iter().filter(|(m, _)| inside(*m)).collect();
            let count: u64 = minutes.iter().map(|(_, n)| n).sum();
            if count == 0 {
                return None;
            }
            let source = w.ingested.sources.get(t.source as usize)?.path.clone();
            let onset = t.onset.filter(|&(_, at)| inside(at)).map(|(k, _)| k.to_string());
            let row = LogTemplateRow {
                source,
                template: t.text.clone(),
                count,
                total: t.count,
                level: t.level.map(str::to_string),
                // The lines' own times where they fall in the window, else the minutes'.
                first: t.first_time.filter(|&f| inside(f)).or_else(|| minutes.first().map(|(m, _)| *m)),
                last: t.last_time.filter(|&l| inside(l)).or_else(|| minutes.last().map(|(m, _)| *m)),
                citations: t.example.and_then(|i| w.cite(i)).into_iter().collect(),
                onset: onset.clone(),
            };
            Some((row, onset.is_some()))
        })
        .collect();
    rows.sort_by(|a, b| b.0.count.cmp(&a.0.count).then_with(|| a.0.first.cmp(&b.0.first)));
    let mut out: Vec<LogTemplateRow> = Vec::new();
    let mut extra = 0;
    for (i, (row, onset)) in rows.into_iter().enumerate() {
        if i < TOP_TEMPLATES {
            out.push(row);
        } else if onset && extra < MORE_ONSETS {
            extra += 1;
            out.push(row);
        }
    }
    out
}

/// Checks every citation against the bundle; removes what fails, and statements left
/// with no evidence, listing them in `verification.dropped`.
#[cfg(test)]
pub(crate) fn self_check(review: &mut Review, bundle: &Bundle) {
    self_check_with(review, bundle, &HashMap::new());
}

/// [`self_check`], where sources read in a stream are checked against the raw text of
/// the lines their records span (`streamed`, by source index and line).
pub(crate) fn self_check_with(review: &mut Review, bundle: &Bundle, streamed: &HashMap<u32, BTreeMap<u32, String>>) {
    let mut split: HashMap<&str, Vec<&str>> = HashMap::new();
    for f in &bundle.files {
        split.insert(f.path.as_str(), debrief_verify::split_lines(&f.text));
    }
    let lines_of = |c: &Citation| -> Option<String> {
        let (l, e) = (c.line as usize, c.end_line as usize);
        if l < 1 || e < l {
            return None;
        }
        let i = bundle.files.iter().position(|f| f.path == c.source)?;
        if let Some(kept) = streamed.get(&(i as u32)) {
            let lines: Option<Vec<&str>> = (c.line..=c.end_line).map(|n| kept.get(&n).map(String::as_str)).collect();
            return lines.map(|l| l.join("\n"));
        }
        let lines = split.get(c.source.as_str())?;
        (e <= lines.len()).then(|| lines[l - 1..e].join("\n"))
    };
    let check = |c: &Citation| {
        lines_of(c).is_some_and(|text| debrief_verify::check_quote(&text, &c.quote) == debrief_verify::Verdict::Ok)
    };
    let mut checked = 0;
    let mut dropped = Vec::new();
    let mut keep = |cites: &mut Vec<Citation>, what: &str| {
        checked += cites.len();
        let before = cites.len();
        cites.retain(|c| check(c));
        if cites.len() < before {
            dropped.push(format!("{} citation(s) of {what}", before - cites.len()));
        }
        !cites.is_empty()
    };
    review.timeline.retain_mut(|row| keep(&mut row.citations, &format!("timeline row {:?}", row.event)));
    review.findings.retain_mut(|f| keep(&mut f.citations, &format!("{} finding {:?}", f.section, f.text)));
    for a in &mut review.actions {
        keep(&mut a.citations, &format!("action {:?}", a.text));
    }
    review.log_templates.retain_mut(|t| keep(&mut t.citations, &format!("log template {:?}", t.template)));
    let metrics = &mut review.metrics;
    for (name, m) in [
        ("first_signal", &mut metrics.first_signal),
        ("impact_start", &mut metrics.impact_start),
        ("detected", &mut metrics.detected),
        ("acknowledged", &mut metrics.acknowledged),
        ("mitigated", &mut metrics.mitigated),
        ("resolved", &mut metrics.resolved),
    ] {
        if !m.citations.is_empty() {
            keep(&mut m.citations, &format!("metric {name}"));
        }
        m.conflicts.retain_mut(|c| keep(&mut c.citations, &format!("conflicting time for {name}")));
    }
    review
        .questions
        .retain_mut(|q| q.citations.is_empty() || keep(&mut q.citations, &format!("question {:?}", q.question)));
    review.verification = Verification { checked, dropped };
}

#[cfg(test)]
mod tests {
    use debrief_ingest::Bundle;
    use debrief_model::{Citation, SourceFile};

    use crate::{Options, draft};

    fn bundle() -> Bundle {
        Bundle::from_files(vec![
            SourceFile::new("incident.toml", "id = \"INC-9\"\n[moments]\nresolved = \"2024-05-01T11:00:00Z\"\n"),
            SourceFile::new(
                "app.log",
                "2024-05-01T10:02:13Z ERROR checkout failed: pool exhausted\n2024-05-01T10:02:14Z ERROR checkout failed: pool exhausted\n",
            ),
        ])
    }

    #[test]
    fn the_self_check_drops_what_does_not_check_out_and_says_so() {
        let b = bundle();
        let mut review = draft(&b, &Options::default()).unwrap().review;
        assert!(review.verification.dropped.is_empty());
        let good = review.timeline.len();
        assert!(good >= 1);
        // A row whose quote is not in its lines, and one citing a missing source.
        let mut bad = review.timeline[0].clone();
        bad.event = "invented".into();
        bad.citations = vec![Citation::new("app.log", 1, 1, "checkout succeeded")];
        let mut ghost = bad.clone();
        ghost.citations = vec![Citation::new("nowhere.log", 1, 1, "x y")];
        review.timeline.push(bad);
        review.timeline.push(ghost);
        super::self_check(&mut review, &b);
        assert_eq!(review.timeline.len(), good, "both bad rows are dropped");
        assert_eq!(review.verification.dropped.len(), 2);
        assert!(review.verification.dropped[0].contains("invented"));
    }

    #[test]
    fn a_path_that_names_a_person_is_shown_by_their_role_in_sources_and_prose() {
        let b = Bundle::from_files(vec![
            SourceFile::new("incident.toml", "[people]\n\"Dana Whitfield\" = \"incident commander\"\n"),
            SourceFile::new("app.log", "2024-05-01T10:02:13Z ERROR checkout failed: pool exhausted\n"),
            SourceFile::new(
                "chat/dana-whitfield.txt",
                "Wednesday, May 1st, 2024\nDana Whitfield  10:02 AM\ncheckout error rate is spiking\n\
                 Marcus Oyelaran  10:03 AM\nlooking at the pool\nDana Whitfield  10:05 AM\nrolling back now\n",
            ),
        ]);
        let review = draft(&b, &Options::default()).unwrap().review;
        let chat = review.sources.iter().find(|s| s.path == "chat/dana-whitfield.txt").expect("a source");
        assert_eq!(chat.label, "chat/incident-commander.txt");
        let log = review.sources.iter().find(|s| s.path == "app.log").expect("a source");
        assert_eq!(log.label, "app.log");
        // The transcript's zone was assumed: the question names the file as the review shows it.
        let q = review.questions.iter().find(|q| q.question.contains("time zone")).expect("a question on the zone");
        assert!(q.question.contains("chat/incident-commander.txt"), "{}", q.question);
        // Citations keep the real path: it is what a checker opens.
        assert!(review.timeline.iter().flat_map(|r| &r.citations).any(|c| c.source == "chat/dana-whitfield.txt"));
        let prose: Vec<&str> = review
            .questions
            .iter()
            .flat_map(|q| [q.question.as_str(), q.evidence_needed.as_str()])
            .chain(review.findings.iter().map(|f| f.text.as_str()))
            .chain(review.timeline.iter().map(|r| r.event.as_str()))
            .collect();
        assert!(prose.iter().all(|t| !t.to_lowercase().contains("dana")), "{prose:?}");
    }

    #[test]
    fn a_moment_from_incident_toml_cites_its_line() {
        let review = draft(&bundle(), &Options::default()).unwrap().review;
        let r = &review.metrics.resolved;
        assert_eq!(r.time.unwrap().to_string(), "2024-05-01T11:00:00Z");
        assert_eq!(r.citations, [Citation::new("incident.toml", 3, 3, "resolved = \"2024-05-01T11:00:00Z\"")]);
        assert_eq!(review.incident.id.as_deref(), Some("INC-9"));
    }
}
