//! One adapter per input format. [`all`] lists them; [`crate::ingest`] asks each to
//! sniff every file and lets the most confident parse it.

pub mod alertmanager;
pub mod email;
pub mod github;
pub mod gitlog;
pub mod jira;
pub mod logs;
pub mod metrics;
pub mod notes;
pub mod pagerduty;
pub mod shell;
pub mod slack;
pub mod statuspage;

use crate::adapter::Adapter;

/// Every adapter, in tie-break order: when two are equally sure, the earlier wins.
/// The generic timestamped-line reader comes last.
pub fn all() -> &'static [&'static dyn Adapter] {
    &[
        &slack::SlackExport,
        &slack::SlackMetadata,
        &pagerduty::PagerDuty,
        &alertmanager::Alertmanager,
        &github::GitHubWebhook,
        &jira::Jira,
        &statuspage::Statuspage,
        &email::Email,
        &gitlog::GitLog,
        &shell::ShellHistory,
        &metrics::MetricsCsv,
        &notes::Notes,
        &logs::LogLines,
    ]
}
