//! Every model definition agrees with the live schema: each column exists with the right
//! storage type, nullability and key, each foreign key points where the definition says with
//! the right ON DELETE, and tables have no columns the engine does not know.

use plinth::engine::{Kind, Model, crud};
use plinth::modules::registry;
use plinth::store::StoreError;

use crate::common::TestServer;

struct Column {
    name: String,
    declared: String,
    not_null: bool,
    primary_key: bool,
}

struct ForeignKey {
    table: String,
    from: String,
    to: String,
    on_delete: String,
}

fn columns(server: &TestServer, table: &str) -> Vec<Column> {
    let sql = format!("SELECT name, type, \"notnull\", pk FROM pragma_table_info('{table}')");
    server
        .db()
        .read(|conn| {
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map([], |r| {
                Ok(Column {
                    name: r.get(0)?,
                    declared: r.get(1)?,
                    not_null: r.get(2)?,
                    primary_key: r.get::<_, i64>(3)? > 0,
                })
            })?;
            Ok::<_, StoreError>(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .expect("table_info")
}

fn foreign_keys(server: &TestServer, table: &str) -> Vec<ForeignKey> {
    let sql = format!("SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('{table}')");
    server
        .db()
        .read(|conn| {
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map([], |r| {
                Ok(ForeignKey { table: r.get(0)?, from: r.get(1)?, to: r.get(2)?, on_delete: r.get(3)? })
            })?;
            Ok::<_, StoreError>(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .expect("foreign_key_list")
}

fn check_model(server: &TestServer, model: &Model) -> Vec<String> {
    let mut problems = Vec::new();
    let table = model.def.table;
    let live = columns(server, table);
    if live.is_empty() {
        return vec![format!("{table}: table missing")];
    }
    for field in model.stored() {
        let Some(column) = live.iter().find(|c| c.name == field.name) else {
            problems.push(format!("{table}.{}: column missing", field.name));
            continue;
        };
        let expected_type = if field.kind.is_integer_column() { "INTEGER" } else { "TEXT" };
        if column.declared != expected_type {
            problems
                .push(format!("{table}.{}: type {} but the model says {expected_type}", field.name, column.declared));
        }
        let is_key = field.name == model.def.key;
        // An INTEGER PRIMARY KEY is the rowid: never NULL, whatever the pragma says.
        let rowid = column.primary_key && column.declared == "INTEGER";
        if column.not_null == field.nullable && !is_key && !rowid {
            problems.push(format!(
                "{table}.{}: NOT NULL is {} but nullable is {}",
                field.name, column.not_null, field.nullable
            ));
        }
        if is_key && !column.primary_key && !unique_columns(server, table).contains(&field.name.to_string()) {
            problems.push(format!("{table}.{}: the key is neither the primary key nor unique", field.name));
        }
        if column.primary_key && !is_key && !rowid {
            problems.push(format!("{table}.{}: primary key but not the model's key", field.name));
        }
        if let Kind::ForeignKey { model: target, on_delete } = field.kind {
            let (target_table, target_key) = crud::target_table(registry(), target);
            let found = foreign_keys(server, table).into_iter().find(|fk| fk.from == field.name);
            match found {
                None => problems.push(format!("{table}.{}: foreign key missing", field.name)),
                Some(fk) if fk.table != target_table || fk.to != target_key || fk.on_delete != on_delete.sql() => {
                    problems.push(format!(
                        "{table}.{}: references {}({}) ON DELETE {}, the model says {target_table}({target_key}) ON DELETE {}",
                        field.name,
                        fk.table,
                        fk.to,
                        fk.on_delete,
                        on_delete.sql()
                    ))
                }
                Some(_) => {}
            }
        }
    }
    for column in &live {
        if !model.stored().any(|f| f.name == column.name) {
            problems.push(format!("{table}.{}: column unknown to the model", column.name));
        }
    }
    problems
}

#[test]
fn every_model_definition_matches_the_live_schema() {
    let server = TestServer::start();
    let problems: Vec<String> = registry().models().iter().flat_map(|m| check_model(&server, m)).collect();
    assert!(problems.is_empty(), "schema drift:\n{}", problems.join("\n"));
}

/// Columns with a single-column UNIQUE index.
fn unique_columns(server: &TestServer, table: &str) -> Vec<String> {
    server
        .db()
        .read(|conn| {
            let sql = format!(
                "SELECT ii.name FROM pragma_index_list('{table}') il JOIN pragma_index_info(il.name) ii
                 WHERE il.\"unique\" = 1 AND (SELECT COUNT(*) FROM pragma_index_info(il.name)) = 1"
            );
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok::<_, StoreError>(rows)
        })
        .expect("index_list")
}

#[test]
fn unique_fields_are_unique_in_the_database() {
    let server = TestServer::start();
    let mut problems = Vec::new();
    for model in registry().models() {
        let indexes = unique_columns(&server, model.def.table);
        for field in model.columns.iter().filter(|f| f.unique) {
            if !indexes.contains(&field.name.to_string()) {
                problems
                    .push(format!("{}.{} is unique in the model but not in the database", model.def.table, field.name));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
