//! Stage timings on LogHub lines: `cargo test -p debrief-redact --release --lib stages -- --ignored --nocapture`.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use super::*;

#[test]
#[ignore = "a timing run; use --release"]
fn stages() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/eval-data/loghub");
    let mut lines: Vec<String> = Vec::new();
    for sys in ["Hadoop", "Spark", "Zookeeper", "OpenSSH", "Apache", "HDFS", "Linux", "Android"] {
        if let Ok(t) = std::fs::read_to_string(format!("{dir}/{sys}/{sys}_2k.log")) {
            lines.extend(t.lines().map(str::to_string));
        }
    }
    if lines.is_empty() {
        println!("skipped: no LogHub data");
        return;
    }
    let r = Redactor::new(&IncidentConfig::default(), &[]).unwrap();
    let reps = 20;
    let n = lines.len() * reps;
    #[allow(clippy::items_after_statements)]
    fn time<'a>(lines: &[String], reps: usize, name: &str, f: &dyn Fn(&str, &mut Vec<Hit<'a>>)) {
        let t = Instant::now();
        let mut hits = 0;
        for _ in 0..reps {
            for l in lines {
                let mut v = Vec::new();
                f(l, &mut v);
                hits += v.len();
            }
        }
        let n = lines.len() * reps;
        println!("{name:<14} {:>7.0} ns/line  ({hits} hits)", t.elapsed().as_nanos() as f64 / n as f64);
    }
    time(&lines, reps, "baseline", &|t, o| {
        if t.bytes().filter(u8::is_ascii_digit).count() == 7777 {
            o.push(Hit::new(0, 1, 0, "", ""));
        }
    });
    time(&lines, reps, "protected", &|t, o| span::protected(t, o));
    time(&lines, reps, "tokens", &|t, o| secrets::tokens(t, o));
    time(&lines, reps, "assign", &|t, o| secrets::assignments(t, o));
    time(&lines, reps, "scan", &|t, o| {
        scan::scan(t, &[], true, o);
    });
    time(&lines, reps, "emails", &|t, o| pii::emails(t, &r.people, o));
    time(&lines, reps, "numbers", &|t, o| pii::numbers(t, pii::kind::ALL, o));
    time(&lines, reps, "cards", &|t, o| pii::cards(t, o));
    time(&lines, reps, "ssns", &|t, o| pii::ssns(t, o));
    time(&lines, reps, "ibans", &|t, o| pii::ibans(t, o));
    time(&lines, reps, "phones", &|t, o| pii::phones(t, o));
    time(&lines, reps, "ips", &|t, o| pii::ips(t, o));
    time(&lines, reps, "people", &|t, o| r.people.find(t, o));
    let t = Instant::now();
    for _ in 0..reps {
        for l in &lines {
            let _ = r.redact(l);
        }
    }
    println!("{:<14} {:>7.0} ns/line", "redact", t.elapsed().as_nanos() as f64 / n as f64);
}
