//! The audit trail (DESIGN.md §7): one append-only, hash-chained entry per change or
//! security event, written in the same transaction as what it records. Each entry stores the
//! hash of its predecessor; [`verify`] recomputes the chain and names the first broken link.

mod diff;
pub mod head;

pub use diff::{diff, mask};
pub use head::Head;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::store::{Connection, OptionalExtension, StoreError, now};

/// Hash that precedes the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
    LoginSuccess,
    LoginFailed,
    Logout,
    TokenReuseDetected,
    PasswordChanged,
    PasswordReset,
    ApiKeyCreated,
    ApiKeyRevoked,
    PermissionAssign,
    PermissionRevoke,
    TwoFactorEnabled,
    TwoFactorDisabled,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "CREATE",
            Action::Update => "UPDATE",
            Action::Delete => "DELETE",
            Action::LoginSuccess => "LOGIN_SUCCESS",
            Action::LoginFailed => "LOGIN_FAILED",
            Action::Logout => "LOGOUT",
            Action::TokenReuseDetected => "TOKEN_REUSE_DETECTED",
            Action::PasswordChanged => "PASSWORD_CHANGED",
            Action::PasswordReset => "PASSWORD_RESET",
            Action::ApiKeyCreated => "API_KEY_CREATED",
            Action::ApiKeyRevoked => "API_KEY_REVOKED",
            Action::PermissionAssign => "PERMISSION_ASSIGN",
            Action::PermissionRevoke => "PERMISSION_REVOKE",
            Action::TwoFactorEnabled => "2FA_ENABLED",
            Action::TwoFactorDisabled => "2FA_DISABLED",
        }
    }
}

/// Where a change came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: String,
    /// `api`, `admin`, `import`, `automation`, `cli`.
    pub origin: &'static str,
}

impl Context {
    fn to_json(&self) -> Value {
        json!({ "ip": self.ip, "user_agent": self.user_agent, "request_id": self.request_id, "origin": self.origin })
    }
}

/// One entry to append.
#[derive(Debug)]
pub struct Entry<'a> {
    pub action: Action,
    pub user: Option<&'a str>,
    pub username: &'a str,
    pub organization: Option<&'a str>,
    pub model: &'a str,
    pub object_id: &'a str,
    pub object_repr: &'a str,
    /// `{field: {old, new}}`, already masked.
    pub changes: Option<Value>,
    pub context: &'a Context,
}

/// The fields that are hashed, in chain order.
struct Link {
    /// Position in the chain (the entry's id).
    seq: i64,
    created_at: String,
    user: Option<String>,
    username: String,
    organization: Option<String>,
    action: String,
    model: String,
    object_id: String,
    object_repr: String,
    changes: Option<String>,
    context: Option<String>,
}

impl Link {
    fn hash(&self, prev_hash: &str) -> String {
        let canonical = json!([
            self.seq,
            self.created_at,
            self.user,
            self.username,
            self.organization,
            self.action,
            self.model,
            self.object_id,
            self.object_repr,
            self.changes,
            self.context
        ]);
        let mut hasher = Sha256::new();
        hasher.update(prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(canonical.to_string().as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// Appends an entry; must run inside the write transaction of the change it records.
pub fn record(conn: &Connection, entry: Entry) -> Result<(), StoreError> {
    let last: Option<(i64, String)> = conn
        .prepare_cached("SELECT id, hash FROM audit_logs ORDER BY id DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (prev_seq, prev_hash) = last.unwrap_or((0, GENESIS.to_string()));
    let repr: String = entry.object_repr.chars().take(255).collect();
    let link = Link {
        seq: prev_seq + 1,
        created_at: now(),
        user: entry.user.map(str::to_string),
        username: entry.username.to_string(),
        organization: entry.organization.map(str::to_string),
        action: entry.action.as_str().to_string(),
        model: entry.model.to_string(),
        object_id: entry.object_id.to_string(),
        object_repr: repr,
        changes: entry.changes.map(|c| c.to_string()),
        context: Some(entry.context.to_json().to_string()),
    };
    let hash = link.hash(&prev_hash);
    conn.prepare_cached(
        "INSERT INTO audit_logs (id, created_at, user, username, organization, action, model, object_id,
                                 object_repr, changes, context, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(rusqlite::params![
        link.seq,
        link.created_at,
        link.user,
        link.username,
        link.organization,
        link.action,
        link.model,
        link.object_id,
        link.object_repr,
        link.changes,
        link.context,
        prev_hash,
        hash
    ])?;
    Ok(())
}

/// The outcome of checking the chain.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Intact {
        entries: u64,
    },
    /// The first entry whose stored hashes do not match its content or predecessor.
    Broken {
        /// Position (id) of the first broken entry.
        seq: i64,
        reason: String,
    },
}

/// Recomputes the chain ([`verify`]) and checks it against heads anchored elsewhere (the head
/// file, a record kept off the machine), each named by where it came from: a chain that
/// lost entries from its end is broken although every remaining link holds.
pub fn verify_anchored(conn: &Connection, anchors: &[(String, Head)]) -> Result<Verification, StoreError> {
    let chain = verify(conn)?;
    if matches!(chain, Verification::Broken { .. }) {
        return Ok(chain);
    }
    for (source, anchored) in anchors {
        if let Some(problem) = head::disagreement(conn, anchored)? {
            return Ok(Verification::Broken { seq: anchored.seq, reason: format!("{problem} (head from {source})") });
        }
    }
    Ok(chain)
}

/// Recomputes every link of the chain, oldest first.
pub fn verify(conn: &Connection) -> Result<Verification, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, created_at, user, username, organization, action, model, object_id, object_repr,
                changes, context, prev_hash, hash FROM audit_logs ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_prev = GENESIS.to_string();
    let mut expected_seq = 1;
    let mut entries = 0;
    while let Some(row) = rows.next()? {
        let link = Link {
            seq: row.get(0)?,
            created_at: row.get(1)?,
            user: row.get(2)?,
            username: row.get(3)?,
            organization: row.get(4)?,
            action: row.get(5)?,
            model: row.get(6)?,
            object_id: row.get(7)?,
            object_repr: row.get(8)?,
            changes: row.get(9)?,
            context: row.get(10)?,
        };
        let (prev_hash, hash): (String, String) = (row.get(11)?, row.get(12)?);
        let broken = |reason: &str| Verification::Broken { seq: link.seq, reason: reason.into() };
        if link.seq != expected_seq {
            return Ok(broken(&format!("expected entry #{expected_seq}: an entry is missing")));
        }
        if prev_hash != expected_prev {
            return Ok(broken("its predecessor hash does not match the previous entry"));
        }
        if link.hash(&prev_hash) != hash {
            return Ok(broken("its content does not match its hash (the entry was altered)"));
        }
        expected_prev = hash;
        expected_seq += 1;
        entries += 1;
    }
    Ok(Verification::Intact { entries })
}
