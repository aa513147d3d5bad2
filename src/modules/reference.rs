//! Reference data (spec: Status, Currency, Unit of Measure, Organization Type) and the
//! read-only vocabularies of countries and time zones, with their built-in data sets and
//! unit conversion.

use std::collections::{HashMap, HashSet, VecDeque};
use std::str::FromStr;

use iso_currency::IntoEnumIterator;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::engine::{
    Action, ActionCall, ActionOutput, Default, EngineError, Field, FieldErrors, Method, ModelDef, Needs, OnDelete,
    ReadRule, Record, TableCheck, WriteRule,
};
use crate::store::{Connection, Db, StoreError, now};

pub const STATUS: ModelDef = ModelDef {
    key: "slug",
    fields: &[
        Field::slug("slug", 50).help("Unique machine-readable identifier (e.g. 'pending_approval')."),
        Field::text("name", 100).unique().help("Human-readable status name (e.g. 'Pending Approval')."),
        Field::long_text("description").blank().help("Optional description of what this status represents."),
        Field::text("category", 50).blank().help("Optional category for grouping statuses (e.g. 'General')."),
        Field::color("color").blank().help("Optional HEX color code for UI representation."),
    ],
    custom_fields: true,
    search: &["slug", "name", "description", "category"],
    filters: &["slug", "name", "category"],
    ordering: &["category", "name", "slug"],
    default_order: &["category", "name"],
    read: ReadRule::Anyone,
    display: "{name}",
    list_columns: &["slug", "name", "category", "color", "updated_at"],
    area: "configuration",
    ..ModelDef::base("status", "Status", "statuses", "statuses")
};

pub const CURRENCY: ModelDef = ModelDef {
    key: "code",
    fields: &[
        Field::text("code", 3).help("ISO 4217 3-letter currency code."),
        Field::text("name", 100).unique().help("Official name of the currency."),
        Field::text("symbol", 10).blank().help("Common symbol for the currency (e.g. $, €)."),
        Field::text("numeric_code", 3).nullable().unique().help("ISO 4217 3-digit numeric currency code."),
        Field::integer("decimal_places", 0, 32767)
            .default(Default::Int(2))
            .help("Number of decimal places commonly used."),
        Field::boolean("is_active").default(Default::Bool(true)).help("Is this currency available for use?"),
    ],
    custom_fields: true,
    search: &["code", "name", "numeric_code"],
    filters: &["code", "name", "numeric_code", "decimal_places", "is_active"],
    // The ISO 4217 list: under 200 rows.
    unindexed: &["decimal_places"],
    ordering: &["code", "name"],
    default_order: &["code"],
    list_defaults: &[("is_active", "true")],
    read: ReadRule::Anyone,
    display: "{code}",
    list_columns: &["code", "name", "symbol", "decimal_places", "is_active", "numeric_code"],
    validate: Some(validate_currency),
    area: "reference",
    ..ModelDef::base("currency", "Currency", "currencies", "currencies")
};

/// Categories of measurement.
pub const UOM_TYPES: &[&str] = &["Length", "Mass", "Volume", "Count", "Time", "Area", "Other"];

pub const UOM: ModelDef = ModelDef {
    key: "code",
    fields: &[
        Field::text("code", 20).help("Unique code for the unit (e.g. KG, M, EA, BOX_12)."),
        Field::text("name", 100).unique().help("Full name of the unit (e.g. Kilogram, Meter, Each)."),
        Field::choice("uom_type", UOM_TYPES).help("Category of measurement (e.g. Length, Mass, Count)."),
        Field::text("symbol", 10).blank().help("Common symbol (e.g. kg, m, L)."),
        Field::boolean("is_active").default(Default::Bool(true)).help("Is this unit available for use?"),
    ],
    custom_fields: true,
    search: &["code", "name", "symbol", "uom_type"],
    filters: &["code", "name", "uom_type", "is_active"],
    ordering: &["uom_type", "name", "code"],
    default_order: &["uom_type", "name"],
    list_defaults: &[("is_active", "true")],
    read: ReadRule::Anyone,
    display: "{name}",
    list_columns: &["code", "name", "uom_type", "symbol", "is_active", "updated_at"],
    actions: &[Action {
        name: "convert",
        detail: false,
        method: Method::Get,
        summary: "Convert a quantity between two units of the same type (`?from=KG&to=LB&value=2.5`).",
        params: &["from", "to", "value"],
        needs: Needs::View,
        handler: convert_action,
    }],
    area: "reference",
    ..ModelDef::base("uom", "Unit of Measure", "uoms", "uoms")
};

pub const UOM_CONVERSION: ModelDef = ModelDef {
    fields: &[
        Field::foreign_key("from_uom", "uom", OnDelete::Restrict).help("Unit converted from."),
        Field::foreign_key("to_uom", "uom", OnDelete::Restrict).help("Unit converted to."),
        Field::decimal("factor", 18, 10).help("How many to_uom make one from_uom."),
    ],
    search: &["from_uom", "to_uom"],
    filters: &["from_uom", "to_uom", "from_uom.uom_type", "to_uom.uom_type"],
    // A few dozen conversions.
    unindexed: &["created_at"],
    ordering: &["from_uom", "to_uom", "created_at"],
    default_order: &["from_uom", "to_uom"],
    unique_together: &[&["from_uom", "to_uom"]],
    checks: &[
        TableCheck { field: "factor", sql: "\"factor\" > 0" },
        TableCheck { field: "to_uom", sql: "\"from_uom\" <> \"to_uom\"" },
    ],
    read: ReadRule::Anyone,
    display: "{from_uom} → {to_uom}",
    list_columns: &["from_uom", "to_uom", "factor"],
    validate: Some(validate_conversion),
    area: "reference",
    ..ModelDef::base("uomconversion", "Unit Conversion", "uom-conversions", "uom_conversions")
};

pub const ORGANIZATION_TYPE: ModelDef = ModelDef {
    key: "name",
    fields: &[
        Field::text("name", 100).help("Unique name for the organization type (e.g. Company, Department)."),
        Field::long_text("description").blank().help("Optional description of this organization type."),
    ],
    search: &["name", "description"],
    filters: &["name"],
    ordering: &["name"],
    default_order: &["name"],
    read: ReadRule::Anyone,
    display: "{name}",
    list_columns: &["name", "description", "updated_at", "updated_by"],
    area: "configuration",
    ..ModelDef::base("organizationtype", "Organization Type", "organization-types", "organization_types")
};

pub const COUNTRY: ModelDef = ModelDef {
    key: "code",
    fields: &[
        Field::text("code", 2).help("ISO 3166-1 alpha-2 code."),
        Field::text("alpha3", 3).unique().help("ISO 3166-1 alpha-3 code."),
        Field::text("numeric_code", 3).help("ISO 3166-1 numeric code."),
        Field::text("name", 100).help("English short name."),
    ],
    search: &["code", "alpha3", "name"],
    filters: &["code", "alpha3", "numeric_code"],
    // A vocabulary of about 250 rows: scans are cheaper than an index on every write.
    unindexed: &["numeric_code"],
    ordering: &["code", "name"],
    default_order: &["name"],
    read: ReadRule::Anyone,
    write: WriteRule::Never,
    display: "{name}",
    list_columns: &["code", "alpha3", "name"],
    area: "reference",
    ..ModelDef::base("country", "Country", "countries", "countries")
};

pub const TIMEZONE: ModelDef = ModelDef {
    key: "code",
    fields: &[
        Field::text("code", 64).help("IANA time zone name (e.g. Europe/Berlin); in URLs, encode '/' as %2F."),
        Field::text("area", 32).blank().help("Leading part of the name (e.g. Europe)."),
    ],
    search: &["code"],
    filters: &["code", "area"],
    // A vocabulary of about 600 rows.
    unindexed: &["area"],
    ordering: &["code", "area"],
    default_order: &["code"],
    read: ReadRule::Anyone,
    write: WriteRule::Never,
    display: "{code}",
    list_columns: &["code", "area"],
    area: "reference",
    ..ModelDef::base("timezone", "Time Zone", "timezones", "timezones")
};

fn text<'a>(record: &'a Record, field: &str) -> &'a str {
    record.get(field).and_then(Value::as_str).unwrap_or("")
}

fn validate_currency(record: &Record) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if !text(record, "code").chars().all(|c| c.is_ascii_uppercase()) || text(record, "code").len() != 3 {
        errors.add("code", "Enter three upper-case letters (ISO 4217).");
    }
    if let Some(numeric) = record.get("numeric_code").and_then(Value::as_str)
        && (numeric.len() != 3 || !numeric.chars().all(|c| c.is_ascii_digit()))
    {
        errors.add("numeric_code", "Enter three digits (ISO 4217 numeric code).");
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

fn validate_conversion(record: &Record) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if text(record, "from_uom") == text(record, "to_uom") {
        errors.add("to_uom", "A unit cannot be converted to itself.");
    }
    if Decimal::from_str(text(record, "factor")).is_ok_and(|f| f <= Decimal::ZERO) {
        errors.add("factor", "Ensure this value is greater than 0.");
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// `uoms/convert/?from=&to=&value=`: follows conversions (forwards or inverted) between
/// units of the same type, through intermediate units if needed.
fn convert_action(call: &ActionCall) -> Result<ActionOutput, EngineError> {
    let param = |name: &str| {
        call.param(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| EngineError::bad_query("invalid_query", format!("The \"{name}\" parameter is required.")))
    };
    let (from, to, raw) = (param("from")?, param("to")?, param("value")?);
    let value = Decimal::from_str(raw)
        .map_err(|_| EngineError::bad_query("invalid_query", "\"value\" must be a decimal number."))?;
    let (units, edges) = call.db.read(load_conversion_graph)?;
    for code in [from, to] {
        if !units.contains_key(code) {
            return Err(EngineError::bad_query("invalid_query", format!("Unknown unit of measure \"{code}\".")));
        }
    }
    if units[from] != units[to] {
        return Err(EngineError::bad_query(
            "invalid_query",
            format!("Cannot convert {} ({from}) to {} ({to}).", units[from], units[to]),
        ));
    }
    let factor = conversion_factor(&edges, from, to).ok_or_else(|| {
        EngineError::bad_query("invalid_query", format!("No conversion from {from} to {to} is defined."))
    })?;
    let result =
        value.checked_mul(factor).ok_or_else(|| EngineError::bad_query("invalid_query", "The result is too large."))?;
    Ok(ActionOutput::Json(
        json!({ "from": from, "to": to, "value": value.normalize().to_string(), "factor": factor.normalize().to_string(), "result": result.round_dp(10).normalize().to_string() }),
    ))
}

type Graph = (HashMap<String, String>, HashMap<String, Vec<(String, Decimal)>>);

fn load_conversion_graph(conn: &Connection) -> Result<Graph, StoreError> {
    let mut units = HashMap::new();
    let mut stmt = conn.prepare_cached("SELECT code, uom_type FROM uoms")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (code, kind) = row?;
        units.insert(code, kind);
    }
    let mut edges: HashMap<String, Vec<(String, Decimal)>> = HashMap::new();
    let mut stmt = conn.prepare_cached("SELECT from_uom, to_uom, factor FROM uom_conversions")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))? {
        let (a, b, scaled) = row?;
        let factor = Decimal::new(scaled, 10);
        if let Some(inverse) = Decimal::ONE.checked_div(factor) {
            edges.entry(b.clone()).or_default().push((a.clone(), inverse));
        }
        edges.entry(a).or_default().push((b, factor));
    }
    Ok((units, edges))
}

/// Breadth-first search for the shortest chain of conversions; the product of its factors.
fn conversion_factor(edges: &HashMap<String, Vec<(String, Decimal)>>, from: &str, to: &str) -> Option<Decimal> {
    let mut seen = HashSet::from([from.to_string()]);
    let mut queue = VecDeque::from([(from.to_string(), Decimal::ONE)]);
    while let Some((unit, factor)) = queue.pop_front() {
        if unit == to {
            return Some(factor);
        }
        for (next, step) in edges.get(&unit).into_iter().flatten() {
            if seen.insert(next.clone()) {
                queue.push_back((next.clone(), factor.checked_mul(*step)?));
            }
        }
    }
    None
}

/// Bump a version when its data set grows; each set loads once per version.
const STATUS_SEED: (&str, i64) = ("statuses", 1);
const CURRENCY_SEED: (&str, i64) = ("currencies", 1);
const UOM_SEED: (&str, i64) = ("uoms", 1);
const ORG_TYPE_SEED: (&str, i64) = ("organization_types", 1);

const STATUSES: &[(&str, &str, &str, &str, &str)] = &[
    ("draft", "Draft", "General", "Record is being drafted, not yet active.", "#AAAAAA"),
    ("active", "Active", "General", "Record is active and in use.", "#4CAF50"),
    ("inactive", "Inactive", "General", "Record is not currently active but may be reactivated.", "#FF9800"),
    ("archived", "Archived", "General", "Record is archived and typically read-only.", "#9E9E9E"),
    ("pending", "Pending", "Process", "Waiting for action or approval.", "#2196F3"),
    ("pending_approval", "Pending Approval", "Approval", "Waiting for approval step.", "#2196F3"),
    ("approved", "Approved", "Approval", "Record has been approved.", "#4CAF50"),
    ("rejected", "Rejected", "Approval", "Record has been rejected.", "#F44336"),
    ("completed", "Completed", "Process", "Process or task is finished.", "#00BCD4"),
    ("cancelled", "Cancelled", "Process", "Process or task was cancelled.", "#795548"),
];

const UOMS: &[(&str, &str, &str, &str)] = &[
    ("EA", "Each", "Count", ""),
    ("BOX", "Box", "Count", ""),
    ("KG", "Kilogram", "Mass", "kg"),
    ("G", "Gram", "Mass", "g"),
    ("LB", "Pound", "Mass", "lb"),
    ("OZ", "Ounce", "Mass", "oz"),
    ("M", "Meter", "Length", "m"),
    ("CM", "Centimeter", "Length", "cm"),
    ("MM", "Millimeter", "Length", "mm"),
    ("FT", "Foot", "Length", "ft"),
    ("IN", "Inch", "Length", "in"),
    ("L", "Liter", "Volume", "L"),
    ("ML", "Milliliter", "Volume", "mL"),
    ("GAL", "Gallon", "Volume", "gal"),
    ("M2", "Square Meter", "Area", "m²"),
    ("CM2", "Square Centimeter", "Area", "cm²"),
    ("FT2", "Square Foot", "Area", "ft²"),
    ("HA", "Hectare", "Area", "ha"),
    ("S", "Second", "Time", "s"),
    ("MIN", "Minute", "Time", "min"),
    ("H", "Hour", "Time", "h"),
    ("DAY", "Day", "Time", "d"),
    ("WK", "Week", "Time", "wk"),
];

/// Exact definitions (international yard and pound, US gallon).
const CONVERSIONS: &[(&str, &str, &str)] = &[
    ("KG", "G", "1000"),
    ("LB", "KG", "0.45359237"),
    ("LB", "OZ", "16"),
    ("M", "CM", "100"),
    ("M", "MM", "1000"),
    ("FT", "IN", "12"),
    ("IN", "CM", "2.54"),
    ("L", "ML", "1000"),
    ("GAL", "L", "3.785411784"),
    ("M2", "CM2", "10000"),
    ("FT2", "CM2", "929.0304"),
    ("HA", "M2", "10000"),
    ("MIN", "S", "60"),
    ("H", "MIN", "60"),
    ("DAY", "H", "24"),
    ("WK", "DAY", "7"),
];

const ORGANIZATION_TYPES: &[(&str, &str)] = &[
    ("Company", "Primary legal entity or top-level organization."),
    ("Division", "A major operational division within a company."),
    ("Department", "A functional department within a division or company."),
    ("Team", "A specific team within a department."),
    ("Location/Branch", "A physical office or branch location."),
    ("Customer", "An external organization that purchases goods/services."),
    ("Supplier", "An external organization that supplies goods/services."),
    ("Partner", "An external organization collaborated with."),
    ("Vendor", "Synonym for Supplier, or specific type."),
];

/// Loads every built-in data set not loaded yet at its current version, and keeps the
/// read-only vocabularies complete. One transaction.
pub fn seed(db: &Db) -> Result<(), StoreError> {
    db.write(|conn| {
        let at = now();
        super::seed_once(conn, STATUS_SEED, || {
            let mut insert = conn.prepare(
                "INSERT INTO statuses (slug, name, category, description, color, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT DO NOTHING",
            )?;
            for (slug, name, category, description, color) in STATUSES {
                insert.execute(rusqlite::params![slug, name, category, description, color, at])?;
            }
            Ok(())
        })?;
        super::seed_once(conn, CURRENCY_SEED, || seed_currencies(conn, &at))?;
        super::seed_once(conn, UOM_SEED, || {
            let mut insert = conn.prepare(
                "INSERT INTO uoms (code, name, uom_type, symbol, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT DO NOTHING",
            )?;
            for (code, name, kind, symbol) in UOMS {
                insert.execute(rusqlite::params![code, name, kind, symbol, at])?;
            }
            let mut insert = conn.prepare(
                "INSERT INTO uom_conversions (id, from_uom, to_uom, factor, created_at, updated_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?5 WHERE EXISTS (SELECT 1 FROM uoms WHERE code = ?2)
                   AND EXISTS (SELECT 1 FROM uoms WHERE code = ?3) ON CONFLICT DO NOTHING",
            )?;
            for (from, to, factor) in CONVERSIONS {
                let mut scaled = Decimal::from_str(factor).unwrap_or_default();
                scaled.rescale(10);
                let scaled = i64::try_from(scaled.mantissa()).unwrap_or_default();
                insert.execute(rusqlite::params![crate::store::new_id(), from, to, scaled, at])?;
            }
            Ok(())
        })?;
        super::seed_once(conn, ORG_TYPE_SEED, || {
            let mut insert = conn.prepare(
                "INSERT INTO organization_types (name, description, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
                 ON CONFLICT DO NOTHING",
            )?;
            for (name, description) in ORGANIZATION_TYPES {
                insert.execute(rusqlite::params![name, description, at])?;
            }
            Ok(())
        })?;
        sync_vocabularies(conn, &at)
    })
}

/// Every ISO 4217 currency of the `iso_currency` crate; superseded ones are inactive.
fn seed_currencies(conn: &Connection, at: &str) -> Result<(), StoreError> {
    let mut insert = conn.prepare(
        "INSERT INTO currencies (code, name, symbol, numeric_code, decimal_places, is_active, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT DO NOTHING",
    )?;
    let current: HashSet<String> =
        iso_currency::Currency::iter().filter(|c| c.is_superseded().is_none()).map(|c| c.name().to_string()).collect();
    for currency in iso_currency::Currency::iter() {
        let symbol = currency.symbol().symbol;
        let symbol = if symbol == "¤" { String::new() } else { symbol };
        // Names are unique; a superseded currency may share its successor's name.
        let name = match currency.is_superseded() {
            Some(successor) if current.contains(currency.name()) => {
                format!("{} (superseded by {})", currency.name(), successor.code())
            }
            _ => currency.name().to_string(),
        };
        insert.execute(rusqlite::params![
            currency.code(),
            name,
            symbol,
            format!("{:03}", currency.numeric()),
            currency.exponent().unwrap_or(0),
            currency.is_superseded().is_none(),
            at
        ])?;
    }
    Ok(())
}

/// Countries and time zones are Plinth's own read-only vocabularies: add what is missing.
fn sync_vocabularies(conn: &Connection, at: &str) -> Result<(), StoreError> {
    let mut insert = conn.prepare(
        "INSERT INTO countries (code, alpha3, numeric_code, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT DO NOTHING",
    )?;
    for country in isocountry::CountryCode::iter() {
        insert.execute(rusqlite::params![
            country.alpha2(),
            country.alpha3(),
            format!("{:03}", country.numeric_id()),
            country.name(),
            at
        ])?;
    }
    let mut insert = conn.prepare(
        "INSERT INTO timezones (code, area, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) ON CONFLICT DO NOTHING",
    )?;
    for tz in chrono_tz::TZ_VARIANTS {
        let name = tz.name();
        let area = name.split_once('/').map_or("", |(area, _)| area);
        insert.execute(rusqlite::params![name, area, at])?;
    }
    Ok(())
}
