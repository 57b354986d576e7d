//! Candidate substitutions, overlap resolution, and writing `‹label›` in their place
//! without moving a single line break.

use std::collections::BTreeMap;

/// Ranks: the lower wins when two candidates overlap.
pub(crate) mod rank {
    /// An existing `‹…›` substitution: kept as it is (redaction is idempotent).
    pub const PROTECTED: u8 = 0;
    /// A credential of a known format (vendor prefix, PEM block, JWT).
    pub const SECRET: u8 = 10;
    /// A credential found by its context (`password=`, `Authorization:`, URL userinfo).
    pub const SECRET_CONTEXT: u8 = 11;
    /// A random-looking value near a credential word in prose.
    pub const SECRET_PROSE: u8 = 12;
    /// `[redact] terms` and `patterns` from incident.toml.
    pub const USER: u8 = 15;
    /// An email address (a known person's becomes their role).
    pub const EMAIL: u8 = 30;
    /// A Slack mention `<@U…>`.
    pub const MENTION: u8 = 31;
    /// A person's name, handle or id.
    pub const NAME: u8 = 32;
    pub const CARD: u8 = 41;
    pub const IBAN: u8 = 42;
    pub const SSN: u8 = 43;
    pub const PHONE: u8 = 44;
    pub const IP: u8 = 45;
}

/// One candidate substitution: bytes `start..end` of the text become `‹label›`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit<'a> {
    pub start: usize,
    pub end: usize,
    pub rank: u8,
    /// Written between `‹` and `›`.
    pub label: &'a str,
    /// Counted in reports.
    pub rule: &'a str,
}

impl<'a> Hit<'a> {
    pub fn new(start: usize, end: usize, rank: u8, label: &'a str, rule: &'a str) -> Self {
        Self { start, end, rank, label, rule }
    }
}

/// Existing `‹…›` substitutions in `text`, as protected hits.
pub(crate) fn protected(text: &str, out: &mut Vec<Hit<'_>>) {
    let mut from = 0;
    while let Some(i) = text[from..].find('‹') {
        let start = from + i;
        let open = start + '‹'.len_utf8();
        let rest = &text[open..];
        let close = rest.char_indices().take(120).find(|&(_, c)| c == '›' || c == '‹' || c == '\n');
        match close {
            Some((j, '›')) => {
                let end = open + j + '›'.len_utf8();
                out.push(Hit::new(start, end, rank::PROTECTED, "", ""));
                from = end;
            }
            _ => from = open,
        }
    }
}

/// Keeps the winning candidates: by rank, then the longer, then the earlier. A candidate
/// overlapping one already kept is dropped — except a secret, whose uncovered parts are
/// still redacted (a token glued to another must not leave a tail behind). Returns the
/// kept hits sorted by start.
pub(crate) fn resolve<'a>(text: &str, mut hits: Vec<Hit<'a>>) -> Vec<Hit<'a>> {
    hits.retain(|h| h.end > h.start);
    if hits.len() <= 1 {
        return hits;
    }
    hits.sort_by(|a, b| {
        a.rank.cmp(&b.rank).then((b.end - b.start).cmp(&(a.end - a.start))).then(a.start.cmp(&b.start))
    });
    // Kept hits by start; they never overlap each other.
    let mut kept: BTreeMap<usize, Hit<'a>> = BTreeMap::new();
    for h in hits {
        let before = kept.range(..h.start).next_back().map(|(_, k)| *k).filter(|k| k.end > h.start);
        let inside: Vec<Hit<'a>> = kept.range(h.start..h.end).map(|(_, k)| *k).collect();
        if before.is_none() && inside.is_empty() {
            kept.insert(h.start, h);
            continue;
        }
        let secret = (rank::SECRET..=rank::SECRET_PROSE).contains(&h.rank);
        let overlapping: Vec<Hit<'a>> = before.into_iter().chain(inside).collect();
        if !secret || overlapping.iter().any(|k| k.rank == rank::PROTECTED) {
            continue;
        }
        let mut at = h.start;
        for k in overlapping.iter().chain([&Hit { start: h.end, end: h.end, ..h }]) {
            if k.start > at && text[at..k.start].bytes().any(|b| b.is_ascii_alphanumeric()) {
                kept.insert(at, Hit { start: at, end: k.start, ..h });
            }
            at = at.max(k.end);
        }
    }
    kept.into_values().collect()
}

/// Writes `text` with every kept hit replaced by `‹label›`. A hit that spans line breaks
/// is replaced line by line, so the text keeps its lines: each non-empty piece of the
/// hit on a line becomes one `‹label›`, and every `\n` (and `\r\n`) stays.
pub(crate) fn apply(text: &str, hits: &[Hit<'_>], out: &mut String) {
    out.reserve(text.len());
    let mut at = 0;
    for h in hits {
        out.push_str(&text[at..h.start]);
        if h.rank == rank::PROTECTED {
            out.push_str(&text[h.start..h.end]);
        } else {
            let piece = &text[h.start..h.end];
            let mut first = true;
            for seg in piece.split('\n') {
                if !first {
                    out.push('\n');
                }
                first = false;
                let (body, cr) = match seg.strip_suffix('\r') {
                    Some(b) => (b, true),
                    None => (seg, false),
                };
                if !body.is_empty() {
                    out.push('‹');
                    out.push_str(h.label);
                    out.push('›');
                }
                if cr {
                    out.push('\r');
                }
            }
        }
        at = h.end;
    }
    out.push_str(&text[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, hits: Vec<Hit<'_>>) -> String {
        let mut all = Vec::new();
        protected(text, &mut all);
        all.extend(hits);
        let kept = resolve(text, all);
        let mut out = String::new();
        apply(text, &kept, &mut out);
        out
    }

    #[test]
    fn lower_rank_wins_then_longer() {
        let t = "user:pass@host.example";
        let out = run(
            t,
            vec![
                Hit::new(5, 22, rank::EMAIL, "email", "email"),
                Hit::new(5, 9, rank::SECRET_CONTEXT, "secret:url-password", "x"),
            ],
        );
        assert_eq!(out, "user:‹secret:url-password›@host.example");
    }

    #[test]
    fn multi_line_hits_keep_line_breaks() {
        let t = "A\nkey1\r\nkey2\n\nB";
        let out = run(t, vec![Hit::new(2, 14, rank::SECRET, "secret:private-key", "x")]);
        assert_eq!(out, "A\n‹secret:private-key›\r\n‹secret:private-key›\n\nB");
        assert_eq!(out.matches('\n').count(), t.matches('\n').count());
    }

    #[test]
    fn existing_substitutions_are_kept() {
        let t = "token=‹secret:token› and ‹Responder A›";
        let out = run(t, vec![Hit::new(6, 25, rank::SECRET, "secret:token", "x")]);
        assert_eq!(out, t);
    }

    #[test]
    fn unclosed_marker_is_not_protected() {
        let mut v = Vec::new();
        protected("a ‹ b\n›", &mut v);
        assert!(v.is_empty());
    }
}
