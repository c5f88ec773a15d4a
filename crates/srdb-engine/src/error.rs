//! The engine's error type.

use std::path::PathBuf;

use srdb_key::BoxError;

/// Result alias of the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Another process (or another `Engine` in this process) holds the
    /// database directory.
    #[error("the database at {path} is in use by another process (its LOCK file is held)")]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// Bytes on disk failed a check.
    #[error("corruption in {file}: {reason}")]
    Corruption {
        /// The damaged file.
        file: PathBuf,
        /// What was wrong, including the offset where known.
        reason: String,
    },
    /// An I/O operation failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The write-ahead log failed.
    #[error(transparent)]
    Wal(#[from] srdb_wal::WalError),
    /// The MANIFEST failed.
    #[error(transparent)]
    Manifest(#[from] srdb_manifest::ManifestError),
    /// An SST file failed.
    #[error(transparent)]
    Sst(#[from] srdb_sst::SstError),
    /// A compaction failed.
    #[error(transparent)]
    Compaction(#[from] srdb_compaction::CompactionError),
    /// An iterator over stored data failed.
    #[error("reading stored data failed: {0}")]
    Iter(BoxError),
    /// No keyspace has this name.
    #[error("keyspace {name:?} does not exist")]
    KeyspaceNotFound {
        /// The name asked for.
        name: String,
    },
    /// A keyspace with this name exists already.
    #[error("keyspace {name:?} already exists")]
    KeyspaceExists {
        /// The name asked for.
        name: String,
    },
    /// The keyspace was dropped while a handle to it was still in use.
    #[error("keyspace {name:?} was dropped")]
    KeyspaceDropped {
        /// The keyspace's name.
        name: String,
    },
    /// The keyspace's files could not be opened; the rest of the database is
    /// usable.
    #[error("keyspace {name:?} is unavailable: {reason}")]
    KeyspaceUnavailable {
        /// The keyspace's name.
        name: String,
        /// Why its files could not be opened.
        reason: String,
    },
    /// A keyspace name is empty or too long.
    #[error("keyspace name {name:?} is invalid: {reason}")]
    InvalidKeyspaceName {
        /// The name offered.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A key is longer than the limit.
    #[error("key of {bytes} bytes exceeds the limit of {max} bytes")]
    KeyTooLarge {
        /// Length of the key.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// A value is longer than the limit.
    #[error("value of {bytes} bytes exceeds the limit of {max} bytes")]
    ValueTooLarge {
        /// Length of the value.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// A batch is larger than the limit.
    #[error("write batch of {bytes} bytes exceeds the limit of {max} bytes")]
    BatchTooLarge {
        /// Encoded size of the batch.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// An earlier background failure (a failed WAL write, flush or MANIFEST
    /// update) left the engine unable to accept writes safely. Reopen the
    /// database to recover.
    #[error("the database refuses writes after an earlier failure: {reason}")]
    ReadOnly {
        /// The failure that stopped writes.
        reason: String,
    },
    /// The options are inconsistent.
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    /// The engine is shutting down.
    #[error("the database is closed")]
    Closed,
}

impl Error {
    /// Whether this error reports damaged bytes on disk.
    pub fn is_corruption(&self) -> bool {
        match self {
            Error::Corruption { .. } => true,
            Error::Sst(e) => e.is_corruption(),
            Error::Wal(e) => e.is_corruption(),
            Error::Manifest(e) => e.is_corruption(),
            Error::Compaction(srdb_compaction::CompactionError::Sst { source, .. }) => {
                source.is_corruption()
            }
            Error::Compaction(srdb_compaction::CompactionError::Source(e)) | Error::Iter(e) => {
                e.downcast_ref::<srdb_sst::SstError>().is_some_and(|e| e.is_corruption())
            }
            _ => false,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

impl From<BoxError> for Error {
    fn from(e: BoxError) -> Self {
        match e.downcast::<srdb_sst::SstError>() {
            Ok(sst) => Error::Sst(*sst),
            Err(other) => Error::Iter(other),
        }
    }
}
