//! Records to a sorted UTC timeline, with the same happening from several sources merged.
