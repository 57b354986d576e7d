//! Stub: replaced by the real adapter.

use debrief_model::SourceFile;

use crate::adapter::{Adapter, Context, Parsed};

pub struct SlackExport;

impl Adapter for SlackExport {
    fn format(&self) -> &'static str {
        "slack-export"
    }

    fn sniff(&self, _file: &SourceFile) -> u8 {
        0
    }

    fn parse(&self, _file: &SourceFile, _cx: &Context<'_>) -> Parsed {
        Parsed::default()
    }
}

/// Stub: `users.json` / `channels.json`.
pub struct SlackMetadata;

impl Adapter for SlackMetadata {
    fn format(&self) -> &'static str {
        "slack-metadata"
    }

    fn sniff(&self, _file: &SourceFile) -> u8 {
        0
    }

    fn parse(&self, _file: &SourceFile, _cx: &Context<'_>) -> Parsed {
        Parsed::default()
    }
}
