//! Schemas and rows of srdb tables.
//!
//! Owns: the field types (the 21 of SRDB plus bytes), nullable / default /
//! required / unique / indexed / comment per field, schema validation and
//! evolution, `schema.json`, and the binary row codec in which one field can be
//! decoded without decoding the row.
#![forbid(unsafe_code)]
