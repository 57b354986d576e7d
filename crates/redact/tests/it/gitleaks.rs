//! Recall on gitleaks' labelled rule test strings
//! (`../shared/eval-data/gitleaks/rule_test_strings.jsonl`, see its SOURCE.md): each row
//! is a rule id, a label (`tp` should be detected, `fp` should not), a kind (`literal`
//! text from the rule's Go test, or `sample_secret_value`, a bare secret that gitleaks
//! wraps into generated `identifier… = "secret"` contexts) and the text.
//!
//! Some `tp` literals are fragments of Go string concatenations whose generated secret
//! was not captured (a lone `"`, `clientSecret := "s-s4t2ud-`, `export CO_API_KEY=`):
//! they hold no secret. They are counted apart, by a rule that looks only at how the
//! text ends (see [`fragment`]), not at what debrief detects.

use std::collections::BTreeMap;
use std::fs;

use debrief_ingest::IncidentConfig;
use debrief_redact::Redactor;

use crate::shared;

struct Row {
    rule: String,
    tp: bool,
    sample: bool,
    identifier: String,
    text: String,
}

fn rows() -> Vec<Row> {
    let Some(p) = shared("eval-data/gitleaks/rule_test_strings.jsonl") else { return vec![] };
    fs::read_to_string(p)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            Row {
                rule: v["rule_id"].as_str().unwrap().to_string(),
                tp: v["label"] == "tp",
                sample: v["kind"].as_str().unwrap().starts_with("sample_secret_value"),
                identifier: v["identifier"].as_str().unwrap_or("").to_string(),
                text: v["text"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

/// A piece of a Go string concatenation that ends where the generated secret was
/// spliced in: a lone quote; text ending in `=`, `:`, `/`, `-`, or in an opening quote
/// (one preceded by a blank, `=`, `:` or `(`); or text cut inside a quoted literal (an
/// odd number of `"` and no closing quote at the end).
fn fragment(text: &str) -> bool {
    let t = text.trim_end();
    if t.trim().len() <= 2 {
        return true;
    }
    if t.ends_with(['=', ':', '/', '-']) {
        return true;
    }
    if let Some(stripped) = t.strip_suffix(['"', '\'']) {
        let before = stripped.trim_end_matches('\\');
        return before.is_empty() || before.ends_with([' ', '=', ':', '(']);
    }
    t.matches('"').count() % 2 == 1
}

/// The family a rule belongs to, for the per-family report.
fn family(rule: &str) -> String {
    rule.split('-').next().unwrap_or(rule).to_string()
}

/// Contexts a bare sample secret is embedded in, as gitleaks does with generated
/// `identifier = "secret"` lines, plus the formats an incident bundle holds.
fn contexts(id: &str, v: &str) -> Vec<(&'static str, String)> {
    let up = id.to_uppercase();
    vec![
        ("assign", format!("{id}_api_token = \"{v}\"")),
        ("json", format!("{{\"{id}_token\": \"{v}\", \"region\": \"us-east-1\"}}")),
        ("yaml", format!("{id}:\n  api_key: {v}\n  timeout: 30s")),
        ("env", format!("export {up}_SECRET={v}")),
        ("url", format!("GET https://api.example.com/v1/items?access_token={v}&page=2")),
        ("chat", format!("<@U03DWHT1FD> here is the {id} token: {v} (rotate it after)")),
    ]
}

fn embeddings(text: &str) -> Vec<(&'static str, String)> {
    let json = serde_json::to_string(&serde_json::json!({ "text": text, "ts": "1728398581.000100" })).unwrap();
    let yaml = format!("note: |\n{}", text.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n"));
    let env = text.lines().enumerate().map(|(i, l)| format!("LINE_{i}={l}")).collect::<Vec<_>>().join("\n");
    let chat = format!("<@U03DWHT1FD> fyi, pasted from the runbook: {text}");
    vec![("raw", text.to_string()), ("json", json), ("yaml", yaml), ("env", env), ("chat", chat)]
}

#[derive(Default)]
struct Tally {
    hit: usize,
    all: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.all += 1;
        self.hit += usize::from(ok);
    }
    fn rate(&self) -> f64 {
        if self.all == 0 { 1.0 } else { self.hit as f64 / self.all as f64 }
    }
}

#[test]
fn recall_on_gitleaks_rule_test_strings() {
    let rows = rows();
    if rows.is_empty() {
        return;
    }
    let r = Redactor::new(&IncidentConfig::default(), &[]).unwrap();
    let mut literal = Tally::default();
    let mut per_context: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut bare = Tally::default();
    let mut per_family: BTreeMap<String, Tally> = BTreeMap::new();
    let mut fragments = 0;
    let mut fp_altered = 0;
    let mut fp_all = 0;
    let mut missed = Vec::new();
    for row in &rows {
        if !row.tp {
            fp_all += 1;
            fp_altered += usize::from(r.redact(&row.text).changed());
            continue;
        }
        if row.sample {
            let v = row.text.trim_end_matches(['\'', '"']);
            let b = !r.redact(v).text.contains(v);
            bare.add(b);
            for (ctx, t) in contexts(&row.identifier, v) {
                let ok = !r.redact(&t).text.contains(v);
                per_context.entry(ctx).or_default().add(ok);
                per_family.entry(family(&row.rule)).or_default().add(ok);
                if !ok {
                    missed.push(format!("{} [{ctx}] {}", row.rule, &t[..t.len().min(90)]));
                }
            }
            continue;
        }
        if fragment(&row.text) {
            fragments += 1;
            continue;
        }
        for (ctx, t) in embeddings(&row.text) {
            let ok = r.redact(&t).changed();
            if ctx == "raw" {
                literal.add(ok);
                per_family.entry(family(&row.rule)).or_default().add(ok);
                if !ok {
                    missed.push(format!("{} [raw] {}", row.rule, &row.text[..row.text.len().min(90)]));
                }
            } else {
                per_context.entry(ctx).or_default().add(ok);
                if !ok {
                    missed.push(format!("{} [{ctx}] {}", row.rule, &t[..t.len().min(90)]));
                }
            }
        }
    }
    let primary = Tally { hit: literal.hit + per_context["assign"].hit, all: literal.all + per_context["assign"].all };
    println!(
        "gitleaks should-detect: {} literal rows, {fragments} fragments without a secret set apart, {} sample values",
        literal.all, bare.all
    );
    println!("  recall, literal rows as written: {}/{} = {:.1}%", literal.hit, literal.all, 100.0 * literal.rate());
    println!(
        "  recall, sample values in `id_api_token = \"…\"`: {}/{}",
        per_context["assign"].hit, per_context["assign"].all
    );
    println!("  recall, primary (both): {}/{} = {:.1}%", primary.hit, primary.all, 100.0 * primary.rate());
    for (ctx, t) in &per_context {
        println!("  embedded in {ctx:<6}: {}/{} = {:.1}%", t.hit, t.all, 100.0 * t.rate());
    }
    println!("  bare sample values with no context: {}/{}", bare.hit, bare.all);
    for (fam, t) in &per_family {
        println!("  family {fam:<14} {}/{}", t.hit, t.all);
    }
    println!("gitleaks should-not-detect strings altered: {fp_altered}/{fp_all}");
    for m in &missed {
        println!("  missed: {m}");
    }
    assert!(primary.rate() >= 0.95, "recall {:.3} < 0.95", primary.rate());
    for (ctx, t) in &per_context {
        assert!(t.rate() >= 0.90, "recall in {ctx} context {:.3} < 0.90", t.rate());
    }
}
