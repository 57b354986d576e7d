//! Prometheus Alertmanager and Grafana alerting webhook bodies.
//!
//! A file holds one body (pretty or compact), a JSON array of bodies, JSON lines (one
//! delivery per line, as an archive of deliveries), or Alertmanager's `GET /api/v2/alerts`
//! list. Alertmanager v4 bodies and Grafana unified-alerting bodies (the same shape plus
//! `title`, `state`, `orgId`…) give one record per alert state change: firing becomes
//! [`Kind::Alert`] at `startsAt`, resolved becomes [`Kind::AlertResolved`] at `endsAt`, so
//! a late delivery keeps the time the alert really started. Repeated notifications of
//! the same alert (same fingerprint, or same name and labels, and same `startsAt`) are
//! folded into the first record and counted in the `notifications` attribute. Legacy
//! Grafana bodies (`ruleName`, `state`, `evalMatches`) carry no time: their records have
//! none, and a problem says so.

use std::collections::{BTreeMap, HashMap};

use debrief_model::{Actor, Kind, Problem, Record, SourceFile, Span, When};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::adapter::{Adapter, Context, Parsed};
use crate::jsonspan::{error_line, span_of};
use crate::lines::LineIndex;
use crate::time::parse_instant;

pub struct Alertmanager;

impl Adapter for Alertmanager {
    fn format(&self) -> &'static str {
        "alertmanager-webhook"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        sniff(&file.text)
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        parse(file, cx)
    }
}

fn sniff(text: &str) -> u8 {
    let mut end = text.len().min(8 * 1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = text[..end].trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if !head.starts_with(['{', '[']) {
        return 0;
    }
    let has = |key: &str| head.contains(key);
    if has("\"alerts\"")
        && (has("\"receiver\"")
            || has("\"groupLabels\"")
            || has("\"groupKey\"")
            || has("\"status\"") && has("\"startsAt\""))
    {
        90
    } else if has("\"evalMatches\"") || has("\"ruleName\"") && has("\"state\"") {
        85
    } else if head.starts_with('[') && has("\"startsAt\"") && has("\"labels\"") && has("\"fingerprint\"") {
        // GET /api/v2/alerts
        80
    } else {
        0
    }
}

/// The fields of a webhook body debrief reads.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Body<'a> {
    #[serde(borrow)]
    alerts: Option<Vec<&'a RawValue>>,
    receiver: Option<String>,
    status: Option<String>,
    // Grafana, unified and legacy
    #[serde(rename = "orgId")]
    org_id: Option<Value>,
    title: Option<String>,
    message: Option<String>,
    state: Option<String>,
    #[serde(rename = "ruleName")]
    rule_name: Option<String>,
    #[serde(rename = "ruleId")]
    rule_id: Option<Value>,
    #[serde(rename = "evalMatches")]
    eval_matches: Option<Vec<Value>>,
}

/// One alert of a body (or of the v2 API list).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Alert {
    /// `"firing"`, or the API's `{"state": "suppressed", "silencedBy": [...], ...}`.
    status: Option<Value>,
    labels: BTreeMap<String, Value>,
    annotations: BTreeMap<String, Value>,
    #[serde(rename = "startsAt")]
    starts_at: Option<String>,
    #[serde(rename = "endsAt")]
    ends_at: Option<String>,
    fingerprint: Option<String>,
}

/// A label or annotation value as text.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn get(map: &BTreeMap<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(text_of).filter(|s| !s.trim().is_empty())
}

/// `endsAt` of an alert that has not ended (Go's zero time).
fn is_zero_time(s: &str) -> bool {
    s.starts_with("0001-01-01")
}

/// Who sent the body, for the records' actor.
fn sender(body: &Body<'_>) -> &'static str {
    if body.org_id.is_some() || body.title.is_some() || body.state.is_some() { "Grafana" } else { "Alertmanager" }
}

struct Reader<'a> {
    text: &'a str,
    index: LineIndex,
    source: u32,
    records: Vec<Record>,
    problems: Vec<Problem>,
    /// Firing and resolved records by (alert identity, `startsAt`).
    firing: HashMap<(String, String), usize>,
    resolved: HashMap<(String, String), usize>,
    legacy_untimed: bool,
}

impl Reader<'_> {
    fn span(&self, raw: &RawValue, line: Option<u32>) -> Span {
        if let Some(l) = line {
            return Span::line(self.source, l);
        }
        let (a, b) = span_of(self.text, &self.index, raw).unwrap_or((1, 1));
        Span::lines(self.source, a, b)
    }

    /// A body; `line` is set when the body is one line of a JSON-lines file (its span).
    fn body(&mut self, raw: &RawValue, line: Option<u32>) {
        let body: Body = match serde_json::from_str(raw.get()) {
            Ok(b) => b,
            Err(e) => {
                let at = self.span(raw, line).line;
                self.problems.push(Problem::at(at, format!("expected an alert webhook body: {e} — skipped")));
                return;
            }
        };
        let actor = sender(&body);
        match &body.alerts {
            Some(alerts) => {
                if alerts.is_empty() {
                    let at = self.span(raw, line).line;
                    self.problems.push(Problem::at(at, "webhook body has an empty \"alerts\" array — nothing to read"));
                }
                for &a in alerts {
                    self.alert(a, &body, actor, line);
                }
            }
            None if body.rule_name.is_some() || body.eval_matches.is_some() || body.state.is_some() => {
                self.legacy(raw, &body, line);
            }
            None => {
                let at = self.span(raw, line).line;
                self.problems.push(Problem::at(
                    at,
                    "expected an Alertmanager or Grafana webhook body with an \"alerts\" array — skipped",
                ));
            }
        }
    }

    fn alert(&mut self, raw: &RawValue, body: &Body<'_>, actor: &'static str, line: Option<u32>) {
        let span = self.span(raw, line);
        let alert: Alert = match serde_json::from_str(raw.get()) {
            Ok(a) => a,
            Err(e) => {
                self.problems.push(Problem::at(span.line, format!("expected an alert object: {e} — skipped")));
                return;
            }
        };
        let (state, silenced, inhibited) = match &alert.status {
            Some(Value::String(s)) => (s.to_ascii_lowercase(), None, None),
            Some(Value::Object(o)) => {
                let ids = |key: &str| {
                    o.get(key)
                        .and_then(Value::as_array)
                        .filter(|a| !a.is_empty())
                        .map(|a| a.iter().filter_map(text_of).collect::<Vec<_>>().join(","))
                };
                // The API's active / suppressed / unprocessed are all still firing.
                let state = o.get("state").and_then(Value::as_str).unwrap_or("active");
                let state = if state == "resolved" { "resolved" } else { "firing" };
                (state.to_string(), ids("silencedBy"), ids("inhibitedBy"))
            }
            _ => (body.status.as_deref().unwrap_or("firing").to_ascii_lowercase(), None, None),
        };
        let info = AlertInfo::new(&alert, span, actor, body.receiver.clone(), silenced, inhibited);
        let key = (info.identity(&alert), alert.starts_at.clone().unwrap_or_default());

        if state != "resolved" {
            if let Some(&i) = self.firing.get(&key) {
                bump(&mut self.records[i]);
                return;
            }
            let when = self.time(alert.starts_at.as_deref(), "startsAt", &info);
            let kind =
                if matches!(state.as_str(), "firing" | "pending" | "alerting") { Kind::Alert } else { Kind::System };
            let mut r = info.record(kind, when, &state).with_attr("notifications", "1");
            if alert.ends_at.as_deref().is_none_or(is_zero_time) {
                r = r.with_attr("open", "true");
            }
            self.firing.insert(key, self.records.len());
            self.records.push(r);
            return;
        }

        if let Some(&i) = self.resolved.get(&key) {
            bump(&mut self.records[i]);
            return;
        }
        if let Some(&i) = self.firing.get(&key) {
            self.records[i].attrs.retain(|a| a.key != "open");
        } else {
            // The firing notification never came (alerting was down, or the archive starts
            // later): the resolved one still says when the alert started.
            let when = self.time(alert.starts_at.as_deref(), "startsAt", &info);
            let mut r = info.record(Kind::Alert, when, "firing").with_attr("notifications", "0");
            if let Some(s) = r.summary.as_mut() {
                s.push_str(" (known only from its resolved notification)");
            }
            self.firing.insert(key.clone(), self.records.len());
            self.records.push(r);
        }
        let when = self.time(alert.ends_at.as_deref(), "endsAt", &info);
        let r = info.record(Kind::AlertResolved, when, "resolved").with_attr("notifications", "1");
        self.resolved.insert(key, self.records.len());
        self.records.push(r);
    }

    /// `startsAt` / `endsAt` as a time, or a problem.
    fn time(&mut self, raw: Option<&str>, what: &str, info: &AlertInfo) -> When {
        let Some(s) = raw.filter(|s| !is_zero_time(s)) else {
            let msg = format!("alert {} has no {what} — kept with its time unknown", info.name);
            self.problems.push(Problem::at(info.span.line, msg));
            return When::unknown();
        };
        if let Some(t) = parse_instant(s) {
            return When::exact(t).with_original(s);
        }
        let msg = format!("{what} {s:?} is not an RFC 3339 time — alert {} kept with its time unknown", info.name);
        self.problems.push(Problem::at(info.span.line, msg));
        When::unknown().with_original(s)
    }

    /// A legacy Grafana body: one alert rule, its state, no time.
    fn legacy(&mut self, raw: &RawValue, body: &Body<'_>, line: Option<u32>) {
        let span = self.span(raw, line);
        let name = body.rule_name.clone().or_else(|| body.title.clone()).unwrap_or_else(|| "unnamed alert".into());
        let state = body.state.clone().unwrap_or_default().to_ascii_lowercase();
        let kind = match state.as_str() {
            "alerting" | "pending" | "no_data" => Kind::Alert,
            "ok" => Kind::AlertResolved,
            _ => Kind::System,
        };
        let text = body
            .message
            .clone()
            .filter(|m| !m.trim().is_empty())
            .or_else(|| body.title.clone())
            .unwrap_or_else(|| name.clone());
        let mut headline = format!("Alert {name} {}", if state.is_empty() { "notified" } else { &state });
        if let Some(m) = body.message.as_deref().filter(|m| !m.trim().is_empty()) {
            headline.push_str(": ");
            headline.push_str(m);
        }
        let mut r = Record::new(span, When::unknown(), kind, text)
            .with_actor(Actor::bot("Grafana"))
            .with_summary(headline)
            .with_attr("alert", name)
            .with_attr("status", state);
        if let Some(id) = body.rule_id.as_ref().and_then(text_of) {
            r = r.with_attr("rule_id", id);
        }
        if let Some(m) = &body.eval_matches {
            r = r.with_attr("eval_matches", m.len().to_string());
        }
        self.legacy_untimed = true;
        self.records.push(r);
    }
}

/// What every record of one alert shares.
struct AlertInfo {
    span: Span,
    actor: &'static str,
    name: String,
    severity: Option<String>,
    service: Option<String>,
    fingerprint: Option<String>,
    receiver: Option<String>,
    silenced: Option<String>,
    inhibited: Option<String>,
    /// The quote: the alert's own summary or description, else its name.
    text: String,
    /// Summary and description, for the record's summary line.
    detail: String,
}

impl AlertInfo {
    fn new(
        alert: &Alert,
        span: Span,
        actor: &'static str,
        receiver: Option<String>,
        silenced: Option<String>,
        inhibited: Option<String>,
    ) -> Self {
        let name = get(&alert.labels, "alertname")
            .or_else(|| get(&alert.labels, "__alert_rule_title__"))
            .unwrap_or_else(|| "unnamed alert".into());
        let summary = get(&alert.annotations, "summary");
        let description = get(&alert.annotations, "description").or_else(|| get(&alert.annotations, "message"));
        let text = summary.clone().or_else(|| description.clone()).unwrap_or_else(|| name.clone());
        let detail = match (summary, description) {
            (Some(s), Some(d)) if s != d => format!("{s} — {d}"),
            (Some(s), _) => s,
            (None, Some(d)) => d,
            (None, None) => String::new(),
        };
        Self {
            span,
            actor,
            severity: get(&alert.labels, "severity").or_else(|| get(&alert.labels, "priority")),
            service: get(&alert.labels, "service").or_else(|| get(&alert.labels, "job")),
            fingerprint: alert.fingerprint.clone().filter(|f| !f.is_empty()),
            name,
            receiver,
            silenced,
            inhibited,
            text,
            detail,
        }
    }

    /// The alert's identity across notifications: its fingerprint, else name and labels.
    fn identity(&self, alert: &Alert) -> String {
        if let Some(fp) = &self.fingerprint {
            return format!("fp:{fp}");
        }
        let labels: Vec<String> =
            alert.labels.iter().map(|(k, v)| format!("{k}={}", text_of(v).unwrap_or_default())).collect();
        format!("labels:{}", labels.join(","))
    }

    fn record(&self, kind: Kind, when: When, status: &str) -> Record {
        let mut headline = format!("Alert {} {status}", self.name);
        if let Some(sev) = &self.severity {
            headline = format!("{headline} ({sev})");
        }
        if !self.detail.is_empty() {
            headline = format!("{headline}: {}", self.detail);
        }
        let mut r = Record::new(self.span, when, kind, self.text.clone())
            .with_actor(Actor::bot(self.actor))
            .with_summary(headline)
            .with_attr("alert", self.name.clone())
            .with_attr("status", status);
        let optional = [
            ("severity", &self.severity),
            ("service", &self.service),
            ("fingerprint", &self.fingerprint),
            ("receiver", &self.receiver),
            ("silenced", &self.silenced),
            ("inhibited", &self.inhibited),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                r = r.with_attr(key, v.clone());
            }
        }
        r
    }
}

/// One more notification of an alert already recorded.
fn bump(r: &mut Record) {
    let n: u32 = r.attr("notifications").and_then(|n| n.parse().ok()).unwrap_or(0);
    r.set_attr("notifications", (n + 1).to_string());
}

/// Whether a JSON object is an alert of the v2 API list rather than a webhook body.
fn is_api_alert(raw: &RawValue) -> bool {
    #[derive(Deserialize)]
    struct Probe<'a> {
        #[serde(borrow)]
        alerts: Option<&'a RawValue>,
        #[serde(borrow)]
        labels: Option<&'a RawValue>,
    }
    serde_json::from_str::<Probe>(raw.get()).is_ok_and(|p| p.alerts.is_none() && p.labels.is_some())
}

fn parse(file: &SourceFile, cx: &Context<'_>) -> Parsed {
    let text = file.text.as_str();
    let mut rd = Reader {
        text,
        index: LineIndex::new(text),
        source: cx.source,
        records: Vec::new(),
        problems: Vec::new(),
        firing: HashMap::new(),
        resolved: HashMap::new(),
        legacy_untimed: false,
    };
    let start = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let body_text = &text[text.len() - start.len()..];
    match serde_json::from_str::<&RawValue>(body_text) {
        Ok(raw) if raw.get().starts_with('[') => match serde_json::from_str::<Vec<&RawValue>>(raw.get()) {
            Ok(items) => {
                for item in items {
                    if is_api_alert(item) {
                        let body = Body { status: Some("firing".into()), ..Body::default() };
                        rd.alert(item, &body, "Alertmanager", None);
                    } else {
                        rd.body(item, None);
                    }
                }
            }
            Err(e) => return Parsed::fatal(format!("expected a JSON array of webhook bodies or alerts: {e}")),
        },
        Ok(raw) => rd.body(raw, None),
        Err(whole) => {
            // JSON lines: one delivery per line.
            let mut bodies = 0;
            for (no, line) in crate::lines::numbered(text) {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                match serde_json::from_str::<&RawValue>(line) {
                    Ok(raw) => {
                        bodies += 1;
                        rd.body(raw, Some(no));
                    }
                    Err(e) => rd.problems.push(Problem::at(
                        no,
                        format!("expected one webhook body (a JSON object) per line: {e} — line skipped"),
                    )),
                }
            }
            if bodies == 0 {
                return Parsed::fatal(format!(
                    "{}: expected a webhook body (JSON object) or JSON lines of bodies: {whole}",
                    error_line(&whole)
                ));
            }
        }
    }
    if rd.legacy_untimed {
        rd.problems.push(Problem {
            line: None,
            message: "legacy Grafana alert notifications carry no time — their records have none; the delivery time may be in the file name or the receiving system's log".into(),
            can_continue: true,
        });
    }
    Parsed { records: rd.records, problems: rd.problems, ..Parsed::default() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IncidentConfig;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/alertmanager/");
    const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/");

    fn fixture(name: &str) -> SourceFile {
        let text = std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap();
        SourceFile::new(name, text)
    }

    #[allow(clippy::print_stderr)]
    fn shared(path: &str) -> Option<SourceFile> {
        let full = format!("{SHARED}{path}");
        if let Ok(text) = std::fs::read_to_string(&full) {
            Some(SourceFile::new(path, text))
        } else {
            eprintln!("skipped: {full} is not here (the shared eval data is not in this clone)");
            None
        }
    }

    fn read(file: &SourceFile) -> Parsed {
        let config = IncidentConfig::default();
        let cx = Context { source: 2, files: &[], config: &config, zone: None, anchor_date: None };
        Alertmanager.parse(file, &cx)
    }

    fn utc(r: &Record) -> String {
        r.when.utc.map(|t| t.to_string()).unwrap_or_default()
    }

    /// Every record's text is in its lines once JSON escapes are decoded.
    fn assert_quotable(file: &SourceFile, p: &Parsed) {
        let lines: Vec<&str> = file.text.lines().collect();
        for r in &p.records {
            let span = lines[r.span.line as usize - 1..r.span.end_line as usize].join("\n");
            let decoded = span.replace("\\u0026", "&").replace("\\\"", "\"").replace("\\/", "/");
            assert!(decoded.contains(&r.text), "{:?} not in lines {}..{}", r.text, r.span.line, r.span.end_line);
        }
    }

    #[test]
    fn archive_folds_repeats_and_keeps_start_times() {
        let f = fixture("deliveries.jsonl");
        assert_eq!(Alertmanager.sniff(&f), 90);
        let p = read(&f);
        assert_quotable(&f, &p);
        let kinds: Vec<(Kind, &str, u32)> =
            p.records.iter().map(|r| (r.kind, r.attr("alert").unwrap(), r.span.line)).collect();
        assert_eq!(
            kinds,
            [
                (Kind::Alert, "ApiErrorRate", 1),
                (Kind::Alert, "DiskFull", 2),
                (Kind::Alert, "DiskFull", 2),
                (Kind::Alert, "LbPanic", 4),
                (Kind::AlertResolved, "LbPanic", 4),
                (Kind::AlertResolved, "ApiErrorRate", 5),
            ]
        );
        let api = &p.records[0];
        assert_eq!(utc(api), "2024-10-08T14:49:30.418Z");
        assert_eq!(api.when.original.as_deref(), Some("2024-10-08T14:49:30.418Z"));
        assert_eq!(api.text, "Checkout 5xx ratio above 5%");
        assert_eq!(
            api.summary.as_deref(),
            Some(
                "Alert ApiErrorRate firing (critical): Checkout 5xx ratio above 5% — 5xx ratio on POST /api/v1/checkout is 7.9% & rising"
            )
        );
        assert_eq!(api.attr("notifications"), Some("2"), "line 3 repeats line 1");
        assert_eq!(api.attr("open"), None, "resolved later in the file");
        assert_eq!((api.attr("severity"), api.attr("service")), (Some("critical"), Some("checkout-api")));
        assert_eq!(api.attr("fingerprint"), Some("fd51ffc8d570fa2c"));
        assert_eq!(api.actor.as_ref().map(|a| (a.name.as_str(), a.bot)), Some(("Alertmanager", true)));

        // Two alerts of one body, told apart by fingerprint; no annotations: the name is the text.
        let (d1, d2) = (&p.records[1], &p.records[2]);
        assert_eq!((d1.attr("fingerprint"), d2.attr("fingerprint")), (Some("aa01"), Some("aa02")));
        assert_eq!(d1.text, "DiskFull");
        assert_eq!(d1.attr("service"), Some("node-exporter"), "job when there is no service label");
        assert_eq!(d1.attr("open"), Some("true"));

        // Delivered late and only as resolved: the firing time still comes from startsAt.
        let lb = &p.records[3];
        assert_eq!(utc(lb), "2024-10-08T15:24:30Z");
        assert_eq!(lb.attr("notifications"), Some("0"));
        assert!(lb.summary.as_deref().unwrap().ends_with("(known only from its resolved notification)"));
        assert_eq!(utc(&p.records[4]), "2024-10-08T17:02:00Z");

        let resolved = &p.records[5];
        assert_eq!(utc(resolved), "2024-10-08T15:22:30.418Z", "endsAt");
        assert!(resolved.summary.as_deref().unwrap().starts_with("Alert ApiErrorRate resolved (critical)"));
        assert_eq!(resolved.attr("notifications"), Some("2"), "line 6 repeats line 5");
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert_eq!(p.problems[0].line, Some(7), "the broken line");
    }

    #[test]
    fn pretty_grafana_body_cites_each_alert_object() {
        let f = fixture("grafana-unified.json");
        assert_eq!(Alertmanager.sniff(&f), 90);
        let p = read(&f);
        assert_quotable(&f, &p);
        assert_eq!(p.records.len(), 3);
        let a = &p.records[0];
        assert_eq!((a.span.line, a.span.end_line), (5, 21));
        assert_eq!(utc(a), "2024-10-08T14:42:30.157Z", "+02:00 applied");
        assert_eq!(a.text, "Checkout DB pool has waiting threads");
        assert_eq!(a.actor.as_ref().unwrap().name, "Grafana");
        assert_eq!(a.attr("open"), Some("true"));
        // Resolved with no firing notification in the file: both state changes.
        let (fired, b) = (&p.records[1], &p.records[2]);
        assert_eq!((fired.kind, utc(fired).as_str()), (Kind::Alert, "2024-10-08T14:46:00Z"));
        assert_eq!((b.kind, b.span.line, b.span.end_line), (Kind::AlertResolved, 22, 36));
        assert_eq!(utc(b), "2024-10-08T15:20:00Z");
        assert!(p.problems.is_empty());
    }

    #[test]
    fn legacy_grafana_has_no_time() {
        let f = fixture("grafana-legacy.json");
        assert_eq!(Alertmanager.sniff(&f), 85);
        let p = read(&f);
        assert_eq!(p.records.len(), 1);
        let r = &p.records[0];
        assert_eq!((r.kind, r.text.as_str()), (Kind::Alert, "Checkout p99 above 2s for 5m"));
        assert_eq!((r.attr("alert"), r.attr("status")), (Some("Checkout latency"), Some("alerting")));
        assert_eq!(r.attr("eval_matches"), Some("1"));
        assert!(!r.when.is_known());
        assert!(p.problems.iter().any(|q| q.message.contains("no time") && q.can_continue));
    }

    #[test]
    fn api_alert_list_with_silences() {
        let f = fixture("api-v2-alerts.json");
        assert_eq!(Alertmanager.sniff(&f), 80);
        let p = read(&f);
        assert_eq!(p.records.len(), 2);
        let muted = &p.records[0];
        assert_eq!((muted.kind, muted.attr("alert")), (Kind::Alert, Some("CheckoutDBPoolPending")));
        assert_eq!(muted.attr("silenced"), Some("2f1a-silence"));
        assert_eq!(p.records[1].attr("inhibited"), Some("abc"));
        assert_eq!(utc(muted), "2024-10-08T14:42:30Z");
    }

    #[test]
    fn sniff_and_bad_input() {
        assert_eq!(sniff("[{\"type\":\"message\",\"text\":\"alerts\"}]"), 0);
        assert_eq!(sniff("# notes\n"), 0);
        assert_eq!(sniff("{\"log_entries\":[]}"), 0);
        assert_eq!(sniff("{\"status\":\"firing\",\"alerts\":[{\"startsAt\":\"2024-10-08T14:42:30Z\"}]}"), 90);
        let bad = SourceFile::new("x.json", "{\"receiver\":\"x\",\"alerts\":");
        let p = read(&bad);
        assert!(p.records.is_empty());
        assert!(!p.problems.is_empty());
        let odd = SourceFile::new(
            "x.json",
            "{\"receiver\":\"x\",\"alerts\":[{\"labels\":{\"alertname\":\"A\"},\"startsAt\":\"yesterday\"}]}",
        );
        let p = read(&odd);
        assert_eq!(p.records.len(), 1);
        assert!(!p.records[0].when.is_known());
        assert!(p.problems[0].message.contains("not an RFC 3339 time"));
        for text in ["", "[", "[1,2]", "{}", "{\"alerts\":[1]}", "null", "\"x\""] {
            let _ = read(&SourceFile::new("x.json", text));
        }
    }

    #[test]
    fn checkout_webhook_archive() {
        let Some(f) = shared("eval/incidents/checkout-timeouts/bundle/alertmanager/webhook-archive.jsonl") else {
            return;
        };
        assert_eq!(Alertmanager.sniff(&f), 90);
        let p = read(&f);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_quotable(&f, &p);
        assert_eq!(p.records.len(), 48, "one per pod alert and state change");
        let pool = p.records.iter().find(|r| r.span.line == 2).unwrap();
        assert_eq!((pool.kind, utc(pool).as_str()), (Kind::Alert, "2024-10-08T14:42:30.118Z"));
        assert_eq!(pool.attr("alert"), Some("CheckoutDBPoolPending"));
        let err = p.records.iter().find(|r| r.span.line == 6).unwrap();
        assert_eq!(utc(err), "2024-10-08T14:49:30.418Z");
        assert_eq!(err.attr("severity"), Some("critical"));
        assert!(err.summary.as_deref().unwrap().starts_with("Alert CheckoutErrorRate firing (critical): "));
        let fixed = p.records.iter().find(|r| r.span.line == 13).unwrap();
        assert_eq!((fixed.kind, utc(fixed).as_str()), (Kind::AlertResolved, "2024-10-08T15:22:30.418Z"));
        // Lines 8 and 10 repeat the two pool alerts of line 5.
        let q7 = p.records.iter().find(|r| r.span.line == 5).unwrap();
        assert_eq!(q7.attr("notifications"), Some("3"));
        assert_eq!(q7.attr("open"), Some("true"), "never resolved in the archive");
        let pool_fp = Some("1833ef2dc5b71e4f");
        assert!(!p.records.iter().any(|r| r.attr("fingerprint") == pool_fp && r.span.line > 5));
        // Line 8 resolves one pod's alert inside a firing body.
        let t6 = p.records.iter().find(|r| r.span.line == 8 && r.kind == Kind::AlertResolved).unwrap();
        assert_eq!(utc(t6), "2024-10-08T14:52:28.118Z");
    }

    #[test]
    fn slack_held_alerts() {
        let Some(f) = shared("eval/incidents/slack-2021-01-04/bundle/alerts/alertmanager-webhook.jsonl") else {
            return;
        };
        let p = read(&f);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.records.len(), 29);
        let panic = p.records.iter().find(|r| r.span.line == 18).unwrap();
        assert_eq!(utc(panic), "2021-01-04T15:24:30Z", "startsAt, not the ~16:41 flush");
        let errors = p.records.iter().find(|r| r.span.line == 13).unwrap();
        assert_eq!(errors.attr("notifications"), Some("2"), "line 19 is a repeat");
        let fds: Vec<_> = p.records.iter().filter(|r| r.span.line == 16).collect();
        assert_eq!(fds.len(), 2, "a resolved-only alert gives its firing and its resolution");
        assert_eq!((utc(fds[0]).as_str(), utc(fds[1]).as_str()), ("2021-01-04T15:12:00Z", "2021-01-04T16:08:40Z"));
    }

    #[test]
    fn grafana_docs_example() {
        let Some(f) = shared("eval-data/alertmanager-grafana-webhook/grafana-webhook-notifier-example.json") else {
            return;
        };
        assert_eq!(Alertmanager.sniff(&f), 90);
        let p = read(&f);
        assert_quotable(&f, &p);
        assert_eq!(p.records.len(), 2);
        assert_eq!(utc(&p.records[0]), "2021-10-12T07:51:03.157076Z");
        assert_eq!(p.records[0].text, "This alert was triggered for zone us-1");
        assert_eq!(p.records[1].attr("alert"), Some("High CPU usage"));
        assert_eq!((p.records[1].span.line, p.records[1].span.end_line), (30, 53));
    }
}
