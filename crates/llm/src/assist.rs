//! The model's turn: ask, verify, and merge what checks out into the engine's review.
//!
//! [`assist`] sends the planned requests ([`Plan`]), repairs a malformed answer once (the
//! error goes back to the model), verifies every claim ([`Checker`]) and, when the evidence
//! took several windows, asks once more to merge the verified claims ([`reduce_request`]).
//! [`merge`] adds the result to the review: verified claims become findings and actions
//! credited to the model; the rest become open questions marked unverified, or are dropped.
//!
//! Nothing here can make the draft worse than the engine's: a provider error, a timeout
//! or an answer that stays malformed leaves the review as it was, with a note in
//! `assist` saying why.
//!
//! Two kinds of claim are never shown anywhere, not even as a question: one whose text
//! writes a real name or a secret (the text itself leaks), and one in blame phrasing (a
//! blameless review does not print it, even as a doubt). They are counted in `dropped`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::time::{Duration, Instant};

use debrief_model::{
    Action, ActionCategory, Assist, Citation, Confidence, Finding, Question, Record, Review, Source, Unverified,
    quote_of,
};
use jiff::Timestamp;

use crate::claims::{Answer, Checker, Claim, GROUPS, SECTIONS, Verdict, clean_text, parse_answer};
use crate::evidence::{Evidence, Inputs};
use crate::guard::Guard;
use crate::prompt::{Budget, Plan, category_key, reduce_request, repair_reserve, request_tokens};
use crate::{ChatRequest, LlmError, Message, Provider, Usage};

pub use crate::provider::OnUnverified;

/// How to assist.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    pub budget: Budget,
    pub on_unverified: OnUnverified,
    /// No new request starts after this long; what was answered by then is used.
    pub deadline: Option<Duration>,
}

/// What [`assist`] reports while it works, for a progress display.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The evidence is planned.
    Planned {
        requests: usize,
        lines_sent: usize,
        lines_total: usize,
        largest_request_tokens: usize,
        budget_tokens: usize,
    },
    /// A request is about to be sent (`what`: `part 2 of 4 (10:00–10:42 UTC)`, `merge`).
    Sending { request: usize, what: String, prompt_tokens: usize },
    /// A request was answered (tokens as the server counted them, else estimated).
    Answered { request: usize, prompt_tokens: u64, completion_tokens: u64, seconds: f64 },
    /// The answer was malformed and is sent back once.
    Repairing { request: usize, error: String },
    /// A request gave no usable answer.
    Failed { request: usize, error: String },
    /// The claims of a request were checked.
    Checked { request: usize, verified: usize, unverified: usize, dropped: usize },
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Planned { requests, lines_sent, lines_total, largest_request_tokens, budget_tokens } => write!(
                f,
                "model: {lines_sent} of {lines_total} evidence lines in {requests} request(s), largest ~{largest_request_tokens} of {budget_tokens} tokens"
            ),
            Self::Sending { request, what, prompt_tokens } => {
                write!(f, "model: request {request}: {what}, ~{prompt_tokens} prompt tokens…")
            }
            Self::Answered { request, prompt_tokens, completion_tokens, seconds } => write!(
                f,
                "model: request {request} answered in {seconds:.1} s ({prompt_tokens} prompt + {completion_tokens} completion tokens)"
            ),
            Self::Repairing { request, error } => {
                write!(f, "model: request {request}: {error}; asking once more")
            }
            Self::Failed { request, error } => write!(f, "model: request {request} failed: {error}"),
            Self::Checked { request, verified, unverified, dropped } => write!(
                f,
                "model: request {request}: {verified} claim(s) verified, {unverified} unverified, {dropped} dropped"
            ),
        }
    }
}

/// Receives [`Step`]s. Any `FnMut(&Step)` is one.
pub trait Progress {
    fn step(&mut self, step: &Step);
}

impl<F: FnMut(&Step)> Progress for F {
    fn step(&mut self, step: &Step) {
        self(step);
    }
}

/// The model's part of the review, ready for [`merge`].
#[derive(Debug, Clone, PartialEq)]
pub struct Assisted {
    pub assist: Assist,
    /// Verified claims, credited to the model.
    pub findings: Vec<Finding>,
    pub actions: Vec<Action>,
    /// Claims that did not check out (marked unverified) and the model's own questions.
    pub questions: Vec<Question>,
}

/// Adds the model's part to `review`. When the model failed, only `review.assist` changes.
pub fn merge(review: &mut Review, assisted: Assisted) {
    let Assisted { assist, findings, actions, questions } = assisted;
    for f in findings {
        if !review.findings.iter().any(|g| g.section == f.section && g.text.eq_ignore_ascii_case(&f.text)) {
            review.findings.push(f);
        }
    }
    for a in actions {
        if !review.actions.iter().any(|b| b.text.eq_ignore_ascii_case(&a.text)) {
            review.actions.push(a);
        }
    }
    for q in questions {
        if !review.questions.iter().any(|p| p.question.eq_ignore_ascii_case(&q.question)) {
            review.questions.push(q);
        }
    }
    review.assist = Some(assist);
}

/// Why a request gave no answer.
enum Failure {
    Provider(LlmError),
    Malformed(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Provider(e) => write!(f, "{e}"),
            Self::Malformed(e) => write!(f, "{e}, twice"),
        }
    }
}

struct Asker<'a> {
    provider: &'a dyn Provider,
    guard: &'a Guard,
    progress: &'a mut dyn Progress,
    usage: Usage,
    requests: usize,
    /// Tokens of a malformed answer that may be sent back with the repair.
    echo_tokens: usize,
}

impl Asker<'_> {
    /// Sends `request`; a malformed answer goes back once with the error.
    fn ask(&mut self, request: &ChatRequest, what: String) -> Result<Answer, Failure> {
        self.requests += 1;
        let n = self.requests;
        let estimate = request_tokens(request);
        self.progress.step(&Step::Sending { request: n, what, prompt_tokens: estimate });
        let first = self.send(n, request, estimate)?;
        match parse_answer(&first) {
            Ok(a) => Ok(a),
            Err(error) => {
                self.progress.step(&Step::Repairing { request: n, error: error.clone() });
                let mut again = request.clone();
                // The bad answer goes back as far as the room kept for it allows.
                let room = self.echo_tokens;
                let mut said = String::new();
                for line in first.lines() {
                    if crate::evidence::estimate_tokens(&said) + crate::evidence::estimate_tokens(line) + 1 > room {
                        break;
                    }
                    said.push_str(line);
                    said.push('\n');
                }
                if said.trim().is_empty() {
                    said = first.chars().take(room * 2).collect();
                }
                again.messages.push(Message::assistant(self.guard.scrub(&said)));
                again.messages.push(Message::user(format!(
                    "That answer cannot be used: {error}. Answer again with only the JSON object of the shape asked for, nothing before or after it."
                )));
                let estimate = request_tokens(&again);
                let second = self.send(n, &again, estimate)?;
                parse_answer(&second).map_err(|e| {
                    self.progress.step(&Step::Failed { request: n, error: format!("{e}, twice") });
                    Failure::Malformed(e)
                })
            }
        }
    }

    fn send(&mut self, n: usize, request: &ChatRequest, estimate: usize) -> Result<String, Failure> {
        let started = Instant::now();
        match self.provider.complete(request) {
            Ok(r) => {
                let prompt = if r.usage.prompt_tokens > 0 { r.usage.prompt_tokens } else { estimate as u64 };
                let completion = if r.usage.completion_tokens > 0 {
                    r.usage.completion_tokens
                } else {
                    crate::evidence::estimate_tokens(&r.text) as u64
                };
                self.usage.prompt_tokens += prompt;
                self.usage.completion_tokens += completion;
                self.progress.step(&Step::Answered {
                    request: n,
                    prompt_tokens: prompt,
                    completion_tokens: completion,
                    seconds: started.elapsed().as_secs_f64(),
                });
                Ok(r.text)
            }
            Err(e) => {
                self.progress.step(&Step::Failed { request: n, error: e.to_string() });
                Err(Failure::Provider(e))
            }
        }
    }
}

/// The verified and unverified claims gathered so far.
#[derive(Default)]
struct Tally {
    /// Verified claims in the answer's shape (for the merge request), by section.
    verified: Answer,
    findings: Vec<Finding>,
    actions: Vec<Action>,
    questions: Vec<Question>,
    unverified: usize,
    dropped: usize,
    /// Why claims were dropped, counted.
    dropped_why: BTreeMap<String, usize>,
    seen: HashSet<String>,
}

/// Builds citations of records the way the engine's writer does.
struct Citer<'a> {
    records: &'a [Record],
    sources: &'a [Source],
}

impl Citer<'_> {
    fn cite(&self, i: usize) -> Option<Citation> {
        let r = self.records.get(i)?;
        let source = self.sources.get(r.span.source as usize)?;
        // The quote: the text's first line, shortened, cut before any character outside
        // the Basic Multilingual Plane (JSON sources escape those as surrogate pairs).
        let text = &r.text;
        let cut = text.find(|c: char| c as u32 > 0xFFFF).map_or(text.as_str(), |at| &text[..at]);
        let quote = quote_of(cut, 140);
        let literal: String = quote.split('‹').map(|p| p.split_once('›').map_or(p, |(_, rest)| rest)).collect();
        (literal.trim().chars().count() >= 2).then(|| Citation::new(&source.path, r.span.line, r.span.end_line, quote))
    }

    fn cite_all(&self, ids: &[usize]) -> Vec<Citation> {
        let mut out: Vec<Citation> = Vec::new();
        for &i in ids {
            if let Some(c) = self.cite(i)
                && !out.contains(&c)
            {
                out.push(c);
            }
        }
        out
    }
}

struct Judge<'a> {
    author: String,
    citer: Citer<'a>,
    on_unverified: OnUnverified,
}

impl Judge<'_> {
    /// Records one claim's verdict in `tally`; returns (verified, unverified, dropped).
    fn claim(
        &self,
        tally: &mut Tally,
        checker: &Checker<'_>,
        section: &'static str,
        claim: &Claim,
    ) -> (usize, usize, usize) {
        let text = clean_text(&claim.text);
        let mut verdict = checker.check(&claim.text, &claim.evidence, &claim.quotes);
        let group = claim.group.as_deref().map(|g| g.trim().to_lowercase().replace([' ', '-'], "_"));
        if section == "contributing_factors"
            && let Verdict::Verified(_) = verdict
            && !group.as_deref().is_some_and(|g| GROUPS.contains(&g))
        {
            verdict = Verdict::Unverified(vec![format!(
                "group {:?} is not one of {}",
                claim.group.as_deref().unwrap_or(""),
                GROUPS.join(", ")
            )]);
        }
        let review_section = SECTIONS.iter().find(|(s, _)| *s == section).map_or(section, |(_, r)| r);
        match verdict {
            Verdict::Verified(ids) => {
                let citations = self.citer.cite_all(&ids);
                if citations.is_empty() {
                    return self.unverified(tally, &text, vec!["its evidence has no quotable text".into()]);
                }
                if !tally.seen.insert(format!("{review_section}\u{0}{}", text.to_lowercase())) {
                    return (0, 0, 0);
                }
                tally.findings.push(Finding {
                    section: (*review_section).to_string(),
                    group: if section == "contributing_factors" { group } else { None },
                    text: text.clone(),
                    confidence: Confidence::Likely,
                    citations,
                    author: Some(self.author.clone()),
                });
                let mut kept = claim.clone();
                kept.text = text;
                kept.evidence = ids.iter().map(|i| format!("E{i}")).collect();
                kept.quotes.clear();
                match section {
                    "summary" => tally.verified.summary.push(kept),
                    "customer_impact" => tally.verified.customer_impact.push(kept),
                    "contributing_factors" => tally.verified.contributing_factors.push(kept),
                    "decisions" => tally.verified.decisions.push(kept),
                    "went_well" => tally.verified.went_well.push(kept),
                    _ => tally.verified.went_poorly.push(kept),
                }
                (1, 0, 0)
            }
            Verdict::Unverified(reasons) => {
                if let Some(blame) = reasons.iter().find(|r| r.starts_with("blame phrasing")) {
                    return left_out(tally, blame);
                }
                self.unverified(tally, &text, reasons)
            }
            Verdict::Dropped(reasons) => left_out(tally, reasons.first().map_or("dropped", String::as_str)),
        }
    }

    fn action(
        &self,
        tally: &mut Tally,
        checker: &Checker<'_>,
        a: &crate::claims::ActionClaim,
    ) -> (usize, usize, usize) {
        let text = clean_text(&a.text);
        let mut verdict = checker.check_action(&a.text, &a.evidence, &a.quotes);
        let wanted = a.category.trim().to_lowercase().replace([' ', '-'], "_");
        let category = ActionCategory::ALL.into_iter().find(|c| category_key(*c) == wanted);
        if let (Verdict::Verified(_), None) = (&verdict, category) {
            verdict = Verdict::Unverified(vec![format!(
                "category {:?} is not one of monitoring, deployment_safety, runbooks, system_design, incident_process",
                a.category
            )]);
        }
        match (verdict, category) {
            (Verdict::Verified(ids), Some(category)) => {
                let citations = self.citer.cite_all(&ids);
                if citations.is_empty() {
                    return self.unverified(tally, &text, vec!["its evidence has no quotable text".into()]);
                }
                if !tally.seen.insert(format!("action\u{0}{}", text.to_lowercase())) {
                    return (0, 0, 0);
                }
                tally.actions.push(Action {
                    category,
                    text: text.clone(),
                    owner: None,
                    due: None,
                    citations,
                    author: Some(self.author.clone()),
                });
                let mut kept = a.clone();
                kept.text = text;
                kept.evidence = ids.iter().map(|i| format!("E{i}")).collect();
                kept.quotes.clear();
                tally.verified.actions.push(kept);
                (1, 0, 0)
            }
            (Verdict::Verified(_), None) => (0, 0, 0),
            (Verdict::Unverified(reasons), _) => {
                if let Some(blame) = reasons.iter().find(|r| r.starts_with("blame phrasing")) {
                    return left_out(tally, blame);
                }
                self.unverified(tally, &text, reasons)
            }
            (Verdict::Dropped(reasons), _) => left_out(tally, reasons.first().map_or("dropped", String::as_str)),
        }
    }

    /// The model's own open question: shown as a question, credited, never as fact.
    fn question(&self, tally: &mut Tally, q: &crate::claims::Ask, guard: &Guard) -> (usize, usize, usize) {
        let text = clean_text(&q.question);
        let needed = clean_text(&q.evidence_needed);
        if text.chars().filter(|c| c.is_alphanumeric()).count() < 3 {
            return (0, 0, 0);
        }
        if let Some(l) = guard.leaks(&text).into_iter().chain(guard.leaks(&needed)).next() {
            return left_out(tally, &format!("writes {l}"));
        }
        if let Some(b) = debrief_verify::lint::blame_phrase(&text) {
            return left_out(tally, &format!("blame phrasing \"{}\"", b.to_lowercase()));
        }
        if !tally.seen.insert(format!("question\u{0}{}", text.to_lowercase())) {
            return (0, 0, 0);
        }
        tally.questions.push(Question {
            question: text,
            evidence_needed: if needed.is_empty() { "Unknown".into() } else { needed },
            citations: Vec::new(),
            unverified: Some(Unverified {
                author: self.author.clone(),
                reasons: vec!["a question the model raised, not a verified claim".into()],
            }),
        });
        (0, 0, 0)
    }

    fn unverified(&self, tally: &mut Tally, text: &str, reasons: Vec<String>) -> (usize, usize, usize) {
        if self.on_unverified == OnUnverified::Drop {
            return left_out(tally, "not verified");
        }
        let question = format!("Unverified (model): {text}");
        if !tally.seen.insert(format!("question\u{0}{}", question.to_lowercase())) {
            return (0, 0, 0);
        }
        tally.questions.push(Question {
            question,
            evidence_needed: "a record that states this; the evidence the model cited does not".into(),
            citations: Vec::new(),
            unverified: Some(Unverified { author: self.author.clone(), reasons }),
        });
        tally.unverified += 1;
        (0, 1, 0)
    }

    /// Checks every claim of `answer`.
    fn answer(
        &self,
        tally: &mut Tally,
        checker: &Checker<'_>,
        answer: &Answer,
        guard: &Guard,
    ) -> (usize, usize, usize) {
        let mut n = (0, 0, 0);
        let mut add = |d: (usize, usize, usize)| {
            n.0 += d.0;
            n.1 += d.1;
            n.2 += d.2;
        };
        for (section, claim) in answer.claims() {
            add(self.claim(tally, checker, section, claim));
        }
        for a in &answer.actions {
            add(self.action(tally, checker, a));
        }
        for q in &answer.questions {
            add(self.question(tally, q, guard));
        }
        n
    }
}

fn left_out(tally: &mut Tally, why: &str) -> (usize, usize, usize) {
    tally.dropped += 1;
    let key = if why.starts_with("blame phrasing") { "blame phrasing" } else { why };
    *tally.dropped_why.entry(key.to_string()).or_default() += 1;
    (0, 0, 1)
}

/// Asks `provider` for its part of the review of `inputs`, and verifies it.
pub fn assist(
    provider: &dyn Provider,
    inputs: &Inputs<'_>,
    settings: &Settings,
    progress: &mut dyn Progress,
) -> Assisted {
    let started = Instant::now();
    let author = provider.label();
    let guard = Guard::new(inputs.real_names);
    let evidence = Evidence::build(inputs);
    let budget = &settings.budget;
    let plan = Plan::new(inputs, &evidence, budget, &guard);
    progress.step(&Step::Planned {
        requests: plan.windows.len() + usize::from(plan.windows.len() > 1),
        lines_sent: plan.lines_sent,
        lines_total: plan.lines_total,
        largest_request_tokens: plan.largest_request_tokens,
        budget_tokens: plan.budget_tokens,
    });
    let moments: Vec<Timestamp> = inputs.review.metrics.named().iter().filter_map(|(_, m)| m.time).collect();
    let judge = Judge {
        author: author.clone(),
        citer: Citer { records: inputs.records, sources: inputs.sources },
        on_unverified: settings.on_unverified,
    };
    let mut asker = Asker {
        provider,
        guard: &guard,
        progress,
        usage: Usage::default(),
        requests: 0,
        echo_tokens: repair_reserve(budget).saturating_sub(80).max(40),
    };
    let mut tally = Tally::default();
    let mut notes: Vec<String> = plan.notes.clone();
    let mut failures: Vec<String> = Vec::new();
    let mut answered = 0;
    let n = plan.windows.len();
    let out_of_time = |notes: &mut Vec<String>, done: usize, of: usize| {
        settings.deadline.is_some_and(|d| {
            let over = started.elapsed() >= d;
            if over {
                notes.push(format!(
                    "stopped after {done} of {of} request(s): the time limit of {} s was reached",
                    d.as_secs()
                ));
            }
            over
        })
    };

    for (i, w) in plan.windows.iter().enumerate() {
        if out_of_time(&mut failures, i, n) {
            break;
        }
        let Some(request) = plan.request(i, budget, &guard) else { continue };
        let what = if n == 1 {
            "all the evidence".to_string()
        } else {
            format!(
                "part {} of {n} ({}–{} UTC)",
                i + 1,
                w.from.map_or_else(|| "?".into(), |t| t.strftime("%H:%M").to_string()),
                w.to.map_or_else(|| "?".into(), |t| t.strftime("%H:%M").to_string())
            )
        };
        match asker.ask(&request, what) {
            Ok(answer) => {
                answered += 1;
                let checker = Checker::new(
                    inputs.records,
                    inputs.sources,
                    w.items.iter().map(|it| it.record),
                    w.items.iter().filter(|it| it.suspect).map(|it| it.record),
                    &plan.facts,
                    &moments,
                    &guard,
                )
                .with_lines(w.items.iter().map(|it| (it.record, it.line.clone())));
                let (v, u, d) = judge.answer(&mut tally, &checker, &answer, &guard);
                asker.progress.step(&Step::Checked { request: asker.requests, verified: v, unverified: u, dropped: d });
            }
            Err(Failure::Provider(e)) => {
                failures.push(format!("the model could not be reached: {e}"));
                // The provider already retried what was worth retrying: stop here.
                break;
            }
            Err(f @ Failure::Malformed(_)) => {
                failures.push(format!("request {} gave no usable answer ({f})", asker.requests));
            }
        }
    }

    // Several windows: merge the verified claims in one more request.
    if n > 1 && answered > 0 && !tally.verified.is_empty() && !out_of_time(&mut failures, n, n + 1) {
        let by_record: HashMap<usize, &crate::evidence::Item> =
            plan.windows.iter().flat_map(|w| w.items.iter()).map(|it| (it.record, it)).collect();
        // The verified claims, as many as fit the budget (in the answer's order).
        let entries = flatten(&tally.verified);
        let fits = |k: usize| -> (ChatRequest, Vec<usize>) {
            let answer = unflatten(&entries[..k]);
            let mut ids: Vec<usize> = answer
                .claims()
                .flat_map(|(_, c)| c.evidence.iter())
                .chain(answer.actions.iter().flat_map(|a| a.evidence.iter()))
                .filter_map(|id| id.strip_prefix('E').and_then(|n| n.parse().ok()))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let lines: Vec<String> = ids.iter().filter_map(|i| by_record.get(i)).map(|it| it.line.clone()).collect();
            let claims_json = serde_json::to_string(&answer).unwrap_or_default();
            (reduce_request(&plan.facts, &claims_json, &lines, budget, &guard), ids)
        };
        let limit = budget.budget_tokens.saturating_sub(repair_reserve(budget));
        let mut k = entries.len();
        let (mut request, mut ids) = fits(k);
        while k > 1 && request_tokens(&request) > limit {
            k -= 1;
            (request, ids) = fits(k);
        }
        if k < entries.len() {
            notes
                .push(format!("the merge request carried {k} of {} verified claims, to fit the budget", entries.len()));
        }
        match asker.ask(&request, format!("merge of {k} verified claims")) {
            Ok(answer) => {
                let checker = Checker::new(
                    inputs.records,
                    inputs.sources,
                    ids.iter().copied(),
                    [],
                    &plan.facts,
                    &moments,
                    &guard,
                )
                .with_lines(ids.iter().filter_map(|i| by_record.get(i).map(|it| (*i, it.line.clone()))));
                // The merged claims replace the windows' (which they were made from).
                let mut merged = Tally {
                    questions: std::mem::take(&mut tally.questions),
                    unverified: tally.unverified,
                    dropped: tally.dropped,
                    dropped_why: std::mem::take(&mut tally.dropped_why),
                    seen: tally.seen.iter().filter(|k| k.starts_with("question\u{0}")).cloned().collect(),
                    ..Tally::default()
                };
                let (v, u, d) = judge.answer(&mut merged, &checker, &answer, &guard);
                asker.progress.step(&Step::Checked { request: asker.requests, verified: v, unverified: u, dropped: d });
                if v == 0 {
                    // A merge that kept nothing is no improvement on the windows' claims.
                    notes.push("the merge request verified nothing; the claims are those of each part".into());
                    tally.questions = merged.questions;
                    tally.unverified = merged.unverified;
                    tally.dropped = merged.dropped;
                    tally.dropped_why = merged.dropped_why;
                } else {
                    tally = merged;
                }
            }
            Err(f) => failures.push(format!("the merge request failed ({f}); the claims are those of each part")),
        }
    }

    let Usage { prompt_tokens, completion_tokens } = asker.usage;
    let status = if answered == 0 {
        "failed"
    } else if failures.is_empty() {
        "ok"
    } else {
        "partial"
    };
    if answered == 0 {
        let why = if failures.is_empty() { "the model was not asked".to_string() } else { failures.join("; ") };
        return Assisted {
            assist: Assist {
                model: author,
                status: status.into(),
                notes: vec![format!("{why}; this draft is the engine's alone")],
                prompt_tokens,
                completion_tokens,
                evidence_sent: plan.records_covered,
                evidence_total: plan.records_total,
                ..Assist::default()
            },
            findings: Vec::new(),
            actions: Vec::new(),
            questions: Vec::new(),
        };
    }
    notes.extend(failures);
    if !tally.dropped_why.is_empty() {
        let why: Vec<String> = tally.dropped_why.iter().map(|(k, v)| format!("{k} ({v})")).collect();
        notes.push(format!("{} claim(s) left out: {}", tally.dropped, why.join(", ")));
    }
    let verified = tally.findings.len() + tally.actions.len();
    Assisted {
        assist: Assist {
            model: author,
            status: status.into(),
            notes,
            claims: verified + tally.unverified + tally.dropped,
            verified,
            unverified: tally.unverified,
            dropped: tally.dropped,
            prompt_tokens,
            completion_tokens,
            evidence_sent: plan.records_covered,
            evidence_total: plan.records_total,
        },
        findings: tally.findings,
        actions: tally.actions,
        questions: tally.questions,
    }
}

/// A verified claim of some section, for the merge request.
#[derive(Clone)]
enum Entry {
    Claim(&'static str, Claim),
    Action(crate::claims::ActionClaim),
}

fn flatten(answer: &Answer) -> Vec<Entry> {
    let mut out: Vec<Entry> = answer.claims().map(|(s, c)| Entry::Claim(s, c.clone())).collect();
    out.extend(answer.actions.iter().cloned().map(Entry::Action));
    out
}

fn unflatten(entries: &[Entry]) -> Answer {
    let mut a = Answer::default();
    for e in entries {
        match e {
            Entry::Claim(section, c) => {
                let list = match *section {
                    "summary" => &mut a.summary,
                    "customer_impact" => &mut a.customer_impact,
                    "contributing_factors" => &mut a.contributing_factors,
                    "decisions" => &mut a.decisions,
                    "went_well" => &mut a.went_well,
                    _ => &mut a.went_poorly,
                };
                list.push(c.clone());
            }
            Entry::Action(x) => a.actions.push(x.clone()),
        }
    }
    a
}
