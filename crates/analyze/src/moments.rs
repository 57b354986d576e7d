//! The key moments of DESIGN.md, each from its evidence or `None`.
//!
//! The incident is anchored at the first engagement (an acknowledgement, else an
//! escalation or decision); evidence more than a day before it is not considered, and
//! alerts count only when they relate to the incident (see [`Vocabulary`]).

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use debrief_model::{Event, Kind, Precision, Record};
use jiff::{SignedDuration, Timestamp};

use crate::Facts;
use crate::relate::Vocabulary;

/// A moment with the records that establish it.
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    pub time: Timestamp,
    pub precision: Precision,
    /// Record indices, the first being the primary evidence.
    pub records: Vec<usize>,
    /// What the moment rests on, in words.
    pub basis: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Moments {
    pub first_signal: Option<Moment>,
    pub impact_start: Option<Moment>,
    pub detected: Option<Moment>,
    pub acknowledged: Option<Moment>,
    pub mitigated: Option<Moment>,
    pub resolved: Option<Moment>,
    /// The first engagement, the anchor of the others.
    pub engaged: Option<Timestamp>,
    /// Moments that another source puts at a different time: (moment, that source's
    /// records). Shown beside the chosen time, never averaged.
    pub conflicts: Vec<(&'static str, Vec<usize>)>,
}

/// How far apart two sources' times for one moment must be to count as a disagreement.
const CONFLICT_MIN: SignedDuration = SignedDuration::from_mins(2);
/// How far apart they may be and still be about the same moment.
const CONFLICT_MAX: SignedDuration = SignedDuration::from_hours(2);

/// For each moment set from an event, the first event of the same kind in another source
/// that puts it more than two minutes away.
fn find_conflicts(m: &mut Moments, records: &[Record], events: &[Event]) {
    let slots: [(&'static str, Option<&Moment>); 3] = [
        ("acknowledged", m.acknowledged.as_ref()),
        ("mitigated", m.mitigated.as_ref()),
        ("resolved", m.resolved.as_ref()),
    ];
    let mut found = Vec::new();
    for (name, moment) in slots {
        let Some(moment) = moment else { continue };
        let Some(&primary) = moment.records.first() else { continue };
        let kind = records[primary].kind;
        let sources: Vec<u32> = moment.records.iter().map(|&i| records[i].span.source).collect();
        let mut seen = sources.clone();
        for e in events.iter().filter(|e| e.kind == kind && !e.records.contains(&primary)) {
            let r = &records[e.records[0]];
            let Some(t) = e.when.utc else { continue };
            let gap = t.duration_since(moment.time).abs();
            if gap > CONFLICT_MIN
                && gap <= CONFLICT_MAX
                && !seen.contains(&r.span.source)
                && r.actor.as_ref().is_none_or(|a| !a.bot)
            {
                seen.push(r.span.source);
                found.push((name, e.records.iter().copied().take(1).collect()));
            }
        }
    }
    m.conflicts = found;
}

/// How far before the first engagement telemetry may show the first signal.
const LOOKBACK: SignedDuration = SignedDuration::from_hours(24);
/// How far before the first engagement an alert or report may be its detection.
const DETECT_LOOKBACK: SignedDuration = SignedDuration::from_hours(6);

/// Phrases of a person reporting trouble.
static REPORT: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .build([
            " ok?", "okay?", "anyone else", "not working", "isn't working", "doesn't work", "not responding",
            "isn't reacting", "not reacting", "unresponsive", "is down", "are down", "seems down", "went down",
            "broken", "did nothing", "ignoring", "timing out", "timed out", "can't load", "cannot load", "errors on",
            "failing", "outage", "trouble", "problem with", "spinning", "something went wrong", "5xx", "502", "503",
            "500s",
        ])
        .expect("static phrases build")
});

/// Phrases of a series or alert that measures user-facing trouble.
const IMPACT_WORDS: &[&str] =
    &["error", "5xx", "502", "503", "fail", "success", "availability", "drop", "timeout", "reject", "unavailable"];

pub(crate) fn impact_named(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    IMPACT_WORDS.iter().any(|w| n.contains(w))
}

fn is_person(r: &Record) -> bool {
    r.actor.as_ref().is_some_and(|a| !a.bot)
}

fn is_report(r: &Record) -> bool {
    matches!(r.kind, Kind::CustomerImpact | Kind::Message | Kind::Hypothesis | Kind::Escalation)
        && (is_person(r) || r.attr("channel") == Some("email"))
        && REPORT.is_match(&r.text)
}

fn is_http_error(r: &Record) -> bool {
    r.attr("http_status").and_then(|s| s.parse::<u16>().ok()).is_some_and(|s| s >= 500)
}

fn is_metric(r: &Record) -> bool {
    r.attr("series").is_some()
}

/// Whether a folded burst of log lines is an onset rather than background: at least
/// `ONSET_LINES` lines within `ONSET_SPAN` of its start.
fn is_onset(records: &[Record], e: &Event) -> bool {
    let Some(start) = e.when.utc else { return false };
    e.records.iter().filter(|&&i| records[i].when.utc.is_some_and(|t| t.duration_since(start) <= ONSET_SPAN)).count()
        >= ONSET_LINES
}

const ONSET_LINES: usize = 10;
const ONSET_SPAN: SignedDuration = SignedDuration::from_mins(10);

/// The first event matching `pred`, preferring exactly timed evidence: a note's `~10:15`
/// is used only when no exact record says the same.
fn earliest(events: &[Event], pred: impl Fn(&Event) -> bool) -> Option<&Event> {
    let mut candidates = events.iter().filter(|e| e.when.utc.is_some() && pred(e));
    let first = candidates.next()?;
    if first.when.precision == Precision::Exact {
        return Some(first);
    }
    let limit = first.when.utc.map(|t| t + APPROX_SLACK);
    candidates.take_while(|e| e.when.utc <= limit).find(|e| e.when.precision == Precision::Exact).or(Some(first))
}

/// How much later an exactly timed record may be and still be preferred to a note.
const APPROX_SLACK: SignedDuration = SignedDuration::from_mins(10);

struct Ctx<'a> {
    records: &'a [Record],
    events: &'a [Event],
    vocab: Vocabulary,
}

impl Ctx<'_> {
    fn primary(&self, e: &Event) -> &Record {
        &self.records[e.records[0]]
    }

    /// Records (all of them, not only timeline rows) in time order matching `pred`.
    fn records_where(&self, pred: impl Fn(&Record) -> bool) -> Vec<(Timestamp, usize)> {
        let mut v: Vec<_> = self
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| pred(r))
            .filter_map(|(i, r)| r.when.utc.map(|t| (t, i)))
            .collect();
        v.sort();
        v
    }

    fn moment(&self, i: usize, basis: impl Into<String>) -> Option<Moment> {
        let r = &self.records[i];
        Some(Moment { time: r.when.utc?, precision: r.when.precision, records: vec![i], basis: basis.into() })
    }
}

/// The moment an event establishes.
fn event_moment(e: &Event, basis: impl Into<String>) -> Option<Moment> {
    Some(Moment { time: e.when.utc?, precision: e.when.precision, records: e.records.clone(), basis: basis.into() })
}

/// Finds the moments.
pub fn find_moments(records: &[Record], events: &[Event], facts: &Facts) -> Moments {
    let mut vocab = Vocabulary::default();
    if let Some(t) = &facts.title {
        vocab.add(t);
    }
    for s in facts.services.iter().chain(&facts.words) {
        vocab.add(s);
    }
    for r in records {
        if r.kind == Kind::Acknowledge
            && let Some(inc) = r.attr("incident").or(r.attr("alert"))
        {
            vocab.add(inc);
        }
        if let Some(ch) = r.attr("channel")
            && (ch.starts_with("inc") || ch.contains("incident"))
        {
            vocab.add(ch);
        }
    }
    let cx = Ctx { records, events, vocab };
    let mut m = Moments::default();

    let first = |kinds: &[Kind]| earliest(cx.events, |e| kinds.contains(&e.kind));
    let engaged_event =
        first(&[Kind::Acknowledge]).or_else(|| first(&[Kind::Escalation, Kind::Decision, Kind::Mitigation]));
    m.engaged = engaged_event.and_then(|e| e.when.utc);
    let Some(engaged) = m.engaged else {
        return apply_known(m, records, facts);
    };
    let from = engaged - LOOKBACK;
    let detect_from = engaged - DETECT_LOOKBACK;

    // Detected: a related alert firing, a page, or a person's report, before engagement.
    let detected = cx.events.iter().find(|e| {
        let Some(t) = e.when.utc else { return false };
        if t < detect_from || t > engaged {
            return false;
        }
        e.records.iter().any(|&i| {
            let r = &records[i];
            match r.kind {
                Kind::Alert | Kind::Page => cx.vocab.relates(r) || cx.vocab.is_empty(),
                _ => false,
            }
        })
    });
    let report = cx.records_where(is_report).into_iter().find(|&(t, _)| t >= detect_from && t <= engaged);
    m.detected = match (detected, report) {
        (Some(e), Some((t, i))) if t < e.when.utc.unwrap_or(t) => cx.moment(i, "first report by a person"),
        (Some(e), _) => {
            let r = cx.primary(e);
            let name = r.attr("alert").unwrap_or("an alert");
            event_moment(e, format!("first related alert or page: {name}"))
        }
        (None, Some((_, i))) => cx.moment(i, "first report by a person"),
        (None, None) => None,
    };

    let det_t = m.detected.as_ref().map_or(engaged, |d| d.time);
    m.acknowledged = earliest(cx.events, |e| e.kind == Kind::Acknowledge && e.when.utc.is_some_and(|t| t >= det_t))
        .and_then(|e| event_moment(e, "first acknowledgement or responder engagement"));

    // Impact start: user-facing errors, a drop in an impact metric, or a report.
    let mut impact: Vec<(Timestamp, usize, &str)> = Vec::new();
    if let Some(&(t, i)) = cx.records_where(is_http_error).iter().find(|(t, _)| *t >= from) {
        impact.push((t, i, "first server error answered to a request"));
    }
    if let Some(&(t, i)) = cx
        .records_where(|r| r.kind == Kind::Signal && is_metric(r) && r.attr("series").is_some_and(impact_named))
        .iter()
        .find(|(t, _)| *t >= from)
    {
        impact.push((t, i, "first excursion of a user-facing metric"));
    }
    if let Some((t, i)) = report {
        impact.push((t, i, "first report of trouble by a person"));
    }
    impact.sort();
    m.impact_start = impact.first().and_then(|&(_, i, b)| cx.moment(i, b));

    // First signal: the earliest onset in telemetry before impact or detection — a metric
    // excursion, a burst of like warning or error lines (sporadic lines are background), or
    // a related alert near detection.
    let until =
        [m.impact_start.as_ref(), m.detected.as_ref()].into_iter().flatten().map(|x| x.time).min().unwrap_or(engaged);
    let signal = cx.events.iter().find(|e| {
        let Some(t) = e.when.utc else { return false };
        if t < from || t > until {
            return false;
        }
        let r = &records[e.records[0]];
        match r.kind {
            Kind::Signal if is_metric(r) => t >= detect_from,
            Kind::Signal if r.attr("level").is_some() => is_onset(records, e),
            Kind::Alert => t >= detect_from && cx.vocab.relates(r),
            _ => false,
        }
    });
    // The onset of a log pattern: a burst of like warning or error lines that starts dense
    // (ingest marks it with the change point that opened it).
    let onset = cx
        .records_where(|r| r.kind == Kind::Signal && r.attr("onset").is_some() && r.attr("template").is_some())
        .into_iter()
        .find(|&(t, _)| t >= from && t <= until);
    m.first_signal = match (onset, signal.and_then(|e| e.when.utc.map(|t| (t, e)))) {
        (Some((t, i)), other) if other.is_none_or(|(u, _)| t <= u) => {
            let kind = records[i].attr("onset").unwrap_or("burst").replace('_', " ");
            cx.moment(i, format!("earliest onset of a log pattern ({kind})"))
        }
        (_, Some((_, e))) => event_moment(e, "earliest anomalous signal in telemetry"),
        (_, None) => None,
    };

    // Resolved: a person resolving the incident in the pager, else the first declaration
    // after mitigation work.
    let resolutions: Vec<&Event> =
        cx.events.iter().filter(|e| e.kind == Kind::Resolution && e.when.utc.is_some_and(|t| t >= det_t)).collect();
    let paged = resolutions.iter().rev().find(|e| cx.primary(e).attr("log_type").is_some());
    m.resolved = paged.or_else(|| resolutions.first()).and_then(|e| event_moment(e, "incident declared resolved"));

    // Mitigated: the paging alert clearing, a user-facing metric recovering, else chat.
    let end = m.resolved.as_ref().map(|r| r.time);
    let in_range = |t: Timestamp| t >= det_t && end.is_none_or(|e| t <= e);
    let paged_alerts: Vec<String> = records
        .iter()
        .filter(|r| matches!(r.kind, Kind::Page | Kind::Alert) && r.when.utc.is_some_and(|t| t <= engaged && t >= from))
        .filter(|r| cx.vocab.relates(r) || cx.vocab.is_empty())
        .filter_map(|r| r.attr("alert").map(str::to_ascii_lowercase))
        .collect();
    let mut clear: Vec<(Timestamp, usize, &str)> = Vec::new();
    // An alert of the incident clearing for good (a flapping alert that fires again does
    // not count); alerts on user-facing errors first.
    let fires_again = |name: &str, after: Timestamp| {
        records.iter().any(|r| {
            r.kind == Kind::Alert
                && r.attr("alert").is_some_and(|a| a.eq_ignore_ascii_case(name))
                && r.when.utc.is_some_and(|t| t > after && end.is_none_or(|e| t <= e))
        })
    };
    let mut cleared: Vec<(bool, Timestamp, usize)> = Vec::new();
    for (t, i) in cx.records_where(|r| r.kind == Kind::AlertResolved) {
        let Some(name) = records[i].attr("alert") else { continue };
        if in_range(t) && paged_alerts.contains(&name.to_ascii_lowercase()) && !fires_again(name, t) {
            cleared.push((!impact_named(name), t, i));
        }
    }
    cleared.sort();
    if let Some(&(_, t, i)) = cleared.first() {
        clear.push((t, i, "an alert raised for the incident cleared"));
    }
    for (t, i) in
        cx.records_where(|r| r.kind == Kind::Recovery && is_metric(r) && r.attr("series").is_some_and(impact_named))
    {
        if in_range(t) && m.impact_start.as_ref().is_none_or(|s| t > s.time) {
            clear.push((t, i, "user-facing metric back within its baseline"));
            break;
        }
    }
    clear.sort();
    m.mitigated = clear.first().and_then(|&(_, i, b)| cx.moment(i, b)).or_else(|| {
        // No telemetry: the first report of recovery, else the last mitigating action
        // before the resolution (the one that worked), exact records first.
        earliest(cx.events, |e| e.kind == Kind::Recovery && e.when.utc.is_some_and(in_range))
            .map(|e| (e, "first report in chat or notes that impact stopped"))
            .or_else(|| {
                let mut mitigations =
                    cx.events.iter().filter(|e| e.kind == Kind::Mitigation && e.when.utc.is_some_and(in_range));
                let exact = mitigations.clone().rfind(|e| e.when.precision == Precision::Exact);
                exact.or_else(|| mitigations.next_back()).map(|e| (e, "last mitigating action before the resolution"))
            })
            .and_then(|(e, basis)| event_moment(e, basis))
    });

    // The declaration that ended the incident: the first resolution after impact
    // stopped (an earlier resolve closed something else, such as a side incident).
    if let Some(x) = &m.mitigated
        && let Some(e) = earliest(cx.events, |e| e.kind == Kind::Resolution && e.when.utc.is_some_and(|t| t >= x.time))
    {
        m.resolved = event_moment(e, "incident declared resolved");
    }

    find_conflicts(&mut m, records, events);
    apply_known(m, records, facts)
}

/// Moments stated in `incident.toml` replace inferred ones (they cite nothing in the
/// bundle, so they keep the inferred records when the times agree).
fn apply_known(mut m: Moments, _records: &[Record], facts: &Facts) -> Moments {
    for (name, t) in &facts.moments {
        let slot = match name.as_str() {
            "first_signal" => &mut m.first_signal,
            "impact_start" => &mut m.impact_start,
            "detected" => &mut m.detected,
            "acknowledged" => &mut m.acknowledged,
            "mitigated" => &mut m.mitigated,
            "resolved" => &mut m.resolved,
            _ => continue,
        };
        let records = slot.as_ref().filter(|s| s.time == *t).map(|s| s.records.clone()).unwrap_or_default();
        *slot =
            Some(Moment { time: *t, precision: Precision::Exact, records, basis: "stated in incident.toml".into() });
    }
    m
}

#[cfg(test)]
mod tests {
    use debrief_model::{Actor, Span, When};

    use super::*;

    fn at(t: &str) -> When {
        When::exact(t.parse().unwrap())
    }

    fn rec(line: u32, t: &str, kind: Kind, text: &str) -> Record {
        Record::new(Span::line(0, line), at(t), kind, text)
    }

    fn moments(mut records: Vec<Record>, facts: &Facts) -> (Moments, Vec<Record>) {
        debrief_timeline::classify(&mut records);
        let events = debrief_timeline::build(&records);
        (find_moments(&records, &events, facts), records)
    }

    fn facts() -> Facts {
        Facts { title: Some("Checkout errors".into()), services: vec!["checkout-api".into()], ..Facts::default() }
    }

    #[test]
    fn unrelated_and_stale_alerts_are_not_detection() {
        let records = vec![
            rec(1, "2024-10-07T19:12:31Z", Kind::Alert, "[FIRING:3] CheckoutDBPoolPending")
                .with_attr("alert", "CheckoutDBPoolPending"),
            rec(2, "2024-10-08T14:31:44Z", Kind::Alert, "targets down")
                .with_attr("alert", "TargetDown")
                .with_attr("service", "recommendations-api"),
            rec(3, "2024-10-08T14:42:30Z", Kind::Alert, "[FIRING:1] CheckoutDBPoolPending")
                .with_attr("alert", "CheckoutDBPoolPending"),
            rec(4, "2024-10-08T14:49:31Z", Kind::Page, "[#4471] CheckoutErrorRate")
                .with_attr("alert", "CheckoutErrorRate"),
            rec(5, "2024-10-08T14:51:10Z", Kind::Acknowledge, "Acknowledged by Responder A.")
                .with_attr("log_type", "acknowledge_log_entry"),
            rec(6, "2024-10-08T15:22:30Z", Kind::AlertResolved, "resolved").with_attr("alert", "CheckoutErrorRate"),
            rec(7, "2024-10-08T15:31:05Z", Kind::Resolution, "Resolved by Responder B.")
                .with_attr("log_type", "resolve_log_entry"),
        ];
        let (m, _) = moments(records, &facts());
        let d = m.detected.unwrap();
        assert_eq!(d.time.to_string(), "2024-10-08T14:42:30Z");
        assert_eq!(m.acknowledged.unwrap().time.to_string(), "2024-10-08T14:51:10Z");
        assert_eq!(m.mitigated.unwrap().time.to_string(), "2024-10-08T15:22:30Z");
        assert_eq!(m.resolved.unwrap().time.to_string(), "2024-10-08T15:31:05Z");
        assert_eq!(
            m.first_signal.unwrap().time.to_string(),
            "2024-10-08T14:42:30Z",
            "the related alert, not yesterday's"
        );
    }

    #[test]
    fn a_persons_report_detects_when_no_alert_fired() {
        let person = Actor::person("Responder C");
        let records = vec![
            rec(1, "2019-01-22T23:41:07Z", Kind::Message, "is deck slow for anyone else?").with_actor(person.clone()),
            rec(2, "2019-01-23T12:49:26Z", Kind::Message, "Is prow OK? my /retest did nothing")
                .with_actor(person.clone()),
            rec(3, "2019-01-23T16:07:05Z", Kind::Message, "ack, looking now").with_actor(person.clone()),
            rec(4, "2019-01-23T16:27:46Z", Kind::Message, "resolution confirmed: hook is healthy").with_actor(person),
        ];
        let (m, _) = moments(records, &Facts::default());
        let d = m.detected.unwrap();
        assert_eq!(d.time.to_string(), "2019-01-23T12:49:26Z");
        assert_eq!(d.basis, "first report by a person");
        assert_eq!(m.impact_start.unwrap().time.to_string(), "2019-01-23T12:49:26Z");
        assert_eq!(m.resolved.unwrap().time.to_string(), "2019-01-23T16:27:46Z");
        assert!(m.first_signal.is_none(), "no telemetry, no first signal");
    }

    #[test]
    fn sporadic_warnings_are_background_and_a_burst_is_an_onset() {
        let mut records = vec![];
        for (i, t) in ["13:04:40", "13:20:00", "13:35:00"].iter().enumerate() {
            records.push(
                rec(i as u32 + 1, &format!("2019-07-02T{t}Z"), Kind::Log, "xinetd warning: can't get client address")
                    .with_attr("level", "warn"),
            );
        }
        for s in 0..12 {
            records.push(
                rec(
                    10 + s,
                    &format!("2019-07-02T13:42:{:02}Z", 20 + s * 2),
                    Kind::Log,
                    &format!("WARN cpu_http={}% workers busy", 90 + s),
                )
                .with_attr("level", "warn"),
            );
        }
        records.push(
            rec(40, "2019-07-02T13:45:08Z", Kind::Page, "WAF synthetic test failure")
                .with_attr("alert", "WAF synthetic test failure"),
        );
        records.push(
            rec(41, "2019-07-02T13:46:04Z", Kind::Acknowledge, "Acknowledged.")
                .with_attr("incident", "WAF synthetic test failure"),
        );
        let (m, records) = moments(records, &Facts::default());
        let s = m.first_signal.unwrap();
        assert_eq!(s.time.to_string(), "2019-07-02T13:42:20Z");
        assert_eq!(records[s.records[0]].span.line, 10);
    }

    #[test]
    fn the_earliest_dense_log_onset_before_impact_is_the_first_signal() {
        let burst = |line: u32, t: &str, onset: Option<&str>| {
            let r = rec(line, t, Kind::Signal, "Paynetic charge slow: 2214ms (budget 2000ms)")
                .with_summary("283 × warn `Paynetic charge slow: <*> (budget <*>)` from 14:42:04 to 15:20:49Z")
                .with_attr("template", "Paynetic charge slow: <*> (budget <*>)")
                .with_attr("count", "283");
            match onset {
                Some(o) => r.with_attr("onset", o),
                None => r,
            }
        };
        let records = vec![
            // Sporadic: a burst record without an onset is not a candidate.
            burst(1, "2024-10-08T14:30:00Z", None),
            burst(2, "2024-10-08T14:42:04Z", Some("new_template")),
            rec(3, "2024-10-08T14:42:30Z", Kind::Alert, "[FIRING:1] CheckoutDBPoolPending")
                .with_attr("alert", "CheckoutDBPoolPending"),
            rec(4, "2024-10-08T14:43:05Z", Kind::Log, "POST /api/v1/checkout 500").with_attr("http_status", "500"),
            // After impact: not the first signal.
            burst(5, "2024-10-08T14:50:00Z", Some("rate_jump")),
            rec(6, "2024-10-08T14:51:10Z", Kind::Acknowledge, "Acknowledged by Responder A."),
        ];
        let (m, records) = moments(records, &facts());
        let s = m.first_signal.unwrap();
        assert_eq!(s.time.to_string(), "2024-10-08T14:42:04Z");
        assert_eq!(records[s.records[0]].span.line, 2);
        assert_eq!(s.basis, "earliest onset of a log pattern (new template)");
    }

    #[test]
    fn known_moments_from_the_config_win() {
        let records = vec![rec(1, "2024-10-08T14:51:10Z", Kind::Acknowledge, "Acknowledged.")];
        let f =
            Facts { moments: vec![("resolved".into(), "2024-10-08T16:00:00Z".parse().unwrap())], ..Facts::default() };
        let (m, _) = moments(records, &f);
        let r = m.resolved.unwrap();
        assert_eq!(r.basis, "stated in incident.toml");
        assert!(r.records.is_empty());
    }
}
