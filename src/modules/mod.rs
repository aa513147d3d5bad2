//! Business areas. Each module declares its models (and seeds, actions, validators); this
//! file lists them all and builds the registry the engine and the API serve.

pub mod addresses;
pub mod audit_log;
pub mod categories;
pub mod contacts;
pub mod custom_fields;
pub mod members;
pub mod organizations;
pub mod products;
pub mod profiles;
pub mod reference;
pub mod roles;
pub mod tags;
pub mod tax;
pub mod users;
pub mod warehouses;

use std::sync::OnceLock;

use crate::engine::{ModelDef, Registry};
use crate::store::{Connection, Db, StoreError};

/// Every model definition, in the order the API documents them.
pub const MODELS: &[&ModelDef] = &[
    &users::USER,
    &profiles::PROFILE,
    &roles::ROLE,
    &organizations::ORGANIZATION,
    &addresses::ADDRESS,
    &contacts::CONTACT,
    &contacts::CONTACT_EMAIL,
    &contacts::CONTACT_PHONE,
    &contacts::CONTACT_ADDRESS,
    &warehouses::WAREHOUSE,
    &warehouses::STOCK_LOCATION,
    &roles::MEMBERSHIP,
    &roles::USER_ROLE,
    &members::INVITATION,
    &categories::CATEGORY,
    &products::PRODUCT,
    &tags::TAG,
    &custom_fields::CUSTOM_FIELD,
    &reference::STATUS,
    &reference::CURRENCY,
    &reference::UOM,
    &reference::UOM_CONVERSION,
    &reference::ORGANIZATION_TYPE,
    &reference::COUNTRY,
    &reference::TIMEZONE,
    &tax::TAX_JURISDICTION,
    &tax::TAX_CATEGORY,
    &tax::TAX_RATE,
    &audit_log::AUDIT_LOG,
];

/// The registry of all models, built on first use.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry::new(MODELS))
}

/// Loads built-in data that is missing (idempotent; never touches edited rows).
pub fn seed(db: &Db) -> Result<(), StoreError> {
    reference::seed(db)?;
    tax::seed(db)?;
    db.write(roles::seed)?;
    tags::adopt_imported(db)
}

/// Runs `load` unless data set `name` is loaded at `version` already, then records it.
fn seed_once(
    conn: &Connection,
    (name, version): (&str, i64),
    load: impl FnOnce() -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let loaded: i64 =
        conn.query_row("SELECT COALESCE(MAX(version), 0) FROM seeds WHERE name = ?1", [name], |r| r.get(0))?;
    if loaded >= version {
        return Ok(());
    }
    load()?;
    conn.execute(
        "INSERT INTO seeds (name, version) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET version = excluded.version",
        rusqlite::params![name, version],
    )?;
    Ok(())
}
