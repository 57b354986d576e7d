//! Key moments, metrics and findings drawn from the timeline.
