//! The filter language means the same in SQL and in memory: random records of a probe model
//! with every filterable kind (a NOCASE column, NULLs everywhere, Unicode case pairs, LIKE
//! wildcards, numbers at their bounds, dangling references, tags, custom fields) are stored in
//! a real database, and for random filters over all paths and operators the rows the compiled
//! SQL selects are exactly the records `Filter::matches` accepts. A second property feeds
//! arbitrary JSON to the parser: it never panics, and what it accepts runs in SQLite.
//!
//! `PROPTEST_CASES` sets the number of cases (default 256); `PROPTEST_RNG_SEED` replays a run.

use std::collections::{BTreeSet, HashMap};

use plinth::engine::filter::Filter;
use plinth::engine::{Field, ModelDef, OnDelete, Record, Registry, crud};
use plinth::store::{Db, SqlValue, StoreConfig, StoreError, Synchronous};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rusqlite::params_from_iter;
use serde_json::{Map, Value, json};

const KINDS: &[&str] = &["a", "A", "ä", "b_%"];

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

/// `code` compares case-insensitively by its collation: plain operators must not.
const DDL: &str = "CREATE TABLE probes (id TEXT PRIMARY KEY, label TEXT, code TEXT COLLATE NOCASE, kind TEXT, \
                   qty INTEGER, price INTEGER, flag INTEGER, day TEXT, at TEXT, parent TEXT, \
                   tags TEXT NOT NULL DEFAULT '[]', custom_fields TEXT NOT NULL DEFAULT '{}') STRICT";

/// Columns in insertion order (the model's, after its generated `id`).
const COLUMNS: [&str; 12] =
    ["id", "label", "code", "kind", "qty", "price", "flag", "day", "at", "parent", "tags", "custom_fields"];

const IDS: [&str; 6] = ["p0", "p1", "p2", "p3", "p4", "p5"];

fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256);
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

/// A database with the probe table, and the registry that knows the probe model.
fn probe_db() -> (tempfile::TempDir, Db, Registry) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = StoreConfig { path: dir.path().join("probe.db"), synchronous: Synchronous::Normal, readers: 1 };
    let db = Db::open(&config).expect("database");
    db.write(|conn| conn.execute_batch(DDL).map_err(StoreError::from)).expect("probe table");
    (dir, db, Registry::new(&[&PROBE]))
}

// ---------------------------------------------------------------------------------------
// Values

/// Short texts built from pieces that fold, expand or look like LIKE wildcards.
fn text() -> BoxedStrategy<String> {
    const PIECES: &[&str] =
        &["", "a", "A", "ä", "Ä", "ß", "ss", "İ", "i", "ǅ", "ǆ", "%", "_", "\\", " ", "x", "10", "9"];
    vec(select(PIECES), 0..4).prop_map(|parts| parts.concat()).boxed()
}

/// The texts of one case: a few words, each also upper- and lower-cased, so that stored
/// values and operands often meet (equal, equal but for case, one inside the other).
fn vocabulary() -> BoxedStrategy<Vec<String>> {
    vec(text(), 1..4)
        .prop_map(|words| words.iter().flat_map(|w| [w.clone(), w.to_uppercase(), w.to_lowercase()]).collect())
        .boxed()
}

/// A word of the case, now and then another text.
fn word(words: &[String]) -> BoxedStrategy<String> {
    prop_oneof![4 => select(words.to_vec()), 1 => text()].boxed()
}

/// A piece of a word of the case: a needle for text matching.
fn piece(words: &[String]) -> BoxedStrategy<String> {
    let slice = (select(words.to_vec()), 0..3usize, 0..4usize)
        .prop_map(|(w, skip, take)| w.chars().skip(skip).take(take).collect::<String>());
    prop_oneof![slice, word(words)].boxed()
}

fn integer() -> BoxedStrategy<i64> {
    let bounds = vec![i64::MIN, i64::MIN + 1, -1, 0, 1, (1 << 53) + 1, i64::MAX - 1, i64::MAX];
    prop_oneof![select(bounds), -3i64..4].boxed()
}

/// Decimal(18, 4) as stored: the value times 10^4.
fn scaled() -> BoxedStrategy<i64> {
    let limit = 999_999_999_999_999_999;
    prop_oneof![select(vec![-limit, -125_000, -1, 0, 1, 5_000, 125_000, limit]), -3i64..4].boxed()
}

const DAYS: &[&str] = &["1999-12-31", "2024-01-01", "2024-01-10", "2024-02-29"];
const STAMPS: &[&str] = &["1999-12-31T23:59:59.999999Z", "2024-01-01T00:00:00.000000Z", "2024-01-01T12:30:00.500000Z"];

/// A value of an untyped custom field: any JSON scalar (reals exact in binary, some beyond
/// what an f64 tells apart from the integers above).
fn scalar(words: &[String]) -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        integer().prop_map(Value::from),
        (-8i32..8).prop_map(|q| Value::from(f64::from(q) / 4.0)),
        select(vec![9_007_199_254_740_992.0, 9_223_372_036_854_775_808.0, -9_223_372_036_854_775_808.0])
            .prop_map(Value::from),
        word(words).prop_map(Value::from),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------
// Records

fn tags() -> BoxedStrategy<Value> {
    proptest::sample::subsequence(vec!["a", "A", "ä", "Ä", "b_%"], 0..4).prop_map(|tags| json!(tags)).boxed()
}

fn custom_fields(words: &[String]) -> BoxedStrategy<Value> {
    let entry = proptest::option::of(scalar(words));
    (entry.clone(), entry)
        .prop_map(|(k, n)| {
            let mut object = Map::new();
            object.extend(k.map(|v| ("k".to_string(), v)));
            object.extend(n.map(|v| ("n".to_string(), v)));
            Value::Object(object)
        })
        .boxed()
}

/// One row's column values after its id.
fn row(words: &[String]) -> BoxedStrategy<Vec<SqlValue>> {
    let maybe_text =
        |s: BoxedStrategy<String>| proptest::option::of(s).prop_map(|t| t.map_or(SqlValue::Null, SqlValue::Text));
    let maybe_int =
        |s: BoxedStrategy<i64>| proptest::option::of(s).prop_map(|i| i.map_or(SqlValue::Null, SqlValue::Integer));
    let pick = |items: &'static [&'static str]| select(items).prop_map(str::to_string).boxed();
    let mut parents = IDS.to_vec();
    parents.push("gone");
    (
        (
            maybe_text(word(words)),
            maybe_text(word(words)),
            maybe_text(pick(KINDS)),
            maybe_int(integer()),
            maybe_int(scaled()),
        ),
        (maybe_int((0i64..2).boxed()), maybe_text(pick(DAYS)), maybe_text(pick(STAMPS))),
        (maybe_text(select(parents).prop_map(str::to_string).boxed()), tags(), custom_fields(words)),
    )
        .prop_map(|((label, code, kind, qty, price), (flag, day, at), (parent, tags, custom))| {
            let json = |v: Value| SqlValue::Text(v.to_string());
            vec![label, code, kind, qty, price, flag, day, at, parent, json(tags), json(custom)]
        })
        .boxed()
}

/// Replaces the probe rows with `rows` and reads them back as API records.
fn store(db: &Db, registry: &Registry, rows: &[Vec<SqlValue>]) -> Vec<Record> {
    let rows: Vec<Vec<SqlValue>> = rows
        .iter()
        .zip(IDS)
        .map(|(values, id)| std::iter::once(SqlValue::Text(id.into())).chain(values.iter().cloned()).collect())
        .collect();
    let marks = vec!["?"; COLUMNS.len()].join(", ");
    let insert = format!("INSERT INTO probes ({}) VALUES ({marks})", COLUMNS.join(", "));
    db.write(move |conn| {
        conn.execute("DELETE FROM probes", [])?;
        for row in &rows {
            conn.execute(&insert, params_from_iter(row))?;
        }
        Ok::<_, StoreError>(())
    })
    .expect("rows stored");
    let model = registry.get("probe").expect("probe");
    let select = format!("SELECT {} FROM probes", model.select_list);
    db.read(|conn| {
        let mut statement = conn.prepare(&select)?;
        let records: rusqlite::Result<Vec<Record>> =
            statement.query_map([], |row| crud::read_row(model, row))?.collect();
        records.map_err(StoreError::from)
    })
    .expect("rows read")
}

// ---------------------------------------------------------------------------------------
// Filters

/// An operand for the field a path ends at, as a client would send it.
fn operand(leaf: &str, words: &[String]) -> BoxedStrategy<Value> {
    let null_or = |s: BoxedStrategy<Value>| prop_oneof![1 => Just(Value::Null), 6 => s].boxed();
    match leaf {
        "kind" => null_or(select(KINDS).prop_map(Value::from).boxed()),
        "qty" => null_or(integer().prop_map(Value::from).boxed()),
        "price" => null_or(
            prop_oneof![
                select(vec!["0", "-0.0001", "12.5", "-12.50", "99999999999999.9999", "-99999999999999.9999"])
                    .prop_map(Value::from),
                scaled().prop_map(|s| Value::from(format!("{}", rust_decimal::Decimal::new(s, 4)))),
                Just(json!(12.5)),
            ]
            .boxed(),
        ),
        "flag" => null_or(select(vec![json!(true), json!(false), json!("true"), json!("0")]).boxed()),
        "day" => null_or(select(DAYS).prop_map(Value::from).boxed()),
        "at" => null_or(
            select(vec!["2024-01-01T00:00:00Z", "2024-01-01T13:30:00.5+01:00", "1999-12-31T23:59:59.999999Z"])
                .prop_map(Value::from)
                .boxed(),
        ),
        "custom_fields.k" | "custom_fields.n" => scalar(words),
        "parent" => null_or(select(vec!["p0", "p1", "gone", "P0", ""]).prop_map(Value::from).boxed()),
        _ => null_or(word(words).prop_map(Value::from).boxed()),
    }
}

const ALL_OPS: &[&str] = &[
    "eq",
    "neq",
    "gt",
    "gte",
    "lt",
    "lte",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "in",
    "notin",
    "isnull",
];
const TEXT_OPS: &[&str] = &["contains", "icontains", "startswith", "istartswith", "endswith", "iendswith"];

/// One `{field, op, value}` over the probe's own fields or through one or two relations.
fn condition(words: &[String]) -> BoxedStrategy<Value> {
    let words = words.to_vec();
    let leaves = vec![
        "label",
        "code",
        "kind",
        "qty",
        "price",
        "flag",
        "day",
        "at",
        "parent",
        "tags",
        "custom_fields.k",
        "custom_fields.n",
    ];
    (select(vec!["", "parent.", "parent__parent."]), select(leaves))
        .prop_flat_map(|(prefix, leaf)| {
            let field = format!("{prefix}{leaf}");
            let textual = !matches!(leaf, "qty" | "price" | "flag" | "day" | "at");
            let ops: Vec<&str> = match leaf {
                "tags" => vec!["eq", "in"],
                _ => ALL_OPS.iter().copied().filter(|op| textual || !TEXT_OPS.contains(op)).collect(),
            };
            (Just(field), Just(leaf), select(ops))
        })
        .prop_flat_map(move |(field, leaf, op)| {
            let value = match (leaf, op) {
                ("tags", "eq") => vec(select(vec!["a", "A", "ä", "c"]), 1..3).prop_map(|t| json!(t.join(","))).boxed(),
                ("tags", _) => vec(select(vec!["a", "A", "ä", "c"]), 1..3).prop_map(|t| json!(t)).boxed(),
                (_, "isnull") => any::<bool>().prop_map(Value::from).boxed(),
                (_, "in" | "notin") => vec(operand(leaf, &words), 1..4).prop_map(Value::from).boxed(),
                (_, op) if TEXT_OPS.contains(&op) => piece(&words).prop_map(Value::from).boxed(),
                _ => operand(leaf, &words),
            };
            (Just(field), Just(op), value)
        })
        .prop_map(|(field, op, value)| json!({ "field": field, "op": op, "value": value }))
        .boxed()
}

fn filter(words: &[String]) -> BoxedStrategy<Value> {
    condition(words)
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                vec(inner.clone(), 1..4).prop_map(|items| json!({ "and": items })),
                vec(inner.clone(), 1..4).prop_map(|items| json!({ "or": items })),
                inner.prop_map(|item| json!({ "not": item })),
            ]
        })
        .boxed()
}

/// The keys of the rows `sql` selects.
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

#[test]
fn sql_and_in_memory_evaluation_select_the_same_records() {
    let (_dir, db, registry) = probe_db();
    let model = registry.get("probe").expect("probe");
    let strategy = vocabulary().prop_flat_map(|words| (vec(row(&words), 0..=IDS.len()), vec(filter(&words), 1..12)));
    runner()
        .run(&strategy, |(rows, trees)| {
            let records = store(&db, &registry, &rows);
            let by_key: HashMap<&str, &Record> =
                records.iter().map(|r| (r["id"].as_str().unwrap_or_default(), r)).collect();
            let resolve = |def: &ModelDef, key: &str| {
                assert_eq!(def.name, "probe", "relations stay on the probe");
                by_key.get(key).map(|r| (*r).clone())
            };
            for tree in &trees {
                let filter = Filter::from_json(&registry, model, tree)
                    .map_err(|e| TestCaseError::fail(format!("{tree} does not parse: {e}")))?;
                let in_sql = selected(&db, "probes", "id", &filter)
                    .map_err(|e| TestCaseError::fail(format!("{tree} fails in SQLite: {e}")))?;
                let in_memory: BTreeSet<String> = records
                    .iter()
                    .filter(|r| filter.matches(r, &resolve))
                    .map(|r| r["id"].as_str().unwrap_or_default().to_string())
                    .collect();
                prop_assert_eq!(
                    &in_sql,
                    &in_memory,
                    "filter {}\nSQL {}\nrecords {:?}",
                    tree,
                    filter.to_sql().text,
                    records
                );
            }
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
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
        integer().prop_map(Value::from),
        (-8i32..8).prop_map(|q| Value::from(f64::from(q) * 1.25e10)),
        select(words).prop_map(Value::from),
        text().prop_map(Value::from),
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
    let (_dir, db, probe_registry) = probe_db();
    let registry = plinth::modules::registry();
    let targets: Vec<(&Registry, &str)> =
        vec![(&probe_registry, "probe"), (registry, "organization"), (registry, "status"), (registry, "uomconversion")];
    runner()
        .run(&any_json(), |tree| {
            for (registry, name) in &targets {
                let model = registry.get(name).expect("model");
                let Ok(filter) = Filter::from_json(registry, model, &tree) else { continue };
                selected(&db, model.def.table, model.def.key, &filter)
                    .map_err(|e| TestCaseError::fail(format!("{tree} on {name} fails in SQLite: {e}")))?;
            }
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
    db.close();
}
