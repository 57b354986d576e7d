//! Container runtime logs, as the kubelet keeps them on the node.
//!
//! - CRI (containerd, CRI-O; `/var/log/pods/<ns>_<pod>_<uid>/<container>/0.log`):
//!   `2024-10-08T14:42:04.123456789Z stdout F message` — the time, the stream, `F` for a full
//!   line or `P` for a part the runtime split; parts join the lines after them up to the
//!   next `F` into one record spanning them.
//! - Docker's json-file driver: `{"log":"message\n","stream":"stderr","time":"…"}`, where a
//!   `log` without its final `\n` is a part continued on the next line.
//!
//! The message is what the container wrote. Its level — a JSON `level`/`severity`/`lvl`
//! field, a logfmt `level=`, a klog `E1008 …` prefix, or a level word among its first words
//! (`ERROR`, `[warn]`) — becomes the `level` attribute, and an error or fatal message is a
//! [`Kind::Signal`] (others [`Kind::Log`]). The stream is the `stream` attribute; a
//! container named by the file's path (`…/<container>/0.log`,
//! `<pod>_<ns>_<container>-<id>.log`) is the `service`.

use std::borrow::Cow;

use debrief_model::{Kind, Problem, Record, SourceFile, Span, When};
use jiff::Timestamp;
use serde::Deserialize;

use crate::adapter::{Adapter, Context, Parsed};
use crate::lines::head_lines as head;
use crate::lines::numbered;
use crate::time::parse_instant;

pub struct ContainerLogs;

/// How many lines `sniff` looks at.
const SNIFF_LINES: usize = 20;
/// Line problems listed one by one before they are only counted.
const MAX_PROBLEMS: usize = 50;
/// The longest joined message kept in a summary.
const MAX_SUMMARY: usize = 2000;

impl Adapter for ContainerLogs {
    fn format(&self) -> &'static str {
        "container-log"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let mut n = 0;
        let mut hits = 0;
        for (_, line) in numbered(head(&file.text, 16 * 1024)).filter(|(_, l)| !l.trim().is_empty()).take(SNIFF_LINES) {
            n += 1;
            if cri_line(line).is_some() || docker_line(line).is_some() {
                hits += 1;
            }
        }
        if n > 0 && hits * 10 >= n * 8 { 90 } else { 0 }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        let mut r =
            Reader { source: cx.source, service: container_of(&file.path), out: Parsed::default(), problems: 0 };
        r.read(&file.text);
        r.out
    }
}

/// One line of either layout.
struct Line<'l> {
    time: Option<Timestamp>,
    raw_time: Cow<'l, str>,
    stream: Cow<'l, str>,
    /// A part the runtime split; the message goes on in the next line.
    partial: bool,
    message: Cow<'l, str>,
}

/// `2024-10-08T14:42:04.123456789Z stdout F message`.
fn cri_line(line: &str) -> Option<Line<'_>> {
    let (time, rest) = line.split_once(' ')?;
    if time.len() < 20
        || !time.as_bytes().first().is_some_and(u8::is_ascii_digit)
        || time.as_bytes().get(10) != Some(&b'T')
    {
        return None;
    }
    let (stream, rest) = rest.split_once(' ')?;
    if !matches!(stream, "stdout" | "stderr") {
        return None;
    }
    let (tag, message) = rest.split_once(' ').unwrap_or((rest, ""));
    // The tag is `F` or `P`, possibly with further `:`-separated flags.
    let partial = match tag.split(':').next() {
        Some("F") => false,
        Some("P") => true,
        _ => return None,
    };
    Some(Line {
        time: parse_instant(time),
        raw_time: Cow::Borrowed(time),
        stream: Cow::Borrowed(stream),
        partial,
        message: Cow::Borrowed(message),
    })
}

#[derive(Deserialize)]
struct DockerLine<'a> {
    #[serde(borrow)]
    log: Cow<'a, str>,
    #[serde(borrow, default)]
    stream: Option<Cow<'a, str>>,
    #[serde(borrow)]
    time: Cow<'a, str>,
}

/// `{"log":"message\n","stream":"stderr","time":"2024-10-08T14:42:04.123456789Z"}`.
fn docker_line(line: &str) -> Option<Line<'_>> {
    let t = line.trim();
    let shaped = t.starts_with("{\"log\"") || t.starts_with('{') && t.contains("\"log\"") && t.contains("\"time\"");
    if !shaped {
        return None;
    }
    let d: DockerLine<'_> = serde_json::from_str(t).ok()?;
    let (message, partial) = match d.log {
        Cow::Borrowed(s) => {
            let full = s.strip_suffix('\n');
            (Cow::Borrowed(full.unwrap_or(s)), full.is_none())
        }
        Cow::Owned(s) => {
            let partial = !s.ends_with('\n');
            (Cow::Owned(s.strip_suffix('\n').unwrap_or(&s).to_string()), partial)
        }
    };
    let message = match message {
        Cow::Borrowed(m) => Cow::Borrowed(m.strip_suffix('\r').unwrap_or(m)),
        Cow::Owned(m) => Cow::Owned(m.strip_suffix('\r').unwrap_or(&m).to_string()),
    };
    Some(Line {
        time: parse_instant(&d.time),
        raw_time: d.time,
        stream: d.stream.unwrap_or(Cow::Borrowed("stdout")),
        partial,
        message,
    })
}

/// The container a kubelet log path names: `…/<ns>_<pod>_<uid>/<container>/0.log` or
/// `…/<pod>_<ns>_<container>-<64 hex>.log`.
fn container_of(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split(['/', '\\']).collect();
    let file = parts.last()?;
    if let Some(stem) = file.strip_suffix(".log") {
        // /var/log/containers/<pod>_<ns>_<container>-<id>.log
        let fields: Vec<&str> = stem.split('_').collect();
        if let [_, _, last] = fields.as_slice()
            && let Some((container, id)) = last.rsplit_once('-')
            && id.len() == 64
            && id.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Some(container.to_string());
        }
        // /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log
        if stem.bytes().all(|b| b.is_ascii_digit())
            && let [.., pod_dir, container, _] = parts.as_slice()
            && pod_dir.split('_').count() == 3
        {
            return Some((*container).to_string());
        }
    }
    None
}

/// A level as debrief writes it, from a level field's value (quoted or not).
fn normalize_level(v: &str) -> Option<&'static str> {
    super::logs::normalize_level(v.trim().trim_matches('"'))
}

/// The level a container's message states, if it states one.
fn level_of(message: &str) -> Option<&'static str> {
    let m = message.trim_start();
    if m.starts_with('{') {
        if let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(m) {
            for key in ["level", "severity", "lvl", "log.level", "loglevel", "levelname"] {
                if let Some(l) = o
                    .get(key)
                    .and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_u64().map(|n| n.to_string())))
                    .and_then(|v| normalize_level(&v))
                {
                    return Some(l);
                }
            }
            if let Some(l) = o.get("log").and_then(|l| l.get("level")).and_then(serde_json::Value::as_str) {
                return normalize_level(l);
            }
        }
        return None;
    }
    // klog: `E1008 14:42:04.123456       1 main.go:42] …`
    let b = m.as_bytes();
    if b.len() > 6
        && matches!(b.first(), Some(b'I' | b'W' | b'E' | b'F'))
        && b.get(1..5).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && b.get(5) == Some(&b' ')
    {
        return normalize_level(m.get(..1).unwrap_or(""));
    }
    for (i, tok) in m.split_ascii_whitespace().take(6).enumerate() {
        if let Some(v) =
            tok.strip_prefix("level=").or_else(|| tok.strip_prefix("lvl=")).or_else(|| tok.strip_prefix("severity="))
        {
            return normalize_level(v);
        }
        let bracketed = tok.starts_with('[') || tok.starts_with('<');
        let word = tok.trim_matches(|c: char| !c.is_ascii_alphabetic());
        let upper = word.len() >= 3 && word.bytes().all(|c| c.is_ascii_uppercase());
        let first_colon = i == 0 && tok.ends_with(':');
        if (bracketed || upper || first_colon)
            && word.len() >= 3
            && !word.eq_ignore_ascii_case("alert")
            && let Some(l) = normalize_level(word)
        {
            return Some(l);
        }
    }
    None
}

/// A message being joined from parts.
struct Pending {
    first: u32,
    last: u32,
    time: Option<Timestamp>,
    raw_time: String,
    stream: String,
    /// The first part, verbatim on the first line.
    lead: String,
    joined: String,
    parts: usize,
}

struct Reader {
    source: u32,
    service: Option<String>,
    out: Parsed,
    problems: usize,
}

impl Reader {
    fn problem(&mut self, line: u32, message: impl Into<String>) {
        self.problems += 1;
        if self.problems <= MAX_PROBLEMS {
            self.out.problems.push(Problem::at(line, message));
        } else if self.problems == MAX_PROBLEMS + 1 {
            self.out.problems.push(Problem::at(line, "more problems like the above — no longer listed"));
        }
    }

    fn read(&mut self, text: &str) {
        let mut pending: Option<Pending> = None;
        for (n, raw) in numbered(text) {
            if raw.trim().is_empty() {
                continue;
            }
            let Some(line) = cri_line(raw).or_else(|| docker_line(raw)) else {
                self.problem(
                    n,
                    "expected a CRI line (`<time> stdout|stderr F|P <message>`) or a Docker json-file line — skipped",
                );
                continue;
            };
            if line.time.is_none() {
                self.problem(
                    n,
                    format!("{:?} is not a time with an offset — the line's time is unknown", line.raw_time),
                );
            }
            let p = match pending.take() {
                // Parts of one message share their stream.
                Some(mut p) if p.stream == line.stream => {
                    p.last = n;
                    p.joined.push_str(&line.message);
                    p.parts += 1;
                    p
                }
                other => {
                    if let Some(p) = other {
                        self.problem(p.first, "a partial line's message never finished — kept as it is");
                        self.finish(p);
                    }
                    Pending {
                        first: n,
                        last: n,
                        time: line.time,
                        raw_time: line.raw_time.into_owned(),
                        stream: line.stream.into_owned(),
                        lead: line.message.to_string(),
                        joined: line.message.into_owned(),
                        parts: 1,
                    }
                }
            };
            if line.partial {
                pending = Some(p);
            } else {
                self.finish(p);
            }
        }
        if let Some(p) = pending {
            self.problem(p.first, "the file ends inside a partial line — its message is kept as it is");
            self.finish(p);
        }
    }

    fn finish(&mut self, p: Pending) {
        let level = level_of(&p.joined);
        let kind = if matches!(level, Some("error" | "fatal")) { Kind::Signal } else { Kind::Log };
        let when = p.time.map_or_else(When::unknown, |t| When::exact(t).with_original(p.raw_time.clone()));
        let text = if p.lead.trim().is_empty() { p.joined.trim().to_string() } else { p.lead };
        let mut r =
            Record::new(Span::lines(self.source, p.first, p.last), when, kind, text).with_attr("stream", p.stream);
        if p.parts > 1 {
            let mut joined = p.joined;
            if joined.len() > MAX_SUMMARY {
                let mut cut = MAX_SUMMARY;
                while !joined.is_char_boundary(cut) {
                    cut -= 1;
                }
                joined.truncate(cut);
                joined.push('…');
            }
            r = r.with_summary(joined);
        }
        if let Some(l) = level {
            r = r.with_attr("level", l);
        }
        if let Some(s) = &self.service {
            r = r.with_attr("service", s.clone());
        }
        self.out.records.push(r);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::journald::testkit::{assert_quotable, at, detected, parse, sniff, spans};
    use super::*;

    const CRI: &str = include_str!("../../tests/fixtures/container-log/checkout-api-0.log");
    const DOCKER: &str = include_str!("../../tests/fixtures/container-log/docker-json.log");

    #[test]
    fn cri_lines_with_partials_and_levels() {
        let path = "var/log/pods/checkout_checkout-api-7d9c_0b7e/checkout-api/0.log";
        assert_eq!(sniff(&ContainerLogs, path, CRI), 90);
        assert_eq!(detected(path, CRI), Some("container-log"));
        let p = parse(&ContainerLogs, path, CRI);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(spans(&p), [(1, 1), (2, 2), (3, 5), (6, 6), (7, 7), (8, 8)]);
        let kinds: Vec<(Kind, Option<&str>)> = p.records.iter().map(|r| (r.kind, r.attr("level"))).collect();
        assert_eq!(
            kinds,
            [
                (Kind::Log, Some("info")),
                (Kind::Signal, Some("error")),
                (Kind::Signal, Some("error")),
                (Kind::Log, Some("warn")),
                (Kind::Signal, Some("error")),
                (Kind::Log, None),
            ]
        );
        assert_eq!(at(&p.records[0]), "2024-10-08T14:42:04.123456789Z");
        assert_eq!(p.records[0].attr("service"), Some("checkout-api"));
        assert_eq!(p.records[1].attr("stream"), Some("stderr"));
        let joined = &p.records[2];
        assert_eq!(joined.text, "{\"level\":\"error\",\"msg\":\"charge failed\",\"order\":\"ord_7KQ2\",\"trace\":\"");
        assert!(joined.summary.as_deref().is_some_and(|s| s.ends_with("pool exhausted\"}")), "{:?}", joined.summary);
        assert_quotable(CRI, &p.records);
    }

    #[test]
    fn docker_json_file_lines() {
        assert_eq!(sniff(&ContainerLogs, "c.log", DOCKER), 90);
        let p = parse(&ContainerLogs, "c.log", DOCKER);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(spans(&p), [(1, 1), (2, 3), (4, 4)]);
        assert_eq!(p.records[0].text, "I1008 14:42:04.101  1 server.go:88] listening on :8080");
        assert_eq!(p.records[0].attr("level"), Some("info"));
        assert_eq!(p.records[1].kind, Kind::Signal);
        assert_eq!(p.records[1].text, "level=error msg=\"upstream timeout\" ");
        assert_eq!(p.records[1].summary.as_deref(), Some("level=error msg=\"upstream timeout\" upstream=paynetic"));
        assert_eq!(p.records[2].kind, Kind::Signal);
        assert_eq!(p.records[2].attr("level"), Some("fatal"));
        assert_eq!(at(&p.records[2]), "2024-10-08T14:42:09.5Z");
        assert_quotable(DOCKER, &p.records);
    }

    #[test]
    fn other_logs_are_not_container_logs_and_bad_lines_are_problems() {
        let app = "2024-10-08T14:42:04Z INFO started\n2024-10-08T14:42:05Z ERROR failed\n";
        assert_eq!(sniff(&ContainerLogs, "app.log", app), 0);
        assert_eq!(sniff(&ContainerLogs, "x.jsonl", "{\"time\":\"2024-10-08T14:42:04Z\",\"msg\":\"x\"}\n"), 0);
        let text = "2024-10-08T14:42:04Z stdout P first half \nnot a cri line\n2024-10-08T14:42:04Z stderr F other\nsoon stdout F x\n";
        let p = parse(&ContainerLogs, "c.log", text);
        assert_eq!(p.records.len(), 2);
        let lines: Vec<Option<u32>> = p.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(2), Some(1), Some(4)], "{:?}", p.problems);
        assert_eq!(container_of("logs/containers/web-5f7_checkout_nginx-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log").as_deref(), Some("nginx"));
        assert_eq!(container_of("app.log"), None);
    }

    proptest! {
        #[test]
        fn any_lines_parse_inside_the_file(lines in proptest::collection::vec("(2024-10-08T14:42:0[0-9]Z (stdout|stderr) [FPX] )?[ -~]{0,40}", 0..20)) {
            let text = lines.join("\n");
            let p = parse(&ContainerLogs, "c.log", &text);
            let count = SourceFile::new("c.log", text.clone()).line_count();
            for r in &p.records {
                prop_assert!(r.span.line >= 1 && r.span.line <= r.span.end_line && r.span.end_line <= count);
            }
        }
    }
}
