//! Publishing sequence numbers in order, and the registry of live snapshots.
//!
//! Batches get their seqno from the WAL in log order but finish their
//! memtable inserts in any order. A seqno becomes *visible* only when every
//! smaller seqno has finished, so a reader at the visible seqno never sees a
//! batch while missing an older one.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use parking_lot::{Condvar, Mutex};
use srdb_key::SeqNo;

/// Tracks which seqnos have finished and publishes the visible one.
pub(crate) struct VisibleSeqno {
    visible: AtomicU64,
    /// Set after a failed write: waiters stop waiting, since a seqno they
    /// wait for may never finish.
    poisoned: AtomicBool,
    state: Mutex<Pending>,
    advanced: Condvar,
}

struct Pending {
    /// Finished seqnos above `visible`, waiting for a gap to close.
    done: BTreeSet<SeqNo>,
}

impl VisibleSeqno {
    pub(crate) fn new(visible: SeqNo) -> Self {
        VisibleSeqno {
            visible: AtomicU64::new(visible),
            poisoned: AtomicBool::new(false),
            state: Mutex::new(Pending { done: BTreeSet::new() }),
            advanced: Condvar::new(),
        }
    }

    /// The newest seqno whose batch, and every older one, is readable.
    pub(crate) fn get(&self) -> SeqNo {
        self.visible.load(Ordering::Acquire)
    }

    /// Marks `seqno` finished and waits until it is visible, so a writer reads
    /// its own write as soon as `write` returns.
    pub(crate) fn finish_and_wait(&self, seqno: SeqNo) {
        let mut state = self.state.lock();
        if seqno == self.visible.load(Ordering::Acquire) + 1 && state.done.is_empty() {
            // The common case, and the only one with a single writer: no
            // gap to track.
            self.visible.store(seqno, Ordering::Release);
            self.advanced.notify_all();
            return;
        }
        state.done.insert(seqno);
        self.advance(&mut state);
        while self.visible.load(Ordering::Acquire) < seqno && !self.poisoned.load(Ordering::Acquire)
        {
            self.advanced.wait(&mut state);
        }
    }

    /// Marks `first..=last` finished (a group written by one leader) and
    /// waits until `last` is visible.
    pub(crate) fn finish_range_and_wait(&self, first: SeqNo, last: SeqNo) {
        let mut state = self.state.lock();
        if first == self.visible.load(Ordering::Acquire) + 1 && state.done.is_empty() {
            self.visible.store(last, Ordering::Release);
            self.advanced.notify_all();
            return;
        }
        state.done.extend(first..=last);
        self.advance(&mut state);
        while self.visible.load(Ordering::Acquire) < last && !self.poisoned.load(Ordering::Acquire)
        {
            self.advanced.wait(&mut state);
        }
    }

    /// Releases every waiter for good: the engine stopped accepting writes.
    pub(crate) fn poison(&self) {
        let _state = self.state.lock();
        self.poisoned.store(true, Ordering::Release);
        self.advanced.notify_all();
    }

    fn advance(&self, state: &mut Pending) {
        let start = self.visible.load(Ordering::Acquire);
        let mut next = start;
        loop {
            let candidate = next + 1;
            if state.done.remove(&candidate) {
                next = candidate;
            } else {
                break;
            }
        }
        if next != start {
            self.visible.store(next, Ordering::Release);
            self.advanced.notify_all();
        }
    }
}

/// The live snapshots: compaction keeps every version one of them can see.
#[derive(Default)]
pub(crate) struct SnapshotList {
    counts: Mutex<BTreeMap<SeqNo, usize>>,
}

impl SnapshotList {
    /// Registers a snapshot at the seqno `current` returns, read under the
    /// list's lock: a flush or compaction that reads the list either sees the
    /// snapshot or started before it, in which case every version it drops is
    /// shadowed by one the snapshot can see.
    pub(crate) fn register_current(&self, current: impl FnOnce() -> SeqNo) -> SeqNo {
        let mut counts = self.counts.lock();
        let seqno = current();
        *counts.entry(seqno).or_insert(0) += 1;
        seqno
    }

    pub(crate) fn register(&self, seqno: SeqNo) {
        *self.counts.lock().entry(seqno).or_insert(0) += 1;
    }

    pub(crate) fn release(&self, seqno: SeqNo) {
        let mut counts = self.counts.lock();
        if let Some(c) = counts.get_mut(&seqno) {
            *c -= 1;
            if *c == 0 {
                counts.remove(&seqno);
            }
        }
    }

    /// The seqnos of live snapshots, ascending.
    pub(crate) fn seqnos(&self) -> Vec<SeqNo> {
        self.counts.lock().keys().copied().collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.counts.lock().values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn visible_waits_for_the_gap_to_close() {
        let v = Arc::new(VisibleSeqno::new(10));
        let v2 = v.clone();
        let late = std::thread::spawn(move || v2.finish_and_wait(12));
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(v.get(), 10, "12 must not be visible before 11 finishes");
        v.finish_and_wait(11);
        late.join().unwrap();
        assert_eq!(v.get(), 12);
        // After poisoning, a waiter whose predecessor never finishes returns.
        v.poison();
        v.finish_and_wait(14);
        assert_eq!(v.get(), 12);
    }

    #[test]
    fn snapshots_count_duplicates() {
        let s = SnapshotList::default();
        s.register(5);
        s.register(5);
        s.register(3);
        s.release(5);
        assert_eq!(s.seqnos(), vec![3, 5]);
        s.release(5);
        assert_eq!(s.seqnos(), vec![3]);
        assert_eq!(s.len(), 1);
    }
}
