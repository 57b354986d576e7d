//! Every bundle we have — the examples and the eval incidents — drafts into a review whose
//! JSON follows the schema and whose every citation checks out with the project's verifier.

use std::path::Path;

use serde_json::Value;

use crate::{debrief, root, shared, stderr};

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schema/debrief.review.v1.schema.json")).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

/// Drafts `bundle` as JSON and Markdown; checks schema, citations, and that nothing was
/// dropped by the self-check. Returns the review.
fn check_bundle(bundle: &Path) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("review.json");
    let out = debrief(&["draft", bundle.to_str().unwrap(), "--format", "json", "-o", json_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}: {}", bundle.display(), stderr(&out));
    let review: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();

    let validator = schema();
    let errors: Vec<String> =
        validator.iter_errors(&review).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{}: schema violations: {errors:#?}", bundle.display());

    let files: std::collections::HashMap<String, String> = walk(bundle);
    let report = debrief_verify::verify(&review, |p| files.get(p).map(String::as_str));
    assert!(report.checked > 0, "{}: no citations at all", bundle.display());
    assert!(
        report.ok(),
        "{}: failing citations: {:#?}",
        bundle.display(),
        &report.failures[..report.failures.len().min(10)]
    );
    assert_eq!(
        review["verification"]["dropped"],
        Value::Array(vec![]),
        "{}: the self-check dropped statements",
        bundle.display()
    );

    let md = debrief(&["draft", bundle.to_str().unwrap()]);
    assert!(md.status.success());
    let md = String::from_utf8_lossy(&md.stdout);
    for section in [
        "## Summary", "## Customer impact", "## Detection and response", "## Timeline", "## Contributing factors",
        "## Decision points", "## What went well", "## What went poorly", "## Action items",
        "## Open questions and missing evidence", "## Appendix",
    ] {
        assert!(md.contains(section), "{}: markdown lacks {section}", bundle.display());
    }
    // debrief's own drafts lint clean.
    let md_path = dir.path().join("review.md");
    std::fs::write(&md_path, md.as_bytes()).unwrap();
    let mut lint_args = vec!["lint".to_string(), md_path.to_str().unwrap().to_string()];
    if bundle.join("incident.toml").is_file() {
        lint_args.extend(["--incident".to_string(), bundle.join("incident.toml").to_str().unwrap().to_string()]);
    }
    let lint = debrief(&lint_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(lint.status.success(), "{}: the draft does not lint clean:\n{}", bundle.display(), crate::stdout(&lint));
    let order: Vec<usize> =
        ["## Summary", "## Timeline", "## Action items", "## Appendix"].iter().map(|s| md.find(*s).unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "sections out of order");
    review
}

fn walk(root: &Path) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    out
}

#[test]
fn example_bundles_draft_with_valid_citations() {
    let mut n = 0;
    for e in std::fs::read_dir(root().join("examples")).unwrap().flatten() {
        if e.path().is_dir() {
            let review = check_bundle(&e.path());
            let rows = review["timeline"].as_array().unwrap().len();
            assert!(rows >= 10, "{}: only {rows} timeline rows", e.path().display());
            for m in ["detected", "acknowledged", "resolved"] {
                assert!(review["metrics"][m]["time"].is_string(), "{}: {m} unknown", e.path().display());
            }
            n += 1;
        }
    }
    assert!(n >= 1, "no example bundle found");
}

#[test]
fn eval_bundles_draft_with_valid_citations() {
    let Some(shared) = shared() else { return };
    for e in std::fs::read_dir(shared.join("eval/incidents")).unwrap().flatten() {
        let bundle = e.path().join("bundle");
        if !bundle.is_dir() {
            continue;
        }
        let review = check_bundle(&bundle);
        // Timeline recall against gold, as the scorer counts it: a gold event is matched by
        // a row within the tolerance that cites one of its evidence lines (±1).
        let gold: Value = serde_json::from_str(&std::fs::read_to_string(e.path().join("gold.json")).unwrap()).unwrap();
        let recall = recall(&review, &gold);
        assert!(recall >= 0.5, "{}: timeline recall {recall:.2}", e.path().display());
    }
}

fn recall(review: &Value, gold: &Value) -> f64 {
    let tol = gold["tolerance_s"].as_i64().unwrap_or(120);
    let events = gold["events"].as_array().unwrap();
    let rows = review["timeline"].as_array().unwrap();
    let secs = |v: &Value| v.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()).map(jiff::Timestamp::as_second);
    let hit = events
        .iter()
        .filter(|ev| {
            rows.iter().any(|row| {
                if let (Some(g), Some(r)) = (secs(&ev["time"]), secs(&row["time"]))
                    && (g - r).abs() > tol
                {
                    return false;
                }
                row["citations"].as_array().unwrap().iter().any(|c| {
                    ev["evidence"].as_array().unwrap().iter().any(|e| {
                        let (l, end) = (c["line"].as_i64().unwrap(), c["end_line"].as_i64().unwrap());
                        let el = e["line"].as_i64().unwrap();
                        c["source"] == e["source"] && l - 1 <= el && el <= end + 1
                    })
                })
            })
        })
        .count();
    hit as f64 / events.len() as f64
}
