//! The users table as sign-in sees it: changing passwords, reading who someone is. (Users
//! are created by their model, `modules::users`.)

use serde::Serialize;

use super::{AccountEvent, AuthError, hash_password, record_event};
use crate::audit::{self, Context};
use crate::store::{Connection, Db, OptionalExtension, StoreError, now};

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 8;

/// The public description of a user, as login answers it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UserInfo {
    pub id: String,
    pub username: String,
    pub email: String,
    pub is_staff: bool,
    pub is_superuser: bool,
}

/// Number of users (used to bootstrap the first administrator).
pub fn count_users(db: &Db) -> Result<i64, StoreError> {
    db.read(|conn| conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0)).map_err(StoreError::from))
}

/// Changes the caller's own password: the old one must match; every other session of the
/// user is revoked (the one presenting `access_token` stays), and the change is audited.
pub fn change_password(
    db: &Db,
    access_token: &str,
    old_password: &str,
    new_password: &str,
    context: &Context,
) -> Result<(), AuthError> {
    let token_hash = super::hash_secret(access_token);
    let found: Option<(String, String, String, String)> = db.read(|conn| {
        conn.query_row(
            "SELECT u.id, u.username, u.password, t.family FROM auth_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ?1 AND t.kind IN ('access', 'session') AND t.revoked_at IS NULL",
            [&token_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(StoreError::from)
    })?;
    let (user_id, username, stored, family) = found.ok_or(AuthError::InvalidToken)?;
    if !super::verify_password(old_password, Some(&stored)) {
        return Err(AuthError::WrongOldPassword);
    }
    check_password(new_password)?;
    let hash = hash_password(new_password)?;
    let context = context.clone();
    db.write(move |conn| {
        let at = now();
        conn.execute(
            "UPDATE users SET password = ?1, updated_at = ?2 WHERE id = ?3",
            rusqlite::params![hash, at, user_id],
        )
        .map_err(StoreError::from)?;
        conn.execute(
            "UPDATE auth_tokens SET revoked_at = ?1 WHERE user_id = ?2 AND family <> ?3 AND revoked_at IS NULL",
            rusqlite::params![at, user_id, family],
        )
        .map_err(StoreError::from)?;
        let event = AccountEvent {
            action: audit::Action::PasswordChanged,
            user: Some(&user_id),
            username: &username,
            object: ("user", &user_id, &username),
            changes: Some(audit::diff(Some(&secret("old")), Some(&secret("new")), &[])),
        };
        record_event(conn, event, &context)
    })
}

/// A one-field record standing for a password version, for the (masked) audit diff.
fn secret(version: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::Map::from_iter([("password".to_string(), serde_json::Value::from(version))])
}

/// Replaces a user's password and revokes every token they hold.
pub fn set_password(db: &Db, username: &str, password: &str) -> Result<(), AuthError> {
    check_password(password)?;
    let hash = hash_password(password)?;
    let username = username.to_string();
    db.write(move |conn| {
        let id = user_id(conn, &username)?.ok_or(AuthError::UnknownUser)?;
        let at = now();
        conn.execute("UPDATE users SET password = ?1, updated_at = ?2 WHERE id = ?3", rusqlite::params![hash, at, id])
            .map_err(StoreError::from)?;
        conn.execute(
            "UPDATE auth_tokens SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL",
            rusqlite::params![at, id],
        )
        .map_err(StoreError::from)?;
        Ok(())
    })
}

fn user_id(conn: &Connection, username: &str) -> Result<Option<String>, StoreError> {
    Ok(conn.query_row("SELECT id FROM users WHERE username = ?1", [username], |r| r.get(0)).optional()?)
}

/// Django's password validators: minimum length, not a common password, not only digits.
pub fn check_password(password: &str) -> Result<(), AuthError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AuthError::WeakPassword(format!(
            "This password is too short. It must contain at least {MIN_PASSWORD_LEN} characters."
        )));
    }
    if passwords::analyzer::is_common_password(password) {
        return Err(AuthError::WeakPassword("This password is too common.".into()));
    }
    if password.chars().all(|c| c.is_ascii_digit()) {
        return Err(AuthError::WeakPassword("This password is entirely numeric.".into()));
    }
    Ok(())
}
