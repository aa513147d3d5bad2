//! Restrictions module code adds to a list (`children/`, `users/me/organizations/`): typed
//! requests the engine compiles itself, so that no module hands SQL text to the engine.

use super::error::EngineError;
use super::filter::Sql;
use super::model::Model;
use crate::access;
use crate::store::SqlValue;

/// Which rows of a list a module's action shows.
#[derive(Clone, Copy, Debug)]
pub enum Restriction<'a> {
    /// The rows whose parent (the model's foreign key to itself) is the row with this key.
    Children(&'a str),
    /// Every row below the row with this key.
    Descendants(&'a str),
    /// Every row above the row with this key.
    Ancestors(&'a str),
    /// The rows in organizations where this user has an active membership.
    MemberOf(&'a str),
}

impl Restriction<'_> {
    /// The SQL condition on `model`'s table. A tree restriction on a model that is no tree, or
    /// a membership one on a model without organizations, is a programming error answered as
    /// an unknown resource.
    pub fn to_sql(self, model: &Model) -> Result<Sql, EngineError> {
        let (table, key) = (model.def.table, model.def.key);
        let tree = || model.def.tree.as_ref().ok_or(EngineError::NotFound);
        let node_path = format!("(SELECT n.tree_path FROM \"{table}\" n WHERE n.\"{key}\" = ?)");
        let text = |node: &str, times: usize| vec![SqlValue::Text(node.to_string()); times];
        Ok(match self {
            Restriction::Children(node) => {
                Sql { text: format!("\"{table}\".\"{}\" = ?", tree()?.parent), params: text(node, 1) }
            }
            Restriction::Descendants(node) => {
                tree()?;
                let end = format!(
                    "(SELECT substr(n.tree_path, 1, length(n.tree_path) - 1) || '0' FROM \"{table}\" n WHERE n.\"{key}\" = ?)"
                );
                Sql {
                    text: format!("\"{table}\".tree_path > {node_path} AND \"{table}\".tree_path < {end}"),
                    params: text(node, 2),
                }
            }
            Restriction::Ancestors(node) => {
                tree()?;
                let above = crate::store::paths::keys_on_path(&node_path);
                Sql {
                    text: format!("\"{table}\".\"{key}\" IN ({above}) AND \"{table}\".\"{key}\" <> ?"),
                    params: text(node, 2),
                }
            }
            Restriction::MemberOf(user) => {
                let field = model.def.scope.organization_field().ok_or(EngineError::NotFound)?;
                Sql {
                    text: format!("\"{table}\".\"{field}\" IN ({})", access::ACTIVE_MEMBERSHIPS),
                    params: text(user, 1),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str) -> &'static Model {
        crate::modules::registry().get(name).expect("model")
    }

    #[test]
    fn tree_restrictions_are_parent_and_path_ranges() {
        let children = Restriction::Children("o1").to_sql(model("organization")).expect("tree");
        assert_eq!(children.text, "\"organizations\".\"parent\" = ?");
        assert_eq!(children.params, [SqlValue::Text("o1".into())]);
        let below = Restriction::Descendants("o1").to_sql(model("organization")).expect("tree").text;
        assert!(below.starts_with("\"organizations\".tree_path > (SELECT n.tree_path"), "{below}");
        let above = Restriction::Ancestors("o1").to_sql(model("organization")).expect("tree");
        assert!(above.text.starts_with("\"organizations\".\"id\" IN (SELECT value FROM json_each("), "{}", above.text);
        assert_eq!(above.params.len(), 2);
        assert!(matches!(Restriction::Children("x").to_sql(model("currency")), Err(EngineError::NotFound)));
    }

    #[test]
    fn membership_restriction_uses_the_scope_organization_field() {
        let mine = Restriction::MemberOf("u1").to_sql(model("organization")).expect("scoped");
        assert_eq!(mine.text, format!("\"organizations\".\"id\" IN ({})", access::ACTIVE_MEMBERSHIPS));
        let roles = Restriction::MemberOf("u1").to_sql(model("role")).expect("scoped").text;
        assert!(roles.starts_with("\"roles\".\"organization\" IN ("), "{roles}");
        assert!(matches!(Restriction::MemberOf("u1").to_sql(model("currency")), Err(EngineError::NotFound)));
    }
}
