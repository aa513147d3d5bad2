//! Mail: messages queued in the outbox inside the transaction that decides to send them
//! (delivery over SMTP arrives with the mail module's worker).

use crate::store::{Connection, StoreError, new_id, now};

/// Queues a message for delivery.
pub fn queue(conn: &Connection, to: &str, subject: &str, body: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO mail_outbox (id, created_at, to_address, subject, body) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(rusqlite::params![new_id(), now(), to, subject, body])?;
    Ok(())
}
