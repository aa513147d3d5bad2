//! `roles/`, `meta/permissions/`, `organization-memberships/` and `users/me/organizations/`:
//! seeded roles, permission vocabulary, no escalation, and PERMISSION_ASSIGN / _REVOKE.

use serde_json::{Value, json};

use crate::common::{
    TestServer, add_member, assert_detail, assert_field_error, get_ok, organization, organization_with_member, role_id,
    user,
};

#[test]
fn the_four_roles_are_seeded_and_permissions_are_listed() {
    let server = TestServer::start();
    let admin = server.admin();
    let roles = get_ok(&admin, "/api/v1/roles/");
    let names: Vec<&str> =
        roles["results"].as_array().expect("results").iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["Admin", "Manager", "Staff", "Viewer"]);
    assert_eq!(roles["results"][3]["permissions"], json!(["*.view"]));
    let permissions = get_ok(&admin, "/api/v1/meta/permissions/")["permissions"].clone();
    let codes: Vec<&str> =
        permissions.as_array().expect("list").iter().filter_map(|p| p["permission"].as_str()).collect();
    for expected in [
        "organization.view",
        "organization.add",
        "organizationmembership.delete",
        "currency.change",
        "auditlog.view",
        "role.add",
    ] {
        assert!(codes.contains(&expected), "{expected} listed: {codes:?}");
    }
    for absent in ["user.add", "country.add", "auditlog.add", "userprofile.change"] {
        assert!(!codes.contains(&absent), "{absent} is not a grantable permission");
    }
    assert_eq!(permissions[0]["label"].as_str().map(|l| l.starts_with("Can ")), Some(true));
}

#[test]
fn role_permissions_must_be_known() {
    let server = TestServer::start();
    let admin = server.admin();
    let bad = admin.post("/api/v1/roles/", &json!({ "name": "Odd", "permissions": ["currency.fly", 3] }));
    assert_field_error(&bad, "permissions", "Unknown permission \"currency.fly\"");
    assert_field_error(&bad, "permissions", "must be a string");
    let good = admin.post(
        "/api/v1/roles/",
        &json!({ "name": "Buyer", "permissions": ["currency.*", "*.view", "organization.add"] }),
    );
    assert_eq!(good.status, 201, "{}", good.text);
    assert_field_error(&admin.post("/api/v1/roles/", &json!({ "name": "buyer" })), "name", "already exists");
}

#[test]
fn organization_roles_stay_within_what_their_makers_hold() {
    let server = TestServer::start();
    let admin = server.admin();
    let (globex, manager) = organization_with_member(&server, "Globex", "Manager");
    let in_globex =
        |name: &str, permissions: Value| json!({ "name": name, "permissions": permissions, "organization": globex });
    let wider = manager.post("/api/v1/roles/", &in_globex("Everything", json!(["*"])));
    assert_detail(&wider, 403, "permission_denied");
    let narrower = manager.post("/api/v1/roles/", &in_globex("Readers", json!(["organization.view"])));
    assert_eq!(narrower.status, 201, "{}", narrower.text);
    assert_eq!(
        (&narrower.json["organization"], &narrower.json["organization_name"]),
        (&json!(globex), &json!("Globex"))
    );
    let id = narrower.json["id"].as_str().expect("id");
    let raised = manager.patch(&format!("/api/v1/roles/{id}/"), &json!({ "permissions": ["*"] }));
    assert_detail(&raised, 403, "permission_denied");
    let moved = manager.patch(&format!("/api/v1/roles/{id}/"), &json!({ "organization": null }));
    assert_field_error(&moved, "organization", "cannot be changed");
    let global =
        manager.post("/api/v1/roles/", &json!({ "name": "Shared readers", "permissions": ["organization.view"] }));
    assert_detail(&global, 403, "permission_denied");
    let admin_role = role_id(&admin, "Admin");
    assert_detail(
        &manager.patch(&format!("/api/v1/roles/{admin_role}/"), &json!({ "description": "mine now" })),
        403,
        "permission_denied",
    );
    let same_name = admin.post("/api/v1/roles/", &json!({ "name": "readers", "permissions": [] }));
    assert_eq!(same_name.status, 201, "a global role may share a name with an organization's: {}", same_name.text);
    assert_field_error(&manager.post("/api/v1/roles/", &in_globex("READERS", json!([]))), "non_field_errors", "unique");
}

#[test]
fn memberships_are_unique_and_assigning_a_role_needs_holding_it() {
    let server = TestServer::start();
    let admin = server.admin();
    let (org, manager) = organization_with_member(&server, "Acme", "Manager");
    let (carol, _) = user(&server, "carol");
    let membership = add_member(&admin, &carol, &org, "Viewer");
    for (field, value) in [("username", "carol"), ("organization_name", "Acme"), ("role_name", "Viewer")] {
        assert_eq!(membership[field], value, "{membership}");
    }
    assert_eq!(membership["is_active"], true);
    let twice = json!({ "user": carol, "organization": org, "role": role_id(&admin, "Staff") });
    assert_field_error(&admin.post("/api/v1/organization-memberships/", &twice), "non_field_errors", "unique set");
    let id = membership["id"].as_str().expect("id");
    let to_admin =
        manager.patch(&format!("/api/v1/organization-memberships/{id}/"), &json!({ "role": role_id(&admin, "Admin") }));
    assert_detail(&to_admin, 403, "permission_denied");
    let to_staff =
        manager.patch(&format!("/api/v1/organization-memberships/{id}/"), &json!({ "role": role_id(&admin, "Staff") }));
    assert_eq!(to_staff.status, 200, "a Manager may hand out Staff: {}", to_staff.text);
    assert_eq!(to_staff.json["role_name"], "Staff");
    let listed = get_ok(&manager, &format!("/api/v1/organization-memberships/?organization={org}"));
    assert_eq!(listed["count"], 2);
    assert_detail(&admin.delete(&format!("/api/v1/roles/{}/", role_id(&admin, "Staff"))), 409, "protected");

    let (boss, _) = user(&server, "boss");
    let boss_membership = add_member(&admin, &boss, &org, "Admin");
    let boss_path = format!("/api/v1/organization-memberships/{}/", boss_membership["id"].as_str().expect("id"));
    assert_detail(&manager.patch(&boss_path, &json!({ "is_active": false })), 403, "permission_denied");
    assert_detail(&manager.delete(&boss_path), 403, "permission_denied");
    assert_eq!(get_ok(&admin, &boss_path)["is_active"], true, "a Manager cannot unseat an Admin");
    assert_eq!(manager.delete(&format!("/api/v1/organization-memberships/{id}/")).status, 204, "but ends a Staff one");
}

#[test]
fn my_organizations_are_the_active_memberships() {
    let server = TestServer::start();
    let admin = server.admin();
    let (dave, client) = user(&server, "dave");
    assert_eq!(get_ok(&client, "/api/v1/users/me/organizations/")["count"], 0);
    let acme = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    let globex = organization(&admin, "Globex", None)["id"].as_str().expect("id").to_string();
    organization(&admin, "Initech", None);
    add_member(&admin, &dave, &acme, "Viewer");
    let second = add_member(&admin, &dave, &globex, "Staff");
    let names = |page: Value| -> Vec<String> {
        page["results"].as_array().expect("results").iter().map(|o| o["name"].as_str().expect("name").into()).collect()
    };
    assert_eq!(names(get_ok(&client, "/api/v1/users/me/organizations/")), ["Acme", "Globex"]);
    let id = second["id"].as_str().expect("id");
    assert_eq!(
        admin.patch(&format!("/api/v1/organization-memberships/{id}/"), &json!({ "is_active": false })).status,
        200
    );
    assert_eq!(names(get_ok(&client, "/api/v1/users/me/organizations/")), ["Acme"]);
    assert_eq!(names(get_ok(&client, "/api/v1/organizations/")), ["Acme"], "an inactive membership grants nothing");
    assert_detail(&server.client().get("/api/v1/users/me/organizations/"), 401, "not_authenticated");
}

#[test]
fn grants_and_withdrawals_are_audited() {
    let server = TestServer::start();
    let admin = server.admin();
    let org = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    let (erin, _) = user(&server, "erin");
    let membership = add_member(&admin, &erin, &org, "Viewer");
    let id = membership["id"].as_str().expect("id");
    let staff = role_id(&admin, "Staff");
    assert_eq!(admin.patch(&format!("/api/v1/organization-memberships/{id}/"), &json!({ "role": staff })).status, 200);
    assert_eq!(admin.delete(&format!("/api/v1/organization-memberships/{id}/")).status, 204);
    let trail = get_ok(&admin, &format!("/api/v1/audit-logs/?object_id={id}&ordering=id"));
    let actions: Vec<&str> =
        trail["results"].as_array().expect("results").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(
        actions,
        [
            "CREATE",
            "PERMISSION_ASSIGN",
            "UPDATE",
            "PERMISSION_REVOKE",
            "PERMISSION_ASSIGN",
            "DELETE",
            "PERMISSION_REVOKE"
        ]
    );
    let assign = &trail["results"][4];
    assert_eq!(assign["changes"]["grant"]["new"]["role"], staff);
    assert_eq!(assign["organization"], org.as_str());
    assert_eq!(assign["username"], "admin");

    let viewer = role_id(&admin, "Viewer");
    let changed = admin
        .patch(&format!("/api/v1/roles/{viewer}/"), &json!({ "permissions": ["organization.view", "currency.add"] }));
    assert_eq!(changed.status, 200, "{}", changed.text);
    let role_trail = get_ok(&admin, &format!("/api/v1/audit-logs/?object_id={viewer}&model=role&ordering=id"));
    let events: Vec<(&str, &Value)> = role_trail["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|e| (e["action"].as_str().unwrap_or_default(), &e["changes"]["permissions"]))
        .collect();
    assert_eq!(events[1], ("PERMISSION_ASSIGN", &json!({ "old": null, "new": ["organization.view", "currency.add"] })));
    assert_eq!(events[2], ("PERMISSION_REVOKE", &json!({ "old": ["*.view"], "new": null })));
}
