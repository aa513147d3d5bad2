//! Custom fields: the definitions of `custom-fields/` (module `custom_fields`) say, per model,
//! which keys its records' `custom_fields` object may hold. Every write checks values against
//! them (a wrong type, an unknown choice, a missing required key or a key with no definition
//! answers 400 under `custom_fields.<key>`), and filters and ordering compare
//! `custom_fields.<key>` by its type.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::Record;
use super::error::FieldErrors;
use crate::store::{Connection, StoreError, decimal_key};

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

    /// The name a definition gives the type.
    pub fn name(self) -> &'static str {
        match self {
            Type::Text => "text",
            Type::Number => "number",
            Type::Decimal => "decimal",
            Type::Date => "date",
            Type::Boolean => "boolean",
            Type::Choice => "choice",
        }
    }
}

/// Whether `key` may name a custom field: 1 to 64 ASCII letters, digits and `_` — which
/// also makes it safe inside the JSON path of SQL text (`'$.key'`).
pub fn valid_key(key: &str) -> bool {
    (1..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Whether `text` is a date written `YYYY-MM-DD` exactly (four-digit year, two-digit month
/// and day), so that dates compare as text in calendar order.
pub fn is_date(text: &str) -> bool {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    shaped && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

/// One definition: what values are checked against, and what forms show.
#[derive(Clone, Debug)]
pub struct Definition {
    /// The model whose records carry the key (its name, the permission prefix).
    pub model: String,
    pub key: String,
    pub label: String,
    pub kind: Type,
    pub required: bool,
    pub choices: Vec<String>,
    pub default: Option<Value>,
    pub help_text: String,
    /// Position in forms.
    pub order: i64,
}

impl Definition {
    /// The definition a `custom-fields/` record describes.
    pub fn from_record(record: &Record) -> Definition {
        let text = |name: &str| record.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
        let choices = record.get("choices").and_then(Value::as_array).cloned().unwrap_or_default();
        Definition {
            model: text("model"),
            key: text("key"),
            label: text("label"),
            kind: Type::parse(&text("type")),
            required: record.get("required").and_then(Value::as_bool).unwrap_or(false),
            choices: choices.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            default: record.get("default").filter(|d| !d.is_null()).cloned(),
            help_text: text("help_text"),
            order: record.get("order").and_then(Value::as_i64).unwrap_or(0),
        }
    }

    /// Checks one value: text = string, number = JSON number, decimal = string, date =
    /// `YYYY-MM-DD`, boolean, choice = one of the choices.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let ok = match (self.kind, value) {
            (_, Value::Null) => !self.required,
            (Type::Text, Value::String(_)) | (Type::Number, Value::Number(_)) | (Type::Boolean, Value::Bool(_)) => true,
            (Type::Decimal, Value::String(s)) => decimal_key(s).is_some(),
            (Type::Date, Value::String(s)) => is_date(s),
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

/// The definitions of `model`'s custom fields, in form order.
pub fn definitions(conn: &Connection, model: &str) -> Result<Vec<Definition>, StoreError> {
    Ok(Definitions::load(conn, &[model])?.by_model.remove(model).unwrap_or_default())
}

/// The definitions of some models, each model's in form order (`order`, then key): what a
/// list request's filters and ordering read once, and what in-memory users of filters
/// (automation conditions) hold alike.
#[derive(Clone, Debug, Default)]
pub struct Definitions {
    by_model: HashMap<String, Vec<Definition>>,
}

impl Definitions {
    /// Reads the definitions of `models` in one query.
    pub fn load(conn: &Connection, models: &[&str]) -> Result<Definitions, StoreError> {
        if models.is_empty() {
            return Ok(Definitions::default());
        }
        let mut stmt = conn.prepare_cached(
            "SELECT \"model\", \"key\", \"label\", \"type\", \"required\", \"choices\", \"default\", \
             \"help_text\", \"order\" FROM custom_fields WHERE \"model\" IN (SELECT value FROM json_each(?1)) \
             ORDER BY \"model\", \"order\", \"key\"",
        )?;
        let rows = stmt.query_map([Value::from(models).to_string()], |r| {
            let choices: String = r.get(5)?;
            let default: Option<String> = r.get(6)?;
            Ok(Definition {
                model: r.get(0)?,
                key: r.get(1)?,
                label: r.get(2)?,
                kind: Type::parse(&r.get::<_, String>(3)?),
                required: r.get(4)?,
                choices: serde_json::from_str(&choices).unwrap_or_default(),
                default: default.and_then(|d| serde_json::from_str(&d).ok()).filter(|d: &Value| !d.is_null()),
                help_text: r.get(7)?,
                order: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<Definitions, _>>()?)
    }

    /// The definitions of `model`, in form order.
    pub fn of(&self, model: &str) -> &[Definition] {
        self.by_model.get(model).map_or(&[], Vec::as_slice)
    }

    /// The definition of `model`'s key `key`.
    pub fn get(&self, model: &str, key: &str) -> Option<&Definition> {
        self.of(model).iter().find(|d| d.key == key)
    }

    pub fn is_empty(&self) -> bool {
        self.by_model.is_empty()
    }
}

/// Definitions grouped by their model, in the order given.
impl FromIterator<Definition> for Definitions {
    fn from_iter<I: IntoIterator<Item = Definition>>(definitions: I) -> Definitions {
        let mut by_model: HashMap<String, Vec<Definition>> = HashMap::new();
        for definition in definitions {
            by_model.entry(definition.model.clone()).or_default().push(definition);
        }
        Definitions { by_model }
    }
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
