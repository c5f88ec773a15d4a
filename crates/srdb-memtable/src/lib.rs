//! The memtable: a concurrent sorted map of internal keys to values.
//!
//! Owns: inserting versions from many threads at once, point lookups as of a
//! snapshot, iteration in internal-key order ([`srdb_key::InternalIterator`]),
//! and accounting of its memory so the engine knows when to freeze it. It
//! knows nothing of files, of the WAL, or of when to freeze.
//!
//! Versions are kept in a lock-free skiplist ordered by
//! [`srdb_key::compare_internal`] (user key ascending, newest version
//! first), whose nodes, keys and values live in one arena per memtable:
//! one piece of a large chunk per version, no allocation of its own, all
//! freed at once when the memtable is dropped. [`Memtable::inserter`] keeps
//! its place between inserts, so a run of ascending keys (a table's rows,
//! a batch's sorted index entries) costs a few comparisons per entry instead
//! of a search from the top. Lookups search with a borrowed key and do not
//! allocate. [`Memtable::approximate_bytes`] is the arena's exact figure for
//! the entries. A memtable made with [`Memtable::with_point_index`] also
//! keeps a hash index of its user keys, so a point lookup costs a probe and
//! a node read instead of a skiplist search.
//!
//! ```
//! use std::sync::Arc;
//! use srdb_key::{InternalIterator, Kind};
//! use srdb_memtable::Memtable;
//!
//! let table = Arc::new(Memtable::new());
//! table.insert(b"apple", 1, Kind::Put, b"red");
//! table.insert(b"apple", 5, Kind::Delete, b"");
//! let mut batch = table.inserter();
//! for (i, fruit) in [&b"banana"[..], b"cherry", b"damson"].into_iter().enumerate() {
//!     batch.insert(fruit, 6, Kind::Put, &[i as u8]);
//! }
//! drop(batch);
//! assert_eq!(table.len(), 5);
//! assert_eq!(table.get(b"apple", 4).unwrap().value, b"red");
//! assert_eq!(table.get(b"apple", 9).unwrap().kind, Kind::Delete);
//!
//! let mut iter = table.iter();
//! iter.seek_to_first().unwrap();
//! let newest = srdb_key::parse(iter.key()).unwrap();
//! assert_eq!((newest.user_key, newest.seqno), (&b"apple"[..], 5));
//! ```
//!
//! `unsafe` is confined to four modules, each block justified where it is:
//! the arena (raw chunks), the skiplist (nodes in arena pieces, atomic
//! towers), the point index (node addresses in atomic slots) and the
//! iterator (a node address kept beside the `Arc` that keeps it alive).
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

#[allow(unsafe_code)]
mod arena;
#[allow(unsafe_code)]
mod iter;
mod key;
mod memtable;
#[allow(unsafe_code)]
mod point_index;
#[allow(unsafe_code)]
mod skiplist;

pub use iter::MemtableIter;
pub use memtable::{Inserter, MemEntry, Memtable, ENTRY_OVERHEAD_BYTES};
