//! One connection's life on its thread: wait for a request, read it whole, take a permit,
//! run the handler, answer; again, in order, until the client, an error, a timeout or the
//! server's stop ends it.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::Shared;
use crate::common::{Method, StatusCode};
use crate::head::{Framing, Limits, Refusal};
use crate::input::{Deadline, Input, Stop};
use crate::request::Request;

/// How long a refused connection is still read (and what it sends discarded) before it is
/// closed, and how much of it at most.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 1024 * 1024;

/// An accepted connection, counted as open until it is dropped.
pub(crate) struct Accepted {
    pub stream: TcpStream,
    pub peer: SocketAddr,
    slot: Slot,
}

/// One unit of the open-connection count, given back on drop.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Accepted {
    /// Counts `stream` in `open`.
    pub fn new(stream: TcpStream, peer: SocketAddr, open: &Arc<AtomicUsize>) -> Accepted {
        open.fetch_add(1, Ordering::SeqCst);
        Accepted { stream, peer, slot: Slot(Arc::clone(open)) }
    }
}

/// A connection as the server's stop sees it.
struct Entry {
    stream: TcpStream,
    /// Waiting for or reading a request (not running a handler or answering).
    reading: AtomicBool,
}

/// The open connections, so that a stop can end those not serving a request.
#[derive(Default)]
pub(crate) struct Registry {
    entries: Mutex<HashMap<u64, Arc<Entry>>>,
    next: AtomicU64,
}

impl Registry {
    fn add(&self, stream: TcpStream) -> (u64, Arc<Entry>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let entry = Arc::new(Entry { stream, reading: AtomicBool::new(true) });
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).insert(id, Arc::clone(&entry));
        (id, entry)
    }

    fn remove(&self, id: u64) {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
    }

    /// Ends the reading side of every connection that is not serving a request: a wait for
    /// the next request or a partly read one ends at once, an answer in progress does not.
    /// Called after `stopping` is set; connections check it after marking themselves reading.
    pub fn stop_reading(&self) {
        for entry in self.entries.lock().unwrap_or_else(PoisonError::into_inner).values() {
            if entry.reading.load(Ordering::SeqCst) {
                let _ = entry.stream.shutdown(Shutdown::Read);
            }
        }
    }
}

/// Serves `accepted` until it ends.
pub(crate) fn serve(shared: &Shared, accepted: Accepted) {
    let Accepted { stream, peer, slot } = accepted;
    let (id, entry) = shared.registry.add(stream);
    let settings = &shared.settings;
    let capacity = settings.max_header_bytes.max(settings.max_request_line) + 1;
    let mut connection =
        Connection { shared, entry: &entry, input: Input::new(&entry.stream, capacity), peer, out: Vec::new() };
    connection.run();
    shared.registry.remove(id);
    drop(entry);
    drop(slot);
}

struct Connection<'a> {
    shared: &'a Shared,
    entry: &'a Entry,
    input: Input<'a>,
    peer: SocketAddr,
    /// The reused buffer responses are written from.
    out: Vec<u8>,
}

impl Connection<'_> {
    fn run(&mut self) {
        let settings = &self.shared.settings;
        let limits = Limits {
            request_line: settings.max_request_line,
            head_bytes: settings.max_header_bytes,
            headers: settings.max_headers,
        };
        if self.entry.stream.set_write_timeout(Some(settings.write_timeout)).is_err() {
            return;
        }
        // The first request must begin within the header timeout, later ones within the
        // keep-alive time; a connection idle beyond that is closed without an answer.
        let mut idle = settings.header_timeout;
        loop {
            if !self.reading() || (self.input.is_empty() && !self.input.wait(idle)) {
                return;
            }
            idle = settings.keep_alive;
            let head = match self.input.head(limits, Instant::now() + settings.header_timeout) {
                Ok(head) => head,
                Err(stop) => return self.stop(stop),
            };
            if let Framing::Length(length) = head.framing
                && length > settings.body_limit as u64
            {
                return self.stop(Stop::Refuse(Refusal::too_large(settings.body_limit)));
            }
            if head.expect_continue
                && head.framing != Framing::None
                && self.input.is_empty()
                && (&self.entry.stream).write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err()
            {
                return;
            }
            let deadline = Deadline { end: Instant::now() + settings.body_timeout, idle: settings.body_idle_timeout };
            let body = match self.input.body(head.framing, settings.body_limit, limits, &deadline) {
                Ok(body) => body,
                Err(stop) => return self.stop(stop),
            };
            self.entry.reading.store(false, Ordering::SeqCst);
            let head_only = head.method == Method::Head;
            let (keep_alive, old_version) = (head.keep_alive, head.version == (1, 0));
            let request = Request {
                method: head.method,
                url: head.url,
                version: head.version,
                headers: head.headers,
                remote_addr: Some(self.peer),
                body,
            };
            let response = {
                let _permit = self.shared.permits.acquire();
                catch_unwind(AssertUnwindSafe(|| (self.shared.handler)(request)))
                    .unwrap_or_else(|_| (settings.error_response)(StatusCode(500), "A server error occurred."))
            };
            let close = !keep_alive || self.shared.stopping.load(Ordering::SeqCst);
            let connection = match (close, old_version) {
                (true, _) => Some("close"),
                (false, true) => Some("keep-alive"),
                (false, false) => None,
            };
            let written = response.write_to(&self.entry.stream, &mut self.out, head_only, connection);
            if written.is_err() || close {
                return;
            }
        }
    }

    /// Marks the connection as reading; false when the server is stopping.
    fn reading(&self) -> bool {
        self.entry.reading.store(true, Ordering::SeqCst);
        !self.shared.stopping.load(Ordering::SeqCst)
    }

    /// Ends the connection after a failed read: refusals are answered first.
    fn stop(&mut self, stop: Stop) {
        let Stop::Refuse(refusal) = stop else { return };
        let response = (self.shared.settings.error_response)(StatusCode(refusal.status), &refusal.detail);
        if response.write_to(&self.entry.stream, &mut self.out, false, Some("close")).is_ok() {
            self.linger();
        }
    }

    /// After an error answer the client may still be sending (a body, a header flood).
    /// Closing with unread bytes would reset the connection and could destroy the answer
    /// before the client reads it, so the rest is read and discarded for a short while.
    fn linger(&self) {
        let mut stream = &self.entry.stream;
        if stream.shutdown(Shutdown::Write).is_err() {
            return;
        }
        let until = Instant::now() + LINGER;
        let mut scratch = [0u8; 16 * 1024];
        let mut drained = 0;
        while drained < LINGER_BYTES {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
                return;
            }
            match stream.read(&mut scratch) {
                Ok(0) | Err(_) => return,
                Ok(n) => drained += n,
            }
        }
    }
}
