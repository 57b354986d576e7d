//! Redaction of secrets and personal data, and people turned into stable roles.
