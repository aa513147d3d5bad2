//! Request bodies judged against the definition before the write, outside the writer: an
//! object of known fields, each value valid for its field, required ones present, defaults
//! and generated keys filled, custom fields checked, slugs made, the model's validator run.

use serde_json::Value;

use super::def::{Field, Kind};
use super::error::{EngineError, FieldErrors};
use super::model::{Model, TRACKING};
use super::{Author, Record, custom, value, write};
use crate::audit;
use crate::store::SqlValue;

/// A row validated for insertion, prepared outside the writer.
pub struct NewRow {
    /// Column values to insert: the body's, defaults, and a generated key.
    pub(super) values: Vec<(Field, SqlValue)>,
    /// The record as it will be stored (without tracking columns and lookups).
    pub(super) proposed: Record,
    /// The audit entry, when the stored row is known before the write.
    pub(super) audit: Option<audit::Prepared>,
    /// The slug was made from a name: the writer makes it unique.
    pub(super) slug_made: bool,
}

/// Validates a create body outside the writer: column values with defaults (read-only
/// columns get theirs too, and a generated key its value), the model's validator, and — when
/// that settles the whole row — its audit entry, so the writer only inserts.
pub fn prepare_create(
    model: &Model,
    author: &Author,
    body: &Value,
    definitions: &[custom::Definition],
) -> Result<NewRow, EngineError> {
    let mut values = validate_input(model, body, Mode::Create)?;
    if let Some(key) = model.column(model.def.key).filter(|_| model.generated_key()) {
        values.push((*key, SqlValue::Text(crate::store::new_id())));
    }
    let tracking = |f: &Field| model.def.tracking && TRACKING.iter().any(|t| t.name == f.name);
    for field in model.stored().filter(|f| !tracking(f)) {
        if values.iter().any(|(f, _)| f.name == field.name) {
            continue;
        }
        let value = match (field.default, field.nullable, field.blank) {
            (Some(default), ..) => value::to_sql(field, &default.to_json())
                .map_err(|m| EngineError::Validation(FieldErrors::single(field.name, m)))?,
            (None, true, _) => SqlValue::Null,
            (None, false, true) => SqlValue::Text(String::new()),
            // Required and absent: refused above, or read-only and filled by the database.
            (None, false, false) => continue,
        };
        values.push((*field, value));
    }
    check_custom_fields(model, definitions, &mut values, true)?;
    let slug_made = make_slug(model, &mut values)?;
    let proposed = merged(&values, None);
    run_validator(model, &proposed)?;
    let audit = write::created_entry(model, author, &proposed).filter(|_| !slug_made);
    Ok(NewRow { values, proposed, audit, slug_made })
}

/// Checks (and on create completes) the `custom_fields` value against the definitions.
pub(super) fn check_custom_fields(
    model: &Model,
    definitions: &[custom::Definition],
    values: &mut Vec<(Field, SqlValue)>,
    creating: bool,
) -> Result<(), EngineError> {
    let Some(field) = model.column("custom_fields").copied().filter(|_| model.def.custom_fields) else { return Ok(()) };
    let given = values.iter().find(|(f, _)| f.name == field.name).and_then(|(_, v)| match v {
        SqlValue::Text(text) => serde_json::from_str::<serde_json::Map<String, Value>>(text).ok(),
        _ => None,
    });
    if let Some(checked) =
        custom::check_values(definitions, given.as_ref(), creating).map_err(EngineError::Validation)?
    {
        write::set(values, field, SqlValue::Text(Value::Object(checked).to_string()));
    }
    Ok(())
}

/// Fills a blank slug from its source field (`ModelDef::slug_from`); answers whether it did.
fn make_slug(model: &Model, values: &mut [(Field, SqlValue)]) -> Result<bool, EngineError> {
    let Some((slug_field, source)) = model.def.slug_from else { return Ok(false) };
    let text = |name: &str, values: &[(Field, SqlValue)]| match values.iter().find(|(f, _)| f.name == name) {
        Some((_, SqlValue::Text(t))) => t.clone(),
        _ => String::new(),
    };
    if !text(slug_field, values).is_empty() {
        return Ok(false);
    }
    let made = super::slug::slugify(&text(source, values));
    if made.is_empty() {
        let message = format!("The {source} gives no slug: enter one.");
        return Err(EngineError::Validation(FieldErrors::single(slug_field, message)));
    }
    if let Some((_, value)) = values.iter_mut().find(|(f, _)| f.name == slug_field) {
        *value = SqlValue::Text(made);
    }
    Ok(true)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Create,
    Put,
    Patch,
}

/// Validates a request body: an object, no unknown fields, read-only fields ignored, each
/// value valid for its field, required fields present (create and PUT).
pub(super) fn validate_input(model: &Model, body: &Value, mode: Mode) -> Result<Vec<(Field, SqlValue)>, EngineError> {
    let Some(object) = body.as_object() else {
        let got = value::python_type(body);
        return FieldErrors::single("non_field_errors", format!("Invalid data. Expected a dictionary, but got {got}."))
            .into_result()
            .map(|()| Vec::new());
    };
    let mut errors = FieldErrors::new();
    let mut values = Vec::with_capacity(object.len());
    for (name, raw) in object {
        match model.column(name) {
            None => errors.add(name, "Unknown field."),
            Some(field) if field.read_only => {}
            Some(field) => match value::to_sql(field, raw) {
                Ok(v) => values.push((*field, v)),
                Err(message) => errors.add(name, message),
            },
        }
    }
    if mode == Mode::Put {
        // Replacing the object replaces its child lists: one left out becomes empty.
        let absent = |f: &&Field| matches!(f.kind, Kind::Children { .. }) && !object.contains_key(f.name);
        for field in model.writable().filter(absent) {
            values.push((*field, SqlValue::Text("[]".into())));
        }
    }
    if mode != Mode::Patch {
        // A password is set on create; replacing an object (PUT) keeps it unless given.
        let needed = |f: &&Field| f.required() && !(mode == Mode::Put && f.write_only());
        for field in model.writable().filter(needed).filter(|f| !object.contains_key(f.name)) {
            errors.add(field.name, "This field is required.");
        }
    }
    errors.into_result().map(|()| values)
}

/// The record as it would be stored: `existing` with `values` applied.
pub(super) fn merged(values: &[(Field, SqlValue)], existing: Option<&Record>) -> Record {
    let mut merged = existing.cloned().unwrap_or_default();
    for (field, v) in values {
        merged.insert(field.name.to_string(), value::to_json(field.kind, v.clone()));
    }
    merged
}

/// Runs the model's cross-field validator over the record as it would be stored.
pub(super) fn run_validator(model: &Model, proposed: &Record) -> Result<(), EngineError> {
    let Some(validate) = model.def.validate else { return Ok(()) };
    validate(proposed).map_err(EngineError::Validation)
}
