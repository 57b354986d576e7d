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

/// Drafts the review of `bundle`.
pub fn draft(bundle: &Bundle, options: &Options) -> Result<Drafted, DraftError> {
    let display = match options.display_tz.as_deref().or(bundle.config.timezone.as_deref()) {
        Some(name) => {
            debrief_ingest::time::zone_named(name).ok_or_else(|| DraftError::UnknownZone(name.to_string()))?.0
        }
        None => "UTC".to_string(),
    };
    let mut ingested = debrief_ingest::ingest_with(bundle, options.progress.as_deref());
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
