//! The RocksDB adapter, built only with the cargo feature `rocksdb` (its C++
//! build takes over ten minutes on the reference machine, so CI never builds
//! it).
//!
//! Buffered tier: WAL on, `sync = false` (each write reaches the OS, no
//! fsync). Sync tier: `sync = true` (fsync of the WAL per write; RocksDB groups
//! concurrent writers into one fsync).

use std::path::Path;

use rocksdb::{
    BlockBasedOptions, Cache, DBCompressionType, FlushOptions, Options, SnapshotWithThreadMode,
    WriteBatch, WriteOptions, DB,
};

use crate::engine::{BatchOp, Direction, Durability, EngineOptions, KvEngine, KvReader};
use crate::error::{engine_error, Result};

const NAME: &str = "rocksdb";

/// Bloom filter bits per key, the value RocksDB's documentation suggests and
/// the one srdb uses by default.
const BLOOM_BITS_PER_KEY: f64 = 10.0;

/// A RocksDB database with default options except cache, compression and
/// bloom filters.
pub struct RocksDbEngine {
    db: DB,
    write_options: WriteOptions,
}

impl KvEngine for RocksDbEngine {
    type Reader<'a> = RocksDbReader<'a>;

    fn open(dir: &Path, options: &EngineOptions) -> Result<Self> {
        let cache =
            Cache::new_lru_cache(usize::try_from(options.cache_bytes).unwrap_or(usize::MAX));
        let mut table = BlockBasedOptions::default();
        table.set_block_cache(&cache);
        table.set_bloom_filter(BLOOM_BITS_PER_KEY, false);
        let mut db_options = Options::default();
        db_options.create_if_missing(true);
        db_options.set_compression_type(DBCompressionType::None);
        db_options.set_block_based_table_factory(&table);
        let db = DB::open(&db_options, dir).map_err(engine_error(NAME))?;
        let mut write_options = WriteOptions::default();
        write_options.set_sync(options.durability == Durability::Sync);
        Ok(Self { db, write_options })
    }

    fn describe(options: &EngineOptions) -> String {
        let durability = match options.durability {
            Durability::Buffered => "WAL written to the OS per write, no fsync (sync=false)",
            Durability::Sync => "fsync of the WAL per write (sync=true)",
        };
        format!(
            "RocksDB 10.4 (rust-rocksdb 0.24): LRU block cache {} MiB, compression none, bloom \
             {BLOOM_BITS_PER_KEY} bits/key, other options default; {durability}",
            options.cache_bytes >> 20
        )
    }

    fn put(&self, key: &[u8], value: &[u8]) -> Result<()> {
        self.db.put_opt(key, value, &self.write_options).map_err(engine_error(NAME))
    }

    fn delete(&self, key: &[u8]) -> Result<()> {
        self.db.delete_opt(key, &self.write_options).map_err(engine_error(NAME))
    }

    fn write_batch(&self, ops: &[BatchOp<'_>]) -> Result<()> {
        let mut batch = WriteBatch::default();
        for op in ops {
            match *op {
                BatchOp::Put { key, value } => batch.put(key, value),
                BatchOp::Delete { key } => batch.delete(key),
            }
        }
        self.db.write_opt(batch, &self.write_options).map_err(engine_error(NAME))
    }

    fn reader(&self) -> Result<RocksDbReader<'_>> {
        Ok(RocksDbReader { snapshot: self.db.snapshot() })
    }

    fn flush(&self) -> Result<()> {
        let mut flush = FlushOptions::default();
        flush.set_wait(true);
        self.db.flush_opt(&flush).map_err(engine_error(NAME))?;
        self.db.flush_wal(true).map_err(engine_error(NAME))
    }
}

/// Reads through a RocksDB snapshot.
pub struct RocksDbReader<'a> {
    snapshot: SnapshotWithThreadMode<'a, DB>,
}

impl KvReader for RocksDbReader<'_> {
    fn get<R>(&self, key: &[u8], visit: impl FnOnce(&[u8]) -> R) -> Result<Option<R>> {
        let value = self.snapshot.get_pinned(key).map_err(engine_error(NAME))?;
        Ok(value.map(|value| visit(&value)))
    }

    fn scan(
        &self,
        start: Option<&[u8]>,
        direction: Direction,
        mut visit: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<u64> {
        let mut iter = self.snapshot.raw_iterator();
        match (start, direction) {
            (None, Direction::Forward) => iter.seek_to_first(),
            (None, Direction::Reverse) => iter.seek_to_last(),
            (Some(key), Direction::Forward) => iter.seek(key),
            (Some(key), Direction::Reverse) => iter.seek_for_prev(key),
        }
        let mut visited = 0;
        while let (Some(key), Some(value)) = (iter.key(), iter.value()) {
            visited += 1;
            if !visit(key, value) {
                break;
            }
            match direction {
                Direction::Forward => iter.next(),
                Direction::Reverse => iter.prev(),
            }
        }
        iter.status().map_err(engine_error(NAME))?;
        Ok(visited)
    }
}
