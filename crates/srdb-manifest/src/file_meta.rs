//! What the MANIFEST records about one SST file.

use srdb_key::{InternalKey, SeqNo};

/// Identifies a keyspace inside one database. Ids are never reused.
pub type KeyspaceId = u32;

/// An LSM level: 0 holds flushed memtables (files may overlap); deeper levels
/// hold files with disjoint key ranges.
pub type Level = u8;

/// The file name of SST number `number`, relative to the database directory.
pub fn sst_file_name(number: u64) -> String {
    format!("{number:08}.sst")
}

/// Everything the engine needs to know about an SST file without opening it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileMeta {
    /// File number, unique in the database; the file is [`sst_file_name`].
    pub number: u64,
    /// Size of the file in bytes.
    pub size_bytes: u64,
    /// Number of entries (versions and tombstones) in the file.
    pub entries: u64,
    /// Smallest internal key in the file.
    pub smallest: InternalKey,
    /// Largest internal key in the file.
    pub largest: InternalKey,
    /// Smallest sequence number in the file.
    pub min_seqno: SeqNo,
    /// Largest sequence number in the file.
    pub max_seqno: SeqNo,
    /// Range of `_time` values (ns since the Unix epoch) of the rows in the
    /// file, when its keyspace stores timed rows.
    pub time_range: Option<(i64, i64)>,
}

impl FileMeta {
    /// Whether the user-key range of this file overlaps `[start, end]`
    /// (both inclusive user keys).
    pub fn overlaps_user_range(&self, start: &[u8], end: &[u8]) -> bool {
        self.smallest.user_key() <= end && self.largest.user_key() >= start
    }
}
