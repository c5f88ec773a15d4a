//! An on-disk B+Tree of 4 KiB pages.
//!
//! Owns: bulk building a tree bottom-up from a sorted stream of variable-length
//! keys and values, with no cap on its size; reading it in place from a byte
//! slice (an mmap) without copying: point lookup, lower-bound seek and
//! iteration both ways. Every page carries a checksum. It knows nothing of SST
//! files, which use it as their index.
#![forbid(unsafe_code)]
