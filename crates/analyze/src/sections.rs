//! The findings of each review section, drawn from the moments and the timeline.

use debrief_model::{ActionCategory, Confidence, Event, Kind, Record};
use jiff::{SignedDuration, Timestamp};

use crate::Facts;
use crate::moments::{Moment, Moments, find_moments};

/// A statement with the records that support it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub text: String,
    pub records: Vec<usize>,
    pub confidence: Confidence,
}

impl Item {
    pub(crate) fn new(text: impl Into<String>, records: Vec<usize>, confidence: Confidence) -> Self {
        Self { text: text.into(), records, confidence }
    }
}

/// An open question, with the evidence that would settle it and the records that raise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    pub question: String,
    pub evidence_needed: String,
    pub records: Vec<usize>,
}

impl Ask {
    pub(crate) fn new(question: impl Into<String>, evidence_needed: impl Into<String>, records: Vec<usize>) -> Self {
        Self { question: question.into(), evidence_needed: evidence_needed.into(), records }
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

    /// The contract's name for the group.
    pub fn key(self) -> &'static str {
        match self {
            Self::Technical => "technical",
            Self::Process => "process",
            Self::PeopleAndCommunication => "people_and_communication",
            Self::ToolingAndObservability => "tooling_and_observability",
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
    pub questions: Vec<Ask>,
    /// The records of changes that preceded impact, nearest first.
    pub changes: Vec<Vec<usize>>,
}

pub(crate) fn minutes(d: SignedDuration) -> i64 {
    d.as_secs() / 60
}

pub(crate) fn hhmm(t: Timestamp) -> String {
    t.strftime("%H:%M UTC").to_string()
}

pub(crate) fn role(r: &Record) -> Option<&str> {
    r.actor.as_ref().filter(|a| !a.bot).map(|a| a.name.as_str())
}

/// What an event says: its record's summary, or its own words in quotation marks (a
/// quotation of the evidence, not the review's words).
fn text_of(records: &[Record], e: &Event) -> String {
    quoted(&records[e.records[0]])
}

pub(crate) fn quoted(r: &Record) -> String {
    let text = debrief_timeline::display_text(r);
    if r.summary.is_some() { text } else { format!("“{text}”") }
}

pub(crate) fn first_of(m: &Moment) -> Vec<usize> {
    m.records.iter().copied().take(1).collect()
}

fn is_metric(r: &Record) -> bool {
    r.attr("series").is_some()
}

/// The span of the incident the sections speak of: a day before the first engagement to
/// a few hours after the resolution.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Window {
    pub(crate) start: Option<Timestamp>,
    pub(crate) end: Option<Timestamp>,
}

impl Window {
    fn contains(&self, e: &Event) -> bool {
        e.when.utc.is_some_and(|t| self.holds(t))
    }

    pub(crate) fn holds(&self, t: Timestamp) -> bool {
        self.start.is_none_or(|s| t >= s) && self.end.is_none_or(|x| t <= x)
    }
}

/// Analyzes the incident.
pub fn analyze(records: &[Record], events: &[Event], facts: &Facts) -> Analysis {
    let moments = find_moments(records, events, facts);
    let mut a = Analysis { moments, ..Analysis::default() };
    let m = a.moments.clone();
    let window = Window {
        start: m.engaged.map(|t| t - SignedDuration::from_hours(24)),
        end: m.resolved.as_ref().map(|r| r.time + SignedDuration::from_hours(2)),
    };

    changes(&mut a, records, events, &m);
    summary(&mut a, records, facts, &m);
    impact(&mut a, records, events, &m, &window, facts);
    detection(&mut a, records, events, &m);

    a.decisions = crate::decisions::decisions(records, &window);
    for e in events.iter().filter(|e| window.contains(e) && e.kind == Kind::Hypothesis) {
        let r = &records[e.records[0]];
        let who = role(r).map(|w| format!(" ({w})")).unwrap_or_default();
        let at = e.when.utc.map(hhmm).unwrap_or_default();
        a.hypotheses.push(Item::new(
            format!("{at}{who}: {}", text_of(records, e)),
            e.records.clone(),
            Confidence::Unverified,
        ));
    }
    if !a.hypotheses.is_empty() {
        a.questions.push(Ask::new(
            format!(
                "Which of the {} hypotheses raised during the incident were confirmed, and which rejected?",
                a.hypotheses.len()
            ),
            "the responders' conclusion for each, with the data that settled it",
            Vec::new(),
        ));
    }

    alerts(&mut a, records, events, &m, &window);
    daily_patterns(&mut a, records, events, &window);
    observability(&mut a, records, &window);
    went_well_and_poorly(&mut a, records, events, &m);
    crate::gaps::status_page(&mut a, records, m.detected.as_ref().map(|d| d.time), &window);
    crate::gaps::stated_gaps(&mut a, records, &window);
    crate::gaps::follow_ups(&mut a, records);
    crate::actions::actions(&mut a, records, events, &m, facts);
    crate::actions::secrets_in_chat(&mut a, records, &window);
    crate::gaps::charges(&mut a, records, &window);
    unknown_moments(&mut a, &m);
    crate::gaps::unsettled(&mut a, records, &window);
    crate::gaps::unconfirmed(&mut a, records, &window);
    let start = a.changes.first().and_then(|c| records[c[0]].when.utc).or(m.impact_start.as_ref().map(|x| x.time));
    crate::gaps::coverage(&mut a, records, &facts.sources, start);
    crate::actions::keep_specific(&mut a, records, facts);
    a
}

fn summary(a: &mut Analysis, records: &[Record], facts: &Facts, m: &Moments) {
    let title = facts.title.clone().or_else(|| {
        m.detected.as_ref().and_then(|d| d.records.first()).map(|&i| debrief_timeline::display_text(&records[i]))
    });
    if let (Some(title), Some(d)) = (title, &m.detected) {
        a.summary.push(Item::new(
            format!("{title}: detected at {} ({}).", hhmm(d.time), d.basis),
            first_of(d),
            Confidence::Confirmed,
        ));
    }
    if let Some(s) = &m.impact_start {
        let until = m.mitigated.as_ref().map_or_else(
            || "when it stopped is not established by the evidence".to_string(),
            |x| format!("it was mitigated at {} after {} min", hhmm(x.time), minutes(x.time.duration_since(s.time))),
        );
        let mut recs = first_of(s);
        recs.extend(m.mitigated.iter().flat_map(first_of));
        a.summary.push(Item::new(
            format!("User-facing impact began at {}; {until}.", hhmm(s.time)),
            recs,
            Confidence::Likely,
        ));
    }
    if let Some(first) = a.changes.first()
        && let Some(s) = m.impact_start.as_ref().or(m.first_signal.as_ref())
        && let Some(t) = records[first[0]].when.utc
    {
        a.summary.push(Item::new(
            format!(
                "A change ({}) preceded the impact by {} min; whether it caused it is for the review to confirm.",
                quoted(&records[first[0]]),
                minutes(s.time.duration_since(t))
            ),
            vec![first[0]],
            Confidence::Unverified,
        ));
    }
    if let Some(r) = &m.resolved {
        a.summary.push(Item::new(
            format!("The incident was declared resolved at {}.", hhmm(r.time)),
            first_of(r),
            Confidence::Confirmed,
        ));
    }
}

/// Whether a change record comes from a system of record (a deploy, a merge, a flag
/// audit, a CI log), not from a chat message that mentions a rollout.
fn from_change_system(r: &Record) -> bool {
    r.attr("rule").is_none_or(|rule| rule.starts_with("log-"))
}

/// One setting a change moved: `DB_POOL_MAXIMUM_POOL_SIZE "40" → "16"`.
pub(crate) struct Diff {
    pub(crate) key: String,
    pub(crate) text: String,
    /// The removed and the added line.
    pub(crate) records: Vec<usize>,
}

/// The settings a deploy log's configuration diff moved: each added line (`+ KEY: new`)
/// paired with the removed line of the same key just above it (`- KEY: old`, which a log
/// reader may have kept without its sign).
pub(crate) fn config_diffs(records: &[Record], idx: &[usize]) -> Vec<Diff> {
    let split = |text: &str| -> Option<(String, String)> {
        let t = text.trim().trim_start_matches(['-', '+']).trim();
        let (k, v) = t.split_once(':')?;
        let k = k.trim();
        (!k.is_empty() && !k.contains(' ')).then(|| (k.to_string(), v.trim().trim_matches('"').to_string()))
    };
    let mut out: Vec<Diff> = Vec::new();
    for &j in idx {
        let added = &records[j];
        if added.attr("rule") != Some("log-config-diff") || !added.text.trim_start().starts_with('+') {
            continue;
        }
        let Some((key, new)) = split(&added.text) else { continue };
        let removed = records.iter().enumerate().find_map(|(i, r)| {
            let near = r.span.source == added.span.source
                && r.span.line < added.span.line
                && r.span.line + 3 >= added.span.line
                && !r.text.trim_start().starts_with('+');
            match split(&r.text) {
                Some((k, old)) if near && k == key => Some((i, old)),
                _ => None,
            }
        });
        let Some((i, old)) = removed else { continue };
        // A long value (an image reference) by its last path segment.
        let tail = |v: &str| if v.len() > 30 { v.rsplit('/').next().unwrap_or(v).to_string() } else { v.to_string() };
        if old != new && !out.iter().any(|d| d.key == key) {
            out.push(Diff { text: format!("{key} {} → {}", tail(&old), tail(&new)), key, records: vec![i, j] });
        }
    }
    out
}

/// Changes before impact, nearest first, grouped when they are steps of one rollout:
/// correlation, not cause.
fn changes(a: &mut Analysis, records: &[Record], events: &[Event], m: &Moments) {
    let Some(anchor) = m.impact_start.as_ref().or(m.first_signal.as_ref()).or(m.detected.as_ref()).map(|x| x.time)
    else {
        return;
    };
    let mut before: Vec<&Event> = events
        .iter()
        .filter(|e| {
            e.kind == Kind::Change
                && from_change_system(&records[e.records[0]])
                && e.when.utc.is_some_and(|t| t <= anchor && anchor.duration_since(t) <= SignedDuration::from_hours(24))
        })
        .collect();
    before.sort_by_key(|e| std::cmp::Reverse(e.when.utc));
    // Steps less than ten minutes apart are one rollout.
    let mut groups: Vec<Vec<&Event>> = Vec::new();
    for e in before {
        match groups.last_mut() {
            Some(g)
                if g.last()
                    .and_then(|l| l.when.utc)
                    .zip(e.when.utc)
                    .is_some_and(|(l, t)| l.duration_since(t) <= SignedDuration::from_mins(10)) =>
            {
                g.push(e);
            }
            _ => groups.push(vec![e]),
        }
    }
    for g in groups.iter().take(4) {
        let earliest = g.last().and_then(|e| e.when.utc).unwrap_or(anchor);
        let mins = minutes(anchor.duration_since(earliest));
        let steps: Vec<String> = g.iter().rev().take(4).map(|e| text_of(records, e)).collect();
        let mut recs: Vec<usize> = g.iter().rev().map(|e| e.records[0]).collect();
        let all: Vec<usize> = g.iter().rev().flat_map(|e| e.records.iter().copied()).collect();
        let diffs = config_diffs(records, &all);
        let mut what = steps.join("; ");
        if !diffs.is_empty() {
            what =
                format!("{what}; it changed {}", diffs.iter().map(|d| d.text.as_str()).collect::<Vec<_>>().join(", "));
            recs.extend(
                diffs.iter().flat_map(|d| d.records.iter().copied()).filter(|i| !recs.contains(i)).collect::<Vec<_>>(),
            );
        }
        a.factors.push((
            FactorGroup::Technical,
            Item::new(
                format!(
                    "Change at {}: {what} — preceded impact by {mins} min. This is a correlation, not an established cause.",
                    hhmm(earliest)
                ),
                recs.clone(),
                Confidence::Unverified,
            ),
        ));
        a.questions.push(Ask::new(
            format!("Did the change at {} ({}) cause the impact?", hhmm(earliest), steps[0]),
            "error rates before and after the change on the hosts it reached, or the effect of reverting it",
            vec![recs[0]],
        ));
        a.changes.push(recs);
    }
}

fn impact(a: &mut Analysis, records: &[Record], events: &[Event], m: &Moments, window: &Window, facts: &Facts) {
    if let (Some(s), Some(x)) = (&m.impact_start, &m.mitigated) {
        let mut recs = first_of(s);
        recs.extend(first_of(x));
        a.impact.push(Item::new(
            format!(
                "Users were affected for about {} min, from {} to {}.",
                minutes(x.time.duration_since(s.time)),
                hhmm(s.time),
                hhmm(x.time)
            ),
            recs,
            Confidence::Likely,
        ));
    }
    // User-facing metrics that moved, with their peaks.
    for e in events.iter().filter(|e| window.contains(e) && e.kind == Kind::Signal) {
        let r = &records[e.records[0]];
        if is_metric(r) && r.summary.is_some() && r.attr("series").is_some_and(crate::moments::impact_named) {
            a.impact.push(Item::new(debrief_timeline::display_text(r), vec![e.records[0]], Confidence::Confirmed));
        }
    }
    // Server errors answered to requests: counted from the records, and for logs read in a
    // stream (which keep few lines as records) from their per-minute counts.
    let within = |t: Timestamp| window.start.is_none_or(|s| t >= s) && window.end.is_none_or(|x| t <= x);
    let errors: Vec<usize> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.attr("http_status").and_then(|s| s.parse::<u16>().ok()).is_some_and(|s| s >= 500)
                && r.when.utc.is_some_and(within)
        })
        .map(|(i, _)| i)
        .collect();
    let counted = errors.iter().filter(|&&i| !facts.server_errors.contains_key(&records[i].span.source)).count();
    // A minute counts when it starts inside the window, or the window starts inside it.
    let streamed: u64 = facts
        .server_errors
        .values()
        .flatten()
        .filter(|&&(m, _)| within(m) || window.start.is_some_and(|s| m < s && s < m + SignedDuration::from_mins(1)))
        .map(|&(_, n)| n)
        .sum();
    let total = counted as u64 + streamed;
    if let (Some(&first), Some(&last), true) = (errors.first(), errors.last(), total > 0) {
        a.impact.push(Item::new(
            format!("{total} requests answered with a server error (5xx) in the logs."),
            vec![first, last],
            Confidence::Confirmed,
        ));
    }
    // Customers and support.
    let reports: Vec<&Event> = events
        .iter()
        .filter(|e| window.contains(e) && e.kind == Kind::CustomerImpact)
        .filter(|e| {
            let r = &records[e.records[0]];
            r.attr("channel") == Some("email") || role(r).is_some()
        })
        .collect();
    for e in reports.iter().take(5) {
        let at = e.when.utc.map(hhmm).unwrap_or_default();
        a.impact.push(Item::new(format!("{at}: {}", text_of(records, e)), e.records.clone(), Confidence::Confirmed));
    }
    if a.impact.is_empty() {
        a.questions.push(Ask::new(
            "How many users were affected, and how?",
            "request logs with status codes, an error-rate metric, or support ticket counts",
            Vec::new(),
        ));
    }
}

fn detection(a: &mut Analysis, records: &[Record], events: &[Event], m: &Moments) {
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
    let from = engaged - SignedDuration::from_hours(6);
    let until = m.resolved.as_ref().map_or(engaged + SignedDuration::from_hours(6), |r| r.time);
    let alerts: Vec<&Event> = events
        .iter()
        .filter(|e| e.kind == Kind::Alert && e.when.utc.is_some_and(|t| t >= from && t <= until))
        .collect();
    for e in alerts.iter().take(12) {
        let n = e.records.len();
        let notes = if n > 1 { format!(" ({n} notifications or sources)") } else { String::new() };
        a.detection.push(Item::new(
            format!("Alert at {}: {}{notes}", e.when.utc.map(hhmm).unwrap_or_default(), text_of(records, e)),
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
                first_of(s).into_iter().chain(first_of(d)).collect(),
                Confidence::Likely,
            ),
        ));
    }
    // The detecting alert did not page until later.
    if let (Some(d), Some(page)) =
        (&m.detected, events.iter().find(|e| e.kind == Kind::Page && e.when.utc.is_some_and(|t| t >= from)))
        && let Some(pt) = page.when.utc
        && pt.duration_since(d.time) > SignedDuration::from_mins(5)
        && !d.basis.contains("person")
    {
        a.factors.push((
            FactorGroup::ToolingAndObservability,
            Item::new(
                format!(
                    "The first related alert fired at {}, but the first page went out at {}, {} min later.",
                    hhmm(d.time),
                    hhmm(pt),
                    minutes(pt.duration_since(d.time))
                ),
                first_of(d).into_iter().chain(page.records.iter().copied().take(1)).collect(),
                Confidence::Likely,
            ),
        ));
    }
}

/// The alerts' own story: alerts that flapped, alerts silenced while the incident ran, and
/// alerts that fired before the page but paged no one.
fn alerts(a: &mut Analysis, records: &[Record], events: &[Event], m: &Moments, window: &Window) {
    // Flapping alerts (the timeline folded them into one row that counts firings).
    let mut flapping: Vec<(String, &Event)> = Vec::new();
    for e in events.iter().filter(|e| window.contains(e) && e.text.contains(" flapping: fired ")) {
        if let Some(name) = records[e.records[0]].attr("alert") {
            flapping.push((name.to_string(), e));
        }
    }
    // Silences and mutes stated in chat or notes.
    let mut silenced: Vec<(usize, Timestamp)> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let Some(t) = r.when.utc else { continue };
        if !window.holds(t) || r.attr("section").is_some() || r.summary.is_some() {
            continue;
        }
        let lower = r.text.to_ascii_lowercase();
        if crate::text::has_any(&lower, &["silenced", "muted", "silence ", "silencing", "muting", "mute "]) {
            silenced.push((i, t));
        }
    }
    for (name, e) in &flapping {
        let times = e.text.split(" flapping: ").nth(1).unwrap_or("").to_string();
        let silence =
            silenced.iter().find(|(i, _)| records[*i].text.to_ascii_lowercase().contains(&name.to_ascii_lowercase()));
        let mut recs = vec![e.records[0]];
        let text = match silence {
            Some(&(i, t)) => {
                recs.push(i);
                format!(
                    "Alert {name} flapped ({times}) and was silenced at {} while the incident ran: {}",
                    hhmm(t),
                    quoted(&records[i])
                )
            }
            None => format!(
                "Alert {name} flapped ({times}): an alert that fires and clears again and again teaches responders to ignore it."
            ),
        };
        a.factors.push((FactorGroup::ToolingAndObservability, Item::new(text, recs.clone(), Confidence::Likely)));
        let fix = match silence {
            Some(&(_, t)) => format!(
                "Fix alert {name} instead of silencing it: it flapped ({times}) and was silenced at {} during the incident; give it a threshold and `for` duration that hold through a rollout",
                hhmm(t)
            ),
            None => format!(
                "Fix alert {name} so it stops flapping ({times}): a threshold and `for` duration that hold through normal rollouts"
            ),
        };
        a.actions.push((ActionCategory::Monitoring, Item::new(fix, recs, Confidence::Likely)));
    }
    if let Some(&(i, t)) = silenced.first()
        && !flapping.iter().any(|(name, _)| records[i].text.to_ascii_lowercase().contains(&name.to_ascii_lowercase()))
    {
        a.factors.push((
            FactorGroup::ToolingAndObservability,
            Item::new(
                format!("An alert was silenced during the incident ({}): {}", hhmm(t), quoted(&records[i])),
                vec![i],
                Confidence::Likely,
            ),
        ));
        a.actions.push((
            ActionCategory::IncidentProcess,
            Item::new(
                format!(
                    "Review every silence created during an incident before it is closed (one was set at {}: {})",
                    hhmm(t),
                    quoted(&records[i])
                ),
                vec![i],
                Confidence::Likely,
            ),
        ));
    }
    // Alerts that fired before the first page and paged no one.
    let Some(page) = events
        .iter()
        .filter(|e| e.kind == Kind::Page || e.records.iter().any(|&i| records[i].kind == Kind::Page))
        .filter_map(|e| e.when.utc)
        .find(|&t| window.holds(t))
    else {
        return;
    };
    let since = m.impact_start.as_ref().or(m.first_signal.as_ref()).map(|x| x.time);
    for e in events.iter().filter(|e| e.kind == Kind::Alert) {
        let Some(t) = e.when.utc else { continue };
        let r = &records[e.records[0]];
        let paged = e.records.iter().any(|&i| records[i].kind == Kind::Page)
            || r.attr("receiver").is_some_and(|x| {
                let x = x.to_ascii_lowercase();
                x.contains("pager") || x.contains("opsgenie") || x.contains("pd")
            });
        if paged || t >= page || since.is_none_or(|s| t < s) || e.text.contains(" flapping: ") {
            continue;
        }
        let Some(name) = r.attr("alert") else { continue };
        let routed = r.attr("receiver").map(|x| format!(", routed to {x}")).unwrap_or_default();
        a.factors.push((
            FactorGroup::ToolingAndObservability,
            Item::new(
                format!(
                    "Alert {name} fired at {}{routed}, {} min before the first page, and paged no one.",
                    hhmm(t),
                    minutes(page.duration_since(t))
                ),
                vec![e.records[0]],
                Confidence::Likely,
            ),
        ));
        a.actions.push((
            ActionCategory::Monitoring,
            Item::new(
                format!("Page on {name} (or on the user-facing signal behind it): it fired at {}{routed}, {} min before anyone was paged", hhmm(t), minutes(page.duration_since(t))),
                vec![e.records[0]],
                Confidence::Likely,
            ),
        ));
    }
}

/// A metric that rose during the incident and rises at the same time every day: a
/// coincidence responders can be misled by, not evidence of cause.
fn daily_patterns(a: &mut Analysis, records: &[Record], events: &[Event], window: &Window) {
    let tod = |t: Timestamp| (t.as_second().rem_euclid(86_400)) / 60;
    for e in events.iter().filter(|e| window.contains(e) && e.kind == Kind::Signal) {
        let r = &records[e.records[0]];
        let (Some(series), Some(t)) = (r.attr("series"), e.when.utc) else { continue };
        let earlier: Vec<usize> = events
            .iter()
            .filter(|o| o.kind == Kind::Signal && o.when.utc.is_some_and(|u| u < t - SignedDuration::from_hours(12)))
            .filter(|o| records[o.records[0]].attr("series") == Some(series))
            .filter(|o| o.when.utc.is_some_and(|u| (tod(u) - tod(t)).abs() <= 30))
            .map(|o| o.records[0])
            .collect();
        if earlier.is_empty() {
            continue;
        }
        let mut recs = vec![e.records[0]];
        recs.extend(earlier.iter().copied().take(2));
        a.factors.push((
            FactorGroup::Technical,
            Item::new(
                format!(
                    "{series} rose at {} as it does at this time on other days ({} earlier day(s) in the data): a daily pattern that coincided with the incident, which can point responders the wrong way.",
                    hhmm(t),
                    earlier.len()
                ),
                recs,
                Confidence::Likely,
            ),
        ));
        return;
    }
}

/// Dashboards or alerting that were down or misleading while responders needed them.
fn observability(a: &mut Analysis, records: &[Record], window: &Window) {
    const TOOLS: &[&str] =
        &["dashboard", "grafana", "alerting", "monitoring", "metrics", "kibana", "datadog", "prometheus"];
    const BROKEN: &[&str] = &[
        "down", "timing out", "unavailable", "misleading", "wrong", "stale", "unreachable", "broken", "lying",
        "no dashboards", "not loading",
    ];
    for (i, r) in records.iter().enumerate() {
        let Some(t) = r.when.utc else { continue };
        if !window.holds(t) || r.actor.as_ref().is_none_or(|a| a.bot) || r.attr("section").is_some() {
            continue;
        }
        let lower = r.text.lines().next().unwrap_or("").to_ascii_lowercase();
        if crate::text::has_any(&lower, TOOLS) && crate::text::has_any(&lower, BROKEN) {
            a.factors.push((
                FactorGroup::ToolingAndObservability,
                Item::new(
                    format!("Observability was impaired while responders needed it ({}): {}", hhmm(t), quoted(r)),
                    vec![i],
                    Confidence::Likely,
                ),
            ));
            a.actions.push((
                ActionCategory::SystemDesign,
                Item::new(
                    format!("Keep dashboards and alerting reachable when the systems they watch fail (at {} responders reported {})", hhmm(t), quoted(r)),
                    vec![i],
                    Confidence::Likely,
                ),
            ));
            return;
        }
    }
}

fn went_well_and_poorly(a: &mut Analysis, records: &[Record], events: &[Event], m: &Moments) {
    let pair = |x: &Option<Moment>, y: &Option<Moment>| -> Option<(i64, Vec<usize>)> {
        let (x, y) = (x.as_ref()?, y.as_ref()?);
        Some((minutes(y.time.duration_since(x.time)), first_of(x).into_iter().chain(first_of(y)).collect()))
    };
    if let Some((mins, recs)) = pair(&m.detected, &m.acknowledged) {
        let item = Item::new(format!("Time to acknowledge: {mins} min."), recs, Confidence::Confirmed);
        if mins <= 5 { a.went_well.push(item) } else { a.went_poorly.push(item) }
    }
    if let Some((mins, recs)) = pair(&m.impact_start, &m.detected) {
        let item = Item::new(format!("Time to detect: {mins} min after impact began."), recs, Confidence::Likely);
        if mins <= 5 { a.went_well.push(item) } else { a.went_poorly.push(item) }
    }
    if let Some((mins, recs)) = pair(&m.impact_start, &m.mitigated) {
        let item = Item::new(format!("Time to mitigate: {mins} min after impact began."), recs, Confidence::Likely);
        if mins <= 30 { a.went_well.push(item) } else { a.went_poorly.push(item) }
    }
    // The first escalation to another team or level (a person escalating or paging, or the
    // pager escalating) after the acknowledgement, when it came late.
    let to_others = |e: &&Event| {
        let r = &records[e.records[0]];
        let own_words = role(r).is_some() && r.summary.is_none() || r.attr("incident").is_some();
        own_words
            && crate::text::has_any(
                &r.text.to_ascii_lowercase(),
                &["escalat", "level 2", "paging", "page the", "looping in", "pulling in"],
            )
    };
    if let Some(k) = &m.acknowledged
        && let Some(e) = events
            .iter()
            .filter(|e| e.kind == Kind::Escalation && e.when.utc.is_some_and(|t| t > k.time))
            .find(to_others)
        && let Some(t) = e.when.utc
        && t > k.time + SignedDuration::from_mins(15)
    {
        let item = Item::new(
            format!(
                "Escalation came {} min after acknowledgement ({}): {}",
                minutes(t.duration_since(k.time)),
                hhmm(t),
                quoted(&records[e.records[0]])
            ),
            e.records.clone(),
            Confidence::Likely,
        );
        a.factors.push((FactorGroup::Process, item.clone()));
        a.went_poorly.push(item);
    }
    rollback_delay(a, records, events, m);
    if a.hypotheses.len() >= 3 {
        a.went_poorly.push(Item::new(
            format!("{} hypotheses were raised before the cause was found.", a.hypotheses.len()),
            a.hypotheses.iter().flat_map(|h| h.records.iter().copied().take(1)).take(3).collect(),
            Confidence::Likely,
        ));
    }
}

fn unknown_moments(a: &mut Analysis, m: &Moments) {
    let needs = [
        ("first signal", m.first_signal.is_none(), "error-level logs or metrics covering the time before detection"),
        (
            "impact start",
            m.impact_start.is_none(),
            "request logs with status codes, an error-rate metric, or the first customer report",
        ),
        ("detection", m.detected.is_none(), "the alert or pager log, or the first human report"),
        ("acknowledgement", m.acknowledged.is_none(), "the pager's acknowledgement, or the first responder message"),
        ("mitigation", m.mitigated.is_none(), "the error-rate metric or alert history covering the recovery"),
        ("resolution", m.resolved.is_none(), "the pager's resolve entry or the incident channel's closing message"),
    ];
    for (name, unknown, evidence) in needs {
        if unknown {
            a.questions.push(Ask::new(
                format!("When was the {name}? The artifacts do not establish it."),
                evidence,
                Vec::new(),
            ));
        }
    }
}

/// A change raised as a suspect long before it was rolled back.
fn rollback_delay(a: &mut Analysis, records: &[Record], events: &[Event], m: &Moments) {
    let (Some(change), Some(d)) = (a.changes.first(), &m.detected) else { return };
    let c = &records[change[0]];
    let mut names: Vec<String> =
        ["deploy", "release", "rollout", "config change"].iter().map(ToString::to_string).collect();
    names.extend(c.attr("version").map(|v| v.trim_start_matches('v').to_ascii_lowercase()));
    let suspected = records
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            role(r).is_some() && r.when.utc.is_some_and(|t| t >= d.time) && r.attr("section").is_none() && {
                let l = r.text.to_ascii_lowercase();
                names.iter().any(|n| l.contains(n.as_str()))
            }
        })
        .filter_map(|(i, r)| Some((r.when.utc?, i)))
        .min();
    let rolled = events
        .iter()
        .filter(|e| e.kind == Kind::Mitigation || e.kind == Kind::Change)
        .filter(|e| e.when.utc.is_some_and(|t| t >= d.time))
        .find(|e| {
            let l = records[e.records[0]].text.to_ascii_lowercase();
            crate::text::has_any(&l, &["roll back", "rolling back", "rollback", "rolled back", "revert"])
        });
    let (Some((t1, i)), Some(e)) = (suspected, rolled) else { return };
    let Some(t2) = e.when.utc else { return };
    let mins = minutes(t2.duration_since(t1));
    if mins < 10 {
        return;
    }
    let item = Item::new(
        format!(
            "A recent change was raised as a suspect at {} ({}) and rolled back at {}, {mins} min later.",
            hhmm(t1),
            quoted(&records[i]),
            hhmm(t2)
        ),
        vec![i, e.records[0]],
        Confidence::Likely,
    );
    a.factors.push((FactorGroup::Process, item.clone()));
    a.went_poorly.push(item);
}

#[cfg(test)]
mod tests {
    use debrief_model::{Span, When};

    use super::*;

    #[test]
    fn a_config_diff_pairs_the_added_line_with_the_removed_one_above_it() {
        let t = When::exact("2024-10-08T14:37:07Z".parse().unwrap());
        let line = |n: u32, kind: Kind, text: &str| Record::new(Span::line(3, n), t.clone(), kind, text);
        let records = vec![
            line(51, Kind::Log, "DB_POOL_CONNECTION_TIMEOUT_MS: \"3000\""),
            // The log reader kept the removed line without its sign.
            line(52, Kind::Log, "DB_POOL_MAXIMUM_POOL_SIZE: \"40\""),
            line(53, Kind::Change, "+   DB_POOL_MAXIMUM_POOL_SIZE: \"16\"").with_attr("rule", "log-config-diff"),
            line(54, Kind::Log, "DB_POOL_MINIMUM_IDLE: \"8\""),
            line(57, Kind::Log, "-   PAYNETIC_READ_TIMEOUT_MS: \"3000\""),
            line(58, Kind::Change, "+   PAYNETIC_READ_TIMEOUT_MS: \"15000\"").with_attr("rule", "log-config-diff"),
        ];
        let diffs = config_diffs(&records, &[2, 5]);
        let texts: Vec<&str> = diffs.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(texts, ["DB_POOL_MAXIMUM_POOL_SIZE 40 → 16", "PAYNETIC_READ_TIMEOUT_MS 3000 → 15000"]);
        assert_eq!(diffs[0].records, [1, 2]);
    }
}
