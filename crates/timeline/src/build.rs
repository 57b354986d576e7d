//! Records to events: pick the rows, fold bursts, merge duplicates, sort.

use std::collections::HashMap;

use debrief_model::{Event, Kind, Precision, Record};
use jiff::{SignedDuration, Timestamp};

/// How close in time two records of the same happening must be to merge.
const MERGE_WINDOW: SignedDuration = SignedDuration::from_secs(180);
/// Repeated notifications of one alert still firing fold into its first row for this long.
const RENOTIFY_WINDOW: SignedDuration = SignedDuration::from_mins(30);
/// How far apart two like error lines may be and still be one burst.
const BURST_GAP: SignedDuration = SignedDuration::from_secs(900);
/// How far apart repeats of one routine action (a pod starting, the autoscaler asking
/// for hosts) may be and still be one ongoing activity.
const ROUTINE_GAP: SignedDuration = SignedDuration::from_mins(8);
/// How far apart notable lines of one log may be and still be one row.
const NOTABLE_GAP: SignedDuration = SignedDuration::from_secs(300);

/// Whether a record earns a timeline row: housekeeping, ordinary log lines, chatter and
/// the to-do lists of notes do not.
fn on_timeline(r: &Record) -> bool {
    !matches!(r.kind, Kind::System | Kind::Log | Kind::Message) && r.attr("section").is_none()
}

/// How a record folds into the row of earlier ones, if it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Fold {
    /// Like lines (same shape, or nearly) of one log within a gap: an error burst, a
    /// routine line repeated.
    Like,
    /// Any notable line of one log (the steps of one deploy) or any command of one shell
    /// session within a gap.
    Steps,
}

/// How many distinct shapes of one source are remembered for folding.
const OPEN_SHAPES: usize = 512;

/// The open rows of one source and fold class: (shape, event index).
#[derive(Default)]
struct Open {
    shapes: Vec<(String, usize)>,
}

impl Open {
    /// The open row whose shape is the same as `shape`, else the latest nearly the same.
    fn find(&self, shape: &str) -> Option<usize> {
        self.shapes
            .iter()
            .rev()
            .find(|(s, _)| s == shape)
            .or_else(|| self.shapes.iter().rev().find(|(s, _)| similar(s, shape)))
            .map(|&(_, e)| e)
    }

    fn insert(&mut self, shape: String, event: usize) {
        self.shapes.retain(|(s, _)| *s != shape);
        if self.shapes.len() >= OPEN_SHAPES {
            self.shapes.remove(0);
        }
        self.shapes.push((shape, event));
    }
}

/// The timeline: one event per happening, sorted by time (unknown times last, in source
/// order). `records` are indexed by the events.
pub fn build(records: &[Record]) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::new();
    // Open rows per (source, fold class).
    let mut open: HashMap<(u32, Fold), Open> = HashMap::new();
    let mut last_seen: HashMap<usize, Timestamp> = HashMap::new();

    // In time order, so a log written newest first still folds from its first line.
    let mut order: Vec<usize> = (0..records.len()).filter(|&i| on_timeline(&records[i])).collect();
    order.sort_by_key(|&i| (records[i].when.utc.is_none(), records[i].when.utc));
    for i in order {
        let r = &records[i];
        let rule = r.attr("rule");
        let fold = if r.kind == Kind::Signal && r.attr("level").is_some() {
            Some((Fold::Like, shape(&r.text), BURST_GAP))
        } else if rule == Some("log-action") {
            // A routine line that repeats (a pod starting, a job starting) folds with its
            // like, not with whatever else the log said in between.
            Some((Fold::Like, shape(&r.text), ROUTINE_GAP))
        } else if rule.is_some_and(|x| x.starts_with("log-")) || r.attr("shell").is_some() {
            // Consecutive notable lines of one log (a deploy's steps) or commands of one
            // shell session make one row.
            Some((Fold::Steps, format!("notable:{}", r.kind.as_str()), NOTABLE_GAP))
        } else {
            None
        };
        if let Some((class, shape, gap)) = fold {
            let rows = open.entry((r.span.source, class)).or_default();
            if let (Some(e), Some(t)) = (rows.find(&shape), r.when.utc)
                && last_seen.get(&e).is_some_and(|&last| t.duration_since(last) <= gap)
            {
                events[e].records.push(i);
                last_seen.insert(e, t);
                continue;
            }
            rows.insert(shape, events.len());
            if let Some(t) = r.when.utc {
                last_seen.insert(events.len(), t);
            }
        }
        events.push(Event { when: r.when.clone(), kind: r.kind, text: display_text(r), records: vec![i] });
    }

    for e in &mut events {
        if e.records.len() > 1 {
            let first = &records[e.records[0]];
            let (n, last) = (e.records.len(), last_time(records, e));
            e.text = if first.kind == Kind::Signal {
                format!("{} ({n}× until {last})", display_text(first))
            } else {
                format!("{} (+{} more lines until {last})", display_text(first), n - 1)
            };
        }
    }

    events.sort_by_key(|e| (e.when.utc.is_none(), e.when.utc));
    let merged = merge_same_happening(events, records);
    let merged = fold_flapping(merged, records);
    attach_approximate(merged)
}

/// How soon an alert must fire again after clearing to count as flapping.
const FLAP_GAP: SignedDuration = SignedDuration::from_mins(30);

/// Folds an alert that fires and clears again and again (each refire within
/// [`FLAP_GAP`] of the clear) into one row that counts its firings: a flapping alert is
/// one fact about alert quality, not a dozen happenings.
fn fold_flapping(events: Vec<Event>, records: &[Record]) -> Vec<Event> {
    let name_of = |e: &Event| -> Option<String> {
        let r = &records[e.records[0]];
        matches!(e.kind, Kind::Alert | Kind::AlertResolved)
            .then(|| r.attr("alert").map(str::to_ascii_lowercase))
            .flatten()
    };
    let mut into: Vec<Option<usize>> = vec![None; events.len()];
    // name → the first event of its current streak; first event → (firings, last change).
    let mut head: HashMap<String, usize> = HashMap::new();
    let mut counts: HashMap<usize, (usize, Timestamp)> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        let (Some(name), Some(t)) = (name_of(e), e.when.utc) else { continue };
        let fired = usize::from(e.kind == Kind::Alert);
        match head.get(&name).and_then(|&first| counts.get_mut(&first).map(|c| (first, c))) {
            Some((first, (firings, last))) if t.duration_since(*last) <= FLAP_GAP => {
                into[i] = Some(first);
                *last = t;
                *firings += fired;
            }
            _ => {
                head.insert(name, i);
                counts.insert(i, (fired, t));
            }
        }
    }
    let mut events: Vec<Option<Event>> = events.into_iter().map(Some).collect();
    let mut folded_into = vec![false; events.len()];
    for i in 0..events.len() {
        if let Some(j) = into[i] {
            folded_into[j] = true;
            if let Some(e) = events[i].take()
                && let Some(target) = events[j].as_mut()
            {
                target.records.extend(e.records);
            }
        }
    }
    for (j, e) in events.iter_mut().enumerate() {
        if let Some(e) = e
            && folded_into[j]
            && let Some(&(firings, last)) = counts.get(&j)
            && firings >= 2
        {
            let name = records[e.records[0]].attr("alert").unwrap_or("alert");
            e.text =
                format!("Alert {name} flapping: fired {firings} times, last change {}", last.strftime("%H:%M:%SZ"));
        }
    }
    events.into_iter().flatten().collect()
}

/// How far an approximate time (a note's `10:02`) may be from the exact event it retells.
const APPROX_WINDOW: SignedDuration = SignedDuration::from_secs(150);

/// Folds each event with an approximate time (minute or inferred precision: notes written
/// from memory) into the nearest exactly timed event of the same kind, when there is one
/// within a few minutes: the same happening, told twice. The exact time leads.
fn attach_approximate(events: Vec<Event>) -> Vec<Event> {
    let exact: Vec<usize> = (0..events.len()).filter(|&i| events[i].when.precision == Precision::Exact).collect();
    let mut target: Vec<Option<usize>> = vec![None; events.len()];
    for (i, e) in events.iter().enumerate() {
        let (Some(t), true) = (e.when.utc, matches!(e.when.precision, Precision::Minute | Precision::Inferred)) else {
            continue;
        };
        target[i] = exact
            .iter()
            .copied()
            .filter(|&j| events[j].kind == e.kind)
            .filter_map(|j| events[j].when.utc.map(|u| (u.duration_since(t).abs(), j)))
            .filter(|&(d, _)| d <= APPROX_WINDOW)
            .min()
            .map(|(_, j)| j);
    }
    let mut events: Vec<Option<Event>> = events.into_iter().map(Some).collect();
    for i in 0..events.len() {
        if let Some(j) = target[i]
            && let Some(e) = events[i].take()
            && let Some(into) = events[j].as_mut()
        {
            into.records.extend(e.records);
        }
    }
    events.into_iter().flatten().collect()
}

fn last_time(records: &[Record], e: &Event) -> String {
    e.records
        .iter()
        .filter_map(|&i| records[i].when.utc)
        .max()
        .map_or_else(|| "?".into(), |t| t.strftime("%H:%M:%SZ").to_string())
}

/// The keys under which records of one happening meet: an alert's name and its pager
/// incident for alerting kinds, a version for changes, the exact words and time for
/// anything else, and (source, kind, instant) for rows a bulk source emits at once (the
/// series of one metrics row).
fn merge_keys(r: &Record) -> Vec<String> {
    let mut keys = Vec::new();
    let class = match r.kind {
        Kind::Alert | Kind::Page => Some("fire"),
        Kind::AlertResolved => Some("clear"),
        Kind::Acknowledge => Some("ack"),
        Kind::Resolution => Some("resolve"),
        Kind::Change => Some("change"),
        _ => None,
    };
    if let Some(class) = class {
        let names = match r.kind {
            Kind::Change => vec![r.attr("version")],
            _ => vec![r.attr("alert"), r.attr("incident").map(incident_number)],
        };
        keys.extend(names.into_iter().flatten().map(|n| format!("{class}:{}", n.to_ascii_lowercase())));
    }
    if r.text.len() >= 24 {
        keys.push(format!("text:{}", r.text.trim()));
    }
    if let Some(t) = r.when.utc
        && r.attr("series").is_some()
    {
        keys.push(format!("instant:{}:{}:{t}", r.span.source, r.kind.as_str()));
    }
    keys
}

/// `[#4471] CheckoutErrorRate …` → `#4471`: the pager's incident number, which the pager
/// log and the pager bot's chat post share.
fn incident_number(incident: &str) -> &str {
    let s = incident.trim_start_matches('[');
    match s.find(']') {
        Some(end) if s.starts_with('#') => &s[..end],
        _ => incident,
    }
}

/// Merges events (already sorted) that share a key within the window for that key.
fn merge_same_happening(events: Vec<Event>, records: &[Record]) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    let mut open: HashMap<String, usize> = HashMap::new();
    for e in events {
        let r = &records[e.records[0]];
        let keys = merge_keys(r);
        let target = e.when.utc.and_then(|t| {
            keys.iter().find_map(|key| {
                let &j = open.get(key)?;
                let t0 = out[j].when.utc?;
                let window = if key.starts_with("fire:") { RENOTIFY_WINDOW } else { MERGE_WINDOW };
                // The same words twice in one source are two happenings.
                let same_source_text =
                    key.starts_with("text:") && out[j].records.iter().any(|&k| records[k].span.source == r.span.source);
                (t.duration_since(t0) <= window && !same_source_text).then_some(j)
            })
        });
        if let Some(j) = target {
            let into = &mut out[j];
            into.records.extend(e.records);
            if e.when.precision < into.when.precision {
                into.when.precision = e.when.precision;
            }
            for key in keys {
                open.entry(key).or_insert(j);
            }
            continue;
        }
        // An alert that clears ends the fold of its notifications.
        for key in &keys {
            if let Some(clear) = key.strip_prefix("clear:") {
                open.remove(&format!("fire:{clear}"));
            }
        }
        for key in keys {
            open.insert(key, out.len());
        }
        out.push(e);
    }
    out
}

/// A record's text for a timeline row: its summary, else its first line, shortened.
pub fn display_text(r: &Record) -> String {
    if let Some(s) = &r.summary {
        return s.clone();
    }
    let first = r.text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let decoded = first.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&");
    shorten(&decoded, 200)
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    // Do not leave half a substitution.
    let cut = match (cut.rfind('‹'), cut.rfind('›')) {
        (Some(o), c) if c.is_none_or(|c| c < o) => cut[..o].to_string(),
        _ => cut,
    };
    format!("{}…", cut.trim_end())
}

/// A line's shape for burst folding: words holding a digit (numbers, ids, durations,
/// hashes) and id-like words (`ord_VPANCSNVHH`) masked, so `slow: 2214ms order=ord_7KQ2`
/// and `slow: 3298ms order=ord_YAXS` fold together.
pub(crate) fn shape(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(160));
    for word in text.split_inclusive(|c: char| c.is_whitespace() || c == '=' || c == ',' || c == ':') {
        if out.len() > 160 {
            break;
        }
        let core = word.trim_end_matches(|c: char| c.is_whitespace() || c == '=' || c == ',' || c == ':');
        if core.bytes().any(|b| b.is_ascii_digit()) || is_id(core) {
            out.push('#');
            out.push_str(&word[core.len()..]);
        } else {
            out.push_str(word);
        }
    }
    out
}

/// A word that names one object rather than saying something: a prefix and a run of
/// capitals (`ord_VPANCSNVHH`, `req-XKQWZTRB`).
fn is_id(word: &str) -> bool {
    let mut parts = word.split(['_', '-', '/']);
    parts.next().is_some() && parts.any(|p| p.len() >= 6 && p.bytes().all(|b| b.is_ascii_uppercase()))
}

/// Whether two shapes are the same line with a word or two changed (`alice is not a
/// member of the team`, `bob is not a member of the team`): as many words, at most one
/// in four of them different (one in three words), and at least two the same.
pub(crate) fn similar(a: &str, b: &str) -> bool {
    // Word by word, without collecting: this runs once per open row for every line.
    let (mut a, mut b) = (a.split_whitespace(), b.split_whitespace());
    let (mut words, mut same) = (0, 0);
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) => {
                words += 1;
                same += usize::from(x == y);
            }
            (None, None) => break,
            _ => return false,
        }
    }
    words >= 3 && same >= 2 && (words - same) <= most_changed(words)
}

/// How many words of a shape of `words` words may differ in a similar one: one in four
/// (one of three or four).
pub(crate) fn most_changed(words: usize) -> usize {
    words.max(4) / 4
}

#[cfg(test)]
mod tests {
    use debrief_model::{Span, When};

    use super::*;

    fn rec(src: u32, line: u32, t: &str, kind: Kind, text: &str) -> Record {
        Record::new(Span::line(src, line), When::exact(t.parse().unwrap()), kind, text)
    }

    #[test]
    fn same_alert_from_three_sources_is_one_row() {
        let records = vec![
            rec(0, 5, "2024-10-08T14:49:31Z", Kind::Alert, "CheckoutErrorRate firing")
                .with_attr("alert", "CheckoutErrorRate"),
            rec(1, 9, "2024-10-08T14:49:33Z", Kind::Page, "[#4471] CheckoutErrorRate")
                .with_attr("alert", "checkouterrorrate"),
            rec(2, 20, "2024-10-08T14:49:40Z", Kind::Alert, "[FIRING:1] CheckoutErrorRate")
                .with_attr("alert", "CheckoutErrorRate"),
            rec(2, 30, "2024-10-08T15:30:00Z", Kind::Alert, "[FIRING:1] CheckoutErrorRate")
                .with_attr("alert", "CheckoutErrorRate"),
        ];
        let events = build(&records);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].records, [0, 1, 2]);
        assert_eq!(events[1].records, [3]);
    }

    #[test]
    fn like_error_lines_fold_into_a_burst() {
        let records = vec![
            rec(0, 1, "2024-10-08T14:43:05Z", Kind::Signal, "charge timeout after 3012ms").with_attr("level", "error"),
            rec(0, 2, "2024-10-08T14:43:09Z", Kind::Signal, "charge timeout after 2990ms").with_attr("level", "error"),
            rec(0, 3, "2024-10-08T14:43:10Z", Kind::Signal, "pool exhausted").with_attr("level", "error"),
            rec(0, 4, "2024-10-08T15:43:10Z", Kind::Signal, "charge timeout after 2990ms").with_attr("level", "error"),
        ];
        let events = build(&records);
        assert_eq!(events.iter().map(|e| e.records.clone()).collect::<Vec<_>>(), [vec![0, 1], vec![2], vec![3]]);
        assert!(events[0].text.contains("2× until 14:43:09Z"), "{}", events[0].text);
    }

    #[test]
    fn a_note_retelling_an_exact_event_joins_it() {
        let mut note = rec(1, 3, "2024-10-08T14:51:00Z", Kind::Acknowledge, "9:51 ack'd from phone");
        note.when.precision = Precision::Minute;
        let mut far = rec(1, 9, "2024-10-08T15:30:00Z", Kind::Acknowledge, "10:30 acked again");
        far.when.precision = Precision::Minute;
        let pd = rec(0, 338, "2024-10-08T14:51:10Z", Kind::Acknowledge, "Acknowledged by Responder A.");
        let events = build(&[note, far, pd]);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].records, [2, 0], "the exact record leads");
        assert_eq!(events[0].when.precision, Precision::Exact);
    }

    #[test]
    fn a_flapping_alert_is_one_row() {
        let fire = |l, t| rec(0, l, t, Kind::Alert, "lag high").with_attr("alert", "KafkaConsumerLagHigh");
        let clear = |l, t| rec(0, l, t, Kind::AlertResolved, "lag ok").with_attr("alert", "KafkaConsumerLagHigh");
        let records = vec![
            fire(1, "2021-01-04T13:04:00Z"),
            clear(2, "2021-01-04T13:09:00Z"),
            fire(3, "2021-01-04T13:23:00Z"),
            clear(4, "2021-01-04T13:31:00Z"),
            fire(5, "2021-01-04T15:30:00Z"),
        ];
        let events = build(&records);
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(events[0].records, [0, 1, 2, 3]);
        assert!(events[0].text.contains("flapping: fired 2 times, last change 13:31:00Z"), "{}", events[0].text);
        assert_eq!(events[1].records, [4], "a firing long after is a new happening");
    }

    #[test]
    fn sorted_stably_with_unknown_times_last() {
        let mut late = rec(0, 1, "2024-10-08T15:00:00Z", Kind::Decision, "late");
        late.when.precision = Precision::Minute;
        let unknown = Record::new(Span::line(0, 2), When::unknown(), Kind::Decision, "when?");
        let early = rec(1, 1, "2024-10-08T14:00:00Z", Kind::Decision, "early");
        let events = build(&[late, unknown, early]);
        assert_eq!(events.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(), ["early", "late", "when?"]);
    }
}
