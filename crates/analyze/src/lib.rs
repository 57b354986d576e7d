//! Analysis: the key moments of DESIGN.md and the findings a review starts from.
//!
//! [`analyze`] reads the records and the timeline's [`Event`](debrief_model::Event)s and
//! returns an [`Analysis`] whose every item points back at record indices, so the writer
//! can cite them. A moment the evidence does not establish is `None`, never a guess.
//!
//! ```
//! use debrief_analyze::{analyze, Facts};
//! use debrief_model::{Kind, Record, Span, When};
//! let t = |s: &str| When::exact(s.parse().unwrap());
//! let records = vec![
//!     Record::new(Span::line(0, 1), t("2024-05-01T10:02:00Z"), Kind::Alert, "CheckoutErrorRate firing").with_attr("alert", "CheckoutErrorRate"),
//!     Record::new(Span::line(0, 2), t("2024-05-01T10:05:00Z"), Kind::Acknowledge, "Acknowledged by Responder A."),
//! ];
//! let events = debrief_timeline::build(&records);
//! let a = analyze(&records, &events, &Facts::default());
//! assert_eq!(a.moments.detected.unwrap().time.to_string(), "2024-05-01T10:02:00Z");
//! assert!(a.moments.resolved.is_none());
//! ```

mod actions;
mod decisions;
mod gaps;
mod moments;
mod relate;
mod sections;
mod text;

pub use moments::{Moment, Moments, find_moments};
pub use relate::Vocabulary;
pub use sections::{Analysis, Ask, FactorGroup, Item, analyze};

/// What the responders told debrief beyond the artifacts (from `incident.toml`).
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub title: Option<String>,
    pub services: Vec<String>,
    /// Known moment times by contract name (`detected`…).
    pub moments: Vec<(String, jiff::Timestamp)>,
    /// Channel names, incident ids and other words that name the incident.
    pub words: Vec<String>,
    /// The bundle's source paths as the review shows them (names replaced), indexed like
    /// the records' spans; the analysis only names them in prose.
    pub sources: Vec<String>,
    /// Logs read in a stream keep few of their lines as records: their lines that answered
    /// a request with a server error (5xx), per minute (its start, its lines), by source.
    pub server_errors: std::collections::HashMap<u32, Vec<(jiff::Timestamp, u64)>>,
}
