//! The memtable: a concurrent sorted map of internal keys to values.
//!
//! Owns: inserting versions from many threads at once, point lookups as of a
//! snapshot, iteration in internal-key order, and accounting of its memory so
//! the engine knows when to freeze it. It knows nothing of files.
#![forbid(unsafe_code)]
