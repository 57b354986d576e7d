//! Line shapes grouped first come, first served: a shape joins the first group whose
//! shape is the same or [`similar`], else opens a group of its own.
//!
//! Asking every group in turn costs a comparison per group for every line, and a noisy
//! log brings hundreds of shapes and thousands of bursts. Two things keep it short and give
//! the same groups: a shape is asked about once (the answer cannot change, as groups are
//! only added after the ones it was compared with), and only groups that could be similar
//! are compared. A similar shape has as many words and at most [`most_changed`] of them
//! different; cut into one block more than that, the two agree word for word on at least
//! one block, so groups are indexed by their blocks and a shape is compared with those
//! that share one.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use crate::build::{most_changed, similar};

/// The groups of one source's shapes, in the order they opened.
#[derive(Debug, Default)]
pub(crate) struct Groups {
    /// Each group's first shape, the one others are compared with.
    first: Vec<String>,
    /// Every shape asked about: the group it is in.
    joined: HashMap<String, usize>,
    /// (words, block, hash of the block's words) → groups with that block, in order.
    blocks: HashMap<(usize, usize, u64), Vec<usize>>,
    hasher: RandomState,
    /// How many times two shapes were compared word by word.
    pub(crate) compared: usize,
}

impl Groups {
    /// The group `shape` is in: the first whose shape is the same or similar, else a new one.
    pub(crate) fn join(&mut self, shape: &str) -> usize {
        if let Some(&g) = self.joined.get(shape) {
            return g;
        }
        let keys = self.keys(shape);
        let mut found: Option<usize> = None;
        for key in &keys {
            let Some(groups) = self.blocks.get(key) else { continue };
            // In order: the first similar one of this block, if before any found so far.
            for &g in groups.iter().take_while(|&&g| found.is_none_or(|f| g < f)) {
                self.compared += 1;
                if similar(&self.first[g], shape) {
                    found = Some(g);
                    break;
                }
            }
        }
        let g = found.unwrap_or_else(|| {
            let g = self.first.len();
            self.first.push(shape.to_string());
            for key in keys {
                self.blocks.entry(key).or_default().push(g);
            }
            g
        });
        self.joined.insert(shape.to_string(), g);
        g
    }

    /// The block keys of a shape; none for one too short to be similar to any.
    fn keys(&self, shape: &str) -> Vec<(usize, usize, u64)> {
        let words: Vec<&str> = shape.split_whitespace().collect();
        let n = words.len();
        if n < 3 {
            return Vec::new();
        }
        let blocks = most_changed(n) + 1;
        (0..blocks).map(|b| (n, b, self.hasher.hash_one(&words[b * n / blocks..(b + 1) * n / blocks]))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every group in turn: what [`Groups::join`] must agree with.
    fn naive(shapes: &[String]) -> Vec<usize> {
        let mut first: Vec<&str> = Vec::new();
        shapes
            .iter()
            .map(|s| match first.iter().position(|g| *g == s || similar(g, s)) {
                Some(g) => g,
                None => {
                    first.push(s);
                    first.len() - 1
                }
            })
            .collect()
    }

    /// Deterministic shapes of 2 to 11 words from three, so that many are the same or
    /// differ in a word or two (or three, in a long one).
    fn shapes(n: usize) -> Vec<String> {
        const WORDS: &[&str] = &["lease", "lost", "#"];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        (0..n)
            .map(|_| {
                let len = 2 + (next() % 10) as usize;
                (0..len).map(|_| WORDS[(next() % WORDS.len() as u64) as usize]).collect::<Vec<_>>().join(" ")
            })
            .collect()
    }

    #[test]
    fn the_same_groups_as_asking_every_group_in_turn() {
        let shapes = shapes(2000);
        let mut groups = Groups::default();
        let got: Vec<usize> = shapes.iter().map(|s| groups.join(s)).collect();
        let want = naive(&shapes);
        assert_eq!(got, want);
        // The test means something: many groups, and many shapes in a group opened by another.
        assert!(groups.first.len() > 500, "{} groups", groups.first.len());
        let alike = shapes.iter().zip(&got).filter(|&(s, &g)| groups.first[g] != *s).count();
        let long = shapes.iter().zip(&got).filter(|&(s, &g)| groups.first[g] != *s && s.split(' ').count() >= 8);
        assert!(alike > 500 && long.count() > 100, "{alike} shapes joined a group by likeness");
    }

    #[test]
    fn a_shape_joins_the_first_group_it_is_like() {
        let mut groups = Groups::default();
        assert_eq!(groups.join("worker # lost lease"), 0);
        assert_eq!(groups.join("pool exhausted"), 1);
        assert_eq!(groups.join("worker # lost cache"), 0, "one word of four changed");
        assert_eq!(groups.join("shard # lost cache"), 2, "two changed from the first shape");
        assert_eq!(groups.join("pool exhausted"), 1);
        assert_eq!(groups.join("pool drained"), 3, "two words are too few to be like another");
    }

    #[test]
    fn unlike_shapes_are_not_compared_with_every_group() {
        // Three hundred templates and six thousand bursts of them, as a noisy log brings:
        // asking every group in turn compares 521,766 times.
        let words = ["cache", "shard", "queue", "lease", "token", "pool", "socket", "batch", "index", "replica"];
        let templates: Vec<String> = (0..300)
            .map(|i| format!("{} {} {} {} degraded", words[i % 10], words[i / 10 % 10], words[i / 100], words[i % 7]))
            .collect();
        let mut groups = Groups::default();
        for k in 0..6000 {
            groups.join(&templates[k * 7 % 300]);
        }
        assert_eq!(groups.first.len(), naive(&templates).iter().max().unwrap() + 1);
        assert!(groups.compared < 2000, "compared {} times", groups.compared);
    }
}
