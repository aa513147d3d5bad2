//! A request as a handler sees it: read completely (head and body) before the handler runs,
//! with nothing left that touches the socket.

use std::net::SocketAddr;

use crate::common::{HTTPVersion, Header, Method};

/// One HTTP request, body included.
#[derive(Debug)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) version: HTTPVersion,
    pub(crate) headers: Vec<Header>,
    pub(crate) remote_addr: Option<SocketAddr>,
    pub(crate) body: Vec<u8>,
}

impl Request {
    /// The method (`HEAD` requests are answered without a body by the server).
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request target as sent: path and query, plain ASCII.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The protocol version of the request (1.0 or 1.1).
    pub fn http_version(&self) -> &HTTPVersion {
        &self.version
    }

    /// Every header field, in the order received.
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// The value of the first header field called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
    }

    /// The peer's address.
    pub fn remote_addr(&self) -> Option<&SocketAddr> {
        self.remote_addr.as_ref()
    }

    /// The body, decoded from its transfer coding; empty when there was none.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}
