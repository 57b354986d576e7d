//! People → stable roles across all sources, and the matcher that finds their names,
//! handles, email local parts and ids in free text.
//!
//! Persons that several sources reveal are merged (same name, email or id). A person
//! named in `incident.toml` `[people]` gets that role ("primary on-call" → "Primary
//! on-call"); customers (people who only appear as outside email correspondents, or
//! whose title says so) become "Customer 1", "Customer 2"…; everyone else becomes
//! "Responder A", "Responder B"… in order of first appearance in the people list. Bots
//! and team addresses keep their names.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use debrief_ingest::Person;
use regex::Regex;

use crate::pii::not_personal;
use crate::shape::{char_at, char_before, is_word_char};
use crate::span::{Hit, rank};

/// Label for a name that more than one person shares.
const SHARED: &str = "person";

/// One merged person and the role they are shown as.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The fullest real name the sources give.
    pub real: String,
    pub role: String,
    /// Keeps its name (a bot, an integration, a team address).
    pub keep: bool,
    names: Vec<String>,
    aliases: Vec<String>,
    emails: Vec<String>,
    ids: Vec<String>,
    title: Option<String>,
    first_seen: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    One(usize),
    Many,
}

/// Everyone the bundle reveals, with roles and a free-text matcher.
#[derive(Debug, Default)]
pub(crate) struct People {
    pub entries: Vec<Entry>,
    /// Lowercased name, alias, email or id → who.
    lookup: HashMap<String, Owner>,
    matcher: Option<AhoCorasick>,
    /// For each matcher pattern: who, and whether it only counts as an `@mention`.
    patterns: Vec<(Owner, bool)>,
}

/// Common English words and tool names that are also first names, surnames or handles:
/// on their own they are not matched (the full name still is).
const STOPLIST: &[&str] = &[
    "a", "an", "and", "the", "will", "may", "mark", "bill", "grant", "hope", "joy", "faith", "summer", "rose", "june",
    "april", "august", "page", "king", "long", "young", "bell", "case", "lead", "chase", "rich", "gene", "pat", "rob",
    "sandy", "art", "don", "dean", "drew", "frank", "jack", "jean", "ray", "sue", "max", "miles", "hunter", "carter",
    "cook", "baker", "smith", "brown", "white", "black", "green", "gray", "grey", "wood", "hill", "park", "lane",
    "price", "stone", "marsh", "field", "ford", "booth", "cash", "day", "fox", "hall", "hart", "hunt", "lamb", "love",
    "moon", "nash", "north", "west", "south", "east", "penny", "sky", "storm", "river", "dawn", "eve", "ivy", "jade",
    "amber", "crystal", "ruby", "pearl", "violet", "iris", "lily", "holly", "ginger", "honey", "sterling", "royal",
    "duke", "earl", "prince", "major", "judge", "bishop", "mason", "porter", "cooper", "fisher", "miller", "taylor",
    "turner", "walker", "ward", "warren", "banks", "burns", "little", "small", "short", "strong", "sharp", "wise",
    "good", "best", "noble", "free", "bright", "bond", "bridge", "brook", "church", "cross", "dale", "glass", "gold",
    "silver", "well", "wells", "winter", "spring", "snow", "rain", "frost", "lake", "moore", "more", "hale", "hay",
    "key", "keys", "lock", "nail", "peck", "pike", "post", "power", "rice", "rush", "sage", "salt", "sand", "shell",
    "ship", "steel", "street", "swan", "wolf", "wren", "york", "sun", "star", "art", "guy", "man", "son", "van", "von",
    "de", "da", "del", "la", "le", "di", "bin", "al", "el", "mac", "mc", "st", "jr", "sr", "ii", "iii", "dr", "mr",
    "mrs", "ms", "sir", "new", "old", "big", "top", "low", "high", "may", "can", "sat", "sun", "mon", "wed", "ops",
    "sre", "dev", "devops", "admin", "root", "test", "user", "users", "team", "oncall", "support", "deploy", "bot",
    "build", "release", "service", "system", "jenkins", "docker", "helm", "kube", "node", "pod", "git", "go", "rust",
    "swift", "chef", "puppet", "python", "java", "kafka", "redis", "cron", "api", "web", "app", "server", "client",
    "info", "debug", "error", "warn", "alert", "page", "pager", "duty", "slack", "github", "gitlab", "jira", "grafana",
    "prometheus", "datadog", "sentry", "status", "ci", "cd", "qa", "prod", "staging", "main", "master", "help",
    "hello", "here", "there", "this", "that", "what", "when", "who", "why", "how", "all", "any", "one", "two", "yes",
    "no", "not", "ok", "okay", "thanks", "sorry", "please", "still", "just", "back", "out", "off", "up", "down", "on",
    "in", "at", "to", "for", "from", "with", "by", "of", "or", "but", "so", "if", "then", "than", "also", "was",
    "were", "are", "is", "be", "been", "has", "have", "had", "did", "does", "do", "get", "got", "set", "let", "see",
    "saw", "say", "said", "use", "used", "run", "ran", "fix", "fixed", "need", "want", "like", "know", "think", "look",
    "call", "ping", "sync", "lab", "labs", "cloud", "data", "core", "edge", "host", "net", "link", "hub", "stack",
    "queue", "cache", "store", "shop", "cart", "pay", "order", "orders", "checkout", "billing", "account", "customer",
    "responder", "commander", "incident", "person", "email", "phone", "card", "term", "pattern", "secret", "token",
    "password", "ip", "iban", "ssn", "unknown", "none", "null", "nil", "true", "false",
];

static STOP: LazyLock<HashSet<&'static str>> = LazyLock::new(|| STOPLIST.iter().copied().collect());

fn stop(word: &str) -> bool {
    STOP.contains(word.to_ascii_lowercase().as_str())
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The words of a name (punctuation trimmed), for first/last name matching.
fn name_words(name: &str) -> Vec<&str> {
    name.split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Handles people derive from their name: `priya.raman`, `priya_raman`, `priya-raman`,
/// `priyaraman`, `praman`, `p.raman`, `priyar`, `priya.r`, `raman.priya`, `ramanp`, and
/// the first letter with the start of a long last name (`rvenkat`). Only those of five
/// characters or more that are not common words.
fn derived_handles(name: &str) -> Vec<String> {
    let words = name_words(name);
    if words.len() < 2 {
        return Vec::new();
    }
    let first = words[0].to_lowercase();
    let last = words[words.len() - 1].to_lowercase();
    if !first.chars().all(char::is_alphabetic) || !last.chars().all(char::is_alphabetic) {
        return Vec::new();
    }
    let f0: String = first.chars().take(1).collect();
    let l0: String = last.chars().take(1).collect();
    let mut derived = vec![
        format!("{first}.{last}"),
        format!("{first}_{last}"),
        format!("{first}-{last}"),
        format!("{first}{last}"),
        format!("{f0}{last}"),
        format!("{f0}.{last}"),
        format!("{first}{l0}"),
        format!("{first}.{l0}"),
        format!("{last}.{first}"),
        format!("{last}{f0}"),
    ];
    let lc: Vec<char> = last.chars().collect();
    for k in 5..lc.len() {
        derived.push(format!("{f0}{}", lc[..k].iter().collect::<String>()));
    }
    derived.retain(|d| d.chars().count() >= 5 && !stop(d));
    derived
}

struct Dsu(Vec<usize>);

impl Dsu {
    fn find(&mut self, i: usize) -> usize {
        let mut r = i;
        while self.0[r] != r {
            r = self.0[r];
        }
        let mut j = i;
        while self.0[j] != r {
            let next = self.0[j];
            self.0[j] = r;
            j = next;
        }
        r
    }
    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b)] = a.min(b);
        }
    }
}

/// Responder letters: A…Z, AA, AB…
fn letters(mut n: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn capitalise(role: &str) -> String {
    let role = role.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut c = role.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => role,
    }
}

/// Team mailboxes and lists a source may report as a person.
fn role_account(p: &Entry) -> bool {
    if p.emails.is_empty() || !p.ids.is_empty() {
        return false;
    }
    let all_roles = p.emails.iter().all(|e| e.split_once('@').is_some_and(|(l, d)| not_personal(l, d)));
    let n = p.real.to_ascii_lowercase();
    let team_name = [
        "support", "team", "help", "noreply", "no-reply", "list", "group", "notifications", "alerts", "service", "desk",
    ]
    .iter()
    .any(|w| n.contains(w));
    all_roles && (team_name || n.is_empty() || p.emails.iter().any(|e| e.starts_with(&n)) || !n.contains(' '))
}

const PUBLIC_MAIL: &[&str] = &[
    "gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me",
    "protonmail.com", "aol.com", "live.com", "me.com", "gmx.de", "gmx.net", "web.de",
];

impl People {
    pub(crate) fn new(config_people: &BTreeMap<String, String>, people: &[Person]) -> Self {
        // 1. Merge persons that share a name, an email or an id. An "id" that is an email
        // address (an email's sender) counts as an email.
        let mut all: Vec<Person> =
            people.iter().filter(|p| !p.name.trim().is_empty() || !p.emails.is_empty()).cloned().collect();
        for p in &mut all {
            let (emails, ids): (Vec<String>, Vec<String>) = p.ids.drain(..).partition(|id| id.contains('@'));
            p.ids = ids;
            p.emails.extend(emails);
        }
        let n = all.len();
        let mut dsu = Dsu((0..n).collect());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, p) in all.iter().enumerate() {
            let mut keys: Vec<String> = Vec::new();
            if !p.name.trim().is_empty() {
                keys.push(format!("n:{}", norm(&p.name)));
            }
            keys.extend(p.emails.iter().map(|e| format!("e:{}", e.to_lowercase())));
            keys.extend(p.ids.iter().filter(|id| !id.is_empty()).map(|id| format!("i:{id}")));
            for k in keys {
                match seen.get(&k) {
                    Some(&j) => dsu.union(i, j),
                    None => {
                        seen.insert(k, i);
                    }
                }
            }
        }
        // A one-word name (a handle: `priya-raman`, `twrobel`, `marenh`, `rvenkat-aws`)
        // that is an alias or a derived handle of exactly one person with a full name.
        let mut alias_owner: HashMap<String, Option<usize>> = HashMap::new();
        for (i, p) in all.iter().enumerate() {
            if p.name.split_whitespace().count() >= 2 && !p.bot {
                let handles = p.aliases.iter().map(|a| a.to_lowercase()).chain(derived_handles(&p.name));
                for h in handles {
                    let e = alias_owner.entry(h).or_insert(Some(i));
                    if e.is_some_and(|j| dsu.find(j) != dsu.find(i)) {
                        *e = None;
                    }
                }
            }
        }
        for (i, p) in all.iter().enumerate() {
            if p.name.split_whitespace().count() != 1 || p.bot {
                continue;
            }
            let name = p.name.trim().to_lowercase();
            let head = name.split(['-', '_', '.']).next().unwrap_or(&name).to_string();
            let owner =
                alias_owner.get(&name).copied().flatten().or_else(|| {
                    (head.chars().count() >= 5).then(|| alias_owner.get(&head).copied().flatten()).flatten()
                });
            if let Some(j) = owner {
                dsu.union(i, j);
            }
        }
        // 2. Build one entry per group, in order of first appearance.
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..n {
            let r = dsu.find(i);
            groups.entry(r).or_default().push(i);
        }
        let mut entries: Vec<Entry> = Vec::new();
        for members in groups.values() {
            let mut e = Entry {
                real: String::new(),
                role: String::new(),
                // A source that knows an account is a bot wins over one that does not say.
                keep: members.iter().any(|&i| all[i].bot),
                names: Vec::new(),
                aliases: Vec::new(),
                emails: Vec::new(),
                ids: Vec::new(),
                title: None,
                first_seen: members[0],
            };
            for &i in members {
                let p = &mut all[i];
                let name = p.name.split_whitespace().collect::<Vec<_>>().join(" ");
                if !name.is_empty() && !e.names.contains(&name) {
                    e.names.push(name);
                }
                e.aliases.append(&mut p.aliases);
                e.emails.extend(p.emails.iter().map(|s| s.to_lowercase()));
                e.ids.append(&mut p.ids);
                if e.title.is_none() {
                    e.title = p.title.take().filter(|t| !t.trim().is_empty());
                }
            }
            e.real = e
                .names
                .iter()
                .max_by_key(|s| (s.split_whitespace().count().min(3), s.len()))
                .cloned()
                .or_else(|| e.emails.first().cloned())
                .unwrap_or_default();
            for v in [&mut e.aliases, &mut e.emails, &mut e.ids] {
                v.retain(|s| !s.trim().is_empty());
                v.sort();
                v.dedup();
            }
            if !e.keep && role_account(&e) {
                e.keep = true;
            }
            entries.push(e);
        }
        // 3. Roles from incident.toml; persons it names that no source revealed are added.
        let mut used_roles: HashSet<String> = HashSet::new();
        for (name, role) in config_people {
            let key = norm(name);
            let found = entries.iter().position(|e| {
                !e.keep
                    && e.role.is_empty()
                    && (e.names.iter().any(|n| norm(n) == key)
                        || e.aliases.iter().any(|a| norm(a) == key)
                        || e.emails.contains(&key)
                        || e.ids.iter().any(|i| i.to_lowercase() == key))
            });
            let i = found.unwrap_or_else(|| {
                entries.push(Entry {
                    real: name.split_whitespace().collect::<Vec<_>>().join(" "),
                    role: String::new(),
                    keep: false,
                    names: if name.contains('@') { vec![] } else { vec![name.clone()] },
                    aliases: Vec::new(),
                    emails: if name.contains('@') { vec![key.clone()] } else { vec![] },
                    ids: Vec::new(),
                    title: None,
                    first_seen: usize::MAX,
                });
                entries.len() - 1
            });
            let mut r = capitalise(role);
            if r.is_empty() {
                continue;
            }
            let base = r.clone();
            let mut k = 2;
            while used_roles.contains(&r.to_lowercase()) {
                r = format!("{base} {k}");
                k += 1;
            }
            used_roles.insert(r.to_lowercase());
            entries[i].role = r;
        }
        // 4. Customers and responders.
        let mut home: HashSet<String> = HashSet::new();
        for e in &entries {
            let staff = !e.ids.is_empty() || (!e.role.is_empty()) || e.keep;
            for m in &e.emails {
                if let Some((_, d)) = m.split_once('@')
                    && staff
                    && !PUBLIC_MAIL.contains(&d)
                    && d != "googlegroups.com"
                {
                    home.insert(d.to_string());
                }
            }
        }
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by_key(|&i| entries[i].first_seen);
        let (mut responders, mut customers) = (0usize, 0usize);
        for i in order {
            let e = &entries[i];
            if e.keep || !e.role.is_empty() {
                continue;
            }
            // "Customer" as a title, not "Customer Experience" on a staff profile.
            let titled = e.title.as_deref().is_some_and(|t| {
                let t = t.trim().to_lowercase();
                matches!(t.as_str(), "customer" | "client" | "end user" | "end-user")
                    || e.ids.is_empty() && (t.contains("customer") || t.contains("client"))
            });
            let outside = e.ids.is_empty()
                && !e.emails.is_empty()
                && !home.is_empty()
                && e.emails.iter().all(|m| m.split_once('@').is_some_and(|(_, d)| !home.contains(d)));
            let role = if titled || outside {
                customers += 1;
                format!("Customer {customers}")
            } else {
                responders += 1;
                format!("Responder {}", letters(responders - 1))
            };
            entries[i].role = role;
        }
        for e in &mut entries {
            if e.keep {
                e.role.clone_from(&e.real);
            }
        }
        let mut people = Self { entries, ..Self::default() };
        people.build_matcher();
        people
    }

    fn build_matcher(&mut self) {
        let mut pats: BTreeMap<String, (Owner, bool)> = BTreeMap::new();
        let mut lookup: HashMap<String, Owner> = HashMap::new();
        let add = |map: &mut BTreeMap<String, (Owner, bool)>, s: &str, who: usize, mention_only: bool| {
            let k = s.trim().to_lowercase();
            if k.chars().count() < 2 {
                return;
            }
            map.entry(k)
                .and_modify(|(o, m)| {
                    if *o != Owner::One(who) {
                        *o = Owner::Many;
                    }
                    *m &= mention_only;
                })
                .or_insert((Owner::One(who), mention_only));
        };
        for (i, e) in self.entries.iter().enumerate() {
            let keys = e.names.iter().chain(&e.aliases).chain(&e.emails).chain(&e.ids);
            for k in keys {
                let k = norm(k);
                lookup
                    .entry(k)
                    .and_modify(|o| {
                        if *o != Owner::One(i) {
                            *o = Owner::Many;
                        }
                    })
                    .or_insert(Owner::One(i));
            }
            if e.keep {
                continue;
            }
            for name in &e.names {
                let words = name_words(name);
                if words.len() >= 2 {
                    add(&mut pats, &words.join(" "), i, false);
                    add(&mut pats, name, i, false);
                }
                for w in &words {
                    let letters_only = w.chars().all(char::is_alphabetic);
                    if letters_only && w.chars().count() >= 3 && !stop(w) {
                        add(&mut pats, w, i, false);
                    }
                }
                for d in derived_handles(name) {
                    add(&mut pats, &d, i, false);
                }
            }
            // One-word names are handles too (a GitHub login, a Jira account name).
            let handles = e.names.iter().filter(|n| !n.contains(' ')).chain(&e.aliases);
            for a in handles {
                let a = a.trim().trim_start_matches('@');
                let handle = a.chars().any(|c| !c.is_alphabetic() && !c.is_whitespace());
                if handle {
                    if a.chars().count() >= 3 {
                        add(&mut pats, a, i, false);
                    }
                    // The first word of a handle (kasia.n → kasia).
                    if let Some(first) = a.split(|c: char| !c.is_alphabetic()).next()
                        && first.chars().count() >= 3
                        && !stop(first)
                    {
                        add(&mut pats, first, i, false);
                    }
                } else if a.contains(' ') {
                    add(&mut pats, a, i, false);
                } else {
                    let ok = a.chars().count() >= 3 && !stop(a);
                    add(&mut pats, a, i, !ok);
                }
            }
            for m in &e.emails {
                if let Some((local, domain)) = m.split_once('@') {
                    if not_personal(local, domain) {
                        continue;
                    }
                    let distinctive = local.chars().any(|c| !c.is_alphabetic()) || local.chars().count() >= 5;
                    if distinctive && local.chars().count() >= 3 && !stop(local) {
                        add(&mut pats, local, i, false);
                    }
                }
            }
            for id in &e.ids {
                let has_digit = id.bytes().any(|b| b.is_ascii_digit());
                let has_alpha = id.bytes().any(|b| b.is_ascii_alphabetic());
                if id.len() >= 5 && has_digit && has_alpha {
                    add(&mut pats, id, i, false);
                }
            }
        }
        let (keys, owners): (Vec<String>, Vec<(Owner, bool)>) = pats.into_iter().unzip();
        self.matcher = if keys.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new().ascii_case_insensitive(true).match_kind(MatchKind::Standard).build(&keys).ok()
        };
        self.patterns = owners;
        self.lookup = lookup;
    }

    fn label(&self, who: Owner) -> &str {
        match who {
            Owner::One(i) => &self.entries[i].role,
            Owner::Many => SHARED,
        }
    }

    /// The role of a person by any name, alias, email or id; `None` for unknown
    /// names and for bots (which keep their names).
    pub(crate) fn role_of(&self, key: &str) -> Option<&str> {
        match self.lookup.get(&norm(key))? {
            Owner::One(i) if self.entries[*i].keep => None,
            &who => Some(self.label(who)),
        }
    }

    /// Whether `key` names a bot or a team address that keeps its name.
    pub(crate) fn is_kept(&self, key: &str) -> bool {
        matches!(self.lookup.get(&norm(key)), Some(Owner::One(i)) if self.entries[*i].keep)
    }

    /// The role for an email address: a known person's address, or one whose local part
    /// is a known handle or email local part.
    pub(crate) fn email_role(&self, addr: &str, local: &str) -> Option<&str> {
        let who = self.lookup.get(&addr.to_lowercase()).copied().or_else(|| {
            let l = local.to_lowercase();
            let i = self.patterns_index(&l)?;
            let (who, mention_only) = self.patterns[i];
            (!mention_only && (l.chars().any(|c| !c.is_alphabetic()) || l.len() >= 5)).then_some(who)
        })?;
        match who {
            Owner::One(i) if self.entries[i].keep => None,
            w => Some(self.label(w)),
        }
    }

    fn patterns_index(&self, key: &str) -> Option<usize> {
        let ac = self.matcher.as_ref()?;
        ac.find_overlapping_iter(key).find(|m| m.start() == 0 && m.end() == key.len()).map(|m| m.pattern().as_usize())
    }

    /// Names, handles, ids and `<@U…>` mentions of known people in `text`.
    pub(crate) fn find<'a>(&'a self, text: &str, out: &mut Vec<Hit<'a>>) {
        self.mentions(text, out);
        let Some(ac) = &self.matcher else { return };
        let b = text.as_bytes();
        for m in ac.find_overlapping_iter(text) {
            let (mut s, e) = (m.start(), m.end());
            if !text.is_char_boundary(s) || !text.is_char_boundary(e) {
                continue;
            }
            if char_before(text, s).is_some_and(is_word_char) || char_at(text, e).is_some_and(is_word_char) {
                continue;
            }
            let (who, mention_only) = self.patterns[m.pattern().as_usize()];
            let at_sign =
                s > 0 && b[s - 1] == b'@' && !char_before(text, s - 1).is_some_and(|c| c.is_alphanumeric() || c == '.');
            if mention_only && !at_sign {
                continue;
            }
            if at_sign {
                s -= 1;
            }
            // A handle inside a dotted name (a host or a package) is not a mention.
            if b.get(e) == Some(&b'.')
                && b.get(e + 1).is_some_and(u8::is_ascii_alphanumeric)
                && !text[s..e].contains(' ')
            {
                let next_word_end =
                    text[e + 1..].find(|c: char| !c.is_ascii_alphanumeric()).map_or(text.len(), |i| e + 1 + i);
                let tld = &text[e + 1..next_word_end];
                if matches!(
                    tld,
                    "com"
                        | "net"
                        | "org"
                        | "io"
                        | "internal"
                        | "local"
                        | "example"
                        | "svc"
                        | "cluster"
                        | "dev"
                        | "cloud"
                ) {
                    continue;
                }
            }
            out.push(Hit::new(s, e, rank::NAME, self.label(who), "person"));
        }
    }

    /// Slack mentions `<@U03DWHT1FD>` / `<@U03DWHT1FD|dana>`: the whole mention becomes
    /// the role.
    fn mentions<'a>(&'a self, text: &str, out: &mut Vec<Hit<'a>>) {
        static MENTION: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"<@(?P<id>[A-Z0-9]{5,})(?P<name>\|[^>\n]{0,80})?>").expect("compiles"));
        if !text.contains("<@") {
            return;
        }
        for c in MENTION.captures_iter(text) {
            let (Some(m), Some(id)) = (c.get(0), c.name("id")) else { continue };
            match self.lookup.get(&id.as_str().to_lowercase()) {
                Some(Owner::One(i)) if self.entries[*i].keep => {}
                Some(&who) => out.push(Hit::new(m.start(), m.end(), rank::MENTION, self.label(who), "person")),
                None if c.name("name").is_some() => {
                    out.push(Hit::new(m.start(), m.end(), rank::MENTION, SHARED, "person"));
                }
                None => {}
            }
        }
    }

    /// (real name, role) of every person shown as a role, in role order.
    pub(crate) fn pseudonyms(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> =
            self.entries.iter().filter(|e| !e.keep).map(|e| (e.real.clone(), e.role.clone())).collect();
        v.sort_by(|a, b| role_order(&a.1).cmp(&role_order(&b.1)).then_with(|| a.1.cmp(&b.1)));
        v
    }

    /// The redacted stand-in for `ingested.people`: one person per role, names and
    /// contact details removed; bots and team addresses unchanged.
    pub(crate) fn redacted_people(&self) -> Vec<Person> {
        let mut out: Vec<Person> = Vec::new();
        let mut order: Vec<&Entry> = self.entries.iter().collect();
        order.sort_by_key(|e| e.first_seen);
        for e in order {
            if e.keep {
                out.push(Person {
                    name: e.real.clone(),
                    aliases: e.aliases.clone(),
                    emails: e.emails.clone(),
                    ids: e.ids.clone(),
                    title: e.title.clone(),
                    bot: true,
                });
            } else {
                out.push(Person { name: e.role.clone(), title: e.title.clone(), ..Person::default() });
            }
        }
        out
    }
}

/// Sort key: configured roles, then responders A…, then customers 1….
fn role_order(role: &str) -> (u8, usize, String) {
    if let Some(l) = role.strip_prefix("Responder ") {
        (1, l.len(), l.to_string())
    } else if let Some(n) = role.strip_prefix("Customer ") {
        (2, n.len(), n.to_string())
    } else {
        (0, 0, role.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::{apply, protected, resolve};

    fn person(name: &str, aliases: &[&str], emails: &[&str], ids: &[&str]) -> Person {
        Person {
            name: name.into(),
            aliases: aliases.iter().map(ToString::to_string).collect(),
            emails: emails.iter().map(ToString::to_string).collect(),
            ids: ids.iter().map(ToString::to_string).collect(),
            title: None,
            bot: false,
        }
    }

    fn fixture() -> People {
        let mut cfg = BTreeMap::new();
        cfg.insert("Dana Whitfield".to_string(), "primary on-call".to_string());
        cfg.insert("Tomasz Wrobel".to_string(), "incident commander".to_string());
        let mut bot = person("Alertmanager", &["alertmanager"], &[], &["U08AMBOT01"]);
        bot.bot = true;
        let mut customer = person("Gretchen Halvorsen", &[], &["gretchen.halvorsen@example.net"], &[]);
        customer.title = None;
        let people = vec![
            person("Dana Whitfield", &["dana.whitfield", "dana"], &[], &["U03DWHT1FD"]),
            person("Marcus Oyelaran", &["marcus.o", "marcus"], &[], &["U04MOY8YRX"]),
            person("Priya Raman", &["priya.raman", "priya"], &[], &["U05PRM3N7Q"]),
            person("Tomasz Wrobel", &["tomasz"], &[], &["U02TWR9B4K"]),
            bot,
            person("Dana Whitfield", &[], &["dana@larkspur.example"], &["PDANA01"]),
            customer,
            person("Larkspur Support", &[], &["support@larkspur.example"], &[]),
            person("Maren Holloway", &["maren"], &[], &["U650BF983"]),
        ];
        People::new(&cfg, &people)
    }

    fn red(p: &People, t: &str) -> String {
        let mut hits = Vec::new();
        protected(t, &mut hits);
        p.find(t, &mut hits);
        crate::pii::emails(t, p, &mut hits);
        let mut out = String::new();
        apply(t, &resolve(t, hits), &mut out);
        out
    }

    #[test]
    fn roles_are_stable_and_configured() {
        let p = fixture();
        assert_eq!(p.role_of("Dana Whitfield"), Some("Primary on-call"));
        assert_eq!(p.role_of("dana"), Some("Primary on-call"));
        assert_eq!(p.role_of("PDANA01"), Some("Primary on-call"));
        assert_eq!(p.role_of("U03DWHT1FD"), Some("Primary on-call"));
        assert_eq!(p.role_of("tomasz"), Some("Incident commander"));
        assert_eq!(p.role_of("Marcus Oyelaran"), Some("Responder A"));
        assert_eq!(p.role_of("priya.raman"), Some("Responder B"));
        assert_eq!(p.role_of("Gretchen Halvorsen"), Some("Customer 1"));
        assert_eq!(p.role_of("Maren Holloway"), Some("Responder C"));
        assert_eq!(p.role_of("Alertmanager"), None);
        assert!(p.is_kept("alertmanager"));
        assert!(p.is_kept("Larkspur Support"));
        let pseud = p.pseudonyms();
        assert_eq!(pseud[0], ("Tomasz Wrobel".to_string(), "Incident commander".to_string()));
        assert!(pseud.iter().any(|(r, role)| r == "Dana Whitfield" && role == "Primary on-call"));
        assert_eq!(pseud.len(), 6);
    }

    #[test]
    fn names_in_free_text() {
        let p = fixture();
        let cases = [
            ("Dana Whitfield acked", "‹Primary on-call› acked"),
            ("priya's deploy", "‹Responder B›'s deploy"),
            ("<@U03DWHT1FD> can you look", "‹Primary on-call› can you look"),
            ("<@U04MOY8YRX|marcus> ok", "‹Responder A› ok"),
            ("cc @dana and MARCUS", "cc ‹Primary on-call› and ‹Responder A›"),
            ("PR by marenh merged", "PR by ‹Responder C› merged"),
            ("https://api.github.com/users/priya-raman/repos", "https://api.github.com/users/‹Responder B›/repos"),
            ("mail gretchen.halvorsen@example.net", "mail ‹Customer 1›"),
            ("to support@larkspur.example", "to support@larkspur.example"),
            ("Alertmanager fired", "Alertmanager fired"),
            ("Oyelaran and Whitfield", "‹Responder A› and ‹Primary on-call›"),
            ("danaher and primarily", "danaher and primarily"),
        ];
        for (input, want) in cases {
            assert_eq!(red(&p, input), want, "{input}");
        }
    }

    #[test]
    fn shared_first_names_get_a_neutral_label() {
        let people = vec![person("Hannah Achterberg", &[], &[], &[]), person("Hannah Albrecht", &[], &[], &[])];
        let p = People::new(&BTreeMap::new(), &people);
        assert_eq!(red(&p, "ask Hannah"), "ask ‹person›");
        assert_eq!(red(&p, "ask Hannah Albrecht"), "ask ‹Responder B›");
    }

    #[test]
    fn letters_continue_past_z() {
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(27), "AB");
    }
}
