//! Decision points: the choices responders made, when, and what they weighed — read from
//! what they wrote, not only from messages the classifier called decisions.

use debrief_model::{Confidence, Kind, Record};
use jiff::{SignedDuration, Timestamp};

use crate::sections::{Item, Window, hhmm, quoted, role};
use crate::text::has_any;

/// Words that say a choice was made or proposed.
const EXPLICIT: &[&str] = &[
    "decided", "decision", "let's ", "lets ", "plan:", "plan is", "going to ", "we'll ", "we will ", "rather than",
    "instead of", "go with", "approved", "proposal", "i propose", "no objection", "do it", "not bumping",
    "not rolling", "i'd rather", "first, debug", "debug later",
];

/// Courses of action a responder announces.
const ACTIONS: &[&str] = &[
    "rolling back", "roll back", "rollback", "revert", "scale out", "scale up", "scale in", "scaling", "pinning",
    "silenc", "mute", "muted", "disable", "turning off", "turn off", "switch off", "switched off", "shed load",
    "escalat", "moving to sev", "declar", "all hands", "bypass", "break-glass", "break glass", "by hand", "manual",
    "global kill", "kill ", "restart", "recreat", "failover", "fail over", "failing over", "rename", "re-issue",
    "reissue", "keeping ", "keep the", "aws case", "support case", "opened a case",
];

/// Words of an outcome or report rather than a choice.
const OUTCOME: &[&str] =
    &["done", "complete", "finished", "back to", "recovered", "is back", "are back", "worked", "didn't help"];

/// How close two messages must be to be one decision (a proposal and its approval).
const SAME_DECISION: SignedDuration = SignedDuration::from_mins(3);
/// The most decision points listed.
const MAX_DECISIONS: usize = 12;

/// Whether a record announces a choice, and how plainly.
fn choice(r: &Record) -> Option<u8> {
    if r.actor.as_ref().is_some_and(|a| a.bot) || r.summary.is_some() && r.attr("channel").is_none() {
        return None;
    }
    if !matches!(
        r.kind,
        Kind::Decision | Kind::Mitigation | Kind::Escalation | Kind::Action | Kind::Change | Kind::Hypothesis
    ) {
        return None;
    }
    let first = r.text.lines().next().unwrap_or("");
    let lower = first.to_ascii_lowercase();
    if has_any(&lower, EXPLICIT) || r.kind == Kind::Decision {
        return Some(2);
    }
    (has_any(&lower, ACTIONS) && !has_any(&lower, OUTCOME)).then_some(1)
}

/// The decision points, in time order: each the first message of a choice with the
/// messages that followed within a few minutes (the approval, the objection).
pub(crate) fn decisions(records: &[Record], window: &Window) -> Vec<Item> {
    let mut cands: Vec<(Timestamp, usize, u8)> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.attr("section").is_none() && (r.attr("channel").is_some() || r.actor.is_some() || is_note(r))
        })
        .filter_map(|(i, r)| Some((r.when.utc?, i, choice(r)?)))
        .filter(|&(t, _, _)| window.holds(t))
        .collect();
    cands.sort_unstable();
    let mut groups: Vec<Vec<(Timestamp, usize, u8)>> = Vec::new();
    for c in cands {
        match groups.last_mut() {
            Some(g) if g.first().is_some_and(|f| c.0.duration_since(f.0) <= SAME_DECISION) => g.push(c),
            _ => groups.push(vec![c]),
        }
    }
    // The plainest decisions first when there are too many, then back in time order.
    groups.sort_by_key(|g| std::cmp::Reverse(g.iter().map(|c| c.2).max()));
    groups.truncate(MAX_DECISIONS);
    groups.sort_by_key(|g| g.first().map(|c| c.0));
    groups
        .into_iter()
        .filter_map(|g| {
            // The plainest statement leads; an exactly timed message before a note.
            let exact = |i: usize| records[i].when.precision == debrief_model::Precision::Exact;
            let lead = g.iter().max_by_key(|c| (c.2, exact(c.1), std::cmp::Reverse(c.0)))?;
            let r = &records[lead.1];
            let who = role(r).map(|w| format!(" ({w})")).unwrap_or_default();
            let mut text = format!("{}{who}: {}", hhmm(lead.0), quoted(r));
            if let Some(next) = g.iter().find(|c| c.1 != lead.1 && c.0 >= lead.0 && c.2 >= 1) {
                text.push_str("; then ");
                text.push_str(&quoted(&records[next.1]));
            }
            let mut recs: Vec<usize> = vec![lead.1];
            recs.extend(g.iter().map(|c| c.1).filter(|&i| i != lead.1));
            Some(Item::new(text, recs, Confidence::Likely))
        })
        .collect()
}

/// A line of the responders' notes (no actor, a time of minute precision).
fn is_note(r: &Record) -> bool {
    r.actor.is_none() && r.summary.is_none() && r.attr("level").is_none() && r.attr("shell").is_none()
}

#[cfg(test)]
mod tests {
    use debrief_model::{Actor, Span, When};

    use super::*;

    fn msg(line: u32, t: &str, kind: Kind, text: &str) -> Record {
        Record::new(Span::line(0, line), When::exact(t.parse().unwrap()), kind, text)
            .with_actor(Actor::person("Responder A"))
            .with_attr("channel", "inc-1")
    }

    #[test]
    fn a_proposal_and_its_approval_are_one_decision_and_an_outcome_is_none() {
        let records = vec![
            msg(
                1,
                "2019-07-02T14:02:00Z",
                Kind::Decision,
                "Proposal: global kill on the WAF Managed Rulesets now. Objections?",
            ),
            msg(2, "2019-07-02T14:02:30Z", Kind::Decision, "no objection, do it"),
            msg(3, "2019-07-02T14:09:20Z", Kind::Recovery, "Traffic back to expected levels. 502s gone."),
            msg(4, "2019-07-02T14:20:00Z", Kind::Mitigation, "rollback done, 24/24 pods on v2.30.4"),
            msg(5, "2019-07-02T14:30:00Z", Kind::Escalation, "moving to Sev-1, all hands on the bridge"),
            msg(6, "2019-07-02T14:40:00Z", Kind::Action, "silenced CheckoutDBPoolPending for 2h, it flaps"),
        ];
        let d = decisions(&records, &Window::default());
        let texts: Vec<&str> = d.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(d.len(), 3, "{texts:?}");
        assert!(texts[0].starts_with("14:02 UTC (Responder A): “Proposal: global kill"), "{}", texts[0]);
        assert!(texts[0].contains("; then “no objection, do it”"), "{}", texts[0]);
        assert_eq!(d[0].records, [0, 1]);
        assert!(texts[1].contains("Sev-1"));
        assert!(texts[2].contains("silenced CheckoutDBPoolPending"));
    }
}
