//! `profiles/me/`: a profile exists for every user from creation on, with every field of the
//! spec; its owner (only) reads and changes it.

use serde_json::json;

use crate::common::{
    TestServer, add_member, assert_detail, assert_field_error, assert_not_found, get_ok, organization, user,
};

#[test]
fn every_user_has_a_profile_from_the_start() {
    let server = TestServer::start();
    let admin = server.admin();
    let mine = get_ok(&admin, "/api/v1/profiles/me/");
    assert_eq!(mine["username"], "admin");
    let created = admin.post("/api/v1/users/", &json!({ "username": "frank", "password": "frank-password-1" }));
    assert_eq!(created.status, 201, "{}", created.text);
    let frank = created.json["id"].as_str().expect("id");
    let theirs = get_ok(&admin, &format!("/api/v1/profiles/{frank}/"));
    for (field, value) in [
        ("user", json!(frank)),
        ("job_title", json!("")),
        ("employee_id", json!("")),
        ("phone_number", json!("")),
        ("manager", json!(null)),
        ("language", json!("en")),
        ("timezone", json!("UTC")),
        ("date_format", json!("YYYY-MM-DD")),
        ("time_format", json!("HH:mm")),
        ("notification_preferences", json!({})),
        ("profile_picture", json!(null)),
        ("custom_fields", json!({})),
    ] {
        assert_eq!(theirs[field], value, "{field} in {theirs}");
    }
}

#[test]
fn the_owner_changes_their_profile() {
    let server = TestServer::start();
    let (manager, _) = user(&server, "grace");
    let (me, client) = user(&server, "heidi");
    // A manager is someone who shares an organization with you.
    let admin = server.admin();
    let acme = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    add_member(&admin, &manager, &acme, "Viewer");
    add_member(&admin, &me, &acme, "Viewer");
    crate::common::define_custom_field(&admin, "userprofile", "desk", "text", json!({}));
    let body = json!({
        "job_title": "Buyer", "phone_number": "+49 30 123456", "manager": manager, "language": "de",
        "timezone": "Europe/Berlin", "date_format": "DD.MM.YYYY", "time_format": "hh:mm a",
        "notification_preferences": { "email": { "mention": true } }, "custom_fields": { "desk": "4B" }
    });
    let changed = client.patch("/api/v1/profiles/me/", &body);
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.json["phone_number"], "+4930123456");
    assert_eq!(changed.json["manager"], manager.as_str());
    assert_eq!(get_ok(&client, "/api/v1/profiles/me/")["notification_preferences"]["email"]["mention"], true);
    let replaced = client.put("/api/v1/profiles/me/", &json!({ "job_title": "Lead buyer" }));
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    assert_eq!(replaced.json["job_title"], "Lead buyer");
    assert_eq!(replaced.json["language"], "de", "PUT keeps what it leaves out");
    assert_field_error(
        &client.patch("/api/v1/profiles/me/", &json!({ "phone_number": "030 1234" })),
        "phone_number",
        "international",
    );
    assert_field_error(&client.patch("/api/v1/profiles/me/", &json!({ "manager": me })), "manager", "own manager");
    assert_field_error(
        &client.patch("/api/v1/profiles/me/", &json!({ "timezone": "Mars/Base" })),
        "timezone",
        "time zone",
    );
    assert_field_error(
        &client.patch("/api/v1/profiles/me/", &json!({ "date_format": "YY" })),
        "date_format",
        "valid choice",
    );
    assert_field_error(&client.patch("/api/v1/profiles/me/", &json!({ "nickname": "h" })), "nickname", "Unknown field");
    let ignored = client.patch("/api/v1/profiles/me/", &json!({ "user": manager, "profile_picture": "x" }));
    assert_eq!((ignored.status, &ignored.json["user"]), (200, &json!(me)), "read-only fields are ignored");
}

#[test]
fn profiles_are_private_to_their_owner() {
    let server = TestServer::start();
    let (ivan, ivan_client) = user(&server, "ivan");
    let (_, judy) = user(&server, "judy");
    assert_not_found(&judy.get(&format!("/api/v1/profiles/{ivan}/")));
    assert_not_found(&judy.patch(&format!("/api/v1/profiles/{ivan}/"), &json!({ "job_title": "x" })));
    let listed = get_ok(&judy, "/api/v1/profiles/");
    assert_eq!(listed["count"], 1, "one's own profile only: {listed}");
    assert_detail(&judy.post("/api/v1/profiles/", &json!({})), 405, "method_not_allowed");
    assert_detail(&ivan_client.delete("/api/v1/profiles/me/"), 405, "method_not_allowed");
    assert_detail(&server.client().get("/api/v1/profiles/me/"), 401, "not_authenticated");
    assert_eq!(get_ok(&server.admin(), "/api/v1/profiles/")["count"], 3, "superusers see all");
}
