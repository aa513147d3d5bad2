//! Authentication: users and their argon2id passwords, login (with a TOTP second factor once
//! enabled), bearer tokens with rotating refresh tokens, logout. Answers who the caller is;
//! what they may do is `access`.

mod api_keys;
mod password;
mod qr;
mod reset;
mod throttle;
mod tokens;
mod totp;
mod users;

pub use api_keys::{ApiKey, CreatedKey, NewKey, authenticate_key, create_key, get_key, list_keys, revoke_key};
pub use password::{hash_password, verify_password};
pub use reset::{confirm_reset, request_reset};
pub use throttle::{Limit, Throttle, ThrottleSettings};
pub use tokens::{
    PageSession, Session, TokenSettings, authenticate, authenticate_session, csrf_token, login, logout, open_session,
    refresh,
};
pub use totp::{TotpSetup, disable_totp, enable_totp, reset_totp, setup_totp};
pub use users::{UserInfo, change_password, check_password, count_users, set_password};

use thiserror::Error;

use crate::store::StoreError;

/// Why authentication failed.
#[derive(Debug, Error)]
pub enum AuthError {
    /// Wrong username or password, or an inactive account (deliberately indistinguishable).
    #[error("no active account found with the given credentials")]
    InvalidCredentials,
    /// The token is unknown, expired, revoked or of the wrong kind.
    #[error("the token is invalid or expired")]
    InvalidToken,
    /// No such user.
    #[error("no such user")]
    UnknownUser,
    /// The password does not meet the rules.
    #[error("{0}")]
    WeakPassword(String),
    /// The password reset token is unknown, spent or expired.
    #[error("invalid or expired reset token")]
    InvalidResetToken,
    /// The current password given to change it was wrong.
    #[error("the old password is wrong")]
    WrongOldPassword,
    /// The organization named is not one the user belongs to.
    #[error("no such organization among the user's")]
    InvalidOrganization(String),
    /// A second factor is enabled and the login carried no one-time code.
    #[error("a one-time code is required")]
    OtpRequired,
    /// The login's one-time code is wrong, already used or outside its time window.
    #[error("the one-time code is invalid")]
    WrongOtp,
    /// A code given to confirm or disable the second factor is wrong.
    #[error("invalid or expired code")]
    InvalidCode,
    /// The account password given to confirm an action is wrong.
    #[error("the password is wrong")]
    WrongPassword,
    /// The second factor is not in the state the action needs.
    #[error("{0}")]
    TwoFactorState(&'static str),
    /// Drawing a QR code failed.
    #[error("could not draw the QR code: {0}")]
    QrCode(String),
    /// Account management (second factor, password, API keys) was asked with an API key.
    #[error("account management needs a password login")]
    SessionRequired,
    /// Too many failed logins: try again after this many seconds.
    #[error("too many failed logins; retry in {0} s")]
    Throttled(u64),
    /// Hashing failed (out of memory or bad parameters).
    #[error("password hashing failed")]
    Hash,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An account event (login, password, API key, second factor) for the audit trail.
struct AccountEvent<'a> {
    action: crate::audit::Action,
    user: Option<&'a str>,
    username: &'a str,
    /// The object acted upon: `("user", id, username)` or `("apikey", id, name)`.
    object: (&'a str, &'a str, &'a str),
    changes: Option<serde_json::Value>,
}

/// Records an account event inside the caller's transaction.
fn record_event(
    conn: &crate::store::Connection,
    event: AccountEvent,
    context: &crate::audit::Context,
) -> Result<(), AuthError> {
    let (model, object_id, object_repr) = event.object;
    let entry = crate::audit::Entry {
        action: event.action,
        user: event.user,
        username: event.username,
        organization: None,
        model,
        object_id,
        object_repr,
        changes: event.changes,
        context,
    };
    Ok(crate::audit::record(conn, entry)?)
}

/// 256 random bits as lower-case hex: tokens, keys and generated passwords.
pub fn random_secret() -> String {
    hex::encode(random_bytes::<32>())
}

/// `N` bytes from the operating system's random source.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // An OS without a working random source cannot run Plinth safely at all.
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

/// SHA-256 of a secret as hex: what the database stores instead of the secret.
pub fn hash_secret(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}
