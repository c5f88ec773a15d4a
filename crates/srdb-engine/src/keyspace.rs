//! Keyspace handles, snapshots and the point-read path.

use std::ops::{Bound, RangeBounds};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use srdb_key::{Kind, SeqNo};
use srdb_manifest::KeyspaceId;
use srdb_memtable::Memtable;
use srdb_sst::BlockAt;

use crate::batch::WriteBatch;
use crate::engine::Inner;
use crate::error::{Error, Result};
use crate::iter::Iter;
use crate::memgen::{SuperVersion, TableLevels};
use crate::options::KeyspaceOptions;
use crate::tables::Table;

/// A handle to one keyspace: a sorted map of byte keys to byte values.
/// Cheap to clone; usable from many threads.
#[derive(Clone)]
pub struct Keyspace {
    pub(crate) inner: Arc<Inner>,
    id: KeyspaceId,
    name: Arc<str>,
    opts: KeyspaceOptions,
}

impl std::fmt::Debug for Keyspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyspace").field("id", &self.id).field("name", &self.name).finish()
    }
}

impl Keyspace {
    pub(crate) fn new(
        inner: Arc<Inner>,
        id: KeyspaceId,
        name: &str,
        opts: KeyspaceOptions,
    ) -> Self {
        Keyspace { inner, id, name: name.into(), opts }
    }

    /// The keyspace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn name_arc(&self) -> Arc<str> {
        self.name.clone()
    }

    /// The keyspace's id inside its database.
    pub fn id(&self) -> KeyspaceId {
        self.id
    }

    /// The options the keyspace was created with.
    pub fn options(&self) -> &KeyspaceOptions {
        &self.opts
    }

    /// Sets `key` to `value`.
    pub fn put(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<SeqNo> {
        self.write_one(key.as_ref(), Kind::Put, value.as_ref())
    }

    /// Deletes `key` (a no-op if it is absent).
    pub fn delete(&self, key: impl AsRef<[u8]>) -> Result<SeqNo> {
        self.write_one(key.as_ref(), Kind::Delete, &[])
    }

    fn write_one(&self, key: &[u8], kind: Kind, value: &[u8]) -> Result<SeqNo> {
        let payload = WriteBatch::encode_single(self.id, key, kind, value)?;
        let entry = crate::batch::DecodedEntry { keyspace: self.id, kind, key, value };
        self.inner.commit(&payload, std::slice::from_ref(&entry))
    }

    /// The value of `key`, if any.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        self.inner.check_open()?;
        get_at(&self.inner, self.id, &self.name, key.as_ref(), self.inner.visible.get())
    }

    /// [`Snapshot::get_many`] at the newest visible data, without the cost
    /// of registering a snapshot: reads many keys, handing each key and its
    /// value (`None` if absent) to `visit` in the order given. All the keys
    /// are read at one sequence number.
    pub fn get_many<K, E>(
        &self,
        keys: impl IntoIterator<Item = K>,
        visit: impl FnMut(&K, Option<&[u8]>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E>
    where
        K: AsRef<[u8]>,
        E: From<Error>,
    {
        self.inner.check_open()?;
        get_many_at(&self.inner, self, self.inner.visible.get(), keys, visit)
    }

    /// Whether `key` has a value.
    pub fn contains(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        Ok(self.get(key)?.is_some())
    }

    /// Iterates over every entry in key order (use `.rev()` for descending).
    pub fn iter(&self) -> Iter {
        self.range::<&[u8], _>(..)
    }

    /// Iterates over the entries whose keys fall in `range`.
    pub fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Iter {
        Iter::new(
            self,
            owned_bound(range.start_bound()),
            owned_bound(range.end_bound()),
            self.inner.visible.get(),
            None,
        )
    }

    /// Iterates over the entries whose keys start with `prefix`.
    pub fn prefix(&self, prefix: impl AsRef<[u8]>) -> Iter {
        let (lo, hi) = prefix_bounds(prefix.as_ref());
        Iter::new(self, lo, hi, self.inner.visible.get(), None)
    }
}

/// A point-in-time view of the database. Reads through it never see writes
/// made after it was taken, across flushes and compactions too: compaction
/// keeps every version a live snapshot can see.
pub struct Snapshot {
    inner: Arc<Inner>,
    seqno: SeqNo,
}

impl Snapshot {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        // Registered before reading the seqno would race with a compaction
        // that reads the list in between; registering the visible seqno
        // under the snapshot lock keeps the two in step.
        let seqno = inner.snapshots.register_current(|| inner.visible.get());
        Snapshot { inner, seqno }
    }

    /// The sequence number the snapshot reads at.
    pub fn seqno(&self) -> SeqNo {
        self.seqno
    }

    /// The value of `key` in `keyspace` as of the snapshot.
    pub fn get(&self, keyspace: &Keyspace, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        self.inner.check_open()?;
        get_at(&self.inner, keyspace.id, &keyspace.name, key.as_ref(), self.seqno)
    }

    /// Reads many keys of `keyspace` as of the snapshot, handing each key and
    /// its value (`None` if absent) to `visit`, in the order given; the first
    /// error, from the engine or from `visit`, ends the reading.
    ///
    /// For callers that fetch many keys of one keyspace, such as a query
    /// reading the rows its index entries point at: the current memtables and
    /// files are looked up once for all the keys, empty memtables are skipped
    /// once, and values are lent in place (from a memtable, a mapped file or
    /// a cached block) instead of copied, except a value found in an L0 file
    /// whose range overlaps another's, which is copied into a buffer reused
    /// across keys. The keys are gathered first and the blocks they will be
    /// read from are asked of memory all at once, so that their cache misses
    /// overlap; the keys should therefore come in chunks of tens, not
    /// millions. Ascending keys read neighbouring blocks, which the CPU
    /// caches then often hold already.
    ///
    /// Meant for keys that exist: the last file whose range holds a key (in
    /// a table's rows keyspace, the only one) is searched without its bloom
    /// filter, which for a present key only adds a cache miss. An absent key
    /// is still answered `None`, at the cost of a search of one file's index
    /// and block.
    pub fn get_many<K, E>(
        &self,
        keyspace: &Keyspace,
        keys: impl IntoIterator<Item = K>,
        visit: impl FnMut(&K, Option<&[u8]>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E>
    where
        K: AsRef<[u8]>,
        E: From<Error>,
    {
        self.inner.check_open()?;
        get_many_at(&self.inner, keyspace, self.seqno, keys, visit)
    }

    /// Iterates over `keyspace` as of the snapshot.
    pub fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, keyspace: &Keyspace, range: R) -> Iter {
        Iter::new(
            keyspace,
            owned_bound(range.start_bound()),
            owned_bound(range.end_bound()),
            self.seqno,
            Some(self.seqno),
        )
    }

    /// Iterates over the entries of `keyspace` whose keys start with
    /// `prefix`, as of the snapshot.
    pub fn prefix(&self, keyspace: &Keyspace, prefix: impl AsRef<[u8]>) -> Iter {
        let (lo, hi) = prefix_bounds(prefix.as_ref());
        Iter::new(keyspace, lo, hi, self.seqno, Some(self.seqno))
    }
}

impl Clone for Snapshot {
    fn clone(&self) -> Self {
        self.inner.snapshots.register(self.seqno);
        Snapshot { inner: self.inner.clone(), seqno: self.seqno }
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        self.inner.snapshots.release(self.seqno);
    }
}

fn owned_bound<K: AsRef<[u8]>>(b: Bound<&K>) -> Bound<Vec<u8>> {
    match b {
        Bound::Included(k) => Bound::Included(k.as_ref().to_vec()),
        Bound::Excluded(k) => Bound::Excluded(k.as_ref().to_vec()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// `[prefix, successor(prefix))`: the successor increments the last byte that
/// is not 0xFF after dropping the 0xFF bytes after it; a prefix of only 0xFF
/// bytes has no upper bound.
fn prefix_bounds(prefix: &[u8]) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last != 0xFF {
            end.push(last + 1);
            return (Bound::Included(prefix.to_vec()), Bound::Excluded(end));
        }
    }
    (Bound::Included(prefix.to_vec()), Bound::Unbounded)
}

/// The newest version of `key` visible at `snapshot`: memtables newest first,
/// then L0, then one file per deeper level. Every version in a level is newer
/// than any version of the same key in a deeper level, so the first hit wins;
/// within L0 files are checked all and the newest version taken, which stays
/// right even for files placed there by repair with overlapping seqnos.
pub(crate) fn get_at(
    inner: &Inner,
    id: KeyspaceId,
    name: &str,
    key: &[u8],
    snapshot: SeqNo,
) -> Result<Option<Vec<u8>>> {
    let sv = inner.sv.load();
    inner.counters.gets.fetch_add(1, Ordering::Relaxed);
    let mut to_vec = |value: Option<&[u8]>| value.map(<[u8]>::to_vec);
    if let Some(value) = get_in_memtables(sv.nonempty_memtables(id), key, snapshot, &mut to_vec) {
        return Ok(value);
    }
    let levels = levels_of(inner, &sv, id, name)?;
    let mut files = FileReads::new(inner, id);
    let found = get_in_levels(levels, key, snapshot, Expect::Any, &mut files, &mut to_vec);
    inner.counters.sst_probes.fetch_add(files.probes, Ordering::Relaxed);
    found
}

/// What the point reads of one call carry from file to file.
struct FileReads<'a> {
    inner: &'a Inner,
    keyspace: KeyspaceId,
    /// Files searched, for the counters.
    probes: u64,
    /// The value of an L0 hit, kept while the other L0 files are checked.
    l0_value: Vec<u8>,
}

impl<'a> FileReads<'a> {
    fn new(inner: &'a Inner, keyspace: KeyspaceId) -> Self {
        FileReads { inner, keyspace, probes: 0, l0_value: Vec::new() }
    }

    /// A read searched `first` without its answer and went on to other
    /// files: see [`Inner::charge_seek`].
    fn searched_past(&self, first: &Table) {
        self.inner.charge_seek(self.keyspace, first);
    }
}

/// [`Snapshot::get_many`]: one super-version, one look-up of the keyspace's
/// memtables and files, and one update of the counters for all the keys.
fn get_many_at<K: AsRef<[u8]>, E: From<Error>>(
    inner: &Inner,
    keyspace: &Keyspace,
    snapshot: SeqNo,
    keys: impl IntoIterator<Item = K>,
    mut visit: impl FnMut(&K, Option<&[u8]>) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let sv = inner.sv.load();
    // Usually every memtable is empty (the data was flushed), and testing
    // for that is much cheaper than collecting none into a vector.
    let mems: Vec<&Arc<Memtable>> = match sv.nonempty_memtables(keyspace.id).next() {
        Some(_) => sv.nonempty_memtables(keyspace.id).collect(),
        None => Vec::new(),
    };
    // Resolved at the first key the memtables do not answer, as `get_at`
    // does, so that an unavailable keyspace fails the same keys either way.
    let mut levels = None;
    let mut gets = 0u64;
    let mut files = FileReads::new(inner, keyspace.id);
    // `located`: the block of the only file that can hold the key, found
    // and prefetched by the first of two passes (see below).
    let mut read_one = |key: K, located: Option<(&Arc<Table>, BlockAt)>| {
        gets += 1;
        let mut read = |value: Option<&[u8]>| visit(&key, value);
        let user_key = key.as_ref();
        if let Some(visited) = get_in_memtables(mems.iter().copied(), user_key, snapshot, &mut read)
        {
            return visited;
        }
        if let Some((t, at)) = located {
            files.probes += 1;
            let hit = t
                .sst
                .get_in_block(at, user_key, snapshot, |_, kind, value| read(visible(kind, value)))
                .map_err(Error::from)?;
            return hit.unwrap_or_else(|| read(None));
        }
        let levels = match levels {
            Some(levels) => levels,
            None => *levels.insert(levels_of(inner, &sv, keyspace.id, &keyspace.name)?),
        };
        get_in_levels(levels, user_key, snapshot, Expect::Present, &mut files, &mut read)?
    };
    let mut keys = keys.into_iter();
    let each_key = || -> std::result::Result<(), E> {
        let Some(first) = keys.next() else { return Ok(()) };
        let Some(second) = keys.next() else { return read_one(first, None) };
        // Two passes over two keys or more. The first finds the block each
        // key will be read from and starts loading it (`Sst::prefetch_block`);
        // the second reads the keys, so that their cache misses overlap
        // instead of following one another: rows an index points at lie in
        // blocks far apart, and a read waits on memory several times in its
        // block. Only a key that a single file's range holds is located
        // (then that file's answer is the answer, as `get_in_levels` would
        // find), and only one below the smallest key of every memtable: a
        // table's memtables hold its newest rows, and a key they may answer
        // is looked up there first.
        let keys: Vec<K> = [first, second].into_iter().chain(keys).collect();
        let mut located = Vec::with_capacity(keys.len());
        if let Some(levels) = sv.levels.get(&keyspace.id) {
            let memtables_from = mems.iter().filter_map(|m| m.smallest_user_key()).min();
            for key in &keys {
                let key = key.as_ref();
                let below = memtables_from.is_none_or(|from| compare_user_keys(key, from).is_lt());
                let only = below.then(|| only_covering_file(levels, key)).flatten();
                // An index that fails here is reported by the second pass,
                // at its key, after the keys before it are read.
                let at = only.and_then(|t| Some((t, t.sst.locate(key, snapshot).ok()??)));
                if let Some((t, at)) = at {
                    t.sst.prefetch_block(at);
                }
                located.push(at);
            }
        }
        located.resize(keys.len(), None);
        keys.into_iter().zip(located).try_for_each(|(key, at)| read_one(key, at))
    };
    let result = each_key();
    inner.counters.gets.fetch_add(gets, Ordering::Relaxed);
    inner.counters.sst_probes.fetch_add(files.probes, Ordering::Relaxed);
    result
}

/// What a point read expects of its key, which decides whether the bloom
/// filter of the last file it can search is worth consulting.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Any key: a filter spares a search for each file that lacks it.
    Any,
    /// A key that should exist (see [`Snapshot::get_many`]): the last file
    /// whose range holds the key, in search order, is searched without its
    /// filter, which would answer yes at the price of a cache miss; files
    /// before it, which may well not hold the key, still consult theirs.
    /// In a table's rows keyspace, whose files' ranges do not overlap, that
    /// file is the only one.
    Present,
}

/// A version as a reader sees it: a value, or `None` for a tombstone.
fn visible(kind: Kind, value: &[u8]) -> Option<&[u8]> {
    match kind {
        Kind::Put => Some(value),
        Kind::Delete => None,
    }
}

/// Hands the newest version of `key` at `snapshot` in `mems` (newest first)
/// to `read`, in place; `None` (and `read` not called) if none has one.
fn get_in_memtables<'m, R>(
    mems: impl IntoIterator<Item = &'m Arc<Memtable>>,
    key: &[u8],
    snapshot: SeqNo,
    read: &mut impl FnMut(Option<&[u8]>) -> R,
) -> Option<R> {
    mems.into_iter()
        .find_map(|mem| mem.get_with(key, snapshot, |_, kind, value| read(visible(kind, value))))
}

/// Hands the newest version of `key` at `snapshot` in `levels` to `read`
/// (`None` if there is none), counting the files probed in `probes`; `expect`
/// says whether the last file that can hold the key consults its filter. A
/// hit is read in
/// place, except one in an L0 file whose range overlaps another's: it is
/// copied into `l0_value` because a newer one may follow in the other.
fn get_in_levels<R>(
    levels: &TableLevels,
    key: &[u8],
    snapshot: SeqNo,
    expect: Expect,
    files: &mut FileReads<'_>,
    read: &mut impl FnMut(Option<&[u8]>) -> R,
) -> Result<R> {
    let l0 = levels.first().map_or(&[][..], Vec::as_slice);
    let mut covering = l0.iter().filter(|t| covers(&t.meta, key));
    // The L0 file searched first when the answer then had to be looked for
    // elsewhere: charged a seek (see `Inner::charge_seek`).
    let mut searched_past: Option<&Table> = None;
    match (covering.next(), covering.next()) {
        (None, _) => {}
        (Some(only), None) => {
            searched_past = Some(only.as_ref());
            // One L0 file holds the key's range (the usual case: flushes of
            // keys written in order do not overlap): its version, if any, is
            // the newest there is, and is lent in place.
            files.probes += 1;
            let read_in_place = |_, kind, value: &[u8]| read(visible(kind, value));
            let hit = if expect == Expect::Present && !deeper_covers(levels, 1, key) {
                only.sst.get_present_with(key, snapshot, read_in_place)?
            } else {
                only.sst.get_with(key, snapshot, read_in_place)?
            };
            if let Some(visited) = hit {
                return Ok(visited);
            }
        }
        (Some(first), Some(second)) => {
            // Several: each is searched and the newest version kept, copied
            // because the file it lies in may not be the last searched.
            files.searched_past(first);
            let mut l0_found: Option<(SeqNo, Kind)> = None;
            for t in [first, second].into_iter().chain(covering) {
                files.probes += 1;
                t.sst.get_with(key, snapshot, |seqno, kind, value| {
                    if l0_found.is_none_or(|(newest, _)| seqno > newest) {
                        l0_found = Some((seqno, kind));
                        files.l0_value.clear();
                        files.l0_value.extend_from_slice(value);
                    }
                })?;
            }
            if let Some((_, kind)) = l0_found {
                return Ok(read(visible(kind, &files.l0_value)));
            }
        }
    }
    for (depth, level) in levels.iter().enumerate().skip(1) {
        let Some(t) = covering_file(level, key) else { continue };
        if let Some(first) = searched_past.take() {
            files.searched_past(first);
        }
        files.probes += 1;
        let read_in_place = |_, kind, value: &[u8]| read(visible(kind, value));
        let hit = if expect == Expect::Present && !deeper_covers(levels, depth + 1, key) {
            t.sst.get_present_with(key, snapshot, read_in_place)?
        } else {
            t.sst.get_with(key, snapshot, read_in_place)?
        };
        if let Some(visited) = hit {
            return Ok(visited);
        }
    }
    Ok(read(None))
}

/// The file of `levels` whose range holds `key`, when it is the only one.
fn only_covering_file<'l>(levels: &'l TableLevels, key: &[u8]) -> Option<&'l Arc<Table>> {
    let l0 = levels.first().map_or(&[][..], Vec::as_slice);
    let mut covering = l0
        .iter()
        .filter(|t| covers(&t.meta, key))
        .chain(levels.iter().skip(1).filter_map(|level| covering_file(level, key)));
    match (covering.next(), covering.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// The file of a level below L0 (whose files do not overlap) whose range
/// holds `key`, if any.
fn covering_file<'l>(level: &'l [Arc<Table>], key: &[u8]) -> Option<&'l Arc<Table>> {
    let i =
        level.partition_point(|t| compare_user_keys(bound_user_key(&t.meta.largest), key).is_lt());
    level.get(i).filter(|t| covers(&t.meta, key))
}

/// Whether a file of a level from `from` on holds `key` in its range.
fn deeper_covers(levels: &TableLevels, from: usize, key: &[u8]) -> bool {
    levels.iter().skip(from).any(|level| covering_file(level, key).is_some())
}

fn covers(meta: &srdb_manifest::FileMeta, key: &[u8]) -> bool {
    compare_user_keys(bound_user_key(&meta.smallest), key).is_le()
        && compare_user_keys(key, bound_user_key(&meta.largest)).is_le()
}

/// The user key of a file's bound. `InternalKey::user_key` also decodes the
/// trailer, through a copy of variable length, which a point read pays for
/// on every level it passes.
fn bound_user_key(key: &srdb_key::InternalKey) -> &[u8] {
    let bytes = key.as_bytes();
    &bytes[..bytes.len().saturating_sub(srdb_key::TRAILER_BYTES)]
}

/// Bytewise order of two user keys, with eight-byte keys (a table's row
/// keys, `_seq` big-endian) compared as integers instead of by `memcmp`, as
/// the SST reader's comparator does.
#[inline]
fn compare_user_keys(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    if let (Ok(a8), Ok(b8)) = (<&[u8; 8]>::try_from(a), <&[u8; 8]>::try_from(b)) {
        return u64::from_be_bytes(*a8).cmp(&u64::from_be_bytes(*b8));
    }
    a.cmp(b)
}

pub(crate) fn levels_of<'a>(
    inner: &Inner,
    sv: &'a SuperVersion,
    id: KeyspaceId,
    name: &str,
) -> Result<&'a TableLevels> {
    if let Some(levels) = sv.levels.get(&id) {
        return Ok(levels);
    }
    if let Some(reason) = inner.unavailable.lock().get(&id) {
        return Err(Error::KeyspaceUnavailable { name: name.into(), reason: reason.clone() });
    }
    Err(Error::KeyspaceDropped { name: name.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_bounds_cover_exactly_the_prefix() {
        assert_eq!(
            prefix_bounds(b"ab"),
            (Bound::Included(b"ab".to_vec()), Bound::Excluded(b"ac".to_vec()))
        );
        assert_eq!(
            prefix_bounds(b"a\xff"),
            (Bound::Included(b"a\xff".to_vec()), Bound::Excluded(b"b".to_vec()))
        );
        assert_eq!(
            prefix_bounds(b"\xff\xff"),
            (Bound::Included(b"\xff\xff".to_vec()), Bound::Unbounded)
        );
        assert_eq!(prefix_bounds(b""), (Bound::Included(vec![]), Bound::Unbounded));
    }
}
