//! Internal keys: the one definition of how srdb orders versions of a key.
//!
//! Every write in srdb gets a global sequence number. The storage layers
//! (memtable, SST files, compaction, the engine) never store a bare user key;
//! they store an *internal key*:
//!
//! ```text
//! +----------------------+--------------------------------------+
//! | user key (n bytes)   | trailer: u64 little-endian           |
//! |                      |   = seqno << 8 | kind                 |
//! +----------------------+--------------------------------------+
//! ```
//!
//! Internal keys sort by user key ascending (bytewise), then by trailer
//! **descending**, so the newest version of a key comes first. A lookup for
//! `key` as of snapshot `s` therefore seeks to `(key, s, Kind::SEEK)` and takes
//! the first entry whose user key is `key`: it is the newest version not newer
//! than the snapshot. Tombstones are versions of kind [`Kind::Delete`].
//!
//! This crate owns only the encoding, the ordering, and the iterator trait the
//! storage layers share. It does no I/O.
//!
//! ```
//! use srdb_key::{compare_internal, InternalKey, Kind};
//!
//! let old = InternalKey::new(b"apple", 5, Kind::Put);
//! let new = InternalKey::new(b"apple", 9, Kind::Delete);
//! // The newer version sorts first.
//! assert!(compare_internal(new.as_bytes(), old.as_bytes()).is_lt());
//! let parsed = srdb_key::parse(new.as_bytes()).unwrap();
//! assert_eq!((parsed.user_key, parsed.seqno, parsed.kind), (&b"apple"[..], 9, Kind::Delete));
//! ```
#![forbid(unsafe_code)]

mod iter;
mod key;

pub use iter::{BoxError, InternalIterator};
pub use key::{
    compare_internal, parse, seek_key, InternalKey, KeyError, Kind, ParsedKey, SeqNo,
    MAX_KEY_BYTES, MAX_SEQNO, TRAILER_BYTES,
};
