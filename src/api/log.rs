//! The request log, off the request path: a request only pushes a small record into a
//! bounded channel (never blocking; a full channel drops the line and counts it), and a
//! logging thread formats the JSON lines and writes them to stderr through a buffer, flushed
//! whenever it has caught up. Server faults go through the same thread.

use std::io::{self, BufWriter, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Lines waiting to be written; beyond this they are dropped, not waited for.
const CAPACITY: usize = 16 * 1024;

/// After a flush the logging thread pauses this long, so that under load it wakes about a
/// hundred times a second (and the requests never have to wake it) rather than once per line.
const PAUSE: Duration = Duration::from_millis(10);

/// One request, as logged. Never the query string (it may hold a token) nor any header.
pub struct RequestLine {
    pub at: DateTime<Utc>,
    pub method: String,
    /// The path without its query string.
    pub path: String,
    pub status: u16,
    /// Time spent answering, from the end of reading the request to the answer's being
    /// ready (it is written after).
    pub elapsed: Duration,
    pub request_id: String,
    pub client: String,
}

enum Entry {
    Request(RequestLine),
    Error { request_id: String, error: String },
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

    /// Whether request lines are logged (callers skip building them otherwise).
    pub fn logs_requests(&self) -> bool {
        self.requests
    }

    /// Logs one request.
    pub fn request(&self, line: RequestLine) {
        if self.requests {
            self.push(Entry::Request(line));
        }
    }

    /// Logs a server fault: its cause, which the client was not shown.
    pub fn error(&self, request_id: &str, error: String) {
        self.push(Entry::Error { request_id: request_id.to_string(), error });
    }

    fn push(&self, entry: Entry) {
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) = self.sender.try_send(entry) {
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

#[derive(Serialize)]
struct RequestJson<'a> {
    ts: String,
    method: &'a str,
    path: &'a str,
    status: u16,
    ms: f64,
    request_id: &'a str,
    client: &'a str,
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    level: &'static str,
    request_id: &'a str,
    error: &'a str,
}

#[derive(Serialize)]
struct DroppedJson {
    level: &'static str,
    dropped_log_lines: u64,
}

fn write_lines(receiver: &Receiver<Entry>, dropped: &AtomicU64) {
    let mut out = BufWriter::with_capacity(64 * 1024, io::stderr());
    while let Ok(first) = receiver.recv() {
        let mut next = Some(first);
        let mut closing = false;
        while let Some(entry) = next.take() {
            match entry {
                Entry::Close => closing = true,
                Entry::Request(line) => {
                    let ms = (line.elapsed.as_secs_f64() * 100_000.0).round() / 100.0;
                    let json = RequestJson {
                        ts: crate::store::format_timestamp(line.at),
                        method: &line.method,
                        path: &line.path,
                        status: line.status,
                        ms,
                        request_id: &line.request_id,
                        client: &line.client,
                    };
                    write_json(&mut out, &json);
                }
                Entry::Error { request_id, error } => {
                    write_json(&mut out, &ErrorJson { level: "error", request_id: &request_id, error: &error });
                }
            }
            if !closing {
                next = receiver.try_recv().ok();
            }
        }
        let lost = dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            write_json(&mut out, &DroppedJson { level: "warn", dropped_log_lines: lost });
        }
        let _ = out.flush();
        if closing {
            return;
        }
        thread::sleep(PAUSE);
    }
}

fn write_json(out: &mut impl Write, value: &impl Serialize) {
    if serde_json::to_writer(&mut *out, value).is_ok() {
        let _ = out.write_all(b"\n");
    }
}
