//! Limits of databases and tables, each with the reason for its value.

/// Longest table name, in bytes of UTF-8.
///
/// Names appear in URLs of the Web UI, in query text and in every error
/// message; they never appear in keyspace names (keyspaces are numbered), so
/// the engine's 255-byte keyspace-name limit does not constrain them. 64 bytes
/// matches the limit of field names.
pub const MAX_TABLE_NAME_BYTES: usize = 64;

/// Rows written per batch by the backfill of a new index.
///
/// Each batch holds the table's write lock (which deletes and unique inserts
/// also take) while it reads its rows and writes their entries; 1,000 rows
/// keep that hold around a millisecond, so other writers wait little, while
/// the per-batch costs (a WAL record, a lock round trip) stay small.
pub const BACKFILL_BATCH_ROWS: usize = 1_000;

/// Rows deleted per batch by [`crate::Table::delete_older_than`] and examined
/// per hold of the table's write lock.
///
/// Same reasoning as [`BACKFILL_BATCH_ROWS`]: a bounded hold of the lock and
/// a bounded batch (a deleted row costs its key and its index entries).
pub const RETENTION_BATCH_ROWS: usize = 1_000;
