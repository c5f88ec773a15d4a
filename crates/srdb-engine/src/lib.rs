//! The srdb LSM engine.
//!
//! Owns: a database directory and its lock; keyspaces (column families)
//! sharing one WAL and one MANIFEST; atomic write batches across keyspaces;
//! point-in-time snapshots; flush of frozen memtables and leveled compaction
//! on background threads; recovery; [`repair`] of a lost or damaged MANIFEST.
//!
//! It is not: a typed table store (that is `srdb-schema` and the `srdb`
//! facade) or a server.
//!
//! ```
//! use srdb_engine::{Engine, KeyspaceOptions, Options, WriteBatch};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let engine = Engine::open(dir.path(), Options::default()).unwrap();
//! let fruit = engine.open_keyspace("fruit", KeyspaceOptions::default()).unwrap();
//! fruit.put("apple", "red").unwrap();
//!
//! let snapshot = engine.snapshot();
//! let mut batch = WriteBatch::new();
//! batch.put(&fruit, "banana", "yellow");
//! batch.delete(&fruit, "apple");
//! engine.write(&batch).unwrap();
//!
//! assert_eq!(fruit.get("apple").unwrap(), None);
//! assert_eq!(snapshot.get(&fruit, "apple").unwrap(), Some(b"red".to_vec()));
//! let keys: Vec<Vec<u8>> = fruit.iter().map(|e| e.unwrap().0).collect();
//! assert_eq!(keys, vec![b"banana".to_vec()]);
//! ```
#![forbid(unsafe_code)]

mod batch;
mod check;
mod compact;
mod engine;
mod error;
mod flush;
mod iter;
mod keyspace;
mod limits;
mod memgen;
mod options;
mod properties;
mod recovery;
mod repair;
mod seqno;
mod stats;
mod tables;
mod time_filter;

pub use batch::WriteBatch;
pub use check::{
    check_dir, decode_wal_batch, restore_keyspaces, sst_owner, CheckProgress, DirCheck, DirProblem,
    ProblemKind, WalEntry, MAX_DIR_PROBLEMS,
};
pub use engine::Engine;
pub use error::{Error, Result};
pub use iter::{Iter, ScanPlan};
pub use keyspace::{Keyspace, Snapshot};
pub use limits::{MAX_BATCH_BYTES, MAX_KEYSPACE_NAME_BYTES, MAX_VALUE_BYTES};
pub use options::{
    CompactionOptions, Compression, KeyspaceOptions, Options, SyncPolicy, TimeSource,
};
pub use recovery::{LOCK_FILE, WAL_DIR};
pub use repair::{repair, RepairReport, LOST_DIR};
pub use srdb_key::{SeqNo, MAX_KEY_BYTES};
pub use stats::{FileStats, KeyspaceStats, LevelStats, Stats};

/// Fsyncs a directory so that file creations, renames and deletions in it are
/// durable.
pub(crate) fn fsync_dir(dir: &std::path::Path) -> Result<()> {
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io(dir, e))
}
