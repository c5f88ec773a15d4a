//! The one error type of the MANIFEST crate.

use std::io;
use std::path::PathBuf;

use srdb_wal::WalError;

/// What can go wrong while encoding, applying, writing or reading version
/// edits.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// Bytes read from a MANIFEST or `CURRENT` file are damaged or describe
    /// an impossible state. Nothing at or after `offset` in `file` was used.
    #[error("The MANIFEST file {} is corrupt at byte offset {offset}: {reason}.", file.display())]
    Corruption {
        /// The damaged file.
        file: PathBuf,
        /// Byte offset of the damaged record (or 0 for a whole-file problem).
        offset: u64,
        /// What is wrong, as a sentence fragment.
        reason: String,
    },
    /// Bytes given to [`crate::VersionEdit::decode`] are not a valid edit.
    #[error("The version edit is malformed at byte {offset}: {reason}.")]
    MalformedEdit {
        /// Offset within the edit's bytes.
        offset: usize,
        /// What is wrong, as a sentence fragment.
        reason: String,
    },
    /// An edit contradicts the version it is applied to (for example it
    /// deletes a file that is not there). Nothing was written.
    #[error("The version edit cannot be applied: {reason}.")]
    InvalidEdit {
        /// Which invariant the edit breaks, as a sentence fragment.
        reason: String,
    },
    /// `create` found a database already in the directory.
    #[error("A database already exists in {}: its CURRENT file is present.", dir.display())]
    AlreadyExists {
        /// The directory.
        dir: PathBuf,
    },
    /// `open` found no `CURRENT` file in the directory.
    #[error("There is no database in {}: it has no CURRENT file.", dir.display())]
    NoDatabase {
        /// The directory.
        dir: PathBuf,
    },
    /// `CURRENT` names a MANIFEST file that does not exist.
    #[error("CURRENT names the MANIFEST file {}, which does not exist.", manifest.display())]
    MissingManifest {
        /// The missing file.
        manifest: PathBuf,
    },
    /// An earlier write failed, so what is on disk is unknown and the
    /// MANIFEST refuses further edits. Reopen the database to recover.
    #[error("The MANIFEST refuses edits after an earlier failure: {reason}")]
    Poisoned {
        /// The earlier failure.
        reason: String,
    },
    /// A system call on a MANIFEST, `CURRENT` or the directory failed.
    #[error("Could not {action} {}: {source}.", path.display())]
    Io {
        /// What was being done, as a verb phrase ("rename", "fsync").
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The error the operating system reported.
        #[source]
        source: io::Error,
    },
    /// The log framing of a MANIFEST file reported an error (damaged record,
    /// unsupported version, I/O failure). It names the file and offset.
    #[error(transparent)]
    Log(#[from] WalError),
}

impl ManifestError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        ManifestError::Io { action, path: path.into(), source }
    }

    pub(crate) fn corruption(
        file: impl Into<PathBuf>,
        offset: u64,
        reason: impl Into<String>,
    ) -> Self {
        ManifestError::Corruption { file: file.into(), offset, reason: reason.into() }
    }

    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        ManifestError::InvalidEdit { reason: reason.into() }
    }

    /// Whether this error means bytes on disk are damaged (as opposed to an
    /// I/O failure or a caller error).
    pub fn is_corruption(&self) -> bool {
        match self {
            ManifestError::Corruption { .. } | ManifestError::MissingManifest { .. } => true,
            ManifestError::Log(e) => e.is_corruption(),
            _ => false,
        }
    }
}
