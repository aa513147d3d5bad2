//! `categories/` (spec: Category): the typed classification tree shared by products, documents
//! and assets. Reference data — read by anyone, written by superusers or global permission
//! holders. A child has its parent's `category_type`; the slug (made from the name when left
//! out) names a category in URLs, its id everywhere else; deleting a category deletes its
//! subtree. `categories/tree/?type=` answers one type's active categories nested.

use serde_json::{Map, Value, json};

use crate::engine::{
    Action, ActionCall, ActionOutput, EngineError, Field, Method, ModelDef, Needs, OnDelete, ReadRule, Tree, crud,
};
use crate::store::StoreError;

pub const CATEGORY_TYPES: &[&str] = &["PRODUCT", "DOCUMENT_TYPE", "ASSET_TYPE", "ORG_COST_CENTER", "OTHER"];

pub const CATEGORY: ModelDef = ModelDef {
    lookup: Some("slug"),
    fields: &[
        Field::text("name", 255),
        Field::slug("slug", 255)
            .blank()
            .unique()
            .help("Made from the name when left out (\"-2\", \"-3\" … when taken)."),
        Field::long_text("description").blank(),
        Field::foreign_key("parent", "category", OnDelete::Cascade).nullable().help("A child has its parent's type."),
        Field::lookup("parent_name", "parent", "name"),
        Field::choice("category_type", CATEGORY_TYPES).help("The kind of record this category classifies."),
        Field::boolean("is_active").default(crate::engine::Default::Bool(true)),
    ],
    custom_fields: true,
    tree: Some(Tree { parent: "parent", same_as_parent: &["category_type"] }),
    slug_from: Some(("slug", "name")),
    unique_together: &[&["parent", "name", "category_type"]],
    search: &["name", "slug", "description"],
    filters: &["category_type", "parent", "parent.slug", "is_active", "slug"],
    ordering: &["name", "tree_path"],
    default_order: &["tree_path"],
    list_defaults: &[("is_active", "true")],
    read: ReadRule::Anyone,
    display: "{name}",
    list_columns: &["name", "slug", "category_type", "parent_name", "is_active"],
    actions: &[Action {
        name: "tree",
        detail: false,
        method: Method::Get,
        summary: "One type's active categories as a tree: roots with nested `children`",
        params: &["type"],
        needs: Needs::View,
        handler: tree,
    }],
    area: "catalog",
    ..ModelDef::base("category", "Category", "categories", "categories")
};

/// `categories/tree/?type=PRODUCT` (or `categories/tree/PRODUCT/`): the active categories of a
/// type, roots first, each with its `children` (by name); a category under an inactive one is
/// left out with it.
fn tree(call: &ActionCall) -> Result<ActionOutput, EngineError> {
    let kind = call.param("type").unwrap_or_default();
    if !CATEGORY_TYPES.contains(&kind) {
        let expected = CATEGORY_TYPES.join(", ");
        return Err(EngineError::bad_query("invalid_query", format!("\"type\" must be one of {expected}.")));
    }
    let model = call.model;
    let sql = format!(
        "SELECT {} FROM categories WHERE category_type = ?1 AND is_active = 1 ORDER BY tree_path",
        model.select_list
    );
    let rows = call.db.read(|conn| {
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([kind], |row| crud::read_row(model, row))?.collect::<Result<Vec<_>, _>>();
        Ok::<_, StoreError>(rows?)
    })?;
    Ok(ActionOutput::Json(Value::Array(nest(rows))))
}

/// Nests rows given in path order (parents before their children) under their parents.
fn nest(rows: Vec<Map<String, Value>>) -> Vec<Value> {
    let mut nodes: Vec<(Option<usize>, Map<String, Value>)> = Vec::with_capacity(rows.len());
    let mut index = std::collections::HashMap::new();
    for mut row in rows {
        let parent = row.get("parent").and_then(Value::as_str).map(str::to_string);
        let place = match parent {
            None => None,
            Some(parent) => match index.get(&parent) {
                Some(&at) => Some(at),
                // Under an inactive category: hidden with it.
                None => continue,
            },
        };
        row.insert("children".into(), json!([]));
        if let Some(id) = row.get("id").and_then(Value::as_str) {
            index.insert(id.to_string(), nodes.len());
        }
        nodes.push((place, row));
    }
    // Children are attached deepest first, so that each node is complete when it moves.
    let mut roots = Vec::new();
    while let Some((parent, mut node)) = nodes.pop() {
        sort_children(&mut node);
        match parent {
            Some(at) => {
                if let Some(Value::Array(children)) = nodes[at].1.get_mut("children") {
                    children.push(Value::Object(node));
                }
            }
            None => roots.push(Value::Object(node)),
        }
    }
    roots.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    roots
}

fn sort_children(node: &mut Map<String, Value>) {
    if let Some(Value::Array(children)) = node.get_mut("children") {
        children.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    }
}

fn name_of(node: &Value) -> &str {
    node.get("name").and_then(Value::as_str).unwrap_or_default()
}
