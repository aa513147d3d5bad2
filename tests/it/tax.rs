//! Tax definitions over HTTP (spec: Tax Definition Models, translated): the seeded
//! jurisdictions and categories, who reads and writes them, the jurisdiction tree keyed by
//! codes, rates with their validity and filters, and the `tax/calculate/` contract of API.md.

use serde_json::{Value, json};

use crate::common::{
    Client, Resp, TestServer, assert_detail, assert_field_error, enc, get_ok, organization_with_member, regular_user,
    user,
};

/// Creates `body` at `tax-<plural>/` as `client`, asserting 201.
fn created(client: &Client, plural: &str, body: Value) -> Value {
    let resp = client.post(&format!("/api/v1/{plural}/"), &body);
    assert_eq!(resp.status, 201, "create in {plural}: {}", resp.text);
    resp.json
}

/// A rate of `jurisdiction` in STANDARD at `rate`, with any further fields.
fn rate(client: &Client, jurisdiction: &str, name: &str, fraction: &str, extra: Value) -> Value {
    let mut body = json!({ "jurisdiction": jurisdiction, "tax_category": "STANDARD", "name": name, "rate": fraction,
        "tax_type": "SALES" });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    created(client, "tax-rates", body)
}

/// The `key` of every result of a list.
fn keys(page: &Value, key: &str) -> Vec<String> {
    page["results"].as_array().expect("results").iter().map(|r| r[key].as_str().unwrap_or("").to_string()).collect()
}

fn calculate(client: &Client, body: Value) -> Resp {
    client.post("/api/v1/tax/calculate/", &body)
}

fn calculated(client: &Client, body: Value) -> Value {
    let resp = calculate(client, body);
    assert_eq!(resp.status, 200, "calculate: {}", resp.text);
    resp.json
}

#[test]
fn countries_states_and_categories_are_seeded_and_no_rates() {
    let server = TestServer::start();
    let anyone = server.client();
    let countries = get_ok(&anyone, "/api/v1/countries/?page_size=1")["count"].clone();
    let roots = get_ok(&anyone, "/api/v1/tax-jurisdictions/?jurisdiction_type=COUNTRY&page_size=1");
    assert_eq!(roots["count"], countries, "a jurisdiction for every country of the vocabulary");
    let us = get_ok(&anyone, "/api/v1/tax-jurisdictions/US/");
    assert_eq!(
        (&us["name"], &us["level"], &us["parent"]),
        (&json!("United States of America"), &json!(0), &Value::Null)
    );
    let ca = get_ok(&anyone, "/api/v1/tax-jurisdictions/US-CA/");
    assert_eq!(
        (&ca["name"], &ca["jurisdiction_type"], &ca["parent"], &ca["parent_name"], &ca["tree_path"]),
        (&json!("California"), &json!("STATE_PROVINCE"), &json!("US"), &us["name"], &json!("/US/US-CA/"))
    );
    assert_eq!((&ca["is_active"], &ca["custom_fields"]), (&json!(true), &json!({})));
    let states = get_ok(&anyone, "/api/v1/tax-jurisdictions/US/children/?page_size=100");
    assert_eq!(states["count"], 51, "50 states and DC");
    assert!(keys(&states, "code").contains(&"US-DC".to_string()));
    let categories = get_ok(&anyone, "/api/v1/tax-categories/");
    assert_eq!(keys(&categories, "code"), ["EXEMPT", "STANDARD"], "ordered by name");
    assert_eq!(get_ok(&anyone, "/api/v1/tax-rates/")["count"], 0);
    let restarted = server.restart();
    let again = get_ok(&restarted.client(), "/api/v1/tax-jurisdictions/?page_size=1");
    assert_eq!(again["count"], countries.as_u64().expect("count") + 51, "seeded once");
}

#[test]
fn anyone_reads_and_only_superusers_or_global_holders_write() {
    let server = TestServer::start();
    let admin = server.admin();
    let anyone = server.client();
    let jurisdiction = json!({ "code": "XA", "name": "Xanadu", "jurisdiction_type": "COUNTRY" });
    let writes = [
        ("POST", "/api/v1/tax-jurisdictions/", jurisdiction.clone()),
        ("PATCH", "/api/v1/tax-jurisdictions/US/", json!({ "name": "USA" })),
        ("DELETE", "/api/v1/tax-jurisdictions/US-DC/", Value::Null),
        ("POST", "/api/v1/tax-categories/", json!({ "code": "FOOD", "name": "Food" })),
        ("PATCH", "/api/v1/tax-categories/STANDARD/", json!({ "description": "x" })),
        ("POST", "/api/v1/tax-rates/", json!({ "jurisdiction": "US", "name": "x", "rate": "0.1", "tax_type": "VAT" })),
    ];
    let send = |client: &Client, (method, path, body): &(&str, &str, Value)| {
        let bytes = body.to_string();
        client.request(method, path, &[("Content-Type", "application/json")], Some(bytes.as_bytes()))
    };
    let plain = regular_user(&server);
    let (_, org_admin) = organization_with_member(&server, "Acme", "Admin");
    for attempt in &writes {
        assert_detail(&send(&anyone, attempt), 401, "not_authenticated");
        assert_detail(&send(&plain, attempt), 403, "permission_denied");
        assert_detail(&send(&org_admin, attempt), 403, "permission_denied");
    }
    for path in ["tax-jurisdictions/", "tax-jurisdictions/US-CA/", "tax-categories/", "tax-categories/EXEMPT/"] {
        get_ok(&anyone, &format!("/api/v1/{path}"));
    }
    // A global role granting the tax models' permissions writes them.
    let keeper =
        created(&admin, "roles", json!({ "name": "Tax keeper", "permissions": ["taxrate.*", "taxjurisdiction.add"] }));
    let (keeper_id, keeper_client) = user(&server, "taxkeeper");
    created(&admin, "user-roles", json!({ "user": keeper_id, "role": keeper["id"] }));
    created(&keeper_client, "tax-jurisdictions", jurisdiction);
    let made = rate(&keeper_client, "XA", "Xanadu VAT", "0.2", json!({}));
    assert_eq!(get_ok(&anyone, &format!("/api/v1/tax-rates/{}/", made["id"].as_str().expect("id")))["rate"], "0.20000");
    assert_detail(&send(&keeper_client, &writes[3]), 403, "permission_denied");
    assert_eq!(admin.post("/api/v1/tax-categories/", &json!({ "code": "FOOD", "name": "Food" })).status, 201);
}

#[test]
fn jurisdictions_form_a_tree_keyed_by_codes() {
    let server = TestServer::start();
    let admin = server.admin();
    let anyone = server.client();
    let county =
        json!({ "code": "US-CA-SF", "name": "San Francisco", "jurisdiction_type": "COUNTY", "parent": "US-CA" });
    let sf = created(&admin, "tax-jurisdictions", county.clone());
    assert_eq!(
        (&sf["level"], &sf["tree_path"], &sf["is_active"]),
        (&json!(2), &json!("/US/US-CA/US-CA-SF/"), &json!(true))
    );
    assert_field_error(&admin.post("/api/v1/tax-jurisdictions/", &county), "code", "already exists");
    for code in ["US/NY", "US NY", "..", "-X", "Ünï"] {
        let bad = admin
            .post("/api/v1/tax-jurisdictions/", &json!({ "code": code, "name": "x", "jurisdiction_type": "OTHER" }));
        assert_field_error(&bad, "code", "letters, digits");
    }
    let kind =
        admin.post("/api/v1/tax-jurisdictions/", &json!({ "code": "X1", "name": "x", "jurisdiction_type": "PLANET" }));
    assert_field_error(&kind, "jurisdiction_type", "valid choice");
    let ancestors = get_ok(&anyone, "/api/v1/tax-jurisdictions/US-CA-SF/ancestors/");
    assert_eq!(keys(&ancestors, "code"), ["US", "US-CA"], "root first");
    let below = get_ok(&anyone, "/api/v1/tax-jurisdictions/US/descendants/?page_size=100");
    assert_eq!(below["count"], 52);
    let children = get_ok(&anyone, "/api/v1/tax-jurisdictions/US-CA/children/");
    assert_eq!(keys(&children, "code"), ["US-CA-SF"]);
    assert_eq!(get_ok(&anyone, "/api/v1/tax-jurisdictions/?parent=US-CA")["count"], 1);
    assert_eq!(get_ok(&anyone, "/api/v1/tax-jurisdictions/?jurisdiction_type=COUNTY")["count"], 1);
    assert_eq!(get_ok(&anyone, "/api/v1/tax-jurisdictions/?search=san%20fran")["count"], 1);
    // No cycles; a parent with children is protected; a move carries the subtree.
    for under in ["US-CA", "US-CA-SF"] {
        let cycle = admin.patch("/api/v1/tax-jurisdictions/US/", &json!({ "parent": under }));
        assert_field_error(&cycle, "parent", "itself or one of its descendants");
    }
    assert_detail(&admin.delete("/api/v1/tax-jurisdictions/US-CA/"), 409, "protected");
    let moved = admin.patch("/api/v1/tax-jurisdictions/US-CA/", &json!({ "parent": "MX" }));
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(get_ok(&anyone, "/api/v1/tax-jurisdictions/US-CA-SF/")["tree_path"], "/MX/US-CA/US-CA-SF/");
    let renamed = admin.patch("/api/v1/tax-jurisdictions/US-CA-SF/", &json!({ "code": "SF" }));
    assert_field_error(&renamed, "code", "cannot be changed");
    // Deleting a leaf takes its rates along (CASCADE); then its parent may go.
    rate(&admin, "US-CA-SF", "SF local", "0.0125", json!({}));
    assert_eq!(admin.delete("/api/v1/tax-jurisdictions/US-CA-SF/").status, 204);
    assert_eq!(get_ok(&anyone, "/api/v1/tax-rates/")["count"], 0);
    assert_eq!(admin.delete("/api/v1/tax-jurisdictions/US-CA/").status, 204);
}

#[test]
fn categories_have_unique_codes_and_names() {
    let server = TestServer::start();
    let admin = server.admin();
    let food = created(&admin, "tax-categories", json!({ "code": "FOOD", "name": "Food", "description": "Groceries" }));
    assert_eq!((&food["is_active"], &food["custom_fields"]), (&json!(true), &json!({})));
    assert_field_error(
        &admin.post("/api/v1/tax-categories/", &json!({ "code": "FOOD", "name": "Meals" })),
        "code",
        "exists",
    );
    assert_field_error(
        &admin.post("/api/v1/tax-categories/", &json!({ "code": "MEALS", "name": "Food" })),
        "name",
        "exists",
    );
    assert_field_error(&admin.post("/api/v1/tax-categories/", &json!({ "code": "A B", "name": "AB" })), "code", "slug");
    assert_eq!(admin.patch("/api/v1/tax-categories/FOOD/", &json!({ "is_active": false })).status, 200);
    let active = get_ok(&server.client(), "/api/v1/tax-categories/?is_active=true");
    assert_eq!(keys(&active, "code"), ["EXEMPT", "STANDARD"]);
}

#[test]
fn rates_validate_their_values_and_filter_by_relations_and_dates() {
    let server = TestServer::start();
    let admin = server.admin();
    let anyone = server.client();
    let made = rate(&admin, "US-CA", "CA State Sales Tax", "0.0825", json!({}));
    assert_eq!(
        (&made["rate"], &made["is_compound"], &made["priority"], &made["is_active"], &made["valid_from"]),
        (&json!("0.08250"), &json!(false), &json!(0), &json!(true), &Value::Null)
    );
    assert_eq!((&made["jurisdiction_name"], &made["tax_category_name"]), (&json!("California"), &json!("Standard")));
    let refused = |body: Value, field: &str, needle: &str| {
        let mut full = json!({ "jurisdiction": "US-CA", "name": "x", "rate": "0.1", "tax_type": "SALES" });
        full.as_object_mut().expect("object").extend(body.as_object().expect("object").clone());
        assert_field_error(&admin.post("/api/v1/tax-rates/", &full), field, needle);
    };
    refused(json!({ "valid_from": "2026-02-01", "valid_to": "2026-01-31" }), "valid_to", "on or after");
    refused(json!({ "rate": "-0.01" }), "rate", "greater than or equal to 0");
    refused(json!({ "rate": "0.000001" }), "rate", "5 decimal places");
    refused(json!({ "jurisdiction": "ZZ-NOPE" }), "jurisdiction", "does not exist");
    refused(json!({ "tax_category": "NOPE" }), "tax_category", "does not exist");
    refused(json!({ "tax_type": "INCOME" }), "tax_type", "valid choice");
    let id = made["id"].as_str().expect("id");
    let flipped = admin
        .patch(&format!("/api/v1/tax-rates/{id}/"), &json!({ "valid_from": "2026-02-01", "valid_to": "2026-01-01" }));
    assert_field_error(&flipped, "valid_to", "on or after");
    // 2025 and 2026 rates in California, an exempt one, an inactive one, one in Texas.
    admin.patch(&format!("/api/v1/tax-rates/{id}/"), &json!({ "valid_from": "2026-01-01" }));
    rate(&admin, "US-CA", "CA 2025", "0.0800", json!({ "valid_from": "2025-01-01", "valid_to": "2025-12-31" }));
    rate(&admin, "US-CA", "CA exempt", "0", json!({ "tax_category": "EXEMPT" }));
    rate(&admin, "US-CA", "CA old", "0.07", json!({ "is_active": false, "valid_to": "2020-12-31", "priority": 5 }));
    rate(&admin, "US-TX", "TX State", "0.0625", json!({}));
    let names = |query: &str| keys(&get_ok(&anyone, &format!("/api/v1/tax-rates/?{query}")), "name");
    let all = ["CA State Sales Tax", "CA 2025", "CA exempt", "CA old", "TX State"];
    assert_eq!(names(""), all, "jurisdiction, priority, latest valid_from first (open ones last)");
    assert_eq!(names("jurisdiction=US-TX"), ["TX State"]);
    assert_eq!(names("jurisdiction__parent=US").len(), 5);
    assert_eq!(names("tax_category=EXEMPT"), ["CA exempt"]);
    assert_eq!(names("is_active=false"), ["CA old"]);
    assert_eq!(names("valid_from__gte=2026-01-01"), ["CA State Sales Tax"]);
    assert_eq!(names("valid_to__lte=2025-12-31&valid_to__gte=2025-01-01"), ["CA 2025"]);
    assert_eq!(names("valid_to__isnull=true&jurisdiction=US-CA"), ["CA State Sales Tax", "CA exempt"]);
    // Valid on a day: each end open or on the right side of it.
    let valid_on = |day: &str| {
        let filter = json!({ "and": [
            { "or": [{ "field": "valid_from", "op": "isnull", "value": true }, { "field": "valid_from", "op": "lte", "value": day }] },
            { "or": [{ "field": "valid_to", "op": "isnull", "value": true }, { "field": "valid_to", "op": "gte", "value": day }] },
            { "field": "jurisdiction", "op": "eq", "value": "US-CA" },
            { "field": "is_active", "op": "eq", "value": true } ] });
        names(&format!("filter={}", enc(&filter.to_string())))
    };
    assert_eq!(valid_on("2025-12-31"), ["CA 2025", "CA exempt"]);
    assert_eq!(valid_on("2026-01-01"), ["CA State Sales Tax", "CA exempt"]);
    assert_eq!(
        names("ordering=-rate&jurisdiction=US-CA&is_active=true"),
        ["CA State Sales Tax", "CA 2025", "CA exempt"]
    );
    assert_eq!(names("search=texas").len(), 0, "search covers names and codes");
    assert_eq!(names("search=US-TX"), ["TX State"]);
}

#[test]
fn calculate_follows_the_contract_examples() {
    let server = TestServer::start();
    let admin = server.admin();
    let anyone = server.client();
    let ca = rate(&admin, "US-CA", "CA State Sales Tax", "0.0825", json!({}));
    let body = |amount: &str, currency: &str| {
        json!({ "amount": amount, "jurisdiction": "US-CA", "tax_category": "STANDARD", "currency": currency,
            "date": "2026-03-01" })
    };
    let usd = calculated(&anyone, body("19.99", "USD"));
    assert_eq!(
        usd,
        json!({ "amount": "19.99", "currency": "USD", "tax_amount": "1.65", "total": "21.64", "breakdown": [
            { "tax_rate": ca["id"], "name": "CA State Sales Tax", "rate": "0.08250", "is_compound": false,
              "taxable_amount": "19.99", "tax_amount": "1.65" } ] })
    );
    let jpy = calculated(&anyone, body("1000", "JPY"));
    assert_eq!((&jpy["amount"], &jpy["tax_amount"], &jpy["total"]), (&json!("1000"), &json!("83"), &json!("1083")));
    let bhd = calculated(&anyone, body("10", "BHD"));
    assert_eq!((&bhd["tax_amount"], &bhd["total"]), (&json!("0.825"), &json!("10.825")));
    let exempt = calculated(
        &anyone,
        json!({ "amount": 19.99, "jurisdiction": "US-CA", "tax_category": "EXEMPT", "currency": "USD" }),
    );
    assert_eq!(
        exempt,
        json!({ "amount": "19.99", "currency": "USD", "tax_amount": "0.00", "total": "19.99", "breakdown": [] })
    );
    // A stale token does not stand in the way: the endpoint reads no credentials.
    let stale = calculate(&anyone.with_token("not-a-token"), body("1", "USD"));
    assert_eq!(stale.status, 200, "{}", stale.text);
}

#[test]
fn calculate_compounds_by_priority_and_honours_validity_edges() {
    let server = TestServer::start();
    let admin = server.admin();
    let anyone = server.client();
    created(
        &admin,
        "tax-jurisdictions",
        json!({ "code": "CA-QC", "name": "Quebec", "jurisdiction_type": "STATE_PROVINCE", "parent": "CA" }),
    );
    let edges = json!({ "valid_from": "2026-01-01", "valid_to": "2026-12-31" });
    let mut qst_body = edges.clone();
    qst_body
        .as_object_mut()
        .expect("object")
        .extend([("is_compound".into(), json!(true)), ("priority".into(), json!(2))]);
    let qst = rate(&admin, "CA-QC", "QST", "0.09975", qst_body);
    let mut gst_body = edges;
    gst_body.as_object_mut().expect("object").insert("priority".into(), json!(1));
    let gst = rate(&admin, "CA-QC", "GST", "0.05", gst_body);
    rate(&admin, "CA-QC", "Old GST", "0.07", json!({ "valid_to": "2025-12-31", "priority": 0 }));
    rate(&admin, "CA-QC", "Paused", "0.50", json!({ "is_active": false }));
    let on = |date: &str| {
        calculated(
            &anyone,
            json!({ "amount": "100", "jurisdiction": "CA-QC", "tax_category": "STANDARD", "currency": "CAD", "date": date }),
        )
    };
    let first_day = on("2026-01-01");
    assert_eq!(
        first_day["breakdown"],
        json!([
            { "tax_rate": gst["id"], "name": "GST", "rate": "0.05000", "is_compound": false, "taxable_amount": "100.00", "tax_amount": "5.00" },
            { "tax_rate": qst["id"], "name": "QST", "rate": "0.09975", "is_compound": true, "taxable_amount": "105.00", "tax_amount": "10.47" }
        ])
    );
    assert_eq!((&first_day["tax_amount"], &first_day["total"]), (&json!("15.47"), &json!("115.47")));
    assert_eq!(on("2026-12-31")["tax_amount"], "15.47", "the last day is inclusive");
    let before = on("2025-12-31");
    assert_eq!((&before["tax_amount"], &before["breakdown"][0]["name"]), (&json!("7.00"), &json!("Old GST")));
    assert_eq!(
        on("2027-01-01"),
        json!({ "amount": "100.00", "currency": "CAD", "tax_amount": "0.00", "total": "100.00", "breakdown": [] })
    );
}

#[test]
fn calculate_refuses_unknown_references_and_malformed_values() {
    let server = TestServer::start();
    let admin = server.admin();
    let anyone = server.client();
    let good = json!({ "amount": "10", "jurisdiction": "US-CA", "tax_category": "STANDARD", "currency": "USD", "date": "2026-01-01" });
    let with = |changes: Value| {
        let mut body = good.clone();
        body.as_object_mut().expect("object").extend(changes.as_object().expect("object").clone());
        calculate(&anyone, body)
    };
    assert_field_error(&with(json!({ "jurisdiction": "ZZ-NOPE" })), "jurisdiction", "does not exist");
    assert_field_error(&with(json!({ "tax_category": "NOPE" })), "tax_category", "does not exist");
    assert_field_error(&with(json!({ "currency": "XXY" })), "currency", "does not exist");
    assert_field_error(&with(json!({ "amount": "12,50" })), "amount", "valid number");
    assert_field_error(&with(json!({ "amount": true })), "amount", "valid number");
    assert_field_error(&with(json!({ "date": "01/02/2026" })), "date", "YYYY-MM-DD");
    assert_field_error(&with(json!({ "date": "2026-02-30" })), "date", "YYYY-MM-DD");
    assert_field_error(&with(json!({ "jurisdiction": "" })), "jurisdiction", "blank");
    assert_field_error(&with(json!({ "rate": "0.5" })), "rate", "Unknown field");
    let empty = calculate(&anyone, json!({}));
    for field in ["amount", "jurisdiction", "currency"] {
        assert_field_error(&empty, field, "required");
    }
    assert_field_error(&calculate(&anyone, json!([1])), "non_field_errors", "dictionary");
    admin.patch("/api/v1/tax-jurisdictions/US-TX/", &json!({ "is_active": false }));
    assert_field_error(&with(json!({ "jurisdiction": "US-TX" })), "jurisdiction", "not active");
    admin.patch("/api/v1/tax-categories/EXEMPT/", &json!({ "is_active": false }));
    assert_field_error(&with(json!({ "tax_category": "EXEMPT" })), "tax_category", "not active");
    rate(&admin, "US-CA", "Huge", "99999.99999", json!({}));
    let huge = with(json!({ "amount": "9999999999999999999999999", "currency": "BHD" }));
    assert_field_error(&huge, "amount", "too large");
    // Without a category, the rates of no category apply; no date means today.
    rate(&admin, "US-CA", "Any goods", "0.01", json!({ "tax_category": null }));
    let uncategorized = calculated(&anyone, json!({ "amount": "100", "jurisdiction": "US-CA", "currency": "USD" }));
    assert_eq!(
        (&uncategorized["tax_amount"], &uncategorized["breakdown"][0]["name"]),
        (&json!("1.00"), &json!("Any goods"))
    );
    assert_eq!(anyone.get("/api/v1/tax/calculate/").status, 405);
}
