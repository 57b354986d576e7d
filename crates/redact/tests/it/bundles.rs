//! The eval bundles' planted secrets and people's names (gold.json `secrets`, `names`)
//! must not survive redaction.

use std::fs;

use debrief_ingest::{ingest, load};
use debrief_redact::{Redactor, redact_ingested};

use crate::{has_word, shared};

struct Gold {
    secrets: Vec<String>,
    names: Vec<String>,
}

fn gold(path: &std::path::Path) -> Gold {
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let list =
        |k: &str| -> Vec<String> { v[k].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect() };
    Gold { secrets: list("secrets"), names: list("names") }
}

fn incidents() -> Vec<std::path::PathBuf> {
    let Some(dir) = shared("eval/incidents") else { return vec![] };
    let mut v: Vec<_> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.join("gold.json").exists()).collect();
    v.sort();
    v
}

#[test]
fn no_planted_secret_or_name_survives_in_records() {
    for inc in incidents() {
        let g = gold(&inc.join("gold.json"));
        let bundle = load(&inc.join("bundle")).unwrap();
        let mut ing = ingest(&bundle);
        let r = Redactor::for_ingested(&bundle.config, &ing).unwrap();
        let report = redact_ingested(&mut ing, &r);
        let mut fields = 0;
        for rec in &ing.records {
            let mut texts: Vec<&str> = vec![&rec.text];
            texts.extend(rec.summary.as_deref());
            texts.extend(rec.attrs.iter().map(|a| a.value.as_str()));
            if let Some(a) = &rec.actor {
                texts.push(&a.name);
                texts.extend(a.id.as_deref());
            }
            for t in texts {
                fields += 1;
                let lower = t.to_lowercase();
                for s in &g.secrets {
                    assert!(
                        !lower.contains(&s.to_lowercase()),
                        "{}: a planted secret survives in {:?}",
                        inc.display(),
                        rec.span
                    );
                }
                for n in &g.names {
                    assert!(!has_word(t, n), "{}: name {n:?} survives in {t:?}", inc.display());
                }
            }
        }
        for p in &ing.people {
            for n in &g.names {
                assert!(p.bot || !has_word(&p.name, n), "{n:?} survives in people");
            }
        }
        println!(
            "{}: {} records, {} fields checked, {} people revealed, {} substitutions {:?}",
            inc.file_name().unwrap().to_string_lossy(),
            ing.records.len(),
            fields,
            r.pseudonyms().len(),
            report.total(),
            report.counts
        );
    }
}

/// `debrief redact BUNDLE --out DIR` redacts whole files: no planted secret may survive
/// in any file, whatever the adapters made of it; names of the people the sources
/// revealed must not survive either.
#[test]
fn no_planted_secret_survives_in_whole_files() {
    for inc in incidents() {
        let g = gold(&inc.join("gold.json"));
        let bundle = load(&inc.join("bundle")).unwrap();
        let ing = ingest(&bundle);
        let r = Redactor::for_ingested(&bundle.config, &ing).unwrap();
        // The names the redactor knows (a revealed person's name, alias or handle).
        let known: Vec<&String> = g.names.iter().filter(|n| !r.redact(n).text.contains(n.as_str())).collect();
        let mut changed_lines = 0;
        let mut lines = 0;
        for f in &bundle.files {
            let out = r.redact(&f.text);
            assert_eq!(out.text.matches('\n').count(), f.text.matches('\n').count(), "{}", f.path);
            assert_eq!(r.redact(&out.text).text, out.text, "{}: not idempotent", f.path);
            let lower = out.text.to_lowercase();
            for s in &g.secrets {
                assert!(!lower.contains(&s.to_lowercase()), "{}/{}: a planted secret survives", inc.display(), f.path);
                let escaped = s.replace('/', "\\/").to_lowercase();
                assert!(
                    !lower.contains(&escaped),
                    "{}/{}: a planted secret survives (JSON-escaped)",
                    inc.display(),
                    f.path
                );
            }
            for n in &known {
                assert!(!has_word(&out.text, n), "{}/{}: name {n:?} survives", inc.display(), f.path);
            }
            for (a, b) in f.text.lines().zip(out.text.lines()) {
                lines += 1;
                changed_lines += usize::from(a != b);
            }
        }
        println!(
            "{}: whole files: {changed_lines}/{lines} lines changed; {} of {} gold names are known to the redactor",
            inc.file_name().unwrap().to_string_lossy(),
            known.len(),
            g.names.len()
        );
    }
}

/// Prints a sample of redacted records (run with `--nocapture` to look at them).
#[test]
fn sample_of_redacted_records() {
    for inc in incidents() {
        let bundle = load(&inc.join("bundle")).unwrap();
        let mut ing = ingest(&bundle);
        let r = Redactor::for_ingested(&bundle.config, &ing).unwrap();
        let roles: Vec<String> = r.pseudonyms().into_iter().map(|(_, role)| role).collect();
        println!("{}: roles {roles:?}", inc.file_name().unwrap().to_string_lossy());
        if std::env::var_os("DEBRIEF_SHOW_PSEUDONYMS").is_some() {
            for (real, role) in r.pseudonyms() {
                println!("    {role:<20} {real}");
            }
            for p in &ing.people {
                println!(
                    "    person {:?} aliases {:?} emails {:?} ids {:?} title {:?} bot {}",
                    p.name, p.aliases, p.emails, p.ids, p.title, p.bot
                );
            }
        }
        redact_ingested(&mut ing, &r);
        let mut shown = 0;
        for rec in &ing.records {
            if rec.text.contains('‹') && shown < 6 {
                let actor = rec.actor.as_ref().map_or("-", |a| a.name.as_str());
                println!("  [{actor}] {}", rec.text.lines().next().unwrap_or("").chars().take(150).collect::<String>());
                shown += 1;
            }
        }
        // Every substitution is well formed and roles come from the role list.
        for rec in &ing.records {
            let mut rest = rec.text.as_str();
            while let Some(i) = rest.find('‹') {
                let close = rest[i..].find('›').expect("a substitution is closed");
                let label = &rest[i + '‹'.len_utf8()..i + close];
                assert!(
                    label.starts_with("secret:")
                        || ["email", "phone", "card", "iban", "ssn", "ip", "term", "pattern", "person"]
                            .contains(&label)
                        || roles.iter().any(|r| r == label),
                    "unexpected label {label:?}"
                );
                rest = &rest[i + close..];
            }
        }
    }
}
