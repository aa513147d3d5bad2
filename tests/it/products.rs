//! Products over HTTP (spec: Product): one catalog per organization, SKUs unique in it, product
//! categories only, protected units, the status vocabulary, tags, attributes, custom fields,
//! tax categories, and the spec's filters, search and orderings.

use serde_json::{Value, json};

use crate::common::{
    Client, TestServer, assert_detail, assert_field_error, define_custom_field, get_ok, organization_with_member,
};

fn create(client: &Client, body: Value) -> Value {
    let resp = client.post("/api/v1/products/", &body);
    assert_eq!(resp.status, 201, "{}", resp.text);
    resp.json
}

fn category(admin: &Client, name: &str, kind: &str, parent: Option<&str>) -> String {
    let resp = admin.post("/api/v1/categories/", &json!({ "name": name, "category_type": kind, "parent": parent }));
    assert_eq!(resp.status, 201, "{}", resp.text);
    resp.json["id"].as_str().expect("id").to_string()
}

fn skus(client: &Client, query: &str) -> Vec<String> {
    let page = get_ok(client, &format!("/api/v1/products/{query}"));
    page["results"].as_array().expect("results").iter().map(|p| p["sku"].as_str().expect("sku").to_string()).collect()
}

#[test]
fn a_product_has_the_specs_defaults_and_rules() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, clerk) = organization_with_member(&server, "Acme", "Manager");
    let tools = category(&admin, "Tools", "PRODUCT", None);
    let manuals = category(&admin, "Manuals", "DOCUMENT_TYPE", None);
    let drill = create(
        &clerk,
        json!({ "name": "Drill", "sku": "DR-1", "product_type": "PHYSICAL_GOOD", "base_uom": "EA", "category": tools,
                "tags": ["Power", "new"], "attributes": { "color": "red" }, "tax_category": "STANDARD" }),
    );
    assert_eq!(drill["organization"], json!(acme), "the member's only organization");
    assert_eq!(
        (&drill["status"], &drill["is_inventory_tracked"], &drill["is_purchasable"], &drill["is_sellable"]),
        (&json!("draft"), &json!(true), &json!(true), &json!(true))
    );
    assert_eq!(
        (&drill["category_name"], &drill["tags"], &drill["custom_fields"]),
        (&json!("Tools"), &json!(["new", "Power"]), &json!({}))
    );
    assert_eq!(drill["attributes"], json!({ "color": "red" }));

    let base = json!({ "name": "Saw", "sku": "SAW-1", "product_type": "PHYSICAL_GOOD", "base_uom": "EA" });
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    assert_field_error(
        &clerk.post("/api/v1/products/", &with("category", json!(manuals))),
        "category",
        "product category",
    );
    assert_field_error(&clerk.post("/api/v1/products/", &with("sku", json!("DR-1"))), "non_field_errors", "unique");
    assert_field_error(
        &clerk.post("/api/v1/products/", &with("base_uom", json!("NOPE"))),
        "base_uom",
        "does not exist",
    );
    assert_field_error(&clerk.post("/api/v1/products/", &with("status", json!("nope"))), "status", "does not exist");
    assert_field_error(
        &clerk.post("/api/v1/products/", &with("tax_category", json!("LUXURY"))),
        "tax_category",
        "does not exist",
    );
    assert_field_error(
        &clerk.post("/api/v1/products/", &with("product_type", json!("FOOD"))),
        "product_type",
        "valid choice",
    );
    assert_field_error(&clerk.post("/api/v1/products/", &with("attributes", json!([1]))), "attributes", "");
    let unknown = clerk.post("/api/v1/products/", &with("price", json!("9.99")));
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    // Another organization may use the same SKU.
    let (_, other) = organization_with_member(&server, "Globex", "Manager");
    create(&other, with("sku", json!("DR-1")));
    // A unit or a category in use cannot be deleted.
    assert_detail(&admin.delete("/api/v1/uoms/EA/"), 409, "protected");
    assert_detail(&admin.delete("/api/v1/categories/tools/"), 409, "protected");
    // Custom fields are checked against their definitions.
    define_custom_field(&admin, "product", "warranty_years", "number", json!({ "required": false }));
    let refused = clerk.post("/api/v1/products/", &with("custom_fields", json!({ "warranty_years": "two" })));
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.json["custom_fields"]["warranty_years"], json!(["Enter a number."]));
    let kept = create(&clerk, with("custom_fields", json!({ "warranty_years": 2 })));
    assert_eq!(kept["custom_fields"]["warranty_years"], 2);
}

#[test]
fn products_filter_search_and_order_as_the_spec_lists() {
    let server = TestServer::start();
    let admin = server.admin();
    let (_, clerk) = organization_with_member(&server, "Acme", "Manager");
    let tools = category(&admin, "Tools", "PRODUCT", None);
    let drills = category(&admin, "Drills", "PRODUCT", Some(&tools));
    let garden = category(&admin, "Garden", "PRODUCT", None);
    for (sku, name, kind, category, status, tags) in [
        ("A-1", "Cordless drill", "PHYSICAL_GOOD", &drills, "active", vec!["power"]),
        ("A-2", "Hammer", "PHYSICAL_GOOD", &tools, "active", vec![]),
        ("B-1", "Hose", "PHYSICAL_GOOD", &garden, "archived", vec!["power", "eco"]),
        ("S-1", "Drill repair", "SERVICE", &tools, "draft", vec![]),
    ] {
        create(
            &clerk,
            json!({ "sku": sku, "name": name, "product_type": kind, "category": category, "status": status,
                               "tags": tags, "base_uom": "EA" }),
        );
    }
    assert_eq!(skus(&clerk, ""), ["A-1", "S-1", "A-2", "B-1"], "by name");
    assert_eq!(skus(&clerk, "?ordering=-sku"), ["S-1", "B-1", "A-2", "A-1"]);
    assert_eq!(skus(&clerk, "?status=active&ordering=sku"), ["A-1", "A-2"]);
    assert_eq!(skus(&clerk, "?product_type=SERVICE"), ["S-1"]);
    assert_eq!(skus(&clerk, &format!("?category={tools}&ordering=sku")), ["A-2", "S-1"]);
    assert_eq!(skus(&clerk, "?category__slug=garden"), ["B-1"]);
    assert_eq!(skus(&clerk, "?tags=power&ordering=sku"), ["A-1", "B-1"]);
    assert_eq!(skus(&clerk, "?search=drill&ordering=sku"), ["A-1", "S-1"]);
    assert_eq!(skus(&clerk, "?search=drills"), ["A-1"], "search covers the category's name");
    // The spec's ALLOWED_FILTER_FIELDS in the filter language.
    let filter = json!({ "and": [
        { "field": "category.slug", "op": "in", "value": ["tools", "drills"] },
        { "or": [ { "field": "tags", "op": "eq", "value": "power" }, { "field": "name", "op": "icontains", "value": "hammer" } ] },
        { "field": "created_at", "op": "gte", "value": "2000-01-01T00:00:00Z" },
        { "not": { "field": "sku", "op": "startswith", "value": "S" } },
        { "field": "product_type", "op": "eq", "value": "PHYSICAL_GOOD" },
        { "field": "status", "op": "neq", "value": "draft" },
    ] });
    let encoded = crate::common::enc(&filter.to_string());
    assert_eq!(skus(&clerk, &format!("?filter={encoded}&ordering=sku")), ["A-1", "A-2"]);
}
