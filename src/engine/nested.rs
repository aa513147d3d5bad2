//! Child lists written with their parent (API.md § Master data, "Nested writes"): a
//! [`Kind::Children`] field lists rows of a child model that point back at the parent. Rows
//! show their lists (and a child's inline foreign keys, as whole objects) through one
//! correlated JSON sub-select, so a page of parents is still one query. A write replaces a
//! list in the parent's transaction: items with an `id` keep it (and their creation stamps),
//! items without are created, items left out are deleted; errors come back under the list's
//! key with one object per item. Child rows belong to their parent alone — nothing else
//! refers to them — so a list is stored by deleting the old rows and inserting the new set,
//! which no order of renames and swaps between items can trip over.
//!
//! Audit: the parent's entry shows its lists before and after (one entry per request, which
//! reads as what the user did); child models are not audited on their own.

use std::collections::HashMap;

use rusqlite::params_from_iter;
use serde_json::{Map, Value};

use super::crud::{fetch, fetch_visible, record_key};
use super::def::{Field, Kind};
use super::error::{EngineError, FieldErrors};
use super::input::{self, Mode};
use super::model::{Model, Registry, TRACKING};
use super::write::{self, Access};
use super::{Author, Record, custom, value};
use crate::store::{Connection, DECIMAL, SqlValue, StoreError};

/// Where a child list points: the child model, its foreign key to the parent, and the flag
/// at most one item may carry.
struct List {
    child: &'static Model,
    parent: &'static str,
    single: Option<&'static str>,
}

fn list(registry: &'static Registry, field: &Field) -> Result<List, EngineError> {
    let Kind::Children { model, parent, single } = field.kind else { return Err(EngineError::NotFound) };
    let child = registry.get(model).ok_or(EngineError::NotFound)?;
    Ok(List { child, parent, single })
}

/// The columns an item of a child list shows: the child's readable ones but the foreign key
/// to the parent and the tracking columns.
fn item_columns<'m>(child: &'m Model, parent: &'m str) -> impl Iterator<Item = &'m Field> {
    child.readable.iter().filter(move |f| f.name != parent && !TRACKING.iter().any(|t| t.name == f.name))
}

/// The SELECT expression of the child list `field` of the row `row` (the parent table's name
/// or an alias): a JSON array of its items in the order they were stored.
pub fn list_expression(registry: &Registry, owner: &Model, field: &Field, row: &str, depth: usize) -> String {
    let Kind::Children { model, parent, .. } = field.kind else { return "NULL".into() };
    let Some(child) = registry.get(model) else { return "NULL".into() };
    let alias = format!("c{depth}");
    let object = object_expression(registry, child, &alias, item_columns(child, parent), depth);
    format!(
        "(SELECT json_group_array({object} ORDER BY {alias}.rowid) FROM \"{table}\" AS {alias} \
         WHERE {alias}.\"{parent}\" = {row}.\"{key}\")",
        table = child.def.table,
        key = owner.def.key,
    )
}

/// The SELECT expression of the inline foreign key `field` of the row `row`: the object it
/// points at, or NULL.
pub fn inline_expression(registry: &Registry, field: &Field, row: &str, depth: usize) -> String {
    let Kind::ForeignKey { model, .. } = field.kind else { return "NULL".into() };
    let Some(target) = registry.get(model) else { return "NULL".into() };
    let alias = format!("i{depth}");
    let object = object_expression(registry, target, &alias, target.readable.iter(), depth);
    format!(
        "(SELECT {object} FROM \"{table}\" AS {alias} WHERE {alias}.\"{key}\" = {row}.\"{column}\")",
        table = target.def.table,
        key = target.def.key,
        column = field.name,
    )
}

/// `json_object(…)` of `columns` of the row aliased `alias`, each as the API shows it.
fn object_expression<'f>(
    registry: &Registry,
    model: &Model,
    alias: &str,
    columns: impl Iterator<Item = &'f Field>,
    depth: usize,
) -> String {
    let pairs: Vec<String> =
        columns.map(|f| format!("'{}', {}", f.name, json_value(registry, model, f, alias, depth + 1))).collect();
    format!("json_object({})", pairs.join(", "))
}

/// The JSON value of `field` of the row aliased `alias`, as SQL.
fn json_value(registry: &Registry, model: &Model, field: &Field, alias: &str, depth: usize) -> String {
    let column = format!("{alias}.\"{}\"", field.name);
    match field.kind {
        Kind::Boolean => {
            format!("CASE WHEN {column} IS NULL THEN NULL WHEN {column} THEN json('true') ELSE json('false') END")
        }
        Kind::Decimal { scale, .. } => format!("{DECIMAL}({column}, {scale})"),
        Kind::Json(_) => format!("json({column})"),
        Kind::Tags => format!("json({})", super::links::select_expression(model, field, alias)),
        // A sub-select's JSON arrives as text: `json()` makes it JSON again.
        Kind::Children { .. } => format!("json({})", list_expression(registry, model, field, alias, depth)),
        Kind::ForeignKey { .. } if field.inline => {
            format!("json({})", inline_expression(registry, field, alias, depth))
        }
        Kind::Lookup { .. } => model.lookup_expression(registry, field, alias),
        Kind::Details { via } => format!("json({})", model.details_expression(registry, via, alias, depth)),
        _ => column,
    }
}

/// Replaces the child list `field` of `parent`, a row of `model` just inserted or updated, with the items of
/// `raw` (the list's JSON, shaped by validation); answers the stored list as rows show it.
pub fn write_list(
    conn: &Connection,
    registry: &'static Registry,
    author: &Author,
    access: Access,
    (model, parent): (&Model, &Record),
    field: &Field,
    raw: &str,
) -> Result<Value, EngineError> {
    let list = list(registry, field)?;
    let items: Vec<Map<String, Value>> = serde_json::from_str(raw).map_err(|e| StoreError::Encoding(e.to_string()))?;
    let key = record_key(model, parent);
    let existing = stored_items(conn, &list, &key)?;
    let place = Place { registry, author, access, organization: model.organization_of(parent), parent_key: &key };
    let mut errors = vec![FieldErrors::new(); items.len()];
    let mut rows = Vec::with_capacity(items.len());
    let mut flagged = Vec::with_capacity(items.len());
    for (item, error) in items.iter().zip(errors.iter_mut()) {
        flagged.push(list.single.is_some_and(|flag| item.get(flag) == Some(&Value::Bool(true))));
        match item_row(conn, &list, &place, &existing, item) {
            Ok(row) => rows.push(row),
            Err(EngineError::Validation(e)) => *error = e,
            Err(other) => return Err(other),
        }
    }
    if errors.iter().all(FieldErrors::is_empty) {
        keep_single(&list, &mut rows, &flagged);
        for (position, message) in duplicates(&list, &rows) {
            errors[position] = message;
        }
    }
    if errors.iter().any(|e| !e.is_empty()) {
        let mut all = FieldErrors::new();
        all.add_items(field.name, errors);
        return Err(EngineError::Validation(all));
    }
    let table = list.child.def.table;
    conn.prepare_cached(&format!("DELETE FROM \"{table}\" WHERE \"{}\" = ?1", list.parent))?
        .execute([&key])
        .map_err(StoreError::from)?;
    for (position, row) in rows.into_iter().enumerate() {
        insert_row(conn, list.child, row).map_err(|e| match e {
            EngineError::Validation(e) => {
                let mut items = vec![FieldErrors::new(); items.len()];
                items[position] = e;
                let mut all = FieldErrors::new();
                all.add_items(field.name, items);
                EngineError::Validation(all)
            }
            other => other,
        })?;
    }
    let sql = format!(
        "SELECT {} FROM \"{}\" WHERE \"{}\" = ?1",
        list_expression(registry, model, field, &format!("\"{}\"", model.def.table), 0),
        model.def.table,
        model.def.key
    );
    let stored: String = conn.prepare_cached(&sql)?.query_row([&key], |r| r.get(0)).map_err(StoreError::from)?;
    Ok(serde_json::from_str(&stored).unwrap_or(Value::Array(Vec::new())))
}

/// What every item of one list write shares.
struct Place<'a> {
    registry: &'static Registry,
    author: &'a Author,
    access: Access<'a>,
    /// The parent's organization, which inline objects created with it take.
    organization: Option<&'a str>,
    parent_key: &'a str,
}

/// A child row's stored columns and values.
type Row = Vec<(Field, SqlValue)>;

/// The list's rows as stored, by id.
fn stored_items(conn: &Connection, list: &List, key: &str) -> Result<HashMap<String, Row>, EngineError> {
    let columns: Vec<Field> = list.child.stored().copied().collect();
    let names: Vec<String> = columns.iter().map(|f| format!("\"{}\"", f.name)).collect();
    let sql = format!("SELECT {} FROM \"{}\" WHERE \"{}\" = ?1", names.join(", "), list.child.def.table, list.parent);
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query([key]).map_err(StoreError::from)?;
    let mut stored = HashMap::new();
    while let Some(row) = rows.next().map_err(StoreError::from)? {
        let values: Row = columns
            .iter()
            .enumerate()
            .map(|(i, f)| Ok((*f, row.get::<_, SqlValue>(i)?)))
            .collect::<Result<_, rusqlite::Error>>()?;
        let id = values.iter().find(|(f, _)| f.name == list.child.def.key).map(|(_, v)| text(v)).unwrap_or_default();
        stored.insert(id, values);
    }
    Ok(stored)
}

fn text(value: &SqlValue) -> String {
    match value {
        SqlValue::Text(t) => t.clone(),
        SqlValue::Integer(i) => i.to_string(),
        _ => String::new(),
    }
}

/// One item as the row to store: a stored item with the item's changes, or a new one; its
/// inline objects written first and replaced by their keys.
fn item_row(
    conn: &Connection,
    list: &List,
    place: &Place,
    existing: &HashMap<String, Row>,
    item: &Map<String, Value>,
) -> Result<Row, EngineError> {
    let child = list.child;
    let stored = match item.get(child.def.key) {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(existing.get(id).ok_or_else(|| {
            EngineError::Validation(FieldErrors::single(child.def.key, "No item with this id in this list."))
        })?),
        Some(_) => return Err(EngineError::Validation(FieldErrors::single(child.def.key, "Not a valid string."))),
    };
    let mut body = item.clone();
    body.remove(child.def.key);
    body.insert(list.parent.to_string(), Value::String(place.parent_key.to_string()));
    let mut errors = FieldErrors::new();
    for field in child.columns.iter().filter(|f| f.inline) {
        let Some(Value::Object(object)) = body.get(field.name) else { continue };
        match write_inline(conn, place, field, object) {
            Ok(key) => {
                body.insert(field.name.to_string(), Value::String(key));
            }
            Err(EngineError::Validation(inner)) => errors.add_object(field.name, inner),
            Err(other) => return Err(other),
        }
    }
    errors.into_result()?;
    let body = Value::Object(body);
    // What the item sets: references in it must be rows the writer may see.
    let sent = |values: &Row| -> Row { values.iter().filter(|(f, _)| f.name != list.parent).cloned().collect() };
    let mut row = match stored {
        None => {
            let mut row = input::prepare_create(child, place.author, &body, &[])?.values;
            write::check_references(conn, place.registry, place.access, &sent(&row))?;
            if child.def.tracking {
                let now = crate::store::now();
                let user = place.author.user().map_or(SqlValue::Null, |u| SqlValue::Text(u.to_string()));
                let stamps = [SqlValue::Text(now.clone()), SqlValue::Text(now), user.clone(), user];
                row.extend(TRACKING.iter().copied().zip(stamps));
            }
            row
        }
        Some(stored) => {
            let changes = input::validate_input(child, &body, Mode::Patch)?;
            write::check_references(conn, place.registry, place.access, &sent(&changes))?;
            let mut row = stored.clone();
            let mut changed = false;
            for (field, value) in changes {
                if let Some(slot) = row.iter_mut().find(|(f, _)| f.name == field.name) {
                    changed |= slot.1 != value;
                    slot.1 = value;
                }
            }
            let record: Record =
                row.iter().map(|(f, v)| (f.name.to_string(), value::to_json(f.kind, v.clone()))).collect();
            input::run_validator(child, &record)?;
            if changed {
                stamp_update(&mut row, place.author);
            }
            row
        }
    };
    row.retain(|(f, _)| f.kind.is_stored());
    Ok(row)
}

/// Sets `updated_at` and `updated_by` of a changed row.
fn stamp_update(row: &mut Row, author: &Author) {
    for (field, value) in row.iter_mut() {
        match field.name {
            "updated_at" => *value = SqlValue::Text(crate::store::now()),
            "updated_by" => *value = author.user().map_or(SqlValue::Null, |u| SqlValue::Text(u.to_string())),
            _ => {}
        }
    }
}

/// Writes an inline object: with the key of a row the writer may see, that row is updated
/// (when anything changes); without, a row is created — in the parent's organization when the
/// object names none. Answers the row's key.
fn write_inline(
    conn: &Connection,
    place: &Place,
    field: &Field,
    object: &Map<String, Value>,
) -> Result<String, EngineError> {
    let Kind::ForeignKey { model: target, .. } = field.kind else { return Err(EngineError::NotFound) };
    let target = place.registry.get(target).ok_or(EngineError::NotFound)?;
    let definitions = if target.def.custom_fields { custom::definitions(conn, target.def.name)? } else { Vec::new() };
    if let Some(Value::String(key)) = object.get(target.def.key) {
        let found = match place.access {
            Access::Caller(principal) => fetch_visible(conn, target, principal, key)?,
            Access::Trusted => fetch(conn, target, key)?,
        };
        let existing = found.ok_or_else(|| {
            EngineError::Validation(FieldErrors::single(
                target.def.key,
                format!("Invalid pk \"{key}\" - object does not exist."),
            ))
        })?;
        let mut values = input::validate_input(target, &Value::Object(object.clone()), Mode::Patch)?;
        input::check_custom_fields(target, &definitions, &mut values, false)?;
        values.retain(|(f, v)| value::read(f, v.clone()) != existing[f.name]);
        if !values.is_empty() {
            write::apply_update(conn, place.registry, target, place.author, existing, values, place.access)?;
        }
        return Ok(key.clone());
    }
    let mut body = object.clone();
    if let (Some(organization), true) = (place.organization, target.column("organization").is_some()) {
        body.entry("organization").or_insert_with(|| Value::String(organization.to_string()));
    }
    let row = input::prepare_create(target, place.author, &Value::Object(body), &definitions)?;
    let made = write::insert(conn, place.registry, target, place.author, row, place.access)?;
    Ok(record_key(target, &made))
}

/// Single primary: when several items carry the list's flag, the last one flagged in this
/// write (else the last one stored with it) keeps it and the others are stored without.
fn keep_single(list: &List, rows: &mut [Row], flagged: &[bool]) {
    let Some(flag) = list.single else { return };
    let set = |row: &Row| row.iter().any(|(f, v)| f.name == flag && *v == SqlValue::Integer(1));
    let winner = flagged.iter().rposition(|f| *f).or_else(|| rows.iter().rposition(set));
    for (i, row) in rows.iter_mut().enumerate() {
        if Some(i) != winner && set(row) {
            for (_, value) in row.iter_mut().filter(|(f, _)| f.name == flag) {
                *value = SqlValue::Integer(0);
            }
        }
    }
}

/// Items repeating what a unique set of the child (with the parent's key in it) allows once
/// per parent — the same e-mail twice in one contact: each repeat's position and error. Items
/// with a blank member of a set unique unless blank never repeat it.
fn duplicates(list: &List, rows: &[Row]) -> Vec<(usize, FieldErrors)> {
    let mut found = Vec::new();
    let def = list.child.def;
    let sets =
        def.unique_together.iter().map(|set| (set, false)).chain(def.unique_unless_blank.iter().map(|set| (set, true)));
    for (set, unless_blank) in sets.filter(|(set, _)| set.contains(&list.parent)) {
        let others: Vec<&str> = set.iter().copied().filter(|name| *name != list.parent).collect();
        let mut seen: Vec<Vec<String>> = Vec::new();
        for (position, row) in rows.iter().enumerate() {
            let tuple: Vec<String> = others
                .iter()
                .map(|name| match row.iter().find(|(f, _)| f.name == *name) {
                    Some((field, value)) if field.nocase => text(value).to_lowercase(),
                    Some((_, value)) => text(value),
                    None => String::new(),
                })
                .collect();
            if unless_blank && tuple.iter().any(String::is_empty) {
                continue;
            }
            if seen.contains(&tuple) {
                let field = if others.len() == 1 { others[0] } else { "non_field_errors" };
                let message = format!("This {} is already in the list.", others.join(" and ").replace('_', " "));
                found.push((position, FieldErrors::single(field, message)));
            } else {
                seen.push(tuple);
            }
        }
    }
    found
}

/// Inserts one child row; constraint failures come back as its field errors.
fn insert_row(conn: &Connection, child: &Model, row: Row) -> Result<(), EngineError> {
    let columns: Vec<String> = row.iter().map(|(f, _)| format!("\"{}\"", f.name)).collect();
    let sql = format!(
        "INSERT INTO \"{}\" ({}) VALUES ({})",
        child.def.table,
        columns.join(", "),
        vec!["?"; columns.len()].join(", ")
    );
    let params: Vec<SqlValue> = row.into_iter().map(|(_, v)| v).collect();
    conn.prepare_cached(&sql)?
        .execute(params_from_iter(&params))
        .map_err(|e| write::constraint_error(child, StoreError::from(e)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Child lists on models of their own (contacts prove them over HTTP): a basket whose
    //! items point at things, inline or by key.

    use serde_json::{Value, json};

    use crate::engine::testing::Fixture;
    use crate::engine::{Default, EngineError, Field, ModelDef, OnDelete, Record, crud};

    const THING: ModelDef = ModelDef {
        fields: &[Field::text("label", 20), Field::decimal("weight", 6, 2).nullable()],
        display: "{label}",
        ..ModelDef::base("thing", "Thing", "things", "test_things")
    };
    const BASKET: ModelDef = ModelDef {
        fields: &[
            Field::text("name", 20),
            Field::children("items", "item", "basket").single("favorite"),
            Field::foreign_key("pick", "thing", OnDelete::SetNull).nullable(),
            Field::details("pick_details", "pick"),
        ],
        display: "{name}",
        ..ModelDef::base("basket", "Basket", "baskets", "test_baskets")
    };
    const ITEM: ModelDef = ModelDef {
        fields: &[
            Field::foreign_key("basket", "basket", OnDelete::Cascade),
            Field::foreign_key("thing", "thing", OnDelete::Restrict).inline(),
            Field::integer("quantity", 1, 99).default(Default::Int(1)),
            Field::boolean("favorite").default(Default::Bool(false)),
        ],
        unique_together: &[&["basket", "thing"]],
        nested: true,
        audited: false,
        ..ModelDef::base("item", "Item", "items", "test_items")
    };

    fn setup() -> Fixture {
        Fixture::new(&[&THING, &BASKET, &ITEM])
    }

    fn errors(result: Result<Record, EngineError>) -> Value {
        match result {
            Err(EngineError::Validation(errors)) => errors.to_json(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn items_are_written_with_their_parent_inline_objects_included() {
        let fixture = setup();
        let basket = fixture
            .create(
                "basket",
                json!({ "name": "B", "items": [
                { "thing": { "label": "apple", "weight": "0.25" }, "favorite": true },
                { "thing": { "label": "pear" }, "quantity": 3, "favorite": true },
            ] }),
            )
            .expect("created");
        let items = basket["items"].as_array().expect("items");
        assert_eq!(items[0]["thing"]["weight"], "0.25", "decimals shown as the API shows them");
        assert_eq!(items[1]["quantity"], 3);
        assert_eq!([&items[0]["favorite"], &items[1]["favorite"]], [&json!(false), &json!(true)], "last flag wins");
        assert_eq!(fixture.count("SELECT count(*) FROM test_things"), 2);
        // Keep the pear (by id), change its thing in place, drop the apple, add a plum by key.
        let made = fixture.create("thing", json!({ "label": "plum" })).expect("thing");
        let pear = &items[1];
        let patched = fixture
            .patch(
                "basket",
                basket["id"].as_str().expect("key"),
                json!({ "items": [
                    { "id": pear["id"], "thing": { "id": pear["thing"]["id"], "label": "nashi" } },
                    { "thing": made["id"] },
                ] }),
            )
            .expect("patched");
        let items = patched["items"].as_array().expect("items");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["id"], pear["id"], "kept its id");
        assert_eq!(items[0]["quantity"], 3, "and what the item did not send");
        assert_eq!(items[0]["thing"]["label"], "nashi", "its inline thing was updated in place");
        assert_eq!(items[1]["thing"]["label"], "plum");
        assert_eq!(fixture.count("SELECT count(*) FROM test_items"), 2);
        assert_eq!(fixture.count("SELECT count(*) FROM test_things"), 3, "things outlive the items");
        // One audit entry per write of the basket, its list changes in it; none for items.
        assert_eq!(
            fixture.count("SELECT count(*) FROM audit_logs WHERE model = 'basket'"),
            2,
            "its create and its update"
        );
        assert_eq!(fixture.count("SELECT count(*) FROM audit_logs WHERE model = 'item'"), 0);
    }

    #[test]
    fn a_bad_item_fails_the_whole_write_at_its_position() {
        let fixture = setup();
        let basket =
            fixture.create("basket", json!({ "name": "B", "items": [{ "thing": { "label": "fig" } }] })).expect("b");
        let stored = basket["items"].clone();
        let thing = &stored[0]["thing"]["id"];
        let cases = [
            (
                json!({ "items": [{ "thing": thing }, { "thing": thing }] }),
                json!({ "items": [{}, { "thing": ["This thing is already in the list."] }] }),
            ),
            (
                json!({ "items": [{ "thing": thing, "quantity": 0 }] }),
                json!({ "items": [{ "quantity": ["Ensure this value is greater than or equal to 1."] }] }),
            ),
            (
                json!({ "items": [{ "thing": { "label": "" } }] }),
                json!({ "items": [{ "thing": { "label": ["This field may not be blank."] } }] }),
            ),
            (
                json!({ "items": [{ "id": 7, "thing": thing }] }),
                json!({ "items": [{ "id": ["Not a valid string."] }] }),
            ),
        ];
        let key = basket["id"].as_str().expect("key");
        for (body, expected) in cases {
            assert_eq!(errors(fixture.patch("basket", key, body.clone())), expected, "{body}");
        }
        let model = fixture.model("basket");
        let now = fixture.db.read(|conn| crud::fetch(conn, model, key)).expect("read").expect("row");
        assert_eq!(now["items"], stored, "nothing was written");
        assert_eq!(fixture.count("SELECT count(*) FROM test_things"), 1, "no inline thing left behind");
        // Deleting the basket takes its items along, never their things.
        fixture.delete("basket", key).expect("deleted");
        assert_eq!(fixture.count("SELECT count(*) FROM test_items"), 0);
        assert_eq!(fixture.count("SELECT count(*) FROM test_things"), 1);
    }

    #[test]
    fn details_show_the_row_a_key_points_at_and_are_never_written() {
        let fixture = setup();
        let thing = fixture.create("thing", json!({ "label": "fig", "weight": "1.5" })).expect("thing");
        let body = json!({ "name": "B", "pick": thing["id"], "pick_details": { "label": "not written" } });
        let basket = fixture.create("basket", body).expect("created");
        assert_eq!(basket["pick_details"], Value::Object(thing.clone()), "the thing as it is shown itself");
        let key = basket["id"].as_str().expect("key");
        let model = fixture.model("basket");
        let read = fixture.db.read(|conn| crud::fetch(conn, model, key)).expect("read").expect("row");
        assert_eq!(read["pick_details"]["weight"], "1.50");
        let cleared = fixture.patch("basket", key, json!({ "pick": null })).expect("patched");
        assert_eq!(cleared["pick_details"], Value::Null);
        assert_eq!(fixture.count("SELECT count(*) FROM test_things WHERE label = 'fig'"), 1, "nothing written through");
        let trail = fixture.count("SELECT count(*) FROM audit_logs WHERE changes LIKE '%pick_details%'");
        assert_eq!(trail, 0, "the trail records the key, not the row it shows");
    }
}
