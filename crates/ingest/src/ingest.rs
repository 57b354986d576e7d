//! Running the adapters over a bundle.

use std::collections::HashMap;

use debrief_model::{Problem, Record, SkippedFile, Source, SourceFile};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rayon::prelude::*;

use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::adapters;
use crate::bundle::{Bundle, CONFIG_FILE};
use crate::digest::{Digest, LogTemplate};
use crate::time::zone_named;

/// Everything the bundle's sources say.
#[derive(Debug, Default)]
pub struct Ingested {
    /// One per readable file, in path order; a record's `span.source` indexes this.
    pub sources: Vec<Source>,
    pub records: Vec<Record>,
    pub people: Vec<Person>,
    /// Files not read, with the reason (from loading, and files no adapter recognised).
    pub skipped: Vec<SkippedFile>,
    /// The zone naive times were read in and the display zone (IANA name), if one is known.
    pub zone: Option<String>,
    /// The templates of every log source (`example` indexes `records`).
    pub templates: Vec<LogTemplate>,
}

/// The format of timestamped log lines, whose sources are folded into templates.
const LOG_FORMAT: &str = "log-lines";

/// The adapter most sure that `file` is its format, if any is.
pub fn detect(file: &SourceFile) -> Option<&'static dyn Adapter> {
    let mut best: Option<(&'static dyn Adapter, u8)> = None;
    for &a in adapters::all() {
        let score = a.sniff(file);
        if score > 0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((a, score));
        }
    }
    best.map(|(a, _)| a)
}

/// Sniffs and parses every file of `bundle`.
pub fn ingest(bundle: &Bundle) -> Ingested {
    let mut config_problems = Vec::new();
    let zone: Option<(String, TimeZone)> = bundle.config.timezone.as_deref().and_then(|name| {
        let z = zone_named(name);
        if z.is_none() {
            config_problems.push(Problem::at(
                1,
                format!("timezone {name:?} is not a zone debrief knows; naive times are not converted with it"),
            ));
        }
        z
    });

    let detected: Vec<Option<&'static dyn Adapter>> =
        bundle.files.par_iter().map(|f| if f.path == CONFIG_FILE { None } else { detect(f) }).collect();

    let parse = |i: usize, adapter: &dyn Adapter, anchor: Option<Date>| -> (Parsed, Vec<LogTemplate>) {
        let cx = Context {
            source: i as u32,
            files: &bundle.files,
            config: &bundle.config,
            zone: zone.as_ref().map(|(n, z)| (n.as_str(), z)),
            anchor_date: anchor,
        };
        let mut p = adapter.parse(&bundle.files[i], &cx);
        if adapter.format() != LOG_FORMAT {
            return (p, Vec::new());
        }
        // Lines folded into templates, runs of warnings and errors into bursts.
        let mut digest = Digest::whole(i as u32);
        for r in &p.records {
            digest.add(r);
        }
        let templates = digest.fold(&mut p.records);
        (p, templates)
    };

    let mut parsed: Vec<Option<(Parsed, Vec<LogTemplate>)>> = detected
        .par_iter()
        .enumerate()
        .map(|(i, a)| a.filter(|a| !a.needs_anchor()).map(|a| parse(i, a, None)))
        .collect();

    let anchor = anchor_date(parsed.iter().flatten().flat_map(|p| &p.0.records), zone.as_ref().map(|(_, z)| z));
    let second: Vec<(usize, (Parsed, Vec<LogTemplate>))> = detected
        .par_iter()
        .enumerate()
        .filter_map(|(i, a)| a.filter(|a| a.needs_anchor()).map(|a| (i, parse(i, a, anchor))))
        .collect();
    for (i, p) in second {
        parsed[i] = Some(p);
    }

    let mut out = Ingested { zone: zone.map(|(n, _)| n), skipped: bundle.skipped.clone(), ..Ingested::default() };
    // One allocation for all records: appending file by file into a growing vector
    // would briefly hold the old and the doubled buffer of a million records.
    out.records.reserve_exact(parsed.iter().flatten().map(|p| p.0.records.len()).sum());
    // Keep the source indices of the bundle: unknown files stay as sources with no
    // records so spans stay valid, and are also listed as skipped.
    for (i, (file, p)) in bundle.files.iter().zip(parsed).enumerate() {
        let mut problems = file.problems.clone();
        let format = if file.path == CONFIG_FILE {
            problems.append(&mut config_problems);
            "incident-config"
        } else if let Some(a) = detected[i] {
            a.format()
        } else {
            out.skipped.push(SkippedFile {
                path: file.path.clone(),
                reason: "unknown format: no adapter recognised its content".into(),
            });
            "unknown"
        };
        let (mut p, templates) = p.unwrap_or_default();
        let base = out.records.len();
        out.templates.extend(templates.into_iter().map(|mut t| {
            t.example = t.example.map(|e| e + base);
            t
        }));
        problems.append(&mut p.problems);
        for r in &mut p.records {
            r.span.source = i as u32;
        }
        out.sources.push(Source {
            path: file.path.clone(),
            format: format.to_string(),
            size: file.size,
            lines: file.line_count(),
            // Records read from the file: burst records folded from them are not counted.
            records: p.records.iter().filter(|r| r.attr("template").is_none()).count(),
            problems,
        });
        out.records.append(&mut p.records);
        out.people.append(&mut p.people);
    }
    out.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The local date most records with an exact time fall on.
fn anchor_date<'a>(records: impl Iterator<Item = &'a Record>, zone: Option<&TimeZone>) -> Option<Date> {
    let mut counts: HashMap<Date, usize> = HashMap::new();
    for r in records {
        if let Some(t) = r.when.utc {
            let d = zone.unwrap_or(&TimeZone::UTC).to_datetime(t).date();
            *counts.entry(d).or_default() += 1;
        }
    }
    counts.into_iter().max_by_key(|&(d, n)| (n, std::cmp::Reverse(d))).map(|(d, _)| d)
}
