//! Bundle loading and ingestion: one adapter per input format, chosen by content.
//!
//! [`load`] reads a folder, `.zip` or `.tar.gz` into a [`Bundle`] of
//! [`SourceFile`](debrief_model::SourceFile)s plus the skipped files and the
//! `incident.toml` [`IncidentConfig`]. [`ingest`] sniffs every file with every
//! [`Adapter`], lets the most confident one parse it, and returns the [`Ingested`]
//! sources, records and people.
//!
//! ```
//! use debrief_ingest::{Bundle, ingest};
//! use debrief_model::SourceFile;
//! let bundle = Bundle::from_files(vec![SourceFile::new(
//!     "app.log",
//!     "2024-05-01T10:02:13Z ERROR checkout failed\n",
//! )]);
//! let out = ingest(&bundle);
//! assert_eq!(out.sources[0].format, "log-lines");
//! assert_eq!(out.records.len(), 1);
//! ```

pub mod adapter;
pub mod adapters;
mod bundle;
mod config;
mod digest;
mod ingest;
pub mod jsonspan;
pub mod lines;
pub mod time;

pub use adapter::{Adapter, Context, Parsed, Person};
pub use bundle::{Bundle, LoadError, LoadLimits, load, load_with};
pub use config::{ConfigError, INCIDENT_TOML_TEMPLATE, IncidentConfig, RedactConfig};
pub use digest::LogTemplate;
pub use ingest::{Ingested, Progress, detect, ingest, ingest_with, is_gzip, open_streamed};
