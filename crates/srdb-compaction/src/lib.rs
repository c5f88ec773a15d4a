//! Merging iterators and leveled compaction.
//!
//! Owns: the k-way merging iterator over memtables and SST files; choosing
//! what to compact (L0 by file count, deeper levels by size); running a
//! compaction as a stream with bounded memory that drops shadowed versions and
//! tombstones no snapshot can see, splitting output at a target file size.
#![forbid(unsafe_code)]
