//! Cheap tests on the shape of a candidate value: entropy, placeholders, word
//! boundaries, line bounds.

/// Shannon entropy of `s` in bits per byte.
pub(crate) fn entropy(s: &str) -> f64 {
    let b = s.as_bytes();
    if b.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &c in b {
        counts[c as usize] += 1;
    }
    let n = b.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Which of lowercase letters, uppercase letters and digits `s` holds.
pub(crate) struct Classes {
    pub lower: bool,
    pub upper: bool,
    pub digit: bool,
}

pub(crate) fn classes(s: &str) -> Classes {
    let mut c = Classes { lower: false, upper: false, digit: false };
    for b in s.bytes() {
        match b {
            b'a'..=b'z' => c.lower = true,
            b'A'..=b'Z' => c.upper = true,
            b'0'..=b'9' => c.digit = true,
            _ => {}
        }
    }
    c
}

/// A value that stands for a secret rather than being one: `$VAR`, `${x}`, `{{ .x }}`,
/// `<token>`, `xxxx`, `****`, `changeme`, `null`…
pub(crate) fn is_placeholder(v: &str) -> bool {
    let v = v.trim();
    if v.is_empty() {
        return true;
    }
    let first = v.as_bytes()[0];
    if matches!(first, b'$' | b'%' | b'{' | b'<' | b'[' | b'(' | b'@' | b'&' | b'*') {
        return true;
    }
    if v.contains("${") || v.contains("{{") || v.contains("$(") || v.starts_with('‹') {
        return true;
    }
    // Runs of a filler character: xxxxxxxx, ********, ########, 00000000.
    let lower = v.to_ascii_lowercase();
    if lower.contains("xxxx") || lower.contains("****") || lower.contains("####") || lower.contains("....") {
        return true;
    }
    let bytes = lower.as_bytes();
    let mut max_run = 1;
    let mut run = 1;
    for w in bytes.windows(2) {
        if w[0] == w[1] {
            run += 1;
            max_run = max_run.max(run);
        } else {
            run = 1;
        }
    }
    if bytes.len() >= 8 && max_run * 2 >= bytes.len() {
        return true;
    }
    let word = lower.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    matches!(
        word,
        "null"
            | "none"
            | "nil"
            | "true"
            | "false"
            | "undefined"
            | "empty"
            | "required"
            | "optional"
            | "string"
            | "str"
            | "int"
            | "bool"
            | "redacted"
            | "hidden"
            | "masked"
            | "secret"
            | "password"
            | "passwd"
            | "pass"
            | "token"
            | "apikey"
            | "api_key"
            | "changeme"
            | "change_me"
            | "replace_me"
            | "example"
            | "dummy"
            | "test"
            | "sample"
            | "placeholder"
            | "your_token"
            | "your_api_key"
            | "your_password"
            | "yourpassword"
            | "mypassword"
            | "username"
            | "user"
            | "yyy"
            | "yyyy"
            | "xxx"
            | "abc"
            | "foo"
            | "bar"
            | "env"
            | "get"
            | "set"
    ) || word.starts_with("your_")
        || word.starts_with("your-")
}

/// Whether `c` continues a word for boundary checks (letters of any script, digits, `_`,
/// and the `‹›` of an earlier substitution, which stands for the word it replaced — so a
/// second pass decides like the first).
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || is_glue(c)
}

/// The delimiters of a substitution.
pub(crate) fn is_glue(c: char) -> bool {
    c == '‹' || c == '›'
}

/// The character just before byte offset `i` of `text`.
pub(crate) fn char_before(text: &str, i: usize) -> Option<char> {
    text.get(..i).and_then(|s| s.chars().next_back())
}

/// The character at byte offset `i` of `text`.
pub(crate) fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..).and_then(|s| s.chars().next())
}

/// Byte range of the line holding byte offset `pos` (without its line break).
pub(crate) fn line_bounds(text: &str, pos: usize) -> (usize, usize) {
    let b = text.as_bytes();
    let pos = pos.min(b.len());
    let start = memchr::memrchr(b'\n', &b[..pos]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i);
    (start, end)
}

/// `8-4-4-4-12` hex: a UUID.
pub(crate) fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(
            |(i, &c)| {
                if matches!(i, 8 | 13 | 18 | 23) { c == b'-' } else { c.is_ascii_hexdigit() }
            },
        )
}

/// Looks like a generated credential: long enough, several character classes or high
/// entropy, not a placeholder, not a UUID, not a dotted name or a path.
pub(crate) fn looks_random(s: &str, min_len: usize) -> bool {
    if s.len() < min_len || is_placeholder(s) {
        return false;
    }
    let c = classes(s);
    let e = entropy(s);
    if !c.digit {
        // Letters only: random strings mix cases evenly; CamelCase words do not.
        let letters = s.bytes().filter(u8::is_ascii_alphabetic).count().max(1);
        let upper = s.bytes().filter(u8::is_ascii_uppercase).count();
        let ratio = upper as f64 / letters as f64;
        return s.len() >= 16 && (0.25..=0.75).contains(&ratio) && e >= 3.5;
    }
    (c.lower || c.upper) && e >= 2.8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_orders_random_above_words() {
        assert!(entropy("wJ9rT2vLq8FAKEx4Nc7Hd1Yp0Zb6Gs3Km5Ue2Wi8") > 4.0);
        assert!(entropy("aaaaaaaa") < 0.01);
        assert!((entropy("abcd") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            "$API_KEY", "${PASS}", "{{ .Values.password }}", "<token>", "xxxxxxxxxxxx", "********", "changeme", "null",
            "AKIAXXXXXXXXXXXXXXXX",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for s in ["hunter2", "Ch3ckout-rw-NOTREAL-7Qx9", "pR0v-7Hq2zXw9Lk4m"] {
            assert!(!is_placeholder(s), "{s}");
        }
    }

    #[test]
    fn random_tokens_and_words() {
        assert!(looks_random("9c41f07be2d35a8861c0f4e7a2b9d6530e1f8a7c", 16));
        assert!(looks_random("Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB", 16));
        assert!(!looks_random("AppWindowToken", 8));
        assert!(!looks_random("configuration_file", 8));
        assert!(!looks_random("xxxxxxxxxxxxxxxxxxxxxxxxxx", 8));
    }

    #[test]
    fn uuid_and_lines() {
        assert!(is_uuid("5eb4223e-5008-46e5-be67-c7b8f2732305"));
        assert!(!is_uuid("5eb4223e-5008-46e5-be67-c7b8f273230"));
        let t = "a\nbcd\ne";
        assert_eq!(line_bounds(t, 3), (2, 5));
        assert_eq!(line_bounds(t, 6), (6, 7));
        assert_eq!(line_bounds(t, 0), (0, 1));
    }
}
