//! Renderings of a [`Review`]: Markdown for people, JSON for tools (the
//! `debrief.review/v1` contract).
//!
//! ```
//! # use debrief_model::*;
//! # fn review() -> Review { serde_json::from_str(debrief_render::EMPTY_REVIEW_JSON).unwrap() }
//! let md = debrief_render::markdown(&review());
//! assert!(md.contains("## Timeline"));
//! let json = debrief_render::json(&review());
//! assert!(json.contains("\"schema\": \"debrief.review/v1\""));
//! ```

mod markdown;

pub use markdown::markdown;

use debrief_model::Review;

/// The review as pretty-printed JSON, ending in a newline.
pub fn json(review: &Review) -> String {
    let mut s = serde_json::to_string_pretty(review).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// A review with nothing in it, for examples and tests.
#[doc(hidden)]
pub const EMPTY_REVIEW_JSON: &str = r#"{"schema":"debrief.review/v1","incident":{"id":null,"title":null},"display_timezone":"UTC","sources":[],"skipped":[],
"metrics":{"first_signal":{"time":null,"precision":"unknown","citations":[],"definition":"d"},"impact_start":{"time":null,"precision":"unknown","citations":[],"definition":"d"},"detected":{"time":null,"precision":"unknown","citations":[],"definition":"d"},"acknowledged":{"time":null,"precision":"unknown","citations":[],"definition":"d"},"mitigated":{"time":null,"precision":"unknown","citations":[],"definition":"d"},"resolved":{"time":null,"precision":"unknown","citations":[],"definition":"d"}},
"durations":{},"timeline":[],"findings":[],"actions":[],"questions":[],"redaction":{},"verification":{"checked":0,"dropped":[]}}"#;
