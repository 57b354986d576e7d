//! One pass of keyword spotting (Aho–Corasick, ASCII case-insensitive) that decides
//! which context rules run on which line, so most lines are rejected after a single
//! automaton scan.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::pii;
use crate::secrets::{self, LineRule};
use crate::shape::line_bounds;
use crate::span::Hit;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Line(LineRule),
    PrivateKey,
    Prose,
    PhoneBefore,
    PhoneAfter,
}

struct Keywords {
    ac: AhoCorasick,
    actions: Vec<Vec<Action>>,
}

const LINE_KEYWORDS: &[(LineRule, &[&str])] = &[
    (
        LineRule::Assign,
        &["pass", "pwd", "secret", "token", "key", "credential", "creds", "auth", "hmac", "cookie", "session", "sig", "jwt", "bearer"],
    ),
    (LineRule::AuthHeader, &["authoriz", "authoris", "bearer"]),
    (LineRule::Curl, &["curl", "--user", "wget", "-u "]),
    (LineRule::UrlPassword, &["://", ":\\/\\/"]),
    (
        LineRule::Keyed,
        &["q~", "accountkey", "sharedaccesskey", "sig=", "aws", "atlasv1", "-us", "facebook", "fb_", "|", ":aa"],
    ),
];

const PROSE_KEYWORDS: &[&str] = &[
    "secret", "token", "password", "passwd", "passphrase", "credential", "api key", "apikey", "api_key", "hmac",
    "private key", "access key", "secret key", "signing key",
];

static KEYWORDS: LazyLock<Keywords> = LazyLock::new(|| {
    let mut table: Vec<(String, Vec<Action>)> = Vec::new();
    let mut add = |k: &str, a: Action| match table.iter_mut().find(|(w, _)| w == k) {
        Some((_, v)) => {
            if !v.contains(&a) {
                v.push(a);
            }
        }
        None => table.push((k.to_string(), vec![a])),
    };
    for (rule, words) in LINE_KEYWORDS {
        for w in *words {
            add(w, Action::Line(*rule));
        }
    }
    add("-----begin", Action::PrivateKey);
    for w in PROSE_KEYWORDS {
        add(w, Action::Prose);
    }
    for w in pii::PHONE_BEFORE {
        add(w, Action::PhoneBefore);
    }
    for w in pii::PHONE_AFTER {
        add(w, Action::PhoneAfter);
    }
    let ac = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(table.iter().map(|(w, _)| w.as_str()))
        .expect("the keyword automaton builds");
    Keywords {
        ac,
        actions: table.into_iter().map(|(_, a)| a).collect(),
    }
});

pub(crate) fn warm() {
    LazyLock::force(&KEYWORDS);
}

const RULES: [LineRule; 5] = [LineRule::Assign, LineRule::AuthHeader, LineRule::Curl, LineRule::UrlPassword, LineRule::Keyed];

fn bit(rule: LineRule) -> u8 {
    1 << RULES.iter().position(|r| *r == rule).unwrap_or(0)
}

/// Runs every keyword-triggered rule on `text`. Keywords inside `protected` ranges (earlier
/// substitutions such as `‹secret:token›`) do not count.
pub(crate) fn context_rules<'a>(text: &str, protected: &[(usize, usize)], out: &mut Vec<Hit<'a>>) {
    let k = &*KEYWORDS;
    let mut line: Option<(usize, usize)> = None;
    let mut mask: u8 = 0;
    let flush = |line: Option<(usize, usize)>, mask: u8, out: &mut Vec<Hit<'a>>| {
        if let Some((ls, le)) = line {
            for r in RULES {
                if mask & bit(r) != 0 {
                    secrets::line_rule(r, text, ls, le, out);
                }
            }
        }
    };
    for m in k.ac.find_overlapping_iter(text) {
        let (s, e) = (m.start(), m.end());
        let i = protected.partition_point(|&(_, pe)| pe <= s);
        if protected.get(i).is_some_and(|&(ps, _)| ps < e) {
            continue;
        }
        for &a in &k.actions[m.pattern().as_usize()] {
            match a {
                Action::Line(rule) => {
                    if !line.is_some_and(|(ls, le)| s >= ls && s <= le) {
                        flush(line, mask, out);
                        line = Some(line_bounds(text, s));
                        mask = 0;
                    }
                    mask |= bit(rule);
                }
                Action::PrivateKey => secrets::private_key(text, s, out),
                Action::Prose => secrets::prose(text, s, e, out),
                Action::PhoneBefore => pii::phone_context(text, s, e, false, out),
                Action::PhoneAfter => pii::phone_context(text, s, e, true, out),
            }
        }
    }
    flush(line, mask, out);
}
