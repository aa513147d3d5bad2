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

const RESET: &str = "/api/v1/auth/password/reset/";
const CONFIRM: &str = "/api/v1/auth/password/reset/confirm/";

/// Gives the admin an e-mail address.
pub(crate) fn with_email(server: &TestServer) {
    server
        .db()
        .write(|conn| {
            conn.execute("UPDATE users SET email = 'Admin@Example.com' WHERE username = 'admin'", [])
                .map_err(plinth::store::StoreError::from)
        })
        .expect("set email");
}

/// The reset token in the newest outbox message to `to`, if any.
pub(crate) fn mailed_token(server: &TestServer, to: &str) -> Option<String> {
    let to = to.to_string();
    let body: Option<String> = server
        .db()
        .read(|conn| {
            use plinth::store::OptionalExtension;
            conn.query_row("SELECT body FROM mail_outbox WHERE to_address = ?1 ORDER BY created_at DESC", [&to], |r| {
                r.get(0)
            })
            .optional()
            .map_err(plinth::store::StoreError::from)
        })
        .expect("outbox");
    body.and_then(|b| b.split_whitespace().find(|w| w.len() == 64).map(str::to_string))
}

#[test]
fn a_mailed_token_resets_the_password_once_and_ends_every_session() {
    let server = TestServer::start();
    with_email(&server);
    let session = server.admin();
    let asked = server.client().post(RESET, &json!({ "email": "admin@example.com" }));
    assert_eq!(asked.status, 200, "{}", asked.text);
    let token = mailed_token(&server, "admin@example.com").expect("a message with the token was queued");

    let done = server.client().post(CONFIRM, &json!({ "token": token, "new_password": NEW_PASSWORD }));
    assert_eq!(done.status, 200, "{}", done.text);
    assert_detail(&session.get("/api/v1/audit-logs/"), 401, "not_authenticated");
    let fresh = server.login("admin", NEW_PASSWORD);
    assert_eq!(get_ok(&fresh, "/api/v1/audit-logs/?action=PASSWORD_RESET")["count"], 1);

    let again = server.client().post(CONFIRM, &json!({ "token": token, "new_password": "yet-another-passphrase" }));
    assert_field_error(&again, "token", "Invalid or expired");
}

#[test]
fn unknown_addresses_get_the_same_answer_and_no_mail() {
    let server = TestServer::start();
    with_email(&server);
    let known = server.client().post(RESET, &json!({ "email": "admin@example.com" }));
    let unknown = server.client().post(RESET, &json!({ "email": "nobody@example.com" }));
    assert_eq!((known.status, &known.json), (unknown.status, &unknown.json));
    assert!(mailed_token(&server, "nobody@example.com").is_none());
}

#[test]
fn reset_tokens_expire_and_weak_passwords_are_refused() {
    let server = TestServer::start_with(|config| config.reset_ttl = std::time::Duration::ZERO);
    with_email(&server);
    assert_eq!(server.client().post(RESET, &json!({ "email": "admin@example.com" })).status, 200);
    let token = mailed_token(&server, "admin@example.com").expect("token");
    let weak = server.client().post(CONFIRM, &json!({ "token": token, "new_password": "password" }));
    assert_field_error(&weak, "new_password", "too common");
    let expired = server.client().post(CONFIRM, &json!({ "token": token, "new_password": NEW_PASSWORD }));
    assert_field_error(&expired, "token", "Invalid or expired");
    assert_field_error(
        &server.client().post(CONFIRM, &json!({ "token": "forged", "new_password": NEW_PASSWORD })),
        "token",
        "Invalid",
    );
    assert_eq!(server.login("admin", ADMIN_PASSWORD).get("/api/v1/health/").status, 200, "password unchanged");
}
