//! Shell history: bash with `#<epoch>` lines before commands (`HISTTIMEFORMAT` set), zsh
//! extended history (`: 1548191740:0;cmd`), fish history (`- cmd: …` / `  when: …`), and
//! plain history without times. One [`Kind::Action`] record per command, citing the
//! command's line(s), with the command as its text. Commands of a plain history have no
//! time; their `order` attribute keeps their sequence.

use std::sync::LazyLock;

use debrief_model::{Kind, Problem, Record, SourceFile, Span, When};
use regex::Regex;

use crate::adapter::{Adapter, Context, Parsed};
use crate::lines::numbered;
use crate::time::parse_epoch;

pub struct ShellHistory;

/// bash: `#1562075232`.
static BASH_STAMP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^#(\d{9,11})\s*$").unwrap_or_else(|_| unreachable!()));
/// zsh extended history: `: 1548191740:0;cmd`.
static ZSH_ENTRY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^: ?(\d{9,11}):(\d+);").unwrap_or_else(|_| unreachable!()));

/// The history dialects this adapter reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Bash,
    Zsh,
    Fish,
    Plain,
}

/// How sure the file is each dialect, from its first lines.
fn dialect(text: &str) -> Option<(Dialect, u8)> {
    let mut lines = 0u32;
    let (mut bash, mut zsh, mut fish_cmd, mut fish_when) = (0u32, 0u32, 0u32, 0u32);
    for (_, line) in numbered(text).take(200) {
        if line.trim().is_empty() {
            continue;
        }
        lines += 1;
        if BASH_STAMP.is_match(line) {
            bash += 1;
        } else if ZSH_ENTRY.is_match(line) {
            zsh += 1;
        } else if line.starts_with("- cmd: ") {
            fish_cmd += 1;
        } else if line.starts_with("  when: ") {
            fish_when += 1;
        }
    }
    if lines == 0 {
        return None;
    }
    // Entries are a share of lines: a bash stamp is every other line, a zsh entry nearly
    // every line (long commands may continue), a fish entry every two or three lines.
    if zsh > 0 && zsh * 10 >= lines * 6 {
        return Some((Dialect::Zsh, 95));
    }
    if bash >= 2 && bash * 10 >= lines * 3 {
        return Some((Dialect::Bash, 90));
    }
    if fish_cmd > 0 && fish_when > 0 && (fish_cmd + fish_when) * 10 >= lines * 6 {
        return Some((Dialect::Fish, 90));
    }
    None
}

/// The shell a history file's name points at (`.bash_history`, `oncall.zsh_history`).
fn shell_of_name(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if name.ends_with("bash_history") {
        Some("bash")
    } else if name.ends_with("zsh_history") || name == ".histfile" {
        Some("zsh")
    } else if name.ends_with("fish_history") {
        Some("fish")
    } else if name.ends_with("sh_history") || name.ends_with("_history") || name == "history" {
        Some("sh")
    } else {
        None
    }
}

impl Adapter for ShellHistory {
    fn format(&self) -> &'static str {
        "shell-history"
    }

    fn sniff(&self, file: &SourceFile) -> u8 {
        let head = prefix(&file.text, 8192);
        if let Some((_, score)) = dialect(head) {
            return score;
        }
        // A plain history has no marks of its own: only its name says what it is.
        match shell_of_name(&file.path) {
            Some(_) if !head.trim_start().starts_with(['{', '[']) => 60,
            _ => 0,
        }
    }

    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed {
        let head = prefix(&file.text, 8192);
        let kind = dialect(head).map_or(Dialect::Plain, |(d, _)| d);
        let shell = match kind {
            Dialect::Bash => Some("bash"),
            Dialect::Zsh => Some("zsh"),
            Dialect::Fish => Some("fish"),
            Dialect::Plain => shell_of_name(&file.path),
        };
        let mut out = Parsed::default();
        let commands = match kind {
            Dialect::Bash => bash(&file.text, &mut out.problems),
            Dialect::Zsh => zsh(&file.text, &mut out.problems),
            Dialect::Fish => fish(&file.text, &mut out.problems),
            Dialect::Plain => plain(&file.text),
        };
        for (i, c) in commands.into_iter().enumerate() {
            let when = match c.stamp {
                Some((epoch, raw)) => When::exact(epoch).with_original(raw),
                None => When::unknown(),
            };
            let mut r = Record::new(Span::lines(cx.source, c.line, c.end_line), when, Kind::Action, c.text);
            if let Some(s) = shell {
                r = r.with_attr("shell", s);
            }
            if kind == Dialect::Plain {
                r = r.with_attr("order", (i + 1).to_string());
            }
            out.records.push(r);
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
    let head = &text[..cut];
    head.rfind('\n').map_or(head, |i| &head[..i])
}

/// One command as the history holds it.
struct Command<'a> {
    line: u32,
    end_line: u32,
    text: String,
    stamp: Option<(jiff::Timestamp, &'a str)>,
}

fn epoch<'a>(raw: &'a str, line: u32, problems: &mut Vec<Problem>) -> Option<(jiff::Timestamp, &'a str)> {
    let t = parse_epoch(raw);
    if t.is_none() {
        problems.push(Problem::at(line, format!("{raw:?} is not an epoch time — the command's time is unknown")));
    }
    t.map(|t| (t, raw))
}

/// bash: each `#<epoch>` line stamps the lines up to the next stamp (one command, which
/// may span several lines when `lithist` is set).
fn bash<'a>(text: &'a str, problems: &mut Vec<Problem>) -> Vec<Command<'a>> {
    let mut out: Vec<Command<'a>> = Vec::new();
    let mut stamp: Option<(jiff::Timestamp, &'a str)> = None;
    let mut open = false;
    for (n, line) in numbered(text) {
        if let Some(c) = BASH_STAMP.captures(line) {
            let raw = c.get(1).map_or("", |m| m.as_str());
            stamp = epoch(raw, n, problems);
            open = false;
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if open => {
                last.text.push('\n');
                last.text.push_str(line);
                last.end_line = n;
            }
            _ => {
                if stamp.is_none() {
                    problems.push(Problem::at(n, "command without a `#<epoch>` line before it — its time is unknown"));
                }
                out.push(Command { line: n, end_line: n, text: line.to_string(), stamp: stamp.take() });
                open = true;
            }
        }
    }
    out
}

/// zsh: `: <epoch>:<elapsed>;<command>`; a line ending in `\` continues on the next.
fn zsh<'a>(text: &'a str, problems: &mut Vec<Problem>) -> Vec<Command<'a>> {
    let mut out: Vec<Command<'a>> = Vec::new();
    let mut continues = false;
    for (n, line) in numbered(text) {
        if continues && let Some(last) = out.last_mut() {
            last.text.push('\n');
            last.text.push_str(line);
            last.end_line = n;
            continues = line.ends_with('\\');
            continue;
        }
        continues = false;
        if line.trim().is_empty() {
            continue;
        }
        let Some(c) = ZSH_ENTRY.captures(line) else {
            problems.push(Problem::at(
                n,
                "expected a zsh history entry (`: <epoch>:<elapsed>;command`) — read as a command without a time",
            ));
            out.push(Command { line: n, end_line: n, text: line.to_string(), stamp: None });
            continue;
        };
        let raw = c.get(1).map_or("", |m| m.as_str());
        let at = c.get(0).map_or(0, |m| m.end());
        let command = &line[at..];
        if command.trim().is_empty() {
            continue; // an empty entry: nothing was run
        }
        continues = command.ends_with('\\');
        out.push(Command { line: n, end_line: n, text: command.to_string(), stamp: epoch(raw, n, problems) });
    }
    out
}

/// fish: `- cmd: <command>` then `  when: <epoch>` (and optional `  paths:` lists).
fn fish<'a>(text: &'a str, problems: &mut Vec<Problem>) -> Vec<Command<'a>> {
    let mut out: Vec<Command<'a>> = Vec::new();
    for (n, line) in numbered(text) {
        if let Some(cmd) = line.strip_prefix("- cmd: ").filter(|c| !c.trim().is_empty()) {
            out.push(Command { line: n, end_line: n, text: cmd.to_string(), stamp: None });
        } else if let Some(raw) = line.strip_prefix("  when: ") {
            match out.last_mut() {
                Some(last) if last.stamp.is_none() && last.end_line + 1 == n => {
                    last.stamp = epoch(raw.trim(), n, problems);
                    last.end_line = n;
                }
                _ => problems.push(Problem::at(n, "`when:` without a `- cmd:` before it — skipped")),
            }
        }
    }
    for c in &out {
        if c.stamp.is_none() && c.end_line == c.line {
            problems.push(Problem::at(c.line, "fish entry without `when:` — its time is unknown"));
        }
    }
    out
}

/// A history without times: one command per non-empty line.
fn plain(text: &str) -> Vec<Command<'_>> {
    numbered(text)
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| Command { line: n, end_line: n, text: l.to_string(), stamp: None })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IncidentConfig;

    fn parse_file(file: &SourceFile) -> Parsed {
        let config = IncidentConfig::default();
        let files = [file.clone()];
        let cx = Context { source: 0, files: &files, config: &config, zone: None, anchor_date: None };
        ShellHistory.parse(file, &cx)
    }

    fn fixture(name: &str) -> SourceFile {
        let path = format!("{}/tests/fixtures/shell/{name}", env!("CARGO_MANIFEST_DIR"));
        SourceFile::new(name, std::fs::read_to_string(path).unwrap_or_default())
    }

    fn eval_file(rel: &str) -> Option<SourceFile> {
        let path = format!("{}/../../../shared/eval/incidents/{rel}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).ok();
        if text.is_none() {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipping: {path} is absent");
            }
        }
        text.map(|t| SourceFile::new(rel, t))
    }

    fn utc(r: &Record) -> String {
        r.when.utc.map(|t| t.to_string()).unwrap_or_default()
    }

    fn quote_in_span(file: &SourceFile, r: &Record) -> bool {
        let lines: Vec<&str> =
            numbered(&file.text).filter(|&(n, _)| n >= r.span.line && n <= r.span.end_line).map(|(_, l)| l).collect();
        lines.join("\n").contains(&r.text)
    }

    fn covering(p: &Parsed, line: u32) -> &Record {
        p.records
            .iter()
            .find(|r| r.span.line <= line && line <= r.span.end_line)
            .unwrap_or_else(|| panic!("no record covers line {line}"))
    }

    #[test]
    fn bash_with_stamps_and_a_multiline_command() {
        let f = fixture("bastion.bash_history");
        assert_eq!(ShellHistory.sniff(&f), 90);
        let p = parse_file(&f);
        assert_eq!(p.records.len(), 4, "{:?}", p.problems);
        let r = &p.records[2];
        assert_eq!(r.text, "kubectl -n shop rollout undo deploy/checkout-api");
        assert_eq!(utc(r), "2024-05-01T15:18:40Z");
        assert_eq!(r.when.original.as_deref(), Some("1714576720"));
        assert_eq!((r.span.line, r.span.end_line), (5, 5));
        assert_eq!(r.kind, Kind::Action);
        assert_eq!(r.attr("shell"), Some("bash"));
        let multi = &p.records[3];
        assert_eq!((multi.span.line, multi.span.end_line), (7, 8));
        assert!(multi.text.starts_with("for p in $(kubectl get pods -o name); do\n"));
        // The first command has no stamp before it.
        assert_eq!(p.records[0].when.utc, None);
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert_eq!(p.problems[0].line, Some(1));
        assert!(p.records.iter().all(|r| quote_in_span(&f, r)));
    }

    #[test]
    fn zsh_fish_and_plain() {
        let f = fixture("laptop.zsh_history");
        assert_eq!(ShellHistory.sniff(&f), 95);
        let p = parse_file(&f);
        assert_eq!(p.records.len(), 3);
        assert_eq!(p.records[0].text, "kubectl get pods -l app=checkout");
        assert_eq!(utc(&p.records[0]), "2024-05-01T15:00:00Z");
        assert_eq!((p.records[1].span.line, p.records[1].span.end_line), (2, 3));
        assert_eq!(p.records[1].text, "kubectl logs deploy/checkout-api \\\n  --since=10m | grep -c timeout");
        assert!(p.records.iter().all(|r| quote_in_span(&f, r)));

        let f = fixture("fish_history");
        assert_eq!(ShellHistory.sniff(&f), 90);
        let p = parse_file(&f);
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.records[1].text, "psql -c 'select 1'");
        assert_eq!(utc(&p.records[1]), "2024-05-01T15:01:40Z");
        assert_eq!((p.records[1].span.line, p.records[1].span.end_line), (5, 6));
        assert_eq!(p.records[1].attr("shell"), Some("fish"));

        let f = SourceFile::new("home/ops/.bash_history", "ls\n\nuptime\n");
        assert_eq!(ShellHistory.sniff(&f), 60);
        let p = parse_file(&f);
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.records[1].attr("order"), Some("2"));
        assert_eq!(p.records[1].span.line, 3);
        assert_eq!(p.records[1].when.utc, None);
        assert_eq!(ShellHistory.sniff(&SourceFile::new("notes.md", "ls\nuptime\n")), 0);
        // Empty entries are not commands (found by the property test below).
        let p = parse_file(&SourceFile::new("fish_history", "- cmd: \n  when: \n- cmd: ls\n  when: 1714575700\n"));
        assert_eq!(p.records.len(), 1);
        assert_eq!(p.records[0].text, "ls");
        let p = parse_file(&SourceFile::new("z", ": 1714575600:0;\n: 1714575601:0;ls\n"));
        assert_eq!(p.records.len(), 1);
    }

    #[test]
    fn eval_cloudflare_bastion() {
        let Some(f) = eval_file("cloudflare-2019-07-02/bundle/shell/bastion.bash_history") else {
            return;
        };
        assert_eq!(ShellHistory.sniff(&f), 90);
        let p = parse_file(&f);
        assert_eq!(p.records.len(), 15);
        assert!(p.problems.is_empty());
        let r = covering(&p, 16);
        assert_eq!(r.text, "cfctl login");
        assert_eq!(utc(r), "2019-07-02T14:03:38Z");
        let r = covering(&p, 24);
        assert_eq!(utc(r), "2019-07-02T14:07:05Z");
        assert!(r.text.starts_with("curl -sk -X PUT https://localhost:8443/v1/keys/waf/managed/global_kill"));
    }

    #[test]
    fn eval_prow_zsh() {
        let Some(f) = eval_file("k8s-prow-2019-01-23/bundle/shell/oncall-laptop.zsh_history") else {
            return;
        };
        let p = parse_file(&f);
        assert_eq!(p.records.len(), 37);
        for (line, time) in [(10, "2019-01-23T16:08:34Z"), (17, "2019-01-23T16:12:31Z"), (29, "2019-01-23T16:25:52Z")] {
            let r = covering(&p, line);
            assert_eq!(utc(r), time, "line {line}");
            assert_eq!(r.attr("shell"), Some("zsh"));
        }
        assert_eq!(covering(&p, 10).text, "kubectl logs -p hook-6d8f8b7c9b-rq7mz");
    }

    /// Every span lies inside the file, whatever the input.
    fn spans_inside(file: &SourceFile, p: &Parsed) -> bool {
        let lines = file.line_count().max(1);
        p.records.iter().all(|r| r.span.line >= 1 && r.span.line <= r.span.end_line && r.span.end_line <= lines)
    }

    proptest::proptest! {
        #[test]
        fn any_history_parses_without_panic(lines in proptest::collection::vec("(#[0-9]{8,12}|: [0-9]{9,11}:[0-9];[ -~]{0,20}\\\\?|- cmd: [ -~]{0,10}|  when: [0-9a-z]{0,11}|[ -~]{0,20})", 0..40)) {
            let file = SourceFile::new("x_history", lines.join("\n"));
            let p = parse_file(&file);
            proptest::prop_assert!(spans_inside(&file, &p));
            proptest::prop_assert!(p.records.iter().all(|r| !r.text.is_empty()));
        }
    }
}
