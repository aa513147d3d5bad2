//! The single writer thread and its group commit (DESIGN.md §4).
//!
//! Callers send closures; the writer takes every pending one (up to [`MAX_BATCH`]), opens one
//! `BEGIN IMMEDIATE` transaction, runs each closure inside its own savepoint — rolled back
//! alone when the closure fails or panics; a closure alone in its batch needs none — commits
//! once and only then replies to each caller.
//! Many concurrent writers therefore share one fsync, and a reply always means "durable".

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use rusqlite::Connection;

use super::StoreError;

/// Most closures one transaction carries.
const MAX_BATCH: usize = 256;

/// A queued write: `run` executes inside the savepoint and reports success; `finish` is
/// called after the commit with its outcome and sends the reply.
trait Job: Send {
    fn run(&mut self, conn: &Connection) -> bool;
    fn finish(self: Box<Self>, committed: Result<(), &StoreError>);
}

struct Closure<F, T, E> {
    f: Option<F>,
    outcome: Option<Result<T, E>>,
    reply: SyncSender<Result<T, E>>,
}

impl<F, T, E> Job for Closure<F, T, E>
where
    F: FnOnce(&Connection) -> Result<T, E> + Send,
    T: Send,
    E: From<StoreError> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(f) = self.f.take() else { return false };
        let outcome =
            catch_unwind(AssertUnwindSafe(|| f(conn))).unwrap_or_else(|_| Err(E::from(StoreError::WritePanicked)));
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), &StoreError>) {
        let reply = match (self.outcome, committed) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (Some(Ok(_)), Err(e)) => Err(E::from(StoreError::CommitFailed(e.to_string()))),
            (None, _) => Err(E::from(StoreError::WriterStopped)),
        };
        let _ = self.reply.send(reply);
    }
}

/// Runs on the writer's connection after every successful commit (e.g. anchoring the audit
/// trail's head outside the database).
pub type AfterCommit = Box<dyn FnMut(&Connection) + Send>;

/// Work the writes of a transaction leave for its end, done once just before the commit (the
/// audit trail links its entries there, outside the writes' savepoints): a write that is
/// rolled back takes its share with it.
pub trait Deferred: Send {
    /// Called once on the writer thread when installed.
    fn install(&mut self);
    /// How much work is deferred so far; the next write's share starts here.
    fn mark(&self) -> usize;
    /// Drops what was deferred after `mark` (its write was rolled back).
    fn discard(&mut self, mark: usize);
    /// Does the deferred work in the transaction, just before it commits.
    fn flush(&mut self, conn: &Connection) -> Result<(), StoreError>;
}

/// What the writer thread receives.
enum Message {
    Job(Box<dyn Job>),
    AfterCommit(AfterCommit),
    Deferred(Box<dyn Deferred>),
}

type Queue = Sender<Message>;

/// Handle used to submit writes; cheap to clone.
#[derive(Clone)]
pub(super) struct Writer {
    queue: Arc<Mutex<Option<Queue>>>,
    /// The writer thread and the checkpointer it signals.
    threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
    stats: Arc<Stats>,
}

/// Counters of the writer's work: writes / commits is the mean batch size.
#[derive(Default, Debug)]
pub struct Stats {
    pub commits: AtomicU64,
    pub writes: AtomicU64,
}

impl Writer {
    /// Starts the writer on `conn` (its automatic checkpoints turned off) and the checkpointer
    /// on `checkpoints`.
    pub(super) fn start(conn: Connection, checkpoints: Connection) -> Result<Writer, StoreError> {
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0;")?;
        let (signal, checkpointer) = super::checkpointer::start(checkpoints)?;
        let (tx, rx) = channel::<Message>();
        let stats = Arc::new(Stats::default());
        let counters = stats.clone();
        let writer = std::thread::Builder::new()
            .name("plinth-writer".into())
            .spawn(move || run_writer(conn, rx, &counters, &signal))
            .map_err(|_| StoreError::WriterStopped)?;
        let threads = Arc::new(Mutex::new(vec![writer, checkpointer]));
        Ok(Writer { queue: Arc::new(Mutex::new(Some(tx))), threads, stats })
    }

    pub(super) fn submit<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, answer) = sync_channel(1);
        let job: Box<dyn Job> = Box::new(Closure { f: Some(f), outcome: None, reply });
        if !self.send(Message::Job(job)) {
            return Err(E::from(StoreError::WriterStopped));
        }
        answer.recv().unwrap_or_else(|_| Err(E::from(StoreError::WriterStopped)))
    }

    /// Installs the hook run after every commit (replacing any earlier one).
    pub(super) fn after_commit(&self, hook: AfterCommit) {
        self.send(Message::AfterCommit(hook));
    }

    /// Installs the work deferred to the end of each transaction (replacing any earlier one).
    pub(super) fn defer(&self, deferred: Box<dyn Deferred>) {
        self.send(Message::Deferred(deferred));
    }

    fn send(&self, message: Message) -> bool {
        let sender = self.queue.lock().unwrap_or_else(PoisonError::into_inner).clone();
        sender.is_some_and(|sender| sender.send(message).is_ok())
    }

    pub(super) fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Closes the queue, lets the writer drain what was queued, and waits for it to finish.
    pub(super) fn stop(&self) {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner).take();
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(PoisonError::into_inner));
        for thread in threads {
            let _ = thread.join();
        }
    }
}

fn run_writer(conn: Connection, rx: Receiver<Message>, stats: &Stats, checkpoints: &super::checkpointer::Signal) {
    let mut after_commit: Option<AfterCommit> = None;
    let mut deferred: Box<dyn Deferred> = Box::new(Nothing);
    while let Ok(first) = rx.recv() {
        let mut batch = Vec::new();
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Job(job) => batch.push(job),
                Message::AfterCommit(hook) => after_commit = Some(hook),
                Message::Deferred(mut work) => {
                    work.install();
                    deferred = work;
                }
            }
            if batch.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        if batch.is_empty() {
            continue;
        }
        stats.writes.fetch_add(batch.len() as u64, Ordering::Relaxed);
        if commit_batch(&conn, batch, deferred.as_mut()) {
            if let Some(hook) = after_commit.as_mut() {
                hook(&conn);
            }
            checkpoints.committed();
        }
        stats.commits.fetch_add(1, Ordering::Relaxed);
    }
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
}

/// No deferred work: writers opened without it (tools, tests) do everything at once.
struct Nothing;

impl Deferred for Nothing {
    fn install(&mut self) {}
    fn mark(&self) -> usize {
        0
    }
    fn discard(&mut self, _: usize) {}
    fn flush(&mut self, _: &Connection) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Commits a batch and replies to each job; answers whether the commit succeeded.
fn commit_batch(conn: &Connection, mut batch: Vec<Box<dyn Job>>, deferred: &mut dyn Deferred) -> bool {
    let committed = conn.execute_batch("BEGIN IMMEDIATE").map_err(StoreError::from).and_then(|()| {
        match batch.as_mut_slice() {
            // Alone in its transaction a write needs no savepoint (nor the copy of every page
            // it changes that a savepoint keeps): if it fails, the transaction is rolled back.
            [job] => {
                if !job.run(conn) {
                    return Err(StoreError::RolledBack);
                }
            }
            jobs => {
                for job in jobs {
                    let mark = deferred.mark();
                    if !run_in_savepoint(conn, job.as_mut())? {
                        deferred.discard(mark);
                    }
                }
            }
        }
        deferred.flush(conn)?;
        conn.execute_batch("COMMIT").map_err(StoreError::from)
    });
    if committed.is_err() {
        deferred.discard(0);
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
    for job in batch {
        job.finish(committed.as_ref().map(|_| ()));
    }
    committed.is_ok()
}

/// Runs a job in a savepoint of its own; answers whether it succeeded (else it is undone).
fn run_in_savepoint(conn: &Connection, job: &mut dyn Job) -> Result<bool, StoreError> {
    let statement = |sql: &str| -> Result<(), StoreError> {
        conn.prepare_cached(sql)?.execute([])?;
        Ok(())
    };
    statement("SAVEPOINT request")?;
    let succeeded = job.run(conn);
    if !succeeded {
        statement("ROLLBACK TO request")?;
    }
    statement("RELEASE request")?;
    Ok(succeeded)
}
