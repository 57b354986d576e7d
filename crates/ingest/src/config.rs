//! `incident.toml`: what the responders know that the artifacts may not say.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The contents of `incident.toml`. Every field is optional; unknown keys are ignored.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct IncidentConfig {
    pub id: Option<String>,
    pub title: Option<String>,
    pub severity: Option<String>,
    pub services: Vec<String>,
    /// The zone naive times in the bundle are written in, and the display zone (IANA name
    /// or a common abbreviation such as `PT`).
    pub timezone: Option<String>,
    /// Known moment times (`detected = "2024-05-01T10:02:13Z"`), RFC 3339.
    pub moments: BTreeMap<String, String>,
    /// People and the role each had (`"Dana Whitfield" = "primary on-call"`).
    pub people: BTreeMap<String, String>,
    pub redact: RedactConfig,
}

/// `[redact]`: extra terms and patterns to remove, and values never to remove.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct RedactConfig {
    pub terms: Vec<String>,
    pub patterns: Vec<String>,
    pub allow: Vec<String>,
    /// Redact IP addresses (on unless set to false).
    pub ips: Option<bool>,
}

/// `incident.toml` could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub line: u32,
    pub message: String,
}

impl IncidentConfig {
    /// Parses the text of `incident.toml`; `path` names it in errors.
    pub fn parse(path: &str, text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() as u32 + 1);
            ConfigError { path: path.to_string(), line, message: e.message().to_string() }
        })
    }
}

/// The skeleton `debrief init` writes: every field, commented.
pub const INCIDENT_TOML_TEMPLATE: &str = r#"# incident.toml: what you know that the artifacts may not say. Every field is optional.

# id = "INC-2047"
# title = "Checkout timing out / elevated 5xx"
# severity = "SEV-2"
# services = ["checkout-api", "orders-db"]

# The zone your notes and other naive times are written in, and the zone the draft shows
# times in beside UTC. An IANA name ("America/Chicago") or PT, ET, CET, UTC...
# timezone = "America/Chicago"

# Moments you know for certain, RFC 3339. They override what debrief infers.
# [moments]
# detected = "2024-10-08T14:42:30Z"
# resolved = "2024-10-08T15:31:05Z"

# People and their roles. The draft shows roles, never names.
# [people]
# "Dana Whitfield" = "primary on-call"
# "Tomasz Wrobel" = "incident commander"

# Extra things to redact, and things never to redact.
# [redact]
# terms = ["Project Nightingale", "customer-name"]
# patterns = ['ACME-\d{6}']
# allow = ["10.0.0.1"]
# ips = true
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_field() {
        let c = IncidentConfig::parse(
            "incident.toml",
            "id = \"INC-1\"\ntimezone = \"PT\"\nregions = [\"x\"]\n[people]\n\"Ann Lee\" = \"incident commander\"\n[moments]\ndetected = \"2024-05-01T10:02:13Z\"\n[redact]\nterms = [\"nightingale\"]\n",
        )
        .unwrap();
        assert_eq!(c.id.as_deref(), Some("INC-1"));
        assert_eq!(c.people["Ann Lee"], "incident commander");
        assert_eq!(c.moments["detected"], "2024-05-01T10:02:13Z");
        assert_eq!(c.redact.terms, ["nightingale"]);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = IncidentConfig::parse("incident.toml", "id = \"x\"\ntitle = \n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().starts_with("incident.toml:2:"));
    }

    #[test]
    fn template_parses() {
        assert_eq!(IncidentConfig::parse("t", INCIDENT_TOML_TEMPLATE).unwrap(), IncidentConfig::default());
    }
}
