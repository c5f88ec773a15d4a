//! The srdb adapter: one keyspace of an srdb engine.
//!
//! Buffered tier: `SyncPolicy::Never`, where commits go to a user-space WAL
//! buffer that is written to the OS when it fills (1 MiB), on rotation and on
//! close; a process crash keeps a prefix of the writes. Sync tier:
//! `SyncPolicy::Always`, an fdatasync per commit group: concurrent commits
//! share one fsync.

use std::path::Path;
use std::time::{Duration, Instant};

use srdb::{
    Compression, Engine, Keyspace, KeyspaceOptions, Options, Snapshot, SyncPolicy, WriteBatch,
};

use crate::engine::{BatchOp, Direction, Durability, EngineOptions, KvEngine, KvReader};
use crate::error::{engine_error, Result};

const NAME: &str = "srdb";

/// How often [`KvEngine::wait_idle`] polls for background work.
const IDLE_POLL_INTERVAL: Duration = Duration::from_millis(20);
/// The longest [`KvEngine::wait_idle`] waits.
const IDLE_WAIT_MAX: Duration = Duration::from_secs(120);

/// An srdb engine holding the benchmark's data in one keyspace.
pub struct SrdbEngine {
    engine: Engine,
    keyspace: Keyspace,
}

impl KvEngine for SrdbEngine {
    type Reader<'a> = SrdbReader<'a>;

    fn open(dir: &Path, options: &EngineOptions) -> Result<Self> {
        let sync = match options.durability {
            Durability::Buffered => SyncPolicy::Never,
            Durability::Sync => SyncPolicy::Always,
        };
        let opts =
            Options { sync, block_cache_bytes: options.cache_bytes as usize, ..Options::default() };
        let engine = Engine::open(dir, opts).map_err(engine_error(NAME))?;
        // Values are random bytes, so compression would only cost CPU; every
        // engine in the comparison runs without it.
        let keyspace = engine
            .open_keyspace(
                "bench",
                KeyspaceOptions { compression: Compression::None, ..KeyspaceOptions::default() },
            )
            .map_err(engine_error(NAME))?;
        Ok(Self { engine, keyspace })
    }

    fn describe(options: &EngineOptions) -> String {
        let durability = match options.durability {
            Durability::Buffered => "WAL buffered in user space, no fsync (SyncPolicy::Never)",
            Durability::Sync => "fdatasync per commit group (SyncPolicy::Always)",
        };
        format!(
            "srdb {}: block cache {} MiB, compression none, memtable 24 MiB (2 frozen), \
             leveled compaction (default); {durability}",
            env!("CARGO_PKG_VERSION"),
            options.cache_bytes >> 20
        )
    }

    fn put(&self, key: &[u8], value: &[u8]) -> Result<()> {
        self.keyspace.put(key, value).map(drop).map_err(engine_error(NAME))
    }

    fn delete(&self, key: &[u8]) -> Result<()> {
        self.keyspace.delete(key).map(drop).map_err(engine_error(NAME))
    }

    fn write_batch(&self, ops: &[BatchOp<'_>]) -> Result<()> {
        let mut batch = WriteBatch::new();
        for op in ops {
            match *op {
                BatchOp::Put { key, value } => batch.put(&self.keyspace, key, value),
                BatchOp::Delete { key } => batch.delete(&self.keyspace, key),
            }
        }
        self.engine.write(&batch).map(drop).map_err(engine_error(NAME))
    }

    fn reader(&self) -> Result<SrdbReader<'_>> {
        Ok(SrdbReader { snapshot: self.engine.snapshot(), keyspace: &self.keyspace })
    }

    fn flush(&self) -> Result<()> {
        self.engine.flush().map_err(engine_error(NAME))
    }

    fn wait_idle(&self) -> Result<()> {
        let deadline = Instant::now() + IDLE_WAIT_MAX;
        while !self.engine.is_idle() && Instant::now() < deadline {
            std::thread::sleep(IDLE_POLL_INTERVAL);
        }
        Ok(())
    }
}

/// Reads through an srdb snapshot.
pub struct SrdbReader<'a> {
    snapshot: Snapshot,
    keyspace: &'a Keyspace,
}

impl KvReader for SrdbReader<'_> {
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
        let mut iter = self.snapshot.range::<&[u8], _>(self.keyspace, bounds);
        let mut visited = 0;
        match direction {
            Direction::Forward => {
                while let Some((key, value)) = iter.next_ref().map_err(engine_error(NAME))? {
                    visited += 1;
                    if !visit(key, value) {
                        break;
                    }
                }
            }
            Direction::Reverse => {
                for entry in iter.rev() {
                    let (key, value) = entry.map_err(engine_error(NAME))?;
                    visited += 1;
                    if !visit(&key, &value) {
                        break;
                    }
                }
            }
        }
        Ok(visited)
    }
}
