//! Limits of the engine, each with the reason for its value.

/// Largest value accepted, in bytes. Values are copied whole into the WAL
/// record, the memtable and one SST block; 16 MiB keeps a single write far
/// below the memtable budget while allowing large documents.
pub const MAX_VALUE_BYTES: usize = 16 * 1024 * 1024;

/// Largest encoded write batch, in bytes. A batch is one WAL record and lives
/// whole in memory while it commits; 64 MiB bounds that and stays below the
/// WAL's own record limit.
pub const MAX_BATCH_BYTES: usize = 64 * 1024 * 1024;

/// Largest keyspace name, in bytes.
pub const MAX_KEYSPACE_NAME_BYTES: usize = 255;
