//! The binary's one error type: a message and a hint that says what to do next.

use std::fmt;

pub struct CliError {
    pub message: String,
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(message: impl fmt::Display) -> Self {
        Self { message: message.to_string(), hint: None }
    }

    #[must_use]
    pub fn hint(mut self, hint: Option<impl Into<String>>) -> Self {
        self.hint = hint.map(Into::into);
        self
    }

    #[allow(clippy::print_stderr)]
    pub fn report(&self) {
        eprintln!("error: {}", self.message);
        if let Some(h) = &self.hint {
            eprintln!("  hint: {h}");
        }
    }
}

impl From<debrief_ingest::LoadError> for CliError {
    fn from(e: debrief_ingest::LoadError) -> Self {
        let hint = e.hint();
        Self::new(&e).hint(hint)
    }
}

impl From<debrief_draft::DraftError> for CliError {
    fn from(e: debrief_draft::DraftError) -> Self {
        let hint = e.hint();
        Self::new(&e).hint(hint)
    }
}

pub type Result<T> = std::result::Result<T, CliError>;
