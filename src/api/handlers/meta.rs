//! Health and the documents built at start: OpenAPI, model definitions, permissions.

use serde_json::json;

use super::Reply;
use crate::api::State;
use crate::api::error::ApiError;
use crate::api::request::Ctx;

/// `health/`: liveness and version.
pub fn health(_: &State, _: &Ctx) -> Result<Reply, ApiError> {
    Ok(Reply::json(200, &json!({ "status": "ok", "version": crate::VERSION })))
}

/// `openapi.json`.
pub fn openapi(state: &State, _: &Ctx) -> Result<Reply, ApiError> {
    Ok(Reply::raw(200, state.openapi.clone()))
}

/// `meta/models/`.
pub fn models(state: &State, _: &Ctx) -> Result<Reply, ApiError> {
    Ok(Reply::raw(200, state.meta.clone()))
}

/// `meta/permissions/`.
pub fn permissions(state: &State, _: &Ctx) -> Result<Reply, ApiError> {
    Ok(Reply::raw(200, state.permissions.clone()))
}
