//! The memtable itself: inserts, point lookups and accounting.
//!
//! Thread safety: every method takes `&self` and may be called from any
//! number of threads at once. Inserts are lock-free (crossbeam's skiplist);
//! readers never block writers. Counters (`len`, `approximate_bytes`,
//! `min_seqno`, `max_seqno`) are updated with relaxed atomics after the
//! entry is in the map, so while inserts are in flight they may lag the map
//! by those inserts; once inserting threads are joined (as they are before a
//! memtable is frozen and flushed) they are exact.

use std::fmt;
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use crossbeam_skiplist::SkipMap;
use srdb_key::{Kind, SeqNo, MAX_SEQNO};

use crate::iter::MemtableIter;
use crate::record::{trailer, KeyView, Record, SeekView};

/// Bytes counted per entry on top of its key and value, so that a memtable of
/// many tiny entries is not mistaken for a small one.
///
/// A skiplist node holds the reference count and height (8 bytes), the
/// `Record` (a key prefix, a boxed slice and a length: 32 bytes) and a tower of next
/// pointers whose height is geometric with p = 1/2 (2 pointers, 16 bytes, on
/// average): 56 bytes, plus allocator rounding and chunk headers for the node
/// and for the record buffer (about 16 bytes each), and the 8-byte trailer of
/// the internal key: 56 + 32 + 8 = 96.
pub const ENTRY_OVERHEAD_BYTES: usize = 96;

/// One version found by [`Memtable::get`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemEntry {
    /// Sequence number of the version.
    pub seqno: SeqNo,
    /// Value or tombstone.
    pub kind: Kind,
    /// The value; empty for tombstones.
    pub value: Vec<u8>,
}

/// A concurrent sorted map of internal keys to values, ordered by
/// [`srdb_key::compare_internal`].
///
/// `Memtable` is `Send + Sync`; share it as an `Arc<Memtable>`. Versions are
/// never removed: a memtable only grows until the engine freezes it, flushes
/// it to an SST file and drops it.
pub struct Memtable {
    map: SkipMap<Record, ()>,
    entries: AtomicUsize,
    approximate_bytes: AtomicUsize,
    /// `u64::MAX` while empty.
    min_seqno: AtomicU64,
    /// Meaningful only when `entries > 0`.
    max_seqno: AtomicU64,
}

impl Memtable {
    /// An empty memtable.
    pub fn new() -> Self {
        Memtable {
            map: SkipMap::new(),
            entries: AtomicUsize::new(0),
            approximate_bytes: AtomicUsize::new(0),
            min_seqno: AtomicU64::new(u64::MAX),
            max_seqno: AtomicU64::new(0),
        }
    }

    /// Inserts one version of `user_key`. Safe to call from many threads at
    /// once.
    ///
    /// By contract each `(user_key, seqno)` pair is inserted at most once (a
    /// batch shares one seqno but never repeats a key). Should the same
    /// pair and kind be inserted again, the first value stays: entries are
    /// never removed or replaced, which the iterator relies on.
    ///
    /// # Panics
    /// If `seqno > srdb_key::MAX_SEQNO` (the engine never issues one).
    pub fn insert(&self, user_key: &[u8], seqno: SeqNo, kind: Kind, value: &[u8]) {
        let charged = user_key.len() + value.len() + ENTRY_OVERHEAD_BYTES;
        // `get_or_insert` never unlinks a node, unlike `insert`, which
        // replaces an equal key.
        self.map.get_or_insert(Record::new(user_key, seqno, kind, value), ());
        self.min_seqno.fetch_min(seqno, Ordering::Relaxed);
        self.max_seqno.fetch_max(seqno, Ordering::Relaxed);
        self.approximate_bytes.fetch_add(charged, Ordering::Relaxed);
        self.entries.fetch_add(1, Ordering::Release);
    }

    /// The newest version of `user_key` with seqno <= `snapshot`, tombstones
    /// included (as [`Kind::Delete`]). `None` if the memtable holds no such
    /// version. A `snapshot` above `MAX_SEQNO` reads the newest version.
    pub fn get(&self, user_key: &[u8], snapshot: SeqNo) -> Option<MemEntry> {
        self.get_with(user_key, snapshot, |seqno, kind, value| MemEntry {
            seqno,
            kind,
            value: value.to_vec(),
        })
    }

    /// Like [`get`](Memtable::get), but hands the version to `read` in place
    /// instead of copying the value, and returns what `read` returns.
    pub fn get_with<R>(
        &self,
        user_key: &[u8],
        snapshot: SeqNo,
        read: impl FnOnce(SeqNo, Kind, &[u8]) -> R,
    ) -> Option<R> {
        // The seek key sorts before every version of `user_key` visible at
        // `snapshot` and after every newer one, so the first entry at or
        // after it is the answer if it belongs to `user_key`.
        let seek = SeekView::new(user_key, trailer(snapshot.min(MAX_SEQNO), Kind::SEEK));
        let entry = self.map.lower_bound(Bound::Included(&seek as &dyn KeyView))?;
        let record = entry.key();
        if record.user_key() != user_key {
            return None;
        }
        Some(read(record.seqno(), record.kind(), record.value()))
    }

    /// Estimated memory held: keys, values and [`ENTRY_OVERHEAD_BYTES`] per
    /// entry. One atomic load.
    pub fn approximate_bytes(&self) -> usize {
        self.approximate_bytes.load(Ordering::Relaxed)
    }

    /// Number of versions (including tombstones) inserted.
    pub fn len(&self) -> usize {
        self.entries.load(Ordering::Acquire)
    }

    /// Whether no version has been inserted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The smallest seqno inserted, `None` while empty.
    pub fn min_seqno(&self) -> Option<SeqNo> {
        if self.is_empty() {
            return None;
        }
        Some(self.min_seqno.load(Ordering::Relaxed))
    }

    /// The largest seqno inserted, `None` while empty.
    pub fn max_seqno(&self) -> Option<SeqNo> {
        if self.is_empty() {
            return None;
        }
        Some(self.max_seqno.load(Ordering::Relaxed))
    }

    /// A cursor over all versions in internal-key order. It owns a clone of
    /// the `Arc`, so it may outlive the caller's handle and move to another
    /// thread. It sees versions inserted after it was created if it reaches
    /// them; readers filter by snapshot seqno.
    pub fn iter(self: &Arc<Self>) -> MemtableIter {
        MemtableIter::new(Arc::clone(self))
    }

    pub(crate) fn map(&self) -> &SkipMap<Record, ()> {
        &self.map
    }
}

impl Default for Memtable {
    fn default() -> Self {
        Memtable::new()
    }
}

impl fmt::Debug for Memtable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Memtable")
            .field("len", &self.len())
            .field("approximate_bytes", &self.approximate_bytes())
            .field("min_seqno", &self.min_seqno())
            .field("max_seqno", &self.max_seqno())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(m: &Memtable, key: &[u8], seqno: SeqNo, value: &[u8]) {
        m.insert(key, seqno, Kind::Put, value);
    }

    #[test]
    fn get_returns_newest_version_visible_at_snapshot() {
        let m = Memtable::new();
        put(&m, b"k", 3, b"v3");
        m.insert(b"k", 7, Kind::Delete, b"");
        put(&m, b"k", 10, b"v10");
        put(&m, b"j", 20, b"other key");
        put(&m, b"ka", 1, b"longer key");

        assert_eq!(m.get(b"k", 2), None, "nothing is visible before the first version");
        let at = |s| m.get(b"k", s).map(|e| (e.seqno, e.kind, e.value));
        assert_eq!(at(3), Some((3, Kind::Put, b"v3".to_vec())));
        assert_eq!(at(6), Some((3, Kind::Put, b"v3".to_vec())));
        assert_eq!(at(7), Some((7, Kind::Delete, Vec::new())), "tombstone hides v3");
        assert_eq!(at(9), Some((7, Kind::Delete, Vec::new())));
        assert_eq!(at(10), Some((10, Kind::Put, b"v10".to_vec())));
        assert_eq!(at(u64::MAX), Some((10, Kind::Put, b"v10".to_vec())));
        assert_eq!(m.get(b"", u64::MAX), None);
        assert_eq!(m.get(b"k\0", u64::MAX), None, "a longer key is a different key");
        assert_eq!(m.get(b"ka", 0), None);
        assert_eq!(m.get(b"ka", 1).map(|e| e.value), Some(b"longer key".to_vec()));
    }

    #[test]
    fn counters_track_inserts() {
        let m = Memtable::new();
        assert!(m.is_empty());
        assert_eq!((m.min_seqno(), m.max_seqno(), m.approximate_bytes()), (None, None, 0));
        put(&m, b"abc", 9, b"12345");
        m.insert(b"x", 0, Kind::Delete, b"");
        assert_eq!(m.len(), 2);
        assert_eq!((m.min_seqno(), m.max_seqno()), (Some(0), Some(9)));
        assert_eq!(m.approximate_bytes(), 3 + 5 + 1 + 2 * ENTRY_OVERHEAD_BYTES);
    }

    #[test]
    fn memtable_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Memtable>();
    }
}
