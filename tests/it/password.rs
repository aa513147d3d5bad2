//! Changing one's password: the old password must match, the new one passes Django's
//! validators (length, common, numeric), other sessions end, the change is audited.

use serde_json::json;

use crate::common::{ADMIN_PASSWORD, TestServer, assert_detail, assert_field_error, get_ok};

const CHANGE: &str = "/api/v1/auth/password/change/";
const NEW_PASSWORD: &str = "a-much-better-passphrase";

#[test]
fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let server = TestServer::start();
    let other_session = server.admin();
    let this_session = server.admin();
    let changed = this_session.post(CHANGE, &json!({ "old_password": ADMIN_PASSWORD, "new_password": NEW_PASSWORD }));
    assert_eq!(changed.status, 200, "{}", changed.text);

    assert_eq!(this_session.get("/api/v1/audit-logs/").status, 200, "the session that changed it goes on");
    assert_detail(&other_session.get("/api/v1/audit-logs/"), 401, "not_authenticated");
    let old = server.client().post("/api/v1/auth/token/", &json!({ "username": "admin", "password": ADMIN_PASSWORD }));
    assert_eq!(old.status, 401, "the old password no longer works");
    let fresh = server.login("admin", NEW_PASSWORD);

    let entry = &get_ok(&fresh, "/api/v1/audit-logs/?action=PASSWORD_CHANGED")["results"][0];
    assert_eq!(entry["username"], "admin");
    assert_eq!(entry["changes"]["password"]["new"], "********", "never the password itself");
}

#[test]
fn the_old_password_must_match() {
    let server = TestServer::start();
    let admin = server.admin();
    let resp = admin.post(CHANGE, &json!({ "old_password": "not-the-password", "new_password": NEW_PASSWORD }));
    assert_field_error(&resp, "old_password", "incorrectly");
    assert_eq!(server.login("admin", ADMIN_PASSWORD).get("/api/v1/audit-logs/").status, 200, "unchanged");
}

#[test]
fn weak_new_passwords_are_refused() {
    let server = TestServer::start();
    let admin = server.admin();
    for (weak, reason) in [("short", "too short"), ("password", "too common"), ("4815162342108", "numeric")] {
        let resp = admin.post(CHANGE, &json!({ "old_password": ADMIN_PASSWORD, "new_password": weak }));
        assert_field_error(&resp, "new_password", reason);
    }
}

#[test]
fn changing_needs_a_session_and_both_fields() {
    let server = TestServer::start();
    let body = json!({ "old_password": ADMIN_PASSWORD, "new_password": NEW_PASSWORD });
    assert_detail(&server.client().post(CHANGE, &body), 401, "not_authenticated");
    let admin = server.admin();
    assert_field_error(&admin.post(CHANGE, &json!({ "old_password": ADMIN_PASSWORD })), "new_password", "required");
    assert_field_error(&admin.post(CHANGE, &json!({ "new_password": NEW_PASSWORD, "x": 1 })), "x", "Unknown field");
}
