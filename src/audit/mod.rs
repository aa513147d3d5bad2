//! The audit trail (DESIGN.md §7): one append-only, hash-chained entry per change or
//! security event, written in the same transaction as what it records. Each entry stores the
//! hash of its predecessor; [`verify`] recomputes the chain and names the first broken link.

mod diff;
pub mod feed;
pub mod head;

pub use diff::{diff, mask};
pub use head::Head;

use std::cell::RefCell;

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

/// An entry serialized and ready for its place in the chain: everything but its position,
/// time and hashes, which only the writer can know. Prepared outside the writer where the
/// entry is known before the write (creates), so the writer only links and inserts it.
#[derive(Debug)]
pub struct Prepared {
    user: Option<String>,
    username: String,
    organization: Option<String>,
    action: &'static str,
    model: String,
    object_id: String,
    object_repr: String,
    changes: Option<String>,
    context: String,
    /// The canonical form hashed after position and time: `,user,…,context]`.
    tail: String,
}

/// Serializes an entry for [`append`].
pub fn prepare(entry: Entry) -> Prepared {
    let changes = entry.changes.map(|c| c.to_string());
    let context = entry.context.to_json().to_string();
    let object_repr: String = entry.object_repr.chars().take(255).collect();
    let action = entry.action.as_str();
    let tail = canonical_tail(
        entry.user,
        entry.username,
        entry.organization,
        action,
        entry.model,
        entry.object_id,
        &object_repr,
        changes.as_deref(),
        Some(&context),
    );
    Prepared {
        user: entry.user.map(str::to_string),
        username: entry.username.to_string(),
        organization: entry.organization.map(str::to_string),
        action,
        model: entry.model.to_string(),
        object_id: entry.object_id.to_string(),
        object_repr,
        changes,
        context,
        tail,
    }
}

/// The hashed fields after position and time, as the tail of a compact JSON array.
#[allow(clippy::too_many_arguments)]
fn canonical_tail(
    user: Option<&str>,
    username: &str,
    organization: Option<&str>,
    action: &str,
    model: &str,
    object_id: &str,
    object_repr: &str,
    changes: Option<&str>,
    context: Option<&str>,
) -> String {
    let fields = (user, username, organization, action, model, object_id, object_repr, changes, context);
    let mut tail = serde_json::to_string(&fields).unwrap_or_default();
    tail.replace_range(..1, ",");
    tail
}

/// The hash of the entry at `seq`, made at `created_at`, after `prev_hash`: SHA-256 over the
/// previous hash, a newline and the canonical JSON array of the entry's fields.
fn link_hash(prev_hash: &str, seq: i64, created_at: &str, tail: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n[");
    hasher.update(seq.to_string().as_bytes());
    hasher.update(b",");
    hasher.update(serde_json::to_string(created_at).unwrap_or_default().as_bytes());
    hasher.update(tail.as_bytes());
    hex::encode(hasher.finalize())
}

/// Appends an entry; must run inside the write transaction of the change it records.
pub fn record(conn: &Connection, entry: Entry) -> Result<(), StoreError> {
    append(conn, prepare(entry))
}

thread_local! {
    /// The entries of the writer's current transaction, linked just before it commits; `None`
    /// on threads that append at once.
    static BATCH: RefCell<Option<Vec<Prepared>>> = const { RefCell::new(None) };
}

/// Adds a prepared entry to the end of the chain; must run inside the write transaction of the
/// change it records. On a writer with [`Batch`] installed the entry is linked and stored with
/// the others of its transaction just before the commit (and dropped if its write is undone).
pub fn append(conn: &Connection, entry: Prepared) -> Result<(), StoreError> {
    let entry = BATCH.with_borrow_mut(|batch| match batch {
        Some(pending) => {
            pending.push(entry);
            None
        }
        None => Some(entry),
    });
    match entry {
        Some(entry) => link(conn, vec![entry]),
        None => Ok(()),
    }
}

/// The audit trail's share of a transaction (see [`crate::store::Deferred`]): entries are
/// collected while the writes run, outside their savepoints, and linked in one go.
pub struct Batch;

impl crate::store::Deferred for Batch {
    fn install(&mut self) {
        BATCH.set(Some(Vec::new()));
    }

    fn mark(&self) -> usize {
        BATCH.with_borrow(|batch| batch.as_ref().map_or(0, Vec::len))
    }

    fn discard(&mut self, mark: usize) {
        BATCH.with_borrow_mut(|batch| batch.iter_mut().for_each(|pending| pending.truncate(mark)));
    }

    fn flush(&mut self, conn: &Connection) -> Result<(), StoreError> {
        let pending = BATCH.with_borrow_mut(|batch| batch.as_mut().map(std::mem::take).unwrap_or_default());
        link(conn, pending)
    }
}

/// Links entries, in order, to the end of the chain and stores them.
fn link(conn: &Connection, entries: Vec<Prepared>) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let last: Option<(i64, String)> = conn
        .prepare_cached("SELECT id, hash FROM audit_logs ORDER BY id DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (mut seq, mut prev_hash) = last.unwrap_or((0, GENESIS.to_string()));
    let created_at = now();
    let mut insert = conn.prepare_cached(
        "INSERT INTO audit_logs (id, created_at, user, username, organization, action, model, object_id,
                                 object_repr, changes, context, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for entry in entries {
        seq += 1;
        let hash = link_hash(&prev_hash, seq, &created_at, &entry.tail);
        insert.execute(rusqlite::params![
            seq,
            created_at,
            entry.user,
            entry.username,
            entry.organization,
            entry.action,
            entry.model,
            entry.object_id,
            entry.object_repr,
            entry.changes,
            entry.context,
            prev_hash,
            hash
        ])?;
        prev_hash = hash;
    }
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
        let seq: i64 = row.get(0)?;
        let created_at: String = row.get(1)?;
        let (user, organization): (Option<String>, Option<String>) = (row.get(2)?, row.get(4)?);
        let (username, action, model): (String, String, String) = (row.get(3)?, row.get(5)?, row.get(6)?);
        let (object_id, object_repr): (String, String) = (row.get(7)?, row.get(8)?);
        let (changes, context): (Option<String>, Option<String>) = (row.get(9)?, row.get(10)?);
        let (prev_hash, hash): (String, String) = (row.get(11)?, row.get(12)?);
        let tail = canonical_tail(
            user.as_deref(),
            &username,
            organization.as_deref(),
            &action,
            &model,
            &object_id,
            &object_repr,
            changes.as_deref(),
            context.as_deref(),
        );
        let broken = |reason: &str| Verification::Broken { seq, reason: reason.into() };
        if seq != expected_seq {
            return Ok(broken(&format!("expected entry #{expected_seq}: an entry is missing")));
        }
        if prev_hash != expected_prev {
            return Ok(broken("its predecessor hash does not match the previous entry"));
        }
        if link_hash(&prev_hash, seq, &created_at, &tail) != hash {
            return Ok(broken("its content does not match its hash (the entry was altered)"));
        }
        expected_prev = hash;
        expected_seq += 1;
        entries += 1;
    }
    Ok(Verification::Intact { entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries written before the hash was computed from a prepared tail were hashed over
    /// `json!([...])`: the two forms must give the same bytes, or old chains would break.
    #[test]
    fn the_link_hash_is_the_one_of_the_canonical_array() {
        let changes = Some(r#"{"name":{"old":null,"new":"Ünïcode \"quoted\"\n"}}"#.to_string());
        let context = Some(r#"{"ip":"127.0.0.1","origin":"api"}"#.to_string());
        for (user, organization) in [(Some("u-1"), None), (None, Some("o-1"))] {
            let canonical = json!([
                42,
                "2026-12-01T10:00:00.000001Z",
                user,
                "ädmin",
                organization,
                "CREATE",
                "uom",
                "KG",
                "Kilo\tgram",
                changes,
                context
            ]);
            let mut hasher = Sha256::new();
            hasher.update(b"prev\n");
            hasher.update(canonical.to_string().as_bytes());
            let old = hex::encode(hasher.finalize());
            let tail = canonical_tail(
                user,
                "ädmin",
                organization,
                "CREATE",
                "uom",
                "KG",
                "Kilo\tgram",
                changes.as_deref(),
                context.as_deref(),
            );
            assert_eq!(link_hash("prev", 42, "2026-12-01T10:00:00.000001Z", &tail), old);
        }
    }
}
