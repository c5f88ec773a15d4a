//! The command line's error type.

use std::path::PathBuf;

/// Why a subcommand failed; printed as `srdb: <message>`.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A configuration file could not be read or parsed.
    #[error("cannot use the configuration file {path}: {reason}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// A setting has a value that cannot be used.
    #[error("invalid setting {name}: {reason}")]
    Setting {
        /// The setting (as in the configuration file).
        name: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The database could not be opened or closed.
    #[error("database {path}: {source}")]
    Database {
        /// The data directory.
        path: PathBuf,
        /// The error.
        source: Box<srdb::DbError>,
    },
    /// The server failed.
    #[error(transparent)]
    Server(#[from] srdb_server::Error),
    /// Signal handlers could not be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(std::io::Error),
}
