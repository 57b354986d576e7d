//! What must never cross to or back from a model: the real names the redactor replaced and
//! anything the redactor would replace (secrets, personal data).
//!
//! The records a model sees are redacted already; the [`Guard`] is the second lock. What
//! the bundle's redactor has not been through — the engine's facts (an incident title), the
//! source paths, a model's earlier answer — passes [`Guard::scrub`] before it is sent, and
//! every request as a whole passes [`Guard::scrub_names`]. Every claim passes
//! [`Guard::leaks`]: a claim that writes a real name or a secret is dropped whole, since its
//! text itself leaks.
//!
//! ```
//! use debrief_llm::guard::Guard;
//! let guard = Guard::new(&["Dana Whitfield".to_string()]);
//! assert_eq!(guard.scrub("paged dana whitfield"), "paged ‹person›");
//! assert!(!guard.leaks("key AKIA5QXTZ3FAKEK7V2NB was pasted").is_empty());
//! assert!(guard.leaks("‹Responder A› rolled back v2.31.0 at 10:14").is_empty());
//! ```

use debrief_ingest::{IncidentConfig, Person};
use debrief_redact::Redactor;
use regex::{Regex, RegexBuilder};

/// Keeps real names and secrets out of requests and claims.
pub struct Guard {
    redactor: Option<Redactor>,
    /// Every real name, any case (whole words are checked on each match).
    names: Option<Regex>,
    count: usize,
}

impl std::fmt::Debug for Guard {
    // The names are the secret: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard").field("names", &self.count).finish_non_exhaustive()
    }
}

impl Guard {
    /// A guard for the real names the redactor replaced.
    pub fn new(real_names: &[String]) -> Self {
        let people: Vec<Person> = real_names
            .iter()
            .filter(|n| !n.trim().is_empty())
            .map(|n| Person { name: n.trim().to_string(), ..Person::default() })
            .collect();
        let mut alternatives: Vec<String> = real_names
            .iter()
            .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|n| n.chars().count() >= 3)
            .map(|n| regex::escape(&n).replace(' ', r"\s+"))
            .collect();
        // Longest first, so a full name wins over a shorter one it contains.
        alternatives.sort_by_key(|a| std::cmp::Reverse(a.len()));
        alternatives.dedup();
        let count = alternatives.len();
        // No `\b` in the pattern: Unicode word boundaries would keep the regex off its
        // fast engines on non-ASCII text; whole words are checked on each match instead.
        let names = (!alternatives.is_empty())
            .then(|| RegexBuilder::new(&alternatives.join("|")).case_insensitive(true).build().ok())
            .flatten();
        Self { redactor: Redactor::new(&IncidentConfig::default(), &people).ok(), names, count }
    }

    /// The byte ranges of real names in `text`, whole words only.
    fn name_spans(&self, text: &str) -> Vec<(usize, usize)> {
        let Some(re) = &self.names else { return Vec::new() };
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(m) = re.find_at(text, at) {
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
                out.push((m.start(), m.end()));
                at = m.end();
            } else {
                // Try again from the next character.
                at = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
            }
            if at >= text.len() {
                break;
            }
        }
        out
    }

    /// `text` with every real name written in full replaced by `‹person›`: for text that
    /// the bundle's redactor has already been through (the records), where it is all that
    /// is left to do.
    pub fn scrub_names(&self, text: &str) -> String {
        let spans = self.name_spans(text);
        if spans.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in spans {
            out.push_str(&text[at..start]);
            out.push_str("‹person›");
            at = end;
        }
        out.push_str(&text[at..]);
        out
    }

    /// `text` with every real name (as `‹person›`), secret and piece of personal data
    /// replaced.
    pub fn scrub(&self, text: &str) -> String {
        let out = self.scrub_names(text);
        let Some(r) = &self.redactor else { return out };
        let mut found = r.find(&out);
        if found.is_empty() {
            return out;
        }
        found.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
        let mut scrubbed = String::with_capacity(out.len());
        let mut at = 0;
        for f in found {
            if f.start < at || f.end > out.len() || !out.is_char_boundary(f.start) || !out.is_char_boundary(f.end) {
                continue;
            }
            scrubbed.push_str(&out[at..f.start]);
            // The guard's own roles would not match the bundle's: a name is a person.
            let label = if f.rule == "person" { "person" } else { f.label.as_str() };
            scrubbed.push('‹');
            scrubbed.push_str(label);
            scrubbed.push('›');
            at = f.end;
        }
        scrubbed.push_str(&out[at..]);
        scrubbed
    }

    /// What in `text` must not be shown: `a replaced name`, or the redactor's rule
    /// (`secret:aws-access-key`, `email`…). Never the value.
    pub fn leaks(&self, text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if !self.name_spans(text).is_empty() {
            out.push("a replaced name".to_string());
        }
        if let Some(r) = &self.redactor {
            for f in r.find(text) {
                let what = if f.rule == "person" { "a replaced name".to_string() } else { f.rule };
                if !out.contains(&what) {
                    out.push(what);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_out_whole_word_in_any_case() {
        let g = Guard::new(&["Maren Holloway".to_string(), "Ignacio Ferreyra".to_string()]);
        assert_eq!(g.scrub("notes/maren-holloway.md"), "notes/‹person›.md");
        assert_eq!(g.scrub("IGNACIO FERREYRA said"), "‹person› said");
        assert_eq!(g.scrub("ask maren or ‹Responder B›"), "ask ‹person› or ‹Responder B›");
        assert!(g.leaks("Maren restarted the hook").contains(&"a replaced name".to_string()));
        assert!(g.leaks("the Holloway runbook").contains(&"a replaced name".to_string()));
        assert!(g.leaks("hook restarted at 23:40").is_empty());
        let g = Guard::new(&["Lucy Fairbairn".to_string()]);
        assert_eq!(g.scrub_names("LUCY  Fairbairn, not Lucy Fairbairnson"), "‹person›, not Lucy Fairbairnson");
    }

    #[test]
    fn secrets_and_personal_data_are_leaks_with_their_rule_only() {
        let g = Guard::new(&[]);
        let leaks = g.leaks("mail jane.roe@acme-corp.io the token ghp_4f8Kq2ZxV7mN3pL9rT6wY1bC5dE0aS2uH8jQ");
        assert!(leaks.iter().any(|l| l == "email"), "{leaks:?}");
        assert!(leaks.iter().any(|l| l.starts_with("secret:")), "{leaks:?}");
        assert!(leaks.iter().all(|l| !l.contains("ghp_")));
    }
}
