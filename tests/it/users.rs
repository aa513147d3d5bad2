//! `users/`: superusers administer accounts (passwords write-only and hashed), staff may
//! read, deactivation ends every session and API key at once.

use serde_json::json;

use crate::common::{
    TestServer, add_member, assert_detail, assert_field_error, get_ok, organization, regular_user, user,
};

const USERS: &str = "/api/v1/users/";

#[test]
fn superusers_create_users_who_can_then_log_in() {
    let server = TestServer::start();
    let admin = server.admin();
    let created =
        admin.post(USERS, &json!({ "username": "carol", "email": "carol@example.com", "password": "carol-secret-9" }));
    assert_eq!(created.status, 201, "{}", created.text);
    assert!(created.json.get("password").is_none(), "never shown: {}", created.text);
    assert_eq!((created.json["is_active"].clone(), created.json["is_staff"].clone()), (json!(true), json!(false)));
    let carol = server.login("carol", "carol-secret-9");
    assert_detail(&carol.get(USERS), 403, "permission_denied");

    let listed = get_ok(&admin, &format!("{USERS}?search=carol"));
    assert_eq!(listed["count"], 1);
    assert!(!listed.to_string().contains("argon2"), "hashes never leave the server");
    let trail = get_ok(&admin, "/api/v1/audit-logs/?model=user&action=CREATE");
    assert!(!trail.to_string().contains("carol-secret-9") && !trail.to_string().contains("argon2"));
}

#[test]
fn passwords_and_usernames_are_validated() {
    let server = TestServer::start();
    let admin = server.admin();
    assert_field_error(
        &admin.post(USERS, &json!({ "username": "dave", "password": "password" })),
        "password",
        "too common",
    );
    assert_field_error(&admin.post(USERS, &json!({ "username": "dave" })), "password", "required");
    assert_field_error(
        &admin.post(USERS, &json!({ "username": "ADMIN", "password": "another-secret-1" })),
        "username",
        "already exists",
    );
    assert_field_error(
        &admin.post(USERS, &json!({ "username": "da ve", "password": "another-secret-1" })),
        "username",
        "valid username",
    );
}

#[test]
fn staff_read_superusers_write_others_are_refused() {
    let server = TestServer::start();
    let admin = server.admin();
    let staff = admin.post(USERS, &json!({ "username": "sam", "password": "sam-secret-99", "is_staff": true }));
    assert_eq!(staff.status, 201, "{}", staff.text);
    let sam = server.login("sam", "sam-secret-99");
    // Staff see the users who share an organization with them (and themselves), no one else.
    let usernames = |client| -> Vec<String> {
        get_ok(client, USERS)["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|u| u["username"].as_str().expect("name").to_string())
            .collect()
    };
    assert_eq!(usernames(&sam), ["sam"]);
    let acme = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    let (tess, _) = user(&server, "tess");
    add_member(&admin, &tess, &acme, "Viewer");
    assert_eq!(usernames(&sam), ["sam"], "tess shares nothing with sam yet");
    let sam_id = get_ok(&admin, &format!("{USERS}?username=sam"))["results"][0]["id"].as_str().expect("id").to_string();
    add_member(&admin, &sam_id, &acme, "Viewer");
    assert_eq!(usernames(&sam), ["sam", "tess"]);
    assert_eq!(get_ok(&admin, USERS)["count"], 3, "superusers see everyone");
    assert_detail(&sam.post(USERS, &json!({ "username": "x1", "password": "x1-secret-99" })), 403, "permission_denied");
    assert_detail(&regular_user(&server).get(USERS), 403, "permission_denied");
    assert_detail(&server.client().get(USERS), 401, "not_authenticated");
}

#[test]
fn replacing_a_user_keeps_the_password_unless_given() {
    let server = TestServer::start();
    let admin = server.admin();
    let id = admin.post(USERS, &json!({ "username": "erin", "password": "erin-secret-77" })).json["id"]
        .as_str()
        .unwrap()
        .to_string();
    let replaced = admin.put(&format!("{USERS}{id}/"), &json!({ "username": "erin", "first_name": "Erin" }));
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    server.login("erin", "erin-secret-77");
    assert_eq!(admin.patch(&format!("{USERS}{id}/"), &json!({ "password": "erin-new-secret-1" })).status, 200);
    server.login("erin", "erin-new-secret-1");
}

#[test]
fn deactivating_a_user_ends_their_sessions_and_api_keys_at_once() {
    let server = TestServer::start();
    let admin = server.admin();
    let id = admin
        .post(USERS, &json!({ "username": "frank", "password": "frank-secret-5", "is_superuser": true }))
        .json["id"]
        .as_str()
        .unwrap()
        .to_string();
    let frank = server.login("frank", "frank-secret-5");
    let key =
        frank.post("/api/v1/auth/api-keys/", &json!({ "name": "cron" })).json["key"].as_str().unwrap().to_string();
    let with_key = |path: &str| server.client().request("GET", path, &[("X-API-Key", key.as_str())], None);
    assert_eq!(with_key(USERS).status, 200);

    assert_eq!(admin.patch(&format!("{USERS}{id}/"), &json!({ "is_active": false })).status, 200);
    assert_detail(&frank.get(USERS), 401, "not_authenticated");
    assert_detail(&with_key(USERS), 401, "not_authenticated");
    let login =
        server.client().post("/api/v1/auth/token/", &json!({ "username": "frank", "password": "frank-secret-5" }));
    assert_eq!(login.status, 401);
    assert_eq!(admin.patch(&format!("{USERS}{id}/"), &json!({ "is_active": true })).status, 200);
    assert_detail(&frank.get(USERS), 401, "not_authenticated");
    server.login("frank", "frank-secret-5");
}
