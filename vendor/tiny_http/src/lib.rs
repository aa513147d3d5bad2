//! Plinth's HTTP/1.1 server core: a fork of tiny_http 0.12 (its vocabulary types remain)
//! rebuilt so that a client's pace or size never costs more than its own connection.
//!
//! - The accept thread hands each connection to a connection thread (reused while idle). It
//!   survives descriptor exhaustion by backing off, and answers connections beyond
//!   [`Settings::max_connections`] with a 503 and closes them.
//! - A connection thread reads one request at a time: the head within a deadline and size
//!   limits, its framing validated strictly (RFC 9112 §6.3), then the whole body into memory
//!   within an idle and a total deadline. Only then does the request take one of
//!   [`Settings::workers`] permits and run the handler, on the same thread; the answer is
//!   written under a write timeout. Requests on a connection are answered in order.
//! - What the core refuses (malformed or ambiguous requests, limits, timeouts, HTTP/2,
//!   overload) it answers itself through [`Settings::error_response`], and closes.
//!
//! ```no_run
//! use std::sync::Arc;
//! let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
//! let handler: tiny_http::Handler = Arc::new(|request: tiny_http::Request| {
//!     tiny_http::Response::new(200).with_body(format!("you asked for {}", request.url()).into_bytes())
//! });
//! let server = tiny_http::Server::start(listener, tiny_http::Settings::default(), handler).unwrap();
//! println!("listening on {}", server.addr());
//! server.stop();
//! ```

mod accept;
mod common;
mod conn;
mod head;
mod input;
mod pool;
mod request;
mod response;

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

pub use common::{HTTPVersion, Header, HeaderField, Method, StatusCode};
pub use request::Request;
pub use response::{Body, Response};

/// Answers a request. Runs on the request's connection thread while it holds a permit.
pub type Handler = Arc<dyn Fn(Request) -> Response + Send + Sync>;

/// How long a stop waits for requests in progress before it leaves their threads behind.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// Limits, timeouts and concurrency of a server.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Handlers running at once.
    pub workers: usize,
    /// Open connections; more are answered 503 and closed.
    pub max_connections: usize,
    /// From the first byte of a request head (or, for a connection's first request, from
    /// the connection) until the head is complete: else 408.
    pub header_timeout: Duration,
    /// From the end of the head until the body is complete: else 408.
    pub body_timeout: Duration,
    /// The longest pause between two parts of a body: else 408.
    pub body_idle_timeout: Duration,
    /// How long an idle connection waits for its next request before it is closed.
    pub keep_alive: Duration,
    /// The longest wait for the client to take a part of an answer.
    pub write_timeout: Duration,
    /// The longest request line (method, target, version): else 414.
    pub max_request_line: usize,
    /// The largest head (request line and header fields): else 431.
    pub max_header_bytes: usize,
    /// The most header fields: else 431.
    pub max_headers: usize,
    /// The largest body, after decoding: else 413.
    pub body_limit: usize,
    /// The answer to a request the core refuses itself, from its status and a sentence
    /// saying why.
    pub error_response: fn(StatusCode, &str) -> Response,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            workers: 32,
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            body_idle_timeout: Duration::from_secs(10),
            keep_alive: Duration::from_secs(15),
            write_timeout: Duration::from_secs(10),
            max_request_line: 32 * 1024,
            max_header_bytes: 64 * 1024,
            max_headers: 100,
            body_limit: 1024 * 1024,
            error_response: plain_error,
        }
    }
}

/// The default error answer: the reason as plain text.
fn plain_error(status: StatusCode, detail: &str) -> Response {
    Response::new(status).with_header("Content-Type", "text/plain; charset=utf-8").with_body(detail.as_bytes().to_vec())
}

/// What the threads of a server share.
pub(crate) struct Shared {
    settings: Settings,
    handler: Handler,
    permits: pool::Permits,
    pool: pool::Pool,
    registry: conn::Registry,
    stopping: AtomicBool,
}

/// A running server; stopped by [`Server::stop`] or on drop.
pub struct Server {
    addr: SocketAddr,
    listener: Arc<TcpListener>,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `listener` (accepted sockets inherit its options, e.g. `TCP_NODELAY`).
    pub fn start(listener: TcpListener, settings: Settings, handler: Handler) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        listener.set_nonblocking(false)?;
        let listener = Arc::new(listener);
        let shared = Arc::new(Shared {
            permits: pool::Permits::new(settings.workers),
            settings,
            handler,
            pool: pool::Pool::default(),
            registry: conn::Registry::default(),
            stopping: AtomicBool::new(false),
        });
        let accept = thread::Builder::new().name("http-accept".into()).spawn({
            let (listener, shared) = (Arc::clone(&listener), Arc::clone(&shared));
            move || accept::run(&listener, &shared)
        })?;
        Ok(Server { addr, listener, shared, accept: Some(accept) })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops: no new connections; idle connections and requests not yet read completely end
    /// at once; requests in progress are answered (with `Connection: close`), for up to ten
    /// seconds; the server's threads are joined.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(accept) = self.accept.take() else { return };
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Shutting a listener down ends a pending `accept` on Linux (and refuses the
        // connections still in its backlog); elsewhere a connection to itself wakes it.
        if socket2::SockRef::from(&*self.listener).shutdown(Shutdown::Read).is_err() {
            let _ = TcpStream::connect_timeout(&reachable(self.addr), Duration::from_secs(1));
        }
        let _ = accept.join();
        self.shared.registry.stop_reading();
        self.shared.pool.stop(STOP_GRACE);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// `addr` with an unspecified IP replaced by loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V4(v4) if v4.ip().is_unspecified() => (Ipv4Addr::LOCALHOST, v4.port()).into(),
        SocketAddr::V6(v6) if v6.ip().is_unspecified() => (Ipv6Addr::LOCALHOST, v6.port()).into(),
        other => other,
    }
}
