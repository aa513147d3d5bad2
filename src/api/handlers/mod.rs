//! Handlers: translate between HTTP and the engine / auth calls, no business rules. This file
//! answers the model routes (list, item, actions); the fixed endpoints' handlers live by area
//! in the submodules, named by the table in `endpoints.rs`.

pub mod account;
pub mod auth;
pub mod meta;
pub mod tax;

use serde_json::Value;

use super::State;
use super::error::ApiError;
use super::request::Ctx;
use super::router::ModelRoute;
use crate::engine::{ActionCall, ActionOutput, EngineError, FieldErrors, Method, Model, Scope, crud, list};

/// A successful answer.
pub struct Reply {
    pub status: u16,
    /// The body (JSON unless `content_type` says otherwise); `None` for an empty body.
    pub body: Option<Vec<u8>>,
    pub content_type: &'static str,
    /// Headers besides `Content-Type` (`Set-Cookie`, `ETag` …).
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply::raw(status, serde_json::to_vec(value).unwrap_or_default())
    }

    /// JSON text as bytes.
    pub fn raw(status: u16, body: Vec<u8>) -> Reply {
        Reply { status, body: Some(body), content_type: super::JSON_TYPE, headers: Vec::new() }
    }

    pub fn empty() -> Reply {
        Reply { status: 204, body: None, content_type: super::JSON_TYPE, headers: Vec::new() }
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }
}

/// Runs the model route `route` for `ctx` (the router has checked the method).
pub fn dispatch(state: &State, route: ModelRoute, ctx: &Ctx) -> Result<Reply, ApiError> {
    match (route, ctx.method) {
        (ModelRoute::List(model), Method::Get) => {
            let page = list::all(&state.db, state.registry, model, &ctx.caller, &ctx.query)?;
            Ok(page_reply(ctx, &page))
        }
        (ModelRoute::List(model), _) => {
            let body = ctx.json()?;
            let created = crud::create(&state.db, state.registry, model, &ctx.caller, &body)?;
            Ok(Reply::json(201, &Value::Object(created)))
        }
        (ModelRoute::Item(model), Method::Get) => {
            let key = item_key(state, model, ctx)?;
            Ok(Reply::json(200, &Value::Object(crud::retrieve(&state.db, model, &ctx.caller, &key)?)))
        }
        (ModelRoute::Item(model), Method::Delete) => {
            crud::delete(&state.db, model, &ctx.caller, &item_key(state, model, ctx)?)?;
            Ok(Reply::empty())
        }
        (ModelRoute::Item(model), method) => {
            let key = item_key(state, model, ctx)?;
            let body = ctx.json()?;
            let partial = method == Method::Patch;
            let updated = crud::update(&state.db, state.registry, model, &ctx.caller, &key, &body, partial)?;
            Ok(Reply::json(200, &Value::Object(updated)))
        }
        (ModelRoute::Action(model, action), _) => {
            let body = if action.method == Method::Post { Some(ctx.json()?) } else { None };
            let key = if action.detail { Some(item_key(state, model, ctx)?) } else { None };
            // A collection action's first parameter may come as the last path segment
            // (`categories/tree/PRODUCT/`).
            let mut query = ctx.query.clone();
            if let (Some(name), arg) = (action.params.first(), ctx.param("arg"))
                && !arg.is_empty()
            {
                query.push((name.to_string(), arg.to_string()));
            }
            let call = ActionCall {
                db: &state.db,
                registry: state.registry,
                model,
                caller: &ctx.caller,
                key: key.as_deref(),
                query: &query,
                body: body.as_ref(),
            };
            match crate::engine::run_action(action, &call)? {
                ActionOutput::Json(value) => Ok(Reply::json(200, &value)),
                ActionOutput::Created(value) => Ok(Reply::json(201, &value)),
                ActionOutput::Page(page) => Ok(page_reply(ctx, &page)),
            }
        }
    }
}

/// The object key of an item route; `me` names the caller's own row of an owner-scoped model
/// (`profiles/me/`), and a model looked up by another field is resolved to its key.
fn item_key(state: &State, model: &Model, ctx: &Ctx) -> Result<String, ApiError> {
    let key = ctx.param("key");
    match model.def.scope {
        Scope::Owner(_) if key == "me" => Ok(ctx.principal()?.user_id.clone()),
        _ => Ok(crud::key_of(&state.db, model, key)?),
    }
}

/// The head of a list answer in DRF's pagination shape; `results` is appended as text.
#[derive(serde::Serialize)]
struct PageHead {
    count: usize,
    next: Option<String>,
    previous: Option<String>,
}

/// A page in DRF's list shape.
pub fn page_reply(ctx: &Ctx, page: &list::Page) -> Reply {
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
pub fn string_fields(body: &Value, required: &[&str], optional: &[&str]) -> Result<Vec<Option<String>>, ApiError> {
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
