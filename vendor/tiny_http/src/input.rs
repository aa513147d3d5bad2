//! Reading one connection: a buffer that never holds more than one head's worth of bytes,
//! read timeouts derived from deadlines (set on the socket only when they change), the head,
//! and bodies framed by `Content-Length` or the chunked coding, read whole into memory.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::head::{self, Framing, Head, Limits, Refusal};

/// The buffer starts this small and grows, up to the head limit, only for larger heads.
const INITIAL_BUFFER: usize = 8 * 1024;

/// A body is allocated as it arrives, this much at a time, not as large as it is announced.
const BODY_STEP: usize = 64 * 1024;

/// Trailer fields accepted after a chunked body (and discarded).
const MAX_TRAILERS: usize = 32;

/// Why reading a request stopped short.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The peer closed or reset the connection, or the socket failed: close, answer nothing.
    Closed,
    /// Answer this refusal, then close.
    Refuse(Refusal),
}

/// The deadlines of a body: each read waits at most `idle`, and the whole body must arrive
/// before `end`.
pub(crate) struct Deadline {
    pub end: Instant,
    pub idle: Duration,
}

impl Deadline {
    /// How long the next read may wait; a refusal once the time is up.
    fn wait(&self) -> Result<Duration, Stop> {
        let left = self.end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(body_timeout());
        }
        Ok(left.min(self.idle))
    }
}

fn body_timeout() -> Stop {
    Stop::Refuse(Refusal::new(408, "The request body was not received in time."))
}

fn malformed_chunk() -> Stop {
    Stop::Refuse(Refusal::new(400, "Malformed chunked body."))
}

/// What one read brought.
enum Got {
    Bytes,
    TimedOut,
}

/// The reading side of a connection.
pub(crate) struct Input<'s> {
    stream: &'s TcpStream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// The most the buffer grows to.
    capacity: usize,
    /// The read timeout currently set on the socket.
    timeout: Option<Duration>,
}

impl<'s> Input<'s> {
    /// Reads `stream` with a buffer of at most `capacity` bytes (at least one head).
    pub fn new(stream: &'s TcpStream, capacity: usize) -> Input<'s> {
        Input { stream, buf: vec![0; INITIAL_BUFFER.min(capacity)], start: 0, end: 0, capacity, timeout: None }
    }

    /// Whether no received byte is waiting to be used.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    fn set_timeout(&mut self, wait: Duration) -> Result<(), Stop> {
        let wait = wait.max(Duration::from_millis(1));
        if self.timeout != Some(wait) {
            self.stream.set_read_timeout(Some(wait)).map_err(|_| Stop::Closed)?;
            self.timeout = Some(wait);
        }
        Ok(())
    }

    /// One read into the buffer, waiting at most `wait`.
    fn fill(&mut self, wait: Duration) -> Result<Got, Stop> {
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else if self.buf.len() < self.capacity {
                let grown = (self.buf.len() * 2).min(self.capacity);
                self.buf.resize(grown, 0);
            } else {
                // The callers refuse before the buffer is full; this only guards the bound.
                return Err(Stop::Refuse(Refusal::new(431, "The request head is too large.")));
            }
        }
        self.set_timeout(wait)?;
        let end = self.end;
        match read(self.stream, &mut self.buf[end..])? {
            Some(n) => {
                self.end += n;
                Ok(Got::Bytes)
            }
            None => Ok(Got::TimedOut),
        }
    }

    /// Waits up to `wait` for the first bytes of a request; false when none came.
    pub fn wait(&mut self, wait: Duration) -> bool {
        matches!(self.fill(wait), Ok(Got::Bytes))
    }

    /// Reads the next request head, which must be complete by `deadline`.
    pub fn head(&mut self, limits: Limits, deadline: Instant) -> Result<Head, Stop> {
        let mut scanned = 0;
        let mut line_ended = false;
        loop {
            let data = self.buffered();
            // httparse starts over on every call: call it only when a line has ended or a
            // limit is reached, so a client trickling bytes cannot make parsing quadratic.
            let newline = data[scanned..].contains(&b'\n');
            line_ended |= newline;
            if (newline || (!line_ended && data.len() > limits.request_line) || data.len() >= limits.head_bytes)
                && let Some((head, used)) = head::parse(data, limits).map_err(Stop::Refuse)?
            {
                self.consume(used);
                return Ok(head);
            }
            scanned = data.len();
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || matches!(self.fill(left)?, Got::TimedOut) {
                return Err(Stop::Refuse(Refusal::new(408, "The request head was not received in time.")));
            }
            // `fill` may have moved the buffered bytes; `scanned` counts from their start.
        }
    }

    /// Reads a whole body of at most `limit` bytes.
    pub fn body(
        &mut self,
        framing: Framing,
        limit: usize,
        limits: Limits,
        deadline: &Deadline,
    ) -> Result<Vec<u8>, Stop> {
        match framing {
            Framing::None => Ok(Vec::new()),
            Framing::Length(length) => {
                let length = usize::try_from(length)
                    .ok()
                    .filter(|&n| n <= limit)
                    .ok_or_else(|| Stop::Refuse(Refusal::too_large(limit)))?;
                let mut body = Vec::new();
                self.exact(&mut body, length, deadline)?;
                Ok(body)
            }
            Framing::Chunked => self.chunked(limit, limits, deadline),
        }
    }

    /// One more read for a body, within its deadlines.
    fn more(&mut self, deadline: &Deadline) -> Result<(), Stop> {
        match self.fill(deadline.wait()?)? {
            Got::Bytes => Ok(()),
            Got::TimedOut => Err(body_timeout()),
        }
    }

    /// Appends exactly `n` bytes to `body`: the buffered ones, then straight from the socket
    /// (never past them, so a pipelined request stays unread).
    fn exact(&mut self, body: &mut Vec<u8>, n: usize, deadline: &Deadline) -> Result<(), Stop> {
        let from_buffer = n.min(self.end - self.start);
        body.extend_from_slice(&self.buf[self.start..self.start + from_buffer]);
        self.consume(from_buffer);
        let target = body.len() + (n - from_buffer);
        let mut filled = body.len();
        while filled < target {
            let step = (filled + BODY_STEP).min(target);
            if body.len() < step {
                body.resize(step, 0);
            }
            self.set_timeout(deadline.wait()?)?;
            match read(self.stream, &mut body[filled..step])? {
                Some(got) => filled += got,
                None => return Err(body_timeout()),
            }
        }
        Ok(())
    }

    /// Decodes a chunked body (RFC 9112 §7.1); the trailer section is read and discarded.
    fn chunked(&mut self, limit: usize, limits: Limits, deadline: &Deadline) -> Result<Vec<u8>, Stop> {
        let mut body = Vec::new();
        loop {
            let size = loop {
                let data = self.buffered();
                if data.first().is_some_and(|b| !b.is_ascii_hexdigit()) {
                    return Err(malformed_chunk());
                }
                match httparse::parse_chunk_size(data) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        self.consume(used);
                        break size;
                    }
                    Ok(httparse::Status::Partial) if data.len() < limits.request_line => self.more(deadline)?,
                    Ok(httparse::Status::Partial) | Err(_) => return Err(malformed_chunk()),
                }
            };
            if size == 0 {
                break;
            }
            let size = usize::try_from(size)
                .ok()
                .filter(|&n| n <= limit - body.len())
                .ok_or_else(|| Stop::Refuse(Refusal::too_large(limit)))?;
            self.exact(&mut body, size, deadline)?;
            while self.buffered().len() < 2 {
                self.more(deadline)?;
            }
            if !self.buffered().starts_with(b"\r\n") {
                return Err(malformed_chunk());
            }
            self.consume(2);
        }
        loop {
            let mut slots = [httparse::EMPTY_HEADER; MAX_TRAILERS];
            let data = self.buffered();
            let complete = match httparse::parse_headers(data, &mut slots) {
                Ok(httparse::Status::Complete((used, _))) => Some(used),
                Ok(httparse::Status::Partial) if data.len() < limits.head_bytes => None,
                Ok(httparse::Status::Partial) | Err(httparse::Error::TooManyHeaders) => {
                    return Err(Stop::Refuse(Refusal::new(431, "The trailer section is too large.")));
                }
                Err(_) => return Err(malformed_chunk()),
            };
            match complete {
                Some(used) => {
                    self.consume(used);
                    return Ok(body);
                }
                None => self.more(deadline)?,
            }
        }
    }
}

/// One read: `Some(n)` bytes, `None` on a timeout; end of stream and errors stop the request.
fn read(mut stream: &TcpStream, into: &mut [u8]) -> Result<Option<usize>, Stop> {
    loop {
        match stream.read(into) {
            Ok(0) => return Err(Stop::Closed),
            Ok(n) => return Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => return Ok(None),
            Err(_) => return Err(Stop::Closed),
        }
    }
}
