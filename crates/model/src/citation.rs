use serde::{Deserialize, Serialize};

/// Where a record sits in its source: 1-based lines, `end_line >= line`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Span {
    /// Index of the source in the bundle's source list.
    pub source: u32,
    pub line: u32,
    pub end_line: u32,
}

impl Span {
    pub fn line(source: u32, line: u32) -> Self {
        Self { source, line, end_line: line }
    }

    pub fn lines(source: u32, line: u32, end_line: u32) -> Self {
        Self { source, line, end_line: end_line.max(line) }
    }
}

/// A checkable pointer at evidence: `quote` is a verbatim substring of lines
/// `line..=end_line` of `source` as redacted, each substitution written `‹…›`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    pub source: String,
    pub line: u32,
    pub end_line: u32,
    pub quote: String,
}

impl Citation {
    pub fn new(source: impl Into<String>, line: u32, end_line: u32, quote: impl Into<String>) -> Self {
        Self { source: source.into(), line, end_line: end_line.max(line), quote: quote.into() }
    }
}

/// The longest useful quote of `text`: its first non-empty line, cut at `max` characters
/// on a boundary that never splits a `‹…›` substitution, with surrounding blanks trimmed.
///
/// ```
/// assert_eq!(debrief_model::quote_of("  hello world\nsecond", 5), "hello");
/// assert_eq!(debrief_model::quote_of("key ‹secret:aws› tail", 6), "key");
/// ```
pub fn quote_of(text: &str, max: usize) -> String {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let mut out = String::new();
    let mut count = 0;
    let mut chars = first.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '‹' {
            let end = first[i..].find('›').map_or(first.len(), |e| i + e + '›'.len_utf8());
            let token = &first[i..end];
            let n = token.chars().count();
            if count + n > max {
                break;
            }
            out.push_str(token);
            count += n;
            while chars.peek().is_some_and(|&(j, _)| j < end) {
                chars.next();
            }
            continue;
        }
        if count + 1 > max {
            break;
        }
        out.push(c);
        count += 1;
    }
    out.trim().to_string()
}
