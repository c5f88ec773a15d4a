//! Errors of starting and running the HTTP server.

use std::net::SocketAddr;

/// Result alias of srdb-http.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can stop the HTTP server from starting or running. Errors of single
/// requests are answered to their client and never end the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listening address could not be bound.
    #[error("Cannot listen for HTTP on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A setting is not usable.
    #[error("Invalid HTTP setting: {reason}.")]
    Config {
        /// What is wrong, as a sentence fragment.
        reason: String,
    },
    /// Another I/O error of the listener or of starting a thread.
    #[error("HTTP server I/O error: {0}")]
    Io(#[from] std::io::Error),
}
