//! `tags/` (spec: Tagging): labels shared by every taggable model, looked up by slug. A tag is
//! made on first use by whoever may write the row being tagged; renaming or deleting one is
//! tag administration (superusers, or the global `tag.change` / `tag.delete`). Names match
//! regardless of case and keep the case they were first written in.

use serde_json::json;

use crate::engine::{Author, Field, ModelDef};
use crate::store::{Db, StoreError};

pub const TAG: ModelDef = ModelDef {
    key: "slug",
    fields: &[
        Field::text("name", 100).unique().nocase().help("Unique regardless of case; kept as first written."),
        Field::slug("slug", 100).blank().help("Made from the name when left out (\"-2\", \"-3\" … when taken)."),
    ],
    slug_from: Some(("slug", "name")),
    search: &["name", "slug"],
    filters: &["name", "slug"],
    ordering: &["name", "created_at"],
    default_order: &["name"],
    // Tag vocabularies are small.
    unindexed: &["created_at"],
    display: "{name}",
    list_columns: &["name", "slug"],
    area: "configuration",
    ..ModelDef::base("tag", "Tag", "tags", "tags")
};

/// Gives the tags an earlier schema kept as JSON lists (left in `tag_import` by migration V12)
/// to their rows as real tags, once; a no-op afterwards.
pub fn adopt_imported(db: &Db) -> Result<(), StoreError> {
    db.write(|conn| {
        let pending: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tag_import')",
            [],
            |r| r.get(0),
        )?;
        if !pending {
            return Ok(());
        }
        let registry = super::registry();
        let mut rows: Vec<(String, String, String)> = Vec::new();
        {
            let mut stmt = conn.prepare("SELECT model, object_id, names FROM tag_import")?;
            for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
                rows.push(row?);
            }
        }
        let author = Author::system("migration");
        for (model_name, key, names) in rows {
            let Some(model) = registry.get(&model_name) else { continue };
            let Some(field) = crate::engine::links::fields(model).next().copied() else { continue };
            let names = json!(serde_json::from_str::<Vec<String>>(&names).unwrap_or_default()).to_string();
            crate::engine::links::write_tags(conn, registry, &author, model, &field, &key, &names)
                .map_err(|e| StoreError::Migration(format!("tags of {model_name} {key}: {e}")))?;
        }
        conn.execute_batch("DROP TABLE tag_import")?;
        Ok(())
    })
}
