//! The demo business: made through the engine (validated, audited with origin `demo`), the
//! same for the same seed, only into an empty data directory, and usable by its users.

use serde_json::json;

use crate::common::{TestServer, get_ok};

/// The contacts' names in order, and the category tree's paths by name.
fn fingerprint(server: &TestServer) -> (Vec<String>, Vec<String>) {
    let admin = server.admin();
    let contacts = get_ok(&admin, "/api/v1/contacts/?page_size=1000&ordering=created_at");
    let names = contacts["results"].as_array().expect("results").iter();
    let names =
        names.map(|c| format!("{} {} {}", c["first_name"], c["last_name"], c["email_addresses"][0]["email"])).collect();
    let tree = get_ok(&admin, "/api/v1/categories/?page_size=1000&ordering=name");
    let categories = tree["results"].as_array().expect("results").iter();
    (names, categories.map(|c| format!("{} < {}", c["name"], c["parent_name"])).collect())
}

#[test]
fn the_demo_fills_an_empty_directory_the_same_way_for_a_seed() {
    let first = TestServer::start();
    let summary = plinth::demo::fill(first.db(), plinth::demo::Size { seed: 7, ..Default::default() }).expect("demo");
    let count = |model: &str| summary.counts.iter().find(|(m, _)| *m == model).map_or(0, |(_, n)| *n);
    assert_eq!((count("organization"), count("contact"), count("category")), (3, 300, 85));
    assert_eq!((count("product"), count("taxrate"), count("customfield")), (5000, 4, 2));
    assert_eq!((count("warehouse"), count("stocklocation")), (3, 3 * (2 + 6 + 24)));
    assert_eq!(summary.users.len(), 4);
    assert!(summary.seconds < 10.0, "{} s", summary.seconds);

    let admin = first.admin();
    assert_eq!(get_ok(&admin, "/api/v1/contacts/")["count"], 300);
    let contact = &get_ok(&admin, "/api/v1/contacts/?page_size=1")["results"][0];
    assert_eq!(contact["email_addresses"].as_array().map(Vec::len), Some(1));
    assert_eq!(contact["addresses"][0]["address"]["city"].as_str().map(str::is_empty), Some(false));
    let trail = get_ok(&admin, &format!("/api/v1/audit-logs/?object_id={}", contact["id"].as_str().expect("id")));
    assert_eq!(trail["results"][0]["context"]["origin"], "demo");
    // The catalog: products in the leaf categories with their custom fields; California's
    // district tax compounds on the state's.
    let product = &get_ok(&admin, "/api/v1/products/?page_size=1&product_type=PHYSICAL_GOOD")["results"][0];
    assert!(
        product["custom_fields"]["color"].is_string() && product["custom_fields"]["weight_kg"].is_string(),
        "{product}"
    );
    let tax = admin.post(
        "/api/v1/tax/calculate/",
        &json!({ "amount": "100.00", "jurisdiction": "US-CA", "tax_category": "STANDARD", "currency": "USD", "date": "2026-06-01" }),
    );
    assert_eq!((tax.status, &tax.json["tax_amount"]), (200, &json!("8.59")), "{}", tax.text);
    let bin = get_ok(&admin, "/api/v1/stock-locations/?barcode=WH2-B-3-4");
    assert_eq!(
        (&bin["count"], &bin["results"][0]["name"], &bin["results"][0]["warehouse_code"]),
        (&json!(1), &json!("Bin B3-4"), &json!("WH2"))
    );
    // The company's viewer signs in and sees its branches.
    let viewer = summary.users.iter().find(|u| u.role == "Viewer").expect("viewer");
    let client = first.login(&viewer.username, &viewer.password);
    assert_eq!(get_ok(&client, "/api/v1/organizations/")["count"], 3);
    assert_eq!(get_ok(&client, "/api/v1/products/")["count"], 5000, "the company's and its branches' products");
    assert_eq!(client.post("/api/v1/contacts/", &json!({ "first_name": "X" })).status, 403);

    // A second time is refused and changes nothing.
    let again = plinth::demo::fill(first.db(), plinth::demo::Size { seed: 7, ..Default::default() });
    assert!(matches!(again, Err(plinth::demo::DemoError::NotEmpty(_))), "a filled directory is refused");
    assert_eq!(get_ok(&admin, "/api/v1/contacts/")["count"], 300);

    // The same seed makes the same business.
    let second = TestServer::start();
    plinth::demo::fill(second.db(), plinth::demo::Size { seed: 7, ..Default::default() }).expect("demo");
    assert_eq!(fingerprint(&first), fingerprint(&second));
    let other = TestServer::start();
    plinth::demo::fill(other.db(), plinth::demo::Size { seed: 8, ..Default::default() }).expect("demo");
    assert_ne!(fingerprint(&first).0, fingerprint(&other).0, "another seed, other people");
}
