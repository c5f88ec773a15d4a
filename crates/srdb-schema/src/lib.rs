//! Schemas and rows of srdb tables.
//!
//! This crate is the typed layer under srdb tables, independent of storage:
//!
//! * [`FieldType`]: SRDB's 21 field types plus `bytes`;
//! * [`Value`]: a typed value, with one total order ([`Ord`]) for queries
//!   and indexes, and conversions to and from JSON guided by the field type;
//! * [`Field`] and [`Schema`]: fields with nullable / default / required /
//!   unique / indexed / comment, built in code or read from `schema.json`
//!   (with a checksum that detects edits), and evolved by adding fields;
//! * [`Row`] and [`Schema::validate`], giving a [`ValidatedRow`]; rows from
//!   and to any serde type ([`to_row`], [`from_row`]);
//! * the binary row codec ([`encode_row`], [`decode_row`], [`decode_field`],
//!   [`decode_fields`]) in which one field is decoded without decoding the
//!   row. Its format is specified in `docs/format/row.md`.
//!
//! It does not store rows, keep indexes or enforce `unique`: the table layer
//! does, on top of the storage engine.
//!
//! ```
//! use srdb_schema::{decode_field, decode_row, encode_row, FieldType, Row, Schema, Value};
//!
//! let schema = Schema::builder()
//!     .field("name", FieldType::String)
//!     .field("age", FieldType::Int8).nullable()
//!     .build()?;
//! let row = schema.validate(&Row::new().with("name", "Alice").with("age", 30))?;
//! let bytes = encode_row(&schema, 1_700_000_000_000_000_000, &row);
//! assert_eq!(decode_field(&bytes, &schema, 1)?, Value::Int(30));
//! let (time_ns, back) = decode_row(&bytes, &schema)?;
//! assert_eq!(time_ns, 1_700_000_000_000_000_000);
//! assert_eq!(back.get("name"), Some(&Value::from("Alice")));
//!
//! // 300 does not fit an int8: an error, never a truncation.
//! assert!(schema.validate(&Row::new().with("name", "Bob").with("age", 300)).is_err());
//! # Ok::<(), srdb_schema::SchemaError>(())
//! ```
//!
//! # Order
//!
//! [`Value`] has one total order, used by queries and indexes. Values of
//! different families order by family first:
//!
//! `NULL < bool < number < rune < time < duration < string < bytes < array < object`
//!
//! * Numbers (`Int`, `Uint`, `Byte`, `Float32`, `Float64`, `Decimal`) compare
//!   by their exact mathematical value, across variants: `Uint(u64::MAX)` is
//!   greater than `Int(i64::MAX)`, `Int(2^53 + 1)` greater than
//!   `Float64(2^53)`. No comparison goes through `f64`. Floats follow the
//!   IEEE 754 total order: `-NaN < -inf < ... < -0.0 < +0.0 < ... < +inf <
//!   +NaN`: a NaN with the sign bit set is below every number and one without
//!   it above every number. Values that are numerically equal but not
//!   identical (`Int(1)` and `Float64(1.0)`, `-0.0` and `+0.0`, NaNs with
//!   different payloads) are ordered by variant, in the order `Int < Uint <
//!   Byte < Float32 < Float64 < Decimal`, then within a float variant by the
//!   IEEE total order. Decimals that differ only in scale (`1.5` and `1.50`)
//!   are equal.
//! * `false < true`; runes by code point; times and durations by
//!   nanoseconds; strings and bytes by their bytes (unsigned, lexicographic).
//! * JSON arrays and objects compare structurally: by JSON kind (`null < bool
//!   < number < string < array < object`), numbers as above, arrays element by
//!   element, objects as lists of (key, value) sorted by key.
//!
//! [`PartialEq`], [`Eq`] and [`Hash`] agree with this order: two values are
//! equal exactly when `cmp` says `Equal` (so a NaN equals itself, and `Int(1)`
//! does not equal `Uint(1)`).
#![forbid(unsafe_code)]

mod codec;
mod convert;
mod derive;
mod error;
mod field;
mod limits;
mod order;
mod row;
mod schema;
mod schema_json;
mod serde_row;
mod types;
mod validate;
mod value;
mod value_ref;

pub use codec::encode_row_into;
pub use codec::{
    decode_field, decode_fields, decode_row, decode_time, decode_values, decode_values_with,
    encode_row, RowView, ROW_HEADER_BYTES,
};
pub use derive::{as_nanos, DefaultFieldType, TableSchema};
pub use error::SchemaError;
pub use field::{Field, RESERVED_NAMES};
pub use limits::{
    MAX_COMMENT_BYTES, MAX_FIELDS, MAX_FIELD_NAME_BYTES, MAX_ROW_BYTES, ROW_CODEC_VERSION,
    SCHEMA_FORMAT_VERSION,
};
pub use row::{IntoFields, Row, UnknownFields, ValidatedRow};
pub use rust_decimal::Decimal;
pub use schema::{Schema, SchemaBuilder};
pub use serde_row::{from_row, to_row};
pub use types::FieldType;
pub use validate::RowBuilder;
pub use value::{JsonObject, Value};
pub use value_ref::ValueRef;

/// Runs the examples of `docs/guide/schema.md` as doc tests, so the guide
/// cannot drift from the code.
#[doc = include_str!("../../../docs/guide/schema.md")]
#[cfg(doctest)]
pub struct GuideExamples;
