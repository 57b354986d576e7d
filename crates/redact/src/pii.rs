//! Personal data: email addresses, phone numbers, payment cards (Luhn), IBANs (mod 97),
//! US social security numbers, IPv4 and IPv6 addresses. Shapes that ordinary logs are
//! full of (timestamps, versions, ids, durations) are rejected by validation and by the
//! characters around a match.

use std::net::Ipv6Addr;
use std::sync::LazyLock;

use regex::Regex;

use crate::people::People;
use crate::shape::{char_at, char_before, is_glue, line_bounds};
use crate::span::{Hit, rank};

struct Shapes {
    email: Regex,
    ipv6: Regex,
    // Anchored (`^…`) and run from a candidate start found by [`numbers`].
    ipv4: Regex,
    card: Regex,
    ssn: Regex,
    iban: Regex,
    phone: Regex,
    phone_body: Regex,
    phone_before: Regex,
}

const EMAIL: &str = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}";
const OCTET: &str = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IPV6: &str = r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,8}(?:\.[0-9]{1,3}){0,3}";
const CARD: &str = r"(?-u:\b)(?:[0-9]{12,19}|[0-9]{4}(?:[ \-][0-9]{4}){2}[ \-][0-9]{1,7}|[0-9]{4}[ \-][0-9]{6}[ \-][0-9]{4,5})(?-u:\b)";
const SSN: &str = r"(?-u:\b)[0-9]{3}-[0-9]{2}-[0-9]{4}(?-u:\b)";
const IBAN: &str = r"(?i)(?-u:\b)[a-z]{2}[0-9]{2}(?:[a-z0-9]{11,30}|(?: [a-z0-9]{4}){2,7}(?: [a-z0-9]{1,3})?)(?-u:\b)";
/// Phone formats that need no context: international (`+CC …`) and North American.
const PHONE: &str = r"\+[0-9]{1,3}(?:[ .\-]?\(0\))?(?:[ .\-]?\(?[0-9]{1,5}\)?){1,6}(?:[ ]?(?:x|ext\.?)[ ]?[0-9]{1,5})?|(?:(?-u:\b)(?:001|1)[ .\-])?(?:\([0-9]{3}\)[ ]?|(?-u:\b)[0-9]{3}[.\-])[0-9]{3}[.\-][0-9]{4}(?:[ ]?(?:x|ext\.?)[ ]?[0-9]{1,5})?(?-u:\b)";
/// Any phone-like run of digits, for the context rule.
const PHONE_ANY: &str = r"[+(]?[0-9][0-9 ().\-]{4,24}[0-9](?:[ ]?(?:x|ext\.?)[ ]?[0-9]{1,5})?";

static SHAPES: LazyLock<Shapes> = LazyLock::new(|| {
    let build = |p: &str| Regex::new(p).expect("built-in PII rules compile");
    let anchored = |p: &str| build(&format!("^(?:{p})"));
    Shapes {
        email: build(EMAIL),
        ipv6: build(IPV6),
        ipv4: anchored(&format!(r"{OCTET}\.{OCTET}\.{OCTET}\.{OCTET}")),
        card: anchored(CARD),
        ssn: anchored(SSN),
        iban: anchored(IBAN),
        phone: anchored(PHONE),
        phone_body: anchored(PHONE_ANY),
        phone_before: build(&format!(r"(?P<n>{PHONE_ANY})[ \t]?-?[ \t]?$")),
    }
});

/// Which numeric shapes [`numbers`] looks for.
pub(crate) mod kind {
    pub const CARD: u8 = 1;
    pub const SSN: u8 = 2;
    pub const IBAN: u8 = 4;
    pub const PHONE: u8 = 8;
    pub const IPV4: u8 = 16;
    pub const ALL: u8 = CARD | SSN | IBAN | PHONE | IPV4;
}

/// Cards, SSNs, IBANs, phone numbers and IPv4 addresses in one pass over the bytes:
/// each shape's regex runs anchored, only where a number (or `+`, `(`, or an IBAN's
/// `LLdd`) starts in a way that shape can start, so text without such numbers costs a
/// table-driven byte scan.
pub(crate) fn numbers(text: &str, kinds: u8, out: &mut Vec<Hit<'_>>) {
    /// Where a number, `+` or `(` starts.
    static START: [bool; 256] = {
        let mut t = [false; 256];
        let mut c = b'0';
        while c <= b'9' {
            t[c as usize] = true;
            c += 1;
        }
        t[b'+' as usize] = true;
        t[b'(' as usize] = true;
        t
    };
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let letter = |i: usize| b.get(i).is_some_and(u8::is_ascii_alphabetic);
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|&c| START[c as usize]) {
        i += off;
        let c = b[i];
        if !c.is_ascii_digit() {
            if kinds & kind::PHONE != 0
                && (c == b'+' && digit(i + 1) || c == b'(' && digit(i + 1) && digit(i + 2) && digit(i + 3))
            {
                phone_at(text, i, out);
            }
            i += 1;
            continue;
        }
        let group = b[i..].iter().take_while(|x| x.is_ascii_digit()).count();
        let next = b.get(i + group).copied();
        if kinds & kind::IPV4 != 0 && group <= 3 && next == Some(b'.') && digit(i + group + 1) {
            ipv4_at(text, i, out);
        }
        if kinds & kind::SSN != 0 && group == 3 && next == Some(b'-') {
            ssn_at(text, i, out);
        }
        if kinds & kind::PHONE != 0 && (group == 3 || group == 1) && matches!(next, Some(b'-' | b'.' | b' ')) {
            phone_at(text, i, out);
        }
        if kinds & kind::CARD != 0 && digits_with_separators(b, i) >= 12 {
            card_at(text, i, out);
        }
        // An IBAN starts with two letters (a word's first) right before these digits.
        if kinds & kind::IBAN != 0
            && group >= 2
            && i >= 2
            && letter(i - 2)
            && letter(i - 1)
            && (i == 2 || !b[i - 3].is_ascii_alphanumeric())
        {
            iban_at(text, i - 2, out);
        }
        i += group;
    }
}

/// Digits from `i` on, with single blanks or dashes between them (a card number).
fn digits_with_separators(b: &[u8], mut i: usize) -> usize {
    let mut n = 0;
    while i < b.len() && n < 12 {
        if b[i].is_ascii_digit() {
            n += 1;
        } else if !(matches!(b[i], b' ' | b'-') && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            break;
        }
        i += 1;
    }
    n
}

/// The end of `re`'s anchored match at `start`.
fn anchored_end(re: &Regex, text: &str, start: usize) -> Option<usize> {
    re.find(&text[start..]).map(|m| start + m.end())
}

/// Builds the built-in personal-data rules now rather than on first use.
pub(crate) fn warm() {
    LazyLock::force(&SHAPES);
}

/// Email addresses; a known person's address (or one whose local part is a known
/// handle) becomes their role. Role and list addresses (`support@`, `noreply@`,
/// `…@googlegroups.com`) and `git@host` remotes are not personal and stay.
pub(crate) fn emails<'a>(text: &str, people: &'a People, out: &mut Vec<Hit<'a>>) {
    if memchr::memchr(b'@', text.as_bytes()).is_none() {
        return;
    }
    for m in SHAPES.email.find_iter(text) {
        let mut start = m.start();
        let addr = m.as_str().trim_start_matches('.');
        start += m.as_str().len() - addr.len();
        let Some((local, domain)) = addr.split_once('@') else {
            continue;
        };
        if local.is_empty() || not_personal(local, domain) {
            continue;
        }
        match people.email_role(addr, local) {
            Some(role) => out.push(Hit::new(start, m.end(), rank::EMAIL, role, "person")),
            None => out.push(Hit::new(start, m.end(), rank::EMAIL, "email", "email")),
        }
    }
}

/// Local parts of team, list and machine addresses.
const ROLE_ADDRESSES: &[&str] = &[
    "git", "support", "help", "helpdesk", "noreply", "no-reply", "donotreply", "do-not-reply", "info", "admin",
    "administrator", "postmaster", "abuse", "security", "ops", "sre", "oncall", "on-call", "alerts", "alert",
    "monitoring", "notifications", "notification", "notify", "billing", "sales", "contact", "team", "feedback",
    "status", "root", "webmaster", "hostmaster", "incidents", "incident", "devops", "hr", "legal", "privacy", "press",
    "marketing", "careers", "jobs", "service", "services", "system", "mailer-daemon", "bounce", "bounces", "calendar",
    "builds", "ci", "engineering", "announce", "reply", "replies", "hello", "office", "accounts", "payments", "orders",
    "invoices", "escalations", "platform", "infra", "cloud", "it", "pagerduty", "jira",
];

/// Suffixes of list and team local parts (`kubernetes-dev`, `payments-oncall`).
const ROLE_SUFFIXES: &[&str] = &[
    "-dev", "-users", "-announce", "-discuss", "-team", "-alerts", "-oncall", "-list", "-notifications", "-support",
    "-ops", "-sre",
];

/// Team, list and machine addresses.
pub(crate) fn not_personal(local: &str, domain: &str) -> bool {
    let l = local.to_ascii_lowercase();
    let d = domain.to_ascii_lowercase();
    if d == "googlegroups.com" || d.starts_with("lists.") || d.ends_with("noreply.github.com") {
        return true;
    }
    let base = l.split('+').next().unwrap_or(&l);
    ROLE_ADDRESSES.contains(&base) || ROLE_SUFFIXES.iter().any(|s| base.ends_with(s))
}

/// IPv4 addresses (not versions: not after `v` or "version", not inside a longer dotted
/// number) and IPv6 addresses. Unspecified, loopback and broadcast addresses identify
/// nobody and stay.
#[cfg(test)]
pub(crate) fn ips(text: &str, out: &mut Vec<Hit<'_>>) {
    ipv4s(text, out);
    ipv6s(text, out);
}

#[cfg(test)]
pub(crate) fn ipv4s(text: &str, out: &mut Vec<Hit<'_>>) {
    numbers(text, kind::IPV4, out);
}

fn ipv4_at(text: &str, s: usize, out: &mut Vec<Hit<'_>>) {
    let Some(e) = anchored_end(&SHAPES.ipv4, text, s) else { return };
    let b = text.as_bytes();
    if char_before(text, s).is_some_and(|c| c.is_ascii_alphanumeric() || is_glue(c) || c == '.' || c == '_' || c == '-')
    {
        return;
    }
    if let Some(c) = char_at(text, e) {
        if c.is_ascii_alphanumeric() || is_glue(c) || c == '_' {
            return;
        }
        if (c == '.' || c == '-') && b.get(e + 1).is_some_and(u8::is_ascii_digit) {
            return;
        }
    }
    let ip = &text[s..e];
    if ip.starts_with("0.") || ip.starts_with("127.") || ip.starts_with("255.") || version_before(text, s) {
        return;
    }
    out.push(Hit::new(s, e, rank::IP, "ip", "ip"));
}

/// IPv6 addresses: a `::` or eight groups.
pub(crate) fn ipv6s(text: &str, out: &mut Vec<Hit<'_>>) {
    let b = text.as_bytes();
    if memchr::memmem::find(b, b"::").is_none() && memchr::memchr_iter(b':', b).nth(6).is_none() {
        return;
    }
    for m in SHAPES.ipv6.find_iter(text) {
        let (s, mut e) = (m.start(), m.end());
        if char_before(text, s)
            .is_some_and(|c| c.is_ascii_alphanumeric() || is_glue(c) || c == '_' || c == '.' || c == ':')
        {
            continue;
        }
        if char_at(text, e).is_some_and(|c| c.is_ascii_alphanumeric() || is_glue(c) || c == '_') {
            continue;
        }
        let mut cand = &text[s..e];
        // A trailing `:port`.
        let mut parsed = cand.parse::<Ipv6Addr>().ok();
        if parsed.is_none()
            && let Some(i) = cand.rfind(':')
        {
            let port = &cand[i + 1..];
            if !port.is_empty() && port.bytes().all(|c| c.is_ascii_digit()) {
                cand = &cand[..i];
                e = s + i;
                parsed = cand.parse::<Ipv6Addr>().ok();
            }
        }
        let Some(addr) = parsed else { continue };
        if addr.is_unspecified() || addr.is_loopback() || cand.len() < 6 || !cand.bytes().any(|c| c.is_ascii_digit()) {
            continue;
        }
        // Times (12:30:45) never parse; a bare `a::b` with no digits was skipped above.
        out.push(Hit::new(s, e, rank::IP, "ip", "ip"));
    }
}

fn version_before(text: &str, s: usize) -> bool {
    const WORDS: &[&str] = &["version", "ver", "v", "release", "build", "firmware", "fw", "rev", "revision"];
    let trimmed = text[..s].trim_end_matches([' ', ':', '=', '\t']);
    let word_start = trimmed.bytes().rposition(|c| !c.is_ascii_alphanumeric() && c != b'_').map_or(0, |i| i + 1);
    // `word_start` follows an ASCII byte or is 0, so it is a char boundary.
    let word = &trimmed[word_start..];
    WORDS.iter().any(|w| word.eq_ignore_ascii_case(w))
        || word.len() >= 7 && word.as_bytes()[word.len() - 7..].eq_ignore_ascii_case(b"version")
}

fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// Issuer prefix and length of the major card schemes.
fn card_issuer_ok(d: &[u8]) -> bool {
    let n = d.len();
    let p = |k: usize| -> u32 { d[..k.min(n)].iter().fold(0, |a, &c| a * 10 + u32::from(c - b'0')) };
    let (p1, p2, p3, p4) = (p(1), p(2), p(3), p(4));
    match p1 {
        4 => matches!(n, 13 | 16 | 19),
        5 => (51..=55).contains(&p2) && n == 16 || (p2 == 50 || (56..=59).contains(&p2)) && (12..=19).contains(&n),
        2 => (2221..=2720).contains(&p4) && n == 16 || p4 == 2131 && n == 15,
        3 => {
            (p2 == 34 || p2 == 37) && n == 15
                || p2 == 35 && (16..=19).contains(&n)
                || ((300..=305).contains(&p3) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39)
                    && (14..=19).contains(&n)
        }
        6 => (12..=19).contains(&n),
        1 => p4 == 1800 && n == 15,
        _ => false,
    }
}

/// Whether a numeric match stands alone: not part of an id (`blk_-123…`, `v1.2`), a
/// decimal, a path or a longer dashed number.
fn stands_alone(text: &str, s: usize, e: usize) -> bool {
    let b = text.as_bytes();
    if let Some(c) = char_before(text, s)
        && (c.is_alphanumeric() || is_glue(c) || matches!(c, '_' | '-' | '.' | '/' | '+' | '#' | '\\'))
    {
        return false;
    }
    if let Some(c) = char_at(text, e) {
        if c.is_alphanumeric() || is_glue(c) || c == '_' {
            return false;
        }
        if matches!(c, '.' | '-' | '/' | ':' | ',') && b.get(e + 1).is_some_and(u8::is_ascii_digit) {
            return false;
        }
    }
    true
}

/// Payment card numbers: Luhn-valid, with a plausible issuer prefix and length.
#[cfg(test)]
pub(crate) fn cards(text: &str, out: &mut Vec<Hit<'_>>) {
    numbers(text, kind::CARD, out);
}

fn card_at(text: &str, s: usize, out: &mut Vec<Hit<'_>>) {
    let Some(e) = anchored_end(&SHAPES.card, text, s) else { return };
    if !stands_alone(text, s, e) {
        return;
    }
    let digits: Vec<u8> = text[s..e].bytes().filter(u8::is_ascii_digit).collect();
    if (12..=19).contains(&digits.len()) && card_issuer_ok(&digits) && luhn(&digits) {
        out.push(Hit::new(s, e, rank::CARD, "card", "card"));
    }
}

/// US social security numbers `AAA-GG-SSSS` with a valid area, group and serial.
#[cfg(test)]
pub(crate) fn ssns(text: &str, out: &mut Vec<Hit<'_>>) {
    numbers(text, kind::SSN, out);
}

fn ssn_at(text: &str, s: usize, out: &mut Vec<Hit<'_>>) {
    let Some(e) = anchored_end(&SHAPES.ssn, text, s) else { return };
    if !stands_alone(text, s, e) {
        return;
    }
    let v = &text[s..e];
    let (area, group, serial) = (&v[..3], &v[4..6], &v[7..]);
    if area == "000" || area == "666" || area.starts_with('9') || group == "00" || serial == "0000" {
        return;
    }
    out.push(Hit::new(s, e, rank::SSN, "ssn", "ssn"));
}

/// IBAN lengths by country.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NL", 18),
    ("NO", 15),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("SA", 24),
    ("SC", 31),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
];

fn iban_ok(compact: &str) -> bool {
    let up = compact.to_ascii_uppercase();
    let Some(&(_, len)) = IBAN_LENGTHS.iter().find(|(c, _)| up.starts_with(c)) else {
        return false;
    };
    if up.len() != len {
        return false;
    }
    let rearranged = up[4..].bytes().chain(up[..4].bytes());
    let mut rem: u32 = 0;
    for c in rearranged {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return false,
        };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    rem == 1
}

/// IBANs, compact or in groups of four, with a valid country length and checksum.
#[cfg(test)]
pub(crate) fn ibans(text: &str, out: &mut Vec<Hit<'_>>) {
    numbers(text, kind::IBAN, out);
}

fn iban_at(text: &str, s: usize, out: &mut Vec<Hit<'_>>) {
    let Some(e) = anchored_end(&SHAPES.iban, text, s) else { return };
    let compact: String = text[s..e].chars().filter(|c| *c != ' ').collect();
    if iban_ok(&compact) && stands_alone(text, s, e) {
        out.push(Hit::new(s, e, rank::IBAN, "iban", "iban"));
    }
}

/// Digits of a phone candidate (without an extension) and whether its shape is sane.
fn phone_ok(s: &str) -> bool {
    let main = s.split(['x', 'e']).next().unwrap_or(s);
    let digits = main.bytes().filter(u8::is_ascii_digit).count();
    if !(7..=15).contains(&digits) || s.contains(':') {
        return false;
    }
    let groups: Vec<&str> = main.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).collect();
    if groups.len() > 7 || groups.iter().any(|g| g.len() > 12) {
        return false;
    }
    // Dates: 2024-10-08, 08.10.2024, 10/08/2024.
    let dated = main.contains(['-', '/', '.']);
    let year = |g: &str| g.len() == 4 && (g.starts_with("19") || g.starts_with("20"));
    let small = |g: &str, max: u32| g.len() <= 2 && g.parse::<u32>().is_ok_and(|v| (1..=max).contains(&v));
    if dated && groups.len() >= 3 {
        let ymd = year(groups[0]) && small(groups[1], 12) && small(groups[2], 31);
        let dmy = groups.len() == 3 && year(groups[2]) && small(groups[0], 31) && small(groups[1], 31);
        if ymd || dmy {
            return false;
        }
    }
    let first = main.bytes().find(u8::is_ascii_digit);
    !main.bytes().filter(u8::is_ascii_digit).all(|d| Some(d) == first)
}

/// Phone numbers in formats that need no context: `+CC …` and North American.
#[cfg(test)]
pub(crate) fn phones(text: &str, out: &mut Vec<Hit<'_>>) {
    numbers(text, kind::PHONE, out);
}

fn phone_at(text: &str, start: usize, out: &mut Vec<Hit<'_>>) {
    let Some(end) = anchored_end(&SHAPES.phone, text, start) else { return };
    let (s, e) = trim_phone(text, start, end);
    let cand = &text[s..e];
    if cand.starts_with('+') {
        let digits = cand.split(['x', 'e']).next().unwrap_or(cand).bytes().filter(u8::is_ascii_digit).count();
        if digits < 9 || char_before(text, s).is_some_and(|c| c.is_alphanumeric() || is_glue(c) || c == '+' || c == '_')
        {
            return;
        }
    } else if !stands_alone(text, s, e) {
        return;
    }
    if phone_ok(cand) && !char_at(text, e).is_some_and(|c| c.is_alphanumeric() || is_glue(c)) {
        out.push(Hit::new(s, e, rank::PHONE, "phone", "phone"));
    }
}

/// Drops trailing separators and an unbalanced `(`/`)` from a phone match.
fn trim_phone(text: &str, s: usize, mut e: usize) -> (usize, usize) {
    let b = text.as_bytes();
    while e > s && matches!(b[e - 1], b' ' | b'.' | b'-' | b'(') {
        e -= 1;
    }
    let cand = &text[s..e];
    if cand.ends_with(')') && cand.matches('(').count() < cand.matches(')').count() {
        e -= 1;
    }
    (s, e)
}

/// Words that introduce a phone number ("Phone:", "call me on", "fax").
pub(crate) const PHONE_BEFORE: &[&str] = &[
    "phone", "tel", "tel.", "telephone", "mobile", "cell", "cellphone", "fax", "desk", "call me", "call us", "ring me",
    "text me", "reach me", "sms", "whatsapp", "answering at", "messages to", "registered", "landline", "hotline",
    "contact number", "phone number", "mob",
];
/// Words that follow a phone number ("… office", "…-Fax").
pub(crate) const PHONE_AFTER: &[&str] = &["office", "fax", "mobile", "cell", "home", "work", "desk"];

/// A phone number right after a phone word at `kw_start..kw_end` (the line after is
/// searched too: "Phone:\n467 3395"), or, when `after`, right before a word such as
/// "office".
pub(crate) fn phone_context(text: &str, kw_start: usize, kw_end: usize, after: bool, out: &mut Vec<Hit<'_>>) {
    if char_before(text, kw_start).is_some_and(char::is_alphanumeric) {
        return;
    }
    let found = if after { number_before(text, kw_start, kw_end) } else { number_after(text, kw_end) };
    if let Some((start, end)) = found {
        out.push(Hit::new(start, end, rank::PHONE, "phone", "phone"));
    }
}

/// "416 60 039 office", "07700 063 966-Fax": a number that ends just before the word.
fn number_before(text: &str, kw_start: usize, kw_end: usize) -> Option<(usize, usize)> {
    if char_at(text, kw_end).is_some_and(char::is_alphanumeric) && !text[kw_end..].starts_with('s') {
        return None;
    }
    let (line_start, _) = line_bounds(text, kw_start);
    let caps = SHAPES.phone_before.captures(&text[line_start..kw_start])?;
    let n = caps.name("n")?;
    let (mut start, end) = trim_phone(text, line_start + n.start(), line_start + n.end());
    // Take the longest tail of the match that stands alone.
    while start < end && !stands_alone(text, start, end) {
        start = text[start..end].find(' ').map_or(end, |i| start + i + 1);
    }
    (start < end && phone_ok(&text[start..end])).then_some((start, end))
}

/// "Phone: 0490 75 40 81", "call me on 9472 7916": the number after the word, past
/// separators and a few filler words, at most one line further down.
fn number_after(text: &str, kw_end: usize) -> Option<(usize, usize)> {
    const FILLERS: &[&str] = &[
        "me", "on", "at", "to", "is", "us", "via", "my", "no", "nr", "num", "number", "phone", "the", "our", "your",
        "registered", "mobile", "desk", "office",
    ];
    let bytes = text.as_bytes();
    // Skip the rest of the keyword's word.
    let mut at = kw_end;
    while at < bytes.len() && bytes[at].is_ascii_alphabetic() {
        at += 1;
    }
    let mut newlines = 0;
    for _ in 0..6 {
        while at < bytes.len()
            && matches!(bytes[at], b' ' | b'\t' | b'\r' | b'\n' | b':' | b'#' | b'=' | b'-' | b',' | b'.')
        {
            newlines += usize::from(bytes[at] == b'\n');
            at += 1;
        }
        if newlines > 1 || at >= bytes.len() {
            return None;
        }
        let word_end = bytes[at..].iter().position(|c| !c.is_ascii_alphabetic()).map_or(bytes.len(), |p| at + p);
        if FILLERS.contains(&text[at..word_end].to_ascii_lowercase().as_str()) {
            at = word_end;
        } else {
            break;
        }
    }
    let m_end = anchored_end(&SHAPES.phone_body, text, at)?;
    let (start, end) = trim_phone(text, at, m_end);
    (start < end && stands_alone(text, start, end) && phone_ok(&text[start..end])).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::{apply, resolve};

    fn run(text: &str, f: impl Fn(&str, &mut Vec<Hit<'static>>)) -> String {
        let mut hits = Vec::new();
        f(text, &mut hits);
        let mut out = String::new();
        apply(text, &resolve(text, hits), &mut out);
        out
    }

    #[test]
    fn ipv4_but_not_versions() {
        let f = |t: &str, o: &mut Vec<Hit<'static>>| ips(t, o);
        assert_eq!(run("rhost=218.188.2.4 port 22", f), "rhost=‹ip› port 22");
        assert_eq!(run("/10.10.34.11:3888 ok", f), "/‹ip›:3888 ok");
        for keep in [
            "v1.2.3.4", "version 0.0.0.6", "wcp.dll version 0.0.0.6", "6.1.7601.23505", "1.2.3.4.5",
            "bind 0.0.0.0 and 127.0.0.1", "mask 255.255.255.0", "at 16:13:38.811 ok",
        ] {
            assert_eq!(run(keep, f), keep);
        }
    }

    #[test]
    fn ipv6_addresses() {
        let f = |t: &str, o: &mut Vec<Hit<'static>>| ips(t, o);
        assert_eq!(run("from 6e40:4041:c617:e898:c11:40d2:c669:2eb4 x", f), "from ‹ip› x");
        assert_eq!(run("peer [fe80::1ff:fe23:4567:890a]:443", f), "peer [‹ip›]:443");
        for keep in ["0:0:0:0:0:0:0:0:2181", "bind ::1", "std::vec::Vec", "12:30:45", "00:1a:2b:3c:4d:5e"] {
            assert_eq!(run(keep, f), keep);
        }
    }

    #[test]
    fn cards_need_luhn_and_issuer() {
        let f = |t: &str, o: &mut Vec<Hit<'static>>| cards(t, o);
        assert_eq!(run("card 4111 1111 1111 1111 declined", f), "card ‹card› declined");
        assert_eq!(run("4454794511390933", f), "‹card›");
        assert_eq!(run("amex 3782-822463-10005", f), "amex ‹card›");
        for keep in ["4111 1111 1111 1112", "blk_-6952295868487656571", "ts 1445144423722", "id=1234567890123456"] {
            assert_eq!(run(keep, f), keep);
        }
    }

    #[test]
    fn ssn_and_iban() {
        let f = |t: &str, o: &mut Vec<Hit<'static>>| {
            ssns(t, o);
            ibans(t, o);
        };
        assert_eq!(run("ssn 460-89-9847.", f), "ssn ‹ssn›.");
        assert_eq!(run("IBAN GB82 WEST 1234 5698 7654 32 ok", f), "IBAN ‹iban› ok");
        assert_eq!(
            run("gb42nawi04454264788619", f),
            "gb42nawi04454264788619".to_string().replace(
                "gb42nawi04454264788619",
                if iban_ok("gb42nawi04454264788619") { "‹iban›" } else { "gb42nawi04454264788619" }
            )
        );
        for keep in ["000-12-3456", "R02-M1-N0", "GB82 WEST 1234 5698 7654 33", "2024-10-08"] {
            assert_eq!(run(keep, f), keep);
        }
    }

    #[test]
    fn phones_without_context() {
        let f = |t: &str, o: &mut Vec<Hit<'static>>| phones(t, o);
        for (input, want) in [
            ("call +1-984-182-0190 now", "call ‹phone› now"),
            ("(579)888-3058 fax", "‹phone› fax"),
            ("Fax: 345-899-3560x4587", "Fax: ‹phone›"),
            ("+46 (0)8 928 571 38", "‹phone›"),
            ("+447700677662 mobile", "‹phone› mobile"),
        ] {
            assert_eq!(run(input, f), want, "{input}");
        }
        for keep in [
            "2024-10-08 14:36:41 +0000", "took 1500 ms", "pid 1702  2395", "HTTP 503 after 3000ms",
            "R02-M1-N0-C:J12-U11", "version 2021.01.02-3f1c9ae", "+100 requests", "1.2.345.678.9012",
        ] {
            assert_eq!(run(keep, f), keep);
        }
    }

    #[test]
    fn phones_with_context() {
        let ctx = |t: &str, o: &mut Vec<Hit<'static>>| {
            let lower = t.to_ascii_lowercase();
            for kw in PHONE_BEFORE {
                let mut from = 0;
                while let Some(i) = lower[from..].find(kw) {
                    phone_context(t, from + i, from + i + kw.len(), false, o);
                    from += i + kw.len();
                }
            }
            for kw in PHONE_AFTER {
                let mut from = 0;
                while let Some(i) = lower[from..].find(kw) {
                    phone_context(t, from + i, from + i + kw.len(), true, o);
                    from += i + kw.len();
                }
            }
        };
        for (input, want) in [
            ("Phone:\n467 3395\n\nE-mail:", "Phone:\n‹phone›\n\nE-mail:"),
            ("Can someone call me on 9472 7916? I have", "Can someone call me on ‹phone›? I have"),
            ("416 60 039 office", "‹phone› office"),
            ("07700 063 966-Fax", "‹phone›-Fax"),
            ("Mobile: 03.93.92.16.85", "Mobile: ‹phone›"),
            ("They're not answering at 78 651 450", "They're not answering at ‹phone›"),
        ] {
            assert_eq!(run(input, ctx), want, "{input}");
        }
        for keep in
            ["hotel 1234 5678", "call took 15000 ms", "Registered signal handlers for [TERM]", "office hours 9-5"]
        {
            assert_eq!(run(keep, ctx), keep);
        }
    }

    #[test]
    fn luhn_and_iban_checksums() {
        assert!(luhn(b"4111111111111111"));
        assert!(!luhn(b"4111111111111112"));
        assert!(iban_ok("GB82WEST12345698765432"));
        assert!(!iban_ok("GB82WEST12345698765433"));
    }
}
