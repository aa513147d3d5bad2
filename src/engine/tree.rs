//! Trees (DESIGN.md §5): a model whose rows hang from a parent field keeps, for every row,
//! its `level` (0 for a root) and its `tree_path` — the keys from the root down to itself,
//! `/root/…/self/` — so that a subtree is one index range (`tree_path` starts with the node's)
//! and the ancestors are the keys in one string. The engine fills both on every write,
//! refuses cycles and the definition's parent rules (400 on `parent`), carries a moved node's
//! subtree along, and deletes a subtree node by node (audited) where the parent field
//! cascades.
//!
//! Keys go into the path, so a tree's key is either generated (a UUID) or a declared text
//! key whose values are path-safe ([`check_key`]): ASCII letters, digits, `-`, `_` and `.`,
//! starting with a letter or digit — never `/` (the separator) nor anything JSON would
//! escape (`store::paths::keys_on_path` reads a path as a JSON array).

use rusqlite::params_from_iter;
use serde_json::Value;

use super::def::{Action, Field, Kind, Method, Needs, OnDelete, Tree};
use super::error::{EngineError, FieldErrors};
use super::model::Model;
use super::restriction::Restriction;
use super::{ActionCall, ActionOutput};
use super::{Record, value};
use crate::store::paths::{path_under, subtree_end};
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

/// Whether `key` may stand in a tree path: ASCII letters, digits, `-`, `_` and `.`, starting
/// with a letter or digit (so that no key is `.` or `..` in a URL either).
pub fn path_safe(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_alphanumeric())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Refuses (400 on the key field) a declared key of a tree model that is not [`path_safe`];
/// generated keys and models that are no tree pass.
fn check_key(model: &Model, key: &str) -> Result<(), EngineError> {
    if model.def.tree.is_none() || model.generated_key() || path_safe(key) {
        return Ok(());
    }
    let message = "Use only letters, digits, \"-\", \"_\" and \".\", starting with a letter or digit.";
    Err(EngineError::Validation(FieldErrors::single(model.def.key, message)))
}

fn around(
    call: &ActionCall,
    restriction: Restriction,
    query: &[(String, String)],
) -> Result<ActionOutput, EngineError> {
    let page = super::list::matching(call.db, call.registry, call.model, call.caller, query, Some(restriction))?;
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

/// The level and path of a row placed under `parent` (a root when `None`), after checking its
/// key ([`check_key`]) and the definition's parent rules against the parent row. `height` is how many levels the row
/// carries below itself (0 for a new row): the deepest of them must stay within the maximum.
pub fn place(
    conn: &Connection,
    model: &Model,
    tree: &Tree,
    key: &str,
    proposed: &Record,
    height: i64,
) -> Result<(i64, String), EngineError> {
    check_key(model, key)?;
    let Some(parent) = proposed.get(tree.parent).and_then(Value::as_str) else {
        return Ok((0, path_under(None, key)));
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
    if level + 1 + height > MAX_LEVEL {
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
    Ok((level + 1, path_under(Some(&path), key)))
}

/// A row an update moves (or whose shared fields it changes): where it goes, and what its
/// subtree must follow.
pub struct Move {
    pub level: i64,
    pub path: String,
    old_path: String,
    shift: i64,
}

/// Plans an update that [`moves`] a row: shared fields may not change under children, the
/// parent rules hold at the new place, and the deepest row below stays within the maximum.
pub fn relocate(
    conn: &Connection,
    model: &Model,
    tree: &Tree,
    existing: &Record,
    proposed: &Record,
) -> Result<Move, EngineError> {
    refuse_shared_changes(conn, model, tree, existing, proposed)?;
    let old_level = existing.get(LEVEL.name).and_then(Value::as_i64).unwrap_or(0);
    let old_path = existing.get(PATH.name).and_then(Value::as_str).unwrap_or_default().to_string();
    let height = deepest_below(conn, model, &old_path)?.map_or(0, |deepest| deepest - old_level);
    let key = super::crud::record_key(model, existing);
    let (level, path) = place(conn, model, tree, &key, proposed, height)?;
    Ok(Move { level, path, old_path, shift: level - old_level })
}

/// The level of the deepest row strictly below the row at `path` (`None` for a leaf).
fn deepest_below(conn: &Connection, model: &Model, path: &str) -> Result<Option<i64>, EngineError> {
    let sql = format!("SELECT max(level) FROM \"{}\" WHERE tree_path > ?1 AND tree_path < ?2", model.def.table);
    let deepest = conn.prepare_cached(&sql)?.query_row([path, &subtree_end(path)], |r| r.get(0));
    Ok(deepest.map_err(StoreError::from)?)
}

fn parent_error(tree: &Tree, message: String) -> EngineError {
    EngineError::Validation(FieldErrors::single(tree.parent, message))
}

/// Whether an update moves the row or changes a field its children share with it.
pub fn moves(tree: &Tree, existing: &Record, proposed: &Record) -> bool {
    std::iter::once(tree.parent).chain(tree.same_as_parent.iter().copied()).any(|f| existing.get(f) != proposed.get(f))
}

/// A field the children share may not change under them.
fn refuse_shared_changes(
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

/// Carries the subtree below a moved row along (after the row itself was updated): every
/// path under the old one starts with the new one instead, and levels shift by the move. One
/// UPDATE over the subtree's index range: it costs the subtree, not the table.
pub fn rebase(conn: &Connection, model: &Model, moved: &Move) -> Result<(), EngineError> {
    let sql = format!(
        "UPDATE \"{}\" SET tree_path = ?1 || substr(tree_path, ?2), level = level + ?3 \
         WHERE tree_path > ?4 AND tree_path < ?5",
        model.def.table
    );
    let params = [
        SqlValue::Text(moved.path.clone()),
        SqlValue::Integer(moved.old_path.chars().count() as i64 + 1),
        SqlValue::Integer(moved.shift),
        SqlValue::Text(moved.old_path.clone()),
        SqlValue::Text(subtree_end(&moved.old_path)),
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
    //! The tree capability on models of its own (organizations prove it over HTTP): nodes
    //! with a cascading parent and a kind children share with it, and folders with a
    //! restricting parent, which may be filed on a node (a reference that protects the node).

    use serde_json::{Value, json};

    use crate::engine::testing::Fixture;
    use crate::engine::{EngineError, Field, ModelDef, OnDelete, Record, Registry, Tree};

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

    const FOLDER: ModelDef = ModelDef {
        fields: &[
            Field::text("name", 50),
            Field::foreign_key("parent", "folder", OnDelete::Restrict).nullable(),
            Field::foreign_key("node", "node", OnDelete::Restrict).nullable(),
        ],
        tree: Some(Tree { parent: "parent", same_as_parent: &[] }),
        default_order: &["name"],
        display: "{name}",
        tracking: false,
        ..ModelDef::base("folder", "Folder", "folders", "test_folders")
    };

    /// A tree keyed by codes the client gives (tax jurisdictions: `US`, `US-CA`).
    const REGION: ModelDef = ModelDef {
        key: "code",
        fields: &[Field::text("code", 50), Field::foreign_key("parent", "region", OnDelete::Restrict).nullable()],
        tree: Some(Tree { parent: "parent", same_as_parent: &[] }),
        default_order: &["code"],
        display: "{code}",
        tracking: false,
        ..ModelDef::base("region", "Region", "regions", "test_regions")
    };

    fn setup() -> Fixture {
        Fixture::new(&[&NODE, &FOLDER, &REGION])
    }

    impl Fixture {
        /// Creates a row; answers its key.
        fn add(&self, model: &str, body: Value) -> String {
            let row = self.create(model, body).expect("created");
            row["id"].as_str().expect("id").to_string()
        }

        fn reparent(&self, model: &str, key: &str, parent: &str) -> Result<Record, EngineError> {
            self.patch(model, key, json!({ "parent": parent }))
        }

        /// Every row of `table` as `name level path`, in path order, and the deletions the
        /// trail holds: what a refused write must leave as it was.
        fn state(&self, table: &str) -> (Vec<String>, usize) {
            let rows = self
                .names(&format!("SELECT name || ' ' || level || ' ' || tree_path FROM \"{table}\" ORDER BY tree_path"));
            let deletions = self.count("SELECT count(*) FROM audit_logs WHERE action = 'DELETE'");
            (rows, deletions as usize)
        }
    }

    /// A 400 whose messages for `field` mention `needle`.
    fn assert_refused_on<T: std::fmt::Debug>(result: Result<T, EngineError>, field: &str, needle: &str) {
        match result {
            Err(EngineError::Validation(errors)) => {
                let errors = errors.to_json();
                assert!(errors[field].to_string().contains(needle), "{field} should say {needle:?}: {errors}");
            }
            other => panic!("expected a 400 on {field}: {other:?}"),
        }
    }

    #[test]
    fn children_share_the_parents_kind_and_a_subtree_goes_with_its_root() {
        let fixture = setup();
        let root = fixture.add("node", json!({ "name": "A" }));
        let child = fixture.add("node", json!({ "name": "A1", "parent": root }));
        fixture.add("node", json!({ "name": "A11", "parent": child }));
        let bin = fixture.create("node", json!({ "name": "B", "kind": "bin", "parent": root }));
        assert_refused_on(bin, "parent", "same kind");
        let other_bin = fixture.add("node", json!({ "name": "C", "kind": "bin" }));
        assert_refused_on(fixture.reparent("node", &other_bin, &root), "parent", "same kind");
        let retyped = fixture.patch("node", &root, json!({ "kind": "bin" }));
        assert_refused_on(retyped, "kind", "has children");
        fixture.delete("node", &root).expect("deleted");
        assert_eq!(fixture.names("SELECT name FROM test_nodes"), ["C"], "the subtree went with its root");
        let trail = fixture.names("SELECT object_repr FROM audit_logs WHERE action = 'DELETE' ORDER BY id");
        assert_eq!(trail, ["A11", "A1", "A"], "each deletion is recorded, deepest first");
    }

    #[test]
    fn a_cascade_stopped_by_a_reference_below_deletes_nothing() {
        let fixture = setup();
        let root = fixture.add("node", json!({ "name": "A" }));
        let child = fixture.add("node", json!({ "name": "A1", "parent": root }));
        let leaf = fixture.add("node", json!({ "name": "A11", "parent": child }));
        let folder = fixture.add("folder", json!({ "name": "F", "node": leaf }));
        let before = fixture.state("test_nodes");
        assert!(matches!(fixture.delete("node", &root), Err(EngineError::Protected(_))));
        assert_eq!(fixture.state("test_nodes"), before, "neither rows nor the trail changed");
        fixture.delete("folder", &folder).expect("unfiled");
        fixture.delete("node", &root).expect("deleted");
        assert_eq!(fixture.state("test_nodes"), (vec![], 4), "three nodes and the folder deleted, each recorded");
    }

    #[test]
    fn a_restricting_parent_protects_its_children() {
        let fixture = setup();
        let root = fixture.add("folder", json!({ "name": "R" }));
        let child = fixture.add("folder", json!({ "name": "C", "parent": root }));
        let before = fixture.state("test_folders");
        assert!(matches!(fixture.delete("folder", &root), Err(EngineError::Protected(_))));
        assert_eq!(fixture.state("test_folders"), before, "neither rows nor the trail changed");
        fixture.delete("folder", &child).expect("a leaf goes");
        fixture.delete("folder", &root).expect("then its parent");
        assert_eq!(fixture.state("test_folders"), (vec![], 2));
    }

    #[test]
    fn a_node_cannot_move_under_itself_or_below_and_a_move_carries_its_subtree() {
        let fixture = setup();
        let root = fixture.add("folder", json!({ "name": "R" }));
        let child = fixture.add("folder", json!({ "name": "C", "parent": root }));
        let grandchild = fixture.add("folder", json!({ "name": "G", "parent": child }));
        let before = fixture.state("test_folders");
        for under in [&root, &child, &grandchild] {
            assert_refused_on(fixture.reparent("folder", &root, under), "parent", "itself or one of its descendants");
        }
        assert_eq!(fixture.state("test_folders"), before);
        let other = fixture.add("folder", json!({ "name": "S" }));
        fixture.reparent("folder", &child, &other).expect("moved");
        let (rows, _) = fixture.state("test_folders");
        let mut expected = [
            format!("R 0 /{root}/"),
            format!("S 0 /{other}/"),
            format!("C 1 /{other}/{child}/"),
            format!("G 2 /{other}/{child}/{grandchild}/"),
        ];
        expected.sort_by_key(|row| row.split(' ').nth(2).map(str::to_string));
        assert_eq!(rows, expected, "the child took its subtree along");
    }

    #[test]
    fn a_tree_is_at_most_max_levels_deep_on_create_and_on_move() {
        let fixture = setup();
        let mut chain = vec![fixture.add("folder", json!({ "name": "L0" }))];
        for level in 1..=super::MAX_LEVEL {
            chain.push(fixture.add("folder", json!({ "name": format!("L{level}"), "parent": chain.last() })));
        }
        let too_deep = fixture.create("folder", json!({ "name": "X", "parent": chain.last() }));
        assert_refused_on(too_deep, "parent", "at most 32 levels");
        let top = fixture.add("folder", json!({ "name": "T" }));
        fixture.add("folder", json!({ "name": "U", "parent": top }));
        let before = fixture.state("test_folders");
        let deepest_parent = &chain[super::MAX_LEVEL as usize - 1];
        assert_refused_on(fixture.reparent("folder", &top, deepest_parent), "parent", "at most 32 levels");
        assert_eq!(fixture.state("test_folders"), before, "the subtree did not move");
        fixture.reparent("folder", &top, &chain[super::MAX_LEVEL as usize - 2]).expect("its leaf lands at the bottom");
        let levels = fixture.names("SELECT name || level FROM test_folders WHERE name IN ('T', 'U') ORDER BY name");
        assert_eq!(levels, ["T30", "U31"]);
    }

    #[test]
    fn a_tree_keyed_by_codes_takes_path_safe_codes_only() {
        let fixture = setup();
        fixture.create("region", json!({ "code": "US" })).expect("root");
        fixture.create("region", json!({ "code": "US-CA", "parent": "US" })).expect("child");
        fixture.create("region", json!({ "code": "US-CA.SF_1", "parent": "US-CA" })).expect("grandchild");
        for code in ["US/NY", "US\"NY", "US NY", "-US", ".", "..", "ÜS"] {
            let refused = fixture.create("region", json!({ "code": code, "parent": "US" }));
            assert_refused_on(refused, "code", "letters, digits");
        }
        let rows =
            fixture.names("SELECT code || ' ' || level || ' ' || tree_path FROM test_regions ORDER BY tree_path");
        assert_eq!(rows, ["US 0 /US/", "US-CA 1 /US/US-CA/", "US-CA.SF_1 2 /US/US-CA/US-CA.SF_1/"]);
        assert_refused_on(fixture.reparent("region", "US", "US-CA.SF_1"), "parent", "itself or one of its descendants");
        let ancestors = fixture.db.read(|conn| {
            let sql = format!(
                "SELECT code FROM test_regions WHERE code IN ({}) ORDER BY level",
                crate::store::paths::keys_on_path("'/US/US-CA/US-CA.SF_1/'")
            );
            let mut stmt = conn.prepare(&sql)?;
            let codes = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok::<_, crate::store::StoreError>(codes)
        });
        assert_eq!(ancestors.expect("ancestors"), ["US", "US-CA", "US-CA.SF_1"], "a path of codes reads as its keys");
    }

    #[test]
    #[should_panic(expected = "generated or text keys")]
    fn a_tree_keyed_by_numbers_is_refused() {
        const NUMBERED: ModelDef = ModelDef {
            key: "number",
            fields: &[
                Field::integer("number", 0, 100),
                Field::foreign_key("parent", "numbered", OnDelete::Restrict).nullable(),
            ],
            tree: Some(Tree { parent: "parent", same_as_parent: &[] }),
            ..ModelDef::base("numbered", "Numbered", "numbereds", "test_numbereds")
        };
        Registry::new(&[&NUMBERED]);
    }

    #[test]
    #[should_panic(expected = "restricts or cascades")]
    fn a_parent_that_sets_null_is_no_tree() {
        const ORPHANING: ModelDef = ModelDef {
            fields: &[Field::foreign_key("parent", "orphaning", OnDelete::SetNull).nullable()],
            tree: Some(Tree { parent: "parent", same_as_parent: &[] }),
            ..ModelDef::base("orphaning", "Orphaning", "orphanings", "test_orphanings")
        };
        Registry::new(&[&ORPHANING]);
    }
}
