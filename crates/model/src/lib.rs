//! The evidence model that every debrief stage speaks.
//!
//! Data flows one way: ingest turns a [`SourceFile`] into [`Record`]s, each with a
//! [`Span`] into its source; redaction rewrites record text in place; the timeline groups
//! records into [`Event`]s; analysis and drafting produce [`Finding`]s and the [`Review`]
//! (the `debrief.review/v1` JSON contract), whose [`Citation`]s quote the redacted text.
//!
//! ```
//! use debrief_model::{Citation, Precision, When};
//! let c = Citation::new("slack/general/2024-05-01.json", 12, 14, "deploying v2.31.0");
//! assert_eq!(c.end_line, 14);
//! let w = When::unknown();
//! assert_eq!(w.precision, Precision::Unknown);
//! ```

mod citation;
mod record;
mod review;
mod source;
mod time;

pub use citation::{Citation, Span, quote_of};
pub use record::{Actor, Attr, Confidence, Event, Finding, Kind, Record};
pub use review::{
    Action, ActionCategory, Assist, Conflict, Duration, IncidentInfo, LogTemplateRow, Metric, Metrics, Question,
    Review, ReviewSource, SCHEMA, SkippedFile, TimelineRow, Unverified, Verification,
};
pub use source::{Problem, Source, SourceFile};
pub use time::{Precision, When, ZoneBasis};
