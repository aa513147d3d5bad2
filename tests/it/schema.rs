//! Every model's table and indexes in the live database are exactly what its definition
//! derives (`plinth dev ddl`): columns, types, NOT NULL, defaults, CHECKs, foreign keys with
//! their ON DELETE, unique sets and indexes, compared as the statements SQLite stores. And
//! every filter and ordering field is indexed, of few values, or left out on purpose.

use plinth::engine::{Kind, ddl, links};
use plinth::modules::registry;
use plinth::store::StoreError;

use crate::common::TestServer;

/// The statements SQLite stores for `table`: the table's and its indexes' (sorted).
fn stored(server: &TestServer, table: &str) -> (Option<String>, Vec<String>) {
    server
        .db()
        .read(|conn| {
            let create = conn
                .query_row("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", [table], |r| r.get(0))
                .ok();
            let mut stmt = conn.prepare(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL ORDER BY sql",
            )?;
            let indexes = stmt.query_map([table], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok::<_, StoreError>((create, indexes))
        })
        .expect("sqlite_master")
}

#[test]
fn every_table_is_what_its_definition_derives() {
    let server = TestServer::start();
    let mut problems = Vec::new();
    for model in registry().models() {
        let table = model.def.table;
        let (create, indexes) = stored(&server, table);
        let derived = ddl::create_table(registry(), model);
        if create.as_deref() != Some(derived.as_str()) {
            problems.push(format!(
                "{table}: the live table is\n{}\nbut the definition derives\n{derived}",
                create.unwrap_or_default()
            ));
        }
        let mut wanted = ddl::indexes(model);
        wanted.sort();
        if indexes != wanted {
            problems.push(format!("{table}: live indexes {indexes:#?}\nbut the definition derives {wanted:#?}"));
        }
        for field in links::fields(model) {
            let link = links::table(model.def, field.name);
            let (derived, mut wanted) = links::ddl(registry(), model, field);
            wanted.sort();
            if stored(&server, &link) != (Some(derived.clone()), wanted.clone()) {
                problems.push(format!("{link}: the link table differs from\n{derived}\n{wanted:#?}"));
            }
        }
    }
    assert!(problems.is_empty(), "schema drift (make a migration from `plinth dev ddl`):\n{}", problems.join("\n\n"));
}

#[test]
fn every_filter_and_ordering_field_is_indexed_or_justified() {
    let mut problems = Vec::new();
    for model in registry().models() {
        let def = model.def;
        // A relation path (`from_uom.uom_type`) is filtered through its foreign key.
        for name in def.filters.iter().chain(def.ordering).map(|path| path.split('.').next().unwrap_or(path)) {
            let Some(field) = model.column(name) else { continue };
            // Few distinct values: an index would not narrow a search.
            let few_values = matches!(field.kind, Kind::Boolean | Kind::Choice(_));
            if !few_values && !def.unindexed.contains(&name) && !ddl::is_indexed(model, name) {
                problems.push(format!("{}.{name}", def.table));
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "filter or ordering fields without an index (add one to the definition, or list them in `unindexed`):\n{}",
        problems.join("\n")
    );
}
