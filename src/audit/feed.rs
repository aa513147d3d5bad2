//! The change feed (DESIGN.md §7), kept with the audit trail it is made of: an event per engine write, read by consumers (search,
//! automation, live push, webhooks, replication) that each keep their own cursor, so nothing
//! is lost across a crash and anything can be replayed. The events are the audit trail's data
//! entries (written in the same transaction as each write): one append-only log serves both,
//! which halves the rows every write adds.

use serde_json::Value;

use crate::store::{Connection, StoreError, now};

/// One event of the feed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Event {
    pub seq: i64,
    pub created_at: String,
    pub model: String,
    pub object_id: String,
    pub action: String,
    pub organization: Option<String>,
    pub changed_fields: Vec<String>,
}

/// Up to `limit` events after `consumer`'s cursor, oldest first: the data entries of the
/// audit trail, whose position in the chain is the event's sequence number.
pub fn pending(conn: &Connection, consumer: &str, limit: usize) -> Result<Vec<Event>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, created_at, model, object_id, lower(action), organization, changes FROM audit_logs
         WHERE id > COALESCE((SELECT position FROM change_cursors WHERE consumer = ?1), 0)
           AND action IN ('CREATE', 'UPDATE', 'DELETE')
         ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(rusqlite::params![consumer, limit as i64], |r| {
        let changes: Option<String> = r.get(6)?;
        let changes: Value = changes.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or(Value::Null);
        Ok(Event {
            seq: r.get(0)?,
            created_at: r.get(1)?,
            model: r.get(2)?,
            object_id: r.get(3)?,
            action: r.get(4)?,
            organization: r.get(5)?,
            changed_fields: changes.as_object().map(|c| c.keys().cloned().collect()).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Moves `consumer`'s cursor to `seq` (everything up to it is handled).
pub fn acknowledge(conn: &Connection, consumer: &str, seq: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO change_cursors (consumer, position, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (consumer) DO UPDATE SET position = max(position, excluded.position), updated_at = excluded.updated_at",
    )?
    .execute(rusqlite::params![consumer, seq, now()])?;
    Ok(())
}
