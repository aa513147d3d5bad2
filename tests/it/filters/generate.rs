//! Random values, records and filters for the properties of `filters`: texts from a per-case
//! vocabulary, numbers at their bounds, rows of the probe and of the organizations, custom
//! field values of every type (and of the wrong type, as rows written before a definition
//! have them), and nested filters over every path with operands that suit it.

use plinth::engine::custom::{Definition, Definitions, Type};
use plinth::modules::organizations::STATUSES;
use plinth::store::SqlValue;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

pub const KINDS: &[&str] = &["a", "A", "ä", "b_%"];

/// Row keys of a case; references may also name `gone`, which never exists.
pub const IDS: [&str; 6] = ["p0", "p1", "p2", "p3", "p4", "p5"];
const TYPES: &[&str] = &["Company", "Department"];
const CURRENCIES: &[&str] = &["EUR", "JPY", "XXX"];
const DAYS: &[&str] = &["1999-12-31", "2024-01-01", "2024-01-10", "2024-02-29"];
const STAMPS: &[&str] = &["1999-12-31T23:59:59.999999Z", "2024-01-01T00:00:00.000000Z", "2024-01-01T12:30:00.500000Z"];

// ---------------------------------------------------------------------------------------
// Values

/// Short texts built from pieces that fold, expand or look like LIKE wildcards.
pub fn text() -> BoxedStrategy<String> {
    const PIECES: &[&str] =
        &["", "a", "A", "ä", "Ä", "ß", "ss", "İ", "i", "ǅ", "ǆ", "%", "_", "\\", " ", "x", "10", "9"];
    vec(select(PIECES), 0..4).prop_map(|parts| parts.concat()).boxed()
}

/// The texts of one case: a few words, each also upper- and lower-cased, so that stored
/// values and operands often meet (equal, equal but for case, one inside the other).
pub fn vocabulary() -> BoxedStrategy<Vec<String>> {
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
pub fn integer(min: i64, max: i64) -> BoxedStrategy<i64> {
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

/// Untyped `k` and `n`, and each key of [`TYPED`] now and then.
fn custom_fields(words: &[String]) -> BoxedStrategy<SqlValue> {
    let entry = option::of(scalar(words));
    let typed: Vec<BoxedStrategy<Option<Value>>> =
        TYPED.iter().map(|(_, kind)| option::of(stored(*kind, words)).boxed()).collect();
    let object = (entry.clone(), entry, typed).prop_map(|(k, n, typed)| {
        let mut object = Map::new();
        object.extend(k.map(|v| ("k".to_string(), v)));
        object.extend(n.map(|v| ("n".to_string(), v)));
        for ((key, _), value) in TYPED.iter().zip(typed) {
            object.extend(value.map(|v| (key.to_string(), v)));
        }
        Value::Object(object)
    });
    json_text(object.boxed())
}

/// A probe row's values after its id, in [`PROBE_COLUMNS`] order (of `rows` in the case).
pub fn probe_row(words: &[String], rows: usize) -> BoxedStrategy<Vec<SqlValue>> {
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
pub fn organization_row(words: &[String], rows: usize) -> BoxedStrategy<Vec<SqlValue>> {
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

// ---------------------------------------------------------------------------------------
// Filters

/// What a filter path ends at, for choosing operators and operands.
#[derive(Clone, Copy, Debug)]
pub enum Leaf {
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
    /// An untyped custom field.
    Custom,
    /// A custom field with a definition of this type.
    Typed(Type),
}

impl Leaf {
    fn textual(self) -> bool {
        match self {
            Leaf::Integer(..) | Leaf::Decimal | Leaf::Boolean | Leaf::Date | Leaf::DateTime => false,
            Leaf::Typed(kind) => matches!(kind, Type::Text | Type::Choice),
            _ => true,
        }
    }
}

/// Every `prefix` followed by every leaf field.
fn paths(prefixes: &[&str], leaves: &[(impl AsRef<str>, Leaf)]) -> Vec<(String, Leaf)> {
    prefixes
        .iter()
        .flat_map(|p| leaves.iter().map(move |(field, leaf)| (format!("{p}{}", field.as_ref()), *leaf)))
        .collect()
}

pub fn probe_paths() -> Vec<(String, Leaf)> {
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
    let mut all = paths(&["", "parent.", "parent__parent."], &leaves);
    all.extend(paths(&["", "parent."], &typed_leaves()));
    all
}

/// `custom_fields.<key>` of every key of [`TYPED`].
fn typed_leaves() -> Vec<(String, Leaf)> {
    TYPED.iter().map(|(key, kind)| (format!("custom_fields.{key}"), Leaf::Typed(*kind))).collect()
}

pub fn organization_paths() -> Vec<(String, Leaf)> {
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
        ("custom_fields.k", Leaf::Typed(Type::Number)),
    ];
    let mut all = paths(&["", "parent.", "parent__parent."], &own);
    all.extend(paths(&["", "parent."], &typed_leaves()));
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
        Leaf::Typed(kind) => null_or(valid(kind, words)),
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
pub fn filter(words: &[String], paths: &[(String, Leaf)]) -> BoxedStrategy<Value> {
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

// ---------------------------------------------------------------------------------------
// Typed custom fields

/// The keys defined (on the probe and on the organizations alike) and their types; the
/// currencies define `k` as a number.
const TYPED: &[(&str, Type)] = &[
    ("num", Type::Number),
    ("dec", Type::Decimal),
    ("day", Type::Date),
    ("yes", Type::Boolean),
    ("pick", Type::Choice),
    ("txt", Type::Text),
];

/// The choices of `pick`.
const CHOICES: &[&str] = &["S", "M", "ä", "b_%"];

/// Decimal strings of different scales, equal ones among them (`9.5`, `9.50`; `0`, `-0.00`).
const DECIMALS: &[&str] = &[
    "0",
    "-0.00",
    "9.5",
    "9.50",
    "10.25",
    "-10.250",
    "0.001",
    "-0.001",
    "100",
    "99.999",
    "79228162514264337593543950335",
    "-7922816251426433759354395033.5",
    "0.0000000000000000000000000001",
];

/// The definitions of [`TYPED`] for `models`, and of the currencies' `k`.
pub fn definitions(models: &[&str]) -> Definitions {
    let define = |model: &str, key: &str, kind: Type| Definition {
        model: model.into(),
        key: key.into(),
        label: key.into(),
        kind,
        required: false,
        choices: if kind == Type::Choice { CHOICES.iter().map(|c| c.to_string()).collect() } else { Vec::new() },
        default: None,
        help_text: String::new(),
        order: 0,
    };
    let typed = models.iter().flat_map(|model| TYPED.iter().map(move |(key, kind)| define(model, key, *kind)));
    typed.chain([define("currency", "k", Type::Number)]).collect()
}

/// A value of `kind` as a client may write it (and as an operand must be).
fn valid(kind: Type, words: &[String]) -> BoxedStrategy<Value> {
    match kind {
        Type::Number => prop_oneof![
            integer(i64::MIN, i64::MAX).prop_map(Value::from),
            (-8i32..8).prop_map(|q| Value::from(f64::from(q) / 4.0)),
            Just(Value::from(9_007_199_254_740_992.0)),
        ]
        .boxed(),
        Type::Decimal => prop_oneof![
            select(DECIMALS).prop_map(Value::from),
            (scaled(), 0u32..7).prop_map(|(s, scale)| Value::from(rust_decimal::Decimal::new(s, scale).to_string())),
        ]
        .boxed(),
        Type::Date => select(vec!["1999-12-31", "2024-01-01", "2024-02-29", "0000-02-29", "9999-12-31"])
            .prop_map(Value::from)
            .boxed(),
        Type::Boolean => any::<bool>().prop_map(Value::from).boxed(),
        Type::Choice => select(CHOICES).prop_map(Value::from).boxed(),
        Type::Text => word(words).prop_map(Value::from).boxed(),
    }
}

/// A stored value of a key of `kind`: of the type, or near it but of another — what rows
/// written before the definition hold (numbers as strings, decimals as numbers or in forms the
/// API does not write, dates not quite, a choice since removed) — or anything else.
fn stored(kind: Type, words: &[String]) -> BoxedStrategy<Value> {
    let wrong = match kind {
        Type::Number => vec![json!("5"), json!("1.5"), json!(true), json!("x"), json!([1])],
        Type::Decimal => vec![
            json!(12.5),
            json!(9),
            json!("+5"),
            json!(".5"),
            json!("1e2"),
            json!("1_000"),
            json!(" 9.5"),
            json!("9.5 "),
            json!("1."),
            json!("--1"),
            json!("1".repeat(30)),
            json!(["1"]),
        ],
        Type::Date => vec![
            json!("2024-1-5"),
            json!("2024-02-30"),
            json!("2023-02-29"),
            json!("0001-02-29"),
            json!("-0001-01-01"),
            json!("+2024-01-01"),
            json!("12024-01-01"),
            json!(" 2024-01-01"),
            json!("2024-01-01T00:00:00Z"),
            json!("20240101"),
            json!(20240101),
            json!(2460000.5),
        ],
        Type::Boolean => vec![json!(1), json!(0), json!("true"), json!("false"), json!([true])],
        Type::Choice => vec![json!("XL"), json!(1), json!(true), json!({ "a": 1 })],
        Type::Text => vec![json!(7), json!(true), json!(1.5), json!(["x"])],
    };
    prop_oneof![2 => valid(kind, words), 2 => select(wrong), 1 => scalar(words)].boxed()
}

/// A probe row with custom fields only, in [`PROBE_COLUMNS`] order, related to others.
pub fn custom_row(words: &[String], rows: usize) -> BoxedStrategy<Vec<SqlValue>> {
    (option::of(reference(rows)), custom_fields(words))
        .prop_map(|(parent, custom)| {
            let mut row = vec![SqlValue::Null; 9];
            row[8] = parent.map_or(SqlValue::Null, SqlValue::Text);
            row.extend([SqlValue::Text("[]".into()), custom]);
            row
        })
        .boxed()
}

/// The typed custom fields of the probe and of its parent.
pub fn typed_paths() -> Vec<(String, Leaf)> {
    paths(&["", "parent."], &typed_leaves())
}
