//! Limits of schemas and rows, each with the reason for its value.

/// Most fields a schema may have.
///
/// The row header stores the field count as a `u16`, so the codec could carry
/// 65,535; a schema is also kept whole in memory per table and checked field by
/// field on every insert. 1,024 is far above any schema seen in practice
/// (tables have tens of fields) while keeping the null bitmap of a row at most
/// 128 bytes and the fixed area of a row at most 16 KiB.
pub const MAX_FIELDS: usize = 1024;

/// Longest field name, in bytes of UTF-8.
///
/// Names appear in every JSON row, in query text and in the names of index
/// keyspaces (which the engine caps at 255 bytes); 64 bytes is generous for a
/// name and leaves room for a table name and a prefix in a keyspace name.
pub const MAX_FIELD_NAME_BYTES: usize = 64;

/// Longest field comment, in bytes of UTF-8.
///
/// A comment is documentation shown in the Web UI and kept in `schema.json`;
/// 1 KiB holds a paragraph, and a limit keeps a schema file small.
pub const MAX_COMMENT_BYTES: usize = 1024;

/// Largest encoded row, in bytes.
///
/// An encoded row is one value of the storage engine, whose limit is 16 MiB
/// (`srdb_engine`'s `MAX_VALUE_BYTES`); a row larger than that could be
/// validated but never stored. Offsets inside a row are `u32`, which this limit
/// keeps far from overflow.
pub const MAX_ROW_BYTES: usize = 16 * 1024 * 1024;

/// Version of the row codec that this build writes, stored in every row
/// header. A row with another version is refused, never guessed at.
pub const ROW_CODEC_VERSION: u8 = 1;

/// Version of the `schema.json` format that this build writes and reads.
pub const SCHEMA_FORMAT_VERSION: u32 = 1;
