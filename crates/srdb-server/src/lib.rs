//! The srdb network server.
//!
//! Owns: the Redis protocol (RESP2 and RESP3) server for the key-value store
//! and the tables (`TABLE.*` commands).
//! It uses only the public API of the `srdb` facade. It is not: the storage
//! engine, or the command line (`srdb serve` in `srdb-cli` wraps it).
//!
//! # Design
//!
//! A few event loops (`event_loops`; by default one under fsync-per-commit,
//! else two) serve all connections with
//! nonblocking sockets (mio: epoll on Linux); the thread that called
//! [`Server::run`] accepts connections and deals them to the loops in turn.
//! Each loop owns its connections: it reads what arrived into their
//! buffers, runs every complete request and writes the replies, one write
//! per connection per iteration, so a pipeline costs one read and one
//! write. A slow or stuck client never blocks the others: its replies wait
//! in its own buffer (bounded, see [`limits`]) and it is disconnected once
//! it has not read for `reply_timeout`.
//!
//! Blind writes (plain SET, MSET) of every connection served in one loop
//! iteration are committed as one engine batch before their `+OK`s are
//! sent: group commit at the loop, one fsync per iteration under
//! `SyncPolicy::Always`, as Redis does before it sleeps. A connection with
//! uncommitted writes runs only more blind writes until the commit, so its
//! commands keep their order and its reads see its writes. Reads run
//! inline on the loop. Commands that may take long (KEYS, SCAN with a large
//! COUNT, DBSIZE, INFO, FLUSHALL, SAVE, table queries, counts and index
//! builds, very large requests) run on a small pool of worker threads; the
//! connection reads nothing more until its reply comes back, the others go
//! on.
//!
//! This replaced a thread per connection plus a writer thread combining
//! blind writes: on the reference machine (2 cores, redis-benchmark with 50
//! clients) that was 50+ threads and two wake-ups per request. Now a
//! request costs one `recv` and one `send` and a loop iteration one
//! `epoll_wait` (and one fsync under `SyncPolicy::Always`) shared by the
//! requests of all ready connections. How many loops: see
//! [`limits::auto_event_loops`].
//!
//! Read-modify-write commands are atomic across connections: they run
//! through `srdb::Kv::update`, which holds the key's striped lock across the
//! read and the write; a group commit takes the locks of its keys in shared
//! mode. Expired keys are hidden from every read, removed when read, and
//! swept in the background in bounded steps. Limits and their defaults are
//! in [`limits`].
//!
//! ```no_run
//! use srdb_server::{Server, ServerConfig};
//!
//! let db = srdb::Database::open("srdb-data").unwrap();
//! let server = Server::bind(db.clone(), ServerConfig::default()).unwrap();
//! let stop = server.shutdown_handle();
//! std::thread::spawn(move || { /* on SIGTERM: */ stop.shutdown() });
//! server.run().unwrap(); // returns once every connection has finished
//! db.flush().unwrap();
//! db.close().unwrap();
//! ```
#![forbid(unsafe_code)]

mod cmd;
mod config;
mod error;
mod event_loop;
/// Redis's glob patterns, shared with the HTTP API's key browser.
pub use srdb::glob;
pub mod limits;
pub mod resp;
mod server;
mod state;
mod writes;

pub use config::{ServerConfig, DEFAULT_ADDR};
pub use error::{Error, Result};
pub use server::{Server, ShutdownHandle};
