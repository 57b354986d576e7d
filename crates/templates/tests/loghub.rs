//! Grouping accuracy on LogHub-2k (`../shared/eval-data/loghub` beside the repository, or
//! `$LOGHUB`), with a floor per system. Skipped, with a note, when the data is absent.
//!
//! `cargo test -p debrief-templates --release --test loghub -- --nocapture` prints the table.

#![allow(clippy::print_stderr)]

use std::collections::HashMap;
use std::path::PathBuf;

use debrief_templates::{Config, Miner};

/// The floor per system for the default config: a hair under what it scores, and at or above
/// what drain3 0.9.11 scores with its default settings and the usual masking
/// (bench/score_templates.py): Android 0.734, Apache 1.000, BGL 0.969, HDFS 0.998, HPC 0.887,
/// Hadoop 0.963, Linux 0.686, OpenSSH 0.718, Proxifier 0.017, Spark 0.922, Windows 0.565,
/// Zookeeper 0.967.
const FLOORS: [(&str, f64); 12] = [
    ("Android", 0.93),
    ("Apache", 0.999),
    ("BGL", 0.99),
    ("HDFS", 0.997),
    ("HPC", 0.895),
    ("Hadoop", 0.963),
    ("Linux", 0.99),
    ("OpenSSH", 0.99),
    ("Proxifier", 0.99),
    ("Spark", 0.935),
    ("Windows", 0.99),
    ("Zookeeper", 0.985),
];

/// The mean over the systems present must stay at or above this.
const MEAN_FLOOR: f64 = 0.95;

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("LOGHUB").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval-data/loghub"),
        PathBuf::from,
    );
    dir.is_dir().then_some(dir)
}

/// Content and EventId of each line of `<system>_2k.log_structured.csv`.
fn read_system(dir: &std::path::Path, system: &str) -> Option<(Vec<String>, Vec<String>)> {
    let path = dir.join(system).join(format!("{system}_2k.log_structured.csv"));
    let mut reader = csv::Reader::from_path(&path).ok()?;
    let headers = reader.headers().ok()?.clone();
    let content = headers.iter().position(|h| h == "Content")?;
    let event = headers.iter().position(|h| h == "EventId")?;
    let (mut lines, mut truth) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let record = record.ok()?;
        lines.push(record.get(content)?.to_string());
        truth.push(record.get(event)?.to_string());
    }
    Some((lines, truth))
}

/// LogPAI grouping accuracy: lines whose predicted group is exactly their true group.
fn grouping_accuracy<P: std::hash::Hash + Eq + Copy>(truth: &[String], predicted: &[P]) -> f64 {
    let mut true_size: HashMap<&str, usize> = HashMap::new();
    for t in truth {
        *true_size.entry(t).or_default() += 1;
    }
    let mut groups: HashMap<P, Vec<usize>> = HashMap::new();
    for (i, p) in predicted.iter().enumerate() {
        groups.entry(*p).or_default().push(i);
    }
    let mut correct = 0;
    for members in groups.values() {
        let first = truth[members[0]].as_str();
        if members.iter().all(|&i| truth[i] == first) && true_size[first] == members.len() {
            correct += members.len();
        }
    }
    correct as f64 / truth.len() as f64
}

fn score(lines: &[String], truth: &[String], config: &Config) -> f64 {
    let mut miner = Miner::new(config.clone());
    let ids: Vec<_> = lines.iter().map(|l| miner.add(l)).collect();
    let ids: Vec<_> = ids.into_iter().map(|id| miner.resolve(id)).collect();
    grouping_accuracy(truth, &ids)
}

/// A system's name, its lines (the Content column) and their true event ids.
type System = (String, Vec<String>, Vec<String>);

fn systems() -> Option<(PathBuf, Vec<System>)> {
    let Some(dir) = data_dir() else {
        eprintln!("note: no LogHub data (../shared/eval-data/loghub or $LOGHUB): skipping");
        return None;
    };
    let mut out = Vec::new();
    for (system, _) in FLOORS {
        if let Some((lines, truth)) = read_system(&dir, system) {
            out.push((system.to_string(), lines, truth));
        }
    }
    Some((dir, out))
}

#[test]
fn grouping_accuracy_floor_per_system() {
    let Some((_, systems)) = systems() else { return };
    let config = Config::default();
    let mut failures = Vec::new();
    let mut total = 0.0;
    for (system, lines, truth) in &systems {
        let ga = score(lines, truth, &config);
        let floor = FLOORS.iter().find(|(s, _)| s == system).map_or(0.0, |f| f.1);
        eprintln!("{system:<10} GA {ga:.3}  (floor {floor:.3})");
        total += ga;
        if ga < floor {
            failures.push(format!("{system}: {ga:.3} < {floor:.3}"));
        }
    }
    if !systems.is_empty() {
        let mean = total / systems.len() as f64;
        eprintln!("mean       GA {mean:.3} over {} systems", systems.len());
        if systems.len() == FLOORS.len() && mean < MEAN_FLOOR {
            failures.push(format!("mean: {mean:.3} < {MEAN_FLOOR:.3}"));
        }
    }
    assert!(failures.is_empty(), "below the floor: {failures:?}");
}

/// Parameter sweep used to choose `Config::default()` on the dev half of the systems, sorted
/// by the dev mean. `SHOW_HELD_OUT=1` adds the held-out mean (for reporting, not choosing).
/// `cargo test -p debrief-templates --release --test loghub sweep -- --ignored --nocapture`
#[test]
#[ignore = "a parameter sweep, for choosing defaults"]
fn sweep() {
    let Some((_, systems)) = systems() else { return };
    let dev = ["Apache", "BGL", "HDFS", "Hadoop", "Linux", "OpenSSH"];
    // Held-out scores are only for reporting how sensitive a choice is, after it was made.
    let show_held_out = std::env::var_os("SHOW_HELD_OUT").is_some();
    let mut rows = Vec::new();
    for similarity in [0.3, 0.4, 0.5, 0.6, 0.7, 0.8] {
        for prefix_depth in [1, 2] {
            for max_variants in [1, 2, 3] {
                for masked_agree in [false, true] {
                    for kv in [0, 1, 2] {
                        let mut config =
                            Config { similarity, prefix_depth, max_variants, masked_agree, ..Config::default() };
                        config.mask.key_values = kv > 0;
                        config.mask.word_values = kv > 1;
                        let mut d = Vec::new();
                        let mut held_out = Vec::new();
                        for (system, lines, truth) in &systems {
                            if dev.contains(&system.as_str()) {
                                d.push((system.clone(), score(lines, truth, &config)));
                            } else if show_held_out {
                                held_out.push(score(lines, truth, &config));
                            }
                        }
                        let mean = d.iter().map(|x| x.1).sum::<f64>() / d.len().max(1) as f64;
                        let held = if held_out.is_empty() {
                            String::new()
                        } else {
                            format!("held-out {:.4}  ", held_out.iter().sum::<f64>() / held_out.len() as f64)
                        };
                        let detail: Vec<String> = d.iter().map(|(s, g)| format!("{}={g:.3}", &s[..3])).collect();
                        rows.push((
                            mean,
                            format!(
                                "sim {similarity} depth {prefix_depth} variants {max_variants} masked_agree {masked_agree:5} kv {kv}: dev {mean:.4}  {held}{}",
                                detail.join(" ")
                            ),
                        ));
                    }
                }
            }
        }
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, row) in rows {
        eprintln!("{row}");
    }
}

/// Where the default config goes wrong on `$SYSTEM`: merged and split true templates.
/// `SYSTEM=Linux cargo test -p debrief-templates --release --test loghub explain -- --ignored --nocapture`
#[test]
#[ignore = "a diagnosis aid"]
fn explain() {
    let Some((dir, _)) = systems() else { return };
    let system = std::env::var("SYSTEM").unwrap_or_else(|_| "Linux".into());
    let Some((lines, truth)) = read_system(&dir, &system) else { return };
    let mut config = Config::default();
    if let Some(v) = std::env::var("SIM").ok().and_then(|v| v.parse().ok()) {
        config.similarity = v;
    }
    if let Some(v) = std::env::var("VARIANTS").ok().and_then(|v| v.parse().ok()) {
        config.max_variants = v;
    }
    if let Some(v) = std::env::var("DEPTH").ok().and_then(|v| v.parse().ok()) {
        config.prefix_depth = v;
    }
    if let Some(v) = std::env::var("KV").ok().and_then(|v| v.parse::<u8>().ok()) {
        config.mask.key_values = v > 0;
        config.mask.word_values = v > 1;
    }
    let mut miner = Miner::new(config);
    let ids: Vec<_> = lines.iter().map(|l| miner.add(l)).collect();
    let ids: Vec<_> = ids.into_iter().map(|id| miner.resolve(id)).collect();
    let mut by_pred: HashMap<_, Vec<usize>> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        by_pred.entry(*id).or_default().push(i);
    }
    let mut by_true: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, t) in truth.iter().enumerate() {
        by_true.entry(t).or_default().push(i);
    }
    let mut preds: Vec<_> = by_pred.into_iter().collect();
    preds.sort_by_key(|(_, m)| std::cmp::Reverse(m.len()));
    for (id, members) in preds {
        let mut events: HashMap<&str, usize> = HashMap::new();
        for &i in &members {
            *events.entry(truth[i].as_str()).or_default() += 1;
        }
        let first = truth[members[0]].as_str();
        let ok = events.len() == 1 && by_true[first].len() == members.len();
        if !ok {
            eprintln!("WRONG {} lines: {}", members.len(), miner.template(id));
            for (e, n) in &events {
                let eg = by_true[e][0];
                eprintln!("    {e} {n}/{}  e.g. {}", by_true[e].len(), lines[eg]);
            }
        }
    }
}
