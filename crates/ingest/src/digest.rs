//! What a log says in bulk: its lines folded into templates, each run of warning and error
//! lines of one template folded into one burst record, and the change points — a template's
//! rate jumping over its own baseline, a new template, the error share jumping — marked as
//! onsets on the burst they open.
//!
//! A [`Digest`] takes a log's records one at a time, in line order. When the caller keeps
//! every record ([`Digest::whole`]), [`Digest::fold`] then rewrites that list: lines folded
//! into a burst become [`Kind::System`] (kept for their attributes, never a timeline row) and
//! the burst record goes just before its first line. When the log is streamed
//! ([`Digest::streamed`]), the digest keeps only the records it may cite — the first lines of
//! each template, the first and last warning or error line of each template in each minute —
//! with their raw text, and [`Digest::finish`] returns those with the burst records. Either
//! way memory beyond the kept records grows with templates × minutes, never with lines.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use debrief_model::{Kind, Record};
use debrief_templates::{Config, Level, Miner, Occurrence, OnsetConfig, OnsetKind, Shape, Tally, TemplateId};
use jiff::{SignedDuration, Timestamp};

/// The width of a time bucket for counts and onsets.
const BUCKET: SignedDuration = SignedDuration::from_secs(60);
/// Warning or error lines of one template further apart than this are two bursts (the
/// timeline folds like lines over the same gap).
const EPISODE_GAP: SignedDuration = SignedDuration::from_mins(15);
/// A change point this soon after a run of lines began opens that run rather than cutting it.
const ONSET_GRACE: SignedDuration = SignedDuration::from_mins(5);
/// A run is an onset (a candidate first signal) when it holds at least [`DENSE_LINES`]
/// lines in its first [`DENSE_SPAN`]: sporadic lines are background.
const DENSE_SPAN: SignedDuration = SignedDuration::from_mins(10);
const DENSE_LINES: u64 = 10;
/// First lines of each template a streamed log keeps as records (one-off lines such as a
/// restart or a deploy step are rare templates, so they are kept whole).
const SAMPLE_PER_TEMPLATE: usize = 3;
/// The longest template text a burst's summary quotes.
const SUMMARY_TEMPLATE_CHARS: usize = 120;

/// A log template as one source shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogTemplate {
    /// The source's index in the bundle.
    pub source: u32,
    /// Tokens joined by single spaces; `<*>` stands for a value.
    pub text: String,
    pub count: u64,
    /// Lines at warning level or worse, or answering a request with a server error.
    pub signal_lines: u64,
    /// The worst level its lines carry (`warn`, `error`, `fatal`…), if any says.
    pub level: Option<&'static str>,
    pub first_line: u32,
    pub last_line: u32,
    pub first_time: Option<Timestamp>,
    pub last_time: Option<Timestamp>,
    /// Lines per minute: the minute's start and its lines, minutes with lines only.
    pub per_minute: Vec<(Timestamp, u64)>,
    /// The record of its first line, an index into the ingested records (for a citation).
    pub example: Option<usize>,
    /// Its earliest change point: the kind (`new_template`, `rate_jump`, `error_share`)
    /// and when it began.
    pub onset: Option<(&'static str, Timestamp)>,
}

/// Level ranks: 0 none, 1 debug, 2 info, 3 warn, 4 error, 5 fatal.
fn level_rank(level: Option<&str>) -> u8 {
    match level {
        Some("fatal") => 5,
        Some("error") => 4,
        Some("warn") => 3,
        Some("info") => 2,
        Some("debug") => 1,
        _ => 0,
    }
}

fn level_name(rank: u8) -> Option<&'static str> {
    ["debug", "info", "warn", "error", "fatal"].get(usize::from(rank).checked_sub(1)?).copied()
}

fn template_level(rank: u8) -> Option<Level> {
    match rank {
        5 => Some(Level::Fatal),
        4 => Some(Level::Error),
        3 => Some(Level::Warn),
        2 => Some(Level::Info),
        1 => Some(Level::Debug),
        _ => None,
    }
}

/// Whether a record is a warning or worse, or a server error answered to a request.
fn is_signal(r: &Record, rank: u8) -> bool {
    rank >= 3 || r.attr("http_status").and_then(|s| s.parse::<u16>().ok()).is_some_and(|s| s >= 500)
}

#[derive(Debug, Clone, Default)]
struct Stat {
    id: Option<TemplateId>,
    count: u64,
    signal: u64,
    first_line: u32,
    last_line: u32,
    first_time: Option<Timestamp>,
    last_time: Option<Timestamp>,
    level: u8,
    /// Lines kept as samples (streamed logs only).
    samples: Vec<u32>,
}

impl Stat {
    fn merge(&mut self, o: &Stat) {
        if self.count == 0 {
            *self = o.clone();
            return;
        }
        self.count += o.count;
        self.signal += o.signal;
        self.first_line = self.first_line.min(o.first_line);
        self.last_line = self.last_line.max(o.last_line);
        self.first_time = min_opt(self.first_time, o.first_time);
        self.last_time = self.last_time.max(o.last_time);
        self.level = self.level.max(o.level);
        self.samples.extend(&o.samples);
        self.samples.sort_unstable();
    }
}

fn min_opt(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The warning and error lines of one template in one bucket.
#[derive(Debug, Clone, Copy)]
struct Cell {
    bucket: i64,
    count: u64,
    level: u8,
    first: (Timestamp, u32),
    last: (Timestamp, u32),
    /// The change point that begins here: kind, peak lines per bucket, baseline.
    onset: Option<(OnsetKind, u64, f64)>,
}

/// A record the digest may cite, with the raw text of its lines.
#[derive(Debug)]
struct Kept {
    /// `None` until [`Digest::make_records`] makes it (a line kept by [`Digest::keep_line`]).
    record: Option<Record>,
    raw: String,
    template: Option<TemplateId>,
    refs: u32,
}

/// A run of warning or error lines of one template.
#[derive(Debug, Clone)]
struct Episode {
    template: TemplateId,
    count: u64,
    /// Lines in its first [`DENSE_SPAN`].
    early: u64,
    level: u8,
    first: (Timestamp, u32),
    last: (Timestamp, u32),
    onset: Option<(OnsetKind, u64, f64)>,
}

/// Templates merged (with their counts), the runs of warning and error lines, and each
/// template's earliest change point.
type Plan = (Vec<(TemplateId, Stat)>, Vec<Episode>, HashMap<TemplateId, (&'static str, Timestamp)>);

/// Folds one log's records into templates, bursts and onsets.
pub(crate) struct Digest {
    source: u32,
    /// The caller keeps every record; otherwise the digest keeps what it may cite.
    whole: bool,
    miner: Miner,
    tally: Tally,
    origin: Option<Timestamp>,
    stats: Vec<Stat>,
    cells: HashMap<(TemplateId, i64), Cell>,
    kept: HashMap<u32, Kept>,
    /// Each record's template, in order (whole logs only).
    ids: Vec<TemplateId>,
    /// The template of the record added last.
    last: Option<TemplateId>,
    /// Lines answering a request with a server error (5xx), per minute since the epoch
    /// (streamed logs only: they are not all records).
    server_errors: BTreeMap<i64, u64>,
}

impl Digest {
    /// A digest of a log whose every record the caller keeps.
    pub(crate) fn whole(source: u32) -> Self {
        Self::new(source, true)
    }

    /// A digest of a streamed log: it keeps the records it may cite.
    pub(crate) fn streamed(source: u32) -> Self {
        Self::new(source, false)
    }

    fn new(source: u32, whole: bool) -> Self {
        Self {
            source,
            whole,
            miner: Miner::new(Config::default()),
            tally: Tally::new(BUCKET),
            origin: None,
            stats: Vec::new(),
            cells: HashMap::new(),
            kept: HashMap::new(),
            ids: Vec::new(),
            last: None,
            server_errors: BTreeMap::new(),
        }
    }

    fn bucket(&self, t: Timestamp) -> i64 {
        let origin = self.origin.unwrap_or(t);
        let width = BUCKET.as_nanos().max(1);
        (t.as_nanosecond() - origin.as_nanosecond()).div_euclid(width) as i64
    }

    /// Counts a record; returns how many of the digest's slots now point at it (a streamed
    /// log passes it to [`Digest::keep`] when that is not zero).
    pub(crate) fn add(&mut self, r: &Record) -> u32 {
        self.add_with(r, None)
    }

    /// [`Digest::add`] for a record whose template text's shape may have been taken already
    /// (on another thread).
    pub(crate) fn add_with(&mut self, r: &Record, shape: Option<Shape>) -> u32 {
        let status = r.attr("http_status").and_then(|s| s.parse().ok());
        let text = template_text(&r.text);
        let id = match shape {
            Some(shape) => self.miner.add_shaped(&text, shape),
            None => self.miner.add(&text),
        };
        self.count(id, r.span.line, r.when.utc, r.attr("level"), status)
    }

    /// [`Digest::add`] for a line whose record is not made yet: its first line, time, level,
    /// HTTP status, [`template_text`] and that text's shape (taken on another thread).
    pub(crate) fn add_shaped(
        &mut self,
        line: u32,
        time: Option<Timestamp>,
        level: Option<&str>,
        status: Option<u16>,
        text: &str,
        shape: Shape,
    ) -> u32 {
        let id = self.miner.add_shaped(text, shape);
        self.count(id, line, time, level, status)
    }

    fn count(
        &mut self,
        id: TemplateId,
        line: u32,
        time: Option<Timestamp>,
        level: Option<&str>,
        status: Option<u16>,
    ) -> u32 {
        self.last = Some(id);
        let rank = level_rank(level);
        let signal = rank >= 3 || status.is_some_and(|s| s >= 500);
        if self.whole {
            self.ids.push(id);
        }
        let i = id.index();
        if self.stats.len() <= i {
            self.stats.resize_with(i + 1, Stat::default);
        }
        let st = &mut self.stats[i];
        st.id = Some(id);
        let mut refs = 0;
        st.count += 1;
        if st.first_line == 0 {
            st.first_line = line;
        }
        st.last_line = line;
        st.level = st.level.max(rank);
        if signal {
            st.signal += 1;
        }
        if !self.whole && st.samples.len() < SAMPLE_PER_TEMPLATE {
            st.samples.push(line);
            refs += 1;
        }
        let Some(t) = time else { return refs };
        if !self.whole && status.is_some_and(|s| s >= 500) {
            *self.server_errors.entry(t.as_second().div_euclid(60)).or_default() += 1;
        }
        st.first_time = min_opt(st.first_time, Some(t));
        st.last_time = st.last_time.max(Some(t));
        self.origin.get_or_insert(t);
        self.tally.add(&Occurrence { line: u64::from(line), time: t, template: id, level: template_level(rank) });
        if !signal {
            return refs;
        }
        let b = self.bucket(t);
        let at = (t, line);
        match self.cells.entry((id, b)) {
            Entry::Vacant(v) => {
                v.insert(Cell { bucket: b, count: 1, level: rank, first: at, last: at, onset: None });
                refs += 2;
            }
            Entry::Occupied(mut o) => {
                let c = o.get_mut();
                c.count += 1;
                c.level = c.level.max(rank);
                if at < c.first {
                    release(&mut self.kept, c.first.1);
                    c.first = at;
                    refs += 1;
                }
                if at > c.last {
                    release(&mut self.kept, c.last.1);
                    c.last = at;
                    refs += 1;
                }
            }
        }
        refs
    }

    /// Keeps a record that `refs` slots point at, with the raw text of its lines.
    pub(crate) fn keep(&mut self, record: Record, raw: String, refs: u32) {
        self.hold(record.span.line, refs, || (Some(record), raw));
    }

    /// Keeps line `line`, a record of one line not made yet, by its raw text: most lines
    /// kept while a log is read are let go again (a minute's last error line is the last
    /// only until the next one), so records are made once reading is done, by
    /// [`Digest::make_records`], for the lines still kept.
    pub(crate) fn keep_line(&mut self, line: u32, raw: &str, refs: u32) {
        self.hold(line, refs, || (None, raw.to_string()));
    }

    /// Adds `refs` slots pointing at line `line`, keeping what `kept` makes if it is new.
    fn hold(&mut self, line: u32, refs: u32, kept: impl FnOnce() -> (Option<Record>, String)) {
        let template = self.last;
        match self.kept.entry(line) {
            Entry::Occupied(mut o) => o.get_mut().refs += refs,
            Entry::Vacant(v) => {
                let (record, raw) = kept();
                v.insert(Kept { record, raw, template, refs });
            }
        }
    }

    /// Makes the records of the lines kept by [`Digest::keep_line`], in line order; a line
    /// `make` cannot read is let go.
    pub(crate) fn make_records(&mut self, mut make: impl FnMut(u32, &str) -> Option<Record>) {
        let mut lines: Vec<u32> = self.kept.iter().filter(|(_, k)| k.record.is_none()).map(|(&l, _)| l).collect();
        lines.sort_unstable();
        for line in lines {
            let Entry::Occupied(mut o) = self.kept.entry(line) else { continue };
            match make(line, &o.get().raw) {
                Some(r) => o.get_mut().record = Some(r),
                None => {
                    o.remove();
                }
            }
        }
    }

    /// Templates merged, onsets found, runs of warning and error lines cut into episodes.
    fn plan(&mut self) -> Plan {
        let miner = &self.miner;
        let mut merged: HashMap<TemplateId, Stat> = HashMap::new();
        for st in &self.stats {
            let Some(id) = st.id else { continue };
            let root = miner.resolve(id);
            merged.entry(root).or_default().merge(st);
        }
        let mut stats: Vec<(TemplateId, Stat)> = merged.into_iter().collect();
        stats.sort_by_key(|(_, s)| s.first_line);

        let bursts = self.tally.bursts(&OnsetConfig::default(), |t| miner.resolve(t));
        let mut by_template: HashMap<TemplateId, Vec<Cell>> = HashMap::new();
        for (&(t, _), c) in &self.cells {
            by_template.entry(miner.resolve(t)).or_default().push(*c);
        }
        for cells in by_template.values_mut() {
            cells.sort_by_key(|c| (c.bucket, c.first));
            // Cells of templates that merged: one per bucket.
            let mut out: Vec<Cell> = Vec::with_capacity(cells.len());
            for c in cells.drain(..) {
                match out.last_mut() {
                    Some(p) if p.bucket == c.bucket => {
                        p.count += c.count;
                        p.level = p.level.max(c.level);
                        p.first = p.first.min(c.first);
                        p.last = p.last.max(c.last);
                    }
                    _ => out.push(c),
                }
            }
            *cells = out;
        }
        let mut onsets: HashMap<TemplateId, (&'static str, Timestamp)> = HashMap::new();
        for b in &bursts {
            onsets.entry(b.template).or_insert((b.kind.as_str(), b.start));
            let (from, to) = (self.bucket(b.start), self.bucket(b.end));
            if let Some(cells) = by_template.get_mut(&b.template)
                && let Some(c) = cells.iter_mut().find(|c| c.bucket >= from && c.bucket <= to)
                && c.onset.is_none()
            {
                c.onset = Some((b.kind, b.peak, b.baseline));
            }
        }
        let mut episodes = Vec::new();
        for (&template, cells) in &by_template {
            let mut cur: Option<Episode> = None;
            for c in cells {
                // A run is cut by a quiet gap, or where a change point follows background
                // lines; a change point soon after the run began is the run's own.
                let split = cur.as_ref().is_some_and(|e| {
                    c.first.0.duration_since(e.last.0) > EPISODE_GAP
                        || (c.onset.is_some() && e.onset.is_none() && c.first.0.duration_since(e.first.0) > ONSET_GRACE)
                });
                match cur.as_mut() {
                    Some(e) if !split => {
                        e.count += c.count;
                        e.level = e.level.max(c.level);
                        e.last = e.last.max(c.last);
                        e.onset = e.onset.or(c.onset);
                        if c.first.0.duration_since(e.first.0) < DENSE_SPAN {
                            e.early += c.count;
                        }
                    }
                    _ => {
                        episodes.extend(cur.take());
                        cur = Some(Episode {
                            template,
                            count: c.count,
                            early: c.count,
                            level: c.level,
                            first: c.first,
                            last: c.last,
                            onset: c.onset,
                        });
                    }
                }
            }
            episodes.extend(cur);
        }
        episodes.sort_by_key(|e| e.first.1);
        (stats, episodes, onsets)
    }

    /// The burst record of an episode, made from the record of its first line.
    fn burst_record(&self, e: &Episode, first: &Record) -> Record {
        let mut r = first.clone();
        r.kind = Kind::Signal;
        r.attrs.retain(|a| a.key == "service");
        let template = self.miner.template(e.template);
        let level = level_name(e.level).filter(|_| e.level >= 3).unwrap_or("server-error");
        let onset = match e.onset {
            Some((OnsetKind::NewTemplate, _, _)) => " — new pattern".to_string(),
            Some((OnsetKind::RateJump, peak, base)) => {
                format!(" — rate jump: up to {peak}/min over a baseline of {base:.1}/min")
            }
            Some((OnsetKind::ErrorShare, _, base)) => {
                format!(" — error share jump over a baseline of {:.0}%", base * 100.0)
            }
            None => String::new(),
        };
        r.summary = Some(format!(
            "{} × {level} `{}` from {} to {}{onset}",
            thousands(e.count),
            shorten(template, SUMMARY_TEMPLATE_CHARS),
            e.first.0.strftime("%H:%M:%S"),
            e.last.0.strftime("%H:%M:%SZ"),
        ));
        r.set_attr("template", template);
        r.set_attr("count", e.count.to_string());
        r.set_attr("last_line", e.last.1.to_string());
        r.set_attr("last_time", e.last.0.to_string());
        r.set_attr("worst_level", level);
        if let Some((_, peak, base)) = e.onset {
            r.set_attr("peak", peak.to_string());
            r.set_attr("baseline", format!("{base:.2}"));
        }
        // What makes it a candidate first signal: a dense start, named by its change point.
        if e.early >= DENSE_LINES {
            r.set_attr("onset", e.onset.map_or("burst", |(k, _, _)| k.as_str()));
        }
        r
    }

    fn templates(
        &self,
        stats: &[(TemplateId, Stat)],
        onsets: &HashMap<TemplateId, (&'static str, Timestamp)>,
        example: impl Fn(u32) -> Option<usize>,
    ) -> Vec<LogTemplate> {
        let h = self.tally.histogram(|t| self.miner.resolve(t));
        let series: HashMap<TemplateId, &Vec<(u64, u64)>> = h.series.iter().map(|(t, s)| (*t, s)).collect();
        stats
            .iter()
            .map(|(id, st)| LogTemplate {
                source: self.source,
                text: self.miner.template(*id).to_string(),
                count: st.count,
                signal_lines: st.signal,
                level: level_name(st.level),
                first_line: st.first_line,
                last_line: st.last_line,
                first_time: st.first_time,
                last_time: st.last_time,
                per_minute: series.get(id).map_or_else(Vec::new, |s| {
                    s.iter()
                        .filter_map(|&(b, n)| {
                            let off = SignedDuration::from_secs(60 * b as i64);
                            h.start.checked_add(off).ok().map(|t| (t, n))
                        })
                        .collect()
                }),
                example: example(st.first_line),
                onset: onsets.get(id).copied(),
            })
            .collect()
    }

    /// Rewrites every record of a whole log: lines of a burst become [`Kind::System`], each
    /// burst record goes before its first line. Returns the templates (`example` indexes
    /// `records`).
    pub(crate) fn fold(mut self, records: &mut Vec<Record>) -> Vec<LogTemplate> {
        let (stats, episodes, onsets) = self.plan();
        let resolved: Vec<TemplateId> = self.ids.iter().map(|&t| self.miner.resolve(t)).collect();
        let index_of = |line: u32| records.binary_search_by_key(&line, |r| r.span.line).ok();
        let mut bursts: HashMap<u32, Vec<Record>> = HashMap::new();
        let mut member = vec![false; records.len()];
        let runs = runs_by_template(&episodes);
        for e in episodes.iter().filter(|e| e.count >= 2) {
            if let Some(i) = index_of(e.first.1) {
                let r = self.burst_record(e, &records[i]);
                bursts.entry(e.first.1).or_default().push(r);
            }
        }
        for (i, r) in records.iter().enumerate() {
            let rank = level_rank(r.attr("level"));
            if let (Some(t), true, Some(&template)) = (r.when.utc, is_signal(r, rank), resolved.get(i)) {
                member[i] = in_run(&runs, template, (t, r.span.line));
            }
        }
        let old = std::mem::take(records);
        records.reserve_exact(old.len() + bursts.values().map(Vec::len).sum::<usize>());
        for (i, mut r) in old.into_iter().enumerate() {
            if let Some(b) = bursts.remove(&r.span.line) {
                records.extend(b);
            }
            if member[i] {
                r.kind = Kind::System;
                r.set_attr("folded", "burst");
            }
            records.push(r);
        }
        let lines: HashMap<u32, usize> = records
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, r)| r.attr("template").is_none())
            .map(|(i, r)| (r.span.line, i))
            .collect();
        self.templates(&stats, &onsets, |line| lines.get(&line).copied())
    }

    /// Lines of a streamed log that answered a request with a server error (5xx): each
    /// minute's start and its lines, minutes with lines only.
    pub(crate) fn server_errors(&self) -> Vec<(Timestamp, u64)> {
        self.server_errors
            .iter()
            .filter_map(|(&m, &n)| Some((Timestamp::from_second(m.checked_mul(60)?).ok()?, n)))
            .collect()
    }

    /// The kept records of a streamed log with its burst records, in line order; the raw
    /// text of every line they span; and the templates (`example` indexes the records).
    pub(crate) fn finish(mut self) -> (Vec<Record>, BTreeMap<u32, String>, Vec<LogTemplate>) {
        let (stats, episodes, onsets) = self.plan();
        let runs = runs_by_template(&episodes);
        let mut kept: Vec<(Record, Kept)> =
            std::mem::take(&mut self.kept).into_values().filter_map(|mut k| Some((k.record.take()?, k))).collect();
        kept.sort_by_key(|(r, _)| r.span.line);
        let mut raw_lines = BTreeMap::new();
        let mut records = Vec::with_capacity(kept.len() + episodes.len());
        let first_of: HashMap<u32, usize> = kept.iter().enumerate().map(|(i, (r, _))| (r.span.line, i)).collect();
        let mut bursts: HashMap<u32, Vec<Record>> = HashMap::new();
        for e in episodes.iter().filter(|e| e.count >= 2) {
            if let Some(&i) = first_of.get(&e.first.1) {
                let r = self.burst_record(e, &kept[i].0);
                bursts.entry(e.first.1).or_default().push(r);
            }
        }
        for (mut r, k) in kept {
            for (n, l) in k.raw.split('\n').enumerate() {
                raw_lines.insert(r.span.line + n as u32, l.to_string());
            }
            if let Some(b) = bursts.remove(&r.span.line) {
                records.extend(b);
            }
            let rank = level_rank(r.attr("level"));
            if let (Some(t), true, Some(template)) = (r.when.utc, is_signal(&r, rank), k.template)
                && in_run(&runs, self.miner.resolve(template), (t, r.span.line))
            {
                r.kind = Kind::System;
                r.set_attr("folded", "burst");
            }
            records.push(r);
        }
        let lines: HashMap<u32, usize> = records
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, r)| r.attr("template").is_none())
            .map(|(i, r)| (r.span.line, i))
            .collect();
        let templates = self.templates(&stats, &onsets, |line| lines.get(&line).copied());
        (records, raw_lines, templates)
    }
}

/// Each template's runs of two or more lines: (first, last) by (time, line).
type Runs = HashMap<TemplateId, Vec<((Timestamp, u32), (Timestamp, u32))>>;

fn runs_by_template(episodes: &[Episode]) -> Runs {
    let mut runs: Runs = HashMap::new();
    for e in episodes.iter().filter(|e| e.count >= 2) {
        runs.entry(e.template).or_default().push((e.first, e.last));
    }
    runs
}

fn in_run(runs: &Runs, template: TemplateId, at: (Timestamp, u32)) -> bool {
    runs.get(&template).is_some_and(|rs| rs.iter().any(|&(a, b)| a <= at && at <= b))
}

fn release(kept: &mut HashMap<u32, Kept>, line: u32) {
    if let Entry::Occupied(mut o) = kept.entry(line) {
        let k = o.get_mut();
        k.refs = k.refs.saturating_sub(1);
        if k.refs == 0 {
            o.remove();
        }
    }
}

/// A logfmt line's text without the `msg="…"` wrapper around its message, so the
/// message's words are mined as words: `msg="step failed" req=7` → `step failed req=7`.
/// The text a record's template is mined from: its first line, out of a logfmt `msg="…"`.
pub(crate) fn template_text(text: &str) -> std::borrow::Cow<'_, str> {
    unwrap_message(memchr::memchr(b'\n', text.as_bytes()).map_or(text, |i| &text[..i]))
}

fn unwrap_message(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(rest) = text.strip_prefix("msg=\"").or_else(|| text.strip_prefix("message=\"")) else {
        return text.into();
    };
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i] != b'"' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    match (rest.get(..i), rest.get(i + 1..)) {
        (Some(msg), Some(tail)) => format!("{msg}{tail}").into(),
        _ => text.into(),
    }
}

/// `1204` → `1,204`.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use debrief_model::{Span, When};

    use super::*;

    fn rec(line: u32, secs: i64, level: &str, text: &str) -> Record {
        let t = Timestamp::from_second(1_714_557_600 + secs).unwrap();
        Record::new(Span::line(0, line), When::exact(t), Kind::Log, text).with_attr("level", level)
    }

    /// Twenty minutes of requests, then a minute-long run of timeouts, then quiet: the run is
    /// one burst record, before its first line, counting every line; its lines are folded.
    fn log() -> Vec<Record> {
        let mut v = Vec::new();
        for s in 0..1500 {
            let line = v.len() as u32 + 1;
            if (1200..1260).contains(&s) && s % 2 == 0 {
                v.push(rec(
                    line,
                    s,
                    "error",
                    &format!("upstream timed out (110: Connection timed out), client: 10.0.0.{}", s % 9),
                ));
            } else {
                v.push(rec(line, s, "info", &format!("GET /orders/{s} 200 {}ms", s % 70)));
            }
        }
        v
    }

    #[test]
    fn a_run_of_errors_folds_into_one_burst_record() {
        let mut records = log();
        let mut d = Digest::whole(0);
        for r in &records {
            d.add(r);
        }
        let templates = d.fold(&mut records);
        let bursts: Vec<&Record> = records.iter().filter(|r| r.attr("template").is_some()).collect();
        assert_eq!(bursts.len(), 1);
        let b = bursts[0];
        assert_eq!(
            (b.kind, b.span.line, b.attr("count"), b.attr("last_line")),
            (Kind::Signal, 1201, Some("30"), Some("1259"))
        );
        assert_eq!(b.attr("onset"), Some("new_template"), "30 lines in a minute, never seen before");
        assert_eq!(
            b.summary.as_deref(),
            Some(
                "30 × error `upstream timed out (<*>: Connection timed out), client: <*>` from 10:20:00 to 10:20:58Z — new pattern"
            )
        );
        let i = records.iter().position(|r| r.attr("template").is_some()).unwrap();
        assert_eq!(records[i + 1].span.line, 1201, "the burst goes just before its first line");
        let folded = records.iter().filter(|r| r.kind == Kind::System && r.attr("folded").is_some()).count();
        assert_eq!(folded, 30);
        assert_eq!(records.len(), 1501);
        let t = templates.iter().find(|t| t.text.starts_with("upstream")).unwrap();
        assert_eq!((t.count, t.signal_lines, t.level, t.first_line), (30, 30, Some("error"), 1201));
        assert_eq!(t.onset.map(|o| o.0), Some("new_template"));
        assert_eq!(t.per_minute.iter().map(|m| m.1).sum::<u64>(), 30);
        assert_eq!(records[t.example.unwrap()].span.line, 1201);
    }

    #[test]
    fn a_streamed_log_keeps_only_what_it_may_cite() {
        let mut d = Digest::streamed(0);
        for r in log() {
            let refs = d.add(&r);
            if refs > 0 {
                let raw = r.text.clone();
                d.keep(r, raw, refs);
            }
        }
        let (records, raw, templates) = d.finish();
        let burst = records.iter().find(|r| r.attr("template").is_some()).unwrap();
        assert_eq!((burst.attr("count"), burst.attr("last_line")), (Some("30"), Some("1259")));
        // The first three lines of each template, and the first and last error line of the
        // run in each minute it spans.
        assert!(records.len() <= 12, "{} records kept", records.len());
        assert!(raw.contains_key(&1201) && raw.contains_key(&1259));
        assert!(records.iter().any(|r| r.span.line == 1259 && r.kind == Kind::System));
        assert_eq!(templates.iter().map(|t| t.count).sum::<u64>(), 1500);
    }

    #[test]
    fn sporadic_warnings_are_not_an_onset() {
        let mut records: Vec<Record> =
            (0..6).map(|i| rec(i + 1, i64::from(i) * 240, "warn", "disk usage above 80% on /var")).collect();
        let mut d = Digest::whole(0);
        for r in &records {
            d.add(r);
        }
        d.fold(&mut records);
        let b = records.iter().find(|r| r.attr("template").is_some()).unwrap();
        assert_eq!(b.attr("count"), Some("6"));
        assert_eq!(b.attr("onset"), None, "six lines over 20 minutes are background");
    }

    #[test]
    fn helpers() {
        assert_eq!(thousands(1_204), "1,204");
        assert_eq!(thousands(37_602_001), "37,602,001");
        assert_eq!(thousands(12), "12");
        assert_eq!(unwrap_message(r#"msg="step \"x\" failed" req=7"#), r#"step \"x\" failed req=7"#);
        assert_eq!(unwrap_message("level=info msg=x"), "level=info msg=x");
        assert_eq!(unwrap_message("msg=\"unterminated"), "msg=\"unterminated");
    }
}
