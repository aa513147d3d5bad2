//! Custom fields: the definitions of `custom-fields/` (module `custom_fields`) say, per model,
//! which keys its records' `custom_fields` object may hold. Every write checks values against
//! them (a wrong type, an unknown choice, a missing required key or a key with no definition
//! answers 400 under `custom_fields.<key>`), and filters and ordering compare
//! `custom_fields.<key>` by its type.

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::Record;
use super::error::FieldErrors;
use crate::store::{Connection, StoreError};

/// A custom field's value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Text,
    Number,
    Decimal,
    Date,
    Boolean,
    Choice,
}

impl Type {
    fn parse(name: &str) -> Type {
        match name {
            "number" => Type::Number,
            "decimal" => Type::Decimal,
            "date" => Type::Date,
            "boolean" => Type::Boolean,
            "choice" => Type::Choice,
            _ => Type::Text,
        }
    }
}

/// One definition, as values are checked against it.
#[derive(Clone, Debug)]
pub struct Definition {
    pub key: String,
    pub kind: Type,
    pub required: bool,
    pub choices: Vec<String>,
    pub default: Option<Value>,
}

impl Definition {
    /// The definition a `custom-fields/` record describes.
    pub fn from_record(record: &Record) -> Definition {
        let text = |name: &str| record.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
        let choices = record.get("choices").and_then(Value::as_array).cloned().unwrap_or_default();
        Definition {
            key: text("key"),
            kind: Type::parse(&text("type")),
            required: record.get("required").and_then(Value::as_bool).unwrap_or(false),
            choices: choices.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            default: record.get("default").filter(|d| !d.is_null()).cloned(),
        }
    }

    /// Checks one value: text = string, number = JSON number, decimal = string, date =
    /// `YYYY-MM-DD`, boolean, choice = one of the choices.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let ok = match (self.kind, value) {
            (_, Value::Null) => !self.required,
            (Type::Text, Value::String(_)) | (Type::Number, Value::Number(_)) | (Type::Boolean, Value::Bool(_)) => true,
            (Type::Decimal, Value::String(s)) => s.parse::<Decimal>().is_ok(),
            (Type::Date, Value::String(s)) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
            (Type::Choice, Value::String(s)) => {
                return if self.choices.contains(s) { Ok(()) } else { Err(format!("\"{s}\" is not a valid choice.")) };
            }
            _ => false,
        };
        if ok {
            return Ok(());
        }
        Err(match (self.kind, value) {
            (_, Value::Null) => "This field may not be null.".into(),
            (Type::Text, _) => "Enter a string.".into(),
            (Type::Number, _) => "Enter a number.".into(),
            (Type::Decimal, _) => "Enter a decimal number as a string, e.g. \"12.50\".".into(),
            (Type::Date, _) => "Enter a date as YYYY-MM-DD.".into(),
            (Type::Boolean, _) => "Enter true or false.".into(),
            (Type::Choice, _) => "Enter one of the choices as a string.".into(),
        })
    }
}

/// The definitions of `model`'s custom fields.
pub fn definitions(conn: &Connection, model: &str) -> Result<Vec<Definition>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT \"key\", \"type\", \"required\", \"choices\", \"default\" FROM custom_fields \
         WHERE \"model\" = ?1 ORDER BY \"order\", \"key\"",
    )?;
    let rows = stmt.query_map([model], |r| {
        let choices: String = r.get(3)?;
        let default: Option<String> = r.get(4)?;
        Ok(Definition {
            key: r.get(0)?,
            kind: Type::parse(&r.get::<_, String>(1)?),
            required: r.get(2)?,
            choices: serde_json::from_str(&choices).unwrap_or_default(),
            default: default.and_then(|d| serde_json::from_str(&d).ok()).filter(|d: &Value| !d.is_null()),
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Checks a record's `custom_fields` object against `definitions`; on create, fills
/// defaults and requires the required keys even when the object was left out. Answers the
/// object to store.
pub fn check_values(
    definitions: &[Definition],
    values: Option<&Map<String, Value>>,
    creating: bool,
) -> Result<Option<Map<String, Value>>, FieldErrors> {
    if values.is_none() && !creating {
        return Ok(None);
    }
    let mut object = values.cloned().unwrap_or_default();
    let mut errors = FieldErrors::new();
    for key in object.keys().filter(|k| !definitions.iter().any(|d| d.key == **k)) {
        errors.add_nested("custom_fields", key, "No custom field with this key is defined.");
    }
    for definition in definitions {
        match object.get(&definition.key) {
            Some(value) => {
                if let Err(message) = definition.check(value) {
                    errors.add_nested("custom_fields", &definition.key, message);
                }
            }
            None => match (&definition.default, creating) {
                (Some(default), true) => {
                    object.insert(definition.key.clone(), default.clone());
                }
                _ if definition.required => {
                    errors.add_nested("custom_fields", &definition.key, "This field is required.")
                }
                _ => {}
            },
        }
    }
    if errors.is_empty() { Ok(Some(object)) } else { Err(errors) }
}
