//! The filter language means the same in SQL and in memory. Random records are stored in a
//! real database — of a probe model with every filterable kind (a NOCASE column, decimals,
//! integers at their bounds, dangling references) and of the real organizations (relations to
//! parents, currencies and types, tags, dates) — and for random filters over all their paths and
//! operators, nested, the rows the compiled SQL selects are exactly the records
//! `Filter::matches` accepts, related rows resolved from the database. Texts come from a
//! per-case vocabulary of Unicode words with their case pairs and LIKE wildcards, so that values
//! and operands meet. A last property feeds arbitrary JSON to the parser: it never panics, and
//! what it accepts runs in SQLite.
//!
//! `PROPTEST_CASES` sets the number of cases (default 256); `PROPTEST_RNG_SEED` replays a run.

use std::collections::BTreeSet;

use plinth::engine::filter::Filter;
use plinth::engine::{Field, ModelDef, OnDelete, Record, Registry, crud};
use plinth::modules::organizations::STATUSES;
use plinth::store::{Db, SqlValue, StoreConfig, StoreError, Synchronous};
use proptest::collection::vec;
use proptest::option;
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

/// Row keys of a case; references may also name `gone`, which never exists.
const IDS: [&str; 6] = ["p0", "p1", "p2", "p3", "p4", "p5"];
const TYPES: &[&str] = &["Company", "Department"];
const CURRENCIES: &[&str] = &["EUR", "JPY", "XXX"];
const DAYS: &[&str] = &["1999-12-31", "2024-01-01", "2024-01-10", "2024-02-29"];
const STAMPS: &[&str] = &["1999-12-31T23:59:59.999999Z", "2024-01-01T00:00:00.000000Z", "2024-01-01T12:30:00.500000Z"];

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

/// Integers within `min..=max`, at the bounds and near zero.
fn integer(min: i64, max: i64) -> BoxedStrategy<i64> {
    let notable = [i64::MIN, i64::MIN + 1, -1, 0, 1, (1 << 53) + 1, 32767, i64::MAX - 1, i64::MAX, min, max];
    let inside: Vec<i64> = notable.into_iter().filter(|n| (min..=max).contains(n)).collect();
    prop_oneof![select(inside), min.max(-3)..=max.min(3)].boxed()
}

/// Decimal(18, 4) as stored: the value times 10^4.
fn scaled() -> BoxedStrategy<i64> {
    let limit = 999_999_999_999_999_999;
    prop_oneof![select(vec![-limit, -125_000, -1, 0, 1, 5_000, 125_000, limit]), -3i64..4].boxed()
}

/// A value of an untyped custom field: any JSON scalar (reals exact in binary, some beyond
/// what an f64 tells apart from the integers above).
fn scalar(words: &[String]) -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        integer(i64::MIN, i64::MAX).prop_map(Value::from),
        (-8i32..8).prop_map(|q| Value::from(f64::from(q) / 4.0)),
        select(vec![9_007_199_254_740_992.0, 9_223_372_036_854_775_808.0, -9_223_372_036_854_775_808.0])
            .prop_map(Value::from),
        word(words).prop_map(Value::from),
    ]
    .boxed()
}

fn tag() -> BoxedStrategy<&'static str> {
    select(vec!["a", "A", "ä", "Ä", "b_%"]).boxed()
}

// ---------------------------------------------------------------------------------------
// Records

fn some_text(s: BoxedStrategy<String>) -> BoxedStrategy<SqlValue> {
    option::of(s).prop_map(|t| t.map_or(SqlValue::Null, SqlValue::Text)).boxed()
}

fn some_integer(s: BoxedStrategy<i64>) -> BoxedStrategy<SqlValue> {
    option::of(s).prop_map(|i| i.map_or(SqlValue::Null, SqlValue::Integer)).boxed()
}

fn one_of(items: &'static [&'static str]) -> BoxedStrategy<String> {
    select(items).prop_map(str::to_string).boxed()
}

/// A reference to one of the case's `rows` rows.
fn reference(rows: usize) -> BoxedStrategy<String> {
    select(&IDS[..rows.max(1)]).prop_map(str::to_string).boxed()
}

fn json_text(s: BoxedStrategy<Value>) -> BoxedStrategy<SqlValue> {
    s.prop_map(|v| SqlValue::Text(v.to_string())).boxed()
}

fn tags() -> BoxedStrategy<SqlValue> {
    json_text(proptest::sample::subsequence(vec!["a", "A", "ä", "Ä", "b_%"], 0..4).prop_map(|t| json!(t)).boxed())
}

fn custom_fields(words: &[String]) -> BoxedStrategy<SqlValue> {
    let entry = option::of(scalar(words));
    let object = (entry.clone(), entry).prop_map(|(k, n)| {
        let mut object = Map::new();
        object.extend(k.map(|v| ("k".to_string(), v)));
        object.extend(n.map(|v| ("n".to_string(), v)));
        Value::Object(object)
    });
    json_text(object.boxed())
}

/// A probe row's values after its id, in [`PROBE_COLUMNS`] order (of `rows` in the case).
fn probe_row(words: &[String], rows: usize) -> BoxedStrategy<Vec<SqlValue>> {
    let dangling = prop_oneof![4 => reference(rows), 1 => Just("gone".to_string())].boxed();
    (
        (some_text(word(words)), some_text(word(words)), some_text(one_of(KINDS))),
        (some_integer(integer(i64::MIN, i64::MAX)), some_integer(scaled()), some_integer((0i64..2).boxed())),
        (some_text(one_of(DAYS)), some_text(one_of(STAMPS)), some_text(dangling)),
        (tags(), custom_fields(words)),
    )
        .prop_map(|(a, b, c, d)| vec![a.0, a.1, a.2, b.0, b.1, b.2, c.0, c.1, c.2, d.0, d.1])
        .boxed()
}

/// An organization row's values after its id, in [`ORGANIZATION_COLUMNS`] order (of `rows`
/// in the case). Rows the schema refuses (a duplicate code, a parent refused) are left out.
fn organization_row(words: &[String], rows: usize) -> BoxedStrategy<Vec<SqlValue>> {
    let text = |s: BoxedStrategy<String>| s.prop_map(SqlValue::Text).boxed();
    let named = || word(words).prop_map(|w| if w.is_empty() { "x".to_string() } else { w }).boxed();
    // Codes are unique regardless of case: half of them numbered so that fewer rows collide.
    let numbered = (word(words), 0..100u8).prop_map(|(w, n)| format!("{w}{n}")).boxed();
    let code = prop_oneof![named(), numbered].boxed();
    (
        (text(named()), text(code), text(one_of(TYPES)), text(one_of(STATUSES))),
        (some_text(reference(rows)), some_text(one_of(DAYS)), some_text(one_of(DAYS)), some_text(one_of(CURRENCIES))),
        (tags(), custom_fields(words), text(one_of(STAMPS))),
    )
        .prop_map(|(a, b, c)| vec![a.0, a.1, a.2, a.3, b.0, b.1, b.2, b.3, c.0, c.1, c.2.clone(), c.2])
        .boxed()
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

// ---------------------------------------------------------------------------------------
// Filters

/// What a filter path ends at, for choosing operators and operands.
#[derive(Clone, Copy, Debug)]
enum Leaf {
    Text,
    Choice(&'static [&'static str]),
    Integer(i64, i64),
    Decimal,
    Boolean,
    Date,
    DateTime,
    /// A reference; operands from these keys.
    Key(&'static [&'static str]),
    Tags,
    Custom,
}

impl Leaf {
    fn textual(self) -> bool {
        !matches!(self, Leaf::Integer(..) | Leaf::Decimal | Leaf::Boolean | Leaf::Date | Leaf::DateTime)
    }
}

/// Every `prefix` followed by every leaf field.
fn paths(prefixes: &[&str], leaves: &[(&str, Leaf)]) -> Vec<(String, Leaf)> {
    prefixes.iter().flat_map(|p| leaves.iter().map(move |(field, leaf)| (format!("{p}{field}"), *leaf))).collect()
}

fn probe_paths() -> Vec<(String, Leaf)> {
    let leaves = [
        ("label", Leaf::Text),
        ("code", Leaf::Text),
        ("kind", Leaf::Choice(KINDS)),
        ("qty", Leaf::Integer(i64::MIN, i64::MAX)),
        ("price", Leaf::Decimal),
        ("flag", Leaf::Boolean),
        ("day", Leaf::Date),
        ("at", Leaf::DateTime),
        ("parent", Leaf::Key(&["p0", "p1", "gone", "P0", ""])),
        ("tags", Leaf::Tags),
        ("custom_fields.k", Leaf::Custom),
        ("custom_fields.n", Leaf::Custom),
    ];
    paths(&["", "parent.", "parent__parent."], &leaves)
}

fn organization_paths() -> Vec<(String, Leaf)> {
    let own = [
        ("name", Leaf::Text),
        ("code", Leaf::Text),
        ("organization_type", Leaf::Key(&["Company", "company", "Nope"])),
        ("status", Leaf::Choice(STATUSES)),
        ("parent", Leaf::Key(&["p0", "p1", "gone"])),
        ("currency", Leaf::Key(&["EUR", "eur", "XXX"])),
        ("tags", Leaf::Tags),
        ("effective_date", Leaf::Date),
        ("end_date", Leaf::Date),
        ("created_at", Leaf::DateTime),
        ("custom_fields.k", Leaf::Custom),
    ];
    let currency = [
        ("code", Leaf::Text),
        ("numeric_code", Leaf::Text),
        ("decimal_places", Leaf::Integer(0, 32767)),
        ("is_active", Leaf::Boolean),
        ("custom_fields.k", Leaf::Custom),
    ];
    let mut all = paths(&["", "parent.", "parent__parent."], &own);
    all.extend(paths(&["currency.", "parent.currency__"], &currency));
    all.extend(paths(&["organization_type."], &[("name", Leaf::Text)]));
    all
}

/// An operand for `leaf`, as a client would send it.
fn operand(leaf: Leaf, words: &[String]) -> BoxedStrategy<Value> {
    let null_or = |s: BoxedStrategy<Value>| prop_oneof![1 => Just(Value::Null), 6 => s].boxed();
    let texts = |items: &'static [&'static str]| null_or(select(items).prop_map(Value::from).boxed());
    match leaf {
        Leaf::Text => null_or(word(words).prop_map(Value::from).boxed()),
        Leaf::Choice(items) | Leaf::Key(items) => texts(items),
        Leaf::Integer(min, max) => null_or(integer(min, max).prop_map(Value::from).boxed()),
        Leaf::Decimal => null_or(
            prop_oneof![
                select(vec!["0", "-0.0001", "12.5", "-12.50", "99999999999999.9999", "-99999999999999.9999"])
                    .prop_map(Value::from),
                scaled().prop_map(|s| Value::from(rust_decimal::Decimal::new(s, 4).to_string())),
                Just(json!(12.5)),
            ]
            .boxed(),
        ),
        Leaf::Boolean => null_or(select(vec![json!(true), json!(false), json!("true"), json!("0")]).boxed()),
        Leaf::Date => texts(DAYS),
        Leaf::DateTime => {
            texts(&["2024-01-01T00:00:00Z", "2024-01-01T13:30:00.5+01:00", "1999-12-31T23:59:59.999999Z"])
        }
        Leaf::Tags => tag().prop_map(Value::from).boxed(),
        Leaf::Custom => scalar(words),
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

/// One `{field, op, value}` over `paths`.
fn condition(words: &[String], paths: &[(String, Leaf)]) -> BoxedStrategy<Value> {
    let words = words.to_vec();
    select(paths.to_vec())
        .prop_flat_map(|(field, leaf)| {
            let ops: Vec<&str> = match leaf {
                Leaf::Tags => vec!["eq", "in"],
                _ => ALL_OPS.iter().copied().filter(|op| leaf.textual() || !TEXT_OPS.contains(op)).collect(),
            };
            (Just(field), Just(leaf), select(ops))
        })
        .prop_flat_map(move |(field, leaf, op)| {
            let value = match (leaf, op) {
                (Leaf::Tags, "eq") => vec(tag(), 1..3).prop_map(|t| json!(t.join(","))).boxed(),
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

/// Conditions nested in and / or / not.
fn filter(words: &[String], paths: &[(String, Leaf)]) -> BoxedStrategy<Value> {
    condition(words, paths)
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                vec(inner.clone(), 1..4).prop_map(|items| json!({ "and": items })),
                vec(inner.clone(), 1..4).prop_map(|items| json!({ "or": items })),
                inner.prop_map(|item| json!({ "not": item })),
            ]
        })
        .boxed()
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
) {
    let model = registry.get(name).expect("model");
    let key = model.def.key;
    let resolve = |def: &ModelDef, key: &str| {
        let target = registry.get(def.name)?;
        db.read(|conn| crud::fetch(conn, target, key)).ok().flatten()
    };
    let paths = paths.to_vec();
    let strategy = vocabulary().prop_flat_map(move |words| {
        let filters = vec(filter(&words, &paths), 1..12);
        ((1..=IDS.len()).prop_flat_map(move |n| vec(row(&words, n), n)), filters)
    });
    runner()
        .run(&strategy, |(rows, trees)| {
            let records = store(db, model, columns, rows);
            for tree in &trees {
                let filter = Filter::from_json(registry, model, tree)
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
    check_agreement(&db, &registry, "probe", PROBE_COLUMNS, probe_row, &probe_paths());
    db.close();
}

#[test]
fn organizations_match_the_same_in_sql_and_in_memory() {
    let (_dir, db) = database(FIXTURES);
    let registry = plinth::modules::registry();
    check_agreement(&db, registry, "organization", ORGANIZATION_COLUMNS, organization_row, &organization_paths());
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
        integer(i64::MIN, i64::MAX).prop_map(Value::from),
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
    let (_dir, db) = database(PROBE_DDL);
    let probe = Registry::new(&[&PROBE]);
    let registry = plinth::modules::registry();
    let targets: [(&Registry, &str); 4] =
        [(&probe, "probe"), (registry, "organization"), (registry, "status"), (registry, "uomconversion")];
    runner()
        .run(&any_json(), |tree| {
            for (registry, name) in targets {
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
