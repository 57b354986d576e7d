//! Events to rows: a timeline is a summary, not a log dump.
//!
//! [`condense`] keeps the events a reader of the review needs and folds the rest into
//! them: background log lines that recur all day, routine log activity, metric blips that
//! recover within minutes, the same kind of happening told several times within a minute
//! or two (a page storm, a burst of errors of several shapes, a chat exchange), bot echoes
//! of what a system of record already said, notes written from memory at one minute, and
//! repeated status-page updates. Every event stays available to analysis; only rows fold.

use std::collections::{HashMap, HashSet};

use debrief_model::{Event, Kind, Precision, Record, When};
use jiff::{SignedDuration, Timestamp};

use crate::build::shape;
use crate::groups::Groups;

/// One row of the timeline: one or more events, the first leading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub when: When,
    pub kind: Kind,
    pub text: String,
    /// The events folded into this row; the first gives its time, kind and words.
    pub parts: Vec<Event>,
}

impl Row {
    fn new(e: &Event) -> Self {
        Self { when: e.when.clone(), kind: e.kind, text: e.text.clone(), parts: vec![e.clone()] }
    }

    /// Every record of the row.
    pub fn records(&self) -> impl Iterator<Item = usize> + '_ {
        self.parts.iter().flat_map(|p| p.records.iter().copied())
    }
}

/// A run of rows of one kind folds while each is this close to the run's first row.
const RUN_SPAN: SignedDuration = SignedDuration::from_secs(120);
/// Alerts clearing (or sources declaring the incident resolved) this close to the first of
/// a run are one happening.
const CLEAR_SPAN: SignedDuration = SignedDuration::from_mins(5);
/// A note written from memory (minute precision) this close to an exactly timed row tells
/// the same happening.
const NOTE_SPAN: SignedDuration = SignedDuration::from_secs(60);
/// An acknowledgement this soon after its page joins the page's row.
const ACK_SPAN: SignedDuration = SignedDuration::from_mins(5);
/// Error lines of one log starting this close together are one onset.
const ONSET_SPAN: SignedDuration = SignedDuration::from_secs(60);
/// A bot's chat post this soon after another source's row repeats it.
const ECHO_SPAN: SignedDuration = SignedDuration::from_secs(120);
/// Status-page updates of one incident this close to the previous one fold.
const STATUS_GAP: SignedDuration = SignedDuration::from_mins(60);
/// How many of the latest rows an event may fold into.
const RECENT_ROWS: usize = 64;
/// A metric excursion that recovers within this long is a blip.
const BLIP: SignedDuration = SignedDuration::from_mins(3);
/// A routine log line repeated more often than this in one row is background activity.
const ROUTINE_LINES: usize = 20;
/// A burst with this many lines within [`BURST_ONSET_SPAN`] of its start is an onset.
const BURST_ONSET_LINES: usize = 10;
const BURST_ONSET_SPAN: SignedDuration = SignedDuration::from_mins(10);
/// A log line shape seen in this many separate bursts, none of them an onset, is background.
const BACKGROUND_BURSTS: usize = 3;

/// The rows of the timeline, in time order. `pinned` records (the evidence of the key
/// moments) are never folded into another row, so each key moment keeps its own row.
pub fn condense(events: &[Event], records: &[Record], pinned: &[usize]) -> Vec<Row> {
    let pinned: HashSet<usize> = pinned.iter().copied().collect();
    let is_pinned = |e: &Event| e.records.iter().any(|i| pinned.contains(i));
    let mut drop = vec![false; events.len()];
    background(events, records, &mut drop);
    for (i, e) in events.iter().enumerate() {
        if routine(records, e) {
            drop[i] = true;
        }
    }
    blips(events, records, &mut drop);
    for (i, e) in events.iter().enumerate() {
        if is_pinned(e) {
            drop[i] = false;
        }
    }

    let notes = attach_notes(events, &drop, &is_pinned);
    let mut rows: Vec<Row> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if drop[i] || notes.iter().any(|&(n, _)| n == i) {
            continue;
        }
        let target = if is_pinned(e) { None } else { fold_target(&rows, e, records) };
        let j = match target {
            Some(j) => {
                rows[j].parts.push(e.clone());
                j
            }
            None => {
                rows.push(Row::new(e));
                rows.len() - 1
            }
        };
        for &(n, _) in notes.iter().filter(|&&(_, into)| into == i) {
            rows[j].parts.push(events[n].clone());
        }
    }
    for row in &mut rows {
        describe(row, records);
    }
    rows
}

/// Notes written from memory (minute or inferred precision) that land within a minute of
/// an exactly timed event, whatever its kind: (note, event) pairs. The exact time leads.
fn attach_notes(events: &[Event], drop: &[bool], is_pinned: &impl Fn(&Event) -> bool) -> Vec<(usize, usize)> {
    let exact: Vec<(usize, Timestamp)> = events
        .iter()
        .enumerate()
        .filter(|(i, e)| !drop[*i] && e.when.precision == Precision::Exact)
        .filter_map(|(i, e)| Some((i, e.when.utc?)))
        .collect();
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let (Some(t), true) = (e.when.utc, matches!(e.when.precision, Precision::Minute | Precision::Inferred)) else {
            continue;
        };
        if drop[i] || is_pinned(e) {
            continue;
        }
        let nearest = exact.iter().map(|&(j, u)| (u.duration_since(t).abs(), j)).filter(|&(d, _)| d <= NOTE_SPAN).min();
        if let Some((_, j)) = nearest {
            out.push((i, j));
        }
    }
    out
}

/// The row an event folds into, if any: the latest row it repeats or continues.
fn fold_target(rows: &[Row], e: &Event, records: &[Record]) -> Option<usize> {
    let t = e.when.utc?;
    let r = &records[e.records[0]];
    let since = |row: &Row| row.when.utc.map(|h| t.duration_since(h));
    let last_part = |row: &Row| row.parts.last().and_then(|p| p.when.utc).map(|l| t.duration_since(l));
    let head = |row: &Row| &records[row.parts[0].records[0]];
    // Look back over the latest rows, those still close enough to matter.
    for (j, row) in rows.iter().enumerate().rev().take(RECENT_ROWS) {
        let (Some(d), Some(gap)) = (since(row), last_part(row)) else { continue };
        if gap > STATUS_GAP {
            continue;
        }
        let h = head(row);
        let same_source = h.span.source == r.span.source;
        // Notes written from memory, several lines at one minute.
        if same_source && row.when.utc == e.when.utc && e.when.precision != Precision::Exact {
            return Some(j);
        }
        // A bot repeating in chat what a system of record said.
        if is_bot_post(r) && !same_source && d <= ECHO_SPAN && !is_bot_post(h) && class(row.kind) == class(e.kind) {
            return Some(j);
        }
        // Repeated status-page updates of one incident.
        if e.kind == Kind::StatusUpdate
            && row.kind == Kind::StatusUpdate
            && same_source
            && r.summary.is_some()
            && h.summary == r.summary
            && gap <= STATUS_GAP
        {
            return Some(j);
        }
        // An acknowledgement joins the row of the page it acknowledges.
        if e.kind == Kind::Acknowledge
            && gap <= ACK_SPAN
            && r.attr("incident").is_some()
            && row.records().any(|k| records[k].attr("incident") == r.attr("incident"))
        {
            return Some(j);
        }
        if row.kind != e.kind {
            continue;
        }
        // Error lines of several shapes from one log starting together: one onset.
        if e.kind == Kind::Signal && is_log_burst(r) {
            if same_source && is_log_burst(h) && d <= ONSET_SPAN {
                return Some(j);
            }
            continue;
        }
        // A run of one kind within a minute or two: a page storm, a chat exchange; alerts
        // clearing one after another as the system recovers.
        let span = if matches!(e.kind, Kind::AlertResolved | Kind::Resolution) { CLEAR_SPAN } else { RUN_SPAN };
        if d <= span && !(e.kind == Kind::Signal && is_metric(r) != is_metric(h)) {
            return Some(j);
        }
    }
    None
}

/// The row's words: the first event's, with what was folded into it counted.
fn describe(row: &mut Row, records: &[Record]) {
    let folded = row.parts.len() - 1;
    if folded == 0 {
        return;
    }
    let head = &records[row.parts[0].records[0]];
    if head.summary.is_some() || is_log_burst(head) {
        let what = if row.kind == Kind::Signal { "more signals" } else { "more" };
        row.text = format!("{} (+{folded} {what} within {})", row.text, span_text(row));
    }
}

fn span_text(row: &Row) -> String {
    let times: Vec<Timestamp> = row.parts.iter().filter_map(|p| p.when.utc).collect();
    match (times.iter().min(), times.iter().max()) {
        (Some(a), Some(b)) => {
            let s = b.duration_since(*a).as_secs();
            if s < 120 { format!("{s} s") } else { format!("{} min", s / 60) }
        }
        _ => "the same minute".into(),
    }
}

/// Kinds that tell the same happening in different words: an alert firing and its page,
/// an alert clearing and the incident resolving.
fn class(kind: Kind) -> Kind {
    match kind {
        Kind::Page => Kind::Alert,
        Kind::Resolution | Kind::Recovery => Kind::AlertResolved,
        k => k,
    }
}

fn is_bot_post(r: &Record) -> bool {
    r.actor.as_ref().is_some_and(|a| a.bot) && r.attr("channel").is_some()
}

fn is_metric(r: &Record) -> bool {
    r.attr("series").is_some()
}

/// A burst of like log lines (error or warning level).
fn is_log_burst(r: &Record) -> bool {
    r.kind == Kind::Signal && r.attr("level").is_some()
}

fn is_onset(records: &[Record], e: &Event) -> bool {
    let Some(start) = e.when.utc else { return false };
    e.records
        .iter()
        .filter(|&&i| records[i].when.utc.is_some_and(|t| t.duration_since(start) <= BURST_ONSET_SPAN))
        .count()
        >= BURST_ONSET_LINES
}

/// Bursts of a log line shape that recurs: the onsets stay; when there is none, a shape
/// seen in several separate small bursts is background noise (it was there before the
/// incident and after it) and only a single repeat is kept as its first row.
fn background(events: &[Event], records: &[Record], drop: &mut [bool]) {
    // Per source: its shapes' groups, and each group's members.
    let mut groups: HashMap<u32, (Groups, Vec<Vec<usize>>)> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        let r = &records[e.records[0]];
        if !is_log_burst(r) {
            continue;
        }
        let (shapes, members) = groups.entry(r.span.source).or_default();
        let g = shapes.join(&shape(&r.text));
        if g == members.len() {
            members.push(Vec::new());
        }
        members[g].push(i);
    }
    for members in groups.into_values().flat_map(|(_, members)| members) {
        if members.len() < 2 {
            continue;
        }
        let onsets: Vec<usize> = members.iter().copied().filter(|&i| is_onset(records, &events[i])).collect();
        if onsets.is_empty() {
            let skip = usize::from(members.len() < BACKGROUND_BURSTS);
            for &i in members.iter().skip(skip) {
                drop[i] = true;
            }
        } else {
            for &i in members.iter().filter(|i| !onsets.contains(i)) {
                drop[i] = true;
            }
        }
    }
}

/// A routine line of a log (a job starting) repeated all through it.
fn routine(records: &[Record], e: &Event) -> bool {
    records[e.records[0]].attr("rule") == Some("log-action") && e.records.len() > ROUTINE_LINES
}

/// A metric excursion that is over within [`BLIP`], with its recovery.
fn blips(events: &[Event], records: &[Record], drop: &mut [bool]) {
    let mut blip_ends: Vec<(String, Timestamp)> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let r = &records[e.records[0]];
        let (Some(series), Some(start), Some(end)) =
            (r.attr("series"), e.when.utc, r.attr("end").and_then(|s| s.parse::<Timestamp>().ok()))
        else {
            continue;
        };
        if e.kind == Kind::Signal && end.duration_since(start) < BLIP {
            drop[i] = true;
            blip_ends.push((series.to_string(), end));
        }
    }
    for (i, e) in events.iter().enumerate() {
        let r = &records[e.records[0]];
        if e.kind == Kind::Recovery
            && let (Some(series), Some(t)) = (r.attr("series"), e.when.utc)
            && blip_ends.iter().any(|(s, end)| s == series && t >= *end && t.duration_since(*end) <= BLIP)
        {
            drop[i] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use debrief_model::{Actor, Span};

    use super::*;
    use crate::build;

    fn rec(src: u32, line: u32, t: &str, kind: Kind, text: &str) -> Record {
        Record::new(Span::line(src, line), When::exact(t.parse().unwrap()), kind, text)
    }

    fn texts(rows: &[Row]) -> Vec<&str> {
        rows.iter().map(|r| r.text.as_str()).collect()
    }

    #[test]
    fn a_page_storm_is_one_row_and_a_later_page_is_another() {
        let page = |l, t, name: &str| rec(0, l, t, Kind::Alert, name).with_attr("alert", name).with_summary(name);
        let records = vec![
            page(1, "2019-07-02T13:45:08Z", "WAF synthetic failing"),
            page(2, "2019-07-02T13:45:47Z", "E2E origin fetch failing"),
            page(3, "2019-07-02T13:46:25Z", "Edge 502 rate"),
            page(4, "2019-07-02T13:52:48Z", "Global traffic drop"),
        ];
        let rows = condense(&build(&records), &records, &[]);
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0].records().collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(rows[0].text, "WAF synthetic failing (+2 more within 77 s)");
        assert_eq!(rows[1].text, "Global traffic drop");
    }

    #[test]
    fn a_pinned_record_keeps_its_own_row() {
        let records = vec![
            rec(0, 1, "2024-10-08T14:42:04Z", Kind::Signal, "charge slow: 2214ms").with_attr("level", "warn"),
            rec(0, 2, "2024-10-08T14:42:30Z", Kind::Signal, "checkout failed: pool timeout")
                .with_attr("level", "error"),
        ];
        let events = build(&records);
        assert_eq!(condense(&events, &records, &[]).len(), 1, "one onset of two shapes");
        let rows = condense(&events, &records, &[1]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].parts[0].records, [1]);
    }

    #[test]
    fn background_lines_that_recur_all_day_are_not_rows_but_an_onset_is() {
        let warn = |l: u32, t: &str| {
            rec(0, l, t, Kind::Signal, "xinetd: can't get client address: reset by peer").with_attr("level", "warn")
        };
        let mut records =
            vec![warn(1, "2019-07-02T10:00:00Z"), warn(2, "2019-07-02T11:00:00Z"), warn(3, "2019-07-02T12:00:00Z")];
        let rows = condense(&build(&records), &records, &[]);
        assert!(rows.is_empty(), "{:?}", texts(&rows));
        // The same shape turning into a burst of a dozen lines is an onset: that stays.
        for k in 0..12 {
            records.push(warn(10 + k, &format!("2019-07-02T13:00:{:02}Z", k * 3)));
        }
        let rows = condense(&build(&records), &records, &[]);
        assert_eq!(rows.len(), 1, "{:?}", texts(&rows));
        assert_eq!(rows[0].parts[0].records[0], 3);
    }

    #[test]
    fn a_metric_blip_and_its_recovery_are_not_rows() {
        let records = vec![
            rec(0, 5, "2021-01-04T14:08:00Z", Kind::Signal, "14:08,380")
                .with_summary("web_p99_ms rose to 380")
                .with_attr("series", "web_p99_ms")
                .with_attr("end", "2021-01-04T14:09:00Z"),
            rec(0, 7, "2021-01-04T14:10:00Z", Kind::Recovery, "14:10,354")
                .with_summary("web_p99_ms back to 354")
                .with_attr("series", "web_p99_ms"),
            rec(0, 10, "2021-01-04T14:13:00Z", Kind::Signal, "14:13,30000")
                .with_summary("web_p99_ms rose to 30000")
                .with_attr("series", "web_p99_ms")
                .with_attr("end", "2021-01-04T18:29:00Z"),
        ];
        let rows = condense(&build(&records), &records, &[]);
        assert_eq!(texts(&rows), ["web_p99_ms rose to 30000"]);
    }

    #[test]
    fn a_bot_echo_and_notes_at_one_minute_fold_and_a_person_does_not() {
        let mut note1 = rec(2, 8, "2019-07-02T16:08:00Z", Kind::Action, "8:08 kubectl logs -p");
        note1.when.precision = Precision::Minute;
        let mut note2 = rec(2, 9, "2019-07-02T16:08:00Z", Kind::Hypothesis, "hmac rotated? no");
        note2.when.precision = Precision::Minute;
        let records = vec![
            rec(0, 9, "2019-07-02T13:42:02Z", Kind::Change, "ruleset 2019-07-02.2 deployed"),
            rec(1, 70, "2019-07-02T13:42:08Z", Kind::Change, "WAF managed rules deployed")
                .with_actor(Actor::bot("waf-rules-deployer"))
                .with_attr("channel", "waf-team"),
            rec(1, 80, "2019-07-02T13:59:05Z", Kind::Change, "release 2019-07-02.2 went global at 13:42")
                .with_actor(Actor::person("Responder A"))
                .with_attr("channel", "inc"),
            note1,
            note2,
        ];
        let rows = condense(&build(&records), &records, &[]);
        assert_eq!(rows.len(), 3, "{:?}", texts(&rows));
        assert_eq!(rows[0].records().collect::<Vec<_>>(), [0, 1]);
        assert_eq!(rows[2].records().count(), 2);
    }

    #[test]
    fn repeated_status_updates_fold_until_a_long_gap() {
        let update = |l, t| {
            rec(0, l, t, Kind::StatusUpdate, "We are still investigating.")
                .with_summary("Status page: trouble connecting — update")
        };
        let records = vec![
            update(1, "2021-01-04T15:14:03Z"),
            update(2, "2021-01-04T17:29:11Z"),
            update(3, "2021-01-04T18:00:36Z"),
            update(4, "2021-01-04T18:51:02Z"),
        ];
        let rows = condense(&build(&records), &records, &[]);
        assert_eq!(rows.len(), 2, "{:?}", texts(&rows));
        assert_eq!(rows[1].records().collect::<Vec<_>>(), [1, 2, 3]);
    }
}
