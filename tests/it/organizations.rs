//! `organizations/`: fields and defaults, uniqueness rules, dates, tags, the tree actions,
//! cycles and protected deletes.

use serde_json::json;

use crate::common::{TestServer, assert_detail, assert_field_error, assert_not_found, get_ok, organization};

fn ids(page: &serde_json::Value) -> Vec<String> {
    let results = page["results"].as_array().unwrap_or_else(|| panic!("not a page: {page}"));
    results.iter().map(|o| o["name"].as_str().expect("name").to_string()).collect()
}

#[test]
fn an_organization_has_every_field_with_its_defaults() {
    let server = TestServer::start();
    let admin = server.admin();
    let created = organization(&admin, "Acme", None);
    for (field, value) in [
        ("status", json!("active")),
        ("timezone", json!("UTC")),
        ("language", json!("en")),
        ("tags", json!([])),
        ("metadata", json!({})),
        ("custom_fields", json!({})),
        ("parent", json!(null)),
        ("parent_name", json!(null)),
        ("currency", json!(null)),
        ("primary_contact", json!(null)),
        ("primary_address", json!(null)),
        ("effective_date", json!(null)),
        ("end_date", json!(null)),
        ("organization_type", json!("Company")),
    ] {
        assert_eq!(created[field], value, "{field} in {created}");
    }
    for field in ["id", "created_at", "updated_at", "created_by", "updated_by"] {
        assert!(!created[field].is_null(), "{field} filled by the engine: {created}");
    }
    let id = created["id"].as_str().expect("id");
    let body = json!({
        "currency": "EUR", "timezone": "Europe/Berlin", "language": "de-DE", "tags": ["hq", " main "],
        "metadata": {"vat": "DE123"}, "effective_date": "2026-01-01", "end_date": "2026-12-31", "status": "inactive"
    });
    let changed = admin.patch(&format!("/api/v1/organizations/{id}/"), &body);
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.json["tags"], json!(["hq", "main"]));
    assert_eq!(changed.json["language"], "de-DE");
    assert_eq!(changed.json["metadata"]["vat"], "DE123");
    assert_field_error(
        &admin.patch(&format!("/api/v1/organizations/{id}/"), &json!({ "status": "gone" })),
        "status",
        "valid choice",
    );
    assert_field_error(
        &admin.patch(&format!("/api/v1/organizations/{id}/"), &json!({ "currency": "XXX1" })),
        "currency",
        "does not exist",
    );
    assert_field_error(
        &admin.patch(&format!("/api/v1/organizations/{id}/"), &json!({ "language": "not a tag" })),
        "language",
        "language tag",
    );
    assert_field_error(&admin.patch(&format!("/api/v1/organizations/{id}/"), &json!({ "tags": "hq" })), "tags", "list");
    let missing = admin.post("/api/v1/organizations/", &json!({ "name": "No type", "code": "NT" }));
    assert_field_error(&missing, "organization_type", "required");
}

#[test]
fn codes_are_unique_regardless_of_case_and_names_among_siblings() {
    let server = TestServer::start();
    let admin = server.admin();
    let root = organization(&admin, "Acme", None);
    let root_id = root["id"].as_str().expect("id");
    let same_code = admin
        .post("/api/v1/organizations/", &json!({ "name": "Other", "code": "acme", "organization_type": "Company" }));
    assert_field_error(&same_code, "code", "already exists");
    let same_root_name =
        admin.post("/api/v1/organizations/", &json!({ "name": "Acme", "code": "A2", "organization_type": "Company" }));
    assert_eq!(same_root_name.status, 400, "two roots with one name: {}", same_root_name.text);
    let child = json!({ "name": "Sales", "code": "S1", "organization_type": "Department", "parent": root_id });
    assert_eq!(admin.post("/api/v1/organizations/", &child).status, 201);
    let twin = json!({ "name": "Sales", "code": "S2", "organization_type": "Department", "parent": root_id });
    assert_field_error(&admin.post("/api/v1/organizations/", &twin), "non_field_errors", "unique");
    let elsewhere = organization(&admin, "Globex", None);
    let cousin = json!({ "name": "Sales", "code": "S3", "organization_type": "Department", "parent": elsewhere["id"] });
    assert_eq!(admin.post("/api/v1/organizations/", &cousin).status, 201, "same name under another parent");
}

#[test]
fn the_end_date_cannot_precede_the_effective_date() {
    let server = TestServer::start();
    let admin = server.admin();
    let body = json!({ "name": "Acme", "code": "A", "organization_type": "Company",
                       "effective_date": "2026-05-01", "end_date": "2026-04-30" });
    assert_field_error(&admin.post("/api/v1/organizations/", &body), "end_date", "on or after");
    let id = organization(&admin, "Globex", None)["id"].as_str().expect("id").to_string();
    assert_eq!(admin.patch(&format!("/api/v1/organizations/{id}/"), &json!({ "end_date": "2026-01-01" })).status, 200);
    let before = admin.patch(&format!("/api/v1/organizations/{id}/"), &json!({ "effective_date": "2026-02-01" }));
    assert_field_error(&before, "end_date", "on or after");
}

#[test]
fn the_tree_lists_children_descendants_and_ancestors() {
    let server = TestServer::start();
    let admin = server.admin();
    let root = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    let sales = organization(&admin, "Sales", Some(&root))["id"].as_str().expect("id").to_string();
    let north = organization(&admin, "North", Some(&sales))["id"].as_str().expect("id").to_string();
    organization(&admin, "Finance", Some(&root));
    assert_eq!(ids(&get_ok(&admin, &format!("/api/v1/organizations/{root}/children/"))), ["Finance", "Sales"]);
    assert_eq!(
        ids(&get_ok(&admin, &format!("/api/v1/organizations/{root}/descendants/"))),
        ["Finance", "North", "Sales"]
    );
    assert_eq!(ids(&get_ok(&admin, &format!("/api/v1/organizations/{north}/ancestors/"))), ["Acme", "Sales"]);
    assert_eq!(get_ok(&admin, &format!("/api/v1/organizations/{root}/ancestors/"))["count"], 0);
    assert_eq!(get_ok(&admin, &format!("/api/v1/organizations/{north}/"))["parent_name"], "Sales");
    assert_eq!(ids(&get_ok(&admin, &format!("/api/v1/organizations/?parent={root}"))), ["Finance", "Sales"]);
    assert_not_found(&admin.get("/api/v1/organizations/no-such-id/descendants/"));
}

#[test]
fn a_node_cannot_move_under_itself_or_its_descendants() {
    let server = TestServer::start();
    let admin = server.admin();
    let root = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    let sales = organization(&admin, "Sales", Some(&root))["id"].as_str().expect("id").to_string();
    let north = organization(&admin, "North", Some(&sales))["id"].as_str().expect("id").to_string();
    for parent in [&root, &north] {
        let moved = admin.patch(&format!("/api/v1/organizations/{root}/"), &json!({ "parent": parent }));
        assert_field_error(&moved, "parent", "itself or one of its descendants");
    }
    let moved = admin.patch(&format!("/api/v1/organizations/{north}/"), &json!({ "parent": root }));
    assert_eq!(moved.status, 200, "a legal move: {}", moved.text);
    assert_eq!(get_ok(&admin, &format!("/api/v1/organizations/{root}/children/"))["count"], 2);
}

#[test]
fn every_node_knows_its_level_and_path_and_a_move_carries_its_subtree() {
    let server = TestServer::start();
    let admin = server.admin();
    let acme = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    let sales = organization(&admin, "Sales", Some(&acme))["id"].as_str().expect("id").to_string();
    let north = organization(&admin, "North", Some(&sales))["id"].as_str().expect("id").to_string();
    let desk = organization(&admin, "Desk", Some(&north))["id"].as_str().expect("id").to_string();
    let globex = organization(&admin, "Globex", None)["id"].as_str().expect("id").to_string();
    let node = |id: &str| get_ok(&admin, &format!("/api/v1/organizations/{id}/"));
    assert_eq!((node(&acme)["level"].clone(), node(&desk)["level"].clone()), (json!(0), json!(3)));
    assert_eq!(node(&desk)["tree_path"], format!("/{acme}/{sales}/{north}/{desk}/"));
    let ignored = admin.patch(&format!("/api/v1/organizations/{north}/"), &json!({ "level": 9, "tree_path": "/x/" }));
    assert_eq!(ignored.json["level"], 2, "level and path are the engine's: {}", ignored.text);
    // Moving Sales under Globex moves North and Desk along.
    assert_eq!(admin.patch(&format!("/api/v1/organizations/{sales}/"), &json!({ "parent": globex })).status, 200);
    assert_eq!(node(&desk)["tree_path"], format!("/{globex}/{sales}/{north}/{desk}/"));
    assert_eq!(node(&desk)["level"], 3);
    // To a root and back: levels shift by the move.
    assert_eq!(admin.patch(&format!("/api/v1/organizations/{north}/"), &json!({ "parent": null })).status, 200);
    assert_eq!(
        (node(&north)["level"].clone(), node(&desk)["tree_path"].clone()),
        (json!(0), json!(format!("/{north}/{desk}/")))
    );
    // The subtree is one path range: filter on it.
    let filter = json!({ "field": "tree_path", "op": "startswith", "value": format!("/{globex}/") }).to_string();
    let below = get_ok(&admin, &format!("/api/v1/organizations/?filter={}", crate::common::enc(&filter)));
    assert_eq!(ids(&below), ["Globex", "Sales"]);
    assert_eq!(ids(&get_ok(&admin, "/api/v1/organizations/?level=0")), ["Acme", "Globex", "North"]);
}

#[test]
fn a_tree_is_at_most_thirty_two_levels_deep_whether_grown_or_moved() {
    let server = TestServer::start();
    let admin = server.admin();
    let mut chain = vec![organization(&admin, "L0", None)["id"].as_str().expect("id").to_string()];
    for level in 1..32 {
        let parent = chain.last().map(String::as_str);
        chain.push(organization(&admin, &format!("L{level}"), parent)["id"].as_str().expect("id").to_string());
    }
    let deeper = json!({ "name": "L32", "code": "L32", "organization_type": "Team", "parent": chain[31] });
    assert_field_error(&admin.post("/api/v1/organizations/", &deeper), "parent", "at most 32 levels");
    // A node moves with its subtree: the subtree's deepest row must fit too.
    let top = organization(&admin, "Top", None)["id"].as_str().expect("id").to_string();
    let below = organization(&admin, "Below", Some(&top))["id"].as_str().expect("id").to_string();
    let moved = admin.patch(&format!("/api/v1/organizations/{top}/"), &json!({ "parent": chain[30] }));
    assert_field_error(&moved, "parent", "at most 32 levels");
    assert_eq!(get_ok(&admin, &format!("/api/v1/organizations/{below}/"))["tree_path"], format!("/{top}/{below}/"));
    let moved = admin.patch(&format!("/api/v1/organizations/{top}/"), &json!({ "parent": chain[29] }));
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(get_ok(&admin, &format!("/api/v1/organizations/{below}/"))["level"], 31);
}

#[test]
fn a_parent_with_children_cannot_be_deleted() {
    let server = TestServer::start();
    let admin = server.admin();
    let root = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    let child = organization(&admin, "Sales", Some(&root))["id"].as_str().expect("id").to_string();
    assert_detail(&admin.delete(&format!("/api/v1/organizations/{root}/")), 409, "protected");
    assert_eq!(get_ok(&admin, &format!("/api/v1/organizations/{child}/"))["parent"], root.as_str(), "nothing changed");
    assert_eq!(get_ok(&admin, "/api/v1/audit-logs/?action=DELETE")["count"], 0, "nor was anything recorded");
    assert_eq!(admin.delete(&format!("/api/v1/organizations/{child}/")).status, 204);
    assert_eq!(admin.delete(&format!("/api/v1/organizations/{root}/")).status, 204);
    assert_not_found(&admin.get(&format!("/api/v1/organizations/{root}/")));
}

#[test]
fn tags_filter_matches_any_of_the_tags() {
    let server = TestServer::start();
    let admin = server.admin();
    for (name, tags) in [("Acme", json!(["hq", "eu"])), ("Globex", json!(["us"])), ("Initech", json!([]))] {
        let body = json!({ "name": name, "code": name, "organization_type": "Company", "tags": tags });
        assert_eq!(admin.post("/api/v1/organizations/", &body).status, 201);
    }
    assert_eq!(ids(&get_ok(&admin, "/api/v1/organizations/?tags=eu")), ["Acme"]);
    assert_eq!(ids(&get_ok(&admin, "/api/v1/organizations/?tags=eu,us")), ["Acme", "Globex"]);
    let filter = crate::common::enc(r#"{"field": "tags", "op": "in", "value": ["us"]}"#);
    assert_eq!(ids(&get_ok(&admin, &format!("/api/v1/organizations/?filter={filter}"))), ["Globex"]);
    assert_eq!(ids(&get_ok(&admin, "/api/v1/organizations/?search=glo")), ["Globex"]);
    assert_eq!(admin.get("/api/v1/organizations/?tags__gt=a").status, 400);
}

#[test]
fn root_organizations_are_for_superusers() {
    let server = TestServer::start();
    let (org, admin_of_acme) = crate::common::organization_with_member(&server, "Acme", "Admin");
    let root = json!({ "name": "Rogue", "code": "R", "organization_type": "Company" });
    assert_detail(&admin_of_acme.post("/api/v1/organizations/", &root), 403, "permission_denied");
    let child = json!({ "name": "Branch", "code": "B", "organization_type": "Location/Branch", "parent": org });
    assert_eq!(admin_of_acme.post("/api/v1/organizations/", &child).status, 201, "Admin adds under its organization");
    let to_root = admin_of_acme.patch(&format!("/api/v1/organizations/{org}/"), &json!({ "parent": null }));
    assert_eq!(to_root.status, 200, "unchanged parent needs no more rights: {}", to_root.text);
}
