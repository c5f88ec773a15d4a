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
    /// The mapping, and the file for reads that should bypass it.
    Mapped(memmap2::Mmap, File),
    Owned(Vec<u8>),
}

impl Backing {
    /// Maps `file` read-only.
    pub(crate) fn map(file: File) -> io::Result<Backing> {
        // SAFETY: a mapping is undefined behaviour if the file is modified
        // or truncated while mapped. srdb never modifies an SST file once it
        // is finished (the writer creates it with `create_new` and it is only
        // ever opened after `finish`), and deletes it only by unlinking, which
        // keeps the mapped pages alive. A process outside srdb writing to the
        // database directory is outside what srdb can defend against.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(Backing::Mapped(map, file))
    }

    /// Reads `len` bytes at `offset` with `pread`, past the mapping, so that
    /// a one-pass reader (a compaction) does not map the whole file into the
    /// process's resident memory. `None` for owned bytes, which are read in
    /// place.
    pub(crate) fn read_unmapped(&self, offset: u64, len: usize) -> Option<io::Result<Vec<u8>>> {
        use std::os::unix::fs::FileExt;
        match self {
            Backing::Mapped(_, file) => {
                let mut buf = vec![0u8; len];
                Some(file.read_exact_at(&mut buf, offset).map(|()| buf))
            }
            Backing::Owned(_) => None,
        }
    }
}

impl Deref for Backing {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Backing::Mapped(map, _) => map,
            Backing::Owned(bytes) => bytes,
        }
    }
}
