//! Materialized tree paths (`/root/…/key/`) as the tables of tree models store them, and the
//! SQL that compares them: the engine's trees and the access layer's subtree reach share these.

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

/// SQL: the keys on the path `path` (an expression), from the root down to its own row. Tree
/// keys are UUIDs or path-safe codes (letters, digits, `-`, `_`, `.`: `engine::tree`), so the
/// path is a JSON array once its slashes are commas: a list the key index is searched with,
/// where testing every row against the path would scan.
pub fn keys_on_path(path: &str) -> String {
    format!("SELECT value FROM json_each('[\"' || replace(trim({path}, '/'), '/', '\",\"') || '\"]')")
}

/// The exclusive upper bound of the paths below (and at) `path`: `/a/b/` → `/a/b0`.
pub fn subtree_end(path: &str) -> String {
    format!("{}0", &path[..path.len().saturating_sub(1)])
}

/// The path of the row `key` placed under the row at `parent_path` (a root when `None`).
pub fn path_under(parent_path: Option<&str>, key: &str) -> String {
    match parent_path {
        Some(path) => format!("{path}{key}/"),
        None => format!("/{key}/"),
    }
}
