//! The deterministic writer, and the pipeline from bundle to review.
