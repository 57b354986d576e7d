use std::fmt;

use serde::{Deserialize, Serialize};

/// Something wrong with part of a source. `line` is 1-based when the problem has a place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub message: String,
    /// Whether the rest of the source was still read.
    pub can_continue: bool,
}

impl Problem {
    pub fn at(line: u32, message: impl Into<String>) -> Self {
        Self { line: Some(line), message: message.into(), can_continue: true }
    }

    pub fn whole(message: impl Into<String>) -> Self {
        Self { line: None, message: message.into(), can_continue: false }
    }

    #[must_use]
    pub fn fatal(mut self) -> Self {
        self.can_continue = false;
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A file of the bundle as loaded: its path relative to the bundle root and its text.
#[derive(Clone)]
pub struct SourceFile {
    pub path: String,
    /// The text, with invalid UTF-8 replaced (a problem says so). Line breaks are kept.
    pub text: String,
    pub size: u64,
    /// Problems found while loading (invalid UTF-8).
    pub problems: Vec<Problem>,
}

impl fmt::Debug for SourceFile {
    // The text may hold secrets: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile").field("path", &self.path).field("size", &self.size).finish_non_exhaustive()
    }
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        Self { path: path.into(), size: text.len() as u64, text, problems: Vec::new() }
    }

    /// Number of lines, counted the way citations count them (a final line without a
    /// newline counts; an empty file has none).
    pub fn line_count(&self) -> u32 {
        line_count(&self.text)
    }
}

pub(crate) fn line_count(text: &str) -> u32 {
    if text.is_empty() {
        return 0;
    }
    let n = text.bytes().filter(|&b| b == b'\n').count();
    (if text.ends_with('\n') { n } else { n + 1 }) as u32
}

/// A source as the review lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Relative to the bundle root: where the file is read from and what citations name.
    pub path: String,
    /// How a review and a model are shown the path: with the names in it replaced the way
    /// the text's are (`notes/responder-b.md`). Set by redaction; `None` before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The detected format (`slack-export`, `pagerduty-log-entries`…).
    pub format: String,
    pub size: u64,
    pub lines: u32,
    pub records: usize,
    pub problems: Vec<Problem>,
}

impl Source {
    /// The path as a review shows it: the label redaction gave it, else the path.
    pub fn shown(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.path)
    }
}
