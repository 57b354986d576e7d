//! A small, forgiving stripper for the header of a raw log line: leading timestamp, ids and
//! counters, a level, and a `component:` / `program[pid]:` / `program -` tag.
//!
//! It knows no format by name; it only peels what looks like a header off the front and
//! leaves the rest (masking handles whatever it leaves). The level it saw is returned for
//! onset detection.
//!
//! ```
//! use debrief_templates::{split_header, Level};
//!
//! let h = split_header("2015-10-18 18:01:47,978 INFO [main] org.apache.App: Created app 7");
//! assert_eq!(h.message, "Created app 7");
//! assert_eq!(h.level, Some(Level::Info));
//! let h = split_header("Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user test from 1.2.3.4");
//! assert_eq!(h.message, "Invalid user test from 1.2.3.4");
//! ```

/// A log level, as far as a header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Notice,
    Warn,
    Error,
    Fatal,
}

impl Level {
    /// The level a header word names (`INFO`, `Warning`, `[error]`, `E`), if any.
    pub fn from_word(word: &str) -> Option<Self> {
        if word.len() > 16 {
            return None;
        }
        let core = word.trim_matches(|c: char| matches!(c, '[' | ']' | '(' | ')' | '<' | '>' | ':' | ',' | '|'));
        let bracketed = word.starts_with('[') || word.starts_with('<') || word.starts_with('(');
        let upper = core.bytes().all(|c| c.is_ascii_uppercase());
        let capitalized = core.len() > 1
            && core.as_bytes()[0].is_ascii_uppercase()
            && core.bytes().skip(1).all(|c| c.is_ascii_lowercase());
        if !(bracketed || upper || capitalized) {
            return None;
        }
        if core.len() == 1 {
            return match core {
                "V" | "T" => Some(Self::Trace),
                "D" => Some(Self::Debug),
                "I" => Some(Self::Info),
                "W" => Some(Self::Warn),
                "E" => Some(Self::Error),
                "F" => Some(Self::Fatal),
                _ => None,
            };
        }
        LEVEL_WORDS.iter().find(|(w, _)| core.eq_ignore_ascii_case(w)).map(|&(_, l)| l)
    }

    /// Error or worse.
    pub fn is_error(self) -> bool {
        self >= Self::Error
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Notice => "notice",
            Self::Warn => "warn",
            Self::Error => "error",
            Self::Fatal => "fatal",
        }
    }
}

const LEVEL_WORDS: [(&str, Level); 23] = [
    ("trace", Level::Trace),
    ("verbose", Level::Trace),
    ("finest", Level::Trace),
    ("finer", Level::Trace),
    ("debug", Level::Debug),
    ("dbg", Level::Debug),
    ("fine", Level::Debug),
    ("info", Level::Info),
    ("information", Level::Info),
    ("informational", Level::Info),
    ("notice", Level::Notice),
    ("warn", Level::Warn),
    ("warning", Level::Warn),
    ("error", Level::Error),
    ("err", Level::Error),
    ("severe", Level::Error),
    ("fatal", Level::Fatal),
    ("critical", Level::Fatal),
    ("crit", Level::Fatal),
    ("alert", Level::Fatal),
    ("emerg", Level::Fatal),
    ("emergency", Level::Fatal),
    ("panic", Level::Fatal),
];

/// A raw line split into what looked like its header and its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// The message: the line from the first token after the header.
    pub message: &'a str,
    /// The level the header named, if it named one.
    pub level: Option<Level>,
}

/// At most this many leading time/id tokens are peeled.
const MAX_LEADING: usize = 8;

/// Splits a raw line into header and message. A line with no recognisable header is all message.
pub fn split_header(line: &str) -> Header<'_> {
    let mut toks = [(0u32, 0u32); PEEK];
    let n = spans(line, &mut toks);
    let (k, level) = peel(line, &toks[..n]);
    let message =
        if k == 0 { line.trim_start_matches(|c: char| c.is_ascii_whitespace()) } else { &line[toks[k].0 as usize..] };
    Header { message, level }
}

/// How many leading tokens [`peel`] looks at.
pub(crate) const PEEK: usize = 16;

/// Fills `out` with the byte spans of the first tokens of `line`; returns how many.
fn spans(line: &str, out: &mut [(u32, u32)]) -> usize {
    let b = line.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while n < out.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let s = i;
        while i < b.len() && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        out[n] = (s as u32, i as u32);
        n += 1;
    }
    n
}

/// How many of the tokens `toks` (spans into `line`, the first [`PEEK`] of them at most) make
/// its header, and the level it named. `(0, None)` when there is no header to peel.
pub(crate) fn peel(line: &str, toks: &[(u32, u32)]) -> (usize, Option<Level>) {
    let n = toks.len();
    let tok = |k: usize| &line[toks[k].0 as usize..toks[k].1 as usize];

    // 1. Leading time, date, ids and counters: tokens with a digit, month/day names, a lone `-`.
    let mut k = 0;
    while k < n.min(MAX_LEADING) && is_leading(tok(k)) {
        k += 1;
    }
    let after_time = k;

    // 2. A level, possibly after up to two all-caps tags (`RAS KERNEL INFO`).
    let mut level = None;
    for skip in 0..3 {
        if k + skip >= n {
            break;
        }
        if let Some(l) = Level::from_word(tok(k + skip)) {
            // A lone letter is a level only before a `component:` (`D WindowManager: …`).
            let letter = tok(k + skip).trim_matches(|c: char| !c.is_ascii_alphabetic()).len() == 1;
            if !letter || (k + skip + 1 < n && tok(k + skip + 1).ends_with(':')) {
                level = Some(l);
                k += skip + 1;
                break;
            }
        }
        if !is_caps_tag(tok(k + skip)) {
            break;
        }
    }

    // 3. The tag: `[thread]`, `-`, `component:`; or, with no level, `host program[pid]:`, `program -`.
    if level.is_some() {
        while k < n && tok(k).starts_with('[') {
            let mut j = k;
            while j < n && !tok(j).ends_with(']') {
                j += 1;
            }
            if j >= n {
                break;
            }
            k = j + 1;
        }
        if k < n && tok(k) == "-" {
            k += 1;
        }
        if k + 1 < n && is_component(tok(k)) {
            k += 1;
        }
        if k < n && tok(k) == "-" {
            k += 1;
        }
    } else if after_time > 0 {
        if k + 1 < n && is_program(tok(k)) {
            k += 1;
        } else if k + 2 < n && (is_program(tok(k + 1)) || (tok(k + 1) == "-" && is_word(tok(k)))) {
            // `host program[pid]: …`, `program - …`
            k += 2;
        } else if k + 3 < n && tok(k + 2) == "-" && is_word(tok(k)) && !is_word(tok(k + 1)) {
            // `chrome.exe *64 - …`
            k += 3;
        }
    }
    // Peel only what is plainly a header: a level or program tag was found, or the leading
    // tokens hold a time; and never the whole line.
    let timed = (0..after_time).any(|j| is_time(tok(j)));
    let header = k > after_time || (after_time >= 2 && timed);
    if k == 0 || k >= n || !header {
        return (0, None);
    }
    (k, level)
}

/// `15:16:01`, `18:01:47,978`, `2015-10-18`, `17/06/09`, `2005.06.03`: digits, a separator,
/// digits, the same separator, digits.
fn is_time(t: &str) -> bool {
    let b = t.as_bytes();
    for sep in [b':', b'-', b'/', b'.'] {
        let mut parts = 0;
        let mut run = 0;
        for &c in b {
            if c.is_ascii_digit() {
                run += 1;
            } else if c == sep && run > 0 {
                parts += 1;
                run = 0;
            } else if run > 0 || c != b'[' {
                break;
            }
        }
        if parts >= 2 && run > 0 {
            return true;
        }
    }
    false
}

fn is_leading(t: &str) -> bool {
    if t == "-" {
        return true;
    }
    let core = t.trim_matches(|c: char| matches!(c, '[' | ']' | '(' | ')' | ',' | '<' | '>'));
    if core.len() == 3 && ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].contains(&core) {
        return true;
    }
    if core.len() == 3
        && ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].contains(&core)
    {
        return true;
    }
    core.bytes().any(|c| c.is_ascii_digit()) && !core.contains('=')
}

fn is_caps_tag(t: &str) -> bool {
    t.len() >= 2 && t.bytes().all(|c| c.is_ascii_uppercase() || c == b'_')
}

/// `dfs.DataNode$PacketResponder:`, `WindowManager:`, `org.apache.App:` — a name and a colon.
fn is_component(t: &str) -> bool {
    t.len() >= 2 && t.ends_with(':') && t.bytes().next().is_some_and(|c| c.is_ascii_alphabetic()) && !t.ends_with("::")
}

/// `sshd[24200]:`, `sshd(pam_unix)[19939]:`, `kernel:`.
fn is_program(t: &str) -> bool {
    t.ends_with("]:") || (is_component(t) && t.bytes().all(|c| c.is_ascii_alphanumeric() || b"._-/:()".contains(&c)))
}

fn is_word(t: &str) -> bool {
    t.bytes().next().is_some_and(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(l: &str) -> &str {
        split_header(l).message
    }

    #[test]
    fn peels_common_headers() {
        assert_eq!(
            msg("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_3 terminating"),
            "PacketResponder 1 for block blk_3 terminating"
        );
        assert_eq!(msg("[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok"), "workerEnv.init() ok");
        assert_eq!(
            msg(
                "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:2181:FastLeaderElection@774] - Notification time out: 3200"
            ),
            "Notification time out: 3200"
        );
        assert_eq!(msg("03-17 16:13:38.811  1702  2395 D WindowManager: printFreezing x"), "printFreezing x");
        assert_eq!(
            msg("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure;"),
            "authentication failure;"
        );
        assert_eq!(
            msg("[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy"),
            "proxy.cse.cuhk.edu.hk:5070 open through proxy"
        );
        assert_eq!(msg("[10.30 16:49:06] chrome.exe *64 - proxy.example.com:5070 open"), "proxy.example.com:5070 open");
        assert_eq!(
            msg(
                "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected"
            ),
            "instruction cache parity error corrected"
        );
        assert_eq!(split_header("2024-05-01T10:02:13Z ERROR api: upstream timed out").level, Some(Level::Error));
    }

    #[test]
    fn leaves_messages_alone() {
        assert_eq!(msg("cancelNotification,index:0"), "cancelNotification,index:0");
        assert_eq!(msg("8 floating point alignment exceptions"), "8 floating point alignment exceptions");
        assert_eq!(msg("proxy.example.com:5070 open through proxy"), "proxy.example.com:5070 open through proxy");
        assert_eq!(msg("0 1 2"), "0 1 2");
        assert_eq!(msg("error: Received disconnect from 1.2.3.4"), "error: Received disconnect from 1.2.3.4");
        assert_eq!(msg("authentication failure; logname= uid=0"), "authentication failure; logname= uid=0");
        assert_eq!(msg(""), "");
        assert_eq!(msg("   "), "");
    }
}
