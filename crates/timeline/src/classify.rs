//! Reading records the way responders write: terse, lower case, jargon. Each rule is a
//! set of phrases; the first kind whose phrases match wins, and the rule that fired is kept
//! in the record's `rule` attribute for explanation.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use debrief_model::{Kind, Record};

/// Phrase rules for free text, in priority order. A phrase matches where a word starts.
#[rustfmt::skip]
const RULES: &[(Kind, &str, &[&str])] = &[
    (Kind::Resolution, "resolution", &[
        "marking resolved", "marked resolved", "incident resolved", "resolving the incident", "resolved in pd",
        "resolved in pagerduty", "closing the incident", "incident closed", "all clear", "declaring resolved",
        "we are resolved", "resolution confirmed", "p0 resolved", "sev resolved", "closing this out",
    ]),
    (Kind::Mitigation, "mitigation", &[
        "rolled back", "rollback done", "rollback complete", "rollback finished", "rolling back", "roll back now",
        "reverted", "revert merged", "kill executed", "kill sent", "killed the", "disabled the", "turned off",
        "failed over", "failover", "errors dropped", "errors stopped", "errors stop", "mitigated", "mitigation",
        "restarted", "recreated", "scaled up", "shed load", "drained",
    ]),
    (Kind::Recovery, "recovery", &[
        "back to normal", "back to baseline", "back to expected", "recovered", "recovering", "healthy again",
        "looks healthy", "error rate normal", "errors gone", "502s gone", "back up", "is back", "are back",
        "fully recovered", "latency normal", "back under",
    ]),
    (Kind::StatusUpdate, "status", &[
        "status page", "statuspage", "status post", "posted an update", "status update", "customer comms",
        "mailing list", "announce",
    ]),
    (Kind::Escalation, "escalation", &[
        "can you take a look", "can you look", "can someone", "need someone",
        "escalat", "paging ", "paged ", "pinging", "pinged", "looping in", "loop in", "pulling in", "waking up",
        "declared p0", "declared sev", "declaring", "sev1", "sev 1", "sev2", "all hands", "incident channel",
        "opened #", "bridge",
    ]),
    (Kind::Decision, "decision", &[
        "decided", "decision", "let's ", "lets ", "plan:", "plan is", "we'll ", "we will ", "going to ",
        "rather than", "instead of", "go with", "approved", "agreed", "do it", "proposal", "i propose",
        "objections?",
    ]),
    (Kind::Hypothesis, "hypothesis", &[
        "i think", "pretty sure", "maybe", "might be", "could be", "suspect", "looks like", "theory",
        "hypothes", "bottleneck", "root cause", "the cause", "caused by", "because", "culprit", "smoking gun",
        "is it ", "attack", "related?", "not the", "ruled out", "rule out", "it's not ", "its not ", "isn't the",
    ]),
    (Kind::CustomerImpact, "customer-impact", &[
        "customer", "users ", "user reports", "support", "ticket", "complain", "charged", "can't log in",
        "cannot log in", "unavailable", "outage", "down for", "anyone else", "is down", "not working",
        "isn't working", "not responding", "isn't reacting", "not reacting", "unresponsive", "ok?", "did nothing",
        "seeing errors", "same here",
    ]),
    (Kind::Acknowledge, "acknowledge", &[
        "ack'd", "acked", "ack,", "ack.", "acknowledged", "i'm on it", "im on it", "looking now", "looking into",
        "taking a look", "i'll take it", "i'll take a look",
    ]),
    (Kind::Change, "change", &[
        "deploy", "released", "release ", "merged", "rollout", "rolled out", "config change", "flag flip",
        "feature flag", "pushed", "migration", "upgrade", "updated the",
    ]),
    (Kind::Action, "action", &[
        "restarting", "scaling", "scale out", "scale up", "pinned", "muted", "silenced", "running ", "tested",
        "testing", "checking", "profil", "kubectl", "querying", "disabled", "enabled", "perf top", "strace",
        "ran ", "by hand",
    ]),
    (Kind::Alert, "alert", &["[firing", "alert fired", "alert firing", "alert is firing", "triggered", "fired"]),
];

/// Phrases that make an ordinary log line worth a timeline row, as a change or action.
#[rustfmt::skip]
const LOG_RULES: &[(Kind, &str, &[&str])] = &[
    (Kind::Change, "log-change", &[
        "successfully rolled out", "rolled out", "rollout complete", "rollout finished", "has been upgraded",
        "deployed", "deploying", "release created", "ruleset", "feature flag", "flagctl", "flag set", "applied", "migration", "rolled back",
        "rollback", "reverted", "config reloaded", "configuration reloaded", "build finished", "build failed",
        "build succeeded", "tests passed",
    ]),
    (Kind::Action, "log-action", &[
        "scaled", "scaling", "autoscal", "restarted", "restarting", "evict", "run started", "starting ",
        "killed", "shutting down", "shutdown", "failover", "failing over", "recreated", "deleted pod",
        "disabled", "enabled", "throttl", "limit",
    ]),
];

struct Matcher {
    ac: AhoCorasick,
    /// For each pattern: index into the rule table.
    rule_of: Vec<usize>,
}

impl Matcher {
    fn new(rules: &[(Kind, &str, &[&str])]) -> Self {
        let mut patterns = Vec::new();
        let mut rule_of = Vec::new();
        for (i, (_, _, phrases)) in rules.iter().enumerate() {
            for p in *phrases {
                patterns.push(*p);
                rule_of.push(i);
            }
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .expect("static phrase list builds");
        Self { ac, rule_of }
    }

    /// The highest-priority rule with a phrase in `text`.
    fn best(&self, text: &str) -> Option<usize> {
        self.ac.find_overlapping_iter(text).map(|m| self.rule_of[m.pattern().as_usize()]).min()
    }
}

static CHAT: LazyLock<Matcher> = LazyLock::new(|| Matcher::new(RULES));
static LOGS: LazyLock<Matcher> = LazyLock::new(|| Matcher::new(LOG_RULES));

/// The kind free text reads as, with the rule's name; `None` for chatter.
pub fn classify_text(text: &str) -> Option<(Kind, &'static str)> {
    if declares_resolution(text) {
        return Some((Kind::Resolution, "resolution"));
    }
    let (kind, rule) = CHAT.best(text).map(|i| (RULES[i].0, RULES[i].1))?;
    // "is the incident resolved?" asks; it does not declare.
    if kind == Kind::Resolution && text.split(['.', '\n']).next().is_some_and(|s| s.contains('?')) {
        return None;
    }
    Some((kind, rule))
}

/// "resolving the main incident", "INC-2047 resolved": resolving and an incident in one
/// message, not a question about it.
fn declares_resolution(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let first = lower.split(['.', '\n']).next().unwrap_or("");
    (first.contains("resolving") || first.contains("resolved"))
        && (first.contains("incident") || first.contains("inc-"))
        && !first.contains('?')
        && !first.contains("not resolved")
}

/// Refines the kinds of messages and ordinary log lines in place. Kinds an adapter
/// stated (an alert, a page, an acknowledgement) are kept.
pub fn classify(records: &mut [Record]) {
    for r in records.iter_mut() {
        match r.kind {
            Kind::Message => {
                if r.attr("section").is_some() {
                    continue;
                }
                let text = r.text.as_str();
                if let Some((kind, rule)) = classify_text(text) {
                    r.kind = kind;
                    r.set_attr("rule", rule);
                } else {
                    r.set_attr("rule", "chatter");
                }
            }
            Kind::Log => {
                if r.attr("level").is_some_and(|l| l.starts_with("warn")) {
                    r.kind = Kind::Signal;
                    r.set_attr("rule", "warn-level");
                } else if is_config_diff(&r.text) {
                    r.kind = Kind::Change;
                    r.set_attr("rule", "log-config-diff");
                } else if let Some(i) = LOGS.best(&r.text) {
                    r.kind = LOG_RULES[i].0;
                    r.set_attr("rule", LOG_RULES[i].1);
                }
            }
            _ => {}
        }
    }
}

/// A line of a configuration diff in a deploy log: `-   DB_POOL_MAX: "40"`.
fn is_config_diff(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("- ").or_else(|| text.strip_prefix("+ ")) else {
        return false;
    };
    let rest = rest.trim_start();
    let key_len = rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')).count();
    key_len >= 2 && rest[key_len..].starts_with(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_terse_chat() {
        let k = |t| classify_text(t).map(|(k, _)| k);
        assert_eq!(k("ack'd the page. checkout 5xx ~9%"), Some(Kind::Acknowledge));
        assert_eq!(k("pretty sure the DB is the bottleneck"), Some(Kind::Hypothesis));
        assert_eq!(k("ok decided: scale first instead of rollback"), Some(Kind::Decision));
        assert_eq!(k("rollback done, 24/24 on v2.30.4"), Some(Kind::Mitigation));
        assert_eq!(k("support getting hammered, tickets piling up"), Some(Kind::CustomerImpact));
        assert_eq!(k("lol"), None);
        assert_eq!(k("Resolved in PD"), Some(Kind::Resolution));
    }

    #[test]
    fn resolving_an_incident_is_a_resolution() {
        assert_eq!(
            classify_text("resolving the main incident. status page updated").map(|(k, _)| k),
            Some(Kind::Resolution)
        );
        assert_ne!(classify_text("is the incident resolved?").map(|(k, _)| k), Some(Kind::Resolution));
    }

    #[test]
    fn phrases_match_at_word_starts_only() {
        assert_eq!(classify_text("we're working on it").map(|(k, _)| k), None);
        assert_eq!(classify_text("ack, looking now").map(|(k, _)| k), Some(Kind::Acknowledge));
    }

    #[test]
    fn config_diffs_in_deploy_logs_are_changes() {
        assert!(is_config_diff("-   DB_POOL_MAXIMUM_POOL_SIZE: \"40\""));
        assert!(is_config_diff("+   maxPoolSize: 16"));
        assert!(!is_config_diff("+ helm upgrade --install checkout-api"));
        let mut r = vec![Record { kind: Kind::Log, text: "+   maxPoolSize: 16".into(), ..Record::default() }];
        classify(&mut r);
        assert_eq!(r[0].kind, Kind::Change);
    }

    #[test]
    fn stated_kinds_are_kept() {
        let mut r = vec![Record { kind: Kind::Page, text: "rolled back".into(), ..Record::default() }];
        classify(&mut r);
        assert_eq!(r[0].kind, Kind::Page);
    }
}
