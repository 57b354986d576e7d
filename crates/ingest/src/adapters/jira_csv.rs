//! Jira's CSV export (issue search → Export → CSV, all or current fields).
//!
//! The header row names the columns (`Summary, Issue key, Issue id, Issue Type, Status,
//! Priority, Assignee, Reporter, Created, Updated, Resolved, Description, Comment, Comment…`;
//! a multi-valued field repeats its column). Each row is an issue. Comment cells read
//! `08/Oct/24 2:15 PM;accountid;text`: the time, the author (an Atlassian account id, or a
//! username on Jira Server) and the text, which may span lines.
//!
//! Records per issue: its creation ([`Kind::Message`], the summary as text), its
//! resolution when `Resolved` is set ([`Kind::Resolution`] for an issue of type Incident,
//! else [`Kind::Change`]), its current status at its last update when it is not resolved
//! ([`Kind::Change`], time inferred), and each comment ([`Kind::Message`] by its author).
//! A record cites the lines its cells stand on, so a comment after a multi-line description
//! cites its own lines.
//!
//! Jira writes times as its users see them (`08/Oct/24 2:43 PM`), in the exporting user's
//! zone and without it: they are read in `incident.toml`'s zone, else as UTC with a
//! problem saying the zone was assumed.

use debrief_model::{Actor, Kind, Precision, Problem, Record, SourceFile, Span, When, ZoneBasis};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::lines::LineIndex;
use crate::time::{localize, parse_day_month_year, parse_instant, parse_naive};

pub struct JiraCsv;

/// Columns that, with `Issue key`, make a header row Jira's.
const JIRA_COLUMNS: &[&str] = &["summary", "issue id", "issue type", "status", "created", "reporter", "priority"];

/// Line problems listed one by one before they are only counted.
const MAX_PROBLEMS: usize = 50;

impl Adapter for JiraCsv {
    fn format(&self) -> &'static str {
        "jira-csv"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
        let first = text.split('\n').next().unwrap_or("");
        if first.len() > 64 * 1024 || !first.contains(',') {
            return 0;
        }
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(first.as_bytes());
        let mut header = csv::StringRecord::new();
        if !rdr.read_record(&mut header).unwrap_or(false) {
            return 0;
        }
        let names: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
        if !names.iter().any(|n| n == "issue key") {
            return 0;
        }
        let known = JIRA_COLUMNS.iter().filter(|c| names.iter().any(|n| n == *c)).count();
        match known {
            0 => 0,
            1 | 2 => 60,
            _ => 92,
        }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        Reader::new(file, cx).read()
    }
}

/// Where the named columns are.
#[derive(Default)]
struct Columns {
    summary: Option<usize>,
    key: Option<usize>,
    kind: Option<usize>,
    status: Option<usize>,
    priority: Option<usize>,
    resolution: Option<usize>,
    created: Option<usize>,
    updated: Option<usize>,
    resolved: Option<usize>,
    reporter: Option<usize>,
    creator: Option<usize>,
    people: Vec<usize>,
    comments: Vec<usize>,
}

impl Columns {
    fn of(header: &csv::StringRecord) -> Self {
        let mut c = Self::default();
        for (i, name) in header.iter().enumerate() {
            let slot = match name.trim().to_ascii_lowercase().as_str() {
                "summary" => &mut c.summary,
                "issue key" => &mut c.key,
                "issue type" => &mut c.kind,
                "status" => &mut c.status,
                "priority" => &mut c.priority,
                "resolution" => &mut c.resolution,
                "created" => &mut c.created,
                "updated" => &mut c.updated,
                "resolved" => &mut c.resolved,
                "reporter" | "creator" => {
                    c.people.push(i);
                    if name.trim().eq_ignore_ascii_case("reporter") { &mut c.reporter } else { &mut c.creator }
                }
                "assignee" | "watchers" => {
                    c.people.push(i);
                    continue;
                }
                "comment" | "comments" => {
                    c.comments.push(i);
                    continue;
                }
                _ => continue,
            };
            slot.get_or_insert(i);
        }
        c
    }
}

/// A cell of the current row: its value and, when it is not empty, where its raw text
/// stands in the file (byte range, quotes doubled as CSV writes them).
struct Cell<'r> {
    value: &'r str,
    raw: Option<(usize, usize)>,
}

struct Reader<'a> {
    text: &'a str,
    idx: LineIndex,
    source: u32,
    zone: Option<(&'a str, &'a TimeZone)>,
    out: Parsed,
    said_assumed: bool,
    problems: usize,
}

impl<'a> Reader<'a> {
    fn new(file: &'a SourceFile, cx: &Context<'a>) -> Self {
        Self {
            text: &file.text,
            idx: LineIndex::new(&file.text),
            source: cx.source,
            zone: cx.zone,
            out: Parsed::default(),
            said_assumed: false,
            problems: 0,
        }
    }

    fn problem(&mut self, line: u32, message: String) {
        self.problems += 1;
        if self.problems <= MAX_PROBLEMS {
            self.out.problems.push(Problem::at(line, message));
        } else if self.problems == MAX_PROBLEMS + 1 {
            self.out.problems.push(Problem::at(line, "more problems like the above — no longer listed"));
        }
    }

    fn read(mut self) -> Parsed {
        let text = self.text;
        let base = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
        let body = text.get(base..).unwrap_or("");
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body.as_bytes());
        let mut row = csv::StringRecord::new();
        match rdr.read_record(&mut row) {
            Ok(true) => {}
            Ok(false) => return Parsed::fatal("expected a Jira CSV export: the file is empty"),
            Err(e) => return Parsed::fatal(format!("expected a Jira CSV header row: {e}")),
        }
        let cols = Columns::of(&row);
        if cols.key.is_none() {
            return Parsed::fatal("expected a Jira CSV header row with an `Issue key` column");
        }
        loop {
            let start = base + rdr.position().byte() as usize;
            match rdr.read_record(&mut row) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let line = self.idx.line_of(start);
                    self.problem(line, format!("row is not valid CSV ({e}) — skipped"));
                    if rdr.is_done() {
                        break;
                    }
                    continue;
                }
            }
            let row_start = row.position().map_or(start, |p| base + p.byte() as usize);
            let row_end = (base + rdr.position().byte() as usize).min(text.len());
            let cells = locate(text, row_start, row_end, &row);
            self.issue(&cols, &cells, row_start);
        }
        self.out
    }

    fn cell<'r>(cells: &'r [Cell<'r>], col: Option<usize>) -> Option<&'r Cell<'r>> {
        cells.get(col?).filter(|c| !c.value.trim().is_empty())
    }

    /// The lines a set of cells stand on.
    fn span_of(&self, cells: &[Option<&Cell<'_>>], fallback: usize) -> Span {
        let mut lines: Option<(u32, u32)> = None;
        for (s, e) in cells.iter().flatten().filter_map(|c| c.raw) {
            let (l, el) = self.idx.lines_of(s, e);
            lines = Some(lines.map_or((l, el), |(a, b)| (a.min(l), b.max(el))));
        }
        let (l, e) = lines.unwrap_or_else(|| {
            let l = self.idx.line_of(fallback);
            (l, l)
        });
        Span::lines(self.source, l, e)
    }

    fn issue(&mut self, cols: &Columns, cells: &[Cell<'_>], row_start: usize) {
        let row_line = self.idx.line_of(row_start);
        let get = |col: Option<usize>| Self::cell(cells, col);
        let key = get(cols.key).map(|c| c.value.trim().to_string());
        let what = key.clone().unwrap_or_else(|| "Issue".to_string());
        let status = get(cols.status).map(|c| c.value.trim().to_string());
        let incident = get(cols.kind).is_some_and(|c| c.value.to_ascii_lowercase().contains("incident"));

        for &i in &cols.people {
            if let Some(c) = get(Some(i)) {
                add_person(&mut self.out.people, c.value.trim(), None);
            }
        }
        let reporter = get(cols.reporter).or_else(|| get(cols.creator)).map(|c| c.value.trim().to_string());
        let with_common = |mut r: Record| {
            if let Some(k) = &key {
                r = r.with_attr("issue", k.clone());
            }
            r
        };

        // Created.
        let created_cell = get(cols.created);
        let created = created_cell.and_then(|c| self.when(c.value, c, row_line));
        match get(cols.summary) {
            Some(s) => {
                let span = self.span_of(&[Some(s), created_cell], row_start);
                let summary = s.value.trim();
                let mut r = Record::new(span, created.clone().unwrap_or_default(), Kind::Message, verbatim(summary))
                    .with_summary(format!("{what} created: {summary}"));
                if let Some(p) = get(cols.priority) {
                    r = r.with_attr("severity", p.value.trim());
                }
                if let Some(s) = &status {
                    r = r.with_attr("status", s.clone());
                }
                if let Some(name) = reporter.as_deref().filter(|n| !n.is_empty()) {
                    r = r.with_actor(Actor::person(name));
                }
                self.out.records.push(with_common(r));
                if created.is_none() {
                    self.problem(
                        span.line,
                        format!("{what}: `Created` is missing or not a time — its creation has no time"),
                    );
                }
            }
            None => self.problem(row_line, format!("{what}: no `Summary` — its creation is not recorded")),
        }

        // Resolved, else the status as of the last update.
        let status_cell = get(cols.status);
        let resolved_cell = get(cols.resolved);
        let resolution = get(cols.resolution).map(|c| c.value.trim().to_string());
        let mut comment_times = Vec::new();
        if let Some(rc) = resolved_cell
            && let Some(when) = self.when(rc.value, rc, row_line)
        {
            let span = self.span_of(&[status_cell, get(cols.resolution), Some(rc)], row_start);
            let text = status_cell.or(get(cols.resolution)).map_or_else(|| rc.value.trim(), |c| c.value.trim());
            let mut summary = format!("{what} resolved");
            if let Some(res) = &resolution {
                summary.push_str(" (");
                summary.push_str(res);
                summary.push(')');
            }
            if let Some(s) = &status {
                summary.push_str("; status ");
                summary.push_str(s);
            }
            let kind = if incident { Kind::Resolution } else { Kind::Change };
            let mut r = Record::new(span, when, kind, verbatim(text)).with_summary(summary);
            if let Some(s) = &status {
                r = r.with_attr("status", s.clone());
            }
            self.out.records.push(with_common(r));
        }

        // Comments.
        for &i in &cols.comments {
            let Some(c) = cells.get(i).filter(|c| !c.value.trim().is_empty()) else { continue };
            if let Some(t) = self.comment(c, row_start, &with_common) {
                comment_times.push(t);
            }
        }

        if resolved_cell.is_none()
            && let (Some(sc), Some(uc)) = (status_cell, get(cols.updated))
            && let Some(when) = self.when(uc.value, uc, row_line)
        {
            // An update that is only a comment or the creation says nothing of the status.
            let touched =
                when.utc.is_some_and(|t| comment_times.contains(&t) || created.as_ref().and_then(|c| c.utc) == Some(t));
            if !touched {
                let span = self.span_of(&[Some(sc), Some(uc)], row_start);
                let s = sc.value.trim();
                let when = when.with_precision(Precision::Inferred);
                let r = Record::new(span, when, Kind::Change, verbatim(s))
                    .with_summary(format!("{what} status {s} at its last update"))
                    .with_attr("status", s);
                self.out.records.push(with_common(r));
            }
        }
    }

    /// A comment cell `time;author;text`; returns its instant.
    fn comment(
        &mut self,
        c: &Cell<'_>,
        row_start: usize,
        with_common: &dyn Fn(Record) -> Record,
    ) -> Option<jiff::Timestamp> {
        let span = self.span_of(&[Some(c)], row_start);
        let mut parts = c.value.splitn(3, ';');
        let (time, author, body) = match (parts.next(), parts.next(), parts.next()) {
            (Some(t), Some(a), Some(b)) if looks_like_time(t) => (Some(t), Some(a.trim()), b),
            _ => (None, None, c.value),
        };
        let body = body.trim();
        if body.is_empty() {
            self.problem(span.line, "comment without text — skipped".into());
            return None;
        }
        let when = match time {
            Some(t) => self.when(t, c, span.line),
            None => {
                self.problem(span.line, "comment cell is not `time;author;text` — its time is unknown".into());
                None
            }
        };
        let t = when.as_ref().and_then(|w| w.utc);
        let mut r = Record::new(span, when.unwrap_or_default(), Kind::Message, verbatim(body));
        if let Some(a) = author.filter(|a| !a.is_empty()) {
            add_person(&mut self.out.people, a, Some(a));
            r = r.with_actor(Actor::person(a).with_id(a));
        }
        self.out.records.push(with_common(r));
        t
    }

    /// The time in a cell: an instant with an offset as it is, a naive time in the zone.
    fn when(&mut self, raw: &str, cell: &Cell<'_>, row_line: u32) -> Option<When> {
        let raw = raw.trim();
        let line = cell.raw.map_or(row_line, |(s, _)| self.idx.line_of(s));
        if let Some(t) = parse_instant(raw) {
            return Some(When::exact(t).with_original(raw));
        }
        let Some(naive) = parse_day_month_year(raw).or_else(|| parse_naive(raw)) else {
            self.problem(line, format!("{raw:?} is not a time debrief can read — left without a time"));
            return None;
        };
        let (zone, tz, basis) = crate::time::zone_or_utc(self.zone);
        let local = localize(naive, &tz)?;
        if let Some(p) = local.problem(&zone) {
            self.problem(line, p);
        }
        let assumed = matches!(basis, ZoneBasis::Assumed(_));
        if assumed && !self.said_assumed {
            self.said_assumed = true;
            self.out.problems.push(Problem::at(
                line,
                "Jira writes CSV times in the exporting user's zone without naming it, and incident.toml sets none: \
                 read as UTC (assumed); set `timezone` in incident.toml",
            ));
        }
        let precision = if assumed {
            Precision::Inferred
        } else if has_seconds(naive, raw) {
            Precision::Exact
        } else {
            Precision::Minute
        };
        Some(When::exact(local.timestamp()).with_original(raw).with_precision(precision).with_basis(basis))
    }
}

fn has_seconds(dt: DateTime, raw: &str) -> bool {
    dt.second() != 0 || raw.matches(':').count() >= 2
}

/// Whether a comment cell's first part is a time (`08/Oct/24 2:15 PM`, `2024-10-08 14:15`).
fn looks_like_time(s: &str) -> bool {
    let s = s.trim();
    s.len() <= 40 && s.bytes().next().is_some_and(|b| b.is_ascii_digit()) && s.contains(':')
}

/// A cell's text as it stands in the file: CSV doubles quotes inside quoted cells, and line
/// ends become `\n` (citations count lines without their `\r`).
fn verbatim(value: &str) -> String {
    value.replace('"', "\"\"").replace("\r\n", "\n")
}

/// Where each cell of `row` stands in `text[start..end]`: cells are found in order, each
/// after the one before, by their raw text.
fn locate<'r>(text: &str, start: usize, end: usize, row: &'r csv::StringRecord) -> Vec<Cell<'r>> {
    let raw = text.get(start..end).unwrap_or("");
    let mut cursor = 0;
    row.iter()
        .map(|value| {
            if value.trim().is_empty() {
                return Cell { value, raw: None };
            }
            let escaped = value.replace('"', "\"\"");
            match raw.get(cursor..).and_then(|r| r.find(&escaped)) {
                Some(at) => {
                    let s = cursor + at;
                    cursor = s + escaped.len();
                    Cell { value, raw: Some((start + s, start + cursor)) }
                }
                None => Cell { value, raw: None },
            }
        })
        .collect()
}

fn add_person(people: &mut Vec<Person>, name: &str, id: Option<&str>) {
    if people.iter().any(|p| p.name == name) {
        return;
    }
    people.push(Person {
        name: name.to_string(),
        ids: id.map(str::to_string).into_iter().collect(),
        ..Person::default()
    });
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::journald::testkit::{assert_quotable, at, detected, parse, parse_with, sniff, spans};
    use super::*;

    const EXPORT: &str = include_str!("../../tests/fixtures/jira/INC-2047-export.csv");

    #[test]
    fn export_gives_creation_resolution_comments_and_status() {
        assert_eq!(sniff(&JiraCsv, "jira.csv", EXPORT), 92);
        assert_eq!(detected("jira.csv", EXPORT), Some("jira-csv"));
        let p = parse_with(&JiraCsv, "jira.csv", EXPORT, Some("America/Chicago"), None);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let kinds: Vec<Kind> = p.records.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Message,
                Kind::Resolution,
                Kind::Message,
                Kind::Message,
                Kind::Message,
                Kind::Message,
                Kind::Message,
                Kind::Change
            ]
        );
        let created = &p.records[0];
        assert_eq!(created.text, "Checkout timing out / elevated 5xx on POST /api/v1/checkout");
        assert_eq!(at(created), "2024-10-08T14:52:00Z");
        assert_eq!(created.when.precision, Precision::Minute);
        assert_eq!(created.when.basis, ZoneBasis::IncidentToml("America/Chicago".into()));
        assert_eq!(created.when.original.as_deref(), Some("08/Oct/24 9:52 AM"));
        assert_eq!(created.attr("issue"), Some("INC-2047"));
        assert_eq!(created.attr("severity"), Some("Highest"));
        assert_eq!(created.actor.as_ref().map(|a| a.name.as_str()), Some("Dana Whitfield"));
        let resolved = &p.records[1];
        assert_eq!(resolved.text, "Resolved");
        assert_eq!(at(resolved), "2024-10-08T15:41:00Z");
        assert_eq!(resolved.summary.as_deref(), Some("INC-2047 resolved (Done); status Resolved"));
        // The multi-line description holds lines 2–5; the comments after it cite their own lines.
        assert_eq!(spans(&p), [(2, 2), (2, 2), (5, 5), (5, 6), (6, 6), (7, 7), (7, 7), (7, 7)]);
        let rollback = &p.records[3];
        assert_eq!(rollback.text, "Rolling back to v2.30.4.\nIC call: rollback over scaling further.");
        assert_eq!(at(rollback), "2024-10-08T15:18:00Z");
        assert_eq!(rollback.actor.as_ref().and_then(|a| a.id.as_deref()), Some("5b10ac8d82e05b22cc7d4ef5"));
        // A quote inside a cell stands doubled in the file.
        let quoted = &p.records[6];
        assert_eq!(quoted.text, "Draft shared, \"\"contributing factors\"\" still open");
        assert_eq!(at(quoted), "2024-10-09T21:30:00Z");
        let status = &p.records[7];
        assert_eq!(status.text, "In Progress");
        assert_eq!(status.when.precision, Precision::Inferred);
        assert_eq!(at(status), "2024-10-09T22:05:00Z");
        assert_quotable(EXPORT, &p.records);
        let names: Vec<&str> = p.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Dana Whitfield",
                "Tomasz Wrobel",
                "712020:4b8c1f0e-2d7a-4e55-9d0e-5a1c3f7e9b21",
                "5b10ac8d82e05b22cc7d4ef5"
            ]
        );
    }

    #[test]
    fn the_status_of_an_issue_last_touched_by_a_comment_is_not_guessed() {
        // Updated at the comment's minute: the update was the comment.
        let text = EXPORT.replace("09/Oct/24 5:05 PM", "09/Oct/24 4:30 PM");
        let p = parse(&JiraCsv, "jira.csv", &text);
        assert_eq!(p.records.len(), 7);
        assert!(p.records.iter().all(|r| r.text != "In Progress"));
        // Updated at its creation: nothing changed since.
        let text = EXPORT.replace("09/Oct/24 5:05 PM", "08/Oct/24 11:02 AM");
        let p = parse(&JiraCsv, "jira.csv", &text);
        assert!(p.records.iter().all(|r| r.text != "In Progress"));
    }

    #[test]
    fn naive_times_without_a_zone_are_assumed_utc_and_said() {
        let p = parse(&JiraCsv, "jira.csv", EXPORT);
        assert_eq!(at(&p.records[0]), "2024-10-08T09:52:00Z");
        assert_eq!(p.records[0].when.basis, ZoneBasis::Assumed("UTC".into()));
        assert_eq!(p.problems.len(), 1);
        assert!(p.problems[0].message.contains("assumed"));
        assert_eq!(p.problems[0].line, Some(2));
    }

    #[test]
    fn bad_cells_are_problems_and_other_csvs_are_not_claimed() {
        let text = "Issue key,Summary,Status,Created,Comment\nOPS-1,Disk full,Open,yesterday,not a comment\nOPS-2,\"unterminated,Open,08/Oct/24 2:43 PM\n";
        assert_eq!(sniff(&JiraCsv, "x.csv", text), 92);
        let p = parse(&JiraCsv, "x.csv", text);
        assert_eq!(p.records.len(), 3, "{:?}", p.records);
        assert_eq!(p.records[0].when.utc, None);
        assert!(p.problems.iter().any(|pr| pr.message.contains("\"yesterday\"") && pr.line == Some(2)));
        assert!(p.problems.iter().any(|pr| pr.message.contains("time;author;text")));
        assert_quotable(text, &p.records);
        assert_eq!(sniff(&JiraCsv, "m.csv", "time,value\n2024-10-08T14:00:00Z,3\n"), 0);
        assert_eq!(sniff(&JiraCsv, "k.csv", "Issue key,Summary,Notes\nA-1,x,y\n"), 60);
        assert_eq!(sniff(&JiraCsv, "k.csv", "Issue key,Notes\nA-1,x\n"), 0);
        let p = parse(&JiraCsv, "e.csv", "");
        assert!(!p.problems[0].can_continue);
    }

    proptest! {
        #[test]
        fn any_cells_parse_inside_the_file(cells in proptest::collection::vec("[ -~\n\"]{0,40}", 0..12)) {
            let mut text = String::from("Summary,Issue key,Status,Created,Resolved,Comment,Comment\n");
            for (i, c) in cells.iter().enumerate() {
                text.push('"');
                text.push_str(&c.replace('"', "\"\""));
                text.push('"');
                text.push(if i % 7 == 6 { '\n' } else { ',' });
            }
            let p = parse(&JiraCsv, "x.csv", &text);
            let lines = SourceFile::new("x.csv", text.clone()).line_count();
            for r in &p.records {
                prop_assert!(r.span.line >= 1 && r.span.line <= r.span.end_line && r.span.end_line <= lines);
            }
        }
    }
}
