//! Checks a review's citations against the bundle's files.
//!
//! Every object in the review's JSON that has `source`, `line` and `quote` is a citation.
//! It checks out when the source exists, `line..=end_line` lies inside it, and the quote is
//! found in those lines, where each substitution written `‹…›` stands for any text and a
//! JSON source's string escapes may be decoded (DESIGN.md, "Evidence model").
//!
//! ```
//! use debrief_verify::{check_quote, Verdict};
//! let lines = "{\"text\": \"db password is hunter2 ok\"}";
//! assert_eq!(check_quote(lines, "db password is ‹secret:password› ok"), Verdict::Ok);
//! assert_eq!(check_quote(lines, "password was"), Verdict::QuoteNotFound);
//! ```

pub mod lint;

use std::collections::HashMap;

use serde_json::Value;

/// The outcome of checking one citation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Malformed,
    EmptyQuote,
    NoSuchSource,
    LineOutOfRange,
    QuoteNotFound,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Malformed => "malformed citation",
            Self::EmptyQuote => "empty quote",
            Self::NoSuchSource => "no such source",
            Self::LineOutOfRange => "line out of range",
            Self::QuoteNotFound => "quote not found",
        }
    }
}

/// A citation that did not check out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub source: String,
    pub line: i64,
    pub quote: String,
    pub verdict: Verdict,
}

/// The result of checking a whole review.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub checked: usize,
    pub failures: Vec<Failure>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Checks every citation in `review` (its JSON form). `source_text` returns a source's
/// text as it is on disk (before redaction), by bundle-relative path.
pub fn verify<'a>(review: &Value, source_text: impl Fn(&str) -> Option<&'a str>) -> Report {
    let mut cites = Vec::new();
    collect(review, &mut cites);
    let mut lines_cache: HashMap<&str, Option<Vec<&'a str>>> = HashMap::new();
    let mut report = Report { checked: cites.len(), failures: Vec::new() };
    for c in cites {
        let verdict = check(c, &mut lines_cache, &source_text);
        if verdict != Verdict::Ok {
            report.failures.push(Failure {
                source: c.get("source").and_then(Value::as_str).unwrap_or("").to_string(),
                line: c.get("line").and_then(Value::as_i64).unwrap_or(0),
                quote: c.get("quote").and_then(Value::as_str).unwrap_or("").to_string(),
                verdict,
            });
        }
    }
    report
}

fn collect<'v>(node: &'v Value, out: &mut Vec<&'v serde_json::Map<String, Value>>) {
    match node {
        Value::Object(map) => {
            if map.contains_key("source") && map.contains_key("line") && map.contains_key("quote") {
                out.push(map);
            }
            map.values().for_each(|v| collect(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}

fn check<'v, 'a>(
    c: &'v serde_json::Map<String, Value>,
    cache: &mut HashMap<&'v str, Option<Vec<&'a str>>>,
    source_text: &impl Fn(&str) -> Option<&'a str>,
) -> Verdict {
    let (Some(source), Some(line)) = (c.get("source").and_then(Value::as_str), c.get("line").and_then(Value::as_i64))
    else {
        return Verdict::Malformed;
    };
    let end = match c.get("end_line") {
        None => line,
        Some(v) => match v.as_i64() {
            Some(e) => e,
            None => return Verdict::Malformed,
        },
    };
    let Some(quote) = c.get("quote").and_then(Value::as_str) else {
        return Verdict::Malformed;
    };
    if quote.trim().is_empty() {
        return Verdict::EmptyQuote;
    }
    let lines = cache.entry(source).or_insert_with(|| source_text(source).map(split_lines));
    let Some(lines) = lines else {
        return Verdict::NoSuchSource;
    };
    if line < 1 || end < line || end as usize > lines.len() {
        return Verdict::LineOutOfRange;
    }
    let text = lines[line as usize - 1..end as usize].join("\n");
    check_quote(&text, quote)
}

/// Lines the way citations count them: split on `\n`, a trailing `\r` dropped.
pub fn split_lines(text: &str) -> Vec<&str> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect()
}

/// Whether `quote` is found in `text`, each `‹…›` standing for any text, in the text as
/// written or with its JSON string escapes decoded.
pub fn check_quote(text: &str, quote: &str) -> Verdict {
    let parts = literal_parts(quote);
    if matches_in_order(text, &parts) || matches_in_order(&json_unescaped(text), &parts) {
        Verdict::Ok
    } else {
        Verdict::QuoteNotFound
    }
}

fn literal_parts(quote: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = quote;
    while let Some(start) = rest.find('‹') {
        parts.push(&rest[..start]);
        let Some(end) = rest[start..].find('›') else {
            // An unclosed `‹` is literal text.
            parts.pop();
            break;
        };
        rest = &rest[start + end + '›'.len_utf8()..];
    }
    parts.push(rest);
    if parts.len() == 1 {
        parts[0] = quote;
    }
    parts
}

fn matches_in_order(text: &str, parts: &[&str]) -> bool {
    let mut at = 0;
    for p in parts {
        match text[at..].find(p) {
            Some(i) => at += i + p.len(),
            None => return false,
        }
    }
    true
}

/// `text` with JSON string escapes decoded (`\/` → `/`, `\u2019` → `’`). A lone surrogate
/// escape decodes to U+FFFD.
pub fn json_unescaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('u') => {
                let hex: String = chars.clone().skip(1).take(4).collect();
                if hex.len() == 4
                    && let Ok(n) = u32::from_str_radix(&hex, 16)
                {
                    out.push(char::from_u32(n).unwrap_or('\u{FFFD}'));
                    for _ in 0..5 {
                        chars.next();
                    }
                } else {
                    out.push('\\');
                }
            }
            Some(e @ ('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't')) => {
                chars.next();
                out.push(match e {
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    other => other,
                });
            }
            _ => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn substitutions_match_any_text_in_order() {
        assert_eq!(check_quote("a secret b", "a ‹x› b"), Verdict::Ok);
        assert_eq!(check_quote("b secret a", "a ‹x› b"), Verdict::QuoteNotFound);
        assert_eq!(check_quote("‹lit", "‹lit"), Verdict::Ok);
    }

    #[test]
    fn json_escapes_may_be_decoded() {
        assert_eq!(check_quote(r#""see https:\/\/x.io it\u2019s""#, "see https://x.io it’s"), Verdict::Ok);
        assert_eq!(check_quote(r#""say \"hi\"""#, "say \"hi\""), Verdict::Ok);
    }

    #[test]
    fn whole_review_is_walked() {
        let src = "line one\nline two\r\nline three\n";
        let review = json!({
            "timeline": [{"citations": [
                {"source": "a.log", "line": 2, "end_line": 2, "quote": "line two"},
                {"source": "a.log", "line": 1, "end_line": 3, "quote": "one\nline ‹x›"},
                {"source": "a.log", "line": 4, "end_line": 9, "quote": "x"},
                {"source": "b.log", "line": 1, "quote": "x"},
                {"source": "a.log", "line": 1, "quote": "  "},
                {"source": "a.log", "line": 3, "quote": "line two"}
            ]}],
            "metrics": {"detected": {"citations": [{"source": "a.log", "line": 3, "quote": "three"}]}}
        });
        let report = verify(&review, |p| (p == "a.log").then_some(src));
        assert_eq!(report.checked, 7);
        let verdicts: Vec<_> = report.failures.iter().map(|f| f.verdict).collect();
        assert_eq!(
            verdicts,
            [Verdict::LineOutOfRange, Verdict::NoSuchSource, Verdict::EmptyQuote, Verdict::QuoteNotFound]
        );
    }
}
