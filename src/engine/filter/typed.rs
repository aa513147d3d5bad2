//! Typed custom fields: `custom_fields.<key>` of a key its model defines compares by the
//! definition's type. The one place that knows how each type is read from the stored JSON —
//! in SQL ([`expression`], for conditions and ordering) and in memory ([`stored`]) alike — and
//! how an operand is checked and converted ([`operand`]).
//!
//! A stored value counts only when it is a value of the type (a string for text and choices,
//! a JSON number, a decimal string, a `YYYY-MM-DD` date, `true` / `false`); anything else — a
//! value written before the definition existed, or under one since replaced — reads as NULL,
//! exactly like a missing key. Numbers compare as numbers (integers and reals exactly),
//! decimals by value through their order key (`store::decimal_key`, so `"9.5"` < `"10.25"` and
//! `"1.5"` = `"1.50"`), dates as their text (which is calendar order), booleans as 0 / 1, text
//! and choices as text (byte order).

use serde_json::{Number, Value};

use crate::engine::custom::{Definition, Type, is_date};
use crate::engine::def::Kind;
use crate::engine::value;
use crate::store::{DECIMAL_KEY, SqlValue, decimal_key};

/// The SQL expression reading `custom_fields.<key>` as `kind`: the value when it is one of the
/// type (a decimal as its order key, a boolean as 0 / 1), else NULL. `key` has passed
/// `custom::valid_key` (letters, digits and `_`), so it is safe inside the SQL text.
pub fn expression(key: &str, kind: Type) -> String {
    let value = format!("json_extract(\"custom_fields\", '$.{key}')");
    let json_type = format!("json_type(\"custom_fields\", '$.{key}')");
    match kind {
        Type::Text | Type::Choice => format!("(CASE WHEN {json_type} = 'text' THEN {value} END)"),
        Type::Number => format!("(CASE WHEN {json_type} IN ('integer', 'real') THEN {value} END)"),
        // The function answers NULL for anything but a decimal string (arrays and objects,
        // text to SQL too, never parse as one).
        Type::Decimal => format!("{DECIMAL_KEY}({value})"),
        // A valid date is exactly what `date()` writes back for it (which also takes negative
        // years: hence the shape).
        Type::Date => format!(
            "(CASE WHEN {value} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND date({value}) = {value} \
             THEN {value} END)"
        ),
        Type::Boolean => format!("(CASE {json_type} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)"),
    }
}

/// A stored value (`None` when the key is missing) read as `kind`, as [`expression`] reads it.
pub fn stored(kind: Type, value: Option<&Value>) -> SqlValue {
    match (kind, value) {
        (Type::Text | Type::Choice, Some(Value::String(text))) => SqlValue::Text(text.clone()),
        (Type::Number, Some(Value::Number(n))) => number(n),
        (Type::Decimal, Some(Value::String(text))) => decimal_key(text).map_or(SqlValue::Null, SqlValue::Text),
        (Type::Date, Some(Value::String(text))) if is_date(text) => SqlValue::Text(text.clone()),
        (Type::Boolean, Some(Value::Bool(b))) => SqlValue::Integer(i64::from(*b)),
        _ => SqlValue::Null,
    }
}

/// A JSON number as SQLite's JSON functions yield it: an integer when it fits, else a real.
pub fn number(n: &Number) -> SqlValue {
    n.as_i64().map_or_else(|| SqlValue::Real(n.as_f64().unwrap_or(0.0)), SqlValue::Integer)
}

/// A condition's operand for a key of `definition`: checked exactly as a written value is
/// (a choice must be one of the choices), then read like a stored one. NULL is always
/// accepted: `eq null` asks for a missing (or wrongly typed) value.
pub fn operand(definition: &Definition, value: &Value) -> Result<SqlValue, String> {
    if value.is_null() {
        return Ok(SqlValue::Null);
    }
    definition.check(value)?;
    Ok(stored(definition.kind, Some(value)))
}

/// Whether text matching (`contains` …) applies to values of `kind`.
pub fn textual(kind: Type) -> bool {
    matches!(kind, Type::Text | Type::Choice)
}

/// A query-string operand as the JSON a client would send for `kind`
/// (`?custom_fields__weight__gt=2.5` is the number 2.5, `?custom_fields__fragile=true` a boolean).
pub fn from_query(kind: Type, raw: &str) -> Value {
    match kind {
        Type::Number => raw
            .parse::<i64>()
            .map(Value::from)
            .ok()
            .or_else(|| raw.parse::<f64>().ok().filter(|f| f.is_finite()).map(Value::from))
            .unwrap_or_else(|| Value::String(raw.to_string())),
        Type::Boolean => value::from_query(Kind::Boolean, raw),
        Type::Text | Type::Decimal | Type::Date | Type::Choice => Value::String(raw.to_string()),
    }
}
