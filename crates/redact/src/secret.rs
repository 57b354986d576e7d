//! [`Secret`]: a value that must never be printed by accident.

use std::fmt;

/// A secret value (a token, a password, a term to redact). `Display` and `Debug` print a
/// mask; the value is only reachable through [`Secret::expose`], which makes every place
/// that reads it easy to find.
///
/// ```
/// use debrief_redact::Secret;
/// let s = Secret::new("hunter2");
/// assert_eq!(format!("{s} {s:?}"), "‹secret› Secret(‹secret›)");
/// assert_eq!(s.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself. Never log or render it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("‹secret›")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(‹secret›)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("AKIA5QXTZ3FAKEK7V2NB");
        let shown = format!("{s} {s:?} {:?}", vec![s.clone()]);
        assert!(!shown.contains("AKIA"), "{shown}");
        assert_eq!(s.expose(), "AKIA5QXTZ3FAKEK7V2NB");
        assert_eq!(s.len(), 20);
    }
}
