//! Integration tests of debrief-redact on the shared evaluation data (skipped with a
//! note when `../shared` is absent) and property tests.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bundles;
mod evidence;
mod gitleaks;
mod presidio;
mod props;

use std::path::PathBuf;

/// `../shared/<rel>` next to the workspace, if present.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")).join(rel);
    if p.exists() {
        Some(p)
    } else {
        println!("skipped: {} is absent (it is only in the project's own checkout)", p.display());
        None
    }
}

/// Whether `word` occurs in `text` as a whole word, ignoring case.
pub fn has_word(text: &str, word: &str) -> bool {
    let t = text.to_lowercase();
    let w = word.to_lowercase();
    let mut from = 0;
    while let Some(i) = t[from..].find(&w) {
        let s = from + i;
        let e = s + w.len();
        let before = t[..s].chars().next_back();
        let after = t[e..].chars().next();
        let word_char = |c: char| c.is_alphanumeric() || c == '_';
        if !before.is_some_and(word_char) && !after.is_some_and(word_char) {
            return true;
        }
        from = s + w.len().max(1);
        while !t.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}
