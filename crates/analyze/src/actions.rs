//! Action items drawn from the evidence, each naming what it is about — the service, the
//! alert, the signal, the change — never "improve monitoring". Owner and due date are left
//! for a person to set.

use debrief_model::{ActionCategory, Confidence, Event, Kind, Record};
use jiff::SignedDuration;

use crate::Facts;
use crate::moments::Moments;
use crate::sections::{Analysis, Item, Window, config_diffs, first_of, hhmm, minutes, quoted};

/// The service a set of records is about: their own label, else the incident's.
fn service_of(records: &[Record], idx: &[usize], facts: &Facts) -> Option<String> {
    idx.iter()
        .find_map(|&i| records.get(i).and_then(|r| r.attr("service")))
        .map(str::to_string)
        .or_else(|| facts.services.first().cloned())
}

/// The alert a moment rests on, if any.
fn alert_of(records: &[Record], idx: &[usize]) -> Option<String> {
    idx.iter().find_map(|&i| records.get(i).and_then(|r| r.attr("alert"))).map(str::to_string)
}

/// What a signal is called: its series, its alert, or its own words.
fn signal_name(r: &Record) -> String {
    r.attr("series").or(r.attr("alert")).map_or_else(|| quoted(r), ToString::to_string)
}

pub(crate) fn actions(a: &mut Analysis, records: &[Record], events: &[Event], m: &Moments, facts: &Facts) {
    let service = |idx: &[usize]| service_of(records, idx, facts);
    if let Some(d) = &m.detected
        && d.basis.contains("person")
    {
        let what = d.records.first().map(|&i| quoted(&records[i])).unwrap_or_default();
        let on = service(&d.records).map(|s| format!(" on {s}")).unwrap_or_default();
        a.actions.push((
            ActionCategory::Monitoring,
            Item::new(
                format!("Alert{on} on the symptom a person reported first at {} ({what}), with a burn-rate threshold on its error ratio, so users are not the detector", hhmm(d.time)),
                d.records.clone(),
                Confidence::Likely,
            ),
        ));
    }
    if let (Some(s), Some(d)) = (&m.first_signal, &m.detected)
        && d.time.duration_since(s.time) > SignedDuration::from_mins(5)
        && let Some(&i) = s.records.first()
    {
        let r = &records[i];
        let on = service(&s.records).map(|x| format!(" for {x}")).unwrap_or_default();
        a.actions.push((
            ActionCategory::Monitoring,
            Item::new(
                format!(
                    "Alert{on} on {}: it moved at {}, {} min before detection",
                    signal_name(r),
                    hhmm(s.time),
                    minutes(d.time.duration_since(s.time))
                ),
                first_of(s),
                Confidence::Likely,
            ),
        ));
    }
    if let Some(change) = a.changes.first().cloned() {
        let c = &records[change[0]];
        let on = service(&change).map(|s| format!(" {s}")).unwrap_or_default();
        let version = c.attr("version").map(|v| format!(" {v}")).unwrap_or_default();
        let diffs = config_diffs(records, &events_records(events, &change));
        let (what, detail) = if diffs.is_empty() {
            ("deploys", format!("the change{version} at {} ({})", c.when.utc.map(hhmm).unwrap_or_default(), quoted(c)))
        } else {
            (
                "config changes",
                format!(
                    "{}changed {}",
                    if version.is_empty() { String::new() } else { format!("{} ", version.trim()) },
                    diffs.iter().map(|d| d.text.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
        };
        let anchor = m.impact_start.as_ref().or(m.first_signal.as_ref()).map(|x| x.time);
        let lead = match (anchor, c.when.utc) {
            (Some(x), Some(t)) => format!(" and preceded impact by {} min", minutes(x.duration_since(t))),
            _ => String::new(),
        };
        let mut recs = vec![change[0]];
        recs.extend(diffs.iter().flat_map(|d| d.records.iter().copied()));
        a.actions.push((
            ActionCategory::DeploymentSafety,
            Item::new(
                format!("Canary and automatic rollback on error rate and latency for{on} {what}: {detail}{lead}"),
                recs,
                Confidence::Likely,
            ),
        ));
    }
    if let Some(i) = a.went_poorly.iter().find(|i| i.text.starts_with("A recent change was raised")).cloned() {
        let on = service(&i.records).map(|s| format!(" of {s}")).unwrap_or_default();
        a.actions.push((
            ActionCategory::IncidentProcess,
            Item::new(
                format!("Roll back first when a recent deploy{on} correlates with impact, and debug after: {}", i.text),
                i.records,
                Confidence::Likely,
            ),
        ));
    }
    if a.hypotheses.len() >= 2 {
        let alert = m.detected.as_ref().and_then(|d| alert_of(records, &d.records));
        let for_what = alert.map_or_else(|| "this failure".to_string(), |x| format!("alert {x}"));
        let hyps: Vec<String> = a.hypotheses.iter().take(3).map(|h| short(&h.text, 90)).collect();
        a.actions.push((
            ActionCategory::Runbooks,
            Item::new(
                format!(
                    "Runbook for {for_what}: the checks that tell apart the hypotheses raised here — {}",
                    hyps.join(" / ")
                ),
                a.hypotheses.iter().flat_map(|h| h.records.iter().copied().take(1)).take(3).collect(),
                Confidence::Unverified,
            ),
        ));
    }
    // Lines an event stands for: a template burst record counts the lines it folds.
    let lines = |e: &Event| -> usize {
        e.records
            .iter()
            .map(|&i| records[i].attr("count").filter(|_| records[i].attr("template").is_some()))
            .map(|c| c.and_then(|c| c.parse().ok()).unwrap_or(1))
            .sum()
    };
    let leveled = |r: &Record| r.attr("level").or_else(|| r.attr("worst_level")).is_some();
    if let Some(e) = events
        .iter()
        .filter(|e| e.kind == Kind::Signal && lines(e) >= 5 && leveled(&records[e.records[0]]))
        .max_by_key(|e| lines(e))
    {
        let r = &records[e.records[0]];
        let on = service(&e.records[..1]).unwrap_or_else(|| "The service".to_string());
        a.actions.push((
            ActionCategory::SystemDesign,
            Item::new(
                format!(
                    "{on}: bound the effect of {} ({}× from {}) with timeouts, pool sizes and retries that degrade instead of failing requests",
                    quoted(r),
                    lines(e),
                    e.when.utc.map(hhmm).unwrap_or_default()
                ),
                vec![e.records[0]],
                Confidence::Unverified,
            ),
        ));
    }
    if let Some(i) = a.went_poorly.iter().find(|i| i.text.starts_with("Escalation came")).cloned() {
        a.actions.push((
            ActionCategory::IncidentProcess,
            Item::new(
                format!("Escalate to the owning team automatically when the incident is not mitigated 15 min after acknowledgement: {}", i.text),
                i.records,
                Confidence::Unverified,
            ),
        ));
    }
    break_glass(a, records);
}

/// A statement cut to `max` characters at a word, closing an opened quotation.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a).trim_end();
    let cut = match (cut.rfind('‹'), cut.rfind('›')) {
        (Some(o), c) if c.is_none_or(|c| c < o) => &cut[..o],
        _ => cut,
    };
    let open = cut.matches('“').count() > cut.matches('”').count();
    format!("{}…{}", cut.trim_end(), if open { "”" } else { "" })
}

fn events_records(events: &[Event], heads: &[usize]) -> Vec<usize> {
    events
        .iter()
        .filter(|e| e.records.iter().any(|i| heads.contains(i)))
        .flat_map(|e| e.records.iter().copied())
        .collect()
}

/// Procedures run by hand or through a break-glass path: keep them in a runbook and
/// practise them.
fn break_glass(a: &mut Analysis, records: &[Record]) {
    const MANUAL: &[&str] = &["break-glass", "break glass", "bypass", "by hand", "manual merge", "merged by hand"];
    if let Some((i, r)) = records.iter().enumerate().find(|(_, r)| {
        r.when.utc.is_some()
            && r.attr("section").is_none()
            && r.actor.as_ref().is_none_or(|a| !a.bot)
            && crate::text::has_any(&r.text.lines().next().unwrap_or("").to_ascii_lowercase(), MANUAL)
    }) {
        a.actions.push((
            ActionCategory::Runbooks,
            Item::new(
                format!(
                    "Write down and practise the manual path used at {}: {}",
                    r.when.utc.map(hhmm).unwrap_or_default(),
                    quoted(r)
                ),
                vec![i],
                Confidence::Likely,
            ),
        ));
    }
}

/// Secrets pasted into chat during the incident (redaction found them): rotate them.
pub(crate) fn secrets_in_chat(a: &mut Analysis, records: &[Record], window: &Window) {
    let mut seen: Vec<String> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if r.attr("channel").is_none() || !r.when.utc.is_some_and(|t| window.holds(t) || window.start.is_none()) {
            continue;
        }
        let Some(at) = r.text.find("‹secret:") else { continue };
        let kind: String = r.text[at + "‹secret:".len()..].chars().take_while(|&c| c != '›').collect();
        let channel = r.attr("channel").unwrap_or("chat");
        let key = format!("{kind}@{channel}");
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        a.actions.push((
            ActionCategory::IncidentProcess,
            Item::new(
                format!(
                    "Rotate the {kind} pasted in #{channel} at {} (redacted from this draft)",
                    r.when.utc.map(hhmm).unwrap_or_default()
                ),
                vec![i],
                Confidence::Confirmed,
            ),
        ));
    }
}

/// Phrases of an action that names nothing.
const GENERIC: &[&str] = &[
    "improve monitoring", "improve alerting", "add monitoring", "add alerts", "add more alerts", "better alerting",
    "more tests", "add tests", "be more careful", "improve the process", "improve communication",
    "review the incident", "fix the issue", "make sure", "ensure that",
];

/// Whether an action names what it is about — a service, an alert, a version, a setting, a
/// time or a quotation of the evidence — and is not generic phrasing.
pub(crate) fn specific(text: &str, anchors: &[String]) -> bool {
    let lower = text.to_ascii_lowercase();
    if GENERIC.iter().any(|g| lower.starts_with(g) || lower == *g) && !text.contains('“') {
        return false;
    }
    let quoted = text.contains('“') && text.contains('”');
    let timed = text.as_bytes().windows(9).any(|w| {
        w[0].is_ascii_digit() && w[1].is_ascii_digit() && w[2] == b':' && w[3].is_ascii_digit() && &w[5..9] == b" UTC"
    });
    quoted || timed || anchors.iter().any(|a| a.len() >= 3 && lower.contains(&a.to_ascii_lowercase()))
}

/// Drops actions that name nothing (none should be made, this keeps it so), and repeated ones.
pub(crate) fn keep_specific(a: &mut Analysis, records: &[Record], facts: &Facts) {
    let mut anchors: Vec<String> = facts.services.clone();
    for r in records {
        for key in ["alert", "service", "version", "series"] {
            if let Some(v) = r.attr(key)
                && !anchors.iter().any(|x| x == v)
            {
                anchors.push(v.to_string());
            }
        }
    }
    let mut seen: Vec<String> = Vec::new();
    a.actions.retain(|(_, item)| {
        let keep = specific(&item.text, &anchors) && !seen.contains(&item.text);
        seen.push(item.text.clone());
        keep
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_specific_action_names_what_it_is_about_and_a_generic_one_does_not() {
        let anchors = vec!["checkout-api".to_string(), "CheckoutDBPoolPending".to_string(), "v2.31.0".to_string()];
        let bad = [
            "Improve monitoring",
            "Add more alerts",
            "Be more careful with deploys",
            "Make sure rollouts are safe",
            "Gate rollouts on the error and latency signals that moved, with automatic rollback",
        ];
        for b in bad {
            assert!(!specific(b, &anchors), "{b:?} is generic");
        }
        let good = [
            "Fix alert CheckoutDBPoolPending instead of silencing it: it flapped (fired 3 times) and was silenced at 14:58 UTC",
            "Canary and automatic rollback on error rate and latency for checkout-api config changes: v2.31.0 changed DB_POOL_MAXIMUM_POOL_SIZE 40 → 16",
            "From the responders' follow-ups: “rotate hmac-token (pasted in public channel)”",
        ];
        for g in good {
            assert!(specific(g, &anchors), "{g:?} is specific");
        }
    }
}
