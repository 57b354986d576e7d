//! Running the adapters over a bundle.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

use debrief_model::{Problem, Record, SkippedFile, Source, SourceFile};
use jiff::Timestamp;
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
    /// For sources read in a stream ([`Bundle::streamed`]): the raw text of the lines their
    /// records span, by source index and 1-based line — what citations of them are checked
    /// against, since the file itself is not held.
    pub streamed_lines: HashMap<u32, BTreeMap<u32, String>>,
    /// For sources read in a stream: their lines that answered a request with a server
    /// error (5xx) per minute (the minute's start, its lines), since most of those lines
    /// are not kept as records.
    pub server_errors: HashMap<u32, Vec<(Timestamp, u64)>>,
}

/// How far reading the streamed files has got, for a progress bar: read it from another
/// thread while [`ingest_with`] runs.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes read from disk so far (compressed bytes for `.gz`).
    pub done: AtomicU64,
    /// Bytes on disk of all streamed files, known once ingestion starts.
    pub total: AtomicU64,
}

/// A reader that adds the bytes it reads to a progress count.
struct Counting<'a, R> {
    inner: R,
    progress: Option<&'a Progress>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = self.progress {
            p.done.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// What one file yielded.
#[derive(Default)]
struct FileOut {
    parsed: Parsed,
    templates: Vec<LogTemplate>,
    /// A streamed file: what [`adapters::logs::stream`] says of it beyond its records.
    streamed: Option<StreamedOut>,
}

#[derive(Default)]
struct StreamedOut {
    lines: u32,
    read: usize,
    raw: BTreeMap<u32, String>,
    server_errors: Vec<(Timestamp, u64)>,
}

/// The format of timestamped log lines, whose sources are folded into templates.
pub(crate) const LOG_FORMAT: &str = "log-lines";

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
    ingest_with(bundle, None)
}

/// Sniffs and parses every file of `bundle`, counting the bytes of streamed files read in
/// `progress`.
pub fn ingest_with(bundle: &Bundle, progress: Option<&Progress>) -> Ingested {
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

    if let Some(p) = progress {
        let total = bundle.streamed.values().filter_map(|path| std::fs::metadata(path).ok()).map(|m| m.len()).sum();
        p.total.store(total, Ordering::Relaxed);
    }
    let parse = |i: usize, adapter: &dyn Adapter, anchor: Option<Date>| -> FileOut {
        let cx = Context {
            source: i as u32,
            files: &bundle.files,
            config: &bundle.config,
            zone: zone.as_ref().map(|(n, z)| (n.as_str(), z)),
            anchor_date: anchor,
        };
        let file = &bundle.files[i];
        if adapter.format() == LOG_FORMAT
            && let Some(path) = bundle.streamed.get(&file.path)
        {
            return match open_stream(path, progress) {
                Ok(input) => {
                    let s = adapters::logs::stream(file, input, &cx);
                    let streamed =
                        StreamedOut { lines: s.lines, read: s.read, raw: s.raw, server_errors: s.server_errors };
                    FileOut { parsed: s.parsed, templates: s.templates, streamed: Some(streamed) }
                }
                Err(e) => FileOut {
                    parsed: Parsed::fatal(format!("cannot read: {e}")),
                    streamed: Some(StreamedOut::default()),
                    ..FileOut::default()
                },
            };
        }
        let mut parsed = adapter.parse(file, &cx);
        if adapter.format() != LOG_FORMAT {
            return FileOut { parsed, ..FileOut::default() };
        }
        // Lines folded into templates, runs of warnings and errors into bursts.
        let mut digest = Digest::whole(i as u32);
        for r in &parsed.records {
            digest.add(r);
        }
        let templates = digest.fold(&mut parsed.records);
        FileOut { parsed, templates, streamed: None }
    };

    let mut parsed: Vec<Option<FileOut>> = detected
        .par_iter()
        .enumerate()
        .map(|(i, a)| a.filter(|a| !a.needs_anchor()).map(|a| parse(i, a, None)))
        .collect();

    let anchor = anchor_date(parsed.iter().flatten().flat_map(|p| &p.parsed.records), zone.as_ref().map(|(_, z)| z));
    let second: Vec<(usize, FileOut)> = detected
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
    out.records.reserve_exact(parsed.iter().flatten().map(|p| p.parsed.records.len()).sum());
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
            out.skipped.push(SkippedFile::new(&file.path, "unknown format: no adapter recognised its content"));
            "unknown"
        };
        let FileOut { parsed: mut p, templates, streamed } = p.unwrap_or_default();
        let base = out.records.len();
        out.templates.extend(templates.into_iter().map(|mut t| {
            t.example = t.example.map(|e| e + base);
            t
        }));
        problems.append(&mut p.problems);
        for r in &mut p.records {
            r.span.source = i as u32;
        }
        let (lines, records) = match streamed {
            Some(s) => {
                out.streamed_lines.insert(i as u32, s.raw);
                out.server_errors.insert(i as u32, s.server_errors);
                (s.lines, s.read)
            }
            // Records read from the file: burst records folded from them are not counted.
            None => (file.line_count(), p.records.iter().filter(|r| r.attr("template").is_none()).count()),
        };
        out.sources.push(Source {
            path: file.path.clone(),
            label: None,
            format: format.to_string(),
            size: file.size,
            lines,
            records,
            problems,
        });
        out.records.append(&mut p.records);
        out.people.append(&mut p.people);
    }
    out.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// A reader of the streamed file at `path` (gunzipped when `gz`), counting its bytes.
/// Opens a file of a bundle that was left to be read in a stream (see [`Bundle::streamed`]):
/// a `.gz` file is decompressed as it is read.
pub fn open_streamed(path: &std::path::Path) -> std::io::Result<Box<dyn Read + Send>> {
    open_stream(path, None)
}

/// Whether a file is gzipped, by its name (`.gz`, any case).
pub fn is_gzip(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

fn open_stream<'a>(
    path: &std::path::Path,
    progress: Option<&'a Progress>,
) -> std::io::Result<Box<dyn Read + Send + 'a>> {
    Ok(crate::bundle::decoded(Counting { inner: std::fs::File::open(path)?, progress }, is_gzip(path)))
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
