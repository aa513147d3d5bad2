//! What a handler sees of a request: method, path parameters, query, headers, the
//! authenticated caller, and the JSON body (read whole, within the body limit, by the server
//! core before the handler runs).

use serde_json::Value;

use super::error::ApiError;
use crate::access::Principal;
use crate::engine::{Caller, EngineError, Method};

/// A request in flight.
pub struct Ctx<'r> {
    pub request: &'r tiny_http::Request,
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Path parameters (`key`), percent-decoded.
    pub params: Vec<(String, String)>,
    pub caller: Caller,
}

impl Ctx<'_> {
    /// A path parameter.
    pub fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// The authenticated caller, or 401.
    pub fn principal(&self) -> Result<&Principal, ApiError> {
        Ok(self.caller.principal.as_ref().ok_or(EngineError::NotAuthenticated)?)
    }

    /// A header value (first occurrence).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.request.header(name)
    }

    /// The token of the caller's password login: the bearer token, or else the pages'
    /// session cookie (as authentication picked them).
    pub fn session_token(&self) -> Option<&str> {
        bearer(self.request).or_else(|| self.page_session())
    }

    /// The pages' session cookie, when it is what signed this request in (authentication
    /// marked the request with the pages' origin).
    pub fn page_session(&self) -> Option<&str> {
        let by_cookie = self.caller.principal.is_some() && self.caller.context.origin == super::session::ORIGIN;
        by_cookie.then(|| super::session::cookie_token(self.request)).flatten()
    }

    /// The body as JSON (or a form, as DRF's FormParser does: each field a string). An empty
    /// body reads as `{}`.
    pub fn json(&self) -> Result<Value, ApiError> {
        let essence = self
            .header("Content-Type")
            .map(|kind| kind.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
            .unwrap_or_default();
        let form = essence == "application/x-www-form-urlencoded";
        if !(form || essence.is_empty() || essence == "application/json" || essence.ends_with("+json")) {
            return Err(ApiError::UnsupportedMediaType(essence));
        }
        let bytes = self.request.body();
        if form {
            let fields = form_urlencoded::parse(bytes).into_owned().map(|(k, v)| (k, Value::String(v)));
            return Ok(Value::Object(fields.collect()));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(serde_json::Map::new()));
        }
        serde_json::from_slice(bytes).map_err(|e| ApiError::BadJson(e.to_string()))
    }
}

/// The bearer token of a raw request.
pub fn bearer(request: &tiny_http::Request) -> Option<&str> {
    let value = request.header("Authorization")?;
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
