//! A line split on whitespace into masked tokens, in buffers reused from line to line.

use crate::hash::{WILD, combine, hash_bytes};
use crate::header::{Level, PEEK, peel};
use crate::mask::{CLASS, MASK, MaskConfig, SPACE, mask_into};

/// The masked tokens of one line: each token's text (in the line, or in the buffer of masked
/// tokens when masking changed it) and hash.
#[derive(Debug, Default, Clone)]
pub struct Tokens {
    line: String,
    spans: Vec<(u32, u32, u8)>,
    masked: String,
    /// Per token: `(start, end)` in `line`, or in `masked` when the top bit of `start` is set.
    texts: Vec<(u32, u32)>,
    hashes: Vec<u64>,
    key: u64,
}

const IN_MASKED: u32 = 1 << 31;

impl Tokens {
    /// Masks and hashes the tokens of `line` (less its header, with `strip_header`), replacing
    /// what was there. Returns the level the header named.
    pub fn fill(&mut self, line: &str, mask: MaskConfig, strip_header: bool) -> Option<Level> {
        self.line.clear();
        self.line.push_str(line);
        self.spans.clear();
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if CLASS[b[i] as usize] & SPACE != 0 {
                i += 1;
                continue;
            }
            let s = i;
            let mut class = 0;
            while i < b.len() {
                let c = CLASS[b[i] as usize];
                if c & SPACE != 0 {
                    break;
                }
                class |= c;
                i += 1;
            }
            self.spans.push((s as u32, i as u32, class));
        }
        let (skip, level) = if strip_header {
            let mut peek = [(0u32, 0u32); PEEK];
            let n = self.spans.len().min(PEEK);
            for (p, &(s, e, _)) in peek.iter_mut().zip(&self.spans) {
                *p = (s, e);
            }
            peel(line, &peek[..n])
        } else {
            (0, None)
        };
        self.masked.clear();
        self.texts.clear();
        self.hashes.clear();
        let mut key = 0x5157_u64;
        for &(s, e, class) in &self.spans[skip..] {
            let token = &line[s as usize..e as usize];
            let start = self.masked.len();
            let h = if mask_into(token, class, &mut self.masked, mask) {
                let m = &self.masked[start..];
                self.texts.push((start as u32 | IN_MASKED, self.masked.len() as u32));
                if m == MASK { WILD } else { hash_bytes(m.as_bytes()) }
            } else {
                self.texts.push((s, e));
                hash_bytes(token.as_bytes())
            };
            key = combine(key, h);
            self.hashes.push(h);
        }
        self.key = combine(key, self.hashes.len() as u64);
        level
    }

    /// The token hashes ([`WILD`] for a token that is all mask).
    pub fn hashes(&self) -> &[u64] {
        &self.hashes
    }

    /// A hash of the whole masked line.
    pub fn key(&self) -> u64 {
        self.key
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// The masked text of token `i`.
    pub fn text(&self, i: usize) -> &str {
        let (s, e) = self.texts[i];
        if s & IN_MASKED != 0 {
            &self.masked[(s & !IN_MASKED) as usize..e as usize]
        } else {
            &self.line[s as usize..e as usize]
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::shape::{shape_bytes, shape_hash};

    proptest! {
        /// The miner's first cache is keyed by a line's shape (digits folded): lines of one shape
        /// must mask to the same tokens and header level.
        #[test]
        fn lines_of_one_shape_mask_alike(
            line in "([a-zA-Z]{0,4}[0-9]{0,8}[-.:/_=()\\[\\], ]{0,2}){0,10}",
            seed in any::<u64>(),
        ) {
            // The same line with other digits, where the shape allows it.
            let mut other = String::new();
            let mut x = seed | 1;
            for c in line.chars() {
                if c.is_ascii_digit() {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    other.push(char::from(b'0' + (x % 10) as u8));
                } else {
                    other.push(c);
                }
            }
            prop_assume!(shape_hash(&line) == shape_hash(&other) && shape_bytes(&line) == shape_bytes(&other));
            for strip in [true, false] {
                let (mut ta, mut tb) = (Tokens::default(), Tokens::default());
                let la = ta.fill(&line, MaskConfig::default(), strip);
                let lb = tb.fill(&other, MaskConfig::default(), strip);
                prop_assert_eq!(la, lb);
                prop_assert_eq!(ta.hashes(), tb.hashes(), "{:?} vs {:?}", line, other);
            }
        }
    }

    #[test]
    fn masked_and_plain_texts() {
        let mut t = Tokens::default();
        t.fill("2024-05-01T10:00:00Z INFO api: took 12ms for user=alice", MaskConfig::default(), true);
        let texts: Vec<&str> = (0..t.len()).map(|i| t.text(i)).collect();
        assert_eq!(texts, ["took", "<*>", "for", "user=alice"]);
        assert_eq!(t.hashes()[1], WILD);
    }
}
