//! Tax definitions (spec: Tax Definition Models): jurisdictions (a tree keyed by codes such as
//! `US-CA`, protected while they have children), tax categories and tax rates (a fraction
//! with 5 places, valid between two dates, compound or not, by priority), and
//! `POST tax/calculate/`, which reads them for an amount (the arithmetic is
//! [`calculate::calculate`]'s). Reference data: read by anyone, written by superusers and
//! global permission holders.

pub mod calculate;
mod seed;

pub use seed::seed;

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::engine::{
    Default, EngineError, Field, FieldErrors, Index, ModelDef, OnDelete, ReadRule, Record, TableCheck, Tree, value,
};
use crate::store::{Connection, Db, StoreError};
use calculate::{Calculation, Rate};

pub const JURISDICTION_TYPES: &[&str] = &["COUNTRY", "STATE_PROVINCE", "COUNTY", "CITY", "OTHER"];
pub const TAX_TYPES: &[&str] = &["VAT", "GST", "SALES", "OTHER"];
/// Decimal places of a rate (`"0.08250"`).
const RATE_SCALE: u32 = 5;

pub const TAX_JURISDICTION: ModelDef = ModelDef {
    key: "code",
    fields: &[
        Field::text("code", 50).help("Unique code, e.g. US or US-CA: letters, digits, '-', '_' and '.'."),
        Field::text("name", 255),
        Field::choice("jurisdiction_type", JURISDICTION_TYPES),
        Field::foreign_key("parent", "taxjurisdiction", OnDelete::Restrict)
            .nullable()
            .help("The jurisdiction this one lies in (a state's country); empty for a root."),
        Field::lookup("parent_name", "parent", "name"),
        Field::boolean("is_active").default(Default::Bool(true)),
    ],
    custom_fields: true,
    search: &["code", "name"],
    filters: &["code", "name", "jurisdiction_type", "parent", "is_active"],
    ordering: &["code", "name", "jurisdiction_type"],
    default_order: &["name"],
    tree: Some(Tree { parent: "parent", same_as_parent: &[] }),
    read: ReadRule::Anyone,
    display: "{name}",
    list_columns: &["code", "name", "jurisdiction_type", "parent_name", "is_active"],
    area: "reference",

    ..ModelDef::base("taxjurisdiction", "Tax Jurisdiction", "tax-jurisdictions", "tax_jurisdictions")
};

pub const TAX_CATEGORY: ModelDef = ModelDef {
    key: "code",
    fields: &[
        Field::slug("code", 50).help("Unique code, e.g. STANDARD."),
        Field::text("name", 100).unique(),
        Field::long_text("description").blank(),
        Field::boolean("is_active").default(Default::Bool(true)),
    ],
    custom_fields: true,
    search: &["code", "name", "description"],
    filters: &["code", "name", "is_active"],
    ordering: &["code", "name"],
    default_order: &["name"],
    read: ReadRule::Anyone,
    display: "{name}",
    list_columns: &["code", "name", "description", "is_active"],
    area: "reference",

    ..ModelDef::base("taxcategory", "Tax Category", "tax-categories", "tax_categories")
};

pub const TAX_RATE: ModelDef = ModelDef {
    fields: &[
        Field::foreign_key("jurisdiction", "taxjurisdiction", OnDelete::Cascade),
        Field::lookup("jurisdiction_name", "jurisdiction", "name"),
        Field::foreign_key("tax_category", "taxcategory", OnDelete::Cascade)
            .nullable()
            .help("The category it taxes; empty for a rate of no category."),
        Field::lookup("tax_category_name", "tax_category", "name"),
        Field::text("name", 100).help("e.g. CA State Sales Tax."),
        Field::decimal("rate", 10, RATE_SCALE).help("A fraction with 5 decimal places: 0.08250 is 8.25 %."),
        Field::choice("tax_type", TAX_TYPES),
        Field::boolean("is_compound")
            .default(Default::Bool(false))
            .help("Taxes the amount plus the taxes applied before it."),
        Field::integer("priority", i32::MIN as i64, i32::MAX as i64)
            .default(Default::Int(0))
            .help("Lower priorities apply first."),
        Field::date("valid_from").nullable().help("First day the rate applies; empty for always."),
        Field::date("valid_to").nullable().help("Last day the rate applies (inclusive); empty for no end."),
        Field::boolean("is_active").default(Default::Bool(true)),
    ],
    custom_fields: true,
    search: &["name", "jurisdiction", "tax_category"],
    filters: &[
        "jurisdiction",
        "tax_category",
        "tax_type",
        "is_compound",
        "is_active",
        "valid_from",
        "valid_to",
        "jurisdiction.parent",
        "jurisdiction.jurisdiction_type",
    ],
    ordering: &["jurisdiction", "priority", "valid_from", "valid_to", "name", "rate"],
    default_order: &["jurisdiction", "priority", "-valid_from"],
    indexes: &[
        Index::on(&["jurisdiction", "tax_category", "valid_from", "valid_to"]),
        Index::on(&["valid_from"]),
        Index::on(&["valid_to"]),
    ],
    // A few rates per jurisdiction: sorting a list by these costs less than an index would
    // on every write.
    unindexed: &["priority", "name", "rate"],
    checks: &[
        TableCheck { field: "rate", sql: "\"rate\" >= 0" },
        TableCheck {
            field: "valid_to",
            sql: "\"valid_to\" IS NULL OR \"valid_from\" IS NULL OR \"valid_to\" >= \"valid_from\"",
        },
    ],
    read: ReadRule::Anyone,
    display: "{name}",
    list_columns: &["jurisdiction", "tax_category", "name", "rate", "tax_type", "priority", "valid_from", "valid_to"],
    validate: Some(validate_rate),
    area: "reference",

    ..ModelDef::base("taxrate", "Tax Rate", "tax-rates", "tax_rates")
};

fn validate_rate(record: &Record) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    let text = |name: &str| record.get(name).and_then(Value::as_str);
    if text("rate").and_then(|r| Decimal::from_str(r).ok()).is_some_and(|r| r.is_sign_negative() && !r.is_zero()) {
        errors.add("rate", "Ensure this value is greater than or equal to 0.");
    }
    if let (Some(from), Some(to)) = (text("valid_from"), text("valid_to"))
        && to < from
    {
        errors.add("valid_to", "The end of validity must be on or after its start.");
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// A calculation request, checked.
struct Request {
    amount: Decimal,
    jurisdiction: String,
    category: Option<String>,
    currency: String,
    date: NaiveDate,
}

const REQUEST_FIELDS: [&str; 5] = ["amount", "jurisdiction", "tax_category", "currency", "date"];

/// Reads `{amount, jurisdiction, tax_category, currency, date}`: `tax_category` may be absent
/// or null (the rates of no category), `date` absent (today, UTC).
fn parse(body: &Value) -> Result<Request, EngineError> {
    let Some(object) = body.as_object() else {
        let got = value::python_type(body);
        let message = format!("Invalid data. Expected a dictionary, but got {got}.");
        return Err(EngineError::Validation(FieldErrors::single("non_field_errors", message)));
    };
    let mut errors = FieldErrors::new();
    for unknown in object.keys().filter(|k| !REQUEST_FIELDS.contains(&k.as_str())) {
        errors.add(unknown, "Unknown field.");
    }
    let amount = match object.get("amount") {
        None | Some(Value::Null) => Err("This field is required."),
        Some(Value::String(s)) => Decimal::from_str(s.trim()).map_err(|_| "A valid number is required."),
        Some(Value::Number(n)) => Decimal::from_str(&n.to_string()).map_err(|_| "A valid number is required."),
        Some(_) => Err("A valid number is required."),
    };
    let amount = amount.map_err(|message| errors.add("amount", message)).ok();
    let mut code = |name: &str, required: bool| match object.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        None | Some(Value::Null) if !required => None,
        None | Some(Value::Null) => {
            errors.add(name, "This field is required.");
            None
        }
        Some(Value::String(_)) => {
            errors.add(name, "This field may not be blank.");
            None
        }
        Some(_) => {
            errors.add(name, "Not a valid string.");
            None
        }
    };
    let (jurisdiction, category, currency) =
        (code("jurisdiction", true), code("tax_category", false), code("currency", true));
    let date = match object.get("date") {
        None | Some(Value::Null) => Some(chrono::Utc::now().date_naive()),
        Some(raw) => {
            let parsed = raw.as_str().and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok());
            if parsed.is_none() {
                errors.add("date", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.");
            }
            parsed
        }
    };
    match (amount, jurisdiction, currency, date) {
        (Some(amount), Some(jurisdiction), Some(currency), Some(date)) if errors.is_empty() => {
            Ok(Request { amount, jurisdiction, category, currency, date })
        }
        // Whatever is missing has said why.
        _ => Err(EngineError::Validation(errors)),
    }
}

/// What one read finds for a request: the currency's decimal places and whether the
/// jurisdiction and category are active (`None` for unknown ones), and the jurisdiction's
/// rates.
struct Found {
    places: Option<i64>,
    jurisdiction: Option<bool>,
    category: Option<bool>,
    rates: Vec<Rate>,
}

/// One prepared statement: the three lookups and the jurisdiction's rates (its index).
const LOAD: &str = "SELECT (SELECT decimal_places FROM currencies WHERE code = ?3), \
     (SELECT is_active FROM tax_jurisdictions WHERE code = ?1), \
     (SELECT is_active FROM tax_categories WHERE code = ?2), \
     r.id, r.name, r.tax_category, r.rate, r.is_compound, r.priority, r.valid_from, r.valid_to, r.is_active \
     FROM (SELECT 1) LEFT JOIN tax_rates r ON r.jurisdiction = ?1 ORDER BY r.priority, r.id";

fn load(conn: &Connection, request: &Request) -> Result<Found, StoreError> {
    let mut stmt = conn.prepare_cached(LOAD)?;
    let mut rows = stmt.query(rusqlite::params![request.jurisdiction, request.category, request.currency])?;
    let mut found = Found { places: None, jurisdiction: None, category: None, rates: Vec::new() };
    let date = |text: Option<String>| text.and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok());
    while let Some(row) = rows.next()? {
        found.places = row.get(0)?;
        found.jurisdiction = row.get(1)?;
        found.category = row.get(2)?;
        let Some(id) = row.get::<_, Option<String>>(3)? else { continue };
        found.rates.push(Rate {
            id,
            name: row.get(4)?,
            tax_category: row.get(5)?,
            rate: Decimal::new(row.get(6)?, RATE_SCALE),
            is_compound: row.get(7)?,
            priority: row.get(8)?,
            valid_from: date(row.get(9)?),
            valid_to: date(row.get(10)?),
            is_active: row.get(11)?,
        });
    }
    Ok(found)
}

/// `POST tax/calculate/` (API.md, "Tax rates"): the taxes on an amount in a jurisdiction, for
/// a category, in a currency, on a date. Unknown or inactive jurisdictions and categories,
/// unknown currencies and malformed values answer 400 on their field.
pub fn calculate_taxes(db: &Db, body: &Value) -> Result<Value, EngineError> {
    let request = parse(body)?;
    let found = db.read(|conn| load(conn, &request))?;
    let mut errors = FieldErrors::new();
    let missing = |code: &str| format!("Invalid pk \"{code}\" - object does not exist.");
    match found.jurisdiction {
        None => errors.add("jurisdiction", missing(&request.jurisdiction)),
        Some(false) => errors.add("jurisdiction", "This jurisdiction is not active."),
        Some(true) => {}
    }
    match (found.category, &request.category) {
        (None, Some(code)) => errors.add("tax_category", missing(code)),
        (Some(false), _) => errors.add("tax_category", "This tax category is not active."),
        _ => {}
    }
    if found.places.is_none() {
        errors.add("currency", missing(&request.currency));
    }
    errors.into_result()?;
    let places = u32::try_from(found.places.unwrap_or(0)).unwrap_or(0);
    let calculation =
        calculate::calculate(request.amount, places, request.category.as_deref(), request.date, &found.rates)
            .ok_or_else(|| {
                EngineError::Validation(FieldErrors::single("amount", "This amount is too large to tax."))
            })?;
    Ok(render(&calculation, &request.currency))
}

/// The answer: `{amount, currency, tax_amount, total, breakdown: [{tax_rate, name, rate,
/// is_compound, taxable_amount, tax_amount}]}`, amounts as strings.
fn render(calculation: &Calculation, currency: &str) -> Value {
    let breakdown: Vec<Value> = calculation
        .breakdown
        .iter()
        .map(|line| {
            json!({
                "tax_rate": line.rate.id,
                "name": line.rate.name,
                "rate": line.rate.rate.to_string(),
                "is_compound": line.rate.is_compound,
                "taxable_amount": line.taxable_amount.to_string(),
                "tax_amount": line.tax_amount.to_string(),
            })
        })
        .collect();
    let mut out = Map::new();
    out.insert("amount".into(), calculation.amount.to_string().into());
    out.insert("currency".into(), currency.into());
    out.insert("tax_amount".into(), calculation.tax_amount.to_string().into());
    out.insert("total".into(), calculation.total.to_string().into());
    out.insert("breakdown".into(), Value::Array(breakdown));
    Value::Object(out)
}
