//! Lines per second of `Miner::add` alone, on a file already in memory.
//!
//! `cargo run --release -p debrief-templates --example add_throughput -- FILE`

#![allow(clippy::print_stdout)]

use std::time::Instant;

use debrief_templates::{Config, Miner, lines};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        println!("usage: add_throughput FILE");
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let all: Vec<&str> = lines(&text).collect();
    for strip_header in [true, false] {
        let mut miner = Miner::new(Config { strip_header, ..Config::default() });
        let start = Instant::now();
        for line in &all {
            miner.add(line);
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "strip_header={strip_header}: {} lines in {secs:.3}s = {:.0} lines/s, {} templates",
            all.len(),
            all.len() as f64 / secs,
            miner.templates().count()
        );
    }
}
