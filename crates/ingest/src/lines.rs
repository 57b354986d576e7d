//! Byte offsets to 1-based line numbers, counted the way citations count them.

/// Start offsets of every line of a text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Self { starts }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> u32 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    /// The 1-based lines of the byte range `start..end` (end exclusive).
    pub fn lines_of(&self, start: usize, end: usize) -> (u32, u32) {
        let first = self.line_of(start);
        let last = self.line_of(end.saturating_sub(1).max(start));
        (first, last)
    }
}

/// Lines of `text` with their 1-based numbers, `\r` stripped.
pub fn numbered(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.split('\n').enumerate().map(|(i, l)| (i as u32 + 1, l.strip_suffix('\r').unwrap_or(l)))
}

/// The first `max` bytes of `text` as whole lines: cut on a character boundary, the
/// partial last line dropped (for sniffing a file by its opening).
pub(crate) fn head_lines(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let h = &text[..cut];
    h.rfind('\n').map_or(h, |i| &h[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines() {
        let idx = LineIndex::new("ab\ncd\n\nef");
        assert_eq!(idx.line_of(0), 1);
        assert_eq!(idx.line_of(2), 1);
        assert_eq!(idx.line_of(3), 2);
        assert_eq!(idx.line_of(6), 3);
        assert_eq!(idx.line_of(7), 4);
        assert_eq!(idx.lines_of(3, 9), (2, 4));
    }
}
