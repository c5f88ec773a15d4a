//! srdb: an embedded LSM database with a key-value store and typed tables.
//!
//! This facade crate is the public API that the server and the command line
//! use: the key-value store (`Kv`), and the `Database` of typed tables with
//! secondary indexes and queries. It re-exports what a user needs and adds no
//! storage logic of its own.
#![forbid(unsafe_code)]
