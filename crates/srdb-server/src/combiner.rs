//! The write combiner: blind writes (plain SET, MSET) from all connections
//! go to one writer thread, which applies everything queued as one atomic
//! batch and wakes each waiting connection.
//!
//! Why: with a thread per connection, dozens of threads writing at once
//! make the engine's group commit hand the WAL and the visible sequence
//! number back and forth between them, waking every waiter each time. One
//! writer has no such contention; each connection sleeps only on its own
//! slot and is woken once. Under `--sync always` the batches that queue up
//! during one fsync share the next one: group commit at the server.
//!
//! Pipelines and MSETs go through the writer too. Writing them from their
//! own connection threads let memtable inserts run in parallel, but on the
//! reference machine (2 cores, 50 clients, 16 SETs per pipeline) the
//! writer thread was faster by a quarter: one thread inserting into the
//! memtable and appending to the WAL meets no contention, while fifty
//! meet in the engine's group commit and wait for one another there.
//!
//! Ordering: a connection waits for its writes before it runs its next
//! command, so its own commands stay in order; writes of different
//! connections in one batch were concurrent, so any order between them is
//! valid. The batch takes the keys' stripe locks in shared mode
//! (`KvBatch::commit`), so read-modify-write commands stay atomic.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use srdb::Kv;

use crate::cmd::ErrReply;

/// Bytes of keys and values one batch of the writer holds at most: far
/// below the engine's 64 MiB batch limit, large enough that batching costs
/// nothing. A job larger than this alone is applied alone.
const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

/// One key to write: key, value, expiry (ms since the epoch).
pub(crate) type Put = (Vec<u8>, Vec<u8>, Option<u64>);

/// What the writer hands back: the job's result, and its writes so that
/// the connection, not the writer, frees them.
type Outcome = (Result<(), String>, Vec<Put>);

/// Where a connection waits for its job.
#[derive(Default)]
pub(crate) struct Slot {
    state: Mutex<Option<Outcome>>,
    done: Condvar,
}

impl Slot {
    fn complete(&self, outcome: Outcome) {
        *lock(&self.state) = Some(outcome);
        self.done.notify_one();
    }

    fn wait(&self) -> Outcome {
        let mut st = lock(&self.state);
        loop {
            if let Some(outcome) = st.take() {
                return outcome;
            }
            st = self.done.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }
}

struct Job {
    puts: Vec<Put>,
    bytes: usize,
    slot: Arc<Slot>,
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    stopping: bool,
    /// Whether the writer sleeps on `work`: only then does a new job wake
    /// it. (Notifying a condition variable is a system call even when no
    /// one waits, and under load the writer is busy when most jobs come.)
    writer_waiting: bool,
}

struct Inner {
    kv: Kv,
    queue: Mutex<Queue>,
    work: Condvar,
}

/// The writer thread and its queue.
pub(crate) struct Combiner {
    inner: Arc<Inner>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Combiner {
    pub(crate) fn start(kv: Kv) -> std::io::Result<Combiner> {
        let inner = Arc::new(Inner { kv, queue: Mutex::default(), work: Condvar::new() });
        let worker = inner.clone();
        let thread = std::thread::Builder::new()
            .name("srdb-writer".into())
            .spawn(move || writer_loop(&worker))?;
        Ok(Combiner { inner, thread: Mutex::new(Some(thread)) })
    }

    /// Applies `puts` and waits until they are written as the store's sync
    /// policy requires. `puts` comes back empty, with its capacity.
    pub(crate) fn apply(&self, puts: &mut Vec<Put>, slot: &Arc<Slot>) -> Result<(), ErrReply> {
        if puts.is_empty() {
            return Ok(());
        }
        let bytes = puts.iter().map(|(k, v, _)| k.len() + v.len()).sum();
        let wake = {
            let mut q = lock(&self.inner.queue);
            if q.stopping {
                return Err(ErrReply::msg("ERR the server is shutting down"));
            }
            q.jobs.push(Job { puts: std::mem::take(puts), bytes, slot: slot.clone() });
            q.writer_waiting
        };
        if wake {
            self.inner.work.notify_one();
        }
        let (result, mut done) = slot.wait();
        // Freed here, on the connection's thread: the writer is the
        // bottleneck of a pipelined load, the connections are many.
        done.clear();
        *puts = done;
        result.map_err(|e| ErrReply(e.into()))
    }

    /// Finishes the queued jobs and stops the writer.
    pub(crate) fn stop(&self) {
        lock(&self.inner.queue).stopping = true;
        self.inner.work.notify_one();
        if let Some(t) = lock(&self.thread).take() {
            let _ = t.join();
        }
    }
}

fn writer_loop(inner: &Inner) {
    let mut jobs = Vec::new();
    loop {
        {
            let mut q = lock(&inner.queue);
            while q.jobs.is_empty() && !q.stopping {
                q.writer_waiting = true;
                q = inner.work.wait(q).unwrap_or_else(|p| p.into_inner());
                q.writer_waiting = false;
            }
            if q.jobs.is_empty() {
                return;
            }
            // Take jobs up to the byte bound (at least one).
            let mut bytes = 0;
            let take = q
                .jobs
                .iter()
                .take_while(|j| {
                    bytes += j.bytes;
                    bytes <= MAX_BATCH_BYTES || bytes == j.bytes
                })
                .count()
                .max(1);
            jobs.extend(q.jobs.drain(..take));
        }
        let mut batch = inner.kv.batch();
        for job in &jobs {
            for (key, value, expire_at_ms) in &job.puts {
                batch.put_with_expiry(key, value, *expire_at_ms);
            }
        }
        let result = batch.commit().map(|_| ()).map_err(|e| ErrReply::from(e).0.into_owned());
        for job in jobs.drain(..) {
            job.slot.complete((result.clone(), job.puts));
        }
    }
}
