//! Unit tests of the filter AST: what parses (and the errors that name the problem), the SQL
//! each node compiles to, and in-memory evaluation with SQL's meaning.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{Filter, MAX_CONDITIONS, MAX_FILTER_LEN, Sql, custom_reach};
use crate::engine::custom::{Definition, Definitions, Type};
use crate::engine::def::{Field, ModelDef, OnDelete};
use crate::engine::{EngineError, Model, Record, Registry};
use crate::store::SqlValue;

/// A model with the kinds the real models do not filter on (decimals), a nullable relation to
/// itself, tags and custom fields.
static PROBE: ModelDef = ModelDef {
    fields: &[
        Field::text("name", 50),
        Field::decimal("price", 18, 4).nullable(),
        Field::boolean("flag").nullable(),
        Field::foreign_key("parent", "probe", OnDelete::Restrict).nullable(),
        Field::tags("tags"),
    ],
    custom_fields: true,
    filters: &["name", "price", "flag", "parent", "tags"],
    ..ModelDef::base("probe", "Probe", "probes", "probes")
};

fn real(name: &str) -> &'static Model {
    crate::modules::registry().get(name).expect("model")
}

fn parse_on(registry: &Registry, model: &Model, tree: Value) -> Filter {
    Filter::from_json(registry, model, &tree, &typed_probe()).unwrap_or_else(|e| panic!("{tree}: {e:?}"))
}

/// The probe's typed custom fields: `num`, `dec`, `day`, `yes`, `pick` (S, M, L) and `txt`.
fn typed_probe() -> Definitions {
    let define = |key: &str, kind: Type| Definition {
        model: "probe".into(),
        key: key.into(),
        label: key.into(),
        kind,
        required: false,
        choices: if kind == Type::Choice { vec!["S".into(), "M".into(), "L".into()] } else { Vec::new() },
        default: None,
        help_text: String::new(),
        order: 0,
    };
    [
        ("num", Type::Number),
        ("dec", Type::Decimal),
        ("day", Type::Date),
        ("yes", Type::Boolean),
        ("pick", Type::Choice),
        ("txt", Type::Text),
    ]
    .into_iter()
    .map(|(key, kind)| define(key, kind))
    .collect()
}

/// The filter `tree` on the real model `name`.
fn parse(name: &str, tree: Value) -> Filter {
    parse_on(crate::modules::registry(), real(name), tree)
}

fn sql(name: &str, tree: Value) -> Sql {
    parse(name, tree).to_sql()
}

fn text(value: &str) -> SqlValue {
    SqlValue::Text(value.into())
}

/// The detail of the `invalid_filter` error parsing `tree` on `name` answers.
fn refusal(name: &str, tree: Value) -> String {
    match Filter::from_json(crate::modules::registry(), real(name), &tree, &Definitions::default()) {
        Err(EngineError::BadQuery { code: "invalid_filter", detail }) => detail,
        other => panic!("{tree}: expected invalid_filter, got {other:?}"),
    }
}

fn cond(field: &str, op: &str, value: Value) -> Value {
    json!({ "field": field, "op": op, "value": value })
}

#[test]
fn comparisons_compile_to_exact_sql() {
    let eq = sql("status", cond("name", "eq", json!("A")));
    assert_eq!(eq.text, "\"name\" COLLATE BINARY = ?");
    assert_eq!(eq.params, [text("A")]);
    assert_eq!(sql("status", cond("name", "neq", json!("A"))).text, "\"name\" COLLATE BINARY IS NOT ?");
    let places = sql("currency", cond("decimal_places", "gte", json!(2)));
    assert_eq!((places.text.as_str(), places.params), ("\"decimal_places\" >= ?", vec![SqlValue::Integer(2)]));
    assert_eq!(sql("currency", cond("numeric_code", "eq", Value::Null)).text, "\"numeric_code\" IS NULL");
    assert_eq!(sql("currency", cond("numeric_code", "isnull", json!("false"))).text, "\"numeric_code\" IS NOT NULL");
    let listed = sql("currency", cond("code", "notin", json!(["EUR", "USD"])));
    assert_eq!(listed.text, "\"code\" COLLATE BINARY NOT IN (?, ?)");
    let active = sql("currency", cond("is_active", "eq", json!(false)));
    assert_eq!(active.params, [SqlValue::Integer(0)], "booleans as stored");
}

#[test]
fn text_matches_compile_to_instr_substr_and_folded_like() {
    let contains = sql("status", cond("name", "contains", json!("Ap")));
    assert_eq!((contains.text.as_str(), contains.params), ("instr(\"name\", ?) > 0", vec![text("Ap")]));
    let starts = sql("status", cond("name", "startswith", json!("Ap")));
    assert_eq!(starts.text, "substr(\"name\", 1, length(?)) = ?");
    assert_eq!(starts.params, [text("Ap"), text("Ap")]);
    let ends = sql("status", cond("name", "endswith", json!("d")));
    assert_eq!(ends.text, "substr(\"name\", length(\"name\") - length(?) + 1) = ?");
    let folded = sql("status", cond("name", "icontains", json!("Ä%_\\")));
    assert_eq!(folded.text, "plinth_fold(\"name\") LIKE ? ESCAPE '\\'");
    assert_eq!(folded.params, [text("%ä\\%\\_\\\\%")], "folded, wildcards escaped");
    assert_eq!(sql("status", cond("name", "istartswith", json!("A"))).params, [text("a%")]);
    assert_eq!(sql("status", cond("name", "iendswith", json!("A"))).params, [text("%a")]);
}

#[test]
fn relations_tags_and_custom_fields_compile_to_subqueries() {
    let hop = sql("uomconversion", cond("from_uom__uom_type", "eq", json!("Mass")));
    assert_eq!(hop.text, "(\"from_uom\" IN (SELECT \"code\" FROM \"uoms\" WHERE \"uom_type\" COLLATE BINARY = ?))");
    let nullable = sql("organization", cond("parent.parent.code", "eq", json!("X")));
    assert_eq!(
        nullable.text,
        "(\"parent\" IS NOT NULL AND \"parent\" IN (SELECT \"id\" FROM \"organizations\" WHERE \
         (\"parent\" IS NOT NULL AND \"parent\" IN (SELECT \"id\" FROM \"organizations\" WHERE \
         \"code\" COLLATE BINARY = ?))))"
    );
    let tags = sql("organization", cond("tags", "eq", json!("a, b,")));
    assert_eq!(
        tags.text,
        "EXISTS (SELECT 1 FROM \"organizations_tags\" l WHERE l.\"organization\" = \"organizations\".\"id\" \
         AND l.tag IN (SELECT t.slug FROM \"tags\" t WHERE lower(t.name) IN (?, ?)))"
    );
    assert_eq!(tags.params, [text("a"), text("b")]);
    let custom = sql("status", cond("custom_fields.size", "eq", json!(true)));
    assert_eq!(custom.text, "json_extract(\"custom_fields\", '$.size') = ?");
    assert_eq!(custom.params, [SqlValue::Integer(1)], "JSON true is 1 in SQLite");
    let value = "json_extract(\"custom_fields\", '$.size')";
    assert_eq!(
        sql("status", cond("custom_fields.size", "icontains", json!("l"))).text,
        format!("plinth_fold((CASE WHEN typeof({value}) = 'text' THEN {value} END)) LIKE ? ESCAPE '\\'")
    );
}

#[test]
fn combinators_compile_with_parentheses_and_empty_lists_are_constants() {
    let eq = |slug: &str| cond("slug", "eq", json!(slug));
    let tree = json!({ "or": [eq("a"), { "and": [eq("b"), { "not": eq("c") }] }] });
    let compiled = sql("status", tree);
    let slug = "\"slug\" COLLATE BINARY = ?";
    assert_eq!(compiled.text, format!("({slug}) OR (({slug}) AND (NOT ({slug})))"));
    assert_eq!(compiled.params, [text("a"), text("b"), text("c")]);
    assert_eq!(Filter::And(vec![]).to_sql().text, "1");
    assert_eq!(Filter::Or(vec![]).to_sql().text, "0");
    assert!(Filter::And(vec![]).matches(&Record::new(), &|_, _| None));
    assert!(!Filter::Or(vec![]).matches(&Record::new(), &|_, _| None));
}

#[test]
fn search_is_every_term_in_some_search_field() {
    let search = Filter::search(crate::modules::registry(), real("status"), " pending  Äb ").to_sql();
    let field = |name: &str| format!("(plinth_fold(\"{name}\") LIKE ? ESCAPE '\\')");
    let term = ["slug", "name", "description", "category"].map(field).join(" OR ");
    assert_eq!(search.text, format!("({term}) AND ({term})"));
    assert_eq!(search.params.len(), 8);
    assert_eq!(search.params[4], text("%äb%"));
    let registry = Registry::new(&[&PROBE]);
    assert_eq!(
        Filter::search(&registry, &registry.models()[0], "a").to_sql().text,
        "(0)",
        "no search fields match nothing"
    );
}

#[test]
fn query_string_lookups_convert_values_for_their_field() {
    let registry = crate::modules::registry();
    let lookup = |name: &str, param: &str, raw: &str| {
        Filter::lookup(registry, real(name), param, raw, &Definitions::default())
            .map(|parsed| parsed.map(|f| f.to_sql()))
    };
    let listed = lookup("currency", "code__in", "USD, EUR").expect("filter").expect("valid");
    assert_eq!(listed.params, [text("USD"), text("EUR")]);
    let active = lookup("currency", "is_active", "false").expect("filter").expect("valid");
    assert_eq!(active.params, [SqlValue::Integer(0)]);
    let places = lookup("currency", "decimal_places__lt", "3").expect("filter").expect("valid");
    assert_eq!((places.text.as_str(), places.params), ("\"decimal_places\" < ?", vec![SqlValue::Integer(3)]));
    assert!(lookup("currency", "numeric_code__isnull", "true").expect("filter").is_ok());
    assert!(lookup("status", "custom_fields__size", "M").is_some());
    assert!(lookup("currency", "symbol", "$").is_none(), "not a filter field");
    assert!(lookup("currency", "page_size", "5").is_none());
    assert!(matches!(lookup("currency", "decimal_places", "two"), Some(Err(EngineError::BadQuery { .. }))));
}

#[test]
fn parse_errors_name_the_problem() {
    assert!(refusal("organization", cond("tags", "gt", json!("a"))).contains("takes eq or in"));
    assert!(refusal("organization", cond("tags", "in", json!(["a", 1]))).contains("tag strings"));
    assert!(refusal("organization", cond("tags", "eq", json!(" , "))).contains("tags"));
    assert!(refusal("currency", cond("is_active", "icontains", json!("t"))).contains("text matching"));
    assert!(refusal("currency", cond("code", "in", json!(vec!["A"; 501]))).contains("1 to 500"));
    assert!(refusal("organization", cond("metadata", "eq", json!({}))).contains("metadata"));
    assert!(refusal("organization", cond("parent_name", "eq", json!("x"))).contains("parent_name"));
    assert!(refusal("organization", cond("status", "eq", json!("closed"))).contains("status"));
    let deep = format!("{}name", "parent.".repeat(5));
    assert!(refusal("organization", cond(&deep, "eq", json!("x"))).contains("more than 4 relations"));
    let many = json!({ "and": vec![cond("slug", "eq", json!("a")); MAX_CONDITIONS + 1] });
    assert!(refusal("status", many).contains("64"));
    let long = format!("{{\"field\": \"slug\", \"value\": \"{}\"}}", "x".repeat(MAX_FILTER_LEN));
    let refused = Filter::parse(crate::modules::registry(), real("status"), &long, &Definitions::default());
    assert!(matches!(refused, Err(EngineError::BadQuery { detail, .. }) if detail.contains("longer than")));
}

/// Whether `tree` on the probe model matches `record`, with `rows` as the related rows.
fn probe_matches(tree: Value, record: Value, rows: &HashMap<&str, Value>) -> bool {
    let registry = Registry::new(&[&PROBE]);
    let filter = parse_on(&registry, &registry.models()[0], tree);
    let record = record.as_object().cloned().expect("object");
    filter.matches(&record, &|def, key| {
        assert_eq!(def.name, "probe");
        rows.get(key).and_then(|row| row.as_object().cloned())
    })
}

#[test]
fn matches_follows_sql_three_valued_logic() {
    let no_rows = HashMap::new();
    let check = |tree: Value, expected: bool| {
        let record = json!({ "name": "a", "price": null, "flag": null, "parent": null, "tags": [] });
        assert_eq!(probe_matches(tree.clone(), record, &no_rows), expected, "{tree}");
    };
    let not = |tree: Value| json!({ "not": tree });
    check(cond("price", "eq", json!("1")), false);
    check(not(cond("price", "eq", json!("1"))), false);
    check(cond("price", "neq", json!("1")), true);
    check(cond("price", "eq", Value::Null), true);
    check(not(cond("price", "gt", json!("0"))), false);
    check(not(cond("price", "in", json!(["1"]))), false);
    check(cond("price", "notin", json!(["1"])), false);
    check(cond("price", "isnull", json!(true)), true);
    check(not(cond("flag", "eq", json!(true))), false);
    check(not(cond("name", "in", json!(["b", null]))), false);
    check(cond("name", "in", json!(["a", null])), true);
    check(json!({ "or": [cond("price", "eq", json!("1")), cond("name", "eq", json!("a"))] }), true);
    check(not(json!({ "and": [cond("price", "eq", json!("1")), cond("name", "eq", json!("b"))] })), true);
    check(not(cond("parent.name", "eq", json!("x"))), true);
    check(not(cond("tags", "eq", json!("x"))), true);
}

#[test]
fn matches_compares_values_as_stored() {
    let rows = HashMap::from([("p1", json!({ "name": "Root", "parent": null, "tags": ["t"] }))]);
    let record = json!({
        "name": "ÄPFEL 100%", "price": "12.5000", "flag": false, "parent": "p1", "tags": ["a", "b"],
        "custom_fields": { "size": "L", "rank": 1.5, "vip": true, "n": 3, "big": 9_007_199_254_740_993_i64, "max": i64::MAX },
    });
    let check = |tree: Value, expected: bool| {
        assert_eq!(probe_matches(tree.clone(), record.clone(), &rows), expected, "{tree}");
    };
    check(cond("price", "eq", json!("12.50")), true);
    check(cond("price", "gt", json!("12.4999")), true);
    check(cond("price", "gt", json!(12.5)), false);
    check(cond("flag", "eq", json!("false")), true);
    check(cond("name", "icontains", json!("äpf")), true);
    check(cond("name", "contains", json!("äpf")), false);
    check(cond("name", "iendswith", json!("0%")), true);
    check(cond("name", "icontains", json!("_")), false);
    check(cond("name", "gt", json!("Z")), true);
    check(cond("name", "eq", json!("äpfel 100%")), false);
    check(cond("custom_fields.vip", "eq", json!(1)), true);
    check(cond("custom_fields.vip", "eq", json!(true)), true);
    check(cond("custom_fields.rank", "gt", json!(1)), true);
    check(cond("custom_fields.rank", "lt", json!(2)), true);
    check(cond("custom_fields.rank", "eq", json!("1.5")), false);
    check(cond("custom_fields.size", "gt", json!(1000)), true);
    check(cond("custom_fields.n", "contains", json!("3")), false);
    check(cond("custom_fields.missing", "isnull", json!(true)), true);
    check(cond("custom_fields.big", "gt", json!(9_007_199_254_740_992.0)), true);
    check(cond("custom_fields.big", "eq", json!(9_007_199_254_740_992.0)), false);
    check(cond("custom_fields.max", "lt", json!(9_223_372_036_854_775_808.0)), true);
    check(cond("tags", "in", json!(["b", "c"])), true);
    check(cond("tags", "eq", json!("c")), false);
    check(cond("parent.name", "eq", json!("Root")), true);
    check(cond("parent.tags", "eq", json!("t")), true);
    check(cond("parent.parent.name", "isnull", json!(true)), false);
}

#[test]
fn relations_to_missing_rows_match_nothing() {
    let record = json!({ "name": "a", "parent": "gone", "tags": [] });
    let no_rows = HashMap::new();
    assert!(!probe_matches(cond("parent.name", "isnull", json!(false)), record.clone(), &no_rows));
    assert!(!probe_matches(cond("parent.name", "isnull", json!(true)), record.clone(), &no_rows));
    assert!(probe_matches(json!({ "not": cond("parent.name", "eq", json!("a")) }), record, &no_rows));
}

/// The SQL of `tree` on the probe, with its typed custom fields.
fn probe_sql(tree: Value) -> Sql {
    let registry = Registry::new(&[&PROBE]);
    parse_on(&registry, &registry.models()[0], tree).to_sql()
}

/// The detail of the `invalid_filter` error parsing `tree` on the probe answers.
fn probe_refusal(tree: Value) -> String {
    let registry = Registry::new(&[&PROBE]);
    match Filter::from_json(&registry, &registry.models()[0], &tree, &typed_probe()) {
        Err(EngineError::BadQuery { code: "invalid_filter", detail }) => detail,
        other => panic!("{tree}: expected invalid_filter, got {other:?}"),
    }
}

#[test]
fn typed_custom_fields_compile_to_typed_reads() {
    let at = |key: &str| format!("'$.{key}'");
    let number = probe_sql(cond("custom_fields.num", "gte", json!(2)));
    let (value, kind) = (
        format!("json_extract(\"custom_fields\", {})", at("num")),
        format!("json_type(\"custom_fields\", {})", at("num")),
    );
    assert_eq!(number.text, format!("(CASE WHEN {kind} IN ('integer', 'real') THEN {value} END) >= ?"));
    assert_eq!(number.params, [SqlValue::Integer(2)]);
    let decimal = probe_sql(cond("custom_fields.dec", "in", json!(["9.25", "10.50"])));
    assert_eq!(decimal.text, "plinth_decimal_key(json_extract(\"custom_fields\", '$.dec')) IN (?, ?)");
    let keys: Vec<SqlValue> =
        ["9.25", "10.5"].iter().map(|d| text(&crate::store::decimal_key(d).expect("decimal"))).collect();
    assert_eq!(decimal.params, keys, "compared by value: 10.50 is 10.5");
    let day = probe_sql(cond("custom_fields.day", "lt", json!("2024-02-29")));
    assert!(day.text.contains("date(json_extract(") && day.text.ends_with(" < ?"), "{}", day.text);
    assert_eq!(probe_sql(cond("custom_fields.yes", "eq", json!(false))).params, [SqlValue::Integer(0)]);
    let pick = probe_sql(cond("custom_fields.pick", "istartswith", json!("s")));
    assert!(pick.text.starts_with("plinth_fold((CASE WHEN json_type("), "{}", pick.text);
    assert_eq!(probe_sql(cond("custom_fields.num", "isnull", json!(true))).params, []);
    let untyped = probe_sql(cond("custom_fields.other", "eq", json!("2")));
    assert_eq!(untyped.text, "json_extract(\"custom_fields\", '$.other') = ?", "no definition: untyped");
}

#[test]
fn typed_operands_are_checked_like_written_values() {
    for (tree, needle) in [
        (cond("custom_fields.num", "gt", json!("2")), "Invalid value for \"custom_fields.num\": Enter a number."),
        (cond("custom_fields.num", "in", json!([1, true])), "custom_fields.num"),
        (cond("custom_fields.dec", "lte", json!(12.5)), "decimal number as a string"),
        (cond("custom_fields.dec", "eq", json!("twelve")), "custom_fields.dec"),
        (cond("custom_fields.day", "gte", json!("2024-1-5")), "YYYY-MM-DD"),
        (cond("custom_fields.day", "gte", json!("2023-02-29")), "YYYY-MM-DD"),
        (cond("custom_fields.yes", "eq", json!("true")), "true or false"),
        (cond("custom_fields.pick", "eq", json!("XL")), "\"XL\" is not a valid choice."),
        (cond("custom_fields.pick", "notin", json!(["S", "XL"])), "not a valid choice"),
        (cond("custom_fields.txt", "eq", json!(7)), "Enter a string."),
        (cond("custom_fields.num", "contains", json!("1")), "\"custom_fields.num\" does not support text matching"),
        (cond("custom_fields.dec", "icontains", json!("1")), "text matching"),
        (cond("custom_fields.a-b", "eq", json!("1")), "not a valid custom field key"),
    ] {
        let detail = probe_refusal(tree.clone());
        assert!(detail.contains(needle), "{tree}: {detail}");
    }
    probe_sql(cond("custom_fields.txt", "icontains", json!("x")));
    probe_sql(cond("custom_fields.pick", "eq", Value::Null));
}

#[test]
fn typed_custom_fields_match_by_type_and_wrong_types_are_missing() {
    let record = json!({
        "name": "a", "tags": [],
        "custom_fields": { "num": "5", "dec": "10.5", "day": "2024-02-29", "yes": true, "pick": "XL", "txt": 7 },
    });
    let no_rows = HashMap::new();
    let check = |tree: Value, expected: bool| {
        assert_eq!(probe_matches(tree.clone(), record.clone(), &no_rows), expected, "{tree}");
    };
    check(cond("custom_fields.dec", "gt", json!("9.25")), true);
    check(cond("custom_fields.dec", "eq", json!("10.50")), true);
    check(cond("custom_fields.dec", "lt", json!("-1")), false);
    check(cond("custom_fields.day", "gte", json!("2024-02-29")), true);
    check(cond("custom_fields.day", "lt", json!("2024-03-01")), true);
    check(cond("custom_fields.yes", "eq", json!(true)), true);
    check(cond("custom_fields.yes", "neq", json!(false)), true);
    // Stored "5" is not a number, 7 not a text: as missing as no value at all.
    check(cond("custom_fields.num", "isnull", json!(true)), true);
    check(cond("custom_fields.num", "eq", Value::Null), true);
    check(cond("custom_fields.num", "gte", json!(0)), false);
    check(json!({ "not": cond("custom_fields.num", "gte", json!(0)) }), false);
    check(cond("custom_fields.num", "neq", json!(5)), true);
    check(cond("custom_fields.txt", "isnull", json!(true)), true);
    // A string no longer among the choices still reads as text.
    check(cond("custom_fields.pick", "isnull", json!(false)), true);
    check(cond("custom_fields.pick", "icontains", json!("x")), true);
}

#[test]
fn typed_lookups_read_query_text_by_type() {
    let registry = Registry::new(&[&PROBE]);
    let model = &registry.models()[0];
    let lookup =
        |param: &str, raw: &str| Filter::lookup(&registry, model, param, raw, &typed_probe()).expect("a filter");
    let params = |param: &str, raw: &str| lookup(param, raw).expect("valid").to_sql().params;
    assert_eq!(params("custom_fields__num__gt", "2.5"), [SqlValue::Real(2.5)]);
    assert_eq!(params("custom_fields.num__in", "1, 2"), [SqlValue::Integer(1), SqlValue::Integer(2)]);
    assert_eq!(params("custom_fields__yes", "true"), [SqlValue::Integer(1)]);
    assert_eq!(params("custom_fields__pick", "M"), [text("M")]);
    assert!(lookup("custom_fields__num", "two").is_err());
    assert!(lookup("custom_fields__pick", "XL").is_err());
    assert_eq!(params("custom_fields__other", "2"), [text("2")], "untyped: as text");
}

#[test]
fn custom_reach_follows_filter_relations_to_models_with_custom_fields() {
    let registry = crate::modules::registry();
    let reach = |name: &str| custom_reach(registry, real(name));
    assert_eq!(reach("uomconversion"), ["uom"], "through from_uom / to_uom");
    assert!(reach("organization").contains(&"organization"));
    assert!(reach("organization").contains(&"currency"), "{:?}", reach("organization"));
    let probe = Registry::new(&[&PROBE]);
    assert_eq!(custom_reach(&probe, &probe.models()[0]), ["probe"]);
}
