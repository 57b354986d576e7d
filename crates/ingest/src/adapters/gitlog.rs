//! `git log` text: the default format, `--pretty=fuller` and `-p`/`--stat` output (diffs
//! and stats are skipped, not records). Each commit gives one [`Kind::Change`] record that
//! cites its header lines through its subject line, with the subject as its text.
//!
//! The time is `CommitDate` when the log has it (when the change landed on the branch),
//! else `Date` (the author date); the author date is kept in the `author_date` attribute.

use std::sync::LazyLock;

use debrief_model::{Actor, Kind, Problem, Record, SourceFile, Span, When};
use jiff::Timestamp;
use regex::Regex;

use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::lines::numbered;
use crate::time::parse_instant;

pub struct GitLog;

/// `commit <sha>` with optional decorations (`(HEAD -> main, origin/main)`).
static COMMIT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^commit ([0-9a-f]{7,64})(?:\s.*)?$").unwrap_or_else(|_| unreachable!()));
/// `Merge pull request #2701 from …`.
static MERGE_PR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^Merge pull request #(\d+)").unwrap_or_else(|_| unreachable!()));

impl Adapter for GitLog {
    fn format(&self) -> &'static str {
        "git-log"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = prefix(&file.text, 8192);
        let mut commits = 0;
        let mut authored = 0;
        let mut expect_author = 0u8;
        for (_, line) in numbered(head) {
            if COMMIT.is_match(line) {
                commits += 1;
                expect_author = 3;
                continue;
            }
            if expect_author > 0 {
                expect_author -= 1;
                if line.starts_with("Author:") {
                    authored += 1;
                    expect_author = 0;
                }
            }
        }
        match (commits, authored) {
            (c, a) if c > 0 && a == c => 90,
            (c, a) if c > 0 && a * 2 >= c => 70,
            _ => 0,
        }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        let mut out = Parsed::default();
        let mut current: Option<Commit<'_>> = None;
        for (n, line) in numbered(&file.text) {
            if let Some(caps) = COMMIT.captures(line) {
                if let Some(c) = current.take() {
                    c.finish(cx.source, &mut out);
                }
                current = Some(Commit::new(n, caps.get(1).map_or("", |m| m.as_str())));
                continue;
            }
            let Some(c) = current.as_mut() else {
                continue; // a prompt or preamble before the first commit
            };
            c.line(n, line, &mut out.problems);
        }
        if let Some(c) = current.take() {
            c.finish(cx.source, &mut out);
        }
        if out.records.is_empty() && out.problems.is_empty() {
            return Parsed::fatal("expected `git log` output: `commit <sha>` lines with Author and Date");
        }
        out
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

/// Where a commit's reading is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Headers,
    /// The blank line after the headers was seen; the subject comes next.
    BeforeSubject,
    /// The subject was read; the body, a diff or a stat may follow.
    Done,
}

/// A commit being read.
struct Commit<'a> {
    line: u32,
    sha: &'a str,
    merge: bool,
    author: Option<(&'a str, u32)>,
    committer: Option<&'a str>,
    authored: Option<(&'a str, u32)>,
    committed: Option<(&'a str, u32)>,
    subject: Option<(&'a str, u32)>,
    stage: Stage,
}

impl<'a> Commit<'a> {
    fn new(line: u32, sha: &'a str) -> Self {
        Self {
            line,
            sha,
            merge: false,
            author: None,
            committer: None,
            authored: None,
            committed: None,
            subject: None,
            stage: Stage::Headers,
        }
    }

    fn line(&mut self, n: u32, line: &'a str, problems: &mut Vec<Problem>) {
        match self.stage {
            Stage::Headers => {
                if line.trim().is_empty() {
                    self.stage = Stage::BeforeSubject;
                    return;
                }
                let Some((key, value)) = line.split_once(':') else {
                    problems.push(Problem::at(n, "expected a commit header (`Author:`, `Date:`…) — line skipped"));
                    return;
                };
                let value = value.trim();
                match key {
                    "Merge" => self.merge = true,
                    "Author" => self.author = Some((value, n)),
                    "Commit" => self.committer = Some(value),
                    "Date" | "AuthorDate" => self.authored = Some((value, n)),
                    "CommitDate" => self.committed = Some((value, n)),
                    _ => {} // Reflog, Notes and other headers are not needed
                }
            }
            Stage::BeforeSubject => {
                if line.trim().is_empty() {
                    return;
                }
                if line.starts_with("    ") || line.starts_with('\t') {
                    self.subject = Some((line.trim(), n));
                }
                // A commit with an empty message goes straight to its diff.
                self.stage = Stage::Done;
            }
            Stage::Done => {}
        }
    }

    fn finish(self, source: u32, out: &mut Parsed) {
        let (name, email) = self.author.map_or(("", ""), |(a, _)| split_ident(a));
        if !name.is_empty() || !email.is_empty() {
            add_person(&mut out.people, name, email);
        }
        if let Some(c) = self.committer {
            let (cn, ce) = split_ident(c);
            if !cn.is_empty() {
                add_person(&mut out.people, cn, ce);
            }
        }

        let date = self.committed.or(self.authored);
        let when = if let Some((raw, n)) = date {
            if let Some(t) = parse_git_date(raw) {
                When::exact(t).with_original(raw)
            } else {
                out.problems
                    .push(Problem::at(n, format!("date {raw:?} is not a git date — the commit's time is unknown")));
                When::unknown()
            }
        } else {
            out.problems.push(Problem::at(self.line, "commit without a Date line — its time is unknown"));
            When::unknown()
        };

        let short: String = self.sha.chars().take(7).collect();
        let (text, end) = if let Some((s, n)) = self.subject {
            (s.to_string(), n)
        } else {
            // No subject: the commit line is the quote, the headers the span.
            let last = [self.author.map(|a| a.1), self.authored.map(|d| d.1), self.committed.map(|d| d.1)]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(self.line);
            (format!("commit {}", self.sha), last)
        };
        let mut r =
            Record::new(Span::lines(source, self.line, end), when, Kind::Change, text).with_attr("commit", short);
        if !name.is_empty() {
            r = r.with_actor(Actor::person(name));
        }
        if self.merge {
            r = r.with_attr("merge", "true");
        }
        if let Some(pr) = self.subject.and_then(|(s, _)| MERGE_PR.captures(s)).and_then(|c| c.get(1)) {
            r = r.with_attr("pr", pr.as_str());
        }
        if self.committed.is_some()
            && let Some((raw, _)) = self.authored
        {
            r = r.with_attr("author_date", raw);
        }
        let summary = match (&r.actor, r.attr("pr")) {
            (_, Some(pr)) => format!("PR #{pr} merged (commit {})", &r.attr("commit").unwrap_or("")),
            (Some(a), None) => format!("Commit {} by {}", r.attr("commit").unwrap_or(""), a.name),
            (None, None) => format!("Commit {}", r.attr("commit").unwrap_or("")),
        };
        out.records.push(r.with_summary(summary));
    }
}

/// `Name <email>` → (`Name`, `email`).
fn split_ident(s: &str) -> (&str, &str) {
    match (s.find('<'), s.rfind('>')) {
        (Some(lt), Some(gt)) if lt < gt => (s[..lt].trim(), s[lt + 1..gt].trim()),
        _ => (s.trim(), ""),
    }
}

fn add_person(people: &mut Vec<Person>, name: &str, email: &str) {
    let key = if name.is_empty() { email } else { name };
    if let Some(p) = people.iter_mut().find(|p| p.name == key) {
        if !email.is_empty() && !p.emails.iter().any(|e| e == email) {
            p.emails.push(email.to_string());
        }
        return;
    }
    people.push(Person {
        name: key.to_string(),
        emails: if email.is_empty() { Vec::new() } else { vec![email.to_string()] },
        ..Person::default()
    });
}

/// A date as `git log` prints it: the default (`Tue Jul 2 15:24:12 2019 +0100`),
/// `--date=iso`, `iso-strict`, `rfc` or `raw` (`1562077452 +0100`).
fn parse_git_date(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Some(t) = parse_instant(s) {
        return Some(t);
    }
    let squeezed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Ok(t) = jiff::fmt::strtime::parse("%a %b %d %H:%M:%S %Y %z", &squeezed).and_then(|tm| tm.to_timestamp()) {
        return Some(t);
    }
    // `--date=raw`: epoch seconds and an offset.
    let (secs, _) = squeezed.split_once(' ')?;
    let secs: i64 = secs.parse().ok()?;
    Timestamp::from_second(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IncidentConfig;

    fn parse_file(file: &SourceFile) -> Parsed {
        let config = IncidentConfig::default();
        let files = [file.clone()];
        let cx = Context { source: 0, files: &files, config: &config, zone: None, anchor_date: None };
        GitLog.parse(file, &cx)
    }

    fn fixture(name: &str) -> SourceFile {
        let path = format!("{}/tests/fixtures/gitlog/{name}", env!("CARGO_MANIFEST_DIR"));
        SourceFile::new(name, std::fs::read_to_string(path).unwrap_or_default())
    }

    fn utc(r: &Record) -> String {
        r.when.utc.map(|t| t.to_string()).unwrap_or_default()
    }

    fn quote_in_span(file: &SourceFile, r: &Record) -> bool {
        numbered(&file.text)
            .filter(|&(n, _)| n >= r.span.line && n <= r.span.end_line)
            .any(|(_, l)| l.contains(&r.text))
    }

    #[test]
    fn dates_in_git_formats() {
        let t = |s| parse_git_date(s).map(|t| t.to_string());
        let want = Some("2019-07-02T14:24:12Z".to_string());
        assert_eq!(t("Tue Jul 2 15:24:12 2019 +0100"), want);
        assert_eq!(t("Tue Jul  2 15:24:12 2019 +0100"), want);
        assert_eq!(t("2019-07-02 15:24:12 +0100"), want);
        assert_eq!(t("2019-07-02T15:24:12+01:00"), want);
        assert_eq!(t("Tue, 2 Jul 2019 15:24:12 +0100"), want);
        assert_eq!(t("1562077452 +0100"), want);
        assert_eq!(t("yesterday"), None);
    }

    #[test]
    fn fuller_log_uses_commit_date() {
        let f = fixture("fuller.txt");
        assert_eq!(GitLog.sniff(&f), 90);
        let p = parse_file(&f);
        assert_eq!(p.records.len(), 2, "{:?}", p.problems);
        let merge = &p.records[0];
        assert_eq!(merge.text, "Merge pull request #88 from shop/pool-size");
        assert_eq!(utc(merge), "2024-05-01T14:02:03Z");
        assert_eq!(merge.attr("author_date"), Some("Wed May 1 08:55:00 2024 -0500"));
        assert_eq!(merge.attr("merge"), Some("true"));
        assert_eq!(merge.attr("pr"), Some("88"));
        assert_eq!(merge.attr("commit"), Some("4f5e6d7"));
        assert_eq!((merge.span.line, merge.span.end_line), (1, 8));
        assert_eq!(merge.kind, Kind::Change);
        assert_eq!(merge.actor.as_ref().map(|a| a.name.as_str()), Some("Dana W"));
        let plain = &p.records[1];
        assert_eq!(plain.text, "Raise checkout pool size to 40");
        assert_eq!(plain.attr("merge"), None);
        assert_eq!((plain.span.line, plain.span.end_line), (12, 18));
        for r in &p.records {
            assert!(quote_in_span(&f, r));
        }
        let dana = p.people.iter().find(|p| p.name == "Dana W").expect("author");
        assert_eq!(dana.emails, ["dana@example.com"]);
        assert!(p.people.iter().any(|p| p.name == "GitHub"));
    }

    #[test]
    fn broken_commits_are_problems() {
        let text = "commit abcdef1234567\nAuthor: A <a@x>\nDate:   not a date\n\n    subject one\n\ncommit 1234567abcdef\nAuthor: B <b@x>\nweird line\n\n    subject two\n";
        let f = SourceFile::new("log.txt", text);
        let p = parse_file(&f);
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.records[0].when.utc, None);
        assert_eq!(p.records[1].text, "subject two");
        let lines: Vec<Option<u32>> = p.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(3), Some(9), Some(7)]);
        assert_eq!(GitLog.sniff(&SourceFile::new("a.log", "2024-05-01 commit done\n")), 0);
    }

    #[test]
    fn eval_cloudflare_waf_log() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/eval/incidents/cloudflare-2019-07-02/bundle/git/waf-repo-log.txt"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipping: {path} is absent");
            }
            return;
        };
        let f = SourceFile::new("git/waf-repo-log.txt", text);
        assert_eq!(GitLog.sniff(&f), 90);
        let p = parse_file(&f);
        assert_eq!(p.records.len(), 6, "{:?}", p.problems);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        for (gold, time) in [
            (42, "2019-07-02T13:31:07Z"),
            (40, "2019-07-02T13:31:07Z"),
            (7, "2019-07-02T14:24:12Z"),
            (5, "2019-07-02T14:24:12Z"),
        ] {
            let r = p
                .records
                .iter()
                .find(|r| r.span.line <= gold && gold <= r.span.end_line)
                .expect("a record covers the gold line");
            assert_eq!(utc(r), time, "line {gold}");
        }
        let revert = &p.records[0];
        assert_eq!(revert.text, "Merge pull request #2702 from waf/revert-2701");
        assert_eq!(revert.attr("pr"), Some("2702"));
        // The diff's lines are not commits.
        assert_eq!(p.records[3].text, "xss: add rule 100366 for JS inline operator bypasses (simulate)");
        assert_eq!((p.records[3].span.line, p.records[3].span.end_line), (46, 50));
        assert!(p.records.iter().all(|r| quote_in_span(&f, r)));
    }

    /// Every span lies inside the file, whatever the input.
    fn spans_inside(file: &SourceFile, p: &Parsed) -> bool {
        let lines = file.line_count().max(1);
        p.records.iter().all(|r| r.span.line >= 1 && r.span.line <= r.span.end_line && r.span.end_line <= lines)
    }

    proptest::proptest! {
        #[test]
        fn any_log_parses_without_panic(lines in proptest::collection::vec("(commit [0-9a-f]{7,12}|Author: [a-z <>@]{0,12}|Date: [ -~]{0,30}|    [ -~]{0,20}|Merge: a b|)", 0..40)) {
            let file = SourceFile::new("log.txt", lines.join("\n"));
            let p = parse_file(&file);
            proptest::prop_assert!(spans_inside(&file, &p));
        }
    }
}
