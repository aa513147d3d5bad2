//! WAL checkpoints off the writer's commit path. SQLite's automatic checkpoint runs inside the
//! commit that crosses its threshold, so one write in a thousand pages waited for pages to be
//! copied and the database file synced. Here the writer only counts its commits; this thread,
//! on its own connection, copies what readers no longer need (PASSIVE, never blocking the
//! writer) every [`BUSY_INTERVAL`] while commits come in, resets the WAL (TRUNCATE) once they
//! pause for [`IDLE_AFTER`], and then sleeps until the writer wakes it with the next commit.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::StoreError;

/// Time between two checkpoints while commits come in.
const BUSY_INTERVAL: Duration = Duration::from_millis(100);
/// How long commits must pause before the WAL is reset to empty.
const IDLE_AFTER: Duration = Duration::from_millis(500);

/// What the writer tells the checkpointer: a count, and a wake-up only when it sleeps.
pub(super) struct Signal {
    commits: AtomicU64,
    asleep: AtomicBool,
    wake: SyncSender<()>,
}

impl Signal {
    /// Called by the writer after each commit: an atomic add, and a wake-up after a pause.
    pub(super) fn committed(&self) {
        self.commits.fetch_add(1, Ordering::SeqCst);
        if self.asleep.swap(false, Ordering::SeqCst) {
            let _ = self.wake.try_send(());
        }
    }
}

/// Starts the checkpointer on `conn`; answers the writer's signal and the thread, which ends
/// once the signal is dropped.
pub(super) fn start(conn: Connection) -> Result<(Arc<Signal>, JoinHandle<()>), StoreError> {
    let (wake, woken) = sync_channel(1);
    let signal = Arc::new(Signal { commits: AtomicU64::new(0), asleep: AtomicBool::new(false), wake });
    let watched = Arc::downgrade(&signal);
    let thread = std::thread::Builder::new()
        .name("plinth-checkpoint".into())
        .spawn(move || {
            let mut seen = 0;
            let mut last_commit = Instant::now();
            let mut dirty = false;
            loop {
                let Some(signal) = watched.upgrade() else { break };
                let commits = signal.commits.load(Ordering::SeqCst);
                if commits != seen {
                    (seen, last_commit, dirty) = (commits, Instant::now(), true);
                    checkpoint(&conn, "PASSIVE");
                } else if dirty && last_commit.elapsed() >= IDLE_AFTER {
                    checkpoint(&conn, "TRUNCATE");
                    dirty = false;
                    signal.asleep.store(true, Ordering::SeqCst);
                    // A commit between the last look and falling asleep is not missed.
                    if signal.commits.load(Ordering::SeqCst) != seen {
                        signal.asleep.store(false, Ordering::SeqCst);
                        continue;
                    }
                }
                let asleep = signal.asleep.load(Ordering::SeqCst);
                drop(signal);
                if !pause(&woken, asleep) {
                    break;
                }
            }
        })
        .map_err(|_| StoreError::WriterStopped)?;
    Ok((signal, thread))
}

/// Waits [`BUSY_INTERVAL`], or — asleep — for the writer's wake-up; false once the writer is
/// gone.
fn pause(woken: &Receiver<()>, asleep: bool) -> bool {
    let wait = if asleep { Duration::from_secs(3600) } else { BUSY_INTERVAL };
    !matches!(woken.recv_timeout(wait), Err(RecvTimeoutError::Disconnected))
}

/// Runs a checkpoint; a busy database (a long reader) just means trying again later.
fn checkpoint(conn: &Connection, mode: &str) {
    let sql = format!("PRAGMA wal_checkpoint({mode})");
    let _ = conn.query_row(&sql, [], |_| Ok(()));
}
