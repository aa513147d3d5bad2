//! Storage errors, with SQLite constraint failures classified so that the layers above can
//! turn them into field errors or `protected` answers without reading SQL messages.

use thiserror::Error;

/// What can go wrong talking to the database.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A UNIQUE or PRIMARY KEY constraint failed on these `table.column`s.
    #[error("unique constraint failed on {table}({})", columns.join(", "))]
    Unique { table: String, columns: Vec<String> },
    /// A FOREIGN KEY constraint failed (a referenced row is missing, or a RESTRICT delete).
    #[error("foreign key constraint failed")]
    ForeignKey,
    /// Any other SQLite error.
    #[error("sqlite: {0}")]
    Sqlite(rusqlite::Error),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// The bundled SQLite is older than Plinth allows.
    #[error("SQLite {0} is too old: Plinth needs 3.51.3 or newer")]
    SqliteTooOld(String),
    /// The writer thread is gone (stopping, or it failed).
    #[error("the database writer has stopped")]
    WriterStopped,
    /// The transaction carrying this write could not be committed.
    #[error("commit failed: {0}")]
    CommitFailed(String),
    /// A stored value could not be turned into JSON (invalid text or JSON in a column).
    #[error("stored value cannot be encoded: {0}")]
    Encoding(String),
    /// A file beside the database (such as the audit head) could not be read or written.
    #[error("{0}")]
    File(String),
    /// The only write of a transaction failed, and the transaction was rolled back.
    #[error("the write failed and was rolled back")]
    RolledBack,
    /// A write closure panicked; its savepoint was rolled back.
    #[error("a write panicked and was rolled back")]
    WritePanicked,
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        classify(err)
    }
}

fn classify(err: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(code, message) = &err
        && code.code == rusqlite::ErrorCode::ConstraintViolation
    {
        let message = message.as_deref().unwrap_or("");
        if message.starts_with("FOREIGN KEY") || code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY {
            return StoreError::ForeignKey;
        }
        if let Some(unique) = parse_unique(message) {
            return unique;
        }
    }
    StoreError::Sqlite(err)
}

/// Parses SQLite's `UNIQUE constraint failed: t.a, t.b` message.
fn parse_unique(message: &str) -> Option<StoreError> {
    let list = message.strip_prefix("UNIQUE constraint failed: ")?;
    let mut table = String::new();
    let mut columns = Vec::new();
    for item in list.split(", ") {
        let (t, c) = item.split_once('.')?;
        table = t.to_string();
        columns.push(c.to_string());
    }
    Some(StoreError::Unique { table, columns })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_message_names_table_and_columns() {
        match parse_unique("UNIQUE constraint failed: uoms.name, uoms.code") {
            Some(StoreError::Unique { table, columns }) => {
                assert_eq!(table, "uoms");
                assert_eq!(columns, vec!["name", "code"]);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(parse_unique("something else").is_none());
    }
}
