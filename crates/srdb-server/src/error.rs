//! The server's error type.

/// What can stop the server from starting or running. Errors of single
/// commands are replies to the client, never this type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Accepting connections or starting a thread failed.
    #[error("server I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// The configuration is inconsistent.
    #[error("invalid server configuration: {0}")]
    InvalidConfig(String),
    /// The storage engine failed.
    #[error(transparent)]
    Engine(#[from] srdb::Error),
}

/// Result alias of the server.
pub type Result<T, E = Error> = std::result::Result<T, E>;
