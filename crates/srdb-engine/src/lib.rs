//! The srdb LSM engine.
//!
//! Owns: a database directory and its lock; keyspaces sharing one WAL and one
//! MANIFEST; atomic write batches; point-in-time snapshots; flush of frozen
//! memtables and compaction on background threads; recovery and repair.
#![forbid(unsafe_code)]
