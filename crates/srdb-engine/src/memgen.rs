//! Memtable generations and the `SuperVersion` readers work from.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use srdb_key::SeqNo;
use srdb_manifest::{KeyspaceId, Version};
use srdb_memtable::{Inserter, Memtable};

use crate::batch::DecodedEntry;
use crate::options::KeyspaceOptions;

use crate::tables::Table;

/// The memtables of all keyspaces that receive the writes of one WAL segment.
/// They are frozen and flushed together, so the segment can be deleted once
/// the generation is in SST files.
pub(crate) struct MemGen {
    /// The WAL segment holding this generation's writes (and, for the
    /// generation built at recovery, the writes replayed from older segments).
    pub(crate) segment: u64,
    pub(crate) mems: KeyspaceMap<Arc<Memtable>>,
    /// Approximate bytes written into this generation, shared by the copies
    /// made when a keyspace is added.
    pub(crate) bytes: Arc<AtomicUsize>,
}

impl MemGen {
    pub(crate) fn new(
        segment: u64,
        memtables: impl IntoIterator<Item = (KeyspaceId, Memtable)>,
    ) -> Self {
        MemGen {
            segment,
            mems: memtables.into_iter().map(|(id, m)| (id, Arc::new(m))).collect(),
            bytes: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The generation that follows this one, writing to WAL `segment`: an
    /// empty memtable per keyspace, made like this generation's.
    pub(crate) fn next(&self, segment: u64) -> Self {
        MemGen::new(segment, self.mems.iter().map(|(&id, m)| (id, m.empty_like())))
    }

    /// A copy of this generation with `memtable` added as keyspace `id`'s
    /// (unless it has one), or with `id` removed if `None`; the memtables
    /// and the byte counter are shared.
    pub(crate) fn with_keyspace(&self, id: KeyspaceId, memtable: Option<Memtable>) -> Self {
        let mut mems = self.mems.clone();
        match memtable {
            Some(memtable) => {
                mems.entry(id).or_insert_with(|| Arc::new(memtable));
            }
            None => {
                mems.remove(&id);
            }
        }
        MemGen { segment: self.segment, mems, bytes: self.bytes.clone() }
    }

    /// Inserts a batch's entries at `seqno` (see [`insert_batch`]); entries
    /// of a keyspace this generation does not have (dropped after the
    /// write, at WAL replay) are skipped. Returns the arena bytes they
    /// took; the caller adds them to `bytes`.
    pub(crate) fn insert_batch(&self, seqno: SeqNo, entries: &[DecodedEntry<'_>]) -> usize {
        insert_batch(|id| self.mems.get(&id).map(|m| &**m), seqno, entries)
    }

    pub(crate) fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.mems.values().all(|m| m.is_empty())
    }
}

/// An empty memtable for a keyspace with `options`, in a database whose
/// memtables take `memtable_bytes` (see
/// [`KeyspaceOptions::memtable_point_index`]).
pub(crate) fn new_memtable(memtable_bytes: usize, options: &KeyspaceOptions) -> Memtable {
    if options.memtable_point_index {
        Memtable::with_point_index(memtable_bytes / POINT_INDEX_BYTES_PER_SLOT)
    } else {
        Memtable::new()
    }
}

/// Memtable bytes per slot of a point index: an entry takes 48 bytes of
/// overhead besides its key and value, so a memtable of 100-byte values
/// holds about one key per 170 bytes, which fills 3/4 of the slots.
const POINT_INDEX_BYTES_PER_SLOT: usize = 128;

/// Inserts the entries of a batch that take effect (see
/// [`crate::batch::for_each_effective`]) at `seqno` into the memtables
/// `memtable` finds by keyspace, skipping keyspaces it has none for, and
/// returns the arena bytes they took.
///
/// Entries come in runs of one keyspace, each usually ascending (a table's
/// rows, then each index's sorted entries): one inserter per run looks the
/// memtable up once and keeps its place in it, so an ascending run costs a
/// few comparisons per entry instead of a search from the top. The write
/// path, WAL replay at open and repair all insert this way.
pub(crate) fn insert_batch<'m>(
    memtable: impl Fn(KeyspaceId) -> Option<&'m Memtable>,
    seqno: SeqNo,
    entries: &[DecodedEntry<'_>],
) -> usize {
    let mut bytes = 0;
    let mut run: Option<(KeyspaceId, Option<Inserter<'m>>)> = None;
    crate::batch::for_each_effective(entries, |e| {
        let inserter = match &mut run {
            Some((id, inserter)) if *id == e.keyspace => inserter,
            _ => &mut run.insert((e.keyspace, memtable(e.keyspace).map(Memtable::inserter))).1,
        };
        if let Some(inserter) = inserter {
            bytes += inserter.insert(e.key, seqno, e.kind, e.value);
        }
    });
    bytes
}

/// The SST files of one keyspace as readers see them: the MANIFEST's levels
/// with each file opened.
pub(crate) type TableLevels = Vec<Vec<Arc<Table>>>;

/// Everything a read needs, swapped atomically as a whole: the active
/// memtables, the frozen ones waiting for flush, and the current files.
pub(crate) struct SuperVersion {
    pub(crate) mem: Arc<MemGen>,
    /// Frozen generations, newest first.
    pub(crate) frozen: Vec<Arc<MemGen>>,
    pub(crate) version: Arc<Version>,
    /// Opened files per available keyspace. A keyspace that is in the
    /// MANIFEST but missing here could not be opened (see `unavailable`).
    pub(crate) levels: KeyspaceMap<TableLevels>,
}

impl SuperVersion {
    /// Memtables of `id`, newest first.
    pub(crate) fn memtables(&self, id: KeyspaceId) -> impl Iterator<Item = &Arc<Memtable>> {
        std::iter::once(&self.mem).chain(self.frozen.iter()).filter_map(move |g| g.mems.get(&id))
    }

    /// Memtables of `id` that hold at least one version, newest first:
    /// what a point read must search. Right after a flush every one is
    /// empty, and skipping them spares a skiplist search each.
    pub(crate) fn nonempty_memtables(
        &self,
        id: KeyspaceId,
    ) -> impl Iterator<Item = &Arc<Memtable>> {
        self.memtables(id).filter(|m| !m.is_empty())
    }
}

/// A map keyed by keyspace id. Every read looks its keyspace up in two of
/// them (the memtables, the levels), so the hash is one multiplication
/// rather than SipHash: the ids are small integers the engine assigns, not
/// input an adversary chooses.
pub(crate) type KeyspaceMap<V> = HashMap<KeyspaceId, V, BuildHasherDefault<KeyspaceIdHasher>>;

/// The hasher of [`KeyspaceMap`]: Fibonacci hashing of the id, which spreads
/// consecutive ids over the high bits the table's control bytes use while
/// keeping the low bits that pick a bucket distinct.
#[derive(Default)]
pub(crate) struct KeyspaceIdHasher(u64);

impl Hasher for KeyspaceIdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only reached if the id type changes; stays correct, if slower.
        for &b in bytes {
            self.write_u64(self.0.rotate_left(8) ^ u64::from(b));
        }
    }

    fn write_u32(&mut self, id: u32) {
        self.write_u64(u64::from(id));
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = (self.0 ^ id).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
