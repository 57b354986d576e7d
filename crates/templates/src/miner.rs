//! The online miner: two caches (line shape, masked line) in front of a Drain-style fixed-depth
//! prefix tree over masked tokens; behind it, few-valued spots kept apart as variants, and a
//! union-find that merges templates (variants whose spots filled up, lines of the same words).

use std::fmt;

use crate::hash::{HashMap, WILD, combine};
use crate::header::Level;
use crate::mask::{MASK, MaskConfig, is_unit, is_value_like};
use crate::shape::Shape;
use crate::tokens::Tokens;

/// The miner's parameters. [`Config::default`] is what debrief uses for every log: they were
/// chosen once, on half of LogHub-2k, and are not tuned per file.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// A line joins the most similar cluster of its leaf when at least this share of its
    /// tokens equal the cluster's (see [`Config::masked_agree`]).
    pub similarity: f64,
    /// How many leading tokens, after the token count, pick the leaf.
    pub prefix_depth: usize,
    /// A tree node holds at most this many distinct tokens; further ones share its `<*>` child.
    pub max_children: usize,
    /// A position where a template's lines differ stays part of the template while it has seen
    /// at most this many values, all words (`startup`/`shutdown`, `true`/`false`): each value
    /// is its own template. One more value, or a masked one, and the position becomes `<*>`
    /// for all of them.
    pub max_variants: usize,
    /// Count positions where both cluster and line hold a masked value as equal (Drain counts
    /// them as unequal, which splits templates with many values).
    pub masked_agree: bool,
    /// Which masks apply before the tree is searched.
    pub mask: MaskConfig,
    /// Merge templates that had lines of the same words, differing only in their values and
    /// how many tokens those take (`3 bytes sent` and `3 bytes (3.1 KB) sent`, `lifetime 00:02`
    /// and `lifetime <1 sec`).
    pub merge_variable_length: bool,
    /// Peel a leading timestamp, level and `component:` off each line before mining.
    pub strip_header: bool,
    /// How many line shapes, masked lines and word sets each cache remembers before it starts
    /// over: the bound on the miner's memory beyond its templates.
    pub cache_capacity: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            similarity: 0.6,
            prefix_depth: 1,
            max_children: 100,
            max_variants: 3,
            masked_agree: true,
            mask: MaskConfig::default(),
            merge_variable_length: true,
            strip_header: true,
            cache_capacity: 1 << 20,
        }
    }
}

/// A template's id: stable for the miner's life, though two ids may later turn out to name the
/// same template (see [`Miner::resolve`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TemplateId(pub(crate) u32);

impl TemplateId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for TemplateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A template as it stands, with how often it was seen and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template<'a> {
    pub id: TemplateId,
    /// Tokens joined by single spaces; `<*>` for a value.
    pub text: &'a str,
    pub count: u64,
    /// First and last line (1-based, in the order lines were added) that had this template.
    pub first_line: u64,
    pub last_line: u64,
}

/// One leaf of the tree: a Drain cluster, whose template covers all its lines.
#[derive(Debug, Clone)]
struct Cluster {
    tokens: Vec<u64>,
    texts: Vec<Box<str>>,
    /// Positions where its lines differed, with the values seen there.
    spots: Vec<Spot>,
    /// The spot index of each position (`NONE` when the position is not a spot).
    spot_at: Vec<u32>,
    /// Its variants with distinct keys.
    variants: Vec<u32>,
}

/// A position of a cluster where lines differed.
#[derive(Debug, Clone)]
struct Spot {
    pos: u32,
    /// The values seen, while there are at most `max_variants` of them.
    values: Vec<(u64, Box<str>)>,
    /// More than `max_variants` values: a `<*>` for every variant.
    variable: bool,
}

/// A template as lines see it: a cluster with one value at each of its few-valued spots.
/// These are the elements of the union-find behind [`TemplateId`].
#[derive(Debug, Clone)]
struct Variant {
    cluster: u32,
    /// The value at each spot of the cluster; [`WILD`] where the spot is variable.
    key: Vec<u64>,
    parent: u32,
}

/// What a group (a root variant and those merged into it) knows; kept at the root.
#[derive(Debug, Clone, Default)]
struct Group {
    count: u64,
    first_line: u64,
    last_line: u64,
    members: Vec<u32>,
    text: String,
}

#[derive(Debug, Clone, Default)]
struct Node {
    children: HashMap<u64, u32>,
    wild: Option<u32>,
    clusters: Vec<u32>,
}

const NONE: u32 = u32::MAX;

/// At most this many clusters of a leaf are compared with a line.
const MAX_LEAF_SCAN: usize = 1024;

/// At most this many variants per cluster.
const MAX_VARIANTS: usize = 64;

/// The online template miner.
///
/// ```
/// use debrief_templates::{Config, Miner};
///
/// let mut miner = Miner::new(Config::default());
/// let a = miner.add("connection from 10.0.0.1 closed after 12ms");
/// let b = miner.add("connection from 10.0.0.7 closed after 3.5s");
/// assert_eq!(miner.resolve(a), miner.resolve(b));
/// assert_eq!(miner.template(a), "connection from <*> closed after <*>");
/// ```
#[derive(Debug, Clone)]
pub struct Miner {
    config: Config,
    clusters: Vec<Cluster>,
    variants: Vec<Variant>,
    groups: Vec<Group>,
    nodes: Vec<Node>,
    cache: HashMap<u64, (u32, u32)>,
    skeletons: HashMap<u64, u32>,
    tokens: Tokens,
    /// Line shape (digits folded) → its variant and header level.
    shapes: HashMap<u64, (u32, Option<Level>)>,
    lines: u64,
    level: Option<Level>,
}

impl Miner {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            clusters: Vec::new(),
            variants: Vec::new(),
            groups: Vec::new(),
            nodes: vec![Node::default()],
            cache: HashMap::default(),
            skeletons: HashMap::default(),
            tokens: Tokens::default(),
            shapes: HashMap::default(),
            lines: 0,
            level: None,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Lines added so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// The level named by the header of the line added last, when headers are stripped.
    pub fn last_level(&self) -> Option<Level> {
        self.level
    }

    /// Adds the next line and returns its template.
    pub fn add(&mut self, line: &str) -> TemplateId {
        self.add_shaped(line, Shape::of(line))
    }

    /// [`Miner::add`] for a line whose [`Shape`] was taken already (on another thread: taking
    /// shapes is the part of adding a line that needs no miner).
    pub fn add_shaped(&mut self, line: &str, shape: Shape) -> TemplateId {
        let shape = shape.0;
        self.lines += 1;
        let variant = if let Some(&(v, level)) = self.shapes.get(&shape) {
            self.level = level;
            v
        } else {
            let v = self.add_masked(line);
            if self.shapes.len() >= self.config.cache_capacity {
                self.shapes.clear();
            }
            self.shapes.insert(shape, (v, self.level));
            v
        };
        let root = self.find(variant);
        let n = self.lines;
        let g = &mut self.groups[root as usize];
        g.count += 1;
        if g.first_line == 0 {
            g.first_line = n;
        }
        g.last_line = n;
        TemplateId(root)
    }

    /// The variant of a line not seen in this shape before: masks it, then the cache of masked
    /// lines or the tree.
    fn add_masked(&mut self, line: &str) -> u32 {
        self.level = self.tokens.fill(line, self.config.mask, self.config.strip_header);
        let key = self.tokens.key();
        match self.cache.get(&key) {
            Some(&(c, v)) if covers(&self.clusters[c as usize].tokens, self.tokens.hashes()) => v,
            _ => {
                let v = self.place();
                if self.config.merge_variable_length {
                    self.merge_same_words(v);
                }
                if self.cache.len() >= self.config.cache_capacity {
                    self.cache.clear();
                }
                self.cache.insert(key, (self.variants[v as usize].cluster, v));
                v
            }
        }
    }

    /// The id that now stands for the template `id` was when it was returned (templates merge).
    pub fn resolve(&self, id: TemplateId) -> TemplateId {
        let mut v = id.0;
        while self.variants[v as usize].parent != v {
            v = self.variants[v as usize].parent;
        }
        TemplateId(v)
    }

    /// The text of template `id` as it stands now.
    pub fn template(&self, id: TemplateId) -> &str {
        &self.groups[self.resolve(id).index()].text
    }

    /// Template `id` as it stands now, with its counts.
    pub fn get(&self, id: TemplateId) -> Template<'_> {
        let id = self.resolve(id);
        let g = &self.groups[id.index()];
        Template { id, text: &g.text, count: g.count, first_line: g.first_line, last_line: g.last_line }
    }

    /// Every template, in the order they were first seen.
    pub fn templates(&self) -> impl Iterator<Item = Template<'_>> + '_ {
        let mut roots: Vec<u32> = (0..self.variants.len() as u32)
            .filter(|&v| self.variants[v as usize].parent == v && self.groups[v as usize].count > 0)
            .collect();
        roots.sort_by_key(|&v| self.groups[v as usize].first_line);
        roots.into_iter().map(|v| self.get(TemplateId(v)))
    }

    /// Finds the template for the current tokens: the cluster (made or generalized), then the
    /// variant for the line's values at the cluster's few-valued spots.
    fn place(&mut self) -> u32 {
        let Some(c) = self.search() else {
            let c = self.clusters.len() as u32;
            let toks = &self.tokens;
            self.clusters.push(Cluster {
                tokens: toks.hashes().to_vec(),
                texts: (0..toks.len()).map(|i| Box::from(toks.text(i))).collect(),
                spots: Vec::new(),
                spot_at: vec![NONE; toks.len()],
                variants: Vec::new(),
            });
            self.insert_in_tree(c);
            return self.new_variant(c, Vec::new());
        };
        if self.observe(c) {
            self.collapse(c);
        }
        let key = self.line_key(c);
        let found = self.clusters[c as usize].variants.iter().copied().find(|&v| self.variants[v as usize].key == key);
        match found {
            Some(v) => v,
            None => {
                let v = self.new_variant(c, key);
                self.limit_variants(c);
                v
            }
        }
    }

    /// Keeps cluster `c` under [`MAX_VARIANTS`]: while it has more, its spot with the most
    /// values becomes variable.
    fn limit_variants(&mut self, c: u32) {
        while self.clusters[c as usize].variants.len() > MAX_VARIANTS {
            let cl = &mut self.clusters[c as usize];
            let Some(spot) = cl.spots.iter_mut().filter(|s| !s.variable).max_by_key(|s| s.values.len()) else {
                return;
            };
            spot.variable = true;
            spot.values = Vec::new();
            self.collapse(c);
        }
    }

    fn new_variant(&mut self, c: u32, key: Vec<u64>) -> u32 {
        let v = self.variants.len() as u32;
        self.variants.push(Variant { cluster: c, key, parent: v });
        self.groups.push(Group { members: vec![v], ..Group::default() });
        self.clusters[c as usize].variants.push(v);
        self.after_change(v);
        v
    }

    /// The line's value at each spot of cluster `c`.
    fn line_key(&self, c: u32) -> Vec<u64> {
        let line = self.tokens.hashes();
        self.clusters[c as usize].spots.iter().map(|s| if s.variable { WILD } else { line[s.pos as usize] }).collect()
    }

    /// Records the line's values in cluster `c`: positions where it differs become spots, and
    /// spots see its values. Returns whether a spot became (or was made) variable.
    fn observe(&mut self, c: u32) -> bool {
        let max = self.config.max_variants;
        let cl = &mut self.clusters[c as usize];
        let line = self.tokens.hashes();
        let mut turned = false;
        for (p, &h) in line.iter().enumerate() {
            let si = cl.spot_at[p];
            if si != NONE {
                let spot = &mut cl.spots[si as usize];
                if !spot.variable && !spot.values.iter().any(|(v, _)| *v == h) {
                    let text = self.tokens.text(p);
                    spot.values.push((h, Box::from(text)));
                    if spot.values.len() > max || is_value_like(text) {
                        spot.variable = true;
                        spot.values = Vec::new();
                        turned = true;
                    }
                }
                continue;
            }
            let t = cl.tokens[p];
            if t == h || (t == WILD && h == WILD) {
                continue;
            }
            // A new spot: the cluster's value so far, and the line's. Where either is a masked
            // value, the spot is a value too.
            let variable = max < 2 || is_value_like(&cl.texts[p]) || is_value_like(self.tokens.text(p));
            let values = if variable {
                Vec::new()
            } else {
                vec![(t, std::mem::replace(&mut cl.texts[p], Box::from(MASK))), (h, Box::from(self.tokens.text(p)))]
            };
            cl.texts[p] = Box::from(MASK);
            cl.tokens[p] = WILD;
            cl.spot_at[p] = cl.spots.len() as u32;
            cl.spots.push(Spot { pos: p as u32, values, variable });
            for &v in &cl.variants {
                self.variants[v as usize].key.push(if variable { WILD } else { t });
            }
            // A spot that is a value from the start changes the text of every variant.
            turned |= variable;
        }
        turned
    }

    /// After spots of cluster `c` became variable: its variants forget their values there, and
    /// variants that became alike merge.
    fn collapse(&mut self, c: u32) {
        let variable: Vec<bool> = self.clusters[c as usize].spots.iter().map(|s| s.variable).collect();
        let vs = std::mem::take(&mut self.clusters[c as usize].variants);
        let mut kept: Vec<u32> = Vec::with_capacity(vs.len());
        for v in vs {
            for (k, &var) in self.variants[v as usize].key.iter_mut().zip(&variable) {
                if var {
                    *k = WILD;
                }
            }
            match kept.iter().copied().find(|&k| self.variants[k as usize].key == self.variants[v as usize].key) {
                Some(k) => {
                    let (a, b) = (self.find(k), self.find(v));
                    if a != b {
                        self.union(a, b);
                    }
                }
                None => kept.push(v),
            }
        }
        self.clusters[c as usize].variants.clone_from(&kept);
        for v in kept {
            self.after_change(v);
        }
    }

    /// The tokens of variant `v`'s template: the cluster's, with the variant's values at spots.
    fn variant_texts(&self, v: u32) -> Vec<&str> {
        let var = &self.variants[v as usize];
        let cl = &self.clusters[var.cluster as usize];
        let mut out: Vec<&str> = cl.texts.iter().map(AsRef::as_ref).collect();
        for (spot, &k) in cl.spots.iter().zip(&var.key) {
            if k != WILD
                && let Some((_, text)) = spot.values.iter().find(|(h, _)| *h == k)
            {
                out[spot.pos as usize] = text;
            }
        }
        out
    }

    fn len_key(len: usize) -> u64 {
        combine(0x1e47, len as u64)
    }

    fn search(&self) -> Option<u32> {
        let toks = self.tokens.hashes();
        let mut node = *self.nodes[0].children.get(&Self::len_key(toks.len()))?;
        for &t in toks.iter().take(self.config.prefix_depth) {
            let n = &self.nodes[node as usize];
            node = match n.children.get(&t) {
                Some(&child) => child,
                None => n.wild?,
            };
        }
        let mut best: Option<(u32, usize, usize)> = None;
        // The newest clusters of the leaf only: a leaf that grows without bound (lines of
        // random words) must not make each new line cost more than the last.
        let leaf = &self.nodes[node as usize].clusters;
        for &c in &leaf[leaf.len().saturating_sub(MAX_LEAF_SCAN)..] {
            let (same, both, wild) = similarity(&self.clusters[c as usize].tokens, toks);
            let score = same + if self.config.masked_agree { both } else { 0 };
            if best.is_none_or(|(_, s, w)| score > s || (score == s && wild > w)) {
                best = Some((c, score, wild));
            }
        }
        let (c, score, _) = best?;
        (toks.is_empty() || score as f64 / toks.len() as f64 >= self.config.similarity).then_some(c)
    }

    fn insert_in_tree(&mut self, c: u32) {
        let key = Self::len_key(self.clusters[c as usize].tokens.len());
        let mut node = self.child(0, key, false);
        let depth = self.config.prefix_depth.min(self.clusters[c as usize].tokens.len());
        for i in 0..depth {
            let t = self.clusters[c as usize].tokens[i];
            node = self.child(node, t, true);
        }
        self.nodes[node as usize].clusters.push(c);
    }

    /// The child of `node` for token `t`, made if missing; past `max_children` distinct tokens
    /// (and always for a wildcard) the `<*>` child.
    fn child(&mut self, node: u32, t: u64, limited: bool) -> u32 {
        let n = &self.nodes[node as usize];
        if t != WILD || !limited {
            if let Some(&child) = n.children.get(&t) {
                return child;
            }
            if !limited || n.children.len() < self.config.max_children {
                let child = self.nodes.len() as u32;
                self.nodes.push(Node::default());
                self.nodes[node as usize].children.insert(t, child);
                return child;
            }
        }
        if let Some(w) = n.wild {
            return w;
        }
        let child = self.nodes.len() as u32;
        self.nodes.push(Node::default());
        self.nodes[node as usize].wild = Some(child);
        child
    }

    /// After variant `v` was made or changed: its group's text.
    /// A group of one variant takes its text; a bigger group aligns its text with the changed
    /// variant's (texts only ever generalize, so the result still covers every line).
    fn after_change(&mut self, v: u32) {
        let root = self.find(v);
        let text = if self.groups[root as usize].members.len() == 1 {
            self.variant_texts(v).join(" ")
        } else {
            align(&words(&self.groups[root as usize].text), &self.variant_texts(v)).join(" ")
        };
        self.groups[root as usize].text = text;
    }

    /// The hash of the current line's words: its tokens less masked values and the units right
    /// after them. `None` when it has no words at all.
    fn line_skeleton(&self) -> Option<u64> {
        let mut h = 0x5e1e_u64;
        let mut words = 0;
        let mut prev_value = false;
        for (i, &t) in self.tokens.hashes().iter().enumerate() {
            let text = self.tokens.text(i);
            let value = t == WILD || is_value_like(text) || (prev_value && is_unit(text));
            if !value {
                h = combine(h, t);
                words += 1;
            }
            prev_value = value;
        }
        (words > 0).then_some(h)
    }

    /// Merges variant `v`'s group with any template that had a line of the same words.
    fn merge_same_words(&mut self, v: u32) {
        let Some(skeleton) = self.line_skeleton() else { return };
        match self.skeletons.get(&skeleton) {
            Some(&other) => {
                let (a, b) = (self.find(v), self.find(other));
                if a != b {
                    self.union(a, b);
                }
            }
            None => {
                if self.skeletons.len() >= self.config.cache_capacity {
                    self.skeletons.clear();
                }
                self.skeletons.insert(skeleton, v);
            }
        }
    }

    fn union(&mut self, a: u32, b: u32) {
        let (big, small) = if self.groups[a as usize].count >= self.groups[b as usize].count { (a, b) } else { (b, a) };
        self.variants[small as usize].parent = big;
        let moved = std::mem::take(&mut self.groups[small as usize]);
        let g = &mut self.groups[big as usize];
        g.count += moved.count;
        if moved.first_line != 0 && (g.first_line == 0 || moved.first_line < g.first_line) {
            g.first_line = moved.first_line;
        }
        g.last_line = g.last_line.max(moved.last_line);
        g.members.extend(moved.members);
        let text = align(&words(&g.text), &words(&moved.text)).join(" ");
        g.text = text;
    }

    fn find(&mut self, v: u32) -> u32 {
        let mut root = v;
        while self.variants[root as usize].parent != root {
            root = self.variants[root as usize].parent;
        }
        let mut x = v;
        while self.variants[x as usize].parent != root {
            let next = self.variants[x as usize].parent;
            self.variants[x as usize].parent = root;
            x = next;
        }
        root
    }
}

/// The tokens of a template text.
fn words(text: &str) -> Vec<&str> {
    text.split(' ').filter(|w| !w.is_empty()).collect()
}

/// Whether template tokens `t` cover line tokens `l`: same length, equal wherever `t` is not `<*>`.
fn covers(t: &[u64], l: &[u64]) -> bool {
    t.len() == l.len() && t.iter().zip(l).all(|(&a, &b)| a == WILD || a == b)
}

/// Positions equal (template not `<*>`), positions where both are `<*>`, and positions where
/// the template is `<*>`.
fn similarity(t: &[u64], l: &[u64]) -> (usize, usize, usize) {
    if t.len() != l.len() {
        return (0, 0, 0);
    }
    let (mut same, mut both, mut wild) = (0, 0, 0);
    for (&a, &b) in t.iter().zip(l) {
        if a == WILD {
            wild += 1;
            both += usize::from(b == WILD);
        } else if a == b {
            same += 1;
        }
    }
    (same, both, wild)
}

/// Merges two token sequences: their longest common subsequence, with `<*>` wherever either
/// has tokens the other lacks (a `<*>` there stands for any number of tokens, none included).
fn align<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<&'a str> {
    if a.len().saturating_mul(b.len()) > 1 << 20 {
        return vec![MASK];
    }
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: LCS length of a[i..] and b[j..].
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] =
                if a[i] == b[j] { lcs[at(i + 1, j + 1)] + 1 } else { lcs[at(i + 1, j)].max(lcs[at(i, j + 1)]) };
        }
    }
    let mut out: Vec<&str> = Vec::with_capacity(n.max(m));
    let (mut i, mut j) = (0, 0);
    let mut gap = false;
    let push_gap = |out: &mut Vec<&'a str>| {
        if out.last() != Some(&MASK) {
            out.push(MASK);
        }
    };
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            if gap {
                push_gap(&mut out);
                gap = false;
            }
            if !(a[i] == MASK && out.last() == Some(&MASK)) {
                out.push(a[i]);
            }
            i += 1;
            j += 1;
        } else if j >= m || (i < n && lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
            gap = true;
            i += 1;
        } else {
            gap = true;
            j += 1;
        }
    }
    if gap {
        push_gap(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn align_merges_with_gaps() {
        let a = ["<*>", "bytes", "(<*>", "KB)", "sent,", "lifetime", "<*>"];
        let b = ["<*>", "bytes", "sent,", "lifetime", "<*>", "sec"];
        assert_eq!(align(&a, &b).join(" "), "<*> bytes <*> sent, lifetime <*>");
    }

    #[test]
    fn same_words_different_lengths_merge() {
        let mut m = Miner::new(Config::default());
        let a = m.add("host.example.com:443 close, 0 bytes sent, 0 bytes received, lifetime <1 sec");
        let b = m.add(
            "host.example.com:443 close, 2717 bytes (2.65 KB) sent, 1911 bytes (1.86 KB) received, lifetime 04:50",
        );
        assert_eq!(m.resolve(a), m.resolve(b));
        assert_eq!(m.templates().count(), 1);
    }
}
