//! Responders' scratch notes in Markdown or plain text: one record per non-empty line.
//!
//! A line's time is the clock time it opens with (after a bullet, `~` or a word such as
//! `yday`): `10:02`, `~10:15`, `9:4x`, `2:54pm`, `07:05ish`, `14:46-14:48`, with an
//! optional date (`2024-05-01 10:02`, `10/8 10:02`). The date comes from the line, else the
//! notes' title (`# checkout thing 10/8`, `P0 2 July`, `# 2021-01-04 …`), else the bundle's
//! anchor date, which is why this adapter [needs the anchor](Adapter::needs_anchor). The
//! zone is the one the notes state (`all times PT`, `times are PT`, `London time, BST`),
//! else `incident.toml`'s, else UTC with one problem saying so.
//!
//! A line without a time inherits the time of the timed line before it, marked
//! [`Precision::Inferred`]; lines under a "questions" / "todo" / "follow-ups" heading are
//! not events and have no time.

use debrief_model::{Kind, Precision, Problem, Record, SourceFile, Span, When, ZoneBasis};
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

use crate::adapter::{Adapter, Context, Parsed};
use crate::lines::numbered;
use crate::time::{Localized, localize, zone_named};

pub struct Notes;

impl Adapter for Notes {
    fn format(&self) -> &'static str {
        "notes"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        sniff(file)
    }

    /// Note times rarely carry a date.
    fn needs_anchor(&self) -> bool {
        true
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        parse(file, cx)
    }
}

/// How many opening lines may state the notes' zone.
const ZONE_LINES: usize = 15;
/// How far into a line (after its bullet) a clock time may start.
const TIME_WITHIN: usize = 20;

fn sniff(file: &SourceFile) -> u8 {
    let mut end = file.text.len().min(8 * 1024);
    while !file.text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &file.text[..end];
    let t = head.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if t.is_empty() || head.contains('\0') {
        return 0;
    }
    if t.starts_with('{') {
        return 0;
    }
    // A JSON array (`[{…}]`, `["…"]`, `[[…]]`, `[]`), not a `[ ] todo` or a `[link](…)`.
    if let Some(rest) = t.strip_prefix('[')
        && (rest.trim_start().starts_with(['{', '"', '['])
            || rest.trim_start().starts_with(']') && !rest.starts_with(' '))
    {
        return 0;
    }
    let mut timed = 0;
    let mut headings = 0;
    for line in head.lines().filter(|l| !l.trim().is_empty()).take(40) {
        let (at, _) = content_start(line);
        let content = &line[at..];
        if line.trim_start().starts_with("# ") || line.trim_start().starts_with("## ") {
            headings += 1;
        }
        if line_time(content).is_some() {
            timed += 1;
        }
    }
    let ext = std::path::Path::new(&file.path)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if timed >= 2 || headings >= 1 {
        40
    } else if matches!(ext.as_str(), "md" | "markdown" | "txt" | "notes") {
        20
    } else {
        10
    }
}

// ---------------------------------------------------------------------------------------
// Line structure

/// Where a line's content starts after indentation, bullets (`-`, `*`, `+`, `•`, `>`),
/// numbers (`1.`, `2)`), checkboxes and heading marks; and whether it is a heading.
fn content_start(line: &str) -> (usize, bool) {
    let b = line.as_bytes();
    let mut i = 0;
    let mut heading = false;
    loop {
        while b.get(i).is_some_and(|&c| c == b' ' || c == b'\t') {
            i += 1;
        }
        let rest = &line[i..];
        let next = if rest.starts_with('#') {
            let hashes = rest.bytes().take_while(|&c| c == b'#').count();
            if rest.as_bytes().get(hashes).is_none_or(|&c| c == b' ') && hashes <= 6 {
                heading = true;
                Some(hashes)
            } else {
                None
            }
        } else if rest.starts_with(['-', '*', '+', '>']) && rest.as_bytes().get(1).is_none_or(|&c| c == b' ') {
            Some(1)
        } else if rest.starts_with('•') {
            Some('•'.len_utf8())
        } else if rest.starts_with("[ ] ") || rest.starts_with("[x] ") || rest.starts_with("[X] ") {
            Some(3)
        } else {
            // `1. ` / `12) `
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            (digits > 0
                && digits <= 3
                && matches!(rest.as_bytes().get(digits), Some(b'.' | b')'))
                && rest.as_bytes().get(digits + 1) == Some(&b' '))
            .then_some(digits + 1)
        };
        match next {
            Some(n) if n > 0 => i += n,
            _ => return (i, heading),
        }
    }
}

/// A clock time as written: `10:02`, `9:4x`, `2:54pm`, `07:05ish`, `14:46-14:48`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Clock {
    time: Time,
    /// Seconds were written.
    seconds: bool,
    /// Approximate: `~`, `ish`, `x` digits.
    approx: bool,
    /// Followed by `UTC`/`Z`/`GMT`.
    utc: bool,
    /// Byte range in the content (the `~` included).
    start: usize,
    end: usize,
}

fn digits(b: &[u8], at: usize) -> usize {
    b.get(at..).map_or(0, |s| s.iter().take_while(|c| c.is_ascii_digit()).count())
}

fn num(b: &[u8], at: usize, n: usize) -> i32 {
    b[at..at + n].iter().fold(0, |v, &c| v * 10 + i32::from(c - b'0'))
}

/// `H:MM[:SS]` / `H:Mx` at `at`, with an am/pm or `ish` suffix and a range end skipped.
fn clock_at(b: &[u8], at: usize) -> Option<Clock> {
    if at > 0 && b[at - 1].is_ascii_alphanumeric() {
        return None;
    }
    let hd = digits(b, at);
    if !(1..=2).contains(&hd) || b.get(at + hd) != Some(&b':') {
        return None;
    }
    let mut hour = num(b, at, hd);
    let m = at + hd + 1;
    let (minute, mut approx, mut end) = match (b.get(m), b.get(m + 1)) {
        (Some(d1), Some(d2)) if d1.is_ascii_digit() && d2.is_ascii_digit() => (num(b, m, 2), false, m + 2),
        (Some(d1), Some(b'x' | b'X')) if d1.is_ascii_digit() => (i32::from(d1 - b'0') * 10, true, m + 2),
        _ => return None,
    };
    let mut second = 0;
    let mut seconds = false;
    if b.get(end) == Some(&b':') && digits(b, end + 1) == 2 {
        second = num(b, end + 1, 2);
        seconds = true;
        end += 3;
    }
    // `1:23:45:67`, `10:02.5`: not a clock time.
    if b.get(end).is_some_and(u8::is_ascii_digit)
        || (matches!(b.get(end), Some(b':' | b'.')) && b.get(end + 1).is_some_and(u8::is_ascii_digit))
    {
        return None;
    }
    // A range: keep the start, skip the end (`14:46-14:48`, `07:01–07:15`).
    for dash in ["-", "–", "—"] {
        if b.get(end..).is_some_and(|r| r.starts_with(dash.as_bytes()))
            && let Some(c) = clock_at(b, end + dash.len())
        {
            end = c.end;
            break;
        }
    }
    // am / pm, attached or after a space; `ish`.
    let mut pm = None;
    let word_at = if b.get(end) == Some(&b' ') { end + 1 } else { end };
    let rest = b.get(word_at..).unwrap_or_default();
    for (suffix, is_pm) in [("a.m.", false), ("p.m.", true), ("am", false), ("pm", true)] {
        if rest.len() >= suffix.len()
            && rest[..suffix.len()].eq_ignore_ascii_case(suffix.as_bytes())
            && rest.get(suffix.len()).is_none_or(|c| !c.is_ascii_alphanumeric())
        {
            pm = Some(is_pm);
            end = word_at + suffix.len();
            break;
        }
    }
    if b.get(end..).is_some_and(|r| r.len() >= 3 && r[..3].eq_ignore_ascii_case(b"ish")) {
        approx = true;
        end += 3;
    }
    let mut utc = false;
    let after = if b.get(end) == Some(&b' ') { end + 1 } else { end };
    for z in ["UTC", "GMT", "Z"] {
        if let Some(r) = b.get(after..)
            && r.len() >= z.len()
            && r[..z.len()].eq_ignore_ascii_case(z.as_bytes())
            && r.get(z.len()).is_none_or(|c| !c.is_ascii_alphanumeric())
            && (z != "Z" || after == end)
        {
            utc = true;
            end = after + z.len();
            break;
        }
    }
    if b.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    if let Some(pm) = pm {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = match (pm, hour) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
    }
    let time = Time::new(hour as i8, minute as i8, second as i8, 0).ok()?;
    Some(Clock { time, seconds, approx, utc, start: at, end })
}

/// A date written before a time on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineDate {
    Full(Date),
    MonthDay(i8, i8),
}

/// The time a line's content opens with, and its date and day shift (`yday` = -1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LineTime {
    clock: Clock,
    date: Option<LineDate>,
    shift: i8,
    /// Byte range of the whole written time (date, `~` and words included).
    start: usize,
}

/// `YYYY-MM-DD` / `YYYY/MM/DD` at `at`; the date and its end.
fn iso_date(b: &[u8], at: usize) -> Option<(Date, usize)> {
    if digits(b, at) != 4 {
        return None;
    }
    let sep = *b.get(at + 4)?;
    if !matches!(sep, b'-' | b'/') || digits(b, at + 5) != 2 || b.get(at + 7) != Some(&sep) || digits(b, at + 8) != 2 {
        return None;
    }
    let d = Date::new(num(b, at, 4) as i16, num(b, at + 5, 2) as i8, num(b, at + 8, 2) as i8).ok()?;
    Some((d, at + 10))
}

/// `M/D` or `M/D/YYYY` at `at` (day first when the first number cannot be a month).
fn slash_date(b: &[u8], at: usize) -> Option<(LineDate, usize)> {
    let d1 = digits(b, at);
    if !(1..=2).contains(&d1) || b.get(at + d1) != Some(&b'/') {
        return None;
    }
    let d2 = digits(b, at + d1 + 1);
    if !(1..=2).contains(&d2) {
        return None;
    }
    let (a, c) = (num(b, at, d1), num(b, at + d1 + 1, d2));
    let (month, day) = if a > 12 { (c, a) } else { (a, c) };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut end = at + d1 + 1 + d2;
    if b.get(end) == Some(&b'/') {
        let yd = digits(b, end + 1);
        if yd == 4 || yd == 2 {
            let y = num(b, end + 1, yd);
            let y = if yd == 2 { 2000 + y } else { y };
            end += 1 + yd;
            let date = Date::new(y as i16, month as i8, day as i8).ok()?;
            return Some((LineDate::Full(date), end));
        }
    }
    if b.get(end).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((LineDate::MonthDay(month as i8, day as i8), end))
}

/// Words before a time that shift its day.
fn day_shift(word: &str) -> Option<i8> {
    match word.to_ascii_lowercase().trim_end_matches([',', ':']) {
        "yday" | "yesterday" | "yest" | "ystd" => Some(-1),
        "today" | "tonight" | "this" | "morning" | "am" | "pm" | "at" | "around" | "approx" | "ca" | "ca."
        | "circa" | "about" => Some(0),
        "tomorrow" | "tmrw" => Some(1),
        _ => None,
    }
}

/// The time a line's content opens with: an optional date, an optional word or two
/// (`yday`, `at`), an optional `~`, then a clock, all within the first few characters.
fn line_time(content: &str) -> Option<LineTime> {
    let b = content.as_bytes();
    let mut i = 0;
    let mut date = None;
    let mut shift = 0;
    let mut words = 0;
    let mut approx = false;
    while i <= TIME_WITHIN && i < b.len() {
        let c = b[i];
        if c == b' ' || c == b'\t' {
            i += 1;
            continue;
        }
        if c == b'~' {
            approx = true;
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            if date.is_none() {
                if let Some((d, end)) = iso_date(b, i)
                    && matches!(b.get(end), Some(b' ' | b'T'))
                {
                    date = Some(LineDate::Full(d));
                    i = end + 1;
                    continue;
                }
                if let Some((d, end)) = slash_date(b, i)
                    && b.get(end) == Some(&b' ')
                {
                    date = Some(d);
                    i = end + 1;
                    continue;
                }
            }
            let mut clock = clock_at(b, i)?;
            clock.approx |= approx;
            if approx && clock.start > 0 && b[clock.start - 1] == b'~' {
                clock.start -= 1;
            }
            return Some(LineTime {
                clock,
                date,
                shift,
                start: if words == 0 && date.is_none() { clock.start } else { 0 },
            });
        }
        // A leading word: `yday`, `at`, `Tue`…, at most two of them.
        let word_end = b[i..].iter().position(|&c| c == b' ').map_or(b.len(), |p| i + p);
        let word = &content[i..word_end];
        words += 1;
        if words > 2 || !word.chars().all(|c| c.is_alphabetic() || matches!(c, ',' | ':' | '.' | '\'')) {
            return None;
        }
        if let Some(s) = day_shift(word) {
            shift += s;
            if matches!(word.to_ascii_lowercase().as_str(), "approx" | "around" | "ca" | "ca." | "circa" | "about") {
                approx = true;
            }
        } else if !is_weekday(word) && words > 1 {
            return None;
        }
        i = word_end;
    }
    None
}

fn is_weekday(word: &str) -> bool {
    let w = word.trim_end_matches([',', '.']).to_ascii_lowercase();
    ["mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"].contains(&w.as_str())
        || ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].contains(&w.as_str())
}

const MONTH_NAMES: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

fn month_named(word: &str) -> Option<i8> {
    let w = word.trim_end_matches([',', '.']).to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let i = MONTH_NAMES.iter().position(|m| w.starts_with(m))?;
    let full = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december",
    ];
    (w.len() == 3 || full[i].starts_with(w.as_str()) || w == "sept").then_some(i as i8 + 1)
}

/// A date anywhere in a title line: `2021-01-04`, `10/8`, `2 July`, `July 2, 2019`.
fn title_date(line: &str) -> Option<LineDate> {
    let b = line.as_bytes();
    for i in 0..b.len() {
        if i > 0 && b[i - 1].is_ascii_alphanumeric() {
            continue;
        }
        if let Some((d, end)) = iso_date(b, i)
            && !b.get(end).is_some_and(u8::is_ascii_digit)
        {
            return Some(LineDate::Full(d));
        }
        if let Some((d, _)) = slash_date(b, i) {
            return Some(d);
        }
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let Some(month) = month_named(w) else { continue };
        let day_of = |s: &str| {
            s.trim_end_matches([',', '.']).trim_end_matches(|c: char| c.is_ascii_alphabetic()).parse::<i8>().ok()
        };
        let year_of =
            |s: &str| s.trim_end_matches([',', '.']).parse::<i16>().ok().filter(|y| (1970..=2100).contains(y));
        // `2 July [2019]`
        if i > 0
            && let Some(day) = day_of(words[i - 1])
        {
            return Some(match words.get(i + 1).and_then(|y| year_of(y)) {
                Some(y) => LineDate::Full(Date::new(y, month, day).ok()?),
                None => LineDate::MonthDay(month, day),
            });
        }
        // `July 2[, 2019]`
        if let Some(day) = words.get(i + 1).and_then(|d| day_of(d)) {
            return Some(match words.get(i + 2).and_then(|y| year_of(y)) {
                Some(y) => LineDate::Full(Date::new(y, month, day).ok()?),
                None => LineDate::MonthDay(month, day),
            });
        }
    }
    None
}

/// The year that puts `month`/`day` nearest `near`.
fn nearest(month: i8, day: i8, near: Date) -> Option<Date> {
    [near.year() - 1, near.year(), near.year() + 1]
        .into_iter()
        .filter_map(|y| Date::new(y, month, day).ok())
        .min_by_key(|d| d.duration_since(near).as_secs().abs())
}

/// What a heading line says about the lines under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Events,
    Questions,
    Todo,
}

/// A section heading: a Markdown heading, or a short line that opens with a section
/// name (`questions / todo`, `for the PIR:`, `open Qs / followups`).
fn section_of(content: &str, heading: bool, bulleted: bool) -> Option<Section> {
    const QUESTIONS: [&str; 9] =
        ["question", "open q", "qs", "unknowns", "for the pir", "pir", "retro", "lessons", "to investigate"];
    const TODO: [&str; 9] =
        ["todo", "to do", "to-do", "follow-up", "follow up", "followup", "action item", "next step", "actions"];
    let lower = content.to_ascii_lowercase();
    let words = lower.split_whitespace().count();
    // A keyword, plural or not: `question(s)`, `follow-up(s)`.
    let word_is = |w: &str, keys: &[&str]| keys.contains(&w) || keys.contains(&w.strip_suffix('s').unwrap_or(w));
    let matches = |keys: &[&str]| {
        if heading {
            lower.split(|c: char| !c.is_alphanumeric()).any(|w| word_is(w, keys))
                || keys.iter().any(|k| k.contains([' ', '-']) && lower.contains(k))
        } else {
            keys.iter().any(|k| {
                let rest = lower.strip_prefix(k).map(|r| r.strip_prefix('s').unwrap_or(r));
                rest.is_some_and(|r| r.chars().next().is_none_or(|c| !c.is_alphanumeric()))
            })
        }
    };
    if !heading && (bulleted || words > 5) {
        return None;
    }
    if matches(&QUESTIONS) {
        Some(Section::Questions)
    } else if matches(&TODO) {
        Some(Section::Todo)
    } else if heading {
        Some(Section::Events)
    } else {
        None
    }
}

/// A zone the notes state for their times in their opening lines.
fn stated_zone(text: &str) -> Option<(String, TimeZone)> {
    for (_, line) in numbered(text).take(ZONE_LINES) {
        let (at, _) = content_start(line);
        let content = &line[at..];
        if line_time(content).is_some() {
            continue;
        }
        let words: Vec<&str> = content.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            let lw = w.to_ascii_lowercase();
            let lw = lw.trim_matches(|c: char| !c.is_alphanumeric());
            if lw == "time" || lw == "times" {
                for cand in words.iter().skip(i + 1).take(6) {
                    if let Some(z) = zone_word(cand) {
                        return Some(z);
                    }
                }
            }
            // `(UTC)`, `(PT)`
            if let Some(inner) = w.trim_end_matches([',', '.', ':']).strip_prefix('(').and_then(|r| r.strip_suffix(')'))
                && inner.len() >= 2
                && inner.bytes().all(|c| c.is_ascii_uppercase())
                && let Some(z) = zone_word(inner)
            {
                return Some(z);
            }
        }
    }
    None
}

/// A word that names a zone: an abbreviation (`PT`, `BST`, `UTC`), a city or region
/// (`London`, `Pacific`), or an IANA name (`America/Chicago`).
fn zone_word(word: &str) -> Option<(String, TimeZone)> {
    const NAMES: [&str; 33] = [
        "utc", "gmt", "zulu", "pt", "pst", "pdt", "pacific", "mt", "mst", "mdt", "mountain", "ct", "cst", "cdt",
        "central", "et", "est", "edt", "eastern", "bst", "london", "uk", "cet", "cest", "eet", "eest", "ist", "jst",
        "aest", "aedt", "berlin", "paris", "tokyo",
    ];
    let w = word.trim_matches(|c: char| !(c.is_alphanumeric() || c == '/' || c == '_'));
    let lower = w.to_ascii_lowercase();
    if w.contains('/') {
        return zone_named(w);
    }
    if !NAMES.contains(&lower.as_str()) {
        return None;
    }
    match lower.as_str() {
        "berlin" | "paris" => zone_named("CET"),
        "tokyo" => zone_named("JST"),
        _ => zone_named(w),
    }
}

// ---------------------------------------------------------------------------------------
// Parse

/// The zone note times are read in and why.
struct Zone {
    tz: TimeZone,
    name: String,
    basis: ZoneBasis,
}

fn parse(file: &SourceFile, cx: &Context<'_>) -> Parsed {
    let mut problems = Vec::new();
    let stated = stated_zone(&file.text);
    let zone = match (&stated, cx.zone) {
        (Some((name, tz)), _) => {
            Zone { tz: tz.clone(), name: name.clone(), basis: ZoneBasis::StatedInSource(name.clone()) }
        }
        (None, Some((name, tz))) => {
            Zone { tz: tz.clone(), name: name.to_string(), basis: ZoneBasis::IncidentToml(name.to_string()) }
        }
        (None, None) => Zone { tz: TimeZone::UTC, name: "UTC".into(), basis: ZoneBasis::Assumed("UTC".into()) },
    };
    let assumed = matches!(zone.basis, ZoneBasis::Assumed(_));

    // The notes' own date: the first non-empty line (the title), or a heading near the top.
    let title = numbered(&file.text)
        .map(|(_, l)| l)
        .filter(|l| !l.trim().is_empty())
        .take(3)
        .enumerate()
        .find(|(i, l)| *i == 0 || l.trim_start().starts_with('#'))
        .and_then(|(_, l)| title_date(l));
    let mut base: Option<Date> = match title {
        Some(LineDate::Full(d)) => Some(d),
        Some(LineDate::MonthDay(m, d)) => cx.anchor_date.and_then(|a| nearest(m, d, a)),
        None => None,
    }
    .or(cx.anchor_date);

    let mut records = Vec::new();
    let mut last_timed: Option<When> = None;
    let mut last_local: Option<DateTime> = None;
    let mut section = Section::Events;
    let mut in_fence = false;
    let mut undated = false;
    let mut used_zone = false;

    for (no, line) in numbered(&file.text) {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if trimmed.len() >= 3 && trimmed.bytes().all(|c| matches!(c, b'-' | b'*' | b'_' | b'=')) {
            continue;
        }
        let (at, heading) = if in_fence { (line.len() - line.trim_start().len(), false) } else { content_start(line) };
        let content = line[at..].trim_end();
        if content.is_empty() {
            continue;
        }
        let span = Span::line(cx.source, no);
        let bulleted = at > 0 && !heading && line[..at].trim() != "";
        let own = if in_fence { None } else { line_time(content) };
        if !in_fence
            && own.is_none()
            && let Some(s) = section_of(content, heading, bulleted)
        {
            section = s;
            if heading && s == Section::Events {
                // A dated heading (`## 2024-10-09`) moves the notes to that day.
                if let Some(LineDate::Full(d)) = title_date(content) {
                    base = Some(d);
                    last_local = None;
                }
            }
        }
        let mut r = Record::new(span, When::unknown(), Kind::Message, content);
        match section {
            Section::Questions | Section::Todo => {
                r = r.with_attr("section", if section == Section::Questions { "questions" } else { "todo" });
                records.push(r);
                continue;
            }
            Section::Events => {}
        }
        let Some(lt) = own else {
            if !heading && let Some(w) = &last_timed {
                r.when = When { precision: Precision::Inferred, original: None, ..w.clone() };
            }
            records.push(r);
            continue;
        };

        let original = content[lt.start.min(lt.clock.start)..lt.clock.end].trim();
        let date = match lt.date {
            Some(LineDate::Full(d)) => {
                base = Some(d);
                last_local = None;
                Some(d)
            }
            Some(LineDate::MonthDay(m, d)) => base.or(cx.anchor_date).and_then(|b| nearest(m, d, b)),
            None => base,
        };
        let Some(mut date) = date else {
            undated = true;
            r.when = When::unknown().with_original(original);
            last_timed = None;
            records.push(r);
            continue;
        };
        if lt.shift != 0 {
            date = date.checked_add(jiff::Span::new().days(i64::from(lt.shift))).unwrap_or(date);
        }
        let mut local = DateTime::from_parts(date, lt.clock.time);
        if lt.shift == 0
            && lt.date.is_none()
            && let Some(prev) = last_local
            && local < prev
            && prev.duration_since(local).as_secs() > 12 * 3600
            && let Ok(next) = date.tomorrow()
        {
            // Past midnight.
            base = Some(next);
            local = DateTime::from_parts(next, lt.clock.time);
        }
        last_local = Some(local);

        let precision = if lt.clock.approx || (assumed && !lt.clock.utc) {
            Precision::Inferred
        } else if lt.clock.seconds {
            Precision::Exact
        } else {
            Precision::Minute
        };
        let when = if lt.clock.utc {
            jiff::tz::Offset::UTC.to_timestamp(local).ok().map(When::exact)
        } else {
            used_zone = true;
            localize(local, &zone.tz).map(|loc| {
                if let Some(msg) = loc.problem(&zone.name) {
                    problems.push(Problem::at(no, msg));
                }
                When::exact(Localized::timestamp(loc)).with_basis(zone.basis.clone())
            })
        };
        r.when = match when {
            Some(w) => w.with_precision(precision).with_original(original),
            None => When::unknown().with_original(original),
        };
        last_timed = r.when.is_known().then(|| r.when.clone());
        records.push(r);
    }

    if undated {
        problems.push(Problem {
            line: None,
            message: "note times have no date: none on the lines or in the title, and no other source dates the incident — their times are left unknown; write the date in the notes' first line (`# incident 2024-10-08`)".into(),
            can_continue: true,
        });
    }
    if assumed && used_zone {
        problems.push(Problem {
            line: None,
            message: "the notes do not say which zone their times are in, and incident.toml sets no `timezone` — they were read as UTC; write the zone in the notes (\"all times PT\") or set `timezone` in incident.toml".into(),
            can_continue: true,
        });
    }
    Parsed { records, problems, people: Vec::new(), stated_zone: stated.map(|(name, _)| name) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IncidentConfig;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/notes/");
    const BUNDLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/eval/incidents/");

    fn fixture(name: &str) -> SourceFile {
        let text = std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap();
        SourceFile::new(name, text)
    }

    #[allow(clippy::print_stderr)]
    fn shared(path: &str) -> Option<SourceFile> {
        let full = format!("{BUNDLES}{path}");
        if let Ok(text) = std::fs::read_to_string(&full) {
            Some(SourceFile::new(path, text))
        } else {
            eprintln!("skipped: {full} is not here (the shared eval data is not in this clone)");
            None
        }
    }

    fn read(file: &SourceFile, zone: Option<&str>, anchor: Option<&str>) -> Parsed {
        let config = IncidentConfig::default();
        let zone = zone.and_then(zone_named);
        let cx = Context {
            source: 5,
            files: &[],
            config: &config,
            zone: zone.as_ref().map(|(n, z)| (n.as_str(), z)),
            anchor_date: anchor.map(|a| a.parse().unwrap()),
        };
        Notes.parse(file, &cx)
    }

    fn at(p: &Parsed, line: u32) -> &Record {
        p.records.iter().find(|r| r.span.line == line).unwrap_or_else(|| panic!("no record at line {line}"))
    }

    /// (UTC time, precision, original) of the record at `line`.
    fn when(p: &Parsed, line: u32) -> (String, Precision, Option<&str>) {
        let w = &at(p, line).when;
        (w.utc.map(|t| t.to_string()).unwrap_or_default(), w.precision, w.original.as_deref())
    }

    fn assert_verbatim(file: &SourceFile, p: &Parsed) {
        let lines: Vec<&str> = file.text.lines().collect();
        for r in &p.records {
            assert_eq!(r.span.line, r.span.end_line);
            assert!(lines[r.span.line as usize - 1].contains(&r.text), "{:?}", r.text);
        }
    }

    #[test]
    fn clock_times_in_every_shape() {
        use Precision::{Exact, Inferred, Minute, Unknown};
        let f = fixture("failover.md");
        assert_eq!(Notes.sniff(&f), 40);
        let p = read(&f, Some("America/Chicago"), Some("2030-01-01"));
        assert_verbatim(&f, &p);
        assert_eq!(p.records.len(), 19, "fences and blank lines are not records");
        assert!(p.records.iter().all(|r| r.kind == Kind::Message && r.span.source == 5));
        assert_eq!(p.stated_zone, None);
        assert_eq!(when(&p, 1), (String::new(), Unknown, None), "the title");
        assert_eq!(at(&p, 1).text, "db failover 2024-03-09");
        assert_eq!(when(&p, 5), ("2024-03-10T05:50:00Z".into(), Minute, Some("23:50")), "title date, not the anchor");
        assert_eq!(at(&p, 5).text, "23:50 replica lag alert, paged");
        assert_eq!(at(&p, 5).when.basis, ZoneBasis::IncidentToml("America/Chicago".into()));
        assert_eq!(when(&p, 6), ("2024-03-10T05:55:00Z".into(), Inferred, Some("~23:55")));
        assert_eq!(when(&p, 7), ("2024-03-10T05:55:00Z".into(), Inferred, None), "inherited");
        assert_eq!(when(&p, 8), ("2024-03-10T06:10:00Z".into(), Minute, Some("00:10")), "past midnight");
        assert_eq!(when(&p, 9), ("2024-03-10T06:10:00Z".into(), Inferred, Some("00:1x")));
        assert_eq!(at(&p, 9).text, "00:1x promotion done-ish", "list number stripped");
        assert_eq!(when(&p, 10), ("2024-03-10T07:59:30Z".into(), Exact, Some("01:59:30")));
        assert_eq!(when(&p, 11).0, "2024-03-10T08:30:00Z", "after the gap");
        let gap = p.problems.iter().find(|q| q.line == Some(11)).expect("gap problem");
        assert!(gap.message.contains("gap") && gap.can_continue);
        assert_eq!(when(&p, 12), ("2024-03-10T14:05:00Z".into(), Minute, Some("3/10 09:05")));
        assert_eq!(when(&p, 13), ("2024-03-10T04:00:00Z".into(), Minute, Some("yday 22:00")));
        assert_eq!(when(&p, 15), ("2024-03-10T04:00:00Z".into(), Inferred, None), "code is not timed");
        assert_eq!(when(&p, 17), ("2024-03-11T02:15:00Z".into(), Minute, Some("at 9:15pm")));
        assert_eq!(when(&p, 18), ("2024-03-10T19:46:00Z".into(), Minute, Some("14:46-14:48")));
        assert_eq!(when(&p, 19), ("2024-03-10T19:54:00Z".into(), Minute, Some("2:54 PM")));
        assert_eq!(when(&p, 20), ("2024-03-10T10:02:13Z".into(), Exact, Some("10:02:13 UTC")));
        assert_eq!(at(&p, 20).when.basis, ZoneBasis::Explicit);
        for line in [22, 23, 24] {
            assert_eq!(at(&p, line).attr("section"), Some("todo"), "line {line}");
            assert!(!at(&p, line).when.is_known());
        }
        assert_eq!(at(&p, 24).text, "write the postmortem");
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
    }

    #[test]
    fn zone_stated_in_the_notes_wins() {
        let f = fixture("p0-stated.txt");
        let p = read(&f, Some("America/Chicago"), Some("2019-07-03"));
        assert_eq!(p.stated_zone.as_deref(), Some("Europe/London"));
        assert_eq!(when(&p, 4), ("2019-07-02T13:45:00Z".into(), Precision::Minute, Some("14:45")));
        assert_eq!(at(&p, 4).when.basis, ZoneBasis::StatedInSource("Europe/London".into()));
        assert_eq!(when(&p, 6), ("2019-07-02T14:00:00Z".into(), Precision::Inferred, None));
        assert!(p.problems.is_empty());
    }

    #[test]
    fn no_date_anywhere_leaves_times_unknown() {
        let f = fixture("p0-stated.txt");
        let p = read(&f, None, None);
        assert_eq!(when(&p, 4), (String::new(), Precision::Unknown, Some("14:45")));
        assert!(!at(&p, 6).when.is_known());
        let undated: Vec<_> = p.problems.iter().filter(|q| q.message.contains("no date")).collect();
        assert_eq!(undated.len(), 1);
        assert_eq!((undated[0].line, undated[0].can_continue), (None, true));
    }

    #[test]
    fn unstated_zone_is_assumed_utc_once() {
        let f = fixture("bare.md");
        let p = read(&f, None, Some("2024-05-01"));
        assert_eq!(when(&p, 2), ("2024-05-01T10:02:00Z".into(), Precision::Inferred, Some("10:02")));
        assert_eq!(at(&p, 3).when.basis, ZoneBasis::Assumed("UTC".into()));
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, None);
        assert!(p.problems[0].message.contains("`timezone` in incident.toml"));
    }

    #[test]
    fn plain_text_is_still_read() {
        let f = fixture("plain.txt");
        assert_eq!(Notes.sniff(&f), 20);
        assert_eq!(Notes.sniff(&SourceFile::new("readme", "hello\nthere\n")), 10);
        let p = read(&f, None, None);
        assert_eq!(p.records.len(), 2);
        assert!(p.records.iter().all(|r| !r.when.is_known()));
        assert!(p.problems.is_empty());
    }

    #[test]
    fn sniff_leaves_json_alone() {
        assert_eq!(Notes.sniff(&SourceFile::new("a.json", "{\"a\": 1}")), 0);
        assert_eq!(Notes.sniff(&SourceFile::new("a.json", "[\n  {\"a\": 1}\n]")), 0);
        assert_eq!(Notes.sniff(&SourceFile::new("a.md", "[link](x) and text\n")), 20);
        assert_eq!(Notes.sniff(&SourceFile::new("a.bin", "a\0b")), 0);
        assert_eq!(Notes.sniff(&SourceFile::new("a.json", "[]")), 0);
        assert_eq!(Notes.sniff(&SourceFile::new("t.md", "[ ] call vendor\n[x] 10:02 paged\n")), 20);
    }

    #[test]
    fn line_times() {
        let t = |s: &str| line_time(s).map(|l| (l.clock.time.hour(), l.clock.time.minute(), l.clock.approx, l.shift));
        assert_eq!(t("10:02 AM standup"), Some((10, 2, false, 0)));
        assert_eq!(t("12:05am deploy"), Some((0, 5, false, 0)));
        assert_eq!(t("07:05ish Tomasz"), Some((7, 5, true, 0)));
        assert_eq!(t("yesterday ~3:28pm merged"), Some((15, 28, true, -1)));
        assert_eq!(t("2024-05-01 10:02 x").map(|x| x.1), Some(2));
        assert_eq!(t("5xx ~9% on POST"), None);
        assert_eq!(t("4.712"), None);
        assert_eq!(t("rollback done 10:21"), None, "prose before the time");
        assert_eq!(t("marcus: went out at 9:36"), None);
        assert_eq!(t("25:00 nope"), None);
        assert_eq!(t("10:61 nope"), None);
        assert_eq!(t("13:00pm nope"), None);
        assert_eq!(t("build 1:23:45:67"), None);
    }

    #[test]
    fn garbage_never_panics() {
        for text in
            ["#", "- ", "~", "1.", "9:", "9:4", "yday", "12/", "2024-13-01 10:00 x", "\u{feff}# é 10:00", "~~~\n10:00"]
        {
            let f = SourceFile::new("n.md", text);
            let _ = Notes.sniff(&f);
            let _ = read(&f, None, Some("2024-01-01"));
        }
    }

    #[test]
    fn checkout_oncall_notes() {
        let Some(f) = shared("checkout-timeouts/bundle/notes/oncall-notes.md") else { return };
        let p = read(&f, Some("America/Chicago"), Some("2024-10-08"));
        assert_verbatim(&f, &p);
        assert_eq!(p.records.len(), 37);
        assert_eq!(p.stated_zone, None);
        assert_eq!(when(&p, 12), ("2024-10-08T14:55:00Z".into(), Precision::Inferred, None));
        assert!(at(&p, 12).text.starts_with("decided scale first"));
        assert_eq!(when(&p, 14), ("2024-10-08T14:58:00Z".into(), Precision::Minute, Some("9:58")));
        assert_eq!(at(&p, 14).when.basis, ZoneBasis::IncidentToml("America/Chicago".into()));
        assert_eq!(when(&p, 5), ("2024-10-08T14:40:00Z".into(), Precision::Inferred, Some("9:4x")));
        assert_eq!(when(&p, 27).0, "2024-10-08T15:12:00Z");
        assert_eq!(at(&p, 40).attr("section"), Some("questions"));
        assert!(!at(&p, 40).when.is_known(), "\"ran 9:45\" in a question is not an event");
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        // Without an anchor the title's 10/8 has no year.
        let p = read(&f, Some("America/Chicago"), None);
        assert!(!at(&p, 14).when.is_known());
    }

    #[test]
    fn cloudflare_notes_state_bst() {
        let Some(f) = shared("cloudflare-2019-07-02/bundle/notes/p0-notes.md") else { return };
        let p = read(&f, None, Some("2019-07-02"));
        assert_eq!(p.stated_zone.as_deref(), Some("Europe/London"));
        assert_eq!(when(&p, 12).0, "2019-07-02T14:00:00Z");
        assert_eq!(when(&p, 20), ("2019-07-02T14:10:00Z".into(), Precision::Inferred, Some("15:1x")));
        assert_eq!(when(&p, 23).0, "2019-07-02T14:52:00Z");
        assert_eq!(at(&p, 27).attr("section"), Some("questions"));
        assert!(p.problems.is_empty());
    }

    #[test]
    fn k8s_notes_yesterday_and_pt() {
        let Some(f) = shared("k8s-prow-2019-01-23/bundle/notes.md") else { return };
        // The anchor is the day before: the title's 2019-01-23 wins.
        let p = read(&f, Some("America/Los_Angeles"), Some("2019-01-22"));
        assert_eq!(p.stated_zone.as_deref(), Some("America/Los_Angeles"));
        assert_eq!(when(&p, 6), ("2019-01-22T22:54:00Z".into(), Precision::Inferred, Some("yday ~2:54pm")));
        assert_eq!(when(&p, 7).0, "2019-01-22T23:28:00Z");
        assert_eq!(when(&p, 10), ("2019-01-23T12:49:00Z".into(), Precision::Minute, Some("4:49am")));
        assert_eq!(when(&p, 11).0, "2019-01-23T15:10:00Z");
        assert_eq!(when(&p, 26).0, "2019-01-23T16:27:00Z");
        assert_eq!(at(&p, 31).attr("section"), Some("questions"));
    }

    #[test]
    fn slack_scribe_notes() {
        let Some(f) = shared("slack-2021-01-04/bundle/notes.md") else { return };
        let p = read(&f, None, Some("2021-01-05"));
        assert_eq!(p.stated_zone.as_deref(), Some("America/Los_Angeles"));
        assert_eq!(when(&p, 8).0, "2021-01-04T14:53:00Z");
        assert_eq!(when(&p, 16), ("2021-01-04T15:05:00Z".into(), Precision::Inferred, Some("07:05ish")));
        assert_eq!(when(&p, 17), ("2021-01-04T15:01:00Z".into(), Precision::Minute, Some("07:01-07:15")));
        assert_eq!(when(&p, 31).0, "2021-01-04T20:10:00Z");
        assert_eq!(at(&p, 33).attr("section"), Some("questions"));
        assert_eq!(p.records.len(), 36);
    }

    proptest::proptest! {
        #[test]
        fn any_notes_parse_with_verbatim_texts(
            lines in proptest::collection::vec(
                "(# [ -~]{0,12}|- |  \\* |1\\. |~|yday |)([0-9]{1,2}:[0-9x]{1,2}(:[0-9]{2})?( ?[ap]m|ish|-[0-9]{2}:[0-9]{2})?|[0-9]{1,2}/[0-9]{1,2} [0-9]{1,2}:[0-9]{2}|2024-0[1-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]|)[ -~]{0,24}",
                0..30,
            )
        ) {
            let file = SourceFile::new("n.md", lines.join("\n"));
            let _ = Notes.sniff(&file);
            for anchor in [None, Some("2024-03-10")] {
                let p = read(&file, Some("America/Chicago"), anchor);
                let all: Vec<&str> = file.text.lines().collect();
                for r in &p.records {
                    proptest::prop_assert!(all[r.span.line as usize - 1].contains(&r.text));
                    proptest::prop_assert!(r.when.is_known() || r.when.precision == Precision::Unknown);
                }
            }
        }
    }
}
