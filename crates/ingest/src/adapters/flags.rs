//! Stub: replaced by the real adapter.

use debrief_model::SourceFile;

use crate::adapter::{Adapter, Context, Parsed};

pub struct FeatureFlags;

impl Adapter for FeatureFlags {
    fn format(&self) -> &'static str {
        "feature-flag-audit"
    }

    fn sniff(&self, _file: &SourceFile) -> u8 {
        0
    }

    fn parse(&self, _file: &SourceFile, _cx: &Context<'_>) -> Parsed {
        Parsed::default()
    }
}
