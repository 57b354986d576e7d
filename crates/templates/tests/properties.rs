//! Properties of the miner on arbitrary input: `add` never panics, every line's template (as it
//! stands at the end) covers the line, and the counts add up.

use debrief_templates::{Config, Miner, matches, split_header};
use proptest::prelude::*;

/// Tokens like the ones logs are made of, and some that are not.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,8}",
        "[A-Z][a-z]{2,6}",
        "[0-9]{1,12}",
        "-?[0-9]{1,4}\\.[0-9]{1,3}(ms|s)?",
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(:[0-9]{2,5})?",
        "0x[0-9a-f]{2,12}",
        "[a-z]{2,6}=[a-z0-9.]{0,6},?",
        "(/[a-z0-9_-]{1,6}){1,4}",
        "[a-z]{2,5}[0-9]",
        "[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}",
        "[\\[(\"'][a-z0-9]{1,5}[\\])\"',:;.]",
        "(Mon|Jun|Dec|INFO|ERROR|W|-|<\\*>|\\*\\*\\*|=|==|<|>)",
        "[a-z]{1,4}\\.[a-z]{1,6}\\.(com|net)",
        "\\PC{1,6}",
    ]
}

fn line() -> impl Strategy<Value = String> {
    prop::collection::vec((token(), prop_oneof![Just(" "), Just("  "), Just("\t")]), 0..14).prop_map(|parts| {
        let mut s = String::new();
        for (t, sep) in parts {
            s.push_str(&t);
            s.push_str(sep);
        }
        s
    })
}

/// A small vocabulary so that lines repeat, share templates and grow variants.
fn log() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(line(), 1..60)
}

fn check(lines: &[String], config: &Config) -> Result<(), TestCaseError> {
    let mut miner = Miner::new(config.clone());
    let ids: Vec<_> = lines.iter().map(|l| miner.add(l)).collect();
    for (line, id) in lines.iter().zip(&ids) {
        let message = if config.strip_header { split_header(line).message } else { line.as_str() };
        let template = miner.template(*id);
        prop_assert!(matches(template, message), "{message:?} is not covered by {template:?}");
    }
    let total: u64 = miner.templates().map(|t| t.count).sum();
    prop_assert_eq!(total, lines.len() as u64);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_line_matches_its_template(lines in log()) {
        check(&lines, &Config::default())?;
        check(&lines, &Config { strip_header: false, ..Config::default() })?;
    }

    #[test]
    fn no_panic_on_any_text(lines in prop::collection::vec("\\PC{0,80}", 1..30)) {
        check(&lines, &Config::default())?;
    }

    #[test]
    fn no_panic_with_odd_configs(lines in log(), similarity in 0.0f64..1.0, depth in 0usize..4, variants in 0usize..4) {
        let config = Config { similarity, prefix_depth: depth, max_variants: variants, max_children: 3, cache_capacity: 4, ..Config::default() };
        check(&lines, &config)?;
    }
}
