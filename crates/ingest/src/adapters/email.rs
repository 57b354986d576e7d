//! Email messages: an `.eml` file, or an mbox of messages each after its `From ` line.
//!
//! Messages are read with the `mail-parser` crate: header fields (folded, RFC 2047
//! encoded words), addresses, `Date` (RFC 2822), and the MIME tree down to the first text
//! body, decoded from quoted-printable or base64 and its charset (an HTML-only message gives
//! its text). The crate reports where each header and part stands in the file, so records
//! cite their lines.
//!
//! A message gives two records at its `Date` (else its newest `Received` stamp): the
//! `Subject` (cited with the `Date` line when it is close by) and the first paragraph of
//! its body. Record text stands verbatim in the cited lines. When the body is encoded
//! (quoted-printable escapes, base64, HTML), the record cites the raw lines that hold the
//! first paragraph, quotes the longest stretch of them that reads as the decoded text (else
//! the raw first line), and gives the decoded first line as its summary.

use debrief_model::{Actor, Kind, Precision, Problem, Record, SourceFile, Span, When};
use mail_parser::{Encoding, Header, HeaderName, MessageParser};

use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::lines::{LineIndex, numbered};
use crate::time::parse_instant;

pub struct Email;

/// Headers that mark a message; `From` plus two of these make a file an email.
const MAIL_HEADERS: &[&str] = &[
    "date", "subject", "to", "cc", "received", "message-id", "mime-version", "return-path", "content-type",
    "delivered-to", "reply-to", "in-reply-to",
];

/// At most this many lines apart, the `Date` line is cited with the `Subject` line.
const DATE_NEAR_SUBJECT: u32 = 8;
/// The shortest decoded stretch quoted from an encoded body instead of its raw first line.
const MIN_QUOTE: usize = 12;

impl Adapter for Email {
    fn format(&self) -> &'static str {
        "email"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = prefix(&file.text, 8192);
        let mut from = false;
        let mut others = 0;
        let mut first = true;
        for (_, line) in numbered(head) {
            if first && line.starts_with("From ") {
                first = false;
                continue;
            }
            if line.is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                first = false;
                continue;
            }
            let Some((name, _)) = header_name(line) else {
                return 0;
            };
            first = false;
            let lower = name.to_ascii_lowercase();
            if lower == "from" {
                from = true;
            } else if MAIL_HEADERS.contains(&lower.as_str()) {
                others += 1;
            }
        }
        match (from, others) {
            (true, n) if n >= 2 => {
                if file.path.to_ascii_lowercase().ends_with(".eml") {
                    95
                } else {
                    90
                }
            }
            (true, 1) => 40,
            _ => 0,
        }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        let text = file.text.as_str();
        let mut r = Reader { text, idx: LineIndex::new(text), source: cx.source, out: Parsed::default() };
        let messages = split_mbox(text);
        let mut read = 0;
        for &(start, end) in &messages {
            if r.message(start, end) {
                read += 1;
            }
        }
        if read == 0 {
            return Parsed {
                problems: {
                    let mut p = r.out.problems;
                    p.push(Problem::whole("expected an email header block (From:, Date:, Subject:)"));
                    p
                },
                ..Parsed::default()
            };
        }
        r.out
    }
}

/// The first `max` bytes of `text`, cut at a line end when there is one.
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

/// `Name: value` when `line` starts with a header field name.
fn header_name(line: &str) -> Option<(&str, &str)> {
    let (name, value) = line.split_once(':')?;
    let ok = !name.is_empty() && name.len() <= 76 && name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
    ok.then_some((name, value))
}

/// The byte ranges of the messages in `text`, each after its mbox `From ` line: a `From `
/// line opens a message at the start of the file, or after a blank line when a header
/// field follows it (a body line that starts with `From ` does not).
fn split_mbox(text: &str) -> Vec<(usize, usize)> {
    let mut starts: Vec<(usize, usize)> = Vec::new(); // (separator start, message start)
    let mut offset = 0;
    let mut prev_blank = true;
    let mut lines = text.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        let bare = line.trim_end_matches(['\n', '\r']);
        let next_is_header = lines.peek().is_some_and(|l| header_name(l.trim_end_matches(['\n', '\r'])).is_some());
        if bare.starts_with("From ") && prev_blank && (offset == 0 || next_is_header) {
            starts.push((offset, offset + line.len()));
        }
        prev_blank = bare.trim().is_empty();
        offset += line.len();
    }
    if starts.is_empty() {
        return vec![(0, text.len())];
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, &(_, body)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(text.len(), |&(sep, _)| sep);
        out.push((body, end.max(body)));
    }
    out
}

/// A mailbox: display name and address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Address {
    name: String,
    email: String,
}

fn add_person(people: &mut Vec<Person>, a: &Address) {
    if a.name.is_empty() && a.email.is_empty() {
        return;
    }
    let email = a.email.to_ascii_lowercase();
    if let Some(p) = people.iter_mut().find(|p| {
        (!email.is_empty() && p.emails.iter().any(|e| e.eq_ignore_ascii_case(&email)))
            || (!a.name.is_empty() && p.name == a.name)
    }) {
        if !a.email.is_empty() && !p.emails.iter().any(|e| e.eq_ignore_ascii_case(&a.email)) {
            p.emails.push(a.email.clone());
        }
        return;
    }
    let local = a.email.split('@').next().unwrap_or("").to_string();
    let name = if a.name.is_empty() { a.email.clone() } else { a.name.clone() };
    let mut aliases = Vec::new();
    // `Lee, Sam` is also `Sam Lee`.
    if let Some((last, first)) = a.name.split_once(", ")
        && !first.contains(',')
    {
        aliases.push(format!("{first} {last}"));
    }
    if !local.is_empty() && local != name {
        aliases.push(local);
    }
    people.push(Person {
        name,
        aliases,
        emails: if a.email.is_empty() { Vec::new() } else { vec![a.email.clone()] },
        ..Person::default()
    });
}

/// An RFC 2822 date, tolerating a trailing comment (`(PDT)`) and doubled spaces.
fn parse_mail_date(s: &str) -> Option<jiff::Timestamp> {
    let s = s.trim();
    let s = match s.rfind('(') {
        Some(i) if s.ends_with(')') => s[..i].trim_end(),
        _ => s,
    };
    if let Some(t) = parse_instant(s) {
        return Some(t);
    }
    let squeezed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    parse_instant(&squeezed)
}

/// A header field as it stands in the file.
struct Field<'a> {
    /// The value as written, folds included.
    raw: &'a str,
    line: u32,
    end_line: u32,
}

impl<'a> Field<'a> {
    /// The value with folded lines joined by a space.
    fn unfolded(&self) -> String {
        self.raw.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The value as it stands on the field's first line.
    fn first_line(&self) -> &'a str {
        self.raw.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("")
    }
}

/// What a message's body gives its records.
struct Body {
    line: u32,
    end_line: u32,
    /// Verbatim in the cited lines.
    text: String,
    /// The decoded first line, when `text` is not it.
    decoded: Option<String>,
}

struct Reader<'a> {
    text: &'a str,
    idx: LineIndex,
    source: u32,
    out: Parsed,
}

impl<'a> Reader<'a> {
    /// Where a header of the message at `base` stands.
    fn field(&self, base: usize, h: &Header<'_>) -> Option<Field<'a>> {
        let (s, e) = (base + h.offset_start as usize, base + h.offset_end as usize);
        let raw = self.text.get(s..e)?;
        let line = self.idx.line_of(base + h.offset_field as usize);
        let end_line = self.idx.line_of(e.saturating_sub(1).max(s));
        Some(Field { raw, line, end_line: end_line.max(line) })
    }

    /// Reports header-block lines that are neither a field nor a fold.
    fn check_header_block(&mut self, start: usize, end: usize) {
        let block = self.text.get(start..end).unwrap_or("");
        let first = self.idx.line_of(start);
        let mut seen_field = false;
        for (i, line) in numbered(block) {
            let n = first + i - 1;
            if line.trim().is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                if !seen_field {
                    self.out.problems.push(Problem::at(n, "continuation line before any header field — skipped"));
                }
                continue;
            }
            if header_name(line).is_some() {
                seen_field = true;
            } else {
                self.out.problems.push(Problem::at(n, "expected a header field (`Name: value`) — line skipped"));
            }
        }
    }

    /// Reads the message in `text[start..end]`; false when it has no header block.
    fn message(&mut self, start: usize, end: usize) -> bool {
        let Some(raw) = self.text.get(start..end) else { return false };
        let first_line = self.idx.line_of(start);
        let Some(msg) = MessageParser::default().parse(raw.as_bytes()) else {
            self.out.problems.push(Problem::at(first_line, "expected an email header block — message skipped"));
            return false;
        };
        let Some(root) = msg.parts.first() else { return false };
        if root.headers.is_empty() {
            self.out.problems.push(Problem::at(first_line, "expected an email header block — message skipped"));
            return false;
        }
        self.check_header_block(start, start + root.offset_body as usize);
        let find = |name: HeaderName<'_>| root.headers.iter().find(|h| h.name == name);

        // Who.
        let list = |name: HeaderName<'_>| -> Vec<Address> {
            find(name)
                .and_then(|h| h.value.as_address())
                .map(|a| {
                    a.iter()
                        .map(|x| Address {
                            name: x.name().unwrap_or("").trim().to_string(),
                            email: x.address().unwrap_or("").trim().to_string(),
                        })
                        .filter(|x| !x.name.is_empty() || !x.email.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let (from, to, cc) = (list(HeaderName::From), list(HeaderName::To), list(HeaderName::Cc));
        for a in from.iter().chain(&to).chain(&cc) {
            add_person(&mut self.out.people, a);
        }
        let actor = from.first().map(|a| {
            let name = if a.name.is_empty() { a.email.clone() } else { a.name.clone() };
            let actor = Actor::person(name);
            if a.email.is_empty() { actor } else { actor.with_id(a.email.clone()) }
        });

        // When.
        let date = find(HeaderName::Date).and_then(|h| self.field(start, h));
        let when = self.message_time(&msg, start, date.as_ref());

        let thread = find(HeaderName::InReplyTo).and_then(|h| self.field(start, h)).map(|f| f.unfolded());
        let base = |span: Span, text: &str| {
            let mut r = Record::new(span, when.clone(), Kind::Message, text).with_attr("channel", "email");
            if let Some(a) = &actor {
                r = r.with_actor(a.clone());
            }
            if let Some(t) = thread.as_deref().filter(|t| !t.is_empty()) {
                r = r.with_attr("thread", t);
            }
            r
        };

        let body = self.body(&msg, start);
        let from_name = actor.as_ref().map_or("unknown sender", |a| a.name.as_str());

        let subject =
            find(HeaderName::Subject).and_then(|h| self.field(start, h)).filter(|f| !f.first_line().is_empty());
        if let Some(s) = subject {
            let (mut line, mut end) = (s.line, s.end_line);
            if let Some(d) = &date
                && d.line.abs_diff(s.line) <= DATE_NEAR_SUBJECT
            {
                line = line.min(d.line);
                end = end.max(d.end_line);
            }
            let decoded = msg.subject().unwrap_or("").trim().to_string();
            let to_names: Vec<&str> =
                to.iter().map(|a| if a.name.is_empty() { a.email.as_str() } else { a.name.as_str() }).collect();
            let mut summary = format!("Email from {from_name}");
            if !to_names.is_empty() {
                summary.push_str(" to ");
                summary.push_str(&to_names.join(", "));
            }
            summary.push_str(": ");
            summary.push_str(&decoded);
            if let Some(Body { decoded: Some(first), .. }) = &body {
                summary.push_str(" — ");
                summary.push_str(first);
            }
            self.out.records.push(base(Span::lines(self.source, line, end), s.first_line()).with_summary(summary));
        } else {
            self.out
                .problems
                .push(Problem::at(first_line, "no Subject header — the message is cited by its body only"));
        }
        if let Some(b) = body {
            let mut r = base(Span::lines(self.source, b.line, b.end_line), &b.text);
            if let Some(d) = b.decoded {
                r = r.with_summary(d);
            }
            self.out.records.push(r);
        }
        true
    }

    /// The message's time: `Date`, else the newest `Received` stamp (with a problem).
    fn message_time(&mut self, msg: &mail_parser::Message<'_>, base: usize, date: Option<&Field<'_>>) -> When {
        if let Some(d) = date {
            let original = d.unfolded();
            let parsed = msg
                .date()
                .and_then(|t| parse_instant(&t.to_rfc3339()))
                .filter(|_| parse_mail_date(&original).is_some());
            if let Some(t) = parsed.or_else(|| parse_mail_date(&original)) {
                return When::exact(t).with_original(original);
            }
            self.out.problems.push(Problem::at(
                d.line,
                format!("Date header {original:?} is not an RFC 2822 date — trying the Received headers"),
            ));
        }
        let root = msg.parts.first();
        let received =
            root.into_iter().flat_map(|p| p.headers.iter()).filter(|h| h.name == HeaderName::Received).find_map(|h| {
                let f = self.field(base, h)?;
                let unfolded = f.unfolded();
                let (_, stamp) = unfolded.rsplit_once(';')?;
                parse_mail_date(stamp).map(|t| (f.line, t, stamp.trim().to_string()))
            });
        if let Some((line, t, stamp)) = received {
            self.out
                .problems
                .push(Problem::at(line, "no usable Date header — the time the message was received is used"));
            return When::exact(t).with_original(stamp).with_precision(Precision::Inferred);
        }
        self.out.problems.push(Problem {
            line: date.map(|d| d.line),
            message: "no Date or Received header with a date — the message's time is unknown".into(),
            can_continue: true,
        });
        When::unknown()
    }

    /// The first paragraph of the first text body, cited at its raw lines.
    fn body(&mut self, msg: &mail_parser::Message<'_>, base: usize) -> Option<Body> {
        let root_body = msg.parts.first().map_or(base, |p| base + p.offset_body as usize);
        let body_line = self.idx.line_of(root_body.min(self.text.len()));
        let Some(part) = msg.text_part(0) else {
            if !self.text.get(root_body..).unwrap_or("").trim().is_empty() {
                self.out
                    .problems
                    .push(Problem::at(body_line, "message body has no text part — only the subject is kept"));
            }
            return None;
        };
        let decoded = msg.body_text(0).unwrap_or_default();
        let (s, e) = (base + part.offset_body as usize, base + part.offset_end as usize);
        let raw = self.text.get(s..e.min(self.text.len()))?;
        let first_raw = self.idx.line_of(s);
        let lines: Vec<(u32, &str)> = numbered(raw).map(|(i, l)| (first_raw + i - 1, l)).collect();
        let mut paragraph = decoded.lines().map(str::trim).skip_while(|l| l.is_empty()).take_while(|l| !l.is_empty());
        let first = paragraph.next()?.to_string();
        let more = paragraph.count();
        let para_end = |from: usize| -> u32 {
            lines
                .get(from..)
                .unwrap_or(&[])
                .iter()
                .take_while(|(_, l)| !l.trim().is_empty())
                .last()
                .map_or(0, |&(n, _)| n)
        };
        // Verbatim: the decoded first line stands in the raw lines.
        let exact = lines
            .iter()
            .position(|(_, l)| l.trim() == first)
            .or_else(|| lines.iter().position(|(_, l)| l.contains(first.as_str())));
        if let Some(i) = exact
            && !matches!(part.encoding, Encoding::Base64)
        {
            let (line, _) = lines[i];
            return Some(Body { line, end_line: para_end(i).max(line), text: first, decoded: None });
        }
        if matches!(part.encoding, Encoding::Base64) {
            return self.base64_body(&lines, &decoded, first, more);
        }
        // The longest stretch from the start of the decoded line, cut at a word end, that
        // stands in one raw line (HTML markup or escapes end it).
        let mut stretch = first.as_str();
        loop {
            let s = stretch.trim_end();
            if s.len() < MIN_QUOTE {
                break;
            }
            if let Some(i) = lines.iter().position(|(_, l)| l.contains(s)) {
                let (line, _) = lines[i];
                let text = s.to_string();
                return Some(Body { line, end_line: para_end(i).max(line), text, decoded: Some(first) });
            }
            match s.rfind(' ') {
                Some(i) => stretch = &s[..i],
                None => break,
            }
        }
        // Else the raw first line (a soft line break's `=` dropped).
        let i = lines.iter().position(|(_, l)| !l.trim().is_empty())?;
        let (line, raw_first) = lines[i];
        let raw_first = raw_first.trim();
        let text = raw_first.strip_suffix('=').unwrap_or(raw_first).trim_end().to_string();
        let decoded = (text != first).then_some(first);
        Some(Body { line, end_line: para_end(i).max(line), text, decoded })
    }

    /// A base64 body: the raw lines that encode the first paragraph, quoted by their first.
    fn base64_body(&mut self, lines: &[(u32, &str)], decoded: &str, first: String, more: usize) -> Option<Body> {
        let encoded: Vec<(u32, &str)> = lines.iter().copied().filter(|(_, l)| !l.trim().is_empty()).collect();
        let &(line, raw_first) = encoded.first()?;
        // Where the paragraph ends in the decoded text, and so in the encoded lines (four
        // characters encode three bytes).
        let start = decoded.find(first.as_str()).unwrap_or(0);
        let para_bytes =
            decoded.get(start..).unwrap_or("").split_inclusive('\n').take(more + 1).map(str::len).sum::<usize>()
                + start;
        let mut chars = 0;
        let mut end_line = line;
        for &(n, l) in &encoded {
            end_line = n;
            chars += l.trim().len();
            if chars * 3 / 4 >= para_bytes {
                break;
            }
        }
        self.out.problems.push(Problem::at(
            line,
            "body is base64-encoded: its record quotes the encoded line, and its decoded first line is the summary",
        ));
        Some(Body { line, end_line, text: raw_first.trim().to_string(), decoded: Some(first) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IncidentConfig;

    fn parse(path: &str, text: &str) -> Parsed {
        let file = SourceFile::new(path, text);
        let config = IncidentConfig::default();
        let files = [file.clone()];
        let cx = Context { source: 3, files: &files, config: &config, zone: None, anchor_date: None };
        Email.parse(&file, &cx)
    }

    fn fixture(name: &str) -> String {
        let path = format!("{}/tests/fixtures/email/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path).unwrap_or_default()
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

    fn quote_in_span(file: &SourceFile, r: &Record) -> bool {
        let lines: Vec<&str> =
            numbered(&file.text).filter(|&(n, _)| n >= r.span.line && n <= r.span.end_line).map(|(_, l)| l).collect();
        lines.join("\n").contains(&r.text)
    }

    #[test]
    fn plain_message_gives_subject_and_body_records() {
        let text = fixture("plain-crlf.eml");
        assert!(text.contains("\r\n"), "fixture keeps its CRLF line ends");
        let file = SourceFile::new("support/plain-crlf.eml", text.clone());
        assert_eq!(Email.sniff(&file), 95);
        let p = parse("support/plain-crlf.eml", &text);
        assert_eq!(p.records.len(), 2, "{:?}", p.problems);
        let subject = &p.records[0];
        assert_eq!(subject.text, "Cannot finish checkout — card charged?");
        assert_eq!(subject.when.utc.map(|t| t.to_string()).as_deref(), Some("2024-05-01T15:02:13Z"));
        assert_eq!(subject.when.original.as_deref(), Some("Wed, 1 May 2024 10:02:13 -0500"));
        assert_eq!((subject.span.line, subject.span.end_line), (5, 6));
        assert_eq!(subject.span.source, 3);
        assert_eq!(subject.attr("channel"), Some("email"));
        assert_eq!(subject.actor.as_ref().map(|a| a.name.as_str()), Some("Renée Okafor"));
        let body = &p.records[1];
        assert_eq!(body.text, "Hello,");
        assert_eq!((body.span.line, body.span.end_line), (11, 11));
        assert_eq!(body.when, subject.when);
        for r in &p.records {
            assert!(quote_in_span(&file, r), "{:?} not in its span", r.text);
        }
        // From, To and Cc people, with names decoded from RFC 2047.
        let names: Vec<&str> = p.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Renée Okafor", "Shop Support", "Lee, Sam"]);
        assert_eq!(p.people[0].emails, ["renee@example.org"]);
        assert_eq!(p.people[2].aliases, ["Sam Lee", "sam.lee"]);
    }

    #[test]
    fn mbox_quoted_printable_and_multipart() {
        let text = fixture("mbox-multipart-qp.eml");
        let file = SourceFile::new("mail/thread.mbox", text.clone());
        assert_eq!(Email.sniff(&file), 90);
        let p = parse("mail/thread.mbox", &text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        // Both messages of the mbox: subject and body each.
        assert_eq!(p.records.len(), 4);
        let body = &p.records[1];
        // Verbatim in the file (the QP escape kept), decoded in the summary.
        assert_eq!(body.text, "We=E2=80=99re rolling back v2.31.0 now.");
        assert_eq!(body.summary.as_deref(), Some("We’re rolling back v2.31.0 now."));
        assert_eq!((body.span.line, body.span.end_line), (16, 18));
        assert!(quote_in_span(&file, body));
        assert_eq!(body.attr("thread"), Some("<abc@example.net>"));
        assert_eq!(body.when.utc.map(|t| t.to_string()).as_deref(), Some("2024-05-01T15:20:00Z"));
        assert_eq!(body.when.original.as_deref(), Some("Wed, 01 May 2024 15:20:00 +0000 (UTC)"));
        // The second message, after its `From ` line; a body line starting with `From ` is
        // not a separator.
        let (subject, reply) = (&p.records[2], &p.records[3]);
        assert_eq!((subject.span.line, subject.span.end_line), (30, 32));
        assert_eq!(subject.text, "Re: checkout errors");
        assert_eq!(subject.actor.as_ref().map(|a| a.name.as_str()), Some("Jörg Brandt"));
        assert_eq!(reply.text, "Error rate is back to baseline since 15:45 UTC.");
        assert_eq!((reply.span.line, reply.span.end_line), (34, 35));
        assert_eq!(reply.when.utc.map(|t| t.to_string()).as_deref(), Some("2024-05-01T16:05:00Z"));
        for r in &p.records {
            assert!(quote_in_span(&file, r), "{:?}", r.text);
        }
        let names: Vec<&str> = p.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Ops Bot", "incidents@example.net", "Jörg Brandt"]);
    }

    #[test]
    fn html_only_body_quotes_its_longest_plain_stretch() {
        let text = fixture("nested-html-qp.eml");
        let file = SourceFile::new("status.eml", text.clone());
        let p = parse("status.eml", &text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.records.len(), 2);
        let subject = &p.records[0];
        assert_eq!(subject.text, "[Resolved] Checkout degraded");
        assert_eq!((subject.span.line, subject.span.end_line), (3, 5));
        assert!(subject.summary.as_deref().is_some_and(|s| s.contains(": [Resolved] Checkout degraded performance")));
        let body = &p.records[1];
        assert_eq!(body.text, "This incident has been resolved");
        assert_eq!(body.summary.as_deref(), Some("This incident has been resolved — checkout is operating normally."));
        assert_eq!(body.span.line, 20);
        for r in &p.records {
            assert!(quote_in_span(&file, r), "{:?}", r.text);
        }
    }

    #[test]
    fn eval_checkout_support_ticket() {
        let Some(file) = eval_file("checkout-timeouts/bundle/support/ticket-58812.eml") else {
            return;
        };
        assert!(Email.sniff(&file) >= 90);
        let p = parse(&file.path, &file.text);
        assert_eq!(p.records.len(), 2);
        // Gold: line 10 (the Date header) at 15:07:41Z.
        let r = p
            .records
            .iter()
            .find(|r| r.span.line <= 10 && 10 <= r.span.end_line)
            .expect("a record cites the Date line");
        assert_eq!(r.when.utc.map(|t| t.to_string()).as_deref(), Some("2024-10-08T15:07:41Z"));
        assert_eq!(r.text, "Order not going through - was I charged twice??");
        assert_eq!(p.records[1].text, "Hi,");
        assert!(p.records.iter().all(|r| quote_in_span(&file, r)));
        assert!(p.people.iter().any(|p| p.name == "Gretchen Halvorsen"));
    }

    #[test]
    fn eval_prow_announcement_and_reply() {
        let Some(file) = eval_file("k8s-prow-2019-01-23/bundle/email/2019-01-23_kubernetes-dev_prow-outage.eml") else {
            return;
        };
        let p = parse(&file.path, &file.text);
        // Gold: line 9 at 16:36:14Z.
        let r = p.records.iter().find(|r| r.span.line <= 9 && 9 <= r.span.end_line).expect("a record cites line 9");
        assert_eq!(r.when.utc.map(|t| t.to_string()).as_deref(), Some("2019-01-23T16:36:14Z"));
        assert_eq!(p.records[1].text, "Hi all,");
        assert_eq!(p.records[1].span.line, 12);

        let Some(reply) = eval_file("k8s-prow-2019-01-23/bundle/email/2019-01-23_re_prow-outage.eml") else {
            return;
        };
        let p = parse(&reply.path, &reply.text);
        assert_eq!(p.records.len(), 2);
        let body = &p.records[1];
        assert_eq!((body.span.line, body.span.end_line), (12, 14));
        assert_eq!(body.attr("thread"), Some("<CAH6q0s1b4xqkZ9yM3f0Pq7w8@mail.gmail.com>"));
        assert_eq!(body.when.utc.map(|t| t.to_string()).as_deref(), Some("2019-01-23T17:52:03Z"));
    }

    /// Every span lies inside the file, whatever the input.
    fn spans_inside(file: &SourceFile, p: &Parsed) -> bool {
        let lines = file.line_count().max(1);
        p.records.iter().all(|r| r.span.line >= 1 && r.span.line <= r.span.end_line && r.span.end_line <= lines)
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_without_panic(body in "[ -~\n=?:<>,\"]{0,300}", subject in "[ -~=?]{0,40}") {
            let text = format!("From: A <a@b>\nSubject: {subject}\nDate: Wed, 1 May 2024 10:02:13 -0500\nContent-Type: multipart/mixed; boundary=\"x\"\nContent-Transfer-Encoding: quoted-printable\n\n{body}");
            let file = SourceFile::new("m.eml", text.clone());
            let p = parse("m.eml", &text);
            proptest::prop_assert!(spans_inside(&file, &p));
        }
    }
}
