//! Responses: a status, header fields and a body, and how they go on the wire: the head and
//! a body of up to 64 KiB in one buffer and one `write`, larger bodies in one vectored write.

use std::cell::RefCell;
use std::io::{self, IoSlice, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::common::{Header, StatusCode};

/// Fields the server writes itself; a handler's values for them are ignored.
const RESERVED: [&str; 6] = ["Connection", "Content-Length", "Date", "Trailer", "Transfer-Encoding", "Upgrade"];

/// Bodies up to this size are copied behind the head and sent with it in one write.
const INLINE_BODY: usize = 64 * 1024;

/// What follows the head of a response.
///
/// Further kinds (a reader of known length for file downloads) can be added without
/// changing how handlers build the others.
#[derive(Debug, Default)]
#[non_exhaustive]
pub enum Body {
    /// No body (`Content-Length: 0` where the status allows a body).
    #[default]
    Empty,
    /// A body held in memory.
    Bytes(Vec<u8>),
}

impl Body {
    /// The body's length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Body::Empty => 0,
            Body::Bytes(bytes) => bytes.len(),
        }
    }

    /// Whether the body has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Body::Empty => &[],
            Body::Bytes(bytes) => bytes,
        }
    }
}

/// An answer to a request.
#[derive(Debug)]
pub struct Response {
    status: StatusCode,
    headers: Vec<Header>,
    body: Body,
}

impl Response {
    /// A response with this status, no header fields and no body.
    pub fn new(status: impl Into<StatusCode>) -> Response {
        Response { status: status.into(), headers: Vec::new(), body: Body::Empty }
    }

    /// Adds a header field. An invalid name or value, or a field the server sets itself
    /// (`Connection`, `Content-Length`, `Date`, `Transfer-Encoding`, …), is ignored.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        if let Ok(header) = Header::from_bytes(name, value) {
            self.add_header(header);
        }
        self
    }

    /// Adds a header field (ignored when the server sets that field itself).
    pub fn add_header(&mut self, header: Header) {
        if !RESERVED.iter().any(|name| header.field.equiv(name)) {
            self.headers.push(header);
        }
    }

    /// Sets the body.
    pub fn with_body(mut self, bytes: Vec<u8>) -> Response {
        self.body = Body::Bytes(bytes);
        self
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The header fields the handler set.
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// Writes the response: `out` is a reusable buffer; `head_only` answers a HEAD request;
    /// `connection` is the value of a `Connection` field to send, if any.
    pub(crate) fn write_to(
        &self,
        mut stream: impl Write,
        out: &mut Vec<u8>,
        head_only: bool,
        connection: Option<&str>,
    ) -> io::Result<()> {
        let status = self.status.0;
        // RFC 9110 §6.4.1: 1xx, 204 and 304 answers never carry content.
        let has_body = !(100..200).contains(&status) && status != 204 && status != 304;
        out.clear();
        out.extend_from_slice(b"HTTP/1.1 ");
        push_decimal(out, u64::from(status));
        out.push(b' ');
        out.extend_from_slice(self.status.default_reason_phrase().as_bytes());
        out.extend_from_slice(b"\r\nDate: ");
        push_date(out);
        if has_body {
            out.extend_from_slice(b"\r\nContent-Length: ");
            push_decimal(out, self.body.len() as u64);
        }
        if let Some(value) = connection {
            out.extend_from_slice(b"\r\nConnection: ");
            out.extend_from_slice(value.as_bytes());
        }
        for header in &self.headers {
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(header.field.as_str().as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(header.value.as_bytes());
        }
        out.extend_from_slice(b"\r\n\r\n");
        let body = if has_body && !head_only { self.body.bytes() } else { &[] };
        if body.len() <= INLINE_BODY {
            out.extend_from_slice(body);
            return stream.write_all(out);
        }
        let mut parts = [IoSlice::new(out), IoSlice::new(body)];
        let mut parts = &mut parts[..];
        while !parts.is_empty() {
            match stream.write_vectored(parts) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(written) => IoSlice::advance_slices(&mut parts, written),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
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
    out.extend_from_slice(&digits[start..]);
}

/// Appends the current date in HTTP form, formatted at most once a second per thread.
fn push_date(out: &mut Vec<u8>) {
    thread_local! {
        static DATE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let now = SystemTime::now();
    let second = now.duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs());
    DATE.with_borrow_mut(|(at, text)| {
        if *at != second {
            *at = second;
            *text = httpdate::fmt_http_date(now);
        }
        out.extend_from_slice(text.as_bytes());
    });
}

#[cfg(test)]
mod tests {
    use super::Response;

    fn wire(response: &Response, head_only: bool, connection: Option<&str>) -> String {
        let mut sent = Vec::new();
        response.write_to(&mut sent, &mut Vec::new(), head_only, connection).unwrap();
        String::from_utf8(sent).unwrap()
    }

    #[test]
    fn head_and_body_with_length() {
        let response = Response::new(200).with_header("Content-Type", "application/json").with_body(b"{}".to_vec());
        let text = wire(&response, false, Some("close"));
        assert!(text.starts_with("HTTP/1.1 200 OK\r\nDate: "), "{text}");
        assert!(
            text.ends_with("\r\nContent-Length: 2\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n{}")
        );
        let head = wire(&response, true, None);
        assert!(head.ends_with("\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n"), "{head}");
    }

    #[test]
    fn no_content_has_no_length_and_reserved_or_invalid_fields_are_ignored() {
        let response = Response::new(204)
            .with_header("Content-Length", "5")
            .with_header("X-Evil", "a\r\nSet-Cookie: x")
            .with_header("Bad Name", "x")
            .with_body(b"ignored".to_vec());
        let text = wire(&response, false, None);
        assert!(text.starts_with("HTTP/1.1 204 No Content\r\n"), "{text}");
        assert!(!text.contains("Content-Length") && !text.contains("Evil") && !text.contains("Bad"), "{text}");
        assert!(text.ends_with("\r\n\r\n"), "{text}");
    }

    #[test]
    fn large_bodies_are_written_whole() {
        let body = vec![b'x'; 200_000];
        let text = wire(&Response::new(200).with_body(body), false, None);
        assert!(text.contains("Content-Length: 200000\r\n"));
        assert_eq!(text.split("\r\n\r\n").nth(1).map(str::len), Some(200_000));
    }
}
