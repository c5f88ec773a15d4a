//! The command line's error type.

use std::path::PathBuf;

/// Why a subcommand failed; printed as `srdb: <message>` with exit code 2.
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
    /// The HTTP server could not start (its address is taken, say) or
    /// failed while running.
    #[error(transparent)]
    Http(#[from] srdb_http::Error),
    /// Signal handlers could not be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(std::io::Error),
    /// A running server (or another process) holds the directory's lock.
    #[error(
        "{path} is in use: a running srdb server (or another process) holds its LOCK file; \
         stop it before `srdb {command}`"
    )]
    Locked {
        /// The data directory.
        path: PathBuf,
        /// The subcommand that needs the directory to itself.
        command: &'static str,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A file handed to `srdb inspect` is damaged or not of the kind asked.
    #[error("{0}")]
    Inspect(String),
    /// The arguments name something that does not exist or cannot be used.
    #[error("{0}")]
    Usage(String),
    /// An import found bad lines and, without `--skip-bad`, imported nothing.
    #[error(
        "import aborted: {bad} bad line(s), nothing was imported (fix them, or pass --skip-bad to import the other rows)"
    )]
    ImportAborted {
        /// Bad lines found.
        bad: u64,
    },
}

impl CliError {
    /// Wraps a database error of the directory `path`, turning "locked"
    /// into [`CliError::Locked`].
    pub fn db(path: &std::path::Path, command: &'static str, e: srdb::DbError) -> CliError {
        match e {
            srdb::DbError::Engine(srdb::Error::Locked { .. }) => {
                CliError::Locked { path: path.to_path_buf(), command }
            }
            e => CliError::Database { path: path.to_path_buf(), source: Box::new(e) },
        }
    }

    /// Wraps an engine error of the directory `path`, like [`CliError::db`].
    pub fn engine(path: &std::path::Path, command: &'static str, e: srdb::Error) -> CliError {
        CliError::db(path, command, srdb::DbError::Engine(e))
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> CliError {
        CliError::Io { path: path.into(), source }
    }
}
