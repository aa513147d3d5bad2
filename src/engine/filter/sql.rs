//! Compiling a [`Filter`] into one SQL condition on the model's table. Plain operators
//! compare exactly (`COLLATE BINARY`, whatever the column's collation), the `i` forms through
//! `plinth_fold` (= `store::fold`) and `LIKE … ESCAPE`, relations as `IN (SELECT key …)`.

use super::{Cmp, Filter, Path, Test, TextOp};
use crate::engine::ModelDef;
use crate::store::{FOLD, SqlValue, fold};

/// A SQL fragment with its positional parameters.
#[derive(Clone, Debug, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<SqlValue>,
}

impl Sql {
    /// All of `parts` must hold; no part at all is `1` (true).
    pub fn all(parts: impl IntoIterator<Item = Sql>) -> Sql {
        let mut out = Sql::default();
        for (i, part) in parts.into_iter().enumerate() {
            if i > 0 {
                out.text.push_str(" AND ");
            }
            out.text.push('(');
            out.text.push_str(&part.text);
            out.text.push(')');
            out.params.extend(part.params);
        }
        if out.text.is_empty() {
            out.text.push('1');
        }
        out
    }

    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn bind(&mut self, value: SqlValue) {
        self.text.push('?');
        self.params.push(value);
    }
}

impl Filter {
    /// The SQL condition selecting the rows this filter matches. Paths were resolved when the
    /// filter was parsed, so compiling needs nothing else.
    pub fn to_sql(&self) -> Sql {
        let mut out = Sql::default();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut Sql) {
        match self {
            Filter::And(items) => join(items, " AND ", "1", out),
            Filter::Or(items) => join(items, " OR ", "0", out),
            Filter::Not(inner) => {
                out.push("NOT (");
                inner.write(out);
                out.push(")");
            }
            Filter::Condition(condition) => write_path(&condition.path, &condition.test, out),
        }
    }
}

fn join(items: &[Filter], separator: &str, empty: &str, out: &mut Sql) {
    if items.is_empty() {
        out.push(empty);
    }
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(separator);
        }
        out.push("(");
        item.write(out);
        out.push(")");
    }
}

/// The SQL expressions a test reads a value through.
struct Expr<'a> {
    /// The value itself (`IS NULL`).
    plain: &'a str,
    /// The value for `=`, `<`, `IN` …: compared as bytes.
    compared: &'a str,
    /// The value for text matching: NULL unless it is text.
    text: &'a str,
}

fn write_path(path: &Path, test: &Test, out: &mut Sql) {
    match path {
        Path::Column(field) => {
            let column = format!("\"{}\"", field.name);
            let binary = format!("{column} COLLATE BINARY");
            let compared = if field.kind.is_integer_column() { &column } else { &binary };
            write_test(&Expr { plain: &column, compared, text: &column }, test, out);
        }
        Path::Tags { owner, field } => tags(owner, field, test, out),
        Path::Custom { key, kind: Some(kind) } => {
            // NULL unless a value of the type: it serves every operator alike.
            let value = super::typed::expression(key, *kind);
            write_test(&Expr { plain: &value, compared: &value, text: &value }, test, out);
        }
        Path::Custom { key, kind: None } => {
            // Keys are checked to be letters, digits and `_` when parsed.
            let value = format!("json_extract(\"custom_fields\", '$.{key}')");
            let text = format!("(CASE WHEN typeof({value}) = 'text' THEN {value} END)");
            write_test(&Expr { plain: &value, compared: &value, text: &text }, test, out);
        }
        Path::Relation { via, target, rest } => {
            // `NULL IN (…)` would be NULL rather than false: a missing reference plainly
            // matches nothing, under `not` too.
            let name = via.name;
            let guard = if via.nullable { format!("\"{name}\" IS NOT NULL AND ") } else { String::new() };
            out.push(&format!("({guard}\"{name}\" IN (SELECT \"{}\" FROM \"{}\" WHERE ", target.key, target.table));
            write_path(rest, test, out);
            out.push("))");
        }
    }
}

/// The row's tags (through its link table) pass `test` when one of them does, by name folded
/// to ASCII lower case. The tags passing are found once (the subquery does not depend on the
/// row), then each row is one probe of its link table's key. With its in-memory counterpart
/// `eval::tag_values`, the only code here that knows how tags are stored.
fn tags(owner: &ModelDef, field: &str, test: &Test, out: &mut Sql) {
    out.push(&format!(
        "EXISTS (SELECT 1 FROM \"{link}\" l WHERE l.\"{owner_column}\" = \"{table}\".\"{key}\" \
         AND l.tag IN (SELECT t.slug FROM \"tags\" t WHERE ",
        link = super::super::links::table(owner, field),
        owner_column = super::super::links::owner(owner),
        table = owner.table,
        key = owner.key,
    ));
    let name = "lower(t.name)";
    write_test(&Expr { plain: name, compared: name, text: name }, test, out);
    out.push("))");
}

fn write_test(expr: &Expr, test: &Test, out: &mut Sql) {
    match test {
        Test::Compare(Cmp::Eq, SqlValue::Null) => out.push(&format!("{} IS NULL", expr.plain)),
        Test::Compare(Cmp::Neq, SqlValue::Null) => out.push(&format!("{} IS NOT NULL", expr.plain)),
        Test::Compare(cmp, value) => {
            let op = match cmp {
                Cmp::Eq => "=",
                Cmp::Neq => "IS NOT",
                Cmp::Gt => ">",
                Cmp::Gte => ">=",
                Cmp::Lt => "<",
                Cmp::Lte => "<=",
            };
            out.push(&format!("{} {op} ", expr.compared));
            out.bind(value.clone());
        }
        Test::In { values, negated } if values.is_empty() => out.push(if *negated { "1" } else { "0" }),
        Test::In { values, negated } => {
            out.push(&format!("{} {}IN (", expr.compared, if *negated { "NOT " } else { "" }));
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    out.push(", ");
                }
                out.bind(value.clone());
            }
            out.push(")");
        }
        Test::Text { op, folded: false, needle } => {
            let text = expr.text;
            let needle = || SqlValue::Text(needle.clone());
            match op {
                TextOp::Contains => out.push(&format!("instr({text}, ?) > 0")),
                TextOp::StartsWith => out.push(&format!("substr({text}, 1, length(?)) = ?")),
                TextOp::EndsWith => out.push(&format!("substr({text}, length({text}) - length(?) + 1) = ?")),
            }
            let times = if *op == TextOp::Contains { 1 } else { 2 };
            out.params.extend(std::iter::repeat_with(needle).take(times));
        }
        Test::Text { op, folded: true, needle } => {
            let escaped = escape_like(&fold(needle));
            let pattern = match op {
                TextOp::Contains => format!("%{escaped}%"),
                TextOp::StartsWith => format!("{escaped}%"),
                TextOp::EndsWith => format!("%{escaped}"),
            };
            out.push(&format!("{FOLD}({}) LIKE ", expr.text));
            out.bind(SqlValue::Text(pattern));
            out.push(" ESCAPE '\\'");
        }
        Test::IsNull(is_null) => out.push(&format!("{} IS {}NULL", expr.plain, if *is_null { "" } else { "NOT " })),
    }
}

/// Escapes `\`, `%` and `_` for a LIKE pattern with `ESCAPE '\'`.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
