//! Limits of the MANIFEST, each with the reason for its value. Decoding checks
//! every length and count read from disk against these before allocating.

/// Number of LSM levels a keyspace may have (levels `0..MAX_LEVELS`).
///
/// Leveled compaction with a size ratio of 10 reaches petabytes in 7 levels;
/// 64 matches `srdb_compaction::MAX_LEVELS` and bounds the level vector that a
/// corrupt level number could otherwise make huge.
pub const MAX_LEVELS: usize = 64;

/// Longest keyspace name, in bytes (UTF-8).
///
/// Names are shown in tools and the Web UI and held in every `Version`; 1 KiB
/// is far beyond any sensible name (a table name plus an index name).
pub const MAX_KEYSPACE_NAME_BYTES: usize = 1024;

/// Largest opaque options blob of a keyspace, in bytes.
///
/// The engine stores a keyspace's options (compression, table schema
/// references) here; 1 MiB leaves room for a large schema while bounding what
/// a corrupt length can make the decoder allocate.
pub const MAX_KEYSPACE_OPTIONS_BYTES: usize = 1024 * 1024;

/// Longest internal key accepted as a file's smallest or largest key: the
/// longest user key plus the trailer.
pub const MAX_INTERNAL_KEY_BYTES: usize = srdb_key::MAX_KEY_BYTES + srdb_key::TRAILER_BYTES;

/// Default size past which a MANIFEST file is rotated, in bytes.
///
/// Opening a database replays the whole MANIFEST, and each flush or compaction
/// appends an edit of roughly 100 bytes per file it names. 4 MiB is some tens
/// of thousands of edits and replays in a few milliseconds, while rotation
/// (writing a snapshot of the whole version) stays rare. A file also rotates
/// only once it is twice the size of its own first record, so a version whose
/// snapshot alone exceeds the threshold does not rotate on every edit.
pub const DEFAULT_ROTATE_BYTES: u64 = 4 * 1024 * 1024;

/// Largest `CURRENT` file read, in bytes. A valid one is about 50 bytes; the
/// bound keeps a damaged or foreign file from being read whole.
pub const MAX_CURRENT_BYTES: u64 = 256;
