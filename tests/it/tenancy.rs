//! The cross-tenant sweep: for every organization-scoped route, the Admin of organization A
//! cannot list, read, change, delete or reference (as a foreign key) anything of B — while
//! the same requests on A's own objects succeed. Plus the rules around it: permissions per
//! role, the sole-organization default, moving between organizations, limited API keys.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::common::{
    Client, TestServer, add_member, assert_detail, assert_field_error, get_ok, organization, role_id, user,
};

/// One object of each organization-scoped model in an organization, made by the admin, with
/// the body that made it (to reuse for creates).
struct Tenant {
    org: String,
    objects: HashMap<&'static str, (String, Value)>,
}

/// Creates the tenant's objects: for every scoped model, a body valid inside `org`.
fn populate(server: &TestServer, admin: &Client, name: &str) -> Tenant {
    let org = organization(admin, name, None)["id"].as_str().expect("id").to_string();
    let mut objects = HashMap::new();
    let child = json!({ "name": format!("{name} branch"), "code": format!("{name}-B"),
                        "organization_type": "Location/Branch", "parent": org });
    objects.insert("organization", create(admin, "organizations", child));
    let (member, _) = user(server, &format!("{name}-member").to_lowercase());
    let membership = json!({ "user": member, "organization": org, "role": role_id(admin, "Viewer") });
    objects.insert("organizationmembership", create(admin, "organization-memberships", membership));
    objects.insert("user", (member, Value::Null));
    let role = json!({ "name": format!("{name} clerk"), "permissions": ["organization.view"], "organization": org });
    objects.insert("role", create(admin, "roles", role));
    let invitation =
        json!({ "organization": org, "role": role_id(admin, "Viewer"), "email": format!("{name}@example.com") });
    objects.insert("invitation", create(admin, "invitations", invitation));
    let address = json!({ "city": format!("{name} City"), "country": "DE", "organization": org });
    let home = create(admin, "addresses", address);
    let warehouse = json!({ "name": format!("{name} depot"), "code": format!("{name}-WH"), "organization": org,
                            "warehouse_type": "DISTRIBUTION_CENTER", "address": home.0 });
    objects.insert("address", home);
    let (depot, depot_body) = create(admin, "warehouses", warehouse);
    let zone =
        create(admin, "stock-locations", json!({ "name": "Zone", "warehouse": depot, "barcode": format!("{name}-Z") }));
    objects.insert("warehouse", (depot, depot_body));
    objects.insert("stocklocation", zone);
    let contact = json!({ "first_name": name, "organization": org,
                          "email_addresses": [{ "email": format!("info@{name}.example") }] });
    objects.insert("contact", create(admin, "contacts", contact));
    let product = json!({ "name": format!("{name} widget"), "sku": format!("{name}-W"), "product_type": "PHYSICAL_GOOD",
                          "base_uom": "EA", "organization": org });
    objects.insert("product", create(admin, "products", product));
    let trail = get_ok(admin, &format!("/api/v1/audit-logs/?organization={org}&page_size=1"));
    let entry = trail["results"][0]["id"].to_string();
    objects.insert("auditlog", (entry, Value::Null));
    Tenant { org, objects }
}

fn create(client: &Client, plural: &str, body: Value) -> (String, Value) {
    let resp = client.post(&format!("/api/v1/{plural}/"), &body);
    assert_eq!(resp.status, 201, "{plural}: {}", resp.text);
    (resp.json["id"].as_str().expect("id").to_string(), body)
}

/// The scoped models, from `meta/models/`: (name, plural, writable, foreign keys).
fn scoped_models(client: &Client) -> Vec<Value> {
    let meta = get_ok(client, "/api/v1/meta/models/");
    meta["models"]
        .as_array()
        .expect("models")
        .iter()
        .filter(|m| matches!(m["scope"].as_str(), Some("organization" | "organizations" | "optional_organization")))
        .cloned()
        .collect()
}

/// The organization a listed object belongs to.
fn home<'a>(model: &Value, item: &'a Value) -> &'a Value {
    if model["scope"] == "organizations" { &item["id"] } else { &item["organization"] }
}

#[test]
fn nothing_of_another_organization_can_be_listed_read_changed_deleted_or_referenced() {
    let server = TestServer::start();
    let admin = server.admin();
    let a = populate(&server, &admin, "Acme");
    let b = populate(&server, &admin, "Globex");
    let (alice, alice_client) = user(&server, "alice");
    add_member(&admin, &alice, &a.org, "Admin");
    let models = scoped_models(&admin);
    assert!(models.len() >= 5, "organizations, memberships, roles, invitations and the audit trail are scoped");
    for model in &models {
        let name = model["name"].as_str().expect("name");
        let plural = model["plural"].as_str().expect("plural");
        let (b_key, _) = b.objects.get(name).unwrap_or_else(|| panic!("the sweep has no {name} object: add one"));
        let (a_key, _) = &a.objects[name];

        let listed = get_ok(&alice_client, &format!("/api/v1/{plural}/?page_size=1000"));
        let items = listed["results"].as_array().expect("results");
        assert!(!items.is_empty(), "{plural}: Acme's objects are listed");
        for item in items {
            let owner = home(model, item);
            assert!(owner != &json!(b.org) && item["id"] != json!(b_key), "{plural} leaks {item}");
        }
        let b_path = format!("/api/v1/{plural}/{b_key}/");
        assert_eq!(alice_client.get(&b_path).status, 404, "GET {b_path}");
        assert_eq!(alice_client.get(&format!("/api/v1/{plural}/{a_key}/")).status, 200, "GET own {plural}");
        let writable = model["writable"] == true;
        for (method, expected) in [("PATCH", 404), ("PUT", 404), ("DELETE", 404)] {
            let resp = alice_client.request(method, &b_path, &[("Content-Type", "application/json")], Some(b"{}"));
            // A model nobody writes has no write methods.
            let wanted = if writable { expected } else { 405 };
            assert_eq!(resp.status, wanted, "{method} {b_path}: {}", resp.text);
        }
        assert_eq!(get_ok(&admin, &b_path)["id"], get_ok(&admin, &b_path)["id"], "{b_path} still there");
    }
    // Referencing: every foreign key to a scoped model refuses B's objects as if absent.
    let all = get_ok(&admin, "/api/v1/meta/models/");
    for model in all["models"].as_array().expect("models") {
        let Some((_, body)) = a.objects.get(model["name"].as_str().unwrap_or_default()) else { continue };
        for field in model["fields"].as_array().expect("fields") {
            let Some(target) = field["target"]["model"].as_str() else { continue };
            let Some((b_key, _)) = b.objects.get(target) else { continue };
            if field["read_only"] == true {
                continue;
            }
            let mut attempt = body.clone();
            attempt[field["name"].as_str().expect("name")] = json!(b_key);
            if let Some(code) = attempt.get("code").and_then(Value::as_str).map(|c| format!("{c}-X")) {
                attempt["code"] = json!(code);
                attempt["name"] = json!(format!("{code} name"));
            }
            let plural = model["plural"].as_str().expect("plural");
            let resp = alice_client.post(&format!("/api/v1/{plural}/"), &attempt);
            assert_field_error(&resp, field["name"].as_str().expect("name"), "does not exist");
        }
    }
}

#[test]
fn roles_decide_what_members_may_do_in_their_organization() {
    let server = TestServer::start();
    let admin = server.admin();
    let org = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    let (viewer, viewer_client) = user(&server, "victor");
    add_member(&admin, &viewer, &org, "Viewer");
    let (staff, staff_client) = user(&server, "stella");
    add_member(&admin, &staff, &org, "Staff");
    let branch = json!({ "name": "Branch", "code": "BR", "organization_type": "Location/Branch", "parent": org });
    assert_detail(&viewer_client.post("/api/v1/organizations/", &branch), 403, "permission_denied");
    let created = staff_client.post("/api/v1/organizations/", &branch);
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().expect("id");
    assert_eq!(staff_client.get(&format!("/api/v1/organizations/{id}/")).status, 200, "a role covers the subtree");
    let deeper = json!({ "name": "Desk", "code": "DSK", "organization_type": "Team", "parent": id });
    assert_eq!(staff_client.post("/api/v1/organizations/", &deeper).status, 201, "and adds below it");
    assert_detail(&staff_client.delete(&format!("/api/v1/organizations/{org}/")), 403, "permission_denied");
    assert_eq!(viewer_client.get(&format!("/api/v1/organizations/{org}/")).status, 200);
    assert_detail(
        &viewer_client.patch(&format!("/api/v1/organizations/{org}/"), &json!({ "status": "inactive" })),
        403,
        "permission_denied",
    );
    assert_eq!(
        staff_client.patch(&format!("/api/v1/organizations/{org}/"), &json!({ "status": "inactive" })).status,
        200
    );
}

#[test]
fn the_organization_may_be_omitted_by_members_of_exactly_one() {
    let server = TestServer::start();
    let admin = server.admin();
    let acme = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    let (olga, olga_client) = user(&server, "olga");
    add_member(&admin, &olga, &acme, "Admin");
    let body = json!({ "username": "pat", "role": role_id(&admin, "Viewer") });
    let created = olga_client.post("/api/v1/invitations/", &body);
    assert_eq!((created.status, &created.json["organization"]), (201, &json!(acme)), "{}", created.text);
    let globex = organization(&admin, "Globex", None)["id"].as_str().expect("id").to_string();
    add_member(&admin, &olga, &globex, "Viewer");
    let ambiguous =
        olga_client.post("/api/v1/invitations/", &json!({ "username": "quinn", "role": role_id(&admin, "Viewer") }));
    assert_field_error(&ambiguous, "organization", "required");
}

#[test]
fn moving_an_object_needs_rights_in_both_organizations() {
    let server = TestServer::start();
    let admin = server.admin();
    let acme = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    let globex = organization(&admin, "Globex", None)["id"].as_str().expect("id").to_string();
    let (rita, rita_client) = user(&server, "rita");
    add_member(&admin, &rita, &acme, "Admin");
    add_member(&admin, &rita, &globex, "Viewer");
    let (sam, _) = user(&server, "sam");
    let membership = add_member(&admin, &sam, &acme, "Viewer");
    let id = membership["id"].as_str().expect("id");
    let path = format!("/api/v1/organization-memberships/{id}/");
    assert_detail(&rita_client.patch(&path, &json!({ "organization": globex })), 403, "permission_denied");
    assert_eq!(get_ok(&admin, &path)["organization"], acme.as_str(), "nothing moved");
    let rita_in_globex =
        get_ok(&admin, &format!("/api/v1/organization-memberships/?user={rita}&organization={globex}"));
    let rita_membership = rita_in_globex["results"][0]["id"].as_str().expect("id").to_string();
    let promoted = admin.patch(
        &format!("/api/v1/organization-memberships/{rita_membership}/"),
        &json!({ "role": role_id(&admin, "Admin") }),
    );
    assert_eq!(promoted.status, 200);
    assert_eq!(rita_client.patch(&path, &json!({ "organization": globex })).status, 200, "Admin in both");
}

#[test]
fn an_api_key_limited_to_one_organization_acts_only_there() {
    let server = TestServer::start();
    let admin = server.admin();
    let acme = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    let globex = organization(&admin, "Globex", None)["id"].as_str().expect("id").to_string();
    let (tom, tom_client) = user(&server, "tom");
    add_member(&admin, &tom, &acme, "Admin");
    add_member(&admin, &tom, &globex, "Admin");
    let initech = organization(&admin, "Initech", None)["id"].as_str().expect("id").to_string();
    let foreign = tom_client.post("/api/v1/auth/api-keys/", &json!({ "name": "ci", "organization": initech }));
    assert_field_error(&foreign, "organization", "does not exist");
    let created = tom_client.post("/api/v1/auth/api-keys/", &json!({ "name": "ci", "organization": acme }));
    assert_eq!((created.status, &created.json["organization"]), (201, &json!(acme)), "{}", created.text);
    let key = created.json["key"].as_str().expect("key").to_string();
    let by_key = |path: &str| server.client().request("GET", path, &[("X-API-Key", &key)], None);
    let listed = by_key("/api/v1/organizations/");
    let names: Vec<&str> =
        listed.json["results"].as_array().expect("results").iter().filter_map(|o| o["name"].as_str()).collect();
    assert_eq!(names, ["Acme"]);
    assert_eq!(by_key(&format!("/api/v1/organizations/{globex}/")).status, 404);
    assert_eq!(get_ok(&tom_client, "/api/v1/organizations/")["count"], 2, "a session sees both");
}

#[test]
fn auditors_see_the_trail_of_their_organizations_only() {
    let server = TestServer::start();
    let admin = server.admin();
    let acme = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    let globex = organization(&admin, "Globex", None)["id"].as_str().expect("id").to_string();
    let auditor_role = admin.post("/api/v1/roles/", &json!({ "name": "Auditor", "permissions": ["auditlog.view"] }));
    assert_eq!(auditor_role.status, 201);
    let (uma, uma_client) = user(&server, "uma");
    add_member(&admin, &uma, &acme, "Auditor");
    assert_eq!(admin.patch(&format!("/api/v1/organizations/{globex}/"), &json!({ "status": "inactive" })).status, 200);
    assert_eq!(admin.patch(&format!("/api/v1/organizations/{acme}/"), &json!({ "status": "inactive" })).status, 200);
    let trail = get_ok(&uma_client, "/api/v1/audit-logs/?page_size=1000");
    let entries = trail["results"].as_array().expect("results");
    assert!(entries.iter().any(|e| e["action"] == "UPDATE" && e["object_id"] == json!(acme)), "{trail}");
    assert!(entries.iter().all(|e| e["organization"] == json!(acme)), "only Acme's entries: {trail}");
    assert_eq!(get_ok(&uma_client, "/api/v1/organizations/")["count"], 0, "auditlog.view grants nothing else");
}
