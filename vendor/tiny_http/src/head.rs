//! The request head: the request line and header fields, parsed by httparse within the
//! configured limits, and the framing of the body they announce, validated strictly
//! (RFC 9112 §6.3): anything ambiguous is refused, since a server and a proxy that read the
//! same bytes differently let one request hide inside another.

use std::str::FromStr;

use ascii::AsciiString;

use crate::common::{HTTPVersion, Header, HeaderField, Method};

/// Header slots tried first, on the stack; more are allocated only for heads that need them.
const STACK_HEADERS: usize = 32;

/// Size limits of a head.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub request_line: usize,
    pub head_bytes: usize,
    pub headers: usize,
}

/// How the body of a request is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    None,
    Length(u64),
    Chunked,
}

/// A parsed, validated request head.
#[derive(Debug)]
pub(crate) struct Head {
    pub method: Method,
    pub url: String,
    pub version: HTTPVersion,
    pub headers: Vec<Header>,
    pub framing: Framing,
    /// The client waits for `100 Continue` before sending the body.
    pub expect_continue: bool,
    /// The client is willing to send another request on this connection.
    pub keep_alive: bool,
}

/// A request the server answers itself with an error status, then closes the connection.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub status: u16,
    pub detail: String,
}

impl Refusal {
    pub fn new(status: u16, detail: impl Into<String>) -> Refusal {
        Refusal { status, detail: detail.into() }
    }

    /// A body over the limit.
    pub fn too_large(limit: usize) -> Refusal {
        Refusal::new(413, format!("Request body is larger than the limit of {limit} bytes."))
    }
}

/// Parses the head at the start of `buf`: `Ok(Some((head, length)))` when complete,
/// `Ok(None)` when more bytes are needed and allowed, a refusal otherwise.
pub(crate) fn parse(buf: &[u8], limits: Limits) -> Result<Option<(Head, usize)>, Refusal> {
    // Empty lines before a request line are skipped (RFC 9112 §2.2), as httparse does.
    let start = buf.iter().position(|&b| b != b'\r' && b != b'\n').unwrap_or(buf.len());
    let line = &buf[start..];
    let line = match line.iter().position(|&b| b == b'\n') {
        Some(end) => &line[..end],
        None if line.len() > limits.request_line => return Err(uri_too_long(limits)),
        None => line,
    };
    if line.len() > limits.request_line {
        return Err(uri_too_long(limits));
    }
    if !line.is_ascii() {
        return Err(Refusal::new(400, "The request line may only contain ASCII characters."));
    }
    let mut stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
    match parse_into(buf, &mut stack[..limits.headers.min(STACK_HEADERS)], limits, line) {
        Err(None) if limits.headers > STACK_HEADERS => {
            let mut heap = vec![httparse::EMPTY_HEADER; limits.headers];
            parse_into(buf, &mut heap, limits, line)
                .map_err(|refusal| refusal.unwrap_or_else(|| too_many_headers(limits)))
        }
        parsed => parsed.map_err(|refusal| refusal.unwrap_or_else(|| too_many_headers(limits))),
    }
}

fn uri_too_long(limits: Limits) -> Refusal {
    Refusal::new(414, format!("The request line is longer than the limit of {} bytes.", limits.request_line))
}

fn too_many_headers(limits: Limits) -> Refusal {
    Refusal::new(431, format!("The request has more than {} header fields.", limits.headers))
}

fn head_too_large(limits: Limits) -> Refusal {
    Refusal::new(431, format!("The request head is larger than the limit of {} bytes.", limits.head_bytes))
}

/// [`parse`] with these header slots; `Err(None)` when they are too few.
fn parse_into<'b>(
    buf: &'b [u8],
    slots: &mut [httparse::Header<'b>],
    limits: Limits,
    line: &[u8],
) -> Result<Option<(Head, usize)>, Option<Refusal>> {
    let mut request = httparse::Request::new(slots);
    let length = match request.parse(buf) {
        Ok(httparse::Status::Complete(length)) if length <= limits.head_bytes => length,
        Ok(_) if buf.len() >= limits.head_bytes => return Err(Some(head_too_large(limits))),
        Ok(_) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(None),
        Err(httparse::Error::Version) if names_a_later_version(line) => {
            return Err(Some(Refusal::new(505, "Only HTTP/1.0 and HTTP/1.1 are supported.")));
        }
        Err(e) => return Err(Some(Refusal::new(400, format!("Malformed request: {e}.")))),
    };
    build(&request, length).map(Some).map_err(Some)
}

/// The head of a request httparse parsed completely.
fn build(request: &httparse::Request, length: usize) -> Result<(Head, usize), Refusal> {
    let (Some(method), Some(path), Some(minor)) = (request.method, request.path, request.version) else {
        return Err(Refusal::new(400, "Malformed request line."));
    };
    let method = Method::from_str(method).map_err(|()| Refusal::new(400, "Malformed request method."))?;
    let version = HTTPVersion(1, minor);
    let mut headers = Vec::with_capacity(request.headers.len());
    for header in request.headers.iter() {
        let field = HeaderField::from_bytes(header.name).map_err(|_| Refusal::new(400, "Malformed header name."))?;
        let value = AsciiString::from_ascii(header.value)
            .map_err(|_| Refusal::new(400, format!("The value of {} is not ASCII.", header.name)))?;
        headers.push(Header { field, value });
    }
    let framing = framing(&headers, &version)?;
    // An HTTP/1.0 client cannot expect anything (RFC 9110 §10.1.1).
    let expect_continue = match find(&headers, "Expect").next() {
        _ if version == (1, 0) => false,
        None => false,
        Some(value) if value.eq_ignore_ascii_case("100-continue") => true,
        Some(_) => return Err(Refusal::new(417, "Only the expectation 100-continue is supported.")),
    };
    let mut keep_alive = version == (1, 1);
    for token in find(&headers, "Connection").flat_map(|value| value.split(',')).map(str::trim) {
        if token.eq_ignore_ascii_case("close") {
            keep_alive = false;
            break;
        }
        if token.eq_ignore_ascii_case("keep-alive") {
            keep_alive = true;
        }
    }
    let head = Head { method, url: path.to_string(), version, headers, framing, expect_continue, keep_alive };
    Ok((head, length))
}

/// Whether the version of a request line httparse refused names HTTP/2 or later, rather than
/// being garbage.
fn names_a_later_version(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let version = line.rsplit(|&b| b == b' ').next().unwrap_or_default();
    version.strip_prefix(b"HTTP/").is_some_and(|rest| rest.first().is_some_and(|d| (b'2'..=b'9').contains(d)))
}

/// The values of every field called `name`.
fn find<'h>(headers: &'h [Header], name: &'static str) -> impl Iterator<Item = &'h str> {
    headers.iter().filter(move |h| h.field.equiv(name)).map(|h| h.value.as_str())
}

/// The body framing of a request (RFC 9112 §6.3), refusing every ambiguity.
fn framing(headers: &[Header], version: &HTTPVersion) -> Result<Framing, Refusal> {
    let mut encodings = find(headers, "Transfer-Encoding");
    if let Some(encoding) = encodings.next() {
        if find(headers, "Content-Length").next().is_some() {
            return Err(Refusal::new(400, "Content-Length and Transfer-Encoding must not both be sent."));
        }
        if *version == (1, 0) {
            return Err(Refusal::new(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request."));
        }
        if encodings.next().is_some() || !encoding.trim().eq_ignore_ascii_case("chunked") {
            return Err(Refusal::new(501, "The only supported Transfer-Encoding is chunked."));
        }
        return Ok(Framing::Chunked);
    }
    let mut length = None;
    for value in find(headers, "Content-Length") {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Refusal::new(400, "Content-Length must be a non-negative decimal number."));
        }
        // Too many digits for a u64 is larger than any limit.
        let parsed = value.parse::<u64>().unwrap_or(u64::MAX);
        if length.is_some_and(|earlier| earlier != parsed) {
            return Err(Refusal::new(400, "Conflicting Content-Length values."));
        }
        length = Some(parsed);
    }
    Ok(length.map_or(Framing::None, Framing::Length))
}

#[cfg(test)]
mod tests {
    use super::{Framing, Limits, parse};

    const LIMITS: Limits = Limits { request_line: 64, head_bytes: 256, headers: 4 };

    fn status(raw: &[u8]) -> u16 {
        match parse(raw, LIMITS) {
            Ok(Some(_)) => 200,
            Ok(None) => 0,
            Err(refusal) => refusal.status,
        }
    }

    fn framing(raw: &str) -> Framing {
        parse(raw.as_bytes(), LIMITS).expect("valid").expect("complete").0.framing
    }

    #[test]
    fn complete_partial_and_pipelined() {
        let raw = b"GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\n";
        let (head, length) = parse(raw, LIMITS).unwrap().unwrap();
        assert_eq!((head.url.as_str(), head.keep_alive, head.framing), ("/a?b=c", true, Framing::None));
        assert_eq!(&raw[length..], b"GET /next HTTP/1.1\r\n");
        assert_eq!(status(b"GET / HTTP/1.1\r\nHost: x\r\n"), 0);
        assert_eq!(status(b"GET / HT"), 0);
    }

    #[test]
    fn limits() {
        let long_line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(80));
        assert_eq!(status(long_line.as_bytes()), 414);
        assert_eq!(status(&long_line.as_bytes()[..70]), 414, "refused before the line ends");
        assert_eq!(status(b"GET / HTTP/1.1\r\na: 1\r\nb: 1\r\nc: 1\r\nd: 1\r\ne: 1\r\n\r\n"), 431);
        let big = format!("GET / HTTP/1.1\r\nx: {}", "a".repeat(300));
        assert_eq!(status(big.as_bytes()), 431, "refused before the head ends");
    }

    #[test]
    fn versions_and_garbage() {
        assert_eq!(status(b"GET / HTTP/2.0\r\n\r\n"), 505);
        assert_eq!(status(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505);
        assert_eq!(status(b"GARBAGE\r\n\r\n"), 400);
        assert_eq!(status(b"GET /\xff HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status(b"GET / FOO/1.1\r\n\r\n"), 400);
    }

    #[test]
    fn framing_is_strict() {
        assert_eq!(framing("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), Framing::Length(5));
        assert_eq!(framing("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"), Framing::Length(5));
        assert_eq!(framing("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"), Framing::Chunked);
        for (value, expected) in [("abc", 400), ("-1", 400), ("+5", 400), ("5 5", 400), ("5, 5", 400), ("", 400)] {
            assert_eq!(status(format!("POST / HTTP/1.1\r\nContent-Length: {value}\r\n\r\n").as_bytes()), expected);
        }
        assert_eq!(status(b"POST / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 9\r\n\r\n"), 400);
        assert_eq!(status(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
        assert_eq!(status(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"), 501);
        assert_eq!(status(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"), 501);
        assert_eq!(status(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"), 501);
        assert_eq!(status(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
        assert_eq!(
            framing("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
            Framing::Length(u64::MAX)
        );
    }

    #[test]
    fn persistence() {
        let keep = |raw: &str| parse(raw.as_bytes(), LIMITS).unwrap().unwrap().0.keep_alive;
        assert!(keep("GET / HTTP/1.1\r\n\r\n"));
        assert!(!keep("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
        assert!(!keep("GET / HTTP/1.0\r\n\r\n"));
        assert!(keep("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
        assert_eq!(status(b"POST / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n"), 417);
        let expects = |raw: &str| parse(raw.as_bytes(), LIMITS).unwrap().unwrap().0.expect_continue;
        assert!(expects("POST / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n"));
        assert!(!expects("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n"));
        assert!(!expects("POST / HTTP/1.0\r\nExpect: 200-ok\r\n\r\n"));
    }
}
