//! SQLite storage: opening the database, pragmas, migrations, the single writer thread with
//! group commit (`writer`), WAL checkpoints off its commit path (`checkpointer`) and the pool
//! of read-only connections (`readers`).
//!
//! Everything above this module reaches the database only through [`Db::read`] and
//! [`Db::write`]; nothing else opens a connection.

mod checkpointer;
mod error;
mod functions;
pub mod paths;
mod readers;
mod writer;

pub use error::StoreError;
pub use functions::{DECIMAL, DECIMAL_KEY, FOLD, decimal_key, fold};
pub use rusqlite::{Connection, OptionalExtension, Row, ToSql, params, types::Value as SqlValue};

use std::path::{Path, PathBuf};
use std::time::Duration;

use readers::ReaderPool;
use writer::Writer;
pub use writer::{AfterCommit, Deferred, Stats};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Oldest SQLite we accept: earlier versions carry a WAL-reset corruption bug under
/// concurrent writers and checkpointers (DESIGN.md §4).
const MIN_SQLITE: i32 = 3_051_003;

/// How durable a commit is (`PRAGMA synchronous`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    /// fsync on every commit (default): a reply to a write means the data is on disk.
    Full,
    /// fsync at checkpoints only: faster, a power cut may lose the last commits.
    Normal,
}

/// Settings for opening the database.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// Path of the database file.
    pub path: PathBuf,
    /// Commit durability.
    pub synchronous: Synchronous,
    /// Number of read-only connections.
    pub readers: usize,
}

/// Handle to the database: cheap to clone, shared by every thread.
#[derive(Clone)]
pub struct Db {
    writer: Writer,
    readers: ReaderPool,
}

impl Db {
    /// Opens (or creates) the database, applies pending migrations and starts the writer.
    pub fn open(config: &StoreConfig) -> Result<Db, StoreError> {
        check_sqlite_version()?;
        let mut conn = open_connection(&config.path, config.synchronous)?;
        migrate(&mut conn)?;
        let readers = ReaderPool::new(&config.path, config.synchronous, config.readers)?;
        let checkpoints = open_connection(&config.path, config.synchronous)?;
        Ok(Db { writer: Writer::start(conn, checkpoints)?, readers })
    }

    /// Runs `f` on a read-only connection.
    pub fn read<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.readers.with(f)
    }

    /// Runs `f` inside the writer's current transaction, in a savepoint of its own; returns
    /// once the transaction holding the change is committed (durable). An `Err` from `f`
    /// rolls back only this closure's changes.
    pub fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.writer.submit(f)
    }

    /// Runs `hook` on the writer's connection after every commit from now on.
    pub fn after_commit(&self, hook: impl FnMut(&Connection) + Send + 'static) {
        self.writer.after_commit(Box::new(hook));
    }

    /// Defers `work` to the end of every transaction from now on (see [`Deferred`]).
    pub fn defer(&self, work: impl Deferred + 'static) {
        self.writer.defer(Box::new(work));
    }

    /// How many writes and commits the writer has done.
    pub fn stats(&self) -> &Stats {
        self.writer.stats()
    }

    /// Stops the writer after draining queued writes and checkpoints the WAL.
    pub fn close(&self) {
        self.writer.stop();
    }
}

/// Applies pending migrations with foreign keys off (so a migration may rebuild a table, as
/// SQLite's ALTER TABLE procedure needs), then checks every foreign key and turns them on.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch("PRAGMA foreign_keys = OFF;")?;
    embedded::migrations::runner().run(conn).map_err(|e| StoreError::Migration(e.to_string()))?;
    let broken: Option<String> = conn
        .query_row(
            "SELECT \"table\" || ' row ' || coalesce(rowid, '?') || ' -> ' || parent FROM pragma_foreign_key_check",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(broken) = broken {
        return Err(StoreError::Migration(format!("a foreign key is broken after migrating: {broken}")));
    }
    conn.execute_batch("PRAGMA foreign_keys = ON;")?;
    Ok(())
}

/// How much of the database file readers map into memory (address space, not RAM).
const MMAP_BYTES: u64 = 1 << 30;

/// Opens one connection with Plinth's pragmas.
fn open_connection(path: &Path, synchronous: Synchronous) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let sync = match synchronous {
        Synchronous::Full => "FULL",
        Synchronous::Normal => "NORMAL",
    };
    // Reads map the database file (writes still go through the WAL with write()): every
    // connection shares the operating system's page cache instead of copying pages into a
    // small cache of its own — a list page of contacts with their nested lists reads ~40 %
    // faster than with pread() and a 1 MB cache per reader.
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = {sync};
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -1000;
         PRAGMA mmap_size = {MMAP_BYTES};
         PRAGMA temp_store = MEMORY;"
    ))?;
    // SQLite 3.54 plans joins and ORDER BY queries with `col = ?` around the bound value and
    // marks them to be prepared again once the binding is cleared — which the statement cache
    // does every time, so every execution paid a full parse and plan (17 % of a create's
    // instructions for the token lookup alone). The query planner stability guarantee turns
    // value-dependent plans off: we run no ANALYZE and match text through a function, so no
    // plan of ours depends on bound values.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.set_prepared_statement_cache_capacity(128);
    functions::register(&conn)?;
    Ok(conn)
}

fn check_sqlite_version() -> Result<(), StoreError> {
    let found = rusqlite::version_number();
    if found < MIN_SQLITE {
        return Err(StoreError::SqliteTooOld(rusqlite::version().to_string()));
    }
    Ok(())
}

/// Current time as stored in every timestamp column: RFC 3339 UTC with microseconds.
pub fn now() -> String {
    format_timestamp(chrono::Utc::now())
}

/// Formats a UTC instant the way timestamp columns store it.
pub fn format_timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A new time-ordered id (UUIDv7, lower-case text).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
