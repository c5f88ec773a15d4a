//! Sorted string tables: the immutable files of srdb.
//!
//! Owns: the SST writer and reader (header, prefix-compressed data blocks with
//! restart points, snappy or no compression, the B+Tree index from
//! `srdb-btree`, a bloom filter, a footer, checksums on every block); the block
//! cache shared by all open files; point gets and iterators over internal keys.
//! It knows nothing of levels, versions or the MANIFEST.
#![forbid(unsafe_code)]
