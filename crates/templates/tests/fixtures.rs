//! The miner and onset detection on the hand-made logs in `tests/fixtures/` (see its README).

use debrief_templates::{Config, Miner, Occurrence, OnsetConfig, OnsetKind, find_bursts, lines, matches, split_header};
use jiff::Timestamp;

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Templates by count (then first line): `(count, first line, text)`.
fn table(miner: &Miner) -> Vec<(u64, u64, String)> {
    let mut t: Vec<_> = miner.templates().map(|t| (t.count, t.first_line, t.text.to_string())).collect();
    t.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    t
}

#[test]
fn incident_app_log_templates() {
    let text = fixture("incident-app.log");
    let mut miner = Miner::new(Config::default());
    let ids: Vec<_> = lines(&text).map(|l| miner.add(l)).collect();
    let got = table(&miner);
    let want = [
        (
            270,
            95,
            "upstream timed out (<*>: Connection timed out) while reading response header from upstream, client: <*>, upstream: \"http://<*>/orders\"",
        ),
        (180, 1, "GET <*> <*> <*> request_id=<*>"),
        (30, 2, "processed batch <*> in <*>"),
        (15, 3, "hit ratio <*> over <*> lookups"),
        (11, 128, "pool exhausted: <*> connections in use, waited <*>"),
        (1, 91, "rollout of api <*> started by deploy-bot"),
    ];
    let got_ref: Vec<(u64, u64, &str)> = got.iter().map(|(c, f, t)| (*c, *f, t.as_str())).collect();
    assert_eq!(got_ref, want);
    for (line, id) in lines(&text).zip(&ids) {
        let message = split_header(line).message;
        assert!(matches(miner.template(*id), message), "{message:?} !~ {:?}", miner.template(*id));
    }
}

#[test]
fn incident_app_log_first_onset_is_the_new_error() {
    let text = fixture("incident-app.log");
    let mut miner = Miner::new(Config::default());
    let mut occurrences = Vec::new();
    for (i, line) in lines(&text).enumerate() {
        let template = miner.add(line);
        let time: Timestamp = line.split(' ').next().and_then(|t| t.parse().ok()).expect("a time on each line");
        occurrences.push(Occurrence { line: i as u64 + 1, time, template, level: miner.last_level() });
    }
    for o in &mut occurrences {
        o.template = miner.resolve(o.template);
    }
    let bursts = find_bursts(&occurrences, &OnsetConfig::default());
    let first = bursts.first().expect("an onset");
    assert_eq!(first.kind, OnsetKind::NewTemplate, "{bursts:#?}");
    assert!(miner.template(first.template).starts_with("upstream timed out"));
    assert_eq!((first.first_line, first.last_line, first.count), (95, 507, 270));
    assert_eq!(first.start, "2024-05-01T10:06:00Z".parse::<Timestamp>().unwrap());
    assert!(first.error);
    let share = bursts.iter().find(|b| b.kind == OnsetKind::ErrorShare).expect("an error-share jump");
    assert_eq!(share.template, first.template);
    assert_eq!(share.first_line, 95);
    // Nothing before the incident stands out: the steady lines make no burst.
    assert!(bursts.iter().all(|b| b.start >= first.start), "{bursts:#?}");
}

#[test]
fn sshd_log_templates() {
    let text = fixture("sshd.log");
    let mut miner = Miner::new(Config::default());
    for line in lines(&text) {
        miner.add(line);
    }
    let got = table(&miner);
    let texts: Vec<&str> = got.iter().map(|t| t.2.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Invalid user <*> from <*> port <*>",
            "Failed password for invalid user <*> from <*> port <*> ssh2",
            "Connection closed by <*> port <*> [preauth]",
            "Accepted publickey for deploy from <*> port <*> ssh2: <*> <*>",
            "Received disconnect from <*> port <*>: Bye Bye [preauth]",
            "pam_unix(sshd:session): session opened for user deploy",
            "pam_unix(sshd:session): session closed for user deploy",
        ]
    );
    assert_eq!(got.iter().map(|t| t.0).sum::<u64>(), 240);
}
