//! Metric exports as CSV (Grafana "Series joined by time", Prometheus/`promtool` dumps,
//! spreadsheets): a time column (epoch s/ms/µs/ns, RFC 3339, or a naive date-time) and one
//! or more numeric series. Text columns other than the time (`instance`, `job`) are labels:
//! rows are grouped by them into separate series ("long" exports).
//!
//! A metric row is not an event; an excursion is. Each series gets a baseline from its
//! own first fifth (median and MAD, robust to a spike in it), and a run of points beyond
//! `max(K·MAD, REL·|median|)` in one direction is one excursion: a [`Kind::Signal`] record
//! at the row where it begins and a [`Kind::Recovery`] record at the first row back within
//! the baseline (three points in a row, so a quiet sample or two in a storm does not end it).
//! Both cite their row line, verbatim.
//!
//! Grafana writes times in the browser's zone without an offset: naive times are read in
//! the `incident.toml` zone, else as UTC with a problem saying so.
//!
//! The first 200 rows decide which column is the time, which are series and which are
//! labels; the file is then read in one pass, keeping only a time and a number per cell.

use std::collections::HashMap;

use debrief_model::{Kind, Precision, Problem, Record, SourceFile, Span, When, ZoneBasis};
use jiff::Timestamp;
use jiff::civil::DateTime;

use crate::adapter::{Adapter, Context, Parsed};
use crate::lines::numbered;
use crate::time::{Localized, localize, parse_epoch, parse_instant, parse_naive};

pub struct MetricsCsv;

/// Excursion threshold in MADs (scaled to a standard deviation).
const K: f64 = 6.0;
/// Smallest change, relative to the baseline, that counts: flat or slowly trending series
/// (a capacity target creeping up 3%, a pod count stepping 14 → 12 at night) do not trigger.
const REL: f64 = 0.2;
/// The baseline is taken from this share of a series' first points…
const BASELINE_SHARE: usize = 5;
/// …but from at least this many points.
const BASELINE_MIN: usize = 8;
/// Within an excursion, the band a point must come back to is narrower: a success rate
/// back at 90% of its 100% baseline has not recovered.
const REL_BACK: f64 = 0.01;
/// Points back within the baseline, in a row, that end an excursion.
const SETTLE: usize = 3;
/// Per-row problems reported before they are only counted.
const MAX_ROW_PROBLEMS: usize = 20;
/// Text columns beside the numbers that a metrics export may have (labels).
const MAX_LABEL_COLUMNS: usize = 3;
/// Label groups read before the rest are dropped.
const MAX_GROUPS: usize = 500;

impl Adapter for MetricsCsv {
    fn format(&self) -> &'static str {
        "metrics-csv"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = prefix(&file.text, 8192);
        let first = head.lines().next().unwrap_or("").trim_start();
        if first.starts_with(['{', '[', '#', '<']) {
            return 0;
        }
        let delim = delimiter(first);
        let mut rdr = reader(head, delim);
        let Ok(headers) = rdr.headers().cloned() else {
            return 0;
        };
        if headers.len() < 2 {
            return 0;
        }
        let rows: Vec<csv::StringRecord> = rdr.records().take(6).filter_map(Result::ok).collect();
        if rows.len() < 2 {
            return 0;
        }
        let Some(time_col) = time_column(&headers, &rows) else {
            return 0;
        };
        let is_numeric = |c: usize| rows.iter().all(|r| r.get(c).is_none_or(|v| number(v).is_some() || is_gap(v)));
        let others: Vec<usize> = (0..headers.len()).filter(|&c| c != time_col).collect();
        let numeric = others.iter().filter(|&&c| is_numeric(c)).count();
        // Labels (`instance`, `job`, a Grafana `Series`) are few and short; a structured
        // log export has many text columns, one of them free text.
        let labels: Vec<usize> = others.iter().copied().filter(|&c| !is_numeric(c)).collect();
        let free_text = labels.iter().any(|&c| rows.iter().any(|r| r.get(c).is_some_and(|v| v.len() > 80)));
        if numeric == 0 || labels.len() > MAX_LABEL_COLUMNS || free_text {
            return 0;
        }
        if is_time_name(headers.get(time_col).unwrap_or("")) { 90 } else { 80 }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        let mut out = Parsed::default();
        let lines: Vec<&str> = numbered(&file.text).map(|(_, l)| l).collect();
        let first = lines.first().copied().unwrap_or("");
        let delim = delimiter(first);
        let mut rdr = reader(&file.text, delim);
        let headers: Vec<String> = match rdr.headers() {
            Ok(h) => h.iter().map(|s| s.trim_start_matches('\u{feff}').trim().to_string()).collect(),
            Err(e) => return Parsed::fatal(format!("expected a CSV header row: {e}")),
        };

        // The first rows decide the columns' roles; then every row is read once.
        let mut sample: Vec<csv::StringRecord> = Vec::new();
        let mut record = csv::StringRecord::new();
        let mut pending: Vec<(u32, csv::StringRecord)> = Vec::new();
        while pending.len() < ROLE_SAMPLE {
            match rdr.read_record(&mut record) {
                Ok(true) => {
                    let line = record.position().map_or(0, csv::Position::line) as u32;
                    pending.push((line, record.clone()));
                    sample.push(record.clone());
                }
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map_or(1, |p| p.line() as u32);
                    out.problems.push(Problem::at(line, format!("unreadable CSV row: {e} — skipped")));
                }
            }
        }
        let header_record = csv::StringRecord::from(headers.clone());
        let Some(roles) = Roles::of(&header_record, &sample) else {
            return Parsed::fatal(
                "expected a CSV with a time column (epoch, RFC 3339 or `2024-10-05 10:45:00`) and numeric columns beside it",
            );
        };

        let mut reading = Reading {
            roles: &roles,
            headers: &headers,
            zone: cx.zone,
            rows: Vec::new(),
            series: Vec::new(),
            by_key: HashMap::new(),
            groups: HashMap::new(),
            row_problems: 0,
            assumed_noted: false,
            dropped_groups: false,
            problems: Vec::new(),
        };
        for (line, rec) in &pending {
            reading.row(*line, rec);
        }
        loop {
            match rdr.read_record(&mut record) {
                Ok(true) => {
                    let line = record.position().map_or(0, csv::Position::line) as u32;
                    reading.row(line, &record);
                }
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map_or(1, |p| p.line() as u32);
                    out.problems.push(Problem::at(line, format!("unreadable CSV row: {e} — skipped")));
                }
            }
        }
        out.problems.append(&mut reading.problems);
        if reading.row_problems > MAX_ROW_PROBLEMS {
            out.problems.push(Problem::at(
                1,
                format!("{} more rows had unreadable times and were skipped", reading.row_problems - MAX_ROW_PROBLEMS),
            ));
        }
        if reading.dropped_groups {
            out.problems.push(Problem::at(1, format!("more than {MAX_GROUPS} series: the rest were not read")));
        }

        let cite = Cite {
            rows: &reading.rows,
            lines: &lines,
            time_col: roles.time,
            delim,
            source: cx.source,
            zone: cx.zone.map(|(name, _)| name),
        };
        for s in &mut reading.series {
            s.points.sort_by_key(|p| reading.rows[p.row].utc);
            excursions(s, &cite, &mut out.records);
        }
        out.records.sort_by_key(|r| (r.span.line, r.when.utc));
        out
    }
}

/// Rows sampled to decide which columns are the time, the series and the labels.
const ROLE_SAMPLE: usize = 200;

/// What each column is.
struct Roles {
    time: usize,
    series: Vec<usize>,
    labels: Vec<usize>,
}

impl Roles {
    fn of(headers: &csv::StringRecord, sample: &[csv::StringRecord]) -> Option<Self> {
        let time = time_column(headers, sample)?;
        let mut series = Vec::new();
        let mut labels = Vec::new();
        for c in (0..headers.len()).filter(|&c| c != time) {
            let filled: Vec<&str> = sample.iter().filter_map(|r| r.get(c)).filter(|v| !is_gap(v)).collect();
            if filled.is_empty() {
                continue;
            }
            let numeric = filled.iter().filter(|v| number(v).is_some()).count();
            if numeric * 10 >= filled.len() * 8 {
                series.push(c);
            } else {
                labels.push(c);
            }
        }
        (!series.is_empty()).then_some(Self { time, series, labels })
    }
}

/// The rows and series read so far.
struct Reading<'r> {
    roles: &'r Roles,
    headers: &'r [String],
    zone: Option<(&'r str, &'r jiff::tz::TimeZone)>,
    rows: Vec<Row>,
    series: Vec<Series>,
    /// (label group, column) → series, for exports with labels.
    by_key: HashMap<(usize, usize), usize>,
    groups: HashMap<String, usize>,
    row_problems: usize,
    assumed_noted: bool,
    dropped_groups: bool,
    problems: Vec<Problem>,
}

impl Reading<'_> {
    fn row(&mut self, line: u32, rec: &csv::StringRecord) {
        if rec.iter().all(|c| c.trim().is_empty()) {
            return;
        }
        let raw = rec.get(self.roles.time).unwrap_or("").trim();
        let Some((utc, naive, unsure)) = self.time(line, raw) else {
            return;
        };
        let row = self.rows.len();
        self.rows.push(Row { line, utc, naive, unsure });

        let group = if self.roles.labels.is_empty() {
            None
        } else {
            let label: Vec<&str> =
                self.roles.labels.iter().map(|&c| rec.get(c).unwrap_or("").trim()).filter(|v| !v.is_empty()).collect();
            let label = label.join(" ");
            let next = self.groups.len();
            Some((*self.groups.entry(label.clone()).or_insert(next), label))
        };
        for (k, &c) in self.roles.series.iter().enumerate() {
            let Some(value) = rec.get(c).filter(|v| !is_gap(v)).and_then(number) else {
                continue;
            };
            let idx = match &group {
                None => {
                    if self.series.is_empty() {
                        self.series = self
                            .roles
                            .series
                            .iter()
                            .map(|&c| Series { name: self.headers[c].clone(), column: c, points: Vec::new() })
                            .collect();
                    }
                    k
                }
                Some((g, label)) => {
                    if let Some(&i) = self.by_key.get(&(*g, c)) {
                        i
                    } else if self.series.len() >= MAX_GROUPS {
                        self.dropped_groups = true;
                        continue;
                    } else {
                        let name = match (label.is_empty(), self.roles.series.len()) {
                            (true, _) => self.headers[c].clone(),
                            (false, 1) => label.clone(),
                            (false, _) => format!("{} {label}", self.headers[c]),
                        };
                        self.series.push(Series { name, column: c, points: Vec::new() });
                        self.by_key.insert((*g, c), self.series.len() - 1);
                        self.series.len() - 1
                    }
                }
            };
            self.series[idx].points.push(Point { row, value });
        }
    }

    /// The row's instant, whether it was naive, and whether it is less than certain (a
    /// zone assumed, a daylight-saving gap or fold).
    fn time(&mut self, line: u32, raw: &str) -> Option<(Timestamp, bool, bool)> {
        match cell_time(raw) {
            Some(CellTime::Exact(t)) => Some((t, false, false)),
            Some(CellTime::Naive(dt)) => {
                let (name, tz, assumed) = if let Some((name, tz)) = self.zone {
                    (name, tz.clone(), false)
                } else {
                    if !self.assumed_noted {
                        self.assumed_noted = true;
                        self.problems.push(Problem::at(line, "times have no zone (Grafana writes the browser's local time): read as UTC — set `timezone` in incident.toml if they are local"));
                    }
                    ("UTC", jiff::tz::TimeZone::UTC, true)
                };
                let Some(local) = localize(dt, &tz) else {
                    self.row_problem(line, format!("time {raw:?} cannot be placed in {name} — row skipped"));
                    return None;
                };
                if let Some(msg) = local.problem(name) {
                    self.problems.push(Problem::at(line, msg));
                }
                Some((local.timestamp(), true, assumed || !matches!(local, Localized::Unique(_))))
            }
            None => {
                self.row_problem(line, format!("time {raw:?} is not a time — row skipped"));
                None
            }
        }
    }

    fn row_problem(&mut self, line: u32, msg: String) {
        self.row_problems += 1;
        if self.row_problems <= MAX_ROW_PROBLEMS {
            self.problems.push(Problem::at(line, msg));
        }
    }
}

/// What a record needs to cite a row: its line's text and cells, and its time as written.
struct Cite<'a> {
    rows: &'a [Row],
    lines: &'a [&'a str],
    time_col: usize,
    delim: u8,
    source: u32,
    /// The `incident.toml` zone naive times were read in; `None` when UTC was assumed.
    zone: Option<&'a str>,
}

impl Cite<'_> {
    fn text(&self, row: usize) -> &str {
        let line = self.rows[row].line as usize;
        self.lines.get(line.saturating_sub(1)).copied().unwrap_or("")
    }

    /// Cell `col` of the row as written (re-read from its line).
    fn cell(&self, row: usize, col: usize) -> String {
        let text = self.text(row);
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(self.delim)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut rec = csv::StringRecord::new();
        match rdr.read_record(&mut rec) {
            Ok(true) => rec.get(col).unwrap_or("").trim().to_string(),
            _ => String::new(),
        }
    }

    fn when(&self, row: usize) -> When {
        let r = &self.rows[row];
        let w = When::exact(r.utc).with_original(self.cell(row, self.time_col));
        if !r.naive {
            return w;
        }
        let basis = match self.zone {
            Some(name) => ZoneBasis::IncidentToml(name.to_string()),
            None => ZoneBasis::Assumed("UTC".into()),
        };
        let w = w.with_basis(basis);
        if r.unsure { w.with_precision(Precision::Inferred) } else { w }
    }
}

fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &text[..cut];
    head.rfind('\n').map_or(head, |i| &head[..i])
}

/// The delimiter the header row uses most: `,`, `;` or a tab.
fn delimiter(header: &str) -> u8 {
    [b',', b';', b'\t'].into_iter().max_by_key(|&d| header.bytes().filter(|&b| b == d).count()).unwrap_or(b',')
}

fn reader(text: &str, delim: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .has_headers(true)
        .trim(csv::Trim::None)
        .from_reader(text.as_bytes())
}

fn is_time_name(name: &str) -> bool {
    let n = name.trim().trim_matches('"').to_ascii_lowercase();
    matches!(n.as_str(), "time" | "timestamp" | "ts" | "date" | "datetime" | "_time" | "@timestamp" | "t")
        || n.ends_with("time")
        || n.ends_with("timestamp")
}

/// A time cell.
enum CellTime {
    Exact(Timestamp),
    Naive(DateTime),
}

fn cell_time(s: &str) -> Option<CellTime> {
    let s = s.trim().trim_matches('"');
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return parse_epoch(s).map(CellTime::Exact);
    }
    if let Some(t) = parse_instant(s) {
        return Some(CellTime::Exact(t));
    }
    parse_naive(s).map(CellTime::Naive)
}

/// The column holding times: a time-named column whose cells parse, else the first
/// column whose every sampled cell parses.
fn time_column(headers: &csv::StringRecord, rows: &[csv::StringRecord]) -> Option<usize> {
    // Most sampled cells parse (a stray bad row is the parser's problem, not the sniff's).
    let parses = |c: usize| {
        let ok = rows.iter().filter(|r| r.get(c).is_some_and(|v| cell_time(v).is_some())).count();
        ok >= 2 && ok * 10 >= rows.len() * 8
    };
    let named = (0..headers.len()).find(|&c| is_time_name(headers.get(c).unwrap_or("")) && parses(c));
    named.or_else(|| (0..headers.len()).find(|&c| parses(c)))
}

fn is_gap(cell: &str) -> bool {
    let c = cell.trim();
    c.is_empty()
        || c.eq_ignore_ascii_case("nan")
        || c.eq_ignore_ascii_case("null")
        || c.eq_ignore_ascii_case("none")
        || c == "-"
        || c.eq_ignore_ascii_case("n/a")
}

/// A numeric cell (`12.5`, `7.9%`, `1e3`); `None` for text.
fn number(cell: &str) -> Option<f64> {
    let c = cell.trim();
    let c = c.strip_suffix('%').unwrap_or(c).trim();
    let v: f64 = c.parse().ok()?;
    v.is_finite().then_some(v)
}

/// A data row that has a time.
struct Row {
    line: u32,
    utc: Timestamp,
    /// Written without an offset (read in a zone).
    naive: bool,
    /// The zone was assumed, or the time fell in a daylight-saving gap or fold.
    unsure: bool,
}

struct Point {
    /// Index into the rows.
    row: usize,
    value: f64,
}

struct Series {
    name: String,
    column: usize,
    points: Vec<Point>,
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { f64::midpoint(v[n / 2 - 1], v[n / 2]) }
}

/// A number written the way people read dashboards: three significant digits, no
/// trailing zeros (`0.0113`, `99.9`, `1566`).
fn fmt_num(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs().log10().floor() as i32;
    let digits = (2 - mag).clamp(0, 6) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

fn hhmm(t: Timestamp) -> String {
    t.strftime("%H:%M").to_string()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Rise,
    Drop,
}

impl Dir {
    fn as_str(self) -> &'static str {
        match self {
            Self::Rise => "rise",
            Self::Drop => "drop",
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Self::Rise => "rose to",
            Self::Drop => "dropped to",
        }
    }
}

/// An excursion being followed: where it began, its peak and last point outside.
struct Open {
    dir: Dir,
    start: usize,
    peak: usize,
    last_out: usize,
}

fn excursions(s: &Series, cite: &Cite<'_>, out: &mut Vec<Record>) {
    let n = s.points.len();
    if n < BASELINE_MIN {
        return;
    }
    let window = (n / BASELINE_SHARE).max(BASELINE_MIN).min(n);
    let mut base: Vec<f64> = s.points[..window].iter().map(|p| p.value).collect();
    let med = median(&mut base);
    let mut dev: Vec<f64> = base.iter().map(|v| (v - med).abs()).collect();
    let mad = median(&mut dev) * 1.4826;
    let thr = (K * mad).max(REL * med.abs()).max(f64::EPSILON);
    let thr_back = (K * mad).max(REL_BACK * med.abs()).max(f64::EPSILON);
    let back = |v: f64| (v - med).abs() <= thr_back;

    let mut open: Option<Open> = None;
    for (i, p) in s.points.iter().enumerate() {
        let d = p.value - med;
        let dir = if d > 0.0 { Dir::Rise } else { Dir::Drop };
        let Some(o) = open.as_mut() else {
            if d.abs() > thr {
                open = Some(Open { dir, start: i, peak: i, last_out: i });
            }
            continue;
        };
        if !back(p.value) && dir == o.dir {
            o.last_out = i;
            if d.abs() > (s.points[o.peak].value - med).abs() {
                o.peak = i;
            }
        } else if d.abs() > thr {
            // The other way at once: this one closes without a recovery.
            emit(s, cite, med, o, None, out);
            open = Some(Open { dir, start: i, peak: i, last_out: i });
        } else if s.points[i..(i + SETTLE).min(n)].iter().all(|q| back(q.value)) {
            emit(s, cite, med, o, Some(i), out);
            open = None;
        }
    }
    if let Some(o) = &open {
        emit(s, cite, med, o, None, out);
    }
}

fn emit(s: &Series, cite: &Cite<'_>, med: f64, o: &Open, recovery: Option<usize>, out: &mut Vec<Record>) {
    let start = s.points[o.start].row;
    let end = &cite.rows[s.points[o.last_out].row];
    let start_utc = cite.rows[start].utc;
    let peak = cite.cell(s.points[o.peak].row, s.column);
    let baseline = fmt_num(med);
    let until = if recovery.is_some() {
        format!("from {} to {} UTC", hhmm(start_utc), hhmm(end.utc))
    } else {
        format!("from {} UTC until the end of the data ({})", hhmm(start_utc), hhmm(end.utc))
    };
    let summary = format!("{} {} {peak} (baseline {baseline}) {until}", s.name, o.dir.verb());
    out.push(
        Record::new(Span::line(cite.source, cite.rows[start].line), cite.when(start), Kind::Signal, cite.text(start))
            .with_summary(summary)
            .with_attr("series", s.name.clone())
            .with_attr("direction", o.dir.as_str())
            .with_attr("peak", peak)
            .with_attr("baseline", baseline.clone())
            .with_attr("end", end.utc.to_string()),
    );
    if let Some(ri) = recovery {
        let row = s.points[ri].row;
        let value = cite.cell(row, s.column);
        let summary = format!(
            "{} back to {value} (baseline {baseline}) after a {} from {}",
            s.name,
            o.dir.as_str(),
            hhmm(start_utc)
        );
        out.push(
            Record::new(Span::line(cite.source, cite.rows[row].line), cite.when(row), Kind::Recovery, cite.text(row))
                .with_summary(summary)
                .with_attr("series", s.name.clone())
                .with_attr("direction", o.dir.as_str())
                .with_attr("baseline", baseline),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IncidentConfig;
    use crate::time::zone_named;

    fn parse_with(file: &SourceFile, zone: Option<&str>) -> Parsed {
        let config = IncidentConfig::default();
        let files = [file.clone()];
        let z = zone.and_then(zone_named);
        let cx = Context {
            source: 2,
            files: &files,
            config: &config,
            zone: z.as_ref().map(|(n, tz)| (n.as_str(), tz)),
            anchor_date: None,
        };
        MetricsCsv.parse(file, &cx)
    }

    fn fixture(name: &str) -> SourceFile {
        let path = format!("{}/tests/fixtures/metrics/{name}", env!("CARGO_MANIFEST_DIR"));
        SourceFile::new(name, std::fs::read_to_string(path).unwrap_or_default())
    }

    fn eval_file(rel: &str) -> Option<SourceFile> {
        let path = format!("{}/../../../shared/eval/incidents/{rel}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).ok();
        if text.is_none() {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipping: {path} is absent");
            }
        }
        text.map(|t| SourceFile::new(rel, t))
    }

    fn utc(r: &Record) -> String {
        r.when.utc.map(|t| t.to_string()).unwrap_or_default()
    }

    fn of<'a>(p: &'a Parsed, series: &str, kind: Kind) -> Vec<&'a Record> {
        p.records.iter().filter(|r| r.attr("series") == Some(series) && r.kind == kind).collect()
    }

    #[test]
    fn numbers_read_like_dashboards() {
        assert_eq!(fmt_num(0.011_33), "0.0113");
        assert_eq!(fmt_num(99.99), "100");
        assert_eq!(fmt_num(1566.4), "1566");
        assert_eq!(fmt_num(-2.5), "-2.5");
        assert!((median(&mut [3.0, 1.0, 2.0, 10.0]) - 2.5).abs() < 1e-12);
        assert_eq!(number(" 7.9% "), Some(7.9));
        assert_eq!(number("n/a"), None);
    }

    #[test]
    fn grafana_export_in_the_incident_zone() {
        let f = fixture("grafana-checkout.csv");
        assert_eq!(MetricsCsv.sniff(&f), 90);
        let p = parse_with(&f, Some("America/Chicago"));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let rises = of(&p, "checkout 5xx %", Kind::Signal);
        assert_eq!(rises.len(), 1, "{:?}", p.records);
        let r = rises[0];
        assert_eq!(r.span.line, 12);
        assert_eq!(r.span.source, 2);
        assert_eq!(r.text, "2024-10-08 09:45:00,30.2,3.10");
        assert_eq!(utc(r), "2024-10-08T14:45:00Z");
        assert_eq!(r.when.basis, ZoneBasis::IncidentToml("America/Chicago".into()));
        assert_eq!(r.attr("direction"), Some("rise"));
        assert_eq!(r.attr("peak"), Some("34.70"));
        assert_eq!(r.attr("baseline"), Some("0.2"));
        assert_eq!(r.attr("end"), Some("2024-10-08T15:05:00Z"));
        assert_eq!(r.summary.as_deref(), Some("checkout 5xx % rose to 34.70 (baseline 0.2) from 14:45 to 15:05 UTC"));
        let back = of(&p, "checkout 5xx %", Kind::Recovery);
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].span.line, 17);
        assert_eq!(utc(back[0]), "2024-10-08T15:10:00Z");
        // The scrape gap on line 14 is skipped, not read as zero.
        let cpu = of(&p, "orders-db CPU %", Kind::Signal);
        assert_eq!(cpu.len(), 1);
        assert_eq!(cpu[0].span.line, 13);

        // Without a zone the times are UTC, assumed, with a problem.
        let p = parse_with(&f, None);
        let r = of(&p, "checkout 5xx %", Kind::Signal)[0];
        assert_eq!(utc(r), "2024-10-08T09:45:00Z");
        assert_eq!(r.when.basis, ZoneBasis::Assumed("UTC".into()));
        assert_eq!(r.when.precision, Precision::Inferred);
        assert_eq!(p.problems.len(), 1);
    }

    #[test]
    fn long_format_labels_epochs_and_bad_rows() {
        let text = "timestamp,instance,value\n\
                    1714575600,a,1\n1714575600,b,50\n\
                    1714575660,a,1\n1714575660,b,51\n\
                    1714575720,a,1\n1714575720,b,49\n\
                    1714575780,a,1\n1714575780,b,50\n\
                    1714575840,a,1\n1714575840,b,50\n\
                    1714575900,a,1\n1714575900,b,52\n\
                    1714575960,a,1\n1714575960,b,50\n\
                    1714576020,a,1\n1714576020,b,50\n\
                    1714576080,a,1\n1714576080,b,5\n\
                    garbage,a,1\n\
                    1714576140,a,1\n1714576140,b,50\n";
        let f = SourceFile::new("prom.csv", text);
        assert_eq!(MetricsCsv.sniff(&f), 90);
        let p = parse_with(&f, None);
        let drops = of(&p, "b", Kind::Signal);
        assert_eq!(drops.len(), 1, "{:?}", p.records);
        assert_eq!(drops[0].span.line, 19);
        assert_eq!(drops[0].attr("direction"), Some("drop"));
        assert_eq!(utc(drops[0]), "2024-05-01T15:08:00Z");
        assert!(of(&p, "a", Kind::Signal).is_empty());
        // Back at the last point: the data ends, so that is where it recovered.
        let back = of(&p, "b", Kind::Recovery);
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].span.line, 22);
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, Some(20));
        assert_eq!(MetricsCsv.sniff(&SourceFile::new("x.csv", "name,team\nana,ops\nbo,dev\n")), 0);
        // A structured log export (loghub style): a time, an id, many text columns.
        let logs = "LineId,Date,Time,Level,Component,Content\n\
                    1,2016-09-28 04:30:30,04:30:30,Info,CBS,Loaded Servicing Stack v6.1 with Core: C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack\n\
                    2,2016-09-28 04:30:31,04:30:31,Info,CSI,WcpInitialize called\n";
        assert_eq!(MetricsCsv.sniff(&SourceFile::new("w.csv", logs)), 0);
        assert_eq!(
            MetricsCsv.sniff(&SourceFile::new("x.log", "2024-05-01T10:00:00Z ERROR x\n2024-05-01T10:00:01Z INFO y\n")),
            0
        );
    }

    #[test]
    fn eval_cloudflare_edge_metrics() {
        let Some(f) = eval_file("cloudflare-2019-07-02/bundle/metrics/edge-global-http-1m.csv") else {
            return;
        };
        assert_eq!(MetricsCsv.sniff(&f), 90);
        let p = parse_with(&f, None);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        // Gold: the CPU/502 spike begins at line 44 (13:42), recovery at line 71 (14:09).
        let cpu = of(&p, "http_cpu_util_p95", Kind::Signal);
        assert_eq!(cpu.len(), 1);
        assert_eq!(cpu[0].span.line, 44);
        assert_eq!(utc(cpu[0]), "2019-07-02T13:42:00Z");
        let errors = of(&p, "edge_5xx_per_s", Kind::Recovery);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].span.line, 71);
        assert_eq!(utc(errors[0]), "2019-07-02T14:09:00Z");
        let traffic = of(&p, "pct_of_expected", Kind::Signal);
        assert_eq!(traffic.len(), 1);
        assert_eq!(traffic[0].attr("direction"), Some("drop"));
        assert!(of(&p, "expected_requests_per_s", Kind::Signal).is_empty(), "a slow trend is not an excursion");
    }

    #[test]
    fn eval_slack_web_tier() {
        let Some(f) = eval_file("slack-2021-01-04/bundle/metrics/web_tier_20210104_0500-1100PT.csv") else {
            return;
        };
        let p = parse_with(&f, None);
        let errors = of(&p, "api_error_pct", Kind::Signal);
        assert_eq!(errors.len(), 1, "{errors:?}");
        // Gold: line 62 at 14:00Z (start) and line 342 at 18:40Z (recovery).
        assert_eq!(errors[0].span.line, 62);
        assert_eq!(utc(errors[0]), "2021-01-04T14:00:00Z");
        let back = of(&p, "api_error_pct", Kind::Recovery);
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].span.line, 342);
        assert_eq!(utc(back[0]), "2021-01-04T18:40:00Z");
        // Message success falls through the floor at 15:00-15:01Z (gold lines 122/123),
        // as web hosts drop out of the pool.
        let sends = of(&p, "msg_send_success_pct", Kind::Signal);
        assert_eq!(sends.len(), 1);
        assert_eq!(sends[0].span.line, 123);
        assert_eq!(utc(sends[0]), "2021-01-04T15:01:00Z");
        let hosts = of(&p, "web_hosts_healthy", Kind::Signal);
        assert_eq!(hosts[0].span.line, 122);
        assert_eq!(hosts[0].attr("direction"), Some("drop"));
    }

    proptest::proptest! {
        #[test]
        fn any_series_parses_without_panic(values in proptest::collection::vec(proptest::option::of(-1e6f64..1e6), 0..80)) {
            let mut text = String::from("time,v\n");
            for (i, v) in values.iter().enumerate() {
                let cell = v.map(|v| v.to_string()).unwrap_or_default();
                text.push_str(&(1_714_575_600 + i * 60).to_string());
                text.push(',');
                text.push_str(&cell);
                text.push('\n');
            }
            let file = SourceFile::new("m.csv", text);
            let p = parse_with(&file, None);
            let lines = file.line_count();
            proptest::prop_assert!(p.records.iter().all(|r| r.span.line >= 2 && r.span.line <= lines));
            // Every recovery follows a signal of the same series.
            let signals = p.records.iter().filter(|r| r.kind == Kind::Signal).count();
            let recoveries = p.records.iter().filter(|r| r.kind == Kind::Recovery).count();
            proptest::prop_assert!(recoveries <= signals);
        }
    }
}
