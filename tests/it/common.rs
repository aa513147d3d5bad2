//! Shared test support: a real Plinth server on `127.0.0.1:0` with a fresh temp data dir,
//! stopped on drop, and a small HTTP/1.1 client (responses parsed with httparse).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;

/// Password of the bootstrap `admin` in every test server.
pub const ADMIN_PASSWORD: &str = "admin-pass-123";

/// Settings of a test server: ephemeral port, quiet, known admin password.
pub fn test_config(data_dir: &std::path::Path) -> plinth::Config {
    let mut config = plinth::Config::new(data_dir);
    config.addr = "127.0.0.1:0".into();
    config.workers = 8;
    config.log_requests = false;
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config
}

/// A running server with its own data directory.
pub struct TestServer {
    pub addr: SocketAddr,
    running: Option<plinth::Running>,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server with default settings.
    pub fn start() -> TestServer {
        TestServer::start_with(|_| {})
    }

    /// Starts a server after letting the test adjust the configuration.
    pub fn start_with(adjust: impl FnOnce(&mut plinth::Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(dir.path());
        adjust(&mut config);
        let running = plinth::start(&config).expect("server starts");
        TestServer { addr: running.addr(), running: Some(running), dir }
    }

    /// The database handle of the running server.
    pub fn db(&self) -> &plinth::store::Db {
        self.running.as_ref().expect("running").db()
    }

    /// An anonymous client.
    pub fn client(&self) -> Client {
        Client { addr: self.addr, token: None }
    }

    /// A client logged in as the bootstrap superuser.
    pub fn admin(&self) -> Client {
        self.login("admin", ADMIN_PASSWORD)
    }

    /// A client logged in as `username`.
    pub fn login(&self, username: &str, password: &str) -> Client {
        let resp = self
            .client()
            .post("/api/v1/auth/token/", &serde_json::json!({ "username": username, "password": password }));
        assert_eq!(resp.status, 200, "login failed: {}", resp.text);
        let token = resp.json["access"].as_str().expect("access token").to_string();
        Client { addr: self.addr, token: Some(token) }
    }

    /// Stops the server and starts a new one on the same data directory.
    pub fn restart(mut self) -> TestServer {
        if let Some(running) = self.running.take() {
            running.stop();
        }
        let dir = tempfile::TempDir::with_prefix("unused").expect("temp dir");
        let dir = std::mem::replace(&mut self.dir, dir);
        let running = plinth::start(&test_config(dir.path())).expect("server restarts");
        TestServer { addr: running.addr(), running: Some(running), dir }
    }

    /// Stops the server gracefully.
    pub fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop();
        }
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub text: String,
    /// The body parsed as JSON (`Null` when empty or not JSON).
    pub json: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A client of one server, optionally with a bearer token.
#[derive(Clone)]
pub struct Client {
    pub addr: SocketAddr,
    pub token: Option<String>,
}

impl Client {
    pub fn with_token(&self, token: &str) -> Client {
        Client { addr: self.addr, token: Some(token.to_string()) }
    }

    pub fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[], None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Resp {
        self.send_json("POST", path, body)
    }

    pub fn put(&self, path: &str, body: &Value) -> Resp {
        self.send_json("PUT", path, body)
    }

    pub fn patch(&self, path: &str, body: &Value) -> Resp {
        self.send_json("PATCH", path, body)
    }

    pub fn delete(&self, path: &str) -> Resp {
        self.request("DELETE", path, &[], None)
    }

    fn send_json(&self, method: &str, path: &str, body: &Value) -> Resp {
        let bytes = serde_json::to_vec(body).expect("json");
        self.request(method, path, &[("Content-Type", "application/json")], Some(&bytes))
    }

    /// Sends one request with a `Content-Length` body (or none) and reads the answer.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Resp {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        if let Some(token) = &self.token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = body {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut raw = head.into_bytes();
        raw.extend_from_slice(body.unwrap_or_default());
        self.raw(&raw)
    }

    /// Sends raw bytes and reads the answer until the server closes the connection.
    pub fn raw(&self, bytes: &[u8]) -> Resp {
        let mut stream = TcpStream::connect(self.addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        // The server may answer (and close) before reading everything, e.g. 413.
        let _ = stream.write_all(bytes);
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out);
        parse_response(&out)
    }
}

/// Parses a complete HTTP response (head with httparse, then the rest as body).
pub fn parse_response(bytes: &[u8]) -> Resp {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(head_len) = response.parse(bytes).expect("valid HTTP response") else {
        panic!("incomplete response: {:?}", String::from_utf8_lossy(bytes));
    };
    let status = response.code.expect("status");
    let headers: Vec<(String, String)> =
        response.headers.iter().map(|h| (h.name.to_string(), String::from_utf8_lossy(h.value).into_owned())).collect();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked { dechunk(&bytes[head_len..]) } else { bytes[head_len..].to_vec() };
    let text = String::from_utf8_lossy(&body).into_owned();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp { status, headers, text, json }
}

/// Connects with a read timeout, so a server that waits for more input fails the test
/// instead of hanging it.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
    stream
}

/// A connection that stays open for several requests.
pub struct Connection {
    pub stream: TcpStream,
    /// Bytes received beyond the responses read so far (the start of the next one).
    pub pending: Vec<u8>,
}

impl Connection {
    pub fn open(addr: SocketAddr) -> Connection {
        Connection { stream: connect(addr), pending: Vec::new() }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send");
    }

    /// Reads exactly one response (framed by `Content-Length`), keeping what follows it.
    pub fn response(&mut self) -> Resp {
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(end) = response_end(&self.pending) {
                let resp = parse_response(&self.pending[..end]);
                self.pending.drain(..end);
                return resp;
            }
            let n = self.stream.read(&mut chunk).unwrap_or_else(|e| panic!("no complete response ({e})"));
            assert!(n > 0, "connection closed mid-response: {:?}", String::from_utf8_lossy(&self.pending));
            self.pending.extend_from_slice(&chunk[..n]);
        }
    }
}

/// Where the first complete response in `buf` ends, if it is complete (no body when it has
/// no `Content-Length`).
pub fn response_end(buf: &[u8]) -> Option<usize> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(head_len) = response.parse(buf).expect("valid HTTP response head") else {
        return None;
    };
    let length = response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("Content-Length"))
        .map_or(0, |h| std::str::from_utf8(h.value).expect("ascii").trim().parse::<usize>().expect("length"));
    (buf.len() >= head_len + length).then_some(head_len + length)
}

/// A request head for `path` (no `Connection: close`, so the connection may stay open).
pub fn head(server: &TestServer, method: &str, path: &str, extra: &[&str]) -> String {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", server.addr);
    for line in extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// A logged-in user who is neither staff nor superuser.
pub fn regular_user(server: &TestServer) -> Client {
    user(server, "bob").1
}

/// Creates a plain user `name` (password `<name>-password-1`); answers their id and a
/// signed-in client.
pub fn user(server: &TestServer, name: &str) -> (String, Client) {
    let password = format!("{name}-password-1");
    let id = plinth::modules::users::create(
        server.db(),
        plinth::engine::Author::system("test"),
        plinth::modules::users::NewUser {
            username: name.into(),
            email: String::new(),
            password: password.clone(),
            is_staff: false,
            is_superuser: false,
        },
    )
    .unwrap_or_else(|e| panic!("create {name}: {e}"));
    (id, server.login(name, &password))
}

/// The id of the role called `name`.
pub fn role_id(client: &Client, name: &str) -> String {
    let roles = get_ok(client, &format!("/api/v1/roles/?name={}", enc(name)));
    roles["results"][0]["id"].as_str().unwrap_or_else(|| panic!("role {name}: {roles}")).to_string()
}

/// Creates an organization as the admin (a root unless `parent` is given); answers it.
pub fn organization(admin: &Client, name: &str, parent: Option<&str>) -> Value {
    let code = name.to_uppercase().replace(' ', "-");
    let body = serde_json::json!({ "name": name, "code": code, "organization_type": "Company", "parent": parent });
    let resp = admin.post("/api/v1/organizations/", &body);
    assert_eq!(resp.status, 201, "create organization {name}: {}", resp.text);
    resp.json
}

/// Makes `user` a member of `organization` with role `role` (as the admin).
pub fn add_member(admin: &Client, user: &str, organization: &str, role: &str) -> Value {
    let body = serde_json::json!({ "user": user, "organization": organization, "role": role_id(admin, role) });
    let resp = admin.post("/api/v1/organization-memberships/", &body);
    assert_eq!(resp.status, 201, "membership: {}", resp.text);
    resp.json
}

/// A new root organization `name` with a new user `<name>-<role>` (lowercase) holding `role`
/// there; answers the organization's id and the member's client.
pub fn organization_with_member(server: &TestServer, name: &str, role: &str) -> (String, Client) {
    let admin = server.admin();
    let org = organization(&admin, name, None)["id"].as_str().expect("id").to_string();
    let (user_id, client) = user(server, &format!("{name}-{role}").to_lowercase().replace(' ', "-"));
    add_member(&admin, &user_id, &org, role);
    (org, client)
}

/// Defines custom field `key` of `model` with `type` (and any further definition fields).
pub fn define_custom_field(admin: &Client, model: &str, key: &str, kind: &str, extra: Value) -> Value {
    let mut body = serde_json::json!({ "model": model, "key": key, "label": key, "type": kind });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let resp = admin.post("/api/v1/custom-fields/", &body);
    assert_eq!(resp.status, 201, "define {model}.{key}: {}", resp.text);
    resp.json
}

/// GETs `path`, asserts 200 and answers the JSON body.
pub fn get_ok(client: &Client, path: &str) -> Value {
    let resp = client.get(path);
    assert_eq!(resp.status, 200, "GET {path}: {}", resp.text);
    resp.json
}

/// Asserts a 400 whose body carries `field` with a message containing `needle`.
pub fn assert_field_error(resp: &Resp, field: &str, needle: &str) {
    assert_eq!(resp.status, 400, "expected a 400 on {field}: {}", resp.text);
    let messages = resp.json[field].as_array().unwrap_or_else(|| panic!("no error list for {field}: {}", resp.text));
    assert!(
        messages.iter().any(|m| m.as_str().is_some_and(|m| m.contains(needle))),
        "{field}: no message containing {needle:?} in {}",
        resp.text
    );
}

/// Asserts a DRF `{"detail", "code"}` answer with this status and code.
pub fn assert_detail(resp: &Resp, status: u16, code: &str) {
    assert_eq!(resp.status, status, "unexpected status; body: {}", resp.text);
    assert_eq!(resp.json["code"], code, "unexpected body: {}", resp.text);
    assert!(resp.json["detail"].as_str().is_some_and(|d| !d.is_empty()), "no detail: {}", resp.text);
}

/// Asserts the exact 404 answer.
pub fn assert_not_found(resp: &Resp) {
    assert_eq!(resp.status, 404, "{}", resp.text);
    assert_eq!(resp.json, serde_json::json!({ "detail": "Not found.", "code": "not_found" }));
}

/// Decodes a chunked body (chunk sizes parsed by httparse).
fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(httparse::Status::Complete((start, size))) = httparse::parse_chunk_size(rest) {
        let size = usize::try_from(size).expect("chunk size");
        if size == 0 {
            break;
        }
        body.extend_from_slice(&rest[start..start + size]);
        rest = &rest[start + size + 2..];
    }
    body
}

/// URL-encodes a query value.
pub fn enc(value: &str) -> String {
    form_urlencoded_byte_serialize(value)
}

fn form_urlencoded_byte_serialize(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
