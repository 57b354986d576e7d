//! The timeline stage: records become a sorted list of [`Event`]s in UTC.
//!
//! [`classify`] refines the kinds adapters could not state (a chat message that is a
//! decision, a log line that is a rollout) and keeps the rule that fired; [`build`] keeps
//! the records worth a row, folds bursts of like error lines into one event, merges the
//! same happening recorded by several sources (the pager trigger, the alert webhook and the
//! alert bot's chat post), and sorts by time, stably. [`condense`] turns the events into
//! the rows a reader needs: a summary, not a log dump.
//!
//! ```
//! use debrief_model::{Kind, Record, Span, When};
//! let t = "2024-05-01T10:02:13Z".parse().unwrap();
//! let mut records = vec![Record::new(Span::line(0, 1), When::exact(t), Kind::Message, "rolling back to v2.30.4 now")];
//! debrief_timeline::classify(&mut records);
//! assert_eq!(records[0].kind, Kind::Mitigation);
//! let events = debrief_timeline::build(&records);
//! assert_eq!(events.len(), 1);
//! ```

mod build;
mod classify;
mod condense;
mod groups;
mod skew;

pub use build::{build, display_text};
pub use classify::{classify, classify_text};
pub use condense::{Row, condense};
pub use debrief_model::Event;
pub use skew::{Skew, skews};
