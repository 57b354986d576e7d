//! The review document: the `debrief.review/v1` JSON contract of DESIGN.md.
//! Fields named there are never renamed; others may be added.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{Citation, Finding, Precision, Problem};

pub const SCHEMA: &str = "debrief.review/v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub schema: String,
    pub incident: IncidentInfo,
    /// The zone times are shown in beside UTC (IANA name), from `--tz` or `incident.toml`.
    pub display_timezone: String,
    pub sources: Vec<ReviewSource>,
    /// Files of the bundle that were not read, and why.
    pub skipped: Vec<SkippedFile>,
    pub metrics: Metrics,
    /// Durations between moments (`time_to_detect`…), each with its definition.
    pub durations: BTreeMap<String, Duration>,
    pub timeline: Vec<TimelineRow>,
    pub findings: Vec<Finding>,
    pub actions: Vec<Action>,
    pub questions: Vec<Question>,
    /// Counts of substitutions per rule; never a value.
    pub redaction: BTreeMap<String, usize>,
    /// How the review's own citations checked out before it was written.
    pub verification: Verification,
    /// The model's part, when `--llm` was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assist: Option<Assist>,
    /// The log templates with the most lines around the impact (appendix).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log_templates: Vec<LogTemplateRow>,
}

/// A log template around the impact: its lines folded into one pattern, counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogTemplateRow {
    pub source: String,
    /// The lines' common words; `<*>` where they differ.
    pub template: String,
    /// Its lines in the window around the impact (`first`..`last`).
    pub count: u64,
    /// Its lines in the whole source.
    pub total: u64,
    /// The worst level its lines carry, if any says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// The times of its first and last line in the window (the minute, for a template whose
    /// lines run on beyond the window).
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// The change point that opened it (`new_template`, `rate_jump`, `error_share`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onset: Option<String>,
    pub citations: Vec<Citation>,
}

/// The self-check of the review's citations: what was checked and what was dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Verification {
    pub checked: usize,
    /// Statements removed because their evidence did not check out.
    pub dropped: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct IncidentInfo {
    pub id: Option<String>,
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub services: Vec<String>,
}

/// A source of the review. `path` is the file's path in the bundle, as citations name it
/// (a checker resolves them by it); `label` is how the review shows it, with the names in
/// the path replaced the way the text's are (`notes/responder-b.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSource {
    pub path: String,
    #[serde(default)]
    pub label: String,
    pub format: String,
    pub records: usize,
    pub problems: Vec<Problem>,
    pub size: u64,
    pub lines: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedFile {
    pub path: String,
    pub reason: String,
    /// How a review shows the path (see [`ReviewSource`]); set by redaction, `None` before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl SkippedFile {
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { path: path.into(), reason: reason.into(), label: None }
    }

    /// The path as a review shows it: the label redaction gave it, else the path.
    pub fn shown(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.path)
    }
}

impl ReviewSource {
    /// The path as the review shows it: `label`, else (a review written before labels) `path`.
    pub fn shown(&self) -> &str {
        if self.label.is_empty() { &self.path } else { &self.label }
    }
}

/// A key moment. `time` is `null` when the evidence does not establish it, and then
/// `evidence_needed` says what would.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metric {
    pub time: Option<Timestamp>,
    pub precision: Precision,
    pub citations: Vec<Citation>,
    pub definition: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_needed: Option<String>,
    /// What the moment rests on, in words (`first alert firing: CheckoutDBPoolPending`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// Other sources that put this moment at a different time: shown, never averaged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
}

/// Another source's time for a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub time: Option<Timestamp>,
    pub citations: Vec<Citation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metrics {
    pub first_signal: Metric,
    pub impact_start: Metric,
    pub detected: Metric,
    pub acknowledged: Metric,
    pub mitigated: Metric,
    pub resolved: Metric,
}

impl Metrics {
    /// The moments in the order DESIGN.md lists them, with their contract names.
    pub fn named(&self) -> [(&'static str, &Metric); 6] {
        [
            ("first_signal", &self.first_signal),
            ("impact_start", &self.impact_start),
            ("detected", &self.detected),
            ("acknowledged", &self.acknowledged),
            ("mitigated", &self.mitigated),
            ("resolved", &self.resolved),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duration {
    /// Whole seconds, or `null` when either end is unknown.
    pub seconds: Option<i64>,
    pub definition: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineRow {
    pub time: Option<Timestamp>,
    pub precision: Precision,
    pub kind: String,
    pub event: String,
    pub citations: Vec<Citation>,
    /// Who acted, as a role, when a person did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// `event` is the evidence's own words (a chat message, a log line), not a description.
    #[serde(default)]
    pub verbatim: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionCategory {
    Monitoring,
    DeploymentSafety,
    Runbooks,
    SystemDesign,
    IncidentProcess,
}

impl ActionCategory {
    pub const ALL: [Self; 5] =
        [Self::Monitoring, Self::DeploymentSafety, Self::Runbooks, Self::SystemDesign, Self::IncidentProcess];

    pub fn title(self) -> &'static str {
        match self {
            Self::Monitoring => "Monitoring",
            Self::DeploymentSafety => "Deployment safety",
            Self::Runbooks => "Runbooks",
            Self::SystemDesign => "System design",
            Self::IncidentProcess => "Incident process",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub category: ActionCategory,
    pub text: String,
    pub owner: Option<String>,
    pub due: Option<String>,
    pub citations: Vec<Citation>,
    /// The model that proposed the action (`provider:model`), when it was not the engine.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub author: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub question: String,
    pub evidence_needed: String,
    /// Where the question comes from, when the artifacts raise it (a note's to-do line).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub citations: Vec<Citation>,
    /// A model's claim that did not check out against the evidence, kept as a question:
    /// who wrote it and why it failed. Never shown as fact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unverified: Option<Unverified>,
}

/// Why a model's claim was not verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unverified {
    /// `provider:model`.
    pub author: String,
    /// What failed: `unknown evidence id E12`, `quote not in E7`, `blame phrasing`…
    pub reasons: Vec<String>,
}

/// What the model did for this draft, when one was configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Assist {
    /// `provider:model`.
    pub model: String,
    /// `ok`, `partial` (some windows failed) or `failed` (the draft is the engine's alone).
    pub status: String,
    /// What the reader should know: why the model's part is missing, what was cut to fit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Claims the model made, how many checked out, how many became questions or were dropped.
    pub claims: usize,
    pub verified: usize,
    pub unverified: usize,
    pub dropped: usize,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Evidence records sent / available.
    pub evidence_sent: usize,
    pub evidence_total: usize,
}
