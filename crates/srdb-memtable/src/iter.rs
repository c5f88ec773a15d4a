//! A cursor over a memtable that owns an `Arc` of it.
//!
//! crossbeam's `Entry<'a, ..>` borrows the skiplist for `'a`, but the engine
//! needs an iterator that owns its memtable (it is stored in merging
//! iterators and moved across threads). Two designs were measured (bench
//! `scan_100k_entries` in `benches/memtable.rs`): re-seeking by key on every
//! step costs one O(log n) search per `next`, 2.5x slower on a 100k-entry
//! scan and worse as the table grows; holding the entry with its lifetime
//! erased costs nothing beyond following the skiplist link. This
//! module does the latter, and is the only place in the crate that uses
//! `unsafe`.

use std::ops::Bound;
use std::sync::Arc;

use crossbeam_skiplist::map::Entry;
use crossbeam_skiplist::SkipMap;
use srdb_key::{BoxError, InternalIterator};

use crate::memtable::Memtable;
use crate::record::{KeyView, Record, SeekView};

type MapEntry = Entry<'static, Record, ()>;

/// A cursor over a [`Memtable`] in internal-key order, implementing
/// [`InternalIterator`]. It holds an `Arc` of the memtable, so it is `Send`
/// and `'static`. Its positioning methods never fail.
///
/// Seek targets must be encoded internal keys or seek keys (at least
/// `srdb_key::TRAILER_BYTES` long); a shorter target is a caller bug and
/// panics.
pub struct MemtableIter {
    // Field order matters: `current` is dropped before `table`, because
    // dropping an entry decrements a reference count inside the skiplist.
    current: Option<MapEntry>,
    table: Arc<Memtable>,
}

impl MemtableIter {
    pub(crate) fn new(table: Arc<Memtable>) -> Self {
        MemtableIter { current: None, table }
    }

    /// Positions the cursor on the entry `find` picks from the memtable's
    /// skiplist. Taking a function of the map (rather than an entry) ensures
    /// that the stored entry borrows the skiplist kept alive by `self.table`.
    fn reposition(
        &mut self,
        find: impl for<'m> FnOnce(&'m SkipMap<Record, ()>) -> Option<Entry<'m, Record, ()>>,
    ) {
        let found = find(self.table.map());
        // SAFETY: Extending the entry's lifetime to 'static is sound because
        // of what the entry borrows and how long that lives. An `Entry`
        // borrows the `SkipList` inside the `Memtable` and the node it points
        // at. The `Memtable` lives in the heap allocation of `self.table`, an
        // `Arc` that is never replaced, so its address is stable, and it
        // outlives `self.current`: fields drop in declaration order, and the
        // entry is never moved out of `current`. Nodes are freed only when
        // removed from the map or when the map is dropped; a memtable never
        // removes entries, and an entry holds a reference count on its node
        // in any case. The 'static lifetime never escapes: `key` and `value`
        // return slices tied to `&self`, and the entries `next` and `prev`
        // derive are stored back into `current`.
        self.current = found
            .map(|entry| unsafe { std::mem::transmute::<Entry<'_, Record, ()>, MapEntry>(entry) });
    }

    fn record(&self) -> &Record {
        self.current.as_ref().expect("MemtableIter::key or value called while not valid").key()
    }
}

impl InternalIterator for MemtableIter {
    fn valid(&self) -> bool {
        self.current.is_some()
    }

    fn key(&self) -> &[u8] {
        self.record().internal_key()
    }

    fn value(&self) -> &[u8] {
        self.record().value()
    }

    fn seek_to_first(&mut self) -> Result<(), BoxError> {
        self.reposition(|map| map.front());
        Ok(())
    }

    fn seek_to_last(&mut self) -> Result<(), BoxError> {
        self.reposition(|map| map.back());
        Ok(())
    }

    fn seek(&mut self, target: &[u8]) -> Result<(), BoxError> {
        let view = SeekView::from_encoded(target);
        self.reposition(|map| map.lower_bound(Bound::Included(&view as &dyn KeyView)));
        Ok(())
    }

    fn seek_for_prev(&mut self, target: &[u8]) -> Result<(), BoxError> {
        let view = SeekView::from_encoded(target);
        self.reposition(|map| map.upper_bound(Bound::Included(&view as &dyn KeyView)));
        Ok(())
    }

    fn next(&mut self) -> Result<(), BoxError> {
        let current = self.current.as_ref().expect("MemtableIter::next called while not valid");
        self.current = current.next();
        Ok(())
    }

    fn prev(&mut self) -> Result<(), BoxError> {
        let current = self.current.as_ref().expect("MemtableIter::prev called while not valid");
        self.current = current.prev();
        Ok(())
    }
}

impl std::fmt::Debug for MemtableIter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let position = self.current.as_ref().map(|e| srdb_key::parse(e.key().internal_key()));
        f.debug_struct("MemtableIter").field("position", &position).finish()
    }
}
