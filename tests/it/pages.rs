//! The admin pages' plumbing over HTTP: the page and its files (versioned, cached, ETags,
//! security headers) and the session cookie with its CSRF token.

use serde_json::json;

use crate::common::{ADMIN_PASSWORD, Client, Resp, TestServer, assert_detail};

/// Signs in for the pages; answers the cookie (`name=value`) and the CSRF token.
fn sign_in(client: &Client, username: &str, password: &str) -> (String, String) {
    let body = serde_json::to_vec(&json!({ "username": username, "password": password })).expect("json");
    let resp = client.request("POST", "/api/v1/auth/session/", &[("Content-Type", "application/json")], Some(&body));
    assert_eq!(resp.status, 200, "{}", resp.text);
    let set = resp.header("Set-Cookie").expect("a cookie is set").to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set.split("; ").any(|a| a == attribute), "{attribute} missing from {set}");
    }
    assert!(resp.json.get("token").is_none() && !resp.text.contains(set.split(';').next().unwrap_or("?")));
    let csrf = resp.json["csrf_token"].as_str().expect("csrf token").to_string();
    (set.split(';').next().expect("pair").to_string(), csrf)
}

fn with_cookie(
    client: &Client,
    method: &str,
    path: &str,
    cookie: &str,
    csrf: Option<&str>,
    body: Option<&str>,
) -> Resp {
    let mut headers = vec![("Cookie", cookie), ("Content-Type", "application/json")];
    if let Some(csrf) = csrf {
        headers.push(("X-CSRF-Token", csrf));
    }
    client.request(method, path, &headers, body.map(str::as_bytes))
}

#[test]
fn the_page_and_its_files_are_served_versioned_with_strict_headers() {
    let server = TestServer::start();
    let client = server.client();
    let page = client.get("/");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert_eq!(page.header("Cache-Control"), Some("no-cache"));
    let csp = page.header("Content-Security-Policy").expect("CSP");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(page.header("X-Frame-Options"), Some("DENY"));
    assert_eq!(page.header("X-Content-Type-Options"), Some("nosniff"));
    assert_eq!(page.header("Referrer-Policy"), Some("same-origin"));
    assert!(!page.text.contains("<script>"), "no inline script");
    let script = page.text.split("src=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a script URL");
    assert!(script.starts_with("/assets/") && script.ends_with("/app.js"), "{script}");

    let app = client.get(script);
    assert_eq!(app.status, 200);
    assert_eq!(app.header("Content-Type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(app.header("Cache-Control"), Some("public, max-age=31536000, immutable"));
    let etag = app.header("ETag").expect("etag");
    let again = client.request("GET", script, &[("If-None-Match", etag)], None);
    assert_eq!((again.status, again.text.as_str()), (304, ""));
    let page_etag = page.header("ETag").expect("page etag");
    assert_eq!(client.request("GET", "/", &[("If-None-Match", page_etag)], None).status, 304);

    // An old version's file is still served, but not cached for long; unknown files are 404.
    assert_eq!(client.get("/assets/0000/app.js").header("Cache-Control"), Some("no-cache"));
    assert_detail(&client.get(&script.replace("app.js", "nope.js")), 404, "not_found");
    assert_detail(&client.get(&script.replace("app.js", "index.html")), 404, "not_found");
    assert_detail(&client.get("/etc/passwd"), 404, "not_found");
    assert_detail(&client.post("/", &json!({})), 405, "method_not_allowed");
    // The API answers carry the same headers.
    assert_eq!(client.get("/api/v1/health/").header("X-Frame-Options"), Some("DENY"));
}

#[test]
fn the_session_cookie_signs_in_and_unsafe_requests_need_its_csrf_token() {
    let server = TestServer::start();
    let client = server.client();
    // Only JSON signs in: a cross-site form cannot.
    let form = client.request(
        "POST",
        "/api/v1/auth/session/",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(format!("username=admin&password={ADMIN_PASSWORD}").as_bytes()),
    );
    assert_detail(&form, 415, "unsupported_media_type");
    let wrong = br#"{"username":"admin","password":"nope"}"#;
    let refused = client.request("POST", "/api/v1/auth/session/", &[("Content-Type", "application/json")], Some(wrong));
    assert_eq!(refused.status, 401);
    assert!(refused.header("Set-Cookie").is_none());

    let (cookie, csrf) = sign_in(&client, "admin", ADMIN_PASSWORD);
    let shown = with_cookie(&client, "GET", "/api/v1/auth/session/", &cookie, None, None);
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert_eq!(
        (shown.json["csrf_token"].as_str(), shown.json["user"]["username"].as_str()),
        (Some(csrf.as_str()), Some("admin"))
    );
    assert_eq!(with_cookie(&client, "GET", "/api/v1/contacts/", &cookie, None, None).json["count"], 0);

    // A write with the cookie but without (or with a wrong) CSRF token is refused and writes nothing.
    let body = r#"{"first_name":"Ada","last_name":"Lovelace"}"#;
    for token in [None, Some("forged"), Some("")] {
        assert_detail(
            &with_cookie(&client, "POST", "/api/v1/contacts/", &cookie, token, Some(body)),
            403,
            "csrf_failed",
        );
    }
    assert_eq!(server.admin().get("/api/v1/contacts/").json["count"], 0);
    let created = with_cookie(&client, "POST", "/api/v1/contacts/", &cookie, Some(&csrf), Some(body));
    assert_eq!(created.status, 201, "{}", created.text);
    // The audit trail names the user the cookie signed in.
    let id = created.json["id"].as_str().expect("id");
    let trail = server.admin().get(&format!("/api/v1/audit-logs/?object_id={id}"));
    assert_eq!(trail.json["results"][0]["username"], "admin", "{}", trail.text);
    assert_eq!(trail.json["results"][0]["context"]["origin"], "admin", "the pages' writes are told apart");

    // Signing out needs the token too, ends the session and removes the cookie.
    assert_detail(&with_cookie(&client, "DELETE", "/api/v1/auth/session/", &cookie, None, None), 403, "csrf_failed");
    let out = with_cookie(&client, "DELETE", "/api/v1/auth/session/", &cookie, Some(&csrf), None);
    assert_eq!(out.status, 204, "{}", out.text);
    assert!(out.header("Set-Cookie").is_some_and(|c| c.contains("Max-Age=0")));
    assert_detail(&with_cookie(&client, "GET", "/api/v1/auth/session/", &cookie, None, None), 401, "not_authenticated");
    // The stale cookie counts as none: public answers still come, writes are anonymous (401).
    assert_eq!(with_cookie(&client, "GET", "/", &cookie, None, None).status, 200);
    let anonymous = with_cookie(&client, "POST", "/api/v1/contacts/", &cookie, Some(&csrf), Some(body));
    assert_detail(&anonymous, 401, "not_authenticated");
}

#[test]
fn a_page_session_cannot_be_used_as_a_bearer_token_and_changes_its_password_itself() {
    let server = TestServer::start();
    let client = server.client();
    let (cookie, csrf) = sign_in(&client, "admin", ADMIN_PASSWORD);
    let token = cookie.split_once('=').expect("pair").1;
    assert_detail(&client.with_token(token).get("/api/v1/users/"), 401, "not_authenticated");
    let change = json!({ "old_password": ADMIN_PASSWORD, "new_password": "a-Much-better-pass-42" }).to_string();
    let changed = with_cookie(&client, "POST", "/api/v1/auth/password/change/", &cookie, Some(&csrf), Some(&change));
    assert_eq!(changed.status, 200, "{}", changed.text);
    sign_in(&client, "admin", "a-Much-better-pass-42");
}

/// `meta/models/` as `caller` sees it: model name → (area, can).
fn abilities(caller: &Client) -> std::collections::HashMap<String, (String, serde_json::Value)> {
    let meta = crate::common::get_ok(caller, "/api/v1/meta/models/");
    let models = meta["models"].as_array().expect("models");
    models
        .iter()
        .filter(|m| m["nested"] == false)
        .map(|m| {
            (
                m["name"].as_str().expect("name").to_string(),
                (m["area"].as_str().expect("area").to_string(), m["can"].clone()),
            )
        })
        .collect()
}

#[test]
fn the_model_list_says_what_the_caller_may_do_with_each_model() {
    let server = TestServer::start();
    let admin = abilities(&server.admin());
    let all = json!({ "view": true, "add": true, "change": true, "delete": true });
    assert_eq!(admin["contact"], ("contacts".to_string(), all.clone()));
    assert_eq!(admin["organization"].1, all);
    assert_eq!(admin["country"].1, json!({ "view": true, "add": false, "change": false, "delete": false }));
    assert_eq!(admin["auditlog"].1["view"], true);
    assert_eq!(admin["auditlog"].1["change"], false);

    // A viewer in one organization: may look at contacts and organizations, change nothing,
    // and is not offered the staff's models.
    let (_, viewer) = crate::common::organization_with_member(&server, "Acme", "Viewer");
    let viewer = abilities(&viewer);
    let look = json!({ "view": true, "add": false, "change": false, "delete": false });
    assert_eq!(viewer["contact"].1, look);
    assert_eq!(viewer["organization"].1, look);
    assert_eq!(viewer["user"].1["view"], false);
    assert_eq!(viewer["auditlog"].1, look, "their organization's trail (`*.view` covers it)");
    assert_eq!(viewer["currency"].1, look, "reference data is written with a global permission only");
    // Anonymous callers are offered what anyone may read.
    let anonymous = abilities(&server.client());
    assert_eq!(anonymous["currency"].1["view"], true);
    assert_eq!(anonymous["contact"].1["view"], false);
}
