//! The built-in tax definitions (spec 3.6, "Initial Data Population"): a jurisdiction for
//! every country of the country vocabulary (`isocountry`), the US states and the District of
//! Columbia below the US (ISO 3166-2 codes and names, a small table of our own: no crate of
//! subdivisions is worth its build for 51 rows), and the categories STANDARD and EXEMPT. No
//! rates: those are the business's to enter.

use crate::store::{Connection, Db, StoreError, now};

/// Bump a version when its data set grows; each set loads once per version.
const JURISDICTION_SEED: (&str, i64) = ("tax_jurisdictions", 1);
const CATEGORY_SEED: (&str, i64) = ("tax_categories", 1);

/// ISO 3166-2:US: the 50 states and the District of Columbia.
const US_STATES: [(&str, &str); 51] = [
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
];

const CATEGORIES: [(&str, &str, &str); 2] = [
    ("STANDARD", "Standard", "Goods and services taxed at the jurisdiction's standard rates."),
    ("EXEMPT", "Exempt", "Goods and services exempt from tax."),
];

/// Loads the data sets not loaded yet at their current version. One transaction.
pub fn seed(db: &Db) -> Result<(), StoreError> {
    db.write(|conn| {
        let at = now();
        super::super::seed_once(conn, JURISDICTION_SEED, || seed_jurisdictions(conn, &at))?;
        super::super::seed_once(conn, CATEGORY_SEED, || {
            let mut insert = conn.prepare(
                "INSERT INTO tax_categories (code, name, description, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT DO NOTHING",
            )?;
            for (code, name, description) in CATEGORIES {
                insert.execute(rusqlite::params![code, name, description, at])?;
            }
            Ok(())
        })
    })
}

/// Countries as roots, then the states under the US (placed under the US row as it is, the
/// tree's level and path derived from it like the engine's).
fn seed_jurisdictions(conn: &Connection, at: &str) -> Result<(), StoreError> {
    let mut insert = conn.prepare(
        "INSERT INTO tax_jurisdictions (code, name, jurisdiction_type, level, tree_path, created_at, updated_at)
         VALUES (?1, ?2, 'COUNTRY', 0, '/' || ?1 || '/', ?3, ?3) ON CONFLICT DO NOTHING",
    )?;
    for country in isocountry::CountryCode::iter() {
        insert.execute(rusqlite::params![country.alpha2(), country.name(), at])?;
    }
    let mut insert = conn.prepare(
        "INSERT INTO tax_jurisdictions (code, name, jurisdiction_type, parent, level, tree_path, created_at, updated_at)
         SELECT ?1, ?2, 'STATE_PROVINCE', us.code, us.level + 1, us.tree_path || ?1 || '/', ?3, ?3
         FROM tax_jurisdictions AS us WHERE us.code = 'US' ON CONFLICT DO NOTHING",
    )?;
    for (state, name) in US_STATES {
        insert.execute(rusqlite::params![format!("US-{state}"), name, at])?;
    }
    Ok(())
}
