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

#[cfg(test)]
mod tests {
    use debrief_model::SourceFile;
    use proptest::prelude::*;

    use super::all;
    use crate::IncidentConfig;
    use crate::adapter::Context;
    use crate::time::zone_named;

    /// Openings of each format, so arbitrary tails reach past the sniffers' first checks.
    const SEEDS: &[&str] = &[
        "",
        "2024-10-08T14:42:04.123456789Z stdout P ",
        "{\"log\":\"x\\n\",\"stream\":\"stderr\",\"time\":\"2024-10-08T14:42:04Z\"}\n{\"log\":\"",
        "Summary,Issue key,Issue id,Status,Created,Resolved,Comment,Comment\n\"",
        "2024-10-08 14:36:41 UTC deploy checkout-api v2.31.0 started by ci-bot\n[14:40:56] argocd: app ",
        "From x@y Wed May  1 15:20:00 2024\nFrom: A <a@b>\nSubject: s\nDate: Wed, 1 May 2024 10:02:13 -0500\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n",
        "{\"fields\": {\"summary\": \"x\", \"created\": \"2024-10-08T14:00:00Z\"}, \"changelog\": {\"histories\": [",
        "[{\"type\": \"message\", \"ts\": \"1728399151.9\", \"text\": \"",
        "{\"log_entries\": [{\"type\": \"trigger_log_entry\", \"created_at\": \"",
        "time,value\n2024-10-08T14:00:00Z,",
        "# notes\n9:49 paged ",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// No adapter panics on any input, and every record cites lines inside its file.
        #[test]
        fn no_adapter_panics_on_arbitrary_bytes(
            seed in 0..SEEDS.len(),
            tail in proptest::collection::vec(any::<u8>(), 0..600),
            zoned in any::<bool>(),
        ) {
            let mut bytes = SEEDS[seed].as_bytes().to_vec();
            bytes.extend(tail);
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let file = SourceFile::new("input.txt", text);
            let files = [file.clone()];
            let config = IncidentConfig::default();
            let tz = if zoned { zone_named("America/Chicago") } else { None };
            let cx = Context {
                source: 0,
                files: &files,
                config: &config,
                zone: tz.as_ref().map(|(n, z)| (n.as_str(), z)),
                anchor_date: "2024-10-08".parse().ok(),
            };
            let lines = file.line_count();
            for adapter in all() {
                let score = adapter.sniff(&file);
                prop_assert!(score <= 100);
                let parsed = adapter.parse(&file, &cx);
                for r in &parsed.records {
                    prop_assert!(
                        r.span.line >= 1 && r.span.line <= r.span.end_line && r.span.end_line <= lines.max(1),
                        "{}: span {}..{} of {} lines", adapter.format(), r.span.line, r.span.end_line, lines
                    );
                }
            }
        }
    }
}
