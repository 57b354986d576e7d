//! The redaction property, end to end: every should-detect string of gitleaks' rule
//! tests (`../shared/eval-data/gitleaks/rule_test_strings.jsonl`, see its SOURCE.md),
//! planted into a bundle in five formats — a Slack export message (with `users.json`), a
//! PagerDuty note, a `notes.md` line, a JSON log line and an Alertmanager annotation — next
//! to the real names of the people in `incident.toml`, appears in neither the Markdown nor
//! the JSON draft; nor does any of those names. The drafts still cite their lines: the
//! self-check drops nothing.
//!
//! Rows are the redact crate's gitleaks test rows: `tp` literals as written (minus the
//! fragments of Go string concatenations that hold no secret, recognised the same way, by
//! how the text ends), and `sample_secret_value`s in gitleaks' `id_api_token = "…"`
//! context. What must not appear is a row's secret value: the sample itself, or for a
//! literal its longest secret-looking token (see [`secret_value`]). Deterministic: a plain
//! loop, 20 rows per bundle.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use serde_json::{Value, json};

use crate::{debrief, root, stderr, stdout};

/// Rows per bundle.
const BATCH: usize = 20;

/// The people of every bundle: name, role, Slack id, Slack handle, PagerDuty id.
const PEOPLE: &[(&str, &str, &str, &str, &str)] = &[
    ("Marisol Quintero", "incident commander", "U07MQNT3RO1", "marisol.quintero", "PMQ4T7R"),
    ("Oluwaseun Adebayo", "primary on-call", "U07OADBY0A2", "oluwaseun.adebayo", "POA9B2Y"),
];

struct Plant {
    rule: String,
    /// The text planted, context included.
    text: String,
    /// What must not appear in any output.
    value: String,
}

/// A piece of a Go string concatenation that ends where the generated secret was
/// spliced in — the same rule as `crates/redact/tests/it/gitleaks.rs`.
fn fragment(text: &str) -> bool {
    let t = text.trim_end();
    if t.trim().len() <= 2 {
        return true;
    }
    if t.ends_with(['=', ':', '/', '-']) {
        return true;
    }
    if let Some(stripped) = t.strip_suffix(['"', '\'']) {
        let before = stripped.trim_end_matches('\\');
        return before.is_empty() || before.ends_with([' ', '=', ':', '(']);
    }
    t.matches('"').count() % 2 == 1
}

/// `host.example.org`, `localhost` or `name:9200`: evidence, not a secret.
fn host_like(t: &str) -> bool {
    let (host, port) = t.split_once(':').unwrap_or((t, ""));
    let name = host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let dotted =
        host.rsplit('.').next().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    let port_ok = !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
    name && (dotted || host == "localhost" || port_ok) && port.chars().all(|c| c.is_ascii_digit())
}

/// The password of a `user:password` token: the part after the first colon, and before
/// `@host` when a host follows. `None` when the token is no such credential — it needs an
/// `@host` or a `-u`/`--user` flag in the text.
fn password(t: &str, user_flag: bool) -> Option<&str> {
    let (_, rest) = t.split_once(':')?;
    if let Some((pass, host)) = rest.rsplit_once('@') {
        let host = host.split(['#', '?']).next().unwrap_or(host);
        if host_like(host) {
            return Some(pass);
        }
    }
    user_flag.then_some(rest)
}

/// The secret a literal carries. The text is cut into tokens at blanks, quotes, brackets,
/// `=`, `,`, `;`, `|`, `/`, `\\`, `?` and `&`; host names are no secret. If a token is a
/// `user:password` (see [`password`]), the last such password; otherwise the longest token
/// of at least 8 characters that mixes letters and digits and is not an email address.
/// `None` when there is none (e.g. `"type": "service_account"`, a marker rather than a
/// value).
fn secret_value(text: &str) -> Option<String> {
    let user_flag = text.contains("-u ") || text.contains("--user");
    // `--user "{id}":"{secret}"` is one `user:password`.
    let text = if user_flag { text.replace(['{', '}'], "").replace("\":\"", ":") } else { text.to_string() };
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || "\"'`,;()[]<>\\|/=?&".contains(c))
        .map(|t| t.trim_end_matches(['.', ':']))
        .filter(|t| !t.is_empty() && !host_like(t))
        .collect();
    if let Some(p) = tokens.iter().filter_map(|t| password(t, user_flag)).rfind(|p| p.len() >= 6) {
        return Some(p.to_string());
    }
    tokens
        .iter()
        .filter(|t| t.len() >= 8 && !t.contains('@'))
        .filter(|t| t.chars().any(|c| c.is_ascii_alphabetic()) && t.chars().any(|c| c.is_ascii_digit()))
        .max_by_key(|t| t.len())
        .map(ToString::to_string)
}

fn plants(path: &Path) -> (Vec<Plant>, usize, usize) {
    let mut out = Vec::new();
    let (mut fragments, mut no_value) = (0, 0);
    for line in fs::read_to_string(path).unwrap().lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap();
        if v["label"] != "tp" {
            continue;
        }
        let rule = v["rule_id"].as_str().unwrap().to_string();
        let text = v["text"].as_str().unwrap();
        if v["kind"].as_str().unwrap().starts_with("sample_secret_value") {
            let id = v["identifier"].as_str().unwrap_or("");
            let value = text.trim_end_matches(['\'', '"']).to_string();
            out.push(Plant { rule, text: format!("{id}_api_token = \"{value}\""), value });
        } else if fragment(text) {
            fragments += 1;
        } else if let Some(value) = secret_value(text) {
            out.push(Plant { rule, text: text.trim_end().to_string(), value });
        } else {
            no_value += 1;
        }
    }
    (out, fragments, no_value)
}

const DAY: i64 = 1_741_773_600; // 2025-03-12T10:00:00Z

fn iso(secs: i64) -> String {
    jiff::Timestamp::from_second(DAY + secs).unwrap().to_string()
}

/// Writes a bundle holding `batch` in five formats; returns how many texts were planted.
fn write_bundle(dir: &Path, batch: &[Plant]) -> usize {
    let mkdir = |p: &str| fs::create_dir_all(dir.join(p)).unwrap();
    for d in ["slack/inc-900-api-errors", "pagerduty", "notes", "logs", "alertmanager"] {
        mkdir(d);
    }
    let mut toml = String::from(
        "id = \"INC-900\"\ntitle = \"API errors after credentials rotation\"\nseverity = \"SEV-2\"\ntimezone = \"UTC\"\n\n[people]\n",
    );
    for (name, role, ..) in PEOPLE {
        let _ = writeln!(toml, "\"{name}\" = \"{role}\"");
    }
    fs::write(dir.join("incident.toml"), toml).unwrap();

    let users: Vec<Value> = PEOPLE
        .iter()
        .map(|(name, _, id, handle, _)| {
            let first = name.split(' ').next().unwrap().to_lowercase();
            json!({"id": id, "team_id": "T0PLANT01", "name": handle, "deleted": false, "real_name": name,
                   "profile": {"real_name": name, "display_name": first, "title": "SRE"}, "is_bot": false})
        })
        .collect();
    fs::write(dir.join("slack/users.json"), serde_json::to_string_pretty(&users).unwrap()).unwrap();
    let channels = json!([{"id": "C0PLANT001", "name": "inc-900-api-errors", "created": "1741770000",
        "creator": PEOPLE[0].2, "members": PEOPLE.iter().map(|p| p.2).collect::<Vec<_>>()}]);
    fs::write(dir.join("slack/channels.json"), serde_json::to_string_pretty(&channels).unwrap()).unwrap();

    let (mut slack, mut pd, mut logs, mut alerts) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut notes = String::from("# INC-900 notes\n\n");
    for (i, p) in batch.iter().enumerate() {
        let t = 60 * i as i64;
        let (name, _, uid, _, pid) = PEOPLE[i % PEOPLE.len()];
        let (other, ..) = PEOPLE[(i + 1) % PEOPLE.len()];
        let first = other.split(' ').next().unwrap();
        slack.push(json!({"type": "message", "user": uid, "ts": format!("{}.{:06}", DAY + t, 100 + i),
            "text": format!("{first}, the {} credential leaked in the error output: {}", p.rule, p.text)}));
        pd.push(json!({"id": format!("RPLANT{i:04}"), "type": "annotate_log_entry", "summary": "Note added",
            "created_at": iso(t + 10), "agent": {"id": pid, "type": "user_reference", "summary": name},
            "channel": {"type": "note", "summary": format!("{other} rotating {}: {}", p.rule, p.text)},
            "incident": {"id": "QPLANT900", "type": "incident_reference", "summary": "API errors"}}));
        let _ =
            writeln!(notes, "{:02}:{:02} {other} saw {} in the logs: {}", 10 + t / 3600, (t / 60) % 60, p.rule, p.text);
        logs.push(
            json!({"@timestamp": iso(t + 20), "level": "ERROR", "service": "api-gateway", "pod": "api-gateway-7d9f-x2k4p",
                "message": format!("upstream auth failed for {}: {}", p.rule, p.text)})
            .to_string(),
        );
        alerts.push(
            json!({"receiver": "webhook-archive", "status": "firing", "alerts": [{"status": "firing",
                "labels": {"alertname": "CredentialLeak", "severity": "critical", "service": "api-gateway"},
                "annotations": {"summary": format!("{} seen in logs", p.rule),
                                "description": format!("Reported by {other}: {}", p.text)},
                "startsAt": iso(t + 30), "endsAt": "0001-01-01T00:00:00Z", "fingerprint": format!("{i:016x}")}],
                "groupLabels": {"alertname": "CredentialLeak"}, "commonLabels": {"alertname": "CredentialLeak"},
                "commonAnnotations": {}, "externalURL": "http://alertmanager:9093", "version": "4"})
            .to_string(),
        );
    }
    fs::write(dir.join("slack/inc-900-api-errors/2025-03-12.json"), serde_json::to_string_pretty(&slack).unwrap())
        .unwrap();
    fs::write(
        dir.join("pagerduty/log_entries.json"),
        serde_json::to_string_pretty(&json!({"log_entries": pd, "limit": 100, "offset": 0, "more": false})).unwrap(),
    )
    .unwrap();
    fs::write(dir.join("notes/notes.md"), notes).unwrap();
    fs::write(dir.join("logs/api-gateway.jsonl"), logs.join("\n") + "\n").unwrap();
    fs::write(dir.join("alertmanager/webhooks.jsonl"), alerts.join("\n") + "\n").unwrap();
    5 * batch.len()
}

/// `word` occurs in `hay` as a whole word, ignoring case.
fn has_word(hay: &str, word: &str) -> bool {
    let (hay, word) = (hay.to_lowercase(), word.to_lowercase());
    hay.match_indices(&word).any(|(i, _)| {
        let before = hay[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after = hay[i + word.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        before && after
    })
}

#[test]
fn planted_secrets_and_names_appear_in_no_draft() {
    let path = root().join("../shared/eval-data/gitleaks/rule_test_strings.jsonl");
    if !path.is_file() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("note: ../shared/eval-data/gitleaks is absent; skipping the planted-secrets test");
        }
        return;
    }
    let (plants, fragments, no_value) = plants(&path);
    assert!(plants.len() > 100, "only {} rows to plant", plants.len());
    let names: Vec<&str> = PEOPLE.iter().flat_map(|p| p.0.split(' ')).chain(PEOPLE.iter().map(|p| p.0)).collect();

    let mut leaks = Vec::new();
    let (mut planted, mut bundles, mut cited, mut shown) = (0, 0, 0, 0);
    for batch in plants.chunks(BATCH) {
        let dir = tempfile::tempdir().unwrap();
        planted += write_bundle(dir.path(), batch);
        bundles += 1;
        let bundle = dir.path().to_str().unwrap();
        let md = debrief(&["draft", bundle, "--format", "md"]);
        assert!(md.status.success(), "bundle {bundles}: {}", stderr(&md));
        let js = debrief(&["draft", bundle, "--format", "json"]);
        assert!(js.status.success(), "bundle {bundles}: {}", stderr(&js));
        let (md, js) = (stdout(&md), stdout(&js));
        let review: Value = serde_json::from_str(&js).expect("review JSON");
        assert_eq!(review["verification"]["dropped"], json!([]), "bundle {bundles}: the self-check dropped statements");
        let cites = js.matches("\"line\"").count();
        assert!(cites > 0, "bundle {bundles}: no citations");
        cited += cites;
        shown += md.matches("‹secret").count() + js.matches("‹secret").count();
        for (fmt, out) in [("md", &md), ("json", &js)] {
            for p in batch {
                if out.contains(&p.value) {
                    leaks.push(format!("bundle {bundles} {fmt}: {} value {:?}", p.rule, p.value));
                }
            }
            for n in &names {
                if has_word(out, n) {
                    leaks.push(format!("bundle {bundles} {fmt}: name {n:?}"));
                }
            }
        }
    }
    note(&format!(
        "planted {} gitleaks should-detect rows ({fragments} fragments and {no_value} rows without a secret value \
         set apart) in {bundles} bundles of up to {BATCH}, in 5 formats = {planted} planted texts; \
         {} name words; {cited} line citations; {shown} `‹secret…›` shown in the drafts; {} leaks",
        plants.len(),
        names.len(),
        leaks.len()
    ));
    assert!(shown > 0, "no planted text reached a draft: the property would hold vacuously");
    assert!(leaks.is_empty(), "leaks:\n{}", leaks.join("\n"));
}

#[test]
fn secret_value_picks_the_secret_not_the_host() {
    assert_eq!(
        secret_value("curl -s --user 'api:d2LkV78zLx!t' https://api.mailgun.net/v2/sandbox91d3515882ecfaa1c65be642.mailgun.org/messages")
            .as_deref(),
        Some("d2LkV78zLx!t")
    );
    assert_eq!(secret_value(r#""type": "service_account""#), None);
    assert_eq!(secret_value("https://cafebabe:deadbeef@gems.contribsys.com/").as_deref(), Some("deadbeef"));
    assert_eq!(
        secret_value("curl -X POST --user \"{acd3c08b-74e8-4f44-a2d0-80694le24f46}\":\"{ZqL5kVrX1n8tA2}\" -d x")
            .as_deref(),
        Some("ZqL5kVrX1n8tA2")
    );
    assert_eq!(
        secret_value("curl -k https://infinispan:11222/rest \\\n  -u developer:yqDVtk").as_deref(),
        Some("yqDVtk")
    );
    assert!(has_word("Paged MARISOL.", "marisol") && !has_word("marisoleum", "marisol"));
}

/// A line for the test log (test output is where figures go).
#[allow(clippy::print_stdout)]
fn note(text: &str) {
    println!("{text}");
}
