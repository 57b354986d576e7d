//! Whether a template covers a line: tokens in order, a lone `<*>` for any number of tokens
//! (none included), and `<*>` inside a token for any text.

use crate::mask::MASK;

/// Whether `template` covers `line` (both split on whitespace).
///
/// ```
/// use debrief_templates::matches;
/// assert!(matches("blk_<*> size <*>", "blk_-42 size 67108864"));
/// assert!(matches("<*> bytes <*> sent", "3 bytes (3.1 KB) sent"));
/// assert!(!matches("session opened for <*>", "session closed for root"));
/// ```
pub fn matches(template: &str, line: &str) -> bool {
    let t: Vec<&str> = template.split_ascii_whitespace().collect();
    let l: Vec<&str> = line.split_ascii_whitespace().collect();
    let (n, m) = (t.len(), l.len());
    // ok[i][j]: t[i..] covers l[j..].
    let mut ok = vec![false; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    ok[at(n, m)] = true;
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            ok[at(i, j)] = if t[i] == MASK {
                ok[at(i + 1, j)] || (j < m && ok[at(i, j + 1)])
            } else {
                j < m && glob(t[i], l[j]) && ok[at(i + 1, j + 1)]
            };
        }
    }
    ok[at(0, 0)]
}

/// `pattern` with `<*>` as any text (none included) against one token.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split(MASK);
    let Some(first) = parts.next() else { return text.is_empty() };
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for p in middle {
        match rest.find(p) {
            Some(k) => rest = &rest[k + p.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("a<*>b", "ab"));
        assert!(glob("a<*>b<*>c", "axxbyyc"));
        assert!(!glob("a<*>b", "ba"));
        assert!(glob("<*>", ""));
        assert!(glob("x", "x"));
        assert!(!glob("x", "xy"));
        assert!(glob("<*>ab<*>ab", "abab"));
    }

    #[test]
    fn token_runs() {
        assert!(matches("", ""));
        assert!(matches("<*>", ""));
        assert!(matches("a <*> b", "a b"));
        assert!(matches("a <*> b", "a x y z b"));
        assert!(!matches("a b", "a  b c"));
    }
}
