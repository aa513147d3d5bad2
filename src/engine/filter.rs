//! The filter language: field paths (`from_uom.uom_type`, `custom_fields.size`) resolved
//! through a whitelist into SQL conditions, and the advanced `?filter=` JSON tree
//! (`and` / `or` / `not` / `{field, op, value}`) with hard limits on size and depth.

use serde_json::Value;

use super::def::{Field, Kind};
use super::error::EngineError;
use super::model::{Model, Registry};
use super::value;
use crate::store::SqlValue;

/// Longest `?filter=` document accepted, in bytes.
const MAX_FILTER_LEN: usize = 8 * 1024;
/// Deepest nesting of and/or/not.
const MAX_DEPTH: usize = 8;
/// Most conditions in one filter.
pub const MAX_CONDITIONS: usize = 64;
/// Most values in one `in` / `notin` list.
const MAX_LIST: usize = 500;
/// Most relations one field path may follow (`a.b.c.d.field` follows four).
pub const MAX_RELATIONS: usize = 4;
/// Longest text value a condition compares with, in characters.
pub const MAX_VALUE_CHARS: usize = 1000;
/// Most SQL parameters a whole list query may bind (SQLite's own limit is far above).
pub const MAX_PARAMS: usize = 2000;

/// A SQL fragment with its positional parameters.
#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<SqlValue>,
}

/// Comparison operators of the filter language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    Contains,
    IContains,
    StartsWith,
    IStartsWith,
    EndsWith,
    IEndsWith,
    In,
    NotIn,
    IsNull,
}

impl Op {
    fn parse(name: &str) -> Option<Op> {
        Some(match name {
            "eq" => Op::Eq,
            "neq" => Op::Neq,
            "gt" => Op::Gt,
            "gte" => Op::Gte,
            "lt" => Op::Lt,
            "lte" => Op::Lte,
            "contains" => Op::Contains,
            "icontains" => Op::IContains,
            "startswith" => Op::StartsWith,
            "istartswith" => Op::IStartsWith,
            "endswith" => Op::EndsWith,
            "iendswith" => Op::IEndsWith,
            "in" => Op::In,
            "notin" => Op::NotIn,
            "isnull" => Op::IsNull,
            _ => return None,
        })
    }

    fn is_text_match(self) -> bool {
        matches!(self, Op::Contains | Op::IContains | Op::StartsWith | Op::IStartsWith | Op::EndsWith | Op::IEndsWith)
    }
}

/// Builds the condition `path op value` on `model`, checking the path against the model's
/// allowed filter fields (recursively through foreign keys).
pub fn condition(registry: &Registry, model: &Model, path: &str, op: Op, value: &Value) -> Result<Sql, EngineError> {
    let path = path.replace("__", ".");
    if path.matches('.').count() > MAX_RELATIONS {
        return Err(EngineError::invalid_filter(format!(
            "\"{}…\" follows more than {MAX_RELATIONS} relations.",
            path.chars().take(60).collect::<String>()
        )));
    }
    too_long(value)?;
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path.as_str(), None),
    };
    if head == "custom_fields" && model.def.custom_fields {
        let key = rest.ok_or_else(|| EngineError::invalid_filter("custom_fields needs a key: custom_fields.<key>"))?;
        return custom_field_condition(key, op, value);
    }
    let allowed = model.filters.iter().any(|f| *f == path || (*f == head && rest.is_some()));
    let field = model.column(head).filter(|_| allowed).ok_or_else(|| unknown_field(&path))?;
    match (rest, field.kind) {
        (None, Kind::Tags) => tags_condition(model, field, op, value),
        (None, _) => leaf(&format!("\"{}\"", field.name), field, op, value),
        (Some(rest), Kind::ForeignKey { model: target, .. }) => {
            let target = registry.get(target).ok_or_else(|| unknown_field(&path))?;
            let inner = condition(registry, target, rest, op, value)?;
            Ok(Sql {
                text: format!(
                    "\"{}\" IN (SELECT \"{}\" FROM \"{}\" WHERE {})",
                    field.name, target.def.key, target.def.table, inner.text
                ),
                params: inner.params,
            })
        }
        (Some(_), _) => Err(unknown_field(&path)),
    }
}

/// `tags` holds any of the given tags: `eq` takes one tag or a comma-separated list, `in` a list.
fn tags_condition(model: &Model, field: &Field, op: Op, value: &Value) -> Result<Sql, EngineError> {
    let name = field.name;
    let bad = || EngineError::invalid_filter(format!("\"{name}\" takes eq or in with tag strings."));
    let wanted: Vec<SqlValue> = match (op, value) {
        (Op::Eq, Value::String(list)) => {
            list.split(',').map(str::trim).filter(|t| !t.is_empty()).map(|t| SqlValue::Text(t.into())).collect()
        }
        (Op::In, Value::Array(items)) if items.len() <= MAX_LIST => items
            .iter()
            .map(|v| v.as_str().map(|t| SqlValue::Text(t.trim().into())).ok_or_else(bad))
            .collect::<Result<_, _>>()?,
        _ => return Err(bad()),
    };
    if wanted.is_empty() {
        return Err(bad());
    }
    Ok(Sql { text: super::links::any_of(model, field, wanted.len()), params: wanted })
}

/// A text value (or list item) longer than [`MAX_VALUE_CHARS`] is refused.
fn too_long(value: &Value) -> Result<(), EngineError> {
    let long = |v: &Value| v.as_str().is_some_and(|s| s.chars().count() > MAX_VALUE_CHARS);
    let any_long = match value {
        Value::Array(items) => items.iter().any(long),
        other => long(other),
    };
    if any_long {
        return Err(EngineError::invalid_filter(format!("Filter values are limited to {MAX_VALUE_CHARS} characters.")));
    }
    Ok(())
}

fn unknown_field(path: &str) -> EngineError {
    EngineError::invalid_filter(format!("Filtering on \"{path}\" is not allowed."))
}

fn custom_field_condition(key: &str, op: Op, value: &Value) -> Result<Sql, EngineError> {
    if key.is_empty() || key.len() > 64 || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(EngineError::invalid_filter(format!("\"{key}\" is not a valid custom field key.")));
    }
    let any = Field::text("custom_fields", usize::MAX).nullable().blank();
    let expr = format!("json_extract(\"custom_fields\", '$.{key}')");
    let scalar = |v: &Value| -> Result<SqlValue, String> {
        match v {
            Value::String(s) => Ok(SqlValue::Text(s.clone())),
            Value::Bool(b) => Ok(SqlValue::Integer(i64::from(*b))),
            Value::Number(n) => {
                Ok(n.as_i64().map(SqlValue::Integer).unwrap_or(SqlValue::Real(n.as_f64().unwrap_or(0.0))))
            }
            Value::Null => Ok(SqlValue::Null),
            _ => Err("Expected a scalar value.".into()),
        }
    };
    build(&expr, &any, op, value, &scalar)
}

/// A condition on a column of this model. Free-text values are compared as given (a value
/// longer than the field simply matches nothing); choices, numbers, booleans and dates are
/// checked like input.
fn leaf(expr: &str, field: &Field, op: Op, value: &Value) -> Result<Sql, EngineError> {
    let lenient = Field { nullable: true, blank: true, ..*field };
    let free_text = field.kind.is_textual() && !matches!(field.kind, Kind::Choice(_))
        || matches!(field.kind, Kind::ForeignKey { .. });
    build(expr, field, op, value, &|v| match (free_text, v) {
        (true, Value::String(s)) => Ok(SqlValue::Text(s.clone())),
        (true, Value::Null) => Ok(SqlValue::Null),
        (true, _) => Err("expected a string.".into()),
        (false, _) => value::to_sql(&lenient, v),
    })
}

fn build(
    expr: &str,
    field: &Field,
    op: Op,
    value: &Value,
    convert: &dyn Fn(&Value) -> Result<SqlValue, String>,
) -> Result<Sql, EngineError> {
    let bad = |msg: String| EngineError::invalid_filter(format!("Invalid value for \"{}\": {msg}", field.name));
    if op == Op::IsNull {
        let is_null = value::boolean(value).map_err(bad)?;
        let text = format!("{expr} IS {}NULL", if is_null { "" } else { "NOT " });
        return Ok(Sql { text, params: vec![] });
    }
    if op.is_text_match() {
        if !field.kind.is_textual() && !matches!(field.kind, Kind::ForeignKey { .. }) {
            return Err(EngineError::invalid_filter(format!("\"{}\" does not support text matching.", field.name)));
        }
        let needle = value.as_str().ok_or_else(|| bad("expected a string.".into()))?.to_string();
        return Ok(text_match(expr, op, needle));
    }
    if matches!(op, Op::In | Op::NotIn) {
        let items = value.as_array().ok_or_else(|| bad("expected a list.".into()))?;
        if items.is_empty() || items.len() > MAX_LIST {
            return Err(bad(format!("expected a list of 1 to {MAX_LIST} values.")));
        }
        let params = items.iter().map(convert).collect::<Result<Vec<_>, _>>().map_err(bad)?;
        let marks = vec!["?"; params.len()].join(", ");
        let not = if op == Op::NotIn { "NOT " } else { "" };
        return Ok(Sql { text: format!("{expr} {not}IN ({marks})"), params });
    }
    let param = convert(value).map_err(bad)?;
    let sql_op = match (op, &param) {
        (Op::Eq, SqlValue::Null) => "IS",
        (Op::Neq, _) => "IS NOT",
        (Op::Eq, _) => "=",
        (Op::Gt, _) => ">",
        (Op::Gte, _) => ">=",
        (Op::Lt, _) => "<",
        _ => "<=",
    };
    Ok(Sql { text: format!("{expr} {sql_op} ?"), params: vec![param] })
}

/// Escapes `\\`, `%` and `_` for a LIKE pattern with `ESCAPE '\\'`.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

fn text_match(expr: &str, op: Op, needle: String) -> Sql {
    let escaped = escape_like(&crate::store::fold(&needle));
    let fold = crate::store::FOLD;
    let like = |pattern: String| Sql {
        text: format!("{fold}({expr}) LIKE ? ESCAPE '\\'"),
        params: vec![SqlValue::Text(pattern)],
    };
    let twice =
        |text: String| Sql { text, params: vec![SqlValue::Text(needle.clone()), SqlValue::Text(needle.clone())] };
    match op {
        Op::Contains => Sql { text: format!("instr({expr}, ?) > 0"), params: vec![SqlValue::Text(needle.clone())] },
        Op::StartsWith => twice(format!("substr({expr}, 1, length(?)) = ?")),
        Op::EndsWith => twice(format!("substr({expr}, length({expr}) - length(?) + 1) = ?")),
        Op::IContains => like(format!("%{escaped}%")),
        Op::IStartsWith => like(format!("{escaped}%")),
        _ => like(format!("%{escaped}")),
    }
}

/// Compiles a `?filter=` JSON document into one SQL condition.
pub fn advanced(registry: &Registry, model: &Model, raw: &str) -> Result<Sql, EngineError> {
    if raw.len() > MAX_FILTER_LEN {
        return Err(EngineError::invalid_filter(format!("The filter is longer than {MAX_FILTER_LEN} bytes.")));
    }
    let tree: Value = serde_json::from_str(raw)
        .map_err(|e| EngineError::invalid_filter(format!("The filter is not valid JSON: {e}")))?;
    let mut budget = MAX_CONDITIONS;
    node(registry, model, &tree, 0, &mut budget)
}

fn node(
    registry: &Registry,
    model: &Model,
    tree: &Value,
    depth: usize,
    budget: &mut usize,
) -> Result<Sql, EngineError> {
    if depth > MAX_DEPTH {
        return Err(EngineError::invalid_filter(format!("The filter is nested deeper than {MAX_DEPTH} levels.")));
    }
    let obj = tree.as_object().ok_or_else(|| EngineError::invalid_filter("Each filter node must be an object."))?;
    let combinator = ["and", "or", "not"].iter().any(|k| obj.contains_key(*k));
    if combinator && obj.len() != 1 {
        return Err(EngineError::invalid_filter(
            "A filter node is either {\"and\": [...]}, {\"or\": [...]}, {\"not\": {...}} or {field, op, value}.",
        ));
    }
    if let Some(children) = obj.get("and").or_else(|| obj.get("or")) {
        let joiner = if obj.contains_key("and") { " AND " } else { " OR " };
        let list = children
            .as_array()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| EngineError::invalid_filter("\"and\" / \"or\" take a non-empty list."))?;
        let mut parts = Vec::with_capacity(list.len());
        let mut params = Vec::new();
        for child in list {
            let sql = node(registry, model, child, depth + 1, budget)?;
            parts.push(format!("({})", sql.text));
            params.extend(sql.params);
        }
        return Ok(Sql { text: parts.join(joiner), params });
    }
    if let Some(inner) = obj.get("not") {
        let sql = node(registry, model, inner, depth + 1, budget)?;
        return Ok(Sql { text: format!("NOT ({})", sql.text), params: sql.params });
    }
    if *budget == 0 {
        return Err(EngineError::invalid_filter(format!("The filter has more than {MAX_CONDITIONS} conditions.")));
    }
    *budget -= 1;
    for key in obj.keys() {
        if !matches!(key.as_str(), "field" | "op" | "value") {
            return Err(EngineError::invalid_filter(format!("Unknown filter key \"{key}\".")));
        }
    }
    let field = obj
        .get("field")
        .and_then(Value::as_str)
        .ok_or_else(|| EngineError::invalid_filter("A condition needs a \"field\" string."))?;
    let op_name = match obj.get("op") {
        None => "eq",
        Some(Value::String(name)) => name.as_str(),
        Some(_) => return Err(EngineError::invalid_filter("\"op\" must be a string.")),
    };
    let op =
        Op::parse(op_name).ok_or_else(|| EngineError::invalid_filter(format!("Unknown operator \"{op_name}\".")))?;
    let value = obj.get("value").ok_or_else(|| EngineError::invalid_filter("A condition needs a \"value\"."))?;
    condition(registry, model, field, op, value)
}

/// A query-string filter: `?field=value` (exact) or `?field__op=value` with any operator of
/// the filter language (`created_at__gte=…`, `code__in=USD,EUR`). `None` when `name` is not
/// a filter of this model.
pub fn from_query(registry: &Registry, model: &Model, name: &str, raw: &str) -> Option<Result<Sql, EngineError>> {
    let (path, op) = match name.rsplit_once("__").and_then(|(path, op)| Some((path, Op::parse(op)?))) {
        Some((path, op)) => (path, op),
        None => (name, Op::Eq),
    };
    if !is_filter_param(model, path) {
        return None;
    }
    let kind = leaf_kind(registry, model, &path.replace("__", ".")).unwrap_or(Kind::LongText);
    let value = match op {
        Op::In | Op::NotIn => Value::Array(raw.split(',').map(|item| value::from_query(kind, item.trim())).collect()),
        Op::IsNull => value::from_query(Kind::Boolean, raw),
        _ => value::from_query(kind, raw),
    };
    Some(condition(registry, model, path, op, &value))
}

/// The kind of the field a path ends at, if it resolves.
fn leaf_kind(registry: &Registry, model: &Model, path: &str) -> Option<Kind> {
    match path.split_once('.') {
        None => model.column(path).map(|f| f.kind),
        Some((head, rest)) => match model.column(head)?.kind {
            Kind::ForeignKey { model: target, .. } => leaf_kind(registry, registry.get(target)?, rest),
            _ => None,
        },
    }
}

/// Whether `name` is a filter path of this model (used to tell filters from other params).
fn is_filter_param(model: &Model, name: &str) -> bool {
    let path = name.replace("__", ".");
    let head = path.split('.').next().unwrap_or("");
    model.filters.iter().any(|f| *f == path || *f == head) || (head == "custom_fields" && model.def.custom_fields)
}
