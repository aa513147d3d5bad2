//! The OpenAPI document is valid OpenAPI 3.1 (parsed by the `oas3` crate, every schema checked
//! against the JSON Schema 2020-12 meta-schema by `jsonschema`), documents every route (`me`
//! included for owner-scoped models) with exactly the methods the router answers, and real
//! responses conform to the schemas it publishes.

use plinth::engine::Scope;
use serde_json::Value;

use crate::common::TestServer;

fn document(server: &TestServer) -> Value {
    let resp = server.client().get("/api/v1/openapi.json");
    assert_eq!(resp.status, 200);
    resp.json
}

#[test]
fn openapi_document_is_valid_openapi_3_1() {
    let server = TestServer::start();
    let doc = document(&server);
    let spec = oas3::from_json(doc.to_string()).expect("the document parses as OpenAPI 3.1");
    let version = spec.validate_version().expect("supported OpenAPI version");
    assert_eq!((version.major, version.minor), (3, 1));
    for (name, schema) in doc["components"]["schemas"].as_object().expect("schemas") {
        if let Err(error) = jsonschema::meta::validate(schema) {
            panic!("components.schemas.{name} is not a valid JSON Schema: {error}");
        }
    }
    let mut operation_ids = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (method, op) in item.as_object().expect("path item") {
            if method == "parameters" {
                continue;
            }
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(!operation_ids.contains(&id.to_string()), "duplicate operationId {id}");
            operation_ids.push(id.to_string());
        }
    }
    assert_refs_resolve(&doc, &doc);
}

/// Every `$ref` in the document points at something that exists.
fn assert_refs_resolve(doc: &Value, node: &Value) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                let pointer = target.strip_prefix('#').expect("local reference");
                assert!(doc.pointer(pointer).is_some(), "unresolved $ref {target}");
            }
            map.values().for_each(|v| assert_refs_resolve(doc, v));
        }
        Value::Array(items) => items.iter().for_each(|v| assert_refs_resolve(doc, v)),
        _ => {}
    }
}

#[test]
fn every_model_is_documented_and_its_responses_match_the_schema() {
    let server = TestServer::start();
    let doc = document(&server);
    // Logging in leaves an entry, so every list (the audit trail too) has rows to check; an
    // organization with a membership fills the rest.
    let admin = server.admin();
    let (acme, _) = crate::common::organization_with_member(&server, "Acme", "Admin");
    let (someone, _) = crate::common::user(&server, "someone");
    let viewer = crate::common::role_id(&admin, "Viewer");
    let held = admin.post("/api/v1/user-roles/", &serde_json::json!({ "user": someone, "role": viewer }));
    assert_eq!(held.status, 201, "{}", held.text);
    let invited = admin.post(
        "/api/v1/invitations/",
        &serde_json::json!({ "organization": acme, "role": viewer, "email": "new@example.com" }),
    );
    assert_eq!(invited.status, 201, "{}", invited.text);
    let tier = serde_json::json!({ "choices": ["A", "B"] });
    crate::common::define_custom_field(&admin, "organization", "tier", "choice", tier);
    let tagged =
        admin.patch(&format!("/api/v1/organizations/{acme}/"), &serde_json::json!({ "tags": ["Key account"] }));
    assert_eq!(tagged.status, 200, "{}", tagged.text);
    let contact = admin.post(
        "/api/v1/contacts/",
        &serde_json::json!({
            "first_name": "Ada", "organization": acme, "tags": ["VIP"],
            "email_addresses": [{ "email": "ada@example.com", "is_primary": true }],
            "phone_numbers": [{ "phone_number": "+442071838750" }],
            "addresses": [{ "address": { "city": "London", "country": "GB", "latitude": "51.5" }, "address_type": "home" }],
        }),
    );
    assert_eq!(contact.status, 201, "{}", contact.text);
    // Warehouses with and without an address shown whole, each with a location tree.
    let address = &contact.json["addresses"][0]["address"]["id"];
    for (code, address) in [("D1", address.clone()), ("V1", serde_json::Value::Null)] {
        let body = serde_json::json!({ "name": code, "code": code, "organization": acme,
                                       "warehouse_type": "OTHER", "address": address, "tags": ["Cold"] });
        let depot = admin.post("/api/v1/warehouses/", &body);
        assert_eq!(depot.status, 201, "{}", depot.text);
        let zone = admin
            .post("/api/v1/stock-locations/", &serde_json::json!({ "name": "Zone", "warehouse": depot.json["id"] }));
        assert_eq!(zone.status, 201, "{}", zone.text);
        let bin = serde_json::json!({ "name": "Bin", "warehouse": depot.json["id"], "parent": zone.json["id"], "barcode": "B1" });
        assert_eq!(admin.post("/api/v1/stock-locations/", &bin).status, 201);
    }
    let category =
        admin.post("/api/v1/categories/", &serde_json::json!({ "name": "Tools", "category_type": "PRODUCT" }));
    assert_eq!(category.status, 201, "{}", category.text);
    let product = serde_json::json!({ "name": "Drill", "sku": "D-1", "product_type": "PHYSICAL_GOOD", "base_uom": "EA",
        "organization": acme, "category": category.json["id"], "tags": ["power"], "tax_category": "STANDARD" });
    let product = admin.post("/api/v1/products/", &product);
    assert_eq!(product.status, 201, "{}", product.text);
    let rate = serde_json::json!({ "jurisdiction": "US-CA", "tax_category": "STANDARD", "name": "CA", "rate": "0.0825",
        "tax_type": "SALES", "valid_from": "2026-01-01" });
    assert_eq!(admin.post("/api/v1/tax-rates/", &rate).status, 201);
    for model in plinth::modules::registry().models().iter().filter(|m| !m.def.nested) {
        let plural = model.def.plural;
        let list_path = format!("/api/v1/{plural}/");
        assert!(doc["paths"][&list_path]["get"].is_object(), "{list_path} undocumented");
        assert!(doc["paths"][format!("/api/v1/{plural}/{{key}}/")]["get"].is_object(), "{plural} detail undocumented");
        let schema_ref =
            doc["paths"][&list_path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
                ["results"]["items"]["$ref"]
                .as_str()
                .expect("list items reference a schema");
        assert!(doc.pointer(schema_ref.trim_start_matches('#')).is_some(), "{schema_ref} exists");
        // The document's components travel along: a schema refers to others (a contact's items).
        let schema = serde_json::json!({ "$ref": schema_ref, "components": doc["components"] });
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let page = admin.get(&format!("{list_path}?page_size=5"));
        assert_eq!(page.status, 200, "{list_path}");
        let results = page.json["results"].as_array().expect("results");
        assert!(!results.is_empty(), "{list_path} has seeded rows");
        for item in results {
            if let Err(error) = validator.validate(item) {
                panic!("{list_path}: {item} does not match its schema: {error}");
            }
        }
    }
}

#[test]
fn model_actions_are_documented() {
    let server = TestServer::start();
    let doc = document(&server);
    assert!(doc["paths"]["/api/v1/uoms/convert/"]["get"].is_object());
    for fixed in
        ["token/", "token/refresh/", "logout/", "password/change/", "password/reset/", "password/reset/confirm/"]
    {
        assert!(doc["paths"][format!("/api/v1/auth/{fixed}")]["post"].is_object(), "auth/{fixed} undocumented");
    }
    assert!(doc["paths"]["/api/v1/countries/"]["post"].is_null(), "read-only vocabularies document no writes");
    for fixed in ["/api/v1/meta/permissions/", "/api/v1/users/me/organizations/"] {
        assert!(doc["paths"][fixed]["get"].is_object(), "{fixed} undocumented");
    }
    for action in ["children", "descendants", "ancestors"] {
        assert!(doc["paths"][format!("/api/v1/organizations/{{key}}/{action}/")]["get"].is_object(), "{action}");
    }
    let profiles = &doc["paths"]["/api/v1/profiles/{key}/"];
    assert!(profiles["patch"].is_object() && profiles["delete"].is_null(), "profiles are changed, never deleted");
    assert!(doc["paths"]["/api/v1/profiles/"]["post"].is_null(), "profiles come with their users");
}

#[test]
fn the_tax_calculation_answers_what_it_documents() {
    let server = TestServer::start();
    let doc = document(&server);
    let admin = server.admin();
    let rate = serde_json::json!({ "jurisdiction": "US-CA", "tax_category": "STANDARD", "name": "CA", "rate": "0.0825",
        "tax_type": "SALES", "is_compound": true });
    assert_eq!(admin.post("/api/v1/tax-rates/", &rate).status, 201);
    let op = &doc["paths"]["/api/v1/tax/calculate/"]["post"];
    assert_eq!(op["security"], serde_json::json!([]), "public");
    let compile = |schema: &Value| jsonschema::validator_for(schema).expect("schema compiles");
    let request = compile(&op["requestBody"]["content"]["application/json"]["schema"]);
    let answer = compile(&op["responses"]["200"]["content"]["application/json"]["schema"]);
    let body = serde_json::json!({ "amount": "19.99", "jurisdiction": "US-CA", "tax_category": "STANDARD",
        "currency": "USD", "date": "2026-01-01" });
    assert!(request.is_valid(&body));
    let resp = server.client().post("/api/v1/tax/calculate/", &body);
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.json["breakdown"].as_array().map(Vec::len), Some(1));
    if let Err(error) = answer.validate(&resp.json) {
        panic!("tax/calculate/: {} does not match its schema: {error}", resp.json);
    }
}

#[test]
fn owner_scoped_models_document_their_own_object_as_me() {
    let server = TestServer::start();
    let doc = document(&server);
    let owned: Vec<_> =
        plinth::modules::registry().models().iter().filter(|m| matches!(m.def.scope, Scope::Owner(_))).collect();
    assert!(!owned.is_empty(), "profiles are owner-scoped");
    for model in owned {
        let path = format!("/api/v1/{}/me/", model.def.plural);
        let item = &doc["paths"][format!("/api/v1/{}/{{key}}/", model.def.plural)];
        for method in ["get", "put", "patch", "delete"] {
            assert_eq!(doc["paths"][&path][method].is_object(), item[method].is_object(), "{method} {path}");
        }
    }
    let me = &doc["paths"]["/api/v1/profiles/me/"];
    assert!(me["get"].is_object() && me["put"].is_object() && me["patch"].is_object(), "{me}");
    assert!(me["delete"].is_null() && me["parameters"].is_null(), "{me}");
    // What it documents is what the route answers.
    let schema_ref = me["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .expect("a schema reference");
    let schema = doc.pointer(schema_ref.trim_start_matches('#')).expect("schema exists");
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    let mine = server.admin().get("/api/v1/profiles/me/");
    assert_eq!(mine.status, 200, "{}", mine.text);
    if let Err(error) = validator.validate(&mine.json) {
        panic!("profiles/me/: {} does not match its schema: {error}", mine.json);
    }
}

#[test]
fn every_route_answers_exactly_the_methods_it_documents() {
    // The router and the document come from the same tables: an unknown method on any
    // documented path is refused with exactly the documented methods in `Allow`.
    let server = TestServer::start();
    let doc = document(&server);
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let mut documented: Vec<String> = ["get", "post", "put", "patch", "delete"]
            .iter()
            .filter(|method| item[**method].is_object())
            .map(|method| method.to_uppercase())
            .collect();
        if item["get"].is_object() {
            documented.push("HEAD".into());
        }
        let resp = server.client().request("OPTIONS", &path.replace("{key}", "x"), &[], None);
        assert_eq!(resp.status, 405, "OPTIONS {path}: {}", resp.text);
        let allowed: Vec<String> =
            resp.header("Allow").unwrap_or_default().split(',').map(|m| m.trim().to_string()).collect();
        assert_eq!(allowed, documented, "{path}");
    }
}

#[test]
fn the_validators_reject_broken_documents() {
    let server = TestServer::start();
    let mut doc = document(&server);
    doc["components"]["schemas"]["Currency"]["type"] = Value::from(42);
    assert!(jsonschema::meta::validate(&doc["components"]["schemas"]["Currency"]).is_err());
    doc.as_object_mut().expect("object").remove("info");
    assert!(oas3::from_json(doc.to_string()).is_err(), "a document without info is refused");
}
