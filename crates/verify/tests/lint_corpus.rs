//! `debrief lint` on a corpus of realistic postmortems written for the project.

use debrief_verify::lint::{LintOptions, lint};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/lint/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn rules(name: &str, names: &[&str]) -> Vec<(u32, &'static str)> {
    let options = LintOptions { names: names.iter().map(ToString::to_string).collect() };
    lint(&fixture(name), &options).into_iter().map(|f| (f.line, f.rule)).collect()
}

#[test]
fn blame_heavy_postmortem_is_flagged_line_by_line() {
    let found = rules("blame-heavy.md", &["Jordan Pike", "Jordan"]);
    for expected in [
        (5, "named-person"),
        (5, "blame"),
        (6, "blame"),
        (12, "named-person"),
        (12, "timeline-evidence"),
        (13, "timeline-evidence"),
        (14, "timeline-evidence"),
        (18, "blame"),
        (22, "action-owner"),
        (22, "vague-action"),
        (23, "vague-action"),
        (24, "named-person"),
    ] {
        assert!(found.contains(&expected), "missing {expected:?} in {found:?}");
    }
    assert!(found.contains(&(0, "missing-section")), "{found:?}");
}

#[test]
fn vague_and_unowned_actions_and_an_uncited_row() {
    let found = rules("vague-actions.md", &[]);
    assert!(found.contains(&(37, "vague-action")) && found.contains(&(37, "action-owner")), "{found:?}");
    assert!(found.contains(&(38, "vague-action")), "{found:?}");
    assert!(!found.iter().any(|&(l, _)| l == 39), "the owned, specific item passes: {found:?}");
    assert!(found.contains(&(21, "timeline-evidence")), "{found:?}");
    assert_eq!(found.iter().filter(|(_, r)| *r == "missing-section").count(), 2, "decision points, open questions");
}

#[test]
fn a_good_postmortem_is_clean_even_quoting_blame() {
    assert_eq!(rules("good.md", &["Jordan Pike"]), []);
}
