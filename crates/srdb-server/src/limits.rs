//! Limits of the RESP server: every default in one place, with its reason.
//! Each is a field of [`crate::ServerConfig`] and can be changed there.

use std::time::Duration;

/// Default `max_clients`: connections served at once. A connection costs a
/// socket, a 16 KiB read buffer and its pending replies; the bound keeps
/// file descriptors and that memory in check. Redis's default is 10000; a
/// client over the limit gets Redis's error
/// `-ERR max number of clients reached` and is disconnected.
pub const DEFAULT_MAX_CLIENTS: usize = 1000;

/// Default `max_bulk_bytes`: the longest bulk string (one argument) in a
/// request. The engine stores values of at most 16 MiB, so a longer argument
/// could never be stored; refusing it while it is announced saves reading it.
/// Redis's `proto-max-bulk-len` is 512 MiB.
pub const DEFAULT_MAX_BULK_BYTES: usize = 16 * 1024 * 1024;

/// Default `max_args`: arguments in one request (the `*<count>` of a
/// multibulk). An argument costs 16 bytes of bookkeeping before any data
/// arrives, so this bounds what a header alone can make the server reserve.
/// Redis accepts up to 2^31 - 1.
pub const DEFAULT_MAX_ARGS: usize = 1024 * 1024;

/// Default `max_request_bytes`: the bytes of one request, all arguments
/// together (Redis's `client-query-buffer-limit`, 1 GiB there). 64 MiB is the
/// engine's largest write batch, so no larger MSET could be applied anyway.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

/// Longest inline command line (as typed into `nc` or telnet), the same as
/// Redis's `PROTO_INLINE_MAX_SIZE`. Not configurable: it exists only to
/// bound a line that never ends.
pub const MAX_INLINE_BYTES: usize = 64 * 1024;

/// Before a client authenticates (when a password is set) its requests may
/// have at most this many arguments and bulk strings of at most
/// [`MAX_UNAUTHENTICATED_BULK_BYTES`], as in Redis: an unauthenticated
/// stranger cannot make the server buffer megabytes.
pub const MAX_UNAUTHENTICATED_ARGS: usize = 10;

/// See [`MAX_UNAUTHENTICATED_ARGS`].
pub const MAX_UNAUTHENTICATED_BULK_BYTES: usize = 16 * 1024;

/// Default `idle_timeout`: a client that sends nothing for this long (and
/// has no command running and no reply pending) is disconnected, which
/// returns its socket and buffers. The event loop checks it a few times per
/// timeout ([`housekeeping_interval`]). Five minutes keeps interactive
/// sessions alive while reclaiming forgotten connections. Zero disables it
/// (Redis's `timeout` defaults to 0).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Default `max_reply_bytes`: the output buffer of a client, that is the
/// reply bytes one command may produce before they are sent. A command
/// whose reply would exceed it (KEYS on a huge store, MGET of many large
/// values) gets an error instead and the client stays connected. Besides
/// one reply, a client holds at most [`REPLY_FLUSH_BYTES`] of unsent
/// replies: past that its requests wait until it reads.
pub const DEFAULT_MAX_REPLY_BYTES: usize = 64 * 1024 * 1024;

/// Default `reply_timeout`: a client that does not read its replies for
/// this long (the socket's send buffer stays full and nothing more of the
/// replies could be written) is disconnected, so a stuck client cannot pin
/// its reply memory for ever. It never delays other clients: sockets are
/// nonblocking, and its event loop serves the others meanwhile.
pub const DEFAULT_REPLY_TIMEOUT: Duration = Duration::from_secs(60);

/// Unsent reply bytes of a connection at which its replies are written out
/// before more of its commands run; if the socket does not take them, the
/// connection's requests wait until it does (the client reads). Keeps a
/// long pipeline from collecting all its replies in memory, and bounds what
/// a client that does not read holds until [`DEFAULT_REPLY_TIMEOUT`].
pub const REPLY_FLUSH_BYTES: usize = 64 * 1024;

/// Default `event_loops`: 0, which [`auto_event_loops`] resolves when the
/// server starts.
pub const DEFAULT_EVENT_LOOPS: usize = 0;

/// The number of event loops, the threads that serve connections (each
/// owning its share of them), when the configuration leaves it at 0: one
/// when every commit waits for an fsync (`SyncPolicy::Always`), else two,
/// or one on a machine of one core.
///
/// A loop commits the blind writes of all the connections it served in an
/// iteration as one batch, so under fsync-per-commit one loop makes one
/// fsync serve every client, as Redis does; two loops fsync twice as often
/// for the same clients. Without an fsync per commit a second loop adds a
/// core for parsing, memtable inserts and replies. Measured on the
/// reference machine (2 cores shared with redis-benchmark, 50 clients,
/// 100-byte values, three rounds, docs/benchmarks.md): with `--sync
/// periodic`, two loops against one took pipelined SETs from 60% to 85% of
/// redis-server's rate and pipelined GETs from 81% to 98%, unpipelined ones
/// from 106% to 84% (SET) and 105% to 99% (GET); with `--sync always`, one
/// loop gave 107% of redis-server with `appendfsync always` and two 81%.
/// Set `event_loops` to choose otherwise, e.g. more loops where cores are
/// plenty.
pub fn auto_event_loops(fsync_per_commit: bool) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if fsync_per_commit {
        1
    } else {
        cores.min(2)
    }
}

/// Most `event_loops` a configuration may ask for.
pub const MAX_EVENT_LOOPS: usize = 64;

/// Threads that run commands that may take long (KEYS, SCAN with a large
/// COUNT, FLUSHALL, SAVE, INFO, DBSIZE, the table commands that scan or
/// build, and any request over [`MAX_INLINE_REQUEST_BYTES`] or
/// [`MAX_INLINE_ARGS`]), so that they do not stall the other connections of
/// their event loop. The connection waits for its command (its later
/// requests stay unread); more such commands than workers queue.
pub const WORKER_THREADS: usize = 2;

/// Requests larger than this (a large MSET, a SET of a large value) run on
/// a worker thread.
pub const MAX_INLINE_REQUEST_BYTES: usize = 1024 * 1024;

/// Requests with more arguments than this (MGET, DEL, EXISTS of many keys)
/// run on a worker thread.
pub const MAX_INLINE_ARGS: usize = 1024;

/// How often an event loop checks its connections for the idle and reply
/// timeouts: a quarter of the shorter one, between 10 ms and 1 s, so a
/// timeout fires at most a quarter late.
pub fn housekeeping_interval(idle_timeout: Duration, reply_timeout: Duration) -> Duration {
    let shorter =
        if idle_timeout.is_zero() { reply_timeout } else { idle_timeout.min(reply_timeout) };
    (shorter / 4).clamp(Duration::from_millis(10), Duration::from_secs(1))
}

/// Interval of the background expiry sweep.
pub const SWEEP_INTERVAL: Duration = Duration::from_millis(100);

/// Due expiry-index entries one sweep tick looks at: bounds the tick's work
/// (and the keys it locks) whatever the backlog; lazy removal on access
/// covers keys read before the sweep reaches them.
pub const SWEEP_MAX_ENTRIES: usize = 1000;

/// SCAN cursors remembered at once. A cursor holds the last key returned
/// (up to 64 KiB); past this count the oldest cursors are forgotten and
/// continuing one answers `-ERR invalid cursor`.
pub const MAX_SCAN_CURSORS: usize = 4096;

/// Rows one `TABLE.QUERY` reply holds at most. A query that would return
/// more gets an error naming this limit, and pages with `LIMIT` and
/// `OFFSET` instead. Besides the reply (bounded by `max_reply_bytes` as it
/// is encoded), the cap bounds what a query ordered by a field without an
/// index holds while it sorts: the query runs with a limit of one row over
/// the cap, so the sort keeps a bounded heap instead of every matching
/// row. A hundred thousand rows is a large page for any client.
pub const MAX_QUERY_ROWS: u64 = 100_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_loop_under_fsync_per_commit_else_up_to_two() {
        assert_eq!(auto_event_loops(true), 1);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(auto_event_loops(false), cores.min(2));
        assert!((1..=MAX_EVENT_LOOPS).contains(&auto_event_loops(false)));
    }
}
