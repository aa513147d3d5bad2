//! Who may do what (DESIGN.md §6). For now: reads follow each model's read rule; writes need
//! a superuser. Roles, memberships and organization scoping extend these checks.

use crate::engine::{EngineError, ModelDef, ReadRule};

/// The authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub username: String,
    pub is_staff: bool,
    pub is_superuser: bool,
}

/// May `principal` read `def`?
pub fn check_read(def: &ModelDef, principal: Option<&Principal>) -> Result<(), EngineError> {
    match (def.read, principal) {
        (ReadRule::Anyone, _) | (ReadRule::Authenticated, Some(_)) => Ok(()),
        (ReadRule::Superuser, Some(p)) if p.is_superuser => Ok(()),
        (ReadRule::Staff, Some(p)) if p.is_staff || p.is_superuser => Ok(()),
        (ReadRule::Superuser | ReadRule::Staff, Some(_)) => Err(EngineError::PermissionDenied),
        (ReadRule::Authenticated | ReadRule::Superuser | ReadRule::Staff, None) => Err(EngineError::NotAuthenticated),
    }
}

/// May `principal` create, change or delete objects of `def`?
pub fn check_write(_def: &ModelDef, principal: Option<&Principal>) -> Result<(), EngineError> {
    match principal {
        None => Err(EngineError::NotAuthenticated),
        Some(p) if p.is_superuser => Ok(()),
        Some(_) => Err(EngineError::PermissionDenied),
    }
}
