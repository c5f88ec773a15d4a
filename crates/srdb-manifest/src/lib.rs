//! The MANIFEST: which files make up the database.
//!
//! Owns: version edits (files added and removed per keyspace and level,
//! keyspaces created and dropped, the next file number, the last sequence
//! number, the oldest WAL segment still needed), the log they are written to,
//! the `CURRENT` pointer switched atomically, and the `Version` they add up
//! to. Recovery reads the MANIFEST, never a directory listing.
#![forbid(unsafe_code)]

mod file_meta;

pub use file_meta::{sst_file_name, FileMeta, KeyspaceId, Level};
