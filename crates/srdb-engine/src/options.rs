//! Options of the engine and of each keyspace, each with its default.

use std::time::Duration;

pub use srdb_compaction::CompactionOptions;
pub use srdb_sst::Compression;
pub use srdb_wal::SyncPolicy;

use crate::error::{Error, Result};

/// Options of a database. Every field has a documented default
/// ([`Options::default`]).
#[derive(Clone, Debug)]
pub struct Options {
    /// Bytes of writes the active memtables (all keyspaces together) take
    /// before they are frozen and flushed. Default: 24 MiB: with two frozen
    /// generations this keeps a database with default options under 200 MB
    /// while loading (183 MB measured loading 10M entries, `docs/benchmarks.md`)
    /// while the flusher rarely makes a writer wait.
    pub memtable_bytes: usize,
    /// Frozen memtable generations allowed to wait for the flusher before
    /// writers stall. Memory used by memtables stays below
    /// `(max_frozen_memtables + 1) * memtable_bytes` plus one batch per
    /// writer. Default: 2.
    pub max_frozen_memtables: usize,
    /// When the WAL reaches the disk. Default: `Periodic(100 ms)`: a process
    /// crash loses nothing acknowledged, a power loss at most 100 ms.
    pub sync: SyncPolicy,
    /// Bytes of decompressed blocks cached, shared by all files. Default:
    /// 64 MiB.
    pub block_cache_bytes: usize,
    /// Leveled compaction settings (L0 trigger, level size ratio, target file
    /// size, number of levels). Default: [`CompactionOptions::default`].
    pub compaction: CompactionOptions,
    /// Threads that run compactions. Flushes have a thread of their own.
    /// Default: 1 (this machine class has 2 cores; foreground work keeps one).
    pub background_threads: usize,
    /// Whether the WAL skips a corrupt record in the middle of a segment
    /// (reporting what was lost) instead of refusing to open. Default: false.
    pub skip_corrupt_wal: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            memtable_bytes: 24 << 20,
            max_frozen_memtables: 2,
            sync: SyncPolicy::Periodic(Duration::from_millis(100)),
            block_cache_bytes: 64 << 20,
            compaction: CompactionOptions::default(),
            background_threads: 1,
            skip_corrupt_wal: false,
        }
    }
}

impl Options {
    pub(crate) fn validate(&self) -> Result<()> {
        if self.memtable_bytes < 64 << 10 {
            return Err(Error::InvalidOptions("memtable_bytes must be at least 64 KiB".into()));
        }
        if self.max_frozen_memtables == 0 {
            return Err(Error::InvalidOptions("max_frozen_memtables must be at least 1".into()));
        }
        if self.background_threads == 0 {
            return Err(Error::InvalidOptions("background_threads must be at least 1".into()));
        }
        Ok(())
    }
}

/// Where the SST files of a keyspace find the `_time` of an entry, so that
/// files can record their time range and queries can skip files by time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum TimeSource {
    /// Entries carry no time.
    #[default]
    None = 0,
    /// The first 8 bytes of each value are the time as an i64, little-endian,
    /// in nanoseconds since the Unix epoch (how table rows are stored).
    ValuePrefixI64 = 1,
}

/// Options of one keyspace, fixed when it is created and stored in the
/// MANIFEST.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyspaceOptions {
    /// Compression of data blocks. Default: snappy.
    pub compression: Compression,
    /// Bloom filter bits per key; 0 disables the filter. Default: 10
    /// (about 1% false positives).
    pub bloom_bits_per_key: u32,
    /// Target size of a data block before compression. Default: 4 KiB.
    pub block_bytes: u32,
    /// Where entries carry their time. Default: none.
    pub time_source: TimeSource,
    /// Whether the keyspace's memtables keep a hash index of their user
    /// keys beside the skiplist ([`srdb_memtable::Memtable::with_point_index`]),
    /// of `memtable_bytes / 128` slots rounded up to a power of two (2 MiB
    /// for the default 24 MiB). A point read of a key in the memtable, or
    /// absent from it, then costs a probe and a node read instead of a
    /// skiplist search; an insert costs one more random memory access.
    /// Worth it for a keyspace read mostly by key (the KV store); not for
    /// one written in long ascending runs and read by scans (table rows and
    /// indexes). Keys past 3/4 of the slots are found by the skiplist
    /// search. Default: false.
    pub memtable_point_index: bool,
}

impl Default for KeyspaceOptions {
    fn default() -> Self {
        KeyspaceOptions {
            compression: Compression::Snappy,
            bloom_bits_per_key: 10,
            block_bytes: 4096,
            time_source: TimeSource::None,
            memtable_point_index: false,
        }
    }
}

/// Encoded size of [`KeyspaceOptions`], version 2.
const KEYSPACE_OPTIONS_BYTES: usize = 1 + 1 + 4 + 4 + 1 + 1;
/// Encoded size of version 1, which had no flags byte.
const KEYSPACE_OPTIONS_V1_BYTES: usize = KEYSPACE_OPTIONS_BYTES - 1;
/// Version byte of the encoding; a new layout gets a new version.
const KEYSPACE_OPTIONS_VERSION: u8 = 2;
/// Bit of the flags byte: [`KeyspaceOptions::memtable_point_index`].
const FLAG_MEMTABLE_POINT_INDEX: u8 = 1;

impl KeyspaceOptions {
    pub(crate) fn validate(&self) -> Result<()> {
        if !(512..=1 << 20).contains(&self.block_bytes) {
            return Err(Error::InvalidOptions(
                "block_bytes must be between 512 B and 1 MiB".into(),
            ));
        }
        if self.bloom_bits_per_key > 64 {
            return Err(Error::InvalidOptions("bloom_bits_per_key must be at most 64".into()));
        }
        Ok(())
    }

    /// The bytes stored in the MANIFEST: `version:u8 (= 2) compression:u8
    /// bloom_bits:u32le block_bytes:u32le time_source:u8 flags:u8`.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(KEYSPACE_OPTIONS_BYTES);
        out.push(KEYSPACE_OPTIONS_VERSION);
        out.push(self.compression as u8);
        out.extend_from_slice(&self.bloom_bits_per_key.to_le_bytes());
        out.extend_from_slice(&self.block_bytes.to_le_bytes());
        out.push(self.time_source as u8);
        out.push(if self.memtable_point_index { FLAG_MEMTABLE_POINT_INDEX } else { 0 });
        out
    }

    /// Reads version 2, and version 1 (no flags byte: every flag off).
    pub(crate) fn decode(bytes: &[u8]) -> std::result::Result<Self, String> {
        let flags = match (bytes.first(), bytes.len()) {
            (Some(1), KEYSPACE_OPTIONS_V1_BYTES) => 0,
            (Some(&KEYSPACE_OPTIONS_VERSION), KEYSPACE_OPTIONS_BYTES) => bytes[11],
            _ => {
                return Err(format!(
                    "keyspace options of {} bytes are neither version 1 nor version 2",
                    bytes.len()
                ))
            }
        };
        if flags & !FLAG_MEMTABLE_POINT_INDEX != 0 {
            return Err(format!("unknown keyspace option flags {flags:#04x}"));
        }
        let compression = match bytes[1] {
            0 => Compression::None,
            1 => Compression::Snappy,
            c => return Err(format!("unknown compression {c}")),
        };
        let u32_at =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let time_source = match bytes[10] {
            0 => TimeSource::None,
            1 => TimeSource::ValuePrefixI64,
            t => return Err(format!("unknown time source {t}")),
        };
        Ok(KeyspaceOptions {
            compression,
            bloom_bits_per_key: u32_at(2),
            block_bytes: u32_at(6),
            time_source,
            memtable_point_index: flags & FLAG_MEMTABLE_POINT_INDEX != 0,
        })
    }

    /// How SST files of keyspace `id` called `name` are written.
    pub(crate) fn writer_options(&self, id: u32, name: &str) -> srdb_sst::WriterOptions {
        srdb_sst::WriterOptions {
            properties: crate::properties::encode(id, name, self),
            block_bytes: self.block_bytes as usize,
            compression: self.compression,
            bloom_bits_per_key: self.bloom_bits_per_key,
            time_extractor: match self.time_source {
                TimeSource::None => None,
                TimeSource::ValuePrefixI64 => Some(value_prefix_time),
            },
            ..srdb_sst::WriterOptions::default()
        }
    }
}

fn value_prefix_time(_key: &[u8], value: &[u8]) -> Option<i64> {
    let prefix: [u8; 8] = value.get(..8)?.try_into().ok()?;
    Some(i64::from_le_bytes(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyspace_options_round_trip_and_reject_garbage() {
        let o = KeyspaceOptions {
            compression: Compression::None,
            bloom_bits_per_key: 7,
            block_bytes: 16384,
            time_source: TimeSource::ValuePrefixI64,
            memtable_point_index: true,
        };
        assert_eq!(KeyspaceOptions::decode(&o.encode()).unwrap(), o);
        let plain = KeyspaceOptions::default();
        assert_eq!(KeyspaceOptions::decode(&plain.encode()).unwrap(), plain);
        assert!(KeyspaceOptions::decode(&[]).is_err());
        let mut bad = o.encode();
        bad[1] = 9;
        assert!(KeyspaceOptions::decode(&bad).is_err());
        let mut unknown_flag = o.encode();
        unknown_flag[11] |= 0x80;
        assert!(KeyspaceOptions::decode(&unknown_flag).is_err());
        assert!(KeyspaceOptions::decode(&o.encode()[..11]).is_err(), "version 2 cut short");
    }

    #[test]
    fn version_1_options_read_with_every_flag_off() {
        // As written before the flags byte existed: snappy, 10 bits, 4 KiB,
        // time from the value prefix.
        let v1 = [1, 1, 10, 0, 0, 0, 0, 16, 0, 0, 1];
        let o = KeyspaceOptions::decode(&v1).unwrap();
        assert_eq!(
            o,
            KeyspaceOptions {
                time_source: TimeSource::ValuePrefixI64,
                ..KeyspaceOptions::default()
            }
        );
    }
}
