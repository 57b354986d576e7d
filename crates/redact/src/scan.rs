//! One pass of keyword and token-prefix spotting (Aho–Corasick, ASCII
//! case-insensitive) that decides which token rules run where and which context rules
//! run on which line, so most lines are rejected after a single automaton scan.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

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
    /// For each pattern: the actions of every keyword inside it.
    actions: Vec<Vec<Action>>,
    /// For each pattern: the token prefixes (by index) it starts with, ignoring case.
    tokens: Vec<Vec<usize>>,
}

const LINE_KEYWORDS: &[(LineRule, &[&str])] = &[
    (
        LineRule::Markup,
        &[
            "pass", "pwd", "secret", "token", "key", "credential", "creds", "auth", "hmac", "cookie", "session", "sig",
            "jwt", "bearer",
        ],
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
    let mut keywords: Vec<(String, Vec<Action>)> = Vec::new();
    let mut add = |k: &str, a: Action| match keywords.iter_mut().find(|(w, _)| w == k) {
        Some((_, v)) => {
            if !v.contains(&a) {
                v.push(a);
            }
        }
        None => keywords.push((k.to_string(), vec![a])),
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
    let prefixes: Vec<Vec<u8>> = secrets::token_prefixes().map(<[u8]>::to_ascii_lowercase).collect();
    let mut patterns: Vec<Vec<u8>> = keywords.iter().map(|(w, _)| w.as_bytes().to_vec()).collect();
    for p in &prefixes {
        if !patterns.contains(p) {
            patterns.push(p.clone());
        }
    }
    // A found pattern also stands for the keywords inside it (`password` for `pass`,
    // `api key` for `key`) and the token prefixes it starts with (`sk-ant-` for `sk-`),
    // so leftmost-longest search, which can skip ahead, misses no rule.
    let actions = patterns
        .iter()
        .map(|p| {
            let mut acts: Vec<Action> = Vec::new();
            for (w, a) in &keywords {
                if memchr::memmem::find(p, w.as_bytes()).is_some() {
                    for x in a {
                        if !acts.contains(x) {
                            acts.push(*x);
                        }
                    }
                }
            }
            acts
        })
        .collect();
    let tokens = patterns
        .iter()
        .map(|p| prefixes.iter().enumerate().filter(|(_, q)| p.starts_with(q)).map(|(i, _)| i).collect())
        .collect();
    let ac = AhoCorasickBuilder::new()
        .kind(Some(AhoCorasickKind::DFA))
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(&patterns)
        .expect("the keyword automaton builds");
    Keywords { ac, actions, tokens }
});

/// Builds the context keywords now rather than on first use.
pub(crate) fn warm() {
    LazyLock::force(&KEYWORDS);
}

const RULES: [LineRule; 5] =
    [LineRule::Markup, LineRule::AuthHeader, LineRule::Curl, LineRule::UrlPassword, LineRule::Keyed];

fn bit(rule: LineRule) -> u8 {
    1 << RULES.iter().position(|r| *r == rule).unwrap_or(0)
}

/// One automaton pass over `text` for every keyword and token prefix: prefixed tokens
/// are matched where their prefix occurs, and (when `context`) the keyword-triggered
/// rules run on the lines and at the places their keywords occur. Returns whether any
/// keyword was seen. Matches inside `protected` ranges (earlier substitutions such as
/// `‹secret:token›`) do not count.
pub(crate) fn scan<'a>(text: &str, protected: &[(usize, usize)], context: bool, out: &mut Vec<Hit<'a>>) -> bool {
    let k = &*KEYWORDS;
    let mut seen = false;
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
    for m in k.ac.find_iter(text) {
        let (s, e) = (m.start(), m.end());
        let i = protected.partition_point(|&(_, pe)| pe <= s);
        if protected.get(i).is_some_and(|&(ps, _)| ps < e) || !text.is_char_boundary(s) {
            continue;
        }
        let pattern = m.pattern().as_usize();
        if !k.tokens[pattern].is_empty() {
            secrets::token_at(text, s, &k.tokens[pattern], out);
        }
        if !context || k.actions[pattern].is_empty() {
            continue;
        }
        seen = true;
        for &a in &k.actions[pattern] {
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
    seen
}
