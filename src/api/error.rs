//! The one place errors become HTTP: every error of the layers below maps to a status and a
//! DRF-shaped body. Causes are logged, never sent: no SQL or stack traces reach clients.

use serde_json::{Value, json};
use thiserror::Error;

use crate::auth::AuthError;
use crate::engine::{EngineError, Method};
use crate::store::StoreError;

/// Why a request failed.
#[derive(Debug, Error)]
pub enum ApiError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("malformed request body: {0}")]
    BadJson(String),
    #[error("unsupported media type {0}")]
    UnsupportedMediaType(String),
    #[error("no route")]
    NoRoute,
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<Method> },
    /// An unsafe request signed in by the session cookie without its CSRF token.
    #[error("CSRF token missing or incorrect")]
    Csrf,
    #[error("a request handler panicked")]
    Panic,
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError::Engine(EngineError::Store(err))
    }
}

fn detail(message: &str, code: &str) -> Value {
    json!({ "detail": message, "code": code })
}

impl ApiError {
    /// Status code and body for this error.
    pub fn status_and_body(&self) -> (u16, Value) {
        match self {
            ApiError::Engine(err) => engine_error(err),
            ApiError::Auth(err) => auth_error(err),
            ApiError::BadJson(message) => (400, detail(&format!("JSON parse error - {message}"), "parse_error")),
            ApiError::UnsupportedMediaType(kind) => {
                (415, detail(&format!("Unsupported media type \"{kind}\" in request."), "unsupported_media_type"))
            }
            ApiError::NoRoute => (404, detail("Not found.", "not_found")),
            ApiError::MethodNotAllowed { .. } => (405, detail("Method not allowed.", "method_not_allowed")),
            ApiError::Csrf => (403, detail("CSRF Failed: CSRF token missing or incorrect.", "csrf_failed")),
            ApiError::Panic => (500, detail("A server error occurred.", "error")),
        }
    }

    /// Headers the answer carries besides the body (`Allow`, `Retry-After`).
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            ApiError::MethodNotAllowed { allow } => {
                let mut names: Vec<&str> = allow.iter().map(|method| method.as_str()).collect();
                if allow.contains(&Method::Get) {
                    names.push("HEAD");
                }
                vec![("Allow", names.join(", "))]
            }
            ApiError::Auth(AuthError::Throttled(seconds)) => vec![("Retry-After", seconds.to_string())],
            _ => Vec::new(),
        }
    }

    /// Whether this is a server fault whose cause belongs in the log.
    pub fn is_server_fault(&self) -> bool {
        matches!(
            self,
            ApiError::Engine(EngineError::Store(_))
                | ApiError::Auth(AuthError::Store(_) | AuthError::Hash | AuthError::QrCode(_))
        )
    }
}

/// The answer to a request the server core refuses itself (malformed or ambiguous framing,
/// limits, timeouts, overload, HTTP/2), in the same shape as every other error.
pub fn protocol_error(status: tiny_http::StatusCode, message: &str) -> tiny_http::Response {
    let code = match status.0 {
        400 => "bad_request",
        408 => "request_timeout",
        413 => "too_large",
        414 => "uri_too_long",
        417 => "expectation_failed",
        431 => "header_too_large",
        501 => "not_implemented",
        503 => "unavailable",
        505 => "http_version_not_supported",
        _ => "error",
    };
    tiny_http::Response::new(status)
        .with_header("Content-Type", super::JSON_TYPE)
        .with_body(serde_json::to_vec(&detail(message, code)).unwrap_or_default())
}

fn engine_error(err: &EngineError) -> (u16, Value) {
    match err {
        EngineError::Validation(errors) => (400, errors.to_json()),
        EngineError::BadQuery { code, detail: message } => (400, detail(message, code)),
        EngineError::NotFound => (404, detail("Not found.", "not_found")),
        EngineError::Protected(message) => (409, detail(message, "protected")),
        EngineError::NotAuthenticated => {
            (401, detail("Authentication credentials were not provided.", "not_authenticated"))
        }
        EngineError::PermissionDenied => {
            (403, detail("You do not have permission to perform this action.", "permission_denied"))
        }
        EngineError::Store(_) => (500, detail("A server error occurred.", "error")),
    }
}

fn auth_error(err: &AuthError) -> (u16, Value) {
    match err {
        AuthError::InvalidCredentials => {
            (401, detail("No active account found with the given credentials.", "not_authenticated"))
        }
        AuthError::InvalidToken => (401, detail("Given token not valid for any token type.", "not_authenticated")),
        AuthError::UnknownUser => (404, detail("Not found.", "not_found")),
        AuthError::WeakPassword(message) => (400, json!({ "password": [message] })),
        AuthError::InvalidResetToken => (400, json!({ "token": ["Invalid or expired token."] })),
        AuthError::InvalidOrganization(id) => {
            (400, json!({ "organization": [format!("Invalid pk \"{id}\" - object does not exist.")] }))
        }
        AuthError::WrongOldPassword => {
            (400, json!({ "old_password": ["Your old password was entered incorrectly. Please enter it again."] }))
        }
        AuthError::OtpRequired => (401, detail("A one-time code (or a recovery code) is required.", "otp_required")),
        AuthError::WrongOtp => (401, detail("The one-time code is invalid or was already used.", "otp_required")),
        AuthError::InvalidCode => (400, json!({ "code": ["Invalid or expired code."] })),
        AuthError::WrongPassword => (400, json!({ "password": ["Your password was entered incorrectly."] })),
        AuthError::TwoFactorState(message) => (400, json!({ "non_field_errors": [message] })),
        AuthError::SessionRequired => (
            403,
            detail(
                "API keys are for data access; sign in with your password to manage the account.",
                "permission_denied",
            ),
        ),
        AuthError::Throttled(seconds) => {
            (429, detail(&format!("Request was throttled. Expected available in {seconds} seconds."), "throttled"))
        }
        AuthError::Hash | AuthError::QrCode(_) | AuthError::Store(_) => {
            (500, detail("A server error occurred.", "error"))
        }
    }
}
