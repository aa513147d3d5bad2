//! Authentication: users and their argon2id passwords, login, bearer tokens with rotating
//! refresh tokens, logout. Answers who the caller is; what they may do is `access`.

mod api_keys;
mod password;
mod reset;
mod throttle;
mod tokens;
mod users;

pub use api_keys::{ApiKey, CreatedKey, authenticate_key, create_key, get_key, list_keys, revoke_key};
pub use password::{hash_password, verify_password};
pub use reset::{confirm_reset, request_reset};
pub use throttle::{Limit, Throttle, ThrottleSettings};
pub use tokens::{Session, TokenSettings, authenticate, login, logout, refresh};
pub use users::{NewUser, UserInfo, change_password, check_password, count_users, create_user, set_password};

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
    /// A user with this username exists already.
    #[error("a user with that username already exists")]
    UsernameTaken,
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
    /// Too many failed logins: try again after this many seconds.
    #[error("too many failed logins; retry in {0} s")]
    Throttled(u64),
    /// The username does not meet the rules.
    #[error("{0}")]
    BadUsername(String),
    /// Hashing failed (out of memory or bad parameters).
    #[error("password hashing failed")]
    Hash,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// 256 random bits as lower-case hex: tokens, keys and generated passwords.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    // An OS without a working random source cannot run Plinth safely at all.
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    hex::encode(bytes)
}

/// SHA-256 of a secret as hex: what the database stores instead of the secret.
pub fn hash_secret(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}
