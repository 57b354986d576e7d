//! The fields of a JSON log line debrief reads, found in one pass over the line's top-level
//! keys (jiter) and kept as raw JSON text borrowed from the line; every other key is skipped
//! without being decoded.
//!
//! Most log lines are flat objects of short strings and numbers, so a line is first read by a
//! small scanner made for that (string values skipped with `memchr`, nested values handed to
//! jiter); anything it does not expect — an escaped key, a malformed line — goes to jiter
//! from the start, which reads every valid line and words the error for the rest. On the
//! draft benchmark's JSON lines this took the JSON share of a draft from a third (a serde
//! struct of ~40 optional fields) to under a tenth. The scanner is more lenient than jiter in
//! two ways that keep a line rather than lose it: raw control characters inside strings and
//! numbers it does not check digit by digit (`1.2.3`).

use jiter::{Jiter, JiterError};

/// A JSON value's text as it stands in the line (a string keeps its quotes and escapes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Raw<'a>(&'a str);

impl<'a> Raw<'a> {
    pub(super) fn get(self) -> &'a str {
        self.0
    }
}

/// Scans one JSON object: each key listed fills its field with the first value it has.
fn scan<'a>(
    text: &'a str,
    slot: impl Fn(&[u8]) -> Option<usize>,
    out: &mut [Option<Raw<'a>>],
    mut layout: Option<&mut Layout>,
) -> Result<(), JiterError> {
    if let Some(l) = layout.as_deref_mut()
        && l.is_known()
    {
        if laid_out(text, l, out).is_some() {
            return Ok(());
        }
        out.fill(None);
    }
    if flat(text, &slot, out, layout.as_deref_mut()).is_some() {
        return Ok(());
    }
    if let Some(l) = layout {
        l.forget();
    }
    out.fill(None);
    scan_all(text, slot, out)
}

/// The layout of a flat JSON line: the texts between its values (`{"time": `, `, "level": `,
/// …, `}`) and the field each value fills. The lines of one logger mostly share one, so a
/// line is first read as laid out like the line before: each text is matched and each value
/// skipped, with no key to look up. Reading a line so gives what [`flat`] gives, since a line
/// that matches the texts is, to [`flat`], the same bytes up to each value.
#[derive(Debug, Default)]
pub(super) struct Layout {
    /// The texts between values, back to back.
    texts: Vec<u8>,
    /// For each value, where the text before it ends in `texts`, and the field it fills
    /// ([`Layout::NONE`]: none, or a key seen before in the line).
    /// Empty when no layout is known.
    values: Vec<(u32, u8)>,
}

impl Layout {
    const NONE: u8 = u8::MAX;

    fn is_known(&self) -> bool {
        !self.values.is_empty()
    }

    fn forget(&mut self) {
        self.texts.clear();
        self.values.clear();
    }
}

/// Reads `text` as laid out as `layout`; `None` when it is not.
fn laid_out<'a>(text: &'a str, layout: &Layout, out: &mut [Option<Raw<'a>>]) -> Option<()> {
    let b = text.as_bytes();
    let (mut i, mut from) = (0, 0);
    for &(to, slot) in &layout.values {
        let lit = &layout.texts[from..to as usize];
        from = to as usize;
        if !same(b.get(i..i + lit.len())?, lit) {
            return None;
        }
        i += lit.len();
        let value = i;
        i = skip(b, i)?;
        if slot != Layout::NONE {
            *out.get_mut(usize::from(slot))? = Some(Raw(text.get(value..i)?));
        }
    }
    let closing = &layout.texts[from..];
    (b.len() - i == closing.len() && same(&b[i..], closing)).then_some(())
}

/// Whether `a` and `b` are equal, compared eight bytes at a time (texts
/// between values are a few words long, where a `memcmp` call costs more than it saves).
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| s.get(at..at + 8).map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()));
    if n < 8 {
        return a == b;
    }
    let mut at = 0;
    while at + 8 < n {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The fast path of [`scan`]: `None` when the line needs the full parser. Takes the line's
/// layout into `layout` (left partial when it returns `None`: [`scan`] then forgets it).
fn flat<'a>(
    text: &'a str,
    slot: &impl Fn(&[u8]) -> Option<usize>,
    out: &mut [Option<Raw<'a>>],
    mut layout: Option<&mut Layout>,
) -> Option<()> {
    if let Some(l) = layout.as_deref_mut() {
        l.forget();
    }
    let b = text.as_bytes();
    let mut i = ws(b, 0);
    if *b.get(i)? != b'{' {
        return None;
    }
    i = ws(b, i + 1);
    if *b.get(i)? == b'}' {
        return (ws(b, i + 1) == b.len()).then_some(());
    }
    // Where the text before the next value begins.
    let mut gap = 0;
    loop {
        if *b.get(i)? != b'"' {
            return None;
        }
        let start = i + 1;
        let end = quote_or_backslash(b, start)?;
        let key = &b[start..end];
        if b[end] != b'"' {
            return None;
        }
        i = ws(b, end + 1);
        if *b.get(i)? != b':' {
            return None;
        }
        i = ws(b, i + 1);
        let value = i;
        i = skip(b, i)?;
        let filled = match slot(key) {
            Some(k) if out[k].is_none() => {
                out[k] = Some(Raw(text.get(value..i)?));
                Some(u8::try_from(k).ok()?)
            }
            _ => None,
        };
        if let Some(l) = layout.as_deref_mut() {
            l.texts.extend_from_slice(&b[gap..value]);
            l.values.push((u32::try_from(l.texts.len()).ok()?, filled.unwrap_or(Layout::NONE)));
            gap = i;
        }
        i = ws(b, i);
        match *b.get(i)? {
            b',' => i = ws(b, i + 1),
            b'}' => {
                let end = ws(b, i + 1);
                if end != b.len() {
                    return None;
                }
                if let Some(l) = layout {
                    l.texts.extend_from_slice(&b[gap..]);
                }
                return Some(());
            }
            _ => return None,
        }
    }
}

/// The first `"` or `\` at or after `from`, eight bytes at a time. Keys and most values are
/// a few bytes long, where this beats both a byte loop (a mispredicted branch per string)
/// and `memchr2` (made for long haystacks): on the draft benchmark's 1M JSON lines the whole
/// draft took 18 % less CPU than with `memchr2` and a byte loop for keys.
fn quote_or_backslash(b: &[u8], from: usize) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // The lowest set bit of the result marks the first zero byte of `x` exactly.
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().ok()?);
        let hit = zero(w ^ (LO * u64::from(b'"'))) | zero(w ^ (LO * u64::from(b'\\')));
        if hit != 0 {
            return Some(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?.iter().position(|&c| c == b'"' || c == b'\\').map(|p| i + p)
}

/// The end of the JSON value that starts at `i`.
fn skip(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => {
            let mut j = i + 1;
            loop {
                let k = quote_or_backslash(b, j)?;
                if b[k] == b'"' {
                    return Some(k + 1);
                }
                j = k + 2;
            }
        }
        b'{' | b'[' => {
            let rest = b.get(i..)?;
            let mut j = Jiter::new(rest);
            j.next_skip().ok()?;
            Some(i + j.current_index())
        }
        b't' => b[i..].starts_with(b"true").then_some(i + 4),
        b'f' => b[i..].starts_with(b"false").then_some(i + 5),
        b'n' => b[i..].starts_with(b"null").then_some(i + 4),
        b'-' | b'0'..=b'9' => {
            let mut j = i + 1;
            while matches!(b.get(j), Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')) {
                j += 1;
            }
            Some(j)
        }
        _ => None,
    }
}

/// The full parser behind [`scan`].
fn scan_all<'a>(
    text: &'a str,
    slot: impl Fn(&[u8]) -> Option<usize>,
    out: &mut [Option<Raw<'a>>],
) -> Result<(), JiterError> {
    let mut j = Jiter::new(text.as_bytes());
    let mut at = j.next_object_bytes()?.map(&slot);
    let mut more = at.is_some();
    while more {
        let start = j.current_index();
        j.next_skip()?;
        if let Some(Some(i)) = at
            && out[i].is_none()
        {
            out[i] = Some(Raw(text[start..j.current_index()].trim_start()));
        }
        let next = j.next_key_bytes()?;
        more = next.is_some();
        at = next.map(&slot);
    }
    j.finish()
}

macro_rules! fields {
    ($(#[$doc:meta])* $name:ident in $slots:ident { $($field:ident = $key:literal,)* }) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        mod $slots {
            pub(super) enum Slot { $($field,)* }
            pub(super) const N: usize = [$(Slot::$field,)*].len();
        }

        $(#[$doc])*
        /// Each field is the raw value of its key, read in place (a struct of fields would be
        /// built and then copied, hundreds of bytes a line).
        #[derive(Debug, Clone, Copy)]
        pub(super) struct $name<'a>([Option<Raw<'a>>; $slots::N]);

        impl Default for $name<'_> {
            fn default() -> Self {
                Self([None; $slots::N])
            }
        }

        #[allow(dead_code)]
        impl<'a> $name<'a> {
            $(
                pub(super) fn $field(&self) -> Option<Raw<'a>> {
                    self.0[$slots::Slot::$field as usize]
                }
            )*

            /// The listed fields of the JSON object `text`; an error when `text` is not one
            /// JSON object.
            pub(super) fn parse(text: &'a str) -> Result<Self, JiterError> {
                Self::read(text, None)
            }

            /// [`Self::parse`] into `self`, trying first the layout of the line read before
            /// with `layout`, and keeping this line's. (Returning the fields, hundreds of
            /// bytes, cost a copy a line.)
            pub(super) fn parse_into(&mut self, text: &'a str, layout: &mut Layout) -> Result<(), JiterError> {
                self.0 = [None; $slots::N];
                self.scan(text, Some(layout))
            }

            fn read(text: &'a str, layout: Option<&mut Layout>) -> Result<Self, JiterError> {
                let mut out = Self::default();
                out.scan(text, layout)?;
                Ok(out)
            }

            fn scan(&mut self, text: &'a str, layout: Option<&mut Layout>) -> Result<(), JiterError> {
                let slot = |k: &[u8]| -> Option<usize> {
                    match k {
                        $($key => Some($slots::Slot::$field as usize),)*
                        _ => None,
                    }
                };
                scan(text, slot, &mut self.0, layout)
            }
        }
    };
}

fields! {
    /// The top-level fields of a JSON log line.
    JsonLine in json_line {
        at_timestamp = b"@timestamp",
        timestamp = b"timestamp",
        time = b"time",
        ts = b"ts",
        t = b"t",
        date = b"date",
        datetime = b"datetime",
        event_time = b"eventTime",
        receive_timestamp = b"receiveTimestamp",

        level = b"level",
        severity = b"severity",
        lvl = b"lvl",
        log_level = b"log.level",
        loglevel = b"loglevel",

        message = b"message",
        msg = b"msg",
        text_payload = b"textPayload",
        json_payload = b"jsonPayload",
        log = b"log",
        error = b"error",
        err = b"err",

        service = b"service",
        service_name = b"service.name",
        app = b"app",
        application = b"application",
        component = b"component",
        logger = b"logger",
        logger_name = b"logger_name",

        version = b"version",
        http_status = b"http_status",
        status = b"status",
        status_code_camel = b"statusCode",
        status_code = b"status_code",
        http_method = b"http_method",
        method = b"method",
        http_request = b"httpRequest",
    }
}

fields! {
    /// Nested objects that may hold the message or level (`jsonPayload`, `log`, `service`,
    /// `httpRequest`).
    Nested in nested {
        message = b"message",
        msg = b"msg",
        level = b"level",
        severity = b"severity",
        name = b"name",
        error = b"error",
        status = b"status",
        request_method = b"requestMethod",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_keys_keep_their_raw_text_and_others_are_skipped() {
        let line = r#"{"@timestamp": "2025-03-12T09:00:00Z", "pod": {"a": [1, {"b": "}"}]}, "level":"WARN",
            "message": "a \"quoted\" word", "status": 503, "x": null}"#;
        let v = JsonLine::parse(line).unwrap();
        assert_eq!(v.at_timestamp().map(Raw::get), Some(r#""2025-03-12T09:00:00Z""#));
        assert_eq!(v.level().map(Raw::get), Some(r#""WARN""#));
        assert_eq!(v.message().map(Raw::get), Some(r#""a \"quoted\" word""#));
        assert_eq!(v.status().map(Raw::get), Some("503"));
        assert!(v.time().is_none() && v.msg().is_none());
    }

    #[test]
    fn the_first_of_a_repeated_key_wins() {
        let v = JsonLine::parse(r#"{"msg": "one", "msg": "two"}"#).unwrap();
        assert_eq!(v.msg().map(Raw::get), Some(r#""one""#));
    }

    #[test]
    fn nested_objects_are_raw_until_asked() {
        let v = JsonLine::parse(r#"{"httpRequest": {"status": 502, "requestMethod": "GET"}}"#).unwrap();
        let raw = v.http_request().unwrap().get();
        let n = Nested::parse(raw).unwrap();
        assert_eq!(n.status().map(Raw::get), Some("502"));
        assert_eq!(n.request_method().map(Raw::get), Some(r#""GET""#));
    }

    #[test]
    fn same_sees_a_difference_at_every_offset() {
        for len in 0..24 {
            let a: Vec<u8> = (0..len as u8).collect();
            assert!(same(&a, &a.clone()), "{len}");
            for at in 0..len {
                let mut b = a.clone();
                b[at] ^= 0x40;
                assert!(!same(&a, &b), "{len} {at}");
            }
            assert!(!same(&a, &[a.as_slice(), b"x"].concat()), "{len}");
        }
    }

    #[test]
    fn quotes_and_backslashes_are_found_at_every_offset() {
        for len in 0..40 {
            for at in 0..=len {
                for c in [b'"', b'\\'] {
                    let mut b = vec![b'a'; len];
                    let want = (at < len).then(|| {
                        b[at] = c;
                        at
                    });
                    // A second hit after the first never hides it.
                    if at + 3 < len {
                        b[at + 3] = b'"';
                    }
                    for from in 0..=at.min(len) {
                        assert_eq!(quote_or_backslash(&b, from), want, "len {len} at {at} from {from}");
                    }
                }
            }
        }
        assert_eq!(quote_or_backslash(b"\x80\xff\x22", 0), Some(2));
    }

    #[test]
    fn both_readers_agree_on_valid_lines() {
        let lines = [
            r#"{"msg":"a\\","level":"info","n":-1.5e3,"ok":true,"z":null,"arr":[1,"]"],"o":{}}"#,
            r#"{ "t" : 1 , "msg" : "x\"y" }"#,
            r#"{"k\u0065y": 1, "msg": "escaped key sends the line to jiter"}"#,
            "{}",
        ];
        for line in lines {
            let slot = |k: &[u8]| (k == b"msg").then_some(0);
            let mut fast = [None; 1];
            let mut full = [None; 1];
            scan(line, slot, &mut fast, None).unwrap();
            scan_all(line, slot, &mut full).unwrap();
            assert_eq!(fast, full, "{line}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_fast_reader_matches_jiter(
            pairs in proptest::collection::vec(("(msg|level|x|\\PC{0,4})", "\\PC{0,12}", 0..4u8), 0..6),
            pad in "[ \t]{0,2}",
        ) {
            let mut line = String::from("{");
            for (i, (k, v, kind)) in pairs.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                    line.push_str(&pad);
                }
                let value = match kind {
                    0 => serde_json::to_string(v).unwrap(),
                    1 => format!("[{}]", serde_json::to_string(v).unwrap()),
                    2 => (v.len() as i64 - 3).to_string(),
                    _ => "null".into(),
                };
                line.push_str(&serde_json::to_string(k).unwrap());
                line.push(':');
                line.push_str(&pad);
                line.push_str(&value);
            }
            line.push('}');
            let slot = |k: &[u8]| match k { b"msg" => Some(0), b"level" => Some(1), _ => None };
            let mut fast = [None; 2];
            let mut full = [None; 2];
            let a = scan(&line, slot, &mut fast, None).is_ok();
            let b = scan_all(&line, slot, &mut full).is_ok();
            proptest::prop_assert!(a && b, "{}", line);
            proptest::prop_assert_eq!(fast, full);
        }
    }

    /// The fields a line gives, as text, read with and without `layout`.
    fn both_ways(line: &str, layout: &mut Layout) -> (Option<String>, Option<String>) {
        let show = |v: Result<JsonLine<'_>, JiterError>| v.ok().map(|v| format!("{v:?}"));
        let mut v = JsonLine::default();
        let with = v.parse_into(line, layout).map(|()| v);
        (show(with), show(JsonLine::parse(line)))
    }

    #[test]
    fn lines_laid_out_alike_read_as_they_would_alone() {
        let lines = [
            r#"{"@timestamp": "2025-03-12T09:00:00Z", "level": "INFO", "message": "GET /a 200", "status": 200}"#,
            r#"{"@timestamp": "2025-03-12T09:00:01Z", "level": "ERROR", "message": "GET /bb 503", "status": 503}"#,
            // Same keys, other spacing; then a repeated key; then a value of another kind.
            r#"{"@timestamp":"2025-03-12T09:00:02Z","level":"INFO","message":"x","status":200}"#,
            r#"{"@timestamp":"2025-03-12T09:00:03Z","level":"INFO","message":"x","status":200}  "#,
            r#"{"msg": "one", "msg": "two"}"#,
            r#"{"msg": "three", "msg": "four"}"#,
            r#"{"msg": {"nested": "}"}, "msg": "five"}"#,
            r#"{"msg": "a \"quoted\", \"msg\": word", "msg": "six"}"#,
            r#"{"msg": "seven", "msg": "eight"} trailing"#,
            r#"{"msg": "nine"#,
            "{}",
            r#"{"k\u0065y": 1, "msg": "ten"}"#,
            r#"{"k\u0065y": 2, "msg": "eleven"}"#,
        ];
        let mut layout = Layout::default();
        for line in lines {
            let (with, alone) = both_ways(line, &mut layout);
            assert_eq!(with, alone, "{line}");
        }
        // The layout is used: a line laid out like the one before reads without the scanner.
        let mut layout = Layout::default();
        both_ways(lines[0], &mut layout);
        let mut out = [None; 64];
        assert!(laid_out(lines[1], &layout, &mut out).is_some());
        assert!(laid_out(lines[2], &layout, &mut out).is_none());
    }

    proptest::proptest! {
        /// A run of lines, many laid out alike, reads the same with a shared layout as each
        /// line alone.
        #[test]
        fn a_shared_layout_reads_as_each_line_alone(
            lines in proptest::collection::vec(
                (0..3usize, proptest::collection::vec(("\\PC{0,6}", 0..4u8), 3), "[ ]{0,1}"),
                1..12,
            ),
        ) {
            let keys = [["message", "level", "x"], ["msg", "msg", "level"], ["level", "status", "message"]];
            let mut layout = Layout::default();
            for (layout_no, values, pad) in &lines {
                let mut line = String::from("{");
                for (i, (v, kind)) in values.iter().enumerate() {
                    if i > 0 {
                        line.push(',');
                        line.push_str(pad);
                    }
                    let value = match kind {
                        0 => serde_json::to_string(v).unwrap(),
                        1 => format!("[{}]", serde_json::to_string(v).unwrap()),
                        2 => (v.len() as i64 - 3).to_string(),
                        _ => "true".into(),
                    };
                    line.push_str(&["\"", keys[*layout_no][i], "\":", pad, &value].concat());
                }
                line.push('}');
                let (with, alone) = both_ways(&line, &mut layout);
                proptest::prop_assert!(alone.is_some(), "{}", line);
                proptest::prop_assert_eq!(with, alone);
            }
        }
    }

    #[test]
    fn what_is_not_one_object_is_an_error() {
        let bad = [
            "[1, 2]", "\"text\"", "{\"a\": 1", "{\"a\": 1} {", "{\"a\" 1}", "{\"a\": tru}", "{\"a\": 12ab}",
            "{\"a\": \"unterminated}", "{\"a\": \"x\\\"}", "{\"a\": [1, 2}", "{\"a\": 1,}", "",
        ];
        for bad in bad {
            assert!(JsonLine::parse(bad).is_err(), "{bad:?}");
        }
        assert!(JsonLine::parse("{}").is_ok());
        assert!(JsonLine::parse("  {\"a\": 1}  ").is_ok());
    }
}
