//! Sorted string tables: the immutable files of srdb.
//!
//! An SST file holds internal keys (see `srdb-key`) and their values in
//! sorted order: prefix-compressed data blocks with restart points (snappy or
//! raw), a B+Tree index from `srdb-btree` mapping each block's last key to
//! the block, a bloom filter over user keys, a summary (key and seqno range,
//! entry count, `_time` range) and a footer; a checksum covers every byte.
//! The format is specified in `docs/format/sst.md`.
//!
//! This crate writes such files ([`SstWriter`]), reads them through a memory
//! map ([`Sst`]: point reads at a snapshot, iterators over internal keys,
//! full verification) and caches decompressed blocks across files
//! ([`BlockCache`]). It knows nothing of levels, versions or the MANIFEST.
//!
//! Corrupt bytes are reported as [`SstError::Corruption`] naming the file
//! and offset, never a panic or a wrong answer: every block's checksum is
//! verified before its content is trusted.
//!
//! ```
//! use srdb_key::{InternalIterator, InternalKey, Kind};
//! use srdb_sst::{BlockCache, Sst, SstWriter, WriterOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("000001.sst");
//! let mut writer = SstWriter::create(&path, WriterOptions::default())?;
//! writer.add(InternalKey::new(b"apple", 7, Kind::Put).as_bytes(), b"red")?;
//! writer.add(InternalKey::new(b"apple", 3, Kind::Put).as_bytes(), b"green")?;
//! writer.add(InternalKey::new(b"pear", 5, Kind::Delete).as_bytes(), b"")?;
//! let summary = writer.finish()?;
//! assert_eq!(summary.entries, 3);
//!
//! let sst = Sst::open(&path, 1, Some(BlockCache::new(8 << 20)))?;
//! let newest = sst.get(b"apple", 100)?.unwrap();
//! assert_eq!((newest.seqno, newest.value.as_slice()), (7, &b"red"[..]));
//! assert_eq!(sst.get(b"apple", 5)?.unwrap().value, b"green");
//! assert_eq!(sst.get(b"pear", 9)?.unwrap().kind, Kind::Delete);
//! assert!(sst.get(b"plum", 9)?.is_none());
//!
//! let mut iter = sst.iter();
//! iter.seek_to_first()?;
//! let mut count = 0;
//! while iter.valid() {
//!     count += 1;
//!     iter.next()?;
//! }
//! assert_eq!(count, 3);
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```
#![deny(unsafe_code)]

mod block;
mod bloom;
mod cache;
mod error;
mod footer;
mod header;
mod index;
mod inspect;
mod iter;
pub mod limits;
mod mmap;
mod prefetch;
mod reader;
mod summary;
mod verify;
mod writer;

pub use block::frame::Compression;
pub use cache::{BlockCache, CacheStats, ENTRY_OVERHEAD_BYTES};
pub use error::SstError;
pub use inspect::{DataBlockInfo, SstLayout};
pub use iter::SstIter;
pub use reader::{BlockAt, Lookup, Sst, VerifyReport};
pub use summary::SstSummary;
pub use writer::{SstWriter, TimeExtractor, WriterOptions};
