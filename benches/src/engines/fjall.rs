//! The fjall 3 adapter: one keyspace in one database.
//!
//! Buffered tier: fjall's default, where every commit is written to the
//! operating system (survives a process crash, not a power loss) without an
//! fsync. Sync tier: every commit is a batch persisted with
//! `PersistMode::SyncData`. fjall serialises commits on its journal lock, so
//! concurrent synced commits are not grouped.

use std::path::Path;
use std::time::{Duration, Instant};

use fjall::config::CompressionPolicy;
use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode, Readable, Snapshot};

use crate::engine::{BatchOp, Direction, Durability, EngineOptions, KvEngine, KvReader};
use crate::error::{engine_error, Result};

const NAME: &str = "fjall";

/// How often [`KvEngine::wait_idle`] polls fjall's background work.
const IDLE_POLL_INTERVAL: Duration = Duration::from_millis(20);
/// Consecutive idle polls that count as idle.
const IDLE_POLLS: u32 = 5;
/// The longest [`KvEngine::wait_idle`] waits; a workload measured after it
/// runs with whatever compaction is still going.
const IDLE_WAIT_MAX: Duration = Duration::from_secs(120);

/// A fjall database holding the benchmark's data in one keyspace.
pub struct FjallEngine {
    db: Database,
    keyspace: Keyspace,
    /// What each commit does with the journal: `Buffer` (fjall's default)
    /// or `SyncData`.
    persist: PersistMode,
}

impl KvEngine for FjallEngine {
    type Reader<'a> = FjallReader<'a>;

    fn open(dir: &Path, options: &EngineOptions) -> Result<Self> {
        let db = Database::builder(dir)
            .cache_size(options.cache_bytes)
            .open()
            .map_err(engine_error(NAME))?;
        // Values are random bytes, so compression would only cost CPU; every
        // engine in the comparison runs without it.
        let keyspace = db
            .keyspace("bench", || {
                KeyspaceCreateOptions::default()
                    .data_block_compression_policy(CompressionPolicy::disabled())
            })
            .map_err(engine_error(NAME))?;
        let persist = match options.durability {
            Durability::Buffered => PersistMode::Buffer,
            Durability::Sync => PersistMode::SyncData,
        };
        Ok(Self { db, keyspace, persist })
    }

    fn describe(options: &EngineOptions) -> String {
        let durability = match options.durability {
            Durability::Buffered => "each commit written to the OS, no fsync",
            Durability::Sync => "fdatasync per commit (PersistMode::SyncData)",
        };
        format!(
            "fjall 3: block cache {} MiB, compression none, memtable 64 MiB (default), \
             leveled compaction (default); {durability}",
            options.cache_bytes >> 20
        )
    }

    fn put(&self, key: &[u8], value: &[u8]) -> Result<()> {
        // A single insert persists with `Buffer`; a synced one needs a batch.
        match self.persist {
            PersistMode::Buffer => self.keyspace.insert(key, value).map_err(engine_error(NAME)),
            _ => self.write_batch(&[BatchOp::Put { key, value }]),
        }
    }

    fn delete(&self, key: &[u8]) -> Result<()> {
        match self.persist {
            PersistMode::Buffer => self.keyspace.remove(key).map_err(engine_error(NAME)),
            _ => self.write_batch(&[BatchOp::Delete { key }]),
        }
    }

    fn write_batch(&self, ops: &[BatchOp<'_>]) -> Result<()> {
        let mut batch = self.db.batch().durability(Some(self.persist));
        for op in ops {
            match *op {
                BatchOp::Put { key, value } => batch.insert(&self.keyspace, key, value),
                BatchOp::Delete { key } => batch.remove(&self.keyspace, key),
            }
        }
        batch.commit().map_err(engine_error(NAME))
    }

    fn reader(&self) -> Result<FjallReader<'_>> {
        Ok(FjallReader { snapshot: self.db.snapshot(), keyspace: &self.keyspace })
    }

    fn flush(&self) -> Result<()> {
        self.keyspace.rotate_memtable_and_wait().map_err(engine_error(NAME))?;
        self.db.persist(PersistMode::SyncAll).map_err(engine_error(NAME))
    }

    fn wait_idle(&self) -> Result<()> {
        // fjall reports queued flushes and running compactions; a compaction
        // may be picked just after a flush ends, so idleness must hold over a
        // few consecutive polls.
        let deadline = Instant::now() + IDLE_WAIT_MAX;
        let mut idle_polls = 0;
        while idle_polls < IDLE_POLLS && Instant::now() < deadline {
            std::thread::sleep(IDLE_POLL_INTERVAL);
            let busy = self.db.outstanding_flushes() > 0 || self.db.active_compactions() > 0;
            idle_polls = if busy { 0 } else { idle_polls + 1 };
        }
        Ok(())
    }
}

/// Reads through a fjall snapshot.
pub struct FjallReader<'a> {
    snapshot: Snapshot,
    keyspace: &'a Keyspace,
}

impl KvReader for FjallReader<'_> {
    fn get<R>(&self, key: &[u8], visit: impl FnOnce(&[u8]) -> R) -> Result<Option<R>> {
        let value = self.snapshot.get(self.keyspace, key).map_err(engine_error(NAME))?;
        Ok(value.map(|value| visit(&value)))
    }

    fn scan(
        &self,
        start: Option<&[u8]>,
        direction: Direction,
        mut visit: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<u64> {
        let bounds = direction.bounds(start);
        let iter = self.snapshot.range::<&[u8], _>(self.keyspace, bounds);
        let mut visited = 0;
        let mut step = |guard: fjall::Guard| -> Result<bool> {
            let (key, value) = guard.into_inner().map_err(engine_error(NAME))?;
            visited += 1;
            Ok(visit(&key, &value))
        };
        match direction {
            Direction::Forward => {
                for guard in iter {
                    if !step(guard)? {
                        break;
                    }
                }
            }
            Direction::Reverse => {
                for guard in iter.rev() {
                    if !step(guard)? {
                        break;
                    }
                }
            }
        }
        Ok(visited)
    }
}
