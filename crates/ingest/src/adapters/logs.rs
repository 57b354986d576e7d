//! Timestamped log lines, one record per line: JSON lines, logfmt, and text lines that
//! open with a time.
//!
//! The layout (`Shape`) is chosen per file from its first lines: JSON lines (`@timestamp`,
//! `time`, `ts`… with `message`/`msg`), logfmt (`ts=… level=… msg="…"`), ISO 8601
//! (`2024-10-08T14:36:45.0000197Z …`, `2015-10-18 18:01:47,978 INFO …`), syslog RFC 3164
//! (`Jul  2 13:00:00 host prog[pid]: …`, no year) and RFC 5424, `[HH:MM:SS]` build logs
//! dated by a header line (TeamCity), Apache/nginx common log (`[08/Oct/2024:14:36:45
//! +0000]`), ctime (`[Sun Dec 04 04:47:44 2005]`), epoch-first lines and a few LogHub
//! layouts (HDFS, Spark, Android, Proxifier, BGL). A line the layout does not fit (a stack
//! trace, a wrapped message) extends the record before it.
//!
//! Times without an offset are read in `incident.toml`'s zone, else as UTC with one problem
//! saying so. Layouts without a year take it from the bundle's anchor date, which is why
//! this adapter [needs the anchor](Adapter::needs_anchor).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;

use debrief_model::{Attr, Kind, Precision, Problem, Record, SourceFile, Span, When, ZoneBasis};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};
use rayon::prelude::*;
use serde::Deserialize;

use crate::adapter::{Adapter, Context, Parsed};
use crate::digest::template_text;
use crate::lines::head_lines as head;
use crate::time::{Localized, localize, parse_epoch, parse_instant, parse_naive};
use debrief_templates::Shape as TemplateShape;

mod fields;
mod minute;

use fields::{JsonLine, Layout, Nested, Raw};
use minute::Minute;

pub struct LogLines;

impl Adapter for LogLines {
    fn format(&self) -> &'static str {
        "log-lines"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        sniff(file)
    }

    /// Syslog lines carry no year; it comes from the anchor date.
    fn needs_anchor(&self) -> bool {
        true
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        parse(file, cx)
    }
}

/// How many sample lines decide a file's layout.
const SAMPLE_LINES: usize = 40;
/// Line problems listed one by one before they are only counted.
const MAX_LINE_PROBLEMS: usize = 50;
/// How many leading tokens of a line's text may hold its level.
const LEVEL_TOKENS: usize = 6;

/// A line layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Json,
    Logfmt,
    /// `2024-10-08T14:36:45Z …`, `2024-10-08 14:36:45,123 …`, `[2024-10-08 14:36:45] …`.
    Iso,
    /// `<34>1 2024-10-08T14:36:45Z host app procid msgid [sd] msg`.
    Rfc5424,
    /// `Jul  2 13:00:00 host prog[pid]: msg`, optionally after `<PRI>`.
    Syslog,
    /// `[13:35:41]…`, dated by a header line.
    Clock,
    /// `host - user [08/Oct/2024:14:36:45 +0000] "GET / HTTP/1.1" 200 …`.
    Clf,
    /// `[Sun Dec 04 04:47:44 2005] [error] …`.
    Ctime,
    /// `1728399151.919 …`.
    Epoch,
    /// LogHub BGL: `- 1117838570 2005.06.03 …`.
    Bgl,
    /// LogHub HDFS: `081109 203615 148 INFO …`.
    Hdfs,
    /// LogHub Spark: `17/06/09 20:10:40 INFO …`.
    Spark,
    /// Android logcat: `03-17 16:13:38.811  1702  2395 D …` (no year).
    MonthDay,
    /// LogHub Proxifier: `[10.30 16:49:06] …` (no year).
    Proxifier,
}

impl Shape {
    const ALL: [Shape; 14] = [
        Shape::Json,
        Shape::Logfmt,
        Shape::Iso,
        Shape::Rfc5424,
        Shape::Syslog,
        Shape::Clock,
        Shape::Clf,
        Shape::Ctime,
        Shape::Epoch,
        Shape::Bgl,
        Shape::Hdfs,
        Shape::Spark,
        Shape::MonthDay,
        Shape::Proxifier,
    ];

    /// Layouts specific enough to be trusted on a line of a file whose layout is another.
    fn strong(self) -> bool {
        matches!(self, Shape::Iso | Shape::Rfc5424 | Shape::Syslog | Shape::Clf | Shape::Ctime)
    }
}

/// A time as a line writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stamp {
    /// With an offset or as an epoch number.
    Instant(Timestamp),
    /// A date and time without an offset.
    Naive(DateTime),
    /// Month, day and time without a year (syslog).
    NoYear { month: i8, day: i8, time: Time },
    /// A time of day only (`[13:35:41]`).
    Clock(Time),
}

/// Where a line's time was found and what follows it.
#[derive(Debug, Clone, Copy)]
struct Found {
    shape: Shape,
    stamp: Stamp,
    /// Byte range of the time in the line.
    start: usize,
    end: usize,
    /// Where the record's text starts.
    text: usize,
    /// Syslog program / RFC 5424 app name, as a byte range.
    service: Option<(usize, usize)>,
    /// Where the message proper starts (for the level token).
    message: usize,
    /// A level the layout states (RFC 5424 PRI).
    level: Option<&'static str>,
}

impl Found {
    fn new(shape: Shape, stamp: Stamp, start: usize, end: usize) -> Self {
        Self { shape, stamp, start, end, text: end, service: None, message: end, level: None }
    }
}

// ---------------------------------------------------------------------------------------
// Byte scanning

/// Bytes `at..at + n` as a decimal number, when they are all digits.
fn num(b: &[u8], at: usize, n: usize) -> Option<i32> {
    let s = b.get(at..at + n)?;
    s.iter().try_fold(0i32, |v, &c| c.is_ascii_digit().then(|| v * 10 + i32::from(c - b'0')))
}

/// `HH:MM:SS` with an optional `.fraction` or `,fraction` at `at`; the time and its end.
fn clock(b: &[u8], at: usize) -> Option<(Time, usize)> {
    let h = num(b, at, 2)?;
    if b.get(at + 2) != Some(&b':') {
        return None;
    }
    let m = num(b, at + 3, 2)?;
    if b.get(at + 5) != Some(&b':') {
        return None;
    }
    let s = num(b, at + 6, 2)?;
    let mut end = at + 8;
    let mut nanos = 0i32;
    let frac_digits = b.get(end + 1..).map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count());
    // `,123` is a fraction in `2015-10-18 18:01:47,978`; `,29.5` is the next CSV cell.
    let comma_fraction =
        b.get(end) == Some(&b',') && frac_digits >= 3 && !matches!(b.get(end + 1 + frac_digits), Some(b'.' | b','));
    if (b.get(end) == Some(&b'.') && frac_digits > 0) || comma_fraction {
        end += 1;
        let mut scale = 100_000_000;
        while let Some(&c) = b.get(end) {
            if !c.is_ascii_digit() {
                break;
            }
            nanos += i32::from(c - b'0') * scale;
            scale /= 10;
            end += 1;
        }
    }
    // A leap second (`:60`) is read as :59.
    let time = Time::new(h as i8, m as i8, s.min(59) as i8, nanos).ok()?;
    Some((time, end))
}

fn date(y: i32, m: i32, d: i32) -> Option<Date> {
    Date::new(i16::try_from(y).ok()?, m as i8, d as i8).ok()
}

/// An offset at `at`: `Z`, `+01:00`, `+0100`, `+01`, `-0500`. Seconds east and end.
fn offset(b: &[u8], at: usize) -> Option<(i32, usize)> {
    match b.get(at)? {
        b'Z' | b'z' => Some((0, at + 1)),
        &sign @ (b'+' | b'-') => {
            let h = num(b, at + 1, 2)?;
            let (m, end) = if b.get(at + 3) == Some(&b':') {
                (num(b, at + 4, 2)?, at + 6)
            } else if let Some(m) = num(b, at + 3, 2) {
                (m, at + 5)
            } else {
                (0, at + 3)
            };
            if b.get(end).is_some_and(u8::is_ascii_digit) || h > 18 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            Some((if sign == b'-' { -secs } else { secs }, end))
        }
        _ => None,
    }
}

fn instant(dt: DateTime, offset_secs: i32) -> Option<Stamp> {
    let off = Offset::from_seconds(offset_secs).ok()?;
    off.to_timestamp(dt).ok().map(Stamp::Instant)
}

/// ISO 8601 at `at`: `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH:MM| UTC| +0000]`, also with `/`.
fn iso(b: &[u8], at: usize) -> Option<(Stamp, usize)> {
    let y = num(b, at, 4)?;
    let sep = *b.get(at + 4)?;
    if sep != b'-' && sep != b'/' {
        return None;
    }
    let mo = num(b, at + 5, 2)?;
    if b.get(at + 7) != Some(&sep) {
        return None;
    }
    let d = num(b, at + 8, 2)?;
    if !matches!(b.get(at + 10), Some(b'T' | b' ')) {
        return None;
    }
    let (time, end) = clock(b, at + 11)?;
    let dt = DateTime::from_parts(date(y, mo, d)?, time);
    if let Some((off, end)) = offset(b, end) {
        return Some((instant(dt, off)?, end));
    }
    if b.get(end) == Some(&b' ') {
        // `2024-10-08 14:36:45 +0000`, `… UTC`
        if matches!(b.get(end + 1), Some(b'+' | b'-'))
            && num(b, end + 2, 4).is_some()
            && let Some((off, e)) = offset(b, end + 1)
        {
            return Some((instant(dt, off)?, e));
        }
        if let Some(tail) = b.get(end + 1..end + 4)
            && (tail == b"UTC" || tail == b"GMT")
            && !b.get(end + 4).is_some_and(u8::is_ascii_alphanumeric)
        {
            return Some((instant(dt, 0)?, end + 4));
        }
    }
    Some((Stamp::Naive(dt), end))
}

const MONTHS: [&[u8; 3]; 12] =
    [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
const WEEKDAYS: [&[u8; 3]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];

fn month(b: &[u8], at: usize) -> Option<i8> {
    let m = b.get(at..at + 3)?;
    MONTHS.iter().position(|&n| n == m).map(|i| i as i8 + 1)
}

/// `Mmm dd HH:MM:SS` (day padded with a space or a zero, or not at all).
fn month_day_time(b: &[u8], at: usize) -> Option<(i8, i8, Time, usize)> {
    let mo = month(b, at)?;
    let mut i = at + 3;
    if b.get(i) != Some(&b' ') {
        return None;
    }
    i += 1;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let (day, next) = if let Some(d) = num(b, i, 2) { (d, i + 2) } else { (num(b, i, 1)?, i + 1) };
    if b.get(next) != Some(&b' ') || !(1..=31).contains(&day) {
        return None;
    }
    let (time, end) = clock(b, next + 1)?;
    Some((mo, day as i8, time, end))
}

/// Syslog RFC 3164 at `at`, with what follows: `host tag[pid]: message`.
fn syslog(line: &str, at: usize) -> Option<Found> {
    let b = line.as_bytes();
    let (month, day, time, end) = month_day_time(b, at)?;
    if b.get(end).is_some_and(|&c| c != b' ') {
        return None;
    }
    let mut f = Found::new(Shape::Syslog, Stamp::NoYear { month, day, time }, at, end);
    let host = end + 1;
    let host_end = memchr::memchr(b' ', b.get(host..)?).map_or(b.len(), |i| host + i);
    let tag = (host_end + 1).min(b.len());
    f.text = tag;
    f.message = tag;
    // `prog[pid]: ` within the next few dozen bytes.
    let window = &b[tag..b.len().min(tag + 64)];
    if let Some(colon) = memchr::memchr(b':', window)
        && window.get(colon + 1).is_none_or(|&c| c == b' ')
        && !window[..colon].contains(&b' ')
        && colon > 0
    {
        let name_end = memchr::memchr(b'[', &window[..colon]).unwrap_or(colon);
        if name_end > 0 {
            f.service = Some((tag, tag + name_end));
        }
        f.message = (tag + colon + 2).min(b.len());
    }
    Some(f)
}

/// RFC 5424 (or RFC 3164 after a `<PRI>`).
fn priority(line: &str) -> Option<Found> {
    let b = line.as_bytes();
    let close = memchr::memchr(b'>', b.get(..6)?).filter(|&c| c >= 2)?;
    let pri = num(b, 1, close - 1)?;
    let level = Some(match pri & 7 {
        0..=2 => "fatal",
        3 => "error",
        4 => "warn",
        7 => "debug",
        _ => "info",
    });
    let at = close + 1;
    if b.get(at..at + 2) == Some(b"1 ") {
        let (stamp, end) = iso(b, at + 2)?;
        let mut f = Found::new(Shape::Rfc5424, stamp, at + 2, end);
        f.level = level;
        // HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG
        let mut fields = [0usize; 5];
        let mut i = end;
        for slot in &mut fields {
            while b.get(i) == Some(&b' ') {
                i += 1;
            }
            *slot = i;
            if b.get(i) == Some(&b'[') {
                // structured data: `[id k="v"]…`, quotes may hold `]` escaped as `\]`
                let mut esc = false;
                let mut depth = 0;
                while let Some(&c) = b.get(i) {
                    i += 1;
                    match c {
                        _ if esc => esc = false,
                        b'\\' => esc = true,
                        b'[' => depth += 1,
                        b']' => {
                            depth -= 1;
                            if depth == 0 && b.get(i) != Some(&b'[') {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            } else {
                while b.get(i).is_some_and(|&c| c != b' ') {
                    i += 1;
                }
            }
        }
        let app = fields[1];
        let app_end = memchr::memchr(b' ', &b[app..]).map_or(b.len(), |e| app + e);
        if &b[app..app_end] != b"-" && app_end > app {
            f.service = Some((app, app_end));
        }
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        // A UTF-8 BOM may open the message.
        if b.get(i..i + 3) == Some(&[0xEF, 0xBB, 0xBF]) {
            i += 3;
        }
        f.text = if i < b.len() { i } else { end };
        f.message = f.text;
        return Some(f);
    }
    let mut f = syslog(line, at)?;
    f.level = level;
    Some(f)
}

/// `[HH:MM:SS]`, `[MM.DD HH:MM:SS]`, `[2024-10-08 14:36:45,123]`, `[Sun Dec 04 04:47:44 2005]`.
fn bracketed(b: &[u8]) -> Option<Found> {
    if let Some((time, end)) = clock(b, 1)
        && b.get(end) == Some(&b']')
    {
        let mut f = Found::new(Shape::Clock, Stamp::Clock(time), 1, end);
        f.text = end + 1;
        f.message = end + 1;
        return Some(f);
    }
    if b.get(3) == Some(&b'.')
        && let (Some(mo), Some(d)) = (num(b, 1, 2), num(b, 4, 2))
        && b.get(6) == Some(&b' ')
        && let Some((time, end)) = clock(b, 7)
        && b.get(end) == Some(&b']')
        && (1..=12).contains(&mo)
        && (1..=31).contains(&d)
    {
        let stamp = Stamp::NoYear { month: mo as i8, day: d as i8, time };
        let mut f = Found::new(Shape::Proxifier, stamp, 1, end);
        f.text = end + 1;
        f.message = end + 1;
        return Some(f);
    }
    if let Some((stamp, end)) = iso(b, 1) {
        let close = if b.get(end) == Some(&b']') { end + 1 } else { end };
        let mut f = Found::new(Shape::Iso, stamp, 1, end);
        f.text = close;
        f.message = close;
        return Some(f);
    }
    let mut f = ctime(b, 1)?;
    if b.get(f.end) == Some(&b']') {
        f.text = f.end + 1;
        f.message = f.text;
    }
    Some(f)
}

/// `Sun Dec 04 04:47:44 2005` (also `Tue Oct  8 14:37:21.123 2024`).
fn ctime(b: &[u8], at: usize) -> Option<Found> {
    let wd = b.get(at..at + 3)?;
    if !WEEKDAYS.iter().any(|&w| w == wd) || b.get(at + 3) != Some(&b' ') {
        return None;
    }
    let (mo, day, time, end) = month_day_time(b, at + 4)?;
    if b.get(end) != Some(&b' ') {
        return None;
    }
    let y = num(b, end + 1, 4)?;
    let dt = DateTime::from_parts(date(y, i32::from(mo), i32::from(day))?, time);
    Some(Found::new(Shape::Ctime, Stamp::Naive(dt), at, end + 5))
}

/// `[08/Oct/2024:14:36:45 +0000]` within the first bytes of a line.
fn clf(b: &[u8]) -> Option<Found> {
    let head = &b[..b.len().min(160)];
    for open in memchr::memchr_iter(b'[', head) {
        let at = open + 1;
        let (Some(d), Some(mo)) = (num(b, at, 2), month(b, at + 3)) else {
            continue;
        };
        if b.get(at + 2) != Some(&b'/') || b.get(at + 6) != Some(&b'/') {
            continue;
        }
        let Some(y) = num(b, at + 7, 4) else { continue };
        if b.get(at + 11) != Some(&b':') {
            continue;
        }
        let Some((time, end)) = clock(b, at + 12) else {
            continue;
        };
        let dt = DateTime::from_parts(date(y, i32::from(mo), d)?, time);
        let (stamp, end) = if b.get(end) == Some(&b' ')
            && let Some((off, e)) = offset(b, end + 1)
        {
            (instant(dt, off)?, e)
        } else {
            (Stamp::Naive(dt), end)
        };
        if b.get(end) != Some(&b']') {
            continue;
        }
        let mut f = Found::new(Shape::Clf, stamp, at, end);
        f.text = end + 1;
        f.message = end + 1;
        return Some(f);
    }
    None
}

/// A line that opens with a digit.
fn digit_first(b: &[u8]) -> Option<Found> {
    if let Some((stamp, end)) = iso(b, 0) {
        return Some(Found::new(Shape::Iso, stamp, 0, end));
    }
    // Spark `17/06/09 20:10:40`
    if b.get(2) == Some(&b'/')
        && b.get(5) == Some(&b'/')
        && b.get(8) == Some(&b' ')
        && let (Some(y), Some(mo), Some(d)) = (num(b, 0, 2), num(b, 3, 2), num(b, 6, 2))
        && let Some((time, end)) = clock(b, 9)
    {
        let dt = DateTime::from_parts(date(2000 + y, mo, d)?, time);
        return Some(Found::new(Shape::Spark, Stamp::Naive(dt), 0, end));
    }
    // Android `03-17 16:13:38.811`
    if b.get(2) == Some(&b'-')
        && b.get(5) == Some(&b' ')
        && let (Some(mo), Some(d)) = (num(b, 0, 2), num(b, 3, 2))
        && let Some((time, end)) = clock(b, 6)
        && (1..=12).contains(&mo)
        && (1..=31).contains(&d)
    {
        let stamp = Stamp::NoYear { month: mo as i8, day: d as i8, time };
        return Some(Found::new(Shape::MonthDay, stamp, 0, end));
    }
    // HDFS `081109 203615`
    if b.get(6) == Some(&b' ')
        && b.get(13) == Some(&b' ')
        && let (Some(ymd), Some(hms)) = (num(b, 0, 6), num(b, 7, 6))
    {
        let d = date(2000 + ymd / 10000, ymd / 100 % 100, ymd % 100)?;
        let t = Time::new((hms / 10000) as i8, (hms / 100 % 100) as i8, (hms % 100) as i8, 0).ok()?;
        return Some(Found::new(Shape::Hdfs, Stamp::Naive(DateTime::from_parts(d, t)), 0, 13));
    }
    // Epoch seconds or milliseconds, optionally with a fraction.
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if int == 10 || int == 13 {
        let mut end = int;
        if b.get(end) == Some(&b'.') {
            end += 1;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
        }
        if matches!(b.get(end), Some(b' ' | b'\t'))
            && let Some(t) = std::str::from_utf8(&b[..end]).ok().and_then(parse_epoch)
        {
            return Some(Found::new(Shape::Epoch, Stamp::Instant(t), 0, end));
        }
    }
    None
}

/// LogHub BGL / Thunderbird: `LABEL EPOCH YYYY.MM.DD …`.
fn bgl(b: &[u8]) -> Option<Found> {
    let sp = memchr::memchr(b' ', &b[..b.len().min(24)])?;
    let at = sp + 1;
    num(b, at, 10)?;
    if b.get(at + 10) != Some(&b' ')
        || num(b, at + 11, 4).is_none()
        || b.get(at + 15) != Some(&b'.')
        || num(b, at + 16, 2).is_none()
        || b.get(at + 18) != Some(&b'.')
        || num(b, at + 19, 2).is_none()
    {
        return None;
    }
    let secs = std::str::from_utf8(&b[at..at + 10]).ok()?;
    let t = parse_epoch(secs)?;
    let mut f = Found::new(Shape::Bgl, Stamp::Instant(t), at, at + 10);
    f.text = (at + 22).min(b.len());
    f.message = f.text;
    Some(f)
}

/// The time of a line, trying every layout (cheapest checks first).
fn detect(line: &str) -> Option<Found> {
    let b = line.as_bytes();
    let first = *b.first()?;
    let found = match first {
        b'0'..=b'9' => digit_first(b),
        b'[' => bracketed(b),
        b'<' => priority(line),
        b'A'..=b'Z' => syslog(line, 0).or_else(|| ctime(b, 0)),
        _ => None,
    };
    found.or_else(|| logfmt_found(line)).or_else(|| clf(b)).or_else(|| bgl(b))
}

/// The time of a line read as `shape`.
fn parse_as(shape: Shape, line: &str) -> Option<Found> {
    let b = line.as_bytes();
    let f = match shape {
        Shape::Json => None,
        Shape::Logfmt => logfmt_found(line),
        Shape::Iso | Shape::Spark | Shape::MonthDay | Shape::Hdfs | Shape::Epoch => {
            if b.first() == Some(&b'[') {
                bracketed(b)
            } else {
                digit_first(b)
            }
        }
        Shape::Rfc5424 => priority(line),
        Shape::Syslog => {
            if b.first() == Some(&b'<') {
                priority(line)
            } else {
                syslog(line, 0)
            }
        }
        Shape::Clock | Shape::Proxifier => bracketed(b),
        Shape::Clf => clf(b),
        Shape::Ctime => {
            if b.first() == Some(&b'[') {
                bracketed(b)
            } else {
                ctime(b, 0)
            }
        }
        Shape::Bgl => bgl(b),
    };
    match f {
        Some(f) if f.shape == shape || f.shape.strong() => Some(f),
        _ => detect(line).filter(|f| f.shape == shape || f.shape.strong()),
    }
}

// ---------------------------------------------------------------------------------------
// logfmt

/// One `key=value` pair; `value` is the raw text (quotes removed, escapes kept).
struct Pair<'a> {
    key: &'a str,
    value: &'a str,
    /// Byte offset of the key.
    at: usize,
}

/// The `key=value` pairs of a logfmt line; bare words are skipped.
fn pairs(line: &str) -> impl Iterator<Item = Pair<'_>> {
    let b = line.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        loop {
            while b.get(i).is_some_and(|&c| c == b' ' || c == b'\t') {
                i += 1;
            }
            if i >= b.len() {
                return None;
            }
            let at = i;
            while b.get(i).is_some_and(|&c| c != b'=' && c != b' ' && c != b'\t') {
                i += 1;
            }
            if i == at {
                // A word that starts with `=`: step over it, or the loop never ends.
                i += 1;
                continue;
            }
            if b.get(i) != Some(&b'=') {
                continue;
            }
            let key = &line[at..i];
            i += 1;
            let value = if b.get(i) == Some(&b'"') {
                i += 1;
                let start = i;
                let mut esc = false;
                while let Some(&c) = b.get(i) {
                    if esc {
                        esc = false;
                    } else if c == b'\\' {
                        esc = true;
                    } else if c == b'"' {
                        break;
                    }
                    i += 1;
                }
                let v = &line[start..i.min(b.len())];
                i += 1;
                v
            } else {
                let start = i;
                while b.get(i).is_some_and(|&c| c != b' ' && c != b'\t') {
                    i += 1;
                }
                &line[start..i]
            };
            return Some(Pair { key, value, at });
        }
    })
}

const TIME_KEYS: [&str; 7] = ["ts", "time", "timestamp", "t", "@timestamp", "date", "datetime"];

/// A logfmt line's time: the line must open with `key=` and hold a time key.
fn logfmt_found(line: &str) -> Option<Found> {
    let b = line.as_bytes();
    let eq = memchr::memchr(b'=', &b[..b.len().min(32)])?;
    if eq == 0 || !b[..eq].iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'@' | b'-')) {
        return None;
    }
    for p in pairs(line) {
        if TIME_KEYS.contains(&p.key) {
            let start = p.at + p.key.len() + 1;
            let start = if b.get(start) == Some(&b'"') { start + 1 } else { start };
            let stamp = time_text(p.value)?;
            return Some(Found::new(Shape::Logfmt, stamp, start, start + p.value.len()));
        }
    }
    None
}

/// A time written as text: ISO 8601 / RFC 3339 / RFC 2822, naive, or an epoch number.
fn time_text(s: &str) -> Option<Stamp> {
    let s = trim(s);
    if let Some((stamp, end)) = iso(s.as_bytes(), 0)
        && end == s.len()
    {
        return Some(stamp);
    }
    if let Some(t) = parse_instant(s) {
        return Some(Stamp::Instant(t));
    }
    if let Some(dt) = parse_naive(s) {
        return Some(Stamp::Naive(dt));
    }
    parse_epoch(s).map(Stamp::Instant)
}

// ---------------------------------------------------------------------------------------
// JSON lines

impl<'a> JsonLine<'a> {
    fn time_raw(&self) -> Option<Raw<'a>> {
        self.at_timestamp()
            .or(self.timestamp())
            .or(self.time())
            .or(self.ts())
            .or(self.t())
            .or(self.date())
            .or(self.datetime())
            .or(self.event_time())
            .or(self.receive_timestamp())
    }

    fn has_message(&self) -> bool {
        self.message().is_some()
            || self.msg().is_some()
            || self.text_payload().is_some()
            || self.json_payload().is_some()
            || self.log().is_some()
    }
}

/// A JSON string value, decoded (borrowed when it has no escapes).
fn json_str(raw: Raw<'_>) -> Option<Cow<'_, str>> {
    let s = raw.get();
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    if memchr::memchr(b'\\', inner.as_bytes()).is_none() {
        Some(Cow::Borrowed(inner))
    } else {
        serde_json::from_str::<String>(s).ok().map(Cow::Owned)
    }
}

/// A JSON string or number as text.
fn json_scalar(raw: Raw<'_>) -> Option<Cow<'_, str>> {
    let s = raw.get();
    if s.starts_with('"') {
        json_str(raw)
    } else if s.starts_with(['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) {
        Some(Cow::Borrowed(s))
    } else {
        None
    }
}

fn nested(raw: Option<Raw<'_>>) -> Option<Nested<'_>> {
    let raw = raw?;
    if raw.get().starts_with('{') { Nested::parse(raw.get()).ok() } else { None }
}

/// A JSON time value: a string, an epoch number, or `{"seconds": …, "nanos": …}`.
fn json_time(raw: Raw<'_>) -> Option<(Stamp, Cow<'_, str>)> {
    let s = raw.get();
    if s.starts_with('"') {
        let text = json_str(raw)?;
        let stamp = time_text(&text)?;
        return Some((stamp, text));
    }
    if s.starts_with('{') {
        #[derive(Deserialize)]
        struct Proto {
            seconds: i64,
            #[serde(default)]
            nanos: i32,
        }
        let p: Proto = serde_json::from_str(s).ok()?;
        let t = Timestamp::new(p.seconds, p.nanos).ok()?;
        return Some((Stamp::Instant(t), Cow::Borrowed(s)));
    }
    parse_epoch(s).map(|t| (Stamp::Instant(t), Cow::Borrowed(s)))
}

/// A level as debrief writes it (error, warn, info, debug, fatal), from a level field.
pub(super) fn normalize_level(v: &str) -> Option<&'static str> {
    const FIELD_ONLY: [(&str, &str); 6] = [
        ("default", "info"),
        ("information", "info"),
        ("informational", "info"),
        ("fine", "debug"),
        ("verbose", "debug"),
        ("emergency", "fatal"),
    ];
    let v = trim(v);
    if v.starts_with(|c: char| c.is_ascii_digit() || c == '+')
        && let Ok(n) = v.parse::<u32>()
    {
        // pino / bunyan numbers
        return Some(match n {
            0..=24 => "debug",
            25..=34 => "info",
            35..=44 => "warn",
            45..=54 => "error",
            _ => "fatal",
        });
    }
    if v.len() == 1 {
        return Some(match v.as_bytes()[0].to_ascii_uppercase() {
            b'E' => "error",
            b'W' => "warn",
            b'I' => "info",
            b'D' | b'T' | b'V' => "debug",
            b'F' => "fatal",
            _ => return None,
        });
    }
    level_word(v).or_else(|| FIELD_ONLY.iter().find(|(k, _)| k.eq_ignore_ascii_case(v)).map(|&(_, l)| l))
}

/// Up to eight bytes as one number, lowercase (a level word, to match in one comparison).
const fn packed(b: &[u8]) -> u64 {
    let mut x = 0u64;
    let mut i = 0;
    while i < b.len() {
        x |= (b[i].to_ascii_lowercase() as u64) << (8 * i);
        i += 1;
    }
    x
}

/// A level word, any case.
fn level_word(w: &str) -> Option<&'static str> {
    const ERROR: u64 = packed(b"error");
    const ERR: u64 = packed(b"err");
    const SEVERE: u64 = packed(b"severe");
    const WARN: u64 = packed(b"warn");
    const WARNING: u64 = packed(b"warning");
    const INFO: u64 = packed(b"info");
    const NOTICE: u64 = packed(b"notice");
    const DEBUG: u64 = packed(b"debug");
    const TRACE: u64 = packed(b"trace");
    const FATAL: u64 = packed(b"fatal");
    const CRIT: u64 = packed(b"crit");
    const CRITICAL: u64 = packed(b"critical");
    const EMERG: u64 = packed(b"emerg");
    const PANIC: u64 = packed(b"panic");
    const ALERT: u64 = packed(b"alert");
    let b = w.as_bytes();
    // No level word has a NUL, so a shorter word never packs like a longer one.
    if b.len() > 8 || b.contains(&0) {
        return None;
    }
    Some(match packed(b) {
        ERROR | ERR | SEVERE => "error",
        WARN | WARNING => "warn",
        INFO | NOTICE => "info",
        DEBUG | TRACE => "debug",
        FATAL | CRIT | CRITICAL | EMERG | PANIC | ALERT => "fatal",
        _ => return None,
    })
}

/// A level token among the first words of `text`: `ERROR`, `Warn`, `[error]`, `##[warning]`,
/// `<crit>`, `level=error`; lowercase words only when bracketed or first with a colon
/// (`error: …`). One-letter levels (`E`, `W`) are too easily something else.
fn level_in_text(text: &str) -> Option<&'static str> {
    for (i, tok) in text.split_ascii_whitespace().take(LEVEL_TOKENS).enumerate() {
        let t = tok.trim_start_matches('#');
        let (word, tagged) = if let Some(inner) = t.strip_prefix(['[', '<', '(']) {
            // `[error]`, `<crit>`, Apache 2.4's `[proxy:error]`
            let inner = inner.split([']', '>', ')']).next().unwrap_or("");
            (inner.rsplit(':').next().unwrap_or(inner), true)
        } else if let Some(v) = t.strip_prefix("level=") {
            (v.trim_matches('"'), true)
        } else {
            let w = t.trim_end_matches([':', ',', ']', '|', ';']);
            (w, i == 0 && t.ends_with(':'))
        };
        let b = word.as_bytes();
        if b.len() < 3 {
            continue;
        }
        let upper = b.iter().all(u8::is_ascii_uppercase);
        let capitalized = b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_lowercase);
        // "ALERT" in a message is not a level; `[alert]` (Apache) is.
        if !(tagged || (upper || capitalized) && !word.eq_ignore_ascii_case("alert")) {
            continue;
        }
        if let Some(l) = level_word(word) {
            return Some(l);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// Sniff

fn sniff(file: &SourceFile) -> u8 {
    let text = head(&file.text, 16 * 1024);
    let lines: Vec<&str> = text.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).take(20).collect();
    if lines.is_empty() {
        return 0;
    }
    let n = lines.len();
    let json = lines.iter().filter(|l| l.starts_with('{')).count();
    let score: u8 = if json * 2 > n {
        let mut timed = 0;
        let mut timed_msg = 0;
        for l in &lines {
            if let Ok(v) = JsonLine::parse(l)
                && v.time_raw().and_then(json_time).is_some()
            {
                timed += 1;
                if v.has_message() {
                    timed_msg += 1;
                }
            }
        }
        if timed_msg * 10 >= n * 6 {
            60
        } else if timed * 10 >= n * 6 {
            30
        } else {
            0
        }
    } else {
        let mut hits = 0;
        let mut csv_like = 0;
        // A short preamble (a build log's header) and indented continuation lines (stack
        // traces) do not count against the file.
        let preamble = lines.iter().position(|l| detect(l).is_some()).unwrap_or(n);
        let indented = lines.iter().skip(preamble).filter(|l| l.starts_with([' ', '\t'])).count();
        let n = if preamble <= 10 { n - preamble } else { n } - indented;
        for l in &lines {
            if let Some(f) = detect(l) {
                hits += 1;
                let b = l.as_bytes();
                if b.get(f.end) == Some(&b',') && b.get(f.end + 1).is_some_and(|&c| c != b' ') {
                    csv_like += 1;
                }
            }
        }
        if hits == 0 {
            0
        } else if csv_like * 2 > hits {
            // A CSV with a time column: the metrics reader's.
            20
        } else if hits * 10 >= n * 6 || (hits >= 3 && hits * 10 >= n * 4) {
            65
        } else if hits * 10 >= n * 3 {
            30
        } else {
            0
        }
    };
    let markdown = std::path::Path::new(&file.path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"));
    if markdown { score.min(30) } else { score }
}

// ---------------------------------------------------------------------------------------
// Parse

/// The zone naive times are read in.
struct Zone<'a> {
    tz: &'a TimeZone,
    name: &'a str,
    /// Nobody stated it: UTC was assumed.
    assumed: bool,
}

struct Reader<'a> {
    source: u32,
    zone: Zone<'a>,
    anchor: Option<Date>,
    records: Vec<Record>,
    problems: Vec<Problem>,
    line_problems: usize,
    /// File-wide problems, reported once at the end.
    once: Once,
    /// The date `[HH:MM:SS]` lines fall on, and the last such time (for midnight).
    clock_date: Option<Date>,
    last_clock: Option<DateTime>,
    /// A line with a time of its own has been read: untimed lines now continue records.
    seen_timed: bool,
}

/// File-wide conditions, each reported as one problem.
#[derive(Default)]
struct Once {
    /// A naive time was read as UTC because no zone was known.
    assumed_zone: bool,
    /// Times without a year and no anchor date.
    no_year: bool,
    /// `[HH:MM:SS]` times without a header date or anchor.
    clock_undated: bool,
}

impl Reader<'_> {
    fn line_problem(&mut self, line: u32, msg: impl Into<String>) {
        self.line_problems += 1;
        if self.line_problems <= MAX_LINE_PROBLEMS {
            self.problems.push(Problem::at(line, msg));
        }
    }

    fn naive(&mut self, dt: DateTime, original: &str, line: u32) -> When {
        let (t, basis) = if self.zone.assumed {
            self.once.assumed_zone = true;
            (Offset::UTC.to_timestamp(dt).ok(), ZoneBasis::Assumed(self.zone.name.to_string()))
        } else {
            let loc = localize(dt, self.zone.tz);
            if let Some(msg) = loc.and_then(|l| l.problem(self.zone.name)) {
                self.line_problem(line, msg);
            }
            (loc.map(Localized::timestamp), ZoneBasis::IncidentToml(self.zone.name.to_string()))
        };
        let Some(t) = t else {
            return When::unknown().with_original(original);
        };
        let precision = if self.zone.assumed { Precision::Inferred } else { Precision::Exact };
        When::exact(t).with_precision(precision).with_basis(basis).with_original(original)
    }

    fn when(&mut self, stamp: Stamp, original: &str, line: u32) -> When {
        match stamp {
            Stamp::Instant(t) => When::exact(t).with_original(original),
            Stamp::Naive(dt) => self.naive(dt, original, line),
            Stamp::NoYear { month, day, time } => {
                let Some(anchor) = self.anchor else {
                    self.once.no_year = true;
                    return When::unknown().with_original(original);
                };
                // The year that puts the date nearest the anchor (a December line in a
                // January bundle is last year's).
                let best = [anchor.year() - 1, anchor.year(), anchor.year() + 1]
                    .into_iter()
                    .filter_map(|y| Date::new(y, month, day).ok())
                    .min_by_key(|d| d.duration_since(anchor).as_secs().abs());
                if let Some(d) = best {
                    self.naive(DateTime::from_parts(d, time), original, line)
                } else {
                    self.line_problem(line, format!("{original:?} is not a date — time left unknown"));
                    When::unknown().with_original(original)
                }
            }
            Stamp::Clock(time) => {
                let Some(date) = self.clock_date.or(self.anchor) else {
                    self.once.clock_undated = true;
                    return When::unknown().with_original(original);
                };
                let mut dt = DateTime::from_parts(date, time);
                if let Some(last) = self.last_clock
                    && dt < last
                    && last.duration_since(dt).as_secs() > 12 * 3600
                {
                    // Past midnight.
                    if let Ok(next) = date.tomorrow() {
                        self.clock_date = Some(next);
                        dt = DateTime::from_parts(next, time);
                    }
                }
                self.last_clock = Some(dt);
                self.naive(dt, original, line)
            }
        }
    }

    /// A record from a line with a time of its own.
    fn push(&mut self, record: Record) {
        self.seen_timed = true;
        self.records.push(record);
    }

    /// A line no layout fits: it continues the record before it, or (before any time)
    /// stands alone, dated by any date and time it holds.
    fn untimed(&mut self, line: &str, no: u32) {
        if self.seen_timed
            && let Some(last) = self.records.last_mut()
        {
            last.span.end_line = no;
            return;
        }
        let text = line.trim();
        let when = find_datetime(text).map_or_else(When::unknown, |(stamp, s, e)| self.when(stamp, &text[s..e], no));
        let mut r = Record::new(Span::line(self.source, no), when, Kind::Log, text);
        if let Some(l) = level_in_text(text) {
            set_level(&mut r, l);
        }
        self.records.push(r);
    }

    fn text_line(&mut self, line: &str, no: u32, f: Found) {
        let when = self.when(f.stamp, &line[f.start..f.end], no);
        let r = text_record(self.source, line, no, &f, when);
        self.push(r);
    }

    fn logfmt_line(&mut self, line: &str, no: u32, f: Found) {
        let original = &line[f.start..f.end];
        let when = self.when(f.stamp, original, no);
        let mut level = None;
        let mut service = None;
        let mut error = None;
        let mut status = None;
        let mut method = None;
        let mut msg_at = None;
        for p in pairs(line) {
            match p.key {
                "level" | "lvl" | "severity" | "loglevel" => {
                    level = level.or_else(|| normalize_level(p.value));
                }
                "msg" | "message" => msg_at = msg_at.or(Some(p.at)),
                "service" | "app" | "component" | "logger" => service = service.or(Some(p.value)),
                "err" | "error" => error = error.or(Some(p.value)),
                "status" | "http_status" | "status_code" => status = status.or(Some(p.value)),
                "method" | "http_method" => method = method.or(Some(p.value)),
                _ => {}
            }
        }
        let text = match msg_at {
            Some(at) => line[at..].trim_end(),
            None => line.trim(),
        };
        let mut r = Record::new(Span::line(self.source, no), when, Kind::Log, text);
        if let Some(l) = level {
            set_level(&mut r, l);
        }
        if let Some(s) = service.filter(|s| !s.is_empty()) {
            attr(&mut r, "service", s);
        }
        if let Some(s) = status.filter(|s| is_http_status(s)) {
            attr(&mut r, "http_status", s);
        }
        if let Some(m) = method.filter(|m| !m.is_empty()) {
            attr(&mut r, "method", m);
        }
        if let Some(e) = error.filter(|e| !e.is_empty()) {
            attr(&mut r, "error", e);
        }
        self.push(r);
    }

    fn json_line(&mut self, line: &str, no: u32) {
        let v = match JsonLine::parse(line) {
            Ok(v) => v,
            Err(e) => {
                self.line_problem(no, format!("expected one JSON object per line: {e} — line skipped"));
                return;
            }
        };
        let JsonCore { error, text, from_error, level } = json_core(&v, line, json_level);
        let text: &str = &text;

        let time = v.time_raw().map(|raw| (raw, json_time(raw)));
        let when = if let Some((_, Some((stamp, original)))) = time {
            self.when(stamp, &original, no)
        } else {
            let msg = match time {
                Some((raw, _)) => {
                    format!("time {} is not a time debrief reads — record kept with its time unknown", raw.get())
                }
                None => "no time field (@timestamp, timestamp, time, ts…) — record kept with its time unknown".into(),
            };
            self.line_problem(no, msg);
            When::unknown()
        };
        let mut r = Record::new(Span::line(self.source, no), when, Kind::Log, text);
        if let Some(l) = level {
            set_level(&mut r, l);
        }
        let service =
            [v.service(), v.service_name(), v.app(), v.application(), v.component(), v.logger(), v.logger_name()]
                .into_iter()
                .flatten()
                .find_map(|raw| json_str(raw).or_else(|| nested(Some(raw)).and_then(|n| n.name().and_then(json_str))));
        if let Some(s) = service.filter(|s| !s.is_empty()) {
            attr(&mut r, "service", s);
        }
        if let Some(ver) = v.version().and_then(json_scalar) {
            attr(&mut r, "version", ver);
        }
        let request = nested(v.http_request());
        if let Some(s) = json_status(&v, request.as_ref()) {
            attr(&mut r, "http_status", s);
        }
        let method = [v.http_method(), v.method()]
            .into_iter()
            .flatten()
            .chain(request.iter().filter_map(Nested::request_method))
            .find_map(json_str);
        if let Some(m) = method.filter(|m| !m.is_empty()) {
            attr(&mut r, "method", m);
        }
        if let Some(e) = error.filter(|e| !e.is_empty() && !from_error) {
            r.summary = Some(format!("{text}: {e}"));
            attr(&mut r, "error", e);
        }
        self.push(r);
    }
}

/// The message (else the error, else the whole line), the error and the level of a JSON line.
struct JsonCore<'a> {
    error: Option<Cow<'a, str>>,
    text: Cow<'a, str>,
    /// The text is the error (the line has no message).
    from_error: bool,
    level: Option<&'static str>,
}

fn json_core<'a>(
    v: &JsonLine<'a>,
    line: &'a str,
    level_of: impl FnMut(Raw<'a>) -> Option<&'static str>,
) -> JsonCore<'a> {
    let payload = nested(v.json_payload());
    let log_obj = nested(v.log());
    let error = v.error().or(v.err()).or(payload.as_ref().and_then(Nested::error)).and_then(json_str);
    let (p_message, p_msg) = payload.as_ref().map_or((None, None), |p| (p.message(), p.msg()));
    let message = first(
        &[v.message(), v.msg(), v.text_payload(), p_message, p_msg, v.log().filter(|_| log_obj.is_none())],
        json_str,
    );
    let (text, from_error) = match (message, &error) {
        (Some(m), _) => (m, false),
        (None, Some(e)) => (e.clone(), true),
        (None, None) => (Cow::Borrowed(line.trim()), false),
    };
    let text = match text {
        Cow::Borrowed(t) => Cow::Borrowed(trim_end(t)),
        Cow::Owned(t) => Cow::Owned(t.trim_end().to_string()),
    };
    let text = if text.is_empty() { Cow::Borrowed(line.trim()) } else { text };
    let (p_level, p_severity) = payload.as_ref().map_or((None, None), |p| (p.level(), p.severity()));
    let levels = [
        v.level(),
        v.severity(),
        v.lvl(),
        v.log_level(),
        v.loglevel(),
        p_level,
        p_severity,
        log_obj.and_then(|l| l.level()),
    ];
    let level = first(&levels, level_of);
    JsonCore { error, text, from_error, level }
}

/// The first of `raws`, in order, that `read` reads.
#[inline]
fn first<'a, T>(raws: &[Option<Raw<'a>>], mut read: impl FnMut(Raw<'a>) -> Option<T>) -> Option<T> {
    raws.iter().flatten().find_map(|&raw| read(raw))
}

/// The level a JSON level value names.
fn json_level(raw: Raw<'_>) -> Option<&'static str> {
    json_scalar(raw).and_then(|s| normalize_level(&s))
}

/// Whether `c` is a byte that cannot begin or end white space.
#[inline]
fn solid(c: Option<&u8>) -> bool {
    c.is_some_and(|&c| c.is_ascii() && !char::from(c).is_whitespace())
}

/// `s` without trailing white space (checked a byte first: most texts end in none).
#[inline]
fn trim_end(s: &str) -> &str {
    if solid(s.as_bytes().last()) { s } else { s.trim_end() }
}

/// `s` without white space around it (checked a byte at each end first).
#[inline]
fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    if solid(b.first()) && solid(b.last()) { s } else { s.trim() }
}

/// A JSON line's HTTP status, from its own fields or its `httpRequest`.
fn json_status<'a>(v: &JsonLine<'a>, request: Option<&Nested<'a>>) -> Option<Cow<'a, str>> {
    first(
        &[v.http_status(), v.status_code_camel(), v.status_code(), v.status(), request.and_then(Nested::status)],
        |raw| json_scalar(raw).filter(|s| is_http_status(s)),
    )
}

/// What the digest needs of a JSON line, read without making its record: its time, level,
/// HTTP status, the text its template is mined from and that text's shape. `None` when the
/// line is not a JSON object with a readable time (the record path then reports the problem).
/// Needs nothing but the line, so blocks of lines are peeked at in parallel.
struct Peek<'a> {
    stamp: Stamp,
    level: Option<&'static str>,
    status: Option<u16>,
    text: Cow<'a, str>,
    shape: TemplateShape,
}

fn json_peek<'a>(line: &'a str, state: &mut Peeking<'a>) -> Option<Peek<'a>> {
    state.fields.parse_into(line, &mut state.layout).ok()?;
    let v = &state.fields;
    let raw = v.time_raw()?;
    let stamp = match raw.get().strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(text) if memchr::memchr(b'\\', text.as_bytes()).is_none() => state.minute.read(text)?,
        _ => json_time(raw)?.0,
    };
    let last = &mut state.level;
    let core = json_core(v, line, |raw| match *last {
        // Most lines repeat the level value of the line before.
        Some((text, level)) if text == raw.get() => level,
        _ => {
            let level = json_level(raw);
            *last = Some((raw.get(), level));
            level
        }
    });
    let status = json_status(v, nested(v.http_request()).as_ref()).and_then(|s| s.parse().ok());
    let text = match core.text {
        Cow::Borrowed(t) => template_text(t),
        Cow::Owned(t) => Cow::Owned(template_text(&t).into_owned()),
    };
    let shape = TemplateShape::of(&text);
    Some(Peek { stamp, level: core.level, status, text, shape })
}

/// One line of a JSON-lines block as the parallel pass leaves it: its text (lossy when it is
/// not UTF-8) and, when it reads as a record, what the digest needs of it.
struct PreLine<'a> {
    line: Cow<'a, str>,
    peek: Option<Peek<'a>>,
}

/// What reading one JSON line learns for the next (its layout and its minute), and room for
/// its fields.
#[derive(Default)]
struct Peeking<'a> {
    layout: Layout,
    minute: Minute,
    fields: JsonLine<'a>,
    /// The last level value read, and the level it names.
    level: Option<(&'a str, Option<&'static str>)>,
}

/// A JSON-lines log's line, peeked at.
#[inline]
fn pre_line<'a>(state: &mut Peeking<'a>, line: Cow<'a, str>) -> PreLine<'a> {
    let peek = match line {
        Cow::Borrowed(l) => Some(trim(l)).filter(|t| t.starts_with('{')).and_then(|t| json_peek(t, state)),
        Cow::Owned(_) => None,
    };
    PreLine { line, peek }
}

/// One line of a text log as the parallel pass leaves it: its text without `\r` (lossy when
/// it is not UTF-8), where its time is, and what the digest needs of the record it begins
/// (when it begins one debrief makes from the line alone).
struct PreText<'a> {
    line: Cow<'a, str>,
    found: Option<Found>,
    peek: Option<TextPeek<'a>>,
}

/// What the digest needs of a text line's record, read without making it: its level, HTTP
/// status, the text its template is mined from and that text's shape.
struct TextPeek<'a> {
    level: Option<&'static str>,
    status: Option<u16>,
    text: Cow<'a, str>,
    shape: TemplateShape,
}

/// A text log's line, laid out as `layout`, looked at.
fn pre_text_line(line: Cow<'_, str>, layout: Shape) -> PreText<'_> {
    let Cow::Borrowed(l) = line else { return PreText { line, found: None, peek: None } };
    let found = if l.trim().is_empty() { None } else { parse_as(layout, l) };
    let peek = found.filter(|f| f.shape != Shape::Logfmt).map(|f| {
        let facts = text_facts(l, &f);
        let text = template_text(facts.text);
        let shape = TemplateShape::of(&text);
        TextPeek { level: facts.level, status: facts.status.and_then(|s| s.parse().ok()), text, shape }
    });
    PreText { line, found, peek }
}

/// A text record counted as it began, made only if the digest keeps it once its last line
/// is known.
struct Begun {
    no: u32,
    end: u32,
    when: When,
    found: Found,
    refs: u32,
}

/// The lines of `block` (whole lines), without their `\r`, each passed to `f` — borrowed, or
/// a lossy copy when it is not UTF-8 — in order: on one thread for a small block, else in
/// pieces in parallel, one list per piece. `f` also gets a state of its own for each piece
/// (what it learns of one line for the next).
fn block_lines<'a, S: Default, T: Send>(block: &'a [u8], f: impl Fn(&mut S, Cow<'a, str>) -> T + Sync) -> Vec<Vec<T>> {
    let piece = |piece: &'a [u8]| {
        let mut state = S::default();
        let mut out = Vec::with_capacity(piece.len() / 128);
        // Checked once for the piece; a line is checked alone only in a piece that fails.
        let valid = std::str::from_utf8(piece).ok();
        let mut start = 0;
        while start < piece.len() {
            let end = memchr::memchr(b'\n', &piece[start..]).map_or(piece.len(), |i| start + i);
            let bytes = &piece[start..end];
            let text = match valid {
                // Line ends are character boundaries in valid UTF-8.
                Some(all) => Ok(&all[start..end]),
                None => std::str::from_utf8(bytes),
            };
            start = end + 1;
            out.push(f(
                &mut state,
                match text {
                    Ok(l) => Cow::Borrowed(l.strip_suffix('\r').unwrap_or(l)),
                    Err(_) => {
                        let lossy = String::from_utf8_lossy(bytes);
                        Cow::Owned(lossy.strip_suffix('\r').unwrap_or(&lossy).to_string())
                    }
                },
            ));
        }
        out
    };
    if block.len() < PARALLEL_MIN {
        vec![piece(block)]
    } else {
        pieces(block, rayon::current_num_threads() * 2).into_par_iter().map(piece).collect()
    }
}

/// Blocks smaller than this are peeked at on one thread.
const PARALLEL_MIN: usize = 256 << 10;

/// `block` (whole lines) cut at line ends into about `parts` pieces.
fn pieces(block: &[u8], parts: usize) -> Vec<&[u8]> {
    let step = (block.len() / parts.max(1)).max(PARALLEL_MIN / 2);
    let mut out = Vec::with_capacity(parts + 1);
    let mut a = 0;
    while a < block.len() {
        let mut b = (a + step).min(block.len());
        if b < block.len() {
            b = memchr::memchr(b'\n', &block[b..]).map_or(block.len(), |i| b + i + 1);
        }
        out.push(&block[a..b]);
        a = b;
    }
    out
}

fn is_http_status(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|c| c.is_ascii_digit()) && (b'1'..=b'5').contains(&s.as_bytes()[0])
}

/// Adds an attribute (without moving the record, which is large).
fn attr(r: &mut Record, key: &'static str, value: impl Into<String>) {
    if r.attrs.capacity() == 0 {
        r.attrs.reserve_exact(6);
    }
    r.attrs.push(Attr { key, value: value.into() });
}

/// The level attribute; an error or fatal line is a signal.
fn set_level(r: &mut Record, level: &'static str) {
    if matches!(level, "error" | "fatal") {
        r.kind = Kind::Signal;
    }
    attr(r, "level", level);
}

/// The first `YYYY-MM-DD HH:MM:SS` inside `text` (a build log's `Started …` header).
fn find_datetime(text: &str) -> Option<(Stamp, usize, usize)> {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'-', &b[from..]) {
        let dash = from + i;
        from = dash + 1;
        if dash >= 4
            && let Some((stamp, end)) = iso(b, dash - 4)
            && (dash == 4 || !b[dash - 5].is_ascii_digit())
        {
            return Some((stamp, dash - 4, end));
        }
    }
    None
}

/// The date a `[HH:MM:SS]` build log runs on, from its header (`Started 2019-07-02 13:35:41`).
fn header_date(text: &str) -> Option<(Date, Option<DateTime>)> {
    let mut fallback = None;
    for line in text.lines().take(SAMPLE_LINES) {
        if line.starts_with('[') && bracketed(line.as_bytes()).is_some() {
            break;
        }
        if let Some((stamp, _, _)) = find_datetime(line) {
            let dt = match stamp {
                Stamp::Naive(dt) => dt,
                Stamp::Instant(t) => TimeZone::UTC.to_datetime(t),
                _ => continue,
            };
            if line.trim_start().starts_with("Started") {
                return Some((dt.date(), Some(dt)));
            }
            fallback = fallback.or(Some((dt.date(), Some(dt))));
        }
    }
    fallback
}

/// The layout most of the first lines have.
fn dominant(text: &str) -> Option<Shape> {
    let mut counts = [0usize; Shape::ALL.len()];
    for line in text.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).take(SAMPLE_LINES) {
        let shape = if line.trim_start().starts_with('{') { Some(Shape::Json) } else { detect(line).map(|f| f.shape) };
        if let Some(s) = shape
            && let Some(i) = Shape::ALL.iter().position(|&x| x == s)
        {
            counts[i] += 1;
        }
    }
    let (i, &n) = counts.iter().enumerate().max_by_key(|&(i, &n)| (n, usize::MAX - i))?;
    (n > 0).then(|| Shape::ALL[i])
}

/// A reader for a log whose first lines are `head`, and the layout it has; `None` when no
/// line has a time.
/// The text of the record a line with a time of its own (found at `f`) makes, and where it
/// starts: what follows the time and its separators, else the time itself.
fn record_text<'l>(line: &'l str, f: &Found) -> (&'l str, usize) {
    let b = line.as_bytes();
    let mut text_at = f.text;
    while b.get(text_at).is_some_and(|&c| matches!(c, b' ' | b'\t' | b',' | b'|' | b']'))
        || (b.get(text_at) == Some(&b'-') && b.get(text_at + 1) == Some(&b' '))
    {
        text_at += 1;
    }
    let text = line.get(text_at..).map(str::trim_end).unwrap_or_default();
    (if text.is_empty() { &line[f.start..f.end] } else { text }, text_at)
}

/// What the record of a text line laid out as `f` says besides its time: its text, level,
/// and (in a common log format line) the request's method and HTTP status.
struct TextFacts<'l> {
    text: &'l str,
    level: Option<&'static str>,
    method: Option<&'l str>,
    status: Option<&'l str>,
}

fn text_facts<'l>(line: &'l str, f: &Found) -> TextFacts<'l> {
    let (text, text_at) = record_text(line, f);
    let message = line.get(f.message.max(text_at)..).unwrap_or_default();
    let level = f.level.or_else(|| level_in_text(message));
    let (mut method, mut status) = (None, None);
    if f.shape == Shape::Clf {
        // `"GET /path HTTP/1.1" 500 1234`
        if let Some(req) = text.strip_prefix('"') {
            method = req.split(' ').next().filter(|m| !m.is_empty() && m.bytes().all(|c| c.is_ascii_uppercase()));
            status = req
                .find("\" ")
                .and_then(|close| req[close + 2..].split(' ').next())
                .filter(|s| s.len() == 3 && s.bytes().all(|c| c.is_ascii_digit()));
        }
    }
    TextFacts { text, level, method, status }
}

/// The record a text line laid out as `f` begins, its time read as `when`.
fn text_record(source: u32, line: &str, no: u32, f: &Found, when: When) -> Record {
    let facts = text_facts(line, f);
    let mut r = Record::new(Span::line(source, no), when, Kind::Log, facts.text);
    if let Some(l) = facts.level {
        set_level(&mut r, l);
    }
    if let Some((s, e)) = f.service {
        attr(&mut r, "service", &line[s..e]);
    }
    if let Some(m) = facts.method {
        attr(&mut r, "method", m);
    }
    if let Some(s) = facts.status {
        attr(&mut r, "http_status", s);
    }
    r
}

fn reader<'a>(head: &str, cx: &'a Context<'_>, capacity: usize) -> Option<(Reader<'a>, Shape)> {
    let shape = dominant(head)?;
    let zone = match cx.zone {
        Some((name, tz)) => Zone { tz, name, assumed: false },
        None => Zone { tz: &UTC, name: "UTC", assumed: true },
    };
    let mut rd = Reader {
        source: cx.source,
        zone,
        anchor: cx.anchor_date,
        records: Vec::with_capacity(capacity),
        problems: Vec::new(),
        line_problems: 0,
        once: Once::default(),
        clock_date: None,
        last_clock: None,
        seen_timed: false,
    };
    if shape == Shape::Clock
        && let Some((d, start)) = header_date(head)
    {
        rd.clock_date = Some(d);
        rd.last_clock = start;
    }
    Some((rd, shape))
}

static UTC: TimeZone = TimeZone::UTC;

const NO_TIMES: &str =
    "no timestamped lines: expected lines that open with a time, JSON lines with a time field, or logfmt with ts=";

impl Reader<'_> {
    /// Reads line `no` (without its `\n`), as a record or as part of the one before.
    fn line(&mut self, shape: Shape, raw: &str, no: u32) {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            return;
        }
        if shape == Shape::Json {
            let l = line.trim();
            if l.starts_with('{') {
                self.json_line(l, no);
            } else {
                self.line_problem(no, "expected a JSON object on this line of a JSON-lines log — line skipped");
            }
            return;
        }
        self.line_found(line, no, parse_as(shape, line));
    }

    /// [`Reader::line`] for a text line (without its `\r`) whose time was looked for already.
    fn line_found(&mut self, line: &str, no: u32, found: Option<Found>) {
        if line.trim().is_empty() {
            return;
        }
        match found {
            Some(f) if f.shape == Shape::Logfmt => self.logfmt_line(line, no, f),
            Some(f) => self.text_line(line, no, f),
            None => self.untimed(line, no),
        }
    }

    /// The file-wide problems, once the last line is read.
    fn finish(&mut self) {
        if self.line_problems > MAX_LINE_PROBLEMS {
            self.problems.push(Problem {
                line: None,
                message: format!(
                    "{} more lines had problems like the ones above (only the first {MAX_LINE_PROBLEMS} are listed)",
                    self.line_problems - MAX_LINE_PROBLEMS
                ),
                can_continue: true,
            });
        }
        if self.once.assumed_zone {
            self.problems.push(Problem {
                line: None,
                message: "times without an offset were read as UTC because nothing states their zone — set `timezone` in incident.toml if they are local times".into(),
                can_continue: true,
            });
        }
        if self.once.no_year {
            self.problems.push(Problem {
                line: None,
                message: "lines carry no year and no other source dates the incident — their times are left unknown; add a source with full dates or `[moments]` in incident.toml".into(),
                can_continue: true,
            });
        }
        if self.once.clock_undated {
            self.problems.push(Problem {
                line: None,
                message: "[HH:MM:SS] lines have no date: no header line (`Started 2019-07-02 …`) and no other source dates the incident — their times are left unknown".into(),
                can_continue: true,
            });
        }
    }
}

fn parse(file: &SourceFile, cx: &Context<'_>) -> Parsed {
    let text = file.text.as_str();
    let capacity = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    let Some((mut rd, shape)) = reader(text, cx, capacity) else {
        return Parsed::fatal(NO_TIMES);
    };
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut no = 0u32;
    let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    for end in ends {
        no += 1;
        rd.line(shape, &text[start..end], no);
        start = end + 1;
    }
    rd.finish();
    Parsed { records: rd.records, problems: rd.problems, ..Parsed::default() }
}

/// What a log read in a stream yields.
pub(crate) struct Streamed {
    /// The records kept (the lines a review may cite) and the burst records, in line order.
    pub parsed: Parsed,
    pub templates: Vec<crate::digest::LogTemplate>,
    /// The raw text of every line the kept records span.
    pub raw: BTreeMap<u32, String>,
    /// Lines in the file.
    pub lines: u32,
    /// Records read (all of them, kept or not).
    pub read: usize,
    /// Lines answering a request with a server error, per minute.
    pub server_errors: Vec<(Timestamp, u64)>,
}

/// The most a record's raw lines may hold while it is read (a stack trace that runs on
/// past this is kept without its tail, and its citation is dropped if it needs it).
const RAW_CAP: usize = 1 << 20;

/// Reads a log too large to hold from `input`, a line at a time in 1 MiB chunks: every
/// line is parsed and folded into templates, bursts and onsets, and only the records a
/// review may cite are kept (see [`Digest`](crate::digest::Digest)). `file.text` holds the
/// file's first lines, which decide its layout.
pub(crate) fn stream(file: &SourceFile, mut input: impl Read, cx: &Context<'_>) -> Streamed {
    let mut out = Streamed {
        parsed: Parsed::default(),
        templates: Vec::new(),
        raw: BTreeMap::new(),
        lines: 0,
        read: 0,
        server_errors: Vec::new(),
    };
    let Some((mut rd, shape)) = reader(&file.text, cx, 4) else {
        out.parsed = Parsed::fatal(NO_TIMES);
        return out;
    };
    let mut digest = crate::digest::Digest::streamed(cx.source);
    // The raw lines since the last record read began.
    let mut raw = String::new();
    // Keeps `r` with the raw lines it spans (the first ones of `raw`).
    let keep = |digest: &mut crate::digest::Digest, r: Record, raw: &str, refs: u32| {
        let n = (r.span.end_line - r.span.line + 1) as usize;
        let end = memchr::memchr_iter(b'\n', raw.as_bytes()).nth(n - 1).unwrap_or(raw.len());
        digest.keep(r, raw[..end].to_string(), refs);
    };
    let take = |digest: &mut crate::digest::Digest, r: Record, raw: &str, read: &mut usize| {
        *read += 1;
        let refs = digest.add(&r);
        if refs > 0 {
            keep(digest, r, raw, refs);
        }
    };
    // A text record read without being made: made when it is complete, if the digest keeps it.
    let mut begun: Option<Begun> = None;
    let finish = |digest: &mut crate::digest::Digest, b: Begun, raw: &str| {
        if b.refs > 0 {
            let first = raw.split('\n').next().unwrap_or(raw);
            let mut r = text_record(cx.source, first, b.no, &b.found, b.when);
            r.span.end_line = b.end;
            keep(digest, r, raw, b.refs);
        }
    };
    let mut no = 0u32;
    let mut bad_utf8 = None;
    let mut buf = vec![0u8; 1 << 20];
    let mut filled = 0;
    let mut eof = false;
    while !eof {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        match input.read(&mut buf[filled..]) {
            Ok(0) => eof = true,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                rd.problems.push(Problem::whole(format!("reading stopped after line {no}: {e}")));
                eof = true;
            }
        }
        let scan_to = if eof { filled } else { memchr::memrchr(b'\n', &buf[..filled]).map_or(0, |i| i + 1) };
        if shape == Shape::Json {
            // One record per line: the lines are peeked at in parallel, then counted in order,
            // and a record is made only when the digest keeps it.
            let pre = block_lines(&buf[..scan_to], pre_line);
            for p in pre.iter().flatten() {
                no += 1;
                if matches!(p.line, Cow::Owned(_)) {
                    bad_utf8.get_or_insert(no);
                }
                let Some(peek) = &p.peek else {
                    rd.line(shape, &p.line, no);
                    for r in std::mem::take(&mut rd.records) {
                        take(&mut digest, r, &p.line, &mut out.read);
                    }
                    continue;
                };
                out.read += 1;
                let utc = match peek.stamp {
                    Stamp::Instant(t) => Some(t),
                    stamp => rd.when(stamp, "", no).utc,
                };
                let refs = digest.add_shaped(no, utc, peek.level, peek.status, &peek.text, peek.shape);
                if refs > 0 {
                    digest.keep_line(no, &p.line, refs);
                }
            }
        } else {
            // Times found and records read in parallel; counted in order, and made only when
            // the digest keeps them (or when a line needs the record reader: logfmt, bytes that
            // are not UTF-8, lines before the first time).
            let pre = block_lines(&buf[..scan_to], |(): &mut (), line| pre_text_line(line, shape));
            for p in pre.iter().flatten() {
                no += 1;
                let line: &str = &p.line;
                let found = match p.line {
                    Cow::Owned(_) => {
                        bad_utf8.get_or_insert(no);
                        parse_as(shape, line)
                    }
                    Cow::Borrowed(_) => p.found,
                };
                if let (Some(f), Some(peek)) = (found, &p.peek) {
                    // A record begins here: the ones before it are complete.
                    for r in rd.records.drain(..) {
                        take(&mut digest, r, &raw, &mut out.read);
                    }
                    if let Some(b) = begun.take() {
                        finish(&mut digest, b, &raw);
                    }
                    let when = rd.when(f.stamp, &line[f.start..f.end], no);
                    rd.seen_timed = true;
                    out.read += 1;
                    let refs = digest.add_shaped(no, when.utc, peek.level, peek.status, &peek.text, peek.shape);
                    begun = Some(Begun { no, end: no, when, found: f, refs });
                    raw.clear();
                    raw.push_str(line);
                    continue;
                }
                if let Some(b) = begun.as_mut()
                    && found.is_none()
                {
                    // A line no layout fits continues the record; a blank line is only kept.
                    if !line.trim().is_empty() {
                        b.end = no;
                    }
                    if raw.len() < RAW_CAP {
                        raw.push('\n');
                        raw.push_str(line);
                    }
                    continue;
                }
                if let Some(b) = begun.take() {
                    finish(&mut digest, b, &raw);
                }
                let before = rd.records.len();
                rd.line_found(line, no, found);
                if rd.records.len() > before {
                    // A record began here: the ones before it are complete.
                    let done = rd.records.len() - 1;
                    for r in rd.records.drain(..done) {
                        take(&mut digest, r, &raw, &mut out.read);
                    }
                    raw.clear();
                    raw.push_str(line);
                } else if !rd.records.is_empty() && raw.len() < RAW_CAP {
                    raw.push('\n');
                    raw.push_str(line);
                }
            }
        }
        buf.copy_within(scan_to..filled, 0);
        filled -= scan_to;
    }
    if let Some(b) = begun.take() {
        finish(&mut digest, b, &raw);
    }
    for r in std::mem::take(&mut rd.records) {
        take(&mut digest, r, &raw, &mut out.read);
    }
    digest.make_records(|no, line| {
        rd.json_line(line.trim(), no);
        rd.records.pop()
    });
    rd.finish();
    if let Some(line) = bad_utf8 {
        rd.problems.push(Problem::at(line, "invalid UTF-8 (first at this line); bad bytes replaced with U+FFFD"));
    }
    out.server_errors = digest.server_errors();
    let (records, raw, templates) = digest.finish();
    out.parsed = Parsed { records, problems: rd.problems, ..Parsed::default() };
    out.raw = raw;
    out.templates = templates;
    out.lines = no;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IncidentConfig;
    use crate::time::zone_named;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/logs/");
    const BUNDLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/eval/incidents/");
    const LOGHUB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/eval-data/loghub/");

    fn fixture(name: &str) -> SourceFile {
        let text = std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap();
        SourceFile::new(name, text)
    }

    #[test]
    fn level_words_in_any_case_and_nothing_else() {
        let words = [
            ("error", "error"),
            ("ERR", "error"),
            ("Severe", "error"),
            ("warn", "warn"),
            ("WARNING", "warn"),
            ("info", "info"),
            ("Notice", "info"),
            ("DEBUG", "debug"),
            ("trace", "debug"),
            ("FATAL", "fatal"),
            ("crit", "fatal"),
            ("Critical", "fatal"),
            ("emerg", "fatal"),
            ("PANIC", "fatal"),
            ("alert", "fatal"),
        ];
        for (w, level) in words {
            assert_eq!(level_word(w), Some(level), "{w}");
        }
        for w in ["", "e", "errors", "er", "error\0", "\0error", "inf", "infos", "criticals", "warnings", "déбug"] {
            assert_eq!(level_word(w), None, "{w:?}");
        }
        let cases = [
            ("  INFO ", Some("info")),
            ("30", Some("info")),
            ("+50", Some("error")),
            ("-1", None),
            ("W", Some("warn")),
        ];
        for (v, level) in cases {
            assert_eq!(normalize_level(v), level, "{v:?}");
        }
        assert_eq!((trim(" a\u{3000}"), trim("a"), trim_end("b \t"), trim("")), ("a", "a", "b", ""));
    }

    /// A file of the shared eval data, or `None` (with a note) in clones without it.
    #[allow(clippy::print_stderr)]
    fn shared(base: &str, path: &str) -> Option<SourceFile> {
        let full = format!("{base}{path}");
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
            source: 3,
            files: &[],
            config: &config,
            zone: zone.as_ref().map(|(n, z)| (n.as_str(), z)),
            anchor_date: anchor.map(|a| a.parse().unwrap()),
        };
        LogLines.parse(file, &cx)
    }

    fn at(p: &Parsed, line: u32) -> &Record {
        p.records.iter().find(|r| r.span.line == line).unwrap_or_else(|| panic!("no record at line {line}"))
    }

    fn utc(r: &Record) -> String {
        r.when.utc.map(|t| t.to_string()).unwrap_or_default()
    }

    /// Every record's text is verbatim in its lines (for files without JSON escapes).
    fn assert_verbatim(file: &SourceFile, p: &Parsed) {
        let lines: Vec<&str> = file.text.lines().collect();
        for r in &p.records {
            let span = lines[r.span.line as usize - 1..r.span.end_line as usize].join("\n");
            assert!(span.contains(&r.text), "{:?} not in lines {}..{}", r.text, r.span.line, r.span.end_line);
        }
    }

    #[test]
    fn json_lines_in_several_dialects() {
        let f = fixture("app.jsonl");
        assert_eq!(LogLines.sniff(&f), 60);
        let p = read(&f, None, None);
        assert_eq!(p.records.len(), 9, "the broken line is skipped");
        assert!(p.records.iter().all(|r| r.span.source == 3));

        let ok = at(&p, 1);
        assert_eq!(utc(ok), "2024-10-08T14:40:00.975Z");
        assert_eq!(ok.when.precision, Precision::Exact);
        assert_eq!(ok.when.original.as_deref(), Some("2024-10-08T14:40:00.975Z"));
        assert_eq!(ok.kind, Kind::Log);
        assert_eq!(ok.text, "POST /api/v1/checkout 201 583ms");
        assert_eq!(ok.attr("service"), Some("checkout-api"));
        assert_eq!(ok.attr("version"), Some("2.31.0"));
        assert_eq!(ok.attr("http_status"), Some("201"));
        assert_eq!(ok.attr("method"), Some("POST"));

        let err = at(&p, 2);
        assert_eq!(err.kind, Kind::Signal);
        assert_eq!(err.attr("level"), Some("error"));
        assert_eq!(err.text, "checkout failed: pool \"HikariPool-1\" timed out", "escapes decoded");

        let pino = at(&p, 3);
        assert_eq!(utc(pino), "2024-10-08T14:43:05Z");
        assert_eq!(pino.attr("level"), Some("error"));
        assert_eq!(pino.text, "upstream reset");

        let gcp = at(&p, 4);
        assert_eq!(utc(gcp), "2024-10-08T14:43:07.5Z", "timestamp wins over receiveTimestamp");
        assert_eq!((gcp.text.as_str(), gcp.attr("level")), ("retrying charge", Some("warn")));
        let crit = at(&p, 5);
        assert_eq!((crit.kind, crit.attr("level")), (Kind::Signal, Some("fatal")));
        assert_eq!(crit.text, "panic: nil map write");
        assert_eq!((crit.attr("method"), crit.attr("http_status")), (Some("PUT"), Some("503")));

        let docker = at(&p, 6);
        assert_eq!(docker.text, "GET /healthz 200");
        assert_eq!(utc(docker), "2024-10-08T14:43:09.123456789Z");

        let slog = at(&p, 7);
        assert_eq!(utc(slog), "2024-10-08T14:43:10Z", "offset applied");
        assert_eq!(slog.text, "config reload failed");
        assert_eq!(slog.attr("error"), Some("duplicated key: pool.size"));
        assert_eq!(slog.attr("service"), Some("loader"));
        assert_eq!(slog.summary.as_deref(), Some("config reload failed: duplicated key: pool.size"));

        let untimed = at(&p, 8);
        assert!(!untimed.when.is_known());
        assert!(p.problems.iter().any(|q| q.line == Some(8) && q.message.contains("no time field")));
        assert!(p.problems.iter().any(|q| q.line == Some(9) && q.message.contains("JSON") && q.can_continue));

        let naive = at(&p, 10);
        assert_eq!(utc(naive), "2024-10-08T14:43:13Z");
        assert_eq!(naive.when.basis, ZoneBasis::Assumed("UTC".into()));
        assert_eq!(naive.when.precision, Precision::Inferred);
        assert_eq!(naive.attr("level"), Some("warn"));
        let assumed: Vec<_> = p.problems.iter().filter(|q| q.message.contains("read as UTC")).collect();
        assert_eq!(assumed.len(), 1, "one problem for the file");
        assert_eq!(assumed[0].line, None);
        assert!(assumed[0].message.contains("incident.toml"));
    }

    #[test]
    fn naive_json_times_read_in_the_incident_zone() {
        let f = fixture("app.jsonl");
        let p = read(&f, Some("America/Chicago"), None);
        let naive = at(&p, 10);
        assert_eq!(utc(naive), "2024-10-08T19:43:13Z");
        assert_eq!(naive.when.basis, ZoneBasis::IncidentToml("America/Chicago".into()));
        assert_eq!(naive.when.precision, Precision::Exact);
        assert!(!p.problems.iter().any(|q| q.message.contains("read as UTC")));
    }

    #[test]
    fn logfmt_lines() {
        let f = fixture("provision.logfmt");
        assert_eq!(LogLines.sniff(&f), 65);
        let p = read(&f, None, None);
        assert_eq!(p.records.len(), 4);
        assert_verbatim(&f, &p);
        let first = at(&p, 1);
        assert_eq!(utc(first), "2021-01-04T14:30:00Z");
        assert!(first.text.starts_with("msg=\"provision request accepted\" req=req-1"));
        let err = at(&p, 2);
        assert_eq!((err.kind, err.attr("level")), (Kind::Signal, Some("error")));
        assert_eq!(err.attr("error"), Some("accept tcp [::]:7443: too many open files"));
        let warn = at(&p, 3);
        assert_eq!(utc(warn), "2021-01-04T15:17:23Z", "quoted time value");
        assert_eq!((warn.attr("level"), warn.attr("service")), (Some("warn"), Some("provision-service")));
        let bare = at(&p, 4);
        assert_eq!(bare.text, "ts=2021-01-04T15:17:24Z level=info status=503 method=POST path=/v1/provision");
        assert_eq!((bare.attr("http_status"), bare.attr("method")), (Some("503"), Some("POST")));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
    }

    #[test]
    fn iso_lines_with_continuations() {
        let f = fixture("actions.log");
        let p = read(&f, None, None);
        assert_eq!(p.records.len(), 7);
        assert_verbatim(&f, &p);
        assert_eq!(utc(&p.records[0]), "2024-10-08T14:36:45.0000197Z", "7 fraction digits kept");
        let err = at(&p, 5);
        assert_eq!(err.text, "Error: rollout failed");
        assert_eq!((err.kind, err.attr("level")), (Kind::Signal, Some("error")));
        assert_eq!((err.span.line, err.span.end_line), (5, 8), "the traceback joins its line");
        assert_eq!(at(&p, 10).attr("level"), Some("warn"));
        assert_eq!(at(&p, 11).attr("level"), Some("error"));
        assert_eq!(at(&p, 2).attr("level"), None, "##[group] is not a level");
        assert!(p.problems.is_empty());
    }

    #[test]
    fn naive_lines_with_a_daylight_saving_fold() {
        let f = fixture("worker.log");
        assert_eq!(LogLines.sniff(&f), 65, "the stack trace does not make it notes");
        let p = read(&f, Some("CT"), None);
        assert_eq!(p.records.len(), 4);
        assert_verbatim(&f, &p);
        let e = at(&p, 3);
        assert_eq!(utc(e), "2024-10-08T14:43:05.207Z");
        assert_eq!(e.when.original.as_deref(), Some("2024-10-08 09:43:05,207"));
        assert_eq!(e.text, "ERROR [http-57] c.l.worker.Api - checkout failed");
        assert_eq!((e.span.end_line, e.kind), (6, Kind::Signal));
        assert_eq!(at(&p, 2).attr("level"), Some("warn"));
        let fold = p.problems.iter().find(|q| q.line == Some(7)).expect("fold problem");
        assert!(fold.message.contains("fold"));
    }

    #[test]
    fn syslog_takes_its_year_from_the_anchor() {
        let f = fixture("edge.syslog");
        assert_eq!(LogLines.sniff(&f), 65);
        let p = read(&f, None, Some("2024-01-01"));
        assert_eq!(p.records.len(), 4);
        assert_verbatim(&f, &p);
        let dec = at(&p, 1);
        assert_eq!(utc(dec), "2023-12-31T23:59:58Z", "December in a January bundle is last year");
        assert_eq!(dec.text, "kernel: [1234.5] eth0: link up");
        assert_eq!(dec.attr("service"), Some("kernel"));
        assert_eq!(dec.when.basis, ZoneBasis::Assumed("UTC".into()));
        let jan = at(&p, 2);
        assert_eq!(utc(jan), "2024-01-01T00:00:01Z");
        assert_eq!((jan.kind, jan.attr("service")), (Kind::Signal, Some("fl")));
        let pri = at(&p, 3);
        assert_eq!((pri.attr("level"), pri.attr("service")), (Some("error"), Some("health")), "PRI 27 = daemon.err");
        let nginx = at(&p, 4);
        assert_eq!(nginx.attr("level"), Some("error"));
        assert_eq!((nginx.span.line, nginx.span.end_line), (4, 5));

        let none = read(&f, None, None);
        assert!(none.records.iter().all(|r| !r.when.is_known()));
        assert_eq!(none.records[0].when.original.as_deref(), Some("Dec 31 23:59:58"));
        assert!(none.problems.iter().any(|q| q.message.contains("no year")));
    }

    #[test]
    fn rfc5424_lines() {
        let f = fixture("collector.rfc5424");
        let p = read(&f, None, None);
        assert_eq!(p.records.len(), 3);
        assert_verbatim(&f, &p);
        let a = at(&p, 1);
        assert_eq!(utc(a), "2024-10-08T14:42:30.003Z");
        assert_eq!(a.text, "queue depth 9000 above limit");
        assert_eq!((a.attr("service"), a.attr("level")), (Some("evntslog"), Some("info")));
        let b = at(&p, 2);
        assert_eq!((b.kind, b.attr("level")), (Kind::Signal, Some("error")));
        assert_eq!(b.text, "delivery failed: connection refused");
        assert_eq!(at(&p, 3).attr("service"), None);
        assert!(p.problems.is_empty());
    }

    #[test]
    fn build_log_dated_by_its_header_past_midnight() {
        let f = fixture("teamcity.log");
        assert_eq!(LogLines.sniff(&f), 65);
        let p = read(&f, Some("UTC"), None);
        assert_eq!(p.records.len(), 7, "3 header lines and 4 timed lines");
        assert_verbatim(&f, &p);
        assert!(!at(&p, 1).when.is_known());
        assert_eq!(utc(at(&p, 2)), "2024-10-08T23:58:10Z");
        assert_eq!(at(&p, 5).text, "The build is removed from the queue to be prepared for the start");
        assert_eq!(at(&p, 5).when.original.as_deref(), Some("23:58:10"));
        assert_eq!(utc(at(&p, 6)), "2024-10-08T23:59:59Z");
        assert_eq!(utc(at(&p, 7)), "2024-10-09T00:00:04Z", "past midnight");
        assert_eq!(utc(at(&p, 8)), "2024-10-09T00:00:05Z");
        assert_eq!(at(&p, 8).when.basis, ZoneBasis::IncidentToml("UTC".into()));
    }

    #[test]
    fn common_log_format() {
        let f = fixture("access.log");
        let p = read(&f, None, None);
        assert_eq!(p.records.len(), 2);
        assert_verbatim(&f, &p);
        let a = at(&p, 1);
        assert_eq!(utc(a), "2024-10-08T14:43:05Z");
        assert_eq!(a.text, "\"POST /api/v1/checkout HTTP/1.1\" 500 123 \"-\" \"curl/8.4\"");
        assert_eq!((a.attr("method"), a.attr("http_status")), (Some("POST"), Some("500")));
        assert!(p.problems.is_empty(), "offsets are explicit");
    }

    #[test]
    fn apache_error_log() {
        let f = fixture("httpd-error.log");
        let p = read(&f, Some("UTC"), None);
        assert_eq!(p.records.len(), 3);
        assert_verbatim(&f, &p);
        assert_eq!(at(&p, 1).attr("level"), Some("info"));
        let e = at(&p, 2);
        assert_eq!(utc(e), "2024-10-08T14:43:05.123456Z");
        assert_eq!((e.kind, e.attr("level")), (Kind::Signal, Some("error")));
        assert_eq!(at(&p, 3).text, "[error] [client 203.0.113.7] File does not exist: /var/www/favicon.ico");
    }

    #[test]
    fn level_tokens() {
        assert_eq!(level_in_text("INFO  deployer x"), Some("info"));
        assert_eq!(level_in_text("148 INFO dfs.DataNode"), Some("info"));
        assert_eq!(level_in_text("##[error]Process completed"), Some("error"));
        assert_eq!(level_in_text("error: Received disconnect"), Some("error"));
        assert_eq!(level_in_text("Warning: low disk"), Some("warn"));
        assert_eq!(level_in_text("level=crit msg=x"), Some("fatal"));
        assert_eq!(level_in_text("an error happened"), None, "lowercase prose is not a level");
        assert_eq!(level_in_text("E 1702 WindowManager"), None, "one letter is too risky");
        assert_eq!(level_in_text("ALERT raised by rule"), None);
        assert_eq!(level_in_text("[alert] apache"), Some("fatal"));
        assert_eq!(level_in_text("a b c d e f ERROR"), None, "only the first words");
    }

    #[test]
    fn sniff_leaves_other_formats_alone() {
        let s = |path: &str, text: &str| LogLines.sniff(&SourceFile::new(path, text));
        assert_eq!(s("a.json", "[\n  {\n    \"ts\": \"1728399151.9\",\n    \"text\": \"hi\"\n  }\n]\n"), 0);
        let am = "{\"receiver\":\"x\",\"status\":\"firing\",\"alerts\":[{\"startsAt\":\"2024-10-08T14:42:30Z\"}]}\n";
        assert_eq!(s("a.jsonl", &am.repeat(3)), 0);
        assert_eq!(s("n.md", "# notes\n9:52 opened channel\n9:55 rollback?\n"), 0);
        assert_eq!(
            s("m.csv", "time,rps\n2024-10-08T14:00:00Z,12\n2024-10-08T14:01:00Z,13\n2024-10-08T14:02:00Z,11\n"),
            20,
            "a CSV with a time column is the metrics reader's"
        );
        assert_eq!(
            s("m.csv", "\"Time\",\"cpu\"\n2024-10-08 08:55:00,29.5\n2024-10-08 09:00:00,30.1\n"),
            20,
            ",29 is not a fraction"
        );
        assert_eq!(s("x.txt", "hello\nworld\n"), 0);
        assert_eq!(s("app.log", "2024-10-08T14:00:00Z started\n2024-10-08T14:00:01Z ready\n"), 65);
        assert_eq!(s("notes.md", "2024-10-08 14:00 started\n2024-10-08 14:01 ready\n"), 0, "no seconds: notes");
        let slack_jsonl = "{\"ts\":\"1728399151.919650\",\"user\":\"U1\",\"text\":\"hi\"}\n".repeat(3);
        assert_eq!(s("m.jsonl", &slack_jsonl), 30, "a time but no message field");
    }

    proptest::proptest! {
        #[test]
        fn any_log_parses_with_verbatim_texts(
            lines in proptest::collection::vec(
                "(2024-10-0[1-9][T ][0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9}|,[0-9]{3})?(Z|[+-]0[0-9]:?00| UTC)? |[JFMASOND][a-z]{2} {1,2}[0-9]{1,2} [0-2][0-9]:[0-5][0-9]:[0-5][0-9] |<[0-9]{1,3}>1? ?|\\[[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\\]|ts=[0-9T:.Z-]{0,24} |\\t|)(ERROR|WARN|\\[error\\]|level=info|)[ -~]{0,30}",
                0..30,
            )
        ) {
            let file = SourceFile::new("x.log", lines.join("\n"));
            let _ = LogLines.sniff(&file);
            let p = read(&file, None, Some("2024-10-08"));
            let all: Vec<&str> = file.text.lines().collect();
            for r in &p.records {
                proptest::prop_assert!(r.span.line >= 1 && r.span.end_line as usize <= all.len().max(1));
                let span = all[r.span.line as usize - 1..r.span.end_line as usize].join("\n");
                proptest::prop_assert!(span.contains(&r.text), "{:?} not in {:?}", r.text, span);
            }
        }
    }

    #[test]
    fn a_word_starting_with_equals_does_not_hang() {
        let pairs: Vec<_> = pairs("ts=2024-10-08T14:00:00Z =x a==b msg=ok =").map(|p| (p.key, p.value)).collect();
        assert_eq!(pairs, [("ts", "2024-10-08T14:00:00Z"), ("a", "=b"), ("msg", "ok")]);
        let f = SourceFile::new("x.log", "ts=2024-10-08T14:00:00Z =x msg=a\nk =v\n");
        let _ = read(&f, None, Some("2024-10-08"));
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "{", "{\"time\":", "<", "<999>", "[", "[12:", "Jan", "Jan 99 12:00:00", "2024-13-45T99:99:99Z x",
            "\u{feff}\u{0}", "ts=", "- 12345", "1728399151",
        ] {
            let f = SourceFile::new("x.log", format!("{text}\n{text}"));
            let _ = LogLines.sniff(&f);
            let _ = read(&f, None, Some("2024-01-01"));
        }
    }

    #[test]
    fn checkout_app_log() {
        let Some(f) = shared(BUNDLES, "checkout-timeouts/bundle/logs/checkout-us-east-1.jsonl") else {
            return;
        };
        let p = read(&f, Some("America/Chicago"), Some("2024-10-08"));
        assert_eq!(p.records.len(), 5627);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let first500 = at(&p, 245);
        assert_eq!(utc(first500), "2024-10-08T14:43:05.207Z");
        assert_eq!((first500.kind, first500.attr("level")), (Kind::Signal, Some("error")));
        assert!(first500.text.starts_with("checkout failed order=ord_9VD3T1PZQ6"));
        assert_eq!(p.records.iter().filter(|r| r.kind == Kind::Signal).count(), 283);
        let pool = at(&p, 168);
        assert_eq!((pool.attr("level"), pool.attr("service")), (Some("warn"), Some("checkout-api")));
        assert!(pool.text.starts_with("db pool saturated: active=16/16"));
    }

    #[test]
    fn prow_hook_logs() {
        let Some(f) = shared(BUNDLES, "k8s-prow-2019-01-23/bundle/logs/hook-last3h.jsonl") else {
            return;
        };
        let p = read(&f, Some("America/Los_Angeles"), Some("2019-01-23"));
        assert_eq!(p.records.len(), 1548);
        let fatal = at(&p, 1450);
        assert_eq!(utc(fatal), "2019-01-23T16:08:30Z");
        assert_eq!((fatal.kind, fatal.attr("level")), (Kind::Signal, Some("fatal")));
        assert_eq!(fatal.text, "Error starting config agent.");
        assert_eq!(fatal.attr("error"), Some("duplicated preset label : preset-aws-credential"));
        assert_eq!(fatal.attr("service"), Some("hook"));
        let Some(f) = shared(BUNDLES, "k8s-prow-2019-01-23/bundle/logs/hook-2019-01-22-1450-1550PST.jsonl") else {
            return;
        };
        let p = read(&f, Some("America/Los_Angeles"), Some("2019-01-23"));
        assert_eq!(p.records.len(), 5166);
        let first = at(&p, 1103);
        assert_eq!(utc(first), "2019-01-22T23:29:47Z", "contents are UTC whatever the name says");
        assert_eq!((first.kind, first.text.as_str()), (Kind::Signal, "Error loading config."));
    }

    #[test]
    fn provision_logfmt_log() {
        let Some(f) = shared(BUNDLES, "slack-2021-01-04/bundle/logs/provision-service/prov-use1-01.log") else {
            return;
        };
        assert_eq!(LogLines.sniff(&f), 65);
        let p = read(&f, None, Some("2021-01-04"));
        assert_eq!(p.records.len(), 4567);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let fd = at(&p, 1124);
        assert_eq!(utc(fd), "2021-01-04T15:17:22Z");
        assert_eq!(
            (fd.kind, fd.attr("error")),
            (Kind::Signal, Some("accept tcp [::]:7443: accept4: too many open files"))
        );
        let restart = at(&p, 3234);
        assert_eq!(utc(restart), "2021-01-04T16:08:55Z");
        assert!(restart.text.starts_with("msg=\"provision-service starting\""));
    }

    #[test]
    fn cloudflare_edge_syslog_and_ci_logs() {
        let Some(f) = shared(BUNDLES, "cloudflare-2019-07-02/bundle/edge/lhr-m27.syslog") else {
            return;
        };
        let p = read(&f, None, Some("2019-07-02"));
        assert_eq!(p.records.len(), 3615);
        assert_verbatim(&f, &p);
        let cpu = at(&p, 395);
        assert_eq!(utc(cpu), "2019-07-02T13:42:10Z");
        assert_eq!(cpu.when.basis, ZoneBasis::Assumed("UTC".into()));
        assert_eq!(cpu.attr("service"), Some("fl-stats"));
        assert!(cpu.text.contains("cpu_http=96.3%"));
        assert_eq!(at(&p, 399).attr("level"), Some("warn"));
        assert_eq!(at(&p, 401).kind, Kind::Signal, "nginx [error] upstream timed out");
        assert_eq!(p.problems.len(), 1, "one problem: the zone was assumed");

        let Some(f) = shared(BUNDLES, "cloudflare-2019-07-02/bundle/ci/teamcity-waf-managed-rules-4211.log") else {
            return;
        };
        let p = read(&f, None, Some("2019-07-02"));
        assert_eq!(p.records.len(), 28);
        assert_eq!(utc(at(&p, 29)), "2019-07-02T13:37:04Z");
        assert_eq!(at(&p, 29).text, "Build finished");
        assert_eq!(utc(at(&p, 22)), "2019-07-02T13:36:56Z");

        let Some(f) = shared(BUNDLES, "cloudflare-2019-07-02/bundle/ci/waf-rules-deployer.log") else {
            return;
        };
        let p = read(&f, None, None);
        assert_eq!(p.records.len(), 19);
        let kill = at(&p, 13);
        assert_eq!((utc(kill).as_str(), kill.attr("level")), ("2019-07-02T14:07:09.214Z", Some("warn")));
    }

    #[test]
    fn github_actions_log() {
        let Some(f) = shared(BUNDLES, "checkout-timeouts/bundle/github/actions/deploy-11237402214.log") else {
            return;
        };
        let p = read(&f, Some("America/Chicago"), None);
        assert_eq!(p.records.len(), 94);
        assert_verbatim(&f, &p);
        let pool = at(&p, 53);
        assert_eq!(utc(pool), "2024-10-08T14:37:07.3019391Z");
        assert_eq!(pool.text, "+   DB_POOL_MAXIMUM_POOL_SIZE: \"16\"");
        assert_eq!(at(&p, 86).attr("level"), Some("warn"));
    }

    #[test]
    fn loghub_layouts() {
        // (file, records with a known time, first record's UTC time, error-level records)
        let cases = [
            ("Apache/Apache_2k.log", 2000, "2005-12-04T04:47:44Z", 595),
            ("BGL/BGL_2k.log", 2000, "2005-06-03T22:42:50Z", 395),
            ("HDFS/HDFS_2k.log", 2000, "2008-11-09T20:36:15Z", 0),
            ("Hadoop/Hadoop_2k.log", 2000, "2015-10-18T18:01:47.978Z", 152),
            ("Linux/Linux_2k.log", 2000, "2005-06-14T15:16:01Z", 0),
            ("OpenSSH/OpenSSH_2k.log", 2000, "2004-12-10T06:55:46Z", 48),
            ("Spark/Spark_2k.log", 2000, "2017-06-09T20:10:40Z", 0),
            ("Windows/Windows_2k.log", 2000, "2016-09-28T04:30:30Z", 0),
            ("Zookeeper/Zookeeper_2k.log", 2000, "2015-07-29T17:41:44.747Z", 13),
            ("Android/Android_2k.log", 2000, "2005-03-17T16:13:38.811Z", 0),
            ("Proxifier/Proxifier_2k.log", 2000, "2005-10-30T16:49:06Z", 0),
        ];
        for (path, known, first, signals) in cases {
            let Some(f) = shared(LOGHUB, path) else { return };
            assert_eq!(LogLines.sniff(&f), 65, "{path}");
            let p = read(&f, None, Some("2005-06-01"));
            assert_eq!(p.records.iter().filter(|r| r.when.is_known()).count(), known, "{path}");
            assert_eq!(utc(&p.records[0]), first, "{path}");
            assert_eq!(p.records.iter().filter(|r| r.kind == Kind::Signal).count(), signals, "{path}");
            assert_verbatim(&f, &p);
        }
        // HPC puts its epoch in the fifth column: not a layout debrief reads.
        let Some(f) = shared(LOGHUB, "HPC/HPC_2k.log") else { return };
        assert_eq!(LogLines.sniff(&f), 0);
    }
}
