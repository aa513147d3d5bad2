//! Field values: validating JSON input into SQL values, and reading SQL values back as JSON.
//! One function per direction, driven by the field's [`Kind`]; used by writes, filters and
//! query parameters alike so that every path accepts exactly the same values.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use super::def::{Field, JsonShape, Kind};
use crate::store::SqlValue;

/// Validates one JSON value for `field` and converts it to what the column stores.
/// The error is the DRF-style message for the field.
pub fn to_sql(field: &Field, value: &Value) -> Result<SqlValue, String> {
    if value.is_null() {
        return if field.nullable { Ok(SqlValue::Null) } else { Err("This field may not be null.".into()) };
    }
    match field.kind {
        Kind::Text { max } => text(value, field.blank, Some(max)),
        Kind::LongText => text(value, field.blank, None),
        Kind::Slug { max } => slug(value, field.blank, max),
        Kind::Integer { min, max } => integer(value, min, max),
        Kind::Decimal { digits, scale } => decimal(value, digits, scale),
        Kind::Boolean => boolean(value).map(|b| SqlValue::Integer(i64::from(b))),
        Kind::Date => date(value),
        Kind::DateTime => datetime(value),
        Kind::Json(shape) => json(value, shape),
        Kind::Choice(choices) => choice(value, choices, field.blank),
        Kind::ForeignKey { .. } => foreign_key(value),
        Kind::Color => color(value, field.blank),
        Kind::Country => country(value, field.blank),
        Kind::Timezone => timezone(value, field.blank),
        Kind::Password => password(value),
        Kind::Phone => phone(value, field.blank),
        Kind::Email => email(value, field.blank),
        Kind::Language => language(value, field.blank),
        Kind::Tags => tags(value),
        Kind::Children { .. } => children(value),
        Kind::Lookup { .. } | Kind::Details { .. } => Err("This field is read-only.".into()),
    }
}

/// Reads a column value back as the JSON the API shows.
pub fn to_json(kind: Kind, value: SqlValue) -> Value {
    match (kind, value) {
        (_, SqlValue::Null) => Value::Null,
        (Kind::Boolean, SqlValue::Integer(i)) => Value::Bool(i != 0),
        (Kind::Decimal { scale, .. }, SqlValue::Integer(i)) => Value::String(Decimal::new(i, scale).to_string()),
        (Kind::Json(_) | Kind::Tags | Kind::Children { .. } | Kind::Details { .. }, SqlValue::Text(t)) => {
            serde_json::from_str(&t).unwrap_or(Value::Null)
        }
        (_, SqlValue::Integer(i)) => Value::from(i),
        (_, SqlValue::Real(f)) => Value::from(f),
        (_, SqlValue::Text(t)) => Value::String(t),
        (_, SqlValue::Blob(_)) => Value::Null,
    }
}

/// Reads a selected column back as the JSON the API shows: an inline foreign key is selected
/// as the object's JSON, everything else per [`to_json`].
pub fn read(field: &Field, value: SqlValue) -> Value {
    match (field.inline, value) {
        (true, SqlValue::Text(t)) => serde_json::from_str(&t).unwrap_or(Value::Null),
        (_, value) => to_json(field.kind, value),
    }
}

/// Interprets a query-string value as the JSON a client would send for this kind, so that
/// `?is_active=false` and `?decimal_places=2` go through [`to_sql`] like body values.
pub fn from_query(kind: Kind, raw: &str) -> Value {
    match kind {
        Kind::Boolean => match raw.to_ascii_lowercase().as_str() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => Value::String(raw.to_string()),
        },
        Kind::Integer { .. } => raw.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(raw.into())),
        _ => Value::String(raw.to_string()),
    }
}

fn as_str(value: &Value) -> Result<&str, String> {
    value.as_str().ok_or_else(|| "Not a valid string.".to_string())
}

fn text(value: &Value, blank: bool, max: Option<usize>) -> Result<SqlValue, String> {
    let s = as_str(value)?.trim();
    if s.is_empty() && !blank {
        return Err("This field may not be blank.".into());
    }
    if let Some(max) = max
        && s.chars().count() > max
    {
        return Err(format!("Ensure this field has no more than {max} characters."));
    }
    Ok(SqlValue::Text(s.to_string()))
}

fn slug(value: &Value, blank: bool, max: usize) -> Result<SqlValue, String> {
    let checked = text(value, blank, Some(max))?;
    if let SqlValue::Text(s) = &checked
        && !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err("Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.".into());
    }
    Ok(checked)
}

fn integer(value: &Value, min: i64, max: i64) -> Result<SqlValue, String> {
    let n = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
    .ok_or_else(|| "A valid integer is required.".to_string())?;
    if n < min {
        return Err(format!("Ensure this value is greater than or equal to {min}."));
    }
    if n > max {
        return Err(format!("Ensure this value is less than or equal to {max}."));
    }
    Ok(SqlValue::Integer(n))
}

fn decimal(value: &Value, digits: u32, scale: u32) -> Result<SqlValue, String> {
    let invalid = || "A valid number is required.".to_string();
    let parsed = match value {
        Value::String(s) => Decimal::from_str(s.trim()).map_err(|_| invalid())?,
        Value::Number(n) => Decimal::from_str(&n.to_string()).map_err(|_| invalid())?,
        _ => return Err(invalid()),
    }
    .normalize();
    if parsed.scale() > scale {
        return Err(format!("Ensure that there are no more than {scale} decimal places."));
    }
    let whole_digits = parsed.trunc().abs().to_string().trim_start_matches('0').len() as u32;
    if whole_digits > digits - scale {
        return Err(format!("Ensure that there are no more than {} digits before the decimal point.", digits - scale));
    }
    let mut scaled = parsed;
    scaled.rescale(scale);
    i64::try_from(scaled.mantissa())
        .map(SqlValue::Integer)
        .map_err(|_| format!("Ensure that there are no more than {digits} digits in total."))
}

/// Parses a boolean the way DRF does (`true`, `"true"`, `1`, `"1"` …).
pub fn boolean(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) if n.as_i64() == Some(1) => Ok(true),
        Value::Number(n) if n.as_i64() == Some(0) => Ok(false),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err("Must be a valid boolean.".into()),
        },
        _ => Err("Must be a valid boolean.".into()),
    }
}

fn date(value: &Value) -> Result<SqlValue, String> {
    let message = || "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.".to_string();
    let s = value.as_str().ok_or_else(message)?;
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| message())?;
    Ok(SqlValue::Text(d.format("%Y-%m-%d").to_string()))
}

fn datetime(value: &Value) -> Result<SqlValue, String> {
    let message = || "Datetime has wrong format. Use RFC 3339, e.g. 2026-01-31T12:00:00Z.".to_string();
    let s = value.as_str().ok_or_else(message)?;
    let at = chrono::DateTime::parse_from_rfc3339(s.trim()).map_err(|_| message())?;
    Ok(SqlValue::Text(crate::store::format_timestamp(at.with_timezone(&chrono::Utc))))
}

fn json(value: &Value, shape: JsonShape) -> Result<SqlValue, String> {
    match (shape, value) {
        (JsonShape::Object, Value::Object(_)) | (JsonShape::Array, Value::Array(_)) | (JsonShape::Any, _) => {
            Ok(SqlValue::Text(value.to_string()))
        }
        (JsonShape::Object, other) => {
            Err(format!("Expected a dictionary of items but got type \"{}\".", python_type(other)))
        }
        (JsonShape::Array, other) => Err(format!("Expected a list of items but got type \"{}\".", python_type(other))),
    }
}

/// The Python type name DRF shows for a JSON value (`str`, `int`, `list` …).
pub fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn choice(value: &Value, choices: &[&str], blank: bool) -> Result<SqlValue, String> {
    let s = as_str(value)?;
    if (s.is_empty() && blank) || choices.contains(&s) {
        Ok(SqlValue::Text(s.to_string()))
    } else {
        Err(format!("\"{s}\" is not a valid choice."))
    }
}

fn foreign_key(value: &Value) -> Result<SqlValue, String> {
    match value {
        Value::String(s) if s.is_empty() => Err("This field may not be null.".into()),
        Value::String(s) => Ok(SqlValue::Text(s.clone())),
        Value::Number(n) => Ok(SqlValue::Text(n.to_string())),
        _ => Err(format!("Incorrect type. Expected pk value, received {}.", python_type(value))),
    }
}

fn color(value: &Value, blank: bool) -> Result<SqlValue, String> {
    let s = as_str(value)?.trim();
    if s.is_empty() && blank {
        return Ok(SqlValue::Text(String::new()));
    }
    let hex = s.strip_prefix('#').filter(|h| h.len() == 6 && h.chars().all(|c| c.is_ascii_hexdigit()));
    match hex {
        Some(_) => Ok(SqlValue::Text(s.to_ascii_uppercase())),
        None => Err("Enter a valid hex color in the form #RRGGBB.".into()),
    }
}

fn password(value: &Value) -> Result<SqlValue, String> {
    let plain = as_str(value)?;
    crate::auth::check_password(plain).map_err(|e| e.to_string())?;
    crate::auth::hash_password(plain).map(SqlValue::Text).map_err(|e| e.to_string())
}

fn country(value: &Value, blank: bool) -> Result<SqlValue, String> {
    let s = as_str(value)?.trim();
    if s.is_empty() && blank {
        return Ok(SqlValue::Text(String::new()));
    }
    match isocountry::CountryCode::for_alpha2_caseless(s) {
        Ok(code) => Ok(SqlValue::Text(code.alpha2().to_string())),
        Err(_) => Err(format!("\"{s}\" is not a valid ISO 3166-1 alpha-2 country code.")),
    }
}

fn timezone(value: &Value, blank: bool) -> Result<SqlValue, String> {
    let s = as_str(value)?.trim();
    if s.is_empty() && blank {
        return Ok(SqlValue::Text(String::new()));
    }
    match chrono_tz::Tz::from_str(s) {
        Ok(tz) => Ok(SqlValue::Text(tz.name().to_string())),
        Err(_) => Err(format!("\"{s}\" is not a valid IANA time zone.")),
    }
}

/// Most tags on one record, and the longest tag.
const MAX_TAGS: usize = 50;
const MAX_TAG_LEN: usize = 100;
/// Most items in one child list.
pub const MAX_CHILDREN: usize = 100;

fn tags(value: &Value) -> Result<SqlValue, String> {
    let items =
        value.as_array().ok_or_else(|| format!("Expected a list of items but got type \"{}\".", python_type(value)))?;
    let mut tags: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let tag = item.as_str().ok_or("Each tag must be a string.")?.trim();
        if tag.is_empty() || tag.chars().count() > MAX_TAG_LEN {
            return Err(format!("Each tag must have 1 to {MAX_TAG_LEN} characters."));
        }
        if !tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            tags.push(tag.to_string());
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(format!("Ensure this field has no more than {MAX_TAGS} tags."));
    }
    Ok(SqlValue::Text(Value::from(tags).to_string()))
}

/// A child list: up to [`MAX_CHILDREN`] objects, each judged by the child model in the
/// write (kept as the list's JSON text until then).
fn children(value: &Value) -> Result<SqlValue, String> {
    let items =
        value.as_array().ok_or_else(|| format!("Expected a list of items but got type \"{}\".", python_type(value)))?;
    if items.len() > MAX_CHILDREN {
        return Err(format!("Ensure this field has no more than {MAX_CHILDREN} elements."));
    }
    if let Some(item) = items.iter().find(|item| !item.is_object()) {
        return Err(format!("Invalid data. Expected a dictionary, but got {}.", python_type(item)));
    }
    Ok(SqlValue::Text(value.to_string()))
}

/// E.164: `+`, a country code and subscriber number, 8 to 15 digits in all. Spaces, dots,
/// dashes and parentheses are accepted as separators and removed.
fn phone(value: &Value, blank: bool) -> Result<SqlValue, String> {
    let s = as_str(value)?.trim();
    if s.is_empty() && blank {
        return Ok(SqlValue::Text(String::new()));
    }
    let compact: String = s.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')')).collect();
    let digits = compact
        .strip_prefix('+')
        .filter(|d| (8..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()) && !d.starts_with('0'));
    match digits {
        Some(_) => Ok(SqlValue::Text(compact)),
        None => Err("Enter a valid phone number in international format, e.g. +4930123456.".into()),
    }
}

/// An address per RFC 5322 (`email_address`) whose domain has a dot, as Django's validator asks.
fn email(value: &Value, blank: bool) -> Result<SqlValue, String> {
    let s = as_str(value)?.trim();
    if s.is_empty() && blank {
        return Ok(SqlValue::Text(String::new()));
    }
    let dotted = s.rsplit_once('@').is_some_and(|(_, domain)| domain.contains('.') && !domain.ends_with('.'));
    if s.chars().count() <= 254 && dotted && email_address::EmailAddress::is_valid(s) {
        Ok(SqlValue::Text(s.to_string()))
    } else {
        Err("Enter a valid email address.".into())
    }
}

fn language(value: &Value, blank: bool) -> Result<SqlValue, String> {
    let s = as_str(value)?.trim();
    if s.is_empty() && blank {
        return Ok(SqlValue::Text(String::new()));
    }
    match language_tags::LanguageTag::parse(s) {
        Ok(tag) if tag.is_valid() && s.len() <= 35 => Ok(SqlValue::Text(tag.to_string())),
        _ => Err(format!("\"{s}\" is not a valid language tag (e.g. en, pt-BR).")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(kind: Kind) -> Field {
        Field { kind, ..Field::long_text("f") }
    }

    #[test]
    fn decimals_round_trip_exactly() {
        let f = field(Kind::Decimal { digits: 20, scale: 10 });
        let stored = to_sql(&f, &json!("1000.5")).unwrap();
        assert_eq!(stored, SqlValue::Integer(10_005_000_000_000));
        assert_eq!(to_json(f.kind, stored), json!("1000.5000000000"));
        assert!(to_sql(&f, &json!("0.00000000001")).unwrap_err().contains("decimal places"));
        assert!(to_sql(&f, &json!("12345678901")).unwrap_err().contains("before the decimal point"));
        assert!(to_sql(&f, &json!("abc")).is_err());
    }

    #[test]
    fn text_limits_count_characters() {
        let f = field(Kind::Text { max: 3 });
        assert!(to_sql(&f, &json!("äöü")).is_ok());
        assert!(to_sql(&f, &json!("äöüx")).is_err());
        assert!(to_sql(&f, &json!("")).is_err());
        assert!(to_sql(&f, &json!(12)).is_err());
    }

    #[test]
    fn vocabularies_are_checked() {
        assert_eq!(to_sql(&field(Kind::Country), &json!("de")).unwrap(), SqlValue::Text("DE".into()));
        assert!(to_sql(&field(Kind::Country), &json!("XX")).is_err());
        assert!(to_sql(&field(Kind::Timezone), &json!("Europe/Berlin")).is_ok());
        assert!(to_sql(&field(Kind::Timezone), &json!("Mars/Base")).is_err());
        assert!(to_sql(&field(Kind::Color), &json!("#4caf50")).is_ok());
        assert!(to_sql(&field(Kind::Color), &json!("green")).is_err());
        assert!(to_sql(&field(Kind::Slug { max: 10 }), &json!("a b")).is_err());
        assert_eq!(
            to_sql(&field(Kind::Phone), &json!("+49 30 1234-56")).unwrap(),
            SqlValue::Text("+4930123456".into())
        );
        assert!(to_sql(&field(Kind::Phone), &json!("030 123456")).is_err());
        assert!(to_sql(&field(Kind::Phone), &json!("+0123456789")).is_err());
        assert_eq!(
            to_sql(&field(Kind::Email), &json!(" ann@example.com ")).unwrap(),
            SqlValue::Text("ann@example.com".into())
        );
        for bad in ["ann", "ann@", "@example.com", "ann@example", "ann@example.", "a b@example.com"] {
            assert!(to_sql(&field(Kind::Email), &json!(bad)).is_err(), "{bad}");
        }
        assert!(to_sql(&field(Kind::Language), &json!("pt-BR")).is_ok());
        assert!(to_sql(&field(Kind::Language), &json!("not a tag")).is_err());
    }

    #[test]
    fn tags_are_trimmed_and_unique() {
        let stored = to_sql(&field(Kind::Tags), &json!([" a", "b", "a"])).unwrap();
        assert_eq!(stored, SqlValue::Text("[\"a\",\"b\"]".into()));
        assert!(to_sql(&field(Kind::Tags), &json!(["", "b"])).is_err());
        assert!(to_sql(&field(Kind::Tags), &json!("a")).is_err());
    }
}
