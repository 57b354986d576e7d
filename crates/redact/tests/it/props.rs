//! Properties: redaction never changes the number of lines and is idempotent; planted
//! secrets never survive wherever they are put.

use debrief_ingest::{IncidentConfig, Person};
use debrief_redact::Redactor;
use proptest::prelude::*;

fn redactor() -> Redactor {
    let mut c = IncidentConfig::default();
    c.people.insert("Dana Whitfield".into(), "primary on-call".into());
    let people = vec![
        Person {
            name: "Dana Whitfield".into(),
            aliases: vec!["dana".into(), "dana.whitfield".into()],
            ids: vec!["U03DWHT1FD".into()],
            ..Person::default()
        },
        Person {
            name: "Marcus Oyelaran".into(),
            aliases: vec!["marcus.o".into()],
            emails: vec!["marcus@larkspur.example".into()],
            ..Person::default()
        },
    ];
    Redactor::new(&c, &people).unwrap()
}

const SECRETS: &[&str] = &[
    "AKIA5QXTZ3FAKEK7V2NB",
    "ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf1234",
    "xoxb-781236542736-2364535789652-GkwFDQoHqzXDVsC6GzqYUypD",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlX29mX3RoZV90b2tlbg",
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "glpat-9xQ2vL7mK4pR8tW1yZ3b",
];

const PIECES: &[&str] = &[
    "2024-10-08T14:43:05Z",
    " ERROR ",
    "checkout",
    " 500 ",
    "dana",
    "Dana Whitfield",
    "marcus.o",
    "<@U03DWHT1FD>",
    "10.0.4.17",
    "v2.31.0",
    " password=",
    "token: ",
    "Authorization: Bearer ",
    "https://u:p4ss-w0rd@db:5432/x",
    "+1 415-555-0132",
    "4111 1111 1111 1111",
    "\n",
    "\r\n",
    "‹",
    "›",
    "‹Responder A›",
    "@",
    ".",
    "-",
    "=",
    "\"",
    "'",
    ":",
    "/",
    " ",
    "bob@example.org",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn\n-----END RSA PRIVATE KEY-----",
    "é",
    "日本",
    "9c41f07be2d35a8861c0f4e7a2b9d6530e1f8a7c",
    "the secret is ",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(PIECES).prop_map(str::to_string),
            1 => prop::sample::select(SECRETS).prop_map(str::to_string),
            2 => "[ -~]{0,12}",
            1 => "\\PC{0,6}",
        ],
        0..24,
    )
    .prop_map(|v| v.concat())
}

/// Text without planted secrets: the secret under test is the only one.
fn plain() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![3 => prop::sample::select(PIECES).prop_map(str::to_string), 2 => "[ -~]{0,12}"],
        0..16,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    // PROPTEST_CASES=20000 for a longer run.
    #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(400)))]

    #[test]
    fn lines_are_kept_and_redaction_is_idempotent(t in text()) {
        let r = redactor();
        let once = r.redact(&t);
        prop_assert_eq!(once.text.matches('\n').count(), t.matches('\n').count());
        let twice = r.redact(&once.text);
        prop_assert_eq!(&twice.text, &once.text);
    }

    #[test]
    fn planted_secrets_never_survive(
        before in plain(),
        after in "[ ,.;)\\n]{1}[ -~]{0,10}",
        secret in prop::sample::select(SECRETS),
        wrap in prop::sample::select(&["", "key=", "\"", "`", "token: ", "Bearer ", "`", "(", " "][..]),
    ) {
        let t = format!("{before} {wrap}{secret}{after}");
        let out = redactor().redact(&t);
        prop_assert!(!out.text.contains(secret), "{:?}", out.text);
    }
}
