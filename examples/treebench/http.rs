//! `--http`: the list target. The forest is loaded, the plans of each scenario's list
//! and count are printed (as the engine builds them for the superuser who asks), then the
//! release server is started on the directory and 32 keep-alive clients ask for one page of
//! 50 (count included) for `--seconds` after a 1 s warm-up.
//!
//! Each scenario is `organizations/<node>/descendants/?tags=<tag>&filter=<region in …>`, the
//! node and regions picked so that about 1,000 organizations match (with the common tag the
//! subtree is the narrowest filter, with the rarer one the tag is), after one with the tree
//! alone: the descendants of a node with about 1,000 below it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use plinth::engine::{Restriction, list};

use super::server::Server;

use super::data::{Forest, REGIONS, TAGS};
use super::{Args, prepare, print_plan};

const WARMUP: Duration = Duration::from_secs(1);
const TIMEOUT: Duration = Duration::from_secs(10);

/// One list request the clients repeat.
struct Scenario {
    title: String,
    node: String,
    query: Vec<(String, String)>,
    matches: usize,
}

impl Scenario {
    fn path(&self) -> String {
        let query: Vec<String> =
            self.query.iter().map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC))).collect();
        format!("/api/v1/organizations/{}/descendants/?{}", self.node, query.join("&"))
    }
}

/// The tree alone: the node with closest to 1,000 descendants. Then per tag, the node and
/// the regions (the first one, two or three) whose descendants with that tag in those regions
/// number closest to 1,000.
fn scenarios(forest: &Forest) -> Vec<Scenario> {
    let below = forest.below_counts(|_| true);
    let node = forest.closest(&below, None, 1_000);
    let query = vec![("page_size".to_string(), "50".to_string())];
    let tree_only = Scenario {
        title: format!("level {} node, descendants only", forest.levels[node]),
        node: forest.ids[node].clone(),
        query,
        matches: below[node],
    };
    let tagged = TAGS.iter().enumerate().map(|(t, (tag, share))| {
        let (regions, node, matches) = (1..REGIONS.len())
            .map(|regions| {
                let counts = forest.below_counts(|n| forest.tags[n] & (1 << t) != 0 && forest.regions[n] < regions);
                let node = forest.closest(&counts, None, 1_000);
                (regions, node, counts[node])
            })
            .min_by_key(|(_, _, matches)| matches.abs_diff(1_000))
            .unwrap_or_default();
        let named = &REGIONS[..regions];
        let filter = serde_json::json!({ "field": "custom_fields.region", "op": "in", "value": named }).to_string();
        let title = format!(
            "level {} node ({} below) + {tag} ({:.0} %) + region in {} ({} %)",
            forest.levels[node],
            below[node],
            share * 100.0,
            named.join("/"),
            100 * regions / REGIONS.len()
        );
        let query = [("tags", *tag), ("filter", filter.as_str()), ("page_size", "50")];
        let query = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Scenario { title, node: forest.ids[node].clone(), query, matches }
    });
    std::iter::once(tree_only).chain(tagged).collect()
}

pub fn run(args: &Args) -> Result<()> {
    let dir = super::DataDir::new(args)?;
    let password = format!("Bench-{}", plinth::store::new_id());
    let (db, forest, admin) = prepare(args, dir.path(), &password)?;
    let scenarios = scenarios(&forest);
    let registry = plinth::modules::registry();
    let model = registry.get("organization").context("no organizations")?;
    db.read(|conn| {
        for scenario in &scenarios {
            let restriction = Some(Restriction::Descendants(&scenario.node));
            let statements = list::statements(conn, registry, model, &admin, &scenario.query, restriction)?;
            println!(
                "{}: {} match\n  GET {}\n  {}",
                scenario.title,
                scenario.matches,
                scenario.path(),
                statements.page
            );
            print_plan(conn, "the page", &statements.page, &statements.params)?;
            print_plan(conn, "its count", &statements.count, &statements.params)?;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    db.close();
    drop(db);

    if args.data.is_some() {
        println!("kept {} (admin password {password})", dir.path().display());
    }
    let (server, addr) = Server::spawn(&args.bin, dir.path(), &password)?;
    let token = login(addr, &password)?;
    println!(
        "{:<70} {:>7} {:>9} {:>9} {:>8} {:>8} {:>6}",
        "scenario", "clients", "requests", "req/s", "p50 ms", "p99 ms", "errors"
    );
    for scenario in &scenarios {
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nAuthorization: Bearer {token}\r\n\r\n",
            scenario.path()
        );
        let (status, body) = Conn::open(addr)?.exchange(request.as_bytes())?;
        let page: serde_json::Value = serde_json::from_slice(&body)?;
        ensure!(status == 200 && page["count"] == scenario.matches, "{}: HTTP {status}, {page:.200}", scenario.title);
        let (latencies, errors) = load(addr, request.as_bytes(), args.clients, Duration::from_secs(args.seconds));
        report(&scenario.title, args.clients, args.seconds, latencies, errors);
    }
    drop(server);
    Ok(())
}

/// Keeps `clients` connections asking `request` until the time is up; answers the latencies
/// (µs) of the requests started after the warm-up, and how many of those failed.
fn load(addr: SocketAddr, request: &[u8], clients: usize, duration: Duration) -> (Vec<u64>, usize) {
    let from = Instant::now() + WARMUP;
    let end = from + duration;
    thread::scope(|scope| {
        let threads: Vec<_> = (0..clients)
            .map(|_| {
                scope.spawn(move || {
                    let (mut latencies, mut errors, mut conn) = (Vec::new(), 0, None);
                    while Instant::now() < end {
                        let at = Instant::now();
                        let ok = conn
                            .take()
                            .map_or_else(|| Conn::open(addr), Ok)
                            .and_then(|mut c| c.exchange(request).map(|(status, _)| (c, status)));
                        let counted = at >= from;
                        match ok {
                            Ok((c, status)) => {
                                conn = Some(c);
                                if counted {
                                    latencies.push(at.elapsed().as_micros() as u64);
                                    errors += usize::from(status != 200);
                                }
                            }
                            Err(_) => errors += usize::from(counted),
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        threads.into_iter().filter_map(|t| t.join().ok()).fold((Vec::new(), 0), |(mut all, errors), (l, e)| {
            all.extend(l);
            (all, errors + e)
        })
    })
}

fn report(title: &str, clients: usize, seconds: u64, mut latencies: Vec<u64>, errors: usize) {
    latencies.sort_unstable();
    let at = |q: f64| {
        let rank = ((q * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len().max(1));
        latencies.get(rank - 1).map_or(0.0, |us| *us as f64 / 1000.0)
    };
    let rate = latencies.len() as f64 / seconds as f64;
    println!(
        "{title:<70} {clients:>7} {:>9} {rate:>9.0} {:>8.2} {:>8.2} {errors:>6}",
        latencies.len(),
        at(0.5),
        at(0.99)
    );
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn open(addr: SocketAddr) -> Result<Conn> {
        let stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        Ok(Conn { stream, buf: Vec::with_capacity(64 * 1024) })
    }

    /// Sends `request`, answers the status and body.
    fn exchange(&mut self, request: &[u8]) -> Result<(u16, Vec<u8>)> {
        self.stream.write_all(request)?;
        self.buf.clear();
        let mut chunk = [0; 16 * 1024];
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut response = httparse::Response::new(&mut headers);
            if let httparse::Status::Complete(head) = response.parse(&self.buf)? {
                let length = response.headers.iter().find(|h| h.name.eq_ignore_ascii_case("content-length"));
                let length: usize = length.map_or(Ok(0), |h| String::from_utf8_lossy(h.value).trim().parse())?;
                let status = response.code.unwrap_or(0);
                while self.buf.len() < head + length {
                    self.fill(&mut chunk)?;
                }
                return Ok((status, self.buf[head..head + length].to_vec()));
            }
            self.fill(&mut chunk)?;
        }
    }

    fn fill(&mut self, chunk: &mut [u8]) -> Result<()> {
        let n = self.stream.read(chunk)?;
        ensure!(n > 0, "the server closed the connection");
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn login(addr: SocketAddr, password: &str) -> Result<String> {
    let body = serde_json::json!({ "username": "admin", "password": password }).to_string();
    let request = format!(
        "POST /api/v1/auth/token/ HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (status, reply) = Conn::open(addr)?.exchange(request.as_bytes())?;
    let reply: serde_json::Value = serde_json::from_slice(&reply)?;
    ensure!(status == 200, "login: HTTP {status}: {reply}");
    reply["access"].as_str().map(str::to_string).context("login: no access token")
}
