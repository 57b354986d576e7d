//! Checks every citation of a review against the bundle it came from.
