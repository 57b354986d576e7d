//! Prompt size against the budget, and the time spent outside the model, for one bundle.
//!
//!   cargo run --release -p debrief-llm --example prompt_budget -- BUNDLE [--budget TOKENS]
//!       [--windows N] [--gold GOLD.json] [--show] [--ranked]
//!
//! Drafts the bundle as `debrief draft` does, then times what `--llm` adds before the first
//! byte goes to a model: ranking the evidence, planning the windows and building (and
//! scrubbing) every request. With `--gold`, says which gold timeline events have an
//! evidence line in some request. `--show` prints the first request, `--ranked` every
//! evidence line in rank order.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::time::Instant as Clock;

use debrief_llm::evidence::{Evidence, Inputs};
use debrief_llm::guard::Guard;
use debrief_llm::prompt::{Budget, Plan, request_tokens};

/// A model that answers at once, restating the first 20 evidence lines of each request
/// (and, asked to merge, the claims it was given).
struct Instant;

impl debrief_llm::Provider for Instant {
    fn label(&self) -> String {
        "bench:instant".into()
    }

    fn complete(&self, request: &debrief_llm::ChatRequest) -> Result<debrief_llm::ChatResponse, debrief_llm::LlmError> {
        let user = request.messages.last().map_or("", |m| m.content.as_str());
        let claims: Vec<serde_json::Value> = user
            .lines()
            .filter(|l| l.starts_with('E') && l.contains("] "))
            .take(20)
            .filter_map(|l| {
                let mut parts = l.splitn(4, ' ');
                let id = parts.next()?;
                let text = parts.nth(2)?;
                Some(serde_json::json!({"text": format!("The record reads: {text}"), "evidence": [id], "quotes": []}))
            })
            .collect();
        Ok(debrief_llm::ChatResponse {
            text: serde_json::json!({"went_well": claims}).to_string(),
            usage: debrief_llm::Usage::default(),
        })
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut bundle: Option<PathBuf> = None;
    let mut gold: Option<PathBuf> = None;
    let mut budget = Budget::default();
    let mut show = false;
    let mut ranked = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--budget" => {
                budget.budget_tokens = args.next().and_then(|v| v.parse().ok()).unwrap_or(budget.budget_tokens);
            }
            "--windows" => {
                budget.max_windows = args.next().and_then(|v| v.parse().ok()).unwrap_or(budget.max_windows);
            }
            "--gold" => gold = args.next().map(PathBuf::from),
            "--show" => show = true,
            "--ranked" => ranked = true,
            _ => bundle = Some(PathBuf::from(a)),
        }
    }
    let Some(bundle) = bundle else {
        eprintln!("usage: prompt_budget BUNDLE [--budget TOKENS] [--windows N] [--gold GOLD.json] [--show]");
        std::process::exit(2);
    };
    let t = Clock::now();
    let loaded = match debrief_ingest::load(&bundle) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {}: {e}", bundle.display());
            std::process::exit(1);
        }
    };
    let lines: u64 = loaded.files.iter().map(|f| u64::from(f.line_count())).sum();
    let drafted = match debrief_draft::draft(&loaded, &debrief_draft::Options::default()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let draft_s = t.elapsed().as_secs_f64();
    let names: Vec<String> = drafted.pseudonyms.iter().map(|(n, _)| n.clone()).collect();
    let inputs = Inputs {
        review: &drafted.review,
        records: &drafted.ingested.records,
        sources: &drafted.ingested.sources,
        events: &drafted.events,
        real_names: &names,
    };

    let t = Clock::now();
    let evidence = Evidence::build(&inputs);
    let t_evidence = t.elapsed();
    let guard = Guard::new(&names);
    let plan = Plan::new(&inputs, &evidence, &budget, &guard);
    let t_plan = t.elapsed();
    let requests: Vec<_> = (0..plan.windows.len()).filter_map(|i| plan.request(i, &budget, &guard)).collect();
    let overhead = t.elapsed();
    let largest = requests.iter().map(request_tokens).max().unwrap_or(0);
    let bytes: usize = requests.iter().map(|r| r.messages.iter().map(|m| m.content.len()).sum::<usize>()).sum();

    // The whole model path with a model that answers at once: every request built, every
    // answer (20 claims restating evidence lines) verified and merged.
    let t = Clock::now();
    let assisted = debrief_llm::assist::assist(
        &Instant,
        &inputs,
        &debrief_llm::assist::Settings { budget: budget.clone(), ..Default::default() },
        &mut |_: &debrief_llm::assist::Step| {},
    );
    let mut merged = drafted.review.clone();
    debrief_llm::assist::merge(&mut merged, assisted);
    let end_to_end = t.elapsed();
    let a = merged.assist.as_ref().map(|a| (a.verified, a.unverified, a.dropped)).unwrap_or_default();

    println!("bundle            {}", bundle.display());
    println!("lines             {lines}");
    println!("records           {}", plan.records_total);
    println!("draft             {draft_s:.3} s (the engine, without a model)");
    println!(
        "evidence lines    {} ranked ({} tokens in all), {} sent standing for {} records",
        plan.lines_total,
        evidence.tokens(),
        plan.lines_sent,
        plan.records_covered
    );
    println!("requests          {} (+1 merge when more than one)", requests.len());
    println!("largest request   {largest} tokens (estimated) of a {} budget", budget.budget_tokens);
    println!("bytes sent        {bytes}");
    println!(
        "overhead          {:.1} ms (evidence {:.1} ms, plan {:.1} ms, requests {:.1} ms)",
        overhead.as_secs_f64() * 1e3,
        t_evidence.as_secs_f64() * 1e3,
        t_plan.saturating_sub(t_evidence).as_secs_f64() * 1e3,
        overhead.saturating_sub(t_plan).as_secs_f64() * 1e3
    );
    println!(
        "with a model       {:.1} ms outside it, all requests and the merge (claims verified {}, unverified {}, dropped {})",
        end_to_end.as_secs_f64() * 1e3,
        a.0,
        a.1,
        a.2
    );
    for n in &plan.notes {
        println!("note              {n}");
    }

    if let Some(gold) = gold {
        let text = std::fs::read_to_string(&gold).unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let events = value.get("events").and_then(|e| e.as_array()).cloned().unwrap_or_default();
        let mut kept = 0;
        for ev in &events {
            let lines: Vec<(String, u32)> = ev
                .get("evidence")
                .and_then(|e| e.as_array())
                .into_iter()
                .flatten()
                .filter_map(|e| {
                    Some((e.get("source")?.as_str()?.to_string(), u32::try_from(e.get("line")?.as_u64()?).ok()?))
                })
                .collect();
            let shown: Vec<&(String, u32)> = lines.iter().filter(|(s, l)| plan.shows(&inputs, s, *l)).collect();
            if !shown.is_empty() {
                kept += 1;
            }
            println!(
                "gold {:<5} {} {} — {}/{} evidence lines sent",
                if shown.is_empty() { "MISS" } else { "kept" },
                ev.get("time").and_then(|t| t.as_str()).unwrap_or("?"),
                ev.get("what").and_then(|t| t.as_str()).unwrap_or("").chars().take(70).collect::<String>(),
                shown.len(),
                lines.len()
            );
        }
        println!("gold events kept  {kept}/{}", events.len());
    }
    if ranked {
        for item in &evidence.items {
            println!(
                "{:?} alike={} repeats={} {}",
                item.rank,
                item.alike,
                item.repeats,
                item.line.chars().take(160).collect::<String>()
            );
        }
    }
    if show && let Some(r) = requests.first() {
        for m in &r.messages {
            println!("----- {:?}\n{}", m.role, m.content);
        }
    }
}
