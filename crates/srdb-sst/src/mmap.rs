//! The bytes of an open SST file: a read-only memory map of the file, or an
//! owned buffer (for files given as bytes, as the fuzz target does).
//!
//! This is the only module of the crate that uses `unsafe`.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::ops::Deref;

/// The whole content of one SST file.
pub(crate) enum Backing {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Backing {
    /// Maps `file` read-only.
    pub(crate) fn map(file: &File) -> io::Result<Backing> {
        // SAFETY: a mapping is undefined behaviour if the file is modified
        // or truncated while mapped. srdb never modifies an SST file once it
        // is finished (the writer creates it with `create_new` and it is only
        // ever opened after `finish`), and deletes it only by unlinking, which
        // keeps the mapped pages alive. A process outside srdb writing to the
        // database directory is outside what srdb can defend against.
        let map = unsafe { memmap2::Mmap::map(file)? };
        Ok(Backing::Mapped(map))
    }
}

impl Deref for Backing {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Backing::Mapped(map) => map,
            Backing::Owned(bytes) => bytes,
        }
    }
}
