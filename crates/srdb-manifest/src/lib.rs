//! The MANIFEST: which files make up the database.
//!
//! Owns: version edits (files added and removed per keyspace and level,
//! keyspaces created and dropped, the next file number, the last sequence
//! number, the oldest WAL segment still needed), the log they are written to
//! (framed like the WAL, rotated when large), the `CURRENT` pointer switched
//! atomically, and the [`Version`] they add up to. Recovery reads the
//! MANIFEST, never a directory listing. It does not open SST files or decide
//! what to compact. The byte format is specified in `docs/format/manifest.md`.
//!
//! ```
//! use srdb_key::{InternalKey, Kind};
//! use srdb_manifest::{FileMeta, Manifest, VersionEdit};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let mut initial = VersionEdit { next_file_number: Some(1), ..VersionEdit::default() };
//! initial.create_keyspace(1, "kv".into(), Vec::new());
//! let (mut manifest, version) = Manifest::create(dir.path(), &initial).unwrap();
//!
//! // A flush: one new L0 file.
//! let mut flush = VersionEdit { next_file_number: Some(8), last_seqno: Some(100), ..VersionEdit::default() };
//! flush.add_file(1, 0, FileMeta {
//!     number: 7, size_bytes: 4096, entries: 100,
//!     smallest: InternalKey::new(b"a", 100, Kind::Put),
//!     largest: InternalKey::new(b"z", 1, Kind::Put),
//!     min_seqno: 1, max_seqno: 100, time_range: None,
//! });
//! let version = manifest.log_and_apply(&flush, &version).unwrap();
//! drop(manifest);
//!
//! let (_manifest, reopened) = Manifest::open(dir.path()).unwrap();
//! assert_eq!(reopened, version);
//! assert_eq!(reopened.live_file_numbers().collect::<Vec<_>>(), vec![7]);
//! ```
#![forbid(unsafe_code)]

mod codec;
mod current;
mod edit;
mod error;
mod file_meta;
pub mod limits;
mod manifest;
mod version;

pub use current::{manifest_file_name, CURRENT_FILE};
pub use edit::{AddedFile, CreatedKeyspace, DeletedFile, VersionEdit, EDIT_FORMAT_VERSION};
pub use error::ManifestError;
pub use file_meta::{sst_file_name, FileMeta, KeyspaceId, Level};
pub use manifest::{read_manifest, Manifest, ManifestReport, MANIFEST_MAGIC};
pub use srdb_wal::TornTail;
pub use version::{KeyspaceVersion, Version};
