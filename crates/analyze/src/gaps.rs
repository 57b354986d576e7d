//! What the responders themselves said was missing or went wrong, and what they left open:
//! gap statements in chat and notes ("nothing alerted", "the test suite doesn't measure
//! cpu"), the follow-up lists of their notes sorted into questions, factors and actions,
//! and the questions the evidence itself raises (logs that do not cover the incident, a
//! rollout step that never confirmed, a status page only talked about).

use debrief_model::{ActionCategory, Confidence, Kind, Record};
use jiff::Timestamp;

use crate::sections::{Analysis, Ask, FactorGroup, Item, Window, hhmm, quoted};
use crate::text::has_any;

/// Phrases of a gap: something that did not exist, did not work, or came late.
const GAP: &[&str] = &[
    "no alert", "nothing alerted", "nothing paged", "nobody paged", "didn't alert", "didnt alert", "did not alert",
    "never alerted", "not alerted", "didn't fire", "didnt fire", "did not fire", "never fired", "no canary",
    "no automatic rollback", "doesn't measure", "doesnt measure", "does not measure", "didn't catch", "didnt catch",
    "did not catch", "nobody was watching", "nobody watched", "nobody checked", "not online", "only logged",
    "never tested", "not tested", "not practised", "not practiced", "behind our own", "depend on the same",
    "lost them", "no dashboards", "too slow", "bad signal", "in hindsight", "made db", "made the", "didn't help",
    "didnt help", "did not help", "no runbook", "not deployed", "skip dog", "skips dog", "at once", " late",
    "no signal", "was down for us", "down for us too", "not help", "no monitoring", "unwatched", "nobody noticed",
];

/// Words that say which group a gap belongs to, checked in this order.
const PEOPLE: &[&str] = &[
    "status page", "status post", "on-call", "oncall", "nobody", "comms", "communicat", "escalat", "announce",
    "not online",
];
const TOOLING: &[&str] = &[
    "alert", "page", "paged", "dashboard", "grafana", "monitor", "metric", "logged", "logs", "observab", "synthetic",
    "probe", "signal", "telemetry", "netprobe",
];
const PROCESS: &[&str] = &[
    "test", "canary", "deploy", "rollout", "release", "review", "presubmit", "rollback", "runbook", "process",
    "validation", "gate", "practis", "practic", "bypass", "access", "credential", "dog/pig", "procedure",
];

/// Words that open a question.
const ASKING: &[&str] = &[
    "why", "when", "how", "what", "which", "who", "whether", "did", "was", "were", "is", "are", "does", "do", "can",
    "could", "should", "has", "have",
];

/// Verbs that open a to-do.
const DOING: &[&str] = &[
    "alert", "add", "rotate", "fix", "page", "write", "move", "make", "raise", "reduce", "remove", "restore", "load",
    "run", "set", "tune", "document", "automate", "rename", "stop", "keep", "use", "switch", "enable", "disable",
    "audit", "reconcile", "cap", "scale", "route", "practise", "practice", "ban", "block", "gate", "canary",
    "versioned", "version", "dedicate", "pre-scale", "prescale",
];

/// Phrases of something left unsettled while it happened.
const UNSETTLED: &[&str] = &["no idea", "dunno", "not sure", "check", "pir", "ask their", "unknown", "unclear"];

/// The most gap statements taken from chat and notes outside the follow-up lists.
const MAX_STATED: usize = 6;

pub(crate) fn group_of(lower: &str) -> FactorGroup {
    if has_any(lower, PEOPLE) {
        FactorGroup::PeopleAndCommunication
    } else if has_any(lower, TOOLING) {
        FactorGroup::ToolingAndObservability
    } else if has_any(lower, PROCESS) {
        FactorGroup::Process
    } else {
        FactorGroup::Technical
    }
}

pub(crate) fn category_of(lower: &str) -> ActionCategory {
    if has_any(lower, &["alert", "page", "dashboard", "monitor", "metric", "log-based", "synthetic", "probe"]) {
        ActionCategory::Monitoring
    } else if has_any(
        lower,
        &["deploy", "canary", "rollout", "rollback", "release", "presubmit", "validat", "config api", "version"],
    ) {
        ActionCategory::DeploymentSafety
    } else if has_any(lower, &["runbook", "break-glass", "break glass", "bypass", "procedure", "practis", "document"]) {
        ActionCategory::Runbooks
    } else if has_any(
        lower,
        &["rotate", "on-call", "oncall", "escalat", "status", "comms", "communicat", "reconcile", "customer"],
    ) {
        ActionCategory::IncidentProcess
    } else {
        ActionCategory::SystemDesign
    }
}

/// A notes line opening its section (`questions / todo`, `for the PIR:`) rather than an item.
fn is_heading(r: &Record, prev: Option<&Record>) -> bool {
    let opens = prev.is_none_or(|p| p.span.source != r.span.source || p.attr("section").is_none());
    opens && r.text.split_whitespace().count() <= 5 && !r.text.contains('?')
}

fn first_word(lower: &str) -> &str {
    lower
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .next()
        .unwrap_or("")
}

/// The follow-up lists of the notes: questions stay questions, to-dos become actions,
/// statements of what went wrong become factors (and, when they name a missing alert or
/// check, actions too).
pub(crate) fn follow_ups(a: &mut Analysis, records: &[Record]) {
    let mut prev: Option<&Record> = None;
    for (i, r) in records.iter().enumerate() {
        if r.attr("section").is_none() {
            prev = None;
            continue;
        }
        let heading = is_heading(r, prev);
        prev = Some(r);
        let text = debrief_timeline::display_text(r);
        let text = text.trim_start_matches(['-', '*', ' ']).trim();
        if heading || text.chars().count() <= 3 {
            continue;
        }
        let lower = text.to_ascii_lowercase();
        let word = first_word(&lower);
        if text.contains('?') || ASKING.contains(&word) || word == "check" {
            a.questions.push(Ask::new(text, "raised in the responders' notes; settle it in the review", vec![i]));
        } else if DOING.contains(&word) {
            a.actions.push((
                category_of(&lower),
                Item::new(format!("From the responders' follow-ups: “{text}”"), vec![i], Confidence::Likely),
            ));
        } else {
            a.factors.push((
                group_of(&lower),
                Item::new(format!("Noted by the responders: “{text}”"), vec![i], Confidence::Likely),
            ));
            if has_any(&lower, &["no alert", "nothing paged", "nothing alerted", "never alerted", "not alerted"]) {
                a.actions.push((
                    ActionCategory::Monitoring,
                    Item::new(
                        format!("Add the alert the responders found missing: “{text}”"),
                        vec![i],
                        Confidence::Likely,
                    ),
                ));
            }
        }
    }
}

/// Gap statements made during the incident (chat, notes, emails, log lines that say so).
pub(crate) fn stated_gaps(a: &mut Analysis, records: &[Record], window: &Window) {
    let mut n = 0;
    for (i, r) in records.iter().enumerate() {
        if n >= MAX_STATED {
            break;
        }
        let Some(t) = r.when.utc else { continue };
        if r.attr("section").is_some() || r.actor.as_ref().is_some_and(|a| a.bot) || !window.holds(t) {
            continue;
        }
        if !matches!(
            r.kind,
            Kind::Message
                | Kind::Signal
                | Kind::Hypothesis
                | Kind::Action
                | Kind::Escalation
                | Kind::CustomerImpact
                | Kind::StatusUpdate
                | Kind::Mitigation
                | Kind::Decision
                | Kind::Change
                | Kind::Alert
        ) {
            continue;
        }
        let first = r.text.lines().next().unwrap_or("");
        let lower = first.to_ascii_lowercase();
        if !GAP.iter().any(|g| word_match(&lower, g)) || r.kind == Kind::Signal && r.attr("level").is_none() {
            continue;
        }
        let group = group_of(&lower);
        let already = a.factors.iter().any(|(_, f)| f.records.contains(&i));
        if already {
            continue;
        }
        a.factors
            .push((group, Item::new(format!("Stated at {}: {}", hhmm(t), quoted(r)), vec![i], Confidence::Likely)));
        n += 1;
    }
}

/// A phrase as whole words (a leading space in the phrase asks for a word start only).
fn word_match(lower: &str, phrase: &str) -> bool {
    let p = phrase.trim_start();
    lower.match_indices(p).any(|(at, _)| {
        let before = lower[..at].chars().next_back();
        let after = lower[at + p.len()..].chars().next();
        before.is_none_or(|c| !c.is_alphanumeric()) && after.is_none_or(|c| !c.is_alphanumeric())
    })
}

/// Things left unsettled while the incident ran: a note or message that says "no idea",
/// "check", "for the PIR".
pub(crate) fn unsettled(a: &mut Analysis, records: &[Record], window: &Window) {
    for (i, r) in records.iter().enumerate() {
        let Some(t) = r.when.utc else { continue };
        if r.attr("section").is_some() || r.actor.as_ref().is_some_and(|a| a.bot) || !window.holds(t) {
            continue;
        }
        if r.summary.is_some() || r.attr("level").is_some() || r.attr("shell").is_some() {
            continue;
        }
        let first = r.text.lines().next().unwrap_or("");
        let lower = first.to_ascii_lowercase();
        if first.contains('?') && UNSETTLED.iter().any(|u| word_match(&lower, u)) {
            a.questions.push(Ask::new(
                format!("Left open at {}: {}", hhmm(t), quoted(r)),
                "the data the responders meant to check",
                vec![i],
            ));
        }
    }
}

/// Lines of a rollout that never confirmed ("1 region(s) did not confirm", "ack pending").
pub(crate) fn unconfirmed(a: &mut Analysis, records: &[Record], window: &Window) {
    const PENDING: &[&str] = &[
        "did not confirm", "didn't confirm", "not confirmed", "unconfirmed", "ack pending", "still pending",
        "partially applied", "partial rollout",
    ];
    for (i, r) in records.iter().enumerate() {
        if !r.when.utc.is_some_and(|t| window.holds(t)) || r.attr("section").is_some() {
            continue;
        }
        let lower = r.text.to_ascii_lowercase();
        if r.attr("level").is_some() && PENDING.iter().any(|p| lower.contains(p)) {
            a.questions.push(Ask::new(
                format!("Did this step ever complete, and were the places it missed affected? {}", quoted(r)),
                "the tool's state for each target after the incident, and error rates there",
                vec![i],
            ));
            return;
        }
    }
}

/// The time span each log source covers, and the question when the logs do not cover
/// the start of the incident.
pub(crate) fn coverage(a: &mut Analysis, records: &[Record], sources: &[String], start: Option<Timestamp>) {
    let Some(start) = start else { return };
    // (source, first, last, first record index)
    let mut spans: Vec<(u32, Timestamp, Timestamp, usize)> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if r.attr("level").is_none() {
            continue;
        }
        let Some(t) = r.when.utc else { continue };
        match spans.iter_mut().find(|s| s.0 == r.span.source) {
            Some(s) => {
                if t < s.1 {
                    s.1 = t;
                    s.3 = i;
                }
                s.2 = s.2.max(t);
            }
            None => spans.push((r.span.source, t, t, i)),
        }
    }
    if spans.is_empty() {
        return;
    }
    let covered = spans.iter().any(|s| s.1 <= start && start <= s.2);
    if covered {
        return;
    }
    spans.sort_by_key(|s| s.1);
    let list: Vec<String> = spans
        .iter()
        .map(|s| {
            let name = sources.get(s.0 as usize).map_or("a log", String::as_str);
            format!("{name} {}–{}", s.1.strftime("%m-%d %H:%M"), s.2.strftime("%H:%M UTC"))
        })
        .collect();
    a.questions.push(Ask::new(
        format!(
            "What did the services log around {}, when the incident began? The logs in the bundle cover only {}.",
            hhmm(start),
            list.join("; ")
        ),
        format!("logs from before {} to the first log line, from every host and region involved", hhmm(start)),
        spans.iter().map(|s| s.3).take(3).collect(),
    ));
}

/// When the public was told: the first status-page post against detection, or a question
/// when the status page is only talked about.
pub(crate) fn status_page(a: &mut Analysis, records: &[Record], detected: Option<Timestamp>, window: &Window) {
    let posts: Vec<(Timestamp, usize)> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.kind == Kind::StatusUpdate && r.summary.as_deref().is_some_and(|s| s.starts_with("Status page"))
        })
        .filter_map(|(i, r)| Some((r.when.utc?, i)))
        .filter(|&(t, _)| window.holds(t))
        .collect();
    if let (Some(&(t, i)), Some(d)) = (posts.iter().min(), detected) {
        let mins = t.duration_since(d).as_secs() / 60;
        if mins >= 15 {
            let item = Item::new(
                format!("The first status-page post came at {}, {mins} min after detection.", hhmm(t)),
                vec![i],
                Confidence::Confirmed,
            );
            a.factors.push((FactorGroup::PeopleAndCommunication, item.clone()));
            a.went_poorly.push(item);
            a.actions.push((
                ActionCategory::IncidentProcess,
                Item::new(
                    format!("Post the first status-page update within 15 min of detection, from a template (this time {mins} min: first post at {})", hhmm(t)),
                    vec![i],
                    Confidence::Likely,
                ),
            ));
        }
        return;
    }
    if posts.is_empty()
        && let Some((i, r)) = records.iter().enumerate().find(|(_, r)| {
            r.when.utc.is_some_and(|t| window.holds(t)) && r.actor.as_ref().is_none_or(|a| !a.bot) && {
                let l = r.text.to_ascii_lowercase();
                l.contains("status page")
                    && has_any(&l, &["post", "update", "up yet", "draft", "go up", "went up", "publish"])
                    && !has_any(&l, &["says", "shows", "their status"])
            }
        })
    {
        a.questions.push(Ask::new(
            format!(
                "When was the status page first updated? The artifacts only mention it at {}: {}",
                r.when.utc.map(hhmm).unwrap_or_default(),
                quoted(r)
            ),
            "the status page's incident history with its post times",
            vec![i],
        ));
    }
}

/// Customers who paid without getting what they paid for.
pub(crate) fn charges(a: &mut Analysis, records: &[Record], window: &Window) {
    const MONEY: &[&str] = &["charged", "double charge", "charged twice", "refund", "billed twice", "pending charge"];
    if let Some((i, r)) = records.iter().enumerate().find(|(_, r)| {
        r.when.utc.is_some_and(|t| window.holds(t))
            && matches!(r.kind, Kind::CustomerImpact | Kind::Message | Kind::Escalation | Kind::Decision)
            && has_any(&r.text.to_ascii_lowercase(), MONEY)
    }) {
        a.questions.push(Ask::new(
            format!("How many customers were charged without their order completing (or charged twice)? {}", quoted(r)),
            "the payment provider's captures reconciled against completed orders for the impact window",
            vec![i],
        ));
        a.actions.push((
            ActionCategory::IncidentProcess,
            Item::new(
                format!("Reconcile payment captures against orders for the impact window and refund the customers charged without an order ({})", quoted(r)),
                vec![i],
                Confidence::Likely,
            ),
        ));
    }
}

/// A window-free check used by the tests.
#[cfg(test)]
fn gap(text: &str) -> bool {
    GAP.iter().any(|g| word_match(&text.to_ascii_lowercase(), g))
}

#[cfg(test)]
mod tests {
    use debrief_model::{Span, When};

    use super::*;

    #[test]
    fn gap_statements_are_read_as_whole_words() {
        assert!(gap("netprobe says ~6:00 but nothing alerted on it (we have no packet loss alert)"));
        assert!(gap("traffic drop alert ~10 min late"));
        assert!(!gap("latency is up on checkout"), "late is not latency");
        assert!(gap("the test suite doesnt measure cpu at all"));
    }

    #[test]
    fn follow_ups_sort_into_questions_actions_and_factors() {
        let line = |n: u32, text: &str| {
            Record::new(Span::line(0, n), When::unknown(), Kind::Message, text).with_attr("section", "questions")
        };
        let records = vec![
            line(1, "open Qs / followups"),
            line(2, "why did we scale IN during a network problem"),
            line(3, "rotate hmac-token (pasted in public channel)"),
            line(4, "dashboards/alerting depend on the same network, lost them exactly when we needed them"),
            line(5, "we have no alert on paynetic latency at all"),
        ];
        let mut a = Analysis::default();
        follow_ups(&mut a, &records);
        assert_eq!(a.questions.len(), 1, "the heading is not a question");
        assert_eq!(a.questions[0].records, [1]);
        assert_eq!(a.actions[0].0, ActionCategory::IncidentProcess);
        assert!(a.actions[0].1.text.contains("rotate hmac-token"));
        assert_eq!(a.factors.len(), 2);
        assert_eq!(a.factors[0].0, FactorGroup::ToolingAndObservability);
        assert_eq!(a.actions[1].0, ActionCategory::Monitoring, "a missing alert is also an action");
    }
}
