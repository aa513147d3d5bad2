//! The change feed (DESIGN.md §7): an event per engine write, appended in the same
//! transaction, read by consumers (search, automation, live push, webhooks, replication)
//! that each keep their own cursor, so nothing is lost across a crash and anything can be
//! replayed.

use serde_json::Value;

use crate::store::{Connection, StoreError, now};

/// The kind of write an event reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Create,
    Update,
    Delete,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Update => "update",
            Change::Delete => "delete",
        }
    }
}

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

/// Appends an event; must run inside the write transaction of the change.
pub fn publish(
    conn: &Connection,
    model: &str,
    object_id: &str,
    change: Change,
    organization: Option<&str>,
    changed_fields: &[String],
) -> Result<(), StoreError> {
    let fields = Value::from(changed_fields.to_vec()).to_string();
    conn.prepare_cached(
        "INSERT INTO change_feed (created_at, model, object_id, action, organization, changed_fields)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(rusqlite::params![now(), model, object_id, change.as_str(), organization, fields])?;
    Ok(())
}

/// Up to `limit` events after `consumer`'s cursor, oldest first.
pub fn pending(conn: &Connection, consumer: &str, limit: usize) -> Result<Vec<Event>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, created_at, model, object_id, action, organization, changed_fields FROM change_feed
         WHERE seq > COALESCE((SELECT position FROM change_cursors WHERE consumer = ?1), 0)
         ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(rusqlite::params![consumer, limit as i64], |r| {
        let fields: String = r.get(6)?;
        Ok(Event {
            seq: r.get(0)?,
            created_at: r.get(1)?,
            model: r.get(2)?,
            object_id: r.get(3)?,
            action: r.get(4)?,
            organization: r.get(5)?,
            changed_fields: serde_json::from_str(&fields).unwrap_or_default(),
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
