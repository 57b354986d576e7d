//! Email messages (`.eml`, or a one-message mbox that starts with a `From ` line).
//!
//! The RFC 5322 header block is read here (folded headers unfolded, RFC 2047 encoded
//! words decoded in names), with `Date` read by [`parse_instant`] (RFC 2822). A message
//! gives two records at its `Date`: the `Subject` (cited with the `Date` line next to it)
//! and the first paragraph of the plain-text body. Quoted-printable and base64 bodies and
//! simple multipart messages are decoded to find the `text/plain` part; anything more
//! involved is reported as a problem and only the subject is kept.
//!
//! No mail-parsing crate is used yet; a proper one can replace [`parse_headers`] and
//! [`body_text`] without changing the records.

use debrief_model::{Actor, Kind, Precision, Problem, Record, SourceFile, Span, When};

use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::lines::numbered;
use crate::time::parse_instant;

pub struct Email;

/// Headers that mark a message; `From` plus two of these make a file an email.
const MAIL_HEADERS: &[&str] = &[
    "date", "subject", "to", "cc", "received", "message-id", "mime-version", "return-path", "content-type",
    "delivered-to", "reply-to", "in-reply-to",
];

/// At most this many lines apart, the `Date` line is cited with the `Subject` line.
const DATE_NEAR_SUBJECT: u32 = 8;

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
        let lines: Vec<(u32, &str)> = numbered(&file.text).collect();
        let mut out = Parsed::default();
        let mut start = 0;
        if lines.first().is_some_and(|(_, l)| l.starts_with("From ")) {
            start = 1;
        }
        let (headers, body_start) = parse_headers(&lines, start, &mut out.problems);
        if headers.is_empty() {
            return Parsed::fatal("expected an email header block (From:, Date:, Subject:)");
        }
        let get = |name: &str| headers.iter().find(|h| h.name.eq_ignore_ascii_case(name));

        // Who.
        let from = get("from").map(|h| addresses(&h.value)).unwrap_or_default();
        let to = get("to").map(|h| addresses(&h.value)).unwrap_or_default();
        let cc = get("cc").map(|h| addresses(&h.value)).unwrap_or_default();
        for a in from.iter().chain(&to).chain(&cc) {
            add_person(&mut out.people, a);
        }
        let actor = from.first().map(|a| {
            let name = if a.name.is_empty() { a.email.clone() } else { a.name.clone() };
            let actor = Actor::person(name);
            if a.email.is_empty() { actor } else { actor.with_id(a.email.clone()) }
        });

        // When.
        let when = message_time(&headers, &mut out.problems);

        // The subject record: the Subject line, with the Date line when it is close by.
        let subject = get("subject").filter(|s| !s.first_value.trim().is_empty());
        let date = get("date");
        let thread = get("in-reply-to").map(|h| h.value.trim().to_string());
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

        let body = body_text(&headers, &lines, body_start, &mut out.problems);
        let from_name = actor.as_ref().map_or("unknown sender", |a| a.name.as_str());

        if let Some(s) = subject {
            let (mut line, mut end) = (s.line, s.end_line);
            if let Some(d) = date
                && d.line.abs_diff(s.line) <= DATE_NEAR_SUBJECT
            {
                line = line.min(d.line);
                end = end.max(d.end_line);
            }
            let decoded = decode_words(&s.value);
            let to_names: Vec<&str> =
                to.iter().map(|a| if a.name.is_empty() { a.email.as_str() } else { a.name.as_str() }).collect();
            let mut summary = format!("Email from {from_name}");
            if !to_names.is_empty() {
                summary.push_str(" to ");
                summary.push_str(&to_names.join(", "));
            }
            summary.push_str(": ");
            summary.push_str(decoded.trim());
            if let Some(Body::Decoded(first)) = &body {
                summary.push_str(" — ");
                summary.push_str(first);
            }
            let text = s.first_value.trim();
            out.records.push(base(Span::lines(cx.source, line, end), text).with_summary(summary));
        } else {
            out.problems.push(Problem::at(
                headers.first().map_or(1, |h| h.line),
                "no Subject header — the message is cited by its body only",
            ));
        }

        match body {
            Some(Body::Verbatim { line, end_line, text, decoded }) => {
                let mut r = base(Span::lines(cx.source, line, end_line), &text);
                if let Some(d) = decoded {
                    r = r.with_summary(d);
                }
                out.records.push(r);
            }
            Some(Body::Decoded(_)) | None => {}
        }
        out
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

/// One header field, unfolded.
#[derive(Debug)]
struct Header<'a> {
    name: &'a str,
    /// The value with folded lines joined by a space.
    value: String,
    /// The value as it stands on the field's first line.
    first_value: &'a str,
    line: u32,
    end_line: u32,
}

/// The header block starting at `lines[start]`, and the index of the first body line.
fn parse_headers<'a>(lines: &[(u32, &'a str)], start: usize, problems: &mut Vec<Problem>) -> (Vec<Header<'a>>, usize) {
    let mut headers: Vec<Header<'a>> = Vec::new();
    let mut i = start;
    while let Some(&(n, line)) = lines.get(i) {
        i += 1;
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(h) = headers.last_mut() {
                h.value.push(' ');
                h.value.push_str(line.trim());
                h.end_line = n;
            } else {
                problems.push(Problem::at(n, "continuation line before any header field — skipped"));
            }
            continue;
        }
        match header_name(line) {
            Some((name, value)) => {
                headers.push(Header {
                    name,
                    value: value.trim().to_string(),
                    first_value: value,
                    line: n,
                    end_line: n,
                });
            }
            None => problems.push(Problem::at(n, "expected a header field (`Name: value`) — line skipped")),
        }
    }
    (headers, i)
}

/// The message's time: `Date`, else the newest `Received` stamp (with a problem).
fn message_time(headers: &[Header<'_>], problems: &mut Vec<Problem>) -> When {
    let date = headers.iter().find(|h| h.name.eq_ignore_ascii_case("date"));
    if let Some(d) = date {
        if let Some(t) = parse_mail_date(&d.value) {
            return When::exact(t).with_original(d.value.trim());
        }
        problems.push(Problem::at(
            d.line,
            format!("Date header {:?} is not an RFC 2822 date — trying the Received headers", d.value),
        ));
    }
    let received = headers.iter().filter(|h| h.name.eq_ignore_ascii_case("received")).find_map(|h| {
        let (_, stamp) = h.value.rsplit_once(';')?;
        parse_mail_date(stamp).map(|t| (h.line, t, stamp.trim()))
    });
    if let Some((line, t, stamp)) = received {
        problems.push(Problem::at(line, "no usable Date header — the time the message was received is used"));
        return When::exact(t).with_original(stamp).with_precision(Precision::Inferred);
    }
    problems.push(Problem {
        line: None,
        message: "no Date or Received header with a date — the message's time is unknown".into(),
        can_continue: true,
    });
    When::unknown()
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

/// A mailbox: display name (decoded) and address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Address {
    name: String,
    email: String,
}

/// The mailboxes of an address-list header (`"Last, First" <a@b>, c@d (Name)`).
fn addresses(value: &str) -> Vec<Address> {
    let mut out = Vec::new();
    let mut depth_angle = false;
    let mut quoted = false;
    let mut start = 0;
    let bytes = value.as_bytes();
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match b {
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b'<' if !quoted => depth_angle = true,
            b'>' if !quoted => depth_angle = false,
            b',' if !quoted && !depth_angle => {
                out.extend(mailbox(&value[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.extend(mailbox(&value[start..]));
    out
}

fn mailbox(part: &str) -> Option<Address> {
    let part = part.trim();
    if part.is_empty() {
        return None;
    }
    // Group syntax `team: a@b;` — keep the mailboxes, drop the group name.
    let part = part.trim_end_matches(';');
    if let (Some(lt), Some(gt)) = (part.rfind('<'), part.rfind('>'))
        && lt < gt
    {
        let email = part[lt + 1..gt].trim().to_string();
        let name = clean_name(&part[..lt]);
        return Some(Address { name, email });
    }
    if let (Some(lp), true) = (part.find('('), part.ends_with(')')) {
        let email = part[..lp].trim().to_string();
        let name = clean_name(&part[lp + 1..part.len() - 1]);
        return Some(Address { name, email });
    }
    part.contains('@').then(|| Address { name: String::new(), email: part.to_string() })
}

fn clean_name(raw: &str) -> String {
    let raw = raw.trim();
    let unquoted = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .map_or_else(|| raw.to_string(), |r| r.replace("\\\"", "\"").replace("\\\\", "\\"));
    decode_words(&unquoted).trim().to_string()
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

/// RFC 2047 encoded words (`=?UTF-8?Q?Ren=C3=A9e?=`) decoded; other text kept.
fn decode_words(s: &str) -> String {
    if !s.contains("=?") {
        return s.to_string();
    }
    let mut out = String::new();
    let mut rest = s;
    let mut last_was_word = false;
    while let Some(i) = rest.find("=?") {
        let (before, tail) = rest.split_at(i);
        if let Some((text, used)) = encoded_word(tail) {
            // Blanks between two encoded words are dropped (RFC 2047 §6.2).
            if !(last_was_word && before.trim().is_empty()) {
                out.push_str(before);
            }
            out.push_str(&text);
            rest = &tail[used..];
            last_was_word = true;
        } else {
            out.push_str(before);
            out.push_str("=?");
            rest = &tail[2..];
            last_was_word = false;
        }
    }
    out.push_str(rest);
    out
}

/// One encoded word at the start of `s`: its text and the bytes it took.
fn encoded_word(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (charset, inner) = inner.split_once('?')?;
    let (enc, inner) = inner.split_once('?')?;
    let end = inner.find("?=")?;
    let payload = &inner[..end];
    let bytes = match enc {
        "Q" | "q" => qp_decode(&payload.replace('_', " ")),
        "B" | "b" => base64_decode(payload)?,
        _ => return None,
    };
    let used = 2 + charset.len() + 1 + enc.len() + 1 + end + 2;
    Some((charset_decode(charset, &bytes), used))
}

/// Bytes in `charset` as text: UTF-8 (lossy) or Latin-1 for the ISO-8859 and Windows sets.
fn charset_decode(charset: &str, bytes: &[u8]) -> String {
    let c = charset.to_ascii_lowercase();
    if c.starts_with("iso-8859") || c.starts_with("windows-125") || c == "latin1" {
        bytes.iter().map(|&b| char::from(b)).collect()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// Quoted-printable to bytes; a soft line break (`=` at the end) joins lines.
fn qp_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut pos = 0;
    while let Some(&byte) = bytes.get(pos) {
        if byte == b'=' {
            match (bytes.get(pos + 1).copied(), bytes.get(pos + 2).copied()) {
                (Some(b'\n'), _) => {
                    pos += 2;
                    continue;
                }
                (Some(b'\r'), Some(b'\n')) => {
                    pos += 3;
                    continue;
                }
                (Some(high), Some(low)) => {
                    if let (Some(high), Some(low)) = (hex(high), hex(low)) {
                        out.push((high * 16 + low) as u8);
                        pos += 3;
                        continue;
                    }
                }
                (None, _) => {
                    pos += 1;
                    continue;
                }
                (Some(_), None) => {}
            }
        }
        out.push(byte);
        pos += 1;
    }
    out
}

/// Standard base64 (whitespace ignored, padding optional); `None` on a bad character.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// What the body gives the records.
#[derive(Debug, PartialEq, Eq)]
enum Body {
    /// A first paragraph that stands verbatim in the file: its lines, its first line,
    /// and the decoded first line when the file holds it encoded (quoted-printable).
    Verbatim { line: u32, end_line: u32, text: String, decoded: Option<String> },
    /// The decoded first line of a body that is not verbatim in the file (base64).
    Decoded(String),
}

/// A MIME entity: its `Content-Type` (lowercase type, parameters) and transfer encoding.
struct Mime {
    kind: String,
    boundary: Option<String>,
    charset: String,
    encoding: String,
}

fn mime_of(headers: &[Header<'_>]) -> Mime {
    let get = |name: &str| headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str());
    let ct = get("content-type").unwrap_or("text/plain");
    let mut parts = ct.split(';');
    let kind = parts.next().unwrap_or("text/plain").trim().to_ascii_lowercase();
    let mut boundary = None;
    let mut charset = "utf-8".to_string();
    for p in parts {
        if let Some((k, v)) = p.split_once('=') {
            let v = v.trim().trim_matches('"').to_string();
            match k.trim().to_ascii_lowercase().as_str() {
                "boundary" => boundary = Some(v),
                "charset" => charset = v,
                _ => {}
            }
        }
    }
    let encoding = get("content-transfer-encoding").unwrap_or("7bit").trim().to_ascii_lowercase();
    Mime { kind, boundary, charset, encoding }
}

/// The plain-text body's first paragraph, from the part that holds it.
fn body_text(headers: &[Header<'_>], lines: &[(u32, &str)], start: usize, problems: &mut Vec<Problem>) -> Option<Body> {
    let mime = mime_of(headers);
    let body = lines.get(start..).unwrap_or(&[]);
    let body = cut_at_next_mbox_message(body, problems);
    let first_line = body.first().map_or(1, |&(n, _)| n);
    match text_part(&mime, body, 0) {
        Ok(Some((part_mime, part_lines))) => decode_part(&part_mime, part_lines, problems),
        Ok(None) => {
            problems.push(Problem::at(
                first_line,
                "message body has no text/plain part — the body could not be decoded; only the subject is kept",
            ));
            None
        }
        Err(why) => {
            problems.push(Problem::at(
                first_line,
                format!("the body could not be decoded ({why}); only the subject is kept"),
            ));
            None
        }
    }
}

/// A one-message mbox ends where the next `From ` line after a blank line begins.
fn cut_at_next_mbox_message<'l, 'a>(body: &'l [(u32, &'a str)], problems: &mut Vec<Problem>) -> &'l [(u32, &'a str)] {
    for i in 1..body.len() {
        if body[i].1.starts_with("From ")
            && body[i - 1].1.is_empty()
            && body.get(i + 1).is_some_and(|(_, l)| header_name(l).is_some())
        {
            problems.push(Problem::at(body[i].0, "another mbox message starts here — only the first message is read"));
            return &body[..i];
        }
    }
    body
}

type Part<'l, 'a> = (Mime, &'l [(u32, &'a str)]);

/// The first `text/plain` entity in `body` (which has type `mime`), looking one or two
/// multipart levels deep.
fn text_part<'l, 'a>(mime: &Mime, body: &'l [(u32, &'a str)], depth: u8) -> Result<Option<Part<'l, 'a>>, String> {
    if mime.kind == "text/plain" || mime.kind.is_empty() {
        let m = Mime {
            kind: mime.kind.clone(),
            boundary: None,
            charset: mime.charset.clone(),
            encoding: mime.encoding.clone(),
        };
        return Ok(Some((m, body)));
    }
    if !mime.kind.starts_with("multipart/") {
        return Ok(None);
    }
    if depth >= 2 {
        return Err("multipart nested more than two levels".into());
    }
    let Some(boundary) = &mime.boundary else {
        return Err("multipart message without a boundary".into());
    };
    let open = format!("--{boundary}");
    let close = format!("--{boundary}--");
    let mut parts: Vec<&'l [(u32, &'a str)]> = Vec::new();
    let mut current: Option<usize> = None;
    for (i, &(_, l)) in body.iter().enumerate() {
        let l = l.trim_end();
        if l == close {
            if let Some(s) = current.take() {
                parts.push(&body[s..i]);
            }
            break;
        }
        if l == open {
            if let Some(s) = current {
                parts.push(&body[s..i]);
            }
            current = Some(i + 1);
        }
    }
    if let Some(s) = current {
        parts.push(&body[s..]);
    }
    if parts.is_empty() {
        return Err(format!("boundary {boundary:?} not found in the body"));
    }
    for part in parts {
        let mut ignored = Vec::new();
        let (headers, body_at) = parse_headers(part, 0, &mut ignored);
        let m = mime_of(&headers);
        let inner = part.get(body_at..).unwrap_or(&[]);
        if let Some(found) = text_part(&m, inner, depth + 1)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

fn decode_part(mime: &Mime, lines: &[(u32, &str)], problems: &mut Vec<Problem>) -> Option<Body> {
    match mime.encoding.as_str() {
        "7bit" | "8bit" | "binary" | "" => {
            let (line, end_line, first) = first_paragraph(lines)?;
            Some(Body::Verbatim { line, end_line, text: first.trim().to_string(), decoded: None })
        }
        "quoted-printable" => {
            let (line, end_line, first) = first_paragraph(lines)?;
            let raw = first.trim();
            let raw_text = raw.strip_suffix('=').unwrap_or(raw).trim_end();
            // The decoded first line: join soft breaks from the paragraph's start.
            let start = lines.iter().position(|&(n, _)| n == line).unwrap_or(0);
            let joined: String =
                lines.get(start..).unwrap_or(&[]).iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n");
            let decoded = charset_decode(&mime.charset, &qp_decode(&joined));
            let decoded_first = decoded.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_string();
            Some(Body::Verbatim {
                line,
                end_line,
                text: raw_text.to_string(),
                decoded: (decoded_first != raw_text).then_some(decoded_first),
            })
        }
        "base64" => {
            let first_line = lines.first().map_or(1, |&(n, _)| n);
            let joined: String = lines.iter().map(|(_, l)| *l).collect();
            let Some(bytes) = base64_decode(&joined) else {
                problems.push(Problem::at(
                    first_line,
                    "body is not valid base64 — the body could not be decoded; only the subject is kept",
                ));
                return None;
            };
            let text = charset_decode(&mime.charset, &bytes);
            problems.push(Problem::at(
                first_line,
                "body is base64-encoded, so no body text can be quoted — its first line is given in the subject record's summary",
            ));
            text.lines().map(str::trim).find(|l| !l.is_empty()).map(|l| Body::Decoded(l.to_string()))
        }
        other => {
            problems.push(Problem::at(
                lines.first().map_or(1, |&(n, _)| n),
                format!("unknown Content-Transfer-Encoding {other:?} — the body could not be decoded; only the subject is kept"),
            ));
            None
        }
    }
}

/// The lines of the first non-empty paragraph: first line number, last line number and
/// the first line's text.
fn first_paragraph<'a>(lines: &[(u32, &'a str)]) -> Option<(u32, u32, &'a str)> {
    let start = lines.iter().position(|(_, l)| !l.trim().is_empty())?;
    let (line, first) = lines[start];
    let end_line = lines[start..].iter().take_while(|(_, l)| !l.trim().is_empty()).last().map_or(line, |&(n, _)| n);
    Some((line, end_line, first))
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
        assert_eq!(p.records.len(), 2, "{:?}", p.problems);
        let body = &p.records[1];
        // Verbatim in the file (the QP escape kept), decoded in the summary.
        assert_eq!(body.text, "We=E2=80=99re rolling back v2.31.0 now.");
        assert_eq!(body.summary.as_deref(), Some("We’re rolling back v2.31.0 now."));
        assert!(quote_in_span(&file, body));
        assert_eq!(body.attr("thread"), Some("<abc@example.net>"));
        assert_eq!(body.when.utc.map(|t| t.to_string()).as_deref(), Some("2024-05-01T15:20:00Z"));
        assert!(p.problems.iter().any(|pr| pr.message.contains("another mbox message")), "{:?}", p.problems);
    }

    #[test]
    fn base64_body_and_bad_headers_are_problems_not_panics() {
        let text = "From: ops@example.com\nDate: someday\nReceived: by mx; Wed, 01 May 2024 15:00:00 +0000\nSubject: =?UTF-8?B?UmVzb2x2ZWQ=?=\nthis is not a header\nContent-Transfer-Encoding: base64\n\nVGhlIGluY2lkZW50IGlzIHJlc29sdmVkLgo=\n";
        let p = parse("x.eml", text);
        assert_eq!(p.records.len(), 1);
        let r = &p.records[0];
        assert_eq!(r.text, "=?UTF-8?B?UmVzb2x2ZWQ=?=");
        assert!(
            r.summary.as_deref().is_some_and(|s| s.contains("Resolved — The incident is resolved.")),
            "{:?}",
            r.summary
        );
        assert_eq!(r.when.precision, Precision::Inferred);
        assert_eq!(r.when.utc.map(|t| t.to_string()).as_deref(), Some("2024-05-01T15:00:00Z"));
        let lines: Vec<Option<u32>> = p.problems.iter().map(|p| p.line).collect();
        assert!(lines.contains(&Some(2)), "bad Date reported: {:?}", p.problems);
        assert!(lines.contains(&Some(5)), "bad header reported");
        assert!(lines.contains(&Some(8)), "base64 body reported");
        assert_eq!(Email.sniff(&SourceFile::new("a.txt", "hello: world\nnope")), 0);
        assert_eq!(Email.sniff(&SourceFile::new("a.json", "{\"From\": 1}")), 0);
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
