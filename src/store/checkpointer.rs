//! WAL checkpoints off the writer's commit path. SQLite's automatic checkpoint runs inside the
//! commit that crosses its threshold, so one write in a thousand pages waited for pages to be
//! copied and the database file synced. Here the writer only signals its commits; this thread,
//! on its own connection, copies what readers no longer need (PASSIVE, never blocking the
//! writer) at most every [`BUSY_INTERVAL`] while writes come in, and resets the WAL (TRUNCATE)
//! once writes pause for [`IDLE_AFTER`].

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::StoreError;

/// Shortest time between two checkpoints while writes come in.
const BUSY_INTERVAL: Duration = Duration::from_millis(100);
/// How long writes must pause before the WAL is reset to empty.
const IDLE_AFTER: Duration = Duration::from_millis(500);

/// Starts the checkpointer on `conn`; answers the signal the writer sends after each commit
/// (dropping it stops the thread) and the thread.
pub(super) fn start(conn: Connection) -> Result<(SyncSender<()>, JoinHandle<()>), StoreError> {
    let (signal, commits) = sync_channel(1);
    let thread = std::thread::Builder::new()
        .name("plinth-checkpoint".into())
        .spawn(move || run(&conn, &commits))
        .map_err(|_| StoreError::WriterStopped)?;
    Ok((signal, thread))
}

fn run(conn: &Connection, commits: &Receiver<()>) {
    let mut dirty = false;
    let mut last = Instant::now();
    loop {
        match commits.recv_timeout(IDLE_AFTER) {
            Ok(()) => {
                dirty = true;
                if last.elapsed() >= BUSY_INTERVAL {
                    checkpoint(conn, "PASSIVE");
                    last = Instant::now();
                }
            }
            Err(RecvTimeoutError::Timeout) if dirty => {
                checkpoint(conn, "TRUNCATE");
                dirty = false;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
}

/// Runs a checkpoint; a busy database (a long reader) just means trying again later.
fn checkpoint(conn: &Connection, mode: &str) {
    let sql = format!("PRAGMA wal_checkpoint({mode})");
    let _ = conn.query_row(&sql, [], |_| Ok(()));
}
