//! The redb 4 adapter: one table of byte-string keys and values in one file.
//!
//! Every commit is one write transaction (redb has a single writer, so
//! concurrent writers queue for it). Buffered tier: `Durability::None`, which
//! redb keeps in memory until a later durable commit: neither a process crash
//! nor a power loss is survived until [`KvEngine::flush`]. Sync tier:
//! `Durability::Immediate`, redb's default, durable when `commit` returns.

use std::path::Path;

use redb::{
    Database, Durability as RedbDurability, ReadOnlyTable, ReadableDatabase, TableDefinition,
};

use crate::engine::{BatchOp, Direction, Durability, EngineOptions, KvEngine, KvReader};
use crate::error::{engine_error, Result};

const NAME: &str = "redb";

const TABLE: TableDefinition<'static, &[u8], &[u8]> = TableDefinition::new("bench");

/// A redb database file holding the benchmark's data in one table.
pub struct RedbEngine {
    db: Database,
    durability: RedbDurability,
}

impl RedbEngine {
    /// Runs `write` in one write transaction with `durability` and commits it.
    fn commit(
        &self,
        durability: RedbDurability,
        write: impl FnOnce(&mut redb::Table<'_, &'static [u8], &'static [u8]>) -> Result<()>,
    ) -> Result<()> {
        let mut txn = self.db.begin_write().map_err(engine_error(NAME))?;
        txn.set_durability(durability).map_err(engine_error(NAME))?;
        {
            let mut table = txn.open_table(TABLE).map_err(engine_error(NAME))?;
            write(&mut table)?;
        }
        txn.commit().map_err(engine_error(NAME))
    }
}

impl KvEngine for RedbEngine {
    type Reader<'a> = RedbReader;

    fn open(dir: &Path, options: &EngineOptions) -> Result<Self> {
        let cache_bytes = usize::try_from(options.cache_bytes).unwrap_or(usize::MAX);
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .create(dir.join("bench.redb"))
            .map_err(engine_error(NAME))?;
        let durability = match options.durability {
            Durability::Buffered => RedbDurability::None,
            Durability::Sync => RedbDurability::Immediate,
        };
        let engine = Self { db, durability };
        // Create the table up front so that readers of an empty database work.
        engine.commit(RedbDurability::Immediate, |_| Ok(()))?;
        Ok(engine)
    }

    fn describe(options: &EngineOptions) -> String {
        let durability = match options.durability {
            Durability::Buffered => {
                "Durability::None per commit (kept in memory until a durable commit)"
            }
            Durability::Sync => "Durability::Immediate per commit (fsync)",
        };
        format!(
            "redb 4: page cache {} MiB, no compression (redb has none), 4 KiB pages; {durability}",
            options.cache_bytes >> 20
        )
    }

    fn put(&self, key: &[u8], value: &[u8]) -> Result<()> {
        self.commit(self.durability, |table| {
            table.insert(key, value).map_err(engine_error(NAME))?;
            Ok(())
        })
    }

    fn delete(&self, key: &[u8]) -> Result<()> {
        self.commit(self.durability, |table| {
            table.remove(key).map_err(engine_error(NAME))?;
            Ok(())
        })
    }

    fn write_batch(&self, ops: &[BatchOp<'_>]) -> Result<()> {
        self.commit(self.durability, |table| {
            for op in ops {
                match *op {
                    BatchOp::Put { key, value } => {
                        table.insert(key, value).map_err(engine_error(NAME))?;
                    }
                    BatchOp::Delete { key } => {
                        table.remove(key).map_err(engine_error(NAME))?;
                    }
                }
            }
            Ok(())
        })
    }

    fn reader(&self) -> Result<RedbReader> {
        let txn = self.db.begin_read().map_err(engine_error(NAME))?;
        let table = txn.open_table(TABLE).map_err(engine_error(NAME))?;
        Ok(RedbReader { table })
    }

    fn flush(&self) -> Result<()> {
        // An empty durable commit makes every earlier non-durable one durable.
        self.commit(RedbDurability::Immediate, |_| Ok(()))
    }
}

/// Reads through one redb read transaction.
pub struct RedbReader {
    table: ReadOnlyTable<&'static [u8], &'static [u8]>,
}

impl KvReader for RedbReader {
    fn get<R>(&self, key: &[u8], visit: impl FnOnce(&[u8]) -> R) -> Result<Option<R>> {
        let value = self.table.get(key).map_err(engine_error(NAME))?;
        Ok(value.map(|guard| visit(guard.value())))
    }

    fn scan(
        &self,
        start: Option<&[u8]>,
        direction: Direction,
        mut visit: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<u64> {
        let range = match (start, direction) {
            (None, _) => self.table.range::<&[u8]>(..),
            (Some(key), Direction::Forward) => self.table.range(key..),
            (Some(key), Direction::Reverse) => self.table.range(..=key),
        }
        .map_err(engine_error(NAME))?;
        let mut visited = 0;
        let mut step = |entry: std::result::Result<_, redb::StorageError>| -> Result<bool> {
            let (key, value): (redb::AccessGuard<'_, &[u8]>, redb::AccessGuard<'_, &[u8]>) =
                entry.map_err(engine_error(NAME))?;
            visited += 1;
            Ok(visit(key.value(), value.value()))
        };
        match direction {
            Direction::Forward => {
                for entry in range {
                    if !step(entry)? {
                        break;
                    }
                }
            }
            Direction::Reverse => {
                for entry in range.rev() {
                    if !step(entry)? {
                        break;
                    }
                }
            }
        }
        Ok(visited)
    }
}
