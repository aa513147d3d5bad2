//! `tax/calculate/`: the body to the tax module, its answer back.

use super::Reply;
use crate::api::State;
use crate::api::error::ApiError;
use crate::api::request::Ctx;
use crate::modules::tax;

/// `POST tax/calculate/`.
pub fn calculate(state: &State, ctx: &Ctx) -> Result<Reply, ApiError> {
    Ok(Reply::json(200, &tax::calculate_taxes(&state.db, &ctx.json()?)?))
}
