//! Merging iterators and leveled compaction.
//!
//! Owns: the k-way [`MergingIterator`] over memtables and SST files; the
//! [`LevelIterator`] that reads a sorted level as one sequence; the
//! [`VersionFilter`] that drops versions no reader can see; choosing what to
//! compact ([`pick`]: L0 by file count, deeper levels by size); and running a
//! compaction ([`run_compaction`]) as a stream with bounded memory that
//! splits its output at a target file size ([`write_ssts`]).
//!
//! A flush uses the same parts: a [`VersionFilter`] over the frozen
//! memtable's iterator, drained by [`write_ssts`] with a target of
//! `u64::MAX` to get one L0 file.
//!
//! This crate does not own the MANIFEST edit that installs a compaction's output, the
//! background threads that run compactions, or the list of live snapshots:
//! the engine does, and hands this crate what it needs.
//!
//! ```
//! use srdb_compaction::{MergingIterator, VecIterator, VersionFilter};
//! use srdb_key::{InternalIterator, InternalKey, Kind};
//!
//! let entry = |k: &[u8], seq, kind| (InternalKey::new(k, seq, kind).as_bytes().to_vec(), b"v".to_vec());
//! // A newer source overwrites "a" and deletes "b"; an older one holds both.
//! let newer = VecIterator::new(vec![entry(b"a", 7, Kind::Put), entry(b"b", 8, Kind::Delete)]);
//! let older = VecIterator::new(vec![entry(b"a", 2, Kind::Put), entry(b"b", 3, Kind::Put)]);
//! let merged = MergingIterator::new(vec![Box::new(newer), Box::new(older)]);
//!
//! // No snapshot is live and nothing lies below: only "a"@7 survives.
//! let mut kept = VersionFilter::new(merged, vec![], true);
//! kept.seek_to_first()?;
//! assert_eq!(kept.key(), InternalKey::new(b"a", 7, Kind::Put).as_bytes());
//! kept.advance()?;
//! assert!(!kept.valid());
//! assert_eq!((kept.stats().dropped_versions, kept.stats().dropped_tombstones), (2, 1));
//! # Ok::<(), srdb_compaction::CompactionError>(())
//! ```
#![forbid(unsafe_code)]

mod error;
mod filter;
mod level_iter;
mod merge;
mod options;
mod output;
mod picker;
mod run;
mod vec_iter;

#[cfg(test)]
mod testing;

pub use error::CompactionError;
pub use filter::{EntrySource, FilterStats, VersionFilter};
pub use level_iter::{FileOpener, LevelIterator};
pub use merge::{BoxedIterator, MergingIterator};
pub use options::{CompactionOptions, MAX_LEVELS, MIN_LEVEL_SIZE_RATIO};
pub use output::write_ssts;
pub use picker::{level_scores, pick, pick_manual, CompactionTask};
pub use run::{run_compaction, CompactionOutcome};
pub use vec_iter::VecIterator;
