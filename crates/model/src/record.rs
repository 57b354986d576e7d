use serde::{Deserialize, Serialize};

use crate::{Citation, Span, When};

/// What a record or a timeline event is. Adapters set the kinds their format states
/// outright (a PagerDuty acknowledgement, an alert firing); analysis refines the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Anomalous telemetry: an error-level log line or burst, a metric excursion.
    Signal,
    /// An alert starts firing (or is pending).
    Alert,
    /// An alert stops firing.
    AlertResolved,
    /// A person is paged or notified.
    Page,
    /// A page is acknowledged or a responder engages.
    Acknowledge,
    /// An incident is escalated or reassigned.
    Escalation,
    /// A deploy, config change, feature flag flip, merge.
    Change,
    /// A theory about the cause.
    Hypothesis,
    /// A choice between courses of action.
    Decision,
    /// Something a responder did.
    Action,
    /// Something that stopped or reduced the impact.
    Mitigation,
    /// Evidence that the system is healthy again.
    Recovery,
    /// The incident is declared resolved.
    Resolution,
    /// Users or customers are affected or report trouble.
    CustomerImpact,
    /// A status page post or stakeholder update.
    StatusUpdate,
    /// A chat message or note not otherwise classified.
    #[default]
    Message,
    /// An ordinary log line.
    Log,
    /// Housekeeping (joins, topic changes): kept, never on the timeline.
    System,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signal => "signal",
            Self::Alert => "alert",
            Self::AlertResolved => "alert_resolved",
            Self::Page => "page",
            Self::Acknowledge => "acknowledge",
            Self::Escalation => "escalation",
            Self::Change => "change",
            Self::Hypothesis => "hypothesis",
            Self::Decision => "decision",
            Self::Action => "action",
            Self::Mitigation => "mitigation",
            Self::Recovery => "recovery",
            Self::Resolution => "resolution",
            Self::CustomerImpact => "customer_impact",
            Self::StatusUpdate => "status_update",
            Self::Message => "message",
            Self::Log => "log",
            Self::System => "system",
        }
    }
}

/// Who produced a record, as the source names them. Redaction replaces `name` with a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Actor {
    /// Display name, or a role after redaction.
    pub name: String,
    /// The source's id for the actor (Slack `U…`, PagerDuty `P…`), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A bot, integration or service rather than a person.
    pub bot: bool,
}

impl Actor {
    pub fn person(name: impl Into<String>) -> Self {
        Self { name: name.into(), id: None, bot: false }
    }

    pub fn bot(name: impl Into<String>) -> Self {
        Self { name: name.into(), id: None, bot: true }
    }

    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

/// A named property of a record: `level`, `alert`, `status`, `service`, `channel`, `version`…
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attr {
    pub key: &'static str,
    pub value: String,
}

/// One happening according to one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Record {
    pub when: When,
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<Actor>,
    /// The record's text as it stands in the source (JSON string escapes decoded), so a
    /// piece of it is a verbatim quote. Redaction rewrites it in place.
    pub text: String,
    /// A one-line description for the timeline when `text` alone does not say what
    /// happened (`Alert CheckoutErrorRate firing`). Not a quote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub span: Span,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attrs: Vec<Attr>,
}

impl Record {
    pub fn new(span: Span, when: When, kind: Kind, text: impl Into<String>) -> Self {
        Self { when, kind, actor: None, text: text.into(), summary: None, span, attrs: Vec::new() }
    }

    #[must_use]
    pub fn with_actor(mut self, actor: Actor) -> Self {
        self.actor = Some(actor);
        self
    }

    #[must_use]
    pub fn with_summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }

    #[must_use]
    pub fn with_attr(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.attrs.push(Attr { key, value: value.into() });
        self
    }

    /// The first value of attribute `key`.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.key == key).map(|a| a.value.as_str())
    }

    pub fn set_attr(&mut self, key: &'static str, value: impl Into<String>) {
        let value = value.into();
        match self.attrs.iter_mut().find(|a| a.key == key) {
            Some(a) => a.value = value,
            None => self.attrs.push(Attr { key, value }),
        }
    }
}

/// A timeline row: one or more records that describe the same happening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub when: When,
    pub kind: Kind,
    /// What happened, in one line.
    pub text: String,
    /// Indices into the bundle's record list; the first is the primary record.
    pub records: Vec<usize>,
}

/// How sure a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Confirmed,
    Likely,
    Unverified,
}

/// A statement of the review with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub section: String,
    /// A subsection, where the section has them (contributing factors: `technical`,
    /// `process`, `people_and_communication`, `tooling_and_observability`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub group: Option<String>,
    pub text: String,
    pub confidence: Confidence,
    pub citations: Vec<Citation>,
    /// Who wrote the statement when it was not the engine: the model, as `provider:model`.
    /// Model statements appear here only after the verifier checked them.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub author: Option<String>,
}
