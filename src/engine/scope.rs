//! The access layer applied to every model (DESIGN.md §6): which rows a caller sees, per the
//! model's [`Scope`], and whether a create, change or delete is allowed — once for the model
//! before the body is judged, then for the object inside the write's transaction.

use serde_json::Value;

use super::Record;
use super::def::{Scope, WriteRule};
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
    fn name(self) -> &'static str {
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

/// May the caller read this model at all? Global models follow their read rule; scoped ones
/// need a signed-in caller (rows are then filtered by [`visible`]).
pub fn check_read(model: &Model, principal: Option<&Principal>) -> Result<(), EngineError> {
    match model.def.scope {
        Scope::Global => access::check_read(model.def, principal),
        _ => access::signed_in(principal).map(|_| ()),
    }
}

/// The condition restricting rows to those the caller sees; `None` when unrestricted.
pub fn visible(model: &Model, principal: Option<&Principal>) -> Result<Option<Sql>, EngineError> {
    let column = match model.def.scope {
        Scope::Global => return Ok(None),
        Scope::Organization => "organization",
        Scope::Organizations => "id",
        Scope::Owner(field) => field,
    };
    let principal = access::signed_in(principal)?;
    if principal.bypasses() {
        return Ok(None);
    }
    let table = model.def.table;
    Ok(Some(match model.def.scope {
        Scope::Owner(_) => Sql {
            text: format!("\"{table}\".\"{column}\" = ?"),
            params: vec![SqlValue::Text(principal.user_id.clone())],
        },
        _ => {
            let (granting, params) = access::organizations_granting(principal, &permission(model, "view"));
            Sql { text: format!("\"{table}\".\"{column}\" IN ({granting})"), params }
        }
    }))
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
        (WriteRule::Permission, Scope::Global, _) => {
            let wanted = permission(model, verb.name());
            let principal = principal.clone();
            db.read(move |conn| access::require(conn, Some(&principal), &wanted, None))
        }
        (WriteRule::Permission, ..) => Ok(()),
    }
}

/// Object-level write check inside the transaction: the permission must be held in the
/// organization the object is in (`before`) and in the one it goes to (`after`): `change`
/// where it is and `add` where it moves to. Creating a root organization needs a superuser.
pub fn check_object(
    conn: &Connection,
    model: &Model,
    principal: Option<&Principal>,
    before: Option<&Record>,
    after: Option<&Record>,
) -> Result<(), EngineError> {
    // Where a new or moved object goes: its organization, or an organization's parent.
    let parent_field = match model.def.scope {
        Scope::Organization => "organization",
        Scope::Organizations => "parent",
        Scope::Global | Scope::Owner(_) => return Ok(()),
    };
    let home = |record: &Record| record.get(parent_field).and_then(Value::as_str).map(str::to_string);
    let placed_in = |record: &Record| model.organization_of(record).map(str::to_string);
    match (before, after) {
        (None, Some(created)) => require_in(conn, model, principal, "add", home(created)),
        (Some(existing), Some(changed)) => {
            require_in(conn, model, principal, "change", placed_in(existing))?;
            if home(existing) != home(changed) {
                require_in(conn, model, principal, "add", home(changed))?;
            }
            Ok(())
        }
        (Some(existing), None) => require_in(conn, model, principal, "delete", placed_in(existing)),
        (None, None) => Ok(()),
    }
}

/// `action` on this model in `organization`; `None` (a root organization) is for superusers.
fn require_in(
    conn: &Connection,
    model: &Model,
    principal: Option<&Principal>,
    action: &str,
    organization: Option<String>,
) -> Result<(), EngineError> {
    let principal = access::signed_in(principal)?;
    match organization {
        _ if principal.bypasses() => Ok(()),
        Some(org) => access::require(conn, Some(principal), &permission(model, action), Some(&org)),
        None => Err(EngineError::PermissionDenied),
    }
}
