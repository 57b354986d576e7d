//! Source paths as a review shows them: a file named after a person (`notes/priya-raman.md`)
//! would name them beside every citation of it, so the names in a path are replaced the way
//! the text's are, by a slug of the same role (`notes/responder-b.md`).

use std::collections::HashSet;

use crate::Redactor;

/// The rules whose matches a label replaces: people (names, handles, their email
/// addresses), other email addresses, and `[redact] terms` and `patterns`. Numbers, hosts
/// and ids in a file name are evidence (`deploy-11237402214.log`) and stay.
const PATH_RULES: &[&str] = &["person", "email", "term", "pattern"];

impl Redactor {
    /// `path` with every name in it replaced by a slug of what the text shows instead:
    /// `notes/priya-raman.md` → `notes/responder-b.md`, `notes/Priya_Raman.md` →
    /// `notes/responder-b.md`, `people/dana/log.md` → `people/primary-on-call/log.md`.
    /// Everything else is left as it is. Two paths may get the same label: see
    /// [`Redactor::path_labels`].
    pub fn path_label(&self, path: &str) -> String {
        // `_` joins words in file names (`2024-10-08_priya_raman.md`) but not in text, where
        // it is part of a word: look at the path also with it read as a space. The two have
        // the same byte offsets.
        let spaced = path.contains('_').then(|| path.replace('_', " "));
        let mut hits: Vec<(usize, usize, String)> = [Some(path), spaced.as_deref()]
            .into_iter()
            .flatten()
            .flat_map(|text| self.find(text))
            .filter(|f| PATH_RULES.contains(&f.rule.as_str()))
            .map(|f| (f.start, f.end, f.label))
            .collect();
        if hits.is_empty() {
            return path.to_string();
        }
        // The earliest, then the longest, wins where two overlap.
        hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut out = String::with_capacity(path.len());
        let mut at = 0;
        for (start, end, label) in hits {
            if start < at || !path.is_char_boundary(start) || !path.is_char_boundary(end) {
                continue;
            }
            out.push_str(&path[at..start]);
            out.push_str(&slug(&label));
            at = end;
        }
        out.push_str(&path[at..]);
        out
    }

    /// The labels of `paths` (the bundle's files, each once), in order and all distinct: a
    /// label that another path's label or another path itself already is gets `-2`, `-3`…
    /// before its extension, so a label still names one file.
    pub fn path_labels<'p>(&self, paths: impl IntoIterator<Item = &'p str>) -> Vec<String> {
        let paths: Vec<&str> = paths.into_iter().collect();
        let mut labels: Vec<String> = paths.iter().map(|p| self.path_label(p)).collect();
        let mut taken: HashSet<String> =
            paths.iter().zip(&labels).filter(|(p, l)| **p == l.as_str()).map(|(p, _)| (*p).to_string()).collect();
        for (path, label) in paths.iter().zip(&mut labels) {
            if *path == label.as_str() {
                continue;
            }
            let mut n = 1;
            let mut candidate = label.clone();
            while taken.contains(&candidate) {
                n += 1;
                candidate = numbered(label, n);
            }
            taken.insert(candidate.clone());
            *label = candidate;
        }
        labels
    }
}

/// `Responder B` → `responder-b`, `secret:aws-key` → `secret-aws-key`: lowercase letters and
/// digits, other characters as single hyphens.
fn slug(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in label.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() { "redacted".to_string() } else { out.to_string() }
}

/// `notes/responder-b.md`, 2 → `notes/responder-b-2.md` (before the first dot of the file
/// name that does not start it: `x.log.gz` → `x-2.log.gz`).
fn numbered(path: &str, n: usize) -> String {
    let name_at = path.rfind('/').map_or(0, |i| i + 1);
    let name = &path[name_at..];
    let dot = name.char_indices().skip(1).find(|&(_, c)| c == '.').map_or(name.len(), |(i, _)| i);
    format!("{}{}-{n}{}", &path[..name_at], &name[..dot], &name[dot..])
}

#[cfg(test)]
mod tests {
    use debrief_ingest::{IncidentConfig, Person};

    use super::*;

    fn redactor() -> Redactor {
        let mut config = IncidentConfig::default();
        config.people.insert("Dana Whitfield".into(), "primary on-call".into());
        config.redact.terms.push("Harbourline".into());
        let people = vec![
            Person { name: "Dana Whitfield".into(), aliases: vec!["dana".into()], ..Person::default() },
            Person { name: "Marcus Oyelaran".into(), ..Person::default() },
            Person { name: "Priya Raman".into(), aliases: vec!["priya".into()], ..Person::default() },
        ];
        Redactor::new(&config, &people).unwrap()
    }

    #[test]
    fn names_in_a_path_become_the_role_they_have_in_the_text() {
        let r = redactor();
        assert_eq!(r.redact("Priya Raman acked").text, "‹Responder B› acked");
        for (path, want) in [
            ("notes/priya-raman.md", "notes/responder-b.md"),
            ("notes/Priya Raman.md", "notes/responder-b.md"),
            ("notes/priya_raman.md", "notes/responder-b.md"),
            ("notes/PRIYA.RAMAN.txt", "notes/responder-b.txt"),
            ("notes/priyaraman.md", "notes/responder-b.md"),
            ("notes/2024-10-08_priya_notes.md", "notes/2024-10-08_responder-b_notes.md"),
            ("people/dana/timeline.md", "people/primary-on-call/timeline.md"),
            ("notes/raman-and-oyelaran.md", "notes/responder-b-and-responder-a.md"),
            ("mail/dana.whitfield@larkspur.example/1.eml", "mail/primary-on-call/1.eml"),
            ("support/2021-01-04_harbourline_down.eml", "support/2021-01-04_term_down.eml"),
        ] {
            assert_eq!(r.path_label(path), want, "{path}");
        }
    }

    #[test]
    fn evidence_in_a_path_stays() {
        let r = redactor();
        for path in [
            "github/actions/deploy-11237402214.log",
            "github/webhooks/06-deployment_status-success-20241008T152140Z.json",
            "logs/hook-2019-01-22-1450-1550PST.jsonl",
            "edge/10.0.4.17.syslog",
            "notes/oncall-notes.md",
            "slack/users.json",
            "notes/danaher.md",
        ] {
            assert_eq!(r.path_label(path), path);
        }
    }

    #[test]
    fn labels_are_distinct() {
        let r = redactor();
        let labels = r.path_labels([
            "notes/priya.md", "notes/priya-raman.md", "notes/responder-b.md", "logs/priya.log.gz", "logs/app.log",
        ]);
        assert_eq!(
            labels,
            [
                "notes/responder-b-2.md", "notes/responder-b-3.md", "notes/responder-b.md", "logs/responder-b.log.gz",
                "logs/app.log"
            ]
        );
    }

    #[test]
    fn slugs_and_numbers() {
        assert_eq!(slug("Responder B"), "responder-b");
        assert_eq!(slug("Primary on-call"), "primary-on-call");
        assert_eq!(slug("secret:aws-access-key"), "secret-aws-access-key");
        assert_eq!(slug("‹›"), "redacted");
        assert_eq!(numbered("a/.env", 2), "a/.env-2");
        assert_eq!(numbered("x.log.gz", 3), "x-3.log.gz");
    }
}
