//! Index keys of srdb tables.
//!
//! A secondary index on a field maps each row to one key of the index's
//! keyspace: the order-preserving encoding of the field's value followed by
//! the row's `_seq` (big-endian). For two values of the same field type,
//! `encode(a) < encode(b)` bytewise exactly when `a < b` under
//! [`Value`]'s total order, so equality, ranges, string prefixes and ordering
//! by the field are plain range scans of the keyspace. The format is specified
//! in `docs/format/index-key.md`.
//!
//! This crate is storage-independent: it makes and reads keys and computes
//! key ranges. Writing index entries in the row's batch, backfill and unique
//! constraints belong to the table layer.
//!
//! ```
//! use srdb_index::{decode_index_key, index_key, range_contains, range_gte};
//! use srdb_schema::{FieldType, Value};
//!
//! let a = index_key(&Value::Int(-5), 7);
//! let b = index_key(&Value::Int(18), 3);
//! assert!(a < b);
//! assert_eq!(decode_index_key(&b, FieldType::Int8)?, (Value::Int(18), 3));
//!
//! let adults = range_gte(&Value::Int(18));
//! assert!(range_contains(&adults, &b) && !range_contains(&adults, &a));
//! # Ok::<(), srdb_index::IndexError>(())
//! ```
//!
//! [`Value`]: srdb_schema::Value
#![forbid(unsafe_code)]

mod decimal;
mod decode;
mod encode;
mod error;
mod limits;
mod range;

pub use decode::decode_index_key;
pub use encode::{encode_field_value, encode_field_value_into, encode_value, index_key};
pub use error::IndexError;
pub use limits::{MAX_INDEX_KEY_BYTES, SEQ_BYTES};
pub use range::{
    prefix_successor, range_all, range_between, range_contains, range_eq, range_gt, range_gte,
    range_is_empty, range_lt, range_lte, range_not_null, range_null, range_starts_with,
    value_range, KeyRange,
};
