//! Restrictions module code adds to a list (`children/`, `users/me/organizations/`): typed
//! requests the engine compiles itself, so that no module hands SQL text to the engine.

use super::def::Kind;
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
    /// The SQL condition on `model`'s table. A tree restriction on a model without a parent
    /// field, or a membership one on a model without organizations, is a programming error
    /// answered as an unknown resource.
    pub fn to_sql(self, model: &Model) -> Result<Sql, EngineError> {
        let (table, key) = (model.def.table, model.def.key);
        let parent = || {
            let is_parent =
                |kind: Kind| matches!(kind, Kind::ForeignKey { model: target, .. } if target == model.def.name);
            model.columns.iter().find(|f| is_parent(f.kind)).map(|f| f.name).ok_or(EngineError::NotFound)
        };
        let (text, bound) = match self {
            Restriction::Children(node) => (format!("\"{table}\".\"{}\" = ?", parent()?), node),
            Restriction::Descendants(node) => {
                let parent = parent()?;
                let text = format!(
                    "\"{table}\".\"{key}\" IN (WITH RECURSIVE below(k) AS (SELECT \"{key}\" FROM \"{table}\" \
                     WHERE \"{parent}\" = ? UNION SELECT t.\"{key}\" FROM \"{table}\" t JOIN below ON t.\"{parent}\" = below.k) \
                     SELECT k FROM below)"
                );
                (text, node)
            }
            Restriction::Ancestors(node) => {
                let parent = parent()?;
                let text = format!(
                    "\"{table}\".\"{key}\" IN (WITH RECURSIVE above(k, p) AS (SELECT \"{key}\", \"{parent}\" FROM \"{table}\" \
                     WHERE \"{key}\" = (SELECT \"{parent}\" FROM \"{table}\" WHERE \"{key}\" = ?) \
                     UNION SELECT t.\"{key}\", t.\"{parent}\" FROM \"{table}\" t JOIN above ON t.\"{key}\" = above.p) \
                     SELECT k FROM above)"
                );
                (text, node)
            }
            Restriction::MemberOf(user) => {
                let field = model.def.scope.organization_field().ok_or(EngineError::NotFound)?;
                (format!("\"{table}\".\"{field}\" IN ({})", access::ACTIVE_MEMBERSHIPS), user)
            }
        };
        Ok(Sql { text, params: vec![SqlValue::Text(bound.to_string())] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str) -> &'static Model {
        crate::modules::registry().get(name).expect("model")
    }

    #[test]
    fn tree_restrictions_follow_the_foreign_key_to_the_model_itself() {
        let children = Restriction::Children("o1").to_sql(model("organization")).expect("tree");
        assert_eq!(children.text, "\"organizations\".\"parent\" = ?");
        assert_eq!(children.params, [SqlValue::Text("o1".into())]);
        let below = Restriction::Descendants("o1").to_sql(model("organization")).expect("tree").text;
        assert!(below.starts_with("\"organizations\".\"id\" IN (WITH RECURSIVE below(k)"), "{below}");
        let above = Restriction::Ancestors("o1").to_sql(model("organization")).expect("tree").text;
        assert!(above.contains("JOIN above ON t.\"id\" = above.p"), "{above}");
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
