//! The memtable itself: inserts, point lookups and accounting.
//!
//! Thread safety: every method takes `&self` and may be called from any
//! number of threads at once. Inserts are lock-free (see the skiplist
//! module); readers never block writers. Counters (`len`,
//! `approximate_bytes`, `min_seqno`, `max_seqno`) are updated with atomics
//! when an [`Inserter`] is dropped (after each [`Memtable::insert`]), so
//! while inserts are in flight they may lag the map by those inserts; once
//! inserting threads are done (as they are before a memtable is frozen and
//! flushed) they are exact.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use srdb_key::{Kind, SeqNo, MAX_SEQNO};

use crate::iter::MemtableIter;
use crate::key::{trailer, SearchKey};
use crate::point_index::{PointIndex, Probe};
use crate::skiplist::{SkipList, Splice};

/// Bytes an entry takes in the memtable's arena besides its key and value,
/// on average: a 24-byte node header, a tower of next pointers whose height
/// is geometric with p = 1/4 (1.33 pointers, 11 bytes, on average), the
/// 8-byte trailer of the internal key and alignment to 8 bytes (3.5 bytes on
/// average): 24 + 11 + 8 + 3.5, rounded up to 48.
///
/// Use it to estimate; the exact figure of an entry is what
/// [`Memtable::insert`] and [`Inserter::insert`] return, and
/// [`Memtable::approximate_bytes`] sums those.
pub const ENTRY_OVERHEAD_BYTES: usize = 48;

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
/// it to an SST file and drops it, which frees its memory at once.
pub struct Memtable {
    list: SkipList,
    /// Newest version per user key, for point lookups; see
    /// [`Memtable::with_point_index`].
    index: Option<PointIndex>,
    entries: AtomicUsize,
    bytes: AtomicUsize,
    /// `u64::MAX` while empty.
    min_seqno: AtomicU64,
    /// Meaningful only when `entries > 0`.
    max_seqno: AtomicU64,
}

impl Memtable {
    /// An empty memtable. It reserves its skiplist's head (128 bytes) and no
    /// arena chunk until the first insert.
    pub fn new() -> Self {
        Memtable {
            list: SkipList::new(),
            index: None,
            entries: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
            min_seqno: AtomicU64::new(u64::MAX),
            max_seqno: AtomicU64::new(0),
        }
    }

    /// An empty memtable with a hash index of user keys beside its skiplist,
    /// of `slots` slots (rounded up to a power of two, between 1,024 and 4M;
    /// 8 bytes each, allocated here).
    ///
    /// [`get`](Memtable::get) then finds a key with one probe of the index
    /// and one read of its newest version, instead of a search of the
    /// skiplist (about 17 steps, mostly cache misses, at 100,000 entries),
    /// and learns that a key is absent from one probe. Each insert pays one
    /// more random memory access. Up to 3/4 of the slots are used, one per
    /// distinct user key; keys beyond that are looked up in the skiplist as
    /// without an index, so a good size is the number of distinct keys the
    /// memtable is expected to hold, times 4/3.
    pub fn with_point_index(slots: usize) -> Self {
        Memtable { index: Some(PointIndex::new(slots)), ..Memtable::new() }
    }

    /// An empty memtable with the same settings as this one (a point index
    /// of the same size, or none).
    pub fn empty_like(&self) -> Self {
        match &self.index {
            Some(index) => Memtable::with_point_index(index.slots()),
            None => Memtable::new(),
        }
    }

    /// Inserts one version of `user_key` and returns the bytes of arena it
    /// took (see [`Memtable::approximate_bytes`]). Safe to call from many
    /// threads at once.
    ///
    /// By contract each `(user_key, seqno)` pair is inserted at most once (a
    /// batch shares one seqno but never repeats a key). Should the same
    /// pair and kind be inserted again, the first value stays: entries are
    /// never removed or replaced, which the iterator relies on.
    ///
    /// To insert many versions, [`Memtable::inserter`] is cheaper: it keeps
    /// its place between inserts.
    ///
    /// # Panics
    /// If `seqno > srdb_key::MAX_SEQNO` (the engine never issues one), or the
    /// key or value is 4 GiB or longer.
    pub fn insert(&self, user_key: &[u8], seqno: SeqNo, kind: Kind, value: &[u8]) -> usize {
        self.inserter().insert(user_key, seqno, kind, value)
    }

    /// An inserter for many versions: it remembers where its last insert
    /// went, so a version that sorts shortly after the previous one (a run
    /// of ascending keys) costs a few comparisons instead of a search of the
    /// whole memtable. Keys in any order are correct, only slower. The
    /// memtable's counters are updated when the inserter is dropped.
    pub fn inserter(&self) -> Inserter<'_> {
        Inserter {
            table: self,
            splice: Splice::new(),
            entries: 0,
            bytes: 0,
            min_seqno: u64::MAX,
            max_seqno: 0,
        }
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
        let snapshot = snapshot.min(MAX_SEQNO);
        let found = match self.index.as_ref().map(|index| index.get(&self.list, user_key)) {
            Some(Probe::Absent) => return None,
            // The newest version is the answer if the snapshot sees it; an
            // older snapshot searches the list for an older version.
            Some(Probe::Newest(node)) if node.trailer() >> 8 <= snapshot => Some(node),
            _ => None,
        };
        let node = match found {
            Some(node) => node,
            None => {
                let seek = SearchKey::new(user_key, trailer(snapshot, Kind::SEEK));
                let node = self.list.seek_ge(&seek)?;
                if node.user_key() != user_key {
                    return None;
                }
                node
            }
        };
        let trailer = node.trailer();
        let kind = Kind::from_u8((trailer & 0xFF) as u8).expect("entries are built from a Kind");
        Some(read(trailer >> 8, kind, node.value()))
    }

    /// Bytes of arena the entries take: nodes, towers, keys, trailers,
    /// values and alignment, exactly. One atomic load. The arena reserves
    /// at most one chunk (1 MiB) more; see [`Memtable::reserved_bytes`].
    pub fn approximate_bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Bytes the memtable holds from the allocator: its arena chunks,
    /// including the unused tail of the current one, and its point index.
    /// Takes the arena's lock.
    pub fn reserved_bytes(&self) -> usize {
        self.list.reserved_bytes() + self.index.as_ref().map_or(0, PointIndex::bytes)
    }

    /// Number of versions (including tombstones) inserted.
    pub fn len(&self) -> usize {
        self.entries.load(Ordering::Acquire)
    }

    /// Whether no version has been inserted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The smallest user key inserted so far, `None` while empty. Inserts
    /// that run concurrently may add a smaller one at any time: the answer
    /// is exact only for a memtable no longer written to (a frozen one).
    pub fn smallest_user_key(&self) -> Option<&[u8]> {
        self.list.first().map(|node| node.user_key())
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

    pub(crate) fn list(&self) -> &SkipList {
        &self.list
    }
}

/// Inserts versions into one [`Memtable`], keeping its place between
/// inserts; see [`Memtable::inserter`]. Not `Send`: use one per thread.
pub struct Inserter<'a> {
    table: &'a Memtable,
    splice: Splice,
    entries: usize,
    bytes: usize,
    min_seqno: SeqNo,
    max_seqno: SeqNo,
}

impl Inserter<'_> {
    /// Inserts one version, as [`Memtable::insert`] does, and returns the
    /// bytes of arena it took.
    ///
    /// # Panics
    /// As [`Memtable::insert`].
    pub fn insert(&mut self, user_key: &[u8], seqno: SeqNo, kind: Kind, value: &[u8]) -> usize {
        let trailer = trailer(seqno, kind as u8);
        let inserted = self.table.list.insert(&mut self.splice, user_key, trailer, value);
        if let Some(node) = inserted.linked {
            if let Some(index) = &self.table.index {
                index.insert(&self.table.list, node);
            }
            self.entries += 1;
            self.min_seqno = self.min_seqno.min(seqno);
            self.max_seqno = self.max_seqno.max(seqno);
        }
        // A duplicate's piece stays in the arena, so it is counted too.
        self.bytes += inserted.bytes;
        inserted.bytes
    }
}

impl Drop for Inserter<'_> {
    fn drop(&mut self) {
        let table = self.table;
        table.bytes.fetch_add(self.bytes, Ordering::Relaxed);
        if self.entries > 0 {
            table.min_seqno.fetch_min(self.min_seqno, Ordering::Relaxed);
            table.max_seqno.fetch_max(self.max_seqno, Ordering::Relaxed);
            // Release after the seqnos: a reader that sees the count (Acquire)
            // sees the seqnos of the counted entries.
            table.entries.fetch_add(self.entries, Ordering::Release);
        }
    }
}

impl fmt::Debug for Inserter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inserter")
            .field("entries", &self.entries)
            .field("bytes", &self.bytes)
            .finish()
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

    fn put(m: &Memtable, key: &[u8], seqno: SeqNo, value: &[u8]) -> usize {
        m.insert(key, seqno, Kind::Put, value)
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
        assert!(m.reserved_bytes() < 200, "an empty memtable reserves only its head");
        let a = put(&m, b"abc", 9, b"12345");
        let b = m.insert(b"x", 0, Kind::Delete, b"");
        // Header, at least one pointer, key, trailer, value, rounded to 8.
        assert!(a >= 24 + 8 + 3 + 8 + 5 && a.is_multiple_of(8), "{a}");
        assert!(b >= 24 + 8 + 1 + 8 && b.is_multiple_of(8), "{b}");
        assert_eq!(m.len(), 2);
        assert_eq!((m.min_seqno(), m.max_seqno()), (Some(0), Some(9)));
        assert_eq!(m.approximate_bytes(), a + b);
        assert!(m.reserved_bytes() >= a + b);
    }

    #[test]
    fn smallest_user_key_follows_inserts() {
        let m = Memtable::with_point_index(16);
        assert_eq!(m.smallest_user_key(), None);
        put(&m, b"m", 1, b"");
        put(&m, b"z", 2, b"");
        assert_eq!(m.smallest_user_key(), Some(&b"m"[..]));
        m.insert(b"c", 3, Kind::Delete, b"");
        put(&m, b"c", 4, b"newer version");
        assert_eq!(m.smallest_user_key(), Some(&b"c"[..]), "a tombstone's key counts too");
        put(&m, b"", 5, b"");
        assert_eq!(m.smallest_user_key(), Some(&b""[..]));
    }

    #[test]
    fn inserter_updates_counters_when_dropped() {
        let m = Memtable::new();
        let mut ins = m.inserter();
        let mut bytes = 0;
        for i in 0..100u64 {
            bytes += ins.insert(&i.to_be_bytes(), 5 + i, Kind::Put, b"v");
        }
        // A repeated (key, seqno, kind) is not inserted but its piece counts.
        bytes += ins.insert(&0u64.to_be_bytes(), 5, Kind::Put, b"again");
        assert_eq!(m.len(), 0, "counted at drop");
        drop(ins);
        assert_eq!(m.len(), 100);
        assert_eq!(m.approximate_bytes(), bytes);
        assert_eq!((m.min_seqno(), m.max_seqno()), (Some(5), Some(104)));
        assert_eq!(m.get(&0u64.to_be_bytes(), 5).unwrap().value, b"v");
    }

    #[test]
    fn average_overhead_is_near_the_documented_figure() {
        let m = Memtable::new();
        let n = 100_000u64;
        let mut ins = m.inserter();
        for i in 0..n {
            ins.insert(&i.to_be_bytes(), 1, Kind::Put, b"");
        }
        drop(ins);
        let per_entry = m.approximate_bytes() as f64 / n as f64 - 8.0;
        let documented = ENTRY_OVERHEAD_BYTES as f64;
        assert!((documented - 6.0..=documented).contains(&per_entry), "{per_entry}");
    }

    #[test]
    fn memtable_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Memtable>();
    }
}
