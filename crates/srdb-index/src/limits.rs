//! Limits of index keys, each with the reason for its value.

/// Longest index key, in bytes: the encoded value and the 8-byte `_seq`.
///
/// An index key is a user key of the storage engine, whose limit is
/// [`srdb_key::MAX_KEY_BYTES`] (64 KiB). A longer key could be encoded but
/// never stored, so [`crate::encode_field_value`] refuses it up front. A string
/// of up to about 32 KiB always fits (each byte takes at most two bytes once
/// escaped); longer strings fit unless they hold many zero bytes.
pub const MAX_INDEX_KEY_BYTES: usize = srdb_key::MAX_KEY_BYTES;

/// Bytes of the `_seq` suffix of every index key (a big-endian `u64`).
pub const SEQ_BYTES: usize = 8;
