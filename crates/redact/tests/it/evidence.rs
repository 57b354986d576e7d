//! Evidence must survive: on ordinary incident text (LogHub logs, the DFDS postmortems)
//! timestamps, durations, status codes, versions, hosts, hashes and ids stay as they
//! are. Measured per line, as records are redacted.

use std::collections::BTreeMap;
use std::fs;
use std::time::Instant;

use debrief_ingest::IncidentConfig;
use debrief_redact::Redactor;

use crate::shared;

/// Rules whose changes the issue accepts on ordinary text.
fn expected_rule(rule: &str) -> bool {
    matches!(rule, "ip" | "email" | "person")
}

struct Measure {
    lines: usize,
    changed: usize,
    changed_other: usize,
    rules: BTreeMap<String, usize>,
    samples: Vec<String>,
}

fn measure(r: &Redactor, text: &str) -> Measure {
    let mut m = Measure { lines: 0, changed: 0, changed_other: 0, rules: BTreeMap::new(), samples: Vec::new() };
    for line in text.lines() {
        m.lines += 1;
        let out = r.redact(line);
        if !out.changed() {
            continue;
        }
        m.changed += 1;
        if out.hits.iter().any(|(rule, _)| !expected_rule(rule)) {
            m.changed_other += 1;
            if m.samples.len() < 6 {
                m.samples.push(format!("{} => {}", &line[..line.len().min(140)], &out.text[..out.text.len().min(140)]));
            }
        }
        for (rule, n) in out.hits {
            *m.rules.entry(rule).or_default() += n;
        }
    }
    m
}

fn report(name: &str, m: &Measure) {
    println!(
        "{name:<22} {:>6} lines  changed {:>5} ({:.2}%)  by other than ip/email/name: {:>4} ({:.2}%)  {:?}",
        m.lines,
        m.changed,
        100.0 * m.changed as f64 / m.lines.max(1) as f64,
        m.changed_other,
        100.0 * m.changed_other as f64 / m.lines.max(1) as f64,
        m.rules
    );
    for s in &m.samples {
        println!("    {s}");
    }
}

#[test]
fn loghub_lines_are_left_alone() {
    let Some(dir) = shared("eval-data/loghub") else { return };
    let r = Redactor::new(&IncidentConfig::default(), &[]).unwrap();
    let mut systems: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    systems.sort();
    let (mut lines, mut changed, mut other) = (0, 0, 0);
    for sys in systems {
        let name = sys.file_name().unwrap().to_string_lossy().to_string();
        let Ok(text) = fs::read_to_string(sys.join(format!("{name}_2k.log"))) else { continue };
        let m = measure(&r, &text);
        report(&name, &m);
        lines += m.lines;
        changed += m.changed;
        other += m.changed_other;
        // Per system: at most 1% of lines touched by anything but ip/email/name rules.
        assert!(
            m.changed_other * 100 <= m.lines,
            "{name}: {} of {} lines changed by other rules",
            m.changed_other,
            m.lines
        );
    }
    println!(
        "loghub total: {lines} lines, {changed} changed ({:.2}%), {other} by other than ip/email/name ({:.3}%)",
        100.0 * changed as f64 / lines as f64,
        100.0 * other as f64 / lines as f64
    );
}

#[test]
fn postmortems_are_left_alone() {
    let Some(dir) = shared("eval-data/dfds-postmortems") else { return };
    let r = Redactor::new(&IncidentConfig::default(), &[]).unwrap();
    let mut text = String::new();
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    for f in files {
        text.push_str(&fs::read_to_string(f).unwrap());
        text.push('\n');
    }
    let m = measure(&r, &text);
    report("dfds-postmortems", &m);
    assert!(m.changed_other * 100 <= m.lines, "{} of {} lines changed by other rules", m.changed_other, m.lines);
}

/// Throughput on ~1M log lines of ~150 bytes, one thread. Run with
/// `cargo test -p debrief-redact --release -- --ignored throughput --nocapture`.
#[test]
#[ignore = "a timing run; use --release"]
fn throughput() {
    let Some(dir) = shared("eval-data/loghub") else { return };
    let mut pool: Vec<String> = Vec::new();
    for sys in ["Hadoop", "Spark", "Zookeeper", "OpenSSH", "Apache", "HDFS", "Linux", "Android"] {
        if let Ok(t) = fs::read_to_string(dir.join(sys).join(format!("{sys}_2k.log"))) {
            pool.extend(t.lines().map(str::to_string));
        }
    }
    let mut big = String::new();
    let mut n = 0;
    while big.len() < 150 << 20 {
        big.push_str(&pool[n % pool.len()]);
        big.push('\n');
        n += 1;
    }
    let r = Redactor::new(&IncidentConfig::default(), &[]).unwrap();
    let t = Instant::now();
    let mut changed = 0;
    for line in big.lines() {
        changed += usize::from(r.redact(line).changed());
    }
    let per_line = t.elapsed();
    let t = Instant::now();
    let whole = r.redact(&big);
    let whole_time = t.elapsed();
    let mb = big.len() as f64 / f64::from(1 << 20);
    println!(
        "{n} lines, {mb:.0} MB: per line {per_line:?} ({:.0} MB/s, {changed} lines changed); whole text {whole_time:?} ({:.0} MB/s, {} substitutions)",
        mb / per_line.as_secs_f64(),
        mb / whole_time.as_secs_f64(),
        whole.hits.iter().map(|h| h.1).sum::<usize>()
    );
}
