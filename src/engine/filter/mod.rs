//! The filter language (API.md § Lists): `?filter=` JSON trees and query-string lookups
//! (`?code=EUR`, `?created_at__gte=…`, `?tags=a,b`) parse once into a typed [`Filter`] whose
//! paths are resolved through the models' allowed filter fields and whose values are checked
//! for their field. The tree compiles to SQL ([`Filter::to_sql`]) and evaluates against an
//! in-memory record ([`Filter::matches`]) with the same meaning, NULLs included, so that list
//! queries, automation conditions and workflow guards speak one language. `custom_fields.<key>`
//! compares by the type of the key's definition (`typed`); parsing is given the definitions
//! ([`Definitions`]) of every model a path may reach.

mod eval;
mod parse;
mod sql;
#[cfg(test)]
mod tests;
mod typed;

pub use eval::Resolver;
pub use parse::{custom_reach, search_path};
pub use sql::Sql;
pub use typed::expression as custom_expression;

use super::custom::Type;
use super::def::{Field, ModelDef};
use crate::store::SqlValue;

/// Longest `?filter=` document accepted, in bytes.
pub const MAX_FILTER_LEN: usize = 8 * 1024;
/// Deepest nesting of and/or/not.
pub const MAX_DEPTH: usize = 8;
/// Most conditions in one filter.
pub const MAX_CONDITIONS: usize = 64;
/// Most values in one `in` / `notin` list.
pub const MAX_LIST: usize = 500;
/// Most relations one field path may follow (`a.b.c.d.field` follows four).
pub const MAX_RELATIONS: usize = 4;
/// Longest text value a condition compares with, in characters.
pub const MAX_VALUE_CHARS: usize = 1000;
/// Most SQL parameters a whole list query may bind (SQLite's own limit is far above).
pub const MAX_PARAMS: usize = 2000;
/// Most search terms considered.
pub const MAX_SEARCH_TERMS: usize = 10;

/// A parsed filter. An empty `And` holds for every record, an empty `Or` for none.
#[derive(Clone, Debug)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Condition(Condition),
}

/// One `{field, op, value}`: a resolved path and the test its value must pass. Built only by
/// the parser, so that every path carries a test that suits its type.
#[derive(Clone, Debug)]
pub struct Condition {
    path: Path,
    test: Test,
}

/// Where a condition's value comes from, resolved and typed at parse time.
#[derive(Clone)]
pub enum Path {
    /// A column of the model.
    Column(Field),
    /// The tags (field `field`) of a row of `owner`: the condition holds when one of the tags,
    /// by name and regardless of ASCII case, passes the test.
    Tags { owner: &'static ModelDef, field: &'static str },
    /// `custom_fields.<key>`. With the type of the key's definition, the stored value is read
    /// as that type and the operand was checked for it (`typed`); without one (no definition)
    /// the value is compared as SQLite's `json_extract` yields it (JSON `true` / `false` are
    /// 1 / 0).
    Custom { key: String, kind: Option<Type> },
    /// Through the foreign key `via` to the row of `target` it names; holds only when that row
    /// exists and passes (a NULL or dangling reference matches nothing).
    Relation { via: Field, target: &'static ModelDef, rest: Box<Path> },
}

impl std::fmt::Debug for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Column(field) => write!(f, "Column({})", field.name),
            Path::Tags { field, .. } => write!(f, "Tags({field})"),
            Path::Custom { key, kind } => write!(f, "Custom({key}, {kind:?})"),
            Path::Relation { via, target, rest } => write!(f, "Relation({} -> {}, {rest:?})", via.name, target.name),
        }
    }
}

/// What a value is tested for: the operator and its already converted operand in one, so
/// that an `in` never meets a single value nor `isnull` a list.
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    /// `eq`, `neq`, `gt`, `gte`, `lt`, `lte`. `eq` with NULL is `IS NULL`; `neq` is SQL's
    /// `IS NOT` (a NULL value differs from every other value).
    Compare(Cmp, SqlValue),
    /// `in`, or `notin` when `negated`.
    In { values: Vec<SqlValue>, negated: bool },
    /// `contains`, `startswith`, `endswith`; `folded` for the `i` forms, which compare after
    /// Unicode case folding (`store::fold`).
    Text { op: TextOp, folded: bool, needle: String },
    /// `isnull` true or false.
    IsNull(bool),
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// Text matching operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextOp {
    Contains,
    StartsWith,
    EndsWith,
}

/// The operators of the filter language, as clients spell them.
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
    /// The operator called `name` (`"icontains"`).
    pub fn parse(name: &str) -> Option<Op> {
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

    /// What kind of test this operator makes.
    fn shape(self) -> Shape {
        match self {
            Op::Eq => Shape::Compare(Cmp::Eq),
            Op::Neq => Shape::Compare(Cmp::Neq),
            Op::Gt => Shape::Compare(Cmp::Gt),
            Op::Gte => Shape::Compare(Cmp::Gte),
            Op::Lt => Shape::Compare(Cmp::Lt),
            Op::Lte => Shape::Compare(Cmp::Lte),
            Op::Contains => Shape::Text(TextOp::Contains, false),
            Op::IContains => Shape::Text(TextOp::Contains, true),
            Op::StartsWith => Shape::Text(TextOp::StartsWith, false),
            Op::IStartsWith => Shape::Text(TextOp::StartsWith, true),
            Op::EndsWith => Shape::Text(TextOp::EndsWith, false),
            Op::IEndsWith => Shape::Text(TextOp::EndsWith, true),
            Op::In => Shape::In { negated: false },
            Op::NotIn => Shape::In { negated: true },
            Op::IsNull => Shape::IsNull,
        }
    }
}

/// An operator's [`Test`] before its operand is known.
#[derive(Clone, Copy)]
enum Shape {
    Compare(Cmp),
    In { negated: bool },
    Text(TextOp, bool),
    IsNull,
}
