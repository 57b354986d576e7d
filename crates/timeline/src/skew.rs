//! Clock skew between sources: two sources that record the same happenings a constant
//! time apart — a zone read wrong (+3600 s), a host clock running fast (+47 s).
//!
//! A happening is recognised by what both sources name: an alert (the `alert` attribute,
//! or its name in the text of a note or chat message), a pager incident (`incident`), a
//! deploy's version (`version`, or `v2.31.0` in text). For every pair of sources, the time
//! differences of records that share such a key are gathered; when at least
//! [`MIN_PAIRS`] of them, one record to one, agree within a tolerance on an offset that is
//! not zero, and clearly more than agree on no offset at all, the pair of sources is
//! skewed. Which source to trust: times with an explicit offset beat naive times read in a
//! zone; machine-written records beat notes and chat; exact times beat times to the minute.
//!
//! ```
//! use debrief_model::{Kind, Record, Span, When, ZoneBasis};
//! let at = |s: &str| When::exact(s.parse().unwrap());
//! let mut records = Vec::new();
//! for (i, (alert, t)) in [("DiskFull", "10:00:05"), ("ApiErrors", "10:20:00"), ("QueueLag", "11:02:30")].iter().enumerate() {
//!     let pager = Record::new(Span::line(0, i as u32 + 1), at(&format!("2024-05-01T{t}Z")), Kind::Alert, "fired")
//!         .with_attr("alert", *alert);
//!     let mut note_time = at(&format!("2024-05-01T{t}Z"));
//!     note_time.utc = note_time.utc.map(|u| u + jiff::SignedDuration::from_hours(1));
//!     note_time.basis = ZoneBasis::Assumed("UTC".into());
//!     let note = Record::new(Span::line(1, i as u32 + 1), note_time, Kind::Message, format!("{alert} paged us"));
//!     records.push(pager);
//!     records.push(note);
//! }
//! let skews = debrief_timeline::skews(&records);
//! assert_eq!(skews.len(), 1);
//! assert_eq!((skews[0].source_a, skews[0].source_b, skews[0].offset_seconds), (0, 1, 3600));
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use debrief_model::{Kind, Precision, Record, ZoneBasis};

/// Pairs that must agree before a skew is reported.
pub const MIN_PAIRS: usize = 3;
/// How far apart two records sharing a key may be and still be paired (a zone error of a
/// few hours included).
const MAX_GAP_SECS: i64 = 14 * 3600;
/// How far pairs may disagree on the offset: exact times, and times to the minute.
const TOLERANCE_EXACT: i64 = 5;
const TOLERANCE_MINUTE: i64 = 60;
/// A key a source names more often than this does not tell its happenings apart (an
/// alert re-notified every five minutes, a version on every line of a rollout).
const PER_KEY: usize = 4;
/// Two machine sources that both write offsets may differ by a notification's delay
/// (an alert posted to chat half a minute after it fired): only an offset this large is
/// a skew between them.
const MACHINE_MIN_SECS: i64 = 600;
/// The shortest name looked for in free text.
const MIN_NAME: usize = 5;

/// Two sources whose times for the same happenings differ by a constant offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skew {
    /// The source whose times are more likely right when one is (see `trusted`), else the
    /// lower index.
    pub source_a: u32,
    pub source_b: u32,
    /// How far `source_b`'s times run ahead of `source_a`'s (negative: behind).
    pub offset_seconds: i64,
    /// Record indices `(in source_a, in source_b)` of the agreeing pairs, earliest first.
    pub pairs: Vec<(usize, usize)>,
    /// Whether `source_a` is the one to trust, and why; `None` when nothing says which.
    pub trusted: Option<&'static str>,
}

impl Skew {
    /// One sentence for the review, with the sources' paths.
    pub fn describe(&self, path_a: &str, path_b: &str) -> String {
        let ahead = if self.offset_seconds >= 0 { "ahead of" } else { "behind" };
        let mut s = format!(
            "Times in {path_b} run {} {ahead} {path_a} for the same happenings ({} pairs)",
            amount(self.offset_seconds.abs()),
            self.pairs.len()
        );
        match self.trusted {
            Some(why) => {
                s.push_str("; ");
                s.push_str(path_a);
                s.push_str("'s times are the ones to go by (");
                s.push_str(why);
                s.push_str(").");
            }
            None => s.push_str("; nothing in the sources says which clock is right."),
        }
        s
    }
}

fn amount(secs: i64) -> String {
    if secs % 3600 == 0 {
        let h = secs / 3600;
        format!("{h} h")
    } else if secs >= 120 && secs % 60 == 0 {
        format!("{} min", secs / 60)
    } else if secs >= 3600 {
        format!("{} h {} min", secs / 3600, (secs % 3600) / 60)
    } else if secs >= 120 {
        format!("{} min {} s", secs / 60, secs % 60)
    } else {
        format!("{secs} s")
    }
}

/// Two records that may be one happening: `(tb - ta seconds, a, b, tolerance, key)`.
type Pair = (i64, usize, usize, i64, Key);

/// A key that names a happening.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Alert(String),
    Incident(String),
    Version(String),
}

fn version_key(v: &str) -> Option<Key> {
    let v = v.trim().trim_start_matches(['v', 'V']);
    (v.contains('.') && v.bytes().next().is_some_and(|b| b.is_ascii_digit())).then(|| Key::Version(v.to_string()))
}

/// The names worth looking for in free text, with the key each stands for.
struct Vocabulary {
    ac: Option<AhoCorasick>,
    keys: Vec<Key>,
}

impl Vocabulary {
    fn of(records: &[Record]) -> Self {
        let mut names: BTreeMap<String, Key> = BTreeMap::new();
        for r in records {
            if let Some(a) = r.attr("alert").map(str::trim).filter(|a| a.len() >= MIN_NAME) {
                names.entry(a.to_ascii_lowercase()).or_insert_with(|| Key::Alert(a.to_ascii_lowercase()));
            }
            if let Some(v) = r.attr("version")
                && let Some(k) = version_key(v)
                && let Key::Version(bare) = &k
            {
                names.entry(format!("v{bare}")).or_insert_with(|| k.clone());
                if bare.matches('.').count() >= 2 {
                    names.entry(bare.clone()).or_insert_with(|| k.clone());
                }
            }
        }
        let (patterns, keys): (Vec<String>, Vec<Key>) = names.into_iter().unzip();
        let ac = (!patterns.is_empty())
            .then(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&patterns)
                    .ok()
            })
            .flatten();
        Self { ac, keys }
    }

    /// Keys named in `text`, at word boundaries.
    fn in_text(&self, text: &str, out: &mut Vec<Key>) {
        let Some(ac) = &self.ac else { return };
        let b = text.as_bytes();
        let word = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
        for m in ac.find_iter(text) {
            let before = m.start().checked_sub(1).and_then(|i| b.get(i));
            if word(before) || word(b.get(m.end())) {
                continue;
            }
            if let Some(k) = self.keys.get(m.pattern().as_usize()) {
                out.push(k.clone());
            }
        }
    }
}

/// What kind of writer a record had: a machine with exact, offset times is the most
/// trustworthy clock.
fn is_human(r: &Record) -> bool {
    matches!(r.kind, Kind::Message)
        || r.actor.as_ref().is_some_and(|a| !a.bot)
            && !matches!(r.kind, Kind::Alert | Kind::AlertResolved | Kind::Log | Kind::Signal)
}

/// Every skew between two sources of `records`.
pub fn skews(records: &[Record]) -> Vec<Skew> {
    let vocab = Vocabulary::of(records);
    // (source, key) → record indices.
    let mut by_key: HashMap<(u32, Key), Vec<usize>> = HashMap::new();
    let mut keys = Vec::new();
    for (i, r) in records.iter().enumerate() {
        // Ordinary log lines and housekeeping are not happenings both sides record.
        if r.when.utc.is_none() || r.when.precision == Precision::Unknown || matches!(r.kind, Kind::Log | Kind::System)
        {
            continue;
        }
        keys.clear();
        if let Some(a) = r.attr("alert").map(str::trim).filter(|a| !a.is_empty()) {
            keys.push(Key::Alert(a.to_ascii_lowercase()));
        }
        if let Some(inc) = r.attr("incident").map(str::trim).filter(|v| !v.is_empty()) {
            keys.push(Key::Incident(inc.to_ascii_lowercase()));
        }
        if let Some(k) = r.attr("version").and_then(version_key) {
            keys.push(k);
        }
        vocab.in_text(&r.text, &mut keys);
        keys.sort();
        keys.dedup();
        for k in keys.drain(..) {
            let slot = by_key.entry((r.span.source, k)).or_default();
            if slot.len() <= PER_KEY {
                slot.push(i);
            }
        }
    }

    // Differences per pair of sources: (a, b) with a < b → (tb - ta, ia, ib, tolerance).
    let mut diffs: BTreeMap<(u32, u32), Vec<Pair>> = BTreeMap::new();
    let mut by_only_key: HashMap<&Key, Vec<(u32, &Vec<usize>)>> = HashMap::new();
    for ((source, key), idx) in &by_key {
        if idx.len() <= PER_KEY {
            by_only_key.entry(key).or_default().push((*source, idx));
        }
    }
    for (key, sources) in &by_only_key {
        for (x, (sa, ia)) in sources.iter().enumerate() {
            for (sb, ib) in sources.iter().skip(x + 1) {
                let (sa, ia, sb, ib) = if sa < sb { (sa, ia, sb, ib) } else { (sb, ib, sa, ia) };
                let out = diffs.entry((*sa, *sb)).or_default();
                for &a in *ia {
                    for &b in *ib {
                        let (Some(ta), Some(tb)) = (records[a].when.utc, records[b].when.utc) else { continue };
                        let d = tb.duration_since(ta).as_secs();
                        if d.abs() > MAX_GAP_SECS {
                            continue;
                        }
                        let minute = |r: &Record| {
                            r.when.precision != Precision::Exact
                                || r.when.utc.is_some_and(|t| t.subsec_nanosecond() == 0 && t.as_second() % 60 == 0)
                        };
                        let tol =
                            if minute(&records[a]) || minute(&records[b]) { TOLERANCE_MINUTE } else { TOLERANCE_EXACT };
                        out.push((d, a, b, tol, (*key).clone()));
                    }
                }
            }
        }
    }

    let mut out = Vec::new();
    for ((sa, sb), mut ds) in diffs {
        ds.sort_unstable();
        ds.dedup();
        let Some((offset, pairs)) = best_offset(&ds) else { continue };
        let tol = pairs.iter().map(|p| p.3).max().unwrap_or(TOLERANCE_EXACT);
        // Times to the minute give the offset to the minute.
        let offset = if tol >= TOLERANCE_MINUTE { (offset as f64 / 60.0).round() as i64 * 60 } else { offset };
        if offset.abs() < 2 * tol {
            continue;
        }
        // The pairs that agree on no offset at all, one to one.
        let zero = matched(ds.iter().filter(|p| p.0.abs() <= p.3), 0);
        let keys: HashSet<&Key> = pairs.iter().map(|p| &p.4).collect();
        if pairs.len() < MIN_PAIRS || keys.len() < 2 || zero.len() * 2 >= pairs.len() {
            continue;
        }
        let mut pairs: Vec<(usize, usize)> = pairs.iter().map(|p| (p.1, p.2)).collect();
        pairs.sort_by_key(|&(a, _)| records[a].when.utc);
        let skew = orient(records, sa, sb, offset, pairs);
        if skew.trusted.is_none() && offset.abs() < MACHINE_MIN_SECS {
            continue;
        }
        out.push(skew);
    }
    out
}

/// One-to-one pairs out of `candidates` (each record used once), those closest to
/// `centre` first.
fn matched<'p>(candidates: impl Iterator<Item = &'p Pair>, centre: i64) -> Vec<Pair> {
    let mut all: Vec<&Pair> = candidates.collect();
    all.sort_by_key(|p| ((p.0 - centre).abs(), p.1, p.2));
    let (mut used_a, mut used_b) = (HashSet::new(), HashSet::new());
    let mut out = Vec::new();
    for p in all {
        if !used_a.contains(&p.1) && !used_b.contains(&p.2) {
            used_a.insert(p.1);
            used_b.insert(p.2);
            out.push(p.clone());
        }
    }
    out
}

/// The offset most pairs agree on, with those pairs (one to one), when it is not zero.
fn best_offset(ds: &[Pair]) -> Option<(i64, Vec<Pair>)> {
    let mut best: Option<(i64, Vec<Pair>)> = None;
    let mut seen_centres = HashSet::new();
    for p in ds {
        let (d, tol) = (p.0, p.3);
        if d.abs() <= tol || !seen_centres.insert(d) {
            continue;
        }
        // Pairs within the tolerance of this difference, centred on their median.
        let window = matched(ds.iter().filter(|p| (p.0 - d).abs() <= tol.max(p.3)), d);
        if window.len() < MIN_PAIRS || best.as_ref().is_some_and(|(_, b)| b.len() >= window.len()) {
            continue;
        }
        let mut offsets: Vec<i64> = window.iter().map(|p| p.0).collect();
        offsets.sort_unstable();
        let median = offsets.get(offsets.len() / 2).copied().unwrap_or(d);
        best = Some((median, window));
    }
    best
}

/// A test a source's records pass or fail, and what passing says about its clock.
type Test<'t> = (&'t dyn Fn(&Record) -> bool, &'static str);

/// The skew with the source to trust first.
fn orient(records: &[Record], sa: u32, sb: u32, offset: i64, pairs: Vec<(usize, usize)>) -> Skew {
    let share = |side: fn(&(usize, usize)) -> usize, test: &dyn Fn(&Record) -> bool| {
        let n = pairs.iter().filter(|p| test(&records[side(p)])).count();
        n * 2 > pairs.len()
    };
    let explicit = |r: &Record| r.when.basis == ZoneBasis::Explicit;
    let machine = |r: &Record| !is_human(r);
    let exact = |r: &Record| r.when.precision == Precision::Exact;
    let first = |p: &(usize, usize)| p.0;
    let second = |p: &(usize, usize)| p.1;
    let tests: [Test<'_>; 3] = [
        (&explicit, "its times carry their UTC offset; the other's are local times read in a zone"),
        (&machine, "machine-written times beat ones written by hand"),
        (&exact, "its times are exact to the second"),
    ];
    for (test, why) in tests {
        match (share(first, test), share(second, test)) {
            (true, false) => {
                return Skew { source_a: sa, source_b: sb, offset_seconds: offset, pairs, trusted: Some(why) };
            }
            (false, true) => {
                let pairs = pairs.into_iter().map(|(a, b)| (b, a)).collect();
                return Skew { source_a: sb, source_b: sa, offset_seconds: -offset, pairs, trusted: Some(why) };
            }
            _ => {}
        }
    }
    Skew { source_a: sa, source_b: sb, offset_seconds: offset, pairs, trusted: None }
}

#[cfg(test)]
mod tests {
    use debrief_model::{Actor, Span, When};
    use jiff::{SignedDuration, Timestamp};

    use super::*;

    fn t(s: &str) -> Timestamp {
        format!("2024-10-08T{s}Z").parse().unwrap()
    }

    fn pager(line: u32, at: &str, alert: &str) -> Record {
        Record::new(Span::line(0, line), When::exact(t(at)), Kind::Alert, format!("Triggered {alert}"))
            .with_attr("alert", alert)
    }

    /// A hand-written note `shift` seconds off, read in an assumed zone, to the minute.
    fn note(line: u32, at: &str, shift: i64, text: &str) -> Record {
        let utc = t(at) + SignedDuration::from_secs(shift);
        let when = When::exact(utc).with_precision(Precision::Inferred).with_basis(ZoneBasis::Assumed("UTC".into()));
        Record::new(Span::line(1, line), when, Kind::Message, text).with_actor(Actor::person("Dana"))
    }

    #[test]
    fn a_zone_read_wrong_is_an_hour_of_skew_and_the_pager_is_trusted() {
        let records = vec![
            pager(1, "14:49:00", "CheckoutErrorRate"),
            pager(2, "14:58:00", "CheckoutDBPoolPending"),
            pager(3, "15:22:00", "CheckoutLatencyHigh"),
            note(1, "14:49:00", 3600, "PD page CheckoutErrorRate (critical)"),
            note(2, "14:58:00", 3600, "muted checkoutdbpoolpending for 2h"),
            note(3, "15:22:00", 3600, "CheckoutLatencyHigh cleared"),
            // A line naming nothing, and one naming an alert it does not pair with.
            note(4, "15:30:00", 3600, "writing up"),
            note(5, "10:00:00", 0, "CheckoutErrorRateX is not a name"),
        ];
        let s = skews(&records);
        assert_eq!(s.len(), 1, "{s:?}");
        let s = &s[0];
        assert_eq!((s.source_a, s.source_b, s.offset_seconds), (0, 1, 3600));
        assert_eq!(s.pairs, [(0, 3), (1, 4), (2, 5)]);
        assert!(s.trusted.is_some_and(|w| w.contains("offset")));
        assert_eq!(
            s.describe("pagerduty.json", "notes.md"),
            "Times in notes.md run 1 h ahead of pagerduty.json for the same happenings (3 pairs); pagerduty.json's \
             times are the ones to go by (its times carry their UTC offset; the other's are local times read in a zone)."
        );
    }

    fn deploy(line: u32, at: &str, v: &str) -> Record {
        Record::new(Span::line(2, line), When::exact(t(at)), Kind::Change, format!("deploy checkout-api {v} finished"))
            .with_attr("version", v)
    }

    #[test]
    fn a_host_clock_47_seconds_behind_is_found_by_versions() {
        // A host's syslog, naive times read in the incident's zone, its clock 47 s slow.
        let host = |line: u32, at: &str, text: &str| {
            let when = When::exact(t(at) - SignedDuration::from_secs(47))
                .with_basis(ZoneBasis::IncidentToml("America/Chicago".into()));
            Record::new(Span::line(5, line), when, Kind::Change, text)
        };
        let records = vec![
            deploy(1, "14:36:41", "v2.31.0"),
            deploy(2, "15:18:52", "v2.30.4"),
            deploy(3, "16:02:10", "v2.31.1"),
            host(10, "14:36:42", "deployed checkout-api 2.31.0"),
            host(20, "15:18:52", "deployed checkout-api v2.30.4"),
            host(30, "16:02:09", "deployed checkout-api v2.31.1"),
        ];
        let s = skews(&records);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!((s[0].source_a, s[0].source_b, s[0].offset_seconds), (2, 5, -47));
        assert!(s[0].trusted.is_some_and(|w| w.contains("offset")));
        assert!(
            s[0].describe("deploy.log", "host.syslog").starts_with("Times in host.syslog run 47 s behind deploy.log")
        );
    }

    #[test]
    fn between_two_machines_with_offsets_only_a_large_offset_is_a_skew() {
        // A chat bot posting each deploy half a minute after it happened: a delay.
        let bot = |line: u32, at: &str, v: &str, shift: i64| {
            let when = When::exact(t(at) + SignedDuration::from_secs(shift));
            Record::new(Span::line(7, line), when, Kind::Change, format!("checkout-api {v} is live"))
                .with_actor(Actor::bot("deploybot"))
        };
        let deploys = [("14:36:41", "v2.31.0"), ("15:18:52", "v2.30.4"), ("16:02:10", "v2.31.1")];
        let mut delayed: Vec<Record> =
            deploys.iter().enumerate().map(|(i, (at, v))| deploy(i as u32 + 1, at, v)).collect();
        delayed.extend(deploys.iter().enumerate().map(|(i, (at, v))| bot(i as u32 + 1, at, v, 31)));
        assert!(skews(&delayed).is_empty());
        // An hour apart: a clock or zone, though nothing says which side.
        let mut hour: Vec<Record> =
            deploys.iter().enumerate().map(|(i, (at, v))| deploy(i as u32 + 1, at, v)).collect();
        hour.extend(deploys.iter().enumerate().map(|(i, (at, v))| bot(i as u32 + 1, at, v, 3600)));
        let s = skews(&hour);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!((s[0].offset_seconds, s[0].trusted), (3600, None));
        assert!(s[0].describe("a", "b").ends_with("nothing in the sources says which clock is right."));
    }

    #[test]
    fn one_key_named_many_times_is_not_evidence() {
        // The same alert re-posted six times an hour late, and nothing else: no skew.
        let mut records = Vec::new();
        for (i, at) in ["14:00:00", "14:05:00", "14:10:00", "14:15:00", "14:20:00", "14:25:00"].iter().enumerate() {
            records.push(pager(i as u32 + 1, at, "CheckoutErrorRate"));
            records.push(note(i as u32 + 1, at, 3600, "CheckoutErrorRate again"));
        }
        assert!(skews(&records).is_empty());
    }

    #[test]
    fn agreeing_sources_and_too_few_pairs_are_no_skew() {
        // Same times: no skew.
        let same = vec![
            pager(1, "14:49:00", "CheckoutErrorRate"),
            pager(2, "14:58:00", "CheckoutDBPoolPending"),
            pager(3, "15:22:00", "CheckoutLatencyHigh"),
            note(1, "14:49:00", 0, "CheckoutErrorRate"),
            note(2, "14:58:00", 0, "CheckoutDBPoolPending"),
            note(3, "15:22:00", 0, "CheckoutLatencyHigh"),
        ];
        assert!(skews(&same).is_empty());
        // Two pairs agree on an hour: not enough.
        let two = vec![
            pager(1, "14:49:00", "CheckoutErrorRate"),
            pager(2, "14:58:00", "CheckoutDBPoolPending"),
            note(1, "14:49:00", 3600, "CheckoutErrorRate"),
            note(2, "14:58:00", 3600, "CheckoutDBPoolPending"),
        ];
        assert!(skews(&two).is_empty());
        // Offsets that do not agree: a discussion of alerts over the afternoon.
        let scattered = vec![
            pager(1, "14:49:00", "CheckoutErrorRate"),
            pager(2, "14:58:00", "CheckoutDBPoolPending"),
            pager(3, "15:22:00", "CheckoutLatencyHigh"),
            note(1, "14:49:00", 600, "CheckoutErrorRate"),
            note(2, "14:58:00", 1500, "CheckoutDBPoolPending"),
            note(3, "15:22:00", 3000, "CheckoutLatencyHigh"),
        ];
        assert!(skews(&scattered).is_empty());
    }

    #[test]
    fn repeated_notifications_that_mostly_agree_are_no_skew() {
        // The pager and the chat bot both post the alert every five minutes, at the same
        // times: shifted pairs (one notification against the next) must not win.
        let mut records = Vec::new();
        for (i, at) in ["14:00:00", "14:05:00", "14:10:00", "14:15:00"].iter().enumerate() {
            records.push(pager(i as u32 + 1, at, "CheckoutErrorRate"));
            records.push(
                Record::new(Span::line(3, i as u32 + 1), When::exact(t(at)), Kind::Alert, "[FIRING] CheckoutErrorRate")
                    .with_attr("alert", "CheckoutErrorRate"),
            );
        }
        assert!(skews(&records).is_empty());
    }
}
