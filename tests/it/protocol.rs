//! HTTP/1.1 details the server core handles for every route: `Expect: 100-continue`,
//! persistence of HTTP/1.0 connections, and HEAD answers.

use std::io::{Read, Write};

use serde_json::json;

use crate::common::{ADMIN_PASSWORD, Connection, TestServer, assert_detail, connect, head, parse_response};

const TOKEN: &str = "/api/v1/auth/token/";
const HEALTH: &str = "/api/v1/health/";

#[test]
fn expect_100_continue_gets_the_go_ahead_before_the_body() {
    let server = TestServer::start();
    let body = serde_json::to_vec(&json!({ "username": "admin", "password": ADMIN_PASSWORD })).expect("json");
    let length = format!("Content-Length: {}", body.len());
    let mut conn = Connection::open(server.addr);
    conn.send(
        head(&server, "POST", TOKEN, &["Content-Type: application/json", &length, "Expect: 100-continue"]).as_bytes(),
    );
    let interim = b"HTTP/1.1 100 Continue\r\n\r\n";
    let mut got = vec![0u8; interim.len()];
    conn.stream.read_exact(&mut got).expect("100 Continue before the body is sent");
    assert_eq!(got, interim);
    conn.send(&body);
    let resp = conn.response();
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert!(resp.json["access"].is_string());
    // A body over the limit is refused at once, without the go-ahead.
    let mut conn = Connection::open(server.addr);
    conn.send(head(&server, "POST", TOKEN, &["Content-Length: 2000000", "Expect: 100-continue"]).as_bytes());
    assert_detail(&conn.response(), 413, "too_large");
}

#[test]
fn http_1_0_keeps_alive_only_when_asked_and_head_has_no_body() {
    let server = TestServer::start();
    let get = |extra: &str| format!("GET {HEALTH} HTTP/1.0\r\n{extra}\r\n");
    // Without keep-alive the server answers and closes.
    let mut stream = connect(server.addr);
    stream.write_all(get("").as_bytes()).expect("send");
    let mut received = Vec::new();
    stream.read_to_end(&mut received).expect("closed after the answer");
    let resp = parse_response(&received);
    assert_eq!((resp.status, resp.header("Connection")), (200, Some("close")));
    // With it, the connection serves the next request too.
    let mut conn = Connection::open(server.addr);
    conn.send(get("Connection: keep-alive\r\n").as_bytes());
    assert_eq!(conn.response().header("Connection"), Some("keep-alive"));
    conn.send(get("Connection: keep-alive\r\n").as_bytes());
    assert_eq!(conn.response().json["status"], "ok");

    // HEAD: the length of the body a GET would get, and no body.
    let full = server.client().get("/api/v1/currencies/USD/");
    let mut stream = connect(server.addr);
    stream
        .write_all(head(&server, "HEAD", "/api/v1/currencies/USD/", &["Connection: close"]).as_bytes())
        .expect("send");
    let mut received = Vec::new();
    stream.read_to_end(&mut received).expect("closed");
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\n"), "no body: {text}");
    assert!(text.contains(&format!("Content-Length: {}\r\n", full.text.len())), "{text}");
}
