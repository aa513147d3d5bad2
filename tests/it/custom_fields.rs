//! `custom-fields/` (API.md, custom fields): definitions per model, and every write's
//! `custom_fields` checked against them — types, choices, required keys (on create even when
//! the object is left out), defaults, unknown keys — with errors under the key; lists filtered
//! and ordered by `custom_fields.<key>` compared by the definition's type; the definitions
//! described in `meta/models/` and the OpenAPI document.

use serde_json::{Value, json};

use crate::common::{
    Client, TestServer, assert_detail, assert_field_error, define_custom_field, enc, get_ok, organization_with_member,
};

#[test]
fn values_are_checked_against_their_definitions() {
    let server = TestServer::start();
    let admin = server.admin();
    define_custom_field(&admin, "uom", "size", "choice", json!({ "choices": ["S", "M", "L"], "required": true }));
    define_custom_field(&admin, "uom", "weight", "number", json!({}));
    define_custom_field(&admin, "uom", "price", "decimal", json!({}));
    define_custom_field(&admin, "uom", "since", "date", json!({ "default": "2026-01-01" }));
    define_custom_field(&admin, "uom", "fragile", "boolean", json!({}));
    define_custom_field(&admin, "uom", "note", "text", json!({}));
    let base = json!({ "code": "CR", "name": "Crate", "uom_type": "Count" });
    let with = |cf: serde_json::Value| {
        let mut body = base.clone();
        body["custom_fields"] = cf;
        admin.post("/api/v1/uoms/", &body)
    };
    // A required key is required even when custom_fields is left out.
    let missing = admin.post("/api/v1/uoms/", &base);
    assert_eq!(missing.status, 400, "{}", missing.text);
    assert_eq!(missing.json["custom_fields"]["size"], json!(["This field is required."]));
    let wrong = with(json!({ "size": "XL", "weight": "heavy", "price": 12.5, "since": "01.01.2026", "fragile": "yes",
                             "note": 7, "colour": "red" }));
    assert_eq!(wrong.status, 400);
    for (key, needle) in [
        ("size", "not a valid choice"),
        ("weight", "number"),
        ("price", "decimal"),
        ("since", "YYYY-MM-DD"),
        ("fragile", "true or false"),
        ("note", "string"),
        ("colour", "No custom field"),
    ] {
        let messages = wrong.json["custom_fields"][key].to_string();
        assert!(messages.contains(needle), "{key}: {messages}");
    }
    let made = with(json!({ "size": "M", "weight": 2.5, "price": "12.50", "fragile": false, "note": "stack 3" }));
    assert_eq!(made.status, 201, "{}", made.text);
    assert_eq!(
        made.json["custom_fields"],
        json!({ "size": "M", "weight": 2.5, "price": "12.50", "fragile": false, "note": "stack 3", "since": "2026-01-01" }),
        "the default fills a key left out"
    );
    // An update checks what it sends.
    let refused = admin.patch("/api/v1/uoms/CR/", &json!({ "custom_fields": { "size": "XL" } }));
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json["custom_fields"]["size"][0], "\"XL\" is not a valid choice.");
    assert_eq!(get_ok(&admin, "/api/v1/uoms/CR/")["custom_fields"]["size"], "M", "nothing changed");
}

#[test]
fn definitions_are_configuration() {
    let server = TestServer::start();
    let admin = server.admin();
    let (_acme, acme_admin) = organization_with_member(&server, "Acme", "Admin");
    let body = json!({ "model": "organization", "key": "tier", "label": "Tier", "type": "text" });
    assert_detail(&acme_admin.post("/api/v1/custom-fields/", &body), 403, "permission_denied");
    assert_eq!(admin.post("/api/v1/custom-fields/", &body).status, 201);
    assert_field_error(&admin.post("/api/v1/custom-fields/", &body), "non_field_errors", "unique");
    let listed = get_ok(&acme_admin, "/api/v1/custom-fields/?model=organization");
    assert_eq!(listed["count"], 1, "members read the definitions their forms need");
    let bad = |extra: serde_json::Value, field: &str, needle: &str| {
        let mut body = json!({ "model": "uom", "key": "k", "label": "K", "type": "text" });
        body.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
        assert_field_error(&admin.post("/api/v1/custom-fields/", &body), field, needle);
    };
    bad(json!({ "model": "auditlog" }), "model", "no custom fields");
    bad(json!({ "key": "a b" }), "key", "letters");
    bad(json!({ "type": "choice" }), "choices", "needs its choices");
    bad(json!({ "choices": ["x"] }), "choices", "Only a choice field");
    bad(json!({ "type": "number", "default": "ten" }), "default", "number");
}

/// Units `ZA` … `ZD` with typed custom fields: weight (number), price (decimal), since (date),
/// size (choice S / M / L), fragile (boolean); `ZD` has none of them.
fn units(server: &TestServer) -> Client {
    let admin = server.admin();
    define_custom_field(&admin, "uom", "weight", "number", json!({}));
    define_custom_field(&admin, "uom", "price", "decimal", json!({}));
    define_custom_field(&admin, "uom", "since", "date", json!({}));
    define_custom_field(&admin, "uom", "size", "choice", json!({ "choices": ["S", "M", "L"] }));
    define_custom_field(&admin, "uom", "fragile", "boolean", json!({}));
    for (code, custom) in [
        ("ZA", json!({ "weight": 2, "price": "9.5", "since": "2024-01-10", "size": "S", "fragile": true })),
        ("ZB", json!({ "weight": 10.5, "price": "10.25", "since": "2024-02-29", "size": "M" })),
        ("ZC", json!({ "weight": 100, "price": "100.00", "since": "2023-12-31", "size": "L", "fragile": false })),
        ("ZD", json!({})),
    ] {
        let body =
            json!({ "code": code, "name": format!("Unit {code}"), "uom_type": "Count", "custom_fields": custom });
        let made = admin.post("/api/v1/uoms/", &body);
        assert_eq!(made.status, 201, "{}", made.text);
    }
    admin
}

/// The codes of the units `ZA` … `ZD` the list `query` answers, in its order.
fn codes(client: &Client, query: &str) -> Vec<String> {
    let list = get_ok(client, &format!("/api/v1/uoms/?code__in=ZA,ZB,ZC,ZD&{query}"));
    list["results"].as_array().expect("results").iter().map(|u| u["code"].as_str().expect("code").to_string()).collect()
}

/// `?filter=` of one condition.
fn filter(field: &str, op: &str, value: Value) -> String {
    format!("filter={}", enc(&json!({ "field": field, "op": op, "value": value }).to_string()))
}

#[test]
fn filters_compare_custom_fields_by_their_type() {
    let server = TestServer::start();
    let admin = units(&server);
    let sorted = |query: &str| {
        let mut found = codes(&admin, query);
        found.sort();
        found
    };
    assert_eq!(sorted(&filter("custom_fields.weight", "gt", json!(5))), ["ZB", "ZC"]);
    assert_eq!(sorted(&filter("custom_fields.weight", "lte", json!(10.5))), ["ZA", "ZB"]);
    assert_eq!(sorted(&filter("custom_fields.weight", "in", json!([2, 100.0]))), ["ZA", "ZC"]);
    // Decimals by value, not as text ("10.25" < "9.25" as text).
    assert_eq!(sorted(&filter("custom_fields.price", "gt", json!("9.25"))), ["ZA", "ZB", "ZC"]);
    assert_eq!(sorted(&filter("custom_fields.price", "lte", json!("10.250"))), ["ZA", "ZB"]);
    assert_eq!(sorted(&filter("custom_fields.price", "in", json!(["100", "9.50"]))), ["ZA", "ZC"]);
    let range = json!({ "and": [
        { "field": "custom_fields.since", "op": "gte", "value": "2024-01-01" },
        { "field": "custom_fields.since", "op": "lt", "value": "2024-03-01" },
    ] });
    assert_eq!(sorted(&format!("filter={}", enc(&range.to_string()))), ["ZA", "ZB"]);
    assert_eq!(sorted(&filter("custom_fields.size", "in", json!(["S", "L"]))), ["ZA", "ZC"]);
    assert_eq!(sorted(&filter("custom_fields.fragile", "eq", json!(false))), ["ZC"]);
    assert_eq!(sorted(&filter("custom_fields.fragile", "isnull", json!(true))), ["ZB", "ZD"]);
    assert_eq!(sorted(&filter("custom_fields.price", "neq", json!("9.50"))), ["ZB", "ZC", "ZD"]);
    // Query-string lookups read their text by the type too.
    assert_eq!(sorted("custom_fields__weight__gt=5"), ["ZB", "ZC"]);
    assert_eq!(sorted("custom_fields.price__lte=10.25"), ["ZA", "ZB"]);
    assert_eq!(sorted("custom_fields__fragile=true"), ["ZA"]);
    assert_eq!(sorted("custom_fields__since__gte=2024-01-01&custom_fields__size__in=M,L"), ["ZB"]);
    // Wrong operands are refused, naming the key.
    for (query, needle) in [
        (filter("custom_fields.size", "eq", json!("XL")), "\"XL\" is not a valid choice."),
        (filter("custom_fields.weight", "gt", json!("5")), "Enter a number."),
        (filter("custom_fields.price", "gt", json!(9.25)), "decimal number as a string"),
        (filter("custom_fields.since", "gte", json!("2024-1-1")), "YYYY-MM-DD"),
        (filter("custom_fields.fragile", "eq", json!("maybe")), "true or false"),
        (filter("custom_fields.weight", "icontains", json!("1")), "does not support text matching"),
        ("custom_fields__weight__gt=heavy".to_string(), "Enter a number."),
        ("custom_fields__size=XL".to_string(), "not a valid choice"),
    ] {
        let refused = admin.get(&format!("/api/v1/uoms/?{query}"));
        assert_detail(&refused, 400, "invalid_filter");
        let detail = refused.json["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("custom_fields.") && detail.contains(needle), "{query}: {detail}");
    }
}

#[test]
fn stored_values_of_another_type_count_as_missing() {
    let server = TestServer::start();
    let admin = server.admin();
    let note = define_custom_field(&admin, "uom", "grade", "text", json!({}));
    let base = |code: &str, grade: Value| json!({ "code": code, "name": format!("Unit {code}"), "uom_type": "Count", "custom_fields": { "grade": grade } });
    assert_eq!(admin.post("/api/v1/uoms/", &base("ZA", json!("12"))).status, 201);
    // The key becomes a number: ZA keeps the text written before.
    let id = note["id"].as_str().expect("id");
    assert_eq!(admin.delete(&format!("/api/v1/custom-fields/{id}/")).status, 204);
    define_custom_field(&admin, "uom", "grade", "number", json!({}));
    assert_eq!(admin.post("/api/v1/uoms/", &base("ZB", json!(12))).status, 201);
    assert_eq!(admin.post("/api/v1/uoms/", &base("ZC", json!(3))).status, 201);
    assert_eq!(codes(&admin, &filter("custom_fields.grade", "eq", json!(12))), ["ZB"]);
    assert_eq!(codes(&admin, &filter("custom_fields.grade", "isnull", json!(true))), ["ZA"]);
    assert_eq!(codes(&admin, "ordering=custom_fields.grade"), ["ZA", "ZC", "ZB"], "missing first ascending");
    assert_eq!(codes(&admin, "ordering=-custom_fields.grade"), ["ZB", "ZC", "ZA"], "and last descending");
}

#[test]
fn ordering_by_custom_fields_uses_typed_values() {
    let server = TestServer::start();
    let admin = units(&server);
    assert_eq!(codes(&admin, "ordering=custom_fields.price"), ["ZD", "ZA", "ZB", "ZC"], "9.5 before 10.25");
    assert_eq!(codes(&admin, "ordering=-custom_fields.price"), ["ZC", "ZB", "ZA", "ZD"]);
    assert_eq!(codes(&admin, "ordering=-custom_fields__weight"), ["ZC", "ZB", "ZA", "ZD"]);
    assert_eq!(codes(&admin, "ordering=custom_fields.since"), ["ZD", "ZC", "ZA", "ZB"]);
    // Ties (no size on ZD only; equal nulls) fall back to the next term and the key.
    assert_eq!(codes(&admin, "ordering=custom_fields.fragile,-code"), ["ZD", "ZB", "ZC", "ZA"]);
    for refused in [
        "/api/v1/uoms/?ordering=custom_fields.nope",
        "/api/v1/uoms/?ordering=-custom_fields.price%27)--",
        "/api/v1/uoms/?ordering=custom_fields.",
        "/api/v1/custom-fields/?ordering=custom_fields.price",
    ] {
        assert_detail(&admin.get(refused), 400, "invalid_ordering");
    }
}

#[test]
fn meta_and_openapi_describe_the_definitions() {
    let server = TestServer::start();
    let admin = server.admin();
    define_custom_field(
        &admin,
        "uom",
        "size",
        "choice",
        json!({ "choices": ["S", "M"], "required": true, "order": 2, "default": "S" }),
    );
    define_custom_field(&admin, "uom", "price", "decimal", json!({ "order": 1, "help_text": "Per unit." }));
    define_custom_field(&admin, "uom", "since", "date", json!({ "order": 1 }));
    let models = get_ok(&admin, "/api/v1/meta/models/");
    let model = |name: &str| {
        models["models"].as_array().expect("models").iter().find(|m| m["name"] == name).cloned().expect("model")
    };
    let listed = model("uom")["custom_fields"].clone();
    let keys: Vec<&str> =
        listed.as_array().expect("definitions").iter().map(|d| d["key"].as_str().expect("key")).collect();
    assert_eq!(keys, ["price", "since", "size"], "in order, then key order");
    assert_eq!(
        listed[2],
        json!({ "key": "size", "label": "size", "type": "choice", "required": true, "choices": ["S", "M"],
                "default": "S", "help_text": "", "order": 2 })
    );
    assert_eq!(listed[0]["help_text"], "Per unit.");
    assert_eq!(model("currency")["custom_fields"], json!([]), "a model with custom fields but no definitions");
    assert!(model("customfield").get("custom_fields").is_none(), "a model without custom fields");
    let anonymous = get_ok(&server.client(), "/api/v1/meta/models/");
    assert!(!anonymous.to_string().contains("Per unit."), "definitions are for those who may read them");

    let doc = get_ok(&admin, "/api/v1/openapi.json");
    oas3::from_json(doc.to_string()).expect("still valid OpenAPI 3.1");
    let list = &doc["paths"]["/api/v1/uoms/"]["get"];
    let item_ref = list["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["results"]["items"]
        ["$ref"]
        .as_str()
        .expect("a schema reference");
    let schema = doc.pointer(item_ref.trim_start_matches('#')).expect("schema");
    jsonschema::meta::validate(schema).expect("a valid JSON Schema");
    let custom = &schema["properties"]["custom_fields"];
    assert_eq!(custom["required"], json!(["size"]));
    assert_eq!(custom["additionalProperties"], json!(false));
    assert_eq!(custom["properties"]["size"]["enum"], json!(["S", "M"]));
    assert_eq!(custom["properties"]["size"]["type"], "string");
    assert_eq!(custom["properties"]["since"]["format"], "date");
    assert_eq!(custom["properties"]["since"]["type"], json!(["string", "null"]));
    assert_eq!(custom["properties"]["price"]["pattern"], "^-?[0-9]+(\\.[0-9]+)?$");
    assert_eq!(custom["properties"]["price"]["description"], "Per unit.");
    let parameters = list["parameters"].as_array().expect("parameters");
    let size = parameters.iter().find(|p| p["name"] == "custom_fields__size").expect("a typed lookup");
    assert_eq!(size["schema"]["enum"], json!(["S", "M"]));
    let since = parameters.iter().find(|p| p["name"] == "custom_fields__since").expect("a typed lookup");
    assert_eq!(since["schema"]["type"], "string", "a query-string value is never null");
    // What the document describes is what the API answers.
    let made = admin.post(
        "/api/v1/uoms/",
        &json!({ "code": "ZA", "name": "Unit ZA", "uom_type": "Count", "custom_fields": { "price": "1.50" } }),
    );
    assert_eq!(made.status, 201, "{}", made.text);
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    if let Err(error) = validator.validate(&made.json) {
        panic!("{} does not match its schema: {error}", made.json);
    }
    let wrong = json!({ "price": 1.5, "size": "S" });
    assert!(!jsonschema::validator_for(custom).expect("compiles").is_valid(&wrong));
    let anonymous = get_ok(&server.client(), "/api/v1/openapi.json");
    assert!(
        anonymous
            .pointer(&format!("{}/properties/custom_fields/properties", item_ref.trim_start_matches('#')))
            .is_none()
    );
}
