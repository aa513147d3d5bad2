//! Business areas. Each module declares its models (and seeds, actions, validators); this
//! file lists them all and builds the registry the engine and the API serve.

pub mod audit_log;
pub mod reference;
pub mod users;

use std::sync::OnceLock;

use crate::engine::{ModelDef, Registry};
use crate::store::{Db, StoreError};

/// Every model definition, in the order the API documents them.
pub const MODELS: &[&ModelDef] = &[
    &users::USER,
    &reference::STATUS,
    &reference::CURRENCY,
    &reference::UOM,
    &reference::UOM_CONVERSION,
    &reference::ORGANIZATION_TYPE,
    &reference::COUNTRY,
    &reference::TIMEZONE,
    &audit_log::AUDIT_LOG,
];

/// The registry of all models, built on first use.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry::new(MODELS))
}

/// Loads built-in data that is missing (idempotent; never touches edited rows).
pub fn seed(db: &Db) -> Result<(), StoreError> {
    reference::seed(db)
}
