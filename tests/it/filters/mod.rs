//! The filter language means the same in SQL and in memory. Random records are stored in a
//! real database — of a probe model with every filterable kind (a NOCASE column, decimals,
//! integers at their bounds, dangling references) and of the real organizations (relations to
//! parents, currencies and types, tags, dates) — and for random filters over all their paths and
//! operators, nested, the rows the compiled SQL selects are exactly the records
//! `Filter::matches` accepts, related rows resolved from the database. Texts come from a
//! per-case vocabulary of Unicode words with their case pairs and LIKE wildcards, so that values
//! and operands meet. Custom fields come untyped and typed (a definition of every type, on the
//! probe, the organizations and — through relations — the currencies), their stored values
//! now and then of the wrong type. A last property feeds arbitrary JSON to the parser: it
//! never panics, and what it accepts runs in SQLite.
//!
//! `PROPTEST_CASES` sets the number of cases (default 256); `PROPTEST_RNG_SEED` replays a run.

mod generate;

use std::collections::BTreeSet;

use generate::{IDS, KINDS, Leaf};
use plinth::engine::custom::Definitions;
use plinth::engine::filter::Filter;
use plinth::engine::{Field, ModelDef, OnDelete, Record, Registry, crud};
use plinth::store::{Db, SqlValue, StoreConfig, StoreError, Synchronous};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rusqlite::params_from_iter;
use serde_json::Value;

static PROBE: ModelDef = ModelDef {
    fields: &[
        Field::text("label", 40).nullable().blank(),
        Field::text("code", 20).nullable().blank(),
        Field::choice("kind", KINDS).nullable(),
        Field::integer("qty", i64::MIN, i64::MAX).nullable(),
        Field::decimal("price", 18, 4).nullable(),
        Field::boolean("flag").nullable(),
        Field::date("day").nullable(),
        Field::datetime("at").nullable(),
        Field::foreign_key("parent", "probe", OnDelete::Restrict).nullable(),
        Field::tags("tags"),
    ],
    custom_fields: true,
    tracking: false,
    audited: false,
    filters: &["label", "code", "kind", "qty", "price", "flag", "day", "at", "parent", "tags"],
    ..ModelDef::base("probe", "Probe", "probes", "probes")
};

/// `code` compares case-insensitively by its collation (plain operators must not); `parent`
/// may name a missing row.
const PROBE_DDL: &str = "CREATE TABLE probes (id TEXT PRIMARY KEY, label TEXT, code TEXT COLLATE NOCASE, \
                         kind TEXT, qty INTEGER, price INTEGER, flag INTEGER, day TEXT, at TEXT, parent TEXT, \
                         custom_fields TEXT NOT NULL DEFAULT '{}') STRICT; \
                         CREATE TABLE probes_tags (probe TEXT NOT NULL REFERENCES probes (id) ON DELETE CASCADE, \
                         tag TEXT NOT NULL REFERENCES tags (slug) ON DELETE CASCADE, PRIMARY KEY (probe, tag)) STRICT";

const PROBE_COLUMNS: &[&str] =
    &["id", "label", "code", "kind", "qty", "price", "flag", "day", "at", "parent", "tags", "custom_fields"];

const ORGANIZATION_COLUMNS: &[&str] = &[
    "id",
    "name",
    "code",
    "organization_type",
    "status",
    "parent",
    "effective_date",
    "end_date",
    "currency",
    "tags",
    "custom_fields",
    "created_at",
    "updated_at",
];

/// What the organizations refer to.
const FIXTURES: &str = "INSERT INTO organization_types (name, created_at, updated_at) VALUES \
     ('Company', '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z'), \
     ('Department', '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z'); \
     INSERT INTO currencies (code, name, numeric_code, decimal_places, is_active, custom_fields, created_at, updated_at) \
     VALUES ('EUR', 'Euro', '978', 2, 1, '{}', '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z'), \
     ('JPY', 'Yen', '392', 0, 1, '{\"k\": 1}', '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z'), \
     ('XXX', 'No currency', NULL, 32767, 0, '{\"k\": \"x\"}', '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z');";

fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256);
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

/// A migrated database in a temp directory, with `setup` run on it.
fn database(setup: &'static str) -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = StoreConfig { path: dir.path().join("filters.db"), synchronous: Synchronous::Normal, readers: 1 };
    let db = Db::open(&config).expect("database");
    db.write(move |conn| conn.execute_batch(setup).map_err(StoreError::from)).expect("setup");
    (dir, db)
}

/// Replaces the rows of `table` with `rows` (ids from [`IDS`]) and reads back, as API
/// records, what the schema accepted.
fn store(db: &Db, model: &plinth::engine::Model, columns: &'static [&str], rows: Vec<Vec<SqlValue>>) -> Vec<Record> {
    let (table, name) = (model.def.table, model.def.name);
    db.write(move |conn| {
        // Leaves first: RESTRICT refuses deleting a parent even along with its children.
        let leaves =
            format!("DELETE FROM {table} WHERE id NOT IN (SELECT parent FROM {table} WHERE parent IS NOT NULL)");
        for _ in IDS {
            conn.execute(&leaves, [])?;
        }
        conn.execute(&format!("DELETE FROM {table}"), [])?;
        // Tags go to their link table (the tag made on first use, by name regardless of case),
        // for the rows the schema accepted.
        let tags_at = columns.iter().position(|c| *c == "tags");
        let stored_columns: Vec<&str> = columns.iter().copied().filter(|c| *c != "tags").collect();
        let insert = format!(
            "INSERT OR IGNORE INTO {table} ({}) VALUES ({})",
            stored_columns.join(", "),
            vec!["?"; stored_columns.len()].join(", ")
        );
        let link = format!(
            "INSERT OR IGNORE INTO {table}_tags ({name}, tag) SELECT ?1, slug FROM tags \
             WHERE name = ?2 AND EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"
        );
        let tag = "INSERT OR IGNORE INTO tags (name, slug, created_at, updated_at) VALUES (?1, hex(?1), '', '')";
        let mut tagged: Vec<(String, Vec<String>)> = Vec::new();
        let rows: Vec<Vec<SqlValue>> = rows
            .into_iter()
            .zip(IDS)
            .map(|(mut row, id)| {
                if let Some(at) = tags_at.map(|i| i - 1)
                    && let SqlValue::Text(names) = row.remove(at)
                {
                    tagged.push((id.to_string(), serde_json::from_str(&names).unwrap_or_default()));
                }
                row
            })
            .collect();
        // A row naming a parent stored later is tried again in the next round.
        let mut pending: Vec<Vec<SqlValue>> = IDS
            .iter()
            .zip(rows)
            .map(|(id, row)| std::iter::once(SqlValue::Text(id.to_string())).chain(row).collect())
            .collect();
        for _ in IDS {
            let mut refused = Vec::new();
            for row in pending {
                match conn.execute(&insert, params_from_iter(&row)).map_err(StoreError::from) {
                    Ok(_) => {}
                    Err(StoreError::ForeignKey) => refused.push(row),
                    Err(other) => return Err(other),
                }
            }
            pending = refused;
        }
        for (id, names) in tagged {
            for name in names {
                conn.execute(tag, [&name])?;
                conn.execute(&link, [&id, &name])?;
            }
        }
        Ok(())
    })
    .expect("rows stored");
    db.read(|conn| {
        let mut statement = conn.prepare(&format!("SELECT {} FROM {table}", model.select_list))?;
        let records: rusqlite::Result<Vec<Record>> =
            statement.query_map([], |row| crud::read_row(model, row))?.collect();
        records.map_err(StoreError::from)
    })
    .expect("rows read")
}

/// The keys of the rows the compiled filter selects.
fn selected(db: &Db, table: &str, key: &str, filter: &Filter) -> Result<BTreeSet<String>, StoreError> {
    let sql = filter.to_sql();
    let query = format!("SELECT \"{key}\" FROM \"{table}\" WHERE {}", sql.text);
    db.read(|conn| {
        let mut statement = conn.prepare(&query)?;
        let keys: rusqlite::Result<BTreeSet<String>> =
            statement.query_map(params_from_iter(&sql.params), |row| row.get::<_, String>(0))?.collect();
        keys.map_err(StoreError::from)
    })
}

/// Stores random rows of `name` and checks random filters over `paths` select in SQL exactly
/// the records they match in memory, relations resolved from the database.
fn check_agreement(
    db: &Db,
    registry: &Registry,
    name: &str,
    columns: &'static [&str],
    row: fn(&[String], usize) -> BoxedStrategy<Vec<SqlValue>>,
    paths: &[(String, Leaf)],
    definitions: &Definitions,
) {
    let model = registry.get(name).expect("model");
    let key = model.def.key;
    let resolve = |def: &ModelDef, key: &str| {
        let target = registry.get(def.name)?;
        db.read(|conn| crud::fetch(conn, target, key)).ok().flatten()
    };
    let paths = paths.to_vec();
    let strategy = generate::vocabulary().prop_flat_map(move |words| {
        let filters = vec(generate::filter(&words, &paths), 1..12);
        ((1..=IDS.len()).prop_flat_map(move |n| vec(row(&words, n), n)), filters)
    });
    runner()
        .run(&strategy, |(rows, trees)| {
            let records = store(db, model, columns, rows);
            for tree in &trees {
                let filter = Filter::from_json(registry, model, tree, definitions)
                    .map_err(|e| TestCaseError::fail(format!("{tree} does not parse: {e}")))?;
                let in_sql = selected(db, model.def.table, key, &filter)
                    .map_err(|e| TestCaseError::fail(format!("{tree} fails in SQLite: {e}")))?;
                let in_memory: BTreeSet<String> = records
                    .iter()
                    .filter(|r| filter.matches(r, &resolve))
                    .map(|r| r[key].as_str().unwrap_or_default().to_string())
                    .collect();
                let sql = filter.to_sql().text;
                prop_assert_eq!(&in_sql, &in_memory, "filter {}\nSQL {}\nrecords {:?}", tree, sql, records);
            }
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
}

#[test]
fn probe_records_match_the_same_in_sql_and_in_memory() {
    let (_dir, db) = database(PROBE_DDL);
    let registry = Registry::new(&[&PROBE]);
    let definitions = generate::definitions(&["probe"]);
    check_agreement(
        &db,
        &registry,
        "probe",
        PROBE_COLUMNS,
        generate::probe_row,
        &generate::probe_paths(),
        &definitions,
    );
    db.close();
}

#[test]
fn typed_custom_fields_match_the_same_in_sql_and_in_memory() {
    let (_dir, db) = database(PROBE_DDL);
    let registry = Registry::new(&[&PROBE]);
    let definitions = generate::definitions(&["probe"]);
    let (row, paths) = (generate::custom_row, generate::typed_paths());
    check_agreement(&db, &registry, "probe", PROBE_COLUMNS, row, &paths, &definitions);
    db.close();
}

#[test]
fn organizations_match_the_same_in_sql_and_in_memory() {
    let (_dir, db) = database(FIXTURES);
    let registry = plinth::modules::registry();
    let (row, paths) = (generate::organization_row, generate::organization_paths());
    let definitions = generate::definitions(&["organization"]);
    check_agreement(&db, registry, "organization", ORGANIZATION_COLUMNS, row, &paths, &definitions);
    db.close();
}

// ---------------------------------------------------------------------------------------
// Arbitrary JSON

/// Any JSON, biased towards the words of the filter language.
fn any_json() -> BoxedStrategy<Value> {
    let words = vec![
        "and",
        "or",
        "not",
        "field",
        "op",
        "value",
        "eq",
        "in",
        "isnull",
        "icontains",
        "label",
        "parent.label",
        "parent__parent__qty",
        "tags",
        "custom_fields.k",
        "custom_fields.dec",
        "custom_fields__num",
        "parent.custom_fields.day",
        "custom_fields.pick",
        "9.5",
        "2024-02-29",
        "custom_fields",
        "custom_fields.",
        "qty",
        "price",
        "day",
        "name",
        "code",
        "status",
        "parent.code",
        "organization_type",
        "from_uom.uom_type",
        "a,b",
        "",
        "true",
    ];
    let keys = vec!["and", "or", "not", "field", "op", "value", "x"];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        generate::integer(i64::MIN, i64::MAX).prop_map(Value::from),
        (-8i32..8).prop_map(|q| Value::from(f64::from(q) * 1.25e10)),
        select(words).prop_map(Value::from),
        generate::text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 5, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(Value::from),
            vec((select(keys.clone()), inner), 0..4)
                .prop_map(|pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
    .boxed()
}

#[test]
fn parsing_arbitrary_json_never_panics_and_what_parses_runs() {
    let (_dir, db) = database(PROBE_DDL);
    let probe = Registry::new(&[&PROBE]);
    let registry = plinth::modules::registry();
    let targets: [(&Registry, &str); 4] =
        [(&probe, "probe"), (registry, "organization"), (registry, "status"), (registry, "uomconversion")];
    let definitions = generate::definitions(&["probe", "organization", "status", "uom"]);
    runner()
        .run(&any_json(), |tree| {
            for (registry, name) in targets {
                let model = registry.get(name).expect("model");
                let Ok(filter) = Filter::from_json(registry, model, &tree, &definitions) else { continue };
                selected(&db, model.def.table, model.def.key, &filter)
                    .map_err(|e| TestCaseError::fail(format!("{tree} on {name} fails in SQLite: {e}")))?;
            }
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
    db.close();
}
