#![allow(clippy::print_stdout, clippy::print_stderr)]
use std::path::Path;

#[test]
fn dump() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared");
    let dirs = [
        "eval-data/slack-export-viewer-testarchive",
        "eval-data/slackdump-fixtures",
        "eval-data/pagerduty",
        "eval-data/alertmanager-grafana-webhook",
        "eval-data/github-webhooks-octokit",
        "eval-data/jira-cloud-openapi-examples",
        "eval-data/opsgenie-oas",
        "eval-data/incidents",
        "eval/incidents/checkout-timeouts/bundle",
        "eval/incidents/cloudflare-2019-07-02/bundle",
        "eval/incidents/k8s-prow-2019-01-23/bundle",
        "eval/incidents/slack-2021-01-04/bundle",
    ];
    for d in dirs {
        let b = debrief_ingest::load(&Path::new(root).join(d)).unwrap();
        let out = debrief_ingest::ingest(&b);
        for s in &out.sources {
            let probs: Vec<String> = s.problems.iter().take(3).map(ToString::to_string).collect();
            println!("{d}\t{}\t{}\t{}\t{}\t{:?}", s.path, s.format, s.records, s.problems.len(), probs);
        }
        for s in &out.skipped {
            println!("{d}\tSKIPPED {}\t{}", s.path, s.reason);
        }
    }
}
