//! `addresses/` (spec: Address): postal addresses with an optional organization (API.md §
//! Master data, "Who owns what"). Served on their own and written inline by their owners —
//! a contact's address list creates and updates them in the contact's organization.

use rust_decimal::Decimal;
use serde_json::Value;

use crate::engine::{Default, Field, FieldErrors, ModelDef, Record, Scope, Shared, TableCheck};

pub const STATUSES: &[&str] = &["active", "inactive", "archived"];

pub const ADDRESS: ModelDef = ModelDef {
    fields: &[
        Field::text("street_address_1", 255).blank(),
        Field::text("street_address_2", 255).blank(),
        Field::text("city", 100).blank(),
        Field::text("state_province", 100).blank(),
        Field::text("postal_code", 20).blank(),
        Field::country("country").help("ISO 3166-1 alpha-2 code."),
        Field::decimal("latitude", 10, 7).nullable().help("Degrees north, -90 to 90, up to 7 decimal places."),
        Field::decimal("longitude", 10, 7).nullable().help("Degrees east, -180 to 180, up to 7 decimal places."),
        Field::choice("status", STATUSES).default(Default::Text("active")),
    ],
    custom_fields: true,
    scope: Scope::OptionalOrganization { inherited: false, shared: Shared::AnyRole },
    search: &["street_address_1", "street_address_2", "city", "state_province", "postal_code"],
    filters: &["country", "city", "state_province", "postal_code", "status", "organization"],
    ordering: &["country", "city", "postal_code", "created_at", "updated_at"],
    default_order: &["country", "city", "street_address_1"],
    // Status has three values; city, state and postal code narrow a country's rows, which
    // the default-order index (country, city, street) already groups; created/updated
    // orderings are occasional.
    unindexed: &["status", "city", "state_province", "postal_code", "created_at", "updated_at"],
    checks: &[
        TableCheck { field: "latitude", sql: "\"latitude\" BETWEEN -900000000 AND 900000000" },
        TableCheck { field: "longitude", sql: "\"longitude\" BETWEEN -1800000000 AND 1800000000" },
    ],
    display: "{street_address_1}, {postal_code} {city}, {country}",
    list_columns: &["street_address_1", "postal_code", "city", "country", "status", "organization_name"],
    validate: Some(validate_coordinates),
    area: "contacts",
    ..ModelDef::base("address", "Address", "addresses", "addresses")
};

/// Latitude within ±90°, longitude within ±180°.
fn validate_coordinates(record: &Record) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    for (field, limit) in [("latitude", 90), ("longitude", 180)] {
        let degrees = record.get(field).and_then(Value::as_str).and_then(|s| s.parse::<Decimal>().ok());
        if degrees.is_some_and(|d| d.abs() > Decimal::from(limit)) {
            errors.add(field, format!("Ensure this value is between -{limit} and {limit}."));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}
