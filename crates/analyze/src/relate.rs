//! Which alerts belong to this incident: words of an alert's name and labels against the
//! words that name the incident (its title, services, the pages that were acknowledged,
//! the incident channel).

use std::collections::HashSet;

use debrief_model::Record;

/// Words too common in alert names to tie an alert to an incident.
const GENERIC: &[&str] = &[
    "alert", "alerts", "firing", "resolved", "triggered", "warning", "critical", "error", "errors", "rate", "ratio",
    "high", "down", "target", "targets", "api", "service", "server", "prod", "production", "latency", "pending",
    "failure", "failing", "failed", "check", "probe", "test", "tests", "http", "https", "status", "incident", "above",
    "below", "threshold", "health", "healthy", "unhealthy", "low", "the", "and", "for", "from", "with", "through",
    "usage", "percent", "total", "count", "time", "timeout", "timeouts", "monitor", "monitoring", "node", "nodes",
    "pods", "pod", "instance", "instances", "job", "jobs", "notified", "acknowledged", "elevated", "global", "team",
    "namespace", "cluster", "east", "west",
];

/// The words that name the incident.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    words: HashSet<String>,
}

/// Splits text into lower-case words, also at camelCase humps: `CheckoutDBPoolPending` →
/// checkout, db, pool, pending.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_alphanumeric() {
            let hump = c.is_uppercase()
                && i > 0
                && (chars[i - 1].is_lowercase()
                    || chars.get(i + 1).is_some_and(|n| n.is_lowercase()) && chars[i - 1].is_uppercase());
            if hump && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.extend(c.to_lowercase());
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn telling(w: &str) -> bool {
    w.len() >= 4 && !w.bytes().all(|b| b.is_ascii_digit()) && !GENERIC.contains(&w)
}

impl Vocabulary {
    pub fn add(&mut self, text: &str) {
        self.words.extend(words(text).into_iter().filter(|w| telling(w)));
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether the record's alert name, service or text shares a telling word.
    pub fn relates(&self, r: &Record) -> bool {
        let mut text = String::new();
        for key in ["alert", "service", "incident"] {
            if let Some(v) = r.attr(key) {
                text.push_str(v);
                text.push(' ');
            }
        }
        if text.is_empty() {
            text.push_str(r.summary.as_deref().unwrap_or(&r.text));
        }
        words(&text).iter().any(|w| telling(w) && self.words.contains(w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_splits() {
        assert_eq!(words("CheckoutDBPoolPending"), ["checkout", "db", "pool", "pending"]);
        assert_eq!(words("inc-2047-checkout-timeouts"), ["inc", "2047", "checkout", "timeouts"]);
    }

    #[test]
    fn relates_by_telling_words_only() {
        let mut v = Vocabulary::default();
        v.add("Checkout timing out / elevated 5xx on POST /api/v1/checkout");
        v.add("checkout-api");
        let pool = Record::default().with_attr("alert", "CheckoutDBPoolPending");
        let target = Record::default().with_attr("alert", "TargetDown").with_attr("service", "recommendations-api");
        assert!(v.relates(&pool));
        assert!(!v.relates(&target));
    }
}
