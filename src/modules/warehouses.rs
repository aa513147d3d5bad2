//! `warehouses/` and `stock-locations/` (spec: Warehouse, StockLocation): where an
//! organization keeps its stock. A warehouse's code is unique in its organization and its
//! address (protected while used) is one of that organization's, shown whole in
//! `address_details`. Stock locations form a tree inside one warehouse — a child is in its
//! parent's warehouse, names are unique under one parent, a barcode (when given) once per
//! warehouse, deleting a location deletes those below it — and are in their warehouse's
//! organization, which the engine takes from the warehouse on every write.

use serde_json::Value;

use super::addresses::ADDRESS;
use crate::engine::{Author, Default, EngineError, Field, FieldErrors, Index, ModelDef, OnDelete, Record, Scope, Tree};
use crate::store::{Connection, OptionalExtension, StoreError};

pub const WAREHOUSE_TYPES: &[&str] = &[
    "DISTRIBUTION_CENTER",
    "RETAIL_STORE",
    "MANUFACTURING",
    "VIRTUAL_DROPSHIP",
    "THIRD_PARTY_LOGISTICS",
    "TRANSIT",
    "OTHER",
];
pub const LOCATION_TYPES: &[&str] = &["ZONE", "AISLE", "RACK", "SHELF", "BIN", "DOCK", "STAGING_AREA", "OTHER"];

pub const WAREHOUSE: ModelDef = ModelDef {
    fields: &[
        Field::text("name", 255),
        Field::text("code", 50).help("Unique within the organization."),
        Field::choice("warehouse_type", WAREHOUSE_TYPES),
        Field::foreign_key("address", "address", OnDelete::Restrict)
            .nullable()
            .help("An address of the warehouse's organization (empty for a virtual warehouse); it cannot be deleted while used."),
        Field::details("address_details", "address"),
        Field::boolean("is_active").default(Default::Bool(true)),
        Field::tags("tags"),
    ],
    custom_fields: true,
    scope: Scope::Organization,
    search: &["name", "code", "address.city"],
    filters: &["organization", "warehouse_type", "is_active", "tags", "address", "address.country"],
    ordering: &["name", "code", "created_at"],
    default_order: &["name"],
    unique_together: &[&["organization", "code"]],
    // An organization has a handful of warehouses: sorting them by code or age needs no index.
    unindexed: &["code", "created_at"],
    display: "{name} ({code})",
    list_columns: &["code", "name", "warehouse_type", "is_active", "organization_name"],
    check: Some(check_address),
    area: "inventory",

    ..ModelDef::base("warehouse", "Warehouse", "warehouses", "warehouses")
};

pub const STOCK_LOCATION: ModelDef = ModelDef {
    fields: &[
        Field::text("name", 255).help("Name or identifier (Aisle A, Bin A-01-03-05); unique under one parent."),
        Field::text("barcode", 100).blank().help("Unique within the warehouse when given."),
        Field::foreign_key("warehouse", "warehouse", OnDelete::Restrict)
            .help("The warehouse the location is in (its parent's); the location is in the warehouse's organization."),
        Field::lookup("warehouse_code", "warehouse", "code"),
        Field::foreign_key("parent", "stocklocation", OnDelete::Cascade)
            .nullable()
            .help("The location this one is in, in the same warehouse; empty at the top. Deleting a location deletes those below it."),
        Field::lookup("parent_name", "parent", "name"),
        Field::choice("location_type", LOCATION_TYPES).blank(),
        Field::boolean("is_active").default(Default::Bool(true)).help("Whether stock may be stored here."),
    ],
    custom_fields: true,
    scope: Scope::Organization,
    organization_from: Some("warehouse"),
    tree: Some(Tree { parent: "parent", same_as_parent: &["warehouse"] }),
    search: &["name", "barcode", "warehouse.code", "warehouse.name"],
    filters: &["warehouse", "parent", "location_type", "is_active", "barcode", "organization"],
    ordering: &["name", "barcode"],
    // A warehouse's locations in tree order: its `?warehouse=` list is one index range.
    default_order: &["warehouse", "tree_path"],
    unique_together: &[&["warehouse", "parent", "name"]],
    unique_unless_blank: &[&["warehouse", "barcode"]],
    // `?barcode=` finds a scanned location in any warehouse; names sort large warehouses.
    indexes: &[Index::on(&["barcode"]), Index::on(&["name"])],
    display: "{warehouse_code} / {name}",
    list_columns: &["name", "warehouse_code", "parent_name", "barcode", "location_type", "is_active"],
    area: "inventory",

    ..ModelDef::base("stocklocation", "Stock location", "stock-locations", "stock_locations")
};

/// A warehouse's address carries the warehouse's organization (API.md § Master data): one of
/// another organization, or a shared one, is refused on `address`.
fn check_address(
    conn: &Connection,
    _author: &Author,
    proposed: Option<&Record>,
    _existing: Option<&Record>,
) -> Result<(), EngineError> {
    let Some(proposed) = proposed else { return Ok(()) };
    let Some(address) = proposed.get("address").and_then(Value::as_str) else { return Ok(()) };
    let sql = format!("SELECT organization FROM \"{}\" WHERE id = ?1", ADDRESS.table);
    let found: Option<Option<String>> =
        conn.query_row(&sql, [address], |r| r.get(0)).optional().map_err(StoreError::from)?;
    // A missing address was refused as a reference already.
    let Some(owner) = found else { return Ok(()) };
    if owner.as_deref() != proposed.get("organization").and_then(Value::as_str) {
        return Err(EngineError::Validation(FieldErrors::single(
            "address",
            "The address must belong to the warehouse's organization.",
        )));
    }
    Ok(())
}
