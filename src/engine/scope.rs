//! The access layer applied to every model (DESIGN.md §6): which rows a caller sees, per the
//! model's [`Scope`], and whether a create, change or delete is allowed — once for the model
//! before the body is judged, then for the object inside the write's transaction.
//!
//! Shared data (global models, rows of optional-organization models without one) is written
//! by superusers or holders of the global permission only — except shared business records
//! (contacts, addresses), written with the model permission from any active role; a role
//! held through a membership counts in its organization's subtree and nowhere else.

use serde_json::Value;

use super::Record;
use super::def::{Action, ModelDef, Needs, ReadRule, Scope, Shared, WriteRule};
use super::error::EngineError;
use super::filter::Sql;
use super::model::Model;
use crate::access::{self, Principal};
use crate::store::{Connection, Db, SqlValue};

/// What a write does, as a permission action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Add,
    Change,
    Delete,
}

impl Verb {
    pub fn name(self) -> &'static str {
        match self {
            Verb::Add => "add",
            Verb::Change => "change",
            Verb::Delete => "delete",
        }
    }
}

/// `<model>.<action>`.
pub fn permission(model: &Model, action: &str) -> String {
    format!("{}.{action}", model.def.name)
}

/// May the caller read this model at all? Models with shared rows follow their read rule;
/// organization- and owner-scoped ones need a signed-in caller (rows are then filtered by
/// [`visible`]). An organization-scoped model whose read rule is stricter than
/// `Authenticated` (the audit trail) is refused (403) to a caller holding its `view`
/// permission in no organization, instead of answering an empty list.
pub fn check_read(db: &Db, model: &Model, principal: Option<&Principal>) -> Result<(), EngineError> {
    match model.def.scope {
        Scope::Global | Scope::OptionalOrganization { .. } | Scope::People(_) => read_rule(model.def, principal),
        Scope::Owner(_) => Ok(access::signed_in(principal).map(|_| ())?),
        Scope::Organization | Scope::Organizations => {
            let principal = access::signed_in(principal)?;
            if matches!(model.def.read, ReadRule::Anyone | ReadRule::Authenticated) || principal.bypasses() {
                return Ok(());
            }
            let view = permission(model, "view");
            db.read(|conn| Ok(access::require(conn, Some(principal), &view, None)?))
        }
    }
}

/// May `principal` read a model by its read rule?
fn read_rule(def: &ModelDef, principal: Option<&Principal>) -> Result<(), EngineError> {
    match (def.read, principal) {
        (ReadRule::Anyone, _) | (ReadRule::Authenticated, Some(_)) => Ok(()),
        (ReadRule::Superuser, Some(p)) if p.bypasses() => Ok(()),
        (ReadRule::Staff, Some(p)) if p.is_staff || p.bypasses() => Ok(()),
        (ReadRule::Superuser | ReadRule::Staff, Some(_)) => Err(EngineError::PermissionDenied),
        (ReadRule::Authenticated | ReadRule::Superuser | ReadRule::Staff, None) => Err(EngineError::NotAuthenticated),
    }
}

/// The condition restricting rows to those the caller sees; `None` when unrestricted.
pub fn visible(model: &Model, principal: Option<&Principal>) -> Result<Option<Sql>, EngineError> {
    let scope = model.def.scope;
    if scope == Scope::Global {
        return Ok(None);
    }
    let Some(principal) = principal else {
        // Shared rows of an optional-organization model may be public (read rule Anyone).
        return match scope {
            Scope::OptionalOrganization { .. } => Ok(Some(shared_only(model))),
            _ => Err(EngineError::NotAuthenticated),
        };
    };
    if principal.bypasses() {
        return Ok(None);
    }
    let table = model.def.table;
    let view = permission(model, "view");
    Ok(Some(match scope {
        Scope::Owner(field) => Sql {
            text: format!("\"{table}\".\"{field}\" = ?"),
            params: vec![SqlValue::Text(principal.user_id.clone())],
        },
        Scope::People(field) => {
            let column = format!("\"{table}\".\"{field}\"");
            let (text, params) = access::visible_users(principal, &column).unwrap_or_else(|| ("1".into(), vec![]));
            Sql { text, params }
        }
        Scope::OptionalOrganization { inherited, .. } => {
            let (granting, params) = if inherited {
                access::organizations_granting_or_above(principal, &view)
            } else {
                access::organizations_granting(principal, &view)
            };
            let column = format!("\"{table}\".\"organization\"");
            Sql { text: format!("({column} IS NULL OR {column} IN ({granting}))"), params }
        }
        Scope::Organization | Scope::Organizations | Scope::Global => {
            let column = scope.organization_field().unwrap_or("organization");
            let (granting, params) = access::organizations_granting(principal, &view);
            Sql { text: format!("\"{table}\".\"{column}\" IN ({granting})"), params }
        }
    }))
}

fn shared_only(model: &Model) -> Sql {
    Sql { text: format!("\"{}\".\"organization\" IS NULL", model.def.table), params: Vec::new() }
}

/// Model-level write check, before the body is judged: 401 for anonymous callers, 403 when
/// no object of this model could be written by the caller this way.
pub fn check_write(
    db: &Db,
    model: &'static Model,
    principal: Option<&Principal>,
    verb: Verb,
) -> Result<(), EngineError> {
    let principal = access::signed_in(principal)?;
    match (model.def.write, model.def.scope, verb) {
        (WriteRule::Never, ..) => Err(EngineError::PermissionDenied),
        (WriteRule::UpdateOnly, _, Verb::Add | Verb::Delete) => Err(EngineError::PermissionDenied),
        (WriteRule::UpdateOnly, ..) => Ok(()),
        (WriteRule::Superuser, ..) if principal.bypasses() => Ok(()),
        (WriteRule::Superuser, ..) => Err(EngineError::PermissionDenied),
        (WriteRule::Permission, Scope::Global | Scope::People(_), _) => {
            let wanted = permission(model, verb.name());
            let principal = principal.clone();
            db.read(move |conn| Ok(access::require_globally(conn, Some(&principal), &wanted)?))
        }
        (WriteRule::Permission, ..) => Ok(()),
    }
}

/// What `principal` may do with `model` as far as the model goes — view, add, change,
/// delete — for the pages to offer only that. A write needs the permission somewhere (a
/// membership's role or globally); each object's own check still comes when it is written.
pub fn abilities(db: &Db, model: &'static Model, principal: Option<&Principal>) -> Result<[bool; 4], EngineError> {
    let view = check_read(db, model, principal).is_ok();
    let mut can = [view, false, false, false];
    for (slot, verb) in can[1..].iter_mut().zip([Verb::Add, Verb::Change, Verb::Delete]) {
        *slot = view
            && check_write(db, model, principal, verb).is_ok()
            && match (model.def.write, principal) {
                (WriteRule::Permission, Some(principal)) => {
                    let wanted = permission(model, verb.name());
                    db.read(|conn| {
                        Ok::<_, EngineError>(
                            access::holds(conn, principal, &wanted, None)?
                                || access::holds_globally(conn, principal, &wanted)?,
                        )
                    })?
                }
                _ => true,
            };
    }
    Ok(can)
}

/// What an action needs (see [`Needs`]): for a detail action the object must be visible
/// (else 404), and a permission is checked in its organization; for a collection action it
/// must be held somewhere. Shared data needs it globally.
pub fn check_action(
    db: &Db,
    model: &'static Model,
    principal: Option<&Principal>,
    action: &Action,
    key: Option<&str>,
) -> Result<(), EngineError> {
    check_read(db, model, principal)?;
    let wanted = match action.needs {
        Needs::View if key.is_none() => return Ok(()),
        Needs::View => None,
        Needs::Crud(verb) => Some(permission(model, verb.name())),
        Needs::Own => Some(permission(model, action.name)),
    };
    if wanted.is_some() {
        access::signed_in(principal)?;
    }
    let (principal, key) = (principal.cloned(), key.map(str::to_string));
    db.read(move |conn| {
        let principal = principal.as_ref();
        let object = match &key {
            Some(key) => Some(super::crud::fetch_visible(conn, model, principal, key)?.ok_or(EngineError::NotFound)?),
            None => None,
        };
        let Some(wanted) = wanted else { return Ok(()) };
        match (model.def.scope.organization_field(), object.as_ref()) {
            (Some(_), Some(object)) => {
                let organization = model.organization_of(object).map(str::to_string);
                require_in(conn, model, principal, &wanted, organization)
            }
            (Some(_), None) => Ok(access::require(conn, principal, &wanted, None)?),
            (None, _) => Ok(access::require_globally(conn, principal, &wanted)?),
        }
    })
}

/// Object-level write check inside the transaction: the permission must be held in the
/// organization the object is in (`before`) and in the one it goes to (`after`): `change`
/// where it is and `add` where it moves to. Creating a root organization needs a superuser;
/// a shared row (no organization) needs the permission globally.
pub fn check_object(
    conn: &Connection,
    model: &Model,
    principal: Option<&Principal>,
    before: Option<&Record>,
    after: Option<&Record>,
) -> Result<(), EngineError> {
    // Where a new or moved object goes: its organization, or an organization's parent.
    let home_field = match model.def.scope {
        Scope::Organization | Scope::OptionalOrganization { .. } => "organization",
        Scope::Organizations => "parent",
        Scope::Global | Scope::Owner(_) | Scope::People(_) => return Ok(()),
    };
    let home = |record: &Record| record.get(home_field).and_then(Value::as_str).map(str::to_string);
    let placed_in = |record: &Record| model.organization_of(record).map(str::to_string);
    let [add, change, delete] = ["add", "change", "delete"].map(|action| permission(model, action));
    match (before, after) {
        (None, Some(created)) => require_in(conn, model, principal, &add, home(created)),
        (Some(existing), Some(changed)) => {
            require_in(conn, model, principal, &change, placed_in(existing))?;
            if home(existing) != home(changed) {
                require_in(conn, model, principal, &add, home(changed))?;
            }
            Ok(())
        }
        (Some(existing), None) => require_in(conn, model, principal, &delete, placed_in(existing)),
        (None, None) => Ok(()),
    }
}

/// The permission `wanted` in `organization`. Without one: a shared row needs it globally, or
/// for shared business records from any role; a root organization, a superuser.
fn require_in(
    conn: &Connection,
    model: &Model,
    principal: Option<&Principal>,
    wanted: &str,
    organization: Option<String>,
) -> Result<(), EngineError> {
    let principal = access::signed_in(principal)?;
    match organization {
        _ if principal.bypasses() => Ok(()),
        Some(org) => Ok(access::require(conn, Some(principal), wanted, Some(&org))?),
        None => match model.def.scope {
            Scope::OptionalOrganization { shared: Shared::GlobalPermission, .. } => {
                Ok(access::require_globally(conn, Some(principal), wanted)?)
            }
            Scope::OptionalOrganization { shared: Shared::AnyRole, .. } => {
                if access::holds(conn, principal, wanted, None)? {
                    return Ok(());
                }
                Ok(access::require_globally(conn, Some(principal), wanted)?)
            }
            _ => Err(EngineError::PermissionDenied),
        },
    }
}
