//! `custom-fields/` (API.md, custom fields): definitions per model, and every write's
//! `custom_fields` checked against them — types, choices, required keys (on create even when
//! the object is left out), defaults, unknown keys — with errors under the key.

use serde_json::json;

use crate::common::{
    TestServer, assert_detail, assert_field_error, define_custom_field, get_ok, organization_with_member,
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
