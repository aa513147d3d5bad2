//! API keys: long-lived credentials for scripts and integrations, sent as `X-API-Key`. The
//! secret is returned once at creation (it starts with its stored prefix); only its hash is
//! kept. Keys authenticate as their owner until they expire or are revoked; a key limited to
//! one organization carries only the owner's rights there.

use serde::Serialize;

use super::{AccountEvent, AuthError, hash_secret, random_secret, record_event};
use crate::access::{Credential, Principal};
use crate::audit::{Action, Context};
use crate::store::{Connection, Db, OptionalExtension, StoreError, new_id, now};

/// Length of the recognisable start of a key.
const PREFIX_LEN: usize = 8;
/// Keys mark their last use at most this often (seconds), to keep reads from writing.
const LAST_USED_GRANULARITY: i64 = 60;

/// A key as listed (never with its secret).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub owner: String,
    /// The one organization the key acts in, if limited.
    pub organization: Option<String>,
    pub expires_at: Option<String>,
    pub revoked: bool,
    pub last_used_at: Option<String>,
    pub created_at: String,
}

/// A new key with its secret (`key`), shown once.
#[derive(Debug, Serialize)]
pub struct CreatedKey {
    #[serde(flatten)]
    pub info: ApiKey,
    pub key: String,
}

const COLUMNS: &str = "id, name, prefix, user_id, expires_at, revoked, last_used_at, created_at, organization";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<ApiKey> {
    Ok(ApiKey {
        id: r.get(0)?,
        name: r.get(1)?,
        prefix: r.get(2)?,
        owner: r.get(3)?,
        expires_at: r.get(4)?,
        revoked: r.get(5)?,
        last_used_at: r.get(6)?,
        created_at: r.get(7)?,
        organization: r.get(8)?,
    })
}

/// What a new key is: its name, expiry and optional organization limit.
pub struct NewKey {
    pub name: String,
    pub expires_at: Option<String>,
    pub organization: Option<String>,
}

/// Creates a key for `owner`. A key limited to an organization needs the owner's active
/// membership there (any organization for a superuser); a limited caller makes limited keys.
pub fn create_key(db: &Db, owner: &Principal, new: NewKey, context: &Context) -> Result<CreatedKey, AuthError> {
    let secret = format!("plk_{}", random_secret());
    let organization = match (&owner.organization, new.organization) {
        (Some(limit), Some(org)) if *limit != org => return Err(AuthError::InvalidOrganization(org)),
        (limit, org) => org.or_else(|| limit.clone()),
    };
    let (owner, context) = (owner.clone(), context.clone());
    let stored_secret = secret.clone();
    let key = db.write(move |conn| {
        if let Some(org) = &organization {
            check_organization(conn, &owner, org)?;
        }
        let (owner_id, username, name) = (&owner.user_id, &owner.username, &new.name);
        let id = new_id();
        conn.execute(
            "INSERT INTO api_keys (id, name, prefix, key_hash, user_id, expires_at, created_at, organization)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params![
                id,
                name,
                &stored_secret[..PREFIX_LEN],
                hash_secret(&stored_secret),
                owner_id,
                new.expires_at,
                now(),
                organization
            ],
        )
        .map_err(StoreError::from)?;
        log(conn, Action::ApiKeyCreated, (owner_id, username), (&id, name), &context)?;
        fetch(conn, &id, owner_id)?.ok_or(AuthError::InvalidToken)
    })?;
    Ok(CreatedKey { info: key, key: secret })
}

/// The organization must exist and, unless the owner is a superuser, have them as an active member.
fn check_organization(conn: &Connection, owner: &Principal, organization: &str) -> Result<(), AuthError> {
    let sql = "SELECT EXISTS (SELECT 1 FROM organizations o WHERE o.id = ?1 AND (?3 OR EXISTS (
                 SELECT 1 FROM organization_memberships m WHERE m.organization = o.id AND m.\"user\" = ?2 AND m.is_active = 1)))";
    let ok: bool = conn
        .query_row(sql, rusqlite::params![organization, owner.user_id, owner.bypasses()], |r| r.get(0))
        .map_err(StoreError::from)?;
    if ok { Ok(()) } else { Err(AuthError::InvalidOrganization(organization.to_string())) }
}

/// The owner's keys, newest first.
pub fn list_keys(db: &Db, owner: &Principal) -> Result<Vec<ApiKey>, AuthError> {
    db.read(|conn| {
        let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE user_id = ?1 ORDER BY created_at DESC, id DESC");
        let mut stmt = conn.prepare(&sql).map_err(StoreError::from)?;
        let rows = stmt.query_map([&owner.user_id], from_row).map_err(StoreError::from)?;
        Ok(rows.collect::<Result<Vec<_>, _>>().map_err(StoreError::from)?)
    })
}

/// One of the owner's keys.
pub fn get_key(db: &Db, owner: &Principal, id: &str) -> Result<Option<ApiKey>, AuthError> {
    db.read(|conn| fetch(conn, id, &owner.user_id))
}

/// Revokes one of the owner's keys; `false` when there is no such key.
pub fn revoke_key(db: &Db, owner: &Principal, id: &str, context: &Context) -> Result<bool, AuthError> {
    let (owner_id, username, id, context) =
        (owner.user_id.clone(), owner.username.clone(), id.to_string(), context.clone());
    db.write(move |conn| {
        let Some(key) = fetch(conn, &id, &owner_id)? else { return Ok(false) };
        if !key.revoked {
            conn.execute("UPDATE api_keys SET revoked = 1 WHERE id = ?1", [&id]).map_err(StoreError::from)?;
            log(conn, Action::ApiKeyRevoked, (&owner_id, &username), (&id, &key.name), &context)?;
        }
        Ok(true)
    })
}

/// Resolves an `X-API-Key` to its owner; expired, revoked or unknown keys fail.
pub fn authenticate_key(db: &Db, secret: &str) -> Result<Principal, AuthError> {
    let hash = hash_secret(secret);
    let found = db.read(|conn| {
        conn.prepare_cached(
            "SELECT k.id, u.id, u.username, u.is_staff, u.is_superuser,
                    k.last_used_at IS NULL OR k.last_used_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?3), k.organization
             FROM api_keys k JOIN users u ON u.id = k.user_id
             WHERE k.key_hash = ?1 AND k.revoked = 0 AND (k.expires_at IS NULL OR k.expires_at > ?2) AND u.is_active = 1",
        )
        .map_err(StoreError::from)?
        .query_row(rusqlite::params![hash, now(), format!("-{LAST_USED_GRANULARITY} seconds")], |r| {
            let principal = Principal {
                user_id: r.get(1)?,
                username: r.get(2)?,
                is_staff: r.get(3)?,
                is_superuser: r.get(4)?,
                organization: r.get(6)?,
                credential: Credential::ApiKey,
            };
            Ok((r.get::<_, String>(0)?, principal, r.get::<_, bool>(5)?))
        })
        .optional()
        .map_err(StoreError::from)
    })?;
    let (key_id, principal, stale) = found.ok_or(AuthError::InvalidToken)?;
    if stale {
        db.write(move |conn| {
            conn.execute("UPDATE api_keys SET last_used_at = ?1 WHERE id = ?2", rusqlite::params![now(), key_id])
                .map_err(StoreError::from)
        })?;
    }
    Ok(principal)
}

fn fetch(conn: &Connection, id: &str, owner: &str) -> Result<Option<ApiKey>, AuthError> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE id = ?1 AND user_id = ?2");
    Ok(conn.query_row(&sql, [id, owner], from_row).optional().map_err(StoreError::from)?)
}

fn log(
    conn: &Connection,
    action: Action,
    owner: (&str, &str),
    key: (&str, &str),
    context: &Context,
) -> Result<(), AuthError> {
    let event = AccountEvent {
        action,
        user: Some(owner.0),
        username: owner.1,
        object: ("apikey", key.0, key.1),
        changes: None,
    };
    record_event(conn, event, context)
}
