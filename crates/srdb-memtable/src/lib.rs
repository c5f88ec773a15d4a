//! The memtable: a concurrent sorted map of internal keys to values.
//!
//! Owns: inserting versions from many threads at once, point lookups as of a
//! snapshot, iteration in internal-key order ([`srdb_key::InternalIterator`]),
//! and accounting of its memory so the engine knows when to freeze it. It
//! knows nothing of files, of the WAL, or of when to freeze.
//!
//! Versions are kept in a lock-free skiplist (crossbeam-skiplist) ordered by
//! [`srdb_key::compare_internal`]: user key ascending, newest version first.
//! Lookups search with a borrowed key and do not allocate.
//!
//! ```
//! use std::sync::Arc;
//! use srdb_key::{InternalIterator, Kind};
//! use srdb_memtable::Memtable;
//!
//! let table = Arc::new(Memtable::new());
//! table.insert(b"apple", 1, Kind::Put, b"red");
//! table.insert(b"apple", 5, Kind::Delete, b"");
//! assert_eq!(table.get(b"apple", 4).unwrap().value, b"red");
//! assert_eq!(table.get(b"apple", 9).unwrap().kind, Kind::Delete);
//!
//! let mut iter = table.iter();
//! iter.seek_to_first().unwrap();
//! let newest = srdb_key::parse(iter.key()).unwrap();
//! assert_eq!((newest.user_key, newest.seqno), (&b"apple"[..], 5));
//! ```
#![deny(unsafe_code)]

// The iterator holds skiplist entries beside the `Arc` that keeps the
// skiplist alive; it is the one module that needs `unsafe`.
#[allow(unsafe_code)]
mod iter;
mod memtable;
mod record;

pub use iter::MemtableIter;
pub use memtable::{MemEntry, Memtable, ENTRY_OVERHEAD_BYTES};
