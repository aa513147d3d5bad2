//! Organizations are walls (issue 7, findings 8–11): a role held in one organization grants
//! nothing outside its subtree — not shared data, not another organization's roles, not its
//! users — and API keys do not manage the account. Each test names the attack it replays.

use serde_json::{Value, json};

use crate::common::{
    Client, Resp, TestServer, add_member, assert_detail, assert_field_error, assert_not_found, get_ok, organization,
    organization_with_member, role_id, user,
};

/// A request with an API key instead of a bearer token.
fn with_key(server: &TestServer, key: &str, method: &str, path: &str, body: Option<&Value>) -> Resp {
    let bytes = body.map(|b| b.to_string().into_bytes());
    server.client().request(method, path, &[("X-API-Key", key), ("Content-Type", "application/json")], bytes.as_deref())
}

/// The id of the user a client is signed in as.
fn me(client: &Client) -> String {
    get_ok(client, "/api/v1/profiles/me/")["user"].as_str().expect("user id").to_string()
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap_or_else(|| panic!("no id in {value}")).to_string()
}

// ---------------------------------------------------------------------------------------
// 8. Shared data

#[test]
fn an_organization_admin_cannot_change_shared_data() {
    let server = TestServer::start();
    let admin = server.admin();
    let (_acme, acme_admin) = organization_with_member(&server, "Acme", "Admin");
    let conversion = get_ok(&admin, "/api/v1/uom-conversions/?from_uom=LB&to_uom=KG")["results"][0].clone();
    let usd = get_ok(&admin, "/api/v1/currencies/USD/")["name"].clone();
    let conversion_path = format!("/api/v1/uom-conversions/{}/", id_of(&conversion));
    let attempts = [
        ("PATCH", "/api/v1/currencies/USD/".to_string(), json!({ "name": "Acme dollar" })),
        ("PATCH", "/api/v1/statuses/active/".to_string(), json!({ "name": "Acme active" })),
        ("PATCH", "/api/v1/organization-types/Company/".to_string(), json!({ "description": "ours" })),
        ("PATCH", conversion_path.clone(), json!({ "factor": "1" })),
        ("PUT", "/api/v1/currencies/EUR/".to_string(), json!({ "code": "EUR", "name": "Acme euro" })),
        ("POST", "/api/v1/uoms/".to_string(), json!({ "code": "ACME", "name": "Acme unit", "uom_type": "Count" })),
        ("DELETE", "/api/v1/uoms/EA/".to_string(), Value::Null),
    ];
    for (method, path, body) in &attempts {
        let bytes = body.to_string();
        let resp = acme_admin.request(method, path, &[("Content-Type", "application/json")], Some(bytes.as_bytes()));
        assert_detail(&resp, 403, "permission_denied");
    }
    assert_eq!(get_ok(&admin, "/api/v1/currencies/USD/")["name"], usd);
    assert_eq!(get_ok(&admin, &conversion_path)["factor"], conversion["factor"]);
    assert_eq!(admin.get("/api/v1/uoms/EA/").status, 200);
    assert_eq!(admin.get("/api/v1/uoms/ACME/").status, 404);
}

#[test]
fn shared_data_is_written_with_a_global_permission_only() {
    let server = TestServer::start();
    let admin = server.admin();
    let keeper =
        admin.post("/api/v1/roles/", &json!({ "name": "Unit keeper", "permissions": ["uom.*", "currency.change"] }));
    assert_eq!(keeper.status, 201, "{}", keeper.text);
    let keeper = id_of(&keeper.json);
    // Through a membership the role grants nothing on shared data.
    let (acme, member) = organization_with_member(&server, "Acme", "Viewer");
    let member_id = me(&member);
    let membership =
        get_ok(&admin, &format!("/api/v1/organization-memberships/?user={member_id}"))["results"][0].clone();
    let promoted =
        admin.patch(&format!("/api/v1/organization-memberships/{}/", id_of(&membership)), &json!({ "role": keeper }));
    assert_eq!(promoted.status, 200, "{}", promoted.text);
    let unit = json!({ "code": "KEEP", "name": "Kept unit", "uom_type": "Count" });
    assert_detail(&member.post("/api/v1/uoms/", &unit), 403, "permission_denied");
    // Held globally it does, and only what it grants.
    assert_detail(
        &member.post("/api/v1/user-roles/", &json!({ "user": member_id, "role": keeper })),
        403,
        "permission_denied",
    );
    let held = admin.post("/api/v1/user-roles/", &json!({ "user": member_id, "role": keeper }));
    assert_eq!(held.status, 201, "{}", held.text);
    assert_eq!((&held.json["username"], &held.json["role_name"]), (&json!("acme-viewer"), &json!("Unit keeper")));
    assert_eq!(member.post("/api/v1/uoms/", &unit).status, 201);
    assert_eq!(member.patch("/api/v1/currencies/USD/", &json!({ "symbol": "US$" })).status, 200);
    assert_detail(&member.patch("/api/v1/statuses/active/", &json!({ "name": "x" })), 403, "permission_denied");
    assert_detail(
        &member.post("/api/v1/currencies/", &json!({ "code": "XAC", "name": "Acme coin" })),
        403,
        "permission_denied",
    );
    // A key limited to an organization carries no global permission.
    let key = member.post("/api/v1/auth/api-keys/", &json!({ "name": "acme only", "organization": acme }));
    let key = key.json["key"].as_str().expect("key").to_string();
    let by_key = with_key(&server, &key, "PATCH", "/api/v1/currencies/USD/", Some(&json!({ "symbol": "$" })));
    assert_detail(&by_key, 403, "permission_denied");
    // The grant is audited; an organization's role cannot be held globally.
    let trail = get_ok(&admin, "/api/v1/audit-logs/?model=userrole&action=PERMISSION_ASSIGN");
    assert_eq!(trail["count"], 1, "{trail}");
    let local = admin.post("/api/v1/roles/", &json!({ "name": "Acme only", "permissions": [], "organization": acme }));
    let refused = admin.post("/api/v1/user-roles/", &json!({ "user": member_id, "role": id_of(&local.json) }));
    assert_field_error(&refused, "role", "global role");
}

// ---------------------------------------------------------------------------------------
// 9. Roles

#[test]
fn roles_of_one_organization_are_invisible_and_unusable_in_another() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, acme_admin) = organization_with_member(&server, "Acme", "Admin");
    let (globex, globex_admin) = organization_with_member(&server, "Globex", "Admin");
    let clerk = globex_admin.post(
        "/api/v1/roles/",
        &json!({ "name": "Clerk", "permissions": ["organization.view"], "organization": globex }),
    );
    assert_eq!(clerk.status, 201, "{}", clerk.text);
    let clerk = id_of(&clerk.json);
    let clerk_path = format!("/api/v1/roles/{clerk}/");
    // The attack of the finding: widen B's role, or the seeded Admin role, from A.
    assert_not_found(&acme_admin.get(&clerk_path));
    assert_not_found(&acme_admin.patch(&clerk_path, &json!({ "permissions": ["*"] })));
    assert_not_found(&acme_admin.delete(&clerk_path));
    let names: Vec<String> = get_ok(&acme_admin, "/api/v1/roles/?page_size=1000")["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(!names.contains(&"Clerk".to_string()), "{names:?}");
    let admin_role = role_id(&admin, "Admin");
    let narrowed =
        acme_admin.patch(&format!("/api/v1/roles/{admin_role}/"), &json!({ "permissions": ["organization.view"] }));
    assert_detail(&narrowed, 403, "permission_denied");
    assert_eq!(get_ok(&admin, &format!("/api/v1/roles/{admin_role}/"))["permissions"], json!(["*"]));
    assert_eq!(
        globex_admin.patch(&format!("/api/v1/organizations/{globex}/"), &json!({ "status": "inactive" })).status,
        200,
        "B's Admin still administers B"
    );
    assert_eq!(get_ok(&admin, &clerk_path)["permissions"], json!(["organization.view"]), "B's role is untouched");
    // B's role cannot be handed out in A, not even by a superuser.
    let (pat, _) = user(&server, "pat");
    add_member(&admin, &pat, &acme, "Viewer");
    let memberships = get_ok(&admin, &format!("/api/v1/organization-memberships/?user={pat}"));
    let pat_membership = format!("/api/v1/organization-memberships/{}/", id_of(&memberships["results"][0]));
    assert_field_error(&acme_admin.patch(&pat_membership, &json!({ "role": clerk })), "role", "does not exist");
    assert_field_error(&admin.patch(&pat_membership, &json!({ "role": clerk })), "role", "another organization");
    let invite = json!({ "organization": acme, "role": clerk, "username": "pat" });
    assert_field_error(&acme_admin.post("/api/v1/invitations/", &invite), "role", "does not exist");
}

#[test]
fn global_roles_are_managed_globally_only() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, staff) = organization_with_member(&server, "Acme", "Staff");
    // The attack of the finding: a Staff member raised the shared Viewer role to Staff level.
    let viewer = role_id(&admin, "Viewer");
    let raised =
        staff.patch(&format!("/api/v1/roles/{viewer}/"), &json!({ "permissions": ["*.view", "*.add", "*.change"] }));
    assert_detail(&raised, 403, "permission_denied");
    assert_eq!(get_ok(&admin, &format!("/api/v1/roles/{viewer}/"))["permissions"], json!(["*.view"]));
    // A superuser's key limited to an organization does not manage global roles either.
    let key = admin.post("/api/v1/auth/api-keys/", &json!({ "name": "acme", "organization": acme }));
    let key = key.json["key"].as_str().expect("key").to_string();
    let by_key =
        with_key(&server, &key, "PATCH", &format!("/api/v1/roles/{viewer}/"), Some(&json!({ "description": "x" })));
    assert_detail(&by_key, 403, "permission_denied");
    let made = with_key(&server, &key, "POST", "/api/v1/roles/", Some(&json!({ "name": "Keyed", "permissions": [] })));
    assert_detail(&made, 403, "permission_denied");
    // A holder of role.change globally edits global roles within what they hold globally.
    let editor = admin.post("/api/v1/roles/", &json!({ "name": "Role editor", "permissions": ["role.*", "*.view"] }));
    let (eve, eve_client) = user(&server, "eve");
    assert_eq!(admin.post("/api/v1/user-roles/", &json!({ "user": eve, "role": id_of(&editor.json) })).status, 201);
    let described =
        eve_client.patch(&format!("/api/v1/roles/{viewer}/"), &json!({ "description": "Reads everything." }));
    assert_eq!(described.status, 200, "{}", described.text);
    let admin_role = role_id(&admin, "Admin");
    assert_detail(
        &eve_client.patch(&format!("/api/v1/roles/{admin_role}/"), &json!({ "description": "x" })),
        403,
        "permission_denied",
    );
}

#[test]
fn a_role_made_at_the_top_is_seen_and_used_in_the_subtree_only() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, acme_admin) = organization_with_member(&server, "Acme", "Admin");
    let branch = id_of(&organization(&admin, "Acme branch", Some(&acme)));
    let (globex, _) = organization_with_member(&server, "Globex", "Admin");
    let clerk = acme_admin.post(
        "/api/v1/roles/",
        &json!({ "name": "Clerk", "permissions": ["organization.view"], "organization": acme }),
    );
    let clerk = id_of(&clerk.json);
    let (bea, bea_client) = user(&server, "bea");
    add_member(&admin, &bea, &branch, "Admin");
    assert_eq!(get_ok(&bea_client, &format!("/api/v1/roles/{clerk}/"))["organization_name"], "Acme", "seen below");
    assert_detail(
        &bea_client.patch(&format!("/api/v1/roles/{clerk}/"), &json!({ "description": "x" })),
        403,
        "permission_denied",
    );
    let invited =
        bea_client.post("/api/v1/invitations/", &json!({ "organization": branch, "role": clerk, "username": "carl" }));
    assert_eq!(invited.status, 201, "usable below: {}", invited.text);
    let elsewhere =
        admin.post("/api/v1/invitations/", &json!({ "organization": globex, "role": clerk, "username": "carl" }));
    assert_field_error(&elsewhere, "role", "another organization");
    // The branch cannot leave Acme while its invitation uses Acme's role.
    let moved = admin.patch(&format!("/api/v1/organizations/{branch}/"), &json!({ "parent": globex }));
    assert_field_error(&moved, "parent", "roles of an organization it would leave");
    assert_eq!(admin.delete(&format!("/api/v1/invitations/{}/", id_of(&invited.json))).status, 204);
    assert_eq!(admin.patch(&format!("/api/v1/organizations/{branch}/"), &json!({ "parent": globex })).status, 200);
}

// ---------------------------------------------------------------------------------------
// 10. Users

#[test]
fn users_of_other_organizations_cannot_be_referenced_or_pulled_in() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, acme_admin) = organization_with_member(&server, "Acme", "Admin");
    let (_globex, globex_member) = organization_with_member(&server, "Globex", "Viewer");
    let outsider = me(&globex_member);
    let unknown = "01a00000-0000-7000-8000-000000000000";
    // The oracle of the finding: B's user and a random id must answer alike.
    let messages: Vec<String> = [outsider.as_str(), unknown]
        .iter()
        .map(|id| {
            let resp = acme_admin.patch("/api/v1/profiles/me/", &json!({ "manager": id }));
            assert_eq!(resp.status, 400, "{}", resp.text);
            resp.json["manager"][0].as_str().expect("message").replace(id, "<id>")
        })
        .collect();
    assert_eq!(messages[0], messages[1]);
    let pulled = acme_admin.post(
        "/api/v1/organization-memberships/",
        &json!({ "user": outsider, "organization": acme, "role": role_id(&admin, "Viewer") }),
    );
    assert_field_error(&pulled, "user", "does not exist");
    assert!(!pulled.text.contains("globex-viewer"), "no username revealed: {}", pulled.text);
    assert_eq!(get_ok(&globex_member, "/api/v1/users/me/organizations/")["count"], 1, "not pulled into Acme");
}

#[test]
fn no_list_shows_users_outside_the_callers_organizations() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, acme_admin) = organization_with_member(&server, "Acme", "Admin");
    let (globex, globex_member) = organization_with_member(&server, "Globex", "Admin");
    let outsider = me(&globex_member);
    // The outsider leaves traces Acme could look for: a role, a membership, a global role.
    let role = globex_member.post("/api/v1/roles/", &json!({ "name": "G", "permissions": [], "organization": globex }));
    assert_eq!(role.status, 201, "{}", role.text);
    assert_eq!(
        admin.post("/api/v1/user-roles/", &json!({ "user": outsider, "role": role_id(&admin, "Viewer") })).status,
        201
    );
    let staffer =
        admin.post("/api/v1/users/", &json!({ "username": "stan", "password": "stan-password-1", "is_staff": true }));
    add_member(&admin, &id_of(&staffer.json), &acme, "Admin");
    let stan = server.login("stan", "stan-password-1");
    for client in [&acme_admin, &stan] {
        for list in
            ["roles", "organization-memberships", "profiles", "users", "user-roles", "invitations", "audit-logs"]
        {
            let resp = client.get(&format!("/api/v1/{list}/?page_size=1000"));
            assert!(resp.text.contains("results") || resp.status == 403, "{list}: {}", resp.text);
            assert!(!resp.text.contains(&outsider), "{list} shows the outsider's id: {}", resp.text);
            assert!(!resp.text.contains("globex-admin"), "{list} shows the outsider's name: {}", resp.text);
        }
    }
    assert_not_found(&stan.get(&format!("/api/v1/users/{outsider}/")));
}

#[test]
fn people_join_by_an_invitation_they_accept() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, acme_admin) = organization_with_member(&server, "Acme", "Admin");
    let (_globex, bobby) = organization_with_member(&server, "Globex", "Viewer");
    let bobby_id = me(&bobby);
    assert_eq!(
        admin.patch(&format!("/api/v1/users/{bobby_id}/"), &json!({ "email": "bobby@example.com" })).status,
        200
    );
    let staff = role_id(&admin, "Staff");
    // Inviting answers the same whether or not the account exists.
    let real = acme_admin.post("/api/v1/invitations/", &json!({ "username": "globex-viewer", "role": staff }));
    let ghost = acme_admin.post("/api/v1/invitations/", &json!({ "username": "nobody-here", "role": staff }));
    assert_eq!((real.status, ghost.status), (201, 201), "{} {}", real.text, ghost.text);
    let shape = |v: &Value| -> Vec<String> { v.as_object().expect("object").keys().cloned().collect() };
    assert_eq!(shape(&real.json), shape(&ghost.json));
    assert!(!real.text.contains(&bobby_id), "{}", real.text);
    assert_eq!((&real.json["status"], &real.json["organization"]), (&json!("pending"), &json!(acme)));
    assert!(real.json["expires_at"].as_str().is_some_and(|at| at > real.json["created_at"].as_str().unwrap_or("")));
    // The invitation is mailed to the account's address (the inviter does not see it).
    let mailed: i64 = server
        .db()
        .read(|conn| {
            let sql = "SELECT COUNT(*) FROM mail_outbox WHERE to_address = 'bobby@example.com'";
            conn.query_row(sql, [], |r| r.get(0)).map_err(plinth::store::StoreError::from)
        })
        .expect("outbox");
    assert_eq!(mailed, 1);
    // Only the invited user sees and accepts it.
    let (_, other) = user(&server, "other");
    assert_eq!(get_ok(&other, "/api/v1/users/me/invitations/")["count"], 0);
    let id = id_of(&real.json);
    assert_not_found(&other.post(&format!("/api/v1/users/me/invitations/{id}/accept/"), &json!({})));
    let mine = get_ok(&bobby, "/api/v1/users/me/invitations/");
    assert_eq!(mine["count"], 1, "{mine}");
    assert_eq!(
        (&mine["results"][0]["organization_name"], &mine["results"][0]["invited_by"]),
        (&json!("Acme"), &json!("acme-admin"))
    );
    let accepted = bobby.post(&format!("/api/v1/users/me/invitations/{id}/accept/"), &json!({}));
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!((&accepted.json["role_name"], &accepted.json["organization"]), (&json!("Staff"), &json!(acme)));
    assert_eq!(get_ok(&bobby, "/api/v1/users/me/organizations/")["count"], 2);
    assert_eq!(get_ok(&acme_admin, &format!("/api/v1/invitations/{id}/"))["status"], "accepted");
    assert_not_found(&bobby.post(&format!("/api/v1/users/me/invitations/{id}/accept/"), &json!({})));
    let trail = get_ok(&admin, &format!("/api/v1/audit-logs/?model=organizationmembership&user={bobby_id}"));
    let actions: Vec<&str> =
        trail["results"].as_array().expect("results").iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"CREATE") && actions.contains(&"PERMISSION_ASSIGN"), "{actions:?}");
    // Now they share Acme, Acme's admin may reference bobby.
    assert_eq!(acme_admin.patch("/api/v1/profiles/me/", &json!({ "manager": bobby_id })).status, 200);
}

#[test]
fn invitations_can_be_declined_expire_and_die_with_their_authors_rights() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, manager) = organization_with_member(&server, "Acme", "Manager");
    let (_, dora) = user(&server, "dora");
    // Nobody invites with more than they hold.
    let too_much =
        manager.post("/api/v1/invitations/", &json!({ "username": "dora", "role": role_id(&admin, "Admin") }));
    assert_detail(&too_much, 403, "permission_denied");
    let invite = |who: &str| {
        let resp = manager.post("/api/v1/invitations/", &json!({ "username": who, "role": role_id(&admin, "Staff") }));
        assert_eq!(resp.status, 201, "{}", resp.text);
        id_of(&resp.json)
    };
    let declined = invite("dora");
    let resp = dora.post(&format!("/api/v1/users/me/invitations/{declined}/decline/"), &json!({}));
    assert_eq!((resp.status, &resp.json["status"]), (200, &json!("declined")), "{}", resp.text);
    assert_eq!(get_ok(&dora, "/api/v1/users/me/organizations/")["count"], 0);
    let expired = invite("dora");
    server
        .db()
        .write({
            let expired = expired.clone();
            move |conn| {
                let sql = "UPDATE invitations SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE id = ?1";
                conn.execute(sql, [expired]).map_err(plinth::store::StoreError::from)
            }
        })
        .expect("expire");
    assert_eq!(get_ok(&dora, "/api/v1/users/me/invitations/")["count"], 0);
    assert_not_found(&dora.post(&format!("/api/v1/users/me/invitations/{expired}/accept/"), &json!({})));
    // The manager loses the role: what they offered is void.
    let pending = invite("dora");
    let manager_id = me(&manager);
    let membership =
        get_ok(&admin, &format!("/api/v1/organization-memberships/?user={manager_id}&organization={acme}"));
    let path = format!("/api/v1/organization-memberships/{}/", id_of(&membership["results"][0]));
    assert_eq!(admin.patch(&path, &json!({ "is_active": false })).status, 200);
    let refused = dora.post(&format!("/api/v1/users/me/invitations/{pending}/accept/"), &json!({}));
    assert_field_error(&refused, "non_field_errors", "no longer grant");
    assert_eq!(get_ok(&dora, "/api/v1/users/me/organizations/")["count"], 0);
}

#[test]
fn an_organization_admin_creates_members_directly() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, acme_admin) = organization_with_member(&server, "Acme", "Admin");
    let (globex, _) = organization_with_member(&server, "Globex", "Admin");
    let path = format!("/api/v1/organizations/{acme}/create-user/");
    let body = json!({ "username": "newbie", "password": "newbie-password-1", "email": "newbie@example.com",
                       "first_name": "New", "role": role_id(&admin, "Staff") });
    let created = acme_admin.post(&path, &body);
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        (&created.json["user"]["username"], &created.json["membership"]["role_name"]),
        (&json!("newbie"), &json!("Staff"))
    );
    assert!(created.json["user"].get("password").is_none());
    let newbie = server.login("newbie", "newbie-password-1");
    assert_eq!(get_ok(&newbie, "/api/v1/users/me/organizations/")["results"][0]["id"], json!(acme));
    assert_field_error(&acme_admin.post(&path, &body), "username", "already exists");
    let (_, manager) = {
        let (id, client) = user(&server, "mona");
        add_member(&admin, &id, &acme, "Manager");
        (id, client)
    };
    let by_manager = manager
        .post(&path, &json!({ "username": "m2", "password": "m2-password-11", "role": role_id(&admin, "Viewer") }));
    // A POST action without its own permission (a Manager holds *.add, not this one): 403,
    // and nothing is made.
    assert_detail(&by_manager, 403, "permission_denied");
    assert_eq!(get_ok(&admin, "/api/v1/users/?username=m2")["count"], 0, "nothing was made");
    let elsewhere = acme_admin.post(
        &format!("/api/v1/organizations/{globex}/create-user/"),
        &json!({ "username": "spy", "password": "spy-password-11", "role": role_id(&admin, "Viewer") }),
    );
    assert_not_found(&elsewhere);
    let powers = acme_admin.post(&path, &json!({ "username": "x9", "password": "x9-password-11", "role": role_id(&admin, "Viewer"), "is_superuser": true }));
    assert_field_error(&powers, "is_superuser", "Unknown field");
    assert_eq!(admin.get("/api/v1/users/?username=spy").json["count"], 0);
}

// ---------------------------------------------------------------------------------------
// 11. API keys

#[test]
fn api_keys_access_data_but_do_not_manage_the_account() {
    let server = TestServer::start();
    let (acme, member) = organization_with_member(&server, "Acme", "Admin");
    let created = member.post("/api/v1/auth/api-keys/", &json!({ "name": "script" }));
    let (key, key_id) = (created.json["key"].as_str().expect("key").to_string(), id_of(&created.json));
    assert_eq!(with_key(&server, &key, "GET", &format!("/api/v1/organizations/{acme}/"), None).status, 200);
    let account = [
        ("GET", "/api/v1/auth/api-keys/".to_string(), None),
        ("POST", "/api/v1/auth/api-keys/".to_string(), Some(json!({ "name": "another" }))),
        ("GET", format!("/api/v1/auth/api-keys/{key_id}/"), None),
        ("DELETE", format!("/api/v1/auth/api-keys/{key_id}/"), None),
        (
            "POST",
            "/api/v1/auth/password/change/".to_string(),
            Some(json!({ "old_password": "x", "new_password": "y" })),
        ),
        ("POST", "/api/v1/auth/2fa/totp/setup/".to_string(), Some(json!({}))),
        ("GET", "/api/v1/users/me/invitations/".to_string(), None),
    ];
    for (method, path, body) in &account {
        let resp = with_key(&server, &key, method, path, body.as_ref());
        assert_detail(&resp, 403, "permission_denied");
        assert!(
            resp.json["detail"].as_str().unwrap_or_default().contains("password"),
            "{method} {path}: {}",
            resp.text
        );
    }
    assert_eq!(get_ok(&member, "/api/v1/auth/api-keys/")["count"], 1, "no key made, none revoked");
    assert_eq!(get_ok(&member, &format!("/api/v1/auth/api-keys/{key_id}/"))["revoked"], false);
}
