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
    /// A CHECK constraint failed; the schema names each after the field it is about.
    #[error("check constraint {0} failed")]
    Check(String),
    /// A NOT NULL constraint failed on this column.
    #[error("not null constraint failed on {0}")]
    NotNull(String),
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
        if let Some(name) = message.strip_prefix("CHECK constraint failed: ") {
            return StoreError::Check(name.to_string());
        }
        if let Some(column) = message.strip_prefix("NOT NULL constraint failed: ") {
            let column = column.rsplit_once('.').map_or(column, |(_, c)| c);
            return StoreError::NotNull(column.to_string());
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

    #[test]
    fn check_and_not_null_failures_name_their_field() {
        let conn = rusqlite::Connection::open_in_memory().expect("db");
        conn.execute_batch("CREATE TABLE t (name TEXT NOT NULL CONSTRAINT \"name\" CHECK (length(name) <= 3)) STRICT")
            .expect("table");
        let failure = |sql: &str| StoreError::from(conn.execute(sql, []).expect_err("refused"));
        assert!(matches!(failure("INSERT INTO t VALUES ('long')"), StoreError::Check(name) if name == "name"));
        assert!(matches!(failure("INSERT INTO t VALUES (NULL)"), StoreError::NotNull(column) if column == "name"));
    }
}
