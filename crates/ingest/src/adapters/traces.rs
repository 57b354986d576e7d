//! Stub: replaced by the real adapter.

use debrief_model::SourceFile;

use crate::adapter::{Adapter, Context, Parsed};

pub struct Traces;

impl Adapter for Traces {
    fn format(&self) -> &'static str {
        "traces"
    }

    fn sniff(&self, _file: &SourceFile) -> u8 {
        0
    }

    fn parse(&self, _file: &SourceFile, _cx: &Context<'_>) -> Parsed {
        Parsed::default()
    }
}
