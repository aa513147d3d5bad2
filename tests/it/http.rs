//! The HTTP layer, independent of any one model: body limits (by `Content-Length`, chunked and
//! absurd announcements), body parsing and content types, the DRF error shapes for unknown
//! routes and methods, trailing slashes, request ids, response content type, keep-alive, and
//! that no answer ever leaks SQL, panics or stack traces.

use std::io::{Read, Write};

use serde_json::{Value, json};

use crate::common::{
    ADMIN_PASSWORD, Connection, Resp, TestServer, assert_detail, connect, enc, head, parse_response, response_end,
};

const TOKEN: &str = "/api/v1/auth/token/";
const HEALTH: &str = "/api/v1/health/";
const JSON_TYPE: &str = "application/json; charset=utf-8";

/// The login body of the bootstrap admin.
fn admin_credentials() -> Value {
    json!({ "username": "admin", "password": ADMIN_PASSWORD })
}

/// Asserts `resp` is the DRF error `{"detail": ..., "code": code}` with `status`.
fn assert_error(resp: &Resp, status: u16, code: &str) {
    assert_detail(resp, status, code);
    assert_eq!(resp.header("Content-Type"), Some(JSON_TYPE));
}

/// Asserts the server still answers a fresh connection normally.
fn assert_healthy(server: &TestServer) {
    let health = server.client().get(HEALTH);
    assert_eq!(health.status, 200, "server unhealthy: {}", health.text);
    assert_eq!(health.json, json!({ "status": "ok", "version": plinth::VERSION }));
}

/// `body` in HTTP/1.1 chunked framing, `chunk` bytes per chunk.
fn chunked(body: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + body.len() / chunk * 8 + 8);
    for part in body.chunks(chunk) {
        out.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        out.extend_from_slice(part);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// A chunked POST of `body` to `path`, as raw bytes.
fn chunked_post(server: &TestServer, path: &str, body: &[u8]) -> Vec<u8> {
    let head = head(
        server,
        "POST",
        path,
        &["Connection: close", "Content-Type: application/json", "Transfer-Encoding: chunked"],
    );
    let mut raw = head.into_bytes();
    raw.extend_from_slice(&chunked(body, 4096));
    raw
}

/// A body of exactly `len` bytes: the admin login padded with trailing whitespace.
fn padded_login(len: usize) -> Vec<u8> {
    let mut body = serde_json::to_vec(&admin_credentials()).expect("json");
    assert!(body.len() <= len, "login body alone is {} bytes", body.len());
    body.resize(len, b' ');
    body
}

#[test]
fn body_over_limit_by_content_length_is_refused_before_the_body_is_read() {
    let server = TestServer::start();
    let mut conn = Connection::open(server.addr);
    // Announce 2 MiB (over the 1 MiB default) but send none of it: the answer must come anyway.
    let request = head(
        &server,
        "POST",
        TOKEN,
        &["Content-Type: application/json", &format!("Content-Length: {}", 2 * 1024 * 1024)],
    );
    conn.send(request.as_bytes());
    let resp = conn.response();
    assert_error(&resp, 413, "too_large");
    assert!(resp.json["detail"].as_str().unwrap().contains("1048576"), "detail names the limit: {}", resp.text);
    drop(conn);
    assert_healthy(&server);
}

#[test]
fn chunked_body_over_the_limit_is_refused_and_server_stays_healthy() {
    let server = TestServer::start();
    // 1.5 MiB of valid-looking JSON, chunked, so no Content-Length tells the server in advance.
    let mut body = b"{\"username\": \"admin\", \"password\": \"".to_vec();
    body.resize(3 * 512 * 1024, b'x');
    body.extend_from_slice(b"\"}");
    let resp = server.client().raw(&chunked_post(&server, TOKEN, &body));
    assert_error(&resp, 413, "too_large");
    assert_healthy(&server);
    // The server still logs in normally afterwards.
    assert_eq!(server.client().post(TOKEN, &admin_credentials()).status, 200);
}

#[test]
fn enormous_content_length_gets_413_and_server_keeps_serving() {
    let server = TestServer::start();
    for path in [TOKEN, "/api/v1/currencies/", "/api/v1/uoms/KG/"] {
        let method = if path.ends_with("KG/") { "PATCH" } else { "POST" };
        let mut conn = Connection::open(server.addr);
        let request = head(&server, method, path, &["Content-Type: application/json", "Content-Length: 1000000000000"]);
        conn.send(request.as_bytes());
        // A few body bytes after the head, as a real client would start sending.
        conn.send(&[b'x'; 1000]);
        let resp = conn.response();
        assert_error(&resp, 413, "too_large");
        drop(conn);
        assert_healthy(&server);
    }
}

/// Sends `raw` (a request whose body the server refuses or ignores) and then a plain health
/// check on the same connection; answers every response the connection carried, in order.
fn responses_after_refused_body(server: &TestServer, raw: &[u8]) -> Vec<Resp> {
    let mut stream = connect(server.addr);
    let mut bytes = raw.to_vec();
    bytes.extend_from_slice(head(server, "GET", HEALTH, &["Connection: close"]).as_bytes());
    // The server may close before reading everything; what it answered is still readable.
    let _ = stream.write_all(&bytes);
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received);
    let mut responses = Vec::new();
    while !received.is_empty() {
        let end = response_end(&received).unwrap_or(received.len());
        responses.push(parse_response(&received[..end]));
        received.drain(..end);
    }
    responses
}

#[test]
fn refused_bodies_are_never_run_as_requests() {
    let server = TestServer::start_with(|config| config.body_limit = 100);
    // A request hidden in a body the server will refuse: it must never be answered.
    let hidden = head(&server, "GET", "/api/v1/currencies/USD/", &[]);
    let post = |path: &str, extra: &[&str], body: &[u8]| {
        let mut headers = vec!["Content-Type: application/json"];
        headers.extend_from_slice(extra);
        let mut raw = head(&server, "POST", path, &headers).into_bytes();
        raw.extend_from_slice(body);
        raw
    };
    let mut small_body = hidden.clone().into_bytes();
    small_body.resize(5_000, b' ');
    // Large: refused from its Content-Length, never read as requests.
    let mut large_body = hidden.clone().into_bytes();
    large_body.resize(300_000, b' ');
    let small_length = format!("Content-Length: {}", small_body.len());
    let large_length = format!("Content-Length: {}", large_body.len());
    let mut chunk = vec![b' '; 101];
    chunk.extend_from_slice(hidden.as_bytes());
    // A body within the limit that the handler never looks at.
    let mut fitting_body = hidden.clone().into_bytes();
    fitting_body.resize(100, b' ');
    let fitting_length = format!("Content-Length: {}", fitting_body.len());
    let cases = [
        ("Content-Length", post(TOKEN, &[&small_length], &small_body), (413, "too_large")),
        ("Content-Length, large", post(TOKEN, &[&large_length], &large_body), (413, "too_large")),
        ("chunked", post(TOKEN, &["Transfer-Encoding: chunked"], &chunked(&chunk, chunk.len())), (413, "too_large")),
        // The server reads every body before routing: one over the limit is refused first.
        ("unknown route, large", post("/api/v1/nothing/", &[&large_length], &large_body), (413, "too_large")),
        ("wrong method, large", post(HEALTH, &[&large_length], &large_body), (413, "too_large")),
        // Answers whose handler never reads the body: it is skipped all the same.
        ("unknown route", post("/api/v1/nothing/", &[&fitting_length], &fitting_body), (404, "not_found")),
        ("wrong method", post(HEALTH, &[&fitting_length], &fitting_body), (405, "method_not_allowed")),
    ];
    let mut problems = Vec::new();
    for (case, raw, (status, code)) in cases {
        let responses = responses_after_refused_body(&server, &raw);
        let summary: Vec<String> = responses.iter().map(|r| format!("{} {}", r.status, r.text)).collect();
        assert!(!responses.is_empty(), "{case}: no answer at all");
        assert_error(&responses[0], status, code);
        if responses.iter().any(|r| r.text.contains("United States dollar")) {
            problems.push(format!("{case}: the body of a refused request was run as a request: {summary:?}"));
        }
        // After the refusal the server either closes the connection (nothing more is answered)
        // or skips the body and answers the next real request.
        let rest = &responses[1..];
        if !(rest.is_empty() || (rest.len() == 1 && rest[0].json["status"] == "ok")) {
            problems.push(format!("{case}: after the refusal only the next request may be answered: {summary:?}"));
        }
        assert_healthy(&server);
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn configured_body_limit_applies_at_its_exact_boundary() {
    let server = TestServer::start_with(|config| config.body_limit = 100);
    let client = server.client();
    let post = |body: &[u8]| client.request("POST", TOKEN, &[("Content-Type", "application/json")], Some(body));

    let at_limit = post(&padded_login(100));
    assert_eq!(at_limit.status, 200, "100 bytes fit a limit of 100: {}", at_limit.text);
    assert!(at_limit.json["access"].is_string());

    let over = post(&padded_login(101));
    assert_error(&over, 413, "too_large");
    assert!(over.json["detail"].as_str().unwrap().contains("100 bytes"), "{}", over.text);

    let chunked_at_limit = client.raw(&chunked_post(&server, TOKEN, &padded_login(100)));
    assert_eq!(chunked_at_limit.status, 200, "chunked, 100 bytes: {}", chunked_at_limit.text);

    let chunked_over = client.raw(&chunked_post(&server, TOKEN, &padded_login(101)));
    assert_error(&chunked_over, 413, "too_large");

    let chunked_far_over = client.raw(&chunked_post(&server, TOKEN, &padded_login(5000)));
    assert_error(&chunked_far_over, 413, "too_large");
    assert_healthy(&server);
}

#[test]
fn malformed_json_is_a_400_parse_error() {
    let server = TestServer::start();
    let admin = server.admin();
    let units_before = server.client().get("/api/v1/uoms/?page_size=1000").json["count"].clone();
    let malformed: [&[u8]; 5] = [b"{\"username\": ", b"{'username': 'admin'}", b"{\"a\": 1,}", b"nul", b"\xff\xfe{}"];
    for body in malformed {
        for (client, path) in [(&server.client(), TOKEN), (&admin, "/api/v1/uoms/")] {
            let resp = client.request("POST", path, &[("Content-Type", "application/json")], Some(body));
            assert_error(&resp, 400, "parse_error");
            assert!(resp.json["detail"].as_str().unwrap().starts_with("JSON parse error"), "{}", resp.text);
        }
    }
    // Nothing was created by the malformed writes.
    assert!(units_before.as_u64() > Some(0));
    assert_eq!(server.client().get("/api/v1/uoms/?page_size=1000").json["count"], units_before);
}

#[test]
fn deeply_nested_json_is_a_400_not_a_crash() {
    // A request line long enough for the nested filter below (the default refuses it, 414).
    let server = TestServer::start_with(|config| {
        config.max_request_line = 256 * 1024;
        config.max_header_bytes = 256 * 1024;
    });
    let admin = server.admin();
    let depth = 10_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    for body in [arrays, objects] {
        for (client, path) in [(&server.client(), TOKEN), (&admin, "/api/v1/uoms/")] {
            let resp = client.request("POST", path, &[("Content-Type", "application/json")], Some(body.as_bytes()));
            assert_error(&resp, 400, "parse_error");
        }
    }
    // A nested filter in a query string is refused the same way, not by overflowing the stack.
    let filter = format!("{}{}", "{\"not\":".repeat(depth), "}".repeat(depth));
    let path = format!("/api/v1/currencies/?filter={}", enc(&filter));
    let resp = server.client().get(&path);
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert_healthy(&server);
    let default_limits = TestServer::start();
    assert_error(&default_limits.client().get(&path), 414, "uri_too_long");
}

#[test]
fn non_object_bodies_are_400_field_errors() {
    let server = TestServer::start();
    let admin = server.admin();
    for body in [json!([1, 2]), json!("admin"), json!(42), json!(null), json!(true)] {
        let login = server.client().post(TOKEN, &body);
        assert_eq!(login.status, 400, "login with {body}: {}", login.text);
        assert!(login.json["non_field_errors"][0].as_str().is_some(), "login with {body}: {}", login.text);
        assert!(login.json.get("access").is_none());

        let create = admin.post("/api/v1/uoms/", &body);
        assert_eq!(create.status, 400, "create with {body}: {}", create.text);
        assert!(create.json["non_field_errors"][0].as_str().is_some(), "create with {body}: {}", create.text);
    }
}

#[test]
fn unsupported_content_type_is_415() {
    let server = TestServer::start();
    let body = serde_json::to_vec(&admin_credentials()).expect("json");
    for kind in ["text/plain", "text/plain; charset=utf-8", "application/xml", "multipart/form-data; boundary=x"] {
        let resp = server.client().request("POST", TOKEN, &[("Content-Type", kind)], Some(&body));
        assert_error(&resp, 415, "unsupported_media_type");
        assert!(resp.json.get("access").is_none());
    }
    // The media type is matched case-insensitively and parameters are ignored.
    let resp =
        server.client().request("POST", TOKEN, &[("Content-Type", "Application/JSON; charset=UTF-8")], Some(&body));
    assert_eq!(resp.status, 200, "{}", resp.text);
}

#[test]
fn form_urlencoded_login_is_accepted() {
    let server = TestServer::start();
    let form = format!("username=admin&password={}", enc(ADMIN_PASSWORD));
    let resp = server.client().request(
        "POST",
        TOKEN,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(form.as_bytes()),
    );
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.json["user"]["username"], "admin");
    let token = resp.json["access"].as_str().expect("access token");
    // The token is a real one.
    let created = server
        .client()
        .with_token(token)
        .post("/api/v1/uoms/", &json!({ "code": "CRT", "name": "Crate", "uom_type": "Count" }));
    assert_eq!(created.status, 201, "{}", created.text);

    let wrong = server.client().request(
        "POST",
        TOKEN,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(b"username=admin&password=wrong-password"),
    );
    assert_error(&wrong, 401, "not_authenticated");
}

#[test]
fn unknown_route_is_a_json_404() {
    let server = TestServer::start();
    let expected = json!({ "detail": "Not found.", "code": "not_found" });
    for path in
        ["/api/v1/nothing-here/", "/api/v1/", "/nowhere", "/api/v2/currencies/", "/api/v1/currencies/USD/extra/deep/"]
    {
        let resp = server.client().get(path);
        assert_eq!(resp.status, 404, "{path}: {}", resp.text);
        assert_eq!(resp.json, expected, "{path}");
        assert_eq!(resp.header("Content-Type"), Some(JSON_TYPE), "{path}");
    }
    // Also for other methods and an authenticated caller.
    let resp = server.admin().post("/api/v1/nothing-here/", &json!({}));
    assert_eq!((resp.status, resp.json), (404, expected));
}

#[test]
fn wrong_method_is_405_with_allow_header() {
    let server = TestServer::start();
    let cases = [
        ("DELETE", "/api/v1/currencies/", "GET, POST, HEAD"),
        ("PUT", "/api/v1/currencies", "GET, POST, HEAD"),
        ("POST", "/api/v1/currencies/USD/", "GET, PUT, PATCH, DELETE, HEAD"),
        ("GET", TOKEN, "POST"),
        ("GET", "/api/v1/auth/logout/", "POST"),
        ("POST", HEALTH, "GET, HEAD"),
        ("DELETE", "/api/v1/meta/models/", "GET, HEAD"),
    ];
    for (method, path, allow) in cases {
        let resp = server.client().request(method, path, &[], None);
        assert_error(&resp, 405, "method_not_allowed");
        let got: Vec<&str> = resp.header("Allow").unwrap_or_default().split(',').map(str::trim).collect();
        assert_eq!(got, allow.split(", ").collect::<Vec<_>>(), "{method} {path}");
    }
}

#[test]
fn trailing_slash_is_optional_without_redirect() {
    let server = TestServer::start();
    for path in ["/api/v1/currencies/?page_size=1000", "/api/v1/currencies/EUR/", "/api/v1/meta/models/", HEALTH] {
        let canonical = server.client().get(path);
        let bare = server.client().get(&path.replacen("/?", "?", 1).trim_end_matches('/').replace("//", "/"));
        assert_eq!(canonical.status, 200, "{path}: {}", canonical.text);
        assert_eq!(bare.status, 200, "{path} without slash: {}", bare.text);
        assert!(bare.header("Location").is_none(), "no redirect for {path}");
        assert!(canonical.json.is_object(), "{path}: {}", canonical.text);
        assert_eq!(canonical.json, bare.json, "{path}");
    }
    // The list really was served: every active currency on one page.
    let list = server.client().get("/api/v1/currencies?page_size=1000").json;
    assert_eq!(list["next"], Value::Null);
    assert_eq!(list["count"].as_u64(), Some(list["results"].as_array().expect("results").len() as u64));
    assert!(list["count"].as_u64() > Some(100), "all active ISO currencies: {}", list["count"]);
    // Writes too.
    let login = server.client().post("/api/v1/auth/token", &admin_credentials());
    assert_eq!(login.status, 200, "{}", login.text);
}

#[test]
fn request_id_is_echoed_when_sane_and_generated_otherwise() {
    let server = TestServer::start();
    let client = server.client();
    let sane = "req-0123456789-abcdef";
    let echoed = client.request("GET", HEALTH, &[("X-Request-Id", sane)], None);
    assert_eq!(echoed.header("X-Request-Id"), Some(sane));
    // Errors carry it as well.
    let missing = client.request("GET", "/api/v1/nothing/", &[("X-Request-Id", sane)], None);
    assert_eq!((missing.status, missing.header("X-Request-Id")), (404, Some(sane)));

    let longest = "b".repeat(64);
    let at_limit = client.request("GET", HEALTH, &[("X-Request-Id", &longest)], None);
    assert_eq!(at_limit.header("X-Request-Id"), Some(longest.as_str()), "64 characters are still echoed");
    let long = "a".repeat(65);
    let generated: Vec<String> = [None, Some("has spaces in it"), Some("<script>"), Some("a\"b"), Some(long.as_str())]
        .into_iter()
        .map(|sent| {
            let headers: Vec<(&str, &str)> = sent.map(|id| ("X-Request-Id", id)).into_iter().collect();
            let resp = client.request("GET", HEALTH, &headers, None);
            let id = resp.header("X-Request-Id").expect("a request id is always answered").to_string();
            assert_ne!(Some(id.as_str()), sent, "an unsafe id is not echoed");
            assert!(!id.is_empty() && id.len() <= 64, "{id:?}");
            assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{id:?}");
            id
        })
        .collect();
    let mut unique = generated.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), generated.len(), "generated ids are unique: {generated:?}");
}

#[test]
fn json_answers_declare_utf8_json_content_type() {
    let server = TestServer::start();
    let client = server.client();
    let answers = [
        client.get(HEALTH),
        client.get("/api/v1/currencies/"),
        client.get("/api/v1/currencies/?page_size=1000"),
        client.get("/api/v1/currencies/USD/"),
        client.get("/api/v1/openapi.json"),
        client.get("/api/v1/meta/models/"),
        client.get("/api/v1/currencies/XXX/"),
        client.get("/api/v1/currencies/?ordering=nonsense"),
        client.request("PUT", HEALTH, &[], None),
        client.post(TOKEN, &json!({})),
        client.post(TOKEN, &admin_credentials()),
        client.request("POST", TOKEN, &[("Content-Type", "text/plain")], Some(b"x")),
    ];
    for resp in answers {
        assert_eq!(resp.header("Content-Type"), Some(JSON_TYPE), "status {}: {}", resp.status, resp.text);
        assert!(resp.json.is_object(), "body is a JSON object: {}", resp.text);
        // Large answers are chunked; the others say how long they are.
        if let Some(length) = resp.header("Content-Length") {
            assert_eq!(length.parse::<usize>().expect("number"), resp.text.len());
        } else {
            assert_eq!(resp.header("Transfer-Encoding"), Some("chunked"), "status {}", resp.status);
        }
    }
}

/// Fails when an answer is a server error or shows internals.
fn assert_no_leak(resp: &Resp, what: &str) {
    assert!(resp.status < 500, "{what}: server error {}: {}", resp.status, resp.text);
    let lower = resp.text.to_lowercase();
    let lower_headers = format!("{:?}", resp.headers).to_lowercase();
    for needle in
        ["sql", "panicked", "stack backtrace", "rust_backtrace", ".rs:", "src/", "no such column", "constraint failed"]
    {
        assert!(!lower.contains(needle), "{what}: body shows {needle:?}: {}", resp.text);
        assert!(!lower_headers.contains(needle), "{what}: headers show {needle:?}: {lower_headers}");
    }
}

#[test]
fn nasty_inputs_never_leak_sql_or_panics() {
    let server = TestServer::start();
    let anonymous = server.client();
    let admin = server.admin();
    let filter = |value: Value| format!("/api/v1/currencies/?filter={}", enc(&value.to_string()));
    let gets = [
        "/api/v1/currencies/'%20OR%20'1'='1/".to_string(),
        "/api/v1/currencies/%00/".to_string(),
        "/api/v1/currencies/%22%3B%20DROP%20TABLE%20users%3B%20--/".to_string(),
        "/api/v1/currencies/?ordering=code;DROP%20TABLE%20users".to_string(),
        "/api/v1/currencies/?ordering=-".to_string(),
        "/api/v1/currencies/?ordering=,,,".to_string(),
        "/api/v1/currencies/?search=%27%22%5C%25_%00".to_string(),
        "/api/v1/currencies/?search=%FF%FE".to_string(),
        "/api/v1/currencies/?page=-1".to_string(),
        "/api/v1/currencies/?page=0".to_string(),
        "/api/v1/currencies/?page=99999999999999999999999".to_string(),
        "/api/v1/currencies/?page=999999".to_string(),
        "/api/v1/currencies/?page_size=0".to_string(),
        "/api/v1/currencies/?page_size=-5".to_string(),
        "/api/v1/currencies/?page_size=abc".to_string(),
        "/api/v1/currencies/?decimal_places=abc".to_string(),
        "/api/v1/currencies/?is_active=maybe".to_string(),
        "/api/v1/currencies/?code='%20OR%201=1%20--".to_string(),
        "/api/v1/currencies/?filter=not%20json".to_string(),
        "/api/v1/currencies/?filter=%5B%5D".to_string(),
        filter(json!({ "field": "code", "op": "eq", "value": "' OR 1=1 --" })),
        filter(json!({ "field": "code) OR (1=1", "op": "eq", "value": 1 })),
        filter(json!({ "field": "code", "op": "like", "value": "%" })),
        filter(json!({ "field": "code", "op": "in", "value": "USD" })),
        filter(json!({ "field": "code", "op": "in", "value": [] })),
        filter(json!({ "field": "decimal_places", "op": "gt", "value": "two" })),
        filter(json!({ "field": "decimal_places", "op": "gt", "value": 1e308 })),
        filter(json!({ "field": "code", "op": "isnull", "value": "yes" })),
        filter(json!({ "and": "nope" })),
        filter(json!({ "or": [] })),
        filter(json!({ "field": "custom_fields.x') OR 1=1 --", "op": "eq", "value": 1 })),
        "/api/v1/uoms/convert/?from=KG&to=LB&value=abc".to_string(),
        "/api/v1/uoms/convert/?from=KG&to=M&value=1".to_string(),
        "/api/v1/uoms/convert/?from=KG&to=LB&value=1e999999".to_string(),
        "/api/v1/uoms/convert/".to_string(),
    ];
    for path in &gets {
        assert_no_leak(&anonymous.get(path), path);
        assert_no_leak(&admin.get(path), path);
    }

    let writes = [
        json!({ "code": "NUL", "name": "Null\u{0}byte", "uom_type": "Count" }),
        json!({ "code": "X".repeat(100_000), "name": "Long", "uom_type": "Count" }),
        json!({ "code": "KG", "name": "Kilogram again", "uom_type": "Mass" }),
        json!({ "code": "DUP", "name": "Kilogram", "uom_type": "Mass" }),
        json!({ "code": "TYP", "name": "Typed", "uom_type": ["Mass"] }),
        json!({ "code": "T2", "name": "Typed 2", "uom_type": "Count", "is_active": "yes" }),
        json!({ "code": "T3", "name": "Typed 3", "uom_type": "Count", "custom_fields": "x" }),
        json!({ "code": "'); DROP TABLE uoms; --", "name": "Inject", "uom_type": "Count" }),
        json!({ "code": 5, "name": 6, "uom_type": 7 }),
        json!({ "id": "x", "created_at": "yesterday", "code": "RO", "name": "Read only", "uom_type": "Count" }),
    ];
    for body in &writes {
        let what = format!("POST uoms {}", &body.to_string()[..body.to_string().len().min(80)]);
        assert_no_leak(&admin.post("/api/v1/uoms/", body), &what);
        assert_no_leak(&admin.patch("/api/v1/uoms/EA/", body), &format!("PATCH {what}"));
        assert_no_leak(&admin.put("/api/v1/uoms/EA/", body), &format!("PUT {what}"));
    }
    let duplicate = admin.post("/api/v1/uoms/", &json!({ "code": "KG", "name": "Kilogram again", "uom_type": "Mass" }));
    assert_eq!(duplicate.status, 400, "a unique violation is a field error: {}", duplicate.text);
    assert_no_leak(&admin.delete("/api/v1/uoms/'%20OR%201=1%20--/"), "DELETE injection");
    assert_no_leak(&admin.delete("/api/v1/currencies/USD/"), "DELETE a referenced currency");
    assert_no_leak(&admin.delete("/api/v1/uoms/KG/"), "DELETE a unit that conversions use");

    // Broken HTTP itself.
    for raw in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET /api/v1/health/ HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\nConnection: close\r\n\r\n",
        b"POST /api/v1/auth/token/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n",
        b"POST /api/v1/auth/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\nConnection: close\r\n\r\n{\"a\"",
    ] {
        let mut stream = connect(server.addr);
        let _ = stream.write_all(raw);
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out).to_lowercase();
        assert!(!text.contains("sql") && !text.contains("panicked"), "{text}");
        assert!(!text.starts_with("http/1.1 5"), "server error for {:?}: {text}", String::from_utf8_lossy(raw));
    }
    assert_healthy(&server);
    assert_eq!(anonymous.get("/api/v1/uoms/KG/").status, 200, "the injection attempts changed nothing");
}

#[test]
fn keep_alive_connection_serves_two_requests() {
    let server = TestServer::start();
    let mut conn = Connection::open(server.addr);
    conn.send(head(&server, "GET", HEALTH, &[]).as_bytes());
    let first = conn.response();
    assert_eq!(first.status, 200);
    assert_eq!(first.json["status"], "ok");
    assert_ne!(first.header("Connection"), Some("close"), "the server keeps the connection open");

    // A request with a body, then more: the body must be framed exactly.
    let body = serde_json::to_vec(&admin_credentials()).expect("json");
    let mut login =
        head(&server, "POST", TOKEN, &["Content-Type: application/json", &format!("Content-Length: {}", body.len())])
            .into_bytes();
    login.extend_from_slice(&body);
    conn.send(&login);
    let second = conn.response();
    assert_eq!(second.status, 200, "{}", second.text);
    assert!(second.json["access"].is_string());

    // Two pipelined requests written at once are both answered, in order.
    let pipelined = format!(
        "{}{}",
        head(&server, "GET", "/api/v1/currencies/USD/", &[]),
        head(&server, "GET", "/api/v1/currencies/EUR/", &[])
    );
    conn.send(pipelined.as_bytes());
    assert_eq!(conn.response().json["code"], "USD");
    assert_eq!(conn.response().json["code"], "EUR");
    assert!(conn.pending.is_empty(), "nothing else was answered");
}

#[test]
fn invalid_percent_encoding_in_key_is_404() {
    let server = TestServer::start();
    let expected = json!({ "detail": "Not found.", "code": "not_found" });
    for path in [
        "/api/v1/currencies/%FF/",
        "/api/v1/currencies/%E2%82/",
        "/api/v1/currencies/%C0%AF/",
        "/api/v1/currencies/%ZZ/",
        "/api/v1/currencies/%/",
        "/api/v1/uoms/%FF%FE/convert/",
    ] {
        let resp = server.client().get(path);
        assert_eq!(resp.status, 404, "{path}: {}", resp.text);
        assert_eq!(resp.json, expected, "{path}");
    }
    // Valid percent-encoding is decoded before the lookup.
    assert_eq!(server.client().get("/api/v1/currencies/%55SD/").json["code"], "USD");
}

#[test]
fn meta_models_lists_every_model_with_its_fields() {
    let server = TestServer::start();
    let resp = server.client().get("/api/v1/meta/models/");
    assert_eq!(resp.status, 200, "{}", resp.text);
    let listed = resp.json["models"].as_array().expect("models array");
    let admin = server.admin();
    let defs = plinth::modules::MODELS;
    assert_eq!(listed.len(), defs.len(), "one entry per model");
    for (def, model) in defs.iter().zip(listed) {
        assert_eq!(model["name"], def.name);
        assert_eq!(model["plural"], def.plural);
        assert_eq!(model["nested"], def.nested, "{}", def.name);
        assert_eq!(model["key"], def.key);
        let fields = model["fields"].as_array().unwrap_or_else(|| panic!("{} has fields", def.name));
        let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().expect("field name")).collect();
        for field in def.fields {
            assert!(names.contains(&field.name), "{} lists field {}: {names:?}", def.name, field.name);
        }
        for field in fields {
            assert!(field["type"].as_str().is_some_and(|t| !t.is_empty()), "{}: {field}", def.name);
            assert!(field["required"].is_boolean() && field["read_only"].is_boolean(), "{}: {field}", def.name);
        }
        // The generated columns of tracked models are described too, read-only.
        assert_eq!(model["tracking"], def.tracking, "{}", def.name);
        for generated in ["created_at", "updated_at"].iter().filter(|_| def.tracking) {
            let field = fields.iter().find(|f| f["name"] == *generated);
            assert_eq!(field.map(|f| &f["read_only"]), Some(&json!(true)), "{} {generated}", def.name);
        }
        if def.nested {
            // A child list's items: described for the parent's forms, no URL of their own.
            assert_eq!(model["url"], Value::Null, "{}", def.name);
            assert_eq!(admin.get(&format!("/api/v1/{}/", def.plural)).status, 404, "{}", def.name);
            continue;
        }
        // The model's list really is served at the advertised URL.
        assert_eq!(model["url"], format!("/api/v1/{}/", def.plural));
        assert_eq!(admin.get(model["url"].as_str().unwrap()).status, 200, "{}", def.name);
    }
    let currency = listed.iter().find(|m| m["name"] == "currency").expect("currency");
    let code = currency["fields"].as_array().unwrap().iter().find(|f| f["name"] == "code").expect("code field");
    assert_eq!(code["max_length"], 3);
}
