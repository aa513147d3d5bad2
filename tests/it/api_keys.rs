//! API keys: the secret is shown once, `X-API-Key` authenticates as the owner, revoked and
//! expired keys are refused, keys are private to their owner, and only hashes are stored.

use serde_json::json;

use crate::common::{Client, Resp, TestServer, assert_detail, assert_field_error, get_ok, regular_user};

const KEYS: &str = "/api/v1/auth/api-keys/";

fn with_key(client: &Client, path: &str, key: &str, method: &str, body: Option<&serde_json::Value>) -> Resp {
    let bytes = body.map(|b| b.to_string().into_bytes());
    let anonymous = Client { addr: client.addr, token: None };
    anonymous.request(method, path, &[("X-API-Key", key), ("Content-Type", "application/json")], bytes.as_deref())
}

#[test]
fn a_key_is_shown_once_and_authenticates_as_its_owner() {
    let server = TestServer::start();
    let admin = server.admin();
    let created = admin.post(KEYS, &json!({ "name": "backup script" }));
    assert_eq!(created.status, 201, "{}", created.text);
    let key = created.json["key"].as_str().expect("the secret, once").to_string();
    let prefix = created.json["prefix"].as_str().expect("prefix");
    assert!(key.starts_with(prefix), "{key} starts with {prefix}");

    let listed = get_ok(&admin, KEYS);
    assert_eq!(listed["count"], 1);
    assert!(listed["results"][0].get("key").is_none() && !listed.to_string().contains(&key), "never listed");

    let uom = json!({ "code": "KEYED", "name": "Keyed", "uom_type": "Count" });
    let written = with_key(&admin, "/api/v1/uoms/", &key, "POST", Some(&uom));
    assert_eq!(written.status, 201, "{}", written.text);
    assert_eq!(written.json["created_by"], created.json["owner"]);
    let id = created.json["id"].as_str().expect("id");
    assert!(get_ok(&admin, &format!("{KEYS}{id}/"))["last_used_at"].is_string(), "use is recorded");

    let stored: Vec<String> = server
        .db()
        .read(|conn| {
            let mut stmt = conn.prepare("SELECT key_hash FROM api_keys")?;
            let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok::<_, plinth::store::StoreError>(rows)
        })
        .expect("keys");
    assert!(!stored.iter().any(|h| h.contains(&key[4..])), "only the hash is stored");
}

#[test]
fn revoked_expired_and_unknown_keys_are_refused() {
    let server = TestServer::start();
    let admin = server.admin();
    let first = admin.post(KEYS, &json!({ "name": "one" }));
    let second = admin.post(KEYS, &json!({ "name": "two", "expires_at": "2999-01-01T00:00:00Z" }));
    let (key1, key2) =
        (first.json["key"].as_str().expect("key").to_string(), second.json["key"].as_str().expect("key").to_string());
    assert_eq!(with_key(&admin, "/api/v1/audit-logs/", &key2, "GET", None).status, 200);

    let id1 = first.json["id"].as_str().expect("id");
    assert_eq!(admin.delete(&format!("{KEYS}{id1}/")).status, 204);
    assert_detail(&with_key(&admin, "/api/v1/audit-logs/", &key1, "GET", None), 401, "not_authenticated");
    assert_eq!(get_ok(&admin, &format!("{KEYS}{id1}/"))["revoked"], true);

    server
        .db()
        .write(|conn| {
            conn.execute("UPDATE api_keys SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE name = 'two'", [])
                .map_err(plinth::store::StoreError::from)
        })
        .expect("expire");
    assert_detail(&with_key(&admin, "/api/v1/audit-logs/", &key2, "GET", None), 401, "not_authenticated");
    assert_eq!(with_key(&admin, "/api/v1/health/", "plk_forged", "GET", None).status, 200, "health needs no key");
    assert_detail(&with_key(&admin, "/api/v1/uoms/", "plk_forged", "GET", None), 401, "not_authenticated");

    let actions = get_ok(&admin, "/api/v1/audit-logs/?model=apikey");
    let kinds: Vec<&str> =
        actions["results"].as_array().expect("results").iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["API_KEY_REVOKED", "API_KEY_CREATED", "API_KEY_CREATED"]);
}

#[test]
fn keys_are_private_to_their_owner_and_need_a_session() {
    let server = TestServer::start();
    let admin = server.admin();
    let id = admin.post(KEYS, &json!({ "name": "mine" })).json["id"].as_str().expect("id").to_string();
    let bob = regular_user(&server);
    assert_eq!(get_ok(&bob, KEYS)["count"], 0);
    assert_detail(&bob.get(&format!("{KEYS}{id}/")), 404, "not_found");
    assert_detail(&bob.delete(&format!("{KEYS}{id}/")), 404, "not_found");
    assert_detail(&server.client().get(KEYS), 401, "not_authenticated");
    assert_field_error(&admin.post(KEYS, &json!({})), "name", "required");
    assert_field_error(
        &admin.post(KEYS, &json!({ "name": "x", "expires_at": "2001-01-01T00:00:00Z" })),
        "expires_at",
        "future",
    );
    assert_field_error(&admin.post(KEYS, &json!({ "name": "x", "expires_at": "soon" })), "expires_at", "format");
}
