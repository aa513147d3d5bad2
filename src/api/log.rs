//! The request log, off the request path. A request formats its JSON line into a buffer on
//! its own stack (no allocation; the timestamp's date and time are formatted once a second)
//! and pushes it into a bounded channel without ever waiting: when the channel is full the
//! line is dropped and counted. A logging thread writes the lines to stderr through a
//! buffer, flushed whenever it has caught up. Server faults go through the same thread.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// Lines waiting to be written; beyond this they are dropped, not waited for.
const CAPACITY: usize = 4096;

/// After a flush the logging thread pauses this long, so that under load it wakes about a
/// hundred times a second (and requests never have to wake it) rather than once per line.
const PAUSE: Duration = Duration::from_millis(10);

/// Lines up to this length travel in the channel without an allocation.
const INLINE: usize = 256;

/// One request, as logged. Never the query string (it may hold a token) nor any header.
pub struct RequestLine<'a> {
    pub method: &'a str,
    /// The path without its query string.
    pub path: &'a str,
    pub status: u16,
    /// Time spent answering, from the end of reading the request to the answer's being
    /// ready (it is written after).
    pub elapsed: Duration,
    pub request_id: &'a str,
    pub client: Option<IpAddr>,
}

/// A formatted line (with its newline).
#[expect(clippy::large_enum_variant, reason = "a short line travels in the channel's slot, not behind an allocation")]
enum Entry {
    Inline { len: usize, bytes: [u8; INLINE] },
    Heap(Vec<u8>),
    Close,
}

/// The handle requests log through.
pub struct Log {
    sender: SyncSender<Entry>,
    dropped: Arc<AtomicU64>,
    requests: bool,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl Log {
    /// Starts the logging thread; request lines are written only when `requests` is set,
    /// server faults always.
    pub fn start(requests: bool) -> io::Result<Log> {
        let (sender, receiver) = sync_channel(CAPACITY);
        let dropped = Arc::new(AtomicU64::new(0));
        let writer = thread::Builder::new().name("plinth-log".into()).spawn({
            let dropped = Arc::clone(&dropped);
            move || write_lines(&receiver, &dropped)
        })?;
        Ok(Log { sender, dropped, requests, writer: Mutex::new(Some(writer)) })
    }

    /// Logs one request (when request lines are logged).
    pub fn request(&self, line: &RequestLine) {
        if self.requests {
            let mut buf = LineBuf::default();
            line.format(&mut buf);
            self.push(buf.into_entry());
        }
    }

    /// Logs a server fault: its cause, which the client was not shown.
    pub fn error(&self, request_id: &str, error: &str) {
        #[derive(Serialize)]
        struct ErrorJson<'a> {
            level: &'static str,
            request_id: &'a str,
            error: &'a str,
        }
        let mut line = serde_json::to_vec(&ErrorJson { level: "error", request_id, error }).unwrap_or_default();
        line.push(b'\n');
        self.push(Entry::Heap(line));
    }

    fn push(&self, entry: Entry) {
        if self.sender.try_send(entry).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Writes what is queued and ends the logging thread.
    pub fn close(&self) {
        let writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(writer) = writer {
            let _ = self.sender.send(Entry::Close);
            let _ = writer.join();
        }
    }
}

impl RequestLine<'_> {
    /// `{"ts", "method", "path", "status", "ms", "request_id", "client"}` and a newline.
    fn format(&self, buf: &mut LineBuf) {
        buf.push(b"{\"ts\":\"");
        push_timestamp(buf, SystemTime::now());
        buf.push(b"\",\"method\":");
        buf.push_json_string(self.method);
        buf.push(b",\"path\":");
        buf.push_json_string(self.path);
        buf.push(b",\"status\":");
        buf.push_decimal(u64::from(self.status));
        // Milliseconds with two decimals.
        let hundredths = (self.elapsed.as_micros() + 5) / 10;
        buf.push(b",\"ms\":");
        buf.push_decimal(u64::try_from(hundredths / 100).unwrap_or(u64::MAX));
        let fraction = (hundredths % 100) as u8;
        buf.push(&[b'.', b'0' + fraction / 10, b'0' + fraction % 10]);
        buf.push(b",\"request_id\":");
        buf.push_json_string(self.request_id);
        buf.push(b",\"client\":\"");
        if let Some(client) = self.client {
            let _ = write!(buf, "{client}");
        }
        buf.push(b"\"}\n");
    }
}

/// A line being formatted: on the stack while it is short.
struct LineBuf {
    len: usize,
    inline: [u8; INLINE],
    heap: Option<Vec<u8>>,
}

impl Default for LineBuf {
    fn default() -> LineBuf {
        LineBuf { len: 0, inline: [0; INLINE], heap: None }
    }
}

impl LineBuf {
    fn push(&mut self, bytes: &[u8]) {
        if let Some(heap) = &mut self.heap {
            heap.extend_from_slice(bytes);
        } else if self.len + bytes.len() <= INLINE {
            self.inline[self.len..self.len + bytes.len()].copy_from_slice(bytes);
            self.len += bytes.len();
        } else {
            let mut heap = Vec::with_capacity(2 * (self.len + bytes.len()));
            heap.extend_from_slice(&self.inline[..self.len]);
            heap.extend_from_slice(bytes);
            self.heap = Some(heap);
        }
    }

    fn push_decimal(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.push(&digits[start..]);
    }

    /// `text` as a JSON string.
    fn push_json_string(&mut self, text: &str) {
        self.push(b"\"");
        let bytes = text.as_bytes();
        let mut plain = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'"' || b == b'\\' || b < 0x20 {
                self.push(&bytes[plain..i]);
                match b {
                    b'"' | b'\\' => self.push(&[b'\\', b]),
                    _ => {
                        let _ = write!(self, "\\u{b:04x}");
                    }
                }
                plain = i + 1;
            }
        }
        self.push(&bytes[plain..]);
        self.push(b"\"");
    }

    fn into_entry(self) -> Entry {
        match self.heap {
            Some(heap) => Entry::Heap(heap),
            None => Entry::Inline { len: self.len, bytes: self.inline },
        }
    }
}

impl std::fmt::Write for LineBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push(s.as_bytes());
        Ok(())
    }
}

/// `2026-01-31T12:34:56.123456Z`: the part up to the seconds is formatted once a second
/// per thread.
fn push_timestamp(buf: &mut LineBuf, now: SystemTime) {
    thread_local! {
        static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    SECOND.with_borrow_mut(|(second, text)| {
        if *second != since.as_secs() {
            *second = since.as_secs();
            let at = chrono::DateTime::from_timestamp(i64::try_from(*second).unwrap_or(0), 0).unwrap_or_default();
            *text = at.format("%Y-%m-%dT%H:%M:%S").to_string();
        }
        buf.push(text.as_bytes());
    });
    let micros = since.subsec_micros();
    let mut digits = *b".000000Z";
    let mut rest = micros;
    for digit in digits[1..7].iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    buf.push(&digits);
}

fn write_lines(receiver: &Receiver<Entry>, dropped: &AtomicU64) {
    let mut out = BufWriter::with_capacity(64 * 1024, io::stderr());
    while let Ok(first) = receiver.recv() {
        let mut next = Some(first);
        let mut closing = false;
        while let Some(entry) = next.take() {
            let _ = match &entry {
                Entry::Inline { len, bytes } => out.write_all(&bytes[..*len]),
                Entry::Heap(line) => out.write_all(line),
                Entry::Close => {
                    closing = true;
                    Ok(())
                }
            };
            if !closing {
                next = receiver.try_recv().ok();
            }
        }
        let lost = dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            let _ = writeln!(out, "{{\"level\":\"warn\",\"dropped_log_lines\":{lost}}}");
        }
        let _ = out.flush();
        if closing {
            return;
        }
        thread::sleep(PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;
    use std::time::{Duration, SystemTime};

    use super::{LineBuf, RequestLine, push_timestamp};

    fn line(path: &str) -> serde_json::Value {
        let client: IpAddr = "192.0.2.7".parse().unwrap();
        let request = RequestLine {
            method: "GET",
            path,
            status: 200,
            elapsed: Duration::from_micros(31_076),
            request_id: "01a22ffd-d3c7",
            client: Some(client),
        };
        let mut buf = LineBuf::default();
        request.format(&mut buf);
        let (bytes, inline) = match &buf.heap {
            Some(heap) => (heap.clone(), false),
            None => (buf.inline[..buf.len].to_vec(), true),
        };
        assert_eq!(inline, path.len() < 100, "short lines stay on the stack");
        assert_eq!(bytes.last(), Some(&b'\n'));
        serde_json::from_slice(&bytes).expect("one JSON line")
    }

    #[test]
    fn request_lines_are_json() {
        let logged = line("/api/v1/currencies/USD/");
        assert_eq!(logged["method"], "GET");
        assert_eq!(logged["path"], "/api/v1/currencies/USD/");
        assert_eq!(logged["status"], 200);
        assert_eq!(logged["ms"], 31.08);
        assert_eq!(logged["request_id"], "01a22ffd-d3c7");
        assert_eq!(logged["client"], "192.0.2.7");
        let ts = logged["ts"].as_str().expect("ts");
        assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
        let odd = format!("/a\"b\\c/{}", "x".repeat(300));
        assert_eq!(line(&odd)["path"], odd.as_str(), "escaped, and longer than the inline buffer");
    }

    #[test]
    fn timestamps_keep_their_microseconds() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_micros(1_767_225_600_000_042);
        let mut buf = LineBuf::default();
        push_timestamp(&mut buf, at);
        assert_eq!(&buf.inline[..buf.len], b"2026-01-01T00:00:00.000042Z");
    }
}
