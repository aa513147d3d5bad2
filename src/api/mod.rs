//! HTTP only: the listener (with `TCP_NODELAY`, DESIGN.md §3), the worker pool, routing,
//! authentication of each request, responses and the one log line per request.

mod error;
mod handlers;
mod request;
mod router;

pub use error::ApiError;

use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::json;
use tiny_http::{Header, Response};

use crate::audit;
use crate::auth::{self, TokenSettings};
use crate::engine::{Caller, Registry};
use crate::store::Db;
use handlers::{Reply, dispatch};
use request::Ctx;
use router::Route;

/// Everything handlers share.
pub struct State {
    pub db: Db,
    pub registry: &'static Registry,
    pub tokens: TokenSettings,
    /// How long a password reset token stays valid.
    pub reset_ttl: std::time::Duration,
    pub body_limit: usize,
    /// Write one log line per request to stderr.
    pub log_requests: bool,
    /// Failed-login bookkeeping.
    pub throttle: auth::Throttle,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    openapi: Vec<u8>,
    meta: Vec<u8>,
    permissions: Vec<u8>,
    router: matchit::Router<Route>,
}

impl State {
    pub fn new(db: Db, registry: &'static Registry, config: &crate::Config) -> State {
        let openapi =
            serde_json::to_vec(&crate::engine::openapi::document(registry, crate::VERSION)).unwrap_or_default();
        let meta = serde_json::to_vec(&crate::engine::meta::models(registry)).unwrap_or_default();
        let permissions =
            serde_json::to_vec(&json!({ "permissions": crate::access::permissions(registry) })).unwrap_or_default();
        State {
            db,
            registry,
            tokens: TokenSettings { access_ttl: config.access_ttl, refresh_ttl: config.refresh_ttl },
            reset_ttl: config.reset_ttl,
            body_limit: config.body_limit,
            log_requests: config.log_requests,
            throttle: auth::Throttle::new(config.throttle),
            trusted_proxies: config.trusted_proxies.clone(),
            openapi,
            meta,
            permissions,
            router: router::build(registry),
        }
    }
}

/// Binds a listener whose accepted sockets have `TCP_NODELAY` (they inherit it on Linux).
pub fn bind(addr: &str) -> io::Result<TcpListener> {
    let addr: SocketAddr = addr
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("cannot resolve {addr}")))?;
    let socket = socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.set_tcp_nodelay(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

/// A running HTTP server.
pub struct HttpServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
    server: Arc<tiny_http::Server>,
}

impl HttpServer {
    /// Serves `listener` with `workers` handler threads.
    pub fn start(listener: TcpListener, state: Arc<State>, workers: usize) -> io::Result<HttpServer> {
        let addr = listener.local_addr()?;
        let server = Arc::new(tiny_http::Server::from_listener(listener, None).map_err(io::Error::other)?);
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..workers.max(1))
            .map(|i| {
                let (server, state, stop) = (server.clone(), state.clone(), stop.clone());
                std::thread::Builder::new()
                    .name(format!("plinth-http-{i}"))
                    .spawn(move || worker(&server, &state, &stop))
            })
            .collect::<io::Result<Vec<_>>>()?;
        Ok(HttpServer { addr, stop, workers, server })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops taking requests and waits for the ones in flight to finish.
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        for _ in &self.workers {
            self.server.unblock();
        }
        for worker in self.workers {
            let _ = worker.join();
        }
    }
}

fn worker(server: &tiny_http::Server, state: &State, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        match server.recv_timeout(Duration::from_millis(200)) {
            Ok(Some(request)) => {
                // A bug must cost one request (tiny_http answers 500 for a dropped request),
                // never a worker.
                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(state, request))).is_err() {
                    eprintln!("{}", json!({ "level": "error", "error": "a request handler panicked" }));
                }
            }
            Ok(None) => {}
            Err(_) => break,
        }
    }
}

fn handle(state: &State, mut request: tiny_http::Request) {
    let started = Instant::now();
    let request_id = request_id(&request);
    let method = match request.method().as_str().to_ascii_uppercase() {
        // tiny_http omits the body of answers to HEAD.
        head if head == "HEAD" => "GET".to_string(),
        other => other,
    };
    let url = request.url().to_string();
    let (path, query) = request::split_url(&url);
    let outcome = run(state, &mut request, &method, path, query, &request_id);
    let extra_headers = outcome.as_ref().err().map(ApiError::headers).unwrap_or_default();
    let (status, body) = match outcome {
        Ok(reply) => (reply.status, reply.body),
        Err(err) => {
            if err.is_server_fault() {
                eprintln!("{}", json!({ "level": "error", "request_id": request_id, "error": err.to_string() }));
            }
            let (status, body) = err.status_and_body();
            (status, Some(serde_json::to_vec(&body).unwrap_or_default()))
        }
    };
    let client = request.remote_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    respond(request, status, body, &request_id, extra_headers);
    if state.log_requests {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        eprintln!(
            "{}",
            json!({ "ts": crate::store::now(), "method": method, "path": path, "status": status,
                    "ms": (ms * 100.0).round() / 100.0, "request_id": request_id, "client": client })
        );
    }
}

fn run(
    state: &State,
    request: &mut tiny_http::Request,
    method: &str,
    path: &str,
    query: Vec<(String, String)>,
    request_id: &str,
) -> Result<Reply, ApiError> {
    let matched = state.router.at(router::normalize(path)).map_err(|_| ApiError::NoRoute)?;
    let route = *matched.value;
    if !route.allowed().contains(&method) {
        return Err(ApiError::MethodNotAllowed { allow: route.allowed() });
    }
    let params = matched
        .params
        .iter()
        .map(|(k, v)| {
            let decoded = percent_encoding::percent_decode_str(v).decode_utf8().map_err(|_| ApiError::NoRoute)?;
            Ok((k.to_string(), decoded.into_owned()))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let principal = match route {
        Route::Health | Route::Token | Route::TokenRefresh | Route::PasswordReset | Route::PasswordResetConfirm => None,
        _ => authenticate(state, request)?,
    };

    let context = audit::Context {
        ip: client_address(request, &state.trusted_proxies).map(|ip| ip.to_string()),
        user_agent: request::header(request, "User-Agent").map(|ua| ua.chars().take(255).collect()),
        request_id: request_id.to_string(),
        origin: "api",
    };
    let caller = Caller { principal, context };
    let mut ctx = Ctx {
        request,
        method: method.to_string(),
        path: path.to_string(),
        query,
        params,
        caller,
        body_limit: state.body_limit,
    };
    dispatch(state, route, &mut ctx)
}

/// The caller from `X-API-Key` or `Authorization: Bearer`; anonymous without either.
fn authenticate(state: &State, request: &tiny_http::Request) -> Result<Option<crate::access::Principal>, ApiError> {
    if let Some(key) = request::header(request, "X-API-Key").filter(|k| !k.is_empty()) {
        return Ok(Some(auth::authenticate_key(&state.db, key.trim())?));
    }
    match request::bearer(request) {
        Some(token) => Ok(Some(auth::authenticate(&state.db, token)?)),
        None => Ok(None),
    }
}

/// The client's address: the peer, or — only when the peer is a trusted proxy — the nearest
/// untrusted hop of `X-Forwarded-For` (anyone else could write anything there).
fn client_address(request: &tiny_http::Request, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = request.remote_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = request::header(request, "X-Forwarded-For").unwrap_or("");
    let hops = forwarded.split(',').rev().map(|hop| hop.trim().parse::<IpAddr>());
    for hop in hops {
        match hop {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return Some(ip),
            Err(_) => break,
        }
    }
    Some(peer)
}

/// The client's `X-Request-Id` when it is short and plain, else a new one.
fn request_id(request: &tiny_http::Request) -> String {
    request::header(request, "X-Request-Id")
        .filter(|id| !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map_or_else(crate::store::new_id, str::to_string)
}

fn respond(
    request: tiny_http::Request,
    status: u16,
    body: Option<Vec<u8>>,
    request_id: &str,
    extra: Vec<(&'static str, String)>,
) {
    let mut headers = vec![header("X-Request-Id", request_id)];
    headers.extend(extra.iter().map(|(name, value)| header(name, value)));
    let response = match body {
        Some(bytes) => {
            headers.push(header("Content-Type", "application/json; charset=utf-8"));
            let len = bytes.len();
            Response::new(status.into(), headers, io::Cursor::new(bytes), Some(len), None)
        }
        None => Response::new(status.into(), headers, io::Cursor::new(Vec::new()), Some(0), None),
    };
    let _ = request.respond(response);
}

fn header(name: &str, value: &str) -> Header {
    // Names are constants; values are constants or the sanitized request id: always ASCII.
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("header names and values are ASCII")
}
