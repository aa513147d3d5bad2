//! Sessions: login answers an access token (short-lived) and a refresh token (long-lived)
//! sharing a family. Refreshing spends the refresh token and issues a new pair; presenting a
//! spent refresh token again revokes the whole family (it was stolen or replayed). The admin
//! pages sign in for a page session instead: one token, carried only by an HttpOnly cookie,
//! with a CSRF token derived from it. Only SHA-256 hashes of tokens are stored.

use std::time::Duration;

use serde::Serialize;

use super::totp::{self, SecondFactor};
use super::{AccountEvent, AuthError, UserInfo, hash_secret, random_secret, record_event, verify_password};
use crate::access::{Credential, Principal};
use crate::audit::{Action, Context};
use crate::store::{Connection, Db, OptionalExtension, StoreError, format_timestamp, new_id, now};

/// Token lifetimes.
#[derive(Clone, Copy, Debug)]
pub struct TokenSettings {
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// How long a page session lasts after signing in.
    pub session_ttl: Duration,
}

/// What signing in for the pages answers: the cookie's token (never shown to scripts) and the
/// CSRF token unsafe requests must send with it.
#[derive(Debug, Serialize)]
pub struct PageSession {
    #[serde(skip)]
    pub token: String,
    pub csrf_token: String,
    pub expires_in: u64,
    pub user: UserInfo,
}

/// The CSRF token of a page session: derived from its token, so nothing more is stored, and
/// useless without the cookie (which scripts cannot read).
pub fn csrf_token(session_token: &str) -> String {
    hash_secret(&format!("csrf:{session_token}"))
}

/// What a successful login or refresh answers.
#[derive(Debug, Serialize)]
pub struct Session {
    pub access: String,
    pub refresh: String,
    pub expires_in: u64,
    pub user: UserInfo,
}

struct Candidate {
    info: UserInfo,
    hash: String,
    active: bool,
}

/// Checks username, password and — once the user enabled it — the second factor (`otp`: a
/// TOTP code or a recovery code), and opens a session. Unknown users, wrong passwords and
/// inactive accounts all answer [`AuthError::InvalidCredentials`] after the same work; the
/// second factor is looked at only after the password is verified.
pub fn login(
    db: &Db,
    settings: TokenSettings,
    username: &str,
    password: &str,
    otp: Option<&str>,
    context: &Context,
) -> Result<Session, AuthError> {
    signed_in(db, username, password, otp, context, move |conn, user| issue(conn, settings, user, &new_id()))
}

/// Signs in as [`login`] does, for a page session.
pub fn open_session(
    db: &Db,
    settings: TokenSettings,
    username: &str,
    password: &str,
    otp: Option<&str>,
    context: &Context,
) -> Result<PageSession, AuthError> {
    signed_in(db, username, password, otp, context, move |conn, user| {
        let token = random_secret();
        let expires_at = expiry(settings.session_ttl);
        conn.prepare_cached(
            "INSERT INTO auth_tokens (token_hash, kind, user_id, family, expires_at, created_at) VALUES (?1, 'session', ?2, ?3, ?4, ?5)",
        )
        .map_err(StoreError::from)?
        .execute(rusqlite::params![hash_secret(&token), user.id, new_id(), expires_at, now()])
        .map_err(StoreError::from)?;
        Ok(PageSession { csrf_token: csrf_token(&token), token, expires_in: settings.session_ttl.as_secs(), user })
    })
}

/// The login checks; once they pass, `open` issues the credentials in the same transaction.
fn signed_in<T: Send + 'static>(
    db: &Db,
    username: &str,
    password: &str,
    otp: Option<&str>,
    context: &Context,
    open: impl FnOnce(&Connection, UserInfo) -> Result<T, AuthError> + Send + 'static,
) -> Result<T, AuthError> {
    let candidate = db.read(|conn| find_user(conn, username))?;
    let verified = verify_password(password, candidate.as_ref().map(|c| c.hash.as_str()));
    let context = context.clone();
    let Some(user) = candidate.filter(|c| verified && c.active).map(|c| c.info) else {
        let attempted = username.to_string();
        db.write(move |conn| log_event(conn, Action::LoginFailed, None, &attempted, &context))?;
        return Err(AuthError::InvalidCredentials);
    };
    let otp = otp.map(str::to_string);
    // A refused second factor still commits (its audit entry), so the write succeeds with
    // the refusal inside rather than failing and rolling the entry back.
    db.write(move |conn| {
        match totp::check_login(conn, &user.id, otp.as_deref())? {
            SecondFactor::Passed => {}
            SecondFactor::Missing => return Ok(Err(AuthError::OtpRequired)),
            SecondFactor::Wrong => {
                log_event(conn, Action::LoginFailed, Some(&user.id), &user.username, &context)?;
                return Ok(Err(AuthError::WrongOtp));
            }
        }
        conn.execute("UPDATE users SET last_login = ?1 WHERE id = ?2", rusqlite::params![now(), user.id])
            .map_err(StoreError::from)?;
        log_event(conn, Action::LoginSuccess, Some(&user.id), &user.username, &context)?;
        open(conn, user).map(Ok)
    })?
}

/// Records an authentication event about `user` in the audit trail.
fn log_event(
    conn: &Connection,
    action: Action,
    user: Option<&str>,
    username: &str,
    context: &Context,
) -> Result<(), AuthError> {
    let event = AccountEvent { action, user, username, object: ("user", user.unwrap_or(""), username), changes: None };
    record_event(conn, event, context)
}

/// Spends a refresh token for a new pair (rotation with reuse detection).
pub fn refresh(db: &Db, settings: TokenSettings, refresh_token: &str, context: &Context) -> Result<Session, AuthError> {
    let hash = hash_secret(refresh_token);
    let context = context.clone();
    // A refused token still commits (reuse detection revokes its family), so the write
    // succeeds with `None` rather than failing and rolling the revocation back.
    db.write(move |conn| rotate(conn, settings, &hash, &context))?.ok_or(AuthError::InvalidToken)
}

struct StoredRefresh {
    user_id: String,
    family: String,
    expires_at: String,
    spent: bool,
    revoked: bool,
}

fn rotate(
    conn: &Connection,
    settings: TokenSettings,
    hash: &str,
    context: &Context,
) -> Result<Option<Session>, AuthError> {
    let stored = conn
        .query_row(
            "SELECT user_id, family, expires_at, used_at IS NOT NULL, revoked_at IS NOT NULL
             FROM auth_tokens WHERE token_hash = ?1 AND kind = 'refresh'",
            [hash],
            |r| {
                Ok(StoredRefresh {
                    user_id: r.get(0)?,
                    family: r.get(1)?,
                    expires_at: r.get(2)?,
                    spent: r.get(3)?,
                    revoked: r.get(4)?,
                })
            },
        )
        .optional()
        .map_err(StoreError::from)?;
    let Some(stored) = stored else { return Ok(None) };
    if stored.spent {
        revoke_family(conn, &stored.family)?;
        let username = username_of(conn, &stored.user_id)?;
        log_event(conn, Action::TokenReuseDetected, Some(&stored.user_id), &username, context)?;
        return Ok(None);
    }
    if stored.revoked || stored.expires_at <= now() {
        return Ok(None);
    }
    let Some(user) = active_user(conn, &stored.user_id)? else { return Ok(None) };
    conn.execute("UPDATE auth_tokens SET used_at = ?1 WHERE token_hash = ?2", rusqlite::params![now(), hash])
        .map_err(StoreError::from)?;
    issue(conn, settings, user, &stored.family).map(Some)
}

/// Revokes every token of the session the access token belongs to.
pub fn logout(db: &Db, access_token: &str, context: &Context) -> Result<(), AuthError> {
    let hash = hash_secret(access_token);
    let context = context.clone();
    db.write(move |conn| {
        let session: Option<(String, String)> = conn
            .query_row("SELECT family, user_id FROM auth_tokens WHERE token_hash = ?1", [&hash], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(StoreError::from)?;
        let Some((family, user_id)) = session else { return Err(AuthError::InvalidToken) };
        revoke_family(conn, &family)?;
        let username = username_of(conn, &user_id)?;
        log_event(conn, Action::Logout, Some(&user_id), &username, &context)
    })
}

fn username_of(conn: &Connection, user_id: &str) -> Result<String, StoreError> {
    Ok(conn
        .query_row("SELECT username FROM users WHERE id = ?1", [user_id], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// Resolves a bearer access token to its user.
pub fn authenticate(db: &Db, access_token: &str) -> Result<Principal, AuthError> {
    authenticate_kind(db, access_token, "access")
}

/// Resolves a page session's token (the cookie's) to its user.
pub fn authenticate_session(db: &Db, session_token: &str) -> Result<Principal, AuthError> {
    authenticate_kind(db, session_token, "session")
}

fn authenticate_kind(db: &Db, token: &str, kind: &'static str) -> Result<Principal, AuthError> {
    let hash = hash_secret(token);
    db.read(|conn| {
        conn.prepare_cached(
            "SELECT u.id, u.username, u.is_staff, u.is_superuser FROM auth_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ?1 AND t.kind = ?3 AND t.revoked_at IS NULL AND t.expires_at > ?2 AND u.is_active = 1",
        )
        .map_err(StoreError::from)?
        .query_row(rusqlite::params![hash, now(), kind], |r| {
            Ok(Principal {
                user_id: r.get(0)?,
                username: r.get(1)?,
                is_staff: r.get(2)?,
                is_superuser: r.get(3)?,
                organization: None,
                credential: Credential::Session,
            })
        })
        .optional()
        .map_err(StoreError::from)?
        .ok_or(AuthError::InvalidToken)
    })
}

fn issue(conn: &Connection, settings: TokenSettings, user: UserInfo, family: &str) -> Result<Session, AuthError> {
    let access = random_secret();
    let refresh = random_secret();
    let created = now();
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO auth_tokens (token_hash, kind, user_id, family, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(StoreError::from)?;
    insert
        .execute(rusqlite::params![
            hash_secret(&access),
            "access",
            user.id,
            family,
            expiry(settings.access_ttl),
            created
        ])
        .map_err(StoreError::from)?;
    insert
        .execute(rusqlite::params![
            hash_secret(&refresh),
            "refresh",
            user.id,
            family,
            expiry(settings.refresh_ttl),
            created
        ])
        .map_err(StoreError::from)?;
    Ok(Session { access, refresh, expires_in: settings.access_ttl.as_secs(), user })
}

/// The timestamp `ttl` from now.
fn expiry(ttl: Duration) -> String {
    format_timestamp(chrono::Utc::now() + chrono::Duration::from_std(ttl).unwrap_or_default())
}

fn revoke_family(conn: &Connection, family: &str) -> Result<(), AuthError> {
    conn.execute(
        "UPDATE auth_tokens SET revoked_at = ?1 WHERE family = ?2 AND revoked_at IS NULL",
        rusqlite::params![now(), family],
    )
    .map_err(StoreError::from)?;
    Ok(())
}

const USER_COLUMNS: &str = "id, username, email, is_staff, is_superuser, password, is_active";

fn user_from_row(r: &rusqlite::Row) -> rusqlite::Result<Candidate> {
    Ok(Candidate {
        info: UserInfo {
            id: r.get(0)?,
            username: r.get(1)?,
            email: r.get(2)?,
            is_staff: r.get(3)?,
            is_superuser: r.get(4)?,
        },
        hash: r.get(5)?,
        active: r.get(6)?,
    })
}

fn find_user(conn: &Connection, username: &str) -> Result<Option<Candidate>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1");
    Ok(conn.query_row(&sql, [username], user_from_row).optional()?)
}

fn active_user(conn: &Connection, id: &str) -> Result<Option<UserInfo>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1 AND is_active = 1");
    Ok(conn.query_row(&sql, [id], user_from_row).optional()?.map(|c| c.info))
}
