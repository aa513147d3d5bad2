//! Patched for Plinth: closing connections whose request body was not read to its end.
//!
//! Upstream, bytes a handler left unread (beyond what the drain on drop consumes, or any
//! chunked body) were parsed as the next request on the connection: a client could smuggle
//! a request inside a refused body. Now a body reader dropped before its end marks its
//! connection; the connection then shuts its read side and serves nothing further.

use std::io::{Read, Result as IoResult};
use std::net::Shutdown;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::refined_tcp_stream::Stream;

/// Shared by a connection and the body reader of its current request.
pub struct UnreadBody {
    marked: AtomicBool,
    stream: Mutex<Option<Stream>>,
}

impl UnreadBody {
    pub(crate) fn new(stream: Option<Stream>) -> Arc<UnreadBody> {
        Arc::new(UnreadBody { marked: AtomicBool::new(false), stream: Mutex::new(stream) })
    }

    /// Records that a body was left unread and stops reading from the socket.
    pub fn mark(&self) {
        self.marked.store(true, Ordering::SeqCst);
        if let Some(mut stream) = self.stream.lock().unwrap_or_else(PoisonError::into_inner).take() {
            stream.shutdown(Shutdown::Read).ok();
        }
    }

    pub fn is_marked(&self) -> bool {
        self.marked.load(Ordering::SeqCst)
    }
}

/// Wraps a body reader that does not drain itself (chunked): dropping it before its end
/// marks the connection.
pub struct GuardedBody<R: Read> {
    inner: R,
    finished: bool,
    unread: Arc<UnreadBody>,
}

impl<R: Read> GuardedBody<R> {
    pub fn new(inner: R, unread: Arc<UnreadBody>) -> GuardedBody<R> {
        GuardedBody { inner, finished: false, unread }
    }
}

impl<R: Read> Read for GuardedBody<R> {
    fn read(&mut self, buf: &mut [u8]) -> IoResult<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.finished = true;
        }
        Ok(n)
    }
}

impl<R: Read> Drop for GuardedBody<R> {
    fn drop(&mut self) {
        if !self.finished {
            self.unread.mark();
        }
    }
}
