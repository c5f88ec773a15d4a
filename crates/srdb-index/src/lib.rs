//! Secondary indexes of srdb tables.
//!
//! Owns: the order-preserving encoding of typed values into index keys
//! (`encode(a) < encode(b)` exactly when `a < b`), index entries written in the
//! same batch as their row, backfill of a new index, and unique constraints.
#![forbid(unsafe_code)]
