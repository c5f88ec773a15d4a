//! The key-value engine adapter: the one interface every engine under test
//! implements, so that every workload runs the same code against each of them.
//!
//! An adapter is a thin translation of these calls into the engine's own API.
//! It must not add caching, batching or buffering of its own: what is measured
//! is the engine.
//!
//! Thread safety: one engine value is shared by all threads of a workload
//! (`&self` everywhere), so adapters are `Send + Sync`.

use std::ops::Bound;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// How much an engine must do before it acknowledges a commit.
///
/// The two tiers put every engine on the same footing: no engine pays for an
/// fsync in the buffered tier, and every engine pays for one per commit in the
/// sync tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// No fsync per commit. Each engine keeps its own buffered behaviour,
    /// which the adapter states in [`KvEngine::describe`].
    Buffered,
    /// One fsync (or fdatasync) before each commit is acknowledged.
    Sync,
}

/// Settings that every engine receives alike.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EngineOptions {
    /// Bytes of block or page cache the engine may use for reads.
    pub cache_bytes: u64,
    /// The durability tier of every commit made through this handle.
    pub durability: Durability,
}

/// One write of a batch.
#[derive(Clone, Copy, Debug)]
pub enum BatchOp<'a> {
    /// Insert or overwrite `key` with `value`.
    Put {
        /// The key.
        key: &'a [u8],
        /// The value.
        value: &'a [u8],
    },
    /// Remove `key`; removing an absent key is not an error.
    Delete {
        /// The key.
        key: &'a [u8],
    },
}

/// Which way a scan walks the key order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Ascending keys: the scan starts at the first key `>=` its start.
    Forward,
    /// Descending keys: the scan starts at the last key `<=` its start.
    Reverse,
}

impl Direction {
    /// The key range a scan from `start` in this direction covers, for
    /// engines whose scans take bounds.
    pub fn bounds(self, start: Option<&[u8]>) -> (Bound<&[u8]>, Bound<&[u8]>) {
        match (start, self) {
            (None, _) => (Bound::Unbounded, Bound::Unbounded),
            (Some(key), Direction::Forward) => (Bound::Included(key), Bound::Unbounded),
            (Some(key), Direction::Reverse) => (Bound::Unbounded, Bound::Included(key)),
        }
    }
}

/// A key-value engine under test.
///
/// To add an engine, implement this trait in one file under `src/engines/`
/// and add its name to the list in `src/engines/mod.rs`.
pub trait KvEngine: Send + Sync + Sized {
    /// A read view: a snapshot or read transaction, or the engine itself for
    /// engines whose reads need no view. Workloads take a fresh view every
    /// [`crate::workload::READS_PER_VIEW`] operations, so views see recent
    /// writes and engines with snapshot costs amortise them the way an
    /// application serving reads in groups would.
    type Reader<'a>: KvReader
    where
        Self: 'a;

    /// Opens (creating if needed) a database in the empty or existing
    /// directory `dir`, with the given options.
    fn open(dir: &Path, options: &EngineOptions) -> Result<Self>;

    /// One line stating the engine's version and its settings as opened:
    /// cache, compression, what the durability tier means for it. It goes into
    /// the report so that every figure carries its conditions.
    fn describe(options: &EngineOptions) -> String;

    /// Inserts or overwrites one key as one commit.
    fn put(&self, key: &[u8], value: &[u8]) -> Result<()>;

    /// Removes one key as one commit.
    fn delete(&self, key: &[u8]) -> Result<()>;

    /// Applies all `ops` atomically as one commit.
    fn write_batch(&self, ops: &[BatchOp<'_>]) -> Result<()>;

    /// Returns a read view that sees every write acknowledged before the call.
    fn reader(&self) -> Result<Self::Reader<'_>>;

    /// Makes every acknowledged write durable in the engine's main on-disk
    /// structure (for an LSM: memtables written to SST files), fsynced. Used
    /// after loads, so that reads are served from disk structures and write
    /// amplification includes the flush.
    fn flush(&self) -> Result<()>;

    /// Waits until background work started by earlier writes (flushes,
    /// compactions) has finished, so that a measured phase after a load does
    /// not pay for the load's compactions. Engines without background work
    /// keep this default, which returns at once.
    fn wait_idle(&self) -> Result<()> {
        Ok(())
    }
}

/// Reads through one view of an engine.
pub trait KvReader {
    /// Looks `key` up; if present, passes its value to `visit` and returns
    /// what `visit` returns.
    fn get<R>(&self, key: &[u8], visit: impl FnOnce(&[u8]) -> R) -> Result<Option<R>>;

    /// Walks entries in `direction` from `start` (or from the first or last
    /// key when `start` is `None`), passing each key and value to `visit`
    /// until `visit` returns `false` or the entries run out. Returns the
    /// number of entries visited.
    fn scan(
        &self,
        start: Option<&[u8]>,
        direction: Direction,
        visit: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<u64>;
}
