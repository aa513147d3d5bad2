//! Engine errors: everything a model operation can answer besides success. The API layer maps
//! each variant to one HTTP status and body (`api::error`).

use serde_json::{Map, Value};
use thiserror::Error;

use crate::store::StoreError;

/// Field-level validation messages in DRF's shape: `{"field": ["message", …]}`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FieldErrors(Map<String, Value>);

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    /// One message for one field.
    pub fn single(field: &str, message: impl Into<String>) -> FieldErrors {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        let entry = self.0.entry(field.to_string()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.push(Value::String(message.into()));
        }
    }

    /// One message for `key` inside `field` (`{"custom_fields": {"size": ["…"]}}`).
    pub fn add_nested(&mut self, field: &str, key: &str, message: impl Into<String>) {
        let entry = self.0.entry(field.to_string()).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(keys) = entry {
            let list = keys.entry(key.to_string()).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = list {
                list.push(Value::String(message.into()));
            }
        }
    }

    /// The errors of another object under `field` (`{"address": {"country": ["…"]}}`).
    pub fn add_object(&mut self, field: &str, inner: FieldErrors) {
        self.0.insert(field.to_string(), Value::Object(inner.0));
    }

    /// The errors of a list's items under `field`, one object per item in order, empty for
    /// valid ones (`{"email_addresses": [{}, {"email": ["…"]}]}`).
    pub fn add_items(&mut self, field: &str, items: Vec<FieldErrors>) {
        self.0.insert(field.to_string(), Value::Array(items.into_iter().map(|e| Value::Object(e.0)).collect()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when empty, else the errors as a validation failure.
    pub fn into_result(self) -> Result<(), EngineError> {
        if self.is_empty() { Ok(()) } else { Err(EngineError::Validation(self)) }
    }

    pub fn to_json(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

impl std::fmt::Display for FieldErrors {
    /// `field: message; other: message`, for a command line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(field, messages)| format!("{field}: {messages}")).collect();
        f.write_str(&parts.join("; "))
    }
}

/// Why a model operation did not succeed.
#[derive(Debug, Error)]
pub enum EngineError {
    #[error("invalid: {0}")]
    Validation(FieldErrors),
    /// A malformed query: unknown ordering field, bad filter, bad page.
    #[error("{detail}")]
    BadQuery { code: &'static str, detail: String },
    #[error("not found")]
    NotFound,
    /// The delete is blocked by rows that reference this one.
    #[error("{0}")]
    Protected(String),
    #[error("authentication required")]
    NotAuthenticated,
    #[error("permission denied")]
    PermissionDenied,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::access::AccessError> for EngineError {
    fn from(err: crate::access::AccessError) -> Self {
        match err {
            crate::access::AccessError::NotAuthenticated => EngineError::NotAuthenticated,
            crate::access::AccessError::PermissionDenied => EngineError::PermissionDenied,
            crate::access::AccessError::Store(e) => EngineError::Store(e),
        }
    }
}

impl From<rusqlite::Error> for EngineError {
    fn from(err: rusqlite::Error) -> Self {
        EngineError::Store(err.into())
    }
}

impl EngineError {
    pub fn bad_query(code: &'static str, detail: impl Into<String>) -> EngineError {
        EngineError::BadQuery { code, detail: detail.into() }
    }

    pub fn invalid_filter(detail: impl Into<String>) -> EngineError {
        EngineError::bad_query("invalid_filter", detail)
    }
}
