//! The deterministic writer and the pipeline that feeds it.
//!
//! [`draft`] runs a loaded [`Bundle`](debrief_ingest::Bundle) through every stage —
//! ingest, redact, classify, timeline, analyze — and writes the [`Review`]. Before it
//! returns, the review's own citations are checked against the bundle with
//! [`debrief_verify`]; a statement whose evidence does not check out is dropped and
//! listed in `verification.dropped`, never shown as fact.
//!
//! ```
//! use debrief_ingest::Bundle;
//! use debrief_model::SourceFile;
//! let bundle = Bundle::from_files(vec![SourceFile::new(
//!     "app.log",
//!     "2024-05-01T10:02:13Z ERROR checkout failed\n",
//! )]);
//! let drafted = debrief_draft::draft(&bundle, &debrief_draft::Options::default()).unwrap();
//! assert_eq!(drafted.review.schema, "debrief.review/v1");
//! assert!(drafted.review.verification.dropped.is_empty());
//! ```

mod writer;

use debrief_ingest::{Bundle, Ingested};
use debrief_model::{Event, Review};

pub use writer::DEFINITIONS;

/// How to draft.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The zone to show times in beside UTC (IANA name or a common abbreviation);
    /// defaults to `incident.toml`'s, else UTC.
    pub display_tz: Option<String>,
    /// Counts the bytes read of logs read in a stream, for a progress bar.
    pub progress: Option<std::sync::Arc<debrief_ingest::Progress>>,
}

/// A draft failed before it could be written.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error("incident.toml: {0}")]
    Redaction(#[from] debrief_redact::RedactError),
    #[error("unknown time zone {0:?}")]
    UnknownZone(String),
}

impl DraftError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::Redaction(e) => Some(e.hint()),
            Self::UnknownZone(_) => Some("use an IANA zone name such as Europe/Berlin, or PT, ET, CET, UTC"),
        }
    }
}

/// The review and what it was made from.
#[derive(Debug)]
pub struct Drafted {
    pub review: Review,
    /// The redacted records and their sources.
    pub ingested: Ingested,
    pub events: Vec<Event>,
    /// Real name → role, for `--pseudonyms` (never written beside the review).
    pub pseudonyms: Vec<(String, String)>,
}

/// Checks every citation of `review` against `bundle` again, dropping (and listing in
/// `verification.dropped`) what fails: for a review that gained statements after [`draft`].
pub fn check_citations(review: &mut Review, bundle: &Bundle, ingested: &Ingested) {
    writer::self_check_with(review, bundle, &ingested.streamed_lines);
}

/// Drafts the review of `bundle`.
pub fn draft(bundle: &Bundle, options: &Options) -> Result<Drafted, DraftError> {
    let display = match options.display_tz.as_deref().or(bundle.config.timezone.as_deref()) {
        Some(name) => {
            debrief_ingest::time::zone_named(name).ok_or_else(|| DraftError::UnknownZone(name.to_string()))?.0
        }
        None => "UTC".to_string(),
    };
    let (mut ingested, ()) =
        rayon::join(|| debrief_ingest::ingest_with(bundle, options.progress.as_deref()), debrief_redact::warm_up);
    let redactor = debrief_redact::Redactor::for_ingested(&bundle.config, &ingested)?;
    let report = debrief_redact::redact_ingested(&mut ingested, &redactor);
    // Templates are the lines' own words: a secret or a name repeated on every line is
    // still in them.
    for t in &mut ingested.templates {
        t.text = redactor.redact(&t.text).text;
    }
    debrief_timeline::classify(&mut ingested.records);
    let events = debrief_timeline::build(&ingested.records);
    let mut review = writer::write(bundle, &ingested, &events, &display, &report.counts);
    writer::self_check_with(&mut review, bundle, &ingested.streamed_lines);
    Ok(Drafted { review, ingested, events, pseudonyms: redactor.pseudonyms() })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use debrief_ingest::{LoadLimits, load_with};
    use debrief_model::Review;

    use super::*;

    const BUNDLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/eval/incidents/");

    fn streamed() -> LoadLimits {
        LoadLimits { stream_logs_above: 0, ..LoadLimits::default() }
    }

    fn burst_rows(r: &Review) -> Vec<(Option<jiff::Timestamp>, String)> {
        r.timeline.iter().filter(|row| row.event.contains(" × ")).map(|row| (row.time, row.event.clone())).collect()
    }

    /// Every log of the eval bundles read in a stream: the same bursts, onsets and first
    /// signal as when the files are loaded whole, and every citation checks out against
    /// the lines kept.
    #[test]
    #[allow(clippy::print_stderr)]
    fn streamed_logs_draft_like_loaded_ones() {
        for name in ["checkout-timeouts", "cloudflare-2019-07-02", "k8s-prow-2019-01-23", "slack-2021-01-04"] {
            let path = std::path::PathBuf::from(format!("{BUNDLES}{name}/bundle"));
            if !path.exists() {
                eprintln!("skipped: {} is not here (the shared eval data is not in this clone)", path.display());
                return;
            }
            let whole = load_with(&path, LoadLimits::default()).unwrap();
            let stream = load_with(&path, streamed()).unwrap();
            assert!(!stream.streamed.is_empty(), "{name}");
            let a = draft(&whole, &Options::default()).unwrap();
            let b = draft(&stream, &Options::default()).unwrap();
            assert!(b.review.verification.dropped.is_empty(), "{name}: {:?}", b.review.verification.dropped);
            assert_eq!(a.review.metrics.first_signal.time, b.review.metrics.first_signal.time, "{name}");
            assert_eq!(a.review.metrics.first_signal.citations, b.review.metrics.first_signal.citations, "{name}");
            assert_eq!(burst_rows(&a.review), burst_rows(&b.review), "{name}");
            let counts = |d: &Drafted| d.ingested.sources.iter().map(|s| (s.lines, s.records)).collect::<Vec<_>>();
            assert_eq!(counts(&a), counts(&b), "{name}: lines and records read");
            assert!(
                b.ingested.records.len() < a.ingested.records.len() / 2,
                "{name}: the streamed logs keep few records"
            );
            let top = |r: &Review| r.log_templates.iter().map(|t| (t.template.clone(), t.count)).collect::<Vec<_>>();
            assert_eq!(top(&a.review), top(&b.review), "{name}");
            let impact = |r: &Review| {
                r.findings.iter().filter(|f| f.section == "customer_impact").map(|f| f.text.clone()).collect::<Vec<_>>()
            };
            assert_eq!(impact(&a.review), impact(&b.review), "{name}: the same 5xx count");
        }
    }

    /// A gzipped log in a folder is read in a stream, its burst counted in full and cited
    /// by its first and last line.
    #[test]
    fn a_gzipped_log_is_read_in_a_stream() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("logs")).unwrap();
        let file = std::fs::File::create(dir.path().join("logs/api.log.gz")).unwrap();
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        let t0: jiff::Timestamp = "2024-05-01T10:00:00Z".parse().unwrap();
        let mut errors = 0;
        for s in 0..6000 {
            let t = t0 + jiff::SignedDuration::from_secs(s);
            if (3000..3600).contains(&s) && s % 3 == 0 {
                errors += 1;
                writeln!(
                    gz,
                    "{t} ERROR upstream timed out (110: Connection timed out), client: 10.1.{}.{}",
                    s % 7,
                    s % 250
                )
                .unwrap();
            } else {
                writeln!(gz, "{t} INFO GET /api/orders/{s} 200 {}ms", s % 90).unwrap();
            }
        }
        gz.finish().unwrap();
        std::fs::write(
            dir.path().join("pager.log"),
            "2024-05-01T10:52:00Z Acknowledged by oncall for incident api-errors\n",
        )
        .unwrap();
        let bundle = load_with(dir.path(), LoadLimits { stream_logs_above: 1000, ..LoadLimits::default() }).unwrap();
        assert_eq!(bundle.streamed.keys().collect::<Vec<_>>(), ["logs/api.log.gz"]);
        let d = draft(&bundle, &Options::default()).unwrap();
        let src = d.ingested.sources.iter().find(|s| s.path == "logs/api.log.gz").unwrap();
        assert_eq!((src.format.as_str(), src.lines, src.records), ("log-lines", 6000, 6000));
        let burst = d.ingested.records.iter().find(|r| r.attr("template").is_some()).unwrap();
        assert_eq!(burst.attr("count"), Some(errors.to_string().as_str()));
        assert_eq!(burst.span.line, 3001);
        assert_eq!(burst.attr("last_line"), Some("3598"));
        assert!(
            burst.summary.as_deref().unwrap().starts_with("200 × error `upstream timed out"),
            "{:?}",
            burst.summary
        );
        assert!(d.ingested.records.len() < 40, "{} records kept", d.ingested.records.len());
        let row = d.review.timeline.iter().find(|r| r.event.contains("upstream timed out")).unwrap();
        let lines: Vec<u32> = row.citations.iter().map(|c| c.line).collect();
        assert_eq!(lines, [3001, 3598]);
        assert!(d.review.verification.dropped.is_empty(), "{:?}", d.review.verification.dropped);
        let top = &d.review.log_templates;
        assert!(top.iter().any(|t| t.template.starts_with("upstream timed out") && t.count == errors), "{top:?}");
    }
}
