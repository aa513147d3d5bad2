//! HTTP load generator for the Plinth server.
//!
//! Measures throughput (requests per second) and latency (p50, p99, max) of a
//! running Plinth server over HTTP/1.1 keep-alive connections, plus the
//! server's resident memory once it is idle again.
//!
//! Scenarios, each run for `--seconds` after a discarded 1 s warm-up:
//!
//! * `list`     – 32 clients `GET /api/v1/currencies/?page_size=50` (~10 KB).
//! * `retrieve` – 32 clients `GET /api/v1/currencies/USD/`.
//! * `create`   – create + delete a unit of measure (each is one request), run
//!   with 1 writer and then with 32 writers to show the effect of group commit.
//! * `contact`  – 32 writers create contacts with three nested children each (an
//!   e-mail address, a phone number and an inline address): one request, one
//!   transaction of five rows, tags and the audit entry.
//! * `tax`      – 32 clients `POST /api/v1/tax/calculate/` (anonymous, as the
//!   endpoint is public) for a jurisdiction with two rates, the second compound,
//!   set up first.
//! * `product`  – 32 writers create products (org-scoped, with a category, a tag and
//!   a custom field) in an organization and category set up first.
//!
//! Run against a freshly spawned server (a temporary data directory and a
//! random admin password; the release binary must be built first):
//!
//! ```text
//! cargo build --release
//! cargo run --release --example loadgen -- [--seconds 5] [--scenario all]
//! ```
//!
//! Or against a server that is already running on the loopback interface:
//!
//! ```text
//! PLINTH_ADMIN_PASSWORD=secret cargo run --release --example loadgen -- --addr 127.0.0.1:8000
//! ```

use std::error::Error;
use std::hash::{BuildHasher, RandomState};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

#[path = "support/server.rs"]
mod server;

use server::Server;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const USAGE: &str = "usage: loadgen [--addr HOST:PORT] [--seconds N] [--bin PATH] \
                     [--scenario list|retrieve|create|contact|tax|product|all]";
const WARMUP: Duration = Duration::from_secs(1);
const IO_TIMEOUT: Duration = Duration::from_secs(10);
const READERS: usize = 32;

struct Args {
    addr: Option<String>,
    seconds: u64,
    bin: PathBuf,
    scenario: String,
}

fn parse_args() -> Result<Args> {
    let mut args = Args { addr: None, seconds: 5, bin: PathBuf::from("target/release/plinth"), scenario: "all".into() };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--addr" => args.addr = Some(value),
            "--seconds" => match value.parse() {
                Ok(n) if n > 0 => args.seconds = n,
                _ => return Err("--seconds must be a positive integer".into()),
            },
            "--bin" => args.bin = PathBuf::from(value),
            "--scenario" => args.scenario = value,
            _ => return Err(format!("unknown flag {flag}\n{USAGE}").into()),
        }
    }
    let in_crate = Path::new(env!("CARGO_MANIFEST_DIR")).join(&args.bin);
    if args.bin.is_relative() && !args.bin.exists() && in_crate.exists() {
        args.bin = in_crate;
    }
    if !["list", "retrieve", "create", "contact", "tax", "product", "all"].contains(&args.scenario.as_str()) {
        return Err(format!("unknown scenario {:?}\n{USAGE}", args.scenario).into());
    }
    Ok(args)
}

fn random_u64() -> u64 {
    RandomState::new().hash_one((Instant::now(), std::process::id()))
}

/// A parsed response; the body stays in the connection buffer until the next request.
struct Reply {
    status: u16,
    close: bool,
    body: Range<usize>,
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    consumed: usize,
}

impl Conn {
    fn open(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        stream.set_write_timeout(Some(IO_TIMEOUT))?;
        let buf = Vec::with_capacity(64 * 1024);
        Ok(Conn { stream, buf, consumed: 0 })
    }

    fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0; 16 * 1024];
        let n = self.stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "server closed connection"));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    fn roundtrip(&mut self, request: &[u8]) -> io::Result<Reply> {
        self.buf.drain(..self.consumed);
        self.consumed = 0;
        self.stream.write_all(request)?;
        let (head_len, status, body_len, close) = self.read_head()?;
        while self.buf.len() < head_len + body_len {
            self.fill()?;
        }
        self.consumed = head_len + body_len;
        Ok(Reply { status, close, body: head_len..head_len + body_len })
    }

    /// Returns (head length, status, Content-Length, connection-close).
    fn read_head(&mut self) -> io::Result<(usize, u16, usize, bool)> {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut response = httparse::Response::new(&mut headers);
            let parsed = response.parse(&self.buf).map_err(io::Error::other)?;
            if let httparse::Status::Complete(head_len) = parsed {
                let mut body_len = 0;
                let mut close = false;
                for h in response.headers.iter() {
                    let value = String::from_utf8_lossy(h.value);
                    if h.name.eq_ignore_ascii_case("content-length") {
                        body_len = value.trim().parse().map_err(io::Error::other)?;
                    } else if h.name.eq_ignore_ascii_case("connection") {
                        close = value.eq_ignore_ascii_case("close");
                    }
                }
                return Ok((head_len, response.code.unwrap_or(0), body_len, close));
            }
            self.fill()?;
        }
    }

    fn body(&self, reply: &Reply) -> &[u8] {
        &self.buf[reply.body.clone()]
    }
}

fn request(method: &str, host: &str, path: &str, token: Option<&str>, body: &str) -> Vec<u8> {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n");
    if let Some(token) = token {
        req.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if !body.is_empty() || method != "GET" {
        req.push_str("Content-Type: application/json\r\n");
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    req.into_bytes()
}

fn login(addr: SocketAddr, password: &str) -> Result<String> {
    let body = serde_json::json!({ "username": "admin", "password": password }).to_string();
    let host = addr.to_string();
    let req = request("POST", &host, "/api/v1/auth/token/", None, &body);
    let mut conn = Conn::open(addr).map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let reply = conn.roundtrip(&req).map_err(|e| format!("login request failed: {e}"))?;
    let text = String::from_utf8_lossy(conn.body(&reply)).into_owned();
    if reply.status != 200 {
        return Err(format!("login failed with HTTP {}: {text}", reply.status).into());
    }
    let json: serde_json::Value = serde_json::from_str(&text)?;
    let access = json["access"].as_str().ok_or("login response has no \"access\" token")?;
    Ok(access.to_owned())
}

/// Makes an organization, a product category and the products' `color` custom field; answers
/// the organization's and the category's ids.
fn setup_product(addr: SocketAddr, token: &str) -> Result<(String, String)> {
    let host = addr.to_string();
    let tag = format!("{:04X}", random_u64() & 0xFFFF);
    let mut conn = Conn::open(addr)?;
    let mut made = Vec::new();
    let organization = serde_json::json!({ "name": format!("Bench {tag}"), "code": format!("BENCH-{tag}"),
        "organization_type": "Company" });
    let category = serde_json::json!({ "name": format!("Bench {tag}"), "category_type": "PRODUCT" });
    // Defined once per server (a second run against the same server finds it there).
    let color = serde_json::json!({ "model": "product", "key": "bench_color", "label": "Colour", "type": "text" });
    let color = request("POST", &host, "/api/v1/custom-fields/", Some(token), &color.to_string());
    conn.roundtrip(&color)?;
    for (path, body) in [("/api/v1/organizations/", organization), ("/api/v1/categories/", category)] {
        let reply = conn.roundtrip(&request("POST", &host, path, Some(token), &body.to_string()))?;
        let text = String::from_utf8_lossy(conn.body(&reply)).into_owned();
        if reply.status != 201 {
            return Err(format!("setting up the product scenario: HTTP {}: {text}", reply.status).into());
        }
        let json: serde_json::Value = serde_json::from_str(&text)?;
        made.push(json["id"].as_str().unwrap_or_default().to_string());
    }
    Ok((made[0].clone(), made[1].clone()))
}

/// Makes a jurisdiction with a 5 % rate and a compound 9.975 % one after it (as Quebec's
/// GST and QST once were); answers the calculation request for it.
fn setup_tax(addr: SocketAddr, token: &str) -> Result<Vec<u8>> {
    let host = addr.to_string();
    let code = format!("BENCH-{:04X}", random_u64() & 0xFFFF);
    let mut conn = Conn::open(addr)?;
    let jurisdiction = serde_json::json!({ "code": code, "name": "Bench", "jurisdiction_type": "OTHER" });
    let rates = [("GST", "0.05", false, 1), ("QST", "0.09975", true, 2)].map(|(name, rate, compound, priority)| {
        serde_json::json!({ "jurisdiction": code, "tax_category": "STANDARD", "name": name, "rate": rate,
            "tax_type": "SALES", "is_compound": compound, "priority": priority })
    });
    let setup =
        [("/api/v1/tax-jurisdictions/", jurisdiction)].into_iter().chain(rates.map(|r| ("/api/v1/tax-rates/", r)));
    for (path, body) in setup {
        let reply = conn.roundtrip(&request("POST", &host, path, Some(token), &body.to_string()))?;
        if reply.status != 201 {
            let text = String::from_utf8_lossy(conn.body(&reply)).into_owned();
            return Err(format!("setting up the tax scenario: HTTP {}: {text}", reply.status).into());
        }
    }
    let body = serde_json::json!({ "amount": "19.99", "jurisdiction": code, "tax_category": "STANDARD",
        "currency": "USD", "date": "2026-01-01" });
    Ok(request("POST", &host, "/api/v1/tax/calculate/", None, &body.to_string()))
}

#[derive(Clone, Copy)]
enum Kind<'a> {
    /// The same request every time, answered 200.
    Same(&'a [u8]),
    Create,
    Contact,
    /// Products of this organization in this category.
    Product(&'a str, &'a str),
}

/// Everything a client thread needs; times are shared by all clients of a run.
struct Plan<'a> {
    addr: SocketAddr,
    host: String,
    token: &'a str,
    tag: String,
    measure_from: Instant,
    end: Instant,
}

#[derive(Default)]
struct Stats {
    latencies_us: Vec<u64>,
    errors: u64,
    creates: u64,
    first_error: Option<String>,
}

impl Stats {
    fn error(&mut self, record: bool, message: String) {
        if record {
            self.errors += 1;
            self.first_error.get_or_insert(message);
        }
    }
}

/// Sends one request (reconnecting if needed), records it if it started inside
/// the measurement window (counting `201 Created` replies as creates), and
/// returns whether it got the expected status.
fn exchange(plan: &Plan, conn: &mut Option<Conn>, req: &[u8], expect: u16, stats: &mut Stats) -> bool {
    let start = Instant::now();
    let record = start >= plan.measure_from && start < plan.end;
    if conn.is_none() {
        match Conn::open(plan.addr) {
            Ok(c) => *conn = Some(c),
            Err(e) => {
                stats.error(record, format!("connect: {e}"));
                thread::sleep(Duration::from_millis(10));
                return false;
            }
        }
    }
    let Some(c) = conn.as_mut() else { return false };
    match c.roundtrip(req) {
        Ok(reply) => {
            if record {
                stats.latencies_us.push(start.elapsed().as_micros() as u64);
                stats.creates += u64::from(reply.status == 201);
            }
            let ok = reply.status == expect;
            if !ok {
                let body = String::from_utf8_lossy(c.body(&reply));
                stats.error(record, format!("HTTP {} (expected {expect}): {body}", reply.status));
            }
            if reply.close {
                *conn = None;
            }
            ok
        }
        Err(e) => {
            *conn = None;
            stats.error(record, format!("I/O: {e}"));
            false
        }
    }
}

fn client(plan: &Plan, kind: Kind, id: usize) -> Stats {
    let mut stats = Stats::default();
    let mut conn = None;
    let mut counter = 0u64;
    while Instant::now() < plan.end {
        match kind {
            Kind::Same(req) => {
                exchange(plan, &mut conn, req, 200, &mut stats);
            }
            Kind::Create => {
                counter += 1;
                let code = format!("B{}{id:02}{counter}", plan.tag);
                let body = format!(r#"{{"code":"{code}","name":"Bench {code}","uom_type":"Count"}}"#);
                let create = request("POST", &plan.host, "/api/v1/uoms/", Some(plan.token), &body);
                if !exchange(plan, &mut conn, &create, 201, &mut stats) {
                    continue;
                }
                let path = format!("/api/v1/uoms/{code}/");
                let delete = request("DELETE", &plan.host, &path, Some(plan.token), "");
                exchange(plan, &mut conn, &delete, 204, &mut stats);
            }
            Kind::Contact => {
                counter += 1;
                let name = format!("B{}{id:02}{counter}", plan.tag);
                let body = format!(
                    r#"{{"first_name":"Bench","last_name":"{name}","contact_type":"customer","tags":["bench"],
                    "email_addresses":[{{"email":"{name}@example.com","is_primary":true}}],
                    "phone_numbers":[{{"phone_number":"+4930{counter:08}"}}],
                    "addresses":[{{"address":{{"street_address_1":"{counter} Main St","city":"Berlin","country":"DE"}},"address_type":"billing"}}]}}"#
                );
                let create = request("POST", &plan.host, "/api/v1/contacts/", Some(plan.token), &body);
                exchange(plan, &mut conn, &create, 201, &mut stats);
            }
            Kind::Product(organization, category) => {
                counter += 1;
                let body = format!(
                    r#"{{"name":"Bench product {counter}","sku":"B{}{id:02}-{counter}","product_type":"PHYSICAL_GOOD",
                    "base_uom":"EA","organization":"{organization}","category":"{category}","tags":["bench"],
                    "custom_fields":{{"bench_color":"red"}}}}"#,
                    plan.tag
                );
                let create = request("POST", &plan.host, "/api/v1/products/", Some(plan.token), &body);
                exchange(plan, &mut conn, &create, 201, &mut stats);
            }
        }
    }
    stats
}

fn run(addr: SocketAddr, token: &str, kind: Kind, clients: usize, secs: u64) -> Stats {
    let measure_from = Instant::now() + WARMUP;
    let plan = Plan {
        addr,
        host: addr.to_string(),
        token,
        tag: format!("{:04X}", random_u64() & 0xFFFF), // codes differ between runs
        measure_from,
        end: measure_from + Duration::from_secs(secs),
    };
    let mut total = Stats::default();
    thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|id| {
                s.spawn({
                    let plan = &plan;
                    move || client(plan, kind, id)
                })
            })
            .collect();
        for handle in handles {
            let Ok(stats) = handle.join() else {
                total.error(true, "client thread panicked".into());
                continue;
            };
            total.latencies_us.extend(stats.latencies_us);
            total.errors += stats.errors;
            total.creates += stats.creates;
            if total.first_error.is_none() {
                total.first_error = stats.first_error;
            }
        }
    });
    total
}

fn percentile(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64 / 1000.0
}

fn report(name: &str, clients: usize, secs: u64, mut stats: Stats) {
    stats.latencies_us.sort_unstable();
    let lat = &stats.latencies_us;
    let secs = secs as f64;
    println!(
        "{name:<18} {clients:>7} {:>9} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>7}",
        lat.len(),
        lat.len() as f64 / secs,
        percentile(lat, 0.50),
        percentile(lat, 0.99),
        percentile(lat, 1.0),
        stats.errors,
    );
    if name.starts_with("create") {
        let creates = stats.creates as f64 / secs;
        let writes = lat.len() as f64 / secs;
        println!("{:<18} -> {creates:.0} creates/s, {writes:.0} writes/s (create + delete)", "");
    }
    if let Some(err) = stats.first_error {
        println!("{:<18} first error: {err}", "");
    }
}

fn resolve_loopback(addr: &str) -> Result<SocketAddr> {
    let mut addrs = addr.to_socket_addrs().map_err(|e| format!("cannot resolve {addr}: {e}"))?;
    addrs
        .find(|a| a.ip().is_loopback())
        .ok_or_else(|| format!("refusing to benchmark non-loopback address {addr}").into())
}

fn main() -> ExitCode {
    match main_inner() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main_inner() -> Result<()> {
    let args = parse_args()?;
    let (server, addr, password) = match &args.addr {
        Some(addr) => {
            let password = std::env::var("PLINTH_ADMIN_PASSWORD")
                .map_err(|_| "--addr given but PLINTH_ADMIN_PASSWORD is not set")?;
            (None, resolve_loopback(addr)?, password)
        }
        None => {
            let password = format!("pw-{:016x}{:016x}", random_u64(), random_u64());
            let dir = tempfile::TempDir::new()?;
            let (server, addr) = Server::spawn(&args.bin, dir.path(), &password)?;
            (Some((server, dir)), addr, password)
        }
    };
    let token = login(addr, &password)?;
    eprintln!("benchmarking http://{addr}/ for {} s per scenario (+1 s warm-up)", args.seconds);

    let host = addr.to_string();
    let list_req = request("GET", &host, "/api/v1/currencies/?page_size=50", None, "");
    let one_req = request("GET", &host, "/api/v1/currencies/USD/", None, "");
    let mut runs: Vec<(&str, Kind, usize)> = Vec::new();
    let wanted = |s: &str| args.scenario == "all" || args.scenario == s;
    if wanted("list") {
        runs.push(("list", Kind::Same(&list_req), READERS));
    }
    if wanted("retrieve") {
        runs.push(("retrieve", Kind::Same(&one_req), READERS));
    }
    if wanted("create") {
        runs.push(("create", Kind::Create, 1));
        runs.push(("create", Kind::Create, READERS));
    }
    if wanted("contact") {
        runs.push(("contact", Kind::Contact, READERS));
    }
    let tax_req = if wanted("tax") { setup_tax(addr, &token)? } else { Vec::new() };
    if wanted("tax") {
        runs.push(("tax", Kind::Same(&tax_req), READERS));
    }
    let product_setup = if wanted("product") { Some(setup_product(addr, &token)?) } else { None };
    if let Some((organization, category)) = &product_setup {
        runs.push(("product", Kind::Product(organization, category), READERS));
    }

    println!(
        "{:<18} {:>7} {:>9} {:>10} {:>8} {:>8} {:>8} {:>7}",
        "scenario", "clients", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    for (name, kind, clients) in runs {
        let stats = run(addr, &token, kind, clients, args.seconds);
        report(name, clients, args.seconds, stats);
    }

    match &server {
        Some((server, _)) => {
            thread::sleep(Duration::from_secs(1));
            match server.rss_kib() {
                Some(kib) => println!("idle RSS: {:.1} MiB", kib as f64 / 1024.0),
                None => println!("idle RSS: unavailable (cannot read /proc)"),
            }
        }
        None => println!("idle RSS: n/a (external server)"),
    }
    drop(server);
    Ok(())
}
