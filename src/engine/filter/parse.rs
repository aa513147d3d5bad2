//! Parsing into a [`Filter`]: the `?filter=` JSON tree, query-string lookups and `?search=`.
//! Paths are checked against the models' allowed filter fields (recursively through foreign
//! keys) and values against their field — or, for `custom_fields.<key>`, against the key's
//! definition — within the limits of the language.

use serde_json::Value;

use super::{
    Condition, Filter, MAX_CONDITIONS, MAX_DEPTH, MAX_FILTER_LEN, MAX_LIST, MAX_RELATIONS, MAX_SEARCH_TERMS,
    MAX_VALUE_CHARS, Op, Path, Shape, Test, TextOp, typed,
};
use crate::engine::custom::{self, Definitions, Type};
use crate::engine::def::{Field, Kind};
use crate::engine::error::EngineError;
use crate::engine::model::{Model, Registry};
use crate::engine::value;
use crate::store::SqlValue;

impl Filter {
    /// Parses a `?filter=` document (JSON text of at most [`MAX_FILTER_LEN`] bytes).
    /// `definitions` holds the custom fields of the models its paths may reach
    /// ([`custom_reach`]).
    pub fn parse(
        registry: &Registry,
        model: &Model,
        raw: &str,
        definitions: &Definitions,
    ) -> Result<Filter, EngineError> {
        if raw.len() > MAX_FILTER_LEN {
            return Err(EngineError::invalid_filter(format!("The filter is longer than {MAX_FILTER_LEN} bytes.")));
        }
        let tree: Value = serde_json::from_str(raw)
            .map_err(|e| EngineError::invalid_filter(format!("The filter is not valid JSON: {e}")))?;
        Filter::from_json(registry, model, &tree, definitions)
    }

    /// Parses a filter tree given as JSON: `{"and": [...]}`, `{"or": [...]}`, `{"not": {...}}`
    /// or `{"field", "op", "value"}` (`op` defaults to `eq`), at most [`MAX_DEPTH`] levels
    /// deep with at most [`MAX_CONDITIONS`] conditions.
    pub fn from_json(
        registry: &Registry,
        model: &Model,
        tree: &Value,
        definitions: &Definitions,
    ) -> Result<Filter, EngineError> {
        let mut budget = MAX_CONDITIONS;
        let within = Within { registry, definitions };
        node(&within, model, tree, 0, &mut budget)
    }

    /// A query-string lookup: `?field=value` (exact) or `?field__op=value` with any operator of
    /// the language (`created_at__gte=…`, `code__in=USD,EUR`); `?tags=a,b` is any of the tags.
    /// `None` when `name` is not a filter of this model.
    pub fn lookup(
        registry: &Registry,
        model: &Model,
        name: &str,
        raw: &str,
        definitions: &Definitions,
    ) -> Option<Result<Filter, EngineError>> {
        let (path, op) = match name.rsplit_once("__").and_then(|(path, op)| Some((path, Op::parse(op)?))) {
            Some((path, op)) => (path, op),
            None => (name, Op::Eq),
        };
        if !is_filter_param(model, path) {
            return None;
        }
        let within = Within { registry, definitions };
        let leaf = leaf(&within, model, &path.replace("__", "."));
        let value = match op {
            Op::In | Op::NotIn => Value::Array(raw.split(',').map(|item| leaf.read_query(item.trim())).collect()),
            Op::IsNull => value::from_query(Kind::Boolean, raw),
            _ => leaf.read_query(raw),
        };
        Some(condition(&within, model, path, op, &value).map(Filter::Condition))
    }

    /// `?search=`: each of the first [`MAX_SEARCH_TERMS`] words must occur, case-folded and
    /// taken literally, in at least one of the model's search fields (or of the rows their
    /// paths and lookups lead to: a warehouse's `address.city`, a product's `category_name`).
    pub fn search(registry: &Registry, model: &Model, text: &str) -> Filter {
        let paths: Vec<Path> = model.def.search.iter().filter_map(|name| search_path(registry, model, name)).collect();
        let term = |word: &str| {
            let icontains = |path: &Path| {
                let test = Test::Text { op: TextOp::Contains, folded: true, needle: word.to_string() };
                Filter::Condition(Condition { path: path.clone(), test })
            };
            Filter::Or(paths.iter().map(icontains).collect())
        };
        Filter::And(text.split_whitespace().take(MAX_SEARCH_TERMS).map(term).collect())
    }
}

/// The path a search field names on `model`: a text column (or a key), one reached through
/// foreign keys (`address.city`), or — for a lookup (`category_name`) — the looked-up column
/// through its foreign key; `None` when it names nothing searchable.
pub fn search_path(registry: &Registry, model: &Model, name: &str) -> Option<Path> {
    let (via, rest) = match name.split_once('.') {
        Some((head, rest)) => (*model.column(head)?, rest),
        None => {
            let field = model.column(name)?;
            match field.kind {
                Kind::Lookup { via, column } => (*model.column(via)?, column),
                Kind::ForeignKey { .. } => return Some(Path::Column(*field)),
                kind => return kind.is_textual().then_some(Path::Column(*field)),
            }
        }
    };
    let Kind::ForeignKey { model: target, .. } = via.kind else { return None };
    let target = registry.get(target)?;
    Some(Path::Relation { via, target: target.def, rest: Box::new(search_path(registry, target, rest)?) })
}

/// What paths resolve through: the models, and the custom field definitions of those a path
/// may reach.
struct Within<'a> {
    registry: &'a Registry,
    definitions: &'a Definitions,
}

fn node(within: &Within, model: &Model, tree: &Value, depth: usize, budget: &mut usize) -> Result<Filter, EngineError> {
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
        let list = children.as_array().ok_or_else(|| EngineError::invalid_filter("\"and\" / \"or\" take a list."))?;
        let items = list.iter().map(|child| node(within, model, child, depth + 1, budget)).collect::<Result<_, _>>()?;
        return Ok(if obj.contains_key("and") { Filter::And(items) } else { Filter::Or(items) });
    }
    if let Some(inner) = obj.get("not") {
        return Ok(Filter::Not(Box::new(node(within, model, inner, depth + 1, budget)?)));
    }
    if *budget == 0 {
        return Err(EngineError::invalid_filter(format!("The filter has more than {MAX_CONDITIONS} conditions.")));
    }
    *budget -= 1;
    if let Some(key) = obj.keys().find(|key| !matches!(key.as_str(), "field" | "op" | "value")) {
        return Err(EngineError::invalid_filter(format!("Unknown filter key \"{key}\".")));
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
    condition(within, model, field, op, value).map(Filter::Condition)
}

/// The condition `path op value` on `model`: the path (`.` or the spec's `__` between
/// relations) within [`MAX_RELATIONS`], text values within [`MAX_VALUE_CHARS`].
fn condition(within: &Within, model: &Model, path: &str, op: Op, value: &Value) -> Result<Condition, EngineError> {
    let path = path.replace("__", ".");
    if path.matches('.').count() > MAX_RELATIONS {
        return Err(EngineError::invalid_filter(format!(
            "\"{}…\" follows more than {MAX_RELATIONS} relations.",
            path.chars().take(60).collect::<String>()
        )));
    }
    too_long(value)?;
    let (path, test) = resolve(within, model, &path, op, value)?;
    Ok(Condition { path, test })
}

/// Resolves `path` on `model` through its allowed filter fields and converts the operand
/// for the field the path ends at.
fn resolve(within: &Within, model: &Model, path: &str, op: Op, value: &Value) -> Result<(Path, Test), EngineError> {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    if head == "custom_fields" && model.def.custom_fields {
        let key = rest.ok_or_else(|| EngineError::invalid_filter("custom_fields needs a key: custom_fields.<key>"))?;
        if !custom::valid_key(key) {
            return Err(EngineError::invalid_filter(format!("\"{key}\" is not a valid custom field key.")));
        }
        let name = format!("custom_fields.{key}");
        // A key without a definition (none yet, or one since deleted) stays untyped — compared
        // as `json_extract` yields it — rather than refused: its stored values are still there,
        // and a filter saved before its definition goes on meaning what it meant.
        let (kind, test) = match within.definitions.get(model.def.name, key) {
            Some(definition) => {
                let convert = |v: &Value| typed::operand(definition, v);
                (Some(definition.kind), test(&name, typed::textual(definition.kind), op, value, &convert)?)
            }
            None => (None, test(&name, true, op, value, &untyped)?),
        };
        return Ok((Path::Custom { key: key.to_string(), kind }, test));
    }
    let allowed = model.filters.iter().any(|f| *f == path || (*f == head && rest.is_some()));
    let field = model.column(head).filter(|f| allowed && filterable(f.kind)).ok_or_else(|| unknown_field(path))?;
    match (rest, field.kind) {
        (None, Kind::Tags) => {
            Ok((Path::Tags { owner: model.def, field: field.name }, tags_test(field.name, op, value)?))
        }
        (None, _) => Ok((Path::Column(*field), column_test(field, op, value)?)),
        (Some(rest), Kind::ForeignKey { model: target, .. }) => {
            let target = within.registry.get(target).ok_or_else(|| unknown_field(path))?;
            let (inner, test) = resolve(within, target, rest, op, value)?;
            Ok((Path::Relation { via: *field, target: target.def, rest: Box::new(inner) }, test))
        }
        (Some(_), _) => Err(unknown_field(path)),
    }
}

/// Kinds a condition can compare: not write-only passwords, JSON documents, lookups or
/// details (not stored in the model's table).
fn filterable(kind: Kind) -> bool {
    !matches!(kind, Kind::Password | Kind::Json(_) | Kind::Lookup { .. } | Kind::Details { .. })
}

/// `tags` holds any of the given tags: `eq` takes one tag or a comma-separated list, `in` a list.
fn tags_test(name: &str, op: Op, value: &Value) -> Result<Test, EngineError> {
    let bad = || EngineError::invalid_filter(format!("\"{name}\" takes eq or in with tag strings."));
    // Names match regardless of ASCII case (the tags table's NOCASE): compared folded.
    let tag = |text: &str| SqlValue::Text(text.trim().to_ascii_lowercase());
    let values: Vec<SqlValue> = match (op, value) {
        (Op::Eq, Value::String(list)) => list.split(',').filter(|t| !t.trim().is_empty()).map(tag).collect(),
        (Op::In, Value::Array(items)) if items.len() <= MAX_LIST => {
            items.iter().map(|v| v.as_str().map(tag).ok_or_else(bad)).collect::<Result<_, _>>()?
        }
        _ => return Err(bad()),
    };
    if values.is_empty() {
        return Err(bad());
    }
    Ok(Test::In { values, negated: false })
}

/// The test on a column of the model. Free text (and keys of other rows) is compared as
/// given — a value longer than the field simply matches nothing; choices, numbers, booleans
/// and dates are checked like input.
fn column_test(field: &Field, op: Op, value: &Value) -> Result<Test, EngineError> {
    let lenient = Field { nullable: true, blank: true, ..*field };
    let key = matches!(field.kind, Kind::ForeignKey { .. });
    let free_text = key || field.kind.is_textual() && !matches!(field.kind, Kind::Choice(_));
    let convert = |v: &Value| match (free_text, v) {
        (true, Value::String(s)) => Ok(SqlValue::Text(s.clone())),
        (true, Value::Null) => Ok(SqlValue::Null),
        (true, _) => Err("expected a string.".to_string()),
        (false, _) => value::to_sql(&lenient, v),
    };
    test(field.name, key || field.kind.is_textual(), op, value, &convert)
}

/// An untyped custom field operand: any JSON scalar, as SQLite's `json_extract` would yield it.
fn untyped(value: &Value) -> Result<SqlValue, String> {
    match value {
        Value::String(s) => Ok(SqlValue::Text(s.clone())),
        Value::Bool(b) => Ok(SqlValue::Integer(i64::from(*b))),
        Value::Number(n) => Ok(typed::number(n)),
        Value::Null => Ok(SqlValue::Null),
        Value::Array(_) | Value::Object(_) => Err("Expected a scalar value.".into()),
    }
}

/// The test `op value` on the field called `name`, with `convert` checking each operand.
fn test(
    name: &str,
    textual: bool,
    op: Op,
    value: &Value,
    convert: &dyn Fn(&Value) -> Result<SqlValue, String>,
) -> Result<Test, EngineError> {
    let bad = |msg: String| EngineError::invalid_filter(format!("Invalid value for \"{name}\": {msg}"));
    match op.shape() {
        Shape::IsNull => Ok(Test::IsNull(value::boolean(value).map_err(bad)?)),
        Shape::Text(..) if !textual => {
            Err(EngineError::invalid_filter(format!("\"{name}\" does not support text matching.")))
        }
        Shape::Text(op, folded) => {
            let needle = value.as_str().ok_or_else(|| bad("expected a string.".into()))?.to_string();
            Ok(Test::Text { op, folded, needle })
        }
        Shape::In { negated } => {
            let items = value.as_array().ok_or_else(|| bad("expected a list.".into()))?;
            if items.is_empty() || items.len() > MAX_LIST {
                return Err(bad(format!("expected a list of 1 to {MAX_LIST} values.")));
            }
            let values = items.iter().map(convert).collect::<Result<_, _>>().map_err(bad)?;
            Ok(Test::In { values, negated })
        }
        Shape::Compare(cmp) => Ok(Test::Compare(cmp, convert(value).map_err(bad)?)),
    }
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

/// What a path ends at, for reading query-string operands.
enum Leaf {
    Column(Kind),
    Custom(Type),
    /// Nothing known (an undefined custom key, or a path that will not resolve): text.
    Unknown,
}

impl Leaf {
    /// A query-string operand as the JSON a client would send for this leaf.
    fn read_query(&self, raw: &str) -> Value {
        match self {
            Leaf::Column(kind) => value::from_query(*kind, raw),
            Leaf::Custom(kind) => typed::from_query(*kind, raw),
            Leaf::Unknown => Value::String(raw.to_string()),
        }
    }
}

/// What the path ends at.
fn leaf(within: &Within, model: &Model, path: &str) -> Leaf {
    match path.split_once('.') {
        None => model.column(path).map_or(Leaf::Unknown, |f| Leaf::Column(f.kind)),
        Some(("custom_fields", key)) => {
            within.definitions.get(model.def.name, key).map_or(Leaf::Unknown, |d| Leaf::Custom(d.kind))
        }
        Some((head, rest)) => match model.column(head).map(|f| f.kind) {
            Some(Kind::ForeignKey { model: target, .. }) => {
                within.registry.get(target).map_or(Leaf::Unknown, |target| leaf(within, target, rest))
            }
            _ => Leaf::Unknown,
        },
    }
}

/// The models whose custom fields a filter on `model` may reach: its own (when it has them)
/// and those of the models its filter fields lead to, within [`MAX_RELATIONS`] relations —
/// whose definitions parsing needs. More rather than fewer: every filter field that is a
/// foreign key is followed.
pub fn custom_reach(registry: &Registry, model: &Model) -> Vec<&'static str> {
    fn walk(registry: &Registry, model: &Model, hops: usize, seen: &mut Vec<(&'static str, usize)>) {
        if seen.iter().any(|(name, left)| *name == model.def.name && *left >= hops) {
            return;
        }
        seen.push((model.def.name, hops));
        if hops == 0 {
            return;
        }
        for head in model.filters.iter().filter_map(|f| f.split('.').next()) {
            if let Some(Kind::ForeignKey { model: target, .. }) = model.column(head).map(|f| f.kind)
                && let Some(target) = registry.get(target)
            {
                walk(registry, target, hops - 1, seen);
            }
        }
    }
    let mut seen = Vec::new();
    walk(registry, model, MAX_RELATIONS, &mut seen);
    let mut reach: Vec<&'static str> = seen
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| registry.get(name).is_some_and(|m| m.def.custom_fields))
        .collect();
    reach.sort_unstable();
    reach.dedup();
    reach
}

/// Whether `name` is a filter path of this model (tells filters from other parameters).
fn is_filter_param(model: &Model, name: &str) -> bool {
    let path = name.replace("__", ".");
    let head = path.split('.').next().unwrap_or("");
    model.filters.iter().any(|f| *f == path || *f == head) || (head == "custom_fields" && model.def.custom_fields)
}
