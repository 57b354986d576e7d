//! The shape every format adapter shares: `sniff`, then `parse` into records with spans.

use debrief_model::{Problem, Record, SourceFile};
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::IncidentConfig;

/// One input format.
pub trait Adapter: Sync {
    /// The format's id as the review lists it (`slack-export`, `pagerduty-log-entries`).
    fn format(&self) -> &'static str;

    /// How sure the adapter is that `file` is its format, from 0 (not mine) to 100
    /// (certain). Decided by content; the path may only break ties.
    fn sniff(&self, file: &SourceFile) -> u8;

    /// Whether parsing needs [`Context::anchor_date`] (times written without a date).
    /// Such sources are parsed after the others.
    fn needs_anchor(&self) -> bool {
        false
    }

    /// Records of `file`. A malformed part becomes a problem with its line, and the rest
    /// is still read; a problem with `can_continue: false` means the rest was not.
    fn parse(&self, file: &SourceFile, cx: &Context<'_>) -> Parsed;
}

/// What an adapter may know beyond its own file.
pub struct Context<'a> {
    /// The source's index in the bundle, for [`debrief_model::Span::source`].
    pub source: u32,
    /// Every file of the bundle (a Slack day file looks up `users.json` here).
    pub files: &'a [SourceFile],
    pub config: &'a IncidentConfig,
    /// The zone naive times are read in when the source does not state one, with its name.
    pub zone: Option<(&'a str, &'a TimeZone)>,
    /// A date the surrounding sources establish, for times written without one.
    pub anchor_date: Option<Date>,
}

impl Context<'_> {
    /// A sibling file by its bundle-relative path.
    pub fn file(&self, path: &str) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.path == path)
    }
}

/// A person or bot a source reveals, for redaction to turn into a role.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    /// Full display name (`Dana Whitfield`).
    pub name: String,
    /// Other names: handles, display names, first names (`dana`, `dana.whitfield`).
    pub aliases: Vec<String>,
    pub emails: Vec<String>,
    /// Source ids (`U03DWHT1FD`, `PTW9R0B`).
    pub ids: Vec<String>,
    /// What the source says they do (a Slack profile title), if anything.
    pub title: Option<String>,
    pub bot: bool,
}

/// An adapter's output for one file.
#[derive(Debug, Default)]
pub struct Parsed {
    pub records: Vec<Record>,
    pub problems: Vec<Problem>,
    pub people: Vec<Person>,
    /// A zone the source states for its own naive times ("all times PT").
    pub stated_zone: Option<String>,
}

impl Parsed {
    pub fn fatal(message: impl Into<String>) -> Self {
        Self { problems: vec![Problem::whole(message)], ..Self::default() }
    }
}
