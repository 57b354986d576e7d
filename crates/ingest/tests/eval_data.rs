//! The detection sweep over the real samples in `../shared`: every file of each folder of
//! `eval-data` that holds an export or webhook format, and of each eval bundle in
//! `eval/incidents/*/bundle`, is loaded with [`load`], sniffed and parsed with [`ingest`],
//! and its detected format and record count are checked against the tables below.
//!
//! The counts were checked by hand against the files (with `jq`/Python, then compared):
//! - Slack day files: one record per message object of the day's array (joins, bot posts,
//!   file shares and tombstones included); root files (`users.json`, `channels.json`,
//!   `integration_logs.json`, `dms.json`…) give people, no records.
//! - PagerDuty: one per log entry, note, change event, webhook payload and REST alert; a REST
//!   incident gives its trigger, one record per acknowledgement and its resolve when
//!   `resolved_at` is set (`getIncident`: trigger + 1 acknowledgement, still open;
//!   `listIncidents`: trigger + resolve).
//! - Alertmanager/Grafana: one per alert state change — repeated notifications of the same
//!   alert (fingerprint, status, `startsAt`) fold into one, and an alert seen only resolved
//!   also gets its firing (checkout: 56 alerts in 17 deliveries → 47 distinct + 1 seen only
//!   resolved = 48; slack-2021: 30 alerts → 27 + 2 = 29; Grafana example: 2 firing).
//! - GitHub: one record per event payload; `repository_dispatch` is recognised and skipped
//!   with a problem (not an event debrief reads).
//! - Jira: the issue's creation when `fields.created` is set, plus one per comment and one
//!   per changelog history (CR-5137: 1 + 2 + 4 = 7; the OpenAPI examples have no `created`).
//! - Logs: one record per non-empty line (no continuation lines in these files); LogHub's
//!   `*_2k.log` files hold 2,000 lines each.
//! - Notes: one per non-empty line. Shell history: one per command (`#<epoch>` pairs, zsh
//!   `: <epoch>:0;` lines). git log: one per `commit` line. Statuspage: one per update
//!   (Slack's history: 1 + 7 notes). Email: the Subject and the body's first paragraph.
//! - Metrics CSV: a signal where a series leaves its baseline and a recovery where it
//!   comes back (read off the rows: e.g. cloudflare's five series all leave at 13:42 and
//!   return at 14:08–14:09, 5 + 5 = 10).
//!
//! Files that are not incident artifacts — the SOURCE.md/README/LICENSE files written
//! around the samples, vendor documentation and OpenAPI specs, gold answers, documentation
//! fragments — are listed as [`Want::Doc`]: they may be read as notes (the fallback for
//! prose) or stay unknown, but no structured adapter may claim them.
//!
//! Users' clones have no `../shared`: the tests then print a line and pass.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use debrief_ingest::{Ingested, detect, ingest, load};
use debrief_model::quote_of;

/// What one file must be.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// This format, with this many records.
    Format(&'static str, usize),
    /// Not an incident artifact: notes (the prose fallback) or unknown.
    Doc,
    /// Left out when loading (a nested archive).
    Skipped,
}

use Want::{Doc, Format as F, Skipped};

/// A path pattern (bundle-relative; `*` stays within a folder, `**` crosses folders) and
/// what the files it matches must be. The first matching row applies.
type Row = (&'static str, Want);

const SLACK_TESTARCHIVE: &[Row] = &[
    ("LICENSE", Doc),
    ("SOURCE.md", Doc),
    ("testarchive.zip", Skipped),
    ("testarchive/channels.json", F("slack-metadata", 0)),
    ("testarchive/users.json", F("slack-metadata", 0)),
    ("testarchive/integration_logs.json", F("slack-metadata", 0)),
    ("testarchive/enrique/2016-01-14.json", F("slack-export", 6)),
    ("testarchive/enrique/2016-01-15.json", F("slack-export", 6)),
    ("testarchive/enrique/2016-01-16.json", F("slack-export", 2)),
    ("testarchive/enrique/2016-02-07.json", F("slack-export", 20)),
    ("testarchive/enrique/2016-02-08.json", F("slack-export", 9)),
    ("testarchive/enrique/2016-03-17.json", F("slack-export", 12)),
    ("testarchive/enrique/2016-03-25.json", F("slack-export", 10)),
    ("testarchive/enrique/2016-03-26.json", F("slack-export", 18)),
    ("testarchive/enrique/2016-03-28.json", F("slack-export", 19)),
    ("testarchive/traveling-sailor/2016-01-16.json", F("slack-export", 5)),
    ("testarchive/traveling-sailor/2016-02-07.json", F("slack-export", 3)),
    ("testarchive/traveling-sailor/2016-02-08.json", F("slack-export", 14)),
    ("testarchive/traveling-sailor/2016-03-25.json", F("slack-export", 9)),
    ("testarchive/traveling-sailor/2016-03-26.json", F("slack-export", 14)),
    ("testarchive/traveling-sailor/2016-03-27.json", F("slack-export", 8)),
    ("testarchive/traveling-sailor/2016-03-28.json", F("slack-export", 2)),
    ("testarchive/traveling-sailor/2016-03-29.json", F("slack-export", 1)),
];

const SLACKDUMP: &[Row] = &[
    ("LICENSE", Doc),
    ("SOURCE.md", Doc),
    ("export/*.json", F("slack-metadata", 0)),
    ("source_export_dir/B75B4C7/2025-01-10.json", F("slack-export", 2)),
    ("source_export_dir/B75B4C7/2025-01-11.json", F("slack-export", 11)),
    ("source_export_dir/B75B4C7/2025-01-18.json", F("slack-export", 1)),
    ("source_export_dir/B75B4C7/2025-01-24.json", F("slack-export", 2)),
    ("source_export_dir/*.json", F("slack-metadata", 0)),
    // One message object from slackdump's unit-test fixtures: no Slack export writes such
    // a file, and the Slack adapter refuses a lone object on purpose (its test
    // `a_single_message_object_is_not_a_day_file`), so it stays unknown.
    ("messages/bot_message.json", Doc),
];

const PAGERDUTY: &[Row] = &[
    ("SOURCE.md", Doc),
    ("rest-api-examples/getIncident.response.json", F("pagerduty", 2)),
    ("rest-api-examples/getLogEntry.response.json", F("pagerduty", 1)),
    // Earlier incidents PagerDuty finds similar: recognised, not read (a problem says so).
    ("rest-api-examples/getPastIncidents.response.json", F("pagerduty", 0)),
    ("rest-api-examples/listChangeEvents.response.json", F("pagerduty", 2)),
    ("rest-api-examples/listIncidentAlerts.response.json", F("pagerduty", 1)),
    ("rest-api-examples/listIncidentLogEntries.response.json", F("pagerduty", 1)),
    ("rest-api-examples/listIncidentNotes.response.json", F("pagerduty", 2)),
    ("rest-api-examples/listIncidentRelatedChangeEvents.response.json", F("pagerduty", 2)),
    ("rest-api-examples/listIncidents.response.json", F("pagerduty", 2)),
    ("rest-api-examples/listLogEntries.response.json", F("pagerduty", 1)),
    ("webhooks-v3-docs-examples/01-webhook-payload.json", F("pagerduty", 1)),
    ("webhooks-v3-docs-examples/02-webhook-payload.json", F("pagerduty", 1)),
    // The `data` of an incident event shown alone: an incident object, read as one.
    ("webhooks-v3-docs-examples/03-incident.json", F("pagerduty", 1)),
    // The docs page, a subscription config and the other `data` fragments (04–14): no event
    // type, mostly no time, not something a tool exports.
    ("webhooks-v3-docs-examples/*", Doc),
];

const ALERTMANAGER: &[Row] = &[
    ("SOURCE.md", Doc),
    ("grafana-webhook-notifier-example.json", F("alertmanager-webhook", 2)),
    // The documented shape with `<string>` placeholders: documentation, not a payload.
    ("alertmanager-webhook-format-from-docs.txt", Doc),
];

const GITHUB: &[Row] = &[
    ("LICENSE", Doc),
    ("SOURCE.md", Doc),
    ("api.github.com/repository_dispatch/payload.json", F("github-webhook", 0)),
    ("api.github.com/**", F("github-webhook", 1)),
];

const JIRA: &[Row] = &[
    ("LICENSE", Doc),
    ("SOURCE.md", Doc),
    ("getChangeLogs.response.json", F("jira-issue", 2)),
    ("getComments.response.json", F("jira-issue", 1)),
    ("getIssue.response.json", F("jira-issue", 1)),
    ("searchForIssuesUsingJql.response.json", F("jira-issue", 1)),
];

/// Schemas only (its SOURCE.md: "no example payloads"): nothing here is an artifact.
const OPSGENIE_OAS: &[Row] = &[("**", Doc)];

const INCIDENT_SOURCES: &[Row] = &[
    ("k8s-prow-2019-01-23/raw/hook-log-line.jsonl", F("log-lines", 1)),
    // Gold answers, provenance notes and a project-made index of Slack permalinks.
    ("**", Doc),
];

const LOGHUB: &[Row] = &[
    // Known gap: HPC puts its epoch in the fifth column, a layout the log adapter does not
    // read on purpose (its `loghub_layouts` test); the prose fallback takes it.
    ("HPC/HPC_2k.log", F("notes", 2000)),
    ("*/*_2k.log", F("log-lines", 2000)),
    // Ground-truth parses and templates, READMEs, licence.
    ("**", Doc),
];

const CHECKOUT: &[Row] = &[
    ("incident.toml", F("incident-config", 0)),
    ("alertmanager/webhook-archive.jsonl", F("alertmanager-webhook", 48)),
    ("github/actions/deploy-11237402214.log", F("log-lines", 94)),
    ("github/actions/deploy-11237719925.log", F("log-lines", 88)),
    ("github/webhooks/*.json", F("github-webhook", 1)),
    ("grafana/checkout-overview_last-3-days.csv", F("metrics-csv", 11)),
    ("logs/checkout-us-east-1.jsonl", F("log-lines", 5627)),
    ("notes/oncall-notes.md", F("notes", 37)),
    ("pagerduty/log_entries.json", F("pagerduty", 11)),
    ("slack/channels.json", F("slack-metadata", 0)),
    ("slack/users.json", F("slack-metadata", 0)),
    ("slack/alerts-checkout/2024-10-07.json", F("slack-export", 5)),
    ("slack/alerts-checkout/2024-10-08.json", F("slack-export", 11)),
    ("slack/deploys/2024-10-07.json", F("slack-export", 2)),
    ("slack/deploys/2024-10-08.json", F("slack-export", 2)),
    ("slack/inc-2047-checkout-timeouts/2024-10-08.json", F("slack-export", 38)),
    ("slack/support-escalations/2024-10-08.json", F("slack-export", 2)),
    ("support/ticket-58812.eml", F("email", 2)),
];

const CLOUDFLARE: &[Row] = &[
    ("ci/teamcity-waf-managed-rules-4211.log", F("log-lines", 28)),
    ("ci/teamcity-waf-managed-rules-4215.log", F("log-lines", 28)),
    ("ci/waf-rules-deployer.log", F("log-lines", 19)),
    ("edge/lhr-m27.syslog", F("log-lines", 3615)),
    ("git/waf-repo-log.txt", F("git-log", 6)),
    ("jira/CR-5137.json", F("jira-issue", 7)),
    ("metrics/edge-global-http-1m.csv", F("metrics-csv", 10)),
    ("notes/p0-notes.md", F("notes", 30)),
    ("pagerduty/log_entries.json", F("pagerduty", 23)),
    ("shell/bastion.bash_history", F("shell-history", 15)),
    ("slack/channels.json", F("slack-metadata", 0)),
    ("slack/users.json", F("slack-metadata", 0)),
    ("slack/inc-20190702-global-502s/2019-07-02.json", F("slack-export", 31)),
    ("slack/sre-pages/2019-07-02.json", F("slack-export", 13)),
    ("slack/waf-team/2019-07-02.json", F("slack-export", 10)),
];

const PROW: &[Row] = &[
    ("incident.toml", F("incident-config", 0)),
    ("email/*.eml", F("email", 2)),
    ("github/webhook-deliveries/*.json", F("github-webhook", 1)),
    ("logs/hook-2019-01-22-1450-1550PST.jsonl", F("log-lines", 5166)),
    ("logs/hook-last3h.jsonl", F("log-lines", 1548)),
    ("notes.md", F("notes", 31)),
    ("shell/oncall-laptop.zsh_history", F("shell-history", 37)),
    ("slack/channels.json", F("slack-metadata", 0)),
    ("slack/users.json", F("slack-metadata", 0)),
    ("slack/sig-testing/2019-01-22.json", F("slack-export", 10)),
    ("slack/sig-testing/2019-01-23.json", F("slack-export", 8)),
    ("slack/testing-ops/2019-01-22.json", F("slack-export", 5)),
    ("slack/testing-ops/2019-01-23.json", F("slack-export", 32)),
];

const SLACK_2021: &[Row] = &[
    ("alerts/alertmanager-webhook.jsonl", F("alertmanager-webhook", 29)),
    ("logs/provision-service/prov-use1-01.log", F("log-lines", 4567)),
    ("metrics/web_tier_20210104_0500-1100PT.csv", F("metrics-csv", 13)),
    ("notes.md", F("notes", 36)),
    ("pagerduty/log_entries_2021-01-04.json", F("pagerduty", 17)),
    ("slack/channels.json", F("slack-metadata", 0)),
    ("slack/users.json", F("slack-metadata", 0)),
    ("slack/cust-exp-escalations/2021-01-04.json", F("slack-export", 3)),
    ("slack/incd-210104-api-errors/2021-01-04.json", F("slack-export", 25)),
    ("slack/incd-210104-api-errors/2021-01-05.json", F("slack-export", 1)),
    ("slack/ops-monitoring/2021-01-04.json", F("slack-export", 4)),
    ("slack/ops-pages/2021-01-04.json", F("slack-export", 7)),
    ("status/slack-status-history.json", F("statuspage", 8)),
    ("support/*.eml", F("email", 2)),
];

/// Every folder swept, relative to `../shared`.
const FOLDERS: &[(&str, &[Row])] = &[
    ("eval-data/slack-export-viewer-testarchive", SLACK_TESTARCHIVE),
    ("eval-data/slackdump-fixtures", SLACKDUMP),
    ("eval-data/pagerduty", PAGERDUTY),
    ("eval-data/alertmanager-grafana-webhook", ALERTMANAGER),
    ("eval-data/github-webhooks-octokit", GITHUB),
    ("eval-data/jira-cloud-openapi-examples", JIRA),
    ("eval-data/opsgenie-oas", OPSGENIE_OAS),
    ("eval-data/incidents", INCIDENT_SOURCES),
    ("eval-data/loghub", LOGHUB),
    ("eval/incidents/checkout-timeouts/bundle", CHECKOUT),
    ("eval/incidents/cloudflare-2019-07-02/bundle", CLOUDFLARE),
    ("eval/incidents/k8s-prow-2019-01-23/bundle", PROW),
    ("eval/incidents/slack-2021-01-04/bundle", SLACK_2021),
];

/// The project's own fixtures of formats with no public sample in `../shared`, each folder
/// loaded as a bundle (counts as the adapters' unit tests check them; no `incident.toml`,
/// so naive times are assumed UTC).
const OWN_FIXTURES: &[(&str, &[Row])] = &[
    ("jira", &[("README.md", Doc), ("INC-12.json", F("jira-issue", 4)), ("INC-2047-export.csv", F("jira-csv", 8))]),
    (
        "deploy-log",
        &[("README.md", Doc), ("checkout-cd.log", F("deploy-log", 10)), ("argocd-clock-only.log", F("deploy-log", 5))],
    ),
    (
        "container-log",
        &[
            ("README.md", Doc),
            ("checkout-api-0.log", F("container-log", 6)),
            ("docker-json.log", F("container-log", 3)),
        ],
    ),
    (
        "email",
        &[
            ("README.md", Doc),
            ("plain-crlf.eml", F("email", 2)),
            ("mbox-multipart-qp.eml", F("email", 4)),
            ("nested-html-qp.eml", F("email", 2)),
        ],
    ),
];

/// `../shared`, or `None` (with a line saying so) in a clone without it.
fn shared() -> Option<PathBuf> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if root.join("eval-data").is_dir() && root.join("eval/incidents").is_dir() {
        Some(root)
    } else {
        eprintln!("skipping: {} is absent (the eval data lives outside the repository)", root.display());
        None
    }
}

/// Whether `path` matches `pattern`: `*` matches within a folder, `**` across folders.
fn matches(pattern: &str, path: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p {
            [] => s.is_empty(),
            [b'*', b'*', rest @ ..] => (0..=s.len()).any(|i| go(rest, &s[i..])),
            [b'*', rest @ ..] => (0..=s.len()).take_while(|&i| i == 0 || s[i - 1] != b'/').any(|i| go(rest, &s[i..])),
            [c, rest @ ..] => s.first() == Some(c) && go(rest, &s[1..]),
        }
    }
    go(pattern.as_bytes(), path.as_bytes())
}

/// JSON string escapes decoded, as the scorer does before matching a quote in a JSON source.
fn unescape_json(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('u') => {
                let hex: String = (0..4).filter_map(|_| chars.next()).collect();
                let mut code = u32::from_str_radix(&hex, 16).unwrap_or(0xFFFD);
                // A surrogate pair.
                if (0xD800..0xDC00).contains(&code) && chars.peek() == Some(&'\\') {
                    let rest: String = chars.clone().take(6).collect();
                    if let Some(low) = rest.strip_prefix("\\u").and_then(|h| u32::from_str_radix(h, 16).ok()) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low.saturating_sub(0xDC00));
                        for _ in 0..6 {
                            chars.next();
                        }
                    }
                }
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// One folder's results: (path, format, records, not an artifact) per file, in path order.
type Swept = Vec<(String, String, usize, bool)>;

/// Loads and ingests `dir`, checks every file against `rows`, and returns what it found
/// and every mismatch.
fn sweep(root: &Path, dir: &str, rows: &[Row]) -> (Swept, Vec<String>) {
    let mut errors = Vec::new();
    let bundle = match load(&root.join(dir)) {
        Ok(b) => b,
        Err(e) => return (Vec::new(), vec![format!("{dir}: not loaded: {e}")]),
    };
    let out: Ingested = ingest(&bundle);
    let mut used = vec![false; rows.len()];
    let mut want = |path: &str| -> Option<Want> {
        let i = rows.iter().position(|(p, _)| matches(p, path))?;
        used[i] = true;
        Some(rows[i].1)
    };
    let mut swept = Vec::new();

    for (i, source) in out.sources.iter().enumerate() {
        let path = source.path.as_str();
        let format = source.format.as_str();
        // `detect` agrees with what `ingest` chose.
        if format != "incident-config" {
            let detected = bundle.files.get(i).and_then(detect).map_or("unknown", |a| a.format());
            if detected != format {
                errors.push(format!("{dir}/{path}: detect says {detected}, ingest says {format}"));
            }
        }
        let wanted = want(path);
        swept.push((path.to_string(), format.to_string(), source.records, matches!(wanted, Some(Want::Doc))));
        match wanted {
            None => errors.push(format!("{dir}/{path}: no row in the table ({format}, {} records)", source.records)),
            Some(Want::Skipped) => errors.push(format!("{dir}/{path}: expected to be skipped, read as {format}")),
            Some(Want::Doc) => {
                if !matches!(format, "notes" | "unknown") {
                    errors.push(format!("{dir}/{path}: not an incident artifact, but claimed as {format}"));
                }
            }
            Some(Want::Format(f, n)) => {
                if format != f || source.records != n {
                    errors.push(format!(
                        "{dir}/{path}: expected {f} with {n} records, got {format} with {}",
                        source.records
                    ));
                }
                if let Some(p) = source.problems.iter().find(|p| !p.can_continue) {
                    errors.push(format!("{dir}/{path}: the file was not fully read: {p}"));
                }
            }
        }
    }
    for skipped in &out.skipped {
        if skipped.reason.starts_with("unknown format") {
            continue; // listed among the sources above as `unknown`
        }
        match want(&skipped.path) {
            Some(Want::Skipped) => swept.push((skipped.path.clone(), "skipped".into(), 0, false)),
            _ => errors.push(format!("{dir}/{}: skipped unexpectedly ({})", skipped.path, skipped.reason)),
        }
    }
    for (row, used) in rows.iter().zip(used) {
        if !used {
            errors.push(format!("{dir}: row {:?} matches no file", row.0));
        }
    }

    // Every record cites lines inside its file, and its quote stands in those lines.
    let counts: Vec<u32> = bundle.files.iter().map(debrief_model::SourceFile::line_count).collect();
    let lines: Vec<Vec<&str>> =
        bundle.files.iter().map(|f| f.text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect()).collect();
    for r in &out.records {
        let (Some(file), Some(file_lines)) =
            (bundle.files.get(r.span.source as usize), lines.get(r.span.source as usize))
        else {
            errors.push(format!("{dir}: a record cites source {} of {}", r.span.source, bundle.files.len()));
            continue;
        };
        let count = counts.get(r.span.source as usize).copied().unwrap_or(0);
        if r.span.line < 1 || r.span.line > r.span.end_line || r.span.end_line > count {
            errors.push(format!("{dir}/{}: span {}..{} outside 1..{count}", file.path, r.span.line, r.span.end_line));
            continue;
        }
        let quote = quote_of(&r.text, 120);
        let cited = file_lines[r.span.line as usize - 1..r.span.end_line as usize].join("\n");
        if !quote.is_empty() && !cited.contains(&quote) && !unescape_json(&cited).contains(&quote) {
            errors.push(format!(
                "{dir}/{}:{}-{}: quote {quote:?} is not in the cited lines",
                file.path, r.span.line, r.span.end_line
            ));
        }
    }
    (swept, errors)
}

/// One line per folder: the artifact files with their formats and records, then how many
/// files are not artifacts.
fn summary(dir: &str, swept: &Swept) -> String {
    let mut formats: BTreeMap<&str, usize> = BTreeMap::new();
    let mut records = 0;
    for (_, f, n, _) in swept.iter().filter(|s| !s.3) {
        *formats.entry(f.as_str()).or_default() += 1;
        records += n;
    }
    let docs = swept.iter().filter(|s| s.3).count();
    let artifacts = swept.len() - docs;
    let formats: Vec<String> = formats.iter().map(|(f, n)| format!("{f} ×{n}")).collect();
    format!("{dir}: {artifacts} files — {} — {records} records; {docs} not artifacts", formats.join(", "))
}

#[test]
fn every_sample_is_detected_and_counted() {
    let Some(root) = shared() else { return };
    let mut errors = Vec::new();
    for (dir, rows) in FOLDERS {
        let (swept, mut errs) = sweep(&root, dir, rows);
        println!("{}", summary(dir, &swept));
        errors.append(&mut errs);
    }
    assert!(errors.is_empty(), "{} mismatches:\n{}", errors.len(), errors.join("\n"));
}

/// The formats without a public sample are detected, counted and quotable on our fixtures
/// (always present, so this runs in every clone).
#[test]
fn own_fixtures_are_detected_and_counted() {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"));
    let mut errors = Vec::new();
    for (dir, rows) in OWN_FIXTURES {
        let (swept, mut errs) = sweep(&root, dir, rows);
        println!("{}", summary(dir, &swept));
        errors.append(&mut errs);
    }
    assert!(errors.is_empty(), "{} mismatches:\n{}", errors.len(), errors.join("\n"));
}

/// The Slack test archive as its `.zip` gives the same formats and counts as the folder.
#[test]
fn slack_test_archive_zip_matches_its_folder() {
    let Some(root) = shared() else { return };
    let rows: Vec<Row> =
        SLACK_TESTARCHIVE.iter().filter_map(|&(p, w)| p.strip_prefix("testarchive/").map(|p| (p, w))).collect();
    let (swept, errors) = sweep(&root, "eval-data/slack-export-viewer-testarchive/testarchive.zip", &rows);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(swept.len(), 20, "20 files (the zip also lists its 2 folders)");
    let messages: usize = swept.iter().filter(|s| s.1 == "slack-export").map(|s| s.2).sum();
    assert_eq!(messages, 158, "messages in the 17 day files");
}

#[test]
fn patterns() {
    assert!(matches("api.github.com/**", "api.github.com/push/payload.json"));
    assert!(matches("*/*_2k.log", "HDFS/HDFS_2k.log"));
    assert!(!matches("*/*_2k.log", "HDFS/HDFS_2k.log_templates.csv"));
    assert!(!matches("export/*.json", "export/sub/users.json"));
    assert!(matches("**", "README.md"));
    assert_eq!(unescape_json(r#"a\/b \"c\" \u2019 \ud83d\ude00"#), "a/b \"c\" ’ 😀");
}
