//! Small helpers for reading what responders wrote.

/// Whether `lower` (lower-case text) holds one of `phrases` where a word starts.
pub(crate) fn has_any(lower: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| find_word(lower, p).is_some())
}

/// Where `phrase` starts in `lower` at the start of a word.
pub(crate) fn find_word(lower: &str, phrase: &str) -> Option<usize> {
    lower
        .match_indices(phrase)
        .map(|(i, _)| i)
        .find(|&i| lower[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_match_at_word_starts() {
        assert!(has_any("we rolled back", &["rolled back"]));
        assert!(!has_any("unrolled back", &["rolled back"]));
        assert!(has_any("silenced it", &["silenc"]));
    }
}
