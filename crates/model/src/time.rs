use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// How exactly a time is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// To the second or better, with a known offset.
    Exact,
    /// To the minute (a note's `10:02`).
    Minute,
    /// Not written on the record: taken from a neighbour, or a zone that was assumed.
    Inferred,
    /// Not known at all.
    #[default]
    Unknown,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Minute => "minute",
            Self::Inferred => "inferred",
            Self::Unknown => "unknown",
        }
    }
}

/// Where the offset of a time came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "basis", content = "zone")]
pub enum ZoneBasis {
    /// Written on the record (`Z`, `+01:00`, `-0500`, epoch seconds).
    #[default]
    Explicit,
    /// A naive time read in the zone `incident.toml` gives.
    IncidentToml(String),
    /// A naive time read in a zone the source itself states ("all times PT").
    StatedInSource(String),
    /// A naive time read in a zone nobody stated: an open question.
    Assumed(String),
}

/// A record's time: the UTC instant, how precisely it is known, and the text it was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct When {
    pub utc: Option<Timestamp>,
    pub precision: Precision,
    /// The time as written in the source, for explanations (`10:02`, `1728399151.919650`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    pub basis: ZoneBasis,
}

impl When {
    pub fn unknown() -> Self {
        Self::default()
    }

    pub fn exact(utc: Timestamp) -> Self {
        Self { utc: Some(utc), precision: Precision::Exact, original: None, basis: ZoneBasis::Explicit }
    }

    #[must_use]
    pub fn with_original(mut self, original: impl Into<String>) -> Self {
        self.original = Some(original.into());
        self
    }

    #[must_use]
    pub fn with_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    #[must_use]
    pub fn with_basis(mut self, basis: ZoneBasis) -> Self {
        self.basis = basis;
        self
    }

    pub fn is_known(&self) -> bool {
        self.utc.is_some()
    }
}
