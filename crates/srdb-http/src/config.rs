//! The settings of an [`crate::HttpServer`] and their limits.

use std::net::SocketAddr;
use std::time::Duration;

use crate::error::{Error, Result};

/// Default listening address: loopback only, so that nothing is exposed
/// unless asked for.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// Default number of worker threads, which is also the most requests
/// handled at once. A request beyond them waits in a queue of
/// [`QUEUE_PER_WORKER`] per worker; past that it is answered 503 at once.
pub const DEFAULT_WORKERS: usize = 8;

/// Connections that may wait for a worker, per worker.
pub const QUEUE_PER_WORKER: usize = 16;

/// Default largest request body: 8 MiB, room for thousands of rows in one
/// insert while keeping a request's memory bounded.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 << 20;

/// Largest request line plus headers. Browsers send a few KiB; anything
/// longer is answered 431.
pub const MAX_HEADER_BYTES: usize = 16 << 10;

/// Most headers in one request.
pub const MAX_HEADERS: usize = 64;

/// Default most rows of one page (API `limit`, UI page size), so that one
/// request cannot make the server build an unbounded reply.
pub const DEFAULT_MAX_PAGE_ROWS: u64 = 1000;

/// Rows of a page when the request does not say.
pub const DEFAULT_PAGE_ROWS: u64 = 50;

/// Default time a client has to send its whole request (line, headers and
/// body), and to take the response; a slower client is disconnected (408
/// when the request was not complete). Bounds how long a slow client can
/// hold a worker.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Most keys the KV browser examines for one page of a pattern scan, so that
/// a pattern matching few keys cannot make one request read the whole store.
pub const MAX_SCAN_EXAMINED_KEYS: usize = 10_000;

/// How an [`crate::HttpServer`] listens and what it allows.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Where to listen. Default [`DEFAULT_ADDR`]; port 0 picks a free port.
    pub addr: SocketAddr,
    /// The token that writes must present (`Authorization: Bearer <token>`).
    /// Default `None`: the API is read-only.
    pub token: Option<String>,
    /// Worker threads (requests handled at once). Default [`DEFAULT_WORKERS`].
    pub workers: usize,
    /// Largest request body in bytes (413 beyond). Default
    /// [`DEFAULT_MAX_BODY_BYTES`].
    pub max_body_bytes: usize,
    /// Most rows one page may hold (400 beyond). Default
    /// [`DEFAULT_MAX_PAGE_ROWS`].
    pub max_page_rows: u64,
    /// Time to receive a whole request and to send its response. Default
    /// [`DEFAULT_REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            addr: DEFAULT_ADDR.parse().expect("the default address parses"),
            token: None,
            workers: DEFAULT_WORKERS,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_page_rows: DEFAULT_MAX_PAGE_ROWS,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

impl HttpConfig {
    /// Checks that every setting is usable.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: &str| Err(Error::Config { reason: reason.to_owned() });
        if self.workers == 0 {
            return bad("workers must be at least 1");
        }
        if self.max_page_rows == 0 {
            return bad("max_page_rows must be at least 1");
        }
        if self.request_timeout.is_zero() {
            return bad("request_timeout must be above zero");
        }
        if self.token.as_deref() == Some("") {
            return bad("the token must not be empty (leave it unset for a read-only API)");
        }
        Ok(())
    }
}
