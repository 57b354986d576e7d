//! Plain-text deploy logs from CD tools: one line per step, with a time, a service, a
//! version and what happened to the rollout.
//!
//! ```text
//! 2024-10-08 14:36:41 UTC deploy checkout-api v2.31.0 started by ci-bot
//! [14:40:56] argocd: app checkout-api synced to v2.31.0 (Healthy)
//! 2024-10-08T15:18:52Z spinnaker: pipeline "rollback checkout-api" started, target v2.30.4
//! [2024-10-08T15:21:40.112Z] Rolled back checkout-api to 2.30.4 — succeeded
//! 2024-10-08T14:39:01Z info HelmRelease/checkout-api.checkout - Helm upgrade succeeded
//! ```
//!
//! A line opens with a time: ISO 8601 (`T` or space, with or without an offset, `UTC`),
//! bracketed or not, or a clock time alone (`[14:40:56]`, dated by an earlier line of the
//! file, else by the bundle's anchor date). A line with a deploy verb — started, finished,
//! succeeded, failed, rolled back, rollback, promoted, canary, synced… — and a word that
//! names a rollout (deploy, release, rollout, a CD tool's name) is a [`Kind::Change`] with the attributes
//! `service`, `version` and `status` (`started`, `finished`, `failed`, `rolled_back`), as
//! far as the line states them. Other timed lines are [`Kind::Log`] (a [`Kind::Signal`] at
//! error level); untimed lines continue the record before them.
//!
//! Naive times are read in `incident.toml`'s zone, else as UTC with a problem saying so.
//! Only a file where most timed lines speak of deploys is claimed: a build log or an
//! application log with a few deploy lines stays with the log reader.

use std::sync::LazyLock;

use debrief_model::{Actor, Kind, Precision, Problem, Record, SourceFile, Span, When, ZoneBasis};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use regex::Regex;

use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::lines::head_lines as head;
use crate::lines::numbered;
use crate::time::{localize, parse_clock, parse_instant, parse_naive};

pub struct DeployLog;

/// How much of a file `sniff` reads.
const SNIFF_BYTES: usize = 16 * 1024;
/// Timed lines needed before a file can be a deploy log.
const MIN_TIMED: usize = 3;
/// Line problems listed one by one before they are only counted.
const MAX_PROBLEMS: usize = 50;

impl Adapter for DeployLog {
    fn format(&self) -> &'static str {
        "deploy-log"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = head(&file.text, SNIFF_BYTES);
        let first = head.trim_start();
        if first.starts_with('{') || first.starts_with('[') && !first[1..].starts_with(|c: char| c.is_ascii_digit()) {
            return 0;
        }
        let mut timed = 0;
        let mut deploys = 0;
        for (_, line) in numbered(head).take(200) {
            let Some(stamp) = line_time(line) else { continue };
            timed += 1;
            if read_deploy(stamp.rest).is_some() {
                deploys += 1;
            }
        }
        if timed < MIN_TIMED {
            return 0;
        }
        // Most timed lines must speak of deploys.
        if deploys * 10 >= timed * 6 {
            80
        } else if deploys * 10 >= timed * 4 && deploys >= 3 {
            45
        } else {
            0
        }
    }

    /// Clock-only lines (`[14:40:56]`) take their date from the bundle when the file has none.
    fn needs_anchor(&self) -> bool {
        true
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        Reader::new(cx).read(&file.text)
    }
}

/// A line's opening time and the text after it.
#[derive(Debug, Clone, Copy)]
struct Stamp<'l> {
    date: Option<&'l str>,
    clock: &'l str,
    zone: Option<&'l str>,
    /// The time as written.
    raw: &'l str,
    rest: &'l str,
}

static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*\[?(?:(?P<date>\d{4}[-/]\d{2}[-/]\d{2})[T ])?(?P<clock>\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,9})?|\d{1,2}:\d{2}(?:\s?[AaPp][Mm])?)(?P<zone>Z|\s?[+-]\d{2}:?\d{2}|\s(?:UTC|GMT))?\]?(?:\s*[-|:]\s|\s+|$)",
    )
    .expect("valid regex")
});

fn line_time(line: &str) -> Option<Stamp<'_>> {
    let b = line.as_bytes();
    // Cheap refusal: a time opens with a digit, after at most a bracket and blanks.
    let first = b.iter().position(|c| !matches!(c, b' ' | b'\t' | b'['))?;
    if first > 4 || !b.get(first).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let c = TIME.captures(line)?;
    let whole = c.get(0)?;
    let date = c.name("date").map(|m| m.as_str());
    let clock = c.name("clock")?;
    let zone = c.name("zone").map(|m| m.as_str().trim());
    let start = c.name("date").map_or(clock.start(), |m| m.start());
    let end = c.name("zone").map_or(clock.end(), |m| m.end());
    let raw = line.get(start..end)?;
    let rest = line.get(whole.end()..)?.trim();
    Some(Stamp { date, clock: clock.as_str(), zone, raw, rest })
}

/// What a deploy line states.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Deploy {
    status: &'static str,
    service: Option<String>,
    version: Option<String>,
    actor: Option<String>,
}

/// Status words and phrases, each with the status it states.
const STATUS_WORDS: &[(&str, &str)] = &[
    ("rolled back", "rolled_back"),
    ("rolling back", "rolled_back"),
    ("roll back", "rolled_back"),
    ("rollback", "rolled_back"),
    ("rolled-back", "rolled_back"),
    ("reverted", "rolled_back"),
    ("reverting", "rolled_back"),
    ("failed", "failed"),
    ("failure", "failed"),
    ("failing", "failed"),
    ("errored", "failed"),
    ("aborted", "failed"),
    ("degraded", "failed"),
    ("unhealthy", "failed"),
    ("timed out", "failed"),
    ("cancelled", "failed"),
    ("canceled", "failed"),
    ("finished", "finished"),
    ("succeeded", "finished"),
    ("successful", "finished"),
    ("successfully", "finished"),
    ("success", "finished"),
    ("completed", "finished"),
    ("complete", "finished"),
    ("deployed", "finished"),
    ("synced", "finished"),
    ("healthy", "finished"),
    ("promoted", "finished"),
    ("released", "finished"),
    ("rolled out", "finished"),
    ("upgraded", "finished"),
    ("reconciled", "finished"),
    ("done", "finished"),
    ("started", "started"),
    ("starting", "started"),
    ("triggered", "started"),
    ("initiated", "started"),
    ("in progress", "started"),
    ("progressing", "started"),
    ("deploying", "started"),
    ("rolling out", "started"),
    ("syncing", "started"),
    ("promoting", "started"),
    ("queued", "started"),
];

/// Words that say a line is about a rollout (`app`, `version` and `healthy` say too little
/// alone: an application logs them too).
const DEPLOY_WORDS: &[&str] = &[
    "deploy", "deployment", "deploying", "deployed", "release", "released", "rollout", "rollback", "rolled", "canary",
    "pipeline", "argocd", "argo", "flux", "spinnaker", "jenkins", "helm", "helmrelease", "kustomization", "synced",
    "syncing", "promote", "promoted", "promoting",
];

/// Words that are never a service name.
const NOT_SERVICE: &[&str] = &[
    "deploy", "deployment", "deploying", "deployed", "release", "app", "application", "service", "to", "of", "the",
    "a", "an", "for", "from", "by", "on", "in", "at", "with", "version", "image", "revision", "rev", "build",
    "pipeline", "stage", "job", "canary", "production", "prod", "staging", "stage", "dev", "new", "rollout",
    "rollback", "started", "finished", "failed", "succeeded", "sync", "synced", "is", "was", "has", "been", "info",
    "warn", "error", "debug", "argocd", "spinnaker", "jenkins", "flux", "helm", "status", "all", "and", "rolled",
    "rolling", "back", "promoted", "promoting", "execution", "analysis", "health", "check", "step", "target",
];

static VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|[\s@:=(/])(?P<v>v\d+(?:\.\d+){1,3}(?:[-+][0-9A-Za-z.-]+)?|\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)\b|\b(?:revision|rev|sha|commit|tag|version)[\s=:#]+(?P<r>[0-9A-Za-z][\w.-]{0,39})",
    )
    .expect("valid regex")
});
static KEYED_SERVICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(?:service|app|application|svc|component)=["']?(?P<s>[A-Za-z][\w.-]*)"#).expect("valid regex")
});
static KIND_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:helmrelease|kustomization|deployment|application|app|rollout|statefulset)/(?P<s>[A-Za-z][\w-]*)",
    )
    .expect("valid regex")
});
static AFTER_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(?:deploy(?:ing|ed|ment)?|app(?:lication)?|service|release|rollout|roll(?:ed|ing)? back|rollback|canary|promot(?:ed|ing|e)|sync(?:ed|ing)?|upgrade[sd]?)(?:\s+(?:of|for|to))?\s+['"]?(?P<s>[A-Za-z][\w.-]*)"#,
    )
    .expect("valid regex")
});
static BY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:by|user[=:]|author[=:]|triggered by)\s*['"]?(?P<a>[A-Za-z][\w.@-]*(?:\[bot\])?)"#)
        .expect("valid regex")
});

/// Lowercase words of `text` with their byte offsets.
fn words(lower: &str) -> impl Iterator<Item = (usize, &str)> {
    lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .scan(0usize, move |pos, w| {
            let at = *pos;
            *pos += w.len() + 1;
            Some((at, w))
        })
        .filter(|(_, w)| !w.is_empty())
}

/// Any status phrase, at word boundaries; the leftmost wins.
static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    let alternatives: Vec<String> = STATUS_WORDS.iter().map(|(p, _)| regex::escape(p).replace(' ', r"\s+")).collect();
    Regex::new(&format!(r"(?i)\b(?:{})\b", alternatives.join("|"))).expect("valid regex")
});
/// Any deploy word, as a whole word (`deploy-prod` is a name, not the word).
static DEPLOY_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)(?:^|[^A-Za-z0-9_-])(?:{})(?:$|[^A-Za-z0-9_-])", DEPLOY_WORDS.join("|")))
        .expect("valid regex")
});

/// The deploy a line states, if it states one.
fn read_deploy(rest: &str) -> Option<Deploy> {
    if rest.is_empty() {
        return None;
    }
    let status = match STATUS.find(rest) {
        Some(m) => {
            let phrase = m.as_str().split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase();
            STATUS_WORDS.iter().find(|(p, _)| *p == phrase).map_or("started", |&(_, st)| st)
        }
        // `canary` alone says a rollout is under way; any other status word says more.
        None if words(&rest.to_ascii_lowercase()).any(|(_, w)| w == "canary") => "started",
        None => return None,
    };
    if !DEPLOY_WORD.is_match(rest) {
        return None;
    }
    let version = version_in(rest);
    let actor = BY.captures(rest).and_then(|c| c.name("a")).map(|m| m.as_str().to_string());
    Some(Deploy { status, service: service_in(rest, version.as_deref()), version, actor })
}

fn version_in(rest: &str) -> Option<String> {
    VERSION.captures_iter(rest).find_map(|c| {
        let m = c.name("v").or_else(|| c.name("r"))?;
        let v = m.as_str().trim_end_matches(['.', '-']);
        // `rev 57` is a revision number, `tag: prod` a word: keep ones that hold a digit.
        v.bytes().any(|b| b.is_ascii_digit()).then(|| v.to_string())
    })
}

fn is_service(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.len() >= 2
        && !NOT_SERVICE.contains(&lower.as_str())
        && !lower.strip_prefix('v').is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        && !lower.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

fn service_in(rest: &str, version: Option<&str>) -> Option<String> {
    if let Some(c) = KEYED_SERVICE.captures(rest).or_else(|| KIND_NAME.captures(rest)) {
        return c.name("s").map(|m| m.as_str().trim_end_matches(['.', ',']).to_string());
    }
    // `checkout-api v2.31.0`, `checkout-api@2.31.0`, `checkout-api:2.31.0`.
    if let Some(v) = version
        && let Some(at) = rest.find(v)
    {
        let before = rest.get(..at).unwrap_or("").trim_end_matches([' ', '@', ':', '=']);
        let word = before.rsplit([' ', '/', '(', '"', '\'']).next().unwrap_or("");
        if is_service(word) {
            return Some(word.to_string());
        }
    }
    AFTER_WORD.captures_iter(rest).find_map(|c| {
        let s = c.name("s")?.as_str().trim_end_matches(['.', ',', ':']);
        is_service(s).then(|| s.to_string())
    })
}

/// A level word among the first words of a line (`ERROR`, `error`, `[warn]`).
fn level_of(rest: &str) -> Option<&'static str> {
    for w in rest.split_ascii_whitespace().take(3) {
        let w = w.trim_matches(|c: char| !c.is_ascii_alphabetic());
        let level = match w.to_ascii_lowercase().as_str() {
            "error" | "err" => "error",
            "fatal" | "crit" | "critical" => "fatal",
            "warn" | "warning" => "warn",
            "info" | "notice" => "info",
            "debug" | "trace" => "debug",
            _ => continue,
        };
        return Some(level);
    }
    None
}

fn is_bot(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    ["bot", "ci", "jenkins", "argocd", "flux", "spinnaker", "automation", "pipeline", "deployer", "system"]
        .iter()
        .any(|b| l == *b || l.contains(&format!("{b}-")) || l.contains(&format!("-{b}")) || l.contains("[bot]"))
}

struct Reader<'a> {
    cx: &'a Context<'a>,
    out: Parsed,
    /// The date of the latest fully dated line, for clock-only lines.
    date: Option<Date>,
    last: Option<DateTime>,
    said_assumed: bool,
    said_undated: bool,
    problems: usize,
}

impl<'a> Reader<'a> {
    fn new(cx: &'a Context<'a>) -> Self {
        Self {
            cx,
            out: Parsed::default(),
            date: None,
            last: None,
            said_assumed: false,
            said_undated: false,
            problems: 0,
        }
    }

    fn problem(&mut self, line: u32, message: impl Into<String>) {
        self.problems += 1;
        if self.problems <= MAX_PROBLEMS {
            self.out.problems.push(Problem::at(line, message));
        } else if self.problems == MAX_PROBLEMS + 1 {
            self.out.problems.push(Problem::at(line, "more problems like the above — no longer listed"));
        }
    }

    fn read(mut self, text: &str) -> Parsed {
        // A date stated before the first dated line (`Deploy log 2024-10-08`) dates clock times.
        self.date = first_date(text);
        let mut seen_time = false;
        for (n, line) in numbered(text) {
            if line.trim().is_empty() {
                continue;
            }
            let Some(stamp) = line_time(line) else {
                // A continuation: it extends the record before it.
                if let Some(r) = self.out.records.last_mut() {
                    r.span.end_line = n;
                } else if seen_time {
                    self.problem(n, "line without a time — skipped");
                }
                continue;
            };
            seen_time = true;
            let when = self.when(n, &stamp);
            let text = if stamp.rest.is_empty() { stamp.raw } else { stamp.rest };
            let span = Span::line(self.cx.source, n);
            let record = match read_deploy(stamp.rest) {
                Some(d) => self.change(span, when, text, d),
                None => {
                    let level = level_of(stamp.rest);
                    let kind = if matches!(level, Some("error" | "fatal")) { Kind::Signal } else { Kind::Log };
                    let mut r = Record::new(span, when, kind, text);
                    if let Some(l) = level {
                        r = r.with_attr("level", l);
                    }
                    r
                }
            };
            self.out.records.push(record);
        }
        if self.out.records.is_empty() {
            self.out.problems.push(Problem::whole("expected deploy log lines that open with a time"));
        }
        self.out
    }

    fn change(&mut self, span: Span, when: When, text: &str, d: Deploy) -> Record {
        let what = match (&d.service, &d.version) {
            (Some(s), Some(v)) => format!("{s} {v}"),
            (Some(s), None) => s.clone(),
            (None, Some(v)) => v.clone(),
            (None, None) => String::new(),
        };
        let summary = match d.status {
            "rolled_back" => match (&d.service, &d.version) {
                (Some(s), Some(v)) => format!("{s} rolled back to {v}"),
                _ if what.is_empty() => "Rollback".to_string(),
                _ => format!("Rollback of {what}"),
            },
            st => {
                if what.is_empty() {
                    format!("Deploy {st}")
                } else {
                    format!("Deploy of {what} {st}")
                }
            }
        };
        let mut r = Record::new(span, when, Kind::Change, text).with_summary(summary).with_attr("status", d.status);
        if let Some(s) = d.service {
            r = r.with_attr("service", s);
        }
        if let Some(v) = d.version {
            r = r.with_attr("version", v);
        }
        if let Some(l) = level_of(text) {
            r = r.with_attr("level", l);
        }
        if let Some(a) = d.actor {
            let actor = if is_bot(&a) { Actor::bot(a.clone()) } else { Actor::person(a.clone()) };
            if !actor.bot && !self.out.people.iter().any(|p| p.name == a) {
                self.out.people.push(Person { name: a, ..Person::default() });
            }
            r = r.with_actor(actor);
        }
        r
    }

    fn when(&mut self, line: u32, s: &Stamp<'_>) -> When {
        if s.zone.is_some()
            && let Some(date) = s.date
            && let Some(t) =
                parse_instant(s.raw).or_else(|| parse_instant(&format!("{date}T{}{}", s.clock, zone_text(s))))
        {
            self.date = Some(TimeZone::UTC.to_datetime(t).date());
            return When::exact(t).with_original(s.raw);
        }
        let naive = match s.date {
            Some(date) => parse_naive(&format!("{date} {}", s.clock)),
            None => {
                let Some(clock) = parse_clock(s.clock) else {
                    self.problem(line, format!("{:?} is not a time — the line's time is unknown", s.raw));
                    return When::unknown();
                };
                let date = self.date.or(self.cx.anchor_date);
                let Some(mut date) = date else {
                    if !self.said_undated {
                        self.said_undated = true;
                        self.problem(line, "times without a date, and neither the file nor the bundle gives one — their time is unknown");
                    }
                    return When::unknown().with_original(s.raw);
                };
                // Past midnight the date moves on.
                if let Some(last) = self.last
                    && last.date() == date
                    && clock < last.time()
                    && last.time().duration_since(clock).as_hours() >= 12
                    && let Ok(next) = date.tomorrow()
                {
                    date = next;
                    self.date = Some(next);
                }
                Some(date.to_datetime(clock))
            }
        };
        let Some(naive) = naive else {
            self.problem(line, format!("{:?} is not a time — the line's time is unknown", s.raw));
            return When::unknown();
        };
        if let Some(zone) = s.zone {
            // An offset without a date cannot be an instant; read it as the offset says.
            if let Some(t) = zone_offset(zone).and_then(|o| o.to_timestamp(naive).ok()) {
                self.last = Some(naive);
                return When::exact(t).with_original(s.raw);
            }
        }
        if s.date.is_some() {
            self.date = Some(naive.date());
        }
        self.last = Some(naive);
        let (zone, tz, basis) = crate::time::zone_or_utc(self.cx.zone);
        let Some(local) = localize(naive, &tz) else { return When::unknown() };
        if let Some(p) = local.problem(&zone) {
            self.problem(line, p);
        }
        let assumed = matches!(basis, ZoneBasis::Assumed(_));
        if assumed && !self.said_assumed {
            self.said_assumed = true;
            self.out.problems.push(Problem::at(
                line,
                "times in this deploy log carry no zone and incident.toml sets none: read as UTC (assumed); set \
                 `timezone` in incident.toml",
            ));
        }
        let precision = if assumed {
            Precision::Inferred
        } else if s.clock.matches(':').count() >= 2 {
            Precision::Exact
        } else {
            Precision::Minute
        };
        When::exact(local.timestamp()).with_original(s.raw).with_precision(precision).with_basis(basis)
    }
}

fn zone_text<'s>(s: &Stamp<'s>) -> &'s str {
    match s.zone {
        Some(z) if z.eq_ignore_ascii_case("utc") || z.eq_ignore_ascii_case("gmt") => "Z",
        Some(z) => z,
        None => "",
    }
}

fn zone_offset(z: &str) -> Option<jiff::tz::Offset> {
    let z = z.trim();
    if z == "Z" || z.eq_ignore_ascii_case("utc") || z.eq_ignore_ascii_case("gmt") {
        return Some(jiff::tz::Offset::UTC);
    }
    let sign = match z.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = z.chars().filter(char::is_ascii_digit).collect();
    let h: i32 = digits.get(..2)?.parse().ok()?;
    let m: i32 = digits.get(2..4).unwrap_or("0").parse().ok()?;
    jiff::tz::Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()
}

static DATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b(?P<d>\d{4}-\d{2}-\d{2})\b").expect("valid regex"));

/// The first date written in the file's first lines.
fn first_date(text: &str) -> Option<Date> {
    numbered(head(text, 4096)).take(20).find_map(|(_, l)| DATE.captures(l)?.name("d")?.as_str().parse().ok())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::journald::testkit::{assert_quotable, at, detected, parse, parse_with, sniff, spans};
    use super::*;

    const MIXED: &str = include_str!("../../tests/fixtures/deploy-log/checkout-cd.log");
    const ARGO: &str = include_str!("../../tests/fixtures/deploy-log/argocd-clock-only.log");

    #[test]
    fn lines_of_several_cd_tools() {
        type Row<'r> = (u32, Kind, Option<&'r str>, Option<&'r str>, Option<&'r str>);
        assert_eq!(sniff(&DeployLog, "cd.log", MIXED), 80);
        assert_eq!(detected("cd.log", MIXED), Some("deploy-log"));
        let p = parse(&DeployLog, "cd.log", MIXED);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let got: Vec<Row<'_>> = p
            .records
            .iter()
            .map(|r| (r.span.line, r.kind, r.attr("service"), r.attr("version"), r.attr("status")))
            .collect();
        assert_eq!(
            got,
            [
                (1, Kind::Change, Some("checkout-api"), Some("v2.31.0"), Some("started")),
                (2, Kind::Change, Some("checkout-api"), Some("2.31.0"), Some("started")),
                (3, Kind::Change, Some("checkout-api"), Some("v2.31.0"), Some("finished")),
                (4, Kind::Change, Some("checkout-api"), Some("2.31.0"), Some("finished")),
                (5, Kind::Log, None, None, None),
                (6, Kind::Change, Some("checkout-api"), Some("v2.31.0"), Some("finished")),
                (7, Kind::Change, Some("checkout-api"), Some("v2.30.4"), Some("rolled_back")),
                (9, Kind::Change, Some("checkout-api"), Some("2.30.4"), Some("rolled_back")),
                (10, Kind::Change, Some("payments-worker"), Some("v1.8.2"), Some("failed")),
                (11, Kind::Signal, None, None, None),
            ]
        );
        let first = &p.records[0];
        assert_eq!(first.text, "deploy checkout-api v2.31.0 started by ci-bot");
        assert_eq!(at(first), "2024-10-08T14:36:41Z");
        assert_eq!(first.when.basis, ZoneBasis::Explicit);
        assert_eq!(first.summary.as_deref(), Some("Deploy of checkout-api v2.31.0 started"));
        assert_eq!(first.actor.as_ref().map(|a| (a.name.as_str(), a.bot)), Some(("ci-bot", true)));
        // The Spinnaker stage line is followed by an indented detail line it spans.
        assert_eq!(spans(&p)[6], (7, 8));
        assert_eq!(p.records[6].summary.as_deref(), Some("checkout-api rolled back to v2.30.4"));
        assert_eq!(p.records[6].actor.as_ref().map(|a| (a.name.as_str(), a.bot)), Some(("tomasz.wrobel", false)));
        assert_eq!(p.people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["tomasz.wrobel"]);
        assert_eq!(at(&p.records[8]), "2024-10-08T15:30:02.25Z");
        assert_eq!(p.records[9].attr("level"), Some("error"));
        assert_quotable(MIXED, &p.records);
    }

    #[test]
    fn clock_only_lines_take_the_files_date_and_the_incident_zone() {
        assert_eq!(sniff(&DeployLog, "argo.log", ARGO), 80);
        let p = parse_with(&DeployLog, "argo.log", ARGO, Some("America/Chicago"), None);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.records.len(), 5);
        let synced = &p.records[2];
        assert_eq!(synced.text, "argocd: app checkout-api synced to v2.31.0 (Healthy)");
        assert_eq!(at(synced), "2024-10-08T19:40:56Z");
        assert_eq!(synced.when.basis, ZoneBasis::IncidentToml("America/Chicago".into()));
        assert_eq!(synced.when.precision, Precision::Exact);
        assert_eq!(synced.attr("status"), Some("finished"));
        // Past midnight the date moves on.
        assert_eq!(at(&p.records[4]), "2024-10-09T05:02:10Z");
        assert_eq!(p.records[4].attr("status"), Some("failed"));
        assert_quotable(ARGO, &p.records);

        // No date in the file nor the bundle: unknown times, said once.
        let undated: String = ARGO.lines().skip(1).flat_map(|l| [l, "\n"]).collect();
        let p = parse(&DeployLog, "argo.log", &undated);
        assert!(p.records.iter().all(|r| r.when.utc.is_none()));
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        // With the bundle's anchor date and no zone: UTC, assumed, said once.
        let anchor = "2024-10-08".parse().ok();
        let p = parse_with(&DeployLog, "argo.log", &undated, None, anchor);
        assert_eq!(at(&p.records[2]), "2024-10-08T14:40:56Z");
        assert_eq!(p.problems.len(), 1);
        assert!(p.problems[0].message.contains("assumed"));
    }

    #[test]
    fn application_and_build_logs_are_not_deploy_logs() {
        let app = "2024-10-08T14:42:04Z INFO request served path=/api/v1/cart status=200\n\
                   2024-10-08T14:42:05Z ERROR checkout failed: pool exhausted\n\
                   2024-10-08T14:42:06Z INFO started worker 3\n\
                   2024-10-08T14:42:07Z INFO request served path=/api/v1/cart status=200\n";
        assert_eq!(sniff(&DeployLog, "app.log", app), 0);
        assert_eq!(detected("app.log", app), Some("log-lines"));
        let build = "2024-10-08T14:36:45Z Requested labels: linux\n\
                     2024-10-08T14:36:46Z Job is about to start running on the runner\n\
                     2024-10-08T14:36:48Z Runner name: 'deploy-prod-runner-02'\n\
                     2024-10-08T14:36:49Z Complete job name: deploy (production)\n\
                     2024-10-08T14:36:50Z HEAD is now at a41c9e2 Release v2.31.0\n\
                     2024-10-08T14:40:56Z deployment \"checkout-api\" successfully rolled out\n";
        assert_eq!(sniff(&DeployLog, "build.log", build), 0);
        assert_eq!(sniff(&DeployLog, "x.json", "{\"deploy\": \"started\"}"), 0);
        let promoted = read_deploy("promoted checkout-api to stable").unwrap_or_default();
        assert_eq!((promoted.status, promoted.service.as_deref()), ("finished", Some("checkout-api")));
        let canary = read_deploy("canary checkout-api v2.31.0 at 10% traffic").unwrap_or_default();
        assert_eq!((canary.status, canary.version.as_deref()), ("started", Some("v2.31.0")));
        assert_eq!(read_deploy("the build started"), None, "no deploy word");
        assert_eq!(read_deploy("app checkout-api ready at v2.0.0 (Healthy)"), None, "an application's words");
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn eval_ci_logs_stay_with_the_log_reader() {
        for rel in [
            "eval/incidents/checkout-timeouts/bundle/github/actions/deploy-11237402214.log",
            "eval/incidents/checkout-timeouts/bundle/github/actions/deploy-11237719925.log",
            "eval/incidents/cloudflare-2019-07-02/bundle/ci/teamcity-waf-managed-rules-4211.log",
            "eval/incidents/cloudflare-2019-07-02/bundle/ci/waf-rules-deployer.log",
        ] {
            let Some(path) = super::super::journald::testkit::shared(rel) else {
                eprintln!("skipping: {rel} is absent");
                return;
            };
            let text = std::fs::read_to_string(path).unwrap_or_default();
            assert_eq!(sniff(&DeployLog, rel, &text), 0, "{rel}");
        }
    }

    proptest! {
        #[test]
        fn any_line_parses_inside_the_file(lines in proptest::collection::vec("(\\[?[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?\\]? )?[ -~]{0,60}", 0..20)) {
            let text = lines.join("\n");
            let p = parse(&DeployLog, "d.log", &text);
            let count = SourceFile::new("d.log", text.clone()).line_count();
            for r in &p.records {
                prop_assert!(r.span.line >= 1 && r.span.line <= r.span.end_line && r.span.end_line <= count);
            }
        }
    }
}
