//! `debrief lint`: checks any postmortem in Markdown — written by a person, a model or
//! debrief — for blame phrasing, named individuals, vague or unowned action items,
//! timeline rows without evidence, and missing sections.
//!
//! Text inside quotation marks (“…”, `…`) is a quotation of the evidence, not the
//! review's own words, and is not checked for blame.

use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};
use serde::Serialize;

/// One thing the linter found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    /// 1-based line in the document; 0 when the finding is about the whole document.
    pub line: u32,
    pub rule: &'static str,
    pub message: String,
}

/// What the linter knows beyond the document.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// Names of real people that must not appear (from `incident.toml` or `--name`).
    pub names: Vec<String>,
}

/// The sections a review must have, each with the words that name it.
const SECTIONS: &[(&str, &[&str])] = &[
    ("Summary", &["summary", "overview", "tl;dr"]),
    ("Customer impact", &["impact"]),
    ("Detection and response", &["detection", "response"]),
    ("Timeline", &["timeline"]),
    ("Contributing factors", &["contributing", "factors", "root cause", "causes"]),
    ("Decision points", &["decision"]),
    ("What went well", &["went well", "what worked"]),
    ("What went poorly", &["went poorly", "went wrong", "didn't go well", "could have gone better"]),
    ("Action items", &["action", "follow-up", "follow up", "remediation"]),
    ("Open questions", &["question", "missing evidence", "unknowns"]),
];

static BLAME: LazyLock<Regex> = LazyLock::new(|| {
    RegexBuilder::new(
        r"\b(failed to|neglect(?:ed|s)?|careless(?:ly|ness)?|human error|should have|shouldn't have|should not have|forgot to|didn't bother|did not bother|negligen(?:t|ce)|incompeten(?:t|ce)|sloppy|reckless(?:ly)?|(?:his|her|their) (?:fault|mistake)|was to blame|is to blame|blamed?|operator error|user error|lazy|lack of attention|not paying attention|ignored the)\b",
    )
    .case_insensitive(true)
    .build()
    .expect("static pattern compiles")
});

static VAGUE: LazyLock<Regex> = LazyLock::new(|| {
    RegexBuilder::new(
        r"^(?:improve|better|more|enhance|increase|review|investigate|look into|consider|be more careful|make sure|ensure|try to|think about|discuss|fix (?:it|the issue|this)|add (?:more )?(?:tests|monitoring|alerts?|documentation|docs))\b",
    )
    .case_insensitive(true)
    .build()
    .expect("static pattern compiles")
});

/// A citation of evidence: `path:line`, a link, or a source reference.
static EVIDENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:[\w./-]+\.\w+:\d+|https?://|\]\(|\bsource:|\bevidence:)").expect("static pattern compiles")
});

static MENTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[\s(])@([a-z][a-z0-9._-]{2,})").expect("static pattern compiles"));

/// Words that make "failed to" about a person rather than a system.
const PERSON_SUBJECTS: &[&str] = &[
    "i", "we", "he", "she", "they", "you", "someone", "somebody", "nobody", "team", "engineer", "engineers", "on-call",
    "oncall", "responder", "responders", "operator", "developer", "developers", "admin", "sre", "commander", "ic",
];

/// "failed to" with a system as its subject ("traffic failed to reach the cluster")
/// describes the system, not a person.
fn system_failure(before: &str, phrase: &str) -> bool {
    if !phrase.eq_ignore_ascii_case("failed to") {
        return false;
    }
    let words: Vec<String> = before
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    !words.iter().rev().take(3).any(|w| PERSON_SUBJECTS.contains(&w.as_str()))
}

/// The first blame phrase in `text` that is about a person rather than a system
/// ("the engineer failed to", "should have", "is to blame"), quotations included: for
/// text that must be blameless throughout, such as a model's claims.
pub fn blame_phrase(text: &str) -> Option<&str> {
    BLAME.find_iter(text).find(|m| !system_failure(&text[..m.start()], m.as_str())).map(|m| m.as_str())
}

/// Whether `phrase` appears in `text` starting and ending at word boundaries.
fn has_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(|c| c.is_alphanumeric() && c != 's')
    })
}

/// The document with quotations blanked: “…”, `…` and ```fenced``` blocks.
fn unquoted(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut depth_curly = 0u32;
    let mut in_tick = false;
    for c in line.chars() {
        match c {
            '“' => depth_curly += 1,
            '”' => depth_curly = depth_curly.saturating_sub(1),
            '`' => in_tick = !in_tick,
            _ if depth_curly > 0 || in_tick => {}
            _ => out.push(c),
        }
    }
    out
}

/// Lints a Markdown postmortem.
pub fn lint(markdown: &str, options: &LintOptions) -> Vec<LintFinding> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut in_fence = false;
    let name_res: Vec<(String, Regex)> = options
        .names
        .iter()
        .filter(|n| n.trim().len() >= 3)
        .filter_map(|n| {
            RegexBuilder::new(&format!(r"\b{}\b", regex::escape(n.trim())))
                .case_insensitive(true)
                .build()
                .ok()
                .map(|r| (n.trim().to_string(), r))
        })
        .collect();

    for (i, raw) in markdown.lines().enumerate() {
        let n = i as u32 + 1;
        if raw.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if let Some(h) = raw.trim_start().strip_prefix('#') {
            section = h.trim_start_matches('#').trim().to_lowercase();
            for (title, words) in SECTIONS {
                if words.iter().any(|w| has_phrase(&section, w)) && !seen.contains(title) {
                    seen.push(title);
                }
            }
            continue;
        }
        let text = unquoted(raw);
        if let Some(m) = BLAME.find_iter(&text).find(|m| !system_failure(&text[..m.start()], m.as_str())) {
            out.push(LintFinding {
                line: n,
                rule: "blame",
                message: format!(
                    "blame phrasing {:?}: describe what the system and process allowed, not what a person did wrong",
                    m.as_str()
                ),
            });
        }
        for (name, re) in &name_res {
            if re.is_match(&text) {
                out.push(LintFinding {
                    line: n,
                    rule: "named-person",
                    message: format!("names {name:?}: refer to people by role (incident commander, responder A)"),
                });
            }
        }
        if let Some(m) = MENTION.captures(&text) {
            out.push(LintFinding {
                line: n,
                rule: "named-person",
                message: format!("mentions @{}: refer to people by role", &m[1]),
            });
        }
        let item = raw.trim_start();
        let is_list = item.starts_with("- ")
            || item.starts_with("* ")
            || item.split_once(". ").is_some_and(|(d, _)| d.chars().all(|c| c.is_ascii_digit()) && !d.is_empty());
        if has_phrase(&section, "action") && is_list {
            let body = item
                .trim_start_matches(|c: char| c == '-' || c == '*' || c.is_ascii_digit() || c == '.' || c == ' ')
                .trim_start_matches("[ ] ")
                .trim_start_matches("[x] ");
            let lower = body.to_lowercase();
            let owned = lower.contains("owner:") && !lower.contains("owner: unknown") && !lower.contains("owner: none");
            let due = lower.contains("due:") && !lower.contains("due: unknown") && !lower.contains("due: none");
            let flagged_as_proposal = lower.contains("not yet an action item");
            if (!owned || !due) && !flagged_as_proposal && !lower.starts_with("none ") {
                out.push(LintFinding {
                    line: n,
                    rule: "action-owner",
                    message: "action item without an owner and a due date (write `owner: …, due: …`, or mark it \"not yet an action item\")".into(),
                });
            }
            let words = body.split_whitespace().count();
            if VAGUE.is_match(body.trim()) && words < 8 || (words < 4 && !lower.starts_with("none ")) {
                out.push(LintFinding {
                    line: n,
                    rule: "vague-action",
                    message: "vague action item: name the service, the signal and the change (\"alert on checkout-api p95 latency with a burn-rate threshold\")".into(),
                });
            }
        }
        if has_phrase(&section, "timeline")
            && item.starts_with('|')
            && !item.starts_with("|-")
            && !item.starts_with("| -")
            && !item.starts_with("|:")
        {
            let cells: Vec<&str> = item.trim_matches('|').split('|').collect();
            let header = cells.iter().any(|c| {
                let c = c.trim().to_lowercase();
                c == "time" || c == "event" || c == "utc"
            });
            if !header && cells.len() >= 2 && !EVIDENCE.is_match(item) && !item.contains("---") {
                out.push(LintFinding {
                    line: n,
                    rule: "timeline-evidence",
                    message: "timeline row without evidence: cite the source line (path:line) or link the artifact"
                        .into(),
                });
            }
        }
    }
    for (title, _) in SECTIONS {
        if !seen.contains(title) {
            out.push(LintFinding { line: 0, rule: "missing-section", message: format!("no \"{title}\" section") });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(md: &str) -> Vec<(u32, &'static str)> {
        lint(md, &LintOptions { names: vec!["Dana Whitfield".into(), "Dana".into()] })
            .into_iter()
            .filter(|f| f.rule != "missing-section")
            .map(|f| (f.line, f.rule))
            .collect()
    }

    #[test]
    fn flags_blame_names_and_unowned_vague_actions() {
        let md = "# Summary\n\nDana, we failed to notice the alert.\nThe on-call should have escalated.\n\n## Action items\n\n- Improve monitoring\n- Alert on checkout-api p95 latency with a burn-rate threshold (owner: SRE team, due: 2024-11-01)\n- @marcus to fix the pool config\n";
        assert_eq!(
            rules(md),
            [
                (3, "blame"),
                (3, "named-person"),
                (4, "blame"),
                (8, "action-owner"),
                (8, "vague-action"),
                (10, "named-person"),
                (10, "action-owner")
            ]
        );
    }

    #[test]
    fn blame_phrase_checks_quotations_too() {
        assert_eq!(blame_phrase("“the database team is to blame”"), Some("is to blame"));
        assert_eq!(blame_phrase("Traffic failed to reach the cluster."), None);
        assert_eq!(blame_phrase("The responder failed to page"), Some("failed to"));
    }

    #[test]
    fn a_system_that_failed_is_not_blame() {
        assert_eq!(rules("# Summary\n\nInbound traffic failed to reach the cluster.\n"), []);
        assert_eq!(rules("# Summary\n\nThe engineer failed to run the check.\n"), [(3, "blame")]);
    }

    #[test]
    fn quotations_of_evidence_are_not_the_reviews_words() {
        let md = "# Timeline\n\n| Time | Event | Evidence |\n|---|---|---|\n| 10:12 | “prob should have escalated at 10:00” | `notes.md:27` “should have” |\n| 10:15 | rollback | |\n";
        assert_eq!(rules(md), [(6, "timeline-evidence")]);
    }

    #[test]
    fn missing_sections_are_listed() {
        let found = lint("# Summary\n\n## Timeline\n", &LintOptions::default());
        let missing: Vec<_> =
            found.iter().filter(|f| f.rule == "missing-section").map(|f| f.message.as_str()).collect();
        assert!(missing.contains(&"no \"Action items\" section"));
        assert!(!missing.iter().any(|m| m.contains("Timeline")));
        assert_eq!(missing.len(), SECTIONS.len() - 2);
    }

    #[test]
    fn proposals_marked_as_such_pass() {
        let md = "## Action items\n\n- [ ] Gate rollouts of checkout-api on the error ratio (owner: Unknown, due: Unknown — not yet an action item) — `a.log:1` “x”\n";
        assert_eq!(rules(md), []);
    }
}
