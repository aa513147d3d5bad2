//! Evaluating a [`Filter`] against an in-memory record (API representation), with exactly the
//! meaning of its SQL: the record's values are read back into what the columns store, compared
//! the way SQLite compares them (storage classes, exact integer/real order, bytes for text),
//! and combined in SQL's three-valued logic, where a comparison with NULL is unknown and
//! `not` of unknown is still unknown.

use std::cmp::Ordering;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use super::{Cmp, Condition, Filter, Path, Test, TextOp};
use crate::engine::Record;
use crate::engine::def::{Kind, ModelDef};
use crate::store::{SqlValue, fold};

/// Finds the row of a model by its key, for conditions that follow a relation
/// (`category.slug`); `None` when there is none. Automation feeds it from the database.
pub type Resolver<'a> = dyn Fn(&ModelDef, &str) -> Option<Record> + 'a;

impl Filter {
    /// Whether `record` matches: exactly when the filter's SQL would select its row.
    pub fn matches(&self, record: &Record, resolve: &Resolver) -> bool {
        self.truth(record, resolve) == Some(true)
    }

    /// The SQL truth value: `None` is unknown (NULL).
    fn truth(&self, record: &Record, resolve: &Resolver) -> Option<bool> {
        match self {
            Filter::And(items) => {
                let mut known = Some(true);
                for item in items {
                    match item.truth(record, resolve) {
                        Some(false) => return Some(false),
                        None => known = None,
                        Some(true) => {}
                    }
                }
                known
            }
            Filter::Or(items) => {
                let mut known = Some(false);
                for item in items {
                    match item.truth(record, resolve) {
                        Some(true) => return Some(true),
                        None => known = None,
                        Some(false) => {}
                    }
                }
                known
            }
            Filter::Not(inner) => inner.truth(record, resolve).map(|b| !b),
            Filter::Condition(Condition { path, test }) => path_truth(path, test, record, resolve),
        }
    }
}

fn path_truth(path: &Path, test: &Test, record: &Record, resolve: &Resolver) -> Option<bool> {
    match path {
        Path::Column(field) => test_truth(test, &stored(Some(field.kind), record.get(field.name))),
        Path::Tags { field, .. } => {
            Some(tag_values(record, field).iter().any(|tag| test_truth(test, tag) == Some(true)))
        }
        Path::Custom { key, kind } => {
            let value = record.get("custom_fields").and_then(|c| c.get(key));
            let value = match kind {
                Some(kind) => super::typed::stored(*kind, value),
                None => stored(None, value),
            };
            test_truth(test, &value)
        }
        Path::Relation { via, target, rest } => {
            let related = match record.get(via.name) {
                Some(Value::String(key)) => resolve(target, key),
                _ => None,
            };
            Some(related.is_some_and(|row| path_truth(rest, test, &row, resolve) == Some(true)))
        }
    }
}

/// The tag names of `record`, folded to ASCII lower case as `sql::tags` compares them.
fn tag_values(record: &Record, name: &str) -> Vec<SqlValue> {
    match record.get(name) {
        Some(Value::Array(items)) => {
            items.iter().filter_map(Value::as_str).map(|tag| SqlValue::Text(tag.to_ascii_lowercase())).collect()
        }
        _ => Vec::new(),
    }
}

/// A record's value as its column stores it (decimals as scaled integers, booleans as 0 / 1),
/// or — without a kind — as `json_extract` yields a JSON value. Absent is NULL.
fn stored(kind: Option<Kind>, value: Option<&Value>) -> SqlValue {
    match (kind, value) {
        (_, None | Some(Value::Null)) => SqlValue::Null,
        (Some(Kind::Decimal { scale, .. }), Some(Value::String(text))) => Decimal::from_str(text)
            .ok()
            .and_then(|mut d| {
                d.rescale(scale);
                i64::try_from(d.mantissa()).ok()
            })
            .map_or_else(|| SqlValue::Text(text.clone()), SqlValue::Integer),
        (_, Some(Value::Bool(b))) => SqlValue::Integer(i64::from(*b)),
        (_, Some(Value::Number(n))) => super::typed::number(n),
        (_, Some(Value::String(text))) => SqlValue::Text(text.clone()),
        (_, Some(composite)) => SqlValue::Text(composite.to_string()),
    }
}

fn test_truth(test: &Test, value: &SqlValue) -> Option<bool> {
    match test {
        Test::Compare(Cmp::Eq, SqlValue::Null) => Some(value == &SqlValue::Null),
        Test::Compare(Cmp::Neq, operand) => Some(!same(value, operand)),
        Test::Compare(cmp, operand) => compare(value, operand).map(|order| match cmp {
            Cmp::Eq | Cmp::Neq => order == Ordering::Equal,
            Cmp::Gt => order == Ordering::Greater,
            Cmp::Gte => order != Ordering::Less,
            Cmp::Lt => order == Ordering::Less,
            Cmp::Lte => order != Ordering::Greater,
        }),
        Test::In { values, negated } => {
            let found = if values.is_empty() {
                Some(false)
            } else if values.iter().any(|v| compare(value, v) == Some(Ordering::Equal)) {
                Some(true)
            } else if value == &SqlValue::Null || values.contains(&SqlValue::Null) {
                None
            } else {
                Some(false)
            };
            found.map(|found| found != *negated)
        }
        Test::Text { op, folded, needle } => {
            // Text matching sees text only: other values are as unknown as NULL (the SQL of
            // custom fields guards with `CASE WHEN typeof(…) = 'text'`; columns hold text).
            let SqlValue::Text(text) = value else { return None };
            let (text, needle) = if *folded { (fold(text), fold(needle)) } else { (text.clone(), needle.clone()) };
            Some(match op {
                TextOp::Contains => text.contains(&needle),
                TextOp::StartsWith => text.starts_with(&needle),
                TextOp::EndsWith => text.ends_with(&needle),
            })
        }
        Test::IsNull(is_null) => Some((value == &SqlValue::Null) == *is_null),
    }
}

/// SQL's `IS`: equal, or both NULL.
fn same(a: &SqlValue, b: &SqlValue) -> bool {
    match (a, b) {
        (SqlValue::Null, SqlValue::Null) => true,
        _ => compare(a, b) == Some(Ordering::Equal),
    }
}

/// SQLite's order of two values without affinity: NULL is unknown; numbers (integers and
/// reals compared exactly) before text (bytes, the BINARY collation) before blobs.
fn compare(a: &SqlValue, b: &SqlValue) -> Option<Ordering> {
    use SqlValue::{Blob, Integer, Null, Real, Text};
    let class = |v: &SqlValue| match v {
        Null => 0,
        Integer(_) | Real(_) => 1,
        Text(_) => 2,
        Blob(_) => 3,
    };
    match (a, b) {
        (Null, _) | (_, Null) => None,
        (Integer(x), Integer(y)) => Some(x.cmp(y)),
        (Integer(x), Real(y)) => Some(integer_real(*x, *y)),
        (Real(x), Integer(y)) => Some(integer_real(*y, *x).reverse()),
        (Real(x), Real(y)) => x.partial_cmp(y),
        (Text(x), Text(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Blob(x), Blob(y)) => Some(x.cmp(y)),
        _ => Some(class(a).cmp(&class(b))),
    }
}

/// An integer against a real, exactly (as SQLite does, without rounding the integer).
fn integer_real(i: i64, r: f64) -> Ordering {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if r.is_nan() || r >= TWO_63 {
        return Ordering::Less;
    }
    if r < -TWO_63 {
        return Ordering::Greater;
    }
    let whole = r.trunc();
    // In range, so the cast is exact.
    match i.cmp(&(whole as i64)) {
        Ordering::Equal => 0.0_f64.partial_cmp(&(r - whole)).unwrap_or(Ordering::Equal),
        order => order,
    }
}
