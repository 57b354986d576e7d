//! The Markdown rendering: every section of DESIGN.md in order, evidence as
//! `source:line` with a short quote, times in the display zone and UTC.

use std::collections::HashMap;

use debrief_model::{ActionCategory, Assist, Citation, Finding, Metric, Review};
use jiff::Timestamp;
use jiff::tz::TimeZone;

const SHORT_QUOTE: usize = 80;

struct Out<'r> {
    s: String,
    tz: TimeZone,
    zone: String,
    /// Source path → how the review shows it, where the two differ (a path with a name in it).
    labels: HashMap<&'r str, &'r str>,
}

impl Out<'_> {
    fn line(&mut self, text: &str) {
        self.s.push_str(text);
        self.s.push('\n');
    }

    fn blank(&mut self) {
        if !self.s.ends_with("\n\n") {
            self.s.push('\n');
        }
    }

    fn local(&self, t: Timestamp) -> String {
        let dt = self.tz.to_datetime(t);
        let abbr = self.tz.to_offset_info(t).abbreviation().to_string();
        format!("{} {abbr}", dt.strftime("%Y-%m-%d %H:%M:%S"))
    }
}

fn utc(t: Timestamp) -> String {
    t.strftime("%H:%M:%SZ").to_string()
}

fn short(q: &str, max: usize) -> String {
    let first = q.lines().next().unwrap_or("");
    if first.chars().count() <= max {
        return first.to_string();
    }
    let cut: String = first.chars().take(max).collect();
    // Keep a substitution whole or drop it.
    let cut = match (cut.rfind('‹'), cut.rfind('›')) {
        (Some(o), c) if c.is_none_or(|c| c < o) => cut[..o].to_string(),
        _ => cut,
    };
    format!("{}…", cut.trim_end())
}

/// Inline code that survives backticks in the text.
fn code(s: &str) -> String {
    let s = s.replace('`', "'");
    format!("`{s}`")
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

impl Out<'_> {
    /// Citations as `source:line “quote”`, each source by its label.
    fn evidence(&self, cites: &[Citation]) -> String {
        if cites.is_empty() {
            return "no evidence cited".to_string();
        }
        cites
            .iter()
            .map(|c| {
                let source = self.labels.get(c.source.as_str()).copied().unwrap_or(&c.source);
                let at = if c.end_line > c.line {
                    format!("{source}:{}-{}", c.line, c.end_line)
                } else {
                    format!("{source}:{}", c.line)
                };
                format!("{} “{}”", code(&at), short(&c.quote, SHORT_QUOTE))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn findings<'a>(r: &'a Review, section: &'a str) -> impl Iterator<Item = &'a Finding> {
    r.findings.iter().filter(move |f| f.section == section)
}

fn bullet(out: &mut Out, f: &Finding) {
    let conf = format!("{:?}", f.confidence).to_lowercase();
    let ev = out.evidence(&f.citations);
    let by = f.author.as_deref().map(|a| format!("; written by {a}, checked against the evidence")).unwrap_or_default();
    out.line(&format!("- {} _({conf}{by})_ — {ev}", f.text));
}

fn unknown(out: &mut Out, what: &str, needed: &str) {
    out.line(&format!("**Unknown** — {what}. Evidence that would settle it: {needed}."));
}

/// Renders the review as Markdown.
pub fn markdown(r: &Review) -> String {
    let tz = TimeZone::get(&r.display_timezone).unwrap_or(TimeZone::UTC);
    let labels = r
        .sources
        .iter()
        .map(|s| (s.path.as_str(), s.shown()))
        .chain(r.skipped.iter().map(|s| (s.path.as_str(), s.shown())))
        .filter(|(path, label)| path != label)
        .collect();
    let mut out = Out { s: String::new(), tz, zone: r.display_timezone.clone(), labels };
    let title = r.incident.title.as_deref().unwrap_or("Untitled incident");
    match &r.incident.id {
        Some(id) => out.line(&format!("# Postmortem draft — {id}: {title}")),
        None => out.line(&format!("# Postmortem draft — {title}")),
    }
    out.blank();
    let mut meta = Vec::new();
    if let Some(s) = &r.incident.severity {
        meta.push(format!("**Severity:** {s}"));
    }
    if !r.incident.services.is_empty() {
        meta.push(format!("**Services:** {}", r.incident.services.join(", ")));
    }
    meta.push(format!("**Times:** {} and UTC", out.zone));
    out.line(&meta.join(" · "));
    out.blank();
    out.line("> Draft for review. Every statement cites its evidence as `source:line` with a quote from the redacted source; what the evidence does not establish says **Unknown**. People appear as roles.");
    out.blank();
    if let Some(a) = &r.assist {
        assist_note(&mut out, a);
    }

    out.line("## Summary");
    out.blank();
    let summary: Vec<_> = findings(r, "summary").collect();
    if summary.is_empty() {
        unknown(
            &mut out,
            "what happened is not established by the artifacts",
            "an alert, a pager log or the incident channel",
        );
    }
    for f in summary {
        bullet(&mut out, f);
    }
    out.blank();

    out.line("## Customer impact");
    out.blank();
    let impact: Vec<_> = findings(r, "customer_impact").collect();
    if impact.is_empty() {
        unknown(
            &mut out,
            "how many customers were affected, and how",
            "error rates by endpoint, support ticket counts, or status page posts",
        );
    }
    for f in impact {
        bullet(&mut out, f);
    }
    out.blank();

    out.line("## Detection and response");
    out.blank();
    out.line(&format!("| Moment | {} | UTC | Evidence | Definition |", out.zone));
    out.line("|---|---|---|---|---|");
    for (name, m) in r.metrics.named() {
        metric_row(&mut out, name, m);
    }
    out.blank();
    for (name, d) in &r.durations {
        let v = d.seconds.map_or_else(|| "**Unknown**".to_string(), |s| format!("{} min {} s", s / 60, s % 60));
        out.line(&format!("- {}: {v} ({})", name.replace('_', " "), d.definition));
    }
    out.blank();
    for f in findings(r, "detection") {
        bullet(&mut out, f);
    }
    out.blank();

    out.line("## Timeline");
    out.blank();
    if r.timeline.is_empty() {
        unknown(&mut out, "no event in the artifacts has a time", "timestamped chat, pager, alert or log records");
    } else {
        out.line(&format!("| {} | UTC | Event | Evidence |", out.zone));
        out.line("|---|---|---|---|");
        for row in &r.timeline {
            let (local, u) = match row.time {
                Some(t) => (out.local(t), utc(t)),
                None => ("Unknown".into(), "Unknown".into()),
            };
            let approx = if row.precision == debrief_model::Precision::Exact { "" } else { " ~" };
            let who = row.actor.as_ref().map(|a| format!("{a}: ")).unwrap_or_default();
            let event = if row.verbatim { format!("“{}”", row.event) } else { row.event.clone() };
            let line = format!(
                "| {local}{approx} | {u} | {} | {} |",
                cell(&format!("{who}{event}")),
                cell(&out.evidence(&row.citations))
            );
            out.line(&line);
        }
    }
    out.blank();

    out.line("## Contributing factors");
    out.blank();
    out.line("_Factors, not a single root cause. A change that preceded impact is a correlation until the evidence confirms it._");
    out.blank();
    for (group, title) in [
        ("technical", "Technical"),
        ("process", "Process"),
        ("people_and_communication", "People and communication"),
        ("tooling_and_observability", "Tooling and observability"),
    ] {
        out.line(&format!("### {title}"));
        out.blank();
        let items: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.section == "contributing_factors" && f.group.as_deref() == Some(group))
            .collect();
        if items.is_empty() {
            out.line(
                "**Unknown** — nothing in the artifacts establishes a factor here; raise it in the review meeting.",
            );
        }
        for f in items {
            bullet(&mut out, f);
        }
        out.blank();
    }
    let hyps: Vec<_> = findings(r, "hypotheses").collect();
    if !hyps.is_empty() {
        out.line("### Hypotheses raised during the incident");
        out.blank();
        for f in hyps {
            bullet(&mut out, f);
        }
        out.blank();
    }

    for (section, title, none) in [
        ("decision_points", "Decision points", "no decision is recorded in the artifacts"),
        ("went_well", "What went well", "nothing the evidence establishes"),
        ("went_poorly", "What went poorly", "nothing the evidence establishes"),
    ] {
        out.line(&format!("## {title}"));
        out.blank();
        let items: Vec<_> = findings(r, section).collect();
        if items.is_empty() {
            out.line(&format!("**Unknown** — {none}."));
        }
        for f in items {
            bullet(&mut out, f);
        }
        out.blank();
    }

    out.line("## Action items");
    out.blank();
    out.line("_An item without an owner and a due date is not yet an action item._");
    out.blank();
    for cat in ActionCategory::ALL {
        out.line(&format!("### {}", cat.title()));
        out.blank();
        let items: Vec<_> = r.actions.iter().filter(|a| a.category == cat).collect();
        if items.is_empty() {
            out.line("- None proposed from the evidence.");
        }
        for a in items {
            let owner = a.owner.as_deref().unwrap_or("Unknown");
            let due = a.due.as_deref().unwrap_or("Unknown");
            let status = if a.owner.is_some() && a.due.is_some() { "" } else { " — not yet an action item" };
            let by = a.author.as_deref().map(|m| format!(", proposed by {m}")).unwrap_or_default();
            out.line(&format!(
                "- [ ] {} (owner: {owner}, due: {due}{status}{by}) — {}",
                a.text,
                out.evidence(&a.citations)
            ));
        }
        out.blank();
    }

    out.line("## Open questions and missing evidence");
    out.blank();
    if r.questions.is_empty() {
        out.line("- None found.");
    }
    for q in &r.questions {
        match &q.unverified {
            Some(u) => out.line(&format!(
                "- {} — _written by {}, not verified ({}); evidence needed:_ {}",
                q.question,
                u.author,
                u.reasons.join("; "),
                q.evidence_needed
            )),
            None if q.citations.is_empty() => {
                out.line(&format!("- {} — _evidence needed:_ {}", q.question, q.evidence_needed));
            }
            None => out.line(&format!(
                "- {} — _evidence needed:_ {} — {}",
                q.question,
                q.evidence_needed,
                out.evidence(&q.citations)
            )),
        }
    }
    out.blank();

    appendix(&mut out, r);
    out.s
}

fn metric_row(out: &mut Out, name: &str, m: &Metric) {
    let label = name.replace('_', " ");
    match m.time {
        Some(t) => {
            let approx = if m.precision == debrief_model::Precision::Exact { "" } else { " ~" };
            let line = format!(
                "| {label} | {}{approx} | {} | {} | {} |",
                out.local(t),
                utc(t),
                cell(&out.evidence(&m.citations)),
                cell(&m.definition)
            );
            out.line(&line);
            for c in &m.conflicts {
                let at = c.time.map_or_else(|| "Unknown".to_string(), |t| format!("{} ({})", out.local(t), utc(t)));
                out.line(&format!(
                    "| ↳ conflicting source | {at} | | {} | another source puts {label} here |",
                    cell(&out.evidence(&c.citations))
                ));
            }
        }
        None => {
            let needed = m.evidence_needed.as_deref().unwrap_or("more evidence");
            out.line(&format!(
                "| {label} | **Unknown** | **Unknown** | needs: {} | {} |",
                cell(needed),
                cell(&m.definition)
            ));
        }
    }
}

fn appendix(out: &mut Out, r: &Review) {
    out.line("## Appendix");
    out.blank();
    out.line("### Sources");
    out.blank();
    out.line("| Source | Format | Lines | Records | Problems |");
    out.line("|---|---|---|---|---|");
    for s in &r.sources {
        let problems = if s.problems.is_empty() {
            String::new()
        } else {
            s.problems.iter().take(3).map(ToString::to_string).collect::<Vec<_>>().join("; ")
                + &if s.problems.len() > 3 { format!(" (+{} more)", s.problems.len() - 3) } else { String::new() }
        };
        out.line(&format!(
            "| {} | {} | {} | {} | {} |",
            code(s.shown()),
            s.format,
            s.lines,
            s.records,
            cell(&problems)
        ));
    }
    out.blank();
    if !r.skipped.is_empty() {
        out.line("### Skipped files");
        out.blank();
        for s in &r.skipped {
            out.line(&format!("- {}: {}", code(s.shown()), s.reason));
        }
        out.blank();
    }
    if !r.log_templates.is_empty() {
        out.line("### Top log templates around impact");
        out.blank();
        out.line(&format!("| Lines | Template | Level | First ({}) | Last | Evidence |", out.zone));
        out.line("|---|---|---|---|---|---|");
        for t in &r.log_templates {
            let when = |t: Option<Timestamp>| t.map_or_else(|| "Unknown".to_string(), |t| out.local(t));
            let lines = if t.count == t.total { t.count.to_string() } else { format!("{} of {}", t.count, t.total) };
            let onset = t.onset.as_deref().map(|o| format!(" ({})", o.replace('_', " "))).unwrap_or_default();
            let row = format!(
                "| {lines} | {} | {}{onset} | {} | {} | {} |",
                cell(&code(&short(&t.template, 160))),
                t.level.as_deref().unwrap_or("—"),
                when(t.first),
                when(t.last),
                cell(&out.evidence(&t.citations))
            );
            out.line(&row);
        }
        out.blank();
    }
    out.line("### Redaction");
    out.blank();
    if r.redaction.is_empty() {
        out.line("- Nothing was redacted.");
    }
    for (rule, n) in &r.redaction {
        out.line(&format!("- {rule}: {n}"));
    }
    out.blank();
    out.line("### Metric definitions");
    out.blank();
    for (name, m) in r.metrics.named() {
        out.line(&format!("- **{}**: {}", name.replace('_', " "), m.definition));
    }
    for (name, d) in &r.durations {
        out.line(&format!("- **{}**: {}", name.replace('_', " "), d.definition));
    }
    out.blank();
    out.line("### Verification");
    out.blank();
    out.line(&format!("- {} citations checked against the bundle.", r.verification.checked));
    for d in &r.verification.dropped {
        out.line(&format!("- Dropped: {d}"));
    }
}

/// What the model did, near the top so a reader knows which statements it wrote and
/// when the draft is the engine's alone.
fn assist_note(out: &mut Out, a: &Assist) {
    let head = match a.status.as_str() {
        "failed" => format!("> **Model assistance failed** ({}): this draft is the engine's alone.", a.model),
        "partial" => format!("> **Model assistance partly failed** ({}).", a.model),
        _ => format!("> Model assistance: {}.", a.model),
    };
    out.line(&head);
    if a.claims > 0 {
        out.line(&format!(
            "> Of {} statements it wrote, {} checked out against the evidence and appear marked as written by it; {} did not and appear only as open questions; {} were dropped.",
            a.claims, a.verified, a.unverified, a.dropped
        ));
    }
    for n in &a.notes {
        out.line(&format!("> {n}"));
    }
    out.blank();
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use debrief_model::{
        Action, ActionCategory, Confidence, Duration, IncidentInfo, Metric, Metrics, Precision, Question, ReviewSource,
        SCHEMA, SkippedFile, TimelineRow, Unverified, Verification,
    };

    use super::*;

    fn cite(line: u32, quote: &str) -> Citation {
        Citation::new("pagerduty/log_entries.json", line, line + 3, quote)
    }

    fn metric(time: Option<&str>, quote: &str) -> Metric {
        Metric {
            time: time.map(|t| t.parse().unwrap()),
            precision: if time.is_some() { Precision::Exact } else { Precision::Unknown },
            citations: time.map(|_| vec![cite(10, quote)]).unwrap_or_default(),
            definition: "def".into(),
            evidence_needed: time.is_none().then(|| "the pager log".into()),
            basis: None,
            conflicts: vec![],
        }
    }

    fn review() -> Review {
        Review {
            schema: SCHEMA.into(),
            incident: IncidentInfo {
                id: Some("INC-1".into()),
                title: Some("Checkout | errors".into()),
                severity: None,
                services: vec![],
            },
            display_timezone: "America/Chicago".into(),
            sources: vec![ReviewSource {
                path: "pagerduty/log_entries.json".into(),
                label: "pagerduty/log_entries.json".into(),
                format: "pagerduty".into(),
                records: 3,
                problems: vec![],
                size: 10,
                lines: 40,
            }],
            skipped: vec![SkippedFile::new("core.bin", "binary file")],
            metrics: Metrics {
                first_signal: metric(None, ""),
                impact_start: metric(Some("2024-10-08T14:43:05Z"), "POST /checkout 500"),
                detected: metric(Some("2024-10-08T14:49:31Z"), "[FIRING:1] CheckoutErrorRate"),
                acknowledged: metric(Some("2024-10-08T14:51:10Z"), "Acknowledged by ‹Responder A›."),
                mitigated: metric(None, ""),
                resolved: metric(None, ""),
            },
            durations: BTreeMap::from([(
                "time_to_detect".into(),
                Duration { seconds: Some(386), definition: "detected − impact start".into() },
            )]),
            timeline: vec![TimelineRow {
                time: Some("2024-10-08T14:51:10Z".parse().unwrap()),
                precision: Precision::Exact,
                kind: "acknowledge".into(),
                event: "Acknowledged | paged".into(),
                citations: vec![cite(20, "Acknowledged by ‹Responder A›.")],
                actor: Some("Responder A".into()),
                verbatim: false,
            }],
            findings: vec![Finding {
                section: "contributing_factors".into(),
                group: Some("technical".into()),
                text: "Change at 14:36 UTC preceded impact by 7 min.".into(),
                confidence: Confidence::Unverified,
                citations: vec![cite(30, "Deploy checkout-api v2.31.0")],
                author: None,
            }],
            actions: vec![Action {
                category: ActionCategory::Monitoring,
                text: "Alert on pool saturation".into(),
                owner: None,
                due: None,
                citations: vec![],
                author: None,
            }],
            questions: vec![Question {
                question: "When did impact stop?".into(),
                evidence_needed: "error-rate metric".into(),
                citations: vec![],
                unverified: None,
            }],
            redaction: BTreeMap::from([("person".into(), 4)]),
            verification: Verification { checked: 4, dropped: vec![] },
            assist: None,
            log_templates: Vec::new(),
        }
    }

    #[test]
    fn renders_every_section_with_zone_and_evidence() {
        insta::assert_snapshot!(markdown(&review()));
    }

    #[test]
    fn model_statements_are_marked_and_a_failed_model_is_said_up_front() {
        let mut r = review();
        r.findings[0].author = Some("openai:gpt-4o-mini".into());
        r.questions.push(Question {
            question: "Unverified (model): the database team caused it".into(),
            evidence_needed: "a record that shows it".into(),
            citations: vec![],
            unverified: Some(Unverified {
                author: "openai:gpt-4o-mini".into(),
                reasons: vec!["blame phrasing".into()],
            }),
        });
        r.assist = Some(Assist {
            model: "openai:gpt-4o-mini".into(),
            status: "failed".into(),
            notes: vec!["the server answered 503 three times".into()],
            ..Assist::default()
        });
        let md = markdown(&r);
        assert!(md.contains("_(unverified; written by openai:gpt-4o-mini, checked against the evidence)_"), "{md}");
        assert!(md.contains("not verified (blame phrasing)"), "{md}");
        let failed = md.find("**Model assistance failed**").expect("failure note");
        assert!(failed < md.find("## Summary").unwrap_or(0), "the note comes before the first section");
        assert!(md.contains("> the server answered 503 three times"));
    }

    #[test]
    fn a_source_is_shown_by_its_label_everywhere() {
        let mut r = review();
        r.sources[0].label = String::new();
        r.sources.push(ReviewSource {
            path: "notes/priya-raman.md".into(),
            label: "notes/responder-b.md".into(),
            format: "notes".into(),
            records: 2,
            problems: vec![],
            size: 10,
            lines: 12,
        });
        r.skipped.push(SkippedFile {
            path: "notes/priya-raman.pdf".into(),
            reason: "binary file".into(),
            label: Some("notes/responder-b.pdf".into()),
        });
        let c = Citation::new("notes/priya-raman.md", 4, 5, "rolled back v2.31.0");
        r.findings[0].citations.push(c.clone());
        r.timeline[0].citations.push(c.clone());
        r.metrics.detected.citations.push(c);
        let md = markdown(&r);
        assert!(!md.to_lowercase().contains("priya"), "{md}");
        assert_eq!(md.matches("`notes/responder-b.md:4-5` “rolled back v2.31.0”").count(), 3, "{md}");
        assert!(md.contains("| `notes/responder-b.md` | notes | 12 | 2 |"), "{md}");
        assert!(md.contains("- `notes/responder-b.pdf`: binary file"), "{md}");
        // A source without a label (a review written before labels) is shown by its path.
        assert!(md.contains("`pagerduty/log_entries.json:20-23`"), "{md}");
        assert!(md.contains("| `pagerduty/log_entries.json` | pagerduty |"), "{md}");
    }

    #[test]
    fn short_quotes_never_split_a_substitution() {
        let q = format!("{}‹Responder A› said", "x".repeat(75));
        let s = short(&q, 80);
        assert!(!s.contains('‹'), "{s}");
        assert!(s.ends_with('…'));
    }
}
