//! The accept loop: hands each new connection to a connection thread, answers those beyond
//! the cap with a 503 and closes them at once, and outlives descriptor exhaustion by backing
//! off instead of exiting.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use crate::Shared;
use crate::common::StatusCode;
use crate::conn::Accepted;
use crate::pool::Pool;

/// The first pause after an `accept` failure; it doubles up to the longest while they last.
const FIRST_BACKOFF: Duration = Duration::from_millis(5);
const LONGEST_BACKOFF: Duration = Duration::from_millis(500);

/// Accepts until the server stops.
pub(crate) fn run(listener: &TcpListener, shared: &Arc<Shared>) {
    let open = Arc::new(AtomicUsize::new(0));
    let mut backoff = None;
    while !shared.stopping.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok(_) if shared.stopping.load(Ordering::SeqCst) => break,
            Ok((stream, peer)) => {
                backoff = None;
                // Only this thread adds to the count, so it never passes the cap.
                if open.load(Ordering::SeqCst) >= shared.settings.max_connections {
                    refuse(shared, &stream);
                    continue;
                }
                // When no thread can be started the connection is dropped, that is closed.
                let _ = Pool::dispatch(shared, Accepted::new(stream, peer, &open));
            }
            Err(e) if is_transient(&e) => {}
            Err(_) => {
                // Out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) or anything
                // unexpected: the pending connections wait in the backlog until some close.
                let wait = backoff.map_or(FIRST_BACKOFF, |last: Duration| (last * 2).min(LONGEST_BACKOFF));
                backoff = Some(wait);
                thread::sleep(wait);
            }
        }
    }
}

/// Errors of one connection (it was reset before it was accepted, and the like), which
/// `accept(2)` says to retry at once.
fn is_transient(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock)
        || e.raw_os_error().is_some_and(|code| {
            [
                libc::EPROTO,
                libc::EPERM,
                libc::ENETDOWN,
                libc::ENETUNREACH,
                libc::EHOSTDOWN,
                libc::EHOSTUNREACH,
                libc::ENOPROTOOPT,
                libc::EOPNOTSUPP,
            ]
            .contains(&code)
        })
}

/// Answers 503 without ever blocking (one write into an empty send buffer), then closes.
fn refuse(shared: &Shared, stream: &TcpStream) {
    let detail = "The server has too many open connections; try again shortly.";
    let response = (shared.settings.error_response)(StatusCode(503), detail).with_header("Retry-After", "1");
    if stream.set_nonblocking(true).is_ok() {
        let _ = response.write_to(stream, &mut Vec::new(), false, Some("close"));
    }
}
