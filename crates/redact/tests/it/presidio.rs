//! PII recall on presidio-research's synthetic dataset: for each entity of the types
//! debrief handles, whether every letter and digit of it was covered by a substitution.

use std::collections::BTreeMap;
use std::fs;

use debrief_ingest::IncidentConfig;
use debrief_redact::Redactor;

use crate::shared;

const HANDLED: &[&str] = &["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS"];

#[test]
fn pii_recall_on_presidio_synthetic_data() {
    let Some(path) = shared("eval-data/presidio-research/data/synth_dataset_v2.json") else { return };
    let data: serde_json::Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let redactor = Redactor::new(&IncidentConfig::default(), &[]).unwrap();
    let mut tally: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for rec in data.as_array().unwrap() {
        let text = rec["full_text"].as_str().unwrap();
        let found = redactor.find(text);
        // Python character offsets → byte offsets.
        let bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        for s in rec["spans"].as_array().unwrap() {
            let kind = s["entity_type"].as_str().unwrap().to_string();
            let start = s["start_position"].as_u64().unwrap() as usize;
            let end = s["end_position"].as_u64().unwrap() as usize;
            let (Some(&bs), Some(&be)) = (bytes.get(start), bytes.get(end)) else { continue };
            let covered = text[bs..be]
                .char_indices()
                .filter(|(_, c)| c.is_alphanumeric())
                .all(|(i, _)| found.iter().any(|f| f.start <= bs + i && bs + i < f.end));
            let e = tally.entry(kind.clone()).or_default();
            e.1 += 1;
            e.0 += usize::from(covered);
            if !covered && HANDLED.contains(&kind.as_str()) {
                misses.entry(kind).or_default().push(text[bs..be].to_string());
            }
        }
    }
    for (kind, (hit, all)) in &tally {
        let mark = if HANDLED.contains(&kind.as_str()) { "" } else { "  (not a debrief rule)" };
        println!("presidio {kind:<18} {hit:>4}/{all:<4} = {:>5.1}%{mark}", 100.0 * *hit as f64 / *all as f64);
    }
    for (kind, m) in &misses {
        println!("  missed {kind}: {m:?}");
    }
    for kind in HANDLED {
        let (hit, all) = tally[*kind];
        assert!(hit * 100 >= all * 95, "{kind}: recall {hit}/{all} < 95%");
    }
}
