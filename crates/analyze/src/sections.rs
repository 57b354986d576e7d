//! The findings of each review section, drawn from the moments and the timeline.

use debrief_model::{ActionCategory, Confidence, Event, Kind, Question, Record};
use jiff::{SignedDuration, Timestamp};

use crate::Facts;
use crate::moments::{Moment, Moments, find_moments};
use crate::relate::Vocabulary;

/// A statement with the records that support it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub text: String,
    pub records: Vec<usize>,
    pub confidence: Confidence,
}

impl Item {
    fn new(text: impl Into<String>, records: Vec<usize>, confidence: Confidence) -> Self {
        Self {
            text: text.into(),
            records,
            confidence,
        }
    }
}

/// The groups of contributing factors (never one root cause).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FactorGroup {
    Technical,
    Process,
    PeopleAndCommunication,
    ToolingAndObservability,
}

impl FactorGroup {
    pub fn title(self) -> &'static str {
        match self {
            Self::Technical => "Technical",
            Self::Process => "Process",
            Self::PeopleAndCommunication => "People and communication",
            Self::ToolingAndObservability => "Tooling and observability",
        }
    }
}

/// Everything the writer needs, each item pointing at records.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub moments: Moments,
    pub summary: Vec<Item>,
    pub impact: Vec<Item>,
    pub detection: Vec<Item>,
    pub factors: Vec<(FactorGroup, Item)>,
    pub decisions: Vec<Item>,
    pub hypotheses: Vec<Item>,
    pub went_well: Vec<Item>,
    pub went_poorly: Vec<Item>,
    pub actions: Vec<(ActionCategory, Item)>,
    pub questions: Vec<Question>,
}

fn minutes(d: SignedDuration) -> i64 {
    d.as_secs() / 60
}

fn hhmm(t: Timestamp) -> String {
    t.strftime("%H:%M UTC").to_string()
}

fn role(r: &Record) -> Option<&str> {
    r.actor.as_ref().filter(|a| !a.bot).map(|a| a.name.as_str())
}

fn text_of(records: &[Record], e: &Event) -> String {
    debrief_timeline::display_text(&records[e.records[0]])
}

/// Analyzes the incident.
pub fn analyze(records: &[Record], events: &[Event], facts: &Facts) -> Analysis {
    let moments = find_moments(records, events, facts);
    let mut a = Analysis {
        moments,
        ..Analysis::default()
    };
    let m = a.moments.clone();
    let window_start = m.engaged.map(|t| t - SignedDuration::from_hours(24));
    let in_window = |e: &Event| {
        e.when
            .utc
            .is_some_and(|t| window_start.is_none_or(|w| t >= w))
    };

    summary(&mut a, records, events, facts, &m);
    changes(&mut a, records, events, &m);
    detection(&mut a, records, events, facts, &m);

    for e in events.iter().filter(|e| in_window(e)) {
        let r = &records[e.records[0]];
        let who = role(r).map(|w| format!(" ({w})")).unwrap_or_default();
        let at = e.when.utc.map(hhmm).unwrap_or_default();
        match e.kind {
            Kind::Decision => a.decisions.push(Item::new(
                format!("{at}{who}: {}", text_of(records, e)),
                e.records.clone(),
                Confidence::Likely,
            )),
            Kind::Hypothesis => a.hypotheses.push(Item::new(
                format!("{at}{who}: {}", text_of(records, e)),
                e.records.clone(),
                Confidence::Unverified,
            )),
            _ => {}
        }
    }
    if !a.hypotheses.is_empty() {
        a.questions.push(Question {
            question: format!("Which of the {} hypotheses raised during the incident were confirmed, and which rejected?", a.hypotheses.len()),
            evidence_needed: "the responders' conclusion for each, with the data that settled it".into(),
        });
    }

    went_well_and_poorly(&mut a, records, events, &m);
    actions(&mut a, records, events, &m);
    unknown_moments(&mut a, &m);
    a
}

fn summary(a: &mut Analysis, records: &[Record], events: &[Event], facts: &Facts, m: &Moments) {
    let title = facts.title.clone().or_else(|| {
        m.detected.as_ref().map(|d| {
            debrief_timeline::display_text(&records[d.records.first().copied().unwrap_or(0)])
        })
    });
    if let (Some(title), Some(d)) = (title, &m.detected) {
        a.summary.push(Item::new(
            format!("{title}: detected at {} ({}).", hhmm(d.time), d.basis),
            d.records.iter().copied().take(1).collect(),
            Confidence::Confirmed,
        ));
    }
    if let Some(s) = &m.impact_start {
        let until = m.mitigated.as_ref().map_or_else(
            || "its end is not established by the evidence".to_string(),
            |x| {
                format!(
                    "it was mitigated at {} after {} min",
                    hhmm(x.time),
                    minutes(x.time.duration_since(s.time))
                )
            },
        );
        let mut recs: Vec<usize> = s.records.iter().copied().take(1).collect();
        recs.extend(
            m.mitigated
                .iter()
                .flat_map(|x| x.records.iter().copied().take(1)),
        );
        a.summary.push(Item::new(
            format!("User-facing impact began at {}; {until}.", hhmm(s.time)),
            recs,
            Confidence::Likely,
        ));
    }
    if let Some(r) = &m.resolved {
        a.summary.push(Item::new(
            format!("The incident was declared resolved at {}.", hhmm(r.time)),
            r.records.iter().copied().take(1).collect(),
            Confidence::Confirmed,
        ));
    }
    let _ = events;
}

/// Changes before impact, nearest first: correlation, not cause.
fn changes(a: &mut Analysis, records: &[Record], events: &[Event], m: &Moments) {
    let Some(anchor) = m
        .impact_start
        .as_ref()
        .or(m.first_signal.as_ref())
        .or(m.detected.as_ref())
        .map(|x| x.time)
    else {
        return;
    };
    let mut before: Vec<&Event> = events
        .iter()
        .filter(|e| {
            e.kind == Kind::Change
                && e.when.utc.is_some_and(|t| {
                    t <= anchor && anchor.duration_since(t) <= SignedDuration::from_hours(24)
                })
        })
        .collect();
    before.sort_by_key(|e| std::cmp::Reverse(e.when.utc));
    for e in before.iter().take(5) {
        let t = e.when.utc.unwrap_or(anchor);
        let mins = minutes(anchor.duration_since(t));
        a.factors.push((
            FactorGroup::Technical,
            Item::new(
                format!(
                    "Change at {}: {} — preceded impact by {mins} min. This is a correlation, not an established cause.",
                    hhmm(t),
                    text_of(records, e)
                ),
                e.records.clone(),
                Confidence::Unverified,
            ),
        ));
        a.questions.push(Question {
            question: format!("Did the change at {} ({}) cause the impact?", hhmm(t), text_of(records, e)),
            evidence_needed: "error rates before and after the change on the affected hosts, or the effect of reverting it".into(),
        });
    }
}

fn detection(a: &mut Analysis, records: &[Record], events: &[Event], facts: &Facts, m: &Moments) {
    let mut vocab = Vocabulary::default();
    if let Some(t) = &facts.title {
        vocab.add(t);
    }
    if let Some(d) = &m.detected {
        a.detection.push(Item::new(
            format!("Detected at {} — {}.", hhmm(d.time), d.basis),
            d.records.clone(),
            Confidence::Confirmed,
        ));
        if d.basis.contains("person") {
            a.factors.push((
                FactorGroup::ToolingAndObservability,
                Item::new(
                    "A person noticed the problem before any alert fired: no alert covered this failure.",
                    d.records.clone(),
                    Confidence::Likely,
                ),
            ));
        }
    }
    let Some(engaged) = m.engaged else { return };
    let from = engaged - SignedDuration::from_hours(24);
    let alerts: Vec<&Event> = events
        .iter()
        .filter(|e| e.kind == Kind::Alert && e.when.utc.is_some_and(|t| t >= from))
        .collect();
    for e in alerts.iter().take(12) {
        let n = e.records.len();
        a.detection.push(Item::new(
            format!(
                "Alert at {}: {} ({n} record{})",
                e.when.utc.map(hhmm).unwrap_or_default(),
                text_of(records, e),
                if n == 1 { "" } else { "s" }
            ),
            e.records.clone(),
            Confidence::Confirmed,
        ));
    }
    if let (Some(s), Some(d)) = (&m.first_signal, &m.detected)
        && d.time.duration_since(s.time) > SignedDuration::from_mins(5)
    {
        a.factors.push((
            FactorGroup::ToolingAndObservability,
            Item::new(
                format!(
                    "The first anomalous signal ({}) came {} min before detection.",
                    hhmm(s.time),
                    minutes(d.time.duration_since(s.time))
                ),
                s.records
                    .iter()
                    .copied()
                    .take(1)
                    .chain(d.records.iter().copied().take(1))
                    .collect(),
                Confidence::Likely,
            ),
        ));
    }
}

fn went_well_and_poorly(a: &mut Analysis, _records: &[Record], events: &[Event], m: &Moments) {
    let pair = |x: &Option<Moment>, y: &Option<Moment>| -> Option<(i64, Vec<usize>)> {
        let (x, y) = (x.as_ref()?, y.as_ref()?);
        let recs = x
            .records
            .iter()
            .copied()
            .take(1)
            .chain(y.records.iter().copied().take(1))
            .collect();
        Some((minutes(y.time.duration_since(x.time)), recs))
    };
    if let Some((mins, recs)) = pair(&m.detected, &m.acknowledged) {
        let item = Item::new(
            format!("Time to acknowledge: {mins} min."),
            recs,
            Confidence::Confirmed,
        );
        if mins <= 5 {
            a.went_well.push(item)
        } else {
            a.went_poorly.push(item)
        }
    }
    if let Some((mins, recs)) = pair(&m.impact_start, &m.detected) {
        let item = Item::new(
            format!("Time to detect: {mins} min after impact began."),
            recs,
            Confidence::Likely,
        );
        if mins <= 5 {
            a.went_well.push(item)
        } else {
            a.went_poorly.push(item)
        }
    }
    if let Some((mins, recs)) = pair(&m.impact_start, &m.mitigated) {
        let item = Item::new(
            format!("Time to mitigate: {mins} min after impact began."),
            recs,
            Confidence::Likely,
        );
        if mins <= 30 {
            a.went_well.push(item)
        } else {
            a.went_poorly.push(item)
        }
    }
    if let Some(e) = events.iter().find(|e| {
        e.kind == Kind::Escalation
            && m.acknowledged.as_ref().is_some_and(|k| {
                e.when
                    .utc
                    .is_some_and(|t| t > k.time + SignedDuration::from_mins(15))
            })
    }) && let (Some(k), Some(t)) = (&m.acknowledged, e.when.utc)
    {
        a.went_poorly.push(Item::new(
            format!(
                "Escalation came {} min after acknowledgement.",
                minutes(t.duration_since(k.time))
            ),
            e.records.clone(),
            Confidence::Likely,
        ));
    }
    if a.hypotheses.len() >= 3 {
        a.went_poorly.push(Item::new(
            format!(
                "{} hypotheses were raised before the cause was found.",
                a.hypotheses.len()
            ),
            a.hypotheses
                .iter()
                .flat_map(|h| h.records.iter().copied().take(1))
                .take(3)
                .collect(),
            Confidence::Likely,
        ));
    }
}

fn actions(a: &mut Analysis, records: &[Record], events: &[Event], m: &Moments) {
    if let Some(d) = &m.detected
        && d.basis.contains("person")
    {
        a.actions.push((
            ActionCategory::Monitoring,
            Item::new(
                "Add an alert on the user-facing symptom that was first reported by a person, with a burn-rate threshold on its error ratio",
                d.records.clone(),
                Confidence::Likely,
            ),
        ));
    }
    if let (Some(s), Some(d)) = (&m.first_signal, &m.detected)
        && d.time.duration_since(s.time) > SignedDuration::from_mins(5)
    {
        let what = debrief_timeline::display_text(&records[s.records[0]]);
        a.actions.push((
            ActionCategory::Monitoring,
            Item::new(
                format!(
                    "Alert on the signal that preceded detection by {} min: {what}",
                    minutes(d.time.duration_since(s.time))
                ),
                s.records.iter().copied().take(1).collect(),
                Confidence::Likely,
            ),
        ));
    }
    if let Some((_, item)) = a
        .factors
        .iter()
        .find(|(g, i)| *g == FactorGroup::Technical && i.text.starts_with("Change at"))
    {
        a.actions.push((
            ActionCategory::DeploymentSafety,
            Item::new(
                "Gate the rollout of the change that preceded impact on the error and latency signals of the affected service, with automatic rollback",
                item.records.clone(),
                Confidence::Likely,
            ),
        ));
    }
    if a.hypotheses.len() >= 2 {
        a.actions.push((
            ActionCategory::Runbooks,
            Item::new(
                "Write down the checks that told the hypotheses apart as a runbook for the alert that paged",
                a.hypotheses.iter().flat_map(|h| h.records.iter().copied().take(1)).take(3).collect(),
                Confidence::Unverified,
            ),
        ));
    }
    if let Some(e) = events
        .iter()
        .find(|e| e.kind == Kind::Signal && e.records.len() >= 5)
    {
        a.actions.push((
            ActionCategory::SystemDesign,
            Item::new(
                format!("Make the service degrade gracefully under the failure behind this burst ({}×): {}", e.records.len(), text_of(records, e)),
                vec![e.records[0]],
                Confidence::Unverified,
            ),
        ));
    }
    if a.went_poorly
        .iter()
        .any(|i| i.text.starts_with("Escalation") || i.text.starts_with("Time to acknowledge"))
    {
        let recs = a
            .went_poorly
            .iter()
            .find(|i| i.text.starts_with("Escalation") || i.text.starts_with("Time to acknowledge"))
            .map(|i| i.records.clone())
            .unwrap_or_default();
        a.actions.push((
            ActionCategory::IncidentProcess,
            Item::new("Set an escalation rule: page the next level automatically when the incident is not mitigated within a fixed time", recs, Confidence::Unverified),
        ));
    }
}

fn unknown_moments(a: &mut Analysis, m: &Moments) {
    let needs = [
        (
            "first signal",
            m.first_signal.is_none(),
            "error-level logs or metrics covering the time before detection",
        ),
        (
            "impact start",
            m.impact_start.is_none(),
            "request logs with status codes, an error-rate metric, or the first customer report",
        ),
        (
            "detection",
            m.detected.is_none(),
            "the alert or pager log, or the first human report",
        ),
        (
            "acknowledgement",
            m.acknowledged.is_none(),
            "the pager's acknowledgement, or the first responder message",
        ),
        (
            "mitigation",
            m.mitigated.is_none(),
            "the error-rate metric or alert history covering the recovery",
        ),
        (
            "resolution",
            m.resolved.is_none(),
            "the pager's resolve entry or the incident channel's closing message",
        ),
    ];
    for (name, unknown, evidence) in needs {
        if unknown {
            a.questions.push(Question {
                question: format!("When was the {name}? The artifacts do not establish it."),
                evidence_needed: evidence.into(),
            });
        }
    }
}
