//! Counters and the statistics snapshot of a database.

use std::sync::atomic::{AtomicU64, Ordering};

use srdb_sst::CacheStats;

use crate::engine::Inner;

/// Counters bumped on the hot paths (relaxed atomics).
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) writes: AtomicU64,
    pub(crate) user_bytes_written: AtomicU64,
    pub(crate) gets: AtomicU64,
    pub(crate) sst_probes: AtomicU64,
    pub(crate) flushes: AtomicU64,
    pub(crate) bytes_flushed: AtomicU64,
    pub(crate) compactions: AtomicU64,
    pub(crate) trivial_moves: AtomicU64,
    pub(crate) bytes_compacted_read: AtomicU64,
    pub(crate) bytes_compacted_written: AtomicU64,
    pub(crate) dropped_versions: AtomicU64,
    pub(crate) dropped_tombstones: AtomicU64,
    pub(crate) stalls: AtomicU64,
}

impl Counters {
    pub(crate) fn record_write(&self, bytes: u64) {
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.user_bytes_written.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// Files and bytes of one level.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LevelStats {
    /// Number of SST files.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Entries (versions and tombstones) in them.
    pub entries: u64,
}

/// One SST file of a keyspace, as the MANIFEST and the file's summary
/// describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileStats {
    /// File number, unique in the database (the file is `<number:08>.sst`).
    pub number: u64,
    /// The level the file is in (0 holds flushed memtables).
    pub level: u8,
    /// Size of the file in bytes.
    pub size_bytes: u64,
    /// Entries (versions and tombstones) in the file.
    pub entries: u64,
    /// Tombstones among the entries; `None` when the file does not record
    /// it (files written before SST format version 2) or the keyspace is
    /// unavailable.
    pub tombstones: Option<u64>,
    /// The smallest user key in the file.
    pub smallest_key: Vec<u8>,
    /// The largest user key in the file.
    pub largest_key: Vec<u8>,
    /// The smallest sequence number of an entry in the file.
    pub min_seqno: u64,
    /// The largest sequence number of an entry in the file.
    pub max_seqno: u64,
    /// The smallest and largest time of the file's puts (ns since the Unix
    /// epoch), when its keyspace has a [`crate::TimeSource`] and the file
    /// holds a put.
    pub time_range: Option<(i64, i64)>,
}

/// Statistics of one keyspace.
#[derive(Clone, Debug)]
pub struct KeyspaceStats {
    /// The keyspace's name.
    pub name: String,
    /// Its id.
    pub id: u32,
    /// Per level, L0 first.
    pub levels: Vec<LevelStats>,
    /// Every SST file, by level (L0 first), in the level's order: newest
    /// first in L0, by key in deeper levels.
    pub files: Vec<FileStats>,
    /// Bytes in its memtables (active and frozen), approximately.
    pub memtable_bytes: usize,
    /// Why the keyspace is unavailable, if it is.
    pub unavailable: Option<String>,
}

/// Statistics of a database.
#[derive(Clone, Debug)]
pub struct Stats {
    /// Per keyspace, sorted by name.
    pub keyspaces: Vec<KeyspaceStats>,
    /// Bytes in all memtables, approximately.
    pub memtable_bytes: usize,
    /// Frozen memtable generations waiting for the flusher.
    pub frozen_memtables: usize,
    /// The block cache.
    pub block_cache: CacheStats,
    /// Write batches committed since open.
    pub writes: u64,
    /// Bytes of WAL payload written by users since open.
    pub user_bytes_written: u64,
    /// Memtable flushes since open, and the bytes they wrote.
    pub flushes: u64,
    /// Bytes written by flushes since open.
    pub bytes_flushed: u64,
    /// Compactions that rewrote files since open.
    pub compactions: u64,
    /// Compactions that moved a file down a level without rewriting it.
    pub trivial_moves: u64,
    /// Bytes read by compactions since open.
    pub bytes_compacted_read: u64,
    /// Bytes written by compactions since open.
    pub bytes_compacted_written: u64,
    /// Versions dropped by compaction because no snapshot could see them.
    pub dropped_versions: u64,
    /// Tombstones dropped by compaction.
    pub dropped_tombstones: u64,
    /// Write amplification: bytes written to SST files per byte of user
    /// data written (flushes plus compactions over WAL payload).
    pub write_amplification: f64,
    /// Point reads since open.
    pub gets: u64,
    /// Read amplification: SST files probed per point read (bloom filter
    /// probes included).
    pub read_amplification: f64,
    /// Times a writer waited for the flusher.
    pub write_stalls: u64,
    /// Live snapshots.
    pub snapshots: usize,
    /// The newest visible sequence number.
    pub last_seqno: u64,
    /// WAL segments on disk.
    pub wal_segments: usize,
    /// Bytes of WAL on disk.
    pub wal_bytes: u64,
}

/// The files of `ks`; `opened` (the files as readers see them) supplies
/// what only a file's summary knows, such as its tombstone count.
fn file_stats(
    ks: &srdb_manifest::KeyspaceVersion,
    opened: Option<&crate::memgen::TableLevels>,
) -> Vec<FileStats> {
    let mut out = Vec::new();
    for (level, files) in ks.levels.iter().enumerate() {
        for meta in files {
            let summary = opened
                .and_then(|levels| levels.get(level))
                .and_then(|tables| tables.iter().find(|t| t.meta.number == meta.number))
                .map(|t| t.sst.summary());
            out.push(FileStats {
                number: meta.number,
                level: u8::try_from(level).expect("levels are numbered by a u8"),
                size_bytes: meta.size_bytes,
                entries: meta.entries,
                tombstones: summary.and_then(|s| s.tombstones),
                smallest_key: meta.smallest.user_key().to_vec(),
                largest_key: meta.largest.user_key().to_vec(),
                min_seqno: meta.min_seqno,
                max_seqno: meta.max_seqno,
                time_range: meta.time_range,
            });
        }
    }
    out
}

pub(crate) fn collect(inner: &Inner) -> Stats {
    let sv = inner.sv.load();
    let unavailable = inner.unavailable.lock().clone();
    let mut keyspaces: Vec<KeyspaceStats> = sv
        .version
        .keyspaces()
        .map(|ks| KeyspaceStats {
            name: ks.name.clone(),
            id: ks.id,
            levels: ks
                .levels
                .iter()
                .map(|files| LevelStats {
                    files: files.len(),
                    bytes: files.iter().map(|f| f.size_bytes).sum(),
                    entries: files.iter().map(|f| f.entries).sum(),
                })
                .collect(),
            files: file_stats(ks, sv.levels.get(&ks.id)),
            memtable_bytes: sv.memtables(ks.id).map(|m| m.approximate_bytes()).sum(),
            unavailable: unavailable.get(&ks.id).cloned(),
        })
        .collect();
    keyspaces.sort_by(|a, b| a.name.cmp(&b.name));
    let c = &inner.counters;
    let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let user_bytes = load(&c.user_bytes_written);
    let sst_bytes = load(&c.bytes_flushed) + load(&c.bytes_compacted_written);
    let gets = load(&c.gets);
    let segments = inner.wal.segments().unwrap_or_default();
    Stats {
        memtable_bytes: keyspaces.iter().map(|k| k.memtable_bytes).sum(),
        keyspaces,
        frozen_memtables: sv.frozen.len(),
        block_cache: inner.cache.stats(),
        writes: load(&c.writes),
        user_bytes_written: user_bytes,
        flushes: load(&c.flushes),
        bytes_flushed: load(&c.bytes_flushed),
        compactions: load(&c.compactions),
        trivial_moves: load(&c.trivial_moves),
        bytes_compacted_read: load(&c.bytes_compacted_read),
        bytes_compacted_written: load(&c.bytes_compacted_written),
        dropped_versions: load(&c.dropped_versions),
        dropped_tombstones: load(&c.dropped_tombstones),
        write_amplification: if user_bytes == 0 {
            0.0
        } else {
            sst_bytes as f64 / user_bytes as f64
        },
        gets,
        read_amplification: if gets == 0 { 0.0 } else { load(&c.sst_probes) as f64 / gets as f64 },
        write_stalls: load(&c.stalls),
        snapshots: inner.snapshots.len(),
        last_seqno: inner.visible.get(),
        wal_segments: segments.len(),
        wal_bytes: segments.iter().map(|s| s.1).sum(),
    }
}
