//! Chat transcripts pasted as text.
//!
//! [`ChatTranscript`] (`chat-transcript`) reads what people get when they select a Slack
//! channel and paste it into a file:
//!
//! ```text
//! Tuesday, October 8th
//! Dana Whitfield  10:02 AM
//! checkout error rate is spiking
//! 10:03
//! anyone deploying?
//! Priya Raman [10:04 AM]
//! we shipped v2.31.0 at 9:36
//! ```
//!
//! A header is a name then a time, on one line (`Dana Whitfield  10:02 AM`,
//! `Dana Whitfield [10:02 AM]`) or on two; a line holding only a time (`10:03`) starts a
//! further message by the same person. Also the IRC-like `[10:02] dana: text`,
//! `[10:02] <dana> text` and `10:02 <dana> text`. Each message is one [`Kind::Message`]
//! record (joins and topic changes [`Kind::System`]) spanning its lines, quoting its first
//! line, by the header's name.
//!
//! Times carry no date and no zone. The date comes from a separator line (`Tuesday,
//! October 8th`, `October 8th, 2024`, `2024-10-08`, `Today`) read against the bundle's
//! anchor date, else from the anchor date itself; past midnight the date moves on. The zone
//! is `incident.toml`'s, else one the text states (`all times PT`), else UTC, assumed, with
//! a problem saying so.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use debrief_model::{Actor, Kind, Precision, Problem, Record, SourceFile, Span, When, ZoneBasis};
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use regex::{Captures, Regex};

use super::slack::head;
use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::lines::numbered;
use crate::time::{localize, zone_named};

/// How much of a file `sniff` looks at.
const SNIFF_BYTES: usize = 8 * 1024;
/// How many name-and-time headers make a transcript.
const MIN_HEADERS: usize = 3;

pub struct ChatTranscript;

impl Adapter for ChatTranscript {
    fn format(&self) -> &'static str {
        "chat-transcript"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = head(&file.text, SNIFF_BYTES);
        let lines: Vec<&str> = head.lines().map(|l| l.trim_end_matches('\r')).collect();
        let nonblank = lines.iter().filter(|l| !l.trim().is_empty()).count();
        let mut headers = 0;
        let mut names: HashSet<String> = HashSet::new();
        let mut angle = 0;
        let mut colon = 0;
        for (i, line) in lines.iter().enumerate() {
            if let Some(h) = inline_header(line, &HashSet::new()) {
                headers += 1;
                names.insert(h.name);
            } else if let Some(next) = lines.get(i + 1)
                && let Some(t) = time_line(next)
                && let Some((name, _)) = two_line_name(line, t, &HashSet::new())
            {
                headers += 1;
                names.insert(name);
            } else if let Some(c) = IRC.captures(line) {
                if c.name("angle").is_some() { angle += 1 } else { colon += 1 }
            }
        }
        if headers >= MIN_HEADERS {
            return if names.len() >= 2 { 75 } else { 55 };
        }
        let irc = angle + colon;
        if irc >= MIN_HEADERS && irc * 10 >= nonblank * 5 {
            return if angle * 2 >= irc { 70 } else { 55 };
        }
        0
    }

    fn needs_anchor(&self) -> bool {
        true
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        Reader::new(file, cx).read()
    }
}

const MONTHS: [&str; 12] = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december",
];

/// `Dana Whitfield  10:02 AM`, `Dana Whitfield [10:02 AM]`, `Dana Whitfield 10:02 AM`.
static INLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<name>[^\s\[\]<>].*?)(?P<sep>\s{2,}|\s*\[|\s+)(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp]\.?[Mm]\.?)?)\]?\s*$")
        .expect("valid regex")
});
/// A line holding only a time: `10:03`, `[10:03 AM]`.
static TIME_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*\[?(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp]\.?[Mm]\.?)?)\]?\s*$").expect("valid regex")
});
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\s?(?:(?P<ap>[AaPp])\.?[Mm]\.?)?$").expect("valid regex")
});
/// `[10:02] dana: text`, `[10:02] <dana> text`, `10:02 <dana> text`, with an optional date.
static IRC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\[(?:(?P<date1>\d{4}-\d{2}-\d{2})[ T])?(?P<time1>\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp][Mm])?)\]\s+(?:<(?P<angle>[^<>\s][^<>]{0,39})>|(?P<colon>[^\s:<>\[\]][^:<>\[\]]{0,39}?):)|(?:(?P<date2>\d{4}-\d{2}-\d{2})[ T])?(?P<time2>\d{1,2}:\d{2}(?::\d{2})?)\s+<(?P<angle2>[^<>\s][^<>]{0,39})>)\s+(?P<text>\S.*?)\s*$",
    )
    .expect("valid regex")
});
/// Slack's day dividers: `Today`, `Yesterday`, `Tuesday, October 8th`, `October 8th, 2024`.
static DATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^[\s\-–—]*(?:(?P<rel>today|yesterday)|(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?|(?P<iso>\d{4}-\d{2}-\d{2}))[\s\-–—]*$",
    )
    .expect("valid regex")
});
/// `all times PT`, `times in UTC`, `(times are ET)`.
static ZONE_STATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:all\s+)?times?\s+(?:are\s+|shown\s+)?(?:in\s+)?\(?(?P<zone>[A-Za-z][A-Za-z_/]{1,30})\)?")
        .expect("valid regex")
});
/// Lines Slack adds around messages that are not what anyone said.
static NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(\(edited\)|\d+ repl(y|ies).*|view thread|last reply.*|show more|new|new messages|also sent to the channel|replied to a thread:?.*|:[a-z0-9_+\-]+:(\s*\d+)?|\d+)$")
        .expect("valid regex")
});
/// Housekeeping messages.
static SYSTEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:has\s+)?(?:joined|left)\s+(?:#\S+|the channel)|^set the channel (?:topic|description|purpose)|^renamed the channel|^was added to #|^added .* to (?:#\S+|the channel)|^changed the channel")
        .expect("valid regex")
});
/// `:palm_tree:` status emoji after a name.
static EMOJI: LazyLock<Regex> = LazyLock::new(|| Regex::new(r":[a-z0-9_+\-]+:").expect("valid regex"));

/// A time as written.
#[derive(Debug, Clone, Copy)]
struct Clock {
    hour: i8,
    minute: i8,
    second: Option<i8>,
    /// `Some(true)` for PM, `Some(false)` for AM, `None` for a 24-hour or bare time.
    pm: Option<bool>,
}

fn clock(s: &str) -> Option<Clock> {
    let c = TIME.captures(s.trim())?;
    let hour: i8 = c.name("h")?.as_str().parse().ok()?;
    let minute: i8 = c.name("m")?.as_str().parse().ok()?;
    let second = c.name("s").and_then(|m| m.as_str().parse().ok());
    let pm = c.name("ap").map(|m| m.as_str().eq_ignore_ascii_case("p"));
    let valid =
        minute < 60 && second.is_none_or(|s| s < 60) && if pm.is_some() { (1..=12).contains(&hour) } else { hour < 24 };
    valid.then_some(Clock { hour, minute, second, pm })
}

fn time_line(line: &str) -> Option<Clock> {
    TIME_LINE.captures(line).and_then(|c| c.name("time")).and_then(|m| clock(m.as_str()))
}

/// A header's name and whether it names a bot (`PagerDuty APP`), when `s` looks like a
/// name: one to five words of letters, digits and `.-_'`, starting with a letter. `strict`
/// also wants each word capitalised (or a single handle).
fn name_like(s: &str, strict: bool) -> Option<(String, bool)> {
    let s = EMOJI.replace_all(s.trim(), "");
    let mut s = s.trim();
    let mut bot = false;
    for suffix in [" APP", " BOT", " [bot]", " (bot)"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.trim_end();
            bot = true;
        }
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.is_empty() || words.len() > 5 || s.chars().count() > 60 {
        return None;
    }
    let ok_char = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '\'' | '’' | ' ');
    if !s.chars().next().is_some_and(char::is_alphabetic) || !s.chars().all(ok_char) || s.ends_with('.') {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    if DATE_LINE.is_match(s) || MONTHS.iter().any(|m| lower == *m) {
        return None;
    }
    if strict && words.len() > 1 && !words.iter().all(|w| w.chars().next().is_some_and(char::is_uppercase)) {
        return None;
    }
    Some((s.to_string(), bot))
}

/// The name of a header written over its time (`Dana Whitfield` then `10:02 AM`): a name
/// already seen in a one-line header, or a capitalised name of two words or more over a
/// 12-hour time. A short line over a bare time is a message followed by a continuation.
fn two_line_name(line: &str, time: Clock, known: &HashSet<String>) -> Option<(String, bool)> {
    let (name, bot) = name_like(line, false)?;
    if known.contains(&name) {
        return Some((name, bot));
    }
    let (strict, _) = name_like(line, true)?;
    (time.pm.is_some() && strict.split_whitespace().count() >= 2).then_some((name, bot))
}

/// A one-line header.
struct Header {
    name: String,
    bot: bool,
    time: Clock,
    raw_time: String,
}

fn inline_header(line: &str, known: &HashSet<String>) -> Option<Header> {
    let c = INLINE.captures(line.trim_end())?;
    let sep = c.name("sep")?.as_str();
    let raw_time = c.name("time")?.as_str();
    let time = clock(raw_time)?;
    let raw_name = c.name("name")?.as_str();
    // One blank between name and time reads like prose ("deployed at 10:02"): only a
    // capitalised name with a 12-hour time, or a name already seen, counts.
    let loose = sep.len() >= 2 || sep.contains('[');
    let (name, bot) = name_like(raw_name, !loose)?;
    if !loose && time.pm.is_none() && !known.contains(&name) {
        return None;
    }
    Some(Header { name, bot, time, raw_time: raw_time.to_string() })
}

/// A message being read.
struct Message {
    name: String,
    bot: bool,
    time: Option<Clock>,
    raw_time: String,
    /// An IRC line's text, on the header line itself.
    inline_text: Option<String>,
    /// A date written on the line (IRC with a date).
    date: Option<Date>,
    start: u32,
    end: u32,
    lines: Vec<(u32, String)>,
}

struct Reader<'a, 'c> {
    file: &'a SourceFile,
    cx: &'c Context<'c>,
    out: Parsed,
    /// The date of the day divider in force.
    date: Option<Date>,
    /// Whether the date came from a divider (else the anchor).
    last: Option<DateTime>,
    /// The clock of the last header (12-hour or not), for bare continuation times.
    twelve_hour: bool,
    zone: Option<(String, TimeZone, ZoneBasis)>,
    said_assumed: bool,
    said_undated: bool,
    people: HashMap<String, usize>,
}

impl<'a, 'c> Reader<'a, 'c> {
    fn new(file: &'a SourceFile, cx: &'c Context<'c>) -> Self {
        Self {
            file,
            cx,
            out: Parsed::default(),
            date: None,
            last: None,
            twelve_hour: false,
            zone: None,
            said_assumed: false,
            said_undated: false,
            people: HashMap::new(),
        }
    }

    fn read(mut self) -> Parsed {
        let lines: Vec<(u32, &str)> = numbered(&self.file.text).collect();
        self.zone = Some(self.zone_for(&lines));
        let known = Self::known_names(&lines);
        let mut current: Option<Message> = None;
        let mut i = 0;
        while i < lines.len() {
            let (n, line) = lines[i];
            let trimmed = line.trim();
            if trimmed.is_empty() {
                i += 1;
                continue;
            }
            if let Some(c) = DATE_LINE.captures(trimmed) {
                self.finish(current.take());
                self.divider(&c, n);
                i += 1;
                continue;
            }
            if let Some(h) = inline_header(line, &known) {
                self.finish(current.take());
                current = Some(Self::start(h.name, h.bot, Some(h.time), h.raw_time, n));
                i += 1;
                continue;
            }
            if let Some(&(next_n, next)) = lines.get(i + 1)
                && let Some(t) = time_line(next)
                && let Some((name, bot)) = two_line_name(line, t, &known)
            {
                self.finish(current.take());
                let raw = TIME_LINE.captures(next).and_then(|c| c.name("time")).map_or("", |m| m.as_str()).to_string();
                let mut m = Self::start(name, bot, Some(t), raw, n);
                m.end = next_n;
                current = Some(m);
                i += 2;
                continue;
            }
            if let Some(t) = time_line(line)
                && let Some(prev) = &current
            {
                let (name, bot) = (prev.name.clone(), prev.bot);
                self.finish(current.take());
                let raw = TIME_LINE.captures(line).and_then(|c| c.name("time")).map_or("", |m| m.as_str()).to_string();
                current = Some(Self::start(name, bot, Some(t), raw, n));
                i += 1;
                continue;
            }
            if let Some(c) = IRC.captures(line) {
                self.finish(current.take());
                current = self.irc(&c, n);
                i += 1;
                continue;
            }
            if let Some(m) = current.as_mut() {
                m.end = n;
                m.lines.push((n, trimmed.to_string()));
            }
            i += 1;
        }
        self.finish(current.take());
        self.out
    }

    /// Names written as headers on one line.
    fn known_names(lines: &[(u32, &str)]) -> HashSet<String> {
        let none = HashSet::new();
        lines.iter().filter_map(|(_, line)| inline_header(line, &none)).map(|h| h.name).collect()
    }

    /// The zone times are read in: incident.toml's, else one the text states, else UTC.
    fn zone_for(&mut self, lines: &[(u32, &str)]) -> (String, TimeZone, ZoneBasis) {
        if let Some((name, tz)) = self.cx.zone {
            return (name.to_string(), tz.clone(), ZoneBasis::IncidentToml(name.to_string()));
        }
        for (_, line) in lines.iter().take(400) {
            for c in ZONE_STATED.captures_iter(line) {
                if let Some(z) = c.name("zone")
                    && let Some((iana, tz)) = zone_named(z.as_str())
                {
                    self.out.stated_zone = Some(iana.clone());
                    return (iana.clone(), tz, ZoneBasis::StatedInSource(iana));
                }
            }
        }
        ("UTC".to_string(), TimeZone::UTC, ZoneBasis::Assumed("UTC".to_string()))
    }

    fn divider(&mut self, c: &Captures<'_>, line: u32) {
        let anchor = self.cx.anchor_date;
        let date = if let Some(rel) = c.name("rel") {
            match rel.as_str().to_ascii_lowercase().as_str() {
                "today" => anchor,
                _ => anchor.and_then(|a| a.yesterday().ok()),
            }
        } else if let Some(iso) = c.name("iso") {
            iso.as_str().parse::<Date>().ok()
        } else {
            let month = c.name("month").map(|m| m.as_str().to_ascii_lowercase()).and_then(|m| {
                MONTHS.iter().position(|full| full.starts_with(&m[..m.len().min(3)])).map(|i| i as i8 + 1)
            });
            let day = c.name("day").and_then(|d| d.as_str().parse::<i8>().ok());
            let year = c.name("year").and_then(|y| y.as_str().parse::<i16>().ok());
            match (month, day, year, anchor) {
                (Some(m), Some(d), Some(y), _) => Date::new(y, m, d).ok(),
                (Some(m), Some(d), None, Some(a)) => nearest_year(a, m, d),
                _ => None,
            }
        };
        if date.is_none() {
            self.out.problems.push(Problem::at(
                line,
                "day divider without a year, and no other source gives the incident's date — the times after it have no date",
            ));
        }
        self.date = date;
        self.last = None;
    }

    fn start(name: String, bot: bool, time: Option<Clock>, raw_time: String, line: u32) -> Message {
        Message { name, bot, time, raw_time, inline_text: None, date: None, start: line, end: line, lines: Vec::new() }
    }

    fn irc(&mut self, c: &Captures<'_>, line: u32) -> Option<Message> {
        let raw_time = c.name("time1").or(c.name("time2"))?.as_str().to_string();
        let time = clock(&raw_time)?;
        let name = c.name("angle").or(c.name("colon")).or(c.name("angle2"))?.as_str().trim().to_string();
        let date = c.name("date1").or(c.name("date2")).and_then(|d| d.as_str().parse::<Date>().ok());
        if date.is_some() {
            // Undated lines after it are on the same day.
            self.date = date;
        }
        let text = c.name("text")?.as_str().to_string();
        let bot = name.ends_with("bot") || name.ends_with("[bot]");
        Some(Message {
            name,
            bot,
            time: Some(time),
            raw_time,
            inline_text: Some(text),
            date,
            start: line,
            end: line,
            lines: Vec::new(),
        })
    }

    /// The record of a finished message.
    fn finish(&mut self, msg: Option<Message>) {
        let Some(msg) = msg else { return };
        let text = msg.inline_text.clone().or_else(|| {
            msg.lines.iter().map(|(_, l)| l.as_str()).find(|l| !NOISE.is_match(l)).map(|l| {
                let l = l.strip_suffix("(edited)").unwrap_or(l).trim_end();
                l.to_string()
            })
        });
        let Some(text) = text.filter(|t| !t.is_empty()) else { return };
        let when = self.when(&msg);
        let kind = if SYSTEM.is_match(&text) { Kind::System } else { Kind::Message };
        let actor = if msg.bot { Actor::bot(msg.name.as_str()) } else { Actor::person(msg.name.as_str()) };
        if !self.people.contains_key(&msg.name) {
            self.people.insert(msg.name.clone(), self.out.people.len());
            self.out.people.push(Person { name: msg.name.clone(), bot: msg.bot, ..Person::default() });
        }
        let rec = Record::new(Span::lines(self.cx.source, msg.start, msg.end), when, kind, text).with_actor(actor);
        self.out.records.push(rec);
    }

    fn when(&mut self, msg: &Message) -> When {
        let Some(clock) = msg.time else { return When::unknown() };
        if clock.pm.is_some() {
            self.twelve_hour = true;
        }
        let hour = match clock.pm {
            Some(true) => clock.hour % 12 + 12,
            Some(false) => clock.hour % 12,
            // A bare `10:03` after `10:02 PM` is on the same 12-hour clock.
            None if self.twelve_hour && clock.hour <= 12 => {
                let prev = self.last.map(DateTime::time);
                let am = clock.hour % 12;
                match prev {
                    Some(p) if p.hour() >= 12 && (am + 12) >= p.hour() => am + 12,
                    _ => am,
                }
            }
            None => clock.hour,
        };
        let Ok(time) = Time::new(hour, clock.minute, clock.second.unwrap_or(0), 0) else {
            return When::unknown().with_original(msg.raw_time.as_str());
        };
        let Some(mut date) = msg.date.or(self.date).or(self.cx.anchor_date) else {
            if !self.said_undated {
                self.said_undated = true;
                self.out.problems.push(Problem::at(
                    msg.start,
                    "times in this transcript have no date (no dated day divider, and no other source gives the incident's \
                     date) — they are kept in order without a time",
                ));
            }
            return When::unknown().with_original(msg.raw_time.as_str());
        };
        // Past midnight without a divider: the next day.
        if let Some(last) = self.last
            && msg.date.is_none()
            && last.date() == date
            && time < last.time()
            && last.time().since(time).is_ok_and(|d| d.get_hours() >= 6)
            && let Ok(next) = date.tomorrow()
        {
            date = next;
            self.date = Some(next);
        }
        let dt = DateTime::from_parts(date, time);
        self.last = Some(dt);
        let Some((zone_name, tz, basis)) = self.zone.clone() else { return When::unknown() };
        let Some(local) = localize(dt, &tz) else {
            return When::unknown().with_original(msg.raw_time.as_str());
        };
        if let Some(p) = local.problem(&zone_name) {
            self.out.problems.push(Problem::at(msg.start, p));
        }
        let assumed = matches!(basis, ZoneBasis::Assumed(_));
        if assumed && !self.said_assumed {
            self.said_assumed = true;
            self.out.problems.push(Problem::at(
                msg.start,
                "times in this transcript carry no zone, the text states none and incident.toml sets none: read as \
                 UTC (assumed); set `timezone` in incident.toml",
            ));
        }
        let precision = if assumed {
            Precision::Inferred
        } else if clock.second.is_some() {
            Precision::Exact
        } else {
            Precision::Minute
        };
        When::exact(local.timestamp()).with_original(msg.raw_time.as_str()).with_precision(precision).with_basis(basis)
    }
}

/// `month`/`day` in the year that puts it nearest `anchor`.
fn nearest_year(anchor: Date, month: i8, day: i8) -> Option<Date> {
    let candidates = [anchor.year() - 1, anchor.year(), anchor.year() + 1];
    candidates
        .iter()
        .filter_map(|&y| Date::new(y, month, day).ok())
        .min_by_key(|d| anchor.since(*d).map_or(i32::MAX, |s| s.get_days().abs()))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::super::journald::testkit::{
        assert_quotable, at, claimed_in_shared, detected, parse, parse_with, sniff, spans,
    };
    use super::*;

    const SLACK: &str = include_str!("../../tests/fixtures/chat-transcript/slack-paste.txt");
    const TWO_LINE: &str = include_str!("../../tests/fixtures/chat-transcript/slack-paste-two-line.txt");
    const IRC_LOG: &str = include_str!("../../tests/fixtures/chat-transcript/irc.log");
    const NOTES: &str = include_str!("../../tests/fixtures/chat-transcript/notes-not-a-transcript.md");

    const ANCHOR: Option<Date> = Some(date(2024, 10, 8));

    #[test]
    fn sniff_wants_several_headers() {
        assert_eq!(sniff(&ChatTranscript, "paste.txt", SLACK), 75);
        assert_eq!(sniff(&ChatTranscript, "paste.txt", TWO_LINE), 75);
        assert_eq!(sniff(&ChatTranscript, "irc.log", IRC_LOG), 70);
        assert_eq!(sniff(&ChatTranscript, "notes.md", NOTES), 0);
        for (name, text) in [("a.txt", SLACK), ("b.txt", TWO_LINE), ("c.log", IRC_LOG)] {
            assert_eq!(detected(name, text), Some("chat-transcript"), "{name}");
        }
        let prose = "we deployed at 10:02\nrolled back at 10:30\nall good by 11:00\nthen lunch 12:00\n";
        assert_eq!(sniff(&ChatTranscript, "notes.txt", prose), 0);
    }

    #[test]
    fn slack_paste_one_record_per_message() {
        let p = parse_with(&ChatTranscript, "chat/paste.txt", SLACK, None, ANCHOR);
        assert_quotable(SLACK, &p.records);
        let rows: Vec<(u32, u32, &str, &str)> = p
            .records
            .iter()
            .map(|r| {
                (
                    r.span.line,
                    r.span.end_line,
                    r.actor.as_ref().map_or("", |a| a.name.as_str()),
                    r.when.original.as_deref().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (4, 5, "Dana Whitfield", "9:49 AM"),
                (6, 8, "Dana Whitfield", "9:50"),
                (9, 10, "Marcus Oyelaran", "9:55 AM"),
                (11, 14, "Dana Whitfield", "9:56 AM"),
                (15, 16, "PagerDuty", "9:58 AM"),
                (17, 18, "Tomasz Nowak", "10:18 AM"),
                (19, 20, "Tomasz Nowak", "10:21"),
                (21, 22, "Keisha Brown", "10:22 AM"),
            ]
        );
        let first = &p.records[0];
        assert_eq!(first.text, "PD paged me for CheckoutErrorRate, looking");
        // "All times PT" on line 1: read in Los Angeles time, the zone stated in the source.
        assert_eq!(at(first), "2024-10-08T16:49:00Z");
        assert_eq!(first.when.basis, ZoneBasis::StatedInSource("America/Los_Angeles".into()));
        assert_eq!(first.when.precision, Precision::Minute);
        assert_eq!(p.stated_zone.as_deref(), Some("America/Los_Angeles"));
        assert_eq!(p.records[1].text, "5xx ~9% on POST /checkout, p99 > 8s");
        assert_eq!(p.records[3].kind, Kind::Message);
        assert_eq!(p.records[3].text, "pinned HPA min/max to 24", "(edited) and reactions are not quoted");
        assert!(p.records[4].actor.as_ref().is_some_and(|a| a.bot));
        assert_eq!(at(&p.records[6]), "2024-10-08T17:21:00Z", "a bare 10:21 after 10:18 AM");
        assert_eq!(p.records[7].kind, Kind::System);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let names: Vec<&str> = p.people.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["Dana Whitfield", "Marcus Oyelaran", "PagerDuty", "Tomasz Nowak", "Keisha Brown"]);
    }

    #[test]
    fn incident_zone_wins_over_the_stated_one() {
        let p = parse_with(&ChatTranscript, "chat/paste.txt", SLACK, Some("UTC"), ANCHOR);
        assert_eq!(at(&p.records[0]), "2024-10-08T09:49:00Z");
        assert_eq!(p.records[0].when.basis, ZoneBasis::IncidentToml("UTC".into()));
    }

    #[test]
    fn two_line_headers_dividers_and_midnight() {
        let p = parse_with(&ChatTranscript, "chat/two-line.txt", TWO_LINE, None, ANCHOR);
        assert_quotable(TWO_LINE, &p.records);
        let rows: Vec<(String, &str)> = p.records.iter().map(|r| (at(r), r.text.as_str())).collect();
        assert_eq!(
            rows,
            [
                ("2024-10-07T23:58:00Z".to_string(), "batch job still running, will check after midnight"),
                ("2024-10-08T00:03:00Z".to_string(), "batch done, queue drained"),
                ("2024-10-08T00:10:00Z".to_string(), "thanks, going to bed"),
                ("2024-10-08T14:49:00Z".to_string(), "paged again: CheckoutErrorRate"),
            ]
        );
        assert_eq!(spans(&p)[0], (2, 4));
        assert_eq!(p.records[0].when.basis, ZoneBasis::Assumed("UTC".into()));
        assert_eq!(p.records[0].when.precision, Precision::Inferred);
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert!(p.problems[0].message.contains("assumed"));
    }

    #[test]
    fn irc_lines_with_and_without_dates() {
        let p = parse_with(&ChatTranscript, "chat/irc.log", IRC_LOG, Some("Europe/London"), None);
        assert_quotable(IRC_LOG, &p.records);
        assert_eq!(p.records.len(), 5);
        let r = &p.records[0];
        assert_eq!(r.text, "edge cpu pinned everywhere, not one colo");
        assert_eq!(r.actor.as_ref().map(|a| a.name.as_str()), Some("rhys"));
        assert_eq!(at(r), "2019-07-02T13:47:12Z");
        assert_eq!(r.when.precision, Precision::Exact);
        assert_eq!((r.span.line, r.span.end_line), (1, 2), "a continuation line joins the message");
        assert_eq!(p.records[2].actor.as_ref().map(|a| a.name.as_str()), Some("joaquim"));
        assert_eq!(at(&p.records[4]), "2019-07-02T14:07:00Z", "the date carries over");
        assert!(p.problems.is_empty(), "{:?}", p.problems);
    }

    #[test]
    fn no_date_at_all_keeps_order_without_times() {
        let text =
            "Dana Whitfield  10:02 AM\nfirst\nMarcus Oyelaran  10:03 AM\nsecond\nDana Whitfield  10:04 AM\nthird\n";
        let p = parse(&ChatTranscript, "x.txt", text);
        assert_eq!(p.records.len(), 3);
        assert!(p.records.iter().all(|r| r.when.utc.is_none()));
        assert_eq!(p.records[0].when.original.as_deref(), Some("10:02 AM"));
        assert_eq!(p.problems.len(), 1);
        assert!(p.problems[0].message.contains("no date"));
    }

    #[test]
    fn daylight_saving_gaps_are_reported() {
        let text = "Sunday, March 10th\nDana Whitfield  2:30 AM\nthis time never happened in Chicago\nMarcus Oyelaran  3:05 AM\nok\nDana Whitfield  3:10 AM\nok\n";
        let p = parse_with(&ChatTranscript, "x.txt", text, Some("America/Chicago"), Some(date(2024, 3, 10)));
        assert_eq!(p.records.len(), 3);
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert_eq!(p.problems[0].line, Some(2));
        assert!(p.problems[0].message.contains("gap"));
    }

    #[test]
    fn names_and_clocks() {
        assert_eq!(name_like("Dana Whitfield :palm_tree:", true), Some(("Dana Whitfield".into(), false)));
        assert_eq!(name_like("PagerDuty APP", true), Some(("PagerDuty".into(), true)));
        assert_eq!(name_like("we deployed at", true), None);
        assert_eq!(name_like("- 9:55 marcus", false), None);
        assert!(clock("13:05 PM").is_none());
        assert_eq!(clock("12:30 AM").map(|c| (c.hour, c.pm)), Some((12, Some(false))));
        assert_eq!(nearest_year(date(2025, 1, 2), 12, 31), Some(date(2024, 12, 31)));
        let (am, bare) = (clock("10:05 AM").expect("clock"), clock("10:05").expect("clock"));
        let none = HashSet::new();
        assert_eq!(two_line_name("ok", am, &none), None, "a short message over a time");
        assert_eq!(two_line_name("Dana Whitfield", bare, &none), None, "a bare time is a continuation");
        assert_eq!(two_line_name("Dana Whitfield", am, &none), Some(("Dana Whitfield".into(), false)));
        let known: HashSet<String> = ["dana".to_string()].into();
        assert_eq!(two_line_name("dana", bare, &known), Some(("dana".into(), false)));
    }

    #[test]
    fn a_long_transcript_parses_whole() {
        // Speed is measured by the benches; this checks a long paste loses nothing.
        let block = "Dana Whitfield  10:02 AM\nchecking the pool\n10:03\nstill pinned at 16\nMarcus Oyelaran  10:04 AM\nrolling back\n";
        let text = block.repeat(30_000);
        let p = parse_with(&ChatTranscript, "x.txt", &text, Some("UTC"), ANCHOR);
        assert_eq!(p.records.len(), 90_000);
        let last = p.records.last().unwrap();
        assert_eq!((last.text.as_str(), last.span.end_line), ("rolling back", 180_000));
    }

    #[test]
    #[allow(clippy::print_stderr)]
    fn claims_nothing_in_the_shared_samples() {
        let Some(claimed) = claimed_in_shared(&ChatTranscript) else {
            eprintln!("../shared not found; skipping");
            return;
        };
        assert!(claimed.is_empty(), "{claimed:?}");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC*") {
            let _ = sniff(&ChatTranscript, "x.txt", &s);
            let p = parse_with(&ChatTranscript, "x.txt", &s, None, ANCHOR);
            assert_quotable(&s, &p.records);
        }

        #[test]
        fn arbitrary_transcripts_never_panic(lines in proptest::collection::vec(
            prop_oneof![
                "[A-Z][a-z]{1,8} [A-Z][a-z]{1,8}  [0-9]{1,2}:[0-9]{2} (AM|PM)",
                "[0-9]{1,2}:[0-9]{2}",
                "\\[[0-9]{1,2}:[0-9]{2}\\] <[a-z]{1,6}> [a-z ]{1,20}",
                "(Today|Yesterday|Monday, February 30th|October 8th, 2024)",
                "\\PC{0,30}",
            ], 0..20)) {
            let text = lines.join("\n");
            let p = parse_with(&ChatTranscript, "x.txt", &text, Some("America/New_York"), ANCHOR);
            assert_quotable(&text, &p.records);
        }
    }
}
