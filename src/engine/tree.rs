//! Trees (DESIGN.md §5): a model whose rows hang from a parent field keeps, for every row,
//! its `level` (0 for a root) and its `tree_path` — the keys from the root down to itself,
//! `/root/…/self/` — so that a subtree is one index range (`tree_path` starts with the node's)
//! and the ancestors are the keys in one string. The engine fills both on every write,
//! refuses cycles and the definition's parent rules (400 on `parent`), carries a moved node's
//! subtree along, and deletes a subtree node by node (audited) where the parent field
//! cascades.

use rusqlite::params_from_iter;
use serde_json::Value;

use super::def::{Action, Field, Kind, Method, Needs, OnDelete, Tree};
use super::error::{EngineError, FieldErrors};
use super::model::Model;
use super::restriction::Restriction;
use super::{ActionCall, ActionOutput};
use super::{Record, value};
use crate::store::{Connection, OptionalExtension, SqlValue, StoreError};

/// The deepest a tree may grow (a root is level 0).
pub const MAX_LEVEL: i64 = 31;
/// The level column every tree model gets.
pub const LEVEL: Field = Field::integer("level", 0, MAX_LEVEL)
    .default(super::Default::Int(0))
    .read_only()
    .help("Depth in the tree: 0 for a root.");
/// The path column every tree model gets: `/root/…/self/`.
pub const PATH: Field = Field::text("tree_path", 1200)
    .blank()
    .read_only()
    .help("The keys from the root down to this row, as /root/…/self/: a subtree is every row whose path starts with its root's.");

/// The actions every tree model answers: `children/`, `descendants/`, `ancestors/` (root
/// first), lists of the rows around a node the caller may see.
pub const ACTIONS: [Action; 3] = [
    Action {
        name: "children",
        detail: true,
        method: Method::Get,
        summary: "The direct children of this row.",
        params: &[],
        needs: Needs::View,
        handler: children,
    },
    Action {
        name: "descendants",
        detail: true,
        method: Method::Get,
        summary: "Every row below this one.",
        params: &[],
        needs: Needs::View,
        handler: descendants,
    },
    Action {
        name: "ancestors",
        detail: true,
        method: Method::Get,
        summary: "Every row above this one, the root first.",
        params: &[],
        needs: Needs::View,
        handler: ancestors,
    },
];

fn around(
    call: &ActionCall,
    restriction: Restriction,
    query: &[(String, String)],
) -> Result<ActionOutput, EngineError> {
    let page = super::crud::list_matching(call.db, call.registry, call.model, call.caller, query, Some(restriction))?;
    Ok(ActionOutput::Page(page))
}

fn children(call: &ActionCall) -> Result<ActionOutput, EngineError> {
    around(call, Restriction::Children(call.key.unwrap_or_default()), call.query)
}

fn descendants(call: &ActionCall) -> Result<ActionOutput, EngineError> {
    around(call, Restriction::Descendants(call.key.unwrap_or_default()), call.query)
}

fn ancestors(call: &ActionCall) -> Result<ActionOutput, EngineError> {
    let mut query = call.query.to_vec();
    if !query.iter().any(|(k, _)| k == "ordering") {
        query.push(("ordering".into(), LEVEL.name.into()));
    }
    around(call, Restriction::Ancestors(call.key.unwrap_or_default()), &query)
}

/// SQL: the row aliased `row` is `root` or below it (both aliases of the tree's table): its
/// path starts with the root's, an index range.
pub fn in_subtree(row: &str, root: &str) -> String {
    format!(
        "({row}.tree_path >= {root}.tree_path AND {row}.tree_path < substr({root}.tree_path, 1, length({root}.tree_path) - 1) || '0')"
    )
}

/// SQL: the key `key` (an expression) is on the path `path` (an expression): that row is the
/// path's row or one above it.
pub fn on_path(key: &str, path: &str) -> String {
    format!("instr({path}, '/' || {key} || '/') > 0")
}

/// The exclusive upper bound of the paths below (and at) `path`: `/a/b/` → `/a/b0`.
pub fn subtree_end(path: &str) -> String {
    format!("{}0", &path[..path.len().saturating_sub(1)])
}

/// The level and path of a row placed under `parent` (a root when `None`), after checking the
/// definition's parent rules against the parent row.
pub fn place(
    conn: &Connection,
    model: &Model,
    tree: &Tree,
    key: &str,
    proposed: &Record,
) -> Result<(i64, String), EngineError> {
    let Some(parent) = proposed.get(tree.parent).and_then(Value::as_str) else {
        return Ok((0, format!("/{key}/")));
    };
    let sql = format!("SELECT level, tree_path FROM \"{}\" WHERE \"{}\" = ?1", model.def.table, model.def.key);
    let (level, path): (i64, String) = conn
        .prepare_cached(&sql)?
        .query_row([parent], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(StoreError::from)?
        .ok_or_else(|| parent_error(tree, format!("Invalid pk \"{parent}\" - object does not exist.")))?;
    if path.contains(&format!("/{key}/")) {
        return Err(parent_error(
            tree,
            format!("This {} cannot be placed under itself or one of its descendants.", model.def.label.to_lowercase()),
        ));
    }
    if level + 1 > MAX_LEVEL {
        return Err(parent_error(tree, format!("A tree is at most {} levels deep.", MAX_LEVEL + 1)));
    }
    for field in tree.same_as_parent {
        let sql = format!("SELECT \"{field}\" FROM \"{}\" WHERE \"{}\" = ?1", model.def.table, model.def.key);
        let theirs: SqlValue =
            conn.prepare_cached(&sql)?.query_row([parent], |r| r.get(0)).map_err(StoreError::from)?;
        let kind = model.column(field).map_or(Kind::LongText, |f| f.kind);
        if value::to_json(kind, theirs) != *proposed.get(*field).unwrap_or(&Value::Null) {
            return Err(parent_error(tree, format!("The parent must have the same {}.", field.replace('_', " "))));
        }
    }
    Ok((level + 1, format!("{path}{key}/")))
}

fn parent_error(tree: &Tree, message: String) -> EngineError {
    EngineError::Validation(FieldErrors::single(tree.parent, message))
}

/// Whether an update moves the row or changes a field its children share with it.
pub fn moves(tree: &Tree, existing: &Record, proposed: &Record) -> bool {
    std::iter::once(tree.parent).chain(tree.same_as_parent.iter().copied()).any(|f| existing.get(f) != proposed.get(f))
}

/// A field the children share may not change under them.
pub fn refuse_shared_changes(
    conn: &Connection,
    model: &Model,
    tree: &Tree,
    existing: &Record,
    proposed: &Record,
) -> Result<(), EngineError> {
    let changed: Vec<&str> =
        tree.same_as_parent.iter().copied().filter(|f| existing.get(*f) != proposed.get(*f)).collect();
    if changed.is_empty() || !has_children(conn, model, tree, existing)? {
        return Ok(());
    }
    let mut errors = FieldErrors::new();
    for field in changed {
        errors.add(field, "This cannot change while the row has children, which share it.");
    }
    Err(EngineError::Validation(errors))
}

fn has_children(conn: &Connection, model: &Model, tree: &Tree, row: &Record) -> Result<bool, EngineError> {
    let key = super::crud::record_key(model, row);
    let sql = format!("SELECT EXISTS (SELECT 1 FROM \"{}\" WHERE \"{}\" = ?1)", model.def.table, tree.parent);
    Ok(conn.prepare_cached(&sql)?.query_row([key], |r| r.get(0)).map_err(StoreError::from)?)
}

/// Carries the subtree below a moved row along: every path under `old` starts with `new`
/// instead, and levels shift by the difference.
pub fn rebase(conn: &Connection, model: &Model, old: &str, new: &str, shift: i64) -> Result<(), EngineError> {
    let sql = format!(
        "UPDATE \"{}\" SET tree_path = ?1 || substr(tree_path, ?2), level = level + ?3 \
         WHERE tree_path > ?4 AND tree_path < ?5",
        model.def.table
    );
    let params = [
        SqlValue::Text(new.to_string()),
        SqlValue::Integer(old.chars().count() as i64 + 1),
        SqlValue::Integer(shift),
        SqlValue::Text(old.to_string()),
        SqlValue::Text(subtree_end(old)),
    ];
    conn.prepare_cached(&sql)?.execute(params_from_iter(&params)).map_err(StoreError::from)?;
    Ok(())
}

/// The keys below the row at `path`, deepest first: the order a subtree is deleted in when
/// the parent field cascades. Empty when it protects (the database refuses the delete).
pub fn cascade_order(conn: &Connection, model: &Model, tree: &Tree, path: &str) -> Result<Vec<String>, EngineError> {
    let cascades = model
        .column(tree.parent)
        .is_some_and(|f| matches!(f.kind, Kind::ForeignKey { on_delete: OnDelete::Cascade, .. }));
    if !cascades {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT \"{}\" FROM \"{}\" WHERE tree_path > ?1 AND tree_path < ?2 ORDER BY level DESC",
        model.def.key, model.def.table
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let keys = stmt.query_map([path, &subtree_end(path)], |r| r.get(0))?.collect::<Result<Vec<String>, _>>();
    Ok(keys.map_err(StoreError::from)?)
}

#[cfg(test)]
mod tests {
    //! The tree capability on a model of its own (organizations prove it over HTTP): a
    //! cascading parent, and a field children share with their parent.

    use serde_json::{Value, json};

    use crate::access::{Credential, Principal};
    use crate::audit::Context;
    use crate::engine::{Caller, Field, ModelDef, OnDelete, Record, Registry, Tree, crud, ddl};
    use crate::store::{Db, StoreConfig, StoreError, Synchronous};

    const NODE: ModelDef = ModelDef {
        fields: &[
            Field::text("name", 50),
            Field::choice("kind", &["shelf", "bin"]).default(crate::engine::Default::Text("shelf")),
            Field::foreign_key("parent", "node", OnDelete::Cascade).nullable(),
        ],
        tree: Some(Tree { parent: "parent", same_as_parent: &["kind"] }),
        default_order: &["name"],
        display: "{name}",
        tracking: false,
        ..ModelDef::base("node", "Node", "nodes", "test_nodes")
    };

    struct Fixture {
        _dir: tempfile::TempDir,
        db: Db,
        registry: &'static Registry,
        caller: Caller,
    }

    fn setup() -> Fixture {
        let dir = tempfile::tempdir().expect("dir");
        let config = StoreConfig { path: dir.path().join("t.db"), synchronous: Synchronous::Normal, readers: 1 };
        let db = Db::open(&config).expect("db");
        let registry: &'static Registry = Box::leak(Box::new(Registry::new(&[&NODE])));
        let schema = ddl::create(registry, &registry.models()[0]);
        db.write(move |conn| conn.execute_batch(&schema).map_err(StoreError::from)).expect("table");
        let principal = Principal {
            user_id: "system".into(),
            username: "system".into(),
            is_staff: true,
            is_superuser: true,
            organization: None,
            credential: Credential::Session,
        };
        let context = Context { origin: "test", ..std::default::Default::default() };
        Fixture { _dir: dir, db, registry, caller: Caller { principal: Some(principal), context } }
    }

    impl Fixture {
        fn add(&self, body: Value) -> Record {
            crud::create(&self.db, self.registry, &self.registry.models()[0], &self.caller, &body).expect("created")
        }

        fn names(&self, sql: &'static str) -> Vec<String> {
            self.db
                .read(|conn| {
                    let mut stmt = conn.prepare(sql)?;
                    let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
                    Ok::<_, StoreError>(rows)
                })
                .expect("read")
        }
    }

    #[test]
    fn children_share_the_parents_kind_and_a_subtree_goes_with_its_root() {
        let fixture = setup();
        let model = &fixture.registry.models()[0];
        let root = fixture.add(json!({ "name": "A" }));
        let root_id = root["id"].as_str().expect("id").to_string();
        let child = fixture.add(json!({ "name": "A1", "parent": root_id }));
        fixture.add(json!({ "name": "A11", "parent": child["id"] }));
        let (db, registry, caller) = (&fixture.db, fixture.registry, &fixture.caller);
        let other =
            crud::create(db, registry, model, caller, &json!({ "name": "B", "kind": "bin", "parent": root_id }));
        assert!(format!("{other:?}").contains("same kind"), "{other:?}");
        let retyped = crud::update(db, registry, model, caller, &root_id, &json!({ "kind": "bin" }), true);
        assert!(format!("{retyped:?}").contains("has children"), "{retyped:?}");
        crud::delete(db, model, caller, &root_id).expect("deleted");
        assert!(fixture.names("SELECT name FROM test_nodes").is_empty(), "the subtree went with its root");
        let trail = fixture.names("SELECT object_repr FROM audit_logs WHERE action = 'DELETE' ORDER BY id");
        assert_eq!(trail, ["A11", "A1", "A"], "each deletion is recorded, deepest first");
    }
}
