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
//! - **secrets** (`secrets.rs`): ~75 vendor-prefixed token formats (AWS, GCP, Azure,
//!   GitHub, GitLab, Slack, Stripe, Twilio, SendGrid, npm, PyPI, OpenAI, Anthropic,
//!   Hugging Face, Vault, Grafana…), Slack/Teams/Discord webhook URLs, PEM private key
//!   blocks, JWTs, `Authorization:` headers, passwords in URLs and `curl -u`, credential
//!   assignments (`password=`, `"api_key": …`, `<secret>…</secret>`, `--token …`),
//!   high-entropy values assigned to keys that do not name evidence, and random-looking
//!   values right after a credential word in prose;
//! - **personal data** (`pii.rs`): email addresses, phone numbers, payment cards (Luhn),
//!   IBANs (mod 97), US SSNs, IPv4/IPv6 addresses (on unless `[redact] ips = false`);
//! - **people** (`people.rs`): names, first and last names, handles, email local parts,
//!   ids and Slack mentions of everyone the sources reveal, as one stable role per
//!   person; bots and team addresses keep their names;
//! - `[redact] terms` and `patterns`; `[redact] allow` is never redacted.
//!
//! Source paths get a label for reviews and models (`path.rs`): the names, email
//! addresses and terms in a path replaced by a slug of the same role
//! (`notes/priya-raman.md` → `notes/responder-b.md`); the path itself still names the file.
//!
//! Evidence is left alone: timestamps, durations, status codes, versions, host and pod
//! names, commit hashes, UUIDs and trace ids. Most text costs one Aho–Corasick pass over
//! keywords and token prefixes (`scan.rs`), one `memchr` pass over `=`/`:` and one byte
//! pass over numbers; a rule's regex only runs where its keyword or prefix occurs.
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

#[cfg(test)]
mod bench;
mod path;
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
use rayon::prelude::*;
use regex::Regex;

pub use report::{RedactionReport, UNLISTED_PERSON, redact_ingested};
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
            .finish_non_exhaustive()
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
        warm_up();
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
    ///
    /// A large text (a whole log file) is cut at line breaks into chunks of about a
    /// megabyte, never inside a PEM block, and the chunks are redacted in parallel.
    pub fn redact(&self, text: &str) -> Redacted {
        let mut counts = BTreeMap::new();
        let out = if text.len() <= CHUNK {
            self.redact_counting(text, &mut counts)
        } else {
            let chunks = chunks(text, CHUNK);
            let parts: Vec<(Option<String>, BTreeMap<&str, usize>)> = chunks
                .par_iter()
                .map(|&(s, e)| {
                    let mut c = BTreeMap::new();
                    (self.redact_counting(&text[s..e], &mut c), c)
                })
                .collect();
            let changed = parts.iter().any(|(o, _)| o.is_some());
            let mut joined = String::with_capacity(if changed { text.len() + 64 } else { 0 });
            for (&(s, e), (part, c)) in chunks.iter().zip(parts) {
                if changed {
                    joined.push_str(part.as_deref().unwrap_or(&text[s..e]));
                }
                for (k, v) in c {
                    *counts.entry(k).or_default() += v;
                }
            }
            changed.then_some(joined)
        };
        Redacted {
            text: out.unwrap_or_else(|| text.to_string()),
            hits: counts.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        }
    }

    /// What [`Redactor::redact`] would replace, with the values held as [`Secret`]s.
    pub fn find(&self, text: &str) -> Vec<Finding> {
        self.hits(text)
            .0
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
    /// A substitution can change what its neighbours look like to a context rule (a
    /// value that ended a sentence is gone, a token glued to another is split off), so
    /// where a secret was replaced or a context keyword is present, the lines around are
    /// redacted again until nothing changes: redaction is idempotent by construction.
    pub(crate) fn redact_counting<'a>(&'a self, text: &str, counts: &mut BTreeMap<&'a str, usize>) -> Option<String> {
        const MAX_PASSES: usize = 4;
        let mut current: Option<String> = None;
        // Byte ranges of whole lines to look at; the first pass looks at everything.
        let mut windows = vec![(0, text.len())];
        for _ in 0..MAX_PASSES {
            let t = current.as_deref().unwrap_or(text);
            let mut out = String::new();
            let mut at = 0;
            // Lines (first, last) to look at again, by line number.
            let mut dirty: Vec<(usize, usize)> = Vec::new();
            let mut lines = LineCounter::default();
            for &(ws, we) in &windows {
                let window = &t[ws..we];
                let (kept, context) = self.hits(window);
                if kept.iter().all(|h| h.rank == rank::PROTECTED) {
                    continue;
                }
                let again = context || kept.iter().any(|h| h.rank != rank::PROTECTED && h.rank < rank::EMAIL);
                for h in kept.iter().filter(|h| h.rank != rank::PROTECTED) {
                    *counts.entry(h.rule).or_default() += 1;
                    if again {
                        let first = lines.line_of(t, ws + h.start);
                        let last = lines.line_of(t, ws + h.end);
                        dirty.push((first.saturating_sub(1), last + 1));
                    }
                }
                if out.capacity() == 0 {
                    out.reserve(t.len() + 16);
                }
                out.push_str(&t[at..ws]);
                span::apply(window, &kept, &mut out);
                at = we;
            }
            if out.capacity() == 0 {
                break;
            }
            out.push_str(&t[at..]);
            windows = line_windows(&out, &dirty);
            current = Some(out);
            if windows.is_empty() {
                break;
            }
        }
        current
    }

    /// The substitutions that win, sorted by start, and whether a context keyword was
    /// seen.
    fn hits<'a>(&'a self, text: &str) -> (Vec<Hit<'a>>, bool) {
        let mut hits: Vec<Hit<'a>> = Vec::new();
        if text.is_empty() {
            return (hits, false);
        }
        let mut prot = Vec::new();
        span::protected(text, &mut prot);
        let ranges: Vec<(usize, usize)> = prot.iter().map(|h| (h.start, h.end)).collect();
        let context = scan::scan(text, &ranges, true, &mut hits);
        secrets::assignments(text, &mut hits);
        self.user_rules(text, &mut hits);
        pii::emails(text, &self.people, &mut hits);
        self.people.find(text, &mut hits);
        let numeric = if self.ips { pii::kind::ALL } else { pii::kind::ALL & !pii::kind::IPV4 };
        pii::numbers(text, numeric, &mut hits);
        if self.ips {
            pii::ipv6s(text, &mut hits);
        }
        if hits.is_empty() {
            return (hits, context);
        }
        self.drop_allowed(text, &mut hits);
        hits.extend(prot);
        (span::resolve(text, hits), context)
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

/// Builds the built-in rule sets (secret tokens, personal-data shapes, context keywords)
/// now; otherwise the first redaction builds them. Call it on another thread while the
/// bundle is read.
pub fn warm_up() {
    secrets::warm();
    pii::warm();
    scan::warm();
}

/// Texts larger than this are redacted in parallel chunks.
const CHUNK: usize = 1 << 20;

/// Line-aligned byte ranges of about `size` bytes covering `text`; a cut never falls
/// inside a PEM block (between a `-----BEGIN` and its `-----END`).
fn chunks(text: &str, size: usize) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    while start < b.len() {
        let mut end = (start + size).min(b.len());
        if end < b.len() {
            end = memchr::memchr(b'\n', &b[end..]).map_or(b.len(), |i| end + i + 1);
        }
        let piece = &b[start..end];
        if let Some(begin) = memchr::memmem::rfind(piece, b"-----BEGIN")
            && memchr::memmem::find(&piece[begin..], b"-----END").is_none()
        {
            end = memchr::memmem::find(&b[end..], b"-----END").map_or(b.len(), |i| {
                let after = end + i;
                memchr::memchr(b'\n', &b[after..]).map_or(b.len(), |j| after + j + 1)
            });
        }
        out.push((start, end));
        start = end;
    }
    out
}

/// Line numbers (0-based) of increasing byte offsets, counted incrementally.
#[derive(Default)]
struct LineCounter {
    at: usize,
    line: usize,
}

impl LineCounter {
    fn line_of(&mut self, text: &str, pos: usize) -> usize {
        if pos < self.at {
            self.at = 0;
            self.line = 0;
        }
        self.line += memchr::memchr_iter(b'\n', &text.as_bytes()[self.at..pos]).count();
        self.at = pos;
        self.line
    }
}

/// Byte ranges of the lines `ranges` (first, last line numbers, merged when they touch)
/// of `text`.
fn line_windows(text: &str, ranges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    if ranges.is_empty() {
        return Vec::new();
    }
    let mut r = ranges.to_vec();
    r.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in r {
        match merged.last_mut() {
            Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let starts: Vec<usize> =
        std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1)).collect();
    let end_of = |line: usize| starts.get(line + 1).map_or(text.len(), |&s| s - 1);
    merged
        .into_iter()
        .filter(|&(a, _)| a < starts.len())
        .map(|(a, b)| (starts[a], end_of(b.min(starts.len() - 1))))
        .collect()
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
        let c = config("[redact]\nterms = ['Project Nightingale']\npatterns = ['ACME-\\d{6}']\nallow = ['10.0.0.1']\n");
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
            "commit 9a038989604e8da62ecddbe2094b16ce1b778be1 (HEAD -> main, origin/main)",
            "Merge: 1a2b3c4 5d6e7f8; revert 5d2e8b1f0a9c47e3b6d1f28a4c7e09b3d5f61a2e",
            "image: ghcr.io/larkspur/checkout-api@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "span_id=00f067aa0ba902b7 traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "HTTP/1.1 503 Service Unavailable; error rate 12.5% over 5m; p95=2.31s; retries=3",
            "hikari pool stats (total=16, active=16, idle=0, waiting=41) timeout after 3000ms",
            "kubectl rollout undo deployment/checkout-api --to-revision=41 -n prod",
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
    fn chunks_cut_at_lines_but_not_inside_key_blocks() {
        let text = "aaaa\nbbbb\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\nMIIE\n-----END RSA PRIVATE KEY-----\ncccc\n";
        let c = chunks(text, 6);
        assert_eq!(c.first().map(|x| x.0), Some(0));
        assert_eq!(c.last().map(|x| x.1), Some(text.len()));
        for w in c.windows(2) {
            assert_eq!(w[0].1, w[1].0);
        }
        for &(s, e) in &c {
            let piece = &text[s..e];
            assert!(piece.ends_with('\n'));
            assert_eq!(piece.contains("-----BEGIN"), piece.contains("-----END"), "{piece:?}");
        }
        // A big text redacts the same in chunks as line by line.
        let r = Redactor::new(&IncidentConfig::default(), &[]).unwrap();
        let line = "2024-10-08T14:43:05Z rhost=10.1.2.3 user bob@example.org key AKIA5QXTZ3FAKEK7V2NB ok\n";
        let big = line.repeat((CHUNK / line.len()) * 3);
        let out = r.redact(&big);
        let one = r.redact(line).text;
        assert_eq!(out.text, one.repeat((CHUNK / line.len()) * 3));
        assert_eq!(out.hits.iter().map(|h| h.1).sum::<usize>(), 3 * (CHUNK / line.len()) * 3);
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
