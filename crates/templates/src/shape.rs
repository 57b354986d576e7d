//! A line's shape: what the miner's first cache knows a line by.
//!
//! The shape is the line with each digit written as `0`, except a lone digit ending a word
//! after a letter (`ssh2`, `root7_x`), which masking keeps, and with each word of 8 or more
//! hex digits that has a letter (a trace id, a hash) written as one marker. Masking and header
//! peeling look at where digits are and how many there are, never at which digits they are,
//! and mask such a hex word whatever its letters; so lines of one shape mask alike and have
//! the same template.
//!
//! A line is shaped 64 bytes at a time: each byte's class (digit, letter, hex letter) comes
//! from a few word-wide additions, digits are folded to `0` eight bytes at a time, and word
//! ends, lone digits and hex words are found in 64-bit masks. A block ends before a word it
//! would cut, and that word is shaped on its own a byte at a time. A byte loop with a table of
//! classes for every byte (the reference in tests) took about a seventh of a draft's CPU on the
//! benchmark's JSON lines, most of it in branches mispredicted at word edges; shaped by blocks, a
//! typical 35-byte message takes about 60 ns where it took 90, and the draft 10 % less CPU.

use crate::hash::ByteHasher;

/// A line's shape, hashed. Lines of one shape differ only in their digits (or hex ids), so
/// they mask alike and have the same template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape(pub(crate) u64);

impl Shape {
    /// The shape of `line`.
    pub fn of(line: &str) -> Self {
        Self(shape_hash(line))
    }
}

/// The hash of a line's shape.
pub(crate) fn shape_hash(line: &str) -> u64 {
    let mut h = ByteHasher::new();
    shape_blocks(line.as_bytes(), &mut h);
    h.finish()
}

/// The bytes of a line's shape (what [`shape_hash`] hashes).
#[cfg(test)]
pub(crate) fn shape_bytes(line: &str) -> Vec<u8> {
    let mut out = Vec::new();
    shape_bytewise(line.as_bytes(), |c| out.push(c));
    out
}

/// What a hex word is written as.
const HEX_WORD: [u8; 2] = [1, b'h'];

/// Byte classes for [`shape_bytewise`].
const ALNUM: u8 = 1;
const HEX: u8 = 2;
const ALPHA: u8 = 4;
const DIGIT: u8 = 8;
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_digit() {
            ALNUM | HEX | DIGIT
        } else if b.is_ascii_hexdigit() {
            ALNUM | HEX | ALPHA
        } else if b.is_ascii_alphabetic() {
            ALNUM | ALPHA
        } else {
            0
        };
        c += 1;
    }
    t
};

/// Emits the shape of `b` a byte at a time.
#[cfg(test)]
fn shape_bytewise(b: &[u8], mut emit: impl FnMut(u8)) {
    let mut i = 0;
    while i < b.len() {
        if CLASS[b[i] as usize] & ALNUM == 0 {
            emit(b[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && CLASS[b[i] as usize] & ALNUM != 0 {
            i += 1;
        }
        shape_word(&b[start..i], &mut emit);
    }
}

/// Emits the shape of one word (letters and digits) a byte at a time.
fn shape_word(word: &[u8], mut emit: impl FnMut(u8)) {
    let all = word.iter().fold(HEX | ALNUM, |m, &c| m & CLASS[c as usize]);
    let any = word.iter().fold(0, |m, &c| m | CLASS[c as usize]);
    if word.len() >= 8 && all & HEX != 0 && any & ALPHA != 0 {
        for &c in &HEX_WORD {
            emit(c);
        }
        return;
    }
    for (k, &c) in word.iter().enumerate() {
        let lone = k > 0 && k + 1 == word.len() && CLASS[word[k - 1] as usize] & ALPHA != 0;
        emit(if CLASS[c as usize] & DIGIT != 0 && !lone { b'0' } else { c });
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` (bytes below 0x80) that is at least `c` (1..=128).
#[inline]
fn at_least(x: u64, c: u8) -> u64 {
    x.wrapping_add(LO * u64::from(0x80 - c)) & HI
}

/// The high bit of each byte of `x` (bytes below 0x80) that is in `lo..=hi`.
#[inline]
fn between(x: u64, lo: u8, hi: u8) -> u64 {
    at_least(x, lo) & !at_least(x, hi + 1)
}

/// Bit `i` set for each byte `i` of `m` whose high bit is set.
#[inline]
fn bits(m: u64) -> u64 {
    (m >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// Where shaped bytes go: a hasher, or a buffer in tests.
trait Sink {
    fn push(&mut self, c: u8);
    fn push_slice(&mut self, bytes: &[u8]);
}

impl Sink for ByteHasher {
    #[inline]
    fn push(&mut self, c: u8) {
        ByteHasher::push(self, c);
    }

    #[inline]
    fn push_slice(&mut self, bytes: &[u8]) {
        ByteHasher::push_slice(self, bytes);
    }
}

#[cfg(test)]
impl Sink for Vec<u8> {
    fn push(&mut self, c: u8) {
        Vec::push(self, c);
    }

    fn push_slice(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Hashes the shape of `b`, 64 bytes at a time: the same bytes as [`shape_bytewise`].
fn shape_blocks(b: &[u8], h: &mut impl Sink) {
    let mut p = 0;
    while p < b.len() {
        let block = &b[p..b.len().min(p + 64)];
        let mut out = [0u8; 64];
        let (mut digit, mut alpha, mut plain) = (0u64, 0u64, 0u64);
        for i in 0..block.len().div_ceil(8) {
            let w = match block.get(i * 8..i * 8 + 8) {
                Some(chunk) => u64::from_le_bytes(chunk.try_into().unwrap_or_default()),
                // The last bytes of a block: its last eight, shifted down.
                None if block.len() >= 8 => {
                    let last = &block[block.len() - 8..];
                    u64::from_le_bytes(last.try_into().unwrap_or_default()) >> (8 * (i * 8 + 8 - block.len()))
                }
                None => {
                    let mut w = [0u8; 8];
                    w[..block.len()].copy_from_slice(block);
                    u64::from_le_bytes(w)
                }
            };
            let ascii = !w & HI;
            let folded = (w | (LO * 0x20)) & !HI;
            let d = between(w & !HI, b'0', b'9') & ascii;
            let a = between(folded, b'a', b'z') & ascii;
            let x = between(folded, b'a', b'f');
            let fill = (d >> 7) * 0xFF;
            let shaped = (w & !fill) | ((LO * u64::from(b'0')) & fill);
            out[i * 8..i * 8 + 8].copy_from_slice(&shaped.to_le_bytes());
            digit |= bits(d) << (i * 8);
            alpha |= bits(a) << (i * 8);
            plain |= bits(a & !x) << (i * 8);
        }
        let mut alnum = digit | alpha;
        // The block ends before a word it would cut; that word is shaped a byte at a time.
        let mut end = block.len();
        let mut cut = None;
        if b.get(p + end).is_some_and(u8::is_ascii_alphanumeric) && alnum >> (end - 1) & 1 == 1 {
            end = 64 - (!alnum).leading_zeros() as usize;
            let keep = (1u64 << end) - 1;
            (digit, alpha, plain, alnum) = (digit & keep, alpha & keep, plain & keep, alnum & keep);
            let word_end =
                b[p + end..].iter().position(|c| !c.is_ascii_alphanumeric()).map_or(b.len(), |i| p + end + i);
            cut = Some(p + end..word_end);
        }
        // Lone digits: a letter before, the word's end after.
        let mut lone = digit & alpha << 1 & !(alnum >> 1);
        while lone != 0 {
            let i = lone.trailing_zeros() as usize;
            out[i] = block[i];
            lone &= lone - 1;
        }
        // Words of 8 or more: bit i of `long` says bytes i..i + 8 are letters or digits,
        // first true at the start of such a word.
        let mut long = alnum & alnum >> 1;
        long &= long >> 2;
        long &= long >> 4;
        let mut read = 0;
        while long != 0 {
            let start = long.trailing_zeros() as usize;
            let len = (!(alnum >> start)).trailing_zeros() as usize;
            let word = (!0u64 >> (64 - len)) << start;
            if plain & word == 0 && alpha & word != 0 {
                h.push_slice(&out[read..start]);
                h.push_slice(&HEX_WORD);
                read = start + len;
            }
            long &= !word;
        }
        h.push_slice(&out[read..end]);
        p += end;
        if let Some(word) = cut {
            shape_word(&b[word.clone()], |c| h.push(c));
            p = word.end;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The block-at-a-time shape.
    fn fast(line: &str) -> Vec<u8> {
        let mut out = Vec::new();
        shape_blocks(line.as_bytes(), &mut out);
        out
    }

    #[test]
    fn shapes_fold_digits_and_hashes() {
        let cases: [(&str, &[u8]); 6] = [
            ("took 1234567ms, code 42", b"took 0000000ms, code 00"),
            ("ssh2 root7_x v12", b"ssh2 root7_x v00"),
            ("trace=deadbeef01 id=12345678", b"trace=\x01h id=00000000"),
            ("abcdefab is a word", b"\x01h is a word"),
            ("caf\u{e9} 9", "caf\u{e9} 0".as_bytes()),
            ("GET /v1/search 200 58ms q=6513270e", b"GET /v1/search 000 00ms q=\x01h"),
        ];
        for (line, shape) in cases {
            assert_eq!(shape_bytes(line), shape, "{line}");
            assert_eq!(fast(line), shape, "{line}");
        }
        assert_eq!(shape_hash("took 12ms"), shape_hash("took 97ms"));
        assert_ne!(shape_hash("took 12ms"), shape_hash("took 12s"));
        // Trailing zero bytes are not lost to the padding of the last word.
        assert_ne!(shape_hash("a"), shape_hash("a\0"));
    }

    #[test]
    fn every_byte_is_classed_as_the_table_says() {
        for c in 0..=255u8 {
            let w = u64::from(c);
            let (ascii, low, folded) = (!w & HI, w & !HI, (w | (LO * 0x20)) & !HI);
            assert_eq!(between(low, b'0', b'9') & ascii != 0, CLASS[c as usize] & DIGIT != 0, "{c}");
            assert_eq!(between(folded, b'a', b'z') & ascii != 0, CLASS[c as usize] & ALPHA != 0, "{c}");
        }
        assert_eq!(bits(0x8000_0080_0000_8080), 0b1001_0011);
    }

    #[test]
    fn words_across_mask_boundaries() {
        // Hex words and lone digits on both sides of bit 64, 128 and the end of the line.
        for pad in 50..70 {
            for tail in ["", " x", "deadbeef00", "ab1", "00000000", &"0123abcd".repeat(20), &"a1".repeat(40)] {
                let line =
                    format!("{}{} v2 cafebabe12 k9{}{tail}", "x".repeat(pad), " 1".repeat(pad / 10), "y".repeat(pad));
                assert_eq!(fast(&line), shape_bytes(&line), "{line}");
            }
        }
    }

    proptest! {
        /// The block-at-a-time shape is the byte-at-a-time one.
        #[test]
        fn fast_is_bytewise(line in "([a-zA-Z]{0,6}[0-9a-fA-F]{0,12}[-.:/_=()\\[\\], é\u{0}]{0,2}){0,40}") {
            prop_assert_eq!(fast(&line), shape_bytes(&line));
        }

        #[test]
        fn fast_is_bytewise_on_any_text(line in "\\PC{0,300}") {
            prop_assert_eq!(fast(&line), shape_bytes(&line));
        }
    }
}
