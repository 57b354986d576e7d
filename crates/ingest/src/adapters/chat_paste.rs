//! Stub: replaced by the real adapter.

use debrief_model::SourceFile;

use crate::adapter::{Adapter, Context, Parsed};

pub struct ChatTranscript;

impl Adapter for ChatTranscript {
    fn format(&self) -> &'static str {
        "chat-transcript"
    }

    fn sniff(&self, _file: &SourceFile) -> u8 {
        0
    }

    fn parse(&self, _file: &SourceFile, _cx: &Context<'_>) -> Parsed {
        Parsed::default()
    }
}
