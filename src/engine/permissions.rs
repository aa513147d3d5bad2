//! The permission vocabulary: the `<model>.<action>` strings roles can grant, derived from
//! the model definitions (`meta/permissions/`); the access layer matches them with wildcards.

use serde::Serialize;

use super::def::{Needs, Scope, WriteRule};
use super::model::Registry;

/// One permission a role can grant.
#[derive(Debug, Serialize)]
pub struct Permission {
    /// `<model>.<action>`.
    pub permission: String,
    pub model: &'static str,
    pub action: &'static str,
    /// Human text, e.g. "Can add Organization".
    pub label: String,
}

/// Every permission of the registry's models: `view` where reading depends on roles, `add`,
/// `change`, `delete` where writing does, and one per POST action.
pub fn list(registry: &Registry) -> Vec<Permission> {
    let mut out = Vec::new();
    for model in registry.models().iter().filter(|m| !m.def.nested) {
        let def = model.def;
        let scoped =
            matches!(def.scope, Scope::Organization | Scope::Organizations | Scope::OptionalOrganization { .. });
        let mut actions: Vec<&'static str> = Vec::new();
        if scoped {
            actions.push("view");
        }
        if def.write == WriteRule::Permission {
            actions.extend(["add", "change", "delete"]);
        }
        actions.extend(model.actions.iter().filter(|a| a.needs == Needs::Own).map(|a| a.name));
        for action in actions {
            out.push(Permission {
                permission: format!("{}.{action}", def.name),
                model: def.name,
                action,
                label: format!("Can {} {}", action.replace('-', " "), def.label),
            });
        }
    }
    out
}

/// Whether `entry` names a permission of `vocabulary` (from [`list`]) or a wildcard over it.
pub fn is_known(vocabulary: &[Permission], entry: &str) -> bool {
    let (model, action) = entry.split_once('.').unwrap_or((entry, ""));
    entry == "*"
        || vocabulary.iter().any(|p| (model == "*" || model == p.model) && (action == "*" || action == p.action))
}
