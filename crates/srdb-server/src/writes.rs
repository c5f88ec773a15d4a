//! The group commit of blind writes (plain SET, MSET).
//!
//! An event loop runs the requests of every connection that was ready in
//! one iteration; their blind writes go into one [`Writes`], committed as
//! one engine batch before any of their `+OK` replies is sent. Under
//! `SyncPolicy::Always` one fsync covers the writes of every connection of
//! the iteration, as Redis's `appendfsync always` does before it sleeps.
//! A worker thread running a large MSET commits its own.
//!
//! Ordering: a connection with uncommitted writes runs nothing but further
//! blind writes until the commit (`cmd::plan`), so its commands keep their
//! order and a GET after its SET sees the SET. Writes of different
//! connections in one batch were concurrent, so any order between them is
//! valid. The batch takes the keys' stripe locks in shared mode
//! (`KvBatch::commit`), so read-modify-write commands, which hold a key's
//! lock across their read and write, stay atomic.

use srdb::{Kv, KvBatch};

use crate::cmd::ErrReply;

/// Bytes of keys and values one group commit holds at most before the loop
/// commits it: far below the engine's 64 MiB batch limit, large enough that
/// batching costs nothing.
pub(crate) const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

/// Blind writes waiting for their group commit.
pub(crate) struct Writes {
    kv: Kv,
    batch: KvBatch,
    count: usize,
    bytes: usize,
}

impl Writes {
    pub(crate) fn new(kv: Kv) -> Self {
        Writes { batch: kv.batch(), kv, count: 0, bytes: 0 }
    }

    /// Adds a write; the caller checked the value's size.
    pub(crate) fn put(&mut self, key: &[u8], value: &[u8], expire_at_ms: Option<u64>) {
        self.batch.put_with_expiry(key, value, expire_at_ms);
        self.count += 1;
        self.bytes += key.len() + value.len();
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether the batch is large enough to commit now.
    pub(crate) fn is_full(&self) -> bool {
        self.bytes >= MAX_BATCH_BYTES
    }

    /// Commits the writes as one atomic batch, waiting until they are as
    /// durable as the store's sync policy asks, and starts a new batch.
    pub(crate) fn commit(&mut self) -> Result<(), ErrReply> {
        let batch = std::mem::replace(&mut self.batch, self.kv.batch());
        self.count = 0;
        self.bytes = 0;
        batch.commit().map(|_| ()).map_err(ErrReply::from)
    }
}
