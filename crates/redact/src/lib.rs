//! Redaction of secrets and personal data, and people turned into stable roles.
//!
//! Redaction runs on records before anything is rendered, stored or sent to a model
//! (DESIGN.md, principle 4). A [`Redactor`] is built once per bundle from
//! `incident.toml` and the people the sources revealed; [`Redactor::redact`] rewrites
//! one text, [`redact_ingested`] every record of a bundle in place and returns a
//! [`RedactionReport`] (counts per rule and source, never values).
//!
//! Every substitution is written `‹label›` — `‹secret:aws-access-key›`, `‹email›`,
//! `‹phone›`, `‹card›`, `‹iban›`, `‹ssn›`, `‹ip›`, `‹term›`, `‹pattern›`, or a role such
//! as `‹Responder A›`, `‹Incident commander›`, `‹Customer 1›` — and line breaks are
//! never added or removed, so citations keep their line numbers. Redaction is
//! idempotent: an existing `‹…›` is left as it is.
//!
//! What is found:
//! - **secrets** ([`secrets`](crate) catalogue): vendor-prefixed tokens (AWS, GCP,
//!   Azure, GitHub, GitLab, Slack, Stripe, Twilio, SendGrid, npm, PyPI, OpenAI,
//!   Anthropic and ~50 more), Slack/Teams/Discord webhook URLs, PEM private key blocks,
//!   JWTs, `Authorization:` headers, passwords in URLs and `curl -u`, credential
//!   assignments (`password=`, `"api_key": …`, `<secret>…</secret>`, `--token …`),
//!   and random-looking values right after a credential word in prose;
//! - **personal data**: email addresses, phone numbers, payment cards (Luhn), IBANs
//!   (mod 97), US SSNs, IPv4/IPv6 addresses (on unless `[redact] ips = false`);
//! - **people**: names, first and last names, handles, email local parts, ids and Slack
//!   mentions of everyone the sources reveal, as one stable role per person;
//! - `[redact] terms` and `patterns`; `[redact] allow` is never redacted.
//!
//! ```
//! use debrief_ingest::{IncidentConfig, Person};
//! use debrief_redact::Redactor;
//!
//! let mut config = IncidentConfig::default();
//! config.people.insert("Dana Whitfield".into(), "primary on-call".into());
//! let people = vec![Person {
//!     name: "Dana Whitfield".into(),
//!     aliases: vec!["dana".into()],
//!     ids: vec!["U03DWHT1FD".into()],
//!     ..Person::default()
//! }];
//! let r = Redactor::new(&config, &people).unwrap();
//! let out = r.redact("<@U03DWHT1FD> dana's key AKIA5QXTZ3FAKEK7V2NB from 10.0.4.17");
//! assert_eq!(out.text, "‹Primary on-call› ‹Primary on-call›'s key ‹secret:aws-access-key› from ‹ip›");
//! assert_eq!(r.role_of("dana"), Some("Primary on-call"));
//! ```

mod people;
mod pii;
mod report;
mod scan;
mod secret;
mod secrets;
mod shape;
mod span;

use std::collections::BTreeMap;
use std::fmt;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use debrief_ingest::{IncidentConfig, Ingested, Person};
use regex::Regex;

pub use report::{RedactionReport, redact_ingested};
pub use secret::Secret;

use crate::people::People;
use crate::shape::{char_at, char_before, is_word_char};
use crate::span::{Hit, rank};

/// The redactor could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RedactError {
    #[error("incident.toml [redact] patterns: {pattern:?} is not a valid regular expression: {message}")]
    BadPattern { pattern: String, message: String },
}

impl RedactError {
    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::BadPattern { .. } => {
                "patterns use Rust regex syntax (https://docs.rs/regex); write them in single quotes in TOML, e.g. 'ACME-\\d{6}'"
            }
        }
    }
}

/// A redacted text and how many substitutions each rule made.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Redacted {
    pub text: String,
    /// (rule, count), sorted by rule: `secret:<id>`, `email`, `phone`, `card`, `iban`,
    /// `ssn`, `ip`, `person`, `term`, `pattern`.
    pub hits: Vec<(String, usize)>,
}

impl Redacted {
    /// Whether anything was replaced.
    pub fn changed(&self) -> bool {
        !self.hits.is_empty()
    }
}

/// One thing the redactor would replace, with its value held as a [`Secret`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: String,
    /// What it is replaced with (without the `‹›`).
    pub label: String,
    /// Byte range in the text.
    pub start: usize,
    pub end: usize,
    pub value: Secret,
}

/// Built once per bundle from `incident.toml` and the people the sources revealed.
pub struct Redactor {
    people: People,
    terms: Vec<Secret>,
    terms_ac: Option<AhoCorasick>,
    patterns: Vec<Regex>,
    allow: Vec<Secret>,
    allow_ac: Option<AhoCorasick>,
    ips: bool,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("people", &self.people.entries.len())
            .field("terms", &self.terms.len())
            .field("patterns", &self.patterns.len())
            .field("allow", &self.allow.len())
            .field("ips", &self.ips)
            .finish()
    }
}

fn literal_matcher(words: &[Secret]) -> Option<AhoCorasick> {
    if words.is_empty() {
        return None;
    }
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(words.iter().map(Secret::expose))
        .ok()
}

impl Redactor {
    /// Builds the redactor. A `[redact] patterns` entry that is not a valid regular
    /// expression is an error that names it.
    pub fn new(config: &IncidentConfig, people: &[Person]) -> Result<Self, RedactError> {
        secrets::warm();
        pii::warm();
        scan::warm();
        let rc = &config.redact;
        let clean = |v: &[String]| -> Vec<Secret> {
            v.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).map(Secret::from).collect()
        };
        let terms = clean(&rc.terms);
        let allow = clean(&rc.allow);
        let patterns = rc
            .patterns
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                Regex::new(p).map_err(|e| RedactError::BadPattern {
                    pattern: p.clone(),
                    message: e.to_string().lines().last().unwrap_or("invalid").trim().to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            people: People::new(&config.people, people),
            terms_ac: literal_matcher(&terms),
            terms,
            patterns,
            allow_ac: literal_matcher(&allow),
            allow,
            ips: rc.ips.unwrap_or(true),
        })
    }

    /// The redactor for a bundle: the people the sources revealed plus every record
    /// actor, so no actor is left without a role.
    pub fn for_ingested(config: &IncidentConfig, ingested: &Ingested) -> Result<Self, RedactError> {
        let mut people = ingested.people.clone();
        let mut seen = std::collections::HashSet::new();
        for r in &ingested.records {
            if let Some(a) = &r.actor {
                if a.name.trim().is_empty() || !seen.insert((a.name.clone(), a.id.clone(), a.bot)) {
                    continue;
                }
                people.push(Person {
                    name: a.name.clone(),
                    ids: a.id.iter().cloned().collect(),
                    bot: a.bot,
                    ..Person::default()
                });
            }
        }
        Self::new(config, &people)
    }

    /// The role a person (by any name, alias, email or id) maps to. Bots and unknown
    /// names have none.
    pub fn role_of(&self, name_or_id: &str) -> Option<&str> {
        self.people.role_of(name_or_id)
    }

    /// Whether `name_or_id` is a bot, an integration or a team address (they keep their
    /// names).
    pub fn is_bot(&self, name_or_id: &str) -> bool {
        self.people.is_kept(name_or_id)
    }

    /// Real name → role for every person shown as a role, for `pseudonyms.json` (written
    /// only where the user asks, never next to shared output).
    pub fn pseudonyms(&self) -> Vec<(String, String)> {
        self.people.pseudonyms()
    }

    /// `ingested.people` with names and contact details replaced by roles.
    pub fn redacted_people(&self) -> Vec<Person> {
        self.people.redacted_people()
    }

    /// Redacts one text. Every substitution is written `‹label›`; line breaks are never
    /// added or removed.
    pub fn redact(&self, text: &str) -> Redacted {
        let mut counts = BTreeMap::new();
        let out = self.redact_counting(text, &mut counts);
        Redacted {
            text: out.unwrap_or_else(|| text.to_string()),
            hits: counts.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        }
    }

    /// What [`Redactor::redact`] would replace, with the values held as [`Secret`]s.
    pub fn find(&self, text: &str) -> Vec<Finding> {
        self.hits(text)
            .into_iter()
            .filter(|h| h.rank != rank::PROTECTED)
            .map(|h| Finding {
                rule: h.rule.to_string(),
                label: h.label.to_string(),
                start: h.start,
                end: h.end,
                value: Secret::new(&text[h.start..h.end]),
            })
            .collect()
    }

    /// Redacts `text`, adding to `counts`; `None` when nothing changed.
    ///
    /// A substitution can change what its neighbours look like (a value that ended a
    /// sentence is gone, a token glued to another is split off), so the result is
    /// redacted again until nothing changes: redaction is idempotent by construction.
    pub(crate) fn redact_counting<'a>(&'a self, text: &str, counts: &mut BTreeMap<&'a str, usize>) -> Option<String> {
        const MAX_PASSES: usize = 4;
        let mut current: Option<String> = None;
        for _ in 0..MAX_PASSES {
            let t = current.as_deref().unwrap_or(text);
            let kept = self.hits(t);
            if kept.iter().all(|h| h.rank == rank::PROTECTED) {
                break;
            }
            for h in &kept {
                if h.rank != rank::PROTECTED {
                    *counts.entry(h.rule).or_default() += 1;
                }
            }
            let mut out = String::with_capacity(t.len() + 16);
            span::apply(t, &kept, &mut out);
            current = Some(out);
        }
        current
    }

    /// The substitutions that win, sorted by start.
    fn hits<'a>(&'a self, text: &str) -> Vec<Hit<'a>> {
        let mut hits: Vec<Hit<'a>> = Vec::new();
        if text.is_empty() {
            return hits;
        }
        let mut prot = Vec::new();
        span::protected(text, &mut prot);
        let ranges: Vec<(usize, usize)> = prot.iter().map(|h| (h.start, h.end)).collect();
        secrets::tokens(text, &mut hits);
        secrets::high_entropy_pairs(text, &mut hits);
        scan::context_rules(text, &ranges, &mut hits);
        self.user_rules(text, &mut hits);
        pii::emails(text, &self.people, &mut hits);
        self.people.find(text, &mut hits);
        pii::cards(text, &mut hits);
        pii::ssns(text, &mut hits);
        pii::ibans(text, &mut hits);
        pii::phones(text, &mut hits);
        if self.ips {
            pii::ips(text, &mut hits);
        }
        if hits.is_empty() {
            return hits;
        }
        self.drop_allowed(text, &mut hits);
        hits.extend(prot);
        span::resolve(text, hits)
    }

    fn user_rules<'a>(&'a self, text: &str, out: &mut Vec<Hit<'a>>) {
        if let Some(ac) = &self.terms_ac {
            for m in ac.find_iter(text) {
                let (s, e) = (m.start(), m.end());
                let term = &text[s..e];
                let starts_word = term.chars().next().is_some_and(is_word_char);
                let ends_word = term.chars().next_back().is_some_and(is_word_char);
                if starts_word && char_before(text, s).is_some_and(is_word_char) {
                    continue;
                }
                if ends_word && char_at(text, e).is_some_and(is_word_char) {
                    continue;
                }
                out.push(Hit::new(s, e, rank::USER, "term", "term"));
            }
        }
        for re in &self.patterns {
            for m in re.find_iter(text) {
                out.push(Hit::new(m.start(), m.end(), rank::USER, "pattern", "pattern"));
            }
        }
    }

    /// Removes candidates that `[redact] allow` covers.
    fn drop_allowed(&self, text: &str, hits: &mut Vec<Hit<'_>>) {
        let Some(ac) = &self.allow_ac else { return };
        let zones: Vec<(usize, usize)> = ac.find_iter(text).map(|m| (m.start(), m.end())).collect();
        hits.retain(|h| {
            let value = &text[h.start..h.end];
            let inside = zones.iter().any(|&(s, e)| s <= h.start && h.end <= e);
            !inside && !self.allow.iter().any(|a| a.expose().eq_ignore_ascii_case(value))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml: &str) -> IncidentConfig {
        IncidentConfig::parse("incident.toml", toml).unwrap()
    }

    #[test]
    fn bad_pattern_names_it() {
        let e = Redactor::new(&config("[redact]\npatterns = ['ACME-(\\d{6}']\n"), &[]).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("ACME-(\\\\d{6}") || msg.contains("ACME-("), "{msg}");
        assert!(msg.contains("patterns"), "{msg}");
    }

    #[test]
    fn terms_patterns_allow_and_ips() {
        let c = config(
            "[redact]\nterms = ['Project Nightingale']\npatterns = ['ACME-\\d{6}']\nallow = ['10.0.0.1']\n",
        );
        let r = Redactor::new(&c, &[]).unwrap();
        let out = r.redact("project nightingale ticket ACME-123456 from 10.0.0.1 and 10.0.0.2");
        assert_eq!(out.text, "‹term› ticket ‹pattern› from 10.0.0.1 and ‹ip›");
        assert_eq!(out.hits, vec![("ip".to_string(), 1), ("pattern".to_string(), 1), ("term".to_string(), 1)]);
        let off = Redactor::new(&config("[redact]\nips = false\n"), &[]).unwrap();
        assert_eq!(off.redact("from 10.0.0.2").text, "from 10.0.0.2");
    }

    #[test]
    fn evidence_survives() {
        let r = Redactor::new(&IncidentConfig::default(), &[]).unwrap();
        for line in [
            "2024-10-08T14:43:05.118Z ERROR POST /api/v1/checkout 500 in 3002ms pool=16/16 (100%)",
            "checkout-api-7d9f8b6c5-x2x4z restarted; commit 9a038989604e8da62ecddbe2094b16ce1b778be1 v2.31.0",
            "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 request_id=5eb4223e-5008-46e5-be67-c7b8f2732305",
            "deployed hook v20190122-e707848 to prow.k8s.io; p99 4.2s; 12/12 pods; took 00:04:31",
            "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",
        ] {
            assert_eq!(r.redact(line).text, line);
        }
    }

    #[test]
    fn lines_never_move() {
        let r = Redactor::new(&IncidentConfig::default(), &[]).unwrap();
        let t = "a\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQyNTUxOQAAACBkZXbvZGVy\n-----END OPENSSH PRIVATE KEY-----\nmail bob@example.org\n";
        let out = r.redact(t);
        assert_eq!(out.text.lines().count(), t.lines().count());
        assert!(out.text.contains("\n‹secret:private-key›\n‹secret:private-key›\n"));
        assert!(out.text.contains("mail ‹email›"));
        assert_eq!(r.redact(&out.text).text, out.text);
    }

    #[test]
    fn findings_hold_secrets() {
        let r = Redactor::new(&IncidentConfig::default(), &[]).unwrap();
        let f = r.find("export AWS_ACCESS_KEY_ID=AKIA5QXTZ3FAKEK7V2NB");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, "secret:aws-access-key");
        assert_eq!(f[0].value.expose(), "AKIA5QXTZ3FAKEK7V2NB");
        assert!(!format!("{f:?}").contains("AKIA"));
    }
}
