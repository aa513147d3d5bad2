//! Many-to-many relations through a link table per field (DESIGN.md §5, "relations"), first
//! used by tags: `tags` of a model lives in `<table>_tags` (the row's key, the tag's slug),
//! rows list their tags by name, a write replaces the set, and a name not seen before
//! becomes a tag (`tags/`) on first use — names match regardless of case and keep the case
//! they were first written in.

use serde_json::{Value, json};

use super::def::{Field, Kind, ModelDef};
use super::error::EngineError;
use super::model::{Model, Registry};
use super::{Author, Record, crud, input, write};
use crate::store::{Connection, OptionalExtension, StoreError};

/// The model every tags field links to.
pub const TAG_MODEL: &str = "tag";

/// The link table of `field`: `<table>_<field>`.
pub fn table(model: &ModelDef, field: &str) -> String {
    format!("{}_{field}", model.table)
}

/// The link table's column holding the row's key: the model's name.
pub fn owner(model: &ModelDef) -> &'static str {
    model.name
}

/// The SELECT expression listing the tags of the row `row` (the table's name, or an alias in
/// a nested object) by name, as a JSON array in name order.
pub fn select_expression(model: &Model, field: &Field, row: &str) -> String {
    format!(
        "(SELECT json_group_array(name) FROM (SELECT t.name FROM \"{link}\" l JOIN \"tags\" t ON t.slug = l.tag \
         WHERE l.\"{owner}\" = {row}.\"{key}\" ORDER BY t.name))",
        link = table(model.def, field.name),
        owner = owner(model.def),
        key = model.def.key,
    )
}

/// The link table of `field` and its index, as the schema derives them.
pub fn ddl(registry: &Registry, model: &Model, field: &Field) -> (String, Vec<String>) {
    let link = table(model.def, field.name);
    let owner = owner(model.def);
    let (table, key) = (model.def.table, model.def.key);
    let (tags, tag_key) = crud::target_table(registry, TAG_MODEL);
    let create = format!(
        "CREATE TABLE \"{link}\" (\n    \"{owner}\" TEXT NOT NULL REFERENCES \"{table}\" (\"{key}\") ON DELETE CASCADE,\n    \
         \"tag\" TEXT NOT NULL REFERENCES \"{tags}\" (\"{tag_key}\") ON DELETE CASCADE,\n    \
         PRIMARY KEY (\"{owner}\", \"tag\")\n) STRICT, WITHOUT ROWID"
    );
    (create, vec![format!("CREATE INDEX \"{link}_tag\" ON \"{link}\" (\"tag\", \"{owner}\")")])
}

/// Replaces the row's tags with `names` (a JSON array from validation), making tags that do
/// not exist yet; answers the stored names in name order, as rows list them.
pub fn write_tags(
    conn: &Connection,
    registry: &'static Registry,
    author: &Author,
    model: &Model,
    field: &Field,
    key: &str,
    names: &str,
) -> Result<Value, EngineError> {
    let names: Vec<String> = serde_json::from_str(names).unwrap_or_default();
    let tags = registry.get(TAG_MODEL).ok_or(EngineError::NotFound)?;
    let mut linked: Vec<(String, String)> = Vec::with_capacity(names.len());
    for name in names {
        let found: Option<(String, String)> = conn
            .prepare_cached("SELECT slug, name FROM tags WHERE name = ?1")?
            .query_row([&name], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(StoreError::from)?;
        let tag = match found {
            Some(tag) => tag,
            None => {
                let row = input::prepare_create(tags, author, &json!({ "name": name }), &[])?;
                let made: Record = write::insert(conn, registry, tags, author, row, write::Access::Trusted)?;
                let text = |f: &str| made.get(f).and_then(Value::as_str).unwrap_or_default().to_string();
                (text("slug"), text("name"))
            }
        };
        if !linked.iter().any(|(slug, _)| *slug == tag.0) {
            linked.push(tag);
        }
    }
    let link = table(model.def, field.name);
    let owner = owner(model.def);
    conn.prepare_cached(&format!("DELETE FROM \"{link}\" WHERE \"{owner}\" = ?1"))?
        .execute([key])
        .map_err(StoreError::from)?;
    let mut insert = conn.prepare_cached(&format!("INSERT INTO \"{link}\" (\"{owner}\", tag) VALUES (?1, ?2)"))?;
    for (slug, _) in &linked {
        insert.execute([key, slug]).map_err(StoreError::from)?;
    }
    let mut stored: Vec<String> = linked.into_iter().map(|(_, name)| name).collect();
    stored.sort_by_key(|name| name.to_ascii_lowercase());
    Ok(json!(stored))
}

/// The link fields of a model (tags).
pub fn fields(model: &Model) -> impl Iterator<Item = &Field> {
    model.columns.iter().filter(|f| matches!(f.kind, Kind::Tags))
}
