//! The HTTP layer against hostile clients (issue 7, items 1–6): descriptor exhaustion and the
//! connection cap, HTTP/2 lines, slow heads and bodies, oversized heads, pipelining, request
//! smuggling, and a stop with idle connections. Raw sockets against a real server; every test
//! checks that the server still answers a normal request afterwards. Loops are bounded and
//! waits poll with a deadline. Where threads, memory or the open-files limit are measured the
//! server is a child process, so the tests running beside these do not blur the figures.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cli::{self, Served};
use crate::common::{
    ADMIN_PASSWORD, Connection, Resp, TestServer, assert_detail, connect, parse_response, response_end,
};

const HEALTH: &str = "/api/v1/health/";
const TOKEN: &str = "/api/v1/auth/token/";
const JSON_TYPE: &str = "application/json; charset=utf-8";
/// The longest any wait in these tests may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(20);

/// Polls `check` until it holds; fails after [`DEADLINE`].
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        thread::sleep(Duration::from_millis(20));
    }
}

/// A request as raw bytes, keeping the connection open (HTTP/1.1 default).
fn request(method: &str, path: &str, headers: &[&str], body: Option<&[u8]>) -> Vec<u8> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: plinth.test\r\n");
    for header in headers {
        head.push_str(header);
        head.push_str("\r\n");
    }
    if let Some(body) = body {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body.unwrap_or_default());
    raw
}

fn lossy(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]);
    format!("{text:?}{}", if bytes.len() > 300 { "…" } else { "" })
}

/// Reads until the server closes (or resets) the connection; `false` when it is still open
/// when the read timeout passes.
fn read_until_closed(stream: &mut TcpStream) -> (Vec<u8>, bool) {
    let mut received = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return (received, true),
            Ok(n) => received.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return (received, true),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return (received, false),
            Err(e) => panic!("read failed: {e}"),
        }
    }
}

/// The responses in `received`, in order.
fn split(mut received: &[u8]) -> Vec<Resp> {
    let mut responses = Vec::new();
    while !received.is_empty() {
        let end = response_end(received).unwrap_or(received.len());
        responses.push(parse_response(&received[..end]));
        received = &received[end..];
    }
    responses
}

/// What the server did with bytes sent on a fresh connection.
struct Exchange {
    answers: Vec<Resp>,
    /// The server closed the connection (rather than waiting for more).
    closed: bool,
    received: Vec<u8>,
}

fn exchange(addr: SocketAddr, bytes: &[u8]) -> Exchange {
    let mut stream = connect(addr);
    stream.set_read_timeout(Some(Duration::from_secs(5))).expect("read timeout");
    // The server may answer and close before it has read everything.
    let _ = stream.write_all(bytes);
    let (received, closed) = read_until_closed(&mut stream);
    Exchange { answers: split(&received), closed, received }
}

/// Asserts the server refused `raw` with exactly one answer, `status` in the API's error
/// shape, announced it would close the connection, and closed it.
fn assert_refused(addr: SocketAddr, raw: &[u8], status: u16, code: &str) {
    let exchange = exchange(addr, raw);
    let what = format!("{} answered {}", lossy(raw), lossy(&exchange.received));
    assert_eq!(exchange.answers.len(), 1, "{what}");
    let answer = &exchange.answers[0];
    assert_detail(answer, status, code);
    assert_eq!(answer.header("Content-Type"), Some(JSON_TYPE), "{what}");
    assert_eq!(answer.header("Connection"), Some("close"), "{what}");
    assert!(exchange.closed, "the connection stays open after {what}");
}

/// Asserts a fresh connection gets a normal answer.
fn assert_healthy(addr: SocketAddr) {
    let exchange = exchange(addr, &request("GET", HEALTH, &["Connection: close"], None));
    let status = exchange.answers.first().map(|a| a.status);
    assert_eq!(status, Some(200), "health: {}", lossy(&exchange.received));
    assert_eq!(exchange.answers[0].json["status"], "ok");
}

/// A `plinth serve` child process on a fresh data directory (removed after the process ends).
struct Child {
    served: Served,
    _dir: tempfile::TempDir,
}

impl Child {
    /// Starts one with `args` (before `serve`); with `limits` (soft, hard), its open-files
    /// limits are set by the shell before it execs the server (no unsafe `pre_exec`).
    fn start(limits: Option<(u64, u64)>, args: &[&str]) -> Child {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cmd = match limits {
            Some((soft, hard)) => {
                let mut sh = Command::new("sh");
                sh.arg("-c").arg(format!("ulimit -n {hard} && ulimit -Sn {soft} && exec \"$0\" \"$@\"")).arg(cli::BIN);
                sh
            }
            None => Command::new(cli::BIN),
        };
        cli::isolate(&mut cmd, dir.path());
        cmd.env("PLINTH_ADMIN_PASSWORD", ADMIN_PASSWORD);
        cmd.arg("--data").arg(dir.path().join("data")).args(["--addr", "127.0.0.1:0", "--quiet"]);
        cmd.args(args).arg("serve");
        Child { served: Served::start(cmd), _dir: dir }
    }

    fn addr(&self) -> SocketAddr {
        self.served.addr
    }

    fn pid(&self) -> u32 {
        self.served.process.pid
    }

    fn threads(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/task", self.pid())).expect("/proc/PID/task").count()
    }

    /// A `kB` figure of `/proc/PID/status` (`VmRSS`, `VmHWM`).
    fn memory_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("/proc/PID/status");
        let line = status.lines().find(|l| l.starts_with(&format!("{field}:"))).expect("field");
        line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("kB figure")
    }

    /// The soft and hard open-files limits in force.
    fn open_files_limits(&self) -> (u64, u64) {
        let limits = std::fs::read_to_string(format!("/proc/{}/limits", self.pid())).expect("/proc/PID/limits");
        let line = limits.lines().find(|l| l.starts_with("Max open files")).expect("open files line");
        let numbers: Vec<u64> = line.split_whitespace().filter_map(|w| w.parse().ok()).collect();
        (numbers[0], numbers[1])
    }
}

/// A connection that was served a health check and stays open; `None` when the server
/// refused it (503 or a close, at its cap).
fn served_connection(addr: SocketAddr) -> Option<Connection> {
    let mut conn = Connection::open(addr);
    conn.stream.write_all(&request("GET", HEALTH, &[], None)).ok()?;
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = (!conn.pending.is_empty()).then(|| response_end(&conn.pending)).flatten() {
            let status = parse_response(&conn.pending[..end]).status;
            conn.pending.drain(..end);
            return (status == 200).then_some(conn);
        }
        match conn.stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => conn.pending.extend_from_slice(&chunk[..n]),
        }
    }
}

#[test]
fn descriptor_exhaustion_and_the_connection_cap_never_stop_the_listener() {
    // Soft limit 128, hard 256; 4 workers reserve 3 × 6 + 64 = 82 descriptors, so without
    // raising its limit the server could hold 46 connections; raised, it caps at 174.
    let mut child = Child::start(Some((128, 256)), &["--workers", "4"]);
    let addr = child.addr();
    assert_eq!(child.open_files_limits(), (256, 256), "the soft limit is raised to the hard one");
    let health = request("GET", HEALTH, &[], None);
    let mut held: Vec<Connection> = (0..120).map(|_| Connection::open(addr)).collect();
    for conn in &mut held {
        conn.send(&health);
        assert_eq!(conn.response().status, 200);
    }

    // Far more connections than the limit allows: each is served, answered 503 or closed at
    // once; none is left waiting, and the listener survives.
    let mut flood = Vec::new();
    let mut refused_at_connect = 0;
    for _ in 0..700 {
        match TcpStream::connect(addr) {
            Ok(stream) => {
                stream.set_read_timeout(Some(Duration::from_secs(5))).expect("read timeout");
                // A refused connection may already be closed: the write can fail.
                let _ = (&stream).write_all(&health);
                flood.push(stream);
            }
            Err(_) => refused_at_connect += 1,
        }
    }
    let (mut served, mut unavailable, mut closed) = (0, 0, 0);
    let mut first_unavailable = None;
    for stream in &mut flood {
        let mut received = Vec::new();
        let mut chunk = [0u8; 4096];
        let outcome = loop {
            if let Some(end) = (!received.is_empty()).then(|| response_end(&received)).flatten() {
                break Some(parse_response(&received[..end]));
            }
            match stream.read(&mut chunk) {
                Ok(0) => break None,
                Ok(n) => received.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::ConnectionReset => break None,
                Err(e) => panic!("a connection beyond the cap was left waiting ({e}): {}", lossy(&received)),
            }
        };
        match outcome {
            Some(resp) if resp.status == 200 => served += 1,
            Some(resp) if resp.status == 503 => {
                unavailable += 1;
                first_unavailable.get_or_insert(resp);
            }
            Some(resp) => panic!("unexpected answer beyond the cap: {} {}", resp.status, resp.text),
            None => closed += 1,
        }
    }
    assert!(served <= 174 - 120, "the cap holds: {served} more served");
    assert!(unavailable + closed + refused_at_connect >= 600, "{unavailable} 503, {closed} closed");
    let busy = first_unavailable.expect("at least one connection beyond the cap is answered 503");
    assert_detail(&busy, 503, "unavailable");
    assert_eq!(busy.header("Retry-After"), Some("1"));
    // The connections that were held all along still work.
    for conn in &mut held {
        conn.send(&health);
        assert_eq!(conn.response().status, 200);
    }
    drop(flood);
    drop(held);

    // Once the flood is gone (its connection threads see the closes), the slots are free
    // again, all of them.
    let mut again = Vec::new();
    for _ in 0..150 {
        let mut served = None;
        wait_until("a slot is free", || {
            served = served_connection(addr);
            served.is_some()
        });
        again.extend(served);
    }
    drop(again);
    let (status, stderr) = child.served.terminate();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("The open-files limit allows 174 connections"), "the lowered cap is reported: {stderr}");
}

#[test]
fn connections_beyond_the_cap_are_answered_503_and_closed() {
    let server = TestServer::start_with(|config| config.max_connections = 4);
    let mut held: Vec<Connection> = (0..4).map(|_| Connection::open(server.addr)).collect();
    for conn in &mut held {
        conn.send(&request("GET", HEALTH, &[], None));
        assert_eq!(conn.response().status, 200);
    }
    // Nothing sent: the answer comes at once, before any request.
    let exchange = exchange(server.addr, b"");
    assert_eq!(exchange.answers.len(), 1, "{}", lossy(&exchange.received));
    assert_detail(&exchange.answers[0], 503, "unavailable");
    assert_eq!(exchange.answers[0].header("Connection"), Some("close"));
    assert!(exchange.closed);
    held.pop();
    wait_until("a slot is free again", || served_connection(server.addr).is_some());
}

#[test]
fn http2_is_answered_505_and_leaves_nothing_behind() {
    let child = Child::start(None, &[]);
    let addr = child.addr();
    assert_healthy(addr);
    let threads_before = child.threads();
    for round in 0..300 {
        let raw: &[u8] = if round % 2 == 0 {
            b"GET / HTTP/2.0\r\nHost: plinth.test\r\n\r\n"
        } else {
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
        };
        assert_refused(addr, raw, 505, "http_version_not_supported");
    }
    assert_healthy(addr);
    // Connection threads are reused, and end a few seconds after their last connection.
    wait_until("no thread is left behind", || child.threads() <= threads_before + 2);
}

/// `POST /auth/token/` announcing a body of 2,000 bytes.
fn login_head(extra: &[&str]) -> Vec<u8> {
    let mut headers = vec!["Content-Type: application/json", "Content-Length: 2000"];
    headers.extend_from_slice(extra);
    request("POST", TOKEN, &headers, None)
}

#[test]
fn slow_bodies_hold_no_worker() {
    let server = TestServer::start_with(|config| config.workers = 4);
    // Eight times as many requests as workers, each waiting for a body that never comes.
    let mut slow: Vec<TcpStream> = (0..32).map(|_| connect(server.addr)).collect();
    for stream in &mut slow {
        stream.write_all(&login_head(&[])).expect("send head");
    }
    // Meanwhile the server serves everything else: health, a list, a login, a write.
    assert_healthy(server.addr);
    let admin = server.admin();
    assert_eq!(admin.get("/api/v1/currencies/?page_size=50").status, 200);
    let created = admin.post("/api/v1/uoms/", &json!({ "code": "SLOW", "name": "Slow", "uom_type": "Count" }));
    assert_eq!(created.status, 201, "{}", created.text);
    // The slow requests are still being read, not answered.
    for stream in &slow {
        stream.set_nonblocking(true).expect("nonblocking");
        let got = (&*stream).read(&mut [0u8; 1]);
        assert!(got.is_err_and(|e| e.kind() == ErrorKind::WouldBlock), "a slow request was answered");
    }
}

/// Sends `head`, then `byte` every `pause` from another thread (at most 200 times) until the
/// server answers and closes; answers what it answered and how long that took.
fn trickle(addr: SocketAddr, head: &[u8], byte: u8, pause: Duration) -> (Exchange, Duration) {
    let mut stream = connect(addr);
    stream.write_all(head).expect("send head");
    let started = Instant::now();
    let writer = stream.try_clone().expect("clone");
    let trickler = thread::spawn(move || {
        for _ in 0..200 {
            if (&writer).write_all(&[byte]).is_err() {
                return;
            }
            thread::sleep(pause);
        }
    });
    let (received, closed) = read_until_closed(&mut stream);
    let took = started.elapsed();
    let _ = stream.shutdown(Shutdown::Both);
    trickler.join().expect("trickler");
    (Exchange { answers: split(&received), closed, received }, took)
}

#[test]
fn slow_clients_are_cut_at_their_deadlines() {
    let server = TestServer::start_with(|config| {
        config.header_timeout = Duration::from_millis(800);
        config.body_idle_timeout = Duration::from_millis(500);
        config.body_timeout = Duration::from_millis(1500);
        config.keep_alive = Duration::from_millis(300);
    });
    let addr = server.addr;
    // A body announced and never sent: 408 once the idle timeout passes.
    assert_refused(addr, &login_head(&[]), 408, "request_timeout");

    // A body trickled much faster than the idle timeout is cut at the total deadline.
    let pause = Duration::from_millis(25);
    let (body, took) = trickle(addr, &login_head(&[]), b' ', pause);
    assert_eq!(body.answers.len(), 1, "{}", lossy(&body.received));
    assert_detail(&body.answers[0], 408, "request_timeout");
    assert!(body.closed);
    assert!(took >= Duration::from_millis(1400), "cut by the total deadline, not a pause: {took:?}");

    // A head trickled forever is cut at the header deadline.
    let head = format!("GET {HEALTH} HTTP/1.1\r\nHost: plinth.test\r\nX-Slow: ");
    let (head, took) = trickle(addr, head.as_bytes(), b'a', pause);
    assert_eq!(head.answers.len(), 1, "{}", lossy(&head.received));
    assert_detail(&head.answers[0], 408, "request_timeout");
    assert!(head.closed);
    assert!(took >= Duration::from_millis(700), "cut by the header deadline: {took:?}");

    // A connection that never sends a request, and one idle after its request, are closed
    // without an answer.
    let mut silent = connect(addr);
    assert_eq!(read_until_closed(&mut silent), (Vec::new(), true));
    let mut idle = Connection::open(addr);
    idle.send(&request("GET", HEALTH, &[], None));
    assert_eq!(idle.response().status, 200);
    assert_eq!(read_until_closed(&mut idle.stream), (Vec::new(), true));
    assert_healthy(addr);
}

#[test]
fn oversized_heads_are_refused() {
    let server = TestServer::start();
    let addr = server.addr;
    let limits = plinth::Config::new(".");
    let big_field =
        format!("GET {HEALTH} HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(limits.max_header_bytes));
    assert_refused(addr, big_field.as_bytes(), 431, "header_too_large");
    let many: String = (0..limits.max_headers).map(|i| format!("X-Field-{i}: {i}\r\n")).collect();
    let too_many = format!("GET {HEALTH} HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    assert_refused(addr, too_many.as_bytes(), 431, "header_too_large");
    let long_line = format!("GET {HEALTH}?q={} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(limits.max_request_line));
    assert_refused(addr, long_line.as_bytes(), 414, "uri_too_long");
    // Just within the limits is served.
    let most: String = (0..limits.max_headers - 2).map(|i| format!("X-Field-{i}: {i}\r\n")).collect();
    let at_limits = format!("GET {HEALTH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{most}\r\n");
    assert_eq!(exchange(addr, at_limits.as_bytes()).answers.first().map(|a| a.status), Some(200));
    assert_healthy(addr);
}

/// Sends a head whose one field grows to `size` bytes, until the server stops taking it;
/// answers the status the server answered, if any (it may reset the connection instead).
fn flood(addr: SocketAddr, size: usize) -> Option<u16> {
    let mut stream = connect(addr);
    stream.set_write_timeout(Some(Duration::from_secs(10))).expect("write timeout");
    let _ = stream.write_all(b"GET / HTTP/1.1\r\nHost: plinth.test\r\nX-Flood: ");
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent = 0;
    while sent < size && stream.write_all(&chunk).is_ok() {
        sent += chunk.len();
    }
    let (received, _) = read_until_closed(&mut stream);
    split(&received).first().map(|answer| answer.status)
}

#[test]
fn header_floods_are_refused_without_buffering() {
    let child = Child::start(None, &[]);
    let addr = child.addr();
    assert_healthy(addr);
    let before = child.memory_kib("VmRSS");
    let floods: Vec<_> = (0..8).map(|_| thread::spawn(move || flood(addr, 32 * 1024 * 1024))).collect();
    let mut peak = before;
    while !floods.iter().all(|flood| flood.is_finished()) {
        peak = peak.max(child.memory_kib("VmRSS"));
        thread::sleep(Duration::from_millis(5));
    }
    for flood in floods {
        let status = flood.join().expect("flood");
        assert!(matches!(status, None | Some(431)), "a 32 MiB head answered {status:?}");
    }
    peak = peak.max(child.memory_kib("VmRSS"));
    assert!(peak - before < 8 * 1024, "8 floods of 32 MiB grew the server from {before} to {peak} KiB");
    assert_healthy(addr);
}

#[test]
fn pipelined_requests_are_processed_and_answered_in_order() {
    let server = TestServer::start();
    let admin = server.admin();
    let auth = format!("Authorization: Bearer {}", admin.token.as_deref().expect("token"));
    let headers = [auth.as_str()];
    let mut conn = Connection::open(server.addr);
    for round in 0..50 {
        let code = format!("PIPE{round}");
        let path = format!("/api/v1/uoms/{code}/");
        let create = json!({ "code": code, "name": format!("Pipelined {round}"), "uom_type": "Count" }).to_string();
        let rename = json!({ "name": format!("Renamed {round}") }).to_string();
        let mut burst = request("POST", "/api/v1/uoms/", &headers, Some(create.as_bytes()));
        burst.extend(request("PATCH", &path, &headers, Some(rename.as_bytes())));
        burst.extend(request("GET", &path, &headers, None));
        burst.extend(request("DELETE", &path, &headers, None));
        burst.extend(request("GET", &path, &headers, None));
        conn.send(&burst);
        let answers: Vec<Resp> = (0..5).map(|_| conn.response()).collect();
        let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
        assert_eq!(statuses, [201, 200, 200, 204, 404], "round {round}: {:?}", answers[0].text);
        assert_eq!(answers[2].json["name"], format!("Renamed {round}"), "the GET saw the PATCH");
    }
    assert!(conn.pending.is_empty(), "nothing else was answered");
}

#[test]
fn ambiguous_framing_is_refused_and_nothing_is_smuggled() {
    let server = TestServer::start_with(|config| config.body_limit = 1000);
    let addr = server.addr;
    let admin = server.admin();
    let unit = json!({ "code": "SMUG", "name": "Smuggled", "uom_type": "Count" });
    assert_eq!(admin.post("/api/v1/uoms/", &unit).status, 201);
    let token = admin.token.clone().expect("token");
    let smuggled = format!("DELETE /api/v1/uoms/SMUG/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n");
    let n = smuggled.len();
    let cases: [(String, u16, &str); 12] = [
        (format!("Content-Length: 0\r\nContent-Length: {n}"), 400, "bad_request"),
        (format!("Content-Length: {n}\r\nContent-Length: 0"), 400, "bad_request"),
        ("Content-Length: abc".into(), 400, "bad_request"),
        ("Content-Length: -1".into(), 400, "bad_request"),
        (format!("Content-Length: +{n}"), 400, "bad_request"),
        (format!("Content-Length:  {n} {n}"), 400, "bad_request"),
        (format!("Content-Length: {n}, {n}"), 400, "bad_request"),
        (format!("Content-Length: {n}\r\nTransfer-Encoding: chunked"), 400, "bad_request"),
        (format!("Transfer-Encoding: chunked\r\nContent-Length: {n}"), 400, "bad_request"),
        ("Transfer-Encoding: gzip".into(), 501, "not_implemented"),
        ("Transfer-Encoding: chunked, chunked".into(), 501, "not_implemented"),
        ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked".into(), 501, "not_implemented"),
    ];
    for (framing, status, code) in cases {
        let raw = format!(
            "POST {TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{framing}\r\n\r\n{smuggled}"
        );
        assert_refused(addr, raw.as_bytes(), status, code);
        assert_eq!(admin.get("/api/v1/uoms/SMUG/").status, 200, "{framing}: the smuggled DELETE ran");
    }
    let old = format!("POST {TOKEN} HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{smuggled}");
    assert_refused(addr, old.as_bytes(), 400, "bad_request");
    assert_refused(addr, b"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request");
    assert_refused(addr, b"GET / HTTP/1.1\r\nHost: x\r\nX-Name: caf\xc3\xa9\r\n\r\n", 400, "bad_request");
    assert_eq!(admin.get("/api/v1/uoms/SMUG/").status, 200);

    // Valid chunked bodies work; the limit applies to the decoded size.
    let chunked = |body: &str| {
        let mut raw = format!(
            "POST /api/v1/uoms/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        for part in body.as_bytes().chunks(7) {
            raw.push_str(&format!("{:x};ext=1\r\n{}\r\n", part.len(), String::from_utf8_lossy(part)));
        }
        raw.push_str("0\r\nX-Trailer: ignored\r\n\r\n");
        exchange(addr, raw.as_bytes())
    };
    let created = chunked(&json!({ "code": "CHNK", "name": "Chunked", "uom_type": "Count" }).to_string());
    assert_eq!(created.answers.first().map(|a| (a.status, a.json["code"].clone())), Some((201, Value::from("CHNK"))));
    let too_large = json!({ "code": "BIG", "name": "x".repeat(1000), "uom_type": "Count" }).to_string();
    let refused = chunked(&too_large);
    assert_detail(&refused.answers[0], 413, "too_large");
    assert!(refused.closed);
    assert_healthy(addr);
}

#[test]
fn stop_ends_idle_connections_at_once() {
    let server = TestServer::start();
    let mut idle: Vec<Connection> = (0..20).map(|_| Connection::open(server.addr)).collect();
    for conn in &mut idle {
        conn.send(&request("GET", HEALTH, &[], None));
        assert_eq!(conn.response().status, 200);
    }
    let started = Instant::now();
    server.stop();
    // Keep-alive is 15 s and the stop's grace 10 s: neither was waited for.
    assert!(started.elapsed() < Duration::from_secs(5), "stop took {:?}", started.elapsed());
    for conn in &mut idle {
        assert_eq!(read_until_closed(&mut conn.stream), (Vec::new(), true), "an idle connection was closed");
    }
}
