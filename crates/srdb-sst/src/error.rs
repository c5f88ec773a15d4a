//! The one error type of this crate.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong writing or reading an SST file.
///
/// Every variant that concerns a file names it; corruption also names the
/// byte offset of the damaged structure (a block, the index, the footer...).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SstError {
    /// Bytes read from the file are not what the writer wrote.
    #[error("SST file {} is corrupt at offset {offset}: {reason}.", file.display())]
    Corruption {
        /// The damaged file.
        file: PathBuf,
        /// Byte offset of the damaged structure in the file.
        offset: u64,
        /// What is wrong, as a sentence fragment.
        reason: String,
    },
    /// The operating system failed a read, write, sync or mapping.
    #[error("I/O on SST file {} failed: {source}.", path.display())]
    Io {
        /// The file being accessed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The file was written by a newer (or unknown) format version.
    #[error("SST file {} has format version {found}; this build reads versions 1 to {supported}.", file.display())]
    UnsupportedVersion {
        /// The file.
        file: PathBuf,
        /// The version stored in the file.
        found: u16,
        /// The newest version this build reads (and the one it writes).
        supported: u16,
    },
    /// [`crate::SstWriter::add`] was given a key that does not sort strictly
    /// after the previous one under `srdb_key::compare_internal`.
    #[error("SST file {}: key {} was added after key {}, but keys must be strictly increasing.",
        path.display(), key.escape_ascii(), previous.escape_ascii())]
    OutOfOrder {
        /// The file being written.
        path: PathBuf,
        /// The key added before.
        previous: Vec<u8>,
        /// The offending key.
        key: Vec<u8>,
    },
    /// [`crate::SstWriter::add`] was given bytes that are not an internal
    /// key, or an entry larger than the limits in [`crate::limits`].
    #[error("SST file {}: the entry cannot be written because {reason}.", path.display())]
    InvalidEntry {
        /// The file being written.
        path: PathBuf,
        /// Why the entry was refused.
        reason: String,
    },
    /// [`crate::WriterOptions`] hold a value outside its allowed range.
    #[error("SST writer options are invalid: {reason}.")]
    InvalidOptions {
        /// Which option is wrong and why.
        reason: String,
    },
    /// [`crate::SstWriter::finish`] was called on a writer that holds no
    /// entry. An SST file is never empty; the partial file was removed.
    #[error("SST file {} would hold no entry; it was removed instead of finished.", path.display())]
    Empty {
        /// The file that was being written.
        path: PathBuf,
    },
}

impl SstError {
    pub(crate) fn corruption(
        file: &std::path::Path,
        offset: u64,
        reason: impl Into<String>,
    ) -> Self {
        SstError::Corruption { file: file.to_path_buf(), offset, reason: reason.into() }
    }

    pub(crate) fn io(path: &std::path::Path, source: io::Error) -> Self {
        SstError::Io { path: path.to_path_buf(), source }
    }

    /// Whether this error reports damaged bytes (as opposed to an I/O failure
    /// or a caller mistake).
    pub fn is_corruption(&self) -> bool {
        matches!(self, SstError::Corruption { .. } | SstError::UnsupportedVersion { .. })
    }
}
