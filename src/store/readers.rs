//! A pool of read-only connections. A reader is taken for the duration of one closure and
//! returned afterwards; when all are busy a new one is opened, so readers never wait.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::Connection;

use super::{StoreError, Synchronous, open_connection};

#[derive(Clone)]
pub(super) struct ReaderPool {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    synchronous: Synchronous,
    idle: Mutex<Vec<Connection>>,
    keep: usize,
}

impl ReaderPool {
    pub(super) fn new(path: &Path, synchronous: Synchronous, keep: usize) -> Result<Self, StoreError> {
        let pool = ReaderPool {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                synchronous,
                idle: Mutex::new(Vec::with_capacity(keep)),
                keep: keep.max(1),
            }),
        };
        let first = pool.open()?;
        pool.give_back(first);
        Ok(pool)
    }

    pub(super) fn with<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let conn = match self.take() {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = f(&conn);
        self.give_back(conn);
        result
    }

    fn take(&self) -> Option<Connection> {
        self.inner.idle.lock().unwrap_or_else(PoisonError::into_inner).pop()
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.inner.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.inner.keep {
            idle.push(conn);
        }
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let conn = open_connection(&self.inner.path, self.inner.synchronous)?;
        // Readers map the file (up to 1 GiB): pages come from the shared OS cache instead of a
        // read() into each connection's 1 MB cache — half of a list's time on a database
        // larger than that. The writer keeps plain reads (steadier group commits).
        conn.execute_batch("PRAGMA query_only = ON; PRAGMA mmap_size = 1073741824;")?;
        Ok(conn)
    }
}
