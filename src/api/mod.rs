//! HTTP only: the listener (with `TCP_NODELAY`, DESIGN.md §3), the settings of the server
//! core (`tiny_http`, which reads requests and bounds their concurrency), routing,
//! authentication of each request, responses and the one log line per request.

mod assets;
mod endpoints;
mod error;
mod handlers;
mod log;
mod request;
mod router;
mod schemas;
mod session;

pub use error::ApiError;

use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener, ToSocketAddrs};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use tiny_http::Response;

use crate::audit;
use crate::auth::{self, TokenSettings};
use crate::engine::{Caller, Method, Registry};
use crate::store::Db;
use endpoints::Access;
use handlers::Reply;
use request::Ctx;
use router::{Route, Target};

const JSON_TYPE: &str = "application/json; charset=utf-8";

/// Everything handlers share.
pub struct State {
    pub db: Db,
    pub registry: &'static Registry,
    pub tokens: TokenSettings,
    /// How long a password reset token stays valid.
    pub reset_ttl: std::time::Duration,
    /// Failed-login bookkeeping.
    pub throttle: auth::Throttle,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    log: log::Log,
    /// The OpenAPI document without custom fields (which change at run time: added per
    /// request), and as bytes for callers who see none.
    openapi: (serde_json::Value, Vec<u8>),
    /// `meta/models/` without custom fields and abilities (added per request).
    meta: serde_json::Value,
    permissions: Vec<u8>,
    router: matchit::Router<Route>,
}

impl State {
    /// The shared state; starts the logging thread (ended by [`HttpServer::stop`]).
    pub fn new(db: Db, registry: &'static Registry, config: &crate::Config) -> io::Result<State> {
        let document = crate::engine::openapi::document(
            registry,
            crate::VERSION,
            endpoints::openapi_paths(),
            schemas::components(),
        );
        let openapi_bytes = serde_json::to_vec(&document).unwrap_or_default();
        let meta = crate::engine::meta::models(registry);
        let permissions = serde_json::to_vec(&json!({ "permissions": crate::engine::permissions::list(registry) }))
            .unwrap_or_default();
        Ok(State {
            db,
            registry,
            tokens: TokenSettings {
                access_ttl: config.access_ttl,
                refresh_ttl: config.refresh_ttl,
                session_ttl: config.session_ttl,
            },
            reset_ttl: config.reset_ttl,
            throttle: auth::Throttle::new(config.throttle),
            trusted_proxies: config.trusted_proxies.clone(),
            log: log::Log::start(config.log_requests)?,
            openapi: (document, openapi_bytes),
            meta,
            permissions,
            router: router::build(registry),
        })
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

/// Raises the soft open-files limit to the hard one (each connection holds a descriptor);
/// answers the soft limit in force.
pub fn raise_open_files_limit() -> Option<u64> {
    rlimit::increase_nofile_limit(u64::MAX)
        .ok()
        .or_else(|| rlimit::getrlimit(rlimit::Resource::NOFILE).ok().map(|l| l.0))
}

/// Descriptors kept for everything but connections: SQLite's (the database, its WAL and
/// shared-memory files for each reader, the writer and a spare) and 64 for the rest.
fn reserved_descriptors(workers: usize) -> u64 {
    3 * (workers as u64 + 2) + 64
}

/// The server core's settings: `config`'s, with the connection cap lowered to what
/// `open_files` (the soft limit) leaves after the reserve.
pub fn http_settings(config: &crate::Config, open_files: Option<u64>) -> tiny_http::Settings {
    let workers = config.workers.max(1);
    let by_descriptors = open_files.map_or(u64::MAX, |limit| limit.saturating_sub(reserved_descriptors(workers)));
    let max_connections = usize::try_from(by_descriptors).unwrap_or(usize::MAX).min(config.max_connections).max(1);
    tiny_http::Settings {
        workers,
        max_connections,
        header_timeout: config.header_timeout,
        body_timeout: config.body_timeout,
        body_idle_timeout: config.body_idle_timeout,
        keep_alive: config.keep_alive,
        write_timeout: config.write_timeout,
        max_request_line: config.max_request_line,
        max_header_bytes: config.max_header_bytes,
        max_headers: config.max_headers,
        body_limit: config.body_limit,
        error_response: error::protocol_error,
    }
}

/// A running HTTP server.
pub struct HttpServer {
    server: tiny_http::Server,
    state: Arc<State>,
    max_connections: usize,
}

impl HttpServer {
    /// Serves `listener` with these settings.
    pub fn start(listener: TcpListener, state: Arc<State>, settings: tiny_http::Settings) -> io::Result<HttpServer> {
        let handler: tiny_http::Handler = Arc::new({
            let state = Arc::clone(&state);
            move |request| handle(&state, &request)
        });
        let max_connections = settings.max_connections;
        let server = tiny_http::Server::start(listener, settings, handler)?;
        Ok(HttpServer { server, state, max_connections })
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The cap on open connections in force.
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    /// Stops taking requests, waits for the ones in flight, then for the log to be written.
    pub fn stop(self) {
        self.server.stop();
        self.state.log.close();
    }
}

fn handle(state: &State, request: &tiny_http::Request) -> Response {
    let started = Instant::now();
    let request_id = request_id(request);
    let method = match request.method().as_str().to_ascii_uppercase() {
        // The server core leaves out the body of answers to HEAD.
        head if head == "HEAD" => "GET".to_string(),
        other => other,
    };
    let (path, query) = request::split_url(request.url());
    // A bug must cost one request (answered 500), never a thread.
    let outcome = catch_unwind(AssertUnwindSafe(|| match path.starts_with(router::BASE) {
        true => run(state, request, &method, path, query, &request_id),
        false => assets::serve(&method, path, request),
    }))
    .unwrap_or_else(|_| {
        state.log.error(&request_id, "a request handler panicked");
        Err(ApiError::Panic)
    });
    let reply = outcome.unwrap_or_else(|err| {
        if err.is_server_fault() {
            state.log.error(&request_id, &err.to_string());
        }
        let (status, body) = err.status_and_body();
        let reply = Reply::json(status, &body);
        err.headers().into_iter().fold(reply, |reply, (name, value)| reply.with_header(name, value))
    });
    let status = reply.status;
    state.log.request(&log::RequestLine {
        method: &method,
        path,
        status,
        elapsed: started.elapsed(),
        request_id: &request_id,
        client: request.remote_addr().map(|a| a.ip()),
    });
    let mut response = Response::new(status).with_header("X-Request-Id", &request_id);
    let headers = reply.headers.iter().map(|(name, value)| (*name, value.as_str()));
    for (name, value) in SECURITY_HEADERS.iter().copied().chain(headers) {
        response = response.with_header(name, value);
    }
    match reply.body {
        Some(bytes) => response.with_header("Content-Type", reply.content_type).with_body(bytes),
        None => response,
    }
}

/// Sent with every answer: the pages run only their own scripts and styles, are never framed,
/// and nothing is sniffed or leaked through the referrer.
const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
];

/// Routes the request (404, 405), authenticates the caller as the endpoint's access says, and
/// runs the fixed endpoint's handler or the model route.
fn run(
    state: &State,
    request: &tiny_http::Request,
    method: &str,
    path: &str,
    query: Vec<(String, String)>,
    request_id: &str,
) -> Result<Reply, ApiError> {
    let matched = state.router.at(router::normalize(path)).map_err(|_| ApiError::NoRoute)?;
    let route = *matched.value;
    let resolved = Method::parse(method).and_then(|method| Some((method, route.resolve(method)?)));
    let Some((method, target)) = resolved else {
        return Err(ApiError::MethodNotAllowed { allow: route.allowed() });
    };
    let params = matched
        .params
        .iter()
        .map(|(k, v)| {
            let decoded = percent_encoding::percent_decode_str(v).decode_utf8().map_err(|_| ApiError::NoRoute)?;
            Ok((k.to_string(), decoded.into_owned()))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    // Model routes take anybody: the engine applies the model's rules to the caller.
    let access = match target {
        Target::Fixed(endpoint) => endpoint.access,
        Target::Model(_) => Access::Anyone,
    };
    let (principal, origin) = match access {
        Access::Public => (None, "api"),
        Access::Anyone | Access::SignedIn | Access::Session => authenticate(state, request, method)?,
    };
    access.admit(principal.as_ref())?;

    let context = audit::Context {
        ip: client_address(request, &state.trusted_proxies).map(|ip| ip.to_string()),
        user_agent: request.header("User-Agent").map(|ua| ua.chars().take(255).collect()),
        request_id: request_id.to_string(),
        origin,
    };
    let caller = Caller { principal, context };
    let ctx = Ctx { request, method, path: path.to_string(), query, params, caller };
    match target {
        Target::Fixed(endpoint) => (endpoint.handler)(state, &ctx),
        Target::Model(route) => handlers::dispatch(state, route, &ctx),
    }
}

/// The caller from `X-API-Key`, `Authorization: Bearer` or the pages' session cookie (whose
/// unsafe requests must carry the CSRF token); anonymous without any. A stale cookie counts as
/// none, so that the sign-in page still loads. Also answers the origin the audit trail records:
/// `admin` for the pages, `api` otherwise.
fn authenticate(
    state: &State,
    request: &tiny_http::Request,
    method: Method,
) -> Result<(Option<crate::access::Principal>, &'static str), ApiError> {
    if let Some(key) = request.header("X-API-Key").filter(|k| !k.is_empty()) {
        return Ok((Some(auth::authenticate_key(&state.db, key.trim())?), "api"));
    }
    if let Some(token) = request::bearer(request) {
        return Ok((Some(auth::authenticate(&state.db, token)?), "api"));
    }
    let Some(token) = session::cookie_token(request) else { return Ok((None, "api")) };
    match auth::authenticate_session(&state.db, token) {
        Ok(principal) => {
            session::check_csrf(method, request, token)?;
            Ok((Some(principal), session::ORIGIN))
        }
        Err(auth::AuthError::InvalidToken) => Ok((None, "api")),
        Err(other) => Err(other.into()),
    }
}

/// The client's address: the peer, or — only when the peer is a trusted proxy — the nearest
/// untrusted hop of `X-Forwarded-For` (anyone else could write anything there).
fn client_address(request: &tiny_http::Request, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = request.remote_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = request.header("X-Forwarded-For").unwrap_or("");
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
    request
        .header("X-Request-Id")
        .filter(|id| !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map_or_else(crate::store::new_id, str::to_string)
}
