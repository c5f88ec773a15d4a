//! The key-value store: one keyspace of an srdb database, with expiry.
//!
//! Values are stored with a one-byte format tag and an optional expiry
//! (`docs/format/kv-value.md`); every read hides expired entries, and reads
//! that meet one remove it. A second keyspace, the expiry index, lists
//! `(expire_at_ms, key)` for every write with an expiry, so that
//! [`Kv::sweep_expired`] finds due entries without scanning the store.
//!
//! Atomicity: every write takes the striped lock of its key (see `locks`),
//! shared for blind writes and exclusive for [`Kv::update`], so
//! read-modify-write operations are atomic among all clones of one `Kv`.
//! Two `Kv` values made separately over one engine do not share locks.

mod iter;
mod locks;
mod value;

use std::ops::RangeBounds;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use srdb_engine::{
    Engine, Error, Keyspace, KeyspaceOptions, Options, Result, SeqNo, Snapshot, Stats, WriteBatch,
};

pub use iter::KvIter;
pub use value::{now_ms, KvEntry, MAX_KV_VALUE_BYTES};

use iter::corrupt;
use locks::Stripes;
use value::{index_key, is_expired, split_index_key};

/// Name of the keyspace that holds the key-value store.
pub const KV_KEYSPACE: &str = "kv";

/// Name of the keyspace that indexes entries with an expiry by time.
pub const KV_EXPIRY_KEYSPACE: &str = "kv.expires";

/// Entries deleted per write batch by [`Kv::clear`]: large enough that the
/// per-batch cost vanishes, small enough that a batch stays far below the
/// engine's batch limit with 64 KiB keys (1024 * 64 KiB = 64 MiB would not).
const CLEAR_BATCH_ENTRIES: usize = 256;

/// Due entries removed per write batch by [`Kv::sweep_expired`]; their
/// stripes stay locked for one write.
const SWEEP_BATCH_ENTRIES: usize = 128;

/// The key-value store of a database. Cheap to clone and usable from many
/// threads; the database closes when the last clone is dropped.
#[derive(Clone)]
pub struct Kv {
    engine: Arc<Engine>,
    ks: Keyspace,
    expiry: Keyspace,
    shared: Arc<Shared>,
}

struct Shared {
    stripes: Stripes,
    expired_removed: AtomicU64,
}

/// What [`Kv::update`] writes after reading a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvWrite {
    /// Leave the key as it is.
    Keep,
    /// Set the key to `value`, expiring at `expire_at_ms` (milliseconds since
    /// the Unix epoch) or never.
    Put {
        /// The new value.
        value: Vec<u8>,
        /// The new expiry.
        expire_at_ms: Option<u64>,
    },
    /// Delete the key.
    Delete,
}

/// The time to live of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ttl {
    /// The key does not exist (or is expired).
    Missing,
    /// The key exists and never expires.
    Persistent,
    /// The key expires after this instant, in milliseconds since the Unix
    /// epoch.
    ExpiresAt(u64),
}

impl Ttl {
    /// Milliseconds left at `now_ms` for a key that expires (0 at the last
    /// live millisecond), `None` otherwise.
    pub fn remaining_ms(&self, now_ms: u64) -> Option<u64> {
        match self {
            Ttl::ExpiresAt(at) => Some(at.saturating_sub(now_ms)),
            _ => None,
        }
    }
}

/// What one call of [`Kv::sweep_expired`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepStats {
    /// Due expiry-index entries looked at.
    pub examined: usize,
    /// Expired keys deleted.
    pub removed: usize,
}

/// Counts over the whole store, from [`Kv::key_stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyStats {
    /// Live keys.
    pub keys: u64,
    /// Live keys with an expiry.
    pub expiring: u64,
    /// Mean time to live of the keys with an expiry, in milliseconds.
    pub avg_ttl_ms: u64,
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

    /// The key-value store of an engine that is already open. Clone the
    /// result rather than calling this twice: atomicity of updates holds
    /// among clones of one `Kv`.
    pub fn from_engine(engine: Arc<Engine>) -> Result<Kv> {
        // Read by key above all: its memtables index their keys by hash. (A
        // keyspace keeps the options it was created with.)
        let ks = engine.open_keyspace(
            KV_KEYSPACE,
            KeyspaceOptions { memtable_point_index: true, ..KeyspaceOptions::default() },
        )?;
        let expiry = engine.open_keyspace(KV_EXPIRY_KEYSPACE, KeyspaceOptions::default())?;
        let shared =
            Arc::new(Shared { stripes: Stripes::new(), expired_removed: AtomicU64::new(0) });
        Ok(Kv { engine, ks, expiry, shared })
    }

    /// The engine underneath, for keyspaces of one's own, stats and
    /// maintenance.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Sets `key` to `value`, without expiry; returns the write's sequence
    /// number.
    pub fn put(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<SeqNo> {
        self.put_with_expiry(key, value, None)
    }

    /// Sets `key` to `value`, expiring after `expire_at_ms` (milliseconds
    /// since the Unix epoch) or never.
    pub fn put_with_expiry(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        expire_at_ms: Option<u64>,
    ) -> Result<SeqNo> {
        let key = key.as_ref();
        let mut batch = WriteBatch::new();
        self.add_put(&mut batch, key, value.as_ref(), expire_at_ms)?;
        let _held = self.shared.stripes.shared([key]);
        self.engine.write(&batch)
    }

    fn add_put(
        &self,
        batch: &mut WriteBatch,
        key: &[u8],
        value: &[u8],
        expire_at_ms: Option<u64>,
    ) -> Result<()> {
        if value.len() > MAX_KV_VALUE_BYTES {
            return Err(Error::ValueTooLarge { bytes: value.len(), max: MAX_KV_VALUE_BYTES });
        }
        batch.put(&self.ks, key, value::encode(value, expire_at_ms));
        if let Some(at) = expire_at_ms {
            batch.put(&self.expiry, index_key(at, key), []);
        }
        Ok(())
    }

    /// The value of `key`, if it exists and is not expired.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        Ok(self.get_entry(key)?.map(|e| e.value))
    }

    /// The value of `key` with its expiry, if it exists and is not expired.
    /// An expired entry met here is deleted.
    pub fn get_entry(&self, key: impl AsRef<[u8]>) -> Result<Option<KvEntry>> {
        let key = key.as_ref();
        let now = now_ms();
        match self.read(key)? {
            Some(e) if e.is_expired(now) => {
                // The read's answer does not depend on the removal: a failed
                // delete (a database that refuses writes) leaves the entry to
                // the sweeper, and the reader still sees the key as absent.
                let _ = self.update(key, |_| (KvWrite::Keep, ()));
                Ok(None)
            }
            other => Ok(other),
        }
    }

    /// The stored entry of `key`, expired or not.
    fn read(&self, key: &[u8]) -> Result<Option<KvEntry>> {
        match self.ks.get(key)? {
            None => Ok(None),
            Some(raw) => value::decode(raw)
                .map(Some)
                .map_err(|reason| corrupt(self.engine.path(), key, reason)),
        }
    }

    /// Deletes `key` (a no-op if absent).
    pub fn delete(&self, key: impl AsRef<[u8]>) -> Result<SeqNo> {
        let key = key.as_ref();
        let _held = self.shared.stripes.shared([key]);
        self.ks.delete(key)
    }

    /// Whether `key` exists and is not expired.
    pub fn contains(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        Ok(self.get_entry(key)?.is_some())
    }

    /// The time to live of `key`.
    pub fn ttl(&self, key: impl AsRef<[u8]>) -> Result<Ttl> {
        Ok(match self.get_entry(key)? {
            None => Ttl::Missing,
            Some(KvEntry { expire_at_ms: None, .. }) => Ttl::Persistent,
            Some(KvEntry { expire_at_ms: Some(at), .. }) => Ttl::ExpiresAt(at),
        })
    }

    /// Sets the expiry of `key` to `expire_at_ms`; returns whether the key
    /// exists. An instant already past deletes the key.
    pub fn expire_at(&self, key: impl AsRef<[u8]>, expire_at_ms: u64) -> Result<bool> {
        let now = now_ms();
        self.update(key.as_ref(), |entry| match entry {
            None => (KvWrite::Keep, false),
            Some(_) if is_expired(Some(expire_at_ms), now) => (KvWrite::Delete, true),
            Some(e) => (KvWrite::Put { value: e.value, expire_at_ms: Some(expire_at_ms) }, true),
        })
    }

    /// Removes the expiry of `key`; returns whether it had one.
    pub fn persist(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        self.update(key.as_ref(), |entry| match entry {
            Some(KvEntry { value, expire_at_ms: Some(_) }) => {
                (KvWrite::Put { value, expire_at_ms: None }, true)
            }
            _ => (KvWrite::Keep, false),
        })
    }

    /// Reads `key` (`None` if absent or expired), lets `f` decide what to
    /// write, writes it, and returns what `f` returned, all atomically: no
    /// other write to `key` through this `Kv` comes in between.
    pub fn update<T>(
        &self,
        key: &[u8],
        f: impl FnOnce(Option<KvEntry>) -> (KvWrite, T),
    ) -> Result<T> {
        self.update_many(&[key], |mut entries| {
            let (write, out) = f(entries.pop().flatten());
            (vec![write], out)
        })
    }

    /// [`Kv::update`] over several keys at once: `f` gets the entries in the
    /// order of `keys` and returns one write per key; all writes are applied
    /// in one atomic batch. A key named twice is read twice and the last of
    /// its writes wins.
    pub fn update_many<T>(
        &self,
        keys: &[&[u8]],
        f: impl FnOnce(Vec<Option<KvEntry>>) -> (Vec<KvWrite>, T),
    ) -> Result<T> {
        let _held = self.shared.stripes.exclusive(keys.iter().copied());
        let now = now_ms();
        let mut entries = Vec::with_capacity(keys.len());
        let mut expired = vec![false; keys.len()];
        for (i, key) in keys.iter().enumerate() {
            let entry = self.read(key)?;
            expired[i] = entry.as_ref().is_some_and(|e| e.is_expired(now));
            entries.push(entry.filter(|_| !expired[i]));
        }
        let (writes, out) = f(entries);
        assert_eq!(writes.len(), keys.len(), "update_many needs one write per key");
        let mut batch = WriteBatch::new();
        let mut removed = 0;
        for ((key, write), was_expired) in keys.iter().zip(writes).zip(expired) {
            match write {
                KvWrite::Keep if was_expired => {
                    batch.delete(&self.ks, key);
                    removed += 1;
                }
                KvWrite::Keep => {}
                KvWrite::Put { value, expire_at_ms } => {
                    self.add_put(&mut batch, key, &value, expire_at_ms)?
                }
                KvWrite::Delete => batch.delete(&self.ks, key),
            }
        }
        self.engine.write(&batch)?;
        self.shared.expired_removed.fetch_add(removed, Ordering::Relaxed);
        Ok(out)
    }

    /// A batch of writes to apply atomically with [`KvBatch::commit`].
    pub fn batch(&self) -> KvBatch {
        KvBatch { kv: self.clone(), batch: WriteBatch::new(), keys: Vec::new(), error: None }
    }

    /// Every live entry in key order (`.rev()` for descending).
    pub fn iter(&self) -> KvIter {
        self.wrap(self.ks.iter())
    }

    /// The live entries whose keys fall in `range`.
    pub fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> KvIter {
        self.wrap(self.ks.range(range))
    }

    /// The live entries whose keys start with `prefix`.
    pub fn prefix(&self, prefix: impl AsRef<[u8]>) -> KvIter {
        self.wrap(self.ks.prefix(prefix))
    }

    fn wrap(&self, it: srdb_engine::Iter) -> KvIter {
        KvIter::new(it, now_ms(), self.engine.path().to_path_buf())
    }

    /// A point-in-time view that never sees later writes.
    pub fn snapshot(&self) -> KvSnapshot {
        KvSnapshot { snapshot: self.engine.snapshot(), kv: self.clone() }
    }

    /// Counts the live keys and those with an expiry. Reads every entry's
    /// header: O(number of keys), exact as of one snapshot.
    pub fn key_stats(&self) -> Result<KeyStats> {
        let now = now_ms();
        let mut it = self.ks.iter();
        let (mut stats, mut ttl_sum) = (KeyStats::default(), 0u128);
        while let Some((key, raw)) = it.next_ref()? {
            let (expiry, _) =
                value::header(raw).map_err(|r| corrupt(self.engine.path(), key, r))?;
            match expiry {
                Some(at) if now > at => continue,
                Some(at) => {
                    stats.expiring += 1;
                    ttl_sum += u128::from(at - now);
                }
                None => {}
            }
            stats.keys += 1;
        }
        if stats.expiring > 0 {
            stats.avg_ttl_ms = (ttl_sum / u128::from(stats.expiring)) as u64;
        }
        Ok(stats)
    }

    /// Deletes every key and every expiry-index entry; returns the number of
    /// entries deleted (expired ones included). Runs in batches: writes made
    /// while it runs may survive it.
    pub fn clear(&self) -> Result<u64> {
        let mut removed = 0;
        for (ks, count) in [(&self.ks, true), (&self.expiry, false)] {
            let mut it = ks.iter();
            loop {
                let mut keys = Vec::with_capacity(CLEAR_BATCH_ENTRIES);
                while keys.len() < CLEAR_BATCH_ENTRIES {
                    match it.next_ref()? {
                        Some((key, _)) => keys.push(key.to_vec()),
                        None => break,
                    }
                }
                if keys.is_empty() {
                    break;
                }
                let mut batch = WriteBatch::new();
                keys.iter().for_each(|k| batch.delete(ks, k));
                let _held = self.shared.stripes.shared(keys.iter().map(Vec::as_slice));
                self.engine.write(&batch)?;
                if count {
                    removed += keys.len() as u64;
                }
            }
        }
        Ok(removed)
    }

    /// Deletes keys whose expiry has passed, looking at no more than
    /// `max_entries` due entries of the expiry index (oldest first). Call it
    /// periodically; each call's work is bounded by `max_entries`.
    pub fn sweep_expired(&self, max_entries: usize) -> Result<SweepStats> {
        let now = now_ms();
        let mut stats = SweepStats::default();
        // Entries at or before `now - 1` are due: a key expires once the
        // clock is past its instant.
        let mut it = self.expiry.range(..index_key(now, b""));
        let mut due = Vec::new();
        while stats.examined < max_entries {
            let Some((ikey, _)) = it.next_ref()? else { break };
            stats.examined += 1;
            due.push(ikey.to_vec());
            if due.len() == SWEEP_BATCH_ENTRIES {
                stats.removed += self.remove_due(&due, now)?;
                due.clear();
            }
        }
        if !due.is_empty() {
            stats.removed += self.remove_due(&due, now)?;
        }
        Ok(stats)
    }

    /// Deletes the keys of the index entries `due` that still carry the
    /// indexed expiry, and the index entries themselves (stale ones too: the
    /// key was rewritten or deleted since).
    fn remove_due(&self, due: &[Vec<u8>], now: u64) -> Result<usize> {
        let parsed: Vec<(u64, &[u8])> = due.iter().filter_map(|k| split_index_key(k)).collect();
        let _held = self.shared.stripes.exclusive(parsed.iter().map(|(_, k)| *k));
        let mut batch = WriteBatch::new();
        let mut removed = 0;
        for (ikey, (at, key)) in due.iter().zip(&parsed) {
            batch.delete(&self.expiry, ikey);
            let current = self.read(key)?;
            if current.is_some_and(|e| e.expire_at_ms == Some(*at) && is_expired(Some(*at), now)) {
                batch.delete(&self.ks, key);
                removed += 1;
            }
        }
        self.engine.write(&batch)?;
        self.shared.expired_removed.fetch_add(removed as u64, Ordering::Relaxed);
        Ok(removed)
    }

    /// Expired keys deleted since open, by readers, updates and sweeps.
    pub fn expired_removed(&self) -> u64 {
        self.shared.expired_removed.load(Ordering::Relaxed)
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
    /// Keys written, for their stripe locks at commit.
    keys: Vec<Vec<u8>>,
    /// The first invalid write (a value over the limit), reported by commit.
    error: Option<Error>,
}

impl KvBatch {
    /// Sets `key` to `value`, without expiry.
    pub fn put(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> &mut Self {
        self.put_with_expiry(key, value, None)
    }

    /// Sets `key` to `value`, expiring after `expire_at_ms` (milliseconds
    /// since the Unix epoch) or never. A value over [`MAX_KV_VALUE_BYTES`]
    /// makes [`KvBatch::commit`] fail and write nothing.
    pub fn put_with_expiry(
        &mut self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        expire_at_ms: Option<u64>,
    ) -> &mut Self {
        let key = key.as_ref();
        if let Err(e) = self.kv.add_put(&mut self.batch, key, value.as_ref(), expire_at_ms) {
            self.error.get_or_insert(e);
        }
        self.keys.push(key.to_vec());
        self
    }

    /// Deletes `key`.
    pub fn delete(&mut self, key: impl AsRef<[u8]>) -> &mut Self {
        self.batch.delete(&self.kv.ks, key.as_ref());
        self.keys.push(key.as_ref().to_vec());
        self
    }

    /// Number of distinct entries written (an expiry adds an index entry).
    pub fn len(&self) -> usize {
        self.batch.len()
    }

    /// Whether the batch writes nothing.
    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }

    /// Applies the batch; returns its sequence number.
    pub fn commit(self) -> Result<SeqNo> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let _held = self.kv.shared.stripes.shared(self.keys.iter().map(Vec::as_slice));
        self.kv.engine.write(&self.batch)
    }
}

/// A point-in-time view of the key-value store. Expiry is judged by the
/// clock when each read runs, so a key can expire in a snapshot.
pub struct KvSnapshot {
    snapshot: Snapshot,
    kv: Kv,
}

impl KvSnapshot {
    /// The value of `key` as of the snapshot, if it is not expired.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        let key = key.as_ref();
        match self.snapshot.get(&self.kv.ks, key)? {
            None => Ok(None),
            Some(raw) => {
                let e = value::decode(raw)
                    .map_err(|reason| corrupt(self.kv.engine.path(), key, reason))?;
                Ok(Some(e.value).filter(|_| !is_expired(e.expire_at_ms, now_ms())))
            }
        }
    }

    /// The live entries in `range` as of the snapshot.
    pub fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> KvIter {
        self.kv.wrap(self.snapshot.range(&self.kv.ks, range))
    }

    /// The live entries whose keys start with `prefix`, as of the snapshot.
    pub fn prefix(&self, prefix: impl AsRef<[u8]>) -> KvIter {
        self.kv.wrap(self.snapshot.prefix(&self.kv.ks, prefix))
    }

    /// The sequence number the snapshot reads at.
    pub fn seqno(&self) -> SeqNo {
        self.snapshot.seqno()
    }
}
