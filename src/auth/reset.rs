//! Password reset: a request mails a single-use, expiring token (through the mail outbox)
//! to the account with that e-mail address; confirming with the token sets a new password
//! and ends every session of the user. Requests answer the same whether or not the address
//! is known.

use std::time::Duration;

use super::{AccountEvent, AuthError, check_password, hash_password, hash_secret, random_secret, record_event};
use crate::audit::{Action, Context};
use crate::store::{Db, OptionalExtension, StoreError, format_timestamp, now};

/// Queues a reset token for the active account with this e-mail address, if there is one.
pub fn request_reset(db: &Db, email: &str, ttl: Duration) -> Result<(), AuthError> {
    let email = email.trim().to_string();
    db.write(move |conn| {
        let account: Option<(String, String)> = conn
            .query_row(
                "SELECT id, username FROM users WHERE email = ?1 COLLATE NOCASE AND email <> '' AND is_active = 1
                 ORDER BY created_at LIMIT 1",
                [&email],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(StoreError::from)?;
        let Some((user_id, username)) = account else { return Ok(()) };
        let token = random_secret();
        let expires = chrono::Utc::now() + chrono::Duration::from_std(ttl).unwrap_or_default();
        conn.execute(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![hash_secret(&token), user_id, now(), format_timestamp(expires)],
        )
        .map_err(StoreError::from)?;
        let body = format!(
            "Hello {username},\n\nsomeone asked to reset your Plinth password. If it was you, send this token with \
             your new password to POST /api/v1/auth/password/reset/confirm/ (or enter it on the sign-in page under \
             \"Forgot your password?\") within {} minutes:\n\n{token}\n\n\
             If it was not you, ignore this message; your password stays as it is.\n",
            ttl.as_secs() / 60
        );
        crate::mail::queue(conn, &email, "Reset your Plinth password", &body)?;
        Ok(())
    })
}

/// Sets a new password with a reset token; the token is spent and every session ends.
pub fn confirm_reset(db: &Db, token: &str, new_password: &str, context: &Context) -> Result<(), AuthError> {
    check_password(new_password)?;
    let hash = hash_password(new_password)?;
    let token_hash = hash_secret(token);
    let context = context.clone();
    db.write(move |conn| {
        let at = now();
        let user: Option<(String, String)> = conn
            .query_row(
                "SELECT u.id, u.username FROM password_resets r JOIN users u ON u.id = r.user_id
                 WHERE r.token_hash = ?1 AND r.used_at IS NULL AND r.expires_at > ?2 AND u.is_active = 1",
                rusqlite::params![token_hash, at],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(StoreError::from)?;
        let (user_id, username) = user.ok_or(AuthError::InvalidResetToken)?;
        let statements: [(&str, &[&dyn rusqlite::ToSql]); 3] = [
            ("UPDATE password_resets SET used_at = ?1 WHERE user_id = ?2 AND used_at IS NULL", &[&at, &user_id]),
            ("UPDATE users SET password = ?1, updated_at = ?2 WHERE id = ?3", &[&hash, &at, &user_id]),
            ("UPDATE auth_tokens SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL", &[&at, &user_id]),
        ];
        for (sql, params) in statements {
            conn.execute(sql, params).map_err(StoreError::from)?;
        }
        let event = AccountEvent {
            action: Action::PasswordReset,
            user: Some(&user_id),
            username: &username,
            object: ("user", &user_id, &username),
            changes: None,
        };
        record_event(conn, event, &context)
    })
}
