//! Bursts and onsets: when each template began, peaked and stopped being unusual.
//!
//! Given each line's time, template and level, lines are counted per template per time bucket.
//! Three kinds of change point become a [`Burst`]:
//!
//! - [`OnsetKind::RateJump`]: a template's count in a bucket is at least `rate_factor` times its
//!   own baseline (its mean per bucket since the log began) and at least `min_count`;
//! - [`OnsetKind::NewTemplate`]: a template first seen after the warm-up, at error level or at
//!   least `min_count` times in its first run;
//! - [`OnsetKind::ErrorShare`]: the share of error-level lines in a bucket jumps above its
//!   baseline; the burst names the template with the most error lines in the run.
//!
//! Neighbouring hot buckets (at most one quiet bucket between) make one burst, cited by its
//! first and last line.
//!
//! ```
//! use debrief_templates::{Config, Miner, Occurrence, OnsetConfig, OnsetKind, find_bursts};
//! use jiff::Timestamp;
//!
//! let mut miner = Miner::new(Config::default());
//! let mut occ = Vec::new();
//! let t0: Timestamp = "2024-05-01T10:00:00Z".parse().unwrap();
//! for s in 0..1200 {
//!     let line = if s >= 900 && s % 2 == 0 { format!("upstream timed out after {s}ms") } else { format!("GET /api/{s} 200") };
//!     let template = miner.add(&line);
//!     occ.push(Occurrence { line: s as u64 + 1, time: t0 + jiff::SignedDuration::from_secs(s), template, level: None });
//! }
//! for o in &mut occ {
//!     o.template = miner.resolve(o.template);
//! }
//! let bursts = find_bursts(&occ, &OnsetConfig::default());
//! assert_eq!(bursts[0].kind, OnsetKind::NewTemplate);
//! assert_eq!(bursts[0].first_line, 901);
//! ```

use jiff::{SignedDuration, Timestamp};

use crate::header::Level;
use crate::miner::TemplateId;

/// One line for onset detection: where it is, when, its template and level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// The line number to cite (1-based).
    pub line: u64,
    pub time: Timestamp,
    /// The line's template as [`Miner::resolve`](crate::Miner::resolve) gives it after the last
    /// line was added (templates merge while mining).
    pub template: TemplateId,
    /// The level its header named ([`Miner::last_level`](crate::Miner::last_level)), if any.
    pub level: Option<Level>,
}

/// The thresholds of onset detection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OnsetConfig {
    /// The width of a time bucket.
    pub bucket: SignedDuration,
    /// A bucket is hot when it holds at least this many times the template's baseline.
    pub rate_factor: f64,
    /// ... and at least this many lines.
    pub min_count: u64,
    /// Buckets at the start of the log with no baseline yet: nothing there is new or a jump.
    pub warmup_buckets: u64,
    /// The error-level share of a bucket must rise by at least this much over its baseline.
    pub error_share_jump: f64,
}

impl Default for OnsetConfig {
    fn default() -> Self {
        Self {
            bucket: SignedDuration::from_secs(60),
            rate_factor: 5.0,
            min_count: 5,
            warmup_buckets: 3,
            error_share_jump: 0.2,
        }
    }
}

/// What made a burst stand out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OnsetKind {
    /// A template well above its own baseline rate.
    RateJump,
    /// A template not seen before.
    NewTemplate,
    /// The share of error-level lines jumped; this template carried most of them.
    ErrorShare,
}

impl OnsetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RateJump => "rate_jump",
            Self::NewTemplate => "new_template",
            Self::ErrorShare => "error_share",
        }
    }
}

/// A run of unusual activity of one template.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Burst {
    pub template: TemplateId,
    pub kind: OnsetKind,
    /// First and last line of the template inside the burst (cite these).
    pub first_line: u64,
    pub last_line: u64,
    /// Lines of the template inside the burst (error lines only, for [`OnsetKind::ErrorShare`]).
    pub count: u64,
    /// Times of the first and last of those lines.
    pub start: Timestamp,
    pub end: Timestamp,
    /// Most lines in one bucket.
    pub peak: u64,
    /// Lines per bucket before the burst (for [`OnsetKind::ErrorShare`], the error share).
    pub baseline: f64,
    /// Whether any of its lines is error level or worse.
    pub error: bool,
}

/// Lines of one template in one bucket.
#[derive(Debug, Clone, Copy)]
struct Cell {
    bucket: u64,
    count: u64,
    errors: u64,
    first: (Timestamp, u64),
    last: (Timestamp, u64),
    first_error: (Timestamp, u64),
    last_error: (Timestamp, u64),
}

impl Cell {
    fn new(bucket: u64, o: &Occurrence) -> Self {
        let at = (o.time, o.line);
        let mut c = Self {
            bucket,
            count: 0,
            errors: 0,
            first: at,
            last: at,
            first_error: (Timestamp::MAX, u64::MAX),
            last_error: (Timestamp::MIN, 0),
        };
        c.add(o);
        c
    }

    fn merge(&mut self, c: &Cell) {
        self.count += c.count;
        self.errors += c.errors;
        self.first = self.first.min(c.first);
        self.last = self.last.max(c.last);
        self.first_error = self.first_error.min(c.first_error);
        self.last_error = self.last_error.max(c.last_error);
    }

    fn add(&mut self, o: &Occurrence) {
        let at = (o.time, o.line);
        self.count += 1;
        self.first = self.first.min(at);
        self.last = self.last.max(at);
        if o.level.is_some_and(Level::is_error) {
            self.errors += 1;
            self.first_error = self.first_error.min(at);
            self.last_error = self.last_error.max(at);
        }
    }
}

/// Per template, its lines counted per bucket: bucket `i` covers `start + i·bucket`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    pub start: Timestamp,
    pub bucket: SignedDuration,
    /// Buckets from the first line's to the last line's.
    pub buckets: u64,
    /// Each template with its nonzero `(bucket, lines)`, in bucket order; templates by first line.
    pub series: Vec<(TemplateId, Vec<(u64, u64)>)>,
}

/// Counts lines per template per bucket.
pub fn histogram(occurrences: &[Occurrence], bucket: SignedDuration) -> Histogram {
    Tally::for_slice(occurrences, bucket).histogram(|t| t)
}

fn bucket_width(bucket: SignedDuration) -> i128 {
    bucket.as_nanos().max(1)
}

/// Lines counted per template per time bucket as they come, for onsets over inputs too large
/// to keep: its memory grows with templates × buckets, never with lines.
///
/// ```
/// use debrief_templates::{Config, Miner, Occurrence, OnsetConfig, Tally};
/// use jiff::{SignedDuration, Timestamp};
///
/// let mut miner = Miner::new(Config::default());
/// let mut tally = Tally::new(SignedDuration::from_secs(60));
/// let t0: Timestamp = "2024-05-01T10:00:00Z".parse().unwrap();
/// for s in 0..1200u64 {
///     let line = if s >= 900 && s % 2 == 0 { format!("upstream timed out after {s}ms") } else { format!("GET /api/{s} 200") };
///     let template = miner.add(&line);
///     tally.add(&Occurrence { line: s + 1, time: t0 + SignedDuration::from_secs(s as i64), template, level: None });
/// }
/// let bursts = tally.bursts(&OnsetConfig::default(), |t| miner.resolve(t));
/// assert_eq!(bursts[0].first_line, 901);
/// assert_eq!(tally.lines(), 1200);
/// ```
#[derive(Debug, Clone)]
pub struct Tally {
    bucket: SignedDuration,
    /// The time bucket 0 starts at: the first line's (buckets before it are negative).
    origin: Option<Timestamp>,
    cells: Vec<(TemplateId, i64, Cell)>,
    /// Each template's most recent cell (`u32::MAX`: none), by template index.
    latest: Vec<u32>,
    /// Cells of a template that are not its most recent one (lines out of time order).
    index: std::collections::HashMap<(TemplateId, i64), u32>,
    lines: u64,
    /// The bucket the last line fell in, `from..to`: most lines fall in the one before them,
    /// and the division that finds a bucket (on 128-bit nanoseconds) is slow.
    last: Option<(Timestamp, Timestamp, i64)>,
}

impl Tally {
    pub fn new(bucket: SignedDuration) -> Self {
        Self {
            bucket,
            origin: None,
            cells: Vec::new(),
            latest: Vec::new(),
            index: std::collections::HashMap::new(),
            lines: 0,
            last: None,
        }
    }

    /// A tally of `occurrences` whose buckets start at the earliest of them.
    fn for_slice(occurrences: &[Occurrence], bucket: SignedDuration) -> Self {
        let mut t = Self::new(bucket);
        t.origin = occurrences.iter().map(|o| o.time).min();
        for o in occurrences {
            t.add(o);
        }
        t
    }

    /// Lines added.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// The bucket `t` falls in, kept as the last one.
    fn bucket_of(&mut self, t: Timestamp) -> i64 {
        let origin = *self.origin.get_or_insert(t);
        let width = bucket_width(self.bucket);
        let b = (t.as_nanosecond() - origin.as_nanosecond()).div_euclid(width);
        let from = Timestamp::from_nanosecond(origin.as_nanosecond() + b * width).ok();
        let to = Timestamp::from_nanosecond(origin.as_nanosecond() + (b + 1) * width).ok();
        self.last = from.zip(to).map(|(from, to)| (from, to, b as i64));
        b as i64
    }

    /// Counts one line.
    pub fn add(&mut self, o: &Occurrence) {
        self.lines += 1;
        let b = match self.last {
            Some((from, to, b)) if from <= o.time && o.time < to => b,
            _ => self.bucket_of(o.time),
        };
        let t = o.template.index();
        if self.latest.len() <= t {
            self.latest.resize(t + 1, u32::MAX);
        }
        let latest = self.latest[t];
        if let Some((_, lb, cell)) = self.cells.get_mut(latest as usize) {
            if *lb == b {
                cell.add(o);
                return;
            }
            if *lb > b {
                // An older bucket of this template: look it up.
                match self.index.get(&(o.template, b)) {
                    Some(&i) => self.cells[i as usize].2.add(o),
                    None => {
                        self.index.insert((o.template, b), self.cells.len() as u32);
                        self.cells.push((o.template, b, Cell::new(0, o)));
                    }
                }
                return;
            }
            self.index.insert((o.template, *lb), latest);
        }
        self.latest[t] = self.cells.len() as u32;
        self.cells.push((o.template, b, Cell::new(0, o)));
    }

    /// Cells per template as `resolve` names templates now (templates in order of their first
    /// line, cells in bucket order), the start of bucket 0, and the bucket count.
    fn series(&self, resolve: impl Fn(TemplateId) -> TemplateId) -> (Vec<(TemplateId, Vec<Cell>)>, Timestamp, u64) {
        let Some(origin) = self.origin else {
            return (Vec::new(), Timestamp::UNIX_EPOCH, 0);
        };
        let min = self.cells.iter().map(|c| c.1).min().unwrap_or(0);
        let mut all: Vec<(TemplateId, u64, Cell)> =
            self.cells.iter().map(|&(t, b, c)| (resolve(t), (b - min) as u64, c)).collect();
        all.sort_by_key(|&(t, b, c)| (t, b, c.first));
        let mut out: Vec<(TemplateId, Vec<Cell>)> = Vec::new();
        let mut buckets = 0;
        for (t, b, mut c) in all {
            c.bucket = b;
            buckets = buckets.max(b + 1);
            match out.last_mut() {
                Some((last, cs)) if *last == t => match cs.last_mut() {
                    Some(prev) if prev.bucket == b => prev.merge(&c),
                    _ => cs.push(c),
                },
                _ => out.push((t, vec![c])),
            }
        }
        out.sort_by_key(|(_, cs)| cs.iter().map(|c| c.first.1).min());
        let width = i64::try_from(bucket_width(self.bucket)).unwrap_or(i64::MAX);
        let start = origin.checked_add(SignedDuration::from_nanos(min.saturating_mul(width))).unwrap_or(origin);
        (out, start, buckets)
    }

    /// Lines per template per bucket, templates as `resolve` names them.
    pub fn histogram(&self, resolve: impl Fn(TemplateId) -> TemplateId) -> Histogram {
        let (cells, start, buckets) = self.series(resolve);
        let series = cells.into_iter().map(|(t, cs)| (t, cs.iter().map(|c| (c.bucket, c.count)).collect())).collect();
        Histogram { start, bucket: self.bucket, buckets, series }
    }

    /// Bursts and onsets, earliest first, templates as `resolve` names them (pass
    /// [`Miner::resolve`](crate::Miner::resolve): templates merge while mining). The tally's
    /// bucket is used, not `config.bucket`.
    pub fn bursts(&self, config: &OnsetConfig, resolve: impl Fn(TemplateId) -> TemplateId) -> Vec<Burst> {
        let (series, _, buckets) = self.series(resolve);
        let mut bursts = Vec::new();
        for (template, cs) in &series {
            template_bursts(*template, cs, config, &mut bursts);
        }
        error_share_bursts(&series, buckets, config, &mut bursts);
        bursts.sort_by_key(|b| (b.start, b.first_line, b.kind));
        bursts
    }
}

/// Finds bursts and onsets, earliest first.
pub fn find_bursts(occurrences: &[Occurrence], config: &OnsetConfig) -> Vec<Burst> {
    Tally::for_slice(occurrences, config.bucket).bursts(config, |t| t)
}

fn template_bursts(template: TemplateId, cs: &[Cell], config: &OnsetConfig, out: &mut Vec<Burst>) {
    let Some(first) = cs.first() else { return };
    let mut seen = 0u64;
    let mut run: Option<Burst> = None;
    let mut last_hot = 0u64;
    let is_new = first.bucket >= config.warmup_buckets;
    for (i, c) in cs.iter().enumerate() {
        let baseline = if c.bucket == 0 { 0.0 } else { seen as f64 / c.bucket as f64 };
        let new_run = is_new && i == 0;
        let hot = new_run
            || (c.bucket >= config.warmup_buckets
                && c.count >= config.min_count
                && c.count as f64 >= config.rate_factor * baseline.max(1.0 / config.rate_factor));
        // A run goes on through buckets that stay busy: at least `min_count` lines and half the
        // jump over the baseline it started from.
        let continues = run.as_ref().is_some_and(|b| {
            c.bucket <= last_hot + 2
                && (hot || (c.count >= config.min_count && c.count as f64 >= config.rate_factor * b.baseline / 2.0))
        });
        if continues {
            if let Some(b) = run.as_mut() {
                extend(b, c);
            }
            last_hot = c.bucket;
        } else {
            if let Some(b) = run.take() {
                push_run(b, config, out);
            }
            if hot {
                let kind = if new_run { OnsetKind::NewTemplate } else { OnsetKind::RateJump };
                run = Some(Burst {
                    template,
                    kind,
                    first_line: c.first.1,
                    last_line: c.last.1,
                    count: c.count,
                    start: c.first.0,
                    end: c.last.0,
                    peak: c.count,
                    baseline,
                    error: c.errors > 0,
                });
                last_hot = c.bucket;
            }
        }
        seen += c.count;
    }
    if let Some(b) = run {
        push_run(b, config, out);
    }
}

fn extend(b: &mut Burst, c: &Cell) {
    b.last_line = b.last_line.max(c.last.1);
    b.first_line = b.first_line.min(c.first.1);
    b.count += c.count;
    b.end = b.end.max(c.last.0);
    b.peak = b.peak.max(c.count);
    b.error |= c.errors > 0;
}

fn push_run(b: Burst, config: &OnsetConfig, out: &mut Vec<Burst>) {
    // A new template is worth a burst when it is an error or it is busy.
    if b.kind == OnsetKind::NewTemplate && !b.error && b.count < config.min_count {
        return;
    }
    out.push(b);
}

fn error_share_bursts(series: &[(TemplateId, Vec<Cell>)], buckets: u64, config: &OnsetConfig, out: &mut Vec<Burst>) {
    if buckets == 0 {
        return;
    }
    let n = buckets as usize;
    let mut lines = vec![0u64; n];
    let mut errors = vec![0u64; n];
    for (_, cs) in series {
        for c in cs {
            lines[c.bucket as usize] += c.count;
            errors[c.bucket as usize] += c.errors;
        }
    }
    let (mut seen_lines, mut seen_errors) = (0u64, 0u64);
    let mut hot = vec![false; n];
    let mut base = vec![0f64; n];
    for b in 0..n {
        let share = if lines[b] == 0 { 0.0 } else { errors[b] as f64 / lines[b] as f64 };
        let baseline = if seen_lines == 0 { 0.0 } else { seen_errors as f64 / seen_lines as f64 };
        base[b] = baseline;
        hot[b] = b as u64 >= config.warmup_buckets
            && errors[b] >= config.min_count
            && share >= baseline + config.error_share_jump
            && share >= 2.0 * baseline;
        seen_lines += lines[b];
        seen_errors += errors[b];
    }
    let mut b = 0;
    while b < n {
        if !hot[b] {
            b += 1;
            continue;
        }
        let from = b;
        let mut to = b;
        while to + 1 < n && (hot[to + 1] || (to + 2 < n && hot[to + 2])) {
            to += if hot[to + 1] { 1 } else { 2 };
        }
        // The template with the most error lines in the run carries it.
        let mut best: Option<(TemplateId, Burst)> = None;
        for (t, cs) in series {
            let mut acc: Option<Burst> = None;
            for c in cs.iter().filter(|c| (from as u64..=to as u64).contains(&c.bucket) && c.errors > 0) {
                let cell = Burst {
                    template: *t,
                    kind: OnsetKind::ErrorShare,
                    first_line: c.first_error.1,
                    last_line: c.last_error.1,
                    count: c.errors,
                    start: c.first_error.0,
                    end: c.last_error.0,
                    peak: c.errors,
                    baseline: base[from],
                    error: true,
                };
                match acc.as_mut() {
                    Some(a) => {
                        a.first_line = a.first_line.min(cell.first_line);
                        a.last_line = a.last_line.max(cell.last_line);
                        a.count += cell.count;
                        a.start = a.start.min(cell.start);
                        a.end = a.end.max(cell.end);
                        a.peak = a.peak.max(cell.peak);
                    }
                    None => acc = Some(cell),
                }
            }
            if let Some(a) = acc
                && best.as_ref().is_none_or(|(_, bb)| a.count > bb.count)
            {
                best = Some((*t, a));
            }
        }
        if let Some((_, burst)) = best {
            out.push(burst);
        }
        b = to + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + s).unwrap()
    }

    proptest::proptest! {
        /// Each line lands in the bucket its time divides into, in or out of time order.
        #[test]
        fn lines_land_in_their_buckets(
            times in proptest::collection::vec(
                (-400i64..400, proptest::prop_oneof![proptest::strategy::Just(0), 0..1_000_000_000i32]),
                1..60,
            ),
            width in 1i64..120,
        ) {
            let mut tally = Tally::new(SignedDuration::from_secs(width));
            let template = TemplateId(0);
            let stamp = |&(s, n): &(i64, i32)| Timestamp::new(1_700_000_000 + s, n).unwrap();
            for (line, t) in times.iter().enumerate() {
                tally.add(&Occurrence { line: line as u64 + 1, time: stamp(t), template, level: None });
            }
            let origin = stamp(&times[0]).as_nanosecond();
            let mut want: Vec<(i64, u64)> = Vec::new();
            for t in &times {
                let b = (stamp(t).as_nanosecond() - origin).div_euclid(i128::from(width) * 1_000_000_000) as i64;
                match want.iter_mut().find(|w| w.0 == b) {
                    Some(w) => w.1 += 1,
                    None => want.push((b, 1)),
                }
            }
            let mut got: Vec<(i64, u64)> = tally.cells.iter().map(|c| (c.1, c.2.count)).collect();
            got.sort_unstable();
            want.sort_unstable();
            proptest::prop_assert_eq!(got, want);
        }
    }

    fn occ(line: u64, s: i64, t: u32, error: bool) -> Occurrence {
        Occurrence {
            line,
            time: at(s),
            template: TemplateId(t),
            level: Some(if error { Level::Error } else { Level::Info }),
        }
    }

    #[test]
    fn rate_jump_over_baseline() {
        let mut v = Vec::new();
        let mut line = 0;
        // Template 0: one line a minute for 20 minutes, then 30 a minute for 3 minutes.
        for m in 0..20 {
            line += 1;
            v.push(occ(line, m * 60, 0, false));
        }
        for m in 20..23 {
            for k in 0..30 {
                line += 1;
                v.push(occ(line, m * 60 + k, 0, false));
            }
        }
        let bursts = find_bursts(&v, &OnsetConfig::default());
        assert_eq!(bursts.len(), 1, "{bursts:?}");
        let b = bursts[0];
        assert_eq!(b.kind, OnsetKind::RateJump);
        assert_eq!((b.first_line, b.last_line, b.count), (21, 110, 90));
        assert_eq!(b.start, at(1200));
        assert!(b.baseline <= 1.0);
    }

    #[test]
    fn new_error_template_and_error_share() {
        let mut v = Vec::new();
        let mut line = 0;
        for s in 0..600 {
            line += 1;
            v.push(occ(line, s, 0, false));
            if s >= 420 && s % 3 == 0 {
                line += 1;
                v.push(occ(line, s, 1, true));
            }
        }
        let bursts = find_bursts(&v, &OnsetConfig::default());
        let kinds: Vec<_> = bursts.iter().map(|b| (b.kind, b.template.0)).collect();
        assert!(kinds.contains(&(OnsetKind::NewTemplate, 1)), "{kinds:?}");
        assert!(kinds.contains(&(OnsetKind::ErrorShare, 1)), "{kinds:?}");
        assert!(bursts.iter().all(|b| b.start >= at(420)));
        let h = histogram(&v, SignedDuration::from_secs(60));
        assert_eq!(h.buckets, 10);
        assert_eq!(h.series[1].1[0], (7, 20));
    }

    #[test]
    fn a_tally_fed_out_of_order_with_merged_templates_finds_the_same_bursts() {
        let mut v = Vec::new();
        let mut line = 0;
        for s in 0..900 {
            line += 1;
            v.push(occ(line, s, 0, false));
            if s >= 600 && s % 2 == 0 {
                line += 1;
                // Templates 1 and 2 turn out to be one (as when the miner merges them).
                v.push(occ(line, s, 1 + u32::from(s % 4 == 0), true));
            }
        }
        let merged: Vec<Occurrence> =
            v.iter().map(|o| Occurrence { template: TemplateId(o.template.0.min(1)), ..*o }).collect();
        let want = find_bursts(&merged, &OnsetConfig::default());
        assert!(want.iter().any(|b| b.kind == OnsetKind::NewTemplate && b.first_line == 602), "{want:?}");
        // Lines arrive a little out of time order: swap neighbours across bucket edges.
        let mut shuffled = v.clone();
        for i in (0..shuffled.len() - 1).step_by(7) {
            shuffled.swap(i, i + 1);
        }
        let mut tally = Tally::new(SignedDuration::from_secs(60));
        tally.origin = Some(at(0));
        for o in &shuffled {
            tally.add(o);
        }
        assert_eq!(tally.lines(), v.len() as u64);
        let got = tally.bursts(&OnsetConfig::default(), |t| TemplateId(t.0.min(1)));
        assert_eq!(got, want);
        let h = tally.histogram(|t| TemplateId(t.0.min(1)));
        assert_eq!(h.series.len(), 2);
        assert_eq!(h.series[1].1.iter().map(|&(_, n)| n).sum::<u64>(), 150);
    }

    #[test]
    fn steady_log_has_no_bursts() {
        let v: Vec<_> = (0..3600).map(|s| occ(s as u64 + 1, s, (s % 3) as u32, s % 3 == 2)).collect();
        assert!(find_bursts(&v, &OnsetConfig::default()).is_empty());
        assert!(find_bursts(&[], &OnsetConfig::default()).is_empty());
    }
}
