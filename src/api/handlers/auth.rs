//! Signing in and out, passwords and the second factor.

use std::time::Instant;

use serde_json::json;

use super::{Reply, string_fields};
use crate::api::State;
use crate::api::error::ApiError;
use crate::api::request::Ctx;
use crate::api::session;
use crate::auth::{self, AuthError};
use crate::engine::{EngineError, FieldErrors};

/// `auth/token/`: a password login (with the second factor when enabled), throttled per
/// username and address.
pub fn token(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let body = ctx.json()?;
    let tokens = throttled(state, ctx, &body, |username, password, otp| {
        auth::login(&state.db, state.tokens, username, password, otp, &ctx.caller.context)
    })?;
    Ok(Reply::json(200, &serde_json::to_value(tokens).unwrap_or_default()))
}

/// `POST auth/session/`: the pages sign in as `auth/token/` does, for a session cookie; the
/// answer carries the CSRF token. JSON only, so that no other site's form can sign a visitor
/// in under its own account.
pub fn session_open(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let essence = ctx.header("Content-Type").and_then(|t| t.split(';').next()).unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::UnsupportedMediaType(essence.to_ascii_lowercase()));
    }
    let body = ctx.json()?;
    // The sign-in is the pages' own: audited with their origin.
    let context = crate::audit::Context { origin: session::ORIGIN, ..ctx.caller.context.clone() };
    let opened = throttled(state, ctx, &body, |username, password, otp| {
        auth::open_session(&state.db, state.tokens, username, password, otp, &context)
    })?;
    let cookie = session::set_cookie(&opened.token, state.tokens.session_ttl);
    Ok(Reply::json(200, &serde_json::to_value(&opened).unwrap_or_default()).with_header("Set-Cookie", cookie))
}

/// `GET auth/session/`: who the session cookie signs in, and its CSRF token (for a page
/// loaded while signed in).
pub fn session_show(_state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let token = ctx.page_session().ok_or(EngineError::NotAuthenticated)?;
    let user = ctx.principal()?;
    Ok(Reply::json(
        200,
        &json!({
            "csrf_token": auth::csrf_token(token),
            "user": { "id": user.user_id, "username": user.username, "is_staff": user.is_staff, "is_superuser": user.is_superuser },
        }),
    ))
}

/// `DELETE auth/session/`: signs out (the session's tokens revoked) and removes the cookie,
/// which is removed even when it was no longer valid.
pub fn session_close(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    if let Some(token) = ctx.page_session() {
        auth::logout(&state.db, token, &ctx.caller.context)?;
    }
    Ok(Reply::empty().with_header("Set-Cookie", session::clear_cookie()))
}

/// Runs a login of `body`'s `username`, `password` and `otp`, throttled per username and
/// address: refused while the throttle says wait, failures counted.
fn throttled<T>(
    state: &State,
    ctx: &Ctx,
    body: &serde_json::Value,
    login: impl FnOnce(&str, &str, Option<&str>) -> Result<T, AuthError>,
) -> Result<T, ApiError> {
    let fields = string_fields(body, &["username", "password"], &["otp"])?;
    let (username, password, otp) =
        (fields[0].as_deref().unwrap_or(""), fields[1].as_deref().unwrap_or(""), fields[2].as_deref());
    let address = ctx.caller.context.ip.clone().unwrap_or_default();
    if let Some(wait) = state.throttle.wait(username, &address, Instant::now()) {
        return Err(AuthError::Throttled(wait.as_secs_f64().ceil() as u64).into());
    }
    match login(username, password, otp) {
        Ok(opened) => {
            state.throttle.succeeded(username);
            Ok(opened)
        }
        Err(refused @ (AuthError::InvalidCredentials | AuthError::WrongOtp)) => {
            state.throttle.failed(username, &address, Instant::now());
            Err(refused.into())
        }
        Err(other) => Err(other.into()),
    }
}

/// `auth/token/refresh/`: rotates a refresh token.
pub fn token_refresh(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let body = ctx.json()?;
    let fields = string_fields(&body, &["refresh"], &[])?;
    let session = auth::refresh(&state.db, state.tokens, fields[0].as_deref().unwrap_or(""), &ctx.caller.context)?;
    Ok(Reply::json(200, &serde_json::to_value(session).unwrap_or_default()))
}

/// `auth/logout/`: revokes the tokens of the caller's session (bearer or cookie).
pub fn logout(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let token = ctx.session_token().ok_or(EngineError::NotAuthenticated)?.to_string();
    auth::logout(&state.db, &token, &ctx.caller.context)?;
    let reply = Reply::empty();
    Ok(match ctx.page_session() {
        Some(_) => reply.with_header("Set-Cookie", session::clear_cookie()),
        None => reply,
    })
}

/// `auth/password/change/`.
pub fn password_change(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let token = ctx.session_token().ok_or(EngineError::NotAuthenticated)?.to_string();
    let body = ctx.json()?;
    let fields = string_fields(&body, &["old_password", "new_password"], &[])?;
    let (old, new) = (fields[0].as_deref().unwrap_or(""), fields[1].as_deref().unwrap_or(""));
    new_password_errors(auth::change_password(&state.db, &token, old, new, &ctx.caller.context))?;
    Ok(Reply::json(200, &json!({ "detail": "Password has been changed." })))
}

/// `auth/password/reset/`: the same answer whether or not the address is known.
pub fn password_reset(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let body = ctx.json()?;
    let fields = string_fields(&body, &["email"], &[])?;
    auth::request_reset(&state.db, fields[0].as_deref().unwrap_or(""), state.reset_ttl)?;
    Ok(Reply::json(200, &json!({ "detail": "Password reset e-mail has been sent." })))
}

/// `auth/password/reset/confirm/`.
pub fn password_reset_confirm(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let body = ctx.json()?;
    let fields = string_fields(&body, &["token", "new_password"], &[])?;
    let (token, new) = (fields[0].as_deref().unwrap_or(""), fields[1].as_deref().unwrap_or(""));
    new_password_errors(auth::confirm_reset(&state.db, token, new, &ctx.caller.context))?;
    Ok(Reply::json(200, &json!({ "detail": "Password has been reset with the new password." })))
}

/// A weak password is a field error on `new_password` for the endpoints that take one.
fn new_password_errors(outcome: Result<(), AuthError>) -> Result<(), ApiError> {
    match outcome {
        Err(AuthError::WeakPassword(message)) => {
            Err(EngineError::Validation(FieldErrors::single("new_password", message)).into())
        }
        other => Ok(other?),
    }
}

/// `auth/2fa/totp/setup/`.
pub fn totp_setup(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let user = ctx.principal()?;
    string_fields(&ctx.json()?, &[], &[])?;
    let setup = auth::setup_totp(&state.db, user)?;
    Ok(Reply::json(200, &serde_json::to_value(setup).unwrap_or_default()))
}

/// `auth/2fa/totp/verify/`: enables the second factor.
pub fn totp_verify(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let user = ctx.principal()?;
    let fields = string_fields(&ctx.json()?, &["code"], &[])?;
    let code = fields[0].as_deref().unwrap_or("");
    let recovery_codes = auth::enable_totp(&state.db, user, code, &ctx.caller.context)?;
    Ok(Reply::json(200, &json!({ "recovery_codes": recovery_codes })))
}

/// `auth/2fa/totp/disable/`.
pub fn totp_disable(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let user = ctx.principal()?;
    let fields = string_fields(&ctx.json()?, &["password"], &["code"])?;
    let password = fields[0].as_deref().unwrap_or("");
    auth::disable_totp(&state.db, user, password, fields[1].as_deref(), &ctx.caller.context)?;
    Ok(Reply::json(200, &json!({ "detail": "Two-factor authentication has been disabled." })))
}
