//! Generic create / read / update / delete for every model, as the API calls them: the
//! model-level access check, the body judged outside the writer (`input`), then one write
//! transaction (`write`); reads filtered to what the caller may see (lists are `list`'s).

use rusqlite::params_from_iter;
use serde_json::Value;

use super::def::Scope;
use super::error::EngineError;
use super::input::{self, Mode};
use super::model::{Model, Registry};
use super::scope::{self, Verb};
use super::write::{self, Access};
use super::{Author, Caller, Record, custom, tree, value};
use crate::access::{self, Principal};
use crate::store::{Connection, Db, OptionalExtension, Row, SqlValue, StoreError};

/// The key of the row an item URL names: the URL's value itself, or — for a model looked up
/// by another field (`lookup`) — the key of the row with that value (404 when none).
pub fn key_of(db: &Db, model: &Model, value: &str) -> Result<String, EngineError> {
    let Some(lookup) = model.def.lookup else { return Ok(value.to_string()) };
    let sql = format!("SELECT \"{}\" FROM \"{}\" WHERE \"{lookup}\" = ?1", model.def.key, model.def.table);
    let key: Option<String> = db.read(|conn| {
        conn.prepare_cached(&sql)?.query_row([value], |r| r.get(0)).optional().map_err(StoreError::from)
    })?;
    key.ok_or(EngineError::NotFound)
}

/// Reads one object by its key.
pub fn retrieve(db: &Db, model: &'static Model, caller: &Caller, key: &str) -> Result<Record, EngineError> {
    scope::check_read(db, model, caller.principal.as_ref())?;
    db.read(|conn| fetch_visible(conn, model, caller.principal.as_ref(), key)?.ok_or(EngineError::NotFound))
}

/// Creates an object from a JSON body; answers the stored object.
pub fn create(
    db: &Db,
    registry: &'static Registry,
    model: &'static Model,
    caller: &Caller,
    body: &Value,
) -> Result<Record, EngineError> {
    scope::check_write(db, model, caller.principal.as_ref(), Verb::Add)?;
    let completed = with_sole_organization(db, model, caller.principal.as_ref(), body)?;
    let author = Author::of(caller);
    let definitions = custom_definitions(db, model)?;
    let row = input::prepare_create(model, &author, completed.as_ref().unwrap_or(body), &definitions)?;
    db.write(move |conn| {
        let access = Access::Caller(author.principal.as_ref());
        write::insert(conn, registry, model, &author, row, access)
    })
}

/// The custom field definitions of a model that has custom fields (none otherwise).
fn custom_definitions(db: &Db, model: &Model) -> Result<Vec<custom::Definition>, EngineError> {
    if !model.def.custom_fields {
        return Ok(Vec::new());
    }
    Ok(db.read(|conn| custom::definitions(conn, model.def.name))?)
}

/// An organization-scoped create may leave out `organization` when the caller belongs to
/// exactly one (API.md, Values): the body completed with it, or `None` to use it as sent.
fn with_sole_organization(
    db: &Db,
    model: &Model,
    principal: Option<&Principal>,
    body: &Value,
) -> Result<Option<Value>, EngineError> {
    let (Scope::Organization, Some(object), Some(principal)) = (model.def.scope, body.as_object(), principal) else {
        return Ok(None);
    };
    // A row taking its organization from another has none to complete.
    if object.contains_key("organization") || model.def.organization_from.is_some() {
        return Ok(None);
    }
    let principal = principal.clone();
    let sole = db.read(move |conn| Ok::<_, EngineError>(access::sole_organization(conn, &principal)?))?;
    Ok(sole.map(|org| {
        let mut object = object.clone();
        object.insert("organization".into(), Value::String(org));
        Value::Object(object)
    }))
}

/// Updates an object: `partial` for PATCH, else PUT (required fields must be present).
pub fn update(
    db: &Db,
    registry: &'static Registry,
    model: &'static Model,
    caller: &Caller,
    key: &str,
    body: &Value,
    partial: bool,
) -> Result<Record, EngineError> {
    scope::check_write(db, model, caller.principal.as_ref(), Verb::Change)?;
    let mode = if partial { Mode::Patch } else { Mode::Put };
    // Like DRF, an unknown object is 404 before its body is judged: only a body that fails
    // validation costs a look-up here (the write itself re-reads the row).
    let not_found_first = |invalid| match db.read(|conn| fetch_visible(conn, model, caller.principal.as_ref(), key)) {
        Ok(None) => EngineError::NotFound,
        _ => invalid,
    };
    let mut values = input::validate_input(model, body, mode).map_err(not_found_first)?;
    let definitions = custom_definitions(db, model)?;
    input::check_custom_fields(model, &definitions, &mut values, false).map_err(not_found_first)?;
    let author = Author::of(caller);
    let key = key.to_string();
    db.write(move |conn| {
        let existing = fetch_visible(conn, model, author.principal.as_ref(), &key)?.ok_or(EngineError::NotFound)?;
        let access = Access::Caller(author.principal.as_ref());
        write::apply_update(conn, registry, model, &author, existing, values, access)
    })
}

/// Deletes an object; `409 protected` while other rows reference it.
pub fn delete(db: &Db, model: &'static Model, caller: &Caller, key: &str) -> Result<(), EngineError> {
    scope::check_write(db, model, caller.principal.as_ref(), Verb::Delete)?;
    let key = key.to_string();
    let author = Author::of(caller);
    db.write(move |conn| {
        // Only scoped models and those with a check or guard need the row before it goes; a
        // plain global delete is one statement in the writer.
        let def = model.def;
        if def.scope != Scope::Global || def.check.is_some() || def.guard.is_some() || def.tree.is_some() {
            let principal = author.principal.as_ref();
            let existing = fetch_visible(conn, model, principal, &key)?.ok_or(EngineError::NotFound)?;
            scope::check_object(conn, model, principal, Some(&existing), None)?;
            for check in [def.guard, def.check].into_iter().flatten() {
                check(conn, &author, None, Some(&existing))?;
            }
            if let Some(tree) = &def.tree {
                let path = existing.get(tree::PATH.name).and_then(Value::as_str).unwrap_or_default();
                for below in tree::cascade_order(conn, model, tree, path)? {
                    write::delete_row(conn, model, &author, &below)?;
                }
            }
        }
        write::delete_row(conn, model, &author, &key)
    })
}

/// A record's key as text.
pub fn record_key(model: &Model, record: &Record) -> String {
    match record.get(model.def.key) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// Reads one row by key if the caller may see it.
pub fn fetch_visible(
    conn: &Connection,
    model: &Model,
    principal: Option<&Principal>,
    key: &str,
) -> Result<Option<Record>, EngineError> {
    let Some(visible) = scope::visible(model, principal)? else { return fetch(conn, model, key) };
    let sql = format!(
        "SELECT {} FROM \"{}\" WHERE \"{}\" = ? AND {}",
        model.select_list, model.def.table, model.def.key, visible.text
    );
    let mut params = vec![SqlValue::Text(key.to_string())];
    params.extend(visible.params);
    let row = conn.prepare_cached(&sql)?.query_row(params_from_iter(&params), |row| read_row(model, row)).optional();
    Ok(row.map_err(StoreError::from)?)
}

/// Reads one row by key on any connection.
pub fn fetch(conn: &Connection, model: &Model, key: &str) -> Result<Option<Record>, EngineError> {
    let sql = format!("SELECT {} FROM \"{}\" WHERE \"{}\" = ?", model.select_list, model.def.table, model.def.key);
    Ok(conn.prepare_cached(&sql)?.query_row([key], |row| read_row(model, row)).optional().map_err(StoreError::from)?)
}

/// Converts a row selected with `model.select_list` into API JSON.
pub fn read_row(model: &Model, row: &Row) -> rusqlite::Result<Record> {
    let mut record = Record::with_capacity(model.readable.len());
    for (i, field) in model.readable.iter().enumerate() {
        let raw: SqlValue = row.get(i)?;
        record.insert(field.name.to_string(), value::read(field, raw));
    }
    Ok(record)
}

/// Table and key column a foreign key to `target` points at.
pub fn target_table<'a>(registry: &'a Registry, target: &'a str) -> (&'a str, &'a str) {
    match registry.get(target) {
        Some(model) => (model.def.table, model.def.key),
        None => ("users", "id"),
    }
}
