//! Endpoint handlers: translate between HTTP and the engine / auth calls. No business rules.

use serde_json::{Value, json};

use super::State;
use super::error::ApiError;
use super::request::Ctx;
use super::router::Route;
use std::time::Instant;

use crate::access::{Credential, Principal};
use crate::auth::{self, AuthError};
use crate::engine::{
    ActionCall, ActionOutput, EngineError, Field, FieldErrors, Model, Restriction, Scope, crud, value,
};
use crate::modules::members;
use crate::store::SqlValue;

/// A successful answer.
pub struct Reply {
    pub status: u16,
    /// JSON text; `None` for an empty body (204).
    pub body: Option<Vec<u8>>,
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply { status, body: Some(serde_json::to_vec(value).unwrap_or_default()) }
    }

    pub fn raw(status: u16, body: Vec<u8>) -> Reply {
        Reply { status, body: Some(body) }
    }

    pub fn empty() -> Reply {
        Reply { status: 204, body: None }
    }
}

/// Runs the handler of `route` for `ctx`.
pub fn dispatch(state: &State, route: Route, ctx: &Ctx) -> Result<Reply, ApiError> {
    let method = ctx.method.clone();
    match (route, method.as_str()) {
        (Route::Health, _) => Ok(Reply::json(200, &json!({ "status": "ok", "version": crate::VERSION }))),
        (Route::OpenApi, _) => Ok(Reply::raw(200, state.openapi.clone())),
        (Route::MetaModels, _) => Ok(Reply::raw(200, state.meta.clone())),
        (Route::MetaPermissions, _) => Ok(Reply::raw(200, state.permissions.clone())),
        (Route::MyOrganizations, _) => my_organizations(state, ctx),
        (Route::MyInvitations, _) => {
            let received = members::received(&state.db, session(ctx)?)?;
            let page = json!({ "count": received.len(), "next": null, "previous": null, "results": received });
            Ok(Reply::json(200, &page))
        }
        (Route::RespondInvitation { accept }, _) => {
            session(ctx)?;
            string_fields(&ctx.json()?, &[], &[])?;
            let id = ctx.param("key").to_string();
            let answer = members::respond(&state.db, state.registry, &ctx.caller, &id, accept)?;
            Ok(Reply::json(200, &Value::Object(answer)))
        }
        (Route::Token, _) => token(state, ctx),
        (Route::TokenRefresh, _) => token_refresh(state, ctx),
        (Route::Logout, _) => logout(state, ctx),
        (Route::PasswordChange, _) => password_change(state, ctx),
        (Route::ApiKeys, "GET") => {
            let keys = auth::list_keys(&state.db, session(ctx)?)?;
            let page = json!({ "count": keys.len(), "next": null, "previous": null, "results": keys });
            Ok(Reply::json(200, &page))
        }
        (Route::ApiKeys, _) => create_api_key(state, ctx),
        (Route::ApiKey, "GET") => {
            let key = auth::get_key(&state.db, session(ctx)?, ctx.param("key"))?.ok_or(EngineError::NotFound)?;
            Ok(Reply::json(200, &serde_json::to_value(key).unwrap_or_default()))
        }
        (Route::ApiKey, _) => {
            let revoked = auth::revoke_key(&state.db, session(ctx)?, ctx.param("key"), &ctx.caller.context)?;
            if revoked { Ok(Reply::empty()) } else { Err(EngineError::NotFound.into()) }
        }
        (Route::TotpSetup, _) => totp_setup(state, ctx),
        (Route::TotpVerify, _) => totp_verify(state, ctx),
        (Route::TotpDisable, _) => totp_disable(state, ctx),
        (Route::PasswordReset, _) => {
            let body = ctx.json()?;
            let fields = string_fields(&body, &["email"], &[])?;
            auth::request_reset(&state.db, fields[0].as_deref().unwrap_or(""), state.reset_ttl)?;
            Ok(Reply::json(200, &json!({ "detail": "Password reset e-mail has been sent." })))
        }
        (Route::PasswordResetConfirm, _) => {
            let body = ctx.json()?;
            let fields = string_fields(&body, &["token", "new_password"], &[])?;
            let (token, new) = (fields[0].as_deref().unwrap_or(""), fields[1].as_deref().unwrap_or(""));
            new_password_errors(auth::confirm_reset(&state.db, token, new, &ctx.caller.context))?;
            Ok(Reply::json(200, &json!({ "detail": "Password has been reset with the new password." })))
        }
        (Route::List(model), "GET") => list(state, model, ctx),
        (Route::List(model), _) => {
            let body = ctx.json()?;
            let created = crud::create(&state.db, state.registry, model, &ctx.caller, &body)?;
            Ok(Reply::json(201, &Value::Object(created)))
        }
        (Route::Item(model), "GET") => {
            let key = item_key(model, ctx)?;
            Ok(Reply::json(200, &Value::Object(crud::retrieve(&state.db, model, &ctx.caller, &key)?)))
        }
        (Route::Item(model), "DELETE") => {
            crud::delete(&state.db, model, &ctx.caller, &item_key(model, ctx)?)?;
            Ok(Reply::empty())
        }
        (Route::Item(model), method) => {
            let key = item_key(model, ctx)?;
            let body = ctx.json()?;
            let updated = crud::update(&state.db, state.registry, model, &ctx.caller, &key, &body, method == "PATCH")?;
            Ok(Reply::json(200, &Value::Object(updated)))
        }
        (Route::Action(model, action), _) => {
            let body = if action.method == "POST" { Some(ctx.json()?) } else { None };
            let key = (action.detail).then(|| ctx.param("key").to_string());
            let call = ActionCall {
                db: &state.db,
                registry: state.registry,
                model,
                caller: &ctx.caller,
                key: key.as_deref(),
                query: &ctx.query,
                body: body.as_ref(),
            };
            crate::engine::scope::check_read(model, ctx.caller.principal.as_ref())?;
            match (action.handler)(&call)? {
                ActionOutput::Json(value) => Ok(Reply::json(200, &value)),
                ActionOutput::Created(value) => Ok(Reply::json(201, &value)),
                ActionOutput::Page(page) => Ok(page_reply(ctx, &page)),
            }
        }
    }
}

/// The object key of an item route; `me` names the caller's own row of an owner-scoped model
/// (`profiles/me/`).
fn item_key(model: &Model, ctx: &Ctx) -> Result<String, ApiError> {
    let key = ctx.param("key");
    match model.def.scope {
        Scope::Owner(_) if key == "me" => Ok(principal(ctx)?.user_id.clone()),
        _ => Ok(key.to_string()),
    }
}

/// `users/me/organizations/`: the organizations where the caller is an active member.
fn my_organizations(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let user = principal(ctx)?.user_id.clone();
    let model = state.registry.get("organization").ok_or(EngineError::NotFound)?;
    let restriction = Restriction::MemberOf(&user);
    let page = crud::list_matching(&state.db, state.registry, model, &ctx.caller, &ctx.query, Some(restriction))?;
    Ok(page_reply(ctx, &page))
}

/// The head of a list answer in DRF's pagination shape; `results` is appended as text.
#[derive(serde::Serialize)]
struct PageHead {
    count: usize,
    next: Option<String>,
    previous: Option<String>,
}

fn list(state: &State, model: &'static Model, ctx: &Ctx) -> Result<Reply, ApiError> {
    let page = crud::list(&state.db, state.registry, model, &ctx.caller, &ctx.query)?;
    Ok(page_reply(ctx, &page))
}

/// A page in DRF's list shape.
fn page_reply(ctx: &Ctx, page: &crud::Page) -> Reply {
    let head = PageHead {
        count: page.count,
        next: page.has_next().then(|| page_url(ctx, page.page + 1)),
        previous: (page.page > 1).then(|| page_url(ctx, page.page - 1)),
    };
    let mut body = serde_json::to_vec(&head).unwrap_or_default();
    body.pop();
    body.extend_from_slice(b",\"results\":");
    body.extend_from_slice(page.results.as_bytes());
    body.push(b'}');
    Reply::raw(200, body)
}

/// The absolute URL of another page of the same list (other parameters kept).
fn page_url(ctx: &Ctx, page: usize) -> String {
    let host = ctx.header("Host").unwrap_or("localhost");
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in ctx.query.iter().filter(|(k, _)| k != "page") {
        query.append_pair(k, v);
    }
    if page > 1 {
        query.append_pair("page", &page.to_string());
    }
    let query = query.finish();
    let separator = if query.is_empty() { "" } else { "?" };
    format!("http://{host}{}{separator}{query}", ctx.path)
}

/// Reads a JSON object body with exactly the named string fields (`optional` may be absent).
fn string_fields(body: &Value, required: &[&str], optional: &[&str]) -> Result<Vec<Option<String>>, ApiError> {
    let Some(object) = body.as_object() else {
        let errors = FieldErrors::single("non_field_errors", "Invalid data. Expected a dictionary.");
        return Err(EngineError::Validation(errors).into());
    };
    let mut errors = FieldErrors::new();
    for key in object.keys().filter(|k| !required.contains(&k.as_str()) && !optional.contains(&k.as_str())) {
        errors.add(key, "Unknown field.");
    }
    let mut values = Vec::new();
    for name in required.iter().chain(optional) {
        match object.get(*name) {
            Some(Value::String(s)) if !s.is_empty() => values.push(Some(s.clone())),
            None if optional.contains(name) => values.push(None),
            None => errors.add(name, "This field is required."),
            Some(Value::String(_)) => errors.add(name, "This field may not be blank."),
            Some(_) => errors.add(name, "Not a valid string."),
        }
    }
    errors.into_result()?;
    Ok(values)
}

fn token(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let body = ctx.json()?;
    let fields = string_fields(&body, &["username", "password"], &["otp"])?;
    let (username, password, otp) =
        (fields[0].as_deref().unwrap_or(""), fields[1].as_deref().unwrap_or(""), fields[2].as_deref());
    let address = ctx.caller.context.ip.clone().unwrap_or_default();
    if let Some(wait) = state.throttle.wait(username, &address, Instant::now()) {
        return Err(AuthError::Throttled(wait.as_secs_f64().ceil() as u64).into());
    }
    match auth::login(&state.db, state.tokens, username, password, otp, &ctx.caller.context) {
        Ok(session) => {
            state.throttle.succeeded(username);
            Ok(Reply::json(200, &serde_json::to_value(session).unwrap_or_default()))
        }
        Err(refused @ (AuthError::InvalidCredentials | AuthError::WrongOtp)) => {
            state.throttle.failed(username, &address, Instant::now());
            Err(refused.into())
        }
        Err(other) => Err(other.into()),
    }
}

fn token_refresh(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let body = ctx.json()?;
    let fields = string_fields(&body, &["refresh"], &[])?;
    let session = auth::refresh(&state.db, state.tokens, fields[0].as_deref().unwrap_or(""), &ctx.caller.context)?;
    Ok(Reply::json(200, &serde_json::to_value(session).unwrap_or_default()))
}

fn password_change(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    session(ctx)?;
    let token = ctx.bearer().ok_or(EngineError::NotAuthenticated)?.to_string();
    let body = ctx.json()?;
    let fields = string_fields(&body, &["old_password", "new_password"], &[])?;
    let (old, new) = (fields[0].as_deref().unwrap_or(""), fields[1].as_deref().unwrap_or(""));
    new_password_errors(auth::change_password(&state.db, &token, old, new, &ctx.caller.context))?;
    Ok(Reply::json(200, &json!({ "detail": "Password has been changed." })))
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

/// The authenticated caller, or 401.
fn principal<'a>(ctx: &'a Ctx) -> Result<&'a Principal, ApiError> {
    Ok(ctx.caller.principal.as_ref().ok_or(EngineError::NotAuthenticated)?)
}

/// The caller when signed in with their password: managing the account (second factor,
/// password, API keys, joining organizations) is refused to API keys, which are for data.
fn session<'a>(ctx: &'a Ctx) -> Result<&'a Principal, ApiError> {
    let caller = principal(ctx)?;
    match caller.credential {
        Credential::Session => Ok(caller),
        Credential::ApiKey => Err(AuthError::SessionRequired.into()),
    }
}

fn create_api_key(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
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
    let created = auth::create_key(&state.db, session(ctx)?, new, &ctx.caller.context)?;
    Ok(Reply::json(201, &serde_json::to_value(created).unwrap_or_default()))
}

fn logout(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let token = ctx.bearer().ok_or(EngineError::NotAuthenticated)?.to_string();
    auth::logout(&state.db, &token, &ctx.caller.context)?;
    Ok(Reply::empty())
}

fn totp_setup(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let user = session(ctx)?.clone();
    string_fields(&ctx.json()?, &[], &[])?;
    let setup = auth::setup_totp(&state.db, &user)?;
    Ok(Reply::json(200, &serde_json::to_value(setup).unwrap_or_default()))
}

fn totp_verify(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let user = session(ctx)?.clone();
    let fields = string_fields(&ctx.json()?, &["code"], &[])?;
    let code = fields[0].as_deref().unwrap_or("");
    let recovery_codes = auth::enable_totp(&state.db, &user, code, &ctx.caller.context)?;
    Ok(Reply::json(200, &json!({ "recovery_codes": recovery_codes })))
}

fn totp_disable(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let user = session(ctx)?.clone();
    let fields = string_fields(&ctx.json()?, &["password"], &["code"])?;
    let password = fields[0].as_deref().unwrap_or("");
    auth::disable_totp(&state.db, &user, password, fields[1].as_deref(), &ctx.caller.context)?;
    Ok(Reply::json(200, &json!({ "detail": "Two-factor authentication has been disabled." })))
}
