//! The admin pages' sign-in on the wire: the session cookie (HttpOnly, SameSite=Strict, with an
//! expiry) and the `X-CSRF-Token` header that every unsafe request made with it must carry.

use std::time::Duration;

use subtle::ConstantTimeEq;

use super::error::ApiError;
use crate::auth;
use crate::engine::Method;

/// The cookie's name.
pub const COOKIE: &str = "plinth_session";

/// The origin the audit trail records for what the pages do (and for requests the cookie
/// signed in, which is how a handler knows the cookie is the caller's credential).
pub const ORIGIN: &str = "admin";

/// The header an unsafe request signed in by the cookie sends its CSRF token in.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// The session token of the request's cookie, if it sends one.
pub fn cookie_token(request: &tiny_http::Request) -> Option<&str> {
    request
        .headers()
        .iter()
        .filter(|h| h.field.equiv("Cookie"))
        .flat_map(|h| h.value.as_str().split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// `Set-Cookie` for a new session lasting `ttl`. Not `Secure`: Plinth serves plain HTTP on
/// the machine or the office network (a TLS proxy in front may add it).
pub fn set_cookie(token: &str, ttl: Duration) -> String {
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}", ttl.as_secs())
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// An unsafe request signed in by the cookie must carry the session's CSRF token: another
/// site can make the browser send the cookie, never this header.
pub fn check_csrf(method: Method, request: &tiny_http::Request, token: &str) -> Result<(), ApiError> {
    if method == Method::Get {
        return Ok(());
    }
    let sent = request.header(CSRF_HEADER).unwrap_or("");
    let expected = auth::csrf_token(token);
    if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) { Ok(()) } else { Err(ApiError::Csrf) }
}
