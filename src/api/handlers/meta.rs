//! Health and the documents built at start: OpenAPI, model definitions, permissions — the
//! first two completed per request with the custom field definitions the caller may read.

use serde_json::json;

use super::Reply;
use crate::api::State;
use crate::api::error::ApiError;
use crate::api::request::Ctx;
use crate::engine::custom::Definitions;
use crate::engine::{meta, openapi, scope};
use crate::modules::custom_fields::CUSTOM_FIELD;

/// `health/`: liveness and version.
pub fn health(_: &State, _: &Ctx) -> Result<Reply, ApiError> {
    Ok(Reply::json(200, &json!({ "status": "ok", "version": crate::VERSION })))
}

/// `openapi.json`.
pub fn openapi(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let definitions = readable_definitions(state, ctx)?;
    if definitions.is_empty() {
        return Ok(Reply::raw(200, state.openapi.1.clone()));
    }
    let mut document = state.openapi.0.clone();
    openapi::add_custom_fields(&mut document, state.registry, &definitions);
    Ok(Reply::json(200, &document))
}

/// `meta/models/`, with what the caller may do with each model (`can`).
pub fn models(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    let definitions = readable_definitions(state, ctx)?;
    let mut document = state.meta.clone();
    meta::add_custom_fields(&mut document, &definitions);
    let principal = ctx.caller.principal.as_ref();
    let mut failed = None;
    meta::add_abilities(&mut document, |name| {
        let model = state.registry.get(name);
        match model.map(|model| scope::abilities(&state.db, model, principal)) {
            Some(Ok(can)) => can,
            Some(Err(err)) => {
                failed.get_or_insert(err);
                [false; 4]
            }
            None => [false; 4],
        }
    });
    match failed {
        Some(err) => Err(err.into()),
        None => Ok(Reply::json(200, &document)),
    }
}

/// Every model's custom field definitions, read now, when the caller may read
/// `custom-fields/`; none otherwise.
fn readable_definitions(state: &State, ctx: &Ctx) -> Result<Definitions, ApiError> {
    let Some(model) = state.registry.get(CUSTOM_FIELD.name) else { return Ok(Definitions::default()) };
    if scope::check_read(&state.db, model, ctx.caller.principal.as_ref()).is_err() {
        return Ok(Definitions::default());
    }
    let models: Vec<&str> =
        state.registry.models().iter().filter(|m| m.def.custom_fields).map(|m| m.def.name).collect();
    Ok(state.db.read(|conn| Definitions::load(conn, &models))?)
}

/// `meta/permissions/`.
pub fn permissions(state: &State, _: &Ctx) -> Result<Reply, ApiError> {
    Ok(Reply::raw(200, state.permissions.clone()))
}
