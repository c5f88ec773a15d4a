//! srdb's HTTP server: a JSON API and a Web UI over one
//! [`srdb::Database`], with `/metrics` (Prometheus text) and `/health`.
//! `srdb serve` runs it beside the Redis-protocol server.
//!
//! It is not a general web framework: routes are a `match` on the method
//! and path segments (`router`), and every handler uses the public API of
//! the `srdb` facade.
//!
//! # Design
//!
//! - **Synchronous and bounded.** One acceptor thread hands connections to
//!   a fixed pool of worker threads through a bounded queue; when both are
//!   full a connection is answered 503 at once. Each connection carries one
//!   request (`Connection: close`) that must arrive whole within the request
//!   timeout, with headers of at most [`config::MAX_HEADER_BYTES`] and a
//!   body of at most the configured size: a slow or hostile client holds one
//!   worker for at most the timeout. Requests are parsed with `httparse`; a
//!   server crate such as `tiny_http` would add a thread per connection and
//!   has no read deadline, which are exactly the two things this needs to
//!   control. No async runtime is compiled.
//! - **Read-only unless a token is configured.** Writes (create a table,
//!   insert rows, delete a row, create an index) need
//!   `Authorization: Bearer <token>`, compared in constant time. Without a
//!   configured token every write is refused with 403.
//! - **HTML escaped by construction.** Pages are `maud` templates: every
//!   interpolated value is escaped, and raw markup needs an explicit
//!   `PreEscaped`, which this crate never uses. A hand-written escaping
//!   helper would rely on every call site remembering to call it.
//! - **No CDN.** htmx (vendored from npm's `htmx.org`, licence in
//!   `assets/htmx.LICENSE`) and the stylesheet are compiled in and served
//!   under a path keyed by a hash of their content with a one-year cache
//!   lifetime, so a changed file gets a new URL. Every page works without
//!   JavaScript; htmx only swaps fragments in place.
//! - **A panic costs one request.** A handler that panics is answered 500
//!   and logged to stderr; its worker thread serves on.
//!
//! The routes, their parameters and answers are documented in
//! `docs/guide/http.md`.
//!
//! ```no_run
//! use srdb_http::{HttpConfig, HttpServer};
//!
//! let db = srdb::Database::open("srdb-data").unwrap();
//! let config = HttpConfig { token: Some("s3cret".into()), ..HttpConfig::default() };
//! let server = HttpServer::bind(db.clone(), config).unwrap();
//! let stop = server.shutdown_handle();
//! std::thread::spawn(move || { /* on SIGTERM: */ stop.shutdown() });
//! server.run().unwrap(); // returns once the accepted requests are answered
//! db.close().unwrap();
//! ```
#![forbid(unsafe_code)]

mod api;
mod assets;
pub mod config;
mod error;
mod http;
mod router;
mod server;
mod stats;
mod ui;

pub use config::{HttpConfig, DEFAULT_ADDR};
pub use error::{Error, Result};
pub use server::{HttpServer, ShutdownHandle};
