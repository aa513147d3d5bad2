//! `plinth demo`: fills an empty data directory with a small business — deterministically (a
//! seeded generator), through the engine (every row validated and audited with origin `demo`)
//! and in one transaction: a company with two branches, a user for each seeded role, contacts
//! with e-mails, phones and addresses, tax rates for three countries (one compound), a
//! catalog of products in a three-level category tree with tags and two custom fields, and a
//! warehouse per organization with a tree of locations carrying barcodes.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{Value, json};
use thiserror::Error;

use crate::engine::write::{self, Access};
use crate::engine::{Author, EngineError, Record, Registry, custom, input};
use crate::modules::users::{self, NewUser};
use crate::store::{Connection, Db, StoreError};

/// Why the demo could not be made.
#[derive(Debug, Error)]
pub enum DemoError {
    #[error("the data directory already holds data ({0}): the demo fills an empty one")]
    NotEmpty(String),
    #[error("demo {model}: {source}")]
    Engine { model: String, source: EngineError },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the demo made: the users (with their passwords, shown once) and the rows per model.
pub struct Summary {
    pub users: Vec<DemoUser>,
    pub counts: Vec<(&'static str, usize)>,
    pub seconds: f64,
}

pub struct DemoUser {
    pub username: String,
    pub role: &'static str,
    pub password: String,
}

/// The seeded roles a demo user is made for, each a member of the company.
const ROLES: [(&str, &str); 4] =
    [("anna.admin", "Admin"), ("max.manager", "Manager"), ("sara.staff", "Staff"), ("victor.viewer", "Viewer")];

/// How big a demo to make.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    /// Seeds the generator: the same seed makes the same business.
    pub seed: u64,
    /// Products in the catalog (5,000; more to measure a large catalog).
    pub products: usize,
}

impl std::default::Default for Size {
    fn default() -> Self {
        Size { seed: 1, products: 5000 }
    }
}

/// Fills `db` (which must hold no business data yet) as `size` says.
pub fn fill(db: &Db, size: Size) -> Result<Summary, DemoError> {
    let started = Instant::now();
    if let Some(found) = db.read(existing_data)? {
        return Err(DemoError::NotEmpty(found));
    }
    let author = Author::system("demo");
    let mut made_users = Vec::new();
    for (username, role) in ROLES {
        let password = format!("Demo-{}", &crate::auth::random_secret()[..12]);
        let new = NewUser {
            username: username.into(),
            email: format!("{username}@northwind.example"),
            password: password.clone(),
            is_staff: role == "Admin",
            is_superuser: false,
        };
        let id = users::create(db, author.clone(), new)
            .map_err(|source| DemoError::Engine { model: "user".into(), source })?;
        made_users.push((id, DemoUser { username: username.into(), role, password }));
    }
    let user_ids: Vec<(String, &'static str)> = made_users.iter().map(|(id, u)| (id.clone(), u.role)).collect();
    let counts = db.write(move |conn| {
        let mut maker = Maker::new(conn, author);
        let mut rng = fastrand::Rng::with_seed(size.seed);
        let (company, branches) = organizations(&mut maker)?;
        for (user, role) in &user_ids {
            let role_id = maker.key_of("SELECT id FROM roles WHERE name = ?1 AND organization IS NULL", role)?;
            maker.make("organizationmembership", json!({ "user": user, "organization": company, "role": role_id }))?;
        }
        contacts(&mut maker, &mut rng)?;
        tax_rates(&mut maker)?;
        let leaves = categories(&mut maker)?;
        let owners: Vec<&str> =
            std::iter::repeat_n(company.as_str(), 4).chain(branches.iter().map(String::as_str)).collect();
        products(&mut maker, &mut rng, &leaves, &owners, size.products)?;
        let sites = [(company.as_str(), "Hamburg", "20095"), (branches[0].as_str(), "Berlin", "10115")];
        let sites = sites.into_iter().chain([(branches[1].as_str(), "Lyon", "69001")]);
        for (n, (organization, city, postal)) in sites.enumerate() {
            warehouse(&mut maker, n + 1, organization, city, postal)?;
        }
        Ok::<_, DemoError>(maker.counts())
    })?;
    Ok(Summary {
        users: made_users.into_iter().map(|(_, u)| u).collect(),
        counts,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The first business table with rows, if any.
fn existing_data(conn: &Connection) -> Result<Option<String>, StoreError> {
    for table in ["organizations", "contacts", "categories", "products", "tax_rates", "warehouses"] {
        let any: bool = conn.query_row(&format!("SELECT EXISTS (SELECT 1 FROM \"{table}\")"), [], |r| r.get(0))?;
        if any {
            return Ok(Some(table.to_string()));
        }
    }
    Ok(None)
}

/// Creates rows through the engine inside the demo's transaction, counting them per model.
struct Maker<'c> {
    conn: &'c Connection,
    registry: &'static Registry,
    author: Author,
    definitions: HashMap<&'static str, Vec<custom::Definition>>,
    counts: Vec<(&'static str, usize)>,
}

impl<'c> Maker<'c> {
    fn new(conn: &'c Connection, author: Author) -> Self {
        Maker { conn, registry: crate::modules::registry(), author, definitions: HashMap::new(), counts: Vec::new() }
    }

    /// Creates a row of `model` from `body` as an API create would, trusted; answers its key.
    fn make(&mut self, model: &str, body: Value) -> Result<String, DemoError> {
        let failed = |source| DemoError::Engine { model: model.to_string(), source };
        let model = self.registry.get(model).ok_or_else(|| failed(EngineError::NotFound))?;
        let name = model.def.name;
        if !self.definitions.contains_key(name) {
            let loaded = custom::definitions(self.conn, name)?;
            self.definitions.insert(name, loaded);
        }
        let definitions = &self.definitions[name];
        let row = input::prepare_create(model, &self.author, &body, definitions).map_err(failed)?;
        let record: Record =
            write::insert(self.conn, self.registry, model, &self.author, row, Access::Trusted).map_err(failed)?;
        match self.counts.iter_mut().find(|(m, _)| *m == name) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((name, 1)),
        }
        Ok(record.get(model.def.key).and_then(Value::as_str).unwrap_or_default().to_string())
    }

    /// The single text `sql` answers for `param`.
    fn key_of(&self, sql: &str, param: &str) -> Result<String, DemoError> {
        Ok(self.conn.query_row(sql, [param], |r| r.get(0)).map_err(StoreError::from)?)
    }

    fn counts(self) -> Vec<(&'static str, usize)> {
        self.counts
    }
}

/// Northwind Trading and its branches in Berlin and Lyon; answers their ids.
fn organizations(maker: &mut Maker) -> Result<(String, Vec<String>), DemoError> {
    let company = maker.make(
        "organization",
        json!({ "name": "Northwind Trading", "code": "NW", "organization_type": "Company", "currency": "EUR",
                "timezone": "Europe/Berlin", "tags": ["demo"] }),
    )?;
    let mut branches = Vec::new();
    for (name, code, timezone) in
        [("Northwind Berlin", "NW-BER", "Europe/Berlin"), ("Northwind Lyon", "NW-LYO", "Europe/Paris")]
    {
        branches.push(maker.make(
            "organization",
            json!({ "name": name, "code": code, "organization_type": "Location/Branch", "parent": company,
                    "currency": "EUR", "timezone": timezone }),
        )?);
    }
    Ok((company, branches))
}

/// VAT in Germany and France, and California's sales tax with a district tax compounded on it.
fn tax_rates(maker: &mut Maker) -> Result<(), DemoError> {
    let rates = [
        ("DE", "Umsatzsteuer", "0.19000", "VAT", false, 0),
        ("FR", "TVA", "0.20000", "VAT", false, 0),
        ("US-CA", "California state sales tax", "0.07250", "SALES", false, 0),
        ("US-CA", "San Francisco district tax", "0.01250", "SALES", true, 1),
    ];
    for (jurisdiction, name, rate, kind, compound, priority) in rates {
        maker.make(
            "taxrate",
            json!({ "jurisdiction": jurisdiction, "tax_category": "STANDARD", "name": name, "rate": rate,
                    "tax_type": kind, "is_compound": compound, "priority": priority, "valid_from": "2026-01-01" }),
        )?;
    }
    Ok(())
}

const FIRST_NAMES: [&str; 20] = [
    "Ada", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Karin", "Leon", "Marie",
    "Noah", "Olga", "Paul", "Rosa", "Simon", "Tara", "Yusuf",
];
const LAST_NAMES: [&str; 20] = [
    "Albrecht", "Bernard", "Costa", "Dubois", "Engel", "Fischer", "Garcia", "Hansen", "Ivanova", "Jansen", "Keller",
    "Laurent", "Meyer", "Nowak", "Okafor", "Petit", "Quinn", "Richter", "Schmidt", "Weber",
];
/// City, postal code, country and the phone prefix there.
const PLACES: [(&str, &str, &str, &str); 6] = [
    ("Berlin", "10115", "DE", "+4930"),
    ("Hamburg", "20095", "DE", "+4940"),
    ("Lyon", "69001", "FR", "+33472"),
    ("Paris", "75001", "FR", "+33142"),
    ("San Francisco", "94103", "US", "+1415"),
    ("Austin", "73301", "US", "+1512"),
];

/// 300 contacts, each with an e-mail address, a phone number and an address.
fn contacts(maker: &mut Maker, rng: &mut fastrand::Rng) -> Result<(), DemoError> {
    let types = ["customer", "customer", "customer", "supplier", "partner", "employee", "other"];
    for n in 0..300 {
        let (first, last) = (FIRST_NAMES[rng.usize(..FIRST_NAMES.len())], LAST_NAMES[rng.usize(..LAST_NAMES.len())]);
        let (city, postal, country, prefix) = PLACES[rng.usize(..PLACES.len())];
        maker.make(
            "contact",
            json!({
                "first_name": first, "last_name": last, "contact_type": types[rng.usize(..types.len())],
                "organization_name": format!("{last} {}", ["GmbH", "SARL", "Inc.", "& Co."][rng.usize(..4)]),
                "email_addresses": [{ "email": format!("{}.{}{n}@example.com", first.to_lowercase(), last.to_lowercase()), "is_primary": true }],
                "phone_numbers": [{ "phone_number": format!("{prefix}{:07}", rng.u32(1_000_000..9_999_999)), "phone_type": "work" }],
                "addresses": [{ "address": { "street_address_1": format!("{} {}", ["Main Street", "Hauptstraße", "Rue de la Paix", "Market Street"][rng.usize(..4)], rng.u32(1..200)),
                    "city": city, "postal_code": postal, "country": country }, "address_type": "work", "is_primary": true }],
            }),
        )?;
    }
    Ok(())
}

/// The catalog's three-level product category tree: 5 departments, 4 groups each, 3 kinds each;
/// answers the leaves (id and group name).
fn categories(maker: &mut Maker) -> Result<Vec<(String, String)>, DemoError> {
    let departments = [
        ("Tools", ["Power Tools", "Hand Tools", "Measuring", "Fasteners"]),
        ("Garden", ["Watering", "Planting", "Lawn Care", "Outdoor Furniture"]),
        ("Kitchen", ["Cookware", "Cutlery", "Appliances", "Storage"]),
        ("Office", ["Paper", "Writing", "Desk", "Filing"]),
        ("Outdoor", ["Camping", "Cycling", "Climbing", "Water Sports"]),
    ];
    let mut leaves = Vec::new();
    for (department, groups) in departments {
        let root = maker.make("category", json!({ "name": department, "category_type": "PRODUCT" }))?;
        for group in groups {
            let middle =
                maker.make("category", json!({ "name": group, "category_type": "PRODUCT", "parent": root }))?;
            for kind in ["Basic", "Professional", "Accessories"] {
                let name = format!("{group} {kind}");
                let leaf =
                    maker.make("category", json!({ "name": name, "category_type": "PRODUCT", "parent": middle }))?;
                leaves.push((leaf, group.to_string()));
            }
        }
    }
    Ok(leaves)
}

const TAGS: [&str; 6] = ["new", "bestseller", "eco", "clearance", "imported", "bulky"];
const COLORS: [&str; 6] = ["red", "green", "blue", "black", "white", "silver"];
const ADJECTIVES: [&str; 10] =
    ["Compact", "Heavy-duty", "Classic", "Ergonomic", "Smart", "Foldable", "Premium", "Basic", "Pro", "Eco"];

/// `count` products in the leaf categories, spread over the organizations in `owners` (the
/// company more often), with tags, and a colour and a weight as custom fields.
fn products(
    maker: &mut Maker,
    rng: &mut fastrand::Rng,
    leaves: &[(String, String)],
    owners: &[&str],
    count: usize,
) -> Result<(), DemoError> {
    let color = json!({ "model": "product", "key": "color", "label": "Colour", "type": "choice", "choices": COLORS, "order": 1 });
    maker.make("customfield", color)?;
    let weight =
        json!({ "model": "product", "key": "weight_kg", "label": "Weight (kg)", "type": "decimal", "order": 2 });
    maker.make("customfield", weight)?;
    let types = ["PHYSICAL_GOOD", "PHYSICAL_GOOD", "PHYSICAL_GOOD", "PHYSICAL_GOOD", "SERVICE", "DIGITAL"];
    let statuses = ["active", "active", "active", "active", "active", "draft", "archived"];
    for n in 1..=count {
        let (category, group) = &leaves[rng.usize(..leaves.len())];
        let tags: Vec<&str> = (0..rng.usize(..3)).map(|_| TAGS[rng.usize(..TAGS.len())]).collect();
        let kind = types[rng.usize(..types.len())];
        let mut custom = json!({ "color": COLORS[rng.usize(..COLORS.len())] });
        if kind == "PHYSICAL_GOOD" {
            custom["weight_kg"] = json!(format!("{}.{:02}", rng.u32(0..40), rng.u32(0..100)));
        }
        let uom = ["EA", "EA", "EA", "BOX", "KG"][rng.usize(..5)];
        let tax = if rng.u8(..10) == 0 { "EXEMPT" } else { "STANDARD" };
        maker.make(
            "product",
            json!({
                "name": format!("{} {} {n}", ADJECTIVES[rng.usize(..ADJECTIVES.len())], group),
                "sku": format!("NW-{n:05}"), "product_type": kind, "category": category,
                "status": statuses[rng.usize(..statuses.len())], "organization": owners[rng.usize(..owners.len())],
                "base_uom": uom, "tax_category": tax,
                "tags": tags, "custom_fields": custom, "is_inventory_tracked": kind == "PHYSICAL_GOOD",
            }),
        )?;
    }
    Ok(())
}

/// Warehouse `n` of `organization` in `city`: two zones of three aisles of four bins, each
/// location with a barcode (`WH1-A-2-3`).
fn warehouse(maker: &mut Maker, n: usize, organization: &str, city: &str, postal: &str) -> Result<(), DemoError> {
    let country = if city == "Lyon" { "FR" } else { "DE" };
    let address = maker.make(
        "address",
        json!({ "street_address_1": format!("Lagerweg {n}"), "city": city, "postal_code": postal, "country": country,
                "organization": organization }),
    )?;
    let warehouse = maker.make(
        "warehouse",
        json!({ "name": format!("{city} warehouse"), "code": format!("WH{n}"), "warehouse_type": "DISTRIBUTION_CENTER",
                "address": address, "organization": organization }),
    )?;
    for zone in ["A", "B"] {
        let code = format!("WH{n}-{zone}");
        let zone_id = maker.make(
            "stocklocation",
            json!({ "name": format!("Zone {zone}"), "barcode": code, "warehouse": warehouse, "location_type": "ZONE" }),
        )?;
        for aisle in 1..=3 {
            let code = format!("{code}-{aisle}");
            let aisle_id = maker.make(
                "stocklocation",
                json!({ "name": format!("Aisle {zone}{aisle}"), "barcode": code, "warehouse": warehouse,
                        "parent": zone_id, "location_type": "AISLE" }),
            )?;
            for bin in 1..=4 {
                maker.make(
                    "stocklocation",
                    json!({ "name": format!("Bin {zone}{aisle}-{bin}"), "barcode": format!("{code}-{bin}"),
                            "warehouse": warehouse, "parent": aisle_id, "location_type": "BIN" }),
                )?;
            }
        }
    }
    Ok(())
}
