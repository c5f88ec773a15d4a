//! The server's configuration, with Redis-like defaults from `limits`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::limits::*;

/// Default address: loopback only, port 6399 (platodb's port, next to
/// Redis's 6379).
pub const DEFAULT_ADDR: &str = "127.0.0.1:6399";

/// How the RESP server runs. Every field has a documented default
/// ([`ServerConfig::default`]).
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Address to listen on. Default: `127.0.0.1:6399`.
    pub addr: SocketAddr,
    /// Password clients must give with `AUTH` or `HELLO ... AUTH` before
    /// any other command. Default: none (no authentication).
    pub requirepass: Option<String>,
    /// Connections served at once. Default: [`DEFAULT_MAX_CLIENTS`].
    pub max_clients: usize,
    /// Longest argument of a request. Default: [`DEFAULT_MAX_BULK_BYTES`].
    pub max_bulk_bytes: usize,
    /// Most arguments in one request. Default: [`DEFAULT_MAX_ARGS`].
    pub max_args: usize,
    /// Largest request, all arguments together. Default:
    /// [`DEFAULT_MAX_REQUEST_BYTES`].
    pub max_request_bytes: usize,
    /// Disconnect clients silent for this long; zero never does. Default:
    /// [`DEFAULT_IDLE_TIMEOUT`].
    pub idle_timeout: Duration,
    /// Largest reply of one command. Default: [`DEFAULT_MAX_REPLY_BYTES`].
    pub max_reply_bytes: usize,
    /// Disconnect clients that do not read replies for this long. Default:
    /// [`DEFAULT_REPLY_TIMEOUT`].
    pub reply_timeout: Duration,
    /// Threads serving connections, each an event loop owning its share
    /// of them; 0 lets the server choose ([`auto_event_loops`]: one under
    /// fsync-per-commit, else up to two). Default: 0; at most
    /// [`MAX_EVENT_LOOPS`].
    pub event_loops: usize,
    /// The configuration file the settings came from, shown by `INFO`.
    /// Default: none.
    pub config_file: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: DEFAULT_ADDR.parse().expect("the default address parses"),
            requirepass: None,
            max_clients: DEFAULT_MAX_CLIENTS,
            max_bulk_bytes: DEFAULT_MAX_BULK_BYTES,
            max_args: DEFAULT_MAX_ARGS,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_reply_bytes: DEFAULT_MAX_REPLY_BYTES,
            reply_timeout: DEFAULT_REPLY_TIMEOUT,
            event_loops: DEFAULT_EVENT_LOOPS,
            config_file: None,
        }
    }
}

impl ServerConfig {
    pub(crate) fn validate(&self) -> Result<(), crate::Error> {
        let bad = |what: &str| Err(crate::Error::InvalidConfig(what.to_string()));
        if self.max_clients == 0 {
            return bad("max_clients must be at least 1");
        }
        if self.max_args == 0 || self.max_bulk_bytes == 0 {
            return bad("max_args and max_bulk_bytes must be at least 1");
        }
        if self.max_request_bytes < self.max_bulk_bytes {
            return bad("max_request_bytes must be at least max_bulk_bytes");
        }
        if self.max_reply_bytes < 1024 {
            return bad("max_reply_bytes must be at least 1 KiB");
        }
        if self.reply_timeout.is_zero() {
            return bad("reply_timeout must be above zero");
        }
        if self.event_loops > MAX_EVENT_LOOPS {
            return Err(crate::Error::InvalidConfig(format!(
                "event_loops must be at most {MAX_EVENT_LOOPS} (0 chooses)"
            )));
        }
        if self.requirepass.as_deref() == Some("") {
            return bad("requirepass must not be empty (leave it unset for no password)");
        }
        Ok(())
    }
}
