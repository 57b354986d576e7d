//! Markdown and JSON renderings of a review.
