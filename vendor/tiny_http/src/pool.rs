//! Connection threads and handler permits.
//!
//! A thread serves one connection at a time; when it is done it waits a few seconds for the
//! next one before it ends, so a steady load starts no threads and an idle server keeps
//! none. Threads never outnumber the open connections plus those still waiting. The
//! permits bound how many handlers run at once, whatever the number of connections.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::Shared;
use crate::conn::{self, Accepted};

/// How long a thread without a connection waits for one before it ends.
const IDLE_THREAD: Duration = Duration::from_secs(5);

/// The connection threads.
#[derive(Default)]
pub(crate) struct Pool {
    state: Mutex<State>,
    /// Signalled when a connection is queued for a waiting thread, or on stop.
    work: Condvar,
    /// Signalled when a thread ends.
    ended: Condvar,
}

#[derive(Default)]
struct State {
    /// Connections handed to waiting threads, not yet taken.
    queue: VecDeque<Accepted>,
    /// Threads waiting for a connection.
    waiting: usize,
    /// Threads alive.
    threads: usize,
    handles: Vec<JoinHandle<()>>,
    stopping: bool,
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Serves `accepted` on a waiting thread, or on a new one. When no thread can be
    /// started, the connection is closed.
    pub fn dispatch(shared: &Arc<Shared>, accepted: Accepted) -> io::Result<()> {
        let pool = &shared.pool;
        let mut state = pool.lock();
        if state.stopping {
            return Ok(());
        }
        if state.waiting > state.queue.len() {
            state.queue.push_back(accepted);
            pool.work.notify_one();
            return Ok(());
        }
        state.threads += 1;
        // Threads that ended on their own are reaped here, so handles do not pile up.
        state.handles.retain(|handle| !handle.is_finished());
        drop(state);
        let worker = Arc::clone(shared);
        let spawned = thread::Builder::new().name("http-connection".into()).spawn(move || run(&worker, accepted));
        let mut state = pool.lock();
        match spawned {
            Ok(handle) => {
                state.handles.push(handle);
                Ok(())
            }
            Err(e) => {
                state.threads -= 1;
                pool.ended.notify_all();
                Err(e)
            }
        }
    }

    /// The next connection for a thread that finished one; `None` when it should end.
    fn next(&self) -> Option<Accepted> {
        let deadline = Instant::now() + IDLE_THREAD;
        let mut state = self.lock();
        state.waiting += 1;
        let next = loop {
            if let Some(accepted) = state.queue.pop_front() {
                break Some(accepted);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if state.stopping || left.is_zero() {
                break None;
            }
            state = self.work.wait_timeout(state, left).unwrap_or_else(PoisonError::into_inner).0;
        };
        state.waiting -= 1;
        next
    }

    /// Ends the threads: waiting ones at once, busy ones when their connection ends, for
    /// at most `grace`; the threads that ended are joined.
    pub fn stop(&self, grace: Duration) {
        let deadline = Instant::now() + grace;
        let mut state = self.lock();
        state.stopping = true;
        state.queue.clear();
        self.work.notify_all();
        while state.threads > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self.ended.wait_timeout(state, left).unwrap_or_else(PoisonError::into_inner).0;
        }
        let all_ended = state.threads == 0;
        let handles = std::mem::take(&mut state.handles);
        drop(state);
        for handle in handles.into_iter().filter(|handle| all_ended || handle.is_finished()) {
            let _ = handle.join();
        }
    }
}

/// Counts a thread as alive until it ends, even by a panic.
struct Alive<'a>(&'a Pool);

impl Drop for Alive<'_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.threads -= 1;
        self.0.ended.notify_all();
    }
}

fn run(shared: &Shared, first: Accepted) {
    let _alive = Alive(&shared.pool);
    let mut next = Some(first);
    while let Some(accepted) = next {
        conn::serve(shared, accepted);
        next = shared.pool.next();
    }
}

/// Permits to run a handler: as many as the server has workers.
pub(crate) struct Permits {
    free: Mutex<usize>,
    returned: Condvar,
}

/// A permit, given back on drop.
pub(crate) struct Permit<'a>(&'a Permits);

impl Permits {
    pub fn new(count: usize) -> Permits {
        Permits { free: Mutex::new(count.max(1)), returned: Condvar::new() }
    }

    /// Waits for a free permit.
    pub fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self.returned.wait(free).unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.0.returned.notify_one();
    }
}
