//! The one error type of this crate.

use std::io;
use std::path::PathBuf;

use srdb_key::{BoxError, KeyError};
use srdb_sst::SstError;

/// Everything that can go wrong merging, filtering or compacting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompactionError {
    /// A source iterator (a memtable, an SST file, the opener of a file)
    /// reported an error. The original error is kept so that callers can
    /// downcast it, for example to an `SstError` to tell corruption from I/O.
    #[error("Reading a compaction input failed: {0}")]
    Source(#[source] BoxError),
    /// Writing an output SST file failed (the SST layer also refuses
    /// entries out of order or over its size limits).
    #[error("Writing SST file {} failed: {source}", path.display())]
    Sst {
        /// The output file.
        path: PathBuf,
        /// The SST layer's error.
        #[source]
        source: SstError,
    },
    /// An input entry's key is not an internal key.
    #[error("A compaction input holds key {} that is not an internal key: {source}.", key.escape_ascii())]
    InvalidKey {
        /// The offending bytes.
        key: Vec<u8>,
        /// Why they do not parse.
        #[source]
        source: KeyError,
    },
    /// Input keys do not come in internal-key order, so an input is corrupt.
    #[error("A compaction input is out of order: key {} came after key {}.", key.escape_ascii(), previous.escape_ascii())]
    OutOfOrder {
        /// The key read before.
        previous: Vec<u8>,
        /// The key that should have sorted after it but does not.
        key: Vec<u8>,
    },
    /// The input files' metadata promised a different number of entries than
    /// the compaction read from them: an input is damaged or its metadata is
    /// wrong, and writing the output would lose or invent data.
    #[error("The compaction inputs claim {expected} entries but {read} were read.")]
    EntryCountMismatch {
        /// The sum of the inputs' `FileMeta::entries`.
        expected: u64,
        /// The entries actually read.
        read: u64,
    },
    /// A file-system operation of the compaction itself failed (syncing the
    /// output directory, removing abandoned output).
    #[error("I/O on {} failed: {source}.", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// [`crate::CompactionOptions`] hold a value outside its allowed range.
    #[error("Compaction options are invalid: {reason}.")]
    InvalidOptions {
        /// Which option is wrong and why.
        reason: String,
    },
}
