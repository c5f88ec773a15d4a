//! The one error type of the write-ahead log.

use std::io;
use std::path::PathBuf;

use srdb_key::BoxError;

/// What can go wrong while writing, reading or recovering a log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalError {
    /// Bytes read from a log file are damaged: a checksum does not match, a
    /// field holds an impossible value, or records are missing. Nothing after
    /// `offset` in `file` was trusted.
    #[error("The log file {} is corrupt at byte offset {offset}: {reason}.", file.display())]
    Corruption {
        /// The damaged file.
        file: PathBuf,
        /// Byte offset in `file` of the first damaged record or header.
        offset: u64,
        /// What was found to be wrong, as a sentence fragment.
        reason: String,
    },
    /// A log file was written by a newer (or unknown) format version.
    #[error("The log file {} has format version {version}, which this build of srdb cannot read (it reads version {supported}).", file.display())]
    UnsupportedVersion {
        /// The file.
        file: PathBuf,
        /// The version found in its header.
        version: u32,
        /// The version this build writes and reads.
        supported: u32,
    },
    /// A system call on a log file or directory failed.
    #[error("Could not {action} {}: {source}.", path.display())]
    Io {
        /// What was being done, as a verb phrase ("write to", "fsync").
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The error the operating system reported.
        #[source]
        source: io::Error,
    },
    /// A payload is larger than [`crate::MAX_RECORD_BYTES`].
    #[error("A log record of {bytes} bytes is larger than the limit of {max} bytes.")]
    RecordTooLarge {
        /// Size of the rejected payload.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The log has handed out every usable sequence number.
    #[error("The log cannot assign LSN {lsn}: log sequence numbers end at {max}.")]
    LsnExhausted {
        /// The LSN that would have been assigned.
        lsn: u64,
        /// The largest usable LSN, [`crate::MAX_LSN`].
        max: u64,
    },
    /// The replay callback given to `open` or a reader returned an error; the
    /// error is passed through unchanged.
    #[error("Replaying the log stopped because the caller's callback failed: {0}")]
    Replay(#[source] BoxError),
    /// An earlier write or sync failed, so the log no longer knows what is on
    /// disk and refuses further writes. Reopen it to recover.
    #[error("The log refuses writes after an earlier failure: {reason}")]
    Poisoned {
        /// The earlier failure.
        reason: String,
    },
}

impl WalError {
    /// Builds an [`WalError::Io`] for `path`.
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        WalError::Io { action, path: path.into(), source }
    }

    /// Builds a [`WalError::Corruption`].
    pub(crate) fn corruption(
        file: impl Into<PathBuf>,
        offset: u64,
        reason: impl Into<String>,
    ) -> Self {
        WalError::Corruption { file: file.into(), offset, reason: reason.into() }
    }

    /// Whether this error means bytes on disk are damaged (as opposed to an
    /// I/O failure or a caller error).
    pub fn is_corruption(&self) -> bool {
        matches!(self, WalError::Corruption { .. } | WalError::UnsupportedVersion { .. })
    }
}
