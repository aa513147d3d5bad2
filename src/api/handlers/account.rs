//! The caller's own account: their organizations and invitations, and their API keys.

use serde_json::{Value, json};

use super::{Reply, page_reply, string_fields};
use crate::api::State;
use crate::api::error::ApiError;
use crate::api::request::Ctx;
use crate::auth;
use crate::engine::{EngineError, Field, FieldErrors, value};
use crate::modules::{members, organizations};
use crate::store::SqlValue;

/// `users/me/organizations/`: the organizations where the caller is an active member.
pub fn my_organizations(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let page = organizations::of_caller(&state.db, state.registry, &ctx.caller, &ctx.query)?;
    Ok(page_reply(ctx, &page))
}

/// `users/me/invitations/`: open invitations addressed to the caller.
pub fn my_invitations(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let received = members::received(&state.db, ctx.principal()?)?;
    Ok(Reply::json(200, &json!({ "count": received.len(), "next": null, "previous": null, "results": received })))
}

/// `users/me/invitations/{key}/accept/`.
pub fn accept_invitation(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    respond(state, ctx, true)
}

/// `users/me/invitations/{key}/decline/`.
pub fn decline_invitation(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    respond(state, ctx, false)
}

fn respond(state: &State, ctx: &Ctx, accept: bool) -> Result<Reply, ApiError> {
    string_fields(&ctx.json()?, &[], &[])?;
    let answer = members::respond(&state.db, state.registry, &ctx.caller, ctx.param("key"), accept)?;
    Ok(Reply::json(200, &Value::Object(answer)))
}

/// `auth/api-keys/` GET: the caller's keys, never their secrets.
pub fn api_keys(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let keys = auth::list_keys(&state.db, ctx.principal()?)?;
    Ok(Reply::json(200, &json!({ "count": keys.len(), "next": null, "previous": null, "results": keys })))
}

/// `auth/api-keys/` POST: a new key, its secret answered once.
pub fn create_api_key(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let body = ctx.json()?;
    let fields = string_fields(&body, &["name"], &["expires_at", "organization"])?;
    let name = fields[0].clone().unwrap_or_default();
    let mut errors = FieldErrors::new();
    if name.chars().count() > 100 {
        errors.add("name", "Ensure this field has no more than 100 characters.");
    }
    let expires_at = match &fields[1] {
        None => None,
        Some(raw) => match value::to_sql(&Field::datetime("expires_at"), &Value::from(raw.as_str())) {
            Ok(SqlValue::Text(at)) if at > crate::store::now() => Some(at),
            Ok(_) => {
                errors.add("expires_at", "Must be in the future.");
                None
            }
            Err(message) => {
                errors.add("expires_at", message);
                None
            }
        },
    };
    errors.into_result()?;
    let new = auth::NewKey { name, expires_at, organization: fields[2].clone() };
    let created = auth::create_key(&state.db, ctx.principal()?, new, &ctx.caller.context)?;
    Ok(Reply::json(201, &serde_json::to_value(created).unwrap_or_default()))
}

/// `auth/api-keys/{key}/` GET.
pub fn api_key(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let key = auth::get_key(&state.db, ctx.principal()?, ctx.param("key"))?.ok_or(EngineError::NotFound)?;
    Ok(Reply::json(200, &serde_json::to_value(key).unwrap_or_default()))
}

/// `auth/api-keys/{key}/` DELETE: revokes the key.
pub fn revoke_api_key(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let revoked = auth::revoke_key(&state.db, ctx.principal()?, ctx.param("key"), &ctx.caller.context)?;
    if revoked { Ok(Reply::empty()) } else { Err(EngineError::NotFound.into()) }
}
