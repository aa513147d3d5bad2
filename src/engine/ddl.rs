//! The schema derived from the definitions (DESIGN.md §5, "one source for the schema"): each
//! model's `CREATE TABLE` — types, NOT NULL, defaults, CHECKs for lengths, ranges, choices
//! and JSON, foreign keys with their ON DELETE, unique fields and sets — and its indexes:
//! every foreign key, the default order, unique sets whose nullable members make rows
//! collide, sets unique unless blank (partial indexes), and the definition's own. `plinth dev
//! ddl` prints it; migrations are made from that output, and the schema test requires the
//! live database to match it to the byte.

use super::def::{Default, Field, JsonShape, Kind};
use super::model::{Model, Registry, TRACKING};

/// `CREATE TABLE "<table>" (…) STRICT`, as the database stores it.
pub fn create_table(registry: &Registry, model: &Model) -> String {
    create_table_named(registry, model, model.def.table)
}

/// The table's statement under another name (a rebuild creates it beside the old one).
fn create_table_named(registry: &Registry, model: &Model, name: &str) -> String {
    let mut lines: Vec<String> = model.stored().map(|field| column(registry, model, field)).collect();
    for set in model.def.unique_together {
        lines.push(format!("UNIQUE ({})", quoted(set)));
    }
    for check in model.def.checks {
        lines.push(format!("CONSTRAINT \"{}\" CHECK ({})", check.field, check.sql));
    }
    format!("CREATE TABLE \"{name}\" (\n    {}\n) STRICT", lines.join(",\n    "))
}

/// One column definition.
fn column(registry: &Registry, model: &Model, field: &Field) -> String {
    let name = field.name;
    let key = name == model.def.key;
    let integer = field.kind.is_integer_column();
    let mut out = format!("\"{name}\" {}", if integer { "INTEGER" } else { "TEXT" });
    if key {
        out.push_str(if integer { " PRIMARY KEY" } else { " NOT NULL PRIMARY KEY" });
    } else if !field.nullable {
        out.push_str(" NOT NULL");
    }
    if field.nocase {
        out.push_str(" COLLATE NOCASE");
    }
    if field.unique && !key {
        out.push_str(" UNIQUE");
    }
    if let Some(default) = default(field) {
        out.push_str(&format!(" DEFAULT {default}"));
    }
    if let Some(check) = check(field).filter(|_| !(key && model.generated_key())) {
        out.push_str(&format!(" CONSTRAINT \"{name}\" CHECK ({check})"));
    }
    if let Kind::ForeignKey { model: target, on_delete } = field.kind {
        let (table, target_key) = super::crud::target_table(registry, target);
        out.push_str(&format!(" REFERENCES \"{table}\" (\"{target_key}\") ON DELETE {}", on_delete.sql()));
    }
    out
}

/// The column's SQL default: the definition's, or '' for text that may be blank.
fn default(field: &Field) -> Option<String> {
    match field.default {
        Some(Default::Bool(b)) => Some(i64::from(b).to_string()),
        Some(Default::Int(i)) => Some(i.to_string()),
        Some(Default::Text(t)) => Some(literal(t)),
        Some(Default::EmptyObject) => Some("'{}'".into()),
        Some(Default::EmptyArray) => Some("'[]'".into()),
        Some(Default::DaysFromNow(_)) => None,
        None if field.blank && !field.nullable => Some("''".into()),
        None => None,
    }
}

/// What the database checks of a value of this field (the engine checks more: formats,
/// vocabularies).
fn check(field: &Field) -> Option<String> {
    let c = format!("\"{}\"", field.name);
    let length = |max: usize| {
        if field.blank { format!("length({c}) <= {max}") } else { format!("length({c}) BETWEEN 1 AND {max}") }
    };
    Some(match field.kind {
        Kind::Text { max } | Kind::Slug { max } => length(max),
        Kind::LongText | Kind::Password if !field.blank => format!("length({c}) >= 1"),
        Kind::Integer { min, max } if (min, max) != (i64::MIN, i64::MAX) => format!("{c} BETWEEN {min} AND {max}"),
        Kind::Decimal { digits, .. } if digits < 19 => {
            let bound = 10_i64.pow(digits) - 1;
            format!("{c} BETWEEN -{bound} AND {bound}")
        }
        Kind::Boolean => format!("{c} IN (0, 1)"),
        Kind::Json(JsonShape::Object) => format!("json_valid({c}) AND json_type({c}) = 'object'"),
        Kind::Json(JsonShape::Array) => format!("json_valid({c}) AND json_type({c}) = 'array'"),
        Kind::Json(JsonShape::Any) => format!("json_valid({c})"),
        Kind::Choice(choices) => {
            let blank = field.blank.then_some("");
            let listed: Vec<String> = choices.iter().copied().chain(blank).map(literal).collect();
            format!("{c} IN ({})", listed.join(", "))
        }
        Kind::Color => length(7),
        Kind::Country => length(2),
        Kind::Timezone => length(64),
        Kind::Phone => length(16),
        Kind::Language => length(35),
        Kind::Email => length(254),
        _ => return None,
    })
}

/// Every index of the model's table, as the database stores them: foreign keys, the default
/// order, unique sets with nullable members, sets unique unless blank, and the definition's
/// own.
pub fn indexes(model: &Model) -> Vec<String> {
    let table = model.def.table;
    let mut wanted: Vec<(bool, Vec<&str>, String)> = Vec::new();
    for set in model.def.unique_together {
        for nullable in set.iter().filter(|f| model.column(f).is_some_and(|c| c.nullable)) {
            let others: Vec<&str> = set.iter().copied().filter(|f| f != nullable).collect();
            wanted.push((true, others, format!("\"{nullable}\" IS NULL")));
        }
    }
    for set in model.def.unique_unless_blank {
        // NULLs never collide in a unique index; blank text would, so it is left out.
        let blank = set.iter().filter(|f| model.column(f).is_some_and(|c| c.blank && !c.nullable));
        let given: Vec<String> = blank.map(|f| format!("\"{f}\" <> ''")).collect();
        wanted.push((true, set.to_vec(), given.join(" AND ")));
    }
    for index in model.def.indexes {
        wanted.push((index.unique, index.columns.to_vec(), index.filter.to_string()));
    }
    let order: Vec<&str> = model.def.default_order.iter().map(|o| o.trim_start_matches('-')).collect();
    if model.def.tree.is_some() {
        // A subtree is a range of paths; with the default order and the key beside them, the
        // `descendants/` page is sorted and counted from the index alone.
        let mut columns = vec![super::tree::PATH.name];
        columns.extend(order.iter().copied().filter(|c| *c != model.def.key && *c != super::tree::PATH.name));
        columns.push(model.def.key);
        wanted.push((false, columns, String::new()));
    }
    if !order.is_empty() && order != [model.def.key] {
        wanted.push((false, order, String::new()));
    }
    // Tracking columns (`created_by` …) go without: an index on every table would tax every
    // write for the rare deletion of a user, which may scan instead.
    let tracking = |f: &&Field| model.def.tracking && TRACKING.iter().any(|t| t.name == f.name);
    for field in model.stored().filter(|f| matches!(f.kind, Kind::ForeignKey { .. })).filter(|f| !tracking(f)) {
        wanted.push((false, vec![field.name], String::new()));
    }
    let mut out: Vec<String> = Vec::new();
    let mut covered: Vec<Vec<&str>> = vec![vec![model.def.key]];
    covered.extend(model.stored().filter(|f| f.unique).map(|f| vec![f.name]));
    covered.extend(model.def.unique_together.iter().map(|set| set.to_vec()));
    for (unique, columns, filter) in wanted {
        // A plain index whose columns lead an existing one adds nothing.
        if !unique && filter.is_empty() && covered.iter().any(|c| c.starts_with(&columns)) {
            continue;
        }
        let name = format!("{table}_{}{}", columns.join("_"), if filter.is_empty() { "" } else { "_partial" });
        let kind = if unique { "UNIQUE INDEX" } else { "INDEX" };
        let condition = if filter.is_empty() { String::new() } else { format!(" WHERE {filter}") };
        out.push(format!("CREATE {kind} \"{name}\" ON \"{table}\" ({}){condition}", quoted(&columns)));
        if filter.is_empty() {
            covered.push(columns);
        }
    }
    out
}

/// Whether `field` of `model` leads an index (or is the key, unique, first of a unique set,
/// or tags — whose link table is indexed by tag): filtering and ordering by it need not scan.
pub fn is_indexed(model: &Model, field: &str) -> bool {
    let leads = |sql: &String| sql.split_once(" (").is_some_and(|(_, cols)| cols.starts_with(&format!("\"{field}\"")));
    field == model.def.key
        || model.column(field).is_some_and(|f| f.unique || matches!(f.kind, Kind::Tags))
        || model.def.unique_together.iter().any(|set| set.first() == Some(&field))
        || indexes(model).iter().any(leads)
}

/// The statements that rebuild a model's table to its definition, keeping its rows: create
/// beside it, copy the columns both have, drop the old, rename, index. For a migration whose
/// foreign keys are off (every migration runs so).
pub fn rebuild(registry: &Registry, model: &Model, old_columns: &[String]) -> String {
    let table = model.def.table;
    let temporary = format!("{table}_rebuilt");
    let kept: Vec<&str> = model.stored().map(|f| f.name).filter(|n| old_columns.iter().any(|c| c == n)).collect();
    let mut out = vec![
        format!("{};", create_table_named(registry, model, &temporary)),
        format!("INSERT INTO \"{temporary}\" ({0}) SELECT {0} FROM \"{table}\";", quoted(&kept)),
        format!("DROP TABLE \"{table}\";"),
        format!("ALTER TABLE \"{temporary}\" RENAME TO \"{table}\";"),
    ];
    out.extend(indexes(model).into_iter().map(|sql| format!("{sql};")));
    out.join("\n")
}

/// The statements that create a model's table, its link tables and their indexes.
pub fn create(registry: &Registry, model: &Model) -> String {
    let mut out = vec![format!("{};", create_table(registry, model))];
    out.extend(indexes(model).into_iter().map(|sql| format!("{sql};")));
    for field in super::links::fields(model) {
        let (table, indexes) = super::links::ddl(registry, model, field);
        out.push(format!("{table};"));
        out.extend(indexes.into_iter().map(|sql| format!("{sql};")));
    }
    out.join("\n")
}

fn quoted(columns: &[&str]) -> String {
    columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
}

/// A SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    //! Sets unique unless blank on models of their own (stock locations' barcodes prove them
    //! over HTTP): a label unique per group when given, on rows and in a child list.

    use serde_json::{Value, json};

    use crate::engine::testing::Fixture;
    use crate::engine::{EngineError, Field, ModelDef, OnDelete, Record};

    const LABEL: ModelDef = ModelDef {
        fields: &[Field::text("group", 20), Field::text("label", 20).blank()],
        unique_unless_blank: &[&["group", "label"]],
        ..ModelDef::base("label", "Label", "labels", "test_labels")
    };
    const SHELF: ModelDef = ModelDef {
        fields: &[Field::text("name", 20), Field::children("bins", "bin", "shelf")],
        ..ModelDef::base("shelf", "Shelf", "shelves", "test_shelves")
    };
    const BIN: ModelDef = ModelDef {
        fields: &[Field::foreign_key("shelf", "shelf", OnDelete::Cascade), Field::text("label", 20).blank()],
        unique_unless_blank: &[&["shelf", "label"]],
        nested: true,
        audited: false,
        ..ModelDef::base("bin", "Bin", "bins", "test_bins")
    };

    fn errors(result: Result<Record, EngineError>) -> Value {
        match result {
            Err(EngineError::Validation(errors)) => errors.to_json(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn a_set_unique_unless_blank_is_a_partial_unique_index() {
        let fixture = Fixture::new(&[&LABEL, &SHELF, &BIN]);
        let index = "CREATE UNIQUE INDEX \"test_labels_group_label_partial\" ON \"test_labels\" (\"group\", \"label\") \
                     WHERE \"label\" <> ''";
        assert_eq!(super::indexes(fixture.model("label")), [index]);
        for (group, label) in [("a", ""), ("a", ""), ("a", "x"), ("b", "x")] {
            fixture.create("label", json!({ "group": group, "label": label })).expect("no collision");
        }
        let twin = fixture.create("label", json!({ "group": "a", "label": "x" }));
        assert_eq!(errors(twin), json!({ "non_field_errors": ["The fields group, label must make a unique set."] }));
        let bins = json!([{ "label": "" }, { "label": "" }, { "label": "x" }, { "label": "x" }]);
        let repeated = fixture.create("shelf", json!({ "name": "S", "bins": bins }));
        assert_eq!(
            errors(repeated),
            json!({ "bins": [{}, {}, {}, { "label": ["This label is already in the list."] }] })
        );
        let fine = fixture.create("shelf", json!({ "name": "S", "bins": [{ "label": "" }, { "label": "" }] }));
        assert_eq!(fine.expect("blank labels never collide")["bins"].as_array().map(Vec::len), Some(2));
    }
}
