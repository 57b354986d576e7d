//! Redacts files (or stdin) with the built-in rules and prints the result, or with
//! `--diff` only the lines that changed. For checking a rule by hand:
//! `cargo run -p debrief-redact --example redact -- --diff some.log`; `--lines` redacts
//! each line on its own and prints only counts and the time taken.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Read;

use debrief_ingest::IncidentConfig;
use debrief_redact::Redactor;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let diff = args.iter().any(|a| a == "--diff");
    // Redact each line on its own, as records are, and print only counts.
    let per_line = args.iter().any(|a| a == "--lines");
    let files: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let r = match Redactor::new(&IncidentConfig::default(), &[]) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let mut inputs: Vec<(String, String)> = Vec::new();
    if files.is_empty() {
        let mut s = String::new();
        if std::io::stdin().read_to_string(&mut s).is_err() {
            eprintln!("error: stdin is not UTF-8 text");
            std::process::exit(2);
        }
        inputs.push(("-".into(), s));
    }
    for f in files {
        match std::fs::read_to_string(f) {
            Ok(s) => inputs.push((f.clone(), s)),
            Err(e) => eprintln!("error: {f}: {e}"),
        }
    }
    for (name, text) in inputs {
        if per_line {
            let t = std::time::Instant::now();
            let changed = text.lines().filter(|l| r.redact(l).changed()).count();
            eprintln!("{name}: {} lines, {changed} changed, {:?}", text.lines().count(), t.elapsed());
            continue;
        }
        let out = r.redact(&text);
        if diff {
            for (i, (a, b)) in text.lines().zip(out.text.lines()).enumerate() {
                if a != b {
                    println!("{name}:{}: {b}", i + 1);
                }
            }
        } else {
            print!("{}", out.text);
        }
        eprintln!("{name}: {:?}", out.hits);
    }
}
