//! What a handler sees of a request: method, path parameters, query, headers, the
//! authenticated caller, and a size-limited JSON body.

use std::io::Read;

use serde_json::Value;

use super::error::ApiError;
use crate::engine::Caller;

/// A request in flight.
pub struct Ctx<'r> {
    pub request: &'r mut tiny_http::Request,
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Path parameters (`key`), percent-decoded.
    pub params: Vec<(String, String)>,
    pub caller: Caller,
    pub body_limit: usize,
}

impl Ctx<'_> {
    /// A path parameter.
    pub fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// A header value (first occurrence).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(self.request, name)
    }

    /// The bearer token of the `Authorization` header, if any.
    pub fn bearer(&self) -> Option<&str> {
        bearer(self.request)
    }

    /// Reads the body as JSON (or a form, as DRF's FormParser does: each field a string).
    /// An empty body reads as `{}`. Bodies over the limit are refused from `Content-Length`
    /// before reading, and while reading chunked bodies.
    pub fn json(&mut self) -> Result<Value, ApiError> {
        let essence = self
            .header("Content-Type")
            .map(|kind| kind.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
            .unwrap_or_default();
        let form = essence == "application/x-www-form-urlencoded";
        if !(form || essence.is_empty() || essence == "application/json" || essence.ends_with("+json")) {
            return Err(ApiError::UnsupportedMediaType(essence));
        }
        let bytes = read_body(self.request, self.body_limit)?;
        if form {
            let fields = form_urlencoded::parse(&bytes).into_owned().map(|(k, v)| (k, Value::String(v)));
            return Ok(Value::Object(fields.collect()));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(serde_json::Map::new()));
        }
        serde_json::from_slice(&bytes).map_err(|e| ApiError::BadJson(e.to_string()))
    }
}

/// Reads at most `limit` bytes of body; more is [`ApiError::TooLarge`].
pub fn read_body(request: &mut tiny_http::Request, limit: usize) -> Result<Vec<u8>, ApiError> {
    if request.body_length().is_some_and(|len| len > limit) {
        return Err(ApiError::TooLarge { limit });
    }
    let mut bytes = Vec::with_capacity(request.body_length().unwrap_or(0).min(limit));
    request.as_reader().take(limit as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() > limit {
        return Err(ApiError::TooLarge { limit });
    }
    Ok(bytes)
}

/// A header value of a raw request.
pub fn header<'a>(request: &'a tiny_http::Request, name: &str) -> Option<&'a str> {
    request.headers().iter().find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
}

/// The bearer token of a raw request.
pub fn bearer(request: &tiny_http::Request) -> Option<&str> {
    let value = header(request, "Authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// Splits a URL into its path and decoded query pairs.
pub fn split_url(url: &str) -> (&str, Vec<(String, String)>) {
    match url.split_once('?') {
        Some((path, query)) => (path, form_urlencoded::parse(query.as_bytes()).into_owned().collect()),
        None => (url, Vec::new()),
    }
}
