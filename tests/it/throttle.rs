//! Login throttling: per username and per client address, 429 with `Retry-After`, reset by a
//! success, and `X-Forwarded-For` believed only from a configured trusted proxy.

use std::time::Duration;

use serde_json::json;

use crate::common::{ADMIN_PASSWORD, Resp, TestServer, assert_detail};

const TOKEN: &str = "/api/v1/auth/token/";

fn limits(username_failures: u32, address_failures: u32) -> impl FnOnce(&mut plinth::Config) {
    move |config| {
        config.throttle.per_username =
            plinth::auth::Limit { free_failures: username_failures, max_cool_off: Duration::from_secs(30) };
        config.throttle.per_address =
            plinth::auth::Limit { free_failures: address_failures, max_cool_off: Duration::from_secs(300) };
    }
}

fn login(server: &TestServer, username: &str, password: &str, forwarded_for: Option<&str>) -> Resp {
    let body = json!({ "username": username, "password": password }).to_string();
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(hops) = forwarded_for {
        headers.push(("X-Forwarded-For", hops));
    }
    server.client().request("POST", TOKEN, &headers, Some(body.as_bytes()))
}

fn assert_throttled(resp: &Resp) {
    assert_detail(resp, 429, "throttled");
    let retry: u64 = resp.header("Retry-After").and_then(|v| v.parse().ok()).expect("Retry-After seconds");
    assert!((1..=30).contains(&retry), "Retry-After {retry}");
}

#[test]
fn repeated_failures_for_a_username_are_throttled_even_with_the_right_password() {
    let server = TestServer::start_with(limits(2, 100));
    for _ in 0..2 {
        assert_detail(&login(&server, "admin", "wrong-password", None), 401, "not_authenticated");
    }
    assert_throttled(&login(&server, "admin", ADMIN_PASSWORD, None));
    assert_throttled(&login(&server, "ADMIN", ADMIN_PASSWORD, None));
    assert_detail(&login(&server, "someone-else", "whatever-pass", None), 401, "not_authenticated");
}

#[test]
fn a_successful_login_resets_the_username_count() {
    let server = TestServer::start_with(limits(2, 100));
    assert_eq!(login(&server, "admin", "wrong-password", None).status, 401);
    assert_eq!(login(&server, "admin", ADMIN_PASSWORD, None).status, 200);
    assert_eq!(login(&server, "admin", "wrong-password", None).status, 401);
    assert_eq!(login(&server, "admin", ADMIN_PASSWORD, None).status, 200, "one failure after a reset is free");
}

#[test]
fn an_address_guessing_many_usernames_is_throttled() {
    let server = TestServer::start_with(limits(100, 3));
    for name in ["u1", "u2", "u3"] {
        assert_eq!(login(&server, name, "wrong-password", None).status, 401);
    }
    assert_throttled(&login(&server, "u4", "wrong-password", None));
}

#[test]
fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
    let server = TestServer::start_with(limits(100, 2));
    for hop in ["10.0.0.1", "10.0.0.2"] {
        assert_eq!(login(&server, "x", "wrong-password", Some(hop)).status, 401);
    }
    assert_throttled(&login(&server, "x", "wrong-password", Some("10.0.0.3")));

    let behind_proxy = TestServer::start_with(|config| {
        limits(100, 2)(config);
        config.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
    });
    for hop in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
        assert_eq!(login(&behind_proxy, "x", "wrong-password", Some(hop)).status, 401, "each client counts alone");
    }
    let admin = behind_proxy.admin();
    let failed = &admin.get("/api/v1/audit-logs/?action=LOGIN_FAILED").json["results"][0];
    assert_eq!(failed["context"]["ip"], "10.0.0.3", "the audit trail records the real client");
}
