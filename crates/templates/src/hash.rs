//! A small, fast 64-bit hash for token bytes, and a pass-through hasher for maps whose keys
//! are already such hashes.
//!
//! Tokens are compared by their 64-bit hash, never by their text: two different tokens share
//! a hash with probability about 2⁻⁶⁴, far below anything a log can reach.

use std::hash::{BuildHasherDefault, Hasher};

const K0: u64 = 0x243F_6A88_85A3_08D3;
const K1: u64 = 0x1319_8A2E_0370_7344;
const K2: u64 = 0xA409_3822_299F_31D0;

/// The hash of a wildcard token (`<*>`). [`hash_bytes`] never returns it.
pub const WILD: u64 = 0;

#[inline]
fn fold_mul(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The hash of `bytes`; never [`WILD`].
#[inline]
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = K0 ^ (bytes.len() as u64).wrapping_mul(K1);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = fold_mul(u64::from_le_bytes(w) ^ K1, h ^ K2);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = fold_mul(u64::from_le_bytes(w) ^ K2, h ^ K1);
    }
    fold_mul(h, K0 ^ K2) | 1
}

/// A hash fed a byte at a time, for bytes made on the fly and never stored. Not the same
/// function as [`hash_bytes`]; never [`WILD`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ByteHasher {
    h: u64,
    word: u64,
    n: u32,
    len: u64,
}

impl ByteHasher {
    pub(crate) fn new() -> Self {
        Self { h: K0, word: 0, n: 0, len: 0 }
    }

    #[inline]
    pub(crate) fn push(&mut self, c: u8) {
        self.word |= u64::from(c) << (self.n * 8);
        self.n += 1;
        if self.n == 8 {
            self.h = fold_mul(self.word ^ K1, self.h ^ K2);
            self.word = 0;
            self.n = 0;
            self.len += 8;
        }
    }

    /// [`ByteHasher::push`] for each byte of `bytes`, eight at a time.
    #[inline]
    pub(crate) fn push_slice(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        let at = self.n * 8;
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            let v = u64::from_le_bytes(w);
            if at == 0 {
                self.h = fold_mul(v ^ K1, self.h ^ K2);
            } else {
                self.h = fold_mul((self.word | v << at) ^ K1, self.h ^ K2);
                self.word = v >> (64 - at);
            }
            self.len += 8;
        }
        for &c in chunks.remainder() {
            self.push(c);
        }
    }

    pub(crate) fn finish(self) -> u64 {
        let h = if self.n > 0 { fold_mul(self.word ^ K2, self.h ^ K1) } else { self.h };
        let len = self.len + u64::from(self.n);
        fold_mul(h ^ len.wrapping_mul(K1), K0 ^ K2) | 1
    }
}

/// Folds one more 64-bit value into a running hash (for sequences of token hashes).
#[inline]
pub fn combine(h: u64, v: u64) -> u64 {
    fold_mul(h ^ v ^ K1, K2) | 1
}

/// A hasher for keys that are already well-mixed 64-bit hashes: it passes them through.
#[derive(Default, Clone, Copy)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(bytes);
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.0 = fold_mul(u64::from(n) ^ K0, K1);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.0 = fold_mul(n as u64 ^ K0, K1);
    }
}

/// A `HashMap` keyed by pre-hashed `u64`s.
pub type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<PassThrough>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushing_a_slice_is_pushing_its_bytes() {
        let bytes: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37)).collect();
        for split in 0..bytes.len() {
            for len in split..bytes.len() {
                let (mut a, mut b) = (ByteHasher::new(), ByteHasher::new());
                a.push_slice(&bytes[..split]);
                a.push_slice(&bytes[split..len]);
                bytes[..len].iter().for_each(|&c| b.push(c));
                assert_eq!(a.finish(), b.finish(), "{split} {len}");
            }
        }
    }

    #[test]
    fn never_wild_and_spread() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..10_000u32 {
            let h = hash_bytes(i.to_string().as_bytes());
            assert_ne!(h, WILD);
            assert!(seen.insert(h));
        }
        assert_ne!(hash_bytes(b""), WILD);
        assert_ne!(hash_bytes(b"abcdefgh"), hash_bytes(b"abcdefgh\0"));
    }
}
