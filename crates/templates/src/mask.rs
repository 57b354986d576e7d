//! Masking: the parts of a token that are values, not message, become `<*>` before the tree
//! is searched.
//!
//! Per whitespace-separated token, in order:
//!
//! - a weekday or month name (`Wed`, `Jun`) is a date part: `<*>`;
//! - `host:port` (`10.0.0.1:80`, `db.example.com:5432`) is `<*>`;
//! - a path holding a digit (`/var/log/app-3/x.log`, `C:\w\amd64_6.1\x.dll`) is `<*>`;
//! - otherwise every alphanumeric run that holds a digit (numbers, durations `12ms` `3.5s`,
//!   hex ids, UUID parts, IP octets, versions) or is a run of 8+ hex letters (hashes) is `<*>`
//!   — except a word of two letters or more with one digit at its end (`ssh2`, `SOCKS5`, `md5`),
//!   a sign before a number goes with it, and masks joined by one of `. : - _ / , + @ #` fold
//!   into one (`10.0.0.1` → `<*>`, `blk_-42` → `blk_<*>`, `(HWID=1973)` → `(HWID=<*>)`);
//! - the value of `key=value` is `<*>` (`user=root` → `user=<*>`; `logname=` stays).
//!
//! A masked token matches the original as a glob where `<*>` is any text.

/// The mask written in place of a value.
pub const MASK: &str = "<*>";

/// Which masks apply, beyond numbers, ids, addresses and paths (always on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskConfig {
    /// `key=value` → `key=<*>`.
    pub key_values: bool,
    /// ... also when the value is a plain word (`user=root`, `mode=false`); otherwise a word
    /// value stays (numbers, addresses, paths and quoted values are masked either way).
    pub word_values: bool,
    /// Weekday and month names (`Mon`, `Jun`) → `<*>`.
    pub dates: bool,
}

impl Default for MaskConfig {
    fn default() -> Self {
        Self { key_values: true, word_values: false, dates: true }
    }
}

pub(crate) const DIGIT: u8 = 1;
pub(crate) const EQ: u8 = 2;
pub(crate) const SEP: u8 = 4;
pub(crate) const UPPER: u8 = 8;
pub(crate) const SPACE: u8 = 16;

/// Per byte: whether it is a digit, `=`, a path separator, an upper-case letter, or ASCII
/// whitespace.
pub(crate) static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = b'0';
    while c <= b'9' {
        t[c as usize] = DIGIT;
        c += 1;
    }
    let mut c = b'A';
    while c <= b'Z' {
        t[c as usize] = UPPER;
        c += 1;
    }
    t[b'=' as usize] = EQ;
    t[b'/' as usize] = SEP;
    t[b'\\' as usize] = SEP;
    t[b' ' as usize] = SPACE;
    t[b'\t' as usize] = SPACE;
    t[b'\n' as usize] = SPACE;
    t[b'\r' as usize] = SPACE;
    t[0x0c] = SPACE;
    t
};

/// Appends the masked form of `token` (no whitespace in it) to `out`.
pub fn mask_token(token: &str, out: &mut String, config: MaskConfig) {
    let class = token.bytes().fold(0, |acc, c| acc | CLASS[c as usize]);
    if !mask_into(token, class, out, config) {
        out.push_str(token);
    }
}

/// Appends the masked form of `token` to `out` and returns `true`; or returns `false`, having
/// written nothing, when masking leaves it as it is. `class` is the `|` of its bytes' [`CLASS`].
pub(crate) fn mask_into(token: &str, class: u8, out: &mut String, config: MaskConfig) -> bool {
    let b = token.as_bytes();
    let digit = class & DIGIT != 0;
    if !digit && (class & EQ == 0 || !config.key_values) && class & SEP == 0 {
        // A word: as it is, unless it is a date word or a long run of hex letters (a hash).
        if config.dates && class & UPPER != 0 && (3..=6).contains(&b.len()) {
            let (pre, core, post) = split_punct(token);
            if is_date_word(core) {
                out.push_str(pre);
                out.push_str(MASK);
                out.push_str(post);
                return true;
            }
        }
        if b.len() < 8 || !has_hex_run(b) {
            return false;
        }
    }
    let (pre, core, post) = split_punct(token);
    let whole = (class & SEP != 0 && is_path(core))
        || (digit && (is_host_port(core) || is_dotted_name(core) || is_hex_groups(core)));
    out.push_str(pre);
    if whole {
        out.push_str(MASK);
    } else {
        mask_segments(core, out, config);
    }
    out.push_str(post);
    true
}

/// Whether `b` has a run of 8 or more hex letters.
fn has_hex_run(b: &[u8]) -> bool {
    let mut run = 0;
    for &c in b {
        if c.is_ascii_hexdigit() {
            run += 1;
            if run >= 8 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// Leading `( [ { < ' "` and trailing `) ] } > ' " , ; : . ! ?` around the token's core.
fn split_punct(token: &str) -> (&str, &str, &str) {
    let b = token.as_bytes();
    let mut s = 0;
    while s < b.len() && matches!(b[s], b'(' | b'[' | b'{' | b'<' | b'\'' | b'"') {
        s += 1;
    }
    let mut e = b.len();
    while e > s
        && matches!(b[e - 1], b')' | b']' | b'}' | b'>' | b'\'' | b'"' | b',' | b';' | b':' | b'.' | b'!' | b'?')
    {
        e -= 1;
    }
    (&token[..s], &token[s..e], &token[e..])
}

const DATE_WORDS: [&str; 19] = [
    "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Oct",
    "Nov", "Dec", "May",
];

fn is_date_word(core: &str) -> bool {
    core.len() == 3 && core.as_bytes()[0].is_ascii_uppercase() && DATE_WORDS.contains(&core)
}

/// `host:port` with a dotted host (or `localhost`) and a port of 1–5 digits.
fn is_host_port(core: &str) -> bool {
    let Some(colon) = memchr::memrchr(b':', core.as_bytes()) else { return false };
    let (host, port) = (&core[..colon], &core[colon + 1..]);
    (1..=5).contains(&port.len())
        && port.bytes().all(|c| c.is_ascii_digit())
        && !host.is_empty()
        && (host.contains('.') || host == "localhost")
        && host.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
        && !host.starts_with('.')
}

/// A Unix path of two segments or more (`/var/log/x`, `/mapreduce/*`, not `/default-rack`),
/// a home or relative path, or a Windows path.
fn is_path(core: &str) -> bool {
    let b = core.as_bytes();
    if b.len() < 3 {
        return false;
    }
    let unix = b[0] == b'/' && b[1] != b'/' && b[1..].contains(&b'/') && !b[1..].contains(&b' ');
    let home = core.starts_with("~/") || core.starts_with("./") || core.starts_with("../");
    let windows = b.len() > 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\';
    unix || home || windows
}

/// A dotted name with a number in it (`MSRA-SA-39.fareast.corp.example.com`, `ip-10-0-0-7.ec2.internal`,
/// `jsch-0.1.51.jar`): a host or file name, so a value. The caller checked for a digit.
fn is_dotted_name(core: &str) -> bool {
    if memchr::memchr_iter(b'.', core.as_bytes()).nth(1).is_none() {
        return false;
    }
    let mut labels = 0;
    for label in core.split('.') {
        if label.is_empty() || !label.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_') {
            return false;
        }
        labels += 1;
    }
    labels >= 3 && core.rsplit('.').next().is_some_and(|tld| tld.bytes().all(|c| c.is_ascii_alphabetic()))
}

/// Hex groups joined by `:` or `-` (`00:1A:2B:3C:4D:5E`, `FF:F2:9F:15`, `fe80::1:2`).
fn is_hex_groups(core: &str) -> bool {
    'sep: for sep in [b':', b'-'] {
        if core.len() < 7 || memchr::memchr_iter(sep, core.as_bytes()).nth(2).is_none() {
            continue;
        }
        let (mut groups, mut filled) = (0, 0);
        for g in core.as_bytes().split(|&c| c == sep) {
            if g.len() > 4 || !g.iter().all(u8::is_ascii_hexdigit) {
                continue 'sep;
            }
            groups += 1;
            filled += usize::from(!g.is_empty());
        }
        if groups >= 4 && filled >= 3 {
            return true;
        }
    }
    false
}

fn is_joiner(c: u8) -> bool {
    matches!(c, b'.' | b':' | b'-' | b'_' | b'/' | b',' | b'+' | b'@' | b'#')
}

/// Masks values inside `core`: alphanumeric runs with a digit, long hex runs, `key=` values;
/// a mask right after another, or after one joiner, folds into it.
fn mask_segments(core: &str, out: &mut String, config: MaskConfig) {
    let b = core.as_bytes();
    let mut last = usize::MAX;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphanumeric() {
            let mut j = i;
            let mut digit = false;
            let mut hex = true;
            while j < b.len() && b[j].is_ascii_alphanumeric() {
                digit |= b[j].is_ascii_digit();
                hex &= b[j].is_ascii_hexdigit();
                j += 1;
            }
            // A word with one digit at its end (`ssh2`, `SOCKS5`, `md5`, `eth0`) is a name.
            let named = j - i >= 3
                && b[j - 1].is_ascii_digit()
                && b[i..j - 1].iter().all(u8::is_ascii_alphabetic)
                && !b[i..j - 1].iter().all(u8::is_ascii_hexdigit);
            if (digit && !named) || (hex && j - i >= 8) {
                // A sign right before a number, not after a word, belongs to it.
                if digit
                    && i > 0
                    && matches!(b[i - 1], b'-' | b'+')
                    && (i < 2 || (b[i - 2].is_ascii() && !b[i - 2].is_ascii_alphanumeric()))
                {
                    out.pop();
                }
                push_mask(out, &mut last);
            } else {
                out.push_str(&core[i..j]);
            }
            i = j;
        } else if c == b'='
            && config.key_values
            && i > 0
            && is_key_byte(b[i - 1])
            && i + 1 < b.len()
            && b[i + 1] != b'='
        {
            let end = value_end(b, i + 1);
            let word = b[i + 1..end].iter().all(|&c| c.is_ascii_alphabetic() || c == b'_' || c == b'-');
            out.push('=');
            if config.word_values || !word {
                push_mask(out, &mut last);
                i = end;
            } else {
                i += 1;
            }
        } else {
            // Copy up to the next ASCII alphanumeric or `=`: always a char boundary.
            let mut j = i + 1;
            while j < b.len() && !b[j].is_ascii_alphanumeric() && b[j] != b'=' {
                j += 1;
            }
            out.push_str(&core[i..j]);
            i = j;
        }
    }
}

/// Pushes `<*>`, unless the last mask ends `out` or is followed by one joiner only (which goes).
fn push_mask(out: &mut String, last: &mut usize) {
    if out.len() == *last {
        return;
    }
    if *last != usize::MAX && out.len() == *last + 1 && is_joiner(out.as_bytes()[*last]) {
        out.pop();
        return;
    }
    out.push_str(MASK);
    *last = out.len();
}

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.'
}

/// Where a `key=` value starting at `from` ends: before `,` `;` `&` or an unbalanced closer.
fn value_end(b: &[u8], from: usize) -> usize {
    let mut depth = 0usize;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
            }
            b',' | b';' | b'&' if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    i
}

/// Whether a masked token is a pure value: no letter outside its masks (`<*>`, `(<*>`, `[<*>]`).
pub fn is_value_like(masked: &str) -> bool {
    if !masked.contains(MASK) {
        return false;
    }
    !masked.split(MASK).any(|part| part.bytes().any(|c| c.is_ascii_alphabetic()))
}

/// A unit after a value (`12 ms`, `(1.16 KB)`, `3 bytes`) counts as part of the value.
pub fn is_unit(token: &str) -> bool {
    let core = token.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '%');
    matches!(
        core,
        "B" | "KB"
            | "MB"
            | "GB"
            | "TB"
            | "KiB"
            | "MiB"
            | "GiB"
            | "TiB"
            | "kB"
            | "b"
            | "bytes"
            | "byte"
            | "ns"
            | "us"
            | "µs"
            | "ms"
            | "s"
            | "sec"
            | "secs"
            | "second"
            | "seconds"
            | "min"
            | "mins"
            | "minute"
            | "minutes"
            | "h"
            | "hr"
            | "hrs"
            | "hour"
            | "hours"
            | "day"
            | "days"
            | "%"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(t: &str) -> String {
        let mut s = String::new();
        mask_token(t, &mut s, MaskConfig::default());
        s
    }

    #[test]
    fn masks_values() {
        assert_eq!(m("12345"), "<*>");
        assert_eq!(m("-42"), "<*>");
        assert_eq!(m("12ms"), "<*>");
        assert_eq!(m("3.5s"), "<*>");
        assert_eq!(m("0x7f3a"), "<*>");
        assert_eq!(m("deadbeefcafe"), "<*>");
        assert_eq!(m("de305d54-75b4-431b-adb2-eb6b9e546014"), "<*>");
        assert_eq!(m("10.251.73.220:50010"), "<*>");
        assert_eq!(m("proxy.cse.cuhk.edu.hk:5070"), "<*>");
        assert_eq!(m("[173.234.31.186]"), "[<*>]");
        assert_eq!(m("blk_-6952295868487656571"), "blk_<*>");
        assert_eq!(m("appattempt_1445144423722_0020_000001"), "appattempt_<*>");
        assert_eq!(m("(HWID=1973)"), "(HWID=<*>)");
        assert_eq!(m("/var/log/app-3/x.log"), "<*>");
        assert_eq!(m("'/udev/vcs2'"), "'<*>'");
        assert_eq!(m("/bgl/apps/x/allreduce.rts:"), "<*>:");
        assert_eq!(m("/default-rack"), "/default-rack");
        assert_eq!(m("MSRA-SA-39.fareast.corp.example.com"), "<*>");
        assert_eq!(m("fareast.corp.example.com"), "fareast.corp.example.com");
        assert_eq!(m("FF:F2:9F:15:1F:72:00:0D:60:EA:E0:8D"), "<*>");
        assert_eq!(m("C:\\Windows\\System32"), "<*>");
        assert_eq!(m("user=root"), "user=root");
        assert_eq!(m("user=u-1"), "user=<*>");
        assert_eq!(m("tag=\"*launch*\","), "tag=<*>\",");
        let mut words = String::new();
        mask_token("user=root", &mut words, MaskConfig { word_values: true, ..MaskConfig::default() });
        assert_eq!(words, "user=<*>");
        assert_eq!(m("logname="), "logname=");
        assert_eq!(m("ws=WorkSource{10057},"), "ws=<*>},");
        assert_eq!(m("Wed"), "<*>");
        assert_eq!(m("connection"), "connection");
        assert_eq!(m("e2e4"), "<*>");
        assert_eq!(m("SOCKS5"), "SOCKS5");
        assert_eq!(m("ssh2"), "ssh2");
        assert_eq!(m("u0"), "<*>");
        assert_eq!(m("t761"), "<*>");
        assert_eq!(m("R02-M1-N0-C:J12-U11"), "<*>-C:<*>");
        assert_eq!(m("ünïcödé-3"), "ünïcödé-<*>");
    }

    #[test]
    fn value_like() {
        assert!(is_value_like("<*>"));
        assert!(is_value_like("(<*>"));
        assert!(is_value_like("[<*>],"));
        assert!(!is_value_like("blk_<*>"));
        assert!(!is_value_like("user=<*>"));
        assert!(!is_value_like("close,"));
        assert!(is_unit("KB)"));
        assert!(is_unit("sec"));
        assert!(!is_unit("close"));
    }
}
