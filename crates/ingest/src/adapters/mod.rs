//! One adapter per input format. [`all`] lists them; [`crate::ingest`] asks each to
//! sniff every file and lets the most confident parse it.

pub mod alertmanager;
pub mod chat_paste;
pub mod cri;
pub mod datadog;
pub mod deploylog;
pub mod email;
pub mod flags;
pub mod github;
pub mod gitlog;
pub mod jira;
pub mod jira_csv;
pub mod journald;
pub mod k8s_events;
pub mod logs;
pub mod mattermost;
pub mod metrics;
pub mod notes;
pub mod opsgenie;
pub mod pagerduty;
pub mod shell;
pub mod slack;
pub mod statuspage;
pub mod teams;
pub mod traces;

use crate::adapter::Adapter;

/// Every adapter, in tie-break order: when two are equally sure, the earlier wins.
/// The generic timestamped-line reader comes last.
pub fn all() -> &'static [&'static dyn Adapter] {
    &[
        &slack::SlackExport,
        &slack::SlackMetadata,
        &pagerduty::PagerDuty,
        &opsgenie::Opsgenie,
        &datadog::Datadog,
        &teams::Teams,
        &mattermost::Mattermost,
        &k8s_events::KubernetesEvents,
        &journald::Journald,
        &flags::FeatureFlags,
        &traces::Traces,
        &alertmanager::Alertmanager,
        &github::GitHubWebhook,
        &jira::Jira,
        &jira_csv::JiraCsv,
        &statuspage::Statuspage,
        &email::Email,
        &gitlog::GitLog,
        &cri::ContainerLogs,
        &deploylog::DeployLog,
        &shell::ShellHistory,
        &metrics::MetricsCsv,
        &chat_paste::ChatTranscript,
        &notes::Notes,
        &logs::LogLines,
    ]
}
