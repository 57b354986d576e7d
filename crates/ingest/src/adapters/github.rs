//! GitHub webhook payloads, one per file (or a JSON array of payloads), as a delivery log
//! or `gh api` saves them. There are no delivery headers, so the event is told by the
//! payload's keys: `deployment_status`, `deployment`, `pull_request`, `comment`, `issue`,
//! `head_commit`/`pusher` (push), `workflow_run`, `workflow_job`, `check_run`,
//! `check_suite`, `release`, or `state`+`sha`+`context` (commit status).
//!
//! Each payload gives one record that cites the nested object holding the telling field
//! (the `deployment` object for a deployment, the `pull_request` object for a merge), with a
//! string of that object as its text (a description, a PR title, a commit message).

use std::collections::HashMap;

use debrief_model::{Actor, Kind, Problem, Record, SourceFile, Span, When};
use jiff::Timestamp;
use serde_json::value::RawValue;

use crate::adapter::{Adapter, Context, Parsed, Person};
use crate::jsonspan::{error_line, span_of};
use crate::lines::LineIndex;
use crate::time::{parse_epoch, parse_instant};

pub struct GitHubWebhook;

/// Top-level keys that name a webhook event.
const EVENT_KEYS: &[&str] = &[
    "\"deployment_status\"", "\"deployment\"", "\"pull_request\"", "\"head_commit\"", "\"workflow_run\"",
    "\"workflow_job\"", "\"check_run\"", "\"check_suite\"", "\"release\"", "\"comment\"", "\"issue\"",
];

impl Adapter for GitHubWebhook {
    fn format(&self) -> &'static str {
        "github-webhook"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = prefix(&file.text, 16 * 1024);
        let start = head.trim_start();
        if !start.starts_with(['{', '[']) {
            return 0;
        }
        let api = head.contains("https://api.github.com/") || head.contains("api.github.com\\/");
        let status = ["\"state\"", "\"sha\"", "\"context\""].iter().all(|k| head.contains(k));
        let event = status || EVENT_KEYS.iter().any(|k| head.contains(k));
        let actorish = head.contains("\"sender\"") || head.contains("\"node_id\"") || head.contains("\"login\"");
        match (api, event, actorish) {
            (true, true, _) => 90,
            (true, false, true) => 50,
            (false, true, true) => 40,
            _ => 0,
        }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        let text = file.text.as_str();
        let top: &RawValue = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                return Parsed {
                    problems: vec![
                        Problem::at(error_line(&e), format!("expected a GitHub webhook payload (a JSON object): {e}"))
                            .fatal(),
                    ],
                    ..Parsed::default()
                };
            }
        };
        let payloads: Vec<&RawValue> =
            if top.get().starts_with('[') { serde_json::from_str(top.get()).unwrap_or_default() } else { vec![top] };
        let idx = LineIndex::new(text);
        let mut out = Parsed::default();
        for raw in payloads {
            let line = span_of(text, &idx, raw).map_or(1, |(l, _)| l);
            let Some(payload) = obj(raw) else {
                out.problems.push(Problem::at(line, "expected a webhook payload object — skipped"));
                continue;
            };
            let p = Payload { text, idx: &idx, top: payload, raw };
            match p.record(cx.source) {
                Ok((record, problems)) => {
                    out.records.push(record);
                    out.problems.extend(problems);
                }
                Err(problem) => out.problems.push(problem),
            }
            p.people(&mut out.people);
        }
        out
    }
}

fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

/// A JSON object's members, borrowed from the file's text.
type Obj<'a> = HashMap<String, &'a RawValue>;

fn obj(raw: &RawValue) -> Option<Obj<'_>> {
    let s = raw.get();
    if !s.starts_with('{') {
        return None;
    }
    serde_json::from_str(s).ok()
}

fn child<'a>(o: &Obj<'a>, key: &str) -> Option<(&'a RawValue, Obj<'a>)> {
    let raw = *o.get(key)?;
    obj(raw).map(|c| (raw, c))
}

/// A string member (decoded), `None` when absent, null, empty or not a string.
fn string(o: &Obj<'_>, key: &str) -> Option<String> {
    let raw = o.get(key)?;
    let s: String = serde_json::from_str(raw.get()).ok()?;
    (!s.trim().is_empty()).then_some(s)
}

/// A number or string member as text (`4412`, `"v2.31.0"`).
fn scalar(o: &Obj<'_>, key: &str) -> Option<String> {
    let raw = o.get(key)?.get();
    if raw.starts_with('"') {
        return string(o, key);
    }
    (raw.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'.') && !raw.is_empty()).then(|| raw.to_string())
}

fn boolean(o: &Obj<'_>, key: &str) -> bool {
    o.get(key).is_some_and(|r| r.get() == "true")
}

/// The first of `keys` that holds a time: an RFC 3339 string or epoch seconds.
fn time(o: &Obj<'_>, keys: &[&str]) -> Option<(Timestamp, String)> {
    keys.iter().find_map(|k| {
        let s = scalar(o, k)?;
        let t = parse_instant(&s).or_else(|| parse_epoch(&s))?;
        Some((t, s))
    })
}

/// A GitHub account as a payload shows it.
#[derive(Debug, Clone)]
struct User {
    login: String,
    id: Option<String>,
    bot: bool,
}

fn user(o: &Obj<'_>, key: &str) -> Option<User> {
    let (_, u) = child(o, key)?;
    let login = string(&u, "login").or_else(|| string(&u, "name"))?;
    let bot = string(&u, "type").is_some_and(|t| t == "Bot") || login.ends_with("[bot]");
    Some(User { id: scalar(&u, "id"), login, bot })
}

impl User {
    fn actor(&self) -> Actor {
        let a = if self.bot { Actor::bot(self.login.clone()) } else { Actor::person(self.login.clone()) };
        match &self.id {
            Some(id) => a.with_id(id.clone()),
            None => a,
        }
    }
}

/// What one payload says, before it becomes a record.
struct Event<'a> {
    /// The object the record cites.
    cite: &'a RawValue,
    when: Option<(Timestamp, String)>,
    kind: Kind,
    text: Option<String>,
    summary: String,
    actor: Option<User>,
    attrs: Vec<(&'static str, String)>,
}

struct Payload<'a, 'f> {
    text: &'f str,
    idx: &'f LineIndex,
    top: Obj<'a>,
    raw: &'a RawValue,
}

fn is_failure(state: &str) -> bool {
    matches!(state, "failure" | "error" | "timed_out" | "startup_failure")
}

fn short_sha(sha: &str) -> String {
    sha.chars().take(7).collect()
}

/// `refs/heads/main` → `main`, `refs/tags/v1.2` → `v1.2`.
fn short_ref(r: &str) -> &str {
    r.strip_prefix("refs/heads/").or_else(|| r.strip_prefix("refs/tags/")).unwrap_or(r)
}

impl<'a> Payload<'a, '_> {
    fn sender(&self) -> Option<User> {
        user(&self.top, "sender")
    }

    fn action(&self) -> String {
        string(&self.top, "action").unwrap_or_default()
    }

    /// The record, with problems that did not stop it; or why there is none.
    fn record(&self, source: u32) -> Result<(Record, Vec<Problem>), Problem> {
        let line = span_of(self.text, self.idx, self.raw).map_or(1, |(l, _)| l);
        let ev = self.event().ok_or_else(|| {
            Problem::at(
                line,
                "not a GitHub webhook event debrief reads (expected deployment, deployment_status, pull_request, push, workflow_run, workflow_job, check_run, check_suite, issue_comment, issues, release or status) — skipped",
            )
        })?;
        let (first, last) = span_of(self.text, self.idx, ev.cite).unwrap_or((line, line));
        let span = Span::lines(source, first, last);
        let mut problems = Vec::new();
        let when = if let Some((t, raw)) = ev.when {
            When::exact(t).with_original(raw)
        } else {
            problems.push(Problem::at(
                first,
                "the event's time field is missing or not a time — the record's time is unknown",
            ));
            When::unknown()
        };
        let text = ev.text.unwrap_or_default();
        let mut r = Record::new(span, when, ev.kind, text).with_summary(ev.summary);
        if let Some(u) = ev.actor.or_else(|| self.sender()) {
            r = r.with_actor(u.actor());
        }
        if let Some((_, repo)) = child(&self.top, "repository")
            && let Some(name) = string(&repo, "name")
        {
            r = r.with_attr("service", name);
        }
        for (k, v) in ev.attrs {
            r = r.with_attr(k, v);
        }
        Ok((r, problems))
    }

    fn event(&self) -> Option<Event<'a>> {
        let has = |k: &str| self.top.contains_key(k);
        if has("deployment_status") {
            self.deployment_status()
        } else if has("workflow_job") {
            self.ci("workflow_job", "Workflow job")
        } else if has("deployment") {
            self.deployment()
        } else if has("comment") {
            self.comment()
        } else if has("pull_request") {
            self.pull_request()
        } else if has("issue") {
            self.issue()
        } else if has("head_commit") || has("pusher") {
            self.push()
        } else if has("workflow_run") {
            self.ci("workflow_run", "Workflow run")
        } else if has("check_run") {
            self.ci("check_run", "Check run")
        } else if has("check_suite") {
            self.ci("check_suite", "Check suite")
        } else if has("release") {
            self.release()
        } else if has("state") && has("sha") {
            Some(self.status())
        } else {
            None
        }
    }

    fn deployment(&self) -> Option<Event<'a>> {
        let (raw, d) = child(&self.top, "deployment")?;
        let env = string(&d, "environment");
        let reference = string(&d, "ref");
        let mut attrs = deploy_attrs(env.as_deref(), reference.as_deref());
        let pr = child(&d, "payload").and_then(|(_, p)| scalar(&p, "pull_request"));
        if let Some(pr) = pr {
            attrs.push(("pr", pr));
        }
        let summary = format!(
            "Deployment of {} to {} created",
            reference.as_deref().unwrap_or("?"),
            env.as_deref().unwrap_or("?")
        );
        Some(Event {
            cite: raw,
            when: time(&d, &["created_at", "updated_at"]),
            kind: Kind::Change,
            text: string(&d, "description").or(env).or_else(|| string(&d, "task")),
            summary,
            actor: user(&d, "creator"),
            attrs,
        })
    }

    fn deployment_status(&self) -> Option<Event<'a>> {
        let (raw, s) = child(&self.top, "deployment_status")?;
        let deployment = child(&self.top, "deployment").map(|(_, d)| d);
        let state = string(&s, "state").unwrap_or_default();
        let env = string(&s, "environment").or_else(|| deployment.as_ref().and_then(|d| string(d, "environment")));
        let reference = deployment.as_ref().and_then(|d| string(d, "ref"));
        let mut attrs = deploy_attrs(env.as_deref(), reference.as_deref());
        attrs.push(("status", state.clone()));
        if let Some(sha) = deployment.as_ref().and_then(|d| string(d, "sha")) {
            attrs.push(("commit", short_sha(&sha)));
        }
        let summary = format!(
            "Deployment of {} to {}: {}",
            reference.as_deref().unwrap_or("?"),
            env.as_deref().unwrap_or("?"),
            if state.is_empty() { "?" } else { &state }
        );
        Some(Event {
            cite: raw,
            when: time(&s, &["created_at", "updated_at"]),
            kind: if is_failure(&state) { Kind::Signal } else { Kind::Change },
            text: string(&s, "description").or_else(|| string(&s, "state")),
            summary,
            actor: user(&s, "creator"),
            attrs,
        })
    }

    fn pull_request(&self) -> Option<Event<'a>> {
        let (raw, pr) = child(&self.top, "pull_request")?;
        let action = self.action();
        let number = scalar(&self.top, "number").or_else(|| scalar(&pr, "number"));
        let merged = boolean(&pr, "merged") || string(&pr, "merged_at").is_some();
        let base = child(&pr, "base").and_then(|(_, b)| string(&b, "ref"));
        let n = number.as_deref().unwrap_or("?");
        let (kind, when, summary, actor) = if action == "closed" && merged {
            let by = user(&pr, "merged_by");
            let who = by.as_ref().map(|u| format!(" by {}", u.login)).unwrap_or_default();
            (
                Kind::Change,
                time(&pr, &["merged_at", "closed_at", "updated_at"]),
                format!("PR #{n} merged into {}{who}", base.as_deref().unwrap_or("?")),
                by,
            )
        } else if action == "closed" {
            (Kind::Log, time(&pr, &["closed_at", "updated_at"]), format!("PR #{n} closed without merging"), None)
        } else {
            let kind = match action.as_str() {
                "opened" | "reopened" | "ready_for_review" => Kind::Message,
                _ => Kind::Log,
            };
            let keys: &[&str] =
                if action == "opened" { &["created_at", "updated_at"] } else { &["updated_at", "created_at"] };
            (kind, time(&pr, keys), format!("PR #{n} {}", action.replace('_', " ")), None)
        };
        let mut attrs = Vec::new();
        if let Some(n) = number {
            attrs.push(("pr", n));
        }
        if let Some(sha) = string(&pr, "merge_commit_sha").filter(|_| merged) {
            attrs.push(("commit", short_sha(&sha)));
        }
        Some(Event { cite: raw, when, kind, text: string(&pr, "title"), summary, actor, attrs })
    }

    fn comment(&self) -> Option<Event<'a>> {
        let (raw, c) = child(&self.top, "comment")?;
        let action = self.action();
        let parent = child(&self.top, "issue").or_else(|| child(&self.top, "pull_request")).map(|(_, i)| i);
        let number = parent.as_ref().and_then(|i| scalar(i, "number"));
        let keys: &[&str] = if action == "edited" || action == "deleted" {
            &["updated_at", "created_at"]
        } else {
            &["created_at", "updated_at"]
        };
        let mut attrs = Vec::new();
        if let Some(n) = &number {
            attrs.push(("pr", n.clone()));
        }
        let who = user(&c, "user");
        let summary = format!(
            "Comment {} on #{} by {}",
            if action.is_empty() { "posted" } else { &action },
            number.as_deref().unwrap_or("?"),
            who.as_ref().map_or("?", |u| u.login.as_str())
        );
        Some(Event {
            cite: raw,
            when: time(&c, keys),
            kind: Kind::Message,
            text: string(&c, "body"),
            summary,
            actor: who,
            attrs,
        })
    }

    fn issue(&self) -> Option<Event<'a>> {
        let (raw, i) = child(&self.top, "issue")?;
        let action = self.action();
        let (kind, keys): (Kind, &[&str]) = match action.as_str() {
            "opened" | "reopened" => (Kind::Message, &["created_at", "updated_at"]),
            "closed" => (Kind::Log, &["closed_at", "updated_at"]),
            _ => (Kind::Log, &["updated_at", "created_at"]),
        };
        let number = scalar(&i, "number");
        let summary = format!("Issue #{} {}", number.as_deref().unwrap_or("?"), action.replace('_', " "));
        Some(Event {
            cite: raw,
            when: time(&i, keys),
            kind,
            text: string(&i, "title"),
            summary,
            actor: None,
            attrs: Vec::new(),
        })
    }

    fn push(&self) -> Option<Event<'a>> {
        let reference = string(&self.top, "ref");
        let commits = self
            .top
            .get("commits")
            .and_then(|r| serde_json::from_str::<Vec<&RawValue>>(r.get()).ok())
            .map_or(0, |v| v.len());
        let short = reference.as_deref().map_or("?", short_ref).to_string();
        let mut attrs = Vec::new();
        if reference.as_deref().is_some_and(|r| r.starts_with("refs/tags/")) {
            attrs.push(("version", short.clone()));
        }
        let summary = format!("Push to {short} ({commits} commit{})", if commits == 1 { "" } else { "s" });
        let pusher = child(&self.top, "pusher").and_then(|(_, p)| string(&p, "name")).map(|login| User {
            bot: login.ends_with("[bot]"),
            login,
            id: None,
        });
        if let Some((raw, hc)) = child(&self.top, "head_commit") {
            if let Some(id) = string(&hc, "id") {
                attrs.push(("commit", short_sha(&id)));
            }
            return Some(Event {
                cite: raw,
                when: time(&hc, &["timestamp"]),
                kind: Kind::Change,
                text: string(&hc, "message"),
                summary,
                actor: self.sender().or(pusher),
                attrs,
            });
        }
        // No head commit (a tag or branch deletion): cite the `ref` line.
        let cite = *self.top.get("ref")?;
        let when = child(&self.top, "repository").and_then(|(_, r)| time(&r, &["pushed_at"]));
        Some(Event { cite, when, kind: Kind::Change, text: reference, summary, actor: self.sender().or(pusher), attrs })
    }

    /// Workflow runs and jobs, check runs and suites.
    fn ci(&self, key: &str, what: &str) -> Option<Event<'a>> {
        let (raw, run) = child(&self.top, key)?;
        let status = string(&run, "status").unwrap_or_default();
        let conclusion = string(&run, "conclusion");
        let state = conclusion.clone().unwrap_or_else(|| status.clone());
        let name = string(&run, "name")
            .or_else(|| string(&run, "workflow_name"))
            .or_else(|| child(&self.top, "workflow").and_then(|(_, w)| string(&w, "name")))
            .or_else(|| string(&run, "path"))
            .or_else(|| child(&run, "app").and_then(|(_, a)| string(&a, "name")));
        let keys: &[&str] = if conclusion.is_some() {
            &["completed_at", "updated_at", "started_at", "created_at"]
        } else {
            &["run_started_at", "started_at", "updated_at", "created_at"]
        };
        let mut attrs = vec![("status", state.clone())];
        if let Some(sha) = string(&run, "head_sha") {
            attrs.push(("commit", short_sha(&sha)));
        }
        let summary =
            format!("{what} {} {}", name.as_deref().unwrap_or("?"), if state.is_empty() { "?" } else { &state });
        let text = string(&run, "display_title")
            .or(name)
            .or_else(|| child(&run, "output").and_then(|(_, o)| string(&o, "title")))
            .or_else(|| string(&run, "head_branch"));
        Some(Event {
            cite: raw,
            when: time(&run, keys),
            kind: if conclusion.as_deref().is_some_and(is_failure) { Kind::Signal } else { Kind::Log },
            text,
            summary,
            actor: user(&run, "triggering_actor").or_else(|| user(&run, "actor")),
            attrs,
        })
    }

    fn release(&self) -> Option<Event<'a>> {
        let (raw, rel) = child(&self.top, "release")?;
        let action = self.action();
        let tag = string(&rel, "tag_name");
        let kind = match action.as_str() {
            "published" | "released" | "created" | "prereleased" | "" => Kind::Change,
            _ => Kind::Log,
        };
        let mut attrs = Vec::new();
        if let Some(t) = &tag {
            attrs.push(("version", t.clone()));
        }
        let summary = format!(
            "Release {} {}",
            tag.as_deref().unwrap_or("?"),
            if action.is_empty() { "published" } else { &action }
        );
        Some(Event {
            cite: raw,
            when: time(&rel, &["published_at", "created_at"]),
            kind,
            text: string(&rel, "name").or(tag),
            summary,
            actor: user(&rel, "author"),
            attrs,
        })
    }

    fn status(&self) -> Event<'a> {
        let state = string(&self.top, "state").unwrap_or_default();
        let context = string(&self.top, "context");
        let mut attrs = vec![("status", state.clone())];
        if let Some(sha) = string(&self.top, "sha") {
            attrs.push(("commit", short_sha(&sha)));
        }
        let summary = format!(
            "Commit status {}: {}",
            context.as_deref().unwrap_or("?"),
            if state.is_empty() { "?" } else { &state }
        );
        Event {
            cite: self.raw,
            when: time(&self.top, &["updated_at", "created_at"]),
            kind: if is_failure(&state) { Kind::Signal } else { Kind::Log },
            text: string(&self.top, "description").or(context),
            summary,
            actor: None,
            attrs,
        }
    }

    /// Every account and commit author the payload names.
    fn people(&self, people: &mut Vec<Person>) {
        let mut users: Vec<User> = Vec::new();
        let mut push_user = |o: &Obj<'_>, key: &str| {
            if let Some(u) = user(o, key) {
                users.push(u);
            }
        };
        push_user(&self.top, "sender");
        for key in [
            "deployment", "deployment_status", "pull_request", "comment", "issue", "release", "workflow_run",
            "workflow_job",
        ] {
            if let Some((_, o)) = child(&self.top, key) {
                for k in ["creator", "user", "merged_by", "author", "actor", "triggering_actor"] {
                    push_user(&o, k);
                }
            }
        }
        for u in users {
            let existing = people.iter_mut().find(|p| p.name == u.login);
            match existing {
                Some(p) => {
                    if let Some(id) = u.id
                        && !p.ids.contains(&id)
                    {
                        p.ids.push(id);
                    }
                }
                None => people.push(Person {
                    name: u.login,
                    ids: u.id.into_iter().collect(),
                    bot: u.bot,
                    ..Person::default()
                }),
            }
        }
        // Commit authors and the pusher: names and emails.
        let mut authors: Vec<Obj<'_>> = Vec::new();
        if let Some((_, hc)) = child(&self.top, "head_commit") {
            for k in ["author", "committer"] {
                if let Some((_, a)) = child(&hc, k) {
                    authors.push(a);
                }
            }
        }
        if let Some((_, p)) = child(&self.top, "pusher") {
            authors.push(p);
        }
        for a in authors {
            let Some(name) = string(&a, "name") else {
                continue;
            };
            let email = string(&a, "email");
            let username = string(&a, "username");
            let found = people.iter().position(|p| {
                let known = |n: &str| p.name == n || p.aliases.iter().any(|a| a == n);
                known(&name) || username.as_deref().is_some_and(known)
            });
            let i = found.unwrap_or_else(|| {
                people.push(Person { name: name.clone(), ..Person::default() });
                people.len() - 1
            });
            let p = &mut people[i];
            // A login person gets the full name; the login becomes an alias.
            if username.as_deref() == Some(p.name.as_str()) && name != p.name {
                let login = std::mem::replace(&mut p.name, name.clone());
                p.aliases.retain(|a| *a != name);
                p.aliases.push(login);
            }
            for alias in [Some(name), username].into_iter().flatten() {
                if alias != p.name && !p.aliases.contains(&alias) {
                    p.aliases.push(alias);
                }
            }
            if let Some(e) = email
                && !p.emails.contains(&e)
            {
                p.emails.push(e);
            }
        }
    }
}

/// `environment` and `version` (the deployed ref) of a deployment or its status.
fn deploy_attrs(env: Option<&str>, reference: Option<&str>) -> Vec<(&'static str, String)> {
    let mut attrs = Vec::new();
    if let Some(e) = env {
        attrs.push(("environment", e.to_string()));
    }
    if let Some(r) = reference {
        attrs.push(("version", r.to_string()));
    }
    attrs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IncidentConfig;
    use crate::lines::numbered;

    fn parse_file(file: &SourceFile) -> Parsed {
        let config = IncidentConfig::default();
        let files = [file.clone()];
        let cx = Context { source: 0, files: &files, config: &config, zone: None, anchor_date: None };
        GitHubWebhook.parse(file, &cx)
    }

    fn fixture(name: &str) -> SourceFile {
        let path = format!("{}/tests/fixtures/github/{name}", env!("CARGO_MANIFEST_DIR"));
        SourceFile::new(name, std::fs::read_to_string(path).unwrap_or_default())
    }

    fn shared(rel: &str) -> Option<SourceFile> {
        let path = format!("{}/../../../shared/{rel}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).ok();
        if text.is_none() {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipping: {path} is absent");
            }
        }
        text.map(|t| SourceFile::new(rel, t))
    }

    /// The text of `r` (JSON escapes decoded) is in the lines it cites.
    fn quote_in_span(file: &SourceFile, r: &Record) -> bool {
        let lines: Vec<String> = numbered(&file.text)
            .filter(|&(n, _)| n >= r.span.line && n <= r.span.end_line)
            .map(|(_, l)| l.to_string())
            .collect();
        let first = r.text.lines().next().unwrap_or("");
        let escaped = serde_json::to_string(first).unwrap_or_default();
        let escaped = escaped.trim_matches('"');
        !first.is_empty() && lines.join("\n").contains(escaped)
    }

    fn utc(r: &Record) -> String {
        r.when.utc.map(|t| t.to_string()).unwrap_or_default()
    }

    #[test]
    fn merged_pull_request_cites_the_pull_request_object() {
        let f = fixture("pull_request_closed.json");
        assert_eq!(GitHubWebhook.sniff(&f), 90);
        let p = parse_file(&f);
        assert_eq!(p.records.len(), 1, "{:?}", p.problems);
        let r = &p.records[0];
        assert_eq!(r.kind, Kind::Change);
        assert_eq!(r.text, "Raise checkout pool size to 40");
        assert_eq!(utc(r), "2024-05-01T14:02:03Z");
        assert_eq!((r.span.line, r.span.end_line), (4, 25));
        assert_eq!(r.attr("pr"), Some("4410"));
        assert_eq!(r.attr("service"), Some("checkout-api"));
        assert_eq!(r.attr("commit"), Some("9f1c2d3"));
        let actor = r.actor.as_ref().expect("merged_by");
        assert_eq!((actor.name.as_str(), actor.bot), ("merge-queue[bot]", true));
        assert!(quote_in_span(&f, r));
        let names: Vec<&str> = p.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["dana-w", "merge-queue[bot]"]);
    }

    #[test]
    fn failed_deployment_status_is_a_signal() {
        let f = fixture("deployment_status_failure.json");
        let p = parse_file(&f);
        assert_eq!(p.records.len(), 1);
        let r = &p.records[0];
        assert_eq!(r.kind, Kind::Signal);
        assert_eq!(r.text, "Health checks failed: 3/12 pods crash-looping");
        assert_eq!(r.attr("status"), Some("failure"));
        assert_eq!(r.attr("environment"), Some("production"));
        assert_eq!(r.attr("version"), Some("v2.31.0"));
        assert_eq!(utc(r), "2024-05-01T14:10:00Z");
        assert_eq!((r.span.line, r.span.end_line), (3, 12));
        assert!(quote_in_span(&f, r));
    }

    #[test]
    fn push_comment_and_bad_payloads() {
        let f = fixture("push.json");
        let p = parse_file(&f);
        assert_eq!(p.records.len(), 1);
        let r = &p.records[0];
        assert_eq!(r.kind, Kind::Change);
        assert_eq!(r.text, "Revert \"raise pool size\"\n\nThis reverts commit 9f1c2d3.");
        assert_eq!(utc(r), "2024-05-01T14:20:05Z");
        assert!(quote_in_span(&f, r));
        let dev = p.people.iter().find(|p| p.name == "Dana W").expect("author");
        assert_eq!(dev.emails, ["dana@example.com"]);
        assert_eq!(dev.aliases, ["dana-w"]);

        let bad = SourceFile::new("x.json", "{\n  \"zen\": \"Keep it logically awesome.\"\n}\n");
        let p = parse_file(&bad);
        assert!(p.records.is_empty());
        assert_eq!(p.problems.len(), 1);
        let broken = SourceFile::new("y.json", "{\n  \"action\": \n");
        let p = parse_file(&broken);
        assert!(p.records.is_empty());
        assert!(!p.problems[0].can_continue);
        assert_eq!(GitHubWebhook.sniff(&SourceFile::new("z.json", "[{\"ts\": 1}]")), 0);
    }

    #[test]
    fn eval_checkout_deployments() {
        let dir = "eval/incidents/checkout-timeouts/bundle/github/webhooks";
        let cases = [
            ("01-deployment-20241008T143641Z.json", 10, "2024-10-08T14:36:41Z", Kind::Change),
            ("02-deployment_status-in_progress-20241008T143652Z.json", 7, "2024-10-08T14:36:52Z", Kind::Change),
            ("03-deployment_status-success-20241008T144130Z.json", 7, "2024-10-08T14:41:30Z", Kind::Change),
            ("04-deployment-20241008T151852Z.json", 10, "2024-10-08T15:18:52Z", Kind::Change),
            ("06-deployment_status-success-20241008T152140Z.json", 7, "2024-10-08T15:21:40Z", Kind::Change),
        ];
        for (name, gold_line, time, kind) in cases {
            let Some(f) = shared(&format!("{dir}/{name}")) else {
                return;
            };
            assert!(GitHubWebhook.sniff(&f) >= 90, "{name}");
            let p = parse_file(&f);
            assert_eq!(p.records.len(), 1, "{name}");
            let r = &p.records[0];
            assert!(r.span.line <= gold_line && gold_line <= r.span.end_line, "{name}: {:?}", r.span);
            assert_eq!(utc(r), time, "{name}");
            assert_eq!(r.kind, kind);
            assert!(quote_in_span(&f, r), "{name}: {:?}", r.text);
            assert_eq!(r.attr("service"), Some("checkout-api"));
        }
        let f =
            shared(&format!("{dir}/01-deployment-20241008T143641Z.json")).unwrap_or_else(|| SourceFile::new("", ""));
        let r = &parse_file(&f).records[0];
        assert_eq!(r.text, "Deploy checkout-api v2.31.0 to production (us-east-1)");
        assert_eq!(r.attr("version"), Some("v2.31.0"));
        assert_eq!(r.attr("pr"), Some("4412"));
        assert_eq!(r.actor.as_ref().map(|a| a.name.as_str()), Some("priya-raman"));
    }

    #[test]
    fn eval_prow_merges_and_comments() {
        let dir = "eval/incidents/k8s-prow-2019-01-23/bundle/github/webhook-deliveries";
        let Some(f) = shared(&format!("{dir}/2019-01-22T232849Z_pull_request_closed_10886.json")) else {
            return;
        };
        let p = parse_file(&f);
        let r = &p.records[0];
        assert!(r.span.line <= 40 && 40 <= r.span.end_line);
        assert_eq!(utc(r), "2019-01-22T23:28:49Z");
        assert_eq!(r.kind, Kind::Change);
        assert_eq!(r.text, "Organize sig-aws test accounts & credentials");
        assert_eq!(r.attr("pr"), Some("10886"));
        assert!(r.actor.as_ref().is_some_and(|a| a.bot && a.name == "k8s-ci-robot"));

        let Some(f) = shared(&format!("{dir}/2019-01-22T232853Z_issue_comment_created_10886.json")) else {
            return;
        };
        let r = &parse_file(&f).records[0];
        assert_eq!(r.kind, Kind::Message);
        assert!(r.span.line <= 79 && 82 <= r.span.end_line, "{:?}", r.span);
        assert_eq!(utc(r), "2019-01-22T23:28:53Z");
        assert!(r.text.starts_with("@rvenkat-aws: Updated the following 2 configmaps:"));
        assert!(quote_in_span(&f, r));
    }

    #[test]
    fn octokit_samples_each_give_one_record() {
        let base = "eval-data/github-webhooks-octokit/api.github.com";
        let events = [
            ("deployment/payload.json", Kind::Change),
            ("deployment_status/payload.json", Kind::Change),
            ("pull_request/closed.payload.json", Kind::Log),
            ("pull_request/opened.payload.json", Kind::Message),
            ("push/payload.json", Kind::Change),
            ("workflow_run/completed.payload.json", Kind::Log),
            ("workflow_job/completed.failure.with-organization.payload.json", Kind::Signal),
            ("check_run/completed.payload.json", Kind::Log),
            ("issue_comment/created.payload.json", Kind::Message),
            ("release/published.payload.json", Kind::Change),
            ("status/payload.json", Kind::Log),
        ];
        for (name, kind) in events {
            let Some(f) = shared(&format!("{base}/{name}")) else {
                return;
            };
            assert!(GitHubWebhook.sniff(&f) >= 90, "{name}");
            let p = parse_file(&f);
            assert_eq!(p.records.len(), 1, "{name}: {:?}", p.problems);
            let r = &p.records[0];
            assert_eq!(r.kind, kind, "{name}");
            assert!(r.when.utc.is_some(), "{name}");
            assert!(quote_in_span(&f, r), "{name}: {:?}", r.text);
        }
    }

    proptest::proptest! {
        #[test]
        fn odd_payloads_parse_without_panic(title in "\\PC{0,40}", at in "[0-9TZ:+-]{0,25}", action in "[a-z_]{0,10}") {
            let text = format!(
                "{{\n  \"action\": {},\n  \"pull_request\": {{\n    \"title\": {},\n    \"merged_at\": {},\n    \"merged\": true\n  }}\n}}\n",
                serde_json::to_string(&action).unwrap_or_default(),
                serde_json::to_string(&title).unwrap_or_default(),
                serde_json::to_string(&at).unwrap_or_default(),
            );
            let p = parse_file(&SourceFile::new("x.json", text));
            proptest::prop_assert_eq!(p.records.len(), 1);
            proptest::prop_assert_eq!((p.records[0].span.line, p.records[0].span.end_line), (3, 7));
        }
    }
}
