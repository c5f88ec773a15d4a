//! The key-value store: one keyspace of an srdb database.

use std::ops::RangeBounds;
use std::path::Path;
use std::sync::Arc;

use srdb_engine::{
    Engine, Iter, Keyspace, KeyspaceOptions, Options, Result, SeqNo, Snapshot, Stats, WriteBatch,
};

/// Name of the keyspace that holds the key-value store.
pub const KV_KEYSPACE: &str = "kv";

/// The key-value store of a database. Cheap to clone and usable from many
/// threads; the database closes when the last clone is dropped.
#[derive(Clone)]
pub struct Kv {
    engine: Arc<Engine>,
    ks: Keyspace,
}

impl Kv {
    /// Opens (creating if needed) the database in `dir` with default options.
    pub fn open(dir: impl AsRef<Path>) -> Result<Kv> {
        Self::open_with(dir, Options::default())
    }

    /// Opens (creating if needed) the database in `dir`.
    pub fn open_with(dir: impl AsRef<Path>, opts: Options) -> Result<Kv> {
        let engine = Arc::new(Engine::open(dir, opts)?);
        Self::from_engine(engine)
    }

    /// The key-value store of an engine that is already open.
    pub fn from_engine(engine: Arc<Engine>) -> Result<Kv> {
        let ks = engine.open_keyspace(KV_KEYSPACE, KeyspaceOptions::default())?;
        Ok(Kv { engine, ks })
    }

    /// The engine underneath, for keyspaces of one's own, stats and
    /// maintenance.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Sets `key` to `value`; returns the write's sequence number.
    pub fn put(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<SeqNo> {
        self.ks.put(key, value)
    }

    /// The value of `key`, if any.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        self.ks.get(key)
    }

    /// Deletes `key` (a no-op if absent).
    pub fn delete(&self, key: impl AsRef<[u8]>) -> Result<SeqNo> {
        self.ks.delete(key)
    }

    /// Whether `key` has a value.
    pub fn contains(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        self.ks.contains(key)
    }

    /// A batch of writes to apply atomically with [`KvBatch::commit`].
    pub fn batch(&self) -> KvBatch {
        KvBatch { kv: self.clone(), batch: WriteBatch::new() }
    }

    /// Every entry in key order (`.rev()` for descending).
    pub fn iter(&self) -> Iter {
        self.ks.iter()
    }

    /// The entries whose keys fall in `range`.
    pub fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Iter {
        self.ks.range(range)
    }

    /// The entries whose keys start with `prefix`.
    pub fn prefix(&self, prefix: impl AsRef<[u8]>) -> Iter {
        self.ks.prefix(prefix)
    }

    /// A point-in-time view that never sees later writes.
    pub fn snapshot(&self) -> KvSnapshot {
        KvSnapshot { snapshot: self.engine.snapshot(), ks: self.ks.clone() }
    }

    /// Writes everything in memory to SST files.
    pub fn flush(&self) -> Result<()> {
        self.engine.flush()
    }

    /// Compacts all files down to the last level.
    pub fn compact(&self) -> Result<()> {
        self.engine.compact()
    }

    /// Statistics of the database.
    pub fn stats(&self) -> Stats {
        self.engine.stats()
    }
}

/// Writes applied atomically: all or none, visible all at once.
pub struct KvBatch {
    kv: Kv,
    batch: WriteBatch,
}

impl KvBatch {
    /// Sets `key` to `value`.
    pub fn put(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> &mut Self {
        self.batch.put(&self.kv.ks, key, value);
        self
    }

    /// Deletes `key`.
    pub fn delete(&mut self, key: impl AsRef<[u8]>) -> &mut Self {
        self.batch.delete(&self.kv.ks, key);
        self
    }

    /// Number of distinct keys written.
    pub fn len(&self) -> usize {
        self.batch.len()
    }

    /// Whether the batch writes nothing.
    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }

    /// Applies the batch; returns its sequence number.
    pub fn commit(self) -> Result<SeqNo> {
        self.kv.engine.write(&self.batch)
    }
}

/// A point-in-time view of the key-value store.
pub struct KvSnapshot {
    snapshot: Snapshot,
    ks: Keyspace,
}

impl KvSnapshot {
    /// The value of `key` as of the snapshot.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        self.snapshot.get(&self.ks, key)
    }

    /// The entries in `range` as of the snapshot.
    pub fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Iter {
        self.snapshot.range(&self.ks, range)
    }

    /// The entries whose keys start with `prefix`, as of the snapshot.
    pub fn prefix(&self, prefix: impl AsRef<[u8]>) -> Iter {
        self.snapshot.prefix(&self.ks, prefix)
    }

    /// The sequence number the snapshot reads at.
    pub fn seqno(&self) -> SeqNo {
        self.snapshot.seqno()
    }
}
