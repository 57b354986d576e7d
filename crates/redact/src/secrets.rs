//! The secret catalogue: credentials of known formats (vendor prefixes, PEM blocks,
//! JWTs) and credentials found by their context (`password=`, `Authorization:`, URL
//! userinfo, `curl -u`, prose such as "the secret is `…`").
//!
//! The rules were written for debrief from the vendors' published token formats; they
//! cover at least the families of gitleaks' default rule set. Every rule reports a
//! label `secret:<rule>`.

use std::sync::{LazyLock, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use regex::Regex;

use crate::shape::{
    char_at, char_before, classes, entropy, is_glue, is_placeholder, is_uuid, is_word_char, line_bounds, looks_random,
};
use crate::span::{Hit, rank};

/// How a match of a prefixed-token rule is confirmed.
#[derive(Debug, Clone, Copy)]
enum Check {
    /// The format is distinctive enough.
    Any,
    /// Not a placeholder (`xxxx`), some entropy.
    Random,
    /// Letters only: both cases and high entropy (Hugging Face).
    MixedAlpha,
    /// Slack `xox?-` tokens: long, with a numeric part.
    Slack,
}

/// Credentials that start with a vendor prefix. Every pattern starts with a literal
/// (checked when the rules are built): the literals join the keywords of
/// [`crate::scan`]'s automaton, and a rule runs only where one of its literals occurs.
const TOKEN_RULES: &[(&str, &str, Check)] = &[
    ("aws-access-key", r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}", Check::Random),
    ("gcp-api-key", r"AIza[0-9A-Za-z_\-]{35}", Check::Any),
    ("gcp-oauth-secret", r"GOCSPX-[0-9A-Za-z_\-]{28}", Check::Any),
    ("gcp-oauth-token", r"ya29\.[0-9A-Za-z_\-]{30,}", Check::Any),
    ("github-token", r"gh[pousr]_[A-Za-z0-9]{36,251}", Check::Random),
    ("github-token", r"github_pat_[A-Za-z0-9_]{80,}", Check::Random),
    ("gitlab-token", r"gl(?:pat|ptt|dt|rt|rtr|ft|soat|cbt|imt|agent|ffct|oas|wt)-[A-Za-z0-9_\-.]{20,}", Check::Random),
    ("gitlab-token", r"GR1348941[A-Za-z0-9_\-]{20,}", Check::Random),
    ("slack-token", r"xoxe\.xox[bp]-\d-[A-Za-z0-9]{60,}", Check::Any),
    ("slack-token", r"xoxe-\d-[A-Za-z0-9]{60,}", Check::Any),
    ("slack-token", r"xox[abposr]-[A-Za-z0-9\-]{10,}", Check::Slack),
    ("slack-token", r"xapp-\d-[A-Za-z0-9]+-\d+-[A-Za-z0-9]+", Check::Random),
    // Webhook URLs start at a literal; the scheme and subdomain before it are added by
    // `extend_url_start`.
    ("slack-webhook", r"hooks\.slack\.com(?:\\?/[A-Za-z0-9_+\-]*)*", Check::Any),
    ("teams-webhook", r#"webhook\.office\.com/webhook[A-Za-z0-9]*/[^\s"'<>]*"#, Check::Any),
    ("teams-webhook", r#"outlook\.office\.com/webhook[A-Za-z0-9]*/[^\s"'<>]*"#, Check::Any),
    ("discord-webhook", r"discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_\-]+", Check::Any),
    ("stripe-key", r"(?:sk|rk)_(?:live|test|prod)_[0-9A-Za-z]{10,99}", Check::Random),
    ("stripe-key", r"whsec_[A-Za-z0-9+/=]{24,}", Check::Random),
    ("twilio-key", r"SK[0-9a-fA-F]{32}", Check::Random),
    ("sendgrid-key", r"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}", Check::Any),
    ("npm-token", r"npm_[A-Za-z0-9]{36}", Check::Random),
    ("pypi-token", r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}", Check::Any),
    ("jwt", r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*", Check::Any),
    ("anthropic-key", r"sk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_\-]{20,}", Check::Any),
    ("openai-key", r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{10,}T3BlbkFJ[A-Za-z0-9_\-]{10,}", Check::Any),
    ("openai-key", r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}", Check::Random),
    ("openai-key", r"sk-[A-Za-z0-9]{48}", Check::Random),
    ("huggingface-token", r"hf_[A-Za-z]{34}", Check::MixedAlpha),
    ("huggingface-token", r"api_org_[A-Za-z]{34}", Check::MixedAlpha),
    ("1password-token", r"ops_eyJ[A-Za-z0-9+/=]{100,}", Check::Any),
    (
        "1password-secret-key",
        r"A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}",
        Check::Random,
    ),
    ("atlassian-token", r"AT(?:ATT|CTT)3[A-Za-z0-9_\-=]{150,}", Check::Any),
    ("atlassian-token", r"ATBB[A-Za-z0-9_=.\-]{32,}", Check::Random),
    ("age-secret-key", r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", Check::Any),
    ("artifactory-key", r"AKCp[A-Za-z0-9]{69}", Check::Random),
    ("artifactory-key", r"cmVmd[A-Za-z0-9]{59}", Check::Random),
    ("alibaba-key", r"LTAI[A-Za-z0-9]{20}", Check::Random),
    ("adobe-secret", r"p8e-[A-Za-z0-9\-]{32}", Check::Random),
    ("cloudflare-origin-ca-key", r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}", Check::Any),
    ("databricks-token", r"dapi[a-f0-9]{32}(?:-\d)?", Check::Random),
    ("digitalocean-token", r"do[opr]_v1_[a-f0-9]{64}", Check::Any),
    ("doppler-token", r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}", Check::Any),
    ("dynatrace-token", r"dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}", Check::Any),
    ("easypost-key", r"EZ[AT]K[A-Za-z0-9]{54}", Check::Random),
    ("flyio-token", r"fo1_[A-Za-z0-9_\-]{43}", Check::Random),
    ("flyio-token", r"fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3}", Check::Any),
    ("grafana-token", r"glc_[A-Za-z0-9+/]{32,}={0,2}", Check::Random),
    ("grafana-token", r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}", Check::Random),
    ("grafana-token", r"eyJrIjoi[A-Za-z0-9]{70,}={0,2}", Check::Any),
    ("vault-token", r"hv[sb]\.[A-Za-z0-9_\-]{90,}", Check::Random),
    ("heroku-key", r"HRKU-[A-Za-z0-9_\-]{60}", Check::Any),
    ("linear-key", r"lin_api_[A-Za-z0-9]{40}", Check::Random),
    ("mailgun-key", r"key-[0-9a-z]{32}", Check::Random),
    ("newrelic-key", r"NR(?:AK|JS|II|AA)-[A-Za-z0-9_\-]{19,32}", Check::Random),
    ("notion-token", r"ntn_\d{11}[A-Za-z0-9]{35}", Check::Random),
    ("notion-token", r"secret_[A-Za-z0-9]{43}", Check::Random),
    ("openshift-token", r"sha256~[A-Za-z0-9_\-]{43}", Check::Random),
    ("perplexity-key", r"pplx-[A-Za-z0-9]{48}", Check::Random),
    ("postman-key", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}", Check::Any),
    ("prefect-key", r"pnu_[A-Za-z0-9]{36}", Check::Random),
    ("pulumi-token", r"pul-[a-f0-9]{40}", Check::Random),
    ("readme-key", r"rdme_[a-z0-9]{70}", Check::Random),
    ("rubygems-key", r"rubygems_[a-f0-9]{48}", Check::Any),
    ("sentry-token", r"sntry[su]_[A-Za-z0-9_=+/\-]{40,}", Check::Random),
    ("shopify-token", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}", Check::Any),
    ("sourcegraph-token", r"sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}", Check::Random),
    ("sourcegraph-token", r"sgp_[a-fA-F0-9]{40}", Check::Random),
    ("square-token", r"sq0(?:atp|csp)-[A-Za-z0-9_\-]{22,60}", Check::Any),
    ("square-token", r"EAAA[A-Za-z0-9_+=\-]{60}", Check::Random),
    ("facebook-token", r"EAA[CM][A-Za-z0-9]{80,}", Check::Any),
    ("twitter-token", r"A{22}[A-Za-z0-9%]{30,}", Check::Any),
    ("sonar-token", r"sq[uap]_[a-f0-9]{40}", Check::Any),
    ("intra42-secret", r"s-s4t2(?:ud|af)-[a-f0-9]{64}", Check::Any),
    ("docker-token", r"dckr_pat_[A-Za-z0-9_\-]{27}", Check::Any),
    ("supabase-token", r"sbp_[a-f0-9]{40}", Check::Any),
    ("clickhouse-key", r"4b1d[A-Za-z0-9]{38}", Check::Random),
    ("bedrock-key", r"ABSK[A-Za-z0-9+/]{100,}={0,2}", Check::Random),
    ("bedrock-key", r"bedrock-api-key-[A-Za-z0-9+/=]{20,}", Check::Any),
    ("planetscale-token", r"pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_=.\-]{32,64}", Check::Any),
    ("telegram-token", r"bot\d{8,10}:AA[A-Za-z0-9_\-]{33}", Check::Any),
];

/// Every prefixed-token rule's label, `secret:<id>`, in catalogue order.
static TOKEN_LABELS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| TOKEN_RULES.iter().map(|(id, _, _)| &*format!("secret:{id}").leak()).collect());

/// The literals every match of `pattern` starts with.
fn prefixes(pattern: &str) -> Vec<Vec<u8>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::parse(pattern).expect("the built-in token rules parse");
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    let lits = seq.literals().expect("every token rule starts with a literal");
    assert!(lits.iter().all(|l| !l.as_bytes().is_empty()), "a token rule can start with anything: {pattern}");
    lits.iter().map(|l| l.as_bytes().to_vec()).collect()
}

struct Tokens {
    /// Every literal prefix of every rule, with the rules that start with it.
    prefixes: Vec<(Vec<u8>, Vec<usize>)>,
    /// Each rule, anchored at the start of the haystack, built when a line first has its
    /// prefix (most texts have few vendor tokens; building all of them was most of the fixed
    /// cost of a draft).
    anchored: Vec<OnceLock<Regex>>,
}

impl Tokens {
    fn anchored(&self, rule: usize) -> &Regex {
        self.anchored[rule].get_or_init(|| {
            Regex::new(&format!("^(?:{})", TOKEN_RULES[rule].1)).expect("the built-in token rules compile")
        })
    }
}

static TOKENS: LazyLock<Tokens> = LazyLock::new(|| {
    let mut prefixes: Vec<(Vec<u8>, Vec<usize>)> = Vec::new();
    for (rule, (_, pattern, _)) in TOKEN_RULES.iter().enumerate() {
        for p in self::prefixes(pattern) {
            match prefixes.iter_mut().find(|(q, _)| *q == p) {
                Some((_, rules)) => rules.push(rule),
                None => prefixes.push((p, vec![rule])),
            }
        }
    }
    let anchored = TOKEN_RULES.iter().map(|_| OnceLock::new()).collect();
    Tokens { prefixes, anchored }
});

/// The literal prefixes of the prefixed-token rules, for the keyword automaton
/// ([`crate::scan`]); a prefix's index is what [`token_at`] takes.
pub(crate) fn token_prefixes() -> impl Iterator<Item = &'static [u8]> {
    TOKENS.prefixes.iter().map(|(p, _)| p.as_slice())
}

/// Builds what every redaction needs (the token prefixes and labels) now rather than on
/// first use; rules are built when a text first calls for them.
pub(crate) fn warm() {
    LazyLock::force(&TOKENS);
    LazyLock::force(&TOKEN_LABELS);
}

fn passes(check: Check, s: &str) -> bool {
    match check {
        Check::Any => true,
        Check::Random => {
            // Judge the part after the vendor prefix.
            let body = match s.find(['_', '-', '.', '~']) {
                Some(i) if i + 1 < s.len() => &s[i + 1..],
                _ => s.get(4..).unwrap_or(s),
            };
            !is_placeholder(body) && entropy(s) >= 3.0
        }
        Check::MixedAlpha => {
            let c = classes(&s[3..]);
            c.upper && c.lower && entropy(s) >= 3.5 && !is_placeholder(&s[3..])
        }
        Check::Slack => {
            let longest_digits = s.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0);
            s.len() >= 30 && longest_digits >= 8 && !is_placeholder(&s[5..])
        }
    }
}

/// Whether a token match at `start..end` of `text` stands alone: it starts where a word
/// starts (right after an escaped `\n` in a JSON string counts) and ends where one ends.
fn token_bounded(text: &str, start: usize, end: usize) -> bool {
    let starts = match char_before(text, start) {
        Some(c) if is_word_char(c) => start >= 2 && text.as_bytes()[start - 2] == b'\\' && matches!(c, 'n' | 't' | 'r'),
        _ => true,
    };
    starts && char_at(text, end).is_none_or(|c| !c.is_ascii_alphanumeric() && !is_glue(c))
}

/// A credential with a vendor prefix starting at `start`, where the prefixes numbered
/// `prefixes` (see [`token_prefixes`]) may begin: the rules of those that really do
/// (case-sensitively) are tried, anchored there, and the longest valid match is kept.
pub(crate) fn token_at(text: &str, start: usize, prefixes: &[usize], out: &mut Vec<Hit<'_>>) {
    let t = &*TOKENS;
    let labels = &*TOKEN_LABELS;
    let rest = &text[start..];
    let mut best: Option<(usize, usize)> = None;
    for &p in prefixes {
        let (prefix, rules) = &t.prefixes[p];
        if !rest.as_bytes().starts_with(prefix) {
            continue;
        }
        for &rule in rules {
            let Some(found) = t.anchored(rule).find(rest) else { continue };
            let end = start + found.end();
            if best.is_none_or(|(_, e)| end > e)
                && token_bounded(text, start, end)
                && passes(TOKEN_RULES[rule].2, &text[start..end])
            {
                best = Some((rule, end));
            }
        }
    }
    if let Some((rule, end)) = best {
        let start = if TOKEN_RULES[rule].0.ends_with("-webhook") { extend_url_start(text, start) } else { start };
        out.push(Hit::new(start, end, rank::SECRET, labels[rule], labels[rule]));
    }
}

/// Credentials with a vendor prefix, anywhere in `text` (the token part of
/// [`crate::scan::scan`]).
#[cfg(test)]
pub(crate) fn tokens(text: &str, out: &mut Vec<Hit<'_>>) {
    crate::scan::scan(text, &[], false, out);
}

/// Moves the start of a URL match at `start` back over subdomains (`mycompany.`) and a
/// scheme (`https://`, or `https:\/\/` in JSON).
fn extend_url_start(text: &str, mut start: usize) -> usize {
    let b = text.as_bytes();
    for _ in 0..3 {
        if start < 2 || b[start - 1] != b'.' {
            break;
        }
        let label = b[..start - 1].iter().rev().take_while(|c| c.is_ascii_alphanumeric() || **c == b'-').count();
        if label == 0 {
            break;
        }
        start -= label + 1;
    }
    for scheme in ["https://", "http://", "https:\\/\\/", "http:\\/\\/"] {
        if text[..start].ends_with(scheme) {
            return start - scheme.len();
        }
    }
    start
}

/// Rules run on a line only when one of their keywords occurs in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineRule {
    /// `<key>value</key>`, `--key value` (plain `key = value` is [`assignments`]).
    Markup,
    /// `Authorization: Bearer …`, `bearer …`.
    AuthHeader,
    /// `curl -u user:pass`.
    Curl,
    /// `scheme://user:pass@host`.
    UrlPassword,
    /// Shapes that need a keyword nearby: Azure client secrets, storage keys, SAS
    /// signatures, bare AWS secret keys, Terraform, Mailchimp, Facebook app tokens.
    Keyed,
}

/// A label, a pattern whose group `s` is the secret, and a check on it.
type KeyedRule = (&'static str, Regex, fn(&str) -> bool);

// Each line rule is built when a line first calls for it (the keyword scan finds its cue).

fn build(p: &str) -> Regex {
    Regex::new(p).expect("built-in line rules compile")
}

static XML: LazyLock<Regex> = LazyLock::new(|| {
    build(r"<(?P<key>[A-Za-z][A-Za-z0-9_:.\-]{0,60})(?:[ \t][^>\n]{0,100})?>(?P<val>[^<\n]{1,300})</")
});
static FLAG: LazyLock<Regex> = LazyLock::new(|| {
    let value = r#"(?P<val>\\?"[^"\n]{0,300}?\\?"|'[^'\n]{0,300}'|`[^`\n]{0,300}`|[^\s"'`,;&)}\]<>|]+)"#;
    build(&format!(r"(?:^|[ \t])--(?P<key>[A-Za-z][A-Za-z0-9_\-]{{1,60}})[ \t]+{value}"))
});
static AUTH: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r#"(?i)(?:proxy-)?authori[sz]ation\\?["']?[ \t]*[:=][ \t]*\\?["']?(?:(?:bearer|basic|token|digest|bot|api-token|apikey|api-key|sso-key|negotiate|ntlm|hmac|key|dsn|jwt|splunk|ssws|oauth)[ \t]+)?(?P<s>[^\s"'\\,;`)]+)"#,
    )
});
static BEARER: LazyLock<Regex> = LazyLock::new(|| build(r"(?i)(?-u:\b)bearer[ \t]+(?P<s>[A-Za-z0-9._~+/=\-]{12,})"));
static CURL: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r#"(?:^|[ \t])(?:-u|--user)(?:[ \t]+|=)(?P<arg>\\"[^"\n]*?\\"(?::\\"[^"\n]*?\\")?|"[^"\n]*"(?::"[^"\n]*")?|'[^'\n]*'|[^\s"'\\]+(?:'[^'\n]*'|"[^"\n]*")?)"#,
    )
});
static URL: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r#"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]{1,30}):(?:\\?/){2}(?P<user>[^\s:/?#@"'<>\\\[\]]{0,128}):(?P<s>[^\s/?#"'<>\\]{1,256})@(?P<host>[A-Za-z0-9._~%\[\]\-]+)"#,
    )
});
static KEYED: LazyLock<Vec<KeyedRule>> = LazyLock::new(|| {
    vec![
        (
            "secret:azure-client-secret",
            build(
                r"(?:^|[^A-Za-z0-9_~.\-])(?P<s>[A-Za-z0-9_~.\-]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})(?:[^A-Za-z0-9_~\-]|$)",
            ),
            |s| !is_placeholder(&s[6..]) && entropy(s) >= 3.0,
        ),
        (
            "secret:azure-storage-key",
            build(r"(?i:accountkey|sharedaccesskey)[ \t]*=[ \t]*(?P<s>[A-Za-z0-9+/]{20,}={0,2})"),
            |_| true,
        ),
        ("secret:azure-sas", build(r"[?&](?i:sig)=(?P<s>[A-Za-z0-9%+/=]{20,})"), |_| true),
        ("secret:aws-secret-key", build(r"(?:^|[^A-Za-z0-9/+])(?P<s>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"), |s| {
            let c = classes(s);
            c.upper && c.lower && c.digit && entropy(s) >= 4.0
        }),
        ("secret:terraform-token", build(r"(?P<s>[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=\-]{60,70})"), |_| true),
        ("secret:mailchimp-key", build(r"(?-u:\b)(?P<s>[0-9a-f]{32}-us\d{1,2})(?-u:\b)"), |s| entropy(s) >= 3.0),
        ("secret:facebook-token", build(r"(?-u:\b)\d{15,16}(?:\||%7[Cc])(?P<s>[A-Za-z0-9_\-]{27})"), |_| true),
        ("secret:telegram-token", build(r"(?-u:\b)(?P<s>\d{8,10}:AA[A-Za-z0-9_\-]{33})"), |_| true),
    ]
});

/// Runs `rule` on the line `text[ls..le]`.
pub(crate) fn line_rule(rule: LineRule, text: &str, ls: usize, le: usize, out: &mut Vec<Hit<'_>>) {
    let line = &text[ls..le];
    match rule {
        LineRule::Markup => {
            for re in [&*XML, &*FLAG] {
                markup_pairs(re, line, ls, out);
            }
        }
        LineRule::AuthHeader => {
            for (re, bearer_only) in [(&*AUTH, false), (&*BEARER, true)] {
                for c in re.captures_iter(line) {
                    let Some(m) = c.name("s") else { continue };
                    let v = m.as_str();
                    let ok = if bearer_only {
                        looks_random(v, 12)
                    } else {
                        v.len() >= 6 && !is_placeholder(v) && v.bytes().any(|b| b.is_ascii_alphanumeric())
                    };
                    if ok {
                        out.push(Hit::new(
                            ls + m.start(),
                            ls + m.end(),
                            rank::SECRET_CONTEXT,
                            "secret:auth-header",
                            "secret:auth-header",
                        ));
                    }
                }
            }
        }
        LineRule::Curl => {
            let lower = line.to_ascii_lowercase();
            // Outside a curl/wget line (a continuation line `  -u user:pass \`), only a
            // random-looking password counts.
            let command = lower.contains("curl") || lower.contains("--user") || lower.contains("wget");
            for c in CURL.captures_iter(line) {
                if let Some(m) = c.name("arg") {
                    curl_credential(m.as_str(), ls + m.start(), command, out);
                }
            }
        }
        LineRule::UrlPassword => {
            for c in URL.captures_iter(line) {
                let Some(m) = c.name("s") else { continue };
                let v = m.as_str();
                if !is_placeholder(v) || looks_random(v, 8) {
                    out.push(Hit::new(
                        ls + m.start(),
                        ls + m.end(),
                        rank::SECRET_CONTEXT,
                        "secret:url-password",
                        "secret:url-password",
                    ));
                }
            }
        }
        LineRule::Keyed => {
            for (label, re, check) in KEYED.iter() {
                for c in re.captures_iter(line) {
                    let Some(m) = c.name("s") else { continue };
                    if check(m.as_str()) {
                        out.push(Hit::new(ls + m.start(), ls + m.end(), rank::SECRET_CONTEXT, label, label));
                    }
                }
            }
        }
    }
}

/// `<key>value</key>` and `--key value` pairs whose key names a credential.
fn markup_pairs(re: &Regex, line: &str, off: usize, out: &mut Vec<Hit<'_>>) {
    for caps in re.captures_iter(line) {
        let (Some(key), Some(val)) = (caps.name("key"), caps.name("val")) else { continue };
        let (vs, ve) = unquote(val.as_str());
        let value = &val.as_str()[vs..ve];
        if let Some(kind) = key_kind(key.as_str())
            && value_fits(kind, value)
        {
            let label = kind.label();
            out.push(Hit::new(off + val.start() + vs, off + val.start() + ve, rank::SECRET_CONTEXT, label, label));
        }
    }
}

/// Parts of key names that may name a credential; a key with none of them is only
/// looked at for a high-entropy value.
const KEY_HINTS: &[&str] = &[
    "pass", "pwd", "pw", "secret", "token", "key", "cred", "auth", "hmac", "cookie", "session", "sig", "jwt", "bearer",
];

fn key_hint(key: &str) -> bool {
    static HINTS: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasickBuilder::new().ascii_case_insensitive(true).build(KEY_HINTS).expect("the key hints build")
    });
    HINTS.is_match(key)
}

/// `key = value` pairs (`=`, `:`, `:=`, `=>`; JSON, YAML, `.env`, logfmt, query strings,
/// JSON-escaped quotes) whose key names a credential and whose value looks like one, or
/// whose value is a long high-entropy string and whose key does not name evidence.
/// Parsed by hand around every `=` and `:`, so a line costs one `memchr2` pass.
pub(crate) fn assignments(text: &str, out: &mut Vec<Hit<'_>>) {
    let b = text.as_bytes();
    for p in memchr::memchr2_iter(b'=', b':', b) {
        let prev = p.checked_sub(1).map(|i| b[i]);
        let next = b.get(p + 1).copied();
        let url = text[p..].starts_with("://") || text[p..].starts_with(":\\/\\/");
        let sep_end = match (b[p], prev, next) {
            // Comparisons, `::` paths and URL schemes are not assignments.
            (b'=', Some(b':' | b'=' | b'!' | b'<' | b'>'), _)
            | (b'=', _, Some(b'='))
            | (b':', Some(b':'), _)
            | (b':', _, Some(b':')) => continue,
            (b':', _, _) if url => continue,
            (b':', _, Some(b'=')) | (b'=', _, Some(b'>')) => p + 2,
            _ => p + 1,
        };
        let Some((vs, ve)) = value_after(text, sep_end) else { continue };
        if ve - vs < 3 {
            continue;
        }
        let Some((ks, ke)) = key_before(b, p) else { continue };
        let key = &text[ks..ke];
        let value = &text[vs..ve];
        let found = if key_hint(key) {
            match key_kind(key) {
                Some(kind) if value_fits(kind, value) => Some((kind.label(), rank::SECRET_CONTEXT)),
                Some(_) => None,
                None => high_entropy_value(key, value).then_some(("secret:high-entropy", rank::SECRET_PROSE)),
            }
        } else {
            (value.len() >= 24 && high_entropy_value(key, value)).then_some(("secret:high-entropy", rank::SECRET_PROSE))
        };
        if let Some((label, rank)) = found {
            out.push(Hit::new(vs, ve, rank, label, label));
        }
    }
}

/// The key that ends just before the separator at `p`: blanks, a closing quote (maybe
/// escaped), then `[A-Za-z0-9_.-]+` starting with a letter.
fn key_before(b: &[u8], p: usize) -> Option<(usize, usize)> {
    let mut end = p;
    let mut blanks = 0;
    while end > 0 && matches!(b[end - 1], b' ' | b'\t') && blanks < 4 {
        end -= 1;
        blanks += 1;
    }
    if end > 0 && matches!(b[end - 1], b'"' | b'\'') {
        end -= 1;
        if end > 0 && b[end - 1] == b'\\' {
            end -= 1;
        }
    }
    let mut start = end;
    while start > 0
        && end - start < 80
        && (b[start - 1].is_ascii_alphanumeric() || matches!(b[start - 1], b'_' | b'.' | b'-'))
    {
        start -= 1;
    }
    while start < end && !b[start].is_ascii_alphabetic() {
        start += 1;
    }
    (start < end).then_some((start, end))
}

/// The value that starts at `at` (after up to four blanks): the inside of a quoted
/// string on the line (`"…"`, `'…'`, `` `…` ``, `\"…\"`), or a run up to a blank or
/// one of `"'`,;&)}]<>|`.
fn value_after(text: &str, at: usize) -> Option<(usize, usize)> {
    /// Bytes that end an unquoted value.
    static STOP: [bool; 256] = {
        let mut t = [false; 256];
        let stops = b" \t\r\n\x0b\x0c\"'`,;&)}]<>|";
        let mut i = 0;
        while i < stops.len() {
            t[stops[i] as usize] = true;
            i += 1;
        }
        t
    };
    let b = text.as_bytes();
    let mut v = at;
    while v < b.len() && matches!(b[v], b' ' | b'\t') && v - at < 4 {
        v += 1;
    }
    let (s, e) = match b.get(v) {
        None => return None,
        Some(b'\\') if b.get(v + 1) == Some(&b'"') => {
            let limit = b.len().min(v + 302);
            let close = memchr::memmem::find(b.get(v + 2..limit)?, b"\\\"")?;
            (v + 2, v + 2 + close)
        }
        Some(&q @ (b'"' | b'\'' | b'`')) => {
            let limit = b.len().min(v + 302);
            let close = memchr::memchr(q, b.get(v + 1..limit)?)?;
            (v + 1, v + 1 + close)
        }
        Some(_) => {
            let run = b[v..].iter().position(|&c| STOP[c as usize]).unwrap_or(b.len() - v);
            let mut e = v + run;
            // A trailing full stop or backslash is punctuation, not part of the value.
            while e > v && matches!(b[e - 1], b'.' | b'\\') {
                e -= 1;
            }
            (v, e)
        }
    };
    // A quoted value stays on its line.
    if memchr::memchr(b'\n', &b[s..e]).is_some() {
        return None;
    }
    (s < e && text.is_char_boundary(s) && text.is_char_boundary(e)).then_some((s, e))
}

/// The byte range of `v` inside its quotes (`"x"`, `'x'`, `` `x` ``, `\"x\"`).
fn unquote(v: &str) -> (usize, usize) {
    let mut s = 0;
    let mut e = v.len();
    let b = v.as_bytes();
    if b.first() == Some(&b'\\') && b.get(1) == Some(&b'"') {
        s = 2;
    } else if matches!(b.first(), Some(b'"' | b'\'' | b'`')) {
        s = 1;
    }
    if s > 0 {
        if e >= s + 2 && b[e - 2] == b'\\' && b[e - 1] == b'"' {
            e -= 2;
        } else if e > s && matches!(b[e - 1], b'"' | b'\'' | b'`') {
            e -= 1;
        }
    }
    // A trailing backslash of an escaped quote pair, or a stray full stop.
    while e > s && matches!(b[e - 1], b'\\' | b'.') {
        e -= 1;
    }
    (s, e.max(s))
}

/// What a credential-bearing key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Password,
    Secret,
    PrivateKey,
    Credential,
    Token,
    ApiKey,
    Auth,
    Session,
    Signature,
    /// A key named just `key`.
    BareKey,
}

impl KeyKind {
    fn label(self) -> &'static str {
        match self {
            Self::Password => "secret:password",
            Self::Secret => "secret:secret",
            Self::PrivateKey => "secret:private-key",
            Self::Credential => "secret:credential",
            Self::Token => "secret:token",
            Self::ApiKey | Self::BareKey => "secret:api-key",
            Self::Auth => "secret:auth",
            Self::Session => "secret:session",
            Self::Signature => "secret:signature",
        }
    }
}

/// Splits an identifier into lowercase words: `AWS_SECRET_ACCESS_KEY`, `clientSecret`,
/// `x-api-key`, `db.password`.
fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// Whether a key names a credential, and which kind.
pub(crate) fn key_kind(key: &str) -> Option<KeyKind> {
    let words = key_words(key);
    let last = words.last()?.as_str();
    let prev = words.len().checked_sub(2).map(|i| words[i].as_str());
    if words.iter().any(|w| matches!(w.as_str(), "public" | "pub")) {
        return None;
    }
    let kind = match last {
        "password" | "passwd" | "passwort" | "passphrase" | "pwd" | "pass" | "pword" => KeyKind::Password,
        "pw" if prev.is_some() => KeyKind::Password,
        "secret" | "secretkey" | "clientsecret" | "hmac" => KeyKind::Secret,
        "token" | "jwt" | "bearer" => KeyKind::Token,
        "apikey" => KeyKind::ApiKey,
        "credential" | "credentials" | "creds" | "cred" => KeyKind::Credential,
        "auth" | "authorization" => KeyKind::Auth,
        "cookie" | "sessionid" => KeyKind::Session,
        "sig" | "signature" => KeyKind::Signature,
        "key" => match prev {
            Some(
                "private" | "signing" | "encryption" | "master" | "secret" | "hmac" | "shared" | "webhook" | "client"
                | "ssh" | "rsa" | "gpg" | "pgp",
            ) => KeyKind::PrivateKey,
            Some(
                "api" | "access" | "auth" | "license" | "licence" | "app" | "application" | "account" | "service"
                | "storage" | "subscription" | "deploy" | "developer" | "dev" | "consumer" | "admin" | "user"
                | "project" | "org" | "sdk" | "write" | "read" | "ingest" | "integration" | "routing" | "server"
                | "token" | "session" | "install" | "partner",
            ) => KeyKind::ApiKey,
            None => KeyKind::BareKey,
            Some(_) => return None,
        },
        "id" | "key_id" if prev == Some("session") => KeyKind::Session,
        w if w.ends_with("password") || w.ends_with("passwd") => KeyKind::Password,
        w if w.ends_with("secret") => KeyKind::Secret,
        w if w.ends_with("token") => KeyKind::Token,
        w if w.ends_with("apikey") => KeyKind::ApiKey,
        _ => return None,
    };
    Some(kind)
}

/// Whether `value` assigned to a key of `kind` is a credential rather than a placeholder,
/// a path, a URL or an ordinary word.
fn value_fits(kind: KeyKind, value: &str) -> bool {
    const FILES: &[&str] = &[
        ".pem", ".key", ".json", ".txt", ".p12", ".pfx", ".yaml", ".yml", ".crt", ".cer", ".keytab", ".jks", ".env",
        ".conf", ".cfg", ".properties", ".xml",
    ];
    if value.is_empty() || is_placeholder(value) {
        return false;
    }
    if value.contains("://") || value.starts_with('/') || value.starts_with("./") || value.starts_with("~/") {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    if FILES.iter().any(|e| lower.ends_with(e)) {
        return false;
    }
    let c = classes(value);
    let hex_number = value.len() > 2
        && (value.starts_with("0x") || value.starts_with("0X"))
        && value[2..].bytes().all(|b| b.is_ascii_hexdigit());
    if hex_number && kind != KeyKind::Password {
        return false;
    }
    match kind {
        KeyKind::Password => value.chars().count() >= 3,
        KeyKind::Secret | KeyKind::Credential | KeyKind::PrivateKey => {
            value.len() >= 6 && (c.digit || c.upper) && !wordy(value)
        }
        KeyKind::BareKey => looks_random(value, 16),
        KeyKind::Token | KeyKind::ApiKey | KeyKind::Auth | KeyKind::Session | KeyKind::Signature => {
            let v = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).unwrap_or(value);
            let token_chars = v.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=_.~-:".contains(&b));
            token_chars && v.len() >= 8 && (c.digit && (c.lower || c.upper) || looks_random(v, 16))
        }
    }
}

/// A high-entropy value assigned to a key that does not name a credential
/// (`sourcegraph: 6d2Fab…`), unless the key names evidence (an id, a hash, a commit, a
/// version, a trace).
fn high_entropy_value(key: &str, value: &str) -> bool {
    const EVIDENCE: &[&str] = &[
        "id", "ids", "uuid", "guid", "sha", "sha1", "sha256", "sha512", "md5", "hash", "digest", "checksum", "chksum",
        "crc", "commit", "rev", "revision", "srcrev", "version", "ver", "ref", "head", "tag", "build", "image", "etag",
        "trace", "span", "request", "correlation", "nonce", "fingerprint", "blob", "tree", "oid", "object", "block",
        "file", "path", "url", "uri", "name", "type", "container", "pod", "layer", "node", "cluster", "host", "msg",
        "message", "text", "data", "body", "payload", "content", "html", "query", "filter", "label", "labels",
        "public", "pub", "cert", "certificate", "package", "pkg", "module", "class", "component", "home", "dir",
        "java", "jar",
    ];
    let words = key_words(key);
    if words.is_empty() || words.iter().any(|w| EVIDENCE.contains(&w.as_str()) || w.len() > 2 && w.ends_with("id")) {
        return false;
    }
    if !value.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=_-".contains(&b))
        || value.starts_with('/')
        || wordy(value)
    {
        return false;
    }
    let c = classes(value);
    if !(c.digit && (c.lower || c.upper)) {
        return false;
    }
    let hex = value.bytes().all(|b| b.is_ascii_hexdigit());
    let one_case = !(c.lower && c.upper);
    if hex && one_case {
        value.len() >= 40 && entropy(value) >= 3.4
    } else {
        value.len() >= 24 && entropy(value) >= 4.0 && class_switches(value) >= 4
    }
}

/// Made of words joined by `-`, `_`, `.` or `/` (`Microsoft-Windows-PlatformUpdate-Win7`,
/// `usr/lib/jvm/java-7`): a name or a path, not a generated value. Letters that are all
/// hex digits (`ABCD`) do not make a word.
fn wordy(value: &str) -> bool {
    let segments: Vec<&str> = value.split(['-', '_', '.', '/']).filter(|s| !s.is_empty()).collect();
    let words = segments
        .iter()
        .filter(|s| {
            s.len() >= 3 && s.bytes().all(|b| b.is_ascii_alphabetic()) && !s.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .count();
    segments.len() >= 3 && words * 2 >= segments.len()
}

/// `curl -u user:pass`: the password, or a lone user part that is itself a key.
fn curl_credential(arg: &str, off: usize, command: bool, out: &mut Vec<Hit<'_>>) {
    const QUOTES: &[char] = &['"', '\'', '\\'];
    // The colon that separates user and password, outside quotes of the user part.
    let Some(colon) = arg.find(':') else {
        return;
    };
    let user = arg[..colon].trim_matches(QUOTES);
    let rest = &arg[colon + 1..];
    let lead = rest.len() - rest.trim_start_matches(['"', '\'', '{', '\\']).len();
    let body = rest.trim_start_matches(['"', '\'', '{', '\\']).trim_end_matches(['"', '\'', '}', '\\']);
    let unbraced = user.trim_matches(['{', '}']);
    let plain_pass =
        !body.is_empty() && !is_placeholder(body) && !body.starts_with('$') && (command || looks_random(body, 8));
    let numeric_ids = body.bytes().all(|b| b.is_ascii_digit()) && unbraced.bytes().all(|b| b.is_ascii_digit());
    if plain_pass && !numeric_ids {
        let s = off + colon + 1 + lead;
        out.push(Hit::new(s, s + body.len(), rank::SECRET_CONTEXT, "secret:curl-password", "secret:curl-password"));
    } else if body.is_empty()
        && command
        && looks_random(unbraced, 8)
        && let Some(i) = arg.find(unbraced)
    {
        {
            out.push(Hit::new(
                off + i,
                off + i + unbraced.len(),
                rank::SECRET_CONTEXT,
                "secret:curl-password",
                "secret:curl-password",
            ));
        }
    }
}

/// A PEM private key block starting at `pos` (the `-----BEGIN`): its body is redacted
/// line by line and the BEGIN/END lines stay. An escaped block (`\n` inside a JSON
/// string) is redacted as one piece.
pub(crate) fn private_key(text: &str, pos: usize, out: &mut Vec<Hit<'_>>) {
    static BEGIN: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^-----BEGIN[ A-Z0-9_\-]{0,40}PRIVATE KEY(?: BLOCK)?-----").expect("compiles"));
    static END: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"-----END[ A-Z0-9_\-]{0,40}PRIVATE KEY(?: BLOCK)?-----").expect("compiles"));
    const LABEL: &str = "secret:private-key";
    let Some(b) = BEGIN.find(&text[pos..]) else {
        return;
    };
    let body_start = pos + b.end();
    let window_end = floor_char(text, (body_start + 64 * 1024).min(text.len()));
    if let Some(e) = END.find(&text[body_start..window_end]) {
        let body_end = body_start + e.start();
        if text[body_start..body_end].bytes().any(|c| c.is_ascii_alphanumeric()) {
            out.push(Hit::new(body_start, body_end, rank::SECRET, LABEL, LABEL));
        }
        return;
    }
    // No END: redact the rest of the BEGIN line and the base64-looking lines after it.
    let (_, le) = line_bounds(text, body_start);
    let mut end = if text[body_start..le].bytes().any(|c| c.is_ascii_alphanumeric()) { le } else { body_start };
    let mut at = le;
    while at < text.len() {
        let (ls, le) = line_bounds(text, at + 1);
        let line = text[ls..le].trim_matches(|c: char| c.is_whitespace() || c == '"' || c == ',' || c == '\'');
        let b64 =
            line.len() >= 16 && line.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='));
        let header = line.contains(": ")
            && line.len() < 80
            && (line.starts_with("Proc-Type") || line.starts_with("DEK-Info") || line.starts_with("Comment"));
        if !(b64 || header) {
            break;
        }
        end = le;
        at = le;
    }
    if end > body_start {
        out.push(Hit::new(body_start, end, rank::SECRET, LABEL, LABEL));
    }
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Prose: a random-looking value shortly after a credential word, in the same sentence
/// ("the secret in the cluster is `9c41…`"): the next dozen words of the line are looked
/// at, each to its end, and an earlier `‹…›` counts as one word, so a second pass sees
/// the same words. Values in a git context (commit, sha, revision…), UUIDs, paths and
/// host names are left alone.
pub(crate) fn prose(text: &str, kw_start: usize, kw_end: usize, out: &mut Vec<Hit<'_>>) {
    const LABEL: &str = "secret:credential";
    const WORDS: usize = 12;
    // The credential word stands alone: not part of an identifier (`AWS_SECRET_ACCESS_KEY`
    // is the assignment rule's), though a plural or a few letters may follow ("tokens").
    if char_before(text, kw_start).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
        return;
    }
    let word_end = text[kw_end..].find(|c: char| !c.is_ascii_alphabetic()).map_or(text.len(), |i| kw_end + i);
    if word_end - kw_end > 2 || char_at(text, word_end).is_some_and(|c| c.is_ascii_digit() || c == '_' || c == '-') {
        return;
    }
    let (_, le) = line_bounds(text, kw_end);
    let line = &text[..le];
    let token_char = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'_' | b'.' | b'~' | b'-');
    let b = line.as_bytes();
    let mut prev_words: Vec<&str> = Vec::new();
    let mut i = kw_end;
    while i < b.len() && prev_words.len() < WORDS {
        if let Some(close) = label_end(line, i) {
            prev_words.push("‹›");
            i = close;
            continue;
        }
        if !token_char(b[i]) {
            // A sentence ends the search.
            if matches!(b[i], b';' | b'!' | b'?') {
                break;
            }
            i += char_at(line, i).map_or(1, char::len_utf8);
            continue;
        }
        let start = i;
        while i < b.len() && token_char(b[i]) {
            i += 1;
        }
        let raw = &line[start..i];
        let tok = raw.trim_end_matches(['.', '-', '_', '=', '~']).trim_start_matches(['.', '-', '_']);
        let ends_sentence = raw.ends_with('.') && (i >= b.len() || b[i] == b' ');
        let lead = raw.len() - raw.trim_start_matches(['.', '-', '_']).len();
        if prose_secret(tok) && !git_context(&prev_words) {
            let s = start + lead;
            out.push(Hit::new(s, s + tok.len(), rank::SECRET_PROSE, LABEL, LABEL));
        }
        prev_words.push(tok);
        if ends_sentence {
            break;
        }
    }
}

/// The end of a `‹…›` substitution starting at `i`, if one does.
fn label_end(line: &str, i: usize) -> Option<usize> {
    let rest = line[i..].strip_prefix('‹')?;
    let j = rest.find(['›', '‹'])?;
    (rest[j..].starts_with('›') && j <= 120).then(|| i + '‹'.len_utf8() + j + '›'.len_utf8())
}

fn prose_secret(tok: &str) -> bool {
    if tok.len() < 16 || is_uuid(tok) || tok.contains('/') || wordy(tok) {
        return false;
    }
    let c = classes(tok);
    if !(c.digit && (c.lower || c.upper)) {
        return false;
    }
    // Dotted names (hosts, packages) and versions are evidence, not secrets.
    if tok.contains('.') && !tok.split('.').any(|p| p.len() >= 16 && looks_random(p, 16)) {
        return false;
    }
    let lower = tok.to_ascii_lowercase();
    if lower.starts_with('v') && tok.as_bytes().get(1).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    // Mostly digits with separators: dates, times, ids.
    let digits = tok.bytes().filter(u8::is_ascii_digit).count();
    let letters = tok.bytes().filter(u8::is_ascii_alphabetic).count();
    if letters * 5 < digits && tok.contains('-') {
        return false;
    }
    looks_random(tok, 16) && entropy(tok) >= 3.0 && class_switches(tok) >= 4
}

/// How often a value switches between letters and digits (separators ignored): high
/// for generated strings, low for `job_1445144423722_0020`.
fn class_switches(s: &str) -> usize {
    let mut last: Option<bool> = None;
    let mut n = 0;
    for b in s.bytes() {
        let d = if b.is_ascii_digit() {
            true
        } else if b.is_ascii_alphabetic() {
            false
        } else {
            continue;
        };
        if last.is_some_and(|l| l != d) {
            n += 1;
        }
        last = Some(d);
    }
    n
}

fn git_context(prev: &[&str]) -> bool {
    prev.iter().rev().take(3).any(|w| {
        matches!(
            w.to_ascii_lowercase().as_str(),
            "commit"
                | "commits"
                | "sha"
                | "sha1"
                | "sha256"
                | "revision"
                | "rev"
                | "hash"
                | "merge"
                | "merged"
                | "revert"
                | "reverted"
                | "image"
                | "digest"
                | "checksum"
                | "etag"
                | "trace"
                | "traceid"
                | "request"
                | "requestid"
                | "span"
                | "build"
                | "tag"
                | "version"
                | "ref"
                | "head"
                | "tree"
                | "parent"
                | "blob"
                | "id"
                | "uuid"
                | "pr"
                | "cherry-pick"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::{apply, resolve};

    fn redact_with(text: &str, f: impl Fn(&str, &mut Vec<Hit<'static>>)) -> String {
        let mut hits = Vec::new();
        f(text, &mut hits);
        let kept = resolve(text, hits);
        let mut out = String::new();
        apply(text, &kept, &mut out);
        out
    }

    fn line(rule: LineRule) -> impl Fn(&str, &mut Vec<Hit<'static>>) {
        move |t, out| line_rule(rule, t, 0, t.len(), out)
    }

    #[test]
    fn prefixed_tokens() {
        let cases = [
            ("key AKIA5QXTZ3FAKEK7V2NB here", "key ‹secret:aws-access-key› here"),
            ("ghp_0123456789abcdefGHIJKLMNOPqrstuvwxyz ok", "‹secret:github-token› ok"),
            ("xoxb-781236542736-2364535789652-GkwFDQoHqzXDVsC6GzqYUypD", "‹secret:slack-token›"),
            (
                "post to https://hooks.slack.com/services/T0FAKE5TA/B0FAKE9QX/4pR8vZ2mFAKEq7Lw1yN3cK6d now",
                "post to ‹secret:slack-webhook› now",
            ),
            (
                r"url https:\/\/hooks.slack.com\/services\/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 end",
                "url ‹secret:slack-webhook› end",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(redact_with(input, tokens), want, "{input}");
        }
    }

    #[test]
    fn placeholders_are_not_tokens() {
        for t in [
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "xoxb-xxxxxxxxx-xxxxxxxxxx-xxxxxxxxxxxx",
            "AKIAXXXXXXXXXXXXXXXX",
        ] {
            assert_eq!(redact_with(t, tokens), t);
        }
    }

    #[test]
    fn jwt_inside_bearer_header() {
        let t = "curl -H \"Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlX29mX3RoZV90b2tlbg\" https://x";
        let out = redact_with(t, |t, o| {
            tokens(t, o);
            line_rule(LineRule::AuthHeader, t, 0, t.len(), o);
        });
        assert_eq!(out, "curl -H \"Authorization: Bearer ‹secret:jwt›\" https://x");
    }

    #[test]
    fn assignments_by_key_and_value() {
        let f = |t: &str, o: &mut Vec<Hit<'static>>| {
            assignments(t, o);
            line_rule(LineRule::Markup, t, 0, t.len(), o);
        };
        let cases = [
            (
                "AWS_SECRET_ACCESS_KEY=wJ9rT2vLq8FAKEx4Nc7Hd1Yp0Zb6Gs3Km5Ue2Wi8",
                "AWS_SECRET_ACCESS_KEY=‹secret:api-key›",
            ),
            (r#"{"password": "hunter22", "user": "x"}"#, r#"{"password": "‹secret:password›", "user": "x"}"#),
            ("db_pass: s3cr3t!", "db_pass: ‹secret:password›"),
            ("client_secret=bP88Q~rcBcYjzzOhg1Hnn76Wm3jGgakZiZ.8vMgR", "client_secret=‹secret:secret›"),
            ("<password>Tr0ub4dor</password>", "<password>‹secret:password›</password>"),
            ("mysql --password hunter22 -h db", "mysql --password ‹secret:password› -h db"),
            (r#"\"api_key\": \"a8f3k2j4h5g6f7d8\""#, r#"\"api_key\": \"‹secret:api-key›\""#),
        ];
        for (input, want) in cases {
            assert_eq!(redact_with(input, f), want, "{input}");
        }
        for keep in [
            "token_type=bearer",
            "password=${DB_PASSWORD}",
            "secretName: checkout-db",
            "key_length = 32",
            "access_token_url='https://github.com/login/oauth/access_token'",
            "IceSSL.KeyFile=s_rsa1024_priv.pem",
            "public_key = \"9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit\"",
            "credentialsId: 'ff083f76-7804-4ef1-80e4-fe975bb9141b'",
            "wtoken = AppWindowToken{9f4ef63 token=Token{a64f992",
            "password=",
        ] {
            assert_eq!(redact_with(keep, f), keep);
        }
    }

    #[test]
    fn key_words_and_kinds() {
        assert_eq!(key_words("AWS_SECRET_ACCESS_KEY"), ["aws", "secret", "access", "key"]);
        assert_eq!(key_words("clientSecret"), ["client", "secret"]);
        assert_eq!(key_kind("X-Octopus-ApiKey"), Some(KeyKind::ApiKey));
        assert_eq!(key_kind("OP_SERVICE_ACCOUNT_TOKEN"), Some(KeyKind::Token));
        assert_eq!(key_kind("schemaKey"), None);
        assert_eq!(key_kind("credentialsId"), None);
        assert_eq!(key_kind("bypass"), None);
    }

    #[test]
    fn auth_headers_keep_the_scheme() {
        let f = line(LineRule::AuthHeader);
        assert_eq!(
            redact_with("-H 'Authorization: token 5d2e8b1f0a9c47e3b6d1f28a4c7e09b3d5f61a2e'", &f),
            "-H 'Authorization: token ‹secret:auth-header›'"
        );
        assert_eq!(
            redact_with("-H \"Authorization: Bearer qsb.v1.9c2e5b8dFAKE1f4a6c0e9b2d5f8a1c4e7b0d3f6a\"", &f),
            "-H \"Authorization: Bearer ‹secret:auth-header›\""
        );
        for keep in ["Authorization: Bearer $API_KEY", "Authorization: Basic ...", "Authorization: Bearer <token>"] {
            assert_eq!(redact_with(keep, &f), keep);
        }
    }

    #[test]
    fn url_and_curl_passwords() {
        let f = line(LineRule::UrlPassword);
        assert_eq!(
            redact_with("psql \"postgresql://checkout_rw:Ch3ckout-rw-NOTREAL-7Qx9@orders-db:5432/orders\"", &f),
            "psql \"postgresql://checkout_rw:‹secret:url-password›@orders-db:5432/orders\""
        );
        assert_eq!(
            redact_with(r"postgresql:\/\/u:P@ss-w0rd@db\/x", &f),
            r"postgresql:\/\/u:‹secret:url-password›@db\/x"
        );
        let c = line(LineRule::Curl);
        assert_eq!(
            redact_with("curl --cacert ca.crt -u elastic:P@ssw0rd$1 https://localhost:9200", &c),
            "curl --cacert ca.crt -u elastic:‹secret:curl-password› https://localhost:9200"
        );
        assert_eq!(
            redact_with("curl --user kevin:'pRf7vG2h1L8nQkW9' -iX PATCH", &c),
            "curl --user kevin:'‹secret:curl-password›' -iX PATCH"
        );
        for keep in ["curl -u \"${username}\":\"${password}\"", "curl -u username:token", "docker run -u 1000:1000 img"]
        {
            assert_eq!(redact_with(keep, &c), keep);
        }
    }

    #[test]
    fn private_key_blocks_keep_their_lines() {
        let t = "x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpQIBAAKCAQEAn6\nyxR5MsXFu9PRsrYQA7\n-----END RSA PRIVATE KEY-----\ny";
        let pos = t.find("-----BEGIN").unwrap();
        let out = redact_with(t, |t, o| private_key(t, pos, o));
        assert_eq!(
            out,
            "x\n-----BEGIN RSA PRIVATE KEY-----\n‹secret:private-key›\n‹secret:private-key›\n-----END RSA PRIVATE KEY-----\ny"
        );
        let j = r#""private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n","#;
        let pos = j.find("-----BEGIN").unwrap();
        let out = redact_with(j, |t, o| private_key(t, pos, o));
        assert_eq!(
            out,
            r#""private_key": "-----BEGIN PRIVATE KEY-----‹secret:private-key›-----END PRIVATE KEY-----\n","#
        );
    }

    #[test]
    fn prose_secrets_but_not_commits() {
        let t = "not hmac. the secret in the cluster is `9c41f07be2d35a8861c0f4e7a2b9d6530e1f8a7c`, same as on the org hook";
        let kw = t.find("secret").unwrap();
        let out = redact_with(t, |t, o| prose(t, kw, kw + 6, o));
        assert!(out.contains("`‹secret:credential›`"), "{out}");
        let t = "token refresh broke in commit 9a038989604e8da62ecddbe2094b16ce1b778be1 yesterday";
        let out = redact_with(t, |t, o| prose(t, 0, 5, o));
        assert_eq!(out, t);
    }
}
